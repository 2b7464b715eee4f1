"""The reference's fast path: the six functions to about 2^−70, decided by a rounding test.

Most inputs are ordinary — |w·x| below a few hundred, results far from the subnormals — and
for those the scaled double words of the general path do more than needed. Here every value
is a pair h + l whose head h has at most 26 significant bits, so that the product of two heads
is exact in one multiplication: no Veltkamp splitting but for the inputs and the two
intermediates of dE/dw whose range is not known, no exponent bookkeeping but one power of two
2^−m, and no `where`. Heads of values in a known binade are cut to 26 bits by adding and
subtracting 1.5·2^p (two operations), which rounds anything below 2^p to a multiple of
2^(p−52). Its cost: ``python benchmarks/run.py --only reference_speed`` (docs/results.md).

Each kernel returns its float64 candidates and where they are *decided*: the rounding test
(`round_pair`) proves the candidate is the correctly rounded value, given the error bound of
theorem T6.5 (proofs/06-floating-point.md), and the element lies in the domain the bounds were
derived for (|w·x| <= 680, no intermediate near the subnormals). `neuron.reference` sends every
undecided element — NaN, ±∞, extreme magnitudes, and the few whose value lies too close to a
rounding boundary — to the general path, and what that cannot decide to the oracle.
"""

from __future__ import annotations

from typing import Final, NamedTuple

import mpmath
import numpy as np
from numpy.typing import NDArray

from neuron.numerics.doubleword import fast_two_sum, split, two_sum
from neuron.numerics.types import BoolArray, FloatArray

# x + G − G rounds |x| < 2^p to a multiple of 2^(p−52) for G = 1.5·2^p:
_GRID_25: Final = 1.5 * 2.0**27  # quantum 2^−25: values below 2 keep at most 26 bits
_GRID_26: Final = 1.5 * 2.0**26  # quantum 2^−26: values below 1 keep at most 26 bits
_GRID_38: Final = 1.5 * 2.0**14  # quantum 2^−38: values below 2^−11 keep at most 27 bits

#: Largest |w·x| the fast path takes: e^−680 > 2^−982, so σ(−|z|) and σ'(z) stay normal with
#: room for their low parts. Beyond it the general path takes over.
MAX_ARGUMENT: Final = 680.0
_TINY: Final = 2.0**-1000  # results and intermediates below this go to the general path
_TINY_RESIDUAL: Final = 2.0**-900

# ---------------------------------------------------------------------------------------------
# Error bounds, relative, from the budget of T6.5 (`t6_5_budget` recomputes it and requires
# each constant to be at least twice the proven bound). Slack costs nothing but a few more
# elements left to the general path: a relative bound β leaves about 3·2^52·β of them.
EXP_BOUND: Final = 2.0**-70  # 2^m·e^−|z| as e26 + er (proven: 2^−71.6)
QUOTIENT_BOUND: Final = 2.0**-70  # 1/(1 + e^−|z|) as q0 + ql (proven: 2^−71.7)
SIGMOID_BOUND: Final = 2.0**-68  # σ(z) as a pair (proven: 2^−70.4)
SLOPE_BOUND: Final = 2.0**-67  # 2^m·σ'(z) as a pair (proven: 2^−69.3)
PRODUCT_BOUND: Final = 2.0**-70  # what one product of pairs adds in the gradient (2^−74.1)
LOSS_BOUND: Final = 2.0**-70  # ½(t − y)² (proven: 2^−75.0)
# dE/dw: relative GRADIENT_BOUND, plus σ(−|z|)'s absolute error carried through σ(z) − t,
# where it may cancel: RESIDUAL_BOUND·(|c| + σ(−|z|)) (proven: 2^−70.3)
RESIDUAL_BOUND: Final = 2.0**-67
GRADIENT_BOUND: Final = SLOPE_BOUND + 3 * PRODUCT_BOUND


# ---------------------------------------------------------------------------------------------
# The table of 2^(−j/1024) and ln 2/1024 in three parts

_TABLE_BITS: Final = 10
_TABLE_SIZE: Final = 1 << _TABLE_BITS


