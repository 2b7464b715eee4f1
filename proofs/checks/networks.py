"""Checks of 07-networks.md: T7.1 – T7.4, the unit with n inputs and a bias, the hidden layer,
their oracle and their fast path.

The symbolic checks differentiate with an undefined activation s (so the chain rule is checked
for every differentiable activation, σ included); the high-precision checks compare mpmath's
own differentiation of E with the formulas, the shipped oracle (``neuron.exact_network``) with
an independent mpmath evaluation, and the shipped fast path (``neuron.reference.bounded``) with
mpmath or exact rational arithmetic.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import partial
from typing import Any

from hypothesis import strategies as st
from mpmath import mp, mpf

from .machinery import (
    CheckError,
    Profile,
    _check_identity,
    _draw,
    _numeric_derivative,
    _reals,
    _sigma,
    _sympy,
    check,
    round_fraction,
)

# ---------------------------------------------------------------------------------------------
# The unit and the network written out in mpmath, from their definitions


def _unit_loss(p: Sequence[Any], X: Sequence[Sequence[float]], t: Sequence[float]) -> Any:
    """E(w, b) with p = (w_1, …, w_n, b)."""
    total = mpf(0)
    for row, target in zip(X, t, strict=True):
        z = sum((mpf(w) * mpf(x) for w, x in zip(p[:-1], row, strict=True)), mpf(p[-1]))
        total += (mpf(target) - _sigma(z)) ** 2 / 2
    return total / len(X)


def _unit_formula(p: Sequence[Any], X: Sequence[Sequence[float]], t: Sequence[float]) -> list[Any]:
    """(dE/dw_1, …, dE/dw_n, dE/db) by T7.1."""
    grads = [mpf(0)] * len(p)
    for row, target in zip(X, t, strict=True):
        z = sum((mpf(w) * mpf(x) for w, x in zip(p[:-1], row, strict=True)), mpf(p[-1]))
        y = _sigma(z)
        dz = (y - mpf(target)) * y * (1 - y) / len(X)
        for j, x in enumerate([*row, 1.0]):
            grads[j] += dz * mpf(x)
    return grads


def _network_parts(p: Sequence[Any], h: int, n: int) -> tuple[Any, Any, Any, Any]:
    W1 = [p[k * n : (k + 1) * n] for k in range(h)]
    return W1, p[h * n : h * n + h], p[h * n + h : h * n + 2 * h], p[-1]


def _network_loss(
    p: Sequence[Any], h: int, X: Sequence[Sequence[float]], t: Sequence[float]
) -> Any:
    n = len(X[0])
    W1, b1, W2, b2 = _network_parts([mpf(v) for v in p], h, n)
    total = mpf(0)
    for row, target in zip(X, t, strict=True):
        a = [_sigma(sum((w * x for w, x in zip(W1[k], row, strict=True)), b1[k])) for k in range(h)]
        y = _sigma(sum((w * ak for w, ak in zip(W2, a, strict=True)), b2))
        total += (mpf(target) - y) ** 2 / 2
    return total / len(X)


def _network_formula(
    p: Sequence[Any], h: int, X: Sequence[Sequence[float]], t: Sequence[float]
) -> list[Any]:
    """(dW1 row by row, db1, dW2, db2) by T7.2's backpropagation."""
    n, m = len(X[0]), len(X)
    W1, b1, W2, b2 = _network_parts([mpf(v) for v in p], h, n)
    grads = [mpf(0)] * len(p)
    for row, target in zip(X, t, strict=True):
        z1 = [sum((w * mpf(x) for w, x in zip(W1[k], row, strict=True)), b1[k]) for k in range(h)]
        a = [_sigma(z) for z in z1]
        y = _sigma(sum((w * ak for w, ak in zip(W2, a, strict=True)), b2))
        delta2 = (y - mpf(target)) * y * (1 - y)
        for k in range(h):
            delta1 = W2[k] * a[k] * (1 - a[k]) * delta2
            for j in range(n):
                grads[k * n + j] += delta1 * mpf(row[j]) / m
            grads[h * n + k] += delta1 / m
            grads[h * n + h + k] += delta2 * a[k] / m
        grads[-1] += delta2 / m
    return grads


