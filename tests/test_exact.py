"""The mpmath oracle: rigorous, correctly rounded, and independent of the chain-rule formula."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from neuron import exact
from neuron.gate.strategies import HARD_Z, finite_floats, neuron_inputs, z_values

HIGH = 1200  # bits for the independent evaluations below (T6.3: enough unless a value lies
# within 2^-1100 of a rounding boundary, which no float64 input has been seen to do)


def _round(v: mpmath.mpf) -> float:
    """Round an mpmath number with CPython's correctly rounded Fraction conversion."""
    sign, man, exp, _ = v._mpf_
    try:
        return float((-1) ** sign * Fraction(man) * Fraction(2) ** exp) if man else 0.0
    except OverflowError:
        return math.copysign(math.inf, v)


def _sigmoid_high(z: float) -> mpmath.mpf:
    """σ(z) with plain mpmath arithmetic (not the oracle's interval code)."""
    with mpmath.workprec(HIGH):
        return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


@given(z_values())
@example(0.0)
@example(-745.1332191019411)
def test_sigmoid_is_correctly_rounded(z: float) -> None:
    assume(abs(z) < 1e6)  # mpmath's plain exp at 1200 bits gets slow far out; tails below
    assert exact.sigmoid(z) == _round(_sigmoid_high(z))


@given(z_values())
def test_sigmoid_prime_is_correctly_rounded(z: float) -> None:
    assume(abs(z) < 1e6)
    with mpmath.workprec(HIGH):
        s = _sigmoid_high(z)
        complement = 1 / (1 + mpmath.exp(mpmath.mpf(z)))
        assert exact.sigmoid_prime(z) == _round(s * complement)  # σ(z)σ(−z), T1.2


def test_far_tails() -> None:
    # σ(−z) < e^−z < 2^−1075 for z > 746: rounds to 0; σ(z) > 1 − 2^−54 rounds to 1 (T2.4)
    assert exact.sigmoid([-1e300, -800.0, 800.0, 1e300]).tolist() == [0.0, 0.0, 1.0, 1.0]
    assert exact.sigmoid_prime([-1e300, 1e300]).tolist() == [0.0, 0.0]


@given(neuron_inputs())
@example((1e-300, 1e300, 1.0))
@example((0.0, 3.0, 0.25))
@example((3.0, 0.0, 0.25))
def test_gradient_and_forward_are_correctly_rounded(args: tuple[float, float, float]) -> None:
    w, x, t = args
    assume(all(math.isfinite(a) for a in args) and abs(w * x) < 3000)
    with mpmath.workprec(HIGH + 6000):  # t − σ(z) may cancel deeply when t ≈ σ(z)
        z = mpmath.mpf(w) * mpmath.mpf(x)
        s = 1 / (1 + mpmath.exp(-z))
        complement = 1 / (1 + mpmath.exp(z))
        g = -(mpmath.mpf(t) - s) * s * complement * mpmath.mpf(x)
        assert exact.forward(w, x) == _round(s)
        assert exact.gradient(w, x, t) == _round(g)


@given(finite_floats(), finite_floats())
def test_loss_is_exact(y: float, t: float) -> None:
    expected = Fraction(t) - Fraction(y)
    try:
        value = float(expected * expected / 2)
    except OverflowError:
        value = math.inf
    assert exact.loss(y, t) == value


def test_dyadic_values_at_zero() -> None:
    # z = 0: σ = ½, σ' = ¼, dE/dw = (½ − t)·¼·x, all exact (T2.4)
    assert exact.sigmoid(0.0) == 0.5
    assert exact.sigmoid_prime(0.0) == 0.25
    assert exact.gradient(0.0, 3.0, 0.25) == 0.1875
    assert exact.step(0.0, 3.0, 0.25, 2.0) == -0.375
    assert exact.objective(5.0, 0.0, 1.0) == 0.125


def test_enclosure_contains_the_value() -> None:
    low, high = exact.enclose("sigmoid", 1.0, precision=80)
    with mpmath.workprec(200):
        value = 1 / (1 + mpmath.exp(-1))
        assert low <= value <= high
        assert high - low < mpmath.ldexp(1, -70)


