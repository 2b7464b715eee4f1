"""The mpmath oracle: the exact value of each neuron function of float64 inputs, correctly rounded.

"Exact" means the real-number value of the function of the inputs as given, with the product
z = w·x taken exactly. Each value is enclosed in an interval with mpmath's rigorous interval
arithmetic (``mpmath.libmp.libmpi``, outward rounding at an explicit precision p); when both
ends of the interval round to the same float64, that float is the correctly rounded value.
Otherwise p doubles (Ziv's strategy). This terminates (theorem T6.3): for dyadic z ≠ 0 the
number e^z is transcendental (Lindemann–Weierstrass), so no value below is ever exactly a
float or a rounding midpoint; z = 0 and the loss, which are dyadic, are computed exactly.
Formulas are arranged so that no enclosure loses more than the cancellation inherent in the
function itself: σ(z) − t is formed as (1 − t) − σ(−z) for z > 0, with 1 − t exact.

Precision is passed to every operation explicitly; mpmath's global precision is never touched.
Non-finite inputs get the limit of the function where it exists and NaN where it does not.

The module is itself an implementation of the protocol (elementwise, correctly rounded, slow):
``exact.gradient(w, x, t)`` is the float64 every reference must agree with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

import mpmath
import numpy as np
from mpmath import libmp
from mpmath.libmp import libmpi
from numpy.typing import ArrayLike, NDArray

from neuron.numerics.formats import FLOAT64, Format
from neuron.numerics.ulp import ExactValues, MpfTuple, round_mpf, ulp, ulp_of_mpf

__all__ = [
    "ARITY",
    "OracleError",
    "differentiated_gradient",
    "enclose",
    "forward",
    "gradient",
    "loss",
    "objective",
    "rounded",
    "sigmoid",
    "sigmoid_prime",
    "step",
    "value",
    "values",
]

Interval = tuple[MpfTuple, MpfTuple]

# mpmath has no type information: these typed names for its raw functions let mypy check the
# arithmetic below. mpf_* without a precision are exact; mpi_* round outward at precision p.
_IntervalOperation = Callable[[Interval, Interval, int], Interval]
mpi_add: _IntervalOperation = libmpi.mpi_add
mpi_sub: _IntervalOperation = libmpi.mpi_sub
mpi_mul: _IntervalOperation = libmpi.mpi_mul
mpi_div: _IntervalOperation = libmpi.mpi_div
mpi_exp: Callable[[Interval, int], Interval] = libmpi.mpi_exp
mpf_add: Callable[..., MpfTuple] = libmp.mpf_add
mpf_sub: Callable[..., MpfTuple] = libmp.mpf_sub
mpf_mul: Callable[..., MpfTuple] = libmp.mpf_mul
mpf_neg: Callable[[MpfTuple], MpfTuple] = libmp.mpf_neg
mpf_shift: Callable[[MpfTuple, int], MpfTuple] = libmp.mpf_shift
from_float: Callable[[float], MpfTuple] = libmp.from_float
to_float: Callable[[MpfTuple], float] = libmp.to_float
fone: MpfTuple = libmp.fone
fzero: MpfTuple = libmp.fzero
fhalf: MpfTuple = libmp.fhalf

#: Number of float64 arguments of each function the oracle knows. ``objective`` is E as a
#: function of the weight, E(w; x, t) = ½(t − σ(w·x))², used by the loss-decrease checks.
#: ``product`` (z = w·x), ``forward_prime`` (dy/dz = σ'(w·x)) and ``output_error``
#: (dE/dy = σ(w·x) − t) are the intermediates of the chain rule, for ``neuron explain``.
ARITY: Final = {
    "sigmoid": 1,
    "sigmoid_prime": 1,
    "forward": 2,
    "loss": 2,
    "gradient": 3,
    "step": 4,
    "objective": 3,
    "product": 2,
    "forward_prime": 2,
    "output_error": 3,
}

START_PRECISION: Final = 96  # bits; 53 + 43 guard bits decide all but ~2^-43 of the inputs
MAX_PRECISION: Final = 1 << 17  # far beyond any cancellation float64 inputs have shown


class OracleError(ArithmeticError):
    """The oracle could not decide a rounding within MAX_PRECISION bits."""


def _point(v: MpfTuple) -> Interval:
    return (v, v)


_ONE = _point(fone)


def _logistic_parts(z: MpfTuple, p: int) -> tuple[Interval, Interval]:
    """Enclosures of e = e^(−|z|) and of σ(−|z|) = e/(1 + e), the small side of σ."""
    e = mpi_exp(_point(mpf_neg((0, *z[1:]))), p)
    return e, mpi_div(e, mpi_add(_ONE, e, p), p)


def _sigmoid(z: MpfTuple, p: int) -> Interval:
    e, small = _logistic_parts(z, p)
    return small if z[0] else mpi_div(_ONE, mpi_add(_ONE, e, p), p)


def _sigmoid_prime(z: MpfTuple, p: int) -> Interval:
    e, _ = _logistic_parts(z, p)
    one_plus_e = mpi_add(_ONE, e, p)
    return mpi_div(e, mpi_mul(one_plus_e, one_plus_e, p), p)  # σ(z)σ(−z) = e/(1 + e)²


def _output_error(z: MpfTuple, t: MpfTuple, p: int) -> tuple[Interval, Interval]:
    """Enclosures of σ(z) − t = dE/dy (T1.1) and of σ'(z), sharing one exponential."""
    e, small = _logistic_parts(z, p)
    one_plus_e = mpi_add(_ONE, e, p)
    slope = mpi_div(e, mpi_mul(one_plus_e, one_plus_e, p), p)
    if z[0]:
        return mpi_sub(small, _point(t), p), slope
    return mpi_sub(_point(mpf_sub(fone, t)), small, p), slope  # σ(z) = 1 − σ(−z), T2.1


