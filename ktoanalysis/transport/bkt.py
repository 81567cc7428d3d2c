"""BKT analysis of R(T): Halperin-Nelson fits, linearisation, AL Tc0 (docs/models/bkt_rt.md,
docs/models/aslamazov_larkin.md).

Kind ``bkt-rt``. Forms (ASSUMPTION ``hn_form``, option ``form``):

``"simple"`` (default, MODELS 4.1, as in the seed papers)::

    R(T) = R0 * exp(-b * (T/T_BKT - 1)**(-1/2))

``"with_Tc0"`` (MODELS 4.2; convention implemented here)::

    R(T) = a * R_N * exp(-2*sqrt(b_HN * (Tc0 - T)/(T - T_BKT)))

which tends to the simple form with ``b = 2*sqrt(b_HN*(Tc0 - T_BKT)/T_BKT)`` and
``R0 = a*R_N`` as T -> T_BKT; it is valid only for T < Tc0 (points above are excluded).

``"bcg_interpolation"`` (Benfatto-Castellani-Giamarchi, MODELS 4.3)::

    R(T) = R_N / (1 + (4/A**2) * sinh(b/sqrt(t))**2),  t = T/T_BKT - 1

whose b is *half* the simple-form b (``b_simple = 2*b_bcg``, ``R0 = R_N*A**2``).

All forms are fitted to ln R (the noise is relative there) with weights ``R/sigma_R``.
The fit window is automatic (between ``fractions`` of R_N, above the zero-resistance floor)
or given as ``window=[Tmin, Tmax]`` (K). The fit is started from a grid-scan guess and
from four T_BKT values across its bound range; the lowest chi-square wins. Reported
alongside: the ``[d ln R/dT]**(-2/3)`` linearisation (MODELS 4.4, ``T_BKT_lin_K``) and the
Aslamazov-Larkin mean-field ``Tc0_AL_K`` (MODELS 3, see :mod:`.fluct`).

Error budget (``result.budget``): ``T_BKT_K`` = statistical (fit covariance) + ``window``
systematic (refits with the fractions ``[2 lo, 2/3 hi]`` and ``[lo/2, 4/3 hi]``, or a
given window narrowed; half the spread of the shifts after removing the part that noise
explains for nested windows, :func:`window_systematic`) + ``Tc0_AL`` systematic (form
``with_Tc0`` with ``tc0='al'``: refits with Tc0 moved by its error). ``Tc0_AL_K`` and a
free ``Tc0_K`` get their own window systematic. ``T_BKT_K_window_spread`` is the plain
half spread of the ladder.

Quality flags (codes of :data:`.quality.CODES` unless noted):

* ``bad_fit`` / ``systematic_residuals``: reduced chi-square of the BKT fit against an
  independent noise (the given sigma_R, else second differences of the points deep in the
  normal and zero states, never the fit's own residuals) and a runs test; fail above 10.
  The same checks of the AL fit only warn (Tc0_AL is a secondary result);
* ``at_bound`` (fail): a fitted parameter at a bound (R0 measured in ln over its decades);
* ``no_errorbars`` (fail): no covariance;
* ``window_outside_model`` (fail): most window points above 0.9 R_N, or the window above
  Tc_onset;
* ``multi_step`` (fail; warn when the given ``window`` lies within one step): separated
  steps in the transition (dR/dT maxima with a significant dip between them, on data
  averaged in bins of width/12 where they are denser);
* ``extrapolated``: T_BKT outside the temperature range of the data (fail); Tc0_AL or a
  free Tc0 outside [T_BKT, Tc_onset] (warn);
* ``too_few_points`` (warn): fewer than 8 points in the BKT window (fewer than 5: FitError);
* ``local_minimum`` (warn): equally good multi-start minima disagree;
* ``candidate_failed`` (warn): the AL fit could not be done;
* ``noise_inconsistent`` (warn): a given sigma_R contradicts the data;
* ``large_uncertainty`` (warn): total error of T_BKT above 10 % of it;
* ``bkt_inconsistent`` (warn, kind-specific code): T_BKT above Tc_mid (MODELS 4.1 f).

Refused (:class:`RefusedError`, CLI exit 3), as by kind ``tc``: files that are not an R(T)
curve (:func:`~.tc.refuse_not_rt`: temperature span < 1 % of its mean, i.e. a sweep of B or
I at fixed T; the field stepping by more than ``field_tol_T`` per row, i.e. R(B) sweeps); R
constant within 5 sigma_R or no transition in range; no resistive transition to zero
(Tc_zero not below Tc_mid); a data span below ``tc.MIN_SPAN_WIDTHS`` (3) transition
widths (20-80 % width), as ``tc`` (:func:`refuse_short_span`): the normal state that
defines R_N and the fraction window is then not in range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import lmfit
import numpy as np
from scipy.signal import savgol_filter

from ..errors import FitError, KtoError, OptionError, RefusedError
from ..io.measurement import Measurement
from ..units import HBAR, K_B, E
from . import tc as _tc
from .declaration import KindSpec, Option, Output
from .fluct import _fit_al_lmfit
from .lineshapes import (
    bcg,
    halperin_nelson,
    halperin_nelson_tc0,
    ln_bcg,
    ln_halperin_nelson,
    ln_halperin_nelson_tc0,
)
from .models import HalperinNelsonModel, HNForm, hn_linear_start
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_inside,
    check_multistart,
    check_noise_consistency,
    check_points,
    check_steps,
    excess_shift,
    fail,
    noise_from_differences,
    warn,
)
from .result import (
    FitResult,
    array_fit_result,
    as_param,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)

__all__ = [
    "halperin_nelson", "ln_halperin_nelson", "halperin_nelson_tc0", "ln_halperin_nelson_tc0",
    "bcg", "ln_bcg", "universal_stiffness", "kinetic_inductance_at_bkt", "iv_exponent",
    "HalperinNelsonModel", "fit_hn", "hn_linear_start", "hn_linearization",
    "window_systematic", "refuse_short_span", "SPEC",
    "OPTIONS",
    "analyze", "plot",
]


_DELTA_K = 1e-4  # T_BKT stays this far below the lowest fitted temperature (MODELS 4.1)


def _delta(T_min_K: float) -> float:
    """Gap (K) kept between T_BKT and the lowest fitted point: 1e-4 K, less at tiny scales."""
    return min(_DELTA_K, 1e-3 * abs(float(T_min_K))) or _DELTA_K

# ---------------------------------------------------------------------------------------
# lineshapes (pure numpy)


def universal_stiffness(T_bkt_K: float) -> float:
    """Nelson-Kosterlitz universal jump ``J_s(T_BKT-) = (2/pi)*k_B*T_BKT`` (J), MODELS 4.6."""
    return 2.0 / np.pi * K_B * float(T_bkt_K)


def kinetic_inductance_at_bkt(T_bkt_K: float) -> float:
    """Sheet kinetic inductance (H per square) at the universal jump:
    ``L_K = pi*hbar**2/(8*e**2*k_B*T_BKT)`` (from ``J_s = hbar**2/(4 e**2 L_K)``)."""
    return np.pi * HBAR**2 / (8 * E**2 * K_B * float(T_bkt_K))


def iv_exponent(J_s_J: float, T_K: float) -> float:
    """AHNS I-V exponent ``alpha = 1 + pi*J_s/(k_B*T)`` (J_s in J, T in K)."""
    return 1.0 + np.pi * float(J_s_J) / (K_B * float(T_K))


# ---------------------------------------------------------------------------------------
# lmfit model


def fit_hn(T_K: np.ndarray, R_ohm: np.ndarray, *, form: HNForm = "simple",
           R_N_ohm: float | None = None, sigma_R_ohm: float | None = None,
           scale_covar: bool | None = None, T_bkt_min_K: float | None = None,
           Tc0_K: float | None = None, Tc0_max_K: float | None = None,
           T_bkt_start_K: float | None = None) -> FitResult:
    """Fit a BKT form to ln R(T) (array level).

    Parameters
    ----------
    T_K, R_ohm
        Points of the fit window (K, Ohm); R must be > 0.
    form
        ASSUMPTION ``hn_form`` (see module docstring).
    R_N_ohm
        Normal-state resistance (Ohm): bounds R0 to (1e-3, 1e3) R_N; fixed R_N of the
        with_Tc0 and BCG forms (required there).
    sigma_R_ohm
        Resistance noise (Ohm): weights ``R/sigma_R`` on ln R. ``None``: unweighted.
    scale_covar
        lmfit covariance scaling; default: False when sigma_R is given, True otherwise.
    T_bkt_min_K
        Lower bound of T_BKT (K), default 0.5*min(T) (MODELS: 0.5*Tc_zero).
    Tc0_K
        with_Tc0 only: fixed Tc0 (K); ``None`` fits it in (max(T) + 1e-4, Tc0_max_K).
    Tc0_max_K
        with_Tc0 only: upper bound of a free Tc0 (K), default 2*max(T).
    T_bkt_start_K
        Starting value of T_BKT (K) (multi-start); default: best of a grid scan.

    Returns
    -------
    FitResult
        Kind ``"bkt-rt"``; params (correlated ufloats; fixed ones plain floats) under
        the names of :func:`analyze`: simple ``T_BKT_K`` (K), ``b``, ``R0_ohm`` (Ohm);
        with_Tc0 ``T_BKT_K``, ``b_HN``, ``a``, ``Tc0_K`` (K), ``b`` (the equivalent
        simple-form b); bcg_interpolation ``T_BKT_K``, ``b_bcg``, ``A``. ``quality``:
        ``at_bound``, ``no_errorbars`` and, with ``sigma_R_ohm``, ``bad_fit`` /
        ``systematic_residuals`` on ln R. ``lmfit_result`` is the lmfit ModelResult of
        ln R; no plot data (use :func:`analyze` for a figure).

    Raises
    ------
    FitError
        Too few points, R <= 0, missing R_N, a fixed Tc0 below a fitted temperature.
    """
    res = _fit_hn_lmfit(T_K, R_ohm, form=form, R_N_ohm=R_N_ohm, sigma_R_ohm=sigma_R_ohm,
                        scale_covar=scale_covar, T_bkt_min_K=T_bkt_min_K, Tc0_K=Tc0_K,
                        Tc0_max_K=Tc0_max_K, T_bkt_start_K=T_bkt_start_K)
    what = f"BKT fit ({form})"
    R = np.asarray(R_ohm, float)
    options = {"form": form, "R_N_ohm": R_N_ohm, "sigma_R_ohm": sigma_R_ohm,
               "scale_covar": scale_covar, "T_bkt_min_K": T_bkt_min_K, "Tc0_K": Tc0_K,
               "Tc0_max_K": Tc0_max_K, "T_bkt_start_K": T_bkt_start_K}
    return array_fit_result(
        res, kind="bkt-rt", names=_PUBLIC[form], function="fit_hn", options=options,
        what=what, residuals=res.data - res.best_fit,
        sigma=None if sigma_R_ohm is None else float(sigma_R_ohm) / R,
        bound_flags=_check_bounds(res.params, _PUBLIC[form], what))


def _fit_hn_lmfit(T_K: np.ndarray, R_ohm: np.ndarray, *, form: HNForm = "simple",
                  R_N_ohm: float | None = None, sigma_R_ohm: float | None = None,
                  scale_covar: bool | None = None, T_bkt_min_K: float | None = None,
                  Tc0_K: float | None = None, Tc0_max_K: float | None = None,
                  T_bkt_start_K: float | None = None) -> lmfit.model.ModelResult:
    """The fit of :func:`fit_hn` as an lmfit ModelResult of ln R (used by :func:`analyze`).

    Raises
    ------
    FitError
        As :func:`fit_hn`.
    """
    T = np.asarray(T_K, float)
    R = np.asarray(R_ohm, float)
    if T.shape != R.shape or np.any(~np.isfinite(T)):
        raise FitError("Halperin-Nelson fit: T and R must be finite arrays of equal length")
    if np.any(~np.isfinite(R)) or np.any(R <= 0):
        raise FitError("Halperin-Nelson fit: R must be finite and > 0 in the window "
                       "(points at the noise floor must be excluded)")
    model = HalperinNelsonModel(form=form)
    nvar = 3 if form != "with_Tc0" else (3 if Tc0_K is not None else 4)
    if T.size < nvar + 2:
        raise FitError(f"BKT fit ({form}): {T.size} points in the window, need at least "
                       f"{nvar + 2}")
    if form != "simple" and R_N_ohm is None:
        raise FitError(f"form {form!r} needs R_N")
    if float(T.min()) <= 0:
        raise FitError("Halperin-Nelson fit: temperatures must be > 0 K")
    y = np.log(R)
    lo, hi = _tbkt_bounds(T, T_bkt_min_K)
    start = None if T_bkt_start_K is None else min(max(float(T_bkt_start_K), lo), hi)
    pars = model.guess(y, T=T, R_N=R_N_ohm, T_bkt=start)
    pars["T_bkt"].set(min=lo, max=hi, value=min(max(pars["T_bkt"].value, lo + 1e-6 * (hi - lo)),
                                                hi - 1e-6 * (hi - lo)))
    if form == "simple" and R_N_ohm is not None:
        pars["R0"].set(min=1e-3 * R_N_ohm, max=1e3 * R_N_ohm,
                       value=min(max(pars["R0"].value, 1.001e-3 * R_N_ohm), 999 * R_N_ohm))
    if form == "with_Tc0":
        _set_tc0(pars, T, y, Tc0_K, Tc0_max_K)
    kw: dict[str, Any] = {}
    if sigma_R_ohm is not None:
        kw["weights"] = R / float(sigma_R_ohm)
        kw["scale_covar"] = False if scale_covar is None else scale_covar
    elif scale_covar is not None:
        kw["scale_covar"] = scale_covar
    return model.fit(y, pars, T=T, **kw)


def _tbkt_bounds(T: np.ndarray, T_bkt_min_K: float | None) -> tuple[float, float]:
    """Bounds of T_BKT (K): (0.5*min(T) or the given minimum, min(T) - delta)."""
    hi = float(T.min()) - _delta(float(T.min()))
    lo = 0.5 * float(T.min()) if T_bkt_min_K is None else float(T_bkt_min_K)
    return min(lo, 0.99 * hi), hi


def _set_tc0(pars: lmfit.Parameters, T: np.ndarray, y: np.ndarray, Tc0_K: float | None,
             Tc0_max_K: float | None) -> None:
    """with_Tc0: fix or bound Tc0 and start b_HN from the simple-form b (MODELS 4.2)."""
    if Tc0_K is not None:
        if Tc0_K <= T.max():
            raise FitError(f"with_Tc0: Tc0 = {Tc0_K:.4g} K must exceed every fitted "
                           f"temperature (max {T.max():.4g} K)")
        pars["Tc0"].set(value=float(Tc0_K), vary=False)
    else:
        lo = float(T.max()) + _delta(float(T.max()))
        hi = 2 * float(T.max()) if Tc0_max_K is None else float(Tc0_max_K)
        if hi <= lo:
            raise FitError(f"with_Tc0: upper bound of Tc0 {hi:.4g} K is below the highest "
                           f"fitted temperature {T.max():.4g} K")
        pars["Tc0"].set(min=lo, max=hi, value=min(max(pars["Tc0"].value, lo * 1.01),
                                                  0.99 * hi))
    Tb = pars["T_bkt"].value
    _, b0, _ = hn_linear_start(y, T, Tb)
    # b = 2 sqrt(b_HN (Tc0 - T_BKT)/T_BKT)  ->  b_HN = b^2 T_BKT / (4 (Tc0 - T_BKT))
    pars["b_HN"].set(value=float(np.clip(b0 ** 2 * Tb / (4 * (pars["Tc0"].value - Tb)),
                                         0.011, 9.9)))


# ---------------------------------------------------------------------------------------
# linearisation (docs/models/bkt_rt.md)


def hn_linearization(T_K: np.ndarray, R_ohm: np.ndarray, *, savgol_points: int | None = None,
                     polyorder: int = 3, n_grid: int | None = None) -> dict[str, Any]:
    """``[d ln R/dT]**(-2/3)`` versus T and its straight-line T intercept (docs/models/bkt_rt.md).

    ln R is interpolated onto a uniform T grid, differentiated with a Savitzky-Golay filter
    (``savgol_points`` odd, default ~1/8 of the grid, at least 7), and the transformed
    derivative is fitted by a straight line ``y = s*(T - T_BKT)``, so
    ``b_prime = 2*s**(-3/2)`` (K^1/2).

    Parameters
    ----------
    T_K, R_ohm
        Points of the window (K, Ohm > 0), sorted by T.
    savgol_points
        Savitzky-Golay window (grid points).
    polyorder
        Savitzky-Golay polynomial order.
    n_grid
        Grid size (default: max(41, number of points)).

    Returns
    -------
    dict
        ``T_BKT_K``, ``T_BKT_err_K`` (1 sigma of the line fit; the covariance is inflated by
        the filter length to account for the correlation the smoothing introduces),
        ``b_prime``, ``T_grid_K``, ``y`` (K^(2/3)), ``slope``, ``savgol_points``.

    Raises
    ------
    FitError
        Fewer than 7 points, or d ln R/dT not positive.
    """
    T = np.asarray(T_K, float)
    R = np.asarray(R_ohm, float)
    if T.size < 7:
        raise FitError(f"linearisation: {T.size} points, need at least 7")
    n = max(41, T.size) if n_grid is None else int(n_grid)
    Tg = np.linspace(T.min(), T.max(), n)
    lnR = np.interp(Tg, T, np.log(R))
    w = max(7, (n // 8) | 1) if savgol_points is None else int(savgol_points) | 1
    w = min(w, n - (1 - n % 2))
    dlnR = savgol_filter(lnR, w, min(polyorder, w - 1), deriv=1, delta=Tg[1] - Tg[0])
    ok = dlnR > 0
    if ok.sum() < 5:
        raise FitError("linearisation: d ln R/dT is not positive in the window")
    y = dlnR[ok] ** (-2.0 / 3.0)
    Tk = Tg[ok]
    coef, cov = np.polyfit(Tk, y, 1, cov=True)
    s, c = coef
    if s <= 0:
        raise FitError("linearisation: [d ln R/dT]^(-2/3) does not increase with T")
    T0 = -c / s
    # d T0 = (-dc*s + c*ds)/s^2
    J = np.array([c / s**2, -1.0 / s])
    cov = cov * max(w, float(np.median(np.diff(T))) / (Tg[1] - Tg[0]))
    err = float(np.sqrt(J @ cov @ J))
    return {"T_BKT_K": float(T0), "T_BKT_err_K": err, "b_prime": float(2 * s ** -1.5),
            "T_grid_K": Tk, "y": y, "slope": float(s), "intercept": float(c),
            "savgol_points": int(w)}


# ---------------------------------------------------------------------------------------
# declaration

_BKT_OPTIONS: tuple[Option, ...] = (
    Option("form", "str", "simple", "Halperin-Nelson form (hn_form): 'simple' (MODELS 4.1), "
           "'with_Tc0' (4.2), 'bcg_interpolation' (4.3)",
           choices=("simple", "with_Tc0", "bcg_interpolation"), assumption=True),
    Option("window", "pair", None, "[Tmin, Tmax] of the BKT fit; default: automatic from "
           "'fractions' (points below the zero floor never enter)", unit="K", min=0),
    Option("fractions", "pair", [0.01, 0.3], "[low, high] fractions of R_N bounding the "
           "automatic window", min=0, max=1, min_exclusive=True, max_exclusive=True,
           assumption=True),
    Option("ladder", "bool", True, "refit with the window varied (fractions [2 lo, 2/3 hi] "
           "and [lo/2, 4/3 hi], a given window narrowed) and add half the spread of T_BKT "
           "to its error as the 'window' systematic (also T_BKT_K_window_spread)"),
    Option("tc0", "float|str", "al", "with_Tc0 only: 'al' (Tc0 fixed to the AL fit, its "
           "error propagated as a systematic), 'free', or a number", unit="K",
           choices=("al", "free"), min=0, min_exclusive=True, assumption=True),
    Option("b_HN_assumed", "float", 1.0, "b_HN converting the simple-form b into the implied "
           "Tc0 = T_BKT*(1 + b^2/(4 b_HN)) (Tc0_from_b_K)", min=0, min_exclusive=True,
           assumption=True),
    Option("al", "bool", True, "fit Aslamazov-Larkin paraconductivity for the mean-field Tc0 "
           "(a failed AL fit is a 'candidate_failed' warning, not an error)"),
    Option("al_window", "pair", None, "[Tmin, Tmax] of the AL fit; default "
           "[T(0.5 R_N), Tc_mid*(1 + al_eps_max)]", unit="K", min=0),
    Option("al_eps_max", "float", 0.3, "upper reduced temperature of the automatic AL window",
           min=0, max=10, min_exclusive=True, assumption=True),
    Option("al_reduced_temperature", "str", "log", "AL reduced temperature: 'log' "
           "(log(T/Tc0)) or 'linear' ((T - Tc0)/Tc0)", choices=("log", "linear"),
           assumption=True),
    Option("al_prefactor", "str", "free", "AL prefactor: 'free' (C_AL in (0.1, 1e3)) or "
           "'fixed' (C_AL = 1, pure AL)", choices=("free", "fixed"), assumption=True),
    Option("al_background", "str", "none", "AL normal state: 'none' (constant R_N0) or "
           "'linear' (free slope)", choices=("none", "linear"), assumption=True),
    Option("linearization", "bool", True, "report the [d lnR/dT]^(-2/3) intercept "
           "T_BKT_lin_K (MODELS 4.4)"),
    Option("savgol_points", "int", None, "Savitzky-Golay window of the linearisation (grid "
           "points, made odd; default about 1/8 of the grid, at least 7)", min=5),
    Option("scale_covar", "bool", None, "lmfit covariance scaling; default false when "
           "sigma_R_ohm is given, true (errors scaled by the fit's reduced chi-square) when "
           "sigma_R is estimated"),
)

_BKT_NAMES = {o.name for o in _BKT_OPTIONS}
#: every option: the R_N / criterion / noise options of kind ``tc`` (without onset_method,
#: which bkt-rt does not use) followed by the BKT options
SPEC_OPTIONS: tuple[Option, ...] = tuple(
    o for o in _tc.SPEC_OPTIONS if o.name not in _BKT_NAMES | {"onset_method"}
) + _BKT_OPTIONS

SPEC = KindSpec(
    kind="bkt-rt",
    summary="Halperin-Nelson BKT fit of R(T) (and Aslamazov-Larkin Tc0)",
    inputs="one or more R(T) files (T_K and a sheet-resistance column) at fixed field, "
           "reaching zero resistance",
    options=SPEC_OPTIONS,
    outputs=(
        Output("T_BKT_K", "BKT temperature of the chosen form; error = statistical + window "
               "systematic (+ Tc0 systematic for with_Tc0, tc0='al')", "K"),
        Output("b", "simple-form vortex constant (simple; with_Tc0: the equivalent b)"),
        Output("R0_ohm", "simple-form prefactor", "Ohm"),
        Output("b_HN", "with_Tc0 constant b_HN"),
        Output("a", "with_Tc0 prefactor"),
        Output("Tc0_K", "with_Tc0 mean-field temperature (fitted, fixed or from AL)", "K"),
        Output("b_bcg", "BCG constant (half the simple-form b)"),
        Output("A", "BCG amplitude"),
        Output("b_simple_equiv", "2*b_bcg"),
        Output("T_BKT_K_window_spread", "half spread of T_BKT over the window ladder", "K"),
        Output("Tc0_AL_K", "Aslamazov-Larkin mean-field Tc0; error = statistical + AL "
               "window systematic", "K"),
        Output("C_AL", "AL prefactor"),
        Output("T_BKT_lin_K", "[d lnR/dT]^(-2/3) intercept", "K"),
        Output("b_prime_lin_sqrtK", "b' = b sqrt(T_BKT) from the linearisation slope",
               "K^1/2"),
        Output("Tc0_from_b_K", "Tc0 implied by the simple-form b and b_HN_assumed", "K"),
        Output("R_N_ohm", "normal-state resistance at Tc_mid", "Ohm"),
        Output("Tc_mid_K", "T(R = mid_fraction R_N)", "K"),
        Output("Tc_zero_K", "highest T below the zero floor", "K"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()
_DEFAULTS: dict[str, Any] = SPEC.defaults

_PUBLIC = {
    "simple": {"T_bkt": "T_BKT_K", "b": "b", "R0": "R0_ohm"},
    "with_Tc0": {"T_bkt": "T_BKT_K", "b_HN": "b_HN", "a": "a", "Tc0": "Tc0_K",
                 "b_equiv": "b"},
    "bcg_interpolation": {"T_bkt": "T_BKT_K", "b": "b_bcg", "A": "A"},
}

#: errors of numerical code turned into FitError (never escape analyze)
_NUMERIC_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError, RuntimeError,
                   IndexError)
_MIN_GOOD_POINTS = 8  # fewer points in the BKT window: too_few_points (warn)
_STARTS = (0.1, 0.4, 0.7, 0.95)  # multi-start T_BKT, fractions of its bound range


# ---------------------------------------------------------------------------------------
# procedure: context and windows


@dataclass
class _Ctx:
    """What every step of the bkt-rt procedure needs (one R(T) curve and its criteria)."""

    data: _tc.RTData
    rn: _tc.NormalState
    opts: dict[str, Any]
    sigma: float            # noise used for weights (given or estimated), Ohm
    sigma_given: bool
    sigma_check: float      # independent noise for the goodness of fit, Ohm
    floor: float
    T_mid: float
    T_zero: float
    T_on: float
    tcres: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    sweeps: list[dict[str, Any]] | None = None  # the sweep table of a whole file (tc)

    @property
    def scale_covar(self) -> bool:
        sc = self.opts["scale_covar"]
        return (not self.sigma_given) if sc is None else bool(sc)


def _independent_noise(data: _tc.RTData, T_zero: float, T_mid: float, T_on: float) -> float:
    """Noise (Ohm) from second differences (:func:`~.quality.noise_from_differences`) of
    the points well inside the normal state (T > Tc_onset + (Tc_onset - Tc_mid)) and well
    inside the zero state (T < Tc_zero - (Tc_mid - Tc_zero)), never from a fit. The points
    are chosen by temperature, not by resistance, so that large noise is not censored.
    NaN when neither part has 5 points."""
    T, R = data.T_K, data.R_ohm
    parts = [noise_from_differences(R[T > T_on + (T_on - T_mid)]),
             noise_from_differences(R[T < T_zero - (T_mid - T_zero)])]
    parts = [p for p in parts if np.isfinite(p) and p > 0]
    return float(max(parts)) if parts else float("nan")


def refuse_short_span(T_K: np.ndarray, values: dict[str, tuple[float, float | None]]
                      ) -> None:
    """RefusedError when the data span less than ``tc.MIN_SPAN_WIDTHS`` (3) transition
    widths (the 20-80 % width of kind ``tc``), as kind ``tc`` refuses them.

    R_N, Tc_mid and the fraction window of the BKT fit are defined by the normal state;
    on a span this short the normal state is not in range, and a fit of the foot would
    rest on an R_N the data do not show. Restrict nothing, measure further up.

    Parameters
    ----------
    T_K
        Temperatures of the analysed R(T) curve (K).
    values
        Criterion temperatures of kind ``tc`` (name -> (value K, error K)); ``width_K``
        is the 20-80 % width. Without it nothing is checked.

    Raises
    ------
    RefusedError
        Naming the span and the width.
    """
    if "width_K" not in values:
        return
    width = float(values["width_K"][0])
    span = float(np.max(T_K) - np.min(T_K))
    need = float(_tc.MIN_SPAN_WIDTHS)
    if width > 0 and span < need * width:
        raise RefusedError(f"bkt-rt: the data span {span:.3g} K, less than {need:g} "
                           f"transition widths ({need:g} x {width:.3g} K): the normal state "
                           "is not in range (R_N, Tc_mid and the fraction window depend on it)")


def _front_end(measurements: list[Measurement], opts: dict[str, Any]) -> _Ctx:
    """Data, R_N, the tc criteria and the noise; data that are not an R(T) curve (sweeps
    at fixed T, R(B) sweeps: :func:`~.tc.refuse_not_rt`) or without a transition to zero
    or spanning less than 3 transition widths (:func:`refuse_short_span`) are refused."""
    tc_opts = {k: (opts[k] if k in opts else v) for k, v in _tc._DEFAULTS.items()}
    _tc.refuse_not_rt(measurements, field_tol_T=float(opts["field_tol_T"]))
    try:
        data, rn, tcres = _tc.analyze_rt(measurements, tc_opts)
    except (RefusedError, OptionError):
        raise
    except FitError as exc:
        text = str(exc)
        if any(w in text for w in ("no transition", "no normal state", "never crosses")):
            raise RefusedError(f"bkt-rt: not a resistive transition: {text}") from None
        raise
    for key in ("rn_T_K", "rn_T_auto", "direction_used", "direction_other", "sweep",
                "sweep_used", "sweep_rule", "rn_method", "rn_window_K", "rn_window_rule"):
        if key in tc_opts:
            opts[key] = tc_opts[key]
    vals = tcres["values"]
    T_mid, T_zero, T_on = (float(vals[k][0]) for k in ("Tc_mid_K", "Tc_zero_K", "Tc_onset_K"))
    sigma = float(tcres["sigma_R_ohm"])
    given = opts["sigma_R_ohm"] is not None
    indep = _independent_noise(data, T_zero, T_mid, T_on)
    check = sigma if given or not np.isfinite(indep) else indep
    ctx = _Ctx(data=data, rn=rn, opts=opts, sigma=sigma, sigma_given=given,
               sigma_check=check, floor=float(tcres["floor_ohm"]), T_mid=T_mid,
               T_zero=T_zero, T_on=T_on, tcres=tcres,
               notes=list(data.notes) + list(tcres["notes"]),
               sweeps=tc_opts.get("_sweep_table"))
    if given:
        ctx.flags += check_noise_consistency(sigma, indep, what="sigma_R_ohm")
    refuse_short_span(data.T_K, vals)
    if not (T_zero < T_mid):
        raise RefusedError(f"bkt-rt: Tc_zero = {T_zero:.4g} K is not below Tc_mid = "
                           f"{T_mid:.4g} K: no resistive transition to zero")
    return ctx


def _auto_window(ctx: _Ctx, lo_f: float, hi_f: float) -> np.ndarray:
    """Points between the highest-T crossings of lo_f*R_N (at least the floor) and hi_f*R_N."""
    T, R = ctx.data.T_K, ctx.data.R_ohm
    RN = ctx.rn(T)
    c_lo, _ = _tc.crossing_temperature(ctx.data, np.maximum(lo_f * RN, ctx.floor), ctx.sigma,
                                       f"T(R = {lo_f:.3g} R_N)")
    c_hi, _ = _tc.crossing_temperature(ctx.data, hi_f * RN, ctx.sigma,
                                       f"T(R = {hi_f:.3g} R_N)")
    return (T >= c_lo.T_K) & (T <= c_hi.T_K) & (R > ctx.floor)


def _given_window(ctx: _Ctx, lo: float, hi: float) -> np.ndarray:
    T, R = ctx.data.T_K, ctx.data.R_ohm
    return (T >= lo) & (T <= hi) & (R > ctx.floor)


def _main_window(ctx: _Ctx) -> np.ndarray:
    if ctx.opts["window"] is not None:
        return _given_window(ctx, *map(float, ctx.opts["window"]))
    return _auto_window(ctx, *map(float, ctx.opts["fractions"]))


def _window_variants(ctx: _Ctx) -> list[tuple[str, np.ndarray]]:
    """The window ladder: two variants around the main window (MODELS 4.1 pitfall a)."""
    out = []
    if ctx.opts["window"] is None:
        lo, hi = map(float, ctx.opts["fractions"])
        for lf, hf in ((2 * lo, 2 * hi / 3), (lo / 2, min(0.9, 4 * hi / 3))):
            if not lf < hf:
                continue
            try:
                out.append((f"fractions={lf:.3g},{hf:.3g}", _auto_window(ctx, lf, hf)))
            except FitError:
                continue
    else:
        a, b = map(float, ctx.opts["window"])
        w = b - a
        for lo, hi in ((a + 0.1 * w, b), (a, b - 0.2 * w)):
            out.append((f"window={lo:.4g},{hi:.4g}", _given_window(ctx, lo, hi)))
    return out


# ---------------------------------------------------------------------------------------
# procedure: fits


def _fit_window(ctx: _Ctx, mask: np.ndarray, Tc0_fixed: float | None,
                start: float | None = None) -> tuple[Any, np.ndarray, np.ndarray]:
    """One BKT fit of the points in ``mask`` (lmfit result, T and R of the fitted points)."""
    T, R = ctx.data.T_K[mask], ctx.data.R_ohm[mask]
    form = ctx.opts["form"]
    if form == "with_Tc0" and Tc0_fixed is not None:
        keep = T < Tc0_fixed - _delta(Tc0_fixed)
        T, R = T[keep], R[keep]
    if T.size < 5:
        raise FitError(f"BKT fit ({form}): {T.size} points in the window, need at least 5 "
                       f"({ctx.data.source})")
    T_min_bkt = 0.5 * ctx.T_zero if 0 < ctx.T_zero < T.min() else None
    res = _fit_hn_lmfit(T, R, form=form, R_N_ohm=ctx.rn.R_N_ohm, sigma_R_ohm=ctx.sigma,
                        scale_covar=ctx.scale_covar, T_bkt_min_K=T_min_bkt, Tc0_K=Tc0_fixed,
                        T_bkt_start_K=start)
    return res, T, R


def _fit_multistart(ctx: _Ctx, mask: np.ndarray, Tc0_fixed: float | None
                    ) -> tuple[Any, np.ndarray, np.ndarray]:
    """Fit from the grid-scan start and from T_BKT starts across its bound range; keep the
    lowest chi-square and flag equally good minima that disagree (local_minimum)."""
    res, Tw, Rw = _fit_window(ctx, mask, Tc0_fixed)
    lo, hi = float(res.params["T_bkt"].min), float(res.params["T_bkt"].max)
    runs = [res]
    for f in _STARTS:
        try:
            runs.append(_fit_window(ctx, mask, Tc0_fixed, start=lo + f * (hi - lo))[0])
        except (FitError, *_NUMERIC_ERRORS):
            continue
    good = [r for r in runs if np.isfinite(r.chisqr)]
    best = min(good, key=lambda r: r.chisqr)
    ctx.flags += check_multistart(
        "T_BKT", [r.params["T_bkt"].value for r in good],
        [r.params["T_bkt"].stderr or np.nan for r in good],
        chisqr=[r.chisqr for r in good], what=f"BKT fit ({ctx.opts['form']})")
    return best, Tw, Rw


def _tc0_for_form(ctx: _Ctx, al_res: Any) -> tuple[float | None, float | None]:
    """(fixed Tc0, its 1-sigma error) of the with_Tc0 form; (None, None) when free/unused."""
    if ctx.opts["form"] != "with_Tc0":
        return None, None
    tc0 = ctx.opts["tc0"]
    if tc0 == "al":
        if al_res is None:
            raise FitError("form='with_Tc0' with tc0='al' needs the AL fit, which failed "
                           "or was switched off; give tc0='free' or a number (K)")
        p = al_res.params["Tc0"]
        return float(p.value), (float(p.stderr) if p.stderr else None)
    if tc0 == "free":
        return None, None
    return float(tc0), None


def _ladder(ctx: _Ctx, Tc0_fixed: float | None, Tb: float
            ) -> tuple[list[dict[str, Any]], list[Any]]:
    """Refit the window variants (started at the main T_BKT): ladder rows and results."""
    rows: list[dict[str, Any]] = []
    fits: list[Any] = []
    for label, m in _window_variants(ctx):
        try:
            r, *_ = _fit_window(ctx, m, Tc0_fixed, start=Tb)
        except (FitError, *_NUMERIC_ERRORS) as exc:
            rows.append({"window": label, "error": str(exc)})
            continue
        p = r.params["T_bkt"]
        rows.append({"window": label, "T_BKT_K": float(p.value), "stderr_K": p.stderr,
                     "ndata": int(r.ndata)})
        fits.append(r)
    return rows, fits


def window_systematic(main: tuple[float, float | None],
                      variants: list[tuple[float, float | None]]) -> float:
    """Half the spread of a value over nested fit windows, less what noise explains.

    For nested windows the statistical variance of the shift ``d = v - v_main`` is
    ``|sigma_v**2 - sigma_main**2|`` (Hausman); each shift is reduced to
    ``sign(d)*sqrt(max(0, d**2 - |sigma_v**2 - sigma_main**2|))`` and the systematic is
    half the spread of ``{0, reduced shifts}``.

    Parameters
    ----------
    main
        (value, 1-sigma error or None) of the main fit.
    variants
        (value, error or None) of each window variant.

    Returns
    -------
    float
        The window systematic (same unit as the value).
    """
    v0, e0 = main
    shifts = [0.0]
    for v, e in variants:
        d = float(v) - float(v0)
        noise2 = (abs(e * e - e0 * e0) if e is not None and e0 is not None
                  and np.isfinite(e * e0) else 0.0)
        shifts.append(float(np.sign(d)) * excess_shift(d, float(np.sqrt(noise2))))
    return 0.5 * (max(shifts) - min(shifts))


def _param_sys(main: Any, fits: list[Any], name: str) -> float:
    p = main.params[name]
    return window_systematic((p.value, p.stderr),
                             [(r.params[name].value, r.params[name].stderr) for r in fits])


def _tc0_systematic(ctx: _Ctx, mask: np.ndarray, Tc0: float, err: float | None,
                    Tb: float) -> float | None:
    """with_Tc0, tc0='al': half the change of T_BKT when Tc0 moves by +/- its error."""
    if not err:
        return None
    out = []
    for t in (Tc0 - err, Tc0 + err):
        try:
            out.append(float(_fit_window(ctx, mask, t, start=Tb)[0].params["T_bkt"].value))
        except (FitError, *_NUMERIC_ERRORS):
            return None
    return 0.5 * abs(out[1] - out[0])


# ---------------------------------------------------------------------------------------
# procedure: Aslamazov-Larkin


def _al_mask(ctx: _Ctx, lo_frac: float, eps_max: float) -> np.ndarray:
    T, R = ctx.data.T_K, ctx.data.R_ohm
    c, _ = _tc.crossing_temperature(ctx.data, lo_frac * ctx.rn(T), ctx.sigma,
                                    f"T({lo_frac:.3g} R_N)")
    return (T >= c.T_K) & (T <= ctx.T_mid * (1 + eps_max)) & (R > ctx.floor)


def _al_masks(ctx: _Ctx) -> list[np.ndarray]:
    """Main AL window first, then two variants for the window systematic of Tc0_AL."""
    o = ctx.opts
    if o["al_window"] is not None:
        a, b = map(float, o["al_window"])
        w = b - a
        return [_given_window(ctx, lo, hi) for lo, hi in ((a, b), (a + 0.1 * w, b),
                                                          (a, b - 0.2 * w))]
    e = float(o["al_eps_max"])
    return [_al_mask(ctx, 0.5, e), _al_mask(ctx, 0.6, 2 * e / 3),
            _al_mask(ctx, 0.4, 4 * e / 3)]


def _fit_al_mask(ctx: _Ctx, mask: np.ndarray) -> Any:
    o = ctx.opts
    T, R = ctx.data.T_K[mask], ctx.data.R_ohm[mask]
    return _fit_al_lmfit(T, R, sigma_R_ohm=ctx.sigma if ctx.sigma_given else None,
                         Tc0_bounds_K=(ctx.T_zero, ctx.T_on), R_N_ohm=ctx.rn.R_N_ohm,
                         form=o["al_reduced_temperature"], prefactor=o["al_prefactor"],
                         background=o["al_background"])


def _al_step(ctx: _Ctx) -> tuple[Any, np.ndarray | None, float | None]:
    """AL fit (flags instead of errors); returns (result or None, its mask, window sys)."""
    if not ctx.opts["al"]:
        return None, None, None
    try:
        masks = _al_masks(ctx)
        res = _fit_al_mask(ctx, masks[0])
    except (FitError, *_NUMERIC_ERRORS) as exc:
        ctx.flags.append(warn("candidate_failed", f"Aslamazov-Larkin fit (Tc0_AL) not done: "
                              f"{exc}"))
        return None, None, None
    fits = []
    for m in masks[1:]:
        try:
            fits.append(_fit_al_mask(ctx, m))
        except (FitError, *_NUMERIC_ERRORS):
            continue
    R = ctx.data.R_ohm[masks[0]]
    gof = check_goodness_of_fit(R - res.best_fit, ctx.sigma_check, res.nvarys,
                                what="Aslamazov-Larkin fit")
    # the AL Tc0 is a secondary result: its misfit warns, it does not fail T_BKT
    ctx.flags += [warn(f.code, f.message) for f in gof]
    if ctx.opts["al_prefactor"] == "free" and res.params["C_AL"].value > 10:
        ctx.notes.append(f"C_AL = {res.params['C_AL'].value:.3g} >> 1: transition much "
                         "broader than pure AL (inhomogeneity), Tc0_AL is effective")
    return res, masks[0], (_param_sys(res, fits, "Tc0") if fits else None)


# ---------------------------------------------------------------------------------------
# procedure: quality


def _check_fit(ctx: _Ctx, res: Any, Tw: np.ndarray, Rw: np.ndarray) -> list[Flag]:
    """Goodness of fit against the independent noise, bounds, error bars, point count."""
    form = ctx.opts["form"]
    what = f"BKT fit ({form})"
    flags = []
    sig = ctx.sigma_check
    if np.isfinite(sig) and sig > 0:
        flags += check_goodness_of_fit(np.log(Rw) - res.best_fit, sig / Rw, res.nvarys,
                                       what=what)
    flags += _check_bounds(res.params, _PUBLIC[form], what)
    if not (getattr(res, "errorbars", False) and res.covar is not None):
        flags.append(fail("no_errorbars", f"{what}: the covariance could not be estimated "
                          "(parameter at a bound or not identifiable): no honest error"))
    flags += check_points(int(Tw.size), _MIN_GOOD_POINTS, what="points in the BKT window",
                          severity="warn")
    return flags


def _check_bounds(params: lmfit.Parameters, public: dict[str, str], what: str) -> list[Flag]:
    """at_bound (fail): linear closeness for ordinary bounds; for positive bounds spanning
    more than two decades (R0 in (1e-3, 1e3) R_N) closeness is measured in ln."""
    lin, logs = lmfit.Parameters(), []
    for name, p in params.items():
        if not p.vary or p.expr:
            continue
        if p.min > 0 and np.isfinite(p.max) and p.max / p.min > 100:
            logs.append((name, p))
        else:
            lin.add(name, value=p.value, min=p.min, max=p.max)
    flags = check_bounds(lin, public=public, what=what)
    for name, p in logs:
        span = np.log(p.max / p.min)
        for bnd, side in ((p.min, "lower"), (p.max, "upper")):
            if abs(np.log(max(p.value, 1e-300) / bnd)) <= 0.01 * span:
                flags.append(fail("at_bound", f"{what}: {public.get(name, name)} = "
                                  f"{p.value:.4g} is at its {side} bound {bnd:.4g}: not "
                                  "determined by the data"))
    return flags


def _check_window(ctx: _Ctx, Tw: np.ndarray, Rw: np.ndarray) -> list[Flag]:
    """window_outside_model: a fit window in the normal state (or above Tc_onset)."""
    frac = float(np.mean(Rw > 0.9 * ctx.rn(Tw)))
    flags = []
    if frac > 0.5:
        flags.append(fail("window_outside_model", f"{100 * frac:.0f} % of the BKT window "
                          f"points ({Tw.min():.4g}-{Tw.max():.4g} K) have R > 0.9 R_N: the "
                          "window lies in the normal state, not in the BKT regime"))
    elif Tw.min() > ctx.T_on:
        flags.append(fail("window_outside_model", f"the BKT window starts at {Tw.min():.4g} K,"
                          f" above Tc_onset = {ctx.T_on:.4g} K"))
    return flags


_STEP_BINS = 12  # bins per transition width (Tc_onset - Tc_zero) for the step search


def _step_curve(ctx: _Ctx) -> tuple[np.ndarray, np.ndarray, float]:
    """The transition region (Tc_zero - width/2 .. Tc_onset + width/2), averaged in bins of
    width/12 when the points are denser, so that noise on dense data does not split one
    step into several dR/dT maxima; also the noise (Ohm) of one averaged point."""
    T, R = ctx.data.T_K, ctx.data.R_ohm
    sig = ctx.sigma_check if np.isfinite(ctx.sigma_check) else ctx.sigma
    width = max(ctx.T_on - ctx.T_zero, 0.0)
    m = (T >= ctx.T_zero - 0.5 * width) & (T <= ctx.T_on + 0.5 * width)
    T, R = T[m], R[m]
    if T.size < 3 or width <= 0 or np.median(np.diff(T)) >= width / _STEP_BINS:
        return T, R, float(sig)
    n = int(np.ceil((T[-1] - T[0]) / (width / _STEP_BINS)))
    idx = np.minimum(((T - T[0]) / (width / _STEP_BINS)).astype(int), n - 1)
    c = np.bincount(idx, minlength=n)
    ok = c > 0
    return (np.bincount(idx, T, minlength=n)[ok] / c[ok],
            np.bincount(idx, R, minlength=n)[ok] / c[ok],
            float(sig / np.sqrt(max(float(np.median(c[ok])), 1.0))))


def _separated(T: np.ndarray, R: np.ndarray, sigma: float, steps: list[float]
               ) -> list[float]:
    """Keep only steps whose dR/dT maxima are separated by a dip below half the smaller
    maximum, deeper than 3 times the noise of dR/dT (noise splits one broad maximum into
    neighbours without such a dip)."""
    Tm = 0.5 * (T[1:] + T[:-1])
    dT = np.maximum(np.diff(T), 1e-300)
    d = np.diff(R) / dT
    sig_d = np.sqrt(2.0) * sigma / float(np.median(dT)) if np.isfinite(sigma) else 0.0
    kept = [steps[0]]
    for s in steps[1:]:
        a, b = kept[-1], s
        between = d[(Tm > a) & (Tm < b)]
        peak = min(float(np.interp(a, Tm, d)), float(np.interp(b, Tm, d)))
        if between.size and float(between.min()) < min(0.5 * peak, peak - 3 * sig_d):
            kept.append(s)
        elif np.interp(b, Tm, d) > np.interp(a, Tm, d):
            kept[-1] = s
    return kept


def _check_multistep(ctx: _Ctx) -> list[Flag]:
    """multi_step: fail, unless the user's window lies within one step (then warn)."""
    Ts, Rs, sig = _step_curve(ctx)
    flags, steps = check_steps(Ts, Rs, severity="fail", what="the resistive transition")
    if not flags or len(steps := _separated(Ts, Rs, sig, steps)) < 2:
        return []
    temps = ", ".join(f"{t:.4g}" for t in steps)
    msg = (f"the resistive transition has {len(steps)} separated steps (dR/dT maxima at "
           f"{temps} K)")
    if ctx.opts["window"] is not None:
        lo, hi = map(float, ctx.opts["window"])
        cuts = [0.5 * (a + b) for a, b in zip(steps[:-1], steps[1:], strict=True)]
        if not any(lo < c < hi for c in cuts):
            return [warn("multi_step", msg + "; the given window lies within one step")]
    return [fail("multi_step", msg + ": a BKT fit of the whole R(T) does not apply "
                 "(restrict 'window' to one step)")]


