"""A formula slip: σ' written as 1 − y², the derivative of tanh, instead of y(1 − y).

Both activations are in every textbook, and their derivatives "through the output" look alike:
tanh' = 1 − tanh², σ' = σ(1 − σ). Here the tanh one is used for the sigmoid, in σ' and in the
chain rule. At z = 0 it gives 3/4 instead of 1/4; it is wrong everywhere but in the tails.

It MUST FAIL ``sigmoid_prime-exact``, ``gradient-exact`` and every route to the gradient
(differentiated, central difference, Richardson), under every policy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


def sigmoid_prime(z: ArrayLike) -> NDArray[np.float64]:
    y = sigmoid(z)
    return 1.0 - y * y  # the slip: tanh's derivative


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return sigmoid(np.multiply(w, x))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * np.square(np.subtract(t, y))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    y = forward(w, x)
    with np.errstate(all="ignore"):
        return np.subtract(y, t) * (1.0 - y * y) * np.asarray(x, dtype=np.float64)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