def _constants() -> tuple[NDArray[np.complex128], float, float, float]:
    """2^(−j/1024) as head (26 bits) + rest, packed as complex so one gather fetches both;
    ln 2/1024 as C1 (33 bits, so k·C1 is exact for k < 2^20) + C2; and 1024/ln 2.

    Computed once with mpmath at 200 bits: heads are exact truncations, rests correctly
    rounded, so each entry is within 2^−80 of 2^(−j/1024).
    """
    with mpmath.workprec(200):
        ratio = mpmath.mpf(2) ** (-mpmath.mpf(1) / _TABLE_SIZE)
        entries = np.empty(_TABLE_SIZE, dtype=np.complex128)
        power = mpmath.mpf(1)
        for j in range(_TABLE_SIZE):
            head = float(mpmath.nint(power * 2**26) / 2**26)
            entries[j] = complex(head, float(power - head))
            power *= ratio
        step = mpmath.log(2) / _TABLE_SIZE
        mantissa, exponent = mpmath.frexp(step)
        c1 = float(mpmath.ldexp(mpmath.nint(mantissa * 2**33), exponent - 33))
        return entries, c1, float(step - c1), float(1 / step)


_TABLE, _C1, _C2, _INVERSE_STEP = _constants()


class Logistic(NamedTuple):
    """e^−|z| = 2^−m·(e26 + er), 1/(1 + e^−|z|) = q0 + ql, and e^−|z|/(1 + e^−|z|) =
    2^−m·(sp + sr); scale = 2^−m. e26 and q0 have at most 26 bits (q0, e26 in [½, 1.001])."""

    e26: FloatArray
    er: FloatArray
    scale: FloatArray
    q0: FloatArray
    ql: FloatArray
    q: FloatArray  # q0 + ql rounded, for products with low parts
    sp: FloatArray
    sr: FloatArray


def logistic(a: FloatArray, a_low: FloatArray | None) -> Logistic:
    """σ(|z|), σ(−|z|) and e^−|z| for |z| = a + a_low, 0 <= a <= MAX_ARGUMENT (T6.5 (a)–(c)).

    e^−|z| = 2^−m·2^(−j/1024)·e^ρ with k = rint(1024|z|/ln 2) = 1024m + j and
    ρ = k·ln 2/1024 − |z|, |ρ| <= ln 2/2048 < 2^−11.5; e^ρ = 1 + S with S = ρ + ρ²/2 + … + ρ⁵/120.
    """
    kf = np.rint(a * _INVERSE_STEP)
    rho_head = kf * _C1 - a  # exact: k·C1 has 53 bits at most, and the difference fits (T6.5)
    rho_low = kf * _C2 if a_low is None else kf * _C2 - a_low
    r = rho_head + rho_low  # ρ to a relative u: enough for the terms of order ρ² and up
    polynomial = (r * r) * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120))))
    s26 = (rho_head + _GRID_38) - _GRID_38  # S = s26 + sl, s26 of at most 27 bits
    sl = (rho_head - s26) + (rho_low + polynomial)  # rho_head − s26 exact
    k = kf.astype(np.int64)
    entry = _TABLE.take(k & (_TABLE_SIZE - 1))
    t26, tl = entry.real, entry.imag
    product = t26 * s26  # exact: 26 + 27 bits
    head = t26 + product
    low = (product - (head - t26)) + (tl + (t26 * sl + tl * (s26 + sl)))
    e26 = ((head + low) + _GRID_25) - _GRID_25
    er = (head - e26) + low  # head − e26 exact; |er| <= 2^−26 + 2^−52
    scale = ((1023 - (k >> _TABLE_BITS)) << 52).view(np.float64)  # 2^−m, normal for m <= 982
    # 1 + e as d26 + dr, d26 of at most 26 bits in [1, 2]; (1 − d26) + eh is exact
    eh = e26 * scale
    d26 = ((1.0 + eh) + _GRID_25) - _GRID_25
    dr = ((1.0 - d26) + eh) + er * scale
    # q = 1/(1 + e): q0 of 26 bits, then q0·d = 1 − ρq, and 1/d = q0·(1 + ρq + ρq² + …)
    q0 = (1.0 / d26 + _GRID_26) - _GRID_26
    residual = (1.0 - q0 * d26) - q0 * dr  # q0·d26 exact, and 1 − q0·d26 exact (Sterbenz)
    ql = q0 * (residual + residual * residual)
    q = q0 + ql
    sp = e26 * q0  # exact: 26 + 26 bits
    sr = e26 * ql + er * q
    return Logistic(e26, er, scale, q0, ql, q, sp, sr)


