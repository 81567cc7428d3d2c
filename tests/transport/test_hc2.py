"""Shared Hc2 lineshapes, implicit solvers and Hc2 extraction (MODELS.md §5, §11)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.constants as sc
from scipy.special import digamma

from ktoanalysis.errors import DataFormatError, FitError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport.hc2 import (
    WHH_ORBITAL_RATIO,
    ag_pair_breaking,
    bc2perp_from_xi,
    crossing_field,
    d_from_bc2par,
    diffusion_from_slope,
    extract_hc2_points,
    extract_tc_points,
    gl3d_hc2,
    gl_par_hc2,
    hc2_points_from_table,
    klb_hc2,
    klb_zero_temperature,
    pauli_limit,
    tinkham_hc2,
    tinkham_residual,
    whh_hc2,
    whh_reduced_field,
    whh_zero_temperature_ratio,
    xi_from_bc2perp,
)

PHI0 = sc.h / (2 * sc.e)
MU_B = sc.physical_constants["Bohr magneton"][0]


# ---- §11 reference rows (seed 004 = 004_5aba75fef312435d.txt) -------------------------
def test_row1_xi_from_009T():
    # MODELS.md §11 row 1; 004_5aba75fef312435d.txt Eq. 1: 0.09 T -> 60.47 nm (paper 61.63)
    assert xi_from_bc2perp(0.09) == pytest.approx(60.47e-9, rel=1e-3)


def test_row2_bc2perp_from_xi():
    # MODELS.md §11 row 2; 004_5aba75fef312435d.txt: xi = 61.63 nm -> 0.08665 T
    assert bc2perp_from_xi(61.63e-9) == pytest.approx(0.08665, rel=1e-3)


def test_rows3_4_5_thickness_ratio_anisotropy():
    # MODELS.md §11 rows 3-5; 004_5aba75fef312435d.txt Eq. 2: d = 4.636 nm, xi/d = 13.31,
    # anisotropy 44.3 (0.09 T) / 46.0 (0.0867 T)
    d = d_from_bc2par(61.63e-9, 3.99)
    assert d == pytest.approx(4.636e-9, rel=5e-3)
    assert 61.63e-9 / d == pytest.approx(13.31, rel=5e-3)
    assert 3.99 / 0.09 == pytest.approx(44.3, rel=1e-2)
    assert 3.99 / bc2perp_from_xi(61.63e-9) == pytest.approx(46.0, rel=1e-2)
    # closed form of the prefactor: sqrt(12)*phi0/(2*pi) = sqrt(3)*hbar/e
    assert d * 61.63e-9 * 3.99 == pytest.approx(math.sqrt(3) * sc.hbar / sc.e, rel=1e-12)


def test_row10_bc2perp_high_density():
    # MODELS.md §11 row 10; 004_5aba75fef312435d.txt: xi = 16.43 nm -> 1.219 T
    assert bc2perp_from_xi(16.43e-9) == pytest.approx(1.219, rel=1e-3)


def test_row20_flux_penetration_xi():
    # MODELS.md §11 row 20; 003_3b17df2a45bebe00.txt: w = phi0/(B xi), w = 45 nm, B = 0.9 T
    assert PHI0 / (0.9 * 45e-9) == pytest.approx(51.1e-9, rel=5e-3)


def test_row22_xi_at_06K_lao_kto():
    # MODELS.md §11 row 22; 002_adb0abe1c8a3790c.txt: Hc2perp(0.6 K) = 0.45 T -> 27.04 nm,
    # anisotropy 5/0.45 = 11.1
    assert xi_from_bc2perp(0.45) == pytest.approx(27.04e-9, rel=1e-3)
    assert 5.0 / 0.45 == pytest.approx(11.1, rel=1e-2)


def test_row27_whh_limits():
    # MODELS.md §11 row 27 (closed form, WHH 1966): orbital B(0) = 0.6927 Tc S,
    # alpha = 1, lam_so = 0 -> 0.490 (= 0.693/sqrt 2), lam_so -> infinity -> 0.693
    assert whh_zero_temperature_ratio(0.0, 0.0) == pytest.approx(0.6927, abs=1e-4)
    assert whh_zero_temperature_ratio(0.0, 0.0) == pytest.approx(WHH_ORBITAL_RATIO, rel=1e-4)
    assert whh_zero_temperature_ratio(1.0, 0.0) == pytest.approx(0.490, abs=5e-4)  # 3 digits
    assert whh_zero_temperature_ratio(1.0, 0.0) == pytest.approx(
        WHH_ORBITAL_RATIO / math.sqrt(2), rel=1e-4)
    assert whh_zero_temperature_ratio(1.0, 1e5) == pytest.approx(0.6927, rel=1e-3)


def test_row29_klb_strong_so_limit():
    # MODELS.md §11 row 29 (closed form): tau_so = 1e-13 s, Tc = 1 K -> 7.055 T,
    # B(0)/B_P = sqrt(hbar/(3 tau_so Delta0)) = 3.799
    b0 = klb_hc2(np.array([1e-4]), 1.0, 1e-13)[0]
    assert b0 == pytest.approx(7.055, rel=1e-4)
    assert b0 == pytest.approx(klb_zero_temperature(1.0, 1e-13), rel=1e-4)
    delta0 = 1.764 * sc.k * 1.0
    assert b0 / pauli_limit(1.0) == pytest.approx(
        math.sqrt(sc.hbar / (3e-13 * delta0)), rel=1e-3)
    assert b0 / pauli_limit(1.0) == pytest.approx(3.799, rel=1e-3)


def test_row31_tinkham_roots():
    # MODELS.md §11 row 31 (002_adb0abe1c8a3790c.txt model): Hperp = 0.09, Hpar = 3.99 T
    th = np.radians([0.0, 90.0, 45.0, 89.0, 91.0])
    H = tinkham_hc2(th, 0.09, 3.99)
    # the table prints 5 decimals
    np.testing.assert_allclose(H, [0.09, 3.99, 0.12721, 2.73486, 2.73486], atol=5e-6)
    assert np.max(np.abs(tinkham_residual(H, th, 0.09, 3.99))) < 1e-12
    assert H[3] == pytest.approx(H[4], rel=1e-12)
    # the 180-360 deg half is the mirror image (|cos| essential)
    th2 = np.linspace(0, 2 * np.pi, 361)
    H2 = tinkham_hc2(th2, 0.09, 3.99)
    assert np.all(np.isfinite(H2)) and np.all(H2 > 0)
    np.testing.assert_allclose(H2, H2[::-1], rtol=1e-10)


def test_row33_tinkham_cusp_slope():
    # MODELS.md §11 row 33: dH/dtheta(90+0) = -Hpar^2/(2 Hperp) = -88.445 T/rad
    h = 1e-7
    slope = (tinkham_hc2(np.array([math.pi / 2 + h]), 0.09, 3.99)[0] - 3.99) / h
    assert slope == pytest.approx(-3.99**2 / (2 * 0.09), rel=1e-4)
    assert slope == pytest.approx(-88.445, rel=1e-4)
    # GL 3D is smooth: zero slope at 90 deg
    gslope = (gl3d_hc2(np.array([math.pi / 2 + h]), 0.09, 3.99)[0] - 3.99) / h
    assert abs(gslope) < 1e-3


def test_row34_thin_film_orbital_equals_2d_gl_near_tc():
    # MODELS.md §11 row 34 (§5.4 <-> §5.7.1): xi0 = 61.63 nm, d = 4.636 nm, Tc = 0.6 K
    xi0, d, Tc = 61.63e-9, 4.636e-9, 0.6
    D = 8 * sc.k * Tc * xi0**2 / (math.pi * sc.hbar)
    b = klb_hc2(np.array([0.999 * Tc]), Tc, 0.0, d, D)[0]
    gl = gl_par_hc2(0.999 * Tc, math.sqrt(12) * PHI0 / (2 * math.pi * xi0 * d), Tc)
    assert b == pytest.approx(0.12617, rel=1e-3)
    assert gl == pytest.approx(0.12618, rel=1e-3)
    ratios = [klb_hc2(np.array([t * Tc]), Tc, 0.0, d, D)[0]
              / gl_par_hc2(t * Tc, math.sqrt(12) * PHI0 / (2 * math.pi * xi0 * d), Tc)
              for t in (0.99, 0.999, 0.9999)]
    assert abs(ratios[2] - 1) < abs(ratios[1] - 1) < abs(ratios[0] - 1)


def test_row35_diffusion_constant():
    # MODELS.md §11 row 35 (from 004 numbers): D = 7.598e-4 m^2/s = 8 k_B Tc xi0^2/(pi hbar)
    xi0, Tc = 61.63e-9, 0.6
    D = diffusion_from_slope(-bc2perp_from_xi(xi0) / Tc)
    assert D == pytest.approx(7.598e-4, rel=1e-3)
    assert D == pytest.approx(8 * sc.k * Tc * xi0**2 / (math.pi * sc.hbar), rel=1e-6)


# ---- implicit solvers -----------------------------------------------------------------
def test_whh_root_satisfies_equation_and_is_continuous():
    t = np.linspace(0.05, 0.999, 60)
    for alpha, lam in [(0.0, 0.0), (0.8, 0.5), (1.5, 3.0)]:
        h = whh_reduced_field(t, alpha, lam)
        assert np.all(np.diff(h) < 0)  # decreasing towards Tc
        # the WHH equation (§5.5), written out independently
        g = np.sqrt((alpha * h) ** 2 - (lam / 2) ** 2 + 0j)
        g = np.where(np.abs(g) < 1e-12, 1e-12, g)
        rhs = ((0.5 + 1j * lam / (4 * g)) * digamma(0.5 + (h + lam / 2 + 1j * g) / (2 * t))
               + (0.5 - 1j * lam / (4 * g)) * digamma(0.5 + (h + lam / 2 - 1j * g) / (2 * t))
               ).real - digamma(0.5)
        np.testing.assert_allclose(rhs, np.log(1 / t), atol=1e-8)
    # slope at Tc: B = S Tc (1 - t) near t = 1
    B = whh_hc2(np.array([0.999]), 1.0, 2.0)
    assert B[0] == pytest.approx(2.0 * 0.001, rel=2e-3)


def test_ag_pair_breaking_limits():
    # T -> 0: Gamma = Delta0/2 = (pi/2) exp(-gamma) k_B Tc; near Tc: Gamma = (4/pi)(1-t) k_B Tc
    assert ag_pair_breaking(np.array([1e-5]))[0] == pytest.approx(
        math.pi / 2 * math.exp(-np.euler_gamma), rel=1e-6)
    assert ag_pair_breaking(np.array([0.9999]))[0] == pytest.approx(4 / math.pi * 1e-4,
                                                                     rel=1e-3)


def test_gl3d_closed_form():
    th = np.radians([0, 30, 60, 90])
    H = gl3d_hc2(th, 0.1, 2.0)
    np.testing.assert_allclose(
        (H * np.cos(th) / 0.1) ** 2 + (H * np.sin(th) / 2.0) ** 2, 1.0, rtol=1e-12)


def test_from_plane_convention_swaps():
    th = np.radians([10.0, 50.0])
    np.testing.assert_allclose(tinkham_hc2(th, 0.1, 2.0, convention="from_plane"),
                               tinkham_hc2(np.pi / 2 - th, 0.1, 2.0), rtol=1e-12)
    with pytest.raises(FitError, match="theta_convention"):
        tinkham_hc2(th, 0.1, 2.0, convention="sideways")


# ---- extraction -----------------------------------------------------------------------
def _rh_measurement(Bc_of_T, temps, RN=0.466, w=0.03, noise=2e-4, seed=0, mr=0.0):
    """Simulated R(H) sweeps -1 -> +1 T and back at each T; 50 % point exactly at Bc."""
    rng = np.random.default_rng(seed)
    rows = []
    B = np.round(np.arange(-1.0, 1.0001, 0.01), 6)
    for T in temps:
        Bc = Bc_of_T(T)
        for Bs in (B, B[::-1]):
            RNb = RN * (1 + mr * Bs**2)
            R = RNb / (1 + np.exp(-(np.abs(Bs) - Bc) / w)) + rng.normal(0, noise, Bs.size)
            rows.append(pd.DataFrame({"T_K": T + rng.normal(0, 1e-3, Bs.size), "B_T": Bs,
                                      "R_ohm": R}))
    return Measurement(data=pd.concat(rows, ignore_index=True), metadata={"source": "sim.csv"})


def test_extract_hc2_points_recovers_half_point():
    temps = [2.0, 2.1, 2.2, 2.3]
    Bc = {2.0: 0.491, 2.1: 0.448, 2.2: 0.408, 2.3: 0.365}
    m = _rh_measurement(lambda T: Bc[T], temps)
    pts = extract_hc2_points(m)
    assert [round(p.fixed, 1) for p in pts] == temps
    for p in pts:
        assert p.n_branches == 4
        assert p.value == pytest.approx(Bc[round(p.fixed, 1)], abs=3 * p.stderr + 1e-4)
        assert p.stderr > 0 and p.spread >= 0
        assert p.R_N_ohm == pytest.approx(0.466, rel=1e-3)


def test_extract_criterion_and_fixed_b():
    # logistic: R = f R_N at |B| = Bc + w ln(f/(1-f))
    m = _rh_measurement(lambda T: 0.4, [2.0], noise=1e-5)
    p90 = extract_hc2_points(m, fraction=0.9)[0]
    assert p90.value == pytest.approx(0.4 + 0.03 * math.log(9), abs=2e-3)
    pfix = extract_hc2_points(m, rn_method="fixed_B", rn_field_T=0.8)[0]
    rn_at_08 = 0.466 / (1 + math.exp(-(0.8 - 0.4) / 0.03))
    assert pfix.R_N_ohm == pytest.approx(rn_at_08, rel=1e-3)
    pval = extract_hc2_points(m, rn_method="fixed_value", R_N_ohm=0.466)[0]
    assert pval.value == pytest.approx(0.4, abs=1e-3)
    with pytest.raises(FitError, match="rn_field_T"):
        extract_hc2_points(m, rn_method="fixed_B")
    with pytest.raises(FitError, match="criterion"):
        extract_hc2_points(m, fraction=1.5)


def test_extract_censored_when_transition_beyond_range():
    m = _rh_measurement(lambda T: 3.0, [0.5], noise=1e-5)  # Hc2 far above 1 T
    pts = extract_hc2_points(m, rn_method="fixed_value", R_N_ohm=0.466)
    assert pts[0].censored == "lower_bound"
    assert pts[0].value == pytest.approx(1.0)


def test_extract_tc_points_from_rt():
    rng = np.random.default_rng(3)
    rows = []
    for B, Tc in [(0.0, 3.0), (0.5, 2.5), (1.0, 2.0)]:
        T = np.linspace(1.0, 4.0, 150)
        R = 1.0 / (1 + np.exp(-(T - Tc) / 0.02)) + rng.normal(0, 1e-4, T.size)
        rows.append(pd.DataFrame({"T_K": T, "B_T": B, "R_ohm": R}))
    m = Measurement(data=pd.concat(rows, ignore_index=True), metadata={"source": "rt.csv"})
    pts = extract_tc_points(m)
    np.testing.assert_allclose([p.fixed for p in pts], [0.0, 0.5, 1.0])
    np.testing.assert_allclose([p.value for p in pts], [3.0, 2.5, 2.0], atol=2e-3)


def test_crossing_field_none_and_error():
    assert crossing_field(np.arange(5.0), np.zeros(5), 0.5) is None
    xc, sig = crossing_field(np.array([0, 1, 2.0]), np.array([0, 1, 2.0]), 0.5, 0.1)
    assert xc == pytest.approx(0.5) and sig == pytest.approx(0.1)


def test_points_table_bad_input():
    m = Measurement(data=pd.DataFrame({"T_K": [1.0, 2.0], "Hc2_T": [0.5, np.nan]}),
                    metadata={"source": "pts.csv"})
    with pytest.raises(DataFormatError, match="pts.csv.*line 3"):
        hc2_points_from_table(m, "T_K")
    m = Measurement(data=pd.DataFrame({"T_K": [1.0, 2.0], "Hc2_T": [0.5, -0.1]}),
                    metadata={"source": "pts.csv"})
    with pytest.raises(DataFormatError, match="negative"):
        hc2_points_from_table(m, "T_K")
    m = Measurement(data=pd.DataFrame({"T_K": [1.0, 2.0]}), metadata={"source": "pts.csv"})
    with pytest.raises(DataFormatError, match="Hc2"):
        hc2_points_from_table(m, "T_K")
