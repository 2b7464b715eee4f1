"""Finite differences: the error bound holds, is tight, and can fail.

Oracles: mpmath's interval arithmetic (libmpi, outward rounding at an explicit precision) for
exp, cos and the loss gradient; exact arithmetic for 3x². Every comparison with the truth is
made against the whole enclosing interval, rounding outward, so a pass is a proof.

Evaluation-error models (the ``f_error`` of each test function), by the standard model of
floating-point arithmetic (T6.1) and the accuracy of the C library's exp, sin, cos, sinh
(under 1 ulp, and 1 ulp ≤ 2u·|value| with u = 2^-53, outside the subnormals):

* math.exp, math.sin: one call, error < 1 ulp: 4u·|v| + 2^-1074 (a factor 2 to spare).
* x·x·x: two roundings, γ2 = 2u/(1 − 2u) relative, 2^-1073 absolute below the normals.
* cmath.exp and cmath.sin at x + ih: CPython forms the imaginary part as exp(x)·sin(h) and
  cos(x)·sinh(h), two library calls and one product: under 5u + O(u²) relative to Im v.
"""

from __future__ import annotations

import cmath
import math
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import cast

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from mpmath.libmp import (
    fone,
    from_float,
    mpf_le,
    mpf_lt,
    mpf_mul,
    mpf_sub,
    round_ceiling,
    round_floor,
)
from mpmath.libmp.libmpi import mpi_add, mpi_cos, mpi_div, mpi_exp, mpi_mul, mpi_neg, mpi_sub

from neuron.numerics.bounds import loss_derivative_bound
from neuron.numerics.fd import Estimate, central_difference, complex_step, richardson

U = 2.0**-53
MAX = sys.float_info.max
PREC = 200  # bits for the interval oracles
Mpf = tuple[int, int, int, int]  # mpmath's raw float; mpmath is untyped, hence the casts
Interval = tuple[Mpf, Mpf]
RealMethod = Callable[..., Estimate]
REAL_METHODS = [central_difference, richardson]


# ---------------------------------------------------------------------------------------------
# Oracles and comparisons
# ---------------------------------------------------------------------------------------------


def _point(v: float) -> Interval:
    m = from_float(v)
    return (m, m)


def _exp_truth(x: float) -> Interval:
    return cast(Interval, mpi_exp(_point(x), PREC))


def _cos_truth(x: float) -> Interval:
    return cast(Interval, mpi_cos(_point(x), PREC))


def _cube_slope_truth(x: float) -> Interval:
    return cast(Interval, mpi_mul(_point(3.0), mpi_mul(_point(x), _point(x), PREC), PREC))


def _loss_gradient_truth(w: float, x: float, t: float) -> Interval:
    """dE/dw = −(t − σ(z))·σ(z)·σ(−z)·x with z = w·x exactly (T1.4)."""
    one = (fone, fone)
    z = mpi_mul(_point(w), _point(x), PREC)
    s = mpi_div(one, mpi_add(one, mpi_exp(mpi_neg(z), PREC), PREC), PREC)
    s_neg = mpi_div(one, mpi_add(one, mpi_exp(z, PREC), PREC), PREC)
    gap = mpi_sub(_point(t), s, PREC)
    slope = mpi_mul(s, s_neg, PREC)
    return cast(Interval, mpi_neg(mpi_mul(mpi_mul(gap, slope, PREC), _point(x), PREC), PREC))


def _worst_distance(value: float, truth: Interval) -> Mpf:
    """An upper bound on |value − τ| over all τ in the interval."""
    v = from_float(value)
    above = mpf_sub(v, truth[0], 64, round_ceiling)
    below = mpf_sub(truth[1], v, 64, round_ceiling)
    return cast(Mpf, below if mpf_lt(above, below) else above)


def _assert_bound_holds(est: Estimate, truth: Interval, call: str) -> None:
    worst = _worst_distance(est.value, truth)
    assert mpf_le(worst, from_float(est.error_bound)), (
        f"{call}: |{est.value!r} − f'(x)| may reach {worst} > bound {est.error_bound!r}; {est}"
    )


