"""lmfit models of the transport lineshapes (second layer).

As ``lmfit/models.py``: each class wraps one function of
:mod:`ktoanalysis.transport.lineshapes` in an ``lmfit.Model``, sets bounds and derived
quantities with ``set_param_hint`` (``expr`` hints propagate correlated errors), and
offers ``guess(data, x)`` ending with ``update_param_vals`` so that user keywords win.
A variant is a named option (``form=``, with ``valid_forms``), not a new class.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import lmfit
import numpy as np

from ..errors import FitError
from ..units import HBAR, K_B, MU_B, PHI0, E
from . import _lmfit_guard  # noqa: F401  (numpy error state kept when a fit raises)
from .lineshapes import (
    EPS_MIN,
    G_AL_S,
    TINY,
    WHH_ORBITAL_RATIO,
    PauliCoefficient,
    ReducedT,
    ThetaConvention,
    ag_pair_breaking,
    aslamazov_larkin,
    gl3d_hc2,
    gl_par_hc2,
    gl_perp_hc2,
    hall_odd,
    ic_ambegaokar_baratoff,
    ic_gl,
    ic_power_law,
    klb_hc2,
    ln_bcg,
    ln_halperin_nelson,
    ln_halperin_nelson_tc0,
    log_gz_qps_reduced,
    log_lamh_reduced,
    pauli_limit,
    power_law_log,
    reentrant_tc,
    tinkham_hc2,
    tiny,
    whh_hc2,
)

__all__ = ["HNForm", "ModelName", "ALPHA_BOUNDS", "HalperinNelsonModel", "hn_linear_start",
           "AslamazovLarkinModel", "PowerLawModel", "HallModel", "PhaseSlipModel",
           "TinkhamModel", "AnisotropicGLModel", "GLPerpModel", "GLParModel", "WHHModel",
           "KLBModel", "IcGLModel", "IcPowerLawModel", "IcABModel",
           "MagnetoconductanceModel", "ReentrantTcModel"]

HNForm = Literal["simple", "with_Tc0", "bcg_interpolation"]
ModelName = Literal["taps", "qps", "taps+qps"]
_DEG = math.pi / 180.0
#: bounds of alpha in the power-law fit (docs/models/iv_power_law.md)
ALPHA_BOUNDS = (0.8, 30.0)


# --------------------------------------------------------------------------------------
# BKT (docs/models/bkt_rt.md)


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
              T_bkt: float | None = None, **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a grid scan of T_bkt with a linear solve for (ln R0, b).

        Parameters
        ----------
        data
            ln R (R in Ohm).
        T
            Temperature (K).
        R_N
            Normal-state resistance (Ohm), needed by the with_Tc0 and BCG forms.
        T_bkt
            Start from this T_BKT (K) instead of the best one of the grid (multi-start);
            ln R0 and b are then solved for at this T_BKT.
        """
        Tb, b, lnR0 = hn_linear_start(data, T, T_bkt)
        R0 = float(np.exp(min(lnR0, 700.0)))
        RN = R0 if R_N is None else float(R_N)
        if self.form == "simple":
            pars = self.make_params(R0=R0, b=b, T_bkt=Tb)
        elif self.form == "with_Tc0":
            Tc0 = Tb * (1 + b * b / 4.0)
            pars = self.make_params(a=min(max(R0 / RN, 0.02), 50.0), R_N=RN, b_HN=1.0,
                                    Tc0=Tc0, T_bkt=Tb)
        else:
            pars = self.make_params(R_N=RN, A=min(max(np.sqrt(R0 / RN), 0.11), 9.0),
                                    b=min(max(b / 2.0, 0.006), 24.0), T_bkt=Tb)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


def hn_linear_start(lnR: np.ndarray, T_K: np.ndarray, T_bkt_K: float | None = None
                    ) -> tuple[float, float, float]:
    """Simple-form start ``(T_BKT, b, ln R0)``: linear least squares of ln R on
    ``1/sqrt(T/T_BKT - 1)`` at fixed T_BKT, on a grid of T_BKT below min(T) or at the given one.

    Parameters
    ----------
    lnR
        ln R (R in Ohm).
    T_K
        Temperature (K), all above ``T_bkt_K``.
    T_bkt_K
        Fixed T_BKT (K); ``None`` scans ``min(T)*(1 - geomspace(1e-5, 0.6))``.

    Returns
    -------
    (float, float, float)
        T_BKT (K), b (clipped to (0.02, 49)), ln R0.
    """
    y, T = np.asarray(lnR, float), np.asarray(T_K, float)
    Tmin = float(T.min())
    grid = Tmin * (1 - np.geomspace(1e-5, 0.6, 300)) if T_bkt_K is None else [float(T_bkt_K)]
    best = (np.inf, 0.9 * Tmin, 1.0, float(np.max(y)))
    for Tb in grid:
        x = 1.0 / np.sqrt(np.maximum(T / Tb - 1.0, EPS_MIN))
        X = np.column_stack([np.ones_like(x), -x])
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        r = float(np.sum((y - X @ coef) ** 2))
        if r < best[0] and (coef[1] > 0 or T_bkt_K is not None):
            best = (r, float(Tb), float(coef[1]), float(coef[0]))
    _, Tb, b, lnR0 = best
    return Tb, float(np.clip(b, 0.02, 49.0)), lnR0



