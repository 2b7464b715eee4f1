"""Checks of 06-floating-point.md, T6.6: correct rounding to float32, float16 and bfloat16
through the correctly rounded float64.

Rounding to a format is written here afresh in exact rational arithmetic (Python's Fraction and
its `round`, which rounds ties to even), and a boundary is found from its definition (the
rounding differs just below and just above it); the shipped code (neuron.numerics.formats,
neuron.numerics.ulp.round_mpf, neuron.reference, neuron.exact) is compared with that.
"""

from __future__ import annotations

import importlib
import math
from fractions import Fraction
from typing import Any, NamedTuple

from hypothesis import strategies as st
from mpmath.libmp import from_man_exp

from .machinery import CheckError, Profile, _draw, check, round_fraction


class _Format(NamedTuple):
    name: str
    p: int
    emin: int
    emax: int


# The formats' parameters as the standards define them (IEEE 754-2019 Table 3.5 for binary32
# and binary16; bfloat16 is binary32's exponent field with a 7-bit fraction).
FORMATS = (
    _Format("float32", 24, -126, 127),
    _Format("float16", 11, -14, 15),
    _Format("bfloat16", 8, -126, 127),
)
OMEGA_64 = Fraction(2**1024 - 2**970)
INF = math.inf


def _omega(f: _Format) -> Fraction:
    """The overflow threshold (2 − 2^−p)·2^emax."""
    return (2 - Fraction(1, 2**f.p)) * Fraction(2) ** f.emax


def _largest(f: _Format) -> Fraction:
    return (2 - Fraction(2, 2**f.p)) * Fraction(2) ** f.emax


def _round_to(q: Fraction, f: _Format) -> Fraction | float:
    """The number of format f nearest to q (ties to even), or ±inf from the threshold on."""
    if q == 0:
        return Fraction(0)
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    quantum = Fraction(2) ** (max(e, f.emin) - f.p + 1)
    rounded = round(a / quantum) * quantum  # Fraction.__round__: nearest integer, ties to even
    if rounded > _largest(f):
        return INF if q > 0 else -INF
    return rounded if q > 0 else -rounded


def _is_boundary(q: Fraction, f: _Format) -> bool:
    """Whether rounding to f changes at q (its definition: it differs just below and above)."""
    tiny = Fraction(1, 2**2000)
    return _round_to(q - tiny, f) != _round_to(q + tiny, f)


def _boundaries(f: _Format) -> st.SearchStrategy[Fraction]:
    """Boundaries of f anywhere in its range: the midpoints 2^e + (2k + 1)·2^(e−p) of the
    binades e = emin … emax, those (2k + 1)·2^(emin−p) of the subnormals (drawn as e = emin − 1),
    and ±Ω (k = 2^(p−1) − 1 in the top binade)."""
    return st.builds(
        lambda sign, k, e: (
            sign
            * ((2**f.p if e >= f.emin else 0) + 2 * k + 1)
            * Fraction(2) ** (max(e, f.emin) - f.p)
        ),
        st.sampled_from((-1, 1)),
        st.integers(0, 2 ** (f.p - 1) - 1),
        st.integers(f.emin - 1, f.emax),
    )


