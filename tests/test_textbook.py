"""The textbook programs and their running error bound (neuron/textbook.py, theorem T6.1).

The float64 policy allows what `running_error` bounds. These tests hold the bound to its
derivation at inputs where it can be worked out by hand, and hold correct float64 programs to
the bound over the whole float64 range, with the corners where an intermediate underflows and
a later factor scales it back favoured: the search maximizes error/allowed with target(), and
no ratio may exceed 1.
"""

from __future__ import annotations

import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings, target
from hypothesis import strategies as st

from neuron import exact, reference
from neuron.gate.protocol import Implementation, load
from neuron.gate.strategies import learning_rates, log_uniform_floats, loss_inputs, neuron_inputs
from neuron.gate.sweep import sweep
from neuron.gate.tolerance import Float64Policy
from neuron.numerics.ulp import ulp_errors
from neuron.textbook import (
    ALPHA,
    FAMILY,
    PROGRAMS,
    Op,
    Program,
    U,
    Variant,
    adjoints,
    apply,
    evaluate,
    partials,
    rounding_lower_bound,
    running_error,
)

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
# Correct float64 programs in three evaluation orders: the textbook's −(t − y)·y·(1 − y)·x,
# autograd's (y − t)·(y(1 − y))·x after a branch-stable σ, and the branch-stable σ' = e/(1 + e)².
CORRECT = ("textbook", "autograd_style", "branch_stable")
FLOAT64 = Float64Policy()

# The step at a subnormal x and a huge η: dE/dw = −2.9e−310 is subnormal (carrying up to
# 2^−1075 absolutely, 2^−1022 under flush-to-zero), and η = 8.6e234 scales it back into the
# normal range. Found by `neuron verify tests/implementations/textbook.py --seed 12`, where the
# bound that forgot this underflow allowed 19.9 ulps and the textbook was off by 29.5.
SCALED_BACK = (0.0, -2.87931382354684e-309, 0.09632050324335584, 8.5657776616743e234)


def _implementation(name: str) -> Implementation:
    return load(str(IMPLEMENTATIONS / f"{name}.py"))


def _allowed(function: str, *args: float) -> float:
    program = PROGRAMS[function]
    bound = running_error(program, dict(zip(program.inputs, args, strict=True)))
    return float(bound.allowed())


# --- the bound, worked out by hand ------------------------------------------------------------


def test_sigmoid_at_zero_allows_three_ulps() -> None:
    # e = exp(0) = 1 within 2u; d = 1 + e = 2 carries 2u and rounds (u·2): 4u; y = 1/d = ½
    # carries 4u/d² = u and rounds (u·½): 1.5u. The policy allows 2·1.5u = 3u = 3 ulps of ½.
    assert _allowed("sigmoid", 0.0) == pytest.approx(3 * U, rel=2.0**-50)


def test_sigmoid_prime_at_zero_allows_eight_ulps() -> None:
    # y = ½ carries 1.5u (above); m = 1 − y carries 1.5u and rounds (u·½): 2u; σ' = y·m
    # carries ½·1.5u + ½·2u = 1.75u and rounds (u·¼): 2u. Allowed 4u = 8 ulps of ¼ (2^−54).
    assert _allowed("sigmoid_prime", 0.0) == pytest.approx(4 * U, rel=2.0**-50)


def test_gradient_at_w_zero_allows_fourteen_ulps() -> None:
    # w = 0, x = 2, t = 0: z = 0 exactly; y = ½ carries 1.5u, m = 1 − y 2u, r = t − y = −½
    # carries 1.5u and rounds (u·½): 2u. p = r·y·m·x = −¼ carries |y·m·x|·2u + |r·m·x|·1.5u +
    # |r·y·x|·2u = ½(2 + 1.5 + 2)u = 2.75u, and its three multiplications round (3u·¼): 3.5u.
    # Allowed 7u = 14 ulps of ¼.
    assert _allowed("gradient", 0.0, 2.0, 0.0) == pytest.approx(7 * U, rel=2.0**-50)


def test_loss_at_zero_one_allows_three_ulps() -> None:
    # (y, t) = (0, 1): r = t − y = 1 exactly, yet its rounding counts u·1. E = ½·r·r carries
    # |½·r|·u from each factor r (u in all) and its one multiplication (the ½ scales exactly)
    # rounds u·½: R = 1.5u. Nothing can underflow. Allowed 3u = 3 ulps of ½.
    bound = running_error(PROGRAMS["loss"], {"y": 0.0, "t": 1.0})
    assert bound.rounding == 1.5 * U
    assert bound.underflow == 0
    assert bound.allowed() == 3 * U


