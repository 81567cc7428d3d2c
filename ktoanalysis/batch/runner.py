"""Run a sample series: every manifest row as an independent job, results in tables.

Output folder layout
--------------------
``results.csv``
    One line per successful analysis, in manifest order: ``row``, ``sample``, ``kind``,
    ``files``, metadata (``orientation`` as a label such as ``(001)``, ``n2d_cm2``
    (cm^-2), ``Vg_V``, ``polarization``, ``channel``), ``options`` (JSON: the resolved
    options, defaults included), ``ktoanalysis_version`` (the version that analysed the
    row), ``inputs_sha256`` (SHA-256 of each data file, ``;``-separated in the order of
    ``files``), ``run`` (the QCoDeS run id of a ``.db`` row, else empty), ``Vg_source``
    (``manifest`` or ``file``: where ``Vg_V`` comes from, a row without ``Vg_V`` taking
    the gate voltage its data file states; empty without one), ``quality`` (verdict) and
    ``flags`` (codes, ``;``-separated), then every
    parameter with its ``_err`` column (empty when unknown) and the fit statistics
    (``stat_*``). A parameter named like a metadata column (a Hall ``n2d_cm2``) is
    written as ``fit_<name>`` and ``fit_<name>_err``; densities are in cm^-2 only (see
    :mod:`ktoanalysis.batch.tables`). Read it back with
    :func:`~ktoanalysis.batch.tables.read_results` (every dtype restored).
``results_long.csv``
    The same parameters as a long (tidy) table: ``row``, ``sample``, ``kind``,
    ``parameter``, ``value``, ``stderr``, ``unit``, ``verdict``, ``flags``.
``results.parquet``, ``results_long.parquet``
    Typed copies of both tables, when pyarrow is installed (the ``parquet`` extra).
``failures.csv``
    One line per failed row: ``row``, ``sample``, ``kind``, ``files``, ``error_type``,
    ``message`` (naming the file). Header only when nothing failed.
``series/``
    Series-level tables (one value per series or per group of rows, e.g. a gate
    series), written with :func:`write_series_table`; reserved for them. When rows carry
    a gate voltage or a polarization state: ``series.csv``, ``series.json`` and the
    series figures (see :mod:`ktoanalysis.batch.series_level`).
``plots/<row>_<sample>_<kind>.png``
    The figure of each successful row (unless ``plots=False``); ``<row>`` zero-padded
    to three digits (more for longer manifests), so the files sort in manifest order.
    Each figure's title names the sample, kind and data files.
``rows/<row>.json``
    The record of each finished row (strict JSON: non-finite numbers are ``null``), with
    ``ktoanalysis_version``, ``options`` (resolved), ``quality`` (verdict, flags and
    messages) and ``inputs`` (``[{"file", "sha256"}]``, ``sha256`` null for a missing
    file), keyed by a hash of the row's content (fields, options, data-file sizes and
    modification times, package version). A run with ``resume=True`` reuses the
    successful records whose key still matches and reruns the rest (new, edited or
    failed rows).
``report.html``
    With ``report=True`` (``--report``): one self-contained page, see
    :mod:`ktoanalysis.batch.report`.
``.ktoanalysis-out``, ``.ktoanalysis.lock``
    The folder's mark and lock (see :mod:`ktoanalysis.batch.outdir`): one run at a
    time; a folder holding files the toolkit did not write is refused unless
    ``force=True``.

Every file is written atomically, so a run killed at any moment leaves complete records
of the rows it finished and a resumed run ends with the same tables as an uninterrupted
one. SIGINT and SIGTERM of the parent stop the local workers at once, leave the records
of the finished rows and no table (a table always describes a finished run), and raise
:class:`SeriesInterrupted`; ``resume=True`` then completes the series. Temporary files
of interrupted writes and figures of rows no longer in the manifest are removed at the
start of every run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..transport.result import input_files, package_version
from .executors import as_executor, stop_pool
from .jobs import make_job, run_row
from .manifest import Manifest, ManifestRow, load_manifest
from .outdir import claim_output, remove_stale
from .results import Failure, read_json, write_csv_atomic, write_json_atomic
from .tables import (
    LONG_COLUMNS,
    long_table,
    orientation_label,
    parquet_available,
    typed_table,
    user_units,
)

__all__ = ["SeriesResult", "SeriesInterrupted", "run_series", "write_series_table",
           "plot_name", "RESULT_META_COLUMNS", "FAILURE_COLUMNS", "EXIT_OK",
           "EXIT_SOME_FAILED"]

log = logging.getLogger(__name__)

#: leading columns of ``results.csv`` (parameters and statistics follow)
RESULT_META_COLUMNS: tuple[str, ...] = ("row", "sample", "kind", "files", "orientation",
                                        "n2d_cm2", "Vg_V", "polarization", "channel",
                                        "options", "ktoanalysis_version", "inputs_sha256",
                                        "run", "Vg_source")
#: columns of ``failures.csv``
FAILURE_COLUMNS: tuple[str, ...] = ("row", "sample", "kind", "files", "error_type", "message")

#: exit status of a series where every row succeeded / where some rows failed (the same
#: values as the ``batch`` command)
EXIT_OK = 0
EXIT_SOME_FAILED = 4

_RECORD_NAME = re.compile(r"^\d+\.json$")
_PLOT_NAME = re.compile(r"^\d+_.+\.png$")


class SeriesInterrupted(BaseException):
    """The series was stopped by SIGINT or SIGTERM (a ``BaseException``, like
    ``KeyboardInterrupt``, so no ``except Exception`` swallows it).

    Attributes
    ----------
    signum
        The signal number.
    n_done
        Rows with a record (finished before the signal, or reused).
    total
        Rows in the manifest.
    """

    def __init__(self, signum: int, n_done: int = 0, total: int = 0) -> None:
        super().__init__(signum, n_done, total)
        self.signum, self.n_done, self.total = signum, n_done, total

    def __str__(self) -> str:
        name = signal.Signals(self.signum).name
        return (f"interrupted by {name}: {self.n_done} of {self.total} rows have records; "
                "no tables were written; rerun with --resume to finish the series")

ProgressCallback = Callable[[int, int], Any]


@dataclass
class SeriesResult:
    """Outcome of :func:`run_series`.

    Attributes
    ----------
    out_dir
        Output folder.
    results, failures
        The tables written to ``results.csv`` and ``failures.csv``.
    records
        Per-row records (manifest order), as stored in ``rows/<row>.json``.
    n_resumed
        Rows taken from a previous run's records instead of being run again.
    long
        The long (tidy) table written to ``results_long.csv``.
    series_tables
        Series-level tables (name -> table), written to ``series/<name>.csv``.
    manifest
        The manifest file, when the series was read from one.
    """

    out_dir: Path
    results: pd.DataFrame
    failures: pd.DataFrame
    records: list[dict[str, Any]] = field(repr=False, default_factory=list)
    n_resumed: int = 0
    long: pd.DataFrame | None = field(repr=False, default=None)
    series_tables: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    manifest: Path | None = None

    @property
    def n_rows(self) -> int:
        """Number of rows in the manifest."""
        return len(self.records)

    @property
    def n_failed(self) -> int:
        """Number of failed rows."""
        return len(self.failures)

    @property
    def n_ok(self) -> int:
        """Number of successful rows."""
        return len(self.results)

    @property
    def results_path(self) -> Path:
        """Path of ``results.csv``."""
        return self.out_dir / "results.csv"

    @property
    def failures_path(self) -> Path:
        """Path of ``failures.csv``."""
        return self.out_dir / "failures.csv"

    @property
    def long_path(self) -> Path:
        """Path of ``results_long.csv``."""
        return self.out_dir / "results_long.csv"

    @property
    def failed(self) -> list[Failure]:
        """The failed rows as :class:`Failure` records (manifest order)."""
        return [Failure(row=int(f.row), sample=str(f.sample), kind=str(f.kind),
                        files=str(f.files), error_type=str(f.error_type),
                        message=str(f.message))
                for f in self.failures.itertuples(index=False)]

    @property
    def n_verdict_fail(self) -> int:
        """Number of completed rows whose quality verdict is ``fail``."""
        if self.results is None or "quality" not in getattr(self.results, "columns", ()):
            return 0
        return int((self.results["quality"] == "fail").sum())

    @property
    def exit_code(self) -> int:
        """``EXIT_OK`` (0) when every row succeeded with a verdict ok/warn, else
        ``EXIT_SOME_FAILED`` (4)."""
        return EXIT_OK if self.n_failed == 0 and self.n_verdict_fail == 0 else \
            EXIT_SOME_FAILED


def run_series(
    manifest: str | Path | Manifest,
    out_dir: str | Path,
    executor: Any = None,
    jobs: int = 1,
    resume: bool = False,
    progress: bool | ProgressCallback = False,
    plots: bool = True,
    *,
    strict: bool = False,
    extra_kinds: Mapping[str, str] | None = None,
    force: bool = False,
    report: bool = False,
    lock: bool = True,
) -> SeriesResult:
    """Analyse every row of a manifest and write the series tables.

    With ``jobs > 1`` the rows run in spawned worker processes, so a plain script that
    calls this function must guard its entry point with ``if __name__ == "__main__":``
    (the ``ktoanalysis batch`` command and Jupyter need nothing).

    Parameters
    ----------
    manifest
        Manifest file (TOML or CSV) or an already validated :class:`Manifest`.
    out_dir
        Output folder (created); see the module documentation for its layout.
    executor
        ``None`` (serial when ``jobs == 1``, else a local process pool of ``jobs``
        workers), any :class:`concurrent.futures.Executor` (not shut down here), or a
        ``distributed.Client`` (its workers must see the files at the same paths).
    jobs
        Number of local worker processes when ``executor`` is ``None``.
    resume
        Reuse the records of rows that already succeeded with unchanged content.
    progress
        ``True`` draws a tqdm bar on stderr; a callable is called as
        ``progress(done, total)`` after each finished row (an exception it raises aborts
        the run; finished rows keep their records).
    plots
        Write one figure per successful row in ``plots/``.
    strict
        Missing data files are :class:`ManifestError` before any work (default: those
        rows fail and the others run).
    extra_kinds
        Additional analysis kinds (name -> module), see :func:`load_manifest`.
    force
        Write into a non-empty folder that ktoanalysis did not write (refused otherwise,
        :class:`~ktoanalysis.batch.outdir.OutputFolderError`).
    report
        Also write ``report.html`` (:func:`ktoanalysis.batch.report.write_report`).
    lock
        Take the folder's lock and check its ownership here; ``False`` when the caller
        already holds it (:func:`~ktoanalysis.batch.outdir.claim_output`).

    Returns
    -------
    SeriesResult

    Raises
    ------
    ManifestError
        If the manifest has a structural problem (nothing is run).
    OutputFolderError
        Another run writes to ``out_dir``, or it holds files ktoanalysis did not write.
    SeriesInterrupted
        SIGINT or SIGTERM arrived (workers stopped; finished rows keep their records).
    """
    man = manifest if isinstance(manifest, Manifest) else \
        load_manifest(manifest, strict=strict, extra_kinds=extra_kinds)
    if not lock:
        return _run_locked(man, Path(out_dir), executor, jobs, resume, progress, plots,
                           report)
    with claim_output(out_dir, force=force) as out:
        return _run_locked(man, out, executor, jobs, resume, progress, plots, report)


def _run_locked(man: Manifest, out: Path, executor: Any, jobs: int, resume: bool,
                progress: bool | ProgressCallback, plots: bool,
                report: bool) -> SeriesResult:
    rows_dir, plots_dir = out / "rows", out / "plots"
    rows_dir.mkdir(parents=True, exist_ok=True)
    width = plot_width(len(man.rows))
    names = {row.index: plot_name(row, width) for row in man.rows}
    if plots:
        plots_dir.mkdir(parents=True, exist_ok=True)
    # leftovers of interrupted writes, and figures no current row produces
    remove_stale(out, keep_plots=set(names.values()) if resume else ())
    # the tables exist only for a finished run: a stale set would look current
    for name in _TABLE_FILES:
        (out / name).unlink(missing_ok=True)
    if not resume:
        for p in rows_dir.iterdir():
            if _RECORD_NAME.match(p.name):
                p.unlink()

    records: dict[int, dict[str, Any]] = {}
    pending: list[tuple[ManifestRow, dict[str, Any], str]] = []
    for row in man.rows:
        job = make_job(row, plots_dir / names[row.index] if plots else None,
                       title=plot_title(row, man.base_dir))
        key = row_key(job)
        if resume:
            rec = _reusable(rows_dir / f"{row.index}.json", key, plots_dir if plots else None)
            if rec is not None:
                records[row.index] = rec
                continue
        pending.append((row, job, key))
    n_resumed = len(records)
    total = len(man.rows)
    if pending:
        version = package_version()

        def stamp(row: ManifestRow, rec: dict[str, Any]) -> None:
            rec.update(_provenance(row, man.base_dir, version))

        with _signals_raise(lambda: len(records), total):
            _execute(pending, records, rows_dir, executor, jobs, progress, n_resumed, total,
                     stamp)

    ordered = [records[r.index] for r in man.rows]
    for row, rec in zip(man.rows, ordered, strict=True):
        for note in rec.get("warnings") or ():
            if note.startswith("GateVoltageConflict: "):  # see jobs.gate_voltage
                log.warning("%s: %s", row.label, note.split(": ", 1)[1])
    results, failures = _tables(man, ordered)
    long = long_table(results, RESULT_META_COLUMNS)
    # the wide table last: its presence says the set is complete
    write_csv_atomic(failures, out / "failures.csv", FAILURE_COLUMNS)
    write_csv_atomic(long, out / "results_long.csv", LONG_COLUMNS)
    if parquet_available():
        _write_parquet(results, out / "results.parquet")
        _write_parquet(long, out / "results_long.parquet")
    write_csv_atomic(results, out / "results.csv", RESULT_META_COLUMNS)
    from .series_level import write_series_level  # gate / polarization series: series/

    _, series_tables = write_series_level(out, results, plots=plots)
    series = SeriesResult(out_dir=out, results=results, failures=failures, records=ordered,
                          n_resumed=n_resumed, long=long, manifest=man.path,
                          series_tables=series_tables)
    if report:
        from .report import write_report

        write_report(series, out / "report.html")
    return series


#: the tables of a finished run (removed when a run starts)
_TABLE_FILES: tuple[str, ...] = ("results.csv", "failures.csv", "results_long.csv",
                                 "results.parquet", "results_long.parquet", "report.html")


def write_series_table(out_dir: str | Path, name: str, table: pd.DataFrame) -> Path:
    """Write a series-level table to ``<out_dir>/series/<name>.csv`` (and ``.parquet``
    when pyarrow is installed), atomically.

    The place for results that describe the series rather than one row (a fit across a
    gate series, a Tc(n2D) trend). Densities in cm^-2 and orientation labels as in
    ``results.csv``.

    Parameters
    ----------
    out_dir
        The series' output folder.
    name
        Table name: letters, digits, ``_``, ``-``, ``.``, ``+``.
    table
        The table.
    """
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+", name):
        raise ValueError(f"series table name {name!r}: letters, digits, _ - . + only")
    folder = Path(out_dir) / "series"
    path = write_csv_atomic(table, folder / f"{name}.csv")
    if parquet_available():
        _write_parquet(table, folder / f"{name}.parquet")
    return path


def _write_parquet(table: pd.DataFrame, path: Path) -> Path:
    from .._fileio import write_via_temp

    return write_via_temp(path, lambda tmp: table.to_parquet(tmp, index=False))


def plot_width(n_rows: int) -> int:
    """Digits of the row number in figure names: 3, or more for longer manifests."""
    return max(3, len(str(max(n_rows, 1))))


def plot_name(row: ManifestRow, width: int = 3) -> str:
    """File name of a row's figure: ``<row>_<sample>_<kind>.png``, the row zero-padded
    to ``width`` digits (``007_KTO111-A_tc.png``), the sample made file-safe."""
    sample = re.sub(r"[^A-Za-z0-9._+-]+", "-", row.sample).strip("-") or "sample"
    return f"{row.index:0{width}d}_{sample}_{row.kind}.png"


def plot_title(row: ManifestRow, base: Path) -> str:
    """Title line of a row's figure: sample, kind and data files."""
    names = _display_names(row, base)
    shown = ", ".join(names[:2]) + (f" (+{len(names) - 2} files)" if len(names) > 2 else "")
    return f"{row.sample} | {row.kind} | {shown}"


