"""Weak (anti)localisation magnetoconductance: limits of every form, recovery of simulated
parameters, quality flags, CLI / manifest / Python, and a slow coverage test.

Independent truths: the HLN formulas are written out here with ``scipy.special.digamma``
(Hikami, Larkin, Nagaoka, Prog. Theor. Phys. 63, 707 (1980)); the ILP series is summed
term by term as printed in Knap et al., Phys. Rev. B 53, 3912 (1996), Eqs. 37-38; the
asymptotics psi(1/2 + z) - ln z -> 1/(24 z^2) (large z) and psi(1/2) = -gamma - 2 ln 2
are textbook (Abramowitz-Stegun 6.3.3, 6.3.18).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.constants import e as E_CHARGE
from scipy.constants import h as PLANCK
from scipy.constants import hbar as HBAR_SI
from scipy.special import digamma

from ktoanalysis.errors import OptionError, RefusedError
from ktoanalysis.io import Measurement
from ktoanalysis.transport import analyze
from ktoanalysis.transport import magnetoconductance as mc
from ktoanalysis.transport.lineshapes import wal_hln_alpha, wal_hln_so, wal_ilp, wal_mf

G0 = E_CHARGE**2 / (math.pi * PLANCK)   # e^2/(pi h), the unit of Delta sigma


def hln(B, B_phi, alpha):
    """HLN written out: alpha [psi(1/2 + B_phi/B) - ln(B_phi/B)] (e^2/(pi h)); 0 at B = 0."""
    B = np.abs(np.asarray(B, float))
    b = np.where(B > 0, B, 1.0)
    return np.where(B > 0, alpha * (digamma(0.5 + B_phi / b) - np.log(B_phi / b)), 0.0)


def F(x):
    return digamma(0.5 + 1.0 / x) + np.log(x)


def hln_so(B, B_phi, B_so):
    B = np.abs(np.asarray(B, float))
    b = np.where(B > 0, B, 1.0)
    out = F(b / (B_phi + B_so)) + 0.5 * F(b / (B_phi + 2 * B_so)) - 0.5 * F(b / B_phi)
    return np.where(B > 0, out, 0.0)


def ilp_bruteforce(B, B_phi, H_so, H_lin, nmax=400_000):
    """Knap Eq. 37 summed term by term up to nmax (tail ~ 1/n^2 added as last*nmax),
    bracket without 2 ln H_tr (a constant)."""
    out = []
    for b in np.atleast_1d(B):
        phi, s, sl = B_phi / b, H_so / b, H_lin / b
        a0 = 0.5 + phi + s
        n = np.arange(1, nmax + 1, dtype=float)
        an, am, ap = n + a0, n - 1 + a0, n + 1 + a0
        term = 3 / n - (3 * an**2 + 2 * an * s - 1 - 2 * (2 * n + 1) * sl) / (
            (an + s) * am * ap - 2 * sl * ((2 * n + 1) * an - 1))
        series = term.sum() + term[-1] * nmax
        g = (1 / a0 + (2 * a0 + 1 + s) / ((a0 + 1) * (a0 + s) - 2 * sl) - series
             - 2 * np.log(b) + digamma(0.5 + phi))
        out.append(g)
    return np.array(out)


# --------------------------------------------------------------------------------------
# limits of the forms


def test_unit_is_e2_over_pi_h():
    assert G0 == pytest.approx(E_CHARGE**2 / (2 * math.pi**2 * HBAR_SI), rel=1e-12)
    assert mc.G0_E2_PIH == pytest.approx(G0, rel=1e-12)


def test_hln_alpha_matches_the_written_formula():
    B = np.array([1e-4, 1e-3, 5e-3, 2e-2])
    for alpha in (1.0, -0.5, -1.3):
        np.testing.assert_allclose(wal_hln_alpha(B, 2e-3, alpha), hln(B, 2e-3, alpha),
                                   rtol=1e-10)
    assert wal_hln_alpha(np.array([0.0]), 1e-3, 1.0)[0] == pytest.approx(0.0, abs=1e-15)


def test_hln_small_field_b2_and_large_field_log():
    Bphi = 1e-3
    b_small = np.array([1e-6, 1e-5, 3e-5])   # B/B_phi <= 0.03 and in the asymptotic branch
    np.testing.assert_allclose(wal_hln_alpha(b_small, Bphi, 1.0), (b_small / Bphi)**2 / 24,
                               rtol=2e-3)
    # B >> B_phi: ln(B/B_phi) + psi(1/2) + psi'(1/2) B_phi/B, psi'(1/2) = pi^2/2
    b_large = np.array([1.0, 3.0])           # B/B_phi >= 1000
    psi_half = -np.euler_gamma - 2 * np.log(2)
    expected = np.log(b_large / Bphi) + psi_half + (math.pi**2 / 2) * Bphi / b_large
    np.testing.assert_allclose(wal_hln_alpha(b_large, Bphi, -0.5), -0.5 * expected,
                               rtol=1e-5)


def test_hln_so_limits_wl_and_wal():
    B = np.linspace(1e-4, 2e-2, 50)
    Bphi = 1e-3
    np.testing.assert_allclose(wal_hln_so(B, Bphi, 0.0), hln(B, Bphi, 1.0), rtol=1e-9)
    # B_so >> B_phi, B: antilocalisation with alpha = -1/2
    np.testing.assert_allclose(wal_hln_so(B, Bphi, 50.0), hln(B, Bphi, -0.5), atol=2e-6)
    np.testing.assert_allclose(wal_hln_so(B, Bphi, 3e-3), hln_so(B, Bphi, 3e-3), rtol=1e-9)


def test_ilp_limits_and_series():
    B = np.array([2e-4, 1e-3, 5e-3, 2e-2])
    Bphi = 1e-3
    # no linear term: ILP is the HLN spin-orbit form with the cubic field
    np.testing.assert_allclose(wal_ilp(B, Bphi, 0.0, 4e-3), hln_so(B, Bphi, 4e-3),
                               rtol=1e-6, atol=1e-9)
    # no spin-orbit at all: weak localisation alpha = 1
    np.testing.assert_allclose(wal_ilp(B, Bphi, 0.0, 0.0), hln(B, Bphi, 1.0), rtol=1e-6)
    # pure linear (Rashba): the closed-form sum equals the printed series term by term
    Bso = 5e-3
    # (differences between fields: the brute-force sum cannot reach B -> 0)
    ref = -0.5 * ilp_bruteforce(B, Bphi, Bso, Bso)
    got = wal_ilp(B, Bphi, Bso)
    np.testing.assert_allclose(got - got[0], ref - ref[0], atol=1e-6)
    # strong Rashba splitting: antilocalisation (negative, alpha -> -1/2 at B << B_so)
    small = np.array([1e-4, 3e-4])
    np.testing.assert_allclose(wal_ilp(small, Bphi, 10.0), hln(small, Bphi, -0.5), atol=1e-4)


def test_mf_limits():
    B = np.linspace(1e-4, 3e-2, 40)
    Bphi, Bso = 1e-3, 5e-3
    # no Zeeman term (or a huge Zeeman scale): exactly hln_so
    np.testing.assert_allclose(wal_mf(B, Bphi, Bso, 0.0), hln_so(B, Bphi, Bso), rtol=1e-9)
    np.testing.assert_allclose(wal_mf(B, Bphi, Bso, 1e6), hln_so(B, Bphi, Bso), rtol=1e-6)
    # continuous through gamma = B/B_z = 1 (q = 0)
    Bz = 1e-2
    x = Bz * np.array([1 - 1e-4, 1.0, 1 + 1e-4])
    y = wal_mf(x, Bphi, Bso, Bz)
    assert np.all(np.isfinite(y))
    assert abs(y[0] - y[1]) < 1e-3 and abs(y[2] - y[1]) < 1e-3


# --------------------------------------------------------------------------------------
# simulated R(B) curves


def simulate(rng, dsig, *, B_max=0.03, n=301, noise_rel=2e-5, R0=1000.0, odd=0.0):
    """R(B) from sigma = 1/R0 + G0*dsig(B) (+ an odd Hall admixture), relative noise."""
    B = np.linspace(-B_max, B_max, n)
    R = 1.0 / (1.0 / R0 + G0 * dsig(B)) + odd * B / B_max
    R = R * (1.0 + rng.normal(0.0, noise_rel, B.size))
    return Measurement(pd.DataFrame({"B_T": B, "R_ohm": R}), {"source": "simulated"})


def test_recovers_hln_alpha_parameters():
    rng = np.random.default_rng(3)
    m = simulate(rng, lambda B: hln(B, 2e-3, -0.5), odd=0.5)   # odd part removed
    res = analyze("magnetoconductance", [m], form="hln_alpha", D_m2_per_s=0.01)
    assert res.verdict == "ok", res.report()
    assert abs(res.value("B_phi_T") - 2e-3) < 3 * res.stderr("B_phi_T")
    assert abs(res.value("alpha") + 0.5) < 3 * res.stderr("alpha")
    # derived: tau = hbar/(4 e D B), l = sqrt(hbar/(4 e B))
    Bp = res.value("B_phi_T")
    assert res.value("tau_phi_s") == pytest.approx(HBAR_SI / (4 * E_CHARGE * 0.01 * Bp))
    assert res.value("l_phi_m") == pytest.approx(math.sqrt(HBAR_SI / (4 * E_CHARGE * Bp)))


def test_recovers_hln_so_parameters_with_background():
    rng = np.random.default_rng(4)
    m = simulate(rng, lambda B: hln_so(B, 1e-3, 4e-3) + 150.0 * B**2)
    res = analyze("magnetoconductance", [m], form="hln_so", background="b2")
    assert res.verdict == "ok", res.report()
    for name, truth in (("B_phi_T", 1e-3), ("B_so_T", 4e-3), ("c2_e2_pih_T2", 150.0)):
        assert abs(res.value(name) - truth) < 3 * res.stderr(name), (name, res.report())


def test_geometry_squares_and_length_width():
    rng = np.random.default_rng(5)
    sheet = simulate(rng, lambda B: hln(B, 2e-3, -0.5)).data      # R_S(0) = 1000 Ohm
    m = Measurement(pd.DataFrame({"B_T": sheet.B_T, "R_ohm": 3.0 * sheet.R_ohm}), {})
    a = analyze("magnetoconductance", [m], squares=3.0)
    b = analyze("magnetoconductance", [m], length_m=30e-6, width_m=10e-6)
    assert a.value("R_S_B0_ohm") == pytest.approx(1000.0, rel=1e-3)
    assert a.value("alpha") == pytest.approx(b.value("alpha"), rel=1e-9)
    assert a.value("alpha") == pytest.approx(-0.5, abs=0.02)
    with pytest.raises(OptionError):
        analyze("magnetoconductance", [m], squares=3.0, length_m=1e-5, width_m=1e-5)


def test_diffusion_from_effective_mass():
    """D = 2 pi hbar^2/(g m* m_e e^2 R_S) (Einstein relation, g = 2)."""
    from scipy.constants import m_e

    D = mc.diffusion_from_mass(1000.0, 0.5)
    assert D == pytest.approx(math.pi * HBAR_SI**2 / (0.5 * m_e * E_CHARGE**2 * 1000.0))


def test_flags_unresolved_flat_one_sided_and_refusals():
    rng = np.random.default_rng(6)
    # B_phi below the field step (1 mT steps, B_phi = 0.2 mT)
    m = simulate(rng, lambda B: hln(B, 2e-4, -0.5), n=61)
    res = analyze("magnetoconductance", [m])
    assert res.quality.has("below_field_step")
    # no field dependence: no significant signal
    flat = simulate(rng, lambda B: 0.0 * B)
    res = analyze("magnetoconductance", [flat])
    assert res.verdict == "fail" and res.quality.has("large_uncertainty")
    # one-sided sweep: used, but flagged
    d = simulate(rng, lambda B: hln(B, 2e-3, -0.5)).data
    one = Measurement(d[d.B_T >= 0].reset_index(drop=True), {"source": "one-sided"})
    res = analyze("magnetoconductance", [one])
    assert res.quality.has("not_symmetrised")
    # no data near B = 0
    far = Measurement(d[np.abs(d.B_T) > 0.012].reset_index(drop=True), {"source": "far"})
    with pytest.raises(RefusedError, match="near B = 0"):
        analyze("magnetoconductance", [far])
    neg = Measurement(pd.DataFrame({"B_T": d.B_T, "R_ohm": -d.R_ohm}), {})
    with pytest.raises(RefusedError, match="not positive"):
        analyze("magnetoconductance", [neg])
    with pytest.raises(OptionError, match="mf"):
        analyze("magnetoconductance", [m], form="mf")


def test_mf_and_ilp_run_through_the_kind():
    rng = np.random.default_rng(7)
    D = 0.01
    Bz = 4 * E_CHARGE * D * 5e-3 / (2 * 9.2740100783e-24)     # B_z = 4 e D B_so/(g mu_B)
    m = simulate(rng, lambda B: wal_mf(B, 1e-3, 5e-3, Bz), n=151, noise_rel=5e-5)
    res = analyze("magnetoconductance", [m], form="mf", D_m2_per_s=D)
    assert abs(res.value("B_so_T") - 5e-3) < 3 * res.stderr("B_so_T")
    m = simulate(rng, lambda B: wal_ilp(B, 1e-3, 5e-3), n=151, noise_rel=5e-5)
    res = analyze("magnetoconductance", [m], form="ilp")
    assert res.verdict == "ok", res.report()
    assert abs(res.value("B_phi_T") - 1e-3) < 3 * res.stderr("B_phi_T")


def test_cli_python_manifest_and_plot(tmp_path):
    from typer.testing import CliRunner

    from ktoanalysis.batch import run_series
    from ktoanalysis.cli import app
    from ktoanalysis.io import load

    rng = np.random.default_rng(8)
    d = simulate(rng, lambda B: hln(B, 2e-3, -0.5)).data
    f = tmp_path / "wal.csv"
    pd.DataFrame({"B (mT)": d.B_T * 1e3, "R (Ohm)": d.R_ohm}).to_csv(f, index=False)
    out = CliRunner().invoke(app, ["fit", "magnetoconductance", str(f), "--json",
                                   "--plot", str(tmp_path / "wal.png")])
    assert out.exit_code == 0, out.output
    res = json.loads(out.stdout)
    assert res["params"]["B_phi_T"]["value"] == pytest.approx(2e-3, rel=0.05)
    assert (tmp_path / "wal.png").stat().st_size > 10_000
    py = analyze("magnetoconductance", [load(f)])
    assert py.value("B_phi_T") == pytest.approx(res["params"]["B_phi_T"]["value"])
    man = tmp_path / "series.toml"
    man.write_text('[[run]]\nsample = "wal"\nkind = "magnetoconductance"\nfile = "wal.csv"\n'
                   '[run.options]\nform = "hln_alpha"\n')
    series = run_series(man, tmp_path / "out", plots=False)
    assert series.n_failed == 0
    table = pd.read_csv(series.results_path)
    assert table.loc[0, "B_phi_T"] == pytest.approx(py.value("B_phi_T"))
    out = CliRunner().invoke(app, ["kinds"])
    assert "magnetoconductance" in out.stdout


# --------------------------------------------------------------------------------------
# coverage


@pytest.mark.slow
@pytest.mark.parametrize("case", ["dense", "sparse_noisy", "hln_so"])
def test_coverage_of_B_phi(case):
    """1-sigma coverage of B_phi (and B_so) over 200 simulated curves: 60-76 %."""
    n_sets, hits, hits_so, fails = 200, 0, 0, 0
    for k in range(n_sets):
        rng = np.random.default_rng(10_000 + k)
        Bphi = rng.uniform(1e-3, 3e-3)
        if case == "hln_so":
            Bso = rng.uniform(3e-3, 8e-3)
            m = simulate(rng, lambda B, a=Bphi, s=Bso: hln_so(B, a, s), n=201,
                         noise_rel=5e-5)
            res = analyze("magnetoconductance", [m], form="hln_so")
            hits_so += abs(res.value("B_so_T") - Bso) <= (res.stderr("B_so_T") or 0.0)
        elif case == "dense":
            m = simulate(rng, lambda B, a=Bphi: hln(B, a, -0.5), n=301, noise_rel=3e-5)
            res = analyze("magnetoconductance", [m])
        else:
            m = simulate(rng, lambda B, a=Bphi: hln(B, a, -0.5), n=41, noise_rel=2e-4)
            res = analyze("magnetoconductance", [m])
        hits += abs(res.value("B_phi_T") - Bphi) <= (res.stderr("B_phi_T") or 0.0)
        fails += res.verdict == "fail"
    print(case, "coverage B_phi", hits / n_sets, "B_so", hits_so / n_sets, "fails", fails)
    assert 0.60 <= hits / n_sets <= 0.76
    if case == "hln_so":
        assert 0.60 <= hits_so / n_sets <= 0.76
    assert fails <= 0.05 * n_sets
