"""Scaled double-word arithmetic in vectorized numpy: the engine of the correctly rounded reference.

A *scaled double word* is a triple (h, l, e) of arrays meaning (h + l)·2^e, with the head
h near 1 (in [½, 1) after `normalize`, within [2^−110, 4] after the operations below) or 0, and
the tail |l| <= ulp(h)/2. Because heads stay near 1 and exponents are
integers, no intermediate can overflow or underflow, whatever the magnitude of the value:
that is what keeps, say, σ'(w·x) = e^−745 exact to 100 bits when x = 2^1000 brings dE/dw
back into range. Products and quotients are exact to about 2^−104, sums to 2^−105 of the
larger operand (Dekker 1971; Knuth, TAOCP vol. 2, §4.2.2). numpy has no fused multiply-add, so
products are made exact with Veltkamp's splitting.

`exp_negative` evaluates e^−a to 2^−74 with a 64-entry table of 2^(−j/64) and a degree-8
polynomial on |ρ| <= ln 2/128; `round_scaled` rounds a scaled double word correctly to float64
(subnormals and overflow included) when its error bound lets it decide, and says where it
cannot (Ziv's rounding test, theorem T6.4).
"""

from __future__ import annotations

from typing import Final, NamedTuple

import mpmath
import numpy as np
from numpy.typing import NDArray

from neuron.numerics.types import FloatArray

IntArray = NDArray[np.int64]

_SPLITTER: Final = 134217729.0  # 2^27 + 1


class Scaled(NamedTuple):
    """(head + tail)·2^exponent."""

    head: FloatArray
    tail: FloatArray
    exponent: IntArray


def two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """s + err = a + b exactly, s = fl(a + b) (Knuth; T6.2 (b))."""
    s = a + b
    virtual = s - a
    return s, (a - (s - virtual)) + (b - virtual)


def fast_two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """s + err = a + b exactly, given |a| >= |b| or a = 0 (Dekker)."""
    s = a + b
    return s, b - (s - a)