def row_key(job: Mapping[str, Any]) -> str:
    """Hash of what determines a row's result: fields, options, data files, version.

    Data files enter through their path, size and modification time (ns).
    """
    from .. import __version__

    stats = []
    for f in job["files"]:
        try:
            st = os.stat(f)
            stats.append([f, st.st_size, st.st_mtime_ns])
        except OSError:
            stats.append([f, None, None])
    content = {k: v for k, v in job.items() if k not in ("plot_path", "files")}
    content.update(files=stats, version=__version__)
    text = json.dumps(content, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------


def _reusable(path: Path, key: str, plots_dir: Path | None) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        rec = read_json(path)
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("key") != key or rec.get("status") != "ok":
        return None
    if "ktoanalysis_version" not in rec or "inputs" not in rec:  # written before provenance
        return None
    if plots_dir is not None and not (rec.get("plot") and (plots_dir / rec["plot"]).is_file()):
        return None
    return rec


def _provenance(row: ManifestRow, base: Path, version: str) -> dict[str, Any]:
    """``ktoanalysis_version`` and ``inputs`` (file names as in ``results.csv``, SHA-256)
    of a row's record."""
    return {"ktoanalysis_version": version,
            "inputs": input_files(row.files, _display_names(row, base))}


@contextmanager
def _signals_raise(n_done: Callable[[], int], total: int) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`SeriesInterrupted` in the main
    thread (so the workers are stopped and the lock released); the previous handlers
    are restored after. Outside the main thread nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise SeriesInterrupted(signum, n_done(), total)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def _execute(pending, records, rows_dir, executor, jobs, progress, n_done, total,
             stamp) -> None:
    ex, width, owned = as_executor(executor, jobs)
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=n_done, unit="row", desc="series", leave=False)
    callback = progress if callable(progress) else None
    in_flight: dict[Future, tuple[ManifestRow, str]] = {}
    queue = iter(pending)

    def finish(row: ManifestRow, key: str, rec: dict[str, Any]) -> None:
        nonlocal n_done
        rec["key"] = key
        stamp(row, rec)
        path = write_json_atomic(rec, rows_dir / f"{row.index}.json")
        # store what a resumed run reads back, so both give identical tables
        records[row.index] = read_json(path)
        n_done += 1
        if bar is not None:
            bar.update(1)
        if callback is not None:
            callback(n_done, total)

    def submit_next() -> bool:
        for row, job, key in queue:
            try:
                in_flight[ex.submit(run_row, job)] = (row, key)
                return True
            except Exception as exc:  # broken pool, closed client...
                finish(row, key, _executor_failure(row, exc))
        return False

    try:
        while len(in_flight) < width and submit_next():
            pass
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: in_flight[f][0].index):
                row, key = in_flight.pop(fut)
                try:
                    rec = fut.result()
                except Exception as exc:  # the worker died or could not unpickle the job
                    rec = _executor_failure(row, exc)
                finish(row, key, rec)
                submit_next()
    except BaseException as exc:
        for fut in in_flight:
            fut.cancel()
        if owned and isinstance(exc, (SeriesInterrupted, KeyboardInterrupt)):
            owned = False
            stop_pool(ex)  # terminate the running workers now: no orphans
        raise
    finally:
        if bar is not None:
            bar.close()
        if owned:
            ex.shutdown(wait=True, cancel_futures=True)


