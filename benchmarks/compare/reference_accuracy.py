"""Section: the reference alone against the oracle, all six functions, and the oracle's speed.

Each protocol function of ``neuron.reference`` is evaluated on the domains below (20,000
points per domain; 2,000 with --quick), drawn from one seeded generator, and compared with
the correctly rounded oracle (``neuron.exact``), in ulps of the exact value: the largest
error, the 99.9th percentile, the share correctly rounded (error <= 0.5 ulp), and the largest
error divided by what the ``float64`` tolerance policy allows at that input (T6.1; over the
first 2,000 points of each domain, since that bound is evaluated point by point in mpmath).
The domains reach the corners the comparison with the peers (section ``accuracy``) does not:
the loss and the step, subnormal results, products of a tiny and a huge factor, t within a
few ulps of σ(w·x).

Then the oracle's own throughput: points per second of ``neuron.exact.values`` for σ and for
dE/dw (5,000 points; 500 with --quick), with the mpmath backend it ran on (gmpy2 makes it
several times faster: ``pip install .[fast]``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

POINTS = 20_000
QUICK_POINTS = 2_000
POLICY_POINTS = 2_000  # the float64 bound is per-point mpmath
ORACLE_POINTS = 5_000
QUICK_ORACLE_POINTS = 500

Domain = Callable[[np.random.Generator, int], tuple[FloatArray, ...]]


def _signed_log_uniform(rng: np.random.Generator, n: int, low: float, high: float) -> FloatArray:
    magnitude = np.exp(rng.uniform(np.log(low), np.log(high), n))
    return magnitude * rng.choice([-1.0, 1.0], n)


def _z_uniform(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    return (rng.uniform(-40, 40, n),)


def _z_log(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    return (_signed_log_uniform(rng, n, 1e-300, 760.0),)


def _z_tails(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    return (rng.uniform(700, 760, n) * rng.choice([-1.0, 1.0], n),)


def _products(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    z = _signed_log_uniform(rng, n, 1e-3, 760.0)
    x = _signed_log_uniform(rng, n, 1e-300, 1e300)
    return z / x, x


def _loss_domain(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    y = rng.uniform(0, 1, n)
    close = y + rng.integers(-8, 9, n) * np.spacing(y)
    return y, np.where(rng.random(n) < 0.5, close, rng.uniform(-1, 2, n))


def _gradient_domain(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    w, x = _products(rng, n)
    return w, x, rng.uniform(0, 1, n)


def _gradient_close(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    z = rng.uniform(-30, 30, n)
    x = _signed_log_uniform(rng, n, 1e-100, 1e100)
    w = z / x
    y = common.oracle("forward", w, x).rounded
    return w, x, y + rng.integers(-4, 5, n) * np.spacing(y)


def _step_domain(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    w, x, t = _gradient_domain(rng, n)
    return w, x, t, np.exp(rng.uniform(-10, 10, n))


CASES: list[tuple[str, str, Domain]] = [
    ("sigmoid", "z uniform in [−40, 40]", _z_uniform),
    ("sigmoid", "|z| log-uniform in [1e−300, 760]", _z_log),
    ("sigmoid", "|z| in [700, 760] (subnormal σ)", _z_tails),
    ("sigmoid_prime", "z uniform in [−40, 40]", _z_uniform),
    ("sigmoid_prime", "|z| log-uniform in [1e−300, 760]", _z_log),
    ("sigmoid_prime", "|z| in [700, 760] (subnormal σ')", _z_tails),
    ("forward", "|w·x| in [1e−3, 760], |x| in [1e−300, 1e300]", _products),
    ("loss", "y in [0, 1]; t ≈ y or in [−1, 2]", _loss_domain),
    ("gradient", "w, x as forward; t in [0, 1]", _gradient_domain),
    ("gradient", "t within 4 ulps of σ(w·x)", _gradient_close),
    ("step", "as gradient; η log-uniform in [e^−10, e^10]", _step_domain),
]


def run(quick: bool, out: Path) -> dict[str, Any]:
    """The table and the oracle's throughput; no figure."""
    from neuron import reference
    from neuron.gate.tolerance import Float64Policy

    points = QUICK_POINTS if quick else POINTS
    rng = np.random.default_rng(common.SEED)
    policy = Float64Policy()
    rows = []
    for function, label, domain in CASES:
        args = domain(rng, points)
        values = common.oracle(function, *args)
        with np.errstate(all="ignore"):
            got = getattr(reference, function)(*args)
        errors = common.ulps(got, values)
        sample = slice(0, min(POLICY_POINTS, points))
        part = [a[sample] for a in args]
        allowed = policy.allowed_ulps(function, part, common.oracle(function, *part))
        rows.append(
            {"function": function, "domain": label, "points": points}
            | common.ulp_summary(errors)
            | {"max error / float64 bound": float(np.max(errors[sample] / allowed))}
        )
    oracle_points = QUICK_ORACLE_POINTS if quick else ORACLE_POINTS
    rates = {}
    for function, domain in (("sigmoid", _z_log), ("gradient", _gradient_domain)):
        args = domain(rng, oracle_points)
        started = time.perf_counter()
        common.oracle(function, *args)
        rates[function] = oracle_points / (time.perf_counter() - started)
    import mpmath.libmp

    results = {
        "rows": rows,
        "oracle points per second": rates,
        "oracle points": oracle_points,
        "mpmath backend": str(mpmath.libmp.BACKEND),
    }
    return {"results": results, "figures": [], "markdown": _markdown(results)}


def _markdown(results: dict[str, Any]) -> str:
    rows = results["rows"]
    points = rows[0]["points"] if rows else 0
    lines = ["### The reference against the oracle", ""]
    lines.append(
        f"`neuron.reference`, every function, {points:,} points per domain, errors in ulps of "
        "the exact value (`neuron.exact`). The last column is the largest error divided by "
        f"what the `float64` policy allows there (T6.1), over the first {POLICY_POINTS:,} "
        "points of each domain."
    )
    lines.append("")
    table = [
        [
            r["function"],
            r["domain"],
            common.fmt(r["max"]),
            common.fmt(r["p99.9"]),
            f"{r['correctly rounded %']:.2f}%",
            common.fmt(r["max error / float64 bound"]),
        ]
        for r in rows
    ]
    lines.append(
        common.markdown_table(
            [
                "function",
                "domain",
                "max ulps",
                "p99.9 ulps",
                "correctly rounded",
                "max error / float64 bound",
            ],
            table,
            align="llrrrr",
        )
    )
    lines.append("")
    rates = results["oracle points per second"]
    lines.append(
        f"The oracle (`neuron.exact.values`, mpmath backend {results['mpmath backend']}) "
        f"evaluated {rates['sigmoid']:,.0f} σ and {rates['gradient']:,.0f} gradients per "
        f"second ({results['oracle points']:,} points each)."
    )
    lines.append("")
    return "\n".join(lines)
