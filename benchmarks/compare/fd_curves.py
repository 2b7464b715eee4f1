"""Section 5, finite differences: error against the step h, next to the bound of proofs/.

dE/dw of the neuron's E(w) = ½(t − σ(w·x))² is estimated with ``neuron.numerics.fd``'s central
difference (T5.1), Richardson extrapolation (T5.2, nodes w ± h and w ± 2h) and complex step
(T5.3) for h = 2^−1, ..., 2^−52 (2^−1 to 2^−30 with --quick), at two documented points:

* ``ordinary``: w = 0.5, x = 1.5, t = 0.8 (the example of ``neuron explain``), where
  dE/dw ≈ −0.0395 and E ≈ 0.0073;
* ``tail``: w = 4, x = 5, t = 0.5, so z = 20 and dE/dw ≈ 5.2e−9 is tiny next to E ≈ 0.125: a
  difference of E values cannot resolve it, while the complex step can.

The error is |estimate − exact| with the exact dE/dw from the oracle (``neuron.exact.value``,
to 2^−64 relative), and each estimate carries the bound ``neuron.numerics.fd`` returns for it,
truncation plus rounding:

* E in float64 is the reference's loss of the reference's forward, both correctly rounded, so
  a value E returned at any node is within ε(E) = √(2E)·2^−54·(1 + 2^−40) + 2^−109 + ulp(E)/2
  of the exact E there (½ ulp of y ≤ 2^−54 moved by |t − y| = √(2E), its square, and the
  loss's own rounding);
* truncation uses M_k = K_k(t)·|x|^k, the sup of |d^k E/dw^k| over all real w (T3.4,
  ``neuron.numerics.bounds.loss_derivative_bound``);
* the complex step evaluates E at w + ih with Python's complex arithmetic (``cmath``); M3 is
  the largest |E'''| at 65 points of the segment [w, w + ih], computed with mpmath at 30
  digits, times 1.05 (a numerical supremum, not a proof), and the relative error of Im E is
  modelled as 16u, u = 2^−53.

numdifftools' adaptive ``Derivative`` (central differences with Richardson extrapolation over
a sequence of steps; its own error estimate) is shown beside them where it is installed.
"""

from __future__ import annotations

import cmath
import math
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.compare import common

POINTS: dict[str, tuple[float, float, float]] = {
    "ordinary": (0.5, 1.5, 0.8),
    "tail": (4.0, 5.0, 0.5),
}
STEPS = range(1, 53)
QUICK_STEPS = range(1, 31)
U = 2.0**-53
COMPLEX_RELATIVE_ERROR = 16 * U


def run(quick: bool, out: Path) -> dict[str, Any]:
    """Error and bound against h for each method at each point, and the figure."""
    steps = [2.0**-k for k in (QUICK_STEPS if quick else STEPS)]
    results: dict[str, Any] = {"points": {}, "smallest step": steps[-1]}
    for name, point in POINTS.items():
        results["points"][name] = _curves(point, steps)
    figures = []
    plt = common.figure_module()
    if plt is not None:
        figures.append(_figure(plt, results["points"], out))
    else:
        results["figure"] = common.skip_reason("matplotlib")
    return {"results": results, "figures": figures, "markdown": _markdown(results, figures)}


def _energy_error(e: float) -> float:
    """Bound on |E returned − E exact| at a node, from the value E returned there."""
    return math.sqrt(2 * e) * 2.0**-54 * (1 + 2.0**-40) + 2.0**-109 + math.ulp(e) / 2


