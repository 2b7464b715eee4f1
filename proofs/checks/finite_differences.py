"""Checks of 05-finite-differences.md: T5.1 – T5.3: central difference, Richardson,
complex step."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st
from mpmath import mp, mpc, mpf

from .. import interval
from ..interval import Poly
from .machinery import (
    DIGITS,
    CheckError,
    Profile,
    _draw,
    _reals,
    _require_zero,
    _round_to_float64,
    _sigma,
    _sympy,
    check,
)
from .sigmoid import sigma_derivative_poly


@dataclass(frozen=True)
class _TestFunction:
    name: str
    f: Callable[[Any], Any]
    derivative: Callable[[Any], Any]
    third: Callable[[Any], Any]
    fifth: Callable[[Any], Any]
    sup_third: Callable[[Any, Any], Any]  # sup |f'''| over [x − h, x + h]
    sup_fifth: Callable[[Any, Any], Any]


def _sigma_poly_value(k: int, z: Any) -> Any:
    s = _sigma(z)
    return sum(
        (mpf(c.numerator) / c.denominator) * s ** e[0]
        for e, c in sigma_derivative_poly(k).terms.items()
    )


_FD_FUNCTIONS = (
    _TestFunction(
        "exp",
        mp.exp,
        mp.exp,
        mp.exp,
        mp.exp,
        lambda x, h: mp.exp(x + h),
        lambda x, h: mp.exp(x + h),
    ),
    _TestFunction(
        "sin",
        mp.sin,
        mp.cos,
        lambda x: -mp.cos(x),
        mp.cos,
        lambda x, h: mpf(1),
        lambda x, h: mpf(1),
    ),
    _TestFunction(
        "σ",
        _sigma,
        lambda z: _sigma_poly_value(1, z),
        lambda z: _sigma_poly_value(3, z),
        lambda z: _sigma_poly_value(5, z),
        lambda x, h: mpf(1) / 8,
        lambda x, h: mpf(1) / 4,
    ),
)


def _fd_points(count: int, label: str, max_j: int) -> list[tuple[float, int]]:
    """(x, j): x a multiple of 2^-20 in [−4, 4] and h = 2^-j, so that x ± h are exact floats."""
    strategy = st.tuples(
        st.integers(-4 * 2**20, 4 * 2**20).map(lambda n: n / 2**20), st.integers(1, max_j)
    )
    return _draw(strategy, count, label)


def _fd_cases(
    points: list[tuple[float, int]],
) -> Iterator[tuple[float, int, Any, Any, _TestFunction]]:
    """(x, j, x as an mpf, h = 2^-j as an mpf, f) for every point and every test function f."""
    for x, j in points:
        for fn in _FD_FUNCTIONS:
            yield x, j, mpf(x), mpf(2) ** -j, fn


@check("T5.1", "symbolic")
def t5_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    h, m3, eps = sp.symbols("h M3 epsilon", positive=True)
    bound = h**2 * m3 / 6 + eps / h
    best = (3 * eps / m3) ** sp.Rational(1, 3)
    _require_zero(sp.diff(bound, h).subs(h, best), "the derivative of the bound at h*")
    if not sp.simplify(sp.diff(bound, h, 2).subs(h, best)).is_positive:
        raise CheckError("the bound is not convex at h*")
    _require_zero(
        bound.subs(h, best) - (9 * eps**2 * m3) ** sp.Rational(1, 3) / 2, "the bound at h*"
    )
    x, hh = sp.symbols("x h", real=True)
    f = sp.Function("f")
    series = sp.series((f(x + hh) - f(x - hh)) / (2 * hh), hh, 0, 4).removeO().doit()
    leading = sp.simplify(series - sp.diff(f(x), x))
    _require_zero(leading - hh**2 * sp.diff(f(x), x, 3) / 6, "leading error term of D_h")
    return (
        "sympy: D_h − f' = h²f'''/6 + O(h⁴); h²M3/6 + ε/h is least at h* = (3ε/M3)^(1/3), value "
        "(9ε²M3)^(1/3)/2"
    )


@check("T5.1", "high-precision")
def t5_1_high_precision(profile: Profile) -> str:
    points = _fd_points(profile.examples, "t5_1", 30)
    u = mpf(2) ** -53
    ratios: list[Any] = []
    with mp.workdps(DIGITS):
        eps60 = mpf(10) ** (2 - DIGITS)
        for x, j, xm, h, fn in _fd_cases(points):
            plus, minus = fn.f(xm + h), fn.f(xm - h)
            exact = fn.derivative(xm)
            m3 = fn.sup_third(xm, h)
            # (1) the bound, with the rounding of 60-digit arithmetic as ε
            central = (plus - minus) / (2 * h)
            eps = eps60 * max(abs(plus), abs(minus), 1)
            if abs(central - exact) > h**2 * m3 / 6 + eps / h:
                raise CheckError(
                    f"{fn.name} at x={x}, h=2^-{j}: |D_h − f'| = {abs(central - exact)}"
                )
            # (2) float64: f(x ± h) rounded to nearest, |error| ≤ ε = (u + 10^-55) max|f|
            fp, fm = _round_to_float64(plus), _round_to_float64(minus)
            d_float = (fp - fm) / (2 * math.ldexp(1.0, -j))
            eps64 = (u + eps60) * max(abs(plus), abs(minus))
            truncation_and_rounding = h**2 * m3 / 6 + eps64 / h
            allowed = truncation_and_rounding * (1 + u) + u * abs(exact)
            if abs(mpf(d_float) - exact) > allowed:
                raise CheckError(
                    f"float64 {fn.name} at x={x}, h=2^-{j}: error {abs(mpf(d_float) - exact)} "
                    f"> {allowed}"
                )
            # (3) the h² term is sharp: (D_h − f')/(h²f'''(x)/6) → 1
            third = fn.third(xm)
            if j >= 20 and abs(third) > mpf("1e-3"):
                ratios.append((central - exact) / (h**2 * third / 6))
    spread = max(abs(r - 1) for r in ratios) if ratios else mpf(0)
    if spread > mpf("1e-6"):
        raise CheckError(f"(D_h − f')/(h²f'''/6) is {mp.nstr(spread, 3)} from 1 for h ≤ 2^-20")
    return (
        f"exp, sin, σ at {len(points)} Hypothesis (x, h = 2^-j ≥ 2^-30): |D_h − f'| ≤ h²M3/6 + ε/h "
        f"at {DIGITS} "
        f"digits and in float64 (ε = u·max|f|); (D_h − f')/(h²f'''/6) within {mp.nstr(spread, 2)} "
        "of 1 for h ≤ 2^-20"
    )


def _richardson_kernel_pieces() -> list[tuple[Fraction, Fraction, Poly]]:
    """The Peano kernel K(θ) of R_1 − f'(0) on the four pieces of [−1, 1].

    R_h = (4D_(h/2) − D_h)/3 with h = 1 applies to f the functional
    (4/3)(f(1/2) − f(−1/2)) − (1/6)(f(1) − f(−1)); K(θ) = L[(· − θ)_+^4/4!] − (−θ)_+^3/3!.
    """
    theta = Poly.var(0, 1)
    nodes = (
        (Fraction(1, 2), Fraction(4, 3)),
        (Fraction(-1, 2), Fraction(-4, 3)),
        (Fraction(1), Fraction(-1, 6)),
        (Fraction(-1), Fraction(1, 6)),
    )
    edges = (Fraction(-1), Fraction(-1, 2), Fraction(0), Fraction(1, 2), Fraction(1))
    pieces = []
    for lo, hi in itertools.pairwise(edges):
        kernel = Poly(1)
        for node, weight in nodes:
            if node >= hi:  # (node − θ)_+ = node − θ on the whole piece
                kernel = kernel + weight * (node - theta) ** 4 * Fraction(1, 24)
        if hi <= 0:  # the f'(0) term: (0 − θ)_+^3/3! for θ < 0
            kernel = kernel - (-theta) ** 3 * Fraction(1, 6)
        pieces.append((lo, hi, kernel))
    return pieces


def _richardson_functional(poly: Poly) -> Fraction:
    """L(p) = (4/3)(p(1/2) − p(−1/2)) − (1/6)(p(1) − p(−1)) − p'(0), exactly."""
    half = Fraction(1, 2)
    return (
        Fraction(4, 3) * (poly(half) - poly(-half))
        - Fraction(1, 6) * (poly(Fraction(1)) - poly(Fraction(-1)))
        - poly.deriv(0)(Fraction(0))
    )


