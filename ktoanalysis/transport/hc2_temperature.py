"""Kind ``hc2-temperature``: Hc2(T) -> Tc, xi_GL(0), d_SC, WHH, Pauli limit, KLB
(MODELS.md §5.3-5.7).

Input: one or more measurements, each of one field orientation (perpendicular or
parallel), each one of

* a table of precomputed points: ``T_K`` and ``Hc2_T`` (``Bc2_T`` accepted), optionally
  ``Hc2_err_T`` (known 1-sigma errors: weights 1/sigma, ``scale_covar=False``);
* R(H) sweeps at fixed temperatures (split with ``split_sweeps(x="B_T", by="T_K")``;
  Hc2 at ``criterion * R_N``, averaged over up/down sweeps and +-B, spread reported);
* R(T) sweeps at fixed fields (Tc(B) points), chosen automatically or with ``sweep``.

The field orientation comes from the ``field_orientation`` option (one value or one per
file), else ``metadata["field_orientation"]`` ("perp"/"perpendicular"/"out-of-plane" or
"par"/"parallel"/"in-plane"; ``metadata["orientation"]`` is used only when it holds one of
these words, since the loader uses it for the crystal orientation), else
``metadata["theta_rad"]`` / a constant ``theta_rad`` column (ASSUMPTION theta_convention),
else perpendicular.

What is derived: perpendicular data -> GL fit ``Tc_K``, ``Bc2perp_GL0_T``, ``xi_GL0_m``,
``dHc2dT_T_per_K``, ``D_m2_per_s`` and a WHH fit (``Hc2_WHH_T``); parallel data -> 2D-GL fit
``Bc2par_GL0_T`` (``d_sc_m`` needs xi0: from perpendicular data in a joint fit sharing Tc,
or the ``xi0_m`` option) and optionally KLB (``tau_so_s``); always the Pauli limit ``B_P_T``
from the fitted Tc, and with parallel data ``Bc2par_over_BP``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from uncertainties import UFloat, umath, wrap

from ..errors import FitError
from ..io.measurement import Measurement
from ..units import HBAR, MEV, PHI0
from .global_fit import DataSet, GlobalFit
from .hc2 import (
    WHH_ORBITAL_RATIO,
    GLParModel,
    GLPerpModel,
    KLBModel,
    WHHModel,
    diffusion_from_slope,
    extract_hc2_points,
    extract_tc_points,
    gl_par_hc2,
    gl_perp_hc2,
    hc2_column,
    hc2_points_from_table,
    klb_hc2,
    pauli_limit,
    points_table,
    rashba_ceiling,
    whh_hc2,
    whh_zero_temperature_ratio,
)
from .options import check_options
from .result import FitResult, params_from_lmfit, stats_from_lmfit
from .sweeps import group_blocks

__all__ = ["OPTIONS", "analyze", "plot", "collect_temperature_points", "fit_gl_perp",
           "fit_gl_par", "fit_gl_joint", "fit_whh", "fit_klb"]

OPTIONS: dict[str, str] = {
    "field_orientation": "'perp' or 'par' for all files, or a list with one per file "
                         "(default: metadata field_orientation, else theta_rad, else 'perp')",
    "theta_convention": "ASSUMPTION theta_convention for a theta given in metadata: "
                        "'from_normal' (default) or 'from_plane'",
    "criterion": "fraction f of R_N defining Hc2 / Tc(B) (default 0.5; 0.9 onset, 0.1 zero)",
    "rn_method": "'plateau' (default: high-field (or high-T) plateau of each sweep), "
                 "'fixed_B' (R at rn_field_T), 'fixed_value' (R_N_ohm)",
    "rn_field_T": "field [T] (or temperature [K] for R(T) sweeps) of R_N with 'fixed_B'",
    "R_N_ohm": "R_N [ohm] with rn_method='fixed_value'",
    "sweep": "'auto' (default), 'field' (R(H) at fixed T) or 'temperature' (R(T) at fixed B)",
    "T_tol_K": "tolerance grouping sweeps at one temperature [K] (default 0.02)",
    "T_window_K": "[min, max] temperature of the points used in the fits (default: all)",
    "gl_shared_tc": "ASSUMPTION gl_shared_tc: 'shared' (default, joint fit of perp and par) "
                    "or 'separate'",
    "whh": "ASSUMPTION whh_form on perp data: 'orbital' (default, alpha=lam_so=0), 'maki' "
           "(alpha from the slope, lam_so free), 'free', or 'none'",
    "pauli_coefficient": "ASSUMPTION pauli_coefficient: 'bcs_1.764' (default), "
                         "'seed004_1.76', 'rounded_1.86'",
    "g_factor": "g-factor of the Pauli limit (default 2; B_P ~ 2/g)",
    "klb": "ASSUMPTION klb_orbital on par data: 'none' (default: no KLB fit), 'spin' "
           "(spin-orbit scattering only), 'thin_film' (plus orbital term with klb_d_m and "
           "D from the perp slope)",
    "klb_d_m": "film thickness [m] of the KLB thin-film orbital term",
    "xi0_m": "xi_GL(0) [m] to derive d_SC from parallel data alone",
    "use_sigma": "'auto' (default: known errors of an Hc2_err_T column; extracted points "
                 "unweighted with scaled covariance), true, false",
}

_DEFAULTS: dict[str, Any] = {
    "field_orientation": None, "theta_convention": "from_normal", "criterion": 0.5,
    "rn_method": "plateau", "rn_field_T": None, "R_N_ohm": None, "sweep": "auto",
    "T_tol_K": 0.02, "T_window_K": None, "gl_shared_tc": "shared", "whh": "orbital",
    "pauli_coefficient": "bcs_1.764", "g_factor": 2.0, "klb": "none", "klb_d_m": None,
    "xi0_m": None, "use_sigma": "auto",
}

_PERP = {"perp", "perpendicular", "out-of-plane", "oop", "normal", "z"}
_PAR = {"par", "parallel", "in-plane", "ip", "inplane"}


def _orientation(m: Measurement, given: Any, convention: str) -> str:
    val = given if given is not None else m.metadata.get("field_orientation")
    if val is None and str(m.metadata.get("orientation", "")).strip().lower() in _PERP | _PAR:
        val = m.metadata["orientation"]
    if val is not None:
        v = str(val).strip().lower()
        if v in _PERP:
            return "perp"
        if v in _PAR:
            return "par"
        raise FitError(f"{m.source}: orientation {val!r} not understood (use 'perp' or 'par')")
    th = m.metadata.get("theta_rad")
    if th is None and "theta_rad" in m.data.columns:
        col = m.column("theta_rad", dropna=True)
        if col.size and np.ptp(col) < math.radians(1):
            th = float(np.mean(col))
    if th is not None:
        th = float(th) if convention == "from_normal" else math.pi / 2 - float(th)
        c = abs(math.cos(th))
        if c > math.cos(math.radians(5)):
            return "perp"
        if c < math.sin(math.radians(5)):
            return "par"
        raise FitError(f"{m.source}: field angle {math.degrees(th):.1f} deg from the normal "
                       "is neither perpendicular nor parallel; use the hc2-angle kind")
    return "perp"


def _sweep_kind(m: Measurement, sweep: str, T_tol: float) -> str:
    if sweep in ("field", "temperature"):
        return sweep
    if sweep != "auto":
        raise FitError(f"sweep must be 'auto', 'field' or 'temperature', got {sweep!r}")
    T, B = m.column("T_K"), m.column("B_T")
    ok = np.isfinite(T) & np.isfinite(B)
    nT = len(set(group_blocks(T[ok], T_tol).tolist()))
    nB = len(set(group_blocks(B[ok], 1e-3).tolist()))
    return "field" if nT <= nB else "temperature"


def collect_temperature_points(measurements: list[Measurement], opts: dict[str, Any]):
    """Per orientation: dict ``{"perp"/"par": (T [K], B [T], sigma [T], sigma_known)}``,
    provenance entries and censored points (bounds, kept for the record)."""
    orient = opts["field_orientation"]
    if isinstance(orient, (list, tuple)):
        if len(orient) != len(measurements):
            raise FitError(f"orientation list has {len(orient)} entries for "
                           f"{len(measurements)} files")
        orients = list(orient)
    else:
        orients = [orient] * len(measurements)
    acc: dict[str, dict[str, list]] = {}
    prov, cens = [], []
    for m, o in zip(measurements, orients, strict=True):
        o = _orientation(m, o, opts["theta_convention"])
        slot = acc.setdefault(o, {"T": [], "B": [], "e": [], "known": []})
        if hc2_column(m) is not None:
            T, B, e = hc2_points_from_table(m, "T_K")
            slot["T"].append(T)
            slot["B"].append(B)
            slot["e"].append(e if e is not None else np.full(T.shape, np.nan))
            slot["known"].append(e is not None)
            prov.append({"file": m.source, "orientation": o, "input": "points",
                         "columns": ["T_K", "Hc2_T"]})
            continue
        kind = _sweep_kind(m, opts["sweep"], opts["T_tol_K"])
        common = dict(fraction=opts["criterion"], rn_method=opts["rn_method"],
                      R_N_ohm=opts["R_N_ohm"])
        if kind == "field":
            pts = extract_hc2_points(m, rn_field_T=opts["rn_field_T"], by="T_K",
                                     by_tol=opts["T_tol_K"], **common)
            T = np.array([p.fixed for p in pts if not p.censored])
            B = np.array([p.value for p in pts if not p.censored])
            e = np.array([p.stderr for p in pts if not p.censored])
            table = points_table(pts, "T_K", "Hc2_T")
        else:
            pts = extract_tc_points(m, rn_T_K=opts["rn_field_T"], **common)
            T = np.array([p.value for p in pts if not p.censored])
            B = np.array([p.fixed for p in pts if not p.censored])
            e = np.full(T.shape, np.nan)
            table = points_table(pts, "B_T", "Tc_K")
        for p in pts:
            if p.censored:
                cens.append({"file": m.source, "orientation": o, "fixed": p.fixed,
                             "bound": p.value, "kind": p.censored})
        slot["T"].append(T)
        slot["B"].append(B)
        slot["e"].append(e)
        slot["known"].append(False)
        prov.append({"file": m.source, "orientation": o,
                     "input": "R(H) sweeps" if kind == "field" else "R(T) sweeps",
                     "columns": ["T_K", "B_T", m.resistance_column()],
                     "points": table.to_dict(orient="list")})
    out = {}
    for o, s in acc.items():
        T, B, e = (np.concatenate(s[k]) for k in ("T", "B", "e"))
        order = np.argsort(T)
        out[o] = (T[order], np.abs(B[order]), e[order], all(s["known"]))
    return out, prov, cens


def _weights(sigma, known: bool, use_sigma: Any):
    have = sigma is not None and np.all(np.isfinite(sigma)) and np.all(sigma > 0)
    if use_sigma == "auto":
        return (1.0 / sigma, False) if (known and have) else (None, True)
    if use_sigma:
        if not have:
            raise FitError("use_sigma=true but some Hc2 points have no error")
        return 1.0 / sigma, not known
    return None, True


def _check_points(T, B, n_par: int, label: str) -> None:
    if T.size != B.size:
        raise FitError(f"{label}: T and Hc2 differ in length")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(B))):
        raise FitError(f"{label}: NaN in the Hc2(T) points")
    if np.unique(T).size <= n_par:
        raise FitError(f"{label}: {np.unique(T).size} distinct temperatures for {n_par} "
                       "free parameters; need more Hc2(T) points")
    if np.unique(T).size != T.size:
        raise FitError(f"{label}: duplicated temperatures in the Hc2(T) points")
    if not np.all(B > 0):
        raise FitError(f"{label}: zero critical field at some temperature (no transition)")


def fit_gl_perp(T, B, sigma=None, *, scale_covar: bool = True):
    """GL perpendicular fit B = B0*(1 - T/Tc) (§5.3). Returns the lmfit ModelResult.

    ``T`` [K], ``B`` [T], ``sigma`` [T] (weights 1/sigma) or None.
    """
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "GL perpendicular")
    model = GLPerpModel()
    pars = model.guess(B, T=T)
    return model.fit(B, pars, T=T, weights=None if sigma is None else 1 / np.asarray(sigma),
                     scale_covar=scale_covar)


def fit_gl_par(T, B, sigma=None, *, scale_covar: bool = True):
    """2D-GL parallel fit B = B0*sqrt(1 - T/Tc) (§5.4). Returns the lmfit ModelResult."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "GL parallel")
    model = GLParModel()
    pars = model.guess(B, T=T)
    return model.fit(B, pars, T=T, weights=None if sigma is None else 1 / np.asarray(sigma),
                     scale_covar=scale_covar)


