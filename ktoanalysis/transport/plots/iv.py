"""Figure of I-V power laws and alpha(T) (:mod:`ktoanalysis.transport.iv`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def plot(result: FitResult, fig: Any) -> None:
    """Left: log-log I-V isotherms with the fitted power laws and a V ~ I^3 guide; middle:
    alpha(T) with error bars, the alpha = 3 line and T_BKT (+/- 1 sigma band); right: the
    stiffness J_s/k_B = (alpha - 1) T/pi with the Nelson-Kosterlitz line 2T/pi.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_alpha`) without plot data.
    """
    from matplotlib import colormaps

    require_plot_data(result, "isotherms")
    d = result.data
    w, h = fig.get_size_inches()
    if w < 12.0:  # three panels side by side
        fig.set_size_inches(12.0, h)
    ax, axa, axj = fig.subplots(1, 3)
    isos = d["isotherms"]
    Ts = np.array([x["T_K"] for x in isos])
    cmap = colormaps["coolwarm"]
    span = max(float(np.ptp(Ts)), 1e-12)
    for x in isos:
        col = cmap((x["T_K"] - Ts.min()) / span)
        pos = x["V_V"] > 0
        ax.loglog(x["I_A"][pos], x["V_V"][pos], ".", ms=2, color=col)
        if x["alpha"] is not None:
            Iw = x["I_A"][x["mask"]]
            ax.loglog(Iw, 10 ** (x["alpha"] * np.log10(Iw) + x["c"]), "-", color=col, lw=1.5,
                      label=f"{x['T_K']:.3g} K: alpha = {x['alpha']:.2f}")
    allI = np.concatenate([x["I_A"][x["I_A"] > 0] for x in isos])
    allV = np.concatenate([x["V_V"][x["V_V"] > 0] for x in isos])
    if allI.size and allV.size:
        Ig = np.geomspace(allI.min(), allI.max(), 20)
        ax.loglog(Ig, np.median(allV) * (Ig / np.median(allI)) ** 3, "r--", lw=1,
                  label="V ~ I^3")
    ax.set_xlabel("I (A)")
    ax.set_ylabel("V (V)")
    ax.legend(fontsize=6, ncol=1)
    axa.errorbar(d["T_K"], d["alpha"], yerr=d["alpha_err"], fmt="o", ms=4, capsize=2,
                 label="alpha(T)")
    axa.axhline(3.0, color="r", ls="--", lw=1, label="alpha = 3")
    if "T_BKT_K" in result.params:
        Tb, e = result.value("T_BKT_K"), result.stderr("T_BKT_K") or 0.0
        axa.axvline(Tb, color="k", lw=1, label=f"T_BKT = {Tb:.4g} K")
        axa.axvspan(Tb - e, Tb + e, color="k", alpha=0.2, label="1 sigma")
    axa.set_xlabel("T (K)")
    axa.set_ylabel("alpha (V ~ I^alpha)")
    axa.legend(fontsize=7)
    _stiffness_panel(axj, result)


def _stiffness_panel(ax: Any, result: FitResult) -> None:
    """J_s/k_B = (alpha - 1) T/pi per isotherm against the Nelson-Kosterlitz line 2T/pi."""
    d = result.data
    if "J_s_K" not in d or not len(d["T_K"]):
        ax.set_axis_off()
        return
    T = np.asarray(d["T_K"], float)
    ax.errorbar(T, d["J_s_K"], yerr=d["J_s_err_K"], fmt="s", ms=4, capsize=2,
                label="J_s/k_B = (alpha - 1) T/pi")
    Tg = np.linspace(0.9 * T.min(), 1.05 * T.max(), 50)
    ax.plot(Tg, 2.0 * Tg / np.pi, "r--", lw=1, label="2 T/pi (universal jump)")
    if "T_BKT_K" in result.params:
        ax.axvline(result.value("T_BKT_K"), color="k", lw=1)
    if "J_s_jump_ratio" in result.params:
        ratio = result["J_s_jump_ratio"]
        text = f"{ratio:.2uP}" if hasattr(ratio, "std_dev") else f"{float(ratio):.3g}"
        bad = result.quality.has("nk_inconsistent")
        ax.set_title(f"J_s jump / universal jump = {text}"
                     + ("\n(not the universal jump)" if bad else ""),
                     fontsize=8, color="tab:red" if bad else "black")
    ax.set_xlabel("T (K)")
    ax.set_ylabel("J_s / k_B (K)")
    ax.legend(fontsize=7)
