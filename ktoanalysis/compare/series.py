"""Gate and polarization series: Tc, R_s and n2D against the gate voltage, branches and hysteresis.

A *gate series* is a set of result rows of one sample (and orientation) that carry a gate
voltage ``Vg_V`` (manifest field ``Vg_V`` or ``V_G_V``). From the batch results table
(``results.csv``, one line per analysed row) :func:`analyze_series` builds

* the **points**: one line per ``tc`` row, with Tc (the ``Tc_mid_K`` column by default),
  the normal-state sheet resistance ``R_s_ohm`` (the ``tc`` row's ``R_N_ohm``), the sheet
  conductance ``G_s_S = 1/R_s``, and the density ``n2d_cm2`` of the Hall row of the same
  sample measured at the same gate voltage on the same sweep branch (else the row's own
  manifest ``n2d_cm2``);
* the **sweep branches**: ``up`` where V_G increases from one row to the next in manifest
  order, ``down`` where it decreases (or as given in a ``sweep`` column); a turning point
  belongs to both branches. When a direction is swept more than once (a virgin sweep
  followed by a full loop) the loop uses the widest segment of each direction (the later
  one on a tie);
* the **hysteresis** of Tc, of the sheet conductance (and of n2D when every point has
  one), as seed 001 (Dong et al. 2026, ``001_464c4cf530c8f5e4.txt``) reports it:

  - the *remanent difference* ``q_down(V_ref) - q_up(V_ref)`` at ``V_ref = 0`` V, each
    branch interpolated at V_ref;
  - the *loop width* ``V*_up - V*_down`` in V_G, where ``V*_b`` is the gate voltage at
    which branch ``b`` crosses the half-way level ``(q(V_hi) + q(V_lo))/2`` between the
    values at the two ends of the common V_G range (the analogue of the coercive field of
    a ferroelectric loop). Positive: the response lags the gate (the usual circulation);

  both with a 1-sigma error of two parts: *statistics* (the points' errors propagated
  through the interpolation, the half-way level included) and *sampling* (point
  spacing: the value reported comes from monotone-cubic PCHIP interpolation between the
  measured gate voltages; its sampling error is the larger of the spread of linear,
  cubic-spline and Akima interpolation through the same points and the Richardson
  estimate ``|q_h - q_2h| / 3`` from every other point of each branch, geometric mean over
  the two choices of points; zero for a remanent difference at a measured V_ref).
  Coverage of 1 sigma, tested on simulated loops (``tests/compare/test_series.py``):
  about 68 % where the points resolve the switching (spacing below its width), larger
  (conservative) for coarser sweeps. A quantity that is not available is ``None`` with a flag
  (one branch only, V_ref outside the swept range, the level never crossed);
* the **polarization states**: rows with a ``polarization`` label (``up``/``down`` or a
  poling voltage such as ``+10 V``) grouped per sample; per state the weighted mean of Tc
  and of the sheet conductance, and between the first and last state (``up`` before
  ``down``; poling voltages in increasing order) the Tc difference and conductance ratio;
* the **Tc-density slope** (seed 004, :func:`ktoanalysis.compare.trends.tc_density_slope`)
  of every orientation over all ``tc`` rows with a density, and of every gate series.

Rows whose quality verdict is ``fail`` are left out (listed in the flags).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._fileio import read_text_table
from ..errors import FitError
from ..orientations import orientation_label
from .trends import tc_density_slope

__all__ = ["SeriesAnalysis", "analyze_series", "sweep_branches", "hysteresis",
           "polarization_order", "summary_lines", "SERIES_COLUMNS", "HYSTERESIS_QUANTITIES",
           "INTERPOLANTS"]

#: columns of the points table (``series/series.csv``)
SERIES_COLUMNS: tuple[str, ...] = (
    "sample", "orientation", "polarization", "Vg_V", "branch", "segment", "turning_point",
    "in_loop", "row", "Tc_K", "Tc_K_err", "R_s_ohm", "R_s_ohm_err", "G_s_S", "G_s_S_err",
    "n2d_cm2", "n2d_cm2_err", "n2d_source", "hall_row", "quality")

#: quantities whose hysteresis is computed: points-table column -> unit
HYSTERESIS_QUANTITIES: dict[str, str] = {"Tc_K": "K", "G_s_S": "S", "n2d_cm2": "cm^-2"}

_SWEEP_WORDS = {"up": "up", "+": "up", "increasing": "up", "inc": "up", "forward": "up",
                "down": "down", "-": "down", "decreasing": "down", "dec": "down",
                "backward": "down", "reverse": "down"}
_VOLTAGE = re.compile(r"^\s*([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(m?V)?\s*$")


# --------------------------------------------------------------------------------------
# branches


def sweep_branches(Vg_V: Sequence[float]) -> tuple[list[str], list[int], list[bool]]:
    """Sweep direction of each point of a gate series from the order of its voltages.

    Parameters
    ----------
    Vg_V
        Gate voltages (V) in measurement (manifest) order.

    Returns
    -------
    (branch, segment, turning)
        ``branch[i]`` is ``"up"`` or ``"down"``: the direction of the step that reached
        point ``i`` (the first point takes the direction of the first step; a repeated
        voltage keeps the running direction; ``""`` when every voltage is the same).
        ``segment[i]`` numbers the monotone runs from 0. ``turning[i]`` is True where the
        direction reverses after point ``i``: that point also starts the next segment.
    """
    V = np.asarray(Vg_V, float)
    n = V.size
    if n == 0:
        return [], [], []
    d = np.sign(np.diff(V))
    nz = d[d != 0]
    if nz.size == 0:
        return [""] * n, [0] * n, [False] * n
    running = nz[0]
    step_dir = []
    for s in d:
        running = s if s != 0 else running
        step_dir.append(running)
    dirs = [step_dir[0], *step_dir]
    branch = ["up" if s > 0 else "down" for s in dirs]
    segment, turning = [0] * n, [False] * n
    seg = 0
    for i in range(1, n):
        if dirs[i] != dirs[i - 1] and i > 1:
            seg += 1
            turning[i - 1] = True
        segment[i] = seg
    return branch, segment, turning


def _loop_segments(branch: Sequence[str], segment: Sequence[int],
                   V: np.ndarray) -> dict[str, int]:
    """The segment used for each direction: widest V_G span, later on a tie."""
    best: dict[str, tuple[float, int]] = {}
    for b, s in sorted(set(zip(branch, segment, strict=True)), key=lambda t: t[1]):
        if b not in ("up", "down"):
            continue
        idx = [i for i, (bb, ss) in enumerate(zip(branch, segment, strict=True))
               if bb == b and ss == s]
        # the turning point that opens this segment belongs to it too
        if idx[0] > 0 and segment[idx[0] - 1] == s - 1:
            idx = [idx[0] - 1, *idx]
        span = float(np.ptp(V[idx]))
        if b not in best or span >= best[b][0]:
            best[b] = (span, s)
    return {b: s for b, (_, s) in best.items()}


# --------------------------------------------------------------------------------------
# interpolation and hysteresis


def _branch_curve(V: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points of one branch sorted by V, repeated voltages averaged."""
    order = np.argsort(V, kind="stable")
    V, q = V[order], q[order]
    u, inv = np.unique(V, return_inverse=True)
    qm = np.bincount(inv, weights=q) / np.bincount(inv)
    return u, qm


