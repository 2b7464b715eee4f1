"""Checks of 06-floating-point.md, T6.1 – T6.3: the standard model and the textbook's running error
bound, the error-free transforms of the reference, and the oracle's Ziv loop."""

from __future__ import annotations

import importlib
import math
import operator
import zlib
from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import partial
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis import target as steer
from mpmath import mp, mpf
from mpmath.libmp import from_man_exp

from .. import interval
from .machinery import (
    DIGITS,
    HALF_SUBNORMAL,
    CheckError,
    Profile,
    U,
    _draw,
    _magnitudes,
    _mpf_fraction,
    _poly_to_sympy,
    _reals,
    _require_zero,
    _round_to_float64,
    _sigma,
    _sigma_prime,
    _sym_logistic,
    _sympy,
    check,
    round_fraction,
)
from .sigmoid import sigma_derivative_poly


@check("T6.1", "high-precision")
def t6_1_standard_model(profile: Profile) -> str:
    any_float = st.floats(allow_nan=False, allow_infinity=False)
    pairs = _draw(st.tuples(any_float, any_float), profile.examples, "t6_1_model")
    pairs += [(5e-324, 0.5), (2.0**-1022, 1.5), (1e308, 1.5), (3.0, 7.0), (-0.0, 5e-324)]
    operations: tuple[
        tuple[str, Callable[[float, float], float], Callable[[Fraction, Fraction], Fraction]], ...
    ] = (
        ("+", lambda a, b: a + b, lambda a, b: a + b),
        ("−", lambda a, b: a - b, lambda a, b: a - b),
        ("×", lambda a, b: a * b, lambda a, b: a * b),
        ("/", lambda a, b: a / b, lambda a, b: a / b),
    )
    checked = 0
    for a, b in pairs:
        for symbol, machine, exact_op in operations:
            if symbol == "/" and b == 0:
                continue
            exact = exact_op(Fraction(a), Fraction(b))
            result = machine(a, b)
            if math.isinf(result):
                if math.isfinite(round_fraction(exact)):
                    raise CheckError(f"{a} {symbol} {b} overflowed but its exact value is finite")
                continue
            error = abs(Fraction(result) - exact)
            if result != round_fraction(exact):
                raise CheckError(
                    f"{a} {symbol} {b} = {result} is not the nearest float to the exact value"
                )
            if not (error <= U * abs(exact) or error <= HALF_SUBNORMAL):
                raise CheckError(
                    f"{a} {symbol} {b}: error {float(error)} exceeds u|exact| and 2^-1075"
                )
            checked += 1
    return (
        f"{checked} float64 operations (+ − × /) on Hypothesis pairs: correctly rounded, |δ| ≤ "
        "2^-53 or |η| ≤ 2^-1075"
    )


@check("T6.1", "high-precision")
def t6_1_exp_within_one_ulp(profile: Profile) -> str:
    arguments = _draw(_reals(-745.0, 709.7), profile.examples, "t6_1_exp")
    arguments += [0.0, 1.0, -1.0, -708.4, -744.4, 709.78, 1e-300, -36.7]
    worst = Fraction(0)
    with mp.workprec(200):
        for x in arguments:
            result = math.exp(x)
            exact = _mpf_fraction(mp.exp(mpf(x)))
            unit = Fraction(math.ulp(result)) if result else Fraction(2**-1074)
            error = abs(Fraction(result) - exact) / unit
            if error > 1:
                raise CheckError(f"math.exp({x!r}) is {float(error):.3f} ulp from e^x")
            worst = max(worst, error)
    return (
        f"this machine's math.exp is within {float(worst):.3f} ulp at {len(arguments)} Hypothesis "
        "points of [−745, 709.7]"
    )


def _textbook() -> Any:
    """neuron.textbook: the seed's formulas as float64 programs, and their running error bound
    (imported late: it loads mpmath only, but keeps this module importable on its own)."""
    return importlib.import_module("neuron.textbook")


def _float64_exp_neg(a: float) -> float:
    """e^(−a) in float64 as the textbook evaluates it: this machine's math.exp (within one ulp,
    t6_1_exp_within_one_ulp), +inf on overflow."""
    try:
        return math.exp(-a)
    except OverflowError:  # IEEE 754 overflow: +inf
        return math.inf


