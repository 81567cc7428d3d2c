"""The job run for one manifest row, in whatever process or worker executes it.

:func:`run_row` is a top-level function taking and returning plain dictionaries, so it
pickles to a local process pool and to dask workers alike. It never raises for a problem
of the row: any exception (missing or corrupted file, failed fit, even a bug in an
analysis) becomes a failure record naming the file, and the series goes on.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
import traceback
import warnings
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataFormatError
from .manifest import ManifestRow

__all__ = ["make_job", "run_row", "gate_voltage", "VG_TOLERANCE_V"]


def make_job(row: ManifestRow, plot_path: str | Path | None = None,
             title: str | None = None) -> dict[str, Any]:
    """The picklable job description of a manifest row.

    Parameters
    ----------
    row
        Validated manifest row.
    plot_path
        Where the worker writes the row's figure (PNG); ``None`` for no figure. The
        folder must be reachable from the worker (shared file system for a remote
        dask cluster).
    title
        First title line of the figure (sample, kind, files); default: built from the
        row with the files' base names.

    Returns
    -------
    dict
        ``index``, ``sample``, ``kind``, ``module``, ``files`` (absolute paths),
        ``metadata`` and ``columns`` (passed to :func:`ktoanalysis.io.load`), ``options``,
        ``plot_path`` and ``title``; ``run_id`` (QCoDeS run, passed to the loader) only
        when the row sets ``run``.
    """
    if title is None:
        title = f"{row.sample} | {row.kind} | " + ", ".join(Path(f).name for f in row.files)
    job = {
        "index": row.index,
        "sample": row.sample,
        "kind": row.kind,
        "module": row.module,
        "files": list(row.files),
        "metadata": row.metadata(),
        "options": dict(row.options),
        "columns": dict(row.columns),
        "plot_path": None if plot_path is None else str(plot_path),
        "title": title,
    }
    if row.run is not None:  # only then: the content hash of other rows stays as it was
        job["run_id"] = row.run
    return job


def run_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """Load the files of one row, run its analysis, optionally draw its figure.

    Parameters
    ----------
    row
        A job from :func:`make_job`.

    Returns
    -------
    dict
        ``index``, ``sample``, ``kind``, ``status`` (``"ok"`` or ``"failed"``),
        ``elapsed_s`` (s), ``warnings`` (messages raised while loading and analysing, when
        run in a main thread), and either
        ``values`` (the flat :meth:`FitResult.to_row` mapping, with the ``quality`` verdict
        and the ``flags`` codes), ``quality`` (verdict and every flag with its message),
        ``options`` (the resolved options the analysis used, defaults included) and
        ``plot`` (file name or ``None``), ``Vg_V`` (V) and ``Vg_source`` (the gate
        voltage the row's series point has: the manifest's, else the one the data files
        state, ``"file"``; both ``None`` when neither gives one; see
        :func:`gate_voltage`), or ``error_type``, ``message`` (naming the file)
        and ``traceback``.
    """
    t0 = time.perf_counter()
    record: dict[str, Any] = {"index": row["index"], "sample": row["sample"],
                              "kind": row["kind"]}
    files: Sequence[str] = row["files"]
    # In the main thread (serial runs, process-pool workers) warnings are recorded, so
    # the result does not depend on the filters of the executing process (e.g. pytest's
    # "error"). catch_warnings mutates process-global state, so worker threads (dask
    # tasks, a user's thread pool) leave it alone and the process's filters apply.
    in_main = threading.current_thread() is threading.main_thread()
    with warnings.catch_warnings(record=True) if in_main else nullcontext([]) as caught:
        if in_main:
            warnings.simplefilter("always")
        context: dict[str, Any] = {}
        try:
            record.update(_run(row, files, context))
        except Exception as exc:
            named = [context["file"]] if "file" in context else list(files)
            record.update(status="failed", error_type=type(exc).__name__,
                          message=_message(exc, named), traceback=traceback.format_exc())
    record["warnings"] = sorted({f"{w.category.__name__}: {w.message}" for w in caught}
                                | set(context.get("notes", [])))
    record["elapsed_s"] = time.perf_counter() - t0
    return record


def _run(row: Mapping[str, Any], files: Sequence[str],
         context: dict[str, Any]) -> dict[str, Any]:
    from ..io import load

    module = importlib.import_module(row["module"])
    metadata = dict(row["metadata"])
    # the manifest's gate voltage is applied after loading, so the file's own stays visible
    Vg_manifest = metadata.pop("Vg_V", None)
    load_kw: dict[str, Any] = {}
    if row.get("run_id") is not None:
        load_kw["run_id"] = row["run_id"]
    measurements = []
    for f in files:
        context["file"] = f  # named in the message if loading fails
        if not os.path.isfile(f):
            raise DataFormatError("file not found" if not os.path.exists(f) else
                                  "not a regular file", file=f)
        measurements.append(load(f, columns=row.get("columns") or None, **load_kw,
                                 **metadata))
    context.pop("file", None)
    Vg_V, source, notes = gate_voltage(measurements, files, Vg_manifest)
    context["notes"] = notes
    if Vg_manifest is not None:
        for m in measurements:
            m.metadata["Vg_V"] = float(Vg_manifest)
    result = module.analyze(measurements, **row["options"])
    values = {str(k): _plain(v) for k, v in result.to_row().items()}
    plot = None
    if row.get("plot_path"):
        from ..plotting import new_figure, save_figure
        from ..transport.plots import verdict_banner

        fig = new_figure()
        module.plot(result, fig)
        verdict_banner(fig, result)
        _title(fig, row.get("title"))
        save_figure(fig, row["plot_path"])
        plot = Path(row["plot_path"]).name
    from ..transport.result import strict_jsonable

    return {"status": "ok", "values": values, "quality": result.quality.to_dict(),
            "options": strict_jsonable(result.options), "plot": plot,
            "Vg_V": Vg_V, "Vg_source": source}


#: gate voltages closer than this (V) are the same value
VG_TOLERANCE_V = 1e-6


def gate_voltage(measurements: Sequence[Any], files: Sequence[str],
                 Vg_manifest: float | None) -> tuple[float | None, str | None, list[str]]:
    """The gate voltage of a row: the manifest's, else the one its data files state.

    Parameters
    ----------
    measurements
        The loaded files (:class:`~ktoanalysis.io.Measurement`); their
        ``metadata['Vg_V']`` (V) is what the loader read from a header comment (``gate
        voltage``, ``Vg``...) or a QCoDeS station snapshot.
    files
        Their paths (named in the notes).
    Vg_manifest
        The row's ``Vg_V`` (V), or ``None``.

    Returns
    -------
    (Vg_V, source, notes)
        The gate voltage in V and where it came from (``"manifest"``, ``"file"``, or
        ``None`` with ``Vg_V`` ``None`` when neither states one, or when the files disagree
        among themselves), and warning texts: a file value that differs from the manifest
        by more than :data:`VG_TOLERANCE_V` (the manifest's value is used), files that
        disagree with each other.
    """
    stated: list[tuple[str, float]] = []
    for f, m in zip(files, measurements, strict=False):
        v = m.metadata.get("Vg_V")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
            stated.append((Path(f).name, float(v)))
    notes: list[str] = []
    if Vg_manifest is not None:
        for name, v in stated:
            if abs(v - Vg_manifest) > VG_TOLERANCE_V:
                notes.append(f"GateVoltageConflict: {name}: the file states a gate voltage of "
                             f"{v:g} V, the manifest Vg_V = {Vg_manifest:g} V; the "
                             "manifest's value is used")
        return float(Vg_manifest), "manifest", notes
    if not stated:
        return None, None, notes
    values = [v for _, v in stated]
    if max(values) - min(values) > VG_TOLERANCE_V:
        listed = ", ".join(f"{name}: {v:g} V" for name, v in stated)
        notes.append(f"GateVoltageConflict: the files of this row state different gate "
                     f"voltages ({listed}); no gate voltage is used (set Vg_V in the "
                     "manifest)")
        return None, None, notes
    return values[0], "file", notes


def _title(fig: Any, title: str | None) -> None:
    """Put ``title`` (sample, kind, files) above the verdict banner of a figure."""
    if not title:
        return
    st = getattr(fig, "_suptitle", None)
    if st is not None and st.get_text():
        st.set_text(f"{title}\n{st.get_text()}")
    else:
        fig.suptitle(title, fontsize=9, ha="left", x=0.01)


def _message(exc: Exception, files: Sequence[str]) -> str:
    text = str(exc) or type(exc).__name__
    if not any(f in text or Path(f).name in text for f in files):
        text = f"{'; '.join(files)}: {text}"
    return text


def _plain(v: Any) -> Any:
    """A JSON-friendly Python scalar (NaN kept as float NaN)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v)
    if v is None or isinstance(v, str):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)
