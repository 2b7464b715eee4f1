"""``neuron proofs`` (neuron/theorems.py): the theorem table, its JSON, and the exit status.

Exit status: 0 every theorem verified, 1 one is not (a check failed, or was skipped because
sympy is missing), 2 the proofs or the options could not be used. Most runs pick one or two
theorems with fast checks (T1.3, T2.4) so that the suite stays quick; whole-table runs replace
the checks by stand-ins.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from neuron import theorems
from neuron.cli import main

REPO_ROOT = Path(__file__).resolve().parents[1]
checks: Any = theorems.load_checks()
HAVE_SYMPY = importlib.util.find_spec("sympy") is not None


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["proofs", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def _rows(out: str) -> dict[str, list[str]]:
    """Table rows by theorem id (columns split on runs of two spaces)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("id "))
    rows = {}
    for line in lines[start + 1 :]:
        if not line:
            break
        cells = [c.strip() for c in line.split("  ") if c.strip()]
        rows[cells[0]] = cells
    return rows


def _all_verified(name: str, profile: str = "ci") -> Any:
    """A stand-in for checks.run_check: every check verified in no time."""
    registered = checks.CHECKS[name]
    return checks.Record(registered.theorem, name, registered.kind, "verified", "stand-in", 0.0)


@pytest.fixture
def failing_check(monkeypatch: pytest.MonkeyPatch) -> str:
    """Register an extra check of T1.3 that finds a counterexample."""

    def always_fails(profile: Any) -> str:
        raise checks.CheckError("counterexample at x = 1")

    name = "t1_3_forced_failure"
    monkeypatch.setitem(checks.CHECKS, name, checks.Check(name, "T1.3", "interval", always_fails))
    return name


def test_profiles_match_the_checks() -> None:
    assert set(theorems.PROFILES) == set(checks.PROFILES)


def test_every_theorem_verified_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "run_check", _all_verified)
    status, out, err = _run(capsys)
    assert (status, err) == (0, "")
    rows = _rows(out)
    assert list(rows) == sorted(checks.THEOREMS, key=lambda i: tuple(map(int, i[1:].split("."))))
    assert all(row[2] == "verified" for row in rows.values()), rows
    n = len(checks.THEOREMS)
    assert f"{n} of {n} theorems verified" in out


def test_row_shows_title_status_checks_and_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "run_check", _all_verified)
    _, out, _ = _run(capsys, "T3.2")
    checked = len(list(checks.iter_checks_for("T3.2")))
    title = checks.THEOREMS["T3.2"].title
    assert _rows(out)["T3.2"] == ["T3.2", title, "verified", f"{checked}/{checked}", "0.00s"]


def test_header_names_the_profile_and_where_the_proofs_are(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks, "run_check", _all_verified)
    _, out, _ = _run(capsys, "T1.3", "--profile", "thorough")
    source = checks.PROOFS_DIR
    assert out.splitlines()[0] == (
        f"neuron proofs: 1 theorem, profile thorough (2000 points per check), from {source}"
    )


def test_a_failing_check_fails_its_theorem_with_exit_1(
    capsys: pytest.CaptureFixture[str], failing_check: str
) -> None:
    status, out, _ = _run(capsys, "T1.3", "T2.4")
    assert status == 1
    rows = _rows(out)
    assert rows["T1.3"][2] == "failed"
    assert f"FAILED T1.3 {failing_check} [interval]: counterexample at x = 1" in out
    assert "of 2 theorems verified" in out


def test_skipped_symbolic_check_leaves_its_theorem_unverified(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checks.machinery, "_sympy_module", None)
    status, out, _ = _run(capsys, "T1.3")
    assert status == 1
    assert _rows(out)["T1.3"][2:4] == ["not verified", "1/2"]
    assert "1 check was skipped (sympy not installed); a theorem with a skipped" in out
    assert "pip install 'neuron[proofs]'" in out


@pytest.mark.skipif(not HAVE_SYMPY, reason="the symbolic checks need sympy (the test extra)")
def test_real_checks_verify_their_theorems(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "T1.3", "T2.4", "--profile", "dev")
    assert status == 0, out
    assert [row[2] for row in _rows(out).values()] == ["verified", "verified"]


