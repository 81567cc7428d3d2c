"""Lineshapes: the plain NumPy functions of every transport model (first layer).

As ``lmfit/lineshapes.py``: each function ``f(x, p1=.., p2=..)`` evaluates one formula of
the model pages (docs/models/) on arrays, guards divisions and logarithms with the one shared
constant :data:`tiny`, and knows nothing of fitting. The lmfit ``Model`` classes of
:mod:`ktoanalysis.transport.models` wrap them (second layer); the procedure modules
(``tc``, ``bkt``, ``iv``, ...) use both. Every function is listed in :data:`LINESHAPES`
with an example argument range, and a test evaluates all of them there and checks the
result is finite (as lmfit's ``test_lineshapes``).

Units: temperatures in K, resistances in Ohm, fields in T, angles in rad, currents in A.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy.special import digamma, polygamma

from ..errors import FitError
from ..units import HBAR, K_B, MU_B, R_Q, E

__all__ = [
    "tiny", "EPS_MIN", "G_AL_S", "Lineshape", "LINESHAPES",
    "ln_halperin_nelson", "halperin_nelson", "ln_halperin_nelson_tc0",
    "halperin_nelson_tc0", "ln_bcg", "bcg", "aslamazov_larkin", "power_law_log",
    "hall_odd", "hall_two_band", "lamh_eq3_literal", "log_lamh_reduced", "lamh_reduced",
    "little_taps",
    "gz_qps_literal", "log_gz_qps_reduced", "gz_qps_reduced",
    "TINY", "EULER_GAMMA", "WHH_ORBITAL_RATIO", "PAULI_COEFFICIENTS", "ThetaConvention",
    "PauliCoefficient", "tinkham_hc2", "tinkham_residual", "gl3d_hc2", "gl_perp_hc2",
    "gl_par_hc2", "pauli_limit", "whh_reduced_field", "whh_hc2", "whh_zero_temperature_ratio",
    "ag_pair_breaking", "klb_hc2", "klb_zero_temperature", "ising_hc2",
    "BCS_GAP_RATIO", "bcs_gap_reduced", "ic_gl", "ic_power_law", "ic_ambegaokar_baratoff",
    "wal_hln_alpha", "wal_hln_so", "wal_ilp", "wal_mf",
    "reentrant_tc",
]

#: guard of divisions and logarithms (lmfit's ``tiny``, but small enough that resistances
#: and fields of 1e-12 (Ohm, T) and below stay exact; its square is still a normal float)
tiny: float = 1.0e-30
#: smallest reduced temperature (T/T* - 1) a lineshape evaluates; below it is clipped
EPS_MIN: float = 1.0e-12
#: universal 2D Aslamazov-Larkin conductance e^2/(16 hbar) (S)
G_AL_S: float = E**2 / (16 * HBAR)

ReducedT = Literal["log", "linear"]
#: the shared guard under its older name (upper-critical-field functions)
TINY: float = tiny
EULER_GAMMA = 0.5772156649015329
#: B_c2(0)/(Tc*|dB_c2/dT|) of the dirty-limit orbital WHH curve: pi**2*exp(-gamma)/8
WHH_ORBITAL_RATIO = math.pi**2 * math.exp(-EULER_GAMMA) / 8.0
_PSI_HALF = float(digamma(0.5))

ThetaConvention = Literal["from_normal", "from_plane"]
PauliCoefficient = Literal["bcs_1.764", "seed004_1.76", "rounded_1.86"]

#: ASSUMPTION (pauli_coefficient): name -> (kind, number). "delta" means
#: B_P = c*k_B*Tc/(sqrt(2)*mu_B); "direct" means B_P = c [T/K] * Tc.
PAULI_COEFFICIENTS: dict[str, tuple[str, float]] = {
    "bcs_1.764": ("delta", 1.764),
    "seed004_1.76": ("delta", 1.76),
    "rounded_1.86": ("direct", 1.86),
}


# --------------------------------------------------------------------------------------
# BKT: Halperin-Nelson and Benfatto-Castellani-Giamarchi R(T) (docs/models/bkt_rt.md)


def _reduced(T: np.ndarray, T_bkt: float) -> np.ndarray:
    T_bkt = max(float(T_bkt), tiny)
    return np.maximum(np.asarray(T, float) / T_bkt - 1.0, EPS_MIN)


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
    return np.log(max(float(R0), tiny)) - b / np.sqrt(_reduced(T, T_bkt))


def halperin_nelson(T: np.ndarray, R0: float = 1e3, b: float = 1.0, T_bkt: float = 1.0
                    ) -> np.ndarray:
    """Simple Halperin-Nelson R(T) (Ohm), docs/models/bkt_rt.md; see :func:`ln_halperin_nelson`."""
    return np.exp(ln_halperin_nelson(T, R0, b, T_bkt))


def ln_halperin_nelson_tc0(T: np.ndarray, a: float = 1.0, R_N: float = 1e3,
                           b_HN: float = 1.0, Tc0: float = 1.2, T_bkt: float = 1.0
                           ) -> np.ndarray:
    """ln of ``a*R_N*exp(-2*sqrt(b_HN*(Tc0 - T)/(T - T_bkt)))`` (docs/models/bkt_rt.md).

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
    den = np.maximum(T - T_bkt, EPS_MIN * abs(T_bkt) + tiny)
    return (np.log(max(a * R_N, tiny))
            - 2.0 * np.sqrt(max(b_HN, 0.0) * num / den))


def halperin_nelson_tc0(T: np.ndarray, a: float = 1.0, R_N: float = 1e3, b_HN: float = 1.0,
                        Tc0: float = 1.2, T_bkt: float = 1.0) -> np.ndarray:
    """Halperin-Nelson R(T) (Ohm) with the mean-field Tc0; see :func:`ln_halperin_nelson_tc0`."""
    return np.exp(ln_halperin_nelson_tc0(T, a, R_N, b_HN, Tc0, T_bkt))


