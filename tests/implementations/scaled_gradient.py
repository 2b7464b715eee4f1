"""The textbook neuron with a gradient off by a relative 1e-12: a bug no rtol=1e-9 test sees.

Such an error comes from a constant typed with too few digits, a loss scaled by a factor that
is not undone exactly, or an accumulation in lower precision. Here the gradient is multiplied
by (1 + 1e-12), about 4500 ulps, and the step is built from it.

It MUST FAIL ``gradient-exact`` and ``step-exact`` under ``float64`` (docs/tolerance.md:
the policy rejects a gradient off by a relative 1e-12). σ, σ', forward and loss are the
textbook ones and pass; ``step-definition`` passes too, since step and gradient agree with
each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

SCALE = 1 + 1e-12


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
        return -(np.subtract(t, y)) * y * (1.0 - y) * np.asarray(x, dtype=np.float64) * SCALE


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return np.subtract(w, np.multiply(lr, gradient(w, x, t)))
