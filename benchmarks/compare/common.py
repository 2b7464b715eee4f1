"""What every section shares: the peers, their availability, timing, ulps, tables, figures.

The peers are the ways a user computes the neuron in float64 today: the seed's formulas in
numpy, scipy's ``expit``, PyTorch (``torch.sigmoid`` and autograd), JAX (``jax.nn.sigmoid``
and ``jax.grad`` under ``jax.jit``) and ``neuron.reference``. Each is a `Peer` whose
functions take and return the framework's own arrays, so that timing leaves the conversions
out; `Peer.call` converts from and to numpy for the accuracy section.

A framework that is not installed is never imported: `available` asks importlib for the
module's spec, and a section that needs it records ``skip_reason(name)`` instead of failing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Optional packages, by import name, with the distribution that provides each.
OPTIONAL: dict[str, str] = {
    "scipy": "scipy",
    "torch": "torch",
    "jax": "jax",
    "matplotlib": "matplotlib",
    "numdifftools": "numdifftools",
    "gmpy2": "gmpy2",
}

#: Every version the results record (distribution names).
_VERSIONED = (
    "neuron",
    "numpy",
    "mpmath",
    "gmpy2",
    "hypothesis",
    "scipy",
    "torch",
    "jax",
    "jaxlib",
    "matplotlib",
    "numdifftools",
)

#: The seed every section draws its inputs from, unless it says otherwise.
SEED = 20261127


@cache
def available(name: str) -> bool:
    """Whether the module `name` can be imported, found without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def skip_reason(*names: str) -> str | None:
    """``"skipped: torch not installed"`` for the first missing module, None if all are there."""
    for name in names:
        if not available(name):
            return f"skipped: {name} not installed"
    return None


def versions() -> dict[str, str | None]:
    """Python and the installed version of every library the benchmarks touch (None if absent)."""
    found: dict[str, str | None] = {
        "python": f"{platform.python_implementation()} {platform.python_version()}"
    }
    for distribution in _VERSIONED:
        try:
            found[distribution] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            found[distribution] = None
    if available("mpmath"):
        import mpmath.libmp

        found["mpmath backend"] = str(mpmath.libmp.BACKEND)
    return found


def machine() -> dict[str, Any]:
    """Platform, CPU model (from /proc/cpuinfo where there is one) and core counts."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable cores": usable,
        "memory GiB": _memory_gib(),
    }


def _memory_gib() -> float | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return None


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The least wall-clock time, in seconds, of `repeat` calls of `fn` (no warm-up call).

    The least is the run least disturbed by the rest of the machine; callers warm up first
    (a JIT compilation, a first page fault) when that is not what they measure.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    best = math.inf
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def best_of_each(
    calls: dict[str, Callable[[], object]],
    repeat: int,
    setup: dict[str, Callable[[], object]] | None = None,
) -> dict[str, float]:
    """`best_of` for several calls at once, taken in turn: round r times every call once.

    On a shared machine a disturbance then falls on one round of every call, not on all
    rounds of one of them, so the ratios between the calls are fairer. ``setup[name]``, if
    given, runs untimed before each call of `name` (torch's thread count, for instance).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    best = dict.fromkeys(calls, math.inf)
    for _ in range(repeat):
        for name, fn in calls.items():
            if setup is not None and name in setup:
                setup[name]()
            started = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def markdown_table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], align: str | None = None
) -> str:
    """A GitHub Markdown table; `align` has one letter per column, l or r (default: l, then r).

    Cells are written with ``str``; a ``|`` inside a cell is escaped.
    """
    if align is None:
        align = "l" + "r" * (len(headers) - 1)
    if len(align) != len(headers):
        raise ValueError(f"align {align!r} does not have one letter per column")
    rule = ["---:" if a == "r" else "---" for a in align]

    def line(cells: Sequence[object]) -> str:
        if len(cells) != len(headers):
            raise ValueError(f"row {cells!r} has {len(cells)} cells, not {len(headers)}")
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(headers), "|" + "|".join(rule) + "|", *(line(r) for r in rows)])


