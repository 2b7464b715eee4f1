"""Checks of 04-descent.md: T4.1 – T4.3, the descent lemma and the safe learning rates."""

from __future__ import annotations

from fractions import Fraction
from functools import partial

from hypothesis import strategies as st
from mpmath import mp, mpf
from mpmath.libmp import from_int
from mpmath.libmp.libmpi import mpi_add, mpi_div, mpi_exp, mpi_mul, mpi_neg, mpi_sub

from .. import interval
from .curvature import (
    c_enclosure,
    c_value,
)
from .machinery import (
    DIGITS,
    REL_TOL,
    CheckError,
    Profile,
    _draw,
    _gradient,
    _loss,
    _magnitudes,
    _reals,
    _relative_error,
    _require_zero,
    _sym_logistic,
    _sympy,
    check,
)


@check("T4.1", "symbolic")
def t4_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    loss, g, eta, c, x = sp.symbols("E g eta C x", real=True)
    delta = -eta * g
    quadratic_model = loss + g * delta + c * x**2 / 2 * delta**2
    _require_zero(
        quadratic_model - (loss - eta * (1 - c * x**2 * eta / 2) * g**2),
        "the descent inequality with Δ = −ηg",
    )
    return "sympy: E + gΔ + (Cx²/2)Δ² with Δ = −ηg equals E − η(1 − Cx²η/2)g²"


@check("T4.1", "high-precision")
def t4_1_high_precision(profile: Profile) -> str:
    strategy = st.tuples(
        _reals(-40, 40), _magnitudes(-20, 20), _reals(0, 1), _reals(-60, 60), _reals(0, 1)
    )
    points = _draw(strategy, profile.examples, "t4_1")
    worst_slack = None
    with mp.workdps(DIGITS):
        c = c_value()
        for z, x, t, step_z, theta in points:
            xm, tm = mpf(x), mpf(t)
            w = mpf(z) / xm
            delta = mpf(step_z) / xm
            e0 = _loss(w, xm, tm)
            g = _gradient(w, xm, tm)
            model = e0 + g * delta + c * xm**2 / 2 * delta**2
            e1 = _loss(w + delta, xm, tm)
            slack = model - e1
            if slack < -REL_TOL * max(e0, e1, mpf(10) ** -200):
                raise CheckError(
                    f"descent lemma fails at w={w}, x={x}, t={t}, Δ={delta}: E(w+Δ)={e1} > {model}"
                )
            eta = mpf(theta) * 2 / (c * xm**2)
            e_step = _loss(w - eta * g, xm, tm)
            if e_step > e0 * (1 + REL_TOL):
                raise CheckError(
                    f"loss increased with η = {mp.nstr(eta, 5)} ≤ 2/(Cx²) at w={w}, x={x}, t={t}"
                )
            relative = slack / max(e0, e1, mpf(10) ** -200)
            worst_slack = relative if worst_slack is None else min(worst_slack, relative)
    return (
        f"E(w + Δ) ≤ E + E'Δ + (Cx²/2)Δ² and E(w − ηE') ≤ E(w) for η ≤ 2/(Cx²) at {len(points)} "
        f"Hypothesis points, {DIGITS} digits (relative slack ≥ {mp.nstr(worst_slack, 3)}; "
        "−1e-50 is allowed for rounding)"
    )


T4_2_A = Fraction(1, 5)
T4_2_B = 1000
T4_2_T = Fraction(1, 2)


def _interval_sigma(z: interval.Interval, prec: int) -> interval.Interval:
    """An enclosure of σ(z) by libmpi from the definition 1/(1 + e^(−z)): T4.2 is a fact about
    the real function, proven here without neuron.exact."""
    one = (from_int(1), from_int(1))
    result: interval.Interval = mpi_div(one, mpi_add(one, mpi_exp(mpi_neg(z), prec), prec), prec)
    return result


@check("T4.2", "interval")
def t4_2_interval(profile: Profile) -> str:
    prec = 200
    a = interval.rational_at(T4_2_A, prec)
    b = interval.rational_at(T4_2_B, prec)
    t = interval.rational_at(T4_2_T, prec)
    one = interval.rational_at(1, prec)
    s = _interval_sigma(a, prec)
    slope = mpi_mul(s, mpi_sub(one, s, prec), prec)
    # with x = 1: g = (σ(a) − t)σ'(a); the step lands at z' = a − b·g
    g = mpi_mul(mpi_sub(s, t, prec), slope, prec)
    z_new = mpi_sub(a, mpi_mul(b, g, prec), prec)
    half = interval.rational_at(Fraction(1, 2), prec)
    before = mpi_mul(half, interval.mul(mpi_sub(t, s, prec), mpi_sub(t, s, prec), prec), prec)
    r_new = mpi_sub(t, _interval_sigma(z_new, prec), prec)
    after = mpi_mul(half, mpi_mul(r_new, r_new, prec), prec)
    increase = mpi_sub(after, before, prec)
    if not interval.to_fraction(increase[0]) > 0:
        raise CheckError(f"E after − E before enclosed in {interval.show(increase)}, not positive")
    ratio = interval.mul(b, c_enclosure(prec), prec)  # η·C·x² with x = 1
    if not interval.to_fraction(ratio[0]) > 2:
        raise CheckError("η·C·x² is not above 2")
    return (
        f"x = 1, t = 1/2, w = 1/5, η = 1000: E goes from {interval.show(before, 12)} to "
        f"{interval.show(after, 12)} (z' = w'x ∈ {interval.show(z_new, 12)}); ηCx² ∈ "
        f"{interval.show(ratio, 6)} > 2"
    )


