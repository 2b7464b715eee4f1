"""Section 2, detection power: which gradient checker catches which bug, and how small an error.

Every implementation below follows neuron's protocol (``neuron verify FILE`` runs on each), and
every checker is asked the same question of it: is its dE/dw right?

* **Correct implementations** (a rejection is a false alarm): the seed's formulas in numpy,
  scipy's ``expit`` and the autograd-style σ(1 − σ) of ``tests/implementations/``, and
  ``neuron.reference`` itself.
* **Realistic bugs**, one module each in ``benchmarks/compare/bugs/``: formula slips (tanh's
  derivative for σ', the factor x dropped, a sign slip in one branch), clipping (z to ±30,
  y to [1e−7, 1 − 1e−7]), float32 inside (σ, or only the backward pass), a wrong branch
  (σ ≈ e^z switched on at z < −5), a saturation shortcut and a stable σ with a cancelling
  branch. Each module's docstring says what is wrong and where.
* **The δ family**: ``neuron.reference`` with its gradient multiplied by (1 + δ), δ from 1e−2
  down to 1e−15 and 2^−52 (one ulp of 1), written for each δ into a temporary directory
  (`write_scaled`); its step is ``reference.step`` minus η·δ·g, so the step agrees with the
  gradient and nothing else is off.

The checkers, each used as its documentation and its users use it:

* ``torch.autograd.gradcheck`` with its defaults (eps = 1e−6, atol = 1e−5, rtol = 1e−3):
  the implementation's loss E(w) = loss(forward(w, x), t) and gradient are wrapped in a
  ``torch.autograd.Function`` whose backward calls the implementation's gradient, so
  gradcheck compares that gradient with its central difference of the implementation's loss.
* ``jax.test_util.check_grads(f, (w,), order=1)`` with its defaults (modes fwd and rev,
  eps = 1e−4, atol = rtol = 1e−5 in float64, x64 enabled): E is a ``jax.custom_jvp`` whose
  primal and tangent rule call the implementation through ``jax.pure_callback``. (A
  custom_jvp, not a custom_vjp, so that both default modes run: JAX transposes the linear
  tangent rule for reverse mode.)
* ``scipy.optimize.check_grad(E, dE/dw, [w])`` with its default forward difference
  (eps = 1.49e−8), failed when the returned 2-norm of the difference is 1e−6 or more. The
  scipy documentation returns that absolute norm and sets no threshold; test suites compare
  it with a fixed 1e−7 … 1e−3, most often 1e−5 or 1e−6.
* ``numdifftools.Derivative(E, full_output=True)`` (central differences with Richardson
  extrapolation, its defaults), failed when |gradient − estimate| > c·error_estimate +
  2^−52·|estimate|. Its documentation calls the error estimate an approximate bound on the
  error of the estimate; c = 1 takes it at its word, c = 10 is the margin a user adds after
  the first false alarms. Both are reported.
* ``neuron verify FILE --policy float64`` and ``--policy ulp:1``, run as a CI job runs it:
  the command in a child process (worker isolation, default timeout), the ``ci`` profile
  (derandomized: 100 Hypothesis examples per property and a sweep of 10^5 points per
  function), every property. An implementation is caught when the command exits 1. The
  realistic bugs are run under ``float64`` only: they are built on the textbook formulas,
  which ``ulp:1`` rejects by themselves. ``--quick`` runs the ``dev`` profile (30 examples,
  10^4 sweep points) with a fixed ``--seed`` and only the three properties that judge dE/dw
  itself (``QUICK_GATE``): on a failing implementation the full catalogue takes 30–70 s,
  most of it shrinking step-convergence's counterexample.

The point-based checkers all look at the same points, drawn the way their users draw test
inputs: w, x from a standard normal (as the gradcheck example of PyTorch's "Extending
PyTorch" notes draws its inputs, ``torch.randn(..., dtype=torch.double)``), t uniform in
(0, 1), 32 points from ``numpy.random.default_rng(common.SEED)``. A checker catches an
implementation when it fails at one point or more; the results also count at how many.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common

ROOT = Path(__file__).resolve().parents[2]
BUGS_DIR = Path(__file__).resolve().parent / "bugs"
EXAMPLES_DIR = ROOT / "tests" / "implementations"

#: Gradient scale errors of the δ family: 1e−2 … 1e−15, then one ulp of 1.
DELTAS: tuple[float, ...] = (*(10.0**-k for k in range(2, 16)), 2.0**-52)
QUICK_DELTAS: tuple[float, ...] = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12, 1e-14, 1e-15, 2.0**-52)
POINTS = 32
POLICIES = ("float64", "ulp:1")
CHECK_GRAD_THRESHOLD = 1e-6
NUMDIFFTOOLS_MARGINS = (1.0, 10.0)
#: The correctly rounded implementation, the δ family's base (δ = 0).
REFERENCE = "neuron.reference"


@dataclass(frozen=True)
class Target:
    """One implementation under test: a module file that follows neuron's protocol."""

    name: str
    kind: str  # "correct", "bug" or "scaled"
    path: Path
    summary: str
    delta: float | None = None


