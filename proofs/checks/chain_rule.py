"""Checks of 01-chain-rule.md: T1.1 – T1.4, the chain rule's three factors and their product."""

from __future__ import annotations

from functools import partial

from hypothesis import strategies as st
from mpmath import mpf

from .machinery import (
    Profile,
    _check_identity,
    _draw,
    _gradient,
    _loss,
    _magnitudes,
    _neuron_points,
    _numeric_derivative,
    _reals,
    _require_zero,
    _sigma,
    _sym_logistic,
    _sympy,
    check,
)


@check("T1.1", "symbolic")
def t1_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    t, y = sp.symbols("t y", real=True)
    loss = (t - y) ** 2 / 2
    _require_zero(sp.diff(loss, y) - (-(t - y)), "dE/dy + (t − y)")
    return "sympy: d/dy ½(t − y)² − (−(t − y)) = 0"


@check("T1.1", "high-precision")
def t1_1_numeric_diff(profile: Profile) -> str:
    points = _draw(st.tuples(_reals(-4, 4), _reals(-4, 4)), profile.examples, "t1_1")
    return _check_identity(
        points,
        lambda p: _numeric_derivative(lambda y: (mpf(p[1]) - y) ** 2 / 2, p[0]),
        lambda p: -(mpf(p[1]) - mpf(p[0])),
        "mpmath.diff of ½(t − y)² vs −(t − y)",
    )


@check("T1.2", "symbolic")
def t1_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    z = sp.symbols("z", real=True)
    sigma = 1 / (1 + sp.exp(-z))
    _require_zero(sp.diff(sigma, z) - sigma * (1 - sigma), "σ' − σ(1 − σ)")
    _require_zero(sigma * (1 - sigma) - sigma * sigma.subs(z, -z), "σ(1 − σ) − σ(z)σ(−z)")
    return "sympy: σ' = σ(1 − σ) = σ(z)σ(−z) with σ = 1/(1 + e^(−z))"


@check("T1.2", "high-precision")
def t1_2_numeric_diff(profile: Profile) -> str:
    points = _draw(_reals(-50, 50), profile.examples, "t1_2")
    first = _check_identity(
        points,
        lambda z: _numeric_derivative(_sigma, z),
        lambda z: _sigma(mpf(z)) * (1 - _sigma(mpf(z))),
        "mpmath.diff(σ) vs σ(1 − σ)",
    )
    _check_identity(
        points,
        lambda z: _sigma(mpf(z)) * _sigma(-mpf(z)),
        lambda z: _numeric_derivative(_sigma, z),
        "σ(z)σ(−z) vs mpmath.diff(σ)",
    )
    return first + "; and σ(z)σ(−z) likewise"


@check("T1.3", "symbolic")
def t1_3_symbolic(profile: Profile) -> str:
    sp = _sympy()
    w, x = sp.symbols("w x", real=True)
    _require_zero(sp.diff(w * x, w) - x, "d(wx)/dw − x")
    return "sympy: d(w·x)/dw = x"


@check("T1.3", "high-precision")
def t1_3_numeric_diff(profile: Profile) -> str:
    points = _draw(st.tuples(_reals(-1e6, 1e6), _magnitudes(-60, 60)), profile.examples, "t1_3")
    return _check_identity(
        points,
        lambda p: _numeric_derivative(lambda w: w * mpf(p[1]), p[0]),
        lambda p: mpf(p[1]),
        "mpmath.diff of w·x vs x",
    )


@check("T1.4", "symbolic")
def t1_4_symbolic(profile: Profile) -> str:
    sp = _sympy()
    w, x, t, y, z = sp.symbols("w x t y z", real=True)
    sigma = partial(_sym_logistic, sp)
    loss_of_w = (t - sigma(w * x)) ** 2 / 2
    claimed = -(t - sigma(w * x)) * sigma(w * x) * (1 - sigma(w * x)) * x
    _require_zero(sp.diff(loss_of_w, w) - claimed, "dE/dw − (−(t − y)σ'(wx)x)")
    # the chain rule: the product of the three factors of T1.1, T1.2, T1.3
    factor_1 = sp.diff((t - y) ** 2 / 2, y).subs(y, sigma(w * x))
    factor_2 = sp.diff(sigma(z), z).subs(z, w * x)
    factor_3 = sp.diff(w * x, w)
    _require_zero(factor_1 * factor_2 * factor_3 - claimed, "dE/dy·dy/dz·dz/dw − dE/dw")
    return "sympy: d/dw ½(t − σ(wx))² = −(t − y)·σ'(wx)·x = dE/dy·dy/dz·dz/dw"


@check("T1.4", "high-precision")
def t1_4_numeric_diff(profile: Profile) -> str:
    points = _neuron_points(profile.examples, "t1_4")
    return _check_identity(
        points,
        lambda p: _numeric_derivative(lambda w: _loss(w, mpf(p[1]), mpf(p[2])), p[0]),
        lambda p: _gradient(mpf(p[0]), mpf(p[1]), mpf(p[2])),
        "mpmath.diff(E, w) vs −(t − y)σ'(wx)x",
    )
