"""Checks of 06-floating-point.md, T6.4 – T6.5: the correctly rounded reference and its fast path.

They run the shipped code (neuron.numerics.doubleword, neuron.reference, neuron.reference.fast)
against the oracle, mpmath at 300 bits, or exact rational arithmetic."""

from __future__ import annotations

import importlib
import math
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st
from mpmath import mp, mpf

from .machinery import (
    DIGITS,
    CheckError,
    Profile,
    _draw,
    _magnitudes,
    _reals,
    check,
)

# ---------------------------------------------------------------------------------------------
# T6.4: the correctly rounded reference


def _reference_modules() -> tuple[Any, Any, Any]:
    """neuron.numerics.doubleword, neuron.reference and neuron.exact (imported late: numpy)."""
    return (
        importlib.import_module("neuron.numerics.doubleword"),
        importlib.import_module("neuron.reference"),
        importlib.import_module("neuron.exact"),
    )


@check("T6.4", "high-precision")
def t6_4_exp_error(profile: Profile) -> str:
    import numpy as np

    doubleword, _, _ = _reference_modules()
    pairs = _draw(st.tuples(_reals(0, 2300), _reals(-1, 1)), profile.examples, "t6_4_exp")
    pairs += [(0.0, 0.0), (math.log(2) / 128, 0.0), (745.1332191019411, 0.0), (2300.0, 0.0)]
    a = np.array([p[0] for p in pairs])
    low = np.array([p[1] for p in pairs]) * a * 2.0**-53
    value = doubleword.exp_negative(a, low)
    worst = mpf(0)
    with mp.workprec(300):
        for i in range(len(pairs)):
            exact = mp.exp(-(mpf(a[i]) + mpf(low[i])))
            got = (mpf(value.head[i]) + mpf(value.tail[i])) * mpf(2) ** int(value.exponent[i])
            worst = max(worst, abs(got - exact) / exact)
    if worst > mpf(2) ** -74:
        raise CheckError(f"exp_negative is off by {mp.nstr(worst, 5)} relative (> 2^-74)")
    return (
        f"|exp_negative(a, a_low) − e^−(a + a_low)| <= 2^-74 relative at {len(pairs)} Hypothesis "
        f"points in [0, 2300] (largest 2^{float(mp.log(worst, 2)):.1f}) against 300-bit mpmath"
    )


@check("T6.4", "high-precision")
def t6_4_rounding_test(profile: Profile) -> str:
    import numpy as np

    doubleword, _, _ = _reference_modules()
    heads = st.floats(min_value=0.5, max_value=1.0, exclude_max=True)
    cases = _draw(
        st.tuples(heads, _reals(-1, 1), st.integers(-1200, 1100), st.integers(60, 120)),
        profile.examples * 4,
        "t6_4_round",
    )
    decided_count = 0
    for head, tail_fraction, exponent, bound_bits in cases:
        tail = tail_fraction * math.ulp(head)  # a normalized tail
        bound = 2.0**-bound_bits
        value = doubleword.Scaled(
            np.array([head]), np.array([tail]), np.array([exponent], dtype=np.int64)
        )
        result, decided = doubleword.round_scaled(value, np.array([bound]))
        if not decided[0]:
            continue
        decided_count += 1
        centre = (Fraction(head) + Fraction(tail)) * Fraction(2) ** exponent
        radius = Fraction(bound) * Fraction(2) ** exponent
        for end in (centre - radius, centre + radius):
            try:
                rounded = float(end)
            except OverflowError:
                rounded = math.inf
            if rounded != float(result[0]):
                raise CheckError(
                    f"round_scaled({head!r}, {tail!r}, {exponent}) decided {result[0]!r} but "
                    f"{float(end)!r} rounds to {rounded!r}"
                )
    return (
        f"whenever round_scaled decides ({decided_count} of {len(cases)} Hypothesis double words "
        "with exponents −1200 … 1100 and bounds 2^-120 … 2^-60), both ends of the error interval "
        "round to its result in exact rational arithmetic"
    )


