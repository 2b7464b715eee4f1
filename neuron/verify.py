"""Run the property catalogue against an implementation and build the report.

Each property is run as a Hypothesis search: its pinned hard cases first, then generated
inputs, steered by ``target()`` toward the largest error relative to the allowed one, and on
failure shrunk to a minimal input, reported with the expected and computed values and a
Python snippet that reproduces it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from hypothesis import HealthCheck, example, given, seed, settings, target

from neuron.properties import PROPERTIES, Args, Measurement, Property
from neuron.protocol import Implementation
from neuron.tolerance import Policy

__all__ = ["PROFILES", "PropertyResult", "Report", "profile_settings", "run", "run_property"]

#: Hypothesis settings per profile: the single definition, also registered for pytest by
#: tests/conftest.py. deadline=None: the oracle's time depends on how close a value lies to a
#: rounding boundary, so a per-example time limit would fail at random rather than find slow code.
PROFILES: Final[dict[str, dict[str, Any]]] = {
    "dev": {"max_examples": 30, "deadline": None},
    "ci": {
        "max_examples": 100,
        "deadline": None,
        "derandomize": True,
        "database": None,
        "print_blob": True,
    },
    "thorough": {"max_examples": 2000, "deadline": None, "print_blob": True},
}

_SUPPRESSED: Final = (
    HealthCheck.too_slow,  # the oracle and the finite differences are slow by design
    HealthCheck.filter_too_much,  # some properties restrict the domain on purpose
    HealthCheck.data_too_large,
)


def profile_settings(profile: str, max_examples: int | None = None) -> settings:
    """The Hypothesis settings of a named profile, optionally with another example count."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    options = {**PROFILES[profile], "database": None}
    if max_examples is not None:
        options["max_examples"] = max_examples
    return settings(report_multiple_bugs=False, suppress_health_check=_SUPPRESSED, **options)


@dataclass
class Failure:
    """The minimal failing input of a property and what went wrong there."""

    args: Args
    message: str
    expected: float | None = None
    got: float | None = None
    error: float | None = None
    allowed: float | None = None


@dataclass
class PropertyResult:
    """The outcome of one property."""

    id: str
    title: str
    theorems: tuple[str, ...]
    status: str  # passed | failed | not provided
    examples: int = 0
    points: int = 0
    worst_error: float = 0.0
    worst_allowed: float = 0.0
    worst_args: Args | None = None
    unit: str = ""
    seconds: float = 0.0
    failure: Failure | None = None
    missing: tuple[str, ...] = field(default=())


