"""The textbook σ with a debugging print left in, on stdout and on stderr.

Printing is tolerated: the module MUST PASS ``sigmoid-exact`` under ``float64``, and what it
prints MUST NOT appear in the report (``neuron verify`` notes the byte count instead).
"""

from __future__ import annotations

import sys

import numpy as np
from numpy.typing import ArrayLike, NDArray


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    print("debug: sigmoid called")
    print("debug: on stderr too", file=sys.stderr)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))