# --------------------------------------------------------------------------------------
# Aslamazov-Larkin (docs/models/aslamazov_larkin.md)


class AslamazovLarkinModel(lmfit.Model):
    """lmfit model of :func:`aslamazov_larkin` (R_S in Ohm versus T in K).

    Parameters
    ----------
    form
        ASSUMPTION ``al_reduced_temperature``: ``"log"`` (default) or ``"linear"``.
    """

    valid_forms = ("log", "linear")

    def __init__(self, form: ReducedT = "log", **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"al_reduced_temperature must be one of {self.valid_forms}, "
                           f"not {form!r}")
        kwargs.setdefault("independent_vars", ["T"])

        def al(T, R_N0=1e3, Tc0=1.0, C_AL=1.0, A_N=0.0, T_ref=0.0):
            return aslamazov_larkin(T, R_N0, Tc0, C_AL, A_N, T_ref, form)

        super().__init__(al, **kwargs)
        self.form = form
        self.set_param_hint("R_N0", min=0.0)
        self.set_param_hint("C_AL", min=0.1, max=1e3)
        self.set_param_hint("Tc0", min=0.0)
        self.set_param_hint("A_N", value=0.0, vary=False)
        self.set_param_hint("T_ref", value=0.0, vary=False)

    def guess(self, data: np.ndarray, T: np.ndarray, R_N: float | None = None,
              **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a grid scan of (R_N0, Tc0) with a linear solve for C_AL in
        the linearised form ``1/R - 1/R_N0 = C_AL*G/eps``.

        Parameters
        ----------
        data
            Sheet resistance (Ohm).
        T
            Temperature (K).
        R_N
            Normal-state estimate (Ohm); the R_N0 grid spans (0.5, 2) R_N, else
            (1, 10) max(data).
        """
        data = np.asarray(data, float)
        T = np.asarray(T, float)
        top = float(np.max(data)) * 1.001
        rns = (np.geomspace(max(0.5 * R_N, top), 2.0 * R_N, 25) if R_N is not None
               and 2.0 * R_N > top else np.geomspace(top, 10 * top, 25))
        best = (np.inf, float(rns[0]), 0.9 * float(T.min()), 1.0)
        y = 1.0 / data[None, :] - 1.0 / rns[:, None]            # (n_rn, n)
        for Tc0 in T.min() * (1 - np.geomspace(1e-4, 0.5, 120)):
            eps = np.log(T / Tc0) if self.form == "log" else (T - Tc0) / Tc0
            x = G_AL_S / eps
            # linear solve for C_AL at every R_N0 of the grid at once
            C = np.clip((y @ x) / np.dot(x, x), 0.1, 1e3)       # (n_rn,)
            r = np.sum(((y - C[:, None] * x[None, :]) * data[None, :] ** 2) ** 2, axis=1)
            r = np.where(np.isfinite(r), r, np.inf)
            j = int(np.argmin(r))
            if r[j] < best[0]:
                best = (float(r[j]), float(rns[j]), float(Tc0), float(C[j]))
        pars = self.make_params(R_N0=best[1], Tc0=best[2], C_AL=best[3])
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)



# --------------------------------------------------------------------------------------
# I-V power law (docs/models/iv_power_law.md)


class PowerLawModel(lmfit.Model):
    """lmfit model of :func:`power_law_log`; alpha bounded to (0.8, 30)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["logI"])
        super().__init__(power_law_log, **kwargs)
        self.set_param_hint("alpha", min=ALPHA_BOUNDS[0], max=ALPHA_BOUNDS[1])

    def guess(self, data: np.ndarray, logI: np.ndarray, **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a straight-line least-squares fit."""
        s, c = np.polyfit(np.asarray(logI, float), np.asarray(data, float), 1)
        pars = self.make_params(alpha=float(np.clip(s, 0.81, 29.9)), c=float(c))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)



# --------------------------------------------------------------------------------------
# Hall (docs/models/hall_normal_state.md)


class HallModel(lmfit.Model):
    """lmfit model of the (antisymmetrised) Hall resistance.

    Parameters
    ----------
    form
        ``"linear"`` (default; single band, low field) or ``"cubic"`` (adds ``c3*B^3``, a
        phenomenological two-band/anomalous correction; R_H is then the B -> 0 slope).
    offset
        Fit the constant ``c`` (only for raw, not antisymmetrised, data).
    """

    valid_forms = ("linear", "cubic")

    def __init__(self, form: str = "linear", offset: bool = False, **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"form must be one of {self.valid_forms}, got {form!r}")
        self.form, self.offset = form, offset
        super().__init__(hall_odd, independent_vars=["B_T"], **kwargs)
        self.set_param_hint("c", value=0.0, vary=offset)
        self.set_param_hint("c3", value=0.0, vary=form == "cubic")

    def guess(self, data: np.ndarray, B_T: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Starting values from ``np.polyfit``."""
        deg = 3 if self.form == "cubic" else 1
        coef = np.polyfit(np.asarray(B_T, float), np.asarray(data, float), deg)
        pars = self.make_params()
        pars["R_H"].set(value=float(coef[-2]))
        if self.offset:
            pars["c"].set(value=float(coef[-1]))
        if self.form == "cubic":
            pars["c3"].set(value=float(coef[0]))
        return lmfit.models.update_param_vals(pars, self.prefix, **kws)



# --------------------------------------------------------------------------------------
# Phase slips (docs/models/lamh.md)


class PhaseSlipModel(lmfit.Model):
    """Phase-slip R(T) model, evaluated as ln R (``space="log"``, default) or R.

    Parameters (lmfit names)
    ------------------------
    Tc
        K; the Tc of the GL quantities (seed 004: T_C^zero).
    dF0_K
        LAMH barrier ``dF(0)/k_B`` in K.
    lnA
        ln of the TAPS amplitude in Ohm (wire); fixed to ``ln((4 hbar/e^2) L/xi0)`` for
        ``taps_amplitude="physical"``.
    a, lnc
        GZ action scale and ``ln(B1/B2)`` (QPS models).

    Options
    -------
    model
        ``"taps"``, ``"qps"`` or ``"taps+qps"`` (ASSUMPTION ``qps_combination``:
        ``R = R_TAPS + R_QPS``).
    taps_form
        ASSUMPTION ``taps_form``: ``"lamh_eq3"`` (seed 004 Eq. 3, default) or ``"little"``.
    taps_combination
        ASSUMPTION ``taps_combination``: ``"bare"`` (default) or ``"parallel_RN"``
        (``1/R = 1/R_N + 1/R_TAPS``).
    R_N_ohm
        Normal-state wire resistance (needed by ``little``, ``parallel_RN`` and QPS).
    """

    valid_models = ("taps", "qps", "taps+qps")
    valid_taps_forms = ("lamh_eq3", "little")
    valid_combinations = ("bare", "parallel_RN")

    def __init__(self, model: ModelName = "taps", taps_form: str = "lamh_eq3",
                 taps_combination: str = "bare", R_N_ohm: float | None = None,
                 space: Literal["log", "linear"] = "log", **kwargs: Any) -> None:
        if model not in self.valid_models:
            raise FitError(f"model must be one of {self.valid_models}, got {model!r}")
        if taps_form not in self.valid_taps_forms:
            raise FitError(f"taps_form must be one of {self.valid_taps_forms}, got {taps_form!r}")
        if taps_combination not in self.valid_combinations:
            raise FitError(f"taps_combination must be one of {self.valid_combinations}, "
                           f"got {taps_combination!r}")
        if space not in ("log", "linear"):
            raise FitError(f"fit_space must be 'log' or 'linear', got {space!r}")
        needs_rn = model != "taps" or taps_form == "little" or taps_combination == "parallel_RN"
        if needs_rn and (R_N_ohm is None or not R_N_ohm > 0):
            raise FitError(f"model {model!r} with taps_form={taps_form!r}, "
                           f"taps_combination={taps_combination!r} needs R_N_ohm (wire, Ohm)")
        self.ps_model, self.taps_form, self.combination = model, taps_form, taps_combination
        self.R_N_ohm, self.space = R_N_ohm, space
        lnrn = math.log(R_N_ohm) if R_N_ohm else 0.0

        def ln_taps(T, Tc, dF0_K, lnA):
            if taps_form == "little":
                u = np.clip(1.0 - T / Tc, 0.0, None)
                lr = lnrn - dF0_K * u**1.5 / np.maximum(T, tiny)
            else:
                lr = log_lamh_reduced(T, Tc, dF0_K, lnA)
            if taps_combination == "parallel_RN":
                lr = -np.logaddexp(-lnrn, -lr)
            return lr

        def out(lr):
            return lr if space == "log" else np.exp(lr)

        if model == "taps":
            def func(T, Tc=1.0, dF0_K=10.0, lnA=10.0):
                return out(ln_taps(T, Tc, dF0_K, lnA))
        elif model == "qps":
            def func(T, Tc=1.0, a=10.0, lnc=0.0):
                return out(log_gz_qps_reduced(T, Tc, a, lnc, R_N_ohm))
        else:
            def func(T, Tc=1.0, dF0_K=10.0, lnA=10.0, a=10.0, lnc=0.0):
                return out(np.logaddexp(ln_taps(T, Tc, dF0_K, lnA),
                                        log_gz_qps_reduced(T, Tc, a, lnc, R_N_ohm)))

        super().__init__(func, independent_vars=["T"], **kwargs)
        if "dF0_K" in self.param_names:
            self.set_param_hint("dF0_K", min=1e-3)
            self.set_param_hint("lnA", min=math.log(1e-6), max=math.log(1e9))
            if taps_form == "little":
                self.set_param_hint("lnA", value=0.0, vary=False)
        if "a" in self.param_names:
            self.set_param_hint("a", min=0.1, max=1e4)
            self.set_param_hint("lnc", min=math.log(1e-6), max=math.log(1e6))

    def guess(self, data: np.ndarray, T: np.ndarray, Tc: float | None = None,
              **kws: Any) -> lmfit.Parameters:
        """Starting values: grid over Tc (unless given) with a linear solve for the
        barrier and amplitude in ln R; grid over ``a`` for QPS."""
        T = np.asarray(T, dtype=float)
        lr = np.asarray(data, dtype=float) if self.space == "log" else np.log(data)
        tmax = float(T.max())
        tcs = [Tc] if Tc is not None else list(tmax * np.array([1.005, 1.02, 1.05, 1.1, 1.2,
                                                                1.35, 1.5, 1.8]))
        pars = self.make_params()
        if self.ps_model in ("taps", "taps+qps"):
            sel = T >= np.median(T) if self.ps_model == "taps+qps" else np.ones(T.size, bool)
            best = _guess_taps(T[sel], lr[sel], tcs, self.taps_form,
                               math.log(self.R_N_ohm) if self.R_N_ohm else 0.0)
            tc0, df0, lna = best
            pars["Tc"].set(value=tc0)
            pars["dF0_K"].set(value=df0)
            if pars["lnA"].vary:
                pars["lnA"].set(value=float(np.clip(lna, math.log(1e-6) + 1, math.log(1e9) - 1)))
        else:
            tc0 = tcs[min(2, len(tcs) - 1)]
            pars["Tc"].set(value=tc0)
        if self.ps_model in ("qps", "taps+qps"):
            if self.ps_model == "taps+qps":
                sel = T < np.median(T)
                base = np.exp(lr[sel]) - np.exp(_ln_taps_simple(T[sel], pars))
                base = np.where(base > 0, base, np.exp(lr[sel]) * 0.5)
                Tq, lq = T[sel], np.log(base)
            else:
                Tq, lq = T, lr
            a_best, lnc_best, ssr_best = 10.0, 0.0, np.inf
            for a in np.geomspace(0.2, 5e3, 60):
                g = log_gz_qps_reduced(Tq, pars["Tc"].value, a, 0.0, self.R_N_ohm)
                if not np.all(np.isfinite(g)):
                    continue
                lnc = float(np.mean(lq - g))
                ssr = float(np.sum((lq - g - lnc) ** 2))
                if ssr < ssr_best:
                    a_best, lnc_best, ssr_best = a, lnc, ssr
            pars["a"].set(value=a_best)
            pars["lnc"].set(value=float(np.clip(lnc_best, math.log(1e-6) + 0.5,
                                                math.log(1e6) - 0.5)))
        return lmfit.models.update_param_vals(pars, self.prefix, **kws)



# --------------------------------------------------------------------------------------
# Phase slips: guess helpers


def _ln_taps_simple(T: np.ndarray, pars: lmfit.Parameters) -> np.ndarray:
    return log_lamh_reduced(T, pars["Tc"].value, pars["dF0_K"].value, pars["lnA"].value)


def _guess_taps(T: np.ndarray, lr: np.ndarray, tcs: list[float], form: str,
                lnrn: float) -> tuple[float, float, float]:
    """Linear least squares of ln R in the barrier for each candidate Tc."""
    best = (tcs[0], 5.0 * tcs[0], 10.0)
    ssr_best = np.inf
    for tc in tcs:
        t = T / tc
        if np.any(t >= 1):
            continue
        u = 1.0 - t
        h = u**1.5 / (tc * t)
        if form == "little":
            y = lr - lnrn
            df0 = float(-np.sum(y * h) / max(np.sum(h * h), tiny))
            resid = y + df0 * h
            lna = 0.0
        else:
            g = 1.5 * np.log(u) - np.log(t) + 0.5 * np.log(h)
            y = lr - g
            if T.size < 3:
                continue
            slope, icpt = np.polyfit(h, y, 1)
            df0 = float(max(-slope, 0.1 * tc))
            lna = float(icpt - 0.5 * math.log(df0))
            resid = y - (icpt + slope * h)
        ssr = float(np.sum(resid**2))
        if ssr < ssr_best and df0 > 0:
            ssr_best, best = ssr, (tc, df0, lna)
    return best



# --------------------------------------------------------------------------------------
# Upper critical fields (docs/models/hc2_gl.md)


class _AngleModel(lmfit.Model):
    _func = None
    valid_conventions = ("from_normal", "from_plane")

    def __init__(self, convention: ThetaConvention = "from_normal", **kwargs: Any) -> None:
        if convention not in self.valid_conventions:
            raise FitError(f"theta_convention must be one of {self.valid_conventions}, "
                           f"got {convention!r}")
        func = type(self)._func

        def f(theta, H_perp=0.1, H_par=1.0, theta0=0.0):
            return func(theta, H_perp, H_par, theta0, convention)

        f.__name__ = func.__name__
        kwargs.setdefault("independent_vars", ["theta"])
        super().__init__(f, **kwargs)
        self.convention = convention
        self.set_param_hint("H_perp", min=0.0)
        self.set_param_hint("H_par", min=0.0)
        self.set_param_hint("theta0", min=-5 * _DEG, max=5 * _DEG)
        self.set_param_hint("anisotropy", expr=f"{self.prefix}H_par/{self.prefix}H_perp")

    def guess(self, data, theta, **kwargs):
        """Starting values: H_perp from the point nearest the perpendicular direction,
        H_par = max(H), theta0 = argmax(H) - 90 deg (clipped to +-5 deg)."""
        data = np.abs(np.asarray(data, dtype=float))
        theta = np.asarray(theta, dtype=float)
        perp_dir = 0.0 if self.convention == "from_normal" else math.pi / 2
        par_dir = math.pi / 2 if self.convention == "from_normal" else 0.0
        dist = np.abs(np.angle(np.exp(2j * (theta - perp_dir)))) / 2
        H_perp = float(data[np.argmin(dist)])
        H_par = float(np.max(data))
        imax = int(np.argmax(data))
        off = float(np.angle(np.exp(2j * (theta[imax] - par_dir))) / 2)
        if abs(off) < 1e-9:  # a round-off start (-2e-16) gives MINPACK a zero step
            off = 0.0
        pars = self.make_params(H_perp=min(H_perp, H_par), H_par=H_par,
                                theta0=float(np.clip(off, -4.9 * _DEG, 4.9 * _DEG)))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class TinkhamModel(_AngleModel):
    """2D Tinkham Hc2(theta) (seed 002); parameters H_perp, H_par [T], theta0 [rad]."""

    _func = staticmethod(tinkham_hc2)


class AnisotropicGLModel(_AngleModel):
    """3D anisotropic GL Hc2(theta); parameters H_perp, H_par [T], theta0 [rad]."""

    _func = staticmethod(gl3d_hc2)


def _xi_expr(prefix: str) -> str:
    return f"sqrt({PHI0!r}/(2*pi*{prefix}B0))"


class GLPerpModel(lmfit.Model):
    """GL perpendicular Hc2(T) = B0*(1 - T/Tc) (seed 004 Eq. 1).

    Parameters ``B0`` [T] (= phi0/(2 pi xi0^2), the GL-linear extrapolation) and ``Tc`` [K];
    derived (``expr``): ``xi0`` [m] and ``slope`` = dB/dT [T/K].
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(gl_perp_hc2, **kwargs)
        p = self.prefix
        self.set_param_hint("B0", min=0.0)
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("xi0", expr=_xi_expr(p))
        self.set_param_hint("slope", expr=f"-{p}B0/{p}Tc")

    def guess(self, data, T, **kwargs):
        """Linear regression of B on T: Tc = intercept/|slope|, B0 = intercept."""
        T = np.asarray(T, dtype=float)
        B = np.asarray(data, dtype=float)
        if T.size >= 2 and np.ptp(T) > 0:
            k, b = np.polyfit(T, B, 1)
        else:
            k, b = -1.0, float(B.max()) + 1.0
        if not (k < 0 and b > 0):
            k, b = -B.max() / max(T.max(), TINY), 2 * B.max()
        Tc = max(b / -k, 1.0001 * T.max())
        pars = self.make_params(B0=b, Tc=Tc)
        pars[f"{self.prefix}Tc"].set(min=float(T.max()) * (1 + 1e-9), max=10 * Tc)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class GLParModel(lmfit.Model):
    """2D-GL parallel Hc2(T) = B0*sqrt(1 - T/Tc) (seed 004 Eq. 2); B0 [T], Tc [K]."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(gl_par_hc2, **kwargs)
        self.set_param_hint("B0", min=0.0)
        self.set_param_hint("Tc", min=0.0)

    def guess(self, data, T, **kwargs):
        """Linear regression of B**2 on T."""
        T = np.asarray(T, dtype=float)
        B = np.asarray(data, dtype=float)
        if T.size >= 2 and np.ptp(T) > 0:
            k, b = np.polyfit(T, B**2, 1)
        else:
            k, b = -1.0, float(B.max()) ** 2 + 1.0
        if not (k < 0 and b > 0):
            k, b = -B.max() ** 2 / max(T.max(), TINY), 2 * B.max() ** 2
        Tc = max(b / -k, 1.0001 * T.max())
        pars = self.make_params(B0=math.sqrt(b), Tc=Tc)
        pars[f"{self.prefix}Tc"].set(min=float(T.max()) * (1 + 1e-9), max=10 * Tc)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class WHHModel(lmfit.Model):
    """Dirty-limit WHH Hc2(T) with Maki alpha and spin-orbit lam_so (§5.5).

    Parameters ``Tc`` [K], ``S`` = |dB/dT| at Tc [T/K], ``alpha``, ``lam_so`` [-].
    ``form`` (ASSUMPTION whh_form): ``"orbital"`` (alpha = lam_so = 0 fixed),
    ``"maki"`` (alpha tied to the slope, ``alpha = sqrt(2)*0.6927*S/c_P`` with the Pauli
    coefficient c_P [T/K] of ``pauli_coefficient``; lam_so free), ``"free"`` (both free).
    """

    valid_forms = ("orbital", "maki", "free")

    def __init__(self, form: str = "orbital", pauli_coefficient: PauliCoefficient = "bcs_1.764",
                 **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"whh form must be one of {self.valid_forms}, got {form!r}")
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(whh_hc2, **kwargs)
        self.form = form
        p = self.prefix
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("S", min=0.0)
        self.set_param_hint("alpha", min=0.0, max=20.0, value=0.0, vary=form == "free")
        self.set_param_hint("lam_so", min=0.0, max=100.0, value=0.0 if form == "orbital" else 1.0,
                            vary=form != "orbital")
        if form == "maki":
            c_P = float(pauli_limit(1.0, pauli_coefficient))
            self.set_param_hint("alpha", expr=f"{math.sqrt(2) * WHH_ORBITAL_RATIO / c_P!r}*{p}S")

    def guess(self, data, T, **kwargs):
        """Tc and S from a linear regression of B on T (near-Tc slope)."""
        gp = GLPerpModel().guess(data, T)
        Tc, B0 = gp["Tc"].value, gp["B0"].value
        pars = self.make_params(Tc=Tc, S=B0 / Tc)
        pars[f"{self.prefix}Tc"].set(min=gp["Tc"].min, max=gp["Tc"].max)
        if self.form == "free":  # spec guess alpha = 0.528*S, away from the bound at 0
            pars[f"{self.prefix}alpha"].set(value=float(np.clip(0.528 * B0 / Tc, 0.1, 10)))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class KLBModel(lmfit.Model):
    """KLB parallel Hc2(T): spin-orbit scattering plus optional thin-film orbital term.

    Parameters ``Tc`` [K], ``tau_so`` [s]; ``d`` [m] and ``D`` [m^2/s] are fixed inputs
    (ASSUMPTION klb_orbital: ``"none"`` -> d = 0, ``"thin_film"`` -> given d and D). d and
    tau_so enter only through the sum of their B**2 coefficients, so they cannot both be
    fitted from one Hc2(T) curve.
    """

    def __init__(self, d: float = 0.0, D: float = 0.0, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])

        def klb(T, Tc=1.0, log10_tau_so=-13.0):
            return klb_hc2(T, Tc, 10.0**log10_tau_so, d, D)

        super().__init__(klb, **kwargs)
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("log10_tau_so", min=-16.0, max=-10.0)
        self.set_param_hint("tau_so", expr=f"10**{self.prefix}log10_tau_so")

    def guess(self, data, T, **kwargs):
        """Tc from a 2D-GL guess; tau_so from the lowest-T point."""
        gp = GLParModel().guess(data, T)
        Tc = gp["Tc"].value
        T = np.asarray(T, dtype=float)
        i = int(np.argmin(T))
        B = float(np.asarray(data)[i])
        x = float(ag_pair_breaking(np.array([T[i] / Tc]))[0])
        tau = np.clip(K_B * Tc * x * HBAR / (3 * MU_B**2 * max(B, TINY) ** 2), 1.1e-16, 0.9e-10)
        pars = self.make_params(Tc=Tc, log10_tau_so=math.log10(tau))
        pars[f"{self.prefix}Tc"].set(min=gp["Tc"].min, max=gp["Tc"].max)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


