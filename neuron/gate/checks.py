"""The checks of the property catalogue: each calls the implementation and measures an error.

A check takes an implementation, a tolerance policy and one input, calls the implementation
under test (never the reference's internals), compares with the exact values of the oracle
or with a second route through the implementation itself, and returns a Measurement: the
error and the error allowed at each input, in one unit. The allowed error always comes from
a stated bound: the tolerance policy (T6.1 or ulp:N), the finite-difference error models
(T5.1, T5.2) with the derivative bounds of T2.7 and T3.4, or the descent lemma (T4.1).
``neuron.gate.properties`` binds each check to its inputs and theorems.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import mpmath
import numpy as np
from numpy.typing import NDArray

from neuron import exact
from neuron.gate.protocol import Implementation
from neuron.gate.tolerance import Policy, U
from neuron.numerics import bounds, fd
from neuron.numerics.types import FloatArray
from neuron.numerics.ulp import ExactValues, round_mpf, ulp_errors

__all__ = [
    "TANH_ULPS",
    "Args",
    "Check",
    "Measurement",
    "convergence",
    "descent",
    "differentiated",
    "exact_check",
    "exact_measurement",
    "fd_check",
    "large_rate_increases",
    "second_derivative",
    "sigmoid_monotone",
    "sigmoid_prime_complement",
    "sigmoid_prime_product",
    "sigmoid_range",
    "sigmoid_symmetry",
    "sigmoid_tanh",
    "step_definition",
]

Args = tuple[Any, ...]

#: Assumed accuracy of the platform's tanh, in ulps; tests/test_catalogue.py measures it.
TANH_ULPS: Final = 4.0
_MAX_FLOAT: Final = float(np.finfo(np.float64).max)
_OVERFLOW_THRESHOLD: Final = mpmath.mpf(2) ** 1024 - mpmath.mpf(2) ** 970  # rounds to ±∞ from here


@dataclass(frozen=True)
class Measurement:
    """Per-input error and allowed error of one check, in `unit`.

    It passes where error <= allowed and the error is finite: an infinite error (NaN against
    a number, an infinity against a finite value, a finite result far beyond overflow) always
    fails, whatever the allowance.
    """

    error: FloatArray
    allowed: FloatArray
    expected: FloatArray
    got: FloatArray
    unit: str = "ulps"
    #: what was expected, in words, where "expected" is not simply the function's value
    explain: str = ""

    @property
    def ok(self) -> NDArray[np.bool_]:
        """Where the check holds."""
        return (self.error <= self.allowed) & (self.error < np.inf)

    @property
    def ratio(self) -> FloatArray:
        """error / allowed: 0 where exact, ∞ where the check fails."""
        with np.errstate(all="ignore"):
            r = np.where(self.ok, self.error / self.allowed, np.inf)
        return np.nan_to_num(np.where(self.error == 0, 0.0, r), nan=np.inf, posinf=np.inf)

    @property
    def passed(self) -> bool:
        return bool(np.all(self.ok))

    def worst(self) -> int:
        """Flat index of the input closest to (or furthest past) its allowed error."""
        ratio = self.ratio.ravel()
        failing = ~self.ok.ravel()
        if failing.any():
            return int(np.flatnonzero(failing)[np.argmax(self.error.ravel()[failing])])
        return int(np.argmax(ratio)) if ratio.size else 0


Check = Callable[[Implementation, Policy, Args], Measurement]


def _arrays(args: Args) -> list[FloatArray]:
    return [np.asarray(a, dtype=np.float64) for a in args]


def _with_nonfinite_rule(m: Measurement, args: Sequence[FloatArray]) -> Measurement:
    """At a NaN or infinite input, NaN (IEEE propagation) or the exact limit is accepted."""
    nonfinite = np.zeros(np.broadcast_shapes(*(np.shape(a) for a in args)), dtype=bool)
    for a in args:
        nonfinite = nonfinite | ~np.isfinite(a)
    accepted = nonfinite & np.isnan(m.got)
    return Measurement(np.where(accepted, 0.0, m.error), m.allowed, m.expected, m.got, m.unit)


def exact_measurement(
    function: str, policy: Policy, arrays: Sequence[FloatArray], got: FloatArray
) -> Measurement:
    """The errors of computed values `got` of `function` at `arrays`, against the oracle."""
    values = exact.values(function, *arrays)
    allowed = policy.allowed_ulps(function, arrays, values)
    error = ulp_errors(got, values)
    # the infinity the policy's model program returns where it overflows an intermediate
    overflow = np.isinf(got) & (policy.overflow_sign(function, arrays) == np.sign(got))
    overflow |= np.isinf(got) & _reaches_overflow(np.sign(got), values, allowed)
    error = np.where(overflow, 0.0, error)
    beyond = np.isinf(error) & np.isinf(allowed) & ~np.isnan(got)
    if beyond.any():
        error, allowed = error.copy(), allowed.copy()
        columns = np.broadcast_arrays(*arrays)
        for index in np.ndindex(beyond.shape):
            if not beyond[index]:
                continue
            element = tuple(float(c[index]) for c in columns)
            fraction = _beyond_float_range(function, policy, element, float(got[index]))
            if fraction <= 1:  # error <= allowed, both in units of (allowed error)/MAX_FLOAT
                error[index], allowed[index] = fraction * _MAX_FLOAT, _MAX_FLOAT
    m = Measurement(error, allowed, values.rounded, got)
    return _with_nonfinite_rule(m, arrays)


def _beyond_float_range(
    function: str, policy: Policy, element: tuple[float, ...], got: float
) -> float:
    """|c − v|/A, in mpmath, where both the error and the allowed error A exceed the float range.

    That happens where the exact value v lies far beyond overflow and the allowance is larger
    still (the textbook's σ' = 0 makes the step's allowed error exceed |v|). A finite result
    c is within A of v or not; an infinity of sign s is within it if s·v + A reaches the
    rounding threshold to ∞, 2^1024 − 2^970 (then 0, else ∞). Non-finite inputs: ∞.
    """
    if not all(math.isfinite(a) for a in element):
        return math.inf
    with mpmath.workprec(80):
        v = exact.value(function, *element)
        limit = policy.allowed_error(function, element, v)
        if math.isfinite(got):
            return float(abs(mpmath.mpf(got) - v) / limit)
        reach = math.copysign(1.0, got) * v + limit
        return 0.0 if reach >= _OVERFLOW_THRESHOLD else math.inf


def _reaches_overflow(
    sign: FloatArray, values: ExactValues, allowed: FloatArray
) -> NDArray[np.bool_]:
    """Where v + sign·(allowed error) lies at or past the rounding threshold to ±∞.

    A result that far from v in that direction rounds to the infinity of `sign`, so that
    infinity is within the allowed error. The threshold is 2^1024 − 2^970 (halfway from the
    largest float to 2^1024), (2^53 − ½)·2^971 = (2^53 − ½)·2^(971 − e) ulps of v for
    ulp(v) = 2^e; all in ulps of v, where every term is exact or rounds harmlessly.
    """
    finite = np.isfinite(values.spacing) & np.isfinite(values.anchor)
    spacing = np.where(finite, values.spacing, 1.0)
    exponent = np.frexp(spacing)[1] - 1  # spacing = 2^exponent
    with np.errstate(all="ignore"):
        threshold = np.ldexp(2.0**53 - 0.5, 971 - exponent)
        reach = sign * (np.where(finite, values.anchor, 0.0) / spacing + values.offset) + allowed
    reached: NDArray[np.bool_] = finite & (reach >= threshold)
    return reached


def exact_check(function: str) -> Check:
    def check(impl: Implementation, policy: Policy, args: Args) -> Measurement:
        got = impl(function, *args)  # of the arguments' broadcast shape (protocol.checked_call)
        return exact_measurement(function, policy, _arrays(args), got)

    return check


def _absolute(policy: Policy, function: str, args: Sequence[FloatArray]) -> FloatArray:
    """The policy's allowed error as an absolute error, and the exact values (for scale)."""
    values = exact.values(function, *args)
    with np.errstate(all="ignore"):  # ∞ ulps of a zero spacing (a NaN input) is NaN: no warning
        allowed: FloatArray = policy.allowed_ulps(function, args, values) * values.spacing
    return allowed


def _difference(a: FloatArray, b: FloatArray) -> FloatArray:
    """|a − b|, 0 where they are equal (the same infinity too) and ∞ where one is NaN."""
    with np.errstate(all="ignore"):
        return np.where(a == b, 0.0, np.nan_to_num(np.abs(a - b), nan=np.inf))


def _in_ulps(error: FloatArray, allowed: FloatArray, values: ExactValues) -> tuple[FloatArray, ...]:
    with np.errstate(all="ignore"):
        return error / values.spacing, allowed / values.spacing


# ---------------------------------------------------------------------------------------------
# Identities of σ checked on the implementation itself (T1.2, T2.1, T2.2, T2.3)


def sigmoid_prime_product(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """σ'(z) = σ(z)·σ(−z) (T1.2), with σ's allowed errors propagated through the product."""
    (z,) = _arrays(args)
    s, s_neg, slope = impl("sigmoid", z), impl("sigmoid", -z), impl("sigmoid_prime", z)
    with np.errstate(all="ignore"):
        product = s * s_neg
        allowed = (
            _absolute(policy, "sigmoid_prime", [z])
            + np.abs(s_neg) * _absolute(policy, "sigmoid", [z])
            + np.abs(s) * _absolute(policy, "sigmoid", [-z])
            + U * np.abs(product)
            + 2.0**-1074
        )
    values = exact.values("sigmoid_prime", z)
    error, allowed = _in_ulps(_difference(slope, product), allowed, values)
    return Measurement(error, allowed, product, slope)


def sigmoid_prime_complement(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """σ'(z) = σ(z)(1 − σ(z)) (T1.2); the error of σ enters 1 − σ absolutely."""
    (z,) = _arrays(args)
    s, slope = impl("sigmoid", z), impl("sigmoid_prime", z)
    ds = _absolute(policy, "sigmoid", [z])
    with np.errstate(all="ignore"):
        complement = 1.0 - s
        product = s * complement
        allowed = (
            _absolute(policy, "sigmoid_prime", [z])
            + ds * (np.abs(1 - 2 * s) + ds)
            + U * (np.abs(product) + np.abs(s * complement))
            + 2.0**-1074
        )
    values = exact.values("sigmoid_prime", z)
    error, allowed = _in_ulps(_difference(slope, product), allowed, values)
    return Measurement(error, allowed, product, slope)


def sigmoid_symmetry(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """σ(−z) = 1 − σ(z) (T2.1)."""
    (z,) = _arrays(args)
    s, s_neg = impl("sigmoid", z), impl("sigmoid", -z)
    with np.errstate(all="ignore"):
        complement = 1.0 - s
        allowed = (
            _absolute(policy, "sigmoid", [-z])
            + _absolute(policy, "sigmoid", [z])
            + U * np.abs(complement)
        )
    values = exact.values("sigmoid", -z)
    error, allowed = _in_ulps(_difference(s_neg, complement), allowed, values)
    return Measurement(error, allowed, complement, s_neg)


def sigmoid_tanh(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """σ(z) = (1 + tanh(z/2))/2 (T2.2), with the platform tanh within TANH_ULPS ulps."""
    (z,) = _arrays(args)
    s = impl("sigmoid", z)
    with np.errstate(all="ignore"):
        th = np.tanh(z / 2)
        via_tanh = (1.0 + th) / 2
        # tanh: TANH_ULPS ulps <= 2·TANH_ULPS·u relative; 1 + th rounds once; /2 is exact
        # unless subnormal; z/2 may lose its last bit when z is subnormal (σ' <= 1/4 of it).
        allowed = (
            _absolute(policy, "sigmoid", [z])
            + TANH_ULPS * 2 * U * np.abs(th) / 2
            + U * np.abs(via_tanh)
            + 2.0**-1074
        )
    values = exact.values("sigmoid", z)
    error, allowed = _in_ulps(_difference(s, via_tanh), allowed, values)
    return Measurement(error, allowed, via_tanh, s)


def second_derivative(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """σ'' = σ'(1 − 2σ) (T2.3): a central difference of the target's σ' against the oracle's.

    The difference quotient is within T5.1's bound h²·M3/6 + (rounding)/h of σ''(z), with
    M3 = sup|σ''''| (T2.7) and the rounding from σ''s allowed error at z ± h.
    """
    (z,) = _arrays(args)
    estimate = _estimate(
        fd.central_difference,
        lambda v: float(impl("sigmoid_prime", v)),
        float(z),
        bounds.SIGMOID_DERIVATIVE_SUP[4],  # M3 of σ' is the sup of σ'''' (T2.7)
        lambda nodes: float(np.max(_absolute(policy, "sigmoid_prime", [nodes]))),
    )
    # the expected σ'(1 − 2σ) from the oracle's σ and σ' (each within half an ulp): a wrong σ'
    # must not vouch for itself
    s, slope = exact.values("sigmoid", z), exact.values("sigmoid_prime", z)
    with np.errstate(all="ignore"):
        formula = slope.rounded * (1.0 - 2.0 * s.rounded)
        allowed = (
            estimate.error_bound
            + slope.spacing / 2 * np.abs(1 - 2 * s.rounded)
            + np.abs(slope.rounded) * s.spacing  # 2·|σ'|·(half an ulp of σ)
            + 3 * U * np.abs(formula)
        )
        error = np.abs(estimate.value - formula)
    return Measurement(
        np.asarray(error), np.asarray(allowed), formula, np.asarray(estimate.value), "abs"
    )


def _estimate(
    method: Callable[..., fd.Estimate],
    f: Callable[[float], float],
    x: float,
    derivative_bound: float,
    error_at: Callable[[FloatArray], float],
) -> fd.Estimate:
    """A finite-difference estimate whose rounding term uses the evaluation error at its nodes.

    The step depends on the error bound and the error bound on the nodes, so: estimate once
    with the error at x, bound the error over x ± radius/2 and x ± radius (every node of the
    central and Richardson stencils) and, if that is larger, estimate again on the same nodes.
    """
    at_x = error_at(np.array([x]))
    first = method(f, x, derivative_bound=lambda k: derivative_bound, f_error=lambda v: at_x)
    largest = error_at(x + first.radius * np.array([-1.0, -0.5, 0.0, 0.5, 1.0]))
    if largest <= at_x:
        return first
    return method(
        f,
        x,
        derivative_bound=lambda k: derivative_bound,
        f_error=lambda v: largest,
        step=first.step,
    )


def sigmoid_range(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """0 <= σ <= 1 and 0 <= σ' <= σ'(0) = 1/4 (T2.4), each within the policy's allowed error.

    A computed σ may exceed 1 or a computed σ' exceed 1/4 by what the policy allows it at z
    (the branch-stable e/((1 + e)(1 + e)) gives 1/4 + 2^−54 at z = 2^−52, within 1 ulp); the
    computed σ'(0) may differ from 1/4 by its own allowance. The report shows the value that
    broke its bound (σ or σ'), the bound, and how far past it, against the allowance there.
    """
    (z,) = _arrays(args)
    s, slope = impl("sigmoid", z), impl("sigmoid_prime", z)
    zero = np.zeros_like(z)
    peak = impl("sigmoid_prime", zero)
    finite = np.isfinite(z)
    safe_z = np.where(finite, z, 0.0)  # at NaN and ±∞ the limits 0, 1 and 0 are exact
    allowed_s = np.where(finite, _absolute(policy, "sigmoid", [safe_z]), 0.0)
    allowed_slope = np.where(finite, _absolute(policy, "sigmoid_prime", [safe_z]), 0.0)
    allowed_peak = _absolute(policy, "sigmoid_prime", [zero])
    # (value, bound it must respect, violation, allowance) for each of the six inequalities
    rows = [
        (s, zero, -s, allowed_s),
        (s, zero + 1.0, s - 1.0, allowed_s),
        (slope, zero, -slope, allowed_slope),
        (slope, zero + 0.25, slope - 0.25, allowed_slope),
        (slope, peak, slope - peak, allowed_slope + allowed_peak),
        (peak, zero + 0.25, np.abs(peak - 0.25), allowed_peak),
    ]
    with np.errstate(all="ignore"):
        excess = np.stack([np.nan_to_num(v - a, nan=np.inf) for _, _, v, a in rows])
    worst = np.argmax(excess, axis=0)

    def pick(column: int) -> FloatArray:
        chosen = np.choose(worst, [np.broadcast_to(row[column], z.shape) for row in rows])
        return np.asarray(chosen, dtype=np.float64)

    violation = pick(2)
    error = np.where(np.isnan(violation) & ~np.isnan(z), np.inf, np.maximum(violation, 0.0))
    return Measurement(np.nan_to_num(error), pick(3), pick(1), pick(0), "abs")


def sigmoid_monotone(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """z1 <= z2 implies σ(z1) <= σ(z2) (T2.6), within the policy's allowed errors.

    The exact σ is non-decreasing, so computed values within their allowances a1, a2 of it
    satisfy σ(z1) − σ(z2) <= a1 + a2. More would be a bug; less is what a faithful exp (one
    ulp, not monotone by construction, as vectorized math libraries' are) can give. A
    correctly rounded σ is monotone: rounding to nearest is non-decreasing.
    """
    z1, z2 = _arrays(args)
    low, high = np.minimum(z1, z2), np.maximum(z1, z2)
    s_low, s_high = impl("sigmoid", low), impl("sigmoid", high)
    allowed = _absolute(policy, "sigmoid", [low]) + _absolute(policy, "sigmoid", [high])
    drop = np.maximum(s_low - s_high, 0.0)
    return Measurement(np.nan_to_num(drop, nan=np.inf), allowed, s_low, s_high, "abs")


# ---------------------------------------------------------------------------------------------
# The gradient against independent routes (T1.4, T5.1, T5.2)


def fd_check(method: Callable[..., fd.Estimate], order: int) -> Check:
    """dE/dw against a finite difference of the implementation's own E(w) = loss(forward(w, x), t).

    Truncation uses sup|E^(k)(w)| <= K_k(t)·|x|^k (T3.4); rounding uses the policy's allowed
    errors of forward and loss, propagated through E = ½(t − y)² at the stencil's nodes.
    """

    def check(impl: Implementation, policy: Policy, args: Args) -> Measurement:
        w, x, t = (float(a) for a in args)
        # (1 + 2^-50) covers the roundings of the product and the power (a few u each)
        bound_k = bounds.loss_derivative_bound(order, t) * abs(x) ** order * (1 + 2.0**-50)

        def error_at(nodes: FloatArray) -> float:
            # E = loss(forward(v, x), t): forward's error dy moves E by |t − y|·dy + dy²/2, and
            # the loss's own allowance (6u·E relative) moves with it by 6u·|t − y|·dy.
            y = exact.values("forward", nodes, x).rounded
            dy = _absolute(policy, "forward", [nodes, np.asarray(x)])
            de = _absolute(policy, "loss", [y, np.asarray(t)])
            r = np.abs(t - y)
            return float(np.max(r * dy + dy * dy / 2 + de + 6 * U * r * dy))

        def energy(v: float) -> float:
            return float(impl("loss", impl("forward", v, x), t))

        estimate = _estimate(method, energy, w, bound_k, error_at)
        got = impl("gradient", w, x, t)
        values = exact.values("gradient", w, x, t)
        allowed = estimate.error_bound + _absolute(policy, "gradient", _arrays((w, x, t)))
        error, allowed_ulps = _in_ulps(
            _difference(got, np.asarray(estimate.value)), allowed, values
        )
        return Measurement(error, allowed_ulps, np.asarray(estimate.value), got)

    return check


def differentiated(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """dE/dw against mpmath's numerical differentiation of E(w), which never uses T1.4.

    That value is within 2^−64 relative of dE/dw, far below any policy's tolerance, so the
    allowed error is the policy's plus 2^−64·|dE/dw|.
    """
    w, x, t = (float(a) for a in args)
    reference_value = exact.differentiated_gradient(w, x, t)
    got = impl("gradient", w, x, t)
    arrays = _arrays((w, x, t))
    values = exact.values("gradient", *arrays)
    rounded = round_mpf(reference_value._mpf_)  # ±inf when dE/dw is beyond the float range
    with mpmath.workprec(80):
        if got == rounded:
            difference = mpmath.mpf(0)
        elif not np.isfinite(got):
            difference = mpmath.inf
        else:
            difference = abs(mpmath.mpf(float(got)) - reference_value) / values.spacing
        allowed = policy.allowed_ulps("gradient", arrays, values) + float(
            mpmath.ldexp(abs(reference_value), -64) / values.spacing
        )
    return Measurement(np.asarray(float(difference)), allowed, np.asarray(rounded), got)


def step_definition(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """step(w, x, t, lr) = w − lr·gradient(w, x, t), each within its allowed error."""
    w, x, t, lr = _arrays(args)
    new, g = impl("step", w, x, t, lr), impl("gradient", w, x, t)
    with np.errstate(all="ignore"):
        composed = w - lr * g
        allowed = (
            _absolute(policy, "step", [w, x, t, lr])
            + lr * _absolute(policy, "gradient", [w, x, t])
            + U * (np.abs(composed) + np.abs(lr * g))
            + 2.0**-1074
        )
    values = exact.values("step", w, x, t, lr)
    error, allowed = _in_ulps(_difference(new, composed), allowed, values)
    return Measurement(error, allowed, composed, new)


# ---------------------------------------------------------------------------------------------
# Loss decrease and convergence (T4.1, T4.2, T4.3)


def _objective(w: mpmath.mpf, x: float, t: float, precision: int) -> mpmath.mpf:
    """E(w) = ½(t − σ(w·x))² at an mpmath weight, with σ(z) − t = c − σ(−|z|) (c = 1 − t or t)
    formed without cancellation in its terms, and the precision doubled (up to 64 times) while
    c and σ(−|z|) cancel to fewer than 64 known bits: at z = 2^−199 and t = ½ the residual is
    z/4, and 200 bits would leave nothing of it. (At z = 0 it is ½ − t, exact.)"""
    ceiling = 64 * precision
    while True:
        with mpmath.workprec(precision):
            z = w * x
            small = 1 / (1 + mpmath.exp(abs(z)))
            c = 1 - mpmath.mpf(t) if z > 0 else mpmath.mpf(t)
            residual = c - small if z > 0 else small - c
            known = abs(residual) >= mpmath.ldexp(max(abs(c), small), 64 - precision)
        if z == 0 or known or precision >= ceiling:
            break
        precision *= 2
    with mpmath.workprec(precision):
        return residual * residual / 2


def descent(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """E(step) <= E(w) − η(1 − Cx²η/2)g² + slack, for t ∈ [0, 1], 0 < η <= 2/(Cx²) (T4.1).

    The slack covers only the step's allowed error τ: by the mean value theorem
    E(w' + δ) <= E(w') + (|g| + Cx²(η|g| + τ))·τ for |δ| <= τ (T3.2 bounds E'' by Cx²).
    """
    w, x, t, lr = (float(a) for a in args)
    new = float(impl("step", w, x, t, lr))
    tau = float(_absolute(policy, "step", _arrays((w, x, t, lr))))
    precision = 200 + int(3 * min(abs(w * x), 2000.0))
    with mpmath.workprec(precision):
        g = exact.value("gradient", w, x, t, bits=80)
        curvature = mpmath.mpf(bounds.CURVATURE_C) * mpmath.mpf(x) ** 2
        before = _objective(mpmath.mpf(w), x, t, precision)
        after = _objective(mpmath.mpf(new), x, t, precision)
        lemma = before - lr * (1 - curvature * lr / 2) * g * g
        slack = (abs(g) + curvature * (lr * abs(g) + tau)) * tau
        excess = after - lemma
        scale = max(before, mpmath.mpf(2) ** -1074)
    return Measurement(
        np.asarray(float(excess / scale)),
        np.asarray(float(slack / scale) + 2.0 ** -(precision - 64)),
        np.asarray(float(lemma)),
        np.asarray(float(after)),
        "× E(w)",
        "the loss after the step ('got') must be at most the descent lemma's "
        "E(w) − η(1 − Cx²η/2)·g² ('expected') plus the step's allowed error",
    )


def large_rate_increases(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """With t = ½, w = a/x and η = 1000/x² (about 39× 2/(Cx²)) the loss increases (T4.2)."""
    a, x = (float(v) for v in args)
    w, lr, t = a / x, 1000.0 / (x * x), 0.5
    new = float(impl("step", w, x, t, lr))
    precision = 200
    before = _objective(mpmath.mpf(w), x, t, precision)
    after = _objective(mpmath.mpf(new), x, t, precision)
    # Error = how far the loss failed to rise, relative to E(w); it must rise by at least E(w)
    # (the construction of T4.2 makes E(w') >= 2·E(w) for every a in [0.1, 1]).
    shortfall = max(float((2 * before - after) / before), 0.0)
    return Measurement(
        np.asarray(shortfall),
        np.asarray(0.0),
        np.asarray(float(2 * before)),
        np.asarray(float(after)),
        "× E(w)",
        "at η = 1000/x² the loss after the step ('got') must be at least 2·E(w) ('expected')",
    )


def convergence(impl: Implementation, policy: Policy, args: Args) -> Measurement:
    """Repeated steps with η = 1/(Cx²) approach w* = logit(t)/x monotonically (T4.3).

    From |z − z*| <= d0 the iterates stay within d0 of z* (no overshoot), and each step
    contracts |w − w*| by at least ρ = 1 − η·x²·m², m = min σ' on [z* − d0, z* + d0],
    so after n steps |w_n − w*| <= ρ^n·|w_0 − w*| up to the steps' allowed errors.
    """
    x, t, d0 = (float(v) for v in args)
    with mpmath.workprec(120):
        z_star = mpmath.log(t) - mpmath.log1p(-t)
        w_star = z_star / x
    w = float((z_star + d0) / x)
    lr = 1.0 / (float(bounds.CURVATURE_C) * x * x) * (1 - 2**-20)
    m = float(mpmath.mpf(1) / (2 + 2 * mpmath.cosh(abs(z_star) + abs(d0))))
    rho = 1 - lr * x * x * m * m
    distance0 = abs(mpmath.mpf(w) - w_star)
    worst_excess, allowed_total = 0.0, 0.0
    previous = distance0
    # Both bounds hold after every step, so any number of steps is a valid check; 20 reach the
    # rounding floor from the draws where ρ is smallest (ρ >= 1 − 1/(16C) = 0.19) and cost a
    # third of the time 60 did (each step is a call into the target's worker process)
    steps = 20
    for n in range(1, steps + 1):
        tau = float(_absolute(policy, "step", _arrays((w, x, t, lr))))
        allowed_total = allowed_total * rho + tau
        w = float(impl("step", w, x, t, lr))
        if not math.isfinite(w):  # NaN compares false with every bound: fail it by name
            worst_excess = math.inf
            break
        distance = abs(mpmath.mpf(w) - w_star)
        monotone_excess = float(distance - previous) - tau
        rate_excess = float(distance - mpmath.mpf(rho) ** n * distance0) - allowed_total
        worst_excess = max(worst_excess, monotone_excess, rate_excess)
        if worst_excess > 0:  # failed: the later steps cannot undo it
            break
        previous = distance
    # w0 = (z* + d0)/x can round onto w* itself (d0 subnormal): measure in 2^-1074 then
    scale = max(float(distance0), 2.0**-1074)
    return Measurement(
        np.asarray(max(worst_excess, 0.0) / scale),
        np.asarray(0.0),
        np.asarray(float(w_star)),
        np.asarray(w),
        "× |w0 − w*|",
        f"|w − w*| must shrink at every step, and by ρ^n after n steps, toward w* = logit(t)/x "
        f"('expected'), up to the steps' allowed errors; 'got' is w after step {n}",
    )
