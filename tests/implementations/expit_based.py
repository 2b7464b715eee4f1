"""The neuron built on scipy's ``expit``, as code that already depends on scipy writes it.

``scipy.special.expit`` evaluates σ without overflow in either tail; σ' = σ(1 − σ) and the
chain rule are the seed's. It MUST PASS every property under ``float64`` (docs/tolerance.md
names it among the implementations the policy accepts). Importing it without scipy raises
ImportError; the tests skip it then.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(expit(np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):  # w·x may overflow or be ∞·0
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
