"""Every theorem of proofs/ is cited by code or a test that relies on it, and every cited id exists.

A citation is a theorem id (``T3.2``) anywhere in a Python file of neuron/ or tests/: in a
comment, a docstring, a message, or a ``Property.theorems`` tuple of the catalogue. Files that
handle theorem ids as data rather than relying on a theorem are not scanned; see NOT_CITING.
"""

from __future__ import annotations

import ast
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


# ---------------------------------------------------------------------------------------------
# Cited files exist

#: A repository path cited in prose: proofs/03-convergence.md, neuron/gate/sweep.py, tests/...,
#: docs/..., benchmarks/..., or a Markdown file at the root (README.md). A scratch file outside
#: the repository (/tmp/notes.md) is a citation nobody else can follow, so it is caught too.
CITED_PATH = re.compile(
    r"(?<![\w./-])((?:proofs|neuron|tests|docs|benchmarks)/[\w./-]*[\w/]|[A-Z][A-Z_]+\.md\b)"
)
SCRATCH_PATH = re.compile(r"(?<![\w.])/(?:tmp|var|home|work)/[\w./-]+\.md\b")
#: A relative link of a Markdown file: resolved from that file's directory.
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")

CITING_FILES_EXCLUDED = {
    "tests/test_traceability.py",  # this file: its patterns and examples are not citations
}

#: Dangling citations in files that are being changed elsewhere and are to be fixed there:
#: (citing file, cited path). Each entry must still be present, so the list cannot go stale.
KNOWN_DANGLING: set[tuple[str, str]] = set()


def _citing_files() -> list[Path]:
    found = [REPO_ROOT / "README.md"]
    for folder, patterns in (
        ("neuron", ("*.py",)),
        ("tests", ("*.py",)),
        ("proofs", ("*.md", "*.py")),
        ("docs", ("*.md",)),
    ):
        for pattern in patterns:
            found += sorted((REPO_ROOT / folder).rglob(pattern))
    return [p for p in found if p.relative_to(REPO_ROOT).as_posix() not in CITING_FILES_EXCLUDED]


def _exists(cited: str, citing: Path) -> bool:
    cited = cited.rstrip(".")
    return (REPO_ROOT / cited).exists() or (citing.parent / cited).exists()