def _assert_relative_bound_below(est: Estimate, truth: Interval, limit: float, call: str) -> None:
    # truth > 0 in these tests: bound ≤ limit·(lower end of the truth).
    allowed = mpf_mul(truth[0], from_float(limit), 64, round_floor)
    assert mpf_le(from_float(est.error_bound), allowed), (
        f"{call}: bound {est.error_bound!r} above {limit}·f'(x); {est}"
    )


def _round_up(q: Fraction) -> float:
    v = float(q)
    return math.nextafter(v, math.inf) if Fraction(v) < q else v


# ---------------------------------------------------------------------------------------------
# Test functions with their error models and derivative bounds
# ---------------------------------------------------------------------------------------------


def _library_error(v: float) -> float:
    return 4 * U * abs(v) + 2.0**-1074


def _imaginary_part_error(v: complex) -> float:
    return 6 * U * abs(v.imag) + 2.0**-1074


# The derivative bounds for exp hold on [x − 2^-7, x + 2^-7]: exp(x + 2^-7) with a margin of
# 2^-40 for the rounding of x + 2^-7 (ulp(x) ≤ 2^-43 for |x| ≤ 700) and of exp itself.
EXP_RADIUS = 2.0**-7


def _exp_bound(x: float) -> Callable[[int], float]:
    return lambda k: math.exp(x + EXP_RADIUS) * (1 + 2.0**-40)


def _cube(v: float) -> float:
    return v * v * v


def _cube_error(v: float) -> float:
    return 3 * U * abs(v) + 2.0**-1073


def _cube_bound(k: int) -> float:
    return {3: 6.0, 5: 0.0}[k]


def _loss64(w: float, x: float, t: float) -> float:
    """E(w) = ½(t − σ(w·x))² in float64, σ in the form that cannot overflow."""
    z = w * x
    if z >= 0:
        s = 1 / (1 + math.exp(-z))
    else:
        e = math.exp(z)
        s = e / (1 + e)
    r = t - s
    return 0.5 * (r * r)


# |s_c − σ(wx)| ≤ 6.01u·σ (exp, 1 + e and the division: (1 + 2u)(1 + u)/((1 − u)(1 − 2u)) − 1)
# + u·|z|·σ'(ζ) ≤ 0.225u (rounding of z = w·x; sup y·σ'(y) ≈ 0.2239) + 2^-1072 (subnormal e).
LOSS_SIGMA_ERROR = 6.3 * U + 2.0**-1072


def _loss_error(v: float) -> float:
    """Bound on |E_c − E| for the computed value v = E_c of _loss64 (any t)."""
    r = math.sqrt((2 * v + 2.0**-1073) * (1 + 2 * U))  # ≥ |r_c|, r_c = fl(t − s_c)
    gap_error = LOSS_SIGMA_ERROR + 1.01 * U * r  # |r_c − (t − σ)|
    # ½|r_c² − r²| ≤ ½Δr(2|r_c| + Δr); the square and the halving add ½u·r_c² and underflow.
    total = 0.5 * gap_error * (2 * r + gap_error) + 0.5 * U * r * r + 2.0**-1074
    return total * (1 + 2.0**-40)


def _loss_bound(x: float, t: float) -> Callable[[int], float]:
    # T3.4: |d^k E/dw^k| ≤ K_k(t)·|x|^k for every w.
    return lambda k: _round_up(Fraction(loss_derivative_bound(k, t)) * Fraction(abs(x)) ** k)


# ---------------------------------------------------------------------------------------------
# The bound holds
# ---------------------------------------------------------------------------------------------

exp_points = st.floats(-700.0, 700.0)


@pytest.mark.parametrize("method", REAL_METHODS)
@given(x=exp_points)
@example(x=0.0)
@example(x=1e-300)
@example(x=-(2.0**-1074))
@example(x=2.0 - 2.0**-52)
@example(x=-700.0)
def test_bound_holds_for_exp(method: RealMethod, x: float) -> None:
    est = method(math.exp, x, derivative_bound=_exp_bound(x), f_error=_library_error)
    assert est.radius <= EXP_RADIUS
    _assert_bound_holds(est, _exp_truth(x), f"{method.__name__}(exp, {x!r})")


@given(x=exp_points)
@example(x=0.0)
@example(x=-700.0)
def test_complex_step_bound_holds_for_exp(x: float) -> None:
    # |exp'''(x + iy)| = e^x on the whole segment.
    bound = math.exp(x) * (1 + 2.0**-40)
    est = complex_step(
        cmath.exp, x, derivative_bound=lambda k: bound, f_error=_imaginary_part_error
    )
    _assert_bound_holds(est, _exp_truth(x), f"complex_step(exp, {x!r})")


