"""Find the float32 inputs of σ and σ' where rounding the correctly rounded float64 to float32 is
wrong (double rounding, T6.6 (e)), by scanning all 2^32 float32 bit patterns.

    python tools/double_rounding.py [--functions sigmoid,sigmoid_prime] [--out FILE]

A double rounding needs the correctly rounded float64 r of the exact value to be a float32
midpoint while the exact value is not r. The scan computes σ(z) = 1/(1 + e^−z) and
σ'(z) = e/(1 + e)^2 (e = e^−|z|) in float64 with numpy for every float32 z, and keeps as
candidates the z whose float64 value lies within WINDOW float64 ulps of a float32 midpoint.
These formulas are within a few ulps of the exact value (T6.1's running error bound, 2R ≤ 8u
relative, given an exp within 1 ulp), so a 16-ulp window keeps every z where r is a midpoint.
Each candidate is then decided by the oracle: the exact value rounded straight to float32
(``neuron.exact.rounded``), against float32(r) with r from ``neuron.reference`` in float64, and
against ``neuron.reference`` in float32. The candidates, their verdicts and the time are printed
as JSON lines (and written to FILE).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from neuron import exact, reference
from neuron.numerics.formats import FLOAT32, round_float64

WINDOW = 16  # float64 ulps
CHUNK = 1 << 22


def _textbook(name: str, z: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(z))
    if name == "sigmoid":
        return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return e / ((1.0 + e) * (1.0 + e))


def candidates(name: str) -> np.ndarray:
    """Float32 inputs whose float64 value is within WINDOW ulps of a float32 midpoint."""
    found = []
    with np.errstate(all="ignore"):
        for start in range(0, 1 << 32, CHUNK):
            bits = np.arange(start, start + CHUNK, dtype=np.uint64).astype(np.uint32)
            z32 = bits.view(np.float32)
            z = z32.astype(np.float64)
            v = _textbook(name, z)
            _, exponent = np.frexp(v)
            quantum = np.ldexp(1.0, np.maximum(exponent - 1, FLOAT32.emin) - 23)
            distance = np.abs(v / quantum - np.floor(v / quantum) - 0.5) * quantum
            ulp64 = np.ldexp(1.0, np.maximum(exponent - 53, -1074))
            near = np.isfinite(v) & (v > 0) & (distance <= WINDOW * ulp64)
            found.append(z32[near])
    return np.concatenate(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", default="sigmoid,sigmoid_prime")
    parser.add_argument("--out")
    options = parser.parse_args(argv)
    lines = []
    for name in options.functions.split(","):
        start = time.perf_counter()
        z = candidates(name)
        scanned = time.perf_counter() - start
        z64 = z.astype(np.float64)
        r = getattr(reference, name)(z64)
        naive = r.astype(np.float32)
        correct = exact.rounded(name, z64, fmt=FLOAT32).astype(np.float32)
        ours = getattr(reference, name)(z)
        _, boundary = round_float64(np.asarray(r), FLOAT32)
        for i in range(z.size):
            record = {
                "function": name,
                "z": float(z[i]).hex(),
                "float64": float(r[i]).hex(),
                "float64_is_midpoint": bool(boundary[i]),
                "correct": float(correct[i]).hex(),
                "naive": float(naive[i]).hex(),
                "reference": float(ours[i]).hex(),
            }
            if record["float64_is_midpoint"]:
                lines.append(json.dumps(record))
                print(lines[-1], flush=True)
        summary = {
            "function": name,
            "inputs_scanned": 1 << 32,
            "candidates": int(z.size),
            "float64_midpoints": int(np.count_nonzero(boundary)),
            "double_rounding_wrong": int(np.count_nonzero(naive != correct)),
            "reference_wrong": int(np.count_nonzero(ours != correct)),
            "scan_seconds": round(scanned, 1),
        }
        lines.append(json.dumps(summary))
        print(lines[-1], flush=True)
    if options.out:
        with open(options.out, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
