"""Figure creation for transport results (dispatches to each kind's ``plot``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .result import FitResult

__all__ = ["plot_result"]


def plot_result(result: FitResult, path: str | Path | None = None, **kwargs: Any):
    """Create the figure of a transport result and optionally save it (PNG or PDF).

    Parameters
    ----------
    result
        Result of one analysis.
    path
        Output file; the format follows the suffix. Written atomically.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..plotting import new_figure, save_figure
    from . import kind_module

    fig = new_figure(**kwargs)
    kind_module(result.kind).plot(result, fig)
    if path is not None:
        save_figure(fig, path)
    return fig
