"""Mutation testing of neuron's numerics: `tox -e mutation`, report in docs/mutation.md.

Two engines, one report:

* mutmut 3 mutates every function body of the chosen modules and runs, for each mutant, the
  tests that reach that function (its configuration is `[tool.mutmut]` in pyproject.toml).
* mutmut 3 never mutates module-level code (its trampolines switch functions, not constants),
  yet a numerics module's thresholds live there: `_TINY = 2.0**-1000` in the fast path, the
  error bounds, the table sizes. This script takes mutmut's own mutation operators
  (`create_mutations`), keeps the mutations outside any function, and runs each one itself:
  the mutated module is written into a private copy of the package and the module's test
  files run in a forked pytest (one at a time, `-x`, a fixed Hypothesis seed). mutmut's
  function mutants that it cannot test because the function runs only at import time (the
  tables built by `_constants` and `_tables`; mutmut reports them "no tests") are run the same
  way, and so are the mutants of the functions that build the tables at import (`_constants`,
  `_tables`): mutmut forks its workers after the import, so there they would change nothing.

Usage (from the repository root):

    python tools/mutation.py                       # ulp, doubleword, bounds, fd, fast,
                                                   # general, tolerance, textbook
    python tools/mutation.py --module fast         # one module (repeatable)
    python tools/mutation.py --sample 60 --seed 1  # 60 random mutants per module
    python tools/mutation.py --report /tmp/m.md    # write the report elsewhere
    python tools/mutation.py --reclassify          # re-read the classifications only

One worker throughout (the machine is shared). Survivors are classified by hand in
tools/mutation-classification.toml; the report marks any survivor missing there.
"""

from __future__ import annotations

import argparse
import difflib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = [sys.executable, "-m", "mutmut"]
CLASSIFICATION = ROOT / "tools" / "mutation-classification.toml"
BEGIN, END = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"

# The tests that can see a change in the numerics: the module's own tests, the oracle's, and
# the reference's (which runs the fast and general paths against the oracle).
NUMERIC_TESTS = [
    "tests/test_ulp.py",
    "tests/test_fast.py",
    "tests/test_refusals.py",
    "tests/test_general.py",
    "tests/test_reference.py",
    "tests/test_bulk.py",
    "tests/test_exact.py",
    "tests/test_doubleword.py",
    # the machine checks of T6.4 and T6.5 (proofs/checks.py): exp_negative's error, the
    # rounding tests, the exact steps and the budget that each fast-path bound constant must
    # stay twice its proven bound
    *(
        f"tests/test_proofs.py::test_check_is_verified[{name}]"
        for name in (
            "t6_4_exp_error",
            "t6_4_rounding_test",
            "t6_4_reference",
            "t6_5_budget",
            "t6_5_exact_steps",
            "t6_5_bounds",
            "t6_5_rounding_test",
        )
    ),
]
# The tests of the tolerance policies and of the textbook bound they wrap (T6.1).
POLICY_TESTS = ["tests/test_textbook.py", "tests/test_tolerance.py"]
MODULES: dict[str, tuple[str, list[str]]] = {
    "ulp": ("neuron/numerics/ulp.py", NUMERIC_TESTS),
    "doubleword": ("neuron/numerics/doubleword.py", NUMERIC_TESTS),
    # the derivative bounds and the finite differences: their own tests (no proof check
    # imports them; T2 and T5 are checked independently of the code)
    "bounds": ("neuron/numerics/bounds.py", ["tests/test_bounds.py"]),
    "fd": ("neuron/numerics/fd.py", ["tests/test_fd.py"]),
    "fast": ("neuron/reference/fast.py", NUMERIC_TESTS),
    "general": ("neuron/reference/general.py", NUMERIC_TESTS),
    "tolerance": ("neuron/gate/tolerance.py", POLICY_TESTS),
    "textbook": ("neuron/textbook.py", POLICY_TESTS),
}
DEFAULT_MODULES = ["ulp", "doubleword", "bounds", "fd", "fast", "general", "tolerance", "textbook"]

# Module-level statements that only name types or list exports: with `from __future__ import
# annotations` nothing evaluates the aliases at run time, and `__all__` only serves `import *`.
# mutmut does not mutate annotations either.
NOT_MUTATED = {"__all__", "FloatArray", "BoolArray", "IntArray", "MpfTuple"}
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0"]

