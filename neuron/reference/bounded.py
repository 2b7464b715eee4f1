"""Double words with error bounds: the fast path of the unit and of the network (T7.4).

Every quantity of the forward and backward passes is carried as an `Approx`: a pair
high + low (|low| <= ulp(high)/2) and an array `bound` with |exact − (high + low)| <= bound,
where *exact* is the real-number value of that quantity at the float64 inputs. Each operation
below returns its result with a bound derived from its operands' bounds and its own rounding
(T7.4 states and proves each rule); a bound of +∞ or NaN marks an element outside the domain
the rules were proven for. The sigmoid stage, where every operand's bound is proportional to
it, computes values only and applies the constant relative factors those rules give
(`_relative_bounds`). At the end `rounded` applies the fast path's rounding test
(``neuron.reference.fast.round_pair``, T6.5 (d)): where it holds, the head is the correctly
rounded value; where it does not, the component goes to the oracle.

The matrix products (w·x and W1 x, W2·a, δᵀx and δ1ᵀx) run in BLAS: `dot` cuts each operand
into three slices of β bits per row or column (the error-free splitting of Ozaki, Ogita,
Oishi and Rump, Numerical Algorithms 59, 2012), so that the products of slices, and their sums
within one level, are exact in float64 whatever the order BLAS adds in, and adds what the
slices leave out with two ordinary products whose rounding is bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final, NamedTuple

import mpmath
import numpy as np
from numpy.typing import NDArray

from neuron.numerics.doubleword import power_of_two, two_product, two_sum
from neuron.numerics.types import BoolArray, FloatArray
from neuron.reference import CHUNK, SLOW_PATH, fast

U: Final = 2.0**-53
#: What one double-word operation (product, sum, quotient) adds, relative to its operands'
#: heads; the proven constants are at most 8u² = 2^−103 (T7.4 (b)).
OPERATION: Final = 2.0**-100
#: What underflow can add to one double-word operation, absolutely (T7.4 (b)).
UNDERFLOW: Final = 2.0**-1060
#: The factor by which bounds computed in float64 are enlarged to cover their own rounding.
SLACK: Final = 1.0 + 2.0**-40
#: Largest head a product may have: Veltkamp's split needs |a| < 2^995 (T6.2).
_LARGEST: Final = 2.0**900
#: Row and column maxima of the operands of `dot` must lie in [2^−400, 2^400] (or be zero).
_EXPONENT_RANGE: Final = 400
#: Largest bound on a pre-activation the sigmoid stage accepts (T7.4 (d) assumes it).
_LARGEST_SHIFT: Final = 2.0**-40


class Approx(NamedTuple):
    """The exact value lies within `bound` of high + low (elementwise)."""

    high: FloatArray
    low: FloatArray
    bound: FloatArray


def exact(value: FloatArray) -> Approx:
    """A float64 array, which is its own exact value."""
    return Approx(value, np.zeros_like(value), np.zeros_like(value))


Pair = tuple[FloatArray, FloatArray]


def _product(a: Pair, b: Pair) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The pair of a·b (TwoProduct of the heads, the cross terms, one renormalization), and
    the heads' rounded product p."""
    p, e = two_product(a[0], b[0])
    h, low = two_sum(p, e + (a[0] * b[1] + a[1] * b[0]))
    return h, low, p


def _sum(a: Pair, b: Pair) -> Pair:
    """The pair of a + b: TwoSum of the heads, the tails added, one renormalization."""
    s, e = two_sum(a[0], b[0])
    return two_sum(s, e + (a[1] + b[1]))


def _quotient(a: Pair, b: Pair) -> Pair:
    """The pair of a/b: the quotient's head, the exact remainder a_h − q·b_h, one more division."""
    q = a[0] / b[0]
    p, e = two_product(q, b[0])
    remainder = (((a[0] - p) - e) + a[1]) - q * b[1]  # (a_h − p) − e is exact
    return two_sum(q, remainder / b[0])