def _float64(program: Any, point: dict[str, float], *, reverse: bool = False) -> float:
    """The program evaluated in float64, its products from left to right or right to left
    (the textbook's −(t − y)·y·(1 − y)·x, and autograd's r·(σ'·x))."""
    textbook = _textbook()
    values: dict[str, float] = {n: point[n] for n in program.inputs}
    for op in program.ops:
        args = [values[a] if isinstance(a, str) else a for a in op.args]
        if op.kind == "product" and reverse:
            args = args[::-1]
        values[op.name] = textbook.apply(op.kind, args, _float64_exp_neg)
    result: float = values[program.output]
    return result


def _perturbed(program: Any, symbols: dict[str, Any], exp_neg: Any) -> tuple[Any, dict[str, Any]]:
    """The program in sympy with every rounding a factor (1 + δ): the output and, per
    operation, its δ symbols. A product rounds at each multiplication but by the exact
    factor ½; the negation does not round."""
    sp = _sympy()
    textbook = _textbook()
    half = sp.Rational(1, 2)
    deltas: dict[str, list[Any]] = {}
    values: dict[str, Any] = dict(symbols)
    for op in program.ops:
        args = [values[a] if isinstance(a, str) else sp.nsimplify(a) for a in op.args]
        own = deltas.setdefault(op.name, [])
        if op.kind == "product":
            result = args[0]
            for factor in args[1:]:
                exact_scaling = half in (result, factor)
                result = result * factor
                if not exact_scaling:
                    own.append(sp.Symbol(f"delta_{op.name}_{len(own)}"))
                    result = result * (1 + own[-1])
        else:
            result = textbook.apply(op.kind, args, exp_neg)
            if op.kind != "neg":
                own.append(sp.Symbol(f"delta_{op.name}"))
                result = result * (1 + own[-1])
        values[op.name] = result
    return values[program.output], deltas


@check("T6.1", "symbolic")
def t6_1_first_order_coefficients(profile: Profile) -> str:
    sp = _sympy()
    textbook = _textbook()

    def exp_neg(a: Any) -> Any:
        return sp.exp(-a)

    X = sp.Symbol("X", positive=True)
    checked = 0
    for name, program in textbook.PROGRAMS.items():
        symbols = {n: sp.Symbol(n, real=True) for n in program.inputs}
        computed, deltas = _perturbed(program, symbols, exp_neg)
        exact_values = textbook.evaluate(program, dict(symbols), exp_neg)
        bars = textbook.adjoints(program, exact_values)
        at_zero = {d: 0 for ds in deltas.values() for d in ds}
        exponent = exact_values.get("z")
        for op in program.ops:
            if len(deltas[op.name]) != textbook.roundings(op):
                raise CheckError(f"{name}: {op.name} rounds {len(deltas[op.name])} times")
            for delta in deltas[op.name]:
                coefficient = sp.diff(computed, delta).subs(at_zero)
                difference = coefficient - bars[op.name] * exact_values[op.name]
                if exponent is not None:
                    difference = difference.subs(sp.exp(-exponent), X)
                if sp.cancel(difference) != 0 and sp.simplify(difference) != 0:
                    raise CheckError(f"{name}: ∂out/∂{delta} is not (∂out/∂{op.name})·{op.name}")
                checked += 1
            if op.exact is not None:  # 1 − σ evaluated as e/(1 + e): equal in real numbers
                kind, names = op.exact
                args = [exact_values[a] if isinstance(a, str) else a for a in names]
                if sp.simplify(textbook.apply(kind, args, exp_neg) - exact_values[op.name]) != 0:
                    raise CheckError(f"{name}: the exact form of {op.name} differs from it")
    return (
        f"sympy: for the {len(textbook.PROGRAMS)} textbook programs, each of {checked} first-order "
        "coefficients ∂out/∂δ_k = (∂out/∂v_k)·v_k, with the rounding count of every operation"
    )


def _hard_z() -> tuple[float, ...]:
    """The hard arguments of σ the gate pins (neuron.gate.strategies.HARD_Z): the floats on both
    sides of each threshold where fl(σ), fl(σ') or e^z changes behaviour, ±0 and the extremes."""
    from neuron.gate.strategies import HARD_Z

    return HARD_Z


