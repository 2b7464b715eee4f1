"""The derivative constants of σ and E, recomputed exactly.

Oracle: exact rational arithmetic. The derivatives are generated here from the recurrence
d/dz P(s) = P'(s)·s(1 − s) (T1.2, T2.3), independently of neuron.numerics.bounds; the critical
points in [0, 1] are isolated with Sturm sequences over the integers, so every supremum comes with
an enclosure [low, high] that is proved, not sampled.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from neuron.numerics.bounds import (
    CURVATURE_C,
    LOSS_DERIVATIVE_SUP,
    SIGMOID_DERIVATIVE_SUP,
    curvature_bound,
    loss_derivative_bound,
)

Poly = list[Fraction]  # coefficients, lowest degree first


# ---------------------------------------------------------------------------------------------
# Exact polynomial machinery
# ---------------------------------------------------------------------------------------------


def _trim(p: Sequence[Fraction]) -> Poly:
    out = list(p)
    while out and out[-1] == 0:
        out.pop()
    return out


def _add(p: Poly, q: Poly) -> Poly:
    n = max(len(p), len(q))
    zero = Fraction(0)
    return _trim(
        [(p[i] if i < len(p) else zero) + (q[i] if i < len(q) else zero) for i in range(n)]
    )


def _mul(p: Poly, q: Poly) -> Poly:
    out = [Fraction(0)] * max(len(p) + len(q) - 1, 0)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return _trim(out)


def _scale(p: Poly, c: Fraction) -> Poly:
    return _trim([c * a for a in p])


def _diff(p: Poly) -> Poly:
    return _trim([i * p[i] for i in range(1, len(p))])


def _value(p: Poly, s: Fraction) -> Fraction:
    out = Fraction(0)
    for a in reversed(p):
        out = out * s + a
    return out


def _divmod(p: Poly, q: Poly) -> tuple[Poly, Poly]:
    rest = list(p)
    quotient = [Fraction(0)] * max(len(p) - len(q) + 1, 0)
    while len(rest) >= len(q):
        c = rest[-1] / q[-1]
        shift = len(rest) - len(q)
        quotient[shift] = c
        for i, b in enumerate(q):
            rest[shift + i] -= c * b
        rest = _trim(rest)
    return _trim(quotient), rest


def _integral(p: Poly) -> list[int]:
    """p times a positive integer clearing its denominators: same roots and signs."""
    scale = math.lcm(*(a.denominator for a in p))
    return [int(a * scale) for a in p]


def _sign_at(p: Sequence[int], m: int, j: int) -> int:
    """Sign of p(m/2^j), exactly: the sign of Σ p_i·m^i·2^(j·(deg − i)), by Horner."""
    total, power = 0, 1
    for a in reversed(p):
        total = total * m + a * power
        power <<= j
    return (total > 0) - (total < 0)


def _sturm_chain(p: Poly) -> list[list[int]]:
    chain = [p, _diff(p)]
    while True:
        _, rest = _divmod(chain[-2], chain[-1])
        if not rest:
            return [_integral(q) for q in chain]
        chain.append(_scale(rest, Fraction(-1)))


def _sign_changes(chain: Sequence[Sequence[int]], m: int, j: int) -> int:
    signs = [s for s in (_sign_at(q, m, j) for q in chain) if s != 0]
    return sum(a != b for a, b in itertools.pairwise(signs))


def _squarefree(p: Poly) -> Poly:
    g, q = p, _diff(p)
    while q:
        g, q = q, _divmod(g, q)[1]
    if len(g) == 1:
        return p
    return _divmod(p, g)[0]


def _roots_in_unit_interval(p: Poly, bits: int) -> list[tuple[Fraction, Fraction]]:
    """Each distinct root of p in (0, 1], as [r, r] when found exactly, else an interval of
    width 2^-bits that contains it and nothing else."""
    q = _squarefree(p)
    if len(q) <= 1:
        return []
    chain = _sturm_chain(q)
    qi = chain[0]
    found: list[tuple[Fraction, Fraction]] = []
    stack = [(0, 1, 0)]  # (m_low, m_high, j): the interval (m_low/2^j, m_high/2^j]
    while stack:
        lo, hi, j = stack.pop()
        count = _sign_changes(chain, lo, j) - _sign_changes(chain, hi, j)
        if count == 0:
            continue
        if count > 1:
            stack += [(2 * lo, 2 * lo + 1, j + 1), (2 * lo + 1, 2 * hi, j + 1)]
            continue
        # One simple root r in (lo, hi]: q has the sign of q(hi) on (r, hi] and the opposite
        # sign on (lo, r), whatever q(lo) is (lo may be another root); bisect on that.
        high_sign = _sign_at(qi, hi, j)
        if high_sign == 0:
            found.append((Fraction(hi, 1 << j), Fraction(hi, 1 << j)))
            continue
        while j < bits:
            lo, hi, j = 2 * lo, 2 * hi, j + 1
            mid = lo + 1
            mid_sign = _sign_at(qi, mid, j)
            if mid_sign == 0:
                lo = hi = mid
                break
            if mid_sign == high_sign:
                hi = mid
            else:
                lo = mid
        found.append((Fraction(lo, 1 << j), Fraction(hi, 1 << j)))
    return found


def _sup_abs(p: Poly, bits: int = 60) -> tuple[Fraction, Fraction]:
    """An enclosure [low, high] of sup over s ∈ [0, 1] of |p(s)|.

    The supremum is at 0, at 1 or at a root r of p'. For r enclosed in [a, b], p'(r) = 0 gives
    |p(a) − p(r)| ≤ ½·M2·(b − a)² with M2 = Σ i(i − 1)|p_i| ≥ sup |p''| on [0, 1].
    """
    m2 = sum((abs(c) * i * (i - 1) for i, c in enumerate(p)), Fraction(0))
    low = high = max(abs(_value(p, Fraction(0))), abs(_value(p, Fraction(1))))
    for a, b in _roots_in_unit_interval(_diff(p), bits):
        v = abs(_value(p, a))
        slack = m2 * (b - a) ** 2 / 2
        low, high = max(low, v - slack), max(high, v + slack)
    return low, high


# σ^(k) as polynomials in s = σ(z) (T1.2: σ' = s(1 − s)), and the loss's z-derivatives at
# t = 0 (A_k) — E = ½(t − s)², so d^k E/dz^k = A_k(s) − t·σ^(k)(s) for k ≥ 1.
_S: Poly = [Fraction(0), Fraction(1)]
_SLOPE: Poly = [Fraction(0), Fraction(1), Fraction(-1)]


def _dz(p: Poly) -> Poly:
    return _mul(_diff(p), _SLOPE)


SIGMOID_POLY: list[Poly] = [_S]
LOSS_POLY_T0: list[Poly] = [[Fraction(0), Fraction(0), Fraction(1, 2)]]
for _ in range(5):
    SIGMOID_POLY.append(_dz(SIGMOID_POLY[-1]))
    LOSS_POLY_T0.append(_dz(LOSS_POLY_T0[-1]))


def _loss_poly(k: int, t: Fraction) -> Poly:
    """d^k E/dz^k as a polynomial in s for target t."""
    if k == 0:
        return [t * t / 2, -t, Fraction(1, 2)]
    return _add(LOSS_POLY_T0[k], _scale(SIGMOID_POLY[k], -t))


def _assert_rounded_up(value: float, low: Fraction, high: Fraction, what: str) -> None:
    below = math.nextafter(value, -math.inf)
    assert Fraction(value) >= high, f"{what}: {value!r} < exact supremum (≤ {float(high)!r})"
    assert Fraction(below) < low, f"{what}: {below!r} is already an upper bound (≥ {float(low)!r})"


# ---------------------------------------------------------------------------------------------
# The machinery itself
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(6))
def test_sigmoid_polynomials_match_mpmath_derivatives(k: int) -> None:
    # Oracle: mpmath.diff differentiates σ numerically at 50 digits; P_k(σ(z)) must agree, so the
    # recurrence the constants are built on is the true k-th derivative.
    with mpmath.workdps(50):
        for z in (mpmath.mpf(-3), mpmath.mpf("0.3"), mpmath.mpf(2)):
            s = 1 / (1 + mpmath.exp(-z))
            direct = mpmath.diff(lambda v: 1 / (1 + mpmath.exp(-v)), z, k)
            via_poly = sum(
                mpmath.mpf(c.numerator) / c.denominator * s**i
                for i, c in enumerate(SIGMOID_POLY[k])
            )
            assert abs(direct - via_poly) < mpmath.mpf(10) ** -40, (k, z, direct, via_poly)


def test_loss_curvature_polynomial_matches_seed_formula() -> None:
    # Source: proofs/03-curvature.md, T3.1: E''/x² = s²(1−s)² − (t − s)s(1−s)(1−2s), linear in t.
    for t in (Fraction(0), Fraction(1), Fraction(-3, 7)):
        s, one = _S, [Fraction(1)]
        slope = _mul(s, _add(one, _scale(s, Fraction(-1))))
        gap = _add([t], _scale(s, Fraction(-1)))
        bend = _add(one, _scale(s, Fraction(-2)))
        seed = _add(_mul(slope, slope), _scale(_mul(_mul(gap, slope), bend), Fraction(-1)))
        assert _loss_poly(2, t) == seed


def test_sup_enclosure_is_exact_on_known_polynomials() -> None:
    # s(1 − s) peaks at 1/4 (s = 1/2, a dyadic root found exactly); s²(1 − s) peaks at 4/27
    # (s = 2/3, never hit by bisection, so enclosed).
    assert _sup_abs(SIGMOID_POLY[1]) == (Fraction(1, 4), Fraction(1, 4))
    low, high = _sup_abs(LOSS_POLY_T0[1])
    assert low <= Fraction(4, 27) <= high
    assert high - low < Fraction(1, 2**100)


# ---------------------------------------------------------------------------------------------
# The constants
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", range(6))
def test_sigmoid_derivative_sup_is_the_rounded_up_supremum(k: int) -> None:
    # T2.4 (k = 0, 1), T2.5 (k = 2), T2.7 (k ≤ 5).
    low, high = _sup_abs(SIGMOID_POLY[k])
    _assert_rounded_up(SIGMOID_DERIVATIVE_SUP[k], low, high, f"sup|σ^({k})|")


@pytest.mark.parametrize("k", range(6))
@pytest.mark.parametrize("t", [0, 1])
def test_loss_derivative_sup_is_the_rounded_up_supremum(k: int, t: int) -> None:
    # T3.2 (k = 2), T3.4: the supremum over t ∈ [0, 1] is attained at both ends.
    low, high = _sup_abs(_loss_poly(k, Fraction(t)))
    _assert_rounded_up(LOSS_DERIVATIVE_SUP[k], low, high, f"sup|d^{k}E/dz^{k}| at t = {t}")


def test_sigmoid_second_derivative_sup_closed_form() -> None:
    # T2.5: max|σ''| = 1/(6√3); its square is 1/108, so compare squares exactly.
    value = SIGMOID_DERIVATIVE_SUP[2]
    assert Fraction(value) ** 2 >= Fraction(1, 108)
    assert Fraction(math.nextafter(value, 0.0)) ** 2 < Fraction(1, 108)


def test_loss_first_derivative_sup_closed_form() -> None:
    # T3.4, k = 1: s²(1 − s) is largest at s = 2/3, where it is 4/27.
    value = LOSS_DERIVATIVE_SUP[1]
    assert Fraction(value) >= Fraction(4, 27) > Fraction(math.nextafter(value, 0.0))


def _compare_with_surd(c: Fraction, a: Fraction, b: Fraction) -> int:
    """Sign of c − (a + b√33), exactly."""
    left, right_sign = c - a, (b > 0) - (b < 0)
    left_sign = (left > 0) - (left < 0)
    if left_sign != right_sign:
        return left_sign - right_sign if left_sign * right_sign == 0 else left_sign
    squares = left * left - 33 * b * b
    return left_sign * ((squares > 0) - (squares < 0))


def test_curvature_constant_closed_form() -> None:
    # T3.2: C = f(s1), f(s) = s²(1 − s)(2 − 3s) = 3s⁴ − 5s³ + 2s², s1 = (15 − √33)/24.
    # Computed in Q(√33): a pair (a, b) stands for a + b√33.
    def times(
        p: tuple[Fraction, Fraction], q: tuple[Fraction, Fraction]
    ) -> tuple[Fraction, Fraction]:
        return (p[0] * q[0] + 33 * p[1] * q[1], p[0] * q[1] + p[1] * q[0])

    s1 = (Fraction(15, 24), Fraction(-1, 24))
    s2 = times(s1, s1)
    s3 = times(s2, s1)
    s4 = times(s3, s1)
    a = 3 * s4[0] - 5 * s3[0] + 2 * s2[0]
    b = 3 * s4[1] - 5 * s3[1] + 2 * s2[1]
    assert _compare_with_surd(Fraction(CURVATURE_C), a, b) >= 0
    assert _compare_with_surd(Fraction(math.nextafter(CURVATURE_C, 0.0)), a, b) < 0
    # And the decimal value the design quotes, ≈ 0.07703 (mpmath at 50 digits).
    with mpmath.workdps(50):
        root = (15 - mpmath.sqrt(33)) / 24
        closed = root**2 * (1 - root) * (2 - 3 * root)
        assert 0 <= CURVATURE_C - closed < math.ulp(CURVATURE_C)
    assert round(CURVATURE_C, 5) == 0.07703


def test_curvature_constant_is_the_k2_loss_constant() -> None:
    assert LOSS_DERIVATIVE_SUP[2] == CURVATURE_C


# ---------------------------------------------------------------------------------------------
# The bounds as functions of t
# ---------------------------------------------------------------------------------------------

# Dyadic targets with |t| ≤ 2^20 and spacing 2^-24: the exact Sturm arithmetic costs grow with
# the bit size of t, so the extreme magnitudes (1e300, subnormals) are pinned with @example.
targets = st.integers(-(2**44), 2**44).map(lambda m: m * 2.0**-24)


@pytest.mark.parametrize("k", range(6))
@given(t=targets)
@example(t=0.0)
@example(t=1.0)
@example(t=0.5)
@example(t=-1.0)
@example(t=2.0)
@example(t=1.0 + 2.0**-52)
@example(t=-(2.0**-1074))
@example(t=1e300)
@example(t=-1.7976931348623157e308)
def test_loss_derivative_bound_holds(k: int, t: float) -> None:
    # T3.3/T3.4: K_k(t) ≥ sup over s ∈ [0, 1] of |d^k E/dz^k|, the exact supremum enclosed.
    _, high = _sup_abs(_loss_poly(k, Fraction(t)), bits=40)
    bound = loss_derivative_bound(k, t)
    assert bound == math.inf or Fraction(bound) >= high, (k, t, bound, float(high))


@pytest.mark.parametrize("k", range(1, 6))
@given(t=targets)
@example(t=0.5)
@example(t=3.0)
@example(t=-1e6)
def test_loss_derivative_bound_is_within_two_constants_of_exact(k: int, t: float) -> None:
    # T3.3: sup|A_k + t·B_k| ≥ dist(t, [0, 1])·sup|σ^(k)| − C_k, while the bound is
    # C_k + dist·sup|σ^(k)|: never more than 2·C_k (plus its rounding) above the truth.
    low, _ = _sup_abs(_loss_poly(k, Fraction(t)), bits=40)
    bound = loss_derivative_bound(k, t)
    slack = 2 * Fraction(LOSS_DERIVATIVE_SUP[k]) + Fraction(bound) * Fraction(1, 2**48)
    assert Fraction(bound) <= low + slack, (k, t, bound, float(low))


@given(t=st.floats(0.0, 1.0))
def test_curvature_bound_is_the_constant_on_unit_interval(t: float) -> None:
    # T3.2: for t ∈ [0, 1], sup|E''|/x² ≤ C, and the bound returns C itself.
    assert curvature_bound(t) == CURVATURE_C


@given(t=targets)
def test_curvature_bound_is_second_loss_derivative_bound(t: float) -> None:
    assert curvature_bound(t) == loss_derivative_bound(2, t)


def test_curvature_bound_grows_by_sup_sigma_second_derivative() -> None:
    # T3.3: slope 1/(6√3) = sup|σ''| beyond [0, 1]; at t = 2, C + 1/(6√3) ≈ 0.17325.
    expected = CURVATURE_C + SIGMOID_DERIVATIVE_SUP[2]
    assert expected <= curvature_bound(2.0) <= expected * (1 + 2.0**-48)
    assert curvature_bound(-1.0) == curvature_bound(2.0)


@pytest.mark.parametrize("k", range(6))
def test_loss_derivative_bound_is_elementwise(k: int) -> None:
    ts = np.array([[-2.5, 0.0, 0.25], [1.0, 7.0, -1e-300]])
    bounds = loss_derivative_bound(k, ts)
    assert isinstance(bounds, np.ndarray)
    assert bounds.shape == ts.shape
    assert bounds.tolist() == [[loss_derivative_bound(k, float(t)) for t in row] for row in ts]


def test_loss_derivative_bound_of_scalar_is_float() -> None:
    assert type(loss_derivative_bound(3, 0.5)) is float
    assert type(loss_derivative_bound(3, np.float64(0.5))) is float


@pytest.mark.parametrize("k", range(6))
def test_loss_derivative_bound_nonfinite_targets(k: int) -> None:
    # NaN propagates and an infinite target needs an infinite bound; the huge finite targets
    # (k = 0 overflows to inf there) must not raise a RuntimeWarning (filterwarnings = error).
    got = loss_derivative_bound(k, np.array([math.nan, math.inf, -math.inf, 1e300, -1e300]))
    assert math.isnan(got[0])
    assert got[1] == got[2] == math.inf
    assert got[3] == got[4] == loss_derivative_bound(k, 1e300) > 0


@pytest.mark.parametrize("k", [-1, 6, 2.0, True])
def test_loss_derivative_bound_rejects_bad_order(k: object) -> None:
    with pytest.raises(ValueError, match="k must be an integer from 0 to 5"):
        loss_derivative_bound(k, 0.5)  # type: ignore[call-overload]


@given(t=targets)
@example(t=0.5)
@example(t=0.0)
@example(t=1.0)
@example(t=-3.0)
@example(t=2.0**20)
def test_loss_bound_of_order_zero_is_the_exact_supremum_rounded_up(t: float) -> None:
    # k = 0: sup over s ∈ (0, 1) of ½(t − s)² is ½·max(|t|, |1 − t|)² (at an end of [0, 1]),
    # computed here in rational arithmetic; the bound is that value rounded up by at most the
    # 2^−50 of _ROUND_UP and the float64 roundings (2^−48 in all, as for k >= 1 above).
    exact = max(abs(Fraction(t)), abs(1 - Fraction(t))) ** 2 / 2
    bound = Fraction(loss_derivative_bound(0, t))
    assert exact <= bound <= exact * (1 + Fraction(1, 2**48)), (t, float(bound), float(exact))


@pytest.mark.parametrize("k", range(6))
def test_loss_derivative_bound_converts_targets_to_float64(k: int) -> None:
    # "t : float or ndarray": a float32 array is bounded at its values taken as float64, not
    # in float32 arithmetic (where 1 − t rounds differently and 1 + 2^−50 is 1)
    narrow = np.array([0.1, -2.7, 1.3, 7.1], dtype=np.float32)
    got = loss_derivative_bound(k, narrow)
    assert got.dtype == np.float64
    assert got.tolist() == [loss_derivative_bound(k, float(t)) for t in narrow]