def _gradient(z: MpfTuple, x: MpfTuple, t: MpfTuple, p: int) -> Interval:
    residual, slope = _output_error(z, t, p)
    return mpi_mul(mpi_mul(residual, slope, p), _point(x), p)  # T1.4


def _enclosure(  # noqa: PLR0911 - one case a line
    name: str, args: tuple[MpfTuple, ...], p: int
) -> Interval:
    """Rigorous enclosure of a function of nonzero z at precision p (z = 0 is done exactly)."""
    if name == "sigmoid":
        return _sigmoid(args[0], p)
    if name == "sigmoid_prime":
        return _sigmoid_prime(args[0], p)
    w, x = args[0], args[1]
    z = mpf_mul(w, x)
    if name == "product":
        return _point(z)
    if name == "forward":
        return _sigmoid(z, p)
    if name == "forward_prime":
        return _sigmoid_prime(z, p)
    t = args[2]
    if name == "output_error":
        return _output_error(z, t, p)[0]
    if name == "objective":
        residual, _ = _output_error(z, t, p)
        return _half(mpi_mul(residual, residual, p))
    g = _gradient(z, x, t, p)
    if name == "gradient":
        return g
    lr = args[3]
    return mpi_sub(_point(w), mpi_mul(_point(lr), g, p), p)


def _half(v: Interval) -> Interval:
    return (mpf_shift(v[0], -1), mpf_shift(v[1], -1))


def _exact_at_zero(name: str, args: tuple[MpfTuple, ...]) -> MpfTuple:  # noqa: PLR0911
    """The dyadic value when z = w·x = 0: σ = 1/2, σ' = 1/4 (T2.4)."""
    if name == "sigmoid":
        return fhalf
    if name in ("sigmoid_prime", "forward_prime"):
        return mpf_shift(fone, -2)
    if name == "forward":
        return fhalf
    if name == "product":
        return fzero
    w, x, t = args[0], args[1], args[2]
    residual = mpf_sub(fhalf, t)
    if name == "output_error":
        return residual
    if name == "objective":
        return mpf_shift(mpf_mul(residual, residual), -1)
    g = mpf_mul(mpf_shift(residual, -2), x)
    if name == "gradient":
        return g
    return mpf_sub(w, mpf_mul(args[3], g))


