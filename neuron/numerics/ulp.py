"""Units in the last place of float64, and errors measured in them.

The ulp of a real number v is the spacing of the float64 numbers around it:
2^(e − 52) for 2^e <= |v| < 2^(e+1) and e >= −1022, and 2^−1074 below the normal range
(subnormals and zero). Beyond the largest finite float the spacing of the top binade,
2^971, is kept, so that a finite result for an overflowing exact value has a finite error.
At a power of two the ulp is the spacing *above* it (the binade the number opens).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neuron.numerics.formats import FLOAT64, Format

__all__ = [
    "MIN_SUBNORMAL",
    "ExactValues",
    "round_mpf",
    "ulp",
    "ulp_distance",
    "ulp_errors",
    "ulp_of_mpf",
]

MIN_SUBNORMAL = 2.0**-1074
_MAX_EXPONENT = 1023  # largest binade of finite float64
_MIN_EXPONENT = -1022  # smallest normal binade
_MANTISSA_BITS = 52

# An mpmath raw float: (sign, mantissa, exponent, bitcount), value (−1)^sign·mantissa·2^exponent.
MpfTuple = tuple[int, int, int, int]


def ulp(x: ArrayLike) -> NDArray[np.float64]:
    """The ulp of each float64 in `x`: 2^(e − 52) in binade e, 2^−1074 for subnormals and zero.

    Infinities have an infinite ulp and NaN a NaN one.

    Examples
    --------
    >>> ulp([1.0, 0.0, 2.0**-1074, 1.7976931348623157e308]).tolist()
    [2.220446049250313e-16, 5e-324, 5e-324, 1.99584030953472e+292]
    """
    a = np.abs(np.asarray(x, dtype=np.float64))
    _, exponent = np.frexp(a)  # a = m·2^exponent with m in [0.5, 1): binade exponent − 1
    spacing = np.ldexp(1.0, np.maximum(exponent - 1 - _MANTISSA_BITS, -1074))
    spacing = np.where(a == 0.0, MIN_SUBNORMAL, spacing)
    return np.where(np.isfinite(a), spacing, a)


def _ordered(a: NDArray[np.float64]) -> NDArray[np.int64]:
    """Map float64 bit patterns to integers that count the floats in order (±0 both map to 0)."""
    bits = a.view(np.int64)
    return np.where(bits < 0, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)), bits)


def ulp_distance(a: ArrayLike, b: ArrayLike) -> Any:
    """Signed number of float64 steps from `a` to `b` (0 between +0 and −0).

    Returns exact Python integers (a 0-d input gives an ``int``, arrays an object array),
    because the distance between the extremes, about 1.8e19, does not fit in int64.
    Infinity counts as the float after the largest finite one; NaN raises ValueError.

    Examples
    --------
    >>> ulp_distance(1.0, 1.0000000000000002), ulp_distance(-5e-324, 5e-324)
    (1, 2)
    """
    fa, fb = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    if np.isnan(fa).any() or np.isnan(fb).any():
        raise ValueError("ulp_distance is undefined for NaN")
    steps = _ordered(fb.copy()).astype(object) - _ordered(fa.copy()).astype(object)
    return steps  # 0-d object arrays subtract to a plain int


def _top_exponent(v: MpfTuple) -> int:
    """e with 2^e <= |v| < 2^(e+1), for a nonzero raw mpf."""
    return v[2] + v[3] - 1


def ulp_of_mpf(v: MpfTuple) -> float:
    """The ulp (a power of two, as a float) at the real number given as a raw mpf."""
    if v[1] == 0:
        return MIN_SUBNORMAL
    e = min(max(_top_exponent(v), _MIN_EXPONENT), _MAX_EXPONENT)
    return float(2.0 ** (e - _MANTISSA_BITS))


def round_mpf(v: MpfTuple, fmt: Format = FLOAT64) -> float:
    """Round a finite raw mpf to the nearest number of `fmt` (float64 by default), ties to even,
    subnormals and overflow too; the result is a float holding that number exactly.

    mpmath's own conversion rounds to 53 bits first and then again into the subnormal range,
    which can round twice; this rounds once, at the quantum of the result in `fmt`.
    """
    sign, man, exp, _ = v
    if man == 0 or _top_exponent(v) < fmt.emin - fmt.precision:  # below half the least subnormal
        return -0.0 if sign else 0.0
    quantum = max(_top_exponent(v), fmt.emin) - (fmt.precision - 1)
    if exp >= quantum:
        scaled = man << (exp - quantum)
    else:
        shift = quantum - exp
        scaled = man >> shift
        remainder = man - (scaled << shift)
        half = 1 << (shift - 1)
        if remainder > half or (remainder == half and scaled & 1):
            scaled += 1
    if quantum + scaled.bit_length() > fmt.emax + 1:
        value = float("inf")
    else:
        value = float(np.ldexp(float(scaled), quantum))
    return -value if sign else value


class ExactValues:
    """Exact values of a function over an array, in the form that makes ulp errors cheap.

    For each element, `anchor` is the correctly rounded float64 (±max finite when the exact
    value overflows, NaN for a NaN result), `spacing` the ulp at the exact value, and `offset`
    the exact value's distance from the anchor in those ulps, so that
    exact = anchor + offset·spacing. `rounded` is the correctly rounded result (±inf on overflow).
    """

    __slots__ = ("anchor", "offset", "rounded", "spacing")

    def __init__(
        self,
        rounded: NDArray[np.float64],
        anchor: NDArray[np.float64],
        spacing: NDArray[np.float64],
        offset: NDArray[np.float64],
    ) -> None:
        self.rounded = rounded
        self.anchor = anchor
        self.spacing = spacing
        self.offset = offset


def ulp_errors(computed: ArrayLike, exact: ExactValues) -> NDArray[np.float64]:
    """Error of each computed float64 in ulps of the exact value: |computed − exact| / ulp(exact).

    NaN against NaN and an infinity against the same correctly rounded infinity are exact (0);
    a NaN or infinity where the exact value is something else is an infinite error.

    Examples
    --------
    >>> from neuron import exact
    >>> ulp_errors([0.5, 0.5000000000000001], exact.values("sigmoid", [0.0, 0.0])).tolist()
    [0.0, 1.0]
    """
    c = np.asarray(computed, dtype=np.float64)
    with np.errstate(all="ignore"):  # far-off results overflow to an infinite error, as they should
        error = np.abs((c - exact.anchor) / exact.spacing - exact.offset)
    both_nan = np.isnan(c) & np.isnan(exact.rounded)
    same_infinity = np.isinf(c) & (c == exact.rounded)
    return np.where(both_nan | same_infinity, 0.0, np.where(np.isnan(error), np.inf, error))
