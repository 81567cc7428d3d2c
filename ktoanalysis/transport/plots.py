"""Figure creation for transport results (dispatches to each kind's ``plot``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .result import FitResult

__all__ = ["plot_result", "verdict_banner"]

#: banner colours of the verdicts
VERDICT_COLOURS = {"ok": "#1a7f37", "warn": "#b35900", "fail": "#c62828"}


def verdict_banner(fig, result: FitResult, max_flags: int = 3) -> None:
    """Write the quality verdict (and the first flags) as a coloured banner on a figure.

    Parameters
    ----------
    fig
        matplotlib Figure already drawn by the kind's ``plot``.
    result
        The result whose ``quality`` is shown.
    max_flags
        Number of flag messages written out (the rest are counted).
    """
    import textwrap

    q = result.quality
    lines = [f"quality: {q.verdict.upper()}"]
    ordered = sorted(q.flags, key=lambda f: f.severity != "fail")  # failures first
    for f in ordered[:max_flags]:
        lines.append(textwrap.shorten(f"{f.severity}: {f.code}: {f.message}", width=110))
    if len(q.flags) > max_flags:
        lines.append(f"... and {len(q.flags) - max_flags} more flags (see the report)")
    fig.suptitle("\n".join(lines), fontsize=7 if len(lines) > 1 else 9,
                 color=VERDICT_COLOURS[q.verdict], ha="left", x=0.01, fontweight="bold")


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
    verdict_banner(fig, result)
    if path is not None:
        save_figure(fig, path)
    return fig
