"""Double words with error bounds: the fast path of the unit and of the network (T7.4).

Every quantity of the forward and backward passes is carried as an `Approx`: a pair
high + low (|low| <= ulp(high)/2) and an array `bound` with |exact − (high + low)| <= bound,
where *exact* is the real-number value of that quantity at the float64 inputs. Each operation
below returns its result with a bound derived from its operands' bounds and its own rounding
(T7.4 states and proves each rule); a bound of +∞ or NaN marks an element outside the domain
the rules were proven for. At the end `rounded` applies the fast path's rounding test
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
from neuron.reference import CHUNK, SLOW_PATH, fast

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

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


def multiply(a: Approx, b: Approx) -> Approx:
    """a·b (T7.4 (b)): TwoProduct of the heads, the cross terms, one renormalization."""
    p, e = two_product(a.high, b.high)
    h, low = two_sum(p, e + (a.high * b.low + a.low * b.high))
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


def add(a: Approx, b: Approx) -> Approx:
    """a + b (T7.4 (b)): TwoSum of the heads, the tails added, one renormalization."""
    s, e = two_sum(a.high, b.high)
    h, low = two_sum(s, e + (a.low + b.low))
    size = np.abs(a.high) + np.abs(b.high)
    return Approx(h, low, (a.bound + b.bound + OPERATION * size + UNDERFLOW) * SLACK)


def negate(a: Approx) -> Approx:
    return Approx(-a.high, -a.low, a.bound)


def divide(a: Approx, b: Approx) -> Approx:
    """a/b for b > 0 known to better than half its size (T7.4 (b)): the quotient's head, the
    exact remainder a_h − q·b_h, and one more division."""
    q = a.high / b.high
    p, e = two_product(q, b.high)
    remainder = (((a.high - p) - e) + a.low) - q * b.low  # (a_h − p) − e is exact
    h, low = two_sum(q, remainder / b.high)
    near = b.high * (1 - U) - b.bound  # <= |b|
    carried = (a.bound + np.abs(q) * b.bound) / near * (1 + 4 * U)
    return Approx(h, low, (carried + OPERATION * np.abs(q) + UNDERFLOW) * SLACK)


def _entry(heads: FloatArray, rests: FloatArray, index: NDArray[np.int64]) -> Approx:
    head = heads[index]
    return Approx(head, rests[index], _PAIR * head)


def exponential(a: FloatArray, a_low: FloatArray) -> tuple[Approx, FloatArray]:
    """e^−(a + a_low) = 2^−m·E for 0 <= a <= MAX_ARGUMENT, |a_low| <= 2^−44 (T7.4 (a)).

    k = rint(2^20·a/ln 2) = 2^20·m + 2^10·i + j and ρ = k·ln 2/2^20 − a − a_low, |ρ| < 2^−21.5;
    E = 2^(−i/2^10)·2^(−j/2^20)·(1 + S) with S = ρ + ρ²/2 + ρ³/6 + ρ⁴/24, ρ²/2 formed exactly
    from ρ's head and the small terms in float64 (within RHO_BOUND in all). The tables' and
    the products' errors are carried by the operations above. Returns E and 2^−m.
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
    series = Approx(s_high, s_low, np.full_like(a, RHO_BOUND))
    k = kf.astype(np.int64)
    table = multiply(
        _entry(_COARSE_HEAD, _COARSE_REST, (k >> _TABLE_BITS) & (_TABLE_SIZE - 1)),
        _entry(_FINE_HEAD, _FINE_REST, k & (_TABLE_SIZE - 1)),
    )
    power = add(table, multiply(table, series))
    scale = ((1023 - (k >> (2 * _TABLE_BITS))) << 52).view(np.float64)  # 2^−m, m <= 982
    return power, scale


class Activation(NamedTuple):
    """σ(z), σ(z) − t and σ'(z), each with its bound."""

    output: Approx
    residual: Approx
    slope: Approx


def _select(condition: BoolArray, a: Approx, b: Approx) -> Approx:
    return Approx(*(np.where(condition, x, y) for x, y in zip(a, b, strict=True)))


def _scaled(a: Approx, scale: FloatArray) -> Approx:
    return Approx(a.high * scale, a.low * scale, a.bound * scale + UNDERFLOW)


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
    distance Δ = |z − ẑ| <= z.bound <= 2^−40 adds 3Δ relative to σ and σ' (their logarithmic
    derivatives are at most 1 in magnitude) and 3Δ·σ(−|ẑ|) to σ − t.
    """
    a = np.abs(z.high)
    positive = z.high >= 0
    sign = np.where(positive, 1.0, -1.0)
    e, scale = exponential(a, sign * z.low)
    one = exact(np.ones_like(a))
    one_plus = add(one, _scaled(e, scale))
    large = divide(one, one_plus)  # σ(|ẑ|)
    small = _scaled(divide(e, one_plus), scale)  # σ(−|ẑ|)
    slope = multiply(small, large)
    c_high, c_low = two_sum(positive.astype(np.float64), -sign * t)  # exact
    difference = add(Approx(c_high, c_low, np.zeros_like(a)), negate(small))
    shift = 3 * z.bound
    inside = (a <= MAX_ARGUMENT) & (z.bound <= _LARGEST_SHIFT)

    def widened(value: Approx, extra: FloatArray) -> Approx:
        bound = np.where(inside, (value.bound + extra) * SLACK, np.inf)
        return Approx(value.high, value.low, bound)

    output = _select(positive, large, small)
    return Activation(
        widened(output, shift * np.abs(output.high)),
        widened(
            Approx(sign * difference.high, sign * difference.low, difference.bound),
            shift * small.high,
        ),
        widened(slope, shift * slope.high),
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
