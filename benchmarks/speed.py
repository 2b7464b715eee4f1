"""Speed of the correctly rounded reference against the textbook numpy formulas.

    python benchmarks/speed.py [--size N] [--repeat R]

For each function: the best of R wall-clock times on N float64 elements for the seed's
formulas written directly in numpy (the baseline) and for neuron.reference, measured in the
same process on the same inputs, their ratio, and how many elements took the slow path
(the mpmath oracle) because the rounding test could not decide them.
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


def _best(function: Callable[..., np.ndarray], args: tuple[np.ndarray, ...], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261127)
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    n = options.size
    w, x = rng.normal(0, 2, n), rng.normal(0, 2, n)
    t, lr = rng.uniform(0, 1, n), np.full(n, 0.5)
    inputs = {
        "sigmoid": (w * x,),
        "sigmoid_prime": (w * x,),
        "forward": (w, x),
        "loss": (rng.uniform(0, 1, n), t),
        "gradient": (w, x, t),
        "step": (w, x, t, lr),
    }
    print(
        f"machine: {platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}, numpy {np.__version__}; {n:,} elements, w, x ~ N(0, 4), "
        f"t ~ U(0, 1), best of {options.repeat}\n"
    )
    print("| function | textbook numpy (ms) | neuron.reference (ms) | ratio | slow path |")
    print("|---|---:|---:|---:|---:|")
    for name, args in inputs.items():
        with np.errstate(all="ignore"):
            baseline = _best(TEXTBOOK[name], args, options.repeat)
        before = reference.SLOW_PATH[name]
        ours = _best(getattr(reference, name), args, options.repeat)
        slow = (reference.SLOW_PATH[name] - before) / options.repeat
        print(
            f"| {name} | {baseline * 1e3:.1f} | {ours * 1e3:.1f} | {ours / baseline:.1f}× "
            f"| {slow:.0f} per {n:,} |"
        )


if __name__ == "__main__":
    main()
