"""Interface orientations as data: one description per orientation.

Each :class:`OrientationSpec` holds everything the toolkit needs to know about a KTaO3
interface orientation, and every other module derives from it: the bilayer cut (layer
normal, in-plane frame, lattice vectors) that the tight-binding models and the Rashba
vertex use, the surface zone (irreducible wedge, its named corners, the band path), the
symmetry generators as cubic point operations, the Fermi-surface defaults of the pairing
code, plotting units and colours, and whether the paper validates it (with the text that
labels results without a published reference value). The CLI choices, the batch
manifest, the literature table and the overlay read :data:`ORIENTATIONS` and
:func:`orientation_spec`; adding an orientation is adding one entry here (and its model
module's docstring of sources).

This module sits at the bottom of the package (it imports only numpy and
:mod:`ktoanalysis.errors`) so that the loader, the manifest and the CLI can use it without
importing the numba theory code.

Units: k in 1/a, lengths in a, areas in a^2, angles in degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import TheoryError

__all__ = [
    "Orientation", "OrientationSpec", "SymmetryGenerator", "ORIENTATION_SPECS",
    "ORIENTATIONS", "VALIDATED_ORIENTATIONS", "orientation_spec", "canonical_orientation",
    "orientation_label", "NO_REFERENCE",
]

_S2 = math.sqrt(2.0)
_S3 = math.sqrt(3.0)
_S6 = math.sqrt(6.0)

#: label of results without a published reference value
NO_REFERENCE = "no published reference value"

Orientation = Literal["111", "001", "110"]


@dataclass(frozen=True)
class SymmetryGenerator:
    """A generator of the interface point group, as an operation on cubic coordinates.

    Attributes
    ----------
    name
        Human-readable name (``"C3"``, ``"mirror x<->y"``...).
    cubic
        The 3x3 orthogonal matrix O acting on cubic coordinates (r -> O r); it maps the
        layer normal onto itself. Its action on in-plane k, on the t2g orbitals and on
        spin follows from O (:mod:`ktoanalysis.theory.lattice`).
    """

    name: str
    cubic: tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]

    def matrix(self) -> np.ndarray:
        """O as a float (3, 3) array."""
        return np.array(self.cubic, dtype=float)


@dataclass(frozen=True)
class OrientationSpec:
    """One interface orientation.

    Attributes
    ----------
    key
        Canonical string (``"111"``, ``"001"``, ``"110"``).
    layer_normal
        Integer m with layer index -(m . r) of cubic site r (A = 0, B = 1); also the polar
        (TO1) axis of the Rashba coupling, m / |m|.
    frame
        Cubic components of the in-plane kx and ky axes, ((3,), (3,)).
    lattice_vectors
        Primitive vectors of one layer's 2D lattice, cubic coordinates (units of a).
    wedge_deg
        Opening angle of the irreducible wedge (deg); N_op = 360 / wedge_deg.
    domain
        Named corners of the irreducible domain, counter-clockwise from Gamma (its first
        edge is the phi = 0 ray, its last the phi = wedge ray), 1/a. The band path is
        Gamma, the corners in order, and back to Gamma.
    generators
        Generators of the point group besides time reversal (cubic operations).
    k_unit, k_unit_label
        The paper's plotting unit of k in 1/a and its label.
    validated
        True when Norman (2026) computes this orientation (Tables I and III).
    reference
        What results of this orientation are compared with.
    fermi_method, fermi_measure
        Defaults of the pairing code's Fermi-surface method (``"rays"``, ``"contour"``,
        ``"auto"``) and measure (``"angle"``, the paper's, or ``"dos"``): the paper's
        (rays, angle) where the paper computes the orientation; (auto, dos) for (110),
        whose xy sheets open above about 7e13 cm^-2 (the equal weight per angle needs
        star-shaped sheets, the local-DOS weight is defined on any sheet).
    model_options
        Model options this orientation accepts beyond the common ones (with defaults).
    color
        Colour of the orientation in figures (overlay, series).
    """

    key: str
    layer_normal: tuple[int, int, int]
    frame: tuple[tuple[float, float, float], tuple[float, float, float]]
    lattice_vectors: tuple[tuple[float, float, float], tuple[float, float, float]]
    wedge_deg: float
    domain: tuple[tuple[str, tuple[float, float]], ...]
    generators: tuple[SymmetryGenerator, ...]
    k_unit: float
    k_unit_label: str
    validated: bool
    reference: str
    fermi_method: str
    fermi_measure: str
    color: str
    model_options: tuple[tuple[str, object], ...] = ()

    @property
    def n_ops(self) -> int:
        """Number of in-plane group operations acting on k (with time reversal)."""
        return int(round(360.0 / self.wedge_deg))

    @property
    def label(self) -> str:
        """``"(111)"`` etc."""
        return f"({self.key})"

    @property
    def cell_area(self) -> float:
        """Area of the 2D cell (two Ta sites, one per layer), a^2: |a1 x a2|."""
        a1, a2 = (np.array(v, dtype=float) for v in self.lattice_vectors)
        return float(np.linalg.norm(np.cross(a1, a2)))

    @property
    def polar_axis(self) -> np.ndarray:
        """Unit vector (cubic components) of the layer normal, the TO1 polar axis."""
        m = np.array(self.layer_normal, dtype=float)
        return m / np.linalg.norm(m)

    @property
    def kx_direction(self) -> str:
        """Text naming the kx axis: ``"Γ-K, [1-10]"`` etc. (angles phi are measured from it)."""
        first = self.domain[1][0]
        v = np.array(self.frame[0])
        v = v / np.min(np.abs(v[np.abs(v) > 1e-12]))
        idx = "".join(str(int(round(c))) for c in v)
        return f"Γ-{first}, [{idx}]"

    @property
    def path(self) -> tuple[str, ...]:
        """Names of the band-structure path: Gamma, the domain corners, Gamma."""
        return tuple(name for name, _ in self.domain) + (self.domain[0][0],)

    def fermi_options(self, method: str | None = None,
                      measure: str | None = None) -> tuple[str, str]:
        """(method, measure) of the pairing code: the given ones, else this orientation's
        defaults (:attr:`fermi_method`, :attr:`fermi_measure`)."""
        return (self.fermi_method if method is None else str(method),
                self.fermi_measure if measure is None else str(measure))

    def domain_corners(self) -> np.ndarray:
        """Corners (V, 2) of the irreducible domain in 1/a."""
        return np.array([xy for _, xy in self.domain], dtype=float)


_M111 = 2 * math.pi / _S6
_SWAP_XY = SymmetryGenerator("mirror x<->y", ((0, 1, 0), (1, 0, 0), (0, 0, 1)))

#: the registry, in the order the toolkit lists orientations
ORIENTATION_SPECS: dict[str, OrientationSpec] = {
    "111": OrientationSpec(
        key="111", layer_normal=(1, 1, 1),
        frame=((1 / _S2, -1 / _S2, 0.0), (-1 / _S6, -1 / _S6, 2 / _S6)),
        lattice_vectors=((1.0, -1.0, 0.0), (0.0, 1.0, -1.0)), wedge_deg=30.0,
        domain=(("Γ", (0.0, 0.0)), ("K", (4 * math.pi / (3 * _S2), 0.0)),
                ("M", (_M111 * math.cos(math.pi / 6), _M111 * math.sin(math.pi / 6)))),
        generators=(SymmetryGenerator("C3", ((0, 0, 1), (1, 0, 0), (0, 1, 0))), _SWAP_XY),
        k_unit=math.pi * math.sqrt(1.5), k_unit_label="π/c", validated=True,
        reference="Norman 2026 Tables I and III", fermi_method="rays",
        fermi_measure="angle", color="#c0392b"),
    "001": OrientationSpec(
        key="001", layer_normal=(0, 0, 1), frame=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)),
        lattice_vectors=((1.0, 0.0, 0.0), (0.0, 1.0, 0.0)), wedge_deg=45.0,
        domain=(("Γ", (0.0, 0.0)), ("X", (math.pi, 0.0)), ("M", (math.pi, math.pi))),
        generators=(SymmetryGenerator("C4", ((0, -1, 0), (1, 0, 0), (0, 0, 1))),
                    SymmetryGenerator("mirror x->-x", ((-1, 0, 0), (0, 1, 0), (0, 0, 1)))),
        k_unit=math.pi, k_unit_label="π/a", validated=True,
        reference="Norman 2026 Tables I and III", fermi_method="rays",
        fermi_measure="angle", color="#2471a3",
        model_options=(("interlayer_nnn_offdiag", False),)),
    "110": OrientationSpec(
        key="110", layer_normal=(1, 1, 0), frame=((0.0, 0.0, 1.0), (1 / _S2, -1 / _S2, 0.0)),
        lattice_vectors=((0.0, 0.0, 1.0), (1.0, -1.0, 0.0)), wedge_deg=90.0,
        domain=(("Γ", (0.0, 0.0)), ("X", (math.pi, 0.0)), ("S", (math.pi, math.pi / _S2)),
                ("Y", (0.0, math.pi / _S2))),
        generators=(SymmetryGenerator("mirror z->-z", ((1, 0, 0), (0, 1, 0), (0, 0, -1))),
                    _SWAP_XY),
        k_unit=math.pi, k_unit_label="π/a", validated=False,
        reference=NO_REFERENCE + " (extension of the paper's models, docs/models/kto110.md)",
        fermi_method="auto", fermi_measure="dos", color="#27ae60"),
}

#: canonical orientation strings, registry order
ORIENTATIONS: tuple[str, ...] = tuple(ORIENTATION_SPECS)
#: the orientations the paper computes (the default set of theory tables and overlays)
VALIDATED_ORIENTATIONS: tuple[str, ...] = tuple(
    k for k, s in ORIENTATION_SPECS.items() if s.validated)


def canonical_orientation(orientation: object) -> str | None:
    """``"111"`` from ``111``, ``"111"``, ``"(111)"``, ``"[001]"``, ``1`` ...; None if unknown."""
    o = str(orientation).strip().strip("()[]<>{} ")
    if o.endswith(".0"):  # a number read as float from a table
        o = o[:-2]
    if o.isdigit() and len(o) < 3:
        o = o.zfill(3)
    return o if o in ORIENTATION_SPECS else None


def orientation_label(value: object) -> str:
    """Orientation as the label written in tables and figures: ``"(001)"``.

    ``""`` for a missing value (None, NaN, empty); an orientation the registry does not know
    keeps its own digits in parentheses (``"(112)"``), so a table never loses what a user
    wrote.

    Parameters
    ----------
    value
        ``"001"``, ``1``, ``"(001)"``, ``None``...
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = int(value)
    key = canonical_orientation(value)
    if key is not None:
        return ORIENTATION_SPECS[key].label
    text = str(value).strip().strip("()[]{}<>").strip()
    return f"({text})" if text else ""


def orientation_spec(orientation: object) -> OrientationSpec:
    """The registry entry of an orientation (``"111"``, ``111``, ``"(001)"``, ``1`` ...).

    Raises
    ------
    TheoryError
        For an unknown orientation, naming the accepted ones.
    """
    key = canonical_orientation(orientation)
    if key is None:
        raise TheoryError(f"unknown interface orientation {orientation!r}; "
                          f"expected one of {', '.join(ORIENTATIONS)}")
    return ORIENTATION_SPECS[key]