# Where an intermediate underflows and a later factor scales it back into the normal range:
# the step at a subnormal x with a huge η (T6.1's underflow term, found by the gate's sweep).
UNDERFLOW_CORNER = {
    "w": 0.0,
    "x": -2.87931382354684e-309,
    "t": 0.09632050324335584,
    "lr": 8.5657776616743e234,
    "z": 0.0,
    "y": 0.5,
}


@st.composite
def _textbook_inputs(draw: st.DrawFn) -> dict[str, float]:
    """w, x, t, lr (and z, y) over the whole float64 range, with the hard regions of σ and
    the corners where an intermediate underflows favoured: subnormal and huge x, t outside
    [0, 1] up to 1e308, learning rates from 2^−1074 to 2^1023, and t within ulps of y."""
    sign = draw(st.sampled_from((-1.0, 1.0)))
    z_target = draw(
        st.one_of(
            _reals(-800, 800),
            st.builds(lambda c, off: sign * c + off, st.sampled_from(_hard_z()), _reals(-0.5, 0.5)),
            _magnitudes(-1074, 1023),
            st.just(0.0),  # w = 0: nothing but the scaled-back underflow in the step
        )
    )
    x = draw(
        st.one_of(
            _magnitudes(-40, 40),
            st.just(1.0),
            _magnitudes(-1074, 1023),
            _magnitudes(-1074, -1022),  # subnormal
        )
    )
    w = z_target / x
    if not math.isfinite(w):
        w = draw(_magnitudes(-1074, 1023))
    z = w * x
    y_guess = _float64_exp_neg(z)
    y_float = 1.0 / (1.0 + y_guess)
    t = draw(
        st.one_of(
            _reals(0, 1),
            _reals(-3, 4),
            _magnitudes(-1074, 1023),
            st.builds(lambda k: y_float + k * math.ulp(y_float), st.integers(-4, 4)),
        )
    )
    lr = draw(st.one_of(_magnitudes(-10, 10), _magnitudes(-1074, 1023)).map(abs))
    return {"w": w, "x": x, "t": t, "lr": lr, "z": z, "y": draw(_reals(0, 1))}


@st.composite
def _underflow_corners(draw: st.DrawFn) -> dict[str, float]:
    """Where a product underflows and a later factor brings it back: dE/dw subnormal (x
    subnormal or tiny, z moderate or 0) times a learning rate large enough that the step is a
    normal float; or y subnormal (z < −708) times a huge x and t."""
    if draw(st.booleans()):
        x = draw(st.one_of(_magnitudes(-1074, -1022), _magnitudes(-1022, -1000)))
        z = draw(st.one_of(st.just(0.0), _reals(-40, 40)))
        t = draw(st.one_of(_reals(-3, 4), _magnitudes(-1074, 1023)))
        lr = draw(_magnitudes(0, 1023).map(abs))
    else:
        z = draw(_reals(-745, -700))
        x = draw(_magnitudes(900, 1023))
        t = draw(st.one_of(_reals(-3, 4), _magnitudes(0, 1023)))
        lr = draw(st.one_of(_magnitudes(-10, 10), _magnitudes(-1074, 1023)).map(abs))
    w = z / x if math.isfinite(z / x) else 0.0
    return {"w": w, "x": x, "t": t, "lr": lr, "z": w * x, "y": draw(_reals(0, 1))}


def _ratio(name: str, point: dict[str, float]) -> tuple[Any, Any, Any]:
    """(error/allowed, the float64 result, the allowed error) of one textbook program at one
    point, the larger over the two product orders; None where a result is not finite."""
    textbook = _textbook()
    program = textbook.PROGRAMS[name]
    bound = textbook.running_error(program, {n: point[n] for n in program.inputs})
    worst = (mpf(0), 0.0, bound.allowed())
    for reverse in (False, True):
        computed = _float64(program, point, reverse=reverse)
        if not math.isfinite(computed):
            return None, computed, bound.allowed()  # an overflow: the policy's overflow_sign
        error = abs(mpf(computed) - bound.exact)
        allowed = bound.allowed()
        ratio = error / allowed if allowed else (mpf(0) if error == 0 else mp.inf)
        if ratio > worst[0]:
            worst = (ratio, computed, allowed)
    return worst


