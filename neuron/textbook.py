"""The seed's formulas as float64 programs, each step with its local derivatives beside it.

The textbook neuron is a short straight-line program:

    z = w·x                      dz/dw = x
    e = exp(−z)                  de/dz = −e
    d = 1 + e                    dd/de = 1
    y = 1/d                      dy/dd = −1/d²           (y = σ(z), T2.1)
    m = 1 − y                    dm/dy = −1              (σ' = y·m, T1.2)
    r = t − y                    dr/dy = −1              (dE/dy = −r, T1.1)
    p = r·y·m·x                  dp/dr = y·m·x, ...      (dE/dw = −p, T1.4)
    w' = w + lr·p                                        (w − lr·dE/dw)

``PROGRAMS`` writes the six functions of the protocol this way, once. A float64 evaluation of
the same formulas may associate a product of several factors in any order (r·σ' first, as
autograd does, or r·y, as ``−(t − y)*y*(1 − y)*x`` does): a ``product`` operation stands for
all of them. The programs serve three readers:

* ``evaluate`` runs a program in any arithmetic: float64 (the textbook itself), mpmath (the
  exact intermediates), sympy (the symbols of the first-order check in proofs/).
* ``adjoints`` is the reverse sweep ∂out/∂v for every intermediate v: backpropagation.
* ``running_error`` is the forward sweep of Higham's running error analysis (T6.1): for every
  intermediate, its exact value and a bound on the error a float64 evaluation can carry into
  it, split into rounding (relative, u = 2^−53 per operation, 2u for exp) and underflow (an
  absolute 2^−1022 for every operation whose result can lie below the normal range). The
  ``float64`` tolerance policy allows what this bound allows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import mpmath
import numpy as np

__all__ = [
    "ALPHA",
    "FAMILY",
    "PROGRAMS",
    "SAFETY",
    "Op",
    "Program",
    "RunningError",
    "U",
    "Variant",
    "adjoints",
    "apply",
    "evaluate",
    "partials",
    "rounding_lower_bound",
    "roundings",
    "running_error",
]

U: Final = 2.0**-53  # unit roundoff of float64: one rounding is within u relatively
ALPHA: Final = 2.0**-1022  # an operation whose result is below this may be off by up to it
#: The policy allows SAFETY times the first-order rounding bound (second-order terms; T6.1(c)),
#: and tests "can this result underflow?" against SAFETY times its first-order error.
SAFETY: Final = 2.0
#: Working precision of the exact intermediates, in bits: 2·53 holds w·x exactly, and the rest
#: only needs a few correct digits, since it scales terms of a bound.
PRECISION: Final = 128

Real = Any  # a float, an mpmath.mpf or a sympy expression: whatever the arithmetic computes in


@dataclass(frozen=True)
class Op:
    """One operation: ``name = kind(*args)``; an argument is a name or a float constant.

    ``kind`` is ``add``, ``sub``, ``div``, ``exp_neg`` (e^−a), ``neg`` (exact), or ``product``
    (of any number of factors, in any association: each of its multiplications rounds).
    ``exact`` names an operation equal to this one in real arithmetic that the exact
    evaluation uses instead, where this one would cancel (1 − σ(z) as e/(1 + e)).
    """

    name: str
    kind: str
    args: tuple[str | float, ...]
    exact: tuple[str, tuple[str | float, ...]] | None = None


class Program(NamedTuple):
    """A float64 program: its input names, its operations and the name of its output."""

    inputs: tuple[str, ...]
    ops: tuple[Op, ...]
    output: str


def apply(kind: str, args: Sequence[Real], exp_neg: Callable[[Real], Real]) -> Real:
    """The value of one operation of `kind` on `args` (a product from left to right)."""
    if kind == "product":
        return math.prod(args[1:], start=args[0])
    if kind == "add":
        return args[0] + args[1]
    if kind == "sub":
        return args[0] - args[1]
    if kind == "div":
        return args[0] / args[1]
    if kind == "neg":
        return -args[0]
    if kind == "exp_neg":
        return exp_neg(args[0])
    raise ValueError(f"unknown operation {kind!r}")


def partials(kind: str, args: Sequence[Real], value: Real) -> list[Real]:
    """∂value/∂arg for each argument: the chain rule's local factors, beside `apply`."""
    if kind == "product":
        return [math.prod([*args[:i], *args[i + 1 :]], start=1) for i in range(len(args))]
    if kind == "add":
        return [1, 1]
    if kind == "sub":
        return [1, -1]
    if kind == "div":
        return [1 / args[1], -value / args[1]]
    if kind == "neg":
        return [-1]
    if kind == "exp_neg":
        return [-value]
    raise ValueError(f"unknown operation {kind!r}")


