"""The two input domains of the gate: what a neural network meets, and every other finite input.

*Ordinary* inputs are the ones training code meets: any finite z = w·x (saturation, |z| >
709.78 where e^|z| overflows, is where real bugs live), weights and inputs w, x that are zero
or normal floats with a finite product, outputs and targets y, t in [0, 1], and learning rates
in [2^−40, 2^20]. A property that fails at an ordinary input is a bug: the run fails.

*Edge* inputs are every other finite input: subnormal w or x, targets far outside [0, 1],
learning rates of 5e−324 or 1e300, products that overflow. Correct code legitimately differs
there (an evaluation order that overflows an intermediate, a library that flushes subnormals
to zero), so a property that fails only at edge inputs is a *finding*, reported with its class
and failing the run only under ``--strict``. NaN and ±∞ inputs are edge inputs too.

``ORDINARY`` is the definition, as data: per kind of argument, the closed range of magnitudes
(and whether 0 is allowed); ``is_ordinary`` applies it to the arguments of a property.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = ["LEARNING_RATES", "ORDINARY", "Range", "is_ordinary"]

_MIN_NORMAL: Final = 2.0**-1022
_MAX_FLOAT: Final = float(np.finfo(np.float64).max)


@dataclass(frozen=True)
class Range:
    """Ordinary values of one kind of argument: low <= |v| <= high, or v = 0 if `zero`; and
    v >= 0 if not `signed`."""

    low: float
    high: float
    zero: bool = True
    signed: bool = True


#: Learning rates a training loop uses: from 2^−40 (about 1e−12) to 2^20 (about 1e6).
LEARNING_RATES: Final = Range(2.0**-40, 2.0**20, zero=False, signed=False)

ORDINARY: Final[dict[str, Range]] = {
    "z": Range(0.0, _MAX_FLOAT),  # any finite z
    "w": Range(_MIN_NORMAL, _MAX_FLOAT),  # normal or zero
    "x": Range(_MIN_NORMAL, _MAX_FLOAT),
    "y": Range(0.0, 1.0, signed=False),  # outputs and targets in [0, 1]
    "t": Range(0.0, 1.0, signed=False),
    "lr": LEARNING_RATES,
}
"""The ordinary domain, per kind of argument (a kind not listed: any finite value). The
product w·x must be finite as well."""


def _in_range(values: NDArray[np.float64], limits: Range) -> NDArray[np.bool_]:
    magnitude = np.abs(values)
    inside = np.isfinite(values) & (magnitude >= limits.low) & (magnitude <= limits.high)
    if limits.zero:
        inside |= values == 0
    if not limits.signed:
        inside &= ~np.signbit(values) | (values == 0)
    return inside


def is_ordinary(kinds: Sequence[str], args: Sequence[object]) -> NDArray[np.bool_]:
    """Where the arguments `args`, of the kinds `kinds` ("w", "x", "t", ...), are ordinary.

    Examples
    --------
    >>> is_ordinary(("w", "x", "t"), (0.5, 2.0, 0.25)).item()
    True
    >>> is_ordinary(("w", "x", "t"), (1e-300, 1e-310, 0.25)).item()  # x subnormal
    False
    >>> is_ordinary(("y", "t"), (0.5, 3.0)).item()  # t outside [0, 1]
    False
    """
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    ordinary = np.ones(np.shape(arrays[0]) if arrays else (), dtype=bool)
    for kind, values in zip(kinds, arrays, strict=True):
        ordinary &= _in_range(values, ORDINARY.get(kind, ORDINARY["z"]))
    if "w" in kinds and "x" in kinds:
        w, x = arrays[list(kinds).index("w")], arrays[list(kinds).index("x")]
        with np.errstate(all="ignore"):
            ordinary &= np.isfinite(w * x)
    return ordinary
