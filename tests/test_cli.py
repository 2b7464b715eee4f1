"""The ``neuron`` command: exit status 0 pass, 1 fail, 2 unusable target or option (neuron/cli.py).

Runs go through ``neuron.cli.main`` in-process, with --only a few fast properties; one test runs
``python -m neuron`` in a child process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import neuron
from neuron.cli import main

IMPLEMENTATIONS = Path(__file__).parent / "implementations"
CLIPPED = str(IMPLEMENTATIONS / "clipped.py")
FAST = "sigmoid-exact,loss-exact"  # two properties that run in a fraction of a second


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _rows(out: str) -> dict[str, list[str]]:
    """The report's table rows by property id (columns split on runs of two spaces)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("property "))
    rows = {}
    for line in lines[start + 1 :]:
        if not line:
            break
        cells = [c.strip() for c in line.split("  ") if c.strip()]
        rows[cells[0]] = cells
    return rows


def test_reference_passes_with_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "verify", "--only", FAST)
    assert status == 0, out
    assert err == ""
    assert "2 passed, 0 failed, 0 edge findings, 0 not provided" in out


def test_report_header_names_target_policy_and_profile(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _run(capsys, "verify", "reference", "--policy", "ulp:1", "--only", FAST)
    assert out.splitlines()[0] == "neuron verify: target reference, policy ulp:1, profile ci"


def test_report_header_names_the_seed(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "verify", "--profile", "dev", "--seed", "7", "--only", FAST)
    assert (
        out.splitlines()[0]
        == "neuron verify: target reference, policy float64, profile dev, seed 7"
    )


def test_report_rows_show_the_example_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    _, out, _ = _run(capsys, "verify", "--max-examples", "5", "--only", FAST, "--json", str(path))
    rows = _rows(out)
    for result in json.loads(path.read_text())["results"]:
        # at least the 5 generated examples, plus the property's pinned ones
        assert result["examples"] >= 5, result
        assert rows[result["id"]][2] == str(result["examples"]), rows[result["id"]]


def test_buggy_file_fails_with_exit_1_and_a_reproduction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = _run(capsys, "verify", CLIPPED, "--only", "sigmoid-exact")
    assert status == 1, out
    assert err == ""
    assert "FAILED sigmoid-exact" in out
    assert "reproduce:" in out
    assert f"load({CLIPPED!r})" in out


def test_implementation_that_exits_is_a_failing_property(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # docs/design.md: an implementation that exits is reported as a failing property (exit 1).
    target = tmp_path / "exits.py"
    target.write_text("import sys\n\n\ndef sigmoid(z):\n    sys.exit(0)\n")
    status, out, _ = _run(capsys, "verify", str(target), "--only", "sigmoid-exact")
    assert status == 1, out
    assert "FAILED sigmoid-exact" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["verify", "no_such_module_for_neuron"], "no_such_module_for_neuron", id="module"
        ),
        pytest.param(["verify", "missing.py"], "no such file: missing.py", id="path"),
        pytest.param(
            ["verify", str(IMPLEMENTATIONS / "broken_import.py")], "AttributeError", id="import"
        ),
        pytest.param(
            ["verify", str(IMPLEMENTATIONS / "no_protocol.py")], "provides none of", id="protocol"
        ),
        pytest.param(["verify", "--policy", "float32"], "unknown policy 'float32'", id="policy"),
        pytest.param(["verify", "--policy", "ulp:0"], "unknown policy 'ulp:0'", id="policy-zero"),
        pytest.param(["verify", "--only", "sigmoid-exact,nope"], "nope", id="only"),
        pytest.param(["verify", "--max-examples", "0"], "examples", id="max-examples"),
    ],
)
def test_unusable_target_or_option_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)  # "missing.py" is missing here
    status, out, err = _run(capsys, *argv)
    assert status == 2, out + err
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("neuron: error: ")
    assert message in err


def test_json_to_an_unwritable_path_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "no-such-directory" / "report.json"
    status, _, err = _run(capsys, "verify", "--only", "sigmoid-exact", "--json", str(path))
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert str(path) in err


def test_unknown_profile_is_refused_by_argparse(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["verify", "--profile", "nightly"])
    assert exit_info.value.code == 2
    _, err = capsys.readouterr()
    last = err.splitlines()[-1]
    assert "invalid choice" in last
    assert "nightly" in last


def test_json_report_holds_every_result(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    status, _, _ = _run(capsys, "verify", CLIPPED, "--only", FAST, "--json", str(path))
    report = json.loads(path.read_text())
    assert status == 1
    assert (report["target"], report["policy"], report["profile"]) == (CLIPPED, "float64", "ci")
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert statuses == {"sigmoid-exact": "failed", "loss-exact": "passed"}
    failure = next(r["failure"] for r in report["results"] if r["id"] == "sigmoid-exact")
    assert set(failure) >= {"args", "message", "expected", "got", "error", "allowed"}


def test_seed_makes_two_random_runs_identical(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports = []
    for name in ("first.json", "second.json"):
        path = tmp_path / name
        argv = ["verify", "--profile", "dev", "--seed", "20240611", "--only", FAST]
        _run(capsys, *argv, "--json", str(path))
        results = json.loads(path.read_text())["results"]
        reports.append([{k: v for k, v in r.items() if k != "seconds"} for r in results])
    assert reports[0] == reports[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"neuron {neuron.__version__}\n"


def test_python_dash_m_neuron_runs_the_command() -> None:
    # The child imports the same copy of neuron as this process: the checkout or the installed one.
    package_parent = str(Path(neuron.__file__).parents[1])
    search_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    completed = subprocess.run(
        [sys.executable, "-m", "neuron", "verify", "--only", "sigmoid-exact"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": search_path},
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("neuron verify: target reference, policy float64")


# --- nothing checked is not a pass ------------------------------------------------------------


def test_a_required_function_that_is_missing_fails_the_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # flush_subnormals.py has no loss: without --require it is "not provided", with it a failure
    flushing = str(IMPLEMENTATIONS / "flush_subnormals.py")
    status, out, _ = _run(capsys, "verify", flushing, "--only", "loss-exact", "--require", "loss")
    assert status == 1
    assert "required but not provided: loss (--require)" in out
    assert "(the target has no loss)" in out


def test_require_takes_protocol_names_only(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "verify", "--only", FAST, "--require", "softmax")
    assert status == 2
    assert "not protocol functions; choose from sigmoid, sigmoid_prime" in err


def test_require_passes_when_the_functions_are_there(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, _ = _run(capsys, "verify", "--only", FAST, "--require", "sigmoid,loss")
    assert status == 0


def test_an_unknown_property_id_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "verify", "--only", "gradient-exactt")
    assert status == 2
    assert "unknown properties: gradient-exactt; the property ids are sigmoid-exact," in err


@pytest.mark.parametrize("option", ["--json", "--junit"])
def test_a_report_path_that_is_a_directory_is_refused_before_the_run(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, option: str
) -> None:
    status, out, err = _run(capsys, "verify", "--only", FAST, option, str(tmp_path))
    assert status == 2
    assert "is a directory" in err
    assert out == ""  # refused before anything ran


def test_help_lists_properties_policies_and_exit_codes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    out = capsys.readouterr().out
    assert "step-convergence" in out
    assert "ulp:N" in out
    assert "2  the target or an option cannot be used" in out
