"""The report (neuron/gate/report.py): effort and worst case per property, JUnit XML, progress.

The command line's own tests are in test_cli.py; these run verify.run in-process on fast
properties and small sweeps.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from neuron import reference
from neuron.cli import main
from neuron.gate import runner as verify
from neuron.gate.protocol import Implementation, load
from neuron.gate.tolerance import Float64Policy

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
CLIPPED = str(IMPLEMENTATIONS / "clipped.py")
FLOAT64 = Float64Policy()


@pytest.fixture(scope="module")
def clipped_report() -> verify.Report:
    """sigmoid-exact fails (σ(30) ≠ σ(1e400)); loss-exact passes; sigmoid_prime is missing."""
    impl = Implementation(
        "clipped σ and a loss",
        {"sigmoid": load(CLIPPED).functions["sigmoid"], "loss": reference.loss},
    )
    return verify.run(
        impl,
        FLOAT64,
        only=["sigmoid-exact", "loss-exact", "sigmoid_prime-exact"],
        sweep_points=2000,
    )


def test_report_counts_examples_and_sweep_points(clipped_report: verify.Report) -> None:
    loss = next(r for r in clipped_report.results if r.id == "loss-exact")
    assert loss.sweep_points == 2000
    # one point per example, plus the round values tried first: 5 y × 5 t for the loss
    assert loss.points == loss.examples + loss.sweep_points + 25
    assert clipped_report.points == sum(r.points for r in clipped_report.results)
    text = verify.format_report(clipped_report)
    assert f"{clipped_report.points} points checked in" in text
    assert "effort: 100 examples per property, a sweep of 2000 points per function" in text


def test_junit_xml_has_one_testcase_per_property(clipped_report: verify.Report) -> None:
    root = ElementTree.fromstring(clipped_report.to_junit())
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {"sigmoid-exact", "loss-exact", "sigmoid_prime-exact"}
    failure = cases["sigmoid-exact"].find("failure")
    assert failure is not None
    failed = next(r for r in clipped_report.results if r.id == "sigmoid-exact")
    assert failed.failure is not None
    assert failure.get("message") == failed.failure.message
    assert "reproduce:" in (failure.text or "")
    skipped = cases["sigmoid_prime-exact"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not provided: sigmoid_prime"
    assert cases["loss-exact"].find("failure") is None


def test_json_carries_the_effort(clipped_report: verify.Report) -> None:
    data = json.loads(clipped_report.to_json())
    assert (data["sweep"], data["max_examples"], data["isolation"]) == (2000, 100, "in-process")
    loss = next(r for r in data["results"] if r["id"] == "loss-exact")
    assert loss["sweep_points"] == 2000
    assert loss["sweep_mode"] == "arrays"


def test_progress_is_told_each_property_in_turn() -> None:
    seen: list[tuple[int, int, str]] = []
    verify.run(
        load("reference"),
        FLOAT64,
        only=["sigmoid-exact", "loss-exact"],
        max_examples=2,
        sweep_points=0,
        progress=lambda i, n, p: seen.append((i, n, p)),
    )
    assert seen == [(1, 2, "sigmoid-exact"), (2, 2, "loss-exact")]


def test_negative_sweep_is_refused() -> None:
    with pytest.raises(ValueError, match="--sweep must be at least 0"):
        verify.run(load("reference"), FLOAT64, only=["loss-exact"], sweep_points=-1)


def test_random_profile_draws_a_fresh_sweep_and_still_passes() -> None:
    report = verify.run(
        load("reference"), FLOAT64, profile="dev", only=["loss-exact"], max_examples=3
    )
    assert report.passed
    assert report.results[0].sweep_points == verify.SWEEP_POINTS["dev"]


def test_flaky_failure_is_a_failing_property_not_a_traceback() -> None:
    calls = itertools.count()

    def sigmoid(z: object) -> object:  # fails once, past the pinned examples: no replay fails
        if next(calls) == 60:
            raise ArithmeticError("once")
        return reference.sigmoid(z)

    impl = Implementation("flaky", {"sigmoid": sigmoid})
    report = verify.run(impl, FLOAT64, only=["sigmoid-exact"], sweep_points=0)
    failure = report.results[0].failure
    assert failure is not None, verify.format_report(report)
    assert failure.message.startswith("answers differently for the same input")
    assert failure.found_by == "search, not shrunk"


def test_sweep_failure_without_a_point_reproduces_with_the_sweep() -> None:
    def sigmoid(z: object) -> object:
        s = reference.sigmoid(z)
        if np.ndim(z):
            np.negative(z, out=z)  # type: ignore[call-overload]
        return s

    impl = Implementation("mutating", {"sigmoid": sigmoid})
    report = verify.run(impl, FLOAT64, only=["sigmoid-exact"], sweep_points=1000)
    text = verify.format_report(report)
    failure = report.results[0].failure
    assert failure is not None, text
    assert failure.sweep_seed is not None
    snippet = "r = sweep('sigmoid', load('mutating'), parse_policy('float64'), 1000, seed="
    assert f"{snippet}{failure.sweep_seed})" in text


# ---------------------------------------------------------------------------------------------
# The command line's new options


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_junit_option_writes_parseable_xml(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "neuron.xml"
    status, _, _ = _run(capsys, "verify", CLIPPED, "--only", "sigmoid-exact", "--junit", str(path))
    assert status == 1
    suite = ElementTree.parse(path).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "1"


def test_junit_to_a_missing_directory_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "missing" / "neuron.xml"
    status, out, err = _run(capsys, "verify", "--only", "loss-exact", "--junit", str(path))
    assert (status, out) == (2, "")
    assert err == f"neuron: error: --junit {path}: no such directory: {path.parent}\n"


def test_timeout_option_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "verify", "--timeout", "0", "--only", "loss-exact")
    assert status == 2
    assert "--timeout must be a positive number of seconds" in err


def test_sweep_option_sets_the_points_per_function(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "verify", "--only", "loss-exact", "--sweep", "1234")
    assert status == 0
    assert "a sweep of 1234 points per function" in out


def test_progress_goes_to_a_terminal_only(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, err = _run(capsys, "verify", "--only", "loss-exact", "--sweep", "0")
    assert err == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    _, out, err = _run(capsys, "verify", "--only", "loss-exact", "--sweep", "0")
    assert err == "\r\033[K[1/1] loss-exact\r\033[K"
    assert "\r" not in out


def test_a_report_that_cannot_be_written_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a directory is refused before the run (test_cli.py); a write that fails after it (disk
    # full, permissions) still exits 2 with the OS's reason
    def refuse(self: Path, text: str) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", refuse)
    target = tmp_path / "neuron.xml"
    status, _, err = _run(capsys, "verify", "--only", "loss-exact", "--junit", str(target))
    assert status == 2
    assert err.startswith(f"neuron: error: cannot write {target}: No space left on device")


def test_whole_catalogue_by_default() -> None:
    # only=None: every property given (here a one-property catalogue) runs
    loss = next(p for p in verify.PROPERTIES if p.id == "loss-exact")
    report = verify.run(
        load("reference"), FLOAT64, properties=[loss], max_examples=2, sweep_points=0
    )
    assert [r.id for r in report.results] == ["loss-exact"]


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile 'nightly'"):
        verify.profile_settings("nightly")


def test_infinite_gradient_fails_the_differentiated_check() -> None:
    # dE/dw at (0.5, 2, 0.25) is finite (exact.differentiated_gradient); ∞ is infinitely off
    from neuron.gate.properties import by_id

    impl = Implementation("infinite", {"gradient": lambda w, x, t: np.inf})
    m = by_id("gradient-differentiated").check(impl, FLOAT64, (0.5, 2.0, 0.25))
    assert not m.passed
    assert float(m.error) == np.inf


def test_json_writes_non_finite_numbers_as_text() -> None:
    # JSON has no ∞ or NaN: they are written as Python spells them, so the file stays valid
    result = verify.PropertyResult("loss-exact", "t", ("T6.1",), "failed", worst_error=math.inf)
    result.failure = verify.Failure((0.0, math.nan), "m", math.nan, 1.0, math.inf, 3.0)
    report = verify.Report("reference", "float64", "ci", None, [result])
    record = json.loads(report.to_json())["results"][0]
    assert record["worst_error"] == "inf"
    assert record["failure"]["args"] == [0.0, "nan"]
    assert record["failure"]["expected"] == "nan"