def _is_zero_z(name: str, args: tuple[MpfTuple, ...]) -> bool:
    if name in ("sigmoid", "sigmoid_prime"):
        return args[0][1] == 0
    return args[0][1] == 0 or args[1][1] == 0


def _exact_loss(y: MpfTuple, t: MpfTuple) -> MpfTuple:
    residual = mpf_sub(t, y)
    return mpf_shift(mpf_mul(residual, residual), -1)


def _element(
    name: str, args: tuple[MpfTuple, ...], fmt: Format = FLOAT64
) -> tuple[float, MpfTuple]:
    """(the exact value correctly rounded to `fmt`, an approximation of the exact value within
    2^−(p−2) of it)."""
    if name == "loss":
        v = _exact_loss(args[0], args[1])
        return round_mpf(v, fmt), v
    if _is_zero_z(name, args):
        v = _exact_at_zero(name, args)
        return round_mpf(v, fmt), v
    p = START_PRECISION
    while p <= MAX_PRECISION:
        lo, hi = _enclosure(name, args, p)
        rounded = round_mpf(lo, fmt)
        if rounded == round_mpf(hi, fmt):
            return rounded, mpf_shift(mpf_add(lo, hi, p + 2), -1)
        p *= 2
    raise OracleError(f"cannot round {name}{tuple(to_float(a) for a in args)} below {p} bits")


def _nonfinite(name: str, args: tuple[float, ...]) -> float:  # noqa: PLR0911 - one case a line
    """Limits at infinite inputs (NaN where the limit does not exist), NaN for NaN inputs."""
    if any(math.isnan(a) for a in args):
        return math.nan
    if name == "loss":
        return 0.5 * (args[1] - args[0]) * (args[1] - args[0])  # `**` would raise on overflow
    z = args[0] if name in ("sigmoid", "sigmoid_prime") else args[0] * args[1]
    if name == "product":
        return z
    if name in ("sigmoid", "forward"):
        return math.nan if math.isnan(z) else (1.0 if z > 0 else 0.0)
    if name in ("sigmoid_prime", "forward_prime"):
        return math.nan if math.isnan(z) else 0.0
    x, t = args[1], args[2]
    if name == "output_error":  # σ(z) − t: σ(±∞) is 1 or 0; a finite z means t is infinite
        if math.isnan(z):
            return math.nan
        return ((1.0 if z > 0 else 0.0) if math.isinf(z) else 0.0) - t
    if math.isinf(args[0]) or math.isinf(x):
        if math.isnan(z):  # 0·∞: no z at all
            return math.nan
        # σ'(z)·x → 0 as |z| → ∞, even when x is the infinite one: e^−|z| beats any power.
        bounded = math.isfinite(t)
        g = 0.0 if bounded else math.nan
        residual = (1.0 if z > 0 else 0.0) - t
        e = 0.5 * residual * residual if bounded else math.inf
    else:  # only t is infinite, and σ'(z) > 0
        g = 0.0 if x == 0 else -math.copysign(math.inf, t) * math.copysign(1.0, x)
        e = math.inf
    if name == "gradient":
        return g
    if name == "objective":
        return e
    return args[0] - args[3] * g


def _exact_values(name: str, args: tuple[float, ...]) -> tuple[float, float, float, float]:
    """(rounded, anchor, spacing, offset) for one element; see ulp.ExactValues."""
    if not all(math.isfinite(a) for a in args):
        r = _nonfinite(name, args)
        return r, r, float(ulp(r)) if math.isfinite(r) else math.inf, 0.0
    rounded, v = _element(name, tuple(from_float(a) for a in args))
    anchor = math.copysign(np.finfo(np.float64).max, rounded) if math.isinf(rounded) else rounded
    spacing = ulp_of_mpf(v)
    offset = mpf_shift(mpf_sub(v, from_float(anchor), 64), -int(math.log2(spacing)))
    return rounded, anchor, spacing, to_float(offset)


def _check_name(name: str, n_args: int) -> None:
    if name not in ARITY:
        raise ValueError(f"unknown function {name!r}; the oracle knows {sorted(ARITY)}")
    if n_args != ARITY[name]:
        raise TypeError(f"{name} takes {ARITY[name]} arguments, got {n_args}")


