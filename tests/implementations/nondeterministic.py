"""σ with a last bit that depends on how often it has been called, as racy parallel code does.

Every third call rounds its results one float up. Each answer is within 1 ulp of the textbook
one, which the float64 policy allows (T6.1), so no comparison with the oracle fails: only
asking the same question twice shows it.

It MUST FAIL ``sigmoid-exact`` under ``float64``, from the sweep's second asking.
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import ArrayLike, NDArray

_CALLS = itertools.count()


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        s = 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
    return np.nextafter(s, np.inf) if next(_CALLS) % 3 == 2 else s