_SIGMOID = (
    Op("e", "exp_neg", ("z",)),
    Op("d", "add", (1.0, "e")),
    Op("y", "div", (1.0, "d")),
)
_COMPLEMENT = Op("m", "sub", (1.0, "y"), exact=("div", ("e", "d")))  # 1 − 1/(1 + e) = e/(1 + e)
_PRODUCT = Op("z", "product", ("w", "x"))
_RESIDUAL = Op("r", "sub", ("t", "y"))

PROGRAMS: Final[dict[str, Program]] = {
    "sigmoid": Program(("z",), _SIGMOID, "y"),
    "sigmoid_prime": Program(("z",), (*_SIGMOID, _COMPLEMENT, Op("s", "product", ("y", "m"))), "s"),
    "forward": Program(("w", "x"), (_PRODUCT, *_SIGMOID), "y"),
    "loss": Program(("y", "t"), (_RESIDUAL, Op("E", "product", (0.5, "r", "r"))), "E"),
    "gradient": Program(
        ("w", "x", "t"),
        (
            _PRODUCT,
            *_SIGMOID,
            _COMPLEMENT,
            _RESIDUAL,
            Op("p", "product", ("r", "y", "m", "x")),
            Op("g", "neg", ("p",)),
        ),
        "g",
    ),
    "step": Program(
        ("w", "x", "t", "lr"),
        (
            _PRODUCT,
            *_SIGMOID,
            _COMPLEMENT,
            _RESIDUAL,
            Op("l", "product", ("lr", "r", "y", "m", "x")),  # −lr·dE/dw
            Op("w_new", "add", ("w", "l")),
        ),
        "w_new",
    ),
}
"""The seed's textbook formulas, one program per function of the protocol."""


class Variant(NamedTuple):
    """Another correct evaluation order of one of the six functions, on part of its domain."""

    name: str
    program: Program
    #: where code evaluates it this way: "z >= 0", "z < 0" (z = w·x for forward, gradient,
    #: step) or "any"
    where: str = "any"


# σ(z) = e^z/(1 + e^z) for z < 0: the branch-stable form, e = e^−|z| in (0, 1]
_STABLE_BELOW = (
    Op("n", "neg", ("z",)),
    Op("e", "exp_neg", ("n",)),
    Op("d", "add", (1.0, "e")),
    Op("y", "div", ("e", "d")),
)
# σ(−z) = 1/(1 + e^z): the second factor of σ'(z) = σ(z)·σ(−z)
_SIGMOID_OF_NEG = (
    Op("n", "neg", ("z",)),
    Op("e2", "exp_neg", ("n",)),
    Op("d2", "add", (1.0, "e2")),
    Op("y2", "div", (1.0, "d2")),
)
# σ'(z) = e/(1 + e)² = e/((1 + e)(1 + e)) from the e and d of either branch (σ' is even)
_QUOTIENT = (Op("q", "product", ("d", "d")), Op("s", "div", ("e", "q")))
# 1 − y for the branch-stable y = e/(1 + e): exactly 1/(1 + e)
_COMPLEMENT_BELOW = Op("m", "sub", (1.0, "y"), exact=("div", (1.0, "d")))

#: The forward parts of the chain rule's variants: (name, where, operations, factors of σ').
_SLOPES: Final = (
    (
        "autograd's y(1 − y), y branch-stable",
        "z < 0",
        (*_STABLE_BELOW, _COMPLEMENT_BELOW),
        ("y", "m"),
    ),
    ("e/(1 + e)²", "z >= 0", (*_SIGMOID, *_QUOTIENT), ("s",)),
    ("e/(1 + e)², y branch-stable", "z < 0", (*_STABLE_BELOW, *_QUOTIENT), ("s",)),
    ("σ(z)·σ(−z)", "any", (*_SIGMOID, *_SIGMOID_OF_NEG), ("y", "y2")),
)


def _chain_rule(
    name: str, where: str, head: tuple[Op, ...], slope: tuple[str, ...]
) -> tuple[Variant, Variant]:
    """The gradient and the step from a forward part computing y and the factors of σ'."""
    forward = (_PRODUCT, *head, _RESIDUAL)
    gradient = (*forward, Op("p", "product", ("r", *slope, "x")), Op("g", "neg", ("p",)))
    step = (
        *forward,
        Op("l", "product", ("lr", "r", *slope, "x")),
        Op("w_new", "add", ("w", "l")),
    )
    return (
        Variant(f"σ' as {name}", Program(("w", "x", "t"), gradient, "g"), where),
        Variant(f"σ' as {name}", Program(("w", "x", "t", "lr"), step, "w_new"), where),
    )


