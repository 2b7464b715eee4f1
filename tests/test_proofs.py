"""The machine checks of proofs/ pass, and the theorems and checks name each other consistently.

Each registered check in proofs/checks/ is one test: it must report "verified" (a symbolic
check reports "skipped" where sympy is not installed, and is skipped here too; the `test` extra
installs sympy, so CI runs them). The profile follows the Hypothesis profile the test run loaded
(dev, ci or thorough; see tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from neuron.theorems import load_checks

REPO_ROOT = Path(__file__).resolve().parents[1]

# The same loader as `neuron proofs`: the checkout's proofs/ when neuron is imported from a
# checkout (editable install), the installed neuron_proofs when it comes from the wheel (tox).
if TYPE_CHECKING:
    from proofs import checks
else:
    checks = load_checks()

EXPECTED_IDS = (
    # the contract of docs/design.md ("Theorem ids"): these ids exist, and are never renumbered
    ["T1.1", "T1.2", "T1.3", "T1.4"]
    + [f"T2.{n}" for n in range(1, 8)]
    + [f"T3.{n}" for n in range(1, 5)]
    + [f"T4.{n}" for n in range(1, 4)]
    + [f"T5.{n}" for n in range(1, 4)]
    + [f"T6.{n}" for n in range(1, 4)]
)

PROOFS_DIR = REPO_ROOT / "proofs"


def _profile_name() -> str:
    getter = getattr(settings, "get_current_profile_name", None)  # Hypothesis >= 6.123
    name = str(getter() if getter is not None else settings._current_profile)
    return name if name in checks.PROFILES else "ci"


@pytest.mark.parametrize("name", sorted(checks.CHECKS))
def test_check_is_verified(name: str) -> None:
    record = checks.run_check(name, _profile_name())
    if record.status == "skipped":
        pytest.skip(f"{record.theorem} {name}: {record.detail}")
    assert record.status == "verified", f"{record.theorem} {name} [{record.kind}]: {record.detail}"


def test_every_expected_theorem_is_stated() -> None:
    # New theorems get new ids; these must stay.
    missing = [i for i in EXPECTED_IDS if i not in checks.THEOREMS]
    assert not missing, f"theorem ids of the contract missing from proofs/*.md: {missing}"


def test_every_theorem_heading_is_parsed() -> None:
    headings = []
    for path in sorted(PROOFS_DIR.glob("[0-9][0-9]-*.md")):
        headings += re.findall(r"^## (T\d+\.\d+) ", path.read_text(encoding="utf-8"), re.MULTILINE)
    assert sorted(headings, key=_id_key) == sorted(checks.THEOREMS, key=_id_key)


def test_every_theorem_has_a_statement() -> None:
    missing = [t.id for t in checks.THEOREMS.values() if not t.statement]
    assert not missing, f"theorems without a **Statement.** paragraph: {missing}"


def test_every_theorem_has_a_check() -> None:
    unchecked = [t for t in checks.THEOREMS if not list(checks.iter_checks_for(t))]
    assert not unchecked, f"theorems with no registered check: {unchecked}"


def test_every_check_names_an_existing_theorem() -> None:
    orphans = {
        c.name: c.theorem for c in checks.CHECKS.values() if c.theorem not in checks.THEOREMS
    }
    assert not orphans, f"checks of theorems not in proofs/*.md: {orphans}"


def test_checked_by_lines_match_the_registry() -> None:
    mismatches = {}
    for theorem in checks.THEOREMS.values():
        registered = {c.name for c in checks.iter_checks_for(theorem.id)}
        if set(theorem.checked_by) != registered:
            mismatches[theorem.id] = (sorted(theorem.checked_by), sorted(registered))
    assert not mismatches, f"'Checked by:' (markdown, registry) disagree: {mismatches}"


def test_every_check_has_a_known_kind() -> None:
    unknown = {c.name: c.kind for c in checks.CHECKS.values() if c.kind not in checks.KINDS}
    assert not unknown


def test_readme_indexes_every_theorem_with_its_title_and_file() -> None:
    readme = (PROOFS_DIR / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^\| (T\d+\.\d+) \| (.+?) \| \[(.+?)\]", readme, re.MULTILINE)
    }
    expected = {t.id: (t.title, t.file) for t in checks.THEOREMS.values()}
    assert rows == expected


def test_a_failing_check_is_reported_not_raised() -> None:
    def always_fails(profile: checks.Profile) -> str:
        raise checks.CheckError("counterexample at x = 1")

    checks.CHECKS["_always_fails"] = checks.Check("_always_fails", "T1.1", "symbolic", always_fails)
    try:
        record = checks.run_check("_always_fails")
    finally:
        del checks.CHECKS["_always_fails"]
    assert (record.status, record.detail) == ("failed", "counterexample at x = 1")


def test_missing_sympy_skips_symbolic_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks.machinery, "_sympy_module", None)
    record = checks.run_check("t1_1_symbolic")
    assert (record.status, record.detail) == ("skipped", "skipped: sympy not installed")


def test_unknown_profile_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        checks.run_all("nightly")


def _id_key(theorem_id: str) -> tuple[int, int]:
    major, minor = theorem_id[1:].split(".")
    return int(major), int(minor)
