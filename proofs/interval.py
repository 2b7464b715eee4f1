"""Exact polynomials and rigorous interval bounds for the proofs' machine checks.

Every derivative of σ is a polynomial in s = σ(z), and s ranges over the compact interval [0, 1],
so the maxima the proofs need (sup |σ^(k)|, sup |E''|/x², ...) are maxima of polynomials with
rational coefficients over boxes. This module bounds them by branch and bound:

- a polynomial is stored exactly, with Fraction coefficients;
- on a box with centre c and half-widths r it is re-expanded exactly about c (a Taylor form), and
  each term a·h1^i·h2^j is enclosed with mpmath's interval arithmetic (libmpi, outward rounding at
  an explicit precision), so the enclosure of the range is rigorous and its overestimate is O(r²);
- exact values at points give lower bounds for the maximum, enclosures give upper bounds, and the
  box with the largest upper bound is split until the two meet within a tolerance.

Nothing here touches mpmath's global precision.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb

from mpmath.libmp import (
    from_rational,
    mpf_le,
    round_ceiling,
    round_floor,
    to_rational,
    to_str,
)
from mpmath.libmp.libmpi import mpi_add, mpi_div, mpi_mul, mpi_sqrt, mpi_sub

Mpf = tuple[int, int, int, int]
"""An mpmath raw binary float (sign, mantissa, exponent, bitcount)."""

Interval = tuple[Mpf, Mpf]
"""A closed interval [lo, hi] with mpmath raw float ends."""

Number = int | Fraction
Box = tuple[tuple[Fraction, Fraction], ...]

DEFAULT_PREC = 128


def rational(value: Number) -> Interval:
    """Enclose a rational number between its downward and upward roundings at DEFAULT_PREC."""
    return rational_at(value, DEFAULT_PREC)


def rational_at(value: Number, prec: int) -> Interval:
    """Enclose a rational number between its downward and upward roundings at `prec` bits."""
    q = Fraction(value)
    return (
        from_rational(q.numerator, q.denominator, prec, round_floor),
        from_rational(q.numerator, q.denominator, prec, round_ceiling),
    )


def sqrt_of(value: Number, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose √value for a rational value ≥ 0."""
    result: Interval = mpi_sqrt(rational_at(value, prec), prec)
    return result


