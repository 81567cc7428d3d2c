"""Figure of the ``critical-field`` kind (:mod:`ktoanalysis.transport.critical_field`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import math

import numpy as np

from ..result import FitResult

__all__ = ["plot"]

_COLOURS = {"up": "tab:red", "down": "tab:blue", "all": "tab:green"}


def plot(result: FitResult, fig) -> None:
    """R(B) of every branch, the f R_N levels (dotted) and the crossing fields (dashed);
    excluded outliers as black crosses."""
    d = result.data
    ax = fig.subplots(1, 1)
    f_main = d["fraction"]
    kept = np.concatenate([np.asarray(br["R_ohm"], float) for br in d["branches"].values()])
    kept = kept[np.isfinite(kept)]
    lo, hi = (float(kept.min()), float(kept.max())) if kept.size else (0.0, 1.0)
    pad = 0.08 * (hi - lo or 1.0)
    for name, br in d["branches"].items():
        col = _COLOURS.get(name, "k")
        ax.plot(br["B_T"], br["R_ohm"], ".-", ms=3, lw=0.8, color=col, label=f"{name} sweep")
        if br["glitches"]:
            # outliers far off the curve are drawn at the edge of the axes (clipped), so
            # that one spike does not squash the data
            gB = [g["B_T"] for g in br["glitches"]]
            gR = np.clip([g["R_ohm"] for g in br["glitches"]], lo - 0.5 * pad, hi + 0.5 * pad)
            ax.plot(gB, gR, "x", color="k", clip_on=False,
                    label=f"{name}: outliers (excluded; at the edge)")
        for f, sides in br["crossings"].items():
            ax.axhline(f * br["R_N_ohm"], color=col, ls=":", lw=0.6)
            for b in sides.values():
                if math.isfinite(b):
                    ax.axvline(b, color=col, ls="--" if f == f_main else ":", lw=0.8)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("B (T)")
    ax.set_ylabel("R (Ω)")
    t = d.get("T_K", math.nan)
    title = f"T = {t:.4g} K" if math.isfinite(t) else "critical fields"
    ax.set_title(f"{title}: crossings of {f_main:g} R_N (dashed)", fontsize=9)
    ax.legend(fontsize=8, loc="center")  # inside the window, where R is at its floor
