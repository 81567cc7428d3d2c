"""(111) KTaO3 bilayer: two triangular Ta layers forming a buckled honeycomb lattice.

Built from the bulk t2g table (see ``_t2g``) by keeping the bonds with both ends in the
layers A = {x+y+z = 0} and B = {x+y+z = -1} (ASSUMPTION H0 of the electronic-structure
spec, validated): the three nearest-neighbour bonds -e_c of an A site are interlayer, the
face diagonals e_a - e_b are intralayer, e_a + e_b bonds leave the bilayer. No layer
potential, no trigonal field. References: Xiao et al., Nat. Commun. 2, 596 (2011) (bilayer
geometry, Norman 2026 Ref. 19); parameters from Norman 2026 Table I.

Static Rashba term (Norman 2026 Table II static column, Appendix A): polar axis along +n,
V = s (V^(x) + V^(y) + V^(z)) with s = 1 (ASSUMPTION R1, option ``rashba_scaling="unit"``;
``"normalized"`` gives s = 1/sqrt3) and overall sign ``rashba_sign`` (R3). All Rashba bonds
are nearest-neighbour bonds, hence interlayer.
"""

from __future__ import annotations

from typing import Any

from ..tightbinding import TightBindingModel
from ._bilayer import make_bilayer_model


def make_kto111(tb: str = "TB1", **options: Any) -> TightBindingModel:
    """The (111) bilayer model with parameter set ``tb`` of Norman 2026 Table I.

    Parameters
    ----------
    tb
        ``"TB1"`` (t = 1 eV, t' = t'' = t''' = 0, xi = 0.265 eV) or ``"TB2"``
        (t = 0.4975, t' = 0.035, t'' = 0.09, t''' = 0.0175, xi = 0.265 eV).
    **options
        Parameter overrides by name (``t``, ``tp``, ``tpp``, ``tppp``, ``xi_so``; eV) and the
        assumptions: ``a_angstrom`` (G1, 3.9885), ``rashba_static_eV`` (Table II static t0,
        0.002 eV), ``rashba_ratios`` ((1.08, 0.1, 0.44) = tA/t0, tB/t0, tC/t0, Table II),
        ``rashba_scaling`` ("unit" = R1), ``rashba_sign`` (+1, R3).

    Returns
    -------
    TightBindingModel with 12 bands (energies in eV, k in 1/a).
    """
    return make_bilayer_model("111", tb, **options)
