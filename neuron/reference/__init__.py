"""The float64 reference neuron: y = σ(w·x), E = ½(t − y)², dE/dw, and the gradient step.

Every function returns the correctly rounded float64 (round to nearest, ties to even) of the
exact value of the function of its float64 inputs, with the product w·x taken exactly, for
every finite input: subnormal and overflowing results included (theorem T6.4). Functions are
elementwise over numpy-broadcast arrays (a batch of independent neurons), take real numbers
of any numeric dtype (converted to float64) and return float64: a numpy float64 scalar for
scalar inputs. Finite inputs never give NaN or a warning; NaN and ±∞ propagate, giving NaN or
the limit of the function.

How: each element is answered by the first of three paths that can vouch for it. The fast
path (``neuron.reference.fast``, T6.5) computes ordinary inputs to about 2^−70 with 26-bit-head
pairs and decides by a rounding test. The general path (``neuron.reference.general``, T6.4)
carries every value as a scaled double word (h + l)·2^e, so no intermediate overflows or
underflows. Each result comes with a bound on its error; where that bound cannot decide the
rounding (Ziv's test), the element is handed to the mpmath oracle (``neuron.exact``).
``FALLBACK`` and ``SLOW_PATH`` count the elements the second and third paths took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neuron import exact
from neuron.reference import fast, general

__all__ = [
    "FALLBACK",
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

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Elements the fast path left to the general path, per function, since the process started.
FALLBACK: Counter[str] = Counter()
#: Elements handed to the oracle, per function, since the process started (or was reset).
SLOW_PATH: Counter[str] = Counter()

CHUNK: Final = 8192  # elements per pass: keeps the many temporaries in cache


def _as_float64(**arguments: ArrayLike) -> list[FloatArray]:
    """Check that each argument is real and numeric, convert to float64 and broadcast."""
    arrays = []
    for name, value in arguments.items():
        array = np.asarray(value)
        if array.dtype.kind not in "iuf":
            raise TypeError(
                f"{name} must be a real number or an array of real numbers, "
                f"not {type(value).__name__} (dtype {array.dtype})"
            )
        arrays.append(array.astype(np.float64, copy=False))
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{n}{np.shape(a)}" for n, a in zip(arguments, arrays, strict=True))
        raise ValueError(f"argument shapes do not broadcast: {shapes}") from None


def _result(value: FloatArray) -> FloatArray:
    """0-d arrays come back as numpy float64 scalars."""
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


def _evaluate(name: str, arrays: list[FloatArray]) -> FloatArray:
    """The fast path everywhere, the general path where it does not decide, and the oracle
    where neither does."""
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    with np.errstate(all="ignore"):
        out, decided = _chunked(getattr(fast, name), flat)
        left = np.flatnonzero(~decided)
        slow = left[:0]
        if left.size:
            FALLBACK[name] += int(left.size)
            out[left], decided = _chunked(getattr(general, name), [a[left] for a in flat])
            slow = left[~decided]
    if slow.size:
        SLOW_PATH[name] += int(slow.size)
        out[slow] = exact.values(name, *(a[slow] for a in flat)).rounded
    return _result(out.reshape(shape))


def sigmoid(z: ArrayLike) -> FloatArray:
    """The logistic function σ(z) = 1/(1 + e^(−z)), correctly rounded (T2.1).

    Parameters
    ----------
    z : array_like
        Real numbers of any numeric dtype, converted to float64; NaN and ±∞ allowed.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to σ(z) (ties to even), elementwise, in the shape of `z`; a numpy
        float64 scalar for a scalar `z`. Subnormal results are correctly rounded too.

    Raises
    ------
    TypeError
        If `z` is not made of real numbers (a string, a complex number, an object).

    Examples
    --------
    >>> sigmoid(0.0), sigmoid(-800.0), sigmoid(-720.0)
    (np.float64(0.5), np.float64(0.0), np.float64(2.0322308024e-313))
    >>> sigmoid([-1.0, 1.0]).tolist()
    [0.2689414213699951, 0.7310585786300049]
    """
    return _evaluate("sigmoid", _as_float64(z=z))


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    """The sigmoid's derivative σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z) (T1.2), correctly rounded.

    This is dy/dz of the chain rule. It is computed as σ(z)σ(−z), never as σ(1 − σ), so it
    keeps its digits in both tails, where 1 − σ(z) would round to 0.

    Parameters
    ----------
    z : array_like
        Real numbers of any numeric dtype, converted to float64; NaN and ±∞ allowed.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to σ'(z), elementwise, in the shape of `z`.

    Raises
    ------
    TypeError
        If `z` is not made of real numbers.

    Examples
    --------
    >>> sigmoid_prime(0.0), sigmoid_prime(40.0)
    (np.float64(0.25), np.float64(4.248354255291589e-18))
    >>> bool(sigmoid_prime(-40.0) == sigmoid_prime(40.0))
    True
    """
    return _evaluate("sigmoid_prime", _as_float64(z=z))


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """The forward pass y = σ(w·x), with the product w·x taken exactly, correctly rounded.

    Parameters
    ----------
    w : array_like
        The weight(s), real numbers of any numeric dtype, converted to float64.
    x : array_like
        The input(s); broadcast against `w`.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to σ(w·x), elementwise, in the broadcast shape. The product is
        never rounded first, so a tiny `w` times a huge `x` is answered as exactly as z = 1.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If the shapes of `w` and `x` do not broadcast.

    Examples
    --------
    >>> forward(2.0, 0.0), forward(1e-300, 1e300)
    (np.float64(0.5), np.float64(0.7310585786300049))
    >>> forward([0.0, 1.0], 2.0).tolist()
    [0.5, 0.8807970779778824]
    """
    return _evaluate("forward", _as_float64(w=w, x=x))


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    """The loss E = ½(t − y)², correctly rounded.

    Parameters
    ----------
    y : array_like
        The output(s) of the neuron; any real number is accepted, not only (0, 1).
    t : array_like
        The target(s); broadcast against `y`.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to ½(t − y)², elementwise; +∞ where it exceeds the float64 range.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> loss(0.25, 0.75), loss(0.0, 1e300)
    (np.float64(0.125), np.float64(inf))
    """
    return _evaluate("loss", _as_float64(y=y, t=t))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    """The chain rule dE/dw = dE/dy · dy/dz · dz/dw = −(t − y)·σ'(w·x)·x (T1.4), correctly rounded.

    The three factors are not rounded one by one: dE/dy = σ(z) − t is formed without the
    cancellation of 1 − σ(z) (as (1 − t) − σ(−z) for z > 0), and only the final product is
    rounded, so the answer is right even where t is within an ulp of y.

    Parameters
    ----------
    w : array_like
        The weight(s), converted to float64.
    x : array_like
        The input(s).
    t : array_like
        The target(s); `w`, `x` and `t` are broadcast together.

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to dE/dw, elementwise, in the broadcast shape.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> gradient(0.0, 2.0, 1.0)
    np.float64(-0.25)
    >>> gradient(1.0, 1.0, [0.0, 1.0]).tolist()
    [0.14373484045721513, -0.05287709278426672]
    """
    return _evaluate("gradient", _as_float64(w=w, x=x, t=t))


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
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

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to w − η·dE/dw, elementwise.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
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
    arrays = _as_float64(w=w, x=x, t=t, lr=lr)
    _check_learning_rate(arrays[3])
    return _evaluate("step", arrays)


@dataclass(frozen=True)
class TrainingHistory:
    """Weights and mean losses of a training run.

    ``weights[k]`` is the weight after k epochs (``weights[0]`` the initial one) and
    ``losses[k]`` the mean loss over the samples at ``weights[k]``.
    """

    weights: FloatArray
    losses: FloatArray

    @property
    def weight(self) -> FloatArray:
        """The final weight."""
        return _result(self.weights[-1])


def train(
    w: ArrayLike, xs: ArrayLike, ts: ArrayLike, lr: ArrayLike, epochs: int
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

    Returns
    -------
    TrainingHistory
        ``weights[k]`` is the weight after k epochs (``weights[0]`` is `w`), ``losses[k]``
        the mean loss over the samples there, and ``weight`` the final weight.

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
    weight, rate = _as_float64(w=w, lr=lr)
    _check_learning_rate(rate)
    samples_x, samples_t = (np.atleast_1d(a) for a in _as_float64(xs=xs, ts=ts))
    if samples_x.shape[0] == 0:
        raise ValueError("train needs at least one sample")

    def mean_loss(current: FloatArray) -> FloatArray:
        losses = [loss(forward(current, x), t) for x, t in zip(samples_x, samples_t, strict=True)]
        return np.asarray(np.mean(losses, axis=0), dtype=np.float64)

    weights, losses = [weight], [mean_loss(weight)]
    for _ in range(epochs):
        for x, t in zip(samples_x, samples_t, strict=True):
            weight = np.asarray(step(weight, x, t, rate))
        weights.append(weight)
        losses.append(mean_loss(weight))
    return TrainingHistory(np.array(weights), np.array(losses))
