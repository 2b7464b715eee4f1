"""The float64 reference: accuracy against the oracle, behaviour on every kind of input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from neuron import exact, reference
from neuron.gate.strategies import (
    HARD_Z,
    broadcastable_arrays,
    learning_rates,
    loss_inputs,
    neuron_inputs,
    non_broadcastable_shapes,
    special_floats,
    z_values,
)
from neuron.numerics.bounds import CURVATURE_C


def _correctly_rounded(function: str, *args: float) -> None:
    """The reference equals the oracle's correctly rounded value (T6.4); NaN matches NaN."""
    got = getattr(reference, function)(*args)
    expected = getattr(exact, function)(*args)
    assert got == expected or (math.isnan(got) and math.isnan(expected)), (
        f"{function}{args} = {got!r}, correctly rounded {expected!r}"
    )


@given(z_values())
def test_sigmoid_accuracy(z: float) -> None:
    _correctly_rounded("sigmoid", z)


@given(z_values())
def test_sigmoid_prime_accuracy(z: float) -> None:
    _correctly_rounded("sigmoid_prime", z)


@pytest.mark.parametrize("z", HARD_Z)
def test_hard_points(z: float) -> None:
    _correctly_rounded("sigmoid", z)
    _correctly_rounded("sigmoid_prime", z)


@given(neuron_inputs())
@example((1e-300, 1e300, 0.0))
@example((2.0**-600, 2.0**600 * -700.0, 0.0))  # σ subnormal, w tiny and x huge
def test_forward_accuracy(args: tuple[float, float, float]) -> None:
    _correctly_rounded("forward", args[0], args[1])


@given(loss_inputs())
@example((0.1, 0.1 + 2.0**-56))
def test_loss_accuracy(args: tuple[float, float]) -> None:
    _correctly_rounded("loss", *args)


@given(neuron_inputs())
@example((2.9721878227995597e-78, 2.5067472019399227e80, 0.25743835514651225))  # σ' subnormal
@example((1e-300, 1e300, 1.0))
@example((1.0, 2.1000692898970282e-160, 0.5))  # z tiny, t = ½: dE/dy cancels completely
def test_gradient_accuracy(args: tuple[float, float, float]) -> None:
    _correctly_rounded("gradient", *args)


@given(neuron_inputs(), learning_rates())
def test_step_accuracy(args: tuple[float, float, float], lr: float) -> None:
    _correctly_rounded("step", *args, lr)


def test_gradient_keeps_precision_where_sigma_prime_is_subnormal() -> None:
    # z ≈ 745: σ'(z) ≈ 2^-1075 is below the normal range, but x brings dE/dw back into it
    w, x, t = 2.9721878227995597e-78, 2.5067472019399227e80, 0.25743835514651225
    assert 2.0**-1022 < abs(reference.gradient(w, x, t)) < 1
    _correctly_rounded("gradient", w, x, t)


def test_arrays_are_correctly_rounded_elementwise() -> None:
    # The vectorized path, chunk boundaries included (CHUNK elements per pass).
    rng = np.random.default_rng(20261127)
    n = reference.CHUNK + 17
    z = rng.uniform(-40, 40, n)
    x = np.exp(rng.uniform(-50, 50, n))
    w, t = z / x, rng.uniform(0, 1, n)
    for function, args in (
        ("sigmoid", (z,)),
        ("sigmoid_prime", (z,)),
        ("forward", (w, x)),
        ("loss", (z / 40, t)),
        ("gradient", (w, x, t)),
        ("step", (w, x, t, np.full(n, 0.25))),
    ):
        got = getattr(reference, function)(*args)
        assert np.array_equal(got, getattr(exact, function)(*args)), function


def test_undecided_elements_go_to_the_oracle() -> None:
    # t one ulp from σ(w·x): dE/dy is far below σ's error bound, so Ziv's test cannot decide
    w, x = 0.75, 2.0
    t = float(np.nextafter(exact.forward(w, x), 1.0))
    before = reference.SLOW_PATH["gradient"]
    _correctly_rounded("gradient", w, x, t)
    assert reference.SLOW_PATH["gradient"] == before + 1


@given(special_floats(), special_floats(), special_floats())
def test_nonfinite_inputs_propagate_without_warnings(w: float, x: float, t: float) -> None:
    # filterwarnings = error turns any numpy RuntimeWarning into a failure here; where an
    # argument is NaN or infinite the result is NaN or the exact limit
    for function, args in (("forward", (w, x)), ("gradient", (w, x, t)), ("loss", (w, t))):
        if all(math.isfinite(a) for a in args):
            continue
        result = getattr(reference, function)(*args)
        assert math.isnan(result) or result == getattr(exact, function)(*args)


def test_nan_in_nan_out() -> None:
    nan = math.nan
    assert math.isnan(reference.sigmoid(nan))
    assert math.isnan(reference.sigmoid_prime(nan))
    assert math.isnan(reference.gradient(1.0, nan, 0.5))
    assert math.isnan(reference.step(nan, 1.0, 0.5, 0.1))
    assert math.isnan(reference.loss(0.5, nan))


@given(neuron_inputs())
def test_finite_inputs_never_give_nan(args: tuple[float, float, float]) -> None:
    w, x, t = args
    assert not math.isnan(reference.forward(w, x))
    assert not math.isnan(reference.gradient(w, x, t))


