"""``neuron explain`` (neuron/explain.py): the worked example of one gradient step.

Each exact value is checked against plain mpmath arithmetic at 600 bits (not the oracle's
interval code), each float64 against the reference's public functions, and each error in ulps
against |float64 − exact|/ulp(exact) computed here.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import mpmath
import pytest

from neuron import explain, reference
from neuron.cli import main
from neuron.numerics.ulp import ulp

REPO_ROOT = Path(__file__).resolve().parents[1]
README_COMMAND = "neuron explain --w 0.5 --x 1.5 --t 0.8"

# (w, x, t, lr): the README's example, the T4.2 example (w = 1/5, x = 1, t = ½, η = 1000),
# a product w·x that is not a float64, a target outside [0, 1], and deep in the tail.
CASES = [
    (0.5, 1.5, 0.8, 0.5),
    (0.2, 1.0, 0.5, 1000.0),
    (0.1, 0.3, 0.7, 3.0),
    (0.5, 1.5, 2.0, 0.5),
    (-20.0, 1.5, 0.0, 0.5),
]


def _independent(w: float, x: float, t: float, lr: float, w_new: float) -> dict[str, mpmath.mpf]:
    """The exact quantities by plain mpmath at 600 bits, written from the seed's formulas."""
    with mpmath.workprec(600):
        wm, xm, tm = mpmath.mpf(w), mpmath.mpf(x), mpmath.mpf(t)
        z = wm * xm
        y = 1 / (1 + mpmath.exp(-z))
        slope = y * (1 - y)
        gradient = -(tm - y) * slope * xm
        y_new = 1 / (1 + mpmath.exp(-mpmath.mpf(w_new) * xm))
        return {
            "z": z,
            "y": y,
            "E": (tm - y) ** 2 / 2,
            "dE/dy": -(tm - y),
            "dy/dz": slope,
            "dz/dw": xm,
            "dE/dw": gradient,
            "w'": wm - mpmath.mpf(lr) * gradient,
            "E'": (tm - y_new) ** 2 / 2,
        }


@pytest.mark.parametrize(("w", "x", "t", "lr"), CASES)
def test_exact_values_agree_with_plain_mpmath(w: float, x: float, t: float, lr: float) -> None:
    quantities = explain.intermediates(w, x, t, lr)
    expected = _independent(w, x, t, lr, quantities["w'"].float64)
    assert list(quantities) == list(expected)
    for symbol, q in quantities.items():
        with mpmath.workprec(600):
            # the oracle's values are to 2^-96 relative; 2^-90 leaves room for nothing else
            assert abs(q.exact - expected[symbol]) <= abs(expected[symbol]) * mpmath.ldexp(
                1, -90
            ), (symbol, q.exact, expected[symbol])


@pytest.mark.parametrize(("w", "x", "t", "lr"), CASES)
def test_float64_values_come_from_the_reference(w: float, x: float, t: float, lr: float) -> None:
    q = explain.intermediates(w, x, t, lr)
    y = reference.forward(w, x)
    w_new = reference.step(w, x, t, lr)
    assert q["z"].float64 == w * x
    assert q["y"].float64 == y
    assert q["E"].float64 == reference.loss(y, t)
    assert q["dE/dy"].float64 == y - t
    assert q["dy/dz"].float64 == reference.sigmoid_prime(w * x)
    assert q["dz/dw"].float64 == x
    assert q["dE/dw"].float64 == reference.gradient(w, x, t)
    assert q["w'"].float64 == w_new
    assert q["E'"].float64 == reference.loss(reference.forward(w_new, x), t)


@pytest.mark.parametrize(("w", "x", "t", "lr"), CASES)
def test_errors_are_measured_in_ulps_of_the_exact_value(
    w: float, x: float, t: float, lr: float
) -> None:
    for symbol, q in explain.intermediates(w, x, t, lr).items():
        rounded = float(q.exact)  # the nearest float64: its ulp is the ulp of the exact value
        with mpmath.workprec(200):
            expected = abs(mpmath.mpf(q.float64) - q.exact) / float(ulp(rounded))
        assert q.ulps == pytest.approx(float(expected), rel=1e-9, abs=1e-9), symbol


def test_each_quantity_names_the_theorem_it_instantiates() -> None:
    q = explain.intermediates(0.5, 1.5, 0.8, 0.5)
    theorems = {symbol: quantity.theorem for symbol, quantity in q.items()}
    # T1.1-T1.4: the three factors and the chain rule; T4.1: the loss after the step
    assert theorems == {
        "z": "definition",
        "y": "definition",
        "E": "definition",
        "dE/dy": "T1.1",
        "dy/dz": "T1.2",
        "dz/dw": "T1.3",
        "dE/dw": "T1.4",
        "w'": "definition",
        "E'": "T4.1",
    }


