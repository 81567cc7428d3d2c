"""The numba pairing kernels (parallel and serial) against the plain-numpy twin."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from reference.pairing_twin import twin_kernel, twin_lambda, twin_matrix_elements

from ktoanalysis.orientations import ORIENTATIONS, orientation_spec
from ktoanalysis.theory import _kernels
from ktoanalysis.theory.lattice import symmetry_ops
from ktoanalysis.theory.phonon import VAKS_KTO
from ktoanalysis.theory.vertex import bond_terms, rashba_amplitudes


def _random_inputs(orientation, P, seed):
    rng = np.random.default_rng(seed)
    k = rng.uniform(-1.2, 1.2, size=(P, 2))
    kg = np.ascontiguousarray(np.einsum("gab,pb->gpa", symmetry_ops(orientation), k))
    U = rng.normal(size=(P, 12)) + 1j * rng.normal(size=(P, 12))
    U /= np.linalg.norm(U, axis=-1, keepdims=True)
    Ug = rng.normal(size=kg.shape[:2] + (12,)) + 1j * rng.normal(size=kg.shape[:2] + (12,))
    Ug /= np.linalg.norm(Ug, axis=-1, keepdims=True)
    return U, k, Ug, kg


#: Fermi points per orientation of the random-input comparison (a new orientation gets 48)
_N_POINTS = {"111": 40, "001": 48}


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize("dispersive", [True, False])
def test_kernel_equals_twin(orientation, parallel, dispersive):
    t = rashba_amplitudes()
    P = _N_POINTS.get(orientation, 48)
    U, k, Ug, kg = _random_inputs(orientation, P, seed=11)
    bt = bond_terms(orientation, t)
    me = _kernels.matrix_elements_parallel if parallel else _kernels.matrix_elements_serial
    kf = _kernels.kernel_from_m2_parallel if parallel else _kernels.kernel_from_m2_serial
    M2, Q = me(U, k, Ug, kg, bt.matrices, bt.axis, bt.sign, bt.frame)
    M2t, Qt = twin_matrix_elements(U, k, Ug, kg, orientation, t)
    np.testing.assert_allclose(M2, M2t, rtol=1e-10, atol=1e-10 * M2t.max())
    np.testing.assert_allclose(Q, Qt, rtol=1e-12, atol=1e-14)
    V = kf(M2, Q, 5.6, 2.5, dispersive, VAKS_KTO["S_T"], VAKS_KTO["A_T"], VAKS_KTO["V_T"])
    Vt = twin_kernel(U, k, Ug, kg, orientation, t, 5.6, dispersive)
    np.testing.assert_allclose(V, Vt, rtol=1e-10, atol=1e-10 * Vt.max())


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_prepared_problem_equals_twin(orientation):
    """Real Fermi-surface eigenvectors (TB2, 5e13 cm^-2, the registry's default method and
    measure: (110) auto/dos, its sheets closed at this density; coarse wedge/6 steps): the
    prepared |M|^2, kernel and lambda equal the twin's."""
    from ktoanalysis.theory.models import make_model
    from ktoanalysis.theory.pairing import prepare_pairing

    spec = orientation_spec(orientation)
    model = make_model(orientation, "TB2")
    prob = prepare_pairing(model, n2d_cm2=5e13, dphi_deg=spec.wedge_deg / 6,
                           method=spec.fermi_method, measure=spec.fermi_measure)
    band = np.asarray(prob.fs.band)
    _, V = model.bands(prob.kg)
    Ug = np.take_along_axis(V, np.broadcast_to(band[None, :, None, None], V.shape[:3] + (1,)),
                            axis=3)[..., 0]  # the Fermi band's eigenvector at each image
    U, k, t = np.asarray(prob.fs.U), np.asarray(prob.fs.k), rashba_amplitudes()
    M2t, Qt = twin_matrix_elements(U, k, Ug, prob.kg, orientation, t)
    np.testing.assert_allclose(prob.m2, M2t, rtol=1e-10, atol=1e-10 * M2t.max())
    np.testing.assert_allclose(prob.q_rlu, Qt, rtol=1e-12, atol=1e-14)
    Vt = twin_kernel(U, k, Ug, prob.kg, orientation, t, 5.6, True)
    np.testing.assert_allclose(prob.kernel(5.6), Vt, rtol=1e-10, atol=1e-10 * Vt.max())
    lam_t, _ = twin_lambda(Vt, prob.dos_of_point, np.asarray(prob.fs.weights))
    assert prob.solve(5.6).lam == pytest.approx(lam_t, rel=1e-10)
    assert lam_t > 0.0


def test_serial_equals_parallel_bitwise():
    t = rashba_amplitudes()
    U, k, Ug, kg = _random_inputs("111", 30, seed=2)
    bt = bond_terms("111", t)
    a = _kernels.matrix_elements_parallel(U, k, Ug, kg, bt.matrices, bt.axis, bt.sign, bt.frame)
    b = _kernels.matrix_elements_serial(U, k, Ug, kg, bt.matrices, bt.axis, bt.sign, bt.frame)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.skipif(not numba.config.BOUNDSCHECK,
                    reason="only meaningful with NUMBA_BOUNDSCHECK=1 (.ci/run runs it so)")
def test_out_of_range_index_is_caught_under_boundscheck():
    """With bounds checking on, images Ug for fewer points than U make the kernel raise
    IndexError instead of reading past the array."""
    t = rashba_amplitudes()
    U, k, Ug, kg = _random_inputs("001", 10, seed=3)
    bt = bond_terms("001", t)
    with pytest.raises(IndexError):
        _kernels.matrix_elements_serial(U, k, np.ascontiguousarray(Ug[:, :5]),
                                        np.ascontiguousarray(kg[:, :5]), bt.matrices, bt.axis,
                                        bt.sign, bt.frame)
