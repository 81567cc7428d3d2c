"""Lineshapes: the plain NumPy functions of every transport model (first layer).

As ``lmfit/lineshapes.py``: each function ``f(x, p1=.., p2=..)`` evaluates one formula of
``MODELS.md`` on arrays, guards divisions and logarithms with the one shared constant
:data:`tiny`, and knows nothing of fitting. The lmfit ``Model`` classes of
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

from ..errors import FitError
from ..units import HBAR, K_B, R_Q, E

__all__ = [
    "tiny", "EPS_MIN", "G_AL_S", "Lineshape", "LINESHAPES",
    "ln_halperin_nelson", "halperin_nelson", "ln_halperin_nelson_tc0",
    "halperin_nelson_tc0", "ln_bcg", "bcg", "aslamazov_larkin", "power_law_log",
    "hall_odd", "lamh_eq3_literal", "log_lamh_reduced", "lamh_reduced", "little_taps",
    "gz_qps_literal", "log_gz_qps_reduced", "gz_qps_reduced",
]

#: guard of divisions and logarithms (lmfit's ``tiny``, but small enough that resistances
#: of 1e-12 Ohm and below stay exact)
tiny: float = 1.0e-300
#: smallest reduced temperature (T/T* - 1) a lineshape evaluates; below it is clipped
EPS_MIN: float = 1.0e-12
#: universal 2D Aslamazov-Larkin conductance e^2/(16 hbar) (S)
G_AL_S: float = E**2 / (16 * HBAR)

ReducedT = Literal["log", "linear"]


# --------------------------------------------------------------------------------------
# BKT: Halperin-Nelson and Benfatto-Castellani-Giamarchi R(T) (MODELS.md 4.1-4.3)


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
    den = np.maximum(T - T_bkt, EPS_MIN * abs(T_bkt) + tiny)
    return (np.log(max(a * R_N, tiny))
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
    x = np.maximum(b / np.sqrt(_reduced(T, T_bkt)), EPS_MIN)
    ln_sinh = x + np.log1p(-np.exp(-2.0 * x)) - np.log(2.0)
    s = np.log(4.0 / max(A, EPS_MIN) ** 2) + 2.0 * ln_sinh
    return np.log(max(R_N, tiny)) - np.logaddexp(0.0, s)


def bcg(T: np.ndarray, R_N: float = 1e3, A: float = 1.0, b: float = 0.5, T_bkt: float = 1.0
        ) -> np.ndarray:
    """BCG interpolation R(T) (Ohm); see :func:`ln_bcg`."""
    return np.exp(ln_bcg(T, R_N, A, b, T_bkt))



# --------------------------------------------------------------------------------------
# Aslamazov-Larkin fluctuation conductivity (MODELS.md 3)


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
# I-V power law (MODELS.md 4.5)


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
# Hall resistance (MODELS.md 9)


def hall_odd(B_T: Any, R_H: float = 0.0, c: float = 0.0, c3: float = 0.0) -> np.ndarray:
    """Hall line ``R_xy = R_H*B + c + c3*B^3`` (Ohm), B in T, R_H in Ohm/T, c3 in Ohm/T^3."""
    B = np.asarray(B_T, dtype=float)
    return R_H * B + c + c3 * B**3



# --------------------------------------------------------------------------------------
# Phase slips: LAMH thermal and Golubev-Zaikin quantum (MODELS.md 6)


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
}
