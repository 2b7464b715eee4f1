"""The reference neuron: y = σ(w·x), E = ½(t − y)², dE/dw, and the gradient step.

Every function returns the correctly rounded value (round to nearest, ties to even) of the
exact value of the function at its inputs as given, with the product w·x taken exactly, for
every finite input: subnormal and overflowing results included (theorem T6.4). Functions are
elementwise over numpy-broadcast arrays (a batch of independent neurons). Finite inputs never
give NaN or a warning; NaN and ±∞ propagate, giving NaN or the limit of the function.

Formats: the result has the inputs' floating dtype, as a numpy ufunc's does: float64, float32,
float16, or bfloat16 (``ml_dtypes``); integers give float64, mixed inputs follow numpy's
promotion (``numpy.result_type``, Python scalars weak as in NEP 50), and the keyword ``dtype``
chooses the format instead. Scalar inputs give a numpy scalar. The result is correctly rounded
to that format, not to float64 and then again (theorem T6.6).

How: each element is answered by the first of three paths that can vouch for its float64
value. The fast path (``neuron.reference.fast``, T6.5) computes ordinary inputs to about 2^−70
with 26-bit-head pairs and decides by a rounding test. The general path
(``neuron.reference.general``, T6.4) carries every value as a scaled double word (h + l)·2^e,
so no intermediate overflows or underflows. Each result comes with a bound on its error; where
that bound cannot decide the rounding (Ziv's test), the element is handed to the mpmath oracle
(``neuron.exact``). Every input of a narrower format is a float64, so a narrower result is
the float64 answer rounded once more, which T6.6 proves correct except where that float64 is
itself a rounding boundary of the narrower format: there a path does not vouch for it, and the
few such elements end with the oracle, which rounds straight to the format. ``FALLBACK`` and
``SLOW_PATH`` count the elements the general path and the oracle took, ``MIDPOINTS`` those of
them that went on because of a boundary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from neuron import exact
from neuron.numerics.formats import (
    FLOAT64,
    FORMATS,
    Format,
    format_of,
    numpy_dtype,
    round_float64,
)
from neuron.numerics.types import BoolArray, FloatArray
from neuron.reference import fast, general

__all__ = [
    "FALLBACK",
    "MIDPOINTS",
    "SLOW_PATH",
    "TrainingHistory",
    "forward",
    "gradient",
    "loss",
    "sigmoid",
    "sigmoid_prime",
    "step",
    "train",
]


#: Elements the fast path left to the general path, per function, since the process started.
FALLBACK: Counter[str] = Counter()
#: Elements handed to the oracle, per function, since the process started (or was reset).
SLOW_PATH: Counter[str] = Counter()
#: Elements of a float32, float16 or bfloat16 result whose correctly rounded float64, as the
#: general path decided it, was a rounding boundary of that format, so that the oracle rounded
#: them straight to the format (T6.6); they are in SLOW_PATH too.
MIDPOINTS: Counter[str] = Counter()

CHUNK: Final = 8192  # elements per pass: keeps the many temporaries in cache


def _operand(name: str, value: ArrayLike) -> tuple[NDArray[Any], Any]:
    """The argument as an array, checked to be real and numeric, and what numpy's promotion
    sees of it: a Python int or float stays a weak scalar (NEP 50), anything else its dtype."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf" and format_of(array.dtype) is None:
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, "
            f"not {type(value).__name__} (dtype {array.dtype})"
        )
    if array.dtype.kind == "f" and format_of(array.dtype) is None:
        raise TypeError(
            f"{name} has dtype {array.dtype}, which the reference does not round to; "
            "convert it to float64, float32, float16 or bfloat16 first"
        )
    weak = isinstance(value, (int, float)) and not isinstance(value, np.generic)  # not np.float64
    return array, value if weak else array.dtype


def _result_dtype(promoted: list[Any], dtype: DTypeLike | None) -> np.dtype[Any]:
    """The format of the result: `dtype` if given, else numpy's promotion of the arguments
    (``numpy.result_type``, Python scalars weak), with integers giving float64."""
    if dtype is not None:
        return numpy_dtype(dtype)
    result = np.result_type(*promoted)
    return np.dtype(np.float64) if result.kind in "iu" else result


def _prepare(
    dtype: DTypeLike | None, **arguments: ArrayLike
) -> tuple[list[FloatArray], np.dtype[Any]]:
    """Check each argument, convert it to float64 (exactly: every format is a subset of
    float64), broadcast them, and find the dtype of the result."""
    operands = [_operand(name, value) for name, value in arguments.items()]
    target = _result_dtype([p for _, p in operands], dtype)
    with np.errstate(invalid="ignore"):  # a signaling NaN converts to a NaN, quietly
        arrays = [a.astype(np.float64, copy=False) for a, _ in operands]
    try:
        return list(np.broadcast_arrays(*arrays)), target
    except ValueError:
        shapes = ", ".join(f"{n}{np.shape(a)}" for n, a in zip(arguments, arrays, strict=True))
        raise ValueError(f"argument shapes do not broadcast: {shapes}") from None