#: interpolants through the points of a branch: the reported one and the others whose
#: spread is the sampling (point-spacing) error
INTERPOLANTS: tuple[str, ...] = ("pchip", "linear", "spline", "akima")


def _interpolant(V: np.ndarray, q: np.ndarray, method: str):
    if method == "linear" or V.size < 3:
        return lambda x: np.interp(x, V, q)
    from scipy import interpolate

    if method == "pchip":
        return interpolate.PchipInterpolator(V, q)
    if method == "spline":
        return interpolate.CubicSpline(V, q)
    if method == "akima":
        return interpolate.Akima1DInterpolator(V, q)
    raise ValueError(f"unknown interpolant {method!r}")


def _interp(V: np.ndarray, q: np.ndarray, x: float, method: str) -> float:
    if x < V[0] or x > V[-1]:
        return math.nan
    return float(_interpolant(V, q, method)(x))


def _crossings(V: np.ndarray, q: np.ndarray, level: float, method: str) -> list[float]:
    """Gate voltages where the branch curve crosses ``level`` (one per bracketing pair of
    points)."""
    from scipy.optimize import brentq

    f = _interpolant(V, q, method)
    out = []
    diff = q - level
    for i in range(V.size - 1):
        a, b = diff[i], diff[i + 1]
        if a == 0:
            out.append(float(V[i]))
        elif a * b < 0:
            out.append(float(brentq(lambda x: float(f(x)) - level, V[i], V[i + 1],
                                    xtol=1e-12 * max(1.0, abs(V[i])))))
    if diff[-1] == 0:
        out.append(float(V[-1]))
    return sorted(set(out))


def _loop_numbers(Vu, qu, Vd, qd, V_ref, level, method):
    """(remanent difference, loop width, level, V*_up, V*_down, n_cross_up, n_cross_down)."""
    Vu_s, qu_s = _branch_curve(Vu, qu)
    Vd_s, qd_s = _branch_curve(Vd, qd)
    rem = _interp(Vd_s, qd_s, V_ref, method) - _interp(Vu_s, qu_s, V_ref, method)
    hi, lo = min(Vu_s[-1], Vd_s[-1]), max(Vu_s[0], Vd_s[0])
    if level is None:
        if hi <= lo:
            lvl = math.nan
        else:
            q_hi = 0.5 * (_interp(Vu_s, qu_s, hi, method) + _interp(Vd_s, qd_s, hi, method))
            q_lo = 0.5 * (_interp(Vu_s, qu_s, lo, method) + _interp(Vd_s, qd_s, lo, method))
            lvl = 0.5 * (q_hi + q_lo)
    else:
        lvl = float(level)
    cu = _crossings(Vu_s, qu_s, lvl, method) if math.isfinite(lvl) else []
    cd = _crossings(Vd_s, qd_s, lvl, method) if math.isfinite(lvl) else []
    mid = 0.5 * (hi + lo)
    xu = min(cu, key=lambda x: abs(x - mid)) if cu else math.nan
    xd = min(cd, key=lambda x: abs(x - mid)) if cd else math.nan
    return rem, xu - xd, lvl, xu, xd, len(cu), len(cd)


