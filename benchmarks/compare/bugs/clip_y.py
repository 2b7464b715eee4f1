"""y = σ(z) clipped to [1e−7, 1 − 1e−7], the guard code written for a cross-entropy loss uses.

The clip keeps log(y) and log(1 − y) finite in a cross-entropy loss (1e−7 is Keras's default
epsilon); carried over to the squared loss, it only makes σ wrong for |z| > 16.1: y stops at
1e−7 and 1 − 1e−7, and σ' = y(1 − y) and the gradient freeze there, while E(w) is flat.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy (and the comparisons
with the oracle that go through σ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EPSILON = 1e-7


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        y = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    return np.clip(y, EPSILON, 1.0 - EPSILON)


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
