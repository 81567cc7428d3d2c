"""Upper critical fields: lineshapes, implicit pair-breaking solvers, lmfit models, and the
extraction of Hc2 points from R(H) (or Tc(B) from R(T)) sweeps.

Layers (as in lmfit): plain NumPy functions first (SI units, guarded divisions, nothing
about fitting), then :class:`lmfit.Model` subclasses with parameter hints and ``guess``,
then the model-free extraction of (T, Hc2) or (theta, Hc2) points from sweeps.

Conventions
-----------
* Fields are ``B = mu0*H`` in tesla; temperatures in K; lengths in m; angles in rad.
* ``theta`` is the angle between the field and the sample normal (``"from_normal"``,
  theta = 0 perpendicular); ``"from_plane"`` swaps sin and cos (ASSUMPTION
  ``theta_convention``).
* The GL formulas give the *GL-linear extrapolation* to T = 0 (``Bc2perp_GL0``), not the
  true T = 0 field (dirty-limit WHH gives 0.693 of it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from ..units import K_B, MU_B, PHI0, E
from .lineshapes import (
    EULER_GAMMA,
    PAULI_COEFFICIENTS,
    TINY,
    WHH_ORBITAL_RATIO,
    PauliCoefficient,
    ThetaConvention,
    ag_pair_breaking,
    gl3d_hc2,
    gl_par_hc2,
    gl_perp_hc2,
    ising_hc2,
    klb_hc2,
    klb_zero_temperature,
    pauli_limit,
    tinkham_hc2,
    tinkham_residual,
    whh_hc2,
    whh_reduced_field,
    whh_zero_temperature_ratio,
)
from .models import AnisotropicGLModel, GLParModel, GLPerpModel, KLBModel, TinkhamModel, WHHModel
from .sweeps import split_sweeps

__all__ = [
    "TINY", "EULER_GAMMA", "WHH_ORBITAL_RATIO", "PAULI_COEFFICIENTS", "ThetaConvention",
    "PauliCoefficient",
    # lineshapes
    "tinkham_hc2", "tinkham_residual", "gl3d_hc2", "gl_perp_hc2", "gl_par_hc2",
    "xi_from_bc2perp", "bc2perp_from_xi", "d_from_bc2par", "diffusion_from_slope",
    "pauli_limit", "pauli_second_order_limit", "rashba_ceiling",
    "whh_reduced_field", "whh_hc2", "whh_zero_temperature_ratio",
    "ag_pair_breaking", "klb_hc2", "klb_zero_temperature", "ising_hc2",
    # models
    "TinkhamModel", "AnisotropicGLModel", "GLPerpModel", "GLParModel", "WHHModel", "KLBModel",
    # extraction
    "Hc2Point", "crossing_field", "extract_hc2_points", "extract_tc_points",
    "points_table", "hc2_points_from_table", "hc2_column",
]


#: B_c2(0)/(Tc*|dB_c2/dT|) of the dirty-limit orbital WHH curve: pi**2*exp(-gamma)/8


#: ASSUMPTION (pauli_coefficient): name -> (kind, number). "delta" means
#: B_P = c*k_B*Tc/(sqrt(2)*mu_B); "direct" means B_P = c [T/K] * Tc.


# --------------------------------------------------------------------------------------
# angular dependence (docs/models/hc2_angle.md)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# GL temperature dependence (docs/models/hc2_gl.md, docs/models/hall_normal_state.md)
# --------------------------------------------------------------------------------------
def bc2perp_from_xi(xi0_m):
    """GL-linear perpendicular field at T = 0: ``phi0/(2*pi*xi0**2)`` [T] (xi0 in m)."""
    return PHI0 / (2.0 * math.pi * np.asarray(xi0_m, dtype=float) ** 2)


def xi_from_bc2perp(B_T):
    """GL coherence length ``sqrt(phi0/(2*pi*B))`` [m] from a perpendicular field [T]."""
    return np.sqrt(PHI0 / (2.0 * math.pi * np.asarray(B_T, dtype=float)))


def d_from_bc2par(xi0_m, Bpar0_T):
    """2D-GL superconducting thickness ``sqrt(12)*phi0/(2*pi*xi0*Bpar0)`` [m]."""
    return math.sqrt(12.0) * PHI0 / (2.0 * math.pi * np.asarray(xi0_m) * np.asarray(Bpar0_T))


def diffusion_from_slope(slope_T_per_K):
    """Dirty-limit diffusion constant ``4*k_B/(pi*e*|dBc2perp/dT|)`` [m^2/s] (§1.3)."""
    mag = slope_T_per_K if np.all(np.asarray(getattr(slope_T_per_K, "nominal_value",
                                                         slope_T_per_K)) >= 0) \
        else -slope_T_per_K
    return 4.0 * K_B / (math.pi * E * mag)


# --------------------------------------------------------------------------------------
# Pauli limit (docs/models/pauli_klb.md)
# --------------------------------------------------------------------------------------


def pauli_second_order_limit(Tc_K, delta_ratio: float = 1.764, g: float = 2.0):
    """Second-order (supercooling) Pauli line at T = 0, ``Delta0/(2*mu_B)`` [T], g = 2."""
    return delta_ratio * K_B * Tc_K / (2.0 * MU_B) * (2.0 / g)


def rashba_ceiling(B_P_T):
    """ASSUMPTION (rashba_ceiling): paramagnetic limit with strong Rashba SOC, sqrt(2)*B_P."""
    return math.sqrt(2.0) * B_P_T


# --------------------------------------------------------------------------------------
# implicit solvers: WHH (§5.5), Abrikosov-Gor'kov / KLB (§5.7.1), Ising (§5.7.3)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# lmfit models
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Hc2 extraction from sweeps (docs/models/critical_field.md)
# --------------------------------------------------------------------------------------
@dataclass
class Hc2Point:
    """One critical point: fixed variable (T in K, or theta in rad) and the critical value.

    ``value`` is the mean over branches (sweep directions, +-B) of the critical |B|;
    ``stderr`` combines the interpolation/noise error and the branch scatter; ``spread`` =
    max - min over branches (systematic, reported separately); ``censored`` =
    ``"upper_bound"``/``"lower_bound"`` when the transition lies outside the swept range
    (then ``value`` is the range end, a bound), ``"not_reached"`` when R never falls below
    the criterion although the sweep reaches B = 0 (an incomplete transition: ``value`` is
    ``None``, never 0 T, and ``reason`` says why, e.g. "criterion not reached: minimum R =
    0.79 R_N").

    ``branches`` holds the |B| crossings of the branches averaged; ``signed`` the same
    crossings with their sign and origin: dicts ``B_T`` (signed field, T), ``sigma_T``,
    ``side`` (``"plus"`` for B >= 0, ``"minus"`` for B <= 0) and ``direction`` (``"up"`` /
    ``"down"`` sweep).
    """

    fixed: float
    value: float | None
    stderr: float
    spread: float
    n_branches: int
    R_N_ohm: float
    censored: str | None = None
    branches: list[float] = field(default_factory=list)
    signed: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None


def crossing_field(x, R, level: float, sigma_R: float = 0.0) -> tuple[float, float] | None:
    """Highest x where R crosses ``level`` going up (linear interpolation), with its error.

    Parameters
    ----------
    x
        Sweep variable (|B| in T or T in K), any order.
    R
        Resistance [ohm].
    level
        Resistance level [ohm] (criterion fraction times R_N).
    sigma_R
        Noise of R at the crossing [ohm]; the error of x is ``sigma_R/|dR/dx|``.

    Returns
    -------
    (x_c, sigma_x) or None if R never goes from below to above ``level``.
    """
    order = np.argsort(x, kind="stable")
    xs, Rs = np.asarray(x, float)[order], np.asarray(R, float)[order]
    below = Rs < level
    idx = np.flatnonzero(below[:-1] & ~below[1:])
    if idx.size == 0:
        return None
    i = int(idx[-1])
    x0, x1, r0, r1 = xs[i], xs[i + 1], Rs[i], Rs[i + 1]
    if r1 == r0:
        return float(x0), float(abs(x1 - x0) / 2)
    xc = x0 + (level - r0) * (x1 - x0) / (r1 - r0)
    slope = abs((r1 - r0) / (x1 - x0)) if x1 != x0 else np.inf
    sig = sigma_R / slope if slope > 0 else abs(x1 - x0)
    return float(xc), float(sig)


def _combine(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    vals = np.array([p[0] for p in points])
    errs = np.array([p[1] for p in points])
    n = vals.size
    mean = float(vals.mean())
    stat = float(np.sqrt(np.sum(errs**2)) / n)
    scatter = float(vals.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, math.hypot(stat, scatter), float(np.ptp(vals)) if n > 1 else 0.0


def _rn_from_branch(absx, R, rn_method: str, rn_field: float | None, R_N: float | None,
                    plateau_fraction: float):
    if rn_method == "fixed_value":
        if R_N is None or not R_N > 0:
            raise FitError("rn_method='fixed_value' needs a positive R_N_ohm option")
        return float(R_N), 0.0
    if rn_method == "fixed_B":
        if rn_field is None:
            raise FitError("rn_method='fixed_B' needs the option rn_field_T")
        if rn_field > absx.max() * (1 + 1e-6) or rn_field < absx.min():
            return None
        order = np.argsort(absx)
        sel = np.abs(absx - rn_field) <= max(0.02 * rn_field, 1e-12)
        sig = float(np.std(R[sel], ddof=1) / math.sqrt(sel.sum())) if sel.sum() > 2 else 0.0
        return float(np.interp(rn_field, absx[order], R[order])), sig
    if rn_method == "plateau":
        xmax = absx.max()
        sel = absx >= plateau_fraction * xmax
        if sel.sum() < 2:
            sel = absx >= np.sort(absx)[-2]
        vals = R[sel]
        sig = float(np.std(vals, ddof=1) / math.sqrt(vals.size)) if vals.size > 2 else 0.0
        return float(np.median(vals)), sig
    raise FitError(f"rn_method must be 'plateau', 'fixed_B' or 'fixed_value', got {rn_method!r}")


def _noise(absx, R) -> float:
    """Point-to-point noise of R from second differences (robust, model-free) [ohm]."""
    order = np.argsort(absx)
    r = R[order]
    if r.size < 4:
        return 0.0
    d2 = r[2:] - 2 * r[1:-1] + r[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def _extract(sweeps, fraction, rn_method, rn_value, R_N, plateau_fraction, split_sign,
             tol, fixed_name) -> list[Hc2Point]:
    if not 0 < fraction < 1:
        raise FitError(f"criterion fraction must be in (0, 1), got {fraction!r}")
    groups: list[list[Any]] = []
    for sw in sweeps:
        for g in groups:
            a, b = g[0].by_value, sw.by_value
            if abs(a - b) <= tol or (math.isnan(a) and math.isnan(b)):
                g.append(sw)
                break
        else:
            groups.append([sw])
    out: list[Hc2Point] = []
    for g in groups:
        crossings, rns, lows, highs, signed, min_ratio = [], [], [], [], [], []
        for sw in g:
            x, R = sw.x, sw.y
            parts = ([(x >= 0, 1.0), (x <= 0, -1.0)] if split_sign
                     else [(np.ones(x.size, bool), 1.0)])
            for sel, sgn in parts:
                if sel.sum() < 4:
                    continue
                ax, r = np.abs(x[sel]), R[sel]
                if np.ptp(ax) <= 0:
                    continue
                rn = _rn_from_branch(ax, r, rn_method, rn_value, R_N, plateau_fraction)
                if rn is None:
                    continue
                rn_val, rn_sig = rn
                if not rn_val > 0:
                    continue
                rns.append(rn_val)
                level = fraction * rn_val
                sig_R = math.hypot(_noise(ax, r), fraction * rn_sig)
                c = crossing_field(ax, r, level, sig_R)
                if c is None:
                    if np.all(r >= level):
                        lows.append(float(ax.min()))
                        min_ratio.append(float(np.min(r)) / rn_val)
                    elif np.all(r < level):
                        highs.append(float(ax.max()))
                    continue
                crossings.append(c)
                if split_sign:
                    signed.append({"B_T": sgn * c[0], "sigma_T": c[1],
                                   "side": "plus" if sgn > 0 else "minus",
                                   "direction": sw.direction})
        by = float(np.mean([sw.by_value for sw in g])) if g else float("nan")
        rn_mean = float(np.mean(rns)) if rns else float("nan")
        if crossings:
            mean, err, spread = _combine(crossings)
            out.append(Hc2Point(by, mean, err, spread, len(crossings), rn_mean,
                                branches=[c[0] for c in crossings], signed=signed))
        elif highs:
            out.append(Hc2Point(by, float(max(highs)), float("nan"), 0.0, 0, rn_mean,
                                censored="lower_bound"))
        elif lows:
            bound = float(min(lows))
            scale = max((float(np.max(np.abs(sw.x))) for sw in g), default=0.0)
            if bound <= 1e-6 * scale or bound <= 0.0:
                # the sweep reaches B = 0 (T = 0) and R stays above the level: an
                # incomplete transition, never "Hc2 = 0"
                out.append(Hc2Point(by, None, float("nan"), 0.0, 0, rn_mean,
                                    censored="not_reached",
                                    reason=f"criterion not reached: minimum R = "
                                           f"{min(min_ratio):.2g} R_N (level {fraction:g} "
                                           "R_N)"))
            else:
                out.append(Hc2Point(by, bound, float("nan"), 0.0, 0, rn_mean,
                                    censored="upper_bound"))
    if not out:
        raise FitError(f"no {fixed_name} block with a resistive transition found")
    return out


def extract_hc2_points(measurement: Measurement, *, fraction: float = 0.5,
                       rn_method: str = "plateau", rn_field_T: float | None = None,
                       R_N_ohm: float | None = None, plateau_fraction: float = 0.95,
                       by: str | None = "T_K", by_tol: float = 0.02, channel: Any = None,
                       min_points: int = 5) -> list[Hc2Point]:
    """Hc2 points from R(H) sweeps at fixed T (or fixed angle), docs/models/critical_field.md.

    Each sweep is split at B = 0; every branch (direction x sign of B) gives a crossing of
    ``fraction * R_N`` (linear interpolation, highest crossing in |B|), and the branches at
    the same ``by`` value are averaged (``value``, a |B|). The signed crossing of every
    branch is kept in :attr:`Hc2Point.signed` (sign of B, side and sweep direction). A
    sweep that reaches B = 0 without R ever falling below the criterion gives ``value =
    None`` with ``censored = "not_reached"`` and a ``reason``, never 0 T.

    Parameters
    ----------
    measurement
        Table with ``B_T``, a resistance column and the ``by`` column.
    fraction
        Criterion f of ``R(Hc2) = f*R_N`` (0.5 default; 0.9 onset, 0.1 zero).
    rn_method
        ``"plateau"`` (median R at |B| >= plateau_fraction * max|B| of the same branch,
        default), ``"fixed_B"`` (R interpolated at ``rn_field_T``), ``"fixed_value"``
        (``R_N_ohm``).
    by
        Column held fixed in a sweep (``"T_K"`` or ``"theta_rad"``).
    by_tol
        Tolerance for grouping sweeps at the same ``by`` value (K or rad).

    Returns
    -------
    list of Hc2Point
        Sorted by the fixed value. Transitions outside the field range come back as censored
        bounds (never silently dropped).

    Raises
    ------
    FitError
        No transition at all, bad options.
    """
    y = measurement.resistance_column(channel)
    sweeps = split_sweeps(measurement, x="B_T", y=y, by=by, by_tol=by_tol, min_points=min_points)
    pts = _extract(sweeps, fraction, rn_method, rn_field_T, R_N_ohm, plateau_fraction, True,
                   by_tol, by)
    return sorted(pts, key=lambda p: p.fixed)


def extract_tc_points(measurement: Measurement, *, fraction: float = 0.5,
                      rn_method: str = "plateau", rn_T_K: float | None = None,
                      R_N_ohm: float | None = None, plateau_fraction: float = 0.95,
                      by_tol: float = 1e-3, channel: Any = None,
                      min_points: int = 5) -> list[Hc2Point]:
    """Tc(B) points from R(T) sweeps at fixed field (docs/models/critical_field.md).

    ``fixed`` of each point is the field [T], ``value`` the temperature [K] where
    R = fraction*R_N; ``rn_method`` as :func:`extract_hc2_points` with ``rn_T_K`` for
    ``"fixed_B"`` (here: R_N at a fixed temperature) and the plateau at the highest T.
    """
    y = measurement.resistance_column(channel)
    sweeps = split_sweeps(measurement, x="T_K", y=y, by="B_T", by_tol=by_tol,
                          min_points=min_points)
    pts = _extract(sweeps, fraction, rn_method, rn_T_K, R_N_ohm, plateau_fraction, False,
                   by_tol, "field")
    for p in pts:
        p.fixed = abs(p.fixed)
    return sorted(pts, key=lambda p: p.fixed)


def points_table(points: Sequence[Hc2Point], fixed: str = "T_K", value: str = "Hc2_T"):
    """Points as a DataFrame (``fixed``, ``value``, ``value_err``, spread, branches, R_N);
    a point whose criterion is not reached (``value`` None) has NaN there."""
    return pd.DataFrame({
        fixed: [p.fixed for p in points],
        value: [math.nan if p.value is None else p.value for p in points],
        f"{value}_err": [p.stderr for p in points],
        f"{value}_spread": [p.spread for p in points],
        "n_branches": [p.n_branches for p in points],
        "R_N_ohm": [p.R_N_ohm for p in points],
        "censored": [p.censored or "" for p in points],
    })


HC2_COLUMNS = ("hc2_t", "bc2_t")
HC2_ERR_COLUMNS = ("hc2_err_t", "hc2_t_err", "bc2_err_t", "dhc2_t", "sigma_hc2_t")


def _find_column(measurement: Measurement, names: Sequence[str]) -> str | None:
    for c in measurement.data.columns:
        if str(c).lower() in names:
            return str(c)
    return None


def hc2_column(measurement: Measurement) -> str | None:
    """Name of the precomputed critical-field column (``Hc2_T``/``hc2_T``/``Bc2_T``,
    case-insensitive), or None when the measurement holds sweeps."""
    return _find_column(measurement, HC2_COLUMNS)


def hc2_points_from_table(measurement: Measurement, fixed: str) -> tuple[np.ndarray, np.ndarray,
                                                                           np.ndarray | None]:
    """Precomputed points: (fixed values, Hc2 [T], sigma [T] or None) from a table with an
    ``Hc2_T`` (or ``Bc2_T``, any case; errors in ``Hc2_err_T``) column and the ``fixed``
    column (``T_K`` or ``theta_rad``).

    Raises
    ------
    DataFormatError
        Missing columns, NaN, negative fields or fewer than 2 points.
    """
    col = hc2_column(measurement)
    if col is None:
        raise DataFormatError("no Hc2 column", file=measurement.source, column="Hc2_T",
                              expected="a column 'Hc2 (T)' / Hc2_T")
    x = measurement.column(fixed)
    y = measurement.column(col)
    ecol = _find_column(measurement, HC2_ERR_COLUMNS)
    e = measurement.column(ecol) if ecol else None
    ok = np.isfinite(x) & np.isfinite(y)
    if e is not None:
        ok &= np.isfinite(e)
    if (~ok).any():
        bad = int(np.flatnonzero(~ok)[0])
        raise DataFormatError("missing or non-numeric value in the Hc2 table",
                              file=measurement.source, line=bad + 2, column=col,
                              expected="a number in every row")
    if np.any(y < 0):
        raise DataFormatError("negative critical field", file=measurement.source, column=col,
                              expected="Hc2 >= 0 (use |B|)")
    if e is not None and np.any(e <= 0):
        raise DataFormatError("non-positive Hc2 error", file=measurement.source, column=ecol,
                              expected="sigma > 0")
    return x, y, e
