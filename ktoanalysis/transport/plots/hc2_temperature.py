"""Figure of Hc2(T) (:mod:`ktoanalysis.transport.hc2_temperature`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import numpy as np

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Hc2(T) data of each orientation with GL fits and bands, WHH/KLB curves, residuals.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_gl_perp`, ...) without plot data.
    """
    from ...plotting import residual_axes

    require_plot_data(result, "T_grid_K")
    d = result.data
    ax, axr = residual_axes(fig)
    grid = d["T_grid_K"]
    colors = {"perp": "C0", "par": "C3"}
    labels = {"perp": r"$\perp$", "par": r"$\parallel$"}
    for o in ("perp", "par"):
        if f"{o}_T_K" not in d:
            continue
        T, B, e = d[f"{o}_T_K"], d[f"{o}_B_T"], d[f"{o}_err_T"]
        c = colors[o]
        ax.errorbar(T, B, yerr=e if np.all(np.isfinite(e)) else None, fmt="o", ms=4, color=c,
                    label=f"data {labels[o]}")
        if f"{o}_fit" in d:
            ax.plot(grid, d[f"{o}_fit"], color=c, label=f"GL {labels[o]}")
            band = d.get(f"{o}_band")
            if band is not None and np.all(np.isfinite(band)):
                ax.fill_between(grid, d[f"{o}_fit"] - band, d[f"{o}_fit"] + band, color=c,
                                alpha=0.25, lw=0)
            axr.plot(T, d[f"{o}_resid"], "o", ms=4, color=c)
    if "whh_fit" in d:
        ax.plot(grid, d["whh_fit"], "--", color="C2",
                label=f"WHH ({result.options.get('whh')}) " + labels["perp"])
    if "klb_fit" in d:
        ax.plot(grid, d["klb_fit"], "--", color="C1", label="KLB " + labels["par"])
    if "B_P_T" in result.params and "par_T_K" in d:
        ax.axhline(result.value("B_P_T"), color="0.4", ls=":", label=r"Pauli $B_P$")
    axr.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel(r"$\mu_0H_{c2}$ (T)")
    axr.set_ylabel("data - fit (T)")
    axr.set_xlabel("T (K)")
    ax.set_xlim(0, grid.max())
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    Tc = result.params.get("Tc_K")
    if Tc is not None:
        ax.set_title(f"Hc2(T): Tc = {result.value('Tc_K'):.4g} K", fontsize=9)
