"""The textbook neuron with z clipped to [−30, 30] "to avoid overflow in exp".

A common guard, and a wrong one: σ(30) = 1 − 9.4e−14, so every z > 30 gets a σ about 840
ulps below the correctly rounded value, and σ(−z) stops decreasing at 9.4e−14 instead of
going to 0; σ' and the gradient freeze at their values at ±30.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under ``float64`` (and with them
``sigmoid_prime-exact``, ``gradient-exact`` and ``step-exact``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.clip(np.asarray(z, dtype=np.float64), -30.0, 30.0)
    return 1.0 / (1.0 + np.exp(-z))


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
