"""A stable σ with a bug in one branch: σ(z) for z < 0 computed as 1 − σ(|z|).

The author evaluates σ(|z|) = 1/(1 + e^(−|z|)), which cannot overflow, and uses the symmetry
σ(z) = 1 − σ(−z) for z < 0. The symmetry is exact, its float64 evaluation is not: 1 − σ(|z|)
cancels, so σ(z) for z < 0 carries the absolute rounding error of σ(|z|), a few 2^−54: in
ulps of σ(z) it grows as e^|z| (up to 43 ulps near z = −3, 6·10^6 near z = −15), and σ is
exactly 0 below z ≈ −36.7 instead of 1e−16 … 5e−324. σ', the loss, the gradient and the
step inherit it.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    upper = 1.0 / (1.0 + np.exp(-np.abs(z)))
    return np.where(z >= 0, upper, 1.0 - upper)  # the bug: 1 − σ(|z|) cancels


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