@check("T5.2", "interval")
def t5_2_peano_kernel(profile: Profile) -> str:
    theta = Poly.var(0, 1)
    for j in range(5):
        if _richardson_functional(theta**j) != 0:
            raise CheckError(f"R_1 − f'(0) does not vanish on θ^{j}")
    if _richardson_functional(theta**5) != Fraction(-1, 4):
        raise CheckError("L(θ⁵) is not −1/4 = 5!·(−1/480)")
    pieces = _richardson_kernel_pieces()
    outer = {pieces[0][:2]: (1 + theta) ** 4, pieces[-1][:2]: (1 - theta) ** 4}
    total = Fraction(0)
    tops = []
    for lo, hi, kernel in pieces:
        total += kernel.integrate(0, lo, hi)(Fraction(0))
        if (lo, hi) in outer:
            if kernel != outer[(lo, hi)] * Fraction(-1, 144):
                raise CheckError(f"K on [{lo}, {hi}] is not −(1 ∓ θ)⁴/144")
            continue
        bound = interval.maximum(kernel, ((lo, hi),), profile.tolerance)
        if not interval.to_fraction(bound.upper) < 0:
            raise CheckError(
                f"max K on [{lo}, {hi}] ≤ {interval.show(bound.upper)} is not negative"
            )
        tops.append(f"max K on [{lo}, {hi}] ≤ {interval.show(bound.upper, 6)}")
    if total != Fraction(-1, 480):
        raise CheckError(f"∫K = {total}, not −1/480")
    return (
        "L(θ^j) = 0 for j ≤ 4; K = −(1 ∓ θ)⁴/144 on the outer quarters; "
        + "; ".join(tops)
        + "; ∫K = −1/480 exactly"
    )


