"""Figure of critical currents (:mod:`ktoanalysis.transport.critical_current`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..result import FitResult, as_param, require_plot_data

__all__ = ["plot"]

_COLOURS = {("pos", "increasing"): "tab:red", ("pos", "decreasing"): "tab:blue",
            ("neg", "increasing"): "tab:orange", ("neg", "decreasing"): "tab:cyan"}


def plot(result: FitResult, fig: Any) -> None:
    """Left: the I-V curves (uA, uV) by sweep segment with the transitions (dashed) and the
    further steps (x); right, with several temperatures: Ic(T) with its fitted forms.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_ic_temperature`) without plot data.
    """
    require_plot_data(result, "curves")
    d = result.data
    ic = d.get("ic")
    if ic:
        ax, ax2 = fig.subplots(1, 2)
    else:
        ax, ax2 = fig.subplots(1, 1), None
    curves = d["curves"]
    shown = curves if len(curves) <= 6 else curves[:: max(1, len(curves) // 6)]
    labelled = set()
    for c in shown:
        V0 = c.get("V0_V", 0.0)
        ax.plot(1e6 * c["I_A"], 1e6 * (c["V_V"] - V0), "-", color="0.8", lw=0.6, zorder=0)
        for seg in c["segments"]:
            key = (seg["branch"], seg["direction"])
            col = _COLOURS[key]
            sgn = 1.0 if seg["branch"] == "pos" else -1.0
            lab = f"{seg['branch']} {seg['direction']}"
            ax.plot(1e6 * sgn * seg["x"], 1e6 * sgn * seg["y"], ".", ms=2.5, color=col,
                    label=None if lab in labelled else lab)
            labelled.add(lab)
            tr = seg.get("transition")
            if tr is not None:
                ax.axvline(1e6 * sgn * tr["I_A"], color=col, ls="--", lw=0.8)
            for st in seg.get("steps", []):
                if st["role"] == "step":
                    i = int(np.argmin(np.abs(seg["x"] - abs(st["I_A"]))))
                    ax.plot(1e6 * st["I_A"], 1e6 * sgn * seg["y"][i], "x", color="k", ms=6)
    ax.set_xlabel("I (µA)")
    ax.set_ylabel("V - V0 (µV)")
    T = [c["T_K"] for c in shown if math.isfinite(c["T_K"])]
    ax.set_title(f"I-V at T = {', '.join(f'{t:.3g}' for t in T)} K" if T else "I-V",
                 fontsize=9)
    ax.legend(fontsize=7)
    if ax2 is not None:
        ax2.errorbar(ic["T_K"], 1e6 * ic["Ic_A"], yerr=1e6 * ic["Ic_err_A"], fmt="o",
                     label=f"I_c ({result.options.get('ic_branch')})")
        for model, f in ic["fits"].items():
            ax2.plot(f["T_fine_K"], 1e6 * f["Ic_fine_A"], "-", label=model)
        if "Tc_K" in result.params:
            v, e = as_param(result.params["Tc_K"])
            ax2.axvline(v, color="k", ls=":", lw=0.8)
            if e:
                ax2.axvspan(v - e, v + e, color="0.85", zorder=0,
                            label=f"Tc = {v:.3g} ± {e:.2g} K")
        ax2.set_xlabel("T (K)")
        ax2.set_ylabel("I_c (µA)")
        ax2.legend(fontsize=7)
