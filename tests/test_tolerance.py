"""Tolerance policies: what they accept and what they reject."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

from neuron import exact
from neuron.gate.strategies import neuron_inputs, z_values
from neuron.gate.tolerance import SAFETY, UNDERFLOW, Float64Policy, UlpPolicy, parse_policy
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
    assert allowed * float(values.spacing) >= UNDERFLOW * abs(x) * abs(t)
    assert SAFETY == 2.0


def test_nonfinite_inputs_allow_only_the_limit() -> None:
    values = exact.values("sigmoid", math.inf)
    assert POLICY.allowed_ulps("sigmoid", [np.float64(math.inf)], values) * values.spacing <= (
        UNDERFLOW
    )


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
    from neuron.gate.properties import exact_measurement

    got = np.asarray(_textbook(function, *args))
    m = exact_measurement(function, POLICY, [np.asarray(a) for a in args], got)
    assert m.passed, (got, m.expected, m.error, m.allowed)


def test_beyond_the_float_range_needs_finite_arguments() -> None:
    from neuron.gate.properties import _beyond_float_range

    assert _beyond_float_range("step", POLICY, (math.inf, 1.0, 0.5, 1.0), 0.0) == math.inf
