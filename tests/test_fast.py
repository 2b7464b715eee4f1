"""The fast path on its own: what it decides is correctly rounded, its bounds hold, and it
decides nearly everything in the ordinary domain (so the reference is fast there)."""

from __future__ import annotations

import math
from fractions import Fraction
from importlib import import_module
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from neuron import exact, reference
from neuron.numerics.doubleword import fast_two_sum
from neuron.reference import fast
from neuron.theorems import load_checks

# Inputs aimed at the fast path's domain and its edges: |w·x| up to and past MAX_ARGUMENT,
# results near _TINY, t near σ(w·x) (deep cancellation), x near the subnormals.
moderate = st.floats(min_value=-700.0, max_value=700.0)
anywhere = st.floats(allow_nan=False, allow_infinity=False)
magnitudes = st.sampled_from([1.0, 2.0**-60, 2.0**-500, 2.0**-1000, 2.0**40, 2.0**500, 2.0**990])


def _same(got: np.ndarray, expected: np.ndarray) -> bool:
    return bool(np.all((got == expected) & (np.signbit(got) == np.signbit(expected))))


def _check(name: str, *args: float) -> None:
    """Where the fast kernel decides, its answer is the oracle's correctly rounded value."""
    arrays = [np.array([a], dtype=np.float64) for a in args]
    with np.errstate(all="ignore"):
        got, decided = getattr(fast, name)(*arrays)
    if decided[0]:
        expected = getattr(exact, name)(*arrays)
        assert _same(got, expected), f"fast.{name}{args} = {got[0]!r}, expected {expected[0]!r}"


@given(moderate)
@example(680.0)
@example(-680.0)
@example(np.nextafter(680.0, 1000.0))
@example(0.0)
@example(-0.0)
@example(2.0**-1074)
def test_sigmoid(z: float) -> None:
    _check("sigmoid", z)
    _check("sigmoid_prime", z)


@given(moderate, magnitudes)
def test_forward(z: float, scale: float) -> None:
    _check("forward", z / scale, scale)


@given(anywhere, anywhere)
@example(0.1, 0.1 + 2.0**-56)
@example(0.0, 2.0**-500)
def test_loss(y: float, t: float) -> None:
    _check("loss", y, t)


@given(moderate, magnitudes, st.floats(0.0, 1.0) | anywhere, st.booleans())
@example(3.0, 1.0, 0.9525741268224334, True)  # t = σ(3) rounded: dE/dy cancels to 1e-17
@example(1.0, 1.0, 0.0, True)  # t = fl(σ(1)): σ(−1)'s head and low part cancel against 1 − t
@example(-600.0, 1.0, 2.0**-870, False)  # dE/dy = σ(z) − t small, both tiny
def test_gradient_and_step(z: float, scale: float, t: float, near: bool) -> None:
    w, x = z / scale, scale
    if near:  # t within a few ulps of σ(w·x): the residual cancels
        t = float(reference.forward(w, x)) + 2.0**-52 * t
    _check("gradient", w, x, t)
    _check("step", w, x, t, 0.01)


def _bound_holds(
    name: str,
    arrays: list[np.ndarray],
    pair: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    valid: np.ndarray,
) -> None:
    """|exact − (high + low)·scale| <= bound·|scale| wherever `valid`; pair = (high, low,
    bound, scale)."""
    high, low, bound, scale = pair
    for i in np.flatnonzero(valid):
        truth = exact.value(name, *(float(a[i]) for a in arrays), bits=120)
        with mpmath.workprec(300):
            pair = (mpmath.mpf(high[i]) + mpmath.mpf(low[i])) * mpmath.mpf(scale[i])
            error = abs(pair - truth)
            assert error <= mpmath.mpf(bound[i]) * abs(mpmath.mpf(scale[i])), (
                f"{name} at {[float(a[i]) for a in arrays]}: error {mpmath.nstr(error, 5)} "
                f"> bound {bound[i] * abs(scale[i])!r}"
            )


@given(st.lists(moderate, min_size=1, max_size=8))
def test_sigmoid_prime_pair_within_bound(zs: list[float]) -> None:
    """T6.5: 2^m·σ'(z) = slope26 + slope_low within SLOPE_BOUND relative."""
    z = np.abs(np.array(zs))
    g = fast.logistic(z, None)
    head, low = fast._slope(g)
    bound = fast.SLOPE_BOUND * np.abs(head)
    _bound_holds("sigmoid_prime", [z], (head, low, bound, g.scale), z <= fast.MAX_ARGUMENT)


