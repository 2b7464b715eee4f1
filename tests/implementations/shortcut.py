"""The textbook neuron with a "fast path": σ(z) = 0.5 for |z| < 1e−3.

The author reasoned that σ is flat near 0. It is not: σ(z) ≈ ½ + z/4, so the shortcut is off
by up to 2.5e−4 absolutely, about 10^12 ulps, and σ', the forward pass and the gradient
inherit it. A test with rtol=1e-3 at z = 0 passes it.

It MUST FAIL ``sigmoid-exact`` under ``float64`` (at the pinned z = 2^−26 ≈ 1.49e−8 already),
and ``forward-exact``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(over="ignore"):
        s = 1.0 / (1.0 + np.exp(-z))
    return np.where(np.abs(z) < 1e-3, 0.5, s)  # linearisation skipped


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
