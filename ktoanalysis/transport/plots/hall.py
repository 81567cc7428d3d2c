"""Figure of Hall fits (:mod:`ktoanalysis.transport.hall`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

from ..result import FitResult

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Raw R_xy, antisymmetrised R_xy with fit and 1-sigma band, residuals."""
    from ...plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    ax.plot(d["B_T"], d["Rodd_ohm"], "o", ms=3, label="R_xy odd part (data)")
    ax.plot(d["B_sorted_T"], d["fit_sorted"], "-",
            label=f"fit ({result.options.get('form')}): R_H = "
                  f"{result.value('R_H_ohm_T'):.4g} Ω/T")
    ax.fill_between(d["B_sorted_T"], d["fit_sorted"] - d["band"],
                    d["fit_sorted"] + d["band"], alpha=0.3, label="1σ band")
    ax.set_ylabel("R_xy,odd (Ω)")
    ax.legend(fontsize=8)
    axr.plot(d["B_T"], d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("B (T)")
    axr.set_ylabel("residual (Ω)")
