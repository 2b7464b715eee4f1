"""A vectorized sweep: each function compared with the truth at 10^5 points in a few calls.

Hypothesis tries about a hundred inputs per property, each with the oracle; that finds what its
strategies aim at and shrinks it, but a bug in a narrow corner can slip between a hundred
points. The sweep adds 10^5 points per function (``ci`` profile), drawn with numpy from the
domains of ``neuron.gate.strategies`` (the hard points of σ and their neighbours, every finite
float, log-uniform magnitudes, tiny·huge and overflowing products, t near σ(w·x), t outside
[0, 1], NaN and ±∞), plus z uniform in [−40, 40] and [−800, 800], where σ and σ' are neither
½, ¼, 0 nor 1 in float64 and a clip or a shortcut shows.

The truth is ``neuron.reference``, correctly rounded (theorem T6.4): r is within ½ ulp of the
exact value v, so the error of a computed c is at most |c − r|/ulp(v) + ½ ulps, with ulp(v)
= ulp(r), or ulp(r)/2 when r is a power of two and v may lie in the binade below. A tolerance
policy allows at least ``policy.quick_allowed_ulps(f, ...)`` ulps at each input: a lower
bound of its allowance computed in float64 on the whole array (for ``float64``, the rounding
part of T6.1's bound where float64 intermediates can be trusted, and 1 to 3 ulps elsewhere).
Every point whose bound exceeds that, and every answer at a NaN or infinite
input other than the reference's own or NaN, is judged again by the oracle
(``properties.exact_measurement``): no failure is ever reported from the shortcut alone.
The first batch is asked a second time, the same call with the same arrays: different
answers there are nondeterminism, a failure in itself. Every 7th point is asked again in other
batches, at other positions: vectorized code may round differently in its body and its tail
(PyTorch does), so an answer that differs there is judged by the policy like the first one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray

from neuron import reference
from neuron.gate import domains, strategies
from neuron.gate.checks import Measurement, exact_measurement
from neuron.gate.protocol import (
    PROTOCOL,
    ContractError,
    ElementError,
    Implementation,
    ImplementationError,
    describe_exception,
)
from neuron.gate.tolerance import Policy
from neuron.numerics.types import FloatArray

__all__ = ["SAMPLERS", "Finding", "SweepResult", "sample", "sweep"]

Sampler = Callable[[np.random.Generator, int], tuple[FloatArray, ...]]

#: Points per request: keeps each call's deadline meaningful and the temporaries in cache.
CHUNK: Final = 8192
#: A function that cannot take arrays is swept with one call per point, at most this many.
ELEMENTWISE_POINTS: Final = 10_000
#: Points judged by the oracle at once, worst bound first.
RECHECK_BATCH: Final = 512
#: Seconds of oracle re-checks per sweep before the rest of the flagged points are left out
#: (and counted in the report): about 10^4 points, far more than an accepted implementation
#: ever needs (textbook numpy: a few hundred), while a broken one fails in the first batch.
RECHECK_SECONDS: Final = 10.0

_MAX_FLOAT: Final = float(np.finfo(np.float64).max)
_MAX_ORDINAL: Final = int(np.float64(_MAX_FLOAT).view(np.int64))
_FINITE_SPECIALS: Final = np.array(strategies._FINITE_SPECIALS)
_NONFINITE: Final = np.array(strategies._NONFINITE)
_HARD_Z: Final = np.array(strategies.HARD_Z)


# ---------------------------------------------------------------------------------------------
# Domains


def _finite_floats(rng: np.random.Generator, n: int) -> FloatArray:
    """Uniform over the bit patterns of finite floats: every binade equally, subnormals too."""
    sign = rng.integers(0, 2, n, dtype=np.uint64) << np.uint64(63)
    exponent = rng.integers(0, 2047, n, dtype=np.uint64) << np.uint64(52)
    mantissa = rng.integers(0, 1 << 52, n, dtype=np.uint64)
    bits: FloatArray = (sign | exponent | mantissa).view(np.float64)
    return bits


def _log_uniform(
    rng: np.random.Generator, n: int, low: int, high: int, *, signed: bool = True
) -> FloatArray:
    """m·2^e with e uniform in [low, high] and m in [1, 2), as strategies.log_uniform_floats."""
    values = np.ldexp(rng.uniform(1.0, 2.0, n), rng.integers(low, high + 1, n))
    return np.where(rng.random(n) < 0.5, -values, values) if signed else values


def _offset(values: FloatArray, steps: NDArray[np.int64]) -> FloatArray:
    """The floats `steps` float64 steps from `values`, clamped to the finite range."""
    bits = values.view(np.int64)
    ordinal = np.where(bits < 0, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)), bits)
    moved = np.clip(ordinal + steps, -_MAX_ORDINAL, _MAX_ORDINAL)
    out: FloatArray = np.where(moved < 0, -moved | np.int64(-(2**63)), moved).view(np.float64)
    return out


def _mix(
    rng: np.random.Generator, n: int, parts: Sequence[tuple[float, Sampler]]
) -> tuple[FloatArray, ...]:
    """n points from the weighted parts, shuffled; each part gives tuples of equal arity."""
    weights = np.array([w for w, _ in parts])
    counts = rng.multinomial(n, weights / weights.sum())
    drawn = [sampler(rng, int(k)) for (_, sampler), k in zip(parts, counts, strict=True)]
    order = rng.permutation(n)
    return tuple(np.concatenate(column)[order] for column in zip(*drawn, strict=True))


def _poison(rng: np.random.Generator, columns: tuple[FloatArray, ...], fraction: float) -> None:
    """Set NaN or ±∞ in place in some columns of a `fraction` of the rows."""
    rows = np.flatnonzero(rng.random(columns[0].size) < fraction)
    for column in columns:
        hit = rows[rng.random(rows.size) < 0.5]
        column[hit] = rng.choice(_NONFINITE, hit.size)


def _z_values(rng: np.random.Generator, n: int) -> FloatArray:
    def hard(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_offset(rng.choice(_HARD_Z, k), rng.integers(-300, 301, k)),)

    def finite(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_finite_floats(rng, k),)

    def log_uniform(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_log_uniform(rng, k, -1074, 9),)

    def moderate(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.uniform(-40.0, 40.0, k),)

    def tails(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.uniform(-800.0, 800.0, k),)

    def special(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.choice(_FINITE_SPECIALS, k),)

    parts = [(0.1, hard), (0.2, finite), (0.25, log_uniform), (0.3, moderate), (0.1, tails)]
    return _mix(rng, n, [*parts, (0.05, special)])[0]


def _z(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    """z for σ and σ': strategies.z_values and special_floats, and the moderate range."""
    z = _z_values(rng, n)
    _poison(rng, (z,), 0.02)
    return (z,)


