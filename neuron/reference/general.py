"""The general path: every element the fast path leaves, in scaled double words (T6.4).

Every value is carried as (h + l)·2^e (``neuron.numerics.doubleword``), so no intermediate
overflows or underflows, and each is exact to about 2^−104 except e^−|z|, which a table-driven
evaluation gives to 2^−74. The chain rule is followed as the seed writes it: z = w·x exactly;
e = e^−|z|; σ(−|z|) = e/(1 + e) and σ(|z|) = 1/(1 + e); σ' = σ(z)σ(−z) (T1.2); dE/dy = σ(z) − t,
formed as (1 − t) − σ(−z) for z > 0 (T2.1); dE/dw = dE/dy·σ'(z)·x (T1.4). Each kernel returns
its float64 results and where its error bound decided the rounding (Ziv's test).
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from neuron.numerics.doubleword import (
    EXP_ERROR,
    MAX_ARGUMENT,
    Scaled,
    add,
    divide,
    exp_negative,
    fast_two_sum,
    multiply,
    negate,
    normalize,
    power_of_two,
    round_scaled,
    scaled,
    two_sum,
)
from neuron.numerics.types import BoolArray, FloatArray

__all__ = ["forward", "gradient", "loss", "sigmoid", "sigmoid_prime", "step"]


# Relative error bounds (T6.4). σ(−|z|) = e/(1 + e) and σ(|z|) = 1/(1 + e) carry exp's error
# (damped by e/(1 + e) <= 1) plus a sum and a division, each within 2^−103; σ' = their product
# carries both and one more product; a few exact-to-2^−104 operations stay within 2^−100.
EXACT_ERROR: Final = 2.0**-100
SIGMOID_ERROR: Final = EXP_ERROR + EXACT_ERROR
SLOPE_ERROR: Final = 2 * SIGMOID_ERROR + EXACT_ERROR


def _product(w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """z = w·x exactly as zh + zl, and the magnitude a = |z| clamped to MAX_ARGUMENT.

    Beyond MAX_ARGUMENT, σ(−|z|) and σ'(z) are below 2^−3318 and nothing depends on z.
    """
    z = multiply(scaled(w), scaled(x))  # exact: a product of two 53-bit mantissas
    exponent = np.minimum(z.exponent, 1100)
    scale = power_of_two(exponent)  # saturates below 2^−1022: z is then ½'s neighbour anyway
    zh, zl = z.head * scale, z.tail * scale
    inside = np.abs(zh) <= MAX_ARGUMENT
    return zh, np.where(inside, np.abs(zh), MAX_ARGUMENT), np.where(inside, np.sign(zh) * zl, 0.0)


def _logistic(a: FloatArray, a_low: FloatArray) -> tuple[Scaled, Scaled]:
    """σ(−|z|) = e/(1 + e) and σ(|z|) = 1/(1 + e) for |z| = a + a_low, e = e^−|z| (T2.1)."""
    e = exp_negative(a, a_low)
    scale = power_of_two(e.exponent)  # saturates for e < 2^−1022, invisible in 1 + e
    head, tail = fast_two_sum(np.ones_like(a), e.head * scale)
    denominator = normalize(head, tail + e.tail * scale, np.zeros_like(e.exponent))
    one = Scaled(np.full_like(a, 0.5), np.zeros_like(a), np.ones_like(e.exponent))
    return divide(e, denominator), divide(one, denominator)


def _select(condition: BoolArray, a: Scaled, b: Scaled) -> Scaled:
    return Scaled(*(np.where(condition, p, q) for p, q in zip(a, b, strict=True)))


def _relative(value: Scaled, error: float) -> FloatArray:
    return error * np.abs(value.head)


def _in_units_of(target: Scaled, magnitude: FloatArray, exponent: NDArray[np.int64]) -> FloatArray:
    """magnitude·2^exponent expressed in units of target's head."""
    # saturation keeps a bound above its value for exponents past 1023, and below 2^−1022
    # rounds a negligible bound up: either way the bound stays a bound
    return magnitude * power_of_two(exponent - target.exponent)


