"""Fermi contours of any topology from a Brillouin-zone grid (contourpy), beside the rays.

The ray method (:mod:`ktoanalysis.theory.fermi`) needs every Fermi sheet to be crossed
exactly once by each ray from Gamma (a sheet star-shaped about Gamma, closed inside the
zone). The contour method here has no such restriction: open sheets (a Fermi sea that
reaches the zone boundary, as the (110) xy sheets above about 1.1e14 cm^-2), pockets away
from Gamma and re-entrant sheets are all handled.

Method
------
1. The irreducible domain D of the surface zone (:func:`irreducible_domain`: the triangle
   Gamma-K-M of (111), Gamma-X-M of (001), the rectangle Gamma-X-S-Y of (110)) is bounded
   by mirror lines only: the wedge rays and the zone edges, each edge being a mirror line of
   the group combined with a reciprocal-lattice translation. The zone is tiled by the
   N_op images g D, so every Fermi sheet of the zone, open (periodic) sheets included, is
   the union of the images of the pieces inside D, and a periodic sheet is joined across
   the zone boundary automatically (its piece ends on an edge, where the image continues
   it).
2. Band energies on a rectangular grid covering D with a margin of a few cells; contourpy
   traces the level E_F of each band; the lines are clipped to D (the end points put on the
   boundary exactly by a 1D root search along the edge) and every vertex is moved onto the
   exact contour by Newton steps along the gradient (Hellmann-Feynman velocities).
3. Each piece is oriented with the occupied side on its left (for a sheet around Gamma:
   counter-clockwise, from the phi = 0 ray to the phi = wedge ray) and resampled at equal
   arc length (segment lengths corrected for curvature, chord (1 + dtheta^2/24)); the line
   element ds_i is the trapezoid rule in arc length with the ends halved. Since the ends lie
   on mirror lines the integrand continues symmetrically across them and this rule
   converges like the periodic trapezoid rule (the same argument as for the rays).

Weights (consistent with the ray method; the angular ``quadrature`` is always the
trapezoid rule in arc length here):

* ``measure = "dos"``: w_i proportional to ds_i / |v_i| (the local density of states; on a
  star-shaped sheet ds / |v| = k_F dphi / v_r exactly, the ray method's weight);
* ``measure = "angle"``: w_i proportional to ds_i dphi/ds (equal weight per polar angle,
  the paper's measure); it is defined only on sheets star-shaped about Gamma and refused
  otherwise.

The band density of states is N_n = N_op A_cell/(2 pi)^2 sum_i ds_i / |v_i| and the
electrons per cell N_op A_cell/(2 pi)^2 sum_n area_n(D) with the occupied area from Green's
theorem on the pieces and the occupied parts of the boundary of D
(:func:`electrons_from_contours`).

Units: k in 1/a, energies in eV, velocities in eV*a (and m/s), DOS in states/(eV cell).
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
from .fermi import check_weighting
from .tightbinding import TightBindingModel

__all__ = ["irreducible_domain", "ContourGrid", "ContourSurface", "fermi_contours",
           "electrons_from_contours", "density_for_mu_contour", "mu_for_density_contour",
           "sheets_star_shaped", "CONTOUR_MAX_ELECTRONS_PER_CELL", "METHODS"]

#: Fermi-surface methods of the pairing and density code
METHODS: tuple[str, ...] = ("rays", "contour", "auto")

#: model limit of the contour method: one electron per 2D cell (n2D = 1/A_cell: 3.6e14
#: (111), 6.3e14 (001), 4.4e14 cm^-2 (110)); above it the two-layer confinement that
#: defines the bilayer models is no longer a description of the interface gas (see
#: docs/models/kto110.md)
CONTOUR_MAX_ELECTRONS_PER_CELL = 1.0


def irreducible_domain(orientation: str) -> np.ndarray:
    """Corners (V, 2) in 1/a, counter-clockwise from Gamma, of the irreducible domain
    (from :data:`~ktoanalysis.theory.orientations.ORIENTATION_SPECS`).

    The first edge is the phi = 0 ray, the last edge the phi = wedge ray back to Gamma; the
    others are zone edges (mirror lines up to a reciprocal-lattice vector).
    """
    from .orientations import orientation_spec

    return orientation_spec(lattice.check_orientation(orientation)).domain_corners()


def _polygon_area(P: np.ndarray) -> float:
    x, y = P[:, 0], P[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


@dataclass(frozen=True, eq=False)
class ContourGrid:
    """Band energies on a rectangular grid covering the irreducible domain (computed once,
    reused for every Fermi energy).

    Attributes
    ----------
    orientation
        Interface orientation.
    domain
        Corners of the irreducible domain (V, 2), 1/a.
    x, y
        Grid axes (1/a).
    E
        Band energies (ny, nx, nb), eV.
    """

    orientation: str
    domain: np.ndarray
    x: np.ndarray
    y: np.ndarray
    E: np.ndarray

    @classmethod
    def compute(cls, model: TightBindingModel, n_grid: int = 96, margin: int = 3
                ) -> ContourGrid:
        """Grid with ``n_grid`` points along the longer side of the domain's bounding box
        (plus ``margin`` cells on every side)."""
        if int(n_grid) < 16:
            raise TheoryError(f"n_grid must be at least 16, got {n_grid}")
        D = irreducible_domain(model.orientation)
        lo, hi = D.min(axis=0), D.max(axis=0)
        h = float(np.max(hi - lo)) / (int(n_grid) - 1)
        nx = int(math.ceil((hi[0] - lo[0]) / h)) + 1 + 2 * margin
        ny = int(math.ceil((hi[1] - lo[1]) / h)) + 1 + 2 * margin
        x = lo[0] - margin * h + h * np.arange(nx)
        y = lo[1] - margin * h + h * np.arange(ny)
        K = np.stack(np.meshgrid(x, y, indexing="xy"), axis=-1)
        return cls(orientation=model.orientation, domain=D, x=x, y=y, E=model.energies(K))

    def lines(self, band: int, E_F: float) -> list[np.ndarray]:
        """Raw contourpy lines (each (m, 2)) of ``band`` at the absolute energy ``E_F``."""
        import contourpy

        gen = contourpy.contour_generator(self.x, self.y, self.E[..., band],
                                          line_type=contourpy.LineType.Separate)
        return [np.asarray(ln, float) for ln in gen.lines(float(E_F)) if len(ln) >= 2]


# --------------------------------------------------------------------------------------
# clipping and refinement
# --------------------------------------------------------------------------------------


def _edge_dist(D: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Signed distance-like values (m, V): >= 0 inside edge j of the CCW polygon D."""
    a = D
    e = np.roll(D, -1, axis=0) - D
    return _cross(e[None, :, :], pts[:, None, :] - a[None, :, :])