sin_points = st.floats(-1e6, 1e6)


@pytest.mark.parametrize("method", REAL_METHODS)
@given(x=sin_points)
@example(x=0.0)
@example(x=math.pi / 2)
@example(x=1e-200)
def test_bound_holds_for_sin(method: RealMethod, x: float) -> None:
    est = method(math.sin, x, derivative_bound=lambda k: 1.0, f_error=_library_error)
    _assert_bound_holds(est, _cos_truth(x), f"{method.__name__}(sin, {x!r})")


@given(x=sin_points)
@example(x=0.0)
@example(x=math.pi / 2)
def test_complex_step_bound_holds_for_sin(x: float) -> None:
    # |sin'''(x + iy)| = |cos(x + iy)| ≤ cosh(y) ≤ 1 + y² ≤ 1 + 2^-40 for |y| ≤ 2^-20.
    est = complex_step(
        cmath.sin, x, derivative_bound=lambda k: 1 + 2.0**-40, f_error=_imaginary_part_error
    )
    assert est.step <= 2.0**-20
    _assert_bound_holds(est, _cos_truth(x), f"complex_step(sin, {x!r})")


cube_points = st.floats(-1e100, 1e100)


@pytest.mark.parametrize("method", REAL_METHODS)
@given(x=cube_points)
@example(x=0.0)
@example(x=1e-300)
@example(x=3.0)
def test_bound_holds_for_cube(method: RealMethod, x: float) -> None:
    # f''' = 6 and f^(5) = 0 everywhere: Richardson has no truncation error at all.
    est = method(_cube, x, derivative_bound=_cube_bound, f_error=_cube_error)
    _assert_bound_holds(est, _cube_slope_truth(x), f"{method.__name__}(x³, {x!r})")


@given(x=cube_points)
@example(x=0.0)
@example(x=1.0)
def test_complex_step_bound_holds_for_cube(x: float) -> None:
    # Im (z·z)·z for z = x + ih: products re·h and im·x of z² = (x² − h²) + i·2xh, each term and
    # the sum rounded, z²'s own errors carried: under 6γ2·(x² + h²)·h (+ underflow).
    h = 2.0**-30 * max(abs(x), 2.0**-500)

    def error(v: complex) -> float:
        return 12.1 * U * (x * x + h * h) * h + 2.0**-1070

    est = complex_step(
        lambda z: z * z * z, x, derivative_bound=lambda k: 6.0, f_error=error, step=h
    )
    assert est.step == h
    _assert_bound_holds(est, _cube_slope_truth(x), f"complex_step(x³, {x!r})")


loss_weights = st.floats(-1e4, 1e4)
loss_targets = st.floats(-1.0, 2.0)


@pytest.mark.parametrize("method", REAL_METHODS)
@given(w=loss_weights, x=loss_weights, t=loss_targets)
@example(w=0.0, x=1.0, t=1.0)
@example(w=1.5, x=2.0, t=0.3)
@example(w=1.0, x=0.0, t=0.5)
@example(w=-1.0, x=750.0, t=0.0)
@example(w=1e-3, x=1e4, t=0.9)
def test_bound_holds_for_loss(method: RealMethod, w: float, x: float, t: float) -> None:
    est = method(
        lambda v: _loss64(v, x, t), w, derivative_bound=_loss_bound(x, t), f_error=_loss_error
    )
    _assert_bound_holds(est, _loss_gradient_truth(w, x, t), f"{method.__name__}(E, {w!r})")


# ---------------------------------------------------------------------------------------------
# The bound is tight, and the check can fail
# ---------------------------------------------------------------------------------------------

moderate = st.floats(-10.0, 10.0)

# exp on [−10, 10], ε = 4u·e^x per evaluation, M3 = M5 ≈ e^x (1.008 e^x, the 2^-7 margin):
# T5.1: at h* = (3ε/M3)^(1/3) the bound is (3/2)·ε/h* ≈ 6.1e-11·e^x;
# T5.2: at h* = (45ε/(4·M5))^(1/5) it is (15/8)·ε/h* ≈ 6.0e-13·e^x;
# T5.3: truncation negligible, rounding ε_Im/h + ½ ulp ≈ (6 + 1)u ≈ 7.8e-16 relative.
TIGHTNESS = {"central_difference": 1e-10, "richardson": 1e-12}


