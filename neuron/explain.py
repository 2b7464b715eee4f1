"""``neuron explain``: one gradient step of the neuron, worked out for the numbers you give.

Every intermediate of the chain rule (z, y, E, dE/dy, dy/dz, dz/dw, dE/dw, the new weight and
its loss) is shown with its exact value at the float64 inputs (the mpmath oracle,
``neuron.exact``), the float64 value the reference computes (``neuron.reference``, through its
public functions only) and the error of that float in ulps, with the theorem of proofs/ that
the step instantiates. The text reads like a textbook's worked example.
"""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from dataclasses import dataclass
from decimal import Decimal

import mpmath
import numpy as np

from neuron import exact, reference
from neuron.numerics.bounds import CURVATURE_C
from neuron.numerics.ulp import ExactValues, ulp, ulp_errors

__all__ = ["DIGITS", "Quantity", "add_arguments", "intermediates", "run", "worked_example"]

#: Significant digits shown of each exact value.
DIGITS = 20

_WIDTH = 92  # characters per line of prose
_NO_BREAK = "\u00a0"  # joins words that textwrap must keep on one line
_BITS = 96  # relative accuracy of the exact values computed for display, comfortably > DIGITS


@dataclass(frozen=True)
class Quantity:
    """One number of the worked example.

    `exact` is the real-number value at the float64 inputs (to 2^−96 relative; the limit
    where an input is infinite), `float64` what the reference computes, `ulps` its error.
    `theorem` is the id of proofs/ the step instantiates, or "definition".
    """

    symbol: str
    formula: str
    theorem: str
    exact: mpmath.mpf
    float64: float
    ulps: float


def _oracle(name: str, args: tuple[float, ...]) -> tuple[mpmath.mpf, ExactValues]:
    """The exact value (for display) and the oracle's ExactValues (for the ulp error)."""
    values = exact.values(name, *args)
    if all(math.isfinite(a) for a in args):
        return exact.value(name, *args, bits=_BITS), values
    return mpmath.mpf(float(values.rounded)), values


def intermediates(w: float, x: float, t: float, lr: float) -> dict[str, Quantity]:
    """The quantities of one step at finite w, x, t and finite positive lr, by symbol."""
    z = w * x  # float64 product; the reference itself keeps w·x exact
    y = float(reference.forward(w, x))
    w_new = float(reference.step(w, x, t, lr))
    # (symbol, formula, theorem, oracle function and arguments, float64 from the reference)
    rows: list[tuple[str, str, str, str, tuple[float, ...], float]] = [
        ("z", "w·x", "definition", "product", (w, x), z),
        ("y", "σ(z) = 1/(1 + e^(−z))", "definition", "forward", (w, x), y),
        ("E", "½(t − y)²", "definition", "objective", (w, x, t), float(reference.loss(y, t))),
        ("dE/dy", "−(t − y)", "T1.1", "output_error", (w, x, t), y - t),
        (
            "dy/dz",
            "σ'(z) = σ(z)(1 − σ(z))",
            "T1.2",
            "forward_prime",
            (w, x),
            float(reference.sigmoid_prime(z)),
        ),
        ("dz/dw", "x", "T1.3", "", (x,), x),
        (
            "dE/dw",
            "dE/dy · dy/dz · dz/dw",
            "T1.4",
            "gradient",
            (w, x, t),
            float(reference.gradient(w, x, t)),
        ),
        ("w'", "w − η·dE/dw", "definition", "step", (w, x, t, lr), w_new),
        (
            "E'",
            "½(t − σ(w'·x))²",
            "T4.1",
            "objective",
            (w_new, x, t),
            float(reference.loss(reference.forward(w_new, x), t)),
        ),
    ]
    quantities = {}
    for symbol, formula, theorem, name, args, computed in rows:
        if name:
            value, values = _oracle(name, args)
        else:  # dz/dw = x: the input itself, exact by definition
            value = mpmath.mpf(x)
            values = ExactValues(np.asarray(x), np.asarray(x), ulp(x), np.asarray(0.0))
        error = float(ulp_errors(computed, values))
        quantities[symbol] = Quantity(symbol, formula, theorem, value, computed, error)
    return quantities


def _number(value: mpmath.mpf) -> str:
    return str(mpmath.nstr(value, DIGITS))


def _block(q: Quantity) -> list[str]:
    label = f"{q.symbol} = {q.formula}"
    return [
        f"    {label:<52}{q.theorem}",
        f"        exact    {_number(q.exact)}",
        f"        float64  {q.float64!r:<28}error {q.ulps:.3g} ulp",
    ]


