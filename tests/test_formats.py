"""The reference in float32, float16 and bfloat16: the inputs' dtype, correctly rounded (T6.6).

Every expected value is the oracle's: ``neuron.exact.rounded``, which rounds the exact value
straight to the format (T6.3 with the format's rounding), never through float64. The bfloat16
tests need ml_dtypes (the ``bfloat16`` extra, in the ``test`` extra too) and skip without it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuron import exact, reference
from neuron.numerics import formats
from neuron.numerics.formats import FLOAT16, FORMATS, Format

ARITY = {"sigmoid": 1, "sigmoid_prime": 1, "forward": 2, "loss": 2, "gradient": 3, "step": 4}
NARROW = ("float32", "float16", "bfloat16")
UNSIGNED = {4: np.uint32, 2: np.uint16}


def _dtype(name: str) -> np.dtype[Any]:
    if name == "bfloat16":
        pytest.importorskip("ml_dtypes")
    return formats.numpy_dtype(name)


def _as_float64(values: Any) -> np.ndarray:
    return np.asarray(values).astype(np.float64)


def _assert_matches_oracle(name: str, args: list[np.ndarray], got: Any, fmt: Format) -> None:
    """got is the oracle's value of `name` at `args`, rounded to `fmt`; NaN where it is NaN."""
    expected = exact.rounded(name, *(_as_float64(a) for a in args), fmt=fmt)
    value = _as_float64(got)
    same = (value == expected) | (np.isnan(value) & np.isnan(expected))
    assert np.all(same), (
        f"{name} in {fmt.name} at {[_as_float64(a)[~same].tolist() for a in args]}: "
        f"{value[~same].tolist()}, correctly rounded {expected[~same].tolist()}"
    )


# ---------------------------------------------------------------------------------------------
# every float16 input