def ln_bcg(T: np.ndarray, R_N: float = 1e3, A: float = 1.0, b: float = 0.5,
           T_bkt: float = 1.0) -> np.ndarray:
    """ln of the Benfatto-Castellani-Giamarchi interpolation (docs/models/bkt_rt.md).

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
    x = np.maximum(b / np.sqrt(_reduced(T, T_bkt)), EPS_MIN)
    ln_sinh = x + np.log1p(-np.exp(-2.0 * x)) - np.log(2.0)
    s = np.log(4.0 / max(A, EPS_MIN) ** 2) + 2.0 * ln_sinh
    return np.log(max(R_N, tiny)) - np.logaddexp(0.0, s)


def bcg(T: np.ndarray, R_N: float = 1e3, A: float = 1.0, b: float = 0.5, T_bkt: float = 1.0
        ) -> np.ndarray:
    """BCG interpolation R(T) (Ohm); see :func:`ln_bcg`."""
    return np.exp(ln_bcg(T, R_N, A, b, T_bkt))



# --------------------------------------------------------------------------------------
# Aslamazov-Larkin fluctuation conductivity (docs/models/aslamazov_larkin.md)


def aslamazov_larkin(T: np.ndarray, R_N0: float = 1e3, Tc0: float = 1.0, C_AL: float = 1.0,
                     A_N: float = 0.0, T_ref: float = 0.0, form: ReducedT = "log"
                     ) -> np.ndarray:
    """Sheet resistance (Ohm) with the 2D Aslamazov-Larkin correction.

    Parameters
    ----------
    T
        Temperature (K), must exceed Tc0 (eps is clipped at 1e-12 otherwise).
    R_N0
        Normal-state sheet resistance at ``T_ref`` (Ohm).
    Tc0
        Mean-field transition temperature (K).
    C_AL
        Prefactor of the universal term (1 = pure AL).
    A_N
        Normal-state slope (Ohm/K).
    T_ref
        Reference temperature of the normal-state line (K).
    form
        Reduced temperature ``"log"`` (log(T/Tc0)) or ``"linear"`` ((T - Tc0)/Tc0).
    """
    T = np.asarray(T, dtype=float)
    Tc0 = max(float(Tc0), EPS_MIN)
    eps = np.log(T / Tc0) if form == "log" else (T - Tc0) / Tc0
    eps = np.maximum(eps, EPS_MIN)
    RN = R_N0 + A_N * (T - T_ref)
    return 1.0 / (1.0 / RN + C_AL * G_AL_S / eps)



# --------------------------------------------------------------------------------------
# I-V power law (docs/models/iv_power_law.md)


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



# --------------------------------------------------------------------------------------
# Hall resistance (docs/models/hall_normal_state.md)


def hall_odd(B_T: Any, R_H: float = 0.0, c: float = 0.0, c3: float = 0.0) -> np.ndarray:
    """Hall line ``R_xy = R_H*B + c + c3*B^3`` (Ohm), B in T, R_H in Ohm/T, c3 in Ohm/T^3."""
    B = np.asarray(B_T, dtype=float)
    return R_H * B + c + c3 * B**3


def hall_two_band(B_T: Any, n1_m2: float = 1e16, mu1_m2_Vs: float = 0.1,
                  n2_m2: float = 1e17, mu2_m2_Vs: float = 0.01) -> np.ndarray:
    """Two-band Drude Hall resistance R_xy(B) (Ohm) of a sheet, B in T.

    ``sigma_xx = e sum |n_i| mu_i/(1 + mu_i^2 B^2)``, ``sigma_xy = e sum n_i mu_i^2
    B/(1 + mu_i^2 B^2)``, ``R_xy = sigma_xy/(sigma_xx^2 + sigma_xy^2)`` (e.g. Ashcroft &
    Mermin ch. 1, problem 1.4; Hurd, *The Hall Effect in Metals and Alloys*, 1972).
    Densities are signed (m^-2): holes > 0, electrons < 0, so that one band gives
    ``R_xy = B/(e n)`` (the ``standard`` sign convention); mobilities > 0 (m^2/(V s)).
    """
    B = np.asarray(B_T, dtype=float)
    sxx = np.zeros_like(B)
    sxy = np.zeros_like(B)
    for n, mu in ((n1_m2, mu1_m2_Vs), (n2_m2, mu2_m2_Vs)):
        d = 1.0 + (mu * B) ** 2
        sxx = sxx + E * abs(n) * mu / d
        sxy = sxy + E * n * mu**2 * B / d
    den = sxx**2 + sxy**2
    return np.divide(sxy, den, out=np.zeros_like(den), where=den > 0)



# --------------------------------------------------------------------------------------
# Phase slips: LAMH thermal and Golubev-Zaikin quantum (docs/models/lamh.md)


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
    x = max(dF0_K, tiny) * u**1.5 / (Tc_K * t)
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
    return R_N_ohm * np.exp(-dF0_J * u**1.5 / (K_B * np.maximum(T, tiny)))


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
    S = max(a, tiny) * np.sqrt(np.where(inside, u, 1.0))
    out = lnc + math.log(R_N_ohm) + 2.0 * np.log(S) - S
    return np.where(inside, out, -np.inf)


def gz_qps_reduced(T_K: Any, Tc_K: float, a: float, c: float, R_N_ohm: float) -> np.ndarray:
    """Identifiable GZ form ``R = c*R_N*S^2*exp(-S)``, ``S = a*(1-t)^(1/2)`` (wire, Ohm).

    ``a = B2*(R_Q/R_N)*(L/xi0)``, ``c = B1/B2``; identical to :func:`gz_qps_literal`.
    """
    return np.exp(log_gz_qps_reduced(T_K, Tc_K, a, math.log(c), R_N_ohm))



# --------------------------------------------------------------------------------------
# Upper critical fields: angle (docs/models/hc2_angle.md), GL (5.3-5.4), Pauli (5.6), WHH (5.5),
# AG/KLB (5.7.1), Ising (5.7.3)


def _angle_parts(theta, theta0, convention):
    th = np.asarray(theta, dtype=float) - theta0
    if convention == "from_normal":
        return np.abs(np.cos(th)), np.sin(th)
    if convention == "from_plane":
        return np.abs(np.sin(th)), np.cos(th)
    raise FitError(f"theta_convention must be 'from_normal' or 'from_plane', got {convention!r}")


def tinkham_hc2(theta, H_perp: float, H_par: float, theta0: float = 0.0,
                convention: ThetaConvention = "from_normal"):
    """2D Tinkham thin-film Hc2(theta), closed-form root of the implicit equation.

    Solves ``H*|cos th|/H_perp + (H*sin th/H_par)**2 = 1`` in its stable form
    ``H = 2/(c + sqrt(c**2 + 4*s))`` with ``c = |cos th|/H_perp``,
    ``s = (sin th/H_par)**2`` (no division by sin th; finite at 0 and 90 deg).

    Parameters
    ----------
    theta
        Measured angle [rad] (array).
    H_perp, H_par
        Perpendicular and parallel critical fields [T].
    theta0
        Rotator offset [rad]; the model uses ``theta - theta0``.
    convention
        ``"from_normal"`` (theta = 0 is perpendicular, default) or ``"from_plane"``.

    Returns
    -------
    ndarray
        Hc2 [T].
    """
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    c = c_abs / max(H_perp, TINY)
    s = (s_ / max(H_par, TINY)) ** 2
    return 2.0 / np.maximum(c + np.sqrt(c * c + 4.0 * s), TINY)


def tinkham_residual(H, theta, H_perp: float, H_par: float, theta0: float = 0.0,
                     convention: ThetaConvention = "from_normal"):
    """Left side minus 1 of the Tinkham equation (zero on the Hc2(theta) curve) [-]."""
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    H = np.asarray(H, dtype=float)
    return H * c_abs / H_perp + (H * s_ / H_par) ** 2 - 1.0


def gl3d_hc2(theta, H_perp: float, H_par: float, theta0: float = 0.0,
             convention: ThetaConvention = "from_normal"):
    """3D anisotropic GL Hc2(theta) = 1/sqrt((cos th/H_perp)**2 + (sin th/H_par)**2) [T].

    Parameters as :func:`tinkham_hc2`.
    """
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    den = (c_abs / max(H_perp, TINY)) ** 2 + (s_ / max(H_par, TINY)) ** 2
    return 1.0 / np.sqrt(np.maximum(den, TINY))


def gl_perp_hc2(T, B0: float, Tc: float):
    """GL perpendicular field ``B0*(1 - T/Tc)`` [T], zero above Tc.

    Parameters
    ----------
    T
        Temperature [K].
    B0
        GL-linear extrapolation to T = 0, ``phi0/(2*pi*xi0**2)`` [T].
    Tc
        Critical temperature [K].
    """
    return B0 * np.clip(1.0 - np.asarray(T, dtype=float) / max(Tc, TINY), 0.0, None)


def gl_par_hc2(T, B0: float, Tc: float):
    """2D-GL parallel field ``B0*sqrt(1 - T/Tc)`` [T], zero above Tc.

    ``B0 = sqrt(12)*phi0/(2*pi*xi0*d)`` is the GL extrapolation to T = 0 [T].
    """
    return B0 * np.sqrt(np.clip(1.0 - np.asarray(T, dtype=float) / max(Tc, TINY), 0.0, None))


def pauli_limit(Tc_K, coefficient: PauliCoefficient = "bcs_1.764", g: float = 2.0):
    """Clogston-Chandrasekhar limit B_P [T].

    Parameters
    ----------
    Tc_K
        Critical temperature [K] (float or ufloat).
    coefficient
        ASSUMPTION (pauli_coefficient): ``"bcs_1.764"`` (default, Delta0 = 1.764 k_B Tc,
        B_P = Delta0/(sqrt(2) mu_B) = 1.8569 T/K * Tc), ``"seed004_1.76"`` (1.76) or
        ``"rounded_1.86"`` (B_P = 1.86 T/K * Tc).
    g
        Electron g-factor; B_P scales as 2/g.
    """
    if coefficient not in PAULI_COEFFICIENTS:
        raise FitError(f"pauli_coefficient must be one of {list(PAULI_COEFFICIENTS)}, "
                       f"got {coefficient!r}")
    if not g > 0:
        raise FitError(f"g-factor must be positive, got {g!r}")
    kind, c = PAULI_COEFFICIENTS[coefficient]
    per_K = c * K_B / (math.sqrt(2.0) * MU_B) if kind == "delta" else c
    return per_K * (2.0 / g) * Tc_K


def _largest_root(F, t: np.ndarray, hmax: float, ngrid: int = 600, iters: int = 30):
    """Largest root in h in (0, hmax] of F(h, t) for each t (vectorised).

    F(0, t) < 0 for t < 1. A quadratic grid locates the last sign change, then the
    Illinois (modified regula falsi) iteration refines it inside the bracket. Returns
    (h, n_sign_changes); h = 0 where t >= 1 and NaN where no root.
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    u = np.linspace(0.0, 1.0, ngrid)[1:]
    h = hmax * u * u
    vals = F(h[None, :], t[:, None])
    pos = vals > 0
    change = pos[:, 1:] != pos[:, :-1]
    nchg = change.sum(axis=1) + pos[:, 0].astype(int)
    # last index where sign changes from <=0 to >0 going up in h
    up = (~pos[:, :-1]) & pos[:, 1:]
    has = up.any(axis=1)
    last = np.where(has, up.shape[1] - 1 - np.argmax(up[:, ::-1], axis=1), 0)
    lo = h[last]
    hi = h[np.minimum(last + 1, h.size - 1)]
    # root below the first grid point (t very close to 1)
    first_pos = pos[:, 0] & ~has
    lo = np.where(first_pos, 0.0, lo)
    hi = np.where(first_pos, h[0], hi)
    ok = has | first_pos
    rows = np.arange(t.size)
    fa = np.where(first_pos, F(np.zeros(1), t), vals[rows, last])
    fb = np.where(first_pos, vals[:, 0], vals[rows, np.minimum(last + 1, h.size - 1)])
    a = np.where(ok, lo, 0.0)
    b = np.where(ok, hi, h[0])
    fa = np.where(ok, fa, -1.0)
    fb = np.where(ok, fb, 1.0)
    # Illinois (modified regula falsi): stays inside the bracket, superlinear
    for _ in range(iters):
        den = fb - fa
        c = np.where(den != 0, b - fb * (b - a) / np.where(den != 0, den, 1.0), 0.5 * (a + b))
        c = np.clip(c, np.minimum(a, b), np.maximum(a, b))
        fc = F(c, t)
        flip = fc * fb < 0
        a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
        b, fb = c, fc
    out = b
    out = np.where(ok, out, np.nan)
    out = np.where(t >= 1.0, 0.0, out)
    return out, nchg


