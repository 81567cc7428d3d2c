"""Carrier density <-> chemical potential of a bilayer model.

Convention (electronic-structure spec section 10): the 12 bands are spin-resolved, so each
band holds one electron per k; electrons per 2D cell N_e = n2D * A_cell, and

    N_e(E_F) = sum_n A_cell/(2 pi)^2 * integral_BZ theta(E_F - E_n(k)) d^2k.

The chemical potential is reported as mu = E_F - E_1(Gamma), relative to the lowest
eigenvalue at k = 0 (Norman 2026, Table I caption).

Method: polar integration about Gamma on the irreducible wedge (times the number of group
operations). Each ray is sampled on a radial grid out to the surface-zone boundary;
occupied segments are delimited by the crossings of E_n with E_F, located on the grid and
refined to machine precision by a bracketing (Illinois) root search. The rays sit at the
midpoints of equal angular steps; since E_n(g k) = E_n(k) this is the trapezoid rule on
the full (periodic) circle and converges exponentially with the number of rays (16 rays
per wedge and 80 radial points already give mu to better than 0.001 meV).

Units: energies in eV, k in 1/a, densities in cm^-2 at the public boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ..errors import TheoryError
from . import lattice
from .tightbinding import TightBindingModel

__all__ = ["gamma_energy", "electrons_per_cell", "density_for_mu", "mu_for_density",
           "n2d_to_electrons_per_cell", "RayGrid"]

#: densities above this (cm^-2) are rejected as absurd before any computation
N2D_MAX_CM2 = 1e16


def gamma_energy(model: TightBindingModel) -> float:
    """Lowest eigenvalue of H(k = 0) in eV (the reference of mu)."""
    return float(model.energies(np.zeros(2))[0])


def cell_area_cm2(model: TightBindingModel) -> float:
    """Area of the 2D cell in cm^2 (sqrt3 a^2 for 111, a^2 for 001)."""
    a_cm = model.a_m * 100.0
    return lattice.cell_area(model.orientation) * a_cm**2


def n2d_to_electrons_per_cell(model: TightBindingModel, n2d_cm2: float) -> float:
    """Electrons per 2D cell N_e = n2D * A_cell for a sheet density in cm^-2."""
    return float(n2d_cm2) * cell_area_cm2(model)


# --------------------------------------------------------------------------------------
# rays
# --------------------------------------------------------------------------------------


def refine_crossings(model: TightBindingModel, dirs: np.ndarray, band: np.ndarray,
                     r_lo: np.ndarray, r_hi: np.ndarray, f_lo: np.ndarray,
                     f_hi: np.ndarray, E_F: float, *, tol_r: float = 1e-12,
                     maxiter: int = 100) -> np.ndarray:
    """Roots of E_band(r * dir) = E_F inside brackets [r_lo, r_hi] (vectorized Illinois).

    Parameters
    ----------
    dirs
        Unit ray directions (m, 2).
    band
        Band index (0-based) of each root (m,).
    r_lo, r_hi, f_lo, f_hi
        Brackets (1/a) and E - E_F (eV) at their ends, of opposite signs.

    Returns
    -------
    ndarray (m,) radii in 1/a.
    """
    a = np.array(r_lo, dtype=float)
    b = np.array(r_hi, dtype=float)
    fa = np.array(f_lo, dtype=float)
    fb = np.array(f_hi, dtype=float)
    root = np.where(fa == 0.0, a, np.where(fb == 0.0, b, np.nan))
    active = np.isnan(root)
    for _ in range(maxiter):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        ai, bi, fai, fbi = a[idx], b[idx], fa[idx], fb[idx]
        denom = fbi - fai
        c = np.where(denom != 0.0, (ai * fbi - bi * fai) / np.where(denom != 0, denom, 1.0),
                     0.5 * (ai + bi))
        lo = np.minimum(ai, bi)
        hi = np.maximum(ai, bi)
        c = np.where((c <= lo) | (c >= hi), 0.5 * (ai + bi), c)
        E = model.energies(c[:, None] * dirs[idx])
        fc = E[np.arange(idx.size), band[idx]] - E_F
        # Illinois update: keep the bracket
        same_as_b = np.sign(fc) == np.sign(fbi)
        new_a = np.where(same_as_b, ai, bi)
        new_fa = np.where(same_as_b, fai, fbi)
        # Illinois: halve the value of the retained end
        new_fa = np.where(same_as_b, 0.5 * new_fa, new_fa)
        a[idx], fa[idx] = new_a, new_fa
        b[idx], fb[idx] = c, fc
        done = (np.abs(fc) < 1e-14) | (np.abs(b[idx] - a[idx]) < tol_r)
        root[idx[done]] = c[done]
        active[idx[done]] = False
    # anything left (should not happen): take the last iterate
    left = np.isnan(root)
    root[left] = b[left]
    return root


@dataclass(frozen=True)
class RayGrid:
    """Band energies on rays from Gamma (precomputed once, reused for every E_F).

    Attributes
    ----------
    phi_rad
        Ray angles (nphi,) in rad.
    r
        Radial grid of each ray (nphi, nr) in 1/a, from 0 to the zone boundary along it.
    E
        Band energies (nphi, nr, nb) in eV.
    """

    phi_rad: np.ndarray
    r: np.ndarray
    E: np.ndarray

    @property
    def dirs(self) -> np.ndarray:
        """Unit vectors of the rays (nphi, 2)."""
        return np.stack([np.cos(self.phi_rad), np.sin(self.phi_rad)], axis=-1)

    @classmethod
    def compute(cls, model: TightBindingModel, phi_rad: np.ndarray, n_radial: int,
                r_max: float | None = None) -> RayGrid:
        """Evaluate all bands on ``n_radial`` points of each ray, from Gamma to the
        surface-zone boundary along the ray (or to ``r_max`` in 1/a if given)."""
        if n_radial < 8:
            raise TheoryError(f"n_radial must be at least 8, got {n_radial}")
        phi = np.asarray(phi_rad, dtype=float)
        if r_max is None:
            rmax = lattice.zone_boundary_radius(model.orientation, phi)
        else:
            rmax = np.full(phi.shape, float(r_max))
        r = rmax[:, None] * np.linspace(0.0, 1.0, int(n_radial))[None, :]
        dirs = np.stack([np.cos(phi), np.sin(phi)], axis=-1)
        k = r[:, :, None] * dirs[:, None, :]
        return cls(phi_rad=phi, r=r, E=model.energies(k))

    def crossings(self, model: TightBindingModel, E_F: float, bands: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All crossings of the selected bands with E_F along every ray.

        Returns
        -------
        iphi, ib, r_cross, outward
            Ray index, position in ``bands``, crossing radius (1/a), and True where the
            band goes from occupied (inside) to empty (outside).
        """
        Eb = self.E[:, :, bands] - E_F  # (nphi, nr, nbsel)
        occ = Eb < 0.0
        iphi, ir, ib = np.nonzero(occ[:, 1:, :] != occ[:, :-1, :])
        if iphi.size == 0:
            return iphi, ib, np.zeros(0), np.zeros(0, dtype=bool)
        dirs = self.dirs[iphi]
        r = refine_crossings(model, dirs, np.asarray(bands)[ib], self.r[iphi, ir],
                             self.r[iphi, ir + 1],
                             Eb[iphi, ir, ib], Eb[iphi, ir + 1, ib], E_F)
        return iphi, ib, r, occ[iphi, ir, ib]


