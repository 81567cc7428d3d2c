"""Figure of the ``critical-field`` kind (:mod:`ktoanalysis.transport.critical_field`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import math

from ..result import FitResult

__all__ = ["plot"]

_COLOURS = {"up": "tab:red", "down": "tab:blue", "all": "tab:green"}


def plot(result: FitResult, fig) -> None:
    """R(B) of every branch, the f R_N levels (dotted) and the crossing fields (dashed);
    excluded outliers as black crosses."""
    d = result.data
    ax = fig.subplots(1, 1)
    f_main = d["fraction"]
    for name, br in d["branches"].items():
        col = _COLOURS.get(name, "k")
        ax.plot(br["B_T"], br["R_ohm"], ".-", ms=3, lw=0.8, color=col, label=f"{name} sweep")
        if br["glitches"]:
            ax.plot([g["B_T"] for g in br["glitches"]], [g["R_ohm"] for g in br["glitches"]],
                    "x", color="k", label=f"{name}: outliers (excluded)")
        for f, sides in br["crossings"].items():
            ax.axhline(f * br["R_N_ohm"], color=col, ls=":", lw=0.6)
            for b in sides.values():
                if math.isfinite(b):
                    ax.axvline(b, color=col, ls="--" if f == f_main else ":", lw=0.8)
    ax.set_xlabel("B (T)")
    ax.set_ylabel("R (Ω)")
    t = d.get("T_K", math.nan)
    title = f"T = {t:.4g} K" if math.isfinite(t) else "critical fields"
    ax.set_title(f"{title}: crossings of {f_main:g} R_N (dashed)", fontsize=9)
    ax.legend(fontsize=8)
