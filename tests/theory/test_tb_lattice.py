"""Lattice geometry: frames, cell areas, zone, group operations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import lattice


@pytest.mark.parametrize("o,nop,wedge,area", [("111", 12, 30.0, math.sqrt(3)),
                                              ("001", 8, 45.0, 1.0)])
def test_counts(o, nop, wedge, area):
    # Norman 2026: 12 (111) and 8 (001) group operations, 30 and 45 degree wedges
    assert lattice.symmetry_ops(o).shape == (nop, 2, 2)
    assert lattice.wedge_deg(o) == wedge
    assert lattice.cell_area(o) == pytest.approx(area)
    # cell area = |a1 x a2| projected: both layers of the bilayer share it
    A = lattice.lattice_vectors(o)
    assert np.linalg.norm(np.cross(A[0], A[1])) == pytest.approx(area)


@pytest.mark.parametrize("o", ["111", "001", "110"])
def test_group_closure_and_orthogonality(o):
    ops = lattice.symmetry_ops(o)
    for g in ops:
        assert np.allclose(g @ g.T, np.eye(2), atol=1e-14)
        for h in ops:
            gh = g @ h
            assert np.min(np.abs(ops - gh).max(axis=(1, 2))) < 1e-12


def test_111_cubic_components():
    k = np.array([[1.0, 0.0], [0.0, 1.0], [0.3, -0.7]])
    kc = lattice.cubic_components(k, "111")
    assert np.allclose(kc.sum(axis=1), 0.0, atol=1e-15)  # in the (111) plane
    assert np.allclose(np.linalg.norm(kc, axis=1), np.linalg.norm(k, axis=1))
    assert np.allclose(kc[0], [1 / math.sqrt(2), -1 / math.sqrt(2), 0.0])
    assert np.allclose(kc[1], np.array([-1, -1, 2]) / math.sqrt(6))
    with pytest.raises(TheoryError):
        lattice.cubic_components(np.zeros(3), "111")


def test_zone_points():
    # K = 4 pi/(3 sqrt2 a), M = 2 pi/(sqrt6 a); 1 pi/c = 3.8476/a (c = sqrt(2/3) a)
    pts = lattice.high_symmetry_points("111")
    assert pts["K"][0] == pytest.approx(4 * math.pi / (3 * math.sqrt(2)))
    assert np.linalg.norm(pts["M"]) == pytest.approx(2 * math.pi / math.sqrt(6))
    assert lattice.k_unit("111") == pytest.approx(math.pi / math.sqrt(2 / 3))
    r = lattice.zone_boundary_radius("111", np.radians([0.0, 30.0, 90.0]))
    assert r == pytest.approx([pts["K"][0], np.linalg.norm(pts["M"]),
                               np.linalg.norm(pts["M"])])
    r = lattice.zone_boundary_radius("001", np.radians([0.0, 45.0]))
    assert r == pytest.approx([math.pi, math.pi * math.sqrt(2)])
    B = lattice.reciprocal_vectors("111")
    assert np.linalg.norm(B, axis=1) == pytest.approx([4 * math.pi / math.sqrt(6)] * 2)


def test_bad_orientation():
    with pytest.raises(TheoryError, match="orientation"):
        lattice.wedge_deg("112")