def _stored_as(name: str, text: str, value: float) -> list[str]:
    """A note when the decimal typed is not a float64 (0.1 is not): the nearest one is used."""
    if Decimal(text) == Decimal(value):
        return []
    exactly = Decimal(value)
    shown = f"{exactly:.25g}"
    nearest = shown if Decimal(shown) == exactly else f"≈ {shown}"
    return [f"  ({name} = {text} is not a float64; the nearest one, {nearest}, is used.)"]


def _paragraph(*sentences: str) -> list[str]:
    """The sentences wrapped to _WIDTH and indented; never broken inside a _together() span."""
    lines = textwrap.wrap(
        " ".join(sentences), width=_WIDTH, initial_indent="  ", subsequent_indent="  "
    )
    return [line.replace(_NO_BREAK, " ") for line in lines]


def _together(*words: object) -> str:
    return _NO_BREAK.join(str(w) for w in words)


def _descent(q: dict[str, Quantity], w: float, x: float, t: float, lr: float) -> list[str]:
    """What the descent lemma (T4.1) says about this step, and where repeated steps lead (T4.3)."""
    change = q["E'"].exact - q["E"].exact
    if change < 0:
        said = [f"The loss fell by {mpmath.nstr(-change, 6)}."]
    elif change > 0:
        said = [f"The loss rose by {mpmath.nstr(change, 6)}."]
    else:
        said = ["The loss did not change."]
    if q["w'"].float64 == w and q["w'"].exact != w:
        said.append("The step is at most half an ulp of w, so the float64 w' is w itself.")
    if not 0 <= t <= 1:
        said.append(
            "The target lies outside [0, 1], where the curvature bound C of T3.2 does not hold"
            " (T3.3 says how it grows), so the descent lemma makes no promise here."
        )
        return _paragraph(*said)
    if not math.isfinite(q["w'"].float64):
        said.append("The step overflowed float64, so there is no new loss to bound.")
        return _paragraph(*said)
    with mpmath.workprec(_BITS + 64):
        delta = mpmath.fsub(q["w'"].float64, w, exact=True)
        c = mpmath.mpf(CURVATURE_C)
        x2 = mpmath.mpf(x) ** 2
        bound = q["E"].exact + q["dE/dw"].exact * delta + c * x2 / 2 * delta**2
        moved = _together("Δ", "=", "w'", "−", "w", "=", mpmath.nstr(delta, 6))
        bounded = _together("E'", "≤", mpmath.nstr(bound, 10))
        said.append(
            "The descent lemma (T4.1) bounds the loss after any change Δ of the weight when t"
            f" is in [0, 1]: {_together('E(w', '+', 'Δ)', '≤', 'E', '+', 'dE/dw·Δ', '+')}"
            f" {_together('(C·x²/2)·Δ²,')} with the curvature constant"
            f" {_together('C', '=', f'{CURVATURE_C:.5f}')} of T3.2. This step moved w by"
            f" {moved}, so {bounded}."
        )
        if x == 0:
            said.append(
                f"With {_together('x', '=', 0)} the loss does not depend on w: any η is safe."
            )
            return _paragraph(*said)
        limit = 2 / (c * x2)
        if lr <= limit:
            said.append(
                f"Because {_together('η', '=', repr(lr), '≤', '2/(C·x²)', '=')}"
                f" {mpmath.nstr(limit, 6)}, that bound is at most E: a step this short cannot"
                " raise the loss."
            )
        else:
            said.append(
                f"Here {_together('η', '=', repr(lr), '>', '2/(C·x²)', '=')}"
                f" {mpmath.nstr(limit, 6)}: the lemma no longer promises a decrease, and a step"
                " this long can raise the loss (T4.2)."
            )
        if 0 < t < 1:
            target = mpmath.log(mpmath.mpf(t) / (1 - mpmath.mpf(t))) / x
            safe = _together("η", "≤", "1/(C·x²)", "=", mpmath.nstr(limit / 2, 6))
            minimum = _together("w*", "=", "logit(t)/x", "=", mpmath.nstr(target, 10))
            said.append(
                f"Repeated steps with {safe} approach the minimum {minimum} without overshooting"
                " it (T4.3)."
            )
    return _paragraph(*said)


