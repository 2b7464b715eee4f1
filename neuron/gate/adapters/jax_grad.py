"""The neuron as JAX computes it in float64: jax.nn.sigmoid forward, jax.grad backward.

Importing this module turns on JAX's 64-bit mode (``jax_enable_x64``) for the process:
without it JAX computes in float32. σ is ``jax.nn.sigmoid``; σ' and dE/dw are ``jax.grad``
of σ(z) and of E(w) = ½(t − σ(w·x))², mapped over the elements with ``jax.vmap`` and run
eagerly (σ, w·x and the loss are compiled with ``jax.jit``): under ``jax.jit`` XLA rewrites
the backward pass, and the rewritten dE/dw is NaN at (w, x, t) = (0, 0, MAX_FLOAT), where
the eager one gives the exact 0.

The step is w − lr·dE/dw. Arguments are broadcast to one shape and flattened first; results
are numpy float64 arrays of that shape.

XLA on the CPU treats subnormal inputs as zero: σ(w·x) at (1.4e308, 1.5e−310) is ½ instead
of 0.505, so ``neuron verify jax`` fails the float64 policy wherever an argument is subnormal.

E is written ½·r·r with r = t − σ(w·x): jax.grad of ½·r**2 forms 2r, which overflows for
|t − y| >= 2^1023 and gives ∞·0 = NaN where x = 0 (as torch does; see torch_autograd).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from numpy.typing import ArrayLike

from neuron.numerics.types import FloatArray

_config: Any = jax.config  # typed in some jax releases, not in others
_config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402 - after 64-bit mode is on


def _energy(w: Any, x: Any, t: Any) -> Any:
    residual = t - jax.nn.sigmoid(w * x)
    return 0.5 * residual * residual


_slope = jax.vmap(jax.grad(jax.nn.sigmoid))
_gradient = jax.vmap(jax.grad(_energy))


_sigmoid = jax.jit(jax.nn.sigmoid)
_forward = jax.jit(lambda w, x: jax.nn.sigmoid(w * x))
_loss = jax.jit(lambda y, t: 0.5 * (t - y) ** 2)
_step = jax.jit(lambda w, lr, g: w - lr * g)


def _elementwise(function: Callable[..., Any], *args: ArrayLike) -> FloatArray:
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    flat = [jnp.asarray(a.ravel()) for a in arrays]
    return np.asarray(function(*flat), dtype=np.float64).reshape(arrays[0].shape)


def sigmoid(z: ArrayLike) -> FloatArray:
    return _elementwise(_sigmoid, z)


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    return _elementwise(_slope, z)


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    return _elementwise(_forward, w, x)


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    return _elementwise(_loss, y, t)


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    return _elementwise(_gradient, w, x, t)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
    return _elementwise(_step, w, lr, gradient(w, x, t))
