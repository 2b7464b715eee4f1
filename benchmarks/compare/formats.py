"""Section: what a correctly rounded float32, float16 or bfloat16 result costs (T6.6).

Draws 10^6 inputs (10^5 with --quick) in each narrower format — σ: z uniform in [−20, 20];
dE/dw: w, x uniform in [−4, 4], t uniform in [0, 1] — and times ``neuron.reference`` on those
arrays (results in that format) and on the same values as float64 arrays (float64 results, the
baseline), the two in turn, best of 15 (3 with --quick), in one process. A narrower result is
the float64 result rounded once more, except where that float64 is a rounding boundary of the
narrower format, which the oracle rounds straight to it: the section counts those elements
(``neuron.reference.MIDPOINTS``) and the elements neither float64 path decided
(``SLOW_PATH``), per call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

SIZE = 10**6
QUICK_SIZE = 10**5
REPEATS = 15
QUICK_REPEATS = 3
FUNCTIONS = ("sigmoid", "gradient")


def _inputs(name: str, n: int, rng: np.random.Generator) -> list[FloatArray]:
    if name == "sigmoid":
        return [rng.uniform(-20.0, 20.0, n)]
    return [rng.uniform(-4.0, 4.0, n), rng.uniform(-4.0, 4.0, n), rng.uniform(0.0, 1.0, n)]


def _formats() -> list[str]:
    from neuron.numerics.formats import numpy_dtype

    names = ["float32", "float16"]
    try:
        numpy_dtype("bfloat16")
    except ImportError:  # ml_dtypes is not installed: no bfloat16 row
        return names
    return [*names, "bfloat16"]


def run(quick: bool, out: Path) -> dict[str, Any]:
    """One row per function and format; no figure."""
    from neuron import reference
    from neuron.numerics.formats import numpy_dtype

    n = QUICK_SIZE if quick else SIZE
    repeat = QUICK_REPEATS if quick else REPEATS
    rng = np.random.default_rng(common.SEED)
    rows = []
    for name in FUNCTIONS:
        drawn = _inputs(name, n, rng)
        function = getattr(reference, name)
        for fmt in _formats():
            narrow = [a.astype(numpy_dtype(fmt)) for a in drawn]
            wide = [a.astype(np.float64) for a in narrow]  # the same values, exactly
            midpoints, slow = reference.MIDPOINTS[name], reference.SLOW_PATH[name]
            best = common.best_of_each(
                {
                    "float64": lambda f=function, a=wide: f(*a),
                    fmt: lambda f=function, a=narrow: f(*a),
                },
                repeat,
            )
            rows.append(
                {
                    "function": name,
                    "format": fmt,
                    "size": n,
                    "repeats": repeat,
                    "float64 seconds": best["float64"],
                    "format seconds": best[fmt],
                    "ratio": best[fmt] / best["float64"],
                    # per call of either: the float64 calls add to SLOW_PATH as well
                    "midpoint elements": (reference.MIDPOINTS[name] - midpoints) / repeat,
                    "oracle elements": (reference.SLOW_PATH[name] - slow) / (2 * repeat),
                }
            )
    results = {"rows": rows}
    return {"results": results, "figures": [], "markdown": _markdown(results)}


def _markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    lines = ["### Correctly rounded in float32, float16 and bfloat16", ""]
    if not rows:
        return "\n".join([*lines, "No rows.", ""])
    n, repeat = rows[0]["size"], rows[0]["repeats"]
    lines.append(
        f"{n:,} inputs in each format (σ: z ~ U(−20, 20); dE/dw: w, x ~ U(−4, 4), t ~ U(0, 1)), "
        f"best of {repeat}, the two timed in turn: `neuron.reference` on the format's arrays "
        "against the same values as float64 arrays. A narrower result is the float64 one "
        "rounded again (T6.6); the elements whose float64 result was a rounding boundary of "
        "the format went to the oracle (midpoints), as did those the float64 paths left "
        "undecided (oracle), per call."
    )
    lines.append("")
    table = [
        [
            r["function"],
            r["format"],
            f"{r['float64 seconds'] * 1e3:.1f}",
            f"{r['format seconds'] * 1e3:.1f}",
            f"{r['ratio']:.2f}×",
            f"{r['midpoint elements']:.0f}",
            f"{r['oracle elements']:.0f}",
        ]
        for r in rows
    ]
    lines.append(
        common.markdown_table(
            ["function", "format", "float64 (ms)", "format (ms)", "ratio", "midpoints", "oracle"],
            table,
        )
    )
    lines.append("")
    return "\n".join(lines)
