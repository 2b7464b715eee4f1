"""pytest plugin: ``pytest --neuron-impl=TARGET`` runs the property catalogue as tests.

Registered under the ``pytest11`` entry point, so every pytest run in an environment where
neuron is installed loads it; without ``--neuron-impl`` (or NEURON_IMPL) it adds nothing and
imports nothing beyond this module (numpy, mpmath and Hypothesis are imported only once a
target is given). With a target it adds one test per property, named ``neuron[ID]``: a
failing property fails its test with the report's shrunk input, expected against computed
value and reproduction snippet; a property whose functions the target lacks is skipped.
The target is loaded as ``neuron verify`` loads it: built-ins in-process, anything else in a
worker process with a deadline per call. The report header names the target.

    pytest --neuron-impl=my_package.neuron --neuron-policy=ulp:4
    NEURON_IMPL=path/to/my_neuron.py pytest -k neuron
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from neuron.gate.protocol import Implementation
    from neuron.gate.report import PropertyResult

__all__ = ["ENV_VAR", "NeuronItem", "RequiredItem"]

#: The environment variable that names the target when --neuron-impl is not given.
ENV_VAR = "NEURON_IMPL"

_SESSION = pytest.StashKey["_Gate"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("neuron", "neuron: the property catalogue against an implementation")
    group.addoption(
        "--neuron-impl",
        metavar="TARGET",
        default=None,
        help=f"run the catalogue against TARGET: a dotted module, a .py file or a built-in "
        f"name (also from ${ENV_VAR})",
    )
    group.addoption(
        "--neuron-policy", metavar="POLICY", default="float64", help="float64 (default) or ulp:N"
    )
    group.addoption(
        "--neuron-profile", metavar="NAME", default="ci", help="dev, ci (default) or thorough"
    )
    group.addoption(
        "--neuron-strict",
        action="store_true",
        default=False,
        help="fail on edge findings too (properties that fail at edge inputs only)",
    )
    group.addoption(
        "--neuron-require",
        metavar="NAMES",
        default="",
        help="comma-separated protocol functions the target must provide: a missing one fails "
        "the test neuron[required] (default: none required)",
    )
    group.addoption(
        "--neuron-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="seconds one call of the target may take (default: as neuron verify)",
    )


def _target(config: pytest.Config) -> str | None:
    target: str | None = config.getoption("neuron_impl") or os.environ.get(ENV_VAR) or None
    return target


def pytest_report_header(config: pytest.Config) -> str | None:
    target = _target(config)
    if target is None:
        return None
    policy = config.getoption("neuron_policy")
    return f"neuron: target {target}, policy {policy}, profile {config.getoption('neuron_profile')}"


class _Gate:
    """The loaded target and the run's settings, shared by the session's items."""

    def __init__(self, config: pytest.Config, target: str) -> None:
        from neuron.gate.isolation import DEFAULT_TIMEOUT, open_target
        from neuron.gate.protocol import PROTOCOL
        from neuron.gate.runner import SWEEP_POINTS, profile_settings
        from neuron.gate.tolerance import parse_policy

        profile = config.getoption("neuron_profile")
        timeout = config.getoption("neuron_timeout")
        self.policy = parse_policy(config.getoption("neuron_policy"))
        self.settings = profile_settings(profile)
        self.profile = profile
        self.strict = bool(config.getoption("neuron_strict"))
        self.sweep = SWEEP_POINTS[profile]
        required = [n for n in config.getoption("neuron_require").split(",") if n]
        unknown = [n for n in required if n not in PROTOCOL]
        if unknown:
            raise ValueError(
                f"--neuron-require {','.join(unknown)}: not protocol functions; choose from "
                + ", ".join(PROTOCOL)
            )
        self.required = tuple(required)
        self.impl: Implementation = open_target(
            target, DEFAULT_TIMEOUT if timeout is None else timeout
        )
        timeout = getattr(self.impl, "timeout", None)
        self.isolation = (
            "in-process" if timeout is None else f"worker process, timeout {timeout:g} s per call"
        )


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect items
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    target = _target(config)
    if target is None:
        return
    from neuron.gate.properties import PROPERTIES
    from neuron.gate.protocol import TargetError

    try:
        config.stash[_SESSION] = _Gate(config, target)
    except (TargetError, ValueError) as error:
        raise pytest.UsageError(f"--neuron-impl {target}: {error}") from None
    added: list[pytest.Item] = []
    if config.stash[_SESSION].required:
        added.append(
            RequiredItem.from_parent(session, name="neuron[required]", nodeid="neuron[required]")
        )
    for p in PROPERTIES:
        name = f"neuron[{p.id}]"
        added.append(NeuronItem.from_parent(session, name=name, nodeid=name, property_id=p.id))
    items.extend(added)
    # tell the terminal, whose "collected N items" counts collection reports
    collected: list[pytest.Item | pytest.Collector] = [*added]
    report = pytest.CollectReport("neuron", "passed", None, collected)
    session.ihook.pytest_collectreport(report=report)


def pytest_unconfigure(config: pytest.Config) -> None:
    gate = config.stash.get(_SESSION, None)
    if gate is not None:
        gate.impl.close()


class PropertyFailedError(Exception):
    """A property of the catalogue failed; the message is the report's failure section."""


class _GateItem(pytest.Item):
    """A test of the gate: its failure is shown as the report's text, not a traceback."""

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        if isinstance(excinfo.value, PropertyFailedError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "neuron", None, self.name


class RequiredItem(_GateItem):
    """--neuron-require: fails where the target lacks a required protocol function."""

    def runtest(self) -> None:
        gate = self.config.stash[_SESSION]
        missing = [f for f in gate.required if f not in gate.impl.functions]
        if missing:
            raise PropertyFailedError(
                f"{gate.impl.name} does not provide {', '.join(missing)}, which --neuron-require "
                "names: nothing about it was checked"
            )


class NeuronItem(_GateItem):
    """One property of the catalogue, run against the session's target."""

    def __init__(self, *, property_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.property_id = property_id

    def runtest(self) -> None:
        from neuron.gate.properties import by_id
        from neuron.gate.report import Report, format_report
        from neuron.gate.runner import run_property

        gate = self.config.stash[_SESSION]
        result: PropertyResult = run_property(
            by_id(self.property_id), gate.impl, gate.policy, gate.settings, sweep_points=gate.sweep
        )
        self.user_properties.append(("points", result.points))
        if result.status == "not provided":
            pytest.skip(f"{gate.impl.name} does not provide {', '.join(result.missing)}")
        report = Report(gate.impl.name, gate.policy.name, gate.profile, None, [result])
        report.sweep, report.max_examples = gate.sweep, gate.settings.max_examples
        report.isolation, report.seconds = gate.isolation, result.seconds
        report.provided, report.strict = tuple(gate.impl.functions), gate.strict
        if result.status == "failed" or (result.status == "finding" and gate.strict):
            raise PropertyFailedError(format_report(report))
        if result.status == "finding":  # shown in the report's sections, not a failure
            self.add_report_section("call", "neuron edge finding", format_report(report))
