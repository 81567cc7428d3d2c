"""Shared figure helpers: consistent style, atomic saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .._fileio import write_via_temp

__all__ = ["new_figure", "save_figure", "residual_axes", "show_figure"]


def new_figure(figsize: tuple[float, float] = (6.4, 4.8), **kwargs: Any):
    """A new matplotlib Figure (no pyplot state; safe in workers and without a display)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained", **kwargs)
    return fig


def residual_axes(fig):
    """Two stacked axes sharing x: main panel (3/4 height) and residuals (1/4)."""
    gs = fig.add_gridspec(2, 1, height_ratios=[3, 1])
    ax = fig.add_subplot(gs[0])
    axr = fig.add_subplot(gs[1], sharex=ax)
    ax.tick_params(labelbottom=False)
    return ax, axr


def save_figure(fig, path: str | Path, dpi: int = 150) -> Path:
    """Save a figure atomically (temporary file in the same folder, then rename).

    Parameters
    ----------
    fig
        matplotlib Figure.
    path
        Target path; ``.png`` or ``.pdf`` (anything matplotlib knows).
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return write_via_temp(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format=fmt),
                          suffix=path.suffix)


def show_figure(fig, path: str | Path) -> Path:
    """Save a figure (atomically) and display it when running inside Jupyter.

    Outside IPython the saved path is printed instead. Used by the notebooks.

    Parameters
    ----------
    fig
        matplotlib Figure.
    path
        Target file (PNG or PDF).
    """
    path = save_figure(fig, path)
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    if get_ipython is None or get_ipython() is None:
        print(f"figure saved: {path}")
    else:
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    return path
