"""Tolerance policies: how far from the exact value an implementation under test may be.

A policy turns the exact values of a function at some inputs into the error allowed there,
in ulps of the exact value (``neuron.numerics.ulp``):

* ``float64`` (the default) allows what a sound float64 evaluation of the seed's textbook
  formulas can produce: the first-order running error bound of Higham (2002, §3.3) for
  z = fl(w·x), e = exp(−z), y = 1/(1 + e), r = t − y, σ' = y(1 − y), E = ½r², g = −r·σ'·x,
  w' = w − lr·g, under the standard model (each operation within u = 2^−53 relative, exp
  within 1 ulp = 2u), evaluated at the exact intermediates and multiplied by
  SAFETY = 2 for the second-order terms and for reorderings of the same formulas. Results
  below the normal range may be off by UNDERFLOW = 2^−1022 per underflowing intermediate
  (times its sensitivity), which accepts flush-to-zero and the exp overflow of 1/(1 + e^−z).
  Theorem T6.1.
* ``ulp:N`` allows N ulps everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import mpmath
import numpy as np
from numpy.typing import NDArray

from neuron.numerics.ulp import ExactValues, ulp_of_mpf

__all__ = ["SAFETY", "UNDERFLOW", "Float64Policy", "Policy", "UlpPolicy", "parse_policy"]

U: Final = 2.0**-53  # unit roundoff of float64
EXP_ERROR: Final = 2 * U  # a library exp within 1 ulp
SAFETY: Final = 2.0
UNDERFLOW: Final = 2.0**-1022
_OVERFLOW: Final = mpmath.ldexp(1, 1024)  # beyond the largest float64

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class UlpPolicy:
    """Within `ulps` ulps of the exact value everywhere."""

    ulps: float

    @property
    def name(self) -> str:
        return f"ulp:{self.ulps:g}"

    def allowed_ulps(
        self, function: str, args: Sequence[FloatArray], exact: ExactValues
    ) -> FloatArray:
        """The error allowed at each input, in ulps of the exact value."""
        return np.full(exact.rounded.shape, float(self.ulps))

    def least_allowed_ulps(self, function: str) -> float:
        """A lower bound of `allowed_ulps` over all finite inputs: N."""
        return float(self.ulps)

    def allowed_error(self, function: str, args: tuple[float, ...], exact: Any) -> Any:
        """The allowed error at finite arguments as an mpmath number: N ulps of the exact value."""
        with mpmath.workprec(64):
            return self.ulps * mpmath.mpf(ulp_of_mpf(mpmath.mpf(exact)._mpf_))

    def overflow_sign(self, function: str, args: Sequence[FloatArray]) -> FloatArray:
        """The sign of an infinity accepted for a finite exact value, 0 where none is: none."""
        return np.zeros(np.broadcast_shapes(*(np.shape(a) for a in args)))


@dataclass(frozen=True)
class Float64Policy:
    """What a sound float64 evaluation of the textbook formulas can produce (T6.1).

    The bound is evaluated in mpmath, whose exponent range is unbounded, so that neither the
    tiny factors (σ' ~ e^−|z|) nor the huge ones (x, t up to 1.8e308) of a bound can
    underflow or overflow on the way to it.
    """

    name: str = "float64"

    def _bound(self, function: str, args: tuple[float, ...]) -> mpmath.mpf:
        if not all(math.isfinite(a) for a in args):
            return mpmath.mpf(UNDERFLOW)  # NaN or the exact limit is required there
        with mpmath.workprec(64):
            bound, sensitivity = _BOUNDS[function](*(mpmath.mpf(a) for a in args))
            total: mpmath.mpf = SAFETY * bound + UNDERFLOW * (1 + sensitivity)
            return total

    def least_allowed_ulps(self, function: str) -> float:
        """A lower bound of `allowed_ulps` over all finite inputs (see _LEAST_ULPS)."""
        return _LEAST_ULPS[function]

    def allowed_error(self, function: str, args: tuple[float, ...], exact: Any) -> Any:
        """The allowed error at finite arguments as an mpmath number, unbounded in range."""
        return self._bound(function, args)

    def overflow_sign(self, function: str, args: Sequence[FloatArray]) -> FloatArray:
        """The infinity the textbook program returns where it overflows an intermediate although
        the result is finite (+1 or −1), and 0 elsewhere.

        The step does: w − η·(dE/dw) forms dE/dw first, which can exceed the float range
        when η·dE/dw does not; the textbook code, scipy, torch and jax all return −sign(dE/dw)·∞
        there — even where w outweighs η·dE/dw and the exact step has the other sign (η
        subnormal). So does the loss: ½·(t − y)² squares t − y first, and returns +∞.
        (fl(t − y) is within a relative u of t − y, which moves the threshold 2^512 by far
        less than the factor √2 of the ½.)
        """
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
        out = np.zeros(arrays[0].shape)
        if function == "loss":
            # ½·(t − y)² squares first: (t − y)² overflows from |t − y| >= 2^512 on, while
            # ½(t − y)² stays finite up to |t − y| < 2^512.5
            with np.errstate(all="ignore"):
                r = np.abs(arrays[1] - arrays[0])
            squared_overflows = np.isfinite(r) & (r >= 2.0**512)
            return np.where(squared_overflows, 1.0, 0.0)
        if function != "step":
            return out
        for index in np.ndindex(out.shape):
            w, x, t, lr = (float(a[index]) for a in arrays)
            if all(math.isfinite(v) for v in (w, x, t, lr)):
                with mpmath.workprec(64):
                    # _gradient_terms' g is (t − y)·σ'·x = −dE/dw: w − η·dE/dw is sign(g)·∞
                    g, _, _ = _gradient_terms(mpmath.mpf(w), mpmath.mpf(x), mpmath.mpf(t))
                    out[index] = float(mpmath.sign(g)) if abs(g) >= _OVERFLOW else 0.0
        return out

    def allowed_ulps(
        self, function: str, args: Sequence[FloatArray], exact: ExactValues
    ) -> FloatArray:
        """The error allowed at each input, in ulps of the exact value."""
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
        spacing = np.broadcast_to(exact.spacing, arrays[0].shape)
        out = np.empty(arrays[0].shape)
        for index in np.ndindex(out.shape):
            element = tuple(float(a[index]) for a in arrays)
            with mpmath.workprec(64):
                ratio = self._bound(function, element) / mpmath.mpf(float(spacing[index]))
                out[index] = float(ratio) if mpmath.isfinite(ratio) else math.inf
        return out


Real: TypeAlias = Any  # an mpmath.mpf; mpmath has no type information


def _logistic(z: Real) -> tuple[Real, Real]:
    """σ(z) and σ(−z), without cancellation."""
    small = 1 / (1 + mpmath.exp(abs(z)))
    return (1 - small, small) if z >= 0 else (small, 1 - small)


def _sigmoid_error(z: Real) -> tuple[Real, Real, Real]:
    """σ(z), σ(−z) and the bound on |fl(1/(1 + exp(−z))) − σ(z)| at exact z (T6.1).

    exp contributes EXP_ERROR·e/(1 + e) = EXP_ERROR·σ(−z) relatively, 1 + e and the division
    u each.
    """
    s, s_neg = _logistic(z)
    return s, s_neg, (EXP_ERROR * s_neg + 2 * U) * s


def _sigmoid_bound(z: Real) -> tuple[Real, Real]:
    return _sigmoid_error(z)[2], mpmath.mpf(0)


def _sigmoid_prime_bound(z: Real) -> tuple[Real, Real]:
    # y(1 − y): the error dy of y enters as |1 − 2y|·dy, 1 − y and the product add u each
    s, s_neg, dy = _sigmoid_error(z)
    return dy * abs(1 - 2 * s) + dy + 3 * U * s * s_neg, mpmath.mpf(0)


def _forward_bound(w: Real, x: Real) -> tuple[Real, Real]:
    # z = fl(w·x) moves σ by σ'(z)·u|z|
    z = w * x
    s, s_neg, dy = _sigmoid_error(z)
    return dy + s * s_neg * U * abs(z), mpmath.mpf(0)


def _loss_bound(y: Real, t: Real) -> tuple[Real, Real]:
    # r = fl(t − y) (u), r·r (2u through r, u for the product); the halving is exact
    r = t - y
    return 3 * U * r * r / 2, mpmath.mpf(0)


def _gradient_terms(w: Real, x: Real, t: Real) -> tuple[Real, Real, Real]:
    """(g, bound on |ĝ − g|, sensitivity to underflow) of the textbook gradient (T6.1)."""
    z = w * x
    s, s_neg, dy = _sigmoid_error(z)
    slope = s * s_neg
    dz = slope * U * abs(z)  # z = fl(w·x), through σ'
    dy = dy + dz
    r = t - s
    dr = dy + U * abs(r)  # r = t − y
    # σ' = y(1 − y): dy·|1 − 2y| + dy + 3u·σ', and z's rounding through σ'' = σ'(1 − 2σ)
    dslope = dy * abs(1 - 2 * s) + dy + 3 * U * slope + dz * abs(1 - 2 * s)
    g = r * slope * x
    bound = abs(x) * (slope * dr + abs(r) * dslope) + 2 * U * abs(g)
    # an underflow in r or σ' enters times |x|·σ' or |x|·|r|; one in a partial product of
    # r, y and 1 − y (the textbook's r·y, autograd's r·σ') times at most |x|
    return g, bound, abs(x) * (abs(r) + slope + 1)


def _gradient_bound(w: Real, x: Real, t: Real) -> tuple[Real, Real]:
    _, bound, sensitivity = _gradient_terms(w, x, t)
    return bound, sensitivity


def _step_bound(w: Real, x: Real, t: Real, lr: Real) -> tuple[Real, Real]:
    # w' = w − lr·g: the product and the subtraction round once each
    g, bound, sensitivity = _gradient_terms(w, x, t)
    update = lr * g
    return lr * bound + U * abs(update) + U * abs(w - update), lr * sensitivity


_BOUNDS: dict[str, Callable[..., tuple[Real, Real]]] = {
    "sigmoid": _sigmoid_bound,
    "sigmoid_prime": _sigmoid_prime_bound,
    "forward": _forward_bound,
    "loss": _loss_bound,
    "gradient": _gradient_bound,
    "step": _step_bound,
}

# Each bound of _BOUNDS holds a term k·U·|v| in the exact value v (the last rounding of the
# model program: 2U·σ in σ, 3U·σ' in σ', 2U·σ in σ(w·x), 3U·E in E, 2U·|g| in dE/dw, U·|w'| in
# the step), so SAFETY·k·U·|v| >= k ulps wherever v is normal (|v| >= 2^52 ulps of v); where v
# is subnormal, zero or beyond the float range, UNDERFLOW alone is 2^52 ulps. (At a NaN or
# infinite input the bound is UNDERFLOW, which may be 0 ulps: no lower bound holds there.)
# The bound is evaluated at 64 bits: 2^-20 covers its rounding.
_LEAST_ULPS: Final = {
    name: k * (1 - 2.0**-20)
    for name, k in {
        "sigmoid": 2.0,
        "sigmoid_prime": 3.0,
        "forward": 2.0,
        "loss": 3.0,
        "gradient": 2.0,
        "step": 1.0,
    }.items()
}

Policy = Float64Policy | UlpPolicy

_ULP_POLICY = re.compile(r"ulp:(\d+(\.\d*)?)")


def parse_policy(text: str) -> Policy:
    """``"float64"`` or ``"ulp:N"`` (N > 0, e.g. ``ulp:1`` or ``ulp:0.5``).

    Examples
    --------
    >>> parse_policy("ulp:1").name, parse_policy("float64").name
    ('ulp:1', 'float64')
    """
    if text == "float64":
        return Float64Policy()
    match = _ULP_POLICY.fullmatch(text)
    if match is None or float(match.group(1)) <= 0:
        raise ValueError(f"unknown policy {text!r}: use 'float64' or 'ulp:N' with N > 0")
    return UlpPolicy(float(match.group(1)))
