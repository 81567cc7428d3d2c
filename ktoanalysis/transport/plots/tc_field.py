"""Figure of R(T, B) maps (:mod:`ktoanalysis.transport.tc_field`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import textwrap

import numpy as np

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def _edges(v: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres (half-way between neighbours)."""
    v = np.asarray(v, float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = 0.5 * (v[1:] + v[:-1])
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def plot(result: FitResult, fig) -> None:
    """pcolormesh of R over (T, |B|) with the extracted critical line and its error bars;
    re-entrant minimum and resistive peaks marked. x axis: T (K), y axis: |B| (T)."""
    require_plot_data(result, "grid", "R", "fixed", "points")
    d = result.data
    ax = fig.subplots(1, 1)
    fixed = np.asarray(d["fixed"], float)
    order = np.argsort(fixed)
    grid = np.asarray(d["grid"], float)
    R = np.asarray(d["R"], float)[order]
    fe, ge = _edges(fixed[order]), _edges(grid)
    pts = d["points"]
    pf = np.asarray(pts["fixed"], float)
    pv = np.asarray(pts["value"], float)
    pe = np.asarray(pts["err"], float)
    cen = np.asarray([c != "" for c in pts["censored"]])
    if d["sweep"] == "temperature":  # rows: fields; columns: temperatures
        mesh = ax.pcolormesh(ge, fe, R, shading="flat", cmap="viridis")
        ax.errorbar(pv[~cen], pf[~cen], xerr=pe[~cen], fmt="o-", color="w", ms=3, lw=1,
                    mec="k", label=f"Tc(B) at {result.options.get('fraction'):g} R_N")
        if cen.any():
            ax.plot(pv[cen], pf[cen], "x", color="r", label="level not crossed (bound)")
    else:  # rows: temperatures; columns: fields
        mesh = ax.pcolormesh(fe, ge, R.T, shading="flat", cmap="viridis")
        ax.errorbar(pf[~cen], pv[~cen], yerr=pe[~cen], fmt="o-", color="w", ms=3, lw=1,
                    mec="k", label=f"Hc2(T) at {result.options.get('fraction'):g} R_N")
        if cen.any():
            ax.plot(pf[cen], pv[cen], "x", color="r", label="level not crossed (bound)")
        for pk in d.get("peaks", []):
            ax.plot(pk["T_K"], pk["B_T"], "^", color="orange", ms=5)
        if d.get("peaks"):
            ax.plot([], [], "^", color="orange", label="resistive peaks")
    emp = d.get("empirical")
    if emp is not None:
        ax.plot(emp["Tc_K"], emp["B_T"], "--", color="r", lw=1,
                label="empirical Tc(B) form (docs/models/reentrant_tc.md)")
    p = result.params
    if "B_min_T" in p and "Tc_min_K" in p:
        ax.plot(result.value("Tc_min_K"), result.value("B_min_T"), "*", color="r", ms=12,
                mec="k", label="re-entrant minimum (Tc_min, B_min)")
    fig.colorbar(mesh, ax=ax, label="R (Ω)")
    ax.set_xlabel("T (K)")
    ax.set_ylabel("|B| (T)")
    ax.set_title(textwrap.shorten(f"tc-field: {result.stats.get('reentrance', '')}", 180),
                 fontsize=7, wrap=True)
    # below the panel (constrained layout makes room): inside, it covers map points or
    # peak markers somewhere (audit: the peak at (2.3 K, 0.91 T))
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2,
              frameon=False, borderaxespad=0.0)