def multiply(a: Approx, b: Approx) -> Approx:
    """a·b (T7.4 (b))."""
    h, low, p = _product(a[:2], b[:2])
    ha, hb = np.abs(a.high), np.abs(b.high)
    carried = (ha * b.bound + hb * a.bound) * (1 + 4 * U) + a.bound * b.bound
    bound = (carried + OPERATION * np.abs(p) + UNDERFLOW) * SLACK
    inside = (ha < _LARGEST) & (hb < _LARGEST) & (np.abs(p) < _LARGEST)
    return Approx(h, low, np.where(inside, bound, np.inf))


def total(a: Approx) -> Approx:
    """The sum along the first axis, pairwise (T7.4 (b)): each level a TwoSum of heads."""
    count = a.high.shape[0]
    heads = np.sum(np.abs(a.high), axis=0) * (1 + 2 * count * U)
    carried = np.sum(a.bound, axis=0) * (1 + 2 * count * U)
    high, low = a.high, a.low
    levels = 0
    while high.shape[0] > 1:
        if high.shape[0] % 2:
            high = np.concatenate([high, np.zeros_like(high[:1])])
            low = np.concatenate([low, np.zeros_like(low[:1])])
        s, e = two_sum(high[0::2], high[1::2])
        high, low = two_sum(s, e + (low[0::2] + low[1::2]))
        levels += 1
    bound = carried + levels * OPERATION * heads * (1 + 2 * U) ** levels + count * UNDERFLOW
    return Approx(high[0], low[0], bound * SLACK)


def mean(a: Approx, count: int) -> Approx:
    """a / count (T7.4 (b)): the quotient's head, its exact remainder, one more division."""
    m = float(count)
    q = a.high / m
    p, e = two_product(q, np.full_like(q, m))
    remainder = ((a.high - p) - e) + a.low  # (high − p) − e is exact
    h, low = two_sum(q, remainder / m)
    bound = (a.bound / m * (1 + 2 * U) + OPERATION * np.abs(q) + UNDERFLOW) * SLACK
    return Approx(h, low, np.where(np.abs(q) < _LARGEST, bound, np.inf))


def step(parameter: FloatArray, gradient: Approx, lr: float) -> Approx:
    """parameter − lr·gradient (T7.4 (b))."""
    scaled = multiply(exact(np.full_like(gradient.high, lr)), gradient)
    s, e = two_sum(parameter, -scaled.high)
    h, low = two_sum(s, e - scaled.low)
    size = np.abs(parameter) + np.abs(scaled.high)
    return Approx(h, low, (scaled.bound + OPERATION * size + UNDERFLOW) * SLACK)


def settle(
    name: str,
    fast: Callable[[], tuple[FloatArray, BoolArray]],
    oracle: Callable[[BoolArray], FloatArray],
) -> FloatArray:
    """The fast path's values where it decided them, the oracle's elsewhere (counted in
    ``neuron.reference.SLOW_PATH[name]``)."""
    with np.errstate(all="ignore"):
        values, decided = fast()
    if not decided.all():
        SLOW_PATH[name] += int(np.count_nonzero(~decided))
        values = np.where(decided, values, oracle(~decided))
    return values


def rounded(a: Approx) -> tuple[FloatArray, BoolArray]:
    """The heads, and where the rounding test proves them correctly rounded (T6.5 (d))."""
    return a.high + 0.0, fast.round_pair(a.high, a.low, a.bound * SLACK)


# ---------------------------------------------------------------------------------------------
# Matrix products in BLAS


def _exponents(top: FloatArray) -> tuple[NDArray[np.int64], BoolArray]:
    """e with |entries| < 2^e for a row or column maximum `top`, and whether it is in range."""
    _, e = np.frexp(top)
    inside = (top == 0) | (np.isfinite(top) & (e > -_EXPONENT_RANGE) & (e < _EXPONENT_RANGE))
    return e.astype(np.int64), inside


#: Slices per operand in `dot`: 3β >= 3·⌊(53 − log2(3·2^20))/2⌋ = 45 bits for K <= 2^20.
SLICES: Final = 3


