"""Hall effect: antisymmetrised R_xy(B), Hall slope, carrier density, mobility, k_F, l.

docs/models/hall_normal_state.md. The raw R_xy is never fitted by default: contact misalignment
mixes R_xx into it, so the odd part is taken first,

* ``"branches"`` (when up and down sweeps exist): ``R_odd(B) = (R_up(B) - R_down(-B))/2``,
  correct also when the sample is magnetically hysteretic;
* ``"pooled"``: all points pooled, ``R_odd(B) = (R(B) - R(-B))/2`` on the B > 0 points
  (the -B side interpolated);

then ``R_odd = R_H*B`` (``form="linear"``), ``R_H*B + c3*B^3`` (``form="cubic"``), the
two-band Drude R_xy(B) (``form="two_band"``, :func:`fit_two_band`, with the R_xx(0)
constraint ``1/R_S = e(|n1| mu1 + |n2| mu2)`` when R_S is known) or the anomalous-Hall
form ``R_H*B + R_AH*sign(B)`` above the saturation field (``form="ahe"``) is fitted in a
field window. Derived quantities (errors propagated with correlations) come from
:mod:`ktoanalysis.transport.normal_state`.

Quality checks (flags of the result):

* ``bad_fit`` / ``systematic_residuals``: the fit against the noise, estimated from the
  second differences of the residuals in field order (or the given ``sigma_ohm``);
* ``nonlinear_hall`` (warn, kind-specific code): R_xy(B) is not linear in the window: a
  significant cubic term (its size is named) or different slopes of the lower and upper
  halves of the window; R_H is then an effective slope. The hint names ``form='ahe'``
  when the odd part jumps near B = 0 (:func:`_step_near_zero`), else 'cubic'/'two_band';
* ``large_uncertainty``: fail when R_H is within 2 sigma of zero by its statistical
  error (the density is meaningless); warn, naming the slopes of the alternative window
  and form, when it is significant statistically but not against the combined error;
* ``at_bound``, ``too_few_points`` (fewer than 6 points in the window, warn),
  ``noise_inconsistent`` (given sigma vs the data);
* ``below_ioffe_regel`` (warn, kind-specific code): k_F l < 1;
* ``not_identifiable`` (fail, kind-specific code, ``form="two_band"``): a band density or
  mobility with a relative error above 0.5, f at 0 or 1, equal mobilities or no covariance:
  the data (field range, noise) do not determine two bands.

Error budget: R_H and n2d carry the statistical error and the systematics of the field
window (refit with half the window) and of the form (linear vs cubic); see
:func:`_systematics`. R_S from an R_xx column (``W_m``, ``L_m``): R_xx(0) from an even fit
on |B| <= B_max/4 with the noise estimated from the whole sweep (third differences,
:func:`_rxx_zero_field`, Student-t factor of its degrees of freedom); ``bad_fit`` (warn)
when the window residuals exceed that noise (a cusp near B = 0).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import DataFormatError, FitError, KtoError, OptionError, RefusedError
from ..io.measurement import Measurement
from ..units import E
from . import normal_state as ns
from .declaration import KindSpec, Option, Output
from .lineshapes import hall_odd
from .models import HallModel
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
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
from .sweeps import split_sweeps

__all__ = ["hall_odd", "HallModel", "antisymmetrize", "fit_hall", "fit_two_band", "SPEC",
           "OPTIONS", "analyze", "plot"]

#: fewer antisymmetrised points in the window than this: ``too_few_points`` (warn)
_MIN_POINTS = 6
#: relative size of a non-linearity (cubic term at B_max, slope difference) below which it
#: is not flagged however significant
_NONLIN_MIN = 1e-3
#: a choice's difference counts as systematic beyond this many statistical sigmas
_SYS_SIGNIFICANCE = 3.0


def _mean_duplicates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(y).groupby(x).mean()
    return s.index.to_numpy(dtype=float), s.to_numpy(dtype=float)


def antisymmetrize(
    B_T: np.ndarray,
    Rxy_ohm: np.ndarray,
    direction: np.ndarray | None = None,
    method: Literal["auto", "branches", "pooled"] = "auto",
    source: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Odd-in-B part of a Hall sweep.

    Parameters
    ----------
    B_T, Rxy_ohm
        Field (T) and transverse resistance (Ohm).
    direction
        Per point ``+1`` (up sweep) / ``-1`` (down sweep), or None (unknown).
    method
        ``"branches"``, ``"pooled"``, or ``"auto"`` (branches when both directions exist).

    Returns
    -------
    B, R_odd, R_even, method
        Fields of the odd points (T), odd part (Ohm), even part at the same fields (Ohm)
        and the method used.

    Raises
    ------
    DataFormatError
        If the field does not span both signs.
    """
    B = np.asarray(B_T, float)
    R = np.asarray(Rxy_ohm, float)
    if not (B.min() < 0 < B.max()):
        raise DataFormatError(
            f"field range [{B.min():.4g}, {B.max():.4g}] T does not span both signs: "
            "cannot antisymmetrise R_xy", file=source, column="B_T",
            expected="a sweep through B = 0 (or antisymmetrize='none')")
    has_both = direction is not None and np.any(direction > 0) and np.any(direction < 0)
    if method == "auto":
        method = "branches" if has_both else "pooled"
    if method == "branches":
        if not has_both:
            raise DataFormatError("antisymmetrize='branches' needs both up and down sweeps",
                                  file=source, column="B_T")
        bu, ru = _mean_duplicates(B[direction > 0], R[direction > 0])
        bd, rd = _mean_duplicates(B[direction < 0], R[direction < 0])
        m = (-bu >= bd.min()) & (-bu <= bd.max()) & (bu != 0)
        partner = np.interp(-bu[m], bd, rd)
        return bu[m], (ru[m] - partner) / 2, (ru[m] + partner) / 2, method
    if method != "pooled":
        raise FitError(f"antisymmetrize must be auto|branches|pooled|none, got {method!r}")
    b, r = _mean_duplicates(B, R)
    m = (b > 0) & (-b >= b.min())
    partner = np.interp(-b[m], b, r)
    return b[m], (r[m] - partner) / 2, (r[m] + partner) / 2, method


