"""Run the property catalogue against an implementation and fill in its report.

Each property is run as a Hypothesis search: round values first (for the comparisons with
the oracle), its pinned hard cases, then generated inputs, steered by ``target()`` toward the
largest error relative to the allowed one, and on failure shrunk to a minimal input, reported
with the expected and computed values and a Python snippet that reproduces it. A failure at
edge inputs only (``neuron.gate.domains``) is an edge finding, not a failure of the run.
"""

from __future__ import annotations

import itertools
import math
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import numpy as np
from hypothesis import HealthCheck, example, given, seed, settings, target
from hypothesis.errors import Flaky, Unsatisfiable
from hypothesis.reporting import with_reporter
from hypothesis.strategies import SearchStrategy

from neuron.gate import domains
from neuron.gate import sweep as sweeping
from neuron.gate.checks import Args, Measurement
from neuron.gate.properties import PROPERTIES, Property
from neuron.gate.protocol import Implementation, ImplementationError, describe_exception
from neuron.gate.report import (
    Failure,
    PropertyResult,
    Report,
    classified,
    distinct,
    format_report,
    reproduction,
)
from neuron.gate.tolerance import Policy

__all__ = [
    "PROFILES",
    "SHRINK_CALLS",
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

#: Calls a search may spend shrinking an ordinary counterexample before it reports the smallest
#: so far: shrinking is most of the time of a failing run, and the round values tried first
#: already give the simplest counterexample of most bugs. An edge counterexample is shrunk to
#: the end, since shrinking is what most often leads it to an ordinary one. A count, not a
#: time, so that a derandomized run reports the same counterexample on every machine.
SHRINK_CALLS: Final = 200

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


class _FalsifiedError(Exception):
    def __init__(self, args: Args, message: str, measurement: Measurement | None) -> None:
        super().__init__(message)
        self.args_ = args
        self.measurement = measurement


class _ShrinkingStoppedError(BaseException):
    """The shrinking budget is spent: report the smallest counterexample found so far."""

    def __init__(self, falsified: _FalsifiedError) -> None:
        super().__init__(str(falsified))
        self.falsified = falsified


class _AbortError(BaseException):
    """A hang or crash: not an Exception, so Hypothesis lets it through instead of shrinking."""

    def __init__(self, args: Args, message: str) -> None:
        super().__init__(message)
        self.args_ = args


def _plain(args: Args) -> Args:
    return tuple(float(a) for a in args)


def _describe(m: Measurement) -> str:
    """expected, got, the error against the allowed one (digits enough to tell them apart)."""
    i = m.worst()
    expected, got = float(m.expected.ravel()[i]), float(m.got.ravel()[i])
    explained = f" ({m.explain})" if m.explain else ""
    if math.isnan(expected) and math.isnan(got):  # an identity of NaN values: no numbers to show
        return "both sides are NaN: the target answered NaN here" + explained
    error, allowed = distinct(float(m.error.ravel()[i]), float(m.allowed.ravel()[i]))
    said = f"expected {expected!r}, got {got!r}: error {error} {m.unit} > allowed {allowed}"
    return said + explained


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
    search = _Search(prop, impl, policy, hypothesis_settings, random_seed, result)
    ordinary = search.ordinary
    failure = _round_values(prop, impl, policy, result)
    if failure is None:
        failure = search.run(prop.inputs(), prop.examples)
    searched = failure is not None and failure.found_by in ("search", "search, budget")
    if failure is not None and searched and not ordinary(failure.args):
        edge = failure
        failure = search.run(
            prop.inputs().filter(ordinary), tuple(e for e in prop.examples if ordinary(e))
        )
        if failure is None:
            result.finding = classified(edge)
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
#: ordinary, including saturation (z = ±800, w = ±800), where real bugs live.
ROUND_VALUES: Final[dict[str, tuple[float, ...]]] = {
    "z": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 4.0, -4.0, 40.0, -40.0, 800.0, -800.0),
    "w": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 800.0, -800.0),
    "x": (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0),
    "y": (0.0, 1.0, 0.5, 0.25, 0.75),
    "t": (0.0, 1.0, 0.5, 0.25, 0.75),
    "lr": (1.0, 0.5, 0.1),
}