def test_enclosure_of_dyadic_values_is_a_point() -> None:
    low, high = exact.enclose("loss", 0.25, 1.0)
    assert low == high == mpmath.mpf(9) / 32
    low, high = exact.enclose("gradient", 0.0, 2.0, 1.0)
    assert low == high == -0.25


def test_nonfinite_limits() -> None:
    inf, nan = math.inf, math.nan
    assert exact.sigmoid([inf, -inf]).tolist() == [1.0, 0.0]
    assert exact.sigmoid_prime(inf) == 0.0
    assert math.isnan(exact.forward(inf, 0.0))  # 0·∞ has no value
    assert exact.forward(-inf, 2.0) == 0.0
    assert exact.gradient(inf, 1.0, 0.5) == 0.0  # σ'(z)·x → 0
    assert exact.gradient(1.0, inf, 0.5) == 0.0
    assert math.isnan(exact.gradient(inf, 1.0, inf))
    assert exact.gradient(1.0, 2.0, inf) == -inf
    assert exact.gradient(1.0, 0.0, -inf) == 0.0
    assert exact.step(1.0, 2.0, inf, 0.5) == inf
    assert exact.objective(1.0, 2.0, inf) == inf
    assert exact.objective(inf, 2.0, 0.25) == 0.5 * 0.75**2
    assert math.isnan(exact.objective(inf, 0.0, 0.25))
    assert math.isnan(exact.objective(1.0, 2.0, nan))
    assert exact.loss(inf, 1.0) == inf
    assert math.isnan(exact.sigmoid(nan))


def test_values_broadcast() -> None:
    v = exact.values("forward", [[1.0], [2.0]], [0.0, 1.0, -1.0])
    assert v.rounded.shape == (2, 3)
    assert v.rounded[0, 0] == 0.5


def test_bad_names_and_arity() -> None:
    with pytest.raises(ValueError, match="unknown function"):
        exact.values("tanh", 1.0)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        exact.values("gradient", 1.0, 2.0)


def test_undecidable_rounding_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exact, "MAX_PRECISION", 32)
    with pytest.raises(exact.OracleError, match="cannot round"):
        exact.sigmoid(1.0)
    with pytest.raises(exact.OracleError, match="did not settle"):
        exact.differentiated_gradient(1.0, 2.0, 0.5)


@given(neuron_inputs())
@example((0.5, 2.0, 0.25))
@example((1e-300, 1e300, 1.0))
@example((-0.25, 2800.0, 0.0))
def test_differentiation_agrees_with_the_chain_rule(args: tuple[float, float, float]) -> None:
    # T1.4 checked against mpmath's numerical differentiation of E(w), which never uses it;
    # both are accurate to 2^-64 relative, so they must agree to 2^-62.
    w, x, t = args
    assume(all(math.isfinite(a) for a in args) and abs(w * x) <= 700 and abs(t) < 1e150)
    numeric = exact.differentiated_gradient(w, x, t)
    chain = exact.value("gradient", w, x, t, bits=80)
    with mpmath.workprec(100):
        assert abs(numeric - chain) <= abs(chain) * mpmath.ldexp(1, -62)


def test_value_of_an_exact_zero_and_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert exact.value("gradient", 0.0, 1.0, 0.5) == 0  # z = 0, t = ½: exactly zero
    monkeypatch.setattr(exact, "MAX_PRECISION", 64)
    with pytest.raises(exact.OracleError, match="relative accuracy"):
        exact.value("gradient", 1.0, 2.1000692898970282e-160, 0.5)


def test_differentiation_at_x_zero() -> None:
    assert exact.differentiated_gradient(1.0, 0.0, 0.5) == 0


def test_hard_z_values_round_consistently() -> None:
    # Each pinned hard z: the correctly rounded σ lies in [0, 1] and σ' in [0, 1/4] (T2.4).
    s = exact.sigmoid(np.array(HARD_Z))
    slope = exact.sigmoid_prime(np.array(HARD_Z))
    assert np.all((s >= 0) & (s <= 1))
    assert np.all((slope >= 0) & (slope <= 0.25))


