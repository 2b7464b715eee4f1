"""The report (neuron/gate/report.py): effort and worst case per property, JUnit XML, progress.

The command line's own tests are in test_cli.py; these run verify.run in-process on fast
properties and small sweeps.
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

from neuron import reference
from neuron.cli import main
from neuron.gate import report as reporting
from neuron.gate import runner as verify
from neuron.gate.properties import by_id
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


# ---------------------------------------------------------------------------------------------
# The verdict: which functions are wrong, where, by how much, and what the numbers suggest


def _failure(
    args: tuple[float, ...],
    expected: float,
    got: float,
    samples: list[tuple[tuple[float, ...], float, float]] | None = None,
) -> reporting.Failure:
    """A failure far beyond its allowance, with other failing inputs of the same call."""
    return reporting.Failure(
        args, "m", expected, got, 1e10, 4.0, unit="ulps", samples=samples or []
    )


@pytest.mark.parametrize(
    ("function", "failure", "said"),
    [
        # the loss without its ½: got = 2·expected at every failing input
        (
            "loss",
            _failure(
                (0.0, 1.0), 0.5, 1.0, samples=[((1.0, 0.0), 0.5, 1.0), ((0.5, 0.25), 2**-5, 2**-4)]
            ),
            "a constant factor: got = 2·expected: is the loss (t − y)² without the ½? (at all 3",
        ),
        # a gradient divided by a batch of 49
        (
            "gradient",
            _failure((0.0, 1.0, 0.0), 0.125, 0.125 / 49),
            "got = expected/49: divided by a count",
        ),
        # the factor x missing: got·x = expected, at two different |x|
        (
            "gradient",
            _failure((0.0, 2.0, 0.0), 0.25, 0.125, samples=[((0.0, 0.5, 0.0), 0.0625, 0.125)]),
            "got = expected/x: the chain rule's factor x is missing",
        ),
        # the step's sign: the update w' − w is −expected
        (
            "step",
            _failure((1.0, 1.0, 0.0, 1.0), 0.8, 1.2),
            "a flipped sign: the update w' − w = −expected",
        ),
        # NaN from e^z overflowing at z = 800
        (
            "sigmoid",
            _failure((800.0,), 1.0, math.nan),
            "NaN from a finite input: e^|z| overflows: |z| = 800",
        ),
        # an exception where w·x overflows
        (
            "forward",
            reporting.Failure((1e300, 1e300), "raised OverflowError: x"),
            "an exception at a finite input (w·x = 1e+300·1e+300 overflows)",
        ),
        ("loss", _failure((0.0, 2.0**600), math.inf, math.nan), "(t − y)² overflows"),
        ("sigmoid", _failure((-745.0,), 5e-324, 0.0), "zero where the exact value is tiny"),
        # float32's rounding: relative errors near 2^−24
        (
            "sigmoid",
            _failure((1.0,), 0.7310585786300049, 0.7310585975646973),
            "computed in float32?",
        ),
    ],
)
def test_diagnosis_names_what_the_numbers_show(
    function: str, failure: reporting.Failure, said: str
) -> None:
    assert said in reporting.diagnosis(function, failure)


@pytest.mark.parametrize(
    "failure",
    [
        # σ'(σ(z)) in the gradient: no simple relation, and none is claimed
        _failure((0.0, 1.0, 0.0), 0.125, 0.11750185610079725),
        # a factor at one input that another input contradicts
        _failure((0.0, 1.0, 0.0), 0.125, 0.25, samples=[((0.0, 2.0, 0.0), 0.25, 0.75)]),
        # got·x = expected at a single |x| is no evidence of a missing x
        _failure((0.0, 2.0, 0.0), 0.3, 0.15 * 1.0000001),
    ],
)
def test_diagnosis_claims_nothing_the_numbers_do_not_show(failure: reporting.Failure) -> None:
    assert reporting.diagnosis("gradient", failure) == ""


def test_distinct_prints_enough_digits_to_tell_error_from_allowed() -> None:
    assert reporting.distinct(1.0000000137, 1.0) == ("1.00000001", "1")  # not "1 > 1"
    assert reporting.distinct(3.456, 14.0) == ("3.46", "14")


def test_verdict_names_the_wrong_function_and_an_exception_row_is_not_a_pass() -> None:
    def sigmoid(z: object) -> object:
        raise OverflowError("math range error")

    report = verify.run(
        Implementation("raising", {"sigmoid": sigmoid}), FLOAT64, only=["sigmoid-exact"]
    )
    text = verify.format_report(report)
    verdict = text.split("\n\n")[1]
    assert verdict.startswith("VERDICT: FAIL: 1 property failed; wrong against the oracle: sigmoid")
    assert "sigmoid at z=0.0: raised OverflowError: math range error" in verdict
    row = next(line for line in text.splitlines() if line.startswith("sigmoid-exact"))
    assert "raised OverflowError" in row
    assert " 0 ulps" not in row


# ---------------------------------------------------------------------------------------------
# Snippets that run anywhere: a fresh interpreter, another directory, a relative target path


def _run_snippet(snippet: str, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", snippet],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_kind_of_snippet_runs_in_a_fresh_interpreter_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(IMPLEMENTATIONS.parent)  # the target named relative to here
    relative = "implementations/clipped.py"
    report = verify.run(load(relative), FLOAT64, only=["sigmoid-exact"], sweep_points=0)
    (result,) = report.results
    assert result.failure is not None
    prop = by_id("sigmoid-exact")
    text = verify.format_report(report)
    # the verdict's call of the function
    verdict = text.split("VERDICT: FAIL", 1)[1].split("\n\n", 1)[0]
    call = textwrap.dedent(verdict.split("reproduce:\n", 1)[1])
    got, expected = _run_snippet(call, tmp_path).split(" expected ")
    assert (float(got), float(expected)) == (result.failure.got, result.failure.expected)
    # the property's check at the input, with a NaN argument written as float('nan')
    check = verify.reproduction(relative, "float64", prop, (math.nan,))
    assert "float('nan')" in check
    assert _run_snippet(check, tmp_path).startswith("True ")  # NaN propagates: it passes there
    check = verify.reproduction(relative, "float64", prop, result.failure.args)
    assert _run_snippet(check, tmp_path).startswith("False ")
    # the sweep's rerun by its seed
    sweep = reporting.Failure((), "m", found_by="sweep", sweep_seed=7, sweep_points=300)
    rerun = verify.reproduction(relative, "float64", prop, (), sweep)
    assert str(IMPLEMENTATIONS / "clipped.py") in rerun
    _run_snippet(rerun, tmp_path)


def test_distinct_leaves_equal_numbers_equal() -> None:
    # an infinite error against an infinite allowance fails (the error must be finite)
    assert reporting.distinct(math.inf, math.inf) == ("inf", "inf")


@pytest.mark.parametrize(
    ("function", "failure"),
    [
        # NaN where no textbook intermediate overflows: named in general terms
        ("forward", _failure((0.5, 2.0), 0.7310585786300049, math.nan)),
        ("loss", _failure((0.5, 0.25), 0.03125, math.nan)),
    ],
)
def test_diagnosis_of_nan_without_a_named_overflow(
    function: str, failure: reporting.Failure
) -> None:
    assert "an intermediate overflowed" in reporting.diagnosis(function, failure)


def test_diagnosis_of_an_error_of_about_one_ulp() -> None:
    failure = reporting.Failure(
        (0.5, 2.0, 0.25), "m", 0.1, 0.1 * (1 + 2**-52), 1.5, 1.0, unit="ulps"
    )
    assert "an error of about one ulp (1.5)" in reporting.diagnosis("gradient", failure)


def test_required_functions_in_the_verdict_json_and_junit() -> None:
    def sigmoid(z: object) -> object:
        raise OverflowError("math range error")

    impl = Implementation("σ only", {"sigmoid": sigmoid})
    report = verify.run(impl, FLOAT64, only=["sigmoid-exact", "loss-exact"])
    report.required = ("sigmoid", "loss")
    text = verify.format_report(report)
    assert "  required but not provided: loss" in text
    assert json.loads(report.to_json())["missing_required"] == ["loss"]
    required = ElementTree.fromstring(report.to_junit()).find(".//testcase[@name='required']")
    assert required is not None
    assert required.find("failure") is not None
    report.required = ("sigmoid",)  # provided: the verdict names what was not checked instead
    assert "  not provided, so not checked: loss" in verify.format_report(report)
    passing = ElementTree.fromstring(report.to_junit()).find(".//testcase[@name='required']")
    assert passing is not None
    assert passing.find("failure") is None


def test_verdict_lists_the_other_failed_properties() -> None:
    def sigmoid(z: object) -> object:  # σ(−z) = 1 − σ(z) fails: 0.6 ≠ 0.4
        return np.full(np.shape(z), 0.6)

    report = verify.run(
        Implementation("constant", {"sigmoid": sigmoid}), FLOAT64, only=["sigmoid-symmetry"]
    )
    verdict = verify.format_report(report).split("\n\n")[1]
    assert verdict.startswith("VERDICT: FAIL: 1 property failed\n")
    assert "  also failed: sigmoid-symmetry (blocks below)" in verdict


def test_verdict_without_an_input_has_no_snippet() -> None:
    # a flaky answer Hypothesis could not pin to one input: named, but nothing to call
    result = reporting.PropertyResult(
        "sigmoid-exact", "σ(z) against the oracle", ("T6.3",), "failed"
    )
    result.failure = reporting.Failure(
        (), "answers differently for the same input", found_by="search, not shrunk"
    )
    report = reporting.Report("flaky", "float64", "ci", None, [result])
    verdict = verify.format_report(report).split("\n\n")[1]
    assert "  sigmoid at (): answers differently for the same input" in verdict
    assert "reproduce" not in verdict


def test_a_nan_on_both_sides_is_said_in_words() -> None:
    # an identity of a target whose σ is NaN at a finite z: both sides NaN, no "nan > nan"
    def sigmoid(z: object) -> object:
        return np.full(np.shape(z), math.nan)

    impl = Implementation("NaN σ", {"sigmoid": sigmoid})
    report = verify.run(impl, FLOAT64, only=["sigmoid-symmetry"], sweep_points=0)
    failure = report.results[0].failure
    assert failure is not None
    assert failure.message.startswith("both sides are NaN: the target answered NaN here")
    assert "allowed nan" not in failure.message


def test_shrinking_stops_when_its_budget_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    # σ wrong for |z| > 2 (the property pins no example, and round values are for the oracle
    # comparisons): the search finds it, and with a budget of one call the shrinking stops
    def sigmoid(z: object) -> object:
        s = np.asarray(reference.sigmoid(z), dtype=np.float64)
        inside = np.abs(np.asarray(z)) > 2
        return np.where(inside, s * (1 + 1e-6), s)

    monkeypatch.setattr(verify, "SHRINK_CALLS", 1)
    impl = Implementation("wrong for |z| > 2", {"sigmoid": sigmoid})
    report = verify.run(impl, FLOAT64, profile="ci", only=["sigmoid-symmetry"], sweep_points=0)
    failure = report.results[0].failure
    assert failure is not None, verify.format_report(report)
    assert failure.found_by == "search, budget"
    assert abs(failure.args[0]) > 2
    assert "shrunk until the shrinking budget was spent" in verify.format_report(report)
