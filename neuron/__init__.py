"""The single sigmoid neuron of the backpropagation derivation, correct to the last bit.

The neuron is y = σ(w·x) with loss E = ½(t − y)²; the chain rule gives
dE/dw = −(t − y)·σ(wx)(1 − σ(wx))·x and the update w ← w − η·dE/dw.

The reference (correctly rounded in float64, float32, float16 and bfloat16, the inputs' dtype)
is re-exported here; ``neuron.exact`` is the mpmath oracle,
``neuron.gate.properties`` the catalogue that ``neuron verify`` runs against any implementation.

Examples
--------
>>> import neuron
>>> neuron.forward(w=0.5, x=2.0), neuron.gradient(w=0.0, x=2.0, t=1.0)
(np.float64(0.7310585786300049), np.float64(-0.25))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neuron.reference import (
        TrainingHistory,
        forward,
        gradient,
        loss,
        sigmoid,
        sigmoid_prime,
        step,
        train,
    )

__version__ = "0.1.0"

__all__ = [
    "TrainingHistory",
    "__version__",
    "forward",
    "gradient",
    "loss",
    "sigmoid",
    "sigmoid_prime",
    "step",
    "train",
]


def __dir__() -> list[str]:
    """The public names, for ``dir(neuron)`` and tab completion, without importing them.

    Examples
    --------
    >>> import neuron
    >>> [name for name in dir(neuron) if name in ("gradient", "sigmoid", "train")]
    ['gradient', 'sigmoid', 'train']
    """
    return sorted(set(globals()) | set(__all__))


def __getattr__(name: str) -> Any:
    """The reference's functions, imported on first use (PEP 562).

    ``import neuron`` stays free of numpy and mpmath, so that the pytest plugin
    (``neuron.pytest_plugin``), which every pytest run in an environment with neuron loads,
    costs nothing until ``--neuron-impl`` asks for it.
    """
    if name in __all__:
        from neuron import reference

        return getattr(reference, name)
    raise AttributeError(f"module 'neuron' has no attribute {name!r}")