@check("T5.2", "symbolic")
def t5_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    h, m5, eps = sp.symbols("h M5 epsilon", positive=True)
    bound = h**4 * m5 / 480 + 3 * eps / h
    best = (360 * eps / m5) ** sp.Rational(1, 5)
    _require_zero(sp.diff(bound, h).subs(h, best), "the derivative of the bound at h*")
    x, hh = sp.symbols("x h", real=True)
    f = sp.Function("f")

    def central(step: Any) -> Any:
        return (f(x + step) - f(x - step)) / (2 * step)

    richardson = (4 * central(hh / 2) - central(hh)) / 3
    series = sp.series(richardson, hh, 0, 6).removeO().doit()
    leading = sp.simplify(series - sp.diff(f(x), x))
    _require_zero(leading + hh**4 * sp.diff(f(x), x, 5) / 480, "leading error term of R_h")
    return "sympy: R_h − f' = −h⁴f⁽⁵⁾/480 + O(h⁶); h⁴M5/480 + 3ε/h is least at h* = (360ε/M5)^(1/5)"


@check("T5.2", "high-precision")
def t5_2_high_precision(profile: Profile) -> str:
    points = _fd_points(profile.examples, "t5_2", 12)
    ratios: list[Any] = []
    with mp.workdps(DIGITS):
        eps60 = mpf(10) ** (2 - DIGITS)
        for x, j, xm, h, fn in _fd_cases(points):
            values = [fn.f(xm + k * h / 2) for k in (-2, -1, 1, 2)]
            d_h = (values[3] - values[0]) / (2 * h)
            d_half = (values[2] - values[1]) / h
            rich = (4 * d_half - d_h) / 3
            exact = fn.derivative(xm)
            eps = eps60 * max(*(abs(v) for v in values), 1)
            allowed = h**4 * fn.sup_fifth(xm, h) / 480 + 3 * eps / h
            if abs(rich - exact) > allowed:
                raise CheckError(
                    f"{fn.name} at x={x}, h=2^-{j}: |R_h − f'| = {abs(rich - exact)} > {allowed}"
                )
            fifth = fn.fifth(xm)
            if j >= 10 and abs(fifth) > mpf("1e-2"):
                ratios.append((rich - exact) / (-(h**4) * fifth / 480))
    spread = max(abs(r - 1) for r in ratios) if ratios else mpf(0)
    if spread > mpf("1e-3"):
        raise CheckError(f"(R_h − f')/(−h⁴f⁽⁵⁾/480) is {mp.nstr(spread, 3)} from 1 for h ≤ 2^-10")
    return (
        f"exp, sin, σ at {len(points)} Hypothesis (x, h = 2^-j ≥ 2^-12): |R_h − f'| ≤ h⁴M5/480 + "
        "3ε/h; "
        f"(R_h − f')/(−h⁴f⁽⁵⁾/480) within {mp.nstr(spread, 2)} of 1 for h ≤ 2^-10"
    )