def _result(value: NDArray[Any]) -> NDArray[Any]:
    """0-d arrays come back as numpy scalars."""
    return value[()] if value.ndim == 0 else value


def _check_learning_rate(lr: FloatArray) -> None:
    if not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError(f"learning rate must be finite and positive, got {lr}")


def _chunked(
    kernel: Callable[..., tuple[FloatArray, BoolArray]], arrays: list[FloatArray]
) -> tuple[FloatArray, BoolArray]:
    """A kernel run CHUNK elements at a time, so that its temporaries stay in cache."""
    out = np.empty(arrays[0].size)
    decided = np.empty(arrays[0].size, dtype=bool)
    for start in range(0, out.size, CHUNK):
        part = slice(start, start + CHUNK)
        out[part], decided[part] = kernel(*(a[part] for a in arrays))
    return out, decided


def _in_format(
    kernel: Callable[..., tuple[FloatArray, BoolArray]], fmt: Format, counted: str | None
) -> Callable[..., tuple[FloatArray, BoolArray]]:
    """A path's kernel with its float64 answers rounded once more, to a narrower format.

    By T6.6 the rounded answer is correct wherever the float64 one was decided (correctly
    rounded) and is not a rounding boundary of the format; at a boundary the path no longer
    vouches for it, and the element goes on to the next path. If `counted` names a function,
    MIDPOINTS counts its decided answers that were boundaries.
    """

    def rounded(*args: FloatArray) -> tuple[FloatArray, BoolArray]:
        value, decided = kernel(*args)
        value, boundary = round_float64(value, fmt)
        tied = decided & boundary
        if counted is not None:
            MIDPOINTS[counted] += int(np.count_nonzero(tied))
        return value, decided & ~boundary

    return rounded


def _evaluate(name: str, arrays: list[FloatArray], dtype: np.dtype[Any]) -> NDArray[Any]:
    """The fast path everywhere, the general path where it does not decide, and the oracle
    where neither does; each path's float64 rounded once more to a narrower format (T6.6)."""
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    fmt = FORMATS[dtype.name]
    first, second = getattr(fast, name), getattr(general, name)
    if fmt != FLOAT64:
        first, second = _in_format(first, fmt, None), _in_format(second, fmt, name)
    with np.errstate(all="ignore"):
        out, decided = _chunked(first, flat)
        left = np.flatnonzero(~decided)
        slow = left[:0]
        if left.size:
            FALLBACK[name] += int(left.size)
            out[left], decided = _chunked(second, [a[left] for a in flat])
            slow = left[~decided]
    if slow.size:
        SLOW_PATH[name] += int(slow.size)
        parts = [a[slow] for a in flat]
        if fmt == FLOAT64:
            out[slow] = exact.values(name, *parts).rounded
        else:  # T6.6 (d): the exact value rounded straight to the format
            out[slow] = exact.rounded(name, *parts, fmt=fmt)
    return _result(out.reshape(shape).astype(dtype, copy=False))


def _cast(values: FloatArray, dtype: np.dtype[Any]) -> NDArray[Any]:
    """Float64 values rounded once to the format of `dtype` (exact casts, whatever numpy's)."""
    fmt = FORMATS[dtype.name]
    rounded = values if fmt == FLOAT64 else round_float64(values, fmt)[0]
    return rounded.astype(dtype, copy=False)


def sigmoid(z: ArrayLike, *, dtype: DTypeLike | None = None) -> NDArray[Any]:
    """The logistic function σ(z) = 1/(1 + e^(−z)), correctly rounded (T2.1).

    Parameters
    ----------
    z : array_like
        Real numbers (integers, float64, float32, float16, bfloat16); NaN and ±∞ allowed.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to σ(z) (ties to even), elementwise, in the
        shape of `z`; a numpy scalar for a scalar `z`. Subnormal results are correctly
        rounded too.

    Raises
    ------
    TypeError
        If `z` is not made of real numbers (a string, a complex number, an object), or
        `dtype` is not one of the four formats.

    Examples
    --------
    >>> sigmoid(0.0), sigmoid(-800.0), sigmoid(-720.0)
    (np.float64(0.5), np.float64(0.0), np.float64(2.0322308024e-313))
    >>> sigmoid([-1.0, 1.0]).tolist()
    [0.2689414213699951, 0.7310585786300049]
    >>> sigmoid(np.float32(1.0)), sigmoid(np.float16(1.0)), sigmoid(1, dtype="float16")
    (np.float32(0.7310586), np.float16(0.731), np.float16(0.731))
    """
    return _evaluate("sigmoid", *_prepare(dtype, z=z))


