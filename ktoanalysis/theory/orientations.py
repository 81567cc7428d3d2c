"""Interface orientations as data: one description per orientation.

Each :class:`OrientationSpec` collects what the models, the Fermi-surface code, the CLI,
the overlay and the tests need to know about an interface orientation: the bilayer cut
(layer normal, in-plane frame, lattice vectors), the surface zone (cell area, irreducible
wedge and its corners), plotting units, and whether the paper validates it (with the text
that labels results that have no published reference value). ``ORIENTATION_SPECS`` is the
registry; :func:`orientation_spec` looks an orientation up.

The geometry functions of :mod:`ktoanalysis.theory.lattice` predate this registry and keep
their own tables; ``tests/theory/test_kto110.py`` checks that both agree.

Units: k in 1/a, lengths in a, areas in a^2, angles in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import TheoryError

__all__ = ["OrientationSpec", "ORIENTATION_SPECS", "orientation_spec", "NO_REFERENCE"]

_S2 = math.sqrt(2.0)
_S3 = math.sqrt(3.0)
_S6 = math.sqrt(6.0)

#: label of results without a published reference value
NO_REFERENCE = "no published reference value"


@dataclass(frozen=True)
class OrientationSpec:
    """One interface orientation.

    Attributes
    ----------
    key
        Canonical string (``"111"``, ``"001"``, ``"110"``).
    layer_normal
        Integer m with layer index -(m . r) of cubic site r (A = 0, B = 1).
    frame
        Cubic components of the in-plane kx and ky axes, ((3,), (3,)).
    lattice_vectors
        Primitive vectors of one layer's 2D lattice, cubic coordinates (units of a).
    cell_area
        Area of the 2D cell (two Ta sites), a^2.
    wedge_deg
        Opening angle of the irreducible wedge (deg); N_op = 360 / wedge_deg.
    domain
        Named corners of the irreducible domain, counter-clockwise from Gamma (its first
        edge is the phi = 0 ray, its last the phi = wedge ray), 1/a.
    k_unit, k_unit_label
        The paper's plotting unit of k in 1/a and its label.
    validated
        True when Norman (2026) computes this orientation (Tables I and III).
    reference
        What results of this orientation are compared with.
    """

    key: str
    layer_normal: tuple[int, int, int]
    frame: tuple[tuple[float, float, float], tuple[float, float, float]]
    lattice_vectors: tuple[tuple[float, float, float], tuple[float, float, float]]
    cell_area: float
    wedge_deg: float
    domain: tuple[tuple[str, tuple[float, float]], ...]
    k_unit: float
    k_unit_label: str
    validated: bool
    reference: str

    @property
    def n_ops(self) -> int:
        """Number of in-plane group operations acting on k."""
        return int(round(360.0 / self.wedge_deg))

    @property
    def label(self) -> str:
        """``"(111)"`` etc."""
        return f"({self.key})"

    def domain_corners(self) -> np.ndarray:
        """Corners (V, 2) of the irreducible domain in 1/a."""
        return np.array([xy for _, xy in self.domain], dtype=float)


_M111 = 2 * math.pi / _S6
ORIENTATION_SPECS: dict[str, OrientationSpec] = {
    "111": OrientationSpec(
        key="111", layer_normal=(1, 1, 1),
        frame=((1 / _S2, -1 / _S2, 0.0), (-1 / _S6, -1 / _S6, 2 / _S6)),
        lattice_vectors=((1.0, -1.0, 0.0), (0.0, 1.0, -1.0)), cell_area=_S3, wedge_deg=30.0,
        domain=(("Γ", (0.0, 0.0)), ("K", (4 * math.pi / (3 * _S2), 0.0)),
                ("M", (_M111 * math.cos(math.pi / 6), _M111 * math.sin(math.pi / 6)))),
        k_unit=math.pi * math.sqrt(1.5), k_unit_label="π/c", validated=True,
        reference="Norman 2026 Tables I and III"),
    "001": OrientationSpec(
        key="001", layer_normal=(0, 0, 1), frame=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
        lattice_vectors=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), cell_area=1.0, wedge_deg=45.0,
        domain=(("Γ", (0.0, 0.0)), ("X", (math.pi, 0.0)), ("M", (math.pi, math.pi))),
        k_unit=math.pi, k_unit_label="π/a", validated=True,
        reference="Norman 2026 Tables I and III"),
    "110": OrientationSpec(
        key="110", layer_normal=(1, 1, 0), frame=((0.0, 0.0, 1.0), (1 / _S2, -1 / _S2, 0.0)),
        lattice_vectors=((0.0, 0.0, 1.0), (1.0, -1.0, 0.0)), cell_area=_S2, wedge_deg=90.0,
        domain=(("Γ", (0.0, 0.0)), ("X", (math.pi, 0.0)), ("S", (math.pi, math.pi / _S2)),
                ("Y", (0.0, math.pi / _S2))),
        k_unit=math.pi, k_unit_label="π/a", validated=False,
        reference=NO_REFERENCE + " (extension of the paper's models, docs/models/kto110.md)"),
}


def orientation_spec(orientation: str | int) -> OrientationSpec:
    """The registry entry of an orientation (``"111"``, ``111``, ``"(001)"``, ``1`` ...).

    Raises :class:`TheoryError` for an unknown orientation.
    """
    o = str(orientation).strip().strip("()[]")
    if o.isdigit() and len(o) < 3:
        o = o.zfill(3)
    if o not in ORIENTATION_SPECS:
        raise TheoryError(f"unknown interface orientation {orientation!r}; "
                          f"expected one of {', '.join(ORIENTATION_SPECS)}")
    return ORIENTATION_SPECS[o]