@pytest.mark.parametrize("method", REAL_METHODS)
@given(x=moderate)
def test_bound_is_tight_for_exp(method: RealMethod, x: float) -> None:
    est = method(math.exp, x, derivative_bound=_exp_bound(x), f_error=_library_error)
    limit = TIGHTNESS[method.__name__]
    _assert_relative_bound_below(est, _exp_truth(x), limit, f"{method.__name__}(exp, {x!r})")


@given(x=moderate)
def test_complex_step_bound_is_tight_for_exp(x: float) -> None:
    bound = math.exp(x) * (1 + 2.0**-40)
    est = complex_step(
        cmath.exp, x, derivative_bound=lambda k: bound, f_error=_imaginary_part_error
    )
    _assert_relative_bound_below(est, _exp_truth(x), 1e-15, f"complex_step(exp, {x!r})")


def _distance_to_wrong(value: float, truth: Interval) -> Mpf:
    """A lower bound on |value − τ·(1 + 1e-6)| over τ in the interval (truth > 0)."""
    scale = _point(1 + 1e-6)
    wrong = mpi_mul(truth, scale, PREC)
    v = from_float(value)
    if mpf_lt(v, wrong[0]):
        return cast(Mpf, mpf_sub(wrong[0], v, 64, round_floor))
    return cast(
        Mpf, mpf_sub(v, wrong[1], 64, round_floor)
    )  # negative if inside: the assertion fails


@pytest.mark.parametrize("method", [*REAL_METHODS, complex_step])
@given(x=moderate)
def test_wrong_derivative_is_outside_bound(method: RealMethod, x: float) -> None:
    # A derivative off by a relative 1e-6 must be rejected by every method's own bound.
    if method is complex_step:
        bound = math.exp(x) * (1 + 2.0**-40)
        est = method(cmath.exp, x, derivative_bound=lambda k: bound, f_error=_imaginary_part_error)
    else:
        est = method(math.exp, x, derivative_bound=_exp_bound(x), f_error=_library_error)
    gap = _distance_to_wrong(est.value, _exp_truth(x))
    assert mpf_lt(from_float(est.error_bound), gap), (method.__name__, x, est)


# ---------------------------------------------------------------------------------------------
# The parts of the bound are the theorems' terms
# ---------------------------------------------------------------------------------------------


def _recorded_values(
    method: RealMethod, x: float, step: float | None = None
) -> tuple[Estimate, dict[Fraction, float]]:
    """Run method on math.exp at x; return the estimate and f's value at each offset."""
    values: dict[Fraction, float] = {}

    def f(v: float) -> float:
        values[Fraction(v) - Fraction(x)] = math.exp(v)
        return values[Fraction(v) - Fraction(x)]

    est = method(f, x, derivative_bound=_exp_bound(x), f_error=_library_error, step=step)
    return est, values


@given(x=st.floats(1.0, 1.5))
def test_central_parts_follow_t5_1(x: float) -> None:
    # Symmetric exact nodes (|x| ≥ h): truncation = h²M3/6; rounding = (e+ + e−)/(2h) plus the
    # one rounding of (f(x + h) − f(x − h))/(2h), measured exactly.
    est, values = _recorded_values(central_difference, x)
    h, m3 = Fraction(est.step), Fraction(_exp_bound(x)(3))
    plus, minus = values[h], values[-h]
    quotient = (Fraction(plus) - Fraction(minus)) / (2 * h)
    propagated = (Fraction(_library_error(plus)) + Fraction(_library_error(minus))) / (2 * h)
    assert est.truncation == _round_up(h * h * m3 / 6)
    assert est.rounding == _round_up(propagated + abs(Fraction(est.value) - quotient))
    assert est.value == float(quotient)


