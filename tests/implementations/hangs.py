"""A σ that never returns for z > 700, as an iteration that cannot converge would.

It MUST FAIL ``sigmoid-exact`` under ``float64`` (the pinned z = 709.78… reaches it), reported
within the per-call deadline (``--timeout``), and the run MUST finish.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    while np.any(z > 700):
        time.sleep(0.05)
    return 1.0 / (1.0 + np.exp(-z))


def loss(y: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return 0.5 * (np.subtract(t, y)) ** 2
