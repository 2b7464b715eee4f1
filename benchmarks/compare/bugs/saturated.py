"""A saturation shortcut: σ(z) = 1 for z > 30 and 0 for z < −30, "it is 1 or 0 there anyway".

It is not: σ(30) = 1 − 9.4e−14 and σ(−30) = 9.4e−14, and σ rounds to 1 only above z ≈ 36.7
and to 0 only below z ≈ −745. Beyond ±30 σ' = y(1 − y) and the gradient are exactly 0, and
so is the derivative of the implementation's own loss, which is flat there: a finite-difference
check of the gradient against this loss agrees with it wherever it looks.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

LIMIT = 30.0


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        y = 1.0 / (1.0 + np.exp(-z))
    return np.where(z > LIMIT, 1.0, np.where(z < -LIMIT, 0.0, y))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    y = sigmoid(z)
    return y * (1.0 - y)


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return sigmoid(np.multiply(w, x))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * np.square(np.subtract(t, y))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    y = forward(w, x)
    with np.errstate(all="ignore"):
        return np.subtract(y, t) * (y * (1.0 - y)) * np.asarray(x, dtype=np.float64)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
