"""Numba kernels of the Fermi-surface pairing calculation (the only @njit module).

Arrays and scalars in, arrays out; nothing from the package is imported, no jitclass or
typed containers, so ``NUMBA_DISABLE_JIT=1`` runs the same code as plain Python.

Each kernel has one source, a per-row function, and two module-level drivers: ``*_parallel``
(outer ``prange`` over Fermi-surface points, for interactive use) and ``*_serial`` (for batch
workers that must not spawn threads). Both are compiled with ``cache=True, nogil=True``.

Units: momenta in 1/a, matrices and kernel in eV, phonon energies in meV.

Matrix element of Eq. 3 at k0 = (k + k')/2 with the vertex written as bond terms
``V_R(k0) = sum_b B_b exp(i s_b k0_{c_b})``: the phase factorises,
``exp(i s k0_c) = exp(i s k_c / 2) exp(i s k'_c / 2)``, so
``<i|V_R(k0)|j> = sum_b sum_m L[i, b, m] R[j, b, m]`` with
``L[i, b] = conj(U_i) @ B_b * exp(i s_b k_{i,c_b} / 2)`` and
``R[j, b] = U_j * exp(i s_b k_{j,c_b} / 2)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "left_right_vectors", "matrix_elements_parallel", "matrix_elements_serial",
    "kernel_from_m2_parallel", "kernel_from_m2_serial", "omega_vaks",
]

_TWO_PI = 2.0 * np.pi


@njit(cache=True, nogil=True)
def omega_vaks(q_rlu, omega0_meV, S_T, A_T, V_T):
    """Isotropic Vaks TO1 energy (meV) at q (rlu); scalar in, scalar out."""
    q2 = q_rlu * q_rlu
    d11 = omega0_meV * omega0_meV + S_T * q2
    d22 = A_T * q2
    d12 = V_T * q2
    h = 0.5 * (d11 - d22)
    return np.sqrt(0.5 * (d11 + d22) + np.sqrt(h * h + d12 * d12))


@njit(cache=True, nogil=True)
def left_right_vectors(U, k, Ug, kg, B, axis, sign, frame):
    """Phase-weighted left and right vectors of the factorised matrix element.

    Parameters
    ----------
    U : (P, 12) complex128
        Eigenvectors at the Fermi points k_i.
    k : (P, 2) float64
        Fermi points, 1/a.
    Ug : (G, P, 12) complex128
        Eigenvectors at the images g k_j (same band as point j).
    kg : (G, P, 2) float64
        Images g k_j, 1/a.
    B : (nb, 12, 12) complex128
        Bond matrices of the vertex, eV.
    axis : (nb,) int64
        Cubic axis of each bond.
    sign : (nb,) float64
        Bond direction +-1.
    frame : (3, 2) float64
        Cubic components of the in-plane axes.

    Returns
    -------
    L : (P, nb, 12) complex128
    R : (G, P, nb, 12) complex128
    """
    P = U.shape[0]
    G = Ug.shape[0]
    nb = B.shape[0]
    n = U.shape[1]
    L = np.zeros((P, nb, n), dtype=np.complex128)
    R = np.zeros((G, P, nb, n), dtype=np.complex128)
    for i in range(P):
        for b in range(nb):
            c = axis[b]
            kc = frame[c, 0] * k[i, 0] + frame[c, 1] * k[i, 1]
            ph = np.exp(0.5j * sign[b] * kc)
            for m in range(n):
                acc = 0.0 + 0.0j
                for l in range(n):
                    acc += np.conj(U[i, l]) * B[b, l, m]
                L[i, b, m] = acc * ph
    for g in range(G):
        for j in range(P):
            for b in range(nb):
                c = axis[b]
                kc = frame[c, 0] * kg[g, j, 0] + frame[c, 1] * kg[g, j, 1]
                ph = np.exp(0.5j * sign[b] * kc)
                for m in range(n):
                    R[g, j, b, m] = Ug[g, j, m] * ph
    return L, R


@njit(cache=True, nogil=True)
def _m2_row(i, L, R, k, kg, M2, Q):
    """Row i of |<i|V_R(k0)|g j>|^2 and of q = |g k_j - k_i| / 2 pi (rlu), all g and j."""
    G = R.shape[0]
    P = R.shape[1]
    nb = R.shape[2]
    n = R.shape[3]
    for g in range(G):
        for j in range(P):
            acc = 0.0 + 0.0j
            for b in range(nb):
                for m in range(n):
                    acc += L[i, b, m] * R[g, j, b, m]
            M2[g, i, j] = acc.real * acc.real + acc.imag * acc.imag
            dx = kg[g, j, 0] - k[i, 0]
            dy = kg[g, j, 1] - k[i, 1]
            Q[g, i, j] = np.sqrt(dx * dx + dy * dy) / _TWO_PI


@njit(cache=True, nogil=True, parallel=True)
def matrix_elements_parallel(U, k, Ug, kg, B, axis, sign, frame):
    """Squared vertex matrix elements and momentum transfers (outer prange over points).

    Parameters are those of :func:`left_right_vectors`.

    Returns
    -------
    M2 : (G, P, P) float64
        ``|<n_i k_i| V_R((k_i + g k_j)/2) |n_j g k_j>|^2`` in eV^2.
    Q : (G, P, P) float64
        ``|g k_j - k_i| a / 2 pi`` (rlu).
    """
    L, R = left_right_vectors(U, k, Ug, kg, B, axis, sign, frame)
    G = Ug.shape[0]
    P = U.shape[0]
    M2 = np.empty((G, P, P))
    Q = np.empty((G, P, P))
    for i in prange(P):
        _m2_row(i, L, R, k, kg, M2, Q)
    return M2, Q


@njit(cache=True, nogil=True)
def matrix_elements_serial(U, k, Ug, kg, B, axis, sign, frame):
    """Serial twin of :func:`matrix_elements_parallel` (same source row function)."""
    L, R = left_right_vectors(U, k, Ug, kg, B, axis, sign, frame)
    G = Ug.shape[0]
    P = U.shape[0]
    M2 = np.empty((G, P, P))
    Q = np.empty((G, P, P))
    for i in range(P):
        _m2_row(i, L, R, k, kg, M2, Q)
    return M2, Q


@njit(cache=True, nogil=True)
def _kernel_row(i, M2, Q, omega0_meV, omega0_ref_meV, dispersive, S_T, A_T, V_T, out):
    """Row i of the symmetrised kernel (1/G) sum_g M2 * 2 omega0_ref / omega(q)^2 (eV)."""
    G = M2.shape[0]
    P = M2.shape[2]
    ref_eV = 1e-3 * omega0_ref_meV
    for j in range(P):
        acc = 0.0
        for g in range(G):
            if dispersive:
                om = 1e-3 * omega_vaks(Q[g, i, j], omega0_meV, S_T, A_T, V_T)
            else:
                om = 1e-3 * omega0_meV
            acc += M2[g, i, j] * 2.0 * ref_eV / (om * om)
        out[i, j] = acc / G


@njit(cache=True, nogil=True, parallel=True)
def kernel_from_m2_parallel(M2, Q, omega0_meV, omega0_ref_meV, dispersive, S_T, A_T, V_T):
    """Pairing kernel Vker (P, P) in eV from M2 and Q (outer prange over rows).

    Parameters
    ----------
    M2, Q : (G, P, P) float64
        From :func:`matrix_elements_parallel`.
    omega0_meV : float
        Zone-centre TO1 energy omega(0).
    omega0_ref_meV : float
        Reference energy of the vertex amplitudes (2.5 meV).
    dispersive : bool
        True: isotropic Vaks omega(q); False: omega(q) = omega(0).
    S_T, A_T, V_T : float
        Vaks coefficients, meV^2/rlu^2.
    """
    P = M2.shape[1]
    out = np.empty((P, P))
    for i in prange(P):
        _kernel_row(i, M2, Q, omega0_meV, omega0_ref_meV, dispersive, S_T, A_T, V_T, out)
    return out


@njit(cache=True, nogil=True)
def kernel_from_m2_serial(M2, Q, omega0_meV, omega0_ref_meV, dispersive, S_T, A_T, V_T):
    """Serial twin of :func:`kernel_from_m2_parallel`."""
    P = M2.shape[1]
    out = np.empty((P, P))
    for i in range(P):
        _kernel_row(i, M2, Q, omega0_meV, omega0_ref_meV, dispersive, S_T, A_T, V_T, out)
    return out
