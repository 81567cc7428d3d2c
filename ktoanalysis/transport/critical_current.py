"""Critical currents of I-V curves: switching, retrapping, hysteresis, further steps, Ic(T).

Kind ``critical-current`` (docs/models/iv_power_law.md, "Critical current I_c ... define by a
voltage criterion, default 3 sigma_V above the zero branch"; **ASSUMPTION (ic_criterion)**).

Input: I-V curves with a current ``I_A`` (or a bridge ``excitation_A`` /
``excitation_chN_A`` column: PPMS Resistivity excitation sweeps) and a voltage ``V_V``, a
channel voltage ``V_chN_V``, or a resistance times the current (``R_ohm*I_A``, ``V = R I``).
One curve per file, or several per file split by the ``T_K`` column; files at the same
temperature (up and down sweeps given as two files) are joined in file order.

Per curve (:func:`analyze_curve`):

1. **Sweep segments.** The acquisition order is cut into runs of constant current sign
   (branch ``pos``/``neg``) and constant direction of ``|I|``: where ``|I|`` increases the
   superconducting state *switches* to the resistive one, where it decreases it is
   *retrapped*.
2. **Noise floor** (:func:`noise_floor`). ``V0`` (offset: thermo-EMF) is the median of the
   superconducting points, ``sigma_V`` the robust second-difference scatter (MAD) of the
   contiguous superconducting runs; two passes starting from the whole curve. A given
   ``sigma_V_V`` replaces the estimate (checked against it: ``noise_inconsistent``).
3. **Criterion** (option ``criterion``). A point is resistive when

   * ``voltage``: ``|V - V0| > V_c`` (``threshold_V``);
   * ``resistance``: ``|V - V0|/|I| > R_c`` (``threshold_ohm``) and ``|V - V0|`` above
     the noise floor ``noise_k*sigma_V`` (a fixed R_c alone triggers on noise at small
     currents, where ``sigma_V/|I|`` is large);
   * ``differential``: ``dV/dI`` between neighbouring points above ``threshold_ohm``.

   Defaults from the measured noise floor, never a fixed 1 uV: ``V_c = noise_k*sigma_V``
   (``noise_k = 5``: one false trigger in ~3e6 points of white noise);
   ``R_c = noise_k*sigma_V/I_top``, with ``I_top`` the highest current of the
   superconducting branch of the segment (the resistance ``V_c`` represents at the
   transition); ``(dV/dI)_c = noise_k*sqrt(2)*sigma_V/dI`` (dI the median current step).
4. **Transition** of a segment, ordered by ``|I|``: the end of the leading superconducting
   run (two resistive points in a row, or the last point). Between the last
   superconducting point ``I_a`` and the first resistive one ``I_b``:

   * a **jump** (the rise exceeds what the slopes on either side explain by
     ``step_k*sqrt(2)*sigma``): the transition lies anywhere in ``(I_a, I_b]``; the value is
     the midpoint, its sampling error the half-width of the central 68.3 % of that
     uniform interval, ``0.683*(I_b - I_a)/2`` (the standard deviation ``dI/sqrt(12)``
     covers only 57.7 %);
   * a **smooth rise**: the criterion crossing of a weighted quadratic through the points
     ``j-4 .. j+3`` around it (a straight line with fewer than 6 points, the bracketing
     pair with fewer than 5); statistical error from its covariance (delta method,
     about ``sigma_V/slope``); sampling error the shift between the quadratic and the
     straight local fit beyond twice its noise
     (:func:`~ktoanalysis.transport.quality.excess_shift`); systematic ``"criterion"``
     (default thresholds only): the
     shift of the crossing when the threshold moves by the relative error of the noise
     estimate, ``1/sqrt(2 n)`` for ``n`` superconducting points.

   Switching currents come from the segments where ``|I|`` increases (``I_switch_A``,
   ``I_switch_neg_A``), retrapping currents from those where it decreases
   (``I_retrap_A``, ``I_retrap_neg_A``); negative-branch currents are signed (< 0).
   Repeated sweeps of one kind are averaged (error: the larger of the propagated error
   and the standard error of the scatter); the hysteresis ``|I_switch| - |I_retrap|``
   (``hysteresis_A``, ``hysteresis_neg_A``) combines the budgets of both.
5. **Steps** (:func:`find_steps`). Every jump of ``V`` along ``|I|`` whose excess over the
   local smooth rise (median slope of the neighbouring intervals) exceeds ``step_k``
   (default 6) times ``sqrt(2)`` times the local noise is listed in
   ``provenance["steps"]``: segment, branch, direction, current (midpoint, with the
   68.3 % sampling half-width), jump in V (excess, with its noise and the sampling part
   ``|dR|*0.683*dI/2``), jump in R = V/I across the step (with its noise), and its role
   (``switching``, ``retrapping`` or ``step``).

Several temperatures: ``Ic(T)`` (option ``ic_branch``: switching or retrapping currents,
the mean of ``|I|`` over the branches present) is fitted with the forms of ``ic_models``
(:func:`fit_ic_temperature`): ``gl`` ``Ic0 (1 - T/Tc)^(3/2)``, ``ab`` Ambegaokar-Baratoff
``pi Delta(T)/(2 e R_N) tanh(Delta(T)/(2 k_B T))`` with the BCS gap
(:func:`~ktoanalysis.transport.lineshapes.bcs_gap_reduced`, ``Delta(0) = gap_ratio k_B
Tc``), ``power`` ``Ic0 (1 - T/Tc)^p``; each when the temperatures outnumber its parameters.
``Tc_K`` is the Tc of the fitted form with the lowest AIC among those without failing
flags.

Quality flags: ``no_transition`` (kind-specific, warn: a segment without a transition:
resistive from its lowest current, or no zero-voltage branch: V rises significantly below
the criterion and the slope at the crossing is significantly (2 sigma) less than twice
that slope, an Ohmic curve
whose noise-floor crossing is no critical current),
``criterion_not_reached`` (warn: a segment never reaches the criterion; its current is
null), ``criterion_in_noise`` (kind-specific: a given threshold below 3 sigma_V, warn;
below 2 sigma_V, fail: the criterion triggers on noise), ``weak_transition``
(kind-specific, warn: the voltage just above the transition is below twice the
threshold: criterion too close to the signal), ``negative_hysteresis`` (kind-specific,
warn: retrapping above switching by more than 3 sigma), ``noise_estimate`` (warn: fewer
than 8 superconducting points for the noise), ``noise_inconsistent``, and for Ic(T) fits
``bad_fit`` / ``systematic_residuals`` / ``at_bound``. No transition anywhere in the data
is refused (:class:`~ktoanalysis.errors.RefusedError`, exit 3); an Ohmic curve without
any zero-voltage branch fails ``wrong_data_kind``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import DataFormatError, FitError, KtoError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .lineshapes import BCS_GAP_RATIO
from .models import IcABModel, IcGLModel, IcPowerLawModel
from .quality import (
    Flag,
    Quality,
    check_noise_consistency,
    excess_shift,
    fail,
    noise_from_differences,
    warn,
)
from .result import ErrorBudget, FitResult, array_fit_result, as_param, combine_errors

__all__ = ["Curve", "curves_from_measurements", "sweep_segments", "noise_floor",
           "find_steps", "analyze_curve", "fit_ic_temperature", "COVER68", "SPEC", "OPTIONS",
           "analyze", "plot"]

#: half-width of the central 68.27 % of a uniform interval, in units of its half-width
COVER68 = 0.6827
#: minimum superconducting points for a trusted noise estimate
_MIN_SC_POINTS = 8
#: a significant slope below the criterion that the slope at the crossing does not exceed
#: by this factor is an Ohmic rise (no kink), not a transition
_KINK = 2.0
_MODELS = {"gl": (IcGLModel, 2), "ab": (IcABModel, 2), "power": (IcPowerLawModel, 3)}


# ---------------------------------------------------------------------------------------
# curves


@dataclass(frozen=True)
class Curve:
    """One I-V curve at fixed temperature, in acquisition order.

    Attributes
    ----------
    T_K
        Temperature (K), NaN when unknown.
    I_A, V_V
        Current (A) and voltage (V), acquisition order, both signs.
    source
        File name(s).
    voltage
        How the voltage was obtained (column name or ``R*I``).
    """

    T_K: float
    I_A: np.ndarray
    V_V: np.ndarray
    source: str
    voltage: str


def _current(m: Measurement, ch: str | None) -> tuple[np.ndarray, str]:
    for name in ("I_A", f"excitation_ch{ch}_A" if ch else "", "excitation_A"):
        if name and name in m.data.columns:
            return m.column(name), name
    exc = [c for c in m.columns if c.startswith("excitation_ch") and c.endswith("_A")]
    if exc:
        return m.column(exc[0]), exc[0]
    raise DataFormatError("no current column for an I-V curve", file=m.source, column="I_A",
                          expected="a current column such as 'I (uA)' or a bridge "
                                   "excitation column")


def _channel(m: Measurement, channel: Any) -> str | None:
    ch = m.metadata.get("channel") if channel is None else channel
    if ch is None:
        return None
    text = str(ch)
    if text.startswith("R_ch") or text.startswith("V_ch"):
        text = text[4:].split("_")[0]
    return text


def _voltage(m: Measurement, I: np.ndarray, channel: Any) -> tuple[np.ndarray, str]:
    """Voltage of a measurement: V_V, V_chN_V, or R*I (channel from ``channel``)."""
    ch = _channel(m, channel)
    cols = m.columns
    if ch is None and "V_V" in cols:
        return m.column("V_V"), "V_V"
    vch = [c for c in cols if c.startswith("V_ch") and c.endswith("_V")]
    if ch is not None and f"V_ch{ch}_V" in cols:
        return m.column(f"V_ch{ch}_V"), f"V_ch{ch}_V"
    if ch is None and vch:
        rcol = m.resistance_columns()
        pick = next((c for c in vch if rcol and c == "V_ch" + rcol[0][4:-4] + "_V"), vch[0])
        return m.column(pick), pick
    rname = m.resistance_column(ch)  # raises DataFormatError with the columns present
    return m.column(rname) * I, f"{rname}*I"


def _temperature_tol(T: np.ndarray, given: float | None) -> float:
    if given is not None:
        return float(given)
    from .sweeps import noise_of_steps

    T = T[np.isfinite(T)]
    if T.size == 0:
        return 1e-4
    return max(5.0 * noise_of_steps(T), 5e-3 * float(np.median(np.abs(T))), 1e-4)


def curves_from_measurements(measurements: list[Measurement], *, channel: Any = None,
                             T_tol_K: float | None = None) -> list[Curve]:
    """I-V curves from loaded files, one per temperature.

    Parameters
    ----------
    measurements
        Loaded files (SI columns).
    channel
        Voltage / resistance channel (number or column name); default the file's
        ``metadata['channel']``, else ``V_V``, else the first channel.
    T_tol_K
        Temperature tolerance splitting a ``T_K`` column into curves and joining files;
        default ``max(5 sigma_T, 0.5 % of T, 0.1 mK)`` with ``sigma_T`` the point-to-point
        scatter of the file's own temperature readings.

    Returns
    -------
    list of Curve
        Sorted by temperature (files without a temperature last, one curve each).

    Raises
    ------
    DataFormatError
        No current or voltage column.
    """
    from .sweeps import group_blocks

    parts: list[tuple[float, float, np.ndarray, np.ndarray, str, str]] = []
    for m in measurements:
        I, iname = _current(m, _channel(m, channel))
        V, vname = _voltage(m, I, channel)
        ok = np.isfinite(I) & np.isfinite(V)
        Tcol = m.column("T_K") if "T_K" in m.data.columns else np.full(I.size, np.nan)
        src = str(m.source)
        how = vname if iname == "I_A" else f"{vname} (current from {iname})"
        if np.isfinite(Tcol[ok]).any():
            tol = _temperature_tol(Tcol[ok], T_tol_K)
            okT = ok & np.isfinite(Tcol)
            labels = group_blocks(Tcol[okT], tol)
            for lab in np.unique(labels[labels >= 0]):
                sel = labels == lab
                parts.append((float(np.mean(Tcol[okT][sel])), tol, I[okT][sel], V[okT][sel],
                              src, how))
        else:
            T = m.metadata.get("T_K")
            T = float(T) if T is not None else float("nan")
            parts.append((T, _temperature_tol(np.array([T]), T_tol_K), I[ok], V[ok], src, how))
    parts.sort(key=lambda p: (math.isnan(p[0]), p[0]))
    merged: list[list[Any]] = []
    for T, tol, I, V, src, how in parts:
        last = merged[-1] if merged else None
        if last is not None and not math.isnan(T) and not math.isnan(last[0]) and \
                abs(T - last[0]) <= max(tol, last[1]):
            n0, n1 = last[2].size, I.size
            last[0] = (last[0] * n0 + T * n1) / (n0 + n1)
            last[2], last[3] = np.concatenate([last[2], I]), np.concatenate([last[3], V])
            if src not in last[4]:
                last[4] += f", {src}"
        else:
            merged.append([T, tol, I, V, src, how])
    return [Curve(float(T), I, V, src, how) for T, _, I, V, src, how in merged]


# ---------------------------------------------------------------------------------------
# segments and noise


def sweep_segments(I_A: np.ndarray, min_points: int = 3) -> list[dict[str, Any]]:
    """Cut an acquisition-ordered current into runs of constant sign and ``|I|`` direction.

    Parameters
    ----------
    I_A
        Current (A) in acquisition order.
    min_points
        Shorter runs are dropped.

    Returns
    -------
    list of dict
        ``index`` (point positions), ``branch`` (``"pos"``/``"neg"``), ``direction``
        (``"increasing"``: switching, ``"decreasing"``: retrapping), in order. Zero-current
        points belong to no segment.
    """
    I = np.asarray(I_A, float)
    n = I.size
    a = np.abs(I)
    s = np.sign(I)
    d = np.zeros(n)
    for i in range(n):  # direction of |I| into the point (same branch), else out of it
        if i > 0 and s[i - 1] == s[i] and a[i] != a[i - 1]:
            d[i] = np.sign(a[i] - a[i - 1])
        elif i > 0 and s[i - 1] == s[i] and d[i - 1] != 0:
            d[i] = d[i - 1]
        elif i + 1 < n and s[i + 1] == s[i] and a[i + 1] != a[i]:
            d[i] = np.sign(a[i + 1] - a[i])
    for i in range(n - 2, -1, -1):  # a leading hold takes the direction that follows
        if d[i] == 0 and s[i] == s[i + 1]:
            d[i] = d[i + 1]
    segs: list[dict[str, Any]] = []
    start = 0
    for i in range(1, n + 1):
        if i == n or s[i] != s[start] or d[i] != d[start]:
            if s[start] != 0 and d[start] != 0 and i - start >= min_points:
                segs.append({"index": np.arange(start, i),
                             "branch": "pos" if s[start] > 0 else "neg",
                             "direction": "increasing" if d[start] > 0 else "decreasing"})
            start = i
    return segs


def _pooled_d2_sigma(V: np.ndarray, mask: np.ndarray) -> tuple[float, int]:
    """MAD scatter of second differences inside contiguous runs of ``mask``."""
    d2 = []
    idx = np.flatnonzero(mask)
    if idx.size:
        cuts = np.flatnonzero(np.diff(idx) > 1) + 1
        for run in np.split(idx, cuts):
            if run.size >= 3:
                v = V[run]
                d2.append(v[2:] - 2 * v[1:-1] + v[:-2])
    if not d2:
        return float("nan"), int(mask.sum())
    x = np.concatenate(d2)
    return float(1.4826 * np.median(np.abs(x - np.median(x))) / math.sqrt(6.0)), int(mask.sum())


def noise_floor(I_A: np.ndarray, V_V: np.ndarray, *, noise_k: float = 5.0
                ) -> dict[str, Any]:
    """Offset and white noise of the superconducting (zero-voltage) branch.

    Two passes: start from the whole curve (second-difference MAD, offset = median of the
    lowest-``|I|`` tenth), then keep the points within ``noise_k`` sigma of the offset and
    re-estimate both on them: the scatter from contiguous runs only (jumps between the
    branches do not enter), the offset from the lower-current half of them (the foot of
    a smooth rise below the criterion does not bias it).

    Parameters
    ----------
    I_A, V_V
        Current (A) and voltage (V), acquisition order.
    noise_k
        Points within ``noise_k*sigma`` of the offset count as superconducting.

    Returns
    -------
    dict
        ``sigma_V`` (V), ``V0_V`` (V), ``n_sc`` (superconducting points used), ``sc``
        (boolean mask).
    """
    I = np.asarray(I_A, float)
    V = np.asarray(V_V, float)
    scale = max(float(np.max(np.abs(V))) if V.size else 0.0, 1e-300)
    floor = max(1e-12 * scale, 1e-18)
    sig = noise_from_differences(V)
    sig = max(sig if math.isfinite(sig) else 0.0, floor)
    a = np.abs(I)
    low = a <= np.quantile(a, 0.1) if a.size else a.astype(bool)
    v0 = float(np.median(V[low])) if low.any() else 0.0
    sc = np.abs(V - v0) <= noise_k * sig
    for _ in range(2):
        s2, n = _pooled_d2_sigma(V, sc)
        if n < 5 or not math.isfinite(s2):
            break
        sig = max(s2, floor)
        low_sc = sc & (a <= np.median(a[sc]))  # lower half: not the foot of a smooth rise
        v0 = float(np.median(V[low_sc]))
        sc = np.abs(V - v0) <= noise_k * sig
    return {"sigma_V": float(sig), "V0_V": v0, "n_sc": int(sc.sum()), "sc": sc}


# ---------------------------------------------------------------------------------------
# steps and transitions


def _slopes(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    dx = np.diff(x)
    return np.diff(y) / np.where(dx > 0, dx, np.inf)


def find_steps(x: np.ndarray, y: np.ndarray, sigma: float, *, step_k: float = 6.0,
               sigma_resistive: float | None = None) -> list[dict[str, Any]]:
    """Jumps of ``y`` along increasing ``x`` beyond the local smooth rise.

    For the interval ``(x[i-1], x[i]]`` the excess is ``y[i] - y[i-1] - s*(x[i] - x[i-1])``
    with ``s`` the median slope of the two intervals on either side; a step is an excess
    above ``step_k*sqrt(2)*sigma_loc`` (``sigma_loc``: ``sigma`` below the criterion,
    ``max(sigma, sigma_resistive)`` above); adjacent step intervals keep the largest.

    Parameters
    ----------
    x
        ``|I|`` (A), strictly increasing.
    y
        Voltage above the offset, signed with the current (V).
    sigma
        Noise of the superconducting branch (V).
    step_k
        Significance of a step (in sigma of a difference).
    sigma_resistive
        Noise of the resistive points (V), if larger.

    Returns
    -------
    list of dict
        ``i`` (index of the first point after the step), ``excess_V``, ``sigma_V``.
    """
    n = x.size
    if n < 2:
        return []
    sl = _slopes(x, y)
    sig_hi = max(sigma, sigma_resistive or 0.0)

    m = sl.size
    dx = np.diff(x)
    big = np.maximum(np.abs(y[1:]), np.abs(y[:-1])) > step_k * sigma
    sig_k = np.where(big, sig_hi, sigma)

    def excesses(skip: set[int]) -> list[tuple[float, float]]:
        s_ok = sl.astype(float).copy()
        if skip:
            s_ok[list(skip)] = np.nan
        pad = np.r_[np.full(2, np.nan), s_ok, np.full(2, np.nan)]
        k = np.arange(m)
        near = np.stack([pad[k], pad[k + 1], pad[k + 3], pad[k + 4]], axis=1)
        with warnings.catch_warnings():  # all-NaN rows: no neighbour left
            warnings.simplefilter("ignore", RuntimeWarning)
            s = np.nanmedian(near, axis=1)
        s = np.where(np.isfinite(s), s, 0.0)
        ex = np.diff(y) - s * dx
        return list(zip(ex.tolist(), sig_k.tolist(), strict=True))

    def significant(ex: list[tuple[float, float]]) -> list[int]:
        return [k for k, (e, sg) in enumerate(ex) if abs(e) > step_k * math.sqrt(2.0) * sg]

    # pass 1: the local maxima among significant intervals are steps; pass 2 recomputes
    # the smooth rise without them (a step inflates the median slope next to it)
    ex1 = excesses(set())
    cand = significant(ex1)
    skip = {k for k in cand if all(abs(ex1[k][0]) >= abs(ex1[j][0])
                                   for j in (k - 1, k + 1) if 0 <= j < len(ex1))}
    ex2 = excesses(skip)
    found: list[dict[str, Any]] = []
    for k in significant(ex2):
        excess, sig = ex2[k]
        i = k + 1
        if found and found[-1]["i"] == i - 1 and np.sign(found[-1]["excess_V"]) == \
                np.sign(excess):
            if abs(excess) > abs(found[-1]["excess_V"]):
                found[-1] = {"i": i, "excess_V": excess, "sigma_V": sig}
            continue
        found.append({"i": i, "excess_V": excess, "sigma_V": sig})
    return found


def _resistive(x: np.ndarray, y: np.ndarray, criterion: str, thr: float, sigma: float,
               noise_k: float) -> np.ndarray:
    ay = np.abs(y)
    if criterion == "voltage":
        return ay > thr
    if criterion == "resistance":
        return (ay > noise_k * sigma) & (ay / np.maximum(x, 1e-300) > thr)
    r = np.zeros(x.size, dtype=bool)
    r[1:] = np.abs(_slopes(x, y)) > thr
    return r


def _leading_end(res: np.ndarray, persist: bool) -> int | None:
    """Index of the first resistive point ending the leading superconducting run."""
    n = res.size
    for j in range(n):
        if res[j] and (not persist or j == n - 1 or res[j + 1]):
            return j
    return None


def _segment_threshold(criterion: str, given: float | None, sigma: float, noise_k: float,
                       x: np.ndarray, y: np.ndarray) -> float:
    if given is not None:
        return float(given)
    if criterion == "voltage":
        return noise_k * sigma
    if criterion == "differential":
        dx = np.diff(x)
        dx = dx[dx > 0]
        return noise_k * math.sqrt(2.0) * sigma / float(np.median(dx)) if dx.size else math.inf
    # resistance: what V_c represents at the top of the superconducting branch
    j = _leading_end(np.abs(y) > noise_k * sigma, True)
    top = x[j - 1] if j is not None and j > 0 else (x[-1] if j is None else x[0])
    return noise_k * sigma / max(float(top), 1e-300)


def _crossing(x: np.ndarray, y: np.ndarray, j: int, *, criterion: str, thr: float,
              sigma: float, jump: bool, thr_rel_err: float) -> dict[str, Any]:
    """Transition current between x[j-1] and x[j] with its error budget."""
    xa, xb = float(x[j - 1]), float(x[j])
    half = 0.5 * (xb - xa)
    if jump or criterion == "differential":
        return {"I_A": xa + half, "stat": 0.0, "sampling": COVER68 * half, "sys": {},
                "shape": "jump" if jump else "differential crossing"}
    t = thr
    xs = np.maximum(x, 1e-300)
    z = np.abs(y) if criterion == "voltage" else np.abs(y) / xs
    sz = np.full(x.size, sigma) if criterion == "voltage" else sigma / xs
    za, zb = float(z[j - 1]), float(z[j])
    u = min(max((t - za) / (zb - za), 0.0), 1.0) if zb > za else 0.5
    lin = xa + u * (xb - xa)
    fits = {deg: _poly_crossing(x, z, sz, j, t, lin, deg) for deg in (1, 2)}
    best = fits[2] or fits[1]
    sys: dict[str, float] = {}
    if best is None:  # no usable local fit: the bracketing pair
        slope = (zb - za) / (xb - xa)
        stat = min(float(sz[j]) / slope, 2 * half) if slope > 0 else COVER68 * half
        if thr_rel_err > 0 and slope > 0:
            sys["criterion"] = min(thr_rel_err * t / slope, 2 * half)
        return {"I_A": lin, "stat": float(stat), "sampling": COVER68 * half, "sys": sys,
                "shape": "smooth (bracketing pair)"}
    I_x, stat, slope = best
    samp = 0.0
    if fits[1] is not None and fits[2] is not None:
        samp = excess_shift(fits[2][0] - fits[1][0], math.sqrt(abs(fits[2][1] ** 2
                                                                    - fits[1][1] ** 2)),
                            threshold=2.0)
    if thr_rel_err > 0:
        sys["criterion"] = min(thr_rel_err * t / slope, 2 * half)
    return {"I_A": float(I_x), "stat": float(stat), "sampling": float(samp), "sys": sys,
            "shape": "smooth"}


def _poly_crossing(x: np.ndarray, z: np.ndarray, sz: np.ndarray, j: int, t: float,
                   start: float, deg: int) -> tuple[float, float, float] | None:
    """Crossing ``p(I) = t`` of a weighted polynomial of degree ``deg`` through the points
    ``j-4 .. j+3`` (at least ``deg + 4``): (current, its error by the delta method, slope)."""
    lo, hi = max(0, j - 4), min(x.size, j + 4)
    if hi - lo < deg + 4:
        return None
    h = float(x[j] - x[j - 1])
    c0 = float(x[j - 1])
    u = (x[lo:hi] - c0) / h
    w = 1.0 / sz[lo:hi]
    A = np.vander(u, deg + 1, increasing=True)
    try:
        cov = np.linalg.inv((A * w[:, None] ** 2).T @ A)
    except np.linalg.LinAlgError:
        return None
    c = cov @ (A * w[:, None] ** 2).T @ z[lo:hi]
    roots = np.roots((c - np.r_[t, np.zeros(deg)])[::-1])
    roots = roots[np.isreal(roots)].real
    roots = roots[(roots >= u.min() - 1.0) & (roots <= u.max() + 1.0)]
    if roots.size == 0:
        return None
    r = float(roots[np.argmin(np.abs(roots - (start - c0) / h))])
    dp = float(sum(k * c[k] * r ** (k - 1) for k in range(1, deg + 1)))
    if dp <= 0:
        return None
    g = np.array([r ** k for k in range(deg + 1)])
    sig_u = math.sqrt(max(float(g @ cov @ g), 0.0)) / dp
    return c0 + r * h, sig_u * h, dp / h


def _is_jump(x: np.ndarray, y: np.ndarray, j: int, sigma: float, step_k: float) -> bool:
    sl = _slopes(x, np.abs(y))
    k = j - 1
    near = [sl[i] for i in (k - 1, k + 1) if 0 <= i < sl.size]
    s = max(max(near) if near else 0.0, 0.0)
    rise = abs(float(y[j])) - abs(float(y[j - 1]))
    return rise - s * (x[j] - x[j - 1]) > step_k * math.sqrt(2.0) * sigma


def _segment(I: np.ndarray, V: np.ndarray, seg: dict[str, Any], nf: dict[str, Any],
             opts: dict[str, Any], seg_no: int) -> dict[str, Any]:
    """Transition and steps of one segment (ordered by |I|)."""
    idx = seg["index"]
    sign = 1.0 if seg["branch"] == "pos" else -1.0
    order = np.argsort(np.abs(I[idx]), kind="stable")
    x = np.abs(I[idx])[order]
    y = sign * (V[idx][order] - nf["V0_V"])
    keep = np.r_[True, np.diff(x) > 0]  # repeated currents: average them
    if not keep.all():
        ux, inv = np.unique(x, return_inverse=True)
        y = np.bincount(inv, weights=y) / np.bincount(inv)
        x = ux
    sigma, k, step_k = nf["sigma_V"], float(opts["noise_k"]), float(opts["step_k"])
    crit = opts["criterion"]
    given = opts["threshold_V"] if crit == "voltage" else opts["threshold_ohm"]
    thr = _segment_threshold(crit, given, sigma, k, x, y)
    row: dict[str, Any] = {"segment": seg_no, "branch": seg["branch"],
                           "direction": seg["direction"], "n": int(x.size),
                           "I_range_A": [float(x.min()), float(x.max())], "threshold": thr,
                           "x": x, "y": y}
    res = _resistive(x, y, crit, thr, sigma, k)
    j = _leading_end(res, persist=crit != "differential")
    resistive_pts = np.abs(y) > k * sigma
    sig_res = noise_from_differences(y[resistive_pts]) if resistive_pts.sum() >= 5 else None
    steps = find_steps(x, y, sigma, step_k=step_k, sigma_resistive=sig_res)
    if j is None:
        row["reason"] = (f"criterion not reached: |V - V0| at most {np.max(np.abs(y)):.3g} V "
                         f"up to |I| = {x.max():.4g} A")
        row["code"] = "criterion_not_reached"
    elif j == 0:
        row["reason"] = f"resistive from the lowest current of the segment ({x[0]:.4g} A)"
        row["code"] = "no_transition"
    else:
        sc = slice(0, j)
        if j >= 4 and crit != "differential":
            b = np.polyfit(x[sc], y[sc], 1)
            A = np.vstack([x[sc], np.ones(j)]).T
            cov = sigma**2 * np.linalg.inv(A.T @ A)
            slope, s_err = float(b[0]), float(math.sqrt(cov[0, 0]))
            up = slice(j - 1, min(j + 4, x.size))  # slope at the crossing: 2-5 points
            xu = x[up]
            at = float(np.polyfit(xu, np.abs(y[up]), 1)[0]) if xu.size >= 2 else 0.0
            at_err = sigma / math.sqrt(max(float(np.sum((xu - xu.mean()) ** 2)), 1e-300))
            if slope > 5 * s_err and at + 2 * at_err < _KINK * slope:
                row["reason"] = (f"no zero-voltage branch: V rises linearly from the lowest "
                                 f"current (slope {slope:.3g} Ohm, {at:.3g} Ohm at the "
                                 "criterion); the criterion crossing is no critical current")
                row["code"] = "no_transition"
                row["ohmic"] = True
        jump = _is_jump(x, y, j, sigma, step_k)
        if "reason" not in row and j < 4 and not jump and crit != "differential":
            row["reason"] = (f"only {j} point(s) below the criterion and no jump: no "
                             "zero-voltage branch to tell a transition from an Ohmic rise")
            row["code"] = "no_transition"
            row["ohmic"] = True
        if "reason" not in row:
            n_sc = max(int(nf["n_sc"]), 2)
            rel = 1.0 / math.sqrt(2.0 * n_sc) if given is None else 0.0
            cr = _crossing(x, y, j, criterion=crit, thr=thr, sigma=sigma, jump=jump,
                           thr_rel_err=rel)
            row |= {"transition": cr, "j": j, "V_after_V": float(abs(y[j])),
                    "V_signal_ratio": float(abs(y[min(j + 1, x.size - 1)]) / (k * sigma))
                    if crit != "voltage" else float(abs(y[min(j + 1, x.size - 1)]) / thr)}
    role = "switching" if seg["direction"] == "increasing" else "retrapping"
    table = []
    for st in steps:
        i = st["i"]
        xa, xb = float(x[i - 1]), float(x[i])
        half = 0.5 * (xb - xa)
        Ra, Rb = float(y[i - 1] / xa) if xa > 0 else 0.0, float(y[i] / xb)
        dR = Rb - Ra
        dR_err = math.hypot(st["sigma_V"] / xb, sigma / xa if xa > 0 else 0.0)
        dV_err = math.hypot(math.sqrt(2.0) * st["sigma_V"], abs(dR) * COVER68 * half)
        table.append({"T_K": None, "segment": seg_no, "branch": seg["branch"],
                      "direction": seg["direction"],
                      "role": role if row.get("j") == i else "step",
                      "I_A": math.copysign(xa + half, 1.0 if seg["branch"] == "pos" else -1.0),
                      "I_err_A": COVER68 * half, "dV_V": st["excess_V"], "dV_err_V": dV_err,
                      "R_before_ohm": Ra, "R_after_ohm": Rb, "dR_ohm": dR,
                      "dR_err_ohm": dR_err})
    row["steps"] = table
    return row


# ---------------------------------------------------------------------------------------
# one curve


def _mean_value(vals: list[dict[str, Any]]) -> tuple[Any, ErrorBudget, float]:
    """Mean of repeated transitions (ufloat with its budget, scatter)."""
    from uncertainties import ufloat

    I = np.array([v["I_A"] for v in vals])
    stat = np.array([v["stat"] for v in vals])
    samp = np.array([v["sampling"] for v in vals])
    keys = sorted({k for v in vals for k in v["sys"]})
    n = len(vals)
    sys = {k: float(np.mean([v["sys"].get(k, 0.0) for v in vals])) for k in keys}
    st = float(math.sqrt(np.sum(stat**2)) / n)
    sa = float(math.sqrt(np.sum(samp**2)) / n)
    spread = float(np.std(I, ddof=1)) if n > 1 else 0.0
    if n > 1:
        st = max(st, spread / math.sqrt(n))
    val, budget = combine_errors(ufloat(float(I.mean()), st) if st > 0 else float(I.mean()),
                                 sampling=sa, sys=sys)
    return val, budget, spread


def analyze_curve(I_A: np.ndarray, V_V: np.ndarray, *, criterion: str = "voltage",
                  threshold_V: float | None = None, threshold_ohm: float | None = None,
                  noise_k: float = 5.0, step_k: float = 6.0,
                  sigma_V_V: float | None = None) -> dict[str, Any]:
    """Switching and retrapping currents, hysteresis and steps of one I-V curve.

    Parameters
    ----------
    I_A, V_V
        Current (A) and voltage (V) in acquisition order (any sweep pattern).
    criterion
        ``"voltage"``, ``"resistance"`` or ``"differential"`` (module docstring).
    threshold_V
        Voltage criterion (V); default ``noise_k*sigma_V``.
    threshold_ohm
        Resistance or differential-resistance criterion (Ohm); default from the noise.
    noise_k
        Default criterion in units of the noise (and superconducting-point selection).
    step_k
        Significance of a step.
    sigma_V_V
        Given voltage noise (V); default estimated (:func:`noise_floor`).

    Returns
    -------
    dict
        ``params`` (name -> ufloat or float, NaN where not reached), ``budget``,
        ``flags``, ``segments`` (per-segment rows), ``steps`` (table), ``noise``.

    Raises
    ------
    RefusedError
        No segment of the curve has a transition.
    """
    from uncertainties import ufloat

    opts = {"criterion": criterion, "threshold_V": threshold_V, "threshold_ohm": threshold_ohm,
            "noise_k": noise_k, "step_k": step_k}
    I = np.asarray(I_A, float)
    V = np.asarray(V_V, float)
    ok = np.isfinite(I) & np.isfinite(V)
    I, V = I[ok], V[ok]
    if I.size < 5:
        raise RefusedError(f"an I-V curve of {I.size} points: need at least 5")
    nf = noise_floor(I, V, noise_k=noise_k)
    flags: list[Flag] = []
    est_sigma = nf["sigma_V"]
    if sigma_V_V is not None:
        flags += check_noise_consistency(float(sigma_V_V), est_sigma if nf["n_sc"] >= 5
                                         else None, what="sigma_V_V")
        nf = nf | {"sigma_V": float(sigma_V_V), "source": "given"}
    else:
        nf["source"] = "estimated"
        if nf["n_sc"] < _MIN_SC_POINTS:
            flags.append(warn("noise_estimate", f"only {nf['n_sc']} superconducting points "
                              f"for the noise floor (sigma_V = {est_sigma:.3g} V)"))
    sigma = nf["sigma_V"]
    if criterion == "voltage" and threshold_V is not None:
        ratio = float(threshold_V) / sigma
        if ratio < 3.0:
            sev = fail if ratio < 2.0 else warn
            flags.append(sev("criterion_in_noise", f"threshold_V = {threshold_V:.3g} V is "
                             f"{ratio:.2g} sigma_V (noise {sigma:.3g} V): the criterion "
                             "triggers on noise"))
    if np.ptp(I) <= 1e-9 * float(np.max(np.abs(I))):
        raise RefusedError(f"the current does not vary ({I[0]:.4g} A): not a current sweep")
    segs = sweep_segments(I)
    if not segs:
        raise RefusedError("no monotonic current sweep of at least 3 points")
    rows = [_segment(I, V, s, nf, opts, n) for n, s in enumerate(segs)]
    found = [r for r in rows if "transition" in r]
    if not found:
        why = "; ".join(sorted({r["reason"].split(":")[0].split(" (")[0] for r in rows}))
        raise RefusedError(f"no superconducting-resistive transition in the I-V curve ({why})")
    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    names = {("pos", "increasing"): "I_switch_A", ("pos", "decreasing"): "I_retrap_A",
             ("neg", "increasing"): "I_switch_neg_A", ("neg", "decreasing"): "I_retrap_neg_A"}
    spreads: dict[str, float] = {}
    for key, name in names.items():
        mine = [r for r in rows if (r["branch"], r["direction"]) == key]
        if not mine:
            continue
        good = [r["transition"] for r in mine if "transition" in r]
        for r in mine:
            if "reason" in r:
                flags.append(warn(r["code"], f"{name[:-2]} sweep (segment {r['segment']}, "
                                  f"{r['I_range_A'][0]:.4g}-{r['I_range_A'][1]:.4g} A): "
                                  f"{r['reason']}; "
                                  + ("not used" if good else "its current is null")))
        if not good:
            params[name] = float("nan")
            continue
        val, b, spread = _mean_value(good)
        sgn = 1.0 if key[0] == "pos" else -1.0
        params[name] = val * sgn
        budget[name] = b
        if len(good) > 1:
            spreads[name] = spread
        for r in mine:
            if "transition" in r and r["V_signal_ratio"] < 2.0:
                flags.append(warn("weak_transition", f"{name}: the voltage just above the "
                                  f"transition is {r['V_signal_ratio']:.2g} x the criterion: "
                                  "the criterion is too close to the signal"))
    for br, sw, rt, hname in (("pos", "I_switch_A", "I_retrap_A", "hysteresis_A"),
                              ("neg", "I_switch_neg_A", "I_retrap_neg_A", "hysteresis_neg_A")):
        if sw in budget and rt in budget:
            a, b = budget[sw], budget[rt]
            vs, vr = as_param(params[sw])[0], as_param(params[rt])[0]
            h = abs(vs) - abs(vr)
            stat = math.hypot(a.stat or 0.0, b.stat or 0.0)
            sys = {k: math.hypot(a.sys.get(k, 0.0), b.sys.get(k, 0.0))
                   for k in set(a.sys) | set(b.sys)}
            val, hb = combine_errors(ufloat(h, stat) if stat > 0 else h,
                                     sampling=math.hypot(a.sampling, b.sampling), sys=sys)
            params[hname], budget[hname] = val, hb
            if h < -3.0 * hb.total:
                flags.append(warn("negative_hysteresis", f"{hname} = {h:.4g} A: retrapping "
                                  f"above switching by {-h / hb.total:.1f} sigma ({br} branch)"))
    if any(r.get("ohmic") for r in rows) and all(r.get("ohmic") or "transition" not in r
                                                 for r in rows):
        flags.append(fail("wrong_data_kind", "no zero-voltage branch: Ohmic I-V curve"))
    top = np.argsort(np.abs(I))[-5:]
    top = top[I[top] != 0]
    params["R_top_ohm"] = float(np.median((V[top] - nf["V0_V"]) / I[top])) if top.size \
        else math.nan
    params["sigma_V_V"] = float(sigma)
    steps = [st for r in rows for st in r["steps"]]
    return {"params": params, "budget": budget, "flags": flags, "segments": rows,
            "steps": steps, "noise": {k: v for k, v in nf.items() if k != "sc"},
            "spreads": spreads}


# ---------------------------------------------------------------------------------------
# Ic(T)


def fit_ic_temperature(T_K: np.ndarray, Ic_A: np.ndarray, Ic_err_A: np.ndarray | None = None,
                       *, model: str = "gl", gap_ratio: float = BCS_GAP_RATIO) -> FitResult:
    """Fit Ic(T) with one of the forms ``gl``, ``ab`` (Ambegaokar-Baratoff) or ``power``.

    Parameters
    ----------
    T_K
        Temperatures (K).
    Ic_A
        Critical (switching or retrapping) currents (A, magnitudes).
    Ic_err_A
        Their 1-sigma errors (A); weights ``1/err`` and ``scale_covar=False`` when given,
        else unweighted with the covariance scaled by the reduced chi-square.
    model
        ``"gl"``, ``"ab"`` or ``"power"``.
    gap_ratio
        ``Delta(0)/(k_B Tc)`` of the AB form.

    Returns
    -------
    FitResult
        Kind ``critical-current``; params ``Ic0_<model>_A``, ``Tc_<model>_K`` (and
        ``p_power``, ``R_N_ab_ohm``), with the quality verdict of the fit.

    Raises
    ------
    FitError
        Unknown model, or not more temperatures than parameters.
    """
    if model not in _MODELS:
        raise FitError(f"Ic(T) model must be one of {', '.join(_MODELS)}, not {model!r}")
    cls, npar = _MODELS[model]
    T = np.asarray(T_K, float)
    y = np.abs(np.asarray(Ic_A, float))
    e = None if Ic_err_A is None else np.asarray(Ic_err_A, float)
    ok = np.isfinite(T) & np.isfinite(y) & (y > 0)
    if e is not None:
        ok &= np.isfinite(e) & (e > 0)
    T, y = T[ok], y[ok]
    e = e[ok] if e is not None else None
    if T.size <= npar:
        raise FitError(f"Ic(T) {model}: {T.size} temperatures for {npar} parameters")
    m = cls(gap_ratio=gap_ratio) if model == "ab" else cls()
    pars = m.guess(y, T_K=T)
    kw: dict[str, Any] = {}
    if e is not None:
        kw = {"weights": 1.0 / e, "scale_covar": False}
    res = m.fit(y, pars, T_K=T, **kw)
    names = {"Ic0_A": f"Ic0_{model}_A", "Tc_K": f"Tc_{model}_K"}
    if model == "power":
        names["p"] = "p_power"
    if model == "ab":
        names["R_N_ohm"] = "R_N_ab_ohm"
    return array_fit_result(res, kind="critical-current", names=names,
                            function="fit_ic_temperature",
                            options={"model": model, "gap_ratio": gap_ratio},
                            what=f"Ic(T) {model}", residuals=y - res.best_fit, sigma=e)


# ---------------------------------------------------------------------------------------
# declaration

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("criterion", "str", "voltage", "transition criterion: 'voltage' |V - V0| > "
           "threshold_V, 'resistance' |V - V0|/|I| > threshold_ohm (and above the noise "
           "floor), 'differential' dV/dI > threshold_ohm", choices=("voltage", "resistance",
                                                                      "differential"),
           assumption=True),
    Option("threshold_V", "float", None, "voltage criterion; default noise_k*sigma_V of the "
           "superconducting branch (never a fixed 1 uV)", unit="V", min=0, min_exclusive=True),
    Option("threshold_ohm", "float", None, "resistance / differential-resistance criterion; "
           "default from the noise floor (module docs)", unit="Ohm", min=0,
           min_exclusive=True),
    Option("noise_k", "float", 5.0, "default criterion in units of the measured voltage "
           "noise sigma_V", min=1, assumption=True),
    Option("step_k", "float", 6.0, "significance of a voltage step (in sigma of a "
           "difference) for the steps table", min=1),
    Option("sigma_V_V", "float", None, "voltage noise; default estimated from the "
           "superconducting branch", unit="V", min=0, min_exclusive=True),
    Option("channel", "int|str", None, "voltage / resistance channel (V_chN_V or R_chN_ohm); "
           "default V_V, else the file's channel"),
    Option("T_tol_K", "float", None, "temperature tolerance of one curve (splits a T_K "
           "column, joins files); default from the file's own temperature scatter",
           unit="K", min=0, min_exclusive=True),
    Option("ic_branch", "str", "switch", "currents of the Ic(T) fit: 'switch' or 'retrap'",
           choices=("switch", "retrap")),
    Option("ic_models", "strs", ["gl", "ab", "power"], "Ic(T) forms fitted with several "
           "temperatures: 'gl' (1 - T/Tc)^(3/2), 'ab' Ambegaokar-Baratoff, 'power' "
           "(1 - T/Tc)^p", choices=("gl", "ab", "power")),
    Option("gap_ratio", "float", BCS_GAP_RATIO, "Delta(0)/(k_B Tc) of the "
           "Ambegaokar-Baratoff form (weak-coupling BCS 1.764)", min=0.5, max=5,
           assumption=True),
)

SPEC = KindSpec(
    kind="critical-current",
    summary="Switching / retrapping currents, hysteresis, voltage steps and Ic(T) from I-V "
            "curves",
    inputs="I-V curves: I_A (or a bridge excitation) and V_V, V_chN_V or R_ohm (V = R*I); "
           "one curve per file or per temperature of a T_K column",
    options=SPEC_OPTIONS,
    outputs=(
        Output("I_switch_A", "switching current, |I| increasing, positive branch", "A"),
        Output("I_retrap_A", "retrapping current, |I| decreasing, positive branch", "A"),
        Output("I_switch_neg_A", "switching current of the negative branch (signed)", "A"),
        Output("I_retrap_neg_A", "retrapping current of the negative branch (signed)", "A"),
        Output("hysteresis_A", "|I_switch| - |I_retrap| (positive branch)", "A"),
        Output("hysteresis_neg_A", "|I_switch_neg| - |I_retrap_neg|", "A"),
        Output("R_top_ohm", "median (V - V0)/I of the 5 largest |I| (resistive branch)",
               "Ohm"),
        Output("sigma_V_V", "voltage noise of the superconducting branch", "V"),
        Output("<name>_at_<T>K_<unit>", "the above per temperature when several are given "
               "(<name>_curve<n>_<unit> for a curve without a temperature)"),
        Output("Ic0_<model>_A", "Ic(T = 0) of an Ic(T) form (gl, ab, power)", "A"),
        Output("Tc_<model>_K", "Tc of an Ic(T) form", "K"),
        Output("p_power", "exponent of the free power law"),
        Output("R_N_ab_ohm", "junction R_N = pi Delta(0)/(2 e Ic0) of the AB form", "Ohm"),
        Output("Tc_K", "Tc of the Ic(T) form with the lowest AIC", "K"),
    ),
)

#: option name -> one-line help
OPTIONS: dict[str, str] = SPEC.help_map()


# ---------------------------------------------------------------------------------------
# procedure


def _tname(name: str, T: float, multi: bool, n: int) -> str:
    """``name`` per curve: ``I_switch_at_1.4000K_A`` (``I_switch_curve<n>_A`` without T)."""
    if not multi:
        return name
    base, unit = name.rsplit("_", 1)
    where = f"at_{T:.4f}K" if math.isfinite(T) else f"curve{n}"
    return f"{base}_{where}_{unit}"


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``critical-current``: switching/retrapping currents, steps and Ic(T).

    Parameters
    ----------
    measurements
        I-V files (``I_A`` or an excitation column; ``V_V``, ``V_chN_V`` or ``R_ohm``).
    **options
        See :data:`SPEC` (validated before any work).

    Returns
    -------
    FitResult
        params ``I_switch_A``... (per temperature ``..._at_<T>K_A`` when several), Ic(T)
        fit parameters; ``provenance["steps"]`` the steps table, ``provenance["curves"]``
        the per-segment rows; ``budget`` the error parts.

    Raises
    ------
    OptionError
        Bad options.
    RefusedError
        No curve with a transition.
    DataFormatError
        No current or voltage column.
    """
    opts = SPEC.resolve(options)
    try:
        return _analyze(measurements, opts)
    except KtoError:
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError, IndexError) as exc:
        raise FitError(f"critical-current: numerical failure ({type(exc).__name__}: {exc})"
                       ) from None


