"""How neuron compares: accuracy, detection power, speed, scale and finite differences.

    python benchmarks/run.py [--quick] [--out DIR] [--only SECTION,...] [--no-readme]

Runs the sections of ``benchmarks/compare`` in order (accuracy, detection, speed, scale,
fd_curves), each against the peers that are installed (numpy, scipy, torch, jax,
numdifftools; ``tox -e bench`` installs them all), and writes to DIR (default
benchmarks/results):

* ``results.json``: one object, the metadata (date, machine, Python and every library
  version, the command line, each section's time) and one key per section;
* the figures, as PNG;
* ``results.md``: the Markdown of every section, figure links relative to README.md.

A run into the default DIR without --quick also rewrites the part of README.md between
``<!-- compare:start -->`` and ``<!-- compare:end -->`` with results.md (unless --no-readme),
once results.json holds every section from a full-size run and none failed. --quick uses
smaller sizes and finishes in a few minutes; the README quotes the full run. --only runs some
sections and merges them into the results.json already in DIR, so that one section can be
measured again (on a quieter machine, say) and the README updated; the header then says which
sections were re-run and when. A section that fails is recorded with its error, the others
still run, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
import math
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` puts benchmarks/ first, not the root
    sys.path.insert(0, str(ROOT))

from benchmarks.compare import common  # noqa: E402 - after the root is on sys.path

SECTIONS = ("accuracy", "detection", "speed", "scale", "fd_curves")
DEFAULT_OUT = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
START, END = "<!-- compare:start -->", "<!-- compare:end -->"


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a few minutes")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--only", help=f"comma-separated sections to run, of {', '.join(SECTIONS)}")
    parser.add_argument(
        "--no-readme", action="store_true", help="do not rewrite README.md's comparison"
    )
    options = parser.parse_args(argv)
    if options.only is not None:
        chosen = [s.strip() for s in options.only.split(",") if s.strip()]
        unknown = sorted(set(chosen) - set(SECTIONS))
        if unknown or not chosen:
            parser.error(f"--only takes sections of {', '.join(SECTIONS)}, got {options.only!r}")
        options.sections = [s for s in SECTIONS if s in chosen]
    else:
        options.sections = list(SECTIONS)
    return options


def _run_section(name: str, quick: bool, out: Path) -> dict[str, Any]:
    """One section's results, figures, Markdown and time; its error instead if it failed."""
    module_name = f"benchmarks.compare.{name}"
    if importlib.util.find_spec(module_name) is None:
        return {"skipped": f"skipped: {module_name} does not exist yet", "markdown": ""}
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            section = importlib.import_module(module_name).run(quick, out)
        except Exception as error:  # a broken section must not lose the others' results
            section = {
                "error": f"{type(error).__name__}: {error}",
                "traceback": traceback.format_exc(),
                "markdown": f"### {name}\n\nFailed: {type(error).__name__}: {error}\n",
            }
    section["seconds"] = time.perf_counter() - started
    section["warnings"] = [
        f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})" for w in caught
    ]
    return section


def _metadata(options: argparse.Namespace, argv: list[str] | None) -> dict[str, Any]:
    arguments = sys.argv[1:] if argv is None else argv
    import neuron

    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "neuron imported from": str(Path(neuron.__file__).parent),
        "machine": common.machine(),
        "versions": common.versions(),
        "command": " ".join(["python", "benchmarks/run.py", *arguments]),
        "quick": options.quick,
        "seed": common.SEED,
    }


def _header(document: dict[str, Any]) -> str:
    """The first lines of results.md: what ran, when, where, with which versions."""
    metadata = document["metadata"]
    m = metadata["machine"]
    v = metadata["versions"]
    libraries = ", ".join(
        f"{name} {version}" for name, version in v.items() if version and name != "python"
    )
    sections = {n: document[n] for n in SECTIONS if n in document}
    minutes = sum(s.get("seconds", 0.0) for s in sections.values()) / 60
    stamps = {n: s.get("date", metadata["date"]) for n, s in sections.items()}
    first = min(stamps.values(), default=metadata["date"])
    quick = [n for n, s in sections.items() if s.get("quick", False)]
    notes = [f"re-run with --only: {n} on {d[:10]}" for n, d in stamps.items() if d != first]
    if quick and len(quick) < len(sections):
        notes.append(f"with --quick: {', '.join(quick)}")
    flag = " --quick" if quick and len(quick) == len(sections) else ""
    return (
        f"Generated by `python benchmarks/run.py{flag}` on {first[:10]} ({minutes:.0f} min"
        f"{'; ' + '; '.join(notes) if notes else ''}): {m['machine']}, {m['cpu']}, "
        f"{m['cores']} cores (shared with other work), {m['memory GiB']} GiB; {v['python']}, "
        f"{libraries}."
    )


def _markdown(document: dict[str, Any]) -> str:
    parts = [_header(document), ""]
    for name in SECTIONS:
        section = document.get(name)
        if section and section.get("markdown"):
            parts.append(section["markdown"].rstrip() + "\n")
    return "\n".join(parts).rstrip() + "\n"


def _complete(document: dict[str, Any]) -> list[str]:
    """Why the document cannot go into README.md: sections missing, failed or quick."""
    problems = []
    for name in SECTIONS:
        section = document.get(name)
        if section is None:
            problems.append(f"{name} has not run")
        elif "error" in section:
            problems.append(f"{name} failed")
        elif section.get("quick", False):
            problems.append(f"{name} ran with --quick")
    return problems


def _splice(readme: Path, markdown: str) -> None:
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"{readme} has no {START} … {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{markdown}{END}{tail}")


def _json_ready(value: Any) -> Any:
    """Replace non-finite floats (not JSON) by strings, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    out: Path = options.out
    out.mkdir(parents=True, exist_ok=True)
    target = out / "results.json"
    document: dict[str, Any] = {}
    if options.only is not None and target.exists():
        document = json.loads(target.read_text())  # merge into the last run's results
        for name in SECTIONS:  # results.json written before sections carried their own date
            if name in document and "date" not in document[name]:
                document[name]["date"] = document["metadata"]["date"]
    metadata = _metadata(options, argv)
    started = time.perf_counter()
    failed = []
    for name in options.sections:
        print(f"[{name}] running ...", file=sys.stderr, flush=True)
        section = _run_section(name, options.quick, out)
        section["date"] = metadata["date"]
        section["quick"] = options.quick
        document[name] = section
        note = section.get("error") or section.get("skipped") or ""
        print(f"[{name}] {section.get('seconds', 0.0):.1f} s {note}", file=sys.stderr, flush=True)
        for warning in section.get("warnings", []):
            print(f"[{name}] warning: {warning}", file=sys.stderr)
        if "error" in section:
            failed.append(name)
            print(section["traceback"], file=sys.stderr)
    metadata["total seconds"] = time.perf_counter() - started
    metadata["section seconds"] = {
        name: document[name].get("seconds") for name in SECTIONS if name in document
    }
    document = {"metadata": metadata, **{n: document[n] for n in SECTIONS if n in document}}
    target.write_text(json.dumps(_json_ready(document), indent=1, ensure_ascii=False) + "\n")
    markdown = _markdown(document)
    (out / "results.md").write_text(markdown)
    print(f"wrote {target}, {out / 'results.md'} and the figures", file=sys.stderr)
    if options.quick or options.no_readme or out.resolve() != DEFAULT_OUT.resolve():
        return 1 if failed else 0
    problems = _complete(document)
    if problems:
        print(f"README.md left alone: {'; '.join(problems)}", file=sys.stderr)
    else:
        _splice(README, markdown)
        print(f"rewrote the comparison in {README}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