def values(name: str, *args: ArrayLike) -> ExactValues:
    """Exact values of `name` over broadcast float64 arrays, ready for ``ulp.ulp_errors``.

    Parameters
    ----------
    name : str
        A function of `ARITY`: a protocol function, ``objective`` or a chain-rule intermediate.
    *args : array_like
        Its float64 arguments (``ARITY[name]`` of them), broadcast together; any float64,
        NaN and ±∞ included.

    Returns
    -------
    neuron.numerics.ulp.ExactValues
        Per element: ``rounded``, the correctly rounded float64, and the offset of the exact
        value from it, which ``neuron.numerics.ulp.ulp_errors`` turns into errors in ulps.

    Raises
    ------
    ValueError
        If `name` is not a function the oracle knows.
    TypeError
        If the number of arguments is not ``ARITY[name]``.
    OracleError
        If a rounding cannot be decided within ``MAX_PRECISION`` bits (never seen).

    Examples
    --------
    >>> v = values("sigmoid", [0.0, 40.0])
    >>> v.rounded.tolist(), v.offset.tolist()
    ([0.5, 1.0], [0.0, -0.03826577328214853])
    """
    _check_name(name, len(args))
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    shape = arrays[0].shape
    out = np.empty((4, *shape), dtype=np.float64)
    for index in np.ndindex(shape):
        element = (slice(None), *index)
        out[element] = _exact_values(name, tuple(float(a[index]) for a in arrays))
    return ExactValues(out[0], out[1], out[2], out[3])


def rounded(name: str, *args: ArrayLike, fmt: Format = FLOAT64) -> NDArray[np.float64]:
    """The exact value of `name` over broadcast float64 arrays, correctly rounded to `fmt`.

    The same enclosures as `values` (T6.3), with both ends rounded to `fmt` instead of float64:
    the exact value is rounded once, straight into the narrower format. The reference asks
    this of the few elements whose float64 result is a rounding boundary of a narrower format
    (T6.6).

    Parameters
    ----------
    name : str
        A function of `ARITY`.
    *args : array_like
        Its float64 arguments, broadcast together; NaN and ±∞ included.
    fmt : neuron.numerics.formats.Format, optional
        The format to round to (default float64).

    Returns
    -------
    numpy.ndarray of float64
        Per element, the number of `fmt` nearest to the exact value (ties to even, ±∞ beyond
        the format's overflow threshold), held exactly in a float64.

    Raises
    ------
    ValueError, TypeError, OracleError
        As `values`.

    Examples
    --------
    >>> from neuron.numerics.formats import FLOAT16
    >>> rounded("sigmoid", [1.0, -10.0], fmt=FLOAT16).tolist()  # σ(−10) is a float16 subnormal
    [0.73095703125, 4.5418739318847656e-05]
    """
    _check_name(name, len(args))
    arrays = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in args))
    out = np.empty(arrays[0].shape, dtype=np.float64)
    for index in np.ndindex(out.shape):
        element = tuple(float(a[index]) for a in arrays)
        if all(math.isfinite(a) for a in element):
            out[index] = _element(name, tuple(from_float(a) for a in element), fmt)[0]
        else:
            limit = _nonfinite(name, element)
            exact_limit = limit == 0 or not math.isfinite(limit)  # ±0 keeps its sign
            out[index] = limit if exact_limit else round_mpf(from_float(limit), fmt)
    return out


def enclose(
    name: str, *args: float, precision: int = START_PRECISION
) -> tuple[mpmath.mpf, mpmath.mpf]:
    """A rigorous enclosure (low, high) of `name` at finite float64 arguments.

    Parameters
    ----------
    name : str
        A function of `ARITY`.
    *args : float
        Its finite float64 arguments.
    precision : int, optional
        The working precision in bits of the interval arithmetic (default 96).

    Returns
    -------
    tuple of mpmath.mpf
        low <= exact value <= high. The loss and the functions at w·x = 0 are exact, so
        low == high there.

    Examples
    --------
    >>> low, high = enclose("gradient", 1.0, 2.0, 0.5, precision=60)
    >>> bool(0 < high - low < 1e-15)
    True
    """
    _check_name(name, len(args))
    raw = tuple(from_float(float(a)) for a in args)
    if name == "loss":
        lo = hi = _exact_loss(raw[0], raw[1])
    elif _is_zero_z(name, raw):
        lo = hi = _exact_at_zero(name, raw)
    else:
        lo, hi = _enclosure(name, raw, precision)
    return mpmath.mp.make_mpf(lo), mpmath.mp.make_mpf(hi)