@given(st.lists(st.tuples(moderate, st.floats(0.0, 1.0)), min_size=1, max_size=8))
def test_gradient_pair_within_bound(points: list[tuple[float, float]]) -> None:
    """T6.5: dE/dw = ±2^−m·(high + low) within ±2^−m·bound, residual cancellation included."""
    w = np.array([p[0] for p in points])
    x = np.ones_like(w)
    t = np.array([p[1] for p in points])
    t[::2] = reference.forward(w[::2], x[::2])  # every other one: t = fl(σ(z)), deep cancellation
    with np.errstate(all="ignore"):  # a residual of 0 (t = ½ at z = 0) gives an infinite bound
        g = fast._gradient(w, x, t)
    domain = g.valid & (np.abs(g.high * g.sign_scale) >= 2.0**-1000)  # as fast.gradient
    _bound_holds("gradient", [w, x, t], (g.high, g.low, g.bound, g.sign_scale), domain)


@given(
    st.floats(min_value=2.0**-1022, max_value=2.0**1023),
    st.floats(-1.0, 1.0),
    st.integers(50, 120),
)
@example(1.0, -0.25, 60)  # just below a power of two, where the gap halves
@example(1.0, 0.4999, 60)
def test_round_pair_decides_only_when_safe(high: float, fraction: float, bits: int) -> None:
    """T6.5 (d): when round_pair decides, both ends of [high + low ± bound] round to high."""
    low = fraction * math.ulp(high)
    bound = 2.0**-bits * high
    decided = fast.round_pair(np.array([high]), np.array([low]), np.array([bound]))[0]
    if decided:
        centre = Fraction(high) + Fraction(low)
        for end in (centre - Fraction(bound), centre + Fraction(bound)):
            assert float(end) == high


@pytest.mark.parametrize("high", [0.0, 2.0**-1074, 2.0**-1030, math.inf, math.nan])
def test_round_pair_refuses_zero_subnormal_and_special_heads(high: float) -> None:
    heads = np.array([high])
    with np.errstate(invalid="ignore"):  # inf − inf: the NaN low part fast_two_sum gives ±∞
        _, low = fast_two_sum(heads, np.array([0.0]))
    assert not fast.round_pair(heads, low, 2.0**-60 * np.abs(heads))[0]


def test_decides_nearly_everything_in_the_ordinary_domain() -> None:
    """The point of the fast path: on ordinary inputs the general path and oracle are rare.

    A relative bound β leaves about 3·2^52·β of the elements undecided (the share of results
    within β of a rounding boundary, measured in ulps): about 2^−14 for the bounds used. The
    gradient's residual bound grows like 1/|σ(z) − t|, which for t uniform in [0, 1] adds a
    factor of about ln 2^14 ≈ 10: 2^−8 is the ceiling asserted.
    """
    rng = np.random.default_rng(20261127)
    n = 20_000
    w, x, t = rng.normal(0, 3, n), rng.normal(0, 1, n), rng.uniform(0, 1, n)
    inputs = {
        "sigmoid": (w * x,),
        "sigmoid_prime": (w * x,),
        "forward": (w, x),
        "loss": (rng.uniform(0, 1, n), t),
        "gradient": (w, x, t),
        "step": (w, x, t, np.full(n, 0.1)),
    }
    for name, args in inputs.items():
        with np.errstate(all="ignore"):
            _, decided = getattr(fast, name)(*args)
        assert decided.mean() > 1 - 2.0**-8, f"{name}: fast path decided {decided.mean():.4%}"


def test_reference_counts_what_the_fast_path_leaves() -> None:
    before = reference.FALLBACK["sigmoid"]
    reference.sigmoid(np.array([0.5, 700.0, -700.0, math.nan]))  # 700 is past MAX_ARGUMENT
    assert reference.FALLBACK["sigmoid"] == before + 3


# ---------------------------------------------------------------------------------------------
# The rounding grids and the domain, held to fast.py's comments (not to its constants)