def _whh_F(alpha: float, lam_so: float):
    if alpha == 0.0 and lam_so == 0.0:  # orbital limit: real digamma only (fast path)
        return _ag_F_orbital

    def F(h, t):
        h = np.asarray(h, dtype=float)
        t = np.maximum(np.asarray(t, dtype=float), 1e-12)
        gamma = np.sqrt((alpha * h) ** 2 - (lam_so / 2.0) ** 2 + 0j)
        z0 = 0.5 + (h + lam_so / 2.0) / (2.0 * t)
        small = np.abs(gamma) < 1e-7
        g = np.where(small, 1.0, gamma)
        coef = 1j * lam_so / (4.0 * g)
        full = ((0.5 + coef) * digamma(z0 + 1j * g / (2.0 * t))
                + (0.5 - coef) * digamma(z0 - 1j * g / (2.0 * t))).real
        # removable singularity gamma -> 0: psi(z0) - lam_so/(4 t) psi'(z0)
        lim = digamma(z0) - lam_so / (4.0 * t) * polygamma(1, z0)
        rhs = np.where(small, lim, full)
        return rhs - _PSI_HALF - np.log(1.0 / np.minimum(t, 1.0))
    return F


def _ag_F_orbital(h, t):
    t = np.maximum(np.asarray(t, dtype=float), 1e-12)
    return (digamma(0.5 + np.asarray(h) / (2.0 * t)) - _PSI_HALF
            - np.log(1.0 / np.minimum(t, 1.0)))


