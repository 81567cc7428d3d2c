"""Figure of Tc criteria (:mod:`ktoanalysis.transport.tc`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..result import FitResult

__all__ = ["plot"]


def _zoom(result: FitResult, T: np.ndarray) -> tuple[float, float] | None:
    """x-range Tc_zero - 2 widths .. Tc_onset + 3 widths (clipped to the data), or None
    when the data do not span much more."""
    p = result.params
    if "Tc_mid_K" not in p:
        return None
    mid = result.value("Tc_mid_K")
    width = result.value("width_K") if "width_K" in p else math.nan
    if not width > 0 and "Tc_onset_K" in p:  # width level not reached: onset - mid instead
        width = 2.0 * (result.value("Tc_onset_K") - mid)
    width = width if width > 0 else 0.1 * float(np.ptp(T))
    lo = (result.value("Tc_zero_K") if "Tc_zero_K" in p else mid - width) - 2 * width
    hi = (result.value("Tc_onset_K") if "Tc_onset_K" in p else mid + width) + 3 * width
    lo, hi = max(lo, float(T[0])), min(hi, float(T[-1]))
    if hi <= lo or hi - lo > 0.6 * float(np.ptp(T)):
        return None
    return lo, hi


def plot(result: FitResult, fig: Any) -> None:
    """Draw R(T) with R_N, the criterion levels and the Tc's (with error bars); lower
    panel: dR/dT. The x-axis is zoomed onto the transition when the data span much more.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_tc`) without plot data.
    """
    from ...plotting import residual_axes
    from ..result import require_plot_data

    require_plot_data(result, "T_K", "R_ohm", "RN_ohm", "floor_ohm")
    d = result.data
    T, R = np.asarray(d["T_K"]), np.asarray(d["R_ohm"])
    ax, axd = residual_axes(fig)
    ax.plot(T, R, ".", ms=3, color="0.3", label="data")
    ax.plot(T, d["RN_ohm"], "--", color="C0", label="R_N")
    ax.axhline(d["floor_ohm"], color="C3", ls=":", lw=1, label="zero floor")
    for i, name in enumerate(("Tc_onset_K", "Tc_mid_K", "Tc_zero_K")):
        if name not in result.params:
            continue
        v, e = result.value(name), result.stderr(name)
        Rv = float(np.interp(v, T, R))
        ax.errorbar([v], [Rv], xerr=[e or 0.0], fmt="o", color=f"C{i + 1}", capsize=3,
                    label=f"{name.removesuffix('_K')} = {v:.4g} K")
    ax.set_ylabel("R (Ohm)")
    ax.legend(fontsize=8)
    width = f"{result.value('width_K'):.3g} K" if "width_K" in result.params else "n/a"
    ax.set_title(f"Tc criteria, width = {width}", fontsize=9)
    if T.size > 2:
        axd.plot(0.5 * (T[1:] + T[:-1]), np.diff(R) / np.diff(T), "-", color="0.3",
                 label="dR/dT")
    zoom = _zoom(result, T)
    if zoom is not None:
        for a in (ax, axd):
            a.set_xlim(*zoom)
        inside = (T >= zoom[0]) & (T <= zoom[1])
        if inside.any():
            shown = np.concatenate([R[inside], np.asarray(d["RN_ohm"])[inside]])
            pad = 0.05 * float(np.ptp(shown) or 1.0)
            ax.set_ylim(float(shown.min()) - pad, float(shown.max()) + pad)
    axd.set_xlabel("T (K)")
    axd.set_ylabel("dR/dT (Ohm/K)")
    axd.legend(fontsize=8)
