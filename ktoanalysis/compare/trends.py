"""Trends of a sample series: Tc against carrier density."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from uncertainties import correlated_values, ufloat

from ..errors import FitError

__all__ = ["tc_density_slope"]


def tc_density_slope(n2d_cm2: Sequence[float], Tc_K: Sequence[float],
                     Tc_err_K: Sequence[float] | None = None):
    """Slope dTc/dn2D of a straight line through (n2D, Tc) points, with its error.

    Parameters
    ----------
    n2d_cm2
        Sheet carrier densities (cm^-2).
    Tc_K
        Critical temperatures (K), one per density, all with the same Tc criterion.
    Tc_err_K
        1-sigma errors of Tc (K). With errors the fit is weighted and the covariance is
        not rescaled; without, the covariance is scaled by the reduced chi-square
        (and two points give the slope with no error).

    Returns
    -------
    (slope, intercept)
        ``slope`` in K cm^2 and ``intercept`` (Tc at n2D = 0) in K: correlated ufloats
        when an error is defined, floats otherwise.

    Raises
    ------
    FitError
        Fewer than two distinct densities, or non-finite values.
    """
    n = np.asarray(n2d_cm2, float)
    T = np.asarray(Tc_K, float)
    if n.shape != T.shape or n.ndim != 1:
        raise FitError("n2d_cm2 and Tc_K must be 1-D sequences of equal length")
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(T))):
        raise FitError("non-finite density or Tc in the Tc(n2D) trend")
    if np.unique(n).size < 2:
        raise FitError("the Tc(n2D) slope needs at least two distinct densities")
    scale = float(np.mean(n))  # fit in units of the mean density (conditioning)
    X = np.column_stack([n / scale, np.ones_like(n)])
    if Tc_err_K is not None:
        w = 1.0 / np.asarray(Tc_err_K, float)
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise FitError("Tc errors must be finite and positive")
    else:
        w = np.ones_like(T)
    A = X * w[:, None]
    coef, *_ = np.linalg.lstsq(A, T * w, rcond=None)
    dof = n.size - 2
    cov = np.linalg.inv(A.T @ A)
    if Tc_err_K is None:
        if dof <= 0:
            return float(coef[0] / scale), float(coef[1])
        resid = T - X @ coef
        cov = cov * float(resid @ resid) / dof
    slope, icpt = correlated_values(coef, cov)
    if isinstance(slope, float):  # pragma: no cover - correlated_values returns ufloats
        slope = ufloat(slope, 0.0)
    return slope / scale, icpt
