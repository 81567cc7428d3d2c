"""The orientation registry (ktoanalysis.orientations): the one description every module
derives from. Its entries are checked against closed-form geometry (cell areas, zone
corners, the point groups), and adding an entry is shown to be enough for the models, the
lattice functions, the CLI choices and the batch manifest."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from ktoanalysis import orientations as ori
from ktoanalysis.errors import TheoryError

S2, S3, S6 = math.sqrt(2.0), math.sqrt(3.0), math.sqrt(6.0)

#: closed forms (Xiao et al. 2011 for the (111) bilayer; square and rectangular cells):
#: cell area (a^2), |Gamma - first corner| (1/a), zone inradius (1/a), point-group order
GEOMETRY = {
    "111": (S3, 4 * math.pi / (3 * S2), 2 * math.pi / S6, 12),
    "001": (1.0, math.pi, math.pi, 8),
    "110": (S2, math.pi, math.pi / S2, 4),
}


@pytest.mark.parametrize("key", list(ori.ORIENTATION_SPECS))
def test_geometry_closed_forms(key):
    from ktoanalysis.theory import lattice

    spec = ori.orientation_spec(key)
    area, first, inradius, nops = GEOMETRY[key]
    assert spec.cell_area == pytest.approx(area)
    assert np.linalg.norm(spec.domain[1][1]) == pytest.approx(first)
    assert lattice.zone_inradius(key) == pytest.approx(inradius)
    assert spec.n_ops == nops
    m = np.array(spec.layer_normal, dtype=float)
    F = np.array(spec.frame)
    assert np.allclose(F @ F.T, np.eye(2))           # orthonormal in-plane axes
    assert np.allclose(F @ m, 0.0)                    # ... perpendicular to the normal
    assert np.allclose(np.array(spec.lattice_vectors) @ m, 0.0)  # translations in a layer
    D = spec.domain_corners()
    # the irreducible domain tiles the zone: N_op times its area = (2 pi)^2 / A_cell
    dom = 0.5 * np.sum(D[:, 0] * np.roll(D[:, 1], -1) - np.roll(D[:, 0], -1) * D[:, 1])
    assert spec.n_ops * dom == pytest.approx((2 * math.pi) ** 2 / area)
    phi = np.arctan2(D[1:, 1], D[1:, 0])
    assert np.allclose(np.linalg.norm(D[1:], axis=1), lattice.zone_boundary_radius(key, phi))
    assert math.degrees(phi[-1]) == pytest.approx(spec.wedge_deg)
    assert spec.path[0] == spec.path[-1] == "Γ" and len(spec.path) == len(D) + 1


@pytest.mark.parametrize("key", list(ori.ORIENTATION_SPECS))
def test_generators_are_symmetries_of_the_bilayer(key):
    """Each generator keeps the layer normal, maps the layer lattice onto itself, and its
    in-plane action is one of the wedge operations the pairing code sums over."""
    from ktoanalysis.theory import lattice

    spec = ori.orientation_spec(key)
    m = np.array(spec.layer_normal, dtype=float)
    A = np.array(spec.lattice_vectors)
    ops = lattice.symmetry_ops(key)
    for gen in spec.generators:
        O = gen.matrix()
        assert np.allclose(O @ O.T, np.eye(3)) and np.allclose(O @ m, m), gen.name
        coeff = np.linalg.lstsq(A.T, O @ A.T, rcond=None)[0]  # images in lattice units
        assert np.allclose(coeff, np.round(coeff)), gen.name
        g = np.array(spec.frame) @ O @ np.array(spec.frame).T
        assert min(np.abs(op - g).max() for op in ops) < 1e-12, gen.name


def test_validated_means_in_the_paper_tables():
    from ktoanalysis.theory.models import MU_TABLE_I
    from ktoanalysis.theory.paper_values import TABLE_III

    in_paper = {row[0] for row in TABLE_III} | set(MU_TABLE_I)
    assert set(ori.VALIDATED_ORIENTATIONS) == in_paper
    for key, spec in ori.ORIENTATION_SPECS.items():
        assert (ori.NO_REFERENCE in spec.reference) == (not spec.validated), key
        # the paper's Fermi-surface conventions where the paper computes the orientation
        assert (spec.fermi_options() == ("rays", "angle")) == spec.validated, key


def test_spellings_and_labels():
    assert ori.canonical_orientation(1) == ori.canonical_orientation("(001)") == "001"
    assert ori.canonical_orientation("[111]") == ori.canonical_orientation(111.0) == "111"
    assert ori.canonical_orientation("112") is None
    assert ori.orientation_label(1) == "(001)" and ori.orientation_label(None) == ""
    assert ori.orientation_label("112") == "(112)"  # kept, never dropped
    with pytest.raises(TheoryError, match="111, 001, 110"):
        ori.orientation_spec("112")
    assert len({s.color for s in ori.ORIENTATION_SPECS.values()}) == len(ori.ORIENTATIONS)


def test_every_consumer_reads_the_registry():
    from ktoanalysis.batch.manifest import ORIENTATIONS as MANIFEST
    from ktoanalysis.cli.theory_pairing import OrientationOpt
    from ktoanalysis.compare.literature import ORIENTATIONS as LITERATURE
    from ktoanalysis.theory.orientations import ORIENTATION_SPECS as THEORY

    assert MANIFEST == LITERATURE == ori.ORIENTATIONS
    assert [m.value for m in OrientationOpt] == list(ori.ORIENTATIONS)
    assert THEORY is ori.ORIENTATION_SPECS


def test_a_new_entry_is_enough(monkeypatch):
    """Registering (100) as a copy of (001) with its axes swapped gives a model and a
    lattice without any other change: the same energies at the mirrored k."""
    from ktoanalysis.theory import lattice
    from ktoanalysis.theory.models import make_model

    s001 = ori.ORIENTATION_SPECS["001"]
    twin = dataclasses.replace(s001, key="100", frame=(s001.frame[1], s001.frame[0]),
                               lattice_vectors=(s001.lattice_vectors[1],
                                                s001.lattice_vectors[0]))
    monkeypatch.setitem(ori.ORIENTATION_SPECS, "100", twin)
    assert lattice.cell_area("100") == pytest.approx(1.0)
    k = np.random.default_rng(3).uniform(-2, 2, size=(6, 2))
    e_new = make_model("100", "TB2").energies(k)
    e_old = make_model("001", "TB2").energies(k[:, ::-1])
    assert np.allclose(e_new, e_old, atol=1e-12)
