"""σ evaluated in float32 (a GPU kernel's habit) and cast back, so everything downstream has
float32's 24 bits in float64's clothes.

σ is off by up to 2^−24 relative (about 5·10^8 ulps of float64), rounds to 1 above z ≈ 16.6
and is 0 below z ≈ −88.7, where e^(−z) overflows float32. The loss, σ', the gradient and the
step inherit it: the loss is a staircase of float32 steps, so a finite difference of it with a
small step is mostly noise.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):  # |z| > 3.4e38 casts to ±inf; e^(−z) may overflow
        z32 = np.asarray(z, dtype=np.float64).astype(np.float32)
        y32 = np.float32(1.0) / (np.float32(1.0) + np.exp(-z32))
    return y32.astype(np.float64)


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
