"""Tolerance policies: how far from the exact value an implementation under test may be.

A policy turns the exact values of a function at some inputs into the error allowed there,
in ulps of the exact value (``neuron.numerics.ulp``):

* ``float64`` (the default) allows what a sound float64 evaluation of the seed's textbook
  formulas can produce: the running error bound of ``neuron.textbook`` (Higham 2002, §3.3;
  theorem T6.1). Each operation rounds within u = 2^−53 relatively (exp within 1 ulp = 2u);
  the first-order sum of those roundings, carried to the result by the chain rule, is
  doubled (SAFETY = 2) for the second-order terms. Every operation whose result can fall
  below the normal range adds 2^−1022 times its sensitivity (gradual underflow, flush to
  zero, and the exp overflow of 1/(1 + e^−z)) — an intermediate that underflows and is
  scaled back into the normal range later (a subnormal dE/dw times a huge learning rate)
  included. A product of several factors may be associated in any order.
* ``ulp:N`` allows N ulps everywhere.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import mpmath
import numpy as np

from neuron import textbook
from neuron.numerics.types import FloatArray
from neuron.numerics.ulp import ExactValues, ulp_of_mpf

__all__ = ["SAFETY", "UNDERFLOW", "Float64Policy", "Policy", "UlpPolicy", "parse_policy"]

U: Final = textbook.U  # unit roundoff of float64
SAFETY: Final = textbook.SAFETY
UNDERFLOW: Final = textbook.ALPHA
_OVERFLOW: Final = mpmath.ldexp(1, 1024)  # beyond the largest float64


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

    def quick_allowed_ulps(
        self, function: str, args: Sequence[FloatArray], truth: FloatArray
    ) -> FloatArray:
        """A lower bound of `allowed_ulps` at each input, cheap to compute: N."""
        return np.full(np.shape(truth), float(self.ulps))

    def allowed_error(self, function: str, args: tuple[float, ...], exact: Any) -> Any:
        """The allowed error at finite arguments as an mpmath number: N ulps of the exact value."""
        with mpmath.workprec(64):
            return self.ulps * mpmath.mpf(ulp_of_mpf(mpmath.mpf(exact)._mpf_))

    def overflow_sign(self, function: str, args: Sequence[FloatArray]) -> FloatArray:
        """The sign of an infinity accepted for a finite exact value, 0 where none is: none."""
        return np.zeros(np.broadcast_shapes(*(np.shape(a) for a in args)))


@functools.lru_cache(maxsize=4096)  # iterated steps revisit their fixed point (step-convergence)
def _running_bound(function: str, args: tuple[float, ...]) -> mpmath.mpf:
    """T6.1's bound 2R + F at finite arguments; UNDERFLOW where one is NaN or infinite."""
    if not all(math.isfinite(a) for a in args):
        return mpmath.mpf(UNDERFLOW)  # NaN or the exact limit is required there
    program = textbook.PROGRAMS[function]
    inputs = dict(zip(program.inputs, args, strict=True))
    return textbook.running_error(program, inputs).allowed()


@dataclass(frozen=True)
class Float64Policy:
    """What a sound float64 evaluation of the textbook formulas can produce (T6.1).

    The bound is evaluated in mpmath, whose exponent range is unbounded, so that neither the
    tiny factors (σ' ~ e^−|z|) nor the huge ones (x, t up to 1.8e308) of a bound can
    underflow or overflow on the way to it.
    """

    name: str = "float64"

    def _bound(self, function: str, args: tuple[float, ...]) -> mpmath.mpf:
        return _running_bound(function, args)

    def least_allowed_ulps(self, function: str) -> float:
        """A lower bound of `allowed_ulps` over all finite inputs (see _LEAST_ULPS)."""
        return _LEAST_ULPS[function]

    def quick_allowed_ulps(
        self, function: str, args: Sequence[FloatArray], truth: FloatArray
    ) -> FloatArray:
        """A lower bound of `allowed_ulps` at each input, from float64 arithmetic on arrays.

        `truth` holds the correctly rounded values (the reference's). SAFETY times a lower
        bound of the rounding part (``textbook.rounding_lower_bound``), lowered by 2^−20 for
        its own float64 rounding, is below the allowance, which adds the underflow part; the
        exact value v is within half an ulp of the truth r, so ulp(v) <= ulp(r). Where that
        bound is not trusted: the least allowance.
        """
        program = textbook.PROGRAMS[function]
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
        least = np.full(arrays[0].shape, _LEAST_ULPS[function])
        inputs = dict(zip(program.inputs, arrays, strict=True))
        rounding, trusted = textbook.rounding_lower_bound(program, inputs)
        with np.errstate(all="ignore"):
            quick = rounding * (SAFETY * (1 - 2.0**-20)) / np.spacing(np.abs(truth))
        return np.where(trusted & np.isfinite(quick), np.maximum(quick, least), least)

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
        gradient = textbook.PROGRAMS["gradient"]
        for index in np.ndindex(out.shape):
            w, x, t, lr = (float(a[index]) for a in arrays)
            if all(math.isfinite(v) for v in (w, x, t, lr)):
                with mpmath.workprec(64):
                    inputs = {"w": mpmath.mpf(w), "x": mpmath.mpf(x), "t": mpmath.mpf(t)}
                    exp_neg = lambda a: mpmath.exp(-a)  # noqa: E731 - the arithmetic's exp
                    # p = (t − y)·σ'·x = −dE/dw: w − η·dE/dw is sign(p)·∞
                    p = textbook.evaluate(gradient, inputs, exp_neg, exact=True)["p"]
                    out[index] = float(mpmath.sign(p)) if abs(p) >= _OVERFLOW else 0.0
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


# Each program of neuron.textbook ends in roundings worth k·U·|v| in the exact value v (two
# in σ: the sum and the division; three in σ' and in E; three multiplications in dE/dw; one
# addition in the step), so SAFETY·k·U·|v| >= k ulps wherever v is normal (|v| >= 2^52 ulps
# of v); where v is subnormal or zero, the last operation can underflow and 2^−1022 alone is
# 2^52 ulps. (At a NaN or infinite input the bound is UNDERFLOW, which may be 0 ulps: no lower
# bound holds there.) The bound is evaluated at 64 bits or more: 2^−20 covers its rounding.
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
