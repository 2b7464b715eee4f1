"""A sign slip in one branch of a hand-derived "stable" gradient.

To keep e^(−z) from overflowing, the author works with e = e^(−|z|) ∈ (0, 1], writes
σ(z) = 1/(1 + e) for z >= 0 and e/(1 + e) for z < 0, σ'(z) = e/(1 + e)² for both, and the
gradient branch by branch; in the branch for z < 0 the residual came out as t − y instead of
y − t. Everything at z >= 0, and σ, σ', forward and loss everywhere, are right.

It MUST FAIL ``gradient-exact``, ``step-exact``, the other routes to the gradient and
``loss-descent`` (for z < 0 the step goes uphill) under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _e(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.exp(-np.abs(z))


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    e = _e(z)
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    e = _e(np.asarray(z, dtype=np.float64))
    return e / ((1.0 + e) * (1.0 + e))


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return sigmoid(np.multiply(w, x))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * np.square(np.subtract(t, y))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    w, x, t = (np.asarray(a, dtype=np.float64) for a in (w, x, t))
    with np.errstate(all="ignore"):
        z = w * x
        e = _e(z)
        slope = e / ((1.0 + e) * (1.0 + e))
        upper = (1.0 / (1.0 + e) - t) * slope * x
        lower = (t - e / (1.0 + e)) * slope * x  # the slip: should be (y − t)
        return np.where(z >= 0, upper, lower)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
