"""Figures of the bilayer band structures: Fermi surfaces (static and "dynamic Rashba", as
in Norman 2026 Figs. 1, 6, 8) and bands along high-symmetry lines.

k axes are in the paper's units (pi/c, c = sqrt(2/3) a, for 111; pi/a for 001 and 110),
energies in eV.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..errors import TheoryError
from ..orientations import orientation_spec
from ..plotting import new_figure, save_figure
from . import lattice
from .density import gamma_energy
from .fermi import fermi_surface
from .tightbinding import TightBindingModel
from .vertex import DYNAMIC_T0_EV

__all__ = ["dynamic_rashba_t0", "plot_fermi_surface", "plot_bands", "band_path"]

_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def dynamic_rashba_t0(orientation: str) -> float:
    """The paper's dynamic t0 per cubic component (eV): 48.8 meV (Table II) along the polar
    axis m/|m|, so 48.8 meV for 001 and 48.8/sqrt3 meV for 111 (Norman 2026, text before
    Fig. 1 and Fig. 1 caption; with the unit-scaled 111 form of the models, ASSUMPTION R1),
    48.8/sqrt2 for 110 (extension)."""
    m = np.array(orientation_spec(orientation).layer_normal, dtype=float)
    return DYNAMIC_T0_EV / float(np.linalg.norm(m))


def _fs_axes(ax, model: TightBindingModel, mu_eV: float, title: str, dphi_deg: float) -> None:
    fs = fermi_surface(model, mu_eV, dphi_deg=dphi_deg, full=True, on_missing="skip")
    unit = lattice.k_unit(model.orientation)
    for row, b in enumerate(fs.bands):
        pts = fs.contour(row) / unit
        pts = np.vstack([pts, pts[:1]])
        ax.plot(pts[:, 0], pts[:, 1], color=_COLORS[b % len(_COLORS)], lw=1.2,
                label=f"band {b + 1}")
    # directions of the high-symmetry points
    lim = 1.15 * float(np.max(fs.kF)) / unit
    for name, kpt in lattice.high_symmetry_points(model.orientation).items():
        if np.linalg.norm(kpt) == 0:
            continue
        d = kpt / np.linalg.norm(kpt)
        ax.plot([0, d[0] * lim], [0, d[1] * lim], color="0.7", lw=0.6, ls=":")
        ax.annotate(f"Γ–{name}", xy=(0.93 * d[0] * lim, 0.93 * d[1] * lim), fontsize=8,
                    color="0.4", ha="right" if d[0] > 0.5 else "left", va="top")
    ax.set_aspect("equal")
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    lab = lattice.k_unit_label(model.orientation)
    ax.set_xlabel(f"$k_x$ ({lab})")
    ax.set_ylabel(f"$k_y$ ({lab})")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower left")


def plot_fermi_surface(model: TightBindingModel, mu_eV: float, path: str | Path | None = None,
                       *, dynamic_rashba_eV: float | None = None, dphi_deg: float = 1.0,
                       title: str | None = None):
    """Fermi surfaces of bands 1-4 over the full circle.

    Parameters
    ----------
    model
        Bilayer model (static Rashba term as built).
    mu_eV
        Chemical potential in eV relative to the lowest level at Gamma.
    path
        If given, the figure is saved there (PNG or PDF).
    dynamic_rashba_eV
        If given, a second panel shows the Fermi surfaces with the Rashba t0 (per cubic
        component, same tA/tB/tC ratios) replaced by this value, at the same mu, as the
        paper's "dynamic" panels (Figs. 1b, 6b, 8b); see :func:`dynamic_rashba_t0`.
    dphi_deg
        Angular step of the rays in degrees.

    Returns
    -------
    matplotlib Figure.
    """
    panels = [(model, f"static Rashba t0 = {1e3 * model.params['rashba_t0']:.3g} meV")]
    if dynamic_rashba_eV is not None:
        if not (math.isfinite(dynamic_rashba_eV) and dynamic_rashba_eV >= 0):
            raise TheoryError(f"dynamic_rashba_eV must be >= 0 eV, got {dynamic_rashba_eV!r}")
        dyn = model.replace(rashba_static_eV=float(dynamic_rashba_eV))
        panels.append((dyn, f"dynamic Rashba t0 = {1e3 * dynamic_rashba_eV:.3g} meV "
                            "(same μ)"))
    fig = new_figure(figsize=(4.6 * len(panels), 4.6))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (m, sub) in zip(axes, panels, strict=True):
        _fs_axes(ax, m, mu_eV, f"{model.orientation} {model.tb}, μ = {mu_eV:.5f} eV\n{sub}",
                 dphi_deg)
    if title:
        fig.suptitle(title)
    if path is not None:
        save_figure(fig, path)
    return fig


def band_path(orientation: str, n_per_segment: int = 120
              ) -> tuple[np.ndarray, np.ndarray, list[tuple[float, str]]]:
    """A high-symmetry path through the surface zone.

    Returns
    -------
    k (N, 2) in 1/a, distance (N,) in 1/a, and ticks [(distance, label)].
    Gamma, the corners of the irreducible domain, Gamma (OrientationSpec.path):
    111: Γ-K-M-Γ; 001: Γ-X-M-Γ; 110: Γ-X-S-Y-Γ.
    """
    spec = orientation_spec(orientation)
    pts = lattice.high_symmetry_points(spec.key)
    names = list(spec.path)
    ks, dist, ticks = [], [], []
    d0 = 0.0
    for i in range(len(names) - 1):
        a, b = pts[names[i]], pts[names[i + 1]]
        t = np.linspace(0.0, 1.0, n_per_segment, endpoint=(i == len(names) - 2))
        seg = a[None, :] + t[:, None] * (b - a)[None, :]
        ks.append(seg)
        dist.append(d0 + t * np.linalg.norm(b - a))
        ticks.append((d0, names[i]))
        d0 += float(np.linalg.norm(b - a))
    ticks.append((d0, names[-1]))
    return np.vstack(ks), np.concatenate(dist), ticks


def plot_bands(model: TightBindingModel, mu_eV: float | None = None,
               path: str | Path | None = None, *, window_eV: tuple[float, float] | None = None,
               n_per_segment: int = 150):
    """Bands along the high-symmetry path (energies relative to E_F when ``mu_eV`` is given,
    otherwise to the lowest level at Gamma).

    Parameters
    ----------
    window_eV
        Energy range shown (eV, relative); default: all 12 bands.

    Returns
    -------
    matplotlib Figure.
    """
    k, dist, ticks = band_path(model.orientation, n_per_segment)
    E = model.energies(k)
    E0 = gamma_energy(model)
    ref = E0 + (mu_eV if mu_eV is not None else 0.0)
    unit = lattice.k_unit(model.orientation)
    x = dist / unit
    fig = new_figure(figsize=(6.4, 4.8))
    ax = fig.add_subplot()
    for n in range(model.nb):
        if n < 4:
            ax.plot(x, E[:, n] - ref, color=_COLORS[n], lw=1.3, label=f"band {n + 1}")
        else:
            ax.plot(x, E[:, n] - ref, color="0.55", lw=0.8,
                    label="bands 5–12" if n == 4 else None)
    if mu_eV is not None:
        ax.axhline(0.0, color="k", ls="--", lw=0.8, label="$E_F$")
    for d, _ in ticks:
        ax.axvline(d / unit, color="0.8", lw=0.6)
    ax.set_xticks([d / unit for d, _ in ticks], [name for _, name in ticks])
    ax.set_xlim(x[0], x[-1])
    if window_eV is not None:
        ax.set_ylim(*window_eV)
    lab = lattice.k_unit_label(model.orientation)
    ax.set_xlabel(f"k along the path ({lab})")
    ax.set_ylabel("$E - E_F$ (eV)" if mu_eV is not None else "$E - E_1(\\Gamma)$ (eV)")
    title = f"{model.orientation} bilayer, {model.tb}"
    if mu_eV is not None:
        title += f", μ = {mu_eV:.5f} eV"
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    if path is not None:
        save_figure(fig, path)
    return fig
