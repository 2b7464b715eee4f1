"""The textbook formulas behind a library that treats subnormal inputs as zero (as XLA on the
CPU does): w = 1.4e308 and x = 1.5e−310 give σ(0) = ½, not σ(0.21).

Correct at every ordinary input (w and x normal or zero): its failures are edge findings, so it
MUST PASS the default run and MUST FAIL with --strict.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _flushed(v: ArrayLike) -> NDArray[np.float64]:
    a = np.asarray(v, dtype=np.float64)
    return np.where(np.abs(a) < 2.0**-1022, 0.0, a)


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-_flushed(z)))


def forward(w: ArrayLike, x: ArrayLike) -> NDArray[np.float64]:
    with np.errstate(all="ignore"):
        return sigmoid(np.multiply(_flushed(w), _flushed(x)))
