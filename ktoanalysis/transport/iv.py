"""I-V power law ``V ~ I**alpha(T)`` and T_BKT where alpha = 3 (MODELS.md 4.5).

Kind ``bkt-iv``. Per isotherm, ``log10 V = alpha*log10 I + c`` is fitted in a power-law
window; T_BKT is where alpha(T) crosses 3 going up in T (linear interpolation between the
bracketing isotherms, errors of both alphas propagated; optional local straight-line fit of
alpha(T)).

Current sign (option ``symmetrize``): ``"odd"`` (default) uses
``V_odd(I) = (V(+I) - V(-I))/2`` on the positive-current grid when both branches exist
(removes thermo-EMF offsets), else the branch that exists with |I|, |V|; ``"positive"``
uses only I > 0; ``"abs"`` pools |I|, |V| of both branches.

Automatic window (overridable with ``window=[Imin, Imax]`` in A, applied to every isotherm):
points with V above the noise floor (``v_floor_k*sigma_V``) and below the Ohmic normal
branch (``V < ohmic_fraction*R_N*I``); inside the longest contiguous run of such points,
the plateau of the local slope ``d log V/d log I`` (local windows of ``min_points``
points) around its steepest point, which excludes the low-current Ohmic tail (alpha -> 1). A window
ladder (the window trimmed at either end) gives the systematic spread of T_BKT,
reported separately as ``T_BKT_K_window_spread``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import lmfit
import numpy as np

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from .options import check_options
from .result import FitResult, params_from_lmfit
from .tc import estimate_noise

__all__ = [
    "power_law_log", "PowerLawModel", "Isotherm", "isotherms_from_measurements",
    "symmetrize_iv", "select_window", "fit_alpha", "alpha_crossing", "OPTIONS", "analyze",
    "critical_current",
    "plot",
]

# ---------------------------------------------------------------------------------------
# lineshape and model


def power_law_log(logI: np.ndarray, alpha: float = 3.0, c: float = 0.0) -> np.ndarray:
    """``log10 V = alpha*log10 I + c`` (V in V, I in A).

    Parameters
    ----------
    logI
        log10 of the current (A).
    alpha
        Power-law exponent.
    c
        log10 of the voltage (V) at I = 1 A.
    """
    return alpha * np.asarray(logI, float) + c


class PowerLawModel(lmfit.Model):
    """lmfit model of :func:`power_law_log`; alpha bounded to (0.8, 30)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["logI"])
        super().__init__(power_law_log, **kwargs)
        self.set_param_hint("alpha", min=0.8, max=30.0)

    def guess(self, data: np.ndarray, logI: np.ndarray, **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a straight-line least-squares fit."""
        s, c = np.polyfit(np.asarray(logI, float), np.asarray(data, float), 1)
        pars = self.make_params(alpha=float(np.clip(s, 0.81, 29.9)), c=float(c))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


# ---------------------------------------------------------------------------------------
# isotherms


@dataclass(frozen=True)
class Isotherm:
    """One I-V curve at fixed temperature (positive branch after symmetrisation).

    Attributes
    ----------
    T_K
        Temperature (K).
    I_A, V_V
        Current (A, > 0, increasing) and voltage (V).
    source
        File name.
    note
        How the branch was obtained.
    """

    T_K: float
    I_A: np.ndarray
    V_V: np.ndarray
    source: str
    note: str


def _average_duplicates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    ux, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    return ux, np.bincount(inv, weights=y) / cnt


def symmetrize_iv(I_A: np.ndarray, V_V: np.ndarray,
                  mode: Literal["odd", "positive", "abs"] = "odd"
                  ) -> tuple[np.ndarray, np.ndarray, str]:
    """Positive-current branch of an I-V curve.

    Parameters
    ----------
    I_A, V_V
        Current (A) and voltage (V), any order, both signs allowed.
    mode
        ``"odd"``, ``"positive"`` or ``"abs"`` (see module docstring).

    Returns
    -------
    I, V, note
        Sorted positive currents (A), voltages (V), and what was done.
    """
    I = np.asarray(I_A, float)
    V = np.asarray(V_V, float)
    ok = np.isfinite(I) & np.isfinite(V)
    I, V = I[ok], V[ok]
    pos, neg = I > 0, I < 0
    if mode not in ("odd", "positive", "abs"):
        raise FitError(f"symmetrize must be 'odd', 'positive' or 'abs', not {mode!r}")
    if mode == "abs" or (mode == "odd" and pos.sum() < 3 and neg.sum() >= 3):
        Ia, Va = _average_duplicates(np.abs(I[I != 0]), np.abs(V[I != 0]))
        return Ia, Va, "|I|, |V| of both branches" if pos.any() and neg.any() else "|I|, |V|"
    Ip, Vp = _average_duplicates(I[pos], V[pos])
    if mode == "positive" or neg.sum() < 3:
        return Ip, Vp, "positive branch"
    In, Vn = _average_duplicates(-I[neg], V[neg])
    inside = (Ip >= In.min()) & (Ip <= In.max())
    if inside.sum() < 3:
        return Ip, Vp, "positive branch (branches do not overlap)"
    Vodd = 0.5 * (Vp[inside] - np.interp(Ip[inside], In, Vn))
    return Ip[inside], Vodd, "odd part (V(+I) - V(-I))/2"


def isotherms_from_measurements(measurements: list[Measurement], *, by_tol_K: float = 0.02,
                                symmetrize: str = "odd") -> list[Isotherm]:
    """Isotherms from files: one isotherm per file (T from metadata ``T_K`` or the mean of
    a constant ``T_K`` column) or several per file (split by the ``T_K`` column).

    Raises
    ------
    DataFormatError
        Missing I_A / V_V columns or no temperature.
    """
    from .sweeps import group_blocks

    groups: list[tuple[float, np.ndarray, np.ndarray, str]] = []
    for m in measurements:
        I, V = m.column("I_A"), m.column("V_V")
        if "T_K" in m.data.columns and np.isfinite(m.column("T_K")).any():
            Tcol = m.column("T_K")
            ok = np.isfinite(Tcol) & np.isfinite(I) & np.isfinite(V)
            labels = group_blocks(Tcol[ok], by_tol_K)
            for lab in np.unique(labels[labels >= 0]):
                sel = labels == lab
                groups.append((float(np.mean(Tcol[ok][sel])), I[ok][sel], V[ok][sel],
                               str(m.source)))
        elif m.metadata.get("T_K") is not None:
            groups.append((float(m.metadata["T_K"]), I, V, str(m.source)))
        else:
            raise DataFormatError("no temperature for this I-V curve", file=m.source,
                                  column="T_K",
                                  expected="a T_K column or metadata entry 'T_K'")
    # merge groups at the same temperature (several files or repeated sweeps)
    groups.sort(key=lambda g: g[0])
    merged: list[list[Any]] = []
    for T, I, V, src in groups:
        if merged and abs(T - merged[-1][0]) <= by_tol_K:
            g = merged[-1]
            n0, n1 = g[1].size, I.size
            g[0] = (g[0] * n0 + T * n1) / (n0 + n1)
            g[1], g[2] = np.concatenate([g[1], I]), np.concatenate([g[2], V])
            if src not in g[3]:
                g[3] += f", {src}"
        else:
            merged.append([T, I, V, src])
    out = []
    for T, I, V, src in merged:
        Ip, Vp, note = symmetrize_iv(I, V, symmetrize)  # type: ignore[arg-type]
        out.append(Isotherm(float(T), Ip, Vp, src, note))
    return out


# ---------------------------------------------------------------------------------------
# window and fit


def _longest_true_run(mask: np.ndarray) -> tuple[int, int]:
    best, start, bl = (0, 0), None, 0
    for i, v in enumerate(list(mask) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start > bl:
                best, bl = (start, i), i - start
            start = None
    return best


def select_window(I_A: np.ndarray, V_V: np.ndarray, *, sigma_V: float, R_N_ohm: float,
                  v_floor_k: float = 3.0, ohmic_fraction: float = 0.3, min_points: int = 10,
                  slope_tol: float = 0.03) -> tuple[np.ndarray, str]:
    """Automatic power-law window of one isotherm (boolean mask over the points).

    Parameters
    ----------
    I_A, V_V
        Positive, increasing currents (A) and voltages (V).
    sigma_V
        Voltage noise (V).
    R_N_ohm
        Normal-state resistance (Ohm) of the Ohmic cut.
    v_floor_k, ohmic_fraction, min_points, slope_tol
        Criteria (see :data:`OPTIONS`).

    Returns
    -------
    mask, description

    Raises
    ------
    FitError
        Fewer than ``min_points`` usable points.
    """
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    allowed = (V > v_floor_k * sigma_V) & (V > 0) & (V < ohmic_fraction * R_N_ohm * I)
    a, b = _longest_true_run(allowed)
    if b - a < min_points:
        raise FitError(f"only {b - a} contiguous points between the noise floor "
                       f"({v_floor_k} sigma_V = {v_floor_k * sigma_V:.3g} V) and the Ohmic "
                       f"branch ({ohmic_fraction} R_N I); need {min_points}")
    x, y = np.log10(I[a:b]), np.log10(V[a:b])
    n, m = x.size, int(min_points)
    s = np.empty(n - m + 1)
    e = np.empty(n - m + 1)
    for k in range(n - m + 1):
        (sk, _), cov = np.polyfit(x[k:k + m], y[k:k + m], 1, cov=True)
        s[k], e[k] = sk, np.sqrt(max(cov[0, 0], 0.0))
    # plateau around the steepest (median-smoothed) local slope, which excludes the
    # low-current Ohmic tail; a neighbouring local window joins while its slope agrees with
    # the plateau median within max(slope_tol*slope, 3 pooled local-slope sigma)
    k_s = min(5, s.size) | 1
    pad = np.pad(s, k_s // 2, mode="edge")
    smooth = np.array([np.median(pad[i:i + k_s]) for i in range(s.size)])
    lo = top = int(np.argmax(smooth))

    e_pool = float(np.median(e))  # pooled: single 6-point error estimates are too noisy

    def agrees(j: int, med: float) -> bool:
        return bool(abs(s[j] - med) <= max(slope_tol * abs(med), 3.0 * e_pool))

    while True:
        med = float(np.median(s[lo:top + 1]))
        cands = [j for j in (lo - 1, top + 1) if 0 <= j < s.size and agrees(j, med)]
        if not cands:
            break
        j = min(cands, key=lambda j: abs(s[j] - med))
        lo, top = min(lo, j), max(top, j)
    mask = np.zeros(I.size, dtype=bool)
    mask[a + lo:a + top + m] = True
    return mask, f"plateau of d log V/d log I ({int(mask.sum())} points)"


def critical_current(I_A: np.ndarray, V_V: np.ndarray, *, V_c_V: float = 1e-6,
                     sigma_V: float | None = None):
    """Critical current of one I-V curve by a voltage criterion (ASSUMPTION ic_criterion).

    ``I_c`` is the lowest current at which ``|V|`` reaches ``V_c_V`` (default the common
    1 uV criterion), interpolated linearly in (log I, log V) between the bracketing points.

    Parameters
    ----------
    I_A, V_V
        Current (A, > 0; the positive branch) and voltage (V).
    V_c_V
        Voltage criterion (V).
    sigma_V
        Voltage noise (V). If given, the 1-sigma error of ``I_c`` is the noise divided by
        the local slope dV/dI at the crossing; otherwise the result carries no error.

    Returns
    -------
    float or ufloat
        ``I_c`` in A.

    Raises
    ------
    FitError
        The criterion is not crossed inside the data, or the input is unusable.
    """
    from uncertainties import ufloat

    I = np.asarray(I_A, float)
    V = np.abs(np.asarray(V_V, float))
    ok = np.isfinite(I) & np.isfinite(V) & (I > 0)
    I, V = I[ok], V[ok]
    if I.size < 2 or V_c_V <= 0:
        raise FitError("critical current: need at least two positive-current points and "
                       "a positive voltage criterion")
    order = np.argsort(I)
    I, V = I[order], V[order]
    above = np.flatnonzero(V >= V_c_V)
    if above.size == 0 or above[0] == 0:
        where = "never reached" if above.size == 0 else "already exceeded at the lowest current"
        raise FitError(f"critical current: the {V_c_V:.3g} V criterion is {where} in "
                       f"{I.min():.3g}..{I.max():.3g} A")
    j = int(above[0])
    i0, i1, v0, v1 = I[j - 1], I[j], max(V[j - 1], V_c_V * 1e-6), V[j]
    u = (np.log(V_c_V) - np.log(v0)) / (np.log(v1) - np.log(v0))
    Ic = float(np.exp(np.log(i0) + u * (np.log(i1) - np.log(i0))))
    if sigma_V is None:
        return Ic
    slope = (V[j] - V[j - 1]) / (i1 - i0)
    return ufloat(Ic, float(sigma_V) / slope if slope > 0 else float(i1 - i0))


def fit_alpha(I_A: np.ndarray, V_V: np.ndarray, *, sigma_V: float | None = None
              ) -> lmfit.model.ModelResult:
    """Straight-line fit of log10 V versus log10 I (array level).

    Parameters
    ----------
    I_A, V_V
        Points of the window (A > 0, V > 0).
    sigma_V
        Known voltage noise (V): weights ``V*ln(10)/sigma_V`` and ``scale_covar=False``;
        ``None``: unweighted with lmfit's covariance scaling.

    Raises
    ------
    FitError
        Fewer than 3 points or non-positive values.
    """
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    if I.size < 3:
        raise FitError(f"power-law fit: {I.size} points, need at least 3")
    if np.any(I <= 0) or np.any(V <= 0):
        raise FitError("power-law fit: I and V must be > 0 in the window")
    model = PowerLawModel()
    x, y = np.log10(I), np.log10(V)
    pars = model.guess(y, logI=x)
    kw: dict[str, Any] = {}
    if sigma_V is not None:
        kw = {"weights": V * np.log(10) / sigma_V, "scale_covar": False}
    return model.fit(y, pars, logI=x, **kw)


def alpha_crossing(T_K: np.ndarray, alpha: np.ndarray, alpha_err: np.ndarray, *,
                   target: float = 3.0, method: Literal["linear", "local_fit"] = "linear",
                   n_local: int = 4) -> dict[str, Any]:
    """Temperature where alpha(T) crosses ``target`` going up in T (MODELS.md 4.5).

    ``T* = T_i + (3 - a_i)*(T_i+1 - T_i)/(a_i+1 - a_i)`` with
    ``sigma_T* = |dT/da| * sqrt((1 - u)**2 s_i**2 + u**2 s_i+1**2)``, ``u = (3 - a_i)/da``.
    ``method="local_fit"``: weighted straight line of alpha(T) over the ``n_local`` isotherms
    nearest to the crossing, ``T* = (3 - c)/m`` with propagated covariance.

    Returns
    -------
    dict
        ``T_K``, ``stderr_K``, ``all_K`` (every crossing), ``pair`` (indices).

    Raises
    ------
    FitError
        Fewer than 2 isotherms, or alpha = target not bracketed (never extrapolated).
    """
    T = np.asarray(T_K, float)
    a = np.asarray(alpha, float)
    s = np.asarray(alpha_err, float)
    order = np.argsort(T)
    T, a, s = T[order], a[order], s[order]
    if T.size < 2:
        raise FitError("alpha = 3 needs at least two isotherms with a fitted alpha")
    above = a - target >= 0
    idx = [i for i in range(T.size - 1) if above[i] and not above[i + 1]]
    if not idx:
        raise FitError(f"alpha = {target} not bracketed: alpha ranges {a.min():.3g}-"
                       f"{a.max():.3g} over {T.min():.4g}-{T.max():.4g} K (no extrapolation)")
    allT = []
    for i in idx:
        u = (target - a[i]) / (a[i + 1] - a[i])
        allT.append(T[i] + u * (T[i + 1] - T[i]))
    i = idx[-1]
    da = a[i + 1] - a[i]
    u = (target - a[i]) / da
    Tx = T[i] + u * (T[i + 1] - T[i])
    err = abs((T[i + 1] - T[i]) / da) * np.hypot((1 - u) * s[i], u * s[i + 1])
    out = {"T_K": float(Tx), "stderr_K": float(err), "all_K": [float(t) for t in allT],
           "pair": (int(order[i]), int(order[i + 1])), "method": method}
    if method == "local_fit":
        near = np.argsort(np.abs(T - Tx))[:max(3, n_local)]
        w = 1.0 / np.maximum(s[near], 1e-12)
        coef, cov = np.polyfit(T[near], a[near], 1, w=w, cov="unscaled")
        m_, c_ = coef
        if m_ >= 0:
            raise FitError("local_fit: alpha(T) does not decrease with T near alpha = 3")
        Tl = (target - c_) / m_
        J = np.array([-(target - c_) / m_**2, -1.0 / m_])
        out |= {"T_K": float(Tl), "stderr_K": float(np.sqrt(J @ cov @ J))}
    elif method != "linear":
        raise FitError(f"alpha_interp must be 'linear' or 'local_fit', not {method!r}")
    return out


# ---------------------------------------------------------------------------------------
# procedure

OPTIONS: dict[str, str] = {
    "window": "[Imin, Imax] (A) of the power-law fit for every isotherm; default automatic",
    "min_points": "minimum points of the power-law window (default 10: shorter local "
                  "windows make the automatic choice follow the noise; the errors then "
                  "under-cover)",
    "slope_tol": "plateau criterion: a local slope joins if it is within "
                 "max(slope_tol*slope, 3 pooled sigma) of the plateau median (default 0.03)",
    "v_floor_k": "noise floor: V > v_floor_k*sigma_V (default 3)",
    "sigma_V_V": "voltage noise (V); given: weights and scale_covar=False; default: "
                 "estimated per isotherm, lmfit's scaled covariance",
    "ohmic_fraction": "upper cut V < ohmic_fraction*R_N*I (default 0.3)",
    "R_N_ohm": "normal-state resistance for the Ohmic cut (default: largest V/I at the top "
               "currents of all isotherms)",
    "symmetrize": "'odd' (default), 'positive' or 'abs' (see module docs)",
    "alpha_interp": "'linear' (default, bracketing pair) or 'local_fit' (line over 4 "
                    "isotherms)",
    "ladder": "window ladder (default true): T_BKT_K_window_spread = half range",
    "by_tol_K": "temperature tolerance grouping rows into isotherms (default 0.02 K)",
}

_DEFAULTS: dict[str, Any] = {
    "window": None, "min_points": 10, "slope_tol": 0.03, "v_floor_k": 3.0, "sigma_V_V": None,
    "ohmic_fraction": 0.3, "R_N_ohm": None, "symmetrize": "odd", "alpha_interp": "linear",
    "ladder": True, "by_tol_K": 0.02,
}


def _noise(iso: Isotherm) -> float:
    n = max(5, iso.V_V.size // 3)
    sig = estimate_noise(iso.V_V[:n])
    if not np.isfinite(sig) or sig <= 0:
        pos = np.abs(iso.V_V[iso.V_V != 0])
        sig = 1e-6 * float(pos.min()) if pos.size else 1e-12
    return float(sig)


def _alpha_name(T: float, used: set[str]) -> str:
    name = f"alpha_at_{T:.4f}K"
    k = 2
    while name in used:
        name = f"alpha_at_{T:.4f}K_{k}"
        k += 1
    used.add(name)
    return name


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``bkt-iv``: alpha(T) of every isotherm and T_BKT where alpha = 3.

    Parameters
    ----------
    measurements
        I-V files with ``I_A`` and ``V_V`` (one isotherm per file, T from a ``T_K``
        column or metadata ``T_K``; or one file with several temperatures).
    **options
        See :data:`OPTIONS`.

    Returns
    -------
    FitResult
        params ``alpha_at_<T>K`` per isotherm (ufloat), ``T_BKT_K`` (ufloat, if bracketed),
        ``T_BKT_K_window_spread`` (K), ``R_N_ohm`` used for the Ohmic cut.

    Raises
    ------
    FitError, DataFormatError
        Bad options, missing columns, no isotherm with a usable window.
    """
    from uncertainties import ufloat

    opts = check_options(options, dict(_DEFAULTS), "bkt-iv")
    isos = isotherms_from_measurements(measurements, by_tol_K=float(opts["by_tol_K"]),
                                       symmetrize=opts["symmetrize"])
    if opts["R_N_ohm"] is None:
        rn = max(float(np.median((iso.V_V / iso.I_A)[-3:])) for iso in isos if iso.I_A.size)
        opts["R_N_ohm_source"] = "largest V/I at the top currents"
    else:
        rn = float(opts["R_N_ohm"])
        opts["R_N_ohm_source"] = "given"
    if not np.isfinite(rn) or rn <= 0:
        raise FitError("cannot determine R_N from the I-V curves (V/I <= 0); give R_N_ohm")
    sig_given = opts["sigma_V_V"]
    m = int(opts["min_points"])
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {}
    used: set[str] = set()
    for iso in isos:
        sig = float(sig_given) if sig_given is not None else _noise(iso)
        row: dict[str, Any] = {"T_K": iso.T_K, "source": iso.source, "branch": iso.note,
                               "sigma_V_V": sig}
        try:
            if opts["window"] is not None:
                lo, hi = map(float, opts["window"])
                mask = (iso.I_A >= lo) & (iso.I_A <= hi) & (iso.V_V > 0)
                desc = "given"
                if mask.sum() < 3:
                    raise FitError(f"window [{lo:.3g}, {hi:.3g}] A holds {int(mask.sum())} "
                                   "points with V > 0")
            else:
                mask, desc = select_window(iso.I_A, iso.V_V, sigma_V=sig, R_N_ohm=rn,
                                           v_floor_k=float(opts["v_floor_k"]),
                                           ohmic_fraction=float(opts["ohmic_fraction"]),
                                           min_points=m, slope_tol=float(opts["slope_tol"]))
            res = fit_alpha(iso.I_A[mask], iso.V_V[mask], sigma_V=sig_given)
            p = params_from_lmfit(res, {"alpha": "alpha", "c": "c"})
            name = _alpha_name(iso.T_K, used)
            params[name] = p["alpha"]
            row |= {"alpha": p["alpha"].nominal_value, "alpha_err": p["alpha"].std_dev,
                    "c": res.params["c"].value, "window_A": [float(iso.I_A[mask].min()),
                                                             float(iso.I_A[mask].max())],
                    "window": desc, "mask": mask, "redchi": float(res.redchi),
                    "param": name}
        except FitError as exc:
            row["error"] = str(exc)
            notes.append(f"T = {iso.T_K:.4g} K: no alpha ({exc})")
        rows.append(row)
    good = [r for r in rows if "alpha" in r]
    if not good:
        raise FitError("no isotherm gave a power-law exponent: " + "; ".join(notes))
    Tg = np.array([r["T_K"] for r in good])
    ag = np.array([r["alpha"] for r in good])
    sg = np.array([r["alpha_err"] for r in good])
    cross = None
    try:
        cross = alpha_crossing(Tg, ag, sg, method=opts["alpha_interp"])
        params["T_BKT_K"] = ufloat(cross["T_K"], cross["stderr_K"])
        if len(cross["all_K"]) > 1:
            notes.append(f"alpha crosses 3 several times ({cross['all_K']}); highest-T used")
    except FitError as exc:
        notes.append(str(exc))
    # window ladder: trim the chosen window at either end
    ladder: list[dict[str, Any]] = []
    if opts["ladder"] and cross is not None:
        for label, cut_lo, cut_hi in (("trim low 25%", 0.25, 0.0), ("trim high 25%", 0.0, 0.25),
                                      ("trim both 15%", 0.15, 0.15)):
            al, ae, at = [], [], []
            for r, iso in ((r, iso) for r, iso in zip(rows, isos, strict=True) if "alpha" in r):
                idx = np.flatnonzero(r["mask"])
                k0 = int(round(cut_lo * idx.size))
                k1 = idx.size - int(round(cut_hi * idx.size))
                sub = idx[k0:k1]
                if sub.size < 3:
                    continue
                try:
                    rr = fit_alpha(iso.I_A[sub], iso.V_V[sub], sigma_V=sig_given)
                except FitError:
                    continue
                al.append(rr.params["alpha"].value)
                ae.append(rr.params["alpha"].stderr or np.nan)
                at.append(iso.T_K)
            try:
                c2 = alpha_crossing(np.array(at), np.array(al), np.array(ae),
                                    method=opts["alpha_interp"])
                ladder.append({"window": label, "T_BKT_K": c2["T_K"]})
            except FitError as exc:
                ladder.append({"window": label, "error": str(exc)})
        vals = [cross["T_K"]] + [x["T_BKT_K"] for x in ladder if "T_BKT_K" in x]
        if len(vals) >= 2:
            params["T_BKT_K_window_spread"] = 0.5 * (max(vals) - min(vals))
    params["R_N_ohm"] = rn
    opts = dict(opts)
    opts["fit_space"] = "log10 V vs log10 I"
    opts["scale_covar_used"] = sig_given is None
    opts["tc_definitions"] = {"T_BKT": "T_BKT_alpha3 (alpha(T) = 3)"}
    provenance = {
        "files": [str(mm.source) for mm in measurements],
        "columns": {"x": "I_A", "y": "V_V", "T": "T_K"},
        "units": {"I": "A", "V": "V", "T": "K"},
        "isotherms": [{k: v for k, v in r.items() if k != "mask"} for r in rows],
        "window_ladder": ladder, "crossings_K": cross["all_K"] if cross else [],
        "notes": notes,
    }
    stats = {"n_isotherms": len(isos), "n_alpha": len(good),
             "success": cross is not None}
    plotdata = {"isotherms": [{"T_K": iso.T_K, "I_A": iso.I_A, "V_V": iso.V_V,
                               "mask": r.get("mask"), "alpha": r.get("alpha"),
                               "c": r.get("c")} for r, iso in zip(rows, isos, strict=True)],
                "T_K": Tg, "alpha": ag, "alpha_err": sg}
    return FitResult(kind="bkt-iv", params=params, stats=stats, options=opts,
                     provenance=provenance, data=plotdata)


def plot(result: FitResult, fig: Any) -> None:
    """Left: log-log I-V isotherms with the fitted power laws and a V ~ I^3 guide; right:
    alpha(T) with error bars, the alpha = 3 line and T_BKT (+/- 1 sigma band)."""
    from matplotlib import colormaps

    d = result.data
    ax, axa = fig.subplots(1, 2)
    isos = d["isotherms"]
    Ts = np.array([x["T_K"] for x in isos])
    cmap = colormaps["coolwarm"]
    span = max(float(np.ptp(Ts)), 1e-12)
    for x in isos:
        col = cmap((x["T_K"] - Ts.min()) / span)
        pos = x["V_V"] > 0
        ax.loglog(x["I_A"][pos], x["V_V"][pos], ".", ms=2, color=col)
        if x["alpha"] is not None:
            Iw = x["I_A"][x["mask"]]
            ax.loglog(Iw, 10 ** (x["alpha"] * np.log10(Iw) + x["c"]), "-", color=col, lw=1.5,
                      label=f"{x['T_K']:.3g} K: alpha = {x['alpha']:.2f}")
    allI = np.concatenate([x["I_A"][x["I_A"] > 0] for x in isos])
    allV = np.concatenate([x["V_V"][x["V_V"] > 0] for x in isos])
    if allI.size and allV.size:
        Ig = np.geomspace(allI.min(), allI.max(), 20)
        ax.loglog(Ig, np.median(allV) * (Ig / np.median(allI)) ** 3, "r--", lw=1,
                  label="V ~ I^3")
    ax.set_xlabel("I (A)")
    ax.set_ylabel("V (V)")
    ax.legend(fontsize=6, ncol=1)
    axa.errorbar(d["T_K"], d["alpha"], yerr=d["alpha_err"], fmt="o", ms=4, capsize=2,
                 label="alpha(T)")
    axa.axhline(3.0, color="r", ls="--", lw=1, label="alpha = 3")
    if "T_BKT_K" in result.params:
        Tb, e = result.value("T_BKT_K"), result.stderr("T_BKT_K") or 0.0
        axa.axvline(Tb, color="k", lw=1, label=f"T_BKT = {Tb:.4g} K")
        axa.axvspan(Tb - e, Tb + e, color="k", alpha=0.2, label="1 sigma")
    axa.set_xlabel("T (K)")
    axa.set_ylabel("alpha (V ~ I^alpha)")
    axa.legend(fontsize=7)