#: (file in bugs/, name, what is wrong): the realistic bugs.
BUGS: tuple[tuple[str, str, str], ...] = (
    ("tanh_derivative.py", "σ' = 1 − y²", "tanh's derivative used for σ'"),
    ("dropped_x.py", "factor x dropped", "dE/dz returned as dE/dw"),
    ("sign_slip_branch.py", "sign slip, z < 0", "stable gradient, t − y in the z < 0 branch"),
    ("clip_z.py", "z clipped to ±30", "σ and the gradient frozen beyond |z| = 30"),
    ("clip_y.py", "y clipped to [1e−7, 1 − 1e−7]", "a cross-entropy guard, |z| > 16.1"),
    ("float32_sigmoid.py", "float32 σ", "σ in float32, everything downstream inherits it"),
    ("float32_backward.py", "float32 backward", "forward in float64, gradient in float32"),
    ("asymptotic_branch.py", "σ ≈ e^z below −5", "a tail branch switched on too early"),
    ("saturated.py", "σ saturated beyond ±30", "σ = 0 or 1 for |z| > 30"),
    ("cancelling_branch.py", "σ = 1 − σ(−z) for z < 0", "a stable σ whose z < 0 branch cancels"),
)

#: (file in tests/implementations/, name, what it is): correct implementations.
CORRECT: tuple[tuple[str, str, str], ...] = (
    ("textbook.py", "textbook numpy", "the seed's formulas typed into numpy"),
    ("expit_based.py", "scipy expit", "scipy.special.expit, σ' = σ(1 − σ)"),
    ("autograd_style.py", "autograd-style", "stable σ, σ' = y(1 − y) from the saved output"),
)

#: Correct implementations that import an optional package: skipped, and said so, without it.
CORRECT_REQUIRES: dict[str, str] = {"expit_based.py": "scipy"}

_SCALED_TEMPLATE = '''\
"""neuron.reference with its gradient multiplied by 1 + δ, δ = {delta!r}.

Written by benchmarks/compare/detection.py (write_scaled). σ, σ', forward and loss are the
correctly rounded reference. The gradient is g + δ·g, g the reference's (g itself where that
is not finite: the error measured is δ, not an overflow at the edge of the range); the step is
the reference's step minus η·δ·g, so that it agrees with the gradient at every rate,
subnormal ones included. With δ = 0 this is neuron.reference.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neuron import reference
from neuron.reference import forward, loss, sigmoid, sigmoid_prime

__all__ = ["forward", "gradient", "loss", "sigmoid", "sigmoid_prime", "step"]

DELTA = {delta!r}


def gradient(w: ArrayLike, x: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
    g = reference.gradient(w, x, t)
    with np.errstate(all="ignore"):
        scaled = g + DELTA * g
        return np.asarray(np.where(np.isfinite(scaled), scaled, g))


def step(w: ArrayLike, x: ArrayLike, t: ArrayLike, lr: ArrayLike) -> NDArray[np.float64]:
    new = reference.step(w, x, t, lr)  # raises on a rate that is not finite and positive
    with np.errstate(all="ignore"):
        correction = np.multiply(lr, DELTA * reference.gradient(w, x, t))
        return np.asarray(new - np.where(np.isfinite(correction), correction, 0.0))
'''


_SCALED_ZERO = Path("scaled_0.py")


def write_scaled(delta: float, directory: Path) -> Path:
    """Write the δ-family module for `delta` into `directory` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    label = "0" if delta == 0 else f"{delta:.3g}".replace("-", "m").replace(".", "p")
    path = directory / f"scaled_{label}.py"
    path.write_text(_SCALED_TEMPLATE.format(delta=delta))
    return path


def targets(deltas: Sequence[float], scratch: Path) -> list[Target]:
    """The correct implementations, the realistic bugs and the δ family, in table order."""
    found = [
        Target(name, "correct", EXAMPLES_DIR / file, summary) for file, name, summary in CORRECT
    ]
    found.append(Target(REFERENCE, "correct", write_scaled(0.0, scratch), "correctly rounded"))
    found += [Target(name, "bug", BUGS_DIR / file, summary) for file, name, summary in BUGS]
    found += [
        Target(
            f"δ = {d:.3g}", "scaled", write_scaled(d, scratch), "reference gradient × (1 + δ)", d
        )
        for d in deltas
    ]
    return found


# ---------------------------------------------------------------------------------------------
# The implementation as the point-based checkers see it: E(w) and dE/dw at one (x, t)


@dataclass(frozen=True)
class Neuron:
    """E(w) = loss(forward(w, x), t) and the implementation's dE/dw, on Python floats."""

    functions: dict[str, Callable[..., Any]]

    def energy(self, w: float, x: float, t: float) -> float:
        f = self.functions
        return float(np.asarray(f["loss"](f["forward"](w, x), t), dtype=np.float64))

    def gradient(self, w: float, x: float, t: float) -> float:
        return float(np.asarray(self.functions["gradient"](w, x, t), dtype=np.float64))