@check("T6.6", "high-precision")
def t6_6_formats(profile: Profile) -> str:
    import numpy as np

    compared = ["float32", "float16"]
    for f in FORMATS:
        extremes = [
            Fraction(2) ** (f.emin - f.p),  # the least boundary: half the least subnormal
            _omega(f),
            _largest(f) - Fraction(2) ** (f.emax - f.p),  # the greatest midpoint
        ]
        for b in extremes + _draw(_boundaries(f), profile.examples, f"t6_6_formats_{f.name}"):
            if not _is_boundary(b, f):
                raise CheckError(f"{f.name}: {b} was built as a boundary but is not one")
            if Fraction(float(b)) != b:
                raise CheckError(f"{f.name}: the boundary {b} is not a float64")
        if not _omega(f) < OMEGA_64:
            raise CheckError(f"{f.name}: its overflow threshold is not below float64's")
        dtype: Any = getattr(np, f.name, None)
        if dtype is None:
            try:
                dtype = importlib.import_module("ml_dtypes").bfloat16
            except ImportError:
                continue
            compared.append(f.name)
        info: Any = (
            np.finfo if f.name != "bfloat16" else importlib.import_module("ml_dtypes").finfo
        )(dtype)
        if (info.nmant + 1, info.minexp, info.maxexp - 1) != (f.p, f.emin, f.emax):
            raise CheckError(f"{f.name}: finfo says p, emin, emax = {info.nmant + 1}, ...")
        shipped = importlib.import_module("neuron.numerics.formats").FORMATS[f.name]
        if (shipped.precision, shipped.emin, shipped.emax) != (f.p, f.emin, f.emax):
            raise CheckError(f"{f.name}: neuron.numerics.formats has {shipped}")
    return (
        f"every boundary of float32, float16 and bfloat16 is a float64 (the extremes and "
        f"{profile.examples} Hypothesis-drawn ones each) and Ω_P < Ω_64; the parameters agree "
        f"with finfo for {', '.join(compared)} and with neuron.numerics.formats"
    )


def _near_boundaries(f: _Format) -> st.SearchStrategy[Fraction]:
    """Reals at, and within a few float64 ulps of, boundaries of f, and reals anywhere."""
    near = st.builds(
        lambda b, k, shift: b + b * k / Fraction(2) ** shift,
        _boundaries(f),
        st.integers(-4, 4),
        st.integers(52, 70),
    )
    anywhere = st.builds(
        lambda m, e: Fraction(m) * Fraction(2) ** e,
        st.integers(-(2**70), 2**70),
        st.integers(f.emin - f.p - 80, f.emax - 60),
    )
    return st.one_of(near, anywhere)


@check("T6.6", "high-precision")
def t6_6_double_rounding(profile: Profile) -> str:
    exceptions = 0
    count = 0
    for f in FORMATS:
        values = _draw(_near_boundaries(f), profile.examples * 2, f"t6_6_double_{f.name}")
        values += [Fraction(1) + Fraction(1, 2**f.p) + Fraction(1, 2**60), OMEGA_64 * 2]
        for v in values:
            count += 1
            r = round_fraction(v)
            through = _round_to(Fraction(r), f) if math.isfinite(r) else r
            direct = _round_to(v, f)
            if through == direct:
                continue
            if math.isfinite(r) and _is_boundary(Fraction(r), f) and Fraction(r) != v:
                exceptions += 1  # (e): the exception of (a) happening
                continue
            raise CheckError(
                f"{f.name}: v = {v}: rounding through float64 gives {through}, not {direct}"
            )
    if exceptions == 0:
        raise CheckError("no double-rounding case was met: (e) is not shown")
    return (
        f"rnd_P(rnd(v)) = rnd_P(v) at {count} Hypothesis-drawn rationals v at and near the "
        f"boundaries of float32, float16 and bfloat16, except at {exceptions} where rnd(v) is a "
        "boundary and v is not: those are double roundings, as (e) says"
    )


