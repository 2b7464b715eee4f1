"""Every theorem of proofs/ is cited by code or a test that relies on it, and every cited id exists.

A citation is a theorem id (``T3.2``) anywhere in a Python file of neuron/ or tests/: in a
comment, a docstring, a message, or a ``Property.theorems`` tuple of the catalogue. Files that
handle theorem ids as data rather than relying on a theorem are not scanned; see NOT_CITING.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from neuron.theorems import load_checks

REPO_ROOT = Path(__file__).resolve().parents[1]
THEOREM_ID = re.compile(r"\bT\d+\.\d+\b")

NOT_CITING = {
    "neuron/theorems.py",  # `neuron proofs`: runs whatever theorems proofs/ states
    "tests/test_proofs.py",  # lists the contract's ids to check that they are stated
    "tests/test_theorems.py",  # picks theorems to run `neuron proofs` on
    "tests/test_traceability.py",  # this file
}

checks: Any = load_checks()
THEOREMS = checks.parse_theorems(REPO_ROOT / "proofs")  # the checkout's Markdown


def _cited_by(paths: list[Path]) -> dict[str, list[str]]:
    """Theorem id -> the places ("file:line") that cite it."""
    places: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        relative = path.relative_to(REPO_ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for theorem_id in THEOREM_ID.findall(line):
                places[theorem_id].append(f"{relative}:{number}")
    return places


def _python_sources() -> list[Path]:
    found = sorted((REPO_ROOT / "neuron").rglob("*.py")) + sorted(
        (REPO_ROOT / "tests").rglob("*.py")
    )
    return [p for p in found if p.relative_to(REPO_ROOT).as_posix() not in NOT_CITING]


CITATIONS = _cited_by(_python_sources())


def test_sources_are_found() -> None:
    # A moved tree would make both tests below pass vacuously.
    assert (REPO_ROOT / "neuron" / "gate" / "properties.py") in _python_sources()
    assert len(THEOREMS) >= 20


def test_every_cited_theorem_exists() -> None:
    unknown = {i: places for i, places in CITATIONS.items() if i not in THEOREMS}
    assert not unknown, f"citations of theorems that proofs/*.md does not state: {unknown}"


def test_every_theorem_is_cited() -> None:
    uncited = sorted(set(THEOREMS) - set(CITATIONS))
    assert not uncited, (
        f"theorems that no code or test in neuron/ or tests/ cites: {uncited}; cite each where "
        "the code relies on it (the bound a tolerance uses, the property that checks it)"
    )


def test_readme_cites_only_stated_theorems() -> None:
    cited = _cited_by([REPO_ROOT / "README.md"])
    unknown = {i: places for i, places in cited.items() if i not in THEOREMS}
    assert not unknown, f"README.md cites theorems that proofs/*.md does not state: {unknown}"