def _load(path: Path) -> Neuron:
    from neuron.gate.protocol import load

    return Neuron(load(str(path)).functions)


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence what the implementations under test and the checkers warn about.

    The bugs overflow and divide by design; a numpy RuntimeWarning inside a checker is part of
    what is being measured (a NaN it then sees), not a fault of the harness.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def sample_points(n: int = POINTS, seed: int = common.SEED) -> tuple[np.ndarray, ...]:
    """w, x standard normal and t uniform in (0, 1): test inputs as gradient checks draw them."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.0, 1.0, n)


# Each point checker maps (neuron, w, x, t) to a score; the columns below flag a point when its
# score exceeds a threshold, or is not a number (an exception, a NaN).
Score = Callable[[Neuron, float, float, float], float]


def _gradcheck_score() -> Score:
    import torch

    def score(neuron: Neuron, w: float, x: float, t: float) -> float:
        class Energy(torch.autograd.Function):
            @staticmethod
            def forward(ctx: Any, v: torch.Tensor) -> torch.Tensor:
                ctx.save_for_backward(v)
                return torch.tensor([neuron.energy(float(v), x, t)], dtype=torch.float64)

            @staticmethod
            def backward(ctx: Any, grad_output: torch.Tensor) -> torch.Tensor:
                (v,) = ctx.saved_tensors
                return grad_output * neuron.gradient(float(v), x, t)

        wt = torch.tensor([w], dtype=torch.float64, requires_grad=True)
        ok = torch.autograd.gradcheck(Energy.apply, (wt,), raise_exception=False)
        return 0.0 if ok else 1.0

    return score


class _JaxBridge:
    """E and dE/dw of the current implementation as JAX functions, through pure_callback.

    The callbacks are built once: JAX caches what it compiles for a callback by the callback
    object, and a new closure per implementation would recompile at every point.
    """

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)
        self.current: Neuron | None = None
        scalar = jax.ShapeDtypeStruct((), jnp.float64)

        def energy_callback(w: Any, x: Any, t: Any) -> np.ndarray:
            assert self.current is not None
            return np.asarray(self.current.energy(float(w), float(x), float(t)), np.float64)

        def gradient_callback(w: Any, x: Any, t: Any) -> np.ndarray:
            assert self.current is not None
            return np.asarray(self.current.gradient(float(w), float(x), float(t)), np.float64)

        @jax.custom_jvp
        def energy(w: Any, x: Any, t: Any) -> Any:
            return jax.pure_callback(energy_callback, scalar, w, x, t)

        @energy.defjvp
        def energy_jvp(primals: Any, tangents: Any) -> Any:
            w, x, t = primals
            slope = jax.pure_callback(gradient_callback, scalar, w, x, t)
            return energy(w, x, t), slope * tangents[0]

        self.energy = energy


def _check_grads_score() -> Score:
    import jax.numpy as jnp
    from jax.test_util import check_grads

    bridge = _JaxBridge()

    def score(neuron: Neuron, w: float, x: float, t: float) -> float:
        bridge.current = neuron
        xs, ts = jnp.float64(x), jnp.float64(t)
        try:
            check_grads(lambda v: bridge.energy(v, xs, ts), (jnp.float64(w),), order=1)
        except AssertionError:
            return 1.0
        return 0.0

    return score


def _check_grad_score() -> Score:
    from scipy.optimize import check_grad

    def score(neuron: Neuron, w: float, x: float, t: float) -> float:
        return float(
            check_grad(
                lambda v: neuron.energy(float(v[0]), x, t),
                lambda v: np.array([neuron.gradient(float(v[0]), x, t)]),
                np.array([w]),
            )
        )

    return score


def _numdifftools_score() -> Score:
    import numdifftools

    def score(neuron: Neuron, w: float, x: float, t: float) -> float:
        found = numdifftools.Derivative(lambda v: neuron.energy(float(v), x, t), full_output=True)(
            w
        )
        estimate, error = float(found.estimate), float(found.error_estimate)
        allowed = error + 2.0**-52 * abs(estimate)
        gap = abs(neuron.gradient(w, x, t) - estimate)
        return gap / allowed if allowed > 0 else (0.0 if gap == 0 else math.inf)

    return score


@dataclass(frozen=True)
class Scorer:
    name: str
    requires: str
    build: Callable[[], Score]


@dataclass(frozen=True)
class Column:
    """A checker as the tables show it: a score and the threshold above which a point fails."""

    name: str
    scorer: str
    threshold: float
    rule: str


SCORERS: tuple[Scorer, ...] = (
    Scorer("gradcheck", "torch", _gradcheck_score),
    Scorer("check_grads", "jax", _check_grads_score),
    Scorer("check_grad", "scipy", _check_grad_score),
    Scorer("numdifftools", "numdifftools", _numdifftools_score),
)

POINT_COLUMNS: tuple[Column, ...] = (
    Column("gradcheck", "gradcheck", 0.5, "torch.autograd.gradcheck, defaults"),
    Column("check_grads", "check_grads", 0.5, "jax.test_util.check_grads, order 1, defaults"),
    Column(
        "check_grad < 1e-6",
        "check_grad",
        CHECK_GRAD_THRESHOLD,
        "scipy.optimize.check_grad(...) < 1e-6",
    ),
    *(
        Column(
            f"numdifftools, c = {c:g}",
            "numdifftools",
            c,
            f"|g − d| <= {c:g}·error_estimate + 2^−52·|d|",
        )
        for c in NUMDIFFTOOLS_MARGINS
    ),
)
GATE_COLUMNS: tuple[str, ...] = tuple(f"neuron verify {p}" for p in POLICIES)


@dataclass
class PointRun:
    """One scorer on one implementation: a score per point, and the time it took."""

    scores: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def _score_all(score: Score, neuron: Neuron, points: tuple[np.ndarray, ...]) -> PointRun:
    run = PointRun()
    started = time.perf_counter()
    with _quiet():
        for w, x, t in zip(*points, strict=True):
            try:
                value = score(neuron, float(w), float(x), float(t))
            except Exception as error:  # the implementation or the checker gave up: a failure
                run.errors.append(f"{type(error).__name__}: {error}"[:200])
                value = math.inf
            run.scores.append(value)
    run.seconds = time.perf_counter() - started
    return run


def _flagged(scores: Sequence[float], threshold: float) -> int:
    return sum(not (s <= threshold) for s in scores)  # NaN and inf fail


# ---------------------------------------------------------------------------------------------
# neuron verify, as a CI job runs it


@dataclass(frozen=True)
class GateSettings:
    """How `neuron verify` is run: its profile, seed and properties."""

    profile: str
    seed: int | None = None
    only: tuple[str, ...] | None = None

    def options(self) -> list[str]:
        found = ["--profile", self.profile]
        if self.seed is not None:
            found += ["--seed", str(self.seed)]
        if self.only is not None:
            found += ["--only", ",".join(self.only)]
        return found


#: The full run: what a CI job runs, the default profile (derandomized), every property.
FULL_GATE = GateSettings("ci")
#: --quick: the dev profile, seeded, and only the properties that judge dE/dw itself (the
#: slowest properties on a failing target, step-convergence and gradient-richardson, are out).
QUICK_GATE = GateSettings(
    "dev", common.SEED, ("gradient-exact", "gradient-differentiated", "gradient-central-difference")
)
#: `neuron verify` commands run at a time (each is one process and its worker).
GATE_JOBS = 2


def _shown(path: Path) -> str:
    """The path as a command in the README gives it: relative to the repository if inside."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:  # a generated δ module
        return path.name


