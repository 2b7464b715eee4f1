"""ulp arithmetic: spacing, signed distance, correct rounding of mpmath values, errors in ulps."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from neuron import exact
from neuron.gate.strategies import finite_floats
from neuron.numerics.ulp import (
    MIN_SUBNORMAL,
    ExactValues,
    round_mpf,
    ulp,
    ulp_distance,
    ulp_errors,
    ulp_of_mpf,
)

MAX = float(np.finfo(np.float64).max)


@given(finite_floats())
@example(0.0)
@example(1.0)
@example(2.0**-1022)
@example(2.0**-1074)
@example(MAX)
def test_ulp_matches_math_ulp(x: float) -> None:
    # math.ulp (Python >= 3.9) is the spacing above |x|, 2^-1074 at 0: the same definition.
    assert ulp(x) == math.ulp(x)


def test_ulp_of_nonfinite() -> None:
    assert ulp(math.inf) == math.inf
    assert math.isnan(ulp(math.nan))


@given(finite_floats())
def test_next_float_is_one_step(x: float) -> None:
    assert ulp_distance(x, math.nextafter(x, math.inf)) == 1
    assert ulp_distance(math.nextafter(x, math.inf), x) == -1


def test_distance_across_zero_and_extremes() -> None:
    assert ulp_distance(-0.0, 0.0) == 0
    assert ulp_distance(-MIN_SUBNORMAL, MIN_SUBNORMAL) == 2
    assert ulp_distance(MAX, math.inf) == 1
    # +inf has bit pattern 0x7FF0000000000000, which is its position in the order; −inf mirrors it
    assert ulp_distance(-math.inf, math.inf) == 2 * (0x7FF0000000000000)


def test_distance_is_elementwise() -> None:
    assert ulp_distance([1.0, 2.0], [1.0, 2.0 + 2 * 2.0**-51]).tolist() == [0, 2]


def test_distance_of_nan_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^ulp_distance is undefined for NaN$"):
        ulp_distance(math.nan, 1.0)


def test_distance_converts_integers_to_float64() -> None:
    # 1.0 and 2.0 are a binade apart, and a binade holds 2^52 floats (52 fraction bits)
    assert ulp_distance(1, 2) == 2**52
    assert ulp_distance(2, 1) == -(2**52)


def test_ulp_and_errors_convert_any_real_to_float64() -> None:
    # Fractions and mpmath numbers are ArrayLike reals: they are rounded to float64 first, so
    # ulp(1/3) is math.ulp of the float nearest 1/3 (math.ulp defines the spacing, see above)
    third = Fraction(1, 3)
    assert ulp([third]).tolist() == [math.ulp(1 / 3)]
    assert ulp(mpmath.mpf(2) ** -1074).tolist() == MIN_SUBNORMAL
    # a computed ½ against an exact ½ (oracle: σ(0) = ½ exactly) is no error at all
    assert ulp_errors([Fraction(1, 2)], exact.values("sigmoid", [0.0])).tolist() == [0.0]


def _raw(numerator: int, exponent: int) -> tuple[int, int, int, int]:
    sign = int(numerator < 0)
    man = abs(numerator)
    return (sign, man, exponent, man.bit_length())


@given(
    st.integers(-(2**120), 2**120).filter(lambda n: n != 0),
    st.integers(-1300, 1000),
)
@example(3, -1076)  # 1.5·2^-1075: above half the smallest subnormal, rounds up
@example(1, -1075)  # exactly half of 2^-1074: a tie, rounds to even (0)
@example(3, -1075)  # 1.5·2^-1074: a tie between 1 and 2 subnormal quanta, rounds to 2
@example(2**53 - 1, 971)  # the largest finite float
@example(2**54 - 1, 970)  # exactly the overflow threshold 2^1024 − 2^970: a tie, rounds to inf
@example(1, 0)  # powers of two: a one-bit mantissa is a value, not zero
@example(-1, -1022)  # the smallest normal
@example(1, 1023)  # the largest power of two
@example(1, -1074)  # the smallest subnormal: the floor of the quantum
@example(5, -1076)  # 1.25·2^-1074: below the floor's midpoint, rounds down to one quantum
@example(7, -1076)  # 1.75·2^-1074: above it, rounds up to two
@example(2**55 + 1, -1130)  # 2^-1075 + 2^-1130: rounding to 53 bits first would make a tie (0)
@example(2**55 - 1, -1130)  # just below 2^-1075: rounds to 0 (the shortcut's edge, from above)
def test_round_mpf_is_round_half_even(numerator: int, exponent: int) -> None:
    # CPython converts a Fraction with correctly rounded integer true division (ties to even,
    # subnormals included); it raises OverflowError exactly when the rounded value overflows.
    value = Fraction(numerator) * Fraction(2) ** exponent
    try:
        expected = float(value)
    except OverflowError:
        expected = math.copysign(math.inf, numerator)
    assert round_mpf(_raw(numerator, exponent)) == expected


@pytest.mark.parametrize("numerator", [1, -1])
@pytest.mark.parametrize("exponent", [-5000, -1076])
def test_round_mpf_to_zero_keeps_the_sign(numerator: int, exponent: int) -> None:
    # below half the smallest subnormal the result is a zero of the value's sign (IEEE 754
    # round to nearest keeps the sign of an underflowing result)
    rounded = round_mpf(_raw(numerator, exponent))
    assert rounded == 0.0
    assert math.copysign(1.0, rounded) == numerator


def test_ulp_of_mpf() -> None:
    assert ulp_of_mpf(_raw(1, 0)) == 2.0**-52  # at a power of two, the binade it opens
    assert ulp_of_mpf(_raw(2**53 - 1, -53)) == 2.0**-53  # just below 1
    assert ulp_of_mpf(_raw(0, 0)) == MIN_SUBNORMAL
    assert ulp_of_mpf(_raw(1, -1060)) == MIN_SUBNORMAL  # subnormal range
    assert ulp_of_mpf(_raw(1, 2000)) == 2.0**971  # beyond overflow, the top binade's spacing


def test_ulp_errors_conventions() -> None:
    values = ExactValues(
        rounded=np.array([1.0, math.nan, math.inf, 0.5]),
        anchor=np.array([1.0, math.nan, MAX, 0.5]),
        spacing=np.array([2.0**-52, math.inf, 2.0**971, 2.0**-53]),
        offset=np.array([0.25, 0.0, 0.75, 0.0]),
    )
    computed = [1.0 + 2.0**-52, math.nan, math.inf, math.nan]
    errors = ulp_errors(computed, values)
    assert errors.tolist() == [0.75, 0.0, 0.0, math.inf]
    # a finite result where the exact value overflows is measured from the largest float
    assert ulp_errors([1.0, 1.0, MAX, 0.5], values).tolist() == [0.25, math.inf, 0.75, 0.0]


def test_ulp_errors_against_the_oracle() -> None:
    v = exact.values("sigmoid", [0.0, 1.0])
    # σ(1) rounded is within half an ulp, so its neighbour is between ½ and 1½ ulps away
    up = math.nextafter(float(v.rounded[1]), 2.0)
    errors = ulp_errors([0.5, up], v)
    assert errors[0] == 0.0
    assert 0.5 <= errors[1] <= 1.5
