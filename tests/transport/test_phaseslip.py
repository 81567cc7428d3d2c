"""Phase slips (MODELS.md §6): LAMH Eq. 3 literal vs reduced, GZ Eq. 4, fits, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.constants as sc

from ktoanalysis.errors import DataFormatError, FitError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import phaseslip as ps

L, W, XI0 = 120e-6, 20e-6, 61.63e-9  # seed 004 geometry and xi_GL(0)


def test_row14_literal_eq3_numbers_and_reduced_form():
    # MODELS.md §11 row 14; 004_5aba75fef312435d.txt Eq. 3 with Tc = 0.60 K, dF0 = 5.18e-23 J,
    # L = 120 um, xi0 = 61.63 nm: R(0.30 K) = 5.716e5, R(0.50 K) = 1.120e6, peak 2.10e6 at 0.418 K
    T = np.array([0.30, 0.50])
    lit = ps.lamh_eq3_literal(T, 0.60, 5.18e-23, L, XI0)
    assert lit == pytest.approx([5.716e5, 1.120e6], rel=1e-3)
    red = ps.lamh_reduced(T, 0.60, 5.18e-23, ps.taps_amplitude_physical(L, XI0))
    np.testing.assert_allclose(red, lit, rtol=1e-10)
    Tf = np.linspace(0.05, 0.599, 20001)
    r = ps.lamh_eq3_literal(Tf, 0.60, 5.18e-23, L, XI0)
    assert r.max() == pytest.approx(2.10e6, rel=5e-3)
    assert Tf[np.argmax(r)] == pytest.approx(0.418, abs=2e-3)
    # the bell: zero at and above Tc
    assert ps.lamh_eq3_literal(np.array([0.6, 0.7]), 0.6, 5.18e-23, L, XI0).tolist() == [0, 0]


def test_literal_vs_reduced_everywhere():
    # §6.1: the reduced form is identical to Eq. 3 (1e-10) over parameters and temperatures
    rng = np.random.default_rng(0)
    for _ in range(20):
        tc = rng.uniform(0.3, 2.5)
        df0 = rng.uniform(1, 50) * sc.k * tc
        xi0 = rng.uniform(10e-9, 100e-9)
        T = np.linspace(0.05, 0.99, 50) * tc
        a = ps.lamh_eq3_literal(T, tc, df0, L, xi0)
        b = ps.lamh_reduced(T, tc, df0, ps.taps_amplitude_physical(L, xi0))
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-290)  # denormals aside


def test_gz_literal_vs_reduced():
    # §6.2: R_QPS = (B1/B2) R_N S^2 exp(-S), S = a (1-t)^1/2, a = B2 (R_Q/R_N)(L/xi0)
    tc, B1, B2, rn = 1.79, 2.0, 0.004, 8000.0
    T = np.linspace(0.05, 1.7, 40)
    lit = ps.gz_qps_literal(T, tc, B1, B2, rn, L, 16.43e-9)
    a = B2 * (sc.h / (4 * sc.e**2)) / rn * L / 16.43e-9
    np.testing.assert_allclose(ps.gz_qps_reduced(T, tc, a, B1 / B2, rn), lit, rtol=1e-10)


def test_barrier_from_critical_field_section10():
    # MODELS.md §10 item 4(c): with S = W*d_SC (d = 4.636 nm),
    # dF0 = 5.18e-23 J <=> mu0 Hc(0) ~ 0.78 G
    assert ps.lamh_barrier(0.778e-4, W * 4.636e-9, XI0) == pytest.approx(5.18e-23, rel=1e-2)


def test_row12_row13_table1_values_and_fixed_tc_fit():
    # MODELS.md §11 row 12; 004_5aba75fef312435d.txt Table 1: dF(0) = 5.18, 10.86, 7.51, 26.53,
    # 29.63 (1e-23 J) -> dF(0)/k_B = 3.752, 7.866, 5.439, 19.216, 21.461 K
    table = [(5.18, 3.752), (10.86, 7.866), (7.51, 5.439), (26.53, 19.216), (29.63, 21.461)]
    for dfj, dfk in table:
        assert dfj * 1e-23 / sc.k == pytest.approx(dfk, rel=1e-3)
    # row 13: Table 1's Tc equals T_C^zero (0.60 K for 3.8e13): fit with Tc fixed as the paper
    # did, on data simulated with the Table 1 barrier; dF0_K must come back as 3.752 K
    rng = np.random.default_rng(12)
    T = np.linspace(0.30, 0.58, 35)
    R = ps.lamh_reduced(T, 0.60, 5.18e-23, 2e4) * np.exp(0.03 * rng.standard_normal(T.size))
    res = ps.fit_phase_slips(T, R, Tc_K=0.60, sigma_ohm=None)
    assert res.stderr("Tc_TAPS_K") is None and res.value("Tc_TAPS_K") == 0.60
    assert abs(res.value("dF0_K") - 3.752) < 4 * res.stderr("dF0_K")
    assert res.value("dF0_J") == pytest.approx(res.value("dF0_K") * sc.k, rel=1e-12)


def test_taps_free_tc_recovery():
    rng = np.random.default_rng(5)
    T = np.linspace(0.6, 1.5, 40)
    true = dict(Tc=1.6, dF0_K=12.0, A=5e4)
    R = ps.lamh_reduced(T, true["Tc"], true["dF0_K"] * sc.k, true["A"])
    R = R * np.exp(0.02 * rng.standard_normal(T.size))
    res = ps.fit_phase_slips(T, R)
    for key, name in (("Tc", "Tc_TAPS_K"), ("dF0_K", "dF0_K"), ("A", "A_TAPS_ohm")):
        assert abs(res.value(name) - true[key]) < 4 * res.stderr(name), name
    # implied xi0 from the free amplitude: A = (4 hbar/e^2) L/xi0
    assert res.value("xi0_implied_m") == pytest.approx(
        4 * sc.hbar / sc.e**2 * L / res.value("A_TAPS_ohm"), rel=1e-12)
    assert res.lmfit_result.covar is not None


def test_qps_and_combined_recovery():
    rng = np.random.default_rng(7)
    rn = 8000.0
    T = np.linspace(0.2, 1.7, 40)
    R = ps.gz_qps_reduced(T, 1.79, 30.0, 2.0, rn) * np.exp(0.03 * rng.standard_normal(T.size))
    res = ps.fit_phase_slips(T, R, model="qps", R_N_ohm=rn)
    assert abs(res.value("a_QPS") - 30.0) < 4 * res.stderr("a_QPS")
    assert abs(res.value("Tc_QPS_K") - 1.79) < 4 * res.stderr("Tc_QPS_K")
    # TAPS + QPS crossover with Table 1 (n_s = 8.9e13) barrier: 26.53e-23 J
    T2 = np.linspace(0.3, 1.75, 60)
    R2 = (ps.lamh_reduced(T2, 1.79, 26.53e-23, 3e5) + ps.gz_qps_reduced(T2, 1.79, 8.0, 0.05, rn))
    R2 = R2 * np.exp(0.03 * rng.standard_normal(T2.size))
    res2 = ps.fit_phase_slips(T2, R2, model="taps+qps", R_N_ohm=rn)
    assert abs(res2.value("dF0_K") - 26.53e-23 / sc.k) < 4 * res2.stderr("dF0_K")
    assert abs(res2.value("a_QPS") - 8.0) < 4 * res2.stderr("a_QPS")


def test_little_form_and_parallel_rn_recovery():
    rng = np.random.default_rng(9)
    T = np.linspace(0.5, 0.95, 30)
    rn = 1000.0
    R = ps.little_taps(T, 1.0, 6.0 * sc.k, rn) * np.exp(0.02 * rng.standard_normal(T.size))
    res = ps.fit_phase_slips(T, R, taps_form="little", R_N_ohm=rn)
    assert abs(res.value("dF0_K") - 6.0) < 4 * res.stderr("dF0_K")
    Rt = ps.lamh_reduced(T, 1.0, 8 * sc.k, 3e3)
    Rp = 1 / (1 / rn + 1 / Rt) * np.exp(0.02 * rng.standard_normal(T.size))
    res2 = ps.fit_phase_slips(T, Rp, taps_combination="parallel_RN", R_N_ohm=rn)
    assert abs(res2.value("dF0_K") - 8.0) < 4 * res2.stderr("dF0_K")


def test_sheet_vs_wire_and_physical_amplitude():
    # R_wire = R_S * L/W: a sheet input gives the same barrier and an amplitude x L/W
    rng = np.random.default_rng(3)
    T = np.linspace(0.3, 0.55, 25)
    Rw = ps.lamh_eq3_literal(T, 0.6, 5.18e-23, L, XI0) * np.exp(0.01 * rng.standard_normal(25))
    a = ps.fit_phase_slips(T, Rw, Tc_K=0.6)
    b = ps.fit_phase_slips(T, Rw * W / L, Tc_K=0.6, input_resistance="sheet")
    assert b.value("dF0_K") == pytest.approx(a.value("dF0_K"), rel=1e-6)
    assert b.value("A_TAPS_ohm") == pytest.approx(a.value("A_TAPS_ohm"), rel=1e-6)
    c = ps.fit_phase_slips(T, Rw, Tc_K=0.6, taps_amplitude="physical", xi0_m=XI0)
    assert abs(c.value("dF0_J") - 5.18e-23) < 4 * c.stderr("dF0_J")
    assert c.options["W_m"] == W and c.options["L_m"] == L


def test_bad_input():
    T = np.linspace(0.3, 0.5, 10)
    R = ps.lamh_reduced(T, 0.6, 5e-23, 1e4)
    with pytest.raises(FitError, match="Tc"):
        ps.fit_phase_slips(T, R, Tc_K=0.45)
    with pytest.raises(FitError, match="R <= 0"):
        ps.fit_phase_slips(T, np.r_[R[:-1], 0.0])
    with pytest.raises(DataFormatError, match="NaN"):
        ps.fit_phase_slips(T, np.r_[R[:-1], np.nan])
    with pytest.raises(FitError, match="points"):
        ps.fit_phase_slips(T[:3], R[:3])
    with pytest.raises(FitError, match="R_N_ohm"):
        ps.fit_phase_slips(T, R, model="qps")
    with pytest.raises(DataFormatError, match="duplicated"):
        ps.fit_phase_slips(np.r_[T, T[:1]], np.r_[R, R[:1]])


def test_analyze_window_and_plot(tmp_path):
    rng = np.random.default_rng(4)
    T = np.linspace(0.2, 0.7, 60)
    R = ps.lamh_reduced(T, 0.6, 5.18e-23, 2e4) * np.exp(0.02 * rng.standard_normal(60))
    R[T >= 0.6] = 1e-9  # above Tc nothing (clipped to a floor below the noise)
    m = Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "sim.csv"})
    res = ps.analyze([m], T_max_K=0.58, T_min_K=0.3, R_floor_ohm=1e-6)
    assert abs(res.value("dF0_K") - 3.752) < 4 * res.stderr("dF0_K")
    d = res.to_dict()
    assert d["provenance"]["columns"] == ["T_K", "R_ohm"] and d["options"]["T_max_K"] == 0.58
    with pytest.raises(FitError, match="unknown option"):
        ps.analyze([m], bogus=1)
    fig = res.plot(tmp_path / "ps.png")
    assert (tmp_path / "ps.png").stat().st_size > 0
    assert fig.axes[0].get_ylabel().startswith("R_wire")


@pytest.mark.slow
def test_coverage_lamh_and_gz():
    """>= 200 simulated data sets: 1-sigma intervals cover the truth 60-76 % of the time."""
    rng = np.random.default_rng(2024)
    n = 200
    T = np.linspace(0.6, 1.5, 30)
    hits = {"Tc_TAPS_K": 0, "dF0_K": 0}
    truth = {"Tc_TAPS_K": 1.6, "dF0_K": 12.0}
    Tq = np.linspace(0.2, 1.7, 30)
    hits_q = {"a_QPS": 0, "Tc_QPS_K": 0}
    truth_q = {"a_QPS": 30.0, "Tc_QPS_K": 1.79}
    for _ in range(n):
        R = ps.lamh_reduced(T, 1.6, 12.0 * sc.k, 5e4) * np.exp(0.03 * rng.standard_normal(30))
        res = ps.fit_phase_slips(T, R)
        for k in hits:
            hits[k] += abs(res.value(k) - truth[k]) <= res.stderr(k)
        Rq = ps.gz_qps_reduced(Tq, 1.79, 30.0, 2.0, 8000.0)
        Rq = Rq * np.exp(0.03 * rng.standard_normal(30))
        rq = ps.fit_phase_slips(Tq, Rq, model="qps", R_N_ohm=8000.0)
        for k in hits_q:
            hits_q[k] += abs(rq.value(k) - truth_q[k]) <= rq.stderr(k)
    cov = {k: v / n for k, v in (hits | hits_q).items()}
    print("coverage", cov)
    for k, c in cov.items():
        assert 0.60 <= c <= 0.76, (k, c)


def test_physical_amplitude_needs_xi0():
    T = np.linspace(0.3, 0.5, 10)
    R = ps.lamh_reduced(T, 0.6, 5e-23, 1e4)
    with pytest.raises(FitError, match="xi0_m"):
        ps.fit_phase_slips(T, R, Tc_K=0.6, taps_amplitude="physical")
    assert math.isfinite(ps.taps_amplitude_physical(L, XI0))
