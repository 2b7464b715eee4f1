"""Checks of 03-curvature.md: T3.1 – T3.4, the curvature constant C and the bounds on E^(k)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from mpmath import mp, mpf

from .. import interval
from ..interval import Number, Poly
from .machinery import (
    CheckError,
    Profile,
    _agreement,
    _check_identity,
    _loss,
    _neuron_points,
    _numeric_derivative,
    _poly_to_sympy,
    _require_zero,
    _sigma,
    _sup_in_closed_form,
    _sympy,
    _worst,
    check,
)
from .sigmoid import sigma_derivative_poly

_S2, _T2 = Poly.var(0, 2), Poly.var(1, 2)


def loss_derivative_poly(k: int) -> Poly:
    """Q_k(s, t) with d^kE/dw^k = x^k·Q_k(σ(wx), t): Q_0 = ½(t − s)², Q_(k+1) = s(1 − s)·∂Q_k/∂s."""
    q = Fraction(1, 2) * (_T2 - _S2) ** 2
    for _ in range(k):
        q = _S2 * (1 - _S2) * q.deriv(0)
    return q


def curvature_poly() -> Poly:
    """E''/x² as a polynomial in (s, t), written from T3.1: σ'² − (t − σ)σ''."""
    sp1 = _S2 * (1 - _S2)
    sp2 = sp1 * (1 - 2 * _S2)
    return sp1 * sp1 - (_T2 - _S2) * sp2


C_RATIONAL_PART = Fraction(39, 4608)
C_SQRT33_PART = Fraction(55, 4608)
"""C = (39 + 55√33)/4608 (T3.2)."""

S1_CRITICAL = "(15 - sqrt(33))/24"

C_FLOAT_UPPER = 0.07702928506067526
"""A float64 upper bound of C (checked in t3_2_interval)."""


def c_enclosure(prec: int = interval.DEFAULT_PREC) -> interval.Interval:
    """A rigorous enclosure of C = (39 + 55√33)/4608."""
    root = interval.sqrt_of(33, prec)
    return interval.add(
        interval.rational_at(C_RATIONAL_PART, prec),
        interval.mul(interval.rational_at(C_SQRT33_PART, prec), root, prec),
        prec,
    )


def c_value() -> Any:
    """C at the current mpmath precision, rounded up to be safe as a bound."""
    return (39 + 55 * mp.sqrt(33)) / 4608 * (1 + mp.mpf(10) ** (-mp.dps + 5))


LOSS_SUP_BOUNDS: dict[int, str] = {
    1: "0.14814814814814815",
    2: "0.077029285060675256",
    3: "0.10101150458375572",
    4: "0.13909385047234477",
    5: "0.26386614202693016",
}
"""Proven upper bounds of K_k = sup over s, t in [0, 1] of |Q_k(s, t)|, within 1e-16 (T3.4)."""

LOSS_SUP_TOLERANCE = Fraction(1, 2**60)


def at_target(q: Poly, t: Number) -> Poly:
    """The polynomial in s alone obtained by fixing t in a polynomial in (s, t)."""
    fixed = q.substitute(1, t)
    return Poly(1, {(e[0],): c for e, c in fixed.terms.items()})


@check("T3.1", "symbolic")
def t3_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    w, x, t, s = sp.symbols("w x t s", real=True)
    sig = 1 / (1 + sp.exp(-w * x))
    first = sig * (1 - sig)
    second = first * (1 - 2 * sig)
    loss = (t - sig) ** 2 / 2
    _require_zero(
        sp.diff(loss, w, 2) - x**2 * (first**2 - (t - sig) * second), "E'' − x²[σ'² − (t − σ)σ'']"
    )
    in_s = _poly_to_sympy(curvature_poly(), sp, s, t)
    _require_zero(
        in_s - (s**2 * (1 - s) ** 2 - (t - s) * s * (1 - s) * (1 - 2 * s)),
        "E''/x² as a polynomial in s",
    )
    if sp.degree(in_s, t) != 1:
        raise CheckError("E''/x² is not of degree 1 in t")
    return (
        "sympy: E''(w) = x²[σ'² − (t − σ)σ''] = x²[s²(1−s)² − (t − s)s(1−s)(1−2s)], s = σ(wx), "
        "affine in t"
    )


@check("T3.1", "high-precision")
def t3_1_numeric_diff(profile: Profile) -> str:
    points = _neuron_points(profile.examples, "t3_1", z_max=30.0)

    def formula(p: tuple[float, float, float]) -> Any:
        w, x, t = (mpf(v) for v in p)
        s = _sigma(w * x)
        first = s * (1 - s)
        return x**2 * (first**2 - (t - s) * first * (1 - 2 * s))

    return _check_identity(
        points,
        lambda p: _numeric_derivative(lambda w: _loss(w, mpf(p[1]), mpf(p[2])), p[0], 2),
        formula,
        "mpmath.diff(E, w, 2) vs x²[σ'² − (t − σ)σ'']",
    )