def _analyze(measurements: list[Measurement], opts: dict[str, Any]) -> FitResult:
    curves = curves_from_measurements(measurements, channel=opts["channel"],
                                      T_tol_K=opts["T_tol_K"])
    if not curves:
        raise RefusedError("no I-V curve in the input")
    multi = len(curves) > 1
    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    flags: list[Flag] = []
    rows, steps, plot_curves, refused, reasons = [], [], [], [], []
    for n_curve, c in enumerate(curves):
        label = f"T = {c.T_K:.4g} K" if math.isfinite(c.T_K) else c.source
        try:
            out = analyze_curve(c.I_A, c.V_V, criterion=opts["criterion"],
                                threshold_V=opts["threshold_V"],
                                threshold_ohm=opts["threshold_ohm"],
                                noise_k=float(opts["noise_k"]), step_k=float(opts["step_k"]),
                                sigma_V_V=opts["sigma_V_V"])
        except RefusedError as exc:
            if not multi:
                raise
            refused.append(f"{label}: {exc}")
            reasons.append(str(exc))
            flags.append(warn("no_transition", f"{label}: {exc}; no currents"))
            continue
        for k, v in out["params"].items():
            name = _tname(k, c.T_K, multi, n_curve)
            params[name] = v
            if k in out["budget"]:
                budget[name] = out["budget"][k]
        prefix = f"{label}: " if multi else ""
        flags += [Flag(f.code, f.severity, prefix + f.message) for f in out["flags"]]
        for st in out["steps"]:
            st["T_K"] = c.T_K
            steps.append(st)
        rows.append({"T_K": c.T_K, "source": c.source, "voltage": c.voltage,
                     "noise": out["noise"], "spreads": out["spreads"],
                     "segments": [{k: v for k, v in r.items() if k not in ("x", "y", "steps")}
                                  for r in out["segments"]]})
        plot_curves.append({"T_K": c.T_K, "I_A": c.I_A, "V_V": c.V_V,
                            "V0_V": out["noise"]["V0_V"],
                            "segments": out["segments"], "params": out["params"]})
    if not rows:
        why = sorted(set(reasons))
        raise RefusedError(f"none of the {len(curves)} I-V curves has a "
                           f"superconducting-resistive transition ({'; '.join(why)})")
    ic = _ic_fits(rows, plot_curves, opts, params, flags) if multi else {}
    options = dict(opts)
    options["threshold_default"] = (f"{opts['noise_k']:g} sigma_V" if
                                    (opts["threshold_V"] if opts["criterion"] == "voltage"
                                     else opts["threshold_ohm"]) is None else "given")
    unit = "V" if opts["criterion"] == "voltage" else "Ohm"
    options["thresholds_used"] = {
        (f"{r['T_K']:.4g} K" if math.isfinite(r["T_K"]) else r["source"]):
        f"{np.median([sg['threshold'] for sg in r['segments']]):.4g} {unit}" for r in rows}
    options["error_convention"] = ("jump: midpoint +/- 0.683 x half step (68.3 % of the "
                                   "uniform interval); smooth: local quadratic crossing")
    options["ic_fits"] = ic.get("summary", {})
    provenance = {"files": [str(m.source) for m in measurements],
                  "columns": {"I": "I_A", "V": rows[0]["voltage"], "T": "T_K"},
                  "units": {"I": "A", "V": "V", "T": "K", "R": "Ohm"},
                  "curves": rows, "steps": steps, "refused_curves": refused}
    stats = {"n_curves": len(curves), "n_analysed": len(rows), "n_steps": len(steps),
             "success": True}
    data = {"curves": plot_curves, "ic": ic.get("plot")}
    return FitResult(kind="critical-current", params=params, stats=stats, options=options,
                     provenance=provenance, data=data, quality=Quality(tuple(flags)),
                     budget=budget)


