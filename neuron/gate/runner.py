"""Run the property catalogue against an implementation and build the report.

Each property is run as a Hypothesis search: round values first (for the comparisons with
the oracle), its pinned hard cases, then generated inputs, steered by ``target()`` toward the
largest error relative to the allowed one, and on failure shrunk to a minimal input, reported
with the expected and computed values and a Python snippet that reproduces it. A failure at
edge inputs only (``neuron.gate.domains``) is an edge finding, not a failure of the run.
"""

from __future__ import annotations

import itertools
import json
import math
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from xml.etree import ElementTree

import numpy as np
from hypothesis import HealthCheck, example, given, seed, settings, target
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.reporting import with_reporter
from hypothesis.strategies import SearchStrategy

from neuron.gate import domains
from neuron.gate import sweep as sweeping
from neuron.gate.properties import PROPERTIES, Args, Measurement, Property
from neuron.gate.protocol import Implementation, ImplementationError, describe_exception
from neuron.gate.tolerance import Policy

__all__ = [
    "PROFILES",
    "SWEEP_POINTS",
    "Failure",
    "PropertyResult",
    "Report",
    "format_report",
    "profile_settings",
    "reproduction",
    "run",
    "run_property",
]

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

#: Points per function of the vectorized sweep (neuron.gate.sweep), per profile.
SWEEP_POINTS: Final[dict[str, int]] = {"dev": 10_000, "ci": 100_000, "thorough": 1_000_000}

#: Reports progress: (index of the property about to run, from 1; number of properties; its id).
Progress = Callable[[int, int, str], None]

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
    #: "round values" (the first failing combination of round values), "search"
    #: (Hypothesis, shrunk), "search, not shrunk" (a hang or a crash stops the search at
    #: once) or "sweep" (the simplest failing point of the sweep)
    found_by: str = "search"
    #: for a sweep failure without a single-point measurement (nondeterminism, a mutated
    #: argument, an exception on a batch): the sweep's seed and size, to rerun it
    sweep_seed: int | None = None
    sweep_points: int | None = None
    #: for an edge finding: its class ("overflow to ∞ or NaN in an intermediate", ...)
    kind: str = ""


