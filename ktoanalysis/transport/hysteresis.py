"""Magnetoresistance hysteresis: butterfly peaks (peak fields, Delta R_S, Delta R_S(T)) and
shifted superconducting windows (edges, window shift, loop area).

docs/models/butterfly_mr.md (seed 004: R_S(B_par) loops at fixed T, peaks near +-0.08 T,
``Delta R_S = R_S(B_peak) - R_S(0)``, described versus T with the LAMH TAPS form).

Algorithm per temperature block (:func:`analyze_loop`):

1. split the loop into up and down branches (sign of dB between points, i.e. acquisition
   order; :func:`ktoanalysis.transport.sweeps.split_sweeps`);
2. per branch and field sign: Savitzky-Golay smoothing, peak search with a prominence
   threshold of ``peak_sigma`` times the branch noise (no peak -> reported as none, never
   as 0), refinement by a local parabola fit of the raw points (peak field with 1-sigma
   error);
3. ``Delta R = R(B_peak) - R(B = 0)`` on the same branch; the branch difference
   ``R_up - R_down`` (max, area, noise) and the butterfly symmetry ``R_up(B0 + b)`` vs
   ``R_down(B0 - b)``, whose best B0 estimates the remanent-field offset.

Before step 2, glitches (one or two points far off both neighbours,
:func:`find_glitches`) are removed from each branch and listed in
``provenance["glitches"]``; a glitch never becomes a peak.

Whether a loop is hysteretic is decided from the *whole* branch difference
(:func:`hysteresis_significance`: chi-square of ``R_up - R_down`` on the common fields
against the local noise, as a Gaussian significance ``hysteresis_significance_sigma``),
not from the peak model alone: "none detected" is reported only when that significance is
below ``hysteresis_sigma`` (default 5) and no hysteretic peak is found.

Before anything else each loop is tested for field dependence at all
(:func:`field_dependence`: chi-square of R against its weighted mean, on ``n - 1``
degrees of freedom, against the local noise, Wilson-Hilferty z). A loop is *flat* when
that z is below ``FLAT_SIGMA`` (5) on every branch, no branch has a significant peak and
the branches do not differ; when every loop is flat (constant R, pure noise) the data are
refused (``RefusedError``: "no magnetoresistance above the noise"). A peak is significant
when its prominence (height above the higher of the two neighbouring minima of the
smoothed branch, i.e. the local baseline) exceeds ``k = peak_sigma`` (default 5) times the
branch noise; the noise is never taken below a resolution floor of ``1e-12 max|R|``
(:func:`noise_floor`), so exactly constant or rounding-level data never give a peak and no
zero-width error is created. Without a significant peak no peak field is reported (the
parameter is absent, ``options["no_peak_reason"]`` says why).

Shifted superconducting windows (superconductor / ferromagnetic-insulator bilayers,
ferromagnetic or ferroelectric interfaces): on every branch whose resistance crosses
``fraction`` R_N on both sides, the critical-field analysis of
:func:`ktoanalysis.transport.critical_field.branch_crossings` gives the signed edges
``B_c_minus/plus_<branch>_T`` (and the further ``levels``), ``R_N_<branch>_ohm``,
``R_B0_<branch>_ohm``, centre and half-width; ``window_shift_T`` = centre(up) -
centre(down) with its error (the R_N errors cancel in the centres). A peak smaller than
``_EDGE_PEAK_FRACTION`` (0.25) of the window depth R_N - R(0) on such a branch is an edge
wiggle, never a butterfly peak. ``hysteresis_area_ohm_T`` = integral of
``|R_up - R_down|`` and ``hysteresis_signed_area_ohm_T`` = integral of ``R_up - R_down``
over the common field range, with statistical and sampling errors (:func:`_areas`).

The mechanism (``options["mechanism"]``): ``"none"`` (whole-branch significance below
``hysteresis_sigma`` and no hysteretic peak), ``"butterfly"`` (hysteretic peaks on both
branches), ``"shifted_window"`` (significant difference and windows on both branches
whose centres differ by more than ``window_shift_sigma`` standard errors) or
``"unexplained"`` (a significant difference without either).

``window_shift_T`` carries the systematic ``field_lag`` = 2 ``field_lag_T``/sqrt(3) (magnet
remanence or lag of unknown sign up to ``field_lag_T`` per sweep direction; ASSUMPTION,
default 2 mT), and the shift significance that names ``"shifted_window"`` counts it.

Quality flags: ``note`` (warn): the data hold several temperatures (the message names the
reported one; every loop is in ``options["per_temperature"]``), or the window shift is
significant against its statistical error alone while the mechanism is not
``"shifted_window"`` (the message says whether it lies within 2 ``field_lag_T``);
``unexplained_hysteresis`` (warn, kind-specific code: the branches differ
significantly but neither butterfly peaks nor shifted windows explain it; the message
names the significance and the largest difference), ``too_few_points`` (one sweep
direction only; or too few temperatures for the TAPS fit: fewer than its parameters + 2),
and for the Delta R_S(T) TAPS fit ``bad_fit`` / ``systematic_residuals`` (against the
Delta R errors), ``at_bound`` (fail) and ``taps_fit_failed`` (warn, kind-specific code).

Error budgets (``FitResult.budget``; JSON ``stderr_stat`` / ``stderr_sampling`` /
``stderr_sys``) of the peak fields, ``R_zero_<branch>_ohm`` (R(B=0)) and Delta R; the
reported error is the three parts in quadrature
(:func:`~ktoanalysis.transport.result.combine_errors`):

* statistical: the parabola (or R(0) line) covariance with weights 1/noise;
* sampling (finite field step dB): the larger of (a) the shift of the vertex when the
  parabola window grows by one step per side, counted beyond ``_BARLOW_K`` (2) times the
  noise of that shift (exact for the shared points, :func:`_vertex_gradients`), and (b)
  the grid floor :func:`_grid_floor`: ``0.3 dB^2/FWHM`` for a resolved peak (the rms bias
  of a parabola placed on the grid, calibrated on Lorentzian tops), ``dB/sqrt(12)`` when
  the peak is not resolved (FWHM, on the raw points for narrow peaks, below 4 steps).
  R at the vertex gets (a) only; R(0) is an interpolation at B = 0 (no sampling part);
* systematic (choices): the peak refitted with ``smooth_points`` -+ 2
  (``"smooth_points"``), with the parabola half-width x 1.5 (``"peak_halfwidth_T"``) and
  R(0) from 9 instead of 5 points (``"r0_points"``); each shift counts only beyond
  ``_BARLOW_K`` times the noise of the difference (Barlow's rule, :func:`_barlow`). The
  peak window selects which peak is refined and is not used by the refinement: no
  systematic part. Means over both branches (``delta_R_ohm``, ``peak_field_mean_abs_T``)
  add the parts of the branches in quadrature.

Coverage of peak field +- total error, measured over 200 simulated loops (Lorentzian
butterfly peaks, noise 2-5 % of the height): dense sweep (step w/15) and sparse sweep
(step w/3), tests/transport/test_hysteresis.py.

Resistances are reported as given (``R`` of the chosen column), or as sheet resistance
``R_S = R*W/L`` when W_m and L_m are given.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Literal

import lmfit
import numpy as np
import pandas as pd
from scipy.ndimage import median_filter
from scipy.signal import find_peaks, peak_widths, savgol_filter
from uncertainties import ufloat

from ..errors import DataFormatError, FitError, KtoError, OptionError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .hall import robust_split_sweeps
from .phaseslip import log_lamh_reduced
from .quality import Flag, Quality, check_goodness_of_fit, excess_shift, fail, warn
from .result import (
    ErrorBudget,
    FitResult,
    as_param,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)

__all__ = ["noise_sigma", "noise_floor", "local_noise", "field_dependence", "FLAT_SIGMA",
           "find_glitches", "hysteresis_significance", "find_branch_peaks", "analyze_loop",
           "taps_delta_r", "fit_delta_rs_taps", "SPEC",
           "OPTIONS", "analyze", "plot"]

#: half-width (points) of the running window of :func:`local_noise`
_NOISE_HALF_WINDOW = 10

#: relative resolution floor of the noise (float64 rounding of the smoothing is ~1e-15)
_RESOLUTION = 1e-12

#: a branch has field dependence when R(B) differs from a constant at more than this many
#: sigma (:func:`field_dependence`)
FLAT_SIGMA = 5.0

#: a peak is resolved when its FWHM spans at least this many field steps; otherwise its
#: position carries at least the sampling error ``dB/sqrt(12)`` (uniform within a step)
_RESOLVED_STEPS = 4.0

#: rms parabola-vertex bias on a grid, in units of dB^2/FWHM (:func:`_grid_floor`)
_GRID_BIAS = 0.3

#: a shift between two estimates (sampling, systematic choices) counts only beyond this
#: many standard deviations of its noise (:func:`_barlow`)
_BARLOW_K = 2.0

#: on a branch with a superconducting window, a peak smaller than this fraction of the
#: window depth (R_N - R(0)) is an edge wiggle, not a butterfly peak
_EDGE_PEAK_FRACTION = 0.25


# ----------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------

def noise_sigma(y: np.ndarray) -> float:
    """Point-to-point noise (same unit as y) from second differences (robust, MAD).

    For white noise sigma, ``y[i-1] - 2 y[i] + y[i+1]`` has standard deviation
    ``sqrt(6)*sigma``; smooth curvature contributes little on dense sweeps.
    """
    y = np.asarray(y, float)
    if y.size < 5:
        raise FitError(f"only {y.size} points: cannot estimate the noise")
    d2 = y[:-2] - 2 * y[1:-1] + y[2:]
    mad = float(np.median(np.abs(d2 - np.median(d2))))
    return 1.4826 * mad / math.sqrt(6.0)


def noise_floor(R_ohm: np.ndarray) -> float:
    """Smallest noise (Ohm) ever used as a threshold or 1-sigma error: ``1e-12 max|R|``
    (at least 1e-300), the resolution of the data as stored in float64 after smoothing.

    Exactly constant or noiseless data would otherwise give a zero noise, so that rounding
    wiggles count as infinitely significant peaks and errors of zero width are created.
    """
    R = np.asarray(R_ohm, float)
    top = float(np.max(np.abs(R))) if R.size else 0.0
    return max(_RESOLUTION * top, 1e-300) if math.isfinite(top) else 1e-300


def field_dependence(B_T: np.ndarray, R_ohm: np.ndarray) -> dict[str, Any]:
    """How significantly one branch R(B) differs from a constant.

    ``chi2 = sum((R_i - Rbar)^2 / s_i^2)`` with ``s_i`` the local noise
    (:func:`local_noise`, never below :func:`noise_floor`) and ``Rbar`` the weighted mean,
    on ``n - 1`` degrees of freedom, turned into a Gaussian significance by the
    Wilson-Hilferty transform (about 0 +/- 1 for a flat branch; pure noise and a constant
    give z <= about 1). The local noise is conservative (curvature raises it), so a weak
    but real field dependence is called flat rather than the reverse.

    Parameters
    ----------
    B_T, R_ohm
        One branch sorted by field (T, Ohm).

    Returns
    -------
    dict
        ``significance_sigma`` (z), ``chi2``, ``dof``, ``range_ohm`` (peak-to-peak R),
        ``noise_ohm`` (median local noise); ``{"note": ...}`` for fewer than 5 points.
    """
    R = np.asarray(R_ohm, float)
    if R.size < 5:
        return {"note": f"only {R.size} points: field dependence not testable"}
    s = np.maximum(local_noise(R), noise_floor(R))
    w = (s.min() / s) ** 2  # relative weights: no underflow of s**2 at tiny scales
    rbar = float(np.sum(w * R) / np.sum(w))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        chi2 = float(np.nan_to_num(np.sum(((R - rbar) / s) ** 2), nan=0.0, posinf=math.inf))
    dof = R.size - 1
    c = 2.0 / (9.0 * dof)
    z = ((chi2 / dof) ** (1.0 / 3.0) - (1.0 - c)) / math.sqrt(c)
    return {"significance_sigma": float(z), "chi2": chi2, "dof": int(dof),
            "range_ohm": float(np.ptp(R)), "noise_ohm": float(np.median(s))}


def local_noise(R_ohm: np.ndarray, half_window: int = _NOISE_HALF_WINDOW) -> np.ndarray:
    """Per-point noise (Ohm) of a branch sorted by field: the robust second-difference
    estimate of :func:`noise_sigma` over a running window of ``2*half_window + 1`` points,
    never below the estimate of the whole branch.

    Measured loops are heteroscedastic (the superconducting part of a sweep can be several
    times noisier than the normal part); a single number would make the quiet part look
    hysteretic. Curvature of narrow peaks raises the local value: conservative.
    """
    R = np.asarray(R_ohm, float)
    glob = noise_sigma(R)
    d2 = R[2:] - 2 * R[1:-1] + R[:-2]
    size = 2 * int(half_window) + 1
    if d2.size < size:
        return np.full(R.size, glob)
    loc = median_filter(np.abs(d2 - np.median(d2)), size=size, mode="mirror")
    loc = np.r_[loc[0], loc, loc[-1]] * 1.4826 / math.sqrt(6.0)
    return np.maximum(loc, glob)


def find_glitches(B_T: np.ndarray, R_ohm: np.ndarray, *, k: float = 6.0,
                  max_count: int | None = None) -> np.ndarray:
    """Indices of glitches: one or two adjacent points far off both neighbours.

    ``dev_i`` is the distance of point i from the straight line through its neighbours,
    in units of its standard deviation ``sigma_i*sqrt(1 + w^2 + (1 - w)^2)`` (``sigma_i``
    from :func:`local_noise`, a robust MAD estimate of the second differences). A point
    is a glitch when ``|dev_i| > k`` *and* its neighbours show the spike signature: their
    own deviations have the opposite sign and at least a quarter of the size (a resolved
    peak top has neighbours curving the same way). A pair is tested against the line
    through the points either side of it, an end point against the line through its two
    nearest neighbours (with the next deviation inward near zero: no curvature there).
    The worst candidate is removed and the search repeated.

    Parameters
    ----------
    B_T, R_ohm
        One branch, sorted by field (T, Ohm).
    k
        Threshold in standard deviations (default 6).
    max_count
        At most this many glitch points (default ``max(2, n // 50)``).

    Returns
    -------
    numpy.ndarray
        Sorted indices (into the input) of the glitches.
    """
    B, R = np.asarray(B_T, float), np.asarray(R_ohm, float)
    if R.size < 7:
        return np.zeros(0, int)
    sig = local_noise(R)
    if not np.all(sig > 0):  # noiseless (constant or simulated) data: no scale for glitches
        return np.zeros(0, int)
    keep = np.arange(R.size)
    found: list[int] = []
    cap = max(2, R.size // 50) if max_count is None else int(max_count)
    while len(found) < cap and keep.size >= 7:
        best = _worst_glitch(B[keep], R[keep], sig[keep], k)
        if best is None:
            break
        found += [int(keep[j]) for j in best]
        keep = np.delete(keep, best)
    return np.array(sorted(found), int)


def _line_dev(B: np.ndarray, R: np.ndarray, i: np.ndarray, a: np.ndarray, b: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Deviation of R[i] from the line through points a and b, and its noise factor."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.nan_to_num((B[i] - B[a]) / (B[b] - B[a]), nan=0.5, posinf=0.5, neginf=0.5)
    dev = R[i] - (R[a] + t * (R[b] - R[a]))
    return dev, np.sqrt(1.0 + t**2 + (1.0 - t) ** 2)


def _worst_glitch(B: np.ndarray, R: np.ndarray, sig: np.ndarray, k: float
                  ) -> list[int] | None:
    """The candidate glitch (one or two indices) with the largest deviation above ``k``."""
    n = R.size
    i = np.arange(1, n - 1)
    dev = np.zeros(n)
    dev[i], fac = _line_dev(B, R, i, i - 1, i + 1)
    z = np.zeros(n)
    z[i] = np.abs(dev[i]) / (sig[i] * fac)

    def spike_side(j: int, d: float) -> bool:  # neighbour j has the spike signature
        return not 1 <= j <= n - 2 or (dev[j] * d < 0 and abs(dev[j]) > 0.25 * abs(d))

    cands: list[tuple[float, list[int]]] = []
    for j in np.flatnonzero(z > k):
        if spike_side(j - 1, dev[j]) and spike_side(j + 1, dev[j]):
            cands.append((float(z[j]), [int(j)]))
    p = np.arange(1, n - 2)
    da, fa = _line_dev(B, R, p, p - 1, p + 2)
    db, fb = _line_dev(B, R, p + 1, p - 1, p + 2)
    zp = np.where(da * db > 0, np.minimum(np.abs(da) / (sig[p] * fa),
                                          np.abs(db) / (sig[p + 1] * fb)), 0.0)
    for m in np.flatnonzero(zp > k):
        j = int(p[m])
        if spike_side(j - 1, da[m]) and spike_side(j + 2, db[m]):
            cands.append((float(zp[m]), [j, j + 1]))
    for e, a, b, inner in ((0, 1, 2, 2), (n - 1, n - 2, n - 3, n - 3)):
        de, fe = _line_dev(B, R, np.array([e]), np.array([a]), np.array([b]))
        ze = float(abs(de[0]) / (sig[e] * fe[0]))
        if ze > k and abs(dev[inner]) < 0.25 * abs(de[0]):
            cands.append((ze, [e]))
    if not cands:
        return None
    return max(cands, key=lambda c: c[0])[1]


def hysteresis_significance(up: tuple[np.ndarray, np.ndarray],
                            down: tuple[np.ndarray, np.ndarray]) -> dict[str, Any]:
    """How significantly the two branches differ, from the whole branch difference.

    ``D_i = R_up(B_i) - R_down(B_i)`` on the up-branch fields inside the common field range
    (down branch linearly interpolated), with variance ``s_up,i^2 + (1-u)^2 s_down,j-1^2 +
    u^2 s_down,j^2`` (:func:`local_noise`, ``u`` the interpolation weight). ``chi2 =
    sum D_i^2/var_i`` on ``n`` degrees of freedom (no parameter is fitted) is turned into a
    Gaussian significance by the Wilson-Hilferty transform,
    ``z = ((chi2/n)^(1/3) - (1 - 2/(9n))) / sqrt(2/(9n))``: about 0 +/- 1 for branches that
    agree within the noise.

    Returns
    -------
    dict
        ``significance_sigma`` (z), ``chi2``, ``npoints``, ``rms_over_noise``
        (``sqrt(chi2/n)``), or ``{"note": ...}`` when the branches do not overlap.
    """
    (bu, ru), (bd, rd) = up, down
    lo, hi = max(bu.min(), bd.min()), min(bu.max(), bd.max())
    g = (bu >= lo) & (bu <= hi)
    if g.sum() < 5 or bd.size < 5:
        return {"note": "branches overlap on fewer than 5 points"}
    su, sd = local_noise(ru)[g], local_noise(rd)
    x = bu[g]
    j = np.clip(np.searchsorted(bd, x), 1, bd.size - 1)
    u = np.clip((x - bd[j - 1]) / np.maximum(bd[j] - bd[j - 1], 1e-300), 0.0, 1.0)
    D = ru[g] - np.interp(x, bd, rd)
    var = su**2 + (1 - u) ** 2 * sd[j - 1] ** 2 + u**2 * sd[j] ** 2
    n = int(x.size)
    if not np.all(var > 1e-300):
        return {"note": "noiseless branches: no significance", "npoints": n}
    chi2 = float(np.sum(D**2 / var))
    c = 2.0 / (9.0 * n)
    z = ((chi2 / n) ** (1.0 / 3.0) - (1.0 - c)) / math.sqrt(c)
    return {"significance_sigma": float(z), "chi2": chi2, "npoints": n,
            "rms_over_noise": float(math.sqrt(chi2 / n))}


def _parabola(B, B0=0.0, h=1.0, k=1.0):
    return h - k * (B - B0) ** 2


def _smooth(y: np.ndarray, npts: int) -> np.ndarray:
    npts = min(npts, y.size - (1 - y.size % 2))
    if npts < 5:
        return y.copy()
    if npts % 2 == 0:
        npts -= 1
    return savgol_filter(y, npts, 2)


def find_branch_peaks(
    B_T: np.ndarray,
    R_ohm: np.ndarray,
    *,
    window_T: tuple[float, float] = (0.0, math.inf),
    peak_sigma: float = 5.0,
    smooth_points: int = 7,
    halfwidth_T: float | None = None,
) -> dict[str, Any]:
    """Resistance peaks of one branch, one per field sign.

    Parameters
    ----------
    B_T, R_ohm
        Field (T, sorted or not) and resistance (Ohm) of one sweep direction.
    window_T
        Search window in |B| (T).
    peak_sigma
        ``k``: required peak prominence (height above the local baseline, the higher of
        the two neighbouring minima of the smoothed branch) in units of the branch noise
        (default 5; the noise is never below :func:`noise_floor`).
    smooth_points
        Savitzky-Golay window (points) used for the search.
    halfwidth_T
        Half-width of the parabola fit window (T); default: a quarter of the peak's FWHM
        (at least 2 points on each side), where the parabola approximates the top well.

    Returns
    -------
    dict
        ``noise_ohm`` and, for ``"pos"`` / ``"neg"``, either None (no peak) or a dict with
        ``B_peak`` (ufloat, T), ``R_peak`` (ufloat, Ohm), ``prominence_ohm``, ``fit_window_T``.
    """
    o = np.argsort(B_T)
    B, R = np.asarray(B_T, float)[o], np.asarray(R_ohm, float)[o]
    sigma = max(noise_sigma(R), noise_floor(R))
    smooth = _smooth(R, smooth_points)
    step = _field_step(B)
    out: dict[str, Any] = {"noise_ohm": sigma, "pos": None, "neg": None}
    for key, sgn in (("pos", 1.0), ("neg", -1.0)):
        sel = np.flatnonzero((sgn * B >= window_T[0]) & (sgn * B <= window_T[1]))
        if sel.size < 7:
            continue
        ys = smooth[sel]
        peaks, props = find_peaks(ys, prominence=peak_sigma * sigma, width=0,
                                  rel_height=0.5)
        if peaks.size == 0:
            continue
        j = int(np.argmax(props["prominences"]))
        ip = sel[peaks[j]]
        if halfwidth_T is None:
            hw = 0.25 * float(props["widths"][j]) * step
        else:
            hw = float(halfwidth_T)
        hw = max(hw, 2.0 * step)
        fw = np.abs(B - B[ip]) <= hw * (1 + 1e-9)
        if fw.sum() < 5:
            continue
        curv = max(float(props["prominences"][j]) / hw**2, 1e-300)
        try:
            entry = _refine_peak(B, R, ip, hw, sigma, smooth[ip], curv)
        except FitError:
            entry = {"B_peak": ufloat(float(B[ip]), step / math.sqrt(12)),
                     "R_peak": ufloat(float(smooth[ip]), sigma),
                     "fit_window_T": [float(B[fw].min()), float(B[fw].max())],
                     "method": "argmax of smoothed data (parabola failed)",
                     "sampling_B_T": 0.0, "sampling_R_ohm": 0.0}
        fwhm = _raw_fwhm(R[sel], int(peaks[j]), float(props["widths"][j]),
                         smooth_points) * step
        entry.update({"prominence_ohm": float(props["prominences"][j]), "halfwidth_T": hw,
                      "fwhm_T": fwhm, "field_step_T": step,
                      "resolved": bool(fwhm >= _RESOLVED_STEPS * step)})
        if entry["method"] == "parabola":
            entry["sampling_B_T"] = max(entry["sampling_B_T"], _grid_floor(step, fwhm))
        out[key] = entry
    return out


def _raw_fwhm(y: np.ndarray, i: int, smooth_width: float, smooth_points: int) -> float:
    """FWHM (points) of the peak near index ``i``: the smoothed width, or, for a peak
    narrower than twice the smoothing window (which broadens a peak sampled by a few
    points), the width measured on the raw points when that is at least one point."""
    if smooth_width >= 2 * smooth_points:
        return smooth_width
    lo, hi = max(i - 1, 0), min(i + 2, y.size)
    k = lo + int(np.argmax(y[lo:hi]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # PeakPropertyWarning
        try:
            wr = float(peak_widths(y, [k], rel_height=0.5)[0][0])
        except (ValueError, IndexError):
            return smooth_width
    return min(wr, smooth_width) if wr >= 1 else smooth_width


def _grid_floor(step: float, fwhm: float) -> float:
    """Smallest sampling error (T) of a peak field located on a grid of step ``dB``.

    Resolved peak (FWHM >= ``_RESOLVED_STEPS`` steps): ``_GRID_BIAS * dB^2 / FWHM``, the
    rms vertex bias of a parabola through a window placed on the grid (offset uniform
    within one step) on a Lorentzian-like top: the bias grows with the window asymmetry
    (<= dB/2) times the non-parabolicity of the top over the window (~ dB/FWHM for the
    minimal 5-point window). Calibrated on noise-free Lorentzians with FWHM of 2-30
    steps (0.02-0.1 dB; tests/transport/test_hysteresis.py). Unresolved peak: the
    position is known within one step only, ``dB/sqrt(12)``.
    """
    if not fwhm >= _RESOLVED_STEPS * step:
        return step / math.sqrt(12)
    return _GRID_BIAS * step**2 / fwhm


def _parabola_vertex(B: np.ndarray, R: np.ndarray, center: float, hw: float, sigma: float,
                     h0: float, curv: float) -> tuple[Any, Any, Any]:
    """Vertex (B ufloat, R ufloat) of a parabola fitted to the raw points within ``hw`` of
    ``center`` (weights 1/sigma, ``scale_covar=False``), and the lmfit result.

    Raises FitError when fewer than 5 points are in the window, the curvature is not
    negative or the vertex lies at the window edge.
    """
    fw = np.abs(B - center) <= hw * (1 + 1e-9)
    if fw.sum() < 5:
        raise FitError("fewer than 5 points in the parabola window")
    xb, yb = B[fw], R[fw]
    model = lmfit.Model(_parabola)
    pars = model.make_params(B0=center, h=h0, k=curv)
    # B0 unbounded: a bound centred on the start value freezes it in lmfit's
    # bounded-parameter transform; the vertex is checked against the window below
    res = model.fit(yb, pars, B=xb, weights=np.full(yb.size, 1 / sigma), scale_covar=False)
    p = params_from_lmfit(res, {"B0": "B", "h": "R"})
    b0 = p["B"]
    at_edge = min(abs(b0.nominal_value - xb.min()), abs(b0.nominal_value - xb.max()))
    if at_edge < 0.05 * hw or res.params["k"].value <= 0:
        raise FitError("parabola vertex at the window edge")
    return b0, p["R"], res


def _barlow(shift: float, noise: float) -> float:
    """Part of a shift between two estimates from the same data that noise does not explain
    (Barlow 2002, hep-ex/0207026): ``noise`` is the standard deviation of the difference
    itself (both estimates share points), and the shift counts only beyond ``_BARLOW_K``
    times it: ``sqrt(max(0, shift^2 - (_BARLOW_K noise)^2))``."""
    return excess_shift(shift, noise, scale=_BARLOW_K)


def _vertex_gradients(B: np.ndarray, R: np.ndarray, center: float, hw: float
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Derivatives of the parabola vertex field (T/Ohm) and of R at the vertex (1) with
    respect to every point R_i of the branch (zero outside the window ``|B - center| <=
    hw``), for the linear least-squares parabola of equal weights.

    The noise of the difference of two vertex estimates (other window, other centre) is
    then ``sigma * ||g_a - g_b||``: exact for the shared points, whatever the overlap.
    """
    fw = np.abs(B - center) <= hw * (1 + 1e-9)
    x = (B[fw] - center) / hw
    A = np.c_[np.ones(x.size), x, x**2]
    J = np.linalg.pinv(A)  # 3 x m: c = J @ y
    _, c1, c2 = J @ R[fw]
    dvb = hw * np.array([0.0, -1.0 / (2 * c2), c1 / (2 * c2**2)])
    dvr = np.array([1.0, -c1 / (2 * c2), c1**2 / (4 * c2**2)])
    gb, gr = np.zeros(B.size), np.zeros(B.size)
    gb[fw], gr[fw] = dvb @ J, dvr @ J
    return gb, gr


def _diff_noise(a: dict[str, Any], b: dict[str, Any], key: str, sigma: float) -> float:
    """Standard deviation (noise ``sigma``) of the difference of two peak estimates."""
    return float(sigma * np.linalg.norm(a[key] - b[key]))


def _refine_peak(B: np.ndarray, R: np.ndarray, ip: int, hw: float, sigma: float,
                 h0: float, curv: float) -> dict[str, Any]:
    """Parabola refinement of the peak at index ``ip`` with its sampling errors.

    The sampling error of the vertex (and of R at the vertex) is the difference between
    the nominal parabola and the parabola of a window one field step wider on each side,
    counted beyond its own noise (:func:`_barlow`, :func:`_vertex_gradients`): on a coarse
    grid the window sits asymmetrically around the true peak and the non-parabolic top
    biases the vertex by a fraction of the step; that bias changes when one more point per
    side enters.
    """
    step = _field_step(B)
    b0, r0, res = _parabola_vertex(B, R, float(B[ip]), hw, sigma, h0, curv)
    fw = np.abs(B - B[ip]) <= hw * (1 + 1e-9)
    gb, gr = _vertex_gradients(B, R, float(B[ip]), hw)
    entry: dict[str, Any] = {"B_peak": b0, "R_peak": r0, "method": "parabola",
                             "fit_window_T": [float(B[fw].min()), float(B[fw].max())],
                             "redchi": float(res.redchi), "npoints_fit": int(fw.sum()),
                             "_grad_B": gb, "_grad_R": gr}
    try:
        bw, rw, _ = _parabola_vertex(B, R, float(B[ip]), hw + step, sigma, h0, curv)
        gw = dict(zip(("_grad_B", "_grad_R"),
                      _vertex_gradients(B, R, float(B[ip]), hw + step), strict=True))
        sb = _barlow(b0.nominal_value - bw.nominal_value,
                     _diff_noise(entry, gw, "_grad_B", sigma))
        sr = _barlow(r0.nominal_value - rw.nominal_value,
                     _diff_noise(entry, gw, "_grad_R", sigma))
    except (FitError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        sb, sr = step / math.sqrt(12), 0.0
    entry.update({"sampling_B_T": sb, "sampling_R_ohm": sr})
    return entry


def _field_step(B: np.ndarray) -> float:
    """Median spacing (T) of the distinct fields of a sorted branch (> 0)."""
    d = np.diff(np.unique(B))
    d = d[d > 0]
    return float(np.median(d)) if d.size else 1e-300


def _branch(sweeps: list, direction: str) -> tuple[np.ndarray, np.ndarray] | None:
    xs = [s.x for s in sweeps if s.direction == direction]
    if not xs:
        return None
    x = np.concatenate(xs)
    y = np.concatenate([s.y for s in sweeps if s.direction == direction])
    g = pd.Series(y).groupby(x).mean()
    return g.index.to_numpy(float), g.to_numpy(float)


def _r_at_zero(B: np.ndarray, R: np.ndarray, sigma: float, npts: int = 5) -> Any:
    """R(B = 0) (Ohm) on one branch: local linear fit of the ``npts`` points nearest to
    zero (None when B = 0 is outside the branch)."""
    idx = np.argsort(np.abs(B))[: min(npts, B.size)]
    if not (B.min() <= 0 <= B.max()):
        return None
    A = np.c_[np.ones(idx.size), B[idx]]
    coef, *_ = np.linalg.lstsq(A, R[idx], rcond=None)
    err = sigma * math.sqrt(float(np.linalg.inv(A.T @ A)[0, 0]))  # no underflow of sigma**2
    if not (math.isfinite(err) and err > 0):  # never a zero-width ufloat
        return float(coef[0])
    return ufloat(float(coef[0]), err)


def analyze_loop(
    up: tuple[np.ndarray, np.ndarray] | None,
    down: tuple[np.ndarray, np.ndarray] | None,
    *,
    window_T: tuple[float, float] = (0.0, math.inf),
    peak_sigma: float = 5.0,
    smooth_points: int = 7,
    halfwidth_T: float | None = None,
    offset_search_T: float = 0.02,
    hysteresis_sigma: float = 5.0,
    glitch_sigma: float = 6.0,
    window: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Peaks, Delta R, superconducting windows, branch difference and symmetry of one loop
    (one temperature).

    Parameters
    ----------
    up, down
        ``(B_T, R_ohm)`` of the up and down branches (either may be None).
    window_T, peak_sigma, smooth_points, halfwidth_T
        See :func:`find_branch_peaks`.
    offset_search_T
        Range of the remanent-field offset B0 searched in the symmetry test (T).
    hysteresis_sigma
        Significance (:func:`hysteresis_significance`, in sigma) of the whole branch
        difference above which the loop counts as hysteretic.
    glitch_sigma
        Threshold of :func:`find_glitches`; glitches are removed before anything else.
    window
        Options of the superconducting-window analysis
        (:func:`ktoanalysis.transport.critical_field.branch_crossings`: ``fraction``,
        ``levels``, ``rn_method``, ``plateau_fraction``, ``rn_field_T``, ``R_N_ohm``) and
        ``shift_sigma`` (significance of the window shift that names the mechanism
        ``"shifted_window"``, default 3) and ``edge_peak_fraction`` (default 0.25); default
        all defaults.

    Returns
    -------
    dict
        ``branches`` (per branch: noise, peaks, R(0), Delta R per sign), ``glitches``
        (per branch: removed points), ``windows`` (per branch with a superconducting
        window: the critical-field analysis), ``shift`` (window shift, ufloat, and its
        significance), ``difference`` (max |R_up - R_down|, areas with errors, noise,
        significance), ``symmetry`` (B0 offset, rms), ``hysteresis`` status string,
        ``mechanism`` (``"butterfly"``, ``"shifted_window"``, ``"unexplained"`` or
        ``"none"``) and ``branches_differ`` (significance above ``hysteresis_sigma``).
    """
    info: dict[str, Any] = {"branches": {}, "glitches": {}, "field_dependence": {}}
    up = _remove_glitches(up, glitch_sigma, info["glitches"], "up")
    down = _remove_glitches(down, glitch_sigma, info["glitches"], "down")
    for name, br in (("up", up), ("down", down)):
        if br is None:
            continue
        B, R = br
        info["field_dependence"][name] = field_dependence(B, R)
        pk = find_branch_peaks(B, R, window_T=window_T, peak_sigma=peak_sigma,
                               smooth_points=smooth_points, halfwidth_T=halfwidth_T)
        _add_budgets(B, R, pk, window_T=window_T, peak_sigma=peak_sigma,
                     smooth_points=smooth_points, halfwidth_T=halfwidth_T)
        info["branches"][name] = pk
    wopts = dict(window or {})
    shift_sigma = float(wopts.pop("shift_sigma", 3.0))
    field_lag = float(wopts.pop("field_lag_T", 0.0))
    edge_fraction = float(wopts.pop("edge_peak_fraction", _EDGE_PEAK_FRACTION))
    info["windows"], info["window_notes"] = _windows(up, down, wopts)
    both = up is not None and down is not None
    if both:
        info["difference"] = _difference(up, down, info["branches"], smooth_points)
        info["symmetry"] = _symmetry(up, down, offset_search_T)
        _mark_hysteretic_peaks(info["branches"], up, down, peak_sigma, smooth_points)
        _demote_edge_peaks(info["branches"], info["windows"], edge_fraction)
        info["shift"] = _window_shift(info["windows"], wopts.get("fraction", 0.5),
                                      field_lag)
    z = info.get("difference", {}).get("significance_sigma")
    info["branches_differ"] = bool(z is not None and z > hysteresis_sigma)
    info["flat"] = _is_flat(info)
    info["hysteresis"], info["hysteretic_peaks"] = _status(info, both)
    info["mechanism"] = _mechanism(info, shift_sigma)
    if info["mechanism"] == "shifted_window":
        info["hysteresis"] = "shifted superconducting windows"
    return info


def _windows(up, down, wopts: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Critical-field analysis of each branch; kept only for branches with a
    superconducting window (the main level crossed on both sides)."""
    from .critical_field import branch_crossings

    frac = wopts.get("fraction", 0.5)
    out: dict[str, Any] = {}
    notes: dict[str, str] = {}
    for name, br in (("up", up), ("down", down)):
        if br is None:
            continue
        try:
            w = branch_crossings(br[0], br[1], glitch_sigma=math.inf, **wopts)
        except (KtoError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            notes[name] = f"no window analysis: {exc}"
            continue
        main = w["levels"][frac]
        if "budget" in main["minus"] and "budget" in main["plus"]:
            out[name] = w
        else:
            why = main["minus"].get("reason") or main["plus"].get("reason")
            notes[name] = f"no superconducting window at {frac:g} R_N: {why}"
    return out, notes


def _demote_edge_peaks(branches: dict[str, Any], windows: dict[str, Any],
                       fraction: float) -> None:
    """On a branch with a superconducting window, a peak smaller than ``fraction`` times
    the window depth (R_N - R(B=0)) is an edge wiggle (overshoot), not a butterfly peak."""
    for name, w in windows.items():
        r0 = w["R_B0"]
        depth = w["rn"]["value"] - (float(getattr(r0, "nominal_value", r0))
                                    if r0 is not None else float(np.min(w["R"])))
        for sgn in ("pos", "neg"):
            pk = branches.get(name, {}).get(sgn)
            if pk is None or not pk.get("hysteretic"):
                continue
            if pk["prominence_ohm"] < fraction * depth:
                pk["hysteretic"] = False
                pk["not_butterfly"] = (f"edge feature of the superconducting window: "
                                       f"prominence {pk['prominence_ohm']:.3g} Ohm < "
                                       f"{fraction:g} x window depth {depth:.3g} Ohm")


def _window_shift(windows: dict[str, Any], fraction: float,
                  field_lag_T: float = 0.0) -> dict[str, Any]:
    """centre(up) - centre(down) of the main-level windows, with its significance.

    ``significance_sigma`` counts the statistical error and the magnet systematic
    ``sys_field_lag_T = 2 field_lag_T / sqrt(3)`` (a lag of unknown sign up to
    ``field_lag_T`` per sweep direction, uniform) in quadrature: is the shift a property
    of the sample; ``stat_significance_sigma`` the statistical error alone: are the
    windows shifted at all (names the mechanism ``"shifted_window"``)."""
    if "up" not in windows or "down" not in windows:
        return {"note": "a superconducting window on both branches is needed"}
    c = {}
    for name in ("up", "down"):
        lv = windows[name]["levels"][fraction]
        c[name] = (lv["minus"]["value"] + lv["plus"]["value"]) / 2
    shift = c["up"] - c["down"]
    err = float(shift.std_dev)
    lag_sys = 2.0 * float(field_lag_T) / math.sqrt(3.0)
    tot = math.hypot(err, lag_sys)
    val = abs(float(shift.nominal_value))
    return {"window_shift_T": shift, "centre_up_T": c["up"], "centre_down_T": c["down"],
            "significance_sigma": val / tot if tot > 0 else math.inf,
            "stat_significance_sigma": val / err if err > 0 else math.inf,
            "sys_field_lag_T": lag_sys, "field_lag_T": float(field_lag_T)}


def _mechanism(info: dict[str, Any], shift_sigma: float) -> str:
    """Which mechanism the loop shows: butterfly peaks on both branches, shifted
    superconducting windows (significant branch difference and window shift), another
    hysteresis ("unexplained") or none (no significant branch difference)."""
    if info["flat"]:
        return "none"
    if info["hysteresis"].startswith("butterfly"):
        return "butterfly"
    shift = info.get("shift", {})
    # the statistical significance: the shift explains the branch difference whatever its
    # cause (a shift within the magnet lag is commented by a note flag)
    if info["branches_differ"] and shift.get("stat_significance_sigma", 0.0) > shift_sigma:
        return "shifted_window"
    if info["branches_differ"] or info["hysteresis"].startswith("hysteretic peak"):
        return "unexplained"
    return "none"


def _choice_shifts(B: np.ndarray, R: np.ndarray, pk: dict[str, Any], sgn: str, *,
                   window_T: tuple[float, float], peak_sigma: float, smooth_points: int,
                   halfwidth_T: float | None) -> dict[str, dict[str, float]]:
    """Systematic errors of one peak (B and R at the vertex) from the analysis choices.

    The peak is searched again with ``smooth_points`` -+ 2 (``"smooth_points"``) and with
    the parabola half-width times 1.5 (``"peak_halfwidth_T"``); each shift counts only
    beyond the noise of the difference (:func:`_barlow`), the largest over the variants of
    a choice is kept. A variant that finds no peak within two half-widths of the nominal
    one (another feature) is not a shift of this peak and is ignored.
    """
    nom = pk[sgn]
    out: dict[str, dict[str, float]] = {"B": {}, "R": {}}
    if nom["method"] != "parabola":  # argmax fallback: its error is already dB/sqrt(12)
        return out
    variants = {"smooth_points": [dict(smooth_points=v, halfwidth_T=halfwidth_T)
                                  for v in (smooth_points - 2, smooth_points + 2) if v >= 5],
                "peak_halfwidth_T": [dict(smooth_points=smooth_points,
                                          halfwidth_T=1.5 * nom["halfwidth_T"])]}
    for choice, kws in variants.items():
        sb = sr = 0.0
        for kw in kws:
            try:
                alt = find_branch_peaks(B, R, window_T=window_T, peak_sigma=peak_sigma,
                                        **kw)[sgn]
            except (KtoError, ValueError, ArithmeticError, np.linalg.LinAlgError):
                continue
            if (alt is None or alt["method"] != nom["method"]
                    or alt["fit_window_T"] == nom["fit_window_T"]):  # same points: no shift
                continue
            db = alt["B_peak"].nominal_value - nom["B_peak"].nominal_value
            if abs(db) > 2 * nom["halfwidth_T"]:
                continue
            sig = pk["noise_ohm"]
            sb = max(sb, _barlow(db, _diff_noise(nom, alt, "_grad_B", sig)))
            sr = max(sr, _barlow(alt["R_peak"].nominal_value - nom["R_peak"].nominal_value,
                                 _diff_noise(nom, alt, "_grad_R", sig)))
        out["B"][choice], out["R"][choice] = sb, sr
    return out


def _add_budgets(B: np.ndarray, R: np.ndarray, pk: dict[str, Any], **choices: Any) -> None:
    """R(0), Delta R and the error budgets (statistical, sampling, systematic) of the
    peaks of one branch, in place.

    ``B_peak`` / ``R_peak`` / ``delta_R`` / ``R0`` become the values with the combined
    error (:func:`~ktoanalysis.transport.result.combine_errors`); the statistical parts are
    kept as ``*_stat`` and the budgets as ``budget_B`` / ``budget_R`` / ``budget_dR`` /
    ``budget_R0``. R(0) has no sampling error (an interpolation at B = 0, not a located
    extremum); its choice is the number of points of the local line (5 vs 9,
    ``"r0_points"``).
    """
    sigma = pk["noise_ohm"]
    r0 = _r_at_zero(B, R, sigma)
    if r0 is not None:
        r0_alt = _r_at_zero(B, R, sigma, npts=9)
        # nested least-squares fits: the difference has the variance err_5^2 - err_9^2
        e5, e9 = as_param(r0)[1] or 0.0, as_param(r0_alt)[1] or 0.0
        sys_r0 = {"r0_points": _barlow(as_param(r0_alt)[0] - as_param(r0)[0],
                                       math.sqrt(abs(e5**2 - e9**2)))}
        pk["R0_stat"] = r0
        pk["R0"], pk["budget_R0"] = combine_errors(r0, sys=sys_r0)
    else:
        pk["R0"] = None
    for sgn in ("pos", "neg"):
        e = pk[sgn]
        if e is None:
            continue
        shifts = _choice_shifts(B, R, pk, sgn, **choices)
        e["B_peak_stat"], e["R_peak_stat"] = e["B_peak"], e["R_peak"]
        e["B_peak"], e["budget_B"] = combine_errors(e["B_peak_stat"],
                                                    sampling=e["sampling_B_T"], sys=shifts["B"])
        e["R_peak"], e["budget_R"] = combine_errors(e["R_peak_stat"],
                                                    sampling=e["sampling_R_ohm"],
                                                    sys=shifts["R"])
        if r0 is not None:
            sys_dr = {k: math.hypot(v, sys_r0["r0_points"] if k == "r0_points" else 0.0)
                      for k, v in shifts["R"].items()} | sys_r0
            e["delta_R"], e["budget_dR"] = combine_errors(e["R_peak_stat"] - r0,
                                                          sampling=e["sampling_R_ohm"],
                                                          sys=sys_dr)


def _is_flat(info: dict[str, Any]) -> bool:
    """No field dependence above the noise: every branch consistent with a constant
    (:func:`field_dependence` below ``FLAT_SIGMA``), no significant peak, no branch
    difference."""
    if not info["branches"] or info["branches_differ"]:
        return False
    peaks = any(b[s] is not None for b in info["branches"].values() for s in ("pos", "neg"))
    zs = [d.get("significance_sigma", math.inf) for d in info["field_dependence"].values()]
    return not peaks and all(z < FLAT_SIGMA for z in zs)


def _remove_glitches(br: tuple[np.ndarray, np.ndarray] | None, k: float,
                     out: dict[str, Any], name: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The branch without its glitches (:func:`find_glitches`); they are listed in ``out``."""
    if br is None:
        return None
    B, R = br
    gl = find_glitches(B, R, k=k)
    if gl.size:
        out[name] = [{"B_T": float(B[i]), "R_ohm": float(R[i])} for i in gl]
        return np.delete(B, gl), np.delete(R, gl)
    return B, R


def _mark_hysteretic_peaks(branches: dict[str, Any], up, down, peak_sigma: float,
                           smooth_points: int) -> None:
    """A butterfly peak must stand out against the *other* branch at the same field;
    peaks even in B (normal-state MR maxima) appear on both branches and do not count."""
    noise_d = math.hypot(branches["up"]["noise_ohm"], branches["down"]["noise_ohm"])
    for name, other in (("up", down), ("down", up)):
        for sgn in ("pos", "neg"):
            pk = branches[name][sgn]
            if pk is None:
                continue
            bp = pk["B_peak"].nominal_value
            if not other[0].min() <= bp <= other[0].max():
                pk["hysteretic"] = None
                continue
            ro = float(np.interp(bp, other[0], _smooth(other[1], smooth_points)))
            pk["branch_difference_ohm"] = pk["R_peak"].nominal_value - ro
            pk["hysteretic"] = bool(pk["branch_difference_ohm"] > peak_sigma * noise_d)


def _status(info: dict[str, Any], both: bool) -> tuple[str, dict[str, list[str]]]:
    """Hysteresis status of one loop from the peaks and the whole branch difference."""
    hyst = {n: [s for s in ("pos", "neg") if b[s] is not None and b[s].get("hysteretic")]
            for n, b in info["branches"].items()}
    if info["flat"]:
        return "none detected (no field dependence above the noise)", hyst
    if not both:
        n_peaks = sum(b[s] is not None for b in info["branches"].values() for s in ("pos", "neg"))
        return ("peaks found, hysteresis not testable (one branch only)" if n_peaks
                else "none detected (one branch only)"), hyst
    if hyst.get("up") and hyst.get("down"):
        return "butterfly peaks on both branches", hyst
    if any(hyst.values()):
        return "hysteretic peak on one branch only", hyst
    if info["branches_differ"]:
        return "hysteretic branches without butterfly peaks", hyst
    return "none detected", hyst


def _difference(up, down, branches, smooth_points) -> dict[str, Any]:
    lo = max(up[0].min(), down[0].min())
    hi = min(up[0].max(), down[0].max())
    if hi <= lo:
        return {"note": "branches do not overlap"}
    grid = up[0][(up[0] >= lo) & (up[0] <= hi)]
    su = np.interp(grid, up[0], _smooth(up[1], smooth_points))
    sd = np.interp(grid, down[0], _smooth(down[1], smooth_points))
    D = su - sd
    noise = math.hypot(branches["up"]["noise_ohm"], branches["down"]["noise_ohm"])
    i = int(np.argmax(np.abs(D)))
    areas = _areas(grid, D, up, down)
    return {"max_abs_diff_ohm": float(abs(D[i])), "B_at_max_T": float(grid[i]),
            "area_ohm_T": areas["abs"][0], "area": areas,
            "noise_ohm": noise, "max_over_noise": float(abs(D[i]) / max(noise, 1e-300)),
            "grid_T": grid, "diff_ohm": D} | hysteresis_significance(up, down)


def _trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Weights w with ``sum(w*y) = trapezoid(y, x)``."""
    w = np.zeros(x.size)
    dx = np.diff(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


def _areas(grid: np.ndarray, D: np.ndarray, up, down) -> dict[str, tuple[float, float, float]]:
    """Areas ``int |R_up - R_down| dB`` (``"abs"``) and ``int (R_up - R_down) dB``
    (``"signed"``) on the common field range, each as (value, stat, sampling) in Ohm T.

    stat: ``sqrt(sum w_i^2 (s_up,i^2 + s_down,i^2))`` with the trapezoid weights ``w_i`` and
    the local noise of the raw branches (the smoothed difference is less noisy:
    conservative); sampling: the Richardson estimate ``|A(dB) - A(2 dB)|/3`` of the
    trapezoid error.
    """
    if grid.size < 3:
        return {"abs": (float(np.trapezoid(np.abs(D), grid)), math.nan, 0.0),
                "signed": (float(np.trapezoid(D, grid)), math.nan, 0.0)}
    su = np.interp(grid, up[0], local_noise(up[1]))
    sd = np.interp(grid, down[0], local_noise(down[1]))
    w = _trapezoid_weights(grid)
    stat = float(np.sqrt(np.sum(w**2 * (su**2 + sd**2))))
    out = {}
    for key, y in (("abs", np.abs(D)), ("signed", D)):
        a = float(np.trapezoid(y, grid))
        a2 = float(np.trapezoid(y[::2], grid[::2])) if grid.size % 2 else float(
            np.trapezoid(y[:-1:2], grid[:-1:2]) + np.trapezoid(y[-2:], grid[-2:]))
        out[key] = (a, stat, abs(a - a2) / 3.0)
    return out


def _symmetry(up, down, search_T: float) -> dict[str, Any]:
    """Butterfly symmetry: best B0 with R_up(B0 + b) ~ R_down(B0 - b)."""
    bu, ru = up
    bd, rd = down

    def rms(b0: float) -> float:
        partner_b = 2 * b0 - bu
        ok = (partner_b >= bd.min()) & (partner_b <= bd.max())
        if ok.sum() < 5:
            return math.inf
        return float(np.sqrt(np.mean((ru[ok] - np.interp(partner_b[ok], bd, rd)) ** 2)))

    step = float(np.median(np.abs(np.diff(bu)))) if bu.size > 1 else search_T
    nfine = int(min(2 * search_T / max(step, 1e-300), 500.0)) * 4 + 1
    grid = np.linspace(-search_T, search_T, max(21, nfine))
    vals = np.array([rms(b) for b in grid])
    j = int(np.argmin(vals))
    b0 = float(grid[j])
    if 0 < j < grid.size - 1 and np.all(np.isfinite(vals[j - 1:j + 2])):
        y0, y1, y2 = vals[j - 1] ** 2, vals[j] ** 2, vals[j + 1] ** 2
        den = y0 - 2 * y1 + y2
        if den > 0:
            b0 += 0.5 * (grid[1] - grid[0]) * (y0 - y2) / den
    return {"B_offset_T": b0, "rms_at_offset_ohm": rms(b0), "rms_at_zero_ohm": rms(0.0),
            "search_T": search_T, "at_search_edge": j in (0, grid.size - 1)}


# ----------------------------------------------------------------------------------------
# Delta R_S(T) with the TAPS form (docs/models/butterfly_mr.md, ASSUMPTION mr_taps_field_dependence)
# ----------------------------------------------------------------------------------------

def _taps(T, Tc, dF0_K, A):
    return A * np.exp(log_lamh_reduced(T, Tc, dF0_K, 0.0))


def taps_delta_r(T_K: Any, form: str, **p: float) -> np.ndarray:
    """Delta R(T) (Ohm) of the three ASSUMPTION ``mr_taps_field_dependence`` forms.

    * ``"shape_only"``: ``A*r(T; Tc, dF0)`` (r = reduced LAMH shape, A absorbs everything);
      parameters ``A, Tc, dF0_K``;
    * ``"free_pair"``: ``A*[r(T; Tc_B, dF0_B_K) - r(T; Tc, dF0_K)]``;
    * ``"tc_shift"``: ``A*[r(T; Tc*sqrt(1 - (B_peak/Bc2par)^2), dF0) - r(T; Tc, dF0)]``,
      parameters ``A, Tc, dF0_K, B_peak_T, Bc2par_T``.
    """
    T = np.asarray(T_K, float)
    if form == "shape_only":
        return _taps(T, p["Tc"], p["dF0_K"], p["A"])
    if form == "free_pair":
        return _taps(T, p["Tc_B"], p["dF0_B_K"], p["A"]) - _taps(T, p["Tc"], p["dF0_K"], p["A"])
    if form == "tc_shift":
        ratio = p["B_peak_T"] / p["Bc2par_T"]
        if not 0 <= ratio < 1:
            raise FitError("tc_shift needs 0 <= B_peak < Bc2par")
        tcb = p["Tc"] * math.sqrt(1 - ratio**2)
        return _taps(T, tcb, p["dF0_K"], p["A"]) - _taps(T, p["Tc"], p["dF0_K"], p["A"])
    raise FitError(f"mr_taps_field_dependence must be shape_only|free_pair|tc_shift, got {form!r}")


def fit_delta_rs_taps(
    T_K: np.ndarray,
    dR_ohm: np.ndarray,
    sigma_ohm: np.ndarray | None = None,
    *,
    form: Literal["free_pair", "tc_shift", "shape_only"] = "free_pair",
    B_peak_T: float = 0.08,
    Bc2par_T: float | None = None,
    Tc_K: float | None = None,
) -> FitResult:
    """Fit Delta R_S(T) with the LAMH TAPS form (seed 004 Fig. 2f).

    Parameters
    ----------
    T_K, dR_ohm, sigma_ohm
        Temperatures (K), Delta R values (Ohm) and their 1-sigma errors (then
        ``scale_covar=False``; otherwise covariance scaled by chi2_red).
    form
        ASSUMPTION ``mr_taps_field_dependence`` (default ``"free_pair"``), see
        :func:`taps_delta_r`.
    B_peak_T, Bc2par_T
        Peak field and parallel Hc2(0) (T) for ``"tc_shift"`` (Bc2par is required there:
        the amplitude and Bc2par are otherwise degenerate).
    Tc_K
        Fix Tc (zero-field curve); default fitted.

    Returns
    -------
    FitResult
        ``Tc_K``, ``dF0_K``, ``dF0_J``, ``A_ohm`` (and ``Tc_B_K``, ``dF0_B_K`` for free_pair).
    """
    from ..units import K_B

    T = np.asarray(T_K, float)
    y = np.asarray(dR_ohm, float)
    if T.size != y.size or not (np.all(np.isfinite(T)) and np.all(np.isfinite(y))):
        raise DataFormatError("T and Delta R must be finite arrays of equal length")
    nfree = {"shape_only": 3, "tc_shift": 3, "free_pair": 5}.get(form)
    if nfree is None:
        raise FitError(f"mr_taps_field_dependence must be shape_only|free_pair|tc_shift, "
                       f"got {form!r}")
    nfree -= Tc_K is not None
    if T.size < nfree + 2:
        raise FitError(f"{T.size} temperatures are too few for a {form!r} TAPS fit "
                       f"({nfree} free parameters)")
    if form == "tc_shift" and Bc2par_T is None:
        raise FitError("mr_taps_field_dependence='tc_shift' needs Bc2par_T")
    tmax = float(T.max())

    def f_shape(T, Tc=1.0, dF0_K=5.0, A=1.0):
        return taps_delta_r(T, "shape_only", Tc=Tc, dF0_K=dF0_K, A=A)

    def f_pair(T, Tc=1.0, dF0_K=5.0, A=1.0, dTc=0.01, dF0_B_K=5.0):
        return taps_delta_r(T, "free_pair", Tc=Tc, dF0_K=dF0_K, A=A, Tc_B=Tc - dTc,
                            dF0_B_K=dF0_B_K)

    def f_shift(T, Tc=1.0, dF0_K=5.0, A=1.0):
        return taps_delta_r(T, "tc_shift", Tc=Tc, dF0_K=dF0_K, A=A, B_peak_T=B_peak_T,
                            Bc2par_T=Bc2par_T)

    func = {"shape_only": f_shape, "free_pair": f_pair, "tc_shift": f_shift}[form]
    model = lmfit.Model(func, independent_vars=["T"])
    # starting values: grid over (Tc, dF0) of the bell shape with a linear amplitude
    best = (np.inf, tmax * 1.1, 5.0, 1.0)
    for tc in tmax * np.array([1.01, 1.03, 1.06, 1.1, 1.2, 1.35, 1.6]):
        if Tc_K is not None:
            tc = Tc_K
        for df in tc * np.geomspace(0.5, 60, 40):
            if form == "shape_only":
                shape = taps_delta_r(T, "shape_only", Tc=tc, dF0_K=df, A=1.0)
            elif form == "tc_shift":
                shape = taps_delta_r(T, "tc_shift", Tc=tc, dF0_K=df, A=1.0, B_peak_T=B_peak_T,
                                     Bc2par_T=Bc2par_T)
            else:
                shape = taps_delta_r(T, "free_pair", Tc=tc, dF0_K=df, A=1.0,
                                     Tc_B=tc * 0.97, dF0_B_K=df * 0.9)
            nn = float(shape @ shape)
            if nn <= 0:
                continue
            a = float(shape @ y) / nn
            ssr = float(np.sum((y - a * shape) ** 2))
            if ssr < best[0] and a > 0:
                best = (ssr, tc, df, a)
    _, tc0, df0, a0 = best
    pars = model.make_params(Tc=tc0, dF0_K=df0, A=a0)
    pars["Tc"].set(min=tmax * (1 + 1e-6) + 1e-5, max=5 * tmax, vary=Tc_K is None)
    if Tc_K is not None:
        if tmax >= Tc_K:
            raise FitError(f"Delta R data at T = {tmax:g} K >= Tc = {Tc_K:g} K")
        pars["Tc"].set(value=Tc_K)
    pars["dF0_K"].set(min=1e-3)
    pars["A"].set(min=0)
    if form == "free_pair":
        pars["dTc"].set(value=0.03 * tc0, min=1e-6, max=0.5 * tc0)
        pars["dF0_B_K"].set(value=0.9 * df0, min=1e-3)
    w = None if sigma_ohm is None else 1 / np.asarray(sigma_ohm, float)
    try:
        res = model.fit(y, pars, T=T, weights=w, scale_covar=sigma_ohm is None)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise FitError(f"TAPS fit failed numerically: {exc}") from None
    names = {"Tc": "Tc_K", "dF0_K": "dF0_K", "A": "A_ohm"}
    if form == "free_pair":
        names.update({"dTc": "dTc_B_K", "dF0_B_K": "dF0_B_K"})
    params = params_from_lmfit(res, names)
    flags = check_goodness_of_fit(y - res.best_fit, sigma_ohm, res.nvarys, what="TAPS fit")
    flags += _taps_bound_flags(res.params)
    params["dF0_J"] = params["dF0_K"] * K_B
    if form == "free_pair":
        params["Tc_B_K"] = params["Tc_K"] - params["dTc_B_K"]
    Tf = np.linspace(0.98 * T.min(), min(T.max() * 1.02, res.params["Tc"].value), 300)
    return FitResult(
        kind="mr-hysteresis", params=params, stats=stats_from_lmfit(res),
        options={"mr_taps_field_dependence": form, "B_peak_T": B_peak_T,
                 "Bc2par_T": Bc2par_T, "Tc_fixed": Tc_K is not None,
                 "uncertainty": "weights=1/sigma, scale_covar=False" if sigma_ohm is not None
                 else "lmfit default: covariance scaled by chi2_red"},
        provenance={"npoints": int(T.size)},
        data={"T_K": T, "dR_ohm": y, "sigma_ohm": sigma_ohm, "T_fine_K": Tf,
              "fit_fine": res.eval(T=Tf), "band": res.eval_uncertainty(T=Tf, sigma=1)},
        lmfit_result=res, quality=Quality(tuple(flags)),
    )


def _taps_bound_flags(params: Any) -> list[Flag]:
    """``at_bound`` (fail) for a varied TAPS parameter within 1 % of a bound's value.

    Closeness is measured relative to the bound (not to the bound range, as in
    :func:`~ktoanalysis.transport.quality.check_bounds`): the Tc range [T_max, 5 T_max] is
    wide, and a Tc just above the data is legitimate unless it sits on T_max itself.
    """
    flags = []
    for name, p in params.items():
        if not p.vary or p.expr:
            continue
        for b, side in ((float(p.min), "lower"), (float(p.max), "upper")):
            scale = max(abs(b), abs(float(p.value)), 1e-300)
            if math.isfinite(b) and abs(float(p.value) - b) <= 0.01 * scale:
                flags.append(fail("at_bound", f"TAPS fit: {name} = {p.value:.4g} is at its "
                                  f"{side} bound {b:.4g}: not determined by the data"))
    return flags


# ----------------------------------------------------------------------------------------
# CLI / batch
# ----------------------------------------------------------------------------------------

#: default ``field_lag_T`` (T): ASSUMPTION, a typical remanent field of a superconducting
#: magnet after a sweep to several tesla (of order 10-30 Oe, e.g. Quantum Design PPMS
#: magnets without a magnet reset); the window centres of the two sweep directions may
#: then differ by up to 2 x this from the magnet alone
FIELD_LAG_T = 2e-3

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("channel", "int|str", None, "resistance channel (number) or column (default: the "
           "first resistance column)", min=1),
    Option("T_K", "float", None, "analyse the loop at this temperature only (default: every "
           "temperature block; params of the block with the most significant hysteresis)",
           unit="K", min=0),
    Option("by_tol", "float", 0.02, "temperature tolerance of one block", unit="K", min=0,
           min_exclusive=True),
    Option("peak_window_T", "pair", None, "[min, max] of |B| where peaks are searched "
           "(default: all fields)", unit="T", min=0),
    Option("peak_sigma", "float", 5.0, "peak prominence threshold in units of the branch "
           "noise", min=0, min_exclusive=True),
    Option("smooth_points", "int", 7, "Savitzky-Golay window (points) of the peak search",
           min=1),
    Option("peak_halfwidth_T", "float", None, "half-width of the parabola refinement "
           "(default: FWHM/4)", unit="T", min=0, min_exclusive=True),
    Option("offset_search_T", "float", 0.02, "range of the remanent-field offset search",
           unit="T", min=0, min_exclusive=True),
    Option("hysteresis_sigma", "float", 5.0, "significance (sigma) of the whole up/down "
           "branch difference above which a loop counts as hysteretic", min=0,
           min_exclusive=True),
    Option("glitch_sigma", "float", 6.0, "a point further than this many robust standard "
           "deviations from the line through both neighbours is a glitch (removed first)",
           min=0, min_exclusive=True),
    Option("fraction", "float", 0.5, "criterion f of the superconducting-window edges "
           "R(B_c) = f R_N", min=0, max=1, min_exclusive=True, max_exclusive=True,
           assumption=True),
    Option("levels", "floats", [0.9, 0.1], "further window levels reported (fractions of "
           "R_N)", min=0, max=1, min_exclusive=True, max_exclusive=True),
    Option("rn_method", "str", "plateau", "R_N of the window analysis: 'plateau' (median R "
           "at |B| >= plateau_fraction max|B|), 'fixed_B' (R at |B| = rn_field_T), "
           "'fixed_value' (R_N_ohm)", choices=("plateau", "fixed_B", "fixed_value"),
           assumption=True),
    Option("plateau_fraction", "float", 0.9, "plateau of the 'plateau' rule: |B| >= this "
           "fraction of max|B|", min=0, max=1, min_exclusive=True, max_exclusive=True),
    Option("rn_field_T", "float", None, "field of rn_method='fixed_B'", unit="T", min=0,
           min_exclusive=True),
    Option("R_N_ohm", "float", None, "R_N of the window analysis (implies 'fixed_value')",
           unit="Ohm", min=0, min_exclusive=True),
    Option("window_shift_sigma", "float", 3.0, "a significant branch difference is called "
           "'shifted_window' when the window centres differ by more than this many sigma",
           min=0, min_exclusive=True),
    Option("field_lag_T", "float", FIELD_LAG_T, "magnet remanence (trapped flux) or field "
           "lag per sweep direction: the magnet alone can shift the up and down window "
           "centres apart by up to 2 field_lag_T; window_shift_T gets the systematic "
           "2 field_lag_T/sqrt(3) (default: a typical superconducting-magnet remanence of "
           "about 20 Oe after a high-field excursion; 0 for a compensated magnet or a "
           "Hall-probe field)", unit="T", min=0, assumption=True),
    Option("W_m", "float", None, "bar width: report R_S = R*W/L (needs L_m)", unit="m",
           min=0, min_exclusive=True),
    Option("L_m", "float", None, "voltage-probe distance (needs W_m)", unit="m", min=0,
           min_exclusive=True),
    Option("taps_fit", "str", "auto", "'auto': fit Delta R(T) with the TAPS form when enough "
           "temperatures have peaks (parameters + 2); 'no': never", choices=("auto", "no")),
    Option("mr_taps_field_dependence", "str", "free_pair", "how B enters R_TAPS: "
           "'free_pair' (independent Tc, dF0 at B_peak), 'tc_shift' (2D GL Tc(B)), "
           "'shape_only' (one bell)", choices=("free_pair", "tc_shift", "shape_only"),
           assumption=True),
    Option("B_peak_T", "float", None, "peak field entering tc_shift (default: the measured "
           "mean |B_peak|)", unit="T", min=0, min_exclusive=True),
    Option("Bc2par_T", "float", None, "parallel Hc2(0) for tc_shift", unit="T", min=0,
           min_exclusive=True),
)

SPEC = KindSpec(
    kind="mr-hysteresis",
    summary="Magnetoresistance hysteresis: butterfly peaks (peak fields, Delta R_S) and "
            "shifted superconducting windows (edges, shift, area)",
    inputs="R(B) loops (B_T, a resistance column, T_K for several temperatures) with up "
           "and down sweeps",
    options=SPEC_OPTIONS,
    outputs=(
        Output("peak_field_up_T", "field of the hysteretic peak of the up sweep", "T"),
        Output("peak_field_down_T", "field of the hysteretic peak of the down sweep", "T"),
        Output("peak_field_<branch>_<pos|neg>_T", "peak field per branch and field sign", "T"),
        Output("peak_field_mean_abs_T", "mean |B_peak| of both branches", "T"),
        Output("delta_R_<branch>_ohm", "R(B_peak) - R(0) on the same branch", "Ohm"),
        Output("R_zero_<branch>_ohm", "R(B = 0) of the branch (local line, 5 points)", "Ohm"),
        Output("delta_R_ohm", "mean Delta R of both branches", "Ohm"),
        Output("noise_<branch>_ohm", "branch noise (second differences)", "Ohm"),
        Output("max_abs_diff_ohm", "max |R_up - R_down| (smoothed)", "Ohm"),
        Output("hysteresis_area_ohm_T", "integral of |R_up - R_down| dB", "Ohm T"),
        Output("hysteresis_signed_area_ohm_T", "integral of (R_up - R_down) dB", "Ohm T"),
        Output("B_c_<minus|plus>_<branch>_T", "superconducting-window edges R = f R_N "
               "(signed; branches with a window)", "T"),
        Output("B_c_<minus|plus>_<branch>_<pct>pct_T", "window edges at the further levels",
               "T"),
        Output("B_centre_<branch>_T", "window centre (B_c_minus + B_c_plus)/2", "T"),
        Output("B_halfwidth_<branch>_T", "window half-width", "T"),
        Output("window_shift_T", "B_centre_up - B_centre_down", "T"),
        Output("B_c_T", "mean window half-width over the branches", "T"),
        Output("R_N_<branch>_ohm", "normal-state resistance of the window analysis", "Ohm"),
        Output("R_B0_<branch>_ohm", "R at B = 0 (window analysis)", "Ohm"),
        Output("hysteresis_significance_sigma", "significance of the whole branch difference "
               "(chi-square against the local noise, Wilson-Hilferty z)"),
        Output("B_offset_T", "remanent-field offset from the butterfly symmetry", "T"),
        Output("taps_<name>", "parameters of the Delta R(T) TAPS fit"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()

#: free parameters of each TAPS form (Tc fitted)
_TAPS_NFREE = {"shape_only": 3, "tc_shift": 3, "free_pair": 5}


def _to_json_peak(p: dict[str, Any] | None) -> Any:
    if p is None:
        return "no peak"
    def conv(v: Any) -> Any:
        if isinstance(v, ErrorBudget):
            return v.to_dict()
        return {"value": v.nominal_value, "stderr": v.std_dev} if hasattr(v, "std_dev") else v

    return {k: conv(v) for k, v in p.items() if not k.startswith("_")}


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Butterfly-MR analysis (the ``mr-hysteresis`` kind); see :data:`SPEC`.

    Parameters
    ----------
    measurements
        Loaded field sweeps (B_T in T, a resistance column in Ohm, T_K).
    **options
        Options declared in :data:`SPEC` (validated first).

    Returns
    -------
    FitResult
        Parameters of the loop with the most significant hysteresis (see :data:`SPEC`
        outputs), every loop in ``options["per_temperature"]``, glitches removed in
        ``provenance["glitches"]``, and the quality flags.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    scale = _rs_scale(opts)
    blocks, cols = _temperature_blocks(measurements, opts)
    per_T = [_loop_at(tb, lst, scale, opts) for tb, lst in sorted(blocks, key=lambda b: b[0])]
    _refuse_if_flat(per_T)
    main = max(per_T, key=_loop_score)
    params, budget, wflags = _loop_params(main, opts["fraction"])
    flags = _report_flags(per_T, main, opts) + _loop_flags(per_T, main) + wflags
    options_out = _plain(_loop_options(main, per_T, opts, scale))
    data = {"loops": [{"T_K": i["T_K"], "up": i["up"], "down": i["down"],
                       "branches": i["branches"], "glitches": i["glitches"],
                       "windows": {n: {"R_N_ohm": w["rn"]["value"],
                                       "edges": [_nom(w, opts["fraction"], "minus"),
                                                 _nom(w, opts["fraction"], "plus")]}
                                   for n, w in i["windows"].items()},
                       "mechanism": i["mechanism"]} for i in per_T],
            "fraction": opts["fraction"],
            "main_T_K": main["T_K"]}
    stats: dict[str, Any] = {"n_temperatures": len(per_T)}
    flags += _taps_step(per_T, params, stats, options_out, data, opts)
    glitches = [{"T_K": i["T_K"], "branch": br, **g} for i in per_T
                for br, lst in i["glitches"].items() for g in lst]
    return FitResult(kind="mr-hysteresis", params=params, stats=stats, options=options_out,
                     provenance={"files": [str(m.source) for m in measurements],
                                 "columns": ["B_T", "T_K"] + cols,
                                 "units": {"B": "T", "R": "Ohm"}, "glitches": glitches},
                     data=data, quality=Quality(tuple(flags)), budget=budget)


def _rs_scale(opts: dict[str, Any]) -> float:
    """W/L when both are given (R_S = R*W/L), else 1."""
    if opts["W_m"] is None and opts["L_m"] is None:
        return 1.0
    if opts["W_m"] is None or opts["L_m"] is None:
        raise OptionError("mr-hysteresis: R_S conversion needs both W_m and L_m")
    return opts["W_m"] / opts["L_m"]


def _temperature_blocks(measurements: list[Measurement], opts: dict[str, Any]
                        ) -> tuple[list[tuple[float, list]], list[str]]:
    """Field sweeps grouped by temperature block (within ``by_tol``)."""
    by_tol = opts["by_tol"]
    sweeps, cols = [], []
    for m in measurements:
        if "B_T" not in m.data.columns:
            raise RefusedError(f"mr-hysteresis: {m.source}: no field column B_T: not a field "
                               "sweep")
        col = m.resistance_column(opts["channel"])
        cols.append(col)
        by = "T_K" if "T_K" in m.data.columns else None
        sweeps += robust_split_sweeps(m, x="B_T", y=col, by=by, by_tol=by_tol)
    blocks: list[tuple[float, list]] = []
    for s in sweeps:
        for tb, lst in blocks:
            if (math.isnan(tb) and math.isnan(s.by_value)) or abs(tb - s.by_value) <= by_tol:
                lst.append(s)
                break
        else:
            blocks.append((s.by_value, [s]))
    if opts["T_K"] is not None:
        t_sel = opts["T_K"]
        blocks = [b for b in blocks if abs(b[0] - t_sel) <= max(by_tol, 1e-9)]
        if not blocks:
            raise FitError(f"no field sweep at T = {t_sel} K (+- {by_tol} K)")
    if not blocks:
        raise RefusedError("mr-hysteresis: no field sweep found in the data")
    return blocks, cols


def _loop_at(tb: float, sweeps: list, scale: float, opts: dict[str, Any]) -> dict[str, Any]:
    """:func:`analyze_loop` of one temperature block."""
    up, down = _branch(sweeps, "up"), _branch(sweeps, "down")
    if scale != 1.0:
        up = None if up is None else (up[0], up[1] * scale)
        down = None if down is None else (down[0], down[1] * scale)
    win = opts["peak_window_T"] or [0.0, math.inf]
    try:
        info = analyze_loop(up, down, window_T=(win[0], win[1]),
                            peak_sigma=opts["peak_sigma"], smooth_points=opts["smooth_points"],
                            halfwidth_T=opts["peak_halfwidth_T"],
                            offset_search_T=opts["offset_search_T"],
                            hysteresis_sigma=opts["hysteresis_sigma"],
                            glitch_sigma=opts["glitch_sigma"], window=_window_opts(opts))
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        if isinstance(exc, KtoError):
            raise
        raise FitError(f"mr-hysteresis: loop at T = {tb:.4g} K: numerical failure "
                       f"({exc})") from None
    info.update({"T_K": tb, "up": up, "down": down})
    return info


def _window_opts(opts: dict[str, Any]) -> dict[str, Any]:
    """Options of the superconducting-window analysis (:func:`analyze_loop` ``window``)."""
    rn_method = "fixed_value" if opts["R_N_ohm"] is not None else opts["rn_method"]
    return {"fraction": opts["fraction"], "levels": opts["levels"], "rn_method": rn_method,
            "plateau_fraction": opts["plateau_fraction"], "rn_field_T": opts["rn_field_T"],
            "R_N_ohm": opts["R_N_ohm"], "shift_sigma": opts["window_shift_sigma"],
            "field_lag_T": opts["field_lag_T"]}


def _refuse_if_flat(per_T: list[dict[str, Any]]) -> None:
    """RefusedError when no loop has a field dependence above the noise."""
    if not all(i["flat"] for i in per_T):
        return
    zs = [d.get("significance_sigma", -math.inf) for i in per_T
          for d in i["field_dependence"].values()]
    rng = max((d.get("range_ohm", 0.0) for i in per_T
               for d in i["field_dependence"].values()), default=0.0)
    noise = max((d.get("noise_ohm", 0.0) for i in per_T
                 for d in i["field_dependence"].values()), default=0.0)
    raise RefusedError(
        "mr-hysteresis: no magnetoresistance above the noise: R(B) is consistent with a "
        f"constant in all {len(per_T)} loop(s) (largest chi-square significance "
        f"{max(zs, default=math.nan):.3g} sigma < {FLAT_SIGMA:g}; peak-to-peak "
        f"{rng:.3g} Ohm, noise {noise:.3g} Ohm; no peak above the peak_sigma threshold)")


def _loop_score(info: dict[str, Any]) -> tuple:
    """Which loop is reported: a loop with field dependence first, then butterfly peaks,
    then any hysteresis, then the most significant branch difference."""
    d = info.get("difference", {})
    return (not info["flat"], info["hysteresis"].startswith("butterfly"),
            info["mechanism"] == "shifted_window", info["hysteresis"].startswith("hyst"),
            d.get("significance_sigma", -math.inf), d.get("max_over_noise", -1.0))


def _loop_params(main: dict[str, Any], fraction: float = 0.5
                 ) -> tuple[dict[str, Any], dict[str, ErrorBudget], list[Flag]]:
    """Parameters of the reported loop and the error budgets of the peak fields, R(0),
    Delta R (statistical, sampling, systematic; :func:`_add_budgets`), the window
    crossings and the areas; and the flags of unreached further window levels."""
    from .critical_field import _branch_params, window_summary

    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    flags: list[Flag] = []
    for br in ("up", "down"):
        b = main["branches"].get(br)
        if b is None:
            continue
        params[f"noise_{br}_ohm"] = b["noise_ohm"]
        if b.get("R0") is not None:
            params[f"R_zero_{br}_ohm"] = b["R0"]
            budget[f"R_zero_{br}_ohm"] = b["budget_R0"]
        cands = [(s, b[s]) for s in ("pos", "neg") if b[s] is not None
                 and b[s].get("hysteretic", True) is not False]
        names = [(f"_{s}", s, pk) for s, pk in cands]
        if cands:
            s, pk = max(cands, key=lambda c: c[1]["prominence_ohm"])
            names.append(("", s, pk))
        for suffix, _, pk in names:
            params[f"peak_field_{br}{suffix}_T"] = pk["B_peak"]
            budget[f"peak_field_{br}{suffix}_T"] = pk["budget_B"]
            if "delta_R" in pk:
                params[f"delta_R_{br}{suffix}_ohm"] = pk["delta_R"]
                budget[f"delta_R_{br}{suffix}_ohm"] = pk["budget_dR"]
    drs = [k for k in ("delta_R_up_ohm", "delta_R_down_ohm") if k in params]
    if drs:
        params["delta_R_ohm"] = sum(params[k] for k in drs) / len(drs)
        budget["delta_R_ohm"] = _mean_budget([budget[k] for k in drs])
    if "peak_field_up_T" in params and "peak_field_down_T" in params:
        pu, pd_ = params["peak_field_up_T"], params["peak_field_down_T"]
        signs = [float(np.sign(pu.nominal_value)), float(np.sign(pd_.nominal_value))]
        params["peak_field_mean_abs_T"] = (pu * signs[0] + pd_ * signs[1]) / 2
        budget["peak_field_mean_abs_T"] = _mean_budget(
            [budget["peak_field_up_T"], budget["peak_field_down_T"]])
    diff = main.get("difference")
    if diff and "max_abs_diff_ohm" in diff:
        params["max_abs_diff_ohm"] = diff["max_abs_diff_ohm"]
        for key, name in (("abs", "hysteresis_area_ohm_T"),
                          ("signed", "hysteresis_signed_area_ohm_T")):
            a, stat, samp = diff["area"][key]
            val = ufloat(a, stat) if math.isfinite(stat) and stat > 0 else a
            params[name], budget[name] = combine_errors(val, sampling=samp)
    if diff and "significance_sigma" in diff:
        params["hysteresis_significance_sigma"] = diff["significance_sigma"]
    if "symmetry" in main:
        params["B_offset_T"] = main["symmetry"]["B_offset_T"]
    where = f"T = {main['T_K']:.4g} K, "
    for name, w in main["windows"].items():
        _branch_params(name, w, fraction, params, budget, flags, where=where,
                       include_noise=False)
    if main["windows"]:
        window_summary(main["windows"], fraction, params)
    sh = main.get("shift", {})
    if "window_shift_T" in params and "sys_field_lag_T" in sh:
        params["window_shift_T"], budget["window_shift_T"] = combine_errors(
            params["window_shift_T"], sys={"field_lag": sh["sys_field_lag_T"]})
    return params, budget, flags


def _mean_budget(parts: list[ErrorBudget]) -> ErrorBudget:
    """Budget of the mean of ``+-x_i`` over independent branches (parts in quadrature)."""
    n = len(parts)
    stat = math.sqrt(sum((p.stat or 0.0) ** 2 for p in parts)) / n
    samp = math.sqrt(sum(p.sampling**2 for p in parts)) / n
    keys = sorted({k for p in parts for k in p.sys})
    sys = {k: math.sqrt(sum(float(p.sys.get(k, 0.0)) ** 2 for p in parts)) / n for k in keys}
    return ErrorBudget(stat=stat, sampling=samp, sys=sys)


def _plain(obj: Any) -> Any:
    """``obj`` with NumPy scalars (in nested dicts, lists, tuples) as plain Python numbers,
    so the text report shows ``0.0002`` and not ``np.float64(0.0002)``."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_plain(v) for v in obj)
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _report_flags(per_T: list[dict[str, Any]], main: dict[str, Any],
                  opts: dict[str, Any]) -> list[Flag]:
    """``note`` (warn) flags: which temperature the parameters belong to when the data hold
    several loops; a window shift significant against the statistical error alone while
    the loop is not called ``shifted_window`` (magnet remanence/lag, or no branch
    difference)."""
    flags: list[Flag] = []
    if len(per_T) > 1:
        temps = ", ".join(f"{i['T_K']:.4g}" for i in per_T)
        flags.append(warn("note", (
            f"{len(per_T)} temperatures in the data ({temps} K): the parameters are those of "
            f"the loop at T = {main['T_K']:.4g} K (mechanism {main['mechanism']}; ranked first by "
            "butterfly peaks, shifted windows, any hysteresis, then the branch-difference "
            "significance); every loop is in options per_temperature; "
            "choose one with T_K")))
    sh = main.get("shift", {})
    z_stat = sh.get("stat_significance_sigma", 0.0)
    v = float(sh["window_shift_T"].nominal_value) if "window_shift_T" in sh else 0.0
    lag = sh.get("field_lag_T", 0.0)
    within = abs(v) <= 2.0 * lag
    if z_stat > opts["window_shift_sigma"] and (main["mechanism"] != "shifted_window"
                                                 or within):
        e = float(sh["window_shift_T"].std_dev)
        if within:
            why = (f"within the magnet remanence/lag range 2 x field_lag_T = "
                   f"{2e3 * lag:.3g} mT: the magnet alone can explain it, not evidence of "
                   "a sample property (systematic "
                   f"{1e3 * sh['sys_field_lag_T']:.2g} mT included, "
                   f"{sh['significance_sigma']:.2g} sigma in all)")
        else:
            why = (f"beyond the magnet remanence/lag range 2 x field_lag_T = {2e3 * lag:.3g} "
                   "mT, but the whole branches do not differ significantly: check the field "
                   "calibration of the two sweep directions")
        flags.append(warn("note", (
            f"T = {main['T_K']:.4g} K: window_shift_T = {1e3 * v:.3g} +/- {1e3 * e:.2g} mT "
            f"({z_stat:.2g} sigma statistical) with mechanism {main['mechanism']}: {why}")))
    return flags


def _loop_flags(per_T: list[dict[str, Any]], main: dict[str, Any]) -> list[Flag]:
    """``unexplained_hysteresis`` for loops whose branches differ without butterfly peaks;
    ``too_few_points`` when the reported loop has one sweep direction only."""
    flags: list[Flag] = []
    for info in per_T:
        if info["branches_differ"] and info["mechanism"] == "unexplained":
            d = info["difference"]
            flags.append(warn("unexplained_hysteresis", (
                f"T = {info['T_K']:.4g} K: up and down branches differ at "
                f"{d['significance_sigma']:.3g} sigma (rms {d['rms_over_noise']:.3g} x noise, "
                f"max |R_up - R_down| = {d['max_abs_diff_ohm']:.3g} Ohm = "
                f"{d['max_over_noise']:.3g} x noise at B = {d['B_at_max_T']:.3g} T) but the "
                f"peak model finds {info['hysteresis'].replace('hysteretic ', '')}")))
    if len(main["branches"]) < 2:
        flags.append(warn("too_few_points", f"T = {main['T_K']:.4g} K: one sweep direction "
                          "only: hysteresis not testable"))
    return flags


def _loop_options(main: dict[str, Any], per_T: list[dict[str, Any]], opts: dict[str, Any],
                  scale: float) -> dict[str, Any]:
    """Choices and the per-temperature table."""
    table = [_table_row(info) for info in per_T]
    win = opts["peak_window_T"] or [0.0, math.inf]
    out: dict[str, Any] = {
        "hysteresis": main["hysteresis"], "mechanism": main["mechanism"],
        "T_K_reported": main["T_K"],
        "mechanism_rule": "none: whole branch difference below hysteresis_sigma (and no "
                          "hysteretic peak); butterfly: hysteretic peaks on both branches; "
                          "shifted_window: superconducting windows on both branches whose "
                          "centres differ by more than window_shift_sigma; unexplained: "
                          "significant difference without either",
        "window_criterion": f"{opts['fraction']:g} R_N (levels {opts['levels']}), R_N: "
                            + ("given R_N_ohm" if opts["R_N_ohm"] is not None
                               else opts["rn_method"]),
        "windows": {br: (f"superconducting window: B_c = [{_nom(w, opts['fraction'], 'minus'):.4g}"
                         f", {_nom(w, opts['fraction'], 'plus'):.4g}] T")
                    for br, w in main["windows"].items()} | main["window_notes"],
        "area_definition": "hysteresis_area_ohm_T = int |R_up - R_down| dB (smoothed "
                           "branches, common field range; positive bias of order "
                           "noise x range when the branches agree); "
                           "hysteresis_signed_area_ohm_T = int (R_up - R_down) dB",
        "peak_sigma": opts["peak_sigma"], "smooth_points": opts["smooth_points"],
        "peak_window_T": [float(win[0]), float(win[1])],
        "hysteresis_sigma": opts["hysteresis_sigma"], "glitch_sigma": opts["glitch_sigma"],
        "hysteresis_test": "chi-square of R_up - R_down on the common fields against the "
                           "local noise, Wilson-Hilferty z",
        "peak_refinement": "local parabola of raw points, weights 1/noise, scale_covar=False",
        "uncertainty": "stat (parabola covariance) + sampling (one-step wider window beyond "
                       "2x its noise; floor 0.3 dB^2/FWHM, dB/sqrt(12) if unresolved) + sys "
                       "(smooth_points -+2, half-width x1.5, R(0) 5 vs 9 points; Barlow, "
                       "beyond 2x noise) in quadrature",
        "delta_R_definition": "R(B_peak) - R(B=0) on the same branch (seed 004)",
        "resistance": "R_S = R*W/L" if scale != 1.0 else "as measured (column R)",
        "per_temperature": table,
    }
    if main["hysteresis"].startswith("none"):
        d = main.get("difference") or {}
        out["no_peak_reason"] = (
            f"no resistance peak with prominence >= {opts['peak_sigma']} x noise that "
            "stands out against the other branch; up/down difference max "
            f"{d.get('max_abs_diff_ohm', float('nan')):.3g} Ohm vs noise "
            f"{d.get('noise_ohm', float('nan')):.3g} Ohm, whole-loop significance "
            f"{d.get('significance_sigma', float('nan')):.3g} sigma "
            f"(threshold {opts['hysteresis_sigma']:g})")
    return out


def _nom(w: dict[str, Any], fraction: float, side: str) -> float:
    v = w["levels"][fraction][side]["value"]
    return float(getattr(v, "nominal_value", v))


def _table_row(info: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"T_K": info["T_K"], "hysteresis": info["hysteresis"],
                           "mechanism": info["mechanism"],
                           "field_dependence": info["field_dependence"]}
    sh = info.get("shift", {})
    if "window_shift_T" in sh:
        row["window_shift"] = {"value": sh["window_shift_T"].nominal_value,
                               "stderr_stat": sh["window_shift_T"].std_dev,
                               "stderr_sys_field_lag": sh["sys_field_lag_T"],
                               "stderr": math.hypot(sh["window_shift_T"].std_dev,
                                                    sh["sys_field_lag_T"]),
                               "significance_sigma": sh["significance_sigma"],
                               "stat_significance_sigma": sh["stat_significance_sigma"]}
    for br, b in info["branches"].items():
        row[br] = {"noise_ohm": b["noise_ohm"], "pos": _to_json_peak(b["pos"]),
                   "neg": _to_json_peak(b["neg"])}
    d = info.get("difference")
    if d and "max_abs_diff_ohm" in d:
        row["difference"] = {k: d[k] for k in ("max_abs_diff_ohm", "B_at_max_T", "area_ohm_T",
                                               "noise_ohm", "max_over_noise",
                                               "significance_sigma", "rms_over_noise")
                             if k in d}
    if "symmetry" in info:
        row["symmetry"] = info["symmetry"]
    if info["glitches"]:
        row["glitches"] = info["glitches"]
    return row


def _taps_step(per_T: list[dict[str, Any]], params: dict[str, Any], stats: dict[str, Any],
               options_out: dict[str, Any], data: dict[str, Any],
               opts: dict[str, Any]) -> list[Flag]:
    """Delta R(T) TAPS fit when enough temperatures have Delta R; returns its flags."""
    rows = [(i["T_K"], _main_delta(i)) for i in per_T]
    rows = [(t, d) for t, d in rows if d is not None and not math.isnan(t)]
    form = opts["mr_taps_field_dependence"]
    need = _TAPS_NFREE[form] + 2
    if opts["taps_fit"] == "no":
        if rows:
            options_out["taps_fit"] = "disabled"
        return []
    if len(rows) < need:
        if not rows:
            return []
        options_out["taps_fit"] = (f"not done ({len(rows)} temperatures with Delta R; the "
                                   f"{form!r} form needs >= {need})")
        if len(rows) < 3:
            return []
        return [warn("too_few_points", f"TAPS fit not done: {len(rows)} temperatures with "
                     f"Delta R, the {form!r} form has {need - 2} parameters (need {need})")]
    Tt = np.array([r[0] for r in rows])
    dd = np.array([r[1].nominal_value for r in rows])
    ss = np.array([max(r[1].std_dev, 1e-300) for r in rows])
    bpk = opts["B_peak_T"]
    if bpk is None and "peak_field_mean_abs_T" in params:
        bpk = params["peak_field_mean_abs_T"].nominal_value
    try:
        tf = fit_delta_rs_taps(Tt, dd, ss, form=form, B_peak_T=float(bpk or 0.08),
                               Bc2par_T=opts["Bc2par_T"])
    except (KtoError, ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        options_out["taps_fit"] = f"failed: {exc}"
        return [warn("taps_fit_failed", f"TAPS fit of Delta R(T) failed: {exc}")]
    for k, v in tf.params.items():
        params[f"taps_{k}"] = v
    stats.update({f"taps_{k}": v for k, v in tf.stats.items()})
    options_out["mr_taps_field_dependence"] = form
    data["taps"] = tf.data
    return list(tf.quality.flags)


def _main_delta(info: dict[str, Any]) -> Any:
    vals = []
    for b in info["branches"].values():
        cands = [b[s] for s in ("pos", "neg") if b[s] is not None and "delta_R" in b[s]
                 and b[s].get("hysteretic", True) is not False]
        if cands:
            vals.append(max(cands, key=lambda p: p["prominence_ohm"])["delta_R"])
    return sum(vals) / len(vals) if vals else None


def plot(result: FitResult, fig) -> None:
    """Up/down branches of the reported loop with the peak fields; Delta R(T) fit if any.

    The figure code lives in :mod:`ktoanalysis.transport.plots.hysteresis`.
    """
    from .plots import draw

    draw(result, fig)