def _ic_fits(rows: list[dict[str, Any]], curves: list[dict[str, Any]], opts: dict[str, Any],
             params: dict[str, Any], flags: list[Flag]) -> dict[str, Any]:
    """Ic(T) fits of the requested forms; adds params and flags in place."""
    pick = ("I_switch_A", "I_switch_neg_A") if opts["ic_branch"] == "switch" else \
        ("I_retrap_A", "I_retrap_neg_A")
    T, y, e = [], [], []
    for c in curves:
        vals = [as_param(c["params"][k]) for k in pick if k in c["params"]
                and math.isfinite(as_param(c["params"][k])[0])]
        if not vals or not math.isfinite(c["T_K"]):
            continue
        T.append(c["T_K"])
        y.append(float(np.mean([abs(v) for v, _ in vals])))
        errs = [s for _, s in vals if s is not None]
        e.append(math.sqrt(sum(s * s for s in errs)) / len(errs) if errs else math.nan)
    T, y, e = np.array(T), np.array(y), np.array(e)
    summary: dict[str, Any] = {"currents": opts["ic_branch"], "n_temperatures": int(T.size)}
    if T.size < 3:
        summary["note"] = f"{T.size} temperatures with a current: no Ic(T) fit (need 3)"
        return {"summary": summary}
    # errors of zero (noise-free jumps are never exactly zero) are floored at 1e-3 relative
    e = np.where(np.isfinite(e) & (e > 0), e, np.nan)
    e = np.where(np.isfinite(e), e, max(np.nanmedian(e) if np.isfinite(e).any() else 0.0,
                                        1e-3 * float(np.max(y))))
    best, results = None, {}
    for model in opts["ic_models"]:
        try:
            r = fit_ic_temperature(T, y, e, model=model, gap_ratio=float(opts["gap_ratio"]))
        except FitError as exc:
            summary[model] = f"not fitted: {exc}"
            continue
        for k, v in r.params.items():
            params[k] = v
        aic = float(r.stats["aic"])
        summary[model] = {"aic": aic, "redchi": float(r.stats["redchi"]),
                          "verdict": r.verdict, "flags": [str(f) for f in r.quality.flags]}
        results[model] = r
        Tc = f"Tc_{model}_K"
        if r.verdict != "fail" and (best is None or aic < best[1]):
            best = (model, aic, r.params[Tc])
    tcs = [as_param(params[f"Tc_{m}_K"])[0] for m in results]
    fine = np.linspace(0.0, 1.05 * max([float(T.max())] + [t for t in tcs
                                                          if math.isfinite(t)]), 200)
    fits = {m: {"T_fine_K": fine, "Ic_fine_A": r.lmfit_result.eval(T_K=fine)}
            for m, r in results.items()}
    if best is not None:
        params["Tc_K"] = best[2]
        summary["selected"] = best[0]
        # the forms not selected are alternatives: their verdicts stay in options
        flags.extend(results[best[0]].quality.flags)
    else:
        for r in results.values():
            flags.extend(r.quality.flags)
    return {"summary": summary, "plot": {"T_K": T, "Ic_A": y, "Ic_err_A": e, "fits": fits}}


def plot(result: FitResult, fig: Any) -> None:
    """I-V curves with the transitions and steps; Ic(T) with its fits when several
    temperatures were given. The figure code lives in
    :mod:`ktoanalysis.transport.plots.critical_current`."""
    from .plots import draw

    draw(result, fig)