def _lists(element: st.SearchStrategy[Any], size: int) -> st.SearchStrategy[list[Any]]:
    return st.lists(element, min_size=size, max_size=size)


def _unit_case(n: int, m: int, scale: float = 3.0) -> st.SearchStrategy[tuple[Any, ...]]:
    value = _reals(-scale, scale)
    return st.tuples(_lists(value, n + 1), _lists(_lists(value, n), m), _lists(_reals(-1, 2), m))


def _unit_cases(count: int, label: str) -> list[tuple[Any, ...]]:
    shapes = st.tuples(st.integers(1, 3), st.integers(1, 3))
    return _draw(shapes.flatmap(lambda s: _unit_case(*s)), count, label)


def _network_cases(count: int, label: str) -> list[tuple[Any, ...]]:
    def case(h: int, n: int, m: int) -> st.SearchStrategy[tuple[Any, ...]]:
        value = _reals(-3, 3)
        return st.tuples(
            st.just(h),
            _lists(value, h * n + 2 * h + 1),
            _lists(_lists(value, n), m),
            _lists(_reals(-1, 2), m),
        )

    shapes = st.tuples(st.integers(1, 3), st.integers(1, 2), st.integers(1, 2))
    return _draw(shapes.flatmap(lambda s: case(*s)), count, label)


def _each_parameter(
    cases: Sequence[tuple[Any, ...]], loss: Callable[..., Any], formula: Callable[..., list[Any]]
) -> tuple[list[Any], Callable[[Any], Any], Callable[[Any], Any]]:
    """One point per (case, parameter): mpmath.diff of the loss in it, and the formula's entry."""
    points = [(case, j) for case in cases for j in range(len(case[-3]))]

    def differentiated(point: Any) -> Any:
        case, j = point
        p = list(case[-3])

        def along(v: Any) -> Any:
            return loss([*p[:j], v, *p[j + 1 :]], *_rest(case))

        return _numeric_derivative(along, p[j])

    return points, differentiated, lambda point: formula(point[0][-3], *_rest(point[0]))[point[1]]


def _rest(case: tuple[Any, ...]) -> tuple[Any, ...]:
    """What the loss and the formula take after the parameters: (X, t), or (h, X, t)."""
    return (*case[:-3], *case[-2:])


# ---------------------------------------------------------------------------------------------
# T7.1, T7.2


def _symbolic_layers(sp: Any, h: int, n: int, m: int) -> dict[str, Any]:
    """E of the network with an undefined activation s, and its δ's by T7.2 (h = 0: the unit)."""
    s = sp.Function("s")

    def slope(argument: Any) -> Any:
        v = sp.Dummy("v")
        return sp.Subs(sp.Derivative(s(v), v), v, argument)

    x = sp.Matrix(m, n, sp.symbols(f"x_:{m}_:{n}"))
    t = sp.symbols(f"t_:{m}")
    W1 = sp.Matrix(max(h, 1), n, sp.symbols(f"W1_:{max(h, 1)}_:{n}"))
    b1 = sp.symbols(f"b1_:{max(h, 1)}")
    W2, b2 = sp.symbols(f"W2_:{max(h, 1)}"), sp.Symbol("b2")
    if h == 0:  # the unit: weights W1 row 0, bias b1_0, inputs x
        z = [sum(W1[0, j] * x[i, j] for j in range(n)) + b1[0] for i in range(m)]
        y = [s(zi) for zi in z]
        delta = [(y[i] - t[i]) * slope(z[i]) / m for i in range(m)]
        return {
            "E": sum((t[i] - y[i]) ** 2 / 2 for i in range(m)) / m,
            "delta": delta,
            "x": x,
            "w": W1,
            "b": b1[0],
        }
    z1 = [[sum(W1[k, j] * x[i, j] for j in range(n)) + b1[k] for k in range(h)] for i in range(m)]
    a = [[s(z) for z in row] for row in z1]
    z2 = [sum(W2[k] * a[i][k] for k in range(h)) + b2 for i in range(m)]
    y = [s(z) for z in z2]
    delta2 = [(y[i] - t[i]) * slope(z2[i]) for i in range(m)]
    delta1 = [[W2[k] * slope(z1[i][k]) * delta2[i] for k in range(h)] for i in range(m)]
    return {
        "E": sum((t[i] - y[i]) ** 2 / 2 for i in range(m)) / m,
        "delta2": delta2,
        "delta1": delta1,
        "a": a,
        "x": x,
        "W1": W1,
        "b1": b1,
        "W2": W2,
        "b2": b2,
    }


