"""Reference bilayer tight-binding models of KTaO3 interfaces (Norman 2026, Table I).

``make_model(orientation, tb, **options)`` returns a frozen
:class:`~ktoanalysis.theory.tightbinding.TightBindingModel` (12 bands: 2 layers x 3 t2g
orbitals x 2 spins). The (110) model is an extension that is not validated against the
paper.
"""

from __future__ import annotations

from typing import Any, Literal

from ...errors import TheoryError
from ...orientations import Orientation
from ..tightbinding import TightBindingModel
from ._bilayer import make_bilayer_model
from ._tables import MU_TABLE_I, TABLE_I, TB_LABELS, table_params
from .kto001 import make_kto001
from .kto110 import make_kto110
from .kto111 import make_kto111

__all__ = ["make_model", "make_kto111", "make_kto001", "make_kto110", "TABLE_I",
           "MU_TABLE_I", "TB_LABELS", "table_params"]


def make_model(orientation: Orientation, tb: Literal["TB1", "TB2"] = "TB1",
               **options: Any) -> TightBindingModel:
    """Build a bilayer model.

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"`` (extension, unvalidated); any entry of
        :data:`ktoanalysis.orientations.ORIENTATION_SPECS` (one generic factory,
        :func:`~ktoanalysis.theory.models._bilayer.make_bilayer_model`).
    tb
        ``"TB1"`` or ``"TB2"`` (Norman 2026 Table I).
    **options
        Parameter overrides (``t``, ``tp``, ``tpp``, ``tppp``, ``xi_so`` in eV) and named
        assumptions (``a_angstrom``, ``rashba_static_eV``, ``rashba_ratios``,
        ``rashba_scaling``, ``rashba_sign``; ``interlayer_nnn_offdiag`` for 001).
    """
    tb = str(tb).upper()
    if tb not in TB_LABELS:
        raise TheoryError(f"unknown tight-binding set {tb!r}; expected one of "
                          f"{', '.join(TB_LABELS)}")
    return make_bilayer_model(orientation, tb, **options)