@check("T6.1", "high-precision")
def t6_1_running_error_textbook(profile: Profile) -> str:
    textbook = _textbook()
    points = _draw(_textbook_inputs(), profile.examples, "t6_1_textbook")
    points += _draw(_underflow_corners(), profile.examples // 2, "t6_1_corners")
    points += [
        {"w": 0.0, "x": 3.0, "t": 0.5, "lr": 1.0, "z": 0.0, "y": 0.5},
        {"w": 1e-300, "x": 1e300, "t": 1.0, "lr": 0.1, "z": 745.5, "y": 1.0},
        {"w": -2.0, "x": 400.0, "t": 0.0, "lr": 1.0, "z": -709.9, "y": 5e-324},
        {"w": 40.0, "x": 1.0, "t": 1.0, "lr": 1.0, "z": 40.0, "y": 1.0},
        # found by the thorough profile: y rounds to 1, and the signed adjoint of y nearly
        # cancels between its paths through t − y and 1 − y (T6.1, why B uses A_k)
        {
            "w": 26270883293.86667,
            "x": 1.3969838619232178e-09,
            "t": 0.9999999999999998,
            "lr": 1.0,
            "z": 36.7,
            "y": 1.0,
        },
        UNDERFLOW_CORNER,
    ]
    worst = {name: mpf(0) for name in textbook.PROGRAMS}
    overflows = 0
    with mp.workdps(DIGITS):
        for point in points:
            for name, program in textbook.PROGRAMS.items():
                ratio, computed, allowed = _ratio(name, point)
                if ratio is None:
                    overflows += 1
                    continue
                if ratio > 1:
                    raise CheckError(
                        f"{name}{tuple(point[n] for n in program.inputs)}: float64 "
                        f"{computed!r}, error/allowed {mp.nstr(ratio, 5)} > 1 "
                        f"(allowed {mp.nstr(allowed, 5)})"
                    )
                worst[name] = max(worst[name], ratio)
    ratios = ", ".join(f"{name} {mp.nstr(r, 3)}" for name, r in worst.items())
    return (
        f"{len(points)} Hypothesis points over the whole float64 range, both product orders: "
        f"textbook float64 error within 2·rounding + underflow everywhere ({overflows} overflowing "
        f"results set aside); largest error/allowed: {ratios}"
    )


def _violation_search(name: str, examples: int) -> Any:
    """The largest error/allowed a target()-steered Hypothesis search finds for one program."""
    textbook = _textbook()
    program = textbook.PROGRAMS[name]
    worst = [mpf(0)]

    @seed(zlib.crc32(f"t6_1_search_{name}".encode()))
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.target),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(_textbook_inputs(), _underflow_corners()))
    def search(point: dict[str, float]) -> None:
        with mp.workdps(DIGITS):
            ratio, computed, _ = _ratio(name, point)
        if ratio is None:
            return
        steer(float(ratio), label=name)
        worst[0] = max(worst[0], ratio)
        if ratio > 1:
            raise CheckError(
                f"{name}{tuple(point[n] for n in program.inputs)}: float64 {computed!r}, "
                f"error/allowed {mp.nstr(ratio, 5)} > 1"
            )

    search()
    return worst[0]


@check("T6.1", "high-precision")
def t6_1_no_violation_search(profile: Profile) -> str:
    textbook = _textbook()
    found = {name: _violation_search(name, profile.examples) for name in textbook.PROGRAMS}
    ratios = ", ".join(f"{name} {mp.nstr(r, 3)}" for name, r in found.items())
    return (
        f"a target() search of {profile.examples} examples per program, maximizing "
        f"error/allowed over the whole float64 range: no violation; largest: {ratios}"
    )


#: The share of the policy's 2R that a family member's own first-order rounding part may use
#: (T6.1(e)): the rest covers its second-order terms, a tiny fraction of R (see (d)).
FAMILY_SHARE = 0.9


