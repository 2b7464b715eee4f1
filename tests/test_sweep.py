"""The vectorized sweep (neuron/gate/sweep.py): its domains, its quick bound, what it finds alone.

The quick bound must never accept a point the oracle would reject (it is an upper bound on the
error, by T6.4: the reference is correctly rounded); a failure must always come from the oracle.
Each bug in tests/implementations/ that lives in a corner must be found by the sweep without
any help from Hypothesis (run_property is not involved in those tests).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from neuron import exact, reference
from neuron.gate import runner as verify
from neuron.gate import strategies, sweep
from neuron.gate.properties import by_id
from neuron.gate.protocol import Implementation, load
from neuron.gate.tolerance import Float64Policy, UlpPolicy
from neuron.numerics.ulp import ulp_errors

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
FLOAT64 = Float64Policy()
POINTS = 20_000  # per sweep here; `neuron verify` sweeps 10^5 (SWEEP_POINTS["ci"])


def _implementation(module: str) -> Implementation:
    return load(str(IMPLEMENTATIONS / f"{module}.py"))


# ---------------------------------------------------------------------------------------------
# Domains


@pytest.mark.parametrize("function", sorted(sweep.SAMPLERS))
def test_sample_gives_one_float64_array_per_argument(function: str) -> None:
    arrays = sweep.sample(function, 500, seed=3)
    assert len(arrays) == exact.ARITY[function]
    assert all(a.shape == (500,) and a.dtype == np.float64 for a in arrays)


def test_sample_is_reproducible_from_its_seed() -> None:
    first, second = sweep.sample("step", 1000, seed=11), sweep.sample("step", 1000, seed=11)
    assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(first, second, strict=True))


def test_z_sample_reaches_the_hard_cases() -> None:
    (z,) = sweep.sample("sigmoid", 100_000, seed=0)
    assert np.isnan(z).any()
    assert np.isposinf(z).any()
    assert np.isneginf(z).any()
    assert ((z != 0) & (np.abs(z) < 2.0**-1022)).any(), "no subnormal z"
    assert (np.abs(z) > 1e300).any(), "no huge z"
    for hard in strategies.HARD_Z:  # every hard point, or a neighbour within 300 ulps
        with np.errstate(all="ignore"):  # ±MAX − z overflows, NaN compares
            near = np.abs(z - hard) <= 300 * np.spacing(abs(hard))
        assert near.any(), hard
    # the moderate range where σ is neither 0, ½ nor 1 in float64, densely
    assert ((np.abs(z) > 1) & (np.abs(z) < 40)).mean() > 0.2


def test_gradient_sample_has_targets_near_the_output() -> None:
    w, x, t = sweep.sample("gradient", 20_000, seed=0)
    y = reference.forward(w, x)
    with np.errstate(invalid="ignore"):
        close = np.abs(t - y) <= 4 * np.spacing(np.abs(y))
    assert close.mean() > 0.05, "t ≈ σ(w·x), the cancellation in t − y, is under-sampled"
    assert (np.abs(t) > 1e10).any()
    assert ((t < 0) | (t > 1)).mean() > 0.2


def test_step_sample_has_finite_positive_rates() -> None:
    *_, lr = sweep.sample("step", 20_000, seed=0)
    assert np.all(np.isfinite(lr) & (lr > 0)), "reference.step rejects other rates"
    assert lr.min() < 1e-300
    assert lr.max() > 1e300


def test_offset_counts_float64_steps_across_zero() -> None:
    values = np.array([1.0, 0.0, -5e-324, 1.7976931348623157e308, -1.0])
    steps = np.array([1, -1, 2, 5, -3], dtype=np.int64)
    # strategies._offset_ulps is the scalar definition (tested in test_strategies.py)
    expected = [
        strategies._offset_ulps(float(v), int(k)) for v, k in zip(values, steps, strict=True)
    ]
    assert sweep._offset(values, steps).tolist() == expected


# ---------------------------------------------------------------------------------------------
# The quick bound is an upper bound on the error (T6.4)


def test_quick_bound_is_never_below_the_oracles_error() -> None:
    rng = np.random.default_rng(5)
    (z,) = sweep.sample("sigmoid", 3000, seed=5)
    z = z[np.isfinite(z)]
    truth = reference.sigmoid(z)
    # answers a few ulps off the correctly rounded value, across binade boundaries too
    got = sweep._offset(truth, rng.integers(-3, 4, z.size))
    _, bound = sweep._screen(got, truth, (z,), least=1.0)
    error = ulp_errors(got, exact.values("sigmoid", z))
    assert np.all(bound >= error), (bound - error).min()


def test_quick_bound_accepts_what_the_policy_surely_allows() -> None:
    z = np.array([0.3, 2.0, -7.5])
    truth = reference.sigmoid(z)
    one_off = np.nextafter(truth, np.inf)
    accepted, bound = sweep._screen(one_off, truth, (z,), least=2.0)
    assert accepted.all(), bound  # <= 1 ulp + ½ ulp of rounding <= the float64 policy's 2


# ---------------------------------------------------------------------------------------------
# What the sweep finds on its own


def test_reference_sweep_passes_with_no_oracle_work() -> None:
    result = sweep.sweep("gradient", load("reference"), UlpPolicy(0.5), POINTS, seed=1)
    assert not result.failed, result.message
    assert (result.points, result.rechecked, result.mode) == (POINTS, 0, "arrays")


@pytest.mark.parametrize("module", ["textbook", "autograd_style"])
@pytest.mark.parametrize("function", sorted(sweep.SAMPLERS))
def test_sweep_accepts_the_usual_implementations(module: str, function: str) -> None:
    # docs/tolerance.md: the float64 policy accepts the textbook code and autograd's σ(1 − σ) (T6.1)
    result = sweep.sweep(function, _implementation(module), FLOAT64, POINTS, seed=2)
    assert not result.failed, (result.failure_args, result.message)
    assert result.unchecked == 0, result.notes


@pytest.mark.parametrize(
    ("module", "function"),
    [
        pytest.param("clipped", "sigmoid", id="clip of z to [-30, 30]"),
        pytest.param("shortcut", "sigmoid", id="shortcut near 0"),
        pytest.param("naive_overflow", "sigmoid", id="NaN from an overflow"),
        pytest.param("sign_error", "gradient", id="sign error for z < 0"),
        pytest.param("float32_inside", "forward", id="reduced precision inside"),
        pytest.param("scaled_gradient", "gradient", id="gradient off by 1e-12"),
        pytest.param("lr_sign", "step", id="step uphill"),
    ],
)
def test_sweep_alone_finds_the_corner_bug(module: str, function: str) -> None:
    result = sweep.sweep(function, _implementation(module), FLOAT64, POINTS, seed=3)
    assert result.failed, result.notes
    assert result.measurement is not None, result.message  # confirmed by the oracle
    assert not result.measurement.passed
    # and the reported point reproduces through the catalogue's own check
    m = by_id(f"{function}-exact").check(_implementation(module), FLOAT64, result.failure_args)
    assert not m.passed, (result.failure_args, m.expected, m.got)


def test_reported_point_is_a_finite_one_when_there_is_one() -> None:
    result = sweep.sweep("sigmoid", _implementation("clipped"), FLOAT64, POINTS, seed=3)
    assert result.failure_args is not None
    assert all(math.isfinite(a) for a in result.failure_args), result.failure_args


def test_oracle_time_limit_leaves_points_unchecked_not_failed() -> None:
    result = sweep.sweep(
        "sigmoid_prime", _implementation("textbook"), FLOAT64, POINTS, seed=2, recheck_seconds=0
    )
    assert not result.failed
    assert result.unchecked > 0
    assert result.rechecked == 0
    assert "were not re-checked by the oracle (time limit 0 s)" in result.notes[0]


def test_scalar_only_code_is_swept_one_call_per_point() -> None:
    result = sweep.sweep("sigmoid", _implementation("scalar_only"), FLOAT64, POINTS, seed=4)
    assert not result.failed, result.message
    assert (result.mode, result.points) == ("elementwise", sweep.ELEMENTWISE_POINTS)
    assert "sigmoid does not take arrays (raised TypeError" in result.notes[0]


def test_array_code_that_raises_at_one_point_is_not_said_to_refuse_arrays() -> None:
    def sigmoid(z: object) -> object:  # takes arrays, but raises where one z is NaN
        if np.isnan(z).any():
            raise ValueError("NaN in the batch")
        return reference.sigmoid(z)

    impl = Implementation("raises at NaN", {"sigmoid": sigmoid})
    result = sweep.sweep("sigmoid", impl, FLOAT64, POINTS, seed=4)
    assert result.mode == "elementwise"
    assert "sigmoid raised on a batch (raised ValueError: NaN in the batch" in result.notes[0]


def test_scalar_only_code_that_raises_fails_at_its_point() -> None:
    def sigmoid(z: float) -> float:
        if math.isnan(z):
            raise ValueError("NaN")
        return float(reference.sigmoid(z))

    impl = Implementation("scalar", {"sigmoid": sigmoid})
    result = sweep.sweep("sigmoid", impl, FLOAT64, POINTS, seed=4)
    assert result.failure_args is not None
    assert math.isnan(result.failure_args[0])
    assert result.message == "raised ValueError: NaN"


def test_mutation_is_found_in_process_too() -> None:
    result = sweep.sweep("sigmoid", _implementation("mutating"), FLOAT64, POINTS, seed=4)
    assert result.message == "sigmoid changed its argument z in place (on a batch of 8192 points)"


def test_nondeterminism_is_found_in_process_too() -> None:
    result = sweep.sweep("sigmoid", _implementation("nondeterministic"), FLOAT64, POINTS, seed=4)
    assert result.message.startswith("sigmoid answers the same call differently")


def test_other_bits_at_another_batch_size_within_the_policy_are_a_note() -> None:
    # vectorized code may round its body and its tail differently (PyTorch does): one ulp more
    # in large batches is within the float64 policy, so it is not nondeterminism
    def sigmoid(z: object) -> object:
        s = reference.sigmoid(z)
        return np.nextafter(s, np.inf) if np.size(s) > 5000 else s

    result = sweep.sweep("sigmoid", Implementation("batchy", {"sigmoid": sigmoid}), FLOAT64, 9000)
    assert not result.failed, result.message
    assert any("other bits" in note for note in result.notes), result.notes


def test_an_answer_that_depends_on_the_batch_beyond_the_policy_fails() -> None:
    def gradient(w: object, x: object, t: object) -> object:  # divided by the batch size
        return reference.gradient(w, x, t) / max(np.size(w), 1)

    impl = Implementation("per_batch", {"gradient": gradient})
    result = sweep.sweep("gradient", impl, FLOAT64, 9000, seed=1)
    assert result.failed


def test_run_property_reports_sweep_points_and_the_worst_error() -> None:
    settings = verify.profile_settings("ci", max_examples=5)
    result = verify.run_property(
        by_id("sigmoid-exact"), _implementation("textbook"), FLOAT64, settings, sweep_points=5000
    )
    assert result.status == "passed"
    assert result.sweep_points == 5000
    # one point per example here, and the 13 round values of z tried first
    assert result.points == 5000 + result.examples + len(verify.ROUND_VALUES["z"])
    assert result.worst_error <= result.worst_allowed


def test_a_second_answer_beyond_the_policy_in_another_batch_fails() -> None:
    # right in the batches of the first asking (8192 and 808 points), wrong by 1e-6 relative in
    # the batch of 1286 points asked again: another position must still be within the policy
    def sigmoid(z: object) -> object:
        s = reference.sigmoid(z)
        return s * (1 + 1e-6) if 1000 < np.size(s) < 2000 else s

    impl = Implementation("batchy", {"sigmoid": sigmoid})
    result = sweep.sweep("sigmoid", impl, FLOAT64, 9000, seed=2)
    assert result.failed
    assert "differently in another batch" in result.message
