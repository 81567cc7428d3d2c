"""Dynamic Rashba electron-phonon vertex V_R of the soft TO1 mode (Norman 2026, Table II and
Appendix A), embedded in the 12-state bilayer basis.

Basis (same as the band Hamiltonian): index = 6*layer + 2*orbital + spin, layer 0 = A (top),
1 = B; orbital 0 = yz ("x"), 1 = xz ("y"), 2 = xy ("z"); spin quantised along cubic z.
Momenta in 1/a (a = cubic lattice constant); amplitudes and matrices in eV.

Conventions and corrections (labelled ASSUMPTIONs, see the pairing specification):

* Each element listed in Appendix A is completed by its Hermitian conjugate.
* The second t_B element couples yz and xz (pair "yx"), not the printed pair "yz"; only then
  is the z-polar vertex invariant under C4v and time reversal (symmetry-required).
* x- and y-polar vertices follow from the z-polar one by the cyclic relabelling
  x -> y -> z -> x of orbitals, spin components and sine arguments (equivalently the C3
  rotation about (111)).
* A polar axis along the unit normal n gives ``V = sum_d n_d V^(d)``; for (111) this is the
  paper's ``(V^(x) + V^(y) + V^(z)) / sqrt3`` scaling of the Table II values.
* Bulk sines become bond hoppings: ``S sin(k_c a)`` equals ``T(+a e_c) = S / 2i`` and
  ``T(-a e_c) = -S / 2i``. Only bonds with both ends in the bilayer are kept, each with its
  Bloch phase ``exp(i k.d)`` (atomic-position gauge, as the band Hamiltonian).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import TheoryError
from .lattice import check_orientation, in_plane_frame, layer_normal

__all__ = [
    "TABLE_II_RATIOS", "DYNAMIC_T0_EV", "STATIC_T0_EV", "rashba_amplitudes",
    "bulk_vertex_z", "bulk_vertex", "polar_axis", "sine_coefficients", "BondTerms",
    "bond_terms", "vertex_matrix",
]

#: Table II ratios tA/t0, tB/t0, tC/t0 (same for the static and the dynamic column)
TABLE_II_RATIOS: tuple[float, float, float] = (1.08, 0.1, 0.44)
#: Table II dynamic t0 in eV (electron-phonon matrix element at omega0_ref = 2.5 meV)
DYNAMIC_T0_EV: float = 0.0488
#: Table II static t0 in eV (the small static Rashba term of the band structure)
STATIC_T0_EV: float = 0.002

_S0 = np.eye(2, dtype=complex)
_SX = np.array([[0, 1], [1, 0]], dtype=complex)
_SY = np.array([[0, -1j], [1j, 0]], dtype=complex)
_SZ = np.array([[1, 0], [0, -1]], dtype=complex)

# cyclic relabelling x -> y -> z -> x: orbital permutation and spin rotation (C3 about (111))
_P_ORB = np.zeros((3, 3))
_P_ORB[1, 0] = _P_ORB[2, 1] = _P_ORB[0, 2] = 1.0
_U_SPIN = (math.cos(math.pi / 3) * _S0
           - 1j * math.sin(math.pi / 3) * (_SX + _SY + _SZ) / math.sqrt(3.0))
_D_CYC = np.kron(_P_ORB, _U_SPIN)


def rashba_amplitudes(t0_eV: float = DYNAMIC_T0_EV,
                      ratios: tuple[float, float, float] = TABLE_II_RATIOS) -> np.ndarray:
    """The four Rashba amplitudes (t0, tA, tB, tC) in eV.

    Parameters
    ----------
    t0_eV
        Spin-independent amplitude t0 in eV (Table II: 0.0488 dynamic, 0.002 static).
    ratios
        (tA/t0, tB/t0, tC/t0); Table II: (1.08, 0.1, 0.44).

    Returns
    -------
    ndarray (4,)
        (t0, tA, tB, tC) in eV.
    """
    if len(ratios) != 3:
        raise TheoryError(f"ratios must be (tA/t0, tB/t0, tC/t0), got {ratios!r}")
    t = np.array([1.0, *ratios], dtype=float) * float(t0_eV)
    if not np.all(np.isfinite(t)):
        raise TheoryError(f"Rashba amplitudes must be finite, got t0={t0_eV!r}, ratios={ratios!r}")
    return t


def _blocks(M) -> np.ndarray:
    return np.block([[M[i][j] for j in range(3)] for i in range(3)])


def bulk_vertex_z(s, t) -> np.ndarray:
    """Bulk z-polar Rashba vertex (Appendix A, completed and corrected), 6x6 in eV.

    Parameters
    ----------
    s
        (sin k_x a, sin k_y a, sin k_z a) (the third is unused).
    t
        (t0, tA, tB, tC) in eV.

    Returns
    -------
    ndarray (6, 6) complex, orbital (yz, xz, xy) x spin.
    """
    t0, tA, tB, tC = (float(v) for v in t)
    sx, sy = float(s[0]), float(s[1])
    O = np.zeros((2, 2), dtype=complex)
    xx = 2 * tA * sy * _SX
    yy = -2 * tA * sx * _SY
    xy = 2 * tB * (sx * _SX - sy * _SY)
    xz = -2j * t0 * sx * _S0 - 2 * tC * sy * _SZ
    zx = 2j * t0 * sx * _S0 - 2 * tC * sy * _SZ
    yz = -2j * t0 * sy * _S0 + 2 * tC * sx * _SZ
    zy = 2j * t0 * sy * _S0 + 2 * tC * sx * _SZ
    return _blocks([[xx, xy, xz], [xy, yy, yz], [zx, zy, O]])


def bulk_vertex(s, polarization: int, t) -> np.ndarray:
    """Bulk Rashba vertex for a polar displacement along cubic axis ``polarization``.

    Parameters
    ----------
    s
        (sin k_x a, sin k_y a, sin k_z a).
    polarization
        0 (x), 1 (y) or 2 (z).
    t
        (t0, tA, tB, tC) in eV.

    Returns
    -------
    ndarray (6, 6) complex in eV.
    """
    s = np.asarray(s, dtype=float)
    if polarization == 2:
        return bulk_vertex_z(s, t)
    if polarization == 0:
        return _D_CYC @ bulk_vertex_z(np.roll(s, -1), t) @ _D_CYC.conj().T
    if polarization == 1:
        return _D_CYC @ bulk_vertex(np.roll(s, -1), 0, t) @ _D_CYC.conj().T
    raise TheoryError(f"polarization must be 0, 1 or 2 (cubic x, y, z), got {polarization!r}")


def polar_axis(orientation: str) -> np.ndarray:
    """Unit vector (cubic components) of the TO1 polarization normal to the interface.

    Returns
    -------
    ndarray (3,): (1,1,1)/sqrt3 (111), (0,0,1) (001), (1,1,0)/sqrt2 (110).
    """
    m = layer_normal(orientation).astype(float)
    return m / np.linalg.norm(m)


def sine_coefficients(orientation: str, t) -> np.ndarray:
    """Coefficients S_c of ``V(k) = sum_c S_c sin(k_c a)`` for the interface's polar axis.

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"``.
    t
        (t0, tA, tB, tC) in eV.

    Returns
    -------
    ndarray (3, 6, 6) complex, each S_c Hermitian (eV).
    """
    n = polar_axis(orientation)
    eye = np.eye(3)
    S = np.zeros((3, 6, 6), dtype=complex)
    for c in range(3):
        for d in range(3):
            if n[d] != 0.0:
                S[c] += n[d] * bulk_vertex(eye[c], d, t)
    return S


@dataclass(frozen=True)
class BondTerms:
    """Bond decomposition ``V_R(k) = sum_b matrices[b] * exp(i sign[b] k_{c_b} a)``.

    Attributes
    ----------
    matrices
        (nb, 12, 12) complex, eV.
    axis
        (nb,) int, the cubic axis c_b of bond b.
    sign
        (nb,) float, +1 or -1 (bond vector ``sign * a e_c``).
    frame
        (3, 2) float, cubic components of the in-plane axes (k_c = frame @ k).
    """

    matrices: np.ndarray
    axis: np.ndarray
    sign: np.ndarray
    frame: np.ndarray


def bond_terms(orientation: str, t=None) -> BondTerms:
    """Bilayer bond hoppings of the Rashba vertex (12x12, atomic-position gauge).

    A bulk term ``S_c sin(k_c a)`` is the pair of hoppings ``T(s a e_c) = s S_c / 2i``,
    s = +-1. A bond from layer l (rows) reaches layer ``l - s m_c`` (m = integer layer
    normal); it is kept when both layers belong to the bilayer.

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"``.
    t
        (t0, tA, tB, tC) in eV; default the dynamic Table II values.

    Returns
    -------
    BondTerms
    """
    o = check_orientation(orientation)
    t = rashba_amplitudes() if t is None else np.asarray(t, dtype=float)
    if t.shape != (4,):
        raise TheoryError(f"t must be (t0, tA, tB, tC) in eV, got shape {t.shape}")
    S = sine_coefficients(o, t)
    m = layer_normal(o)
    mats, axes, signs = [], [], []
    for c in range(3):
        if not np.any(S[c]):
            continue
        for s in (1, -1):
            B = np.zeros((12, 12), dtype=complex)
            T = s * S[c] / 2j
            for layer in (0, 1):
                other = layer - s * int(m[c])
                if other in (0, 1):
                    B[6 * layer:6 * layer + 6, 6 * other:6 * other + 6] += T
            if np.any(B):
                mats.append(B)
                axes.append(c)
                signs.append(float(s))
    return BondTerms(matrices=np.array(mats), axis=np.array(axes, dtype=np.int64),
                     sign=np.array(signs), frame=np.ascontiguousarray(in_plane_frame(o)))


def vertex_matrix(k, orientation: str, t=None) -> np.ndarray:
    """The 12x12 Rashba vertex V_R(k) of the bilayer.

    Parameters
    ----------
    k
        In-plane wave vectors (..., 2) in 1/a (for the pairing kernel: k0 = (k + k')/2).
    orientation
        ``"111"``, ``"001"`` or ``"110"``.
    t
        (t0, tA, tB, tC) in eV; default the dynamic Table II values.

    Returns
    -------
    ndarray (..., 12, 12) complex Hermitian, eV.
    """
    bt = bond_terms(orientation, t)
    k = np.asarray(k, dtype=float)
    if k.shape[-1:] != (2,):
        raise TheoryError(f"k must have a last axis of length 2, got shape {k.shape}")
    kc = k @ bt.frame.T
    phase = np.exp(1j * bt.sign * kc[..., bt.axis])          # (..., nb)
    return np.einsum("...b,bij->...ij", phase, bt.matrices)
