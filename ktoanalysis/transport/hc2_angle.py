"""Kind ``hc2-angle``: Hc2(theta), 2D Tinkham vs 3D anisotropic GL (MODELS.md §5.2).

Input (each measurement is one of):

* a table of precomputed points: ``theta_rad`` (CSV header ``theta (deg)``) and ``Hc2_T``
  (header ``Hc2 (T)``; ``Bc2_T`` accepted), optionally ``Hc2_err_T`` (known 1-sigma errors,
  then the fit uses ``weights = 1/sigma`` and ``scale_covar = False``);
* R(H) sweeps at fixed angles: the angle from a ``theta_rad`` column (constant within a
  sweep) or from ``metadata["theta_rad"]`` (one angle per file); Hc2 at each angle is
  extracted with the §5.1 criterion (fraction of R_N, default 50 %).

Both models are fitted to the same points with the same weights and compared by AIC/BIC
(equal numbers of parameters, so delta AIC = delta chi-square) and reduced chi-square; the
verdict is ``options["best_model"]`` and the unprefixed parameters are the best model's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from .hc2 import (
    AnisotropicGLModel,
    TinkhamModel,
    extract_hc2_points,
    hc2_column,
    hc2_points_from_table,
    points_table,
)
from .options import check_options
from .result import FitResult, params_from_lmfit, stats_from_lmfit

__all__ = ["OPTIONS", "fit_hc2_angle", "analyze", "plot", "collect_angle_points"]

OPTIONS: dict[str, str] = {
    "theta_convention": "ASSUMPTION theta_convention: 'from_normal' (default, theta=0 is "
                        "perpendicular) or 'from_plane'",
    "fit_theta0": "fit the rotator offset theta0 (bounds +-5 deg): true, false or 'auto' "
                  "(default: fit when the data bracket the parallel direction)",
    "theta0_deg": "fixed offset [deg] when theta0 is not fitted (default 0)",
    "criterion": "fraction f of R_N defining Hc2 from R(H) sweeps (default 0.5)",
    "rn_method": "'plateau' (default, high-field plateau of each sweep), 'fixed_B', "
                 "'fixed_value'",
    "rn_field_T": "field of R_N for rn_method='fixed_B' [T]",
    "R_N_ohm": "R_N for rn_method='fixed_value' [ohm]",
    "theta_tol_deg": "tolerance for grouping sweeps at one angle [deg] (default 0.05)",
    "window_deg": "[min, max] of theta [deg] used in the fit (default: all)",
    "use_sigma": "weight by the Hc2 errors: 'auto' (default: known errors of a table "
                 "column, scale_covar=False), true (errors as relative weights, scaled "
                 "covariance), false (unweighted, scaled covariance)",
}

_DEFAULTS: dict[str, Any] = {
    "theta_convention": "from_normal", "fit_theta0": "auto", "theta0_deg": 0.0,
    "criterion": 0.5, "rn_method": "plateau", "rn_field_T": None, "R_N_ohm": None,
    "theta_tol_deg": 0.05, "window_deg": None, "use_sigma": "auto",
}

MODELS = {"tinkham_2d": TinkhamModel, "gl_3d": AnisotropicGLModel}


def collect_angle_points(measurements: list[Measurement], opts: dict[str, Any]):
    """(theta [rad], Hc2 [T], sigma [T] or None, sigma_known, provenance list, censored)."""
    th, hc, er, prov, cens = [], [], [], [], []
    known = True
    for m in measurements:
        cols = set(m.data.columns)
        if hc2_column(m) is not None:
            x, y, e = hc2_points_from_table(m, "theta_rad")
            th.append(x)
            hc.append(y)
            if e is None:
                known = False
                e = np.full(x.shape, np.nan)
            er.append(e)
            prov.append({"file": m.source, "input": "points",
                         "columns": ["theta_rad", "Hc2_T"]})
            continue
        known = False
        if "theta_rad" in cols:
            pts = extract_hc2_points(
                m, fraction=opts["criterion"], rn_method=opts["rn_method"],
                rn_field_T=opts["rn_field_T"], R_N_ohm=opts["R_N_ohm"], by="theta_rad",
                by_tol=math.radians(opts["theta_tol_deg"]))
        elif "theta_rad" in m.metadata:
            pts = extract_hc2_points(
                m, fraction=opts["criterion"], rn_method=opts["rn_method"],
                rn_field_T=opts["rn_field_T"], R_N_ohm=opts["R_N_ohm"], by=None)
            for p in pts:
                p.fixed = float(m.metadata["theta_rad"])
        else:
            raise DataFormatError("no field angle: need a theta_rad column, "
                                  "metadata['theta_rad'], or an Hc2_T table",
                                  file=m.source, column="theta_rad",
                                  expected="'theta (deg)' column")
        for p in pts:
            if p.censored:
                cens.append({"theta_rad": p.fixed, "bound_T": p.value, "kind": p.censored})
                continue
            th.append(np.array([p.fixed]))
            hc.append(np.array([p.value]))
            er.append(np.array([p.stderr]))
        prov.append({"file": m.source, "input": "R(H) sweeps",
                     "columns": ["B_T", m.resistance_column(), "theta_rad"],
                     "points": points_table(pts, "theta_rad").to_dict(orient="list")})
    if not th:
        raise FitError("no Hc2(theta) point could be extracted")
    theta = np.concatenate(th)
    hc2 = np.concatenate(hc)
    err = np.concatenate(er)
    return theta, hc2, err, known, prov, cens


def fit_hc2_angle(theta, hc2, sigma=None, *, theta_convention: str = "from_normal",
                  fit_theta0: bool | str = "auto", theta0: float = 0.0,
                  sigma_known: bool = False) -> dict[str, Any]:
    """Fit 2D Tinkham and 3D anisotropic GL to the same Hc2(theta) points.

    Parameters
    ----------
    theta
        Angles [rad].
    hc2
        Critical fields [T] (|H| is used).
    sigma
        1-sigma errors [T] or None (unweighted).
    theta_convention
        ``"from_normal"`` or ``"from_plane"``.
    fit_theta0
        Fit the rotator offset (True/False/"auto").
    theta0
        Offset [rad] used when it is not fitted.
    sigma_known
        True: ``weights = 1/sigma`` and ``scale_covar=False``; otherwise lmfit's scaled
        covariance.

    Returns
    -------
    dict
        ``{"tinkham_2d": ModelResult, "gl_3d": ModelResult, "best": name, "delta_aic": float}``
        (delta_aic = AIC(GL) - AIC(Tinkham): positive favours Tinkham).
    """
    theta = np.asarray(theta, dtype=float)
    hc2 = np.abs(np.asarray(hc2, dtype=float))
    if theta.size != hc2.size:
        raise FitError("theta and Hc2 differ in length")
    if not np.all(np.isfinite(theta)) or not np.all(np.isfinite(hc2)):
        raise FitError("NaN in the Hc2(theta) points")
    if np.unique(np.round(theta, 12)).size < 4:
        raise FitError(f"Hc2(theta) needs at least 4 distinct angles, got "
                       f"{np.unique(theta).size}")
    if not np.all(hc2 > 0):
        raise FitError("Hc2(theta) contains zero fields: no transition at some angle")
    w = None
    if sigma is not None:
        sigma = np.asarray(sigma, dtype=float)
        if np.all(np.isfinite(sigma)) and np.all(sigma > 0):
            w = 1.0 / sigma
    results: dict[str, Any] = {}
    for name, cls in MODELS.items():
        model = cls(convention=theta_convention)
        pars = model.guess(hc2, theta=theta)
        vary = fit_theta0
        if vary == "auto":
            par_dir = math.pi / 2 if theta_convention == "from_normal" else 0.0
            d = np.angle(np.exp(2j * (theta - par_dir))) / 2
            vary = bool((d < -math.radians(1)).any() and (d > math.radians(1)).any())
        if not vary:
            pars["theta0"].set(value=theta0, vary=False, min=-np.inf, max=np.inf)
        results[name] = model.fit(hc2, pars, theta=theta, weights=w,
                                  scale_covar=not (sigma_known and w is not None))
        results[f"{name}_theta0_fitted"] = bool(vary)
    dA = float(results["gl_3d"].aic - results["tinkham_2d"].aic)
    results["best"] = "tinkham_2d" if dA > 0 else "gl_3d"
    results["delta_aic"] = dA
    return results


def _opts(options: dict[str, Any]) -> dict[str, Any]:
    return check_options(options, dict(_DEFAULTS), "hc2-angle")


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hc2(theta) analysis of one or more measurements; see the module docstring and
    :data:`OPTIONS`. Raises FitError / DataFormatError on bad options or data."""
    opts = _opts(options)
    if not measurements:
        raise FitError("hc2-angle needs at least one measurement")
    theta, hc2, err, known, prov, cens = collect_angle_points(measurements, opts)
    if opts["window_deg"] is not None:
        lo, hi = (math.radians(v) for v in opts["window_deg"])
        sel = (theta >= lo) & (theta <= hi)
        theta, hc2, err = theta[sel], hc2[sel], err[sel]
    use_sigma = opts["use_sigma"]
    have_err = bool(np.all(np.isfinite(err)) and np.all(err > 0))
    if use_sigma == "auto":
        sigma = err if (known and have_err) else None
        sigma_known = known and have_err
    elif use_sigma:
        if not have_err:
            raise FitError("use_sigma=true but some Hc2 points have no error")
        sigma, sigma_known = err, False
    else:
        sigma, sigma_known = None, False
    res = fit_hc2_angle(theta, hc2, sigma, theta_convention=opts["theta_convention"],
                        fit_theta0=opts["fit_theta0"], theta0=math.radians(opts["theta0_deg"]),
                        sigma_known=sigma_known)
    best = res["best"]
    params: dict[str, Any] = {}
    names = {"H_perp": "Hc2_perp_T", "H_par": "Hc2_par_T", "anisotropy": "anisotropy",
             "theta0": "theta0_rad"}
    for name in MODELS:
        r = res[name]
        if not r.success:
            raise FitError(f"hc2-angle: the {name} fit did not converge ({r.message})")
        sub = {k: v for k, v in names.items()
               if k != "theta0" or res[f"{name}_theta0_fitted"]}
        p = params_from_lmfit(r, sub)
        if name == best:
            params.update(p)
        params.update({f"{name}_{k}": v for k, v in p.items()})
    stats = stats_from_lmfit(res[best])
    for name in MODELS:
        stats[f"{name}_aic"] = float(res[name].aic)
        stats[f"{name}_bic"] = float(res[name].bic)
        stats[f"{name}_redchi"] = float(res[name].redchi)
        stats[f"{name}_chisqr"] = float(res[name].chisqr)
    stats["delta_aic_gl_minus_tinkham"] = res["delta_aic"]
    dA = abs(res["delta_aic"])
    strength = "decisive" if dA > 10 else "strong" if dA > 6 else "weak" if dA > 2 else \
        "indistinguishable"
    out_opts = dict(opts) | {
        "best_model": best, "evidence": strength,
        "theta0_fitted": res[f"{best}_theta0_fitted"],
        "sigma": ("known, weights=1/sigma, scale_covar=False" if sigma_known else
                  "relative weights 1/sigma, scaled covariance" if sigma is not None else
                  "unweighted, covariance scaled by reduced chi-square"),
    }
    thg = np.linspace(theta.min(), theta.max(), 721)
    data: dict[str, Any] = {"theta_rad": theta, "Hc2_T": hc2, "Hc2_err_T": err,
                            "theta_grid_rad": thg, "censored": cens}
    for name in MODELS:
        r = res[name]
        data[f"{name}_fit"] = r.eval(theta=thg)
        data[f"{name}_resid"] = hc2 - r.best_fit
        try:
            data[f"{name}_band"] = r.eval_uncertainty(theta=thg)
        except Exception:  # noqa: BLE001 - band is cosmetic; missing covariance
            data[f"{name}_band"] = np.full(thg.shape, np.nan)
    provenance = {"files": [m.source for m in measurements], "inputs": prov,
                  "window_deg": opts["window_deg"],
                  "theta_range_deg": [math.degrees(theta.min()), math.degrees(theta.max())],
                  "n_points": int(theta.size), "n_censored": len(cens),
                  "units": {"theta": "rad", "Hc2": "T"}}
    return FitResult(kind="hc2-angle", params=params, stats=stats, options=out_opts,
                     provenance=provenance, data=data,
                     lmfit_result={k: res[k] for k in MODELS})


