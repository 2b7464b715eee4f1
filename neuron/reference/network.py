"""The network with one sigmoid hidden layer and a sigmoid output, correctly rounded.

For one sample x (shape (n,)) or a batch X (shape (m, n)) with targets t (shape (m,)):

    z1 = W1 x + b1,  a1 = σ(z1)  (h hidden units),   z2 = W2·a1 + b2,  y = σ(z2),
    E = (1/m) Σ_i ½(t_i − y_i)²,
    δ2_i = (y_i − t_i)·σ'(z2_i),    δ1_i = W2 ⊙ σ'(z1_i) · δ2_i    (backpropagation, T7.2),
    dE/dW2 = (1/m) Σ_i δ2_i a1_i,   dE/db2 = (1/m) Σ_i δ2_i,
    dE/dW1 = (1/m) Σ_i δ1_i x_iᵀ,   dE/db1 = (1/m) Σ_i δ1_i.

Every returned component is the float64 nearest (ties to even) to the exact real value of its
function of the float64 inputs: no intermediate (z1, a1, z2, δ2, δ1) is rounded. The fast
path (``neuron.reference.bounded``, T7.4) carries each intermediate as a double word with a
proven error bound, runs the two large products W1 x and δ1ᵀx in BLAS as sums of exact
products, and decides almost every component with a rounding test; the oracle
``neuron.exact_network`` computes the rest. ``neuron.reference.SLOW_PATH`` counts those.

Conventions, as for ``neuron.reference.unit``: arguments are copied, never mutated; a zero
result is +0.0; NaN or ±∞ anywhere in the arguments makes every returned component NaN.
"""

from __future__ import annotations

from functools import partial, reduce

import numpy as np
from numpy.typing import ArrayLike

from neuron import exact_network
from neuron.exact_network import (
    NetworkArguments,
    all_finite,
    network_arguments,
    network_split,
    shaped_output,
)
from neuron.numerics.types import BoolArray, FloatArray
from neuron.reference import CHUNK, bounded
from neuron.reference.bounded import Activation, Approx

__all__ = ["network_forward", "network_gradient", "network_step"]


def _layers(args: NetworkArguments) -> tuple[Activation, Activation]:
    """The hidden layer's σ(z1), σ'(z1) (m × h) and the output's σ(z2), σ(z2) − t, σ'(z2)."""
    first = np.vstack([args.W1.T, args.b1[None, :]])  # (n + 1, h): the bias as an input
    hidden = bounded.activation(
        bounded.dot(bounded.with_ones(bounded.exact(args.X)), first), np.zeros(1)
    )
    second = np.append(args.W2, args.b2)[:, None]
    z2 = bounded.dot(bounded.with_ones(hidden.output), second)
    return hidden, bounded.activation(Approx(*(v[:, 0] for v in z2)), args.t)


def _fast_outputs(args: NetworkArguments) -> tuple[FloatArray, BoolArray]:
    return bounded.rounded(_layers(args)[1].output)


