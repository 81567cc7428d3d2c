"""Theory against experiment: literature Tc table, the Tc(n2D) / lambda overlay, and the
gate / polarization series analysis (:mod:`ktoanalysis.compare.series`)."""

from .literature import data_path, load_literature
from .overlay import (
    compare_table,
    lambda_needed,
    load_results,
    load_theory,
    measured_table,
    plot_overlay,
    theory_table,
    tidy_theory,
)
from .series import SeriesAnalysis, analyze_series

__all__ = [
    "data_path", "load_literature", "compare_table", "lambda_needed", "load_results",
    "load_theory", "measured_table", "plot_overlay", "theory_table", "tidy_theory",
    "SeriesAnalysis", "analyze_series",
]
