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
from scipy.optimize import brentq, minimize_scalar

from ..errors import TheoryError
from ..orientations import orientation_spec
from . import lattice
from ._threads import blas_limited
from .tightbinding import TightBindingModel

__all__ = ["gamma_energy", "electrons_per_cell", "density_for_mu", "mu_for_density",
           "n2d_to_electrons_per_cell", "RayGrid", "DensityLimit", "density_limit",
           "occupied_bands"]

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


@blas_limited
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


@blas_limited
def density_for_mu(model: TightBindingModel, mu_eV: float, *, n_rays: int = 16,
                   n_radial: int = 80, method: str | None = None) -> float:
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
    method
        ``"rays"``, ``"contour"`` (areas enclosed by the contours of
        :mod:`ktoanalysis.theory.contours`, open sheets allowed) or ``"auto"`` (rays while
        the Fermi seas stay inside the zone, contours beyond). Default (None): the
        orientation's (:meth:`ktoanalysis.orientations.OrientationSpec.fermi_options`).

    Returns
    -------
    n2D in cm^-2 (electrons per cell / cell area).
    """
    mu = float(mu_eV)
    if not math.isfinite(mu):
        raise TheoryError(f"mu must be a finite energy in eV, got {mu_eV!r}")
    method = orientation_spec(model.orientation).fermi_options(method)[0]
    if method != "rays":
        from . import contours

        if method == "contour" or (method == "auto" and mu > density_limit(model).mu_eV):
            return contours.density_for_mu_contour(model, mu)
        if method != "auto":
            raise TheoryError(f"unknown method {method!r}; expected one of "
                              f"{', '.join(contours.METHODS)}")
    Ne = electrons_per_cell(model, gamma_energy(model) + mu, n_rays=n_rays, n_radial=n_radial)
    return Ne / cell_area_cm2(model)


@blas_limited
def mu_for_density(model: TightBindingModel, n2d_cm2: float, tol_eV: float = 1e-5, *,
                   n_rays: int = 16, n_radial: int = 80, method: str | None = None) -> float:
    """Chemical potential for a sheet density (inverse of :func:`density_for_mu`).

    The root is bracketed from the band bottom upwards: trial Fermi energies expand
    geometrically from the bottom of band 1 but never beyond the model limit of
    :func:`density_limit` (band 1 touching the zone boundary), and each bracket end is
    checked by its electron count, so the bracket always contains the root.

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
    method
        ``"rays"`` (up to the ray limit of :func:`density_limit`), ``"contour"``
        (electron count from the contour areas of
        :mod:`ktoanalysis.theory.contours`: open sheets allowed, up to one electron per
        2D cell) or ``"auto"`` (rays up to their limit, contours above it). Default
        (None): the orientation's (rays for (111) and (001), auto for (110)).

    Returns
    -------
    mu in eV, relative to the lowest eigenvalue at Gamma.

    Raises
    ------
    TheoryError
        Non-positive, non-finite or absurd density, or a density above the model limit
        (the message states the limit in cm^-2).
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
    method = orientation_spec(model.orientation).fermi_options(method)[0]
    if method not in ("rays", "contour", "auto"):
        raise TheoryError(f"unknown method {method!r}; expected one of rays, contour, auto")
    if method == "contour":
        from .contours import mu_for_density_contour

        return mu_for_density_contour(model, n, tol_eV)
    grid = _wedge_grid(model, n_rays, n_radial)
    limit = _density_limit(model, grid)
    if target > limit.electrons_per_cell and method == "auto":
        from .contours import CONTOUR_MAX_ELECTRONS_PER_CELL, mu_for_density_contour

        if target > CONTOUR_MAX_ELECTRONS_PER_CELL:
            raise TheoryError(
                f"n2d = {n:.4g} cm^-2 is above the highest density of the "
                f"{model.orientation} {model.tb} bilayer model, "
                f"{CONTOUR_MAX_ELECTRONS_PER_CELL / cell_area_cm2(model):.4g} cm^-2 (one "
                "electron per 2D cell: beyond it a gas confined to two layers is no longer a "
                f"description of the interface); band 1 already reaches the zone boundary "
                f"above {limit.n2d_cm2:.4g} cm^-2, where the sheets open and the contour "
                "method takes over")
        return mu_for_density_contour(model, n, tol_eV, E_lo_eV=limit.E_F_eV)
    if target > limit.electrons_per_cell:
        from .contours import CONTOUR_MAX_ELECTRONS_PER_CELL

        raise TheoryError(
            f"n2d = {n:.4g} cm^-2 is above the highest density the ray method can follow "
            f"for the {model.orientation} {model.tb} bilayer model, {limit.n2d_cm2:.4g} "
            f"cm^-2 (mu = {limit.mu_eV:.4f} eV): {limit.reason}; the model itself holds up "
            f"to {CONTOUR_MAX_ELECTRONS_PER_CELL / cell_area_cm2(model):.4g} cm^-2 (one "
            "electron per 2D cell) with method='auto' (CLI --method auto, and --measure dos "
            "once the sheets are open)")

    def count(e: float) -> float:
        return _electrons(model, grid, e) - target

    E0 = gamma_energy(model)
    lo = float(np.min(grid.E[..., 0]))  # band bottom on the grid: no electrons below it
    hi_max = limit.E_F_eV
    step = 0.02
    hi = min(lo + step, hi_max)
    f_hi = count(hi)
    while f_hi < 0.0:
        if hi >= hi_max:  # cannot happen: count(hi_max) >= 0 was checked above
            raise TheoryError(f"no chemical potential found for n2d = {n:.4g} cm^-2 below "
                              f"the model limit {limit.n2d_cm2:.4g} cm^-2")
        lo = hi
        step *= 2.0
        hi = min(lo + step, hi_max)
        f_hi = count(hi)
    if f_hi == 0.0:
        return float(hi - E0)
    E_F = brentq(count, lo, hi, xtol=0.25 * tol_eV, rtol=4 * np.finfo(float).eps)
    return float(E_F - E0)


