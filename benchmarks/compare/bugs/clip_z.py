"""z = w·x clipped to [−30, 30] "to keep exp from overflowing", in σ and so everywhere.

e^30 is far from overflowing; the clip only makes σ wrong: σ(30) = 1 − 9.4e−14, about 840
ulps below the correctly rounded σ(z) for z > 30, and σ(−z) stops at 9.4e−14 instead of going
to 0. The gradient keeps the frozen σ' = σ(30)σ(−30) ≈ 9.4e−14 there, while E(w) is flat: the
analytic gradient and the derivative of the implementation's own loss disagree beyond the clip.

It MUST FAIL ``sigmoid-exact`` and ``forward-exact`` under every policy (and the comparisons
with the oracle that go through σ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

LIMIT = 30.0


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.clip(np.asarray(z, dtype=np.float64), -LIMIT, LIMIT)
    return 1.0 / (1.0 + np.exp(-z))


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