def gate(path: Path, policy: str, settings: GateSettings) -> dict[str, Any]:
    """Run ``neuron verify PATH --policy POLICY`` in a child process; exit status and failures."""
    options = ["--policy", policy, *settings.options()]
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "neuron", "verify", str(path), *options]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--json", str(report)], capture_output=True, text=True, check=False, cwd=ROOT
        )
        seconds = time.perf_counter() - started
        verdict: dict[str, Any] = {
            "run": True,
            "exit": done.returncode,
            "caught": done.returncode == 1,
            "seconds": seconds,
            "command": " ".join(["neuron verify", _shown(path), *options]),
            "failed": [],
            "failures": [],
        }
        if done.returncode not in (0, 1) or not report.exists():
            verdict["caught"] = False
            verdict["error"] = done.stderr.strip()[-500:]
            return verdict
        data = json.loads(report.read_text())
    verdict["points"] = data["points"]
    for r in data["results"]:
        if r["status"] == "failed":
            verdict["failed"].append(r["id"])
            failure = r["failure"] or {}
            verdict["failures"].append(
                {
                    "id": r["id"],
                    "input": failure.get("args"),
                    "message": failure.get("message"),
                    "found by": failure.get("found_by"),
                }
            )
    return verdict


def _not_run(reason: str) -> dict[str, Any]:
    return {"run": False, "caught": None, "reason": reason}