def _curves(point: tuple[float, float, float], steps: list[float]) -> dict[str, Any]:
    import mpmath

    from neuron import exact, reference
    from neuron.numerics import bounds, fd

    w, x, t = point
    truth = exact.value("gradient", w, x, t)

    def energy(v: float) -> float:
        return float(reference.loss(reference.forward(v, x), t))

    def energy_complex(v: complex) -> complex:
        residual = t - 1 / (1 + cmath.exp(-v * x))
        return 0.5 * residual * residual

    def bound(k: int) -> float:
        return float(bounds.loss_derivative_bound(k, t)) * abs(x) ** k * (1 + 2.0**-50)

    def error_of(value: float) -> float:
        return float(abs(mpmath.mpf(value) - truth)) if math.isfinite(value) else math.inf

    curves: dict[str, list[dict[str, float]]] = {"central": [], "richardson": [], "complex": []}
    for h in steps:
        for method, function in (("central", fd.central_difference), ("richardson", fd.richardson)):
            if h < 2 * math.ulp(w):  # the nodes w ± h would not be distinct floats
                continue
            estimate = function(energy, w, derivative_bound=bound, f_error=_energy_error, step=h)
            curves[method].append(_row(estimate, error_of(estimate.value)))
        m3 = _complex_m3(w, x, t, h)
        estimate = fd.complex_step(
            energy_complex,
            w,
            derivative_bound=lambda k, m3=m3: m3 if k == 3 else bound(k),
            f_error=lambda v: COMPLEX_RELATIVE_ERROR * abs(v.imag),
            step=h,
        )
        curves["complex"].append(_row(estimate, error_of(estimate.value)))
    # the default complex step is at most 2^-20·max(|w|, 1): M3 on that longest segment
    longest_m3 = _complex_m3(w, x, t, 2.0**-20 * max(abs(w), 1.0))
    chosen = {
        "central": fd.central_difference(energy, w, derivative_bound=bound, f_error=_energy_error),
        "richardson": fd.richardson(energy, w, derivative_bound=bound, f_error=_energy_error),
        "complex": fd.complex_step(
            energy_complex,
            w,
            derivative_bound=lambda k: longest_m3 if k == 3 else bound(k),
            f_error=lambda v: COMPLEX_RELATIVE_ERROR * abs(v.imag),
        ),
    }
    defaults = {m: _row(e, error_of(e.value)) for m, e in chosen.items()}
    result: dict[str, Any] = {
        "w": w,
        "x": x,
        "t": t,
        "exact gradient": float(truth),
        "E": float(exact.value("objective", w, x, t)),
        "curves": curves,
        "default steps": defaults,
        "best": {
            m: min(rows, key=lambda r: r["error"]) | {"least bound": min(r["bound"] for r in rows)}
            for m, rows in curves.items()
        },
    }
    if common.available("numdifftools"):
        import numdifftools

        derivative = numdifftools.Derivative(
            lambda v: reference.loss(reference.forward(v, x), t), full_output=True
        )
        answer = derivative(w)
        # numdifftools >= 0.11 returns an EstimateResult, older versions (value, info)
        value, info = (answer.estimate, answer) if hasattr(answer, "estimate") else answer
        result["numdifftools"] = {
            "value": float(value),
            "error": error_of(float(value)),
            "its error estimate": float(info.error_estimate),
            "its final step": float(info.final_step),
        }
    else:
        result["numdifftools"] = common.skip_reason("numdifftools")
    return result


def _row(estimate: Any, error: float) -> dict[str, float]:
    return {
        "h": estimate.step,
        "value": estimate.value,
        "error": error,
        "bound": estimate.error_bound,
        "truncation": estimate.truncation,
        "rounding": estimate.rounding,
    }


def _complex_m3(w: float, x: float, t: float, h: float) -> float:
    """max |E'''(v)| over 65 points v of the segment [w, w + ih], times 1.05 (mpmath, 30 digits).

    With z = v·x and s = σ(z): E''' = x³·(3σ'σ'' − (t − s)σ'''), σ' = s(1 − s),
    σ'' = σ'(1 − 2s), σ''' = σ'(1 − 6s + 6s²).
    """
    import mpmath

    largest = mpmath.mpf(0)
    with mpmath.workdps(30):
        for tau in np.linspace(0.0, 1.0, 65):
            z = mpmath.mpc(w, float(tau) * h) * x
            s = 1 / (1 + mpmath.exp(-z))
            d1 = s * (1 - s)
            d2 = d1 * (1 - 2 * s)
            d3 = d1 * (1 - 6 * s + 6 * s * s)
            largest = max(largest, abs(x**3 * (3 * d1 * d2 - (t - s) * d3)))
    return float(largest) * 1.05