def test_the_step_rounds_relative_to_the_new_weight() -> None:
    # (w, x, t, lr) = (1, 2^−60, 0, 2^62): z = 2^−60, so to a relative 2^−58 every value is the
    # z = 0 one: y = m = ½ carrying 1.5u and 2u, r = −y carrying 2u (above). l = lr·r·y·m·x
    # = −½ (lr·x = 4) carries |lr·y·m·x|·2u + |lr·r·m·x|·1.5u + |lr·r·y·x|·2u = 5.5u and its
    # four multiplications round 4u·½: 7.5u. w' = w + l = ½ rounds u·½: R = 8u, relative to
    # w' = ½, not to w − l = 1.5 (which would give 9u). Nothing can underflow.
    bound = running_error(PROGRAMS["step"], {"w": 1.0, "x": 2.0**-60, "t": 0.0, "lr": 2.0**62})
    assert bound.exact == pytest.approx(0.5, rel=2.0**-58)
    assert bound.rounding == pytest.approx(8 * U, rel=2.0**-50)
    assert bound.underflow == 0


def test_gradient_at_z_one_by_an_independent_sweep() -> None:
    # (w, x, t) = (0.5, 2, 0): z = 1. T6.1's sweep written out for this one program, in mpmath:
    # each value's rounding part is what its operands carry (|∂v/∂a|·R_a) plus u·|v| per
    # rounding (2u for exp). Allowed 2R, about 20.98 ulps of |dE/dw| in [¼, ½) (ulp 2^−54).
    with mpmath.workprec(128):
        u = mpmath.mpf(2) ** -53
        e = mpmath.exp(-1)
        d = 1 + e
        y, m, r, x = 1 / d, e / d, -1 / d, 2
        r_z = u  # w·x = 1 rounds (exactly, but counted)
        r_e = e * r_z + 2 * u * e
        r_d = r_e + u * d
        r_y = r_d / d**2 + u * y
        r_m = r_y + u * m
        r_r = r_y + u * y
        p = r * y * m * x
        r_p = abs(y * m * x) * r_r + abs(r * m * x) * r_y + abs(r * y * x) * r_m + 3 * u * abs(p)
        expected = 2 * r_p
        assert 20.9 < expected / mpmath.mpf(2) ** -54 < 21
        bound = running_error(PROGRAMS["gradient"], {"w": 0.5, "x": 2.0, "t": 0.0})
        assert abs(bound.allowed() / expected - 1) < mpmath.mpf(2) ** -100
        assert bound.underflow == 0


def test_a_subnormal_output_counts_its_own_underflow() -> None:
    # (y, t) = (0, 2^−520): r = 2^−520 (normal), E = ½·r·r = 2^−1041 (subnormal). Rounding:
    # r carries nothing and rounds u·r; E carries 2·|½·r|·u·r = u·2^−1040 and rounds u·2^−1041:
    # R = 3u·2^−1041. Underflow: of the partial products {r, r} = 2^−1040 lies below 2^−1022
    # (times the ½ left out: 2^−1023) and the whole product 2^−1041 (2^−1022); {½, r} does not.
    # F = 1.5·2^−1022, rounded up by at most 2^−38.
    bound = running_error(PROGRAMS["loss"], {"y": 0.0, "t": 2.0**-520})
    with mpmath.workprec(128):
        assert bound.rounding == 3 * mpmath.mpf(2) ** -1094
        expected = 1.5 * mpmath.mpf(2) ** -1022
        assert expected <= bound.underflow <= expected * (1 + mpmath.mpf(2) ** -38)


def test_an_operation_rounds_relative_to_its_own_result() -> None:
    # w' = w + l rounds by u·|w'|, not by u·|w − l| or u·|l|: at 1 + (−1 + 2^−52) that is 2^−105
    program = Program(("a", "b"), (Op("s", "add", ("a", "b")),), "s")
    bound = running_error(program, {"a": 1.0, "b": -1.0 + 2.0**-52})
    assert bound.rounding == U * 2.0**-52
    assert bound.underflow == 0