#: Why the realistic bugs are not run under ulp:1: their base is the textbook code.
_ULP_BASE = (
    "not run: every bug is built on the textbook formulas, which ulp:1 rejects by themselves "
    "(sigmoid-exact), so a rejection would say nothing about the bug"
)


# ---------------------------------------------------------------------------------------------
# The section


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Every checker on every implementation: caught or not, false alarms, smallest δ, time."""
    return measure(quick, out, jobs=GATE_JOBS)


def measure(quick: bool, out: Path, *, jobs: int) -> dict[str, Any]:
    """`run`, with the number of `neuron verify` commands run at a time."""
    deltas = QUICK_DELTAS if quick else DELTAS
    settings = QUICK_GATE if quick else FULL_GATE
    points = sample_points()
    scorers = [s for s in SCORERS if common.available(s.requires)]
    skipped = {s.name: f"{s.requires} not installed" for s in SCORERS if s not in scorers}
    columns = [c for c in POINT_COLUMNS if c.scorer not in skipped]
    seconds: dict[str, float] = {s.name: 0.0 for s in scorers} | dict.fromkeys(GATE_COLUMNS, 0.0)
    started = time.perf_counter()
    built = {s.name: s.build() for s in scorers}
    missing = {
        name: reason
        for file, name, _ in CORRECT
        if file in CORRECT_REQUIRES
        and (reason := common.skip_reason(CORRECT_REQUIRES[file])) is not None
    }
    skipped |= missing
    with tempfile.TemporaryDirectory() as scratch:
        chosen = [t for t in targets(deltas, Path(scratch)) if t.name not in missing]
        rows = [_point_row(t, points, built, columns, seconds) for t in chosen]
        jobs_started = time.perf_counter()
        _gate_rows(chosen, rows, settings, seconds, jobs)
        _against_base(rows)
        gate_wall = time.perf_counter() - jobs_started
    results: dict[str, Any] = {
        "gate": {
            "options": " ".join(settings.options()),
            "commands at a time": jobs,
            "wall seconds, all commands": gate_wall,
        },
        "points": {
            "n": POINTS,
            "seed": common.SEED,
            "how": "w, x ~ N(0, 1), t ~ U(0, 1), numpy.random.default_rng(seed)",
            "max |w·x|": float(np.max(np.abs(points[0] * points[1]))),
        },
        "deltas": list(deltas),
        "columns": {c.name: c.rule for c in columns}
        | {g: f"exit status 1 of `neuron verify FILE --policy {p}`" for p, g in _GATES},
        "rows": rows,
        "skipped": skipped,
        "seconds": seconds,
        "total seconds": time.perf_counter() - started,
        "versions": common.versions(),
        "machine": common.machine(),
    }
    results["summary"] = _summary(results, [c.name for c in columns] + list(GATE_COLUMNS))
    figures: list[str] = []
    plt = common.figure_module()
    if plt is not None:
        figures.append(_figure(plt, results, out))
    else:
        results["figure"] = common.skip_reason("matplotlib")
    return {"results": results, "figures": figures, "markdown": _markdown(results, figures)}


_GATES = tuple(zip(POLICIES, GATE_COLUMNS, strict=True))


def _point_row(
    target: Target,
    points: tuple[np.ndarray, ...],
    scorers: dict[str, Score],
    columns: Sequence[Column],
    seconds: dict[str, float],
) -> dict[str, Any]:
    neuron = _load(target.path)
    runs: dict[str, PointRun] = {}
    for name, score in scorers.items():
        runs[name] = _score_all(score, neuron, points)
        seconds[name] += runs[name].seconds
    verdicts: dict[str, dict[str, Any]] = {}
    for column in columns:
        found = runs[column.scorer]
        flagged = _flagged(found.scores, column.threshold)
        finite = [s for s in found.scores if math.isfinite(s)]
        verdicts[column.name] = {
            "caught": flagged > 0,
            "points flagged": flagged,
            "worst score": max(finite) if finite else None,
            "errors": found.errors[:3],
        }
    return {
        "implementation": target.name,
        "kind": target.kind,
        "delta": target.delta,
        "summary": target.summary,
        "file": _shown(target.path),
        "verdicts": verdicts,
    }


def _gate_rows(
    chosen: Sequence[Target],
    rows: list[dict[str, Any]],
    settings: GateSettings,
    seconds: dict[str, float],
    jobs: int,
) -> None:
    """Add the `neuron verify` verdicts to `rows`, `jobs` commands at a time."""
    work = []
    for target, row in zip(chosen, rows, strict=True):
        for policy, column in _GATES:
            if target.kind == "bug" and policy != "float64":
                row["verdicts"][column] = _not_run(_ULP_BASE)
            else:
                work.append((target, row, policy, column))
    with ThreadPoolExecutor(max_workers=max(jobs, 1)) as pool:
        futures = [
            (row, column, pool.submit(gate, t.path, p, settings)) for t, row, p, column in work
        ]
        for row, column, future in futures:
            row["verdicts"][column] = future.result()
            seconds[column] += row["verdicts"][column]["seconds"]


def _against_base(rows: list[dict[str, Any]]) -> None:
    """A δ module counts as caught by `neuron verify` only through a property δ = 0 passes.

    The δ = 0 module is neuron.reference; a property that fails it too (a false alarm of the
    gate) says nothing about δ, so it is set aside, and the verdict records it.
    """
    base = next(r for r in rows if r["implementation"] == REFERENCE)
    for column in GATE_COLUMNS:
        ignored = set(base["verdicts"][column].get("failed", []))
        if not ignored:
            continue
        for row in rows:
            verdict = row["verdicts"][column]
            if row["kind"] != "scaled" or not verdict.get("run", True):
                continue
            verdict["failed as at δ = 0"] = [f for f in verdict["failed"] if f in ignored]
            verdict["failed"] = [f for f in verdict["failed"] if f not in ignored]
            verdict["caught"] = bool(verdict["failed"])


def _summary(results: dict[str, Any], names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per checker: smallest δ caught, bugs caught, false alarms, time per implementation."""
    rows = results["rows"]
    scaled = sorted((r for r in rows if r["kind"] == "scaled"), key=lambda r: -r["delta"])
    bugs = [r for r in rows if r["kind"] == "bug"]
    correct = [r for r in rows if r["kind"] == "correct"]
    summary: dict[str, dict[str, Any]] = {}
    for name in names:
        smallest = None  # the smallest δ caught together with every larger one
        for row in scaled:
            if not row["verdicts"][name]["caught"]:
                break
            smallest = row["delta"]
        base = next(r for r in rows if r["implementation"] == REFERENCE)
        ran = [r for r in rows if r["verdicts"][name].get("run", True)]
        bugs_run = [r for r in bugs if r["verdicts"][name].get("run", True)]
        scorer = next((c.scorer for c in POINT_COLUMNS if c.name == name), name)
        summary[name] = {
            "smallest delta caught (and all larger)": smallest,
            "flags delta = 0": bool(base["verdicts"][name]["caught"]),
            "set aside": base["verdicts"][name].get("failed", []) if name in GATE_COLUMNS else [],
            "smallest delta caught anywhere": min(
                (r["delta"] for r in scaled if r["verdicts"][name]["caught"]), default=None
            ),
            "bugs caught": sum(bool(r["verdicts"][name]["caught"]) for r in bugs_run),
            "bugs run": len(bugs_run),
            "bugs": len(bugs),
            "false alarms": [
                r["implementation"]
                for r in correct
                if r["verdicts"][name]["caught"] and not _by_design(r, name)
            ],
            "rejected by design": [
                r["implementation"]
                for r in correct
                if r["verdicts"][name]["caught"] and _by_design(r, name)
            ],
            "correct implementations": len(correct),
            "seconds per implementation": results["seconds"].get(scorer, 0.0) / max(len(ran), 1),
        }
    return summary


