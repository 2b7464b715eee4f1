"""How fast the gate checks: `neuron verify` against torch.autograd.gradcheck, points per second.

    python benchmarks/gate_speed.py                 # the default run on the reference
    python benchmarks/gate_speed.py --target torch  # the same run on PyTorch's autograd

Part 1 times the command a CI job runs, ``neuron verify TARGET`` (``ci`` profile: 100
Hypothesis examples per property and a sweep of 10^5 points per function), in a child process,
wall clock included start-up, and divides the points the report says it compared by that time.

Part 2 (only where torch is installed) asks ``torch.autograd.gradcheck`` the question the
gradient properties answer, dE/dw of E(w) = ½(t − σ(w·x))² in float64, at the same points: the
finite points of the gradient sweep (``neuron.gate.sweep.sample("gradient", ...)``). gradcheck
compares autograd with a central difference (eps = 1e-6) and accepts |a − n| <= 1e-5 + 1e-3·|n|;
it is run on batches of `--batch` points (its Jacobian is dense, so a batch of n points costs
2n evaluations of n points), and the points it rejects are counted: each is a false alarm,
since torch's autograd passes the float64 policy everywhere (tests/test_adapters.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from neuron.gate import sweep


def _verify(target: str) -> dict[str, float]:
    """Run `neuron verify TARGET --json` in a child process; wall time and points compared."""
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "neuron", "verify", target, "--json", str(report_path)]
        started = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if completed.returncode not in (0, 1):
            raise SystemExit(completed.stderr)
        report = json.loads(report_path.read_text())
    return {"wall": wall, "points": report["points"], "status": completed.returncode}


def _gradcheck(points: int, batch: int) -> dict[str, float]:
    import torch

    w, x, t = sweep.sample("gradient", 4 * points, seed=0)
    finite = np.isfinite(w) & np.isfinite(x) & np.isfinite(t)
    w, x, t = (a[finite][:points] for a in (w, x, t))

    def energy(weights: torch.Tensor, xs: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
        residual = ts - torch.sigmoid(weights * xs)
        return 0.5 * residual * residual

    rejected = 0
    started = time.perf_counter()
    for start in range(0, w.size, batch):
        part = slice(start, start + batch)
        wt = torch.tensor(w[part], dtype=torch.float64, requires_grad=True)
        xt = torch.tensor(x[part], dtype=torch.float64)
        tt = torch.tensor(t[part], dtype=torch.float64)
        ok = torch.autograd.gradcheck(
            lambda v, xs=xt, ts=tt: energy(v, xs, ts), (wt,), raise_exception=False
        )
        if not ok:  # find which points of the batch it rejects
            for i in range(wt.numel()):
                one = wt[i : i + 1].detach().clone().requires_grad_(True)
                xi, ti = xt[i : i + 1], tt[i : i + 1]
                good = torch.autograd.gradcheck(
                    lambda v, xs=xi, ts=ti: energy(v, xs, ts), (one,), raise_exception=False
                )
                rejected += not good
    seconds = time.perf_counter() - started
    return {"points": float(w.size), "seconds": seconds, "rejected": float(rejected)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="reference")
    parser.add_argument("--points", type=int, default=2000, help="points for gradcheck")
    parser.add_argument("--batch", type=int, default=100, help="points per gradcheck call")
    args = parser.parse_args()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}, "
        f"numpy {np.__version__}"
    )
    run = _verify(args.target)
    rate = run["points"] / run["wall"]
    print(
        f"neuron verify {args.target}: {run['wall']:.1f} s wall, {run['points']:.0f} points "
        f"compared, {rate:,.0f} points/s (exit status {run['status']:.0f})"
    )
    try:
        import torch
    except ImportError:
        print("torch.autograd.gradcheck: torch is not installed (pip install 'neuron[torch]')")
        return
    checked = _gradcheck(args.points, args.batch)
    print(
        f"torch.autograd.gradcheck (torch {torch.__version__}, batches of {args.batch}): "
        f"{checked['points']:.0f} points in {checked['seconds']:.1f} s, "
        f"{checked['points'] / checked['seconds']:,.0f} points/s; "
        f"rejected {checked['rejected']:.0f} of them (false alarms: torch's autograd passes "
        "the float64 policy)"
    )


if __name__ == "__main__":
    main()
