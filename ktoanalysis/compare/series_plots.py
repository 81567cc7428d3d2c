"""Figures of a gate / polarization series (:mod:`ktoanalysis.compare.series`).

* :func:`plot_gate_series`: Tc, the sheet resistance and (when measured) n2D against the
  gate voltage, the up and down sweep branches drawn apart, with the half-way level, its
  crossings (the loop width) and the remanent difference at V_ref;
* :func:`plot_tc_density`: Tc against n2D per orientation with the Tc-density slope of
  each orientation (and of each gate series).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from .series import SeriesAnalysis

__all__ = ["plot_gate_series", "plot_tc_density", "save_series_figures", "gate_plot_name",
           "BRANCH_STYLE"]

#: marker, line style and colour of each sweep branch
BRANCH_STYLE: dict[str, dict[str, str]] = {
    "up": {"marker": "^", "linestyle": "-", "color": "tab:red"},
    "down": {"marker": "v", "linestyle": "--", "color": "tab:blue"},
    "": {"marker": "o", "linestyle": ":", "color": "tab:gray"},
}
_ORIENTATION_COLOURS = {"(111)": "tab:purple", "(110)": "tab:green", "(001)": "tab:orange"}


def gate_plot_name(sample: str, orientation: str = "") -> str:
    """File name of a gate series' figure: ``gate_<sample>[_<orientation>].png``."""
    safe = re.sub(r"[^A-Za-z0-9._+-]+", "-", sample).strip("-") or "sample"
    o = orientation.strip("()")
    return f"gate_{safe}{'_' + o if o else ''}.png"


def _branch_points(sub, branch: str, include_turning: bool = True):
    """Points of one branch in sweep order, with the turning point opening it."""
    rows = []
    recs = sub.to_dict("records")
    for k, r in enumerate(recs):
        if r["branch"] == branch:
            if include_turning and k > 0 and recs[k - 1]["turning_point"] and \
                    recs[k - 1]["branch"] != branch and (not rows or rows[-1] is not recs[k - 1]):
                rows.append(recs[k - 1])
            rows.append(r)
    return rows


