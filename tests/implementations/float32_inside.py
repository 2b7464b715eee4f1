"""A neuron that computes σ in float32 (a GPU kernel's habit) and casts the result to float64.

The output has float64's type but only float32's 24 significant bits: σ is off by up to 2^−24
relative, 2^29 ≈ 5·10^8 ulps of float64; it rounds to exactly 1 above z ≈ 16.6 and is 0 below
z ≈ −88.7, where e^(−z) overflows float32. σ', forward, the gradient and the step inherit it.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under ``float64`` (and the other
comparisons with the oracle that go through σ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):  # |z| > 3.4e38 casts to ±inf, e^(−z) may overflow
        z32 = np.asarray(z, dtype=np.float64).astype(np.float32)
        s32 = np.float32(1) / (np.float32(1) + np.exp(-z32))
    return s32.astype(np.float64)


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
