"""Split a measurement into monotonic sweeps (per temperature block and direction).

Field sweeps (R(H) at fixed T), temperature sweeps (R(T) at fixed B) and I-V isotherms
are often stored one after another in a single file. :func:`split_sweeps` cuts the
table, in acquisition order, into blocks of constant ``by`` (e.g. temperature) and then
into runs where ``x`` increases ("up") or decreases ("down").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from ..io.measurement import Measurement

__all__ = ["Sweep", "split_sweeps", "group_blocks", "monotonic_runs", "noise_of_steps"]


@dataclass(frozen=True)
class Sweep:
    """One monotonic sweep.

    Attributes
    ----------
    x, y
        Sweep variable and response, in acquisition order (SI).
    by_value
        Mean of the blocking variable over the sweep (e.g. temperature in K), NaN if none.
    direction
        ``"up"`` if x increases, ``"down"`` if it decreases.
    rows
        Row positions (0-based) of the points in the source table.
    index
        Position of the sweep in the file (0-based).
    """

    x: np.ndarray
    y: np.ndarray
    by_value: float
    direction: Literal["up", "down"]
    rows: np.ndarray
    index: int

    @property
    def sorted(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) sorted by increasing x."""
        order = np.argsort(self.x, kind="stable")
        return self.x[order], self.y[order]


def group_blocks(values: np.ndarray, tol: float) -> np.ndarray:
    """Label consecutive blocks of a slowly varying quantity (e.g. a temperature setpoint).

    A new block starts when a value differs from the running median of the current block
    by more than ``tol``. Returns an integer label per element (NaN values get -1).
    """
    labels = np.full(values.shape, -1, dtype=int)
    current: list[float] = []
    label = -1
    for i, v in enumerate(values):
        if not np.isfinite(v):
            continue
        if not current or abs(v - float(np.median(current[-50:]))) > tol:
            label += 1
            current = []
        current.append(float(v))
        labels[i] = label
    return labels


def _direction_runs(x: np.ndarray, min_points: int) -> list[tuple[int, int, int]]:
    """Split x into monotonic runs: list of (start, stop, sign)."""
    n = len(x)
    if n < 2:
        return [(0, n, 1)]
    dx = np.diff(x)
    scale = np.nanmax(np.abs(dx)) if np.any(dx) else 1.0
    sign = np.sign(np.where(np.abs(dx) > 1e-9 * scale, dx, 0.0))
    # zero steps take the previous non-zero sign (or the next one at the start)
    nz = np.flatnonzero(sign)
    if nz.size == 0:
        return [(0, n, 1)]
    for i in range(len(sign)):
        if sign[i] == 0:
            prev = nz[nz < i]
            sign[i] = sign[prev[-1]] if prev.size else sign[nz[0]]
    # run boundaries in step space
    cuts = sorted({0, len(sign), *(i for i in range(1, len(sign)) if sign[i] != sign[i - 1])})
    runs = [[cuts[j], cuts[j + 1], int(sign[cuts[j]])] for j in range(len(cuts) - 1)]
    # merge short runs (noise, overshoot) into the previous run
    merged: list[list[int]] = []
    for r in runs:
        if merged and (r[1] - r[0]) < min_points:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    if len(merged) > 1 and merged[0][1] - merged[0][0] < min_points:
        merged[1][0] = merged[0][0]
        merged.pop(0)
    # steps i..j-1 cover points i..j; a turning point belongs to the run it starts
    out = []
    for k, (a, b, s) in enumerate(merged):
        stop = b + 1 if k == len(merged) - 1 else b
        out.append((a, stop, s))
    return out


