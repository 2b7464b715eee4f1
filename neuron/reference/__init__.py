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
    """σ(z) = 1/(1 + e^(−z)), correctly rounded.

    Examples
    --------
    >>> sigmoid(0.0), sigmoid(-800.0), sigmoid(-720.0)
    (np.float64(0.5), np.float64(0.0), np.float64(2.0322308024e-313))
    """
    return _evaluate("sigmoid", _as_float64(z=z))


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    """σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z) (T1.2), correctly rounded in both tails.

    Examples
    --------
    >>> sigmoid_prime(0.0), sigmoid_prime(40.0)
    (np.float64(0.25), np.float64(4.248354255291589e-18))
    """
    return _evaluate("sigmoid_prime", _as_float64(z=z))


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """y = σ(w·x), with the product w·x taken exactly, correctly rounded.

    Examples
    --------
    >>> forward(2.0, 0.0), forward(1e-300, 1e300)
    (np.float64(0.5), np.float64(0.7310585786300049))
    """
    return _evaluate("forward", _as_float64(w=w, x=x))


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    """E = ½(t − y)², correctly rounded.

    Examples
    --------
    >>> loss(0.25, 0.75), loss(0.0, 1e300)
    (np.float64(0.125), np.float64(inf))
    """
    return _evaluate("loss", _as_float64(y=y, t=t))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    """dE/dw = dE/dy · dy/dz · dz/dw = −(t − y)·σ'(w·x)·x (T1.4), correctly rounded.

    Examples
    --------
    >>> gradient(0.0, 2.0, 1.0)
    np.float64(-0.25)
    """
    return _evaluate("gradient", _as_float64(w=w, x=x, t=t))


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
    """One gradient-descent update w − lr·dE/dw, correctly rounded; lr must be finite and positive.

    Examples
    --------
    >>> step(0.0, 2.0, 1.0, 0.5)
    np.float64(0.125)
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
    """Run `epochs` passes of one gradient step per sample (x_i, t_i), in order.

    `xs` and `ts` are sequences of equal, nonzero length along their first axis; each
    sample broadcasts against `w` (a batch of independent neurons).

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