@given(x=st.floats(1.0, 1.5))
def test_richardson_parts_follow_t5_2(x: float) -> None:
    # h = 2^-9: the nodes x ± h, x ± 2h are multiples of ulp(x) inside (0.99, 1.51), all exact.
    # (8f(x + h) − 8f(x − h) − f(x + 2h) + f(x − 2h))/(12h), truncation h⁴M5/30, rounding
    # Σ|c_i|·e_i plus the final rounding.
    est, values = _recorded_values(richardson, x, step=2.0**-9)
    assert est.step == 2.0**-9
    h, m5 = Fraction(est.step), Fraction(_exp_bound(x)(5))
    weights = {h: 8 / (12 * h), -h: -8 / (12 * h), 2 * h: -1 / (12 * h), -2 * h: 1 / (12 * h)}
    assert set(weights) <= set(values)
    combination = sum((c * Fraction(values[d]) for d, c in weights.items()), Fraction(0))
    propagated = sum(
        (abs(c) * Fraction(_library_error(values[d])) for d, c in weights.items()), Fraction(0)
    )
    assert est.truncation == _round_up(h**4 * m5 / 30)
    assert est.rounding == _round_up(propagated + abs(Fraction(est.value) - combination))
    assert est.value == float(combination)


@given(x=moderate)
def test_complex_step_parts_follow_t5_3(x: float) -> None:
    # Truncation h²M3/6; rounding e/h for the error e of Im f(x + ih), plus the rounding of
    # Im f/h (none: h is a power of two).
    bound = math.exp(x) * (1 + 2.0**-40)
    est = complex_step(
        cmath.exp, x, derivative_bound=lambda k: bound, f_error=_imaginary_part_error
    )
    h = Fraction(est.step)
    v = cmath.exp(complex(x, est.step))
    assert est.truncation == _round_up(h * h * Fraction(bound) / 6)
    assert est.rounding == _round_up(Fraction(_imaginary_part_error(v)) / h)
    assert Fraction(est.value) == Fraction(v.imag) / h


# ---------------------------------------------------------------------------------------------
# Steps and nodes
# ---------------------------------------------------------------------------------------------


def _recording(f: Callable[[float], float]) -> tuple[Callable[[float], float], list[float]]:
    points: list[float] = []

    def recorded(v: float) -> float:
        points.append(v)
        return f(v)

    return recorded, points


@given(x=st.floats(1e-3, 1e300) | st.floats(-1e300, -1e-3))
@example(x=2.0 - 2.0**-52)
@example(x=1.0)
def test_central_nodes_are_exactly_x_plus_minus_step(x: float) -> None:
    # |x| ≥ h: the offsets are exactly ±h (Sterbenz), so no error hides in forming x ± h.
    f, points = _recording(lambda v: 0.0)
    est = central_difference(f, x, derivative_bound=lambda k: 1.0, f_error=lambda v: 1e-16)
    offsets = sorted(Fraction(p) - Fraction(x) for p in points if p != x)
    assert offsets == [-Fraction(est.step), Fraction(est.step)]


@given(x=st.floats(1e-2, 1e300) | st.floats(-1e300, -1e-2))
@example(x=2.0 - 2.0**-52)
def test_richardson_outer_nodes_are_exactly_x_plus_minus_two_steps(x: float) -> None:
    f, points = _recording(lambda v: 0.0)
    est = richardson(f, x, derivative_bound=lambda k: 1.0, f_error=lambda v: 1e-16)
    offsets = sorted(Fraction(p) - Fraction(x) for p in points if p != x)
    assert offsets[0] == -2 * Fraction(est.step)
    assert offsets[-1] == 2 * Fraction(est.step)


def test_richardson_uses_uneven_nodes_when_float64_forces_them() -> None:
    # Just below 2, x + h and x + 2h cannot both be floats at the exact offsets; the weights
    # then come from the nodes actually used, and the bound still holds.
    x = 2.0 - 2.0**-52
    f, points = _recording(math.exp)
    est = richardson(f, x, derivative_bound=_exp_bound(x), f_error=_library_error)
    offsets = {Fraction(p) - Fraction(x) for p in points}
    assert offsets != {Fraction(k) * Fraction(est.step) for k in (-2, -1, 0, 1, 2)} - {0}
    _assert_bound_holds(est, _exp_truth(x), "richardson(exp, 2 − 2^-52)")


