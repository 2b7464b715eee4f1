"""Adapters that present a framework's autograd as an implementation of the protocol.

``neuron verify torch`` and ``neuron verify jax`` load these modules (``protocol.BUILTINS``):
each builds E(w) = ½(t − σ(w·x))² in the framework, in float64, and asks the framework's
automatic differentiation for σ' and dE/dw, so that the gate checks what a user of that
framework gets. Install the framework with the extra of the same name (``neuron[torch]``,
``neuron[jax]``).
"""
