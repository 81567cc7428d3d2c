"""Figure of phase-slip fits of R(T) (:mod:`ktoanalysis.transport.phaseslip`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import numpy as np

from ..result import FitResult

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Data, fit with 1-sigma band (log R axis) and residuals of a phase-slip fit."""
    from ...plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    log = d["space"] == "log"
    yf = np.exp(d["y_fine"]) if log else d["y_fine"]
    lo = np.exp(d["y_fine"] - d["band"]) if log else d["y_fine"] - d["band"]
    hi = np.exp(d["y_fine"] + d["band"]) if log else d["y_fine"] + d["band"]
    ax.plot(d["T_K"], d["R_wire_ohm"], "o", ms=4, label="data (wire R)")
    ax.plot(d["T_fine_K"], yf, "-", label=f"fit: {result.options.get('model')}")
    ax.fill_between(d["T_fine_K"], lo, hi, alpha=0.3, label="1σ band")
    ax.set_yscale("log")
    ax.set_ylabel("R_wire (Ω)")
    ax.legend()
    axr.plot(d["T_K"], d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("T (K)")
    axr.set_ylabel("Δ ln R" if log else "ΔR (Ω)")
