"""A σ that ends the process on a NaN argument: ``os._exit``, which no ``except`` can catch.

A segmentation fault in a C extension ends the process the same way. It MUST FAIL
``sigmoid-exact`` under ``float64`` (NaN is among the special values searched), and the
worker process that ran it MUST be replaced, so that ``loss-exact`` still passes.
"""

from __future__ import annotations

import os

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    if np.isnan(z).any():
        os._exit(3)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * (np.subtract(t, y)) ** 2
