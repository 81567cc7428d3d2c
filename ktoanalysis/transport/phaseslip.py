"""Phase slips in R(T): LAMH thermally activated (TAPS) and Golubev-Zaikin quantum (QPS).

docs/models/lamh.md; seed 004 (Zhang et al., a-CaZrO3/KTaO3(111)) Eq. 3 (LAMH) and Eq. 4 (GZ).

Resistances here are **wire** resistances: the four-probe resistance of the length L of a
Hall bar of width W, ``R_wire = R_S * L / W`` (seed 004: W = 20 um, L = 120 um, 6 squares).
Sheet data are converted with ``input_resistance="sheet"``.

Layers: pure-numpy lineshapes (literal Eq. 3 and its reduced, identifiable form; GZ literal
and reduced), the lmfit :class:`PhaseSlipModel` (fits ln R by default), the array-level
:func:`fit_phase_slips`, and the CLI/batch entry points :data:`OPTIONS`, :func:`analyze`,
:func:`plot`.

Every result carries a quality verdict (:mod:`ktoanalysis.transport.quality`):

* ``at_bound`` (fail): a varied parameter pinned at a bound (Tc just above the window, i.e.
  the data contain no Tc; the barrier and ``a`` are judged in log);
* ``no_errorbars`` (fail): no covariance, or a non-finite error;
* ``bad_fit`` / ``systematic_residuals``: chi-square of the ln R residuals against an
  independent noise estimate (``sigma_ohm``, else second differences of ln R) and a runs
  test; ``noise_inconsistent`` when a given sigma contradicts the scatter;
* ``window_outside_model`` (fail): the window reaches ``onset_fraction * R_N`` (R_N given or
  the normal state of the data, found as in kind ``tc`` just above the transition) or
  extends above the onset;
* ``extrapolated``: Tc beyond the window by more than its width or beyond the data (warn),
  Tc more than 10 % + 2 sigma above the onset (fail);
* ``local_minimum`` (warn): fits started at several Tc find equally good, different Tc;
* ``too_few_points``: fewer than nvar + 4 points (fail) or fewer than 10 (warn);
* ``large_uncertainty`` (warn): error above half the value of Tc or dF0;
* ``candidate_failed`` (warn): the other candidate of LAMH vs LAMH+QPS could not be fitted;
* kind-specific ``other_model_preferred`` (warn): that candidate has an AIC lower by > 10;
* kind-specific ``unphysical``: a derived length, barrier or amplitude that is negative or
  NaN (fail), or an implied xi0 below an atomic spacing (warn).

Default window: with a normal state in the data and neither ``T_max_K`` nor
``R_max_frac`` given, the tail ``R <= TAIL_FRACTION`` (0.5) ``R_N`` below the highest-T
crossing of that level (Tc_mid, below the mean-field Tc), recorded in
``options['window_rule']``; without one, every point above ``R_floor_ohm``.

Error budgets (``FitResult.budget``) of Tc and the barrier (``dF0_K``, ``dF0_J``): the
statistical error of the lmfit covariance plus a fit-window systematic, the excess over
noise (beyond 2 sigma) of the shifts when 15 % (``window_trim_frac``) of the points are
dropped at either end of the window; for the models that use R_N (qps, little,
parallel_RN) also an ``"R_N"`` systematic: refits at R_N*(1 +/- R_N_rel_err) and half the
shift when the constant R_N is replaced by the normal-state line of the data.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any, Literal

import lmfit
import numpy as np
from uncertainties import UFloat, umath

from ..errors import DataFormatError, FitError, OptionError, RefusedError
from ..io.measurement import Measurement
from ..units import HBAR, K_B, MU0, E
from .declaration import KindSpec, Option, Output
from .lineshapes import (
    gz_qps_literal,
    gz_qps_reduced,
    lamh_eq3_literal,
    lamh_reduced,
    little_taps,
    log_gz_qps_reduced,
    log_lamh_reduced,
)
from .models import ModelName, PhaseSlipModel
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_inside,
    check_multistart,
    check_noise_consistency,
    check_points,
    excess_shift,
    fail,
    noise_from_differences,
    warn,
)
from .result import (
    ErrorBudget,
    FitResult,
    as_param,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)
from .tc import above_transition_window, refuse_not_rt

__all__ = [
    "W_DEFAULT_M", "L_DEFAULT_M", "taps_amplitude_physical", "lamh_barrier",
    "lamh_eq3_literal", "lamh_reduced", "log_lamh_reduced", "little_taps",
    "gz_qps_literal", "gz_qps_reduced", "log_gz_qps_reduced", "PhaseSlipModel",
    "fit_phase_slips", "OPTIONS", "analyze", "plot",
]

#: seed 004 Hall-bar width (m)
W_DEFAULT_M = 20e-6
#: seed 004 voltage-probe distance (m)
L_DEFAULT_M = 120e-6


# ----------------------------------------------------------------------------------------
# lineshapes (pure numpy; wire resistances in Ohm)
# ----------------------------------------------------------------------------------------

def taps_amplitude_physical(L_m: float, xi0_m: float) -> float:
    """Physical LAMH amplitude ``A = (4*hbar/e^2) * (L/xi0)`` in Ohm (wire)."""
    if L_m <= 0 or xi0_m <= 0:
        raise FitError(f"L_m and xi0_m must be positive (got {L_m}, {xi0_m})")
    return 4.0 * HBAR / E**2 * L_m / xi0_m


def lamh_barrier(Bc0_T: float, S_m2: float, xi0_m: float) -> float:
    """LAMH barrier at T = 0, ``dF0 = (8*sqrt(2)/3) * Bc0^2/(2*mu0) * S * xi0`` in J.

    The SI form of seed 004's ``(8 sqrt2/3) (H_c^2/8 pi) S xi`` (Gaussian units).

    Parameters
    ----------
    Bc0_T
        Thermodynamic critical field mu0*H_c(0) (T).
    S_m2
        Cross-section of the wire (m^2), e.g. W*d_SC.
    xi0_m
        GL coherence length at T = 0 (m).
    """
    return 8.0 * math.sqrt(2.0) / 3.0 * Bc0_T**2 / (2.0 * MU0) * S_m2 * xi0_m


# ----------------------------------------------------------------------------------------
# lmfit model
# ----------------------------------------------------------------------------------------


# ----------------------------------------------------------------------------------------
# procedure: one fit problem, its fits and its checks
# ----------------------------------------------------------------------------------------

#: public names of the lmfit parameters (for messages)
_PUBLIC = {"Tc": "Tc", "dF0_K": "dF0_K", "lnA": "ln(A_TAPS/Ohm)", "a": "a_QPS",
           "lnc": "ln(c_QPS)"}
#: relative closeness to a bound that counts as pinned, for Tc (its range is 2*T_max wide)
_TC_BOUND_REL = 0.003
#: Tc multi-start: starting values as multiples of the window's highest temperature
_TC_STARTS = (1.01, 1.05, 1.15, 1.4, 1.8)
#: a window shift counts as systematic only beyond this many of its statistical sigmas
_SHIFT_SIGNIFICANCE = 2.0
#: share of the shift between the two R_N choices (constant R_N_ohm, normal-state line
#: R_N(T)) counted as systematic: half the difference, as for the R_N choice of ``tc``
_LINE_SHARE = 0.5
#: difference of AIC above which the other candidate model is reported as preferred
_AIC_PREFERRED = 10.0


@dataclass
class _Problem:
    """Everything one phase-slip fit needs (wire resistances; ``y`` in the fit space)."""

    T: np.ndarray
    Rw: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None
    sig_w: np.ndarray | None
    pmodel: PhaseSlipModel
    model: str
    Tc_fixed: float | None
    lnA_fixed: float | None
    rn_w: float | None
    nvar: int

    def subset(self, idx: np.ndarray) -> _Problem:
        """The same problem on the points ``idx`` (window variations)."""
        return replace(self, T=self.T[idx], Rw=self.Rw[idx], y=self.y[idx],
                       weights=None if self.weights is None else self.weights[idx],
                       sig_w=None if self.sig_w is None else self.sig_w[idx])


def _check_xy(T: np.ndarray, R: np.ndarray, source: str | None) -> None:
    if T.size != R.size:
        raise DataFormatError("temperature and resistance arrays differ in length", file=source)
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(R))):
        raise DataFormatError("NaN or infinite values in T or R", file=source,
                              expected="finite numbers")
    if np.unique(T).size != T.size:
        raise DataFormatError("duplicated temperatures in the fit window", file=source,
                              column="T_K", expected="one R per temperature (one sweep)")


def _problem(T: np.ndarray, R: np.ndarray, *, model: str, taps_form: str,
             taps_amplitude: str, taps_combination: str, Tc_K: float | None,
             R_N_ohm: float | None, L_m: float, W_m: float, xi0_m: float | None,
             input_resistance: str, fit_space: str, sigma_ohm: Any,
             source: str | None) -> _Problem:
    """Validate the window and build the fit problem (step 1 of :func:`fit_phase_slips`)."""
    _check_xy(T, R, source)
    if np.any(R <= 0):
        raise FitError(f"{int(np.sum(R <= 0))} points with R <= 0 in the window: phase-slip "
                       "fits use ln R; cut the window above the noise floor (R_floor_ohm)")
    if input_resistance not in ("wire", "sheet"):
        raise FitError(f"input_resistance must be 'wire' or 'sheet', got {input_resistance!r}")
    if taps_amplitude not in ("free", "physical"):
        raise FitError(f"taps_amplitude must be 'free' or 'physical', got {taps_amplitude!r}")
    if not (L_m > 0 and W_m > 0):
        raise FitError(f"L_m and W_m must be positive lengths (got {L_m}, {W_m})")
    conv = L_m / W_m if input_resistance == "sheet" else 1.0
    Rw = R * conv
    sig = None
    if sigma_ohm is not None:
        sig = np.broadcast_to(np.asarray(sigma_ohm, float) * conv, Rw.shape).copy()
        if not (np.all(np.isfinite(sig)) and np.all(sig > 0)):
            raise FitError("sigma_ohm must be finite and positive")
    rn_w = None if R_N_ohm is None else R_N_ohm * conv
    nvar = {"taps": 3, "qps": 3, "taps+qps": 5}.get(model, 3) - (Tc_K is not None)
    if model != "qps" and (taps_amplitude == "physical" or taps_form == "little"):
        nvar -= 1
    if T.size < nvar + 2:
        raise FitError(f"only {T.size} points for a {model!r} fit with {nvar} free parameters "
                       f"(need at least {nvar + 2})")
    if Tc_K is not None and T.max() >= Tc_K:
        raise FitError(f"fit window reaches T = {T.max():.4g} K >= Tc = {Tc_K:.4g} K: Eq. 3/4 "
                       "are undefined at and above Tc; cut the window below Tc")
    pmodel = PhaseSlipModel(model=model, taps_form=taps_form,  # type: ignore[arg-type]
                            taps_combination=taps_combination, R_N_ohm=rn_w,
                            space=fit_space)  # type: ignore[arg-type]
    lnA_fixed = None
    if model != "qps" and taps_amplitude == "physical" and taps_form == "lamh_eq3":
        if xi0_m is None:
            raise FitError("taps_amplitude='physical' needs xi0_m (GL coherence length, m)")
        lnA_fixed = math.log(taps_amplitude_physical(L_m, xi0_m))
    y = np.log(Rw) if fit_space == "log" else Rw
    weights = None
    if sig is not None:
        weights = Rw / sig if fit_space == "log" else 1.0 / sig
    return _Problem(T=T, Rw=Rw, y=y, weights=weights, sig_w=sig, pmodel=pmodel, model=model,
                    Tc_fixed=Tc_K, lnA_fixed=lnA_fixed, rn_w=rn_w, nvar=nvar)


def _set_bounds(prob: _Problem, pars: lmfit.Parameters) -> lmfit.Parameters:
    """Bounds of Tc (above the window, at most 3 T_max) and of the barrier."""
    tmax = float(prob.T.max())
    if prob.Tc_fixed is not None:
        pars["Tc"].set(value=prob.Tc_fixed, vary=False)
    else:
        lo, hi = tmax * (1 + 1e-6) + 1e-5, 3.0 * tmax
        pars["Tc"].set(value=float(np.clip(pars["Tc"].value, lo * 1.0001, hi * 0.9999)),
                       min=lo, max=hi)
    if "dF0_K" in pars:
        tc_ref = prob.Tc_fixed if prob.Tc_fixed is not None else tmax
        lo, hi = 0.01 * tc_ref, 1000.0 * tc_ref
        pars["dF0_K"].set(value=float(np.clip(pars["dF0_K"].value, lo * 1.001, hi * 0.999)),
                          min=lo, max=hi)
        if prob.lnA_fixed is not None:
            pars["lnA"].set(value=prob.lnA_fixed, vary=False)
    return pars


def _start(prob: _Problem, tc_start: float | None = None) -> lmfit.Parameters:
    """Starting values (the model's guess, at ``tc_start`` when given)."""
    tc = prob.Tc_fixed if prob.Tc_fixed is not None else tc_start
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pars = prob.pmodel.guess(prob.y, T=prob.T, Tc=tc)
    return _set_bounds(prob, pars)


def _run(prob: _Problem, pars: lmfit.Parameters) -> lmfit.model.ModelResult:
    """One lmfit fit; numerical failures become :class:`FitError`."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = prob.pmodel.fit(prob.y, pars, T=prob.T, weights=prob.weights,
                                  scale_covar=prob.sig_w is None, nan_policy="raise")
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise FitError(f"phase-slip fit failed numerically: {exc}") from None
    if not res.success or not np.isfinite(res.chisqr):
        raise FitError(f"phase-slip fit did not converge: {res.message}")
    return res


def _tc_err(res: lmfit.model.ModelResult) -> float:
    p = res.params["Tc"]
    return float(p.stderr) if p.stderr is not None and np.isfinite(p.stderr) else float("nan")


def _best_fit(prob: _Problem, multistart: bool
              ) -> tuple[lmfit.model.ModelResult, list[Flag], dict[str, Any]]:
    """Main fit plus (Tc free, ``multistart``) fits started at several Tc; the best wins."""
    res = _run(prob, _start(prob))
    if prob.Tc_fixed is not None or not multistart:
        return res, [], {}
    fits = [res]
    tmax = float(prob.T.max())
    for f in _TC_STARTS:
        try:
            fits.append(_run(prob, _start(prob, f * tmax)))
        except FitError:
            continue
    best = min(fits, key=lambda r: r.chisqr)
    if best.chisqr >= res.chisqr * (1 - 1e-6):
        best = res
    tcs = [float(r.params["Tc"].value) for r in fits]
    flags = check_multistart("Tc", tcs, [_tc_err(r) for r in fits],
                             chisqr=[float(r.chisqr) for r in fits], what="phase-slip fit")
    info = {"Tc_starts_K": [float(f * tmax) for f in _TC_STARTS], "Tc_found_K": tcs,
            "improved_by_multistart": best is not res}
    return best, flags, info


def _public_params(res: lmfit.model.ModelResult, model: str, L_m: float,
                   taps_form: str) -> dict[str, Any]:
    """Public, unit-suffixed parameters (ufloats where lmfit has a covariance)."""
    names: dict[str, str] = {"Tc": "Tc_QPS_K" if model == "qps" else "Tc_TAPS_K"}
    if model != "qps":
        names["dF0_K"] = "dF0_K"
        if res.params["lnA"].vary:
            names["lnA"] = "lnA"
    if model != "taps":
        names.update({"a": "a_QPS", "lnc": "lnc"})
    try:
        p = params_from_lmfit(res, names, require_errorbars=False)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        p = {pub: float(res.params[k].value) for k, pub in names.items()}
    params = {k: v for k, v in p.items() if k not in ("lnA", "lnc")}
    if model != "qps":
        if "lnA" in p:
            amp = _exp(p["lnA"])
            params["A_TAPS_ohm"] = amp
            params["xi0_implied_m"] = 4.0 * HBAR / E**2 * L_m / amp
        elif taps_form == "lamh_eq3":
            params["A_TAPS_ohm"] = math.exp(res.params["lnA"].value)
    if "lnc" in p:
        params["c_QPS"] = _exp(p["lnc"])
    return params


def _derived(params: dict[str, Any], model: str) -> dict[str, Any]:
    """Add ``Tc_QPS_K`` (shared Tc), ``dF0_J`` and ``dF0_over_kTc``."""
    out = dict(params)
    if model == "taps+qps":
        out["Tc_QPS_K"] = out["Tc_TAPS_K"]
    if "dF0_K" in out:
        out["dF0_J"] = out["dF0_K"] * K_B
        out["dF0_over_kTc"] = out["dF0_K"] / out["Tc_TAPS_K"]
    return out


def _ln_residuals(prob: _Problem, res: lmfit.model.ModelResult) -> np.ndarray:
    """Residuals in ln R (whatever the fit space)."""
    if prob.pmodel.space == "log":
        return np.asarray(prob.y - res.best_fit, dtype=float)
    with np.errstate(all="ignore"):
        fit = np.asarray(res.best_fit, dtype=float)
        return np.where(fit > 0, np.log(prob.Rw) - np.log(np.where(fit > 0, fit, 1.0)), np.nan)


def _bound_view(params: lmfit.Parameters, names: tuple[str, ...]) -> dict[str, Any]:
    """Parameters for :func:`check_bounds`; wide positive ranges (barrier, ``a``) in log."""
    view: dict[str, Any] = {}
    for k in names:
        if k not in params:
            continue
        p = params[k]
        lo, hi, v = float(p.min), float(p.max), float(p.value)
        if k in ("dF0_K", "a") and lo > 0 and np.isfinite(hi) and v > 0:
            lo, hi, v = math.log(lo), math.log(hi), math.log(v)
        view[k] = SimpleNamespace(vary=p.vary, expr=p.expr, min=lo, max=hi, value=v)
    return view


def _fit_flags(prob: _Problem, res: lmfit.model.ModelResult, normal_fraction: float
               ) -> tuple[list[Flag], dict[str, Any]]:
    """Bounds, error bars, goodness of fit, point count and normal state in the window."""
    flags: list[Flag] = []
    n = int(prob.T.size)
    flags += check_points(n, prob.nvar + 4, what="points in the fit window")
    if not flags:
        flags += check_points(n, 10, what="points in the fit window", severity="warn")
    if not (res.errorbars and res.covar is not None):
        flags.append(fail("no_errorbars", "the covariance of the phase-slip fit could not be "
                          "estimated: no honest 1-sigma errors"))
    rest = tuple(k for k in _PUBLIC if k != "Tc")
    flags += check_bounds(_bound_view(res.params, rest), what="phase-slip fit",
                          public={"dF0_K": "ln(dF0_K)", "a": "ln(a_QPS)", **_PUBLIC})
    flags += check_bounds(_bound_view(res.params, ("Tc",)), what="phase-slip fit",
                          rel=_TC_BOUND_REL, public=_PUBLIC)
    r = _ln_residuals(prob, res)
    with np.errstate(all="ignore"):
        est = noise_from_differences(np.log(prob.Rw))
    given = None if prob.sig_w is None else prob.sig_w / prob.Rw
    sigma = given if given is not None else (est if np.isfinite(est) and est > 0 else None)
    flags += check_goodness_of_fit(r, sigma, prob.nvar, what="phase-slip fit (ln R)")
    if given is not None:
        flags += check_noise_consistency(float(np.median(given)), est, what="noise of ln R")
    if prob.rn_w is not None and prob.Rw.max() >= normal_fraction * prob.rn_w:
        flags.append(fail("window_outside_model", f"the fit window reaches R = "
                          f"{prob.Rw.max() / prob.rn_w:.3g} R_N (limit {normal_fraction:g} "
                          "R_N): the normal state is not a phase-slip tail"))
    info = {"noise_lnR_estimated": est, "noise_lnR_used": None if sigma is None else
            float(np.median(sigma)), "noise_source": "given sigma_ohm" if given is not None
            else "second differences of ln R (quality.noise_from_differences)"}
    return flags, info


def _value_flags(params: dict[str, Any], T: np.ndarray) -> list[Flag]:
    """Unphysical derived values, large errors and Tc extrapolated far beyond the window."""
    flags: list[Flag] = []
    for k in ("Tc_TAPS_K", "Tc_QPS_K", "dF0_K", "dF0_J", "A_TAPS_ohm", "xi0_implied_m",
              "a_QPS", "c_QPS"):
        if k not in params:
            continue
        v, e = as_param(params[k])
        if not (math.isfinite(v) and v > 0):
            flags.append(fail("unphysical", f"{k} = {v:.4g}: must be finite and positive"))
        elif e is not None and not math.isfinite(e):
            flags.append(fail("no_errorbars", f"{k}: 1-sigma error is not finite"))
    xi = params.get("xi0_implied_m")
    if xi is not None and 0 < as_param(xi)[0] < 1e-10:
        flags.append(warn("unphysical", f"xi0_implied_m = {as_param(xi)[0]:.3g} m is below an "
                          "atomic spacing: the free amplitude is not a GL coherence length"))
    for k in ("Tc_TAPS_K", "Tc_QPS_K", "dF0_K"):
        v, e = as_param(params.get(k, 0.0))
        if e is not None and math.isfinite(e) and v > 0 and e > 0.5 * v:
            flags.append(warn("large_uncertainty", f"{k} = {v:.4g} +/- {e:.2g}"))
    tc_name = "Tc_TAPS_K" if "Tc_TAPS_K" in params else "Tc_QPS_K"
    tc = as_param(params[tc_name])[0]
    span = float(T.max() - T.min())
    if math.isfinite(tc) and tc - float(T.max()) > span:
        flags.append(warn("extrapolated", f"{tc_name} = {tc:.4g} K lies {tc - T.max():.3g} K "
                          f"above the fit window (ends at {T.max():.4g} K), more than the "
                          f"window is wide ({span:.3g} K)"))
    return flags


def _trim_sets(n: int, frac: float, need: int) -> dict[str, np.ndarray]:
    """Index sets of the window variations: drop ``frac`` of the points at either end."""
    k = max(1, int(round(frac * n)))
    if frac <= 0 or n - k < need:
        return {}
    idx = np.arange(n)
    return {"low end trimmed": idx[k:], "high end trimmed": idx[:-k]}


def _window_sys(prob: _Problem, res: lmfit.model.ModelResult, frac: float
                ) -> tuple[dict[str, float], dict[str, Any]]:
    """Window systematic of Tc and dF0_K: refits with the window shortened at either end.

    The shift ``d`` of a parameter between nested windows has the statistical variance
    ``s^2 = sigma_sub^2 - sigma_full^2`` (the noise is already in the statistical error).
    Only a shift beyond ``_SHIFT_SIGNIFICANCE * s`` counts: the systematic is
    ``sqrt(max(d^2 - (k s)^2, 0))``, the larger of the two variations.
    """
    names = [k for k in ("Tc", "dF0_K") if k in res.params and res.params[k].vary]
    sys = {k: 0.0 for k in names}
    shifts: dict[str, Any] = {}
    for label, idx in _trim_sets(prob.T.size, frac, prob.nvar + 3).items():
        sub = prob.subset(idx)
        try:
            r = _run(sub, _set_bounds(sub, res.params.copy()))
        except FitError as exc:
            shifts[label] = f"refit failed: {exc}"
            continue
        shifts[label] = {}
        for k in names:
            p0, p1 = res.params[k], r.params[k]
            d = float(p1.value - p0.value)
            s = math.sqrt(max(_err(p1) ** 2 - _err(p0) ** 2, 0.0))
            sys[k] = max(sys[k], excess_shift(d, s, scale=_SHIFT_SIGNIFICANCE))
            shifts[label][k] = d
    return sys, shifts


def _err(p: lmfit.Parameter) -> float:
    return float(p.stderr) if p.stderr is not None and np.isfinite(p.stderr) else 0.0


def _uses_rn(prob: _Problem) -> bool:
    pm = prob.pmodel
    return pm.ps_model != "taps" or pm.taps_form == "little" or pm.combination == "parallel_RN"


def _refit_rn(prob: _Problem, res: lmfit.model.ModelResult, rn_w: float,
              Rw: np.ndarray | None = None) -> dict[str, float]:
    """Refit (warm start) with the model's R_N set to ``rn_w`` and the data ``Rw``."""
    pm = prob.pmodel
    mod = PhaseSlipModel(model=pm.ps_model, taps_form=pm.taps_form,  # type: ignore[arg-type]
                         taps_combination=pm.combination, R_N_ohm=rn_w,
                         space=pm.space)  # type: ignore[arg-type]
    sub = replace(prob, pmodel=mod, rn_w=rn_w)
    if Rw is not None:
        f = Rw / prob.Rw
        sub = replace(sub, Rw=Rw, y=np.log(Rw) if pm.space == "log" else Rw,
                      sig_w=None if prob.sig_w is None else prob.sig_w * f,
                      weights=None if prob.weights is None else
                      (prob.weights if pm.space == "log" else prob.weights / f))
    r = _run(sub, _set_bounds(sub, res.params.copy()))
    return {k: float(r.params[k].value) for k in ("Tc", "dF0_K") if k in r.params}


def _rn_sys(prob: _Problem, res: lmfit.model.ModelResult, rel: float,
            line: tuple[float, float] | None, conv: float
            ) -> tuple[dict[str, float], dict[str, Any]]:
    """R_N systematic of Tc and dF0 for the models that use R_N.

    Two parts, added in quadrature: half the spread of refits with R_N scaled by
    ``1 +/- rel``; and the shift when the constant R_N is replaced by the normal-state line
    ``R_N(T) = c0 + c1*T`` of the data (data divided by ``R_N(T)/R_N(Tc)``, R_N = R_N(Tc)).
    """
    names = [k for k in ("Tc", "dF0_K") if k in res.params and res.params[k].vary]
    if not names or prob.rn_w is None or not _uses_rn(prob) or (rel <= 0 and line is None):
        return {}, {}
    parts: dict[str, float] = {k: 0.0 for k in names}
    info: dict[str, Any] = {}
    try:
        if rel > 0:
            if rel >= 1:
                raise FitError(f"R_N_rel_err = {rel:g} leaves no positive R_N")
            up, dn = (_refit_rn(prob, res, prob.rn_w * f) for f in (1 + rel, 1 - rel))
            for k in names:
                parts[k] = (up[k] - dn[k]) ** 2 / 4.0
            info["R_N +/- R_N_rel_err"] = {"rel": rel, "+": up, "-": dn}
        if line is not None:
            tc = float(res.params["Tc"].value)
            rn_T = (line[0] + line[1] * prob.T) * conv
            rn_tc = (line[0] + line[1] * tc) * conv
            if not (rn_tc > 0 and np.all(rn_T > 0)):
                raise FitError("the normal-state line is not positive over the window")
            alt = _refit_rn(prob, res, rn_tc, prob.Rw * rn_tc / rn_T)
            for k in names:
                parts[k] += (_LINE_SHARE * (alt[k] - float(res.params[k].value))) ** 2
            info["R_N(T) line"] = {"R_N_at_Tc_ohm": rn_tc / conv, "refit": alt}
    except FitError as exc:
        return {}, {"R_N": f"refit failed: {exc}"}
    return {k: math.sqrt(v) for k, v in parts.items()}, info


def _budgets(params: dict[str, Any], sys: dict[str, dict[str, float]]
             ) -> tuple[dict[str, Any], dict[str, ErrorBudget]]:
    """Combine the statistical and systematic errors of Tc and dF0 (dF0_J follows).

    ``sys`` maps a systematic's name (``"fit window"``, ``"R_N"``) to lmfit name -> error.
    """
    out = dict(params)
    budget: dict[str, ErrorBudget] = {}
    tc_name = "Tc_QPS_K" if "Tc_QPS_K" in params and "Tc_TAPS_K" not in params else "Tc_TAPS_K"
    for lm, pub in (("Tc", tc_name), ("dF0_K", "dF0_K")):
        parts = {src: v[lm] for src, v in sys.items() if lm in v}
        if pub in out and (parts or isinstance(out[pub], UFloat)):
            out[pub], budget[pub] = combine_errors(out[pub], sys=parts, tag=f"sys {pub}")
    return out, budget


def _error_budget(prob: _Problem, res: lmfit.model.ModelResult, stat: dict[str, Any],
                  frac: float, rn_rel: float, rn_line: tuple[float, float] | None, conv: float
                  ) -> tuple[dict[str, Any], dict[str, ErrorBudget], dict[str, Any]]:
    """Statistical + fit-window (+ R_N) systematic errors; derived parameters follow."""
    wsys, shifts = _window_sys(prob, res, frac)
    rsys, rn_info = _rn_sys(prob, res, rn_rel, rn_line, conv)
    shifts.update(rn_info)
    sys = {"fit window": wsys, "R_N": rsys} if rsys else {"fit window": wsys}
    params, budget = _budgets(stat, sys)
    params = _derived(params, prob.model)
    if "dF0_K" in budget:
        budget["dF0_J"] = _scaled_budget(budget["dF0_K"], K_B)
    if prob.model == "taps+qps" and "Tc_TAPS_K" in budget:
        budget["Tc_QPS_K"] = budget["Tc_TAPS_K"]
    return params, budget, shifts


def _scaled_budget(b: ErrorBudget, factor: float) -> ErrorBudget:
    return ErrorBudget(stat=None if b.stat is None else b.stat * factor,
                       sampling=b.sampling * factor,
                       sys={k: v * factor for k, v in b.sys.items()})


def _compare_models(T: np.ndarray, R: np.ndarray, main: lmfit.model.ModelResult,
                    kw: dict[str, Any]) -> tuple[list[Flag], dict[str, Any]]:
    """LAMH vs LAMH+QPS: fit the other candidate on the same window and compare AIC."""
    other = "taps+qps" if kw["model"] == "taps" else "taps"
    info: dict[str, Any] = {kw["model"]: {"aic": float(main.aic), "bic": float(main.bic)}}
    try:
        cand = fit_phase_slips(T, R, **{**kw, "model": other}, multistart=False,
                               window_trim_frac=0.0, compare_qps=False)
    except FitError as exc:
        info[other] = f"failed: {exc}"
        return [warn("candidate_failed", f"candidate model {other!r} could not be fitted: "
                     f"{exc}")], info
    aic = float(cand.stats["aic"])
    info[other] = {"aic": aic, "bic": float(cand.stats["bic"]),
                   "verdict": cand.quality.verdict}
    info["preferred_by_aic"] = other if aic < main.aic else kw["model"]
    if aic < main.aic - _AIC_PREFERRED and cand.quality.verdict != "fail":
        return [warn("other_model_preferred", f"model {other!r} has an AIC lower by "
                     f"{main.aic - aic:.1f} than {kw['model']!r}")], info
    return [], info


def fit_phase_slips(
    T_K: np.ndarray,
    R_ohm: np.ndarray,
    *,
    model: ModelName = "taps",
    taps_form: str = "lamh_eq3",
    taps_amplitude: Literal["free", "physical"] = "free",
    taps_combination: str = "bare",
    Tc_K: float | None = None,
    R_N_ohm: float | None = None,
    W_m: float = W_DEFAULT_M,
    L_m: float = L_DEFAULT_M,
    xi0_m: float | None = None,
    input_resistance: Literal["wire", "sheet"] = "wire",
    fit_space: Literal["log", "linear"] = "log",
    sigma_ohm: float | np.ndarray | None = None,
    source: str | None = None,
    multistart: bool = True,
    window_trim_frac: float = 0.15,
    compare_qps: bool | None = None,
    normal_fraction: float = 0.9,
    R_N_rel_err: float = 0.0,
    R_N_line: tuple[float, float] | None = None,
) -> FitResult:
    """Fit phase-slip models to R(T) below Tc and check the fit.

    Parameters
    ----------
    T_K, R_ohm
        Temperatures (K) and resistances (Ohm) of the fit window; all T must be below Tc
        and all R positive (points at the noise floor must be removed beforehand).
    model
        ``"taps"`` (LAMH), ``"qps"`` (GZ) or ``"taps+qps"`` (sum, shared Tc).
    taps_form, taps_combination
        See :class:`PhaseSlipModel`.
    taps_amplitude
        ASSUMPTION ``taps_amplitude``: ``"free"`` (default; A fitted) or ``"physical"``
        (A = (4 hbar/e^2) L/xi0, needs ``xi0_m``; this is Eq. 3 literally).
    Tc_K
        Fix Tc (seed 004 fixes Tc = T_C^zero); ``None`` fits it (bounded above max T).
    R_N_ohm
        Normal-state resistance in the unit of the input (wire or sheet).
    W_m, L_m
        Bar width and probe distance (m); defaults are seed 004's 20 um and 120 um.
    xi0_m
        GL coherence length (m); used by the physical amplitude.
    input_resistance
        ``"wire"`` (default: the four-probe R of length L, what LAMH/GZ describe) or
        ``"sheet"`` (R_S, converted with ``R_wire = R_S*L/W``).
    fit_space
        ``"log"`` (default; residuals in ln R) or ``"linear"``.
    sigma_ohm
        Known 1-sigma noise of R (Ohm); then ``weights = 1/sigma`` and
        ``scale_covar=False``; otherwise lmfit scales the covariance by chi2_red.
    source
        File name(s) for messages and provenance.
    multistart
        Refit from several starting Tc (``Tc_K`` free) and keep the best; disagreeing
        equally good minima give ``local_minimum``.
    window_trim_frac
        Fraction of the points dropped at either end of the window for the window
        systematic of Tc and dF0 (0: none).
    compare_qps
        Fit the other candidate of LAMH vs LAMH+QPS and compare AIC; ``None``: when
        ``R_N_ohm`` is given and the model is ``taps`` or ``taps+qps``.
    normal_fraction
        R at or above ``normal_fraction * R_N_ohm`` in the window is normal state
        (``window_outside_model``).
    R_N_rel_err
        Relative 1-sigma uncertainty of R_N: for the models that use R_N, Tc and dF0 are
        refitted with ``R_N*(1 +/- R_N_rel_err)`` and half the spread is the systematic
        ``"R_N"`` of their budgets.
    R_N_line
        ``(c0, c1)`` of the normal-state line ``R_N(T) = c0 + c1*T`` (input unit, Ohm/K):
        for the models that use R_N, the shift of Tc and dF0 when the constant R_N is
        replaced by this line is added to the ``"R_N"`` systematic.

    Returns
    -------
    FitResult
        ``Tc_TAPS_K`` / ``Tc_QPS_K``, ``dF0_J``, ``dF0_K``, ``dF0_over_kTc``,
        ``A_TAPS_ohm``, ``xi0_implied_m`` (free amplitude), ``a_QPS``, ``c_QPS`` (= B1/B2);
        ``quality`` with the flags of the module docstring; ``budget`` of Tc and dF0
        (statistical + fit-window systematic).
    """
    T = np.asarray(T_K, dtype=float).ravel()
    R = np.asarray(R_ohm, dtype=float).ravel()
    order = np.argsort(T, kind="stable") if T.size == R.size else slice(None)
    T, R = T[order], R[order]
    sig_in = sigma_ohm
    if sigma_ohm is not None and np.ndim(sigma_ohm) > 0 and np.size(sigma_ohm) == T.size:
        sig_in = np.asarray(sigma_ohm, dtype=float).ravel()[order]
    kw = dict(model=model, taps_form=taps_form, taps_amplitude=taps_amplitude,
              taps_combination=taps_combination, Tc_K=Tc_K, R_N_ohm=R_N_ohm, W_m=W_m, L_m=L_m,
              xi0_m=xi0_m, input_resistance=input_resistance, fit_space=fit_space,
              sigma_ohm=sig_in, source=source)
    prob = _problem(T, R, **kw)
    res, flags, ms_info = _best_fit(prob, multistart)
    more, noise_info = _fit_flags(prob, res, normal_fraction)
    flags += more
    conv = L_m / W_m if input_resistance == "sheet" else 1.0
    params, budget, shifts = _error_budget(
        prob, res, _public_params(res, model, L_m, taps_form), window_trim_frac,
        R_N_rel_err, R_N_line, conv)
    flags += _value_flags(params, prob.T)
    comparison: dict[str, Any] = {}
    if compare_qps is not False and model in ("taps", "taps+qps") and (
            compare_qps or R_N_ohm is not None):
        cflags, comparison = _compare_models(T, R, res, {**kw, "sigma_ohm": sig_in,
                                                         "normal_fraction": normal_fraction})
        flags += cflags
    options = _result_options(kw, prob, noise_info, ms_info, shifts, comparison,
                              window_trim_frac)
    return FitResult(
        kind="phase-slips", params=params, stats=stats_from_lmfit(res), options=options,
        provenance={"source": source, "window_T_K": [float(T.min()), float(T.max())],
                    "npoints": int(T.size), "units": {"T": "K", "R": "Ohm (wire)"}},
        data=_plot_data(prob, res), lmfit_result=res, quality=Quality(tuple(flags)),
        budget=budget)


def _result_options(kw: dict[str, Any], prob: _Problem, noise: dict[str, Any],
                    ms: dict[str, Any], shifts: dict[str, Any], comparison: dict[str, Any],
                    frac: float) -> dict[str, Any]:
    """Every choice made, for the result's ``options``."""
    model = kw["model"]
    return {
        "model": model, "taps_form": kw["taps_form"], "taps_amplitude": kw["taps_amplitude"],
        "taps_combination": kw["taps_combination"],
        "qps_combination": "sum R_TAPS + R_QPS, shared Tc" if model == "taps+qps" else None,
        "Tc_fixed": kw["Tc_K"] is not None, "Tc_definition": "Tc_TAPS (LAMH fit parameter)"
        if kw["Tc_K"] is None else "fixed (e.g. T_C^zero, as seed 004)",
        "input_resistance": kw["input_resistance"], "W_m": kw["W_m"], "L_m": kw["L_m"],
        "xi0_m": kw["xi0_m"], "R_N_ohm": kw["R_N_ohm"], "R_N_wire_ohm": prob.rn_w,
        "fit_space": kw["fit_space"], "resistance_reported": "wire: R_wire = R_S*L/W",
        "uncertainty": "weights=1/sigma, scale_covar=False" if prob.sig_w is not None
        else "lmfit default: covariance scaled by chi2_red",
        "error_budget": "stat (lmfit covariance) + fit-window systematic (refits with "
                        f"{frac:g} of the points dropped at either end; excess over 2 sigma "
                        "of noise) + R_N systematic for the models that use R_N",
        "window_shifts": shifts, "multistart": ms, "model_comparison": comparison or None,
        **noise,
        "note": "LAMH/GZ are 1D theories; dF0 is an effective barrier for a 2D bar",
    }


def _plot_data(prob: _Problem, res: lmfit.model.ModelResult) -> dict[str, Any]:
    T = prob.T
    Tf = np.linspace(T.min(), T.max(), 300)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            band = np.nan_to_num(res.eval_uncertainty(T=Tf, sigma=1))
    except Exception:  # noqa: BLE001 - the band is cosmetic
        band = np.zeros_like(Tf)
    return {"T_K": T, "R_wire_ohm": prob.Rw, "fit_y": res.best_fit, "T_fine_K": Tf,
            "y_fine": res.eval(T=Tf), "band": band, "space": prob.pmodel.space,
            "residual": (prob.y - res.best_fit)}


def _exp(x: Any) -> Any:
    return umath.exp(x) if isinstance(x, UFloat) else math.exp(x)


# ----------------------------------------------------------------------------------------
# CLI / batch entry points
# ----------------------------------------------------------------------------------------

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("model", "str", "taps", "taps (LAMH), qps (Golubev-Zaikin) or taps+qps (sum "
           "R_TAPS + R_QPS with a shared Tc: ASSUMPTION qps_combination)",
           choices=("taps", "qps", "taps+qps"), assumption=True),
    Option("taps_form", "str", "lamh_eq3", "lamh_eq3 (seed 004 Eq. 3) or little "
           "(R_N*exp(-dF(T)/kT), needs R_N_ohm)", choices=("lamh_eq3", "little"),
           assumption=True),
    Option("taps_amplitude", "str", "free", "free (A fitted) or physical (A = 4hbar/e^2 * "
           "L/xi0, needs xi0_m)", choices=("free", "physical"), assumption=True),
    Option("taps_combination", "str", "bare", "bare (R = R_TAPS) or parallel_RN "
           "(1/R = 1/R_N + 1/R_TAPS, needs R_N_ohm)", choices=("bare", "parallel_RN"),
           assumption=True),
    Option("Tc_K", "float", None, "fix Tc (seed 004 fixes it to T_C^zero); default: fitted",
           unit="K", min=0, min_exclusive=True),
    Option("R_N_ohm", "float", None, "normal-state resistance (same kind as the data: wire "
           "or sheet); needed by qps/little/parallel_RN; default: none (the normal state, if "
           "the data show one, is only used for the window checks)", unit="Ohm", min=0,
           min_exclusive=True),
    Option("W_m", "float", W_DEFAULT_M, "Hall-bar width (seed 004: 20 um)", unit="m", min=0,
           min_exclusive=True),
    Option("L_m", "float", L_DEFAULT_M, "voltage-probe distance (seed 004: 120 um)", unit="m",
           min=0, min_exclusive=True),
    Option("xi0_m", "float", None, "GL coherence length (physical amplitude)", unit="m",
           min=0, min_exclusive=True),
    Option("input_resistance", "str", "wire", "wire (four-probe R of length L) or sheet "
           "(R_S, converted with R_wire = R_S*L/W)", choices=("wire", "sheet")),
    Option("fit_space", "str", "log", "log (residuals in ln R) or linear",
           choices=("log", "linear")),
    Option("T_min_K", "float", None, "lower end of the fit window", unit="K", min=0),
    Option("T_max_K", "float", None, "upper end of the fit window; must stay below Tc",
           unit="K", min=0, min_exclusive=True),
    Option("R_floor_ohm", "float", 0.0, "drop points with R <= this noise floor", unit="Ohm",
           min=0),
    Option("R_max_frac", "float", None, "drop points with R > R_max_frac*R_N (R_N_ohm, or the "
           "normal state of the data); default (no T_max_K either): when the data show a "
           "normal state, R <= 0.5 R_N and T below the highest-T crossing of 0.5 R_N (the "
           "tail, below the mean-field Tc), else every point", min=0, max=1,
           min_exclusive=True, max_exclusive=True),
    Option("sigma_ohm", "float", None, "known 1-sigma noise of R (then scale_covar=False); "
           "default: lmfit scales the covariance by chi2_red", unit="Ohm", min=0,
           min_exclusive=True),
    Option("channel", "int|str", None, "resistance channel number or column name"),
    Option("onset_fraction", "float", 0.9, "R >= onset_fraction*R_N is normal state; the "
           "onset is the highest T where R crosses it (window checks)", min=0, max=1,
           min_exclusive=True, max_exclusive=True, assumption=True),
    Option("R_N_rel_err", "float", 0.0, "relative 1-sigma uncertainty of R_N_ohm for the "
           "models that use it (qps, little, parallel_RN): refits at R_N*(1 +/- it) give the "
           "R_N systematic of Tc and dF0 (the normal-state line of the data, when there is "
           "one, adds the shift from a constant R_N to R_N(T))", min=0, max=1,
           max_exclusive=True),
    Option("multistart", "bool", True, "refit from several starting Tc and keep the best "
           "(local-minimum check)"),
    Option("window_trim_frac", "float", 0.15, "fraction of the window's points dropped at "
           "either end for the fit-window systematic of Tc and dF0 (0: none)", min=0, max=0.5,
           max_exclusive=True),
    Option("compare_qps", "bool", None, "also fit the other of taps / taps+qps and compare "
           "AIC; default: when R_N_ohm is given"),
)

