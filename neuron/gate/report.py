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
from pathlib import Path
from typing import Any, Final
from xml.etree import ElementTree

from neuron.gate.checks import Args
from neuron.gate.properties import PROPERTIES, Property
from neuron.gate.protocol import PROTOCOL

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
    "diagnosis",
    "distinct",
    "format_report",
    "reproduction",
    "verdict_lines",
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
    #: the unit of `error` and `allowed` ("ulps", "abs", "× E(w)", ...)
    unit: str = ""
    #: other failing inputs of the same call, as (args, expected, got): the round values that
    #: fail besides the first, for a diagnosis that holds at all of them
    samples: list[tuple[Args, float, float]] = field(default_factory=list)


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
    #: the functions the run requires (--require): one that is missing fails it
    required: tuple[str, ...] = ()
    #: whether edge findings fail the run (--strict)
    strict: bool = False

    @property
    def passed(self) -> bool:
        """No property failed at an ordinary input (edge findings do not count)."""
        return all(r.status != "failed" for r in self.results)

    @property
    def missing_required(self) -> tuple[str, ...]:
        """The required functions the target does not provide."""
        return tuple(f for f in self.required if f not in self.provided)

    @property
    def verdict(self) -> bool:
        """The run's outcome: passed, no required function missing, no finding under strict."""
        return self.passed and not self.missing_required and not (self.strict and self.findings)

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
        head = {
            "target": self.target,
            "policy": self.policy,
            "profile": self.profile,
            "verdict": "pass" if self.verdict else "fail",
            "strict": self.strict,
            "required": list(self.required),
            "missing_required": list(self.missing_required),
        }
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
        if self.required:  # --require: one testcase, failing if a required function is missing
            case = ElementTree.SubElement(
                suite, "testcase", classname=f"neuron.verify.{self.policy}", name="required"
            )
            if self.missing_required:
                missing = ", ".join(self.missing_required)
                ElementTree.SubElement(case, "failure", message=f"not provided: {missing}")
                suite.set("failures", str(int(suite.get("failures", "0")) + 1))
            suite.set("tests", str(int(suite.get("tests", "0")) + 1))
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
            f"r = sweep({prop.sweep!r}, load({_anywhere(target)!r}), parse_policy({policy!r}), "
            f"{failure.sweep_points!r}, seed={failure.sweep_seed!r})\n"
            "print(r.failure_args, r.message)"
        )
    return (
        "from neuron.gate.properties import by_id\n"
        "from neuron.gate.protocol import load\n"
        "from neuron.gate.tolerance import parse_policy\n"
        f"m = by_id({prop.id!r}).check(load({_anywhere(target)!r}), parse_policy({policy!r}), "
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


def _failure_lines(
    report: Report, r: PropertyResult, prop: Property, *, in_verdict: bool = False
) -> list[str]:
    """A failure's block; `in_verdict`: its function's snippet is in the verdict already."""
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
    if in_verdict and prop.sweep is not None and r.failure.sweep_seed is None:
        return [*lines, f"  reproduce: the snippet for {prop.sweep} in the verdict above"]
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


#: Where e^{±z} leaves the float64 range: e^709.78 is the largest finite one.
_EXP_OVERFLOW: Final = 709.782712893384
#: |t − y| above which (t − y)² overflows.
_SQUARE_OVERFLOW: Final = 2.0**512


def _overflowing_intermediate(function: str, args: Args) -> str:
    """The textbook intermediate that leaves the float range at these finite arguments, if one."""
    named = dict(zip(PROTOCOL[function], args, strict=True))
    if "z" in named:
        z = named["z"]
    elif "w" in named:
        z = named["w"] * named["x"]
        if not math.isfinite(z):
            return f"w·x = {named['w']!r}·{named['x']!r} overflows"
    else:
        difference = abs(named["t"] - named["y"])
        if difference >= _SQUARE_OVERFLOW:
            return f"(t − y)² overflows: |t − y| = {difference:.6g} >= 2^512"
        return ""
    if abs(z) > _EXP_OVERFLOW:
        return f"e^|z| overflows: |z| = {abs(z):.6g} > {_EXP_OVERFLOW:.2f}"
    return ""


def _simple_factor(ratio: float) -> str:
    """A recognizable constant: ±2^k (|k| <= 4) or 1/n for a whole n up to 10^6, else ''."""
    for k in range(-4, 5):
        for sign in (1.0, -1.0):
            if k != 0 and math.isclose(ratio, sign * 2.0**k, rel_tol=1e-9):
                fraction = {-1: "½", -2: "¼", -3: "⅛", -4: "1/16"}
                return ("−" if sign < 0 else "") + (fraction[k] if k < 0 else str(2**k))
    if 0 < ratio < 1:
        n = round(1 / ratio)
        if n >= 3 and math.isclose(ratio * n, 1.0, rel_tol=1e-9):
            return f"1/{n}"
    return ""


def diagnosis(function: str, failure: Failure) -> str:  # noqa: PLR0911 - one finding a line
    """What the numbers of a failure suggest, in words; '' where they suggest nothing.

    A pattern is named only where it holds at the failure and at every other failing input
    of the same call (``Failure.samples``) where it can be told.
    """
    args, expected, got = failure.args, failure.expected, failure.got
    if len(args) != len(PROTOCOL[function]):  # no single input (a flaky answer)
        return ""
    if expected is None or got is None:  # the target raised
        cause = _overflowing_intermediate(function, args)
        return f"an exception at a finite input ({cause})" if cause else ""
    if math.isnan(got) and not math.isnan(expected) and all(math.isfinite(a) for a in args):
        cause = _overflowing_intermediate(function, args) or "an intermediate overflowed"
        return f"NaN from a finite input: {cause}, and ∞/∞, ∞ − ∞ or 0·∞ is NaN"
    samples = [(args, expected, got), *failure.samples]
    told = [
        (a, e, g)
        for a, e, g in samples
        if math.isfinite(e) and math.isfinite(g) and e != 0 and g != 0
    ]
    pattern = _pattern(function, told)
    if pattern:
        return pattern
    if math.isfinite(expected) and expected != 0 and got == 0:
        return "zero where the exact value is tiny but representable: underflow or a flush to zero"
    if failure.unit == "ulps" and failure.error is not None and failure.error <= 2:
        return f"an error of about one ulp ({failure.error:.4g}), more than allowed here"
    return ""


def _pattern(function: str, told: list[tuple[Args, float, float]]) -> str:  # noqa: PLR0911
    """A relation between got and expected that holds at every sample, in words, or ''.

    For the step, the relation is sought between the updates w' − w, where the chain rule's
    slips show (a missing factor, a flipped sign).
    """
    subject, kinds = "got", PROTOCOL[function]
    if function == "step":
        told = [(a, e - a[0], g - a[0]) for a, e, g in told if e != a[0] and g != a[0]]
        subject = "the update w' − w"
    if not told:
        return ""
    ratios = [g / e for _, e, g in told]
    if all(math.isclose(r, ratios[0], rel_tol=1e-9) for r in ratios):
        factor = _simple_factor(ratios[0])
        if math.isclose(ratios[0], -1.0, rel_tol=1e-9):
            return f"a flipped sign: {subject} = −expected" + _where(told)
        if factor.startswith("1/") and int(factor[2:]) > 16:
            count = factor[2:]
            return f"{subject} = expected/{count}: divided by a count (the batch size?)" + _where(
                told
            )
        if factor:
            hint = {
                ("loss", "2"): ": is the loss (t − y)² without the ½?",
                ("gradient", "2"): ": the derivative of (t − y)², without the ½?",
            }.get((function, factor), "")
            return f"a constant factor: {subject} = {factor}·expected{hint}" + _where(told)
    if "x" in kinds:
        at = kinds.index("x")
        told_x = [(a, e, g) for a, e, g in told if abs(a[at]) not in (0.0, 1.0)]
        distinct_x = len({abs(a[at]) for a, _, _ in told_x})
        if distinct_x > 1 and all(math.isclose(g * a[at], e, rel_tol=1e-9) for a, e, g in told_x):
            return f"{subject} = expected/x: the chain rule's factor x is missing" + _where(told_x)
    relative = [abs(g - e) / abs(e) for _, e, g in told]
    if all(2.0**-30 < r <= 2.0**-21 for r in relative):
        return (
            "errors of single precision at every failing input (relative "
            f"{min(relative):.2g} to {max(relative):.2g}; float32's unit roundoff is "
            "6e-08): computed in float32?"
        )
    return ""


def _where(told: list[tuple[Args, float, float]]) -> str:
    return f" (at all {len(told)} failing inputs tried)" if len(told) > 1 else ""


def _wrong_functions(report: Report) -> list[tuple[str, PropertyResult]]:
    """Each function whose comparison with the oracle failed, with that result."""
    by_id = {p.id: p for p in PROPERTIES}
    wrong = []
    for r in report.results:
        prop = by_id[r.id]
        if r.failure is not None and prop.sweep is not None:
            wrong.append((prop.sweep, r))
    return wrong


def _call_snippet(target: str, function: str, args: Args) -> str:
    """Python that calls the target's function at `args` beside the reference's answer."""
    return (
        "import neuron\n"
        "from neuron.gate.protocol import load\n"
        f"args = {_literal(args)}\n"
        f"print(load({_anywhere(target)!r})({function!r}, *args), "
        f"'expected', neuron.{function}(*args))"
    )


def _anywhere(target: str) -> str:
    """The target as a snippet run from any directory loads it: a file by its absolute path."""
    return str(Path(target).resolve()) if target.endswith(".py") else target


def verdict_lines(report: Report) -> list[str]:
    """The story of a run in a few lines: pass, or which functions are wrong, where and how."""
    failed = [r for r in report.results if r.status == "failed"]
    absent = sorted({f for r in report.results for f in r.missing})
    unchecked = f"; not provided, so not checked: {', '.join(absent)}" if absent else ""
    findings = report.findings
    found = f"{findings} edge finding{'s' * (findings != 1)} (below)"
    if not failed:
        if report.missing_required:
            missing = ", ".join(report.missing_required)
            return [f"VERDICT: FAIL: required but not provided: {missing} (--require)"]
        if findings and report.strict:
            return [f"VERDICT: FAIL: {found}, and --strict fails every finding{unchecked}"]
        return ["VERDICT: PASS" + (f", with {found}" if findings else "") + unchecked]
    by_id = {p.id: p for p in PROPERTIES}
    wrong = _wrong_functions(report)
    names = ", ".join(function for function, _ in wrong)
    lines = [
        f"VERDICT: FAIL: {len(failed)} propert{'y' if len(failed) == 1 else 'ies'} failed"
        + (f"; wrong against the oracle: {names}" if wrong else "")
    ]
    for function, r in wrong:
        f = r.failure
        assert f is not None
        prop = by_id[r.id]
        if f.expected is None or f.got is None or f.error is None or f.allowed is None:
            how = f.message
        else:
            error, allowed = distinct(f.error, f.allowed)
            how = (
                f"expected {f.expected!r}, got {f.got!r} ({error} {f.unit} off, {allowed} allowed)"
            )
        lines.append(f"  {function} at {_named(prop, f.args)}: {how}")
        said = diagnosis(function, f)
        if said:
            lines.append(f"    diagnosis: {said}")
        if f.args:  # a flaky answer that Hypothesis could not pin to one input has none
            snippet = _call_snippet(report.target, function, f.args)
            lines += ["    reproduce:", *("      " + line for line in snippet.splitlines())]
    others = [r.id for r in failed if by_id[r.id].sweep is None]
    if others:
        lines.append(f"  also failed: {', '.join(others)} (blocks below)")
    if report.missing_required:
        lines.append(f"  required but not provided: {', '.join(report.missing_required)}")
    elif absent:
        lines.append(f"  {unchecked[2:]}")
    return lines


def distinct(a: float, b: float) -> tuple[str, str]:
    """a and b with enough digits that they print differently (3 at least, 17 at most)."""
    for digits in range(3, 18):
        left, right = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if left != right:
            return left, right
    return left, right


def _row_cells(r: PropertyResult) -> tuple[str, ...]:
    """status, examples, sweep, error, allowed and input of a row: a failure's own numbers
    (an exception named as such), else the worst case seen."""
    status = r.status if not r.missing else f"not provided ({', '.join(r.missing)})"
    sweep = str(r.sweep_points) if r.sweep_points else ""
    shown = r.failure or r.finding
    if shown is not None:
        at = ", ".join(f"{a:.6g}" for a in shown.args)
        if shown.error is None or shown.allowed is None:  # an exception, a hang: no numbers
            words = shown.message.split(":")[0]
            return status, str(r.examples), sweep, words[:40], "", at
        error, allowed = distinct(shown.error, shown.allowed)
        return status, str(r.examples), sweep, f"{error} {shown.unit}".rstrip(), allowed, at
    if not (r.examples or r.sweep_points):
        return status, str(r.examples), sweep, "", "", ""
    at = "" if r.worst_args is None else ", ".join(f"{a:.6g}" for a in r.worst_args)
    error = f"{r.worst_error:.3g} {r.unit}"
    return status, str(r.examples), sweep, error, f"{r.worst_allowed:.3g}", at


def format_report(report: Report) -> str:
    """A plain-text table, one row per property, notes, and the failures below it."""
    header = (
        f"neuron verify: target {report.target}, policy {report.policy}, "
        f"profile {report.profile}" + (f", seed {report.seed}" if report.seed is not None else "")
    )
    sweep = f", a sweep of {report.sweep} points per function" if report.sweep else ""
    effort = f"effort: {report.max_examples} examples per property{sweep}; {report.isolation}"
    rows: list[tuple[str, ...]] = [
        ("property", "status", "examples", "sweep", "worst error", "allowed there", "at", "time")
    ]
    for r in report.results:
        rows.append((r.id, *_row_cells(r), f"{r.seconds:.2f}s"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [header, effort, "", *verdict_lines(report), ""]
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
                *_failure_lines(report, r, by_id[r.id], in_verdict=True),
            ]
    for r in report.results:
        if r.finding is not None:
            lines += [
                "",
                f"EDGE FINDING {r.id}: {r.title} (theorems {', '.join(r.theorems)})",
                *_finding_lines(report, r, by_id[r.id]),
            ]
    return "\n".join(lines)
