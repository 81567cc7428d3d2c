"""TO1 phonon: Vaks dispersion and Appendix B omega(0) from the carrier density."""

from __future__ import annotations

import numpy as np
import pytest
from reference.pairing_twin import twin_omega

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import paper_values
from ktoanalysis.theory.phonon import appendix_b, omega0_from_density_meV, omega_to1_meV


@pytest.mark.parametrize("w0", [2.5, 5.6, 9.0])
def test_vaks_matches_2x2_eigenvalue(w0):
    q = np.linspace(0, 0.4, 41)
    np.testing.assert_allclose(omega_to1_meV(q, w0), twin_omega(q, w0, True), rtol=1e-13)
    assert omega_to1_meV(0.0, w0) == pytest.approx(w0, rel=1e-15)
    np.testing.assert_array_equal(omega_to1_meV(q, w0, "none"), np.full_like(q, w0))


def test_vaks_large_q_slope():
    """For q -> infinity the upper branch tends to sqrt(lambda_max of [[S,V],[V,A]]) * q."""
    S, A, V = 4828.1, 1553.0, 2450.7
    slope = np.sqrt(0.5 * (S + A) + np.sqrt((0.5 * (S - A)) ** 2 + V * V))
    assert omega_to1_meV(100.0, 2.5) / 100.0 == pytest.approx(slope, rel=1e-5)


def test_appendix_b_at_1e14():
    """Norman 2026 Appendix B: n2D = 1e14 cm^-2 -> eps(F) = 897 and omega(0) = 5.6 meV."""
    ref = paper_values.APPENDIX_B
    d = appendix_b(ref["n2d_cm2"])
    assert d["eps_F"] == pytest.approx(ref["eps_F"], rel=0.01)
    assert d["omega0_meV"] == pytest.approx(ref["omega0_meV"], abs=0.05)
    # Lyddane-Sachs-Teller closed form on the same numbers
    assert d["omega0_meV"] == pytest.approx(2.5 * np.sqrt(4500 / d["eps_F"]), rel=1e-12)


def test_omega0_monotonic_and_zero_density():
    n = np.array([0.0, 1e13, 5e13, 1e14, 2e14])
    w = omega0_from_density_meV(n)
    assert w[0] == pytest.approx(2.5, rel=1e-12)
    assert np.all(np.diff(w) > 0)


def test_bad_input():
    with pytest.raises(TheoryError):
        omega_to1_meV(0.1, -1.0)
    with pytest.raises(TheoryError):
        omega_to1_meV(0.1, 5.6, "debye")
    with pytest.raises(TheoryError):
        omega0_from_density_meV(-1e14)