_BELOW: Final = 1.0 - 2.0**-53
_EXPONENT_BITS: Final = 0x7FF0000000000000


def round_pair(high: FloatArray, low: FloatArray, bound: FloatArray) -> BoolArray:
    """Where `high` is certainly the correctly rounded value of every real within `bound` of
    high + low (T6.5 (d)).

    That holds when |low| + bound is below half the gap from `high` to its nearer neighbour.
    The gap below a power of two is half the one above, so the test takes the gap of
    |high|·(1 − 2^−53): that is |high| itself or its predecessor, in the binade below exactly
    when |high| is a power of two. Its exponent bits give the gap: subnormal and zero heads, and
    NaN anywhere, fail the test. An infinite head fails it too as the kernels call it: its low
    part is NaN (it comes out of `fast_two_sum`) or its bound, proportional to |high|, infinite.
    """
    below = (high * _BELOW).view(np.int64) & _EXPONENT_BITS  # the mask drops the sign bit
    return np.abs(low) + bound < below.view(np.float64) * 2.0**-53


def _sigma(positive: BoolArray, g: Logistic) -> tuple[FloatArray, FloatArray]:
    """σ(z) = |H − σ(−|z|)|, H = 1 for z >= 0 (σ(z) = 1 − σ(−z)) and 0 for z < 0, as |high| and
    the low part of high + low = H − σ(−|z|): its sign is flipped with high's for z < 0, which
    the rounding test, reading |low| only, does not see."""
    high, low = fast_two_sum(positive.astype(np.float64), -g.sp * g.scale)  # H >= σ(−|z|) or 0
    high, low = fast_two_sum(high, low - g.sr * g.scale)
    return np.abs(high), low


def _slope(g: Logistic) -> tuple[FloatArray, FloatArray]:
    """2^m·σ'(z) = (e26 + er)·q² = M26 + Mr, M26 of at most 26 bits (M in [1/8, 1.001])."""
    m26 = (g.sp + _GRID_25) - _GRID_25  # 2^m·σ(−|z|) = sp + sr = m26 + mr
    mr = (g.sp - m26) + g.sr
    head = m26 * g.q0  # exact
    rest = m26 * g.ql + mr * g.q
    head, rest = fast_two_sum(head, rest)
    slope26 = (head + _GRID_25) - _GRID_25
    return slope26, (head - slope26) + rest


