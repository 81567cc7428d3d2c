"""Normal-state quantities (MODELS.md §1) against seed-paper numbers and closed forms."""

from __future__ import annotations

import math

import pytest
import scipy.constants as sc
from uncertainties import ufloat

from ktoanalysis.errors import FitError
from ktoanalysis.transport import normal_state as ns

PHI0 = sc.h / (2 * sc.e)


def test_row8_mean_free_path_seed004():
    # MODELS.md §11 row 8; 004_5aba75fef312435d.txt: l_mfp = 12.3 nm at n_s = 3.8e13 cm^-2,
    # l = (h/e^2)/(k_F R_S), k_F = sqrt(2 pi n_s)  ->  R_S(10 K) = 1358.2 Ohm/sq, k_F l = 19.01
    n = 3.8e13 * 1e4
    assert ns.fermi_wavevector(n) == pytest.approx(1.5452e9, rel=1e-4)
    assert ns.sheet_resistance_from_mfp(n, 12.3e-9) == pytest.approx(1358.2, rel=5e-3)
    assert ns.mean_free_path(n, 1358.2) == pytest.approx(12.3e-9, rel=5e-3)
    assert ns.kf_l(1358.2) == pytest.approx(19.01, rel=5e-3)


def test_row9_l_over_xi_and_classification():
    # MODELS.md §11 row 9; 004_5aba75fef312435d.txt: l/xi_GL(0) = 12.3/61.63 = 0.200, "intermediate"
    summary = ns.normal_state_summary(3.8e17, 1358.2, xi0_m=61.63e-9)
    assert summary["l_over_xi"] == pytest.approx(0.200, rel=1e-2)
    assert ns.classify_clean_dirty(summary["l_mfp_m"], 61.63e-9) == "intermediate"
    assert ns.classify_clean_dirty(1e-9, 61.63e-9) == "dirty"
    assert ns.classify_clean_dirty(1e-6, 61.63e-9) == "clean"


def test_row24_hall_coefficient():
    # MODELS.md §11 row 24: n_s = 3.8e13 cm^-2 <-> |R_H| = 16.425 Ohm/T (004_5aba75fef312435d.txt);
    # 7.28e13 cm^-2 <-> 8.574 Ohm/T (002_adb0abe1c8a3790c.txt)
    assert ns.hall_coefficient(3.8e17) == pytest.approx(16.425, rel=1e-4)
    assert ns.hall_coefficient(7.28e17) == pytest.approx(8.574, rel=1e-4)
    assert ns.hall_density(-16.425) == pytest.approx(3.8e17, rel=1e-4)


def test_row25_mobility():
    # MODELS.md §11 row 25; 004_5aba75fef312435d.txt (derived):
    # n_s = 3.8e13 cm^-2, R_S = 1358 Ohm -> 120.9 cm^2/Vs
    assert ns.mobility(3.8e17, 1358.0) * 1e4 == pytest.approx(120.9, rel=1e-3)


def test_row35_dirty_diffusion_constant_both_routes():
    # MODELS.md §11 row 35 (§1.3): xi0 = 61.63 nm, Tc = 0.6 K -> D = 7.598e-4 m^2/s
    xi0, tc = 61.63e-9, 0.6
    d1 = ns.diffusion_constant_dirty(xi0, tc)
    slope = PHI0 / (2 * math.pi * xi0**2 * tc)
    d2 = ns.diffusion_constant_from_hc2_slope(-slope)
    assert d1 == pytest.approx(7.598e-4, rel=1e-3)
    assert d2 == pytest.approx(d1, rel=1e-9)
    assert ns.xi_dirty_from_diffusion(d1, tc) == pytest.approx(xi0, rel=1e-12)


def test_degeneracy_scaling_and_transport_d():
    # k_F ~ sqrt(1/g); k_F l ~ 2/g (Drude sigma = (g/2) e^2/h k_F l)
    n, rs = 5e17, 1000.0
    assert ns.fermi_wavevector(n, g=4) == pytest.approx(ns.fermi_wavevector(n) / math.sqrt(2))
    assert ns.kf_l(rs, g=4) == pytest.approx(ns.kf_l(rs) / 2)
    # D = v_F l / 2 with v_F = hbar k_F / m; closed form check at g = 2
    m = 0.5 * sc.m_e
    kf = math.sqrt(2 * math.pi * n)
    expected = sc.hbar * kf / m * (sc.h / sc.e**2) / (kf * rs) / 2
    assert ns.diffusion_constant_transport(n, rs, m) == pytest.approx(expected, rel=1e-12)


def test_ufloat_propagation_and_carrier_type():
    rh = ufloat(-16.425, 0.1)
    n = ns.hall_density(rh)
    # relative error of n equals relative error of R_H
    assert n.std_dev / n.nominal_value == pytest.approx(0.1 / 16.425, rel=1e-9)
    kf = ns.fermi_wavevector(n)
    assert kf.std_dev / kf.nominal_value == pytest.approx(0.5 * 0.1 / 16.425, rel=1e-9)
    assert ns.carrier_type(-1.0) == "electrons"
    assert ns.carrier_type(-1.0, "reversed") == "holes"
    r_s = ns.sheet_from_wire(6 * 1358.0, 20e-6, 120e-6)
    assert r_s == pytest.approx(1358.0)
    assert ns.wire_from_sheet(r_s, 20e-6, 120e-6) == pytest.approx(6 * 1358.0)


def test_bad_input_raises():
    with pytest.raises(FitError):
        ns.hall_density(0.0)
    with pytest.raises(FitError):
        ns.mobility(-1e17, 100.0)
    with pytest.raises(FitError):
        ns.carrier_type(1.0, "sideways")  # type: ignore[arg-type]
