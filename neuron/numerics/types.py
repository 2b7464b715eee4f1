"""The array types the package annotates with, defined once."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["BoolArray", "FloatArray"]

#: An array of float64 values.
FloatArray = NDArray[np.float64]
#: An array of booleans: a mask.
BoolArray = NDArray[np.bool_]
