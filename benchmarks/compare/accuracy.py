"""Section 1, accuracy: ulps against the oracle of σ, σ' and dE/dw for every peer.

Each function is evaluated by every peer (``common.peers``) on the domains below and compared
with the correctly rounded mpmath oracle (``neuron.exact``), in ulps of the exact value. The
table gives, per peer and domain, the largest error, the 99.9th percentile and the share of
results that are correctly rounded (error <= 0.5 ulp); the figure, the largest error in bins
of z against z.

Domains (points per domain: 100,000; 10,000 with --quick), all drawn from one seeded
generator:

* σ and σ' of z:
  - ``uniform``: z uniform in [−20, 20], where σ is neither 0, ½ nor 1 and nothing overflows;
  - ``log-uniform``: |z| log-uniform in [1e−6, 745], either sign: every scale from σ ≈ ½ to
    the smallest subnormal σ(−745) ≈ 5e−324;
  - ``tails``: |z| uniform in [36, 745], either sign: σ(z) rounds to 1 above z ≈ 36.7, so
    1 − σ(z) is 0 there, and σ, σ' are subnormal below z ≈ −708.
* dE/dw of (w, x, t), with x = ±2^u, u uniform in [−4, 4], w = z/x (so w·x is z to within
  rounding; the oracle takes w·x exactly):
  - ``uniform``, ``log-uniform``, ``tails``: z as for σ, t uniform in [0, 1];
  - ``t ≈ y``: z uniform in [−20, 20], t within 4 ulps of the correctly rounded σ(w·x), where
    t − y cancels and an error of y of one ulp is a relative error of order one in dE/dw.

The seed gradient is −(t − y)·y(1 − y)·x for numpy, −(t − y)·expit(z)·expit(−z)·x for
scipy, and automatic differentiation of E(w) = ½(t − σ(w·x))² for torch and jax.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common
from benchmarks.compare.common import FloatArray

POINTS = 100_000
QUICK_POINTS = 10_000
FUNCTIONS = ("sigmoid", "sigmoid_prime", "gradient")
TITLES = {"sigmoid": "σ(z)", "sigmoid_prime": "σ'(z)", "gradient": "dE/dw"}

Domain = Callable[[np.random.Generator, int], tuple[FloatArray, ...]]


def _signed(rng: np.random.Generator, magnitude: FloatArray) -> FloatArray:
    return magnitude * rng.choice(np.array([-1.0, 1.0]), magnitude.size)


def _z_uniform(rng: np.random.Generator, n: int) -> FloatArray:
    return rng.uniform(-20.0, 20.0, n)


def _z_log_uniform(rng: np.random.Generator, n: int) -> FloatArray:
    return _signed(rng, np.exp(rng.uniform(math.log(1e-6), math.log(745.0), n)))


def _z_tails(rng: np.random.Generator, n: int) -> FloatArray:
    return _signed(rng, rng.uniform(36.0, 745.0, n))


def _weights(rng: np.random.Generator, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = _signed(rng, np.exp2(rng.uniform(-4.0, 4.0, z.size)))
    return z / x, x


def _gradient_domain(z_of: Callable[[np.random.Generator, int], FloatArray]) -> Domain:
    def domain(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
        w, x = _weights(rng, z_of(rng, n))
        return w, x, rng.uniform(0.0, 1.0, n)

    return domain


def _gradient_close(rng: np.random.Generator, n: int) -> tuple[FloatArray, ...]:
    w, x = _weights(rng, _z_uniform(rng, n))
    y = common.oracle("forward", w, x).rounded
    return w, x, y + rng.integers(-4, 5, n) * np.spacing(y)


#: (function, domain name, sampler): the sampler returns the function's arguments.
DOMAINS: tuple[tuple[str, str, Domain], ...] = (
    ("sigmoid", "uniform", lambda rng, n: (_z_uniform(rng, n),)),
    ("sigmoid", "log-uniform", lambda rng, n: (_z_log_uniform(rng, n),)),
    ("sigmoid", "tails", lambda rng, n: (_z_tails(rng, n),)),
    ("sigmoid_prime", "uniform", lambda rng, n: (_z_uniform(rng, n),)),
    ("sigmoid_prime", "log-uniform", lambda rng, n: (_z_log_uniform(rng, n),)),
    ("sigmoid_prime", "tails", lambda rng, n: (_z_tails(rng, n),)),
    ("gradient", "uniform", _gradient_domain(_z_uniform)),
    ("gradient", "log-uniform", _gradient_domain(_z_log_uniform)),
    ("gradient", "tails", _gradient_domain(_z_tails)),
    ("gradient", "t ≈ y", _gradient_close),
)

DOMAIN_TEXT = {
    "uniform": "z uniform in [−20, 20]",
    "log-uniform": "\\|z\\| log-uniform in [1e−6, 745]",
    "tails": "\\|z\\| uniform in [36, 745]",
    "t ≈ y": "z in [−20, 20], t within 4 ulps of σ(w·x)",
}


def _z_of(args: tuple[FloatArray, ...]) -> FloatArray:
    return args[0] if len(args) == 1 else args[0] * args[1]


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Errors in ulps of every peer on every domain, a table and a figure of error against z."""
    n = QUICK_POINTS if quick else POINTS
    rng = np.random.default_rng(common.SEED)
    ready, skipped = common.peers()
    rows: list[dict[str, Any]] = []
    # per (function, panel): per peer, (z, errors) pooled over the panel's domains
    curves: dict[tuple[str, str], dict[str, list[tuple[FloatArray, FloatArray]]]] = {}
    for function, domain, sampler in DOMAINS:
        args = sampler(rng, n)
        truth = common.oracle(function, *args)
        panel = "t ≈ y" if domain == "t ≈ y" else "t in [0, 1]"
        for peer in ready:
            errors = common.ulps(peer.call(function, *args), truth)
            rows.append(
                {"function": function, "domain": domain, "implementation": peer.name}
                | common.ulp_summary(errors)
            )
            curves.setdefault((function, panel), {}).setdefault(peer.name, []).append(
                (_z_of(args), errors)
            )
    figures = []
    plt = common.figure_module()
    if plt is not None:
        figures.append(_figure(plt, curves, [p.name for p in ready], out))
    results = {
        "points per domain": n,
        "seed": common.SEED,
        "domains": {d: DOMAIN_TEXT[d].replace("\\|", "|") for d in DOMAIN_TEXT},
        "rows": rows,
        "skipped": skipped,
    }
    if plt is None:
        results["figure"] = common.skip_reason("matplotlib")
    return {"results": results, "figures": figures, "markdown": _markdown(results, figures)}


