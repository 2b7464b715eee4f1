"""The report of a run: what each property found, as text, JSON and JUnit XML.

A ``Report`` holds one ``PropertyResult`` per property: its status, the effort spent, the
worst case seen and, for a failure or an edge finding, the input, the values and a snippet
that reproduces it. ``format_report`` renders it for a person, ``Report.to_json`` and
``Report.to_junit`` for machines. ``neuron.gate.runner`` fills it in.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from neuron.gate.properties import PROPERTIES, Args, Property

__all__ = [
    "EXCEPTION",
    "FLUSHED",
    "LARGER",
    "NONFINITE",
    "OVERFLOW",
    "Failure",
    "PropertyResult",
    "Report",
    "classified",
    "format_report",
    "reproduction",
]


@dataclass
class Failure:
    """The minimal failing input of a property and what went wrong there."""

    args: Args
    message: str
    expected: float | None = None
    got: float | None = None
    error: float | None = None
    allowed: float | None = None
    #: "round values" (the first failing combination of round values), "search"
    #: (Hypothesis, shrunk), "search, not shrunk" (a hang or a crash stops the search at
    #: once) or "sweep" (the simplest failing point of the sweep)
    found_by: str = "search"
    #: for a sweep failure without a single-point measurement (nondeterminism, a mutated
    #: argument, an exception on a batch): the sweep's seed and size, to rerun it
    sweep_seed: int | None = None
    sweep_points: int | None = None
    #: for an edge finding: its class ("overflow to ∞ or NaN in an intermediate", ...)
    kind: str = ""


@dataclass
class PropertyResult:
    """The outcome of one property."""

    id: str
    title: str
    theorems: tuple[str, ...]
    status: str  # passed | failed | finding (fails at edge inputs only) | not provided
    examples: int = 0
    points: int = 0  # every point compared: the examples' elements and the sweep's
    sweep_points: int = 0
    sweep_mode: str = ""  # "arrays", or "elementwise" for code that cannot take arrays
    rechecked: int = 0  # sweep points judged by the oracle (beyond the quick bound)
    worst_error: float = 0.0
    worst_allowed: float = 0.0
    worst_args: Args | None = None
    unit: str = ""
    seconds: float = 0.0
    failure: Failure | None = None
    #: a counterexample at edge inputs only (neuron.gate.domains), where none is ordinary
    finding: Failure | None = None
    missing: tuple[str, ...] = field(default=())
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """Everything a run found, with what it tested and how hard."""

    target: str
    policy: str
    profile: str
    seed: int | None
    results: list[PropertyResult]
    max_examples: int | None = None
    sweep: int = 0  # points per function
    isolation: str = "in-process"  # or "worker process, timeout T s per call"
    printed: int = 0  # bytes the target wrote to stdout and stderr (tolerated)
    printed_first_line: str = ""
    seconds: float = 0.0
    #: the protocol functions the target provides
    provided: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """No property failed at an ordinary input (edge findings do not count)."""
        return all(r.status != "failed" for r in self.results)

    @property
    def findings(self) -> int:
        """Properties that fail at edge inputs only."""
        return sum(r.status == "finding" for r in self.results)

    @property
    def points(self) -> int:
        """Every point compared, over all properties."""
        return sum(r.points for r in self.results)

    def to_json(self) -> str:
        def encode(value: Any) -> Any:
            if isinstance(value, float) and not math.isfinite(value):
                return repr(value)
            if isinstance(value, (tuple, list)):
                return [encode(v) for v in value]
            if isinstance(value, dict):
                return {k: encode(v) for k, v in value.items()}
            return value

        results = []
        for r in self.results:
            record = {k: v for k, v in vars(r).items() if k not in ("failure", "finding")}
            record["failure"] = vars(r.failure) if r.failure else None
            record["finding"] = vars(r.finding) if r.finding else None
            results.append(encode(record))
        head = {"target": self.target, "policy": self.policy, "profile": self.profile}
        effort = {
            "seed": self.seed,
            "max_examples": self.max_examples,
            "sweep": self.sweep,
            "isolation": self.isolation,
            "printed": self.printed,
            "seconds": self.seconds,
            "points": self.points,
        }
        return json.dumps(encode({**head, **effort, "results": results}), indent=2)

    def to_junit(self) -> str:
        """JUnit XML: one testsuite, one testcase per property (failures with their message)."""
        suite = ElementTree.Element(
            "testsuite",
            name=f"neuron verify {self.target}",
            tests=str(len(self.results)),
            failures=str(sum(r.status == "failed" for r in self.results)),
            errors="0",
            skipped=str(sum(r.status == "not provided" for r in self.results)),
            time=f"{self.seconds:.3f}",
        )
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (
            ("target", self.target),
            ("policy", self.policy),
            ("profile", self.profile),
            ("seed", "" if self.seed is None else str(self.seed)),
            ("sweep", str(self.sweep)),
            ("isolation", self.isolation),
        ):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        by_id = {p.id: p for p in PROPERTIES}
        for r in self.results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=f"neuron.verify.{self.policy}",
                name=r.id,
                time=f"{r.seconds:.3f}",
            )
            if r.status == "not provided":
                ElementTree.SubElement(
                    case, "skipped", message=f"not provided: {', '.join(r.missing)}"
                )
            elif r.failure is not None:
                body = _failure_lines(self, r, by_id[r.id])
                failure = ElementTree.SubElement(case, "failure", message=r.failure.message)
                failure.text = "\n".join(body)
            out = ElementTree.SubElement(case, "system-out")
            out.text = _summary(r)
            if r.finding is not None:  # a note, not a failure (unless --strict made it one)
                out.text += "\n" + "\n".join(_finding_lines(self, r, by_id[r.id]))
        root = ElementTree.Element("testsuites")
        root.append(suite)
        ElementTree.indent(root)
        return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


#: The classes of edge findings, as the report names them.
OVERFLOW = "overflow to ∞ or NaN in an intermediate"
FLUSHED = "subnormals flushed to zero"
EXCEPTION = "an exception at an extreme input"
NONFINITE = "a NaN or infinite input not answered as IEEE 754 propagates it"
LARGER = "an error beyond the policy's bound at an extreme input"


def classified(finding: Failure) -> Failure:
    """The finding with its class: what most likely made correct-looking code differ there."""
    tiny = any(0 < abs(a) < 2.0**-1022 for a in finding.args)
    if finding.expected is None:
        finding.kind = EXCEPTION
    elif not all(math.isfinite(a) for a in finding.args):
        finding.kind = NONFINITE
    elif finding.got is not None and not math.isfinite(finding.got):
        finding.kind = OVERFLOW
    elif tiny or (finding.got == 0 and finding.expected != 0):
        finding.kind = FLUSHED
    else:
        finding.kind = LARGER
    return finding


def reproduction(
    target: str, policy: str, prop: Property, args: Args, failure: Failure | None = None
) -> str:
    """A Python snippet that reruns one property at one input (or the sweep that failed)."""
    if failure is not None and failure.sweep_seed is not None:
        return (
            "from neuron.gate.protocol import load\n"
            "from neuron.gate.sweep import sweep\n"
            "from neuron.gate.tolerance import parse_policy\n"
            f"r = sweep({prop.sweep!r}, load({target!r}), parse_policy({policy!r}), "
            f"{failure.sweep_points!r}, seed={failure.sweep_seed!r})\n"
            "print(r.failure_args, r.message)"
        )
    return (
        "from neuron.gate.properties import by_id\n"
        "from neuron.gate.protocol import load\n"
        "from neuron.gate.tolerance import parse_policy\n"
        f"m = by_id({prop.id!r}).check(load({target!r}), parse_policy({policy!r}), "
        f"{_literal(args)})\n"
        "print(m.passed, m.expected, m.got, m.error, m.allowed)"
    )


def _literal(args: Args) -> str:
    """The arguments as Python source that runs anywhere: float('nan'), float('inf')."""
    parts = [repr(float(a)) if math.isfinite(a) else f"float({str(float(a))!r})" for a in args]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def _summary(r: PropertyResult) -> str:
    """One line: what was checked and how hard."""
    sweep = f", {r.sweep_points} sweep points ({r.rechecked} re-checked by the oracle)"
    return f"{r.status}: {r.examples} examples{sweep if r.sweep_points else ''}, {r.seconds:.2f} s"


def _failure_lines(report: Report, r: PropertyResult, prop: Property) -> list[str]:
    assert r.failure is not None
    found = {
        "search": "Hypothesis, shrunk to a minimal input",
        "search, not shrunk": "Hypothesis; not shrunk (a hang, a crash or a flaky answer)",
        "search, budget": "Hypothesis, shrunk until the shrinking budget was spent",
        "sweep": f"the sweep of {report.sweep} points per function (its simplest failing point)",
        "round values": "trying round values first (0, ±½, ±1, ±2, ¼, ¾, ±4, ±40, ±800)",
    }[r.failure.found_by]
    lines = [
        f"  input: {_named(prop, r.failure.args)}",
        f"  {r.failure.message}",
        f"  found by: {found}",
    ]
    snippet = reproduction(report.target, report.policy, prop, r.failure.args, r.failure)
    return [*lines, "  reproduce:", *("    " + line for line in snippet.splitlines())]


def _finding_lines(report: Report, r: PropertyResult, prop: Property) -> list[str]:
    assert r.finding is not None
    f = r.finding
    lines = [
        f"  class: {f.kind}",
        f"  input: {_named(prop, f.args)}",
        f"  {f.message}",
        "  no ordinary input fails (neuron.gate.domains): this fails the run only with --strict",
    ]
    snippet = reproduction(report.target, report.policy, prop, f.args, f)
    return [*lines, "  reproduce:", *("    " + line for line in snippet.splitlines())]


def _named(prop: Property, args: Args) -> str:
    """The input with its arguments named, as `w=0.5, x=2.0, t=0.25`."""
    kinds = prop.kinds()
    if len(kinds) != len(args):
        return repr(args)
    return ", ".join(f"{k}={a!r}" for k, a in zip(kinds, args, strict=True))


def format_report(report: Report) -> str:
    """A plain-text table, one row per property, notes, and the failures below it."""
    header = (
        f"neuron verify: target {report.target}, policy {report.policy}, "
        f"profile {report.profile}" + (f", seed {report.seed}" if report.seed is not None else "")
    )
    sweep = f", a sweep of {report.sweep} points per function" if report.sweep else ""
    effort = f"effort: {report.max_examples} examples per property{sweep}; {report.isolation}"
    rows = [
        ("property", "status", "examples", "sweep", "worst error", "allowed there", "at", "time")
    ]
    for r in report.results:
        at = "" if r.worst_args is None else ", ".join(f"{a:.6g}" for a in r.worst_args)
        checked = bool(r.examples or r.sweep_points)
        rows.append(
            (
                r.id,
                r.status if not r.missing else f"not provided ({', '.join(r.missing)})",
                str(r.examples),
                str(r.sweep_points) if r.sweep_points else "",
                f"{r.worst_error:.3g} {r.unit}" if checked else "",
                f"{r.worst_allowed:.3g}" if checked else "",
                at,
                f"{r.seconds:.2f}s",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header, effort, ""]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    counts = {
        s: sum(r.status == s for r in report.results) for s in ("passed", "failed", "finding")
    }
    skipped = len(report.results) - sum(counts.values())
    findings = counts["finding"]
    lines.append("")
    absent = sorted({f for r in report.results for f in r.missing})
    lines.append(
        f"{counts['passed']} passed, {counts['failed']} failed, "
        f"{findings} edge finding{'' if findings == 1 else 's'}, {skipped} not provided"
        + (f" (the target has no {', '.join(absent)})" if absent else "")
        + f"; {report.points} points checked in {report.seconds:.1f} s"
    )
    notes = [f"  {r.id}: {note}" for r in report.results for note in r.notes]
    if report.printed:
        notes.append(
            f"  the target wrote {report.printed} bytes to stdout/stderr (tolerated, not shown; "
            f"first line: {report.printed_first_line!r})"
        )
    if notes:
        lines += ["", "notes:", *notes]
    by_id = {p.id: p for p in PROPERTIES}
    for r in report.results:
        if r.failure is not None:
            lines += [
                "",
                f"FAILED {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                *_failure_lines(report, r, by_id[r.id]),
            ]
    for r in report.results:
        if r.finding is not None:
            lines += [
                "",
                f"EDGE FINDING {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                *_finding_lines(report, r, by_id[r.id]),
            ]
    return "\n".join(lines)
