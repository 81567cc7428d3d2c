"""(001) KTaO3 bilayer: two square Ta layers z = 0 (A) and z = -1 (B).

Built from the bulk t2g table (see ``_t2g``) by keeping the bonds with both ends in the two
layers (ASSUMPTION H0, validated): intralayer NN +-e_x, +-e_y and NNN +-e_x +- e_y;
interlayer NN -e_z and NNN (+-1, 0, -1), (0, +-1, -1). ASSUMPTION H3 (validated by the
001/TB2 chemical potential of Norman 2026 Table I): the orbital-off-diagonal t''' part of
the interlayer NNN bonds is omitted (option ``interlayer_nnn_offdiag=False``; True gives
the Slater-Koster-complete bilayer). The splitting of xz/yz above xy is automatic (xy has
the small interlayer hopping t').

Static Rashba term: z-polar form of Norman 2026 Appendix A (t_B on the yz-xz pair),
intralayer and identical in both layers (ASSUMPTION R2), t0 = 2 meV (Table II).
"""

from __future__ import annotations

from typing import Any

from ..tightbinding import TightBindingModel
from ._bilayer import make_bilayer_model


def make_kto001(tb: str = "TB1", **options: Any) -> TightBindingModel:
    """The (001) bilayer model with parameter set ``tb`` of Norman 2026 Table I.

    Parameters
    ----------
    tb
        ``"TB1"`` or ``"TB2"`` (Table I).
    **options
        Parameter overrides by name (``t``, ``tp``, ``tpp``, ``tppp``, ``xi_so``; eV) and the
        assumptions: ``a_angstrom`` (G1, 3.9885), ``interlayer_nnn_offdiag`` (H3, False),
        ``rashba_static_eV`` (0.002 eV), ``rashba_ratios`` ((1.08, 0.1, 0.44)),
        ``rashba_scaling`` (no effect for 001: one polar component), ``rashba_sign`` (+1).

    Returns
    -------
    TightBindingModel with 12 bands.
    """
    return make_bilayer_model("001", tb, **options)
