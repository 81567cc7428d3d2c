"""Figure of Hall fits (:mod:`ktoanalysis.transport.hall`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

from ..result import FitResult

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Raw R_xy, antisymmetrised R_xy with fit and 1-sigma band, residuals."""
    import numpy as np

    from ...plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    form = result.options.get("form")
    if "B_odd_all_T" in d:  # form="ahe": the points below the saturation field are shown
        ax.plot(d["B_odd_all_T"], d["Rodd_all_ohm"], ".", ms=3, color="0.6",
                label="odd part outside the window")
    ax.plot(d["B_T"], d["Rodd_ohm"], "o", ms=3, label="R_xy odd part (data)")
    label = f"fit ({form}): R_H = {result.value('R_H_ohm_T'):.4g} Ω/T"
    if form == "ahe":
        label += f", R_AH = {result.value('R_AH_ohm'):.4g} Ω"
    Bs, fs, band = (np.asarray(d[k], float) for k in ("B_sorted_T", "fit_sorted", "band"))
    segments = [Bs > 0, Bs < 0] if form == "ahe" else [np.ones(Bs.size, bool)]
    for i, seg in enumerate(segments):  # the sign(B) term: one line per sign of B
        ax.plot(Bs[seg], fs[seg], "-", color="C1", label=label if i == 0 else None)
        ax.fill_between(Bs[seg], fs[seg] - band[seg], fs[seg] + band[seg], alpha=0.3,
                        color="C1", label="1σ band" if i == 0 else None)
    ax.set_ylabel("R_xy,odd (Ω)")
    ax.legend(fontsize=8)
    axr.plot(d["B_T"], d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("B (T)")
    axr.set_ylabel("residual (Ω)")
