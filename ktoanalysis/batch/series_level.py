"""Series-level outputs of a batch run: gate and polarization series, Tc-density slopes.

Called by the runner once every row is done. When rows of the manifest carry a gate
voltage (``Vg_V`` / ``V_G_V``) or a ``polarization`` state, the results table is analysed
with :func:`ktoanalysis.compare.series.analyze_series` and written into the ``series/``
folder of the output:

``series/series.csv`` (and ``series.parquet`` with pyarrow)
    One line per gate / polarization point (columns
    :data:`~ktoanalysis.compare.series.SERIES_COLUMNS`): sample, orientation,
    polarization, ``Vg_V``, sweep ``branch`` (up/down), Tc, R_s, G_s, n2D with errors.
``series/series.json``
    The series results: per gate series the hysteresis of Tc, of the sheet conductance
    (and of n2D) with loop width and remanent difference (value, error, statistics,
    sampling, flags); per sample the polarization states and their contrast; the
    Tc-density slope of every orientation and of every gate series.
``series/gate_<sample>_<orientation>.png``, ``series/tc_n2d.png``
    Tc and R_s (and n2D) against V_G with the branches; Tc against n2D per orientation.

A run whose rows carry neither leaves ``series/`` without these files (stale ones of an
earlier run into the same folder are removed).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from .results import write_json_atomic

__all__ = ["write_series_level", "SERIES_FILES"]

log = logging.getLogger(__name__)

#: names of the series-level files in ``series/`` (figures: ``gate_*.png``, ``tc_n2d.png``)
SERIES_FILES: tuple[str, ...] = ("series.csv", "series.parquet", "series.json")


def _has_series_metadata(results: pd.DataFrame) -> bool:
    cols = results.columns
    gate = "Vg_V" in cols and pd.to_numeric(results["Vg_V"], errors="coerce").notna().any()
    pol = "polarization" in cols and (results["polarization"].astype(str).str.strip()
                                      != "").any()
    kinds = set(results["kind"].astype(str)) if "kind" in cols else set()
    both_bkt = {"bkt-iv", "bkt-rt"} <= kinds  # T_BKT of I-V against R(T) per sample
    return bool(gate or pol or both_bkt)


def write_series_level(out_dir: str | Path, results: pd.DataFrame, plots: bool = True
                       ) -> tuple[dict[str, Path], dict[str, pd.DataFrame]]:
    """Analyse the gate / polarization series of a finished run and write ``series/``.

    Parameters
    ----------
    out_dir
        The run's output folder.
    results
        Its results table (``results.csv``).
    plots
        Also draw the series figures.

    Returns
    -------
    (paths, tables)
        Name -> path of what was written (``series_csv``, ``series_json`` and the
        figures) and the series-level tables (``{"series": points}``); both empty when
        the rows carry no gate voltage and no polarization. A failure of the analysis
        is logged and leaves both empty (the row tables are complete already).
    """
    from .runner import write_series_table

    folder = Path(out_dir) / "series"
    for name in SERIES_FILES:
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir():
        for p in [*folder.glob("gate_*.png"), folder / "tc_n2d.png"]:
            p.unlink(missing_ok=True)
    if results.empty or not _has_series_metadata(results):
        return {}, {}
    from ..compare.series import analyze_series

    try:
        analysis = analyze_series(results)
    except Exception as exc:  # the series analysis never costs the row tables
        log.warning("series-level analysis failed: %s: %s", type(exc).__name__, exc)
        return {}, {}
    written = {"series_csv": write_series_table(out_dir, "series", analysis.points),
               "series_json": write_json_atomic(analysis.to_dict(), folder / "series.json")}
    if plots:
        from ..compare.series_plots import save_series_figures

        try:
            for p in save_series_figures(analysis, folder):
                written[p.stem] = p
        except Exception as exc:  # a figure never costs the tables
            log.warning("series figures not drawn: %s: %s", type(exc).__name__, exc)
    return written, {"series": analysis.points}
