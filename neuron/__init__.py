"""The single sigmoid neuron of the backpropagation derivation, correct to the last bit.

The neuron is y = σ(w·x) with loss E = ½(t − y)²; the chain rule gives
dE/dw = −(t − y)·σ(wx)(1 − σ(wx))·x and the update w ← w − η·dE/dw.

The reference (correctly rounded in float64, float32, float16 and bfloat16, the inputs' dtype)
is re-exported here, with the float64 neuron of n inputs and a bias (``unit_forward``,
``unit_gradient``, ``unit_step``) and the network with one hidden layer (``network_forward``,
``network_gradient``, ``network_step``); ``neuron.exact`` and ``neuron.exact_network`` are the
mpmath oracles, ``neuron.gate.properties`` the catalogue that ``neuron verify`` runs against
any implementation.

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
    from neuron.reference.network import network_forward, network_gradient, network_step
    from neuron.reference.unit import unit_forward, unit_gradient, unit_step

__version__ = "0.1.0"

__all__ = [
    "TrainingHistory",
    "__version__",
    "forward",
    "gradient",
    "loss",
    "network_forward",
    "network_gradient",
    "network_step",
    "sigmoid",
    "sigmoid_prime",
    "step",
    "train",
    "unit_forward",
    "unit_gradient",
    "unit_step",
]

#: Where each public name lives, when not in ``neuron.reference`` itself.
_MODULES = {
    **dict.fromkeys(("unit_forward", "unit_gradient", "unit_step"), "unit"),
    **dict.fromkeys(("network_forward", "network_gradient", "network_step"), "network"),
}


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
    """The reference's functions, imported on first use (PEP 562): the single neuron's from
    ``neuron.reference``, the unit's and the network's from its modules ``unit`` and ``network``.

    ``import neuron`` stays free of numpy and mpmath, so that the pytest plugin
    (``neuron.pytest_plugin``), which every pytest run in an environment with neuron loads,
    costs nothing until ``--neuron-impl`` asks for it.
    """
    if name in __all__:
        import importlib

        module = f"neuron.reference.{_MODULES[name]}" if name in _MODULES else "neuron.reference"
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module 'neuron' has no attribute {name!r}")
