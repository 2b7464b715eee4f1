"""The torch and jax targets (neuron/gate/adapters/): each framework's autograd, in float64, gated.

They need the framework (the `torch` and `jax` extras); without it these tests skip. tox's
`adapters` env installs both (torch 2.13.0, the CPU build) and runs this file.
docs/tolerance.md: PyTorch autograd passes the float64 policy; autograd's σ(1 − σ) fails ulp:1.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import numpy as np
import pytest

from neuron import cli
from neuron.gate import runner as verify
from neuron.gate.protocol import PROTOCOL, load
from neuron.gate.tolerance import Float64Policy, UlpPolicy

FLOAT64 = Float64Policy()


def _require(name: str) -> ModuleType:
    """The framework; tox's adapters env sets NEURON_ADAPTERS=required, where a skip would hide
    a broken install."""
    if os.environ.get("NEURON_ADAPTERS") == "required":
        return importlib.import_module(name)
    return pytest.importorskip(name)


@pytest.fixture(scope="module", params=["torch", "jax"])
def framework(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    _require(name)
    return name


def test_adapter_provides_the_whole_protocol(framework: str) -> None:
    assert sorted(load(framework).functions) == sorted(PROTOCOL)


def test_adapter_broadcasts_and_keeps_scalars_scalar(framework: str) -> None:
    impl = load(framework)
    assert impl("gradient", 0.5, np.array([1.0, 2.0]), 0.25).shape == (2,)
    assert impl("step", 0.5, 2.0, 0.25, 0.1).shape == ()
    # dE/dw = (σ(0) − 1)·σ'(0)·2 = −¼ exactly, whatever the evaluation order
    assert impl("gradient", 0.0, 2.0, 1.0) == -0.25


def test_torch_autograd_passes_the_float64_policy() -> None:
    _require("torch")
    report = verify.run(load("torch"), FLOAT64)
    assert report.passed, verify.format_report(report)


def test_autograd_sigma_prime_fails_one_ulp(framework: str) -> None:
    # σ' = y(1 − y) from the saved output cancels for z > 0 (docs/tolerance.md: ulp:1 rejects it)
    report = verify.run(load(framework), UlpPolicy(1.0), only=["sigmoid_prime-exact"])
    failure = report.results[0].failure
    assert failure is not None, verify.format_report(report)
    assert failure.args[0] > 0, failure


def test_jax_passes_float64_where_subnormals_do_not_matter() -> None:
    _require("jax")
    only = ["sigmoid-exact", "sigmoid_prime-exact", "loss-exact", "gradient-central-difference"]
    report = verify.run(load("jax"), FLOAT64, only=only)
    assert report.passed, verify.format_report(report)


def test_jax_on_the_cpu_flushes_subnormal_arguments_an_edge_finding() -> None:
    _require("jax")
    # σ(w·x) with x = 1.527e-310 (subnormal) and w·x = 0.0214: XLA reads x as 0 and returns ½.
    # Subnormal arguments are edge inputs: a finding, which fails the run only with --strict.
    impl = load("jax")
    assert impl("forward", 1.40430162512198e308, 1.5270589863416e-310) == 0.5
    report = verify.run(impl, FLOAT64, only=["forward-exact"])
    (result,) = report.results
    assert result.status == "finding", verify.format_report(report)
    assert report.passed
    assert result.finding is not None
    assert any(a != 0 and abs(a) < 2.0**-1022 for a in result.finding.args), result.finding.args


@pytest.mark.parametrize(("target", "code"), [("jax", 1), ("reference", 0)])
def test_strict_fails_jaxs_subnormal_flush_and_passes_the_reference(
    target: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    if target == "jax":
        _require("jax")
    assert cli.main(["verify", target, "--strict", "--only", "forward-exact"]) == code
    assert ("EDGE FINDING forward-exact" in capsys.readouterr().out) == (target == "jax")