@st.composite
def _ordinary_inputs(draw: st.DrawFn) -> dict[str, float]:
    """w, x, t, lr (and z, y) in the gate's ordinary domain (neuron.gate.domains): any finite
    z = w·x with the hard regions of σ favoured, w and x normal, t in [0, 1] (within ulps of
    σ(z) too), learning rates in [2^−40, 2^20]."""
    sign = draw(st.sampled_from((-1.0, 1.0)))
    z_target = draw(
        st.one_of(
            _reals(-800, 800),
            st.builds(lambda c, off: sign * c + off, st.sampled_from(_hard_z()), _reals(-0.5, 0.5)),
            _magnitudes(-60, 1023),
        )
    )
    x = draw(st.one_of(_magnitudes(-40, 40), _magnitudes(-1000, 1000)))
    w = z_target / x
    if not (math.isfinite(w) and abs(w) >= 2.0**-1022):
        w, x = z_target, 1.0  # a normal w (|z| >= 2^-60 or so), x = 1
    z = w * x
    y_float = 1.0 / (1.0 + _float64_exp_neg(z))
    near = st.builds(lambda k: y_float + k * math.ulp(y_float), st.integers(-4, 4))
    t = draw(
        st.one_of(_reals(0, 1), st.sampled_from((0.0, 1.0)), near).map(
            lambda v: min(max(v, 0.0), 1.0)
        )
    )
    rates = _domains().LEARNING_RATES
    lr = draw(_magnitudes(int(math.log2(rates.low)), int(math.log2(rates.high))).map(abs))
    return {"w": w, "x": x, "t": t, "lr": lr, "z": z, "y": draw(_reals(0, 1))}


def _domains() -> Any:
    """neuron.gate.domains, the definition of the ordinary domain (imported late, as
    neuron.textbook is)."""
    return importlib.import_module("neuron.gate.domains")


def _on_branch(where: str, z: float) -> bool:
    return where == "any" or (z >= 0 if where == "z >= 0" else z < 0)


@check("T6.1", "high-precision")
def t6_1_family_within_the_textbook_bound(profile: Profile) -> str:
    textbook = _textbook()
    ordinary = _domains().is_ordinary
    inputs = _ordinary_inputs().filter(
        lambda p: bool(ordinary(("w", "x", "t", "lr"), (p["w"], p["x"], p["t"], p["lr"])))
    )
    points = _draw(inputs, profile.examples, "t6_1_family")
    share: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    with mp.workdps(DIGITS):
        for point in points:
            for name, variants in textbook.FAMILY.items():
                program = textbook.PROGRAMS[name]
                inputs = {n: point[n] for n in program.inputs}
                z = point["z"] if "w" in inputs else inputs.get("z", 0.0)
                bound = textbook.running_error(program, inputs)
                for variant in (v for v in variants if _on_branch(v.where, z)):
                    key = f"{name} ({variant.name})"
                    own = textbook.running_error(variant.program, inputs)
                    # the same function: equal values, up to what 128-bit intermediates
                    # leave (about R·2^−75; more where t − y cancels)
                    spread = (own.rounding + bound.rounding) * mpf(2) ** -60
                    if abs(own.exact - bound.exact) > spread:
                        raise CheckError(f"{key} is not {name} at {inputs}")
                    # R' <= share·2R: the variant's rounding part within the policy's, with
                    # (1 − share)·2R left for its second-order terms
                    used = own.rounding / (2 * bound.rounding)
                    if used > FAMILY_SHARE:
                        raise CheckError(
                            f"{key} at {inputs}: rounding part {mp.nstr(own.rounding, 5)} > "
                            f"{FAMILY_SHARE}·2·{mp.nstr(bound.rounding, 5)}"
                        )
                    share[key] = max(share.get(key, mpf(0)), used)
                    for reverse in (False, True):  # and the float64 evaluations themselves
                        computed = _float64(variant.program, inputs, reverse=reverse)
                        if not math.isfinite(computed):
                            continue  # an exponential that overflows: the policy's overflow rule
                        error = abs(mpf(computed) - bound.exact)
                        if error > bound.allowed():
                            raise CheckError(f"{key} at {inputs}: float64 {computed!r} off")
                        ratio = error / bound.allowed() if bound.allowed() else mpf(0)
                        errors[key] = max(errors.get(key, mpf(0)), ratio)
    largest_share = max(share.values())
    largest_error = max(errors.values())
    return (
        f"{len(share)} evaluation orders at {len(points)} Hypothesis points of the ordinary "
        f"domain: each one's rounding part R' within {mp.nstr(largest_share, 3)}·2R of the "
        f"textbook's (at most {FAMILY_SHARE}·2R), its float64 errors (both product orders) "
        f"at most {mp.nstr(largest_error, 3)} of the allowance 2R + F"
    )


