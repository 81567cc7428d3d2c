"""Butterfly magnetoresistance hysteresis: peak (coercive) fields, Delta R_S, Delta R_S(T).

MODELS.md §7 (seed 004: R_S(B_par) loops at fixed T, peaks near +-0.08 T,
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

Resistances are reported as given (``R`` of the chosen column), or as sheet resistance
``R_S = R*W/L`` when W_m and L_m are given.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import lmfit
import numpy as np
import pandas as pd
from scipy.signal import find_peaks, savgol_filter
from uncertainties import ufloat

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from .hall import robust_split_sweeps
from .options import reject_unknown
from .phaseslip import log_lamh_reduced
from .result import FitResult, params_from_lmfit, stats_from_lmfit

__all__ = ["noise_sigma", "find_branch_peaks", "analyze_loop", "taps_delta_r",
           "fit_delta_rs_taps", "OPTIONS", "analyze", "plot"]


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
        Required peak prominence in units of the branch noise (default 5).
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
    sigma = noise_sigma(R)
    smooth = _smooth(R, smooth_points)
    out: dict[str, Any] = {"noise_ohm": sigma, "pos": None, "neg": None}
    for key, sgn in (("pos", 1.0), ("neg", -1.0)):
        sel = np.flatnonzero((sgn * B >= window_T[0]) & (sgn * B <= window_T[1]))
        if sel.size < 7:
            continue
        ys = smooth[sel]
        peaks, props = find_peaks(ys, prominence=peak_sigma * max(sigma, 1e-300),
                                  width=0, rel_height=0.5)
        if peaks.size == 0:
            continue
        j = int(np.argmax(props["prominences"]))
        ip = sel[peaks[j]]
        step = float(np.median(np.diff(B)))
        if halfwidth_T is None:
            hw = 0.25 * float(props["widths"][j]) * step
        else:
            hw = float(halfwidth_T)
        hw = max(hw, 2.0 * step)
        fw = np.abs(B - B[ip]) <= hw * (1 + 1e-9)
        if fw.sum() < 5:
            continue
        xb, yb = B[fw], R[fw]
        model = lmfit.Model(_parabola)
        curv = max(float(props["prominences"][j]) / hw**2, 1e-300)
        pars = model.make_params(B0=B[ip], h=smooth[ip], k=curv)
        # B0 unbounded: a bound centred on the start value freezes it in lmfit's
        # bounded-parameter transform; the vertex is checked against the window below
        res = model.fit(yb, pars, B=xb, weights=np.full(yb.size, 1 / max(sigma, 1e-300)),
                        scale_covar=False)
        entry: dict[str, Any] = {"prominence_ohm": float(props["prominences"][j]),
                                 "fit_window_T": [float(xb.min()), float(xb.max())],
                                 "redchi": float(res.redchi)}
        try:
            p = params_from_lmfit(res, {"B0": "B", "h": "R"})
            b0 = p["B"]
            at_edge = min(abs(b0.nominal_value - xb.min()), abs(b0.nominal_value - xb.max()))
            if at_edge < 0.05 * hw or res.params["k"].value <= 0:
                raise FitError("parabola vertex at the window edge")
            entry.update({"B_peak": b0, "R_peak": p["R"], "method": "parabola"})
        except FitError:
            entry.update({"B_peak": ufloat(float(B[ip]), step / math.sqrt(12)),
                          "R_peak": ufloat(float(smooth[ip]), sigma),
                          "method": "argmax of smoothed data (parabola failed)"})
        out[key] = entry
    return out


def _branch(sweeps: list, direction: str) -> tuple[np.ndarray, np.ndarray] | None:
    xs = [s.x for s in sweeps if s.direction == direction]
    if not xs:
        return None
    x = np.concatenate(xs)
    y = np.concatenate([s.y for s in sweeps if s.direction == direction])
    g = pd.Series(y).groupby(x).mean()
    return g.index.to_numpy(float), g.to_numpy(float)


def _r_at_zero(B: np.ndarray, R: np.ndarray, sigma: float) -> Any:
    """R(B = 0) on one branch: local linear fit of the points nearest to zero."""
    idx = np.argsort(np.abs(B))[: min(5, B.size)]
    if not (B.min() <= 0 <= B.max()):
        return None
    A = np.c_[np.ones(idx.size), B[idx]]
    coef, *_ = np.linalg.lstsq(A, R[idx], rcond=None)
    cov = np.linalg.inv(A.T @ A) * sigma**2
    return ufloat(float(coef[0]), float(math.sqrt(cov[0, 0])))


def analyze_loop(
    up: tuple[np.ndarray, np.ndarray] | None,
    down: tuple[np.ndarray, np.ndarray] | None,
    *,
    window_T: tuple[float, float] = (0.0, math.inf),
    peak_sigma: float = 5.0,
    smooth_points: int = 7,
    halfwidth_T: float | None = None,
    offset_search_T: float = 0.02,
) -> dict[str, Any]:
    """Peaks, Delta R, branch difference and symmetry of one loop (one temperature).

    Parameters
    ----------
    up, down
        ``(B_T, R_ohm)`` of the up and down branches (either may be None).
    window_T, peak_sigma, smooth_points, halfwidth_T
        See :func:`find_branch_peaks`.
    offset_search_T
        Range of the remanent-field offset B0 searched in the symmetry test (T).

    Returns
    -------
    dict
        ``branches`` (per branch: noise, peaks, R(0), Delta R per sign), ``difference``
        (max |R_up - R_down|, area, noise, significance), ``symmetry`` (B0 offset, rms),
        ``hysteresis`` status string.
    """
    info: dict[str, Any] = {"branches": {}}
    for name, br in (("up", up), ("down", down)):
        if br is None:
            continue
        B, R = br
        pk = find_branch_peaks(B, R, window_T=window_T, peak_sigma=peak_sigma,
                               smooth_points=smooth_points, halfwidth_T=halfwidth_T)
        r0 = _r_at_zero(B, R, pk["noise_ohm"])
        for sgn in ("pos", "neg"):
            if pk[sgn] is not None and r0 is not None:
                pk[sgn]["delta_R"] = pk[sgn]["R_peak"] - r0
        pk["R0"] = r0
        info["branches"][name] = pk
    both = up is not None and down is not None
    if both:
        info["difference"] = _difference(up, down, info["branches"], smooth_points)
        info["symmetry"] = _symmetry(up, down, offset_search_T)
        # a butterfly peak must stand out against the *other* branch at the same field;
        # peaks even in B (normal-state MR maxima) appear on both branches and do not count
        noise_d = math.hypot(info["branches"]["up"]["noise_ohm"],
                             info["branches"]["down"]["noise_ohm"])
        for name, other in (("up", down), ("down", up)):
            for sgn in ("pos", "neg"):
                pk = info["branches"][name][sgn]
                if pk is None:
                    continue
                bp = pk["B_peak"].nominal_value
                if not other[0].min() <= bp <= other[0].max():
                    pk["hysteretic"] = None
                    continue
                ro = float(np.interp(bp, other[0], _smooth(other[1], smooth_points)))
                pk["branch_difference_ohm"] = pk["R_peak"].nominal_value - ro
                pk["hysteretic"] = bool(pk["branch_difference_ohm"] > peak_sigma * noise_d)
    hyst = {n: [s for s in ("pos", "neg") if b[s] is not None and b[s].get("hysteretic")]
            for n, b in info["branches"].items()}
    n_hyst = sum(len(v) for v in hyst.values())
    if not both:
        n_peaks = sum(b[s] is not None for b in info["branches"].values() for s in ("pos", "neg"))
        status = ("peaks found, hysteresis not testable (one branch only)" if n_peaks
                  else "none detected (one branch only)")
    elif n_hyst == 0:
        status = "none detected"
    elif hyst.get("up") and hyst.get("down"):
        status = "butterfly peaks on both branches"
    else:
        status = "hysteretic peak on one branch only"
    info["hysteresis"] = status
    info["hysteretic_peaks"] = hyst
    return info


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
    return {"max_abs_diff_ohm": float(abs(D[i])), "B_at_max_T": float(grid[i]),
            "area_ohm_T": float(np.trapezoid(np.abs(D), grid)),
            "noise_ohm": noise, "max_over_noise": float(abs(D[i]) / max(noise, 1e-300)),
            "grid_T": grid, "diff_ohm": D}


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
    grid = np.linspace(-search_T, search_T, max(21, int(2 * search_T / max(step, 1e-12)) * 4 + 1))
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
# Delta R_S(T) with the TAPS form (MODELS.md §7, ASSUMPTION mr_taps_field_dependence)
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
    res = model.fit(y, pars, T=T, weights=w, scale_covar=sigma_ohm is None)
    names = {"Tc": "Tc_K", "dF0_K": "dF0_K", "A": "A_ohm"}
    if form == "free_pair":
        names.update({"dTc": "dTc_B_K", "dF0_B_K": "dF0_B_K"})
    params = params_from_lmfit(res, names)
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
        lmfit_result=res,
    )


# ----------------------------------------------------------------------------------------
# CLI / batch
# ----------------------------------------------------------------------------------------

OPTIONS: dict[str, str] = {
    "channel": "resistance channel/column (default: the first resistance column)",
    "T_K": "analyse the loop at this temperature (default: every temperature block; params "
           "of the block with the largest up/down difference)",
    "by_tol": "temperature tolerance of one block (K, default 0.02)",
    "peak_window_T": "[min, max] of |B| where peaks are searched (T), default all fields",
    "peak_sigma": "peak prominence threshold in units of the noise (default 5)",
    "smooth_points": "Savitzky-Golay window in points (default 7)",
    "peak_halfwidth_T": "half-width of the parabola refinement (T); default FWHM/4",
    "offset_search_T": "range of the remanent-field offset search (T, default 0.02)",
    "W_m": "bar width (m): report R_S = R*W/L (needs L_m)",
    "L_m": "voltage-probe distance (m)",
    "taps_fit": "auto (default: Delta R(T) TAPS fit when >= 5 temperatures have peaks) | no",
    "mr_taps_field_dependence": "free_pair (default) | tc_shift | shape_only",
    "B_peak_T": "peak field entering tc_shift (default: the measured mean |B_peak|)",
    "Bc2par_T": "parallel Hc2(0) (T) for tc_shift",
}


def _to_json_peak(p: dict[str, Any] | None) -> Any:
    if p is None:
        return "no peak"
    return {k: ({"value": v.nominal_value, "stderr": v.std_dev} if hasattr(v, "std_dev") else v)
            for k, v in p.items()}


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Butterfly-MR analysis (the ``mr-hysteresis`` kind); see :data:`OPTIONS`."""
    if not measurements:
        raise FitError("no measurement given")
    reject_unknown(options, OPTIONS, "mr-hysteresis")
    by_tol = float(options.get("by_tol", 0.02))
    win = options.get("peak_window_T", [0.0, math.inf])
    if not (isinstance(win, (list, tuple)) and len(win) == 2):
        raise FitError(f"peak_window_T must be [min, max] in T, got {win!r}")
    scale = 1.0
    if "W_m" in options or "L_m" in options:
        if not ("W_m" in options and "L_m" in options):
            raise FitError("R_S conversion needs both W_m and L_m")
        scale = float(options["W_m"]) / float(options["L_m"])
    sweeps, cols = [], []
    for m in measurements:
        col = m.resistance_column(options.get("channel"))
        cols.append(col)
        by = "T_K" if "T_K" in m.data.columns else None
        sweeps += robust_split_sweeps(m, x="B_T", y=col, by=by, by_tol=by_tol)
    # group sweeps by temperature block
    blocks: list[tuple[float, list]] = []
    for s in sweeps:
        for tb, lst in blocks:
            if (math.isnan(tb) and math.isnan(s.by_value)) or abs(tb - s.by_value) <= by_tol:
                lst.append(s)
                break
        else:
            blocks.append((s.by_value, [s]))
    if "T_K" in options:
        t_sel = float(options["T_K"])
        blocks = [b for b in blocks if abs(b[0] - t_sel) <= max(by_tol, 1e-9)]
        if not blocks:
            raise FitError(f"no field sweep at T = {t_sel} K (+- {by_tol} K)")
    per_T = []
    for tb, lst in sorted(blocks, key=lambda b: b[0]):
        up, down = _branch(lst, "up"), _branch(lst, "down")
        if scale != 1.0:
            up = None if up is None else (up[0], up[1] * scale)
            down = None if down is None else (down[0], down[1] * scale)
        info = analyze_loop(up, down, window_T=(float(win[0]), float(win[1])),
                            peak_sigma=float(options.get("peak_sigma", 5.0)),
                            smooth_points=int(options.get("smooth_points", 7)),
                            halfwidth_T=options.get("peak_halfwidth_T"),
                            offset_search_T=float(options.get("offset_search_T", 0.02)))
        info.update({"T_K": tb, "up": up, "down": down})
        per_T.append(info)
    # the block reported in params: the one with the largest branch difference
    def score(i):
        d = i.get("difference", {})
        return (i["hysteresis"].startswith("butterfly"), i["hysteresis"].startswith("hyst"),
                d.get("max_over_noise", -1.0))

    main = max(per_T, key=score)
    params: dict[str, Any] = {}
    for br in ("up", "down"):
        b = main["branches"].get(br)
        if b is None:
            continue
        params[f"noise_{br}_ohm"] = b["noise_ohm"]
        cands = [(s, b[s]) for s in ("pos", "neg") if b[s] is not None
                 and b[s].get("hysteretic", True) is not False]
        for s, pk in cands:
            params[f"peak_field_{br}_{s}_T"] = pk["B_peak"]
            if "delta_R" in pk:
                params[f"delta_R_{br}_{s}_ohm"] = pk["delta_R"]
        if cands:
            s, pk = max(cands, key=lambda c: c[1]["prominence_ohm"])
            params[f"peak_field_{br}_T"] = pk["B_peak"]
            if "delta_R" in pk:
                params[f"delta_R_{br}_ohm"] = pk["delta_R"]
    drs = [params[k] for k in ("delta_R_up_ohm", "delta_R_down_ohm") if k in params]
    if drs:
        params["delta_R_ohm"] = sum(drs) / len(drs)
    if "peak_field_up_T" in params and "peak_field_down_T" in params:
        pu, pd_ = params["peak_field_up_T"], params["peak_field_down_T"]
        params["peak_field_mean_abs_T"] = (pu * float(np.sign(pu.nominal_value))
                                           + pd_ * float(np.sign(pd_.nominal_value))) / 2
    diff = main.get("difference")
    if diff and "max_abs_diff_ohm" in diff:
        params["max_abs_diff_ohm"] = diff["max_abs_diff_ohm"]
        params["hysteresis_area_ohm_T"] = diff["area_ohm_T"]
    if "symmetry" in main:
        params["B_offset_T"] = main["symmetry"]["B_offset_T"]
    table = []
    for info in per_T:
        row: dict[str, Any] = {"T_K": info["T_K"], "hysteresis": info["hysteresis"]}
        for br, b in info["branches"].items():
            row[br] = {"noise_ohm": b["noise_ohm"], "pos": _to_json_peak(b["pos"]),
                       "neg": _to_json_peak(b["neg"])}
        d = info.get("difference")
        if d and "max_abs_diff_ohm" in d:
            row["difference"] = {k: d[k] for k in ("max_abs_diff_ohm", "B_at_max_T",
                                                   "area_ohm_T", "noise_ohm", "max_over_noise")}
        if "symmetry" in info:
            row["symmetry"] = info["symmetry"]
        table.append(row)
    options_out: dict[str, Any] = {
        "hysteresis": main["hysteresis"], "T_K_reported": main["T_K"],
        "peak_sigma": float(options.get("peak_sigma", 5.0)),
        "smooth_points": int(options.get("smooth_points", 7)),
        "peak_window_T": [float(win[0]), float(win[1])],
        "peak_refinement": "local parabola of raw points, weights 1/noise, scale_covar=False",
        "delta_R_definition": "R(B_peak) - R(B=0) on the same branch (seed 004)",
        "resistance": "R_S = R*W/L" if scale != 1.0 else "as measured (column R)",
        "per_temperature": table,
    }
    if main["hysteresis"].startswith("none"):
        d = main.get("difference") or {}
        options_out["no_peak_reason"] = (
            f"no resistance peak with prominence >= {options_out['peak_sigma']} x noise that "
            "stands out against the other branch; up/down difference max "
            f"{d.get('max_abs_diff_ohm', float('nan')):.3g} Ohm vs noise "
            f"{d.get('noise_ohm', float('nan')):.3g} Ohm")
    data = {"loops": [{"T_K": i["T_K"], "up": i["up"], "down": i["down"],
                       "branches": i["branches"]} for i in per_T], "main_T_K": main["T_K"]}
    stats: dict[str, Any] = {"n_temperatures": len(per_T)}
    # Delta R(T) TAPS fit
    rows = [(i["T_K"], _main_delta(i)) for i in per_T]
    rows = [(t, d) for t, d in rows if d is not None and not math.isnan(t)]
    if options.get("taps_fit", "auto") == "auto" and len(rows) >= 5:
        form = options.get("mr_taps_field_dependence", "free_pair")
        Tt = np.array([r[0] for r in rows])
        dd = np.array([r[1].nominal_value for r in rows])
        ss = np.array([max(r[1].std_dev, 1e-300) for r in rows])
        bpk = options.get("B_peak_T")
        if bpk is None and "peak_field_mean_abs_T" in params:
            bpk = params["peak_field_mean_abs_T"].nominal_value
        tf = fit_delta_rs_taps(Tt, dd, ss, form=form, B_peak_T=float(bpk or 0.08),
                               Bc2par_T=options.get("Bc2par_T"))
        for k, v in tf.params.items():
            params[f"taps_{k}"] = v
        stats.update({f"taps_{k}": v for k, v in tf.stats.items()})
        options_out["mr_taps_field_dependence"] = form
        data["taps"] = tf.data
    elif len(rows) >= 1:
        options_out["taps_fit"] = (f"not done ({len(rows)} temperatures with Delta R; "
                                   "needs >= 5)" if options.get("taps_fit", "auto") == "auto"
                                   else "disabled")
    return FitResult(kind="mr-hysteresis", params=params, stats=stats, options=options_out,
                     provenance={"files": [str(m.source) for m in measurements],
                                 "columns": ["B_T", "T_K"] + cols,
                                 "units": {"B": "T", "R": "Ohm"}},
                     data=data)