def value(name: str, *args: float, bits: int = 64) -> mpmath.mpf:
    """The exact value at finite float64 arguments, to a relative accuracy of 2^−bits.

    The enclosure's precision doubles until its width is below 2^−bits of its magnitude, so
    a value that cancels deeply (t ≈ σ(w·x) in the gradient) still comes out accurate.

    Parameters
    ----------
    name : str
        A function of `ARITY`.
    *args : float
        Its finite float64 arguments.
    bits : int, optional
        The relative accuracy asked for, in bits (default 64).

    Returns
    -------
    mpmath.mpf
        The midpoint of an enclosure no wider than 2^−bits of its magnitude.

    Raises
    ------
    OracleError
        If the accuracy is not reached within ``MAX_PRECISION`` bits.

    Examples
    --------
    >>> mpmath.nstr(value("gradient", 1.0, 2.1000692898970282e-160, 0.5), 12)
    '2.75643188898e-321'
    """
    precision = START_PRECISION
    while precision <= MAX_PRECISION:
        low, high = enclose(name, *args, precision=precision)
        with mpmath.workprec(precision + 8):
            middle = (low + high) / 2
            if high - low <= abs(middle) * mpmath.ldexp(1, -bits):
                return middle
        precision *= 2
    raise OracleError(f"cannot reach 2^-{bits} relative accuracy for {name}{args}")


_PARAMETERS: Final = {
    "z": "z : array_like\n    The argument of σ, converted to float64.",
    "w": "w : array_like\n    The weight(s), converted to float64.",
    "x": "x : array_like\n    The input(s); the product w·x is taken exactly.",
    "y": "y : array_like\n    The output(s) of the neuron.",
    "t": "t : array_like\n    The target(s).",
    "lr": "lr : array_like\n    The learning rate η.",
}


def _docstring(summary: str, parameters: str, example: str) -> str:
    """The numpydoc docstring of one of the oracle's protocol functions (see `_rounded`)."""
    listed = "\n".join(_PARAMETERS[p] for p in parameters.split())
    return (
        f"{summary}, correctly rounded to float64 by the oracle (elementwise, slow).\n\n"
        "The exact value of the function of the float64 arguments, w·x taken exactly, is\n"
        "enclosed at increasing precision until it rounds one way (T6.3). This is the value\n"
        "``neuron.reference`` and every policy of the gate are measured against. The\n"
        "arguments are broadcast together; NaN and ±∞ give the limit of the function, or NaN\n"
        "where it has none.\n\n"
        f"Parameters\n----------\n{listed}\n\n"
        "Returns\n-------\nnumpy.float64 or numpy.ndarray\n    The float64 nearest to the "
        "exact value (ties to even), elementwise.\n\n"
        f"Examples\n--------\n{example}\n"
    )


def _rounded(name: str, doc: str) -> Callable[..., NDArray[np.float64]]:
    def correctly_rounded(*args: ArrayLike) -> NDArray[np.float64]:
        result = values(name, *args).rounded
        return result[()] if result.ndim == 0 else result

    correctly_rounded.__name__ = name
    correctly_rounded.__doc__ = doc
    return correctly_rounded


