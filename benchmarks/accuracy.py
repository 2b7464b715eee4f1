"""Accuracy of the reference against the oracle, and the oracle's throughput.

    python benchmarks/accuracy.py [--points N] [--seed S]

Prints a Markdown table: for each function and input domain, the largest error in ulps of the
exact value, the 99.9th percentile, the share of correctly rounded results (error <= 0.5 ulp)
and the largest error relative to the float64 policy's bound (T6.1). Then the oracle's
points per second for sigmoid and gradient, with the mpmath backend it ran on.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import mpmath.libmp
import numpy as np

from neuron import exact, reference
from neuron.gate.tolerance import Float64Policy
from neuron.numerics.ulp import ulp_errors

Domain = Callable[[np.random.Generator, int], tuple[np.ndarray, ...]]


def _signed_log_uniform(rng: np.random.Generator, n: int, low: float, high: float) -> np.ndarray:
    magnitude = np.exp(rng.uniform(np.log(low), np.log(high), n))
    return magnitude * rng.choice([-1.0, 1.0], n)


def _z_uniform(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    return (rng.uniform(-40, 40, n),)


def _z_log(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    return (_signed_log_uniform(rng, n, 1e-300, 760.0),)


def _z_tails(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    return (rng.uniform(700, 760, n) * rng.choice([-1.0, 1.0], n),)


def _products(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    z = _signed_log_uniform(rng, n, 1e-3, 760.0)
    x = _signed_log_uniform(rng, n, 1e-300, 1e300)
    return z / x, x


def _loss_domain(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    y = rng.uniform(0, 1, n)
    close = y + rng.integers(-8, 9, n) * np.spacing(y)
    return y, np.where(rng.random(n) < 0.5, close, rng.uniform(-1, 2, n))


def _gradient_domain(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    w, x = _products(rng, n)
    return w, x, rng.uniform(0, 1, n)


def _gradient_close(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    z = rng.uniform(-30, 30, n)
    x = _signed_log_uniform(rng, n, 1e-100, 1e100)
    w = z / x
    y = exact.forward(w, x)
    return w, x, y + rng.integers(-4, 5, n) * np.spacing(y)


def _step_domain(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    w, x, t = _gradient_domain(rng, n)
    return w, x, t, np.exp(rng.uniform(-10, 10, n))


CASES: list[tuple[str, str, Domain]] = [
    ("sigmoid", "z uniform in [−40, 40]", _z_uniform),
    ("sigmoid", "\\|z\\| log-uniform in [1e−300, 760]", _z_log),
    ("sigmoid", "\\|z\\| in [700, 760] (subnormal σ)", _z_tails),
    ("sigmoid_prime", "z uniform in [−40, 40]", _z_uniform),
    ("sigmoid_prime", "\\|z\\| log-uniform in [1e−300, 760]", _z_log),
    ("sigmoid_prime", "\\|z\\| in [700, 760] (subnormal σ')", _z_tails),
    ("forward", "\\|w·x\\| in [1e−3, 760], \\|x\\| in [1e−300, 1e300]", _products),
    ("loss", "y in [0, 1]; t ≈ y or in [−1, 2]", _loss_domain),
    ("gradient", "w, x as forward; t in [0, 1]", _gradient_domain),
    ("gradient", "t within 4 ulps of σ(w·x)", _gradient_close),
    ("step", "as gradient; η log-uniform in [e^−10, e^10]", _step_domain),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20000, help="points per domain")
    parser.add_argument("--seed", type=int, default=20261127)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    policy = Float64Policy()
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"mpmath backend {mpmath.libmp.BACKEND}; {options.points} points per domain, "
        f"seed {options.seed}\n"
    )
    columns = (
        "function",
        "domain",
        "max ulps",
        "p99.9 ulps",
        "correctly rounded",
        "max error / float64 bound",
    )
    print("| " + " | ".join(columns) + " |")
    print("|---|---|---:|---:|---:|---:|")
    for function, label, domain in CASES:
        args = domain(rng, options.points)
        values = exact.values(function, *args)
        with np.errstate(all="ignore"):
            got = getattr(reference, function)(*args)
        errors = ulp_errors(got, values)
        sample = slice(0, min(2000, options.points))  # the policy bound is per-element mpmath
        ratio = errors[sample] / policy.allowed_ulps(
            function, [a[sample] for a in args], exact.values(function, *(a[sample] for a in args))
        )
        print(
            f"| {function} | {label} | {errors.max():.3g} | {np.quantile(errors, 0.999):.3g} "
            f"| {np.mean(errors <= 0.5):.2%} | {ratio.max():.3g} |"
        )
    print()
    for function, domain in (("sigmoid", _z_log), ("gradient", _gradient_domain)):
        args = domain(rng, 5000)
        started = time.perf_counter()
        exact.values(function, *args)
        rate = 5000 / (time.perf_counter() - started)
        print(f"oracle {function}: {rate:,.0f} points/s")


if __name__ == "__main__":
    main()
