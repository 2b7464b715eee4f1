"""The seed's formulas with Python's ``math``: one float in, one float out, no arrays.

``math.exp`` raises OverflowError where numpy's exp returns ∞, so σ branches on the sign of z
(the stable form). The sweep cannot pass it arrays; it falls back to one call per point. It
MUST PASS ``sigmoid-exact`` and ``loss-exact`` under ``float64``.
"""

from __future__ import annotations

import math


def sigmoid(z: float) -> float:
    if math.isnan(z):
        return z
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def loss(y: float, t: float) -> float:
    r = t - y
    return 0.5 * r * r if abs(r) < 1e154 else (0.5 * abs(r)) * abs(r)