@dataclass
class Report:
    """Everything a run found, with what it tested and how hard."""

    target: str
    policy: str
    profile: str
    seed: int | None
    results: list[PropertyResult]

    @property
    def passed(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def to_json(self) -> str:
        def encode(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return repr(value)
            if isinstance(value, (tuple, list)):
                return [encode(v) for v in value]
            if isinstance(value, dict):
                return {k: encode(v) for k, v in value.items()}
            return value

        results = []
        for r in self.results:
            record = {k: v for k, v in vars(r).items() if k != "failure"}
            record["failure"] = vars(r.failure) if r.failure else None
            results.append(encode(record))
        head = {"target": self.target, "policy": self.policy, "profile": self.profile}
        return json.dumps({**head, "seed": self.seed, "results": results}, indent=2)


class _FalsifiedError(Exception):
    def __init__(self, args: Args, message: str, measurement: Measurement | None) -> None:
        super().__init__(message)
        self.args_ = args
        self.measurement = measurement


def _plain(args: Args) -> Args:
    return tuple(float(a) for a in args)


def _describe(m: Measurement) -> str:
    i = m.worst()
    return (
        f"expected {m.expected.ravel()[i]!r}, got {m.got.ravel()[i]!r}: "
        f"error {m.error.ravel()[i]:.3g} {m.unit} > allowed {m.allowed.ravel()[i]:.3g}"
    )


def reproduction(target: str, policy: str, prop: Property, args: Args) -> str:
    """A Python snippet that reruns one property at one input."""
    return (
        "from neuron.properties import by_id\n"
        "from neuron.protocol import load\n"
        "from neuron.tolerance import parse_policy\n"
        f"m = by_id({prop.id!r}).check(load({target!r}), parse_policy({policy!r}), {args!r})\n"
        "print(m.passed, m.expected, m.got, m.error, m.allowed)"
    )


def run_property(
    prop: Property,
    impl: Implementation,
    policy: Policy,
    hypothesis_settings: settings,
    random_seed: int | None = None,
) -> PropertyResult:
    """Search for a counterexample to one property; report effort, worst case and failure."""
    result = PropertyResult(prop.id, prop.title, prop.theorems, "passed")
    if not impl.provides(prop.requires):
        result.status = "not provided"
        result.missing = tuple(f for f in prop.requires if f not in impl.functions)
        return result
    worst_ratio = -1.0
    started = time.perf_counter()

    def body(args: Args) -> None:
        nonlocal worst_ratio
        result.examples += 1
        try:
            m = prop.check(impl, policy, args)
        except (Exception, SystemExit) as error:  # the implementation under test raised or exited
            raise _FalsifiedError(args, f"raised {type(error).__name__}: {error}", None) from error
        result.points += int(m.error.size)
        ratio = float(np.max(m.ratio)) if m.ratio.size else 0.0
        i = m.worst()
        if ratio > worst_ratio:
            worst_ratio = ratio
            result.worst_error = float(m.error.ravel()[i])
            result.worst_allowed = float(m.allowed.ravel()[i])
            result.worst_args = _plain(args)
            result.unit = m.unit
        target(min(ratio, 1e6), label="error / allowed")
        if not m.passed:
            raise _FalsifiedError(args, _describe(m), m)

    test = given(prop.inputs())(body)
    for case in prop.examples:
        test = example(case)(test)
    test = hypothesis_settings(test)
    if random_seed is not None:
        test = seed(random_seed)(test)
    try:
        test()
    except _FalsifiedError as falsified:
        m = falsified.measurement
        i = m.worst() if m is not None else 0
        result.status = "failed"
        result.failure = Failure(
            _plain(falsified.args_),
            str(falsified),
            None if m is None else float(m.expected.ravel()[i]),
            None if m is None else float(m.got.ravel()[i]),
            None if m is None else float(m.error.ravel()[i]),
            None if m is None else float(m.allowed.ravel()[i]),
        )
    result.seconds = time.perf_counter() - started
    return result


def run(  # noqa: PLR0913 - the command line's options, keyword-only
    impl: Implementation,
    policy: Policy,
    *,
    profile: str = "ci",
    max_examples: int | None = None,
    random_seed: int | None = None,
    only: Iterable[str] | None = None,
    properties: Sequence[Property] = PROPERTIES,
) -> Report:
    """Run the catalogue (or the properties named in `only`) against an implementation."""
    chosen = list(properties)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {p.id for p in chosen}
        if unknown:
            raise ValueError(f"unknown properties: {', '.join(sorted(unknown))}")
        chosen = [p for p in chosen if p.id in wanted]
    hypothesis_settings = profile_settings(profile, max_examples)
    results = [run_property(p, impl, policy, hypothesis_settings, random_seed) for p in chosen]
    return Report(impl.name, policy.name, profile, random_seed, results)


def format_report(report: Report) -> str:
    """A plain-text table, one row per property, and the failures below it."""
    header = (
        f"neuron verify: target {report.target}, policy {report.policy}, "
        f"profile {report.profile}" + (f", seed {report.seed}" if report.seed is not None else "")
    )
    rows = [("property", "status", "examples", "worst error", "allowed there", "at", "time")]
    for r in report.results:
        at = "" if r.worst_args is None else ", ".join(f"{a:.6g}" for a in r.worst_args)
        rows.append(
            (
                r.id,
                r.status if not r.missing else f"not provided ({', '.join(r.missing)})",
                str(r.examples),
                f"{r.worst_error:.3g} {r.unit}" if r.examples else "",
                f"{r.worst_allowed:.3g}" if r.examples else "",
                at,
                f"{r.seconds:.2f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header, ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    counts = {s: sum(r.status == s for r in report.results) for s in ("passed", "failed")}
    skipped = len(report.results) - counts["passed"] - counts["failed"]
    lines.append("")
    lines.append(f"{counts['passed']} passed, {counts['failed']} failed, {skipped} not provided")
    by_id = {p.id: p for p in PROPERTIES}
    for r in report.results:
        if r.failure is not None:
            lines += [
                "",
                f"FAILED {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                f"  input: {r.failure.args!r}",
                f"  {r.failure.message}",
                "  reproduce:",
                *(
                    "    " + line
                    for line in reproduction(
                        report.target, report.policy, by_id[r.id], r.failure.args
                    ).splitlines()
                ),
            ]
    return "\n".join(lines)
