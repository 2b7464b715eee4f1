"""The forward pass in float64, the backward pass in float32: mixed precision done by hand.

σ and the loss are the textbook float64 ones; the gradient casts y, t and x to float32,
multiplies the chain rule out there and casts back. Its relative error is a few 2^−24 ≈ 6e−8
where the problem is well conditioned and far more where t ≈ y; the gradient is 0 for
z > 16.6, where y rounds to 1 in float32 (and 1 − y to 0), and ±∞ or 0 where x overflows or
underflows float32.

It MUST FAIL ``gradient-exact`` and ``step-exact`` under every policy; σ, σ', forward and loss
pass.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


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
        y32, t32, x32 = (np.asarray(a, dtype=np.float64).astype(np.float32) for a in (y, t, x))
        g32 = (y32 - t32) * (y32 * (np.float32(1.0) - y32)) * x32
        return np.asarray(g32, dtype=np.float64)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