def test_tiny_x_uses_the_centre_and_holds() -> None:
    # |x| far below the step: x ± h round, the nodes are uneven and f(x) gets a weight.
    x = 1e-300
    f, points = _recording(math.exp)
    est = central_difference(f, x, derivative_bound=_exp_bound(x), f_error=_library_error, step=0.1)
    assert x in points
    _assert_bound_holds(est, _exp_truth(x), "central_difference(exp, 1e-300, step=0.1)")


@pytest.mark.parametrize("method", REAL_METHODS)
def test_default_step_is_optimal_for_exp(method: RealMethod) -> None:
    # T5.1: h* = (3ε/M3)^(1/3); T5.2: h* = (45ε/(4·M5))^(1/5); ε = 4u·e^0 + 2^-1074, M = e^(2^-7).
    eps, m = _library_error(1.0), _exp_bound(0.0)(3)
    expected = (
        (3 * eps / m) ** (1 / 3)
        if method is central_difference
        else (45 * eps / (4 * m)) ** (1 / 5)
    )
    est = method(math.exp, 0.0, derivative_bound=_exp_bound(0.0), f_error=_library_error)
    assert est.step == pytest.approx(expected, rel=1e-12)


def test_complex_step_default_is_a_power_of_two() -> None:
    est = complex_step(
        cmath.exp, 3.0, derivative_bound=lambda k: 25.0, f_error=_imaginary_part_error
    )
    assert est.step == 2.0 ** math.frexp(est.step)[1] / 2
    # h²·M3/6 ≤ 2^-100·M1 (T5.3).
    assert est.step**2 * 25.0 / 6 <= 2.0**-100 * 25.0


def test_complex_step_keeps_imaginary_part_out_of_subnormals() -> None:
    # e^-700 ≈ 1e-304: the step of the 2^-100 target would put h·f' among the subnormals, so
    # h balances h²M3/6 against 2^-1074/h; the bound stays near 1e-13 relative.
    x = -700.0
    bound = math.exp(x) * (1 + 2.0**-40)
    est = complex_step(
        cmath.exp, x, derivative_bound=lambda k: bound, f_error=_imaginary_part_error
    )
    assert est.step > 2.0**-40
    _assert_relative_bound_below(est, _exp_truth(x), 1e-12, "complex_step(exp, -700)")


# ---------------------------------------------------------------------------------------------
# Degenerate bounds and extreme inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", REAL_METHODS)
@pytest.mark.parametrize("x", [0.0, 5.0, -1e10])
def test_zero_derivative_bound_takes_capped_step(method: RealMethod, x: float) -> None:
    # A line: no truncation, so the step is the largest allowed, max(|x|, 1)/16.
    est = method(lambda v: 3.0 * v + 1.0, x, derivative_bound=lambda k: 0.0, f_error=_library_error)
    assert est.truncation == 0.0
    assert est.step <= max(abs(x), 1.0) / 16 * (1 + 2.0**-50)
    assert abs(est.value - 3.0) <= est.error_bound < 1e-12


def test_complex_step_with_zero_third_derivative_takes_capped_step() -> None:
    est = complex_step(
        lambda z: 3 * z + 1,
        8.0,
        derivative_bound=lambda k: 0.0 if k == 3 else 3.0,
        f_error=_imaginary_part_error,
    )
    assert est.step == 2.0**-17  # 2^-20·max(|x|, 1), a power of two
    assert est.value == 3.0
    assert est.truncation == 0.0


@pytest.mark.parametrize(
    ("m1", "m3", "step"),
    [(0.0, 1.0, 2.0**-1022), (math.inf, 1.0, 2.0**-20), (1.0, math.inf, 2.0**-1022)],
)
def test_complex_step_extreme_bounds(m1: float, m3: float, step: float) -> None:
    est = complex_step(
        cmath.exp,
        0.0,
        derivative_bound=lambda k: m1 if k == 1 else m3,
        f_error=_imaginary_part_error,
    )
    assert est.step == step
    assert (est.error_bound == math.inf) == (m3 == math.inf)


@pytest.mark.parametrize("method", REAL_METHODS)
@pytest.mark.parametrize("x", [MAX, -MAX, math.nextafter(MAX, 0.0)])
def test_no_room_for_nodes_near_the_largest_float(method: RealMethod, x: float) -> None:
    est = method(math.sin, x, derivative_bound=lambda k: 1.0, f_error=_library_error)
    assert math.isnan(est.value)
    assert est.error_bound == math.inf


