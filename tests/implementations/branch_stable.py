"""The neuron from the branch-stable formulas, as careful numpy code writes it.

With e = e^(−|z|) in (0, 1], nothing overflows: σ(z) = 1/(1 + e) for z >= 0 and e/(1 + e)
for z < 0, and σ'(z) = e/((1 + e)(1 + e)) on both sides (σ' is even). The backward pass is
the seed's chain rule, (y − t)·σ'(z)·x. It is accurate in both tails, where σ(1 − σ) is not,
and MUST PASS every property under ``float64``: its evaluation order differs from the
textbook's, not its accuracy (T6.1).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _parts(z: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    z = np.asarray(z, dtype=np.float64)
    return z, np.exp(-np.abs(z))


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z, e = _parts(z)
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    _, e = _parts(z)
    return e / ((1.0 + e) * (1.0 + e))


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):  # w·x may overflow or be ∞·0
        return sigmoid(np.multiply(w, x))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * np.square(np.subtract(t, y))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        z = np.multiply(w, x)
        return (sigmoid(z) - np.asarray(t, dtype=np.float64)) * sigmoid_prime(z) * np.asarray(x)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