def _curvature_symbols(sp: Any) -> tuple[Any, Any, Any, Any]:
    """s, t, g = E''/x² as a polynomial in (s, t), and f(s) = g at t = 0, in sympy."""
    s, t = sp.symbols("s t", real=True)
    return s, t, _poly_to_sympy(curvature_poly(), sp, s, t), s**2 * (1 - s) * (2 - 3 * s)


@check("T3.2", "symbolic")
def t3_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    s, t, g, f = _curvature_symbols(sp)
    _require_zero(g.subs(t, 0) - f, "E''/x² at t = 0 − s²(1 − s)(2 − 3s)")
    _require_zero(g.subs(t, 1) - f.subs(s, 1 - s), "E''/x² at t = 1 − f(1 − s)")
    _require_zero(sp.diff(f, s) - s * (12 * s**2 - 15 * s + 4), "f'(s) − s(12s² − 15s + 4)")
    s1 = sp.sympify(S1_CRITICAL)
    s2 = (15 + sp.sqrt(33)) / 24
    _require_zero(sp.diff(f, s).subs(s, s1), "f'(s1)")
    c = (39 + 55 * sp.sqrt(33)) / 4608
    _require_zero(f.subs(s, s1) - c, "f(s1) − (39 + 55√33)/4608")
    _require_zero(f.subs(s, s2) - (39 - 55 * sp.sqrt(33)) / 4608, "f(s2) − (39 − 55√33)/4608")
    if not (sp.N(c - abs(f.subs(s, s2)), 30) > 0):
        raise CheckError("|f(s2)| ≥ f(s1)")
    return (
        "sympy: E''/x² is f(s) = s²(1−s)(2−3s) at t = 0 and f(1 − s) at t = 1; f' = s(12s² − 15s + "
        "4); "
        "f((15 ∓ √33)/24) = (39 ± 55√33)/4608; so C = (39 + 55√33)/4608 ≈ " + str(sp.N(c, 15))
    )


@check("T3.2", "interval")
def t3_2_interval(profile: Profile) -> str:
    closed = c_enclosure()
    bound = _sup_in_closed_form(
        curvature_poly(), 2, closed, profile.tolerance, "sup |E''|/x² over [0,1]²"
    )
    if not interval.contains((closed[0], interval.rational(Fraction(C_FLOAT_UPPER))[1]), closed):
        raise CheckError("C_FLOAT_UPPER is not an upper bound of C")
    s_at, t_at = (float(v) for v in bound.argmax)
    return (
        f"sup over (s, t) in [0, 1]² of |E''|/x² in {interval.show(bound.enclosure)} ∋ C "
        f"(near s = {s_at:.10f}, t = {t_at:g}; {bound.boxes} boxes)"
    )


T3_3_TARGETS = (
    Fraction(-10),
    Fraction(-3),
    Fraction(-1),
    Fraction(-1, 2),
    Fraction(-1, 10),
    Fraction(11, 10),
    Fraction(3, 2),
    Fraction(2),
    Fraction(4),
    Fraction(11),
)


T3_3_TOLERANCE = Fraction(1, 2**30)
"""Every bound of T3.3 holds with a margin above 1e-3 at these targets, so 2^-30 is plenty."""


def _distance_to_unit(t: Fraction) -> Fraction:
    return -t if t < 0 else (t - 1 if t > 1 else Fraction(0))


@check("T3.3", "symbolic")
def t3_3_symbolic(profile: Profile) -> str:
    sp = _sympy()
    s, t, g, f = _curvature_symbols(sp)
    second = s * (1 - s) * (1 - 2 * s)
    _require_zero(g - (f - t * second), "E''/x² − (f(s) − t·σ''(s))")
    _require_zero(g.subs({s: 1 - s, t: 1 - t}, simultaneous=True) - g, "g(1 − s, 1 − t) − g(s, t)")
    s_minus = (3 - sp.sqrt(3)) / 6
    _require_zero(f.subs(s, s_minus) - sp.sqrt(3) / 36, "f((3 − √3)/6) − √3/36")
    _require_zero(f.subs(s, 1 - s_minus) + sp.sqrt(3) / 36, "f((3 + √3)/6) + √3/36")
    return (
        "sympy: E''/x² = f(s) − t·σ''(s); symmetric under (s, t) → (1 − s, 1 − t); f(s∓) = ±√3/36"
    )


