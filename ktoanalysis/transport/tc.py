"""Model-free characteristic temperatures of a resistive transition (docs/models/tc_definitions.md).

Kind ``tc``: ``Tc_onset``, ``Tc_mid`` (50 % of R_N), ``Tc_zero`` (resistance floor) and the
transition width ``T(0.8 R_N) - T(0.2 R_N)`` from one R(T) curve at fixed field.

**Normal state R_N (default ``rn_method='above_transition'``)**

R_N is the resistance of the normal state just above the highest-T transition, not at the
top of the file (a cool-down from 300 K would otherwise put R_N on the metallic slope):
(1) with R smoothed by a 3-point running median, the transition is the highest-T point
whose R is below 50 % of the largest R within a factor 1.25 in T above it (a steep fall
towards the floor, not the gradual metallic decrease); that largest R is the plateau P;
(2) ``T50 = T(0.5 P)``, upper half-width ``h = T(0.9 P) - T50``; (1b) a step higher up
(above ``T50 + h``) is the transition instead: the highest-T point whose R is below 75 %
of an R_j within a factor 1.25 above it and steeper than ``ln(R_j/R) >= 4 ln(T_j/T)``
(twice the log-slope of a metallic R ~ T^2, and 4 times that of R ~ T; a metallic normal
state never passes it), P the largest R in that range; the fractions of (2) are then of
``P - L`` above the lower plateau L (smallest R within a factor 1.25 below): with two
steps and a plateau between them R_N is taken above both, and ``multi_step`` names
both (an upper step of half the height is seen when its logistic width is below about
T/25; a broader one is not); (3) among the points 3 to 11 half-widths above T50, the
flattest one T_N (smallest |d ln R/d ln T| of a line through the points within a factor
sqrt(1.25) in T: dR/dT back at the normal-state level, past the fluctuation tail, before a
metallic rise); (4) R_N = mean R within +/- 2 % of T_N (at least 5 points), error the
standard error of the mean and the plateau choice (``_window_choice_error``) in
quadrature (:func:`above_transition_window`). ``options`` record ``rn_window_K`` and
``rn_window_rule``. Alternatives: ``'fixed_T'`` (mean near ``rn_T_K``, default the top of
the data; an explicit ``rn_T_K`` implies it), ``'fixed_B'``, ``'extrapolated_linear'``.

**Whole files** (option ``sweep``): the rows are cut at the turning points of T into
sweeps (:func:`rt_sweeps`); each is analysed and reported in ``provenance['sweeps']``
(direction, T range, whether it crosses the transition, Tc_mid); ``'auto'`` analyses the
crossing sweep with the most points between the width levels; with crossing sweeps of
both directions ``thermal_lag_K`` = Tc_mid(warming) - Tc_mid(cooling) (inverse-variance
means per direction, error inflated by their scatter). Every level (onset, width ends,
mid, zero) is listed in ``provenance['levels_K']``, null when not reached.

**Lab files**: ``T_range_K`` keeps only rows inside [lo, hi] K (bkt-rt inherits it). When
rows lie within +/- 5 K of ``rrr_T_K`` (300 K) ``R_300K_ohm`` (a straight line through
them evaluated at ``rrr_T_K``; their mean when they sit at one temperature) and
``RRR = R_300K/R_N`` are reported. A residual floor (mean R more than 3 transition
scales below Tc_mid, > 5 sigma_R and > 1 % of R_N) is reported as
``R_floor_ohm`` with the warning ``residual_floor``; ``subtract_floor=True`` subtracts it
from R and R_N (the reported R_N is then R_N - floor) before the fractions are taken.

**Crossing rule**

Every temperature ``T(R = f*R_N)`` belongs to the *highest-T significant* crossing: the
highest raw crossing whose ``SIG_POINTS`` neighbours above lie above the level on average
and below it below (a level a few sigma_R under a noisy plateau is crossed many times by
the noise; those crossings are skipped). All raw crossings are reported. The crossing is

* **sparse regime** (the noise ambiguity ``NOISE_WINDOW*sigma_R/|dR/dT|`` holds at most 3
  points): root of the interpolating quintic through the two bracketing points and two
  neighbours on each side (a cubic, one neighbour each side, where the data end;
  :func:`poly_crossing`), ``sigma_T = sigma_R sqrt(sum L_k(T*)^2)/P'(T*)`` (L_k: Lagrange
  basis). Linear interpolation misses a curved step with a fixed sign (T(0.8 R_N) high,
  T(0.2 R_N) low: the width biased high by ~h^2|R''/R'|/6, as large as its error); it is
  kept only where the step is not resolved (``POLY_RHO_MAX``, ``POLY_INSIDE_FRAC``), with
  the statistical error propagated from sigma_R::

      T* = T1 + u*(T2 - T1),  u = (y - R1)/(R2 - R1)
      sigma_T = sigma_R * |T2 - T1|/|R2 - R1| * sqrt((1 - u)**2 + u**2)

* **dense noisy regime**: a local least-squares polynomial (quadratic with >= 6 points,
  else a line) fitted to ``R - level`` within ``+/- NOISE_WINDOW*sigma_R/|dR/dT|`` of the
  crossing (re-centred twice, at most one transition scale wide); its root is the
  crossing and ``sigma_T`` follows from the fit covariance. Linear interpolation between
  adjacent noisy points there picks the extreme of the noise and is biased high.

**Error budget (``FitResult.budget``; the param's ufloat carries the quadrature sum)**

* ``stat``: the sigma_R propagation above.
* ``sampling`` (the point spacing): polynomial crossing: ``|P(T*) - Q(T*)|/P'(T*)`` with
  Q the cubic through the four inner nodes (for the cubic the larger of the two quartics
  one node wider), its noise part removed. Linear interpolation between points ``h`` apart
  misses a curved R(T) by ``R'' h^2 u(1-u)/2``; divided by the slope this is
  ``h rho u(1-u)/2`` with the undersampling ratio ``rho = |R''| h^2/|R2 - R1|``. R'' is
  the larger second divided difference at the two bracketing points with its noise part
  removed (counted only beyond ``CURV_THRESHOLD`` sigma of its noise), ``u(1-u) >=
  U_FLOOR``. When rho approaches 1 the curve is not resolved between the points and the
  crossing may lie anywhere in the bracket: the error is at least ``h min(rho,1)^2/sqrt(12)``.
  The zero floor is a threshold: its sampling error is at least ``h/sqrt(12)`` of its
  bracket. In the local-fit regime the quadratic term absorbs the curvature (0).
* ``sys["R_N"]``: every temperature recomputed with R_N +/- its standard error at Tc_mid
  (band mean: std/sqrt(n); fitted line: its prediction error), half the difference; also
  reported as ``<name>_sys_RN``. With ``above_transition`` the R_N error adds in
  quadrature the noise-driven choice of the plateau point (``_window_choice_error``:
  the flattest-point search repeated on noisy copies of the smoothed curve), which
  dominates where the normal state still rises (BCG fluctuation tail, metallic slope).

Tested 1-sigma coverage of the combined error (tests/transport/test_tc_quality.py, 250
sets each, sloped normal state, 25 points between 1 and 99 % of R_N with 2 and 5 % noise,
and a dense sweep): 60-76 % for Tc_mid, Tc_onset and width; tanh steps with the default
R_N (tests/transport/test_tc_width.py, 300 sets each, spacing w/4 with 0.05 % and 1 %
noise, spacing w with 2 %): 60-76 % for the width, up to 80 % for Tc_mid and Tc_onset
(85 % for Tc_onset on the sparse steps: its sampling term is conservative at 0.9 R_N).

**Refusals (:class:`~ktoanalysis.errors.RefusedError`, CLI exit 3)**

the temperature spans < 1 % of its mean (a sweep of B, I... at fixed T); the rows are
several I-V isotherms (>= 2 blocks of rows at one T, within 0.5 %, in which I_A varies by
more than half its magnitude, holding at least half of the rows); the field steps
by more than ``field_tol_T`` per row, or B is swept (by more than ``field_tol_T`` and half
its magnitude) within blocks of rows at one T holding at least half of the rows (R(B) sweeps;
the refusal names critical-field for one temperature, tc-field or hc2-temperature for
several); R constant within 5 sigma_R (5-95 %
range) or R_N < 5 sigma_R; R/R_N never below ``mid_fraction`` (no transition in range) or
never above it (no normal state); a metallic R(T) falling below half its top value with
no fall below ``RN_DROP`` of the value ahead and none steeper than R ~ T^``STEP_SLOPE``
(unless ``R_N_ohm`` is given); a data span below ``MIN_SPAN_WIDTHS`` (3) widths
(except for a multi-step transition whose data reach below Tc_zero and above Tc_onset).

**Quality flags**

``criterion_not_reached`` (warn: a level never crossed, its value left out),
``too_few_points`` (warn: < 3 points inside the width levels), ``sampling_limited``
(warn: sampling error > statistical and > ``SAMPLING_WIDTH_FRAC`` of the width),
``multi_step`` (warn: several dR/dT maxima in the transition, temperatures in
``provenance['steps_K']``), ``noise_inconsistent`` (warn: given sigma_R_ohm vs the
estimate), ``extrapolated`` (tangent onset outside the data: warn within one width, else
fail). Kind-specific codes: ``non_monotonic`` (warn: significant mid-level crossings more
than one transition scale apart), ``criteria_out_of_order`` (fail: not Tc_zero <= Tc_mid
<= Tc_onset, or width <= 0), ``rn_far_from_transition`` (warn: fixed_T R_N taken above 3
Tc_mid while R just above the transition differs from it by > 3 % and > 3 sigma_R),
``residual_floor`` (warn: R_floor_ohm reported, subtracted or not),
``onset_on_normal_slope`` (warn: Tc_onset more than ``ONSET_WIDTHS`` (1.5) widths above
the upper width level: the onset level is reached on the normal-state slope).

ASSUMPTIONs (named options): ``rn_method`` (``"above_transition"``, ``"fixed_T"``,
``"fixed_B"``, ``"extrapolated_linear"``), ``subtract_floor``,
``onset_method`` (``"fraction"``, ``"tangent_intersection"``),
``zero_criterion`` (``R < max(k*sigma_R, f0*R_N)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import DataFormatError, FitError, KtoError, OptionError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .quality import Flag, Quality, check_inside, check_noise_consistency, check_steps, fail, warn
from .result import ErrorBudget, FitResult, combine_errors

__all__ = [
    "RTData", "NormalState", "Crossing", "OPTIONS", "prepare_rt", "rt_from_measurements",
    "estimate_noise", "normal_state", "crossings", "crossing_temperature", "fit_tc",
    "analyze", "plot", "SPEC", "LevelTemperature", "level_temperature",
    "significant_crossing", "sampling_error", "refuse_not_rt", "RnWindow",
    "above_transition_window", "RTSweep", "rt_sweeps", "poly_crossing",
]

RnMethod = Literal["above_transition", "fixed_T", "fixed_B", "extrapolated_linear"]
OnsetMethod = Literal["fraction", "tangent_intersection"]

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("rn_method", "str", "above_transition", "how R_N is determined: "
           "'above_transition' (mean R of the normal-state plateau just above the highest-T "
           "transition, window recorded as rn_window_K), 'fixed_T' (mean R near rn_T_K), "
           "'fixed_B' (rows at field rn_B_T, e.g. a second file above Hc2), "
           "'extrapolated_linear' (line fitted to the normal state in rn_window)",
           choices=("above_transition", "fixed_T", "fixed_B", "extrapolated_linear"),
           assumption=True),
    Option("rn_T_K", "float", None, "temperature of R_N for rn_method='fixed_T' (giving it "
           "implies 'fixed_T'); default with 'fixed_T': the highest temperature of the data "
           "(recorded as rn_T_auto)", unit="K", min=0, min_exclusive=True),
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
           "second differences of the points more than 3 transition scales above and below "
           "Tc_mid (normal state and zero resistance, chosen by temperature)",
           unit="Ohm", min=0, min_exclusive=True),
    Option("field_T", "float", 0.0, "analyse only rows with |B - field_T| < field_tol_T when "
           "a B_T column exists", unit="T"),
    Option("field_tol_T", "float", 5e-3, "tolerance of field_T", unit="T", min=0,
           min_exclusive=True),
    Option("T_range_K", "pair", None, "[lo, hi]: use only the rows with lo <= T <= hi "
           "(default: every row)", unit="K"),
    Option("rrr_T_K", "float", 300.0, "temperature of R for RRR = R(rrr_T_K)/R_N (a line "
           "through the rows within +/- 5 K; reported when rows lie there)", unit="K", min=0,
           min_exclusive=True),
    Option("subtract_floor", "bool", False, "subtract a residual floor R_floor_ohm (the "
           "lowest-T plateau, when > 5 sigma_R and > 1 % of R_N) from R and R_N before the "
           "fractions are taken", assumption=True),
    Option("sweep", "int|str", "auto", "which temperature sweep of a whole file is "
           "analysed: 'auto' (the sweep, among those that cross the transition, with the most "
           "points between the width levels, then the most points), 'warming' or 'cooling' "
           "(the densest of that direction), 'all' (every row merged, sorted by T), or the "
           "index of a sweep in provenance['sweeps']; every sweep is reported",
           choices=("auto", "warming", "cooling", "all"), min=0, assumption=True),
    Option("direction", "str", "auto", "older spelling of sweep: 'up' = 'warming', 'down' "
           "= 'cooling', 'all' = 'all'; 'auto' defers to sweep",
           choices=("auto", "all", "up", "down")),
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
        Output("R_floor_ohm", "residual floor: mean R of the lowest-T plateau (reported "
               "when > 5 sigma_R and > 1 % of R_N)", "Ohm"),
        Output("R_300K_ohm", "R(rrr_T_K) from a line through the rows within +/- 5 K "
               "(default 300 K)", "Ohm"),
        Output("RRR", "residual resistance ratio R(rrr_T_K)/R_N", ""),
        Output("Tc_mid_K_other_direction", "Tc_mid of the other sweep direction (weighted "
               "mean of its sweeps that cross the transition)", "K"),
        Output("thermal_lag_K", "Tc_mid(warming) - Tc_mid(cooling), each the weighted mean "
               "of the sweeps of that direction (error inflated by their scatter)", "K"),
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
        1-sigma error (Ohm) of R_N at ``T_ref_K`` (the standard error of the band mean,
        with ``above_transition`` and the plateau choice in quadrature, or of the fitted
        line), used for the R_N systematic.
    method
        The rn_method used (``"given"`` when R_N_ohm was supplied).
    cov
        ``(var(R_N), cov(R_N, slope), var(slope))`` of a fitted line (``None`` for a
        constant R_N).
    """

    R_N_ohm: float
    slope_ohm_K: float
    T_ref_K: float
    scatter_ohm: float
    method: str
    cov: tuple[float, float, float] | None = None

    def stderr_at(self, T_K: float) -> float:
        """1-sigma error (Ohm) of R_N at temperature T_K (the line's prediction error)."""
        if self.cov is None:
            return float(self.scatter_ohm)
        v0, c01, vs = self.cov
        x = float(T_K) - self.T_ref_K
        return float(np.sqrt(max(v0 + 2 * x * c01 + x * x * vs, 0.0)))

    def __call__(self, T_K: np.ndarray | float) -> np.ndarray:
        """R_N (Ohm) at temperature(s) T_K."""
        return self.R_N_ohm + self.slope_ohm_K * (np.asarray(T_K, dtype=float) - self.T_ref_K)

    def shifted(self, delta_ohm: float) -> NormalState:
        """Copy with R_N shifted by ``delta_ohm``."""
        return NormalState(self.R_N_ohm + delta_ohm, self.slope_ohm_K, self.T_ref_K,
                           self.scatter_ohm, self.method, self.cov)


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


