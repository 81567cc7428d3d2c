"""BKT analysis of R(T): Halperin-Nelson fits, linearisation, AL Tc0 (MODELS.md 3, 4.1-4.4).

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
or given as ``window=[Tmin, Tmax]`` (K); a window ladder reports the systematic spread of
T_BKT separately (``T_BKT_K_window_spread``). Reported alongside: the
``[d ln R/dT]**(-2/3)`` linearisation (MODELS 4.4, ``T_BKT_lin_K``) and the
Aslamazov-Larkin mean-field ``Tc0_AL_K`` (MODELS 3, see :mod:`.fluct`).
"""

from __future__ import annotations

from typing import Any, Literal

import lmfit
import numpy as np
from scipy.signal import savgol_filter

from ..errors import FitError
from ..io.measurement import Measurement
from ..units import HBAR, K_B, E
from . import tc as _tc
from .fluct import fit_al
from .options import check_options
from .result import FitResult, params_from_lmfit, stats_from_lmfit

__all__ = [
    "halperin_nelson", "ln_halperin_nelson", "halperin_nelson_tc0", "ln_halperin_nelson_tc0",
    "bcg", "ln_bcg", "universal_stiffness", "kinetic_inductance_at_bkt", "iv_exponent",
    "HalperinNelsonModel", "fit_hn", "hn_linearization", "OPTIONS",
    "analyze", "plot",
]

HNForm = Literal["simple", "with_Tc0", "bcg_interpolation"]
_TINY = 1e-12
_DELTA_K = 1e-4  # T_BKT stays this far below the lowest fitted temperature

# ---------------------------------------------------------------------------------------
# lineshapes (pure numpy)


def _reduced(T: np.ndarray, T_bkt: float) -> np.ndarray:
    T_bkt = max(float(T_bkt), _TINY)
    return np.maximum(np.asarray(T, float) / T_bkt - 1.0, _TINY)


def ln_halperin_nelson(T: np.ndarray, R0: float = 1e3, b: float = 1.0, T_bkt: float = 1.0
                       ) -> np.ndarray:
    """ln of the simple Halperin-Nelson resistance, ``ln R0 - b/sqrt(T/T_bkt - 1)``.

    Parameters
    ----------
    T
        Temperature (K), > T_bkt (clipped just above otherwise).
    R0
        Prefactor (Ohm).
    b
        Dimensionless vortex constant.
    T_bkt
        BKT temperature (K).
    """
    return np.log(max(float(R0), _TINY)) - b / np.sqrt(_reduced(T, T_bkt))


def halperin_nelson(T: np.ndarray, R0: float = 1e3, b: float = 1.0, T_bkt: float = 1.0
                    ) -> np.ndarray:
    """Simple Halperin-Nelson R(T) (Ohm), MODELS.md 4.1; see :func:`ln_halperin_nelson`."""
    return np.exp(ln_halperin_nelson(T, R0, b, T_bkt))


def ln_halperin_nelson_tc0(T: np.ndarray, a: float = 1.0, R_N: float = 1e3,
                           b_HN: float = 1.0, Tc0: float = 1.2, T_bkt: float = 1.0
                           ) -> np.ndarray:
    """ln of ``a*R_N*exp(-2*sqrt(b_HN*(Tc0 - T)/(T - T_bkt)))`` (MODELS.md 4.2).

    Parameters
    ----------
    T
        Temperature (K), T_bkt < T < Tc0 (clipped outside).
    a
        Dimensionless prefactor.
    R_N
        Normal-state resistance (Ohm).
    b_HN
        Dimensionless constant of order 1.
    Tc0
        Mean-field temperature (K).
    T_bkt
        BKT temperature (K).
    """
    T = np.asarray(T, float)
    num = np.maximum(Tc0 - T, 0.0)
    den = np.maximum(T - T_bkt, _TINY * max(abs(T_bkt), 1.0))
    return (np.log(max(a * R_N, _TINY))
            - 2.0 * np.sqrt(max(b_HN, 0.0) * num / den))