def plot(result: FitResult, fig) -> None:
    """Hc2 vs theta (deg) with both model curves and bands, residuals below."""
    from ..plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    th = np.degrees(d["theta_rad"])
    err = d["Hc2_err_T"]
    yerr = err if np.all(np.isfinite(err)) else None
    ax.errorbar(th, d["Hc2_T"], yerr=yerr, fmt="o", ms=3, color="k", label="data")
    thg = np.degrees(d["theta_grid_rad"])
    styles = {"tinkham_2d": ("C0", "2D Tinkham"), "gl_3d": ("C3", "3D anisotropic GL")}
    best = result.options.get("best_model")
    for name, (c, lab) in styles.items():
        lab = lab + (" (best)" if name == best else "")
        ax.plot(thg, d[f"{name}_fit"], color=c, label=lab)
        band = d[f"{name}_band"]
        if np.all(np.isfinite(band)):
            ax.fill_between(thg, d[f"{name}_fit"] - band, d[f"{name}_fit"] + band, color=c,
                            alpha=0.25, lw=0)
        axr.plot(th, d[f"{name}_resid"], "o", ms=3, color=c, label=lab)
    axr.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel(r"$\mu_0H_{c2}$ (T)")
    axr.set_ylabel("data - fit (T)")
    conv = result.options.get("theta_convention", "from_normal")
    axr.set_xlabel(r"$\theta$ (deg, " + ("from normal" if conv == "from_normal"
                                         else "from plane") + ")")
    ax.legend(fontsize=8)
    ax.set_title(f"Hc2(theta): best = {best}, "
                 f"dAIC(GL-Tinkham) = {result.stats['delta_aic_gl_minus_tinkham']:.1f}",
                 fontsize=9)
