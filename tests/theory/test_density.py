"""Carrier density <-> chemical potential: Norman 2026 Table I and consistency checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import lattice
from ktoanalysis.theory.density import (
    density_for_mu,
    density_limit,
    electrons_per_cell,
    gamma_energy,
    mu_for_density,
    occupied_bands,
)
from ktoanalysis.theory.models import make_model

# Norman 2026 (papers/000), Table I: mu at n2D = 1e14 cm^-2 relative to band 1 at Gamma
TABLE_I_MU = {("111", "TB1"): 0.0775, ("111", "TB2"): 0.11565,
              ("001", "TB1"): 0.4884, ("001", "TB2"): 0.3642}
FAST = dict(n_rays=6, n_radial=50)


@pytest.mark.parametrize("case", sorted(TABLE_I_MU))
def test_table_i_chemical_potential(case):
    m = make_model(*case)
    mu = mu_for_density(m, 1e14, **FAST)
    assert mu == pytest.approx(TABLE_I_MU[case], abs=1e-4)


def test_001_tb2_needs_assumption_h3():
    # the Slater-Koster-complete 001 bilayer misses Table I by ~0.8 meV
    m = make_model("001", "TB2", interlayer_nnn_offdiag=True)
    mu = mu_for_density(m, 1e14, **FAST)
    assert abs(mu - TABLE_I_MU[("001", "TB2")]) > 5e-4


@pytest.mark.parametrize("case", [("111", "TB1"), ("001", "TB2")])
def test_inverse_and_monotonic(case):
    m = make_model(*case)
    for n in (2e13, 1e14):
        mu = mu_for_density(m, n, tol_eV=1e-7, **FAST)
        assert density_for_mu(m, mu, **FAST) == pytest.approx(n, rel=1e-5)
    assert density_for_mu(m, 0.02, **FAST) < density_for_mu(m, 0.04, **FAST)
    assert density_for_mu(m, -0.01, **FAST) == 0.0


def test_converged_in_grid():
    m = make_model("111", "TB1")
    coarse = mu_for_density(m, 1e14, tol_eV=1e-7, n_rays=4, n_radial=40)
    fine = mu_for_density(m, 1e14, tol_eV=1e-7, n_rays=24, n_radial=150)
    assert coarse == pytest.approx(fine, abs=1e-5)


def test_parabolic_closed_form():
    """Single-orbital limit: for small filling the bottom of the 001 bilayer xy band is
    parabolic, E = E0 + k^2 / (2 m*) with 1/m* = 2t (a = 1, hbar = 1) for hopping -t along
    x and y; each band holds one electron per k, and without SOC, Rashba and interlayer
    xy hopping (t' = 0) four spin-degenerate xy states (2 layers x 2 spins) share the
    bottom: N_e = 4 * A_cell/(2 pi)^2 * pi k_F^2 = 4 mu / (4 pi t)."""
    t = 1.0
    m = make_model("001", "TB1", t=t, xi_so=0.0, rashba_static_eV=0.0)
    mu = 0.004  # eV, deep in the parabolic regime (mu / 4t = 1e-3)
    Ne = electrons_per_cell(m, gamma_energy(m) + mu, **FAST)
    expected = 4 * mu / (4 * math.pi * t)
    assert Ne == pytest.approx(expected, rel=2e-3)


def test_density_units():
    # n2D = N_e / A_cell with A_cell = a^2 (001), a = 3.9885 Angstrom
    m = make_model("001", "TB2")
    mu = 0.2
    Ne = electrons_per_cell(m, gamma_energy(m) + mu, **FAST)
    assert density_for_mu(m, mu, **FAST) == pytest.approx(Ne / (3.9885e-8) ** 2, rel=1e-12)
    m2 = m.replace(a_angstrom=3.989)
    assert density_for_mu(m2, mu, **FAST) == pytest.approx(Ne / (3.989e-8) ** 2, rel=1e-12)
    assert lattice.cell_area("111") * (3.9885) ** 2 == pytest.approx(27.554, abs=1e-3)


@pytest.mark.parametrize("bad,match", [(-1e14, "positive"), (0.0, "positive"),
                                       (float("nan"), "positive"), (1e18, "absurd"),
                                       (5e15, "more than"), ("abc", "number")])
def test_bad_density(bad, match):
    with pytest.raises(TheoryError, match=match):
        mu_for_density(make_model("111", "TB1"), bad, **FAST)


def test_density_beyond_closed_fermi_surfaces():
    with pytest.raises(TheoryError, match="zone boundary"):
        mu_for_density(make_model("001", "TB1"), 1e15, **FAST)


def test_gamma_energy():
    m = make_model("111", "TB1", rashba_static_eV=0.0)
    assert gamma_energy(m) == pytest.approx(-2 * 1.0 - 0.265 / 2, abs=1e-12)
    assert np.isfinite(gamma_energy(make_model("001", "TB2")))


# --------------------------------------------------------------------------------------
# every density up to the model limit (issue 14: former failure points)
# --------------------------------------------------------------------------------------

#: densities at which the former doubling bracket overshot into open Fermi seas and raised
FORMER_BRACKET_FAILURES = [("111", "TB1", 1.05e14), ("111", "TB1", 1.8e14),
                           ("001", "TB1", 1.5e14), ("111", "TB2", 2e14)]


@pytest.mark.parametrize("o,tb,n", FORMER_BRACKET_FAILURES)
def test_former_bracket_failures_are_solved(o, tb, n):
    m = make_model(o, tb)
    mu = mu_for_density(m, n, tol_eV=1e-7, **FAST)
    assert density_for_mu(m, mu, **FAST) == pytest.approx(n, rel=1e-5)


@pytest.mark.parametrize("case", sorted(TABLE_I_MU))
def test_density_limit_is_the_zone_boundary_touch(case):
    """The stated model limit: band 1 reaches the surface-zone boundary. Checked from its
    definition: just below the limit every boundary point of band 1 lies above E_F (scan of
    the whole boundary, not only the wedge), just above it some boundary point lies below;
    and the limit is above 2e14 cm^-2 for all four Table I models."""
    m = make_model(*case)
    lim = density_limit(m, **FAST)
    assert lim.n2d_cm2 > 2e14
    phi = np.linspace(0.0, 2 * math.pi, 36001)
    r = lattice.zone_boundary_radius(m.orientation, phi)
    E1 = m.energies(r[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=-1))[:, 0]
    assert E1.min() > lim.E_F_eV - 1e-12
    assert E1.min() < lim.E_F_eV + 1e-6  # a 0.01 deg scan finds the touching point
    k = np.array(lim.k_touch)
    assert m.energies(k)[0] == pytest.approx(lim.E_F_eV, abs=1e-6)
    # mu_for_density reaches the limit and refuses beyond it with the limit in the message
    mu = mu_for_density(m, 0.999 * lim.n2d_cm2, **FAST)
    assert mu < lim.mu_eV
    with pytest.raises(TheoryError, match=r"above the highest density .* cm\^-2"):
        mu_for_density(m, 1.01 * lim.n2d_cm2, **FAST)


@pytest.mark.parametrize("o,tb,n,nb", [("111", "TB2", 3e13, 2), ("111", "TB2", 1e14, 4),
                                       ("001", "TB2", 2e14, 6), ("001", "TB1", 2e14, 6)])
def test_occupied_bands_from_mu(o, tb, n, nb):
    """Band count from mu, checked against the levels at Gamma (the band minima of these
    models are at Gamma): bands below E_F at k = 0 come in Kramers pairs."""
    m = make_model(o, tb)
    E_F = gamma_energy(m) + mu_for_density(m, n, **FAST)
    at_gamma = int(np.count_nonzero(m.energies(np.zeros(2)) < E_F))
    assert at_gamma == nb
    assert occupied_bands(m, E_F) == nb