def test_scalars_give_numpy_scalars() -> None:
    assert type(reference.sigmoid(1.0)) is np.float64
    assert type(reference.gradient(1, 2, 0)) is np.float64  # integers are converted


def test_integer_inputs_give_float64_and_float32_inputs_float32() -> None:
    # tests/test_formats.py holds the narrower formats to the oracle; here only the dtypes.
    assert reference.forward(np.int64(3), 2) == reference.forward(3.0, 2.0)
    assert reference.sigmoid(np.int8(1)).dtype == np.float64
    assert reference.sigmoid(np.float32(1.0)).dtype == np.float32


def test_zero_dimensional_empty_and_broadcast_arrays() -> None:
    assert reference.sigmoid(np.array(0.0)) == 0.5
    assert reference.gradient(np.zeros((0, 3)), 1.0, 0.5).shape == (0, 3)
    assert reference.step([[1.0], [2.0]], [1.0, 2.0, 3.0], 0.5, 0.1).shape == (2, 3)


@given(broadcastable_arrays(3))
def test_elementwise_on_broadcast_arrays(arrays: tuple[np.ndarray, ...]) -> None:
    result = reference.gradient(*arrays)
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    assert np.shape(result) == shape
    flat = [np.broadcast_to(np.asarray(a, dtype=np.float64), shape).ravel() for a in arrays]
    dtype = np.asarray(result).dtype  # the arguments' promoted format (tests/test_formats.py)
    for i in range(min(int(np.prod(shape)), 5)):
        element = reference.gradient(*(f[i] for f in flat), dtype=dtype)
        assert np.asarray(result).ravel()[i] == element or math.isnan(element)


@given(non_broadcastable_shapes(3))
def test_shapes_that_do_not_broadcast_are_refused(shapes: tuple[tuple[int, ...], ...]) -> None:
    with pytest.raises(ValueError, match="do not broadcast"):
        reference.gradient(*(np.zeros(s) for s in shapes))


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0, "a"], object(), np.array([1 + 2j])])
def test_non_numeric_input_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="real number"):
        reference.gradient(1.0, bad, 0.5)


@pytest.mark.parametrize("lr", [0.0, -0.1, math.inf, math.nan, [0.1, -1.0]])
def test_learning_rate_must_be_finite_and_positive(lr: object) -> None:
    with pytest.raises(ValueError, match="learning rate"):
        reference.step(1.0, 1.0, 0.5, lr)


def test_inputs_are_not_mutated() -> None:
    w, x, t = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([0.5, 0.25])
    copies = [a.copy() for a in (w, x, t)]
    reference.step(w, x, t, 0.1)
    assert all(np.array_equal(a, b) for a, b in zip((w, x, t), copies, strict=True))


def test_step_is_the_update_rule() -> None:
    # w − η·dE/dw at z = 0, where every factor is exact: 1 − 0.5·(−(1 − ½)·¼·2) = 1.125
    assert reference.step(0.0, 2.0, 1.0, 0.5) == 0.125
    assert reference.gradient(0.0, 2.0, 1.0) == -0.25


@given(st.floats(0.2, 0.8), st.floats(-1, 1))
def test_train_converges_to_logit(t: float, offset: float) -> None:
    # T4.3 with x = 1, η = 1/C: from |z − z*| <= 1, with |z*| <= logit(0.8) < 1.39, each step
    # contracts |w − w*| by ρ = 1 − m²/C, m = σ'(2.39) > 0.0763, so ρ < 0.925 and
    # ρ^400 < 3e-14. Each float step adds at most τ < 4e-15 (half an ulp of w, T6.4), which
    # contracts to at most τ/(1 − ρ) < 6e-14 in all.
    w_star = math.log(t) - math.log1p(-t)
    history = reference.train(w_star + offset, [1.0], [t], lr=1 / CURVATURE_C, epochs=400)
    distances = np.abs(history.weights - w_star)
    assert distances[-1] <= 3e-14 * abs(offset) + 6e-14
    # The loss never rises by more than its own rounding (half an ulp, twice), except by jitter
    # at the noise floor: within 6e-14 of w*, E = ½(t − σ(z))² <= |z − z*|²/32 as σ' <= 1/4 (T2.4).
    rises = np.diff(history.losses)
    floor = (6e-14) ** 2 / 32
    assert np.all(rises <= np.spacing(history.losses[:-1]) + floor)


def test_train_history_and_validation() -> None:
    history = reference.train([0.0, 1.0], [1.0, 2.0], [0.5, 0.5], lr=0.5, epochs=3)
    assert history.weights.shape == (4, 2)
    assert history.losses.shape == (4, 2)
    assert history.weight.shape == (2,)
    with pytest.raises(ValueError, match="at least one sample"):
        reference.train(0.0, [], [], lr=0.1, epochs=1)
    with pytest.raises(ValueError, match="non-negative"):
        reference.train(0.0, [1.0], [0.5], lr=0.1, epochs=-1)
    with pytest.raises(TypeError, match="integer"):
        reference.train(0.0, [1.0], [0.5], lr=0.1, epochs=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="learning rate"):
        reference.train(0.0, [1.0], [0.5], lr=0.0, epochs=1)