def _check_values(ctx: _Ctx, Tb: float, al_res: Any, params: dict[str, Any]) -> list[Flag]:
    """extrapolated / bkt_inconsistent: T_BKT and Tc0 against the data and each other."""
    T = ctx.data.T_K
    flags = check_inside("T_BKT", Tb, float(T.min()), float(T.max()),
                         what="temperature range of the data", severity="fail")
    if Tb > ctx.T_mid:
        flags.append(warn("bkt_inconsistent", f"T_BKT = {Tb:.4g} K lies above Tc_mid = "
                          f"{ctx.T_mid:.4g} K (unphysical; check the window)"))
    if al_res is not None:
        flags += check_inside("Tc0_AL", float(al_res.params["Tc0"].value), Tb, ctx.T_on,
                              what="range [T_BKT, Tc_onset] (T_BKT < Tc0 < Tc_onset)")
    if ctx.opts["form"] == "with_Tc0" and ctx.opts["tc0"] == "free" and "Tc0_K" in params:
        v = as_param(params["Tc0_K"])[0]
        flags += check_inside("Tc0 (with_Tc0)", v, Tb, ctx.T_on,
                              what="range [T_BKT, Tc_onset]")
    return flags


# ---------------------------------------------------------------------------------------
# procedure: analyze


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``bkt-rt``: BKT fit of R(T) with AL Tc0 and the linearisation.

    Parameters
    ----------
    measurements
        R(T) measurement(s) with ``T_K`` and a resistance column (sheet resistance).
    **options
        See :data:`SPEC` (also every R_N / criterion option of kind ``tc``).

    Returns
    -------
    FitResult
        params ``T_BKT_K`` (+ ``b``, ``R0_ohm`` | ``b_HN``, ``a``, ``Tc0_K`` | ``b_bcg``,
        ``A``), ``T_BKT_K_window_spread``, ``Tc0_AL_K``, ``C_AL``, ``T_BKT_lin_K``,
        ``b_prime_lin_sqrtK``, ``Tc0_from_b_K``, ``R_N_ohm``, ``Tc_mid_K``, ``Tc_zero_K``;
        ``budget`` of ``T_BKT_K`` (and ``Tc0_AL_K``, ``Tc0_K``); ``quality`` flags (see
        the module docstring).

    Raises
    ------
    OptionError
        Unknown option or bad value (before any work).
    RefusedError
        No resistive transition to zero in the data.
    FitError, DataFormatError
        Too few points in the window, numerical failure.
    """
    opts = SPEC.resolve(options)
    try:
        # overflow/underflow in exp of far-off trial parameters is expected and guarded
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            return _analyze(measurements, opts)
    except KtoError:
        raise
    except _NUMERIC_ERRORS as exc:
        raise FitError(f"bkt-rt: numerical failure ({type(exc).__name__}: {exc})") from None


def _analyze(measurements: list[Measurement], opts: dict[str, Any]) -> FitResult:
    ctx = _front_end(measurements, opts)
    params: dict[str, Any] = {}
    budget: dict[str, Any] = {}
    al_res, al_mask, al_sys = _al_step(ctx)
    if al_res is not None:
        params.update(params_from_lmfit(al_res, {"Tc0": "Tc0_AL_K", "C_AL": "C_AL"},
                                        require_errorbars=False))
        params["Tc0_AL_K"], budget["Tc0_AL_K"] = combine_errors(
            params["Tc0_AL_K"], sys={"window": al_sys} if al_sys is not None else {})
    Tc0_fixed, Tc0_err = _tc0_for_form(ctx, al_res)

    mask = _main_window(ctx)
    res, Tw, Rw = _fit_multistart(ctx, mask, Tc0_fixed)
    params.update(params_from_lmfit(res, _PUBLIC[opts["form"]], require_errorbars=False))
    Tb = float(res.params["T_bkt"].value)
    if opts["form"] == "bcg_interpolation":
        params["b_simple_equiv"] = 2 * params["b_bcg"]
    if opts["form"] == "with_Tc0" and Tc0_fixed is not None:
        params["Tc0_K"] = (params["Tc0_AL_K"] if opts["tc0"] == "al" else Tc0_fixed)
        if opts["tc0"] == "al" and "Tc0_AL_K" in budget:
            budget["Tc0_K"] = budget["Tc0_AL_K"]

    ladder = _t_bkt_budget(ctx, res, mask, Tc0_fixed, Tc0_err, params, budget)
    lin = _linearization_step(ctx, Tw, Rw, params)
    _derived(ctx, params)

    flags = list(ctx.flags)
    flags += _check_fit(ctx, res, Tw, Rw)
    flags += _check_window(ctx, Tw, Rw)
    flags += _check_multistep(ctx)
    flags += _check_values(ctx, Tb, al_res, params)
    tot = as_param(params["T_BKT_K"])[1]
    if tot is not None and np.isfinite(tot) and tot > 0.1 * abs(Tb):
        flags.append(warn("large_uncertainty", f"T_BKT = {Tb:.4g} +/- {tot:.2g} K: error above "
                          "10 % of the value"))
    return _build_result(ctx, res, Tw, Rw, al_res, al_mask, lin, params, budget, ladder,
                         Quality(tuple(dict.fromkeys(flags))), measurements)


def _t_bkt_budget(ctx: _Ctx, res: Any, mask: np.ndarray, Tc0_fixed: float | None,
                  Tc0_err: float | None, params: dict[str, Any], budget: dict[str, Any]
                  ) -> list[dict[str, Any]]:
    """Window ladder and Tc0 systematics; fills the budgets of T_BKT_K (and a free Tc0_K).
    Returns the ladder rows."""
    opts = ctx.opts
    Tb = float(res.params["T_bkt"].value)
    sys: dict[str, float] = {}
    tc0_sys: dict[str, float] = {}
    ladder: list[dict[str, Any]] = []
    if opts["ladder"]:
        ladder, fits = _ladder(ctx, Tc0_fixed, Tb)
        if fits:
            vals = [Tb] + [float(r.params["T_bkt"].value) for r in fits]
            params["T_BKT_K_window_spread"] = 0.5 * (max(vals) - min(vals))
            sys["window"] = _param_sys(res, fits, "T_bkt")
            if opts["form"] == "with_Tc0" and Tc0_fixed is None:
                tc0_sys["window"] = _param_sys(res, fits, "Tc0")
        else:
            ctx.notes.append("window ladder: no variant could be fitted; no window systematic")
    if Tc0_fixed is not None and opts["tc0"] == "al":
        s = _tc0_systematic(ctx, mask, Tc0_fixed, Tc0_err, Tb)
        if s is not None:
            sys["Tc0_AL"] = s
    params["T_BKT_K"], budget["T_BKT_K"] = combine_errors(params["T_BKT_K"], sys=sys)
    if opts["form"] == "with_Tc0" and opts["tc0"] == "free" and "Tc0_K" in params:
        params["Tc0_K"], budget["Tc0_K"] = combine_errors(params["Tc0_K"], sys=tc0_sys)
    return ladder


def _linearization_step(ctx: _Ctx, Tw: np.ndarray, Rw: np.ndarray,
                        params: dict[str, Any]) -> dict[str, Any] | None:
    from uncertainties import ufloat

    if not ctx.opts["linearization"]:
        return None
    try:
        lin = hn_linearization(Tw, Rw, savgol_points=ctx.opts["savgol_points"])
    except (FitError, *_NUMERIC_ERRORS) as exc:
        ctx.notes.append(f"linearisation not done: {exc}")
        return None
    err = lin["T_BKT_err_K"]
    params["T_BKT_lin_K"] = ufloat(lin["T_BKT_K"], err) if np.isfinite(err) else lin["T_BKT_K"]
    params["b_prime_lin_sqrtK"] = lin["b_prime"]
    return lin


def _derived(ctx: _Ctx, params: dict[str, Any]) -> None:
    """Tc0 implied by b, R_N and the tc temperatures."""
    from uncertainties import ufloat

    if ctx.opts["form"] == "simple":
        bH = float(ctx.opts["b_HN_assumed"])
        params["Tc0_from_b_K"] = params["T_BKT_K"] * (1 + params["b"] ** 2 / (4 * bH))
    rn = ctx.rn
    params["R_N_ohm"] = (ufloat(rn(ctx.T_mid), rn.scatter_ohm) if rn.scatter_ohm > 0
                         else float(rn(ctx.T_mid)))
    for name in ("Tc_mid_K", "Tc_zero_K"):
        v, e = ctx.tcres["values"][name]
        params[name] = ufloat(v, e) if e and np.isfinite(e) and e > 0 else v


def _build_result(ctx: _Ctx, res: Any, Tw: np.ndarray, Rw: np.ndarray, al_res: Any,
                  al_mask: np.ndarray | None, lin: dict[str, Any] | None,
                  params: dict[str, Any], budget: dict[str, Any],
                  ladder: list[dict[str, Any]], quality: Quality,
                  measurements: list[Measurement]) -> FitResult:
    opts = dict(ctx.opts)
    T = ctx.data.T_K
    opts["fit_space"] = "ln R, weights R/sigma_R"
    opts["sigma_R_source"] = ctx.tcres["sigma_source"]
    opts["scale_covar_used"] = ctx.scale_covar
    opts["goodness_noise_ohm"] = ctx.sigma_check
    opts["tc_definitions"] = {"T_BKT": f"T_BKT_HN ({opts['form']})",
                              "T_BKT_lin": "[dlnR/dT]^(-2/3) intercept",
                              "Tc0_AL": "Aslamazov-Larkin mean-field Tc0"}
    provenance = {
        "files": [str(m.source) for m in measurements],
        "columns": {"x": "T_K", "y": measurements[0].resistance_column()},
        "window_K": [float(Tw.min()), float(Tw.max())],
        "window_source": "given" if opts["window"] is not None else "automatic",
        "al_window_K": ([float(T[al_mask].min()), float(T[al_mask].max())]
                        if al_res is not None and al_mask is not None else None),
        "units": {"T": "K", "R": "Ohm"},
        "R_N": {"method": ctx.rn.method, "T_ref_K": ctx.rn.T_ref_K,
                "scatter_ohm": ctx.rn.scatter_ohm},
        "window_ladder": ladder, "notes": ctx.notes,
    }
    if ctx.sweeps is not None:
        provenance["sweeps"] = ctx.sweeps
    plotdata = _plotdata(ctx, res, Tw, Rw, al_res, al_mask, lin)
    stats = stats_from_lmfit(res)
    return FitResult(kind="bkt-rt", params=params, stats=stats, options=opts,
                     provenance=provenance, data=plotdata, lmfit_result=res,
                     quality=quality, budget=budget)


def _plotdata(ctx: _Ctx, res: Any, Tw: np.ndarray, Rw: np.ndarray, al_res: Any,
              al_mask: np.ndarray | None, lin: dict[str, Any] | None) -> dict[str, Any]:
    T, R = ctx.data.T_K, ctx.data.R_ohm
    Tf = np.linspace(Tw.min(), Tw.max(), 200)
    lnf = res.eval(T=Tf)
    try:
        band = res.eval_uncertainty(T=Tf, sigma=1)
    except Exception:  # noqa: BLE001 - the band is cosmetic
        band = np.zeros_like(Tf)
    band = np.clip(np.where(np.isfinite(band), band, 0.0), 0.0, 50.0)
    d: dict[str, Any] = {
        "T_K": T, "R_ohm": R, "T_win_K": Tw, "R_win_ohm": Rw,
        "resid_lnR": np.log(Rw) - res.eval(T=Tw), "T_fit_K": Tf, "R_fit_ohm": np.exp(lnf),
        "R_lo_ohm": np.exp(lnf - band), "R_hi_ohm": np.exp(lnf + band),
        "form": ctx.opts["form"], "floor_ohm": ctx.floor,
    }
    if al_res is not None and al_mask is not None:
        Ta = np.linspace(T[al_mask].min(), T[al_mask].max(), 200)
        d |= {"T_al_K": Ta, "R_al_ohm": al_res.eval(T=Ta)}
    if lin is not None:
        d |= {"lin_T_K": lin["T_grid_K"], "lin_y": lin["y"],
              "lin_slope": lin["slope"], "lin_intercept": lin["intercept"]}
    return d


def plot(result: FitResult, fig: Any) -> None:
    """R(T) on a log scale with the BKT fit (+/-1 sigma band) and the AL fit; residuals of
    ln R; right panel: the [d ln R/dT]^(-2/3) linearisation.

    The figure code lives in :mod:`ktoanalysis.transport.plots.bkt`.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_hn`, :func:`~ktoanalysis.transport.fluct.fit_al`)
        without plot data.
    """
    from .plots import draw

    draw(result, fig)
