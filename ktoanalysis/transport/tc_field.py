"""R(T, B) maps: Tc(B) and Hc2(T) points, re-entrant Tc(B), resistive peaks in R(B).

docs/models/reentrant_tc.md (seed 003, re-entrant superconductivity at the LaTiO3-KTaO3 (110)
interface): Tc(B) may have a minimum ``Tc_min`` at ``B_min``; above ``Tc_min`` a resistive
window opens in R(B) between two superconducting regions, seen as a resistive peak at a
field ``B*`` (0.9 T in the paper) that does not move with temperature or gate voltage.
The paper gives no closed-form Tc(B); this kind is model-free.

Input (all files of one call form one map)

* several R(T) sweeps at fixed fields (``sweep="temperature"``): the field of a curve
  comes from the option ``B_T`` (one value per file, in file order), else from the
  file's ``B_T`` column (a file may hold several fields, grouped by
  :func:`~ktoanalysis.transport.sweeps.group_blocks`), else from ``metadata["B_T"]``;
* several R(B) sweeps at fixed temperatures (``sweep="field"``): the temperature from the
  option ``T_K``, the ``T_K`` column or ``metadata["T_K"]``; each sweep is split at
  B = 0 and analysed in |B| per branch;
* ``sweep="auto"`` decides from the columns: a file whose field does not vary is an
  R(T) curve, one whose temperature does not vary an R(B) curve; when both vary, the
  quantity that stays constant within blocks while the other sweeps is the fixed one.

Procedure

1. R_N per curve (ASSUMPTION ``rn_method``): ``"plateau"`` (median R over the top
   ``rn_span`` fraction of the swept range; a curve whose plateau is below half the
   median of all plateaus never reaches the normal state and takes that median, as does
   a piece of a sweep that ends below the plateau window of the map) or
   ``"fixed_value"`` (``R_N_ohm``).
2. Crossing of ``fraction*R_N`` (default 0.5; docs/models/tc_definitions.md) with
   :func:`ktoanalysis.transport.tc.level_temperature`: highest significant rising
   crossing, statistical error ``sigma_R/|dR/dx|`` and the sampling error of the point
   spacing. R(T) curves give Tc(B) points (``Tc_at_<B>T_K``), R(B) curves Hc2(T) points
   (``Hc2_at_<T>K_T``). Curves at the same |B| (or T) are averaged, their scatter added.
   A level never crossed gives a censored bound (listed, flagged), never a number.
3. Re-entrance from Tc(B) points (:func:`detect_reentrance`): the largest standardised
   rise ``z = max_{i<j} (Tc_j - Tc_i)/sqrt(s_i^2 + s_j^2)`` of Tc over increasing |B|. Its
   global significance is calibrated by simulation under the null hypothesis "Tc(B)
   non-increasing" (the weighted isotonic fit plus Gaussian noise of the point errors,
   ``n_sim`` sets, fixed seed), bounded by the Bonferroni value over all pairs.
   Re-entrant when the global significance reaches ``reentrance_sigma`` (3). Then
   ``B_min_T`` (vertex of a weighted parabola through the 5 points around the minimum,
   error by simulation of the points plus half the change with a 3-point window),
   ``Tc_min_K``, the re-entrant maximum and the two superconducting regions.
   From R(B) curves (:func:`superconducting_intervals`): a curve whose R drops below the
   level again after rising above it (both by ``reentrance_sigma`` noise units) has a
   resistive window between two superconducting regions; ``Tc_min`` lies between the
   highest temperature without a window (superconducting at B_min) and the lowest with.
4. Optional (ASSUMPTION ``tc_form="empirical"``): a weighted fit of the Tc(B) points with
   the empirical form of docs/models/reentrant_tc.md
   (:class:`~ktoanalysis.transport.models.ReentrantTcModel`), labelled empirical.
   R(B) curves: when R still changes over the window (slope 3 standard errors from zero
   and 1 % of R_N across it) the line extrapolated one window width outward gives a
   systematic added to the R_N error, and the warn ``rn_not_plateau``.
5. Resistive peaks in R(B) (:func:`find_resistive_peaks`): maxima of R smoothed over 5
   points with a prominence of at least :func:`peak_threshold` local-noise units
   (``peak_sigma`` global significance after the look-elsewhere correction over all
   points x curves), at least 3 raw points wide, seen again on the other field sign
   (or another sweep) at the same T when measured; position by a parabola
   through the top points, height (prominence) and FWHM (at half prominence). Whether
   the peak position depends on T (and on V_G when files carry ``Vg_V`` metadata) is a
   weighted least-squares comparison of a constant with a linear dependence
   (:func:`peak_position_test`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import DataFormatError, FitError, OptionError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .quality import Flag, Quality, check_points, noise_from_differences, warn
from .result import ErrorBudget, FitResult, combine_errors
from .sweeps import group_blocks, split_sweeps
from .tc import crossings, level_temperature, prepare_rt

__all__ = [
    "Curve", "MapPoint", "Reentrance", "ResistivePeak", "SPEC", "OPTIONS", "analyze", "plot",
    "collect_curves", "detect_sweep", "curve_crossing", "detect_reentrance",
    "superconducting_intervals", "find_resistive_peaks", "peak_threshold",
    "peak_position_test",
    "isotonic_decreasing",
]

#: points of the running mean used for superconducting windows
SMOOTH_POINTS = 3
#: points of the running mean used for resistive peaks (fewer independent noise maxima)
PEAK_SMOOTH_POINTS = 5


# ---------------------------------------------------------------------------------------
# data structures


@dataclass
class Curve:
    """One sweep of a map at a fixed field or temperature.

    Attributes
    ----------
    fixed
        The fixed quantity: |B| (T) for an R(T) curve, T (K) for an R(B) branch.
    x, R
        Swept variable (T in K, or |B| in T) increasing, and resistance (Ohm).
    source
        File name.
    branch
        ``"B>0"``/``"B<0"`` for a field branch, ``""`` for an R(T) curve.
    Vg_V
        Gate voltage from the file's metadata (``None`` when not given).
    sigma_ohm
        Noise of R from second differences (Ohm).
    R_N_ohm, R_N_err_ohm
        Normal-state resistance used and its standard error (Ohm).
    rn_note
        How R_N was obtained.
    """

    fixed: float
    x: np.ndarray
    R: np.ndarray
    source: str
    branch: str = ""
    Vg_V: float | None = None
    sigma_ohm: float = float("nan")
    R_N_ohm: float = float("nan")
    R_N_err_ohm: float = 0.0
    rn_note: str = "plateau"
    rn_slope: dict | None = None


@dataclass
class MapPoint:
    """A critical point of the map at one fixed value.

    ``value`` is Tc (K) at field ``fixed`` (T) for R(T) curves, or Hc2 (T) at temperature
    ``fixed`` (K) for R(B) curves; ``stat``/``sampling``/``scatter`` are the parts of its
    1-sigma error; ``censored`` is ``"below"`` (the level is crossed below the swept range:
    ``value`` is the range start, an upper bound) or ``"above"`` (crossed above the range:
    a lower bound), ``None`` for a measured point.
    """

    fixed: float
    value: float
    stat: float
    sampling: float
    scatter: float = 0.0
    n_curves: int = 1
    censored: str | None = None
    R_N_ohm: float = float("nan")

    @property
    def stderr(self) -> float:
        """Total 1-sigma error (statistics, sampling and scatter between curves)."""
        return float(math.sqrt(self.stat**2 + self.sampling**2 + self.scatter**2))


@dataclass
class Reentrance:
    """Outcome of the re-entrance test on Tc(B) points.

    Attributes
    ----------
    reentrant
        Whether the rise is significant at the requested level.
    z_local
        Largest standardised rise of Tc with increasing |B| (sigma).
    sigma_global
        Its significance corrected for the choice of the pair (sigma; simulation under a
        non-increasing Tc(B), bounded by Bonferroni).
    p_global
        The corresponding one-sided p-value.
    i_min, i_max
        Indices of the pair giving ``z_local`` (minimum, then the re-entrant maximum).
    B_min_T, B_min_err_T, B_min_sys_T
        Field of the Tc(B) minimum, its statistical error and window systematic (T);
        ``None`` when not re-entrant.
    Tc_min_K, Tc_min_err_K
        Tc at the minimum (K).
    B_max_T, Tc_max_K, Tc_max_err_K
        Field and Tc of the re-entrant maximum.
    regions_T
        The two superconducting regions in |B| (``[[lo, B_min], [B_min, hi]]``): the
        high-field region ends where Tc(B) falls back to Tc_min (or at the last point).
    """

    reentrant: bool
    z_local: float
    sigma_global: float
    p_global: float
    i_min: int
    i_max: int
    B_min_T: float | None = None
    B_min_err_T: float | None = None
    B_min_sys_T: float = 0.0
    Tc_min_K: float | None = None
    Tc_min_err_K: float | None = None
    B_max_T: float | None = None
    Tc_max_K: float | None = None
    Tc_max_err_K: float | None = None
    regions_T: list[list[float]] = field(default_factory=list)


@dataclass
class ResistivePeak:
    """A resistive peak of R(B) at fixed temperature.

    Position ``B_T`` (T, error ``B_err_T``), ``R_peak_ohm``, ``height_ohm`` (prominence
    above the higher of the two neighbouring minima, error ``height_err_ohm``),
    ``fwhm_T`` (width at half prominence, error ``fwhm_err_T``), ``significance``
    (prominence over its noise).
    """

    B_T: float
    B_err_T: float
    R_peak_ohm: float
    height_ohm: float
    height_err_ohm: float
    fwhm_T: float
    fwhm_err_T: float
    significance: float


# ---------------------------------------------------------------------------------------
# options


SPEC_OPTIONS: tuple[Option, ...] = (
    Option("sweep", "str", "auto", "what is swept in each curve: 'temperature' (R(T) at "
           "fixed B), 'field' (R(B) at fixed T) or 'auto' (from the columns)",
           choices=("auto", "temperature", "field")),
    Option("fraction", "float", 0.5, "criterion R = fraction*R_N for Tc(B) and Hc2(T) "
           "(docs/models/tc_definitions.md)", min=0, max=1, min_exclusive=True, max_exclusive=True),
    Option("rn_method", "str", "plateau", "R_N per curve: 'plateau' (median R over the "
           "top rn_span of the swept range) or 'fixed_value' (R_N_ohm)",
           choices=("plateau", "fixed_value"), assumption=True),
    Option("rn_span", "float", 0.1, "fraction of the swept range (at its top) used for "
           "the R_N plateau", min=0, max=1, min_exclusive=True),
    Option("R_N_ohm", "float", None, "normal-state resistance for rn_method='fixed_value'",
           unit="Ohm", min=0, min_exclusive=True),
    Option("B_T", "floats", None, "field of each file (one value per file, in file order) "
           "for R(T) files without a B column or metadata", unit="T"),
    Option("T_K", "floats", None, "temperature of each file (one value per file) for R(B) "
           "files without a T column or metadata", unit="K", min=0, min_exclusive=True),
    Option("B_tol_T", "float", 0.005, "fields closer than this are one fixed field",
           unit="T", min=0, min_exclusive=True),
    Option("T_tol_K", "float", 0.002, "temperatures closer than this are one fixed "
           "temperature", unit="K", min=0, min_exclusive=True),
    Option("reentrance_sigma", "float", 3.0, "global significance (sigma) a rise of Tc(B) "
           "(or a resistive window in R(B)) needs to count as re-entrance", min=0,
           min_exclusive=True),
    Option("n_sim", "int", 2000, "simulated sets for the global significance of the rise",
           min=100, max=100000),
    Option("peak_sigma", "float", 5.0, "global significance (sigma, after the "
           "look-elsewhere correction over the points x curves searched) a resistive peak "
           "in R(B) needs; its prominence is measured in local noise units", min=0,
           min_exclusive=True),
    Option("Vg_V", "float", None, "gate voltage whose curves form the map when the files "
           "have several (default: the one with most curves)", unit="V"),
    Option("tc_form", "str", "none", "optional fit of the Tc(B) points (R(T) curves): "
           "'none' or 'empirical' (Tc0 (1 - (B/B1)^2) + dT exp(-(B - B2)^2/(2 w^2)), "
           "docs/models/reentrant_tc.md, no physical derivation)", choices=("none", "empirical"),
           assumption=True),
    Option("channel", "int|str", None, "resistance channel (number or column name)", min=1),
    Option("seed", "int", 12345, "seed of the significance simulation (reproducible)", min=0),
)

SPEC = KindSpec(
    kind="tc-field",
    summary="R(T, B) maps: Tc(B), Hc2(T), re-entrant Tc(B), resistive peaks in R(B)",
    inputs="several R(T) sweeps at fixed fields or R(B) sweeps at fixed temperatures "
           "(files, or one file holding several blocks)",
    options=SPEC_OPTIONS,
    outputs=(
        Output("Tc_at_<B>T_K", "Tc (fraction*R_N) of the R(T) curve at field |B|", "K"),
        Output("Hc2_at_<T>K_T", "upper critical field (fraction*R_N) of R(B) at T", "T"),
        Output("Tc0_K", "Tc at the lowest field of the map (R(T) curves)", "K"),
        Output("reentrance_sigma", "global significance of the rise of Tc(B) (R(T) curves) "
               "or of the strongest resistive window (R(B) curves)"),
        Output("reentrance_local_sigma", "largest standardised rise of Tc with |B|"),
        Output("B_min_T", "field of the Tc(B) minimum (re-entrant maps only)", "T"),
        Output("Tc_min_K", "Tc at the minimum (re-entrant maps only)", "K"),
        Output("B_reentrant_max_T", "field of the re-entrant Tc maximum", "T"),
        Output("Tc_reentrant_max_K", "Tc at the re-entrant maximum", "K"),
        Output("Tc_rise_K", "Tc_reentrant_max - Tc_min", "K"),
        Output("emp_<name>", "parameters of the empirical Tc(B) form (tc_form='empirical'): "
               "emp_Tc0_K, emp_B1_T, emp_dT_K, emp_B2_T, emp_w_T"),
        Output("peak_B_at_<T>K_T", "resistive-peak position in R(B) at T", "T"),
        Output("peak_height_at_<T>K_ohm", "resistive-peak height (prominence) at T", "Ohm"),
        Output("peak_fwhm_at_<T>K_T", "resistive-peak FWHM at T", "T"),
        Output("peak_B_T", "weighted mean peak position over the curves", "T"),
        Output("peak_slope_T_per_K", "dB*/dT of the peak position", "T/K"),
        Output("peak_slope_T_per_V", "dB*/dV_G of the peak position (several V_G)", "T/V"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()


# ---------------------------------------------------------------------------------------
# input


def _varies(v: np.ndarray, tol: float) -> bool:
    v = v[np.isfinite(v)]
    return v.size > 1 and float(np.ptp(v)) > tol


def _has(m: Measurement, name: str) -> bool:
    return name in m.data.columns and bool(np.isfinite(m.column(name)).any())


def detect_sweep(m: Measurement, *, B_tol_T: float = 0.005, T_tol_K: float = 0.01) -> str:
    """``"temperature"`` (R(T) at fixed B) or ``"field"`` (R(B) at fixed T) for one file.

    A file without a varying field is an R(T) file, one without a varying temperature an
    R(B) file. When both vary, each is grouped into blocks of constant value
    (:func:`~ktoanalysis.transport.sweeps.group_blocks`) and the quantity whose blocks
    hold the wider sweep of the other one is the fixed one.

    Raises
    ------
    DataFormatError
        Neither a temperature nor a field sweep.
    """
    hasT, hasB = _has(m, "T_K"), _has(m, "B_T")
    T = m.column("T_K") if hasT else np.array([])
    B = m.column("B_T") if hasB else np.array([])
    varT, varB = hasT and _varies(T, T_tol_K), hasB and _varies(B, B_tol_T)
    if varT and not varB:
        return "temperature"
    if varB and not varT:
        return "field"
    if not varT and not varB:
        raise DataFormatError("neither the temperature nor the field is swept",
                              file=m.source, column="T_K",
                              expected="an R(T) or R(B) sweep")

    def spread(fix: np.ndarray, sw: np.ndarray, tol: float) -> float:
        ok = np.isfinite(fix) & np.isfinite(sw)
        lab = group_blocks(fix[ok], tol)
        spans = [float(np.ptp(sw[ok][lab == k])) for k in np.unique(lab[lab >= 0])
                 if (lab == k).sum() >= 5]
        return float(np.median(spans)) / max(float(np.ptp(sw[ok])), 1e-300) if spans else 0.0

    return "temperature" if spread(B, T, B_tol_T) >= spread(T, B, T_tol_K) else "field"


def _file_value(m: Measurement, i: int, given: list[float] | None, name: str,
                n_files: int) -> float | None:
    if given is not None:
        if len(given) != n_files:
            raise OptionError(f"tc-field: option {name} has {len(given)} values for "
                              f"{n_files} files (one per file, in file order)")
        return float(given[i])
    if name in m.metadata:
        try:
            return float(m.metadata[name])
        except (TypeError, ValueError):
            return None
    return None


def _rn_plateau(x: np.ndarray, R: np.ndarray, span: float, *, flatness: bool = False
                ) -> tuple[float, float] | tuple[float, float, dict | None]:
    top = x >= x.max() - span * (x.max() - x.min())
    if top.sum() < 3:
        top = np.zeros(x.size, bool)
        top[-min(3, x.size):] = True
    v = R[top]
    err = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 2 else 0.0
    if not flatness:
        return float(np.median(v)), err
    from .critical_field import plateau_not_flat, plateau_slope

    f = plateau_slope(x[top], v)
    if plateau_not_flat(f, float(np.median(v))):
        # R still changes over the window: the line one window width beyond the top of
        # the swept range is the alternative R_N (a systematic error)
        f = f | {"sys_ohm": abs(f["beyond_ohm"] - float(np.median(v)))}
    else:
        f = None
    return float(np.median(v)), err, f


def collect_curves(measurements: list[Measurement], opts: dict[str, Any]
                   ) -> tuple[str, list[Curve]]:
    """Cut the files into curves at fixed |B| (R(T)) or fixed T (R(B) branches).

    Parameters
    ----------
    measurements
        Loaded files (SI columns).
    opts
        Resolved options of :data:`SPEC`.

    Returns
    -------
    (sweep, curves)
        ``"temperature"`` or ``"field"`` and the curves, R_N and noise filled in.

    Raises
    ------
    DataFormatError
        A curve's fixed value is unknown, or the files mix R(T) and R(B) sweeps.
    """
    n = len(measurements)
    kinds = [opts["sweep"] if opts["sweep"] != "auto" else
             detect_sweep(m, B_tol_T=opts["B_tol_T"], T_tol_K=opts["T_tol_K"])
             for m in measurements]
    if len(set(kinds)) > 1:
        raise DataFormatError("the files mix R(T) and R(B) sweeps ("
                              + ", ".join(f"{m.source}: {k}" for m, k in
                                          zip(measurements, kinds, strict=True))
                              + "); pass -o sweep=temperature or sweep=field",
                              file=measurements[0].source)
    sweep = kinds[0]
    x_name, fix_name = ("T_K", "B_T") if sweep == "temperature" else ("B_T", "T_K")
    tol = opts["B_tol_T"] if sweep == "temperature" else opts["T_tol_K"]
    curves: list[Curve] = []
    for i, m in enumerate(measurements):
        y = m.resistance_column(opts["channel"])
        given = _file_value(m, i, opts[fix_name], fix_name, n) \
            if opts[fix_name] is not None else None
        col = _has(m, fix_name)
        if given is None and not col:
            given = _file_value(m, i, None, fix_name, n)
            if given is None:
                raise DataFormatError(
                    f"no {'field' if sweep == 'temperature' else 'temperature'} for this "
                    f"curve: need a {fix_name} column, metadata {fix_name} or the option "
                    f"{fix_name} (one value per file)", file=m.source, column=fix_name)
        by = fix_name if given is None else None
        sweeps = split_sweeps(m, x=x_name, y=y, by=by, by_tol=tol, min_points=5)
        vg = m.metadata.get("Vg_V")
        vg = float(vg) if isinstance(vg, (int, float)) else None
        for sw in sweeps:
            fixed = float(given) if given is not None else float(sw.by_value)
            xs, rs = sw.sorted
            parts = [(xs, rs, "")] if sweep == "temperature" else \
                [(xs[xs >= 0], rs[xs >= 0], "B>0"), (-xs[xs <= 0], rs[xs <= 0], "B<0")]
            for x, r, br in parts:
                if x.size < 5 or np.ptp(x) <= 0:
                    continue
                d = prepare_rt(x, r, source=str(m.source), min_points=5)
                curves.append(Curve(abs(fixed) if sweep == "temperature" else fixed,
                                    d.T_K, d.R_ohm, str(m.source), br, vg))
    if not curves:
        raise RefusedError("tc-field: no sweep with at least 5 points in the data")
    _fill_rn(curves, opts | {"_sweep": sweep})
    return sweep, curves


def _fill_rn(curves: list[Curve], opts: dict[str, Any]) -> None:
    for c in curves:
        s = noise_from_differences(c.R)
        c.sigma_ohm = s if math.isfinite(s) else 0.0
    if opts["rn_method"] == "fixed_value":
        if opts["R_N_ohm"] is None:
            raise OptionError("tc-field: rn_method='fixed_value' needs the option R_N_ohm")
        for c in curves:
            c.R_N_ohm, c.R_N_err_ohm, c.rn_note = float(opts["R_N_ohm"]), 0.0, "given"
        return
    field = opts.get("_sweep") == "field"
    plats = []
    for c in curves:
        v, e, *rest = _rn_plateau(c.x, c.R, opts["rn_span"], flatness=field)
        plats.append((v, e))
        c.rn_slope = rest[0] if rest else None
    x_lo = min(float(c.x.min()) for c in curves)
    x_hi = max(float(c.x.max()) for c in curves)
    window = x_hi - opts["rn_span"] * (x_hi - x_lo)
    full = [c.x.max() >= window for c in curves]
    med = float(np.median([p[0] for p, f in zip(plats, full, strict=True) if f]))
    for c, (v, e), f in zip(curves, plats, full, strict=True):
        if not f:  # a piece of a sweep ending below the plateau window of the map
            ok = [p[0] for p, g in zip(plats, full, strict=True) if g and p[0] >= 0.5 * med]
            c.R_N_ohm = float(np.median(ok)) if ok else med
            c.R_N_err_ohm = float(np.std(ok, ddof=1) / math.sqrt(len(ok))) if len(ok) > 2 \
                else 0.0
            c.rn_note = "partial sweep: median plateau of the full curves"
        elif v < 0.5 * med or v <= 5 * c.sigma_ohm:
            others = [p[0] for p in plats if p[0] >= 0.5 * med]
            c.R_N_ohm = float(np.median(others)) if others else med
            c.R_N_err_ohm = float(np.std(others, ddof=1) / math.sqrt(len(others))) \
                if len(others) > 2 else 0.0
            c.rn_note = "normal state not reached: median plateau of the other curves"
        else:
            c.R_N_ohm, c.R_N_err_ohm = v, e
            if c.rn_slope is not None:  # not a plateau: its systematic joins the R_N error
                c.R_N_err_ohm = math.hypot(e, c.rn_slope["sys_ohm"])
                c.rn_note = "plateau (not flat: slope systematic added)"
            continue
        c.rn_slope = None


# ---------------------------------------------------------------------------------------
# crossings


def _scale(x: np.ndarray, R: np.ndarray, R_N: float) -> float:
    """Transition scale: 20-80 % width of the highest transition, at least 3 spacings."""
    h = float(np.median(np.diff(x))) if x.size > 1 else 0.0
    hi = crossings(x, R, 0.8 * R_N, 0.0)
    lo = crossings(x, R, 0.2 * R_N, 0.0)
    if hi and lo:
        w = abs(hi[-1].T_K - lo[-1].T_K)
        return max(w, 3 * h)
    return max(0.1 * float(np.ptp(x)), 3 * h)


def curve_crossing(c: Curve, fraction: float) -> MapPoint:
    """The critical point of one curve: the highest significant rising crossing of
    ``fraction*R_N`` (Tc in K for an R(T) curve, Hc2 in T for an R(B) branch).

    The error parts follow :func:`ktoanalysis.transport.tc.level_temperature`
    (statistical, sampling) plus the R_N error through the local slope. A level never
    crossed gives a censored point: ``"below"`` when R stays above it (the critical value
    lies below the swept range; ``value`` is the range start) or ``"above"`` when R stays
    below it.
    """
    level = fraction * c.R_N_ohm
    d = prepare_rt(c.x, c.R, source=c.source, min_points=5)
    lt = level_temperature(d, level, max(c.sigma_ohm, 1e-12 * c.R_N_ohm), "criterion",
                           _scale(c.x, c.R, c.R_N_ohm), allow_missing=True)
    if lt is None or not any(cr.slope_ohm_K > 0 for cr in lt.raw):
        below = bool(np.mean(c.R > level) > 0.5)
        return MapPoint(c.fixed, float(c.x[0] if below else c.x[-1]), float("nan"),
                        float("nan"), censored="below" if below else "above",
                        R_N_ohm=c.R_N_ohm)
    slope = max((cr.slope_ohm_K for cr in lt.raw if abs(cr.T_K - lt.T_K) <=
                 3 * lt.spacing_K + 1e-12), default=0.0)
    rn_part = fraction * c.R_N_err_ohm / slope if slope > 0 else 0.0
    return MapPoint(c.fixed, lt.T_K, float(math.hypot(lt.stat_K, rn_part)), lt.sampling_K,
                    R_N_ohm=c.R_N_ohm)


def _group(values: list[float], tol: float) -> list[list[int]]:
    order = np.argsort(values, kind="stable")
    groups: list[list[int]] = []
    for i in order:
        if groups and abs(values[i] - values[groups[-1][0]]) <= tol:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    return groups


def _combine_points(pts: list[MapPoint], tol: float) -> list[MapPoint]:
    """Average the points at the same fixed value (branches, repeated curves)."""
    out: list[MapPoint] = []
    for g in _group([p.fixed for p in pts], tol):
        ps = [pts[i] for i in g]
        meas = [p for p in ps if p.censored is None]
        fixed = float(np.mean([p.fixed for p in ps]))
        if not meas:
            cen = ps[0].censored
            val = max(p.value for p in ps) if cen == "below" else min(p.value for p in ps)
            out.append(MapPoint(fixed, val, float("nan"), float("nan"), n_curves=len(ps),
                                censored=cen, R_N_ohm=float(np.mean([p.R_N_ohm for p in ps]))))
            continue
        k = len(meas)
        vals = np.array([p.value for p in meas])
        stat = float(np.sqrt(sum(p.stat**2 for p in meas)) / k)
        samp = float(np.sqrt(sum(p.sampling**2 for p in meas)) / k)
        scatter = float(vals.std(ddof=1) / math.sqrt(k)) if k > 1 else 0.0
        out.append(MapPoint(fixed, float(vals.mean()), stat, samp, scatter, k,
                            R_N_ohm=float(np.mean([p.R_N_ohm for p in meas]))))
    return out


# ---------------------------------------------------------------------------------------
# re-entrance from Tc(B) points


def isotonic_decreasing(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares non-increasing fit of ``y`` (pool adjacent violators).

    Parameters
    ----------
    y
        Values in order of the independent variable.
    w
        Positive weights (``1/sigma**2``).
    """
    from scipy.optimize import isotonic_regression

    return np.asarray(isotonic_regression(np.asarray(y, float), weights=np.asarray(w, float),
                                          increasing=False).x)


