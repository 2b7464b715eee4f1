"""A module that is not an implementation: its functions have other names than the protocol's.

``neuron verify`` must refuse it with exit status 2 and one line naming the missing functions.
"""

from __future__ import annotations

import math


def logistic(value: float) -> float:
    return 1.0 / (1.0 + math.exp(-value))


def mse(prediction: float, target: float) -> float:
    return (target - prediction) ** 2
