"""Figure of BKT fit of R(T) (:mod:`ktoanalysis.transport.bkt`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def plot(result: FitResult, fig: Any) -> None:
    """R(T) on a log scale with the BKT fit (+/-1 sigma band) and the AL fit; residuals of
    ln R; right panel: the [d ln R/dT]^(-2/3) linearisation.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_hn`, :func:`~ktoanalysis.transport.fluct.fit_al`)
        without plot data.
    """
    require_plot_data(result, "T_K", "R_ohm", "T_win_K", "T_fit_K")
    d = result.data
    gs = fig.add_gridspec(2, 2, height_ratios=[3, 1], width_ratios=[3, 2])
    ax = fig.add_subplot(gs[0, 0])
    axr = fig.add_subplot(gs[1, 0], sharex=ax)
    axl = fig.add_subplot(gs[:, 1])
    ax.tick_params(labelbottom=False)
    T, R = np.asarray(d["T_K"]), np.asarray(d["R_ohm"])
    pos = R > 0
    ax.semilogy(T[pos], R[pos], ".", ms=3, color="0.6", label="data")
    ax.semilogy(d["T_win_K"], d["R_win_ohm"], ".", ms=4, color="C0", label="fit window")
    Tb = result.value("T_BKT_K")
    ax.semilogy(d["T_fit_K"], d["R_fit_ohm"], "-", color="C3",
                label=f"BKT {d['form']}: T_BKT = {Tb:.4g} K")
    ax.fill_between(d["T_fit_K"], d["R_lo_ohm"], d["R_hi_ohm"], color="C3", alpha=0.3,
                    label="1 sigma band")
    if "T_al_K" in d:
        ax.semilogy(d["T_al_K"], d["R_al_ohm"], "--", color="C2",
                    label=f"AL: Tc0 = {result.value('Tc0_AL_K'):.4g} K")
    ax.axvline(Tb, color="C3", ls=":", lw=1)
    ax.set_ylabel("R (Ohm)")
    ax.set_ylim(bottom=max(0.3 * float(np.min(d["R_win_ohm"])), 1e-3 * float(R.max())))
    # above the panel: inside, any corner covers data of some curve (the low-R end, where
    # the BKT fit lives, or the normal state)
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=2,
              frameon=False, borderaxespad=0.0)
    axr.plot(d["T_win_K"], d["resid_lnR"], ".", color="C0")
    axr.axhline(0, color="0.3", lw=0.8)
    axr.set_xlabel("T (K)")
    axr.set_ylabel("ln R residual")
    if "lin_T_K" in d:
        x = np.asarray(d["lin_T_K"])
        axl.plot(x, d["lin_y"], ".", ms=3, color="C0", label="[d lnR/dT]^(-2/3)")
        xx = np.linspace(min(x.min(), result.value("T_BKT_lin_K")), x.max(), 50)
        axl.plot(xx, d["lin_slope"] * xx + d["lin_intercept"], "-", color="C3",
                 label=f"T_BKT_lin = {result.value('T_BKT_lin_K'):.4g} K")
        axl.axhline(0, color="0.3", lw=0.8)
        axl.legend(fontsize=7)
    axl.set_xlabel("T (K)")
    axl.set_ylabel("[d ln R/dT]^(-2/3) (K^(2/3))")