def _clip(line: np.ndarray, D: np.ndarray, eps: float = 1e-12
          ) -> list[tuple[np.ndarray, int, int]]:
    """Pieces of a polyline inside the convex polygon D.

    Returns a list of (points, start_edge, end_edge); the edge is -1 for an end inside D
    (a closed loop or a line ending inside) and the end points of a clipped piece lie on
    the named edge (linear interpolation, refined later).
    """
    closed = line.shape[0] > 2 and np.allclose(line[0], line[-1])
    d = _edge_dist(D, line)
    inside = np.all(d >= -eps, axis=1)
    if np.all(inside):
        return [(line, -1, -1)]
    if not np.any(inside):
        return []
    if closed:
        # start the walk at an outside vertex
        j0 = int(np.nonzero(~inside)[0][0])
        line = np.concatenate([line[j0:-1], line[:j0 + 1]])
        d = _edge_dist(D, line)
        inside = np.all(d >= -eps, axis=1)
    out: list[tuple[np.ndarray, int, int]] = []
    m = line.shape[0]
    i = 0
    while i < m:
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < m and inside[j + 1]:
            j += 1
        pts = [line[i:j + 1]]
        e_start = e_end = -1
        if i > 0:  # entering from line[i-1]
            p, q, dp, dq = line[i - 1], line[i], d[i - 1], d[i]
            t, e_start = _crossing(dp, dq, enter=True)
            pts.insert(0, (p + t * (q - p))[None, :])
        if j < m - 1:  # leaving to line[j+1]
            p, q, dp, dq = line[j], line[j + 1], d[j], d[j + 1]
            t, e_end = _crossing(dp, dq, enter=False)
            pts.append((p + t * (q - p))[None, :])
        out.append((np.concatenate(pts), e_start, e_end))
        i = j + 1
    return out


