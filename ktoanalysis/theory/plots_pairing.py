"""Figures of the pairing calculation, after Norman 2026 Figs. 2-5, 7, 9-11.

Every function returns a matplotlib Figure (no pyplot state); save it with
:func:`ktoanalysis.plotting.save_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..orientations import orientation_spec
from ..plotting import new_figure
from .pairing import PairingProblem, PairingResult, kernel_sums

__all__ = ["plot_gap", "plot_kernel_vs_angle", "plot_phonon_vs_angle", "plot_kernel_sums",
           "plot_lambda_vs_omega0", "plot_lambda_vs_density"]

_BAND_STYLE = ["-", "--", "-.", ":"]


def _phi_label(orientation: str) -> str:
    return f"phi (deg from {orientation_spec(orientation).kx_direction})"


def _disp_label(res: PairingResult) -> str:
    return "omega(q)" if res.dispersion == "vaks" else "omega(q) = omega(0)"


def plot_gap(results: PairingResult | Sequence[PairingResult]):
    """Delta_nk versus Fermi-surface angle per band, one panel per result (Figs. 5, 7, 10).

    Parameters
    ----------
    results
        One result or several (e.g. with and without dispersion); each panel's title gives
        lambda.
    """
    res_list = [results] if isinstance(results, PairingResult) else list(results)
    fig = new_figure(figsize=(4.2 * len(res_list), 3.6))
    axes = fig.subplots(1, len(res_list), squeeze=False)[0]
    for ax, res in zip(axes, res_list, strict=True):
        dnk = res.delta_nk
        for n in range(res.nbands):
            ax.plot(res.phi_deg, dnk[n], _BAND_STYLE[n % 4], marker="o", ms=2.5,
                    label=f"band {n + 1}")
        ax.set_title(f"{res.orientation} {res.tb}, omega(0) = {res.omega0_meV:.2f} meV, "
                     f"{_disp_label(res)}\nlambda = {res.lam:.4f}", fontsize=9)
        ax.set_xlabel(_phi_label(res.orientation))
        ax.set_ylabel("Delta_nk (relative, max = 1)")
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(dnk)) - 0.05), top=1.05)
        ax.legend(fontsize=8)
    return fig


def plot_kernel_vs_angle(problem: PairingProblem, sheets: Sequence[int] = (0, 2),
                         phis_deg: Sequence[float] = (0.0, 15.0, 30.0),
                         omega0_meV: float = 5.6, dispersion: str = "vaks"):
    """Eq. 4 versus phi' - phi (Fig. 2): top row |M|^2 alone, bottom row times the bracket
    2 omega0_ref / omega(q)^2.

    Parameters
    ----------
    problem
        Prepared pairing problem.
    sheets
        Fermi sheets (0-based; 0 = band 1), one column each.
    phis_deg
        Angles of k (deg), one curve each.
    omega0_meV, dispersion
        Phonon setting of the bottom row.
    """
    fig = new_figure(figsize=(4.4 * len(sheets), 6.4))
    axes = fig.subplots(2, len(sheets), squeeze=False, sharex=True)
    for c, n in enumerate(sheets):
        for phi in phis_deg:
            d = problem.kernel_vs_angle(n, phi, omega0_meV, dispersion)
            lab = f"phi = {float(d['phi_deg']):.0f} deg"
            axes[0, c].plot(d["dphi_deg"], 1e6 * d["m2_eV2"], label=lab)
            axes[1, c].plot(d["dphi_deg"], 1e3 * d["kernel_eV"], label=lab)
        axes[0, c].set_title(f"{problem.orientation} {problem.model.tb}, band {n + 1}")
        axes[0, c].set_ylabel("|<nk|V_R|nk'>|^2 (meV^2)")
        axes[1, c].set_ylabel(f"Eq. 4 kernel (meV), omega(0) = {omega0_meV} meV")
        axes[1, c].set_xlabel("phi' - phi (deg)")
        axes[1, c].set_xticks([0, 90, 180, 270, 360])
        axes[0, c].legend(fontsize=8)
    return fig


def plot_phonon_vs_angle(problem: PairingProblem, sheet: int = 0,
                         phis_deg: Sequence[float] = (0.0, 30.0), omega0_meV: float = 5.6):
    """TO1 energy omega(|k' - k|) around one Fermi sheet versus phi' - phi (Fig. 3)."""
    fig = new_figure(figsize=(5.0, 3.8))
    ax = fig.add_subplot()
    for phi in phis_deg:
        d = problem.kernel_vs_angle(sheet, phi, omega0_meV, "vaks")
        ax.plot(d["dphi_deg"], d["omega_meV"], label=f"phi = {float(d['phi_deg']):.0f} deg")
    ax.set_xlabel("phi' - phi (deg)")
    ax.set_ylabel("omega_TO1(q) (meV)")
    ax.set_xticks([0, 90, 180, 270, 360])
    ax.set_title(f"{problem.orientation} {problem.model.tb}, band {sheet + 1}, "
                 f"omega(0) = {omega0_meV} meV")
    ax.legend()
    return fig


def plot_kernel_sums(result: PairingResult, partial: bool = False):
    """Eq. 5 versus the angle of k (Figs. 4, 9): (a) intraband, (b) n n' in the same Rashba
    pair, (c) n n' in different pairs.

    Parameters
    ----------
    result
        PairingResult.
    partial
        Plot N_n' F_nn' (dimensionless) instead of the Fermi-surface average F_nn' (meV).
    """
    F = kernel_sums(result, partial=partial)
    scale, unit = (1.0, "dimensionless") if partial else (1e3, "meV")
    nb = result.nbands
    groups = [[(n, n) for n in range(nb)],
              [(n, m) for n in range(nb) for m in range(nb) if n != m and n // 2 == m // 2],
              [(n, m) for n in range(nb) for m in range(nb) if n // 2 != m // 2]]
    titles = ["(a) intraband n = n'", "(b) interband, same pair", "(c) interband, other pair"]
    fig = new_figure(figsize=(13.0, 3.8))
    axes = fig.subplots(1, 3)
    for ax, grp, title in zip(axes, groups, titles, strict=True):
        for i, (n, m) in enumerate(grp):
            ax.plot(result.phi_deg, scale * F[n, m], _BAND_STYLE[i % 4],
                    label=f"nn' = {n + 1}{m + 1}")
        ax.set_title(f"{title}: {result.orientation} {result.tb}", fontsize=9)
        ax.set_xlabel(_phi_label(result.orientation))
        ax.set_ylabel(("N_n' " if partial else "") + f"Eq. 5 sum over k' ({unit})")
        ax.legend(fontsize=7, ncol=2)
    return fig


def plot_lambda_vs_omega0(table, *, fit_inverse: bool = True):
    """lambda versus omega(0) (Fig. 11) from :func:`~ktoanalysis.theory.sweep.sweep_omega0`.

    With ``fit_inverse`` a curve C/omega(0) through the mean of lambda*omega(0) is drawn
    for the dispersive rows (the paper's "lambda scales as 1/omega(0)").
    """
    fig = new_figure(figsize=(5.0, 3.8))
    ax = fig.add_subplot()
    for disp, sub in table.groupby("dispersion"):
        sub = sub.sort_values("omega0_meV")
        ax.plot(sub["omega0_meV"], sub["lambda"], "o", label=f"{disp}: computed")
        if fit_inverse and disp == "vaks":
            C = float(np.mean(sub["lambda"] * sub["omega0_meV"]))
            w = np.linspace(sub["omega0_meV"].min(), sub["omega0_meV"].max(), 100)
            ax.plot(w, C / w, "-", label=f"{C:.3f} meV / omega(0)")
    ax.set_xlabel("omega(0) (meV)")
    ax.set_ylabel("lambda")
    ax.set_yscale("log")
    first = table.iloc[0]
    ax.set_title(f"{first['orientation']} {first['tb']}, n2D = {first['n2d_cm2']:.3g} cm^-2")
    ax.legend(fontsize=8)
    return fig


def plot_lambda_vs_density(table, y: str = "lambda"):
    """lambda (or a Tc column) versus n2D from :func:`~ktoanalysis.theory.sweep.sweep_density`,
    one curve per (orientation, tb, dispersion, omega0 mode)."""
    fig = new_figure(figsize=(5.4, 4.0))
    ax = fig.add_subplot()
    keys = ["orientation", "tb", "dispersion", "omega0_auto"]
    for key, sub in table.groupby(keys):
        o, tb, disp, auto = key
        sub = sub.sort_values("n2d_cm2")
        w = "omega(0) auto" if auto else f"omega(0) = {sub['omega0_meV'].iloc[0]:g} meV"
        ax.plot(sub["n2d_cm2"], sub[y], "o-", label=f"{o} {tb} {disp}, {w}")
    ax.set_xlabel("n2D (cm^-2)")
    ax.set_ylabel(y.replace("_K", " (K)"))
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    return fig