def whh_reduced_field(t, alpha: float = 0.0, lam_so: float = 0.0, *, return_count: bool = False):
    """WHH reduced field ``hbar_bar(t)`` (largest root of the WHH equation, §5.5).

    Parameters
    ----------
    t
        Reduced temperature T/Tc [-] (array; values >= 1 give 0).
    alpha
        Maki parameter [-] (>= 0).
    lam_so
        Spin-orbit scattering parameter ``2*hbar/(3*pi*k_B*Tc*tau_so)`` [-] (>= 0).
    return_count
        Also return the number of sign changes per t (> 1: multivalued second-order line,
        the real transition is first order there).

    Returns
    -------
    ndarray (and int array if ``return_count``)
        ``hbar_bar = (4/pi**2) * B_c2/(Tc*S)``.
    """
    if alpha < 0 or lam_so < 0:
        raise FitError(f"WHH needs alpha >= 0 and lam_so >= 0, got {alpha}, {lam_so}")
    # complex digamma is slow: a coarser bracketing grid when alpha or lam_so > 0
    ngrid = 600 if alpha == 0.0 and lam_so == 0.0 else 120
    h, n = _largest_root(_whh_F(float(alpha), float(lam_so)), np.asarray(t, dtype=float), 1.0,
                         ngrid=ngrid, iters=20)
    return (h, n) if return_count else h


def whh_hc2(T, Tc: float, S: float, alpha: float = 0.0, lam_so: float = 0.0):
    """Dirty-limit WHH upper critical field B_c2(T) [T].

    Parameters
    ----------
    T
        Temperature [K].
    Tc
        Critical temperature [K].
    S
        |dB_c2/dT| at Tc [T/K].
    alpha, lam_so
        Maki and spin-orbit parameters [-], see :func:`whh_reduced_field`.
    """
    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    shape = np.shape(t)
    h = whh_reduced_field(np.ravel(t), alpha, lam_so)
    return (math.pi**2 / 4.0) * Tc * abs(S) * np.reshape(h, shape)


def whh_zero_temperature_ratio(alpha: float = 0.0, lam_so: float = 0.0,
                               t: float = 1e-3) -> float:
    """B_c2(T -> 0)/(Tc*S) of the WHH curve [-] (0.6927 in the orbital limit)."""
    return float((math.pi**2 / 4.0) * whh_reduced_field(np.array([t]), alpha, lam_so)[0])


def _ag_F(h, t):
    """AG equation in x = Gamma/(k_B Tc): psi(1/2 + x/(2 pi t)) - psi(1/2) - ln(1/t)."""
    t = np.maximum(np.asarray(t, dtype=float), 1e-12)
    return (digamma(0.5 + np.asarray(h) / (2.0 * math.pi * t)) - _PSI_HALF
            - np.log(1.0 / np.minimum(t, 1.0)))


def ag_pair_breaking(t):
    """Pair-breaking rate Gamma/(k_B*Tc) [-] that suppresses Tc to T = t*Tc (AG equation).

    Solves ``log(1/t) = digamma(0.5 + Gamma/(2*pi*k_B*T)) - digamma(0.5)``; at t -> 0 it
    tends to ``(pi/2)*exp(-euler_gamma)`` (= Delta0/(2 k_B Tc)).
    """
    return _largest_root(_ag_F, np.asarray(t, dtype=float), 2.0)[0]


def klb_hc2(T, Tc: float, tau_so: float, d: float = 0.0, D: float = 0.0):
    """Klemm-Luther-Beasley parallel critical field with thin-film orbital term [T] (§5.7.1).

    ``Gamma = (D*e**2*d**2/(6*hbar) + 3*tau_so*mu_B**2/hbar) * B**2`` inserted in the AG
    equation; since Gamma is proportional to B**2, ``B = sqrt(k_B*Tc*x(t)/a)``.

    Parameters
    ----------
    T
        Temperature [K].
    Tc
        Critical temperature [K].
    tau_so
        Spin-orbit scattering time [s] (0 switches the spin term off).
    d
        Film thickness [m] (0: no orbital term, ASSUMPTION klb_orbital = "none").
    D
        Diffusion constant [m^2/s] (e.g. :func:`diffusion_from_slope`).
    """
    a = D * E**2 * d**2 / (6.0 * HBAR) + 3.0 * tau_so * MU_B**2 / HBAR
    if not a > 0:
        raise FitError("KLB needs a positive pair-breaking coefficient (tau_so > 0 or d, D > 0)")
    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    x = np.reshape(ag_pair_breaking(np.ravel(t)), np.shape(t))
    return np.sqrt(np.maximum(K_B * Tc * x / a, 0.0))


def klb_zero_temperature(Tc: float, tau_so: float) -> float:
    """Closed-form T = 0 KLB field without orbital term,
    ``sqrt((pi/2)*exp(-gamma)*k_B*Tc*hbar/(3*tau_so*mu_B**2))`` [T]."""
    if not (tau_so > 0 and Tc >= 0):
        raise FitError(f"KLB needs tau_so > 0 s and Tc >= 0 K, got {tau_so}, {Tc}")
    return math.sqrt((math.pi / 2.0) * math.exp(-EULER_GAMMA) * K_B * Tc * HBAR
                     / (3.0 * tau_so * MU_B**2))


def ising_hc2(T, Tc: float, beta_so: float, g: float = 2.0):
    """Ising-SOC parallel critical field [T] (§5.7.3, optional model; largest root).

    Solves ``log(T/Tc) + b**2/(b**2 + beta**2) * Re[psi(1/2 + i*sqrt(b**2+beta**2)/(2 pi k_B T))
    - psi(1/2)] = 0`` with ``b = (g/2)*mu_B*B``. ``beta_so`` [J]; 0 gives the pure-Pauli
    second-order line (-> Delta0/(2 mu_B) at T -> 0).
    """
    kT = K_B * Tc
    beta = beta_so / kT

    def F(x, t):  # x = b/(k_B Tc)
        t = np.maximum(np.asarray(t, dtype=float), 1e-12)
        r = np.sqrt(x * x + beta * beta)
        w = x * x / np.maximum(r * r, TINY)
        return w * (digamma(0.5 + 1j * r / (2 * math.pi * t)).real - _PSI_HALF) + np.log(t)

    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    xmax = 2.0 + 50.0 * beta
    x, _ = _largest_root(F, np.ravel(t), xmax, ngrid=1200)
    return np.reshape(x * kT / MU_B * (2.0 / g), np.shape(t))