def test_an_exact_zero_product_has_no_underflow_inside() -> None:
    # x = 0 makes every partial product with x exactly 0: only the result's own 2^−1022 (the
    # smallest normal float64, written out: not the module's ALPHA, which this pins)
    bound = running_error(PROGRAMS["gradient"], {"w": 0.5, "x": 0.0, "t": 0.25})
    assert 2.0**-1022 <= bound.underflow <= 2.0**-1022 * (1 + 2.0**-38)
    # IEEE 754 binary64: emin = −1022, p = 53
    assert ALPHA == 2.0**-1022
    assert U == 2.0**-53


def test_a_partial_product_that_underflows_costs_alpha_times_the_rest() -> None:
    # factors 2^−600, 2^−600, 2^1000: only 2^−600·2^−600 = 2^−1200 can fall below 2^−1022,
    # and the factor left out, 2^1000, scales its 2^−1022 to 2^−22
    program = Program(("a", "b", "c"), (Op("p", "product", ("a", "b", "c")),), "p")
    bound = running_error(program, {"a": 2.0**-600, "b": 2.0**-600, "c": 2.0**1000})
    assert 2.0**-22 <= bound.underflow <= 2.0**-22 * (1 + 2.0**-38)
    assert bound.rounding == 2 * U * 2.0**-200


def test_a_subnormal_factor_alone_is_no_underflow() -> None:
    # factors 2^−1074, 2^100, 2^100: the subnormal input is exact, and every partial product of
    # two or more factors (2^−974, 2^−974, 2^200, 2^−874) is normal: T6.1 counts the results
    # of multiplications only, so there is no underflow term, and the two roundings give 2u·|p|
    program = Program(("a", "b", "c"), (Op("p", "product", ("a", "b", "c")),), "p")
    bound = running_error(program, {"a": 2.0**-1074, "b": 2.0**100, "c": 2.0**100})
    assert bound.underflow == 0
    assert bound.rounding == 2 * U * 2.0**-874


def test_a_partial_product_just_below_the_normal_range_counts() -> None:
    # 2^−511·1.5·2^−512 = 1.5·2^−1023 lies below 2^−1022 (subnormal): its 2^−1022, times the
    # factor left out, 2^100, is 2^−922. The other partial products are normal.
    program = Program(("a", "b", "c"), (Op("p", "product", ("a", "b", "c")),), "p")
    bound = running_error(program, {"a": 2.0**-511, "b": 1.5 * 2.0**-512, "c": 2.0**100})
    assert 2.0**-922 <= bound.underflow <= 2.0**-922 * (1 + 2.0**-38)


def test_a_factor_known_only_roughly_makes_its_product_underflow() -> None:
    # q = 1 + 2^−60 rounds (error up to u·|q|, about 2^−53); s = q − 1 = 2^−60 then carries
    # 2^−53, 128 times itself: to first order the computed s may be 0 (so s itself can
    # underflow), and so may p = s·2^−900, normal as its exact value 2^−960 is: p counts its
    # own 2^−1022, besides s's 2^−1022 carried in times 2^−900.
    program = Program(
        ("a", "b", "c"),
        (Op("q", "add", ("a", "b")), Op("s", "sub", ("q", 1.0)), Op("p", "product", ("s", "c"))),
        "p",
    )
    bound = running_error(program, {"a": 1.0, "b": 2.0**-60, "c": 2.0**-900})
    assert bound.exact == 2.0**-960
    assert 2.0**-1022 <= bound.underflow <= 2.0**-1022 * (1 + 2.0**-38)


def test_small_but_normal_factors_do_not_underflow() -> None:
    # (y, t) = (0, 2^−100): r = 2^−100, r² = 2^−200, ½r² = 2^−201, all far inside the normal
    # range: no underflow term at all
    assert running_error(PROGRAMS["loss"], {"y": 0.0, "t": 2.0**-100}).underflow == 0


def test_an_operand_that_may_have_flushed_can_make_a_sum_underflow() -> None:
    # s = 2^−600·2^−500 = 2^−1100 may flush to 0: 2^−1022. t = s + 1.5·2^−1022 carries that
    # 2^−1022, so |t| − 2·2^−1022 < 2^−1022: t may underflow too and adds its own 2^−1022.
    program = Program(
        ("a", "b", "c"), (Op("s", "product", ("a", "b")), Op("t", "add", ("s", "c"))), "t"
    )
    bound = running_error(program, {"a": 2.0**-600, "b": 2.0**-500, "c": 1.5 * 2.0**-1022})
    assert 2 * 2.0**-1022 <= bound.underflow <= 2 * 2.0**-1022 * (1 + 2.0**-38)