@check("T4.2", "symbolic")
def t4_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    a, b, t, x = sp.symbols("a b t x", real=True)
    sig = partial(_sym_logistic, sp)
    w = a / x
    eta = b / x**2
    g = -(t - sig(w * x)) * sig(w * x) * (1 - sig(w * x)) * x
    w_new = w - eta * g
    _require_zero(w_new * x - (a + b * (t - sig(a)) * sig(a) * (1 - sig(a))), "w'·x − z'(a, b, t)")
    return "sympy: with w = a/x and η = b/x², w'·x = a + b(t − σ(a))σ'(a), the same for every x ≠ 0"


@check("T4.2", "high-precision")
def t4_2_high_precision(profile: Profile) -> str:
    xs = _draw(_magnitudes(-300, 300), profile.examples, "t4_2")
    with mp.workdps(DIGITS):
        a, b, t = (
            mpf(T4_2_A.numerator) / T4_2_A.denominator,
            mpf(T4_2_B),
            mpf(T4_2_T.numerator) / T4_2_T.denominator,
        )
        reference_before = _loss(a, mpf(1), t)
        reference_after = _loss(a - b * _gradient(a, mpf(1), t), mpf(1), t)
        for x in xs:
            xm = mpf(x)
            w = a / xm
            eta = b / xm**2
            w_new = w - eta * _gradient(w, xm, t)
            before, after = _loss(w, xm, t), _loss(w_new, xm, t)
            if not after > before:
                raise CheckError(f"no increase at x = {x}: {before} → {after}")
            if (
                _relative_error(after, reference_after) > REL_TOL
                or _relative_error(before, reference_before) > REL_TOL
            ):
                raise CheckError(f"the losses at x = {x} differ from those at x = 1")
    return (
        f"w = (1/5)/x, η = 1000/x², t = 1/2: E rises from {mp.nstr(reference_before, 10)} to "
        f"{mp.nstr(reference_after, 10)} at all {len(xs)} Hypothesis x with |x| in [2^-300, 2^300]"
    )


@check("T4.3", "symbolic")
def t4_3_symbolic(profile: Profile) -> str:
    sp = _sympy()
    w, x, t, eta, wk = sp.symbols("w x t eta w_k", real=True)
    sig = 1 / (1 + sp.exp(-w * x))
    gradient = sp.diff((t - sig) ** 2 / 2, w)
    _require_zero(gradient - x * (sig - t) * sig * (1 - sig), "E'(w) − x(σ(wx) − t)σ'(wx)")
    star = sp.log(t / (1 - t)) / x
    _require_zero(sig.subs(w, star) - t, "σ(w*·x) − t with w* = logit(t)/x")
    q = sp.Function("q")(wk)
    step = wk - eta * q * (wk - star)
    _require_zero(
        (step - star) - (wk - star) * (1 - eta * q), "w_(k+1) − w* − (w_k − w*)(1 − ηq_k)"
    )
    return (
        "sympy: E'(w) = x(σ(wx) − t)σ'(wx), E'(w*) = 0 at w* = logit(t)/x, w_(k+1) − w* = (w_k − "
        "w*)(1 − ηq_k)"
    )


RESOLVED_DISTANCE = mpf(10) ** (-DIGITS // 2)
"""t4_3_high_precision stops a run once |x(w − w*)| is below this."""


@check("T4.3", "high-precision")
def t4_3_high_precision(profile: Profile) -> str:
    strategy = st.tuples(
        _magnitudes(-30, 30), _reals(0.001, 0.999), _reals(-30, 30), _reals(0.001, 1.0)
    )
    points = _draw(strategy, max(profile.examples // 4, 10), "t4_3")
    steps = 40
    with mp.workdps(DIGITS):
        c = (39 + 55 * mp.sqrt(33)) / 4608
        for x, t, z0, theta in points:
            xm, tm = mpf(x), mpf(t)
            star = mp.log(tm / (1 - tm)) / xm
            eta = mpf(theta) / (c * xm**2)
            w = mpf(z0) / xm
            side = mp.sign(w - star)
            distance, loss = abs(w - star), _loss(w, xm, tm)
            for k in range(steps):
                if abs(xm * (w - star)) < RESOLVED_DISTANCE:
                    break  # σ(wx) − t is then below what DIGITS digits resolve
                g = _gradient(w, xm, tm)
                if w != star:
                    q = g / (w - star)
                    if not 0 < q <= c * xm**2 * (1 + REL_TOL):
                        raise CheckError(
                            f"q_k = E'(w)/(w − w*) = {q} outside (0, Cx²] at x={x}, t={t}, w={w}"
                        )
                w = w - eta * g
                new_distance, new_loss = abs(w - star), _loss(w, xm, tm)
                if mp.sign(w - star) not in (side, 0):
                    raise CheckError(f"overshoot at step {k}: x={x}, t={t}, z0={z0}, θ={theta}")
                if new_distance > distance or new_loss > loss * (1 + REL_TOL):
                    raise CheckError(
                        f"|w − w*| or E increased at step {k}: x={x}, t={t}, z0={z0}, θ={theta}"
                    )
                distance, loss = new_distance, new_loss
    return (
        f"{len(points)} Hypothesis runs of {steps} steps with η = θ/(Cx²), θ ∈ (0, 1]: q_k ∈ (0, "
        "Cx²], "
        "no overshoot, |w − w*| and E never increase (until |x(w − w*)| < 1e-30)"
    )
