"""Machine checks of the theorems in proofs/*.md, one module per theorem file.

Each theorem of the derivation (T1.1 … T7.4) is checked by one or more functions registered with
the theorem id and one of three kinds:

symbolic
    sympy proves an identity: simplify(lhs − rhs) == 0. Skipped when sympy is not installed.
high-precision
    an identity or inequality holds at points drawn by Hypothesis (derandomized: a fixed seed per
    check), evaluated with mpmath at 60 significant digits or more (identities to a relative
    error of 1e-50), or with exact rational arithmetic where floats are the subject.
interval
    a maximum or an inequality over a compact domain, proven with mpmath's interval arithmetic by
    branch and bound (proofs/interval.py).

The modules: `machinery` (the registry, profiles, THEOREMS and the shared helpers), then
`chain_rule` (01-chain-rule.md), `sigmoid` (02), `curvature` (03), `descent` (04),
`finite_differences` (05), `floating_point` (06: T6.1 – T6.3), `floating_point_reference`
(06: T6.4 – T6.5), `formats` (06: T6.6) and `networks` (07: T7.1 – T7.4). Importing this
package imports them all, in that order, which registers every check; the names below are
what ``neuron proofs`` (neuron/theorems.py) and the tests use.

Run them with ``neuron proofs``, ``python -m proofs.checks`` or ``run_all()``; ``THEOREMS`` is
read from the Markdown, so the theorem list and the checks cannot drift apart unnoticed
(tests/test_proofs.py).
"""

from __future__ import annotations

# Relative imports throughout: the same files are the package `proofs` in a checkout and
# `neuron_proofs` when installed from the wheel (pyproject.toml, force-include).
# Each module registers its checks when imported; the order is the order of the theorem files.
from . import (
    chain_rule,
    curvature,
    descent,
    finite_differences,
    floating_point,
    floating_point_reference,
    formats,
    machinery,
    networks,
    sigmoid,
)
from .machinery import (
    CHECKS,
    KINDS,
    PROFILES,
    PROOFS_DIR,
    STATUSES,
    THEOREMS,
    Check,
    CheckError,
    Profile,
    Record,
    SympyMissingError,
    Theorem,
    check,
    iter_checks_for,
    main,
    parse_theorems,
    run_all,
    run_check,
)

__all__ = [
    "CHECKS",
    "KINDS",
    "PROFILES",
    "PROOFS_DIR",
    "STATUSES",
    "THEOREMS",
    "Check",
    "CheckError",
    "Profile",
    "Record",
    "SympyMissingError",
    "Theorem",
    "chain_rule",
    "check",
    "curvature",
    "descent",
    "finite_differences",
    "floating_point",
    "floating_point_reference",
    "formats",
    "iter_checks_for",
    "machinery",
    "main",
    "networks",
    "parse_theorems",
    "run_all",
    "run_check",
    "sigmoid",
]
