"""Bilayer tight-binding models: Hermiticity, checkpoint eigenvalues, symmetries, Kramers
degeneracy and its lifting by the static Rashba term."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import lattice
from ktoanalysis.theory.models import TABLE_I, make_model
from ktoanalysis.theory.models._t2g import soc_matrix

CASES = [("111", "TB1"), ("111", "TB2"), ("001", "TB1"), ("001", "TB2")]

# Reference levels of an independent implementation of the same model (electronic-structure
# specification, section 8: static Rashba included), eV.
GAMMA_LEVELS = {
    ("111", "TB1"): [-2.13250] * 4 + [-1.73500] * 2 + [1.8675] * 4 + [2.265] * 2,
    ("111", "TB2"): [-1.37750] * 2 + [-1.31414] * 2 + [-0.93836] * 2,
    ("001", "TB1"): [-4.03020] * 2 + [-4.01117] * 2 + [-3.13250] * 2 + [-2.83730] * 2,
    ("001", "TB2"): [-2.42793] * 2 + [-2.33191] * 2 + [-1.87500] * 2 + [-1.56707] * 2,
}
K_CHECK = np.array([0.3, 0.2])
LEVELS_K = {
    ("111", "TB1"): [-2.11722, -2.11607, -2.08497, -2.08294, -1.70340, -1.70163, 1.81784,
                     1.81988],
    ("111", "TB2"): [-1.34862, -1.34846, -1.28549, -1.28236, -0.91103, -0.90934, 0.67897,
                     0.67905],
    ("001", "TB1"): [-3.90293, -3.90258, -3.88228, -3.88214, -3.07076, -3.06898, -2.76982,
                     -2.76816],
    ("001", "TB2"): [-2.34345, -2.34299, -2.24529, -2.24509, -1.83628, -1.83448, -1.52462,
                     -1.52292],
}
LEVELS_K_NO_RASHBA = {
    ("111", "TB1"): [-2.11660, -2.08400, -1.70251, 1.81890],
    ("001", "TB2"): [-2.34321, -2.24519, -1.83538, -1.52377],
}


@pytest.fixture(scope="module")
def models():
    return {c: make_model(*c) for c in CASES}


def test_table_i_values_in_factory(models):
    # Norman 2026 (papers/000), Table I
    m1, m2 = models[("111", "TB1")], models[("001", "TB2")]
    assert (m1.params["t"], m1.params["tp"], m1.params["tpp"], m1.params["tppp"]) == \
        (1.0, 0.0, 0.0, 0.0)
    assert (m2.params["t"], m2.params["tp"], m2.params["tpp"], m2.params["tppp"]) == \
        (0.4975, 0.035, 0.09, 0.0175)
    assert m1.params["xi_so"] == m2.params["xi_so"] == 0.265
    assert TABLE_I["t"] == (1.0, 0.4975)
    # Table II static column: t0 = 2 meV, tA = 1.08 t0, tB = 0.1 t0, tC = 0.44 t0
    assert m1.params["rashba_t0"] == pytest.approx(0.002)
    assert m1.params["rashba_tA"] == pytest.approx(0.00216)
    assert m1.params["rashba_tB"] == pytest.approx(0.0002)
    assert m1.params["rashba_tC"] == pytest.approx(0.00088)


@pytest.mark.parametrize("case", CASES)
def test_hermitian_and_shapes(models, case):
    m = models[case]
    rng = np.random.default_rng(1)
    k = rng.uniform(-3, 3, size=(5, 7, 2))
    H = m.hamiltonian(k)
    assert H.shape == (5, 7, 12, 12) and m.nb == 12
    assert np.max(np.abs(H - np.conj(np.swapaxes(H, -1, -2)))) < 1e-14
    E, U = m.bands(k)
    assert E.shape == (5, 7, 12) and U.shape == (5, 7, 12, 12)
    assert np.all(np.diff(E, axis=-1) >= -1e-12)
    HU = H @ U
    assert np.max(np.abs(HU - U * E[..., None, :])) < 1e-12
    R, T = m.arrays()
    assert R.shape[1] == 3 and T.shape[1:] == (12, 12)
    # frozen: T(-R) = T(R)^dagger
    for i, r in enumerate(R):
        j = int(np.nonzero(np.all(R == -r, axis=1))[0][0])
        assert np.allclose(T[j], T[i].conj().T, atol=1e-15)
    with pytest.raises(ValueError):
        T[0, 0, 0] = 1.0


@pytest.mark.parametrize("case", CASES)
def test_checkpoint_eigenvalues(models, case):
    m = models[case]
    ref0 = GAMMA_LEVELS[case]
    assert m.energies(np.zeros(2))[:len(ref0)] == pytest.approx(ref0, abs=1e-5)
    assert m.energies(K_CHECK)[:8] == pytest.approx(LEVELS_K[case], abs=1e-5)


def test_checkpoint_without_rashba():
    for case, ref in LEVELS_K_NO_RASHBA.items():
        E = make_model(*case, rashba_static_eV=0.0).energies(K_CHECK)
        assert E[0:8:2] == pytest.approx(ref, abs=1e-5)


def test_111_tb1_gamma_closed_form():
    # TB1 at Gamma: bonding -2t and antibonding +2t (H_AB = -2t), plus SOC:
    # j=3/2 at -xi/2 (x4), j=1/2 at +xi (x2)
    t, xi = 0.83, 0.31
    m = make_model("111", "TB1", t=t, xi_so=xi, rashba_static_eV=0.0)
    E = m.energies(np.zeros(2))
    assert E[:6] == pytest.approx([-2 * t - xi / 2] * 4 + [-2 * t + xi] * 2, abs=1e-12)
    assert E[6:] == pytest.approx([2 * t - xi / 2] * 4 + [2 * t + xi] * 2, abs=1e-12)


def test_soc_matrix_spectrum():
    xi = 0.265
    E = np.linalg.eigvalsh(soc_matrix(xi))
    assert E == pytest.approx([-xi / 2] * 4 + [xi] * 2, abs=1e-14)


@pytest.mark.parametrize("case", CASES)
def test_kramers_degeneracy_and_rashba_lifting(case):
    rng = np.random.default_rng(2)
    k = rng.uniform(0.1, 1.0, size=(10, 2))
    E0 = make_model(*case, rashba_static_eV=0.0).energies(k)
    assert np.max(np.abs(E0[:, 0::2] - E0[:, 1::2])) < 1e-10
    E1 = make_model(*case).energies(k)
    split = E1[:, 1::2] - E1[:, 0::2]
    assert np.all(split[:, :2] > 1e-6)  # bands 1-4 are split away from Gamma
    # at Gamma every level stays Kramers degenerate
    EG = make_model(*case, rashba_static_eV=0.05).energies(np.zeros(2))
    assert np.max(np.abs(EG[0::2] - EG[1::2])) < 1e-10


@pytest.mark.parametrize("orientation", ["111", "001", "110"])
def test_spectrum_invariant_under_group(orientation):
    m = make_model(orientation, "TB2", rashba_static_eV=0.05)  # big Rashba: strict test
    rng = np.random.default_rng(3)
    k = rng.uniform(-2, 2, size=(25, 2))
    E = m.energies(k)
    ops = lattice.symmetry_ops(orientation)
    assert len(ops) == lattice.n_ops(orientation)
    for g in ops:
        assert np.max(np.abs(m.energies(k @ g.T) - E)) < 1e-12


@pytest.mark.parametrize("orientation", ["111", "001", "110"])
def test_unitary_representations(orientation):
    """U H(k) U^dagger = H(g k) with orbital and spin parts (time reversal antiunitary)."""
    m = make_model(orientation, "TB2", rashba_static_eV=0.05)
    rng = np.random.default_rng(4)
    k = rng.uniform(-2, 2, size=(10, 2))
    H = m.hamiltonian(k)
    for _name, g, U, anti in lattice.symmetry_unitaries(orientation):
        assert np.allclose(U @ U.conj().T, np.eye(12), atol=1e-14)
        Hk = H.conj() if anti else H
        assert np.max(np.abs(U @ Hk @ U.conj().T - m.hamiltonian(k @ g.T))) < 1e-12


def _rashba_alone(orientation, k, **opts):
    on = make_model(orientation, "TB1", rashba_static_eV=0.0488, **opts)
    off = make_model(orientation, "TB1", rashba_static_eV=0.0)
    return on.hamiltonian(k) - off.hamiltonian(k)


def test_rashba_checkpoint_eigenvalues():
    # convention-independent checkpoint of the dynamic vertex (t0 = 48.8 meV, Norman 2026
    # Table II right column; 111 with the 1/sqrt3 of its text), eigenvalues of V_R alone
    V = _rashba_alone("001", np.array([0.3, 0.2]))
    ev = np.sort(np.abs(np.linalg.eigvalsh(V)))[::-1]
    assert ev == pytest.approx(np.repeat([0.05522, 0.02711, 0.02308], 4), abs=1e-5)
    V = _rashba_alone("111", np.array([0.3, 0.2]), rashba_scaling="normalized")
    ev = np.sort(np.abs(np.linalg.eigvalsh(V)))[::-1]
    ref = [0.03984, 0.03862, 0.02477, 0.02284, 0.00384, 0.00308]
    assert ev == pytest.approx(np.repeat(ref, 2), abs=1e-5)
    # (111) unit scaling is sqrt3 larger (ASSUMPTION R1)
    V1 = _rashba_alone("111", np.array([0.3, 0.2]))
    assert np.linalg.norm(V1) == pytest.approx(math.sqrt(3) * np.linalg.norm(V), rel=1e-12)


def test_rashba_sign_leaves_energies():
    k = np.array([[0.4, -0.1], [0.2, 0.7]])
    for o in ("111", "001"):
        Ep = make_model(o, "TB2", rashba_static_eV=0.03).energies(k)
        Em = make_model(o, "TB2", rashba_static_eV=0.03, rashba_sign=-1).energies(k)
        assert np.allclose(Ep, Em, atol=1e-12)


def test_001_interlayer_offdiag_flag_changes_only_tb2():
    k = np.array([0.5, 0.3])
    a = make_model("001", "TB2").energies(k)
    b = make_model("001", "TB2", interlayer_nnn_offdiag=True).energies(k)
    assert np.max(np.abs(a - b)) > 1e-4
    a1 = make_model("001", "TB1").energies(k)
    b1 = make_model("001", "TB1", interlayer_nnn_offdiag=True).energies(k)
    assert np.allclose(a1, b1, atol=1e-14)  # t''' = 0 in TB1


def test_hopping_scaling_law():
    # without SOC and Rashba, H is linear in the hoppings: scaling them all scales E
    base = dict(xi_so=0.0, rashba_static_eV=0.0)
    m = make_model("111", "TB2", **base)
    m2 = m.replace(t=2 * 0.4975, tp=2 * 0.035, tpp=2 * 0.09, tppp=2 * 0.0175)
    k = np.array([[0.3, 0.2], [1.0, -0.4]])
    assert np.allclose(m2.energies(k), 2 * m.energies(k), atol=1e-13)
    assert m2.params["t"] == pytest.approx(0.995) and m2.options["a_angstrom"] == 3.9885


def test_velocities_match_finite_differences(models):
    m = models[("111", "TB2")]
    k = np.array([0.31, 0.17])
    v = m.velocities(k)
    h = 1e-6
    for j in range(2):
        dk = np.zeros(2)
        dk[j] = h
        fd = (m.energies(k + dk) - m.energies(k - dk)) / (2 * h)
        assert np.allclose(v[:, j], fd, atol=1e-7)


def test_bad_inputs():
    with pytest.raises(TheoryError, match="orientation"):
        make_model("100", "TB1")
    with pytest.raises(TheoryError, match="tight-binding set"):
        make_model("111", "TB3")
    with pytest.raises(TheoryError, match="unknown model option"):
        make_model("111", "TB1", hopping=1.0)
    with pytest.raises(TheoryError, match="a_angstrom"):
        make_model("111", "TB1", a_angstrom=39.885)
    with pytest.raises(TheoryError, match="rashba_static_eV"):
        make_model("001", "TB1", rashba_static_eV=-0.1)
    m = make_model("001", "TB1")
    with pytest.raises(TheoryError, match="last axis"):
        m.hamiltonian(np.zeros(3))
    with pytest.raises(TheoryError, match="NaN"):
        m.hamiltonian(np.array([np.nan, 0.0]))
