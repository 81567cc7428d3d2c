"""Units: lab units to SI, once, at the edge; physical constants from CODATA.

Internal convention: SI everywhere (K, T, Ohm, A, V, m, m^-2, J, rad), with the unit in
the name (``T_K``, ``B_T``, ``R_ohm``, ``n2d_m2``). The theory side states its own
internal units (eV, lattice units) at its boundary.
"""

from __future__ import annotations

import math

import scipy.constants as _sc

__all__ = [
    "E", "H", "HBAR", "K_B", "MU_B", "MU0", "EPS0", "PHI0", "R_K", "R_Q", "MEV", "EV",
    "UNIT_FACTORS", "to_si", "canonical_unit", "cm2_to_m2", "m2_to_cm2",
]

E: float = _sc.e
H: float = _sc.h
HBAR: float = _sc.hbar
K_B: float = _sc.k
MU_B: float = _sc.physical_constants["Bohr magneton"][0]
MU0: float = _sc.mu_0
EPS0: float = _sc.epsilon_0
PHI0: float = H / (2 * E)
R_K: float = H / E**2
R_Q: float = H / (4 * E**2)
EV: float = _sc.eV
MEV: float = 1e-3 * _sc.eV

# unit string (lower case, normalised) -> (SI unit, multiplicative factor, additive offset)
UNIT_FACTORS: dict[str, tuple[str, float, float]] = {
    # temperature
    "k": ("K", 1.0, 0.0),
    "mk": ("K", 1e-3, 0.0),
    "c": ("K", 1.0, 273.15),
    # magnetic field (mu0 H)
    "t": ("T", 1.0, 0.0),
    "mt": ("T", 1e-3, 0.0),
    "oe": ("T", 1e-4, 0.0),
    "koe": ("T", 1e-1, 0.0),
    "g": ("T", 1e-4, 0.0),
    # resistance
    "ohm": ("ohm", 1.0, 0.0),
    "ohms": ("ohm", 1.0, 0.0),
    "Ω": ("ohm", 1.0, 0.0),
    "ω": ("ohm", 1.0, 0.0),
    "kohm": ("ohm", 1e3, 0.0),
    "mohm": ("ohm", 1e-3, 0.0),
    "ohm/sq": ("ohm", 1.0, 0.0),
    "ohm-cm": ("ohm_cm", 1.0, 0.0),
    "ohm cm": ("ohm_cm", 1.0, 0.0),
    "ohm*cm": ("ohm_cm", 1.0, 0.0),
    # current
    "a": ("A", 1.0, 0.0),
    "ma": ("A", 1e-3, 0.0),
    "ua": ("A", 1e-6, 0.0),
    "µa": ("A", 1e-6, 0.0),
    "μa": ("A", 1e-6, 0.0),
    "na": ("A", 1e-9, 0.0),
    # voltage
    "v": ("V", 1.0, 0.0),
    "mv": ("V", 1e-3, 0.0),
    "uv": ("V", 1e-6, 0.0),
    "µv": ("V", 1e-6, 0.0),
    "μv": ("V", 1e-6, 0.0),
    "nv": ("V", 1e-9, 0.0),
    # angle
    "deg": ("rad", math.pi / 180, 0.0),
    "degree": ("rad", math.pi / 180, 0.0),
    "degrees": ("rad", math.pi / 180, 0.0),
    "rad": ("rad", 1.0, 0.0),
    # density
    "cm^-2": ("m2", 1e4, 0.0),
    "cm-2": ("m2", 1e4, 0.0),
    "1/cm^2": ("m2", 1e4, 0.0),
    "1/cm2": ("m2", 1e4, 0.0),
    "m^-2": ("m2", 1.0, 0.0),
    "m-2": ("m2", 1.0, 0.0),
    # time, frequency, energy
    "s": ("s", 1.0, 0.0),
    "sec": ("s", 1.0, 0.0),
    "min": ("s", 60.0, 0.0),
    "hz": ("Hz", 1.0, 0.0),
    "ev": ("J", EV, 0.0),
    "mev": ("J", MEV, 0.0),
    "j": ("J", 1.0, 0.0),
}


def _norm(unit: str) -> str:
    return unit.strip().replace(" ", "").replace("\u00b5", "u").replace("\u03bc", "u").lower()


def canonical_unit(unit: str) -> tuple[str, float, float] | None:
    """Return ``(si_unit, factor, offset)`` for a lab unit string, or ``None`` if unknown.

    Parameters
    ----------
    unit
        Unit as written in a column header, e.g. ``"Oe"``, ``"uA"``, ``"cm^-2"``.

    Returns
    -------
    tuple or None
        SI unit name, multiplicative factor and additive offset: ``si = value*factor + offset``.
    """
    stripped = unit.strip().replace(" ", "")
    if stripped[:1] == "M" and stripped[1:].lower() in ("ohm", "ohms", "\u03c9"):
        return ("ohm", 1e6, 0.0)  # mega-ohm: the prefix case matters (mOhm is milli)
    key = _norm(unit)
    if key in UNIT_FACTORS:
        return UNIT_FACTORS[key]
    key2 = unit.strip().lower()
    return UNIT_FACTORS.get(key2)


def to_si(value, unit: str):
    """Convert a value (scalar or array) from a lab unit to SI.

    Parameters
    ----------
    value
        Number or array in ``unit``.
    unit
        Lab unit, e.g. ``"Oe"`` (to tesla), ``"uA"`` (to ampere), ``"cm^-2"`` (to m^-2).

    Returns
    -------
    float or ndarray
        The value in SI.

    Raises
    ------
    KeyError
        If the unit is unknown.
    """
    conv = canonical_unit(unit)
    if conv is None:
        raise KeyError(f"unknown unit {unit!r}")
    _, factor, offset = conv
    return value * factor + offset


def cm2_to_m2(n_cm2):
    """Sheet density from cm^-2 to m^-2."""
    return n_cm2 * 1e4


def m2_to_cm2(n_m2):
    """Sheet density from m^-2 to cm^-2."""
    return n_m2 * 1e-4
