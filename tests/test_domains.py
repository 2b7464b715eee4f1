"""Ordinary and edge inputs (neuron/gate/domains.py), and the verdicts they give.

A property that fails at an ordinary input fails the run; one that fails at edge inputs only
is an edge finding: listed with its class, exit 0 unless --strict.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from neuron.cli import main
from neuron.gate import report as reporting
from neuron.gate import runner
from neuron.gate.checks import Measurement
from neuron.gate.domains import LEARNING_RATES, ORDINARY, is_ordinary
from neuron.gate.properties import PROPERTIES, Property, by_id
from neuron.gate.protocol import PROTOCOL, checked_call, load
from neuron.gate.tolerance import parse_policy

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
FLUSHING = str(IMPLEMENTATIONS / "flush_subnormals.py")
SUBNORMAL = 2.0**-1074
MAX = float(np.finfo(np.float64).max)


@pytest.mark.parametrize(
    ("kinds", "args", "ordinary"),
    [
        (("z",), (-800.0,), True),  # saturation is ordinary: NaN there is a bug
        (("z",), (MAX,), True),
        (("z",), (math.inf,), False),
        (("z",), (math.nan,), False),
        (("w", "x"), (0.0, 5.0), True),
        (("w", "x"), (2.0**-1022, 1.0), True),
        (("w", "x"), (SUBNORMAL, 1.0), False),
        (("w", "x"), (1e300, 1e10), False),  # w·x overflows
        (("y", "t"), (0.0, 1.0), True),
        (("y", "t"), (0.5, -0.0), True),
        (("y", "t"), (0.5, 1.0 + 2.0**-52), False),
        (("y", "t"), (0.5, -1e-300), False),
        (("w", "x", "t", "lr"), (0.5, 2.0, 0.25, 2.0**-40), True),
        (("w", "x", "t", "lr"), (0.5, 2.0, 0.25, 2.0**20), True),
        (("w", "x", "t", "lr"), (0.5, 2.0, 0.25, 5e-324), False),
        (("w", "x", "t", "lr"), (0.5, 2.0, 0.25, 8e292), False),
        (("w", "x", "t", "lr"), (0.5, 2.0, 0.25, 0.0), False),
    ],
)
def test_ordinary_inputs(kinds: tuple[str, ...], args: tuple[float, ...], ordinary: bool) -> None:
    assert bool(is_ordinary(kinds, args)) is ordinary


def test_the_domains_are_data() -> None:
    assert set(ORDINARY) >= {"w", "x", "t", "y", "z", "lr"}
    assert ORDINARY["lr"] is LEARNING_RATES
    assert not LEARNING_RATES.zero
    assert not LEARNING_RATES.signed


def test_every_property_names_the_kind_of_each_argument() -> None:
    for prop in PROPERTIES:
        assert prop.kinds(), prop.id
        assert set(prop.kinds()) <= set(ORDINARY), prop.id
        if prop.sweep is not None:
            assert prop.kinds() == PROTOCOL[prop.sweep]


# --- verdicts ---------------------------------------------------------------------------------


def _run(target: str, only: set[str]) -> runner.Report:
    return runner.run(load(target), parse_policy("float64"), profile="ci", only=only)


def test_a_flush_of_subnormal_inputs_is_an_edge_finding() -> None:
    report = _run(FLUSHING, {"forward-exact"})
    (result,) = report.results
    assert result.status == "finding", runner.format_report(report)
    assert report.passed
    assert report.findings == 1
    assert result.finding is not None
    assert result.finding.kind == reporting.FLUSHED
    assert not bool(is_ordinary(("w", "x"), result.finding.args))
    text = runner.format_report(report)
    assert "EDGE FINDING forward-exact" in text
    assert "0 failed, 1 edge finding," in text
    record = json.loads(report.to_json())["results"][0]
    assert record["status"] == "finding"
    assert record["finding"]["kind"] == reporting.FLUSHED
    junit = report.to_junit()
    assert "<failure" not in junit  # a note, not a failure
    assert f"class: {reporting.FLUSHED}" in junit


def test_strict_makes_a_finding_fail(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", FLUSHING, "--only", "forward-exact"]) == 0
    assert main(["verify", FLUSHING, "--only", "forward-exact", "--strict"]) == 1
    assert "EDGE FINDING" in capsys.readouterr().out


def test_strict_passes_the_reference() -> None:
    assert main(["verify", "--only", "forward-exact,step-exact", "--strict"]) == 0


def test_a_bug_at_ordinary_inputs_still_fails_with_an_ordinary_counterexample() -> None:
    report = _run(str(IMPLEMENTATIONS / "sign_error.py"), {"gradient-exact"})
    (result,) = report.results
    assert result.status == "failed"
    assert result.failure is not None
    assert bool(is_ordinary(("w", "x", "t"), result.failure.args)), result.failure.args


def test_each_finding_has_a_class() -> None:
    exception = runner.Failure((1e300,), "raised OverflowError", None)
    nonfinite = runner.Failure((math.nan,), "m", 0.5, 0.0)
    overflow = runner.Failure((0.5, 2.0, 8.9e307), "m", 1.0, math.nan)
    flushed = runner.Failure((1.4e308, 1.5e-310), "m", 0.55, 0.5)
    larger = runner.Failure((0.5, 2.0, 0.25, 1e300), "m", 1.0, 1.5)
    assert reporting.classified(exception).kind == reporting.EXCEPTION
    assert reporting.classified(nonfinite).kind == reporting.NONFINITE
    assert reporting.classified(overflow).kind == reporting.OVERFLOW
    assert reporting.classified(flushed).kind == reporting.FLUSHED
    assert reporting.classified(larger).kind == reporting.LARGER


# --- what targets are called with -------------------------------------------------------------


def test_targets_get_numpy_values_never_python_floats() -> None:
    seen: list[type] = []

    def loss(y: object, t: object) -> float:
        seen.extend((type(y), type(t)))
        return 0.5 * (t - y) ** 2  # type: ignore[operator]

    # the textbook loss in Python floats raises OverflowError here; numpy's overflows to ∞
    with np.errstate(over="ignore"):
        result = checked_call(loss, "loss", (3.3e150, 2.7e154))
    assert seen == [np.float64, np.float64]
    assert result == math.inf


def test_a_snippet_spells_out_non_finite_values() -> None:
    snippet = runner.reproduction("reference", "float64", by_id("sigmoid-exact"), (math.nan,))
    assert "(float('nan'),)" in snippet
    namespace: dict[str, object] = {}
    exec(compile(snippet, "<snippet>", "exec"), namespace)  # runs as printed


def _failing_everywhere(impl: object, policy: object, args: tuple[float, ...]) -> Measurement:
    one = np.ones(1)
    return Measurement(one, one * 0.5, one, one * 2)


def test_an_edge_only_search_failure_is_a_finding() -> None:
    # every input this property draws is subnormal: the ordinary re-search has nothing to try
    prop = Property(
        "edge-only",
        "a property whose inputs are all edge inputs",
        ("T6.1",),
        ("sigmoid",),
        lambda: st.floats(1e-320, 1e-310).map(lambda v: (v,)),
        _failing_everywhere,
        arguments=("w",),
    )
    settings = runner.profile_settings("ci", max_examples=5)
    result = runner.run_property(prop, load("reference"), parse_policy("float64"), settings)
    assert result.status == "finding"
    assert result.failure is None
    assert result.finding is not None
    assert result.finding.kind == reporting.FLUSHED  # a subnormal argument


def test_an_exception_at_an_edge_input_only_is_a_finding(tmp_path: Path) -> None:
    target = tmp_path / "raising_loss.py"
    target.write_text(
        "import numpy as np\n"
        "def loss(y, t):\n"
        "    if np.any(np.abs(t) > 1e10):\n"
        "        raise OverflowError('t too large')\n"
        "    return 0.5 * (np.asarray(t) - y) ** 2\n"
    )
    settings = runner.profile_settings("ci")
    result = runner.run_property(
        by_id("loss-exact"), load(str(target)), parse_policy("float64"), settings
    )
    assert result.status == "finding", result
    assert result.finding is not None
    assert result.finding.kind == reporting.EXCEPTION


def test_inputs_are_named_by_kind() -> None:
    assert reporting._named(by_id("gradient-exact"), (0.5, 2.0, 0.25)) == "w=0.5, x=2.0, t=0.25"
    assert reporting._named(by_id("gradient-exact"), ()) == "()"  # a flaky answer has no input


def test_other_arguments_pass_through_unconverted() -> None:
    seen: list[object] = []

    def sigmoid(z: object) -> object:
        seen.append(z)
        return np.zeros(2)

    checked_call(sigmoid, "sigmoid", ([0.0, 1.0],))
    assert seen == [[0.0, 1.0]]  # a list is the caller's business: not a number to convert


def test_a_bug_is_shown_first_at_round_values(tmp_path: Path) -> None:
    # dE/dw without its factor x: wrong at (0, 0, 0) already, where it gives (½ − 0)·¼ = 0.125
    target = tmp_path / "no_x.py"
    target.write_text(
        "import numpy as np\n"
        "def gradient(w, x, t):\n"
        "    y = 1.0 / (1.0 + np.exp(-np.multiply(w, x)))\n"
        "    return (y - t) * y * (1.0 - y)\n"
    )
    settings = runner.profile_settings("ci")
    result = runner.run_property(
        by_id("gradient-exact"), load(str(target)), parse_policy("float64"), settings
    )
    assert result.failure is not None
    assert result.failure.found_by == "round values"
    assert result.failure.args == (0.0, 0.0, 0.0)
    assert result.failure.got == 0.125
    assert all(a in runner.ROUND_VALUES["w"] for a in result.failure.args)
