"""The neuron with n inputs and a bias, and the network with one hidden layer (T7.1 – T7.4).

Every expected value is computed independently of the code under test: by the oracle
``neuron.exact_network`` (itself checked against mpmath at 300 and 600 bits by T7.3's check
and below), by mpmath from the definitions, or by an identity of the exact values (a
permutation, a duplicated batch) under which correctly rounded results must be equal bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import NDArray

import neuron
from neuron import exact_network
from neuron.exact import OracleError
from neuron.numerics.bounds import loss_derivative_bound
from neuron.numerics.fd import central_difference
from neuron.numerics.ulp import ulp
from neuron.reference import SLOW_PATH, network, unit

FloatArray = NDArray[np.float64]

# ---------------------------------------------------------------------------------------------
# Inputs: ordinary and extreme values, cancelling pre-activations, subnormal components

ORDINARY = st.floats(-4.0, 4.0, allow_nan=False, allow_infinity=False)
#: Signed powers of two over most of the float64 range, zero, and ordinary values.
EXTREME = st.one_of(
    ORDINARY,
    st.builds(
        lambda s, m, e: s * math.ldexp(m, e),
        st.sampled_from([-1.0, 1.0]),
        st.floats(1.0, 2.0),
        st.integers(-300, 300),
    ),
    st.just(0.0),
)


def _matrix(draw: st.DrawFn, shape: tuple[int, ...], extreme: bool) -> FloatArray:
    return draw(hnp.arrays(np.float64, shape, elements=EXTREME if extreme else ORDINARY))


@st.composite
def unit_cases(draw: st.DrawFn, largest: int = 24) -> tuple[Any, ...]:
    """(w, b, X, t): n and m from 1 to `largest`; some extreme, some with w·x + b cancelling
    terms of 2^80, some with an input column of subnormal size (subnormal gradients)."""
    n, m = draw(st.integers(1, largest)), draw(st.integers(1, largest))
    extreme = draw(st.booleans())
    w, X = _matrix(draw, (n,), extreme), _matrix(draw, (m, n), extreme)
    b = draw(ORDINARY)
    t = draw(hnp.arrays(np.float64, (m,), elements=st.floats(-0.5, 1.5)))
    kind = draw(st.sampled_from(["plain", "cancelling", "subnormal"]))
    if kind == "cancelling":  # w_0·x_0 + b = 2^80·(1 + f) − 2^80·(1 + f) + b
        huge = math.ldexp(1.0 + abs(float(w[0])) % 1.0, 80)
        w[0], X[:, 0], b = huge, 1.0, b - huge
    elif kind == "subnormal":
        X[:, -1] = np.ldexp(np.sign(X[:, -1]) + 0.5, -1070)
    return w, b, X, t


@st.composite
def network_cases(draw: st.DrawFn, largest: int = 16) -> tuple[Any, ...]:
    """(W1, b1, W2, b2, X, t) with h, n, m from 1 to `largest`; some extreme, some with a hidden
    pre-activation cancelling terms of 2^80."""
    h, n, m = (draw(st.integers(1, largest)) for _ in range(3))
    extreme = draw(st.booleans())
    W1, X = _matrix(draw, (h, n), extreme), _matrix(draw, (m, n), extreme)
    b1, W2 = _matrix(draw, (h,), False), _matrix(draw, (h,), extreme)
    b2 = draw(ORDINARY)
    t = draw(hnp.arrays(np.float64, (m,), elements=st.floats(-0.5, 1.5)))
    if draw(st.booleans()):
        W1[0, 0], X[:, 0] = 2.0**80, 1.0
        b1[0] -= 2.0**80
    return W1, b1, W2, b2, X, t


def _same(got: Any, expected: Any) -> bool:
    """Equal as float64 arrays, NaN equal to NaN (a zero's sign is not compared)."""
    return bool(np.array_equal(np.asarray(got), np.asarray(expected), equal_nan=True))


def _all_same(got: tuple[Any, ...], expected: tuple[Any, ...]) -> bool:
    return len(got) == len(expected) and all(
        _same(a, b) for a, b in zip(got, expected, strict=True)
    )


# ---------------------------------------------------------------------------------------------
# Against the oracle


@given(unit_cases())
def test_unit_is_correctly_rounded(case: tuple[Any, ...]) -> None:
    w, b, X, t = case
    assert _same(unit.unit_forward(w, b, X), exact_network.unit_forward(w, b, X)), case
    assert _all_same(unit.unit_gradient(w, b, X, t), exact_network.unit_gradient(w, b, X, t)), case
    assert _all_same(unit.unit_step(w, b, X, t, 0.75), exact_network.unit_step(w, b, X, t, 0.75)), (
        case
    )


@given(network_cases())
def test_network_is_correctly_rounded(case: tuple[Any, ...]) -> None:
    W1, b1, W2, b2, X, t = case
    assert _same(
        network.network_forward(W1, b1, W2, b2, X), exact_network.network_forward(W1, b1, W2, b2, X)
    ), case
    assert _all_same(
        network.network_gradient(W1, b1, W2, b2, X, t),
        exact_network.network_gradient(W1, b1, W2, b2, X, t),
    ), case
    assert _all_same(
        network.network_step(W1, b1, W2, b2, X, t, 0.125),
        exact_network.network_step(W1, b1, W2, b2, X, t, 0.125),
    ), case


def _decided_fraction(
    fast: Callable[..., tuple[FloatArray, NDArray[np.bool_]]],
    oracle: Callable[..., FloatArray],
    args: Any,
    step: bool,
) -> float:
    """Run a fast kernel alone: what it decides must be the oracle's value; return how much."""
    with np.errstate(all="ignore"):
        values, decided = fast(args, step)
    expected = oracle(args, np.ones(values.size, dtype=bool), step)
    wrong = np.flatnonzero(decided & (values != expected))
    assert wrong.size == 0, [(int(i), values[i], expected[i]) for i in wrong[:5]]
    return float(decided.mean())


@pytest.mark.parametrize("step", [False, True])
def test_fast_paths_decide_only_correct_roundings_and_nearly_all(step: bool) -> None:
    # The public functions send whatever the fast path leaves to the oracle, so comparing them
    # with the oracle could not see a fast path that never decides. Here the kernels run alone.
    # Their bounds are about 2^−85 of a component (T7.4; cancellation in the batch sum
    # magnifies them), so a component is left undecided with probability below 2^−25: with a
    # few hundred components, none should be.
    rng = np.random.default_rng(20261208)
    m, n, h = 250, 4, 41  # 41 hidden units: the network takes the 250 samples in two blocks
    X, t = rng.normal(size=(m, n)), rng.uniform(size=m)
    X[:, 1] = 0.0  # an input that is zero throughout: its gradient components are exact zeros
    args = exact_network.unit_arguments(rng.normal(size=n), 0.3, X, t, 0.5 if step else None)
    assert _decided_fraction(unit._fast_components, exact_network.unit_components, args, step) == 1
    W2 = rng.normal(size=h)
    W2[2] = 0.0  # a silent hidden unit
    args2 = exact_network.network_arguments(
        rng.normal(size=(h, n)), rng.normal(size=h), W2, -0.2, X, t, 0.5 if step else None
    )
    fraction = _decided_fraction(
        network._fast_components, exact_network.network_components, args2, step
    )
    assert fraction == 1


def test_cancelling_pre_activations_are_exact() -> None:
    # z = 2^80 − 2^80 + 2^−30: a float64 evaluation of w·x + b gives 0 or ±2^28; the exact z is
    # 2^−30, so y = σ(2^−30) and σ'(z) = ¼ − 2^−62/16 + … (values from mpmath below).
    w, b, x = [2.0**80, 2.0**-30], -(2.0**80), [1.0, 1.0]
    with mpmath.workprec(200):
        z = mpmath.ldexp(1, -30)
        y = 1 / (1 + mpmath.exp(-z))
        expected_y = float(y)
        expected_db = float((y - 1) * y * (1 - y))
    assert unit.unit_forward(w, b, x) == expected_y
    assert unit.unit_gradient(w, b, x, 1.0)[1] == expected_db
    W1, b1 = [[2.0**80, 2.0**-30]], [-(2.0**80)]
    hidden = network.network_gradient(W1, b1, [3.0], 0.0, x, 1.0)
    assert _all_same(hidden, exact_network.network_gradient(W1, b1, [3.0], 0.0, x, 1.0))


def test_oracle_against_mpmath_at_300_bits() -> None:
    # An independent evaluation of the network's formulas (T7.2), at 300 bits, with a cancelling
    # hidden pre-activation; rounded to float64 by mpmath's own nearest rounding, which is
    # correct here: every value is normal.
    W1 = np.array([[2.0**60, 0.5], [-1.25, 3.0]])
    b1, W2, b2 = np.array([-(2.0**60), 0.25]), np.array([1.5, -2.0]), 0.125
    X, t = np.array([[1.0, -0.75], [1.0, 2.0], [1.0, 0.0]]), np.array([0.9, 0.1, 0.5])
    with mpmath.workprec(300):

        def sigma(v: Any) -> Any:
            return 1 / (1 + mpmath.exp(-v))

        grads = [mpmath.mpf(0)] * 9
        for row, target in zip(X, t, strict=True):
            z1 = [sum(mpmath.mpf(W1[k, j]) * row[j] for j in range(2)) + b1[k] for k in range(2)]
            a = [sigma(z) for z in z1]
            y = sigma(sum(float(W2[k]) * a[k] for k in range(2)) + b2)
            d2 = (y - target) * y * (1 - y)
            for k in range(2):
                d1 = float(W2[k]) * a[k] * (1 - a[k]) * d2
                grads[2 * k] += d1 * row[0] / 3
                grads[2 * k + 1] += d1 * row[1] / 3
                grads[4 + k] += d1 / 3
                grads[6 + k] += d2 * a[k] / 3
            grads[8] += d2 / 3
        expected = [float(g) for g in grads]
    got = network.network_gradient(W1, b1, W2, b2, X, t)
    assert [v for part in got for v in np.ravel(part).tolist()] == expected


# ---------------------------------------------------------------------------------------------
# Against the single neuron, finite differences, and identities of the exact values


@given(
    st.floats(-50, 50),
    st.floats(-8, 8).filter(lambda v: v != 0),
    st.floats(-0.5, 1.5),
    st.floats(2.0**-10, 8.0),
)
def test_one_input_and_no_bias_is_the_single_neuron(
    w: float, x: float, t: float, lr: float
) -> None:
    # n = 1, b = 0, one sample: z = w·x, so dE/dw is T1.4's gradient and y the forward pass;
    # dE/db = dE/dz is the single neuron's gradient at (w·x, 1) when w·x is a float.
    assert unit.unit_forward([w], 0.0, [x]) == neuron.forward(w, x)
    dw, db = unit.unit_gradient([w], 0.0, [x], t)
    assert _same(dw, [neuron.gradient(w, x, t)])
    z = w * x
    if Fraction(w) * Fraction(x) == Fraction(z):
        assert db == neuron.gradient(z, 1.0, t)
    new_w, _ = unit.unit_step([w], 0.0, [x], t, lr)
    assert _same(new_w, [neuron.step(w, x, t, lr)])


def _mean_loss(z_of: Callable[[Any], list[Any]], t: FloatArray) -> Callable[[float], float]:
    """E as a function of one parameter, in mpmath at 60 digits, rounded to float64."""

    def f(v: float) -> float:
        with mpmath.workdps(60):
            z = z_of(mpmath.mpf(v))
            y = [1 / (1 + mpmath.exp(-zi)) for zi in z]
            return float(sum((ti - yi) ** 2 / 2 for ti, yi in zip(t, y, strict=True)) / len(t))

    return f


def _within_fd(f: Callable[[float], float], at: float, third: float, gradient: float) -> None:
    """The central difference's proven bound (T5.1) plus the half ulp of the rounded gradient."""
    estimate = central_difference(
        f,
        at,
        derivative_bound=lambda k: third,
        f_error=lambda v: abs(v) * 2.0**-52 + 2.0**-1074,  # float() of 60 digits: ½ ulp
    )
    assert abs(estimate.value - gradient) <= estimate.error_bound + float(ulp(gradient)) / 2


@given(unit_cases(largest=4))
def test_unit_gradient_within_finite_difference_bounds(case: tuple[Any, ...]) -> None:
    w, b, X, t = case
    t = np.clip(t, 0.0, 1.0)  # K_3 = C_3 (T3.4) for targets in [0, 1]
    dw, db = unit.unit_gradient(w, b, X, t)
    # d³E/dw_j³ = mean_i x_ij³·E_i'''(z_i) with |E_i'''| <= C_3 (T3.4); for b, x = 1
    for j in range(len(w) + 1):
        column = X[:, j] if j < len(w) else np.ones(len(t))
        parameters = [*w, b]

        def z_of(v: Any, j: int = j, parameters: list[Any] = parameters) -> list[Any]:
            p = [*parameters[:j], v, *parameters[j + 1 :]]
            return [sum(mpmath.mpf(p[k]) * row[k] for k in range(len(w))) + p[-1] for row in X]

        third = loss_derivative_bound(3, 0.5) * float(np.mean(np.abs(column) ** 3)) * 1.01
        gradient = float(dw[j]) if j < len(w) else float(db)
        if np.isfinite(third) and third > 0 and abs(parameters[j]) < 1e100:
            _within_fd(_mean_loss(z_of, t), float(parameters[j]), third, gradient)


@given(network_cases(largest=4))
def test_network_output_layer_within_finite_difference_bounds(case: tuple[Any, ...]) -> None:
    W1, b1, W2, b2, X, t = case
    t = np.clip(t, 0.0, 1.0)
    _, _, dW2, db2 = network.network_gradient(W1, b1, W2, b2, X, t)
    with mpmath.workdps(60):
        a = [
            [
                1
                / (
                    1
                    + mpmath.exp(
                        -(sum(mpmath.mpf(W1[k, j]) * row[j] for j in range(len(row))) + b1[k])
                    )
                )
                for k in range(len(W2))
            ]
            for row in X
        ]
    # the output layer is a unit of T7.1 with inputs a in (0, 1): |d³E/dW2_k³| <= C_3·mean a³
    for k in range(len(W2) + 1):
        parameters = [*W2, b2]

        def z_of(v: Any, k: int = k, parameters: list[Any] = parameters) -> list[Any]:
            p = [*parameters[:k], v, *parameters[k + 1 :]]
            return [sum(mpmath.mpf(p[i]) * ai[i] for i in range(len(W2))) + p[-1] for ai in a]

        column = [float(ai[k]) for ai in a] if k < len(W2) else [1.0] * len(a)
        third = loss_derivative_bound(3, 0.5) * float(np.mean(np.abs(column) ** 3)) * 1.01
        gradient = float(dW2[k]) if k < len(W2) else float(db2)
        if third > 0 and abs(parameters[k]) < 1e100:
            _within_fd(_mean_loss(z_of, t), float(parameters[k]), third, gradient)


@given(network_cases(largest=8), st.randoms(use_true_random=False))
def test_batch_identities_hold_bit_for_bit(case: tuple[Any, ...], random: Any) -> None:
    # The batch mean does not change when the samples are reordered or the batch is repeated;
    # permuting the hidden units permutes dW1's rows, db1 and dW2. Equal exact values have
    # equal correct roundings.
    W1, b1, W2, b2, X, t = case
    m, h = X.shape[0], W1.shape[0]
    grads = network.network_gradient(W1, b1, W2, b2, X, t)
    samples = np.array(random.sample(range(m), m))
    assert _all_same(network.network_gradient(W1, b1, W2, b2, X[samples], t[samples]), grads)
    twice = network.network_gradient(W1, b1, W2, b2, np.vstack([X, X]), np.append(t, t))
    assert _all_same(twice, grads)
    units = np.array(random.sample(range(h), h))
    dW1, db1, dW2, db2 = network.network_gradient(W1[units], b1[units], W2[units], b2, X, t)
    assert _all_same(
        (dW1, db1, dW2, db2), (grads[0][units], grads[1][units], grads[2][units], grads[3])
    )


@given(unit_cases(largest=6))
def test_batch_gradient_is_the_mean_of_the_sample_gradients(case: tuple[Any, ...]) -> None:
    # Exact: g = (g_1 + … + g_m)/m. Each rounded g_i is within ½ ulp(g_i) of its exact value and
    # g within ½ ulp(g), so |g − mean(ĝ_i)| <= ½ ulp(g) + mean(½ ulp(ĝ_i)) + the rounding of
    # the float mean (m·u relative of Σ|ĝ_i|/m), all of which the allowance below adds up.
    w, b, X, t = case
    dw, db = unit.unit_gradient(w, b, X, t)
    per_sample = [unit.unit_gradient(w, b, x, ti) for x, ti in zip(X, t, strict=True)]
    rows = np.array([[*g[0], g[1]] for g in per_sample])
    batch = np.append(dw, db)
    if not np.isfinite(rows).all() or not np.isfinite(batch).all():
        return
    with np.errstate(over="ignore"):
        mean = rows.mean(axis=0)
        allowance = (
            ulp(batch) / 2
            + (ulp(rows) / 2).mean(axis=0)
            + 4 * len(t) * 2.0**-53 * np.abs(rows).mean(axis=0)
            + 2.0**-1074
        )
    assert (np.abs(batch - mean) <= allowance).all(), (batch, mean, allowance)


# ---------------------------------------------------------------------------------------------
# The contract: names, shapes, dtypes, non-finite values, no mutation, the fallback


def test_top_level_names_resolve_to_the_reference() -> None:
    assert neuron.unit_gradient is unit.unit_gradient
    assert neuron.network_step is network.network_step
    assert {"unit_forward", "network_gradient"} <= set(dir(neuron))


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: unit.unit_forward("w", 0.0, [1.0]), TypeError, "w must be a real number"),
        (lambda: unit.unit_forward([1.0], [0.0], [1.0]), ValueError, "b must be a scalar"),
        (lambda: unit.unit_forward([[1.0]], 0.0, [1.0]), ValueError, r"w must be a vector"),
        (lambda: unit.unit_forward([], 0.0, []), ValueError, r"w must be a vector"),
        (lambda: unit.unit_forward([1.0], 0.0, [1.0, 2.0]), ValueError, "x has 2 inputs"),
        (lambda: unit.unit_forward([1.0], 0.0, [[[1.0]]]), ValueError, r"x must be \(n,\)"),
        (lambda: unit.unit_gradient([1.0], 0.0, [[1.0]], 0.5), ValueError, r"t must be \(m,\)"),
        (lambda: unit.unit_gradient([1.0], 0.0, [[1.0]], [0.5, 1]), ValueError, "2 targets"),
        (lambda: unit.unit_gradient([1.0], 0.0, [1.0], [0.5]), ValueError, "t must be a scalar"),
        (lambda: unit.unit_gradient([True], 0.0, [1.0], 0.5), TypeError, "w must be"),
        (lambda: unit.unit_step([1.0], 0.0, [1.0], 0.5, -1.0), ValueError, "learning rate"),
        (lambda: unit.unit_step([1.0], 0.0, [1.0], 0.5, [0.5]), ValueError, "lr must be"),
        (lambda: network.network_forward([1.0], [0.0], [1.0], 0.0, [1.0]), ValueError, "W1 must"),
        (lambda: network.network_forward([[1.0]], [0.0, 1.0], [1.0], 0.0, [1.0]), ValueError, "b1"),
        (lambda: network.network_forward([[1.0]], [0.0], [1.0, 2.0], 0.0, [1.0]), ValueError, "W2"),
        (lambda: network.network_forward([[1.0]], [0.0], [1.0], "0", [1.0]), TypeError, "b2"),
        (lambda: network.network_gradient([[1.0]], [0.0], [1.0], 0.0, [1j], 0.5), TypeError, "x"),
        (
            lambda: network.network_step([[1.0]], [0.0], [1.0], 0.0, [1.0], 0.5, math.inf),
            ValueError,
            "learning rate",
        ),
    ],
)
def test_bad_arguments_are_refused_by_name(
    call: Callable[[], Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


def test_parameters_are_not_mutated_and_integers_are_accepted() -> None:
    W1, b1, W2, X = np.ones((2, 3)), np.zeros(2), np.array([1, -2]), np.arange(6).reshape(2, 3)
    before = [a.copy() for a in (W1, b1, W2, X)]
    stepped = network.network_step(W1, b1, W2, 1, X, [0, 1], 1)
    assert all(np.array_equal(a, b) for a, b in zip((W1, b1, W2, X), before, strict=True))
    assert stepped[0] is not W1
    assert stepped[0].dtype == np.float64
    w = np.array([1.0, 2.0])
    unit.unit_step(w, 0, [[1, 2]], [1], 0.5)
    assert w.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_arguments_give_nan_everywhere(bad: float) -> None:
    with np.errstate(all="raise"):  # and no floating-point warning on the way
        y = unit.unit_forward([1.0, bad], 0.0, [[1.0, 1.0], [2.0, 0.0]])
        dw, db = unit.unit_gradient([1.0, 0.0], 0.0, [1.0, 1.0], bad)
        parts = network.network_step([[bad]], [0.0], [1.0], 0.0, [[1.0]], [0.5], 0.5)
        outputs = network.network_forward([[1.0]], [0.0], [1.0], bad, [[1.0], [2.0]])
    assert np.isnan(y).all()
    assert np.isnan(dw).all()
    assert np.isnan(db)
    assert all(np.isnan(p).all() for p in parts)
    assert np.isnan(outputs).all()
    assert np.isnan(exact_network.unit_gradient([bad], 0.0, [1.0], 0.5)[0]).all()
    assert np.isnan(exact_network.unit_forward([bad], 0.0, [1.0]))
    assert np.isnan(exact_network.network_gradient([[1.0]], [0.0], [bad], 0.0, [1.0], 0.5)[3])
    assert np.isnan(exact_network.network_forward([[1.0]], [0.0], [bad], 0.0, [1.0]))


def test_what_the_fast_path_cannot_decide_goes_to_the_oracle() -> None:
    # |z| > 680 is outside the fast path's domain; z = 0 with t = ½ makes every gradient
    # component an exact zero, which no rounding test decides; a rational step (T7.3 (ii)).
    before = SLOW_PATH.copy()
    assert unit.unit_forward([1000.0], 0.0, [1.0]) == 1.0
    assert network.network_forward([[1.0]], [0.0], [2000.0], 0.0, [1.0]) == 1.0
    dw, db = unit.unit_gradient([0.0], 0.0, [[1.0], [3.0]], [0.5, 0.5])
    assert dw.tolist() == [0.0]
    assert db == 0.0
    w, b = unit.unit_step([0.0], 0.0, [[1.0], [3.0]], [0.5, 0.5], 3.0)
    assert w.tolist() == [0.0]
    assert b == 0.0
    grads = network.network_gradient([[1.0]], [0.0], [1000.0], 0.0, [[700.0]], [1.0])
    assert _all_same(
        grads, exact_network.network_gradient([[1.0]], [0.0], [1000.0], 0.0, [[700.0]], [1.0])
    )
    steps = network.network_step([[1.0]], [0.0], [1000.0], 0.0, [[700.0]], [1.0], 0.5)
    assert _all_same(
        steps, exact_network.network_step([[1.0]], [0.0], [1000.0], 0.0, [[700.0]], [1.0], 0.5)
    )
    assert unit.unit_step([0.0], 0.0, [1e308], -1e308, 1.0)[0].tolist() == [-math.inf]
    grown = {k: SLOW_PATH[k] - before[k] for k in SLOW_PATH}
    for name in (
        "unit_forward",
        "network_forward",
        "unit_gradient",
        "unit_step",
        "network_gradient",
        "network_step",
    ):
        assert grown[name] >= 1, grown


def test_the_oracle_gives_up_rather_than_guess(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exact_network, "MAX_PRECISION", 64)
    with pytest.raises(OracleError, match="cannot round unit_forward component 0"):
        exact_network.unit_forward([1.0], 0.0, [1.0])


def test_an_output_pre_activation_that_is_zero_but_not_dyadic_parts() -> None:
    # z2 = σ(½) + σ(−½) − 1 = 0 exactly (T2.1), though each term is transcendental: the
    # oracle's enclosure of z2 straddles 0, where σ' is bounded by its maximum ¼ (T2.4).
    args = ([[1.0], [-1.0]], [0.0, 0.0], [1.0, 1.0], -1.0, [0.5])
    assert exact_network.network_forward(*args) == 0.5
    assert network.network_forward(*args) == 0.5
    db2 = (0.5 - 0.3) / 4  # (y − t)·σ'(0), exact in float64
    assert exact_network.network_gradient(*args, 0.3)[3] == db2
    assert network.network_gradient(*args, 0.3)[3] == db2


@given(unit_cases(largest=6), st.integers(0, 5))
def test_one_sample_is_a_batch_of_one(case: tuple[Any, ...], index: int) -> None:
    w, b, X, t = case
    x, target = X[index % len(X)], t[index % len(t)]
    assert _same(unit.unit_forward(w, b, x), unit.unit_forward(w, b, x[None])[0])
    assert _all_same(unit.unit_gradient(w, b, x, target), unit.unit_gradient(w, b, [x], [target]))
    W1 = np.vstack([w, w[::-1]])
    one = network.network_forward(W1, [b, 0.0], [1.0, -1.0], 0.5, x)
    assert _same(one, network.network_forward(W1, [b, 0.0], [1.0, -1.0], 0.5, x[None])[0])


def test_ziv_doubles_the_precision_of_the_undecided_components_only() -> None:
    # component 0 rounds at once; component 1 lies 2^−100 above the midpoint 1 + 2^−53, and its
    # enclosure of half-width 2^−p straddles that midpoint until p = 192
    with mpmath.workprec(200):
        target = mpmath.mpf(1) + mpmath.mpf(2) ** -53 + mpmath.mpf(2) ** -100
    asked: list[tuple[int, list[int]]] = []

    def components(p: int, wanted: list[int]) -> list[tuple[object, object]]:
        asked.append((p, list(wanted)))
        with mpmath.workprec(400):
            half = mpmath.mpf(2) ** -p
            spans = {0: (mpmath.mpf(0.5), mpmath.mpf(0.5)), 1: (target - half, target + half)}
        return [(spans[i][0]._mpf_, spans[i][1]._mpf_) for i in wanted]

    found = exact_network._ziv(components, [0, 1], "a test")  # type: ignore[arg-type]
    assert found == {0: 0.5, 1: 1 + 2.0**-52}
    start = exact_network.START_PRECISION
    assert asked == [(start, [0, 1]), (2 * start, [1])]