def _check_error_free(
    name: str,
    transform: Callable[[Any, Any], tuple[Any, Any]],
    operation: Callable[[Any, Any], Any],
    pairs: Sequence[tuple[float, float]],
) -> None:
    """Run a shipped error-free transform of neuron.numerics.doubleword on every pair at once
    (it is vectorized) and require, in exact rationals, head = fl(a ∘ b) and head + tail = a ∘ b."""
    import numpy as np

    a = np.array([pair[0] for pair in pairs], dtype=np.float64)
    b = np.array([pair[1] for pair in pairs], dtype=np.float64)
    heads, tails = transform(a, b)
    for (x, y), head, tail in zip(pairs, heads.tolist(), tails.tolist(), strict=True):
        exact = operation(Fraction(x), Fraction(y))
        if head != operation(x, y) or Fraction(head) + Fraction(tail) != exact:
            raise CheckError(f"{name}({x!r}, {y!r}) = ({head!r}, {tail!r}) is not exact")


@check("T6.2", "high-precision")
def t6_2_two_sum_exact(profile: Profile) -> str:
    from neuron.numerics import doubleword

    finite = st.floats(
        allow_nan=False, allow_infinity=False, min_value=-(2.0**1020), max_value=2.0**1020
    )
    pairs = _draw(st.tuples(finite, finite), profile.examples, "t6_2_sum")
    pairs += [(1.0, 2.0**-60), (0.5, -0.49999999999999994), (5e-324, 1e-310), (1e300, -1e284)]
    _check_error_free("two_sum", doubleword.two_sum, operator.add, pairs)
    return (
        f"neuron.numerics.doubleword.two_sum (Knuth's TwoSum): s + e = a + b exactly, "
        f"s = fl(a + b), at {len(pairs)} Hypothesis pairs (|a|, |b| ≤ 2^1020)"
    )


@check("T6.2", "high-precision")
def t6_2_two_product_exact(profile: Profile) -> str:
    from neuron.numerics import doubleword

    pairs = _draw(
        st.tuples(_magnitudes(-480, 480), _magnitudes(-480, 480)), profile.examples, "t6_2_product"
    )
    pairs += [(1.0 + 2.0**-52, 1.0 - 2.0**-53), (3.0, 1.0 / 3.0), (2.0**-480, 2.0**-480)]
    _check_error_free("two_product", doubleword.two_product, operator.mul, pairs)
    return (
        f"neuron.numerics.doubleword.two_product (Dekker's TwoProduct): p + e = a·b exactly, "
        f"p = fl(a·b), at {len(pairs)} Hypothesis pairs with |a|, |b| in [2^-480, 2^480]"
    )


@check("T6.2", "symbolic")
def t6_2_stable_branches(profile: Profile) -> str:
    sp = _sympy()
    a = sp.symbols("a", nonnegative=True)  # a = |z|
    s = sp.symbols("s", real=True)
    sigma = partial(_sym_logistic, sp)
    _require_zero(1 / (1 + sp.exp(-a)) - sigma(a), "σ(z) for z ≥ 0")
    _require_zero(sp.exp(-a) / (1 + sp.exp(-a)) - sigma(-a), "σ(z) for z < 0")
    slope = sp.exp(-a) / (1 + sp.exp(-a)) ** 2
    for z in (a, -a):
        _require_zero(slope - sigma(z) * (1 - sigma(z)), "σ'(z) = e^(−|z|)/(1 + e^(−|z|))²")
    p1, p2, p3 = (_poly_to_sympy(sigma_derivative_poly(k), sp, s) for k in (1, 2, 3))
    _require_zero(p1 - p2 - 2 * s**2 * (1 - s), "σ' − σ'' − 2s²(1 − s)")
    _require_zero(p1 + p2 - 2 * s * (1 - s) ** 2, "σ' + σ'' − 2s(1 − s)²")
    _require_zero(p1 - p3 - 6 * s**2 * (1 - s) ** 2, "σ' − σ''' − 6s²(1 − s)²")
    _require_zero(
        p1 + p3 - s * (1 - s) * (6 * (s - sp.Rational(1, 2)) ** 2 + sp.Rational(1, 2)),
        "σ' + σ''' − s(1−s)(6(s − 1/2)² + 1/2)",
    )
    return (
        "sympy: the stable branches equal σ and σ' for z ≥ 0 and z < 0; σ' ∓ σ'' ≥ 0 and σ' ∓ σ''' "
        "≥ 0 as sums of squares"
    )


