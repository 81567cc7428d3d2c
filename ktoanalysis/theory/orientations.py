"""The interface orientations seen from the theory package.

The one description of each orientation lives in :mod:`ktoanalysis.orientations` (the
bottom layer of the package, so that the loader, the manifest and the CLI can read it
without importing the theory code); this module re-exports it for the theory code and its
users.
"""

from __future__ import annotations

from ..orientations import (
    NO_REFERENCE,
    ORIENTATION_SPECS,
    ORIENTATIONS,
    VALIDATED_ORIENTATIONS,
    OrientationSpec,
    SymmetryGenerator,
    canonical_orientation,
    orientation_spec,
)

__all__ = ["OrientationSpec", "SymmetryGenerator", "ORIENTATION_SPECS", "ORIENTATIONS",
           "VALIDATED_ORIENTATIONS", "orientation_spec", "canonical_orientation",
           "NO_REFERENCE"]
