"""Figure of weak (anti)localisation fits (:mod:`ktoanalysis.transport.magnetoconductance`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Delta sigma(B) (symmetrised data, e^2/(pi h)) with the fit, its 1-sigma band, the
    background (if fitted) and the residuals; fields in mT."""
    from ...plotting import residual_axes

    require_plot_data(result, "b_T", "dsigma", "B_fine_T", "fit_fine")
    d = result.data
    ax, axr = residual_axes(fig)
    mT = 1e3
    ax.plot(d["b_T"] * mT, d["dsigma"], "o", ms=3, label="data (symmetrised)")
    p = result.params
    form = result.options.get("form")
    label = f"{form}: B_phi = {result.value('B_phi_T') * mT:.3g} mT"
    if "B_so_T" in p:
        label += f", B_so = {result.value('B_so_T') * mT:.3g} mT"
    if "alpha" in p:
        label += f", alpha = {result.value('alpha'):.3g}"
    ax.plot(d["B_fine_T"] * mT, d["fit_fine"], "-", label=label)
    band = d.get("band")
    if band is not None and len(band) == len(d["fit_fine"]):
        ax.fill_between(d["B_fine_T"] * mT, d["fit_fine"] - band, d["fit_fine"] + band,
                        alpha=0.3, label="1σ band")
    if "background_fine" in d:
        ax.plot(d["B_fine_T"] * mT, d["background_fine"], "--", lw=1,
                label="classical c2·B² background")
    ax.set_ylabel("Δσ (e²/πh)")
    ax.legend(fontsize=8)
    axr.plot(d["b_T"] * mT, d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("|B| (mT)")
    axr.set_ylabel("residual")