# --------------------------------------------------------------------------------------
# critical current Ic(T) (kind critical-current)

#: weak-coupling BCS gap ratio Delta(0)/(k_B Tc) = pi*exp(-gamma_E) = 1.7639
BCS_GAP_RATIO: float = math.pi * math.exp(-EULER_GAMMA)
#: terms of the Matsubara sum of :func:`bcs_gap_reduced` before the analytic tail
_GAP_TERMS = 600
#: below this t = T/Tc the BCS gap equals Delta(0) to better than 1e-7 (correction
#: ~ sqrt(2 pi t/1.76) exp(-1.76/t))
_GAP_T_FLAT = 0.08


def bcs_gap_reduced(t: Any) -> np.ndarray:
    """Weak-coupling BCS gap ``Delta(T)/Delta(0)`` at reduced temperature ``t = T/Tc``.

    Solves the BCS gap equation in its Matsubara form (e.g. Tinkham, *Introduction to
    Superconductivity*, 2nd ed., Eq. 3.27; tabulated by Muehlschlegel, Z. Phys. 155, 313
    (1959)), with ``delta = Delta/(k_B Tc)``::

        ln(1/t) = sum_{n>=0} 2 [1/(2n+1) - pi t / sqrt((pi t (2n+1))**2 + delta**2)]

    by bisection (45 halvings of [0, 2]: 1e-13 absolute), with ``_GAP_TERMS`` terms and
    the analytic tail ``delta**2/(16 (pi t)**2 N**2)``. Limits: ``delta(0) = pi*exp(-gamma)
    = 1.7639`` and ``delta -> sqrt(8 pi**2/(7 zeta(3))) sqrt(1 - t) = 3.0633 sqrt(1 - t)``
    near Tc. Below ``t = 0.08`` the gap is flat (1 to 1e-7), above ``t = 1`` it is 0.

    Parameters
    ----------
    t
        Reduced temperature T/Tc (dimensionless), array or scalar.

    Returns
    -------
    ndarray
        ``Delta(T)/Delta(0)`` in [0, 1] (dimensionless).
    """
    t_in = np.asarray(t, dtype=float)
    tt = np.ravel(np.nan_to_num(t_in, nan=2.0))
    out = np.zeros(tt.shape)
    out[tt <= _GAP_T_FLAT] = 1.0
    mid = (tt > _GAP_T_FLAT) & (tt < 1.0)
    if mid.any():
        tm = tt[mid][:, None]
        odd = 2.0 * np.arange(_GAP_TERMS)[None, :] + 1.0
        w = math.pi * tm * odd
        target = np.log(1.0 / tm[:, 0])
        lo = np.zeros(tm.shape[0])
        hi = np.full(tm.shape[0], 2.0)
        tail_k = 1.0 / (16.0 * (math.pi * tm[:, 0]) ** 2 * _GAP_TERMS ** 2)
        for _ in range(45):
            d = 0.5 * (lo + hi)
            F = (2.0 * np.sum(1.0 / odd - math.pi * tm / np.sqrt(w * w + (d * d)[:, None]),
                              axis=1) + d * d * tail_k - target)
            up = F > 0  # F increases with delta
            hi = np.where(up, d, hi)
            lo = np.where(up, lo, d)
        out[mid] = 0.5 * (lo + hi) / BCS_GAP_RATIO
    return np.reshape(np.clip(out, 0.0, 1.0), t_in.shape)


def ic_gl(T_K: Any, Ic0_A: float = 1e-4, Tc_K: float = 1.0) -> np.ndarray:
    """Ginzburg-Landau (depairing) critical current ``Ic0*(1 - T/Tc)**(3/2)`` (A), 0 above
    Tc (Tinkham, 2nd ed., Eq. 4.36: ``j_c ~ H_c/lambda ~ (1 - t)**(3/2)`` near Tc).

    Parameters
    ----------
    T_K
        Temperature (K).
    Ic0_A
        Extrapolated ``Ic(T = 0)`` of the GL form (A).
    Tc_K
        Critical temperature (K).
    """
    x = 1.0 - np.asarray(T_K, dtype=float) / max(float(Tc_K), tiny)
    return Ic0_A * np.maximum(x, 0.0) ** 1.5


def ic_power_law(T_K: Any, Ic0_A: float = 1e-4, Tc_K: float = 1.0, p: float = 1.5
                 ) -> np.ndarray:
    """Free power law ``Ic0*(1 - T/Tc)**p`` (A), 0 above Tc.

    Parameters
    ----------
    T_K
        Temperature (K).
    Ic0_A
        Prefactor (A).
    Tc_K
        Critical temperature (K).
    p
        Exponent (dimensionless; 3/2 is GL, 1 a proximity SNS or an Ambegaokar-Baratoff
        junction near Tc, 2 de Gennes SNS).
    """
    x = 1.0 - np.asarray(T_K, dtype=float) / max(float(Tc_K), tiny)
    return Ic0_A * np.maximum(x, 0.0) ** p


def ic_ambegaokar_baratoff(T_K: Any, Ic0_A: float = 1e-4, Tc_K: float = 1.0,
                           gap_ratio: float = BCS_GAP_RATIO) -> np.ndarray:
    """Ambegaokar-Baratoff tunnel-junction critical current (A).

    ``Ic(T) = pi*Delta(T)/(2 e R_N) * tanh(Delta(T)/(2 k_B T))`` (Ambegaokar & Baratoff,
    Phys. Rev. Lett. 10, 486 (1963)), written with ``Ic0 = Ic(0) = pi*Delta(0)/(2 e R_N)``
    as ``Ic0 * (Delta(T)/Delta(0)) * tanh(Delta(T)/(2 k_B T))``, with the BCS temperature
    dependence :func:`bcs_gap_reduced` and ``Delta(0) = gap_ratio * k_B * Tc``.

    Parameters
    ----------
    T_K
        Temperature (K).
    Ic0_A
        ``Ic(T = 0)`` (A); the junction's ``R_N = pi*Delta(0)/(2 e Ic0)``.
    Tc_K
        Critical temperature (K).
    gap_ratio
        ``Delta(0)/(k_B Tc)`` (1.7639 weak-coupling BCS).
    """
    T = np.asarray(T_K, dtype=float)
    Tc = max(float(Tc_K), tiny)
    g = bcs_gap_reduced(T / Tc)
    arg = gap_ratio * Tc * g / (2.0 * np.maximum(T, tiny))
    return Ic0_A * g * np.tanh(np.minimum(arg, 50.0))