def sigmoid(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(z)
    a = np.where(finite, np.minimum(np.abs(z), MAX_ARGUMENT), 0.0)
    small, large = _logistic(a, np.zeros_like(a))
    value = _select(z >= 0, large, small)
    result, decided = round_scaled(value, _relative(value, SIGMOID_ERROR))
    return result, decided & finite


def sigmoid_prime(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(z)
    a = np.where(finite, np.minimum(np.abs(z), MAX_ARGUMENT), 0.0)
    small, large = _logistic(a, np.zeros_like(a))
    slope = multiply(small, large)  # σ(z)σ(−z), T1.2
    result, decided = round_scaled(slope, _relative(slope, SLOPE_ERROR))
    return result, decided & finite


def forward(w: FloatArray, x: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(w) & np.isfinite(x)
    zh, a, a_low = _product(w, x)
    small, large = _logistic(a, a_low)
    value = _select(zh >= 0, large, small)
    result, decided = round_scaled(value, _relative(value, SIGMOID_ERROR))
    return result, decided & finite


def loss(y: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    high, low = two_sum(t, -y)  # t − y exactly
    finite = np.isfinite(high)
    residual = normalize(
        np.where(finite, high, 0.0), np.where(finite, low, 0.0), np.zeros_like(y, dtype=np.int64)
    )
    square = multiply(residual, residual)
    value = Scaled(square.head, square.tail, square.exponent - 1)  # ½(t − y)²
    result, decided = round_scaled(value, _relative(value, EXACT_ERROR))
    return result, decided & finite


def _gradient_parts(
    w: FloatArray, x: FloatArray, t: FloatArray
) -> tuple[Scaled, FloatArray, BoolArray]:
    """dE/dw as a scaled double word, a bound on its error in its head's units, and validity.

    dE/dy = σ(z) − t loses nothing but what σ(−|z|)'s own error (SIGMOID_ERROR relative) does
    when it cancels against t; that absolute error, carried through ·σ'(z)·x, is the second
    term of the bound.
    """
    # NaN and ±∞ flow through as garbage (no operation below traps) and are marked undecided
    finite = np.isfinite(w) & np.isfinite(x) & np.isfinite(t)
    zh, a, a_low = _product(w, x)
    small, large = _logistic(a, a_low)
    slope = multiply(small, large)  # dy/dz = σ(z)σ(−z), T1.2
    positive = zh > 0
    one_minus_t, one_minus_t_low = two_sum(np.ones_like(t), -t)
    start = normalize(
        np.where(positive, one_minus_t, -t),
        np.where(positive, one_minus_t_low, 0.0),
        np.zeros_like(small.exponent),
    )
    # dE/dy = σ(z) − t = (1 − t) − σ(−z) for z > 0, σ(z) − t for z < 0 (T1.1, T2.1)
    residual = add(start, _select(positive, negate(small), small))
    x_scaled = scaled(x)
    g = multiply(multiply(residual, slope), x_scaled)  # dE/dw = dE/dy · dy/dz · dz/dw, T1.4
    carried = np.abs(small.head * slope.head * x_scaled.head)
    bound = _relative(g, SLOPE_ERROR + 2 * EXACT_ERROR) + _in_units_of(
        g, SIGMOID_ERROR * carried, small.exponent + slope.exponent + x_scaled.exponent
    )
    return g, bound, finite


def gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    g, bound, valid = _gradient_parts(w, x, t)
    result, decided = round_scaled(g, bound)
    return result, decided & valid


def step(
    w: FloatArray, x: FloatArray, t: FloatArray, lr: FloatArray
) -> tuple[FloatArray, BoolArray]:
    g, bound, valid = _gradient_parts(w, x, t)
    rate = scaled(lr)
    update = multiply(rate, g)
    new = add(scaled(np.where(valid, w, 0.0)), negate(update))  # w − η·dE/dw
    weight = scaled(np.where(valid, w, 0.0))
    bound_new = (
        _in_units_of(new, bound * np.abs(rate.head), rate.exponent + g.exponent)
        + _in_units_of(new, EXACT_ERROR * np.abs(update.head), update.exponent)
        + _in_units_of(new, EXACT_ERROR * np.abs(weight.head), weight.exponent)
    )
    result, decided = round_scaled(new, bound_new)
    return result, decided & valid