#: whole files: a file whose sweeps of at least SWEEP_MIN_POINTS points hold less than
#: SWEEP_COVERAGE of its rows, or more than SWEEP_MAX sweeps, has no sweep structure (e.g.
#: unsorted rows) and is analysed as one curve
SWEEP_MIN_POINTS = 5
SWEEP_COVERAGE = 0.8
SWEEP_MAX = 20
#: a sweep whose normal state R_N is below this fraction of the largest R_N of the other
#: sweeps lies inside or below the transition: it does not cross it
SWEEP_RN_FRACTION = 0.5


@dataclass(frozen=True)
class RTSweep:
    """One monotonic temperature sweep of a file (rows at the analysed field and T range).

    Attributes
    ----------
    index
        Position in the list of sweeps of all files (0-based, acquisition order).
    file
        Index of the measurement it comes from.
    rows
        Row positions (0-based) in that measurement's table.
    direction
        ``"warming"`` or ``"cooling"``.
    T_lo_K, T_hi_K
        Temperature range (K).
    """

    index: int
    file: int
    rows: np.ndarray
    direction: Literal["warming", "cooling"]
    T_lo_K: float
    T_hi_K: float

    def row_masks(self, measurements: list[Measurement]) -> list[np.ndarray | None]:
        """Rows per measurement for :func:`rt_from_measurements` (``None`` elsewhere)."""
        return [self.rows if i == self.file else np.zeros(0, int)
                for i in range(len(measurements))]


def _rt_rows(m: Measurement, *, field_T: float | None, field_tol_T: float,
             T_range_K: tuple[float, float] | None) -> np.ndarray:
    """Mask of the finite R(T) rows of ``m`` at the field and inside the T range."""
    T, R = m.column("T_K"), m.column(m.resistance_column())
    keep = np.isfinite(T) & np.isfinite(R)
    if field_T is not None and "B_T" in m.data.columns:
        keep &= np.abs(m.column("B_T") - field_T) < field_tol_T
    if T_range_K is not None:
        keep &= (T >= float(T_range_K[0])) & (T <= float(T_range_K[1]))
    return keep


def rt_sweeps(measurements: list[Measurement], *, field_T: float | None = 0.0,
              field_tol_T: float = 5e-3, T_range_K: tuple[float, float] | None = None
              ) -> list[RTSweep]:
    """The temperature sweeps of whole files (cool-down, warming, cooling again...).

    Each file's R(T) rows (at ``field_T``, inside ``T_range_K``) are cut, in acquisition
    order, at the turning points of T (:func:`~.sweeps.monotonic_runs`: a reversal by more
    than 1 % of T and 5 times the noise of T; holds and jitter do not cut); sweeps of
    fewer than :data:`SWEEP_MIN_POINTS` points are dropped.

    Returns
    -------
    list of RTSweep
        Empty when there is nothing to choose: at most one sweep in all, a file without
        sweep structure (its sweeps hold less than :data:`SWEEP_COVERAGE` of its rows, or
        more than :data:`SWEEP_MAX` sweeps), or every file holding one sweep in the same
        direction (the files are then one curve, merged).
    """
    from .sweeps import monotonic_runs

    out: list[RTSweep] = []
    per_file: list[int] = []
    for i, m in enumerate(measurements):
        if "T_K" not in m.data.columns:
            return []
        rows = np.flatnonzero(_rt_rows(m, field_T=field_T, field_tol_T=field_tol_T,
                                       T_range_K=T_range_K))
        if rows.size < SWEEP_MIN_POINTS:
            per_file.append(0)
            continue
        T = m.column("T_K")[rows]
        runs = monotonic_runs(T, min_points=SWEEP_MIN_POINTS)
        held = sum(b - a for a, b, _ in runs)
        if held < SWEEP_COVERAGE * rows.size or len(runs) > SWEEP_MAX:
            return []
        for a, b, sign in runs:
            r = rows[a:b]
            out.append(RTSweep(len(out), i, r, "warming" if sign > 0 else "cooling",
                               float(np.min(T[a:b])), float(np.max(T[a:b]))))
        per_file.append(len(runs))
    if len(out) <= 1:
        return []
    if all(n <= 1 for n in per_file) and len({s.direction for s in out}) == 1:
        return []
    return out


def rt_from_measurements(measurements: list[Measurement], *, field_T: float | None = 0.0,
                         field_tol_T: float = 5e-3, direction: str = "all",
                         min_points: int = 5,
                         T_range_K: tuple[float, float] | None = None,
                         rows: list[np.ndarray | None] | None = None) -> RTData:
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
        ``"all"``, ``"up"`` (every warming sweep) or ``"down"`` (every cooling sweep).
    min_points
        Minimum number of points.
    T_range_K
        ``(lo, hi)`` (K): keep only the rows with lo <= T <= hi; ``None`` keeps all.
    rows
        Row positions to keep per measurement (one sweep, :meth:`RTSweep.row_masks`);
        ``None`` keeps every row.

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
    for k, m in enumerate(measurements):
        ycol = m.resistance_column()
        T, R = m.column("T_K"), m.column(ycol)
        keep = np.ones(T.size, dtype=bool)
        if rows is not None and rows[k] is not None:
            only = np.zeros(T.size, dtype=bool)
            only[np.asarray(rows[k], dtype=int)] = True
            keep &= only
        if field_T is not None and "B_T" in m.data.columns:
            B = m.column("B_T")
            keep &= np.abs(B - field_T) < field_tol_T
        if direction != "all":
            keep &= _direction_rows(m, direction)
        if T_range_K is not None:
            keep &= (T >= float(T_range_K[0])) & (T <= float(T_range_K[1]))
        Ts.append(T[keep])
        Rs.append(R[keep])
        sources.append(str(m.source))
    source = ", ".join(sources)
    T = np.concatenate(Ts)
    if T.size == 0:
        where = "" if T_range_K is None else f", T in {list(map(float, T_range_K))} K"
        raise DataFormatError(f"no rows at field {field_T} T (direction {direction!r}"
                              f"{where})", file=source, column="B_T")
    return prepare_rt(T, np.concatenate(Rs), source=source, min_points=min_points)


def _direction_rows(m: Measurement, direction: str) -> np.ndarray:
    """Mask of the rows of ``m`` in its warming (``"up"``) or cooling (``"down"``) runs."""
    from .sweeps import monotonic_runs

    T = m.column("T_K")
    rows = np.flatnonzero(np.isfinite(T))
    mask = np.zeros(T.size, dtype=bool)
    for a, b, sign in monotonic_runs(T[rows], min_points=3):
        if (sign > 0) == (direction == "up"):
            mask[rows[a:b]] = True
    return mask


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


