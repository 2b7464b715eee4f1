"""Section 3, speed: ns per element of each peer, and points per second of each gradient check.

Part 1 times σ(w·x) (``forward``), σ'(z) and dE/dw on 10^6 and 10^7 float64 elements
(10^5 and 10^6 with --quick): w, x ~ N(0, 4), z = w·x, t ~ U(0, 1), one seeded draw. Every
peer gets the inputs in its own array type beforehand (``torch.from_numpy`` shares memory;
JAX copies to its device), is called once to warm up (JAX compiles its ``jax.jit`` functions
for the shape there) and is then timed best of R calls, waiting for JAX's asynchronous result
(``block_until_ready``). torch runs with 1 and with 2 intra-op threads
(``torch.set_num_threads``); numpy, scipy and neuron are single-threaded; XLA chooses its own
threads. Ratios are to the textbook numpy of the same run: the machine is shared, so absolute
times move by tens of percent between runs, ratios less.

Part 2 asks each checker the same question, whether dE/dw of E(w) = ½(t − σ(w·x))² is right
in float64, at the same P points (10^5; 10^4 with --quick): the finite points of the gate's
own gradient sweep (``neuron.gate.sweep.sample``), which reach every magnitude float64 has.

* ``neuron verify`` (``neuron.gate.runner.run``, in process, float64 policy, ci profile) runs its
  ``gradient-exact`` property on the torch and jax adapters with a sweep of P points, plus its
  100 Hypothesis examples; points per second counts both.
* ``torch.autograd.gradcheck`` on torch's E(w), batches of 100 points (its Jacobian is dense:
  a batch of n points costs 2n evaluations), with its default eps = 1e−6, atol = 1e−5,
  rtol = 1e−3.
* ``jax.test_util.check_grads`` (order 1, its default fwd and rev modes, eps = 1e−4,
  tolerance 1e−5) on jax's E(w), batches of 100: it checks one random direction per batch.

Both autograds pass the gate's float64 policy everywhere (tests/test_adapters.py), so every
batch gradcheck or check_grads rejects is a false alarm; they are counted.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray, Peer

FUNCTIONS = ("forward", "sigmoid_prime", "gradient")
SIZES = (10**6, 10**7)
QUICK_SIZES = (10**5, 10**6)
GATE_POINTS = 100_000
QUICK_GATE_POINTS = 10_000
BATCH = 100
#: Sweep points per function of the whole-catalogue run; None: the ci profile's 10^5.
QUICK_CATALOGUE_SWEEP = 10_000


def _repeats(n: int) -> int:
    return 5 if n <= 10**6 else 3


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Part 1 and part 2; no figure (the scale section plots cost against size)."""
    sizes = QUICK_SIZES if quick else SIZES
    timings = _kernels(sizes)
    gate = _gate(
        QUICK_GATE_POINTS if quick else GATE_POINTS, QUICK_CATALOGUE_SWEEP if quick else None
    )
    results = {"kernels": timings, "gate": gate}
    return {"results": results, "figures": [], "markdown": _markdown(results)}


# ---------------------------------------------------------------------------------------------
# Part 1: kernels


def _inputs(n: int) -> dict[str, tuple[FloatArray, ...]]:
    rng = np.random.default_rng(common.SEED)
    w, x = rng.normal(0.0, 2.0, n), rng.normal(0.0, 2.0, n)
    t = rng.uniform(0.0, 1.0, n)
    return {"forward": (w, x), "sigmoid_prime": (w * x,), "gradient": (w, x, t)}


def _variants(ready: list[Peer]) -> list[tuple[str, Peer, int | None]]:
    """(label, peer, torch threads): torch twice, with 1 and 2 threads."""
    variants: list[tuple[str, Peer, int | None]] = []
    for peer in ready:
        if peer.set_threads is not None:
            variants.append((f"{peer.name}, 1 thread", peer, 1))
            variants.append((f"{peer.name}, 2 threads", peer, 2))
        else:
            variants.append((peer.name, peer, None))
    return variants


def _kernels(sizes: tuple[int, ...]) -> dict[str, Any]:
    ready, skipped = common.peers()
    variants = _variants(ready)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        inputs = _inputs(n)
        repeat = _repeats(n)
        for function in FUNCTIONS:
            calls: dict[str, Any] = {}
            setup: dict[str, Any] = {}
            for label, peer, threads in variants:
                native = [peer.to_native(a) for a in inputs[function]]
                kernel = peer.functions[function]

                def call(
                    kernel: Any = kernel, native: list[Any] = native, peer: Peer = peer
                ) -> Any:
                    return peer.sync(kernel(*native))

                if threads is not None and peer.set_threads is not None:
                    setup[label] = lambda s=peer.set_threads, k=threads: s(k)
                    setup[label]()
                call()  # warm-up: JAX compiles here, first touches fault pages in
                calls[label] = call
            seconds = common.best_of_each(calls, repeat, setup)
            calls.clear()
            baseline = seconds[variants[0][0]]  # the textbook numpy, first in the registry
            rows.extend(
                {
                    "function": function,
                    "size": n,
                    "implementation": label,
                    "ns per element": seconds[label] / n * 1e9,
                    "ratio to numpy": seconds[label] / baseline,
                    "repeats": repeat,
                }
                for label in seconds
            )
        del inputs
    return {"rows": rows, "skipped": skipped}


