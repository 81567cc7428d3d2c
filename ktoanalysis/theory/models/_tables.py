"""Table I of M. R. Norman, "Superconductivity from the Slater mode: Application to KTaO3
heterostructures" (2026): tight-binding parameters in eV.

TB1 (Table I middle column) is the nearest-neighbour model of Villar Arribi, Paramekanti &
Norman, PRB 103, 035115 (2021) (paper's Ref. 14); TB2 (right column) is based on bulk DFT
values (Materials Project) as in the paper's Ref. 15. The chemical potentials (relative to
band 1 at Gamma, n2D = 1e14 cm^-2) are the validation targets of the models.
"""

from __future__ import annotations

#: name -> (TB1, TB2) in eV; Norman 2026 Table I
TABLE_I: dict[str, tuple[float, float]] = {
    "t": (1.0, 0.4975),        # primary NN hopping (pi bond: xy-xy along x, y)
    "tp": (0.0, 0.035),        # secondary NN hopping (delta bond: xy-xy along z)
    "tpp": (0.0, 0.09),        # NNN hopping diagonal in the orbital index
    "tppp": (0.0, 0.0175),     # NNN hopping off-diagonal in the orbital index
    "xi_so": (0.265, 0.265),   # spin-orbit coupling (convention xi L.S)
}

#: Norman 2026 Table I, chemical potential at n2D = 1e14 cm^-2 (eV), (TB1, TB2)
MU_TABLE_I: dict[str, tuple[float, float]] = {
    "111": (0.0775, 0.11565),
    "001": (0.4884, 0.3642),
}

TB_LABELS = ("TB1", "TB2")


def table_params(tb: str) -> dict[str, float]:
    """Table I values of parameter set ``tb`` ("TB1" or "TB2") as a dict in eV."""
    col = TB_LABELS.index(tb)
    return {name: vals[col] for name, vals in TABLE_I.items()}