@pytest.mark.parametrize("format_name", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_prime"])
def test_every_input_of_a_16_bit_format(name: str, format_name: str) -> None:
    dtype = _dtype(format_name)
    z = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(dtype)
    with np.errstate(invalid="ignore"):  # the signaling NaNs among the bit patterns
        z64 = z.astype(np.float64)
    got = getattr(reference, name)(z)
    assert got.dtype == dtype
    value = got.astype(np.float64)
    assert np.array_equal(np.isnan(value), np.isnan(z64))  # NaN in, NaN out, and only there
    expected = exact.rounded(name, z64, fmt=FORMATS[format_name])
    finite = ~np.isnan(z64)
    bits = got.view(np.uint16)[finite]
    expected_bits = expected.astype(dtype)[finite].view(np.uint16)  # exact: numbers of dtype
    mismatched = np.flatnonzero(bits != expected_bits)
    assert mismatched.size == 0, f"{name} at {z64[finite][mismatched][:5]}"
    # and here float64-then-cast happens to be right too: no σ(z) or σ'(z) of these inputs
    # lies within half a float64 ulp of a midpoint of the format (T6.6, "It happens ...")
    naive = _naive(name, [z64], dtype)[finite].view(np.uint16)
    assert np.array_equal(naive, expected_bits)


# ---------------------------------------------------------------------------------------------
# Hypothesis over each format's whole range and its hard points


def _bit_patterns(dtype: np.dtype[Any]) -> st.SearchStrategy[float]:
    """Finite numbers of the format, uniform over its bit patterns: every binade, subnormals
    and zeros alike."""
    unsigned = UNSIGNED[dtype.itemsize]
    top = (1 << (8 * dtype.itemsize)) - 1
    return (
        st.integers(0, top)
        .map(lambda bits: float(np.array(bits, dtype=unsigned).view(dtype)))
        .filter(math.isfinite)
    )


def _in_format(dtype: np.dtype[Any], lo: float, hi: float) -> st.SearchStrategy[float]:
    """Reals in [lo, hi] rounded to the format (exactly, by T6.6's round_float64)."""
    fmt = FORMATS[dtype.name]
    return st.floats(lo, hi).map(lambda v: float(formats.round_float64(np.array([v]), fmt)[0][0]))


def _z_values(dtype: np.dtype[Any]) -> st.SearchStrategy[float]:
    """The whole range, and the z where σ(z) or σ'(z) is subnormal in the format (σ ≈ e^z)."""
    fmt = FORMATS[dtype.name]
    subnormal = _in_format(
        dtype, (fmt.emin - fmt.precision) * math.log(2) - 1, fmt.emin * math.log(2) + 1
    )
    near_one = _in_format(dtype, 5.0, (fmt.precision + 2) * math.log(2))  # σ at 1 − ulp/2
    return st.one_of(_bit_patterns(dtype), subnormal, subnormal.map(lambda z: -z), near_one)


def _neighbour(value: float, steps: int, dtype: np.dtype[Any]) -> float:
    """The number `steps` places from `value` in the format (by bit pattern; value >= 0)."""
    unsigned = UNSIGNED[dtype.itemsize]
    bits = np.array(value, dtype=dtype).view(unsigned).astype(np.int64) + steps
    return float(np.array(max(int(bits), 0), dtype=unsigned).view(dtype))


@st.composite
def _arguments(draw: st.DrawFn, name: str, dtype: np.dtype[Any]) -> list[float]:
    """Arguments of `name` in the format: anywhere, with t within a few ulps of σ(w·x) in the
    format, and with the loss and the step beyond the format's range."""
    anywhere = _bit_patterns(dtype)
    if ARITY[name] == 1:
        return [draw(_z_values(dtype))]
    fmt = FORMATS[dtype.name]
    if name == "loss":
        big = _in_format(dtype, math.sqrt(fmt.largest), fmt.largest)  # ½(t − y)² overflows
        return draw(st.one_of(st.tuples(anywhere, anywhere), st.tuples(big.map(lambda v: -v), big)))
    w = draw(st.one_of(anywhere, _in_format(dtype, -30.0, 30.0)))
    x = draw(st.one_of(anywhere, st.just(1.0), _in_format(dtype, -4.0, 4.0)))
    y = float(reference.forward(w, x, dtype=dtype))
    near = _neighbour(y, draw(st.integers(-3, 3)), dtype) if math.isfinite(y) else y
    t = draw(st.one_of(anywhere, st.just(near), _in_format(dtype, 0.0, 1.0)))
    if name == "forward":
        return [w, x]
    if name == "gradient":
        return [w, x, t]
    huge = _in_format(dtype, 1.0, fmt.largest)  # lr·dE/dw beyond the range: an infinite step
    lr = draw(st.one_of(anywhere.map(abs).filter(lambda v: v > 0), huge))
    return [w, x, t, lr]


@pytest.mark.parametrize("format_name", NARROW)
@pytest.mark.parametrize("name", list(ARITY))
@given(data=st.data())
def test_correctly_rounded_in_the_format(name: str, format_name: str, data: st.DataObject) -> None:
    dtype = _dtype(format_name)
    args = [np.array(a, dtype=dtype) for a in data.draw(_arguments(name, dtype))]
    got = getattr(reference, name)(*args)
    assert got.dtype == dtype
    _assert_matches_oracle(name, args, got, FORMATS[format_name])


POINTS = 400  # per domain, function and format: about 30,000 oracle roundings in all


def _rounded_to(values: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    return formats.round_float64(np.asarray(values, dtype=np.float64), FORMATS[dtype.name])[0]


def _domains(name: str, dtype: np.dtype[Any], n: int) -> dict[str, list[np.ndarray]]:
    """Seeded arrays of arguments of `name` in the format, per domain: anywhere (uniform bit
    patterns), subnormal results, t within 3 ulps of σ(w·x) in the format, overflowing results
    of the loss and the step."""
    rng = np.random.default_rng([ARITY[name], dtype.itemsize, len(name)])
    fmt = FORMATS[dtype.name]
    unsigned = UNSIGNED[dtype.itemsize]

    def anywhere() -> np.ndarray:
        values = rng.integers(0, 1 << (8 * dtype.itemsize), n).astype(unsigned).view(dtype)
        return np.where(np.isfinite(values), values, np.ones(1, dtype)).astype(np.float64)

    def uniform(lo: float, hi: float) -> np.ndarray:
        return _rounded_to(rng.uniform(lo, hi, n), dtype)

    ln2 = math.log(2)
    tail = uniform((fmt.emin - fmt.precision) * ln2 - 1, fmt.emin * ln2 + 1)  # σ(z) subnormal
    domains = {"anywhere": [anywhere() for _ in range(ARITY[name])]}
    if name in ("sigmoid", "sigmoid_prime"):
        domains["subnormal"] = [tail * rng.choice([-1.0, 1.0], n)]
    elif name == "forward":
        domains["subnormal"] = [tail, uniform(0.5, 2.0)]
    elif name == "loss":
        small = 2.0 ** (fmt.emin / 2)
        domains["subnormal"] = [uniform(0.0, small), uniform(0.0, small)]
        big = uniform(math.sqrt(fmt.largest), fmt.largest)
        domains["overflow"] = [-big, big]
    else:
        w, x = uniform(-8.0, 8.0), uniform(-8.0, 8.0)
        y = reference.forward(w, x, dtype=dtype).astype(np.float64)
        steps = rng.integers(-3, 4, n)
        t = np.maximum(y.astype(dtype).view(unsigned).astype(np.int64) + steps, 0).astype(unsigned)
        near = [w, x, t.view(dtype).astype(np.float64)]
        # σ'·x·(σ − t) below the normal range: z in σ's subnormal tail, halved for σσ'
        domains["subnormal"] = [tail / 2, np.ones(n), np.zeros(n)]
        if name == "step":
            near.append(uniform(2.0**-10, 8.0))
            domains["anywhere"][3] = np.abs(domains["anywhere"][3]) + fmt.smallest_subnormal
            domains["subnormal"] = [
                anywhere() * 2.0 ** (fmt.emin - fmt.emax),  # w subnormal or zero
                uniform(-(2.0**fmt.emin), 2.0**fmt.emin),
                np.full(n, 0.5),
                uniform(2.0**-10, 1.0),
            ]
            big = uniform(2.0, fmt.largest)
            domains["overflow"] = [np.ones(n), np.ones(n), big, big]
        domains["near"] = near
    return domains


@pytest.mark.parametrize("format_name", NARROW)
@pytest.mark.parametrize("name", list(ARITY))
def test_seeded_domains_against_the_oracle(name: str, format_name: str) -> None:
    dtype = _dtype(format_name)
    fmt = FORMATS[format_name]
    for domain, args in _domains(name, dtype, POINTS).items():
        narrow = [_rounded_to(a, dtype).astype(dtype) for a in args]
        got = getattr(reference, name)(*narrow)
        assert got.dtype == dtype, domain
        _assert_matches_oracle(name, narrow, got, fmt)
        if domain == "subnormal":  # the domain reaches what it is for
            value = np.abs(got.astype(np.float64))
            assert np.any((value > 0) & (value < 2.0**fmt.emin)), (name, domain)
        if domain == "overflow":
            assert np.any(np.isinf(got.astype(np.float64))), (name, domain)


@pytest.mark.parametrize("format_name", NARROW)
def test_hard_points_are_met(format_name: str) -> None:
    # The strategies above must reach what they are for: subnormal and overflowing results.
    dtype = _dtype(format_name)
    fmt = FORMATS[format_name]
    z = np.array([(fmt.emin - 2) * math.log(2)], dtype=dtype)
    assert 0 < float(reference.sigmoid(z)[0]) < 2.0**fmt.emin  # a subnormal σ
    big = np.array([-fmt.largest, fmt.largest], dtype=dtype)
    assert math.isinf(reference.loss(big[0], big[1]))
    one = np.array(1.0, dtype=dtype)
    assert math.isinf(reference.step(one, one, big[1], big[1]))


# ---------------------------------------------------------------------------------------------
# which dtype comes back


def _promotion_cases() -> list[Any]:
    f16, f32, f64 = np.float16(1.0), np.float32(1.0), np.float64(1.0)
    cases = [
        ((f32,), np.float32),
        ((f16,), np.float16),
        ((1,), np.float64),  # integers give float64
        ((np.int8(1),), np.float64),
        ((np.array([1, 2], dtype=np.uint16),), np.float64),
        ((f16, f32), np.float32),
        ((f32, f64), np.float64),  # a numpy scalar is not weak (NEP 50)
        ((f16, 1.0), np.float16),  # a Python float is (NEP 50)
        ((f32, 10**6), np.float32),  # so is a Python int
        ((f16, np.int8(1)), np.float16),
        ((f16, np.int16(1)), np.float32),
        ((np.array([1.0], dtype=np.float32), [1.0]), np.float64),  # a list becomes float64
    ]
    return [pytest.param(args, np.dtype(d), id=f"{i}") for i, (args, d) in enumerate(cases)]


@pytest.mark.parametrize(("args", "expected"), _promotion_cases())
def test_dtype_follows_numpy_promotion(args: tuple[Any, ...], expected: np.dtype[Any]) -> None:
    # expected is numpy's promotion (NEP 50) with integers going to float64, written out; the
    # same as np.result_type where that is floating
    promoted = np.result_type(*(np.asarray(a) if isinstance(a, list) else a for a in args))
    assert expected == (np.dtype(np.float64) if promoted.kind in "iu" else promoted)
    z = (args + (0.5,) * 2)[:2]  # forward's two arguments
    assert reference.forward(*z).dtype == expected
    assert reference.sigmoid(args[0]).dtype == np.result_type(args[0], 0.0)


def test_bfloat16_promotion() -> None:
    bfloat16 = _dtype("bfloat16")
    b = np.array([1.0], dtype=bfloat16)
    assert reference.forward(b, 2.0).dtype == bfloat16  # the Python float is weak
    assert reference.forward(b, np.int8(2)).dtype == bfloat16
    assert reference.forward(b, np.float16(2.0)).dtype == np.float32  # ml_dtypes' promotion
    assert type(reference.sigmoid(b[0])) is type(b[0])  # a scalar for a scalar


@pytest.mark.parametrize("format_name", NARROW)
def test_dtype_keyword_rounds_the_exact_value(format_name: str) -> None:
    dtype = _dtype(format_name)
    fmt = FORMATS[format_name]
    z = np.array([0.1, -0.3, 1e-3, 7.0])  # float64 inputs, not representable in the format
    got = reference.sigmoid(z, dtype=format_name)
    assert got.dtype == dtype
    _assert_matches_oracle("sigmoid", [z], got, fmt)
    # the inputs are not rounded first: that would be the gradient at another t, here one whose
    # residual t − σ(1) is about 2^−p instead of below 2^−53
    t = float(reference.sigmoid(1.0))
    got = reference.gradient(1.0, 1.0, t, dtype=dtype)
    _assert_matches_oracle("gradient", [np.array(a) for a in (1.0, 1.0, t)], got, fmt)
    assert got != reference.gradient(*np.array([1.0, 1.0, t]).astype(dtype))
    assert reference.gradient(np.float16(1.0), 1.0, 0.0, dtype=dtype).dtype == dtype
    assert reference.sigmoid(np.float32(0.1), dtype=np.float64) == reference.sigmoid(
        float(np.float32(0.1))
    )


@pytest.mark.parametrize(
    "bad", [complex, np.complex64, object, str, "U3", np.int32, "int8", bool, "no-such-dtype"]
)
def test_bad_dtype_is_a_type_error(bad: Any) -> None:
    with pytest.raises(TypeError, match="dtype must be float64, float32, float16 or bfloat16"):
        reference.sigmoid(0.5, dtype=bad)
    with pytest.raises(TypeError, match="dtype must be"):
        reference.train(0.0, [1.0], [0.5], 0.5, 1, dtype=bad)


def test_bfloat16_without_ml_dtypes_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoMlDtypes:
        @staticmethod
        def import_module(name: str) -> Any:
            raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(formats, "importlib", NoMlDtypes)
    with pytest.raises(ImportError, match=r"pip install 'neuron\[bfloat16\]'"):
        reference.sigmoid(0.5, dtype="bfloat16")


def test_a_signaling_nan_comes_back_nan_without_a_warning() -> None:
    # 0x7F800001 is a float32 signaling NaN; converting it to float64 raises numpy's "invalid"
    z = np.array([0x7F800001, 0x3F800000], dtype=np.uint32).view(np.float32)
    got = reference.sigmoid(z)
    assert math.isnan(got[0])
    assert got[1] == exact.rounded("sigmoid", 1.0, fmt=formats.FLOAT32)


def test_formats_without_a_rounding_are_refused() -> None:
    if np.dtype(np.longdouble).name in FORMATS:  # Windows, and arm64 macOS: float64 itself
        assert reference.sigmoid(np.longdouble(0.5)).dtype == np.float64
        return
    with pytest.raises(TypeError, match="z has dtype float128, which the reference does not"):
        reference.sigmoid(np.longdouble(0.5))


def test_format_of_and_the_format_constants() -> None:
    # the constants against numpy's own description of the formats
    for name in ("float64", "float32", "float16"):
        info = np.finfo(np.dtype(name))
        fmt = FORMATS[name]
        assert (fmt.precision, fmt.emin, fmt.emax) == (info.nmant + 1, info.minexp, info.maxexp - 1)
        assert (fmt.largest, fmt.smallest_subnormal) == (info.max, info.smallest_subnormal)
        assert formats.format_of(np.dtype(name)) is fmt
    assert formats.format_of(np.dtype(np.int16)) is None


# ---------------------------------------------------------------------------------------------
# double rounding: where float64-then-cast is wrong and the reference is not


def _naive(name: str, args: list[Any], dtype: np.dtype[Any]) -> Any:
    """The double rounding T6.6 (e) warns of: the correctly rounded float64, then cast."""
    return np.asarray(getattr(reference, name)(*(_as_float64(a) for a in args))).astype(dtype)


def _sigmoid_at_midpoints(fmt: Format, count: int) -> list[float]:
    """Float64 z whose correctly rounded σ(z) is a midpoint of `fmt`, found with the oracle.

    For a midpoint m in (¼, ¾), z = logit(m) rounded to float64 and its neighbours are tried
    until the oracle's float64 σ(z) is m: σ' <= ¼ packs several σ(z) into one float64 gap, so
    one of a few neighbours hits m, while σ(z) itself, transcendental (T6.3), is never m.
    """
    found = []
    spacing = 2.0 ** (-fmt.precision)  # the format's spacing in [½, 1)
    for k in range(count):
        m = 0.5 + (2 * k + 1) * spacing / 2
        with mpmath.workprec(200):
            z0 = float(mpmath.log(m / (1 - mpmath.mpf(m))))
        candidates = np.array(
            sorted({z0, *(z0 + i * math.ulp(z0) for i in range(-8, 9))}), dtype=np.float64
        )
        hits = candidates[exact.rounded("sigmoid", candidates) == m]
        found += hits[:1].tolist()
    return found


@pytest.mark.parametrize("format_name", NARROW)
def test_double_rounding_cases_of_sigmoid(format_name: str) -> None:
    # Found as _sigmoid_at_midpoints says: float64 z (the dtype keyword asks for the narrower
    # result) at the first 16 midpoints above ½; about half of them tie the wrong way.
    dtype = _dtype(format_name)
    fmt = FORMATS[format_name]
    z = np.array(_sigmoid_at_midpoints(fmt, 16))
    assert z.size >= 8
    before = reference.MIDPOINTS["sigmoid"]
    got = reference.sigmoid(z, dtype=dtype)
    assert reference.MIDPOINTS["sigmoid"] - before == z.size  # each went to the oracle
    _assert_matches_oracle("sigmoid", [z], got, fmt)
    wrong = _naive("sigmoid", [z], dtype) != got
    assert np.count_nonzero(wrong) >= 2, "no double rounding shown"


@pytest.mark.parametrize("format_name", NARROW)
@pytest.mark.parametrize("t", [0.0, 1.0])
def test_double_rounding_cases_of_step(format_name: str, t: float) -> None:
    # Built by hand (T6.6 (e)): w = 1 + 2^−p, the midpoint between 1 and the next number of
    # the format, moved by lr·dE/dw of about 2^−64, far below a float64 ulp: the float64 step
    # is w, a tie that goes to the even 1, while the exact step lies above w when dE/dw < 0
    # (t = 1) and below it when dE/dw > 0 (t = 0).
    dtype = _dtype(format_name)
    fmt = FORMATS[format_name]
    args = [1.0 + 2.0**-fmt.precision, 1.0, t, 2.0**-60]
    got = reference.step(*args, dtype=dtype)
    _assert_matches_oracle("step", [np.array(a) for a in args], got, fmt)
    above = 1.0 + 2.0 ** (1 - fmt.precision)
    assert float(got) == (above if t == 1.0 else 1.0)
    assert float(_naive("step", args, dtype)) == 1.0  # the tie to even: wrong for t = 1


DOUBLE_ROUNDING = Path(__file__).parent / "data" / "float32_double_rounding.jsonl"


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_prime"])
def test_every_float32_input_where_float64_then_cast_can_be_wrong(name: str) -> None:
    # The file is the output of `python tools/double_rounding.py --out FILE`: the float32 z,
    # out of all 2^32, whose correctly rounded float64 σ(z) or σ'(z) is a float32 midpoint
    # (candidates from a float64 scan, each decided by the oracle), and a summary per function.
    records = [json.loads(line) for line in DOUBLE_ROUNDING.read_text().splitlines()]
    summary = next(r for r in records if r["function"] == name and "inputs_scanned" in r)
    cases = [r for r in records if r["function"] == name and "z" in r]
    assert summary["inputs_scanned"] == 2**32
    assert len(cases) == summary["float64_midpoints"]
    z = np.array([float.fromhex(r["z"]) for r in cases], dtype=np.float32)
    got = getattr(reference, name)(z)
    _assert_matches_oracle(name, [z], got, formats.FLOAT32)
    wrong = _naive(name, [z], np.dtype(np.float32)) != got
    assert int(np.count_nonzero(wrong)) == summary["double_rounding_wrong"]


def test_forward_inherits_sigma_s_float32_double_rounding() -> None:
    # forward(w, x) = σ(w·x) with the product exact: the σ cases of the file above are met by
    # any float32 pair whose product is one of those z, such as w = 3·2^−23 and x = 1 or
    # w = 3·2^−13, x = 2^−10 (T6.6, "It happens ...").
    w = np.array([3 * 2.0**-23, 3 * 2.0**-13, -7 * 2.0**-24], dtype=np.float32)
    x = np.array([1.0, 2.0**-10, 1.0], dtype=np.float32)
    got = reference.forward(w, x)
    _assert_matches_oracle("forward", [w, x], got, formats.FLOAT32)
    assert np.all(_naive("forward", [w, x], np.dtype(np.float32)) != got)


# ---------------------------------------------------------------------------------------------
# train in a format


def test_train_in_float16_is_the_oracle_step_by_step() -> None:
    history = reference.train(np.float16(0.0), [1.0, -2.0], [0.75, 0.25], 4.0, 3, dtype="float16")
    assert history.weights.dtype == history.losses.dtype == np.float16
    w = 0.0
    expected = [w]
    for _ in range(3):
        for x, t in ((1.0, 0.75), (-2.0, 0.25)):
            w = float(exact.rounded("step", w, x, t, 4.0, fmt=FLOAT16))
        expected.append(w)
    assert history.weights.astype(np.float64).tolist() == expected
    assert type(history.weight) is np.float16


def test_train_follows_promotion_and_rounds_a_wider_start() -> None:
    history = reference.train(np.float32(0.1), np.float32([1.0]), np.float32([0.5]), 0.5, 1)
    assert history.weights.dtype == np.float32  # Python's 0.5 is weak
    rounded = reference.train(0.1, [1.0], [0.5], 0.5, 0, dtype=np.float16)
    assert rounded.weights.tolist() == [np.float16(0.1)]  # 0.1 rounded once, to nearest
