"""(110) KTaO3 bilayer -- EXTENSION, not validated against Norman 2026 (the paper treats
only 111 and 001; Table I gives no 110 chemical potential).

Layers A = {x+y = 0}, B = {x+y = -1}; in-plane axes kx along cubic (001), ky along
(1,-1,0)/sqrt2; cell area sqrt2 a^2. Built by the same bilayer cut of the bulk t2g table
as the 111 and 001 models (no layer potential): NN bonds +-e_x, +-e_y and NNN
+-e_x +- e_z, +-e_y +- e_z are interlayer, +-e_z and +-(e_x - e_y) intralayer. The xy
orbital ends up split off by the confinement of the bilayer itself (it has no
intralayer nearest-neighbour hopping). Static Rashba term: polar axis (1,1,0)/sqrt2,
V = s (V^(x) + V^(y)), s = 1 by default ("normalized": 1/sqrt2).
"""

from __future__ import annotations

from typing import Any

from ..tightbinding import TightBindingModel
from ._bilayer import make_bilayer_model


def make_kto110(tb: str = "TB2", **options: Any) -> TightBindingModel:
    """The (110) bilayer model (extension, unvalidated) with parameter set ``tb``.

    Options as for :func:`ktoanalysis.theory.models.kto111.make_kto111`.
    """
    return make_bilayer_model("110", tb, **options)