SPEC = KindSpec(
    kind="phase-slips",
    summary="LAMH thermal and Golubev-Zaikin quantum phase slips in R(T)",
    inputs="one R(T) curve (T_K and a resistance column); the fit window is the resistive "
           "tail below Tc",
    options=SPEC_OPTIONS,
    outputs=(
        Output("Tc_TAPS_K", "Tc of the LAMH fit (fitted or fixed)", "K"),
        Output("Tc_QPS_K", "Tc of the GZ fit (shared with TAPS for taps+qps)", "K"),
        Output("dF0_K", "LAMH barrier dF(0)/k_B (effective for a 2D bar)", "K"),
        Output("dF0_J", "LAMH barrier dF(0)", "J"),
        Output("dF0_over_kTc", "dF(0)/(k_B Tc)", None),
        Output("A_TAPS_ohm", "TAPS amplitude (wire)", "Ohm"),
        Output("xi0_implied_m", "xi0 implied by a free amplitude, A = (4 hbar/e^2) L/xi0", "m"),
        Output("a_QPS", "GZ action scale B2 (R_Q/R_N)(L/xi0)", None),
        Output("c_QPS", "GZ prefactor B1/B2", None),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()

_FIT_KEYS = ("model", "taps_form", "taps_amplitude", "taps_combination", "Tc_K", "R_N_ohm",
             "W_m", "L_m", "xi0_m", "input_resistance", "fit_space", "sigma_ohm",
             "multistart", "window_trim_frac", "compare_qps")


@dataclass(frozen=True)
class _Normal:
    """Normal state of the whole curve (``None`` where unknown).

    ``R_N_ohm`` is the reference of the window checks and ``R_max_frac`` (R_N_ohm given,
    else the plateau); ``plateau_ohm`` the normal-state plateau of the data; ``T_onset_K``
    where R crosses ``onset_fraction`` of the plateau (of the given R_N without one).
    """

    R_N_ohm: float | None
    plateau_ohm: float | None
    T_onset_K: float | None
    source: str


def _pool(measurements: list[Measurement], channel: Any) -> tuple[np.ndarray, np.ndarray,
                                                                   list[str]]:
    """All (T, R) points of the measurements, sorted by T."""
    Ts, Rs, cols = [], [], []
    for m in measurements:
        col = m.resistance_column(channel)
        t, r = m.xy("T_K", col)
        Ts.append(np.asarray(t, dtype=float))
        Rs.append(np.asarray(r, dtype=float))
        cols.append(col)
    T, R = np.concatenate(Ts), np.concatenate(Rs)
    ok = np.isfinite(T) & np.isfinite(R)
    T, R = T[ok], R[ok]
    order = np.argsort(T, kind="stable")
    return T[order], R[order], cols


#: a normal state is flat: |d ln R/d ln T| below this over its window (a phase-slip tail
#: is much steeper; a metal is nearly flat)
_FLAT_SLOPE = 1.5
#: default top of the fit window, as a fraction of the normal state R_N: R <= it and T
#: below the highest-T crossing of it (T(0.5 R_N) = Tc_mid, below the mean-field Tc)
TAIL_FRACTION = 0.5


def _log_slope(T: np.ndarray, R: np.ndarray) -> float:
    """Slope of ln R against ln T (inf when it cannot be computed)."""
    if T.size < 3 or np.any(T <= 0) or np.any(R <= 0) or np.ptp(T) == 0:
        return float("inf")
    return float(np.polyfit(np.log(T), np.log(R), 1)[0])


def _plateau(T: np.ndarray, R: np.ndarray) -> float | None:
    """R_N of the normal state just above the transition, else ``None``.

    First the rule of kind ``tc`` (:func:`~.tc.above_transition_window`: the plateau just
    above the highest-T fall of R, also for a metallic normal state that keeps rising to
    300 K); it counts when R is flat there (``|d ln R/d ln T| < 1.5``) and the curve drops
    below half of it further down. Otherwise the points in the top 10 % of the
    temperature range (at least 4), with the same two conditions (median R).
    """
    if T.size < 8 or np.any(T <= 0):
        return None
    win = above_transition_window(T, R)
    if win.found:
        sel = win.select(T)
        rn = float(np.mean(R[sel]))
        if abs(_log_slope(T[sel], R[sel])) < _FLAT_SLOPE and np.min(R) < 0.5 * rn:
            return rn
    top = T >= T.max() - 0.1 * (T.max() - T.min())
    if top.sum() < 4:
        top = np.zeros(T.size, bool)
        top[-4:] = True
    Rt = R[top]
    if np.any(Rt <= 0):
        return None
    slope = _log_slope(T[top], Rt)
    rn = float(np.median(Rt))
    if abs(slope) < _FLAT_SLOPE and np.min(R) < 0.5 * rn:
        return rn
    return None


def _onset(T: np.ndarray, R: np.ndarray, level: float) -> float | None:
    """Highest T where R crosses ``level`` from below (linear interpolation)."""
    above = R >= level
    idx = np.nonzero(~above[:-1] & above[1:])[0]
    if idx.size == 0:
        return None
    i = int(idx[-1])
    u = (level - R[i]) / (R[i + 1] - R[i])
    return float(T[i] + u * (T[i + 1] - T[i]))


def _normal_state(T: np.ndarray, R: np.ndarray, opts: dict[str, Any]) -> _Normal:
    """R_N (given, or a plateau of the data) and the onset T(onset_fraction*R_N)."""
    plateau = _plateau(T, R)
    given = opts["R_N_ohm"]
    rn = float(given) if given is not None else plateau
    if rn is None:
        return _Normal(None, None, None, "no normal state in the data and no R_N_ohm")
    src = "given R_N_ohm" if given is not None else \
        "normal state of the data just above the transition (rule of kind tc)"
    ref = plateau if plateau is not None else rn
    return _Normal(rn, plateau, _onset(T, R, float(opts["onset_fraction"]) * ref), src)


def _rn_line(T: np.ndarray, R: np.ndarray, normal: _Normal, frac: float
             ) -> tuple[tuple[float, float] | None, str]:
    """Line ``R_N(T) = c0 + c1*T`` through the normal-state points (above the onset,
    R >= frac*R_N), or ``None`` with the reason."""
    if normal.plateau_ohm is None or normal.T_onset_K is None:
        return None, "no normal state in the data"
    sel = (T > normal.T_onset_K) & (R >= frac * normal.plateau_ohm)
    if sel.sum() < 4:
        return None, f"only {int(sel.sum())} normal-state points"
    c1, c0 = np.polyfit(T[sel], R[sel], 1)
    return (float(c0), float(c1)), f"line through {int(sel.sum())} points above the onset"


def _window(T: np.ndarray, R: np.ndarray, opts: dict[str, Any], normal: _Normal) -> np.ndarray:
    """Mask of the fit window (T range, noise floor, R_max_frac)."""
    if opts["T_min_K"] is not None and opts["T_max_K"] is not None \
            and opts["T_min_K"] >= opts["T_max_K"]:
        raise OptionError(f"phase-slips: T_min_K={opts['T_min_K']:g} is not below "
                          f"T_max_K={opts['T_max_K']:g}")
    keep = R > float(opts["R_floor_ohm"])
    if opts["T_min_K"] is not None:
        keep &= T >= float(opts["T_min_K"])
    if opts["T_max_K"] is not None:
        keep &= T <= float(opts["T_max_K"])
    if opts["R_max_frac"] is not None:
        if normal.R_N_ohm is None:
            raise OptionError("phase-slips: R_max_frac needs R_N_ohm (the data show no "
                              "normal-state plateau)")
        keep &= R <= float(opts["R_max_frac"]) * normal.R_N_ohm
    elif opts["T_max_K"] is None and normal.plateau_ohm is not None:
        level = TAIL_FRACTION * normal.plateau_ohm
        top = _onset(T, R, level)
        keep &= R <= level
        if top is not None:
            keep &= T <= top
        opts["window_rule"] = (
            f"automatic: R <= {TAIL_FRACTION:g} R_N (R_N = {normal.plateau_ohm:.4g} Ohm, the "
            f"normal state just above the transition) and T <= {top:.4g} K, the highest-T "
            f"crossing of that level (Tc_mid, below the mean-field Tc)" if top is not None
            else f"automatic: R <= {TAIL_FRACTION:g} R_N")
    if not keep.any():
        raise FitError("no point left in the fit window (check T_min_K/T_max_K/R_floor_ohm/"
                       "R_max_frac)")
    return keep


def _refuse(T: np.ndarray, R: np.ndarray, source: str) -> None:
    """Data that are not a resistive tail: too few points or an R that barely changes."""
    if T.size < 3:
        raise RefusedError(f"{source}: only {T.size} point(s) in the fit window: not an R(T) "
                           "tail")
    span = float(np.log(R.max() / R.min()))
    if not span >= math.log(2.0):
        raise RefusedError(f"{source}: R changes by a factor {math.exp(span):.3g} (< 2) in the "
                           "fit window: no activated phase-slip tail")


def _window_flags(res: FitResult, T_all: np.ndarray, Tw: np.ndarray, Rw: np.ndarray,
                  normal: _Normal, frac: float) -> list[Flag]:
    """Normal state inside the window, and Tc outside the data or far above the onset."""
    flags: list[Flag] = []
    pl = normal.plateau_ohm
    if pl is not None and Rw.max() >= frac * pl:
        flags.append(fail("window_outside_model", f"the fit window reaches R = "
                          f"{Rw.max() / pl:.3g} R_N (R_N = {pl:.4g} Ohm from the normal-state "
                          f"plateau of the data; limit {frac:g}): normal state in the window"))
    on = normal.T_onset_K
    if on is not None and Tw.max() > on:
        flags.append(fail("window_outside_model", f"the fit window extends to {Tw.max():.4g} K, "
                          f"above the onset {on:.4g} K (R = {frac:g} R_N)"))
    name = "Tc_TAPS_K" if "Tc_TAPS_K" in res.params else "Tc_QPS_K"
    if res.options.get("Tc_fixed"):
        return flags
    tc, err = as_param(res.params[name])
    err = err if err is not None and math.isfinite(err) else 0.0
    if math.isfinite(tc) and T_all.max() > Tw.max():
        flags += check_inside(name, tc, float(T_all.min()), float(T_all.max()),
                              what="temperature range of the data")
    if on is not None and math.isfinite(tc) and tc > 1.1 * on + 2.0 * err:
        flags.append(fail("extrapolated", f"{name} = {tc:.4g} K lies far above the onset "
                          f"{on:.4g} K (more than 10 % + 2 sigma)"))
    return flags


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Phase-slip fit of R(T) (the ``phase-slips`` kind); see :data:`SPEC`.

    All measurements' (T_K, R) points are pooled (one R(T) curve expected). The window
    (``T_min_K``, ``T_max_K``, ``R_floor_ohm``, ``R_max_frac``) is fitted by
    :func:`fit_phase_slips`; the whole curve is used for the window checks: a normal-state
    plateau (or ``R_N_ohm``) and its onset.

    Raises
    ------
    OptionError
        Invalid options (before any work).
    RefusedError
        Not an R(T) curve (:func:`~.tc.refuse_not_rt`: temperature span < 1 % of its mean,
        i.e. a sweep of B or I at fixed T, or the field stepping by more than 5 mT per row,
        i.e. R(B) sweeps); fewer than 3 points in the window, or R changing by less than a
        factor 2.
    FitError
        No point in the window or a fit that cannot be done.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    refuse_not_rt(measurements)
    T, R, cols = _pool(measurements, opts["channel"])
    src = ", ".join(str(m.source) for m in measurements)
    normal = _normal_state(T, R, opts)
    keep = _window(T, R, opts, normal)
    _refuse(T[keep], R[keep], src)
    kw = {k: opts[k] for k in _FIT_KEYS}
    line, line_how = _rn_line(T, R, normal, float(opts["onset_fraction"]))
    res = fit_phase_slips(T[keep], R[keep], source=src, normal_fraction=opts["onset_fraction"],
                          R_N_rel_err=float(opts["R_N_rel_err"]), R_N_line=line, **kw)
    flags = _window_flags(res, T, T[keep], R[keep], normal, float(opts["onset_fraction"]))
    out_opts = dict(res.options)
    out_opts.update({k: opts[k] for k in ("R_floor_ohm", "T_min_K", "T_max_K", "R_max_frac",
                                          "onset_fraction", "channel")})
    out_opts["window_rule"] = opts.get("window_rule", "given (T_min_K, T_max_K, R_floor_ohm, "
                                       "R_max_frac)" if any(opts[k] is not None for k in (
                                           "T_min_K", "T_max_K", "R_max_frac")) else
                                       "every point with R > R_floor_ohm (no normal state "
                                       "in the data)")
    out_opts.update({"normal_state_R_ohm": normal.plateau_ohm, "R_N_reference_ohm": normal.R_N_ohm,
                     "R_N_reference_source": normal.source,
                     "T_onset_K": normal.T_onset_K, "R_N_line": line,
                     "R_N_line_source": line_how})
    prov = dict(res.provenance)
    prov.update({"files": [str(m.source) for m in measurements], "columns": ["T_K"] + cols,
                 "data_T_K": [float(T.min()), float(T.max())]})
    return replace(res, options=out_opts, provenance=prov).with_quality(flags)


def plot(result: FitResult, fig) -> None:
    """Data, fit with 1-sigma band (log R axis) and residuals of a phase-slip fit.

    The figure code lives in :mod:`ktoanalysis.transport.plots.phaseslip`.
    """
    from .plots import draw

    draw(result, fig)
