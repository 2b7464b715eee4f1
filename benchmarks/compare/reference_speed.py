"""Section: what correct rounding costs, and how long the gate takes on the reference.

Part 1 times each protocol function of ``neuron.reference`` against the seed's formulas
written directly in numpy (σ computed once; the baseline), on 10^6 float64 elements (10^5
with --quick), the two timed in turn, best of 9 (3 with --quick), in one process on the same
inputs. It counts the elements the fast path left to the general path and those handed to the
oracle (``neuron.reference.FALLBACK``, ``SLOW_PATH``). Two domains:

* ``normal``: w, x ~ N(0, 4), t ~ U(0, 1), y ~ U(0, 1), η = ½;
* ``wide`` (best of 5): |w·x| log-uniform in [1e−3, 760] with |x| log-uniform in
  [1e−200, 1e200], so that some elements lie beyond the fast path's |w·x| <= 680 and more
  of the gradient's results are tiny.

Part 2 runs the command a CI job runs, ``neuron verify reference`` (ci profile; dev with
--quick), in a child process, and reports its wall time, start-up included, and the points
its report says it compared. (How fast ``torch.autograd.gradcheck`` and JAX's ``check_grads``
answer the same question is part 2 of the ``speed`` section.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

SIZE = 10**6
QUICK_SIZE = 10**5
REPEATS = {"normal": 9, "wide": 5}
QUICK_REPEATS = 3


def _sigma(z: FloatArray) -> FloatArray:
    result: FloatArray = 1 / (1 + np.exp(-z))
    return result


def _sigma_prime(z: FloatArray) -> FloatArray:
    y = _sigma(z)
    return y * (1 - y)


def _gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> FloatArray:
    y = _sigma(w * x)
    return -(t - y) * y * (1 - y) * x


TEXTBOOK: dict[str, Callable[..., FloatArray]] = {
    "sigmoid": _sigma,
    "sigmoid_prime": _sigma_prime,
    "forward": lambda w, x: _sigma(w * x),
    "loss": lambda y, t: 0.5 * (t - y) ** 2,
    "gradient": _gradient,
    "step": lambda w, x, t, lr: w - lr * _gradient(w, x, t),
}


def _inputs(domain: str, n: int) -> dict[str, tuple[FloatArray, ...]]:
    rng = np.random.default_rng(common.SEED)
    if domain == "normal":
        w, x = rng.normal(0, 2, n), rng.normal(0, 2, n)
    else:
        z = np.exp(rng.uniform(np.log(1e-3), np.log(760.0), n)) * rng.choice([-1.0, 1.0], n)
        x = np.exp(rng.uniform(np.log(1e-200), np.log(1e200), n)) * rng.choice([-1.0, 1.0], n)
        w = z / x
    t, lr = rng.uniform(0, 1, n), np.full(n, 0.5)
    return {
        "sigmoid": (w * x,),
        "sigmoid_prime": (w * x,),
        "forward": (w, x),
        "loss": (rng.uniform(0, 1, n), t),
        "gradient": (w, x, t),
        "step": (w, x, t, lr),
    }


def _kernels(domain: str, n: int, repeat: int) -> list[dict[str, Any]]:
    from neuron import reference

    rows = []
    for name, args in _inputs(domain, n).items():
        fallback, slow = reference.FALLBACK[name], reference.SLOW_PATH[name]
        ours = getattr(reference, name)
        calls: dict[str, Callable[[], object]] = {
            "textbook": lambda f=TEXTBOOK[name], a=args: f(*a),
            "neuron": lambda f=ours, a=args: f(*a),
        }
        with np.errstate(all="ignore"):
            best = common.best_of_each(calls, repeat)
        rows.append(
            {
                "domain": domain,
                "function": name,
                "size": n,
                "repeats": repeat,
                "textbook seconds": best["textbook"],
                "neuron seconds": best["neuron"],
                "ratio": best["neuron"] / best["textbook"],
                "general path share": (reference.FALLBACK[name] - fallback) / repeat / n,
                "oracle elements": (reference.SLOW_PATH[name] - slow) / repeat,
            }
        )
    return rows


def _verify(profile: str) -> dict[str, Any]:
    """`neuron verify reference --profile P --json FILE` in a child process: wall time, points."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "neuron", "verify", "reference", "--profile", profile]
        started = time.perf_counter()
        completed = subprocess.run(
            [*command, "--json", str(report_path)], capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        if completed.returncode not in (0, 1):
            raise RuntimeError(f"neuron verify exited {completed.returncode}: {completed.stderr}")
        report = json.loads(report_path.read_text())
    failed = [line for line in completed.stdout.splitlines() if line.startswith("FAILED")]
    return {
        "command": " ".join(["neuron", *command[3:]]),
        "seconds": wall,
        "points": int(report["points"]),
        "exit status": completed.returncode,
        "failed": failed,
        "report": completed.stdout if failed else "",
    }


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Both parts; no figure."""
    n = QUICK_SIZE if quick else SIZE
    rows = []
    for domain, repeat in REPEATS.items():
        rows += _kernels(domain, n, QUICK_REPEATS if quick else repeat)
    results = {"kernels": rows, "verify": _verify("dev" if quick else "ci")}
    return {"results": results, "figures": [], "markdown": _markdown(results)}


def _markdown(results: dict[str, Any]) -> str:
    rows = results["kernels"]
    lines = ["### What correct rounding costs", ""]
    for domain in ("normal", "wide"):
        part = [r for r in rows if r["domain"] == domain]
        if not part:
            continue
        n, repeat = part[0]["size"], part[0]["repeats"]
        what = (
            "w, x ~ N(0, 4), t ~ U(0, 1)"
            if domain == "normal"
            else "|w·x| log-uniform in [1e−3, 760], |x| in [1e−200, 1e200]"
        )
        lines.append(
            f"Domain `{domain}` ({what}): {n:,} elements, best of {repeat}, the two timed in "
            "turn; the baseline is the seed's formulas written directly in numpy, σ computed "
            "once. The last columns: the share of elements the fast path left to the general "
            "path, and how many went on to the oracle."
        )
        lines.append("")
        table = [
            [
                r["function"],
                f"{r['textbook seconds'] * 1e3:.1f}",
                f"{r['neuron seconds'] * 1e3:.1f}",
                f"{r['ratio']:.1f}×",
                f"{r['general path share']:.3%}",
                f"{r['oracle elements']:.0f} per {n:,}",
            ]
            for r in part
        ]
        lines.append(
            common.markdown_table(
                [
                    "function",
                    "textbook numpy (ms)",
                    "neuron.reference (ms)",
                    "ratio",
                    "general path",
                    "oracle",
                ],
                table,
            )
        )
        lines.append("")
    verify = results["verify"]
    lines.append(
        f"`{verify['command']}` (a child process, start-up included) took "
        f"{verify['seconds']:.1f} s of wall time and compared {verify['points']:,} points, "
        f"{verify['points'] / verify['seconds']:,.0f} per second (exit status "
        f"{verify['exit status']})."
    )
    lines.append("")
    for line in verify.get("failed", []):
        lines.append(f"`{line}`")
        lines.append("")
    return "\n".join(lines)