def sigmoid_prime(z: ArrayLike, *, dtype: DTypeLike | None = None) -> NDArray[Any]:
    """The sigmoid's derivative σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z) (T1.2), correctly rounded.

    This is dy/dz of the chain rule. It is computed as σ(z)σ(−z), never as σ(1 − σ), so it
    keeps its digits in both tails, where 1 − σ(z) would round to 0.

    Parameters
    ----------
    z : array_like
        Real numbers (integers, float64, float32, float16, bfloat16); NaN and ±∞ allowed.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to σ'(z), elementwise, in the shape of `z`.

    Raises
    ------
    TypeError
        If `z` is not made of real numbers, or `dtype` is not one of the four formats.

    Examples
    --------
    >>> sigmoid_prime(0.0), sigmoid_prime(40.0)
    (np.float64(0.25), np.float64(4.248354255291589e-18))
    >>> bool(sigmoid_prime(-40.0) == sigmoid_prime(40.0))
    True
    """
    return _evaluate("sigmoid_prime", *_prepare(dtype, z=z))


def forward(w: ArrayLike, x: ArrayLike, *, dtype: DTypeLike | None = None) -> NDArray[Any]:
    """The forward pass y = σ(w·x), with the product w·x taken exactly, correctly rounded.

    Parameters
    ----------
    w : array_like
        The weight(s), real numbers (integers or one of the four float formats).
    x : array_like
        The input(s); broadcast against `w`.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to σ(w·x), elementwise, in the broadcast
        shape. The product is never rounded first, so a tiny `w` times a huge `x` is
        answered as exactly as z = 1.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers, or `dtype` is not one of the formats.
    ValueError
        If the shapes of `w` and `x` do not broadcast.

    Examples
    --------
    >>> forward(2.0, 0.0), forward(1e-300, 1e300)
    (np.float64(0.5), np.float64(0.7310585786300049))
    >>> forward([0.0, 1.0], 2.0).tolist()
    [0.5, 0.8807970779778824]
    """
    return _evaluate("forward", *_prepare(dtype, w=w, x=x))


def loss(y: ArrayLike, t: ArrayLike, *, dtype: DTypeLike | None = None) -> NDArray[Any]:
    """The loss E = ½(t − y)², correctly rounded.

    Parameters
    ----------
    y : array_like
        The output(s) of the neuron; any real number is accepted, not only (0, 1).
    t : array_like
        The target(s); broadcast against `y`.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to ½(t − y)², elementwise; +∞ where it
        exceeds the format's range.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers, or `dtype` is not one of the formats.
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> loss(0.25, 0.75), loss(0.0, 1e300)
    (np.float64(0.125), np.float64(inf))
    """
    return _evaluate("loss", *_prepare(dtype, y=y, t=t))


def gradient(
    w: ArrayLike, x: ArrayLike, t: ArrayLike, *, dtype: DTypeLike | None = None
) -> NDArray[Any]:
    """The chain rule dE/dw = dE/dy · dy/dz · dz/dw = −(t − y)·σ'(w·x)·x (T1.4), correctly rounded.

    The three factors are not rounded one by one: dE/dy = σ(z) − t is formed without the
    cancellation of 1 − σ(z) (as (1 − t) − σ(−z) for z > 0), and only the final product is
    rounded, so the answer is right even where t is within an ulp of y.

    Parameters
    ----------
    w : array_like
        The weight(s).
    x : array_like
        The input(s).
    t : array_like
        The target(s); `w`, `x` and `t` are broadcast together.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to dE/dw, elementwise, in the broadcast shape.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers, or `dtype` is not one of the formats.
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> gradient(0.0, 2.0, 1.0)
    np.float64(-0.25)
    >>> gradient(1.0, 1.0, [0.0, 1.0]).tolist()
    [0.14373484045721513, -0.05287709278426672]
    >>> gradient(np.float32([1.0, 1.0]), 1.0, np.float32([0.0, 1.0]))  # Python's 1.0 is weak
    array([ 0.14373484, -0.05287709], dtype=float32)
    """
    return _evaluate("gradient", *_prepare(dtype, w=w, x=x, t=t))