@check("T3.3", "interval")
def t3_3_interval(profile: Profile) -> str:
    g = curvature_poly()
    c = c_enclosure()
    slope = interval.div(interval.sqrt_of(3), interval.rational(18))  # 1/(6√3)
    offset = interval.div(interval.sqrt_of(3), interval.rational(36))  # √3/36
    shown = []
    for target in T3_3_TARGETS:
        d = interval.rational(_distance_to_unit(target))
        bound = interval.max_abs(at_target(g, target), interval.unit_box(1), T3_3_TOLERANCE)
        upper_claim = interval.add(c, interval.mul(d, slope))
        lower_claim = interval.add(interval.mul(d, slope), offset)
        if not interval.to_fraction(bound.upper) < interval.to_fraction(upper_claim[0]):
            raise CheckError(
                f"t = {target}: K(t) ≤ {interval.show(bound.upper)} is not below C + d/(6√3)"
            )
        for name, claim in (("C", c), ("d/(6√3) + √3/36", lower_claim)):
            if not bound.lower > interval.to_fraction(claim[1]):
                raise CheckError(f"t = {target}: K(t) ≥ {float(bound.lower)} is not above {name}")
        shown.append(f"K({target}) ∈ {interval.show(bound.enclosure, 8)}")
    return (
        "max(C, d/(6√3) + √3/36) < K(t) < C + d/(6√3) at t = "
        + ", ".join(str(t) for t in T3_3_TARGETS)
        + "; "
        + "; ".join(shown)
    )


@check("T3.4", "symbolic")
def t3_4_symbolic(profile: Profile) -> str:
    sp = _sympy()
    X, s, t = sp.symbols("X s t", real=True)
    # E as a function of z, with X = e^(−z): d/dz = −X d/dX; d^k/dw^k = x^k d^k/dz^k
    derivative = (t - 1 / (1 + X)) ** 2 / 2
    for k in range(1, 6):
        derivative = sp.cancel(-X * sp.diff(derivative, X))
        q = _poly_to_sympy(loss_derivative_poly(k), sp, s, t)
        if sp.cancel(derivative - q.subs(s, 1 / (1 + X))) != 0:
            raise CheckError(f"d^{k}E/dz^{k} is not Q_{k}(σ, t)")
        if sp.degree(q, t) != 1:
            raise CheckError(f"Q_{k} is not affine in t")
        coefficient = sp.expand(q.coeff(t, 1))
        p_k = _poly_to_sympy(sigma_derivative_poly(k), sp, s)
        _require_zero(coefficient + p_k, f"the t-coefficient of Q_{k} + P_{k}")
        _require_zero(
            q.subs({s: 1 - s, t: 1 - t}, simultaneous=True) - (-1) ** k * q,
            f"Q_{k} mirror symmetry",
        )
    return (
        "sympy: d^kE/dw^k = x^k·Q_k(σ(wx), t) with Q_k = B_k(s) − t·P_k(s), Q_k(1−s, 1−t) = (−1)^k "
        "Q_k, k ≤ 5"
    )


@check("T3.4", "interval")
def t3_4_interval(profile: Profile) -> str:
    shown = []
    for k in range(1, 6):
        q = loss_derivative_poly(k)
        bounds = [
            interval.max_abs(at_target(q, t), interval.unit_box(1), LOSS_SUP_TOLERANCE)
            for t in (0, 1)
        ]
        lower = max(b.lower for b in bounds)
        upper = max(interval.to_fraction(b.upper) for b in bounds)
        published = Fraction(LOSS_SUP_BOUNDS[k])
        if not upper <= published:
            raise CheckError(
                f"K_{k} ≤ {float(upper)!r} is not below the published bound {LOSS_SUP_BOUNDS[k]}"
            )
        if not published - lower <= Fraction(1, 10**16):
            raise CheckError(
                f"the published bound {LOSS_SUP_BOUNDS[k]} of K_{k} ≥ {float(lower)!r} is loose"
            )
        shown.append(f"K{k} ≤ {LOSS_SUP_BOUNDS[k]}")
    return (
        "sup over s ∈ [0, 1] of |Q_k(s, 0)| and |Q_k(s, 1)| (Q_k is affine in t), enclosed to "
        "2^-60: " + "; ".join(shown) + " (each within 1e-16)"
    )


@check("T3.4", "high-precision")
def t3_4_numeric_diff(profile: Profile) -> str:
    points = _neuron_points(max(profile.examples // 8, 10), "t3_4", z_max=20.0)
    errors = []
    most = 0
    for w, x, t in points:
        xm, tm = mpf(x), mpf(t)
        for k in range(1, 6):
            q = loss_derivative_poly(k)

            def formula(q: Poly = q, k: int = k, w: float = w, xm: Any = xm, tm: Any = tm) -> Any:
                s = _sigma(mpf(w) * xm)
                return xm**k * sum(
                    (mpf(c.numerator) / c.denominator) * s ** e[0] * tm ** e[1]
                    for e, c in q.terms.items()
                )

            def numeric(k: int = k, w: float = w, xm: Any = xm, tm: Any = tm) -> Any:
                return _numeric_derivative(lambda v: _loss(v, xm, tm), w, k)

            error, digits = _agreement(numeric, formula, f"d^{k}E/dw^{k} at {(w, x, t)}")
            errors.append(error)
            most = max(most, digits)
    return (
        f"mpmath.diff(E, w, k) = x^k·Q_k(σ, t) for k = 1..5 at {len(points)} Hypothesis points: "
        f"max relative error {_worst(errors)}, {most} digits at most"
    )
