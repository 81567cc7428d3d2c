"""Tests of the Aslamazov-Larkin paraconductivity (MODELS.md section 3) and the
universal-jump constants (MODELS.md 4.6)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.constants as sc

from ktoanalysis.errors import FitError
from ktoanalysis.transport import bkt
from ktoanalysis.transport.fluct import G_AL_S, AslamazovLarkinModel, aslamazov_larkin, fit_al
from ktoanalysis.transport.result import FitResult

#: lmfit name -> public name of fit_al
_PUBLIC_AL = {"R_N0": "R_N0_ohm", "Tc0": "Tc0_AL_K", "C_AL": "C_AL"}


def test_universal_constants_row30():
    # MODELS.md §11 row 30 (closed form): e^2/16hbar = 1.5213e-5 S; 4 hbar/e^2 = 16432.9 Ohm;
    # R_Q = h/4e^2 = 6453.2 Ohm; L_K(T_BKT = 0.7 K) = 17.60 nH/sq; alpha(T_BKT) = 3
    assert G_AL_S == pytest.approx(1.5213e-5, rel=1e-4)
    assert 4 * sc.hbar / sc.e**2 == pytest.approx(16432.9, rel=1e-4)
    assert sc.h / (4 * sc.e**2) == pytest.approx(6453.2, rel=1e-4)
    assert bkt.kinetic_inductance_at_bkt(0.7) == pytest.approx(17.60e-9, rel=1e-3)
    Js = bkt.universal_stiffness(0.7)
    assert bkt.iv_exponent(Js, 0.7) == pytest.approx(3.0, rel=1e-12)
    # consistency: J_s = hbar^2/(4 e^2 L_K)
    assert Js == pytest.approx(sc.hbar**2 / (4 * sc.e**2 * bkt.kinetic_inductance_at_bkt(0.7)))


def test_al_small_coefficient_pitfall():
    # MODELS.md 3(a): R_N = 1.4 kOhm -> R_N e^2/16hbar ~ 0.021
    assert 1400 * G_AL_S == pytest.approx(0.0213, abs=5e-4)


def test_al_lineshape_limits():
    T = np.array([1.2, 1.5, 3.0])
    # linear and log reduced temperatures agree to first order close to Tc0
    a = aslamazov_larkin(np.array([1.0001]), 1000, 1.0, 1.0, form="log")
    b = aslamazov_larkin(np.array([1.0001]), 1000, 1.0, 1.0, form="linear")
    assert a == pytest.approx(b, rel=1e-4)  # eps_log = eps_lin*(1 - eps_lin/2 + ...)
    # exact algebra: 1/R - 1/R_N = C G/ln(T/Tc0)
    R = aslamazov_larkin(T, 1000.0, 1.0, 2.0)
    assert 1 / R - 1 / 1000.0 == pytest.approx(2 * G_AL_S / np.log(T), rel=1e-12)


@pytest.mark.parametrize("form", ["log", "linear"])
def test_al_recovery(form):
    rng = np.random.default_rng(3)
    T = np.linspace(0.70, 0.90, 60)
    truth = {"R_N0": 1400.0, "Tc0": 0.66, "C_AL": 20.0}
    R = aslamazov_larkin(T, **truth, form=form) + rng.normal(0, 1.0, T.size)
    res = fit_al(T, R, sigma_R_ohm=1.0, R_N_ohm=1400.0, form=form)
    assert isinstance(res, FitResult) and res.kind == "bkt-rt"
    assert res.verdict in ("ok", "warn") and not res.quality.has("bad_fit")
    for k, v in truth.items():
        name = _PUBLIC_AL[k]
        assert abs(res.value(name) - v) < 4 * res.stderr(name), (k, res.params[name])


def test_al_fixed_prefactor_and_errors():
    T = np.linspace(0.70, 0.90, 30)
    R = aslamazov_larkin(T, 1400.0, 0.69, 1.0)
    res = fit_al(T, R, prefactor="fixed", R_N_ohm=1400.0)
    assert res.params["C_AL"] == 1.0 and not res.lmfit_result.params["C_AL"].vary
    assert res.value("Tc0_AL_K") == pytest.approx(0.69, abs=1e-5)
    assert res.options["prefactor"] == "fixed" and res.provenance["function"] == "fit_al"
    with pytest.raises(FitError, match="array-level result: no figure; use analyze"):
        res.plot()
    with pytest.raises(FitError, match="points"):
        fit_al(T[:3], R[:3])
    with pytest.raises(FitError, match="al_prefactor"):
        fit_al(T, R, prefactor="sometimes")
    with pytest.raises(FitError):
        AslamazovLarkinModel(form="cubic")


@pytest.mark.slow
def test_al_tc0_coverage():
    """Coverage of the 1-sigma Tc0 and C_AL errors over 250 simulated data sets."""
    rng = np.random.default_rng(7)
    truth = {"R_N0": 1400.0, "Tc0": 0.66, "C_AL": 20.0}
    T = np.linspace(0.70, 0.90, 40)
    R0 = aslamazov_larkin(T, **truth)
    n, hits = 250, {"Tc0": 0, "C_AL": 0}
    for _ in range(n):
        res = fit_al(T, R0 + rng.normal(0, 2.0, T.size), sigma_R_ohm=2.0, R_N_ohm=1400.0)
        for k in hits:
            hits[k] += abs(res.value(_PUBLIC_AL[k]) - truth[k]) < res.stderr(_PUBLIC_AL[k])
    cov = {k: v / n for k, v in hits.items()}
    print(f"AL coverage {cov}")
    assert all(0.60 <= c <= 0.76 for c in cov.values()), cov


def test_al_wrong_noise_fails_goodness_of_fit():
    """A stated noise 10x below the real one: fit_al's verdict fails on bad_fit."""
    rng = np.random.default_rng(21)
    T = np.linspace(0.70, 0.90, 40)
    # AL (MODELS.md 3) written here: 1/R = 1/R_N + C e^2/(16 hbar)/ln(T/Tc0)
    R0 = 1.0 / (1.0 / 1400.0 + 20.0 * sc.e**2 / (16 * sc.hbar) / np.log(T / 0.66))
    res = fit_al(T, R0 + rng.normal(0, 10.0, T.size), sigma_R_ohm=1.0, R_N_ohm=1400.0)
    assert res.verdict == "fail" and res.quality.has("bad_fit")
