"""Section 4, scale: how the reference's and the gate's cost grow with the number of points.

For n from 10^3 to 10^7 (to 10^6 with --quick), in half decades:

* ``neuron.reference.gradient`` on n points (w, x ~ N(0, 4), t ~ U(0, 1)), best of a few
  calls, next to the textbook numpy gradient on the same points;
* the gate's sweep, ``neuron.gate.sweep.sweep("gradient", reference, float64 policy, n)``: it draws
  n points from the gate's gradient domain, asks the target (in chunks of 8,192) and the
  correctly rounded reference, and screens every answer. The target here is the reference
  itself, so no point needs the oracle: this is the gate's own cost, on top of which come a
  target's own time and its oracle re-checks (at most 10 s per function);
* the peak of memory allocated during each of the two (``tracemalloc``, which numpy reports
  its array buffers to), in a separate, untimed pass.

The exponent is the least-squares slope of log time against log n over n >= 10^5, where fixed
costs no longer matter: 1 means linear.
"""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

LARGEST = 10**7
QUICK_LARGEST = 10**6
FIT_FROM = 10**5
MEMORY_SWEEP_LARGEST = 10**6
QUICK_MEMORY_SWEEP_LARGEST = 10**5


def _sizes(largest: int) -> list[int]:
    sizes = []
    k = 3
    while 10**k <= largest:
        sizes.append(10**k)
        if 3 * 10**k <= largest:
            sizes.append(3 * 10**k)
        k += 1
    return sizes


def _repeats(n: int, quick: bool, *, sweep: bool) -> int:
    """Calls timed at size n: the larger, the fewer (one sweep of 10^7 points takes minutes)."""
    if not sweep:
        return 5 if n <= 10**6 else 3
    if quick:
        return 3 if n <= 10**5 else 1
    return 5 if n <= 10**5 else 2 if n <= 10**6 else 1