def sigmoid(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    a = np.abs(z)
    high, low = _sigma(z >= 0, logistic(a, None))
    return high, round_pair(high, low, SIGMOID_BOUND * high) & (a <= MAX_ARGUMENT)


def sigmoid_prime(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    a = np.abs(z)
    g = logistic(a, None)
    slope26, slope_low = _slope(g)
    high, low = fast_two_sum(slope26, slope_low)
    decided = round_pair(high, low, SLOPE_BOUND * high) & (a <= MAX_ARGUMENT)
    return high * g.scale, decided  # exact: at least 2^−985 (T6.5)


def _product(w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """z = w·x as zh + zl exactly (Dekker's TwoProduct), and x's 26-bit head and rest."""
    wh, wl = split(w)
    xh, xl = split(x)
    zh = w * x
    zl = ((wh * xh - zh) + wh * xl + wl * xh) + wl * xl
    return zh, zl, xh, xl


def forward(w: FloatArray, x: FloatArray) -> tuple[FloatArray, BoolArray]:
    zh, zl, _, _ = _product(w, x)
    a = np.abs(zh)
    high, low = _sigma(zh >= 0, logistic(a, np.sign(zh) * zl))
    return high, round_pair(high, low, SIGMOID_BOUND * high) & (a <= MAX_ARGUMENT)


def loss(y: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    """½(t − y)² with t − y = dh + dl exactly (TwoSum) and dh split: (d1 + u)² with u = d2 + dl."""
    dh, dl = two_sum(t, -y)
    d1, d2 = split(dh)
    u = d2 + dl
    high, low = fast_two_sum(d1 * d1, u * ((d1 + d1) + u))  # d1² exact
    decided = round_pair(high, low, LOSS_BOUND * np.abs(high))
    result = 0.5 * high
    return result, decided & (np.abs(result) >= _TINY)


class _Gradient(NamedTuple):
    """dE/dw = sign·2^−m·(high + low) within bound·2^−m, unrounded, and where that holds."""

    high: FloatArray
    low: FloatArray
    bound: FloatArray
    sign_scale: FloatArray  # ±2^−m
    valid: BoolArray


def _gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> _Gradient:
    """dE/dw = (σ(z) − t)·σ'(z)·x (T1.4) with σ(z) − t = sign·(c − σ(−|z|)): c = 1 − t, sign = 1
    for z >= 0, and c = t, sign = −1 for z < 0. c is formed exactly (TwoSum), so the residual
    carries only σ(−|z|)'s own error, however much it cancels (RESIDUAL_BOUND)."""
    zh, zl, xh, xl = _product(w, x)
    positive = (zh >= 0).astype(np.float64)
    sign = positive * 2.0 - 1.0
    a = np.abs(zh)
    g = logistic(a, sign * zl)
    ch, cl = two_sum(positive, -sign * t)  # c = H − sign·t exactly
    s_high = g.sp * g.scale
    nh, nl = two_sum(ch, -s_high)  # N = c − σ(−|z|)
    # renormalize (nh and nl may cancel): the bound needs |nh| ≈ |N|, and the products below
    # need |nl| <= ulp(nh)/2, or their roundings would be relative to the parts, not to N
    nh, nl = two_sum(nh, nl + (cl - g.sr * g.scale))
    slope26, slope_low = _slope(g)
    n1, n2 = split(nh)
    nr = n2 + nl
    vp = n1 * slope26  # exact
    vr = n1 * slope_low + nr * (slope26 + slope_low)
    v1, v2 = split(vp)
    vr = v2 + vr
    high, low = fast_two_sum(v1 * xh, v1 * xl + vr * x)  # v1·xh exact
    magnitude = np.abs(nh)
    bound = np.abs(high) * (GRADIENT_BOUND + RESIDUAL_BOUND * (np.abs(ch) + s_high) / magnitude)
    valid = (a <= MAX_ARGUMENT) & (magnitude >= _TINY_RESIDUAL) & (np.abs(x) >= _NORMAL)
    return _Gradient(high, low, bound, sign * g.scale, valid)


_NORMAL: Final = 2.0**-1022


def gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    g = _gradient(w, x, t)
    result = g.high * g.sign_scale  # exact when at least _TINY in magnitude
    decided = round_pair(g.high, g.low, g.bound) & g.valid & (np.abs(result) >= _TINY)
    return result, decided


def step(
    w: FloatArray, x: FloatArray, t: FloatArray, lr: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """w − η·dE/dw: η·(high + low) as a pair, scaled by ±2^−m, subtracted from w by TwoSum."""
    g = _gradient(w, x, t)
    l1, l2 = split(lr)
    y1, y2 = split(g.high)
    up = l1 * y1  # exact
    ur = l1 * (y2 + g.low) + l2 * g.high
    high, low = two_sum(w, -up * g.sign_scale)
    high, low = fast_two_sum(high, low - ur * g.sign_scale)
    size = np.abs(g.high)
    # η times dE/dw's bound and one product's rounding, scaled; the last rounding of the low
    # part (2^−104 of the result); 2^−1070 for low parts of η·dE/dw landing in the subnormals
    magnitude = np.abs(high)
    bound = (np.abs(lr) * np.abs(g.sign_scale)) * (g.bound + PRODUCT_BOUND * size) + (
        2.0**-104 * magnitude + 2.0**-1070
    )
    decided = round_pair(high, low, bound) & g.valid & (size >= _TINY) & (magnitude >= _TINY)
    return high, decided
