"""Fermi contours of a bilayer model on rays from Gamma.

For each band n (0-based, energy order) and ray angle phi the Fermi wave number kF(n, phi)
is the root of E_n(k r_hat) = E_F (bracketed on a radial grid, refined to machine
precision); the radial velocity vr = dE_n/dk along the ray comes from the Hellmann-Feynman
theorem. The band density of states on the full Fermi surface (electronic-structure spec
section 10; pairing spec section 5.2) is

    N_n = N_op * A_cell/(2 pi)^2 * sum_j trap_j kF(n, phi_j) / vr(n, phi_j)

on the wedge grid (trapezoid weights, halved at both wedge ends), or the periodic sum over
the full circle.

Fermi-surface weights of the pairing sums (two options, kept apart, reusable by any method
that supplies points, an angular rule and a local density of states):

* ``quadrature`` -- the rule on the angular wedge: ``"paper"`` gives every angle 0..wedge
  the same weight 1/N_phi, both wedge ends included at full weight (Norman 2026; converges
  only linearly in the step), ``"trapezoid"`` halves the two ends (the wedge ends are mirror
  lines, so this is the periodic trapezoid rule: it converges much faster).
* ``measure`` -- what is uniform on the sheet: ``"angle"`` (equal weight per angle, the
  paper's choice, which Table III needs) or ``"dos"`` (the exact local density of states,
  w proportional to k_F dphi / v_r, normalised per sheet).

Units: k in 1/a, energies in eV, velocities in eV*a (and m/s), DOS in
states/(eV cell) with one state per band per k (bands are spin-resolved).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ..errors import TheoryError
from ..units import EV, HBAR
from . import lattice
from ._threads import blas_limited
from .density import RayGrid, gamma_energy, occupied_bands
from .tightbinding import TightBindingModel

__all__ = ["FermiSurface", "fermi_surface", "angle_grid", "QUADRATURES", "MEASURES",
           "check_weighting", "wedge_quadrature", "measure_weights"]

#: angular quadrature rules on the wedge (see the module docstring)
QUADRATURES: tuple[str, ...] = ("paper", "trapezoid")
#: Fermi-surface measures (see the module docstring)
MEASURES: tuple[str, ...] = ("angle", "dos")

Quadrature = Literal["paper", "trapezoid"]
Measure = Literal["angle", "dos"]


def check_weighting(quadrature: str, measure: str) -> tuple[str, str]:
    """Validate the ``quadrature`` and ``measure`` option values (returns them)."""
    if quadrature not in QUADRATURES:
        raise TheoryError(f"unknown quadrature {quadrature!r}; expected one of "
                          f"{', '.join(QUADRATURES)}")
    if measure not in MEASURES:
        raise TheoryError(f"unknown Fermi-surface measure {measure!r}; expected one of "
                          f"{', '.join(MEASURES)}")
    return str(quadrature), str(measure)


def wedge_quadrature(nphi: int, full: bool, quadrature: str) -> np.ndarray:
    """Angular quadrature weights (nphi,), summing to 1 over the angular range.

    Parameters
    ----------
    nphi
        Number of angles (wedge grid: 0..wedge inclusive; full grid: 0..360 exclusive).
    full
        True for the full circle (periodic: uniform weights for either rule).
    quadrature
        ``"paper"`` (uniform 1/nphi, wedge ends at full weight) or ``"trapezoid"``
        (wedge ends halved).
    """
    check_weighting(quadrature, "angle")
    n = int(nphi)
    if n < 1:
        raise TheoryError(f"need at least one angle, got {nphi}")
    if full or quadrature == "paper" or n == 1:
        return np.full(n, 1.0 / n)
    w = np.ones(n)
    w[0] = w[-1] = 0.5
    return w / w.sum()


def measure_weights(quad: np.ndarray, local_dos: np.ndarray, sheet: np.ndarray,
                    measure: str) -> np.ndarray:
    """Fermi-surface weights of points, summing to 1 on each sheet.

    Parameters
    ----------
    quad
        (P,) quadrature weight of each point (any positive scale).
    local_dos
        (P,) local density of states per unit quadrature weight, e.g. k_F / v_r for rays
        (any common positive scale); used by ``measure="dos"`` only.
    sheet
        (P,) sheet index of each point.
    measure
        ``"angle"`` (w proportional to ``quad``) or ``"dos"`` (to ``quad * local_dos``).

    Returns
    -------
    ndarray (P,)
    """
    check_weighting("paper", measure)
    sheet = np.asarray(sheet, int)
    w = np.asarray(quad, float).copy()
    if measure == "dos":
        w = w * np.asarray(local_dos, float)
    tot = np.bincount(sheet, weights=w)
    if np.any(tot[np.unique(sheet)] <= 0) or not np.all(np.isfinite(w)):
        raise TheoryError("Fermi-surface weights must be positive and finite on every sheet")
    return w / tot[sheet]


def angle_grid(orientation: str, dphi_deg: float, full: bool) -> np.ndarray:
    """Ray angles in degrees: 0..wedge inclusive (wedge grid) or 0..360 exclusive (full).

    Raises :class:`TheoryError` if ``dphi_deg`` does not divide the range.
    """
    span = 360.0 if full else lattice.wedge_deg(orientation)
    d = float(dphi_deg)
    if not (math.isfinite(d) and d > 0):
        raise TheoryError(f"dphi_deg must be a positive angle in degrees, got {dphi_deg!r}")
    n = span / d
    if abs(n - round(n)) > 1e-9 or round(n) < 1:
        raise TheoryError(f"dphi_deg = {d} does not divide the {span:g} degree range")
    n = int(round(n))
    if full:
        return np.arange(n) * (span / n)
    return np.linspace(0.0, span, n + 1)


@dataclass(frozen=True, eq=False)
class FermiSurface:
    """Fermi contours of bands 0..nbands-1 on a set of rays.

    Attributes
    ----------
    orientation
        Interface orientation.
    mu_eV, E_F_eV
        Chemical potential (relative to band 1 at Gamma) and absolute Fermi energy, eV.
    phi_deg
        Ray angles (Nphi,), degrees from +kx.
    full
        True when the rays cover the full circle, False for the irreducible wedge.
    bands
        Band indices (0-based, energy order) of the rows of kF, vr, vF_m_s, dos.
    kF
        Fermi wave numbers (nbands, Nphi), 1/a.
    vr
        Radial velocity dE/dk along each ray at kF (nbands, Nphi), eV*a (> 0).
    vF_m_s
        Magnitude of the Fermi velocity |grad E|/hbar (nbands, Nphi), m/s.
    dos
        Density of states of each band over the FULL Fermi surface (nbands,),
        states/(eV cell).
    k
        Flattened Fermi points (P, 2), 1/a; point i = row * Nphi + j (band-major).
    band
        Band index (0-based) of each point (P,).
    sheet
        Row index into kF/dos of each point (P,) (equal to ``band`` unless bands were
        skipped).
    iphi
        Angle index of each point (P,).
    U
        Eigenvectors (P, 12) of H(k) for band ``band`` at each point.
    weights
        Point weights (P,), summing to 1 over each band's points (see ``quadrature``
        and ``measure``).
    quadrature, measure
        The weighting options used (module docstring).
    """

    orientation: str
    mu_eV: float
    E_F_eV: float
    phi_deg: np.ndarray
    full: bool
    bands: tuple[int, ...]
    kF: np.ndarray
    vr: np.ndarray
    vF_m_s: np.ndarray
    dos: np.ndarray
    k: np.ndarray = field(repr=False)
    band: np.ndarray = field(repr=False)
    sheet: np.ndarray = field(repr=False)
    iphi: np.ndarray = field(repr=False)
    U: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    quadrature: str = "trapezoid"
    measure: str = "angle"

    @property
    def n_points(self) -> int:
        """Number of Fermi points P."""
        return int(self.k.shape[0])

    def kF_paper_units(self) -> np.ndarray:
        """kF in the paper's plotting unit (pi/c for 111, pi/a for 001)."""
        return self.kF / lattice.k_unit(self.orientation)

    def contour(self, row: int) -> np.ndarray:
        """Points (Nphi, 2) in 1/a of the contour in row ``row`` of kF."""
        phi = np.radians(self.phi_deg)
        return self.kF[row][:, None] * np.stack([np.cos(phi), np.sin(phi)], axis=-1)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (lists of floats; bands 1-based in ``band_labels``)."""
        return {
            "orientation": self.orientation,
            "mu_eV": self.mu_eV,
            "E_F_eV": self.E_F_eV,
            "full": self.full,
            "phi_deg": self.phi_deg.tolist(),
            "band_labels": [b + 1 for b in self.bands],
            "kF_inv_a": self.kF.tolist(),
            "k_unit": lattice.k_unit_label(self.orientation),
            "kF_paper_units": self.kF_paper_units().tolist(),
            "vr_eV_a": self.vr.tolist(),
            "vF_m_s": self.vF_m_s.tolist(),
            "dos_states_per_eV_cell": self.dos.tolist(),
            "quadrature": self.quadrature,
            "measure": self.measure,
        }


@blas_limited
def fermi_surface(model: TightBindingModel, mu_eV: float, dphi_deg: float = 1.0,
                  full: bool = False, nbands: int | Literal["auto"] = "auto", *,
                  on_missing: Literal["raise", "skip"] = "raise",
                  n_radial: int = 80, quadrature: Quadrature = "trapezoid",
                  measure: Measure = "angle") -> FermiSurface:
    """Fermi contours kF(n, phi), velocities and band densities of states.

    Parameters
    ----------
    model
        Bilayer model.
    mu_eV
        Chemical potential in eV relative to the lowest level at Gamma
        (see :func:`ktoanalysis.theory.density.mu_for_density`).
    dphi_deg
        Angular step in degrees; must divide the wedge (30 deg for 111, 45 for 001) or 360.
    full
        False: rays 0..wedge inclusive (the paper's grid, 31 / 46 angles at 1 deg);
        True: the full circle 0..360 exclusive.
    nbands
        Number of lowest bands whose sheets are wanted, or ``"auto"`` (default): every
        band occupied at this mu (4 at the paper's densities; 2 for (111) TB2 below about
        4e13 cm^-2, 6 for (001) at 2e14 cm^-2).
    on_missing
        ``"raise"``: a band among the first ``nbands`` that is not crossed exactly once on
        every ray (emptied band, open or re-entrant sheet) raises :class:`TheoryError`;
        ``"skip"``: such bands are left out (see ``FermiSurface.bands``).
    n_radial
        Radial grid points per ray used to bracket the crossings (they are then refined to
        machine precision).
    quadrature, measure
        Weights of the points (module docstring): the angular rule (``"trapezoid"``,
        default, or the paper's ``"paper"``) and the Fermi-surface measure (``"angle"``,
        default and the paper's, or ``"dos"``). The band DOS ``dos`` is always the
        trapezoid integral.

    Returns
    -------
    FermiSurface
    """
    if on_missing not in ("raise", "skip"):
        raise TheoryError(f"on_missing must be 'raise' or 'skip', got {on_missing!r}")
    check_weighting(quadrature, measure)
    mu = float(mu_eV)
    if not math.isfinite(mu):
        raise TheoryError(f"mu must be a finite energy in eV, got {mu_eV!r}")
    o = model.orientation
    phi_deg = angle_grid(o, dphi_deg, full)
    nphi = phi_deg.size
    E_F = gamma_energy(model) + mu
    grid = RayGrid.compute(model, np.radians(phi_deg), n_radial)
    if np.any(grid.E[:, -1, :] < E_F):
        raise TheoryError(f"at mu = {mu:.5f} eV a Fermi sea reaches the zone boundary: "
                          "the Fermi surfaces are not closed around Gamma")
    if isinstance(nbands, str):
        if nbands != "auto":
            raise TheoryError(f"nbands must be a number of bands or 'auto', got {nbands!r}")
        nbands = occupied_bands(model, E_F, grid)
        if nbands == 0:
            raise TheoryError(f"no band is occupied at mu = {mu:.5f} eV")
    nbands = int(nbands)
    if not 1 <= nbands <= model.nb:
        raise TheoryError(f"nbands must be between 1 and {model.nb}, got {nbands}")
    if nbands < occupied_bands(model, E_F, grid):
        raise TheoryError(f"at mu = {mu:.5f} eV more than nbands = {nbands} bands are "
                          "occupied; increase nbands")
    iphi, ib, r, outward = grid.crossings(model, E_F, np.arange(nbands))
    kept: list[int] = []
    kF = np.full((nbands, nphi), np.nan)
    for b in range(nbands):
        sel = ib == b
        counts = np.bincount(iphi[sel], minlength=nphi)
        ok = np.all(counts == 1) and np.all(outward[sel])
        if not ok:
            if on_missing == "skip":
                continue
            bad = np.nonzero(counts != 1)[0]
            where = (f"on {bad.size} of {nphi} rays (first at phi = {phi_deg[bad[0]]:g} deg)"
                     if bad.size else "with the wrong orientation")
            raise TheoryError(
                f"band {b + 1} does not cross E_F exactly once {where} at mu = {mu:.5f} eV "
                "(emptied band or open/re-entrant sheet); pass on_missing='skip' to leave it "
                "out")
        kF[b, iphi[sel]] = r[sel]
        kept.append(b)
    if not kept:
        raise TheoryError(f"no band crosses E_F on every ray at mu = {mu:.5f} eV")
    rows = np.array(kept)
    kF = kF[rows]
    phi = np.radians(phi_deg)
    dirs = np.stack([np.cos(phi), np.sin(phi)], axis=-1)
    kpts = kF[:, :, None] * dirs[None, :, :]  # (nrow, nphi, 2)
    _, U = model.bands(kpts)
    vel = model.velocities(kpts, U)  # (nrow, nphi, nb, 2)
    vb = vel[np.arange(rows.size)[:, None], np.arange(nphi)[None, :], rows[:, None], :]
    vr = np.einsum("bjx,jx->bj", vb, dirs)
    if np.any(vr <= 0):
        raise TheoryError("non-positive radial velocity at a Fermi point (band touching "
                          "or degenerate crossing); cannot define the Fermi surface")
    grad = np.linalg.norm(vb, axis=-1)
    vF_m_s = grad * EV * model.a_m / HBAR
    dphi = math.radians(float(dphi_deg))
    if full:
        trap = np.full(nphi, dphi)
        nop = 1
    else:
        trap = np.full(nphi, dphi)
        trap[0] *= 0.5
        trap[-1] *= 0.5
        nop = lattice.n_ops(o)
    dos = nop * lattice.cell_area(o) / (2 * math.pi) ** 2 * np.sum(trap * kF / vr, axis=1)
    nrow = rows.size
    Upts = U[np.arange(nrow)[:, None], np.arange(nphi)[None, :], :, rows[:, None]]
    sheet = np.repeat(np.arange(nrow), nphi)
    quad = np.tile(wedge_quadrature(nphi, full, quadrature), nrow)
    weights = measure_weights(quad, (kF / vr).ravel(), sheet, measure)
    return FermiSurface(
        orientation=o, mu_eV=mu, E_F_eV=float(E_F), phi_deg=phi_deg, full=bool(full),
        bands=tuple(int(b) for b in rows), kF=kF, vr=vr, vF_m_s=vF_m_s, dos=dos,
        k=kpts.reshape(-1, 2), band=np.repeat(rows, nphi), sheet=sheet,
        iphi=np.tile(np.arange(nphi), nrow), U=Upts.reshape(-1, model.nb),
        weights=weights, quadrature=str(quadrature), measure=str(measure),
    )
