"""Compute the bundled theory table ``data/theory_tc.csv`` (lambda and Tc against n2D).

The demo and ``ktoanalysis overlay`` read this table instead of re-running the pairing
theory each time (about a minute). It is exactly what
``ktoanalysis.compare.overlay.theory_table()`` returns with its defaults, for every
orientation of the registry (``ktoanalysis.orientations``: (111) and (001), which the paper
computes, and the (110) extension, with no published reference value, at its own
Fermi-surface defaults), TB1 and TB2, omega(0) from the density (Appendix B of
000_e0c07c0645395619.txt), Vaks dispersion, every omega_c choice and mu* in (0, 0.1).

Every row records the settings it was computed with (``dphi_deg``, ``quadrature``,
``measure``, ``dispersion``, ``omega0_auto``, ``method`` where the theory writes it);
``ktoanalysis overlay`` uses the table only while they equal the theory's current defaults
(:func:`ktoanalysis.compare.overlay.bundled_theory`), so regenerate it after changing one
(about a minute; ``tests/compare/test_overlay.py`` checks that it matches). Run from the
repository root::

    python scripts/make_theory_table.py
"""

from __future__ import annotations

from pathlib import Path

from ktoanalysis.compare.overlay import theory_table
from ktoanalysis.orientations import ORIENTATIONS

OUT = Path(__file__).resolve().parents[1] / "data" / "theory_tc.csv"


def main() -> None:
    """Write the theory table."""
    table = theory_table(orientations=ORIENTATIONS)
    table.to_csv(OUT, index=False, float_format="%.8g")
    print(f"wrote {len(table)} rows to {OUT}")


if __name__ == "__main__":
    main()
