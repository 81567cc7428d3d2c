"""Model-free characteristic temperatures of a resistive transition (MODELS.md section 2).

Kind ``tc``: ``Tc_onset``, ``Tc_mid`` (50 % of R_N), ``Tc_zero`` (resistance floor) and the
transition width ``T(0.8 R_N) - T(0.2 R_N)`` from one R(T) curve at fixed field.

Every temperature ``T(R = f*R_N)`` is found by linear interpolation between the two points
that bracket the *highest-T* crossing (all crossings are reported). Its statistical error
propagates the resistance noise ``sigma_R`` through the interpolation::

    T* = T1 + u*(T2 - T1),  u = (y - R1)/(R2 - R1)
    sigma_T = sigma_R * |T2 - T1|/|R2 - R1| * sqrt((1 - u)**2 + u**2)

The choice of R_N is a *systematic*: every temperature is recomputed with R_N +/- its
scatter and the half-difference is reported separately as ``<name>_sys_RN``.

ASSUMPTIONs (named options): ``rn_method`` (``"fixed_T"``, ``"fixed_B"``,
``"extrapolated_linear"``), ``onset_method`` (``"fraction"``, ``"tangent_intersection"``),
``zero_criterion`` (``R < max(k*sigma_R, f0*R_N)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .result import FitResult

__all__ = [
    "RTData", "NormalState", "Crossing", "OPTIONS", "prepare_rt", "rt_from_measurements",
    "estimate_noise", "normal_state", "crossings", "crossing_temperature", "fit_tc",
    "analyze", "plot",
]

RnMethod = Literal["fixed_T", "fixed_B", "extrapolated_linear"]
OnsetMethod = Literal["fraction", "tangent_intersection"]

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("rn_method", "str", "fixed_T", "how R_N is determined: 'fixed_T' (mean R near "
           "rn_T_K), 'fixed_B' (rows at field rn_B_T, e.g. a second file above Hc2), "
           "'extrapolated_linear' (line fitted to the normal state in rn_window)",
           choices=("fixed_T", "fixed_B", "extrapolated_linear"), assumption=True),
    Option("rn_T_K", "float", None, "temperature of R_N for rn_method='fixed_T'; default: "
           "the highest temperature of the data (recorded as rn_T_auto)", unit="K", min=0,
           min_exclusive=True),
    Option("rn_dT_K", "float", None, "half-width of the band around rn_T_K averaged for R_N "
           "(default: 2 % of rn_T_K, at least the 3 nearest points)", unit="K", min=0,
           min_exclusive=True),
    Option("rn_B_T", "float", None, "field of the normal-state rows for rn_method='fixed_B'",
           unit="T"),
    Option("rn_window", "pair", None, "[Tmin, Tmax] of the normal-state line for "
           "'extrapolated_linear' (default: top 25 % of the temperature range)", unit="K",
           min=0),
    Option("R_N_ohm", "float", None, "give R_N directly; overrides rn_method", unit="Ohm",
           min=0, min_exclusive=True),
    Option("onset_method", "str", "fraction", "Tc_onset: 'fraction' (f = onset_fraction) or "
           "'tangent_intersection' (normal-state line x steepest tangent)",
           choices=("fraction", "tangent_intersection"), assumption=True),
    Option("onset_fraction", "float", 0.9, "fraction of R_N defining Tc_onset", min=0,
           max=1, min_exclusive=True, max_exclusive=True, assumption=True),
    Option("mid_fraction", "float", 0.5, "fraction of R_N defining Tc_mid", min=0, max=1,
           min_exclusive=True, max_exclusive=True, assumption=True),
    Option("width_fractions", "pair", [0.2, 0.8], "[f_low, f_high] of the width "
           "T(f_high R_N) - T(f_low R_N) ([0.1, 0.9] also common)", min=0, max=1,
           min_exclusive=True, max_exclusive=True, assumption=True),
    Option("zero_k", "float", 3.0, "zero criterion: R < max(zero_k*sigma_R, zero_f0*R_N)",
           min=0, assumption=True),
    Option("zero_f0", "float", 0.01, "zero criterion: fraction zero_f0 of R_N", min=0,
           max=1, max_exclusive=True, assumption=True),
    Option("sigma_R_ohm", "float", None, "resistance noise; default: estimated from the "
           "second differences of the normal-state (R > 0.95 R_N) and zero-resistance points",
           unit="Ohm", min=0, min_exclusive=True),
    Option("field_T", "float", 0.0, "analyse only rows with |B - field_T| < field_tol_T when "
           "a B_T column exists", unit="T"),
    Option("field_tol_T", "float", 5e-3, "tolerance of field_T", unit="T", min=0,
           min_exclusive=True),
    Option("direction", "str", "auto", "sweep direction: 'auto' (when the rows hold warming "
           "and cooling sweeps, analyse the one with more points and report the other's "
           "Tc_mid and the thermal lag), 'all' (every row, sorted by T, duplicates "
           "averaged), 'up' (warming only), 'down' (cooling only)",
           choices=("auto", "all", "up", "down"), assumption=True),
)

SPEC = KindSpec(
    kind="tc",
    summary="Tc at onset/mid/zero and transition width from R(T)",
    inputs="one or more R(T) files (T_K and a resistance column) at fixed field",
    options=SPEC_OPTIONS,
    outputs=(
        Output("Tc_onset_K", "T(R = onset_fraction R_N) (or the tangent intersection)", "K"),
        Output("Tc_mid_K", "T(R = mid_fraction R_N)", "K"),
        Output("Tc_zero_K", "highest T where R falls below the zero floor", "K"),
        Output("width_K", "T(f_high R_N) - T(f_low R_N)", "K"),
        Output("R_N_ohm", "normal-state resistance at Tc_mid", "Ohm"),
        Output("sigma_R_ohm", "resistance noise used", "Ohm"),
        Output("<name>_sys_RN", "R_N systematic of each temperature", "K"),
        Output("Tc_mid_K_other_direction", "Tc_mid of the other sweep direction", "K"),
        Output("thermal_lag_K", "Tc_mid(warming) - Tc_mid(cooling)", "K"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()


@dataclass(frozen=True)
class RTData:
    """A cleaned R(T) curve: sorted by T, duplicated temperatures averaged, NaNs dropped.

    Attributes
    ----------
    T_K, R_ohm
        Temperature (K) and resistance (Ohm), strictly increasing T.
    notes
        What was done to the raw data (dropped NaNs, averaged duplicates...).
    source
        File name(s), for messages.
    """

    T_K: np.ndarray
    R_ohm: np.ndarray
    notes: list[str] = field(default_factory=list)
    source: str | None = None


@dataclass(frozen=True)
class NormalState:
    """Normal-state resistance ``R_N(T) = R_N0 + slope*(T - T_ref)``.

    Attributes
    ----------
    R_N_ohm
        Value at ``T_ref_K`` (Ohm).
    slope_ohm_K
        Linear slope (Ohm/K), 0 for fixed_T / fixed_B.
    T_ref_K
        Reference temperature (K).
    scatter_ohm
        Scatter (1 sigma, Ohm) of the R_N determination, used for the systematic.
    method
        The rn_method used (``"given"`` when R_N_ohm was supplied).
    """

    R_N_ohm: float
    slope_ohm_K: float
    T_ref_K: float
    scatter_ohm: float
    method: str

    def __call__(self, T_K: np.ndarray | float) -> np.ndarray:
        """R_N (Ohm) at temperature(s) T_K."""
        return self.R_N_ohm + self.slope_ohm_K * (np.asarray(T_K, dtype=float) - self.T_ref_K)

    def shifted(self, delta_ohm: float) -> NormalState:
        """Copy with R_N shifted by ``delta_ohm``."""
        return NormalState(self.R_N_ohm + delta_ohm, self.slope_ohm_K, self.T_ref_K,
                           self.scatter_ohm, self.method)


@dataclass(frozen=True)
class Crossing:
    """One crossing of ``R(T) = level(T)``.

    Attributes
    ----------
    T_K
        Interpolated temperature (K).
    stderr_K
        Statistical 1-sigma error (K) from sigma_R through the interpolation.
    slope_ohm_K
        dR/dT of the bracketing pair (Ohm/K).
    index
        Index of the lower bracketing point.
    """

    T_K: float
    stderr_K: float
    slope_ohm_K: float
    index: int


# ---------------------------------------------------------------------------------------
# data preparation


def prepare_rt(T_K: np.ndarray, R_ohm: np.ndarray, *, source: str | None = None,
               min_points: int = 5) -> RTData:
    """Clean an R(T) curve: drop NaNs, sort by T, average duplicated temperatures.

    Parameters
    ----------
    T_K
        Temperatures (K).
    R_ohm
        Resistances (Ohm).
    source
        File name used in error messages.
    min_points
        Minimum number of distinct temperatures.

    Returns
    -------
    RTData

    Raises
    ------
    DataFormatError
        Too few points, all-zero resistance or lengths differing.
    """
    T = np.asarray(T_K, dtype=float).ravel()
    R = np.asarray(R_ohm, dtype=float).ravel()
    if T.shape != R.shape:
        raise DataFormatError(f"T ({T.size}) and R ({R.size}) have different lengths",
                              file=source)
    notes: list[str] = []
    ok = np.isfinite(T) & np.isfinite(R)
    if not ok.all():
        notes.append(f"dropped {int((~ok).sum())} rows with NaN/inf T or R")
    T, R = T[ok], R[ok]
    if T.size and np.any(np.diff(T) < 0):
        notes.append("temperatures were not monotonic: sorted by T")
    order = np.argsort(T, kind="stable")
    T, R = T[order], R[order]
    uT, inv, counts = np.unique(T, return_inverse=True, return_counts=True)
    if uT.size < T.size:
        notes.append(f"averaged {int(T.size - uT.size)} rows with duplicated temperature")
        R = np.bincount(inv, weights=R) / counts
        T = uT
    if T.size < min_points:
        raise DataFormatError(f"only {T.size} distinct finite (T, R) points", file=source,
                              column="R_ohm", expected=f"at least {min_points}")
    if np.all(R == 0) or np.nanmax(np.abs(R)) == 0:
        raise DataFormatError("the resistance is zero everywhere: no normal state, no "
                              "transition", file=source, column="R_ohm")
    return RTData(T_K=T, R_ohm=R, notes=notes, source=source)


def _sweep_rows(m: Measurement, ycol: str, direction: str) -> np.ndarray:
    """Boolean mask of the rows of ``m`` belonging to T sweeps in ``direction``."""
    from .sweeps import split_sweeps

    mask = np.zeros(len(m.data), dtype=bool)
    for sw in split_sweeps(m, x="T_K", y=ycol, by=None, min_points=3):
        if sw.direction == direction:
            mask[sw.rows] = True
    return mask


def sweep_direction_counts(measurements: list[Measurement], *, min_points: int = 5
                           ) -> dict[str, int]:
    """Rows of warming (``up``) and cooling (``down``) temperature sweeps in the files."""
    from .sweeps import split_sweeps

    counts = {"up": 0, "down": 0}
    for m in measurements:
        ycol = m.resistance_column()
        try:
            sweeps = split_sweeps(m, x="T_K", y=ycol, by=None, min_points=min_points)
        except DataFormatError:
            continue
        for sw in sweeps:
            counts[sw.direction] += int(sw.rows.size)
    return counts


def resolve_direction(measurements: list[Measurement], direction: str
                      ) -> tuple[str, str | None, dict[str, int]]:
    """Resolve ``direction='auto'`` (ASSUMPTION sweep_direction).

    Warming and cooling sweeps differ by thermal lag and are analysed separately (MODELS
    section 2). A direction counts as present when its sweeps hold at least 10 rows and
    20 % of all rows.

    Returns
    -------
    (direction, other, counts)
        The direction to analyse (``"all"``, ``"up"`` or ``"down"``), the other present
        direction (or ``None``) and the row counts per direction.
    """
    if direction != "auto":
        return direction, None, {}
    counts = sweep_direction_counts(measurements)
    total = sum(counts.values())
    present = [d for d, n in counts.items() if n >= max(10, 0.2 * total)]
    if len(present) < 2:
        return "all", None, counts
    main = "down" if counts["down"] >= counts["up"] else "up"
    return main, ("up" if main == "down" else "down"), counts


def rt_from_measurements(measurements: list[Measurement], *, field_T: float | None = 0.0,
                         field_tol_T: float = 5e-3, direction: str = "all",
                         min_points: int = 5) -> RTData:
    """Collect the R(T) rows of one or several measurements.

    Rows at the field ``field_T`` (if a ``B_T`` column exists) are kept; with several files
    the rows are merged. The resistance column is each measurement's default
    (``metadata['channel']`` selects one).

    Parameters
    ----------
    measurements
        Loaded measurements (SI).
    field_T
        Field (T) of the R(T) curve; ``None`` keeps every row.
    field_tol_T
        Tolerance on the field (T).
    direction
        ``"all"``, ``"up"`` (warming) or ``"down"`` (cooling); resolve ``"auto"`` first
        with :func:`resolve_direction`.
    min_points
        Minimum number of points.

    Raises
    ------
    DataFormatError
        Missing columns, no rows at the field, too few points.
    """
    if not measurements:
        raise DataFormatError("no measurement given", expected="at least one R(T) file")
    if direction not in ("all", "up", "down"):
        raise FitError(f"direction must be 'all', 'up' or 'down', not {direction!r}")
    Ts, Rs, sources = [], [], []
    for m in measurements:
        ycol = m.resistance_column()
        T, R = m.column("T_K"), m.column(ycol)
        keep = np.ones(T.size, dtype=bool)
        if field_T is not None and "B_T" in m.data.columns:
            B = m.column("B_T")
            keep &= np.abs(B - field_T) < field_tol_T
        if direction != "all":
            keep &= _sweep_rows(m, ycol, direction)
        Ts.append(T[keep])
        Rs.append(R[keep])
        sources.append(str(m.source))
    source = ", ".join(sources)
    T = np.concatenate(Ts)
    if T.size == 0:
        raise DataFormatError(f"no rows at field {field_T} T (direction {direction!r})",
                              file=source, column="B_T")
    return prepare_rt(T, np.concatenate(Rs), source=source, min_points=min_points)


# ---------------------------------------------------------------------------------------
# noise, normal state, crossings


def estimate_noise(R_ohm: np.ndarray) -> float:
    """Robust white-noise estimate (Ohm) from second differences of a smooth curve.

    ``sigma = 1.4826 * MAD(R[i+1] - 2 R[i] + R[i-1]) / sqrt(6)``; NaN if < 3 points.
    """
    R = np.asarray(R_ohm, dtype=float)
    if R.size < 3:
        return float("nan")
    d2 = R[2:] - 2 * R[1:-1] + R[:-2]
    mad = np.median(np.abs(d2 - np.median(d2)))
    return float(1.4826 * mad / np.sqrt(6.0))


def normal_state(data: RTData, method: RnMethod = "fixed_T", *, rn_T_K: float | None = None,
                 rn_dT_K: float | None = None, rn_window: tuple[float, float] | None = None,
                 rn_B_data: RTData | None = None, R_N_ohm: float | None = None) -> NormalState:
    """Normal-state resistance by the chosen ASSUMPTION ``rn_method``.

    Parameters
    ----------
    data
        The R(T) curve (K, Ohm).
    method
        ``"fixed_T"``: mean R in ``rn_T_K +/- rn_dT_K`` (default rn_T_K: highest T);
        ``"fixed_B"``: mean of ``rn_B_data`` (R(T) at a field above Hc2) over the
        temperature range of ``data``; ``"extrapolated_linear"``: straight line fitted in
        ``rn_window`` (K), extrapolated into the transition.
    R_N_ohm
        If given, R_N (Ohm) is this value (method ``"given"``, scatter 0).

    Returns
    -------
    NormalState

    Raises
    ------
    FitError
        Unknown method, missing argument, empty band/window, non-positive R_N.
    """
    T, R = data.T_K, data.R_ohm
    if R_N_ohm is not None:
        rn = NormalState(float(R_N_ohm), 0.0, float(T[-1]), 0.0, "given")
    elif method == "fixed_T":
        T0 = float(T[-1]) if rn_T_K is None else float(rn_T_K)
        if not T[0] <= T0 <= T[-1]:
            raise FitError(f"rn_T_K = {T0} K is outside the data ({T[0]:.4g}-{T[-1]:.4g} K)")
        dT = 0.02 * T0 if rn_dT_K is None else float(rn_dT_K)
        sel = np.abs(T - T0) <= dT
        if sel.sum() < 3:
            sel = np.zeros(T.size, dtype=bool)
            sel[np.argsort(np.abs(T - T0))[:3]] = True
        vals = R[sel]
        scatter = float(np.std(vals, ddof=1)) if vals.size > 1 else 0.0
        rn = NormalState(float(np.mean(vals)), 0.0, T0, scatter, "fixed_T")
    elif method == "fixed_B":
        if rn_B_data is None:
            raise FitError("rn_method='fixed_B' needs rows at the field rn_B_T (e.g. a second "
                           "file measured above Hc2)")
        Tb, Rb = rn_B_data.T_K, rn_B_data.R_ohm
        sel = (Tb >= T[0]) & (Tb <= T[-1])
        vals = Rb[sel] if sel.sum() >= 2 else Rb
        rn = NormalState(float(np.mean(vals)), 0.0, float(np.mean(Tb)),
                         float(np.std(vals, ddof=1)) if vals.size > 1 else 0.0, "fixed_B")
    elif method == "extrapolated_linear":
        if rn_window is None:
            lo = T[0] + 0.75 * (T[-1] - T[0])
            rn_window = (float(lo), float(T[-1]))
        lo, hi = map(float, rn_window)
        sel = (T >= lo) & (T <= hi)
        if sel.sum() < 3:
            raise FitError(f"rn_window [{lo}, {hi}] K holds {int(sel.sum())} points; need >= 3")
        coef, cov = np.polyfit(T[sel] - hi, R[sel], 1, cov=True) if sel.sum() > 3 else \
            (np.polyfit(T[sel] - hi, R[sel], 1), np.zeros((2, 2)))
        resid = R[sel] - np.polyval(coef, T[sel] - hi)
        scatter = float(max(np.sqrt(cov[1, 1]), np.std(resid, ddof=2)))
        rn = NormalState(float(coef[1]), float(coef[0]), hi, scatter, "extrapolated_linear")
    else:
        raise FitError(f"unknown rn_method {method!r}; use 'fixed_T', 'fixed_B' or "
                       "'extrapolated_linear'")
    if not np.isfinite(rn.R_N_ohm) or rn.R_N_ohm <= 0:
        raise FitError(f"normal-state resistance R_N = {rn.R_N_ohm} Ohm is not positive "
                       f"({data.source})")
    return rn


def crossings(T_K: np.ndarray, R_ohm: np.ndarray, level: np.ndarray | float,
              sigma_R_ohm: float) -> list[Crossing]:
    """All crossings of ``R(T) = level`` by linear interpolation, in increasing T.

    Parameters
    ----------
    T_K, R_ohm
        Sorted curve (K, Ohm).
    level
        Level (Ohm), scalar or one per point (for a T-dependent R_N).
    sigma_R_ohm
        Resistance noise (Ohm) propagated into each crossing.
    """
    T = np.asarray(T_K, float)
    d = np.asarray(R_ohm, float) - np.broadcast_to(np.asarray(level, float), T.shape)
    out: list[Crossing] = []
    above = d >= 0
    for i in np.flatnonzero(above[:-1] != above[1:]):
        a, b = d[i], d[i + 1]
        dR = b - a  # never 0: a and b lie on different sides of the level
        u = -a / dR
        dT = T[i + 1] - T[i]
        err = abs(dT / dR) * sigma_R_ohm * np.hypot(1 - u, u)
        out.append(Crossing(float(T[i] + u * dT), float(err), float(dR / dT), int(i)))
    return out


def crossing_temperature(data: RTData, level: np.ndarray | float, sigma_R_ohm: float,
                         name: str) -> tuple[Crossing, list[Crossing]]:
    """Highest-T crossing of ``R = level`` and the list of all crossings.

    Raises
    ------
    FitError
        If R never crosses the level (no transition in range).
    """
    cs = crossings(data.T_K, data.R_ohm, level, sigma_R_ohm)
    if not cs:
        lv = float(np.mean(level))
        raise FitError(f"{name}: R(T) never crosses {lv:.4g} Ohm in "
                       f"{data.T_K[0]:.4g}-{data.T_K[-1]:.4g} K (R from {data.R_ohm.min():.4g} "
                       f"to {data.R_ohm.max():.4g} Ohm): no transition in range"
                       + (f" ({data.source})" if data.source else ""))
    return cs[-1], cs


def _tangent_onset(data: RTData, rn: NormalState, T_mid: float) -> float:
    """Intersection of the normal-state line with the steepest tangent near Tc_mid (K)."""
    T, R = data.T_K, data.R_ohm
    slopes = np.diff(R) / np.diff(T)
    Tm = 0.5 * (T[1:] + T[:-1])
    Rm = 0.5 * (R[1:] + R[:-1])
    # steepest positive slope within the transition (0.2 < R/R_N < 0.8)
    frac = Rm / rn(Tm)
    sel = (frac > 0.2) & (frac < 0.8)
    if not sel.any():
        sel = np.ones_like(frac, dtype=bool)
    k = np.flatnonzero(sel)[np.argmax(slopes[sel])]
    s, T0, R0 = slopes[k], Tm[k], Rm[k]
    # R0 + s (T - T0) = RN0 + sN (T - Tref)
    denom = s - rn.slope_ohm_K
    if denom <= 0:
        raise FitError("tangent_intersection: the steepest tangent is not steeper than the "
                       "normal-state line")
    return float((rn.R_N_ohm - rn.slope_ohm_K * rn.T_ref_K - R0 + s * T0) / denom)


# ---------------------------------------------------------------------------------------
# procedure


def fit_tc(data: RTData, rn: NormalState, *, onset_method: OnsetMethod = "fraction",
           onset_fraction: float = 0.9, mid_fraction: float = 0.5,
           width_fractions: tuple[float, float] = (0.2, 0.8), zero_k: float = 3.0,
           zero_f0: float = 0.01, sigma_R_ohm: float | None = None,
           ) -> dict[str, Any]:
    """Characteristic temperatures of one transition (array level).

    Parameters
    ----------
    data
        Cleaned R(T) curve (K, Ohm).
    rn
        Normal-state resistance (see :func:`normal_state`).
    onset_method, onset_fraction, mid_fraction, width_fractions, zero_k, zero_f0
        Criteria (see :data:`OPTIONS`).
    sigma_R_ohm
        Resistance noise (Ohm); estimated from the data when ``None``.

    Returns
    -------
    dict
        ``values`` (name -> (value, stderr or None)), ``systematics`` (name -> half
        difference for R_N +/- scatter), ``crossings`` (name -> list of all crossing
        temperatures), ``sigma_R_ohm``, ``floor_ohm``, ``notes``.

    Raises
    ------
    FitError
        No transition in range, bad fractions.
    """
    fl, fh = map(float, width_fractions)
    for f in (onset_fraction, mid_fraction, fl, fh, zero_f0):
        if not 0 < f < 1:
            raise FitError(f"fractions of R_N must lie in (0, 1); got {f}")
    if fl >= fh:
        raise FitError(f"width_fractions must be increasing, got {width_fractions}")
    T, R = data.T_K, data.R_ohm
    notes: list[str] = []
    RN_T = rn(T)
    if R.max() < mid_fraction * RN_T[np.argmax(R)]:
        raise FitError(f"R(T) stays below {mid_fraction} R_N: no normal state in range "
                       f"({data.source})")
    if sigma_R_ohm is None:
        normal = R > 0.95 * RN_T
        zero = R < 0.02 * RN_T
        parts = [estimate_noise(R[normal]) if normal.sum() >= 5 else np.nan,
                 estimate_noise(R[zero]) if zero.sum() >= 5 else np.nan]
        parts = [p for p in parts if np.isfinite(p)]
        if not parts:
            sigma = estimate_noise(R)
            notes.append("sigma_R estimated from the whole curve (few normal/zero points)")
        else:
            sigma = float(max(parts))
        sigma_src = "estimated"
    else:
        sigma, sigma_src = float(sigma_R_ohm), "given"
    if not np.isfinite(sigma) or sigma <= 0:
        # no resolvable noise: use a tiny fraction of R_N and say so
        sigma = 1e-6 * rn.R_N_ohm
        notes.append("noise not resolvable; sigma_R set to 1e-6 R_N")

    def temps(r: NormalState) -> dict[str, Crossing]:
        out: dict[str, Crossing] = {}
        allc: dict[str, list[float]] = {}
        RN = r(T)
        for key, f in (("mid", mid_fraction), ("low", fl), ("high", fh),
                       ("onset", onset_fraction)):
            c, cs = crossing_temperature(data, f * RN, sigma, f"T(R = {f} R_N)")
            out[key] = c
            allc[key] = [x.T_K for x in cs]
        floor = np.maximum(zero_k * sigma, zero_f0 * RN)
        c, cs = crossing_temperature(data, floor, sigma, "Tc_zero (resistance floor)")
        out["zero"] = c
        allc["zero"] = [x.T_K for x in cs]
        out["_all"] = allc  # type: ignore[assignment]
        return out

    main = temps(rn)
    allc = main.pop("_all")  # type: ignore[arg-type]
    values: dict[str, tuple[float, float | None]] = {}
    if onset_method == "fraction":
        values["Tc_onset_K"] = (main["onset"].T_K, main["onset"].stderr_K)
    elif onset_method == "tangent_intersection":
        values["Tc_onset_K"] = (_tangent_onset(data, rn, main["mid"].T_K), None)
    else:
        raise FitError(f"unknown onset_method {onset_method!r}; use 'fraction' or "
                       "'tangent_intersection'")
    values["Tc_mid_K"] = (main["mid"].T_K, main["mid"].stderr_K)
    values["Tc_zero_K"] = (main["zero"].T_K, main["zero"].stderr_K)
    values["width_K"] = (main["high"].T_K - main["low"].T_K,
                         float(np.hypot(main["high"].stderr_K, main["low"].stderr_K)))
    for key, cs in allc.items():
        if len(cs) > 1:
            notes.append(f"{len(cs)} crossings for {key} ({', '.join(f'{t:.4g}' for t in cs)}"
                         " K): non-monotonic R(T), highest-T one used")
    systematics: dict[str, float] = {}
    if rn.scatter_ohm > 0:
        try:
            up, dn = temps(rn.shifted(rn.scatter_ohm)), temps(rn.shifted(-rn.scatter_ohm))
            for name, key in (("Tc_onset_K", "onset"), ("Tc_mid_K", "mid"),
                              ("Tc_zero_K", "zero")):
                systematics[name] = 0.5 * abs(up[key].T_K - dn[key].T_K)
            systematics["width_K"] = 0.5 * abs((up["high"].T_K - up["low"].T_K)
                                               - (dn["high"].T_K - dn["low"].T_K))
            if onset_method != "fraction":
                systematics.pop("Tc_onset_K")
        except FitError:
            notes.append("R_N +/- scatter moves a level out of range: no R_N systematic")
    else:
        for name in values:
            systematics[name] = 0.0
        if rn.method != "given":
            notes.append("R_N determined from a single point: R_N systematic is 0")
    return {"values": values, "systematics": systematics, "crossings": allc,
            "sigma_R_ohm": sigma, "sigma_source": sigma_src,
            "floor_ohm": float(np.max(np.maximum(zero_k * sigma, zero_f0 * rn(T)))),
            "notes": notes}


_DEFAULTS: dict[str, Any] = SPEC.defaults


def analyze_rt(measurements: list[Measurement], opts: dict[str, Any]
               ) -> tuple[RTData, NormalState, dict[str, Any]]:
    """Shared front end of ``tc`` and ``bkt-rt``: data, R_N and Tc's from merged options."""
    direction, other, counts = resolve_direction(measurements, opts["direction"])
    if opts["direction"] == "auto":
        opts["direction_used"] = direction
        opts["direction_other"] = other
        opts["direction_rows"] = counts
    data = rt_from_measurements(measurements, field_T=opts["field_T"],
                                field_tol_T=float(opts["field_tol_T"]),
                                direction=direction)
    rn_B_data = None
    if opts["R_N_ohm"] is None and opts["rn_method"] == "fixed_B":
        if opts["rn_B_T"] is None:
            raise FitError("rn_method='fixed_B' needs the option rn_B_T (field in T)")
        rn_B_data = rt_from_measurements(measurements, field_T=float(opts["rn_B_T"]),
                                         field_tol_T=float(opts["field_tol_T"]), min_points=2)
    if opts["R_N_ohm"] is None and opts["rn_method"] == "fixed_T" and opts["rn_T_K"] is None:
        opts["rn_T_K"] = float(data.T_K[-1])
        opts["rn_T_auto"] = True
    rn = normal_state(data, opts["rn_method"], rn_T_K=opts["rn_T_K"], rn_dT_K=opts["rn_dT_K"],
                      rn_window=opts["rn_window"], rn_B_data=rn_B_data,
                      R_N_ohm=opts["R_N_ohm"])
    res = fit_tc(data, rn, onset_method=opts["onset_method"],
                 onset_fraction=float(opts["onset_fraction"]),
                 mid_fraction=float(opts["mid_fraction"]),
                 width_fractions=tuple(opts["width_fractions"]),  # type: ignore[arg-type]
                 zero_k=float(opts["zero_k"]), zero_f0=float(opts["zero_f0"]),
                 sigma_R_ohm=opts["sigma_R_ohm"])
    return data, rn, res


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``tc``: Tc_onset, Tc_mid, Tc_zero, width and R_N of an R(T) curve.

    Parameters
    ----------
    measurements
        One or several measurements with ``T_K`` and a resistance column (rows at the
        field ``field_T``; with ``rn_method='fixed_B'`` also rows at ``rn_B_T``).
    **options
        See :data:`OPTIONS`.

    Returns
    -------
    FitResult
        params ``Tc_onset_K``, ``Tc_mid_K``, ``Tc_zero_K``, ``width_K`` (ufloats with the
        statistical error), ``R_N_ohm`` (ufloat with its scatter, or float when given), the
        R_N systematics ``<name>_sys_RN`` (K, plain floats) and ``sigma_R_ohm``; when the
        file holds warming and cooling sweeps (``direction='auto'``) also
        ``Tc_mid_K_other_direction`` and ``thermal_lag_K`` = Tc_mid(warming) -
        Tc_mid(cooling).

    Raises
    ------
    FitError, DataFormatError
        Bad options, no transition in range, all-zero resistance, too few points.
    """
    from uncertainties import ufloat

    opts = SPEC.resolve(options)
    data, rn, res = analyze_rt(measurements, opts)
    params: dict[str, Any] = {}
    for name, (v, e) in res["values"].items():
        params[name] = ufloat(v, e) if e is not None and np.isfinite(e) and e > 0 else v
    Tm = res["values"]["Tc_mid_K"][0]
    RN_mid = float(rn(Tm))
    params["R_N_ohm"] = ufloat(RN_mid, rn.scatter_ohm) if rn.scatter_ohm > 0 else RN_mid
    for name, s in res["systematics"].items():
        params[f"{name}_sys_RN"] = s
    params["sigma_R_ohm"] = res["sigma_R_ohm"]
    if opts.get("direction_other"):
        # the other sweep direction, analysed on its own: its Tc_mid and the thermal lag
        other_opts = dict(opts, direction=opts["direction_other"])
        try:
            _, _, res_o = analyze_rt(measurements, other_opts)
        except (FitError, DataFormatError) as exc:
            opts["direction_other_error"] = str(exc)
        else:
            v, e = res_o["values"]["Tc_mid_K"]
            tm_o = ufloat(v, e) if e is not None and np.isfinite(e) and e > 0 else v
            params["Tc_mid_K_other_direction"] = tm_o
            up, down = ((params["Tc_mid_K"], tm_o) if opts["direction_used"] == "up"
                        else (tm_o, params["Tc_mid_K"]))
            params["thermal_lag_K"] = up - down
    opts = dict(opts)
    opts["tc_definitions"] = {
        "Tc_onset": (f"T(R = {opts['onset_fraction']} R_N)" if opts["onset_method"] ==
                     "fraction" else "normal-state line x steepest tangent"),
        "Tc_mid": f"T(R = {opts['mid_fraction']} R_N)",
        "Tc_zero": f"R < max({opts['zero_k']} sigma_R, {opts['zero_f0']} R_N)",
        "width": f"T({opts['width_fractions'][1]} R_N) - T({opts['width_fractions'][0]} R_N)",
    }
    opts["crossing_rule"] = "highest-T crossing, linear interpolation"
    opts["sigma_R_source"] = res["sigma_source"]
    provenance = {
        "files": [str(m.source) for m in measurements],
        "columns": {"x": "T_K", "y": measurements[0].resistance_column()},
        "window_K": [float(data.T_K[0]), float(data.T_K[-1])],
        "units": {"T": "K", "R": "Ohm"},
        "R_N": {"method": rn.method, "T_ref_K": rn.T_ref_K, "slope_ohm_K": rn.slope_ohm_K,
                "scatter_ohm": rn.scatter_ohm},
        "crossings_K": res["crossings"],
        "notes": data.notes + res["notes"],
    }
    stats = {"ndata": int(data.T_K.size), "floor_ohm": res["floor_ohm"]}
    plotdata = {"T_K": data.T_K, "R_ohm": data.R_ohm, "RN_ohm": rn(data.T_K),
                "floor_ohm": res["floor_ohm"],
                "levels": {"onset": opts["onset_fraction"], "mid": opts["mid_fraction"],
                           "low": opts["width_fractions"][0],
                           "high": opts["width_fractions"][1]}}
    return FitResult(kind="tc", params=params, stats=stats, options=opts,
                     provenance=provenance, data=plotdata)


def plot(result: FitResult, fig: Any) -> None:
    """Draw R(T) with R_N, the criterion levels and the Tc's (with error bars); lower
    panel: dR/dT."""
    from ..plotting import residual_axes

    d = result.data
    T, R = np.asarray(d["T_K"]), np.asarray(d["R_ohm"])
    ax, axd = residual_axes(fig)
    ax.plot(T, R, ".", ms=3, color="0.3", label="data")
    ax.plot(T, d["RN_ohm"], "--", color="C0", label="R_N")
    ax.axhline(d["floor_ohm"], color="C3", ls=":", lw=1, label="zero floor")
    for i, name in enumerate(("Tc_onset_K", "Tc_mid_K", "Tc_zero_K")):
        v, e = result.value(name), result.stderr(name)
        Rv = float(np.interp(v, T, R))
        ax.errorbar([v], [Rv], xerr=[e or 0.0], fmt="o", color=f"C{i + 1}", capsize=3,
                    label=f"{name.removesuffix('_K')} = {v:.4g} K")
    ax.set_ylabel("R (Ohm)")
    ax.legend(fontsize=8)
    ax.set_title(f"Tc criteria, width = {result.value('width_K'):.3g} K")
    if T.size > 2:
        axd.plot(0.5 * (T[1:] + T[:-1]), np.diff(R) / np.diff(T), "-", color="0.3",
                 label="dR/dT")
    axd.set_xlabel("T (K)")
    axd.set_ylabel("dR/dT (Ohm/K)")
    axd.legend(fontsize=8)
