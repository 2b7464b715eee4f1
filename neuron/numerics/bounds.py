"""Sharp bounds on the derivatives of σ and of the loss E, for tolerances.

Every derivative of σ is a polynomial in s = σ(z) ∈ (0, 1): with σ' = s(1 − s), the
derivative of P(s) with respect to z is P'(s)·s(1 − s). The loss E = ½(t − s)² has, as a
function of z, derivatives of the form A_k(s) + t·B_k(s) for k ≥ 1, where B_k = −σ^(k).
By the chain rule, d^k E/dw^k = x^k · d^k E/dz^k with z = w·x.

The constants are suprema over s ∈ (0, 1), rounded up to float64. tests/test_bounds.py
recomputes each one in exact rational arithmetic (Sturm sequences isolate the critical
points) and checks that the float64 value here is exactly the upward rounding.
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CURVATURE_C",
    "LOSS_DERIVATIVE_SUP",
    "SIGMOID_DERIVATIVE_SUP",
    "curvature_bound",
    "loss_derivative_bound",
]

#: sup over z of |σ^(k)(z)| for k = 0..5, rounded up to float64.
#: k = 0: 1, not attained (T2.4); k = 1: 1/4 at z = 0 (T2.4);
#: k = 2: 1/(6√3) at z = ±ln(2 + √3) (T2.5); k = 3: 1/8 at z = 0 (T2.7);
#: k = 4: |σ^(4)| at the roots of 120s⁴ − 240s³ + 150s² − 30s + 1 nearest 1/2 (T2.7);
#: k = 5: 1/4 at z = 0 (T2.7).
SIGMOID_DERIVATIVE_SUP: tuple[float, ...] = (
    1.0,
    0.25,
    0.09622504486493763,  # 0x1.8a2345cc04426p-4
    0.125,
    0.12768392196780176,  # 0x1.057f25e89d21cp-3
    0.25,
)

#: C_k = sup over z and t ∈ [0, 1] of |d^k E/dz^k| for k = 0..5, rounded up to float64.
#: For k ≥ 1 the supremum over t ∈ [0, 1] is reached at t = 0 and at t = 1 (convexity in t,
#: and E(z; t = 1) = E(−z; t = 0)), so C_k = sup over s of |A_k(s)| (T3.4).
#: k = 0: 1/2 (E itself); k = 1: 4/27 at s = 2/3; k = 2: the curvature constant C (T3.2);
#: k = 3, 4, 5: at roots of 60s³ − 108s² + 57s − 8, 360s⁴ − 840s³ + 660s² − 195s + 16 and
#: 2520s⁵ − 7200s⁴ + 7500s³ − 3420s² + 633s − 32 (T3.4).
LOSS_DERIVATIVE_SUP: tuple[float, ...] = (
    0.5,
    0.14814814814814817,  # 0x1.2f684bda12f69p-3
    0.07702928506067526,  # 0x1.3b830f42b7c0dp-4
    0.10101150458375573,  # 0x1.9dbe3d4b4fcf7p-4
    0.13909385047234477,  # 0x1.1cdd3c96d3d5bp-3
    0.26386614202693015,  # 0x1.0e32ed0a1c034p-2
)

#: The sharp curvature constant of T3.2: sup |E''(w)|/x² over w and t ∈ [0, 1] equals
#: f(s1) with f(s) = s²(1 − s)(2 − 3s) and s1 = (15 − √33)/24, about 0.07703; rounded up.
CURVATURE_C: float = LOSS_DERIVATIVE_SUP[2]

# Outside [0, 1], three roundings (t − 1, the product, the sum) each lose at most a factor
# (1 − 2^-53); one more multiplication by 1 + 2^-50 and its own rounding more than make up
# for them, and the results are at least C_k ≥ 0.077, far from underflow. The same holds
# for the two roundings of ½·reach² (k = 0), which is at least 1/8.
_ROUND_UP = 1.0 + 2.0**-50


@overload
def loss_derivative_bound(k: int, t: float) -> float: ...
@overload
def loss_derivative_bound(k: int, t: NDArray[Any]) -> NDArray[np.float64]: ...
def loss_derivative_bound(k: int, t: float | NDArray[Any]) -> float | NDArray[np.float64]:
    """Bound K_k(t) with sup over w of |d^k E/dw^k| ≤ K_k(t)·|x|^k (T3.3, T3.4).

    For k ≥ 1, d^k E/dz^k = A_k(s) + t·B_k(s) is affine in t, so
    K_k(t) = C_k + dist(t, [0, 1])·sup|σ^(k)|: sharp at t = 0 and t = 1, valid for every t
    (triangle inequality at the nearer end of [0, 1]), and within 2·C_k of the exact
    supremum, which grows like sup|σ^(k)|·|t|. For k = 0 the exact value
    ½·max(|t|, |1 − t|)² is returned. Results are rounded up.

    Parameters
    ----------
    k : int
        Order of the derivative, 0 to 5.
    t : float or ndarray
        Target(s). NaN gives NaN and ±inf gives inf, elementwise.

    Returns
    -------
    float or ndarray
        K_k(t), a float for a scalar t, else an array of t's shape.

    Examples
    --------
    >>> loss_derivative_bound(2, 0.5) == CURVATURE_C
    True
    """
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= 5:
        raise ValueError(f"k must be an integer from 0 to 5, got {k!r}")
    ts = np.asarray(t, dtype=np.float64)
    with np.errstate(over="ignore"):
        if k == 0:
            # sup over s ∈ (0, 1) of ½(t − s)² is at an end: s → 0 or s → 1.
            reach = np.maximum(np.abs(ts), np.abs(1.0 - ts))
            bound = 0.5 * reach * reach * _ROUND_UP
        else:
            # np.maximum propagates NaN, so a NaN target gives a NaN bound; inside
            # [0, 1] the constant C_k is returned as it is, with nothing to round.
            outside = np.maximum(np.maximum(-ts, ts - 1.0), 0.0)
            scaled = outside * SIGMOID_DERIVATIVE_SUP[k]
            grown = (LOSS_DERIVATIVE_SUP[k] + scaled) * _ROUND_UP
            bound = np.where(outside == 0.0, LOSS_DERIVATIVE_SUP[k], grown)
    if isinstance(t, np.ndarray):
        return np.asarray(bound, dtype=np.float64)
    return float(bound)


@overload
def curvature_bound(t: float) -> float: ...
@overload
def curvature_bound(t: NDArray[Any]) -> NDArray[np.float64]: ...
def curvature_bound(t: float | NDArray[Any]) -> float | NDArray[np.float64]:
    """Bound on sup over w of |E''(w)|/x² for target t (T3.2, T3.3).

    E''(w)/x² = s²(1 − s)² − (t − s)s(1 − s)(1 − 2s) with s = σ(wx). For t ∈ [0, 1] this
    is CURVATURE_C; outside, CURVATURE_C + dist(t, [0, 1])/(6√3), rounded up.

    Examples
    --------
    >>> curvature_bound(1.0) == CURVATURE_C
    True
    """
    return loss_derivative_bound(2, t)