def _crossing(dp: np.ndarray, dq: np.ndarray, enter: bool) -> tuple[float, int]:
    """Parameter t in [0, 1] on p->q where the segment crosses the boundary, and the edge."""
    best_t, best_e = (-1.0, -1) if enter else (2.0, -1)
    for e in range(dp.size):
        if (dp[e] < 0) != (dq[e] < 0):
            t = float(dp[e] / (dp[e] - dq[e]))
            if (enter and t > best_t) or (not enter and t < best_t):
                best_t, best_e = t, e
    return min(max(best_t, 0.0), 1.0), best_e


def _band_data(model: TightBindingModel, k: np.ndarray, band: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    E, U = model.bands(k)
    v = model.velocities(k, U)[..., band, :]
    return E[..., band], v, U[..., :, band]


def _newton_normal(model: TightBindingModel, k: np.ndarray, band: int, E_F: float,
                   n_iter: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move points onto E_band = E_F along the gradient; returns (k, v, U) with the
    velocity and eigenvector of the last evaluation (at most 1e-12/a away)."""
    k = np.array(k, float)
    for _ in range(n_iter):
        E, v, U = _band_data(model, k, band)
        v2 = np.sum(v * v, axis=-1)
        step = np.where(v2 > 0, (E - E_F) / np.where(v2 > 0, v2, 1.0), 0.0)
        k = k - step[:, None] * v
        if np.max(np.abs(step) * np.sqrt(v2)) < 1e-12:
            break
    return k, v, U


def _newton_edge(model: TightBindingModel, k: np.ndarray, direction: np.ndarray, band: int,
                 E_F: float, n_iter: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move points along the unit edge direction onto E_band = E_F; returns (k, v, U)."""
    k = np.array(k, float)
    u = np.asarray(direction, float)
    for _ in range(n_iter):
        E, v, U = _band_data(model, k, band)
        dv = v @ u
        ok = np.abs(dv) > 1e-12
        step = np.where(ok, (E - E_F) / np.where(ok, dv, 1.0), 0.0)
        k = k - step[:, None] * u
        if np.max(np.abs(step)) < 1e-12:
            break
    return k, v, U


def _arc(k: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Cumulative arc length (m,) of points k with unit tangents t (curvature-corrected)."""
    chord = np.linalg.norm(np.diff(k, axis=0), axis=1)
    cosang = np.clip(np.sum(t[1:] * t[:-1], axis=1), -1.0, 1.0)
    dth = np.arccos(cosang)
    return np.concatenate([[0.0], np.cumsum(chord * (1.0 + dth**2 / 24.0))])


def _tangent(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.stack([-v[:, 1], v[:, 0]], axis=-1) / np.where(n > 0, n, 1.0)


@dataclass(frozen=True)
class _Piece:
    k: np.ndarray       # (m, 2)
    ds: np.ndarray      # (m,) line element (trapezoid in arc length)
    v: np.ndarray       # (m, 2) velocity eV a
    U: np.ndarray       # (m, nb) eigenvectors
    start_edge: int
    end_edge: int
    closed: bool


def _pieces(model: TightBindingModel, grid: ContourGrid, band: int, E_F: float,
            ds_target: float) -> list[_Piece]:
    D = grid.domain
    edges = np.roll(D, -1, axis=0) - D
    udir = edges / np.linalg.norm(edges, axis=1, keepdims=True)
    out: list[_Piece] = []
    for line in grid.lines(band, E_F):
        for pts, e0, e1 in _clip(line, D):
            closed = e0 == -1 and e1 == -1 and pts.shape[0] > 2 and np.allclose(pts[0],
                                                                                   pts[-1])
            if closed:
                pts = pts[:-1]
            if pts.shape[0] < 2:
                continue
            k, v, U = _newton_normal(model, pts, band, E_F)
            for end, e in ((0, e0), (-1, e1)):
                if e >= 0:
                    ke, ve, Ue = _newton_edge(model, pts[end:end + 1] if end == 0
                                              else pts[-1:], udir[e], band, E_F)
                    k[end], v[end], U[end] = ke[0], ve[0], Ue[0]
            t = _tangent(v)
            # orient: occupied side (against the gradient) on the left
            chord = np.diff(np.concatenate([k, k[:1]]) if closed else k, axis=0)
            if np.sum(np.einsum("px,px->p", chord, t[:chord.shape[0]])) < 0:
                k, v, U = k[::-1], v[::-1], U[::-1]
                e0, e1 = e1, e0
            out.append(_resample(model, k, v, U, band, E_F, ds_target, e0, e1, closed))
    return [p for p in out if p.k.shape[0] >= 2 and np.sum(p.ds) > 1e-10]


def _resample(model: TightBindingModel, k: np.ndarray, v: np.ndarray, U: np.ndarray,
              band: int, E_F: float, ds_target: float, e0: int, e1: int, closed: bool
              ) -> _Piece:
    t = _tangent(v)
    if closed:
        kk = np.concatenate([k, k[:1]])
        tt = np.concatenate([t, t[:1]])
    else:
        kk, tt = k, t
    s = _arc(kk, tt)
    L = float(s[-1])
    n_seg = max(int(math.ceil(L / ds_target)), 4)
    s_new = np.linspace(0.0, L, n_seg + 1)
    knew = np.stack([np.interp(s_new, s, kk[:, 0]), np.interp(s_new, s, kk[:, 1])], axis=-1)
    if closed:
        knew, vnew, Unew = _newton_normal(model, knew[:-1], band, E_F)
    else:
        vnew = np.empty((knew.shape[0], 2))
        Unew = np.empty((knew.shape[0], U.shape[1]), dtype=U.dtype)
        knew[0], knew[-1] = kk[0], kk[-1]
        vnew[0], vnew[-1], Unew[0], Unew[-1] = v[0], v[-1], U[0], U[-1]
        knew[1:-1], vnew[1:-1], Unew[1:-1] = _newton_normal(model, knew[1:-1], band, E_F)
    t2 = _tangent(vnew)
    if closed:
        s2 = _arc(np.concatenate([knew, knew[:1]]), np.concatenate([t2, t2[:1]]))
        seg = np.diff(s2)
        ds = 0.5 * (seg + np.roll(seg, 1))
    else:
        s2 = _arc(knew, t2)
        seg = np.diff(s2)
        ds = np.zeros(knew.shape[0])
        ds[:-1] += 0.5 * seg
        ds[1:] += 0.5 * seg
    return _Piece(k=knew, ds=ds, v=vnew, U=Unew, start_edge=e0, end_edge=e1, closed=closed)


# --------------------------------------------------------------------------------------
# the Fermi surface from contours
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ContourSurface:
    """Fermi contours of the occupied bands on the irreducible domain (any topology).

    Has the attributes the pairing code reads from a
    :class:`~ktoanalysis.theory.fermi.FermiSurface` (``k``, ``band``, ``sheet``, ``iphi``,
    ``U``, ``weights``, ``dos``, ``bands``, ``kF``, ``phi_deg``), with these meanings:

    Attributes
    ----------
    orientation, mu_eV, E_F_eV
        As for FermiSurface.
    bands
        Band indices (0-based) of the sheets (rows of ``dos``).
    k, band, sheet, U
        Points (P, 2) in 1/a, their band, sheet row and eigenvectors (P, nb).
    iphi
        Index of each point along its sheet (the pieces of a sheet one after another).
    phi_deg
        ``arange(n_max)``: the point index along a sheet (there is no common angle grid).
    ds
        Line element of each point (P,), 1/a (trapezoid in arc length, ends halved).
    v
        Band velocity dE/dk (P, 2), eV*a; ``vF_m_s`` its magnitude in m/s.
    dphi_ds
        d(polar angle)/ds at each point (P,), a; positive everywhere on a sheet that is
        star-shaped about Gamma.
    kF
        |k| of the points of each sheet (nbands, n_max), padded with the sheet's last value
        (for a star-shaped sheet the first column is on the phi = 0 ray, the last on the
        phi = wedge ray).
    dos
        Band DOS over the full zone (nbands,), states/(eV cell).
    weights
        Point weights, summing to 1 on each sheet (``measure``).
    star_shaped
        Per sheet: one piece from the phi = 0 ray to the phi = wedge ray with dphi/ds > 0.
    electrons_per_cell
        Electrons per 2D cell from the enclosed areas (all bands).
    pieces
        Per piece: (sheet row, first point index, stop index, start edge, end edge,
        closed), edges numbered as the edges of :func:`irreducible_domain` (-1: none).
    """

    orientation: str
    mu_eV: float
    E_F_eV: float
    bands: tuple[int, ...]
    k: np.ndarray = field(repr=False)
    band: np.ndarray = field(repr=False)
    sheet: np.ndarray = field(repr=False)
    iphi: np.ndarray = field(repr=False)
    U: np.ndarray = field(repr=False)
    ds: np.ndarray = field(repr=False)
    v: np.ndarray = field(repr=False)
    vF_m_s: np.ndarray = field(repr=False)
    dphi_ds: np.ndarray = field(repr=False)
    kF: np.ndarray = field(repr=False)
    phi_deg: np.ndarray = field(repr=False)
    dos: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    star_shaped: tuple[bool, ...] = ()
    electrons_per_cell: float = float("nan")
    pieces: tuple[tuple[int, int, int, int, int, bool], ...] = ()
    quadrature: str = "trapezoid"
    measure: str = "dos"
    method: str = "contour"
    full: bool = False

    @property
    def n_points(self) -> int:
        """Number of Fermi points P."""
        return int(self.k.shape[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (bands 1-based in ``band_labels``)."""
        return {
            "orientation": self.orientation, "mu_eV": self.mu_eV, "E_F_eV": self.E_F_eV,
            "method": "contour", "band_labels": [b + 1 for b in self.bands],
            "n_points": self.n_points,
            "dos_states_per_eV_cell": [float(x) for x in self.dos],
            "star_shaped": list(self.star_shaped),
            "electrons_per_cell": self.electrons_per_cell,
            "pieces": [list(p) for p in self.pieces],
            "k_inv_a": self.k.tolist(), "sheet": self.sheet.tolist(),
            "quadrature": self.quadrature, "measure": self.measure,
        }


def _boundary_area(model: TightBindingModel, D: np.ndarray, band: int, E_F: float,
                   pieces: list[_Piece]) -> float:
    """0.5 * sum over the occupied parts of the domain boundary of (p x q)."""
    V = D.shape[0]
    Ev = model.energies(D)[:, band]
    ends: list[list[float]] = [[] for _ in range(V)]
    for p in pieces:
        for e, kk in ((p.start_edge, p.k[0]), (p.end_edge, p.k[-1])):
            if e >= 0:
                a, b = D[e], D[(e + 1) % V]
                ends[e].append(float(np.dot(kk - a, b - a) / np.dot(b - a, b - a)))
    total = 0.0
    for e in range(V):
        a, b = D[e], D[(e + 1) % V]
        ts = [0.0] + sorted(ends[e]) + [1.0]
        occ = bool(Ev[e] < E_F)
        for t0, t1 in zip(ts[:-1], ts[1:], strict=True):
            if occ:
                p0, p1 = a + t0 * (b - a), a + t1 * (b - a)
                total += 0.5 * float(_cross(p0, p1))
            occ = not occ
    return total


@blas_limited
def fermi_contours(model: TightBindingModel, mu_eV: float, *, ds: float = 0.005,
                   n_grid: int = 96, measure: Literal["angle", "dos"] = "dos",
                   quadrature: Literal["trapezoid"] = "trapezoid",
                   grid: ContourGrid | None = None,
                   nbands: int | Literal["auto"] = "auto") -> ContourSurface:
    """Fermi contours of every occupied band on the irreducible domain.

    Parameters
    ----------
    model
        Bilayer model.
    mu_eV
        Chemical potential in eV relative to the lowest level at Gamma.
    ds
        Target spacing of the Fermi points along the contours, 1/a (0.005/a is about the
        ray method's 1 degree at k_F = 0.3/a).
    n_grid
        Grid points along the longer side of the domain used to trace the contours (they
        are then refined onto the exact contour, so this sets only which sheets are seen:
        pockets smaller than a few cells may be missed).
    measure
        ``"dos"`` (default: ds/|v|, the local DOS) or ``"angle"`` (equal weight per polar
        angle; sheets star-shaped about Gamma only).
    quadrature
        Only ``"trapezoid"`` (the rule in arc length); the paper's uniform rule is a rule
        on rays and is refused here.
    grid
        A precomputed :class:`ContourGrid` (then ``n_grid`` is ignored).
    nbands
        ``"auto"`` (every occupied band) or the number of lowest bands.

    Returns
    -------
    ContourSurface
    """
    from .density import gamma_energy

    check_weighting(quadrature, measure)
    if quadrature != "trapezoid":
        raise TheoryError("the contour method uses the trapezoid rule in arc length; the "
                          f"quadrature {quadrature!r} is a rule on rays (use method='rays')")
    mu = float(mu_eV)
    if not math.isfinite(mu):
        raise TheoryError(f"mu must be a finite energy in eV, got {mu_eV!r}")
    if not (math.isfinite(ds) and ds > 0):
        raise TheoryError(f"ds must be a positive spacing in 1/a, got {ds!r}")
    if grid is None:
        grid = ContourGrid.compute(model, n_grid)
    o = model.orientation
    E_F = gamma_energy(model) + mu
    D = grid.domain
    lowest = grid.E.reshape(-1, grid.E.shape[-1]).min(axis=0)
    n_occ = int(np.count_nonzero(lowest < E_F))
    if n_occ == 0:
        raise TheoryError(f"no band is occupied at mu = {mu:.5f} eV")
    nb = n_occ if nbands == "auto" else int(nbands)
    if not 1 <= nb <= model.nb:
        raise TheoryError(f"nbands must be between 1 and {model.nb}, got {nbands}")
    nop = lattice.n_ops(o)
    pref = nop * lattice.cell_area(o) / (2 * math.pi) ** 2
    area_total = 0.0
    rows: list[int] = []
    per_row: list[list[_Piece]] = []
    for b in range(model.nb):
        pcs = _pieces(model, grid, b, E_F, float(ds)) if b < max(nb, n_occ) else []
        if pcs:
            a = sum(0.5 * float(np.sum(p.ds * _cross(p.k, _tangent(p.v)))) for p in pcs)
            a += _boundary_area(model, D, b, E_F, pcs)
        else:
            a = _polygon_area(D) if float(model.energies(D[:1])[0, b]) < E_F else 0.0
        area_total += a
        if pcs and b < nb:
            rows.append(b)
            per_row.append(pcs)
    if not rows:
        raise TheoryError(f"no Fermi contour found at mu = {mu:.5f} eV")
    wedge = math.radians(lattice.wedge_deg(o))
    V = D.shape[0]
    ks, bands_, sheets, iphis, Us, dss, vs, dphis, pieces = [], [], [], [], [], [], [], [], []
    star: list[bool] = []
    start = 0
    for r, (b, pcs) in enumerate(zip(rows, per_row, strict=True)):
        n_in = 0
        row_dphi = []
        for p in pcs:
            m = p.k.shape[0]
            t = _tangent(p.v)
            dphi = _cross(p.k, t) / np.maximum(np.sum(p.k**2, axis=1), 1e-300)
            ks.append(p.k)
            Us.append(p.U)
            dss.append(p.ds)
            vs.append(p.v)
            dphis.append(dphi)
            row_dphi.append(dphi)
            bands_.append(np.full(m, b))
            sheets.append(np.full(m, r))
            iphis.append(n_in + np.arange(m))
            pieces.append((r, start, start + m, p.start_edge, p.end_edge, p.closed))
            start += m
            n_in += m
        ok = (len(pcs) == 1 and pcs[0].start_edge == 0 and pcs[0].end_edge == V - 1
              and bool(np.all(row_dphi[0] > 0)))
        star.append(ok)
    k = np.concatenate(ks)
    sheet = np.concatenate(sheets)
    ds_all = np.concatenate(dss)
    v = np.concatenate(vs)
    speed = np.linalg.norm(v, axis=1)
    if np.any(speed <= 0):
        raise TheoryError("zero velocity at a Fermi point (band touching); cannot define the "
                          "Fermi surface")
    dphi_ds = np.concatenate(dphis)
    dos = pref * np.bincount(sheet, weights=ds_all / speed, minlength=len(rows))
    if measure == "angle":
        if not all(star):
            bad = [rows[i] + 1 for i, s in enumerate(star) if not s]
            raise TheoryError(
                f"the 'angle' measure (equal weight per polar angle) needs Fermi sheets "
                f"star-shaped about Gamma; band(s) {bad} are not at mu = {mu:.5f} eV (open, "
                "re-entrant or off-Gamma sheets): use measure='dos' (--measure dos)")
        w = ds_all * dphi_ds
    else:
        w = ds_all / speed
    tot = np.bincount(sheet, weights=w)
    weights = w / tot[sheet]
    iphi = np.concatenate(iphis)
    n_max = int(np.bincount(sheet).max())
    kF = np.empty((len(rows), n_max))
    for r in range(len(rows)):
        kr = np.linalg.norm(k[sheet == r], axis=1)
        kF[r] = np.pad(kr, (0, n_max - kr.size), mode="edge")
    del wedge
    return ContourSurface(
        orientation=o, mu_eV=mu, E_F_eV=float(E_F), bands=tuple(rows), k=k,
        band=np.concatenate(bands_), sheet=sheet, iphi=iphi, U=np.concatenate(Us),
        ds=ds_all, v=v, vF_m_s=speed * EV * model.a_m / HBAR, dphi_ds=dphi_ds, kF=kF,
        phi_deg=np.arange(n_max, dtype=float), dos=dos, weights=weights,
        star_shaped=tuple(star), electrons_per_cell=float(pref * area_total),
        pieces=tuple(pieces), quadrature="trapezoid", measure=str(measure))


def sheets_star_shaped(model: TightBindingModel, mu_eV: float, *, n_grid: int = 64) -> bool:
    """True when every occupied sheet at ``mu_eV`` is star-shaped about Gamma (one piece
    from the phi = 0 ray to the phi = wedge ray, polar angle increasing along it): then the
    ray method applies."""
    try:
        cs = fermi_contours(model, mu_eV, ds=0.05, n_grid=n_grid)
    except TheoryError:
        return False
    return all(cs.star_shaped)


def electrons_from_contours(model: TightBindingModel, E_F_eV: float, *,
                            grid: ContourGrid | None = None, ds: float = 0.03,
                            n_grid: int = 96) -> float:
    """Electrons per 2D cell below the absolute Fermi energy, from the enclosed areas of the
    contours (Green's theorem on the pieces and the occupied boundary of the domain)."""
    from .density import gamma_energy

    if grid is None:
        grid = ContourGrid.compute(model, n_grid)
    lowest = float(grid.E[..., 0].min())
    if E_F_eV <= lowest:
        return 0.0
    cs = fermi_contours(model, E_F_eV - gamma_energy(model), ds=ds, grid=grid)
    return cs.electrons_per_cell


def density_for_mu_contour(model: TightBindingModel, mu_eV: float, *, ds: float = 0.03,
                           n_grid: int = 96) -> float:
    """Sheet density (cm^-2) for a chemical potential from the contour areas."""
    from .density import cell_area_cm2, gamma_energy

    Ne = electrons_from_contours(model, gamma_energy(model) + float(mu_eV), ds=ds,
                                 n_grid=n_grid)
    return Ne / cell_area_cm2(model)


@blas_limited
def mu_for_density_contour(model: TightBindingModel, n2d_cm2: float, tol_eV: float = 1e-5,
                           *, ds: float = 0.03, n_grid: int = 96,
                           E_lo_eV: float | None = None) -> float:
    """Chemical potential (eV, relative to band 1 at Gamma) for a sheet density, with the
    electron count from the contour areas (open sheets allowed).

    The root is bracketed from the band bottom upwards (or from ``E_lo_eV``, an absolute
    Fermi energy known to lie below it) and refined by Newton steps with the total DOS
    of the same contours as the derivative, kept inside the bracket.

    The model limit is :data:`CONTOUR_MAX_ELECTRONS_PER_CELL` electrons per 2D cell; a
    density above it raises :class:`TheoryError` saying so.
    """
    from .density import cell_area_cm2, gamma_energy, n2d_to_electrons_per_cell

    n = float(n2d_cm2)
    if not (math.isfinite(n) and n > 0):
        raise TheoryError(f"n2d must be a positive finite density in cm^-2, got {n2d_cm2!r}")
    target = n2d_to_electrons_per_cell(model, n)
    if target > CONTOUR_MAX_ELECTRONS_PER_CELL:
        lim = CONTOUR_MAX_ELECTRONS_PER_CELL / cell_area_cm2(model)
        raise TheoryError(
            f"n2d = {n:.4g} cm^-2 is above the highest density of the {model.orientation} "
            f"{model.tb} bilayer model, {lim:.4g} cm^-2 ({CONTOUR_MAX_ELECTRONS_PER_CELL:g} "
            "electron per 2D cell): beyond it a gas confined to two layers is no longer a "
            "description of the interface")
    grid = ContourGrid.compute(model, n_grid)

    def count(e: float) -> tuple[float, float]:
        """(N_e(e) - target, total DOS at e)."""
        if e <= float(grid.E[..., 0].min()):
            return -target, 0.0
        cs = fermi_contours(model, e - gamma_energy(model), ds=ds, grid=grid)
        return cs.electrons_per_cell - target, float(np.sum(cs.dos))

    lo = float(grid.E[..., 0].min())
    if E_lo_eV is not None and E_lo_eV > lo and count(float(E_lo_eV))[0] <= 0:
        lo = float(E_lo_eV)
    step = 0.02
    hi = lo + step
    f_hi, g_hi = count(hi)
    top = float(grid.E.max())
    while f_hi < 0.0:
        if hi > top:
            raise TheoryError(f"no chemical potential found for n2d = {n:.4g} cm^-2")
        lo = hi
        step *= 2.0
        hi = lo + step
        f_hi, g_hi = count(hi)
    # safeguarded Newton on N_e(E_F) with dN/dE_F = total DOS (from the same contours)
    e, f, g = hi, f_hi, g_hi
    for _ in range(60):
        if hi - lo < tol_eV:
            break
        e_new = e - f / g if g > 0 else 0.5 * (lo + hi)
        if not lo < e_new < hi:
            e_new = 0.5 * (lo + hi)
        f_new, g_new = count(e_new)
        if f_new < 0:
            lo = e_new
        else:
            hi = e_new
        done = abs(e_new - e) < 0.25 * tol_eV
        e, f, g = e_new, f_new, g_new
        if done or f == 0.0:
            break
    E_F = e
    return float(E_F - gamma_energy(model))
