"""Sections of `benchmarks/run.py`: neuron against its peers (numpy, scipy, torch, jax).

Each section module exposes ``run(quick: bool, out: pathlib.Path) -> dict`` returning
``{"results": <JSON-able>, "figures": [file names written in out], "markdown": "<### ...>"}``.
Shared helpers (peer registry, timing, ulps against the oracle, tables, figures) live in
``common``.
"""
