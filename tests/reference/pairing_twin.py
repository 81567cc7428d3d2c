"""Plain-numpy twin of the pairing kernel, written independently of the package's vertex.

The vertex is built from the explicit element tables (z-polar Appendix A form with the t_B
correction, and the explicit x- and y-polar forms obtained by cyclic relabelling), then
evaluated at every k0 = (k_i + g k_j)/2 as a full 12x12 matrix; the matrix element is a
direct contraction. Slow on purpose (no factorisation): it is the reference for the numba
kernel and the baseline of the benchmark.
"""

from __future__ import annotations

import numpy as np

S0 = np.eye(2, dtype=complex)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, -1j], [1j, 0]], dtype=complex)
SZ = np.array([[1, 0], [0, -1]], dtype=complex)
SIG = (SX, SY, SZ)

FRAMES = {
    "111": np.array([[1 / np.sqrt(2), -1 / np.sqrt(6)],
                     [-1 / np.sqrt(2), -1 / np.sqrt(6)],
                     [0.0, 2 / np.sqrt(6)]]),
    "001": np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
}


def _polar_vertex(s, d, t):
    """Bulk vertex polarised along cubic axis d, from the explicit element tables.

    For d = z the table is Appendix A (completed, t_B on the yz-xz pair). The x- and
    y-polar tables follow by the relabelling x->y->z->x of orbitals, Pauli index and sines:
    written generically with (a, b, c) = (d+1, d+2, d) mod 3, orbitals labelled by axis.
    """
    t0, tA, tB, tC = t
    a, b, c = (d + 1) % 3, (d + 2) % 3, d
    sa, sb = s[a], s[b]
    V = np.zeros((3, 3, 2, 2), dtype=complex)
    V[a, a] = 2 * tA * sb * SIG[a]
    V[b, b] = -2 * tA * sa * SIG[b]
    V[a, b] = V[b, a] = 2 * tB * (sa * SIG[a] - sb * SIG[b])
    V[a, c] = -2j * t0 * sa * S0 - 2 * tC * sb * SIG[c]
    V[c, a] = +2j * t0 * sa * S0 - 2 * tC * sb * SIG[c]
    V[b, c] = -2j * t0 * sb * S0 + 2 * tC * sa * SIG[c]
    V[c, b] = +2j * t0 * sb * S0 + 2 * tC * sa * SIG[c]
    return V.transpose(0, 2, 1, 3).reshape(6, 6)


def twin_vertex(k0, orientation, t):
    """V_R(k0) (..., 12, 12) for the 001 (sines, layer-diagonal) or 111 (complex bilayer
    form factors, A-B off-diagonal) bilayer."""
    k0 = np.asarray(k0, dtype=float)
    kc = k0 @ FRAMES[orientation].T
    pols = [2] if orientation == "001" else [0, 1, 2]
    scale = 1.0 if orientation == "001" else 1 / np.sqrt(3)
    S = [scale * sum(_polar_vertex(np.eye(3)[cc], d, t) for d in pols) for cc in range(3)]
    out = np.zeros(k0.shape[:-1] + (12, 12), dtype=complex)
    if orientation == "001":
        V6 = sum(np.sin(kc[..., cc])[..., None, None] * S[cc] for cc in range(2))
        out[..., :6, :6] = V6
        out[..., 6:, 6:] = V6
    else:
        AB = sum(0.5j * np.exp(-1j * kc[..., cc])[..., None, None] * S[cc] for cc in range(3))
        out[..., :6, 6:] = AB
        out[..., 6:, :6] = np.conj(np.swapaxes(AB, -1, -2))
    return out


def twin_omega(q_rlu, omega0_meV, dispersive, S_T=4828.1, A_T=1553.0, V_T=2450.7):
    """Vaks TO1 energy in meV (largest eigenvalue of the 2x2 matrix, via eigvalsh)."""
    if not dispersive:
        return np.full_like(q_rlu, omega0_meV)
    q2 = q_rlu**2
    D = np.empty(q_rlu.shape + (2, 2))
    D[..., 0, 0] = omega0_meV**2 + S_T * q2
    D[..., 1, 1] = A_T * q2
    D[..., 0, 1] = D[..., 1, 0] = V_T * q2
    return np.sqrt(np.linalg.eigvalsh(D)[..., -1])


def twin_matrix_elements(U, k, Ug, kg, orientation, t):
    """M2 (G, P, P) in eV^2 and Q (G, P, P) in rlu, by explicit 12x12 vertices."""
    G = Ug.shape[0]
    P = U.shape[0]
    M2 = np.empty((G, P, P))
    Q = np.empty((G, P, P))
    for g in range(G):
        k0 = 0.5 * (k[:, None, :] + kg[g][None, :, :])
        V = twin_vertex(k0, orientation, t)
        M = np.einsum("il,ijlm,jm->ij", U.conj(), V, Ug[g])
        M2[g] = np.abs(M) ** 2
        Q[g] = np.linalg.norm(kg[g][None, :, :] - k[:, None, :], axis=-1) / (2 * np.pi)
    return M2, Q


def twin_kernel(U, k, Ug, kg, orientation, t, omega0_meV, dispersive, omega0_ref_meV=2.5):
    """Vker (P, P) in eV: (1/G) sum_g |M|^2 2 omega0_ref / omega(q)^2."""
    M2, Q = twin_matrix_elements(U, k, Ug, kg, orientation, t)
    om_eV = 1e-3 * twin_omega(Q, omega0_meV, dispersive)
    return np.mean(M2 * 2 * 1e-3 * omega0_ref_meV / om_eV**2, axis=0)


def twin_lambda(Vker, dos_of_point, weights):
    """Largest eigenvalue and gap of the symmetric matrix D Vker D, D = sqrt(N w)."""
    D = np.sqrt(dos_of_point * weights)
    K = D[:, None] * Vker * D[None, :]
    ev, x = np.linalg.eigh(0.5 * (K + K.T))
    gap = x[:, -1] / D
    gap = gap / gap[np.argmax(np.abs(gap))]
    return ev[-1], gap
