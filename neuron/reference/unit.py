"""The neuron with n inputs and a bias, correctly rounded: y = σ(w·x + b), E = mean ½(t − y)².

For one sample x (shape (n,)) or a batch X (shape (m, n)) with targets t (shape (m,)):

    z_i = w·x_i + b,   y_i = σ(z_i),   E = (1/m) Σ_i ½(t_i − y_i)²,
    dE/dz_i = (y_i − t_i)·σ'(z_i)/m,   dE/dw = Σ_i dE/dz_i·x_i,   dE/db = Σ_i dE/dz_i   (T7.1).

Every returned component is the float64 nearest (ties to even) to the exact real value of its
function of the float64 inputs, z taken exactly, even where w·x + b cancels. How: the fast path
of ``neuron.reference.bounded`` carries every quantity as a double word with a proven error
bound (T7.4) and its rounding test decides almost every component; what it leaves undecided
is computed by the oracle ``neuron.exact_network`` (T7.3). ``neuron.reference.SLOW_PATH``
counts the components handed to the oracle, under the function's name.

Conventions: arguments are converted to float64 (real numeric dtypes only) and copied, never
mutated; a zero result is +0.0; if any argument holds NaN or ±∞, every returned component is
NaN, with no exception and no warning.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy.typing import ArrayLike

from neuron import exact_network
from neuron.exact_network import UnitArguments, all_finite, shaped_output, unit_arguments
from neuron.numerics.types import BoolArray, FloatArray
from neuron.reference import bounded
from neuron.reference.bounded import Approx

__all__ = ["unit_forward", "unit_gradient", "unit_step"]


def _column(a: Approx, index: int) -> Approx:
    return Approx(a.high[:, index], a.low[:, index], a.bound[:, index])


def _pre_activations(args: UnitArguments) -> Approx:
    """z_i = w·x_i + b as double words (the bias is one more input of value 1)."""
    weights = np.concatenate([args.w, [args.b]])[:, None]
    return _column(bounded.dot(bounded.with_ones(bounded.exact(args.X)), weights), 0)


def _fast_outputs(args: UnitArguments) -> tuple[FloatArray, BoolArray]:
    z = _pre_activations(args)
    return bounded.rounded(bounded.activation(z, np.zeros_like(z.high)).output)


def _fast_components(args: UnitArguments, step: bool) -> tuple[FloatArray, BoolArray]:
    """(dE/dw, dE/db) or (w', b') as one vector of n + 1, and where it is decided."""
    m = args.X.shape[0]
    layer = bounded.activation(_pre_activations(args), args.t)
    delta = bounded.multiply(layer.residual, layer.slope)  # m·dE/dz
    weights = bounded.dot(Approx(*(v[None, :] for v in delta)), args.X)
    bias = bounded.total(delta)
    gradient = bounded.mean(
        Approx(*(np.append(w[0], b) for w, b in zip(weights, bias, strict=True))), m
    )
    parameters = np.append(args.w, args.b)
    result = bounded.step(parameters, gradient, args.lr) if step else gradient
    values, decided = bounded.rounded(result)
    # An input that is zero in every sample has an exactly zero gradient component.
    unused = np.append(~args.X.any(axis=0), False)
    values = np.where(unused, parameters + 0.0 if step else 0.0, values)
    return values, decided | unused


def _outputs(args: UnitArguments) -> FloatArray:
    values = np.full(args.X.shape[0], np.nan)
    if all_finite(args.w, args.b, args.X):
        oracle = partial(exact_network.unit_outputs, args)
        values = bounded.settle("unit_forward", partial(_fast_outputs, args), oracle)
    return shaped_output(values, args.batch)


def _components(args: UnitArguments, step: bool) -> tuple[FloatArray, FloatArray]:
    values = np.full(args.w.shape[0] + 1, np.nan)
    if all_finite(args.w, args.b, args.X, args.t):
        values = bounded.settle(
            "unit_step" if step else "unit_gradient",
            partial(_fast_components, args, step),
            partial(exact_network.unit_components, args, step=step),
        )
    return values[:-1], values[-1]


def unit_forward(w: ArrayLike, b: ArrayLike, x: ArrayLike) -> FloatArray:
    """The forward pass y = σ(w·x + b), w·x + b taken exactly, correctly rounded.

    Parameters
    ----------
    w : array_like
        The weights, shape (n,), n >= 1, of a real numeric dtype.
    b : array_like
        The bias, a real scalar.
    x : array_like
        One sample, shape (n,), or a batch of m >= 1 samples, shape (m, n).

    Returns
    -------
    numpy.float64 or numpy.ndarray
        The float64 nearest to σ(w·x_i + b) for each sample: a numpy float64 for one sample,
        shape (m,) for a batch. NaN everywhere if an argument holds NaN or ±∞.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers (the message names it).
    ValueError
        If an argument has the wrong shape (the message names it and the shape expected).

    Examples
    --------
    >>> unit_forward([2.0, -1.0], 0.5, [0.25, 1.0])  # z = 0.5 − 1 + 0.5 = 0
    np.float64(0.5)
    >>> unit_forward([1e20, 1.0], -1e20, [[1.0, 1.0], [1.0, -1.0]]).tolist()  # z = ±1 exactly
    [0.7310585786300049, 0.2689414213699951]
    """
    return _outputs(unit_arguments(w, b, x))


def unit_gradient(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, t: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """The gradient (dE/dw, dE/db) of E = mean over the batch of ½(t − σ(w·x + b))² (T7.1).

    dE/dw = Σ_i dE/dz_i·x_i and dE/db = Σ_i dE/dz_i with dE/dz_i = (y_i − t_i)·σ'(z_i)/m: the
    vector chain rule. Each component is correctly rounded; intermediate values are exact.

    Parameters
    ----------
    w : array_like
        The weights, shape (n,).
    b : array_like
        The bias, a scalar.
    x : array_like
        One sample, shape (n,), or a batch, shape (m, n).
    t : array_like
        The target: a scalar for one sample, shape (m,) for a batch.

    Returns
    -------
    tuple of numpy.ndarray and numpy.float64
        dE/dw, shape (n,), and dE/db; NaN everywhere if an argument holds NaN or ±∞.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If an argument has the wrong shape, or t does not match x.

    Examples
    --------
    >>> dw, db = unit_gradient([0.0, 0.0], 0.0, [2.0, -4.0], 1.0)  # dE/dz = −(1 − ½)·¼
    >>> dw.tolist(), db
    ([-0.25, 0.5], np.float64(-0.125))
    >>> dw, db = unit_gradient([1.0], 0.0, [[1.0], [-1.0]], [0.25, 0.75])  # cancels exactly
    >>> dw.tolist(), db
    ([0.09458185714684467], np.float64(0.0))
    """
    return _components(unit_arguments(w, b, x, t), step=False)


def unit_step(
    w: ArrayLike, b: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """One gradient-descent step (w − lr·dE/dw, b − lr·dE/db), each component rounded once.

    Parameters
    ----------
    w : array_like
        The weights, shape (n,); not modified.
    b : array_like
        The bias, a scalar.
    x : array_like
        One sample, shape (n,), or a batch, shape (m, n).
    t : array_like
        The target(s), as for `unit_gradient`.
    lr : array_like
        The learning rate η, a finite positive scalar.

    Returns
    -------
    tuple of numpy.ndarray and numpy.float64
        The new weights, shape (n,), and the new bias, each the float64 nearest to its exact
        value.

    Raises
    ------
    TypeError
        If an argument is not made of real numbers.
    ValueError
        If an argument has the wrong shape, or the learning rate is not finite and positive.

    Examples
    --------
    >>> w, b = unit_step([0.0, 0.0], 0.0, [2.0, -4.0], 1.0, 0.5)
    >>> w.tolist(), b
    ([0.125, -0.25], np.float64(0.0625))
    >>> unit_step([0.0], 0.0, [1.0], 1.0, 0.0)
    Traceback (most recent call last):
        ...
    ValueError: learning rate must be finite and positive, got 0.0
    """
    return _components(unit_arguments(w, b, x, t, lr), step=True)
