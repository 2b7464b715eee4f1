"""The scaled double words of neuron/numerics/doubleword.py, held to their own documentation.

Expected values come from the module's comments and theorem T6.4 (proofs/06-floating-point.md),
worked out by hand below, or from mpmath at 300 bits: never from the code under test.
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from neuron.numerics import doubleword as dw


def _significant_bits(value: float) -> int:
    """Length of the odd integer mantissa of `value` (0 for zero), in exact arithmetic."""
    numerator = abs(Fraction(value).numerator)
    return (numerator // (numerator & -numerator)).bit_length() if numerator else 0


def _grid_cases(limit: float) -> np.ndarray:
    """Values of magnitude below `limit`, both signs, with full 53-bit mantissas."""
    rng = np.random.default_rng(16)
    values = rng.uniform(-limit, limit, 4000)
    return np.concatenate([values, [0.0, limit * (1 - 2.0**-53), -limit * (1 - 2.0**-53)]])


@pytest.mark.parametrize(
    ("grid", "limit", "quantum"),
    [
        # doubleword.py: "|ρ| < 2^−7 to a multiple of 2^−33", "|S| < 2^−6 to a multiple of 2^−32"
        pytest.param(dw._GRID_RHO, 2.0**-7, 2.0**-33, id="rho"),
        pytest.param(dw._GRID_S, 2.0**-6, 2.0**-32, id="s"),
    ],
)
def test_each_grid_rounds_to_its_quantum_and_leaves_26_bits(
    grid: float, limit: float, quantum: float
) -> None:
    # x + G − G with G = 1.5·2^p rounds x to the nearest multiple of 2^(p−52) (the module's
    # comment); for |x| < limit that leaves limit/quantum = 2^26 multiples at most: 26 bits.
    x = _grid_cases(limit)
    rounded = (x + grid) - grid
    assert np.all(np.abs(rounded - x) <= quantum / 2)
    assert np.all(np.mod(rounded, quantum) == 0)
    assert max(_significant_bits(float(v)) for v in rounded) <= 26
    # the nearest multiple, not just some multiple: a full 53-bit x moves by a fraction of it
    assert np.max(np.abs(rounded - x)) > quantum / 4


def test_exp_negative_is_within_its_documented_error() -> None:
    # the module's docstring: exp_negative evaluates e^−a to 2^−74 (EXP_ERROR = 2^−73 with
    # margin), for 0 <= a <= MAX_ARGUMENT and |a_low| <= 2^−40; truth from mpmath at 300 bits
    rng = np.random.default_rng(74)
    a = np.concatenate(
        [
            rng.uniform(0, 2300, 300),
            rng.uniform(0, 1, 200),  # ρ of both signs, the whole reduced range
            np.arange(0, 130) * (np.log(2) / 128),  # ρ at the ends of [−ln 2/128, ln 2/128]
            [0.0, 2.0**-60, 745.1332191019411, 2300.0],
        ]
    )
    low = rng.uniform(-1, 1, a.size) * 2.0**-41
    value = dw.exp_negative(a, low)
    with mpmath.workprec(300):
        worst = max(
            abs(
                (mpmath.mpf(float(value.head[i])) + mpmath.mpf(float(value.tail[i])))
                * mpmath.mpf(2) ** int(value.exponent[i])
                / mpmath.exp(-(mpmath.mpf(float(a[i])) + mpmath.mpf(float(low[i]))))
                - 1
            )
            for i in range(a.size)
        )
    assert worst <= 2.0**-74
    assert dw.EXP_ERROR >= 2.0**-74  # the bound the callers use covers the documented error


def _round(head: float, tail: float, bound: float, exponent: int = 0) -> tuple[float, bool]:
    value = dw.Scaled(np.array([head]), np.array([tail]), np.array([exponent], dtype=np.int64))
    result, decided = dw.round_scaled(value, np.array([bound]))
    return float(result[0]), bool(decided[0])


def test_round_scaled_just_below_one_half() -> None:
    # Below ½ the floats are 2^−54 apart, above it 2^−53. v = ½ − 0.3·2^−53 lies 0.2·2^−53 from
    # ½ − 2^−54 and 0.3·2^−53 from ½: its rounding is ½ − 2^−54, decided with no error bound.
    assert _round(0.5, -0.3 * 2.0**-53, 0.0) == (0.5 - 2.0**-54, True)
    # v = ½ − 0.2·2^−53 rounds to ½ (0.2 < 0.25·2^−53, the midpoint's distance); a bound of
    # 0.1·2^−53 keeps the interval [½ − 0.3·2^−53, ½ − 0.1·2^−53] short of the midpoint only
    # on one side: ½ − 0.3·2^−53 is past it, so it must stay undecided.
    assert _round(0.5, -0.2 * 2.0**-53, 0.0) == (0.5, True)
    assert _round(0.5, -0.2 * 2.0**-53, 0.1 * 2.0**-53)[1] is False
    assert _round(0.5, -0.2 * 2.0**-53, 0.01 * 2.0**-53) == (0.5, True)
    # above ½ the half gap is 2^−54: ½ + 0.4·2^−53 with bound 0.05·2^−53 stays inside it
    assert _round(0.5, 0.4 * 2.0**-53, 0.05 * 2.0**-53) == (0.5, True)
    assert _round(0.5, 0.4 * 2.0**-53, 0.2 * 2.0**-53)[1] is False


@pytest.mark.parametrize("exponent", [1, -5, 60, -1021])
def test_round_scaled_at_midpoints(exponent: int) -> None:
    # h = ¾ + 2^−53 (odd last bit), its neighbours ¾ and ¾ + 2^−52, the midpoints h ± 2^−54.
    # A tail a hair (2^−74) past a midpoint rounds to the neighbour, a hair short of it to h,
    # each decided when the bound (2^−80) is below the hair; the strict test (T6.4) leaves the
    # exact midpoint, and any interval that reaches it, undecided.
    head, half, hair = 0.75 + 2.0**-53, 2.0**-54, 2.0**-74
    scale = 2.0**exponent
    assert _round(head, half + hair, 2.0**-80, exponent) == ((0.75 + 2.0**-52) * scale, True)
    assert _round(head, -half - hair, 2.0**-80, exponent) == (0.75 * scale, True)
    assert _round(head, half - hair, 2.0**-80, exponent) == (head * scale, True)
    assert _round(head, hair - half, 2.0**-80, exponent) == (head * scale, True)
    assert _round(head, half, 0.0, exponent)[1] is False
    assert _round(head, half - hair, 2 * hair, exponent)[1] is False


def test_power_of_two_is_a_float_power_of_two() -> None:
    # 2^k from its bit pattern, clamped to [−1022, 1023] (the docstring)
    k = np.array([-2000, -1022, -1, 0, 1, 1023, 5000])
    expected = [2.0**-1022, 2.0**-1022, 0.5, 1.0, 2.0, 2.0**1023, 2.0**1023]
    got = dw.power_of_two(k)
    assert got.dtype == np.float64
    assert got.tolist() == expected


def test_the_polynomial_is_the_taylor_series() -> None:
    # e^ρ = 1 + ρ + ρ²/2 + Σ ρ^k/k!: the coefficients beyond ρ²/2 are 1/k!, k = 8 down to 3
    expected = tuple(1 / math.factorial(k) for k in range(8, 2, -1))
    assert expected == dw._COEFFICIENTS


def test_split_leaves_two_halves_of_at_most_26_bits() -> None:
    # Veltkamp's split with 2^27 + 1 (split's docstring): a = high + low exactly, each half of
    # at most 26 significant bits, for |a| < 2^995
    rng = np.random.default_rng(27)
    a = np.concatenate([rng.uniform(-1, 1, 2000) * np.exp2(rng.integers(-900, 900, 2000)), [1.0]])
    high, low = dw.split(a)
    assert all(
        Fraction(h) + Fraction(lo) == Fraction(v) for h, lo, v in zip(high, low, a, strict=True)
    )
    assert max(_significant_bits(float(h)) for h in high) <= 26
    assert max(_significant_bits(float(lo)) for lo in low) <= 26


def test_adding_zero_keeps_the_smallest_subnormal() -> None:
    # 0 + 2^−1074 = 2^−1074 exactly: a zero's exponent must never be the one the sum aligns to
    # (ZERO_EXPONENT), or 2^−1074 would be scaled by 2^−1073 and vanish or saturate
    zero, tiny = dw.scaled(np.array([0.0])), dw.scaled(np.array([2.0**-1074]))
    for total in (dw.add(zero, tiny), dw.add(tiny, zero)):
        value = Fraction(float(total.head[0])) + Fraction(float(total.tail[0]))
        assert value * Fraction(2) ** int(total.exponent[0]) == Fraction(2) ** -1074