def _figure(plt: Any, points: dict[str, Any], out: Path) -> str:
    fig, axes = plt.subplots(1, len(points), figsize=(6.2 * len(points), 5.0), squeeze=False)
    styles = {"central": "C0", "richardson": "C1", "complex": "C2"}
    labels = {
        "central": "central (T5.1)",
        "richardson": "Richardson (T5.2)",
        "complex": "complex step (T5.3)",
    }
    for ax, (name, result) in zip(axes[0], points.items(), strict=True):
        for method, rows in result["curves"].items():
            h = [r["h"] for r in rows]
            error = [max(r["error"], 1e-30) for r in rows]
            bound = [r["bound"] for r in rows]
            color = styles[method]
            label = f"{labels[method]}: error"
            ax.plot(h, error, marker="o", markersize=3, color=color, label=label)
            ax.plot(h, bound, linestyle="--", color=styles[method], label="  its bound")
        for method, row in result["default steps"].items():
            ax.plot(
                [row["h"]],
                [max(row["error"], 1e-30)],
                marker="*",
                markersize=12,
                color=styles[method],
                linestyle="none",
            )
        nd = result["numdifftools"]
        if isinstance(nd, dict):
            ax.axhline(
                max(nd["error"], 1e-30),
                color="C3",
                linestyle=":",
                label="numdifftools.Derivative: error "
                f"(its estimate {nd['its error estimate']:.1e})",
            )
        ax.axhline(
            math.ulp(abs(result["exact gradient"])) / 2,
            color="gray",
            linewidth=0.8,
            label="½ ulp of dE/dw",
        )
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("step h")
        ax.set_ylabel("|estimate − exact dE/dw|")
        ax.set_title(
            f"{name}: w = {result['w']:g}, x = {result['x']:g}, t = {result['t']:g}, "
            f"dE/dw = {result['exact gradient']:.3g}",
            fontsize=10,
        )
        ax.grid(True, which="major", alpha=0.3)
        ax.invert_xaxis()
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.suptitle(
        "Finite differences of E(w): error against step (stars: neuron.numerics.fd's default step)"
    )
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(handles, names, loc="lower center", ncol=4, fontsize=8, frameon=False)
    return common.save_figure(fig, out, "fd_error_vs_step.png")


def _markdown(results: dict[str, Any], figures: list[str]) -> str:
    lines = ["### Finite differences: error against step", ""]
    lines.append(
        "dE/dw of E(w) = ½(t − σ(w·x))² by `neuron.numerics.fd` at steps h = 2^−1 … "
        f"2^−{-math.log2(results['smallest step']):.0f}, against the "
        "oracle, with the bound each estimate carries (truncation from T3.4's derivative "
        "bounds, rounding from the correctly rounded E; proofs/05-finite-differences.md). "
        "Best: the smallest error over the steps (and the least bound); default: the step "
        "`neuron.numerics.fd` chooses itself."
    )
    lines.append("")
    rows = []
    for name, result in results["points"].items():
        for method in ("central", "richardson", "complex"):
            best = result["best"][method]
            default = result["default steps"].get(method)
            rows.append(
                [
                    f"{name} (dE/dw = {result['exact gradient']:.3g})",
                    method,
                    f"{common.fmt(best['error'])} at h = 2^−{-round(math.log2(best['h']))}",
                    common.fmt(best["least bound"]),
                    "—"
                    if default is None
                    else f"{common.fmt(default['error'])} (bound {common.fmt(default['bound'])})",
                ]
            )
        nd = result["numdifftools"]
        if isinstance(nd, dict):
            rows.append(
                [
                    f"{name} (dE/dw = {result['exact gradient']:.3g})",
                    "numdifftools.Derivative",
                    common.fmt(nd["error"]),
                    f"its estimate {common.fmt(nd['its error estimate'])}",
                    "—",
                ]
            )
    lines.append(
        common.markdown_table(
            ["point", "method", "best error", "least bound", "default step: error"],
            rows,
            align="llrrr",
        )
    )
    lines.append("")
    for name in figures:
        lines.append(common.figure_link(name, "finite-difference error against step, with bounds"))
        lines.append("")
    if "figure" in results:
        lines.append(f"Figure {results['figure']}.")
        lines.append("")
    return "\n".join(lines)