def _check_closed(grid: RayGrid, E_F: float, orientation: str) -> None:
    edge = grid.E[:, -1, :] < E_F
    if np.any(edge):
        iphi, band = (int(x[0]) for x in np.nonzero(edge))
        raise TheoryError(
            f"the Fermi sea of band {band + 1} reaches the zone boundary (|k| = "
            f"{grid.r[iphi, -1]:.4f}/a at phi = {np.degrees(grid.phi_rad[iphi]):.1f} deg) at "
            f"E_F = {E_F:.5f} eV: the density is too large for the {orientation} bilayer "
            "model (the method needs Fermi surfaces closed around Gamma)")


def _electrons(model: TightBindingModel, grid: RayGrid, E_F: float) -> float:
    """N_e(E_F) per 2D cell from a wedge ray grid (midpoint rays)."""
    _check_closed(grid, E_F, model.orientation)
    nb = model.nb
    iphi, ib, r, outward = grid.crossings(model, E_F, np.arange(nb))
    area = np.sum(np.where(outward, 1.0, -1.0) * 0.5 * r**2)  # sum over rays and bands
    wedge = math.radians(lattice.wedge_deg(model.orientation))
    dphi = wedge / grid.phi_rad.size
    nop = lattice.n_ops(model.orientation)
    return float(lattice.cell_area(model.orientation) / (2 * math.pi) ** 2 * nop * dphi * area)


