"""The mpmath oracle of the neuron with n inputs and a bias, and of the one-hidden-layer network.

The unit is y = σ(z), z = w·x + b; the network is y = σ(z2), z2 = W2·σ(W1 x + b1) + b2. The
loss is E = mean over the batch of ½(t − y)². "Exact" means the real-number value of each
function of the float64 inputs: the pre-activations w·x + b and W1 x + b1 are dyadic rationals
computed without rounding (mpmath adds at precision 0 are exact), everything after them is
enclosed in mpmath's interval arithmetic (``neuron.exact``'s enclosures of σ, σ' and σ − t,
reused, not copied), and each component is rounded when both ends of its enclosure round to
the same float64; otherwise the precision doubles (Ziv's strategy, as in ``neuron.exact``).

Termination. For the unit it is a theorem (T7.3): a gradient or step component is either a
rational number, which happens exactly when the sample terms that are not dyadic cancel as
functions of e^(−|z|) (the test `_unit_constant` is exact and the value is then rounded from
exact rationals), or it is not rational, and its enclosures shrink around a value no rounding
boundary can equal. For the network a value can be a rounding boundary in contrived
configurations (the sigmoid of a transcendental pre-activation); the loop stops at
``MAX_PRECISION`` bits and raises `OracleError` naming the component. An exact zero is no
obstacle: its enclosure shrinks below the smallest subnormal and both ends round to zero.

Conventions shared with ``neuron.reference.unit`` and ``neuron.reference.network``: a zero
result is +0.0; if any argument holds NaN or ±∞, every returned component is NaN (the batch
sums mix every sample into every component, and their limits rarely exist).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import partial
from typing import Final, NamedTuple, TypeVar

import numpy as np
from mpmath import libmp
from numpy.typing import ArrayLike

from neuron.exact import (
    Interval,
    OracleError,
    _output_error,
    _sigmoid,
    _sigmoid_prime,
    from_float,
    fzero,
    mpf_add,
    mpf_mul,
    mpi_add,
    mpi_div,
    mpi_mul,
    mpi_sub,
)
from neuron.numerics.types import BoolArray, FloatArray
from neuron.numerics.ulp import MpfTuple, round_mpf

__all__ = [
    "MAX_PRECISION",
    "NetworkArguments",
    "UnitArguments",
    "network_arguments",
    "network_components",
    "network_forward",
    "network_gradient",
    "network_outputs",
    "network_step",
    "unit_arguments",
    "unit_components",
    "unit_forward",
    "unit_gradient",
    "unit_outputs",
    "unit_step",
]

_F = TypeVar("_F", bound=Callable[..., object])

mpf_lt: Callable[[MpfTuple, MpfTuple], bool] = libmp.mpf_lt

START_PRECISION: Final = 96
#: Bits beyond which the oracle gives up (an exact zero needs about 2^11; see the docstring).
MAX_PRECISION: Final = 1 << 14

# ---------------------------------------------------------------------------------------------
# Arguments: checked once here, for the oracle and for the reference alike


def _real(name: str, value: ArrayLike, ndims: tuple[int, ...], what: str) -> FloatArray:
    """`value` as a fresh float64 array (never a view of the caller's), checked."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be a real number or an array of real numbers, "
            f"not {type(value).__name__} (dtype {array.dtype})"
        )
    if array.ndim not in ndims or 0 in array.shape:
        raise ValueError(f"{name} must be {what}, got shape {array.shape}")
    return np.array(array, dtype=np.float64)


def _learning_rate(lr: ArrayLike) -> float:
    rate = _real("lr", lr, (0,), "a scalar")
    if not (np.isfinite(rate) and rate > 0):
        raise ValueError(f"learning rate must be finite and positive, got {rate}")
    return float(rate)


def _samples(
    x: ArrayLike, t: ArrayLike | None, n: int, inputs: str
) -> tuple[FloatArray, FloatArray, bool]:
    """x as (m, n) and t as (m,), and whether x was a batch."""
    samples = _real("x", x, (1, 2), f"({inputs},) for one sample or (m, {inputs}) for a batch")
    if samples.shape[-1] != n:
        raise ValueError(f"x has {samples.shape[-1]} inputs per sample, the weights take {n}")
    batch = samples.ndim == 2
    if t is None:
        targets = np.zeros(samples.shape[0] if batch else 1)
    elif batch:
        targets = _real("t", t, (1,), f"(m,) = ({samples.shape[0]},), one target per sample")
        if targets.shape[0] != samples.shape[0]:
            raise ValueError(f"t has {targets.shape[0]} targets for {samples.shape[0]} samples")
    else:
        targets = _real("t", t, (0,), "a scalar for one sample (x of shape (n,))").reshape(1)
    return samples.reshape(-1, n), targets, batch