def _fast_components(args: NetworkArguments, step: bool) -> tuple[FloatArray, BoolArray]:
    """(dW1, db1, dW2, db2) or the stepped parameters, flattened, and where decided."""
    m, h = args.X.shape[0], args.W1.shape[0]
    hidden, output = _layers(args)
    delta2 = bounded.multiply(output.residual, output.slope)  # (m,)
    delta1 = Approx(*(np.empty((h, m)) for _ in range(3)))  # transposed, for δ1ᵀx
    weights2, biases1 = [], []  # per block of samples
    rows = max(1, CHUNK // h)  # samples at a time: the temporaries stay in cache
    for start in range(0, m, rows):
        part = slice(start, start + rows)
        column = Approx(*(v[part, None] for v in delta2))
        a1, s1 = (Approx(*(v[part] for v in layer)) for layer in (hidden.output, hidden.slope))
        second = bounded.exact(np.broadcast_to(args.W2, s1.high.shape))
        d1 = bounded.multiply(bounded.multiply(second, column), s1)  # δ1 = W2·δ2 ⊙ σ'(z1)
        for target, value in zip(delta1, d1, strict=True):
            target[:, part] = value.T
        weights2.append(bounded.total(bounded.multiply(column, a1)))
        biases1.append(bounded.total(d1))
    weights1 = bounded.dot(delta1, args.X)
    parts = (
        weights1,
        reduce(bounded.add, biases1),
        reduce(bounded.add, weights2),
        bounded.total(delta2),
    )
    gradient = bounded.mean(
        Approx(*(np.concatenate([np.ravel(p[k]) for p in parts]) for k in range(3))), m
    )
    parameters = np.concatenate([args.W1.ravel(), args.b1, args.W2, [args.b2]])
    result = bounded.step(parameters, gradient, args.lr) if step else gradient
    values, decided = bounded.rounded(result)
    # Exact zeros: W2_k = 0 silences hidden unit k's δ1; an input zero in every sample, its
    # column of dE/dW1.
    silent: BoolArray = np.equal(args.W2, 0.0)
    zero = np.concatenate(
        [
            np.logical_or.outer(silent, ~np.any(args.X, axis=0)).ravel(),
            silent,
            np.zeros(args.W2.shape[0] + 1, dtype=bool),
        ]
    )
    values = np.where(zero, parameters + 0.0 if step else 0.0, values)
    return values, decided | zero


def _outputs(args: NetworkArguments) -> FloatArray:
    values = np.full(args.X.shape[0], np.nan)
    if all_finite(args.W1, args.b1, args.W2, args.b2, args.X):
        oracle = partial(exact_network.network_outputs, args)
        values = bounded.settle("network_forward", partial(_fast_outputs, args), oracle)
    return shaped_output(values, args.batch)


def _components(args: NetworkArguments, step: bool) -> tuple[FloatArray, ...]:
    h, n = args.W1.shape
    values = np.full(h * n + 2 * h + 1, np.nan)
    if all_finite(args.W1, args.b1, args.W2, args.b2, args.X, args.t):
        values = bounded.settle(
            "network_step" if step else "network_gradient",
            partial(_fast_components, args, step),
            partial(exact_network.network_components, args, step=step),
        )
    return network_split(values, h, n)


def network_forward(
    W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, x: ArrayLike
) -> FloatArray:
    """The network's output y = σ(W2·σ(W1 x + b1) + b2), correctly rounded.

    Parameters
    ----------
    W1 : array_like
        Hidden weights, shape (h, n), h, n >= 1.
    b1 : array_like
        Hidden biases, shape (h,).
    W2 : array_like
        Output weights, shape (h,).
    b2 : array_like
        Output bias, a scalar.
    x : array_like
        One sample, shape (n,), or a batch, shape (m, n).

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to the exact output: a numpy float64 for one sample, shape (m,)
        for a batch. NaN everywhere if an argument holds NaN or ±∞.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers (the message names it).
    ValueError
        If an argument has the wrong shape (the message names it and the shape expected).

    Examples
    --------
    >>> network_forward([[1.0, -1.0]], [0.0], [4.0], -2.0, [3.0, 3.0])  # z1 = 0, z2 = 0
    np.float64(0.5)
    """
    return _outputs(network_arguments(W1, b1, W2, b2, x))


def network_gradient(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: ArrayLike, b1: ArrayLike, W2: ArrayLike, b2: ArrayLike, x: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, ...]:
    """The gradient (dE/dW1, dE/db1, dE/dW2, dE/db2) by backpropagation (T7.2), correctly rounded.

    δ2 = (y − t)·σ'(z2) at the output, δ1 = W2·δ2 ⊙ σ'(z1) at the hidden layer; each weight's
    gradient is the batch mean of its δ times its input. Every component is the float64
    nearest to its exact value; the intermediates are exact reals, not rounded.

    Parameters
    ----------
    W1, b1, W2, b2 : array_like
        The parameters: shapes (h, n), (h,), (h,) and a scalar.
    x : array_like
        One sample, shape (n,), or a batch, shape (m, n).
    t : array_like
        The target: a scalar for one sample, shape (m,) for a batch.

    Returns
    -------
    tuple of numpy arrays
        dE/dW1 (h, n), dE/db1 (h,), dE/dW2 (h,) and dE/db2 (a numpy float64); NaN
        everywhere if an argument holds NaN or ±∞.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If an argument has the wrong shape, or t does not match x.

    Examples
    --------
    >>> dW1, db1, dW2, db2 = network_gradient([[1.0]], [-1.0], [2.0], -1.0, [1.0], 1.0)
    >>> dW1.tolist(), db1.tolist(), dW2.tolist(), db2  # δ2 = (½ − 1)·¼, δ1 = 2·δ2·¼
    ([[-0.0625]], [-0.0625], [-0.0625], np.float64(-0.125))
    """
    return _components(network_arguments(W1, b1, W2, b2, x, t), step=False)


def network_step(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: ArrayLike,
    b1: ArrayLike,
    W2: ArrayLike,
    b2: ArrayLike,
    x: ArrayLike,
    t: ArrayLike,
    lr: ArrayLike,
) -> tuple[FloatArray, ...]:
    """One gradient-descent step of all four parameters, each component rounded once.

    Parameters
    ----------
    W1, b1, W2, b2 : array_like
        The parameters: shapes (h, n), (h,), (h,) and a scalar; not modified.
    x : array_like
        One sample, shape (n,), or a batch, shape (m, n).
    t : array_like
        The target(s), as for `network_gradient`.
    lr : array_like
        The learning rate η, a finite positive scalar.

    Returns
    -------
    tuple of numpy arrays
        W1 − lr·dE/dW1, b1 − lr·dE/db1, W2 − lr·dE/dW2 and b2 − lr·dE/db2, each component
        the float64 nearest to its exact value.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If an argument has the wrong shape, or the learning rate is not finite and positive.

    Examples
    --------
    >>> W1, b1, W2, b2 = network_step([[1.0]], [-1.0], [2.0], -1.0, [1.0], 1.0, 8.0)
    >>> W1.tolist(), b1.tolist(), W2.tolist(), b2  # each minus 8 times its gradient
    ([[1.5]], [-0.5], [2.5], np.float64(0.0))
    """
    return _components(network_arguments(W1, b1, W2, b2, x, t, lr), step=True)