def _main_delta(info: dict[str, Any]) -> Any:
    vals = []
    for b in info["branches"].values():
        cands = [b[s] for s in ("pos", "neg") if b[s] is not None and "delta_R" in b[s]
                 and b[s].get("hysteretic", True) is not False]
        if cands:
            vals.append(max(cands, key=lambda p: p["prominence_ohm"])["delta_R"])
    return sum(vals) / len(vals) if vals else None


def plot(result: FitResult, fig) -> None:
    """Up/down branches of the reported loop with the peak fields; Delta R(T) fit if any."""
    d = result.data
    loop = next(lp for lp in d["loops"] if lp["T_K"] == d["main_T_K"]
                or (math.isnan(lp["T_K"]) and math.isnan(d["main_T_K"])))
    if "taps" in d:
        ax, ax2 = fig.subplots(1, 2)
    else:
        ax, ax2 = fig.subplots(1, 1), None
    for name, col in (("up", "tab:red"), ("down", "tab:blue")):
        br = loop[name]
        if br is None:
            continue
        ax.plot(br[0], br[1], ".-", ms=3, lw=0.8, color=col, label=f"{name} sweep")
        for s in ("pos", "neg"):
            pk = loop["branches"][name][s]
            if pk is not None:
                ax.axvline(pk["B_peak"].nominal_value, color=col, ls="--", lw=0.8)
    ax.set_xlabel("B (T)")
    ax.set_ylabel("R (Ω)")
    ax.set_title(f"T = {loop['T_K']:.3g} K: {result.options.get('hysteresis')}", fontsize=9)
    ax.legend(fontsize=8)
    if ax2 is not None:
        t = d["taps"]
        ax2.errorbar(t["T_K"], t["dR_ohm"], yerr=t["sigma_ohm"], fmt="o", label="ΔR data")
        ax2.plot(t["T_fine_K"], t["fit_fine"], "-", label="TAPS fit")
        ax2.fill_between(t["T_fine_K"], t["fit_fine"] - t["band"], t["fit_fine"] + t["band"],
                         alpha=0.3, label="1σ band")
        ax2.set_xlabel("T (K)")
        ax2.set_ylabel("ΔR (Ω)")
        ax2.legend(fontsize=8)