class UnitArguments(NamedTuple):
    """Checked arguments of the unit: w (n,), b, X (m, n), t (m,), lr (0 when absent)."""

    w: FloatArray
    b: float
    X: FloatArray
    t: FloatArray
    lr: float
    batch: bool


def unit_arguments(
    w: ArrayLike,
    b: ArrayLike,
    x: ArrayLike,
    t: ArrayLike | None = None,
    lr: ArrayLike | None = None,
) -> UnitArguments:
    """Check and convert the unit's arguments (see `unit_gradient`); lr = 0.0 when absent."""
    weights = _real("w", w, (1,), "a vector of shape (n,), n >= 1")
    bias = float(_real("b", b, (0,), "a scalar"))
    samples, targets, batch = _samples(x, t, weights.shape[0], "n")
    rate = 0.0 if lr is None else _learning_rate(lr)
    return UnitArguments(weights, bias, samples, targets, rate, batch)


class NetworkArguments(NamedTuple):
    """Checked arguments of the network: W1 (h, n), b1 (h,), W2 (h,), b2, X (m, n), t (m,)."""

    W1: FloatArray
    b1: FloatArray
    W2: FloatArray
    b2: float
    X: FloatArray
    t: FloatArray
    lr: float
    batch: bool


def network_arguments(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: ArrayLike,
    b1: ArrayLike,
    W2: ArrayLike,
    b2: ArrayLike,
    x: ArrayLike,
    t: ArrayLike | None = None,
    lr: ArrayLike | None = None,
) -> NetworkArguments:
    """Check and convert the network's arguments (see `network_gradient`)."""
    first = _real("W1", W1, (2,), "a matrix of shape (h, n), h, n >= 1")
    h, n = first.shape
    hidden_bias = _real("b1", b1, (1,), f"a vector of shape (h,) = ({h},)")
    second = _real("W2", W2, (1,), f"a vector of shape (h,) = ({h},)")
    for name, array in (("b1", hidden_bias), ("W2", second)):
        if array.shape != (h,):
            raise ValueError(f"{name} must have shape (h,) = ({h},), got {array.shape}")
    output_bias = float(_real("b2", b2, (0,), "a scalar"))
    samples, targets, batch = _samples(x, t, n, "n")
    rate = 0.0 if lr is None else _learning_rate(lr)
    return NetworkArguments(first, hidden_bias, second, output_bias, samples, targets, rate, batch)


def all_finite(*arrays: ArrayLike) -> bool:
    """Whether every element of every array is finite."""
    return all(bool(np.isfinite(a).all()) for a in arrays)


# ---------------------------------------------------------------------------------------------
# Exact pre-activations and intervals


def _point(v: MpfTuple) -> Interval:
    return (v, v)


def _pre_activation(
    weights: Sequence[MpfTuple], bias: MpfTuple, row: Sequence[MpfTuple]
) -> MpfTuple:
    """w·x + b exactly (precision 0: no rounding)."""
    total = bias
    for w, x in zip(weights, row, strict=True):
        total = mpf_add(total, mpf_mul(w, x))
    return total


def _mpf(values: ArrayLike) -> list[MpfTuple]:
    return [from_float(float(v)) for v in np.asarray(values, dtype=np.float64).ravel()]


def _rounded(value: Interval) -> float | None:
    """The float64 both ends round to (a zero as +0.0), or None."""
    low = round_mpf(value[0])
    return low + 0.0 if low == round_mpf(value[1]) else None


def _sum(terms: Sequence[Interval], p: int) -> Interval:
    total = _point(fzero)
    for term in terms:
        total = mpi_add(total, term, p)
    return total


