"""Tolerance policies: what they accept and what they reject."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

from neuron import exact
from neuron.gate.strategies import neuron_inputs, z_values
from neuron.gate.tolerance import (
    SAFETY,
    UNDERFLOW,
    Float64Policy,
    U,
    UlpPolicy,
    parse_policy,
)
from neuron.numerics.ulp import ulp_errors

POLICY = Float64Policy()


def _textbook_gradient(w: float, x: float, t: float) -> float:
    """The seed's formulas as written, in float64 (T6.1's model program)."""
    with np.errstate(all="ignore"):
        y = 1.0 / (1.0 + np.exp(-np.float64(w) * x))
        return float(-(t - y) * y * (1 - y) * x)


def _accepted(function: str, got: float, *args: float) -> tuple[float, float]:
    values = exact.values(function, *args)
    error = float(ulp_errors(got, values))
    allowed = float(POLICY.allowed_ulps(function, [np.float64(a) for a in args], values))
    return error, allowed


@given(neuron_inputs())
def test_float64_accepts_the_textbook_gradient(args: tuple[float, float, float]) -> None:
    error, allowed = _accepted("gradient", _textbook_gradient(*args), *args)
    assert error <= allowed, f"{args}: {error:.3g} > {allowed:.3g} ulps"


@given(z_values())
def test_float64_accepts_autograds_sigma_prime(z: float) -> None:
    with np.errstate(all="ignore"):
        s = 1.0 / (1.0 + np.exp(-np.float64(z)))
        got = float(s * (1 - s))
    error, allowed = _accepted("sigmoid_prime", got, z)
    assert error <= allowed


def test_float64_rejects_a_relative_error_of_1e_12_where_well_conditioned() -> None:
    # At z = w·x = 1, t = 0 the bound is a few u relative (T6.1): 1e-12 is ~4500 u.
    w, x, t = 0.5, 2.0, 0.0
    correct = float(exact.gradient(w, x, t))
    error, allowed = _accepted("gradient", correct * (1 + 1e-12), w, x, t)
    assert allowed < 100 < error


def test_float64_always_allows_correct_rounding() -> None:
    # The last rounding alone is within u|v| <= 1 ulp, doubled by SAFETY: never below half an ulp.
    for function, args in (
        ("sigmoid", (3.0,)),
        ("loss", (0.25, 1.0)),
        ("step", (1.0, 2.0, 0.5, 0.1)),
    ):
        values = exact.values(function, *args)
        assert POLICY.allowed_ulps(function, [np.float64(a) for a in args], values) >= 0.5


def test_underflow_allowance_scales_with_sensitivity() -> None:
    # z = −720: σ and σ' are subnormal; a flushed σ' costs at most |x·(t − y)|·2^-1022 (T6.1).
    w, x, t = -720.0, 1.0, 1.0
    values = exact.values("gradient", w, x, t)
    allowed = float(POLICY.allowed_ulps("gradient", [np.float64(a) for a in (w, x, t)], values))
    assert allowed * float(values.spacing) >= 2.0**-1022 * abs(x) * abs(t)


def test_nonfinite_inputs_allow_only_the_limit() -> None:
    # σ(+∞) = 1 is required, up to the smallest normal 2^−1022 (the bound at a non-finite input)
    values = exact.values("sigmoid", math.inf)
    allowed = POLICY.allowed_ulps("sigmoid", [np.float64(math.inf)], values)
    assert allowed * values.spacing == 2.0**-1022


def test_the_policy_constants() -> None:
    # IEEE 754 binary64: u = 2^−53 and the smallest normal 2^−1022; T6.1(c) doubles the
    # first-order bound. Written out, not compared with the modules' own constants.
    assert (U, UNDERFLOW, SAFETY) == (2.0**-53, 2.0**-1022, 2.0)


@pytest.mark.parametrize(
    ("function", "args", "ulps"),
    [
        # the hand derivations of tests/test_textbook.py (T6.1), as the policy states them
        pytest.param("sigmoid", (0.0,), 3.0, id="sigmoid(0)"),
        pytest.param("sigmoid_prime", (0.0,), 8.0, id="sigmoid_prime(0)"),
        pytest.param("gradient", (0.0, 2.0, 0.0), 14.0, id="gradient(0,2,0)"),
        pytest.param("loss", (0.0, 1.0), 3.0, id="loss(0,1)"),
        # x = 0: l = 0 exactly and w' = w = 1 rounds u·1: 2u = 1 ulp of 1 (plus the 2^−1022 of
        # the product with a zero factor, 2^−970 ulps: nothing in float64)
        pytest.param("step", (1.0, 0.0, 0.5, 1.0), 1.0, id="step(1,0,0.5,1)"),
        # w' = ½ − 2^−62 (tests/test_textbook.py): 2R = 16u = 32 ulps of w' (ulp 2^−54)
        pytest.param("step", (1.0, 2.0**-60, 0.0, 2.0**62), 32.0, id="step-rounds-at-w'"),
    ],
)
def test_allowances_at_named_inputs(function: str, args: tuple[float, ...], ulps: float) -> None:
    arrays = [np.array([a]) for a in args]
    allowed = POLICY.allowed_ulps(function, arrays, exact.values(function, *arrays))[0]
    assert allowed == pytest.approx(ulps, rel=2.0**-40)


def test_gradient_at_z_one_allows_just_under_21_ulps() -> None:
    # tests/test_textbook.py::test_gradient_at_z_one_by_an_independent_sweep: 2R = 20.9777 ulps
    # of |dE/dw(0.5, 2, 0)| = 2σ(1)²(1 − σ(1)) = 0.2875 (in [¼, ½): ulp 2^−54)
    arrays = [np.array([a]) for a in (0.5, 2.0, 0.0)]
    allowed = POLICY.allowed_ulps("gradient", arrays, exact.values("gradient", *arrays))[0]
    assert 20.977 < allowed < 20.978


def test_least_allowed_ulps_are_the_last_roundings() -> None:
    # the comment above tolerance._LEAST_ULPS: k final roundings of u·|v| each, doubled, are at
    # least k ulps of a normal v; less 2^−20 for the 64-bit evaluation of the bound
    last = {"sigmoid": 2, "sigmoid_prime": 3, "forward": 2, "loss": 3, "gradient": 2, "step": 1}
    for function, k in last.items():
        assert POLICY.least_allowed_ulps(function) == k * (1 - 2.0**-20), function
    # the step's least is met: test_allowances_at_named_inputs[step(1,0,0.5,1)] allows 1 ulp
    arrays = [np.array([a]) for a in (1.0, 0.0, 0.5, 1.0)]
    truth = np.array([1.0])
    quick = POLICY.quick_allowed_ulps("step", arrays, truth)[0]
    assert POLICY.least_allowed_ulps("step") <= quick <= 1.0


def test_loss_overflows_where_its_square_does() -> None:
    # ½·(t − y)² squares t − y first: +∞ from |t − y| >= 2^512 on (2^1024 is beyond the
    # largest float), finite results below; only finite |t − y| count
    # (∞ − ∞ is NaN: no infinity accepted, and no floating-point warning either)
    y = np.array([0.0, 0.0, -(2.0**511), 2.0**512, 2.0**600, 0.0, 0.0, math.inf])
    t = np.array(
        [2.0**512, np.nextafter(2.0**512, 0), 2.0**511, 2.0**512, 0, math.inf, 1, math.inf]
    )
    assert POLICY.overflow_sign("loss", [y, t]).tolist() == [1, 0, 1, 0, 1, 0, 0, 0]


def test_step_overflows_with_the_sign_of_its_gradient() -> None:
    # w = 0, so z = 0 and σ'(0) = ¼: p = (t − ½)·¼·x. At t = x = 10^300, p = 2.5·10^599 > 2^1024:
    # dE/dw = −p overflows to −∞ and w − η·dE/dw is +∞; t = −10^300 flips it to −∞. At
    # t = x = 10^150, p = 2.5·10^299 is finite: no infinity is accepted. A NaN input: none.
    # Just past the range: x = 1.5·2^1023, t = 8.5 give p = 8·¼·1.5·2^1023 = 1.5·2^1024.
    w = np.array([0.0, 0.0, 0.0, 0.0, 0.0])
    x = np.array([1e300, 1e300, 1e150, math.nan, 1.5 * 2.0**1023])
    t = np.array([1e300, -1e300, 1e150, 1e300, 8.5])
    lr = np.array([1e-300, 1e-300, 1.0, 1.0, 2.0**-1000])
    assert POLICY.overflow_sign("step", [w, x, t, lr]).tolist() == [1, -1, 0, 0, 1]
    assert POLICY.overflow_sign("gradient", [w[:1], x[:1], t[:1]]).tolist() == [0]
    # z = 2, x = 1.6·10^308, t = −10: p = (t − σ(2))·σ'(2)·x = −10.8808·0.104994·1.6·10^308
    # = −1.828·10^308, beyond −2^1024 = −1.798·10^308: −∞ (with σ(−2) for σ(2): −1.70·10^308)
    x = np.array([1.6e308])
    args = [2.0 / x, x, np.array([-10.0]), np.array([1.0])]
    assert POLICY.overflow_sign("step", args).tolist() == [-1]


def test_ulp_policies_of_one_ulp_and_less_are_accepted() -> None:
    # parse_policy's docstring: N > 0, e.g. ulp:1 or ulp:0.5
    assert [parse_policy(text).ulps for text in ("ulp:1", "ulp:0.5")] == [1.0, 0.5]


def test_far_beyond_overflow_only_infinity_is_accepted() -> None:
    # ½(t − y)² = 2e616: the bound in ulps of the top binade is beyond float64, but so is the
    # error of every finite result, and an infinite error always fails (Measurement.passed).
    values = exact.values("loss", -1e308, 1e308)
    assert POLICY.allowed_ulps("loss", [np.float64(-1e308), np.float64(1e308)], values) == math.inf
    assert ulp_errors([np.finfo(np.float64).max, 0.0, math.inf], values).tolist() == [
        math.inf,
        math.inf,
        0.0,
    ]


def test_ulp_policy() -> None:
    policy = parse_policy("ulp:1.5")
    assert isinstance(policy, UlpPolicy)
    assert policy.name == "ulp:1.5"
    values = exact.values("sigmoid", [0.0, 1.0])
    assert policy.allowed_ulps("sigmoid", [np.zeros(2)], values).tolist() == [1.5, 1.5]


@pytest.mark.parametrize("text", ["float32", "ulp:", "ulp:0", "ulp:-1", "ulp:x", "ULP:1"])
def test_unknown_policies_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        parse_policy(text)


# ---------------------------------------------------------------------------------------------
# Corners the sweep (neuron/gate/sweep.py) found where the textbook formulas were rejected


@given(neuron_inputs())
def test_least_allowed_ulps_is_a_lower_bound(args: tuple[float, float, float]) -> None:
    # neuron.gate.sweep accepts a point without the oracle when its error is below this bound
    for function, arguments in (
        ("forward", args[:2]),
        ("gradient", args),
        ("step", (*args, 0.5)),
        ("sigmoid", args[:1]),
        ("sigmoid_prime", args[1:2]),
        ("loss", args[1:]),
    ):
        values = exact.values(function, *arguments)
        allowed = float(POLICY.allowed_ulps(function, [np.float64(a) for a in arguments], values))
        assert allowed >= POLICY.least_allowed_ulps(function), (function, arguments, allowed)


def test_ulp_policy_allows_n_ulps_everywhere() -> None:
    policy = parse_policy("ulp:3")
    assert policy.least_allowed_ulps("gradient") == 3.0
    # the quick allowance is N at each element, and no infinity is ever accepted
    truth = np.array([[0.5, 1.0, 2.0]])
    assert policy.quick_allowed_ulps("sigmoid", [truth], truth).tolist() == [[3.0, 3.0, 3.0]]
    signs = policy.overflow_sign("loss", [np.zeros((2, 1)), np.full((1, 3), 2.0**600)])
    assert signs.tolist() == [[0.0] * 3] * 2
    exact_value = exact.value("sigmoid", 1.0)
    assert policy.allowed_error("sigmoid", (1.0,), exact_value) == 3 * 2.0**-53  # σ(1) ∈ [½, 1)


def _textbook(function: str, *args: float) -> float:
    w, x, t = args[:3] if function != "loss" else (0.0, 0.0, 0.0)
    with np.errstate(all="ignore"):
        if function == "loss":
            y, t = args
            return float(0.5 * (np.float64(t) - y) ** 2)
        g = _textbook_gradient(w, x, t)
        return g if function == "gradient" else float(np.float64(w) - args[3] * g)


@pytest.mark.parametrize(
    ("function", "args"),
    [
        # ½·(t − y)²: (t − y)² overflows to ∞ while ½(t − y)² = 1.58e308 is finite
        pytest.param("loss", (0.4504489916053004, -1.775840701164964e154), id="loss-overflow"),
        # −(t − y)·y underflows to 0 before ·(1 − y)·x brings it back to 1.8e-149
        pytest.param(
            "gradient",
            (4.782506050982523e-262, -9.936090355158576e263, -1.092941956971681e-302),
            id="gradient-partial-product-underflow",
        ),
        # t ≈ y: the computed t − y has the wrong sign, and η·dE/dw overflows to the other ∞
        pytest.param(
            "step",
            (-5.815299626203553e-227, 5.9304626611981e227, 1.0527008482197922e-15, 4.75e163),
            id="step-infinity-within-reach",
        ),
        # σ' = 0 (σ rounds to 1): w comes back where w − η·dE/dw is −∞, within the allowance
        pytest.param(
            "step",
            (5.509160520626388e-190, 8.230965362313468e190, -7.499675390411724e232, 2.29e255),
            id="step-beyond-the-float-range",
        ),
    ],
)
def test_float64_accepts_the_textbook_at_the_corners_the_sweep_found(
    function: str, args: tuple[float, ...]
) -> None:
    from neuron.gate.checks import exact_measurement

    got = np.asarray(_textbook(function, *args))
    m = exact_measurement(function, POLICY, [np.asarray(a) for a in args], got)
    assert m.passed, (got, m.expected, m.error, m.allowed)


def test_beyond_the_float_range_needs_finite_arguments() -> None:
    from neuron.gate.checks import _beyond_float_range

    assert _beyond_float_range("step", POLICY, (math.inf, 1.0, 0.5, 1.0), 0.0) == math.inf
