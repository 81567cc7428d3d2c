"""Superconducting Tc from the BCS coupling constant lambda.

Formulas (one function each, energies in meV in, kelvin out):

* BCS (what Eq. 3 of Norman 2026 encodes): ``Tc = (2 e^gamma / pi) omega_c exp(-1/lambda)``,
  prefactor 1.134 (the paper's "1.14").
* McMillan, Phys. Rev. 167, 331 (1968), Eq. 18:
  ``Tc = (Theta_D / 1.45) exp[-1.04 (1 + lambda) / (lambda - mu* (1 + 0.62 lambda))]``.
* Allen & Dynes, Phys. Rev. B 12, 905 (1975), Eq. 34: ``Theta_D/1.45 -> omega_log/1.2``
  times the strong-coupling factors f1 and f2 (f2 = 1 for a single mode, omega2 = omega_log).

The cut-off omega_c is a named choice (ASSUMPTION, not fixed by the paper): ``"omega0"``
(zone-centre TO1 energy), ``"omega_2kF_GK"`` / ``"omega_2kF_GM"`` (TO1 energy at q = 2 kF of
band 1 at the first / last wedge angle: Gamma-K / Gamma-M for 111, 0 / 45 deg for 001).
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from ..errors import TheoryError
from ..units import K_B, MEV

__all__ = ["BCS_PREFACTOR", "MEV_TO_K", "OMEGA_C_CHOICES", "FORMULAS", "tc_bcs", "tc_mcmillan",
           "tc_allen_dynes", "tc_from_lambda", "lambda_for_tc", "omega_c_meV"]

#: 2 e^gamma / pi (Euler's gamma), the weak-coupling BCS prefactor
BCS_PREFACTOR: float = 2.0 * math.exp(0.5772156649015329) / math.pi
#: 1 meV in kelvin (CODATA)
MEV_TO_K: float = MEV / K_B
OMEGA_C_CHOICES = ("omega0", "omega_2kF_GK", "omega_2kF_GM")
FORMULAS = ("bcs", "mcmillan", "allen_dynes")

Formula = Literal["bcs", "mcmillan", "allen_dynes"]


def _check(lam, omega_meV) -> tuple[np.ndarray, float]:
    lam = np.asarray(lam, dtype=float)
    if not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise TheoryError(f"lambda must be finite and >= 0, got {lam!r}")
    if not (math.isfinite(omega_meV) and omega_meV > 0):
        raise TheoryError(f"the cut-off energy must be a positive number of meV, got {omega_meV!r}")
    return lam, float(omega_meV)


def _out(x):
    return float(x) if np.ndim(x) == 0 else x


def tc_bcs(lam, omega_c_meV: float, prefactor: float = BCS_PREFACTOR):
    """Weak-coupling BCS Tc = prefactor * omega_c * exp(-1/lambda).

    Parameters
    ----------
    lam
        Coupling constant(s), >= 0 (0 gives Tc = 0).
    omega_c_meV
        Cut-off energy in meV.
    prefactor
        2 e^gamma / pi = 1.134 by default.

    Returns
    -------
    float or ndarray
        Tc in kelvin.
    """
    lam, w = _check(lam, omega_c_meV)
    with np.errstate(divide="ignore"):
        tc = np.where(lam > 0, prefactor * w * MEV_TO_K * np.exp(-1.0 / np.where(lam > 0, lam, 1)),
                      0.0)
    return _out(tc)


def _mcmillan_exponent(lam, mu_star):
    denom = lam - mu_star * (1.0 + 0.62 * lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, np.exp(-1.04 * (1.0 + lam) / np.where(denom > 0, denom, 1)),
                        0.0)


def tc_mcmillan(lam, theta_meV: float, mu_star: float = 0.0):
    """McMillan Tc = (Theta_D/1.45) exp[-1.04 (1+lambda) / (lambda - mu*(1+0.62 lambda))].

    Parameters
    ----------
    lam
        Coupling constant(s).
    theta_meV
        The phonon energy scale (Theta_D = k_B Theta in meV; here the chosen omega_c).
    mu_star
        Coulomb pseudopotential (>= 0).

    Returns
    -------
    float or ndarray
        Tc in kelvin (0 where lambda <= mu*(1 + 0.62 lambda)).
    """
    lam, w = _check(lam, theta_meV)
    if not (math.isfinite(mu_star) and mu_star >= 0):
        raise TheoryError(f"mu_star must be a finite number >= 0, got {mu_star!r}")
    return _out(w * MEV_TO_K / 1.45 * _mcmillan_exponent(lam, mu_star))


def tc_allen_dynes(lam, omega_log_meV: float, mu_star: float = 0.0,
                   omega2_meV: float | None = None, strong_coupling: bool = True):
    """Allen-Dynes Tc = f1 f2 (omega_log/1.2) exp[-1.04(1+lambda)/(lambda - mu*(1+0.62 lambda))].

    Parameters
    ----------
    lam
        Coupling constant(s).
    omega_log_meV
        Logarithmic average phonon energy (here the chosen omega_c), meV.
    mu_star
        Coulomb pseudopotential.
    omega2_meV
        Second-moment phonon energy; None means a single mode (omega2 = omega_log, f2 = 1).
    strong_coupling
        Include f1 and f2 (False gives the plain modified-McMillan form).

    Returns
    -------
    float or ndarray
        Tc in kelvin.
    """
    lam, w = _check(lam, omega_log_meV)
    if not (math.isfinite(mu_star) and mu_star >= 0):
        raise TheoryError(f"mu_star must be a finite number >= 0, got {mu_star!r}")
    tc = w * MEV_TO_K / 1.2 * _mcmillan_exponent(lam, mu_star)
    if strong_coupling:
        ratio = 1.0 if omega2_meV is None else float(omega2_meV) / w
        L1 = 2.46 * (1.0 + 3.8 * mu_star)
        L2 = 1.82 * (1.0 + 6.3 * mu_star) * ratio
        f1 = (1.0 + (lam / L1) ** 1.5) ** (1.0 / 3.0)
        f2 = 1.0 + (ratio - 1.0) * lam**2 / (lam**2 + L2**2)
        tc = tc * f1 * f2
    return _out(tc)


def tc_from_lambda(lam, omega_c_meV: float, formula: Formula = "bcs", mu_star: float = 0.0):
    """Tc in kelvin from lambda with one of the named formulas.

    Parameters
    ----------
    lam
        Coupling constant(s).
    omega_c_meV
        Cut-off / phonon energy scale in meV.
    formula
        ``"bcs"``, ``"mcmillan"`` or ``"allen_dynes"``.
    mu_star
        Coulomb pseudopotential (ignored by ``"bcs"``).
    """
    if formula == "bcs":
        return tc_bcs(lam, omega_c_meV)
    if formula == "mcmillan":
        return tc_mcmillan(lam, omega_c_meV, mu_star)
    if formula == "allen_dynes":
        return tc_allen_dynes(lam, omega_c_meV, mu_star)
    raise TheoryError(f"unknown Tc formula {formula!r}; expected one of {', '.join(FORMULAS)}")


def lambda_for_tc(Tc_K: float, omega_c_meV: float, formula: Formula = "bcs",
                  mu_star: float = 0.0) -> float:
    """Coupling constant needed for a measured Tc (inverse of :func:`tc_from_lambda`).

    Parameters
    ----------
    Tc_K
        Target Tc in kelvin (> 0).
    omega_c_meV
        Cut-off energy in meV.
    formula, mu_star
        As in :func:`tc_from_lambda`.

    Returns
    -------
    float
        lambda (dimensionless).
    """
    if not (math.isfinite(Tc_K) and Tc_K > 0):
        raise TheoryError(f"Tc_K must be a positive temperature, got {Tc_K!r}")
    if formula == "bcs":
        ratio = BCS_PREFACTOR * omega_c_meV * MEV_TO_K / Tc_K
        if ratio <= 1:
            raise TheoryError(f"Tc = {Tc_K} K exceeds the BCS limit for omega_c = "
                              f"{omega_c_meV} meV")
        return 1.0 / math.log(ratio)
    from scipy.optimize import brentq

    def f(lam):
        return float(tc_from_lambda(lam, omega_c_meV, formula, mu_star)) - Tc_K

    lo = mu_star * 1.0001 + 1e-6
    hi = 50.0
    if f(hi) < 0:
        raise TheoryError(f"Tc = {Tc_K} K cannot be reached with omega_c = {omega_c_meV} meV")
    return float(brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))


def omega_c_meV(choice: str, result: Any, problem: Any = None) -> float:
    """Cut-off energy of a named choice for a pairing result.

    Parameters
    ----------
    choice
        ``"omega0"``, ``"omega_2kF_GK"`` or ``"omega_2kF_GM"``.
    result
        :class:`~ktoanalysis.theory.pairing.PairingResult` (uses its omega(0) and Fermi points).
    problem
        Unused (kept for symmetry with :class:`PairingProblem`).

    Returns
    -------
    float
        omega_c in meV.
    """
    from .phonon import omega_to1_meV

    if choice == "omega0":
        return float(result.omega0_meV)
    if choice not in OMEGA_C_CHOICES:
        raise TheoryError(f"unknown omega_c choice {choice!r}; expected one of "
                          f"{', '.join(OMEGA_C_CHOICES)}")
    sel = (result.sheet == 0)
    iphi = result.iphi[sel]
    kF = np.linalg.norm(result.k[sel], axis=1)
    j = 0 if choice == "omega_2kF_GK" else int(iphi.max())
    kf = float(kF[iphi == j][0])
    return float(omega_to1_meV(2.0 * kf / (2.0 * math.pi), result.omega0_meV, "vaks"))