# --------------------------------------------------------------------------------------
# critical current Ic(T) (kind critical-current)


def _ic_gl_start(data, T) -> tuple[float, float, float]:
    """(Ic0, Tc, Tmax) from the straight line Ic**(2/3) = Ic0**(2/3) (1 - T/Tc)."""
    T = np.asarray(T, dtype=float)
    Ic = np.abs(np.asarray(data, dtype=float))
    Tmax = float(T.max()) if T.size else 1.0
    k, b = -1.0, 0.0
    if T.size >= 2 and np.ptp(T) > 0:
        k, b = np.polyfit(T, Ic ** (2.0 / 3.0), 1)
    if not (k < 0 and b > 0):
        b, k = 2.0 * float(Ic.max() ** (2.0 / 3.0)), -float(Ic.max() ** (2.0 / 3.0)) / Tmax
    Tc = max(b / -k, 1.02 * Tmax)
    return float(b ** 1.5), float(Tc), Tmax


class IcGLModel(lmfit.Model):
    """GL critical current ``Ic0*(1 - T/Tc)**(3/2)``: ``Ic0_A`` [A], ``Tc_K`` [K]."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T_K"])
        super().__init__(ic_gl, **kwargs)
        self.set_param_hint("Ic0_A", min=0.0)
        self.set_param_hint("Tc_K", min=0.0)

    def guess(self, data, T_K, **kwargs):
        """Straight line of ``Ic**(2/3)`` against T; Tc above the highest data temperature."""
        Ic0, Tc, Tmax = _ic_gl_start(data, T_K)
        pars = self.make_params(Ic0_A=Ic0, Tc_K=Tc)
        pars[f"{self.prefix}Tc_K"].set(min=Tmax * (1 + 1e-9), max=np.inf)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class IcPowerLawModel(lmfit.Model):
    """Free power law ``Ic0*(1 - T/Tc)**p``: ``Ic0_A`` [A], ``Tc_K`` [K], ``p`` in (0.2, 6)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T_K"])
        super().__init__(ic_power_law, **kwargs)
        self.set_param_hint("Ic0_A", min=0.0)
        self.set_param_hint("Tc_K", min=0.0)
        self.set_param_hint("p", min=0.2, max=6.0)

    def guess(self, data, T_K, **kwargs):
        """The GL start (p = 3/2)."""
        Ic0, Tc, Tmax = _ic_gl_start(data, T_K)
        pars = self.make_params(Ic0_A=Ic0, Tc_K=Tc, p=1.5)
        pars[f"{self.prefix}Tc_K"].set(min=Tmax * (1 + 1e-9), max=np.inf)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class IcABModel(lmfit.Model):
    """Ambegaokar-Baratoff ``Ic(T)`` with the BCS gap: ``Ic0_A`` [A], ``Tc_K`` [K]; derived
    (``expr``) junction resistance ``R_N_ohm = pi*gap_ratio*k_B*Tc/(2 e Ic0)`` [Ohm].

    ``gap_ratio`` (Delta(0)/(k_B Tc), default weak-coupling BCS) is fixed, not fitted.
    """

    def __init__(self, gap_ratio: float | None = None, **kwargs: Any) -> None:
        from .lineshapes import BCS_GAP_RATIO

        g = BCS_GAP_RATIO if gap_ratio is None else float(gap_ratio)
        kwargs.setdefault("independent_vars", ["T_K"])

        def ab(T_K, Ic0_A=1e-4, Tc_K=1.0):
            return ic_ambegaokar_baratoff(T_K, Ic0_A, Tc_K, g)

        super().__init__(ab, **kwargs)
        p = self.prefix
        self.gap_ratio = g
        self.set_param_hint("Ic0_A", min=0.0)
        self.set_param_hint("Tc_K", min=0.0)
        self.set_param_hint("R_N_ohm", expr=f"{math.pi * g * K_B / (2 * E)!r}*{p}Tc_K/{p}Ic0_A")

    def guess(self, data, T_K, **kwargs):
        """Tc from the GL start; Ic0 from the lowest-temperature point."""
        _, Tc, Tmax = _ic_gl_start(data, T_K)
        T = np.asarray(T_K, dtype=float)
        Ic = np.abs(np.asarray(data, dtype=float))
        i = int(np.argmin(T))
        shape = float(ic_ambegaokar_baratoff(np.array([T[i]]), 1.0, Tc, self.gap_ratio)[0])
        pars = self.make_params(Ic0_A=float(Ic[i]) / max(shape, 1e-3), Tc_K=Tc)
        pars[f"{self.prefix}Tc_K"].set(min=Tmax * (1 + 1e-9), max=np.inf)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