@check("T6.6", "high-precision")
def t6_6_round_float64(profile: Profile) -> str:
    import numpy as np

    formats = importlib.import_module("neuron.numerics.formats")
    round_mpf = importlib.import_module("neuron.numerics.ulp").round_mpf
    count = 0
    for f in FORMATS:
        drawn = _draw(_near_boundaries(f), profile.examples * 2, f"t6_6_round_{f.name}")
        # and beyond the top binade, where r/q can be an odd multiple of ½ that is no boundary
        beyond = [(2**f.p + k + 0.5) * 2.0 ** (f.emax - f.p + 1) for k in (0, 1, 2**f.p)]
        r = np.array(
            [round_fraction(v) for v in drawn]
            + [0.0, -0.0, 5e-324, 1e300, -math.inf, *beyond, *(-b for b in beyond)]
        )
        r = np.concatenate([r, np.nextafter(r, np.inf), np.nextafter(r, -np.inf)])
        rounded, boundary = formats.round_float64(r, formats.FORMATS[f.name])
        for value, got, flagged in zip(
            r.tolist(), rounded.tolist(), boundary.tolist(), strict=True
        ):
            count += 1
            q = Fraction(value) if math.isfinite(value) else None
            expected = _round_to(q, f) if q is not None else value
            if got != expected or (got == 0 and math.copysign(1, got) != math.copysign(1, value)):
                raise CheckError(f"{f.name}: round_float64({value!r}) = {got!r}, not {expected}")
            if flagged != (q is not None and _is_boundary(q, f)):
                raise CheckError(f"{f.name}: round_float64 flags {value!r} as boundary: {flagged}")
        for v in drawn:
            shipped = round_mpf(
                from_man_exp(v.numerator, 1 - v.denominator.bit_length()), formats.FORMATS[f.name]
            )
            if shipped != _round_to(v, f):
                raise CheckError(f"{f.name}: round_mpf({v}) = {shipped!r}, not {_round_to(v, f)}")
    nan = formats.round_float64(np.array([math.nan]), formats.FLOAT16)
    if not (math.isnan(nan[0][0]) and not nan[1][0]):
        raise CheckError("round_float64 does not keep NaN, unflagged")
    return (
        f"round_float64 rounds {count} float64 values (drawn at and near boundaries, their "
        "float64 neighbours, ±0, ±inf, values beyond the top binade) to float32, float16 and "
        "bfloat16 as exact rational rounding does, and flags exactly the boundaries; "
        "round_mpf(v, P) agrees at the drawn rationals"
    )


def _narrow_inputs(f: _Format, arity: int) -> st.SearchStrategy[tuple[float, ...]]:
    """Finite numbers of format f (all of its range, subnormals included), rounded exactly."""
    element = st.builds(
        lambda sign, m, e: float(_round_to(sign * Fraction(m) * Fraction(2) ** e, f)),
        st.sampled_from((-1, 1)),
        st.integers(0, 2**f.p - 1),
        st.integers(f.emin - f.p + 1, f.emax - f.p + 1),
    )
    return st.tuples(*(element for _ in range(arity)))


@check("T6.6", "high-precision")
def t6_6_reference(profile: Profile) -> str:
    import numpy as np

    reference = importlib.import_module("neuron.reference")
    exact = importlib.import_module("neuron.exact")
    formats = importlib.import_module("neuron.numerics.formats")
    arity = {"sigmoid": 1, "sigmoid_prime": 1, "forward": 2, "loss": 2, "gradient": 3, "step": 4}
    done = []
    for f in FORMATS:
        try:
            dtype = formats.numpy_dtype(f.name)
        except ImportError:
            continue
        fmt = formats.FORMATS[f.name]
        for name, n in arity.items():
            cases = _draw(
                _narrow_inputs(f, n), max(profile.examples // 4, 10), f"t6_6_{name}_{f.name}"
            )
            if name == "step":  # a learning rate is positive
                cases = [(*c[:3], abs(c[3]) or 1.0) for c in cases]
            # and a boundary as float64 result: w a midpoint of f, moved by a tiny step
            midpoint = 1 + 2.0**-f.p
            built = (midpoint, 1.0, 1.0, 2.0**-60) if name == "step" else None
            columns = [np.array(c) for c in zip(*cases, strict=True)]
            with np.errstate(all="ignore"):
                got = getattr(reference, name)(*(c.astype(dtype) for c in columns))
            expected = exact.rounded(name, *columns, fmt=fmt)
            same = (got.astype(np.float64) == expected) | (
                np.isnan(expected) & np.isnan(got.astype(np.float64))
            )
            if not np.all(same):
                i = int(np.flatnonzero(~same)[0])
                raise CheckError(f"{name}{cases[i]} in {f.name} = {got[i]!r}, not {expected[i]!r}")
            if built is not None:  # dE/dw < 0, so the exact step lies just above the midpoint
                result = float(reference.step(*built, dtype=dtype))
                if result != float(exact.rounded("step", *built, fmt=fmt)) or result < midpoint:
                    raise CheckError(f"step{built} in {f.name} = {result!r}: not correctly rounded")
        done.append(f.name)
    return (
        f"the six functions in {', '.join(done)} equal the oracle rounded straight to the format "
        "at Hypothesis-drawn inputs of the format, and step at a boundary of each"
    )
