"""``neuron proofs``: run the machine checks of proofs/ and report theorem by theorem.

The theorems and their checks live in proofs/ at the top of the repository; the wheel carries
that directory as the package ``neuron_proofs`` (see pyproject.toml), so the command works from
an installed copy as well as from a checkout.

A theorem is *verified* when it has at least one check and every one of its checks ran and
passed. A symbolic check that could not run because sympy is missing ("skipped: sympy not
installed"; ``pip install 'neuron[proofs]'``) leaves its theorem *not verified*: a point check
at a few hundred inputs is evidence, the symbolic proof of the identity is the proof. Exit
status: 0 every theorem verified, 1 some theorem not verified, 2 the proofs or the options
could not be used.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "PACKAGE",
    "PROFILES",
    "CheckOutcome",
    "ProofsNotFoundError",
    "TheoremOutcome",
    "add_arguments",
    "check_theorems",
    "load_checks",
    "run",
    "select",
]

#: The import name of proofs/ in an installed wheel (and of the checkout copy once loaded).
PACKAGE = "neuron_proofs"

#: Profiles of proofs/checks/ (tests/test_theorems.py keeps this list equal to its PROFILES).
PROFILES = ("dev", "ci", "thorough")

#: Where proofs/ sits in a source checkout: beside the neuron/ package directory.
CHECKOUT = Path(__file__).resolve().parents[1] / "proofs"


class ProofsNotFoundError(RuntimeError):
    """Neither an installed ``neuron_proofs`` nor a checkout's proofs/ could be found."""


def load_checks(checkout: Path = CHECKOUT) -> ModuleType:
    """Import the machine checks: a source checkout's proofs/, else the installed copy.

    A checkout (neuron/ beside proofs/, as in an editable install, whose ``neuron_proofs`` in
    site-packages is a snapshot taken at install time) has its live proofs/ imported, under
    the same name ``neuron_proofs``, so that every caller in a process shares one registry.
    """
    if PACKAGE not in sys.modules:
        marks = (checkout / "checks" / "__init__.py", checkout / "01-chain-rule.md")
        if all(mark.is_file() for mark in marks):
            spec = importlib.util.spec_from_file_location(
                PACKAGE, checkout / "__init__.py", submodule_search_locations=[str(checkout)]
            )
            # A path ending in .py always gets a spec with a source loader.
            assert spec is not None
            assert spec.loader is not None
            package = importlib.util.module_from_spec(spec)
            sys.modules[PACKAGE] = package
            spec.loader.exec_module(package)
        elif importlib.util.find_spec(PACKAGE) is None:
            raise ProofsNotFoundError(
                f"no proofs/ directory at {checkout} and no installed {PACKAGE} package"
            )
    return importlib.import_module(f"{PACKAGE}.checks")


@dataclass(frozen=True)
class CheckOutcome:
    """One machine check as run: kind (symbolic, high-precision, interval), status, detail."""

    name: str
    kind: str
    status: str  # verified | failed | skipped
    detail: str
    seconds: float