def _executor_failure(row: ManifestRow, exc: BaseException) -> dict[str, Any]:
    return {"index": row.index, "sample": row.sample, "kind": row.kind, "status": "failed",
            "error_type": type(exc).__name__,
            "message": f"{'; '.join(row.files)}: the executor could not run this row: "
                       f"{exc or type(exc).__name__}",
            "warnings": [], "elapsed_s": 0.0}


def _display_names(row: ManifestRow, base: Path) -> list[str]:
    """The row's files relative to the manifest's folder (absolute when outside it)."""
    shown = []
    for f in row.files:
        p = Path(f)
        try:
            shown.append(p.relative_to(base).as_posix())
        except ValueError:
            shown.append(str(p))
    return shown


def _display_files(row: ManifestRow, base: Path) -> str:
    return ";".join(_display_names(row, base))


def _meta_cell(v: Any) -> Any:
    return "" if v is None else v


def _column_name(name: str) -> str:
    """Results column of a parameter: ``fit_`` prefixed where the name (or its value
    column, for ``<name>_err``) would clash with a metadata column (e.g. a Hall
    ``n2d_m2`` next to the manifest's ``n2d_m2``)."""
    base = name[:-4] if name.endswith("_err") else name
    return f"fit_{name}" if base in RESULT_META_COLUMNS else name