# --------------------------------------------------------------------------------------
# weak (anti)localisation magnetoconductance (kind magnetoconductance)


class MagnetoconductanceModel(lmfit.Model):
    """lmfit model of Delta sigma(B) in units of e^2/(pi h) (independent variable ``B_T``).

    ``ds0 + WAL(B) + c2*B**2``: ``ds0`` absorbs the unknown exact sigma(0) of the data,
    ``c2`` (e^2/(pi h) per T^2) is the optional classical background.

    Parameters
    ----------
    form
        ``"hln_alpha"`` (B_phi, alpha), ``"hln_so"`` (B_phi, B_so), ``"ilp"`` (B_phi,
        B_so: linear Rashba splitting, no cubic term) or ``"mf"`` (B_phi, B_so, with the
        Zeeman scale ``B_z = 4 e D B_so/(g mu_B)`` tied to B_so); see
        :mod:`ktoanalysis.transport.lineshapes` ``wal_*``.
    background
        ``"none"`` (c2 fixed at 0) or ``"b2"`` (c2 free).
    D_m2_per_s, g_factor
        Diffusion constant (m^2/s) and g factor of the Zeeman term (``mf`` only).
    """

    valid_forms = ("hln_alpha", "hln_so", "ilp", "mf")

    def __init__(self, form: str = "hln_alpha", background: str = "none",
                 D_m2_per_s: float | None = None, g_factor: float = 2.0,
                 **kwargs: Any) -> None:
        from .lineshapes import wal_hln_alpha, wal_hln_so, wal_ilp, wal_mf

        if form not in self.valid_forms:
            raise FitError(f"form must be one of {self.valid_forms}, not {form!r}")
        if form == "mf" and not (D_m2_per_s and D_m2_per_s > 0):
            raise FitError("form 'mf' needs the diffusion constant D_m2_per_s (Zeeman term)")
        self.form, self.background = form, background
        kwargs.setdefault("independent_vars", ["B_T"])
        if form == "hln_alpha":
            def func(B_T, B_phi=1e-3, alpha=-0.5, ds0=0.0, c2=0.0):
                return wal_hln_alpha(B_T, B_phi, alpha) + ds0 + c2 * np.asarray(B_T) ** 2
        elif form == "hln_so":
            def func(B_T, B_phi=1e-3, B_so=1e-2, ds0=0.0, c2=0.0):
                return wal_hln_so(B_T, B_phi, B_so) + ds0 + c2 * np.asarray(B_T) ** 2
        elif form == "ilp":
            def func(B_T, B_phi=1e-3, B_so=1e-2, ds0=0.0, c2=0.0):
                return wal_ilp(B_T, B_phi, B_so) + ds0 + c2 * np.asarray(B_T) ** 2
        else:
            def func(B_T, B_phi=1e-3, B_so=1e-2, B_z=1.0, ds0=0.0, c2=0.0):
                return wal_mf(B_T, B_phi, B_so, B_z) + ds0 + c2 * np.asarray(B_T) ** 2
        super().__init__(func, **kwargs)
        p = self.prefix
        self.set_param_hint("B_phi", min=1e-12)
        if form != "hln_alpha":
            self.set_param_hint("B_so", min=0.0)
        self._zeeman = 0.0
        if form == "mf":
            zeeman = 4.0 * E * float(D_m2_per_s) / (float(g_factor) * MU_B)
            self._zeeman = zeeman
            self.set_param_hint("B_z", expr=f"{zeeman!r}*{p}B_so")
        self.set_param_hint("c2", value=0.0, vary=background == "b2")

    def guess(self, data: np.ndarray, B_T: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Start from the best point of a log grid of the fields, the linear parameters
        (alpha, ds0, c2) solved by least squares at each grid point."""
        return self.starts(data, B_T, 1, **kws)[0]

    def starts(self, data: np.ndarray, B_T: np.ndarray, n: int = 3,
               **kws: Any) -> list[lmfit.Parameters]:
        """The ``n`` best, mutually distinct starting points of the grid of :meth:`guess`
        (multi-start fits of the two-field forms, whose chi-square has several basins)."""
        B = np.abs(np.asarray(B_T, dtype=float))
        y = np.asarray(data, dtype=float)
        pos = B[B > 0]
        bmin = float(pos.min()) if pos.size else 1e-4
        bmax = float(B.max()) if B.size else 1e-2
        grid = np.geomspace(0.05 * bmin, 20.0 * bmax, 25)
        free_c2 = self.background == "b2"
        pars = self.make_params()
        if B.size > 80:  # the scan only needs a rough start: every k-th point
            step = int(np.ceil(B.size / 80))
            keep = np.zeros(B.size, bool)
            keep[np.argsort(B)[::step]] = True
            B, y = B[keep], y[keep]
        if self.form == "hln_alpha":
            cands = [{"B_phi": g} for g in grid]
        else:
            sgrid = np.concatenate([[1e-3 * bmin], np.geomspace(0.05 * bmin, 50.0 * bmax, 16)])
            cands = [{"B_phi": g, "B_so": s} for g in grid for s in sgrid]
        scored = []
        for c in cands:
            vals = dict(c, ds0=0.0, c2=0.0)
            if self.form == "hln_alpha":
                vals["alpha"] = 1.0
            if self.form == "mf":
                vals["B_z"] = self._zeeman * vals["B_so"]
            shape = self.func(B, **vals)
            cols = [np.ones_like(B)] + ([B**2] if free_c2 else [])
            if self.form == "hln_alpha":
                A = np.column_stack([shape] + cols)
                coef, *_ = np.linalg.lstsq(A, y, rcond=None)
                resid = y - A @ coef
                lin = {"alpha": coef[0], "ds0": coef[1], "c2": coef[2] if free_c2 else 0.0}
            else:
                # the spin-orbit forms have no free amplitude: only ds0 (and c2) are linear
                A = np.column_stack(cols)
                coef, *_ = np.linalg.lstsq(A, y - shape, rcond=None)
                resid = y - shape - A @ coef
                lin = {"ds0": coef[0], "c2": coef[1] if free_c2 else 0.0}
            if np.all(np.isfinite(resid)):
                scored.append((float(resid @ resid), {**c, **lin}))
        scored.sort(key=lambda t: t[0])
        chosen: list[dict[str, float]] = []
        for _, c in scored:
            # distinct: differ by more than a factor 2 in some field
            if all(any(abs(np.log((c[k] + 1e-30) / (o[k] + 1e-30))) > np.log(2.0)
                       for k in ("B_phi", "B_so") if k in c) for o in chosen):
                chosen.append(c)
            if len(chosen) >= n:
                break
        out = []
        for c in chosen or [{}]:
            p = pars.copy()
            for k, v in c.items():
                p[self.prefix + k].set(value=float(v))
            out.append(lmfit.models.update_param_vals(p, self.prefix, **kws))
        return out


# --------------------------------------------------------------------------------------
# re-entrant Tc(B) (docs/models/reentrant_tc.md): EMPIRICAL


class ReentrantTcModel(lmfit.Model):
    """lmfit model of the EMPIRICAL re-entrant Tc(B) form of docs/models/reentrant_tc.md
    (:func:`~ktoanalysis.transport.lineshapes.reentrant_tc`; independent variable ``B_T``
    in T, Tc in K): ``Tc0*(1 - (B/B1)**2) + dT*exp(-(B - B2)**2/(2*w**2))``. No physical
    derivation; it describes the shape only."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["B_T"])
        super().__init__(reentrant_tc, **kwargs)
        self.set_param_hint("Tc0_K", min=0.0)
        self.set_param_hint("B1_T", min=1e-6)
        self.set_param_hint("dT_K", min=0.0)
        self.set_param_hint("w_T", min=1e-6)

    def guess(self, data: np.ndarray, B_T: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Tc0 from the lowest field, B1 from the depth of the minimum, B2 and dT from the
        maximum above the minimum, w a quarter of the field span."""
        B = np.asarray(B_T, dtype=float)
        Tc = np.asarray(data, dtype=float)
        order = np.argsort(B)
        B, Tc = B[order], Tc[order]
        tc0 = float(Tc[0])
        i_min = int(np.argmin(Tc))
        b_min, tc_min = float(B[i_min]), float(Tc[i_min])
        span = float(np.ptp(B)) if B.size else 1.0
        after = slice(i_min, None)
        j = i_min + int(np.argmax(Tc[after]))
        b2 = float(B[j]) if j > i_min else b_min + 0.25 * span
        ratio = min(max(tc_min / tc0, 0.0), 0.99) if tc0 > 0 else 0.5
        b1 = max(b_min, 1e-3) / math.sqrt(1.0 - ratio) if b_min > 0 else max(span, 1e-3)
        supp = tc0 * (1.0 - (b2 / b1) ** 2)
        pars = self.make_params(Tc0_K=max(tc0, 1e-6), B1_T=b1, dT_K=max(float(Tc[j]) - supp,
                                                                          1e-6),
                                B2_T=b2, w_T=max(0.25 * span, 1e-3))
        return lmfit.models.update_param_vals(pars, self.prefix, **kws)
