"""A correct textbook gradient with an update that climbs it: w + η·dE/dw instead of w − η·dE/dw.

Every function but ``step`` is the textbook one and passes. The step moves uphill, so the loss
grows instead of shrinking.

It MUST FAIL ``step-exact``, ``step-definition`` (step is not w − η·gradient) and
``loss-descent`` (the descent lemma, T4.1) under ``float64``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


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
        return np.add(w, np.multiply(lr, gradient(w, x, t)))  # the bug: + instead of −