# Functions that run only while their module is imported (they build its tables): mutmut forks
# its workers after the import, so their mutants would change nothing there.
IMPORT_TIME = {"_constants", "_tables"}

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
# Survivors no test can kill: the same results for every input (equivalent), or the same
# results with more or less work (performance-only). The second score leaves them out.
UNKILLABLE = {"equivalent", "performance-only"}
TABLE_HEAD = (
    "| module | mutants run | killed | survived | score "
    "| equivalent or performance-only | score without them |"
)
SURVIVED = {"survived", "no tests", "suspicious"}


@dataclass
class Mutant:
    name: str
    module: str
    status: str = "not checked"
    diff: str = ""
    engine: str = "mutmut"
    source: str | None = field(default=None, repr=False)  # the mutated module, for our runner


def _dotted(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


# ---------------------------------------------------------------------------------------------
# mutmut


def _mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MUTMUT, *args], cwd=ROOT, capture_output=True, text=True, check=False)


def _rng(seed: int, module: str, engine: str) -> random.Random:
    """The sample of one module and engine depends on the seed only, not on the other modules
    chosen: `--module doubleword` draws the same doubleword mutants as the default list."""
    return random.Random(f"{seed}:{module}:{engine}")


def run_mutmut(modules: list[str], sample: int | None, seed: int) -> list[Mutant]:
    """Run mutmut over the modules' functions (all mutants, or a sample) and collect results."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # no stale verdicts from older tests
    patterns = [_dotted(MODULES[m][0]) + ".*" for m in modules]
    if sample is not None:
        _mutmut("run", "--max-children", "1", "no-such-mutant")  # generate mutants and stats only
        names = _results()
        chosen: list[str] = []
        for module in modules:
            prefix = _dotted(MODULES[module][0]) + "."
            own = sorted(n for n in names if n.startswith(prefix))
            chosen += _rng(seed, module, "mutmut").sample(own, min(sample, len(own)))
        patterns = chosen
    done = _mutmut("run", "--max-children", "1", *patterns)
    if done.returncode != 0:
        sys.exit(f"mutmut run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    mutants = []
    for name, status in _results().items():
        module = next((m for m in modules if name.startswith(_dotted(MODULES[m][0]) + ".")), None)
        if module is None or status == "not checked":
            continue
        mutant = Mutant(name, module, status)
        if status not in KILLED:
            shown = _mutmut("show", name).stdout
            mutant.diff = "\n".join(line for line in shown.splitlines() if not line.startswith("#"))
        mutants.append(mutant)
    return mutants


def _results() -> dict[str, str]:
    out = _mutmut("results", "--all", "true").stdout
    found = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


# ---------------------------------------------------------------------------------------------
# Our runner: module-level mutants, and function mutants mutmut cannot reach


def _mutations(path: str) -> list[tuple[str, str]]:
    """(name, mutated source) for every mutation mutmut's operators make in `path`: function
    mutants named as mutmut names them, module-level ones `<module>.module_level__<n>`."""
    import libcst as cst
    from mutmut.mutation.file_mutation import create_mutations, deep_replace

    code = (ROOT / path).read_text()
    module, mutations, _, _ = create_mutations(path, code)
    statement_of = {}
    for statement in module.body:
        for node in _walk(statement):
            statement_of[id(node)] = statement
    counters: dict[str, int] = {}
    out = []
    for mutation in mutations:
        function = mutation.contained_by_top_level_function
        if function is None:
            statement = statement_of[id(mutation.original_node)]
            if _assigned_names(statement) & NOT_MUTATED:
                continue
            key = "module_level"
        elif isinstance(function, cst.FunctionDef):
            key = f"x_{function.name.value}"
        else:  # pragma: no cover - mutmut only reports functions
            continue
        counters[key] = counters.get(key, 0) + 1
        mutated = deep_replace(module, mutation.original_node, mutation.mutated_node)
        assert isinstance(mutated, cst.Module)
        out.append((f"{_dotted(path)}.{key}__mutmut_{counters[key]}", mutated.code))
    return out


def _walk(node: object) -> list[object]:
    import libcst as cst

    assert isinstance(node, cst.CSTNode)
    found: list[object] = [node]
    for child in node.children:
        found += _walk(child)
    return found


def _assigned_names(statement: object) -> set[str]:
    import libcst as cst

    names = set()
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign):
                targets = [small.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    names.add(target.value)
    return names


class ForkRunner:
    """Run test files against a mutated module, one forked pytest per mutant."""

    def __init__(self) -> None:
        sys.dont_write_bytecode = True  # a mutant must never run from a stale .pyc
        self.tmp = Path(tempfile.mkdtemp(prefix="neuron-mutation-"))
        for package in ("neuron", "proofs"):  # proofs/ beside neuron/: the live checks load
            shutil.copytree(
                ROOT / package, self.tmp / package, ignore=shutil.ignore_patterns("__pycache__")
            )
        # the heavy imports once, in the parent; `neuron` itself only in each child, and not
        # hypothesis either: pytest would warn that it cannot rewrite its already imported plugin
        import mpmath  # noqa: F401
        import numpy  # noqa: F401
        import pytest  # noqa: F401

        self.timeout = 600.0

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run(self, path: str, source: str | None, tests: list[str]) -> str:
        target = self.tmp / path
        original = (ROOT / path).read_text()
        target.write_text(original if source is None else source)
        try:
            return self._fork(tests)
        finally:
            target.write_text(original)

    def _fork(self, tests: list[str]) -> str:
        pid = os.fork()
        if pid == 0:  # the child: import the copy, run pytest, report by exit status
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                sys.path.insert(0, str(self.tmp))
                os.chdir(ROOT)
                import pytest

                code = int(pytest.main([*PYTEST_ARGS, *tests]))
            except BaseException:
                code = 99
            os._exit(code)
        deadline = time.monotonic() + self.timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return "timeout"
            time.sleep(0.05)
        if os.WIFSIGNALED(status):
            return "segfault"
        code = os.WEXITSTATUS(status)
        return "survived" if code == 0 else "killed"


def run_own(
    modules: list[str], mutmut_mutants: list[Mutant], sample: int | None, seed: int
) -> list[Mutant]:
    """Module-level mutants, and mutmut's "no tests" function mutants, run by ForkRunner."""
    runner = ForkRunner()
    try:
        for module in modules:
            path, tests = MODULES[module]
            started = time.monotonic()
            clean = runner.run(path, None, tests)
            if clean != "survived":
                sys.exit(f"the unmutated tests of {module} do not pass ({clean})")
            runner.timeout = 10 * (time.monotonic() - started) + 30
        untested = {
            m.name: m
            for m in mutmut_mutants
            if m.status == "no tests" or any(f".x_{f}__mutmut_" in m.name for f in IMPORT_TIME)
        }
        out = []
        for module in modules:
            path, tests = MODULES[module]
            original = (ROOT / path).read_text().splitlines(keepends=True)
            level = []
            for name, source in _mutations(path):
                if ".module_level__" in name:
                    level.append(Mutant(name, module, engine="module level", source=source))
                elif name in untested:
                    untested[name].source = source
                    untested[name].engine = "import time"
            if sample is not None:
                level = _rng(seed, module, "module level").sample(level, min(sample, len(level)))
            todo = level + [m for m in untested.values() if m.module == module and m.source]
            for mutant in todo:
                assert mutant.source is not None
                mutant.status = runner.run(path, mutant.source, tests)
                lines = mutant.source.splitlines(keepends=True)
                mutant.diff = "".join(difflib.unified_diff(original, lines, path, path, n=1))
                print(f"{mutant.status:>9}  {mutant.name}", flush=True)
            out += level
        return out
    finally:
        runner.close()


