"""An implementation that cannot even be imported: it uses ``np.float``, removed in numpy 1.24.

``neuron verify`` must refuse it with exit status 2 and one line naming the error, not a
traceback. tests/implementations/conftest.py keeps pytest's doctest collection from importing
it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

DTYPE = np.float  # type: ignore[attr-defined]  # noqa: NPY001 - the planted error


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(z, dtype=DTYPE))))
