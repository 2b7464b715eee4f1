"""A σ that always returns a 1-d array: ``np.atleast_1d``, to make the result indexable.

For a scalar z the answer has shape (1,) instead of (); the values are right. It MUST FAIL
``sigmoid-exact`` under ``float64`` (protocol.checked_call: the shape of the answer is the
broadcast shape of the arguments).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return np.atleast_1d(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64))))
