"""The plain-numpy twin's registry-driven orientation handling.

Independent truths: the twin's former explicit (001) and (111) forms, frozen here verbatim
as a regression reference (hard-coded frames, sines layer-diagonal for (001), complex A-B
form factors scaled by 1/sqrt3 for (111)); the (110) bilayer written out by hand from its
geometry (layers A = {x+y = 0}, B = {x+y = -1}: +-e_z bonds stay in a layer, -e_x and -e_y
go from A to B); Hermiticity and time-reversal evenness of a Rashba vertex. Only the element
tables ``_polar_vertex`` are shared with the twin (they are its independent part).
"""

from __future__ import annotations

import numpy as np
import pytest
from reference.pairing_twin import _polar_vertex, twin_geometry, twin_vertex

from ktoanalysis.orientations import ORIENTATIONS
from ktoanalysis.theory.vertex import rashba_amplitudes

T_DYN = rashba_amplitudes()  # Norman 2026 Table II dynamic column

# --- frozen regression reference: the twin's explicit forms before the registry ---------
_FROZEN_FRAMES = {
    "111": np.array([[1 / np.sqrt(2), -1 / np.sqrt(6)],
                     [-1 / np.sqrt(2), -1 / np.sqrt(6)],
                     [0.0, 2 / np.sqrt(6)]]),
    "001": np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
}


def _frozen_twin_vertex(k0, orientation, t):
    """The former twin_vertex: 001 (sines, layer-diagonal) or 111 (complex bilayer form
    factors, A-B off-diagonal), switched on the orientation string."""
    k0 = np.asarray(k0, dtype=float)
    kc = k0 @ _FROZEN_FRAMES[orientation].T
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
# ------------------------------------------------------------------------------------------


def _explicit_110(k0, t):
    """(110) by hand: kx along cubic z, ky along (1,-1,0)/sqrt2; polar axis (1,1,0)/sqrt2.
    A-A = B-B = sin(k_z) S_z; A-B = (i/2) sum_{c=x,y} exp(-i k_c) S_c; B-A its adjoint."""
    k0 = np.asarray(k0, dtype=float)
    kz, kx_c, ky_c = k0[..., 0], k0[..., 1] / np.sqrt(2), -k0[..., 1] / np.sqrt(2)
    S = [(_polar_vertex(np.eye(3)[c], 0, t) + _polar_vertex(np.eye(3)[c], 1, t)) / np.sqrt(2)
         for c in range(3)]
    out = np.zeros(k0.shape[:-1] + (12, 12), dtype=complex)
    intra = np.sin(kz)[..., None, None] * S[2]
    AB = 0.5j * (np.exp(-1j * kx_c)[..., None, None] * S[0]
                 + np.exp(-1j * ky_c)[..., None, None] * S[1])
    out[..., :6, :6] = out[..., 6:, 6:] = intra
    out[..., :6, 6:] = AB
    out[..., 6:, :6] = np.conj(np.swapaxes(AB, -1, -2))
    return out


@pytest.mark.parametrize("orientation", ["001", "111"])
def test_registry_twin_reproduces_frozen_explicit_forms(orientation):
    k = np.random.default_rng(21).normal(size=(4, 6, 2)) * 1.5
    np.testing.assert_allclose(twin_vertex(k, orientation, T_DYN),
                               _frozen_twin_vertex(k, orientation, T_DYN), rtol=0, atol=1e-14)


def test_registry_twin_110_equals_hand_written_bilayer():
    k = np.random.default_rng(22).normal(size=(25, 2)) * 1.5
    np.testing.assert_allclose(twin_vertex(k, "110", T_DYN), _explicit_110(k, T_DYN),
                               rtol=0, atol=1e-14)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_twin_geometry_is_a_layer_cut(orientation):
    """The registry frame is orthonormal and in the layer plane (m . frame = 0), so the
    bond rule lay -> lay - s m_c is consistent with the in-plane phases."""
    frame, m, n = twin_geometry(orientation)
    np.testing.assert_allclose(frame.T @ frame, np.eye(2), atol=1e-15)
    np.testing.assert_allclose(m @ frame, 0.0, atol=1e-15)
    np.testing.assert_allclose(n, m / np.linalg.norm(m), atol=1e-15)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_twin_vertex_hermitian_time_reversal_even_and_nonzero(orientation):
    k = np.random.default_rng(23).normal(size=(8, 2))
    V = twin_vertex(k, orientation, T_DYN)
    np.testing.assert_allclose(V, np.conj(np.swapaxes(V, -1, -2)), atol=1e-15)
    theta = np.kron(np.eye(6), np.array([[0, 1], [-1, 0]]))  # i sigma_y on spin, times K
    np.testing.assert_allclose(theta @ V.conj() @ theta.T, twin_vertex(-k, orientation, T_DYN),
                               atol=1e-15)
    assert np.abs(V).max() > 1e-3  # eV: the coupling is not lost for any orientation


def test_twin_accepts_registry_spellings():
    k = np.array([0.3, -0.4])
    np.testing.assert_array_equal(twin_vertex(k, "(110)", T_DYN), twin_vertex(k, "110", T_DYN))
    np.testing.assert_array_equal(twin_vertex(k, 1, T_DYN), twin_vertex(k, "001", T_DYN))