# --------------------------------------------------------------------------------------
# weak (anti)localisation magnetoconductance (kind magnetoconductance)
#
# Every form returns Delta sigma(B) = sigma(B) - sigma(0) in units of e^2/(pi h)
# (= e^2/(2 pi^2 hbar)); fields in T; even in B; 0 at B = 0.

#: above this argument z, psi(1/2 + z) - ln z is evaluated by its asymptotic series
_WAL_Z_ASYMPTOTIC = 1.0e4


def _wal_f(z: Any) -> np.ndarray:
    """``psi(1/2 + z) - ln z`` for real z > 0 (-> 1/(24 z^2) for large z; 0 at z = inf)."""
    z = np.asarray(z, dtype=float)
    big = z > _WAL_Z_ASYMPTOTIC
    zs = np.where(big, 1.0, np.maximum(z, tiny))
    exact = digamma(0.5 + zs) - np.log(zs)
    zb = np.where(big, z, 1.0)
    inv2 = 1.0 / (zb * zb)
    asym = inv2 / 24.0 - 7.0 * inv2 * inv2 / 960.0
    return np.where(big, asym, exact)


def _wal_fc(z: Any) -> np.ndarray:
    """``psi(1/2 + z) - ln z`` for complex z (Re z > 0), complex result."""
    z = np.asarray(z, dtype=complex)
    return digamma(0.5 + z) - np.log(z)


def _wal_field(B_T: Any) -> np.ndarray:
    """|B| with 0 replaced by a tiny positive field (the forms vanish there)."""
    return np.maximum(np.abs(np.asarray(B_T, dtype=float)), tiny)


def wal_hln_alpha(B_T: Any, B_phi: float = 1e-3, alpha: float = -0.5) -> np.ndarray:
    """Hikami-Larkin-Nagaoka magnetoconductance with a prefactor alpha (e^2/(pi h)).

    ``Delta sigma = alpha [psi(1/2 + B_phi/B) - ln(B_phi/B)]`` (Prog. Theor. Phys. 63,
    707 (1980), the strong- or no-spin-orbit limit with the channel count in ``alpha``):
    ``alpha = 1`` weak localisation, ``-1/2`` antilocalisation.

    Parameters
    ----------
    B_T
        Field (T); the form is even in B.
    B_phi
        Phase-coherence field ``hbar/(4 e D tau_phi)`` (T), > 0.
    alpha
        Prefactor (dimensionless).

    Returns
    -------
    ndarray
        Delta sigma(B) in units of e^2/(pi h).
    """
    b = _wal_field(B_T)
    return alpha * _wal_f(max(float(B_phi), tiny) / b)


def wal_hln_so(B_T: Any, B_phi: float = 1e-3, B_so: float = 1e-2) -> np.ndarray:
    """HLN-type magnetoconductance with a spin-orbit field (e^2/(pi h)).

    ``Delta sigma = F(B/(B_phi + B_so)) + F(B/(B_phi + 2 B_so))/2 - F(B/B_phi)/2`` with
    ``F(x) = psi(1/2 + 1/x) + ln x``: weak localisation (alpha = 1) for B_so -> 0,
    antilocalisation (alpha = -1/2) for B_so >> B_phi. It is also the exact ILP result
    without a linear spin splitting (see :func:`wal_ilp`).

    Parameters
    ----------
    B_T
        Field (T).
    B_phi
        Phase-coherence field (T), > 0.
    B_so
        Spin-orbit field ``hbar/(4 e D tau_so)`` (T), >= 0.

    Returns
    -------
    ndarray
        Delta sigma(B) in units of e^2/(pi h).
    """
    b = _wal_field(B_T)
    bp, bs = max(float(B_phi), tiny), max(float(B_so), 0.0)
    return (_wal_f((bp + bs) / b) + 0.5 * _wal_f((bp + 2.0 * bs) / b)
            - 0.5 * _wal_f(bp / b))


def _ilp_bracket(b: np.ndarray, B_phi: float, H_so: float, H_lin: float) -> np.ndarray:
    """The bracket of ILP (Knap et al. 1996, Eq. 37) without the constant ``2 ln(H_tr)``;
    its series summed in closed form (complex digamma).

    With ``a_n = n + a0`` the n-th term ``3/n - P(a_n)/Q(a_n)`` has a cubic ``Q``; by
    partial fractions ``P/Q = sum_k r_k/(a - z_k)`` (``sum r_k = 3``), the series is
    ``sum_k r_k [psi(1 + a0 - z_k) + C]``.
    """
    phi, s, sl = B_phi / b, H_so / b, H_lin / b
    a0 = 0.5 + phi + s
    # Q(a) = a^3 + (s - 4 sl) a^2 + (2 sl (2 a0 - 1) - 1) a + (2 sl - s)
    c2, c1, c0 = s - 4.0 * sl, 2.0 * sl * (2.0 * a0 - 1.0) - 1.0, 2.0 * sl - s
    comp = np.zeros(b.shape + (3, 3))
    comp[..., 0, :] = np.stack([-c2, -c1, -c0], axis=-1)
    comp[..., 1, 0] = 1.0
    comp[..., 2, 1] = 1.0
    z = np.linalg.eigvals(comp)                         # (..., 3) roots of Q
    P = (3.0 * z**2 + (2.0 * s - 4.0 * sl)[..., None] * z
         + (4.0 * sl * a0 - 2.0 * sl - 1.0)[..., None])
    dQ = 3.0 * z**2 + 2.0 * c2[..., None] * z + c1[..., None]
    r = P / dQ
    # the series minus its constant 3C (Knap's bracket adds 3C back)
    series = np.sum(r * digamma(1.0 + a0[..., None] - z), axis=-1).real
    a1 = a0 + 1.0
    head = 1.0 / a0 + (2.0 * a0 + 1.0 + s) / (a1 * (a0 + s) - 2.0 * sl)
    return head - series + digamma(0.5 + phi) - 2.0 * np.log(b)


#: the B -> 0 reference of :func:`wal_ilp` is evaluated at this fraction of B_phi
_ILP_B_REF = 1.0e-4


