"""The one bilayer-model factory: every orientation is built from its registry entry.

The layer normal m of :class:`ktoanalysis.orientations.OrientationSpec` defines the cut of
the bulk t2g table (a bond d joins layer l to layer l - m.d) and the polar axis of the
static Rashba term (weights s m on V^(x), V^(y), V^(z), s = 1 for ``rashba_scaling="unit"``
and 1/|m| for ``"normalized"``, times ``rashba_sign``). Options an orientation alone
accepts (``interlayer_nnn_offdiag`` for (001), ASSUMPTION H3) are listed in its
``model_options``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import TheoryError
from ...orientations import orientation_spec
from ..tightbinding import TightBindingModel
from ._t2g import build_bilayer, common_options, rashba_params
from ._tables import TB_LABELS, table_params


def make_bilayer_model(orientation: str, tb: str, **options: Any) -> TightBindingModel:
    """Build the bilayer model of ``orientation`` with parameter set ``tb`` (Table I).

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"`` (any spelling :func:`orientation_spec` accepts).
    tb
        ``"TB1"`` or ``"TB2"``.
    **options
        Parameter overrides (eV) and named assumptions, see
        :func:`ktoanalysis.theory.models.make_model`.

    Returns
    -------
    TightBindingModel with 12 bands (energies in eV, k in 1/a).
    """
    spec = orientation_spec(orientation)
    if tb not in TB_LABELS:
        raise TheoryError(f"unknown tight-binding set {tb!r}; expected one of {TB_LABELS}")
    extras = dict(spec.model_options)
    overrides, opts = common_options(options, allowed_extra=tuple(extras))
    for name, default in extras.items():
        opts[name] = default if opts[name] is None else bool(opts[name])
    params = {**table_params(tb), **overrides, **rashba_params(opts)}
    m = np.array(spec.layer_normal, dtype=float)
    s = 1.0 if opts["rashba_scaling"] == "unit" else 1.0 / float(np.linalg.norm(m))
    polar = tuple(float(x) for x in s * float(opts["rashba_sign"]) * m)
    if not spec.validated:
        opts["validated"] = False
    return build_bilayer(spec.key, tb, params, opts, polar=polar,
                         strip_interlayer_nnn_offdiag=not opts.get("interlayer_nnn_offdiag",
                                                                   True))