def _inputs(n: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    rng = np.random.default_rng(common.SEED)
    return rng.normal(0.0, 2.0, n), rng.normal(0.0, 2.0, n), rng.uniform(0.0, 1.0, n)


def _textbook(w: FloatArray, x: FloatArray, t: FloatArray) -> FloatArray:
    with np.errstate(over="ignore"):
        y = 1.0 / (1.0 + np.exp(-(w * x)))
    return -(t - y) * y * (1.0 - y) * x


def _peak(fn: Callable[[], object]) -> int:
    """Peak bytes allocated while `fn` runs, above what was allocated before."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Times and peak memory against n, their exponents, and a log-log figure."""
    from neuron import reference
    from neuron.gate.protocol import load
    from neuron.gate.sweep import sweep
    from neuron.gate.tolerance import parse_policy

    target = load("reference")
    policy = parse_policy("float64")
    rows: list[dict[str, Any]] = []
    for n in _sizes(QUICK_LARGEST if quick else LARGEST):
        w, x, t = _inputs(n)

        def gate(n: int = n) -> object:
            result = sweep("gradient", target, policy, n, seed=0)
            if result.failed:  # the reference against itself: cannot happen
                raise RuntimeError(f"the sweep of the reference failed: {result.message}")
            return result

        calls: dict[str, Callable[[], object]] = {
            "textbook numpy gradient": lambda w=w, x=x, t=t: _textbook(w, x, t),
            "neuron.reference.gradient": lambda w=w, x=x, t=t: reference.gradient(w, x, t),
        }
        repeats = {name: _repeats(n, quick, sweep=False) for name in calls}
        if n <= 10**5:  # beyond, a call is long enough that a first-call cost does not show
            for call in (*calls.values(), gate):
                call()
        seconds = common.best_of_each(calls, repeats["neuron.reference.gradient"])
        calls["gate sweep (gradient)"] = gate
        repeats["gate sweep (gradient)"] = _repeats(n, quick, sweep=True)
        seconds["gate sweep (gradient)"] = common.best_of(gate, repeats["gate sweep (gradient)"])
        for name, call in calls.items():
            # tracemalloc slows the oracle's Python arithmetic (the reference's slow path, the
            # sweep's re-checks) several times over: the sweep's memory is measured to 10^6
            # (10^5 with --quick)
            traced = name != "gate sweep (gradient)" or n <= (
                QUICK_MEMORY_SWEEP_LARGEST if quick else MEMORY_SWEEP_LARGEST
            )
            rows.append(
                {
                    "what": name,
                    "points": n,
                    "seconds": seconds[name],
                    "ns per point": seconds[name] / n * 1e9,
                    "peak bytes": _peak(call) if traced else None,
                    "repeats": repeats[name],
                }
            )
        del w, x, t
    names = list(dict.fromkeys(r["what"] for r in rows))
    fits = {name: _exponent([r for r in rows if r["what"] == name]) for name in names}
    results = {"rows": rows, "exponents (n >= 1e5)": fits}
    figures = []
    plt = common.figure_module()
    if plt is not None:
        figures.append(_figure(plt, rows, names, out))
    else:
        results["figure"] = common.skip_reason("matplotlib")
    return {"results": results, "figures": figures, "markdown": _markdown(results, figures)}


def _exponent(rows: list[dict[str, Any]]) -> float | None:
    """Slope of log(seconds) against log(points) over points >= FIT_FROM (None: too few)."""
    chosen = [r for r in rows if r["points"] >= FIT_FROM]
    if len(chosen) < 2:
        return None
    n = np.log([r["points"] for r in chosen])
    s = np.log([r["seconds"] for r in chosen])
    slope, _ = np.polyfit(n, s, 1)
    return float(slope)


def _figure(plt: Any, rows: list[dict[str, Any]], names: list[str], out: Path) -> str:
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for i, name in enumerate(names):
        mine = [r for r in rows if r["what"] == name]
        n = [r["points"] for r in mine]
        left.plot(n, [r["seconds"] for r in mine], marker="o", color=f"C{i}", label=name)
        traced = [r for r in mine if r["peak bytes"] is not None]
        right.plot(
            [r["points"] for r in traced],
            [r["peak bytes"] / 2**20 for r in traced],
            marker="o",
            color=f"C{i}",
            label=name,
        )
    n_all = sorted({r["points"] for r in rows})
    anchor = next(r["seconds"] for r in rows if r["points"] == n_all[-1] and r["what"] == names[1])
    left.plot(
        n_all,
        [anchor * m / n_all[-1] for m in n_all],
        linestyle=":",
        color="gray",
        label="slope 1 (linear)",
    )
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("points n")
        ax.grid(True, which="major", alpha=0.3)
    left.set_ylabel("seconds (best of up to 5 calls)")
    left.set_title("Time against n")
    right.set_ylabel("peak memory allocated (MiB, tracemalloc)")
    right.set_title("Peak memory against n")
    left.legend(fontsize=8)
    fig.tight_layout()
    return common.save_figure(fig, out, "scale.png")


def _markdown(results: dict[str, Any], figures: list[str]) -> str:
    rows = results["rows"]
    names = list(dict.fromkeys(r["what"] for r in rows))
    lines = ["### Scale", ""]
    lines.append(
        "Time and peak memory (tracemalloc) against the number of points n for the textbook "
        "numpy gradient, the reference gradient and the gate's sweep of the gradient (against "
        "the reference itself: the gate's own cost, before a target's time and its oracle "
        "re-checks). The exponent is the slope of log time against log n for n ≥ 10^5. "
        "Times are the best of 5 calls (3 at 10^7); the sweep's of 5 calls at small n, "
        "1 at the largest. "
        "The sweep's points include t within a few ulps of σ(w·x), where the reference "
        "itself falls back to the oracle (its slow path): most of the sweep's time is there."
    )
    lines.append("")
    table = []
    for name in names:
        mine = {r["points"]: r for r in rows if r["what"] == name}
        exponent = results["exponents (n >= 1e5)"][name]
        traced = max(n for n, r in mine.items() if r["peak bytes"] is not None)
        peak = mine[traced]["peak bytes"]
        table.append(
            [
                name,
                *(f"{mine[n]['ns per point']:.3g}" for n in sorted(mine) if _decade(n)),
                "—" if exponent is None else f"{exponent:.2f}",
                f"{peak / 2**20:,.0f} MiB at 10^{math.log10(traced):.2g} "
                f"({peak / traced:.0f} B/point)",
            ]
        )
    decades = sorted({r["points"] for r in rows if _decade(r["points"])})
    headers = [
        "ns per point at n =",
        *(f"10^{round(math.log10(n))}" for n in decades),
        "exponent",
        "peak memory, largest n traced",
    ]
    lines.append(common.markdown_table(headers, table))
    lines.append("")
    for name in figures:
        lines.append(common.figure_link(name, "time and peak memory against n, log-log"))
        lines.append("")
    if "figure" in results:
        lines.append(f"Figure {results['figure']}.")
        lines.append("")
    return "\n".join(lines)


def _decade(n: int) -> bool:
    return 10 ** round(math.log10(n)) == n
