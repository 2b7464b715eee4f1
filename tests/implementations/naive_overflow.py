"""σ written as e^z/(1 + e^z), the other textbook form, which breaks for large positive z.

For z > 709.78, e^z overflows to ∞ and ∞/∞ is NaN, where σ(z) = 1; σ', forward, the gradient
and the step inherit the NaN. Below that it is as accurate as the textbook formula. The
``errstate`` block hides the overflow and invalid-operation warnings, as a user silencing them
would, so that the gate sees the NaN itself.

It MUST FAIL ``sigmoid-exact`` (at the pinned z > 709.78: 745.13…, 1000, 1e300) and
``forward-exact`` under ``float64``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=np.float64))
        return e / (1.0 + e)


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
