"""The float64 reference neuron: y = σ(w·x), E = ½(t − y)², dE/dw, and the gradient step.

Every function returns the correctly rounded float64 (round to nearest, ties to even) of the
exact value of the function of its float64 inputs, with the product w·x taken exactly, for
every finite input: subnormal and overflowing results included (theorem T6.4). Functions are
elementwise over numpy-broadcast arrays (a batch of independent neurons), take real numbers
of any numeric dtype (converted to float64) and return float64: a numpy float64 scalar for
scalar inputs. Finite inputs never give NaN or a warning; NaN and ±∞ propagate, giving NaN or
the limit of the function.

How: each element is answered by the first of three paths that can vouch for it. The fast
path (``neuron.fast``, T6.5) computes ordinary inputs to about 2^−70 with 26-bit-head pairs and
decides by a rounding test. The general path (``neuron.doubleword``) carries every value as a
scaled double word (h + l)·2^e, so no intermediate overflows or underflows and each is exact to
about 2^−104, except e^−|z|, which a table-driven evaluation gives to 2^−74. There the chain rule
is followed as the seed writes it: z = w·x exactly; e = e^−|z|; σ(−|z|) = e/(1 + e) and
σ(|z|) = 1/(1 + e); σ' = σ(z)σ(−z) (T1.2); dE/dy = σ(z) − t, formed as (1 − t) − σ(−z) for
z > 0 so that only the cancellation inherent in the function is left (T2.1); dE/dw =
dE/dy·σ'(z)·x (T1.4). Each result comes with a bound on its error; where that bound cannot
decide the rounding (Ziv's test), the element is handed to the mpmath oracle
(``neuron.exact``). ``FALLBACK`` and ``SLOW_PATH`` count the elements the second and third
paths took.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neuron import exact, fast
from neuron.doubleword import (
    EXP_ERROR,
    MAX_ARGUMENT,
    Scaled,
    add,
    divide,
    exp_negative,
    fast_two_sum,
    multiply,
    negate,
    normalize,
    power_of_two,
    round_scaled,
    scaled,
    two_sum,
)

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
# Relative error bounds (T6.4). σ(−|z|) = e/(1 + e) and σ(|z|) = 1/(1 + e) carry exp's error
# (damped by e/(1 + e) <= 1) plus a sum and a division, each within 2^−103; σ' = their product
# carries both and one more product; a few exact-to-2^−104 operations stay within 2^−100.
EXACT_ERROR: Final = 2.0**-100
SIGMOID_ERROR: Final = EXP_ERROR + EXACT_ERROR
SLOPE_ERROR: Final = 2 * SIGMOID_ERROR + EXACT_ERROR


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


def _product(w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """z = w·x exactly as zh + zl, and the magnitude a = |z| clamped to MAX_ARGUMENT.

    Beyond MAX_ARGUMENT, σ(−|z|) and σ'(z) are below 2^−3318 and nothing depends on z.
    """
    z = multiply(scaled(w), scaled(x))  # exact: a product of two 53-bit mantissas
    exponent = np.minimum(z.exponent, 1100)
    scale = power_of_two(exponent)  # saturates below 2^−1022: z is then ½'s neighbour anyway
    zh, zl = z.head * scale, z.tail * scale
    inside = np.abs(zh) <= MAX_ARGUMENT
    return zh, np.where(inside, np.abs(zh), MAX_ARGUMENT), np.where(inside, np.sign(zh) * zl, 0.0)


def _logistic(a: FloatArray, a_low: FloatArray) -> tuple[Scaled, Scaled]:
    """σ(−|z|) = e/(1 + e) and σ(|z|) = 1/(1 + e) for |z| = a + a_low, e = e^−|z| (T2.1)."""
    e = exp_negative(a, a_low)
    scale = power_of_two(e.exponent)  # saturates for e < 2^−1022, invisible in 1 + e
    head, tail = fast_two_sum(np.ones_like(a), e.head * scale)
    denominator = normalize(head, tail + e.tail * scale, np.zeros_like(e.exponent))
    one = Scaled(np.full_like(a, 0.5), np.zeros_like(a), np.ones_like(e.exponent))
    return divide(e, denominator), divide(one, denominator)


def _select(condition: BoolArray, a: Scaled, b: Scaled) -> Scaled:
    return Scaled(*(np.where(condition, p, q) for p, q in zip(a, b, strict=True)))


def _relative(value: Scaled, error: float) -> FloatArray:
    return error * np.abs(value.head)


def _in_units_of(target: Scaled, magnitude: FloatArray, exponent: NDArray[np.int64]) -> FloatArray:
    """magnitude·2^exponent expressed in units of target's head."""
    # saturation keeps a bound above its value for exponents past 1023, and below 2^−1022
    # rounds a negligible bound up: either way the bound stays a bound
    return magnitude * power_of_two(exponent - target.exponent)