# --------------------------------------------------------------------------------------
# model limit and occupied bands
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DensityLimit:
    """Highest density at which the Fermi sea of a bilayer model stays inside the surface
    Brillouin zone (band 1 touches the zone boundary just above it: a Lifshitz transition
    to open sheets, beyond which the ray-based densities and Fermi contours do not apply).

    Attributes
    ----------
    E_F_eV, mu_eV
        Absolute Fermi energy and chemical potential (relative to band 1 at Gamma), eV.
    n2d_cm2
        The density limit, cm^-2.
    electrons_per_cell
        The same limit in electrons per 2D cell.
    k_touch
        In-plane point (1/a) where band 1 first reaches the zone boundary.
    reason
        One sentence saying why densities above the limit are refused.
    """

    E_F_eV: float
    mu_eV: float
    n2d_cm2: float
    electrons_per_cell: float
    k_touch: tuple[float, float]
    reason: str


def _boundary_minimum(model: TightBindingModel, n_phi: int = 361) -> tuple[float, float]:
    """Lowest band-1 energy (eV) on the zone boundary of the wedge and its angle (rad)."""
    wedge = math.radians(lattice.wedge_deg(model.orientation))

    def e_at(phi: np.ndarray) -> np.ndarray:
        phi = np.atleast_1d(np.asarray(phi, float))
        r = lattice.zone_boundary_radius(model.orientation, phi)
        k = r[:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=-1)
        return model.energies(k)[:, 0]

    phi = np.linspace(0.0, wedge, n_phi)
    E = e_at(phi)
    j = int(np.argmin(E))
    a, b = phi[max(j - 1, 0)], phi[min(j + 1, n_phi - 1)]
    best_phi, best_E = float(phi[j]), float(E[j])
    if b > a:
        res = minimize_scalar(lambda p: float(e_at(p)[0]), bounds=(a, b), method="bounded",
                              options={"xatol": 1e-10})
        if res.fun < best_E:
            best_phi, best_E = float(res.x), float(res.fun)
    return best_E, best_phi


def _density_limit(model: TightBindingModel, grid: RayGrid) -> DensityLimit:
    E_touch, phi_touch = _boundary_minimum(model)
    E_F = E_touch - 1e-9
    Ne = _electrons(model, grid, E_F)
    r = float(lattice.zone_boundary_radius(model.orientation, np.array([phi_touch]))[0])
    reason = (f"above it band 1 reaches the surface-zone boundary (at phi = "
              f"{math.degrees(phi_touch):.1f} deg, |k| = {r:.4f}/a) and its Fermi sheet opens, "
              "which the ray method (Fermi sheets closed around Gamma) cannot follow (the contour "
              "method, method='auto' or 'contour', --method auto, can)")
    return DensityLimit(E_F_eV=float(E_F), mu_eV=float(E_F - gamma_energy(model)),
                        n2d_cm2=Ne / cell_area_cm2(model), electrons_per_cell=Ne,
                        k_touch=(r * math.cos(phi_touch), r * math.sin(phi_touch)),
                        reason=reason)


@blas_limited
def density_limit(model: TightBindingModel, *, n_rays: int = 16, n_radial: int = 80
                  ) -> DensityLimit:
    """Highest sheet density the ray-based density and Fermi-surface code accept.

    Parameters
    ----------
    model
        Bilayer model.
    n_rays, n_radial
        Integration grid (as :func:`mu_for_density`).

    Returns
    -------
    DensityLimit (Fermi energy, mu, n2D in cm^-2 and the reason).
    """
    return _density_limit(model, _wedge_grid(model, n_rays, n_radial))


def occupied_bands(model: TightBindingModel, E_F_eV: float, grid: RayGrid | None = None
                   ) -> int:
    """Number of bands (energy order) with states below the absolute Fermi energy.

    Bands are energy-ordered, so the occupied ones are the lowest; a band counts as
    occupied when it lies below ``E_F_eV`` anywhere on the ray grid (Gamma included).

    Parameters
    ----------
    model
        Bilayer model.
    E_F_eV
        Absolute Fermi energy in eV.
    grid
        Ray grid to inspect (default: 16 midpoint rays per wedge, 80 points per ray).

    Returns
    -------
    int, 0..model.nb.
    """
    if grid is None:
        grid = _wedge_grid(model, 16, 80)
    lowest = grid.E.reshape(-1, grid.E.shape[-1]).min(axis=0)
    return int(np.count_nonzero(lowest < float(E_F_eV)))