@check("T6.4", "high-precision")
def t6_4_reference(profile: Profile) -> str:
    import numpy as np

    _, reference, exact = _reference_modules()
    finite = st.floats(allow_nan=False, allow_infinity=False)
    count = max(profile.examples // 2, 10)
    draws = {
        "sigmoid": _draw(st.tuples(finite), count, "t6_4_sigmoid"),
        "sigmoid_prime": _draw(st.tuples(finite), count, "t6_4_sigmoid_prime"),
        "forward": _draw(st.tuples(finite, finite), count, "t6_4_forward"),
        "loss": _draw(st.tuples(finite, finite), count, "t6_4_loss"),
        "gradient": _draw(st.tuples(finite, finite, finite), count, "t6_4_gradient"),
        "step": _draw(
            st.tuples(finite, finite, finite, st.floats(min_value=1e-300, max_value=1e300)),
            count,
            "t6_4_step",
        ),
    }
    for name, args in draws.items():
        columns = [np.array(column) for column in zip(*args, strict=True)]
        got = getattr(reference, name)(*columns)
        expected = getattr(exact, name)(*columns)
        same = (got == expected) | (np.isnan(got) & np.isnan(expected))
        if not np.all(same):
            i = int(np.flatnonzero(~same)[0])
            raise CheckError(f"{name}{args[i]} = {got[i]!r}, correctly rounded {expected[i]!r}")
    return (
        f"the six functions equal the oracle bit for bit at {count} Hypothesis inputs each, "
        "drawn from the whole float64 range"
    )


# ---------------------------------------------------------------------------------------------
# T6.5: the fast path


def _fast_budget() -> dict[str, mpf]:
    """The error budget of T6.5, term by term (u = 2^-53; magnitudes from the proof).

    Derived here from the proof, not read from neuron.reference.fast: t6_5_budget requires each
    of fast's constants to be at least twice what this derivation proves.
    """
    u = mpf(2) ** -53

    def p2(k: float) -> mpf:
        return mpf(2) ** k

    r = mp.log(2) / 2048 * (1 + p2(-32)) + p2(-24) + p2(-44)  # |r| <= |ρ_h| + |ρ_ℓ|
    rho = 3 * u * p2(-24)  # k·C2 and − a_ℓ rounded, k·C3 neglected
    half_square = r * r / 2 * (1 + r)  # |P(r)|
    sl = p2(-39) + p2(-24) + p2(-44) + half_square  # |s_ℓ|
    s_abs = r + sl
    d_s = (
        r**6 / 720 * mp.exp(r)  # truncation after r^5/120
        + 4 * u * half_square  # r² and Horner's scheme
        + u * r * r * mp.exp(r)  # P at r = fl(ρ_h + ρ_ℓ) rather than at ρ_h + ρ_ℓ
        + u * (p2(-24) + p2(-44) + half_square)  # ρ_ℓ + P
        + u * sl  # (ρ_h − s26) + (ρ_ℓ + P)
        + rho * mp.exp(r)  # ρ's own error
    )
    tl = p2(-27)
    low = tl + sl + tl * s_abs + u
    d_e = (
        d_s  # T·(error of S), T <= 1
        + u * sl  # t26·s_ℓ
        + 2 * u * tl * s_abs  # s26 + s_ℓ, then t_ℓ·S
        + u * (sl + tl * s_abs)  # their sum
        + 2 * u * low  # t_ℓ + (…), then the FastTwoSum error + (…)
        + u * tl * (1 + s_abs)  # the table's rest, rounded
        + u * (p2(-26) + u)  # e_r = (head − e26) + low
    )
    e_min = mp.exp(-r) / 2
    eps_e = d_e / e_min
    eps_d = eps_e / 2 + u * (p2(-25) + p2(-51))
    rq = 2 * (p2(-27) + u) + p2(-25) + p2(-51)  # |ρ_q| = |1 − q0·d|
    d_q = (
        (u * (p2(-25) + p2(-51)) + u * rq) * (1 + 2 * rq)  # ρ_q's two roundings
        + 2 * u * rq * (1 + rq)  # ρ_q + ρ_q², then q0·(…)
        + rq**3 / (1 - rq)  # truncation after ρ_q²
    )
    eps_q = d_q * (1 + rq) + eps_d / (1 - eps_d)
    er = p2(-26) + 2 * u
    ql = rq * (1 + rq)
    eq_min = e_min / 2
    eps_s = eps_e + eps_q + eps_e * eps_q + (u * ql * 2 + 2 * u * er + u * (ql + er)) / eq_min
    sr = ql * 2 + er
    mr = p2(-26) + sr
    m_min = eq_min / 2
    d_m = u * mr + u * ql + 2 * u * mr + u * (ql + mr) + u * (p2(-26) + u)
    return {
        "EXP_BOUND": eps_e,
        "QUOTIENT_BOUND": eps_q,
        "SIGMOID_BOUND": eps_s + u * sr / eq_min + p2(-90),
        "SLOPE_BOUND": eps_s + eps_q + eps_s * eps_q + d_m / m_min,
        # N·M (M >= 1/8), then ·x: the three roundings of the low terms and their sum each
        "PRODUCT_BOUND": max(
            8 * u * p2(-26) + 2 * u * p2(-25) + u * (p2(-23) + p2(-25)) + u * p2(-25),
            2 * u * p2(-22.8) + u * p2(-26) + u * (p2(-26) + p2(-22.8)),
        ),
        "RESIDUAL_BOUND": eps_s + 2 * u * sr / eq_min + 2 * u * u,
        "LOSS_BOUND": 4 * u * p2(-26) + 3 * u * p2(-24) + u * u,
    }


@check("T6.5", "high-precision")
def t6_5_budget(profile: Profile) -> str:
    fast = importlib.import_module("neuron.reference.fast")
    with mp.workdps(DIGITS):
        budget = _fast_budget()
        for name, proven in budget.items():
            constant = mpf(getattr(fast, name))
            if constant < 2 * proven:
                raise CheckError(
                    f"fast.{name} = 2^{float(mp.log(constant, 2)):.1f} is not twice its proven "
                    f"bound 2^{float(mp.log(proven, 2)):.2f}"
                )
        slope = budget["SLOPE_BOUND"] + 3 * budget["PRODUCT_BOUND"]
        if mpf(fast.GRADIENT_BOUND) < 2 * slope:
            raise CheckError("fast.GRADIENT_BOUND is not twice SLOPE + two products")
        listed = ", ".join(f"{k} 2^{float(mp.log(v, 2)):.1f}" for k, v in budget.items())
    return f"each constant of neuron.reference.fast is at least twice its proven bound: {listed}"


def _bits(value: float) -> int:
    """Significant bits of a float (0 for zero): its odd integer mantissa's length."""
    mantissa = abs(Fraction(value).numerator)
    return (mantissa >> ((mantissa & -mantissa).bit_length() - 1)).bit_length() if mantissa else 0


@check("T6.5", "high-precision")
def t6_5_exact_steps(profile: Profile) -> str:
    import numpy as np

    fast = importlib.import_module("neuron.reference.fast")
    values = _draw(_reals(0, 680), profile.examples * 2, "t6_5_exact")
    values += [0.0, 2.0**-1074, math.log(2) / 2048, 1e-9, 0.5, 37.0, 512.0, 679.99, 680.0]
    a = np.array(values)
    g = fast.logistic(a, None)
    kf = np.rint(a * fast._INVERSE_STEP)
    eh = g.e26 * g.scale
    d26 = ((1.0 + eh) + fast._GRID_25) - fast._GRID_25
    m26 = (g.sp + fast._GRID_25) - fast._GRID_25
    for i in range(a.size):
        f = {
            name: Fraction(float(v[i]))
            for name, v in [
                ("k", kf),
                ("a", a),
                ("e26", g.e26),
                ("q0", g.q0),
                ("sp", g.sp),
                ("eh", eh),
                ("d26", d26),
                ("m26", m26),
                ("scale", g.scale),
            ]
        }
        k_c1 = float(kf[i] * fast._C1)
        claims = {
            "k·C1 exact": Fraction(k_c1) == f["k"] * Fraction(fast._C1),
            "k·C1 − a exact": Fraction(k_c1 - float(a[i])) == Fraction(k_c1) - f["a"],
            "e26 <= 26 bits": _bits(float(g.e26[i])) <= 26,
            "q0 <= 26 bits": _bits(float(g.q0[i])) <= 26,
            "d26 <= 26 bits": _bits(float(d26[i])) <= 26,
            "m26 <= 26 bits": _bits(float(m26[i])) <= 26,
            "e26·q0 exact": f["sp"] == f["e26"] * f["q0"],
            "e26·2^-m exact": f["eh"] == f["e26"] * f["scale"],
            "(1 − d26) + eh exact": Fraction(float((1.0 - d26[i]) + eh[i]))
            == 1 - f["d26"] + f["eh"],
            "q0·d26 exact": Fraction(float(g.q0[i] * d26[i])) == f["q0"] * f["d26"],
            "1 − q0·d26 exact": Fraction(float(1.0 - g.q0[i] * d26[i])) == 1 - f["q0"] * f["d26"],
        }
        failed = [claim for claim, holds in claims.items() if not holds]
        if failed:
            raise CheckError(f"at |z| = {a[i]!r}: {', '.join(failed)} does not hold")
    return (
        f"k·C1, k·C1 − a, the 26-bit heads and the products and differences T6.5 (a) calls exact "
        f"are exact in rational arithmetic at {a.size} points |z| in [0, 680]"
    )


@check("T6.5", "high-precision")
def t6_5_bounds(profile: Profile) -> str:
    import numpy as np

    fast = importlib.import_module("neuron.reference.fast")
    reference = importlib.import_module("neuron.reference")
    count = max(profile.examples // 2, 10)
    zs = [*_draw(_reals(-680, 680), count, "t6_5_bounds_z"), 0.0, 680.0, -680.0, 1e-300]
    a = np.abs(np.array(zs))
    g = fast.logistic(a, None)
    slope26, slope_low = fast._slope(g)
    sigma_high, sigma_low = fast._sigma(np.array(zs) >= 0, g)
    points = _draw(st.tuples(_reals(-40, 40), _reals(-4, 4), _reals(0, 1)), count, "t6_5_grad")
    w, x, t = (np.array(column) for column in zip(*points, strict=True))
    t[::2] = reference.forward(w[::2], x[::2])  # t = fl(σ(wx)): σ(z) − t cancels
    with np.errstate(all="ignore"):
        grad = fast._gradient(w, x, t)
    worst: dict[str, mpf] = {}

    def record(name: str, got: mpf, truth: mpf, bound: mpf) -> None:
        error = abs(got - truth)
        if error > bound:
            raise CheckError(f"{name}: error {mp.nstr(error, 5)} > bound {mp.nstr(bound, 5)}")
        if bound > 0:
            worst[name] = max(worst.get(name, mpf(0)), error / bound)

    with mp.workprec(300):
        for i, z in enumerate(zs):
            e = mp.exp(-mpf(float(a[i])))
            q = 1 / (1 + e)
            scale = mpf(float(g.scale[i]))
            record("exp", (mpf(g.e26[i]) + mpf(g.er[i])) * scale, e, fast.EXP_BOUND * e)
            record("quotient", mpf(g.q0[i]) + mpf(g.ql[i]), q, fast.QUOTIENT_BOUND * q)
            sigma = 1 / (1 + mp.exp(-mpf(z)))
            pair = abs(mpf(sigma_high[i])) + mpf(sigma_low[i]) * (1 if z >= 0 else -1)
            record("sigmoid", pair, sigma, fast.SIGMOID_BOUND * sigma)
            slope = (mpf(slope26[i]) + mpf(slope_low[i])) * scale
            record("slope", slope, e * q * q, fast.SLOPE_BOUND * e * q * q)
        exact = importlib.import_module("neuron.exact")
        # the kernel's domain: valid, and a result of at least 2^-1000 (T6.5 (e))
        domain = grad.valid & (np.abs(grad.high * grad.sign_scale) >= 2.0**-1000)
        for i in np.flatnonzero(domain):
            truth = exact.value("gradient", float(w[i]), float(x[i]), float(t[i]), bits=120)
            scale = mpf(float(grad.sign_scale[i]))
            got = (mpf(grad.high[i]) + mpf(grad.low[i])) * scale
            record("gradient", got, truth, mpf(float(grad.bound[i])) * abs(scale))
    listed = ", ".join(f"{k} {float(v):.2g}" for k, v in worst.items())
    return (
        f"the pairs of neuron.reference.fast are within their T6.5 bounds against 300-bit mpmath "
        f"at "
        f"{len(zs)} |z| and {int(domain.sum())} gradients, half of them with t = fl(σ(wx)); "
        f"largest error/bound: {listed}"
    )


@check("T6.5", "high-precision")
def t6_5_rounding_test(profile: Profile) -> str:
    import numpy as np

    fast = importlib.import_module("neuron.reference.fast")
    cases = _draw(
        st.tuples(_magnitudes(-1021, 1023), _reals(-1, 1), st.integers(50, 120)),
        profile.examples * 4,
        "t6_5_round",
    )
    cases += [(1.0, -0.25, 60), (1.0, 0.4999, 60), (2.0**-1021, -0.3, 55)]
    decided_count = 0
    for high, fraction, bits in cases:
        low = fraction * math.ulp(high)
        bound = 2.0**-bits * abs(high)
        if not fast.round_pair(np.array([high]), np.array([low]), np.array([bound]))[0]:
            continue
        decided_count += 1
        centre = Fraction(high) + Fraction(low)
        for end in (centre - Fraction(bound), centre + Fraction(bound)):
            if float(end) != high:
                raise CheckError(f"round_pair({high!r}, {low!r}) decided, but {end} rounds away")
    return (
        f"whenever round_pair decides ({decided_count} of {len(cases)} Hypothesis pairs, bounds "
        "2^-120 … 2^-50 relative), every real within the bound rounds to its head"
    )