def _component(
    total: Interval, count: int, parameter: float | None, lr: float | None, p: int
) -> Interval:
    """The mean total/count, or the step parameter − lr·total/count."""
    mean = mpi_div(total, _point(from_float(float(count))), p)
    if lr is None or parameter is None:
        return mean
    return mpi_sub(_point(from_float(parameter)), mpi_mul(_point(from_float(lr)), mean, p), p)


def _ziv(
    components: Callable[[int, list[int]], list[Interval]], wanted: list[int], what: str
) -> dict[int, float]:
    """Round every wanted component, doubling the precision for those not yet decided."""
    found: dict[int, float] = {}
    p = START_PRECISION
    while wanted:
        if p > MAX_PRECISION:
            raise OracleError(f"cannot round {what} component {wanted[0]} below {p} bits")
        for index, value in zip(wanted, components(p, wanted), strict=True):
            rounded = _rounded(value)
            if rounded is not None:
                found[index] = rounded
        wanted = [i for i in wanted if i not in found]
        p *= 2
    return found


# ---------------------------------------------------------------------------------------------
# The unit


def _unit_z(args: UnitArguments) -> list[MpfTuple]:
    weights, bias = _mpf(args.w), from_float(args.b)
    return [_pre_activation(weights, bias, _mpf(row)) for row in args.X]


def _unit_constant(z: Sequence[MpfTuple], t: FloatArray, column: FloatArray) -> Fraction | None:
    """Σ_i (σ(z_i) − t_i)σ'(z_i)·column_i as an exact rational, when it is one (T7.3).

    With a = |z|, s = sign z: (σ(z) − t)σ'(z) = s·A(a) + (½ − t)·B(a), A(a) = (σ(a) − ½)σ'(a),
    B(a) = σ'(a), A(0) = 0 and B(0) = ¼. The sum is rational exactly when the coefficients of
    A(a) and B(a) vanish for every a > 0; it is then ¼·Σ over the samples with z = 0.
    """
    coefficients: dict[tuple[int, int], list[Fraction]] = {}
    constant = Fraction(0)
    for zi, ti, ci in zip(z, t, column, strict=True):
        weight = Fraction(float(ci))
        half_minus_t = Fraction(1, 2) - Fraction(float(ti))
        if zi[1] == 0:
            constant += half_minus_t * weight / 4
            continue
        pair = coefficients.setdefault((zi[1], zi[2]), [Fraction(0), Fraction(0)])
        pair[0] += -weight if zi[0] else weight
        pair[1] += half_minus_t * weight
    if any(a or b for a, b in coefficients.values()):
        return None
    return constant


def _round_fraction(value: Fraction) -> float:
    """Correctly rounded float64 of a rational (Python's integer division rounds correctly)."""
    try:  # int(): a numerator of gmpy2 integers would divide to 53 bits, without subnormals
        return int(value.numerator) / int(value.denominator) + 0.0
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def unit_components(args: UnitArguments, wanted: BoolArray, step: bool) -> FloatArray:
    """The gradient (dE/dw_1 … dE/dw_n, dE/db) or the step (w', b') at the `wanted` places.

    Components not wanted are NaN. Arguments must be finite.
    """
    z = _unit_z(args)
    m, n = args.X.shape
    columns = [*args.X.T, np.ones(m)]
    parameters = [*args.w.tolist(), args.b]
    lr = args.lr if step else None
    out = np.full(n + 1, np.nan)
    pending = []
    for j in np.flatnonzero(wanted):
        constant = _unit_constant(z, args.t, columns[j])
        if constant is None:
            pending.append(int(j))
            continue
        mean = constant / m
        out[j] = _round_fraction(
            Fraction(parameters[j]) - Fraction(args.lr) * mean if step else mean
        )
    t = [from_float(float(v)) for v in args.t]

    def enclosures(p: int, indices: list[int]) -> list[Interval]:
        terms = []
        for zi, ti in zip(z, t, strict=True):
            residual, slope = _output_error(zi, ti, p)
            terms.append(mpi_mul(residual, slope, p))
        return [
            _component(
                _sum(
                    [
                        mpi_mul(g, _point(from_float(float(c))), p)
                        for g, c in zip(terms, columns[j], strict=True)
                    ],
                    p,
                ),
                m,
                parameters[j],
                lr,
                p,
            )
            for j in indices
        ]

    for index, value in _ziv(enclosures, pending, "unit_step" if step else "unit_gradient").items():
        out[index] = value
    return out


