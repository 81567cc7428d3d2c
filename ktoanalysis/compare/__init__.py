"""Theory against experiment: literature Tc table and the Tc(n2D) / lambda overlay."""

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

__all__ = [
    "data_path", "load_literature", "compare_table", "lambda_needed", "load_results",
    "load_theory", "measured_table", "plot_overlay", "theory_table", "tidy_theory",
]