@check("T6.2", "high-precision")
def t6_2_first_order_correction(profile: Profile) -> str:
    strategy = st.tuples(_reals(-745, 745), _reals(-1, 1))
    points = _draw(strategy, profile.examples, "t6_2_correction")
    worst = mpf(0)
    with mp.workdps(DIGITS + 80):
        for p, theta in points:
            pm = mpf(p)
            e = mpf(theta) * abs(pm) * mpf(2) ** -53
            s, sp1 = _sigma(pm), _sigma_prime(pm)
            sp2 = sp1 * (1 - 2 * s)
            allowance = e**2 / 2 * sp1 * mp.exp(abs(e))
            for name, remainder in (
                ("σ", _sigma(pm + e) - s - sp1 * e),
                ("σ'", _sigma_prime(pm + e) - sp1 - sp2 * e),
            ):
                if (
                    abs(remainder)
                    > allowance * (1 + mpf(10) ** -40) + mpf(10) ** (-DIGITS - 60) * s
                ):
                    raise CheckError(
                        f"{name}(p + e) at p={p}, e={e}: remainder {remainder} > {allowance}"
                    )
            if s > 0:
                worst = max(worst, allowance / s)
    return (
        "|σ(p+e) − σ(p) − σ'(p)e| and |σ'(p+e) − σ'(p) − σ''(p)e| ≤ (e²/2)σ'(p)e^|e| at "
        f"{len(points)} Hypothesis "
        f"(p, |e| ≤ 2^-53|p|); relative to σ(p) at most {mp.nstr(worst, 3)}"
    )


@check("T6.3", "symbolic")
def t6_3_transcendence_polynomials(profile: Profile) -> str:
    sp = _sympy()
    X, q, t, x, w, lr = sp.symbols("X q t x w lr", real=True)
    sigma = 1 / (1 + X)
    slope = X / (1 + X) ** 2
    gradient = -(t - sigma) * slope * x
    _require_zero(
        sp.diff(sigma.subs(X, sp.exp(-sp.Symbol("z"))), sp.Symbol("z"))
        - slope.subs(X, sp.exp(-sp.Symbol("z"))),
        "σ' in X",
    )
    _require_zero(
        gradient - x * X * (1 - t - t * X) / (1 + X) ** 3, "g as a rational function of X"
    )
    relations = {
        "σ": sp.numer(sp.together(sigma - q)),
        "σ'": sp.numer(sp.together(slope - q)),
        "g": sp.numer(sp.together(gradient - q)),
        "w'": sp.numer(sp.together(w - lr * gradient - q)),
    }
    conditions = {"σ": (), "σ'": (), "g": (x,), "w'": (x, lr)}
    for name, relation in relations.items():
        coefficients = sp.Poly(relation, X).all_coeffs()
        unknowns = [q, *conditions[name]]
        solutions = sp.solve(coefficients, unknowns, dict=True)
        for solution in solutions:
            if not any(solution.get(var, None) == 0 for var in conditions[name]):
                raise CheckError(f"the relation for {name} = q vanishes identically for {solution}")
    return (
        "sympy: with X = e^(−z), σ = q, σ' = q, g = q and w' = q are nonzero polynomial equations "
        "in X "
        "with rational coefficients unless x = 0 (or lr = 0)"
    )


@check("T6.3", "high-precision")
def t6_3_rounding_is_nearest(profile: Profile) -> str:
    from neuron.numerics.ulp import round_mpf

    strategy = st.builds(
        lambda m, e: Fraction(m) * Fraction(2) ** e,
        st.integers(-(2**80), 2**80),
        st.integers(-1200, 960),
    )
    values = _draw(strategy, profile.examples, "t6_3_round")
    values += [
        Fraction(2**1024 - 2**970),
        Fraction(2**1024 - 2**970 - 1),
        Fraction(1, 2**1075),
        Fraction(3, 2**1076),
    ]
    values.sort()
    previous = -math.inf
    for q in values:
        r = round_fraction(q)
        # the oracle's own rounding (neuron.exact rounds with round_mpf) must agree with it
        shipped = round_mpf(from_man_exp(q.numerator, 1 - q.denominator.bit_length()))
        if shipped != r:
            raise CheckError(f"{q}: neuron.numerics.ulp.round_mpf gives {shipped!r}, not {r!r}")
        if r < previous:
            raise CheckError(f"rounding is not monotone at {q}")
        previous = r
        if math.isinf(r):
            if abs(q) < Fraction(2**1024 - 2**970):
                raise CheckError(f"{q} rounded to inf below the overflow threshold")
            continue
        for neighbour in (math.nextafter(r, math.inf), math.nextafter(r, -math.inf)):
            if math.isinf(neighbour):
                continue
            gap, other = abs(Fraction(r) - q), abs(Fraction(neighbour) - q)
            if other < gap:
                raise CheckError(f"{q} rounded to {r!r}, but {neighbour!r} is nearer")
            if other == gap and (Fraction(r) / Fraction(math.ulp(r))) % 2 != 0:
                raise CheckError(f"{q} is a tie and rounded to {r!r}, whose significand is odd")
    return (
        "round to nearest float64 (ties to even, subnormals, overflow) is nearest and monotone on "
        f"{len(values)} Hypothesis rationals, and the oracle's round_mpf agrees with it on each"
    )