def _dangling_citations() -> dict[str, list[str]]:
    """Cited path -> the places ("file:line") that cite it, for paths that do not exist."""
    dangling: dict[str, list[str]] = defaultdict(list)
    for path in _citing_files():
        relative = path.relative_to(REPO_ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            place = f"{relative}:{number}"
            for cited in CITED_PATH.findall(line):
                if not _exists(cited, path):
                    dangling[cited].append(place)
            for cited in SCRATCH_PATH.findall(line):
                dangling[cited].append(place)
            if path.suffix == ".md":
                for target in MARKDOWN_LINK.findall(line):
                    if "://" not in target and not (path.parent / target).exists():
                        dangling[target].append(place)
    return dict(dangling)


def test_citations_are_found() -> None:
    # The scan must see the kinds of citation it checks, or it would pass vacuously.
    assert CITED_PATH.findall("see proofs/06-floating-point.md and DESIGN.md") == [
        "proofs/06-floating-point.md",
        "DESIGN.md",
    ]
    assert SCRATCH_PATH.findall("the contract of /tmp/brief.md:") == ["/tmp/brief.md"]
    assert MARKDOWN_LINK.findall("[a](../benchmarks/results/scale.png) [b](#x)") == [
        "../benchmarks/results/scale.png"
    ]
    citing = {p.relative_to(REPO_ROOT).as_posix() for p in _citing_files()}
    assert {"README.md", "docs/architecture.md", "neuron/gate/properties.py"} <= citing


def test_every_cited_file_exists() -> None:
    dangling = _dangling_citations()
    unknown = {
        cited: kept
        for cited, places in dangling.items()
        if (kept := [p for p in places if (p.split(":")[0], cited) not in KNOWN_DANGLING])
    }
    assert not unknown, f"citations of files that are not in the repository: {unknown}"
    seen = {(place.split(":")[0], cited) for cited, places in dangling.items() for place in places}
    assert seen >= KNOWN_DANGLING, f"fixed, remove from KNOWN_DANGLING: {KNOWN_DANGLING - seen}"


# ---------------------------------------------------------------------------------------------
# Layers: every import inside neuron/ follows docs/architecture.md

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"
LAYERS_START, LAYERS_END = "<!-- layers:start -->", "<!-- layers:end -->"


def _layer_table() -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """The table of docs/architecture.md: layer -> its paths, and layer -> layers it may import.

    Each row is ``| layer | `path`, `path` | may import |``; the last cell names layers
    separated by commas, or says "nothing" or "anything". A layer may always import itself.
    """
    text = ARCHITECTURE.read_text(encoding="utf-8")
    table = text.split(LAYERS_START, 1)[1].split(LAYERS_END, 1)[0]
    paths: dict[str, list[str]] = {}
    rules: dict[str, str] = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.fullmatch(r"[a-z]+", cells[0]) or cells[0] == "layer":
            continue  # the header, its rule, prose
        paths[cells[0]] = re.findall(r"`([^`]+)`", cells[1])
        rules[cells[0]] = cells[2]
    allowed: dict[str, set[str]] = {}
    for layer, rule in rules.items():
        if rule.startswith("anything"):
            allowed[layer] = set(rules)
        elif rule.startswith("nothing"):
            allowed[layer] = {layer}
        else:
            allowed[layer] = {layer, *(n.strip() for n in rule.split(","))}
    return paths, allowed


LAYER_PATHS, LAYER_ALLOWED = _layer_table()


def _layer_of(module: str) -> str:
    """The layer of a dotted module name of neuron (``neuron.gate.sweep`` -> ``gate``)."""
    relative = module.replace(".", "/")
    candidates = [f"{relative}.py", f"{relative}/__init__.py", f"{relative}/"]
    best, best_length = None, -1
    for layer, paths in LAYER_PATHS.items():
        for path in paths:
            for candidate in candidates:
                inside = candidate == path or (path.endswith("/") and candidate.startswith(path))
                if inside and len(path) > best_length:
                    best, best_length = layer, len(path)
    assert best is not None, f"{module} is in no layer of docs/architecture.md"
    return best


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import of neuron in a file, at any depth of the file."""
    # The package a relative import starts from: neuron/gate/sweep.py and
    # neuron/gate/__init__.py are both in neuron.gate.
    module_path = path.relative_to(REPO_ROOT).with_suffix("").as_posix()
    package = module_path.replace("/", ".").rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "neuron"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if module.split(".")[0] != "neuron":
                continue
            for alias in node.names:  # `from neuron import exact` imports the module neuron.exact
                submodule = REPO_ROOT / f"{module}.{alias.name}".replace(".", "/")
                is_module = submodule.with_suffix(".py").is_file() or submodule.is_dir()
                found.append((node.lineno, f"{module}.{alias.name}" if is_module else module))
    return found


def test_layer_table_covers_every_module() -> None:
    assert set(LAYER_ALLOWED) == {"numerics", "textbook", "exact", "reference", "gate", "commands"}
    assert LAYER_ALLOWED["numerics"] == {"numerics"}
    assert LAYER_ALLOWED["textbook"] == {"textbook"}
    for path in sorted((REPO_ROOT / "neuron").rglob("*.py")):
        module = path.relative_to(REPO_ROOT).with_suffix("").as_posix().replace("/", ".")
        _layer_of(module.removesuffix(".__init__"))  # fails for a module of no layer


def test_imports_follow_the_layers() -> None:
    breaches = []
    for path in sorted((REPO_ROOT / "neuron").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).as_posix()
        own = _layer_of(relative.removesuffix(".py").removesuffix("/__init__").replace("/", "."))
        for line, module in _imported_modules(path):
            layer = _layer_of(module)
            if layer not in LAYER_ALLOWED[own]:
                breaches.append(f"{relative}:{line} ({own}) imports {module} ({layer})")
    assert not breaches, "imports that docs/architecture.md does not allow:\n" + "\n".join(breaches)


def test_imports_are_found() -> None:
    # The walk must see imports inside functions and under TYPE_CHECKING, or it checks nothing.
    plugin = _imported_modules(REPO_ROOT / "neuron" / "pytest_plugin.py")
    assert ("neuron.gate.runner") in {m for _, m in plugin}
    reference = {m for _, m in _imported_modules(REPO_ROOT / "neuron/reference/__init__.py")}
    assert {"neuron.exact", "neuron.reference.fast", "neuron.reference.general"} <= reference
    assert _layer_of("neuron") == "commands"
    assert _layer_of("neuron.gate.adapters.torch_autograd") == "gate"


def test_readme_stays_short() -> None:
    # The README introduces; docs/ explains. Generated tables go to docs/results.md.
    readme = (REPO_ROOT / "README.md").read_bytes()
    assert len(readme) <= 16 * 1024, f"README.md is {len(readme)} bytes; move detail to docs/"
    assert b"compare:start" not in readme
