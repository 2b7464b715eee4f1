"""The binary floating-point formats of the reference, and rounding float64 values into them.

A format is its precision p (significand bits, the leading one included), the exponent emin
of its smallest normal binade and the exponent emax of its largest finite one: float64,
float32, float16 (IEEE 754 binary64, binary32, binary16) and bfloat16 (float32's exponent
range with 8 bits of precision; numpy gets it from the optional package ``ml_dtypes``).

For each narrower format every finite number, every midpoint between two neighbours and the
overflow threshold (2 − 2^−p)·2^emax is a float64, so a float64 r can be rounded to the
format exactly in float64 arithmetic, and it can be told exactly whether r is one of those
rounding boundaries. That is what lets the reference round its float64 result a second time
without a double-rounding error: by theorem T6.6 of proofs/06-floating-point.md the second
rounding is correct unless r is a boundary, and ``round_float64`` says where it is.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BFLOAT16",
    "FLOAT16",
    "FLOAT32",
    "FLOAT64",
    "FORMATS",
    "Format",
    "format_of",
    "numpy_dtype",
    "round_float64",
]


@dataclass(frozen=True)
class Format:
    """A binary floating-point format with gradual underflow and round to nearest, ties to even.

    Attributes
    ----------
    name : str
        Its numpy dtype name.
    precision : int
        p, the significand bits, the leading one included (53 for float64).
    emin : int
        The exponent of the smallest normal number, 2^emin.
    emax : int
        The exponent of the largest finite binade: the largest number is (2 − 2^(1−p))·2^emax.

    Examples
    --------
    >>> FLOAT16.largest, FLOAT16.smallest_subnormal
    (65504.0, 5.960464477539063e-08)
    """

    name: str
    precision: int
    emin: int
    emax: int

    @property
    def largest(self) -> float:
        """The largest finite number, (2 − 2^(1−p))·2^emax."""
        return float((2.0 - 2.0 ** (1 - self.precision)) * 2.0**self.emax)

    @property
    def smallest_subnormal(self) -> float:
        """The smallest positive number, 2^(emin − p + 1): the spacing of the subnormals."""
        return float(2.0 ** (self.emin - self.precision + 1))


FLOAT64: Final = Format("float64", 53, -1022, 1023)
FLOAT32: Final = Format("float32", 24, -126, 127)
FLOAT16: Final = Format("float16", 11, -14, 15)
BFLOAT16: Final = Format("bfloat16", 8, -126, 127)
#: The formats by dtype name.
FORMATS: Final = {f.name: f for f in (FLOAT64, FLOAT32, FLOAT16, BFLOAT16)}

_CHOICES: Final = "float64, float32, float16 or bfloat16"
_EXPONENT_BITS: Final = np.uint64(0x7FF0000000000000)


def _bfloat16() -> Any:
    """ml_dtypes' bfloat16 scalar type, imported on first use (an optional dependency)."""
    try:
        return importlib.import_module("ml_dtypes").bfloat16
    except ImportError:
        raise ImportError(
            "dtype bfloat16 needs the optional package ml_dtypes: pip install 'neuron[bfloat16]'"
        ) from None


def numpy_dtype(dtype: Any) -> np.dtype[Any]:
    """The numpy dtype that `dtype` names, if it is one of the four formats.

    Parameters
    ----------
    dtype : data-type
        Anything ``numpy.dtype`` accepts, or the string ``"bfloat16"`` (which imports
        ``ml_dtypes``).

    Returns
    -------
    numpy.dtype
        float64, float32, float16 or ml_dtypes' bfloat16.

    Raises
    ------
    TypeError
        If `dtype` is not one of the four formats (an integer, complex, object or string
        dtype, or not a dtype at all).
    ImportError
        If it is bfloat16 and ml_dtypes is not installed.

    Examples
    --------
    >>> numpy_dtype("float16"), numpy_dtype(float)
    (dtype('float16'), dtype('float64'))
    >>> numpy_dtype(complex)
    Traceback (most recent call last):
        ...
    TypeError: dtype must be float64, float32, float16 or bfloat16, not complex128
    """
    if isinstance(dtype, str) and dtype == "bfloat16":
        dtype = _bfloat16()
    try:
        resolved: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be {_CHOICES}, not {dtype!r}") from None
    if resolved.name not in FORMATS:
        raise TypeError(f"dtype must be {_CHOICES}, not {resolved}")
    return resolved


def format_of(dtype: np.dtype[Any]) -> Format | None:
    """The format of a numpy dtype, or None if it is not one of the four.

    Examples
    --------
    >>> format_of(np.dtype(np.float32)).precision, format_of(np.dtype(np.int8))
    (24, None)
    """
    return FORMATS.get(dtype.name)


def round_float64(
    r: NDArray[np.float64], fmt: Format
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Round float64 values to a narrower format, and find those that are rounding boundaries.

    Parameters
    ----------
    r : numpy.ndarray of float64
        Any float64 values, NaN and ±∞ included.
    fmt : Format
        A format of precision at most 52 whose numbers, midpoints and overflow threshold are
        float64 (float32, float16, bfloat16).

    Returns
    -------
    rounded : numpy.ndarray of float64
        Each r rounded to the nearest number of `fmt`, ties to even, subnormals included,
        ±∞ from the overflow threshold (2 − 2^−p)·2^emax on; NaN stays NaN. Every value is
        exactly representable in `fmt`, so casting it to the format's dtype is exact.
    boundary : numpy.ndarray of bool
        Where r is itself a rounding boundary of `fmt`: the midpoint of two neighbours or the
        overflow threshold. Only there can rounding r differ from rounding the exact value r
        approximates (T6.6).

    Notes
    -----
    The numbers of `fmt` near r are the integer multiples of its spacing there,
    q = 2^(E − p + 1), E = the binade exponent e of r (2^e <= |r| < 2^(e+1)) clamped to
    [emin, emax]. 2^e is read off r's exponent bits; s = r/q is exact (a division by a power of
    two with a normal or zero result); ``rint(s)·q`` is the rounding (rint rounds ties to even,
    and the product is exact), and r is a boundary exactly when s is an odd multiple of ½ below
    2^p (beyond, |r| is past the top binade): the overflow threshold is (2^p − ½)·q in the top
    binade. A result of 2^(emax+1) or more is an overflow; scaling by 2^(1023 − emax) takes
    exactly those beyond float64's range, to ±∞, and scaling back is exact for the rest
    (T6.6 (c)).

    Examples
    --------
    >>> r = np.array([1 + 2.0**-11, 1 + 3 * 2.0**-11, 65520.0, 1e-8, -np.inf])
    >>> rounded, boundary = round_float64(r, FLOAT16)
    >>> rounded.tolist(), boundary.tolist()
    ([1.0, 1.001953125, inf, 0.0, -inf], [True, True, True, False, False])
    """
    binade = (r.view(np.uint64) & _EXPONENT_BITS).view(np.float64)  # 2^e; 0 or ∞ at the ends
    clamped = np.minimum(np.maximum(binade, 2.0**fmt.emin), 2.0**fmt.emax)
    quantum = clamped * 2.0 ** (1 - fmt.precision)
    with np.errstate(invalid="ignore", over="ignore"):  # ∞ − ∞ and the overflows meant here
        scaled = r / quantum
        boundary = (scaled - np.floor(scaled) == 0.5) & (np.abs(scaled) < 2.0**fmt.precision)
        rounded = np.rint(scaled) * quantum * 2.0 ** (1023 - fmt.emax) * 2.0 ** (fmt.emax - 1023)
    return rounded, boundary