def _pairs(rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray]:
    """(w, x) as strategies._factor_pairs: generic, a zero, tiny·huge, overflowing, w = z/x."""

    def generic(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return _finite_floats(rng, k), _finite_floats(rng, k)

    def zero(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        zeros = rng.choice(np.array([0.0, -0.0]), k)
        other = _finite_floats(rng, k)
        first = rng.random(k) < 0.5
        return np.where(first, zeros, other), np.where(first, other, zeros)

    def tiny_times_huge(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        tiny = _log_uniform(rng, k, -1074, -500)
        _, exponent = np.frexp(tiny)
        huge_exponent = np.minimum(1 - exponent + rng.integers(-8, 9, k), 1023)
        huge = np.ldexp(rng.uniform(1.0, 2.0, k), huge_exponent) * rng.choice([-1.0, 1.0], k)
        swap = rng.random(k) < 0.5
        return np.where(swap, huge, tiny), np.where(swap, tiny, huge)

    def overflowing(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        e1 = rng.integers(0, 1024, k)
        e2 = np.maximum(rng.integers(0, 1024, k), 1023 - e1)
        signs = rng.choice([-1.0, 1.0], (2, k))
        w = np.ldexp(rng.uniform(1.0, 2.0, k), e1) * signs[0]
        return w, np.ldexp(rng.uniform(1.0, 2.0, k), e2) * signs[1]

    def split(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        z = _z_values(rng, k)
        x = _log_uniform(rng, k, -40, 40)
        with np.errstate(all="ignore"):
            w = z / x
        finite = np.isfinite(w)
        return np.where(finite, w, z), np.where(finite, x, 1.0)

    parts = [(0.15, generic), (0.05, zero), (0.1, tiny_times_huge), (0.1, overflowing)]
    w, x = _mix(rng, n, [*parts, (0.6, split)])
    return w, x


def _targets(rng: np.random.Generator, w: FloatArray, x: FloatArray) -> FloatArray:
    """t as strategies._target_choices: in [0, 1], within 4 ulps of σ(w·x), or outside [0, 1]."""
    n = w.size
    y = reference.forward(w, x)
    near = _offset(np.nan_to_num(y), rng.integers(-4, 5, n))

    def inside(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.uniform(0.0, 1.0, k),)

    def ends(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.choice(np.array([0.0, 0.5, 1.0]), k),)

    def below(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (rng.uniform(-4.0, 0.0, k),)

    def above(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (np.nextafter(rng.uniform(1.0, 5.0, k), np.inf),)

    def huge(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_log_uniform(rng, k, 30, 1023),)

    def finite(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_finite_floats(rng, k),)

    parts = [(0.45, inside), (0.1, ends), (0.15, below), (0.15, above), (0.05, huge)]
    (others,) = _mix(rng, n, [*parts, (0.1, finite)])
    return np.where(rng.random(n) < 0.1, near, others)


def _forward(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    w, x = _pairs(rng, n)
    _poison(rng, (w, x), 0.02)
    return w, x


def _neurons(rng: np.random.Generator, n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    w, x = _pairs(rng, n)
    t = _targets(rng, w, x)
    _poison(rng, (w, x, t), 0.02)
    return w, x, t


def _gradient(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    return _neurons(rng, n)


def _step(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    """(w, x, t) as for the gradient, and learning rates as strategies.learning_rates."""
    w, x, t = _neurons(rng, n)

    def anywhere(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_log_uniform(rng, k, -1074, 1023, signed=False),)

    def usual(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return (_log_uniform(rng, k, -20, 4, signed=False),)

    def special(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        rates = np.array([1.0, 0.5, 0.1, 1e-3, 2.0**-1074, 2.0**-1022, _MAX_FLOAT])
        return (rng.choice(rates, k),)

    (lr,) = _mix(rng, n, [(0.5, anywhere), (0.4, usual), (0.1, special)])
    return w, x, t, lr


def _loss(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    """(y, t) as strategies.loss_inputs: y in [0, 1], t ≈ y, tiny and huge pairs."""

    def outputs(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        y = rng.uniform(0.0, 1.0, k)
        return y, _targets(rng, np.zeros(k), np.zeros(k))

    def generic(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return _finite_floats(rng, k), _finite_floats(rng, k)

    def close(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        y = np.where(rng.random(k) < 0.5, rng.uniform(0.0, 1.0, k), _finite_floats(rng, k))
        return y, _offset(y, rng.integers(-4, 5, k))

    def tiny(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return _log_uniform(rng, k, -1074, -400), _log_uniform(rng, k, -1074, -400)

    def huge(rng: np.random.Generator, k: int) -> tuple[FloatArray, ...]:
        return _log_uniform(rng, k, 500, 1023), _log_uniform(rng, k, 500, 1023)

    parts = [(0.4, outputs), (0.15, generic), (0.25, close), (0.1, tiny), (0.1, huge)]
    y, t = _mix(rng, n, parts)
    _poison(rng, (y, t), 0.02)
    return y, t


#: The domain of each protocol function.
SAMPLERS: Final[dict[str, Sampler]] = {
    "sigmoid": _z,
    "sigmoid_prime": _z,
    "forward": _forward,
    "loss": _loss,
    "gradient": _gradient,
    "step": _step,
}


def sample(function: str, n: int, seed: int | None = None) -> tuple[FloatArray, ...]:
    """n points of `function`'s domain, as float64 arrays (one per argument).

    Examples
    --------
    >>> [a.shape for a in sample("gradient", 1000, seed=1)]
    [(1000,), (1000,), (1000,)]
    """
    with np.errstate(all="ignore"):
        return SAMPLERS[function](np.random.default_rng(seed), n)


# ---------------------------------------------------------------------------------------------
# The comparison


@dataclass(frozen=True)
class Finding:
    """The simplest failing point of a sweep where only edge inputs fail."""

    args: tuple[float, ...]
    message: str
    measurement: Measurement


@dataclass
class SweepResult:
    """What a sweep of one function found."""

    points: int = 0
    mode: str = "arrays"  # or "elementwise": one call per point
    rechecked: int = 0  # points judged by the oracle
    unchecked: int = 0  # points beyond the quick bound left out when the re-check time ran out
    worst_error: float = 0.0  # in ulps: exact where re-checked, else the bound
    worst_allowed: float = 0.0
    worst_args: tuple[float, ...] | None = None
    failure_args: tuple[float, ...] | None = None
    message: str = ""
    measurement: Measurement | None = None
    #: a failure at edge inputs only (neuron.gate.domains), where no ordinary point failed
    finding: Finding | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.failure_args is not None


def _row(arrays: tuple[FloatArray, ...], i: int) -> tuple[float, ...]:
    return tuple(float(a[i]) for a in arrays)


def _same(a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
    """Bit for bit, with any two NaNs the same."""
    same: NDArray[np.bool_] = (a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))
    return same


def _simplest(arrays: tuple[FloatArray, ...], rows: NDArray[np.intp]) -> int:
    """Among failing rows, a finite one with the shortest repr: the sweep's way of shrinking."""

    def key(i: int) -> tuple[bool, int, int]:
        row = _row(arrays, i)
        return (not all(np.isfinite(row)), sum(len(repr(v)) for v in row), i)

    return min((int(i) for i in rows), key=key)


class _FailedError(Exception):
    """The implementation failed at point `index`: fatally (hang, crash), by breaking the
    protocol (wrong shape, mutated argument), or by raising (which, on the first batch, may
    only mean that it takes no arrays)."""

    def __init__(self, index: int, message: str, *, final: bool = False) -> None:
        super().__init__(message)
        self.index = index
        self.final = final


def _takes_arrays(impl: Implementation, function: str) -> bool:
    """Whether the function answers a batch of two ordinary points (all arguments ½)."""
    halves = tuple(np.full(2, 0.5) for _ in PROTOCOL[function])
    try:
        _evaluate(impl, function, halves, elementwise=False)
    except _FailedError:
        return False
    return True


def _evaluate(
    impl: Implementation, function: str, arrays: tuple[FloatArray, ...], *, elementwise: bool
) -> FloatArray:
    """The implementation's answers, CHUNK points per call (or one call per point)."""
    out = np.empty(arrays[0].size)
    for start in range(0, out.size, CHUNK):
        part = tuple(a[start : start + CHUNK] for a in arrays)
        try:
            out[start : start + CHUNK] = (
                impl.elementwise(function, *part) if elementwise else impl(function, *part)
            )
        except ElementError as error:
            raise _FailedError(start + error.index, str(error), final=True) from error
        except (Exception, SystemExit) as error:  # anything the implementation raises
            message = f"{describe_exception(error)} (on a batch of {part[0].size} points)"
            final = isinstance(error, ContractError) or (
                isinstance(error, ImplementationError) and error.fatal
            )
            raise _FailedError(start, message, final=final) from error
    return out


def _screen(
    got: FloatArray, truth: FloatArray, arrays: tuple[FloatArray, ...], least: FloatArray
) -> tuple[NDArray[np.bool_], FloatArray]:
    """Which points pass on the bound alone, and that bound on the error in ulps of v."""
    with np.errstate(all="ignore"):
        spacing = np.spacing(np.abs(truth))  # ulp(r) for finite r
        mantissa, _ = np.frexp(truth)
        below = (np.abs(mantissa) == 0.5) & (np.abs(truth) >= 2.0**-1021)  # r = ±2^k
        spacing = np.where(below, spacing / 2, spacing)
        bound = np.abs(got - truth) * (1 + 2.0**-50) / spacing + 0.5
    identical = _same(got, truth)
    bound = np.where(identical, 0.5, np.nan_to_num(bound, nan=np.inf))
    nonfinite_input = np.zeros(got.shape, dtype=bool)
    for a in arrays:
        nonfinite_input |= ~np.isfinite(a)
    # At a NaN or infinite input the policies require NaN or the exact limit, which the
    # reference returns (checks._with_nonfinite_rule): nothing else passes on the bound.
    nan_accepted = nonfinite_input & np.isnan(got)
    bound = np.where(nan_accepted, 0.0, bound)
    accepted = nan_accepted | (identical & nonfinite_input) | (~nonfinite_input & (bound <= least))
    return accepted, bound


def sweep(  # noqa: PLR0913 - what to sweep, and how, keyword-only past the first four
    function: str,
    impl: Implementation,
    policy: Policy,
    points: int,
    *,
    seed: int | None = None,
    recheck_seconds: float = RECHECK_SECONDS,
) -> SweepResult:
    """Compare `function` of `impl` with the truth at `points` points of its domain.

    Examples
    --------
    >>> from neuron.gate.protocol import load
    >>> from neuron.gate.tolerance import parse_policy
    >>> r = sweep("sigmoid", load("reference"), parse_policy("ulp:0.5"), 1000, seed=1)
    >>> r.points, r.failed
    (1000, False)
    """
    started = time.perf_counter()
    result = SweepResult()
    arrays = sample(function, points, seed)
    try:
        arrays, got, moved, again = _answers(function, impl, arrays, result)
        _judge(function, impl, policy, arrays, got, result=result, recheck_seconds=recheck_seconds)
        _judge_moved(function, policy, arrays, got, moved, again, result)
    except _FailedError as failure:
        result.failure_args = _row(arrays, failure.index)
        result.message = str(failure)
    result.seconds = time.perf_counter() - started
    return result


def _answers(
    function: str, impl: Implementation, arrays: tuple[FloatArray, ...], result: SweepResult
) -> tuple[tuple[FloatArray, ...], FloatArray, NDArray[np.intp], FloatArray]:
    """The implementation's answers at the points (fewer, if it takes no arrays), asked twice.

    The first batch is asked again exactly as before: a different answer to the same call
    with the same arrays is nondeterminism, a failure. Every 7th point is asked again in other
    batches, at other positions: vectorized code may round differently in its vector body and
    its tail (PyTorch does), so different bits there are returned, to be judged against the
    policy like the first answers (rows, and the second answers).
    """
    first = np.empty(0)
    try:
        first = _evaluate(impl, function, tuple(a[:CHUNK] for a in arrays), elementwise=False)
    except _FailedError as failure:
        if failure.final:
            raise
        result.mode = "elementwise"
        arrays = tuple(a[:ELEMENTWISE_POINTS] for a in arrays)
        what = "raised on a batch" if _takes_arrays(impl, function) else "does not take arrays"
        result.notes.append(
            f"{function} {what} ({failure}); swept {arrays[0].size} points with one call each"
        )
    elementwise = result.mode == "elementwise"
    if not elementwise:  # the first batch, twice more: the same call must give the same bits
        repeated = _evaluate(impl, function, tuple(a[:CHUNK] for a in arrays), elementwise=False)
        got = _evaluate(impl, function, arrays, elementwise=False)
        for answer in (repeated, got[: first.size]):
            same = _same(answer, first)
            if not same.all():
                i = _simplest(arrays, np.flatnonzero(~same))
                raise _FailedError(
                    i,
                    f"{function} answers the same call differently: {first[i]!r}, then "
                    f"{answer[i]!r} ({int((~same).sum())} of {first.size} points of one batch)",
                )
    else:
        got = _evaluate(impl, function, arrays, elementwise=True)
    again_rows = np.arange(0, got.size, 7)
    again = _evaluate(impl, function, tuple(a[again_rows] for a in arrays), elementwise=elementwise)
    result.points = got.size
    differ = ~_same(got[again_rows], again)
    return arrays, got, again_rows[differ], again[differ]


def _judge_moved(  # noqa: PLR0913, PLR0917 - the points, the second answers, the notes
    function: str,
    policy: Policy,
    arrays: tuple[FloatArray, ...],
    got: FloatArray,
    rows: NDArray[np.intp],
    again: FloatArray,
    result: SweepResult,
) -> None:
    """Second answers that differ from the first (another position or batch size) must be
    within the policy too; then the difference is a note, not nondeterminism."""
    if rows.size == 0:
        return
    m = exact_measurement(function, policy, tuple(a[rows] for a in arrays), again)
    if not m.passed:
        k = int(np.flatnonzero(~m.ok)[0])
        raise _FailedError(
            int(rows[k]),
            f"{function} answers the same input differently in another batch: {got[rows[k]]!r}, "
            f"then {again[k]!r}, and the second is beyond the policy: {_describe_row(m, k)}",
        )
    result.notes.append(
        f"{function}: {rows.size} of the points asked again in other batches came back with "
        "other bits (vectorized rounding), every answer within the policy"
    )


def _describe_row(m: Measurement, k: int) -> str:
    """One judged point in words: expected, got, and the error against the allowance."""
    return (
        f"expected {m.expected[k]!r}, got {m.got[k]!r}: error {m.error[k]:.3g} ulps > "
        f"allowed {m.allowed[k]:.3g}"
    )


def _one_row(m: Measurement, k: int) -> Measurement:
    """The measurement of point k alone."""
    return Measurement(
        m.error[k : k + 1], m.allowed[k : k + 1], m.expected[k : k + 1], m.got[k : k + 1]
    )


def _judge(  # noqa: PLR0913 - the points, the answers, and where the findings go
    function: str,
    impl: Implementation,
    policy: Policy,
    arrays: tuple[FloatArray, ...],
    got: FloatArray,
    *,
    result: SweepResult,
    recheck_seconds: float,
) -> None:
    """Screen the answers against the reference; judge the rest with the oracle, worst first."""
    truth_function = getattr(reference, function)
    if impl.functions.get(function) is truth_function:
        truth = got  # the reference under test: comparing it with itself again changes nothing
    else:
        with np.errstate(all="ignore"):
            truth = truth_function(*arrays)
    least = policy.quick_allowed_ulps(function, arrays, truth)
    accepted, bound = _screen(got, truth, arrays, least)
    with np.errstate(all="ignore"):
        i = int(np.argmax(np.where(accepted, bound / least, -1.0)))
    result.worst_error, result.worst_allowed = bound[i], float(least[i])
    result.worst_args = _row(arrays, i)
    suspects = np.flatnonzero(~accepted)
    suspects = suspects[np.argsort(-bound[suspects], kind="stable")]
    deadline = time.perf_counter() + recheck_seconds
    worst_ratio = -1.0
    for start in range(0, suspects.size, RECHECK_BATCH):
        if time.perf_counter() > deadline:
            result.unchecked = int(suspects.size - start)
            result.notes.append(
                f"{result.unchecked} of {suspects.size} points beyond the quick bound were not "
                f"re-checked by the oracle (time limit {recheck_seconds:g} s)"
            )
            return
        rows = suspects[start : start + RECHECK_BATCH]
        subset = tuple(a[rows] for a in arrays)
        m = exact_measurement(function, policy, subset, got[rows])
        result.rechecked += rows.size
        j = m.worst()
        if m.ratio[j] > worst_ratio:
            worst_ratio = float(m.ratio[j])
            result.worst_error, result.worst_allowed = float(m.error[j]), float(m.allowed[j])
            result.worst_args = _row(subset, j)
        if not m.passed:
            failing = rows[~m.ok]
            kinds = PROTOCOL[function]
            ordinary = domains.is_ordinary(kinds, tuple(a[failing] for a in arrays))
            if not ordinary.any():
                # edge inputs only: a finding (the first), and the search goes on
                if result.finding is None:
                    i = _simplest(arrays, failing)
                    k = int(np.flatnonzero(rows == i)[0])
                    result.finding = Finding(
                        _row(arrays, i),
                        f"{_describe_row(m, k)} ({failing.size} of the {rows.size} points "
                        "re-checked here fail, none of them ordinary)",
                        _one_row(m, k),
                    )
                continue
            failing = failing[ordinary]
            i = _simplest(arrays, failing)
            k = int(np.flatnonzero(rows == i)[0])
            result.measurement = _one_row(m, k)
            raise _FailedError(
                i,
                f"{_describe_row(m, k)} ({failing.size} of the {rows.size} points re-checked "
                "here fail)",
            )