def worked_example(w: float, x: float, t: float, lr: float, typed: dict[str, str]) -> str:
    """The worked example as text; `typed` holds the numbers as the user wrote them."""
    q = intermediates(w, x, t, lr)
    product = q["dE/dy"].float64 * q["dy/dz"].float64 * x
    chained = float(ulp_errors(product, exact.values("gradient", w, x, t)))
    rounded_z = (
        ["(The float64 is σ' at the rounded z, so it carries z's rounding error too.)"]
        if q["z"].ulps
        else []
    )
    lines = [
        "One gradient step of the neuron y = σ(w·x) with loss E = ½(t − y)², worked out at",
        f"w = {typed['w']}, x = {typed['x']}, t = {typed['t']} and learning rate"
        f" η = {typed['lr']}.",
    ]
    for name in ("w", "x", "t", "lr"):
        lines += _stored_as(name, typed[name], {"w": w, "x": x, "t": t, "lr": lr}[name])
    lines += [
        "",
        *textwrap.wrap(
            "Each number appears twice: exact, as the real-number value at these float64 inputs"
            f" (the mpmath oracle, {DIGITS} significant digits), and as the float64 the"
            " reference computes, with the gap between the two in ulps (units in the last place"
            " of the exact value; 0.5 ulp is as close as a float64 can get). On the right: the"
            " theorem of proofs/ that the line instantiates.",
            width=_WIDTH,
        ),
        "",
        "Forward pass",
        "",
        *_paragraph(
            "The neuron weighs its input. The reference keeps this product exact; the float64"
            " shown is the product rounded once."
        ),
        *_block(q["z"]),
        *_paragraph("The sigmoid squashes z into the open interval (0, 1) (T2.4): the output."),
        *_block(q["y"]),
        *_paragraph(
            "The loss measures how far the output is from the target. Its float64 is the loss"
            " of the rounded y, so y's rounding error is carried in, magnified where t − y"
            " cancels."
        ),
        *_block(q["E"]),
        "",
        "Backward pass: the chain rule, one factor at a time",
        "",
        *_paragraph("How the loss responds to the output: differentiate ½(t − y)² by y."),
        *_block(q["dE/dy"]),
        *_paragraph(
            "How the output responds to z: the slope of the sigmoid, written through its own"
            " value.",
            *rounded_z,
        ),
        *_block(q["dy/dz"]),
        *_paragraph("How z responds to the weight: z = w·x is linear in w."),
        *_block(q["dz/dw"]),
        *_paragraph("The chain rule multiplies the three factors: dE/dw = −(t − y)·σ'(w·x)·x."),
        *_block(q["dE/dw"]),
        *_paragraph(
            f"Multiplying the three float64 factors above gives {product!r}, {chained:.3g} ulp"
            " from the exact value; the reference rounds only once, at the end."
        ),
        "",
        "The update",
        "",
        *_paragraph(
            "Gradient descent moves the weight against the gradient, scaled by the learning rate."
        ),
        *_block(q["w'"]),
        *_paragraph("The loss at the new weight (the float64 w' above), computed as E was:"),
        *_block(q["E'"]),
        *_descent(q, w, x, t, lr),
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``neuron explain`` (numbers are parsed by `run`, for one-line errors)."""
    parser.description = (
        "Work one gradient step of the neuron y = σ(w·x), E = ½(t − y)² through for the numbers "
        "given: every intermediate of the chain rule exact, in float64 and in ulps, with the "
        "theorem it instantiates. Write a negative number as --w=-0.5."
    )
    parser.add_argument("--w", required=True, help="the weight")
    parser.add_argument("--x", required=True, help="the input")
    parser.add_argument("--t", required=True, help="the target")
    parser.add_argument("--lr", default="0.5", help="the learning rate η (default 0.5)")


class _BadNumberError(ValueError):
    pass


def _parse(name: str, text: str, positive: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _BadNumberError(f"--{name} must be a number, got {text!r}") from None
    if positive and not (math.isfinite(value) and value > 0):
        raise _BadNumberError(f"--{name} must be finite and positive, got {text!r}")
    if not math.isfinite(value):
        raise _BadNumberError(f"--{name} must be a finite float64, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    """Run ``neuron explain`` with parsed options; return the exit status."""
    typed = {"w": args.w, "x": args.x, "t": args.t, "lr": args.lr}
    try:
        w, x, t = (_parse(name, typed[name]) for name in ("w", "x", "t"))
        lr = _parse("lr", typed["lr"], positive=True)
    except _BadNumberError as error:
        print(f"neuron: error: {error}", file=sys.stderr)
        return 2
    print(worked_example(w, x, t, lr, typed))
    return 0
