"""Plain-numpy twin of the pairing kernel, written independently of the package's vertex.

The vertex is built from the explicit element tables (z-polar Appendix A form with the t_B
correction, and the explicit x- and y-polar forms obtained by cyclic relabelling), then
evaluated at every k0 = (k_i + g k_j)/2 as a full 12x12 matrix; the matrix element is a
direct contraction. Slow on purpose (no factorisation): it is the reference for the numba
kernel and the baseline of the benchmark.

The orientation enters only through its registry entry
(:func:`ktoanalysis.orientations.orientation_spec`): the in-plane frame (cubic components
of the kx and ky axes), the polar axis n = m/|m| (weights of the cubic polar vertices) and
the integer layer normal m (layer of a cubic site r is -(m.r), A = 0, B = 1), which fixes
the bilayer structure bond by bond. Nothing here switches on the orientation string.
"""

from __future__ import annotations

import numpy as np

from ktoanalysis.orientations import orientation_spec

S0 = np.eye(2, dtype=complex)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SY = np.array([[0, -1j], [1j, 0]], dtype=complex)
SZ = np.array([[1, 0], [0, -1]], dtype=complex)
SIG = (SX, SY, SZ)


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


def twin_geometry(orientation):
    """(frame (3, 2), integer layer normal m (3,), polar axis n (3,)) from the registry.

    ``frame[:, 0]`` and ``frame[:, 1]`` are the cubic components of the in-plane kx and ky
    axes, so the cubic components of an in-plane k are ``frame @ k``.
    """
    spec = orientation_spec(orientation)
    frame = np.array(spec.frame, dtype=float).T
    m = np.array(spec.layer_normal, dtype=int)
    n = np.asarray(spec.polar_axis, dtype=float)
    return frame, m, n


def twin_sine_coefficients(n, t):
    """Bulk coefficients S_c (c = x, y, z) of V(k) = sum_c S_c sin(k_c a), each (6, 6).

    The polar axis n weights the cubic polar vertices: S_c = sum_d n_d V^(d)(sin k = e_c),
    summed over the axes d with n_d != 0 ((001): d = z only; (111): 1/sqrt3 each).
    """
    eye = np.eye(3)
    return [sum(n[d] * _polar_vertex(eye[c], d, t) for d in range(3) if n[d] != 0.0)
            for c in range(3)]


def twin_vertex(k0, orientation, t):
    """V_R(k0) (..., 12, 12) of the bilayer, bond by bond (atomic-position gauge).

    Each bulk term S_c sin(k_c a) is the pair of nearest-neighbour hoppings
    T(s a e_c) = s S_c / (2i), s = +-1, with Bloch phase exp(i s k_c a). A bond s e_c from
    layer ``lay`` (rows) lands in layer ``lay - s m_c`` (columns); bonds leaving the
    bilayer are dropped. (001): m = (0, 0, 1) keeps the x and y bonds inside each layer
    (sines, layer-diagonal); (111): every bond joins A and B (complex form factors,
    A-B off-diagonal); (110): z bonds intralayer, x and y bonds interlayer.
    """
    frame, m, n = twin_geometry(orientation)
    k0 = np.asarray(k0, dtype=float)
    kc = k0 @ frame.T
    S = twin_sine_coefficients(n, t)
    out = np.zeros(k0.shape[:-1] + (12, 12), dtype=complex)
    for c in range(3):
        for s in (1, -1):
            T = s * S[c] / 2j
            phase = np.exp(1j * s * kc[..., c])[..., None, None]
            for lay in (0, 1):
                other = lay - s * int(m[c])
                if other not in (0, 1):
                    continue  # the bond leaves the bilayer
                out[..., 6 * lay:6 * lay + 6, 6 * other:6 * other + 6] += phase * T
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