def split_sweeps(
    data: Measurement | pd.DataFrame,
    x: str = "B_T",
    y: str | None = None,
    by: str | None = "T_K",
    by_tol: float = 0.02,
    min_points: int = 5,
) -> list[Sweep]:
    """Split a table into monotonic sweeps of ``x``, per block of constant ``by``.

    Parameters
    ----------
    data
        Measurement (SI columns) or DataFrame.
    x
        Swept column, e.g. ``"B_T"`` for R(H) or ``"T_K"`` for R(T), ``"I_A"`` for I-V.
    y
        Response column; default: the measurement's resistance column.
    by
        Column held constant during a sweep (``"T_K"`` for field sweeps); ``None`` to
        split by direction only.
    by_tol
        Tolerance of the blocking variable (same unit as the column), default 0.02 (K).
    min_points
        Runs shorter than this are merged into their neighbour (noise, overshoot); sweeps
        with fewer points are dropped.

    Returns
    -------
    list of Sweep
        In acquisition order.

    Raises
    ------
    DataFormatError
        If a column is missing or no sweep has ``min_points`` points.
    """
    meas = data if isinstance(data, Measurement) else Measurement(data=data)
    if y is None:
        y = meas.resistance_column()
    xv, yv = meas.column(x), meas.column(y)
    bv = meas.column(by) if by is not None else np.zeros_like(xv)
    rows = np.flatnonzero(np.isfinite(xv) & np.isfinite(yv) & np.isfinite(bv))
    if rows.size < min_points:
        raise DataFormatError(f"only {rows.size} finite ({x}, {y}) points",
                              file=meas.source, column=y,
                              expected=f"at least {min_points} points")
    labels = group_blocks(bv[rows], by_tol) if by is not None else np.zeros(rows.size, int)
    sweeps: list[Sweep] = []
    for lab in np.unique(labels[labels >= 0]):
        block = rows[labels == lab]
        for a, b, s in _direction_runs(xv[block], min_points):
            r = block[a:b]
            if r.size < min_points:
                continue
            sweeps.append(Sweep(
                x=xv[r], y=yv[r],
                by_value=float(np.mean(bv[r])) if by is not None else float("nan"),
                direction="up" if s > 0 else "down", rows=r, index=len(sweeps),
            ))
    if not sweeps:
        raise DataFormatError(f"no monotonic sweep of {x} with at least {min_points} points",
                              file=meas.source, column=x)
    return sweeps


def noise_of_steps(x: np.ndarray) -> float:
    """Robust white-noise estimate of a swept quantity from its second differences,
    ``1.4826 * MAD(x[i+1] - 2 x[i] + x[i-1]) / sqrt(6)`` (0 with fewer than 3 values)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size < 3:
        return 0.0
    d2 = x[2:] - 2 * x[1:-1] + x[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / np.sqrt(6.0))


def monotonic_runs(x: np.ndarray, *, rel_tol: float = 0.01, noise_k: float = 5.0,
                   min_points: int = 5) -> list[tuple[int, int, int]]:
    """Cut a sequence into monotonic runs at its turning points, ignoring noise and holds.

    A turning point is the running extreme of the current run once ``x`` has come back
    from it by more than ``max(noise_k * sigma_x, rel_tol * |x_extreme|)`` (sigma_x from
    :func:`noise_of_steps`): the jitter of a temperature hold or a small overshoot does not
    start a new sweep, a real reversal does (a zig-zag filter). The turning point ends the
    run it closes.

    Parameters
    ----------
    x
        The swept quantity in acquisition order (e.g. T in K); NaNs are not allowed.
    rel_tol
        Relative reversal threshold (default 1 % of the turning value).
    noise_k
        Reversal threshold in units of the noise of ``x``.
    min_points
        Runs with fewer points are dropped from the list.

    Returns
    -------
    list of (start, stop, sign)
        Index ranges ``x[start:stop]`` in order, sign +1 (increasing) or -1 (decreasing).
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 2:
        return [(0, n, 1)] if n >= min_points else []
    floor = noise_k * noise_of_steps(x)

    def thr(v: float) -> float:
        return max(floor, rel_tol * abs(v), 1e-12 * (abs(v) + 1.0))

    runs: list[tuple[int, int, int]] = []
    start, sign = 0, 0
    lo = hi = 0  # running extremes of the current run (indices)
    for i in range(1, n):
        if x[i] > x[hi]:
            hi = i
        if x[i] < x[lo]:
            lo = i
        if sign == 0:
            if x[i] - x[lo] > thr(x[lo]) and lo > start and x[start] - x[lo] > thr(x[lo]):
                runs.append((start, lo + 1, -1))
                start, sign, hi = lo + 1, 1, i
            elif x[hi] - x[i] > thr(x[hi]) and hi > start and x[hi] - x[start] > thr(x[hi]):
                runs.append((start, hi + 1, 1))
                start, sign, lo = hi + 1, -1, i
            elif x[i] - x[lo] > thr(x[lo]):
                sign, hi = 1, i
            elif x[hi] - x[i] > thr(x[hi]):
                sign, lo = -1, i
        elif sign > 0 and x[hi] - x[i] > thr(x[hi]):
            runs.append((start, hi + 1, 1))
            start, sign = hi + 1, -1
            lo = start + int(np.argmin(x[start:i + 1]))
        elif sign < 0 and x[i] - x[lo] > thr(x[lo]):
            runs.append((start, lo + 1, -1))
            start, sign = lo + 1, 1
            hi = start + int(np.argmax(x[start:i + 1]))
    if start < n:
        runs.append((start, n, sign if sign != 0 else (1 if x[-1] >= x[start] else -1)))
    return [r for r in runs if r[1] - r[0] >= min_points]