def test_json_holds_each_theorem_with_its_checks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, failing_check: str
) -> None:
    target = tmp_path / "proofs.json"
    status, _, _ = _run(capsys, "T1.3", "--profile", "dev", "--json", str(target))
    document = json.loads(target.read_text(encoding="utf-8"))
    assert status == 1
    assert (document["profile"], document["verified"]) == ("dev", False)
    [theorem] = document["theorems"]
    assert set(theorem) >= {"id", "title", "statement", "status", "checks"}
    assert theorem["id"] == "T1.3"
    assert theorem["statement"] == checks.THEOREMS["T1.3"].statement
    assert theorem["status"] == f"failed: {failing_check}: counterexample at x = 1"
    by_name = {c["name"]: c for c in theorem["checks"]}
    assert set(by_name) == {c.name for c in checks.iter_checks_for("T1.3")}
    assert by_name[failing_check]["status"] == "failed"
    assert set(by_name[failing_check]) == {"name", "kind", "status", "detail", "seconds"}


def test_unwritable_json_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "dir.json"
    status, _, err = _run(capsys, "T2.4", "--json", str(target))
    assert status == 2
    assert err == f"neuron: error: cannot write {target}: No such file or directory\n"


def test_unknown_theorem_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _run(capsys, "T1.3", "T9.9")
    assert (status, out) == (2, "")
    last = max(checks.THEOREMS, key=lambda i: tuple(map(int, i[1:].split("."))))
    assert err == f"neuron: error: no theorem T9.9 in proofs/ (the ids run from T1.1 to {last})\n"


def test_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["proofs", "--profile", "nightly"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nightly'" in capsys.readouterr().err


def test_check_theorems_returns_outcomes_in_theorem_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "run_check", _all_verified)
    outcomes = theorems.check_theorems(checks, "dev", ["T2.4", "T1.3"])
    assert [(o.id, o.verified) for o in outcomes] == [("T1.3", True), ("T2.4", True)]


def test_theorem_without_checks_is_not_verified() -> None:
    outcome = theorems.TheoremOutcome("T9.1", "A theorem", "Statement.", "09-x.md", ())
    assert (outcome.verified, outcome.status) == (
        False,
        "not verified: no machine check is registered",
    )


# --- finding the proofs: the checkout's proofs/, else the installed neuron_proofs


@pytest.fixture
def fresh_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget neuron_proofs for one test, so that load_checks imports it again."""
    for name in list(sys.modules):
        if name == theorems.PACKAGE or name.startswith(theorems.PACKAGE + "."):
            monkeypatch.delitem(sys.modules, name)


@pytest.mark.usefixtures("fresh_import")
def test_checkout_proofs_are_imported_under_the_installed_name() -> None:
    loaded = theorems.load_checks(REPO_ROOT / "proofs")
    assert loaded.__name__ == "neuron_proofs.checks"
    assert Path(loaded.__file__) == REPO_ROOT / "proofs" / "checks" / "__init__.py"


@pytest.mark.usefixtures("fresh_import")
def test_installed_proofs_are_imported_without_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    (site / theorems.PACKAGE).symlink_to(REPO_ROOT / "proofs", target_is_directory=True)
    monkeypatch.syspath_prepend(str(site))
    loaded = theorems.load_checks(tmp_path / "no-checkout")
    assert Path(loaded.__file__) == site / theorems.PACKAGE / "checks" / "__init__.py"


@pytest.mark.usefixtures("fresh_import")
def test_missing_proofs_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_find_spec = importlib.util.find_spec

    def no_installed_copy(name: str, package: str | None = None) -> Any:
        return None if name == theorems.PACKAGE else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", no_installed_copy)
    monkeypatch.setattr(theorems, "CHECKOUT", tmp_path)
    status, out, err = _run(capsys, "T1.3")
    assert (status, out) == (2, "")
    assert err == (
        f"neuron: error: no proofs/ directory at {tmp_path} and no installed neuron_proofs"
        " package\n"
    )


def test_python_m_neuron_proofs_runs_from_any_directory(tmp_path: Path) -> None:
    # Outside the checkout: tox's installed wheel finds its neuron_proofs package.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-m", "neuron", "proofs", "T2.4", "--profile", "dev"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == (0 if HAVE_SYMPY else 1), done.stdout + done.stderr
    assert _rows(done.stdout)["T2.4"][2] == ("verified" if HAVE_SYMPY else "not verified")