def unit_outputs(args: UnitArguments, wanted: BoolArray) -> FloatArray:
    """σ(w·x_i + b) correctly rounded at the wanted samples (NaN elsewhere)."""
    z = _unit_z(args)
    out = np.full(len(z), np.nan)

    def enclosures(p: int, indices: list[int]) -> list[Interval]:
        return [_sigmoid(z[i], p) for i in indices]

    for i, value in _ziv(
        enclosures, [int(i) for i in np.flatnonzero(wanted)], "unit_forward"
    ).items():
        out[i] = value
    return out


# ---------------------------------------------------------------------------------------------
# The network

_QUARTER: Final = (0, 1, -2, 1)


def _increasing(f: Callable[[MpfTuple, int], Interval], z: Interval, p: int) -> Interval:
    """f over the interval z, for f increasing."""
    return f(z[0], p)[0], f(z[1], p)[1]


def _residual(t: MpfTuple, z: MpfTuple, p: int) -> Interval:
    return _output_error(z, t, p)[0]


def _slope_over(z: Interval, p: int) -> Interval:
    """σ' over the interval z: σ' decreases in |z| (T2.4), with its maximum ¼ at 0."""
    low, high = _sigmoid_prime(z[0], p), _sigmoid_prime(z[1], p)
    if z[0][0] == 0:  # z >= 0
        return high[0], low[1]
    if z[1][0] == 1 or z[1][1] == 0:  # z <= 0
        return low[0], high[1]
    below = low[0] if mpf_lt(low[0], high[0]) else high[0]
    return below, _QUARTER


class _Layers(NamedTuple):
    """Enclosures at one precision: hidden outputs a1, hidden slopes s1 (m × h), the outputs
    y and the output deltas δ2 = (y − t)σ'(z2) (m)."""

    a1: list[list[Interval]]
    s1: list[list[Interval]]
    y: list[Interval]
    delta2: list[Interval]


def _network_z1(args: NetworkArguments) -> list[list[MpfTuple]]:
    rows = [_mpf(row) for row in args.W1]
    biases = _mpf(args.b1)
    return [
        [_pre_activation(w, b, sample) for w, b in zip(rows, biases, strict=True)]
        for sample in (_mpf(x) for x in args.X)
    ]


def _layers(args: NetworkArguments, z1: list[list[MpfTuple]], p: int) -> _Layers:
    second = [_point(v) for v in _mpf(args.W2)]
    bias = _point(from_float(args.b2))
    a1, s1, y, delta2 = [], [], [], []
    for zs, target in zip(z1, args.t, strict=True):
        hidden = [_sigmoid(z, p) for z in zs]
        z2 = _sum([bias, *(mpi_mul(w, a, p) for w, a in zip(second, hidden, strict=True))], p)
        residual = _increasing(partial(_residual, from_float(float(target))), z2, p)
        a1.append(hidden)
        s1.append([_sigmoid_prime(z, p) for z in zs])
        y.append(_increasing(_sigmoid, z2, p))
        delta2.append(mpi_mul(residual, _slope_over(z2, p), p))
    return _Layers(a1, s1, y, delta2)


def network_components(args: NetworkArguments, wanted: BoolArray, step: bool) -> FloatArray:
    """(dW1 flattened, db1, dW2, db2) or the four stepped parameters, flattened, at the
    `wanted` places (NaN elsewhere). Arguments must be finite.

    dE/dW2_k = mean_i δ2_i·a1_ik and dE/db2 = mean_i δ2_i with δ2 = (y − t)σ'(z2);
    dE/dW1_kj = mean_i δ1_ik·x_ij and dE/db1_k = mean_i δ1_ik with δ1_ik = W2_k·δ2_i·σ'(z1_ik)
    (T7.2).
    """
    z1 = _network_z1(args)
    m, n = args.X.shape
    h = args.W1.shape[0]
    parameters = [*args.W1.ravel().tolist(), *args.b1.tolist(), *args.W2.tolist(), args.b2]
    second = [_point(v) for v in _mpf(args.W2)]
    inputs = [[_point(v) for v in _mpf(x)] for x in args.X]
    lr = args.lr if step else None

    def enclosures(p: int, indices: list[int]) -> list[Interval]:
        layers = _layers(args, z1, p)
        delta1 = [
            [mpi_mul(mpi_mul(w, d, p), s, p) for w, s in zip(second, slopes, strict=True)]
            for d, slopes in zip(layers.delta2, layers.s1, strict=True)
        ]
        found = []
        for index in indices:
            if index < h * n:
                k, j = divmod(index, n)
                terms = [mpi_mul(delta1[i][k], inputs[i][j], p) for i in range(m)]
            elif index < h * n + h:
                terms = [delta1[i][index - h * n] for i in range(m)]
            elif index < h * n + 2 * h:
                k = index - h * n - h
                terms = [mpi_mul(layers.delta2[i], layers.a1[i][k], p) for i in range(m)]
            else:
                terms = layers.delta2
            found.append(_component(_sum(terms, p), m, parameters[index], lr, p))
        return found

    out = np.full(len(parameters), np.nan)
    what = "network_step" if step else "network_gradient"
    for index, value in _ziv(enclosures, [int(i) for i in np.flatnonzero(wanted)], what).items():
        out[index] = value
    return out