def plot_gate_series(analysis: SeriesAnalysis, sample: str, orientation: str | None = None,
                     fig: Any = None):
    """Tc, R_s (and n2D) against V_G for one gate series, up and down branches apart.

    Parameters
    ----------
    analysis
        Result of :func:`~ktoanalysis.compare.series.analyze_series`.
    sample, orientation
        The gate series (orientation label such as ``"(111)"``; default: the first of
        the sample).
    fig
        matplotlib Figure to draw into (default: a new one).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import new_figure

    entry = next((g for g in analysis.gate if g["sample"] == sample
                  and (orientation is None or g["orientation"] == orientation)), None)
    if entry is None:
        raise KeyError(f"no gate series for sample {sample!r}")
    pts = analysis.points
    sub = pts[(pts["sample"] == sample) & (pts["orientation"] == entry["orientation"])
              & np.isfinite(pts["Vg_V"].to_numpy(dtype=float))]
    panels = [("Tc_K", "$T_c$ (K)", 1.0), ("R_s_ohm", r"$R_s$ ($\Omega$/sq)", 1.0)]
    if np.isfinite(sub["n2d_cm2"].to_numpy(dtype=float)).all():
        panels.append(("n2d_cm2", r"$n_{2D}$ ($10^{13}$ cm$^{-2}$)", 1e-13))
    if fig is None:
        fig = new_figure(figsize=(6.4, 2.2 * len(panels) + 0.8))
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (col, label, scale) in zip(axes, panels, strict=True):
        for b in ("up", "down", ""):
            rows = _branch_points(sub, b)
            if not rows:
                continue
            V = np.array([r["Vg_V"] for r in rows], float)
            y = np.array([r[col] for r in rows], float) * scale
            e = np.array([r.get(f"{col}_err", np.nan) for r in rows], float) * scale
            st = BRANCH_STYLE[b]
            ax.errorbar(V, y, yerr=np.where(np.isfinite(e), e, 0.0), label=b or "no sweep",
                        capsize=2, ms=5, **st)
        ax.set_ylabel(label)
        key = {"Tc_K": "Tc_K", "R_s_ohm": "G_s_S", "n2d_cm2": "n2d_cm2"}[col]
        h = entry["hysteresis"].get(key)
        if h and h.get("level") is not None and col != "R_s_ohm":
            ax.axhline(h["level"] * scale, color="0.6", lw=0.8, ls=":")
            for x in (h.get("V_cross_up_V"), h.get("V_cross_down_V")):
                if x is not None:
                    ax.axvline(x, color="0.6", lw=0.8, ls=":")
        if h and h.get("remanent_diff") is not None:
            unit = {"Tc_K": "K", "G_s_S": "S", "n2d_cm2": "cm$^{-2}$"}[key]
            name = {"Tc_K": "$T_c$", "G_s_S": "$G_s = 1/R_s$", "n2d_cm2": "$n_{2D}$"}[key]
            txt = (f"{name}: "
                   f"$\\Delta$({h['V_ref_V']:g} V) = {h['remanent_diff']:.3g} "
                   f"$\\pm$ {h['remanent_diff_err']:.2g} {unit}")
            if h.get("loop_width_V") is not None:
                txt += f"\nloop width {h['loop_width_V']:.3g} $\\pm$ {h['loop_width_V_err']:.2g} V"
            ax.text(0.02, 0.96, txt, transform=ax.transAxes, va="top", fontsize=7,
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    axes[0].legend(fontsize=7, loc="lower right", title="sweep", title_fontsize=7)
    axes[-1].set_xlabel("$V_G$ (V)")
    fig.suptitle(f"{sample} {entry['orientation']}: gate series", fontsize=9)
    return fig


def plot_tc_density(analysis: SeriesAnalysis, fig: Any = None):
    """Tc against n2D per orientation, with each orientation's Tc-density slope.

    Parameters
    ----------
    analysis
        Result of :func:`~ktoanalysis.compare.series.analyze_series` (its points and the
        per-orientation slopes; non-gate ``tc`` rows enter through the slopes' fits and
        are drawn from ``analysis.density_points``).
    fig
        matplotlib Figure to draw into (default: a new one).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import new_figure

    if fig is None:
        fig = new_figure(figsize=(6.4, 4.4))
    ax = fig.add_subplot(1, 1, 1)
    dp = analysis.density_points
    for o in sorted(set(dp["orientation"])):
        sub = dp[dp["orientation"] == o]
        c = _ORIENTATION_COLOURS.get(o, "tab:gray")
        for b, mk in (("up", "^"), ("down", "v"), ("", "o")):
            s = sub[sub["branch"] == b]
            if s.empty:
                continue
            ax.errorbar(s["n2d_cm2"] * 1e-13, s["Tc_K"],
                        yerr=np.nan_to_num(s["Tc_K_err"].to_numpy(dtype=float)),
                        fmt=mk, color=c, ms=5, capsize=2,
                        label=f"{o or '?'}" + (f" {b}" if b else ""))
        sl = analysis.slopes.get(o)
        if sl:
            n = np.linspace(sub["n2d_cm2"].min(), sub["n2d_cm2"].max(), 50)
            ax.plot(n * 1e-13, sl["intercept_K"] + sl["slope_K_cm2"] * n, color=c, lw=1,
                    label=f"{o} slope {sl['slope_K_cm2']:.3g} $\\pm$ "
                          f"{sl['slope_K_cm2_err']:.2g} K cm$^2$")
    ax.set_xlabel(r"$n_{2D}$ ($10^{13}$ cm$^{-2}$)")
    ax.set_ylabel("$T_c$ (K)")
    ax.legend(fontsize=7)
    ax.set_title("Tc against carrier density per orientation", fontsize=9)
    return fig


def save_series_figures(analysis: SeriesAnalysis, folder: str | Path) -> list[Path]:
    """Write every gate series' figure and the Tc(n2D) figure into ``folder``.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from ..plotting import save_figure

    folder = Path(folder)
    written = []
    for g in analysis.gate:
        fig = plot_gate_series(analysis, g["sample"], g["orientation"])
        written.append(save_figure(fig, folder / gate_plot_name(g["sample"], g["orientation"])))
    if analysis.slopes:
        written.append(save_figure(plot_tc_density(analysis), folder / "tc_n2d.png"))
    return written