def fit_hall(
    B_T: np.ndarray,
    Rxy_ohm: np.ndarray,
    *,
    direction: np.ndarray | None = None,
    antisym: Literal["auto", "branches", "pooled", "none"] = "auto",
    form: Literal["linear", "cubic", "two_band", "ahe"] = "linear",
    B_max_T: float | None = None,
    B_min_T: float = 0.0,
    R_S_ohm: Any = None,
    hall_sign: Literal["standard", "reversed"] = "standard",
    degeneracy: int = 2,
    sigma_ohm: float | None = None,
    nonlinearity_sigma: float = 3.0,
    source: str | None = None,
) -> FitResult:
    """Hall slope and derived normal-state quantities from R_xy(B), with a quality verdict.

    Parameters
    ----------
    B_T, Rxy_ohm
        Field (T) and Hall resistance (Ohm).
    direction
        Per-point sweep direction (+1 up, -1 down) for branch antisymmetrisation.
    antisym
        ``"auto"`` (default), ``"branches"``, ``"pooled"`` or ``"none"`` (raw fit with a
        free offset; not recommended, docs/models/hall_normal_state.md pitfall a).
    form
        ``"linear"`` (default, single band), ``"cubic"`` or ``"two_band"`` (two-band
        Drude, :func:`fit_two_band`; params ``n1_m2``, ``n2_m2``, ``mu1_m2_Vs``,
        ``mu2_m2_Vs`` and their cm forms, ``R_H_ohm_T`` the model's B -> 0 slope; the
        ``not_identifiable`` flag (fail) when the data do not determine the bands) or
        ``"ahe"`` (anomalous Hall, ``R_H*B + R_AH*sign(B)`` for ``|B| >= B_min_T``, the
        empirical ``R_xy = R_0 B + R_S M(B)`` with a saturated magnetisation; params
        ``R_H_ohm_T`` (ordinary slope) and ``R_AH_ohm``; ``B_min_T = 0`` finds the
        saturation field from the data, :func:`_ahe_auto_bmin`).
    B_max_T, B_min_T
        Fit window in |B| (T); default: all fields.
    R_S_ohm
        Sheet resistance (Ohm/sq) at the same T and B = 0 (float or ufloat); enables
        mobility, mean free path and k_F*l.
    hall_sign
        ASSUMPTION ``hall_sign`` (see :func:`normal_state.carrier_type`).
    degeneracy
        ASSUMPTION ``degeneracy`` g (default 2).
    sigma_ohm
        Known noise of R_xy (Ohm): weights 1/sigma (odd part: sigma/sqrt(2)) and
        ``scale_covar=False``; default: covariance scaled by chi2_red.
    nonlinearity_sigma
        Flag non-linearity (``nonlinear_hall``) when the cubic term, or the difference of
        the slopes of the lower and upper halves of the window, exceeds this many
        standard errors.
    source
        File name(s) for messages.

    Returns
    -------
    FitResult
        ``R_H_ohm_T`` (Ohm/T), ``n2d_m2`` (m^-2), ``n2d_cm2`` (cm^-2), ``kF_m`` (1/m) and,
        with R_S, ``R_S_ohm``, ``mobility_m2_Vs``, ``mobility_cm2_Vs``, ``l_mfp_m`` (m),
        ``kF_l``. The errors of R_H and n2d combine the statistical error with the
        systematics of the field window and the fit form (``budget``); the derived
        quantities carry the combined error.

    Raises
    ------
    DataFormatError
        Mismatched or non-finite arrays, a field range not through zero.
    FitError
        Too few points in the window for the fit.
    """
    B, R = _check_arrays(B_T, Rxy_ohm, source)
    if antisym == "none":
        Bf, Rf, Reven, method = B, R, None, "none"
    else:
        Bf, Rf, Reven, method = antisymmetrize(B, R, direction, antisym, source)
    if Bf.size < 1:
        raise FitError("no field pairs (+B, -B) to antisymmetrise: the sweeps do not overlap "
                       "in |B|")
    aB = np.abs(Bf)
    bmax = float(aB.max()) if B_max_T is None else float(B_max_T)
    win = (aB <= bmax) & (aB >= B_min_T)
    Bw, Rw = Bf[win], Rf[win]
    offset = method == "none"
    if form == "two_band":
        if offset:
            raise FitError("form='two_band' fits the antisymmetrised R_xy: antisymmetrize "
                           "must not be 'none'")
        sig2 = None if sigma_ohm is None else sigma_ohm / np.sqrt(2)
        return _two_band_result(Bf[win], Rf[win], Bf, Rf, method, bmax, B_min_T, R_S_ohm,
                                hall_sign, sig2, (B, R), source)
    if form == "ahe":
        if offset:
            raise FitError("form='ahe' fits the antisymmetrised R_xy: antisymmetrize must "
                           "not be 'none'")
        sig2 = None if sigma_ohm is None else sigma_ohm / np.sqrt(2)
        return _ahe_result(Bf, Rf, Reven, method, bmax, B_min_T, R_S_ohm, hall_sign,
                           degeneracy, sig2, nonlinearity_sigma, (B, R), source)
    nvary = 1 + (form == "cubic") + offset
    if Bw.size < nvary + 3:
        raise FitError(f"only {Bw.size} antisymmetrised points in the window "
                       f"{B_min_T:g} <= |B| <= {bmax:g} T (need >= {nvary + 3})")
    if np.ptp(Bw) == 0:
        raise FitError("all fields equal in the window: no slope")
    sig_eff = None
    if sigma_ohm is not None:
        sig_eff = sigma_ohm / np.sqrt(2) if method != "none" else sigma_ohm
    res = _lmfit_hall(Bw, Rw, form, offset, sig_eff)
    names = {"R_H": "R_H_ohm_T"}
    if form == "cubic":
        names["c3"] = "c3_ohm_T3"
    if offset:
        names["c"] = "Rxy_offset_ohm"
    try:
        params: dict[str, Any] = params_from_lmfit(res, names)
    except FitError as exc:
        raise FitError(f"Hall fit: {exc}") from None
    resid = Rw - res.best_fit
    noise = _noise(Bw, resid, sig_eff, float(np.max(np.abs(Rw))))
    flags = _fit_flags(res, resid, noise, sig_eff, nvary, Bw.size)
    nonlin = _nonlinearity(Bw, Rw, offset, nonlinearity_sigma, sig_eff)
    if not offset:
        nonlin["ahe_step"] = _step_near_zero(Bf, Rf, bmax, sig_eff)
    if form == "linear" and nonlin.get("flag"):
        flags.append(warn("nonlinear_hall", _nonlinear_message(nonlin)))
    elif form == "cubic" and nonlin.get("ahe_step", {}).get("step"):
        st = nonlin["ahe_step"]
        flags.append(warn("nonlinear_hall", f"R_xy jumps by {st['jump_ohm']:.3g} +/- "
                          f"{st['jump_err']:.2g} Ohm within |B| < {st['B_range_T']:.3g} T of "
                          "B = 0: a cubic term does not describe a step (anomalous Hall?); "
                          "try form='ahe'"))
    rh_stat = params["R_H_ohm_T"]
    alt_values: dict[str, float] = {}
    sys = _systematics(Bw, Rw, form, offset, sig_eff, bmax, rh_stat, alt_values)
    rh, rh_budget = combine_errors(rh_stat, sys=sys, tag="R_H systematics")
    params["R_H_ohm_T"] = rh
    budget = {"R_H_ohm_T": rh_budget}
    flags += _significance_flags(rh, rh_budget.stat, alt_values)
    if rh.nominal_value != 0:
        _derived(params, budget, rh, rh_budget, R_S_ohm, degeneracy, Bf, Reven)
        flags += _ioffe_regel(params)
    band = res.eval_uncertainty(B_T=np.sort(Bw), sigma=1)
    options = {
        "antisymmetrize": method, "form": form, "B_window_T": [B_min_T, bmax],
        "hall_sign": hall_sign, "carrier_type": ns.carrier_type(rh.nominal_value, hall_sign),
        "degeneracy": degeneracy,
        "single_band_note": "k_F, l, k_F*l are effective single-band numbers",
        "mobility": "from R_S_ohm" if R_S_ohm is not None
        else "not computed (give R_S_ohm, or an R_xx column with W_m and L_m)",
        "uncertainty": "weights=1/sigma, scale_covar=False" if sig_eff is not None
        else "lmfit default: covariance scaled by chi2_red",
        "systematics": "R_H and n2d: field window (|B| <= B_max/2) and form (linear vs cubic) "
                       "refits; a difference counts beyond its statistical expectation only "
                       "(Barlow 2002)",
        "nonlinearity": nonlin,
    }
    stats = stats_from_lmfit(res) | {"noise_ohm": noise["sigma"],
                                     "noise_source": noise["source"]}
    return FitResult(
        kind="hall", params=params, stats=stats, options=options,
        provenance={"source": source, "npoints": int(Bw.size),
                    "units": {"B": "T", "R_xy": "Ohm"}},
        data={"B_raw_T": B, "Rxy_raw_ohm": R, "B_T": Bw, "Rodd_ohm": Rw,
              "fit": res.best_fit, "B_sorted_T": np.sort(Bw),
              "fit_sorted": res.eval(B_T=np.sort(Bw)), "band": band,
              "residual": resid},
        lmfit_result=res, quality=Quality(tuple(flags)), budget=budget,
    )


