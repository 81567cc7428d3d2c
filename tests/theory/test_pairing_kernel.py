"""The numba pairing kernels (parallel and serial) against the plain-numpy twin."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from reference.pairing_twin import twin_kernel, twin_matrix_elements

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


@pytest.mark.parametrize("orientation,P", [("111", 40), ("001", 48)])
@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize("dispersive", [True, False])
def test_kernel_equals_twin(orientation, P, parallel, dispersive):
    t = rashba_amplitudes()
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
