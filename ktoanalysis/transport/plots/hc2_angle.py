"""Figure of Hc2(theta) (:mod:`ktoanalysis.transport.hc2_angle`).

The procedure module's ``plot`` delegates to this one (imported lazily).
"""

from __future__ import annotations

import numpy as np

from ..result import FitResult, require_plot_data

__all__ = ["plot"]


def plot(result: FitResult, fig) -> None:
    """Hc2 vs theta (deg) with both model curves and bands, residuals below.

    Raises
    ------
    FitError
        ``result`` has no plot data (an array-level :func:`fit_hc2_angle` result).
    """
    from ...plotting import residual_axes

    require_plot_data(result, "theta_rad", "Hc2_T", "Hc2_err_T", "theta_grid_rad")
    d = result.data
    ax, axr = residual_axes(fig)
    th = np.degrees(d["theta_rad"])
    err = d["Hc2_err_T"]
    yerr = err if np.all(np.isfinite(err)) else None
    ax.errorbar(th, d["Hc2_T"], yerr=yerr, fmt="o", ms=3, color="k", label="data")
    thg = np.degrees(d["theta_grid_rad"])
    styles = {"tinkham_2d": ("C0", "2D Tinkham"), "gl_3d": ("C3", "3D anisotropic GL")}
    best = result.options.get("best_model")
    for name, (c, lab) in styles.items():
        if f"{name}_fit" not in d:
            continue
        lab = lab + (" (best)" if name == best else "")
        ax.plot(thg, d[f"{name}_fit"], color=c, label=lab)
        band = d[f"{name}_band"]
        if np.all(np.isfinite(band)):
            ax.fill_between(thg, d[f"{name}_fit"] - band, d[f"{name}_fit"] + band, color=c,
                            alpha=0.25, lw=0)
        axr.plot(th, d[f"{name}_resid"], "o", ms=3, color=c, label=lab)
    axr.axhline(0, color="0.5", lw=0.8)
    ax.set_ylabel(r"$\mu_0H_{c2}$ (T)")
    axr.set_ylabel("data - fit (T)")
    conv = result.options.get("theta_convention", "from_normal")
    axr.set_xlabel(r"$\theta$ (deg, " + ("from normal" if conv == "from_normal"
                                         else "from plane") + ")")
    ax.legend(fontsize=8)
    dA = result.stats.get("delta_aic_gl_minus_tinkham", float("nan"))
    ax.set_title(f"Hc2(theta): best = {best} ({result.options.get('evidence')}), "
                 f"dAIC(GL-Tinkham) = {dA:.1f}", fontsize=9)