# ---------------------------------------------------------------------------------------------
# Figure and Markdown


def _figure(plt: Any, results: dict[str, Any], out: Path) -> str:
    scaled = sorted((r for r in results["rows"] if r["kind"] == "scaled"), key=lambda r: r["delta"])
    deltas = [r["delta"] for r in scaled]
    names = list(results["summary"])
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(8, 7), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    for i, name in enumerate(names):
        offset = (i - (len(names) - 1) / 2) * 0.012
        if name in GATE_COLUMNS:
            share = [float(r["verdicts"][name]["caught"]) for r in scaled]
            style = {"linewidth": 2.4}
        else:
            share = [r["verdicts"][name]["points flagged"] / POINTS for r in scaled]
            style = {"linewidth": 1.4, "linestyle": "--"}
        top.step(
            deltas, np.array(share) + offset, where="mid", marker="o", ms=3, label=name, **style
        )
        hits = [r["verdicts"][name]["caught"] for r in scaled]
        y = len(names) - 1 - i
        bottom.scatter(
            [d for d, h in zip(deltas, hits, strict=True) if h], [y] * sum(hits), marker="o", s=36
        )
        bottom.scatter(
            [d for d, h in zip(deltas, hits, strict=True) if not h],
            [y] * (len(hits) - sum(hits)),
            marker="o",
            s=36,
            facecolors="none",
            edgecolors="grey",
        )
    top.set_xscale("log")
    top.set_ylabel(f"share of the {POINTS} points failed\n(neuron verify: 0 or 1)")
    top.set_ylim(-0.08, 1.08)
    top.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    top.set_title("Detected vs δ: neuron.reference with dE/dw × (1 + δ)")
    bottom.set_yticks(range(len(names)), list(reversed(names)), fontsize=7)
    bottom.set_xlabel("δ (relative error of the gradient)")
    bottom.set_title("caught (filled) or missed (open)", fontsize=9)
    for axis in (top, bottom):
        axis.axvline(2.0**-52, color="grey", linewidth=0.6, linestyle=":")
        axis.grid(True, axis="x", alpha=0.3)
    return common.save_figure(fig, out, "detection_vs_delta.png")