def _explain(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["explain", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_worked_example_shows_every_quantity(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = _explain(capsys, "--w", "0.5", "--x", "1.5", "--t", "0.8")
    assert (status, err) == (0, "")
    q = explain.intermediates(0.5, 1.5, 0.8, 0.5)  # η = 0.5 is the default
    for quantity in q.values():
        label = f"{quantity.symbol} = {quantity.formula}"
        block = (
            rf"{re.escape(label)} +{re.escape(quantity.theorem)}\n"
            rf" +exact +{re.escape(str(mpmath.nstr(quantity.exact, explain.DIGITS)))}\n"
            rf" +float64 +{re.escape(repr(quantity.float64))} +error {quantity.ulps:.3g} ulp\n"
        )
        assert re.search(block, out), (quantity.symbol, out)


def test_docs_show_a_real_run(capsys: pytest.CaptureFixture[str]) -> None:
    page = (REPO_ROOT / "docs" / "explain.md").read_text(encoding="utf-8")
    match = re.search(rf"\$ {re.escape(README_COMMAND)}\n(.*?)\n```", page, re.DOTALL)
    assert match, f"docs/explain.md has no block starting with '$ {README_COMMAND}'"
    _, out, _ = _explain(capsys, *README_COMMAND.split()[2:])
    assert match.group(1) == out.rstrip("\n")


def test_a_decimal_that_is_not_a_float64_is_pointed_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _explain(capsys, "--w", "0.5", "--x", "1.5", "--t", "0.8")
    assert "(t = 0.8 is not a float64; the nearest one, ≈ 0.8000000000000000444089210," in out
    assert "(w = 0.5 is not" not in out


def test_a_decimal_below_the_float64_range_is_pointed_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = _explain(capsys, "--w", "1e-400", "--x", "1.5", "--t", "0.8")
    assert "(w = 1e-400 is not a float64; the nearest one, 0, is used.)" in out


def test_a_rounded_product_is_pointed_out(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _explain(capsys, "--w", "0.1", "--x", "0.3", "--t", "0.7")
    assert "The float64 is σ' at the rounded z" in out


def _said(out: str) -> str:
    """The closing paragraph, unwrapped."""
    return " ".join(
        line.strip() for line in out.split("The loss at the new weight")[1].splitlines()
    )


def test_a_short_step_is_covered_by_the_descent_lemma(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _explain(capsys, "--w", "0.5", "--x", "1.5", "--t", "0.8", "--lr", "0.5")
    said = _said(out)
    assert "The loss fell by" in said
    # 2/(C·x²) with C = 0.0770293 (T3.2) and x = 1.5: 11.5396
    assert "Because η = 0.5 ≤ 2/(C·x²) = 11.5396" in said
    # w* = logit(0.8)/1.5 = ln 4/1.5 (T4.3)
    assert f"w* = logit(t)/x = {mpmath.nstr(mpmath.log(4) / 1.5, 10)}" in said


def test_a_long_step_can_raise_the_loss(capsys: pytest.CaptureFixture[str]) -> None:
    # the example of T4.2: x = 1, t = ½, w = 1/5, η = 1000
    _, out, _ = _explain(capsys, "--w", "0.2", "--x", "1", "--t", "0.5", "--lr", "1000")
    said = _said(out)
    assert "The loss rose by" in said
    assert "Here η = 1000.0 > 2/(C·x²) = 25.9642" in said


def test_a_target_outside_0_1_gets_no_promise(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _explain(capsys, "--w", "0.5", "--x", "1.5", "--t", "2")
    assert "the descent lemma makes no promise here" in _said(out)


def test_x_zero_leaves_the_weight_alone(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _explain(capsys, "--w", "0.5", "--x", "0", "--t", "0.25")
    said = _said(out)
    assert "The loss did not change." in said
    assert "With x = 0 the loss does not depend on w: any η is safe." in said


def test_a_step_below_half_an_ulp_is_pointed_out(capsys: pytest.CaptureFixture[str]) -> None:
    # σ'(33) ≈ 4.7e-15: the exact step moves w = 30 by about 1e-29, far below ulp(30)/2
    _, out, _ = _explain(capsys, "--w", "30", "--x", "1.1", "--t", "1")
    said = _said(out)
    assert "The step is at most half an ulp of w, so the float64 w' is w itself." in said
    assert "The loss did not change." in said


def test_an_overflowing_step_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    # dE/dw = −(1 − ½)·¼·1e300 at w = 0; times η = 1e300 it is beyond float64
    status, out, _ = _explain(capsys, "--w", "0", "--x", "1e300", "--t", "1", "--lr", "1e300")
    assert status == 0
    q = explain.intermediates(0.0, 1e300, 1.0, 1e300)
    assert q["w'"].float64 == math.inf
    assert "The step overflowed float64, so there is no new loss to bound." in _said(out)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--w", "abc", "--w must be a number, got 'abc'"),
        ("--x", "nan", "--x must be a finite float64, got 'nan'"),
        ("--t", "1e400", "--t must be a finite float64, got '1e400'"),
        ("--lr", "0", "--lr must be finite and positive, got '0'"),
        ("--lr", "-0.5", "--lr must be finite and positive, got '-0.5'"),
        ("--lr", "inf", "--lr must be finite and positive, got 'inf'"),
        ("--lr", "fast", "--lr must be a number, got 'fast'"),
    ],
)
def test_bad_numbers_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    numbers = {"--w": "0.5", "--x": "1.5", "--t": "0.8", "--lr": "0.5", option: value}
    status, out, err = _explain(capsys, *(f"{k}={v}" for k, v in numbers.items()))
    assert (status, out) == (2, "")
    assert err == f"neuron: error: {message}\n"