def _significant_bits(value: float) -> int:
    numerator = abs(Fraction(value).numerator)
    return (numerator // (numerator & -numerator)).bit_length() if numerator else 0


@pytest.mark.parametrize(
    ("grid", "limit", "quantum", "bits"),
    [
        # "quantum 2^−25: values below 2 keep at most 26 bits", and so on for the other two
        pytest.param(fast._GRID_25, 2.0, 2.0**-25, 26, id="25"),
        pytest.param(fast._GRID_26, 1.0, 2.0**-26, 26, id="26"),
        pytest.param(fast._GRID_38, 2.0**-11, 2.0**-38, 27, id="38"),
    ],
)
def test_each_grid_rounds_to_its_quantum(
    grid: float, limit: float, quantum: float, bits: int
) -> None:
    # x + G − G rounds x to the nearest multiple of the quantum: within half of it, and for
    # |x| < limit at most limit/quantum multiples, so at most `bits` significant bits
    rng = np.random.default_rng(26)
    x = np.concatenate([rng.uniform(-limit, limit, 4000), [0.0, limit * (1 - 2.0**-53)]])
    rounded = (x + grid) - grid
    assert np.all(np.abs(rounded - x) <= quantum / 2)
    assert np.all(np.mod(rounded, quantum) == 0)
    assert max(_significant_bits(float(v)) for v in rounded) <= bits
    assert np.max(np.abs(rounded - x)) > quantum / 4  # the nearest multiple, not a coarser one


def test_a_residual_below_2_to_the_minus_900_is_left_to_the_general_path() -> None:
    # t = fl(σ(−600)) ≈ 2^−865 leaves σ(z) − t of about 2^−918: below the 2^−900 the bounds of
    # T6.5 assume for the residual (fast.py's _TINY_RESIDUAL), so the kernel must not decide;
    # at t = 1 the residual is about −1, and the kernel decides dE/dw ≈ −σ(−600) = −2^−865
    w, x = np.array([-600.0, -600.0]), np.array([1.0, 1.0])
    t = np.array([float(exact.forward(-600.0, 1.0)), 1.0])
    assert fast._gradient(w, x, t).valid.tolist() == [False, True]
    assert fast.gradient(w, x, t)[1].tolist() == [False, True]


# ---------------------------------------------------------------------------------------------
# The kernels held to the bounds T6.5 proves, not to fast.py's constants


def _proven_bounds() -> dict[str, Any]:
    """T6.5's error budget as proofs/checks derives it from the proof
    (proofs/06-floating-point.md): fast.py's constants must only be at least twice these
    (t6_5_budget), so a kernel that lost a bit or two of accuracy would still pass the tests
    above; these bounds leave it no such room."""
    derivation = import_module(f"{load_checks().__name__}.floating_point_reference")
    with mpmath.workprec(300):
        budget: dict[str, Any] = derivation._fast_budget()
    return budget


def test_logistic_pairs_meet_their_proven_bounds_at_the_largest_reduced_argument() -> None:
    # |ρ| = |k·ln 2/1024 − |z|| is largest, ln 2/2048, halfway between two table points: there
    # the polynomial's terms in ρ^4 and ρ^5 weigh most (a coefficient 1/121 for 1/120 moves
    # e^ρ by ρ^5/14520 ≈ 2^−71.3, beyond the proven 2^−72.6 below). Table entries j = 0, 1 and
    # 1023 (2^(−j/1024) near 1, where the absolute error counts fully) and every binade m.
    bounds = _proven_bounds()
    step = math.log(2) / 1024
    k = np.array([1024 * m + j for m in range(0, 981, 7) for j in (0, 1, 1023)], dtype=float)
    rng = np.random.default_rng(1024)
    a = np.concatenate([(k + 0.5) * step * (1 - 2.0**-40), (k - 0.5) * step * (1 + 2.0**-40)])
    a = np.concatenate([a[a <= fast.MAX_ARGUMENT], rng.uniform(0, fast.MAX_ARGUMENT, 100)])
    g = fast.logistic(a, None)
    sigma_high, sigma_low = fast._sigma(np.ones_like(a, dtype=bool), g)
    slope26, slope_low = fast._slope(g)
    with mpmath.workprec(300):
        # e = 2^−m·(e26 + er): relative EXP_BOUND of e >= e_min = e^−|ρ|/2, so an absolute
        # EXP_BOUND·e_min in units of 2^−m; ½ > e_min makes the bound asserted a bit looser
        allowed = {name: bounds[f"{name}_BOUND"] for name in ("QUOTIENT", "SIGMOID", "SLOPE")}
        allowed["EXP"] = bounds["EXP_BOUND"] / 2
        for i in range(a.size):
            e = mpmath.exp(-mpmath.mpf(float(a[i])))
            scale = mpmath.mpf(float(g.scale[i]))
            q = 1 / (1 + e)
            slope = (mpmath.mpf(slope26[i]) + mpmath.mpf(slope_low[i])) * scale
            errors = {
                "EXP": mpmath.mpf(g.e26[i]) + mpmath.mpf(g.er[i]) - e / scale,  # absolute
                "QUOTIENT": (mpmath.mpf(g.q0[i]) + mpmath.mpf(g.ql[i])) / q - 1,
                "SIGMOID": (mpmath.mpf(sigma_high[i]) + mpmath.mpf(sigma_low[i])) / q - 1,
                "SLOPE": slope / (e * q * q) - 1,
            }
            for name, error in errors.items():
                assert abs(error) <= allowed[name], (
                    f"{name} at |z| = {float(a[i])!r}: error {mpmath.nstr(abs(error), 5)} "
                    f"> proven {mpmath.nstr(allowed[name], 5)}"
                )