sigmoid = _rounded(
    "sigmoid",
    _docstring(
        "σ(z) = 1/(1 + e^(−z))",
        "z",
        ">>> sigmoid(-745.0)  # the smallest subnormal\nnp.float64(5e-324)",
    ),
)
sigmoid_prime = _rounded(
    "sigmoid_prime",
    _docstring("σ'(z) = σ(z)σ(−z)", "z", ">>> sigmoid_prime(0.0)\nnp.float64(0.25)"),
)
forward = _rounded(
    "forward",
    _docstring(
        "y = σ(w·x)",
        "w x",
        ">>> forward(1e-300, 1e300)  # w·x = 1 exactly\nnp.float64(0.7310585786300049)",
    ),
)
loss = _rounded(
    "loss", _docstring("E = ½(t − y)²", "y t", ">>> loss(0.25, 0.75)\nnp.float64(0.125)")
)
gradient = _rounded(
    "gradient",
    _docstring(
        "dE/dw = −(t − y)·σ'(w·x)·x", "w x t", ">>> gradient(0.0, 2.0, 1.0)\nnp.float64(-0.25)"
    ),
)
step = _rounded(
    "step",
    _docstring(
        "The update w − η·dE/dw", "w x t lr", ">>> step(0.0, 2.0, 1.0, 0.5)\nnp.float64(0.125)"
    ),
)
objective = _rounded(
    "objective",
    _docstring(
        "The loss as a function of the weight, E(w; x, t) = ½(t − σ(w·x))²",
        "w x t",
        ">>> objective(0.0, 2.0, 1.0)\nnp.float64(0.125)",
    ),
)


def differentiated_gradient(w: float, x: float, t: float) -> mpmath.mpf:
    """dE/dw by mpmath's numerical differentiation of E(w) = ½(t − σ(w·x))², independent of T1.4.

    E is evaluated directly (never through the chain-rule formula) with the stable form of
    t − σ(z). The central difference moves z = w·x by δ = 2^−(p+10)·min(|z|, 1), small
    against both z and the scale on which σ varies, at a precision p large enough that
    E(w ± h) − E(w) keeps 64 significant bits: that difference is about σ'(z)·|σ − t|·δ
    against E = ½(σ − t)², with σ' >= e^−|z|/4 and |σ − t| <= 1 + |t|. The result is
    accepted when two precisions agree to 2^−64 relative.

    Parameters
    ----------
    w : float
        The weight, a finite float64.
    x : float
        The input.
    t : float
        The target.

    Returns
    -------
    mpmath.mpf
        dE/dw to about 64 significant bits, found without the chain rule: the gate's
        ``gradient-differentiated`` property compares implementations with it.

    Raises
    ------
    OracleError
        If two precisions never agree within ``MAX_PRECISION`` bits.

    Examples
    --------
    >>> differentiated_gradient(0.0, 2.0, 1.0)  # −(1 − ½)·¼·2
    mpf('-0.25')
    """
    if x == 0.0:
        return mpmath.mpf(0)
    log2_z = math.log2(abs(w)) + math.log2(abs(x)) if w != 0.0 else -math.inf  # w·x may underflow
    z = 2.0 ** min(log2_z, 12.0)
    small_z_bits = -log2_z if 0.0 < z < 1.0 else 0.0
    p = 128 + int(1.5 * z + math.log2(1.0 + abs(t)) + small_z_bits)

    def energy(weight: mpmath.mpf) -> mpmath.mpf:
        z = weight * x
        small = 1 / (1 + mpmath.exp(abs(z)))
        residual = ((1 - mpmath.mpf(t)) - small) if z > 0 else (small - t)
        return residual * residual / 2

    previous = None
    while p <= MAX_PRECISION:
        with mpmath.workprec(p):
            xm = mpmath.mpf(x)
            reach = 1 / abs(xm)  # the change of w that moves z by 1; 1/x may overflow float64
            scale = min(abs(mpmath.mpf(w)), reach) if w != 0.0 else reach
            step = mpmath.ldexp(scale, -p - 10)
            current = mpmath.diff(energy, mpmath.mpf(w), h=step)
        settled = previous is not None and abs(current - previous) <= abs(current) * mpmath.ldexp(
            1, -64
        )
        # Two zeros agree trivially; only at w = 0 (E even about w when t = ½) is zero the answer.
        if settled and (current != 0 or w == 0.0):
            return current
        previous = current
        p *= 2
    raise OracleError(f"numerical differentiation did not settle at w={w}, x={x}, t={t}")
