"""Speed of the correctly rounded reference against the textbook numpy formulas.

    python benchmarks/speed.py [--size N] [--repeat R] [--domain normal|wide]

For each function: the best of R wall-clock times on N float64 elements for the seed's
formulas written directly in numpy (the baseline) and for neuron.reference, measured in the
same process on the same inputs, their ratio, the share of elements the fast path left to the
general path, and how many took the slow path (the mpmath oracle).
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

import numpy as np

from neuron import reference


def _sigma(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _sigma_prime(z: np.ndarray) -> np.ndarray:
    y = _sigma(z)
    return y * (1 - y)


def _gradient(w: np.ndarray, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    y = _sigma(w * x)
    return -(t - y) * y * (1 - y) * x


TEXTBOOK: dict[str, Callable[..., np.ndarray]] = {
    "sigmoid": _sigma,
    "sigmoid_prime": _sigma_prime,
    "forward": lambda w, x: _sigma(w * x),
    "loss": lambda y, t: 0.5 * (t - y) ** 2,
    "gradient": _gradient,
    "step": lambda w, x, t, lr: w - lr * _gradient(w, x, t),
}


def _best_pair(
    first: Callable[..., np.ndarray],
    second: Callable[..., np.ndarray],
    args: tuple[np.ndarray, ...],
    repeat: int,
) -> tuple[float, float]:
    """Best of `repeat` wall-clock times of each, alternating, so that a busy spell on a shared
    machine slows both rather than one."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for function, record in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            function(*args)
            record.append(time.perf_counter() - started)
    return min(times[0]), min(times[1])


def _inputs(domain: str, n: int, seed: int) -> dict[str, tuple[np.ndarray, ...]]:
    """`normal`: w, x ~ N(0, 4), t ~ U(0, 1), y ~ U(0, 1). `wide`: |w·x| log-uniform in
    [1e−3, 760] with |x| log-uniform in [1e−200, 1e200]: 0.8 % of the elements lie beyond the
    fast path's |w·x| <= 680, and more of the gradient's results are tiny."""
    rng = np.random.default_rng(seed)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--domain", choices=("normal", "wide"), default="normal")
    options = parser.parse_args()
    n = options.size
    inputs = _inputs(options.domain, n, options.seed)
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}; {n:,} elements, domain "
        f"{options.domain}, best of {options.repeat}\n"
    )
    print(
        "| function | textbook numpy (ms) | neuron.reference (ms) | ratio | general path | oracle |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, args in inputs.items():
        fallback, slow = reference.FALLBACK[name], reference.SLOW_PATH[name]
        with np.errstate(all="ignore"):
            baseline, ours = _best_pair(
                TEXTBOOK[name], getattr(reference, name), args, options.repeat
            )
        fallback = (reference.FALLBACK[name] - fallback) / options.repeat
        slow = (reference.SLOW_PATH[name] - slow) / options.repeat
        print(
            f"| {name} | {baseline * 1e3:.1f} | {ours * 1e3:.1f} | {ours / baseline:.1f}× "
            f"| {fallback / n:.3%} | {slow:.0f} per {n:,} |"
        )


if __name__ == "__main__":
    main()
