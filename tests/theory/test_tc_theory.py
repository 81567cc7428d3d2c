"""lambda -> Tc: BCS, McMillan (Phys. Rev. 167, 331, 1968), Allen-Dynes (PRB 12, 905, 1975)."""

from __future__ import annotations

import math

import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import tc

K_PER_MEV = 11.6045  # 1 meV / k_B in kelvin


def test_bcs_closed_form_and_inverse():
    # Tc = 1.134 omega_c exp(-1/lambda); lambda = 0.26 at omega(0) = 5.6 meV -> 1.57 K
    expected = 1.1339 * 5.6 * K_PER_MEV * math.exp(-1 / 0.26)
    assert tc.tc_bcs(0.26, 5.6) == pytest.approx(expected, rel=1e-4)
    assert tc.tc_bcs(0.26, 5.6) == pytest.approx(1.57, abs=0.01)
    lam = tc.lambda_for_tc(2.0, 20.05)
    assert tc.tc_bcs(lam, 20.05) == pytest.approx(2.0, rel=1e-12)
    assert tc.tc_bcs(0.0, 5.6) == 0.0


def test_mcmillan_closed_form():
    lam, mu = 0.26, 0.1
    expected = 5.6 * K_PER_MEV / 1.45 * math.exp(-1.04 * (1 + lam) / (lam - mu * (1 + 0.62 * lam)))
    assert tc.tc_mcmillan(lam, 5.6, mu) == pytest.approx(expected, rel=1e-4)
    assert tc.tc_mcmillan(0.05, 5.6, 0.1) == 0.0      # lambda below mu*(1+0.62 lambda)


def test_allen_dynes_f1():
    lam, mu = 0.26, 0.0
    f1 = (1 + (lam / 2.46) ** 1.5) ** (1 / 3)
    base = 5.6 * K_PER_MEV / 1.2 * math.exp(-1.04 * (1 + lam) / lam)
    assert tc.tc_allen_dynes(lam, 5.6, mu) == pytest.approx(f1 * base, rel=1e-4)
    assert tc.tc_allen_dynes(lam, 5.6, mu, strong_coupling=False) == pytest.approx(base, rel=1e-4)


@pytest.mark.parametrize("formula", ["mcmillan", "allen_dynes"])
def test_inverse_round_trip(formula):
    target = tc.tc_from_lambda(0.4, 10.0, formula, 0.1)
    assert tc.lambda_for_tc(target, 10.0, formula, 0.1) == pytest.approx(0.4, rel=1e-9)


def test_bad_input():
    with pytest.raises(TheoryError):
        tc.tc_bcs(-0.1, 5.6)
    with pytest.raises(TheoryError):
        tc.tc_bcs(0.2, 0.0)
    with pytest.raises(TheoryError):
        tc.tc_from_lambda(0.2, 5.6, "eliashberg")
    with pytest.raises(TheoryError):
        tc.lambda_for_tc(1e4, 5.6)