#: Failing round values kept beside the first, for the report's diagnosis.
_DIAGNOSIS_SAMPLES: Final = 64


def _round_values(
    prop: Property, impl: Implementation, policy: Policy, result: PropertyResult
) -> Failure | None:
    """Before the search: every combination of round values, in one call per function (the
    comparisons with the oracle take arrays); the first that fails, simplest first, is the
    counterexample a person recognizes. Where the batch raises, one call per combination.
    """
    if prop.sweep is None:
        return None
    grid = list(itertools.product(*(ROUND_VALUES[k] for k in prop.kinds())))
    columns = tuple(np.array(column) for column in zip(*grid, strict=True))
    try:
        m = prop.check(impl, policy, columns)
    except (Exception, SystemExit):
        return _round_values_one_by_one(prop, impl, policy, result, grid)
    result.points += int(m.error.size)
    failing = np.flatnonzero(~m.ok.ravel())
    if failing.size == 0:
        return None
    i = int(failing[0])
    samples = [
        (_plain(grid[j]), float(m.expected.ravel()[j]), float(m.got.ravel()[j]))
        for j in failing[1:_DIAGNOSIS_SAMPLES]
    ]
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
        unit=m.unit,
        samples=samples,
    )


def _round_values_one_by_one(
    prop: Property,
    impl: Implementation,
    policy: Policy,
    result: PropertyResult,
    grid: list[tuple[float, ...]],
) -> Failure | None:
    """Where the batch raised (code that takes no arrays, or raises at one element): the round
    values one call each, simplest first, up to the first that fails or raises."""
    for args in grid:
        try:
            m = prop.check(impl, policy, args)
        except ImplementationError as error:
            if error.fatal:  # a hang or a crash: left to the search, which reports it as such
                return None
            return Failure(args, str(error), found_by="round values")
        except (Exception, SystemExit) as error:
            return Failure(args, describe_exception(error), found_by="round values")
        result.points += int(m.error.size)
        if not m.passed:
            return Failure(
                args,
                _describe(m),
                float(m.expected),
                float(m.got),
                float(m.error),
                float(m.allowed),
                found_by="round values",
                unit=m.unit,
            )
    return None


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
        #: the last counterexample Hypothesis found (while shrinking: the smallest so far)
        self.falsified: _FalsifiedError | None = None
        self.shrinking_calls = 0
        self.kinds = prop.kinds()

    def ordinary(self, args: Args) -> bool:
        """Whether every argument lies in the ordinary domain (neuron.gate.domains)."""
        return bool(np.all(domains.is_ordinary(self.kinds, args))) if self.kinds else True

    def _falsified(self, falsified: _FalsifiedError) -> _FalsifiedError:
        self.falsified = falsified
        return falsified

    def body(self, args: Args) -> None:
        result = self.result
        if self.falsified is not None and self.ordinary(self.falsified.args_):
            self.shrinking_calls += 1
            if self.shrinking_calls > SHRINK_CALLS:
                raise _ShrinkingStoppedError(self.falsified)
        result.examples += 1
        try:
            m = self.prop.check(self.impl, self.policy, args)
        except ImplementationError as error:
            if error.fatal:
                raise _AbortError(args, str(error)) from error
            raise self._falsified(_FalsifiedError(args, str(error), None)) from error
        except (Exception, SystemExit) as error:  # the implementation under test raised or exited
            raise self._falsified(_FalsifiedError(args, describe_exception(error), None)) from error
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
            raise self._falsified(_FalsifiedError(args, _describe(m), m))

    def run(self, inputs: SearchStrategy[Args], examples: Sequence[Args]) -> Failure | None:
        """One search: its failure, shrunk, or None."""
        self.falsified, self.shrinking_calls = None, 0
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
        except _ShrinkingStoppedError as stopped:
            failure = _failure(stopped.falsified)
            failure.found_by = "search, budget"
            return failure
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
        unit="" if m is None else m.unit,
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
            result.finding = classified(
                Failure(
                    f.args,
                    f.message,
                    float(f.measurement.expected[0]),
                    float(f.measurement.got[0]),
                    float(f.measurement.error[0]),
                    float(f.measurement.allowed[0]),
                    found_by="sweep",
                    unit=f.measurement.unit,
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
        unit="" if m is None else m.unit,
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