def network_outputs(args: NetworkArguments, wanted: BoolArray) -> FloatArray:
    """σ(W2·σ(W1 x_i + b1) + b2) correctly rounded at the wanted samples (NaN elsewhere)."""
    z1 = _network_z1(args)
    out = np.full(len(z1), np.nan)

    def enclosures(p: int, indices: list[int]) -> list[Interval]:
        outputs = _layers(args, z1, p).y
        return [outputs[i] for i in indices]

    for i, value in _ziv(
        enclosures, [int(i) for i in np.flatnonzero(wanted)], "network_forward"
    ).items():
        out[i] = value
    return out


# ---------------------------------------------------------------------------------------------
# The protocol functions: elementwise correct rounding, slow


def shaped_output(y: FloatArray, batch: bool) -> FloatArray:
    """y of a batch as (m,), of one sample as a numpy float64 scalar."""
    return y if batch else y[0]


_PARAMETERS: Final = {
    "w": "w : array_like\n    The weights, shape (n,).",
    "b": "b : array_like\n    The bias, a scalar.",
    "W1": "W1 : array_like\n    The hidden weights, shape (h, n).",
    "b1": "b1 : array_like\n    The hidden biases, shape (h,).",
    "W2": "W2 : array_like\n    The output weights, shape (h,).",
    "b2": "b2 : array_like\n    The output bias, a scalar.",
    "x": "x : array_like\n    One sample, shape (n,), or a batch, shape (m, n).",
    "t": "t : array_like\n    The target: a scalar for one sample, shape (m,) for a batch.",
    "lr": "lr : array_like\n    The learning rate η, a finite positive scalar.",
}


def _documented(summary: str, returns: str, example: str) -> Callable[[_F], _F]:
    """The numpydoc docstring of one of the oracle's protocol functions, from its parameters."""

    def document(function: _F) -> _F:
        names = function.__code__.co_varnames[: function.__code__.co_argcount]
        listed = "\n".join(_PARAMETERS[name] for name in names)
        function.__doc__ = (
            f"{summary}, correctly rounded by the oracle (slow).\n\n"
            "Each component is the float64 nearest to its exact value (T7.3): what\n"
            "``neuron.reference`` is checked against. NaN everywhere if an argument is not\n"
            "finite.\n\n"
            f"Parameters\n----------\n{listed}\n\nReturns\n-------\n{returns}\n\n"
            f"Examples\n--------\n{example}\n"
        )
        return function

    return document


_OUTPUT = "numpy.float64 or numpy.ndarray\n    y: a scalar for one sample, shape (m,) for a batch."
_UNIT = "tuple of numpy.ndarray and numpy.float64\n    {}: shape (n,), and a scalar."
_NETWORK = "tuple of numpy arrays\n    {}: shapes (h, n), (h,), (h,) and a scalar."


@_documented(
    "y = σ(w·x + b) per sample, w·x + b exact",
    _OUTPUT,
    ">>> unit_forward([1e300, 1.0], -1e300, [1.0, 0.0])  # w·x + b = 0 exactly\nnp.float64(0.5)",
)
def unit_forward(w: ArrayLike, b: ArrayLike, x: ArrayLike) -> FloatArray:
    args = unit_arguments(w, b, x)
    m = args.X.shape[0]
    if not all_finite(args.w, args.b, args.X):
        return shaped_output(np.full(m, np.nan), args.batch)
    return shaped_output(unit_outputs(args, np.ones(m, dtype=bool)), args.batch)