@pytest.mark.parametrize("method", REAL_METHODS)
def test_huge_x_gives_a_valid_if_useless_bound(method: RealMethod) -> None:
    # ulp(1e300) ≈ 1e284: the step cannot be small, and the bound says so (inf), without a
    # RuntimeWarning.
    est = method(math.sin, 1e300, derivative_bound=lambda k: 1.0, f_error=_library_error)
    assert est.error_bound == math.inf
    assert est.truncation == math.inf


@pytest.mark.parametrize("method", REAL_METHODS)
def test_infinite_value_of_f_gives_infinite_bound(method: RealMethod) -> None:
    est = method(
        lambda v: math.inf if v > 0 else 0.0,
        0.0,
        derivative_bound=lambda k: 1.0,
        f_error=_library_error,
    )
    assert math.isnan(est.value)
    assert est.error_bound == math.inf


@pytest.mark.parametrize("method", REAL_METHODS)
def test_infinite_value_at_x_widens_the_step(method: RealMethod) -> None:
    # f(x) itself is not finite: ε = inf, the step goes to its cap; the symmetric nodes do not
    # need f(x), so an estimate still comes out.
    est = method(
        lambda v: math.inf if v == 0 else v,
        0.0,
        derivative_bound=lambda k: 1.0,
        f_error=_library_error,
    )
    assert est.step == 1 / 16
    assert est.value == 1.0


@pytest.mark.parametrize("method", REAL_METHODS)
def test_overflowing_difference_quotient(method: RealMethod) -> None:
    est = method(
        lambda v: MAX if v > 0 else -MAX,
        0.0,
        derivative_bound=lambda k: 0.0,
        f_error=lambda v: 0.0,
        step=1e-300,
    )
    assert est.value == math.inf
    assert est.error_bound == math.inf


def test_complex_step_overflowing_quotient() -> None:
    est = complex_step(
        lambda z: complex(0.0, MAX),
        0.0,
        derivative_bound=lambda k: 0.0,
        f_error=lambda v: 0.0,
        step=1e-300,
    )
    assert est.value == math.inf
    assert est.error_bound == math.inf


def test_complex_step_non_finite_value() -> None:
    est = complex_step(
        lambda z: complex(0.0, math.nan),
        0.0,
        derivative_bound=lambda k: 1.0,
        f_error=lambda v: 0.0,
    )
    assert math.isnan(est.value)
    assert est.error_bound == math.inf


@pytest.mark.parametrize("method", REAL_METHODS)
def test_infinite_derivative_bound_gives_infinite_truncation(method: RealMethod) -> None:
    est = method(math.exp, 1.0, derivative_bound=lambda k: math.inf, f_error=_library_error)
    assert est.truncation == math.inf
    assert est.error_bound == math.inf
    assert math.isfinite(est.value)


@pytest.mark.parametrize("method", REAL_METHODS)
def test_exact_function_still_separates_nodes(method: RealMethod) -> None:
    # f(v) = 2v is exact in float64, so f_error = 0 and the optimal step is 0; the step is
    # clamped to 4 ulp(x), which keeps the nodes apart, and the estimate is exact.
    est = method(lambda v: 2.0 * v, 1.0, derivative_bound=lambda k: 1.0, f_error=lambda v: 0.0)
    assert est.step == 4 * math.ulp(1.0)
    assert est.value == 2.0
    assert est.rounding == 0.0


def test_huge_rounding_part_is_infinite() -> None:
    est = central_difference(
        math.sin, 0.0, derivative_bound=lambda k: 1.0, f_error=lambda v: MAX, step=0.25
    )
    assert est.rounding == math.inf
    assert est.error_bound == math.inf


@pytest.mark.parametrize("method", REAL_METHODS)
def test_numpy_scalar_results_are_accepted(method: RealMethod) -> None:
    est = method(np.exp, 0.5, derivative_bound=_exp_bound(0.5), f_error=_library_error)
    assert type(est.value) is float
    _assert_bound_holds(est, _exp_truth(0.5), f"{method.__name__}(numpy.exp, 0.5)")