def _sigmoid_kernel(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(z)
    a = np.where(finite, np.minimum(np.abs(z), MAX_ARGUMENT), 0.0)
    small, large = _logistic(a, np.zeros_like(a))
    value = _select(z >= 0, large, small)
    result, decided = round_scaled(value, _relative(value, SIGMOID_ERROR))
    return result, decided & finite


def _sigmoid_prime_kernel(z: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(z)
    a = np.where(finite, np.minimum(np.abs(z), MAX_ARGUMENT), 0.0)
    small, large = _logistic(a, np.zeros_like(a))
    slope = multiply(small, large)  # σ(z)σ(−z), T1.2
    result, decided = round_scaled(slope, _relative(slope, SLOPE_ERROR))
    return result, decided & finite


def _forward_kernel(w: FloatArray, x: FloatArray) -> tuple[FloatArray, BoolArray]:
    finite = np.isfinite(w) & np.isfinite(x)
    zh, a, a_low = _product(w, x)
    small, large = _logistic(a, a_low)
    value = _select(zh >= 0, large, small)
    result, decided = round_scaled(value, _relative(value, SIGMOID_ERROR))
    return result, decided & finite


def _loss_kernel(y: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    high, low = two_sum(t, -y)  # t − y exactly
    finite = np.isfinite(high)
    residual = normalize(
        np.where(finite, high, 0.0), np.where(finite, low, 0.0), np.zeros_like(y, dtype=np.int64)
    )
    square = multiply(residual, residual)
    value = Scaled(square.head, square.tail, square.exponent - 1)  # ½(t − y)²
    result, decided = round_scaled(value, _relative(value, EXACT_ERROR))
    return result, decided & finite


def _gradient_parts(
    w: FloatArray, x: FloatArray, t: FloatArray
) -> tuple[Scaled, FloatArray, BoolArray]:
    """dE/dw as a scaled double word, a bound on its error in its head's units, and validity.

    dE/dy = σ(z) − t loses nothing but what σ(−|z|)'s own error (SIGMOID_ERROR relative) does
    when it cancels against t; that absolute error, carried through ·σ'(z)·x, is the second
    term of the bound.
    """
    # NaN and ±∞ flow through as garbage (no operation below traps) and are marked undecided
    finite = np.isfinite(w) & np.isfinite(x) & np.isfinite(t)
    zh, a, a_low = _product(w, x)
    small, large = _logistic(a, a_low)
    slope = multiply(small, large)  # dy/dz = σ(z)σ(−z), T1.2
    positive = zh > 0
    one_minus_t, one_minus_t_low = two_sum(np.ones_like(t), -t)
    start = normalize(
        np.where(positive, one_minus_t, -t),
        np.where(positive, one_minus_t_low, 0.0),
        np.zeros_like(small.exponent),
    )
    # dE/dy = σ(z) − t = (1 − t) − σ(−z) for z > 0, σ(z) − t for z < 0 (T1.1, T2.1)
    residual = add(start, _select(positive, negate(small), small))
    x_scaled = scaled(x)
    g = multiply(multiply(residual, slope), x_scaled)  # dE/dw = dE/dy · dy/dz · dz/dw, T1.4
    carried = np.abs(small.head * slope.head * x_scaled.head)
    bound = _relative(g, SLOPE_ERROR + 2 * EXACT_ERROR) + _in_units_of(
        g, SIGMOID_ERROR * carried, small.exponent + slope.exponent + x_scaled.exponent
    )
    return g, bound, finite


def _gradient_kernel(w: FloatArray, x: FloatArray, t: FloatArray) -> tuple[FloatArray, BoolArray]:
    g, bound, valid = _gradient_parts(w, x, t)
    result, decided = round_scaled(g, bound)
    return result, decided & valid


def _step_kernel(
    w: FloatArray, x: FloatArray, t: FloatArray, lr: FloatArray
) -> tuple[FloatArray, BoolArray]:
    g, bound, valid = _gradient_parts(w, x, t)
    rate = scaled(lr)
    update = multiply(rate, g)
    new = add(scaled(np.where(valid, w, 0.0)), negate(update))  # w − η·dE/dw
    weight = scaled(np.where(valid, w, 0.0))
    bound_new = (
        _in_units_of(new, bound * np.abs(rate.head), rate.exponent + g.exponent)
        + _in_units_of(new, EXACT_ERROR * np.abs(update.head), update.exponent)
        + _in_units_of(new, EXACT_ERROR * np.abs(weight.head), weight.exponent)
    )
    result, decided = round_scaled(new, bound_new)
    return result, decided & valid


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


def _evaluate(
    name: str, general: Callable[..., tuple[FloatArray, BoolArray]], arrays: list[FloatArray]
) -> FloatArray:
    """The fast path (``neuron.fast``) everywhere, the general path where it does not decide,
    and the oracle where neither does."""
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    with np.errstate(all="ignore"):
        out, decided = _chunked(getattr(fast, name), flat)
        left = np.flatnonzero(~decided)
        slow = left[:0]
        if left.size:
            FALLBACK[name] += int(left.size)
            out[left], decided = _chunked(general, [a[left] for a in flat])
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
    return _evaluate("sigmoid", _sigmoid_kernel, _as_float64(z=z))


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    """σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z) (T1.2), correctly rounded in both tails.

    Examples
    --------
    >>> sigmoid_prime(0.0), sigmoid_prime(40.0)
    (np.float64(0.25), np.float64(4.248354255291589e-18))
    """
    return _evaluate("sigmoid_prime", _sigmoid_prime_kernel, _as_float64(z=z))


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """y = σ(w·x), with the product w·x taken exactly, correctly rounded.

    Examples
    --------
    >>> forward(2.0, 0.0), forward(1e-300, 1e300)
    (np.float64(0.5), np.float64(0.7310585786300049))
    """
    return _evaluate("forward", _forward_kernel, _as_float64(w=w, x=x))


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    """E = ½(t − y)², correctly rounded.

    Examples
    --------
    >>> loss(0.25, 0.75), loss(0.0, 1e300)
    (np.float64(0.125), np.float64(inf))
    """
    return _evaluate("loss", _loss_kernel, _as_float64(y=y, t=t))


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    """dE/dw = dE/dy · dy/dz · dz/dw = −(t − y)·σ'(w·x)·x (T1.4), correctly rounded.

    Examples
    --------
    >>> gradient(0.0, 2.0, 1.0)
    np.float64(-0.25)
    """
    return _evaluate("gradient", _gradient_kernel, _as_float64(w=w, x=x, t=t))


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
    """One gradient-descent update w − lr·dE/dw, correctly rounded; lr must be finite and positive.

    Examples
    --------
    >>> step(0.0, 2.0, 1.0, 0.5)
    np.float64(0.125)
    """
    arrays = _as_float64(w=w, x=x, t=t, lr=lr)
    _check_learning_rate(arrays[3])
    return _evaluate("step", _step_kernel, arrays)


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
