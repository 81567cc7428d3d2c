"""Phase slips in R(T): LAMH thermally activated (TAPS) and Golubev-Zaikin quantum (QPS).

MODELS.md §6; seed 004 (Zhang et al., a-CaZrO3/KTaO3(111)) Eq. 3 (LAMH) and Eq. 4 (GZ).

Resistances here are **wire** resistances: the four-probe resistance of the length L of a
Hall bar of width W, ``R_wire = R_S * L / W`` (seed 004: W = 20 um, L = 120 um, 6 squares).
Sheet data are converted with ``input_resistance="sheet"``.

Layers: pure-numpy lineshapes (literal Eq. 3 and its reduced, identifiable form; GZ literal
and reduced), the lmfit :class:`PhaseSlipModel` (fits ln R by default), the array-level
:func:`fit_phase_slips`, and the CLI/batch entry points :data:`OPTIONS`, :func:`analyze`,
:func:`plot`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import lmfit
import numpy as np
import scipy.constants as _sc
from uncertainties import UFloat, umath

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from ..units import HBAR, K_B, R_Q, E
from .options import reject_unknown
from .result import FitResult, params_from_lmfit, stats_from_lmfit

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
_TINY = 1e-300
_MU0 = _sc.mu_0  # vacuum permeability, CODATA (only used for the barrier)


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
    return 8.0 * math.sqrt(2.0) / 3.0 * Bc0_T**2 / (2.0 * _MU0) * S_m2 * xi0_m


def _reduced_t(T_K: Any, Tc_K: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    T = np.asarray(T_K, dtype=float)
    t = T / Tc_K
    inside = (t > 0) & (t < 1)
    u = np.where(inside, 1.0 - t, 0.5)
    tt = np.where(inside, t, 0.5)
    return tt, u, inside


def lamh_eq3_literal(T_K: Any, Tc_K: float, dF0_J: float, L_m: float,
                     xi0_m: float) -> np.ndarray:
    """Seed 004 Eq. 3 exactly as printed (LAMH), wire resistance in Ohm.

    ``R = pi*hbar^2*Omega/(2*e^2*k_B*T) * exp(-dF(T)/(k_B*T))`` with
    ``Omega = L/(xi(T)*tau_GL) * sqrt(dF(T)/(k_B*T))``, ``tau_GL = pi*hbar/(8*k_B*(Tc - T))``,
    ``xi(T) = xi0*(1 - T/Tc)^(-1/2)`` and ``dF(T) ∝ H_c(T)^2 * xi(T) = dF0*(1 - T/Tc)^(3/2)``.

    Parameters
    ----------
    T_K
        Temperature(s) (K). Outside 0 < T < Tc the formula is undefined; 0 is returned
        there (its limit at Tc).
    Tc_K
        Tc of the GL quantities (seed 004: T_C^zero), K.
    dF0_J
        Barrier at T = 0 (J).
    L_m, xi0_m
        Wire length and GL coherence length at T = 0 (m).
    """
    T = np.asarray(T_K, dtype=float)
    t, u, inside = _reduced_t(T, Tc_K)
    Tin = t * Tc_K
    xi_T = xi0_m * u**-0.5
    tau_gl = math.pi * HBAR / (8.0 * K_B * (Tc_K - Tin))
    dF_T = dF0_J * u**1.5
    omega = L_m / (xi_T * tau_gl) * np.sqrt(dF_T / (K_B * Tin))
    R = math.pi * HBAR**2 * omega / (2.0 * E**2 * K_B * Tin) * np.exp(-dF_T / (K_B * Tin))
    return np.where(inside, R, 0.0)


def log_lamh_reduced(T_K: Any, Tc_K: float, dF0_K: float, lnA: float) -> np.ndarray:
    """Natural log of :func:`lamh_reduced` with ``dF0_K = dF0/k_B`` and ``lnA = ln(A/Ohm)``.

    ``-inf`` outside 0 < T < Tc.
    """
    t, u, inside = _reduced_t(T_K, Tc_K)
    x = max(dF0_K, _TINY) * u**1.5 / (Tc_K * t)
    out = lnA + 1.5 * np.log(u) - np.log(t) + 0.5 * np.log(x) - x
    return np.where(inside, out, -np.inf)


def lamh_reduced(T_K: Any, Tc_K: float, dF0_J: float, A_ohm: float) -> np.ndarray:
    """Reduced, identifiable form of Eq. 3 (wire resistance, Ohm).

    ``R = A*(1-t)^(1/2)*((1-t)/t)*sqrt(x)*exp(-x)``, ``x = dF0*(1-t)^(3/2)/(k_B*Tc*t)``,
    ``t = T/Tc``; identical to :func:`lamh_eq3_literal` for ``A = (4 hbar/e^2)(L/xi0)``.
    Zero outside 0 < T < Tc.
    """
    if A_ohm <= 0:
        raise FitError(f"amplitude must be positive, got {A_ohm}")
    return np.exp(log_lamh_reduced(T_K, Tc_K, dF0_J / K_B, math.log(A_ohm)))


def little_taps(T_K: Any, Tc_K: float, dF0_J: float, R_N_ohm: float) -> np.ndarray:
    """Phenomenological 'Little' form ``R = R_N*exp(-dF0*(1-t)^(3/2)/(k_B*T))`` (Ohm).

    Monotonic and equal to R_N at and above Tc; not seed 004's equation.
    """
    T = np.asarray(T_K, dtype=float)
    u = np.clip(1.0 - T / Tc_K, 0.0, None)
    return R_N_ohm * np.exp(-dF0_J * u**1.5 / (K_B * np.maximum(T, _TINY)))


def gz_qps_literal(T_K: Any, Tc_K: float, B1: float, B2: float, R_N_ohm: float,
                   L_m: float, xi0_m: float) -> np.ndarray:
    """Golubev-Zaikin QPS resistance, seed 004 Eq. 4 as printed (wire, Ohm).

    ``R = B1*R_Q*S*(L/xi(T))*exp(-S)``, ``S = B2*(R_Q/R_N)*(L/xi(T))``, ``R_Q = h/(4e^2)``,
    ``xi(T) = xi0*(1-T/Tc)^(-1/2)``; R_N is the wire's normal resistance. Zero for T >= Tc.
    """
    t, u, inside = _reduced_t(T_K, Tc_K)
    inside = inside | (np.asarray(T_K, dtype=float) == 0)
    u = np.where(np.asarray(T_K, dtype=float) == 0, 1.0, u)
    l_xi = L_m / (xi0_m * u**-0.5)
    S = B2 * (R_Q / R_N_ohm) * l_xi
    return np.where(inside, B1 * R_Q * S * l_xi * np.exp(-S), 0.0)


def log_gz_qps_reduced(T_K: Any, Tc_K: float, a: float, lnc: float,
                       R_N_ohm: float) -> np.ndarray:
    """ln of :func:`gz_qps_reduced` with ``lnc = ln(B1/B2)``; ``-inf`` for T >= Tc."""
    T = np.asarray(T_K, dtype=float)
    u = 1.0 - T / Tc_K
    inside = u > 0
    S = max(a, _TINY) * np.sqrt(np.where(inside, u, 1.0))
    out = lnc + math.log(R_N_ohm) + 2.0 * np.log(S) - S
    return np.where(inside, out, -np.inf)


def gz_qps_reduced(T_K: Any, Tc_K: float, a: float, c: float, R_N_ohm: float) -> np.ndarray:
    """Identifiable GZ form ``R = c*R_N*S^2*exp(-S)``, ``S = a*(1-t)^(1/2)`` (wire, Ohm).

    ``a = B2*(R_Q/R_N)*(L/xi0)``, ``c = B1/B2``; identical to :func:`gz_qps_literal`.
    """
    return np.exp(log_gz_qps_reduced(T_K, Tc_K, a, math.log(c), R_N_ohm))


# ----------------------------------------------------------------------------------------
# lmfit model
# ----------------------------------------------------------------------------------------

ModelName = Literal["taps", "qps", "taps+qps"]


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
                lr = lnrn - dF0_K * u**1.5 / np.maximum(T, _TINY)
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
            df0 = float(-np.sum(y * h) / max(np.sum(h * h), _TINY))
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


# ----------------------------------------------------------------------------------------
# procedure
# ----------------------------------------------------------------------------------------

def _check_xy(T: np.ndarray, R: np.ndarray, source: str | None) -> None:
    if T.size != R.size:
        raise DataFormatError("temperature and resistance arrays differ in length", file=source)
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(R))):
        raise DataFormatError("NaN or infinite values in T or R", file=source,
                              expected="finite numbers")
    if np.unique(T).size != T.size:
        raise DataFormatError("duplicated temperatures in the fit window", file=source,
                              column="T_K", expected="one R per temperature (one sweep)")


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
) -> FitResult:
    """Fit phase-slip models to R(T) below Tc.

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

    Returns
    -------
    FitResult
        ``Tc_TAPS_K`` / ``Tc_QPS_K``, ``dF0_J``, ``dF0_K``, ``dF0_over_kTc``,
        ``A_TAPS_ohm``, ``xi0_implied_m`` (free amplitude), ``a_QPS``, ``c_QPS`` (= B1/B2).
    """
    T = np.asarray(T_K, dtype=float)
    R = np.asarray(R_ohm, dtype=float)
    _check_xy(T, R, source)
    order = np.argsort(T)
    T, R = T[order], R[order]
    if np.any(R <= 0):
        raise FitError(f"{int(np.sum(R <= 0))} points with R <= 0 in the window: phase-slip "
                       "fits use ln R; cut the window above the noise floor (R_floor_ohm)")
    if input_resistance not in ("wire", "sheet"):
        raise FitError(f"input_resistance must be 'wire' or 'sheet', got {input_resistance!r}")
    if taps_amplitude not in ("free", "physical"):
        raise FitError(f"taps_amplitude must be 'free' or 'physical', got {taps_amplitude!r}")
    conv = L_m / W_m if input_resistance == "sheet" else 1.0
    Rw = R * conv
    sig = None if sigma_ohm is None else np.broadcast_to(np.asarray(sigma_ohm, float) * conv,
                                                         Rw.shape)
    rn_w = None if R_N_ohm is None else R_N_ohm * conv
    nvar = {"taps": 3, "qps": 3, "taps+qps": 5}.get(model, 3) - (Tc_K is not None)
    if T.size < nvar + 2:
        raise FitError(f"only {T.size} points for a {model!r} fit with {nvar} free parameters "
                       f"(need at least {nvar + 2})")
    if Tc_K is not None and T.max() >= Tc_K:
        raise FitError(f"fit window reaches T = {T.max():.4g} K >= Tc = {Tc_K:.4g} K: Eq. 3/4 "
                       "are undefined at and above Tc; cut the window below Tc")
    pmodel = PhaseSlipModel(model=model, taps_form=taps_form, taps_combination=taps_combination,
                            R_N_ohm=rn_w, space=fit_space)
    y = np.log(Rw) if fit_space == "log" else Rw
    pars = pmodel.guess(y, T=T, Tc=Tc_K)
    if Tc_K is not None:
        pars["Tc"].set(value=Tc_K, vary=False)
    else:
        pars["Tc"].set(min=float(T.max()) * (1 + 1e-6) + 1e-5, max=3.0 * float(T.max()))
    if "dF0_K" in pars:
        tc_ref = pars["Tc"].value
        pars["dF0_K"].set(min=0.01 * tc_ref, max=1000.0 * tc_ref)
        if taps_amplitude == "physical" and taps_form == "lamh_eq3":
            if xi0_m is None:
                raise FitError("taps_amplitude='physical' needs xi0_m (GL coherence length, m)")
            pars["lnA"].set(value=math.log(taps_amplitude_physical(L_m, xi0_m)), vary=False)
    weights = None
    if sig is not None:
        weights = Rw / sig if fit_space == "log" else 1.0 / sig
    res = pmodel.fit(y, pars, T=T, weights=weights, scale_covar=sig is None,
                     nan_policy="raise")
    if not res.success:
        raise FitError(f"phase-slip fit did not converge: {res.message}")
    names: dict[str, str] = {}
    if model != "qps":
        names.update({"Tc": "Tc_TAPS_K", "dF0_K": "dF0_K"})
        if res.params["lnA"].vary:
            names["lnA"] = "lnA"
    if model == "qps":
        names["Tc"] = "Tc_QPS_K"
    if model != "taps":
        names.update({"a": "a_QPS", "lnc": "lnc"})
    p = params_from_lmfit(res, names)
    params: dict[str, Any] = {}
    for k, v in p.items():
        if k in ("lnA", "lnc"):
            continue
        params[k] = v
    if model == "taps+qps":
        params["Tc_QPS_K"] = params["Tc_TAPS_K"]
    if "dF0_K" in params:
        params["dF0_J"] = params["dF0_K"] * K_B
        params["dF0_over_kTc"] = params["dF0_K"] / params["Tc_TAPS_K"]
        if "lnA" in p:
            amp = _exp(p["lnA"])
            params["A_TAPS_ohm"] = amp
            params["xi0_implied_m"] = 4.0 * HBAR / E**2 * L_m / amp
        elif taps_form == "lamh_eq3":
            params["A_TAPS_ohm"] = math.exp(res.params["lnA"].value)
    if "lnc" in p:
        params["c_QPS"] = _exp(p["lnc"])
    Tf = np.linspace(T.min(), T.max(), 300)
    try:
        band = res.eval_uncertainty(T=Tf, sigma=1)
    except Exception:  # pragma: no cover - band is cosmetic
        band = np.zeros_like(Tf)
    options = {
        "model": model, "taps_form": taps_form, "taps_amplitude": taps_amplitude,
        "taps_combination": taps_combination,
        "qps_combination": "sum R_TAPS + R_QPS, shared Tc" if model == "taps+qps" else None,
        "Tc_fixed": Tc_K is not None, "Tc_definition": "Tc_TAPS (LAMH fit parameter)"
        if Tc_K is None else "fixed (e.g. T_C^zero, as seed 004)",
        "input_resistance": input_resistance, "W_m": W_m, "L_m": L_m, "xi0_m": xi0_m,
        "R_N_ohm": R_N_ohm, "R_N_wire_ohm": rn_w, "fit_space": fit_space,
        "resistance_reported": "wire: R_wire = R_S*L/W",
        "uncertainty": "weights=1/sigma, scale_covar=False" if sig is not None
        else "lmfit default: covariance scaled by chi2_red",
        "note": "LAMH/GZ are 1D theories; dF0 is an effective barrier for a 2D bar",
    }
    fit_y = res.best_fit
    return FitResult(
        kind="phase-slips", params=params, stats=stats_from_lmfit(res), options=options,
        provenance={"source": source, "window_T_K": [float(T.min()), float(T.max())],
                    "npoints": int(T.size), "units": {"T": "K", "R": "Ohm (wire)"}},
        data={"T_K": T, "R_wire_ohm": Rw, "fit_y": fit_y, "T_fine_K": Tf,
              "y_fine": res.eval(T=Tf), "band": band, "space": fit_space,
              "residual": (y - fit_y)},
        lmfit_result=res,
    )


def _exp(x: Any) -> Any:
    return umath.exp(x) if isinstance(x, UFloat) else math.exp(x)


# ----------------------------------------------------------------------------------------
# CLI / batch entry points
# ----------------------------------------------------------------------------------------

OPTIONS: dict[str, str] = {
    "model": "taps (LAMH, default) | qps (Golubev-Zaikin) | taps+qps (sum, shared Tc)",
    "taps_form": "lamh_eq3 (seed 004 Eq. 3, default) | little (R_N*exp(-dF/kT))",
    "taps_amplitude": "free (default) | physical (A = 4hbar/e^2 * L/xi0, needs xi0_m)",
    "taps_combination": "bare (default) | parallel_RN (1/R = 1/R_N + 1/R_TAPS)",
    "Tc_K": "fix Tc (seed 004 fixes it to T_C^zero); default: fitted",
    "R_N_ohm": "normal-state resistance (same kind as the data); needed by qps/little/parallel",
    "W_m": "Hall-bar width in m (default 20e-6, seed 004)",
    "L_m": "voltage-probe distance in m (default 120e-6, seed 004)",
    "xi0_m": "GL coherence length in m (physical amplitude)",
    "input_resistance": "wire (default: four-probe R of length L) | sheet (R_S, x L/W)",
    "fit_space": "log (default, residuals in ln R) | linear",
    "T_min_K": "lower end of the fit window (K)",
    "T_max_K": "upper end of the fit window (K); must stay below Tc",
    "R_floor_ohm": "drop points with R <= this noise floor (default 0)",
    "R_max_frac": "drop points with R > this fraction of R_N (needs R_N_ohm)",
    "sigma_ohm": "known 1-sigma noise of R (then scale_covar=False)",
    "channel": "resistance channel/column",
}


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Phase-slip fit of R(T) (the ``phase-slips`` kind); see :data:`OPTIONS`.

    All measurements' (T_K, R) points are pooled (one R(T) curve expected).
    """
    if not measurements:
        raise FitError("no measurement given")
    reject_unknown(options, OPTIONS, "phase-slips")
    Ts, Rs, cols = [], [], []
    for m in measurements:
        col = m.resistance_column(options.get("channel"))
        t, r = m.xy("T_K", col)
        Ts.append(t)
        Rs.append(r)
        cols.append(col)
    T, R = np.concatenate(Ts), np.concatenate(Rs)
    src = ", ".join(str(m.source) for m in measurements)
    keep = np.ones(T.size, bool)
    if "T_min_K" in options:
        keep &= T >= float(options["T_min_K"])
    if "T_max_K" in options:
        keep &= T <= float(options["T_max_K"])
    floor = float(options.get("R_floor_ohm", 0.0))
    keep &= R > floor
    if "R_max_frac" in options:
        if "R_N_ohm" not in options:
            raise FitError("R_max_frac needs R_N_ohm")
        keep &= R <= float(options["R_max_frac"]) * float(options["R_N_ohm"])
    if not keep.any():
        raise FitError("no point left in the fit window (check T_min_K/T_max_K/R_floor_ohm)")
    kw = {k: options[k] for k in ("model", "taps_form", "taps_amplitude", "taps_combination",
                                  "Tc_K", "R_N_ohm", "W_m", "L_m", "xi0_m",
                                  "input_resistance", "fit_space", "sigma_ohm")
          if k in options}
    res = fit_phase_slips(T[keep], R[keep], source=src, **kw)
    opts = dict(res.options)
    opts.update({"R_floor_ohm": floor, "T_min_K": options.get("T_min_K"),
                 "T_max_K": options.get("T_max_K"), "R_max_frac": options.get("R_max_frac")})
    prov = dict(res.provenance)
    prov.update({"files": [str(m.source) for m in measurements], "columns": ["T_K"] + cols})
    return FitResult(kind=res.kind, params=res.params, stats=res.stats, options=opts,
                     provenance=prov, data=res.data, lmfit_result=res.lmfit_result)


def plot(result: FitResult, fig) -> None:
    """Data, fit with 1-sigma band (log R axis) and residuals of a phase-slip fit."""
    from ..plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    log = d["space"] == "log"
    yf = np.exp(d["y_fine"]) if log else d["y_fine"]
    lo = np.exp(d["y_fine"] - d["band"]) if log else d["y_fine"] - d["band"]
    hi = np.exp(d["y_fine"] + d["band"]) if log else d["y_fine"] + d["band"]
    ax.plot(d["T_K"], d["R_wire_ohm"], "o", ms=4, label="data (wire R)")
    ax.plot(d["T_fine_K"], yf, "-", label=f"fit: {result.options.get('model')}")
    ax.fill_between(d["T_fine_K"], lo, hi, alpha=0.3, label="1σ band")
    ax.set_yscale("log")
    ax.set_ylabel("R_wire (Ω)")
    ax.legend()
    axr.plot(d["T_K"], d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("T (K)")
    axr.set_ylabel("Δ ln R" if log else "ΔR (Ω)")