def test_the_sigmoid_program_differentiates_to_sigma_prime() -> None:
    # T1.2: dσ/dz = σ(z)(1 − σ(z)) = ¼ at z = 0, through de/dz = −e and dy/dd = −1/d²
    program = PROGRAMS["sigmoid"]
    values = evaluate(program, {"z": 0.0}, lambda a: math.exp(-a))
    assert adjoints(program, values)["z"] == 0.25


def test_the_step_counts_the_underflow_of_the_gradient_it_scales() -> None:
    w, x, t, lr = SCALED_BACK
    # dE/dw may flush to 0 under FTZ: an error of 2^−1022, times η
    assert _allowed("step", w, x, t, lr) >= lr * 2.0**-1022


def test_the_textbook_step_passes_where_its_gradient_underflows() -> None:
    args = [np.array([v]) for v in SCALED_BACK]
    got = _implementation("textbook")("step", *args)
    values = exact.values("step", *args)
    assert ulp_errors(got, values)[0] <= FLOAT64.allowed_ulps("step", args, values)[0]


def test_the_policy_allows_what_running_error_bounds() -> None:
    args = (0.5, 2.0, 0.25)
    values = exact.values("gradient", *(np.array([a]) for a in args))
    allowed = FLOAT64.allowed_ulps("gradient", [np.array([a]) for a in args], values)[0]
    with mpmath.workprec(64):
        expected = _allowed("gradient", *args) / float(values.spacing[0])
    assert allowed == pytest.approx(expected, rel=2.0**-40)


# --- correct programs within the bound over the whole range -----------------------------------