# ---------------------------------------------------------------------------------------------
# The report


def write_report(mutants: list[Mutant], modules: list[str], report: Path, header: str) -> int:
    """Rewrite the generated part of the report; return the number of unclassified survivors."""
    import tomllib  # Python 3.11+: the `mutation` tox env runs on 3.11

    classes = tomllib.loads(CLASSIFICATION.read_text()) if CLASSIFICATION.exists() else {}
    lines = [BEGIN, "", header, "", TABLE_HEAD, "|---|---:|---:|---:|---:|---:|---:|"]
    for module in modules:
        own = [m for m in mutants if m.module == module and m.status not in {"not checked"}]
        killed = sum(m.status in KILLED for m in own)
        unkillable = sum(
            m.status in SURVIVED and classes.get(m.name, {}).get("kind") in UNKILLABLE for m in own
        )
        score = f"{100 * killed / len(own):.1f} %" if own else "-"
        rest = len(own) - unkillable
        net = f"{100 * killed / rest:.1f} %" if rest else "-"
        lines.append(
            f"| {MODULES[module][0]} | {len(own)} | {killed} | {len(own) - killed} | {score} "
            f"| {unkillable} | {net} |"
        )
    unclassified = 0
    for module in modules:
        survivors = [m for m in mutants if m.module == module and m.status in SURVIVED]
        lines += ["", f"### Survivors in {MODULES[module][0]} ({len(survivors)})", ""]
        for mutant in sorted(survivors, key=lambda m: m.name):
            verdict = classes.get(mutant.name)
            if verdict is None:
                unclassified += 1
                text = "**UNCLASSIFIED**"
            else:
                text = f"**{verdict['kind']}**: {verdict['why']}"
            lines += [f"`{mutant.name}` ({mutant.engine}, {mutant.status}): {text}", ""]
            lines += ["```diff", mutant.diff.strip(), "```", ""]
    lines.append(END)
    generated = "\n".join(lines)
    old = report.read_text() if report.exists() else f"# Mutation testing\n\n{BEGIN}\n{END}\n"
    before, _, rest = old.partition(BEGIN)
    _, _, after = rest.partition(END)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(before + generated + after)
    return unclassified