# ---------------------------------------------------------------------------------------------
# Part 2: checkers


def _sweep_points(points: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The finite points of the gate's own gradient sweep: every magnitude float64 has."""
    from neuron.gate import sweep

    w, x, t = sweep.sample("gradient", 2 * points, seed=0)
    finite = np.isfinite(w) & np.isfinite(x) & np.isfinite(t)
    w, x, t = (a[finite][:points] for a in (w, x, t))
    return w, x, t


def _ordinary_points(points: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """w, x ~ N(0, 4), t ~ U(0, 1): the inputs of part 1, where finite differences are at home."""
    rng = np.random.default_rng(common.SEED + 1)
    return rng.normal(0.0, 2.0, points), rng.normal(0.0, 2.0, points), rng.uniform(0, 1, points)


def _gate(points: int, catalogue_sweep: int | None) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    domains = {
        "the gate's sweep": _sweep_points(points),
        "w, x ~ N(0, 4), t ~ U(0, 1)": _ordinary_points(points),
    }
    for target in ("torch", "jax"):
        reason = common.skip_reason(target)
        if reason is None:
            rows.append(_verify(target, points))
        else:
            skipped[f"neuron verify {target}"] = reason
    for checker, framework, function in (
        ("torch.autograd.gradcheck", "torch", _gradcheck),
        ("jax.test_util.check_grads", "jax", _check_grads),
    ):
        reason = common.skip_reason(framework)
        if reason is not None:
            skipped[checker] = reason
            continue
        for domain, (w, x, t) in domains.items():
            rows.append(function(w, x, t) | {"domain": domain})
    if (reason := common.skip_reason("torch")) is None:
        rows.append(_verify("torch", catalogue_sweep, whole=True))
    else:
        skipped["neuron verify torch, whole catalogue"] = reason
    return {"points": points, "batch": BATCH, "rows": rows, "skipped": skipped}


def _verify(target: str, points: int | None, *, whole: bool = False) -> dict[str, Any]:
    """`neuron verify TARGET [--only gradient-exact] --sweep P`, in process (ci profile)."""
    from neuron.gate import runner as verify
    from neuron.gate.protocol import load
    from neuron.gate.tolerance import parse_policy

    impl = load(target)
    impl("gradient", np.zeros(4), np.ones(4), np.ones(4))  # warm-up (JAX compiles)
    started = time.perf_counter()
    report = verify.run(
        impl,
        parse_policy("float64"),
        profile="ci",
        only=None if whole else ["gradient-exact"],
        sweep_points=points,
    )
    seconds = time.perf_counter() - started
    checked = sum(r.points for r in report.results)
    failures = [r for r in report.results if r.failure is not None]
    row: dict[str, Any] = {
        "checker": f"neuron verify {target}"
        + (f", all {len(report.results)} properties" if whole else ", gradient-exact"),
        "domain": "the gate's sweep and search",
        "points": int(checked),
        "seconds": seconds,
        "points per second": checked / seconds,
        "verdict": "passed" if not failures else "failed",
        "rejected": len(failures),
        "rechecked by the oracle": int(sum(r.rechecked for r in report.results)),
    }
    if failures:
        first = failures[0].failure
        assert first is not None
        row["failure"] = f"{failures[0].id} at {first.args}: {first.message}"
    return row


def _gradcheck(w: FloatArray, x: FloatArray, t: FloatArray) -> dict[str, Any]:
    import torch

    def energy(v: Any, xs: Any, ts: Any) -> Any:
        residual = ts - torch.sigmoid(v * xs)
        return 0.5 * residual * residual

    rejected = 0
    started = time.perf_counter()
    for start in range(0, w.size, BATCH):
        part = slice(start, start + BATCH)
        wt = torch.tensor(w[part], dtype=torch.float64, requires_grad=True)
        xt, tt = torch.from_numpy(x[part]), torch.from_numpy(t[part])
        ok = torch.autograd.gradcheck(
            lambda v, xs=xt, ts=tt: energy(v, xs, ts), (wt,), raise_exception=False
        )
        rejected += not ok
    seconds = time.perf_counter() - started
    return _checker_row(f"torch.autograd.gradcheck, batches of {BATCH}", w.size, seconds, rejected)


def _check_grads(w: FloatArray, x: FloatArray, t: FloatArray) -> dict[str, Any]:
    import jax
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)

    def energy(v: Any, xs: Any, ts: Any) -> Any:
        residual = ts - jax.nn.sigmoid(v * xs)
        return 0.5 * residual * residual

    rejected = 0
    started = time.perf_counter()
    for start in range(0, w.size, BATCH):
        part = slice(start, start + BATCH)
        wj, xj, tj = (jax.numpy.asarray(a[part]) for a in (w, x, t))
        try:
            check_grads(lambda v, xs=xj, ts=tj: energy(v, xs, ts), (wj,), order=1)
        except AssertionError:
            rejected += 1
    seconds = time.perf_counter() - started
    return _checker_row(f"jax.test_util.check_grads, batches of {BATCH}", w.size, seconds, rejected)


def _checker_row(checker: str, points: int, seconds: float, rejected: int) -> dict[str, Any]:
    batches = -(-points // BATCH)
    return {
        "checker": checker,
        "points": points,
        "seconds": seconds,
        "points per second": points / seconds,
        "verdict": "passed" if rejected == 0 else f"{rejected} of {batches} batches rejected",
        "rejected": rejected,
        "batches": batches,
    }


# ---------------------------------------------------------------------------------------------
# Markdown


def _markdown(results: dict[str, Any]) -> str:
    kernels = results["kernels"]
    rows = kernels["rows"]
    sizes = sorted({r["size"] for r in rows})
    labels = list(dict.fromkeys(r["implementation"] for r in rows))
    lines = ["### Speed", ""]
    lines.append(
        "Nanoseconds per element (best of 5 calls at 10^6 and fewer, of 3 at 10^7) of "
        "σ(w·x), σ'(z) and dE/dw on float64 arrays, w, x ~ N(0, 4), t ~ U(0, 1); in brackets "
        "the ratio to the textbook numpy of the same run. Inputs are converted to each "
        "framework's arrays beforehand; JAX is compiled (`jax.jit`) and waited for. The "
        "machine is shared: absolute times move by tens of percent between runs. At 10^7 "
        "every array is 80 MB: the textbook formulas, one fresh temporary per operation, "
        "slow down per element more than the others, and the ratios to them shrink."
    )
    lines.append("")
    headers = ["implementation"]
    for n in sizes:
        headers += [f"{f}, 10^{len(str(n)) - 1}" for f in FUNCTIONS]
    table = []
    for label in labels:
        cells: list[object] = [label]
        for n in sizes:
            for f in FUNCTIONS:
                match = [
                    r
                    for r in rows
                    if r["implementation"] == label and r["size"] == n and r["function"] == f
                ]
                r = match[0]
                cells.append(f"{r['ns per element']:.3g} ({r['ratio to numpy']:.2g}×)")
        table.append(cells)
    lines.append(common.markdown_table(headers, table))
    lines.append("")
    if kernels["skipped"]:
        lines.append(
            "Not measured: " + "; ".join(f"{k} ({v})" for k, v in kernels["skipped"].items()) + "."
        )
        lines.append("")
    gate = results["gate"]
    lines.append("#### Checking a gradient: points per second")
    lines.append("")
    lines.append(
        "Each checker asks whether dE/dw of E(w) = ½(t − σ(w·x))² is right in float64, "
        f"at {gate['points']:,} points. `neuron verify` (float64 policy, ci profile) runs its "
        "`gradient-exact` property: 100 Hypothesis examples and a sweep of the gate's own "
        "domain (every magnitude float64 has, subnormals included) against the correctly "
        "rounded reference, doubtful points re-judged by the oracle; the last row is the whole "
        "catalogue, as a CI job runs it. gradcheck and check_grads compare autograd with their "
        f"own finite differences, in batches of {gate['batch']} points (gradcheck every point, "
        "check_grads one random direction per batch), on the sweep's finite points and on "
        "ordinary inputs. torch's gradient is within the float64 policy's error everywhere "
        "(tests/test_adapters.py), so each batch they reject is a false alarm; JAX's is "
        "not where an input is subnormal (XLA on the CPU flushes it to zero), which "
        "`neuron verify jax` reports."
    )
    lines.append("")
    table = [
        [
            r["checker"],
            r["domain"],
            f"{r['points']:,}",
            f"{r['seconds']:.1f}",
            f"{r['points per second']:,.0f}",
            r["verdict"],
        ]
        for r in gate["rows"]
    ]
    lines.append(
        common.markdown_table(
            ["checker", "inputs", "points", "seconds", "points per second", "verdict"],
            table,
            align="llrrrl",
        )
    )
    lines.append("")
    failures = [r for r in gate["rows"] if "failure" in r]
    for r in failures:
        lines.append(f"`{r['checker']}` failed: {r['failure']}")
        lines.append("")
    if gate["skipped"]:
        lines.append(
            "Not measured: " + "; ".join(f"{k} ({v})" for k, v in gate["skipped"].items()) + "."
        )
        lines.append("")
    return "\n".join(lines)
