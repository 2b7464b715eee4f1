"""What an autograd framework computes in float64: a stable σ, and σ' = σ(1 − σ) from its output.

PyTorch's and JAX's backward pass of the sigmoid reuse the forward output y and multiply
y·(1 − y). σ itself is evaluated stably from e = e^(−|z|) ∈ (0, 1]. For z > 0 the 1 − y
cancels: σ' is about 7 ulps off at z = 2 and 6500 at z = 10, and exactly 0 for z > 36.7, where
σ rounds to 1, although σ'(z) ≈ e^(−z) stays a normal float up to z ≈ 708.

It MUST PASS every property under ``float64`` (the error is one the textbook formulas make too,
T6.1) and MUST FAIL ``sigmoid_prime-exact`` under ``ulp:1`` (docs/tolerance.md: autograd's
σ(1 − σ) is not accurate in the tails).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


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
    # the backward pass, node by node: dE/dy, then dy/dz from the saved output, then dz/dw
    y = forward(w, x)
    with np.errstate(all="ignore"):
        grad_y = np.subtract(y, t)
        grad_z = grad_y * (y * (1.0 - y))
        return grad_z * np.asarray(x, dtype=np.float64)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