def halperin_nelson_tc0(T: np.ndarray, a: float = 1.0, R_N: float = 1e3, b_HN: float = 1.0,
                        Tc0: float = 1.2, T_bkt: float = 1.0) -> np.ndarray:
    """Halperin-Nelson R(T) (Ohm) with the mean-field Tc0; see :func:`ln_halperin_nelson_tc0`."""
    return np.exp(ln_halperin_nelson_tc0(T, a, R_N, b_HN, Tc0, T_bkt))


def ln_bcg(T: np.ndarray, R_N: float = 1e3, A: float = 1.0, b: float = 0.5,
           T_bkt: float = 1.0) -> np.ndarray:
    """ln of the Benfatto-Castellani-Giamarchi interpolation (MODELS.md 4.3).

    ``R = R_N/(1 + (4/A**2)*sinh(b/sqrt(t))**2)``, ``t = T/T_bkt - 1``, evaluated without
    overflow: ``ln(1 + exp(s))`` with ``s = ln(4/A**2) + 2*ln(sinh(x))``.

    Parameters
    ----------
    T
        Temperature (K).
    R_N
        Normal-state resistance (Ohm).
    A
        Dimensionless amplitude of the vortex correlation length.
    b
        BCG constant (half of the simple-form b).
    T_bkt
        BKT temperature (K).
    """
    x = np.maximum(b / np.sqrt(_reduced(T, T_bkt)), _TINY)
    ln_sinh = x + np.log1p(-np.exp(-2.0 * x)) - np.log(2.0)
    s = np.log(4.0 / max(A, _TINY) ** 2) + 2.0 * ln_sinh
    return np.log(max(R_N, _TINY)) - np.logaddexp(0.0, s)


def bcg(T: np.ndarray, R_N: float = 1e3, A: float = 1.0, b: float = 0.5, T_bkt: float = 1.0
        ) -> np.ndarray:
    """BCG interpolation R(T) (Ohm); see :func:`ln_bcg`."""
    return np.exp(ln_bcg(T, R_N, A, b, T_bkt))


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