def _require_all_zero(sp: Any, differences: list[Any], what: str) -> None:
    for difference in differences:
        if sp.simplify(sp.expand(difference.doit())) != 0:
            raise CheckError(f"{what}: {difference} does not simplify to 0")


@check("T7.1", "symbolic")
def t7_1_symbolic(profile: Profile) -> str:
    sp = _sympy()
    n, m = 3, 2
    u = _symbolic_layers(sp, 0, n, m)
    differences = [
        sp.diff(u["E"], u["w"][0, j]) - sum(u["delta"][i] * u["x"][i, j] for i in range(m))
        for j in range(n)
    ]
    differences.append(sp.diff(u["E"], u["b"]) - sum(u["delta"]))
    _require_all_zero(sp, differences, "T7.1")
    return (
        f"sympy, any activation s, n = {n}, m = {m}: dE/dw_j = Σ_i dE/dz_i·x_ij and "
        "dE/db = Σ_i dE/dz_i with dE/dz_i = (y_i − t_i)s'(z_i)/m"
    )


@check("T7.1", "high-precision")
def t7_1_numeric_diff(profile: Profile) -> str:
    cases = _unit_cases(max(profile.examples // 8, 10), "t7_1")
    points, lhs, rhs = _each_parameter(cases, _unit_loss, _unit_formula)
    return _check_identity(points, lhs, rhs, "mpmath.diff of E(w, b) vs T7.1") + (
        f" ({len(cases)} units, n and m from 1 to 3)"
    )


@check("T7.2", "symbolic")
def t7_2_symbolic(profile: Profile) -> str:
    sp = _sympy()
    h, n, m = 2, 2, 2
    v = _symbolic_layers(sp, h, n, m)
    d1, d2 = v["delta1"], v["delta2"]
    differences = [
        sp.diff(v["E"], v["W1"][k, j]) - sum(d1[i][k] * v["x"][i, j] for i in range(m)) / m
        for k in range(h)
        for j in range(n)
    ]
    differences += [
        sp.diff(v["E"], v["b1"][k]) - sum(d1[i][k] for i in range(m)) / m for k in range(h)
    ]
    differences += [
        sp.diff(v["E"], v["W2"][k]) - sum(d2[i] * v["a"][i][k] for i in range(m)) / m
        for k in range(h)
    ]
    differences.append(sp.diff(v["E"], v["b2"]) - sum(d2) / m)
    _require_all_zero(sp, differences, "T7.2")
    return (
        "sympy, any activation s, h = n = m = 2: the four gradients equal the batch means of "
        "δ2·a, δ2, δ1·xᵀ, δ1 with δ1 = W2 ⊙ s'(z1)·δ2"
    )


@check("T7.2", "high-precision")
def t7_2_numeric_diff(profile: Profile) -> str:
    cases = _network_cases(max(profile.examples // 10, 8), "t7_2")
    points, lhs, rhs = _each_parameter(cases, _network_loss, _network_formula)
    return _check_identity(points, lhs, rhs, "mpmath.diff of E(W1, b1, W2, b2) vs T7.2") + (
        f" ({len(cases)} networks, h from 1 to 3, n and m from 1 to 2)"
    )


# ---------------------------------------------------------------------------------------------
# T7.3: the oracle


def _modules() -> tuple[Any, Any, Any]:
    """numpy, neuron.exact_network and neuron.reference.bounded (imported late: numpy)."""
    return (
        importlib.import_module("numpy"),
        importlib.import_module("neuron.exact_network"),
        importlib.import_module("neuron.reference.bounded"),
    )


def _rounded(value: Callable[[], Any]) -> float:
    """value() at 300 and at 600 bits, rounded to float64 through exact rationals; both alike."""
    results = []
    for bits in (300, 600):
        with mp.workprec(bits):
            results.append(round_fraction(_fraction(value())))
    if results[0] != results[1]:
        raise CheckError(f"{value}: 300 and 600 bits round differently")
    return results[0] + 0.0


def _entry(formula: Callable[..., list[Any]], args: tuple[Any, ...], j: int) -> Any:
    return formula(*args)[j]


def _unit_output(p: Sequence[float], row: Sequence[float]) -> Any:
    weights = zip(p[:-1], row, strict=True)
    return _sigma(sum((mpf(w) * mpf(x) for w, x in weights), mpf(p[-1])))


def _fraction(value: Any) -> Fraction:
    mantissa, exponent = mp.frexp(value)
    return Fraction(int(mp.ldexp(mantissa, 700))) * Fraction(2) ** (int(exponent) - 700)


def _cancelling(case: tuple[Any, ...]) -> tuple[Any, ...]:
    """The case with a first input of 1 and a first weight of 2^70 cancelled by the bias, so
    that w·x + b keeps only the other terms, from huge ones."""
    p, X, t = case
    huge = 2.0**70 * (1 + abs(p[0]))
    return [huge, *p[1:-1], p[-1] - huge], [[1.0, *row[1:]] for row in X], t


@check("T7.3", "high-precision")
def t7_3_oracle_against_mpmath(profile: Profile) -> str:
    np, exact_network, _ = _modules()
    cases = _unit_cases(max(profile.examples // 8, 10), "t7_3_unit")
    cases += [_cancelling(c) for c in cases]
    compared = 0
    for p, X, t in cases:
        got = exact_network.unit_gradient(p[:-1], p[-1], X, t)
        found = [*np.asarray(got[0]).tolist(), float(got[1])]
        expected = [_rounded(partial(_entry, _unit_formula, (p, X, t), j)) for j in range(len(p))]
        outputs = exact_network.unit_forward(p[:-1], p[-1], X).tolist()
        expected_outputs = [_rounded(partial(_unit_output, p, row)) for row in X]
        if found != expected or outputs != expected_outputs:
            raise CheckError(f"unit oracle at w, b = {p}, X = {X}, t = {t}: {found} vs {expected}")
        compared += len(p) + len(X)
    networks = _network_cases(max(profile.examples // 20, 5), "t7_3_network")
    for h, p, X, t in networks:
        n = len(X[0])
        W1, b1, W2, b2 = _network_parts(p, h, n)
        got = exact_network.network_gradient(W1, b1, W2, b2, X, t)
        found = [v for part in got for v in np.ravel(part).tolist()]
        expected = [
            _rounded(partial(_entry, _network_formula, (p, h, X, t), j)) for j in range(len(p))
        ]
        if found != expected:
            raise CheckError(f"network oracle at {h}, {p}, {X}, {t}: {found} vs {expected}")
        compared += len(p)
    return (
        f"{compared} components of {len(cases)} units (half of them with w·x + b cancelling "
        f"2^70-sized terms) and {len(networks)} networks: the oracle equals T7.1/T7.2 evaluated "
        "at 300 and 600 bits and rounded through exact rationals"
    )


@check("T7.3", "high-precision")
def t7_3_rational_case(profile: Profile) -> str:
    np, exact_network, _ = _modules()
    pairs = _draw(
        st.tuples(_reals(-3, 3), _reals(0.125, 4), _reals(-1, 2), _reals(-1, 2)),
        max(profile.examples // 10, 10),
        "t7_3_rational",
    )
    for w, x, t, t0 in pairs:
        # z = ±w·x with targets t and 1 − t cancel in dE/db; the sample with x = 0 has z = 0
        X, targets = [[x], [-x], [0.0]], [t, 1.0 - t, t0]
        if Fraction(1.0 - t) != 1 - Fraction(t):
            continue
        args = exact_network.unit_arguments([w], 0.0, X, targets)
        raw = exact_network._unit_z(args)
        constant = exact_network._unit_constant(raw, args.t, np.ones(3))
        claimed = (Fraction(1, 2) - Fraction(t0)) / 4
        if constant != claimed:
            raise CheckError(f"rational case at {w, x, t, t0}: {constant} vs {claimed}")
        with mp.workdps(300):
            z = [mpf(w) * mpf(row[0]) for row in X]
            s = sum(
                (_sigma(zi) - mpf(ti)) * _sigma(zi) * (1 - _sigma(zi))
                for zi, ti in zip(z, targets, strict=True)
            )
            if abs(s - mpf(claimed.numerator) / claimed.denominator) > mpf(10) ** -250:
                raise CheckError(f"Σ (σ − t)σ' = {s} is not {claimed} at {w, x, t, t0}")
        if exact_network._unit_constant(raw, args.t, args.X[:, 0]) is not None and w != 0:
            raise CheckError(f"dE/dw at {w, x, t, t0} claimed rational")
        db = float(exact_network.unit_gradient([w], 0.0, X, targets)[1])
        if db != round_fraction(claimed / 3):
            raise CheckError(f"dE/db = {db}, not {round_fraction(claimed / 3)} at {w, x, t, t0}")
    return (
        f"{len(pairs)} batches with samples z, −z (targets t, 1 − t) and z = 0: dE/db is the "
        "rational ¼(½ − t0)/m (to 10^-250 at 300 digits), dE/dw is not claimed rational"
    )


@check("T7.3", "symbolic")
def t7_3_independence(profile: Profile) -> str:
    sp = _sympy()
    X = sp.Symbol("X")
    largest = 4
    functions = [sp.Integer(1)]
    for k in range(1, largest + 1):
        functions += [(1 - X**k) * X**k / (2 * (1 + X**k) ** 3), X**k / (1 + X**k) ** 2]
    points = [sp.Rational(p, 7) for p in range(1, 2 * len(functions))]
    matrix = sp.Matrix([[f.subs(X, p) for f in functions] for p in points])
    if matrix.rank() != len(functions):
        raise CheckError("1, A_k, B_k (k <= 4) are linearly dependent")
    for k in range(1, largest + 1):
        zeta = sp.exp(sp.I * sp.pi / k)
        a_k, b_k = functions[2 * k - 1], functions[2 * k]
        orders = [
            sp.simplify((((1 + X**k) ** o) * f).subs(X, zeta)) for o, f in ((3, a_k), (2, b_k))
        ]
        if any(o == 0 for o in orders):
            raise CheckError(f"A_{k} or B_{k} has no pole of the stated order at e^(iπ/{k})")
    return (
        f"sympy: 1, A_k, B_k for k = 1 … {largest} have full rank {len(functions)} at "
        f"{len(points)} rational points (linearly independent over Q); (1 + X^k)^3·A_k and "
        "(1 + X^k)^2·B_k are nonzero at e^(iπ/k)"
    )


# ---------------------------------------------------------------------------------------------
# T7.4: the fast path


@check("T7.4", "high-precision")
def t7_4_exponential(profile: Profile) -> str:
    np, _, bounded = _modules()
    pairs = _draw(
        st.tuples(_reals(0, 680), _reals(-(2.0**-44), 2.0**-44)), profile.examples, "t7_4_exp"
    )
    pairs += [(0.0, 0.0), (math.log(2) / 2048, 2.0**-44), (680.0, -(2.0**-44)), (1e-300, 0.0)]
    a = np.array([p[0] for p in pairs])
    low = np.array([p[1] for p in pairs])
    value, scale = bounded.exponential(a, low)
    worst, widest = mpf(0), mpf(0)
    with mp.workprec(300):
        for i in range(len(pairs)):
            exact = mp.exp(-(mpf(a[i]) + mpf(low[i]))) / mpf(scale[i])
            error = abs(mpf(value.high[i]) + mpf(value.low[i]) - exact)
            if error > mpf(value.bound[i]):
                raise CheckError(f"exponential({a[i]}, {low[i]}): error {error} > {value.bound[i]}")
            worst = max(worst, error / exact)
            widest = max(widest, mpf(value.bound[i]) / exact)
    return (
        f"{len(pairs)} points a in [0, 680], |a_low| <= 2^-44: error within the bound at each, "
        f"largest 2^{float(mp.log(worst, 2)) if worst else -math.inf:.1f} relative, bound at most "
        f"2^{float(mp.log(widest, 2)):.1f} (300-bit mpmath)"
    )


def _pair(np: Any, values: Sequence[float], lows: Sequence[float]) -> tuple[Any, Any]:
    """Normalized pairs from two draws: high + low with |low| <= ulp(high)/2."""
    high = np.array(values)
    low = np.array(lows) * high * 2.0**-54
    total = high + low
    return total, (high - total) + low


def _exact(high: float, low: float) -> Fraction:
    return Fraction(high) + Fraction(low)


def _within(got: Any, index: int, exact: Fraction, what: str) -> Fraction:
    error = abs(_exact(float(got.high[index]), float(got.low[index])) - exact)
    if error > Fraction(float(got.bound[index])):
        raise CheckError(f"{what}: error {float(error)} exceeds its bound {got.bound[index]}")
    return error


@check("T7.4", "high-precision")
def t7_4_operations(profile: Profile) -> str:
    np, _, bounded = _modules()
    value = st.builds(lambda m, e: m * 2.0**e, _reals(-2, 2), st.integers(-60, 60))
    rows = _draw(
        st.tuples(value, value, _reals(-1, 1), _reals(-1, 1), _reals(0, 2.0**-80), _reals(0, 1)),
        profile.examples,
        "t7_4_operations",
    )
    rows += [(1.0, -1.0, 0.5, 0.25, 0.0, 0.0), (3.0, -3.0000000000000004, 1.0, -1.0, 0.0, 0.5)]
    ha, la = _pair(np, [r[0] for r in rows], [r[2] for r in rows])
    hb, lb = _pair(np, [r[1] for r in rows], [r[3] for r in rows])
    ba = np.array([r[4] for r in rows]) * np.abs(ha)
    bb = np.zeros_like(hb)
    a, b = bounded.Approx(ha, la, ba), bounded.Approx(hb, lb, bb)
    positive = bounded.Approx(np.abs(hb) + 1.0, lb, bb)
    results = {
        "multiply": (bounded.multiply(a, b), lambda x, y, i: x * y),
        "add": (bounded.add(a, b), lambda x, y, i: x + y),
        "divide": (
            bounded.divide(a, positive),
            lambda x, y, i: x / _exact(positive.high[i], lb[i]),
        ),
        "mean": (bounded.mean(a, 7), lambda x, y, i: x / 7),
        "step": (bounded.step(hb, a, 0.375), lambda x, y, i: Fraction(hb[i]) - Fraction(3, 8) * x),
    }
    checked = 0
    with np.errstate(all="ignore"):
        for i, row in enumerate(rows):
            # the exact operand a sits anywhere within its bound: at the drawn fraction of it
            exact_a = _exact(ha[i], la[i]) + Fraction(ba[i]) * Fraction(row[5])
            exact_b = _exact(hb[i], lb[i])
            for name, (got, operation) in results.items():
                _within(got, i, operation(exact_a, exact_b, i), f"{name} at row {i}")
                checked += 1
        sums = bounded.total(bounded.Approx(ha, la, ba))
        exact_sum = sum(_exact(high, low) for high, low in zip(ha, la, strict=True))
        _within(bounded.Approx(*(np.atleast_1d(v) for v in sums)), 0, exact_sum, "total")
    return (
        f"{checked} results of multiply, add, divide, mean and step, and a total of "
        f"{len(rows)} double words, within their bounds of the exact rational results "
        "(operands from 2^-60 to 2^60, cancelling sums included)"
    )


@check("T7.4", "high-precision")
def t7_4_dot_exact(profile: Profile) -> str:
    np, _, bounded = _modules()
    shapes = _draw(
        st.tuples(st.integers(1, 3), st.integers(1, 80), st.integers(1, 3), st.integers(0, 2**32)),
        max(profile.examples // 10, 10),
        "t7_4_dot",
    )
    products = 0
    for rows, inner, columns, seed in shapes:
        rng = np.random.default_rng(seed)
        a = rng.normal(size=(rows, inner)) * 2.0 ** rng.integers(-40, 40, size=(rows, inner))
        b = rng.normal(size=(inner, columns)) * 2.0 ** rng.integers(-40, 40, size=(inner, columns))
        a_low = a * rng.uniform(-(2.0**-54), 2.0**-54, size=a.shape)
        high = a + a_low
        low = (a - high) + a_low
        bits = bounded._bits(inner)
        a_e = bounded._exponents(np.max(np.abs(high), 1, keepdims=True))[0]
        b_e = bounded._exponents(np.max(np.abs(b), 0, keepdims=True))[0]
        a_parts, _ = bounded._slices(high, a_e, bits)
        b_parts, _ = bounded._slices(b, b_e, bits)
        for level, got in enumerate(bounded.levels(a_parts, b_parts), start=2):
            chosen = range(max(1, level - 3), min(3, level - 1) + 1)
            for r in range(rows):
                for c in range(columns):
                    exact = sum(
                        Fraction(a_parts[s - 1][r, k]) * Fraction(b_parts[level - s - 1][k, c])
                        for s in chosen
                        for k in range(inner)
                    )
                    if Fraction(got[r, c]) != exact:
                        raise CheckError(f"a level of slice products is not exact (K = {inner})")
                    products += 1
        result = bounded.dot(bounded.Approx(high, low, np.zeros_like(high)), b)
        for r in range(rows):
            for c in range(columns):
                exact = sum(_exact(high[r, k], low[r, k]) * Fraction(b[k, c]) for k in range(inner))
                error = abs(_exact(result.high[r, c], result.low[r, c]) - exact)
                if error > Fraction(float(result.bound[r, c])):
                    raise CheckError(f"dot at K = {inner}: error {float(error)} > bound")
    return (
        f"{len(shapes)} products (K up to 80, entries from 2^-40 to 2^40): all {products} "
        "entries of the level sums of slice products exact as computed by BLAS, and every "
        "result within its "
        "bound of the exact rational product"
    )


@check("T7.4", "high-precision")
def t7_4_activation(profile: Profile) -> str:
    np, _, bounded = _modules()
    rows = _draw(
        st.tuples(
            _reals(-60, 60),
            _reals(-1, 1),
            _reals(-1, 2),
            st.sampled_from([0.0, 2.0**-60]),
            _reals(-1, 1),
        ),
        profile.examples,
        "t7_4_activation",
    )
    rows += [
        (0.0, 0.0, 0.5, 0.0, 0.0),
        (679.5, 0.3, 1.0, 0.0, 0.0),
        (-36.7, 0.0, 0.0, 2.0**-60, 1.0),
    ]
    high = np.array([r[0] for r in rows])
    low = np.array([r[1] for r in rows]) * np.abs(high) * 2.0**-54
    high, low = high + low, (high - (high + low)) + low
    shift = np.array([r[3] for r in rows])
    t = np.array([r[2] for r in rows])
    layer = bounded.activation(bounded.Approx(high, low, shift), t)
    with mp.workprec(300):
        for i, row in enumerate(rows):
            z = mpf(high[i]) + mpf(low[i]) + mpf(shift[i]) * mpf(row[4])
            sigma = _sigma(z)
            # σ(z) − t as (1 − t) − σ(−z) for z > 0: no cancellation at 300 bits either
            residual = (1 - mpf(t[i])) - _sigma(-z) if z > 0 else sigma - mpf(t[i])
            for name, got, exact in (
                ("σ", layer.output, sigma),
                ("σ − t", layer.residual, residual),
                ("σ'", layer.slope, sigma * _sigma(-z)),
            ):
                error = abs(mpf(got.high[i]) + mpf(got.low[i]) - exact)
                if error > mpf(got.bound[i]):
                    raise CheckError(
                        f"{name} at z = {z}, t = {t[i]}: error {error} > {got.bound[i]}"
                    )
    return (
        f"{len(rows)} pre-activations in [-60, 60] (and ±680), known exactly or to 2^-60: σ, "
        "σ − t and σ' within their bounds of 300-bit mpmath"
    )