def sqrt_of_interval(value: Interval, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose √v for every v in an interval of non-negative numbers."""
    result: Interval = mpi_sqrt(value, prec)
    return result


def add(a: Interval, b: Interval, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose a + b."""
    result: Interval = mpi_add(a, b, prec)
    return result


def sub(a: Interval, b: Interval, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose a − b."""
    result: Interval = mpi_sub(a, b, prec)
    return result


def mul(a: Interval, b: Interval, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose a·b."""
    result: Interval = mpi_mul(a, b, prec)
    return result


def div(a: Interval, b: Interval, prec: int = DEFAULT_PREC) -> Interval:
    """Enclose a/b (b must not contain 0)."""
    result: Interval = mpi_div(a, b, prec)
    return result


def to_fraction(value: Mpf) -> Fraction:
    """The exact rational value of a finite mpmath raw float.

    With the gmpy2 backend p and q are gmpy2 integers; they are made Python ints, so that the
    Fraction's arithmetic is Python's (int/int is correctly rounded to float64, subnormals
    included, where gmpy2's mpz/mpz would give a 53-bit mpfr that knows no subnormals).
    """
    p, q = to_rational(value)
    return Fraction(int(p), int(q))


def contains(outer: Interval, inner: Interval) -> bool:
    """Whether `inner` lies inside `outer`."""
    return bool(mpf_le(outer[0], inner[0]) and mpf_le(inner[1], outer[1]))


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether the two intervals have a point in common."""
    return bool(mpf_le(a[0], b[1]) and mpf_le(b[0], a[1]))


def show(value: Interval | Mpf, digits: int = 17) -> str:
    """Print an interval or a raw float with `digits` significant decimals."""
    if isinstance(value[0], tuple):
        lo, hi = value
        return f"[{to_str(lo, digits)}, {to_str(hi, digits)}]"
    return str(to_str(value, digits))


class Poly:
    """A polynomial in `nvars` variables with exact rational coefficients.

    Stored as a map from exponent tuples to nonzero Fraction coefficients. Built from
    `Poly.var` and `Poly.const` with +, −, * and ** (a non-negative integer power).
    """

    __slots__ = ("nvars", "terms")

    def __init__(self, nvars: int, terms: Mapping[tuple[int, ...], Number] | None = None) -> None:
        self.nvars = nvars
        self.terms: dict[tuple[int, ...], Fraction] = {}
        for exps, coeff in (terms or {}).items():
            if len(exps) != nvars:
                raise ValueError(f"exponent tuple {exps} does not have {nvars} entries")
            if coeff:
                self.terms[exps] = Fraction(coeff)

    @classmethod
    def var(cls, index: int, nvars: int) -> Poly:
        """The variable number `index` (from 0) of a polynomial ring in `nvars` variables."""
        exps = tuple(1 if i == index else 0 for i in range(nvars))
        return cls(nvars, {exps: 1})

    @classmethod
    def const(cls, value: Number, nvars: int) -> Poly:
        """A constant polynomial."""
        return cls(nvars, {(0,) * nvars: value})

    def _lift(self, other: Poly | Number) -> Poly:
        if isinstance(other, Poly):
            if other.nvars != self.nvars:
                raise ValueError("polynomials in different numbers of variables")
            return other
        return Poly.const(other, self.nvars)

    def __add__(self, other: Poly | Number) -> Poly:
        total = dict(self.terms)
        for exps, coeff in self._lift(other).terms.items():
            total[exps] = total.get(exps, Fraction(0)) + coeff
        return Poly(self.nvars, total)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly(self.nvars, {e: -c for e, c in self.terms.items()})

    def __sub__(self, other: Poly | Number) -> Poly:
        return self + (-self._lift(other))

    def __rsub__(self, other: Poly | Number) -> Poly:
        return self._lift(other) - self

    def __mul__(self, other: Poly | Number) -> Poly:
        product: dict[tuple[int, ...], Fraction] = {}
        for (e1, c1), (e2, c2) in itertools.product(
            self.terms.items(), self._lift(other).terms.items()
        ):
            exps = tuple(a + b for a, b in zip(e1, e2, strict=True))
            product[exps] = product.get(exps, Fraction(0)) + c1 * c2
        return Poly(self.nvars, product)

    __rmul__ = __mul__

    def __pow__(self, n: int) -> Poly:
        if n < 0:
            raise ValueError("negative power of a polynomial")
        result = Poly.const(1, self.nvars)
        for _ in range(n):
            result = result * self
        return result

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (int, Fraction)):
            other = Poly.const(other, self.nvars)
        if not isinstance(other, Poly):
            return NotImplemented
        return self.nvars == other.nvars and self.terms == other.terms

    def __hash__(self) -> int:
        return hash((self.nvars, frozenset(self.terms.items())))

    def __repr__(self) -> str:
        return f"Poly({self.nvars}, {self.terms!r})"

    def degree(self, index: int) -> int:
        """The degree in variable number `index` (−1 for the zero polynomial)."""
        return max((e[index] for e in self.terms), default=-1)

    def deriv(self, index: int) -> Poly:
        """The partial derivative with respect to variable number `index`."""
        out: dict[tuple[int, ...], Fraction] = {}
        for exps, coeff in self.terms.items():
            k = exps[index]
            if k:
                lowered = (*exps[:index], k - 1, *exps[index + 1 :])
                out[lowered] = out.get(lowered, Fraction(0)) + coeff * k
        return Poly(self.nvars, out)

    def substitute(self, index: int, value: Poly | Number) -> Poly:
        """Replace variable number `index` by a polynomial (or a number)."""
        replacement = self._lift(value)
        result = Poly(self.nvars)
        for exps, coeff in self.terms.items():
            rest = (*exps[:index], 0, *exps[index + 1 :])
            result = result + Poly(self.nvars, {rest: coeff}) * replacement ** exps[index]
        return result

    def __call__(self, *point: Number) -> Fraction:
        """Evaluate exactly at a rational point."""
        if len(point) != self.nvars:
            raise ValueError(f"expected {self.nvars} coordinates, got {len(point)}")
        values = [Fraction(v) for v in point]
        total = Fraction(0)
        for exps, coeff in self.terms.items():
            term = coeff
            for v, k in zip(values, exps, strict=True):
                term *= v**k
            total += term
        return total

    def shift(self, centre: Sequence[Number]) -> Poly:
        """The exact Taylor re-expansion about `centre`: q(h) = p(centre + h)."""
        c = [Fraction(v) for v in centre]
        out: dict[tuple[int, ...], Fraction] = {}
        for exps, coeff in self.terms.items():
            # expand Π (c_i + h_i)^(e_i) by the binomial theorem in each variable
            per_var = [
                [(j, comb(e, j) * c_i ** (e - j)) for j in range(e + 1)]
                for e, c_i in zip(exps, c, strict=True)
            ]
            for choice in itertools.product(*per_var):
                new_exps = tuple(j for j, _ in choice)
                term = coeff
                for _, factor in choice:
                    term *= factor
                out[new_exps] = out.get(new_exps, Fraction(0)) + term
        return Poly(self.nvars, out)

    def integrate(self, index: int, lo: Number, hi: Number) -> Poly:
        """The exact integral over variable number `index` from lo to hi."""
        antiderivative: dict[tuple[int, ...], Fraction] = {}
        for exps, coeff in self.terms.items():
            raised = (*exps[:index], exps[index] + 1, *exps[index + 1 :])
            antiderivative[raised] = coeff / (exps[index] + 1)
        prim = Poly(self.nvars, antiderivative)
        return prim.substitute(index, hi) - prim.substitute(index, lo)


def _power_range(radius: Fraction, k: int) -> tuple[Fraction, Fraction]:
    """The exact range of h^k for h in [−radius, radius]."""
    top = radius**k
    if k == 0:
        return Fraction(1), Fraction(1)
    return (Fraction(0), top) if k % 2 == 0 else (-top, top)


def enclose(p: Poly, box: Box, prec: int = DEFAULT_PREC) -> Interval:
    """A rigorous enclosure of {p(v) : v in box} (a Taylor form about the box's centre)."""
    centre = [(lo + hi) / 2 for lo, hi in box]
    radius = [(hi - lo) / 2 for lo, hi in box]
    shifted = p.shift(centre)
    total: Interval = rational_at(0, prec)
    for exps, coeff in shifted.terms.items():
        lo, hi = Fraction(1), Fraction(1)
        for r, k in zip(radius, exps, strict=True):
            a, b = _power_range(r, k)
            corners = (lo * a, lo * b, hi * a, hi * b)
            lo, hi = min(corners), max(corners)
        term = mpi_mul(
            rational_at(coeff, prec), (rational_at(lo, prec)[0], rational_at(hi, prec)[1]), prec
        )
        total = mpi_add(total, term, prec)
    return total


@dataclass(frozen=True)
class MaxBound:
    """A rigorous two-sided bound lower ≤ max ≤ upper of a polynomial over a box.

    `lower` is the exact value of the polynomial at `argmax` (a rational point of the box);
    `upper` is an upward-rounded binary float. `boxes` counts the enclosures computed.
    """

    lower: Fraction
    upper: Mpf
    argmax: tuple[Fraction, ...]
    boxes: int

    @property
    def enclosure(self) -> Interval:
        """[lower, upper] as an interval (lower rounded down)."""
        return (rational_at(self.lower, DEFAULT_PREC)[0], self.upper)

    @property
    def width(self) -> Fraction:
        """upper − lower."""
        return to_fraction(self.upper) - self.lower


def maximum(
    p: Poly, box: Box, tol: Fraction, prec: int = DEFAULT_PREC, max_boxes: int = 200_000
) -> MaxBound:
    """Bound the maximum of p over a box to within `tol`, by best-first branch and bound.

    The box with the largest enclosure upper end is split in half along its widest side until
    that upper end is within `tol` of the best exact point value found. Every box ever discarded
    has an upper end no larger than the final one, so the final one bounds the maximum.
    """
    if tol <= 0:
        raise ValueError("tol must be positive")
    counter = itertools.count()
    mids = tuple((lo + hi) / 2 for lo, hi in box)
    corners = [tuple(c) for c in itertools.product(*box)]
    best_point = max([mids, *corners], key=lambda pt: p(*pt))
    best = p(*best_point)
    first = enclose(p, box, prec)
    heap: list[tuple[Fraction, int, Box, Mpf]] = [
        (-to_fraction(first[1]), next(counter), box, first[1])
    ]
    computed = 1
    while True:
        neg_upper, _, current, upper = heapq.heappop(heap)
        if -neg_upper <= best + tol:
            return MaxBound(lower=best, upper=upper, argmax=best_point, boxes=computed)
        if computed >= max_boxes:
            raise RuntimeError(
                f"branch and bound did not reach tolerance {tol} in {max_boxes} boxes"
            )
        side = max(range(len(current)), key=lambda i: current[i][1] - current[i][0])
        lo, hi = current[side]
        middle = (lo + hi) / 2
        for half in ((lo, middle), (middle, hi)):
            child = (*current[:side], half, *current[side + 1 :])
            centre = tuple((a + b) / 2 for a, b in child)
            for point in (centre, *itertools.product(*child)):
                value = p(*point)
                if value > best:
                    best, best_point = value, tuple(point)
            enc = enclose(p, child, prec)
            computed += 1
            heapq.heappush(heap, (-to_fraction(enc[1]), next(counter), child, enc[1]))


def max_abs(p: Poly, box: Box, tol: Fraction, prec: int = DEFAULT_PREC) -> MaxBound:
    """Bound max |p| over a box to within `tol` (the larger of max p and max −p)."""
    above = maximum(p, box, tol, prec)
    below = maximum(-p, box, tol, prec)
    lower_side = above if above.lower >= below.lower else below
    upper = below.upper if mpf_le(above.upper, below.upper) else above.upper
    return MaxBound(
        lower=lower_side.lower,
        upper=upper,
        argmax=lower_side.argmax,
        boxes=above.boxes + below.boxes,
    )


def unit_box(nvars: int) -> Box:
    """[0, 1]^nvars."""
    return tuple((Fraction(0), Fraction(1)) for _ in range(nvars))
