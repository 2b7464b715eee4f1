"""The fast path's refusals: inputs at each edge of its domain (T6.5) must leave it.

Each test aims at one region the fast path is not allowed to decide — results below 2^−1000,
the 2^512 window of the loss, |w·x| past MAX_ARGUMENT, x below the normal range — and checks
two things: the reference's answer there is the correctly rounded one, and the fast kernel
itself did not claim the element. Expected values come from the mpmath oracle
(`neuron.exact`, correctly rounded by its own interval arithmetic) or, for the loss, from exact
rational arithmetic (fractions.Fraction, converted by CPython's correctly rounded division).
These regions were found by mutation testing (docs/mutation.md): the random and bulk tests
reach none of them often enough to notice a loosened refusal.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from neuron import exact, reference
from neuron.reference import fast

TINY = 2.0**-1000  # the fast path's floor for results and intermediates (fast._TINY, T6.5)


def _fast(name: str, *args: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(all="ignore"):  # the fast kernels compute garbage where they refuse
        result: tuple[np.ndarray, np.ndarray] = getattr(fast, name)(*args)
    return result


def _assert_reference_is_oracle(name: str, *args: np.ndarray) -> None:
    got = getattr(reference, name)(*args)
    expected = exact.values(name, *args).rounded
    same = (got == expected) & (np.signbit(got) == np.signbit(expected))
    wrong = np.flatnonzero(~same)
    assert wrong.size == 0, [
        (tuple(float(a[i]) for a in args), float(got[i]), float(expected[i])) for i in wrong[:5]
    ]


def _exact_loss(y: float, t: float) -> float:
    """½(t − y)² in exact rational arithmetic, correctly rounded; ±inf where it overflows."""
    value = (Fraction(t) - Fraction(y)) ** 2 / 2
    try:
        return float(value)
    except OverflowError:
        return math.inf


# ---------------------------------------------------------------------------------------------
# dE/dw below 2^−1000: x near 2^−951 with an ordinary z


def test_gradient_issue_16_point() -> None:
    # the point of issue 16: σ'(z)·x is subnormal; -8.873118693271677e-309 is the oracle's
    # correctly rounded value (exact.gradient), and one rounding too many gives ...168e-309
    w, x, t = -5.322138947129005e287, 9.531592087208992e-287, 1.0
    expected = float(exact.gradient(np.array([w]), np.array([x]), np.array([t]))[0])
    assert expected == -8.873118693271677e-309
    assert reference.gradient(w, x, t) == expected


@pytest.mark.parametrize("t", [0.0, 1.0, 0.25])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_gradient_with_subnormal_results(t: float, sign: float) -> None:
    # x = 2^−951·u and |z| in [45, 55]: σ'(z)·x lies between 2^−1030 and 2^−1015, across the
    # bottom of the normal range, where the fast path's scaling by 2^−m would round again
    rng = np.random.default_rng(16)
    x = 2.0**-951 * rng.uniform(1.0, 2.0, 300)
    z = sign * rng.uniform(45.0, 55.0, 300)
    w, ts = z / x, np.full(300, t)
    _assert_reference_is_oracle("gradient", w, x, ts)
    result, decided = _fast("gradient", w, x, ts)
    assert not np.any(decided & (np.abs(result) < TINY))
    lr = np.full(300, 0.5)
    _assert_reference_is_oracle("step", w, x, ts, lr)


def test_gradient_with_x_below_the_normal_range() -> None:
    # x subnormal (its split loses bits): w·x small (x·2^1023 at most), the fast path refuses x
    x = np.array([2.0**-1030, 3 * 2.0**-1060, 2.0**-1074, 1.5 * 2.0**-1023])
    w = np.array([2.0**1023, -(2.0**1023), 2.0**1023, 1.5 * 2.0**1022])  # |w·x| <= 1.125
    t = np.array([0.0, 1.0, 0.5, 0.3])
    _assert_reference_is_oracle("gradient", w, x, t)
    _, decided = _fast("gradient", w, x, t)
    assert not decided.any()


# ---------------------------------------------------------------------------------------------
# The loss: the 2^512 window, and subnormal losses


def test_loss_in_the_overflow_window() -> None:
    # 2^512 <= |t − y| < 2^512.5: ½(t − y)² is finite (below 2^1024) though (t − y)² is not
    rng = np.random.default_rng(512)
    t = 2.0**512 * rng.uniform(1.0, math.sqrt(2.0), 200)
    t[:4] = [2.0**512, -(2.0**512), math.nextafter(2.0**512.5, 0.0), 2.0**512.5]
    y = np.where(np.arange(200) % 2 == 0, 0.0, rng.uniform(-1.0, 1.0, 200))
    got = reference.loss(y, t)
    expected = [_exact_loss(float(a), float(b)) for a, b in zip(y, t, strict=True)]
    assert got.tolist() == expected
    assert reference.loss(0.0, 2.0**512) == 2.0**1023  # ½·(2^512)², exactly
    result, decided = _fast("loss", y, t)
    assert np.all(np.isfinite(result[decided]))


def test_subnormal_losses() -> None:
    # |t − y| around 2^−520..2^−540: ½(t − y)² lies in the subnormals, where 0.5·high would be
    # a second rounding; t − y carries many bits so that the rounding is not exact
    rng = np.random.default_rng(1081)
    d = np.exp2(-rng.uniform(511.0, 540.0, 300)) * rng.uniform(1.0, 2.0, 300)
    y = np.where(np.arange(300) % 3 == 0, 0.0, 2.0**-600)
    t = y + d
    got = reference.loss(y, t)
    expected = [_exact_loss(float(a), float(b)) for a, b in zip(y, t, strict=True)]
    assert got.tolist() == expected
    result, decided = _fast("loss", y, t)
    assert not np.any(decided & (np.abs(result) < TINY))


# ---------------------------------------------------------------------------------------------
# σ, σ', y = σ(w·x) at and past MAX_ARGUMENT = 680, and their subnormal results


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_prime"])
def test_sigmoid_tails(name: str) -> None:
    # around ±680 the fast path's scaling 2^−m must stay normal; past it, and down to the
    # subnormal results near −745, the general path takes over
    edge = np.array([680.0, math.nextafter(680.0, 0.0), math.nextafter(680.0, 1e3), 681.0])
    rng = np.random.default_rng(745)
    z = np.concatenate([edge, -edge, -rng.uniform(670.0, 746.0, 200)])
    _assert_reference_is_oracle(name, z)
    _, decided = _fast(name, z)
    # 680: the domain T6.5 derives the fast path's bounds for (fast.py's MAX_ARGUMENT comment)
    assert not np.any(decided & (np.abs(z) > 680.0))
    assert np.all(decided[np.abs(z) == 680.0])  # its edge is inside


def test_forward_tails() -> None:
    rng = np.random.default_rng(680)
    z = -rng.uniform(670.0, 746.0, 200)
    x = np.exp2(rng.uniform(-900.0, 900.0, 200))
    w = z / x
    _assert_reference_is_oracle("forward", w, x)
    zh = w * x
    _, decided = _fast("forward", w, x)
    assert not np.any(decided & (np.abs(zh) > fast.MAX_ARGUMENT))