def _by_design(row: dict[str, Any], column: str) -> bool:
    """A rejection `ulp:1` asks for: a correct implementation of textbook accuracy."""
    textbook = row["kind"] == "correct" and row["implementation"] != REFERENCE
    return textbook and column == "neuron verify ulp:1"


def _cell(verdict: dict[str, Any], correct: bool, gate: bool, by_design: bool = False) -> str:
    if not verdict.get("run", True):
        return "—"
    if "error" in verdict:
        return f"error (exit {verdict['exit']})"
    if not verdict["caught"]:
        return "passed" if correct else "missed"
    word = "rejected (by design)" if by_design else "**false alarm**" if correct else "caught"
    if gate:
        failed = verdict["failed"]
        more = f" +{len(failed) - 1}" if len(failed) > 1 else ""
        return f"{word}: {failed[0] if failed else '?'}{more}"
    return f"{word} ({verdict['points flagged']}/{POINTS})"


def _delta_text(delta: float | None) -> str:
    if delta is None:
        return "none"
    if delta == 2.0**-52:
        return "2^−52"
    return f"{delta:.0e}".replace("e-0", "e−").replace("e-", "e−")


def _smallest_text(s: dict[str, Any]) -> str:
    text = _delta_text(s["smallest delta caught (and all larger)"])
    if s["set aside"]:
        return f"{text} (by properties other than {', '.join(s['set aside'])}, failed at δ = 0)"
    return f"{text} (but it fails δ = 0 too)" if s["flags delta = 0"] else text


def _intro(results: dict[str, Any]) -> str:
    points = results["points"]
    gate = results["gate"]
    return (
        "Each checker is asked whether an implementation's dE/dw is right. The point-based "
        f"ones look at the same {points['n']} points, drawn as their users draw test inputs "
        f"({points['how']}, seed {points['seed']}; the largest |w·x| among them is "
        f"{points['max |w·x|']:.2f}), and catch an implementation when one point fails (the "
        "cell counts the points): `torch.autograd.gradcheck` and `jax.test_util.check_grads` "
        "with their defaults, the implementation's gradient plugged in as the backward (a "
        "`torch.autograd.Function`, a `jax.custom_jvp`), against their finite differences of "
        f"the implementation's own loss; `scipy.optimize.check_grad(...) < "
        f"{CHECK_GRAD_THRESHOLD:g}`; numdifftools' `Derivative(..., full_output=True)`, failed "
        "when |gradient − estimate| > c·error_estimate + 2^−52·|estimate|. `neuron verify FILE "
        f"--policy P {gate['options']}` runs as a CI job runs it, in a child process; it "
        "catches an implementation when it exits 1 (the cell names the first failing "
        "property and how many more failed). The bugs are the modules of "
        "`benchmarks/compare/bugs/`, each of which says in its docstring what is wrong; the "
        "setup of every checker is in `benchmarks/compare/detection.py`."
    )


def _implementation_table(results: dict[str, Any], names: Sequence[str]) -> str:
    table = []
    for row in results["rows"]:
        if row["kind"] == "scaled":
            continue
        correct = row["kind"] == "correct"
        label = f"{row['implementation']} (correct)" if correct else row["implementation"]
        cells = [
            _cell(row["verdicts"][n], correct, n in GATE_COLUMNS, _by_design(row, n)) for n in names
        ]
        table.append([label, *cells])
    return common.markdown_table(["implementation", *names], table, align="l" * (len(names) + 1))


