"""Soft TO1 (Slater) phonon of KTaO3: isotropic Vaks TO1-TA dispersion and omega(0) from density.

Units at this boundary: phonon energies in meV, momentum transfer in 1/a (cubic lattice
constant a) or in cubic reciprocal-lattice units (rlu, ``q_rlu = |q| a / 2 pi``), fields
in V/m, sheet densities in cm^-2.

Sources
-------
* Dispersion: Vaks-type 2x2 TO1-TA dynamical matrix with the angular anisotropy dropped,
  KTaO3 parameters of Farhi et al., Eur. Phys. J. B 15, 615 (2000) (as used by Norman 2026,
  section II, for Fig. 3 and Table III).
* omega(0) from n2D: Norman 2026, Appendix B (after Liu et al., Nat. Commun. 14, 951, 2023;
  field-dependent Raman data of Fleury & Worlock, Phys. Rev. 174, 613, 1968). The paper
  prints ``b = 8e7``; the self-consistent value is ``b = 8e-7 m/V`` (ASSUMPTION: misprint
  of the exponent's sign; with it n2D = 1e14 cm^-2 gives eps(F) = 901 and omega(0) = 5.59
  meV, the paper's 897 and 5.6 meV).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..errors import TheoryError
from ..units import EPS0
from ..units import E as E_CHARGE

__all__ = [
    "OMEGA0_REF_MEV", "VAKS_KTO", "EPS_ZERO_FIELD", "B_FIELD_M_PER_V", "EPS0_F_PER_M",
    "Dispersion", "q_rlu_from_inv_a", "omega_to1_meV", "epsilon_of_field",
    "average_field_V_m", "omega0_from_density_meV", "appendix_b",
]

#: TO1 energy (meV) at which the Table II vertex amplitudes were derived (undoped bulk KTaO3)
OMEGA0_REF_MEV: float = 2.5
#: Farhi et al. (2000) isotropic Vaks parameters, meV^2 / rlu^2 (S_T, A_T, V_T)
VAKS_KTO: dict[str, float] = {"S_T": 4828.1, "A_T": 1553.0, "V_T": 2450.7}
#: zero-field relative permittivity of KTaO3 in eps(E) = 4500 / (1 + b E)
EPS_ZERO_FIELD: float = 4500.0
#: field scale b of eps(E) in m/V (corrected sign of the exponent, see module docstring)
B_FIELD_M_PER_V: float = 8e-7
#: vacuum permittivity used by the paper's Appendix B, F/m (CODATA value)
EPS0_F_PER_M: float = EPS0  # vacuum permittivity (CODATA, ktoanalysis.units)

Dispersion = Literal["vaks", "none"]


def q_rlu_from_inv_a(q_inv_a):
    """Convert a momentum transfer from 1/a to cubic reciprocal-lattice units.

    Parameters
    ----------
    q_inv_a
        |q| in units of 1/a (a = cubic lattice constant), scalar or array.

    Returns
    -------
    float or ndarray
        ``|q| a / (2 pi)`` (rlu).
    """
    return np.asarray(q_inv_a, dtype=float) / (2.0 * np.pi)


def omega_to1_meV(q_rlu, omega0_meV: float, dispersion: Dispersion = "vaks", *,
                  S_T: float = VAKS_KTO["S_T"], A_T: float = VAKS_KTO["A_T"],
                  V_T: float = VAKS_KTO["V_T"]):
    """TO1 phonon energy of the isotropic Vaks TO1-TA model.

    ``D(q) = [[w0^2 + S_T q^2, V_T q^2], [V_T q^2, A_T q^2]]`` (meV^2) and omega_TO1 is the
    square root of its larger eigenvalue.

    Parameters
    ----------
    q_rlu
        Momentum transfer in rlu (``|q| a / 2 pi``), scalar or array, >= 0.
    omega0_meV
        Zone-centre TO1 energy omega(0) in meV (> 0).
    dispersion
        ``"vaks"`` (the dispersive model) or ``"none"`` (omega(q) = omega(0)).
    S_T, A_T, V_T
        Vaks coefficients in meV^2/rlu^2 (default: Farhi et al. 2000 for KTaO3).

    Returns
    -------
    float or ndarray
        omega_TO1(q) in meV, same shape as ``q_rlu``.
    """
    if not np.isfinite(omega0_meV) or omega0_meV <= 0:
        raise TheoryError(f"omega0_meV must be a positive number, got {omega0_meV!r}")
    q = np.asarray(q_rlu, dtype=float)
    if dispersion == "none":
        out = np.full_like(q, float(omega0_meV))
        return out if out.ndim else float(out)
    if dispersion != "vaks":
        raise TheoryError(f"unknown phonon dispersion {dispersion!r} (expected 'vaks' or 'none')")
    q2 = q * q
    d11 = omega0_meV**2 + S_T * q2
    d22 = A_T * q2
    d12 = V_T * q2
    out = np.sqrt(0.5 * (d11 + d22) + np.sqrt((0.5 * (d11 - d22)) ** 2 + d12 * d12))
    return out if out.ndim else float(out)


def epsilon_of_field(E_V_m, *, b_m_per_V: float = B_FIELD_M_PER_V,
                     eps_zero: float = EPS_ZERO_FIELD):
    """Relative permittivity of KTaO3 in a static field, ``eps(E) = eps_zero / (1 + b E)``.

    Parameters
    ----------
    E_V_m
        Electric field in V/m (scalar or array, >= 0).
    b_m_per_V
        Field scale b in m/V.
    eps_zero
        Zero-field relative permittivity.

    Returns
    -------
    float or ndarray
        eps(E), dimensionless.
    """
    return eps_zero / (1.0 + b_m_per_V * np.asarray(E_V_m, dtype=float))


def average_field_V_m(n2d_cm2, *, b_m_per_V: float = B_FIELD_M_PER_V,
                      eps_zero: float = EPS_ZERO_FIELD, factor: float = 2.0):
    """Average confining field F of a triangular well holding the sheet density n2D.

    Solves ``e n2D = factor * eps0 * int_0^F eps(E) dE`` in closed form:
    ``1 + b F = exp(e n2D b / (factor eps0 eps_zero))`` (Norman 2026, Appendix B).

    Parameters
    ----------
    n2d_cm2
        Sheet carrier density in cm^-2 (scalar or array, >= 0).
    b_m_per_V, eps_zero
        Parameters of eps(E), see :func:`epsilon_of_field`.
    factor
        The factor 2 of Appendix B (average D field = half the surface value).

    Returns
    -------
    float or ndarray
        F in V/m.
    """
    n_m2 = np.asarray(n2d_cm2, dtype=float) * 1e4
    if np.any(n_m2 < 0) or not np.all(np.isfinite(n_m2)):
        raise TheoryError(f"n2d_cm2 must be finite and >= 0, got {n2d_cm2!r}")
    x = E_CHARGE * n_m2 * b_m_per_V / (factor * EPS0_F_PER_M * eps_zero)
    return np.expm1(x) / b_m_per_V


def omega0_from_density_meV(n2d_cm2, *, omega0_bulk_meV: float = OMEGA0_REF_MEV,
                            b_m_per_V: float = B_FIELD_M_PER_V,
                            eps_zero: float = EPS_ZERO_FIELD, factor: float = 2.0):
    """Zone-centre TO1 energy hardened by the carriers (Norman 2026, Appendix B).

    Lyddane-Sachs-Teller: ``omega(0) = omega0_bulk * sqrt(eps_zero / eps(F))`` with F from
    :func:`average_field_V_m`.

    Parameters
    ----------
    n2d_cm2
        Sheet density in cm^-2.
    omega0_bulk_meV
        Undoped bulk TO1 energy (2.5 meV).
    b_m_per_V, eps_zero, factor
        See :func:`average_field_V_m`.

    Returns
    -------
    float or ndarray
        omega(0) in meV (1e14 cm^-2 -> 5.59 meV).
    """
    F = average_field_V_m(n2d_cm2, b_m_per_V=b_m_per_V, eps_zero=eps_zero, factor=factor)
    eps = epsilon_of_field(F, b_m_per_V=b_m_per_V, eps_zero=eps_zero)
    out = omega0_bulk_meV * np.sqrt(eps_zero / eps)
    return out if np.ndim(out) else float(out)


def appendix_b(n2d_cm2: float, **kwargs) -> dict[str, float]:
    """All intermediate numbers of Appendix B for one density.

    Parameters
    ----------
    n2d_cm2
        Sheet density in cm^-2.
    **kwargs
        Passed to :func:`omega0_from_density_meV` (``b_m_per_V``, ``eps_zero``, ``factor``,
        ``omega0_bulk_meV``).

    Returns
    -------
    dict
        ``n2d_cm2``, ``F_V_m``, ``eps_F`` (relative permittivity at F), ``omega0_meV``.
    """
    field_kw = {k: v for k, v in kwargs.items() if k in ("b_m_per_V", "eps_zero", "factor")}
    eps_kw = {k: v for k, v in kwargs.items() if k in ("b_m_per_V", "eps_zero")}
    F = float(average_field_V_m(n2d_cm2, **field_kw))
    return {
        "n2d_cm2": float(n2d_cm2),
        "F_V_m": F,
        "eps_F": float(epsilon_of_field(F, **eps_kw)),
        "omega0_meV": float(omega0_from_density_meV(n2d_cm2, **kwargs)),
    }