def fit_gl_joint(T_perp, B_perp, T_par, B_par, w_perp=None, w_par=None, *,
                 scale_covar: bool = True):
    """Joint GL fit of perpendicular and parallel Hc2(T) sharing Tc (global fit).

    Returns the :class:`~ktoanalysis.transport.global_fit.GlobalFitResult`; parameters
    ``perp_B0``, ``par_B0`` [T], ``Tc`` [K] (and expr members).
    """
    _check_points(np.asarray(T_perp), np.asarray(B_perp), 1, "GL perpendicular")
    _check_points(np.asarray(T_par), np.asarray(B_par), 1, "GL parallel")
    sets = [DataSet(GLPerpModel(prefix="perp_"), T_perp, B_perp, w_perp),
            DataSet(GLParModel(prefix="par_"), T_par, B_par, w_par)]
    gf = GlobalFit(sets, shared={"Tc": ["perp_Tc", "par_Tc"]})
    params = gf.make_params()
    tmax = max(np.max(T_perp), np.max(T_par))
    params["Tc"].set(min=tmax * (1 + 1e-9))
    return gf.fit(params, scale_covar=scale_covar)


def fit_whh(T, B, sigma=None, *, form: str = "orbital", pauli_coefficient: str = "bcs_1.764",
            scale_covar: bool = True):
    """WHH fit of perpendicular Hc2(T) (§5.5). Returns the lmfit ModelResult
    (parameters Tc [K], S [T/K], alpha, lam_so)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    model = WHHModel(form=form, pauli_coefficient=pauli_coefficient)
    nvary = 2 + (form == "maki") + 2 * (form == "free")
    _check_points(T, B, nvary, f"WHH ({form})")
    pars = model.guess(B, T=T)
    return model.fit(B, pars, T=T, weights=None if sigma is None else 1 / np.asarray(sigma),
                     scale_covar=scale_covar)


def fit_klb(T, B, sigma=None, *, d: float = 0.0, D: float = 0.0, scale_covar: bool = True):
    """KLB fit of parallel Hc2(T) (§5.7.1): Tc [K] and tau_so [s] (fitted as log10)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "KLB")
    model = KLBModel(d=d, D=D)
    pars = model.guess(B, T=T)
    return model.fit(B, pars, T=T, weights=None if sigma is None else 1 / np.asarray(sigma),
                     scale_covar=scale_covar)


