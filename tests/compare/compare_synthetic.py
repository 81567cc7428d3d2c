"""Synthetic theory and results tables for the overlay tests (known closed-form values).

Imported by the test modules of this folder (pytest puts the folder on sys.path)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: BCS prefactor 2 e^gamma / pi and kelvin per meV, written out independently of the package
PREF = 2 * np.exp(0.5772156649015329) / np.pi
K_PER_MEV = 1.602176634e-22 / 1.380649e-23  # meV / k_B, CODATA 2018 exact values

N2D_GRID = np.linspace(2e13, 1.6e14, 8)


def omega0_meV(n2d_cm2):
    """A smooth stand-in for omega(0)(n2D): 2.5 meV at 0, 5.6 meV at 1e14 cm^-2 (linear)."""
    return 2.5 + 3.1 * np.asarray(n2d_cm2) / 1e14


def omega_2kf_meV(n2d_cm2):
    """Stand-in for omega(2 kF): 20 meV at 1e14 cm^-2, growing like sqrt(n)."""
    return 20.0 * np.sqrt(np.asarray(n2d_cm2) / 1e14)


def lam_theory(orientation, tb, n2d_cm2):
    """lambda(n2D): 111 about 0.2-0.3, 001 ten times smaller; TB2 10 % below TB1."""
    base = {"111": 0.15, "001": 0.015}[orientation]
    scale = 1.0 if tb == "TB1" else 0.9
    return scale * base * (1 + np.asarray(n2d_cm2) / 1e14)


def mcmillan_tc_K(lam, theta_K, mu):
    """McMillan Tc; 0 when the Coulomb term wins (no superconductivity)."""
    den = lam - mu * (1 + 0.62 * lam)
    return theta_K / 1.45 * np.exp(-1.04 * (1 + lam) / den) if den > 0 else 0.0


def make_theory(orientations=("111", "001"), tbs=("TB1", "TB2"), n2d=N2D_GRID):
    rows = []
    for o in orientations:
        for tb in tbs:
            for n in n2d:
                lam = lam_theory(o, tb, n)
                w0 = omega0_meV(n)
                for choice, wc in (("omega_2kF", omega_2kf_meV(n)), ("omega0", w0)):
                    rows.append(dict(orientation=o, tb=tb, n2d_cm2=n, omega0_meV=w0,
                                     **{"lambda": lam}, Tc_K=PREF * wc * K_PER_MEV
                                     * np.exp(-1 / lam), Tc_method="BCS",
                                     omega_c_choice=choice, mu_star=np.nan))
                    for mu in (0.0, 0.1):
                        rows.append(dict(orientation=o, tb=tb, n2d_cm2=n, omega0_meV=w0,
                                         **{"lambda": lam},
                                         Tc_K=mcmillan_tc_K(lam, wc * K_PER_MEV, mu),
                                         Tc_method="McMillan", omega_c_choice=choice,
                                         mu_star=mu))
    return pd.DataFrame(rows)


def make_results(rng=None):
    """A (111) series of this study: Tc_mid rising linearly with n (slope 2.84e-14 K cm^2),
    with errors, plus a row of another analysis kind without Tc."""
    rng = np.random.default_rng(1) if rng is None else rng
    n = np.array([3.0e13, 4.5e13, 6.0e13, 8.0e13, 1.0e14])
    tc = 2.84e-14 * (n - 1.5e13) + 0.2 + rng.normal(0, 0.03, n.size)
    df = pd.DataFrame({
        "sample": [f"S{i}" for i in range(n.size)], "orientation": "111", "n2d_cm2": n,
        "kind": "rt", "Tc_mid_K": tc, "Tc_mid_K_err": np.full(n.size, 0.04),
        "Tc_zero_K": tc - 0.15, "Tc_zero_K_err": np.full(n.size, 0.05),
        "T_BKT_K": tc - 0.1, "T_BKT_K_err": np.full(n.size, 0.03),
    })
    extra = pd.DataFrame({"sample": ["S0"], "orientation": ["111"], "n2d_cm2": [3.0e13],
                          "kind": ["hc2"]})
    return pd.concat([df, extra], ignore_index=True)
