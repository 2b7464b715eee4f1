"""A wrong branch for large negative z: σ(z) ≈ e^z, switched on where it is not yet accurate.

σ(z) = e^z/(1 + e^z) = e^z·(1 − e^z + ...), so e^z alone is within rounding of σ(z) once
e^z < 2^−53, that is z < −36.7. The author switches to it at z < −5, where it is off by a
relative e^z ≈ 0.7 %, and σ jumps by 4.5e−5 at the switch. σ', the loss, the gradient and the
step inherit it; the gradient is the textbook chain rule through that y.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

SWITCH = -5.0  # should be about −36.7 (e^z < 2^−53)


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        textbook = 1.0 / (1.0 + np.exp(-z))
        tail = np.exp(np.minimum(z, SWITCH))
    return np.where(z < SWITCH, tail, textbook)


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