def reclassify(report: Path) -> int:
    """Refresh the survivors' classifications and the scores without a run: the generated part
    of the report holds every figure needed (mutants run and killed per module, each survivor
    with its engine, status and diff)."""
    text = report.read_text()
    generated = text.partition(BEGIN)[2].partition(END)[0]
    header = next(line for line in generated.splitlines() if line.startswith("Generated by"))
    paths = {path: module for module, (path, _) in MODULES.items()}
    modules, mutants = [], []
    for row in re.finditer(r"^\| (\S+\.py) \| (\d+) \| (\d+) \|", generated, re.MULTILINE):
        module = paths[row[1]]
        modules.append(module)
        mutants += [Mutant(f"{module}.killed.{i}", module, "killed") for i in range(int(row[3]))]
    survivor = re.compile(
        r"^`([^`]+)` \(([^,]+), ([^)]+)\): .*?\n\n```diff\n(.*?)\n```", re.S | re.M
    )
    for match in survivor.finditer(generated):
        module = next(m for m in modules if match[1].startswith(_dotted(MODULES[m][0]) + "."))
        mutants.append(Mutant(match[1], module, match[3], match[4], match[2]))
    unclassified = write_report(mutants, modules, report, header)
    print(f"report: {report}; unclassified survivors: {unclassified}")
    return 1 if unclassified else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES))
    parser.add_argument("--sample", type=int, help="mutants per module and engine (default all)")
    parser.add_argument("--seed", type=int, default=20260116, help="seed of --sample")
    parser.add_argument("--report", type=Path, default=ROOT / "docs" / "mutation.md")
    parser.add_argument("--skip-mutmut", action="store_true", help="module-level mutants only")
    parser.add_argument(
        "--reclassify", action="store_true", help="only refresh the report's classifications"
    )
    args = parser.parse_args(argv)
    if args.reclassify:
        return reclassify(args.report)
    modules = args.module or DEFAULT_MODULES
    started = time.monotonic()
    mutants = [] if args.skip_mutmut else run_mutmut(modules, args.sample, args.seed)
    mutants += run_own(modules, mutants, args.sample, args.seed)
    minutes = (time.monotonic() - started) / 60
    command = "python tools/mutation.py " + " ".join(argv if argv is not None else sys.argv[1:])
    header = (
        f"Generated by `{command.strip()}` in {minutes:.1f} minutes "
        f"({len(mutants)} mutants run, one worker, Hypothesis seed 0)."
    )
    unclassified = write_report(mutants, modules, args.report, header)
    print(header)
    print(f"report: {args.report}; unclassified survivors: {unclassified}")
    return 1 if unclassified else 0


if __name__ == "__main__":
    sys.exit(main())