def _figure(
    plt: Any,
    curves: dict[tuple[str, str], dict[str, list[tuple[FloatArray, FloatArray]]]],
    names: list[str],
    out: Path,
) -> str:
    """Largest error in ulps in each of 100 bins of z (symmetric-log axis), one line per peer."""
    panels = [
        ("sigmoid", "t in [0, 1]", "σ(z)"),
        ("sigmoid_prime", "t in [0, 1]", "σ'(z)"),
        ("gradient", "t in [0, 1]", "dE/dw, t uniform in [0, 1]"),
        ("gradient", "t ≈ y", "dE/dw, t within 4 ulps of σ(w·x)"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), sharey=True)
    edges = _symlog_edges()
    floor, ceiling = 1e-3, 1e20
    ticks = [-100.0, -1.0, -1e-3, 0.0, 1e-3, 1.0, 100.0]
    for ax, (function, panel, title) in zip(axes.flat, panels, strict=True):
        by_peer = curves.get((function, panel), {})
        for i, name in enumerate(names):
            if name not in by_peer:
                continue
            z = np.concatenate([c[0] for c in by_peer[name]])
            errors = np.concatenate([c[1] for c in by_peer[name]])
            centres, worst = _binned_max(z, errors, edges)
            # where peers coincide the later, thinner line is drawn inside the earlier one
            ax.plot(
                centres,
                np.clip(worst, floor, ceiling),
                drawstyle="steps-mid",
                linewidth=max(4.0 - 0.8 * i, 1.0),
                label=name,
                color=f"C{i}",
            )
        ax.axhline(0.5, color="black", linestyle=":", linewidth=0.8)
        ax.set_xscale("symlog", linthresh=1e-6)
        ax.set_xticks(ticks, [f"{v:g}" for v in ticks], fontsize=8)
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, ceiling * 2)
        ax.set_title(title)
        ax.set_xlabel("z = w·x (symmetric log scale, linear within ±1e−6)")
        ax.grid(True, which="major", alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("largest error in the bin (ulps)")
    axes.flat[0].legend(loc="center left", fontsize=8)
    fig.suptitle(
        "Largest error in ulps of the exact value in bins of z (dotted: ½ ulp, correctly "
        "rounded;\nerrors below 1e−3 drawn at 1e−3; coinciding peers drawn inside each other)"
    )
    fig.tight_layout()
    return common.save_figure(fig, out, "accuracy_ulps_vs_z.png")


def _symlog_edges() -> FloatArray:
    positive = np.geomspace(1e-6, 746.0, 51)
    return np.concatenate([-positive[::-1], positive])


def _binned_max(
    z: FloatArray, errors: FloatArray, edges: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Bin centres and the largest error in each non-empty bin (NaN errors count as infinite)."""
    errors = np.where(np.isnan(errors), np.inf, errors)
    index = np.digitize(z, edges) - 1
    inside = (index >= 0) & (index < edges.size - 1)
    worst = np.full(edges.size - 1, -1.0)
    np.maximum.at(worst, index[inside], errors[inside])
    centres = np.where(
        edges[:-1] * edges[1:] > 0,
        np.sign(edges[:-1]) * np.sqrt(np.abs(edges[:-1] * edges[1:])),
        0.0,
    )
    keep = worst >= 0
    return centres[keep], worst[keep]


def _markdown(results: dict[str, Any], figures: list[str]) -> str:
    rows = results["rows"]
    names = list(dict.fromkeys(r["implementation"] for r in rows))
    lines = ["### Accuracy: ulps against the oracle", ""]
    lines.append(
        f"{results['points per domain']:,} points per domain, errors in ulps of the exact value "
        "(`neuron.exact`); the largest error over the domains of each column (in brackets: the "
        "domain where it occurs) and the share of all results that are correctly rounded "
        "(error ≤ 0.5 ulp). Domains: "
        + "; ".join(f"{name}: {text}" for name, text in DOMAIN_TEXT.items())
        + ". The seed gradient is −(t − y)·y(1 − y)·x for numpy, −(t − y)·expit(z)·expit(−z)·x "
        "for scipy, autograd of ½(t − σ(w·x))² for torch and jax."
    )
    lines.append("")
    columns = [
        ("sigmoid", lambda r: True, "σ"),
        ("sigmoid_prime", lambda r: True, "σ'"),
        ("gradient", lambda r: r["domain"] != "t ≈ y", "dE/dw, t in [0, 1]"),
        ("gradient", lambda r: r["domain"] == "t ≈ y", "dE/dw, t ≈ y"),
    ]
    table = []
    for name in names:
        mine = [r for r in rows if r["implementation"] == name]
        cells: list[object] = [name]
        for function, chosen, _ in columns:
            part = [r for r in mine if r["function"] == function and chosen(r)]
            worst = max(part, key=lambda r: r["max"])
            where = f" ({worst['domain']})" if len(part) > 1 else ""
            cells.append(common.fmt(worst["max"]) + where)
        share = sum(r["correctly rounded %"] * r["points"] for r in mine) / sum(
            r["points"] for r in mine
        )
        cells.append(f"{share:.2f}%")
        table.append(cells)
    headers = ["implementation", *(f"max ulps, {c[2]}" for c in columns), "correctly rounded"]
    lines.append(common.markdown_table(headers, table))
    lines.append("")
    if results["skipped"]:
        lines.append(
            "Not measured: " + "; ".join(f"{k} ({v})" for k, v in results["skipped"].items()) + "."
        )
        lines.append("")
    lines.append("<details><summary>Every function and domain</summary>")
    lines.append("")
    detail = [
        [
            r["function"],
            r["domain"],
            r["implementation"],
            common.fmt(r["max"]),
            common.fmt(r["p99.9"]),
            f"{r['correctly rounded %']:.2f}%",
        ]
        for r in rows
    ]
    lines.append(
        common.markdown_table(
            ["function", "domain", "implementation", "max ulps", "p99.9 ulps", "correctly rounded"],
            detail,
            align="lllrrr",
        )
    )
    lines.append("")
    lines.append("</details>")
    lines.append("")
    for name in figures:
        lines.append(common.figure_link(name, "error in ulps against z for each implementation"))
        lines.append("")
    if "figure" in results:
        lines.append(f"Figure {results['figure']}.")
        lines.append("")
    return "\n".join(lines)