def figure_module() -> Any:
    """matplotlib.pyplot on the Agg backend (no display), or None if matplotlib is missing."""
    if not available("matplotlib"):
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, out: Path, name: str) -> str:
    """Write `fig` as out/name (PNG, 120 dpi), close it, and return the file name."""
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / name, dpi=120, bbox_inches="tight")
    plt = figure_module()
    if plt is not None:
        plt.close(fig)
    return name


def figure_link(name: str, alt: str) -> str:
    """Markdown image of a figure in the default output directory, relative to the repository
    root; ``run.py`` rewrites the link for each file it writes (results.md, docs/results.md)."""
    return f"![{alt}](benchmarks/results/{name})"


def fmt(value: float, digits: int = 3) -> str:
    """A number for a table: `digits` significant digits, inf and NaN spelled out."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.{digits}g}"


# ---------------------------------------------------------------------------------------------
# Ulps against the oracle


def oracle(function: str, *args: FloatArray) -> Any:
    """``neuron.exact.values``: the correctly rounded values, with the offsets that give ulps."""
    from neuron import exact

    return exact.values(function, *args)


def ulps(got: FloatArray, exact_values: Any) -> FloatArray:
    """Error of each computed value in ulps of the exact value (``ulp.ulp_errors``)."""
    from neuron.numerics.ulp import ulp_errors

    return ulp_errors(got, exact_values)


def ulp_summary(errors: FloatArray) -> dict[str, float]:
    """max, 99.9th percentile and the share correctly rounded (error <= 0.5 ulp), in percent.

    NaN errors count as infinite. The percentile is a sample itself (the nearest one above,
    numpy's "higher"): interpolating between two infinite errors would give NaN.
    """
    finite = np.where(np.isnan(errors), np.inf, errors)
    return {
        "max": float(np.max(finite)),
        "p99.9": float(np.quantile(finite, 0.999, method="higher")),
        "correctly rounded %": float(100.0 * np.mean(finite <= 0.5)),
        "points": int(errors.size),
    }


# ---------------------------------------------------------------------------------------------
# The peers


@dataclass
class Peer:
    """One way to compute the neuron, with functions on the framework's own arrays.

    `functions` maps protocol names (sigmoid, sigmoid_prime, forward, gradient) to callables
    on native arrays; `to_native` converts a float64 numpy array, `to_numpy` converts back
    and `sync` waits for an asynchronous result (JAX) so that a timing covers the work.
    """

    name: str
    requires: tuple[str, ...]
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)
    to_native: Callable[[FloatArray], Any] = lambda a: a
    to_numpy: Callable[[Any], FloatArray] = lambda a: np.asarray(a, dtype=np.float64)
    sync: Callable[[Any], Any] = lambda a: a
    set_threads: Callable[[int], None] | None = None

    def call(self, function: str, *args: FloatArray) -> FloatArray:
        """`function` of numpy float64 arrays, as a numpy float64 array."""
        native = [self.to_native(np.ascontiguousarray(a, dtype=np.float64)) for a in args]
        return self.to_numpy(self.sync(self.functions[function](*native)))


def _textbook() -> Peer:
    """The seed's formulas in numpy, σ computed once: y = 1/(1 + e^(−z)), σ' = y(1 − y).

    e^(−z) overflows to inf for z < −709.78, and 1/(1 + inf) = 0 is then the right limit;
    the overflow warning is silenced, as code that uses these formulas on purpose does.
    """

    def sigmoid(z: FloatArray) -> FloatArray:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-z))

    def sigmoid_prime(z: FloatArray) -> FloatArray:
        y = sigmoid(z)
        return y * (1.0 - y)

    def forward(w: FloatArray, x: FloatArray) -> FloatArray:
        return sigmoid(w * x)

    def gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> FloatArray:
        y = sigmoid(w * x)
        return -(t - y) * y * (1.0 - y) * x

    return Peer(
        "numpy (textbook)",
        (),
        {
            "sigmoid": sigmoid,
            "sigmoid_prime": sigmoid_prime,
            "forward": forward,
            "gradient": gradient,
        },
    )


def _scipy() -> Peer:
    """scipy.special.expit, and σ' = expit(z)·expit(−z), which keeps both tails accurate."""
    from scipy.special import expit

    def sigmoid_prime(z: FloatArray) -> FloatArray:
        return expit(z) * expit(-z)

    def forward(w: FloatArray, x: FloatArray) -> FloatArray:
        return expit(w * x)

    def gradient(w: FloatArray, x: FloatArray, t: FloatArray) -> FloatArray:
        z = w * x
        y = expit(z)
        return -(t - y) * y * expit(-z) * x

    return Peer(
        "scipy expit",
        ("scipy",),
        {
            "sigmoid": expit,
            "sigmoid_prime": sigmoid_prime,
            "forward": forward,
            "gradient": gradient,
        },
    )


def _torch() -> Peer:
    """torch.sigmoid; σ' and dE/dw by torch.autograd.grad of σ(z) and of E = ½·r·r, summed.

    Each term of the sum depends on its own element only, so the gradient of the sum is the
    elementwise derivative (the same construction as ``neuron.gate.adapters.torch_autograd``).
    """
    import torch

    def sigmoid_prime(z: Any) -> Any:
        v = z.detach().requires_grad_(True)
        (slope,) = torch.autograd.grad(torch.sigmoid(v).sum(), v)
        return slope

    def forward(w: Any, x: Any) -> Any:
        return torch.sigmoid(w * x)

    def gradient(w: Any, x: Any, t: Any) -> Any:
        v = w.detach().requires_grad_(True)
        residual = t - torch.sigmoid(v * x)
        (g,) = torch.autograd.grad((0.5 * residual * residual).sum(), v)
        return g

    return Peer(
        "torch",
        ("torch",),
        {
            "sigmoid": torch.sigmoid,
            "sigmoid_prime": sigmoid_prime,
            "forward": forward,
            "gradient": gradient,
        },
        to_native=torch.from_numpy,
        to_numpy=lambda a: np.asarray(a.detach().numpy(), dtype=np.float64),
        set_threads=torch.set_num_threads,
    )


def _jax() -> Peer:
    """jax.nn.sigmoid; σ' and dE/dw by jax.grad of σ and of E = ½·r·r, summed; all jax.jit.

    64-bit mode is turned on for the process (without it JAX computes in float32). XLA on
    the CPU flushes subnormals to zero, which shows in the far left tail.
    """
    import jax

    jax.config.update("jax_enable_x64", True)

    def energy(w: Any, x: Any, t: Any) -> Any:
        residual = t - jax.nn.sigmoid(w * x)
        return (0.5 * residual * residual).sum()

    return Peer(
        "jax (jit)",
        ("jax",),
        {
            "sigmoid": jax.jit(jax.nn.sigmoid),
            "sigmoid_prime": jax.jit(jax.grad(lambda z: jax.nn.sigmoid(z).sum())),
            "forward": jax.jit(lambda w, x: jax.nn.sigmoid(w * x)),
            "gradient": jax.jit(jax.grad(energy)),
        },
        to_native=jax.numpy.asarray,
        sync=lambda a: a.block_until_ready(),
    )


def _neuron() -> Peer:
    """neuron.reference: correctly rounded (theorem T6.4)."""
    from neuron import reference

    return Peer(
        "neuron",
        (),
        {
            "sigmoid": reference.sigmoid,
            "sigmoid_prime": reference.sigmoid_prime,
            "forward": reference.forward,
            "gradient": reference.gradient,
        },
    )


#: The peers in the order tables list them: (name, modules required, constructor).
PEERS: tuple[tuple[str, tuple[str, ...], Callable[[], Peer]], ...] = (
    ("numpy (textbook)", (), _textbook),
    ("scipy expit", ("scipy",), _scipy),
    ("torch", ("torch",), _torch),
    ("jax (jit)", ("jax",), _jax),
    ("neuron", (), _neuron),
)


def peers() -> tuple[list[Peer], dict[str, str]]:
    """The peers that can run here, and for each one that cannot, why (``skipped: ...``)."""
    ready: list[Peer] = []
    skipped: dict[str, str] = {}
    for name, requires, build in PEERS:
        reason = skip_reason(*requires)
        if reason is None:
            ready.append(build())
        else:
            skipped[name] = reason
    return ready, skipped


def command_line() -> str:
    """The command that produced the results, as typed (relative to the repository)."""
    return " ".join(["python", *sys.argv])