def _geometric_mean(x: Sequence[float]) -> float:
    a = np.asarray(x, float)
    return 0.0 if np.any(a <= 0) else float(np.exp(np.mean(np.log(a))))


def _thin(V: np.ndarray, idx: np.ndarray, parity: int, V_ref: float) -> np.ndarray:
    """Every other point of a branch (sorted by V), keeping its ends and a point at V_ref."""
    order = idx[np.argsort(V[idx], kind="stable")]
    keep = [k for n, k in enumerate(order)
            if n % 2 == parity or n in (0, order.size - 1) or V[k] == V_ref]
    return np.asarray(keep, dtype=int)


def hysteresis(Vg_V: Sequence[float], q: Sequence[float], q_err: Sequence[float] | None,
               branch: Sequence[str], *, V_ref_V: float = 0.0,
               level: float | None = None) -> dict[str, Any]:
    """Remanent difference and loop width of one quantity over the up and down branches.

    Parameters
    ----------
    Vg_V
        Gate voltage of each point (V). A turning point shared by both branches is given
        twice, once per branch.
    q
        The quantity at each point (any unit, e.g. Tc in K or the sheet conductance in S).
    q_err
        1-sigma errors of ``q`` (same unit), independent between points; ``None``: no
        statistical error.
    branch
        ``"up"`` or ``"down"`` for each point (others are ignored).
    V_ref_V
        Gate voltage of the remanent difference (V), default 0 V.
    level
        Level whose crossings define the loop width (unit of ``q``); default the half-way
        level between the values at the two ends of the common V_G range.

    Returns
    -------
    dict
        ``remanent_diff`` (``q_down(V_ref) - q_up(V_ref)``) and ``loop_width_V``
        (``V*_up - V*_down``, V), each with ``_err`` (total 1 sigma), ``_stat`` and
        ``_sampling``; ``level``, ``V_cross_up_V``, ``V_cross_down_V``, ``V_ref_V``,
        ``n_up``, ``n_down`` and ``flags`` (codes with messages). Numbers that the data
        do not define are ``None``.
    """
    V = np.asarray(Vg_V, float)
    y = np.asarray(q, float)
    s = np.zeros_like(y) if q_err is None else np.asarray(q_err, float)
    s = np.where(np.isfinite(s), s, 0.0)
    br = np.asarray(list(branch), dtype=object)
    up, dn = br == "up", br == "down"
    keep = np.isfinite(V) & np.isfinite(y)
    up, dn = up & keep, dn & keep
    out: dict[str, Any] = {"V_ref_V": float(V_ref_V), "n_up": int(up.sum()),
                           "n_down": int(dn.sum()), "level": None, "V_cross_up_V": None,
                           "V_cross_down_V": None, "flags": []}
    for k in ("remanent_diff", "loop_width_V"):
        out.update({k: None, f"{k}_err": None, f"{k}_stat": None, f"{k}_sampling": None})
    flags = out["flags"]
    if np.unique(V[up]).size < 2 or np.unique(V[dn]).size < 2:
        flags.append({"code": "single_branch",
                      "message": f"{int(up.sum())} up and {int(dn.sum())} down points: a "
                                 "loop needs at least two gate voltages on each branch"})
        return out
    idx_u, idx_d = np.flatnonzero(up), np.flatnonzero(dn)

    def numbers(yy: np.ndarray, method: str, iu=idx_u, id_=idx_d, lvl=level):
        return _loop_numbers(V[iu], yy[iu], V[id_], yy[id_], V_ref_V, lvl, method)

    main = numbers(y, INTERPOLANTS[0])
    rem, width, lvl, xu, xd, ncu, ncd = main
    others = [numbers(y, m) for m in INTERPOLANTS[1:]]
    # point spacing: the same numbers from every other point of each branch (ends and a
    # point at V_ref kept; the level held), error ~ h^2: |full - thinned| / (2^2 - 1),
    # geometric mean over the two choices of points; at least the spread of interpolants
    thinned = []
    for parity in (0, 1):
        iu, id_ = _thin(V, idx_u, parity, V_ref_V), _thin(V, idx_d, parity, V_ref_V)
        if iu.size < idx_u.size or id_.size < idx_d.size:
            thinned.append(numbers(y, INTERPOLANTS[0], iu, id_, lvl if level is None
                                   else level))
    out["level"] = None if not math.isfinite(lvl) else lvl
    # statistics: numerical Jacobian of (remanent, width) with respect to every point
    J = np.zeros((2, y.size))
    for i in np.flatnonzero(up | dn):
        if s[i] <= 0:
            continue
        h = s[i] * 1e-3
        yp, ym = y.copy(), y.copy()
        yp[i] += h
        ym[i] -= h
        a, b = numbers(yp, INTERPOLANTS[0]), numbers(ym, INTERPOLANTS[0])
        J[0, i] = (a[0] - b[0]) / (2 * h)
        J[1, i] = (a[1] - b[1]) / (2 * h)
    stat = np.sqrt(np.nansum((J * s) ** 2, axis=1))
    for j, (k, val) in enumerate((("remanent_diff", rem), ("loop_width_V", width))):
        if not math.isfinite(val):
            continue
        alt = [abs(o[j] - val) for o in others if math.isfinite(o[j])]
        rich = [abs(t[j] - val) / 3.0 for t in thinned if math.isfinite(t[j])]
        samp = max(max(alt, default=0.0), _geometric_mean(rich) if rich else 0.0)
        out[k] = float(val)
        out[f"{k}_stat"] = float(stat[j])
        out[f"{k}_sampling"] = float(samp)
        out[f"{k}_err"] = float(math.hypot(stat[j], samp))
    if not math.isfinite(rem):
        flags.append({"code": "ref_outside_range",
                      "message": f"V_ref = {V_ref_V:g} V is outside the swept range of a "
                                 "branch: no remanent difference"})
    if math.isfinite(lvl):
        out["V_cross_up_V"] = None if not math.isfinite(xu) else float(xu)
        out["V_cross_down_V"] = None if not math.isfinite(xd) else float(xd)
    if not math.isfinite(width):
        flags.append({"code": "no_crossing",
                      "message": "a branch never crosses the half-way level: no loop width"})
    elif ncu > 1 or ncd > 1:
        flags.append({"code": "multiple_crossings",
                      "message": f"the level is crossed {ncu} (up) and {ncd} (down) times: "
                                 "non-monotonic branch, the crossings nearest the middle "
                                 "of the range used"})
    return out