def _check_arrays(B_T: Any, Rxy_ohm: Any, source: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Finite 1-D float arrays of equal length, else :class:`DataFormatError`."""
    try:
        B = np.asarray(B_T, float).ravel()
        R = np.asarray(Rxy_ohm, float).ravel()
    except (TypeError, ValueError):
        raise DataFormatError("B and R_xy must be numbers", file=source) from None
    if B.size != R.size:
        raise DataFormatError("B and R_xy differ in length", file=source)
    if B.size == 0:
        raise DataFormatError("no data points", file=source)
    if not (np.all(np.isfinite(B)) and np.all(np.isfinite(R))):
        raise DataFormatError("NaN or infinite values in B or R_xy", file=source,
                              expected="finite numbers")
    return B, R


def _lmfit_hall(B: np.ndarray, R: np.ndarray, form: str, offset: bool,
                sig_eff: float | None) -> Any:
    """The lmfit layer: :class:`HallModel` fitted to the windowed odd part."""
    model = HallModel(form=form, offset=offset)
    try:
        pars = model.guess(R, B_T=B)
        return model.fit(R, pars, B_T=B, weights=None if sig_eff is None else 1 / sig_eff,
                         scale_covar=sig_eff is None)
    except (ValueError, np.linalg.LinAlgError, FloatingPointError) as exc:
        raise FitError(f"Hall fit failed numerically: {exc}") from None


def _noise(B: np.ndarray, resid: np.ndarray, sig_eff: float | None,
           scale: float) -> dict[str, Any]:
    """Noise of the fitted points: the given one, else from the second differences of the
    residuals in field order (a smooth misfit does not enter, so the estimate is
    independent of the fit's chi-square); at least ``1e-12*scale`` (rounding of noiseless
    data)."""
    est = max(_rms_noise(resid[np.argsort(B)]), 1e-12 * scale)
    if sig_eff is not None:
        return {"sigma": float(sig_eff), "source": "given (sigma_ohm)", "estimated": est}
    return {"sigma": est, "source": "second differences of the residuals", "estimated": est}


def _rms_noise(y: np.ndarray) -> float:
    """White-noise sigma from the rms of the second differences, ``sqrt(<d2^2>/6)``.

    Second differences beyond 5 robust standard deviations (glitches) are left out. The
    rms is used rather than the MAD (:func:`noise_from_differences`) because it scatters
    less on short sweeps: with the MAD, the chi-square test flags about 7 % of perfect
    15-60 point lines, with the rms about 1-2 %. ``nan`` for fewer than 5 points.
    """
    y = np.asarray(y, float)
    if y.size < 5:
        return float("nan")
    d2 = y[2:] - 2.0 * y[1:-1] + y[:-2]
    mad = noise_from_differences(y) * np.sqrt(6.0)
    keep = np.abs(d2 - np.median(d2)) <= 5.0 * mad if mad > 0 else np.ones(d2.size, bool)
    return float(np.sqrt(np.mean(d2[keep] ** 2) / 6.0))


def _fit_flags(res: Any, resid: np.ndarray, noise: dict[str, Any], sig_eff: float | None,
               nvary: int, npts: int) -> list[Flag]:
    """Goodness of fit against the noise, bounds, number of points, noise consistency."""
    flags: list[Flag] = []
    sigma = noise["sigma"]
    if np.isfinite(sigma) and sigma > 0:
        flags += check_goodness_of_fit(resid, sigma, nvary, what="Hall fit")
    elif sig_eff is None and np.any(resid != 0):
        flags.append(warn("noise_estimate", "Hall fit: the noise could not be estimated "
                          f"from {npts} points: no goodness-of-fit check"))
    flags += check_bounds(res.params, what="Hall fit")
    flags += check_points(npts, _MIN_POINTS, what="antisymmetrised points in the window",
                          severity="warn")
    if sig_eff is not None:
        flags += check_noise_consistency(sig_eff, noise["estimated"],
                                         what="sigma_ohm (odd part)")
    return flags


def _column_lstsq(cols: list[np.ndarray], R: np.ndarray, sig_eff: float | None
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """Linear least squares of ``R`` on the given columns (scaled for conditioning):
    (coefficients, covariance), the covariance from ``sig_eff`` or scaled by chi2_red;
    None when the columns do not determine the coefficients."""
    X = np.column_stack(cols)
    dof = R.size - X.shape[1]
    if dof < 1:
        return None
    scale = np.max(np.abs(X), axis=0)
    if np.any(scale == 0):
        return None
    Xs = X / scale
    coef, _, rank, _ = np.linalg.lstsq(Xs, R, rcond=None)
    if rank < X.shape[1]:
        return None
    r = R - Xs @ coef
    s2 = sig_eff**2 if sig_eff is not None else float(r @ r) / dof
    cov = np.linalg.inv(Xs.T @ Xs) * s2
    return coef / scale, cov / np.outer(scale, scale)


def _wls(B: np.ndarray, R: np.ndarray, cubic: bool, offset: bool,
         sig_eff: float | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares ``R = R_H*B (+ c) (+ c3*B^3)``; returns (coefficients, covariance)
    with the columns ``[B, (B^3), (1)]``; covariance from sigma or scaled by chi2_red."""
    cols = [B] + ([B**3] if cubic else []) + ([np.ones_like(B)] if offset else [])
    return _column_lstsq(cols, R, sig_eff)


def _systematics(B: np.ndarray, R: np.ndarray, form: str, offset: bool,
                 sig_eff: float | None, bmax: float, rh: Any,
                 values: dict[str, float] | None = None) -> dict[str, float]:
    """Systematic errors of R_H from the field-window and fit-form choices (Ohm/T).

    Each choice is refitted: the window halved (``|B| <= B_max/2``) and the other form
    (cubic for linear, linear for cubic). The fits share data, so their difference
    ``d`` has the statistical variance ``|s_alt^2 - s^2|`` (nested estimators); only the
    part beyond it counts, and only when ``d`` exceeds ``_SYS_SIGNIFICANCE`` (3) times its
    statistical error (Barlow, "Systematic errors: facts and fictions", 2002):
    ``sqrt(d^2 - var)``. A lower threshold lets noise-driven differences of linear data
    inflate the error (coverage above 76 % in the tests). ``values`` (when given) receives
    the slope of each alternative fit, named by its choice.
    """
    v0, s0 = rh.nominal_value, rh.std_dev
    out: dict[str, float] = {}
    half = np.abs(B) <= 0.5 * bmax
    other = "linear" if form == "cubic" else "cubic"
    alts = {"field window": (B[half], R[half], form == "cubic", "|B| <= B_max/2"),
            "form": (B, R, form != "cubic", f"form={other}")}
    for name, (b, r, cubic, label) in alts.items():
        fit = _wls(b, r, cubic, offset, sig_eff) if b.size >= 4 + cubic + offset else None
        if fit is None:
            continue
        d = float(fit[0][0]) - v0
        var = abs(float(fit[1][0, 0]) - s0**2)
        out[name] = excess_shift(d, float(np.sqrt(var)), threshold=_SYS_SIGNIFICANCE)
        if values is not None:
            values[label] = float(fit[0][0])
    return out


def _significance_flags(rh: Any, stat: float | None = None,
                        alternatives: dict[str, float] | None = None,
                        what: str = "Hall slope") -> list[Flag]:
    """R_H must differ from zero, else the density is meaningless.

    ``fail`` when the slope is within 2 sigma of zero by its *statistical* error ``stat``
    (or by the combined error when ``stat`` is unknown). When the statistical significance
    is high but the combined error (statistics + choices of window and form) is comparable
    to the value, the spread is that of the choices, not a Gaussian error around zero:
    ``warn``, naming the range of the alternative fits (``alternatives``: label -> slope).
    """
    v, e = rh.nominal_value, rh.std_dev
    s = e if stat is None or not np.isfinite(stat) else stat
    if v == 0 or (np.isfinite(s) and abs(v) < 2 * s):
        return [fail("large_uncertainty", f"{what} {v:.3g} +/- {s:.2g} Ohm/T is not "
                     "significantly non-zero (< 2 sigma statistically): the carrier density "
                     "is meaningless")]
    if np.isfinite(e) and abs(v) < 2 * e:
        alts = {"this fit": v} | dict(alternatives or {})
        lo, hi = min(alts.values()), max(alts.values())
        named = ", ".join(f"{k}: {x:.3g}" for k, x in alts.items())
        return [warn("large_uncertainty", f"{what} {v:.3g} Ohm/T is {abs(v) / s:.3g} sigma "
                     f"statistically (+/- {s:.2g}), but the choices of window and form give "
                     f"{lo:.3g} to {hi:.3g} Ohm/T ({named}); combined error {e:.2g}: the "
                     "carrier density depends on the model")]
    return []


def _derived(params: dict[str, Any], budget: dict[str, ErrorBudget], rh: Any,
             rh_budget: ErrorBudget, R_S_ohm: Any, degeneracy: int, Bf: np.ndarray,
             Reven: np.ndarray | None) -> None:
    """Density, k_F and (with R_S) mobility, l, k_F l from the combined R_H."""
    n = ns.hall_density(rh)
    params.update({"n2d_m2": n, "n2d_cm2": n * 1e-4,
                   "kF_m": ns.fermi_wavevector(n, degeneracy)})
    rel = n.nominal_value / abs(rh.nominal_value)
    for name, f in (("n2d_m2", rel), ("n2d_cm2", rel * 1e-4)):
        budget[name] = ErrorBudget(
            stat=None if rh_budget.stat is None else rh_budget.stat * f,
            sampling=rh_budget.sampling * f, sys={k: v * f for k, v in rh_budget.sys.items()})
    if Reven is not None:
        near0 = np.argsort(np.abs(Bf))[:3]
        params["Rxy_even_B0_ohm"] = float(np.mean(Reven[near0]))
    if R_S_ohm is not None:
        params["R_S_ohm"] = R_S_ohm
        mu = ns.mobility(n, R_S_ohm)
        params.update({"mobility_m2_Vs": mu, "mobility_cm2_Vs": mu * 1e4,
                       "l_mfp_m": ns.mean_free_path(n, R_S_ohm, degeneracy),
                       "kF_l": ns.kf_l(R_S_ohm, degeneracy)})


def _ioffe_regel(params: dict[str, Any]) -> list[Flag]:
    """k_F l < 1: below the Ioffe-Regel limit, the Drude numbers are not meaningful."""
    if "kF_l" not in params:
        return []
    v = as_param(params["kF_l"])[0]
    if v < 1.0:
        return [warn("below_ioffe_regel", f"k_F l = {v:.3g} < 1: below the Ioffe-Regel limit; "
                     "mobility and mean free path of the Drude picture are not meaningful")]
    return []


def _nonlinear_message(nl: dict[str, Any], hint: str | None = None) -> str:
    """Message of ``nonlinear_hall``; the hint names form='ahe' when a step near B = 0
    was detected (``nl["ahe_step"]``), else 'cubic'/'two_band'."""
    step = nl.get("ahe_step") or {}
    if hint is None and step.get("step"):
        hint = (f"R_xy jumps by {step['jump_ohm']:.3g} +/- {step['jump_err']:.2g} Ohm within "
                f"|B| < {step['B_range_T']:.3g} T of B = 0 (noise {step['noise_ohm']:.2g} "
                "Ohm): an anomalous-Hall step? try form='ahe'")
    elif hint is None:
        hint = "try form='cubic' or form='two_band', or a smaller B_max_T"
    c3 = nl.get("c3_ohm_T3")
    if c3 is None:
        return (f"slopes of the lower and upper halves of the window differ by "
                f"{nl.get('difference_sigma', float('nan')):.3g} sigma ({hint})")
    return (f"cubic term c3 = {c3:.3g} +/- {nl['c3_err']:.2g} Ohm/T^3 "
            f"({nl['c3_sigma']:.3g} sigma), {100 * nl['cubic_fraction']:.3g} % of the linear "
            f"term at |B| = {nl['B_max_T']:.3g} T; half-window slopes differ by "
            f"{nl.get('difference_sigma', float('nan')):.3g} sigma: R_H is the effective slope "
            f"of the window ({hint})")


def _nonlinearity(B: np.ndarray, R: np.ndarray, offset: bool, k: float,
                  sig_eff: float | None = None, b_split: float | None = None
                  ) -> dict[str, Any]:
    """Non-linearity of R_xy(B) (docs/models/hall_normal_state.md pitfall b).

    Two measures: the cubic term of ``R_H*B + c3*B^3`` (its significance and its size
    ``|c3|*B_max^2/|R_H|`` relative to the linear term at the window edge), and the slopes
    of the lower and upper halves of |B|. ``flag`` is True when either exceeds ``k``
    standard errors and is larger than ``_NONLIN_MIN`` (0.1 %) of the linear term (a
    relative size no analysis needs). ``b_split`` (T) separates the halves (default
    ``B_max/2``; ``form="ahe"``: the middle of its window).
    """
    aB = np.abs(B)
    bm = float(aB.max())
    b1 = bm / 2 if b_split is None else float(b_split)
    out: dict[str, Any] = {"B_split_T": b1, "B_max_T": bm}
    cub = _wls(B, R, True, offset, sig_eff) if B.size >= 4 + offset else None
    z3, cubic_flag = 0.0, False
    if cub is not None:
        (rh, c3), cov = cub[0][:2], cub[1]
        e3 = float(np.sqrt(max(cov[1, 1], 0.0)))
        z3 = abs(float(c3)) / e3 if e3 > 0 else 0.0
        out.update({"c3_ohm_T3": float(c3), "c3_err": e3, "c3_sigma": z3,
                    "cubic_fraction": abs(float(c3)) * bm**2 / max(abs(float(rh)), 1e-300)})
        cubic_flag = bool(z3 > k and out["cubic_fraction"] > _NONLIN_MIN)
    slopes = []
    # odd data are folded onto B > 0 (x = |B|, y = sign(B)*R) so each half gives its local
    # slope; raw data (offset fitted) are used as they are
    x_all, y_all = (B, R) if offset else (aB, np.sign(B) * R)
    for sel in (aB <= b1, aB > b1):
        fit = _wls(x_all[sel], y_all[sel], False, True, None) if sel.sum() >= 4 else None
        if fit is None:
            return out | {"flag": cubic_flag, "note": "too few points to compare slopes"}
        slopes.append((float(fit[0][0]), float(np.sqrt(fit[1][0, 0]))))
    (s1, e1), (s2, e2) = slopes
    nsig = abs(s1 - s2) / max(np.hypot(e1, e2), 1e-300)
    rel = abs(s1 - s2) / max(abs(s1), abs(s2), 1e-300)
    return out | {"slope_low_ohm_T": s1, "slope_low_err": e1, "slope_high_ohm_T": s2,
                  "slope_high_err": e2, "difference_sigma": float(nsig),
                  "flag": bool((nsig > k and rel > _NONLIN_MIN) or cubic_flag)}


# ----------------------------------------------------------------------------------------
# anomalous-Hall form
# ----------------------------------------------------------------------------------------

#: a point of the odd part below the window deviating from the extrapolated AHE fit by more
#: than this many sigma (noise and prediction error) is not saturated
_AHE_DEV_SIGMA = 3.0
#: margin on the last unsaturated field: the automatic window starts at this times it
_AHE_MARGIN = 1.5
#: the window/form differences of form='ahe' count beyond this many statistical sigmas
#: (lower than _SYS_SIGNIFICANCE: an unsaturated tail biases the fit one way)
_AHE_SYS_SIGNIFICANCE = 1.0
#: step detector: the jump must be complete (to this fraction) at |B| = 0.2 B_max and at
#: least this many noise sigmas and standard errors
_STEP_FLAT = 0.1
_STEP_NOISE = 10.0
_STEP_ERR = 5.0


def _ahe_wls(B: np.ndarray, R: np.ndarray, cubic: bool, sig_eff: float | None
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares ``R = R_H*B (+ c3*B^3) + R_AH*sign(B)``; (coefficients, covariance)
    with the columns ``[B, (B^3), sign(B)]``, or None when not determined."""
    cols = [B] + ([B**3] if cubic else []) + [np.sign(B)]
    return _column_lstsq(cols, R, sig_eff)


def _ahe_auto_bmin(B: np.ndarray, R: np.ndarray, bmax: float,
                   sig_eff: float | None) -> tuple[float, dict[str, Any]]:
    """Lower edge of the saturated window of ``form="ahe"``.

    The AHE form is fitted on ``B_max/2 <= |B| <= B_max`` (surely saturated when any
    field is) and extrapolated to lower |B|. The last unsaturated field ``B_dev`` is the
    largest |B| below B_max/2 where a point deviates by more than ``_AHE_DEV_SIGMA`` (3)
    sigma (noise and prediction error), or where the running mean of the folded residuals
    from B_max/2 down to it deviates by more than 3 standard errors (a weak tail); the
    window starts at ``_AHE_MARGIN*B_dev`` (1.5, at most B_max/2). The margin and the
    1-sigma threshold of the window systematic give 1-sigma coverage of 0.78 (R_H) and
    0.75 (R_AH) on 240 simulated hysteretic films (tests/transport/test_hall_ahe.py).
    Returns the field (T) and a record for ``options``.
    """
    aB = np.abs(B)
    top = aB >= 0.5 * bmax
    fit = _ahe_wls(B[top], R[top], False, sig_eff) if top.sum() >= 6 else None
    if fit is None or not (np.any(B[top] > 0) and np.any(B[top] < 0)):
        return 0.5 * bmax, {"B_min_auto_T": 0.5 * bmax,
                            "note": "too few saturated points to extrapolate: B_max/2"}
    coef, cov = fit
    X = np.column_stack([B, np.sign(B)])
    resid = R - X @ coef
    o = np.argsort(B[top])
    noise = sig_eff if sig_eff is not None else _rms_noise(resid[top][o])
    pred = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", X, cov, X), 0.0))
    tot = np.sqrt(noise**2 + pred**2) if np.isfinite(noise) else pred
    bad = (~top) & (np.abs(resid) > _AHE_DEV_SIGMA * tot)
    b_dev = float(aB[bad].max()) if np.any(bad) else 0.0
    # a tail too weak for single points: the running mean of the folded residuals from
    # B_max/2 downwards (both signs) deviating by more than _AHE_DEV_SIGMA standard errors
    low = np.flatnonzero(~top)
    if low.size and np.isfinite(noise) and noise > 0:
        o = low[np.argsort(-aB[low])]
        y = np.sign(B[o]) * resid[o]
        z = np.cumsum(y) / (noise * np.sqrt(np.arange(1, o.size + 1)))
        hit = np.abs(z) > _AHE_DEV_SIGMA
        if np.any(hit):
            b_dev = max(b_dev, float(aB[o][np.argmax(hit)]))
    bmin = min(_AHE_MARGIN * b_dev, 0.5 * bmax)
    return bmin, {"B_min_auto_T": bmin, "B_last_unsaturated_T": b_dev,
                  "rule": f"{_AHE_MARGIN:g} x the largest |B| where a point, or the mean "
                          "of the points from B_max/2 down to it, deviates > "
                          f"{_AHE_DEV_SIGMA:g} sigma from the fit of B_max/2 <= |B| <= B_max"}


def _step_near_zero(B: np.ndarray, R: np.ndarray, bmax: float,
                    sig_eff: float | None = None) -> dict[str, Any]:
    """Detect an anomalous-Hall-like step of the odd part near B = 0.

    The odd part is folded onto ``|B|`` (``y = sign(B)*R``) and a line ``a + s|B|`` is fitted
    on ``|B| >= B_max/2``; ``2a`` is the jump of R_xy through zero. It counts as a step when
    ``|a|`` exceeds ``_STEP_NOISE`` (10) noise sigmas and ``_STEP_ERR`` (5) standard errors
    and the jump is complete at ``|B| = 0.2 B_max``: the median of ``y - s|B|`` on
    ``0.2 B_max <= |B| < B_max/2`` is within ``_STEP_FLAT`` (10 %) of ``a`` (a
    Drude-like saturation over the whole field range is not a step).
    """
    aB = np.abs(B)
    inside = aB <= bmax
    B, R, aB = B[inside], R[inside], aB[inside]
    y = np.sign(B) * R
    top = aB >= 0.5 * bmax
    mid = (aB >= 0.2 * bmax) & ~top
    if top.sum() < 4 or mid.sum() < 2:
        return {"step": False, "note": "too few points"}
    fit = _wls(aB[top], y[top], False, True, None)
    if fit is None:
        return {"step": False, "note": "no fit"}
    (s, a), cov = fit[0], fit[1]
    ea = float(np.sqrt(max(cov[1, 1], 0.0)))
    o = np.argsort(B)
    noise = sig_eff if sig_eff is not None else _rms_noise(R[o])
    if not np.isfinite(noise):
        noise = 0.0
    d_mid = float(np.median(y[mid] - s * aB[mid]))
    step = bool(abs(a) > _STEP_NOISE * noise and abs(a) > _STEP_ERR * ea
                and abs(d_mid - a) <= _STEP_FLAT * abs(a))
    return {"step": step, "jump_ohm": float(2 * a), "jump_err": float(2 * ea),
            "noise_ohm": float(noise), "complete_fraction_at_0.2Bmax": float(d_mid / a)
            if a != 0 else float("nan"), "B_range_T": float(0.2 * bmax)}


def _ahe_result(Bf: np.ndarray, Rf: np.ndarray, Reven: np.ndarray | None, method: str,
                bmax: float, B_min_T: float, R_S_ohm: Any, hall_sign: str,
                degeneracy: int, sig_eff: float | None, k_nonlin: float,
                raw: tuple[np.ndarray, np.ndarray], source: str | None) -> FitResult:
    """FitResult of ``form="ahe"`` (see :func:`fit_hall`)."""
    from uncertainties import correlated_values

    aB = np.abs(Bf)
    inside = aB <= bmax
    if B_min_T > 0:
        bmin, auto = float(B_min_T), {"B_min_T": float(B_min_T), "source": "option"}
    else:
        bmin, auto = _ahe_auto_bmin(Bf[inside], Rf[inside], bmax, sig_eff)
    win = inside & (aB >= bmin) & (Bf != 0)
    Bw, Rw = Bf[win], Rf[win]
    if Bw.size < 5 or not (np.any(Bw > 0) and np.any(Bw < 0)):
        raise FitError(f"form='ahe': only {Bw.size} antisymmetrised points in the window "
                       f"{bmin:.3g} <= |B| <= {bmax:.3g} T, or not on both signs of B "
                       "(need >= 5 on both)")
    fit = _ahe_wls(Bw, Rw, False, sig_eff)
    if fit is None:
        raise FitError("form='ahe': the fit R_H*B + R_AH*sign(B) is not determined")
    coef, cov = fit
    if not np.all(np.isfinite(cov)):
        raise FitError("form='ahe': no covariance")
    rh_s, rah_s = correlated_values([float(coef[0]), float(coef[1])], cov)
    X = np.column_stack([Bw, np.sign(Bw)])
    best = X @ coef
    resid = Rw - best
    noise = _noise(Bw, resid, sig_eff, float(np.max(np.abs(Rw))))
    flags: list[Flag] = []
    if np.isfinite(noise["sigma"]) and noise["sigma"] > 0:
        flags += check_goodness_of_fit(resid, noise["sigma"], 2, what="anomalous-Hall fit")
    flags += check_points(int(Bw.size), _MIN_POINTS, what="antisymmetrised points in the "
                          "window", severity="warn")
    if sig_eff is not None:
        flags += check_noise_consistency(sig_eff, noise["estimated"],
                                         what="sigma_ohm (odd part)")
    # non-linearity above saturation: folded data y = R_AH + R_H |B| (+ c3 |B|^3)
    nonlin = _nonlinearity(np.abs(Bw), np.sign(Bw) * Rw, True, k_nonlin, sig_eff,
                           b_split=0.5 * (bmin + float(np.abs(Bw).max())))
    if nonlin.get("flag"):
        flags.append(warn("nonlinear_hall", _nonlinear_message(
            nonlin, "R_H is the effective ordinary slope above saturation (try a larger "
                    "B_min_T, or form='two_band')")))
    # systematics: window (B_min raised) and form (+ c3 B^3)
    sysv: dict[str, dict[str, float]] = {"R_H_ohm_T": {}, "R_AH_ohm": {}}
    alt_values: dict[str, float] = {}
    bmin2 = min(max(2.0 * bmin, bmin + 0.25 * (bmax - bmin)), bmin + 0.5 * (bmax - bmin))
    w2 = aB[win] >= bmin2
    alts = {"field window": (Bw[w2], Rw[w2], False, f"|B| >= {bmin2:.3g} T"),
            "form": (Bw, Rw, True, "with c3 B^3")}
    for name, (b, r, cubic, label) in alts.items():
        ok = b.size >= 5 + cubic and np.any(b > 0) and np.any(b < 0)
        alt = _ahe_wls(b, r, cubic, sig_eff) if ok else None
        if alt is None:
            continue
        ia = 2 if cubic else 1
        for pname, i, ref in (("R_H_ohm_T", 0, rh_s), ("R_AH_ohm", ia, rah_s)):
            d = float(alt[0][i]) - ref.nominal_value
            var = abs(float(alt[1][i, i]) - ref.std_dev**2)
            sysv[pname][name] = excess_shift(d, float(np.sqrt(var)),
                                             threshold=_AHE_SYS_SIGNIFICANCE)
        alt_values[label] = float(alt[0][0])
    rh, rh_budget = combine_errors(rh_s, sys=sysv["R_H_ohm_T"], tag="R_H systematics")
    rah, rah_budget = combine_errors(rah_s, sys=sysv["R_AH_ohm"], tag="R_AH systematics")
    params: dict[str, Any] = {"R_H_ohm_T": rh, "R_AH_ohm": rah}
    budget = {"R_H_ohm_T": rh_budget, "R_AH_ohm": rah_budget}
    flags += _significance_flags(rh, rh_budget.stat, alt_values, what="ordinary Hall slope")
    if rh.nominal_value != 0:
        _derived(params, budget, rh, rh_budget, R_S_ohm, degeneracy, Bf, Reven)
        flags += _ioffe_regel(params)
    Bs = np.sort(Bw)
    Xs = np.column_stack([Bs, np.sign(Bs)])
    band = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", Xs, cov, Xs), 0.0))
    options = {
        "antisymmetrize": method, "form": "ahe", "B_window_T": [bmin, bmax],
        "B_min": auto, "hall_sign": hall_sign,
        "carrier_type": ns.carrier_type(rh.nominal_value, hall_sign),
        "degeneracy": degeneracy,
        "model": "R_xy,odd = R_H B + R_AH sign(B) for B_min <= |B| <= B_max (saturated "
                 "magnetisation: R_xy = R_0 B + R_S M(B), Nagaosa et al. RMP 82, 1539 (2010))",
        "single_band_note": "n2d, k_F, l, k_F*l are effective single-band numbers of the "
                            "ordinary slope",
        "mobility": "from R_S_ohm" if R_S_ohm is not None
        else "not computed (give R_S_ohm, or an R_xx column with W_m and L_m)",
        "uncertainty": "weights=1/sigma" if sig_eff is not None
        else "covariance scaled by chi2_red",
        "systematics": "R_H, R_AH: window (B_min raised to max(2 B_min, B_min + "
                       "(B_max - B_min)/4), at most B_min + (B_max - B_min)/2) and form "
                       "(+ c3 B^3) refits, the part beyond the statistical expectation of "
                       "a difference above 1 sigma (Barlow 2002)",
        "nonlinearity": nonlin,
    }
    chisqr = float(np.sum(resid**2) / (sig_eff**2 if sig_eff else 1.0))
    stats = {"chisqr": chisqr, "redchi": chisqr / max(Bw.size - 2, 1),
             "ndata": int(Bw.size), "nvarys": 2, "success": True, "errorbars": True,
             "noise_ohm": noise["sigma"], "noise_source": noise["source"]}
    seg = np.where(Bs > 0, 1, -1)
    return FitResult(
        kind="hall", params=params, stats=stats, options=options,
        provenance={"source": source, "npoints": int(Bw.size),
                    "units": {"B": "T", "R_xy": "Ohm"}},
        data={"B_raw_T": raw[0], "Rxy_raw_ohm": raw[1], "B_T": Bw, "Rodd_ohm": Rw,
              "fit": best, "B_sorted_T": Bs, "fit_sorted": Xs @ coef, "band": band,
              "residual": resid, "B_odd_all_T": Bf[inside], "Rodd_all_ohm": Rf[inside],
              "fit_segment": seg},
        lmfit_result=None, quality=Quality(tuple(flags)), budget=budget)


# ----------------------------------------------------------------------------------------
# two-band Drude form
# ----------------------------------------------------------------------------------------

#: log10 range of the mobilities (m^2/(V s)) and of the zero-field sheet conductance (S)
_LOG_MU = (-5.0, 3.0)
_LOG_G0 = (-9.0, 1.0)
#: a band parameter with a relative 1-sigma error above this is not determined by the data
_IDENT_REL = 0.5
_SIGNS = ((1, 1), (1, -1), (-1, 1), (-1, -1))
#: function evaluations of one two-band fit (a degenerate problem wanders; a determined
#: one converges within a few hundred)
_MAX_NFEV = 1500
#: grid of the conductance share of band 1 (a very mobile band may carry a tiny share)
_F_GRID = np.array([1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.2, 0.35, 0.5, 0.65, 0.8,
                    0.9, 0.97, 0.99, 0.997, 0.999, 0.9997, 0.9999])


def _two_band_model(B: np.ndarray, f: Any, lmu2: Any, d: Any, lg0: Any, s1: int, s2: int
                    ) -> np.ndarray:
    """R_xy of two bands parametrised by the conductance share f of band 1, log10 mu2,
    d = log10(mu1/mu2) >= 0 (band 1 is the high-mobility one) and log10 G0."""
    from .lineshapes import hall_two_band

    G0 = 10.0**lg0
    mu2 = 10.0**lmu2
    mu1 = mu2 * 10.0**d
    n1 = s1 * f * G0 / (E * mu1)
    n2 = s2 * (1.0 - f) * G0 / (E * mu2)
    return hall_two_band(B, n1, mu1, n2, mu2)


def _two_band_grid(B: np.ndarray, R: np.ndarray, w: np.ndarray, lg0_fixed: float | None,
                   s1: int, s2: int) -> tuple[float, float, float, float, float]:
    """Best (chi2, f, lmu2, d, lg0) of a coarse grid (the starting point of the fit).

    Without R_S the conductance scale is solved at each grid point: R_xy is nearly
    proportional to 1/G0 at a fixed shape (exactly so when sigma_xy << sigma_xx)."""
    f, d, lmu2 = (x.ravel()[:, None] for x in np.meshgrid(
        _F_GRID, np.linspace(0.0, 4.0, 17),
        np.linspace(_LOG_MU[0], _LOG_MU[1] - 0.5, 31), indexing="ij"))
    ok = (lmu2 + d <= _LOG_MU[1]).ravel()
    f, d, lmu2 = f[ok], d[ok], lmu2[ok]
    Bb = B[None, :]
    if lg0_fixed is None:
        shape = _two_band_model(Bb, f, lmu2, d, 0.0, s1, s2)
        a = np.sum(w * shape * R, axis=1) / np.maximum(np.sum(w * shape**2, axis=1), 1e-300)
        lg0 = np.where(a > 0, np.clip(-np.log10(np.where(a > 0, a, 1.0)), *_LOG_G0), np.nan)
        lg0 = lg0[:, None]
    else:
        lg0 = np.full_like(f, lg0_fixed)
    with np.errstate(all="ignore"):
        m = _two_band_model(Bb, f, lmu2, d, np.nan_to_num(lg0, nan=0.0), s1, s2)
        chi2 = np.sum(w * (R - m) ** 2, axis=1)
    chi2 = np.where(np.isfinite(lg0.ravel()) & np.isfinite(chi2), chi2, np.inf)
    k = int(np.argmin(chi2))
    return (float(chi2[k]), float(f[k, 0]), float(lmu2[k, 0]), float(d[k, 0]),
            float(lg0[k, 0]))


def _two_band_lmfit(B: np.ndarray, R: np.ndarray, sig_eff: float | None,
                    lg0_fixed: float | None, s1: int, s2: int,
                    start: tuple[float, float, float, float]) -> Any:
    import lmfit

    pars = lmfit.Parameters()
    f0, lmu20, d0, lg00 = start
    pars.add("f", value=float(np.clip(f0, 1e-3, 1 - 1e-3)), min=0.0, max=1.0)
    pars.add("lmu2", value=lmu20, min=_LOG_MU[0], max=_LOG_MU[1])
    pars.add("d", value=max(d0, 1e-3), min=0.0, max=_LOG_MU[1] - _LOG_MU[0])
    pars.add("lg0", value=lg00, min=_LOG_G0[0], max=_LOG_G0[1], vary=lg0_fixed is None)
    scale = 1.0 if sig_eff is None else float(sig_eff)

    def resid(p: Any) -> np.ndarray:
        m = _two_band_model(B, p["f"].value, p["lmu2"].value, p["d"].value, p["lg0"].value,
                            s1, s2)
        return (R - m) / scale

    mini = lmfit.Minimizer(resid, pars, scale_covar=sig_eff is None, nan_policy="raise")
    return mini.minimize(method="leastsq", max_nfev=_MAX_NFEV)


def _two_band_derived(res: Any, s1: int, s2: int) -> dict[str, Any]:
    """n1, n2 (magnitudes, m^-2), mu1, mu2 (m^2/(V s)) with correlated errors, or plain
    floats without a covariance."""
    from uncertainties import correlated_values, umath

    names = [n for n in ("f", "lmu2", "d", "lg0") if res.params[n].vary]
    vals = {n: res.params[n].value for n in ("f", "lmu2", "d", "lg0")}
    if res.covar is not None and np.all(np.isfinite(res.covar)):
        uv = correlated_values([vals[n] for n in names], np.asarray(res.covar))
        vals.update(dict(zip(names, uv, strict=True)))
    f, lmu2, d, lg0 = (vals[n] for n in ("f", "lmu2", "d", "lg0"))
    ten = np.log(10.0)
    G0 = umath.exp(ten * lg0) if hasattr(lg0, "std_dev") else 10.0**lg0
    mu2 = umath.exp(ten * lmu2) if hasattr(lmu2, "std_dev") else 10.0**lmu2
    mu1 = mu2 * (umath.exp(ten * d) if hasattr(d, "std_dev") else 10.0**d)
    n1 = f * G0 / (E * mu1)
    n2 = (1.0 - f) * G0 / (E * mu2)
    return {"n1_m2": n1, "n2_m2": n2, "mu1_m2_Vs": mu1, "mu2_m2_Vs": mu2, "G0_S": G0,
            "R_H0_ohm_T": (s1 * f * mu1 + s2 * (1.0 - f) * mu2) / G0}


def _identifiability(res: Any, derived: dict[str, Any]) -> list[str]:
    """Reasons why the two-band parameters are not determined by the data (empty: fine)."""
    why: list[str] = []
    if res.covar is None or not np.all(np.isfinite(res.covar)):
        return ["no covariance (the fit does not constrain the four band parameters)"]
    for name in ("n1_m2", "n2_m2", "mu1_m2_Vs", "mu2_m2_Vs"):
        v, e = as_param(derived[name])
        if e is None or not np.isfinite(e) or e > _IDENT_REL * abs(v):
            why.append(f"{name} = {v:.3g} +/- {e:.2g}" if e is not None else name)
    for name, lo, hi in (("f", 0.0, 1.0), ("d", 0.0, None)):
        v = res.params[name].value
        if abs(v - lo) < 1e-3 or (hi is not None and abs(v - hi) < 1e-3):
            why.append(f"{name} = {v:.3g} at its bound (one band, or two equal mobilities)")
    return why


def fit_two_band(B: np.ndarray, R: np.ndarray, *, R_S_ohm: Any = None,
                 sig_eff: float | None = None, hall_sign: str = "standard"
                 ) -> dict[str, Any]:
    """Two-band Drude fit of the antisymmetrised R_xy(B) (``form="two_band"``).

    The model is :func:`~.lineshapes.hall_two_band`; with the sheet resistance
    ``R_S_ohm`` at B = 0 the zero-field conductance is constrained,
    ``1/R_S = e (|n1| mu1 + |n2| mu2)``, leaving three free parameters (the share ``f`` of
    the conductance carried by band 1, both mobilities, band 1 the more mobile); without it
    ``G0 = 1/R_S`` is a fourth. Every sign pair (holes/electrons for each band) is fitted
    from the best point of a coarse grid; the lowest chi-square wins.

    Parameters
    ----------
    B, R
        Field (T) and odd part of R_xy (Ohm) in the window.
    R_S_ohm
        Sheet resistance at B = 0 (Ohm), float or ufloat, or ``None``.
    sig_eff
        Noise of R (Ohm), or ``None`` (covariance scaled by chi2_red).
    hall_sign
        ``"standard"`` (holes give R_xy > 0) or ``"reversed"``.

    Returns
    -------
    dict
        ``res`` (lmfit MinimizerResult), ``signs``, ``derived`` (n1, n2, mu1, mu2, G0,
        R_H0), ``best_fit`` (Ohm), ``not_identifiable`` (reasons), ``candidates`` (chi2
        per sign pair) and ``constrained``.
    """
    sgn = -1.0 if hall_sign == "reversed" else 1.0
    Rf = sgn * np.asarray(R, float)
    lg0_fixed = None
    if R_S_ohm is not None:
        rs = float(getattr(R_S_ohm, "nominal_value", R_S_ohm))
        if not rs > 0:
            raise FitError(f"two-band Hall fit: R_S_ohm = {rs} must be positive")
        lg0_fixed = float(np.log10(1.0 / rs))
    w = np.ones_like(Rf) if sig_eff is None else np.full_like(Rf, 1.0 / sig_eff**2)
    fits, cands = [], {}
    for s1, s2 in _SIGNS:
        chi2, f, lmu2, d, lg0 = _two_band_grid(B, Rf, w, lg0_fixed, s1, s2)
        if not np.isfinite(chi2):
            continue
        try:
            r = _two_band_lmfit(B, Rf, sig_eff, lg0_fixed, s1, s2, (f, lmu2, d, lg0))
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            cands[f"{s1:+d},{s2:+d}"] = f"failed: {exc}"
            continue
        cands[f"{s1:+d},{s2:+d}"] = float(np.sum(r.residual**2))
        fits.append((float(np.sum(r.residual**2)), s1, s2, r))
    if not fits:
        raise FitError("two-band Hall fit: no sign combination could be fitted")
    _, s1, s2, res = min(fits, key=lambda t: t[0])
    p = res.params
    best = sgn * _two_band_model(B, p["f"].value, p["lmu2"].value, p["d"].value,
                                 p["lg0"].value, s1, s2)
    derived = _two_band_derived(res, s1, s2)
    why = _identifiability(res, derived)
    return {"res": res, "signs": (s1, s2), "derived": derived, "best_fit": best,
            "not_identifiable": why, "candidates": cands, "constrained": lg0_fixed is not None}


def _two_band_result(B: np.ndarray, R: np.ndarray, Bf: np.ndarray, Rf: np.ndarray,
                     method: str, bmax: float, B_min_T: float, R_S_ohm: Any,
                     hall_sign: str, sig_eff: float | None, raw: tuple[np.ndarray, np.ndarray],
                     source: str | None) -> FitResult:
    """FitResult of ``form="two_band"`` (see :func:`fit_hall`)."""
    tb = fit_two_band(B, R, R_S_ohm=R_S_ohm, sig_eff=sig_eff, hall_sign=hall_sign)
    res, (s1, s2), der = tb["res"], tb["signs"], tb["derived"]
    kind = {1: "holes", -1: "electrons"}
    if hall_sign == "reversed":
        kind = {1: "electrons", -1: "holes"}
    params: dict[str, Any] = {
        "n1_m2": der["n1_m2"], "n1_cm2": der["n1_m2"] * 1e-4,
        "mu1_m2_Vs": der["mu1_m2_Vs"], "mu1_cm2_Vs": der["mu1_m2_Vs"] * 1e4,
        "n2_m2": der["n2_m2"], "n2_cm2": der["n2_m2"] * 1e-4,
        "mu2_m2_Vs": der["mu2_m2_Vs"], "mu2_cm2_Vs": der["mu2_m2_Vs"] * 1e4,
        "R_H_ohm_T": der["R_H0_ohm_T"] * (-1.0 if hall_sign == "reversed" else 1.0),
    }
    if R_S_ohm is not None:
        params["R_S_ohm"] = R_S_ohm
    resid = R - tb["best_fit"]
    nvary = int(sum(p.vary for p in res.params.values()))
    noise = _noise(B, resid, sig_eff, float(np.max(np.abs(R))))
    flags: list[Flag] = []
    if np.isfinite(noise["sigma"]) and noise["sigma"] > 0:
        flags += check_goodness_of_fit(resid, noise["sigma"], nvary, what="two-band Hall fit")
    flags += check_points(int(B.size), nvary + 4, what="antisymmetrised points in the window",
                          severity="fail")
    if tb["not_identifiable"]:
        flags.append(fail("not_identifiable", "two-band Hall fit: the data do not determine "
                          "the two bands (" + "; ".join(tb["not_identifiable"]) + ")"
                          + ("" if tb["constrained"] else "; no R_xx(0) constraint: give "
                             "R_S_ohm, or an R_xx column with W_m and L_m")))
    elif not tb["constrained"]:
        flags.append(warn("note", "two-band Hall fit without the R_xx(0) constraint (no "
                          "R_S): the zero-field conductance is a fourth free parameter"))
    lin = _wls(B, R, False, False, sig_eff)
    chi2_lin = float(np.sum((R - lin[0][0] * B) ** 2)) if lin is not None else float("nan")
    chi2_tb = float(np.sum(resid**2))
    options = {
        "antisymmetrize": method, "form": "two_band", "B_window_T": [B_min_T, bmax],
        "hall_sign": hall_sign, "band1_type": kind[s1], "band2_type": kind[s2],
        "band_labels": "band 1 is the more mobile band",
        "constraint": ("1/R_S = e (n1 mu1 + n2 mu2) (R_S given)" if tb["constrained"]
                       else "none (G0 = 1/R_S fitted)"),
        "sign_candidates_chi2": tb["candidates"],
        "chi2_single_band": chi2_lin, "chi2_two_band": chi2_tb,
        "uncertainty": "weights=1/sigma, scale_covar=False" if sig_eff is not None
        else "covariance scaled by chi2_red",
        "model": "two-band Drude: sigma_xx = e sum |n_i| mu_i/(1 + mu_i^2 B^2), sigma_xy = "
                 "e sum n_i mu_i^2 B/(1 + mu_i^2 B^2), R_xy = sigma_xy/(sigma_xx^2 + "
                 "sigma_xy^2)",
    }
    Bs = np.sort(B)
    p = res.params
    fit_sorted = (-1.0 if hall_sign == "reversed" else 1.0) * _two_band_model(
        Bs, p["f"].value, p["lmu2"].value, p["d"].value, p["lg0"].value, s1, s2)
    stats = {"chisqr": float(res.chisqr), "redchi": float(res.redchi), "ndata": int(B.size),
             "nvarys": nvary, "success": bool(res.success),
             "errorbars": bool(res.errorbars), "noise_ohm": noise["sigma"],
             "noise_source": noise["source"]}
    return FitResult(
        kind="hall", params=params, stats=stats, options=options,
        provenance={"source": source, "npoints": int(B.size),
                    "units": {"B": "T", "R_xy": "Ohm"}},
        data={"B_raw_T": raw[0], "Rxy_raw_ohm": raw[1], "B_T": B, "Rodd_ohm": R,
              "fit": tb["best_fit"], "B_sorted_T": Bs, "fit_sorted": fit_sorted,
              "band": np.zeros_like(Bs), "residual": resid},
        lmfit_result=None, quality=Quality(tuple(flags)), budget={})


# ----------------------------------------------------------------------------------------
# CLI / batch
# ----------------------------------------------------------------------------------------

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("hall_column", "str", None, "column of R_xy (default: Rxy_ohm / the first Rxy_* "
           "column), e.g. R_ch2_ohm"),
    Option("rxx_column", "str", None, "column of R_xx for R_S (default: the resistance "
           "column, if W_m/L_m are given)"),
    Option("channel", "int|str", None, "resistance channel (number or column name) of R_xx "
           "when rxx_column is not given", min=1),
    Option("R_S_ohm", "float", None, "sheet resistance at B = 0 and the same T; enables "
           "mobility, l and k_F l", unit="Ohm", min=0, min_exclusive=True),
    Option("W_m", "float", None, "channel width: R_S = R_xx(B=0)*W/L (needs L_m)", unit="m",
           min=0, min_exclusive=True),
    Option("L_m", "float", None, "voltage-probe distance (needs W_m)", unit="m", min=0,
           min_exclusive=True),
    Option("antisymmetrize", "str", "auto", "odd part of R_xy: 'auto' (branches when up and "
           "down sweeps exist, else pooled), 'branches' (R_up(B) - R_down(-B)), 'pooled' "
           "(R(B) - R(-B)), 'none' (raw fit with a free offset)",
           choices=("auto", "branches", "pooled", "none")),
    Option("form", "str", "linear", "'linear' (single band, R_H*B), 'cubic' (adds c3*B^3; "
           "R_H is the B -> 0 slope), 'two_band' (two-band Drude with the R_xx(0) "
           "constraint 1/R_S = e(n1 mu1 + n2 mu2) when R_S is known; n1, n2, mu1, mu2) or "
           "'ahe' (anomalous Hall: R_H*B + R_AH*sign(B) above the saturation field B_min_T, "
           "automatic when 0)",
           choices=("linear", "cubic", "two_band", "ahe"), assumption=True),
    Option("B_max_T", "float", None, "upper |B| of the fit window (default: all fields)",
           unit="T", min=0, min_exclusive=True),
    Option("B_min_T", "float", 0.0, "lower |B| of the fit window (form='ahe': the "
           "saturation field; 0 = found from the data)", unit="T", min=0),
    Option("hall_sign", "str", "standard", "sign convention: 'standard' (electrons give "
           "R_H < 0) or 'reversed' (contact geometry)", choices=("standard", "reversed"),
           assumption=True),
    Option("degeneracy", "int", 2, "g = g_s*g_v entering k_F and l", min=1, assumption=True),
    Option("sigma_ohm", "float", None, "known 1-sigma noise of R_xy (then weights 1/sigma "
           "and scale_covar=False); default: estimated", unit="Ohm", min=0,
           min_exclusive=True),
    Option("nonlinearity_sigma", "float", 3.0, "flag nonlinear_hall when the cubic term or "
           "the half-window slope difference exceeds this many standard errors", min=0,
           min_exclusive=True),
)

SPEC = KindSpec(
    kind="hall",
    summary="Hall carrier density, mobility, k_F, mean free path",
    inputs="one or more R_xy(B) field sweeps (B_T and a Hall column) at fixed T, through "
           "B = 0; optionally an R_xx column for R_S",
    options=SPEC_OPTIONS,
    outputs=(
        Output("R_H_ohm_T", "Hall slope of the odd part (stat + window/form systematics)",
               "Ohm/T"),
        Output("n2d_m2", "sheet carrier density 1/(e|R_H|)", "m^-2"),
        Output("n2d_cm2", "sheet carrier density", "cm^-2"),
        Output("kF_m", "Fermi wave vector sqrt(4 pi n/g)", "1/m"),
        Output("c3_ohm_T3", "cubic coefficient (form='cubic')", "Ohm/T^3"),
        Output("R_AH_ohm", "anomalous Hall resistance above saturation (form='ahe')", "Ohm"),
        Output("Rxy_offset_ohm", "offset of the raw fit (antisymmetrize='none')", "Ohm"),
        Output("Rxy_even_B0_ohm", "even part of R_xy near B = 0 (contact misalignment)",
               "Ohm"),
        Output("R_S_ohm", "sheet resistance used", "Ohm"),
        Output("mobility_m2_Vs", "Hall mobility 1/(e n R_S)", "m^2/(V s)"),
        Output("mobility_cm2_Vs", "Hall mobility", "cm^2/(V s)"),
        Output("l_mfp_m", "mean free path", "m"),
        Output("kF_l", "Ioffe-Regel parameter k_F l"),
        Output("n1_m2", "two_band: density of band 1 (the more mobile)", "m^-2"),
        Output("n1_cm2", "two_band: density of band 1", "cm^-2"),
        Output("mu1_m2_Vs", "two_band: mobility of band 1", "m^2/(V s)"),
        Output("mu1_cm2_Vs", "two_band: mobility of band 1", "cm^2/(V s)"),
        Output("n2_m2", "two_band: density of band 2", "m^-2"),
        Output("n2_cm2", "two_band: density of band 2", "cm^-2"),
        Output("mu2_m2_Vs", "two_band: mobility of band 2", "m^2/(V s)"),
        Output("mu2_cm2_Vs", "two_band: mobility of band 2", "cm^2/(V s)"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()


def _hall_column(m: Measurement, name: str | None) -> str:
    if name is not None:
        if name not in m.data.columns:
            raise DataFormatError(f"no Hall column {name!r}", file=m.source, column=name,
                                  expected=f"one of {m.columns}")
        return name
    import re

    cands = [c for c in m.data.columns if re.fullmatch(r"Rxy(_ch\d+)?_ohm", str(c))]
    if not cands:
        raise DataFormatError(
            "no Hall column (Rxy_ohm); pass -o hall_column=NAME (e.g. R_ch2_ohm)",
            file=m.source, column="Rxy_ohm", expected=f"one of {m.columns}")
    return cands[0]


def robust_split_sweeps(m: Measurement, x: str, y: str, by: str | None,
                        by_tol: float = 0.02, min_points: int = 5) -> list:
    """:func:`split_sweeps`, retried without the last rows when a direction change on the
    very last step trips it (jitter of the field at the end of a file)."""
    data = m.data
    for drop in range(4):
        try:
            mm = m if drop == 0 else Measurement(data=data.iloc[:-drop], metadata=m.metadata)
            return split_sweeps(mm, x=x, y=y, by=by, by_tol=by_tol, min_points=min_points)
        except IndexError:
            continue
    raise DataFormatError(f"cannot split {x} into monotonic sweeps", file=m.source, column=x)


#: the R_xx(B = 0) fit uses |B| up to this fraction of the field range (at least
#: ``_RXX_MIN_WINDOW`` points)
_RXX_WINDOW = 0.25
_RXX_MIN_WINDOW = 7
#: the linear noise model sigma^2 = s_a^2 + s_r^2 R^2 replaces the constant one when its
#: slope exceeds this many standard errors
_RXX_HETERO_SIGMA = 3.0
#: the window residuals exceeding the whole-sweep noise at this p-value (F test): the error
#: of R_xx(0) is scaled by sqrt(chi2_red) of the window (a misfit of a + c B^2)
_RXX_MISFIT_P = 0.01
#: ... and beyond this p-value the result is flagged ``bad_fit`` (warn)
_RXX_FLAG_P = 1e-3
#: variance inflation of a mean of squared normalised third differences by their
#: correlation (lags 1-3: rho = -3/4, 3/10, -1/20; 1 + 2 sum 2 rho^2 / 2 = 2.31): the
#: noise variance from M of them has M / 2.31 effective degrees of freedom
_D3_INFLATION = 1.0 + 2.0 * (0.75**2 + 0.3**2 + 0.05**2)
#: one-sided normal probability of 1 sigma (the Student-t quantile of a 68.27 % interval)
_P1SIGMA = 0.8413447460685429


def _monotonic_runs(B: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the strictly monotonic runs of ``B`` in acquisition order."""
    s = np.sign(np.diff(B))
    runs, i0 = [], 0
    for i in range(1, s.size + 1):
        if i == s.size or s[i] != s[i - 1] or s[i] == 0:
            if s[i - 1] != 0:
                runs.append(np.arange(i0, i + 1))
            i0 = i
    return runs


def _third_differences(B: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Normalised third divided differences of ``R(B)`` along each monotonic run.

    For each four consecutive points the combination ``sum c_j R_j`` with
    ``c_j = 1/prod_{k != j}(B_j - B_k)`` annihilates any quadratic (offset, slope and the
    curvature of the magnetoresistance, also on an uneven grid); divided by
    ``sqrt(sum c_j^2)`` its variance is the noise variance. Returns the values (Ohm) and
    the mean R of their four points (Ohm). Runs shorter than 4 points give nothing; data
    without monotonic runs (scrambled order) are sorted by B first.
    """
    runs = [r for r in _monotonic_runs(B) if r.size >= 4]
    if sum(r.size - 3 for r in runs) < 5:
        b, r = _mean_duplicates(B, R)
        B, R, runs = b, r, ([np.arange(b.size)] if b.size >= 4 else [])
    ds, rs = [], []
    for idx in runs:
        x = np.lib.stride_tricks.sliding_window_view(B[idx], 4)
        y = np.lib.stride_tricks.sliding_window_view(R[idx], 4)
        c = np.empty_like(x)
        for j in range(4):
            others = [k for k in range(4) if k != j]
            c[:, j] = 1.0 / np.prod([x[:, j] - x[:, k] for k in others], axis=0)
        ds.append(np.sum(c * y, axis=1) / np.sqrt(np.sum(c**2, axis=1)))
        rs.append(np.mean(y, axis=1))
    if not ds:
        return np.empty(0), np.empty(0)
    return np.concatenate(ds), np.concatenate(rs)


def _rxx_noise(Bs: list[np.ndarray], Rs: list[np.ndarray]) -> dict[str, Any] | None:
    """Noise model of R_xx from the whole sweep (all files), or None (too few points).

    The squared normalised third differences (:func:`_third_differences`, per file; those
    beyond 5 robust standard deviations left out as glitches) estimate the noise
    variance. Model ``sigma^2 = s_a^2 + s_r^2 R^2`` (additive plus relative noise, e.g. a
    gain or current error): the slope ``s_r^2`` is kept only when positive and significant
    (``_RXX_HETERO_SIGMA`` standard errors; weighted fit with ``Var(d^2) = 2 sigma^4``),
    else the variance is the mean. ``dof`` is
    ``2 var^2 / Var(var)`` of the variance predicted at the lowest R (for the mean:
    ``M / 2.31``, the correlation of neighbouring differences, ``_D3_INFLATION``).
    """
    parts = [_third_differences(np.asarray(b, float), np.asarray(r, float))
             for b, r in zip(Bs, Rs, strict=True)]
    d = np.concatenate([p[0] for p in parts]) if parts else np.empty(0)
    rc = np.concatenate([p[1] for p in parts]) if parts else np.empty(0)
    if d.size < 5:
        return None
    mad = 1.4826 * float(np.median(np.abs(d - np.median(d))))
    keep = np.abs(d - np.median(d)) <= 5.0 * mad if mad > 0 else np.ones(d.size, bool)
    d, rc = d[keep], rc[keep]
    M = d.size
    d2 = d**2
    const = float(np.mean(d2))
    out: dict[str, Any] = {"model": "constant", "variance_ohm2": const, "n_differences": M,
                           "dof": M / _D3_INFLATION, "s_r2": 0.0, "n_dropped":
                           int((~keep).sum())}
    if M >= 8 and np.ptp(rc) > 0 and const > 0:
        x = (rc / np.max(rc)) ** 2
        coef, cov = _irls_variance(np.column_stack([np.ones(M), x]), d2, const)
        if coef[1] > _RXX_HETERO_SIGMA * np.sqrt(cov[1, 1]):
            model = "s_a^2 + s_r^2 R^2"
            if coef[0] <= 0:  # no additive part resolved: purely relative noise
                model = "s_r^2 R^2"
                c1, v1 = _irls_variance(x[:, None], d2, const)
                coef, cov = np.array([0.0, c1[0]]), np.diag([0.0, v1[0, 0]])
            g = np.array([1.0, float(np.min(x))])
            pred = float(g @ coef)
            out.update({"model": model, "variance_ohm2": float(coef[0]),
                        "s_r2": float(coef[1]) / float(np.max(rc)) ** 2,
                        "dof": 2.0 * pred**2 / max(float(g @ cov @ g), 1e-300)})
    return out


def _irls_variance(X: np.ndarray, d2: np.ndarray, const: float
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Linear model of the squared differences ``d2`` on the columns ``X`` by iteratively
    reweighted least squares, ``Var(d2) = 2 pred^2`` (Gaussian noise); the covariance is
    inflated by the correlation of neighbouring differences (``_D3_INFLATION``)."""
    pred = np.full(d2.size, const)
    for _ in range(6):
        w = 1.0 / (2.0 * np.maximum(pred, 1e-3 * const) ** 2)
        A = X.T @ (X * w[:, None])
        coef = np.linalg.solve(A, X.T @ (w * d2))
        pred = X @ coef
    return coef, np.linalg.inv(A) * _D3_INFLATION


def _rxx_zero_field(B: Any, R: Any) -> tuple[Any, dict[str, Any]]:
    """R_xx at B = 0 from an even fit ``R = a + c B^2`` to the low-field points.

    The window holds the points with |B| up to ``_RXX_WINDOW`` (a quarter) of the field
    range (at least 7 points): a low-field feature (weak (anti)localisation cusp) outside
    it does not bias ``a``. The noise is not taken from the 7-25 window points (a noisy
    error bar, on average too small) but from the whole sweep (:func:`_rxx_noise`); the
    fit is weighted by it and the error of ``a`` is its propagation through the window
    points, times the Student-t factor of the noise estimate's effective degrees of
    freedom (``t_dof`` quantile of a 68.27 % interval). When the window residuals exceed
    that noise (F test, p < ``_RXX_MISFIT_P``) the error is scaled by their
    ``sqrt(chi2_red)``. With too few points for the whole-sweep noise, the window
    residuals give it (``dof = n - 2``). ``B``, ``R``: arrays, or lists of arrays (one per
    file, each in acquisition order). Returns ``(value, record)``; the value is a plain
    float (no error) with fewer than 4 points.
    """
    from scipy import stats as st
    from uncertainties import ufloat

    Bl = [np.asarray(b, float) for b in (B if isinstance(B, list | tuple) else [B])]
    Rl = [np.asarray(r, float) for r in (R if isinstance(R, list | tuple) else [R])]
    Ba, Ra = np.concatenate(Bl), np.concatenate(Rl)
    bmax = float(np.max(np.abs(Ba))) if Ba.size else 0.0
    sel = np.abs(Ba) <= _RXX_WINDOW * bmax
    if sel.sum() < _RXX_MIN_WINDOW:
        sel = np.zeros(Ba.size, bool)
        sel[np.argsort(np.abs(Ba))[: min(_RXX_MIN_WINDOW, Ba.size)]] = True
    Bw, Rw = Ba[sel], Ra[sel]
    rec: dict[str, Any] = {"window_T": float(np.max(np.abs(Bw))) if Bw.size else 0.0,
                           "n_window": int(Bw.size)}
    X = np.column_stack([np.ones_like(Bw), Bw**2])
    if Bw.size < 4 or np.linalg.matrix_rank(X) < 2:
        return float(np.mean(Rw)), rec | {"noise": "too few points: no error"}
    noise = _rxx_noise(Bl, Rl)
    dof_w = Bw.size - 2
    if noise is None:
        coef, *_ = np.linalg.lstsq(X, Rw, rcond=None)
        resid = Rw - X @ coef
        s2 = float(resid @ resid) / dof_w
        cov = s2 * np.linalg.inv(X.T @ X)
        dof = float(dof_w)
        rec["noise"] = "window residuals (too few points for the whole-sweep estimate)"
    else:
        var = noise["variance_ohm2"] + noise["s_r2"] * Rw**2
        # noiseless data (exact arithmetic): no error, as without noise
        var = np.maximum(var, 1e-30 * float(np.max(np.abs(Rw))) ** 2 + 1e-300)
        W = 1.0 / var
        A = X.T @ (X * W[:, None])
        coef = np.linalg.solve(A, X.T @ (W * Rw))
        cov = np.linalg.inv(A)
        resid = Rw - X @ coef
        dof = float(noise["dof"])
        chi2 = float(np.sum(resid**2 * W))
        p = float(st.f.sf(chi2 / dof_w, dof_w, max(dof, 1.0))) if dof_w > 0 else 1.0
        rec.update({"noise": f"whole sweep: third differences ({noise['model']})",
                    "noise_ohm": float(np.sqrt(var.mean())), "chi2_red_window":
                    chi2 / dof_w if dof_w > 0 else float("nan"), "p_window": p})
        if p < _RXX_MISFIT_P:
            cov = cov * chi2 / dof_w
            dof = float(dof_w)
            rec["misfit"] = ("window residuals exceed the sweep noise: error scaled by "
                             "sqrt(chi2_red) of the window")
    tfac = float(st.t.ppf(_P1SIGMA, max(dof, 1.0)))
    err = float(np.sqrt(max(cov[0, 0], 0.0))) * tfac
    rec.update({"dof": dof, "student_t_factor": tfac})
    return (ufloat(float(coef[0]), err) if err > 0 else float(coef[0])), rec


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hall analysis (the ``hall`` kind); see :data:`SPEC`. Measurements are pooled.

    Parameters
    ----------
    measurements
        Loaded field sweeps (B_T in T, R_xy in Ohm).
    **options
        Options declared in :data:`SPEC` (validated first).

    Returns
    -------
    FitResult
        See :func:`fit_hall`; ``options`` also record the columns and the R_S source.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    if opts["B_max_T"] is not None and opts["B_max_T"] <= opts["B_min_T"]:
        raise OptionError(f"hall: B_max_T={opts['B_max_T']:g} must exceed "
                          f"B_min_T={opts['B_min_T']:g}")
    B, R, D, XB, Xs, T, cols = _collect(measurements, opts)
    src = ", ".join(str(m.source) for m in measurements)
    R_S, rs_note, rs_rec = _sheet_resistance(opts, XB, Xs)
    try:
        res = fit_hall(
            B, R, direction=D, antisym=opts["antisymmetrize"], form=opts["form"],
            B_max_T=opts["B_max_T"], B_min_T=opts["B_min_T"], R_S_ohm=R_S,
            hall_sign=opts["hall_sign"], degeneracy=opts["degeneracy"],
            sigma_ohm=opts["sigma_ohm"], nonlinearity_sigma=opts["nonlinearity_sigma"],
            source=src)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        if isinstance(exc, KtoError):
            raise
        raise FitError(f"hall: numerical failure ({exc})") from None
    out = dict(res.options)
    out.update({"hall_column": sorted(cols), "R_S_source": rs_note, "R_S_estimate": rs_rec,
                "W_m": opts["W_m"], "L_m": opts["L_m"]})
    prov = dict(res.provenance)
    prov.update({"files": [str(m.source) for m in measurements], "columns": ["B_T"] + sorted(cols),
                 "T_K": float(np.mean(np.concatenate(T))) if T else None})
    quality = res.quality
    if rs_rec is not None and rs_rec.get("p_window", 1.0) < _RXX_FLAG_P:
        quality = quality + [warn("bad_fit", (
            f"R_xx(B=0) fit: the residuals of a + c B^2 on |B| <= {rs_rec['window_T']:.3g} T "
            f"exceed the sweep noise (chi2_red {rs_rec['chi2_red_window']:.3g}): R_xx(B) is "
            "not quadratic near B = 0 (a weak-(anti)localisation cusp, drift between "
            "sweeps?); the R_S error is scaled by sqrt(chi2_red), R_S may be biased"))]
    return FitResult(kind="hall", params=res.params, stats=res.stats, options=out,
                     provenance=prov, data=res.data, lmfit_result=res.lmfit_result,
                     quality=quality, budget=res.budget)


def _collect(measurements: list[Measurement], opts: dict[str, Any]) -> tuple:
    """Field, Hall resistance, sweep direction (and R_xx when needed) of all files."""
    Bs, Rs, Ds, Xs, XB, T, cols = [], [], [], [], [], [], set()
    want_rxx = opts["R_S_ohm"] is None and (opts["W_m"] is not None or opts["L_m"] is not None)
    for m in measurements:
        hc = _hall_column(m, opts["hall_column"])
        cols.add(hc)
        for s in robust_split_sweeps(m, x="B_T", y=hc, by=None):
            Bs.append(s.x)
            Rs.append(s.y)
            Ds.append(np.full(s.x.size, 1 if s.direction == "up" else -1))
        if "T_K" in m.data.columns:
            T.append(m.column("T_K", dropna=True))
        if want_rxx:
            rc = opts["rxx_column"] or m.resistance_column(opts["channel"])
            if rc == hc:
                raise FitError(f"R_xx column {rc!r} is the Hall column; set rxx_column")
            cols.add(rc)
            b, r = m.xy("B_T", rc)
            Xs.append(r)
            XB.append(b)
    if not Bs:
        raise RefusedError("hall: no field sweep found in the data")
    return (np.concatenate(Bs), np.concatenate(Rs), np.concatenate(Ds), XB, Xs, T, cols)


def _sheet_resistance(opts: dict[str, Any], XB: list, Xs: list
                      ) -> tuple[Any, str | None, dict[str, Any] | None]:
    """R_S from the option, or from R_xx(B = 0) (:func:`_rxx_zero_field`) and the
    geometry; the third item records how R_xx(0) and its error were estimated."""
    if opts["R_S_ohm"] is not None:
        return opts["R_S_ohm"], "option R_S_ohm", None
    if not Xs:
        return None, None, None
    if opts["W_m"] is None or opts["L_m"] is None:
        raise OptionError("hall: R_S from R_xx needs both W_m and L_m (or give R_S_ohm)")
    rxx0, rec = _rxx_zero_field(list(XB), list(Xs))
    return ns.sheet_from_wire(rxx0, opts["W_m"], opts["L_m"]), "R_xx(B=0) * W/L", rec


def plot(result: FitResult, fig) -> None:
    """Raw R_xy, antisymmetrised R_xy with fit and 1-sigma band, residuals.

    The figure code lives in :mod:`ktoanalysis.transport.plots.hall`.
    """
    from .plots import draw

    draw(result, fig)
