"""Dynamic Rashba vertex: convention-independent checkpoints, symmetries, gauge consistency
with the band Hamiltonian, and agreement with the explicit element tables of the twin."""

from __future__ import annotations

import numpy as np
import pytest
from reference.pairing_twin import twin_vertex

from ktoanalysis.errors import TheoryError
from ktoanalysis.orientations import ORIENTATIONS
from ktoanalysis.theory.vertex import (
    bond_terms,
    bulk_vertex,
    rashba_amplitudes,
    vertex_matrix,
)

T_DYN = rashba_amplitudes()  # Norman 2026 Table II dynamic column

# Eigenvalue checkpoints (positive half of the +- pairs, eV) and Frobenius norms of the
# 12x12 vertex, from the pairing specification section 2.4 (convention independent).
CHECKPOINTS = [
    ("001", (0.3, 0.2), [0.05522, 0.05522, 0.02711, 0.02711, 0.02308, 0.02308], 0.13140),
    ("001", (0.0, 0.8), [0.10062, 0.10062, 0.07200, 0.07200, 0.04699, 0.04699], 0.26471),
    ("111", (0.3, 0.2), [0.03984, 0.03862, 0.02477, 0.02284, 0.00384, 0.00308], 0.09207),
    ("111", (0.0, 0.8), [0.06774, 0.06774, 0.02939, 0.02939, 0.01868, 0.01868], 0.15232),
]


@pytest.mark.parametrize("orientation,k,evals,norm", CHECKPOINTS)
def test_vertex_checkpoints(orientation, k, evals, norm):
    V = vertex_matrix(np.array(k), orientation, T_DYN)
    ev = np.linalg.eigvalsh(V)
    np.testing.assert_allclose(np.sort(ev[6:])[::-1], evals, atol=1e-5)
    np.testing.assert_allclose(ev[:6], -ev[6:][::-1], atol=1e-12)  # +- pairs
    assert np.linalg.norm(V) == pytest.approx(norm, abs=1e-5)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_vertex_equals_explicit_tables(orientation):
    k = np.random.default_rng(3).normal(size=(20, 2))
    np.testing.assert_allclose(vertex_matrix(k, orientation, T_DYN),
                               twin_vertex(k, orientation, T_DYN), atol=1e-14)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_vertex_hermitian_and_time_reversal_even(orientation):
    k = np.random.default_rng(4).normal(size=(10, 2))
    V = vertex_matrix(k, orientation, T_DYN)
    Vm = vertex_matrix(-k, orientation, T_DYN)
    np.testing.assert_allclose(V, np.conj(np.swapaxes(V, -1, -2)), atol=1e-15)
    theta = np.kron(np.eye(6), np.array([[0, 1], [-1, 0]]))  # i sigma_y on spin, times K
    np.testing.assert_allclose(theta @ V.conj() @ theta.T, Vm, atol=1e-15)


def test_z_vertex_c4v_invariant():
    """The corrected t_B element makes the z-polar vertex invariant under C4 about z:
    U V(k) U^dagger = V(R k) with U the orbital x spin representation."""
    U_orb = np.array([[0, 1, 0], [-1, 0, 0], [0, 0, -1]], dtype=complex)  # yz->-xz, xz->yz
    u_spin = np.diag([np.exp(-1j * np.pi / 4), np.exp(1j * np.pi / 4)])
    U = np.kron(U_orb, u_spin)
    for kx, ky in np.random.default_rng(5).normal(size=(5, 2)):
        V = bulk_vertex(np.sin([kx, ky, 0.0]), 2, T_DYN)
        Vr = bulk_vertex(np.sin([-ky, kx, 0.0]), 2, T_DYN)
        np.testing.assert_allclose(U @ V @ U.conj().T, Vr, atol=1e-15)


@pytest.mark.parametrize("orientation,scale",
                         [("001", 1.0), ("111", np.sqrt(3.0)), ("110", np.sqrt(2.0))])
@pytest.mark.parametrize("tb", ["TB1", "TB2"])
def test_same_gauge_as_band_hamiltonian(orientation, scale, tb):
    """The static Rashba term of the band model is this vertex with the static Table II
    amplitudes (111: without the 1/sqrt3; 110: without the 1/sqrt2, models/kto110.py), so
    H and V_R share basis and gauge."""
    from ktoanalysis.theory.models import make_model

    k = np.random.default_rng(6).normal(size=(8, 2))
    dH = (make_model(orientation, tb).hamiltonian(k)
          - make_model(orientation, tb, rashba_static_eV=0.0).hamiltonian(k))
    V = scale * vertex_matrix(k, orientation, rashba_amplitudes(0.002))
    np.testing.assert_allclose(dH, V, atol=1e-14)


def test_001_vertex_vanishes_at_k0_zero():
    """Norman 2026 (text after Eq. 3): the bulk-like 001 vertex is odd in k0, zero at k0 = 0
    (for 111 only the band matrix elements are suppressed there, see test_pairing)."""
    assert np.abs(vertex_matrix(np.zeros(2), "001", T_DYN)).max() == 0.0
    k = np.array([0.3, -0.7])
    np.testing.assert_allclose(vertex_matrix(-k, "001", T_DYN), -vertex_matrix(k, "001", T_DYN),
                               atol=1e-16)


def test_bond_terms_counts():
    assert bond_terms("001").matrices.shape == (4, 12, 12)   # +-x, +-y intralayer
    assert bond_terms("111").matrices.shape == (6, 12, 12)   # three A-B bonds, both ways
    assert bond_terms("110").matrices.shape == (6, 12, 12)   # +-z intralayer, x and y A-B


def test_bad_input():
    with pytest.raises(TheoryError):
        rashba_amplitudes(0.0488, (1.0, 2.0))
    with pytest.raises(TheoryError):
        vertex_matrix(np.zeros(3), "111")
    with pytest.raises(TheoryError):
        bond_terms("100")
