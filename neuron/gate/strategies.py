"""Hypothesis strategies over the whole float64 range, biased toward the neuron's hard cases.

The property catalogue draws its inputs here: z for σ(z) and σ'(z), (w, x) for forward, (y, t)
for the loss, (w, x, t) for the gradient and (w, x, t, lr) for the step, as Python floats, and
broadcastable arrays of every supported dtype. Every strategy mixes Hypothesis' own float
search (which already favours ±0, subnormals and the extremes) with the places where a sound
float64 evaluation of the seed's formulas is hardest: the thresholds in `HARD_POINTS`, the
cancellation t ≈ y, products w·x that are moderate though w is tiny, or that overflow.

Generation uses only Python floats, `math` and bit patterns, so it is cheap and never raises a
numpy RuntimeWarning; mpmath is used once, at import, to place the thresholds.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

import mpmath
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy
from numpy.typing import NDArray

from neuron.numerics.bounds import CURVATURE_C

__all__ = [
    "ARG_KINDS",
    "HARD_POINTS",
    "HARD_Z",
    "ArgKind",
    "Argument",
    "HardPoint",
    "broadcastable_arrays",
    "descent_inputs",
    "finite_floats",
    "learning_rates",
    "log_uniform_floats",
    "loss_inputs",
    "near",
    "neuron_inputs",
    "non_broadcastable_shapes",
    "special_floats",
    "z_values",
]

MAX_FLOAT = 1.7976931348623157e308  # (2 − 2^−52)·2^1023
_MIN_NORMAL = 2.0**-1022
_MIN_SUBNORMAL = 2.0**-1074
_MAX_SUBNORMAL = _MIN_NORMAL - _MIN_SUBNORMAL

# Finite values every float test should meet: signed zeros, the subnormal edges, the extremes,
# and the neighbours of 1 and ½ where σ's results live.
_FINITE_SPECIALS: tuple[float, ...] = (
    0.0,
    -0.0,
    _MIN_SUBNORMAL,
    -_MIN_SUBNORMAL,
    _MAX_SUBNORMAL,
    -_MAX_SUBNORMAL,
    _MIN_NORMAL,
    -_MIN_NORMAL,
    MAX_FLOAT,
    -MAX_FLOAT,
    1.0,
    -1.0,
    0.5,
    -0.5,
    1.0 - 2.0**-53,  # largest float below 1
    1.0 + 2.0**-52,  # smallest float above 1
    2.0**-52,  # machine epsilon
)
_NONFINITE: tuple[float, ...] = (math.nan, -math.nan, math.inf, -math.inf)


# ---------------------------------------------------------------------------------------------
# Bit patterns: floats as integers counted in order
# ---------------------------------------------------------------------------------------------

_SIGN_BIT = 1 << 63


def _ordinal(value: float) -> int:
    """Position of `value` in the ordered float64s: ±0 are 0, the next float up is 1."""
    bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
    return -(bits ^ _SIGN_BIT) if bits & _SIGN_BIT else bits


def _from_ordinal(position: int) -> float:
    """The float64 at `position` in the order of `_ordinal` (0 gives +0)."""
    bits = position if position >= 0 else -position | _SIGN_BIT
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


_MAX_ORDINAL = _ordinal(MAX_FLOAT)


def _offset_ulps(value: float, steps: int) -> float:
    """The float `steps` float64 steps from `value`, clamped to the finite range.

    A zero result keeps the sign of `value`; ±∞ counts as one step beyond ±MAX_FLOAT.
    """
    position = min(max(_ordinal(value) + steps, -_MAX_ORDINAL), _MAX_ORDINAL)
    return _from_ordinal(position) if position else math.copysign(0.0, value)


def near(value: float, ulps: int = 4) -> SearchStrategy[float]:
    """Finite floats at most `ulps` float64 steps from `value`, on either side.

    Steps are counted on the bit pattern, so the window crosses zero (±0 count as one point)
    and is clamped to ±MAX_FLOAT; ±∞ is taken as one step beyond ±MAX_FLOAT.

    Raises
    ------
    ValueError
        If `value` is NaN or `ulps` is negative.
    """
    if math.isnan(value) or ulps < 0:
        raise ValueError(f"near() needs a non-NaN value and ulps >= 0, got {value!r}, {ulps!r}")
    return st.integers(-ulps, ulps).map(lambda steps: _offset_ulps(value, steps))


# ---------------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------------


def finite_floats() -> SearchStrategy[float]:
    """Every finite float64, ±0, subnormals and ±MAX_FLOAT included, with the edges favoured."""
    return st.one_of(
        st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(_FINITE_SPECIALS)
    )


def special_floats() -> SearchStrategy[float]:
    """NaN (both signs), ±∞ and the finite edge values: ±0, ±2^−1074, ±2^−1022, ±MAX_FLOAT, …"""
    return st.sampled_from(_NONFINITE + _FINITE_SPECIALS)


def _scaled(mantissa: float, exponent: int, negative: bool) -> float:
    return math.copysign(math.ldexp(mantissa, exponent), -1.0 if negative else 1.0)


def log_uniform_floats(
    min_exponent: int = -1074, max_exponent: int = 1023, *, signed: bool = True
) -> SearchStrategy[float]:
    """Floats m·2^e with e uniform in [min_exponent, max_exponent] and m in [1, 2).

    Magnitudes are spread evenly over the binades (a uniform draw of reals from the same range
    would put half of them in the top binade). Below e = −1022 the value is rounded to a
    subnormal, never to 0. With `signed`, both signs are drawn.

    Raises
    ------
    ValueError
        Unless −1074 <= min_exponent <= max_exponent <= 1023.
    """
    if not -1074 <= min_exponent <= max_exponent <= 1023:
        raise ValueError(
            f"exponents must satisfy -1074 <= {min_exponent} <= {max_exponent} <= 1023"
        )
    return st.builds(
        _scaled,
        st.floats(1.0, 2.0, exclude_max=True),
        st.integers(min_exponent, max_exponent),
        st.booleans() if signed else st.just(False),
    )


# ---------------------------------------------------------------------------------------------
# Hard arguments of σ
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HardPoint:
    """A pinned argument z of σ and σ' and the reason it is hard.

    Attributes
    ----------
    name : str
        Stable identifier, e.g. ``"sigma_rounds_to_one"``; a leading ``-`` names the mirror
        point −z, and a trailing ``/before`` the last float before a threshold is crossed.
    z : float
        The argument.
    meaning : str
        What happens at z, in float64.

    Examples
    --------
    >>> [(p.z, p.meaning) for p in HARD_POINTS if p.name == "sigma_rounds_to_one"]
    [(37.42994775023705, 'smallest z with fl(σ(z)) = 1')]
    """

    name: str
    z: float
    meaning: str


def _floats_around(threshold: mpmath.mpf) -> tuple[float, float]:
    """The floats just below and just above an irrational `threshold` (an mpmath number)."""
    nearest = float(threshold)  # one of the two floats around it, whichever the rounding
    if mpmath.mpf(nearest) < threshold:
        return nearest, math.nextafter(nearest, math.inf)
    return math.nextafter(nearest, -math.inf), nearest


def _thresholds() -> dict[str, tuple[float, float]]:
    """Each threshold of σ, σ' or e^z in z, as (last float before, first float after).

    Each is the root of a defining inequality, solved in closed form and evaluated at 256 bits:
    known to ~2^−250 relative, while no threshold lies closer than 2^−110 relative to a float
    (the tests check both sides of each). None is a float: each is a logarithm (atanh and acosh
    are logarithms too) of an algebraic number ≠ 1, which is transcendental by
    Lindemann–Weierstrass, so "before" and "after" are strict.
    Under round-to-nearest-even a value v rounds to the float F when it lies strictly inside
    F's rounding interval; ties go to the even neighbour, which is what fixes each boundary.
    """
    with mpmath.mp.workprec(256):
        two = mpmath.mpf(2)
        one = mpmath.mpf(1)
        ln = mpmath.log
        return {
            # σ(z) − ½ = tanh(z/2)/2 exceeds half an ulp of ½ from above, 2^−54 (the tie goes to
            # ½, whose mantissa is even): z > 2·atanh(2^−53).
            "sigma_above_half": _floats_around(2 * mpmath.atanh(two**-53)),
            # ½ − σ(z) exceeds half an ulp of ½ from below, 2^−55: z < −2·atanh(2^−54).
            "sigma_below_half": _floats_around(-2 * mpmath.atanh(two**-54)),
            # σ'(z) = 1/(4·cosh²(z/2)) drops below ¼ − 2^−56 (half an ulp below ¼; the tie goes
            # to ¼): cosh²(z/2) > 1/(1 − 2^−54), z > 2·acosh((1 − 2^−54)^−½).
            "sigma_prime_below_quarter": _floats_around(
                2 * mpmath.acosh(1 / mpmath.sqrt(one - two**-54))
            ),
            # 1 + e^−z rounds to 1 once e^−z <= 2^−53 (the tie goes to 1): z >= 53·ln 2.
            # From here the textbook 1/(1 + e^−z) returns exactly 1.
            "one_plus_exp_is_one": _floats_around(53 * ln(two)),
            # σ(z) passes 1 − 1.5·2^−53, the midpoint between 1 − 2^−52 and 1 − 2^−53:
            # e^−z < 1.5·2^−53/(1 − 1.5·2^−53), z > ln(2^53/1.5 − 1).
            "sigma_last_below_one": _floats_around(ln(two**53 / mpmath.mpf(1.5) - 1)),
            # σ(z) passes 1 − 2^−54, the midpoint between 1 − 2^−53 and 1 (the tie goes to 1):
            # σ(−z) < 2^−54 ⟺ e^−z < 1/(2^54 − 1), z > ln(2^54 − 1).
            "sigma_rounds_to_one": _floats_around(ln(two**54 - 1)),
            # e^z rounds to ∞ from (2 − 2^−53)·2^1023 = 2^1024 − 2^970 on, the midpoint between
            # MAX_FLOAT and 2^1024: z > ln(2^1024 − 2^970). numpy's log(MAX_FLOAT) is "before".
            "exp_overflows": _floats_around(ln(two**1024 - two**970)),
            # σ(z) = e^z/(1 + e^z) < 2^−1022 ⟺ e^z < 2^−1022/(1 − 2^−1022).
            "sigma_subnormal": _floats_around(ln(two**-1022 / (1 - two**-1022))),
            # σ(z) < 2^−1075, half the smallest subnormal (the tie goes to 0), so σ rounds to 0:
            # e^z < 2^−1075/(1 − 2^−1075).
            "sigma_underflows": _floats_around(ln(two**-1075 / (1 - two**-1075))),
        }


def _hard_points() -> tuple[HardPoint, ...]:
    crossing = _thresholds()
    points = [
        HardPoint("zero", 0.0, "σ = ½ and σ' = ¼ exactly"),
        HardPoint("-zero", -0.0, "σ = ½ and σ' = ¼ exactly; the sign of zero must not matter"),
        HardPoint("min_subnormal", _MIN_SUBNORMAL, "smallest z > 0; σ rounds to ½"),
        HardPoint("-min_subnormal", -_MIN_SUBNORMAL, "largest z < 0; σ rounds to ½"),
        HardPoint("one", 1.0, "an ordinary point"),
        HardPoint("-one", -1.0, "an ordinary point"),
    ]
    # name: (is the event on the high side, meaning of: first float past the threshold, last
    # float before it, and, for crossings that come in ± pairs, the mirrors of both)
    events: dict[str, tuple[bool, tuple[str, ...]]] = {
        "sigma_above_half": (
            True,
            (
                "smallest z with fl(σ(z)) > ½",
                "largest z > 0 with fl(σ(z)) = ½",
            ),
        ),
        "sigma_below_half": (
            False,
            (
                "largest z with fl(σ(z)) < ½",
                "smallest z < 0 with fl(σ(z)) = ½",
            ),
        ),
        "sigma_prime_below_quarter": (
            True,
            (
                "smallest z > 0 with fl(σ'(z)) < ¼",
                "largest z with fl(σ'(z)) = ¼",
                "largest z < 0 with fl(σ'(z)) < ¼ (σ' is even)",
                "smallest z with fl(σ'(z)) = ¼",
            ),
        ),
        "one_plus_exp_is_one": (
            True,
            (
                "smallest z with fl(1 + e^−z) = 1: the textbook 1/(1 + e^−z) returns exactly 1",
                "largest z with fl(1 + e^−z) > 1",
                "largest z with fl(1 + e^z) = 1",
                "smallest z with fl(1 + e^z) > 1",
            ),
        ),
        "sigma_last_below_one": (
            True,
            (
                "smallest z with fl(σ(z)) = 1 − 2^−53, the last float below 1",
                "largest z with fl(σ(z)) = 1 − 2^−52",
                "σ(z) just below 1.5·2^−53, where 1 − fl(σ(−z)) gives 2^−53",
                "σ(z) just above 1.5·2^−53, where 1 − fl(σ(−z)) gives 2^−52",
            ),
        ),
        "sigma_rounds_to_one": (
            True,
            (
                "smallest z with fl(σ(z)) = 1",
                "largest z with fl(σ(z)) < 1",
                "σ(z) just below 2^−54, where 1 − fl(σ(−z)) gives 0",
                "σ(z) just above 2^−54, where 1 − fl(σ(−z)) gives 2^−53",
            ),
        ),
        "exp_overflows": (
            True,
            (
                "smallest z with fl(e^z) = ∞",
                "largest z with e^z finite; numpy's log(MAX_FLOAT)",
                "largest z with fl(e^−z) = ∞, which the textbook 1/(1 + e^−z) evaluates",
                "smallest z with e^−z finite",
            ),
        ),
        "sigma_subnormal": (
            False,
            (
                "largest z with σ(z) < 2^−1022: σ is subnormal",
                "smallest z with σ(z) >= 2^−1022",
                "smallest z with σ'(z) = σ'(−z) < 2^−1022",
                "largest z with σ'(z) >= 2^−1022",
            ),
        ),
        "sigma_underflows": (
            False,
            (
                "largest z with fl(σ(z)) = 0",
                "smallest z with fl(σ(z)) = 2^−1074",
                "smallest z with fl(σ'(z)) = 0 (σ' is even)",
                "largest z with fl(σ'(z)) = 2^−1074",
            ),
        ),
    }
    for name, (event_is_above, meanings) in events.items():
        below, above = crossing[name]
        after, before = (above, below) if event_is_above else (below, above)
        names_and_values = [
            (name, after),
            (name + "/before", before),
            ("-" + name, -after),
            ("-" + name + "/before", -before),
        ]
        points += [
            HardPoint(n, z, m)
            for (n, z), m in zip(names_and_values[: len(meanings)], meanings, strict=True)
        ]
    points += [
        HardPoint("beyond_underflow", 1000.0, "e^z overflows; σ rounds to 1 and σ' to 0"),
        HardPoint("-beyond_underflow", -1000.0, "e^−z overflows; σ and σ' round to 0"),
        HardPoint("huge", 1e300, "σ = 1 and σ' = 0 in float64; e^z and z² overflow"),
        HardPoint("-huge", -1e300, "σ = σ' = 0 in float64; e^−z and z² overflow"),
        HardPoint("max", MAX_FLOAT, "largest finite z"),
        HardPoint("-max", -MAX_FLOAT, "most negative finite z"),
    ]
    return tuple(points)


#: The pinned hard arguments of σ and σ', each with its name and meaning.
HARD_POINTS: tuple[HardPoint, ...] = _hard_points()
#: The values of `HARD_POINTS` (−0.0 included alongside 0.0).
HARD_Z: tuple[float, ...] = tuple(point.z for point in HARD_POINTS)


def z_values() -> SearchStrategy[float]:
    """Arguments z of σ and σ', with the hard points and their neighbours favoured.

    Draws from `HARD_Z`, from within ±300 ulps of a hard point, from every finite float, and
    from magnitudes spread log-uniformly over [2^−1074, 2^10) with either sign.
    """
    return st.one_of(
        st.sampled_from(HARD_Z),
        st.builds(_offset_ulps, st.sampled_from(HARD_Z), st.integers(-300, 300)),
        finite_floats(),
        log_uniform_floats(-1074, 9),
    )


def _sigmoid(z: float) -> float:
    """σ(z) in float64 from e^−|z| ∈ [0, 1], which neither overflows nor cancels."""
    e = math.exp(-abs(z))
    return 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)


def _sigmoid_of_product(w: float, x: float) -> float:
    """σ(w·x) for the exact product w·x = zh + zl, to a few ulps: σ(zh) + σ'(zh)·zl.

    Rounding the product first would move σ by σ'(zh)·zl, up to |z|/2 ulps of σ for z < 0;
    the first-order term puts that back, and the next one, ~zl², is far below an ulp.
    """
    zh = w * x
    if not math.isfinite(zh):  # an overflowing product: σ(±∞) is already exact
        return _sigmoid(zh)
    zl = float(Fraction(w) * Fraction(x) - Fraction(zh))
    s = _sigmoid(zh)
    return s + s * _sigmoid(-zh) * zl


def _split(z: float, x: float) -> tuple[float, float]:
    """(w, x) with w·x ≈ z; falls back to (z, 1) where z/x overflows."""
    w = z / x
    return (w, x) if math.isfinite(w) else (z, 1.0)


def _tiny_times_huge(
    tiny: float, shift: int, mantissa: float, negative: bool, swap: bool
) -> tuple[float, float]:
    """`tiny` = m·2^−k with a partner ±mantissa·2^(k + shift), so the exact product is moderate.

    The partner's exponent is capped at 1023, which for k > 1023 (subnormal `tiny`) leaves the
    product small; the pair comes in either order.
    """
    k = 1 - math.frexp(tiny)[1]  # frexp gives tiny = f·2^(1 − k) with ½ <= |f| < 1
    huge = _scaled(mantissa, min(k + shift, 1023), negative)
    return (huge, tiny) if swap else (tiny, huge)


def _overflowing(
    e1: int, e2: int, m1: float, m2: float, signs: tuple[bool, bool]
) -> tuple[float, float]:
    """A finite pair whose exact product is at least 2^1023 (it overflows from ~2^1024 on)."""
    return _scaled(m1, e1, signs[0]), _scaled(m2, max(e2, 1023 - e1), signs[1])


def _factor_pairs() -> SearchStrategy[tuple[float, float]]:
    """(w, x) pairs: generic, zero factors, tiny·huge, overflowing, and w·x at the hard z."""
    mantissas = st.floats(1.0, 2.0, exclude_max=True)
    sign_pairs = st.tuples(st.booleans(), st.booleans())
    zeros = st.sampled_from((0.0, -0.0))
    return st.one_of(
        st.tuples(finite_floats(), finite_floats()),
        st.tuples(finite_floats(), zeros),
        st.tuples(zeros, finite_floats()),
        st.builds(
            _tiny_times_huge,
            log_uniform_floats(-1074, -500),
            st.integers(-8, 8),
            mantissas,
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            _overflowing,
            st.integers(0, 1023),
            st.integers(0, 1023),
            mantissas,
            mantissas,
            sign_pairs,
        ),
        st.builds(_split, z_values(), log_uniform_floats(-40, 40)),
    )


def _targets(unit: bool) -> SearchStrategy[float]:
    """Targets t: [0, 1] with its ends and ½, and unless `unit`, t outside [0, 1]."""
    inside = st.one_of(st.floats(0.0, 1.0), st.sampled_from((0.0, 1.0, 0.5)))
    if unit:
        return inside
    return st.one_of(
        inside,
        st.floats(-4.0, 0.0, exclude_max=True),
        st.floats(1.0, 5.0, exclude_min=True),
        log_uniform_floats(30, 1023),
        finite_floats(),
    )


def _target_choices(unit: bool) -> SearchStrategy[tuple[bool, float, int]]:
    """(near_output, t, steps): a target t of `_targets`, or `steps` ulps away from σ(w·x)."""
    return st.one_of(
        _targets(unit).map(lambda t: (False, t, 0)),
        st.integers(-4, 4).map(lambda steps: (True, 0.0, steps)),
    )


def _attach_target(
    pair: tuple[float, float], choice: tuple[bool, float, int], unit: bool
) -> tuple[float, float, float]:
    """(w, x, t) with t as `choice` says; t near σ(w·x) is clamped to [0, 1] if `unit`."""
    w, x = pair
    near_output, t, steps = choice
    if near_output:
        t = _offset_ulps(_sigmoid_of_product(w, x), steps)  # the cancellation in t − y
        t = min(max(t, 0.0), 1.0) if unit else t
    return w, x, t


def _with_target(
    pairs: SearchStrategy[tuple[float, float]], unit: bool
) -> SearchStrategy[tuple[float, float, float]]:
    return st.builds(_attach_target, pairs, _target_choices(unit), st.just(unit))


def _replace(drawn: tuple[tuple[float, ...], set[int], tuple[float, ...]]) -> tuple[float, ...]:
    values, places, fills = drawn
    return tuple(
        fill if i in places else value
        for i, (value, fill) in enumerate(zip(values, fills, strict=True))
    )


def _poisoned(
    finite: SearchStrategy[tuple[float, ...]], size: int
) -> SearchStrategy[tuple[float, ...]]:
    """Tuples of `finite` with a non-empty subset of their `size` places made NaN or ±∞."""
    places = st.sets(st.integers(0, size - 1), min_size=1)
    fills = st.tuples(*[st.sampled_from(_NONFINITE)] * size)
    return st.tuples(finite, places, fills).map(_replace)


def neuron_inputs(
    *, allow_nonfinite: bool = False, unit_targets: bool = False
) -> SearchStrategy[tuple[float, ...]]:
    """Triples (w, x, t) for forward, gradient and step.

    (w, x) is generic, or has w = 0 or x = 0, or tiny w with huge x (or the reverse) and a
    moderate exact product, or a product that overflows, or w·x near a hard z (w = z/x).
    t is in [0, 1] (0, ½ and 1 included), or a few ulps from σ(w·x) (up to 4 steps from a
    float64 σ of the exact product that is itself within a few ulps: the cancellation in
    t − y), or outside [0, 1], moderate or huge; `unit_targets` keeps t in [0, 1].
    With `allow_nonfinite`, some triples have NaN or ±∞ in one or more places.
    """
    finite: SearchStrategy[tuple[float, ...]] = _with_target(_factor_pairs(), unit_targets)
    if allow_nonfinite:
        return st.one_of(finite, _poisoned(finite, 3))
    return finite


def _near_pair(y: float, steps: int) -> tuple[float, float]:
    return y, _offset_ulps(y, steps)


def loss_inputs(*, allow_nonfinite: bool = False) -> SearchStrategy[tuple[float, ...]]:
    """Pairs (y, t) for the loss ½(t − y)².

    y in [0, 1] with any target; arbitrary finite pairs; t within 4 ulps of y (cancellation);
    tiny y and t whose difference is subnormal or whose square underflows; huge y and t whose
    difference or its square overflows. With `allow_nonfinite`, NaN and ±∞ appear as well.
    """
    outputs = st.one_of(st.floats(0.0, 1.0), st.sampled_from((0.0, 1.0, 0.5)))
    finite: SearchStrategy[tuple[float, ...]] = st.one_of(
        st.tuples(outputs, _targets(False)),
        st.tuples(finite_floats(), finite_floats()),
        st.builds(_near_pair, st.one_of(outputs, finite_floats()), st.integers(-4, 4)),
        st.tuples(log_uniform_floats(-1074, -400), log_uniform_floats(-1074, -400)),
        st.tuples(log_uniform_floats(500, 1023), log_uniform_floats(500, 1023)),
    )
    if allow_nonfinite:
        return st.one_of(finite, _poisoned(finite, 2))
    return finite


def learning_rates() -> SearchStrategy[float]:
    """Finite positive learning rates over the whole range, subnormals and MAX_FLOAT included."""
    return st.one_of(
        st.floats(min_value=_MIN_SUBNORMAL, max_value=MAX_FLOAT),
        log_uniform_floats(signed=False),
        st.sampled_from((1.0, 0.5, 0.1, 1e-3, _MIN_SUBNORMAL, _MIN_NORMAL, MAX_FLOAT)),
    )


# |x| in [2^−500, 2^501) keeps 2/(C·x²) and lr normal; t in [0, 1] as the descent lemma needs.
_DESCENT_TRIPLES = _with_target(st.builds(_split, z_values(), log_uniform_floats(-500, 500)), True)
# lr as a fraction of 2/(C·x²): the bound itself, 1/(C·x²) of T4.3, and anything in [2^−20, 1].
_BOUND_FRACTIONS = st.one_of(st.sampled_from((1.0, 0.5)), st.floats(2.0**-20, 1.0))


def _descent_step(
    triple: tuple[float, float, float], fraction: float, curvature: float
) -> tuple[float, float, float, float]:
    """(w, x, t, lr) with lr = fraction·2/(C·x²) for 0 < fraction <= 1.

    The bound is lowered 4 ulps to absorb the 3 roundings in 2/C/x/x (each <= ½ ulp, less
    than 3 ulps together), and the product with fraction <= 1 rounds to at most the bound.
    """
    w, x, t = triple
    bound = _offset_ulps(2.0 / curvature / x / x, -4)
    return w, x, t, bound * fraction


def descent_inputs(
    curvature: float = CURVATURE_C,
) -> SearchStrategy[tuple[float, float, float, float]]:
    """Quadruples (w, x, t, lr) inside the descent lemma (T4.1): the loss cannot increase.

    t ∈ [0, 1]; 2^−500 <= |x| < 2^501; w·x ranges over `z_values` (w = z/x); and
    0 < lr <= 2/(C·x²), with the bound itself and its half, the no-overshoot bound 1/(C·x²) of
    T4.3, pinned (each a few ulps below, for safety). C defaults to
    `neuron.numerics.bounds.CURVATURE_C`, the sharp constant of T3.2 rounded up (a C no
    smaller than the true one keeps lr on the safe side). For any C in [2^−10, 1] every lr is
    a normal float and 2/(C·x²) cannot overflow.

    Raises
    ------
    ValueError
        Unless 2^−10 <= curvature <= 1.
    """
    if not 2.0**-10 <= curvature <= 1.0:
        raise ValueError(f"curvature must lie in [2^-10, 1], got {curvature!r}")
    return st.builds(_descent_step, _DESCENT_TRIPLES, _BOUND_FRACTIONS, st.just(curvature))


# ---------------------------------------------------------------------------------------------
# Arrays
# ---------------------------------------------------------------------------------------------

#: How an argument is passed: a numpy array of a dtype, or a Python scalar ("float", "int").
ArgKind = Literal["float64", "float32", "int64", "float", "int"]
ARG_KINDS: tuple[ArgKind, ...] = ("float64", "float32", "int64", "float", "int")
#: An argument as the protocol functions receive it.
Argument: TypeAlias = NDArray[np.float64] | NDArray[np.float32] | NDArray[np.int64] | float | int

# Integers up to 2^53 convert to float64 exactly, so their expected results are those of floats.
_SAFE_INT = 2**53
# Shapes have at most 3 axes of at most 3 elements: every broadcasting rule shows up, and an
# oracle evaluated per element stays cheap.
_MAX_DIMS = 3
_MAX_SIDE = 3


@dataclass(frozen=True)
class _ArgumentSpec:
    kind: ArgKind | None  # None: drawn per argument
    elements: SearchStrategy[float]
    allow_nonfinite: bool


def _argument(
    kind: ArgKind, shape: tuple[int, ...], spec: _ArgumentSpec
) -> SearchStrategy[Argument]:
    """One argument of `kind`; Python scalars ignore `shape` (they broadcast as shape ())."""
    integers = st.integers(-_SAFE_INT, _SAFE_INT)
    if kind == "float64":
        return hnp.arrays(np.float64, shape, elements=spec.elements)
    if kind == "float32":
        nonfinite = spec.allow_nonfinite
        singles = st.floats(width=32, allow_nan=nonfinite, allow_infinity=nonfinite)
        return hnp.arrays(np.float32, shape, elements=singles)
    if kind == "int64":
        return hnp.arrays(np.int64, shape, elements=integers)
    return spec.elements if kind == "float" else integers


@st.composite
def _argument_tuples(draw: st.DrawFn, n_args: int, spec: _ArgumentSpec) -> tuple[Argument, ...]:
    shapes = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=n_args, min_dims=0, max_dims=_MAX_DIMS, min_side=0, max_side=_MAX_SIDE
        )
    ).input_shapes
    kinds = [draw(st.sampled_from(ARG_KINDS)) if spec.kind is None else spec.kind for _ in shapes]
    return tuple(draw(_argument(k, s, spec)) for k, s in zip(kinds, shapes, strict=True))


def broadcastable_arrays(
    n_args: int,
    dtype: ArgKind | None = None,
    *,
    elements: SearchStrategy[float] | None = None,
    allow_nonfinite: bool = False,
) -> SearchStrategy[tuple[Argument, ...]]:
    """Tuples of `n_args` arguments whose shapes broadcast together.

    Shapes have 0 to 3 axes of 0 to 3 elements (0-d and empty arrays included). Each argument
    is of kind `dtype`, or of a kind drawn from `ARG_KINDS` per argument when `dtype` is None;
    a Python scalar counts as shape (). float64 and Python float elements come from
    `elements` (default: `finite_floats`, plus `special_floats` with `allow_nonfinite`);
    float32 elements span all of float32 (NaN and ±∞ only with `allow_nonfinite`); integers
    stay within ±2^53, where float64 holds them exactly.

    Raises
    ------
    ValueError
        If `n_args` < 1 or `dtype` is not one of `ARG_KINDS`.
    """
    if n_args < 1 or (dtype is not None and dtype not in ARG_KINDS):
        raise ValueError(f"need n_args >= 1 and dtype in {ARG_KINDS}, got {n_args!r}, {dtype!r}")
    if elements is None:
        elements = finite_floats()
        if allow_nonfinite:
            elements = st.one_of(elements, special_floats())
    return _argument_tuples(n_args, _ArgumentSpec(dtype, elements, allow_nonfinite))


@st.composite
def _clashing_shapes(draw: st.DrawFn, n_args: int) -> tuple[tuple[int, ...], ...]:
    broadcastable = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=n_args, min_dims=1, max_dims=_MAX_DIMS, min_side=0, max_side=_MAX_SIDE
        )
    ).input_shapes
    shapes = [list(shape) for shape in broadcastable]
    first, second = draw(st.permutations(range(n_args)))[:2]
    axis = -draw(st.integers(1, min(len(shapes[first]), len(shapes[second]))))
    sizes = draw(st.lists(st.sampled_from((0, 2, 3, 4)), min_size=2, max_size=2, unique=True))
    shapes[first][axis], shapes[second][axis] = sizes
    return tuple(tuple(shape) for shape in shapes)


def non_broadcastable_shapes(n_args: int) -> SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of `n_args` shapes (1 to 3 axes) that do not broadcast together.

    They start as a broadcastable tuple; then one axis, counted from the right, of two of
    them is set to two different sizes from {0, 2, 3, 4}, which no broadcast can reconcile.

    Raises
    ------
    ValueError
        If `n_args` < 2.
    """
    if n_args < 2:
        raise ValueError(f"shapes can only clash between n_args >= 2 arguments, got {n_args!r}")
    return _clashing_shapes(n_args)
