"""The property catalogue: what any implementation of the neuron must satisfy, as data.

Each Property names the theorems it relies on, the protocol functions it needs, the Hypothesis
strategy of its inputs, pinned hard cases, and its check (``neuron.gate.checks``), which
returns the error and the error allowed at each input. ``PROPERTIES`` lists them by family:
the comparisons with the oracle, the gradient by independent routes, the identities of σ, and
the step with the loss it lowers. The same catalogue is run by this repository's tests
(against the reference) and by ``neuron verify`` (against anyone's code).

To add a property: write its check in ``neuron.gate.checks`` (allowance from the policy and a
theorem), its inputs below, and its record in ``PROPERTIES`` under its family.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from neuron.gate import checks, strategies
from neuron.gate.checks import Args, Check
from neuron.gate.protocol import PROTOCOL
from neuron.numerics import bounds, fd

__all__ = ["PROPERTIES", "Property", "by_id"]


@dataclass(frozen=True)
class Property:
    """One entry of the catalogue."""

    id: str
    title: str
    theorems: tuple[str, ...]
    requires: tuple[str, ...]
    inputs: Callable[[], SearchStrategy[Args]]
    check: Check
    examples: tuple[Args, ...] = field(default=())
    #: For the comparisons with the oracle: the function swept at 10^5 points (neuron.gate.sweep).
    sweep: str | None = None
    #: The kind of each argument ("w", "x", "t", "lr", "z", "y"; neuron.gate.domains), which
    #: says whether an input is ordinary; by default the swept function's parameters.
    arguments: tuple[str, ...] = ()

    def kinds(self) -> tuple[str, ...]:
        """The kind of each argument of `check`."""
        if self.arguments:
            return self.arguments
        return PROTOCOL[self.sweep] if self.sweep is not None else ()


# ---------------------------------------------------------------------------------------------
# Inputs


def _z() -> SearchStrategy[Args]:
    return st.one_of(strategies.z_values(), strategies.special_floats()).map(lambda z: (z,))


def _finite_z() -> SearchStrategy[Args]:
    return strategies.z_values().map(lambda z: (z,))


def _z_pairs() -> SearchStrategy[Args]:
    close = strategies.z_values().flatmap(lambda z: st.tuples(st.just(z), strategies.near(z, 16)))
    return st.one_of(close, st.tuples(strategies.z_values(), strategies.z_values()))


def _forward_inputs() -> SearchStrategy[Args]:
    return strategies.neuron_inputs(allow_nonfinite=True).map(lambda a: a[:2])


def _gradient_inputs() -> SearchStrategy[Args]:
    return strategies.neuron_inputs(allow_nonfinite=True)


def _step_inputs() -> SearchStrategy[Args]:
    return st.tuples(
        strategies.neuron_inputs(allow_nonfinite=True), strategies.learning_rates()
    ).map(lambda a: (*a[0], a[1]))


def _loss_inputs() -> SearchStrategy[Args]:
    return strategies.loss_inputs()


def _moderate_neurons(max_z: float) -> SearchStrategy[Args]:
    """(w, x, t), finite, x ≠ 0, |w·x| <= max_z: where numerical differentiation is meaningful."""
    return strategies.neuron_inputs().filter(
        lambda a: (
            all(math.isfinite(v) for v in a)
            and a[1] != 0
            and abs(a[0] * a[1]) <= max_z
            and abs(a[2]) < 1e150
        )
    )


def _fd_inputs() -> SearchStrategy[Args]:
    """Moderate z, t and x scaled so that w ± h stays far from overflow and underflow."""
    return st.tuples(
        st.floats(-30, 30),
        strategies.log_uniform_floats(-40, 40),
        st.one_of(st.floats(0, 1), st.floats(-4, 5)),
    ).map(lambda a: (a[0] / a[1], a[1], a[2]))


def _rate_family() -> SearchStrategy[Args]:
    return st.tuples(st.floats(0.1, 1.0), strategies.log_uniform_floats(-100, 100))


def _convergence_inputs() -> SearchStrategy[Args]:
    return st.tuples(
        strategies.log_uniform_floats(-100, 100), st.floats(0.1, 0.9), st.floats(-1.0, 1.0)
    ).filter(lambda a: a[2] != 0.0)


PROPERTIES: Final[tuple[Property, ...]] = (
    # Each function against the oracle (T6.1, T6.3): round values, the search, the sweep
    Property(
        id="sigmoid-exact",
        title="σ(z) against the oracle",
        theorems=("T6.1", "T6.3"),
        requires=("sigmoid",),
        inputs=_z,
        check=checks.exact_check("sigmoid"),
        examples=tuple((z,) for z in strategies.HARD_Z),
        sweep="sigmoid",
    ),
    Property(
        id="sigmoid_prime-exact",
        title="σ'(z) against the oracle",
        theorems=("T1.2", "T6.1", "T6.3"),
        requires=("sigmoid_prime",),
        inputs=_z,
        check=checks.exact_check("sigmoid_prime"),
        examples=tuple((z,) for z in strategies.HARD_Z),
        sweep="sigmoid_prime",
    ),
    Property(
        id="forward-exact",
        title="σ(w·x) against the oracle, w·x exact",
        theorems=("T6.1", "T6.3"),
        requires=("forward",),
        inputs=_forward_inputs,
        check=checks.exact_check("forward"),
        examples=(
            (1e-300, 1e300),
            (0.0, math.inf),
            (2.0**-600, 2.0**600 * 30.0),
            (1e200, 1e200),
            (2.0**-30, 1.0),
        ),
        sweep="forward",
    ),
    Property(
        id="loss-exact",
        title="½(t − y)² against the oracle",
        theorems=("T6.1", "T6.3"),
        requires=("loss",),
        inputs=_loss_inputs,
        check=checks.exact_check("loss"),
        examples=((0.1, 0.1 + 2**-56), (-1e308, 1e308), (1e-200, 0.0), (0.3, math.nan)),
        sweep="loss",
    ),
    Property(
        id="gradient-exact",
        title="dE/dw against the oracle",
        theorems=("T1.4", "T6.1", "T6.3"),
        requires=("gradient",),
        inputs=_gradient_inputs,
        check=checks.exact_check("gradient"),
        examples=(
            (0.0, 1.0, 0.5),
            (-1.0, 2.0, 0.5),
            (1.0, 0.0, 2.0),
            (1e-300, 1e300, 1.0),
            (3.0, 250.0, 0.0),
            (-2.0, 400.0, 1e300),
            (1.0, math.inf, 0.5),
        ),
        sweep="gradient",
    ),
    Property(
        id="step-exact",
        title="w − η·dE/dw against the oracle",
        theorems=("T1.4", "T6.1", "T6.3"),
        requires=("step",),
        inputs=_step_inputs,
        check=checks.exact_check("step"),
        examples=((0.0, 1.0, 1.0, 0.5), (1e300, 1e10, 0.0, 1e300), (-1.0, 2.0, 0.25, 1e-300)),
        sweep="step",
    ),
    # The gradient by routes that never use the chain rule (T1.4, T5.1, T5.2)
    Property(
        id="gradient-differentiated",
        title="dE/dw against mpmath's numerical differentiation of E(w)",
        theorems=("T1.1", "T1.2", "T1.3", "T1.4"),
        requires=("gradient",),
        inputs=lambda: _moderate_neurons(700.0),
        check=checks.differentiated,
        examples=((0.5, 2.0, 0.25), (1e-300, 1e300, 1.0), (-0.25, 2800.0, 0.0)),
        arguments=("w", "x", "t"),
    ),
    Property(
        id="gradient-central-difference",
        title="dE/dw against a central difference of E(w)",
        theorems=("T5.1", "T3.4"),
        requires=("forward", "loss", "gradient"),
        inputs=_fd_inputs,
        check=checks.fd_check(fd.central_difference, 3),
        examples=((0.5, 2.0, 0.25), (-3.0, 1e-10, 0.9)),
        arguments=("w", "x", "t"),
    ),
    Property(
        id="gradient-richardson",
        title="dE/dw against a Richardson-extrapolated difference of E(w)",
        theorems=("T5.2", "T3.4"),
        requires=("forward", "loss", "gradient"),
        inputs=_fd_inputs,
        check=checks.fd_check(fd.richardson, 5),
        examples=((0.5, 2.0, 0.25),),
        arguments=("w", "x", "t"),
    ),
    # Identities and bounds of σ, checked on the implementation itself (T1.2, T2.1–T2.6)
    Property(
        id="sigmoid-prime-product",
        title="σ'(z) = σ(z)·σ(−z)",
        theorems=("T1.2",),
        requires=("sigmoid", "sigmoid_prime"),
        inputs=_finite_z,
        check=checks.sigmoid_prime_product,
        examples=tuple((z,) for z in strategies.HARD_Z),
        arguments=("z",),
    ),
    Property(
        id="sigmoid-prime-complement",
        title="σ'(z) = σ(z)(1 − σ(z))",
        theorems=("T1.2",),
        requires=("sigmoid", "sigmoid_prime"),
        inputs=_finite_z,
        check=checks.sigmoid_prime_complement,
        arguments=("z",),
    ),
    Property(
        id="sigmoid-symmetry",
        title="σ(−z) = 1 − σ(z)",
        theorems=("T2.1",),
        requires=("sigmoid",),
        inputs=_finite_z,
        check=checks.sigmoid_symmetry,
        arguments=("z",),
    ),
    Property(
        id="sigmoid-tanh",
        title="σ(z) = (1 + tanh(z/2))/2",
        theorems=("T2.2",),
        requires=("sigmoid",),
        inputs=_finite_z,
        check=checks.sigmoid_tanh,
        arguments=("z",),
    ),
    Property(
        id="sigmoid-second-derivative",
        title="σ'' = σ'(1 − 2σ), by a central difference of σ'",
        theorems=("T2.3", "T2.7", "T5.1"),
        requires=("sigmoid", "sigmoid_prime"),
        inputs=lambda: st.floats(-30, 30).map(lambda z: (z,)),
        check=checks.second_derivative,
        examples=((0.0,), (1.3169578969248166,), (-25.0,)),
        arguments=("z",),
    ),
    Property(
        id="sigmoid-range",
        title="0 <= σ <= 1 and 0 <= σ' <= σ'(0) = 1/4",
        theorems=("T2.4",),
        requires=("sigmoid", "sigmoid_prime"),
        inputs=_z,
        check=checks.sigmoid_range,
        arguments=("z",),
    ),
    Property(
        id="sigmoid-monotone",
        title="σ is non-decreasing, within the allowed errors",
        theorems=("T2.6",),
        requires=("sigmoid",),
        inputs=_z_pairs,
        check=checks.sigmoid_monotone,
        arguments=("z", "z"),
    ),
    # The step, and the loss it lowers (T1.4, T3.2, T4.1–T4.3)
    Property(
        id="step-definition",
        title="step = w − η·gradient",
        theorems=("T1.4",),
        requires=("step", "gradient"),
        inputs=lambda: _step_inputs().filter(lambda a: all(math.isfinite(v) for v in a)),
        check=checks.step_definition,
        arguments=("w", "x", "t", "lr"),
    ),
    Property(
        id="loss-descent",
        title="the loss after a step obeys the descent lemma for η <= 2/(Cx²)",
        theorems=("T3.2", "T4.1"),
        requires=("step",),
        inputs=strategies.descent_inputs,
        check=checks.descent,
        examples=((0.0, 1.0, 1.0, 2 / bounds.CURVATURE_C), (0.2, 1.0, 0.0, 25.0)),
        arguments=("w", "x", "t", "lr"),
    ),
    Property(
        id="loss-increase",
        title="η far above 2/(Cx²) can increase the loss",
        theorems=("T4.2",),
        requires=("step",),
        inputs=_rate_family,
        check=checks.large_rate_increases,
        examples=((0.2, 1.0), (0.1, 1e-30)),
        arguments=("z", "x"),
    ),
    Property(
        id="step-convergence",
        title="steps with η = 1/(Cx²) converge monotonically to logit(t)/x",
        theorems=("T4.3",),
        requires=("step",),
        inputs=_convergence_inputs,
        check=checks.convergence,
        examples=((1.0, 0.75, 1.0),),
        arguments=("x", "t", "z"),
    ),
)


def by_id(identifier: str) -> Property:
    """The property with this id."""
    for p in PROPERTIES:
        if p.id == identifier:
            return p
    raise KeyError(identifier)
