"""Normal-state quantities of a 2D electron gas (docs/models/hall_normal_state.md).

Plain functions, usable with floats, NumPy arrays or ``uncertainties`` ufloats (errors
propagate, correlations included). SI units throughout:

* Hall coefficient ``R_H_ohm_T`` (Ohm/T), sheet density ``n2d_m2`` (m^-2);
* sheet resistance ``R_S_ohm`` (Ohm per square) -- never the wire resistance
  ``R_wire_ohm = R_S * L / W`` (see :func:`sheet_from_wire`);
* mobility in m^2/(V s), wave vector in m^-1, lengths in m, diffusion constant in m^2/s.

Degeneracy (ASSUMPTION ``degeneracy``): ``g = g_s * g_v``, default 2 (spin-degenerate,
single valley, as in seed 004). KTaO3 has several spin-orbit-split Ta-5d subbands, so the
single-band k_F, l and k_F*l are *effective* numbers.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from uncertainties import UFloat, umath

from ..errors import FitError
from ..units import HBAR, K_B, E, H

__all__ = [
    "hall_density", "hall_coefficient", "carrier_type", "mobility", "fermi_wavevector",
    "mean_free_path", "kf_l", "sheet_resistance_from_mfp", "sheet_from_wire",
    "wire_from_sheet", "diffusion_constant_from_hc2_slope", "diffusion_constant_dirty",
    "diffusion_constant_transport", "xi_dirty_from_diffusion", "classify_clean_dirty",
    "normal_state_summary",
]

#: h/e^2 (von Klitzing constant), Ohm
_RK = H / E**2


def _sqrt(x: Any) -> Any:
    if isinstance(x, UFloat):
        return umath.sqrt(x)
    return np.sqrt(x)


def _abs(x: Any) -> Any:
    if isinstance(x, UFloat):  # abs() of a ufloat is deprecated in uncertainties
        return -x if x.nominal_value < 0 else x
    return np.abs(x)


def _nominal(x: Any) -> Any:
    return x.nominal_value if isinstance(x, UFloat) else x


def _check_positive(name: str, value: Any) -> None:
    v = np.asarray(_nominal(value), dtype=float)
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise FitError(f"{name} must be positive and finite, got {value!r}")


def hall_density(R_H_ohm_T: Any) -> Any:
    """Sheet carrier density from the Hall coefficient, single band.

    Parameters
    ----------
    R_H_ohm_T
        Hall slope dR_xy/dB in Ohm/T (either sign).

    Returns
    -------
    n2d_m2
        ``1/(e*|R_H|)`` in m^-2 (1e4 m^-2 = 1 cm^-2).
    """
    if np.any(np.asarray(_nominal(R_H_ohm_T)) == 0):
        raise FitError("Hall slope is zero: no carrier density can be derived")
    return 1.0 / (E * _abs(R_H_ohm_T))


def hall_coefficient(n2d_m2: Any) -> Any:
    """Magnitude of the Hall slope for a sheet density: ``1/(e*n)`` in Ohm/T."""
    _check_positive("n2d_m2", n2d_m2)
    return 1.0 / (E * n2d_m2)


def carrier_type(R_H_ohm_T: float,
                 hall_sign: Literal["standard", "reversed"] = "standard") -> str:
    """Carrier type from the sign of the Hall slope.

    Parameters
    ----------
    R_H_ohm_T
        Hall slope (Ohm/T).
    hall_sign
        ASSUMPTION ``hall_sign``: ``"standard"`` -- electrons give R_H < 0 (default);
        ``"reversed"`` -- the contact geometry flips the sign (electrons give R_H > 0).

    Returns
    -------
    str
        ``"electrons"`` or ``"holes"``.
    """
    if hall_sign not in ("standard", "reversed"):
        raise FitError(f"hall_sign must be 'standard' or 'reversed', got {hall_sign!r}")
    neg = float(_nominal(R_H_ohm_T)) < 0
    if hall_sign == "reversed":
        neg = not neg
    return "electrons" if neg else "holes"


def mobility(n2d_m2: Any, R_S_ohm: Any) -> Any:
    """Hall mobility ``1/(e*n*R_S)`` in m^2/(V s) (x1e4 for cm^2/(V s)).

    Parameters
    ----------
    n2d_m2
        Sheet density (m^-2).
    R_S_ohm
        Sheet resistance (Ohm per square) at the same temperature, B = 0.
    """
    _check_positive("n2d_m2", n2d_m2)
    _check_positive("R_S_ohm", R_S_ohm)
    return 1.0 / (E * n2d_m2 * R_S_ohm)


def fermi_wavevector(n2d_m2: Any, g: int = 2) -> Any:
    """Fermi wave vector of a 2D Fermi disc, ``sqrt(4*pi*n/g)`` in m^-1 (g = 2: sqrt(2 pi n))."""
    _check_positive("n2d_m2", n2d_m2)
    if g <= 0:
        raise FitError(f"degeneracy g must be positive, got {g}")
    return _sqrt(4.0 * math.pi * n2d_m2 / g)


def mean_free_path(n2d_m2: Any, R_S_ohm: Any, g: int = 2) -> Any:
    """Drude mean free path ``(2/g)*(h/e^2)/(k_F*R_S)`` in m (seed 004, g = 2).

    Parameters
    ----------
    n2d_m2
        Sheet density (m^-2).
    R_S_ohm
        Sheet resistance (Ohm per square), same temperature as n2d.
    g
        Degeneracy g_s*g_v (ASSUMPTION ``degeneracy``, default 2).
    """
    _check_positive("R_S_ohm", R_S_ohm)
    return (2.0 / g) * _RK / (fermi_wavevector(n2d_m2, g) * R_S_ohm)


def kf_l(R_S_ohm: Any, g: int = 2) -> Any:
    """Ioffe-Regel parameter ``k_F*l = (2/g)*(h/e^2)/R_S`` (dimensionless)."""
    _check_positive("R_S_ohm", R_S_ohm)
    return (2.0 / g) * _RK / R_S_ohm


def sheet_resistance_from_mfp(n2d_m2: Any, l_mfp_m: Any, g: int = 2) -> Any:
    """Sheet resistance (Ohm per square) implied by a mean free path (inverse of
    :func:`mean_free_path`)."""
    _check_positive("l_mfp_m", l_mfp_m)
    return (2.0 / g) * _RK / (fermi_wavevector(n2d_m2, g) * l_mfp_m)


def sheet_from_wire(R_wire_ohm: Any, W_m: float, L_m: float) -> Any:
    """Sheet resistance from the four-probe resistance of a Hall bar: ``R_S = R*W/L``.

    Parameters
    ----------
    R_wire_ohm
        Resistance between the voltage probes (Ohm).
    W_m, L_m
        Channel width and probe distance (m).
    """
    _check_positive("W_m", W_m)
    _check_positive("L_m", L_m)
    return R_wire_ohm * W_m / L_m


def wire_from_sheet(R_S_ohm: Any, W_m: float, L_m: float) -> Any:
    """Resistance of a length L of a bar of width W: ``R_wire = R_S*L/W`` (Ohm)."""
    _check_positive("W_m", W_m)
    _check_positive("L_m", L_m)
    return R_S_ohm * L_m / W_m


def diffusion_constant_from_hc2_slope(dBc2perp_dT_T_K: Any) -> Any:
    """Dirty-limit diffusion constant from the perpendicular Hc2 slope at Tc
    (docs/models/hall_normal_state.md).

    ``D = 4*k_B/(pi*e*|dB_c2perp/dT|)`` in m^2/s.

    Parameters
    ----------
    dBc2perp_dT_T_K
        Slope of B_c2perp(T) at Tc, T/K (sign ignored).
    """
    if np.any(np.asarray(_nominal(dBc2perp_dT_T_K)) == 0):
        raise FitError("Hc2 slope is zero: no diffusion constant")
    return 4.0 * K_B / (math.pi * E * _abs(dBc2perp_dT_T_K))


def diffusion_constant_dirty(xi0_m: Any, Tc_K: Any) -> Any:
    """Dirty-limit D from the GL coherence length: ``D = 8*k_B*Tc*xi0^2/(pi*hbar)`` (m^2/s).

    Identical to :func:`diffusion_constant_from_hc2_slope` with the GL slope
    ``phi0/(2*pi*xi0^2*Tc)``.
    """
    _check_positive("xi0_m", xi0_m)
    _check_positive("Tc_K", Tc_K)
    return 8.0 * K_B * Tc_K * xi0_m**2 / (math.pi * HBAR)


def xi_dirty_from_diffusion(D_m2_s: Any, Tc_K: Any) -> Any:
    """GL coherence length ``xi0 = sqrt(pi*hbar*D/(8*k_B*Tc))`` (m), inverse of
    :func:`diffusion_constant_dirty`."""
    _check_positive("D_m2_s", D_m2_s)
    _check_positive("Tc_K", Tc_K)
    return _sqrt(math.pi * HBAR * D_m2_s / (8.0 * K_B * Tc_K))


def diffusion_constant_transport(n2d_m2: Any, R_S_ohm: Any, m_eff_kg: float,
                                 g: int = 2) -> Any:
    """Transport diffusion constant ``D = v_F*l/2`` (2D), ``v_F = hbar*k_F/m*`` (m^2/s).

    Parameters
    ----------
    m_eff_kg
        Effective mass (kg); ASSUMPTION ``m_eff``, no default (pass e.g. ``0.5*m_e``).
    """
    _check_positive("m_eff_kg", m_eff_kg)
    kf = fermi_wavevector(n2d_m2, g)
    return HBAR * kf / m_eff_kg * mean_free_path(n2d_m2, R_S_ohm, g) / 2.0


def classify_clean_dirty(l_mfp_m: float, xi0_m: float,
                         bounds: tuple[float, float] = (0.1, 10.0)) -> str:
    """Clean / dirty / intermediate classification from ``l/xi``.

    Parameters
    ----------
    l_mfp_m, xi0_m
        Mean free path and GL coherence length (m).
    bounds
        ``l/xi`` below ``bounds[0]`` is "dirty", above ``bounds[1]`` "clean", else
        "intermediate" (seed 004: l/xi = 0.20 is "intermediate").
    """
    ratio = float(_nominal(l_mfp_m)) / float(_nominal(xi0_m))
    if ratio < bounds[0]:
        return "dirty"
    if ratio > bounds[1]:
        return "clean"
    return "intermediate"


def normal_state_summary(n2d_m2: Any, R_S_ohm: Any | None = None, g: int = 2,
                         xi0_m: Any | None = None) -> dict[str, Any]:
    """All derived normal-state quantities at once (errors propagated).

    Returns
    -------
    dict
        ``n2d_m2``, ``n2d_cm2``, ``kF_m``; with ``R_S_ohm`` also ``mobility_m2_Vs``,
        ``mobility_cm2_Vs``, ``l_mfp_m``, ``kF_l``; with ``xi0_m`` also ``l_over_xi``.
    """
    out: dict[str, Any] = {"n2d_m2": n2d_m2, "n2d_cm2": n2d_m2 * 1e-4,
                           "kF_m": fermi_wavevector(n2d_m2, g)}
    if R_S_ohm is not None:
        mu = mobility(n2d_m2, R_S_ohm)
        out.update({"mobility_m2_Vs": mu, "mobility_cm2_Vs": mu * 1e4,
                    "l_mfp_m": mean_free_path(n2d_m2, R_S_ohm, g), "kF_l": kf_l(R_S_ohm, g)})
        if xi0_m is not None:
            out["l_over_xi"] = out["l_mfp_m"] / xi0_m
    return out

