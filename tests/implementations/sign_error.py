"""A hand-written "stable" gradient whose branch for z < 0 has the residual's sign flipped.

To avoid e^(−z) overflowing, the author computes σ from e^z for z < 0 and writes the gradient
branch by branch; in the second branch t − y slipped in where y − t belongs. Every check at
z >= 0 passes, and so does every check of σ, σ', forward and loss.

It MUST FAIL ``gradient-exact`` (and ``step-exact``) under ``float64``, and the independent
routes to the gradient must see it too: ``gradient-differentiated``, the finite differences
``gradient-central-difference`` and ``gradient-richardson``, and ``loss-descent`` (the step
goes uphill).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    s = sigmoid(z)
    return s * (1.0 - s)


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
        y = sigmoid(z)
        slope = y * (1.0 - y)
        positive = (y - t) * slope * x
        negative = (t - y) * slope * x  # the bug: should be (y − t)
        return np.where(z >= 0, positive, negative)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
