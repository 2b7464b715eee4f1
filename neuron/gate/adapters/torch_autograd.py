"""The neuron as PyTorch computes it in float64: torch.sigmoid forward, torch.autograd backward.

σ is ``torch.sigmoid``; σ' and dE/dw come from ``torch.autograd.grad`` of σ(z) and of
E(w) = ½(t − σ(w·x))², summed over the batch (each term depends on its own w only, so the
gradient of the sum is the elementwise one). The step is w − lr·dE/dw. Arguments are
broadcast to one shape first; results are numpy float64 arrays.

E is written ½·r·r with r = t − σ(w·x). Written ½·r**2 (or with torch.square, or as
mse_loss/2), autograd differentiates r² as 2r, which overflows for |t − y| >= 2^1023 and
turns dE/dw into ∞·0 = NaN where x = 0, although dE/dw = 0 there: ``neuron verify`` finds
that at (w, x, t) = (0, 0, 2^1023). The product form differentiates to ½r + ½r.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy.typing import ArrayLike

from neuron.numerics.types import FloatArray


def _tensors(*args: ArrayLike) -> list[torch.Tensor]:
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    return [torch.tensor(np.array(a), dtype=torch.float64) for a in arrays]


def _array(tensor: torch.Tensor) -> FloatArray:
    return np.asarray(tensor.detach().numpy(), dtype=np.float64)


def sigmoid(z: ArrayLike) -> FloatArray:
    (zt,) = _tensors(z)
    return _array(torch.sigmoid(zt))


def sigmoid_prime(z: ArrayLike) -> FloatArray:
    (zt,) = _tensors(z)
    zt.requires_grad_(True)
    (slope,) = torch.autograd.grad(torch.sigmoid(zt).sum(), zt)
    return _array(slope)


def forward(w: ArrayLike, x: ArrayLike) -> FloatArray:
    wt, xt = _tensors(w, x)
    return _array(torch.sigmoid(wt * xt))


def loss(y: ArrayLike, t: ArrayLike) -> FloatArray:
    yt, tt = _tensors(y, t)
    return _array(0.5 * (tt - yt) ** 2)


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> FloatArray:
    wt, xt, tt = _tensors(w, x, t)
    wt.requires_grad_(True)
    residual = tt - torch.sigmoid(wt * xt)
    energy = 0.5 * residual * residual
    (g,) = torch.autograd.grad(energy.sum(), wt)
    return _array(g)


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> FloatArray:
    wt, _, _, lrt = _tensors(w, x, t, lr)
    g = torch.from_numpy(gradient(w, x, t).reshape(wt.shape))
    return _array(wt - lrt * g)