def _max_rise(T: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Largest standardised rise over pairs i < j, for each row of ``T`` (sets x points)."""
    n = T.shape[-1]
    iu, ju = np.triu_indices(n, k=1)
    den = np.sqrt(s[iu] ** 2 + s[ju] ** 2)
    z = (T[..., ju] - T[..., iu]) / den
    k = np.argmax(z, axis=-1)
    return np.take_along_axis(z, k[..., None], -1)[..., 0], iu[k], ju[k]


def _vertex(B: np.ndarray, T: np.ndarray, s: np.ndarray, idx: np.ndarray,
            kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertex (field, value) of weighted parabolas through the points ``idx`` of each row of
    ``T``; ``None`` when the window has fewer than 3 points or the curvature has the wrong
    sign for a minimum (``kind="min"``) or maximum."""
    if idx.size < 3:
        return None
    b0 = float(B[idx].mean())
    x = B[idx] - b0
    X = np.vander(x, 3, increasing=True)
    W = 1.0 / s[idx] ** 2
    A = np.linalg.pinv((X.T * W) @ X) @ (X.T * W)
    coef = np.atleast_2d(T[..., idx]) @ A.T
    c0, c1, c2 = coef[:, 0], coef[:, 1], coef[:, 2]
    good = c2 > 0 if kind == "min" else c2 < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        xv = np.where(good, -c1 / (2 * c2), np.nan)
    return xv + b0, c0 + c1 * xv + c2 * xv**2


def _refine(B: np.ndarray, Tc: np.ndarray, s: np.ndarray, i: int, kind: str,
            sims: np.ndarray) -> tuple[float, float, float, float, float]:
    """(field, stat err, window sys, value, value err) of an extremum near point i.

    The vertex of the parabola through the 3 points around i (the least biased on a
    smooth asymmetric curve); statistical errors from the simulated sets ``sims``; the
    systematic is a third of the shift to the weighted parabola through 5 points (the
    vertex bias grows as the window squared).
    """
    n = B.size
    win3 = np.arange(max(0, i - 1), min(n, i + 2))
    win5 = np.arange(max(0, i - 2), min(n, i + 3))
    v3 = _vertex(B, Tc, s, win3, kind)
    ok = v3 is not None and np.isfinite(v3[0][0]) and B[win3[0]] <= v3[0][0] <= B[win3[-1]]
    if not ok:
        h = float(np.median(np.diff(B))) if n > 1 else 0.0
        return float(B[i]), h / math.sqrt(12.0), 0.0, float(Tc[i]), float(s[i])
    xs, ys = _vertex(B, sims, s, win3, kind)
    inside = np.isfinite(xs) & (xs >= B[win3[0]]) & (xs <= B[win3[-1]])
    h = float(np.ptp(B[win3]))
    # simulated sets without an extremum inside the window count as uniform over it
    x_err = float(np.std(xs[inside])) if inside.sum() > 10 else h / math.sqrt(12.0)
    frac_out = 1.0 - float(inside.mean())
    x_err = math.sqrt((1 - frac_out) * x_err**2 + frac_out * h**2 / 12.0)
    y_err = float(np.std(ys[inside])) if inside.sum() > 10 else float(s[i])
    v5 = _vertex(B, Tc, s, win5, kind) if win5.size == 5 else None
    sys = 0.0
    if v5 is not None and np.isfinite(v5[0][0]) and B[win5[0]] <= v5[0][0] <= B[win5[-1]]:
        # the vertex bias grows as the window squared: the 3-point bias is about a third
        # of the shift to the 5-point vertex (Richardson)
        sys = abs(float(v5[0][0]) - float(v3[0][0])) / 3.0
    return float(v3[0][0]), x_err, sys, float(v3[1][0]), y_err


def detect_reentrance(B_T: np.ndarray, Tc_K: np.ndarray, sigma_K: np.ndarray, *,
                      threshold_sigma: float = 3.0, n_sim: int = 2000,
                      seed: int = 12345) -> Reentrance:
    """Is Tc(|B|) non-monotonic (falls, then rises again)?

    Parameters
    ----------
    B_T
        Fields (T), increasing.
    Tc_K, sigma_K
        Tc (K) at each field and its 1-sigma error (K, > 0).
    threshold_sigma
        Global significance needed to call the map re-entrant.
    n_sim
        Simulated sets of the null hypothesis (non-increasing Tc(B), the weighted
        isotonic fit plus Gaussian noise of ``sigma_K``).
    seed
        Seed of the simulation.

    Returns
    -------
    Reentrance
        The largest standardised rise ``z_local``, its global significance and, when
        re-entrant, the minimum and maximum with errors and the two superconducting
        regions.

    Raises
    ------
    FitError
        Fewer than 4 points, or non-positive errors.
    """
    from scipy.stats import norm

    B = np.asarray(B_T, float)
    T = np.asarray(Tc_K, float)
    s = np.asarray(sigma_K, float)
    if B.size < 4:
        raise FitError(f"re-entrance test needs at least 4 Tc(B) points, got {B.size}")
    if not np.all(np.isfinite(s) & (s > 0)):
        raise FitError("re-entrance test needs positive finite errors of Tc")
    order = np.argsort(B, kind="stable")
    B, T, s = B[order], T[order], s[order]
    z, i0, j0 = _max_rise(T[None, :], s)
    z, i0, j0 = float(z[0]), int(i0[0]), int(j0[0])
    rng = np.random.default_rng(seed)
    null = isotonic_decreasing(T, 1.0 / s**2)
    zs = _max_rise(null + s * rng.standard_normal((n_sim, B.size)), s)[0]
    p_mc = (np.count_nonzero(zs >= z) + 1.0) / (n_sim + 1.0)
    p_bonf = min(1.0, B.size * (B.size - 1) / 2.0 * float(norm.sf(z)))
    p = float(min(p_mc, p_bonf))
    sig = float(norm.isf(p)) if p < 0.5 else 0.0
    out = Reentrance(bool(sig >= threshold_sigma and z > 0), z, sig, p, i0, j0)
    if not out.reentrant:
        return out
    # the minimum: lowest Tc between the highest point before the rise and j0
    i_min = int(np.argmin(T[:j0])) if j0 > 0 else i0
    i_min = i0 if T[i0] <= T[i_min] else i_min
    i_max = j0 + int(np.argmax(T[j0:]))
    sims = T + s * rng.standard_normal((n_sim, B.size))
    Bm, Bm_err, Bm_sys, Tm, Tm_err = _refine(B, T, s, i_min, "min", sims)
    Bx, _, _, Tx, Tx_err = _refine(B, T, s, i_max, "max", sims)
    hi = float(B[-1])
    after = np.flatnonzero((np.arange(B.size) > i_max) & (T < Tm))
    if after.size:
        k = int(after[0])
        hi = float(np.interp(Tm, [T[k], T[k - 1]], [B[k], B[k - 1]]))
    out.B_min_T, out.B_min_err_T, out.B_min_sys_T = Bm, Bm_err, Bm_sys
    out.Tc_min_K, out.Tc_min_err_K = Tm, Tm_err
    out.B_max_T, out.Tc_max_K, out.Tc_max_err_K = Bx, Tx, Tx_err
    out.regions_T = [[float(B[0]), Bm], [Bm, hi]]
    return out


# ---------------------------------------------------------------------------------------
# R(B) curves: superconducting intervals (windows) and resistive peaks


def _smooth(R: np.ndarray, k: int = SMOOTH_POINTS) -> np.ndarray:
    if R.size < k:
        return R.copy()
    out = np.convolve(R, np.ones(k) / k, mode="same")
    h = k // 2
    out[:h], out[-h:] = R[:h], R[-h:]
    return out


def superconducting_intervals(x: np.ndarray, R: np.ndarray, level: float, sigma: float,
                              *, min_sigma: float = 3.0) -> list[tuple[float, float]]:
    """Ranges of x (e.g. |B|) where R lies significantly below ``level``.

    R is smoothed over 3 points (noise ``sigma/sqrt(3)``); a range counts only where the
    smoothed R reaches at least ``min_sigma`` smoothed-noise units below the level, and
    the excursions between two ranges must rise at least as far above it, so that noise
    around the level does not cut one range in two. Edges are linear interpolations of
    the smoothed curve.

    Returns
    -------
    list of (lo, hi)
        In increasing x; a range touching the end of the data ends there.
    """
    x = np.asarray(x, float)
    Rs = _smooth(np.asarray(R, float))
    sn = max(sigma / math.sqrt(SMOOTH_POINTS), 1e-300)
    below = Rs < level
    runs: list[list[int]] = []
    for i, b in enumerate(below):
        if b and (not runs or runs[-1][1] != i - 1):
            runs.append([i, i])
        elif b:
            runs[-1][1] = i
    # keep runs that go deep enough; merge runs separated by shallow excursions
    runs = [r for r in runs if (level - Rs[r[0]:r[1] + 1].min()) >= min_sigma * sn]
    merged: list[list[int]] = []
    for r in runs:
        if merged and (Rs[merged[-1][1] + 1:r[0]].max() - level) < min_sigma * sn:
            merged[-1][1] = r[1]
        else:
            merged.append(r)

    def edge(i: int, j: int) -> float:
        a, b = Rs[i] - level, Rs[j] - level
        return float(x[i] + (x[j] - x[i]) * a / (a - b)) if a != b else float(x[i])

    out = []
    for a, b in merged:
        lo = float(x[0]) if a == 0 else edge(a - 1, a)
        hi = float(x[-1]) if b == x.size - 1 else edge(b, b + 1)
        out.append((lo, hi))
    return out


#: a resistive peak needs this many consecutive raw points above half its prominence
MIN_PEAK_POINTS = 3
#: half-width (points) of the running window of the local noise of a peak
PEAK_NOISE_HALF_WINDOW = 25


def peak_threshold(min_sigma: float, n_trials: int) -> float:
    """Local significance (sigma) a peak needs for a global significance ``min_sigma``
    after the look-elsewhere correction over ``n_trials`` searched positions (Sidak:
    ``p_local = 1 - (1 - p_global)^(1/n)``, one-sided Gaussian); never below
    ``min_sigma``."""
    from scipy.stats import norm

    n = max(int(n_trials), 1)
    p_glob = float(norm.sf(min_sigma))
    p_loc = -math.expm1(math.log1p(-p_glob) / n)
    return max(float(min_sigma), float(norm.isf(p_loc)))


def find_resistive_peaks(x: np.ndarray, R: np.ndarray, sigma: float | None = None, *,
                         min_sigma: float = 5.0, n_trials: int = 1,
                         min_points: int = MIN_PEAK_POINTS) -> list[ResistivePeak]:
    """Resistive peaks of R(|B|) at fixed temperature.

    A peak is a maximum of R smoothed over 5 points whose prominence (height above the
    higher of the minima on its two sides) exceeds :func:`peak_threshold` (``min_sigma``
    corrected for ``n_trials`` searched positions) times its *local* noise
    ``s_loc*sqrt(2/5)`` (``s_loc`` the running second-difference noise of
    :func:`ktoanalysis.transport.critical_field.branch_noise` over 51 points at the
    peak, never below ``sigma``, the noise of the whole curve), whose smoothed curve
    falls below half prominence on both sides inside its smoothed part (not only in
    the raw end points), and whose raw points stay above half the
    prominence over at least ``min_points`` consecutive points (a one-point spike or a
    pickup transient is no peak); end points and the final rise into the normal state
    are not peaks. Its position is the vertex of a parabola through the 5 raw points
    around the maximum (error from the parabola's covariance and the shift to the
    3-point vertex, at least spacing/sqrt(12) when the peak holds fewer than 3 points
    above half prominence); on a flat (saturated) top, where several points lie within
    2 noise units of the maximum, the error is at least the length of that top over
    sqrt(12). Its FWHM is the width at half prominence (edges interpolated, error
    ``sigma/|slope|`` per edge, with the local noise, and spacing/sqrt(12)).

    Parameters
    ----------
    x, R
        |B| (T) increasing and R (Ohm).
    sigma
        Noise of the whole curve (Ohm): a floor of the local noise.
    min_sigma
        Global significance needed (sigma).
    n_trials
        Positions searched (points x curves of the whole map) for the look-elsewhere
        correction.
    min_points
        Consecutive raw points above half prominence a peak needs.
    """
    from scipy.signal import find_peaks, peak_widths

    x = np.asarray(x, float)
    R = np.asarray(R, float)
    if x.size < 7:
        return []
    from .critical_field import branch_noise

    Rs = _smooth(R, PEAK_SMOOTH_POINTS)
    tiny = 1e-12 * max(float(np.ptp(R)), 1e-300)
    floor = float(sigma) if sigma is not None and math.isfinite(sigma) else 0.0
    loc = branch_noise(R, half_window=PEAK_NOISE_HALF_WINDOW)
    loc = np.where(np.isfinite(loc), np.maximum(loc, floor), floor)
    z_need = peak_threshold(min_sigma, n_trials)
    idx, props = find_peaks(Rs, prominence=tiny)
    out: list[ResistivePeak] = []
    h = float(np.median(np.diff(x)))
    for k, i in enumerate(idx):
        prom = float(props["prominences"][k])
        sigma = float(loc[i])
        noise = max(sigma * math.sqrt(2.0 / PEAK_SMOOTH_POINTS), tiny)
        if prom < z_need * noise:
            continue
        # the smoothed curve must fall below half prominence on both sides inside its
        # smoothed part: a dip next to the unsmoothed end points does not make the end
        # of the sweep a peak
        hs = float(Rs[i]) - 0.5 * prom
        lo_side = np.flatnonzero(Rs[:i] < hs)
        hi_side = np.flatnonzero(Rs[i + 1:] < hs) + i + 1
        edge = PEAK_SMOOTH_POINTS // 2
        if (lo_side.size == 0 or hi_side.size == 0 or lo_side[-1] < edge
                or hi_side[0] > x.size - 1 - edge):
            continue
        # width on the raw points: consecutive points above half prominence around the
        # raw maximum near i (a one-point spike or +/- pickup transient has one)
        half = float(Rs[i]) - 0.5 * prom
        j0 = int(max(0, i - 2) + np.argmax(R[max(0, i - 2):i + 3]))
        a = j0
        while a > 0 and R[a - 1] >= half:
            a -= 1
        b = j0
        while b < x.size - 1 and R[b + 1] >= half:
            b += 1
        if b - a + 1 < min_points:
            continue
        w = peak_widths(Rs, [i], rel_height=0.5, prominence_data=(
            props["prominences"][k:k + 1], props["left_bases"][k:k + 1],
            props["right_bases"][k:k + 1]))
        left_i, right_i = float(w[2][0]), float(w[3][0])
        xl = float(np.interp(left_i, np.arange(x.size), x))
        xr = float(np.interp(right_i, np.arange(x.size), x))
        fwhm = xr - xl
        win = np.arange(max(0, i - 2), min(x.size, i + 3))
        Bp, Bp_err = float(x[i]), h / math.sqrt(12.0)
        if win.size >= 3:
            xx = x[win] - x[i]
            X = np.vander(xx, 3, increasing=True)
            coef, *_ = np.linalg.lstsq(X, R[win], rcond=None)
            if coef[2] < 0:
                xv = -coef[1] / (2 * coef[2])
                if xx[0] <= xv <= xx[-1]:
                    cov = sigma**2 * np.linalg.pinv(X.T @ X)
                    g = np.array([0.0, -1 / (2 * coef[2]), coef[1] / (2 * coef[2] ** 2)])
                    Bp = float(x[i] + xv)
                    Bp_err = float(np.sqrt(max(g @ cov @ g, 0.0)))
                    c3 = np.polyfit(x[i - 1:i + 2] - x[i], R[i - 1:i + 2], 2) \
                        if 0 < i < x.size - 1 else None
                    if c3 is not None and c3[0] < 0:
                        # window systematic: shift to the 3-point vertex (flat tops)
                        Bp_err = math.hypot(Bp_err, min(abs(x[i] - c3[1] / (2 * c3[0]) - Bp),
                                                        2 * h))
                    if right_i - left_i < 3:
                        Bp_err = max(Bp_err, h / math.sqrt(12.0))
        # a flat top (saturated peak): the position is anywhere within the noise of the top
        top = Rs >= Rs[i] - 2.0 * noise
        a = i
        while a > 0 and top[a - 1]:
            a -= 1
        b = i
        while b < x.size - 1 and top[b + 1]:
            b += 1
        if b - a >= 2:
            if not x[a] <= Bp <= x[b]:
                Bp = 0.5 * float(x[a] + x[b])
            Bp_err = max(Bp_err, float(x[b] - x[a]) / math.sqrt(12.0))

        def slope_at(xe: float) -> float:
            j = int(np.clip(np.searchsorted(x, xe), 1, x.size - 1))
            return abs((Rs[j] - Rs[j - 1]) / max(x[j] - x[j - 1], 1e-300))

        e_edges = [sigma / max(slope_at(xe), 1e-300) for xe in (xl, xr)]
        fwhm_err = float(math.sqrt(sum(min(e, fwhm) ** 2 for e in e_edges)
                                   + 2 * h**2 / 12.0))
        out.append(ResistivePeak(Bp, Bp_err, float(R[i]), prom, float(noise), fwhm,
                                 fwhm_err, prom / noise))
    return out


def peak_position_test(B_T: np.ndarray, B_err_T: np.ndarray, T_K: np.ndarray,
                       Vg_V: np.ndarray | None = None) -> dict[str, Any]:
    """Does the resistive-peak position depend on temperature (and gate voltage)?

    Weighted least squares of ``B* = c`` against ``B* = c + a (T - <T>)`` (plus
    ``g (V_G - <V_G>)`` when several gate voltages are given).

    Returns
    -------
    dict
        ``mean`` and ``mean_err`` (T) of the constant, ``chi2_const``, ``dof_const``,
        ``p_const``; ``slope_T_per_K`` and its error (and ``slope_T_per_V``) of the linear
        model, ``chi2_linear``, ``slope_sigma`` (|slope|/error, largest of the slopes),
        ``trend`` (a slope beyond 3 sigma), ``independent`` (no trend) and ``scatter``
        (the constant, or the linear model when there is a trend, leaves p < 1e-3: the
        positions scatter beyond their errors).
    """
    from scipy.stats import chi2 as chi2d

    b = np.asarray(B_T, float)
    e = np.asarray(B_err_T, float)
    t = np.asarray(T_K, float)
    w = 1.0 / e**2
    c = float(np.sum(w * b) / np.sum(w))
    chi_c = float(np.sum(w * (b - c) ** 2))
    dof_c = b.size - 1
    out: dict[str, Any] = {"mean": c, "mean_err": float(1.0 / math.sqrt(np.sum(w))),
                           "chi2_const": chi_c, "dof_const": dof_c,
                           "p_const": float(chi2d.sf(chi_c, dof_c)) if dof_c > 0 else 1.0}
    cols = [np.ones_like(b)]
    names = []
    if np.ptp(t) > 0:
        cols.append(t - t.mean())
        names.append("slope_T_per_K")
    if Vg_V is not None:
        v = np.asarray(Vg_V, float)
        if np.all(np.isfinite(v)) and np.ptp(v) > 0:
            cols.append(v - v.mean())
            names.append("slope_T_per_V")
    sig = 0.0
    if names and b.size > len(cols):
        X = np.column_stack(cols)
        cov = np.linalg.inv((X.T * w) @ X)
        coef = cov @ (X.T * w) @ b
        out["chi2_linear"] = float(np.sum(w * (b - X @ coef) ** 2))
        for k, nm in enumerate(names, start=1):
            out[nm] = float(coef[k])
            out[nm + "_err"] = float(math.sqrt(cov[k, k]))
            sig = max(sig, abs(coef[k]) / math.sqrt(cov[k, k]))
    out["slope_sigma"] = float(sig)
    out["trend"] = bool(sig >= 3.0)
    if out["trend"]:  # scatter about the linear model
        dof_l = b.size - len(cols)
        out["scatter"] = bool(dof_l > 0 and chi2d.sf(out["chi2_linear"], dof_l) < 1e-3)
    else:
        out["scatter"] = bool(out["p_const"] < 1e-3)
    out["independent"] = not out["trend"]
    return out


# ---------------------------------------------------------------------------------------
# procedure


def _tag(v: float, tol: float = 0.0) -> str:
    """Text of a fixed value in a parameter name, rounded to the grouping tolerance."""
    if tol > 0:
        v = round(v, max(0, -math.floor(math.log10(tol))))
    return f"{v + 0.0:.4g}"


def _map_grid(curves: list[Curve], fixed_vals: np.ndarray, tol: float) -> dict[str, Any]:
    """R on a common grid of the swept variable, one row per fixed value (plot data)."""
    lo = min(float(c.x.min()) for c in curves)
    hi = max(float(c.x.max()) for c in curves)
    grid = np.linspace(lo, hi, 200)
    rows = []
    for f in fixed_vals:
        cs = [c for c in curves if abs(c.fixed - f) <= tol]
        stack = [np.where((grid >= c.x.min()) & (grid <= c.x.max()),
                          np.interp(grid, c.x, c.R), np.nan) for c in cs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # cells no curve covers: NaN
            rows.append(np.nanmean(np.array(stack), axis=0) if stack else
                        np.full(grid.size, np.nan))
    return {"grid": grid, "R": np.array(rows)}


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """R(T, B) map analysis (the ``tc-field`` kind); see :data:`SPEC` and the module text.

    Parameters
    ----------
    measurements
        Loaded R(T) files at fixed fields or R(B) files at fixed temperatures (SI).
    **options
        Options declared in :data:`SPEC` (validated first).

    Returns
    -------
    FitResult
        ``params``: the critical points (``Tc_at_<B>T_K`` or ``Hc2_at_<T>K_T``), the
        re-entrance outputs and, for R(B) curves, the resistive peaks; ``stats``:
        ``sweep``, ``reentrant`` (True/False, ``None`` when not testable) and
        ``reentrance`` (one sentence), the peak-position test; ``data``: the map.

    Raises
    ------
    RefusedError
        Fewer than two distinct fixed values (not a map), or no transition in any curve.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    sweep, curves = collect_curves(measurements, opts)
    flags: list[Flag] = []
    # gate voltages: the map uses one of them
    vgs = sorted({c.Vg_V for c in curves if c.Vg_V is not None})
    map_curves = curves
    vg_used = None
    if len(vgs) > 1:
        counts = {v: sum(1 for c in curves if c.Vg_V == v) for v in vgs}
        vg_used = opts["Vg_V"] if opts["Vg_V"] is not None else max(counts, key=counts.get)
        map_curves = [c for c in curves if c.Vg_V is not None and abs(c.Vg_V - vg_used) < 1e-9]
        if not map_curves:
            raise OptionError(f"tc-field: no curve at Vg_V={vg_used:g} (files have "
                              f"{', '.join(f'{v:g}' for v in vgs)} V)")
    tol = opts["B_tol_T"] if sweep == "temperature" else opts["T_tol_K"]
    fixed_groups = _group([c.fixed for c in map_curves], tol)
    if len(fixed_groups) < 2:
        what = "field" if sweep == "temperature" else "temperature"
        raise RefusedError(f"tc-field: all curves are at one {what} "
                           f"({map_curves[0].fixed:.4g} {'T' if what == 'field' else 'K'}): "
                           "not a map (use the tc or critical-field kinds)")
    pts = _combine_points([curve_crossing(c, opts["fraction"]) for c in map_curves], tol)
    measured = [p for p in pts if p.censored is None]
    if not measured:
        raise RefusedError(f"tc-field: R never crosses {opts['fraction']:g} R_N in any curve "
                           "(no transition inside the swept range)")
    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    unit_x = "K" if sweep == "temperature" else "T"
    for p in measured:
        name = (f"Tc_at_{_tag(p.fixed, tol)}T_K" if sweep == "temperature"
                else f"Hc2_at_{_tag(p.fixed, tol)}K_T")
        from uncertainties import ufloat

        sys = {"curve scatter": p.scatter} if p.scatter else {}
        params[name], budget[name] = combine_errors(ufloat(p.value, p.stat),
                                                    sampling=p.sampling, sys=sys)
    censored = [p for p in pts if p.censored is not None]
    if censored:
        fx = "B" if sweep == "temperature" else "T"
        lst = ", ".join(f"{fx} = {p.fixed:.4g}: " + (
            f"normal from {p.value:.4g} {unit_x} on" if p.censored == "below" else
            f"superconducting up to {p.value:.4g} {unit_x}") for p in censored)
        flags.append(warn("criterion_not_reached",
                          f"{opts['fraction']:g} R_N is not crossed inside the swept range "
                          f"for {len(censored)} of {len(pts)} curves ({lst}); these are "
                          "bounds, not values"))
    stats: dict[str, Any] = {"sweep": sweep, "n_curves": len(map_curves),
                             "n_points": len(measured), "n_censored": len(censored)}
    extra: dict[str, Any] = {}
    if sweep == "temperature":
        if pts[0].censored is None:  # Tc at the lowest field of the map, when measured
            first = next(iter(params))
            params["Tc0_K"], budget["Tc0_K"] = params[first], budget[first]
        _reentrance_points(measured, censored, opts, params, budget, stats, flags, extra)
        if opts["tc_form"] == "empirical":
            _empirical_fit(measured, params, stats, flags, extra)
    else:
        _reentrance_windows(map_curves, opts, params, stats, flags, extra)
        _peaks(curves, opts, params, stats, flags, extra)
    sloped = [c for c in map_curves if c.rn_slope is not None]
    if sloped:
        worst = max(sloped, key=lambda c: c.rn_slope["z"])
        f = worst.rn_slope
        flags.append(warn("rn_not_plateau", f"R still changes over the R_N window in "
                          f"{len(sloped)} of {len(map_curves)} curve(s) (largest: "
                          f"{worst.fixed:.4g} {'T' if sweep == 'temperature' else 'K'} "
                          f"{worst.branch}, slope {f['slope']:.3g} +/- {f['slope_err']:.2g} "
                          f"Ohm per {'K' if sweep == 'temperature' else 'T'}, "
                          f"{f['z']:.2g} sigma, {100 * f['change_ohm'] / worst.R_N_ohm:+.2g} % "
                          "of R_N across it): R_N is not a plateau value; the line "
                          "extrapolated one window width outward enters its error"))
    noted = sorted({c.rn_note for c in map_curves if c.rn_note.startswith("normal state")})
    if noted:
        bad = [f"{c.fixed:.4g}" for c in map_curves if c.rn_note.startswith("normal state")]
        flags.append(warn("criterion_not_reached", f"the normal state is not reached in "
                          f"{len(bad)} curve(s) (fixed value {', '.join(bad[:6])}): R_N taken "
                          "as the median plateau of the others"))
    fixed_vals = np.array([float(np.mean([map_curves[i].fixed for i in g]))
                           for g in fixed_groups])
    data = {"sweep": sweep, "fixed": fixed_vals, **_map_grid(map_curves, fixed_vals, tol),
            "points": {"fixed": [p.fixed for p in pts], "value": [p.value for p in pts],
                       "err": [p.stderr for p in pts],
                       "censored": [p.censored or "" for p in pts]},
            "curves": [{"fixed": c.fixed, "x": c.x, "R": c.R, "branch": c.branch}
                       for c in map_curves], **extra}
    out_opts = dict(opts)
    out_opts["Vg_V_map"] = vg_used
    prov = {"files": [str(m.source) for m in measurements],
            "columns": ["T_K", "B_T", measurements[0].resistance_column(opts["channel"])],
            "points": data["points"],
            "R_N_ohm": [{"fixed": c.fixed, "branch": c.branch, "R_N_ohm": c.R_N_ohm,
                         "method": c.rn_note} for c in map_curves]}
    return FitResult(kind="tc-field", params=params, stats=stats, options=out_opts,
                     provenance=prov, data=data, quality=Quality(tuple(flags)), budget=budget)


def _reentrance_points(measured: list[MapPoint], censored: list[MapPoint],
                       opts: dict[str, Any], params: dict[str, Any],
                       budget: dict[str, ErrorBudget], stats: dict[str, Any],
                       flags: list[Flag], extra: dict[str, Any]) -> None:
    from uncertainties import ufloat

    B = np.array([p.fixed for p in measured])
    Tc = np.array([p.value for p in measured])
    s = np.array([max(p.stderr, 1e-12 * max(abs(p.value), 1e-300)) for p in measured])
    few = check_points(B.size, 5, what="Tc(B) points for the re-entrance test",
                       severity="warn")
    if few:
        flags += few
        stats["reentrant"] = None
        stats["reentrance"] = f"not tested: {B.size} Tc(B) points (need 5)"
        return
    r = detect_reentrance(B, Tc, s, threshold_sigma=opts["reentrance_sigma"],
                          n_sim=opts["n_sim"], seed=opts["seed"])
    params["reentrance_sigma"] = r.sigma_global
    params["reentrance_local_sigma"] = r.z_local
    stats["reentrant"] = r.reentrant
    stats["reentrance_p"] = r.p_global
    order = np.argsort(B)
    Bs = B[order]
    if not r.reentrant:
        stats["reentrance"] = (f"none: Tc(B) is non-increasing within the noise (largest "
                               f"rise {r.z_local:.2g} sigma between {Bs[r.i_min]:.4g} and "
                               f"{Bs[r.i_max]:.4g} T; global {r.sigma_global:.2g} sigma < "
                               f"{opts['reentrance_sigma']:g})")
        return
    params["B_min_T"], budget["B_min_T"] = combine_errors(
        ufloat(r.B_min_T, r.B_min_err_T), sys={"parabola window": r.B_min_sys_T})
    params["Tc_min_K"] = ufloat(r.Tc_min_K, r.Tc_min_err_K)
    params["B_reentrant_max_T"] = float(r.B_max_T)
    params["Tc_reentrant_max_K"] = ufloat(r.Tc_max_K, r.Tc_max_err_K)
    params["Tc_rise_K"] = params["Tc_reentrant_max_K"] - params["Tc_min_K"]
    stats["superconducting_regions_T"] = r.regions_T
    stats["reentrance"] = (f"re-entrant: Tc(B) falls to {r.Tc_min_K:.4g} K at B_min = "
                           f"{r.B_min_T:.4g} T and rises again to {r.Tc_max_K:.4g} K at "
                           f"{r.B_max_T:.4g} T ({r.z_local:.2g} sigma local, "
                           f"{r.sigma_global:.2g} sigma global); superconducting regions "
                           f"{r.regions_T[0][0]:.4g}-{r.regions_T[0][1]:.4g} T and "
                           f"{r.regions_T[1][0]:.4g}-{r.regions_T[1][1]:.4g} T")
    high = [p for p in censored if p.censored == "above" and r.B_min_T <= p.fixed]
    if high:
        stats["reentrance"] += "; some re-entrant fields are superconducting up to the top " \
                               "of the swept range (Tc above it)"
    extra["reentrance"] = {"B_min_T": r.B_min_T, "Tc_min_K": r.Tc_min_K,
                           "regions_T": r.regions_T}


def _empirical_fit(measured: list[MapPoint], params: dict[str, Any], stats: dict[str, Any],
                   flags: list[Flag], extra: dict[str, Any]) -> None:
    """Weighted fit of the EMPIRICAL form (docs/models/reentrant_tc.md) to the Tc(B) points."""
    from .models import ReentrantTcModel
    from .quality import check_bounds, check_goodness_of_fit, fail
    from .result import params_from_lmfit

    B = np.array([p.fixed for p in measured])
    Tc = np.array([p.value for p in measured])
    s = np.array([max(p.stderr, 1e-12 * max(abs(p.value), 1e-300)) for p in measured])
    few = check_points(B.size, 6, what="Tc(B) points for the empirical form", severity="warn")
    if few:
        flags += few
        return
    model = ReentrantTcModel()
    try:
        res = model.fit(Tc, model.guess(Tc, B_T=B), B_T=B, weights=1.0 / s, scale_covar=False)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        flags.append(warn("candidate_failed", f"empirical Tc(B) form: fit failed ({exc})"))
        return
    names = {k: f"emp_{k}" for k in ("Tc0_K", "B1_T", "dT_K", "B2_T", "w_T")}
    params.update(params_from_lmfit(res, names, require_errorbars=False))
    what = "empirical Tc(B) form"
    flags += check_bounds(res.params, public=names, what=what, severity="warn")
    if not (res.errorbars and res.covar is not None):
        flags.append(fail("no_errorbars", f"{what}: the covariance could not be estimated"))
    flags += check_goodness_of_fit(Tc - res.best_fit, s, int(res.nvarys), what=what)
    stats["empirical_form"] = ("Tc0 (1 - (B/B1)^2) + dT exp(-(B - B2)^2/(2 w^2)): EMPIRICAL "
                               "(docs/models/reentrant_tc.md), no physical derivation")
    stats["empirical_redchi"] = float(res.redchi)
    Bf = np.linspace(float(B.min()), float(B.max()), 200)
    extra["empirical"] = {"B_T": Bf, "Tc_K": res.eval(res.params, B_T=Bf)}


def _reentrance_windows(curves: list[Curve], opts: dict[str, Any], params: dict[str, Any],
                        stats: dict[str, Any], flags: list[Flag], extra: dict[str, Any]
                        ) -> None:
    """Resistive windows between two superconducting ranges of R(|B|)."""
    k = opts["reentrance_sigma"]
    rows = []
    for c in curves:
        level = opts["fraction"] * c.R_N_ohm
        iv = superconducting_intervals(c.x, c.R, level, c.sigma_ohm, min_sigma=k)
        win = None
        if len(iv) >= 2:
            lo, hi = iv[0][1], iv[1][0]
            sel = (c.x >= lo) & (c.x <= hi)
            Rs = _smooth(c.R)
            if sel.any():
                j = int(np.flatnonzero(sel)[np.argmax(Rs[sel])])
                sn = max(c.sigma_ohm / math.sqrt(SMOOTH_POINTS), 1e-300)
                after = c.x >= iv[1][0]
                depth = level - float(Rs[after & (c.x <= iv[1][1])].min()) \
                    if (after & (c.x <= iv[1][1])).any() else 0.0
                z = min(float(Rs[j]) - level, depth) / sn
                win = {"lo_T": lo, "hi_T": hi, "B_peak_T": float(c.x[j]), "z": z}
        rows.append({"T_K": c.fixed, "branch": c.branch, "intervals_T": iv, "window": win})
    extra["intervals"] = rows
    with_w = [r for r in rows if r["window"] is not None]
    if not with_w:
        stats["reentrant"] = False
        stats["reentrance"] = ("none: no R(B) curve shows a resistive window between two "
                               f"superconducting ranges (below {opts['fraction']:g} R_N by "
                               f"{k:g} noise units)")
        return
    z = max(r["window"]["z"] for r in with_w)
    params["reentrance_sigma"] = float(z)
    stats["reentrant"] = True
    T_first = min(r["T_K"] for r in with_w)
    B_min = float(np.mean([r["window"]["B_peak_T"] for r in with_w if
                           abs(r["T_K"] - T_first) <= opts["T_tol_K"]]))
    below = [r["T_K"] for r in rows if r["T_K"] < T_first - opts["T_tol_K"] and any(
        lo <= B_min <= hi for lo, hi in r["intervals_T"])]
    if below:
        T_lo = max(below)
        from uncertainties import ufloat

        params["Tc_min_K"] = ufloat(0.5 * (T_lo + T_first), (T_first - T_lo) / math.sqrt(12))
    else:
        params["Tc_min_K"] = float(T_first)
        flags.append(warn("extrapolated", f"every curve up to T = {T_first:.4g} K has a "
                          "resistive window: Tc_min lies below the lowest temperature "
                          "(reported value is an upper bound)"))
    first_c = next(c for c in curves if abs(c.fixed - T_first) <= opts["T_tol_K"])
    from uncertainties import ufloat as _uf

    params["B_min_T"] = _uf(B_min, float(np.median(np.diff(first_c.x))) / math.sqrt(12.0))
    first = [r for r in with_w if abs(r["T_K"] - T_first) <= opts["T_tol_K"]][0]
    stats["superconducting_regions_T"] = [list(first["intervals_T"][0]),
                                          list(first["intervals_T"][1])]
    stats["reentrance"] = (f"re-entrant: at T = {T_first:.4g} K a resistive window "
                           f"{first['window']['lo_T']:.4g}-{first['window']['hi_T']:.4g} T "
                           f"separates two superconducting ranges ({z:.2g} sigma); "
                           f"B_min ~ {B_min:.4g} T")


#: significance (local, sigma) of the confirming peak on the other field sign or sweep
CONFIRM_SIGMA = 3.0


def _confirmed(found: list[tuple[Curve, ResistivePeak]], curves: list[Curve], tol: float
               ) -> tuple[list[tuple[Curve, ResistivePeak]], list[dict[str, Any]]]:
    """Keep the peaks seen again at the same temperature: on the opposite field sign when
    it is measured at that |B|, else on another sweep of the same sign; a peak without
    any such partner curve is kept. The confirming peak needs ``CONFIRM_SIGMA`` local
    significance (a targeted search: no look-elsewhere factor) within half the FWHM or
    3 field steps."""
    cache: dict[int, list[ResistivePeak]] = {}
    kept, dropped = [], []
    for c, pk in found:
        partners = [d for d in curves if d is not c and abs(d.fixed - c.fixed) <= tol
                    and d.x.min() <= pk.B_T <= d.x.max()]
        opp = [d for d in partners if d.branch and d.branch != c.branch]
        cands = opp or partners
        if not cands:
            kept.append((c, pk))
            continue
        h = float(np.median(np.diff(c.x))) if c.x.size > 1 else 0.0
        near = max(0.5 * pk.fwhm_T, 3.0 * h)
        ok = False
        for d in cands:
            if id(d) not in cache:
                cache[id(d)] = find_resistive_peaks(d.x, d.R, d.sigma_ohm,
                                                    min_sigma=CONFIRM_SIGMA)
            if any(abs(q.B_T - pk.B_T) <= near for q in cache[id(d)]):
                ok = True
                break
        if ok:
            kept.append((c, pk))
        else:
            dropped.append({"T_K": c.fixed, "branch": c.branch, "B_T": pk.B_T,
                            "significance": pk.significance,
                            "why": "not seen on the " + ("other field sign" if opp else
                                                         "other sweep") + " at this T"})
    return kept, dropped


def _peaks(curves: list[Curve], opts: dict[str, Any], params: dict[str, Any],
           stats: dict[str, Any], flags: list[Flag], extra: dict[str, Any]) -> None:
    """Resistive peaks per curve; the feature seen at most temperatures feeds the test."""
    from uncertainties import ufloat

    n_trials = int(sum(c.x.size for c in curves))
    found = []
    for c in curves:
        for pk in find_resistive_peaks(c.x, c.R, c.sigma_ohm, min_sigma=opts["peak_sigma"],
                                       n_trials=n_trials):
            found.append((c, pk))
    found, dropped = _confirmed(found, curves, opts["T_tol_K"])
    stats["peak_search"] = (f"local noise, look-elsewhere over {n_trials} points "
                            f"(local threshold {peak_threshold(opts['peak_sigma'], n_trials):.3g}"
                            f" sigma), >= {MIN_PEAK_POINTS} points wide, confirmed on the "
                            "other field sign (or sweep) at the same T when measured")
    if dropped:
        stats["peaks_unconfirmed"] = dropped
    extra["peaks"] = [{"T_K": c.fixed, "branch": c.branch, "Vg_V": c.Vg_V, "B_T": pk.B_T,
                       "B_err_T": pk.B_err_T, "R_peak_ohm": pk.R_peak_ohm,
                       "height_ohm": pk.height_ohm, "fwhm_T": pk.fwhm_T,
                       "significance": pk.significance} for c, pk in found]
    stats["n_peaks"] = len(found)
    if not found:
        stats["peaks"] = f"no resistive peak in R(B) above {opts['peak_sigma']:g} noise units"
        return
    # one feature: peaks linked across curves when closer than half the wider FWHM; the
    # feature seen at most temperatures (then the highest) feeds the position test
    order = sorted(range(len(found)), key=lambda k: found[k][1].B_T)
    features: list[list[int]] = []
    for k in order:
        pk = found[k][1]
        if features:
            last = found[features[-1][-1]][1]
            if abs(pk.B_T - last.B_T) <= 0.5 * max(pk.fwhm_T, last.fwhm_T):
                features[-1].append(k)
                continue
        features.append([k])

    def n_temps(f: list[int]) -> int:
        return len(_group([found[k][0].fixed for k in f], opts["T_tol_K"]))

    feat = max(features, key=lambda f: (n_temps(f), sum(found[k][1].height_ohm for k in f)))
    stats["n_peak_features"] = len(features)
    best: dict[tuple[float, float | None], list[tuple[Curve, ResistivePeak]]] = {}
    for c, pk in (found[k] for k in feat):
        key = next((k for k in best if abs(k[0] - c.fixed) <= opts["T_tol_K"]
                    and k[1] == c.Vg_V), (c.fixed, c.Vg_V))
        best.setdefault(key, []).append((c, pk))
    rows = []
    for (T, vg), lst in sorted(best.items(), key=lambda kv: (kv[0][1] or 0.0, kv[0][0])):
        per_branch: dict[int, ResistivePeak] = {}
        for c, pk in lst:  # one peak per curve (branch of one sweep): the highest
            kb = id(c)
            if kb not in per_branch or pk.height_ohm > per_branch[kb].height_ohm:
                per_branch[kb] = pk
        pks = list(per_branch.values())
        Bv = np.array([p.B_T for p in pks])
        Be = np.array([p.B_err_T for p in pks])
        B_mean = float(Bv.mean())
        B_err = float(math.sqrt(np.sum(Be**2)) / len(pks))
        if len(pks) > 1:
            B_err = math.hypot(B_err, float(Bv.std(ddof=1) / math.sqrt(len(pks))))
        rows.append((T, vg, B_mean, B_err, float(np.mean([p.height_ohm for p in pks])),
                     float(np.mean([p.height_err_ohm for p in pks])),
                     float(np.mean([p.fwhm_T for p in pks])),
                     float(np.sqrt(np.sum([p.fwhm_err_T**2 for p in pks])) / len(pks))))
    several_vg = len({r[1] for r in rows}) > 1
    for T, vg, b, be, hgt, he, fw, fe in rows:
        tag = f"{_tag(T, opts['T_tol_K'])}K" + (f"_Vg{_tag(vg)}V" if several_vg and vg is not None
                                              else "")
        params[f"peak_B_at_{tag}_T"] = ufloat(b, be)
        params[f"peak_height_at_{tag}_ohm"] = ufloat(hgt, he)
        params[f"peak_fwhm_at_{tag}_T"] = ufloat(fw, fe)
    if len(rows) < 2:
        stats["peaks"] = "one resistive peak: position independence not testable"
        return
    test = peak_position_test(np.array([r[2] for r in rows]), np.array([r[3] for r in rows]),
                              np.array([r[0] for r in rows]),
                              np.array([r[1] if r[1] is not None else np.nan for r in rows])
                              if several_vg else None)
    params["peak_B_T"] = ufloat(test["mean"], test["mean_err"])
    for nm in ("slope_T_per_K", "slope_T_per_V"):
        if nm in test:
            params[f"peak_{nm}"] = ufloat(test[nm], test[nm + "_err"])
    stats["peak_position_independent"] = test["independent"]
    stats["peak_chi2_const"] = test["chi2_const"]
    stats["peak_p_const"] = test["p_const"]
    dep = " and V_G" if several_vg else ""
    stats["peak_position_scatter"] = test["scatter"]
    stats["peaks"] = (f"resistive peak at {test['mean']:.4g} +/- {test['mean_err']:.2g} T in "
                      f"{len(rows)} curves; position "
                      + (f"independent of T{dep}" if test["independent"]
                         else f"depends on T{dep.replace('and', 'or')}")
                      + f" (largest slope {test['slope_sigma']:.2g} sigma, constant: chi2 "
                        f"{test['chi2_const']:.3g} on {test['dof_const']} dof"
                      + ("; positions scatter beyond their errors" if test["scatter"] else "")
                      + ")")
    if test["scatter"]:
        chi = test["chi2_linear"] if test["trend"] else test["chi2_const"]
        flags.append(warn("peak_scatter", f"resistive-peak positions scatter beyond their "
                          f"errors ({'linear' if test['trend'] else 'constant'} model: chi2 "
                          f"{chi:.3g} on {len(rows)} positions): their errors are optimistic "
                          "or the dependence is not linear"))


def plot(result: FitResult, fig) -> None:
    """pcolormesh of R(T, B) with the extracted Tc(B) or Hc2(T) line.

    The figure code lives in :mod:`ktoanalysis.transport.plots.tc_field`.
    """
    from .plots import draw

    draw(result, fig)