def split(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """a = high + low, each with at most 26 significant bits (Veltkamp); needs |a| < 2^995."""
    scaled = _SPLITTER * a
    high = scaled - (scaled - a)
    return high, a - high


def two_product(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """p + err = a·b exactly, p = fl(a·b) (Dekker; T6.2 (c)), for heads near 1."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


# The exponent given to zero, so that aligning a sum to the larger exponent never picks it.
ZERO_EXPONENT: Final = -(1 << 30)
_BIAS: Final = 1023


def power_of_two(k: IntArray) -> FloatArray:
    """2^k for integers k, clamped to [−1022, 1023]: built from its bit pattern.

    np.ldexp is several times slower than a multiplication; scaling by this is as fast and, on
    the values used here, as exact. Clamping *saturates*: 2^−2000 comes out as 2^−1022. That
    is harmless wherever it is used (a term already far below 2^−1000 of its sum), and
    `exact_scale` handles the one place where every bit counts.
    """
    clamped = np.minimum(np.maximum(k, -1022), 1023)
    return ((clamped + _BIAS).astype(np.int64) << 52).view(np.float64)


def exact_scale(x: FloatArray, k: IntArray) -> FloatArray:
    """x·2^k, exactly when the result is representable (rounded once, into the subnormals or
    to ±∞, otherwise), for x a multiple of 2^−52·ulp-free heads as `round_scaled` makes them.

    Two factors, each a normal power of two: the first brings x to within the float range
    without leaving the grid of its quantum, the second lands it.
    """
    first = np.minimum(np.maximum(k, -1022), 1023)
    with np.errstate(over="ignore"):  # ±∞ is the correctly rounded result there
        return (x * power_of_two(first)) * power_of_two(k - first)


def normalize(head: FloatArray, tail: FloatArray, exponent: IntArray) -> Scaled:
    """Renormalize so that the head lies in [½, 1): the value is unchanged."""
    h, t = fast_two_sum(head, tail)
    mantissa, shift = np.frexp(h)
    exponent = np.where(mantissa == 0, ZERO_EXPONENT, exponent + shift)
    return Scaled(mantissa, t * power_of_two(-shift), exponent)


def _tidy(head: FloatArray, tail: FloatArray, exponent: IntArray) -> Scaled:
    """Renormalize the tail only; heads of products, quotients and sums of heads in [½, 1)
    stay within [2^−110, 4], far from overflow and underflow, so the frexp can wait for
    `round_scaled`. A zero gets ZERO_EXPONENT, so that a later sum aligns to the other term.
    """
    h, t = fast_two_sum(head, tail)
    return Scaled(h, t, np.where(h == 0, ZERO_EXPONENT, exponent))


def scaled(value: FloatArray) -> Scaled:
    """A float64 array as scaled double words (exact)."""
    mantissa, exponent = np.frexp(value)
    exponent = np.where(mantissa == 0, ZERO_EXPONENT, exponent).astype(np.int64)
    return Scaled(mantissa, np.zeros_like(mantissa), exponent)


def multiply(a: Scaled, b: Scaled) -> Scaled:
    """a·b to about 2^−104 relative."""
    p, err = two_product(a.head, b.head)
    err = err + (a.head * b.tail + a.tail * b.head)
    return _tidy(p, err, a.exponent + b.exponent)


def divide(a: Scaled, b: Scaled) -> Scaled:
    """a/b to about 2^−103 relative (b ≠ 0)."""
    q = a.head / b.head
    p, err = two_product(q, b.head)
    remainder = (((a.head - p) - err) + a.tail) - q * b.tail
    return _tidy(q, remainder / b.head, a.exponent - b.exponent)


def add(a: Scaled, b: Scaled) -> Scaled:
    """a + b to about 2^−105 of the larger operand (cancellation amplifies it, as it must)."""
    top = np.maximum(a.exponent, b.exponent)
    a_shift, b_shift = power_of_two(a.exponent - top), power_of_two(b.exponent - top)
    ah, al = a.head * a_shift, a.tail * a_shift
    bh, bl = b.head * b_shift, b.tail * b_shift
    s, err = two_sum(ah, bh)
    return _tidy(s, err + (al + bl), top)


def negate(a: Scaled) -> Scaled:
    return Scaled(-a.head, -a.tail, a.exponent)


# ---------------------------------------------------------------------------------------------
# e^−a

_TABLE_BITS: Final = 6
_TABLE_SIZE: Final = 1 << _TABLE_BITS


def _tables() -> tuple[FloatArray, FloatArray, FloatArray, float, float, float, float]:
    """2^(−j/64) split as high (26 bits) + rest + low, and ln 2/64 in three parts.

    Computed once with mpmath at 300 bits, so every entry is the correctly rounded leading
    part and the parts sum to 2^(−j/64) within 2^−160.
    """
    with mpmath.workprec(300):
        powers = [mpmath.mpf(2) ** (-mpmath.mpf(j) / _TABLE_SIZE) for j in range(_TABLE_SIZE)]
        head = np.array([float(p) for p in powers])
        low = np.array([float(p - mpmath.mpf(float(p))) for p in powers])
        step = mpmath.log(2) / _TABLE_SIZE

        def leading(v: mpmath.mpf, bits: int) -> float:
            mantissa, exponent = mpmath.frexp(v)
            return float(mpmath.ldexp(mpmath.floor(mantissa * 2**bits), exponent - bits))

        c1 = leading(step, 35)
        c2 = leading(step - c1, 35)
        c3 = float(step - c1 - c2)
        inverse = float(1 / step)
    high, rest = split(head)
    return high, rest, low, c1, c2, c3, inverse


_T_HIGH, _T_REST, _T_LOW, _C1, _C2, _C3, _INVERSE_STEP = _tables()
_TABLE: Final = np.stack([_T_HIGH, _T_REST, _T_LOW])  # one gather fetches all three parts
# 1/k!, k = 8 down to 3, for the polynomial in ρ beyond ρ²/2; ρ^9/9! < 2^−86 on |ρ| <= ln 2/128
_COEFFICIENTS: Final = (1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6)
# Adding and subtracting 1.5·2^p rounds a number below 2^p to a multiple of 2^(p−52):
_GRID_RHO: Final = 1.5 * 2.0**19  # |ρ| < 2^−7 to a multiple of 2^−33: at most 26 bits
_GRID_S: Final = 1.5 * 2.0**20  # |S| < 2^−6 to a multiple of 2^−32: at most 26 bits
MAX_ARGUMENT: Final = 2300.0  # e^−2300 < 2^−3318: below anything a float64 result can show
EXP_ERROR: Final = 2.0**-73  # relative error bound of exp_negative, with margin (T6.4)


def exp_negative(a: FloatArray, a_low: FloatArray) -> Scaled:
    """e^−(a + a_low) as a scaled double word, for 0 <= a <= MAX_ARGUMENT and |a_low| <= 2^−40.

    a = k·ln2/64 − ρ with k = 64m + j, so e^−a = 2^−m · 2^(−j/64) · e^ρ, |ρ| <= ln 2/128.
    k·C1 and k·C2 are exact (C1, C2 have 35 bits, k < 2^18) and a − k·C1 is exact by Sterbenz's
    lemma, so ρ is known to 2^−100. e^ρ = 1 + S with S = ρ + ρ²/2 + P(ρ): ρ is rounded to a
    26-bit ρ26 so that ρ26² is exact, and S to a 26-bit S26 so that T_high·S26 is exact; the
    rest is carried in double, where each term's rounding is below 2^−76.
    """
    k = np.rint(a * _INVERSE_STEP)
    reduced = a - k * _C1
    rho_high, rho_low = two_sum(-reduced, k * _C2)
    rho_high, rho_low = fast_two_sum(rho_high, rho_low + (k * _C3 - a_low))
    rho26 = (rho_high + _GRID_RHO) - _GRID_RHO
    rho_rest = (rho_high - rho26) + rho_low
    polynomial: FloatArray = np.full_like(rho_high, _COEFFICIENTS[0])
    for c in _COEFFICIENTS[1:]:
        polynomial = polynomial * rho_high + c
    square = rho_high * rho_high
    # P(ρ) at ρ_high, plus its first-order change P'(ρ)·ρ_low ≈ ρ²/2·ρ_low
    cube = polynomial * (square * rho_high) + 0.5 * square * rho_low
    half_square = 0.5 * (rho26 * rho26)  # exact: 26 bits squared
    s26 = ((rho26 + half_square) + _GRID_S) - _GRID_S
    # (ρ26 − S26) + ρ26²/2 is exact: both on the 2^−67 grid and their sum below 2^−31
    quadratic_rest = rho_rest * (rho26 + 0.5 * rho_rest)  # (ρ26 + r)²/2 − ρ26²/2
    s_rest = ((rho26 - s26) + half_square) + (rho_rest + (quadratic_rest + cube))
    index = k.astype(np.int64)
    j = index & (_TABLE_SIZE - 1)
    m = index >> _TABLE_BITS
    t_high, t_rest, t_low = np.take(_TABLE, j, axis=1)
    table = t_high + t_rest
    product = t_high * s26  # exact: 26 + 26 bits
    rest = t_rest * s26 + table * s_rest + t_low * (1.0 + (s26 + s_rest))
    head, tail = fast_two_sum(table, product)
    return _tidy(head, tail + rest, -m)


# ---------------------------------------------------------------------------------------------
# Correct rounding


def round_scaled(value: Scaled, bound: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Round (h + l)·2^e to float64, and say where that is certainly the correct rounding.

    `bound` bounds |exact − (h + l)| in the same units as h. The candidate R is h + l rounded
    to the quantum of the result (2^−53 in head units for normal results, 2^(−1074−e) for
    subnormal ones); it is the correctly rounded value whenever the distance |h + l − R| plus
    the bound stays inside half the gap to R's neighbour on that side (T6.4).
    """
    mantissa, shift = np.frexp(value.head)  # normalize: head in [½, 1)
    scale = power_of_two(-shift)
    head, tail, bound = mantissa, value.tail * scale, bound * scale
    exponent = value.exponent + shift
    quantum_exponent = np.clip(-1074 - exponent, -53, 2)  # 2: below 2^−1076, R = 0
    quantum = power_of_two(quantum_exponent)
    normal = quantum_exponent == -53
    candidate = np.rint(head / quantum) * quantum
    distance = (head - candidate) + tail
    # The tail may carry h + l past a rounding midpoint: step once on the local grid, which is
    # twice as fine just below a head of ½ in the normal range (the binade below).
    finer = normal & (np.abs(candidate) == 0.5) & (distance * candidate < 0)
    local = np.where(finer, 0.5 * quantum, quantum)
    candidate = candidate + np.rint(distance / local) * local
    distance = (head - candidate) + tail
    below = (np.abs(candidate) < 0.5) | ((np.abs(candidate) == 0.5) & (distance * candidate < 0))
    half_gap = np.where(normal & below, 0.25 * quantum, 0.5 * quantum)
    decided = np.abs(distance) + bound < half_gap
    return exact_scale(candidate, exponent), decided