def normal_state(data: RTData, method: RnMethod = "above_transition", *,
                 rn_T_K: float | None = None, rn_dT_K: float | None = None,
                 rn_window: tuple[float, float] | None = None,
                 rn_B_data: RTData | None = None, R_N_ohm: float | None = None) -> NormalState:
    """Normal-state resistance by the chosen ASSUMPTION ``rn_method``.

    Parameters
    ----------
    data
        The R(T) curve (K, Ohm).
    method
        ``"above_transition"``: mean R of the normal-state plateau just above the
        highest-T transition (:func:`above_transition_window`);
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
    elif method == "above_transition":
        win = above_transition_window(T, R)
        sel = win.select(T)
        rn = NormalState(float(np.mean(R[sel])), 0.0, float(np.mean(T[sel])),
                         float(np.hypot(_sem(R[sel]), _window_choice_error(T, R, win))),
                         "above_transition")
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
        rn = NormalState(float(np.mean(vals)), 0.0, T0, _sem(vals), "fixed_T")
    elif method == "fixed_B":
        if rn_B_data is None:
            raise FitError("rn_method='fixed_B' needs rows at the field rn_B_T (e.g. a second "
                           "file measured above Hc2)")
        Tb, Rb = rn_B_data.T_K, rn_B_data.R_ohm
        sel = (Tb >= T[0]) & (Tb <= T[-1])
        vals = Rb[sel] if sel.sum() >= 2 else Rb
        rn = NormalState(float(np.mean(vals)), 0.0, float(np.mean(Tb)), _sem(vals), "fixed_B")
    elif method == "extrapolated_linear":
        if rn_window is None:
            lo = T[0] + 0.75 * (T[-1] - T[0])
            rn_window = (float(lo), float(T[-1]))
        lo, hi = map(float, rn_window)
        sel = (T >= lo) & (T <= hi)
        if sel.sum() < 3:
            raise FitError(f"rn_window [{lo}, {hi}] K holds {int(sel.sum())} points; need >= 3")
        rn = _line_normal_state(T[sel], R[sel], hi)
    else:
        raise FitError(f"unknown rn_method {method!r}; use 'above_transition', 'fixed_T', "
                       "'fixed_B' or 'extrapolated_linear'")
    if not np.isfinite(rn.R_N_ohm) or rn.R_N_ohm <= 0:
        raise FitError(f"normal-state resistance R_N = {rn.R_N_ohm:.4g} Ohm is not positive "
                       f"({data.source})")
    return rn


#: above_transition: a transition is a fall of R below RN_DROP of the largest (3-point
#: median smoothed) R within a factor 1 + RN_LOOK in temperature above (at least 3 points)
RN_DROP = 0.5
RN_LOOK = 0.25
#: the plateau is searched RN_START to RN_START + RN_SPAN upper half-widths
#: (T(0.9 P) - T(0.5 P)) above the 50 % point of the transition; R_N is the mean within
#: +/- RN_BAND (relative) of its flattest point (at least RN_MIN_POINTS points)
RN_START = 3.0
RN_SPAN = 8.0
RN_BAND = 0.02
RN_MIN_POINTS = 5
#: above_transition, steps above the transition: a fall of the smoothed R below STEP_DROP
#: of a value R_j within a factor 1 + RN_LOOK in T above, steeper than STEP_SLOPE in
#: ln R / ln T (twice the exponent of a metallic R ~ T^2, whose fall over that factor is
#: to 64 %, never steeper than a log-slope of 2)
STEP_DROP = 0.75
STEP_SLOPE = 4.0


@dataclass(frozen=True)
class RnWindow:
    """Temperature window of the normal-state plateau used by ``above_transition``.

    Attributes
    ----------
    lo_K, hi_K
        Window limits (K), inclusive: the points averaged for R_N.
    T_N_K
        Flattest point of the plateau (K), the centre of the window.
    T50_K
        Temperature (K) where the smoothed R rises through half of the plateau ``P`` just
        above the transition (``nan`` when no transition was found).
    half_width_K
        Upper half-width ``T(0.9 P) - T(0.5 P)`` (K); for a step above a lower plateau
        ``L`` the fractions are of ``P - L`` (``T(L + 0.9 (P - L)) - T50``).
    found
        Whether a transition was found (otherwise the top RN_MIN_POINTS points are used).
    low_ohm
        ``L`` (Ohm): 0 for a fall towards the floor; the lower plateau (smallest smoothed
        R within a factor 1.25 in T below the fall) when the transition is a step above
        a lower one (an intermediate plateau).
    """

    lo_K: float
    hi_K: float
    T_N_K: float
    T50_K: float
    half_width_K: float
    found: bool
    low_ohm: float = 0.0

    def select(self, T: np.ndarray) -> np.ndarray:
        """Boolean mask of the temperatures inside the window."""
        return (T >= self.lo_K) & (T <= self.hi_K)


def _median3(R: np.ndarray) -> np.ndarray:
    """3-point running median (end points kept)."""
    if R.size < 3:
        return R.copy()
    out = R.copy()
    out[1:-1] = np.median(np.column_stack([R[:-2], R[1:-1], R[2:]]), axis=1)
    return out


def _log_scale(T: np.ndarray) -> tuple[np.ndarray, float]:
    """Temperature axis for the look-ahead: ln T (or T/span when T <= 0 occurs) and the
    length of a factor ``1 + RN_LOOK`` on it."""
    if T[0] > 0:
        return np.log(T), float(np.log1p(RN_LOOK))
    return T / float(np.ptp(T) or 1.0), RN_LOOK


def _transition_index(T: np.ndarray, Rs: np.ndarray) -> tuple[int, float] | None:
    """Index of the highest-T point below RN_DROP of the plateau ``P`` ahead, and ``P``."""
    x, look = _log_scale(T)
    ends = np.maximum(np.searchsorted(x, x + look, side="right"), np.arange(T.size) + 4)
    for i in range(T.size - 2, -1, -1):
        P = float(np.max(Rs[i + 1:min(int(ends[i]), T.size)]))
        if P > 0 and Rs[i] < RN_DROP * P:
            return i, P
    return None


def _step_index(T: np.ndarray, Rs: np.ndarray, T_from: float) -> tuple[int, float] | None:
    """Highest-T step above ``T_from`` (K): index i of the highest-T point with
    ``Rs[i] < STEP_DROP * Rs[j]`` and ``ln(Rs[j]/Rs[i]) >= STEP_SLOPE * ln(T_j/T_i)`` for
    some j within a factor ``1 + RN_LOOK`` in T above (at least the 3 next points), and
    the plateau ``P`` (largest Rs in that range). ``None`` without such a fall (or when
    T <= 0 occurs: no log scale)."""
    if T[0] <= 0:
        return None
    x, look = _log_scale(T)
    y = np.log(np.clip(Rs, np.max(np.abs(Rs)) * 1e-12, None))
    ends = np.maximum(np.searchsorted(x, x + look, side="right"), np.arange(T.size) + 4)
    for i in range(T.size - 2, -1, -1):
        if T[i] < T_from:
            break
        if Rs[i] <= 0:
            continue
        j = np.arange(i + 1, min(int(ends[i]), T.size))
        steep = (Rs[i] < STEP_DROP * Rs[j]) & (y[j] - y[i] >= STEP_SLOPE * (x[j] - x[i]))
        if steep.any():
            return i, float(np.max(Rs[j]))
    return None


def _first_rise(T: np.ndarray, Rs: np.ndarray, i: int, level: float) -> float | None:
    """T (K) where Rs first rises through ``level`` above index i (linear interpolation)."""
    above = np.flatnonzero(Rs[i + 1:] >= level)
    if above.size == 0:
        return None
    k = i + 1 + int(above[0])
    a, b = Rs[k - 1], Rs[k]
    u = (level - a) / (b - a) if b != a else 1.0
    return float(T[k - 1] + np.clip(u, 0.0, 1.0) * (T[k] - T[k - 1]))


def _step_levels(T: np.ndarray, Rs: np.ndarray, i: int, P: float, low: float
                 ) -> tuple[float, float]:
    """``T50`` (K, where Rs rises through ``low + 0.5 (P - low)`` on the way up from the
    fall at index i) and the upper half-width ``h = T(low + 0.9 (P - low)) - T50`` (at
    least the local spacing) of a step from ``low`` up to the plateau ``P`` (Ohm)."""
    mid = low + 0.5 * (P - low)
    below = np.flatnonzero(Rs[:i + 1] < mid)
    k = int(below[-1]) if below.size else i
    T50 = _first_rise(T, Rs, k, mid)
    T50 = float(T[k + 1]) if T50 is None else T50
    T90 = _first_rise(T, Rs, k, low + 0.9 * (P - low))
    h_min = float(T[k + 1] - T[k])
    return T50, max((T90 - T50) if T90 is not None else h_min, h_min)


def _flattest(T: np.ndarray, R: np.ndarray, cand: np.ndarray) -> int:
    """Index (into T) of the candidate with the smallest |d ln R / d ln T|, from a line
    through the points within a factor ``sqrt(1 + RN_LOOK)`` in T (at least 3)."""
    x, look = _log_scale(T)
    y = np.log(np.clip(R, np.max(np.abs(R)) * 1e-12, None))
    best, best_s = int(cand[0]), np.inf
    for j in cand:
        sel = np.flatnonzero(np.abs(x - x[j]) <= 0.5 * look)
        if sel.size < 3:
            sel = np.argsort(np.abs(x - x[j]))[:3]
        xs = x[sel] - x[j]
        den = float(xs @ xs - xs.sum() ** 2 / xs.size)
        if den <= 0:
            continue
        s = abs(float((xs - xs.mean()) @ y[sel]) / den)
        if s < best_s:
            best, best_s = int(j), s
    return best


def _band(T: np.ndarray, j: int, lo_s: float) -> tuple[float, float]:
    """Window +/- RN_BAND around T[j] (at least RN_MIN_POINTS points, nearest first,
    above lo_s when enough points lie there)."""
    pool = np.flatnonzero(T >= lo_s)
    if pool.size < RN_MIN_POINTS:
        pool = np.arange(T.size)
    d = np.abs(T[pool] - T[j])
    sel = pool[d <= RN_BAND * abs(T[j])]
    if sel.size < RN_MIN_POINTS:
        sel = pool[np.argsort(d, kind="stable")[:RN_MIN_POINTS]]
    return float(T[sel].min()), float(T[sel].max())


def above_transition_window(T_K: np.ndarray, R_ohm: np.ndarray) -> RnWindow:
    """Normal-state window just above the highest-T transition (``rn_method``
    ``'above_transition'``).

    1. The transition: with R smoothed by a 3-point running median, the highest-T point
       whose R is below ``RN_DROP`` (50 %) of the largest R within a factor
       ``1 + RN_LOOK`` (1.25) in temperature above it (at least the 3 next points): a
       steep fall, not a gradual metallic decrease (R ~ T^2 falls by 36 % over that
       factor). That largest value is the plateau estimate P.
    2. Its upper half-width: ``h = T(0.9 P) - T(0.5 P)`` on the way up (at least the local
       spacing), ``T50 = T(0.5 P)``.
    3. A step above it (an intermediate plateau between two steps): the highest-T point
       i above ``T50 + h`` with ``R_i < STEP_DROP R_j`` (75 %) and ``ln(R_j/R_i) >=
       STEP_SLOPE ln(T_j/T_i)`` (4) for some j within a factor 1.25 above: a significant
       fall from a plateau that is steep compared with a metallic decrease (R ~ T^2 has
       a log-slope of at most 2, R ~ T of at most 1, and falls over a factor 1.25 only
       to 64 % and 80 %). If found, it is the transition: P is the largest R within the
       factor 1.25 above i, the lower plateau L the smallest within a factor 1.25 below,
       and step 2 is redone with the fractions of ``P - L``: ``T50 = T(L + 0.5 (P - L))``,
       ``h = T(L + 0.9 (P - L)) - T50``. A logistic step of half the height and width w
       has a largest log-slope of about T/(6 w): it is found for w below about T/25.
    4. The plateau: among the points in ``[T50 + RN_START h, T50 + (RN_START + RN_SPAN)
       h]`` (3 to 11 half-widths, R/R_N > 0.99 for a tanh or logistic transition), the
       flattest one T_N (smallest |d ln R/d ln T| of a line through the points within a
       factor sqrt(1.25) in T): there dR/dT has returned to the normal-state level (past
       the fluctuation tail, before a metallic rise).
    5. The window: ``T_N +/- RN_BAND`` (2 %), at least ``RN_MIN_POINTS`` (5) points.

    Without a transition (or without points above it) the top RN_MIN_POINTS points are
    used.

    Parameters
    ----------
    T_K, R_ohm
        Sorted curve (K, Ohm).

    Returns
    -------
    RnWindow
    """
    T, R = np.asarray(T_K, float), np.asarray(R_ohm, float)
    nan = float("nan")
    top = float(T[max(0, T.size - RN_MIN_POINTS)])
    Rs = _median3(R)
    found = _transition_index(T, Rs) if T.size > 4 else None
    if found is None:
        return RnWindow(top, float(T[-1]), float(T[-1]), nan, nan, False)
    i, P = found
    T50, h = _step_levels(T, Rs, i, P, 0.0)
    low = 0.0
    upper = _step_index(T, Rs, T50 + h)  # a further step above: it is the transition
    if upper is not None:
        i, P = upper
        x, look = _log_scale(T)
        low = float(np.min(Rs[(x >= x[i] - look) & (x <= x[i])]))
        T50, h = _step_levels(T, Rs, i, P, low)
    lo_s, hi_s = T50 + RN_START * h, T50 + (RN_START + RN_SPAN) * h
    cand = np.flatnonzero((T >= lo_s) & (T <= hi_s))
    if cand.size == 0:
        cand = np.flatnonzero(T >= lo_s)[:1]
    if cand.size == 0:
        return RnWindow(top, float(T[-1]), float(T[-1]), float(T50), float(h), True, low)
    j = _flattest(T, R, cand)
    lo, hi = _band(T, j, lo_s)
    return RnWindow(lo, hi, float(T[j]), float(T50), float(h), True, low)


#: _window_choice_error: noisy copies of the smoothed curve on which the flattest point is
#: searched again (fixed seed: the error is reproducible)
RN_CHOICE_COPIES = 64
RN_CHOICE_SEED = 20261201


def _local_lines(x: np.ndarray, Y: np.ndarray, idx: np.ndarray, look: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Slope and value at ``x[p]`` of the local line of :func:`_flattest` (the points
    within half of ``look`` of ``x[p]``, at least the 3 nearest) for every ``p`` in
    ``idx`` and every row of ``Y`` (shape ``(k, x.size)``); slope ``inf`` where the
    points do not define a line."""
    lo = np.searchsorted(x, x[idx] - 0.5 * look, side="left")
    hi = np.searchsorted(x, x[idx] + 0.5 * look, side="right")
    few = np.flatnonzero(hi - lo < 3)
    for q in few:  # sparse data: the 3 nearest points (contiguous on the sorted axis)
        sel = np.sort(np.argsort(np.abs(x - x[idx[q]]), kind="stable")[:3])
        lo[q], hi[q] = sel[0], sel[-1] + 1
    zero = np.zeros((Y.shape[0], 1))
    cy = np.concatenate([zero, np.cumsum(Y, axis=1)], axis=1)
    cxy = np.concatenate([zero, np.cumsum(Y * x, axis=1)], axis=1)
    cx = np.concatenate([[0.0], np.cumsum(x)])
    cxx = np.concatenate([[0.0], np.cumsum(x * x)])
    m = (hi - lo).astype(float)
    Sx, Sxx = cx[hi] - cx[lo], cxx[hi] - cxx[lo]
    Sy, Sxy = cy[:, hi] - cy[:, lo], cxy[:, hi] - cxy[:, lo]
    den = Sxx - Sx**2 / m
    ok = den > 1e-12 * np.maximum(Sxx, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(ok, (Sxy - Sx * Sy / m) / np.where(ok, den, 1.0), np.inf)
        value = Sy / m + np.where(ok, slope, 0.0) * (x[idx] - Sx / m)
    return slope, value


def _window_choice_error(T_K: np.ndarray, R_ohm: np.ndarray, win: RnWindow) -> float:
    """Error (Ohm) of R_N from the noise-driven choice of the plateau point T_N.

    Where the normal state still rises (a long fluctuation tail, a metallic slope) the
    flattest point of :func:`above_transition_window` is picked by the noise among
    candidates of nearly equal slope, and R_N moves with it by more than the standard
    error of the band mean. Here the choice is repeated on ``RN_CHOICE_COPIES`` noisy
    copies of the smoothed curve (ln R of the local line of :func:`_flattest` at every
    point, plus Gaussian noise of :func:`estimate_noise`); the error is the standard
    deviation of the smoothed band means at the points chosen. 0 without a transition,
    with fewer than 2 candidates or without noise.

    Parameters
    ----------
    T_K, R_ohm
        Sorted curve (K, Ohm).
    win
        Its window (:func:`above_transition_window`).

    Returns
    -------
    float
        1-sigma error (Ohm).
    """
    T, R = np.asarray(T_K, float), np.asarray(R_ohm, float)
    if not win.found or not np.isfinite(win.half_width_K):
        return 0.0
    lo_s = win.T50_K + RN_START * win.half_width_K
    hi_s = win.T50_K + (RN_START + RN_SPAN) * win.half_width_K
    cand = np.flatnonzero((T >= lo_s) & (T <= hi_s))
    sigma = estimate_noise(R)
    if cand.size < 2 or not np.isfinite(sigma) or sigma <= 0:
        return 0.0
    x, look = _log_scale(T)
    x = x - float(np.mean(x))  # the lines do not depend on the origin; sums stay small
    y = np.log(np.clip(R, np.max(np.abs(R)) * 1e-12, None))
    slope, value = _local_lines(x, y[None, :], np.arange(T.size), look)
    smooth = np.where(np.isfinite(slope[0]), value[0], y)
    rng = np.random.default_rng(RN_CHOICE_SEED)
    copies = smooth[None, :] + (sigma / np.exp(smooth))[None, :] * rng.standard_normal(
        (RN_CHOICE_COPIES, T.size))
    s_b = np.abs(_local_lines(x, copies, cand, look)[0])
    if np.sum(np.isfinite(s_b[0])) < 2:
        return 0.0
    chosen = cand[np.argmin(s_b, axis=1)]
    means: dict[int, float] = {}
    for j in np.unique(chosen):
        lo, hi = _band(T, int(j), lo_s)
        means[int(j)] = float(np.mean(np.exp(smooth[(T >= lo) & (T <= hi)])))
    return float(np.std([means[int(j)] for j in chosen], ddof=1))


def _sem(vals: np.ndarray) -> float:
    """Standard error (Ohm) of the mean of the R_N band (0 for a single point)."""
    return float(np.std(vals, ddof=1) / np.sqrt(vals.size)) if vals.size > 1 else 0.0


def _line_normal_state(T: np.ndarray, R: np.ndarray, T_ref: float) -> NormalState:
    """Straight line fitted to the normal state, with its covariance (RSS/(n-2) scaled)."""
    X = np.column_stack([np.ones(T.size), T - T_ref])
    coef, *_ = np.linalg.lstsq(X, R, rcond=None)
    resid = R - X @ coef
    s2 = float(resid @ resid) / (T.size - 2) if T.size > 2 else 0.0
    cov = s2 * np.linalg.pinv(X.T @ X)
    return NormalState(float(coef[0]), float(coef[1]), float(T_ref),
                       float(np.sqrt(max(cov[0, 0], 0.0))), "extrapolated_linear",
                       (float(cov[0, 0]), float(cov[0, 1]), float(cov[1, 1])))


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


# ---------------------------------------------------------------------------------------
# crossings with honest errors (statistical + sampling)

#: half-width of the local-fit window in units of the noise ambiguity sigma_R/|dR/dT|
NOISE_WINDOW = 3.0
#: points on each side of a raw crossing averaged to decide whether it is significant
SIG_POINTS = 4
#: lower bound of u(1 - u) in the sampling term (the position u inside the bracket is
#: itself uncertain; a point lying on the level does not make the curvature error vanish)
U_FLOOR = 0.1
#: widest local-fit half-window, in units of the transition scale (20-80 % width)
WINDOW_MAX = 1.0
#: a second difference counts as curvature only beyond this many sigma of its noise
CURV_THRESHOLD = 3.0


@dataclass(frozen=True)
class LevelTemperature:
    """Temperature where R(T) crosses a level, with the parts of its error.

    Attributes
    ----------
    T_K
        The crossing temperature (K).
    stat_K
        Statistical 1-sigma error (K): sigma_R through the interpolation or local fit.
    sampling_K
        1-sigma error (K) from the finite point spacing (curvature between the points;
        for the zero floor at least spacing/sqrt(12)).
    method
        ``"polynomial interpolation"`` (quintic or cubic through the bracket and its
        neighbours, :func:`poly_crossing`), ``"interpolation"`` (linear between the two
        bracketing points, an unresolved step) or ``"local fit"`` (polynomial fit to the
        points within the noise ambiguity of the level).
    n_points
        Number of points that determine the crossing.
    spacing_K
        Spacing of the two bracketing points (K).
    raw
        Every raw crossing of the level (linear interpolation), increasing T.
    """

    T_K: float
    stat_K: float
    sampling_K: float
    method: str
    n_points: int
    spacing_K: float
    raw: tuple[Crossing, ...]


def significant_crossing(d: np.ndarray, cs: list[Crossing], k: int = SIG_POINTS
                         ) -> Crossing:
    """Highest-T raw crossing of ``d = R - level`` that is not a noise crossing.

    A rising crossing counts when the mean of ``d`` over the ``k`` points above it is
    positive and over the ``k`` points below it negative: in a noisy plateau a level a
    few sigma_R below R_N is crossed many times, each of those crossings has both means
    positive. Falls back to the highest-T crossing when none is significant.
    """
    for c in reversed(cs):
        i = c.index
        if c.slope_ohm_K <= 0:
            continue
        above, below = d[i + 1:i + 1 + k], d[max(0, i + 1 - k):i + 1]
        if above.mean() > 0 and below.mean() < 0:
            return c
    return cs[-1]


def _significant_all(d: np.ndarray, cs: list[Crossing], k: int = SIG_POINTS) -> list[float]:
    """Temperatures of every significant (rising or falling) crossing."""
    out = []
    for c in cs:
        i = c.index
        above, below = d[i + 1:i + 1 + k], d[max(0, i + 1 - k):i + 1]
        sign = 1.0 if c.slope_ohm_K > 0 else -1.0
        if sign * above.mean() > 0 and sign * below.mean() < 0:
            out.append(c.T_K)
    return out


def _node_curvature(T: np.ndarray, R: np.ndarray, j: int, sigma: float) -> float:
    """|d2R/dT2| (Ohm/K^2) at point j from its neighbours, with the noise part removed.

    The divided second difference has the noise variance ``sigma^2 (2/(h1+h2))^2
    (1/h1^2 + (1/h1 + 1/h2)^2 + 1/h2^2)``; it is subtracted from its square.
    """
    if j < 1 or j > T.size - 2:
        return 0.0
    h1, h2 = T[j] - T[j - 1], T[j + 1] - T[j]
    d2 = 2.0 * ((R[j + 1] - R[j]) / h2 - (R[j] - R[j - 1]) / h1) / (h1 + h2)
    var = sigma**2 * (2.0 / (h1 + h2)) ** 2 * (1 / h1**2 + (1 / h1 + 1 / h2) ** 2 + 1 / h2**2)
    return float(np.sqrt(max(0.0, d2 * d2 - CURV_THRESHOLD**2 * var)))


def sampling_error(T: np.ndarray, R: np.ndarray, c: Crossing, sigma: float) -> float:
    """1-sigma error (K) of a linearly interpolated crossing from the point spacing.

    Linear interpolation between points ``h`` apart misses the curve by
    ``R'' h^2 u (1 - u) / 2`` (u: position of the crossing inside the bracket); divided
    by the slope this is ``h rho u (1 - u) / 2`` with the undersampling ratio
    ``rho = |R''| h^2 / |R2 - R1|`` (second over first difference). R'' is the larger
    (noise-corrected) second divided difference at the two bracketing points, u(1-u) is at
    least ``U_FLOOR``. When rho approaches 1 the curve is not resolved between the points
    and the crossing may lie anywhere in the bracket: the error is at least
    ``h min(rho, 1)^2 / sqrt(12)`` (uniform over the bracket for rho >= 1). It is at most
    the rms distance of the interpolated point from a crossing anywhere in the bracket,
    ``h sqrt(1/12 + (u - 1/2)^2)``: with points from interleaved sweeps (``sweep='all'``)
    a spacing of a few mK next to the bracket would otherwise make ``rho`` meaningless.
    """
    i = c.index
    h = float(T[i + 1] - T[i])
    dR = abs(float(c.slope_ohm_K)) * h
    if dR <= 0 or h <= 0:
        return 0.0
    curv = max(_node_curvature(T, R, i, sigma), _node_curvature(T, R, i + 1, sigma))
    rho = curv * h * h / dR
    u = (c.T_K - T[i]) / h
    err = h * max(rho * max(u * (1 - u), U_FLOOR) / 2.0, min(rho, 1.0) ** 2 / np.sqrt(12.0))
    return float(min(err, h * np.sqrt(1.0 / 12.0 + (u - 0.5) ** 2)))


#: nodes of the interpolating polynomial in the sparse regime: a quintic through the two
#: bracketing points and two neighbours on each side, else (where the data end) a cubic
#: through one neighbour on each side
POLY_NODES = (6, 4)
#: first and last+1 node of each polynomial, relative to the lower bracketing point
_POLY_OFFSETS = {6: (-2, 4), 4: (-1, 3)}
#: the polynomial is used only while the undersampling ratio ``rho`` of
#: :func:`sampling_error` stays below this (a step resolved by the points around it);
#: beyond, linear interpolation with its bracket-sized sampling error applies
POLY_RHO_MAX = 1.0
#: ... and while the nodes resolve the step: at least ``n - 3`` of the ``n`` nodes (the
#: quintic; ``n - 2`` for the cubic) lie inside it, more than this fraction of the rise
#: across the nodes above their lowest and below their highest value (a step 2 w wide
#: sampled every 2 w has one or two points inside: a polynomial through the plateau
#: points around them misses the crossing)
POLY_INSIDE_FRAC = 0.05


def _lagrange(t: float, nodes: np.ndarray, deriv: bool = True
              ) -> tuple[np.ndarray, np.ndarray]:
    """Lagrange basis values and (with ``deriv``) derivatives at ``t`` (K) for ``nodes``
    (K); the derivatives are zeros without ``deriv``."""
    n = nodes.size
    D = nodes[:, None] - nodes[None, :]
    np.fill_diagonal(D, 1.0)
    den = D.prod(axis=1)
    M = np.broadcast_to(t - nodes, (n, n)).copy()
    np.fill_diagonal(M, 1.0)
    L = M.prod(axis=1) / den
    dL = np.zeros(n)
    if deriv:
        for m in range(n):  # d/dt of prod_{j != k}(t - t_j): drop one factor j = m
            Mm = M.copy()
            Mm[:, m] = 1.0
            Mm[m, :] = 0.0  # the row k = m has no factor m to drop
            dL += Mm.prod(axis=1)
        dL /= den
    return L, dL


def _basis_on(t: float, T: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Lagrange basis of the nodes ``T[lo:hi]`` at ``t``, spread over all points."""
    out = np.zeros(T.size)
    out[lo:hi] = _lagrange(t, T[lo:hi], deriv=False)[0]
    return out


def poly_crossing(T: np.ndarray, d: np.ndarray, c: Crossing, sigma: float
                  ) -> tuple[float, float, float, int] | None:
    """Crossing of ``d = R - level`` from the interpolating polynomial through the
    bracketing points and their neighbours (``POLY_NODES``).

    Linear interpolation between the bracketing points misses a curved step by
    ``R'' h^2 u(1-u)/2`` with a fixed sign (the chord lies below a concave curve, above
    a convex one): it moves T(0.8 R_N) up and T(0.2 R_N) down, so the width comes out
    high by about ``h^2 |R''/R'|/6`` on average, as large as its sampling error (a tanh
    step sampled every w/4: 1-sigma coverage of the width 28 %, mean pull +1.2).
    The quintic (cubic where the data end) through the nodes around the bracket is
    exact to fifth (third) order. Its sampling error is ``|P(T) - Q(T)|/P'(T)`` at the
    crossing T, with its noise part removed (counted only beyond ``CURV_THRESHOLD`` sigma
    of its noise): Q is the cubic through the four inner nodes for the quintic (the
    cubic's error, larger than the quintic's: width coverage 67-74 % on tanh steps
    sampled every w/4 to w, tests/transport/test_tc_width.py), and the larger of the two
    quartics one node wider for the cubic.

    Parameters
    ----------
    T
        Sorted temperatures (K).
    d
        ``R - level`` at each T (Ohm).
    c
        The raw (linear) crossing whose bracket ``c.index, c.index + 1`` is refined.
    sigma
        Resistance noise (Ohm).

    Returns
    -------
    tuple or None
        ``(T (K), statistical error (K), sampling error (K), nodes)`` with the
        statistical error ``sigma sqrt(sum L_k(T)^2)/P'(T)`` (L_k: Lagrange basis);
        ``None`` when fewer than 4 nodes are available, the step is not resolved
        (undersampling ratio ``rho >= POLY_RHO_MAX``, or too few nodes inside the step:
        ``POLY_INSIDE_FRAC``) or the polynomial is not rising at its root (then linear
        interpolation applies).
    """
    from scipy.optimize import brentq

    i = c.index
    a, b = float(T[i]), float(T[i + 1])
    fa, fb = float(d[i]), float(d[i + 1])
    curv = max(_node_curvature(T, d, i, sigma), _node_curvature(T, d, i + 1, sigma))
    if fb <= fa or curv * (b - a) ** 2 >= POLY_RHO_MAX * (fb - fa):
        return None
    for n in POLY_NODES:
        lo, hi = i + _POLY_OFFSETS[n][0], i + _POLY_OFFSETS[n][1]
        if lo >= 0 and hi <= T.size:
            break
    else:
        return None
    nodes, vals = T[lo:hi], d[lo:hi]
    rise = float(np.ptp(vals))
    inside = (vals - vals.min() > POLY_INSIDE_FRAC * rise) & \
        (vals.max() - vals > POLY_INSIDE_FRAC * rise)
    if int(inside.sum()) < nodes.size - (3 if nodes.size == 6 else 2):
        return None

    def poly(t: float) -> float:
        return float(_lagrange(t, nodes, deriv=False)[0] @ vals)

    if fa == 0.0 or fb == 0.0:
        root = a if fa == 0.0 else b
    else:
        root = float(brentq(poly, a, b, xtol=1e-12 * max(b - a, 1e-300)))
    L, dL = _lagrange(root, nodes)
    slope = float(dL @ vals)
    chord = (fb - fa) / (b - a)
    if chord <= 0 or slope <= 0.25 * chord:
        return None
    stat = sigma * float(np.sqrt(L @ L)) / slope
    full = _basis_on(root, T, lo, hi)
    refs = [(lo + 1, hi - 1)] if n == 6 else [(lo - 1, hi), (lo, hi + 1)]
    samp = 0.0
    for rlo, rhi in refs:
        if rlo < 0 or rhi > T.size:
            continue
        wts = full - _basis_on(root, T, rlo, rhi)
        diff, var = float(wts @ d), sigma**2 * float(wts @ wts)
        samp = max(samp, float(np.sqrt(max(0.0, diff * diff - CURV_THRESHOLD**2 * var))))
    return root, float(stat), float(min(samp / slope, b - a)), int(nodes.size)


def _poly_fit(x: np.ndarray, y: np.ndarray, deg: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares polynomial ``y = c0 + c1 x (+ c2 x^2)``: coefficients, (X^T X)^-1."""
    X = np.vander(x, deg + 1, increasing=True)
    xtx_inv = np.linalg.pinv(X.T @ X)
    return xtx_inv @ (X.T @ y), xtx_inv


def _poly_root(coef: np.ndarray, W: float) -> float | None:
    """Root of the local polynomial nearest 0 with a positive slope, inside [-W, W]."""
    c0, c1 = float(coef[0]), float(coef[1])
    c2 = float(coef[2]) if coef.size > 2 else 0.0
    if c1 <= 0:
        return None
    x = -c0 / c1
    for _ in range(20):  # Newton from the linear root
        f, fp = c0 + c1 * x + c2 * x * x, c1 + 2 * c2 * x
        if fp <= 0:
            return None
        step = f / fp
        x -= step
        if abs(step) < 1e-12 * max(W, 1e-300):
            break
    if not np.isfinite(x) or abs(x) > W or c1 + 2 * c2 * x <= 0:
        return None
    return float(x)


def _local_slope(T: np.ndarray, d: np.ndarray, T0: float, half: float) -> float:
    """Slope (Ohm/K) of a straight line through the points within ``half`` of T0."""
    sel = np.abs(T - T0) <= half
    if sel.sum() < 3:
        sel = np.zeros(T.size, dtype=bool)
        sel[np.argsort(np.abs(T - T0))[:3]] = True
    coef, _ = _poly_fit(T[sel] - T0, d[sel], 1)
    return float(coef[1])


def _local_fit(T: np.ndarray, d: np.ndarray, T0: float, W: float, sigma: float,
               h_min: float, W_max: float) -> tuple[float, float, int] | None:
    """Crossing of a local polynomial fit to ``d = R - level`` near T0.

    The window half-width follows the noise ambiguity ``NOISE_WINDOW*sigma/slope``
    (between ``h_min`` and ``W_max``); a quadratic with 6 or more points, else a line.
    Returns ``(T, stat error, points)`` or ``None`` when no rising root lies inside.
    """
    center, out = T0, None
    for _ in range(3):
        sel = np.abs(T - center) <= W
        n = int(sel.sum())
        if n < 4:
            return out
        deg = 2 if n >= 6 else 1
        x = T[sel] - center
        coef, xtx_inv = _poly_fit(x, d[sel], deg)
        root = _poly_root(coef, W)
        if root is None:
            return out
        g = root ** np.arange(deg + 1)
        slope = float(coef[1] + (2 * coef[2] * root if deg == 2 else 0.0))
        err = float(sigma * np.sqrt(max(g @ xtx_inv @ g, 0.0)) / slope)
        center = center + root
        out = (float(center), err, n)
        W = float(np.clip(NOISE_WINDOW * sigma / slope, h_min, W_max))
    return out


def level_temperature(data: RTData, level: np.ndarray | float, sigma_R_ohm: float,
                      name: str, scale_K: float, *, floor: bool = False,
                      allow_missing: bool = False) -> LevelTemperature | None:
    """Highest-T significant crossing of ``R = level`` with statistical and sampling errors.

    Sparse regime (the noise ambiguity ``sigma_R/|dR/dT|`` holds at most 3 points): the
    interpolating polynomial of :func:`poly_crossing` (docs/models/tc_definitions.md), or
    where the step is not resolved linear interpolation between the bracketing points with
    the interpolation error of :func:`crossings` and the :func:`sampling_error`. Dense noisy
    regime: a local fit (see :func:`_local_fit`), whose error follows from its covariance.

    Parameters
    ----------
    data
        Cleaned R(T) curve (K, Ohm).
    level
        Level (Ohm), scalar or one per point.
    sigma_R_ohm
        Resistance noise (Ohm).
    name
        Name of the level for messages.
    scale_K
        Transition scale (K, e.g. the 20-80 % width): the widest local-fit window.
    floor
        The zero floor: its sampling error is at least spacing/sqrt(12) (a threshold).
    allow_missing
        Return ``None`` instead of raising when the level is never crossed.

    Raises
    ------
    FitError
        The level is never crossed (unless ``allow_missing``).
    """
    T, R = data.T_K, data.R_ohm
    lv = np.broadcast_to(np.asarray(level, float), T.shape)
    cs = crossings(T, R, lv, sigma_R_ohm)
    if not cs:
        if allow_missing:
            return None
        crossing_temperature(data, lv, sigma_R_ohm, name)  # raises the FitError
    d = R - lv
    c = significant_crossing(d, cs)
    h = float(T[c.index + 1] - T[c.index])
    slope = _local_slope(T, d, c.T_K, max(0.5 * scale_K, 1.5 * h))
    slope = slope if slope > 0 else abs(c.slope_ohm_K)
    W = min(NOISE_WINDOW * sigma_R_ohm / slope, WINDOW_MAX * scale_K)
    fit = None
    if int(np.sum(np.abs(T - c.T_K) <= W)) > 3:
        fit = _local_fit(T, d, c.T_K, W, sigma_R_ohm, 1.5 * h,
                         max(WINDOW_MAX * scale_K, 1.5 * h))
    if fit is not None:
        T_c, stat, n = fit
        samp, method = 0.0, "local fit"
    else:
        poly = poly_crossing(T, d, c, sigma_R_ohm) if c.slope_ohm_K > 0 else None
        if poly is not None:
            T_c, stat, samp, n = poly
            method = "polynomial interpolation"
        else:
            T_c, stat, n = c.T_K, c.stderr_K, 2
            samp, method = sampling_error(T, R, c, sigma_R_ohm), "interpolation"
    if floor:
        samp = max(samp, h / np.sqrt(12.0))
    return LevelTemperature(float(T_c), float(stat), float(samp), method, int(n), h,
                            tuple(cs))


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

#: output name -> level key of the criteria
_LEVEL_OF = {"Tc_onset_K": "onset", "Tc_mid_K": "mid", "Tc_zero_K": "zero"}


def _check_fractions(onset_fraction: float, mid_fraction: float,
                     width_fractions: tuple[float, float], zero_f0: float
                     ) -> tuple[float, float]:
    fl, fh = map(float, width_fractions)
    for f in (onset_fraction, mid_fraction, fl, fh, zero_f0):
        if not 0 < f < 1:
            raise FitError(f"fractions of R_N must lie in (0, 1); got {f}")
    if fl >= fh:
        raise FitError(f"width_fractions must be increasing, got {width_fractions}")
    return fl, fh


def _noise(data: RTData, T_mid: float, scale: float, notes: list[str]) -> float:
    """sigma_R (Ohm) from the normal-state and zero-resistance points.

    The regions are chosen by temperature (more than 3 transition scales above/below the
    preliminary Tc_mid), not by resistance: selecting R > 0.95 R_N would cut the noise
    distribution and underestimate sigma_R.
    """
    T, R = data.T_K, data.R_ohm
    normal, zero = T >= T_mid + 3.0 * scale, T <= T_mid - 3.0 * scale
    parts = [estimate_noise(R[normal]) if normal.sum() >= 5 else np.nan,
             estimate_noise(R[zero]) if zero.sum() >= 5 else np.nan]
    parts = [p for p in parts if np.isfinite(p)]
    if parts:
        return float(max(parts))
    notes.append("sigma_R estimated from the whole curve (few normal/zero points)")
    return estimate_noise(R)


def _refuse_flat(data: RTData, rn: NormalState, sigma: float, mid_fraction: float) -> None:
    """RefusedError for constant R and for R that never falls below mid_fraction R_N."""
    T, R = data.T_K, data.R_ohm
    where = f" ({data.source})" if data.source else ""
    q05, q95 = np.percentile(R, [5, 95])
    drop = float(q95 - q05)
    if drop <= 5.0 * sigma or np.ptp(R) == 0:
        raise RefusedError(f"R(T) varies by only {drop:.3g} Ohm (5-95 % range, "
                           f"{drop / sigma if sigma > 0 else 0:.2g} sigma_R) in "
                           f"{T[0]:.4g}-{T[-1]:.4g} K: constant resistance, no transition in "
                           f"range{where}")
    if rn.R_N_ohm <= 5.0 * sigma:
        raise RefusedError(f"R_N = {rn.R_N_ohm:.3g} Ohm is only {rn.R_N_ohm / sigma:.2g} "
                           f"sigma_R: no normal state above the noise, no transition in "
                           f"range{where}")
    ratio = R / rn(T)
    if R.max() < mid_fraction * float(rn(T[np.argmax(R)])):
        raise RefusedError(f"R(T) stays below {mid_fraction} R_N: no normal state in range"
                           f"{where}")
    if ratio.min() > mid_fraction:
        raise RefusedError(f"R/R_N never falls below {ratio.min():.3g} (criterion "
                           f"{mid_fraction}) in {T[0]:.4g}-{T[-1]:.4g} K: no transition in "
                           f"range{where}")


def _transition_scale(data: RTData, rn: NormalState, fl: float, fh: float,
                      mid_fraction: float) -> tuple[float, float]:
    """Preliminary 20-80 % width (K, > 0) and Tc_mid (K) from significant raw crossings."""
    T, R = data.T_K, data.R_ohm
    RN = rn(T)
    temps = []
    for f in (fl, fh, mid_fraction):
        cs = crossings(T, R, f * RN, 0.0)
        temps.append(significant_crossing(R - f * RN, cs).T_K if cs else np.nan)
    scale = temps[1] - temps[0]
    if not np.isfinite(scale) or scale <= 0:
        scale = 0.1 * float(T[-1] - T[0])
    T_mid = temps[2] if np.isfinite(temps[2]) else float(np.median(T))
    return float(max(scale, 2.0 * float(np.min(np.diff(T))))), float(T_mid)


def _all_levels(data: RTData, rn: NormalState, sigma: float, fracs: dict[str, float],
                zero_k: float, zero_f0: float, scale: float, allow_missing: bool
                ) -> dict[str, LevelTemperature | None]:
    """LevelTemperature of every criterion (``None`` for a level never crossed)."""
    RN = rn(data.T_K)
    out: dict[str, LevelTemperature | None] = {}
    for key, f in fracs.items():
        out[key] = level_temperature(data, f * RN, sigma, f"T(R = {f} R_N)", scale,
                                     allow_missing=allow_missing and key != "mid")
    floor = np.maximum(zero_k * sigma, zero_f0 * RN)
    out["zero"] = level_temperature(data, floor, sigma, "Tc_zero (resistance floor)", scale,
                                    floor=True, allow_missing=allow_missing)
    return out


def _value_table(lv: dict[str, LevelTemperature | None], data: RTData, rn: NormalState,
                 onset_method: str) -> tuple[dict[str, tuple[float, float | None]],
                                             dict[str, float]]:
    """``values`` (name -> (value, stat)) and ``sampling`` (name -> K) of the criteria."""
    values: dict[str, tuple[float, float | None]] = {}
    sampling: dict[str, float] = {}
    for name, key in _LEVEL_OF.items():
        c = lv.get(key)
        if c is not None:
            values[name], sampling[name] = (c.T_K, c.stat_K), c.sampling_K
    if onset_method == "tangent_intersection":
        values["Tc_onset_K"] = (_tangent_onset(data, rn, values["Tc_mid_K"][0]), None)
        sampling["Tc_onset_K"] = 0.0
    elif onset_method != "fraction":
        raise FitError(f"unknown onset_method {onset_method!r}; use 'fraction' or "
                       "'tangent_intersection'")
    lo, hi = lv.get("low"), lv.get("high")
    if lo is not None and hi is not None:
        values["width_K"] = (hi.T_K - lo.T_K, float(np.hypot(hi.stat_K, lo.stat_K)))
        sampling["width_K"] = float(np.hypot(hi.sampling_K, lo.sampling_K))
    return values, sampling


def _rn_systematics(data: RTData, rn: NormalState, sigma: float, fracs: dict[str, float],
                    zero_k: float, zero_f0: float, scale: float, onset_method: str,
                    values: dict[str, Any], notes: list[str]) -> dict[str, float]:
    """Half-difference of every criterion for R_N +/- its error at Tc_mid (K)."""
    delta = rn.stderr_at(values["Tc_mid_K"][0])
    if not np.isfinite(delta) or delta <= 0:
        if rn.method != "given":
            notes.append("R_N determined from a single point: R_N systematic is 0")
        return {name: 0.0 for name in values}
    shifted = []
    for sgn in (1.0, -1.0):
        try:
            lv = _all_levels(data, rn.shifted(sgn * delta), sigma, fracs, zero_k,
                             zero_f0, scale, True)
        except FitError:
            notes.append("R_N +/- scatter moves a level out of range: no R_N systematic")
            return {}
        shifted.append(_value_table(lv, data, rn, "fraction")[0])
    up, dn = shifted
    out = {name: 0.5 * abs(up[name][0] - dn[name][0]) for name in values
           if name in up and name in dn}
    if onset_method != "fraction":
        out.pop("Tc_onset_K", None)
    return out


def fit_tc(data: RTData, rn: NormalState, *, onset_method: OnsetMethod = "fraction",
           onset_fraction: float = 0.9, mid_fraction: float = 0.5,
           width_fractions: tuple[float, float] = (0.2, 0.8), zero_k: float = 3.0,
           zero_f0: float = 0.01, sigma_R_ohm: float | None = None,
           allow_missing: bool = False) -> FitResult:
    """Characteristic temperatures of one transition (array level), with a quality verdict.

    Parameters
    ----------
    data
        Cleaned R(T) curve (K, Ohm), e.g. from :func:`prepare_rt`.
    rn
        Normal-state resistance (see :func:`normal_state`).
    onset_method, onset_fraction, mid_fraction, width_fractions, zero_k, zero_f0
        Criteria (see :data:`OPTIONS`).
    sigma_R_ohm
        Resistance noise (Ohm); estimated from the data when ``None``.
    allow_missing
        When a level other than the mid level is never crossed, leave its value out
        (flagged ``criterion_not_reached``) instead of raising.

    Returns
    -------
    FitResult
        Kind ``"tc"``; params as :func:`analyze`: ``Tc_onset_K``, ``Tc_mid_K``,
        ``Tc_zero_K``, ``width_K`` (K; ufloats with the statistical + sampling + R_N
        error, split in ``budget``), ``R_N_ohm`` (Ohm), ``<name>_sys_RN`` (K) and
        ``sigma_R_ohm`` (Ohm). ``quality``: the level, shape and R_N flags of
        :func:`analyze` (``criterion_not_reached``, ``too_few_points``,
        ``sampling_limited``, ``multi_step``, ``non_monotonic``,
        ``criteria_out_of_order``, ``onset_on_normal_slope``, ``extrapolated``,
        ``rn_far_from_transition``, ``noise_inconsistent``). ``provenance`` holds the
        raw crossings and notes; ``lmfit_result`` is None (no fit); no plot data (use
        :func:`analyze` for a figure).

    Raises
    ------
    RefusedError
        Constant R, no normal state or no transition in range.
    FitError
        Bad fractions; a level never crossed (without ``allow_missing``).
    """
    options = {"onset_method": onset_method, "onset_fraction": onset_fraction,
               "mid_fraction": mid_fraction, "width_fractions": tuple(width_fractions),
               "zero_k": zero_k, "zero_f0": zero_f0, "sigma_R_ohm": sigma_R_ohm,
               "allow_missing": allow_missing}
    res = _tc_levels(data, rn, onset_method=onset_method, onset_fraction=onset_fraction,
                     mid_fraction=mid_fraction, width_fractions=width_fractions,
                     zero_k=zero_k, zero_f0=zero_f0, sigma_R_ohm=sigma_R_ohm,
                     allow_missing=allow_missing)
    res["mid_fraction"] = float(mid_fraction)
    fl, fh = width_fractions
    RN_T = rn(data.T_K)
    res["points_in_width"] = int(np.sum((data.R_ohm > fl * RN_T) & (data.R_ohm < fh * RN_T)))
    params, budget = _params_with_budget(res, rn)
    checks = dict(options, rn_T_K=rn.T_ref_K if rn.method == "fixed_T" else None)
    flags = (_flags_levels(res, checks) + _flags_shape(data, rn, res)[0]
             + _flags_rn(data, rn, res, checks))
    options["sigma_R_source"] = res["sigma_source"]
    provenance = {"function": "fit_tc", "level": "array", "crossings_K": res["crossings"],
                  "window_K": [float(data.T_K[0]), float(data.T_K[-1])],
                  "notes": list(data.notes) + res["notes"]}
    stats = {"ndata": int(data.T_K.size), "floor_ohm": res["floor_ohm"],
             "points_in_width": res["points_in_width"],
             "sigma_estimated_ohm": res["sigma_estimated_ohm"]}
    return FitResult(kind="tc", params=params, stats=stats, options=options,
                     provenance=provenance, quality=Quality(tuple(flags)), budget=budget)


def _tc_levels(data: RTData, rn: NormalState, *, onset_method: OnsetMethod = "fraction",
               onset_fraction: float = 0.9, mid_fraction: float = 0.5,
               width_fractions: tuple[float, float] = (0.2, 0.8), zero_k: float = 3.0,
               zero_f0: float = 0.01, sigma_R_ohm: float | None = None,
               allow_missing: bool = False) -> dict[str, Any]:
    """The level temperatures behind :func:`fit_tc` and :func:`analyze` (arguments as
    :func:`fit_tc`).

    Returns
    -------
    dict
        ``values`` (name -> (value, statistical stderr or None)), ``sampling`` (name ->
        sampling error, K), ``systematics`` (name -> half difference for R_N +/- scatter,
        K), ``crossings`` (level -> all raw crossing temperatures), ``levels`` (level ->
        :class:`LevelTemperature`), ``missing`` (names not reached), ``sigma_R_ohm``,
        ``sigma_estimated_ohm``, ``sigma_source``, ``floor_ohm``, ``scale_K``, ``notes``.

    Raises
    ------
    RefusedError
        Constant R, no normal state or no transition in range.
    FitError
        Bad fractions; a level never crossed (without ``allow_missing``).
    """
    fl, fh = _check_fractions(onset_fraction, mid_fraction, width_fractions, zero_f0)
    T = data.T_K
    notes: list[str] = []
    scale, T_mid0 = _transition_scale(data, rn, fl, fh, mid_fraction)
    sigma_est = _noise(data, T_mid0, scale, notes)
    if sigma_R_ohm is None:
        sigma, sigma_src = sigma_est, "estimated"
    else:
        sigma, sigma_src = float(sigma_R_ohm), "given"
    if not np.isfinite(sigma) or sigma <= 0:
        # no resolvable noise: use a tiny fraction of R_N and say so
        sigma = 1e-6 * rn.R_N_ohm
        notes.append("noise not resolvable; sigma_R set to 1e-6 R_N")
    if sigma_src == "given" or not any("whole curve" in n for n in notes):
        _refuse_flat(data, rn, sigma, mid_fraction)
    else:
        _refuse_flat(data, rn, 0.0, mid_fraction)
    fracs = {"mid": mid_fraction, "low": fl, "high": fh, "onset": onset_fraction}
    lv = _all_levels(data, rn, sigma, fracs, zero_k, zero_f0, scale, allow_missing)
    values, sampling = _value_table(lv, data, rn, onset_method)
    missing = [k for k, c in lv.items() if c is None]
    allc = {k: [x.T_K for x in c.raw] for k, c in lv.items() if c is not None}
    for key, cs in allc.items():
        if len(cs) > 1:
            notes.append(f"{len(cs)} crossings for {key} ({', '.join(f'{t:.4g}' for t in cs)}"
                         " K): non-monotonic or noisy R(T), highest-T significant one used")
    systematics = _rn_systematics(data, rn, sigma, fracs, zero_k, zero_f0, scale,
                                  onset_method, values, notes)
    return {"values": values, "sampling": sampling, "systematics": systematics,
            "crossings": allc, "levels": lv, "missing": missing,
            "sigma_R_ohm": sigma, "sigma_estimated_ohm": sigma_est, "sigma_source": sigma_src,
            "floor_ohm": float(np.max(np.maximum(zero_k * sigma, zero_f0 * rn(T)))),
            "scale_K": scale, "notes": notes}


_DEFAULTS: dict[str, Any] = SPEC.defaults

#: residual floor: reported when above FLOOR_SIGMAS sigma_R and FLOOR_FRACTION of R_N
FLOOR_SIGMAS = 5.0
FLOOR_FRACTION = 0.01


#: fewest points of the flat low-temperature run that counts as a floor plateau
FLOOR_MIN_RUN = 5


def _low_plateau(T: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Mask of the flat run at the lowest temperatures: from the lowest T upwards while R
    stays within 3 sigma of the median of the 5 lowest-T points (sigma from their second
    differences, or their spread)."""
    n0 = min(10, T.size)
    sig = estimate_noise(R[:n0]) if n0 >= 5 else float("nan")
    sig = sig if np.isfinite(sig) and sig > 0 else float(np.std(R[:n0])) or 1e-300
    base = float(np.median(R[:min(5, T.size)]))
    off = np.abs(R - base) > 3.0 * sig
    end = int(np.argmax(off)) if off.any() else T.size
    mask = np.zeros(T.size, bool)
    mask[:end] = True
    return mask


def residual_floor(data: RTData, rn: NormalState) -> tuple[float, float] | None:
    """Residual floor ``(R_floor, stderr)`` (Ohm) of the lowest-T plateau, or ``None``.

    The plateau is the points more than 3 preliminary transition scales (20-80 % width)
    below the preliminary Tc_mid (at least 3; when there are fewer, e.g. a floor above 20 %
    of R_N, the flat run at the lowest temperatures, at least :data:`FLOOR_MIN_RUN`
    points); R_floor is their mean, its error the
    standard error of the mean. It counts when it exceeds ``FLOOR_SIGMAS`` (5) sigma_R
    (noise of those points, second differences) and ``FLOOR_FRACTION`` (1 %) of R_N.
    """
    T, R = data.T_K, data.R_ohm
    try:
        scale, T_mid = _transition_scale(data, rn, 0.2, 0.8, 0.5)
    except (FloatingPointError, ValueError):
        return None
    sel = T <= T_mid - 3.0 * scale
    if sel.sum() < 3:
        # a floor high enough to hide the 20 % level leaves no scale: take the flat run at
        # the lowest temperatures instead
        sel = _low_plateau(T, R)
        if sel.sum() < FLOOR_MIN_RUN:
            return None
    vals = R[sel]
    sig = estimate_noise(vals) if vals.size >= 3 else float("nan")
    sig = sig if np.isfinite(sig) and sig > 0 else float(np.std(vals))
    level = float(np.mean(vals))
    if level > FLOOR_SIGMAS * sig and level > FLOOR_FRACTION * rn.R_N_ohm:
        return level, _sem(vals)
    return None


def _sweep_choice(opts: dict[str, Any]) -> int | str:
    """The sweep rule: option ``sweep``, or the older ``direction`` when it is not 'auto'."""
    choice, old = opts.get("sweep", "auto"), opts.get("direction", "auto")
    if old != "auto":
        mapped = {"up": "warming", "down": "cooling", "all": "all"}[old]
        if choice not in ("auto", mapped):
            raise OptionError(f"tc: direction={old!r} contradicts sweep={choice!r} (direction "
                              "is the older spelling of sweep; give one)")
        choice = mapped
    if isinstance(choice, float):
        choice = int(choice)
    return choice


def _sweep_summary(sw: RTSweep, o: dict[str, Any], out: tuple | None, err: str | None
                   ) -> tuple[dict[str, Any], Any]:
    """One row of the sweep table and the sweep's Tc_mid (ufloat) or ``None``."""
    row: dict[str, Any] = {"index": sw.index, "file": sw.file, "direction": sw.direction,
                           "T_range_K": [sw.T_lo_K, sw.T_hi_K], "n_points": int(sw.rows.size),
                           "Tc_mid_K": None, "Tc_mid_err_K": None, "width_K": None,
                           "points_in_width": None, "chosen": False}
    if out is None:
        row["status"] = str(err)
        return row, None
    data, rn, res = out
    if not above_transition_window(data.T_K, data.R_ohm).found:
        row["status"] = ("does not cross the transition (R never falls below half of its "
                         "normal state within a factor 1.25 in T)")
        return row, None
    fl, fh = o["width_fractions"]
    RN_T = rn(data.T_K)
    tm = _params_with_budget(res, rn)[0]["Tc_mid_K"]
    row.update(status="crosses the transition", Tc_mid_K=float(getattr(tm, "nominal_value", tm)),
               Tc_mid_err_K=float(getattr(tm, "std_dev", 0.0)),
               width_K=(float(res["values"]["width_K"][0]) if "width_K" in res["values"]
                        else None),
               points_in_width=int(np.sum((data.R_ohm > fl * RN_T) & (data.R_ohm < fh * RN_T))))
    return row, tm


def _weighted_mean(vals: list[Any]) -> Any:
    """Inverse-variance mean of ufloats; the error is inflated by sqrt(chi2/dof) when the
    values scatter more than their errors (several sweeps of one direction)."""
    from uncertainties import ufloat

    v = np.array([float(getattr(x, "nominal_value", x)) for x in vals])
    e = np.array([float(getattr(x, "std_dev", 0.0)) for x in vals])
    if v.size == 1:
        return vals[0]
    if np.any(e <= 0):
        return ufloat(float(np.mean(v)), float(np.std(v, ddof=1) / np.sqrt(v.size)))
    w = 1.0 / e**2
    mean = float(np.sum(w * v) / np.sum(w))
    err = float(np.sqrt(1.0 / np.sum(w)))
    chi2 = float(np.sum(w * (v - mean) ** 2)) / (v.size - 1)
    return ufloat(mean, err * np.sqrt(max(1.0, chi2)))


def _lag(table: list[dict[str, Any]], tms: dict[int, Any], used: int) -> dict[str, Any]:
    """Tc_mid of the other direction and the thermal lag warming - cooling."""
    by_dir: dict[str, list[Any]] = {"warming": [], "cooling": []}
    for row in table:
        if row["index"] in tms:
            by_dir[row["direction"]].append(tms[row["index"]])
    if not by_dir["warming"] or not by_dir["cooling"]:
        return {}
    mine = table[used]["direction"]
    other = "cooling" if mine == "warming" else "warming"
    means = {d: _weighted_mean(v) for d, v in by_dir.items()}
    return {"Tc_mid_K_other_direction": means[other],
            "thermal_lag_K": means["warming"] - means["cooling"]}


def analyze_rt(measurements: list[Measurement], opts: dict[str, Any], *,
               allow_missing: bool = False) -> tuple[RTData, NormalState, dict[str, Any]]:
    """Shared front end of ``tc`` and ``bkt-rt``: data, R_N and Tc's from merged options.

    Whole files (option ``sweep``): the temperature sweeps of the files
    (:func:`rt_sweeps`) are each analysed; a sweep counts as crossing the transition when
    the mid level is crossed and :func:`above_transition_window` finds the fall of R (a
    cool-down that stops above Tc is reported as not crossing, not analysed into a Tc on
    the metallic slope). ``'auto'`` takes, among the crossing sweeps, the one with the
    most points between the width levels (then the most points). ``opts`` receive
    ``sweep_used``, ``sweep_rule``, ``direction_used``/``direction_other`` and the private
    ``_sweep_table`` (every sweep: direction, T range, status, Tc_mid) and ``_lag``
    (:func:`_lag`).

    Returns ``(data, rn, levels)`` with the dict of :func:`_tc_levels`. ``allow_missing``
    is passed on (``tc`` reports unreached levels as flags; the default keeps raising for
    callers that need every level).

    Raises
    ------
    RefusedError
        No sweep crosses the transition, or the chosen one does not.
    """
    choice = _sweep_choice(opts)
    opts["sweep"] = choice
    sweeps = [] if choice == "all" else rt_sweeps(
        measurements, field_T=opts["field_T"], field_tol_T=float(opts["field_tol_T"]),
        T_range_K=opts.get("T_range_K"))
    if not sweeps:
        direction = {"warming": "up", "cooling": "down"}.get(str(choice), "all")
        if isinstance(choice, int) and choice > 0:
            raise OptionError(f"tc: sweep={choice}: the data hold a single temperature sweep "
                              "(index 0)")
        opts["sweep_used"] = "all"
        opts["sweep_rule"] = ("one temperature sweep (or no sweep structure): every row, "
                              "sorted by T" if direction == "all" else
                              f"the {choice} rows")
        return _analyze_rows(measurements, opts, None, direction, allow_missing)
    if isinstance(choice, int) and choice >= len(sweeps):
        raise OptionError(f"tc: sweep={choice}, but the data hold {len(sweeps)} temperature "
                          f"sweeps (indices 0-{len(sweeps) - 1})")
    table, tms, outs = [], {}, {}
    for sw in sweeps:
        o = dict(opts)
        try:
            out, err = _analyze_rows(measurements, o, sw.row_masks(measurements), "all",
                                     True), None
        except RefusedError as exc:
            out, err = None, f"does not cross the transition ({exc})"
        except (FitError, DataFormatError) as exc:
            out, err = None, f"not analysed: {exc}"
        row, tm = _sweep_summary(sw, o, out, err)
        table.append(row)
        if tm is not None:
            tms[sw.index], outs[sw.index] = tm, (o, out)
    rns = {i: outs[i][1][1].R_N_ohm for i in outs}
    top = max(rns.values(), default=0.0)
    for i, rn_i in rns.items():
        if rn_i < SWEEP_RN_FRACTION * top:
            table[i].update(status=(
                f"does not cross the transition: its normal state R_N = {rn_i:.4g} Ohm is "
                f"below {SWEEP_RN_FRACTION:g} of another sweep's ({top:.4g} Ohm), the sweep "
                "lies inside or below the transition"), Tc_mid_K=None, Tc_mid_err_K=None,
                width_K=None, points_in_width=None)
            del tms[i], outs[i]
    desc = "; ".join(f"#{r['index']} {r['direction']} {r['T_range_K'][0]:.4g}-"
                     f"{r['T_range_K'][1]:.4g} K: {r['status']}" for r in table)
    if isinstance(choice, int):
        if choice not in outs:
            raise RefusedError(f"sweep {choice} does not give a transition: "
                               f"{table[choice]['status']}")
        used, rule = choice, f"sweep {choice} (given)"
    else:
        cand = [i for i in outs if choice == "auto" or table[i]["direction"] == choice]
        if not cand:
            what = "" if choice == "auto" else f"{choice} "
            raise RefusedError(f"no {what}temperature sweep crosses the transition ({desc})")
        used = max(cand, key=lambda i: (table[i]["points_in_width"], table[i]["n_points"]))
        rule = ("auto: the sweep crossing the transition with the most points between the "
                "width levels (then the most points)" if choice == "auto" else
                f"{choice}: the densest {choice} sweep crossing the transition")
    o, out = outs[used]
    if not allow_missing and out[2]["missing"]:
        o = dict(opts)
        out = _analyze_rows(measurements, o, sweeps[used].row_masks(measurements), "all",
                            False)
    opts.update(o)
    table[used]["chosen"] = True
    opts["sweep_used"] = used
    opts["sweep_rule"] = rule
    opts["direction_used"] = "up" if table[used]["direction"] == "warming" else "down"
    others = {table[i]["direction"] for i in tms if i != used} - {table[used]["direction"]}
    opts["direction_other"] = ({"warming": "up", "cooling": "down"}[others.pop()]
                               if others else None)
    opts["_sweep_table"] = table
    opts["_lag"] = _lag(table, tms, used)
    return out


def _analyze_rows(measurements: list[Measurement], opts: dict[str, Any],
                  rows: list[np.ndarray | None] | None, direction: str,
                  allow_missing: bool) -> tuple[RTData, NormalState, dict[str, Any]]:
    """The analysis of one curve (the rows of one sweep, or every row)."""
    data = rt_from_measurements(measurements, field_T=opts["field_T"],
                                field_tol_T=float(opts["field_tol_T"]),
                                direction=direction, T_range_K=opts.get("T_range_K"),
                                rows=rows)
    rn_B_data = None
    if opts["R_N_ohm"] is None and opts["rn_method"] == "fixed_B":
        if opts["rn_B_T"] is None:
            raise FitError("rn_method='fixed_B' needs the option rn_B_T (field in T)")
        rn_B_data = rt_from_measurements(measurements, field_T=float(opts["rn_B_T"]),
                                         field_tol_T=float(opts["field_tol_T"]), min_points=2,
                                         T_range_K=opts.get("T_range_K"))
    if opts["rn_method"] == "above_transition" and opts["rn_T_K"] is not None:
        opts["rn_method"] = "fixed_T"
        opts["rn_method_note"] = "rn_T_K given: rn_method 'fixed_T'"
    if opts["R_N_ohm"] is None and opts["rn_method"] == "above_transition":
        win = above_transition_window(data.T_K, data.R_ohm)
        opts["rn_window_K"] = [win.lo_K, win.hi_K]
        step = (f"; a step above a lower plateau L = {win.low_ohm:.4g} Ohm, fractions of "
                "P - L" if win.low_ohm > 0 else "")
        opts["rn_window_rule"] = (
            f"mean R within {100 * RN_BAND:g} % of the flattest point T_N = {win.T_N_K:.4g} K "
            f"in [T50 + {RN_START:g} h, T50 + {RN_START + RN_SPAN:g} h] above the highest-T "
            f"transition (T50 = {win.T50_K:.4g} K, h = T(0.9 P) - T(0.5 P) = "
            f"{win.half_width_K:.3g} K{step})" if win.found else
            f"no transition found: top {RN_MIN_POINTS} points")
    if opts["R_N_ohm"] is None and opts["rn_method"] == "fixed_T" and opts["rn_T_K"] is None:
        opts["rn_T_K"] = float(data.T_K[-1])
        opts["rn_T_auto"] = True
    rn = normal_state(data, opts["rn_method"], rn_T_K=opts["rn_T_K"], rn_dT_K=opts["rn_dT_K"],
                      rn_window=opts["rn_window"], rn_B_data=rn_B_data,
                      R_N_ohm=opts["R_N_ohm"])
    floor = residual_floor(data, rn)
    if floor is not None:
        opts["R_floor"] = floor
        if opts.get("subtract_floor") and floor[0] < rn.R_N_ohm:
            data = RTData(data.T_K, data.R_ohm - floor[0], data.notes +
                          [f"residual floor {floor[0]:.4g} Ohm subtracted from R and R_N"],
                          data.source)
            rn = rn.shifted(-floor[0])
    res = _tc_levels(data, rn, onset_method=opts["onset_method"],
                     onset_fraction=float(opts["onset_fraction"]),
                     mid_fraction=float(opts["mid_fraction"]),
                     width_fractions=tuple(opts["width_fractions"]),  # type: ignore[arg-type]
                     zero_k=float(opts["zero_k"]), zero_f0=float(opts["zero_f0"]),
                     sigma_R_ohm=opts["sigma_R_ohm"], allow_missing=allow_missing)
    return data, rn, res


# ---------------------------------------------------------------------------------------
# refusals and the quality verdict

#: columns whose variation at fixed temperature marks a sweep of another variable
_SWEEP_COLUMNS = ("B_T", "I_A", "V_V", "theta_rad", "angle_deg")


#: I-V isotherms: a block of consecutive rows within ISO_T_REL (relative, at least
#: ISO_T_ABS_K) of its first temperature, with at least ISO_MIN_ROWS rows, is a current
#: sweep when I_A varies there by more than ISO_I_FRAC of its largest |I_A| and takes at
#: least ISO_MIN_ROWS magnitudes (0.1 % apart); a file with
#: at least 2 such blocks holding at least ISO_ROWS_FRAC of its rows is refused
ISO_T_REL = 5e-3
ISO_T_ABS_K = 0.01
ISO_MIN_ROWS = 5
ISO_I_FRAC = 0.5
ISO_ROWS_FRAC = 0.5


def _fixed_T_bounds(T: np.ndarray) -> list[int]:
    """Row bounds ``[0, ..., T.size]`` of the blocks of consecutive rows at one temperature
    (within ``max(ISO_T_REL T, ISO_T_ABS_K)`` of the block's first row)."""
    starts = [0]
    for k in range(1, T.size):
        T0 = T[starts[-1]]
        if abs(T[k] - T0) > max(ISO_T_REL * abs(T0), ISO_T_ABS_K):
            starts.append(k)
    return [*starts, T.size]


def _field_isotherms(T: np.ndarray, B: np.ndarray, field_tol_T: float) -> list[float]:
    """Temperatures (K, block medians) of the R(B) sweeps among the rows (T, B_T in file
    order, finite T): blocks of consecutive rows at one temperature (as in
    :func:`_current_isotherms`, at least ``ISO_MIN_ROWS`` rows) in which B varies by more
    than ``field_tol_T`` and by more than ``ISO_I_FRAC`` of its largest magnitude, through
    at least ``ISO_MIN_ROWS`` values (``field_tol_T / 5`` apart). Empty unless these
    blocks hold at least ``ISO_ROWS_FRAC`` of the rows (a single sweep at one temperature
    counts: it is one block holding all rows)."""
    bounds = _fixed_T_bounds(T)
    temps, rows = [], 0
    step = max(field_tol_T / 5.0, 1e-12)
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        fld = B[a:b][np.isfinite(B[a:b])]
        if fld.size < ISO_MIN_ROWS:
            continue
        span, big = float(np.ptp(fld)), float(np.max(np.abs(fld)))
        if span <= field_tol_T or span <= ISO_I_FRAC * big:
            continue
        if np.unique(np.round(fld / step)).size >= ISO_MIN_ROWS:
            temps.append(float(np.median(T[a:b])))
            rows += b - a
    if not temps or rows < ISO_ROWS_FRAC * T.size:
        return []
    return temps


def _field_sweep_advice(n_temps: int) -> str:
    """The kinds to use for R(B) sweeps at ``n_temps`` fixed temperatures."""
    if n_temps <= 1:
        return "use kind critical-field (R(B) at one temperature)"
    return ("use kind tc-field or hc2-temperature (R(B) at several temperatures); "
            "critical-field with -o T_K=... for one of them")


def _current_isotherms(T: np.ndarray, I: np.ndarray) -> list[float]:
    """Temperatures (K, block medians) of the I-V isotherms among the rows (T, I_A in
    file order, finite T): blocks of consecutive rows at one temperature (within
    ``max(ISO_T_REL T, ISO_T_ABS_K)`` of the block's first row, at least
    ``ISO_MIN_ROWS`` rows) whose current varies by more than ``ISO_I_FRAC`` of its largest
    magnitude through at least ``ISO_MIN_ROWS`` magnitudes (an excitation reversed
    +I/-I row by row is not a sweep). Empty unless there are at least 2 of them holding at least
    ``ISO_ROWS_FRAC`` of the rows (a single sweep is caught by the 1 % span rule)."""
    bounds = _fixed_T_bounds(T)
    temps, rows = [], 0
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        cur = I[a:b][np.isfinite(I[a:b])]
        if cur.size < ISO_MIN_ROWS:
            continue
        big = float(np.max(np.abs(cur)))
        if big <= 0 or float(np.ptp(cur)) <= ISO_I_FRAC * big:
            continue
        # many current magnitudes (a reversed excitation +I/-I is one magnitude)
        if np.unique(np.round(np.abs(cur) / (1e-3 * big))).size >= ISO_MIN_ROWS:
            temps.append(float(np.median(T[a:b])))
            rows += b - a
    if len(temps) < 2 or rows < ISO_ROWS_FRAC * T.size:
        return []
    return temps


def refuse_not_rt(measurements: list[Measurement], *, field_tol_T: float = 5e-3) -> None:
    """RefusedError for files that are not R(T) curves.

    * the temperature spans less than 1 % of its mean (a sweep of something else at
      fixed temperature, e.g. I-V or R(B));
    * the rows are I-V isotherms (:func:`_current_isotherms`): at least 2 blocks of
      consecutive rows at one temperature (within 0.5 %, at least 10 mK, >= 5 rows) in
      which I_A varies by more than half its largest magnitude (through >= 5
      magnitudes), holding at least half of
      the rows: current sweeps at several fixed temperatures (kind bkt-iv);
    * B is swept within blocks of rows at one temperature (:func:`_field_isotherms`), or
      the field changes by more than ``field_tol_T`` from row to row (median): field
      sweeps R(B) at (nearly) fixed temperatures. The message advises critical-field
      (one temperature) or tc-field / hc2-temperature (several).
    """
    for m in measurements:
        if "T_K" not in m.data.columns:
            continue
        T = m.column("T_K")
        T = T[np.isfinite(T)]
        if T.size < 3:
            continue
        span, mean = float(np.ptp(T)), float(np.mean(np.abs(T)))
        varying = [c for c in _SWEEP_COLUMNS if c in m.data.columns
                   and np.nanstd(m.column(c)) > 0]
        if mean > 0 and span < 0.01 * mean:
            what = f" while {', '.join(varying)} varies" if varying else ""
            raise RefusedError(f"{m.source}: the temperature spans only {span:.3g} K "
                               f"({100 * span / mean:.2g} % of its mean {mean:.4g} K){what}: "
                               "a sweep at fixed temperature, not an R(T) curve")
        if "I_A" in m.data.columns:
            fin = np.isfinite(m.column("T_K"))
            iso = _current_isotherms(m.column("T_K")[fin], m.column("I_A")[fin])
            if iso:
                raise RefusedError(
                    f"{m.source}: {len(iso)} I-V isotherms (I_A swept in blocks of rows at "
                    f"fixed T = {', '.join(f'{t:.4g}' for t in iso[:6])}"
                    f"{', ...' if len(iso) > 6 else ''} K): a current sweep at fixed "
                    "temperature, not an R(T) curve (use kind bkt-iv)")
        if "B_T" in m.data.columns:
            B = m.column("B_T")
            keep = np.isfinite(B)
            try:  # the rows of the analysed channel (channels may alternate rows)
                keep &= np.isfinite(m.column(m.resistance_column()))
            except KtoError:
                pass
            dB = np.abs(np.diff(B[keep]))
            Tk = m.column("T_K")[keep]
            fin = np.isfinite(Tk)
            iso = _field_isotherms(Tk[fin], B[keep][fin], field_tol_T)
            if iso:
                raise RefusedError(
                    f"{m.source}: R(B) sweeps at fixed temperature (field sweeps in "
                    f"{len(iso)} block{'s' if len(iso) > 1 else ''} of rows at T = "
                    f"{', '.join(f'{t:.4g}' for t in iso[:6])}"
                    f"{', ...' if len(iso) > 6 else ''} K), not an R(T) curve "
                    f"({_field_sweep_advice(len(iso))})")
            if dB.size and float(np.median(dB)) > field_tol_T:
                bounds = _fixed_T_bounds(Tk[fin])
                n_temps = sum(b - a >= ISO_MIN_ROWS
                              for a, b in zip(bounds[:-1], bounds[1:], strict=True))
                raise RefusedError(
                    f"{m.source}: the field changes by a median {1e3 * np.median(dB):.4g} mT "
                    f"per row (B from {np.nanmin(B):.4g} to {np.nanmax(B):.4g} T, T from "
                    f"{T.min():.4g} to {T.max():.4g} K): field sweeps, R(B) sweeps at fixed "
                    f"temperature, not an R(T) curve ({_field_sweep_advice(max(n_temps, 1))})")


def _refuse_span(data: RTData, rn: NormalState, res: dict[str, Any]) -> None:
    """RefusedError when the data span less than MIN_SPAN_WIDTHS transition widths.

    Not for a multi-step transition (``multi_step``: several steps, whose 20-80 % "width"
    spans the plateaus between them) whose data hold both states: at least 3 points below
    Tc_zero and 3 above Tc_onset."""
    if "width_K" not in res["values"]:
        return
    width = res["values"]["width_K"][0]
    span = float(data.T_K[-1] - data.T_K[0])
    if width > 0 and span < MIN_SPAN_WIDTHS * width:
        v = res["values"]
        if "Tc_zero_K" in v and "Tc_onset_K" in v and \
                np.sum(data.T_K < v["Tc_zero_K"][0]) >= 3 and \
                np.sum(data.T_K > v["Tc_onset_K"][0]) >= 3 and \
                len(_flag_steps(data, rn, res)[1]) > 1:
            return
        raise RefusedError(f"the data span {span:.3g} K, less than {MIN_SPAN_WIDTHS:g} "
                           f"transition widths ({MIN_SPAN_WIDTHS:g} x {width:.3g} K): the "
                           "normal state and the zero-resistance state are not both in range")


#: minimum temperature span of the data in units of the 20-80 % width
MIN_SPAN_WIDTHS = 3.0
#: a sampling error larger than the statistical one and than this fraction of the width
#: is reported as sampling_limited
SAMPLING_WIDTH_FRAC = 0.02


def _flags_levels(res: dict[str, Any], opts: dict[str, Any]) -> list[Flag]:
    """criterion_not_reached, too_few_points (inside the width), sampling_limited."""
    flags: list[Flag] = []
    names = {"low": f"{opts['width_fractions'][0]} R_N (width_K not reported)",
             "high": f"{opts['width_fractions'][1]} R_N (width_K not reported)",
             "onset": f"{opts['onset_fraction']} R_N (Tc_onset_K not reported)",
             "zero": "the zero floor (Tc_zero_K not reported)"}
    for key in res["missing"]:
        if key == "onset" and opts["onset_method"] != "fraction":
            continue
        flags.append(warn("criterion_not_reached", f"R(T) never crosses {names[key]}"))
    width = res["values"].get("width_K", (None, None))[0]
    n_in = res.get("points_in_width")
    if n_in is not None and n_in < 3:
        flags.append(warn("too_few_points", f"only {n_in} points lie inside the "
                          f"{opts['width_fractions'][0]}-{opts['width_fractions'][1]} R_N "
                          "transition: the criteria are interpolated across it"))
    scale = width if width and width > 0 else res["scale_K"]
    for name in ("Tc_mid_K", "width_K", "Tc_onset_K"):
        if name not in res["values"]:
            continue
        stat, samp = res["values"][name][1] or 0.0, res["sampling"].get(name, 0.0)
        if samp > stat and samp > SAMPLING_WIDTH_FRAC * scale:
            flags.append(warn("sampling_limited", f"{name}: sampling error {samp:.2g} K "
                              f"exceeds the statistical {stat:.2g} K (point spacing)"))
    return flags


def _flag_steps(data: RTData, rn: NormalState, res: dict[str, Any]
                ) -> tuple[list[Flag], list[float]]:
    """multi_step on the transition region (0.02 < R/R_N < 0.98, 3 bins margin).

    The region is averaged in bins of ``max(spacing, scale/10, noise bin)`` and put on a
    uniform grid before :func:`quality.check_steps` (whose 3-point smoothing works on
    indices): a gap or the noise of dense data would otherwise look like further maxima
    of dR/dT. The noise bin makes the binned derivative noise 5 % of the chord slope
    ``0.6 R_N/scale``.
    """
    T, R = data.T_K, data.R_ohm
    ratio = R / rn(T)
    sel = np.flatnonzero((ratio > 0.02) & (ratio < 0.98))
    if sel.size < 7:
        return [], []
    h = float(np.median(np.diff(T[sel[0]:sel[-1] + 1]))) if sel[-1] > sel[0] else \
        float(np.median(np.diff(T)))
    scale, sigma = res["scale_K"], res["sigma_R_ohm"]
    chord = 0.6 * rn.R_N_ohm / scale
    # binned derivative noise ~ sigma sqrt(2 h / b) / b  <=  0.05 chord
    b_noise = (sigma * np.sqrt(2.0 * h) / (0.05 * chord)) ** (2.0 / 3.0) if chord > 0 else h
    b = min(max(h, 0.1 * scale, b_noise), 0.5 * scale)
    # the region with a margin of 3 bins (a step at its edge must show its maximum)
    keep = (T >= T[sel[0]] - 3 * b) & (T <= T[sel[-1]] + 3 * b)
    Tr, Rr = T[keep], R[keep]
    edges = np.arange(Tr[0], Tr[-1] + b, b)
    idx = np.clip(np.digitize(Tr, edges) - 1, 0, max(edges.size - 2, 0))
    counts = np.bincount(idx)
    ok = counts > 0
    Tb = (np.bincount(idx, weights=Tr)[ok] / counts[ok])
    Rb = (np.bincount(idx, weights=Rr)[ok] / counts[ok])
    if Tb.size < 7:
        return [], []
    Tt = np.linspace(Tb[0], Tb[-1], Tb.size)
    flags, steps = check_steps(Tt, np.interp(Tt, Tb, Rb))
    if len(steps) < 2:
        return flags, steps
    # the bins (>= scale/10, and the 20-80 % scale spans the plateaus of a multi-step
    # transition) place each maximum to within a bin: refine it on the raw points
    steps = [_refine_step(Tr, Rr, t, b) for t in steps]
    temps = ", ".join(f"{t:.4g}" for t in steps)
    return [Flag("multi_step", flags[0].severity, f"transition has {len(steps)} separated "
                 f"steps (dR/dT maxima at {temps} K)")], steps


def _refine_step(T: np.ndarray, R: np.ndarray, t0: float, b: float) -> float:
    """Step temperature (K) refined from ``t0`` (K, found on bins of ``b`` K): the
    centroid of the positive dR/dT of the raw points within +/- b of it (3 iterations,
    each step at most one bin; ``t0`` when fewer than 4 points lie there)."""
    t = t0
    for _ in range(3):
        sel = np.flatnonzero(np.abs(T - t) <= b)
        if sel.size < 4:
            return t
        Ts, Rs = T[sel], R[sel]
        dT = np.diff(Ts)
        ok = dT > 0
        slope = np.clip(np.diff(Rs)[ok] / dT[ok], 0.0, None) * dT[ok]  # rise per interval
        if not np.any(slope > 0):
            return t
        Tm = 0.5 * (Ts[1:] + Ts[:-1])[ok]
        t = float(np.clip(np.sum(Tm * slope) / np.sum(slope), t0 - b, t0 + b))
    return t


def _flags_shape(data: RTData, rn: NormalState, res: dict[str, Any]) -> tuple[list[Flag],
                                                                              list[float]]:
    """multi_step (on the transition region, smoothed against the noise), non_monotonic,
    criteria_out_of_order."""
    T, R = data.T_K, data.R_ohm
    flags, steps = _flag_steps(data, rn, res)
    mid = res["levels"]["mid"]
    if mid is not None:
        d = R - res["mid_fraction"] * rn(T)
        sig = _significant_all(d, list(mid.raw))
        if sig and max(sig) - min(sig) > res["scale_K"]:
            flags.append(warn("non_monotonic", f"R(T) crosses {res['mid_fraction']} R_N at "
                              f"{', '.join(f'{t:.4g}' for t in sig)} K: highest-T crossing "
                              "used"))
    flags += _flag_onset_slope(data, rn, res)
    v = {k: val[0] for k, val in res["values"].items()}
    order = [k for k in ("Tc_zero_K", "Tc_mid_K", "Tc_onset_K") if k in v]
    if any(v[a] > v[b] for a, b in zip(order[:-1], order[1:], strict=True)) or \
            v.get("width_K", 1.0) <= 0:
        txt = ", ".join(f"{k} = {v[k]:.4g}" for k in (*order, "width_K") if k in v)
        flags.append(fail("criteria_out_of_order", f"{txt}: the criteria are not ordered "
                          "Tc_zero <= Tc_mid <= Tc_onset with a positive width"))
    return flags, steps


def _flags_rn(data: RTData, rn: NormalState, res: dict[str, Any], opts: dict[str, Any]
              ) -> list[Flag]:
    """extrapolated (tangent onset outside the data), rn_far_from_transition,
    noise_inconsistent."""
    flags: list[Flag] = []
    T = data.T_K
    width = res["values"].get("width_K", (res["scale_K"], None))[0]
    onset = res["values"].get("Tc_onset_K", (None, None))[0]
    if opts["onset_method"] == "tangent_intersection" and onset is not None:
        sev = "warn" if T[0] - width <= onset <= T[-1] + width else "fail"
        flags += check_inside("Tc_onset_K (tangent intersection)", onset, float(T[0]),
                              float(T[-1]), severity=sev)  # type: ignore[arg-type]
    flags += _flag_rn_far(data, rn, res, opts.get("rn_T_K"))
    if res["sigma_source"] == "given":
        flags += check_noise_consistency(res["sigma_R_ohm"], res["sigma_estimated_ohm"],
                                         what="sigma_R_ohm")
    return flags


#: onset_on_normal_slope: Tc_onset more than this many widths above T(f_high R_N)
ONSET_WIDTHS = 1.5


def _flag_onset_slope(data: RTData, rn: NormalState, res: dict[str, Any]) -> list[Flag]:
    """onset_on_normal_slope: the onset level is reached far above the transition (more
    than ``ONSET_WIDTHS`` widths, plus twice its error, above the upper width level), i.e.
    on the normal-state slope: the onset then measures the choice of R_N."""
    on, hi = res["levels"].get("onset"), res["levels"].get("high")
    if on is None or hi is None or "width_K" not in res["values"]:
        return []
    width = res["values"]["width_K"][0]
    excess = on.T_K - hi.T_K - ONSET_WIDTHS * width
    if width <= 0 or excess <= 2.0 * np.hypot(on.stat_K, hi.stat_K):
        return []
    return [warn("onset_on_normal_slope", f"Tc_onset = {on.T_K:.4g} K lies "
                 f"{(on.T_K - hi.T_K) / width:.2g} widths above T(high level) = "
                 f"{hi.T_K:.4g} K: the onset level is reached on the normal-state slope, "
                 "not in the transition (R_N taken too high?)")]


def _flag_rn_far(data: RTData, rn: NormalState, res: dict[str, Any], rn_T: float | None
                 ) -> list[Flag]:
    """rn_far_from_transition: fixed_T R_N taken above 3 Tc_mid while R just above the
    transition (1-3 widths above the upper width level) differs from it (> 3 % and
    > 3 sigma_R)."""
    hi, mid = res["levels"].get("high"), res["levels"].get("mid")
    if rn.method != "fixed_T" or rn_T is None or hi is None or mid is None or \
            "width_K" not in res["values"] or rn_T <= 3.0 * mid.T_K:
        return []
    T, R = data.T_K, data.R_ohm
    width = max(res["values"]["width_K"][0], res["scale_K"])
    near = (T > hi.T_K + width) & (T < hi.T_K + 3.0 * width)
    if not near.any():
        return []
    R_near = float(np.median(R[near]))
    dev = abs(R_near - rn.R_N_ohm)
    if dev <= max(3.0 * res["sigma_R_ohm"], 0.03 * rn.R_N_ohm):
        return []
    return [warn("rn_far_from_transition", f"R_N taken at rn_T_K = {rn_T:.4g} K (> 3 x Tc_mid "
                 f"= {mid.T_K:.4g} K), and R just above the transition ({R_near:.4g} Ohm) "
                 f"differs from R_N = {rn.R_N_ohm:.4g} Ohm by {100 * dev / rn.R_N_ohm:.2g} %")]


def _params_with_budget(res: dict[str, Any], rn: NormalState
                        ) -> tuple[dict[str, Any], dict[str, ErrorBudget]]:
    """Params with the combined error (stat + sampling + R_N) and their budgets."""
    from uncertainties import ufloat

    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    for name, (v, e) in res["values"].items():
        stat = ufloat(v, e) if e is not None and np.isfinite(e) and e > 0 else v
        sys_rn = res["systematics"].get(name)
        params[name], budget[name] = combine_errors(
            stat, sampling=res["sampling"].get(name, 0.0),
            sys={"R_N": sys_rn} if sys_rn is not None else None)
    Tm = res["values"]["Tc_mid_K"][0]
    RN_mid, RN_err = float(rn(Tm)), rn.stderr_at(Tm)
    params["R_N_ohm"] = ufloat(RN_mid, RN_err) if RN_err > 0 else RN_mid
    for name, s in res["systematics"].items():
        params[f"{name}_sys_RN"] = s
    params["sigma_R_ohm"] = res["sigma_R_ohm"]
    return params, budget


def _floor_param(opts: dict[str, Any], params: dict[str, Any]) -> list[Flag]:
    """``R_floor_ohm`` param and the ``residual_floor`` warning (in place)."""
    from uncertainties import ufloat

    floor = opts.pop("R_floor", None)
    if floor is None:
        return []
    params["R_floor_ohm"] = ufloat(*floor) if floor[1] > 0 else floor[0]
    done = ("subtracted from R and R_N before the fractions" if opts["subtract_floor"]
            else "not subtracted (option subtract_floor)")
    return [warn("residual_floor", f"R stays at a residual floor R_floor = {floor[0]:.4g} "
                 f"Ohm below the transition: {done}")]


#: half-width (K) of the band around rrr_T_K averaged for R_300K_ohm
RRR_BAND_K = 5.0


def _rrr(data: RTData, params: dict[str, Any], T_K: float, sigma: float) -> dict[str, Any]:
    """``R_300K_ohm`` = R(T_K) from a straight line through the rows within
    +/- RRR_BAND_K of T_K (their mean when they sit at one temperature; error from the
    line's covariance, at least sigma_R/sqrt(n)) and ``RRR`` = R_300K/R_N (errors
    propagated), when rows lie in that band. The line removes the bias of a plain mean
    on a sloped R(T) sampled unevenly around T_K."""
    from uncertainties import ufloat

    sel = np.abs(data.T_K - T_K) <= RRR_BAND_K
    if not sel.any():
        return {}
    T, vals = data.T_K[sel], data.R_ohm[sel]
    floor = float(sigma) / np.sqrt(vals.size)
    if vals.size >= 3 and np.ptp(T) > 0.2 * RRR_BAND_K:
        coef, cov = np.polyfit(T - T_K, vals, 1, cov=True)
        R0, err = float(coef[1]), max(float(np.sqrt(cov[1, 1])), floor)
    else:
        R0, err = float(np.mean(vals)), max(_sem(vals), floor)
    R_hi = ufloat(R0, err) if err > 0 else R0
    RN = params["R_N_ohm"]
    return {"R_300K_ohm": R_hi, "RRR": R_hi / RN}


def _refuse_metallic(data: RTData, opts: dict[str, Any]) -> None:
    """Refuse an R(T) without a superconducting transition that still falls below half its
    top value (a metal cooled from room temperature: R ~ T or T^2 would otherwise give a
    "Tc_mid" where it crosses half of R(300 K)): no fall below ``RN_DROP`` of the plateau
    ahead and no step steeper than ``STEP_SLOPE`` on the 3-point median. Not when the
    user gives ``R_N_ohm``.

    Raises
    ------
    RefusedError
        Naming the temperature range and the resistances at its ends.
    """
    if opts.get("R_N_ohm") is not None or data.T_K.size < 5:
        return
    T, Rs = data.T_K, _median3(data.R_ohm)
    if _transition_index(T, Rs) is not None or _step_index(T, Rs, float(T[0])) is not None:
        return
    where = f" ({data.source})" if data.source else ""
    raise RefusedError(
        f"R(T) shows no superconducting transition between {T[0]:.4g} and {T[-1]:.4g} K: R "
        f"goes from {Rs[0]:.4g} to {Rs[-1]:.4g} Ohm without a fall below {RN_DROP:.0%} of the "
        f"value ahead or one steeper than R ~ T^{STEP_SLOPE:g} (a metallic R(T)){where}")


def _level_table(res: dict[str, Any], opts: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every level (onset, mid, both width ends, zero): its fraction of R_N, the crossing
    temperature and statistical error (K), ``None`` (JSON null) when never reached."""
    fl, fh = opts["width_fractions"]
    fracs = {"onset": opts["onset_fraction"], "high": fh, "mid": opts["mid_fraction"],
             "low": fl, "zero": None}
    out: dict[str, dict[str, Any]] = {}
    for key, f in fracs.items():
        c = res["levels"].get(key)
        out[key] = {"fraction": f, "T_K": None if c is None else float(c.T_K),
                    "stat_K": None if c is None else float(c.stat_K),
                    "reached": c is not None}
    return out


def _definitions(opts: dict[str, Any]) -> dict[str, str]:
    return {
        "Tc_onset": (f"T(R = {opts['onset_fraction']} R_N)" if opts["onset_method"] ==
                     "fraction" else "normal-state line x steepest tangent"),
        "Tc_mid": f"T(R = {opts['mid_fraction']} R_N)",
        "Tc_zero": f"R < max({opts['zero_k']} sigma_R, {opts['zero_f0']} R_N)",
        "width": f"T({opts['width_fractions'][1]} R_N) - T({opts['width_fractions'][0]} R_N)",
    }


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``tc``: Tc_onset, Tc_mid, Tc_zero, width and R_N of an R(T) curve.

    Parameters
    ----------
    measurements
        One or several measurements with ``T_K`` and a resistance column (rows at the
        field ``field_T``; with ``rn_method='fixed_B'`` also rows at ``rn_B_T``).
    **options
        See :data:`SPEC`.

    Returns
    -------
    FitResult
        params ``Tc_onset_K``, ``Tc_mid_K``, ``Tc_zero_K``, ``width_K`` (ufloats with the
        combined statistical + sampling + R_N error, split in ``budget``; a criterion the
        data never reach is left out and flagged), ``R_N_ohm`` (ufloat with its standard
        error, or float when given), the R_N systematics ``<name>_sys_RN`` (K, plain
        floats) and ``sigma_R_ohm``; when the files hold several temperature sweeps
        (option ``sweep``), ``provenance['sweeps']`` lists each (direction, T range,
        whether it crosses the transition, its Tc_mid) and, with sweeps of both
        directions crossing, ``Tc_mid_K_other_direction`` and ``thermal_lag_K`` =
        Tc_mid(warming) - Tc_mid(cooling). ``quality`` carries the verdict.

    Raises
    ------
    OptionError
        Bad options (before any work).
    RefusedError
        Not an R(T) curve with a transition (see the module docstring).
    FitError, DataFormatError
        Missing columns, too few points.
    """
    opts = SPEC.resolve(options)
    refuse_not_rt(measurements, field_tol_T=float(opts["field_tol_T"]))
    data, rn, res = analyze_rt(measurements, opts, allow_missing=True)
    _refuse_span(data, rn, res)
    _refuse_metallic(data, opts)
    res["mid_fraction"] = float(opts["mid_fraction"])
    RN_T = rn(data.T_K)
    fl, fh = opts["width_fractions"]
    res["points_in_width"] = int(np.sum((data.R_ohm > fl * RN_T) & (data.R_ohm < fh * RN_T)))
    params, budget = _params_with_budget(res, rn)
    params.update(opts.pop("_lag", None) or {})
    sweep_table = opts.pop("_sweep_table", None)
    params.update(_rrr(data, params, float(opts["rrr_T_K"]), res["sigma_R_ohm"]))
    floor_flags = _floor_param(opts, params)
    shape_flags, steps = _flags_shape(data, rn, res)
    flags = (_flags_levels(res, opts) + shape_flags + _flags_rn(data, rn, res, opts)
             + floor_flags)
    opts = dict(opts)
    opts["tc_definitions"] = _definitions(opts)
    opts["crossing_rule"] = ("highest-T significant crossing; interpolating polynomial "
                             "(sparse; linear where the step is not resolved) or local "
                             "polynomial fit (dense, noisy)")
    opts["sigma_R_source"] = res["sigma_source"]
    provenance = {
        "files": [str(m.source) for m in measurements],
        "columns": {"x": "T_K", "y": measurements[0].resistance_column()},
        "window_K": [float(data.T_K[0]), float(data.T_K[-1])],
        "units": {"T": "K", "R": "Ohm"},
        "R_N": {"method": rn.method, "T_ref_K": rn.T_ref_K, "slope_ohm_K": rn.slope_ohm_K,
                "scatter_ohm": rn.scatter_ohm},
        "crossings_K": res["crossings"],
        "crossing_methods": {k: (c.method, c.n_points) for k, c in res["levels"].items()
                             if c is not None},
        "steps_K": steps,
        "notes": data.notes + res["notes"],
    }
    provenance["levels_K"] = _level_table(res, opts)
    if sweep_table is not None:
        provenance["sweeps"] = sweep_table
    stats = {"ndata": int(data.T_K.size), "floor_ohm": res["floor_ohm"],
             "points_in_width": res["points_in_width"],
             "sigma_estimated_ohm": res["sigma_estimated_ohm"]}
    plotdata = {"T_K": data.T_K, "R_ohm": data.R_ohm, "RN_ohm": rn(data.T_K),
                "floor_ohm": res["floor_ohm"],
                "levels": {"onset": opts["onset_fraction"], "mid": opts["mid_fraction"],
                           "low": opts["width_fractions"][0],
                           "high": opts["width_fractions"][1]}}
    return FitResult(kind="tc", params=params, stats=stats, options=opts,
                     provenance=provenance, data=plotdata, quality=Quality(tuple(flags)),
                     budget=budget)


def plot(result: FitResult, fig: Any) -> None:
    """Draw R(T) with R_N, the criterion levels and the Tc's (with error bars); lower
    panel: dR/dT. The x-axis is zoomed onto the transition when the data span much more.

    The figure code lives in :mod:`ktoanalysis.transport.plots.tc`.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_tc`) without plot data.
    """
    from .plots import draw

    draw(result, fig)