_CHAINS = [_chain_rule(*slope) for slope in _SLOPES]

FAMILY: Final[dict[str, tuple[Variant, ...]]] = {
    "sigmoid": (Variant("e^z/(1 + e^z)", Program(("z",), _STABLE_BELOW, "y"), "z < 0"),),
    "sigmoid_prime": tuple(
        Variant(
            name,
            Program(("z",), (*ops, Op("s", "product", factors)) if len(factors) > 1 else ops, "s"),
            where,
        )
        for name, where, ops, factors in _SLOPES
    ),
    "forward": (
        Variant(
            "σ(w·x), σ branch-stable", Program(("w", "x"), (_PRODUCT, *_STABLE_BELOW), "y"), "z < 0"
        ),
    ),
    "loss": (),  # ½·r·r in any association is the textbook's product already
    "gradient": tuple(gradient for gradient, _ in _CHAINS),
    "step": tuple(step for _, step in _CHAINS),
}
"""Other correct evaluation orders of the seed's formulas (T6.1(e)): the branch-stable σ, σ'
as y(1 − y) from a branch-stable y (what autograd computes), as e/(1 + e)² and as σ(z)·σ(−z),
and the chain rule's products built from them, in any association. The ``float64`` policy
allows the textbook programs' bound; proofs/ checks that these stay within it."""


def evaluate(
    program: Program,
    inputs: dict[str, Real],
    exp_neg: Callable[[Real], Real],
    *,
    exact: bool = False,
) -> dict[str, Real]:
    """Run `program` on `inputs` with the arithmetic of their type; return every named value.

    With `exact`, an operation that names an ``exact`` alternative is evaluated that way.
    """
    values = dict(inputs)
    for op in program.ops:
        kind, names = op.exact if exact and op.exact is not None else (op.kind, op.args)
        args = [values[a] if isinstance(a, str) else a for a in names]
        values[op.name] = apply(kind, args, exp_neg)
    return values


def adjoints(
    program: Program, values: dict[str, Real], *, absolute: bool = False
) -> dict[str, Real]:
    """∂out/∂v for every value v of the program, by one reverse sweep (backpropagation).

    With `absolute`, every local derivative is replaced by its absolute value: the result
    A_v >= |∂out/∂v| sums the paths from v to the output without letting them cancel.
    """
    adjoint: dict[str, Real] = dict.fromkeys(values, 0)
    adjoint[program.output] = 1
    for op in reversed(program.ops):
        bar = adjoint[op.name]
        args = [values[a] if isinstance(a, str) else a for a in op.args]
        for arg, local in zip(op.args, partials(op.kind, args, values[op.name]), strict=True):
            if isinstance(arg, str):
                adjoint[arg] = adjoint[arg] + bar * (abs(local) if absolute else local)
    return adjoint


class RunningError(NamedTuple):
    """The exact output of a program and bounds on a float64 evaluation's error (T6.1)."""

    exact: Real
    rounding: Real  # first order: Σ A_k·u_k·|v_k| over the roundings k
    underflow: Real  # Σ A_k·2^−1022 over the operations k whose result can underflow

    def allowed(self) -> Real:
        """The error the float64 policy allows: SAFETY·rounding + underflow (T6.1(c))."""
        return SAFETY * self.rounding + self.underflow


def _may_underflow(value: Real, propagated: Real) -> bool:
    """Can a result of exact value `value` fall below the normal range, when its operands carry
    errors that move it by up to `propagated` (to first order; SAFETY covers the rest)?"""
    return bool(abs(value) - SAFETY * propagated < ALPHA)


def _log2(magnitude: Real) -> float:
    """log2 of a non-negative mpmath number as a float: −∞ for 0 and below 2^−(10^6)."""
    _, man, exp, bc = magnitude._mpf_
    if not man or exp + bc < -(10**6):
        return -math.inf
    return float(exp + bc) + math.log2(man / (1 << bc)) if bc < 1000 else float(exp + bc)


