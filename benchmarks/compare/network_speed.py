"""Section: what correct rounding costs for the unit with n inputs and a bias, and the network.

Times ``neuron.unit_gradient`` and ``neuron.network_gradient`` (every component correctly
rounded, T7.4's fast path with the oracle behind it) against the same formulas written directly
in numpy (the baseline: the forward pass, δ2 = (y − t)·y(1 − y), δ1 = W2·δ2 ⊙ a(1 − a), and the
four batch means, σ computed once per layer), on a batch of m = 1024 samples for h and n in
{8, 64}, in one process on the same inputs, the two timed in turn, best of 15 (5 with --quick).
Inputs: x ~ N(0, 1), W1 ~ N(0, 1/n), b1 ~ N(0, 1), W2 ~ N(0, 1/h), b2 ~ N(0, 1), t ~ U(0, 1).
The last column counts the components the fast path left to the oracle
(``neuron.reference.SLOW_PATH``), per call. The issue's goal is a ratio of at most 20.

Run it with one BLAS thread (``OPENBLAS_NUM_THREADS=1 python benchmarks/run.py --only
network_speed``): on a machine shared with other jobs, OpenBLAS's threads wait for one another
and a 1024 × 65 by 65 × 8 product took 9 ms with two threads against 0.03 ms with one, for
neuron and the baseline alike. The thread setting is recorded with the results.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

BATCH = 1024
SIZES = (8, 64)
REPEATS = 15
QUICK_REPEATS = 5


def _sigma(z: FloatArray) -> FloatArray:
    result: FloatArray = 1 / (1 + np.exp(-z))
    return result


def _unit_textbook(w: FloatArray, b: float, X: FloatArray, t: FloatArray) -> tuple[Any, ...]:
    y = _sigma(X @ w + b)
    dz = (y - t) * y * (1 - y) / X.shape[0]
    return X.T @ dz, dz.sum()


def _network_textbook(  # noqa: PLR0913, PLR0917 - the protocol's signature
    W1: FloatArray, b1: FloatArray, W2: FloatArray, b2: float, X: FloatArray, t: FloatArray
) -> tuple[Any, ...]:
    a = _sigma(X @ W1.T + b1)
    y = _sigma(a @ W2 + b2)
    m = X.shape[0]
    delta2 = (y - t) * y * (1 - y)
    delta1 = delta2[:, None] * W2 * a * (1 - a)
    return delta1.T @ X / m, delta1.sum(axis=0) / m, a.T @ delta2 / m, delta2.sum() / m


def _inputs(h: int, n: int) -> tuple[FloatArray, ...]:
    rng = np.random.default_rng(common.SEED)
    W1 = rng.normal(0, 1 / np.sqrt(n), (h, n))
    b1, W2 = rng.normal(0, 1, h), rng.normal(0, 1 / np.sqrt(h), h)
    X, t = rng.normal(0, 1, (BATCH, n)), rng.uniform(0, 1, BATCH)
    return W1, b1, W2, np.asarray(rng.normal()), X, t


def _time(
    name: str,
    textbook: Callable[..., object],
    ours: Callable[..., object],
    args: tuple[Any, ...],
    repeat: int,
) -> dict[str, Any]:
    from neuron.reference import SLOW_PATH

    before = SLOW_PATH[name]
    best = common.best_of_each(
        {"textbook": lambda: textbook(*args), "neuron": lambda: ours(*args)}, repeat
    )
    return {
        "textbook seconds": best["textbook"],
        "neuron seconds": best["neuron"],
        "ratio": best["neuron"] / best["textbook"],
        "oracle components": (SLOW_PATH[name] - before) / repeat,
        "repeats": repeat,
    }


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Time both functions at every size; no figure."""
    import neuron

    repeat = QUICK_REPEATS if quick else REPEATS
    rows = []
    for n in SIZES:
        W1, b1, _, _, X, t = _inputs(1, n)
        args = (W1[0], float(b1[0]), X, t)
        row = _time("unit_gradient", _unit_textbook, neuron.unit_gradient, args, repeat)
        rows.append({"function": "unit_gradient", "h": None, "n": n, "m": BATCH, **row})
    for h in SIZES:
        for n in SIZES:
            args = _inputs(h, n)
            row = _time(
                "network_gradient", _network_textbook, neuron.network_gradient, args, repeat
            )
            rows.append({"function": "network_gradient", "h": h, "n": n, "m": BATCH, **row})
    results = {"kernels": rows, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}
    return {"results": results, "figures": [], "markdown": _markdown(results)}


def _markdown(results: dict[str, Any]) -> str:
    rows = results["kernels"]
    lines = [
        "### The unit and the network: what correct rounding costs",
        "",
        f"A batch of m = {BATCH} samples; best of {rows[0]['repeats']}, the two timed in turn, "
        f"OPENBLAS_NUM_THREADS={results.get('OPENBLAS_NUM_THREADS')}. "
        "The baseline is the same formulas in plain numpy (float64, σ once per layer); neuron "
        "returns every component of the gradient correctly rounded. The last column: components "
        "the fast path left to the oracle, per call.",
        "",
        common.markdown_table(
            ["function", "h", "n", "plain numpy (ms)", "neuron (ms)", "ratio", "oracle"],
            [
                [
                    r["function"],
                    "—" if r["h"] is None else r["h"],
                    r["n"],
                    f"{r['textbook seconds'] * 1e3:.2f}",
                    f"{r['neuron seconds'] * 1e3:.2f}",
                    f"{r['ratio']:.1f}×",
                    f"{r['oracle components']:.0f}",
                ]
                for r in rows
            ],
        ),
        "",
    ]
    return "\n".join(lines)