@dataclass
class PropertyResult:
    """The outcome of one property."""

    id: str
    title: str
    theorems: tuple[str, ...]
    status: str  # passed | failed | finding (fails at edge inputs only) | not provided
    examples: int = 0
    points: int = 0  # every point compared: the examples' elements and the sweep's
    sweep_points: int = 0
    sweep_mode: str = ""  # "arrays", or "elementwise" for code that cannot take arrays
    rechecked: int = 0  # sweep points judged by the oracle (beyond the quick bound)
    worst_error: float = 0.0
    worst_allowed: float = 0.0
    worst_args: Args | None = None
    unit: str = ""
    seconds: float = 0.0
    failure: Failure | None = None
    #: a counterexample at edge inputs only (neuron.gate.domains), where none is ordinary
    finding: Failure | None = None
    missing: tuple[str, ...] = field(default=())
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything a run found, with what it tested and how hard."""

    target: str
    policy: str
    profile: str
    seed: int | None
    results: list[PropertyResult]
    max_examples: int | None = None
    sweep: int = 0  # points per function
    isolation: str = "in-process"  # or "worker process, timeout T s per call"
    printed: int = 0  # bytes the target wrote to stdout and stderr (tolerated)
    printed_first_line: str = ""
    seconds: float = 0.0
    #: the protocol functions the target provides
    provided: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """No property failed at an ordinary input (edge findings do not count)."""
        return all(r.status != "failed" for r in self.results)

    @property
    def findings(self) -> int:
        """Properties that fail at edge inputs only."""
        return sum(r.status == "finding" for r in self.results)

    @property
    def points(self) -> int:
        """Every point compared, over all properties."""
        return sum(r.points for r in self.results)

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
            record = {k: v for k, v in vars(r).items() if k not in ("failure", "finding")}
            record["failure"] = vars(r.failure) if r.failure else None
            record["finding"] = vars(r.finding) if r.finding else None
            results.append(encode(record))
        head = {"target": self.target, "policy": self.policy, "profile": self.profile}
        effort = {
            "seed": self.seed,
            "max_examples": self.max_examples,
            "sweep": self.sweep,
            "isolation": self.isolation,
            "printed": self.printed,
            "seconds": self.seconds,
            "points": self.points,
        }
        return json.dumps(encode({**head, **effort, "results": results}), indent=2)

    def to_junit(self) -> str:
        """JUnit XML: one testsuite, one testcase per property (failures with their message)."""
        suite = ElementTree.Element(
            "testsuite",
            name=f"neuron verify {self.target}",
            tests=str(len(self.results)),
            failures=str(sum(r.status == "failed" for r in self.results)),
            errors="0",
            skipped=str(sum(r.status == "not provided" for r in self.results)),
            time=f"{self.seconds:.3f}",
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (
            ("target", self.target),
            ("policy", self.policy),
            ("profile", self.profile),
            ("seed", "" if self.seed is None else str(self.seed)),
            ("sweep", str(self.sweep)),
            ("isolation", self.isolation),
        ):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        by_id = {p.id: p for p in PROPERTIES}
        for r in self.results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"neuron.verify.{self.policy}",
                name=r.id,
                time=f"{r.seconds:.3f}",
            )
            if r.status == "not provided":
                ElementTree.SubElement(
                    case, "skipped", message=f"not provided: {', '.join(r.missing)}"
                )
            elif r.failure is not None:
                body = _failure_lines(self, r, by_id[r.id])
                failure = ElementTree.SubElement(case, "failure", message=r.failure.message)
                failure.text = "\n".join(body)
            out = ElementTree.SubElement(case, "system-out")
            out.text = _summary(r)
            if r.finding is not None:  # a note, not a failure (unless --strict made it one)
                out.text += "\n" + "\n".join(_finding_lines(self, r, by_id[r.id]))
        root = ElementTree.Element("testsuites")
        root.append(suite)
        ElementTree.indent(root)
        return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


class _FalsifiedError(Exception):
    def __init__(self, args: Args, message: str, measurement: Measurement | None) -> None:
        super().__init__(message)
        self.args_ = args
        self.measurement = measurement


class _AbortError(BaseException):
    """A hang or crash: not an Exception, so Hypothesis lets it through instead of shrinking."""

    def __init__(self, args: Args, message: str) -> None:
        super().__init__(message)
        self.args_ = args


def _plain(args: Args) -> Args:
    return tuple(float(a) for a in args)


def _describe(m: Measurement) -> str:
    i = m.worst()
    return (
        f"expected {m.expected.ravel()[i]!r}, got {m.got.ravel()[i]!r}: "
        f"error {m.error.ravel()[i]:.3g} {m.unit} > allowed {m.allowed.ravel()[i]:.3g}"
    )


def reproduction(
    target: str, policy: str, prop: Property, args: Args, failure: Failure | None = None
) -> str:
    """A Python snippet that reruns one property at one input (or the sweep that failed)."""
    if failure is not None and failure.sweep_seed is not None:
        return (
            "from neuron.gate.protocol import load\n"
            "from neuron.gate.sweep import sweep\n"
            "from neuron.gate.tolerance import parse_policy\n"
            f"r = sweep({prop.sweep!r}, load({target!r}), parse_policy({policy!r}), "
            f"{failure.sweep_points!r}, seed={failure.sweep_seed!r})\n"
            "print(r.failure_args, r.message)"
        )
    return (
        "from neuron.gate.properties import by_id\n"
        "from neuron.gate.protocol import load\n"
        "from neuron.gate.tolerance import parse_policy\n"
        f"m = by_id({prop.id!r}).check(load({target!r}), parse_policy({policy!r}), "
        f"{_literal(args)})\n"
        "print(m.passed, m.expected, m.got, m.error, m.allowed)"
    )


def _literal(args: Args) -> str:
    """The arguments as Python source that runs anywhere: float('nan'), float('inf')."""
    parts = [repr(float(a)) if math.isfinite(a) else f"float({str(float(a))!r})" for a in args]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _sweep_seed(random_seed: int | None, derandomize: bool, prop: Property) -> int:
    base = random_seed if random_seed is not None else 0 if derandomize else secrets.randbits(32)
    return zlib.crc32(f"{base}:{prop.id}".encode())


def run_property(  # noqa: PLR0913 - one property's search and sweep, keyword-only past 4
    prop: Property,
    impl: Implementation,
    policy: Policy,
    hypothesis_settings: settings,
    random_seed: int | None = None,
    *,
    sweep_points: int = 0,
) -> PropertyResult:
    """Search for a counterexample to one property; report effort, worst case and failure.

    The search is Hypothesis's (pinned examples, generated inputs steered by ``target()``,
    shrinking); a property that compares a function with the oracle then gets a sweep of
    `sweep_points` points (neuron.gate.sweep) if the search found nothing. A counterexample
    at an edge input (neuron.gate.domains) is followed by a search of the ordinary inputs
    alone: the property fails if that finds one too, and otherwise has an edge *finding*.
    """
    result = PropertyResult(prop.id, prop.title, prop.theorems, "passed")
    if not impl.provides(prop.requires):
        result.status = "not provided"
        result.missing = tuple(f for f in prop.requires if f not in impl.functions)
        return result
    started = time.perf_counter()
    kinds = prop.kinds()

    def ordinary(args: Args) -> bool:
        return bool(np.all(domains.is_ordinary(kinds, args))) if kinds else True

    search = _Search(prop, impl, policy, hypothesis_settings, random_seed, result)
    failure = _round_values(prop, impl, policy, result)
    if failure is None:
        failure = search.run(prop.inputs(), prop.examples)
    if failure is not None and failure.found_by == "search" and not ordinary(failure.args):
        edge = failure
        failure = search.run(
            prop.inputs().filter(ordinary), tuple(e for e in prop.examples if ordinary(e))
        )
        if failure is None:
            result.finding = _classified(edge)
    result.failure = failure
    if result.failure is None and prop.sweep is not None and sweep_points > 0:
        derandomize = bool(hypothesis_settings.derandomize)
        _run_sweep(
            prop,
            impl,
            policy,
            sweep_points,
            sweep_seed=_sweep_seed(random_seed, derandomize, prop),
            result=result,
            worst_ratio=search.worst_ratio,
        )
    if result.failure is not None:
        result.status, result.finding = "failed", None
    elif result.finding is not None:
        result.status = "finding"
    result.seconds = time.perf_counter() - started
    return result


#: Values a person recognizes, simplest first, per kind of argument (neuron.gate.domains): all
#: ordinary, including saturation (z = ±800), where real bugs live.
ROUND_VALUES: Final[dict[str, tuple[float, ...]]] = {
    "z": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 4.0, -4.0, 40.0, -40.0, 800.0, -800.0),
    "w": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0),
    "x": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0),
    "y": (0.0, 1.0, 0.5, 0.25, 0.75),
    "t": (0.0, 1.0, 0.5, 0.25, 0.75),
    "lr": (1.0, 0.5, 0.1),
}


def _round_values(
    prop: Property, impl: Implementation, policy: Policy, result: PropertyResult
) -> Failure | None:
    """Before the search: every combination of round values, in one call per function (the
    comparisons with the oracle take arrays); the first that fails, simplest first, is the
    counterexample a person recognizes. Code that cannot take the batch is left to the search.
    """
    if prop.sweep is None:
        return None
    grid = list(itertools.product(*(ROUND_VALUES[k] for k in prop.kinds())))
    columns = tuple(np.array(column) for column in zip(*grid, strict=True))
    try:
        m = prop.check(impl, policy, columns)
    except (Exception, SystemExit):
        return None
    result.points += int(m.error.size)
    failing = np.flatnonzero(~m.ok.ravel())
    if failing.size == 0:
        return None
    i = int(failing[0])
    one = Measurement(
        m.error[i : i + 1], m.allowed[i : i + 1], m.expected[i : i + 1], m.got[i : i + 1]
    )
    return Failure(
        _plain(grid[i]),
        _describe(one),
        float(one.expected[0]),
        float(one.got[0]),
        float(one.error[0]),
        float(one.allowed[0]),
        found_by="round values",
    )


class _Search:
    """Hypothesis searches of one property, adding their effort and worst case to `result`."""

    def __init__(  # noqa: PLR0913, PLR0917 - what to search and where to record it
        self,
        prop: Property,
        impl: Implementation,
        policy: Policy,
        hypothesis_settings: settings,
        random_seed: int | None,
        result: PropertyResult,
    ) -> None:
        self.prop, self.impl, self.policy = prop, impl, policy
        self.settings, self.random_seed, self.result = hypothesis_settings, random_seed, result
        self.worst_ratio = -1.0

    def body(self, args: Args) -> None:
        result = self.result
        result.examples += 1
        try:
            m = self.prop.check(self.impl, self.policy, args)
        except ImplementationError as error:
            if error.fatal:
                raise _AbortError(args, str(error)) from error
            raise _FalsifiedError(args, str(error), None) from error
        except (Exception, SystemExit) as error:  # the implementation under test raised or exited
            raise _FalsifiedError(args, describe_exception(error), None) from error
        result.points += int(m.error.size)
        ratio = float(np.max(m.ratio)) if m.ratio.size else 0.0
        i = m.worst()
        if ratio > self.worst_ratio:
            self.worst_ratio = ratio
            result.worst_error = float(m.error.ravel()[i])
            result.worst_allowed = float(m.allowed.ravel()[i])
            result.worst_args = _plain(args)
            result.unit = m.unit
        target(min(ratio, 1e6), label="error / allowed")
        if not m.passed:
            raise _FalsifiedError(args, _describe(m), m)

    def run(self, inputs: SearchStrategy[Args], examples: Sequence[Args]) -> Failure | None:
        """One search: its failure, shrunk, or None."""
        test = given(inputs)(self.body)
        for case in examples:
            test = example(case)(test)
        test = self.settings(test)
        if self.random_seed is not None:
            test = seed(self.random_seed)(test)
        elif self.settings.derandomize:
            # Hypothesis derives a derandomized seed from the test function's source, which is
            # this module's `body` for every property: an edit here would change every search.
            test = seed(zlib.crc32(self.prop.id.encode()))(test)
        try:
            with with_reporter(lambda _: None):  # Hypothesis's own notes would land in our report
                test()
        except _FalsifiedError as falsified:
            return _failure(falsified)
        except _AbortError as aborted:
            return Failure(_plain(aborted.args_), str(aborted), found_by="search, not shrunk")
        except Unsatisfiable:  # no ordinary input among those the strategy draws
            return None
        except Flaky as flaky:
            inner = [e for e in getattr(flaky, "exceptions", ()) if isinstance(e, _FalsifiedError)]
            args = _plain(inner[0].args_) if inner else ()
            return Failure(
                args,
                "answers differently for the same input: an input failed once and passed when "
                "Hypothesis ran it again" + (f" ({inner[0]})" if inner else ""),
                found_by="search, not shrunk",
            )
        return None


#: The classes of edge findings, as the report names them.
OVERFLOW = "overflow to ∞ or NaN in an intermediate"
FLUSHED = "subnormals flushed to zero"
EXCEPTION = "an exception at an extreme input"
NONFINITE = "a NaN or infinite input not answered as IEEE 754 propagates it"
LARGER = "an error beyond the policy's bound at an extreme input"


def _classified(finding: Failure) -> Failure:
    """The finding with its class: what most likely made correct-looking code differ there."""
    tiny = any(0 < abs(a) < 2.0**-1022 for a in finding.args)
    if finding.expected is None:
        finding.kind = EXCEPTION
    elif not all(math.isfinite(a) for a in finding.args):
        finding.kind = NONFINITE
    elif finding.got is not None and not math.isfinite(finding.got):
        finding.kind = OVERFLOW
    elif tiny or (finding.got == 0 and finding.expected != 0):
        finding.kind = FLUSHED
    else:
        finding.kind = LARGER
    return finding


def _failure(falsified: _FalsifiedError) -> Failure:
    m = falsified.measurement
    i = m.worst() if m is not None else 0
    return Failure(
        _plain(falsified.args_),
        str(falsified),
        None if m is None else float(m.expected.ravel()[i]),
        None if m is None else float(m.got.ravel()[i]),
        None if m is None else float(m.error.ravel()[i]),
        None if m is None else float(m.allowed.ravel()[i]),
    )


def _run_sweep(  # noqa: PLR0913 - the sweep's inputs and where its findings go
    prop: Property,
    impl: Implementation,
    policy: Policy,
    points: int,
    *,
    sweep_seed: int,
    result: PropertyResult,
    worst_ratio: float,
) -> None:
    assert prop.sweep is not None
    found = sweeping.sweep(prop.sweep, impl, policy, points, seed=sweep_seed)
    result.sweep_points = found.points
    result.sweep_mode = found.mode
    result.rechecked = found.rechecked
    result.points += found.points
    result.notes += found.notes
    if found.worst_args is not None and found.worst_allowed > 0:
        ratio = found.worst_error / found.worst_allowed
        if ratio > worst_ratio:
            result.worst_error, result.worst_allowed = found.worst_error, found.worst_allowed
            result.worst_args, result.unit = found.worst_args, "ulps"
    if found.failure_args is None:
        f = found.finding
        if f is not None and result.finding is None:
            result.finding = _classified(
                Failure(
                    f.args,
                    f.message,
                    float(f.measurement.expected[0]),
                    float(f.measurement.got[0]),
                    float(f.measurement.error[0]),
                    float(f.measurement.allowed[0]),
                    found_by="sweep",
                )
            )
        return
    m = found.measurement
    result.failure = Failure(
        found.failure_args,
        found.message,
        None if m is None else float(m.expected[0]),
        None if m is None else float(m.got[0]),
        None if m is None else float(m.error[0]),
        None if m is None else float(m.allowed[0]),
        found_by="sweep",
        sweep_seed=None if m is not None else sweep_seed,
        sweep_points=None if m is not None else points,
    )


def run(  # noqa: PLR0913 - the command line's options, keyword-only
    impl: Implementation,
    policy: Policy,
    *,
    profile: str = "ci",
    max_examples: int | None = None,
    random_seed: int | None = None,
    only: Iterable[str] | None = None,
    properties: Sequence[Property] = PROPERTIES,
    sweep_points: int | None = None,
    progress: Progress | None = None,
) -> Report:
    """Run the catalogue (or the properties named in `only`) against an implementation.

    `sweep_points` is the size of the sweep per function; by default the profile's
    (`SWEEP_POINTS`), 0 for none. `progress` is told which property starts.
    """
    started = time.perf_counter()
    chosen = list(properties)
    if only is not None:
        wanted = set(only)
        unknown = wanted - {p.id for p in chosen}
        if unknown:
            raise ValueError(
                f"unknown properties: {', '.join(sorted(unknown))}; the property ids are "
                + ", ".join(p.id for p in chosen)
            )
        chosen = [p for p in chosen if p.id in wanted]
    hypothesis_settings = profile_settings(profile, max_examples)
    points = SWEEP_POINTS[profile] if sweep_points is None else sweep_points
    if points < 0:
        raise ValueError(f"--sweep must be at least 0, got {points}")
    results = []
    for index, p in enumerate(chosen, 1):
        if progress is not None:
            progress(index, len(chosen), p.id)
        results.append(
            run_property(p, impl, policy, hypothesis_settings, random_seed, sweep_points=points)
        )
    timeout = getattr(impl, "timeout", None)
    report = Report(
        impl.name,
        policy.name,
        profile,
        random_seed,
        results,
        max_examples=hypothesis_settings.max_examples,
        sweep=points,
        isolation="in-process"
        if timeout is None
        else f"worker process, timeout {timeout:g} s per call",
        seconds=time.perf_counter() - started,
    )
    report.provided = tuple(impl.functions)
    report.printed = int(getattr(impl, "printed", 0))
    if report.printed:
        report.printed_first_line = impl.first_printed_line()  # type: ignore[attr-defined]
    return report


def _summary(r: PropertyResult) -> str:
    """One line: what was checked and how hard."""
    sweep = f", {r.sweep_points} sweep points ({r.rechecked} re-checked by the oracle)"
    return f"{r.status}: {r.examples} examples{sweep if r.sweep_points else ''}, {r.seconds:.2f} s"


def _failure_lines(report: Report, r: PropertyResult, prop: Property) -> list[str]:
    assert r.failure is not None
    found = {
        "search": "Hypothesis, shrunk to a minimal input",
        "search, not shrunk": "Hypothesis; not shrunk (a hang, a crash or a flaky answer)",
        "sweep": f"the sweep of {report.sweep} points per function (its simplest failing point)",
        "round values": "trying round values first (0, ±½, ±1, ±2, ¼, ¾, ±4, ±40, ±800)",
    }[r.failure.found_by]
    lines = [
        f"  input: {_named(prop, r.failure.args)}",
        f"  {r.failure.message}",
        f"  found by: {found}",
    ]
    snippet = reproduction(report.target, report.policy, prop, r.failure.args, r.failure)
    return [*lines, "  reproduce:", *("    " + line for line in snippet.splitlines())]


def _finding_lines(report: Report, r: PropertyResult, prop: Property) -> list[str]:
    assert r.finding is not None
    f = r.finding
    lines = [
        f"  class: {f.kind}",
        f"  input: {_named(prop, f.args)}",
        f"  {f.message}",
        "  no ordinary input fails (neuron.gate.domains): this fails the run only with --strict",
    ]
    snippet = reproduction(report.target, report.policy, prop, f.args, f)
    return [*lines, "  reproduce:", *("    " + line for line in snippet.splitlines())]


def _named(prop: Property, args: Args) -> str:
    """The input with its arguments named, as `w=0.5, x=2.0, t=0.25`."""
    kinds = prop.kinds()
    if len(kinds) != len(args):
        return repr(args)
    return ", ".join(f"{k}={a!r}" for k, a in zip(kinds, args, strict=True))


def format_report(report: Report) -> str:
    """A plain-text table, one row per property, notes, and the failures below it."""
    header = (
        f"neuron verify: target {report.target}, policy {report.policy}, "
        f"profile {report.profile}" + (f", seed {report.seed}" if report.seed is not None else "")
    )
    sweep = f", a sweep of {report.sweep} points per function" if report.sweep else ""
    effort = f"effort: {report.max_examples} examples per property{sweep}; {report.isolation}"
    rows = [
        ("property", "status", "examples", "sweep", "worst error", "allowed there", "at", "time")
    ]
    for r in report.results:
        at = "" if r.worst_args is None else ", ".join(f"{a:.6g}" for a in r.worst_args)
        checked = bool(r.examples or r.sweep_points)
        rows.append(
            (
                r.id,
                r.status if not r.missing else f"not provided ({', '.join(r.missing)})",
                str(r.examples),
                str(r.sweep_points) if r.sweep_points else "",
                f"{r.worst_error:.3g} {r.unit}" if checked else "",
                f"{r.worst_allowed:.3g}" if checked else "",
                at,
                f"{r.seconds:.2f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header, effort, ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    counts = {
        s: sum(r.status == s for r in report.results) for s in ("passed", "failed", "finding")
    }
    skipped = len(report.results) - sum(counts.values())
    findings = counts["finding"]
    lines.append("")
    absent = sorted({f for r in report.results for f in r.missing})
    lines.append(
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{findings} edge finding{'' if findings == 1 else 's'}, {skipped} not provided"
        + (f" (the target has no {', '.join(absent)})" if absent else "")
        + f"; {report.points} points checked in {report.seconds:.1f} s"
    )
    notes = [f"  {r.id}: {note}" for r in report.results for note in r.notes]
    if report.printed:
        notes.append(
            f"  the target wrote {report.printed} bytes to stdout/stderr (tolerated, not shown; "
            f"first line: {report.printed_first_line!r})"
        )
    if notes:
        lines += ["", "notes:", *notes]
    by_id = {p.id: p for p in PROPERTIES}
    for r in report.results:
        if r.failure is not None:
            lines += [
                "",
                f"FAILED {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                *_failure_lines(report, r, by_id[r.id]),
            ]
    for r in report.results:
        if r.finding is not None:
            lines += [
                "",
                f"EDGE FINDING {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                *_finding_lines(report, r, by_id[r.id]),
            ]
    return "\n".join(lines)
