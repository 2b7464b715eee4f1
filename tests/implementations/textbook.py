"""The seed's formulas typed straight into numpy: the code most people write first.

    σ(z) = 1/(1 + e^(−z))          σ'(z) = σ(z)(1 − σ(z))
    dE/dw = −(t − y)·σ(wx)(1 − σ(wx))·x          w − η·dE/dw

It is as accurate as float64 evaluation of these formulas can be and no more: σ' is 0 for
z > 36.7 (σ rounds to 1) and σ is 0 below z = −709.78 (e^(−z) overflows). The float64 policy
accepts exactly that (T6.1), so this module MUST PASS every property under ``float64``; it is
the baseline docs/tolerance.md promises to accept.

The ``errstate`` blocks silence the overflow of e^(−z) (1/∞ = 0 is the right limit) and the
invalid operations at NaN and ±∞ inputs, so that the gate judges values, not RuntimeWarnings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return sigmoid(np.multiply(w, x))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * (np.subtract(t, y)) ** 2


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    y = forward(w, x)
    with np.errstate(all="ignore"):
        return -(np.subtract(t, y)) * y * (1.0 - y) * np.asarray(x, dtype=np.float64)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