def _opts(options: dict[str, Any]) -> dict[str, Any]:
    opts = check_options(options, dict(_DEFAULTS), "hc2-temperature")
    for key, allowed in (("gl_shared_tc", ("shared", "separate")),
                         ("whh", ("orbital", "maki", "free", "none")),
                         ("klb", ("none", "spin", "thin_film"))):
        if opts[key] not in allowed:
            raise FitError(f"option {key} must be one of {allowed}, got {opts[key]!r}")
    if opts["klb"] == "thin_film" and not opts["klb_d_m"]:
        raise FitError("klb='thin_film' needs the film thickness option klb_d_m [m]")
    return opts


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hc2(T) analysis; see the module docstring and :data:`OPTIONS`."""
    opts = _opts(options)
    if not measurements:
        raise FitError("hc2-temperature needs at least one measurement")
    pts, prov, cens = collect_temperature_points(measurements, opts)
    if opts["T_window_K"] is not None:
        lo, hi = opts["T_window_K"]
        for o, (T, B, e, k) in list(pts.items()):
            sel = (T >= lo) & (T <= hi)
            pts[o] = (T[sel], B[sel], e[sel], k)
    params: dict[str, Any] = {}
    stats: dict[str, Any] = {}
    notes: list[str] = []
    data: dict[str, Any] = {"censored": cens}
    lm: dict[str, Any] = {}
    sig_desc = {}
    w = {}
    for o, (T, B, e, known) in pts.items():
        wt, scale = _weights(e, known, opts["use_sigma"])
        w[o] = (wt, scale)
        sig_desc[o] = ("known, weights=1/sigma, scale_covar=False" if not scale else
                       "relative weights 1/sigma, scaled covariance" if wt is not None else
                       "unweighted, covariance scaled by reduced chi-square")
        data[f"{o}_T_K"], data[f"{o}_B_T"], data[f"{o}_err_T"] = T, B, e
    Tc = None
    perp_B0 = par_B0 = None
    joint = "perp" in pts and "par" in pts and opts["gl_shared_tc"] == "shared"
    if joint:
        (Tp, Bp, _, _), (Tq, Bq, _, _) = pts["perp"], pts["par"]
        scale = w["perp"][1] or w["par"][1]
        gres = fit_gl_joint(Tp, Bp, Tq, Bq, w["perp"][0], w["par"][0], scale_covar=scale)
        r = gres.minimizer_result
        if not r.success:
            raise FitError(f"joint GL fit did not converge ({r.message})")
        p = params_from_lmfit(r, {"Tc": "Tc_K", "perp_B0": "Bc2perp_GL0_T",
                                  "par_B0": "Bc2par_GL0_T"})
        params.update(p)
        Tc, perp_B0, par_B0 = p["Tc_K"], p["Bc2perp_GL0_T"], p["Bc2par_GL0_T"]
        stats.update(stats_from_lmfit(r))
        lm["gl_joint"] = r
        data["perp_fit"] = lambda x, _p=r.params: gl_perp_hc2(x, _p["perp_B0"].value,
                                                             _p["Tc"].value)
        data["perp_band"] = lambda x, _g=gres: _g.eval_uncertainty(0, x)
        data["par_fit"] = lambda x, _p=r.params: gl_par_hc2(x, _p["par_B0"].value,
                                                           _p["Tc"].value)
        data["par_band"] = lambda x, _g=gres: _g.eval_uncertainty(1, x)
        data["perp_resid"] = Bp - gres.best_fit(0)
        data["par_resid"] = Bq - gres.best_fit(1)
    else:
        for o, fitter, key in (("perp", fit_gl_perp, "Bc2perp_GL0_T"),
                               ("par", fit_gl_par, "Bc2par_GL0_T")):
            if o not in pts:
                continue
            T, B, e, _ = pts[o]
            wt, scale = w[o]
            r = fitter(T, B, None if wt is None else 1 / wt, scale_covar=scale)
            if not r.success:
                raise FitError(f"GL {o} fit did not converge ({r.message})")
            p = params_from_lmfit(r, {"Tc": f"Tc_{o}_K", "B0": key})
            params.update(p)
            lm[f"gl_{o}"] = r
            if o == "perp":
                perp_B0 = p[key]
            else:
                par_B0 = p[key]
            if Tc is None:
                Tc = p[f"Tc_{o}_K"]
                stats.update(stats_from_lmfit(r))
            else:
                stats.update({f"{o}_{k}": v for k, v in stats_from_lmfit(r).items()})
            data[f"{o}_fit"] = lambda x, _r=r: _r.eval(T=np.asarray(x))
            data[f"{o}_band"] = lambda x, _r=r: _r.eval_uncertainty(T=np.asarray(x))
            data[f"{o}_resid"] = B - r.best_fit
        params = {"Tc_K": Tc} | params
    # derived GL quantities (correlated ufloats)
    xi0 = None
    if perp_B0 is not None:
        Tc_perp = params.get("Tc_perp_K", Tc)
        xi0 = umath.sqrt(PHI0 / (2 * math.pi * perp_B0))
        params["xi_GL0_m"] = xi0
        slope = -perp_B0 / Tc_perp
        params["dHc2dT_T_per_K"] = slope
        params["D_m2_per_s"] = diffusion_from_slope(slope)
        params["Hc2_WHH_T"] = WHH_ORBITAL_RATIO * perp_B0
    elif opts["xi0_m"] is not None:
        xi0 = float(opts["xi0_m"])
        notes.append("xi0 taken from the xi0_m option")
    if par_B0 is not None and xi0 is not None:
        d = math.sqrt(12.0) * PHI0 / (2 * math.pi * xi0 * par_B0)
        params["d_sc_m"] = d
        params["xi_over_d"] = xi0 / d
        if _nominal(xi0 / d) < 1:
            notes.append("xi0/d < 1: the 2D GL formula is not valid (d exceeds xi)")
    if par_B0 is not None and perp_B0 is not None:
        params["anisotropy"] = par_B0 / perp_B0
    # Pauli limit from the GL Tc
    B_P = pauli_limit(Tc, opts["pauli_coefficient"], float(opts["g_factor"]))
    params["B_P_T"] = B_P
    params["B_P_rashba_T"] = rashba_ceiling(B_P)
    if par_B0 is not None:
        params["Bc2par_over_BP"] = par_B0 / B_P
    # WHH on perpendicular data
    if "perp" in pts and opts["whh"] != "none":
        T, B, e, _ = pts["perp"]
        wt, scale = w["perp"]
        try:
            r = fit_whh(T, B, None if wt is None else 1 / wt, form=opts["whh"],
                        pauli_coefficient=opts["pauli_coefficient"], scale_covar=scale)
            names = {"Tc": "Tc_WHH_K", "S": "S_WHH_T_per_K"}
            if opts["whh"] != "orbital":
                names |= {"alpha": "alpha_Maki", "lam_so": "lambda_so"}
            p = params_from_lmfit(r, names)
            params.update(p)
            if opts["whh"] == "orbital":
                ratio: Any = WHH_ORBITAL_RATIO
            else:
                ratio = wrap(whh_zero_temperature_ratio)(p["alpha_Maki"], p["lambda_so"])
            params["Hc2_WHHfit_T"] = ratio * p["Tc_WHH_K"] * p["S_WHH_T_per_K"]
            stats.update({f"whh_{k}": v for k, v in stats_from_lmfit(r).items()})
            lm["whh"] = r
            vals = r.params
            data["whh_fit"] = lambda x, _v=vals: whh_hc2(
                np.asarray(x), _v["Tc"].value, _v["S"].value, _v["alpha"].value,
                _v["lam_so"].value)
        except FitError as exc:
            notes.append(f"WHH fit not reported: {exc}")
    # KLB on parallel data
    if "par" in pts and opts["klb"] != "none":
        T, B, e, _ = pts["par"]
        wt, scale = w["par"]
        d_klb, D = 0.0, 0.0
        if opts["klb"] == "thin_film":
            if "D_m2_per_s" not in params:
                raise FitError("klb='thin_film' needs perpendicular data for D (dirty limit)")
            d_klb, D = float(opts["klb_d_m"]), _nominal(params["D_m2_per_s"])
        try:
            r = fit_klb(T, B, None if wt is None else 1 / wt, d=d_klb, D=D, scale_covar=scale)
            p = params_from_lmfit(r, {"Tc": "Tc_KLB_K", "tau_so": "tau_so_s"})
            params.update(p)
            params["eps_so_meV"] = HBAR / p["tau_so_s"] / MEV
            stats.update({f"klb_{k}": v for k, v in stats_from_lmfit(r).items()})
            lm["klb"] = r
            vals = r.params
            data["klb_fit"] = lambda x, _v=vals, _d=d_klb, _D=D: klb_hc2(
                np.asarray(x), _v["Tc"].value, _v["tau_so"].value, _d, _D)
        except FitError as exc:
            notes.append(f"KLB fit not reported: {exc}")
    # evaluate the curves on a grid (plain arrays in data)
    Tmax = max(_nominal(Tc), max(float(np.max(v[0])) for v in pts.values()))
    grid = np.linspace(0.0, 1.02 * Tmax, 300)
    data["T_grid_K"] = grid
    for k in list(data):
        if callable(data[k]):
            try:
                data[k] = np.asarray(data[k](grid), dtype=float)
            except Exception:  # noqa: BLE001 - a band needs a covariance; cosmetic only
                data[k] = np.full(grid.shape, np.nan)
    out_opts = dict(opts) | {
        "orientations": sorted(pts), "joint_fit": joint,
        "Tc_definition": "Tc_GL (zero of the GL fit; Hc2 at criterion*R_N)",
        "Bc2_GL0_meaning": "GL-linear extrapolation to T = 0 (not the true T = 0 field)",
        "Hc2_WHH_meaning": "Hc2_WHH_T = 0.6927*Tc*|dHc2/dT| (WHH formula with the GL-linear "
                           "slope); Hc2_WHHfit_T = T -> 0 limit of the full WHH fit",
        "sigma": sig_desc, "notes": notes,
    }
    provenance = {"files": [m.source for m in measurements], "inputs": prov,
                  "T_window_K": opts["T_window_K"],
                  "n_points": {o: int(v[0].size) for o, v in pts.items()},
                  "T_range_K": {o: [float(v[0].min()), float(v[0].max())]
                                for o, v in pts.items()},
                  "n_censored": len(cens), "units": {"T": "K", "Hc2": "T"}}
    return FitResult(kind="hc2-temperature", params=params, stats=stats, options=out_opts,
                     provenance=provenance, data=data, lmfit_result=lm)


def _nominal(x: Any) -> float:
    return float(x.nominal_value) if isinstance(x, UFloat) else float(x)


def plot(result: FitResult, fig) -> None:
    """Hc2(T) data of each orientation with GL fits and bands, WHH/KLB curves, residuals."""
    from ..plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    grid = d["T_grid_K"]
    colors = {"perp": "C0", "par": "C3"}
    labels = {"perp": r"$\perp$", "par": r"$\parallel$"}
    for o in ("perp", "par"):
        if f"{o}_T_K" not in d:
            continue
        T, B, e = d[f"{o}_T_K"], d[f"{o}_B_T"], d[f"{o}_err_T"]
        c = colors[o]
        ax.errorbar(T, B, yerr=e if np.all(np.isfinite(e)) else None, fmt="o", ms=4, color=c,
                    label=f"data {labels[o]}")
        if f"{o}_fit" in d:
            ax.plot(grid, d[f"{o}_fit"], color=c, label=f"GL {labels[o]}")
            band = d.get(f"{o}_band")
            if band is not None and np.all(np.isfinite(band)):
                ax.fill_between(grid, d[f"{o}_fit"] - band, d[f"{o}_fit"] + band, color=c,
                                alpha=0.25, lw=0)
            axr.plot(T, d[f"{o}_resid"], "o", ms=4, color=c)
    if "whh_fit" in d:
        ax.plot(grid, d["whh_fit"], "--", color="C2",
                label=f"WHH ({result.options.get('whh')}) " + labels["perp"])
    if "klb_fit" in d:
        ax.plot(grid, d["klb_fit"], "--", color="C1", label="KLB " + labels["par"])
    if "B_P_T" in result.params and "par_T_K" in d:
        ax.axhline(result.value("B_P_T"), color="0.4", ls=":", label=r"Pauli $B_P$")
    axr.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel(r"$\mu_0H_{c2}$ (T)")
    axr.set_ylabel("data - fit (T)")
    axr.set_xlabel("T (K)")
    ax.set_xlim(0, grid.max())
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    Tc = result.params.get("Tc_K")
    if Tc is not None:
        ax.set_title(f"Hc2(T): Tc = {result.value('Tc_K'):.4g} K", fontsize=9)