def _product_underflow(factors: Sequence[Real], errors: Sequence[Real]) -> Real:
    """Σ over the partial products P_S (|S| >= 2) that can underflow of 2^−1022·Π_{i∉S}|f_i|.

    Whatever the association, each multiplication forms some P_S, and an error of 2^−1022 in
    it reaches the product times the factors not yet multiplied in: summing over every S
    bounds every association order at once. P_S carries Σ_{i∈S} |P_S/f_i|·error_i from its
    factors and (|S| − 1)·u·|P_S| from its own roundings. Magnitudes are compared in log2 (a
    float is far more precise than this test needs); a factor that is exactly 0 makes its
    partial products exactly 0, which cannot underflow.
    """
    n = len(factors)
    logs = [_log2(abs(f)) for f in factors]
    relative = [
        float(e / abs(f)) if f else (math.inf if e else 0.0)
        for f, e in zip(factors, errors, strict=True)
    ]
    exact_zero = [not f and not e for f, e in zip(factors, errors, strict=True)]
    exponents: list[float] = []
    for size in range(2, n + 1):
        for subset in itertools.combinations(range(n), size):
            if size < n and any(exact_zero[i] for i in subset):
                continue
            spread = SAFETY * (sum(relative[i] for i in subset) + (size - 1) * U)
            if spread < 1 and sum(logs[i] for i in subset) + math.log2(1 - spread) >= -1022:
                continue  # |P_S| − SAFETY·(its error) stays in the normal range
            exponents.append(-1022 + sum(logs[i] for i in range(n) if i not in subset))
    top = max(exponents, default=-math.inf)
    if top == -math.inf:
        return mpmath.mpf(0)
    # Σ 2^k rounded up a little: the float sum and powers are within 2^−50 relatively
    total = math.fsum(2.0 ** (k - top) for k in exponents) * (1 + 2.0**-40)
    return mpmath.mpf(total) * mpmath.power(2, top)


def roundings(op: Op) -> int:
    """How many times the operation rounds: once, never for the exact negation, and once per
    multiplication of a product (but by the factor ½, which scales exactly)."""
    if op.kind == "neg":
        return 0
    if op.kind == "product":
        return sum(1 for a in op.args if a != 0.5) - 1
    return 1


def _unit(op: Op) -> float:
    """The relative error of one rounding: u, and 2u for exp (within 1 ulp)."""
    return 2 * U if op.kind == "exp_neg" else U


def _carried(
    op: Op, values: dict[str, Real], *errors: dict[str, Real]
) -> tuple[list[Real], list[list[Real]]]:
    """The operation's arguments, and for each map of operand errors what each operand carries
    into the result: |∂v/∂a|·error(a) (the chain rule's local factor, computed once, times the
    operand's error; 0 for a constant)."""
    args = [values[a] if isinstance(a, str) else a for a in op.args]
    local = partials(op.kind, args, values[op.name])
    carried = [
        [
            abs(d) * e[a] if isinstance(a, str) else 0 * d
            for d, a in zip(local, op.args, strict=True)
        ]
        for e in errors
    ]
    return args, carried


def _local_bounds(kind: str, low: list[Any], high: list[Any], upper: bool) -> list[Any]:
    """Bounds of |∂v/∂a| over operands with |a| in [low, high]: upper or lower ones."""
    near, far = (high, low) if upper else (low, high)  # what makes a factor large / small
    if kind == "product":
        return [math.prod(near[:i] + near[i + 1 :], start=1.0) for i in range(len(near))]
    if kind == "div":  # |∂(a/b)/∂a| = 1/|b|, |∂(a/b)/∂b| = |a|/b²
        return [1 / far[1], near[0] / (far[1] * far[1])]
    if kind == "exp_neg":  # |∂e^−a/∂a| = e^−a, bounded by the caller's magnitudes of the result
        return [near[-1]]
    return [1.0] * len(near)  # add, sub, neg