def _delta_table(results: dict[str, Any], names: Sequence[str]) -> str:
    scaled = sorted(
        (r for r in results["rows"] if r["kind"] == "scaled"), key=lambda r: -r["delta"]
    )
    table = [
        [
            _delta_text(r["delta"]),
            *(_cell(r["verdicts"][n], False, n in GATE_COLUMNS) for n in names),
        ]
        for r in scaled
    ]
    return common.markdown_table(["δ", *names], table, align="l" * (len(names) + 1))


def _summary_table(results: dict[str, Any], names: Sequence[str]) -> str:
    table = []
    for name in names:
        s = results["summary"][name]
        alarms = s["false alarms"]
        bugs = f"{s['bugs caught']} of {s['bugs run']}" if s["bugs run"] else "not run"
        table.append(
            [
                name,
                _smallest_text(s),
                bugs,
                f"{len(alarms)} of {s['correct implementations']}"
                + (f" ({', '.join(alarms)})" if alarms else "")
                + (
                    f"; {len(s['rejected by design'])} rejected by design"
                    if s["rejected by design"]
                    else ""
                ),
                f"{s['seconds per implementation']:.2f}",
            ]
        )
    headers = [
        "checker",
        "smallest δ caught (with every larger one)",
        "realistic bugs caught",
        "false alarms",
        "seconds per implementation",
    ]
    return common.markdown_table(headers, table, align="lllll")


def _gate_alarms(results: dict[str, Any]) -> list[str]:
    """The failures `neuron verify` reported on correct implementations, to reproduce."""
    lines = []
    for row in results["rows"]:
        if row["kind"] != "correct":
            continue
        for column in GATE_COLUMNS:
            verdict = row["verdicts"][column]
            if _by_design(row, column):
                continue
            for failure in verdict.get("failures", []):
                command = verdict["command"]
                if row["implementation"] == REFERENCE:  # the δ = 0 module is the built-in one
                    command = command.replace(_shown(_SCALED_ZERO), "reference", 1)
                lines.append(
                    f"- {row['implementation']}, `{command}`: {failure['id']} at "
                    f"{tuple(failure['input'] or ())!r} ({failure['found by']}): "
                    f"{failure['message']}"
                )
    return lines


def _markdown(results: dict[str, Any], figures: Sequence[str]) -> str:
    names = list(results["summary"])
    lines = ["### Detection power: which checker catches which bug", "", _intro(results), ""]
    lines += [_implementation_table(results, names), ""]
    lines.append(
        "The δ family: `neuron.reference` with dE/dw multiplied by (1 + δ) and its step made "
        "to agree with that gradient, nothing else changed (2^−52 ≈ 2.2e−16 is one ulp of 1). "
        "A property of `neuron verify` that fails at δ = 0 too (a false alarm, listed below) "
        "is set aside in this table."
    )
    lines += ["", _delta_table(results, names), "", _summary_table(results, names), ""]
    gate = results["gate"]
    lines.append(
        "Seconds per implementation: the point-based checkers over all "
        f"{results['points']['n']} points, in-process; `neuron verify`, one command, start-up "
        f"and worker process included ({gate['commands at a time']} commands at a time on a "
        "shared machine, so these times include waiting for a core). A rejection under "
        "`ulp:1` of the textbook-accuracy implementations is what that policy asks for, not "
        "an error of the gradient: their σ' = σ(1 − σ) is not within one ulp in the tails "
        "(docs/tolerance.md); for the same reason the realistic bugs, all built on the textbook "
        "formulas, are not run under `ulp:1` (—)."
    )
    lines.append("")
    alarms = _gate_alarms(results)
    if alarms:
        lines += [
            "False alarms of `neuron verify` (each line reproduces with its command):",
            "",
            *alarms,
            "",
        ]
    if results["skipped"]:
        skipped = "; ".join(f"{k} ({v})" for k, v in results["skipped"].items())
        lines += [f"Not run: {skipped}.", ""]
    for name in figures:
        lines += [
            common.figure_link(name, "share of points failed, and caught or missed, vs δ"),
            "",
        ]
    if "figure" in results:
        lines += [f"Figure {results['figure']}.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the section alone: ``python -m benchmarks.compare.detection [--quick] [--out DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer δ, the dev profile")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument(
        "--jobs", type=int, default=GATE_JOBS, help="neuron verify commands run at a time"
    )
    parser.add_argument(
        "--write-scaled",
        type=float,
        metavar="DELTA",
        help="only write the δ-family module for DELTA into --out and print its path",
    )
    args = parser.parse_args(argv)
    if args.write_scaled is not None:
        print(write_scaled(args.write_scaled, args.out))
        return
    section = measure(args.quick, args.out, jobs=args.jobs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "detection.json").write_text(json.dumps(section["results"], indent=2) + "\n")
    (args.out / "detection.md").write_text(section["markdown"])
    print(section["markdown"])


if __name__ == "__main__":
    main()
