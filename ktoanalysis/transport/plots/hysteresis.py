"""Figure of magnetoresistance hysteresis (:mod:`ktoanalysis.transport.hysteresis`):
butterfly peaks (dashed) and superconducting-window edges (dotted).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import math

from ..result import FitResult

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Up/down branches of the reported loop with the butterfly peak fields (dashed), the
    superconducting-window edges and f R_N levels (dotted); Delta R(T) fit if any."""
    d = result.data
    loop = next(lp for lp in d["loops"] if lp["T_K"] == d["main_T_K"]
                or (math.isnan(lp["T_K"]) and math.isnan(d["main_T_K"])))
    if "taps" in d:
        ax, ax2 = fig.subplots(1, 2)
    else:
        ax, ax2 = fig.subplots(1, 1), None
    for name, col in (("up", "tab:red"), ("down", "tab:blue")):
        br = loop[name]
        if br is None:
            continue
        ax.plot(br[0], br[1], ".-", ms=3, lw=0.8, color=col, label=f"{name} sweep")
        gl = loop.get("glitches", {}).get(name, [])
        if gl:
            ax.plot([g["B_T"] for g in gl], [g["R_ohm"] for g in gl], "x", color="k",
                    label=f"{name}: glitches (excluded)")
        for s in ("pos", "neg"):
            pk = loop["branches"][name][s]
            if pk is not None and pk.get("hysteretic", True) is not False:
                ax.axvline(pk["B_peak"].nominal_value, color=col, ls="--", lw=0.8)
        win = loop.get("windows", {}).get(name)
        if win is not None:  # superconducting-window edges at f R_N (dotted)
            ax.axhline(d.get("fraction", 0.5) * win["R_N_ohm"], color=col, ls=":", lw=0.6)
            for b in win["edges"]:
                if math.isfinite(b):
                    ax.axvline(b, color=col, ls=":", lw=0.9)
    ax.set_xlabel("B (T)")
    ax.set_ylabel("R (Ω)")
    mech = result.options.get("mechanism")
    ax.set_title(f"T = {loop['T_K']:.3g} K: {result.options.get('hysteresis')}"
                 + (f" [{mech}]" if mech else ""), fontsize=9)
    ax.legend(fontsize=8)
    if ax2 is not None:
        t = d["taps"]
        ax2.errorbar(t["T_K"], t["dR_ohm"], yerr=t["sigma_ohm"], fmt="o", label="ΔR data")
        ax2.plot(t["T_fine_K"], t["fit_fine"], "-", label="TAPS fit")
        ax2.fill_between(t["T_fine_K"], t["fit_fine"] - t["band"], t["fit_fine"] + t["band"],
                         alpha=0.3, label="1σ band")
        ax2.set_xlabel("T (K)")
        ax2.set_ylabel("ΔR (Ω)")
        ax2.legend(fontsize=8)