def _ziv_round(
    enclose: Callable[[int], interval.Interval], start: int = 64, cap: int = 1 << 14
) -> tuple[float, int]:
    """Ziv's loop: enclose at precision p, round both ends; equal → done, else double p."""
    prec = start
    while prec <= cap:
        lo, hi = enclose(prec)
        low = round_fraction(interval.to_fraction(lo))
        high = round_fraction(interval.to_fraction(hi))
        if low == high:
            return low, prec
        prec *= 2
    raise CheckError(f"Ziv's loop did not decide by {cap} bits")


#: The functions of the oracle t6_3_ziv_loop runs Ziv's loop on: (symbol, name in neuron.exact).
_ORACLE_FUNCTIONS = (("σ", "forward"), ("σ'", "forward_prime"), ("g", "gradient"))


@check("T6.3", "interval")
def t6_3_ziv_loop(profile: Profile) -> str:
    from neuron import exact

    # The gate's hard z within the drawn range: beyond |z| = 800 the 4000-bit comparison below
    # would build rationals with astronomically many bits (σ(−10^300) = e^(−10^300)).
    hard = [z for z in _hard_z() if abs(z) <= 800]
    strategy = st.tuples(
        _magnitudes(-20, 20), st.one_of(_reals(-800, 800), st.sampled_from(hard)), _reals(-1, 2)
    )
    points = _draw(strategy, max(profile.examples // 2, 10), "t6_3_ziv")
    highest = 0
    decided = 0
    for x, z_target, t in points:
        w = z_target / x
        if w == 0 or not math.isfinite(w):
            continue
        # The values to compare with, from the definitions at 4000 bits (w·x is exact there):
        # independent of neuron.exact, whose enclosures are what is checked.
        with mp.workprec(4000):
            zm = mpf(w) * mpf(x)
            reference = (
                _sigma(zm),
                _sigma_prime(zm),
                -(mpf(t) - _sigma(zm)) * _sigma_prime(zm) * mpf(x),
            )
        for (symbol, name), wanted in zip(_ORACLE_FUNCTIONS, reference, strict=True):
            args = (w, x, t) if name == "gradient" else (w, x)

            def enclose(prec: int, name: str = name, args: tuple[float, ...] = args) -> Any:
                low, high = exact.enclose(name, *args, precision=prec)
                return low._mpf_, high._mpf_

            value, prec = _ziv_round(enclose)
            expected = _round_to_float64(wanted)
            if value != expected:
                raise CheckError(
                    f"{symbol} at w={w!r}, x={x!r}: Ziv gave {value!r}, 4000-bit value rounds to "
                    f"{expected!r}"
                )
            oracle = float(exact.values(name, *args).rounded)
            if oracle != value:
                raise CheckError(
                    f"{symbol} at w={w!r}, x={x!r}: neuron.exact rounds to {oracle!r}, Ziv's loop "
                    f"on its enclosures to {value!r}"
                )
            highest = max(highest, prec)
            decided += 1
    return (
        f"Ziv's loop on neuron.exact's libmpi enclosures decided {decided} correctly rounded "
        "values of σ, σ', g at Hypothesis (w, x, t) (w·x exact, up to |wx| ≈ 800), each agreeing "
        "with a 4000-bit evaluation and with the oracle's own rounding; highest precision used "
        f"{highest} bits"
    )