@check("T5.3", "symbolic")
def t5_3_symbolic(profile: Profile) -> str:
    sp = _sympy()
    x, h, tau = sp.symbols("x h tau", real=True)
    for name, f in (("exp", sp.exp), ("sin", sp.sin)):
        step = sp.im(sp.expand_complex(f(x + sp.I * h))) / h
        series = sp.series(step - sp.diff(f(x), x), h, 0, 4).removeO()
        _require_zero(
            series + h**2 * sp.diff(f(x), x, 3) / 6, f"leading error of the complex step for {name}"
        )
    _require_zero(
        sp.integrate((1 - tau) ** 2 / 2, (tau, 0, 1)) - sp.Rational(1, 6), "∫(1 − τ)²/2 dτ − 1/6"
    )
    return (
        "sympy: Im f(x + ih)/h − f'(x) = −h²f'''(x)/6 + O(h⁴) for exp and sin; the remainder "
        "weight ∫(1−τ)²/2 = 1/6"
    )


@check("T5.3", "high-precision")
def t5_3_high_precision(profile: Profile) -> str:
    strategy = st.tuples(_reals(-4, 4), st.integers(1, 600))
    points = _draw(strategy, profile.examples, "t5_3")
    u = mpf(2) ** -53
    worst_float = mpf(0)
    functions: tuple[tuple[str, Any, Any, Callable[[Any, Any], Any]], ...] = (
        ("exp", mp.exp, mp.exp, lambda x, h: mp.exp(x)),
        ("sin", mp.sin, mp.cos, lambda x, h: mp.cosh(h)),
    )
    with mp.workdps(DIGITS):
        for x, j in points:
            xm, h = mpf(x), mpf(2) ** -j
            for name, f, derivative, sup_third in functions:
                exact = derivative(xm)
                imaginary = f(mpc(xm, h)).imag
                step = imaginary / h
                allowed = h**2 * sup_third(xm, h) / 6 + mpf(10) ** (2 - DIGITS) * abs(exact)
                if abs(step - exact) > allowed:
                    raise CheckError(
                        f"{name} at x={x}, h=2^-{j}: |Im f(x+ih)/h − f'| = {abs(step - exact)} > "
                        f"{allowed}"
                    )
                # float64: Im f rounded to nearest; dividing by h = 2^-j is exact
                rounded = _round_to_float64(imaginary)
                if rounded == 0 or math.isinf(rounded) or abs(rounded) < 2.0**-1022:
                    continue
                float_step = mpf(rounded) / h
                float_error = abs(float_step - exact)
                if float_error > h**2 * sup_third(xm, h) / 6 + u * abs(step) + mpf(10) ** (
                    2 - DIGITS
                ) * abs(exact):
                    raise CheckError(
                        f"float64 complex step {name} at x={x}, h=2^-{j}: error {float_error}"
                    )
                if j >= 30 and exact != 0:
                    worst_float = max(worst_float, float_error / abs(exact))
    return (
        f"exp, sin at {len(points)} Hypothesis (x, h = 2^-j, j ≤ 600): |Im f(x+ih)/h − f'| ≤ "
        "h²M3/6 (M3 over "
        f"the segment [x, x+ih]); rounded to float64, relative error ≤ {mp.nstr(worst_float, 3)} "
        "for h ≤ 2^-30 (≤ u)"
    )