def wal_ilp(B_T: Any, B_phi: float = 1e-3, B_so: float = 1e-2, B_so3: float = 0.0
            ) -> np.ndarray:
    """Iordanskii-Lyanda-Geller-Pikus magnetoconductance (e^2/(pi h)).

    ILP, JETP Lett. 60, 206 (1994), in the form of Knap et al., Phys. Rev. B 53, 3912
    (1996), Eqs. 37-38, with ``H_so = B_so + B_so3`` (linear plus cubic spin splitting)
    and ``H'_so = B_so`` (linear term, e.g. Rashba)::

        Delta sigma = -(1/2) [G(B) - G(0)],
        G = 1/a0 + (2 a0 + 1 + H_so/B)/(a1 (a0 + H_so/B) - 2 H'_so/B)
            - sum_{n>=1} [3/n - (3 a_n^2 + 2 a_n H_so/B - 1 - 2 (2n+1) H'_so/B)
                          / ((a_n + H_so/B) a_{n-1} a_{n+1} - 2 (H'_so/B)((2n+1) a_n - 1))]
            + 2 ln(H_tr/B) + psi(1/2 + B_phi/B),

    ``a_n = n + 1/2 + B_phi/B + H_so/B``. The series is summed exactly (partial fractions
    of the cubic denominator, complex digamma); ``G(0)`` is ``G`` at ``_ILP_B_REF`` times
    ``B_phi`` (the B^2 error there is about 1e-10). ``B_so = 0`` gives
    exactly :func:`wal_hln_so` with ``B_so3`` in place of its ``B_so``.

    Parameters
    ----------
    B_T
        Field (T).
    B_phi
        Phase-coherence field (T), > 0.
    B_so
        Field of the linear spin splitting ``hbar/(4 e D) 2 Omega_1^2 tau_1`` (T), >= 0.
    B_so3
        Field of the cubic spin splitting (T), >= 0 (default 0: pure linear Rashba).

    Returns
    -------
    ndarray
        Delta sigma(B) in units of e^2/(pi h).
    """
    bp = max(float(B_phi), tiny)
    lin, cub = max(float(B_so), 0.0), max(float(B_so3), 0.0)
    # a relative nudge keeps the roots of the cubic apart (the result is continuous)
    lin = lin * (1.0 + 1e-9) + 1e-12 * bp
    b_in = np.abs(np.asarray(B_T, dtype=float))
    b_ref = _ILP_B_REF * bp
    b = np.maximum(np.ravel(b_in), b_ref)
    g = _ilp_bracket(b, bp, lin + cub, lin)
    g0 = _ilp_bracket(np.array([b_ref]), bp, lin + cub, lin)[0]
    return np.reshape(np.where(np.ravel(b_in) <= b_ref, 0.0, -0.5 * (g - g0)), b_in.shape)


def wal_mf(B_T: Any, B_phi: float = 1e-3, B_so: float = 1e-2, B_z: float = 0.0
           ) -> np.ndarray:
    """Maekawa-Fukuyama magnetoconductance with Zeeman splitting (e^2/(pi h)).

    Maekawa and Fukuyama, J. Phys. Soc. Jpn. 50, 2516 (1981), in the form used for oxide
    interfaces (e.g. Caviglia et al., PRL 104, 126803 (2010)), signs such that
    ``gamma = 0`` is :func:`wal_hln_so`::

        Delta sigma = F(B/(B_phi + B_so))
                      + [F(B/(B_phi + B_so (1 + q))) - F(B/(B_phi + B_so (1 - q)))]/(2 q),

    ``q = sqrt(1 - gamma^2)``, ``gamma = g mu_B B/(4 e D B_so) = (B/B_z)`` with the Zeeman
    scale ``B_z = 4 e D B_so/(g mu_B)`` (T); for ``gamma > 1`` q is imaginary and the
    bracket stays real.

    Parameters
    ----------
    B_T
        Field (T).
    B_phi
        Phase-coherence (inelastic) field (T), > 0.
    B_so
        Spin-orbit field (T), > 0.
    B_z
        Zeeman scale ``4 e D B_so/(g mu_B)`` (T); 0 switches the Zeeman term off.

    Returns
    -------
    ndarray
        Delta sigma(B) in units of e^2/(pi h).
    """
    b = _wal_field(B_T)
    bp, bs = max(float(B_phi), tiny), max(float(B_so), tiny)
    gam = b / B_z if B_z > 0 else np.zeros_like(b)
    q = np.sqrt((1.0 - gam**2).astype(complex))
    small = np.abs(q) < 1e-6
    qs = np.where(small, 1e-6, q)
    diff = (_wal_fc((bp + bs * (1.0 + qs)) / b) - _wal_fc((bp + bs * (1.0 - qs)) / b)) / (2 * qs)
    # q -> 0: the bracket tends to (B_so/B) f'(z0), f'(z) = psi'(1/2 + z) - 1/z
    z0 = (bp + bs) / b
    lim = (bs / b) * (polygamma(1, 0.5 + z0) - 1.0 / z0)
    bracket = np.where(small, lim, diff.real)
    return _wal_f(z0) + bracket


# --------------------------------------------------------------------------------------
# re-entrant Tc(B) (docs/models/reentrant_tc.md, seed 003): empirical


def reentrant_tc(B_T: Any, Tc0_K: float = 0.4, B1_T: float = 2.0, dT_K: float = 0.1,
                 B2_T: float = 1.4, w_T: float = 0.25) -> np.ndarray:
    """EMPIRICAL re-entrant Tc(B) of docs/models/reentrant_tc.md (ASSUMPTION ``reentrant_form``),
    in K: pair-breaking suppression plus a Gaussian enhancement,
    ``Tc0*(1 - (B/B1)**2) + dT*exp(-(B - B2)**2/(2*w**2))``.

    Seed 003 gives no closed-form Tc(B); this phenomenological form has no physical
    derivation and only describes the shape (minimum between two superconducting regions).

    Parameters
    ----------
    B_T
        Field |B| (T).
    Tc0_K
        Tc at zero field of the suppressed part (K).
    B1_T
        Field where the suppressed part reaches zero (T).
    dT_K
        Height of the enhancement (K).
    B2_T, w_T
        Centre and standard width of the enhancement (T).
    """
    B = np.asarray(B_T, dtype=float)
    w = max(abs(float(w_T)), tiny)
    return (Tc0_K * (1.0 - (B / max(abs(float(B1_T)), tiny)) ** 2)
            + dT_K * np.exp(-((B - B2_T) ** 2) / (2.0 * w * w)))


# --------------------------------------------------------------------------------------
# registry