class HalperinNelsonModel(lmfit.Model):
    """lmfit model of ln R(T) for the BKT forms (independent variable ``T`` in K).

    Parameters
    ----------
    form
        ASSUMPTION ``hn_form``: ``"simple"`` (parameters R0, b, T_bkt), ``"with_Tc0"``
        (a, R_N, b_HN, Tc0, T_bkt; R_N fixed by default) or ``"bcg_interpolation"``
        (R_N, A, b, T_bkt; R_N fixed by default).
    """

    valid_forms = ("simple", "with_Tc0", "bcg_interpolation")

    def __init__(self, form: HNForm = "simple", **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"form must be one of {self.valid_forms}, not {form!r}")
        func = {"simple": ln_halperin_nelson, "with_Tc0": ln_halperin_nelson_tc0,
                "bcg_interpolation": ln_bcg}[form]
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(func, **kwargs)
        self.form = form
        self.set_param_hint("T_bkt", min=0.0)
        if form == "simple":
            self.set_param_hint("R0", min=0.0)
            self.set_param_hint("b", min=0.01, max=50.0)
        elif form == "with_Tc0":
            self.set_param_hint("a", min=0.01, max=100.0)
            self.set_param_hint("b_HN", min=0.01, max=10.0)
            self.set_param_hint("R_N", vary=False)
            self.set_param_hint("b_equiv", expr="2*sqrt(b_HN*(Tc0 - T_bkt)/T_bkt)")
        else:
            self.set_param_hint("A", min=0.1, max=10.0)
            self.set_param_hint("b", min=0.005, max=25.0)
            self.set_param_hint("R_N", vary=False)

    def guess(self, data: np.ndarray, T: np.ndarray, R_N: float | None = None,
              **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a grid scan of T_bkt with a linear solve for (ln R0, b).

        Parameters
        ----------
        data
            ln R (R in Ohm).
        T
            Temperature (K).
        R_N
            Normal-state resistance (Ohm), needed by the with_Tc0 and BCG forms.
        """
        y, T = np.asarray(data, float), np.asarray(T, float)
        Tmin = float(T.min())
        best = (np.inf, 0.9 * Tmin, 1.0, float(np.max(y)))
        for Tb in Tmin * (1 - np.geomspace(1e-5, 0.6, 300)):
            x = 1.0 / np.sqrt(T / Tb - 1.0)
            X = np.column_stack([np.ones_like(x), -x])
            coef, *_ = np.linalg.lstsq(X, y, rcond=None)
            r = float(np.sum((y - X @ coef) ** 2))
            if r < best[0] and coef[1] > 0:
                best = (r, Tb, float(coef[1]), float(coef[0]))
        _, Tb, b, lnR0 = best
        R0 = float(np.exp(lnR0))
        RN = R0 if R_N is None else float(R_N)
        if self.form == "simple":
            pars = self.make_params(R0=R0, b=b, T_bkt=Tb)
        elif self.form == "with_Tc0":
            Tc0 = Tb * (1 + b * b / 4.0)
            pars = self.make_params(a=min(max(R0 / RN, 0.02), 50.0), R_N=RN, b_HN=1.0,
                                    Tc0=Tc0, T_bkt=Tb)
        else:
            pars = self.make_params(R_N=RN, A=min(max(np.sqrt(R0 / RN), 0.11), 9.0),
                                    b=b / 2.0, T_bkt=Tb)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


def fit_hn(T_K: np.ndarray, R_ohm: np.ndarray, *, form: HNForm = "simple",
           R_N_ohm: float | None = None, sigma_R_ohm: float | None = None,
           scale_covar: bool | None = None, T_bkt_min_K: float | None = None,
           Tc0_K: float | None = None, Tc0_max_K: float | None = None
           ) -> lmfit.model.ModelResult:
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

    Returns
    -------
    lmfit.model.ModelResult

    Raises
    ------
    FitError
        Too few points, R <= 0, missing R_N.
    """
    T = np.asarray(T_K, float)
    R = np.asarray(R_ohm, float)
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
    y = np.log(R)
    pars = model.guess(y, T=T, R_N=R_N_ohm)
    Tmax_bkt = float(T.min()) - _DELTA_K
    Tmin_bkt = 0.5 * float(T.min()) if T_bkt_min_K is None else float(T_bkt_min_K)
    Tmin_bkt = min(Tmin_bkt, 0.99 * Tmax_bkt)
    pars["T_bkt"].set(min=Tmin_bkt, max=Tmax_bkt,
                      value=min(max(pars["T_bkt"].value, Tmin_bkt + 1e-6), Tmax_bkt - 1e-6))
    if form == "simple" and R_N_ohm is not None:
        pars["R0"].set(min=1e-3 * R_N_ohm, max=1e3 * R_N_ohm,
                       value=min(max(pars["R0"].value, 1.001e-3 * R_N_ohm), 999 * R_N_ohm))
    if form == "with_Tc0":
        if Tc0_K is not None:
            if Tc0_K <= T.max():
                raise FitError(f"with_Tc0: Tc0 = {Tc0_K:.4g} K must exceed every fitted "
                               f"temperature (max {T.max():.4g} K)")
            pars["Tc0"].set(value=float(Tc0_K), vary=False)
        else:
            lo = float(T.max()) + _DELTA_K
            hi = 2 * float(T.max()) if Tc0_max_K is None else float(Tc0_max_K)
            pars["Tc0"].set(min=lo, max=hi, value=min(max(pars["Tc0"].value, lo * 1.01),
                                                      0.99 * hi))
        b_simple = 2 * np.sqrt(max(pars["b_HN"].value, 0.01) *
                               (pars["Tc0"].value - pars["T_bkt"].value) / pars["T_bkt"].value)
        # start b_HN from the simple-form guess of b
        b0 = model.guess(y, T=T).get("b")
        if b0 is not None and b_simple > 0:
            pars["b_HN"].set(value=float(np.clip(
                b0.value ** 2 * pars["T_bkt"].value
                / (4 * (pars["Tc0"].value - pars["T_bkt"].value)), 0.011, 9.9)))
    kw: dict[str, Any] = {}
    if sigma_R_ohm is not None:
        kw["weights"] = R / float(sigma_R_ohm)
        kw["scale_covar"] = False if scale_covar is None else scale_covar
    elif scale_covar is not None:
        kw["scale_covar"] = scale_covar
    return model.fit(y, pars, T=T, **kw)


# ---------------------------------------------------------------------------------------
# linearisation (MODELS.md 4.4)


def hn_linearization(T_K: np.ndarray, R_ohm: np.ndarray, *, savgol_points: int | None = None,
                     polyorder: int = 3, n_grid: int | None = None) -> dict[str, Any]:
    """``[d ln R/dT]**(-2/3)`` versus T and its straight-line T intercept (MODELS.md 4.4).

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
# procedure

OPTIONS: dict[str, str] = {
    "form": "ASSUMPTION hn_form: 'simple' (default, MODELS 4.1), 'with_Tc0' (4.2), "
            "'bcg_interpolation' (4.3)",
    "window": "[Tmin, Tmax] (K) of the BKT fit; default: automatic from 'fractions'",
    "fractions": "[low, high] fractions of R_N bounding the automatic window "
                 "(default [0.01, 0.3]); points below the zero floor never enter",
    "ladder": "run the window ladder (default true); spread reported as "
              "T_BKT_K_window_spread (half range), not folded into the error",
    "tc0": "with_Tc0: 'al' (default, Tc0 fixed to the AL fit), 'free', or a number (K)",
    "b_HN_assumed": "b_HN used to convert the simple-form b into an implied Tc0 "
                    "(Tc0 = T_BKT*(1 + b^2/(4 b_HN)), default 1)",
    "al": "fit Aslamazov-Larkin paraconductivity for Tc0 (default true)",
    "al_window": "[Tmin, Tmax] (K) of the AL fit; default [T(0.5 R_N), Tc_mid*(1+al_eps_max)]",
    "al_eps_max": "upper reduced temperature of the automatic AL window (default 0.3)",
    "al_reduced_temperature": "ASSUMPTION: 'log' (default) or 'linear'",
    "al_prefactor": "ASSUMPTION: 'free' (default, C_AL in (0.1, 1e3)) or 'fixed' (C_AL=1)",
    "al_background": "ASSUMPTION: 'none' (default) or 'linear' normal-state slope",
    "linearization": "report the [dlnR/dT]^(-2/3) intercept T_BKT_lin_K (default true)",
    "savgol_points": "Savitzky-Golay window of the linearisation (grid points, odd)",
    "scale_covar": "lmfit covariance scaling; default false when sigma_R_ohm is given, "
                   "true (errors scaled by reduced chi-square) when sigma_R is estimated",
} | {k: v for k, v in _tc.OPTIONS.items() if k not in ("onset_method",)}

_DEFAULTS: dict[str, Any] = dict(_tc._DEFAULTS) | {
    "form": "simple", "window": None, "fractions": [0.01, 0.3], "ladder": True,
    "tc0": "al", "b_HN_assumed": 1.0, "al": True, "al_window": None, "al_eps_max": 0.3,
    "al_reduced_temperature": "log", "al_prefactor": "free", "al_background": "none",
    "linearization": True, "savgol_points": None, "scale_covar": None,
}

_PUBLIC = {
    "simple": {"T_bkt": "T_BKT_K", "b": "b", "R0": "R0_ohm"},
    "with_Tc0": {"T_bkt": "T_BKT_K", "b_HN": "b_HN", "a": "a", "Tc0": "Tc0_K",
                 "b_equiv": "b"},
    "bcg_interpolation": {"T_bkt": "T_BKT_K", "b": "b_bcg", "A": "A"},
}


def _window_mask(data: _tc.RTData, rn: _tc.NormalState, lo_f: float, hi_f: float,
                 floor: float, sigma: float) -> np.ndarray:
    """Points between the highest-T crossings of lo_f*R_N and hi_f*R_N, above the floor."""
    T, R = data.T_K, data.R_ohm
    RN = rn(T)
    c_lo, _ = _tc.crossing_temperature(data, np.maximum(lo_f * RN, floor), sigma,
                                       f"T(R = {lo_f} R_N)")
    c_hi, _ = _tc.crossing_temperature(data, hi_f * RN, sigma, f"T(R = {hi_f} R_N)")
    return (T >= c_lo.T_K) & (T <= c_hi.T_K) & (R > floor)


def _fit_in(data, mask, opts, rn, sigma, sigma_given, Tc0_fixed, T_zero):
    T, R = data.T_K[mask], data.R_ohm[mask]
    form = opts["form"]
    if form == "with_Tc0" and Tc0_fixed is not None:
        keep = T < Tc0_fixed - _DELTA_K
        T, R = T[keep], R[keep]
    if T.size < 5:
        raise FitError(f"BKT fit ({form}): {T.size} points in the window, need at least 5 "
                       f"({data.source})")
    return fit_hn(T, R, form=form, R_N_ohm=rn.R_N_ohm,
                  sigma_R_ohm=sigma, scale_covar=(opts["scale_covar"] if opts["scale_covar"]
                                                  is not None else not sigma_given),
                  T_bkt_min_K=0.5 * T_zero if T_zero < T.min() else None,
                  Tc0_K=Tc0_fixed), T, R


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``bkt-rt``: BKT fit of R(T) with AL Tc0 and the linearisation.

    Parameters
    ----------
    measurements
        R(T) measurement(s) with ``T_K`` and a resistance column (sheet resistance).
    **options
        See :data:`OPTIONS` (also every R_N / criterion option of kind ``tc``).

    Returns
    -------
    FitResult
        params ``T_BKT_K`` (+ ``b``, ``R0_ohm`` | ``b_HN``, ``a``, ``Tc0_K`` | ``b_bcg``,
        ``A``), ``T_BKT_K_window_spread``, ``Tc0_AL_K``, ``C_AL``, ``T_BKT_lin_K``,
        ``b_prime_lin_sqrtK``, ``Tc0_from_b_K``, ``R_N_ohm``, ``Tc_mid_K``, ``Tc_zero_K``.

    Raises
    ------
    FitError, DataFormatError
        Bad options or data, no transition, too few points in the window.
    """
    from uncertainties import ufloat

    opts = check_options(options, dict(_DEFAULTS), "bkt-rt")
    if opts["form"] not in HalperinNelsonModel.valid_forms:
        raise FitError(f"form must be one of {HalperinNelsonModel.valid_forms}, "
                       f"not {opts['form']!r}")
    tc_opts = {k: opts[k] for k in _tc._DEFAULTS}
    data, rn, tcres = _tc.analyze_rt(measurements, tc_opts)
    opts["rn_T_K"] = tc_opts["rn_T_K"]
    if "rn_T_auto" in tc_opts:
        opts["rn_T_auto"] = True
    sigma = float(tcres["sigma_R_ohm"])
    sigma_given = opts["sigma_R_ohm"] is not None
    floor = float(tcres["floor_ohm"])
    T_mid = tcres["values"]["Tc_mid_K"][0]
    T_zero = tcres["values"]["Tc_zero_K"][0]
    T_on = tcres["values"]["Tc_onset_K"][0]
    notes = list(data.notes) + list(tcres["notes"])
    flags: list[str] = []
    params: dict[str, Any] = {}
    T, R = data.T_K, data.R_ohm

    # --- Aslamazov-Larkin (needed first for with_Tc0 / tc0='al')
    al_res = None
    al_mask = None
    if opts["al"]:
        try:
            if opts["al_window"] is not None:
                lo, hi = map(float, opts["al_window"])
            else:
                c50, _ = _tc.crossing_temperature(data, 0.5 * rn(T), sigma, "T(0.5 R_N)")
                lo, hi = c50.T_K, T_mid * (1 + float(opts["al_eps_max"]))
            al_mask = (T >= lo) & (T <= hi) & (R > floor)
            al_res = fit_al(T[al_mask], R[al_mask], sigma_R_ohm=sigma if sigma_given else None,
                            Tc0_bounds_K=(T_zero, T_on), R_N_ohm=rn.R_N_ohm,
                            form=opts["al_reduced_temperature"],
                            prefactor=opts["al_prefactor"], background=opts["al_background"])
            params.update(params_from_lmfit(al_res, {"Tc0": "Tc0_AL_K", "C_AL": "C_AL"}))
            if opts["al_prefactor"] == "free" and al_res.params["C_AL"].value > 10:
                flags.append(f"C_AL = {al_res.params['C_AL'].value:.3g} >> 1: transition much "
                             "broader than pure AL (inhomogeneity), Tc0 is effective")
        except FitError as exc:
            notes.append(f"Aslamazov-Larkin fit not done: {exc}")
            al_res = None

    # --- Tc0 for the with_Tc0 form
    Tc0_fixed: float | None = None
    if opts["form"] == "with_Tc0":
        if opts["tc0"] == "al":
            if al_res is None:
                raise FitError("form='with_Tc0' with tc0='al' needs the AL fit, which failed "
                               "or was switched off; give tc0='free' or a number (K)")
            Tc0_fixed = float(al_res.params["Tc0"].value)
        elif opts["tc0"] == "free":
            Tc0_fixed = None
        else:
            try:
                Tc0_fixed = float(opts["tc0"])
            except (TypeError, ValueError):
                raise FitError(f"tc0 must be 'al', 'free' or a number, not {opts['tc0']!r}"
                               ) from None

    # --- window and main fit
    lo_f, hi_f = map(float, opts["fractions"])
    if not 0 < lo_f < hi_f < 1:
        raise FitError(f"fractions must satisfy 0 < low < high < 1, got {opts['fractions']}")
    if opts["window"] is not None:
        wlo, whi = map(float, opts["window"])
        if not wlo < whi:
            raise FitError(f"window must be [Tmin, Tmax] with Tmin < Tmax, got {opts['window']}")
        mask = (T >= wlo) & (T <= whi) & (R > floor)
        window_src = "given"
    else:
        mask = _window_mask(data, rn, lo_f, hi_f, floor, sigma)
        window_src = "automatic"
    res, Tw, Rw = _fit_in(data, mask, opts, rn, sigma, sigma_given, Tc0_fixed, T_zero)
    params.update(params_from_lmfit(res, _PUBLIC[opts["form"]]))
    if opts["form"] == "bcg_interpolation":
        params["b_simple_equiv"] = 2 * params["b_bcg"]
    if opts["form"] == "with_Tc0" and Tc0_fixed is not None:
        params["Tc0_K"] = Tc0_fixed
    Tb = res.params["T_bkt"].value
    if res.params["T_bkt"].max - Tb < 1e-3 * (res.params["T_bkt"].max - res.params["T_bkt"].min):
        flags.append("T_BKT at its upper bound (just below the lowest fitted temperature)")

    # --- window ladder
    ladder: list[dict[str, Any]] = []
    if opts["ladder"]:
        if opts["window"] is None:
            variants = [(lf, hf) for lf in (lo_f, 2 * lo_f) for hf in
                        (0.6 * hi_f, hi_f, min(0.9, 1.5 * hi_f))]
            masks = [(f"fractions={lf:.3g},{hf:.3g}",
                      _window_mask(data, rn, lf, hf, floor, sigma)) for lf, hf in variants]
        else:
            width = whi - wlo
            masks = [(f"window={a:.4g},{b:.4g}", (T >= a) & (T <= b) & (R > floor))
                     for a in (wlo, wlo + 0.1 * width) for b in (whi - 0.2 * width, whi,
                                                               whi + 0.2 * width)]
        for label, m in masks:
            try:
                r, *_ = _fit_in(data, m, opts, rn, sigma, sigma_given, Tc0_fixed, T_zero)
                ladder.append({"window": label, "T_BKT_K": float(r.params["T_bkt"].value),
                               "stderr_K": r.params["T_bkt"].stderr, "ndata": int(r.ndata)})
            except FitError as exc:
                ladder.append({"window": label, "error": str(exc)})
        vals = [x["T_BKT_K"] for x in ladder if "T_BKT_K" in x]
        if len(vals) >= 2:
            params["T_BKT_K_window_spread"] = 0.5 * (max(vals) - min(vals))

    # --- linearisation
    lin = None
    if opts["linearization"]:
        try:
            lin = hn_linearization(Tw, Rw, savgol_points=opts["savgol_points"])
            params["T_BKT_lin_K"] = ufloat(lin["T_BKT_K"], lin["T_BKT_err_K"])
            params["b_prime_lin_sqrtK"] = lin["b_prime"]
        except FitError as exc:
            notes.append(f"linearisation not done: {exc}")

    # --- consistency checks
    if opts["form"] == "simple":
        bH = float(opts["b_HN_assumed"])
        params["Tc0_from_b_K"] = params["T_BKT_K"] * (1 + params["b"] ** 2 / (4 * bH))
    if Tb > T_mid:
        flags.append(f"T_BKT = {Tb:.4g} K lies above Tc_mid = {T_mid:.4g} K (unphysical; "
                     "check the window)")
    if al_res is not None and not Tb < al_res.params["Tc0"].value:
        flags.append("T_BKT >= Tc0_AL: inconsistent with T_BKT < Tc0 < Tc_onset")
    params["R_N_ohm"] = (ufloat(rn(T_mid), rn.scatter_ohm) if rn.scatter_ohm > 0
                         else float(rn(T_mid)))
    for name in ("Tc_mid_K", "Tc_zero_K"):
        v, e = tcres["values"][name]
        params[name] = ufloat(v, e) if e else v

    opts = dict(opts)
    opts["fit_space"] = "ln R, weights R/sigma_R"
    opts["sigma_R_source"] = tcres["sigma_source"]
    opts["scale_covar_used"] = (opts["scale_covar"] if opts["scale_covar"] is not None
                                else not sigma_given)
    opts["tc_definitions"] = {"T_BKT": f"T_BKT_HN ({opts['form']})",
                              "T_BKT_lin": "[dlnR/dT]^(-2/3) intercept",
                              "Tc0_AL": "Aslamazov-Larkin mean-field Tc0"}
    provenance = {
        "files": [str(m.source) for m in measurements],
        "columns": {"x": "T_K", "y": measurements[0].resistance_column()},
        "window_K": [float(Tw.min()), float(Tw.max())], "window_source": window_src,
        "al_window_K": ([float(T[al_mask].min()), float(T[al_mask].max())]
                        if al_res is not None else None),
        "units": {"T": "K", "R": "Ohm"},
        "R_N": {"method": rn.method, "T_ref_K": rn.T_ref_K, "scatter_ohm": rn.scatter_ohm},
        "window_ladder": ladder, "notes": notes, "flags": flags,
    }
    Tf = np.linspace(Tw.min(), Tw.max(), 200)
    lnf = res.eval(T=Tf)
    try:
        band = res.eval_uncertainty(T=Tf, sigma=1)
    except Exception:  # pragma: no cover - band is cosmetic
        band = np.zeros_like(Tf)
    plotdata: dict[str, Any] = {
        "T_K": T, "R_ohm": R, "T_win_K": Tw, "R_win_ohm": Rw,
        "resid_lnR": np.log(Rw) - res.eval(T=Tw), "T_fit_K": Tf, "R_fit_ohm": np.exp(lnf),
        "R_lo_ohm": np.exp(lnf - band), "R_hi_ohm": np.exp(lnf + band),
        "form": opts["form"], "floor_ohm": floor,
    }
    if al_res is not None:
        Ta = np.linspace(T[al_mask].min(), T[al_mask].max(), 200)
        plotdata |= {"T_al_K": Ta, "R_al_ohm": al_res.eval(T=Ta)}
    if lin is not None:
        plotdata |= {"lin_T_K": lin["T_grid_K"], "lin_y": lin["y"],
                     "lin_slope": lin["slope"], "lin_intercept": lin["intercept"]}
    return FitResult(kind="bkt-rt", params=params, stats=stats_from_lmfit(res), options=opts,
                     provenance=provenance, data=plotdata, lmfit_result=res)


def plot(result: FitResult, fig: Any) -> None:
    """R(T) on a log scale with the BKT fit (+/-1 sigma band) and the AL fit; residuals of
    ln R; right panel: the [d ln R/dT]^(-2/3) linearisation."""
    d = result.data
    gs = fig.add_gridspec(2, 2, height_ratios=[3, 1], width_ratios=[3, 2])
    ax = fig.add_subplot(gs[0, 0])
    axr = fig.add_subplot(gs[1, 0], sharex=ax)
    axl = fig.add_subplot(gs[:, 1])
    ax.tick_params(labelbottom=False)
    T, R = np.asarray(d["T_K"]), np.asarray(d["R_ohm"])
    pos = R > 0
    ax.semilogy(T[pos], R[pos], ".", ms=3, color="0.6", label="data")
    ax.semilogy(d["T_win_K"], d["R_win_ohm"], ".", ms=4, color="C0", label="fit window")
    Tb = result.value("T_BKT_K")
    ax.semilogy(d["T_fit_K"], d["R_fit_ohm"], "-", color="C3",
                label=f"BKT {d['form']}: T_BKT = {Tb:.4g} K")
    ax.fill_between(d["T_fit_K"], d["R_lo_ohm"], d["R_hi_ohm"], color="C3", alpha=0.3,
                    label="1 sigma band")
    if "T_al_K" in d:
        ax.semilogy(d["T_al_K"], d["R_al_ohm"], "--", color="C2",
                    label=f"AL: Tc0 = {result.value('Tc0_AL_K'):.4g} K")
    ax.axvline(Tb, color="C3", ls=":", lw=1)
    ax.set_ylabel("R (Ohm)")
    ax.set_ylim(bottom=max(0.3 * float(np.min(d["R_win_ohm"])), 1e-3 * float(R.max())))
    ax.legend(fontsize=7)
    axr.plot(d["T_win_K"], d["resid_lnR"], ".", color="C0")
    axr.axhline(0, color="0.3", lw=0.8)
    axr.set_xlabel("T (K)")
    axr.set_ylabel("ln R residual")
    if "lin_T_K" in d:
        x = np.asarray(d["lin_T_K"])
        axl.plot(x, d["lin_y"], ".", ms=3, color="C0", label="[d lnR/dT]^(-2/3)")
        xx = np.linspace(min(x.min(), result.value("T_BKT_lin_K")), x.max(), 50)
        axl.plot(xx, d["lin_slope"] * xx + d["lin_intercept"], "-", color="C3",
                 label=f"T_BKT_lin = {result.value('T_BKT_lin_K'):.4g} K")
        axl.axhline(0, color="0.3", lw=0.8)
        axl.legend(fontsize=7)
    axl.set_xlabel("T (K)")
    axl.set_ylabel("[d ln R/dT]^(-2/3) (K^(2/3))")