def _wedge_grid(model: TightBindingModel, n_rays: int, n_radial: int) -> RayGrid:
    if n_rays < 1:
        raise TheoryError(f"n_rays must be >= 1, got {n_rays}")
    wedge = math.radians(lattice.wedge_deg(model.orientation))
    phi = (np.arange(n_rays) + 0.5) * wedge / n_rays
    return RayGrid.compute(model, phi, n_radial)


def electrons_per_cell(model: TightBindingModel, E_F_eV: float, *, n_rays: int = 16,
                       n_radial: int = 80) -> float:
    """Electrons per 2D cell below the absolute Fermi energy ``E_F_eV`` (eV).

    Parameters
    ----------
    n_rays
        Rays per irreducible wedge (midpoints); n_radial: radial points per ray.
    """
    grid = _wedge_grid(model, n_rays, n_radial)
    return _electrons(model, grid, float(E_F_eV))


def density_for_mu(model: TightBindingModel, mu_eV: float, *, n_rays: int = 16,
                   n_radial: int = 80) -> float:
    """Sheet carrier density for a chemical potential.

    Parameters
    ----------
    model
        Bilayer model.
    mu_eV
        Chemical potential in eV relative to the lowest band at Gamma
        (:func:`gamma_energy`).
    n_rays, n_radial
        Integration grid (rays per wedge, points per ray).

    Returns
    -------
    n2D in cm^-2 (electrons per cell / cell area).
    """
    mu = float(mu_eV)
    if not math.isfinite(mu):
        raise TheoryError(f"mu must be a finite energy in eV, got {mu_eV!r}")
    Ne = electrons_per_cell(model, gamma_energy(model) + mu, n_rays=n_rays, n_radial=n_radial)
    return Ne / cell_area_cm2(model)


def mu_for_density(model: TightBindingModel, n2d_cm2: float, tol_eV: float = 1e-5, *,
                   n_rays: int = 16, n_radial: int = 80) -> float:
    """Chemical potential for a sheet density (inverse of :func:`density_for_mu`).

    Parameters
    ----------
    model
        Bilayer model.
    n2d_cm2
        Sheet carrier density in cm^-2 (> 0).
    tol_eV
        Absolute tolerance of the root search in eV (default 0.01 meV).
    n_rays, n_radial
        Integration grid (rays per wedge, points per ray); the defaults converge mu to
        better than 0.01 meV.

    Returns
    -------
    mu in eV, relative to the lowest eigenvalue at Gamma.

    Raises
    ------
    TheoryError
        Non-positive, non-finite or absurd density, or a density that fills the bands up
        to the zone boundary.
    """
    try:
        n = float(n2d_cm2)
    except (TypeError, ValueError):
        raise TheoryError(f"n2d must be a number in cm^-2, got {n2d_cm2!r}") from None
    if not math.isfinite(n) or n <= 0:
        raise TheoryError(f"n2d must be a positive finite density in cm^-2, got {n2d_cm2!r}")
    if n > N2D_MAX_CM2:
        raise TheoryError(f"n2d = {n:.3g} cm^-2 is absurd for an interface electron gas "
                          f"(limit {N2D_MAX_CM2:.0e} cm^-2)")
    if not (tol_eV > 0):
        raise TheoryError(f"tol_eV must be > 0, got {tol_eV!r}")
    target = n2d_to_electrons_per_cell(model, n)
    if target >= model.nb:
        raise TheoryError(f"n2d = {n:.3g} cm^-2 is {target:.3g} electrons per cell, more than "
                          f"the {model.nb} bands of the model can hold")
    grid = _wedge_grid(model, n_rays, n_radial)
    E0 = gamma_energy(model)
    lo, hi = E0, E0 + 0.02
    while True:
        Ne = _electrons(model, grid, hi)  # raises once the Fermi sea is not closed
        if Ne >= target:
            break
        lo, hi = hi, E0 + 2.0 * (hi - E0)
    E_F = brentq(lambda e: _electrons(model, grid, e) - target, lo, hi,
                 xtol=0.25 * tol_eV, rtol=4 * np.finfo(float).eps)
    return float(E_F - E0)
