"""The machinery of the checks: the registry, the profiles, the theorems read from the Markdown,
and the helpers every module of checks draws on.

A check is a function of a `Profile` that returns what it showed or raises `CheckError`; the
`check` decorator registers it under its name with a theorem id and a kind. `run_check` runs
one and turns its outcome into a `Record` (a crash or a missing sympy never escapes).
"""

from __future__ import annotations

import argparse
import importlib
import math
import re
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from .. import interval
from ..interval import Poly

_sympy_module: Any
try:
    _sympy_module = importlib.import_module("sympy")
except ImportError:  # pragma: no cover - exercised only where sympy is absent
    _sympy_module = None


T = TypeVar("T")

KINDS = ("symbolic", "high-precision", "interval")
STATUSES = ("verified", "failed", "skipped")

DIGITS = 60
"""Working precision (decimal digits) of the high-precision checks."""

REL_TOL = mpf("1e-50")
"""Largest relative error accepted for an identity checked at DIGITS digits."""

U = Fraction(1, 2**53)
"""Unit roundoff of float64 (round to nearest)."""

HALF_SUBNORMAL = Fraction(1, 2**1075)
"""Largest absolute rounding error of a result in the subnormal range (gradual underflow)."""

PROOFS_DIR = Path(__file__).resolve().parents[1]
"""proofs/: the Markdown theorems, beside this package of checks."""


# ---------------------------------------------------------------------------------------------
# records, theorems, profiles and the registry


@dataclass(frozen=True)
class Record:
    """The outcome of one machine check.

    status is "verified", "failed" or "skipped"; detail says what was shown (or why not).
    """

    theorem: str
    check: str
    kind: str
    status: str
    detail: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.theorem:5} {self.check:40} {self.kind:14} {self.status:8} "
            f"{self.seconds:6.2f}s  {self.detail}"
        )


@dataclass(frozen=True)
class Theorem:
    """A numbered theorem as stated in proofs/<file>.md."""

    id: str
    title: str
    statement: str
    file: str
    checked_by: tuple[str, ...]


@dataclass(frozen=True)
class Profile:
    """How hard the checks try.

    examples: points drawn for each high-precision check; tolerance: the width to which the
    branch-and-bound checks close the gap between lower and upper bound.
    """

    name: str
    examples: int
    tolerance: Fraction


PROFILES: dict[str, Profile] = {
    "dev": Profile("dev", examples=50, tolerance=Fraction(1, 2**40)),
    "ci": Profile("ci", examples=200, tolerance=Fraction(1, 2**40)),
    "thorough": Profile("thorough", examples=2000, tolerance=Fraction(1, 2**60)),
}


CheckFunction = Callable[[Profile], str]


@dataclass(frozen=True)
class Check:
    """A registered machine check: `function(profile)` returns a detail or raises CheckError."""

    name: str
    theorem: str
    kind: str
    function: CheckFunction

    def run(self, profile: str = "ci") -> Record:
        """Run this check and return its record."""
        return run_check(self.name, profile)


CHECKS: dict[str, Check] = {}


class CheckError(AssertionError):
    """A check found a counterexample or could not close its bound."""


class SympyMissingError(Exception):
    """A symbolic check cannot run here: sympy is not installed."""


def check(theorem: str, kind: str) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as a machine check of `theorem`."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")

    def register(function: CheckFunction) -> CheckFunction:
        name = function.__name__
        if name in CHECKS:
            raise ValueError(f"check {name} registered twice")
        CHECKS[name] = Check(name=name, theorem=theorem, kind=kind, function=function)
        return function

    return register


def run_check(name: str, profile: str = "ci") -> Record:
    """Run one check by name and return its record (never raises for a failing check)."""
    chosen = PROFILES[profile]
    registered = CHECKS[name]
    start = time.perf_counter()
    try:
        detail = registered.function(chosen)
        status = "verified"
    except SympyMissingError as reason:
        status, detail = "skipped", str(reason)
    except CheckError as failure:
        status, detail = "failed", str(failure)
    except Exception as error:  # a crash in a check is a failed check, with its reason
        status, detail = "failed", f"error: {type(error).__name__}: {error}"
    seconds = time.perf_counter() - start
    return Record(registered.theorem, name, registered.kind, status, detail, seconds)


