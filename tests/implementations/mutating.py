"""The textbook neuron whose σ works in place: it negates its argument array to save memory.

``np.negative(z, out=z)`` writes into the caller's array whenever z is a float64 array (a
Python float is converted to a fresh array first, so scalar calls look innocent). Every value
it returns is right; the caller's batch is destroyed.

It MUST FAIL ``sigmoid-exact`` under ``float64``, from the sweep, which passes arrays
(protocol.checked_call compares each argument with a copy after the call).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)  # the same object when z is already a float64 array
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(np.negative(z, out=z)))
