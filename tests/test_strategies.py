"""neuron.gate.strategies: each strategy draws what it promises and reaches every hard case.

Reachability is shown with `hypothesis.find`, which searches a strategy for one example of a
region (up to 2000 examples) and fails otherwise.
Exact values come from mpmath at 400 bits inside `mp.workprec` (the global precision is never
touched), from `fractions.Fraction`, or from walking the floats with `math.nextafter`; never
from the module under test.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

from neuron.gate import strategies
from neuron.gate.strategies import (
    ARG_KINDS,
    HARD_POINTS,
    HARD_Z,
    broadcastable_arrays,
    descent_inputs,
    finite_floats,
    learning_rates,
    log_uniform_floats,
    loss_inputs,
    near,
    neuron_inputs,
    non_broadcastable_shapes,
    special_floats,
    z_values,
)

MAX = sys.float_info.max
MIN_NORMAL = sys.float_info.min  # 2^−1022
TINY = 2.0**-1074
PREC = 400  # bits for every exact value below; mpmath's exp and log err by < 2^−390 here
HARD = {point.name: point.z for point in HARD_POINTS}


# find() searches up to 2000 examples unless told otherwise; that budget, not the profile's
# max_examples, is what "reachable" means here. Its shrink phase, which only makes the example
# minimal, is skipped: it took most of the time. Other settings follow the loaded profile.
REACH_SETTINGS = settings(max_examples=2000, phases=[Phase.explicit, Phase.reuse, Phase.generate])


def reach(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """An example of `strategy` satisfying `condition`; raises NoSuchExample if none is found."""
    return find(strategy, condition, settings=REACH_SETTINGS)


def walk(value: float, steps: int) -> float:
    """The float `steps` nextafter-steps from `value` (negative: downward)."""
    for _ in range(abs(steps)):
        value = math.nextafter(value, math.copysign(math.inf, steps))
    return value


def steps_between(a: float, b: float, limit: int) -> int:
    """Number of nextafter steps from a to b (±0 are one point), or limit + 1 if more."""
    count = 0
    while a != b and count <= limit:
        a = math.nextafter(a, b)
        count += 1
    return count


def sigma(z: Any) -> Any:
    return 1 / (1 + mpmath.exp(-z))


def sigma_prime(z: Any) -> Any:
    e = mpmath.exp(-abs(z))
    return e / (1 + e) ** 2


def is_subnormal(v: float) -> bool:
    return 0.0 < abs(v) < MIN_NORMAL


# ---------------------------------------------------------------------------------------------
# finite_floats, special_floats, log_uniform_floats
# ---------------------------------------------------------------------------------------------


@given(finite_floats())
def test_finite_floats_are_finite(v: float) -> None:
    assert isinstance(v, float)
    assert math.isfinite(v), v


@pytest.mark.parametrize(
    "region",
    [
        lambda v: v == 0.0 and math.copysign(1.0, v) < 0.0,
        is_subnormal,
        lambda v: v == MAX,
        lambda v: v == -MAX,
        lambda v: 1e-300 < abs(v) < 1e-10,
    ],
    ids=["-0", "subnormal", "+max", "-max", "small normal"],
)
def test_finite_floats_reach(region: Callable[[float], bool]) -> None:
    reach(finite_floats(), region)


@pytest.mark.parametrize(
    "region",
    [
        lambda v: math.isnan(v) and math.copysign(1.0, v) > 0.0,
        lambda v: math.isnan(v) and math.copysign(1.0, v) < 0.0,
        lambda v: v == math.inf,
        lambda v: v == -math.inf,
        lambda v: v == 0.0 and math.copysign(1.0, v) < 0.0,
        lambda v: v == TINY,
        lambda v: v == -MIN_NORMAL,
        lambda v: v == MAX,
    ],
    ids=["nan", "-nan", "+inf", "-inf", "-0", "2^-1074", "-2^-1022", "max"],
)
def test_special_floats_include(region: Callable[[float], bool]) -> None:
    reach(special_floats(), region)


@given(st.data(), st.integers(-1074, 1023), st.integers(0, 200), st.booleans())
def test_log_uniform_floats_stay_in_their_binades(
    data: st.DataObject, low: int, width: int, signed: bool
) -> None:
    high = min(low + width, 1023)
    v = data.draw(log_uniform_floats(low, high, signed=signed))
    # m·2^e with 1 <= m < 2 lies in [2^e, 2^(e+1)]; the upper end only by a subnormal rounding up.
    assert Fraction(2) ** low <= abs(Fraction(v)) <= Fraction(2) ** (high + 1), (low, high, v)
    assert signed or v > 0.0, v


def test_log_uniform_floats_draw_both_signs() -> None:
    reach(log_uniform_floats(), lambda v: v < 0.0)


@pytest.mark.parametrize(("low", "high"), [(-1075, 0), (0, 1024), (5, 4)])
def test_log_uniform_floats_reject_bad_exponents(low: int, high: int) -> None:
    with pytest.raises(ValueError, match="exponents"):
        log_uniform_floats(low, high)


# ---------------------------------------------------------------------------------------------
# near
# ---------------------------------------------------------------------------------------------


@given(st.data(), finite_floats(), st.integers(0, 40))
def test_near_stays_within_the_window(data: st.DataObject, value: float, ulps: int) -> None:
    v = data.draw(near(value, ulps))
    assert math.isfinite(v), (value, ulps, v)
    assert steps_between(value, v, ulps) <= ulps, (value, ulps, v)


@pytest.mark.parametrize("value", [MAX, -MAX])
def test_near_clamps_at_the_largest_float(value: float) -> None:
    reach(near(value, 5), lambda v: v == value)
    reach(near(value, 5), lambda v: v == walk(value, -5 if value > 0 else 5))


@given(st.data(), st.sampled_from([math.inf, -math.inf]), st.integers(1, 40))
def test_near_infinity_gives_the_largest_finite_floats(
    data: st.DataObject, value: float, ulps: int
) -> None:
    v = data.draw(near(value, ulps))
    # ∞ counts as one step beyond MAX: nextafter(∞, 0) is MAX.
    assert math.isfinite(v), v
    assert steps_between(value, v, ulps) <= ulps, (value, ulps, v)


def test_near_crosses_zero() -> None:
    reach(near(2 * TINY, 3), lambda v: v < 0.0)


def test_near_reaches_both_ends_of_its_window() -> None:
    reach(near(1.0, 3), lambda v: v == walk(1.0, -3))
    reach(near(1.0, 3), lambda v: v == walk(1.0, 3))


@pytest.mark.parametrize(("value", "ulps"), [(math.nan, 1), (1.0, -1)])
def test_near_rejects_nan_and_negative_ulps(value: float, ulps: int) -> None:
    with pytest.raises(ValueError, match="near"):
        near(value, ulps)


# ---------------------------------------------------------------------------------------------
# HARD_POINTS: each value has its defining property, checked at 400 bits from exp (the module
# solves the same conditions with log, atanh and acosh)
# ---------------------------------------------------------------------------------------------

H = mpmath.mpf(2)  # powers of two are exact at any precision
F = Callable[[Any], Any]
Cond = tuple[F, Any, Any]


def sigma_minus_half(z: Any) -> Any:
    return mpmath.tanh(z / 2) / 2  # σ(z) − ½ (T2.2), without cancellation near z = 0


def exp_minus(z: Any) -> Any:
    return mpmath.exp(-z)


exp_plus: F = mpmath.exp


def hard_point_properties() -> dict[str, list[Cond]]:
    """name -> conditions lo < q(z) < hi (None: unbounded) that make up the point's meaning.

    fl(v) = F exactly when v lies strictly between the midpoints around F; no quantity here
    sits on a midpoint (each is transcendental at a dyadic z ≠ 0). Built at PREC bits, so
    that bounds such as 1 − 2.5·2^−53 are exact.
    """
    half_ulp_above_half = H**-54  # the floats above ½ are 2^−53 apart
    half_ulp_below_half = H**-55  # and below ½, 2^−54 apart
    quarter_midpoint = mpmath.mpf(1) / 4 - H**-56  # between ¼ − 2^−55 and ¼
    overflow = H**1024 - H**970  # midpoint between MAX and 2^1024: e^z rounds to ∞ from here
    rounds_to_half = [(sigma_minus_half, -half_ulp_below_half, half_ulp_above_half)]
    table: dict[str, list[Cond]] = {
        "min_subnormal": rounds_to_half,
        "-min_subnormal": rounds_to_half,
        "sigma_above_half": [(sigma_minus_half, half_ulp_above_half, None)],
        "sigma_above_half/before": [(sigma_minus_half, 0, half_ulp_above_half)],
        "sigma_below_half": [(sigma_minus_half, None, -half_ulp_below_half)],
        "sigma_below_half/before": [(sigma_minus_half, -half_ulp_below_half, 0)],
        "sigma_prime_below_quarter": [(sigma_prime, None, quarter_midpoint)],
        "sigma_prime_below_quarter/before": [(sigma_prime, quarter_midpoint, 0.25)],
        "-sigma_prime_below_quarter": [(sigma_prime, None, quarter_midpoint)],
        "-sigma_prime_below_quarter/before": [(sigma_prime, quarter_midpoint, 0.25)],
        # fl(1 + u) = 1 iff u <= 2^−53 (the tie goes to 1, whose mantissa is even)
        "one_plus_exp_is_one": [(exp_minus, None, H**-53)],
        "one_plus_exp_is_one/before": [(exp_minus, H**-53, None)],
        "-one_plus_exp_is_one": [(exp_plus, None, H**-53)],
        "-one_plus_exp_is_one/before": [(exp_plus, H**-53, None)],
        # the floats below 1 are 2^−53 apart: 1 − 2^−53 owns (1 − 1.5·2^−53, 1 − 2^−54)
        "sigma_last_below_one": [(sigma, 1 - 1.5 * H**-53, 1 - H**-54)],
        "sigma_last_below_one/before": [(sigma, 1 - 2.5 * H**-53, 1 - 1.5 * H**-53)],
        "-sigma_last_below_one": [(sigma, H**-54, 1.5 * H**-53)],
        "-sigma_last_below_one/before": [(sigma, 1.5 * H**-53, 2.5 * H**-53)],
        "sigma_rounds_to_one": [(sigma, 1 - H**-54, None)],
        "sigma_rounds_to_one/before": [(sigma, 1 - 1.5 * H**-53, 1 - H**-54)],
        "-sigma_rounds_to_one": [(sigma, None, H**-54)],
        "-sigma_rounds_to_one/before": [(sigma, H**-54, 1.5 * H**-53)],
        "exp_overflows": [(exp_plus, overflow, None)],
        "exp_overflows/before": [(exp_plus, None, overflow)],
        "-exp_overflows": [(exp_minus, overflow, None)],
        "-exp_overflows/before": [(exp_minus, None, overflow)],
        # below 2^−1022 − 2^−1075 a value rounds to a subnormal
        "sigma_subnormal": [(sigma, None, H**-1022 - H**-1075)],
        "sigma_subnormal/before": [(sigma, H**-1022, None)],
        "-sigma_subnormal": [(sigma_prime, None, H**-1022 - H**-1075)],
        "-sigma_subnormal/before": [(sigma_prime, H**-1022, None)],
        # 2^−1075 is the midpoint between 0 and 2^−1074 (the tie goes to 0)
        "sigma_underflows": [(sigma, None, H**-1075)],
        "sigma_underflows/before": [(sigma, H**-1075, 1.5 * H**-1074)],
        "-sigma_underflows": [(sigma_prime, None, H**-1075)],
        "-sigma_underflows/before": [(sigma_prime, H**-1075, 1.5 * H**-1074)],
    }
    for name in ("beyond_underflow", "huge", "max"):
        table[name] = [(sigma, 1 - H**-54, None), (sigma_prime, None, H**-1075)]
        table["-" + name] = [(sigma, None, H**-1075), (sigma_prime, None, H**-1075)]
    for name in ("beyond_underflow", "huge"):
        table[name].append((exp_plus, overflow, None))
        table["-" + name].append((exp_minus, overflow, None))
    return table


with mpmath.mp.workprec(PREC):
    PROPERTIES = hard_point_properties()
SIGNED_ZEROS = {"zero": 1.0, "-zero": -1.0}
ORDINARY = {"one", "-one"}  # points without a threshold: nothing special to check


def test_every_hard_point_has_a_checked_property() -> None:
    names = [point.name for point in HARD_POINTS]
    assert len(set(names)) == len(names), names
    unchecked = set(names) - set(PROPERTIES) - set(SIGNED_ZEROS) - ORDINARY
    assert not unchecked, unchecked
    assert tuple(point.z for point in HARD_POINTS) == HARD_Z


@pytest.mark.parametrize(
    "point", [p for p in HARD_POINTS if p.name in PROPERTIES], ids=lambda p: p.name
)
def test_hard_point_has_its_defining_property(point: Any) -> None:
    with mpmath.mp.workprec(PREC):
        z = mpmath.mpf(point.z)
        for quantity, lo, hi in PROPERTIES[point.name]:
            q = quantity(z)
            for bound, below in ((lo, False), (hi, True)):
                if bound is None:
                    continue
                # q is known to < 2^−390 relative; a gap above 2^−200·max(|q|, |bound|) decides
                # the side for sure.
                assert abs(q - bound) > max(abs(q), abs(bound)) * H**-200, (point, bound)
                assert (q < bound) == below, (point, mpmath.nstr(q, 20), mpmath.nstr(bound, 20))


@pytest.mark.parametrize(("name", "sign"), SIGNED_ZEROS.items())
def test_zero_hard_points_are_signed_zeros(name: str, sign: float) -> None:
    assert HARD[name] == 0.0
    assert math.copysign(1.0, HARD[name]) == sign


@pytest.mark.parametrize("name", [p.name for p in HARD_POINTS if p.name.endswith("/before")])
def test_before_and_after_points_are_neighbours(name: str) -> None:
    after = HARD[name.removesuffix("/before")]
    assert steps_between(HARD[name], after, 1) == 1, (name, HARD[name], after)


def test_exp_overflow_point_before_is_numpys_log_of_max() -> None:
    # numpy's log is faithful here: log(MAX) lies 5.5e-17 from the threshold, inside one ulp.
    assert float(np.log(np.finfo(np.float64).max)) == HARD["exp_overflows/before"]


# ---------------------------------------------------------------------------------------------
# z_values
# ---------------------------------------------------------------------------------------------


@given(z_values())
def test_z_values_are_finite(z: float) -> None:
    assert isinstance(z, float)
    assert math.isfinite(z), z


def _unpinned(condition: Callable[[float], bool]) -> Callable[[float], bool]:
    return lambda z: z not in HARD_Z and condition(z)


@pytest.mark.parametrize(
    "region",
    [
        # σ(z) subnormal, strictly between the pinned thresholds
        _unpinned(lambda z: HARD["sigma_underflows"] < z < HARD["sigma_subnormal"]),
        # where σ(z) rounds to 1 − 2^−53 or 1 but the textbook 1 + e^−z already rounds to 1
        _unpinned(lambda z: HARD["one_plus_exp_is_one"] < z < HARD["sigma_rounds_to_one"]),
        _unpinned(lambda z: 0 < abs(z - HARD["exp_overflows"]) < 1e-11),
        _unpinned(lambda z: 0 < abs(z - HARD["-sigma_underflows"]) < 1e-11),
        lambda z: z > 745.2 and z != 1000.0,
        is_subnormal,
        lambda z: 1e-200 < -z < 1e-20,
    ],
    ids=[
        "sigma subnormal",
        "textbook rounds to 1",
        "exp overflow",
        "sigma' underflow",
        "beyond underflow",
        "subnormal z",
        "small negative z",
    ],
)
def test_z_values_reach(region: Callable[[float], bool]) -> None:
    reach(z_values(), region)


# ---------------------------------------------------------------------------------------------
# neuron_inputs
# ---------------------------------------------------------------------------------------------


@given(neuron_inputs())
def test_neuron_inputs_are_finite_triples(triple: tuple[float, ...]) -> None:
    assert len(triple) == 3
    assert all(isinstance(v, float) and math.isfinite(v) for v in triple), triple


@given(neuron_inputs(unit_targets=True))
def test_neuron_inputs_with_unit_targets_keep_t_in_unit_interval(
    triple: tuple[float, ...],
) -> None:
    assert 0.0 <= triple[2] <= 1.0, triple


@given(neuron_inputs(allow_nonfinite=True))
def test_neuron_inputs_with_nonfinite_are_float_triples(triple: tuple[float, ...]) -> None:
    assert len(triple) == 3
    assert all(isinstance(v, float) for v in triple), triple


def exact_product(w: float, x: float) -> Fraction:
    return Fraction(w) * Fraction(x)


def t_near_output(triple: tuple[float, ...]) -> bool:
    """t within 4 ulps of the exact σ(w·x), and not its correctly rounded value."""
    w, x, t = triple
    if not 0.0 < t < 1.0:
        return False
    with mpmath.mp.workprec(PREC):
        y = sigma(mpmath.mpf(w) * mpmath.mpf(x))  # the product is exact at 400 bits
        window = mpmath.mpf(walk(t, -4)) <= y <= mpmath.mpf(walk(t, 4))
        lower = (mpmath.mpf(walk(t, -1)) + t) / 2
        upper = (mpmath.mpf(walk(t, 1)) + t) / 2
        return bool(window and not lower <= y <= upper)


@pytest.mark.parametrize(
    "region",
    [
        lambda p: (
            abs(p[0]) < 2.0**-500
            and abs(p[1]) > 2.0**500
            and 2.0**-8 < abs(exact_product(p[0], p[1])) < 2.0**8
        ),
        lambda p: (
            abs(p[1]) < 2.0**-500
            and abs(p[0]) > 2.0**500
            and 2.0**-8 < abs(exact_product(p[0], p[1])) < 2.0**8
        ),
        lambda p: is_subnormal(p[0]) and abs(p[1]) > 2.0**1000,
        lambda p: p[1] == 0.0 and p[0] != 0.0,
        lambda p: p[0] == 0.0 and p[1] != 0.0,
        lambda p: math.isinf(p[0] * p[1]),
        lambda p: (
            abs(p[1]) != 1.0
            and HARD["sigma_underflows"] < exact_product(p[0], p[1]) < HARD["sigma_subnormal"]
        ),
        lambda p: (
            abs(p[1]) != 1.0 and HARD["sigma_last_below_one"] < exact_product(p[0], p[1]) < 37.5
        ),
        t_near_output,
        lambda p: p[2] < 0.0,
        lambda p: p[2] > 1e10,
        lambda p: 1.0 < p[2] < 5.0,
        lambda p: p[2] == 0.5 and p[0] * p[1] != 0.0,
    ],
    ids=[
        "tiny w huge x",
        "huge w tiny x",
        "subnormal w",
        "x = 0",
        "w = 0",
        "w·x overflows",
        "sigma(wx) subnormal",
        "sigma(wx) near 1",
        "t near y",
        "t < 0",
        "t huge",
        "t just above 1",
        "t = 1/2",
    ],
)
def test_neuron_inputs_reach(region: Callable[[tuple[float, ...]], bool]) -> None:
    reach(neuron_inputs(), region)


@pytest.mark.parametrize(
    "region",
    [
        lambda p: any(math.isnan(v) for v in p),
        lambda p: any(math.isinf(v) for v in p),
        lambda p: all(math.isfinite(v) for v in p),
    ],
    ids=["nan", "inf", "finite"],
)
def test_neuron_inputs_with_nonfinite_reach(region: Callable[[tuple[float, ...]], bool]) -> None:
    reach(neuron_inputs(allow_nonfinite=True), region)


def test_neuron_inputs_with_unit_targets_reach_t_near_y() -> None:
    reach(neuron_inputs(unit_targets=True), t_near_output)


# ---------------------------------------------------------------------------------------------
# loss_inputs
# ---------------------------------------------------------------------------------------------


@given(loss_inputs())
def test_loss_inputs_are_finite_pairs(pair: tuple[float, ...]) -> None:
    assert len(pair) == 2
    assert all(isinstance(v, float) and math.isfinite(v) for v in pair), pair


def difference(p: tuple[float, ...]) -> Fraction:
    return Fraction(p[1]) - Fraction(p[0])


@pytest.mark.parametrize(
    "region",
    [
        lambda p: 0.0 < p[0] < 1.0 and 1 <= steps_between(p[0], p[1], 4) <= 4,
        lambda p: 0 < abs(difference(p)) < Fraction(MIN_NORMAL),
        # the square of the difference is below 2^−1075, so it rounds to 0
        lambda p: (
            abs(difference(p)) > Fraction(MIN_NORMAL) and difference(p) ** 2 < Fraction(TINY) / 2
        ),
        lambda p: math.isinf(p[1] - p[0]),
        lambda p: abs(difference(p)) < Fraction(MAX) and difference(p) ** 2 > Fraction(MAX),
        lambda p: 0.0 <= p[0] <= 1.0 and p[1] < 0.0,
    ],
    ids=[
        "t near y",
        "subnormal difference",
        "square underflows",
        "difference overflows",
        "square overflows",
        "y in [0, 1], t < 0",
    ],
)
def test_loss_inputs_reach(region: Callable[[tuple[float, ...]], bool]) -> None:
    reach(loss_inputs(), region)


@given(loss_inputs(allow_nonfinite=True))
def test_loss_inputs_with_nonfinite_are_float_pairs(pair: tuple[float, ...]) -> None:
    assert len(pair) == 2
    assert all(isinstance(v, float) for v in pair), pair


def test_loss_inputs_with_nonfinite_reach_nan() -> None:
    reach(loss_inputs(allow_nonfinite=True), lambda p: any(math.isnan(v) for v in p))


# ---------------------------------------------------------------------------------------------
# learning_rates and descent_inputs
# ---------------------------------------------------------------------------------------------


@given(learning_rates())
def test_learning_rates_are_finite_and_positive(lr: float) -> None:
    assert math.isfinite(lr), lr
    assert lr > 0.0, lr


@pytest.mark.parametrize(
    "region",
    [is_subnormal, lambda lr: lr > 1e300, lambda lr: 1e-5 < lr < 1.0],
    ids=["subnormal", "huge", "moderate"],
)
def test_learning_rates_reach(region: Callable[[float], bool]) -> None:
    reach(learning_rates(), region)


def curvature_constant() -> Any:
    """C = f(s1), f(s) = s²(1 − s)(2 − 3s), s1 = (15 − √33)/24 (T3.2), at PREC bits."""
    s = (15 - mpmath.sqrt(33)) / 24
    return s**2 * (1 - s) * (2 - 3 * s)


def test_curvature_constant_is_a_maximum_of_f() -> None:
    # f'(s1) = 0 and f(s1) exceeds f a little to either side: s1 is the maximiser on (0, 1).
    with mpmath.mp.workprec(PREC):
        f = lambda s: s**2 * (1 - s) * (2 - 3 * s)  # noqa: E731
        s1 = (15 - mpmath.sqrt(33)) / 24
        assert abs(mpmath.diff(f, s1)) < H**-300
        assert f(s1 - H**-20) < curvature_constant() > f(s1 + H**-20)
        assert abs(curvature_constant() - mpmath.mpf("0.07703")) < 1e-5


@given(descent_inputs())
def test_descent_inputs_satisfy_the_descent_lemma_bound(quad: tuple[float, ...]) -> None:
    w, x, t, lr = quad
    assert math.isfinite(w), quad
    assert 0.0 <= t <= 1.0, quad
    assert 2.0**-500 <= abs(x) < 2.0**501, quad
    assert lr >= MIN_NORMAL, quad
    with mpmath.mp.workprec(PREC):
        # lr·C·x² <= 2 is T4.1's condition; lr and x² are exact at 400 bits.
        assert mpmath.mpf(lr) * mpmath.mpf(x) ** 2 * curvature_constant() <= 2, quad


def lr_at_bound(quad: tuple[float, ...]) -> bool:
    _, x, _, lr = quad
    with mpmath.mp.workprec(PREC):
        return bool(mpmath.mpf(lr) * mpmath.mpf(x) ** 2 * curvature_constant() > 2 - H**-45)


@pytest.mark.parametrize(
    "region",
    [
        lr_at_bound,
        lambda q: q[2] in (0.0, 1.0),
        lambda q: abs(q[1]) > 2.0**400,
        lambda q: abs(q[1]) < 2.0**-400,
    ],
    ids=["lr at 2/(Cx²)", "t at an end", "huge x", "tiny x"],
)
def test_descent_inputs_reach(region: Callable[[tuple[float, ...]], bool]) -> None:
    reach(descent_inputs(), region)


@given(descent_inputs(curvature=0.5))
def test_descent_inputs_use_the_given_curvature(quad: tuple[float, ...]) -> None:
    _, x, _, lr = quad
    assert Fraction(lr) * Fraction(x) ** 2 * Fraction(1, 2) <= 2, quad


@pytest.mark.parametrize("curvature", [0.0, -1.0, 2.0, 2.0**-11, math.nan, math.inf])
def test_descent_inputs_reject_curvature_outside_range(curvature: float) -> None:
    with pytest.raises(ValueError, match="curvature"):
        descent_inputs(curvature)


# ---------------------------------------------------------------------------------------------
# broadcastable_arrays and non_broadcastable_shapes
# ---------------------------------------------------------------------------------------------

SAFE_INT = 2**53
EXPECTED_TYPE = {
    "float64": np.dtype(np.float64),
    "float32": np.dtype(np.float32),
    "int64": np.dtype(np.int64),
    "float": float,
    "int": int,
}


def kind_of(argument: Any) -> Any:
    return argument.dtype if isinstance(argument, np.ndarray) else type(argument)


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(st.just(n), broadcastable_arrays(n))))
def test_broadcastable_arrays_broadcast(drawn: tuple[int, tuple[Any, ...]]) -> None:
    n, arguments = drawn
    assert len(arguments) == n
    np.broadcast_shapes(*(np.shape(a) for a in arguments))  # raises ValueError if they do not
    for a in arguments:
        assert kind_of(a) in EXPECTED_TYPE.values(), a
        values = np.asarray(a)
        if values.dtype.kind == "i":
            assert np.all(np.abs(values) <= SAFE_INT), a
        else:
            assert np.all(np.isfinite(values)), a


@pytest.mark.parametrize("kind", ARG_KINDS)
@given(data=st.data())
def test_broadcastable_arrays_of_one_kind(kind: Any, data: st.DataObject) -> None:
    arguments = data.draw(broadcastable_arrays(3, kind))
    assert {kind_of(a) for a in arguments} == {EXPECTED_TYPE[kind]}, arguments
    np.broadcast_shapes(*(np.shape(a) for a in arguments))


def has(condition: Callable[[Any], bool]) -> Callable[[tuple[Any, ...]], bool]:
    return lambda arguments: any(condition(a) for a in arguments)


def is_array(a: Any) -> bool:
    return isinstance(a, np.ndarray)


@pytest.mark.parametrize(
    "region",
    [
        has(lambda a: is_array(a) and a.size == 0),
        has(lambda a: is_array(a) and a.ndim == 0),
        has(lambda a: is_array(a) and a.ndim == 3 and a.size > 1),
        has(lambda a: is_array(a) and a.dtype == np.float32),
        has(lambda a: is_array(a) and a.dtype == np.int64 and a.size > 0),
        has(lambda a: type(a) is int),
        has(lambda a: type(a) is float),
        lambda args: np.broadcast_shapes(*(np.shape(a) for a in args)) != np.shape(args[0]),
        has(lambda a: is_array(a) and a.dtype == np.float64 and np.any(is_subnormal_array(a))),
    ],
    ids=[
        "empty",
        "0-d",
        "3-d",
        "float32",
        "int64",
        "python int",
        "python float",
        "broadcast grows",
        "subnormal element",
    ],
)
def test_broadcastable_arrays_reach(region: Callable[[tuple[Any, ...]], bool]) -> None:
    reach(broadcastable_arrays(2), region)


def is_subnormal_array(a: Any) -> Any:
    magnitude = np.abs(a)
    return (magnitude > 0) & (magnitude < MIN_NORMAL)


@pytest.mark.parametrize(
    ("kind", "region"),
    [
        ("float64", lambda a: bool(np.isnan(a).any())),
        ("float32", lambda a: bool(np.isinf(a).any())),
        ("float", math.isnan),
    ],
    ids=["float64 nan", "float32 inf", "python nan"],
)
def test_broadcastable_arrays_with_nonfinite_reach(
    kind: Any, region: Callable[[Any], bool]
) -> None:
    reach(broadcastable_arrays(1, kind, allow_nonfinite=True), lambda args: region(args[0]))


@given(broadcastable_arrays(2, "float64", elements=st.just(0.25)))
def test_broadcastable_arrays_use_given_elements(arguments: tuple[Any, ...]) -> None:
    for a in arguments:
        assert np.all(np.asarray(a) == 0.25), a


@pytest.mark.parametrize(("n_args", "kind"), [(0, None), (2, "complex128")])
def test_broadcastable_arrays_reject_bad_arguments(n_args: int, kind: Any) -> None:
    with pytest.raises(ValueError, match="n_args"):
        broadcastable_arrays(n_args, kind)


@given(st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), non_broadcastable_shapes(n))))
def test_non_broadcastable_shapes_do_not_broadcast(
    drawn: tuple[int, tuple[tuple[int, ...], ...]],
) -> None:
    n, shapes = drawn
    assert len(shapes) == n
    with pytest.raises(ValueError, match="broadcast"):
        np.broadcast_shapes(*shapes)


def test_non_broadcastable_shapes_reach_a_clash_with_an_empty_axis() -> None:
    reach(non_broadcastable_shapes(2), lambda shapes: any(0 in s for s in shapes))


def test_non_broadcastable_shapes_need_two_arguments() -> None:
    with pytest.raises(ValueError, match="n_args >= 2"):
        non_broadcastable_shapes(1)


# ---------------------------------------------------------------------------------------------
# The float arithmetic behind the strategies (each branch pinned, not left to the draws)
# ---------------------------------------------------------------------------------------------


def test_split_divides_z_by_x() -> None:
    assert strategies._split(3.0, 2.0) == (1.5, 2.0)


def test_split_falls_back_to_x_one_when_the_quotient_overflows() -> None:
    assert strategies._split(MAX, 0.5) == (MAX, 1.0)


@given(z_values(), log_uniform_floats(-40, 40))
def test_sigmoid_of_product_is_within_4_ulps_of_exact(z: float, x: float) -> None:
    w, x = strategies._split(z, x)
    s = strategies._sigmoid_of_product(w, x)
    with mpmath.mp.workprec(PREC):
        exact = sigma(mpmath.mpf(w) * mpmath.mpf(x))
        # 4 ulps: libm's exp errs by at most 1 ulp (glibc's published bound), the quotient and
        # the sum with the first-order term round by ½ ulp each, and that term, ≈ σ'·zl with
        # |zl| <= ½ ulp of z, carries its own few-ulp relative error on a value <= ½ ulp of σ;
        # the dropped second-order term is ~zl², below 2^−80 relative.
        assert abs(mpmath.mpf(s) - exact) <= 4 * math.ulp(s), (w, x, s, exact)


@pytest.mark.parametrize(("x", "expected"), [(1e300, 1.0), (-1e300, 0.0)])
def test_sigmoid_of_an_overflowing_product_is_its_limit(x: float, expected: float) -> None:
    # w·x = ±1e600 rounds to ±∞, where σ takes its limits 1 and 0
    assert strategies._sigmoid_of_product(1e300, x) == expected


def test_attach_target_keeps_a_drawn_target() -> None:
    assert strategies._attach_target((2.0, 3.0), (False, 0.25, 0), False) == (2.0, 3.0, 0.25)


def test_attach_target_offsets_from_sigma_of_w_x() -> None:
    # σ(0) = 1/(1 + e^0) = ½ exactly; the target is the float 2 steps above ½
    assert strategies._attach_target((0.0, 3.0), (True, 0.0, 2), False) == (0.0, 3.0, walk(0.5, 2))


def test_attach_target_clamps_to_the_unit_interval() -> None:
    # σ(1000) rounds to 1; 3 floats above 1 is outside [0, 1], so unit targets clamp to 1
    assert strategies._attach_target((1000.0, 1.0), (True, 0.0, 3), True)[2] == 1.0