def _unit_all(args: UnitArguments, step: bool) -> tuple[FloatArray, FloatArray]:
    n = args.w.shape[0]
    values = np.full(n + 1, np.nan)
    if all_finite(args.w, args.b, args.X, args.t):
        values = unit_components(args, np.ones(n + 1, dtype=bool), step)
    return values[:-1], values[-1]


@_documented(
    "(dE/dw, dE/db) of E = mean ½(t − σ(w·x + b))²",
    _UNIT.format("dE/dw and dE/db"),
    ">>> dw, db = unit_gradient([0.0], 0.0, [2.0], 1.0)  # −(1 − ½)·¼·(2, 1)\n"
    ">>> dw.tolist(), db\n([-0.25], np.float64(-0.125))",
)
def unit_gradient(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    return _unit_all(unit_arguments(w, b, x, t), step=False)


@_documented(
    "(w − lr·dE/dw, b − lr·dE/db)",
    _UNIT.format("The new weights and bias"),
    ">>> w, b = unit_step([0.0], 0.0, [2.0], 1.0, 0.5)\n"
    ">>> w.tolist(), b\n([0.125], np.float64(0.0625))",
)
def unit_step(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    return _unit_all(unit_arguments(w, b, x, t, lr), step=True)


@_documented(
    "y = σ(W2·σ(W1 x + b1) + b2) per sample",
    _OUTPUT,
    ">>> network_forward([[1.0]], [-1.0], [2.0], -1.0, [1.0])  # z1 = 0, z2 = 2·½ − 1 = 0\n"
    "np.float64(0.5)",
)
def network_forward(
    W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, x: ArrayLike
) -> FloatArray:
    args = network_arguments(W1, b1, W2, b2, x)
    m = args.X.shape[0]
    if not all_finite(args.W1, args.b1, args.W2, args.b2, args.X):
        return shaped_output(np.full(m, np.nan), args.batch)
    return shaped_output(network_outputs(args, np.ones(m, dtype=bool)), args.batch)


def network_split(values: FloatArray, h: int, n: int) -> tuple[FloatArray, ...]:
    """Flattened (dW1, db1, dW2, db2) back into their shapes."""
    return (
        values[: h * n].reshape(h, n),
        values[h * n : h * n + h],
        values[h * n + h : h * n + 2 * h],
        values[-1],
    )


def _network_all(args: NetworkArguments, step: bool) -> tuple[FloatArray, ...]:
    h, n = args.W1.shape
    values = np.full(h * n + 2 * h + 1, np.nan)
    if all_finite(args.W1, args.b1, args.W2, args.b2, args.X, args.t):
        values = network_components(args, np.ones(values.size, dtype=bool), step)
    return network_split(values, h, n)


@_documented(
    "(dE/dW1, dE/db1, dE/dW2, dE/db2) by backpropagation (T7.2)",
    _NETWORK.format("The four gradients"),
    ">>> dW1, db1, dW2, db2 = network_gradient([[1.0]], [-1.0], [2.0], -1.0, [1.0], 1.0)\n"
    ">>> dW1.tolist(), db1.tolist(), dW2.tolist(), db2  # δ2 = −⅛, δ1 = 2·δ2·¼\n"
    "([[-0.0625]], [-0.0625], [-0.0625], np.float64(-0.125))",
)
def network_gradient(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, x: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, ...]:
    return _network_all(network_arguments(W1, b1, W2, b2, x, t), step=False)


@_documented(
    "The four parameters after one gradient step",
    _NETWORK.format("W1, b1, W2 and b2 minus lr times their gradients"),
    ">>> network_step([[1.0]], [-1.0], [2.0], -1.0, [1.0], 1.0, 8.0)[3]  # −1 + 8·⅛\n"
    "np.float64(0.0)",
)
def network_step(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: ArrayLike,
    b1: ArrayLike,
    W2: ArrayLike,
    b2: ArrayLike,
    x: ArrayLike,
    t: ArrayLike,
    lr: ArrayLike,
) -> tuple[FloatArray, ...]:
    return _network_all(network_arguments(W1, b1, W2, b2, x, t, lr), step=True)
