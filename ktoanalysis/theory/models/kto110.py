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

import math
from typing import Any

from ...errors import TheoryError
from ..tightbinding import TightBindingModel
from ._t2g import build_bilayer, common_options, rashba_params
from ._tables import TB_LABELS, table_params


def make_kto110(tb: str = "TB2", **options: Any) -> TightBindingModel:
    """The (110) bilayer model (extension, unvalidated) with parameter set ``tb``.

    Options as for :func:`ktoanalysis.theory.models.kto111.make_kto111`.
    """
    if tb not in TB_LABELS:
        raise TheoryError(f"unknown tight-binding set {tb!r}; expected one of {TB_LABELS}")
    overrides, opts = common_options(options)
    params = {**table_params(tb), **overrides, **rashba_params(opts)}
    s = 1.0 if opts["rashba_scaling"] == "unit" else 1.0 / math.sqrt(2.0)
    s *= opts["rashba_sign"]
    opts["validated"] = False
    return build_bilayer("110", tb, params, opts, polar=(s, s, 0.0),
                         strip_interlayer_nnn_offdiag=False)