@dataclass(frozen=True)
class Lineshape:
    """A registered lineshape with an example of where it is evaluated.

    Attributes
    ----------
    func
        The function ``f(x, **params)``.
    x
        ``(lo, hi)`` of the independent variable in an ordinary use (same unit as ``x``).
    params
        Example parameter values (the function's defaults are used for the others).
    log
        True when the function returns a logarithm (may be ``-inf`` outside the domain).
    """

    func: Callable[..., Any]
    x: tuple[float, float]
    params: dict[str, Any] = field(default_factory=dict)
    log: bool = False


#: name -> registered lineshape (every function of this module)
LINESHAPES: dict[str, Lineshape] = {
    "ln_halperin_nelson": Lineshape(ln_halperin_nelson, (1.01, 3.0), log=True),
    "halperin_nelson": Lineshape(halperin_nelson, (1.01, 3.0)),
    "ln_halperin_nelson_tc0": Lineshape(ln_halperin_nelson_tc0, (1.01, 1.19), log=True),
    "halperin_nelson_tc0": Lineshape(halperin_nelson_tc0, (1.01, 1.19)),
    "ln_bcg": Lineshape(ln_bcg, (1.01, 3.0), log=True),
    "bcg": Lineshape(bcg, (1.01, 3.0)),
    "aslamazov_larkin": Lineshape(aslamazov_larkin, (1.01, 3.0)),
    "power_law_log": Lineshape(power_law_log, (-9.0, -3.0), log=True),
    "hall_odd": Lineshape(hall_odd, (-9.0, 9.0), {"R_H": -16.0}),
    "hall_two_band": Lineshape(hall_two_band, (-9.0, 9.0),
                               {"n1_m2": -2e16, "mu1_m2_Vs": 0.3, "n2_m2": 5e17,
                                "mu2_m2_Vs": 0.005}),
    "lamh_eq3_literal": Lineshape(lamh_eq3_literal, (0.3, 0.99),
                                  {"Tc_K": 1.0, "dF0_J": 50 * K_B, "L_m": 1e-4, "xi0_m": 1e-8}),
    "log_lamh_reduced": Lineshape(log_lamh_reduced, (0.3, 0.99),
                                  {"Tc_K": 1.0, "dF0_K": 50.0, "lnA": 10.0}, log=True),
    "lamh_reduced": Lineshape(lamh_reduced, (0.3, 0.99),
                              {"Tc_K": 1.0, "dF0_J": 50 * K_B, "A_ohm": 1e4}),
    "little_taps": Lineshape(little_taps, (0.3, 1.5),
                             {"Tc_K": 1.0, "dF0_J": 5 * K_B, "R_N_ohm": 1e3}),
    "gz_qps_literal": Lineshape(gz_qps_literal, (0.05, 0.99),
                                {"Tc_K": 1.0, "B1": 1.0, "B2": 0.1, "R_N_ohm": 1e3,
                                 "L_m": 1e-6, "xi0_m": 1e-8}),
    "log_gz_qps_reduced": Lineshape(log_gz_qps_reduced, (0.05, 0.99),
                                    {"Tc_K": 1.0, "a": 5.0, "lnc": 0.0, "R_N_ohm": 1e3},
                                    log=True),
    "gz_qps_reduced": Lineshape(gz_qps_reduced, (0.05, 0.99),
                                {"Tc_K": 1.0, "a": 5.0, "c": 1.0, "R_N_ohm": 1e3}),
    "tinkham_hc2": Lineshape(tinkham_hc2, (-math.pi, math.pi), {"H_perp": 0.45, "H_par": 5.0}),
    "tinkham_residual": Lineshape(tinkham_residual, (0.1, 5.0),
                                  {"theta": 0.3, "H_perp": 0.45, "H_par": 5.0}),
    "gl3d_hc2": Lineshape(gl3d_hc2, (-math.pi, math.pi), {"H_perp": 0.45, "H_par": 5.0}),
    "gl_perp_hc2": Lineshape(gl_perp_hc2, (0.0, 1.5), {"B0": 0.5, "Tc": 1.0}),
    "gl_par_hc2": Lineshape(gl_par_hc2, (0.0, 1.5), {"B0": 5.0, "Tc": 1.0}),
    "pauli_limit": Lineshape(pauli_limit, (0.1, 5.0)),
    "whh_reduced_field": Lineshape(whh_reduced_field, (0.01, 1.2)),
    "whh_hc2": Lineshape(whh_hc2, (0.01, 1.5), {"Tc": 1.0, "S": 0.5}),
    "whh_zero_temperature_ratio": Lineshape(
        lambda alpha, **kw: np.array([whh_zero_temperature_ratio(a, **kw) for a in alpha]),
        (0.0, 1.5), {"lam_so": 1.0}),
    "ag_pair_breaking": Lineshape(ag_pair_breaking, (0.01, 0.99)),
    "klb_hc2": Lineshape(klb_hc2, (0.01, 1.5), {"Tc": 1.0, "tau_so": 1e-13}),
    "klb_zero_temperature": Lineshape(
        lambda tau, **kw: np.array([klb_zero_temperature(1.0, t) for t in tau]),
        (1e-14, 1e-12)),
    "ising_hc2": Lineshape(ising_hc2, (0.01, 1.5), {"Tc": 1.0, "beta_so": 1e-3}),
    "bcs_gap_reduced": Lineshape(bcs_gap_reduced, (0.0, 1.2)),
    "ic_gl": Lineshape(ic_gl, (0.0, 1.5), {"Ic0_A": 1e-4, "Tc_K": 1.0}),
    "ic_power_law": Lineshape(ic_power_law, (0.0, 1.5), {"Ic0_A": 1e-4, "Tc_K": 1.0, "p": 1.2}),
    "ic_ambegaokar_baratoff": Lineshape(ic_ambegaokar_baratoff, (0.0, 1.5),
                                        {"Ic0_A": 1e-4, "Tc_K": 1.0}),
    "wal_hln_alpha": Lineshape(wal_hln_alpha, (-0.05, 0.05), {"B_phi": 1e-3, "alpha": -0.5}),
    "wal_hln_so": Lineshape(wal_hln_so, (-0.05, 0.05), {"B_phi": 1e-3, "B_so": 1e-2}),
    "wal_ilp": Lineshape(wal_ilp, (-0.05, 0.05), {"B_phi": 1e-3, "B_so": 1e-2, "B_so3": 1e-3}),
    "wal_mf": Lineshape(wal_mf, (-0.05, 0.05), {"B_phi": 1e-3, "B_so": 1e-2, "B_z": 0.02}),
    "reentrant_tc": Lineshape(reentrant_tc, (0.0, 1.9)),
}