def rounding_lower_bound(program: Program, inputs: dict[str, Any]) -> tuple[Any, Any]:
    """A lower bound of R (T6.1) at many inputs at once, in float64 arrays, and where it holds.

    The exact-form program evaluated in float64 is itself a float64 program, so each computed
    ṽ is within e_v = 2·R_v of the exact v (T6.1 with nothing underflowing), R_v taken on upper
    bounds of the magnitudes. Where every computed value is finite and 0 (exactly: a sum, or a
    product with a factor 0) or within [2^−900, 2^900], nothing underflowed and no product of
    the program's values leaves the float range; there |v| >= |ṽ| − e_v, and R evaluated on
    those lower bounds (R grows with every |v| but a divisor's, which enters by its upper
    bound) is a lower bound of R. Elsewhere `trusted` is False. The caller's margin (2^−20)
    covers the float64 rounding of this computation itself.
    """
    values = dict(inputs)
    low = {n: np.abs(v) for n, v in inputs.items()}
    high = dict(low)
    error = {n: np.zeros_like(v) for n, v in inputs.items()}
    lower = {n: np.zeros_like(v) for n, v in inputs.items()}
    trusted = np.ones(np.broadcast(*inputs.values()).shape, dtype=bool)
    with np.errstate(all="ignore"):
        for v in inputs.values():
            trusted &= (v == 0) | ((np.abs(v) >= 2.0**-900) & (np.abs(v) <= 2.0**900))
        for op in program.ops:
            kind, names = op.exact if op.exact is not None else (op.kind, op.args)
            args = [values[a] if isinstance(a, str) else a for a in names]
            computed = apply(kind, args, lambda a: np.exp(-a))
            magnitude = np.abs(computed)
            lows = [low[a] if isinstance(a, str) else abs(a) for a in names]
            highs = [high[a] if isinstance(a, str) else abs(a) for a in names]
            if kind == "exp_neg":  # e^−ã within a factor e^(±error of ã) of e^−a
                spread = np.exp(error[str(names[0])]) * (1 + 4 * U)
                lows, highs = [*lows, magnitude / spread], [*highs, magnitude * spread]
            local = _local_bounds(kind, lows, highs, upper=True)
            carried = sum(
                d * error[a] for d, a in zip(local, names, strict=True) if isinstance(a, str)
            )
            own = roundings(Op(op.name, kind, names)) * _unit(Op(op.name, kind, names))
            error[op.name] = SAFETY * (carried + own * magnitude) / (1 - SAFETY * own)
            exact_zero = computed == 0
            if kind == "product":
                exact_zero = exact_zero & np.logical_or.reduce(
                    [np.asarray(values[a] == 0) for a in names if isinstance(a, str)]
                )
            elif kind not in ("add", "sub"):
                exact_zero = np.zeros_like(trusted)
            trusted &= exact_zero | ((magnitude >= 2.0**-900) & (magnitude <= 2.0**900))
            trusted &= np.isfinite(error[op.name])
            values[op.name] = computed
            low[op.name] = np.maximum(magnitude - error[op.name], 0.0)
            high[op.name] = magnitude + error[op.name]
            # R's own sweep, with the program's operation (1 − y, not e/(1 + e)), on lower bounds
            lows = [low[a] if isinstance(a, str) else abs(a) for a in op.args]
            highs = [high[a] if isinstance(a, str) else abs(a) for a in op.args]
            if op.kind == "exp_neg":
                lows, highs = [*lows, low[op.name]], [*highs, high[op.name]]
            local = _local_bounds(op.kind, lows, highs, upper=False)
            carried = sum(
                d * lower[a] for d, a in zip(local, op.args, strict=True) if isinstance(a, str)
            )
            lower[op.name] = carried + roundings(op) * _unit(op) * low[op.name]
    return lower[program.output], trusted


def running_error(program: Program, inputs: dict[str, float]) -> RunningError:
    """The forward running-error sweep of T6.1 at finite float64 `inputs`.

    Each operation's computed result differs from the exact one by what its operands carry in
    (Σ |∂v/∂a|·error(a), the chain rule) plus its own rounding, u_k·|v|, plus 2^−1022 where
    the result can be below the normal range (gradual underflow or flush to zero). Inputs
    are exact. The intermediates are the exact real values, computed in mpmath.
    """
    with mpmath.workprec(PRECISION):
        values: dict[str, Real] = {n: mpmath.mpf(inputs[n]) for n in program.inputs}
        values = evaluate(program, values, lambda a: mpmath.exp(-a), exact=True)
        rounding: dict[str, Real] = dict.fromkeys(program.inputs, mpmath.mpf(0))
        underflow: dict[str, Real] = dict.fromkeys(program.inputs, mpmath.mpf(0))
        for op in program.ops:
            args, (carried_r, carried_u) = _carried(op, values, rounding, underflow)
            v = values[op.name]
            rounding[op.name] = sum(carried_r) + roundings(op) * _unit(op) * abs(v)
            if op.kind == "product":
                errors = [rounding[a] + underflow[a] if isinstance(a, str) else 0 for a in op.args]
                own = _product_underflow([mpmath.mpf(a) for a in args], errors)
            elif op.kind == "neg":
                own = mpmath.mpf(0)
            else:
                propagated = sum(carried_r) + sum(carried_u)
                own = ALPHA if _may_underflow(v, propagated) else mpmath.mpf(0)
            underflow[op.name] = sum(carried_u) + own
        out = program.output
        return RunningError(values[out], rounding[out], underflow[out])