@given(st.floats(-50, 50), st.floats(-1, 2))
def test_objective_is_correctly_rounded(w: float, t: float) -> None:
    with mpmath.workprec(HIGH):
        expected = (mpmath.mpf(t) - _sigmoid_high(w)) ** 2 / 2
    assert exact.objective(w, 1.0, t) == _round(expected)


# The intermediates of the chain rule, for `neuron explain`: z = w·x, dy/dz = σ'(w·x) and
# dE/dy = σ(w·x) − t (T1.1, T1.2), each of the exact product w·x.


def _rounded(name: str, *args: float) -> float:
    return float(exact.values(name, *args).rounded)


@given(neuron_inputs())
@example((0.1, 0.3, 0.7))  # w·x is not a float64: the oracle must not round it first
@example((1e-300, 1e300, 0.75))
@example((-0.25, 2800.0, 0.0))
def test_chain_rule_intermediates_are_correctly_rounded(args: tuple[float, float, float]) -> None:
    w, x, t = args
    assume(all(math.isfinite(a) for a in args) and abs(w * x) < 3000)
    # CPython rounds a Fraction to float correctly; |w·x| < 3000 keeps it finite
    assert _rounded("product", w, x) == float(Fraction(w) * Fraction(x))
    with mpmath.workprec(HIGH + 6000):  # σ(z) − t may cancel deeply when t ≈ σ(z)
        z = mpmath.mpf(w) * mpmath.mpf(x)
        s = 1 / (1 + mpmath.exp(-z))
        complement = 1 / (1 + mpmath.exp(z))
        assert _rounded("forward_prime", w, x) == _round(s * complement)  # σ(z)σ(−z), T1.2
        assert _rounded("output_error", w, x, t) == _round(s - mpmath.mpf(t))  # T1.1


def test_chain_rule_intermediates_at_zero_are_exact() -> None:
    # z = 0: w·x = 0, σ'(0) = ¼ and σ(0) − t = ½ − t, all dyadic (T2.4)
    assert _rounded("product", 0.0, 3.0) == 0.0
    assert _rounded("forward_prime", 5.0, 0.0) == 0.25
    assert _rounded("output_error", 0.0, 2.0, 0.125) == 0.375
    assert exact.enclose("output_error", 0.0, 2.0, 0.125) == (0.375, 0.375)


def test_product_is_exact_before_rounding() -> None:
    # (1 + 2^-52)(1 − 2^-53) = 1 + 2^-53 − 2^-105 needs 106 bits: the enclosure holds it
    # exactly, and it lies just below the midpoint 1 + 2^-53, so it rounds down to 1.
    w, x = 1.0 + 2.0**-52, 1.0 - 2.0**-53
    low, high = exact.enclose("product", w, x)
    with mpmath.workprec(200):  # 106 bits are enough for the exact product
        assert (
            low
            == high
            == mpmath.mpf(w) * mpmath.mpf(x)
            == 1 + mpmath.ldexp(1, -53) - mpmath.ldexp(1, -105)
        )
    assert _rounded("product", w, x) == 1.0


def test_chain_rule_intermediates_at_nonfinite_inputs() -> None:
    inf, nan = math.inf, math.nan
    assert _rounded("product", inf, -2.0) == -inf
    assert math.isnan(_rounded("product", inf, 0.0))  # 0·∞
    assert _rounded("forward_prime", inf, 2.0) == 0.0  # σ'(z) → 0 as |z| → ∞
    assert math.isnan(_rounded("forward_prime", 0.0, inf))
    assert _rounded("output_error", inf, 1.0, 0.25) == 0.75  # σ(∞) − t = 1 − t
    assert _rounded("output_error", 2.0, -inf, 0.25) == -0.25  # σ(−∞) − t = −t
    assert _rounded("output_error", 1.0, 2.0, inf) == -inf
    assert math.isnan(_rounded("output_error", inf, 0.0, 0.5))
    assert math.isnan(_rounded("output_error", 1.0, 2.0, nan))