# --------------------------------------------------------------------------------------
# polarization


def polarization_order(labels: Sequence[str]) -> list[str]:
    """Distinct polarization labels in their reporting order.

    Poling voltages (``"+10 V"``, ``"-5"``, ``"200 mV"``) in increasing voltage when every
    label is one; otherwise ``up`` before ``down`` (and their synonyms), others after in
    alphabetical order.
    """
    seen = list(dict.fromkeys(str(x) for x in labels))
    volts = [_poling_voltage(x) for x in seen]
    if seen and all(v is not None for v in volts):
        return [x for _, x in sorted(zip(volts, seen, strict=True))]
    rank = {"up": 0, "down": 1}
    return sorted(seen, key=lambda x: (rank.get(_SWEEP_WORDS.get(x.strip().lower(), ""), 2),
                                       x))


def _poling_voltage(label: str) -> float | None:
    m = _VOLTAGE.match(label)
    if m is None:
        return None
    v = float(m.group(1))
    return v * 1e-3 if m.group(2) == "mV" else v


def _weighted_mean(x: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    ok = np.isfinite(x)
    x, s = x[ok], s[ok]
    if x.size == 0:
        return math.nan, math.nan
    if np.all(np.isfinite(s) & (s > 0)):
        w = 1 / s**2
        m = float(np.sum(w * x) / np.sum(w))
        err = float(1 / math.sqrt(np.sum(w)))
        if x.size > 1:  # scatter beyond the errors widens the error (scale factor)
            chi2 = float(np.sum(w * (x - m) ** 2)) / (x.size - 1)
            err *= math.sqrt(max(1.0, chi2))
        return m, err
    m = float(np.mean(x))
    return m, (float(np.std(x, ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.nan)


# --------------------------------------------------------------------------------------
# the series


@dataclass
class SeriesAnalysis:
    """Result of :func:`analyze_series`.

    Attributes
    ----------
    points
        One line per gate or polarization point (columns :data:`SERIES_COLUMNS`).
    gate
        One entry per gate series (sample, orientation): ``branches`` (points per
        branch), ``hysteresis`` (quantity -> :func:`hysteresis` result),
        ``tc_density_slope`` (or ``None``) and ``flags``.
    polarization
        One entry per sample with polarization states: ``states`` (label, number of
        rows, Tc and G_s weighted means with errors) and ``contrast`` (last minus first
        state).
    slopes
        Tc-density slope per orientation label (``"(111)"``): ``slope_K_cm2``,
        ``slope_K_cm2_err``, ``intercept_K``, ``intercept_K_err``, ``n_points``,
        ``chi2_red``, ``samples`` and ``flags``.
    flags
        Series-level notes (rows left out, ...).
    options
        The analysis options (Tc column, V_ref, level).
    density_points
        The (n2D, Tc) points of the slopes: every ``tc`` row with a density (columns
        ``row``, ``sample``, ``orientation``, ``branch``, ``n2d_cm2``, ``Tc_K``,
        ``Tc_K_err``).
    bkt
        One entry per sample with both a ``bkt-iv`` and a ``bkt-rt`` row (neither with
        the verdict fail): T_BKT from alpha = 3 against the Halperin-Nelson R(T) value,
        :func:`ktoanalysis.transport.iv.bkt_agreement` (``n_sigma``, ``consistent``).
    """

    points: pd.DataFrame
    gate: list[dict[str, Any]] = field(default_factory=list)
    polarization: list[dict[str, Any]] = field(default_factory=list)
    slopes: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: list[dict[str, str]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    density_points: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["row", "sample", "orientation", "branch", "n2d_cm2", "Tc_K", "Tc_K_err"]))
    bkt: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when the results hold no gate series, no polarization states and no
        Tc-density slope."""
        return not (self.gate or self.polarization or self.slopes or self.bkt)

    def to_dict(self) -> dict[str, Any]:
        """The document written to ``series/series.json`` (non-finite numbers as None)."""
        return _clean({"options": self.options, "gate_series": self.gate,
                       "polarization": self.polarization, "tc_density_slope": self.slopes,
                       "bkt_agreement": self.bkt, "flags": self.flags})

    def summary_lines(self) -> list[str]:
        """Short text lines of the main numbers (see :func:`summary_lines`)."""
        return summary_lines(self.to_dict())


def summary_lines(doc: Mapping[str, Any]) -> list[str]:
    """Short text lines of the main numbers of a series document (``series.json``, or
    :meth:`SeriesAnalysis.to_dict`); used by ``ktoanalysis demo``."""
    lines = []
    for g in doc.get("gate_series", []):
        for q, unit in (("Tc_K", "K"), ("G_s_S", "S")):
            h = g["hysteresis"].get(q)
            if h is None:
                continue
            lines.append(
                f"{g['sample']} {g['orientation']} {q}: loop width "
                f"{_pm(h['loop_width_V'], h['loop_width_V_err'])} V, remanent "
                f"difference at V_G = {h['V_ref_V']:g} V "
                f"{_pm(h['remanent_diff'], h['remanent_diff_err'])} {unit}"
                + (f" [{';'.join(f['code'] for f in h['flags'])}]" if h["flags"] else ""))
        sl = g.get("tc_density_slope")
        if sl:
            lines.append(f"{g['sample']} {g['orientation']} dTc/dn2D = "
                         f"{_pm(sl['slope_K_cm2'], sl['slope_K_cm2_err'])} K cm^2")
    for p in doc.get("polarization", []):
        c = p.get("contrast")
        if c:
            lines.append(f"{p['sample']} {p['orientation']} polarization {c['to']} vs "
                         f"{c['from']}: Tc difference "
                         f"{_pm(c['Tc_diff_K'], c['Tc_diff_K_err'])} K, G_s ratio "
                         f"{_pm(c['G_s_ratio'], c['G_s_ratio_err'])}")
    for o, sl in doc.get("tc_density_slope", {}).items():
        lines.append(f"{o} dTc/dn2D = {_pm(sl['slope_K_cm2'], sl['slope_K_cm2_err'])} "
                     f"K cm^2 over {sl['n_points']} points"
                     + (f" [{';'.join(f['code'] for f in sl['flags'])}]" if sl["flags"] else ""))
    for b in doc.get("bkt_agreement", []):
        n = b.get("n_sigma")
        verdict = ("agree" if b.get("consistent") else "disagree") if n is not None else \
            "no errors to compare"
        lines.append(f"{b['sample']} T_BKT: I-V {_pm(b['T_BKT_iv_K'], b['err_iv_K'])} K vs "
                     f"R(T) {_pm(b['T_BKT_rt_K'], b['err_rt_K'])} K: "
                     + (f"{n:.2g} sigma, {verdict}" if n is not None else verdict))
    return lines


def _pm(v: Any, e: Any) -> str:
    if v is None or not math.isfinite(v):
        return "-"
    if e is None or not math.isfinite(e) or e <= 0:
        return f"{v:.4g}"
    return f"{v:.4g} +/- {e:.2g}"


def _clean(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    return obj


def _col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.full(len(df), np.nan)
    return pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=float)


def _text_col(df: pd.DataFrame, name: str) -> np.ndarray:
    if name not in df.columns:
        return np.array([""] * len(df), dtype=object)
    return np.array(["" if (v is None or (isinstance(v, float) and math.isnan(v)))
                     else str(v).strip() for v in df[name]], dtype=object)


def _orientation_labels(df: pd.DataFrame) -> np.ndarray:
    if "orientation" not in df.columns:
        return np.array([""] * len(df), dtype=object)
    return np.array([orientation_label(v) for v in df["orientation"]], dtype=object)


def _read_table(path: Any) -> pd.DataFrame:
    return read_text_table(path, expected="a results.csv written by ktoanalysis batch")


def analyze_series(results: pd.DataFrame | str, *, tc_column: str = "Tc_mid_K",
                   V_ref_V: float = 0.0, level: Mapping[str, float] | None = None
                   ) -> SeriesAnalysis:
    """Series-level analysis of a results table: gate series, polarization states, slopes.

    Parameters
    ----------
    results
        The batch results table (``results.csv`` or its path / output folder), or any
        table with the columns ``row``, ``sample``, ``kind``, ``orientation``, ``Vg_V``,
        ``polarization``, ``n2d_cm2`` and the parameters of the ``tc`` rows (``tc_column``
        and ``R_N_ohm`` with their ``_err`` columns) and of the ``hall`` rows
        (``fit_n2d_cm2`` or ``n2d_cm2``). An optional ``sweep`` column (``up``/``down``)
        overrides the branch found from the order of the gate voltages.
    tc_column
        Tc column of the ``tc`` rows (K).
    V_ref_V
        Gate voltage of the remanent difference (V).
    level
        Loop-width level per quantity (``{"Tc_K": 0.6}``); default half-way (see the
        module documentation).

    Returns
    -------
    SeriesAnalysis
    """
    if not isinstance(results, pd.DataFrame):
        results = _read_table(results)
    df = results.reset_index(drop=True).copy()
    if "row" not in df.columns:
        df["row"] = np.arange(1, len(df) + 1)
    df["row"] = pd.to_numeric(df["row"], errors="coerce")
    df = df.sort_values("row", kind="stable").reset_index(drop=True)
    analysis = SeriesAnalysis(points=pd.DataFrame(columns=list(SERIES_COLUMNS)),
                              options={"tc_column": tc_column, "V_ref_V": float(V_ref_V),
                                       "level": dict(level or {})})
    kind = _text_col(df, "kind")
    quality = _text_col(df, "quality")
    failed = quality == "fail"
    if failed.any():
        analysis.flags.append({"code": "rows_left_out",
                               "message": "rows with verdict fail left out: " + ", ".join(
                                   str(r) for r in df["row"].to_numpy()[failed])})
    df = df[~failed].reset_index(drop=True)
    kind, quality = kind[~failed], quality[~failed]
    sample = _text_col(df, "sample")
    orient = _orientation_labels(df)
    pol = _text_col(df, "polarization")
    sweep = _text_col(df, "sweep")
    Vg = _col(df, "Vg_V")
    if "fit_n2d_cm2" in df.columns:
        hall_n, hall_ne = _col(df, "fit_n2d_cm2"), _col(df, "fit_n2d_cm2_err")
    else:
        hall_n, hall_ne = _col(df, "n2d_cm2"), _col(df, "n2d_cm2_err")
    meta_n = _col(df, "n2d_cm2")
    is_tc, is_hall = kind == "tc", kind == "hall"

    # branches per (sample, orientation, kind): from the sweep column or the V_G order
    branch = np.array([""] * len(df), dtype=object)
    segment = np.full(len(df), -1)
    turning = np.zeros(len(df), bool)
    for mask in (is_tc, is_hall):
        for key in sorted({(s, o) for s, o, m in zip(sample, orient, mask, strict=True) if m}):
            idx = np.flatnonzero(mask & (sample == key[0]) & (orient == key[1])
                                 & np.isfinite(Vg))
            if idx.size == 0:
                continue
            given = [_SWEEP_WORDS.get(str(x).lower(), "") for x in sweep[idx]]
            if all(given):
                b, sg, tp = given, [0 if g == "up" else 1 for g in given], [False] * idx.size
            else:
                b, sg, tp = sweep_branches(Vg[idx])
            branch[idx], segment[idx], turning[idx] = b, sg, tp

    # points: tc rows with a gate voltage or a polarization state
    rows = []
    Tc, Tce = _col(df, tc_column), _col(df, f"{tc_column}_err")
    Rn, Rne = _col(df, "R_N_ohm"), _col(df, "R_N_ohm_err")
    hall_rows = np.flatnonzero(is_hall & np.isfinite(hall_n))
    for i in np.flatnonzero(is_tc & (np.isfinite(Vg) | (pol != ""))):
        n, ne, src, hrow = meta_n[i], math.nan, "manifest" if np.isfinite(meta_n[i]) else "", None
        if np.isfinite(Vg[i]):
            cand = [j for j in hall_rows if sample[j] == sample[i] and orient[j] == orient[i]
                    and np.isfinite(Vg[j]) and Vg[j] == Vg[i] and branch[j] == branch[i]
                    and pol[j] == pol[i]]
        else:
            cand = [j for j in hall_rows if sample[j] == sample[i] and orient[j] == orient[i]
                    and not np.isfinite(Vg[j]) and pol[j] == pol[i]]
        if cand:
            j = min(cand, key=lambda j: abs(int(df["row"][j]) - int(df["row"][i])))
            n, ne, src, hrow = hall_n[j], hall_ne[j], "hall", int(df["row"][j])
        G = 1 / Rn[i] if Rn[i] > 0 else math.nan
        rows.append({"sample": sample[i], "orientation": orient[i], "polarization": pol[i],
                     "Vg_V": Vg[i], "branch": branch[i], "segment": int(segment[i]),
                     "turning_point": bool(turning[i]), "in_loop": False,
                     "row": int(df["row"][i]), "Tc_K": Tc[i], "Tc_K_err": Tce[i],
                     "R_s_ohm": Rn[i], "R_s_ohm_err": Rne[i], "G_s_S": G,
                     "G_s_S_err": Rne[i] / Rn[i] ** 2 if Rn[i] > 0 else math.nan,
                     "n2d_cm2": n, "n2d_cm2_err": ne, "n2d_source": src, "hall_row": hrow,
                     "quality": quality[i]})
    points = pd.DataFrame(rows, columns=list(SERIES_COLUMNS))
    levels = dict(level or {})

    # gate series
    gate_mask = np.isfinite(points["Vg_V"].to_numpy(dtype=float)) if len(points) else \
        np.zeros(0, bool)
    for key in list(dict.fromkeys(zip(points["sample"][gate_mask],
                                      points["orientation"][gate_mask], strict=True))):
        sel = np.flatnonzero(gate_mask & (points["sample"] == key[0]).to_numpy()
                             & (points["orientation"] == key[1]).to_numpy())
        sub = points.iloc[sel]
        V = sub["Vg_V"].to_numpy(dtype=float)
        br, sg = list(sub["branch"]), list(sub["segment"])
        loop = _loop_segments(br, sg, V)
        # loop points; the turning point opening a used segment joins it as well
        Vl, bl, pos = [], [], []
        for k, (b, s) in enumerate(zip(br, sg, strict=True)):
            if loop.get(b) == s:
                Vl.append(V[k]), bl.append(b), pos.append(k)
            if sub["turning_point"].iloc[k]:
                nb = "down" if b == "up" else "up"
                if loop.get(nb) == s + 1:
                    Vl.append(V[k]), bl.append(nb), pos.append(k)
        points.loc[points.index[sel[sorted(set(pos))]], "in_loop"] = True
        entry: dict[str, Any] = {
            "sample": key[0], "orientation": key[1], "n_points": int(sel.size),
            "Vg_range_V": [float(np.min(V)), float(np.max(V))],
            "branches": {b: int(bl.count(b)) for b in ("up", "down")},
            "rows": [int(r) for r in sub["row"]], "hysteresis": {}, "flags": []}
        for q in HYSTERESIS_QUANTITIES:
            vals = sub[q].to_numpy(dtype=float)[pos]
            if not np.all(np.isfinite(vals)):
                continue
            errs = sub[f"{q}_err"].to_numpy(dtype=float)[pos]
            entry["hysteresis"][q] = hysteresis(Vl, vals, errs, bl, V_ref_V=V_ref_V,
                                                level=levels.get(q))
        n = sub["n2d_cm2"].to_numpy(dtype=float)
        entry["tc_density_slope"] = _slope(n, sub["Tc_K"].to_numpy(dtype=float),
                                           sub["Tc_K_err"].to_numpy(dtype=float),
                                           [key[0]] * sel.size)
        analysis.gate.append(entry)

    # polarization states
    pol_mask = (points["polarization"] != "").to_numpy() if len(points) else np.zeros(0, bool)
    for key in list(dict.fromkeys(zip(points["sample"][pol_mask],
                                      points["orientation"][pol_mask], strict=True))):
        sub = points[pol_mask & (points["sample"] == key[0]).to_numpy()
                     & (points["orientation"] == key[1]).to_numpy()]
        states = []
        for label in polarization_order(sub["polarization"]):
            st = sub[sub["polarization"] == label]
            tc, tce = _weighted_mean(st["Tc_K"].to_numpy(float), st["Tc_K_err"].to_numpy(float))
            g, ge = _weighted_mean(st["G_s_S"].to_numpy(float), st["G_s_S_err"].to_numpy(float))
            states.append({"polarization": label, "poling_voltage_V": _poling_voltage(label),
                           "n_rows": int(len(st)), "rows": [int(r) for r in st["row"]],
                           "Tc_K": tc, "Tc_K_err": tce, "G_s_S": g, "G_s_S_err": ge})
        entry = {"sample": key[0], "orientation": key[1], "states": states, "contrast": None}
        if len(states) >= 2:
            a, b = states[0], states[-1]
            ratio = b["G_s_S"] / a["G_s_S"]
            entry["contrast"] = {
                "from": a["polarization"], "to": b["polarization"],
                "Tc_diff_K": b["Tc_K"] - a["Tc_K"],
                "Tc_diff_K_err": math.hypot(a["Tc_K_err"], b["Tc_K_err"]),
                "G_s_ratio": ratio,
                "G_s_ratio_err": abs(ratio) * math.hypot(a["G_s_S_err"] / a["G_s_S"],
                                                         b["G_s_S_err"] / b["G_s_S"])}
        analysis.polarization.append(entry)

    # Tc-density slope per orientation: every tc row with a density (gate points with the
    # Hall density of their gate voltage)
    by_row = {int(r): k for k, r in enumerate(points["row"])}
    dens = meta_n.copy()
    for i in np.flatnonzero(is_tc):
        k = by_row.get(int(df["row"][i]))
        if k is not None:
            dens[i] = float(points["n2d_cm2"].iloc[k])
    for o in sorted({o for o, m in zip(orient, is_tc, strict=True) if m and o}):
        m = is_tc & (orient == o)
        sl = _slope(dens[m], Tc[m], Tce[m], list(sample[m]))
        if sl is not None:
            analysis.slopes[o] = sl
    m = is_tc & np.isfinite(dens) & np.isfinite(Tc)
    analysis.density_points = pd.DataFrame({
        "row": df["row"].to_numpy()[m].astype(int), "sample": sample[m],
        "orientation": orient[m], "branch": branch[m], "n2d_cm2": dens[m], "Tc_K": Tc[m],
        "Tc_K_err": Tce[m]})
    analysis.points = points
    analysis.bkt = _bkt_agreements(df)
    return analysis


def _bkt_agreements(df: pd.DataFrame) -> list[dict[str, Any]]:
    """T_BKT of the I-V power law against the Halperin-Nelson R(T) fit, per sample that has
    both (the first usable row of each kind; rows with the verdict fail are left out)."""
    from ..errors import FitError
    from ..transport.iv import bkt_agreement

    kind, sample = _text_col(df, "kind"), _text_col(df, "sample")
    failed = _text_col(df, "quality") == "fail"
    T, Te = _col(df, "T_BKT_K"), _col(df, "T_BKT_K_err")
    rows = df["row"].to_numpy()
    out = []
    for name in dict.fromkeys(sample):
        pick = {}
        for k in ("bkt-iv", "bkt-rt"):
            idx = np.flatnonzero((sample == name) & (kind == k) & ~failed & np.isfinite(T))
            if idx.size:
                pick[k] = int(idx[0])
        if len(pick) < 2:
            continue
        i, j = pick["bkt-iv"], pick["bkt-rt"]
        try:
            agree = bkt_agreement((T[i], Te[i]), (T[j], Te[j]))
        except FitError:
            continue
        out.append({"sample": name, "row_iv": int(rows[i]), "row_rt": int(rows[j]), **agree})
    return out


def _slope(n: np.ndarray, T: np.ndarray, Te: np.ndarray,
           samples: Sequence[str]) -> dict[str, Any] | None:
    ok = np.isfinite(n) & np.isfinite(T) & (n > 0)
    if np.unique(n[ok]).size < 2:
        return None
    e = Te[ok]
    weighted = bool(np.all(np.isfinite(e) & (e > 0)))
    try:
        slope, icpt = tc_density_slope(n[ok], T[ok], e if weighted else None)
    except FitError:
        return None
    out: dict[str, Any] = {"n_points": int(ok.sum()),
                           "samples": sorted(set(np.asarray(samples, dtype=object)[ok])),
                           "flags": [], "chi2_red": None}
    val = [getattr(slope, "nominal_value", slope), getattr(icpt, "nominal_value", icpt)]
    err = [getattr(slope, "std_dev", math.nan), getattr(icpt, "std_dev", math.nan)]
    if weighted and ok.sum() > 2:
        resid = T[ok] - (val[0] * n[ok] + val[1])
        chi2 = float(np.sum((resid / e) ** 2)) / (ok.sum() - 2)
        out["chi2_red"] = chi2
        if chi2 > 1:
            # scatter beyond the Tc errors (different samples, other causes): errors
            # scaled by sqrt(chi2_red)
            err = [x * math.sqrt(chi2) for x in err]
            if chi2 > 4:
                out["flags"].append({"code": "trend_scatter",
                                     "message": f"reduced chi-square {chi2:.3g}: the points "
                                                "scatter beyond their errors about the line; "
                                                "errors scaled by sqrt(chi2_red)"})
    elif weighted:
        out["flags"].append({"code": "two_points",
                             "message": "two densities: the line goes through both points, "
                                        "its error from theirs only"})
    out.update(slope_K_cm2=float(val[0]), slope_K_cm2_err=float(err[0]),
               intercept_K=float(val[1]), intercept_K_err=float(err[1]))
    return out
