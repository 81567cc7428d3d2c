"""Figure creation for transport results: one module per analysis kind, plus the banner.

The figure code of each kind lives here, apart from its procedure: :mod:`.tc`,
:mod:`.bkt`, :mod:`.iv`, :mod:`.hc2_angle`, :mod:`.hc2_temperature`, :mod:`.phaseslip`,
:mod:`.hysteresis` and :mod:`.hall` each define ``plot(result, fig)``. :func:`draw`
dispatches on ``result.kind``; the procedure modules' own ``plot`` delegates to it (imported
lazily, so matplotlib is only loaded when a figure is drawn). :func:`plot_result` creates,
draws, adds the :func:`verdict_banner` and saves.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..result import FitResult

__all__ = ["plot_result", "verdict_banner", "draw"]

#: banner colours of the verdicts
VERDICT_COLOURS = {"ok": "#1a7f37", "warn": "#b35900", "fail": "#c62828"}


def draw(result: FitResult, fig: Any) -> None:
    """Draw a transport result on a figure with the plot module of its kind.

    Parameters
    ----------
    result
        Result of one analysis; ``result.kind`` selects the module (the procedure
        module's name in :data:`~ktoanalysis.transport.KINDS`, under this package).
    fig
        matplotlib Figure to draw on (empty).

    Raises
    ------
    KeyError
        Unknown analysis kind.
    FitError
        An array-level result without plot data.
    """
    from .. import KINDS

    if result.kind not in KINDS:
        raise KeyError(f"unknown analysis kind {result.kind!r}; known: {', '.join(KINDS)}")
    name = KINDS[result.kind][0].rsplit(".", 1)[1]
    importlib.import_module(f"{__name__}.{name}").plot(result, fig)


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
    from ...plotting import new_figure, save_figure
    from .. import kind_module

    fig = new_figure(**kwargs)
    kind_module(result.kind).plot(result, fig)
    verdict_banner(fig, result)
    if path is not None:
        save_figure(fig, path)
    return fig