def step(
    w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike, *, dtype: DTypeLike | None = None
) -> NDArray[Any]:
    """One gradient-descent update w − lr·dE/dw, correctly rounded (one rounding in all).

    Parameters
    ----------
    w : array_like
        The weight(s) before the update.
    x : array_like
        The input(s).
    t : array_like
        The target(s).
    lr : array_like
        The learning rate η; every element must be finite and positive. All four arguments
        are broadcast together.
    dtype : data-type, optional
        The format of the result: float64, float32, float16 or bfloat16 (default: numpy's
        promotion of the arguments' dtypes, integers giving float64). The arguments are
        never rounded to it; the exact value is.

    Returns
    -------
    numpy scalar or numpy.ndarray
        The number of the result's format nearest to w − η·dE/dw, elementwise.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers, or `dtype` is not one of the formats.
    ValueError
        If a learning rate is not finite and positive, or the shapes do not broadcast.

    Examples
    --------
    >>> step(0.0, 2.0, 1.0, 0.5)
    np.float64(0.125)
    >>> step(0.0, 2.0, 1.0, -0.5)
    Traceback (most recent call last):
        ...
    ValueError: learning rate must be finite and positive, got -0.5
    """
    arrays, target = _prepare(dtype, w=w, x=x, t=t, lr=lr)
    _check_learning_rate(arrays[3])
    return _evaluate("step", arrays, target)


@dataclass(frozen=True)
class TrainingHistory:
    """Weights and mean losses of a training run.

    ``weights[k]`` is the weight after k epochs (``weights[0]`` the initial one) and
    ``losses[k]`` the mean loss over the samples at ``weights[k]``.
    """

    weights: NDArray[Any]
    losses: NDArray[Any]

    @property
    def weight(self) -> Any:
        """The final weight."""
        return _result(self.weights[-1])


def train(  # noqa: PLR0913 - the four of the derivation, epochs, and the keyword dtype
    w: ArrayLike,
    xs: ArrayLike,
    ts: ArrayLike,
    lr: ArrayLike,
    epochs: int,
    *,
    dtype: DTypeLike | None = None,
) -> TrainingHistory:
    """Train by plain gradient descent: `epochs` passes of one `step` per sample, in order.

    Parameters
    ----------
    w : array_like
        The initial weight(s); an array is a batch of independent neurons.
    xs : array_like
        The inputs x_i, along the first axis; at least one. Each sample broadcasts
        against `w`.
    ts : array_like
        The targets t_i, as many as `xs`.
    lr : array_like
        The learning rate η, finite and positive.
    epochs : int
        The number of passes over the samples, zero or more.
    dtype : data-type, optional
        The format the training runs in: each step's result is correctly rounded to it, and
        the next step starts from that weight (default: numpy's promotion of all four
        arguments, integers giving float64). A `w` of a wider format starts rounded to it.

    Returns
    -------
    TrainingHistory
        ``weights[k]`` is the weight after k epochs (``weights[0]`` is `w`), ``losses[k]``
        the mean loss over the samples there (each loss correctly rounded, their mean
        rounded once more), and ``weight`` the final weight, all in the training's format.

    Raises
    ------
    TypeError
        If `epochs` is not an integer or an argument is not made of real numbers.
    ValueError
        If `epochs` is negative, there is no sample, or `lr` is not finite and positive.

    Examples
    --------
    >>> history = train(0.0, [1.0], [0.75], lr=4.0, epochs=200)
    >>> history.weights.shape, bool(abs(history.weight - np.log(3.0)) < 1e-12)
    ((201,), True)
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)):
        raise TypeError(f"epochs must be an integer, not {type(epochs).__name__}")
    if epochs < 0:
        raise ValueError(f"epochs must be non-negative, got {epochs}")
    named = {"w": w, "xs": xs, "ts": ts, "lr": lr}
    target = _result_dtype([_operand(n, v)[1] for n, v in named.items()], dtype)
    (weight, rate), _ = _prepare(target, w=w, lr=lr)
    _check_learning_rate(rate)
    samples_x, samples_t = (np.atleast_1d(a) for a in _prepare(target, xs=xs, ts=ts)[0])
    if samples_x.shape[0] == 0:
        raise ValueError("train needs at least one sample")

    def mean_loss(current: NDArray[Any]) -> NDArray[Any]:
        losses = [
            loss(forward(current, x, dtype=target), t, dtype=target)
            for x, t in zip(samples_x, samples_t, strict=True)
        ]
        return _cast(np.asarray(np.mean(losses, axis=0, dtype=np.float64)), target)

    weight = _cast(weight, target)
    weights, losses = [weight], [mean_loss(weight)]
    for _ in range(epochs):
        for x, t in zip(samples_x, samples_t, strict=True):
            weight = np.asarray(step(weight, x, t, rate, dtype=target))
        weights.append(weight)
        losses.append(mean_loss(weight))
    return TrainingHistory(np.array(weights), np.array(losses))