def _slices(
    matrix: FloatArray, e: NDArray[np.int64], bits: int
) -> tuple[list[FloatArray], FloatArray]:
    """matrix = Σ slices + rest exactly: slice s is an integer of at most β + 1 bits times
    2^(e − sβ), and |rest| <= 2^(e − 3β − 1) (T7.4 (c))."""
    parts = []
    rest = matrix
    for s in range(1, SLICES + 1):
        part = np.rint(rest * power_of_two(bits * s - e)) * power_of_two(e - bits * s)
        parts.append(part)
        rest = rest - part  # exact
    return parts, rest


def _bits(inner: int) -> int:
    """β = ⌊(53 − log2(3K))/2⌋: three products of slices of β + 1 bits over K terms sum below
    2^53 (T7.4 (c))."""
    return int((53 - math.log2(3 * inner)) // 2)


def levels(a_parts: list[FloatArray], b_parts: list[FloatArray]) -> list[FloatArray]:
    """For each level L = 2 … 6, the sum of the products of slice s of a and slice L − s of b,
    1 <= s, L − s <= 3: each product and the sum of at most three of them exact (T7.4 (c))."""
    found = []
    for level in range(2, 2 * SLICES + 1):
        chosen = range(max(1, level - SLICES), min(SLICES, level - 1) + 1)
        products = [a_parts[s - 1] @ b_parts[level - s - 1] for s in chosen]
        found.append(sum(products[1:], products[0]))
    return found


def dot(a: Approx, b: FloatArray) -> Approx:
    """(a.high + a.low) @ b for a of shape (r, K) and a float64 matrix b (K, c) (T7.4 (c)).

    With β = ⌊(53 − log2(3K))/2⌋, the products of slices of one level L = s + t (at most three)
    and their sum are exact, in any order of summation; what the slices leave
    out, â·rest_b + (rest_a + a.low)·b, is added as two ordinary products, whose error γ_K
    bounds with row and column maxima. The operands' own bounds add a.bound @ |b|. Rows of a
    are taken CHUNK elements of the result at a time, so that the sums stay in cache.
    """
    inner = a.high.shape[1]
    bits = _bits(inner)
    b_top = np.max(np.abs(b), axis=0, keepdims=True)
    b_e, b_inside = _exponents(b_top)
    b_parts, b_rest = _slices(b, b_e, bits)
    b_rest_top = np.max(np.abs(b_rest), axis=0, keepdims=True)
    gamma = inner * U / (1 - (inner + 2) * U)
    shape = (a.high.shape[0], b.shape[1])
    high, low, bound = np.empty(shape), np.empty(shape), np.empty(shape)
    rows = max(1, CHUNK // b.shape[1])
    for start in range(0, shape[0], rows):
        part = slice(start, start + rows)
        a_high = a.high[part]
        a_top = np.max(np.abs(a_high), axis=1, keepdims=True)
        a_e, a_inside = _exponents(a_top)
        a_parts, a_rest = _slices(a_high, a_e, bits)
        left = a_rest + a.low[part]
        # levels L = 2, 3, 4 into (high, low) by TwoSums; L = 5, 6 and the rests, at most
        # 2^(−3β) of the result's scale, added to the low part in float64
        products = levels(a_parts, b_parts)
        h, q1 = two_sum(products[0], products[1])
        h, q2 = two_sum(h, products[2])
        tail = [products[3], products[4], (a_high - a_rest) @ b_rest, left @ b]
        low_part = (q1 + q2) + ((tail[0] + tail[1]) + (tail[2] + tail[3]))
        carries = np.abs(q1) + np.abs(q2) + sum(np.abs(t) for t in tail)
        high[part], low[part] = two_sum(h, low_part)
        rounding = inner * (
            gamma * np.max(np.abs(a_high - a_rest), axis=1, keepdims=True) * b_rest_top
            + (U + gamma * (1 + U)) * np.max(np.abs(left), axis=1, keepdims=True) * b_top
        )
        noise = 6 * U * carries + (8 + 2 * inner) * UNDERFLOW
        bound[part] = np.where(a_inside & b_inside, rounding + noise, np.inf)
    if a.bound.any():
        bound += (a.bound @ np.abs(b)) * (1 + 2 * gamma)
    return Approx(high, low, bound * SLACK)


# ---------------------------------------------------------------------------------------------
# e^−|z| to about 2^−100, and σ, σ − t and σ' of a pre-activation known to within a bound

_TABLE_BITS: Final = 10
_TABLE_SIZE: Final = 1 << _TABLE_BITS
_STEPS: Final = 1 << (2 * _TABLE_BITS)  # ln 2/2^20: the quantum of the reduction
#: Largest |z| the kernels take: e^−680 > 2^−982 keeps e^−|z| and σ'(z) normal with room for
#: their low parts (as in neuron.reference.fast).
MAX_ARGUMENT: Final = 680.0
#: |ρ − (high + low)| in `exponential`, everything neglected in e^ρ included (T7.4 (a):
#: below 2^−108.5).
RHO_BOUND: Final = 2.0**-108
#: Relative error of a head-and-rest pair of the tables (at most 2^−106).
_PAIR: Final = 2.0**-105


def _table(step: mpmath.mpf) -> tuple[FloatArray, FloatArray]:
    """2^(−j·step) for j < 1024 as correctly rounded heads and rests."""
    heads, rests = np.empty(_TABLE_SIZE), np.empty(_TABLE_SIZE)
    for j in range(_TABLE_SIZE):
        value = mpmath.mpf(2) ** (-j * step)
        heads[j] = float(value)
        rests[j] = float(value - heads[j])
    return heads, rests


def _exp_constants() -> tuple[
    FloatArray, FloatArray, FloatArray, FloatArray, tuple[float, ...], float
]:
    """The tables 2^(−i/2^10) and 2^(−j/2^20); ln 2/2^20 as L1 + L2 + L3 (23 bits each, so
    that k·L_i is exact for k < 2^30) + L4; and 2^20/ln 2. Computed once at 300 bits."""
    with mpmath.workprec(300):
        coarse = _table(mpmath.mpf(1) / _TABLE_SIZE)
        fine = _table(mpmath.mpf(1) / _STEPS)
        rest = mpmath.log(2) / _STEPS
        parts = []
        for _ in range(3):
            mantissa, exponent = mpmath.frexp(rest)
            part = float(mpmath.ldexp(mpmath.nint(mantissa * 2**23), exponent - 23))
            parts.append(part)
            rest -= part
        parts.append(float(rest))
        return (*coarse, *fine, tuple(parts), float(_STEPS / mpmath.log(2)))


_COARSE_HEAD, _COARSE_REST, _FINE_HEAD, _FINE_REST, _LN2, _INVERSE_STEP = _exp_constants()

_GROW: Final = 1.0 + 2.0**-30  # covers the 1 + ku factors of the rules and their rounding


def _product_bound(ea: float, eb: float) -> float:
    """Relative bound of `multiply` for operands within ea, eb of their heads (T7.4 (b))."""
    return ((ea + eb) + ea * eb + OPERATION) * _GROW


def _quotient_bound(ea: float, eb: float) -> float:
    """Relative bound of `divide` for operands within ea, eb of their heads (T7.4 (b))."""
    return ((ea + eb) / (1 - U - eb) + OPERATION) * _GROW


def _relative_bounds() -> tuple[float, float, float, float]:
    """The relative bounds of e^−|z|'s E, of σ(|z|) = 1/(1 + e), of σ(−|z|) = e/(1 + e) and of
    σ' = σ(|z|)σ(−|z|), from the rules of T7.4 (b) applied to operands whose bounds are
    proportional to them: the factors do not depend on the data (T7.4 (a), (d))."""
    table = _product_bound(_PAIR, _PAIR)
    rho = 2.0**-21.4  # |ρ| and |S| are below this
    # E = T + T·S: |T|·(ε_T + RHO_BOUND + |S|(ε_T + 2·OPERATION) + OPERATION), over |E|
    exp = (table + RHO_BOUND + rho * (table + 2 * OPERATION) + OPERATION) / (1 - 2 * rho)
    one_plus = (exp + OPERATION) * _GROW  # 1 + e, both positive
    large = _quotient_bound(0.0, one_plus)
    small = _quotient_bound(exp * _GROW, one_plus)
    return exp * _GROW, large, small, _product_bound(small, large)


EXP_BOUND, _LARGE_BOUND, _SMALL_BOUND, _SLOPE_BOUND = _relative_bounds()


def add(a: Approx, b: Approx) -> Approx:
    """a + b (T7.4 (b)); with `divide`, the rule `_relative_bounds` applies, as code that
    ``t7_4_operations`` checks against exact rationals."""
    h, low = _sum(a[:2], b[:2])
    size = np.abs(a.high) + np.abs(b.high)
    return Approx(h, low, (a.bound + b.bound + OPERATION * size + UNDERFLOW) * SLACK)


def divide(a: Approx, b: Approx) -> Approx:
    """a/b for b > 0 known to better than half its size (T7.4 (b)): the quotient's head, the
    exact remainder a_h − q·b_h, and one more division."""
    h, low = _quotient(a[:2], b[:2])
    q = a.high / b.high
    near = b.high * (1 - U) - b.bound  # <= |b|
    carried = (a.bound + np.abs(q) * b.bound) / near * (1 + 4 * U)
    return Approx(h, low, (carried + OPERATION * np.abs(q) + UNDERFLOW) * SLACK)


def exponential(a: FloatArray, a_low: FloatArray) -> tuple[Approx, FloatArray]:
    """e^−(a + a_low) = 2^−m·E for 0 <= a <= MAX_ARGUMENT, |a_low| <= 2^−44 (T7.4 (a)).

    k = rint(2^20·a/ln 2) = 2^20·m + 2^10·i + j and ρ = k·ln 2/2^20 − a − a_low, |ρ| < 2^−21.5;
    E = 2^(−i/2^10)·2^(−j/2^20)·(1 + S) with S = ρ + ρ²/2 + ρ³/6 + ρ⁴/24, ρ²/2 formed exactly
    from ρ's head and the small terms in float64 (within RHO_BOUND in all). The tables' and
    the products' errors give the relative bound EXP_BOUND (`_relative_bounds`). Returns E
    with its bound, and 2^−m.
    """
    kf = np.rint(a * _INVERSE_STEP)
    l1, l2, l3, l4 = _LN2
    rho, low1 = two_sum(kf * l1 - a, kf * l2)  # k·L1 − a, k·L2, k·L3 exact (T7.4 (a))
    rho, low2 = two_sum(rho, kf * l3)
    rho, low3 = two_sum(rho, -a_low)
    rho_low = ((low1 + low2) + low3) + kf * l4
    square, square_low = two_product(rho, rho)
    small = (rho_low + 0.5 * square_low) + (rho * rho_low + square * rho * (1 / 6 + rho / 24))
    s_high, s_low = two_sum(rho, 0.5 * square)
    s_high, s_low = two_sum(s_high, s_low + small)
    k = kf.astype(np.int64)
    coarse, fine = (k >> _TABLE_BITS) & (_TABLE_SIZE - 1), k & (_TABLE_SIZE - 1)
    table = _product(
        (_COARSE_HEAD[coarse], _COARSE_REST[coarse]), (_FINE_HEAD[fine], _FINE_REST[fine])
    )
    h, low, _ = _product(table[:2], (s_high, s_low))
    power = _sum(table[:2], (h, low))
    scale = ((1023 - (k >> (2 * _TABLE_BITS))) << 52).view(np.float64)  # 2^−m, m <= 982
    return Approx(*power, EXP_BOUND * np.abs(power[0])), scale


class Activation(NamedTuple):
    """σ(z), σ(z) − t and σ'(z), each with its bound."""

    output: Approx
    residual: Approx
    slope: Approx


def activation(z: Approx, t: FloatArray) -> Activation:
    """σ(z), σ(z) − t and σ'(z) for z known to within z.bound (T7.4 (d)), elementwise.

    Computed CHUNK elements at a time: the kernel's many temporaries then stay in cache.
    """
    t_full = np.broadcast_to(t, z.high.shape)
    flat = [np.ravel(v) for v in (*z, t_full)]
    out = [np.empty(flat[0].size) for _ in range(9)]
    for start in range(0, flat[0].size, CHUNK):
        part = slice(start, start + CHUNK)
        pieces = _activation(Approx(*(v[part] for v in flat[:3])), flat[3][part])
        for target, value in zip(out, (v for piece in pieces for v in piece), strict=True):
            target[part] = value
    shaped = [v.reshape(z.high.shape) for v in out]
    return Activation(Approx(*shaped[0:3]), Approx(*shaped[3:6]), Approx(*shaped[6:9]))


def _activation(z: Approx, t: FloatArray) -> Activation:
    """σ(z), σ(z) − t and σ'(z) for z known to within z.bound (T7.4 (d)).

    With e = e^−|ẑ| at ẑ = high + low: σ(−|ẑ|) = e/(1 + e), σ(|ẑ|) = 1/(1 + e),
    σ'(ẑ) = σ(−|ẑ|)σ(|ẑ|), and σ(ẑ) − t = ±(c − σ(−|ẑ|)) with c = 1 − t for ẑ >= 0 and c = t
    below, formed exactly: the subtraction that can cancel carries only absolute errors. The
    operations' relative bounds are the constants of `_relative_bounds`; scaling by 2^−m into
    the subnormals adds UNDERFLOW. The distance Δ = |z − ẑ| <= z.bound <= 2^−40 adds 3Δ
    relative to σ and σ' (their logarithmic derivatives are at most 1 in magnitude) and
    3Δ·σ(−|ẑ|) to σ − t.
    """
    a = np.abs(z.high)
    positive = z.high >= 0
    sign = np.where(positive, 1.0, -1.0)
    e, scale = exponential(a, sign * z.low)
    one_plus = _sum((np.ones_like(a), np.zeros_like(a)), (e.high * scale, e.low * scale))
    large = _quotient((np.ones_like(a), np.zeros_like(a)), one_plus)  # σ(|ẑ|)
    small_high, small_low = _quotient(e[:2], one_plus)
    small = (small_high * scale, small_low * scale)  # σ(−|ẑ|)
    slope_high, slope_low, _ = _product(small, large)
    c_high, c_low = two_sum(positive.astype(np.float64), -sign * t)  # exact
    difference = _sum((c_high, c_low), (-small[0], -small[1]))
    shift = 3 * z.bound
    inside = (a <= MAX_ARGUMENT) & (z.bound <= _LARGEST_SHIFT)

    def bounded(bound: FloatArray) -> FloatArray:
        return np.where(inside, (bound + 3 * UNDERFLOW) * SLACK, np.inf)

    output_high = np.where(positive, large[0], small[0])
    output_bound = np.where(positive, _LARGE_BOUND, _SMALL_BOUND) + shift
    residual = (_SMALL_BOUND * small[0] + OPERATION * (np.abs(c_high) + small[0])) * _GROW
    return Activation(
        Approx(
            output_high, np.where(positive, large[1], small[1]), bounded(output_bound * output_high)
        ),
        Approx(sign * difference[0], sign * difference[1], bounded(residual + shift * small[0])),
        Approx(slope_high, slope_low, bounded((_SLOPE_BOUND + shift) * slope_high)),
    )


def with_ones(a: Approx) -> Approx:
    """[a, 1] along the last axis: a bias enters the products of `dot` as one more input."""
    ones = np.ones((*a.high.shape[:-1], 1))
    zeros = np.zeros_like(ones)
    return Approx(
        np.concatenate([a.high, ones], axis=-1),
        np.concatenate([a.low, zeros], axis=-1),
        np.concatenate([a.bound, zeros], axis=-1),
    )
