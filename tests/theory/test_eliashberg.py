"""Eliashberg spectral function and Tc (ktoanalysis.theory.eliashberg).

Independent truths: the Allen-Dynes formula written out here (Phys. Rev. B 12, 905 (1975),
Eq. 34 with f1; f2 = 1 for one mode), the gap-equation lambda of the same kernel
(ktoanalysis.theory.pairing, a separate solver), the BCS weak-coupling limit
``Tc = 1.134 omega exp(-1/lambda)``, and a dense eigenvalue from numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from typer.testing import CliRunner

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import eliashberg as el

K_PER_MEV = 11.604518  # 1 meV / k_B in K (CODATA)


def allen_dynes_einstein(lam, omega_meV, mu):
    """Allen-Dynes Eq. 34 for one mode (omega_log = omega_2 = omega), written from the paper."""
    L1 = 2.46 * (1 + 3.8 * mu)
    f1 = (1 + (lam / L1) ** 1.5) ** (1 / 3)
    return f1 * omega_meV * K_PER_MEV / 1.2 * math.exp(-1.04 * (1 + lam)
                                                      / (lam - mu * (1 + 0.62 * lam)))


@pytest.mark.parametrize("lam", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("mu", [0.0, 0.1])
def test_einstein_agrees_with_allen_dynes(lam, mu):
    # Allen & Dynes fitted their formula to numerical Eliashberg solutions within a few %
    # for lambda <= 1.5: measured here 0.96-1.04 of the formula
    r = el.tc_eliashberg(el.einstein_spectrum(10.0, lam), mu)
    ad = allen_dynes_einstein(lam, 10.0, mu)
    assert r.Tc_K == pytest.approx(ad, rel=0.05)
    assert r.Tc_allen_dynes_K == pytest.approx(ad, rel=1e-6)


def test_weak_coupling_bcs_limit():
    # lambda -> 0, mu* = 0: Tc -> 1.134 omega exp(-1/lambda') with lambda' = lambda/(1+lambda)
    # (mass renormalisation); the ratio tends to a constant of order 1 (the exponent matters)
    lam = 0.2
    r = el.tc_eliashberg(el.einstein_spectrum(10.0, lam), 0.0)
    bcs = 1.134 * 10.0 * K_PER_MEV * math.exp(-(1 + lam) / lam)
    assert 0.5 < r.Tc_K / bcs < 2.0


def test_fft_matvec_equals_dense_eigenvalue():
    sp = el.einstein_spectrum(5.0, 0.4) + el.einstein_spectrum(50.0, 0.2)
    k = el._Kernel(sp, 2.0, 0.12, 500.0, 100000)
    assert k.N > 384  # the FFT branch
    dense = np.linalg.eigvalsh(k.dense())[-1]
    assert k.largest() == pytest.approx(dense, rel=1e-9)


@pytest.fixture(scope="module")
def problem():
    from ktoanalysis.theory.models import make_model
    from ktoanalysis.theory.pairing import prepare_pairing

    return prepare_pairing(make_model("111", "TB1"), n2d_cm2=1e14, dphi_deg=5.0)


@pytest.mark.parametrize("dispersion", ["vaks", "none"])
def test_alpha2f_lambda_equals_gap_equation_lambda(problem, dispersion):
    lam_gap = problem.solve(5.6, dispersion).lam
    sp = el.alpha2f_from_problem(problem, 5.6, dispersion)
    w, a2f, edges = sp.a2f()
    lam_int = 2.0 * np.sum(a2f * np.diff(edges) / w)      # lambda = 2 int alpha^2F / omega
    assert lam_int == pytest.approx(lam_gap, rel=1e-3)
    avg = el.alpha2f_from_problem(problem, 5.6, dispersion, channel="average")
    assert avg.lambda_total <= lam_gap * (1 + 1e-12)     # a Rayleigh quotient
    if dispersion == "none":                              # an Einstein spectrum at omega(0)
        assert sp.omega_log_meV == pytest.approx(5.6, abs=sp.bin_meV)
    else:                                                 # omega(q) >= omega(0)
        assert sp.omega_meV.min() >= 5.6 - sp.bin_meV


def test_to1_only_is_negligible_and_says_why(problem):
    # n_max = 4096 keeps the test fast: the resolution floor is then ~0.1 K, so the TO1 Tc is
    # "below the floor" and the note says so (with the paper's reason)
    rows = el.tc_vs_omega0(problem, [5.6], "vaks", mu_star=0.1, lambda_E=0.3,
                           omega_E_meV=100.0, n_max=4096)
    row = rows[0]
    assert row["Tc_TO1_K"] is None and row["T_floor_K"] > el.NEGLIGIBLE_TC_K
    assert "too weak" in row["note"] and "paper 000" in row["note"]
    assert row["Tc_total_K"] > 0.1
    note = el.to1_negligible_note(None, 6e-3)               # default floor of this spectrum
    assert "negligible" in note and "too weak" in note
    assert "negligible" in el.to1_negligible_note(1e-3) and el.to1_negligible_note(0.5) == ""


def test_required_lambda_other_round_trip():
    base = el.einstein_spectrum(8.0, 0.05, label="TO1")
    lam = el.required_lambda_other(2.0, base, 100.0, mu_star=0.1)
    wc = 10.0 * 100.0
    r = el.tc_eliashberg(base + el.einstein_spectrum(100.0, lam), 0.1, omega_c_meV=wc)
    assert r.Tc_K == pytest.approx(2.0, rel=1e-4)
    assert el.required_lambda_other(1e-6, el.einstein_spectrum(10.0, 1.0), 10.0) == 0.0


def test_other_channel_options():
    assert el.other_channel() is None
    sp = el.other_channel(lambda_other=0.2, omega_log_other_meV=20.0, lambda_E=0.1,
                          omega_E_meV=100.0)
    assert sp.lambda_total == pytest.approx(0.3)
    assert sp.omega_log_meV == pytest.approx(math.exp((0.2 * math.log(20) + 0.1 * math.log(100))
                                                      / 0.3))
    with pytest.raises(TheoryError):
        el.other_channel(lambda_E=0.1)                    # no energy given


def test_cli_eliashberg_text():
    from ktoanalysis.cli import app

    r = CliRunner().invoke(app, ["theory", "eliashberg", "--dphi-deg", "5", "--omega0-meV",
                                 "5.6", "--lambda-e", "0.3", "--omega-e-meV", "100",
                                 "--n-max", "4096"])
    assert r.exit_code == 0, r.output
    assert "with the other channel" in r.output
    assert "TO1-only Tc" in r.output and "too weak" in r.output