@st.composite
def _scaled_back(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """(w, x, t, lr) with dE/dw subnormal or tiny and a learning rate that scales it back."""
    x = draw(st.one_of(log_uniform_floats(-1074, -1023), log_uniform_floats(-1022, -990)))
    z = draw(st.one_of(st.just(0.0), st.floats(-40.0, 40.0)))
    t = draw(st.one_of(st.floats(-3.0, 4.0), log_uniform_floats(-1074, 1023)))
    lr = draw(log_uniform_floats(0, 1023, signed=False))
    return z / x, x, t, lr


def _quadruples() -> st.SearchStrategy[tuple[float, ...]]:
    triples = neuron_inputs().flatmap(
        lambda wxt: learning_rates().map(lambda lr: (*wxt, lr))  # type: ignore[no-any-return]
    )
    return st.one_of(triples, _scaled_back())


def _ratio(implementation: str, function: str, args: tuple[float, ...]) -> float:
    """error/allowed of one implementation at one point (0 where the result is accepted as
    the infinity the textbook program overflows to)."""
    arrays = [np.array([a]) for a in args]
    with np.errstate(all="ignore"):
        got = np.asarray(_implementation(implementation)(function, *arrays), dtype=np.float64)
    values = exact.values(function, *arrays)
    if np.isinf(got[0]) and FLOAT64.overflow_sign(function, arrays)[0] == np.sign(got[0]):
        return 0.0
    error = float(ulp_errors(got, values)[0])
    allowed = float(FLOAT64.allowed_ulps(function, arrays, values)[0])
    return error / allowed if error else 0.0


def _holds(implementation: str, function: str, args: tuple[float, ...]) -> None:
    ratio = _ratio(implementation, function, args)
    target(min(ratio, 1e6), label=f"{implementation}.{function}")
    assert ratio <= 1, f"{implementation}.{function}{args}: error/allowed = {ratio}"


@pytest.mark.parametrize("implementation", CORRECT)
@settings(deadline=None)
@given(args=_quadruples())
@example(args=SCALED_BACK)
def test_correct_steps_stay_within_the_bound(implementation: str, args: tuple[float, ...]) -> None:
    _holds(implementation, "step", args)


@pytest.mark.parametrize("implementation", CORRECT)
@settings(deadline=None)
@given(args=st.one_of(neuron_inputs(), _scaled_back().map(lambda a: a[:3])))
def test_correct_gradients_stay_within_the_bound(
    implementation: str, args: tuple[float, ...]
) -> None:
    _holds(implementation, "gradient", args)


@pytest.mark.parametrize("implementation", CORRECT)
@settings(deadline=None)
@given(args=st.one_of(neuron_inputs().map(lambda a: a[:2]), st.tuples(log_uniform_floats())))
def test_correct_forward_and_sigmoid_stay_within_the_bound(
    implementation: str, args: tuple[float, ...]
) -> None:
    _holds(implementation, "forward" if len(args) == 2 else "sigmoid", args)
    if len(args) == 1:
        _holds(implementation, "sigmoid_prime", args)


@pytest.mark.parametrize("implementation", CORRECT)
@settings(deadline=None)
@given(args=loss_inputs())
def test_correct_losses_stay_within_the_bound(implementation: str, args: tuple[float, ...]) -> None:
    if all(math.isfinite(a) for a in args):
        _holds(implementation, "loss", args)


# The vectorized sweep of the gate, as `neuron verify` runs it, over every function of each
# correct program: at least 10^7 points in all under the thorough profile.
SWEEP_POINTS = {"dev": 20_000, "ci": 100_000, "thorough": 1_000_000}


@pytest.mark.parametrize("implementation", CORRECT)
@pytest.mark.parametrize("function", list(PROGRAMS))
def test_correct_programs_pass_the_sweep(implementation: str, function: str) -> None:
    points = SWEEP_POINTS.get(settings.get_current_profile_name(), SWEEP_POINTS["dev"])
    impl = _implementation(implementation)
    result = sweep(function, impl, FLOAT64, points, seed=12, recheck_seconds=math.inf)
    assert not result.failed, f"{result.message} at {result.failure_args}"
    assert result.unchecked == 0


# --- the programs' own arithmetic -------------------------------------------------------------


def test_adjoints_are_the_chain_rule() -> None:
    # g = −(t − y)·σ'(w·x)·x, so ∂g/∂t = −σ'(z)·x: −¼·2 at w = 0, x = 2 (σ'(0) = ¼)
    program = PROGRAMS["gradient"]
    values = evaluate(program, {"w": 0.0, "x": 2.0, "t": 0.0}, lambda a: math.exp(-a))
    assert adjoints(program, values)["t"] == -0.5
    # with absolute local derivatives, y's two paths (through r and through m) add up
    signed = adjoints(program, values)["y"]
    assert adjoints(program, values, absolute=True)["y"] >= abs(signed)


@pytest.mark.parametrize("kind", ["pow", ""])
def test_an_unknown_operation_is_refused(kind: str) -> None:
    with pytest.raises(ValueError, match="unknown operation"):
        apply(kind, [1.0, 2.0], math.exp)
    with pytest.raises(ValueError, match="unknown operation"):
        partials(kind, [1.0, 2.0], 3.0)


# --- the sweep's quick allowance is a lower bound of the policy's -----------------------------


def test_the_quick_allowance_is_tight_where_the_values_are_exact() -> None:
    # At these inputs every intermediate is exact or normal, so the float64 lower bound of R
    # loses only its documented 2^−20 margin. The allowances are the hand derivations above
    # (and in tests/test_tolerance.py): σ(0) 3, σ'(0) 8, dE/dw at (0, 2, 0) 14, E at (0, 1) 3.
    for function, args, allowed in (
        ("sigmoid", (0.0,), 3.0),
        ("sigmoid_prime", (0.0,), 8.0),
        ("gradient", (0.0, 2.0, 0.0), 14.0),
        ("loss", (0.0, 1.0), 3.0),
        # z = 1, exp's argument carrying an error (test_gradient_at_z_one_by_an_independent_sweep)
        ("gradient", (0.5, 2.0, 0.0), 20.977683617824449),
    ):
        arrays = [np.array([a]) for a in args]
        truth = np.asarray(getattr(reference, function)(*arrays))
        quick = FLOAT64.quick_allowed_ulps(function, arrays, truth)[0]
        assert allowed * (1 - 2.0**-18) <= quick <= allowed, function


def test_where_the_quick_lower_bound_is_trusted() -> None:
    # rounding_lower_bound's docstring: trusted where every input and computed value is finite
    # and exactly 0 (a sum, or a product with a zero factor) or within [2^−900, 2^900], both
    # ends included. One addition s = a + b shows each clause.
    program = Program(("a", "b"), (Op("s", "add", ("a", "b")),), "s")
    cases = [
        ((2.0**-900, 0.0), True),  # an input and the sum at the lower end
        ((2.0**900, 0.0), True),  # at the upper end
        ((1.0, -1.0), True),  # a sum that is exactly 0
        ((2.0**901, -(2.0**901) + 2.0**890), False),  # an input beyond 2^900, the sum inside
        ((2.0**-901, 2.0**-890), False),  # an input below 2^−900, the sum inside
        ((2.0**-901, 2.0**-901), False),  # the sum 2^−900 inside, the inputs below
    ]
    for (a, b), expected in cases:
        _, trusted = rounding_lower_bound(program, {"a": np.array([a]), "b": np.array([b])})
        assert bool(trusted[0]) is expected, (a, b)
    # a difference that is exactly 0 is trusted as a sum is (r = t − y at t = y)
    difference = Program(("a", "b"), (Op("d", "sub", ("a", "b")),), "d")
    inputs = {"a": np.array([0.75]), "b": np.array([0.75])}
    assert rounding_lower_bound(difference, inputs)[1].tolist() == [True]
    # a product that is 0 without a zero factor (2^−600·2^−600 underflows) is not trusted
    product = Program(("a", "b"), (Op("p", "product", ("a", "b")),), "p")
    inputs = {"a": np.array([2.0**-600, 0.0]), "b": np.array([2.0**-600, 1.0])}
    assert rounding_lower_bound(product, inputs)[1].tolist() == [False, True]


@settings(deadline=None)
@given(
    args=st.one_of(
        neuron_inputs().flatmap(lambda a: learning_rates().map(lambda lr: (*a, lr))),
        _scaled_back(),
    )
)
def test_the_quick_allowance_never_exceeds_the_allowance(args: tuple[float, ...]) -> None:
    for function in PROGRAMS:
        program = PROGRAMS[function]
        inputs = args[: len(program.inputs)] if function != "loss" else (0.25, args[2])
        if function in ("sigmoid", "sigmoid_prime"):
            inputs = (args[0] * args[1],) if math.isfinite(args[0] * args[1]) else (args[0],)
        if not all(math.isfinite(a) for a in inputs):
            continue  # no lower bound holds at NaN or ±∞ (the sweep judges those apart)
        arrays = [np.array([a]) for a in inputs]
        truth = np.asarray(getattr(reference, function)(*arrays))
        quick = FLOAT64.quick_allowed_ulps(function, arrays, truth)[0]
        allowed = FLOAT64.allowed_ulps(function, arrays, exact.values(function, *arrays))[0]
        assert FLOAT64.least_allowed_ulps(function) <= quick <= allowed, (function, inputs)


# ---------------------------------------------------------------------------------------------
# Other correct evaluation orders (FAMILY, T6.1(e))


@pytest.mark.parametrize(
    ("name", "variant"), [(name, v) for name, variants in FAMILY.items() for v in variants]
)
def test_each_variant_computes_its_function(name: str, variant: Variant) -> None:
    # at points of its branch away from cancellation, its exact value is the oracle's
    for z, x, t in ((0.75, 2.0, 0.125), (-3.0, 0.5, 0.875), (-40.0, 4.0, 1.0), (2.5, -1.0, 0.0)):
        if (variant.where == "z >= 0" and z < 0) or (variant.where == "z < 0" and z >= 0):
            continue
        point = {"z": z, "w": z / x, "x": x, "t": t, "lr": 0.5}
        inputs = {n: point[n] for n in variant.program.inputs}
        with mpmath.workprec(200):
            got = evaluate(
                variant.program,
                {n: mpmath.mpf(v) for n, v in inputs.items()},
                lambda a: mpmath.exp(-a),
                exact=True,
            )[variant.program.output]
            expected = exact.value(name, *inputs.values(), bits=200)
            assert abs(got - expected) <= abs(expected) * mpmath.mpf(2) ** -150, (variant, point)


def test_branch_stable_sigmoid_rounds_five_halves_u_near_zero() -> None:
    # e = e^z ≈ 1 reaches y = e/(1 + e) directly (weight 1/d = ½) and through d (weight
    # e/d² = ¼): 2u·¾ from exp, u·|d|·¼ = u/2 from the sum, u·y = u/2 from the division
    (stable,) = FAMILY["sigmoid"]
    z = -(2.0**-60)
    own = running_error(stable.program, {"z": z}).rounding / U
    textbook = running_error(PROGRAMS["sigmoid"], {"z": z}).rounding / U
    assert abs(own - 2.5) < 1e-15
    assert abs(textbook - 1.5) < 1e-15