def run_all(profile: str = "ci") -> list[Record]:
    """Run every registered check, in theorem order, and return their records."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    ordered = sorted(CHECKS.values(), key=lambda c: (_theorem_key(c.theorem), c.name))
    return [run_check(c.name, profile) for c in ordered]


def _theorem_key(theorem_id: str) -> tuple[int, int]:
    major, minor = theorem_id[1:].split(".")
    return int(major), int(minor)


# ---------------------------------------------------------------------------------------------
# THEOREMS, read from the Markdown

_HEADING = re.compile(r"^## (T\d+\.\d+) (.+?)\s*$")
_STATEMENT = re.compile(r"^\*\*Statement\.\*\*\s*(.*)$")
_CHECKED_BY = re.compile(r"^\*\*Checked by:\*\*\s*(.*)$")


def parse_theorems(directory: Path = PROOFS_DIR) -> dict[str, Theorem]:
    """Read every "## T<n>.<m> title" section of the numbered proofs/*.md files."""
    found: dict[str, Theorem] = {}
    for path in sorted(directory.glob("[0-9][0-9]-*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            heading = _HEADING.match(line)
            if not heading:
                continue
            theorem_id, title = heading.groups()
            section = []
            for following in lines[index + 1 :]:
                if following.startswith("## ") or following.startswith("# "):
                    break
                section.append(following)
            found[theorem_id] = Theorem(
                id=theorem_id,
                title=title,
                statement=_paragraph_after(section, _STATEMENT),
                file=path.name,
                checked_by=tuple(
                    re.findall(r"`([a-z0-9_]+)`", _paragraph_after(section, _CHECKED_BY))
                ),
            )
    return found


def _paragraph_after(section: Sequence[str], marker: re.Pattern[str]) -> str:
    for index, line in enumerate(section):
        match = marker.match(line)
        if match:
            text = [match.group(1)]
            for following in section[index + 1 :]:
                if not following.strip():
                    break
                text.append(following.strip())
            return " ".join(t for t in text if t)
    return ""


THEOREMS: dict[str, Theorem] = parse_theorems()


# ---------------------------------------------------------------------------------------------
# helpers shared by the checks


def _sympy() -> Any:
    if _sympy_module is None:
        raise SympyMissingError("skipped: sympy not installed")
    return _sympy_module


def _require_zero(expr: Any, what: str) -> None:
    """Fail unless sympy simplifies `expr` to 0 (also after rewriting it in exp)."""
    sp = _sympy()
    reduced = sp.simplify(expr)
    if reduced != 0:
        reduced = sp.simplify(sp.cancel(reduced.rewrite(sp.exp)))
    if reduced != 0:
        raise CheckError(f"{what}: simplifies to {reduced}, not 0")


def _draw(strategy: st.SearchStrategy[T], count: int, label: str) -> list[T]:
    """Draw `count` values with Hypothesis, reproducibly (the seed is derived from `label`)."""
    drawn: list[T] = []

    @seed(zlib.crc32(label.encode()))
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        drawn.append(value)

    collect()
    return drawn


def _reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def _magnitudes(lo_exp: int, hi_exp: int) -> st.SearchStrategy[float]:
    """Nonzero floats of either sign with |x| in [2^lo_exp, 2^hi_exp), log-uniformly spread."""
    return st.builds(
        lambda sign, mantissa, exponent: sign * math.ldexp(mantissa, exponent),
        st.sampled_from((-1.0, 1.0)),
        _reals(1.0, 2.0),
        st.integers(lo_exp, hi_exp - 1),
    )


# σ, σ', E and E' from their definitions, in mpmath at the working precision. Deliberately not
# neuron.exact's enclosures: these are what the checks compare the shipped code with, so they
# must not share its formulas (nor its mistakes).


def _sigma(z: Any) -> Any:
    return 1 / (1 + mp.exp(-z))


def _sigma_prime(z: Any) -> Any:
    e = mp.exp(-abs(z))
    return e / (1 + e) ** 2


def _loss(w: Any, x: Any, t: Any) -> Any:
    return (t - _sigma(w * x)) ** 2 / 2


def _gradient(w: Any, x: Any, t: Any) -> Any:
    y = _sigma(w * x)
    return -(t - y) * y * (1 - y) * x


def _relative_error(value: Any, exact: Any) -> Any:
    if exact == 0:
        return abs(value)
    return abs(value - exact) / abs(exact)


def _worst(errors: Sequence[Any]) -> str:
    return mp.nstr(max(errors), 3) if errors else "n/a"


def _numeric_derivative(f: Callable[[Any], Any], at: Any, order: int = 1) -> Any:
    """mpmath's own numerical differentiation, 20 digits beyond the working precision."""
    with mp.workdps(mp.dps + 20):
        return mp.diff(f, mp.mpf(at), order)


PRECISION_LADDER = (DIGITS + 40, 3 * DIGITS, 10 * DIGITS)
"""Working precisions (digits) tried in turn by `_agreement`."""


def _agreement(lhs: Callable[[], Any], rhs: Callable[[], Any], what: str) -> tuple[Any, int]:
    """Evaluate both sides at rising precision until they agree to a relative 1e-50.

    A value near a zero (t ≈ y, z ≈ 0) or a difference like 1 − σ(36) loses digits to
    cancellation at a fixed precision; a wrong formula disagrees at every precision.
    Returns (relative error, digits used); fails if PRECISION_LADDER runs out.
    """
    for digits in PRECISION_LADDER:
        with mp.workdps(digits):
            left, right = lhs(), rhs()
            error = _relative_error(left, right)
            if error <= REL_TOL:
                return error, digits
    raise CheckError(
        f"{what}: {mp.nstr(left, 25)} vs {mp.nstr(right, 25)}, relative error {mp.nstr(error, 3)} "
        f"at {PRECISION_LADDER[-1]} digits"
    )


def _check_identity(
    points: Sequence[T], lhs: Callable[[T], Any], rhs: Callable[[T], Any], what: str
) -> str:
    """Require |lhs − rhs| ≤ 1e-50·|rhs| at every point (see `_agreement`)."""
    errors = []
    most = 0
    for point in points:
        error, digits = _agreement(partial(lhs, point), partial(rhs, point), f"{what} at {point!r}")
        errors.append(error)
        most = max(most, digits)
    return (
        f"{len(points)} Hypothesis points: max relative error {_worst(errors)} (≤ 1e-50), "
        f"{most} digits at most"
    )


def _sup_in_closed_form(
    poly: Poly, variables: int, closed: interval.Interval, tolerance: Fraction, what: str
) -> interval.MaxBound:
    """Enclose max |poly| over [0, 1]^variables by branch and bound to within `tolerance`, and
    require the enclosure to meet `closed`, the enclosure of the claimed closed form."""
    bound = interval.max_abs(poly, interval.unit_box(variables), tolerance)
    if not interval.overlaps(bound.enclosure, closed) or bound.width > tolerance:
        raise CheckError(
            f"{what} enclosed in {interval.show(bound.enclosure)}, closed form "
            f"{interval.show(closed)}"
        )
    return bound


def _poly_to_sympy(p: Poly, sp: Any, *symbols: Any) -> Any:
    total = sp.Integer(0)
    for exps, coeff in p.terms.items():
        term = sp.Rational(coeff.numerator, coeff.denominator)
        for sym, k in zip(symbols, exps, strict=True):
            term *= sym**k
        total += term
    return sp.expand(total)


def _sym_logistic(sp: Any, arg: Any) -> Any:
    """σ(arg) as a sympy expression."""
    return 1 / (1 + sp.exp(-arg))


def _sym_sigma(sp: Any) -> tuple[Any, Any]:
    z = sp.symbols("z", real=True)
    return z, 1 / (1 + sp.exp(-z))


def _neuron_points(count: int, label: str, z_max: float = 50.0) -> list[tuple[float, float, float]]:
    """(w, x, t) with |w·x| ≤ z_max, |x| from 2^-30 to 2^30 and t in [−1, 2]."""

    def build(z: float, x: float, t: float) -> tuple[float, float, float]:
        return z / x, x, t

    strategy = st.builds(build, _reals(-z_max, z_max), _magnitudes(-30, 30), _reals(-1, 2))
    return _draw(strategy, count, label)


# Rounding to float64 through Python's exact rationals: deliberately independent of
# neuron.numerics.ulp.round_mpf (the oracle's rounding), which t6_3_rounding_is_nearest
# checks against it.


def _round_to_float64(value: Any) -> float:
    """Round a finite mpf to the nearest float64 (ties to even, subnormals, overflow)."""
    return round_fraction(_mpf_fraction(value))


def _mpf_fraction(value: Any) -> Fraction:
    """The exact value of an mpf (not re-rounded to the current precision) or of a number."""
    if isinstance(value, mpf):
        return interval.to_fraction(value._mpf_)
    return Fraction(value)


def round_fraction(q: Fraction) -> float:
    """The float64 nearest to a rational (IEEE 754 round to nearest, ties to even)."""
    try:
        # CPython's int/int division is correctly rounded (a Fraction built from gmpy2 integers
        # would divide in gmpy2 instead, to 53 bits with no subnormals: hence int()).
        return int(q.numerator) / int(q.denominator)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


# ---------------------------------------------------------------------------------------------
# command line


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks and print one line per check; exit 1 if any failed."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {__package__}", description="Run the machine checks of proofs/*.md."
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="ci")
    parser.add_argument("names", nargs="*", help="run only these checks (default: all)")
    args = parser.parse_args(argv)
    if args.names:
        unknown = [n for n in args.names if n not in CHECKS]
        if unknown:
            parser.error(f"unknown checks: {', '.join(unknown)}")
        records = [run_check(n, args.profile) for n in args.names]
    else:
        records = run_all(args.profile)
    total = 0.0
    for record in records:
        print(record)
        total += record.seconds
    counts = {status: sum(r.status == status for r in records) for status in STATUSES}
    print(
        f"{counts['verified']} verified, {counts['failed']} failed, {counts['skipped']} skipped in "
        f"{total:.1f} s"
    )
    return 1 if counts["failed"] else 0


def iter_checks_for(theorem_id: str) -> Iterator[Check]:
    """The registered checks of one theorem."""
    return (c for c in CHECKS.values() if c.theorem == theorem_id)
