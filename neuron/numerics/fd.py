"""Finite-difference derivatives of a scalar function, each with an error bound.

Three estimates of f'(x) from float64 evaluations of f: the central difference, one level
of Richardson extrapolation on it, and the complex step. Each returns its value with a bound
on |value − f'(x)| = truncation + rounding, where

* truncation follows from Taylor's theorem and a bound M_k on |f^(k)| supplied by the
  caller (T5.1, T5.2, T5.3);
* rounding is what the evaluation errors of f (bounded by the caller's ``f_error``) can
  do to the combination, plus the one rounding of the combination itself.

The nodes x + d_i are float64 numbers and the offsets d_i are taken exactly as they are,
so no error hides in computing x ± h. The weights are those of the derivative at x of the
polynomial interpolating f at x and at the nodes; for the symmetric nodes x ± h (and
x ± 2h) they are the textbook (f(x + h) − f(x − h))/(2h) and
(8f(x + h) − 8f(x − h) − f(x + 2h) + f(x − 2h))/(12h). The sum Σ c_i·f(x + d_i) is formed
exactly in rational arithmetic and rounded once to float64; that rounding is measured
exactly and added to the bound.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import SupportsFloat

__all__ = ["Estimate", "central_difference", "complex_step", "richardson"]

_MAX = sys.float_info.max
_SMALLEST_NORMAL = 2.0**-1022


@dataclass(frozen=True)
class Estimate:
    """A derivative estimate with its error bound.

    Attributes
    ----------
    value : float
        The estimate of f'(x).
    error_bound : float
        |value − f'(x)| ≤ error_bound when the caller's bounds hold; at least
        truncation + rounding. inf when nothing can be said (an evaluation overflowed).
    step : float
        The step h actually used. The nodes are the float64 numbers nearest x ± h (and
        x ± 2h for Richardson); h is chosen so that they are exactly x ± h when |x| ≥ h
        (central difference) and exactly x ± 2h when |x| ≥ 2h (Richardson's outer nodes).
        For the complex step the node is x + ih, always exact.
    truncation : float
        The Taylor remainder part of the bound.
    rounding : float
        The part of the bound due to evaluation errors of f and the final rounding.
    radius : float
        The largest distance from x to a node: the caller's derivative bounds must hold on
        [x − radius, x + radius] (on the segment from x to x + i·radius for the complex step).
    """

    value: float
    error_bound: float
    step: float
    truncation: float
    rounding: float
    radius: float


def central_difference(
    f: Callable[[float], SupportsFloat],
    x: float,
    *,
    derivative_bound: Callable[[int], SupportsFloat],
    f_error: Callable[[float], SupportsFloat],
    step: float | None = None,
) -> Estimate:
    """Central difference (f(x + h) − f(x − h))/(2h) with its error bound (T5.1).

    Parameters
    ----------
    f : callable
        The function, float → real (numpy scalars are accepted).
    x : float
        Where to differentiate; must be finite.
    derivative_bound : callable
        ``derivative_bound(3)`` must bound |f'''| on [x − radius, x + radius].
    f_error : callable
        ``f_error(v)`` bounds |v − f(u)| for the float64 value v that f returned at u.
    step : float, optional
        The step to use; by default h* = (3ε/M3)^(1/3), which minimises ε/h + h²M3/6 with
        ε = f_error(f(x)), kept between 4 ulp(x) and max(|x|, 1)/16 (and so that the nodes
        stay finite).

    Returns
    -------
    Estimate
        With truncation = M3·a·b/6 for the nodes x + a and x − b (h²M3/6 when a = b = h).

    Examples
    --------
    >>> import math
    >>> est = central_difference(math.exp, 0.0, derivative_bound=lambda k: 1.01,
    ...                          f_error=lambda v: 2**-51 * abs(v))
    >>> abs(est.value - 1.0) <= est.error_bound < 1e-10
    True
    """
    return _interpolating_difference(f, x, derivative_bound, f_error, step, reach=1)


def richardson(
    f: Callable[[float], SupportsFloat],
    x: float,
    *,
    derivative_bound: Callable[[int], SupportsFloat],
    f_error: Callable[[float], SupportsFloat],
    step: float | None = None,
) -> Estimate:
    """One Richardson level on central differences, (4D(h) − D(2h))/3, with its bound (T5.2).

    Here D(h) is the central difference. The result is the five-point formula on x ± h,
    x ± 2h, with truncation M5·h⁴/30 for exact nodes.

    Parameters
    ----------
    f, x, f_error
        As for `central_difference`.
    derivative_bound : callable
        ``derivative_bound(5)`` must bound |f^(5)| on [x − radius, x + radius].
    step : float, optional
        The inner step h; by default h* = (45ε/(4·M5))^(1/5), which minimises
        3ε/(2h) + h⁴M5/30, kept between 4 ulp(x) and max(|x|, 1)/16.

    Returns
    -------
    Estimate
        With truncation = M5·a1·a2·b1·b2/120 for the nodes x + a1, x + a2, x − b1, x − b2.

    Examples
    --------
    >>> import math
    >>> est = richardson(math.exp, 0.0, derivative_bound=lambda k: 1.2,
    ...                  f_error=lambda v: 2**-51 * abs(v))
    >>> abs(est.value - 1.0) <= est.error_bound < 1e-12
    True
    """
    return _interpolating_difference(f, x, derivative_bound, f_error, step, reach=2)


def complex_step(
    f: Callable[[complex], complex],
    x: float,
    *,
    derivative_bound: Callable[[int], SupportsFloat],
    f_error: Callable[[complex], SupportsFloat],
    step: float | None = None,
) -> Estimate:
    """Complex-step derivative Im f(x + ih)/h with its error bound (T5.3).

    f must be holomorphic near the segment from x to x + ih and real on the real axis; no
    difference of nearby values is taken, so h can be tiny and the rounding part is
    essentially the relative accuracy of Im f.

    Parameters
    ----------
    f : callable
        The function, evaluated at the complex number x + ih.
    x : float
        Where to differentiate; must be finite.
    derivative_bound : callable
        ``derivative_bound(3)`` must bound |f'''| (complex modulus) on the segment from x
        to x + ih. With no step given, ``derivative_bound(1)`` (a rough size of f' near x)
        is also asked for, to choose the step; it does not enter the bound.
    f_error : callable
        ``f_error(v)`` bounds the error of Im v for the complex value v that f returned.
    step : float, optional
        The step h; by default the largest power of two with h²M3/6 ≤ 2^-100·M1 and
        h ≤ 2^-20·max(|x|, 1) (smaller steps cost nothing: nothing cancels), unless
        Im f(x + ih) would then risk being subnormal; never below 2^-1022.

    Returns
    -------
    Estimate
        With truncation = h²M3/6.

    Examples
    --------
    >>> import cmath
    >>> est = complex_step(cmath.exp, 0.0, derivative_bound=lambda k: 1.0,
    ...                    f_error=lambda v: 2**-50 * abs(v.imag))
    >>> abs(est.value - 1.0) <= est.error_bound < 1e-15
    True
    """
    x = _finite_input(x)
    m3 = _nonnegative(derivative_bound(3), "derivative_bound(3)")
    if step is None:
        m1 = _nonnegative(derivative_bound(1), "derivative_bound(1)")
        h = _complex_step_size(x, m1, m3)
    else:
        h = _positive_step(step)
    v = complex(f(complex(x, h)))
    err = _nonnegative(f_error(v), "f_error")
    truncation = Fraction(h) ** 2 * Fraction(m3) / 6 if math.isfinite(m3) else None
    if not (math.isfinite(v.imag) and math.isfinite(err)):
        return _unbounded(math.nan, h, truncation, h)
    quotient = Fraction(v.imag) / Fraction(h)
    value = _round_to_float(quotient)
    if not math.isfinite(value):
        return _unbounded(value, h, truncation, h)
    rounding = Fraction(err) / Fraction(h) + abs(Fraction(value) - quotient)
    return _finish(value, h, truncation, rounding, h)


def _interpolating_difference(  # noqa: PLR0913 - the public five parameters plus the reach
    f: Callable[[float], SupportsFloat],
    x: float,
    derivative_bound: Callable[[int], SupportsFloat],
    f_error: Callable[[float], SupportsFloat],
    step: float | None,
    *,
    reach: int,
) -> Estimate:
    """Differentiate at x the polynomial through f at x and at x ± k·h, k = 1..reach."""
    x = _finite_input(x)
    order = 2 * reach + 1
    bound = _nonnegative(derivative_bound(order), f"derivative_bound({order})")
    fx: float | None = None
    if step is None:
        fx = float(f(x))
        eps = _nonnegative(f_error(fx), "f_error") if math.isfinite(fx) else math.inf
        # T5.1: ε/h + h²M3/6 is least at h = (3ε/M3)^(1/3); T5.2: 3ε/(2h) + h⁴M5/30 is
        # least at h = (45ε/(4·M5))^(1/5).
        constant = 3.0 if reach == 1 else 11.25
        h0 = _clamp_step(x, _optimal_step(eps, bound, order, constant), reach)
        if h0 is None:
            # Too close to the largest float64 for any node beyond x to be finite.
            return _unbounded(math.nan, math.nan, None, math.nan)
    else:
        h0 = _positive_step(step)
    h, nodes = _place_nodes(x, h0, reach)
    if not all(math.isfinite(node) for node in nodes):
        raise ValueError(f"step {h0!r} puts a node beyond the float64 range at x = {x!r}")
    offsets = [Fraction(node) - Fraction(x) for node in nodes]
    if 0 in offsets or len(set(offsets)) < len(offsets):
        raise ValueError(f"step {h0!r} is too small to separate the nodes at x = {x!r}")
    weights, centre_weight = _derivative_weights(offsets)
    radius = _round_up(max(abs(d) for d in offsets))
    truncation = None
    if math.isfinite(bound):
        product = Fraction(1)
        for d in offsets:
            product *= abs(d)
        truncation = Fraction(bound) * product / math.factorial(order)
    points = list(zip(nodes, weights, strict=True))
    if centre_weight != 0:
        points.append((x, centre_weight))
    total = Fraction(0)
    propagated = Fraction(0)
    for node, weight in points:
        fv = fx if node == x and fx is not None else float(f(node))
        err = _nonnegative(f_error(fv), "f_error") if math.isfinite(fv) else math.inf
        if not (math.isfinite(fv) and math.isfinite(err)):
            return _unbounded(math.nan, h, truncation, radius)
        total += weight * Fraction(fv)
        propagated += abs(weight) * Fraction(err)
    value = _round_to_float(total)
    if not math.isfinite(value):
        return _unbounded(value, h, truncation, radius)
    rounding = propagated + abs(Fraction(value) - total)
    return _finish(value, h, truncation, rounding, radius)


def _place_nodes(x: float, h0: float, reach: int) -> tuple[float, list[float]]:
    """The inner step and the nodes x + k·h for k = ±1, ..., ±reach, as float64."""
    sign = -1.0 if x < 0 else 1.0
    y = abs(x)
    # When reach·h0 ≤ y, Sterbenz: y ≤ fl(y + reach·h0) ≤ 2y, so H = fl(y + reach·h0) − y
    # is exact, and 0 ≤ y − H ≤ y is a multiple of ulp(y), hence a float: the outer nodes
    # are exactly y ± H. The inner ones are exact too unless y + H crosses a power of two.
    h = ((y + reach * h0) - y) / reach if reach * h0 <= y else h0
    multiples = [k for j in range(1, reach + 1) for k in (j, -j)]
    return h, [sign * (y + k * h) for k in multiples]


def _derivative_weights(offsets: Sequence[Fraction]) -> tuple[list[Fraction], Fraction]:
    """Weights c_i of p'(x) = Σ c_i·f(x + d_i) + c_0·f(x), p interpolating at x and x + d_i.

    With the node x at offset 0: c_i = Π_{j≠i}(−d_j) / (d_i·Π_{j≠i}(d_i − d_j)) and
    c_0 = −Σ 1/d_i, which is 0 for symmetric offsets.
    """
    weights = []
    for i, d_i in enumerate(offsets):
        numerator = Fraction(1)
        denominator = d_i
        for j, d_j in enumerate(offsets):
            if j != i:
                numerator *= -d_j
                denominator *= d_i - d_j
        weights.append(numerator / denominator)
    return weights, -sum((1 / d for d in offsets), Fraction(0))


def _optimal_step(eps: float, bound: float, power: int, constant: float) -> float:
    """(constant·eps/bound)^(1/power), with 0 and inf at the ends, without overflow."""
    if bound == 0 or eps == math.inf:
        return math.inf
    if eps == 0 or bound == math.inf:
        return 0.0
    # The logarithm stays within ±(log 12 + 710 + 745)/3 < 709 for power ≥ 3.
    return math.exp((math.log(constant) + math.log(eps) - math.log(bound)) / power)


def _clamp_step(x: float, h: float, reach: int) -> float | None:
    """Keep h in [max(4 ulp(x), 2^-1022), min(max(|x|, 1)/16, (MAX − |x|)/4)].

    The lower end keeps the nodes distinct (they differ by at least two float64 spacings),
    the upper end keeps them near x and finite. None if the interval is empty.
    """
    low = max(4.0 * math.ulp(x), _SMALLEST_NORMAL)
    high = min(max(abs(x), 1.0) / 16.0, (_MAX - abs(x)) / (2 * reach))
    if high < low:
        return None
    return min(max(h, low), high)


def _complex_step_size(x: float, m1: float, m3: float) -> float:
    """A power of two in [2^-1022, 2^-20·max(|x|, 1)] making h²M3/6 negligible next to M1.

    The target is h²M3/6 ≤ 2^-100·M1. When that h would let Im f(x + ih) ≈ h·f'(x) sink
    among the subnormals (h < 2^-1024/M1), h balances h²M3/6 against 2^-1074/h instead.
    """
    cap = 2.0**-20 * max(abs(x), 1.0)
    if m3 == 0 or m1 == math.inf:
        h = cap
    elif m1 == 0 or m3 == math.inf:
        h = _SMALLEST_NORMAL
    else:
        ln2 = math.log(2.0)
        # Both logarithms stay below (log 6 + 710 + 745)/2 < 709: exp cannot overflow.
        log_h = -50 * ln2 + 0.5 * (math.log(6.0) + math.log(m1) - math.log(m3))
        if log_h < -1024 * ln2 - math.log(m1):
            log_h = (math.log(3.0) - 1074 * ln2 - math.log(m3)) / 3
        h = min(cap, math.exp(log_h))
    h = max(h, _SMALLEST_NORMAL)
    return math.ldexp(0.5, math.frexp(h)[1])


def _finite_input(x: float) -> float:
    if not isinstance(x, numbers.Real):
        raise TypeError(f"x must be a real number, got {type(x).__name__}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"x must be finite, got {x!r}")
    return value


def _positive_step(step: float) -> float:
    value = float(step)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"step must be finite and positive, got {step!r}")
    return value


def _nonnegative(bound: SupportsFloat, name: str) -> float:
    value = float(bound)
    if not value >= 0:
        raise ValueError(f"{name} must return a bound >= 0, got {bound!r}")
    return value


def _round_to_float(q: Fraction) -> float:
    """q rounded to the nearest float64, ±inf beyond the range."""
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _round_up(q: Fraction) -> float:
    """The least float64 ≥ q (inf beyond the range)."""
    value = _round_to_float(q)
    if math.isfinite(value) and Fraction(value) < q:
        value = math.nextafter(value, math.inf)
    return value


def _finish(
    value: float, step: float, truncation: Fraction | None, rounding: Fraction, radius: float
) -> Estimate:
    trunc = math.inf if truncation is None else _round_up(truncation)
    rnd = _round_up(rounding)
    total = (
        math.inf
        if math.isinf(trunc) or math.isinf(rnd)
        else _round_up(Fraction(trunc) + Fraction(rnd))
    )
    return Estimate(value, total, step, trunc, rnd, radius)


def _unbounded(value: float, step: float, truncation: Fraction | None, radius: float) -> Estimate:
    trunc = math.inf if truncation is None else _round_up(truncation)
    return Estimate(value, math.inf, step, trunc, math.inf, radius)
