"""Fermi contours of any topology (contourpy) against the ray method and a k-grid count.

Independent truths: the ray method where it applies (sheets star-shaped about Gamma), a
Monkhorst-Pack count of occupied states over the whole surface zone written here, and
the derivative of the electron count (total DOS = dN/dE_F).
"""

from __future__ import annotations

import numpy as np
import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import density, lattice
from ktoanalysis.theory.contours import (
    ContourGrid,
    electrons_from_contours,
    fermi_contours,
    irreducible_domain,
    mu_for_density_contour,
)
from ktoanalysis.theory.fermi import fermi_surface
from ktoanalysis.theory.models import make_model
from ktoanalysis.theory.pairing import prepare_pairing

# Norman 2026 Table I chemical potentials (eV, n2D = 1e14 cm^-2)
MU = {("111", "TB1"): 0.0775, ("001", "TB1"): 0.4884}


def _grid_count(model, E_F: float, n: int = 200) -> float:
    """Electrons per cell: fraction of a Monkhorst-Pack grid over the reciprocal cell
    below E_F, summed over the 12 spin-resolved bands."""
    B = lattice.reciprocal_vectors(model.orientation)
    f = (np.arange(n) + 0.5) / n
    K = f[:, None, None] * B[0] + f[None, :, None] * B[1]
    return float(np.count_nonzero(model.energies(K) < E_F)) / n**2


@pytest.mark.parametrize("case,measure", [(("111", "TB1"), "angle"), (("111", "TB1"), "dos"),
                                          (("001", "TB1"), "angle")])
def test_contour_lambda_matches_rays(case, measure):
    """Same mu, same measure: the contour method's lambda is the ray method's to 1e-3
    (measured: 7e-6 for 111 and 1e-8 for 001 at ds = 0.03/a; 1e-8 at 0.005/a)."""
    m = make_model(*case)
    rays = prepare_pairing(m, mu_eV=MU[case], dphi_deg=1.0, measure=measure)
    cont = prepare_pairing(m, mu_eV=MU[case], measure=measure, method="contour",
                           contour_ds=0.03)
    assert cont.options["method"] == "contour" and rays.options["method"] == "rays"
    for w, disp in ((5.6, "vaks"), (2.5, "none")):
        lr = rays.solve(w, disp).lam
        lc = cont.solve(w, disp).lam
        assert lc == pytest.approx(lr, rel=1e-3)


@pytest.mark.parametrize("case", [("111", "TB1"), ("001", "TB1")])
def test_contour_dos_and_star_shape_match_rays(case):
    m = make_model(*case)
    cs = fermi_contours(m, MU[case], ds=0.02, n_grid=48)
    fs = fermi_surface(m, MU[case], dphi_deg=1.0)
    assert cs.bands == fs.bands and all(cs.star_shaped)
    assert np.allclose(cs.dos, fs.dos, rtol=1e-5)  # measured 4e-7
    # the points lie on the Fermi level of their band, inside the irreducible domain
    E = m.energies(cs.k)[np.arange(cs.n_points), cs.band]
    assert np.max(np.abs(E - cs.E_F_eV)) < 1e-10
    for r in range(len(cs.bands)):
        assert cs.weights[cs.sheet == r].sum() == pytest.approx(1.0)


@pytest.mark.parametrize("case,n2d", [(("111", "TB1"), 1e14), (("110", "TB2"), 2e14)])
def test_enclosed_area_matches_grid_count(case, n2d):
    """Electrons from the contour areas (Green's theorem, open sheets included) against a
    200 x 200 k-grid count (its error ~ perimeter / n^2, a few 1e-4 here)."""
    m = make_model(*case)
    mu = density.mu_for_density(m, n2d, method="auto")
    E_F = density.gamma_energy(m) + mu
    Ne = electrons_from_contours(m, E_F, ds=0.03, n_grid=64)
    assert Ne == pytest.approx(_grid_count(m, E_F), rel=3e-3)
    assert Ne / density.cell_area_cm2(m) == pytest.approx(n2d, rel=1e-4)


def test_open_sheets_of_110_handled():
    """Above the density where band 1 touches the zone boundary, (110) sheets are open:
    the rays refuse, the contours follow them (pieces ending on zone edges), the band DOS
    is dN/dE_F, the 'angle' measure is refused and auto picks the contours."""
    m = make_model("110", "TB1")
    lim = density.density_limit(m)
    n2d = 1.5e14
    assert n2d > lim.n2d_cm2
    with pytest.raises(TheoryError, match="zone boundary"):
        density.mu_for_density(m, n2d, method="rays")
    mu = density.mu_for_density(m, n2d, method="auto")  # rays up to their limit, contours above
    # the (110) default (OrientationSpec.fermi_method) is auto: the same mu without options
    assert density.mu_for_density(m, n2d) == mu
    with pytest.raises(TheoryError):
        fermi_surface(m, mu)
    grid = ContourGrid.compute(m, 64)
    cs = fermi_contours(m, mu, ds=0.02, grid=grid)
    assert not any(cs.star_shaped)
    n_edges = irreducible_domain("110").shape[0]
    zone_edges = set(range(1, n_edges - 1))  # X-S and S-Y
    assert any(p[3] in zone_edges or p[4] in zone_edges for p in cs.pieces)
    E_F = cs.E_F_eV
    h = 2e-4
    dN = (electrons_from_contours(m, E_F + h, grid=grid, ds=0.005)
          - electrons_from_contours(m, E_F - h, grid=grid, ds=0.005)) / (2 * h)
    assert cs.dos.sum() == pytest.approx(dN, rel=2e-3)  # measured 5e-4
    with pytest.raises(TheoryError, match="star-shaped"):
        fermi_contours(m, mu, measure="angle", grid=grid)
    prob = prepare_pairing(m, mu_eV=mu, method="auto", measure="dos", contour_ds=0.03)
    assert prob.options["method"] == "contour" and prob.n2d_cm2 == pytest.approx(n2d, rel=1e-4)
    res = prob.solve(5.6, "vaks")
    assert np.isfinite(res.lam) and res.lam > 0 and res.nbands == cs.dos.size


def test_contour_limits_and_options():
    m = make_model("110", "TB2")
    with pytest.raises(TheoryError, match="highest density"):
        mu_for_density_contour(m, 5e14)  # above one electron per 2D cell (4.4e14)
    with pytest.raises(TheoryError, match="rule on rays"):
        fermi_contours(m, 0.05, quadrature="paper")
    with pytest.raises(TheoryError, match="method"):
        prepare_pairing(m, n2d_cm2=5e13, method="grid")
    # below the ray limit 'auto' is the ray method
    assert density.mu_for_density(m, 5e13, method="auto") == density.mu_for_density(m, 5e13)