@dataclass(frozen=True)
class TheoremOutcome:
    """A theorem of proofs/ with the outcomes of its checks."""

    id: str
    title: str
    statement: str
    file: str
    checks: tuple[CheckOutcome, ...]

    @property
    def verified(self) -> bool:
        """Every check ran and passed (and there is at least one)."""
        return bool(self.checks) and all(c.status == "verified" for c in self.checks)

    @property
    def status(self) -> str:
        """``verified``, or why not: the failed checks, else the skipped ones."""
        if self.verified:
            return "verified"
        if not self.checks:
            return "not verified: no machine check is registered"
        failed = [c for c in self.checks if c.status == "failed"]
        if failed:
            return "failed: " + "; ".join(f"{c.name}: {c.detail}" for c in failed)
        skipped = [c for c in self.checks if c.status != "verified"]
        return "not verified: " + "; ".join(f"{c.name} {c.detail}" for c in skipped)

    @property
    def seconds(self) -> float:
        """Time spent in this theorem's checks."""
        return sum(c.seconds for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of ``neuron proofs --json``."""
        return {
            "id": self.id,
            "title": self.title,
            "statement": self.statement,
            "file": self.file,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "checks": [
                {
                    "name": c.name,
                    "kind": c.kind,
                    "status": c.status,
                    "detail": c.detail,
                    "seconds": round(c.seconds, 3),
                }
                for c in self.checks
            ],
        }


def _id_key(theorem_id: str) -> tuple[int, int]:
    major, minor = theorem_id[1:].split(".")
    return int(major), int(minor)


def select(theorems: Mapping[str, Any], ids: Sequence[str] = ()) -> list[str]:
    """The theorem ids to check, in theorem order: `ids`, or every theorem when it is empty."""
    unknown = [i for i in ids if i not in theorems]
    if unknown:
        known = sorted(theorems, key=_id_key)
        raise ValueError(
            f"no theorem {', '.join(unknown)} in proofs/ (the ids run from {known[0]} to "
            f"{known[-1]})"
        )
    return sorted(ids or theorems, key=_id_key)


def check_theorems(
    checks: ModuleType,
    profile: str = "ci",
    ids: Sequence[str] = (),
    on_result: Callable[[TheoremOutcome], None] | None = None,
) -> list[TheoremOutcome]:
    """Run the checks of every theorem (or of `ids`), in theorem order.

    `on_result` is called with each theorem as soon as its checks are done.
    """
    theorems = checks.THEOREMS
    outcomes = []
    for theorem_id in select(theorems, ids):
        theorem = theorems[theorem_id]
        names = sorted(c.name for c in checks.iter_checks_for(theorem_id))
        records = [checks.run_check(name, profile) for name in names]
        outcome = TheoremOutcome(
            id=theorem_id,
            title=str(theorem.title),
            statement=str(theorem.statement),
            file=str(theorem.file),
            checks=tuple(
                CheckOutcome(r.check, r.kind, r.status, r.detail, float(r.seconds)) for r in records
            ),
        )
        outcomes.append(outcome)
        if on_result is not None:
            on_result(outcome)
    return outcomes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``neuron proofs``."""
    parser.description = (
        "Run the machine checks of the theorems in proofs/ and print one row per theorem. Exit "
        "status 0 only if every theorem is verified (a check skipped for want of sympy leaves "
        "its theorem unverified), 1 otherwise, 2 when the proofs or the options are unusable."
    )
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help="check only these theorems, e.g. T3.2 (default: all)"
    )
    parser.add_argument(
        "--profile",
        default="ci",
        choices=PROFILES,
        help="how hard the checks try: points per check and width of the interval bounds",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")


_STATUS_WIDTH = len("not verified")


def _short_status(outcome: TheoremOutcome) -> str:
    return outcome.status.split(":", 1)[0]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()


def run(args: argparse.Namespace) -> int:
    """Run ``neuron proofs`` with parsed options; return the exit status."""
    try:
        checks = load_checks(CHECKOUT)
        theorems = checks.THEOREMS
        chosen = select(theorems, args.ids)
    except (ProofsNotFoundError, ValueError) as error:
        print(f"neuron: error: {error}", file=sys.stderr)
        return 2
    profile = checks.PROFILES[args.profile]
    source = Path(str(checks.PROOFS_DIR))
    print(
        f"neuron proofs: {_count(len(chosen), 'theorem')}, profile {args.profile} "
        f"({profile.examples} points per check), from {source}"
    )
    print()
    title_width = max(len(str(theorems[i].title)) for i in chosen)
    widths = (4, title_width, _STATUS_WIDTH, len("checks"), len("time"))
    print(_row(("id", "title", "status", "checks", "time"), widths))

    def show(outcome: TheoremOutcome) -> None:
        passed = sum(c.status == "verified" for c in outcome.checks)
        cells = (
            outcome.id,
            outcome.title,
            _short_status(outcome),
            f"{passed}/{len(outcome.checks)}",
            f"{outcome.seconds:.2f}s",
        )
        print(_row(cells, widths), flush=True)

    start = time.perf_counter()
    outcomes = check_theorems(checks, args.profile, chosen, on_result=show)
    elapsed = time.perf_counter() - start
    verified = sum(o.verified for o in outcomes)
    print()
    print(f"{verified} of {len(outcomes)} theorems verified in {elapsed:.1f} s")
    for outcome in outcomes:
        for c in outcome.checks:
            if c.status == "failed":
                print(f"  FAILED {outcome.id} {c.name} [{c.kind}]: {c.detail}")
    skipped = [c for o in outcomes for c in o.checks if c.status == "skipped"]
    if skipped:
        reason = skipped[0].detail.removeprefix("skipped: ")
        counted = _count(len(skipped), "check") + (" was" if len(skipped) == 1 else " were")
        print(f"{counted} skipped ({reason}); a theorem with a skipped check is not verified.")
        print("pip install 'neuron[proofs]' installs sympy, which runs them.")
    if args.json is not None:
        document = {
            "profile": args.profile,
            "verified": verified == len(outcomes),
            "seconds": round(elapsed, 3),
            "theorems": [o.to_dict() for o in outcomes],
        }
        try:
            args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        except OSError as error:
            print(f"neuron: error: cannot write {args.json}: {error.strerror}", file=sys.stderr)
            return 2
    return 0 if verified == len(outcomes) else 1
