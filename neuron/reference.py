"""The float64 reference neuron: y = σ(w·x), E = ½(t − y)², dE/dw, and the gradient step.

Every function is elementwise over numpy-broadcast arrays (a batch of independent neurons),
takes real numbers of any numeric dtype (converted to float64), and returns float64: a numpy
float64 scalar for scalar inputs. It never overflows, warns or produces NaN from finite inputs;
NaN and ±∞ propagate as IEEE 754 arithmetic does.

Three choices make it accurate where the textbook formulas are not (bounds: theorem T6.2):

* σ is evaluated from e = e^(−|z|) ∈ (0, 1], which never overflows and keeps subnormal
  results: σ(|z|) = 1/(1 + e) and σ(−|z|) = e/(1 + e).
* z = w·x is kept exactly as zh + zl (Dekker's TwoProduct, on mantissas scaled to [½, 1) so
  the splitting cannot overflow), and the low part enters to first order through the
  derivatives the chain rule already needs: σ(z) ≈ σ(zh) + σ'(zh)·zl and
  σ'(z) ≈ σ'(zh)(1 + (1 − 2σ(zh))·zl).
  Rounding z alone would cost |z|/2 ulps of σ(z) for z < 0.
* t − y is formed as (1 − t) − σ(−z) when z ≥ 0 and σ(z) − t when z < 0, with 1 − t and
  t − y split exactly (Knuth's TwoSum), so the only cancellation left is the one inherent in
  the function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ACCURACY_ULPS",
    "TrainingHistory",
    "forward",
    "gradient",
    "loss",
    "sigmoid",
    "sigmoid_prime",
    "step",
    "train",
]

#: Error bounds in ulps of the exact value (theorem T6.2, with the library exp within 1 ulp):
#: e = e^(−|z|) is within 2.7u relative (exp 2u, the reduced argument 0.7u), so σ(±|z|) is
#: within 4.7u; σ' = e/(1 + e)² adds the square and the division, 9.4u; forward adds the
#: first-order correction and its addition, 5.7u; the loss rounds the square and one sum, 2u
#: plus second-order terms. A relative error r is at most r/u ulps. The gradient and the step
#: inherit the cancellation in t − y and are bounded by the float64 policy instead (T6.1).
ACCURACY_ULPS: Final = {"sigmoid": 5.0, "sigmoid_prime": 10.0, "forward": 6.0, "loss": 2.5}

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

# ln 2 = _LN2_HIGH + _LN2_LOW; _LN2_HIGH has 33 significant bits: k·_LN2_HIGH is exact for k < 2^20
_LN2_HIGH = 0.6931471803691238
_LN2_LOW = 1.9082149292705877e-10
_INV_LN2 = 1.4426950408889634
_SPLITTER = 134217729.0  # 2^27 + 1, Veltkamp's constant for splitting a float64 into 26 + 26 bits


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


def _two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """s + err = a + b exactly, s = fl(a + b) (Knuth, TAOCP vol. 2, §4.2.2)."""
    s = a + b
    b_virtual = s - a
    err = (a - (s - b_virtual)) + (b - b_virtual)
    return s, np.where(np.isfinite(s), err, 0.0)


def _split(a: FloatArray) -> tuple[FloatArray, FloatArray]:
    """a = high + low with 26-bit halves (Veltkamp); |a| < 1 here, so nothing overflows."""
    scaled = _SPLITTER * a
    high = scaled - (scaled - a)
    return high, a - high


def _exact_product(w: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """zh + zl = w·x exactly (Dekker 1971), zh = fl(w·x) unless |w·x| >= 2^1000.

    The mantissas are multiplied, not w and x, so the product cannot overflow or underflow
    inside; past 2^1000 the exponent is clamped, which changes nothing downstream because
    σ is then 0 or 1 and σ' is 0 to any precision.
    """
    mw, ew = np.frexp(w)
    mx, ex = np.frexp(x)
    product = mw * mx
    wh, wl = _split(mw)
    xh, xl = _split(mx)
    err = ((wh * xh - product) + wh * xl + wl * xh) + wl * xl
    exponent = np.clip(ew + ex, -1200, 1000)
    zh = np.ldexp(product, exponent)
    zl = np.ldexp(err, exponent)
    return zh, np.where(np.isfinite(zh), zl, 0.0)


def _logistic(z: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """σ(z), σ(−z), and σ'(z) = σ(z)σ(−z) as mantissa·2^exponent (T1.2, T2.1).

    Everything comes from e = e^(−|z|) ∈ (0, 1], which cannot overflow. e is evaluated as
    2^−k·e^(−r) with |z| = k·ln 2 + r (Cody–Waite reduction; k·LN2_HIGH is exact and so is
    |z| − k·LN2_HIGH, by Sterbenz's lemma), so that σ' keeps full precision as a scaled
    mantissa even where σ'(z) itself is subnormal or underflows and a later factor x would
    bring the gradient back into the normal range.
    """
    magnitude = np.abs(z)
    k = np.nan_to_num(np.minimum(np.floor(magnitude * _INV_LN2), 4000.0))  # past 4000, e = 0
    reduced = (magnitude - k * _LN2_HIGH) - k * _LN2_LOW
    mantissa = np.exp(-reduced)  # e = mantissa·2^−k, mantissa in (½, 1] up to rounding
    exponent = -k.astype(np.int64)
    e = np.ldexp(mantissa, exponent)
    denominator = 1.0 + e
    small = e / denominator  # σ(−|z|)
    large = 1.0 / denominator  # σ(|z|)
    positive = z >= 0
    slope = mantissa / (denominator * denominator)  # σ'(z) = e/(1 + e)² = slope·2^−k
    # σ' <= 1/4 (T2.4): where k = 0 a rounded slope can land above it, and moving it back to
    # 1/4 only brings it closer to the exact value.
    slope = np.where(k == 0, np.minimum(slope, 0.25), slope)
    return (
        np.where(positive, large, small),
        np.where(positive, small, large),
        slope,
        exponent,
    )


def sigmoid(z: ArrayLike) -> FloatArray:
    """σ(z) = 1/(1 + e^(−z)).

    Examples
    --------
    >>> sigmoid(0.0), sigmoid(-800.0) == 0.0, sigmoid(-720.0) > 0.0
    (np.float64(0.5), np.True_, np.True_)
    """
    (zz,) = _as_float64(z=z)
    with np.errstate(all="ignore"):
        return _result(_logistic(zz)[0])


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    """σ'(z) = σ(z)(1 − σ(z)) = σ(z)σ(−z) (T1.2), accurate in both tails.

    Examples
    --------
    >>> sigmoid_prime(0.0), sigmoid_prime(40.0) > 0.0
    (np.float64(0.25), np.True_)
    """
    (zz,) = _as_float64(z=z)
    with np.errstate(all="ignore"):
        _, _, slope, exponent = _logistic(zz)
        return _result(np.ldexp(slope, exponent))


class _Neuron(NamedTuple):
    """The forward pass at z = w·x exactly, each part first-order in the low part of z."""

    positive: NDArray[np.bool_]  # z >= 0
    y: FloatArray  # σ(z)
    small: FloatArray  # σ(−|z|)
    slope: FloatArray  # σ'(z) = slope·2^exponent
    exponent: IntArray


def _neuron(w: FloatArray, x: FloatArray) -> _Neuron:
    """σ(z), σ(−|z|) and σ'(z) for z = w·x taken exactly."""
    zh, zl = _exact_product(w, x)
    s, s_negated, slope, exponent = _logistic(zh)
    shift = np.ldexp(slope, exponent) * zl  # σ(z) − σ(zh) ≈ σ'(zh)·zl
    positive = zh >= 0
    y = s + shift
    small = np.where(positive, s_negated - shift, y)
    # σ'(z) − σ'(zh) ≈ σ''(zh)·zl, with σ'' = σ'(1 − 2σ) (T2.3)
    slope = slope + slope * ((s_negated - s) * zl)
    return _Neuron(positive, y, small, slope, exponent)


def _scaled_product(*factors: FloatArray, exponent: IntArray) -> FloatArray:
    """The product of the factors times 2^exponent, with one rounding into the result's range.

    Multiplying mantissas in [½, 1) and adding exponents means no partial product can
    overflow or underflow when the result itself is representable.
    """
    mantissa, total = np.frexp(factors[0])
    total = total + exponent
    for factor in factors[1:]:
        m, e = np.frexp(factor)
        mantissa = mantissa * m
        total = total + e
    return np.ldexp(mantissa, total)


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    """y = σ(w·x), with the product w·x taken exactly.

    Examples
    --------
    >>> forward(2.0, 0.0), forward(1e-300, 1e300)
    (np.float64(0.5), np.float64(0.7310585786300049))
    """
    ww, xx = _as_float64(w=w, x=x)
    with np.errstate(all="ignore"):
        return _result(_neuron(ww, xx)[1])


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    """E = ½(t − y)², with t − y split exactly before squaring.

    Examples
    --------
    >>> loss(0.25, 0.75), loss(0.0, 1e300)
    (np.float64(0.125), np.float64(inf))
    """
    yy, tt = _as_float64(y=y, t=t)
    with np.errstate(all="ignore"):
        high, low = _two_sum(tt, -yy)
        # ½(high + low)² = ½·high·(high + 2·low) up to ½low², below u relative; one product,
        # so an overflow cannot meet a second, opposite one
        return _result((0.5 * high) * (high + 2.0 * low))


def _residual(
    w: FloatArray, x: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray, IntArray]:
    """y − t = −dE/dy, and σ'(w·x) as mantissa·2^exponent; y − t = (1 − t) − σ(−z) for z >= 0.

    (T1.1, T2.1.)
    """
    positive, _, small, slope, exponent = _neuron(w, x)
    one_minus_t, one_minus_t_low = _two_sum(np.ones_like(t), -t)
    high, low = _two_sum(np.where(positive, one_minus_t, -t), np.where(positive, -small, small))
    return high + (low + np.where(positive, one_minus_t_low, 0.0)), slope, exponent


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    """dE/dw = dE/dy · dy/dz · dz/dw = −(t − y)·σ'(w·x)·x (T1.4).

    Examples
    --------
    >>> gradient(0.0, 2.0, 1.0)
    np.float64(-0.25)
    """
    ww, xx, tt = _as_float64(w=w, x=x, t=t)
    with np.errstate(all="ignore"):
        residual, slope, exponent = _residual(ww, xx, tt)  # dE/dy = −(t − y) = y − t
        # dE/dw = dE/dy · dy/dz · dz/dw = (y − t) · σ'(z) · x
        return _result(_scaled_product(residual, slope, xx, exponent=exponent))


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
    """One gradient-descent update w − lr·dE/dw; lr must be finite and positive.

    Examples
    --------
    >>> step(0.0, 2.0, 1.0, 0.5)
    np.float64(0.125)
    """
    ww, xx, tt, rate = _as_float64(w=w, x=x, t=t, lr=lr)
    _check_learning_rate(rate)
    with np.errstate(all="ignore"):
        residual, slope, exponent = _residual(ww, xx, tt)
        return _result(ww - _scaled_product(rate, residual, slope, xx, exponent=exponent))


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
