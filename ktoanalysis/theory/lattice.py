"""Lattice geometry of the KTaO3 interface bilayers: in-plane frames, cell areas, surface
Brillouin zone, irreducible wedge and point-group operations.

Every function here reads the one description of the orientation,
:data:`ktoanalysis.orientations.ORIENTATION_SPECS`; nothing is switched on orientation names.

Internal units: wave vectors in 1/a (a = cubic lattice constant), lengths in a, areas in
a^2, angles in degrees at the public boundary.

Conventions (Norman 2026, "Superconductivity from the Slater mode", figure captions;
Xiao et al., Nat. Commun. 2, 596 (2011) for the (111) bilayer):

* (111): layers A = {x+y+z = 0}, B = {x+y+z = -1}; in-plane frame
  e1 = (1,-1,0)/sqrt2 (kx, Gamma-K) and e2 = (-1,-1,2)/sqrt6 (ky, Gamma-M). The frame is
  left-handed seen from +n = (1,1,1)/sqrt3 (it only mirrors plots). 2D cell area sqrt3 a^2.
* (001): layers z = 0 (A) and z = -1 (B); kx along (100), ky along (010); cell area a^2.
* (110) (extension, not validated against the paper): layers A = {x+y = 0},
  B = {x+y = -1}; kx along (0,0,1), ky along (1,-1,0)/sqrt2; cell area sqrt2 a^2.

The 2x2 operations act on in-plane k: R(m*60 deg) and R(m*60 deg) M for (111) (12, the C3v
operations and their products with time reversal), R(m*90 deg) and R(m*90 deg) M for (001)
(8, C4v), with M = diag(-1, 1).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import TheoryError
from ..orientations import ORIENTATIONS, Orientation, orientation_spec

__all__ = [
    "Orientation", "ORIENTATIONS", "check_orientation", "in_plane_frame", "cubic_components",
    "layer_normal", "cell_area", "wedge_deg", "n_ops", "symmetry_ops", "rotation",
    "high_symmetry_points", "zone_inradius", "k_unit", "k_unit_label",
    "symmetry_unitaries", "lattice_vectors", "reciprocal_vectors", "zone_boundary_radius",
]

def check_orientation(orientation: str) -> str:
    """Return the orientation as a canonical string or raise :class:`TheoryError`.

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"`` (an int such as 111, or ``"(111)"``, is accepted
        as well); see :data:`ktoanalysis.orientations.ORIENTATIONS`.
    """
    return orientation_spec(orientation).key


def in_plane_frame(orientation: str) -> np.ndarray:
    """Cubic components of the two in-plane unit vectors (the kx and ky axes).

    Returns
    -------
    F : ndarray (3, 2)
        Column j is the cubic unit vector of in-plane axis j, so that the cubic
        components of an in-plane vector k are ``F @ k``.
    """
    return np.array(orientation_spec(orientation).frame, dtype=float).T


def layer_normal(orientation: str) -> np.ndarray:
    """Integer normal vector m such that the layer index of a cubic site r is ``-(m . r)``
    (0 = A, top; 1 = B, one step below). Returns ndarray (3,) of int."""
    return np.array(orientation_spec(orientation).layer_normal)


def cubic_components(k: np.ndarray, orientation: str) -> np.ndarray:
    """Cubic components (kx_c, ky_c, kz_c) of in-plane wave vectors.

    Parameters
    ----------
    k
        In-plane wave vectors, shape (..., 2), in 1/a.
    orientation
        Interface orientation.

    Returns
    -------
    ndarray (..., 3) in 1/a. For (111): kx_c = kx/sqrt2 - ky/sqrt6,
    ky_c = -kx/sqrt2 - ky/sqrt6, kz_c = 2 ky/sqrt6 (electronic-structure conventions).
    """
    k = np.asarray(k, dtype=float)
    if k.shape[-1:] != (2,):
        raise TheoryError(f"k must have a last axis of length 2 (kx, ky), got shape {k.shape}")
    return k @ in_plane_frame(orientation).T


def cell_area(orientation: str) -> float:
    """Area of the 2D bilayer cell (two Ta sites) in units of a^2: sqrt3 (111), 1 (001),
    sqrt2 (110)."""
    return orientation_spec(orientation).cell_area


def wedge_deg(orientation: str) -> float:
    """Opening angle of the irreducible wedge in degrees: 30 (111), 45 (001), 90 (110)."""
    return orientation_spec(orientation).wedge_deg


def n_ops(orientation: str) -> int:
    """Number of in-plane group operations acting on k: 12 (111), 8 (001), 4 (110)."""
    return int(round(360.0 / wedge_deg(orientation)))


def rotation(theta_deg: float) -> np.ndarray:
    """2x2 rotation matrix R(theta) = [[cos, -sin], [sin, cos]] (theta in degrees)."""
    t = math.radians(theta_deg)
    return np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])


def symmetry_ops(orientation: str) -> np.ndarray:
    """The group operations acting on in-plane k.

    Returns
    -------
    ndarray (N_op, 2, 2): R(m * step) for m = 0..N_op/2-1 followed by R(m * step) @ M,
    M = diag(-1, 1), step = 360/(N_op/2) degrees (60 for 111, 90 for 001, 180 for 110).
    Energies satisfy E_n(g k) = E_n(k) for every operation (with time reversal for 111).
    """
    nop = n_ops(orientation)
    step = 720.0 / nop
    mirror = np.diag([-1.0, 1.0])
    rots = [rotation(m * step) for m in range(nop // 2)]
    ops = np.array(rots + [r @ mirror for r in rots])
    ops[np.abs(ops) < 1e-15] = 0.0
    return ops


def lattice_vectors(orientation: str) -> np.ndarray:
    """Primitive vectors of one layer's 2D lattice in cubic coordinates (2, 3), units of a:
    (1,-1,0), (0,1,-1) for 111; (1,0,0), (0,1,0) for 001; (0,0,1), (1,-1,0) for 110."""
    return np.array(orientation_spec(orientation).lattice_vectors, dtype=float)


def reciprocal_vectors(orientation: str) -> np.ndarray:
    """In-plane reciprocal vectors b1, b2 (rows, (2, 2)) in 1/a, a_i . b_j = 2 pi delta_ij."""
    A = lattice_vectors(orientation) @ in_plane_frame(orientation)  # (2, 2) in-plane rows
    return 2 * math.pi * np.linalg.inv(A).T


def zone_boundary_radius(orientation: str, phi_rad: np.ndarray) -> np.ndarray:
    """Distance (1/a) from Gamma to the surface Brillouin-zone boundary along directions
    ``phi_rad`` (radians from +kx): min over reciprocal vectors G with G.u > 0 of
    |G|^2 / (2 G.u)."""
    B = reciprocal_vectors(orientation)
    G = np.array([m1 * B[0] + m2 * B[1] for m1 in range(-2, 3) for m2 in range(-2, 3)
                  if (m1, m2) != (0, 0)])
    phi = np.asarray(phi_rad, dtype=float)
    u = np.stack([np.cos(phi), np.sin(phi)], axis=-1)
    proj = u @ G.T  # (..., nG)
    with np.errstate(divide="ignore"):
        dist = np.where(proj > 1e-12, np.sum(G**2, axis=1) / (2 * np.where(proj > 1e-12, proj,
                                                                               1.0)), np.inf)
    return dist.min(axis=-1)


def zone_inradius(orientation: str) -> float:
    """Radius (1/a) of the largest circle about Gamma inside the surface Brillouin zone,
    half the shortest reciprocal vector: Gamma-M = 2 pi/sqrt6 (111), pi (001), and
    pi/sqrt2 for (110) (along ky)."""
    B = reciprocal_vectors(orientation)
    G = [m1 * B[0] + m2 * B[1] for m1 in range(-2, 3) for m2 in range(-2, 3)
         if (m1, m2) != (0, 0)]
    return 0.5 * float(min(np.linalg.norm(g) for g in G))


def high_symmetry_points(orientation: str) -> dict[str, np.ndarray]:
    """Named corners of the irreducible domain (in-plane k, 1/a), Gamma first.

    (111): Gamma, K = (4 pi/(3 sqrt2), 0), M at 30 deg (|M| = 2 pi/sqrt6). (001): Gamma,
    X = (pi, 0), M = (pi, pi). (110): Gamma, X = (pi, 0) (along cubic z),
    S = (pi, pi/sqrt2), Y = (0, pi/sqrt2).
    """
    return {name: np.array(xy, dtype=float) for name, xy in orientation_spec(orientation).domain}


def k_unit(orientation: str) -> float:
    """The paper's plotting unit of k expressed in 1/a: pi/c with c = sqrt(2/3) a for (111)
    (= 3.8476/a), pi/a for (001) and (110)."""
    return orientation_spec(orientation).k_unit


def k_unit_label(orientation: str) -> str:
    """Axis-label text of :func:`k_unit`."""
    return orientation_spec(orientation).k_unit_label


# --------------------------------------------------------------------------------------
# representations on orbitals (yz, xz, xy) and spin, for symmetry checks
# --------------------------------------------------------------------------------------

_SX = np.array([[0, 1], [1, 0]], dtype=complex)
_SY = np.array([[0, -1j], [1j, 0]], dtype=complex)
_SZ = np.array([[1, 0], [0, -1]], dtype=complex)


def _spin_rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    n = np.asarray(axis, dtype=float)
    n = n / np.linalg.norm(n)
    ns = n[0] * _SX + n[1] * _SY + n[2] * _SZ
    return math.cos(angle / 2) * np.eye(2) - 1j * math.sin(angle / 2) * ns


def _orbital_representation(O: np.ndarray) -> np.ndarray:
    """3x3 matrix of a cubic point operation O on the t2g orbitals (yz, xz, xy).

    Orbital a ~ r_b r_c is the quadratic form r^T S_a r; under r -> O r it becomes
    r^T O S_a O^T r, expanded on the S_a' (column a = image of orbital a).
    """
    pairs = ((1, 2), (0, 2), (0, 1))
    D = np.zeros((3, 3))
    for a, (b, c) in enumerate(pairs):
        S = np.zeros((3, 3))
        S[b, c] = S[c, b] = 0.5
        T = O @ S @ O.T
        for a2, (b2, c2) in enumerate(pairs):
            D[a2, a] = 2.0 * T[b2, c2]
    return D


def _spin_representation(O: np.ndarray) -> np.ndarray:
    """SU(2) matrix of the proper part det(O) O of a cubic point operation (up to sign)."""
    R = np.linalg.det(O) * O
    angle = math.acos(max(-1.0, min(1.0, (np.trace(R) - 1.0) / 2.0)))
    if angle < 1e-12:
        return np.eye(2, dtype=complex)
    if abs(angle - math.pi) < 1e-9:  # axis: eigenvector of eigenvalue 1
        w, v = np.linalg.eigh(0.5 * (R + R.T))
        axis = v[:, int(np.argmax(w))]
    else:
        axis = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return _spin_rotation(axis, angle)


def symmetry_unitaries(orientation: str) -> list[tuple[str, np.ndarray, np.ndarray, bool]]:
    """Generators of the symmetry group in the 12-dimensional basis of the bilayer models.

    Each generator of :attr:`ktoanalysis.orientations.OrientationSpec.generators` is a cubic
    point operation O that keeps the layer normal; its action on in-plane k is
    g = F^T O F (F the in-plane frame), on the t2g orbitals the quadratic-form
    representation, on spin the SU(2) rotation of det(O) O. Time reversal is added.

    Returns
    -------
    list of (name, g, U, antiunitary): ``g`` (2, 2) acts on k, ``U`` (12, 12) on
    layer x orbital x spin. For a unitary operation U H(k) U^dagger = H(g k); for the
    antiunitary one (time reversal) U conj(H(k)) U^dagger = H(g k).
    Basis index = 6 layer + 2 orbital + spin.
    """
    spec = orientation_spec(orientation)
    F = in_plane_frame(spec.key)

    def emb(u_orb: np.ndarray, u_spin: np.ndarray) -> np.ndarray:
        return np.kron(np.eye(2), np.kron(u_orb, u_spin))

    out: list[tuple[str, np.ndarray, np.ndarray, bool]] = []
    for gen in spec.generators:
        O = gen.matrix()
        g = F.T @ O @ F
        g[np.abs(g) < 1e-15] = 0.0
        out.append((gen.name, g, emb(_orbital_representation(O), _spin_representation(O)),
                    False))
    out.append(("time reversal", -np.eye(2), emb(np.eye(3), 1j * _SY), True))
    return out
