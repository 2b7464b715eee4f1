"""benchmarks/: the pure helpers of benchmarks/compare/common.py, and run.py's sections and pages.

benchmarks/ is not part of the installed package, and the tests run against the installed
package with the checkout off sys.path, so common.py is loaded from its file (it imports only
the standard library and numpy at the top), and run.py with the checkout's root on sys.path
only while its tests run. Without the files (an sdist) the tests skip.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

COMMON = Path(__file__).resolve().parents[1] / "benchmarks" / "compare" / "common.py"


@pytest.fixture(scope="module")
def common() -> Iterator[ModuleType]:
    if not COMMON.is_file():
        pytest.skip(f"{COMMON} is not here (benchmarks/ is not in the sdist)")
    name = "_neuron_benchmarks_common"
    spec = importlib.util.spec_from_file_location(name, COMMON)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def test_markdown_table_aligns_and_escapes_pipes(common: ModuleType) -> None:
    table = common.markdown_table(["a", "b"], [["x|y", 1.5]])
    assert table.splitlines() == ["| a | b |", "|---|---:|", "| x\\|y | 1.5 |"], table


def test_markdown_table_rejects_a_short_row(common: ModuleType) -> None:
    with pytest.raises(ValueError, match="has 1 cells, not 2"):
        common.markdown_table(["a", "b"], [["only"]])


def test_best_of_each_runs_setup_before_every_call_and_keeps_the_least(
    common: ModuleType,
) -> None:
    log: list[str] = []
    best = common.best_of_each(
        {"first": lambda: log.append("call"), "second": lambda: None},
        3,
        setup={"first": lambda: log.append("setup")},
    )
    assert log == ["setup", "call"] * 3, log
    assert set(best) == {"first", "second"}, best
    assert all(0 <= seconds < 1 for seconds in best.values()), best


def test_skip_reason_names_the_missing_module(common: ModuleType) -> None:
    assert common.skip_reason("json") is None
    missing = "no_such_module_for_neuron_benchmarks"
    assert common.skip_reason("json", missing) == f"skipped: {missing} not installed"


def test_ulp_summary_counts_nan_as_infinite(common: ModuleType) -> None:
    summary = common.ulp_summary(np.array([0.25, 0.5, 1.0, math.nan]))
    assert summary["max"] == math.inf, summary
    assert summary["p99.9"] == math.inf, summary
    assert summary["correctly rounded %"] == 50.0, summary
    assert summary["points"] == 4, summary


def test_save_figure_writes_a_png(common: ModuleType, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plt = common.figure_module()
    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    assert common.save_figure(fig, tmp_path, "line.png") == "line.png"
    assert (tmp_path / "line.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def run_script() -> Iterator[ModuleType]:
    """benchmarks/run.py, imported with the checkout's root on sys.path (as it puts it there)."""
    if not RUN.is_file():
        pytest.skip(f"{RUN} is not here (benchmarks/ is not in the sdist)")
    root = str(RUN.parents[1])
    added = root not in sys.path
    if added:
        sys.path.insert(0, root)
    spec = importlib.util.spec_from_file_location("_neuron_benchmarks_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        if added:
            sys.path.remove(root)
        for name in [n for n in sys.modules if n == "benchmarks" or n.startswith("benchmarks.")]:
            del sys.modules[name]


def test_every_section_is_a_module_with_run_and_markdown(run_script: ModuleType) -> None:
    # One generation: every benchmark is a section of run.py, nothing beside it.
    compare = RUN.parent / "compare"
    for name in run_script.SECTIONS:
        source = (compare / f"{name}.py").read_text(encoding="utf-8")
        assert "\ndef run(quick: bool, out: Path)" in source, name
        assert "\ndef _markdown(" in source, name
    scripts = sorted(p.name for p in RUN.parent.glob("*.py"))
    assert scripts == ["run.py"], f"benchmarks outside run.py's sections: {scripts}"


def test_figure_links_are_relative_to_each_file(run_script: ModuleType) -> None:
    markdown = "![a plot](benchmarks/results/scale.png)"
    assert run_script._relink(markdown, "") == "![a plot](scale.png)"
    assert run_script._relink(markdown, "../benchmarks/results/") == (
        "![a plot](../benchmarks/results/scale.png)"
    )


def test_results_page_waits_for_every_full_section(run_script: ModuleType) -> None:
    full = {name: {"markdown": "", "quick": False} for name in run_script.SECTIONS}
    assert run_script._complete(full) == []
    quick = full | {"speed": {"quick": True}}
    assert run_script._complete(quick) == ["speed ran with --quick"]
    missing = {k: v for k, v in full.items() if k != "reference_speed"}
    assert run_script._complete(missing) == ["reference_speed has not run"]