def _tables(man: Manifest, records: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    ok_rows: list[dict[str, Any]] = []
    fail_rows: list[dict[str, Any]] = []
    params: dict[str, None] = {}
    stats: dict[str, None] = {}
    for row, rec in zip(man.rows, records, strict=True):
        files = _display_files(row, man.base_dir)
        if rec.get("status") == "ok":
            options = rec.get("options")
            # the gate voltage the row ran with: the manifest's, else the data file's
            Vg_V = rec.get("Vg_V", row.Vg_V)
            Vg_source = rec.get("Vg_source", "manifest" if row.Vg_V is not None else None)
            line = {"row": row.index, "sample": row.sample, "kind": row.kind, "files": files,
                    "orientation": orientation_label(row.orientation),
                    "n2d_cm2": math.nan if row.n2d_m2 is None else row.n2d_m2 * 1e-4,
                    "Vg_V": Vg_V, "polarization": row.polarization,
                    "channel": row.channel,
                    "options": json.dumps(row.options if options is None else options,
                                          sort_keys=True),
                    "ktoanalysis_version": rec.get("ktoanalysis_version", ""),
                    "inputs_sha256": ";".join(i.get("sha256") or ""
                                              for i in rec.get("inputs", [])),
                    "run": _meta_cell(row.run), "Vg_source": _meta_cell(Vg_source)}
            for k, v in user_units(rec["values"]).items():
                k = _column_name(k)
                (stats if k.startswith("stat_") else params).setdefault(k, None)
                line[k] = math.nan if v is None else v
            ok_rows.append(line)
        else:
            fail_rows.append({"row": row.index, "sample": row.sample, "kind": row.kind,
                              "files": files, "error_type": rec.get("error_type", ""),
                              "message": rec.get("message", "")})
    columns = [*RESULT_META_COLUMNS, *params, *stats]
    results = typed_table(pd.DataFrame(ok_rows, columns=columns))
    failures = typed_table(pd.DataFrame(fail_rows, columns=list(FAILURE_COLUMNS)))
    return results, failures