@given(x=moderate)
def test_error_bound_covers_its_parts(x: float) -> None:
    est = richardson(math.exp, x, derivative_bound=_exp_bound(x), f_error=_library_error)
    assert Fraction(est.error_bound) >= Fraction(est.truncation) + Fraction(est.rounding)
    assert est.error_bound <= math.nextafter(est.truncation + est.rounding, math.inf)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------

ALL_METHODS = [*REAL_METHODS, complex_step]


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_non_finite_x_is_refused(method: RealMethod, x: float) -> None:
    with pytest.raises(ValueError, match="x must be finite"):
        method(math.exp, x, derivative_bound=lambda k: 1.0, f_error=_library_error)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_non_numeric_x_is_refused(method: RealMethod) -> None:
    with pytest.raises(TypeError, match="x must be a real number, got str"):
        method(math.exp, "1.0", derivative_bound=lambda k: 1.0, f_error=_library_error)


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("step", [0.0, -1.0, math.nan, math.inf])
def test_bad_step_is_refused(method: RealMethod, step: float) -> None:
    with pytest.raises(ValueError, match="step must be finite and positive"):
        method(math.exp, 1.0, derivative_bound=lambda k: 1.0, f_error=_library_error, step=step)


@pytest.mark.parametrize("method", REAL_METHODS)
def test_step_too_small_to_separate_nodes(method: RealMethod) -> None:
    with pytest.raises(ValueError, match="too small to separate the nodes"):
        method(math.exp, 1.0, derivative_bound=lambda k: 3.0, f_error=_library_error, step=1e-20)


@pytest.mark.parametrize("method", REAL_METHODS)
def test_step_beyond_float_range(method: RealMethod) -> None:
    with pytest.raises(ValueError, match="beyond the float64 range"):
        method(math.sin, 1e308, derivative_bound=lambda k: 1.0, f_error=_library_error, step=1e308)


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_bad_derivative_bound_is_refused(method: RealMethod, bad: float) -> None:
    with pytest.raises(ValueError, match=r"derivative_bound\(\d\) must return a bound >= 0"):
        method(math.exp, 1.0, derivative_bound=lambda k: bad, f_error=_library_error)


@pytest.mark.parametrize("method", REAL_METHODS)
def test_bad_f_error_is_refused(method: RealMethod) -> None:
    with pytest.raises(ValueError, match="f_error must return a bound >= 0"):
        method(math.exp, 1.0, derivative_bound=lambda k: 3.0, f_error=lambda v: math.nan)


def test_bad_f_error_is_refused_by_complex_step() -> None:
    with pytest.raises(ValueError, match="f_error must return a bound >= 0"):
        complex_step(cmath.exp, 1.0, derivative_bound=lambda k: 3.0, f_error=lambda v: -1.0)


def test_complex_step_overflowing_quotient_keeps_its_truncation() -> None:
    # Im f/h overflows, so nothing bounds the rounding, but the Taylor part is still T5.3's
    # M3·h²/6: with M3 = 6 and h = 2^−500 exactly 2^−1000
    est = complex_step(
        lambda z: complex(0.0, MAX),
        0.0,
        derivative_bound=lambda k: 6.0,
        f_error=lambda v: 0.0,
        step=2.0**-500,
    )
    assert est.value == math.inf
    assert est.error_bound == math.inf
    assert est.truncation == 2.0**-1000
    assert est.radius == 2.0**-500  # the node x + ih is h from x


def test_complex_step_names_the_derivative_bound_it_refuses() -> None:
    # with no step given the size of f' is asked for too: a bad derivative_bound(1) is named
    with pytest.raises(ValueError, match=r"derivative_bound\(1\) must return a bound >= 0"):
        complex_step(
            cmath.exp,
            1.0,
            derivative_bound=lambda k: -1.0 if k == 1 else 3.0,
            f_error=_imaginary_part_error,
        )


@pytest.mark.parametrize("method", REAL_METHODS)
def test_nan_value_of_f_gives_a_nan_estimate_without_asking_f_error(method: RealMethod) -> None:
    # f_error is only asked about finite values: at a NaN node the estimate is NaN with an
    # infinite bound, even for an f_error that would itself return NaN there
    est = method(
        lambda v: math.nan if v > 0 else 0.0,
        0.0,
        derivative_bound=lambda k: 1.0,
        f_error=lambda v: 2.0**-53 * abs(v),
    )
    assert math.isnan(est.value)
    assert est.error_bound == math.inf
