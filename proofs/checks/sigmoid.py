"""Checks of 02-sigmoid.md: T2.1 – T2.7, and the polynomials P_k with d^kσ/dz^k = P_k(σ)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st
from mpmath import mp, mpf

from .. import interval
from ..interval import Poly
from .machinery import (
    CheckError,
    Profile,
    _check_identity,
    _draw,
    _numeric_derivative,
    _poly_to_sympy,
    _reals,
    _require_zero,
    _sigma,
    _sup_in_closed_form,
    _sym_sigma,
    _sympy,
    check,
)

# Polynomials in s = σ(z): every derivative of σ, and of E with respect to z, is one of these.

_S = Poly.var(0, 1)


def sigma_derivative_poly(k: int) -> Poly:
    """P_k with d^kσ/dz^k = P_k(σ): P_0 = s and P_(k+1) = s(1 − s)·dP_k/ds."""
    p = _S
    for _ in range(k):
        p = _S * (1 - _S) * p.deriv(0)
    return p


# sup |σ^(k)| for k = 1..5 (T2.7): (rational part, square-root argument) or a closed form builder.


def sigma_sup_enclosure(k: int, prec: int = interval.DEFAULT_PREC) -> interval.Interval:
    """Rigorous enclosure of the closed form of S_k = sup|σ^(k)| (T2.7)."""
    if k in (1, 5):
        return interval.rational_at(Fraction(1, 4), prec)
    if k == 2:
        return interval.div(interval.sqrt_of(3, prec), interval.rational_at(18, prec), prec)
    if k == 3:
        return interval.rational_at(Fraction(1, 8), prec)
    if k == 4:
        inner = interval.add(
            interval.rational_at(75, prec),
            interval.mul(interval.rational_at(7, prec), interval.sqrt_of(105, prec), prec),
            prec,
        )
        top = interval.sqrt_of_interval(inner, prec)
        return interval.div(
            top,
            interval.mul(interval.rational_at(30, prec), interval.sqrt_of(10, prec), prec),
            prec,
        )
    raise ValueError(f"no closed form for k = {k}")


SIGMA_SUP_CLOSED_FORMS = {
    1: "1/4",
    2: "sqrt(3)/18",
    3: "1/8",
    4: "sqrt(75 + 7*sqrt(105))/(30*sqrt(10))",
    5: "1/4",
}


@check("T2.1", "symbolic")
def t2_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    z, sigma = _sym_sigma(sp)
    _require_zero(sigma.subs(z, -z) - (1 - sigma), "σ(−z) − (1 − σ(z))")
    return "sympy: σ(−z) = 1 − σ(z)"


@check("T2.1", "high-precision")
def t2_1_high_precision(profile: Profile) -> str:
    points = _draw(_reals(-40, 40), profile.examples, "t2_1")
    return _check_identity(
        points, lambda z: _sigma(-mpf(z)), lambda z: 1 - _sigma(mpf(z)), "σ(−z) vs 1 − σ(z)"
    )


@check("T2.2", "symbolic")
def t2_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    z, sigma = _sym_sigma(sp)
    _require_zero(((1 + sp.tanh(z / 2)) / 2 - sigma).rewrite(sp.exp), "(1 + tanh(z/2))/2 − σ(z)")
    return "sympy: (1 + tanh(z/2))/2 − σ(z), rewritten in exp, simplifies to 0"


@check("T2.2", "high-precision")
def t2_2_high_precision(profile: Profile) -> str:
    points = _draw(_reals(-40, 40), profile.examples, "t2_2")
    return _check_identity(
        points,
        lambda z: (1 + mp.tanh(mpf(z) / 2)) / 2,
        lambda z: _sigma(mpf(z)),
        "(1 + tanh(z/2))/2 vs σ",
    )


@check("T2.3", "symbolic")
def t2_3_symbolic(profile: Profile) -> str:
    sp = _sympy()
    z, sigma = _sym_sigma(sp)
    first = sigma * (1 - sigma)
    _require_zero(sp.diff(sigma, z, 2) - first * (1 - 2 * sigma), "σ'' − σ'(1 − 2σ)")
    return "sympy: σ'' = σ'(1 − 2σ)"


@check("T2.3", "high-precision")
def t2_3_numeric_diff(profile: Profile) -> str:
    points = _draw(_reals(-30, 30), profile.examples, "t2_3")

    def formula(z: float) -> Any:
        s = _sigma(mpf(z))
        return s * (1 - s) * (1 - 2 * s)

    return _check_identity(
        points,
        lambda z: _numeric_derivative(_sigma, z, 2),
        formula,
        "mpmath.diff(σ, 2) vs σ'(1 − 2σ)",
    )


@check("T2.4", "symbolic")
def t2_4_symbolic(profile: Profile) -> str:
    sp = _sympy()
    s = sp.symbols("s", real=True)
    _require_zero(
        sp.Rational(1, 4) - s * (1 - s) - (s - sp.Rational(1, 2)) ** 2,
        "1/4 − s(1 − s) − (s − 1/2)²",
    )
    z, sigma = _sym_sigma(sp)
    if sigma.subs(z, 0) != sp.Rational(1, 2):
        raise CheckError("σ(0) is not 1/2")
    positive = (sp.exp(-z) / (1 + sp.exp(-z))).is_positive
    if positive is not True:
        raise CheckError(f"sympy cannot show e^(−z)/(1 + e^(−z)) > 0 (got {positive})")
    return "sympy: 1/4 − s(1 − s) = (s − 1/2)², σ(0) = 1/2, 1 − σ = e^(−z)/(1 + e^(−z)) > 0"


@check("T2.4", "interval")
def t2_4_interval(profile: Profile) -> str:
    bound = interval.maximum(sigma_derivative_poly(1), interval.unit_box(1), profile.tolerance)
    quarter = interval.rational(Fraction(1, 4))
    if not interval.overlaps(bound.enclosure, quarter) or bound.lower != Fraction(1, 4):
        raise CheckError(
            f"max s(1 − s) over [0, 1] enclosed in {interval.show(bound.enclosure)}, not 1/4"
        )
    return (
        f"max of s(1 − s) over [0, 1] in {interval.show(bound.enclosure)}, "
        f"attained at s = {bound.argmax[0]} ({bound.boxes} boxes)"
    )


@check("T2.5", "symbolic")
def t2_5_symbolic(profile: Profile) -> str:
    sp = _sympy()
    s = sp.symbols("s", real=True)
    p2 = s * (1 - s) * (1 - 2 * s)
    critical = sorted(sp.solve(sp.diff(p2, s), s), key=float)
    expected = [(3 - sp.sqrt(3)) / 6, (3 + sp.sqrt(3)) / 6]
    for found, wanted in zip(critical, expected, strict=True):
        _require_zero(found - wanted, "critical point of s(1 − s)(1 − 2s)")
    _require_zero(p2.subs(s, expected[0]) - sp.sqrt(3) / 18, "σ'' at s = (3 − √3)/6 − √3/18")
    _require_zero(p2.subs(s, expected[1]) + sp.sqrt(3) / 18, "σ'' at s = (3 + √3)/6 + √3/18")
    for where, sign in ((expected[0], -1), (expected[1], 1)):
        logit = sp.log(where / (1 - where))
        _require_zero(sp.exp(logit) - sp.exp(sign * sp.log(2 + sp.sqrt(3))), "z = ±ln(2 + √3)")
    return "sympy: σ''' = 0 at s = (3 ∓ √3)/6, i.e. z = ∓ln(2 + √3), where σ'' = ±√3/18 = ±1/(6√3)"


@check("T2.5", "interval")
def t2_5_interval(profile: Profile) -> str:
    bound = _sup_in_closed_form(
        sigma_derivative_poly(2), 1, sigma_sup_enclosure(2), profile.tolerance, "max |σ''|"
    )
    return (
        f"max |s(1 − s)(1 − 2s)| over [0, 1] in {interval.show(bound.enclosure)} ∋ √3/18, "
        f"near s = {float(bound.argmax[0]):.12f} ({bound.boxes} boxes)"
    )


@check("T2.6", "symbolic")
def t2_6_symbolic(profile: Profile) -> str:
    sp = _sympy()
    z, sigma = _sym_sigma(sp)
    derivative = sp.diff(sigma, z)
    _require_zero(derivative - sp.exp(-z) / (1 + sp.exp(-z)) ** 2, "σ' − e^(−z)/(1 + e^(−z))²")
    if (sp.exp(-z) / (1 + sp.exp(-z)) ** 2).is_positive is not True:
        raise CheckError("sympy cannot show σ'(z) > 0 for real z")
    return "sympy: σ'(z) = e^(−z)/(1 + e^(−z))², positive for every real z"


@check("T2.6", "high-precision")
def t2_6_high_precision(profile: Profile) -> str:
    pairs = _draw(st.tuples(_reals(-745, 745), _reals(-745, 745)), profile.examples, "t2_6")
    compared = 0
    # σ(745) = 1 − 10^-324: 2200 bits resolve every difference of σ between floats of [−745, 745]
    with mp.workprec(2200):
        for a, b in pairs:
            if a == b:
                continue
            lo, hi = min(a, b), max(a, b)
            if not _sigma(mpf(hi)) > _sigma(mpf(lo)):
                raise CheckError(f"σ({hi}) ≤ σ({lo})")
            compared += 1
    return f"σ(b) > σ(a) for {compared} Hypothesis pairs a < b in [−745, 745], at 2200 bits"


@check("T2.7", "symbolic")
def t2_7_symbolic(profile: Profile) -> str:
    sp = _sympy()
    s, X = sp.symbols("s X", positive=True)
    # with X = e^(−z): σ = 1/(1 + X) and d/dz = −X·d/dX, so derivatives stay rational in X
    derivative = 1 / (1 + X)
    for k in range(1, 6):
        derivative = sp.cancel(-X * sp.diff(derivative, X))
        claimed = _poly_to_sympy(sigma_derivative_poly(k), sp, s).subs(s, 1 / (1 + X))
        if sp.cancel(derivative - claimed) != 0:
            raise CheckError(f"d^{k}σ/dz^{k} is not P_{k}(σ)")
    found = []
    for k in range(1, 6):
        p = _poly_to_sympy(sigma_derivative_poly(k), sp, s)
        candidates = [r for r in sp.solve(sp.diff(p, s), s) if r.is_real and 0 <= r <= 1]
        values = [abs(p.subs(s, r)) for r in candidates] + [sp.Integer(0)]
        best = max(values, key=lambda v: sp.N(v, 50))
        _require_zero(
            sp.radsimp(best - sp.sympify(SIGMA_SUP_CLOSED_FORMS[k])), f"sup |σ^({k})| closed form"
        )
        found.append(f"S{k} = {SIGMA_SUP_CLOSED_FORMS[k]}")
    return "sympy: d^kσ/dz^k = P_k(σ) for k ≤ 5; " + ", ".join(found)


@check("T2.7", "interval")
def t2_7_interval(profile: Profile) -> str:
    parts = []
    for k in range(1, 6):
        bound = _sup_in_closed_form(
            sigma_derivative_poly(k), 1, sigma_sup_enclosure(k), profile.tolerance, f"sup |σ^({k})|"
        )
        parts.append(f"S{k} ∈ {interval.show(bound.enclosure, 12)}")
    return "; ".join(parts)
