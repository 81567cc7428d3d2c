"""``ktoanalysis batch MANIFEST --out DIR``: analyse a sample series."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

HELP = (
    "Analyse every row of a sample-series MANIFEST (TOML with run tables, or CSV).\n\n"
    "Each row (data files, sample metadata, analysis kind and options) runs as an "
    "independent job: serially (--jobs 1), on a local process pool (--jobs N), or on a "
    "dask.distributed cluster (--dask-local N starts one, --dask ADDRESS joins one; needs "
    "the dask extra). Writes DIR/results.csv (one line per analysis, manifest order; "
    "densities in cm^-2, orientation as a label such as (001)), DIR/results_long.csv "
    "(sample, kind, parameter, value, stderr, unit, verdict), Parquet copies when pyarrow "
    "is installed, DIR/failures.csv (failed rows, the error naming the file), DIR/plots/ "
    "and DIR/rows/ (per-row records used by --resume); with --report also "
    "DIR/report.html (one self-contained page).\n\n"
    "DIR is locked while the run lasts (a second run into it stops at once) and a "
    "non-empty DIR holding files ktoanalysis did not write is refused unless --force. "
    "SIGINT/SIGTERM stop the workers; rerun with --resume to finish.\n\n"
    "Exit codes: 0 every row succeeded; 4 some rows failed (the others completed, see "
    "failures.csv); 3 invalid manifest, option or output folder, or no dask scheduler "
    "answered (nothing was run); 2 command-line usage error; 130/143 interrupted by "
    "SIGINT/SIGTERM."
)


def register(app: typer.Typer) -> None:
    """Add the ``batch`` command."""

    @app.command(help=HELP)
    def batch(
        manifest: Annotated[Path, typer.Argument(help="manifest file (.toml or .csv)")],
        out: Annotated[Path, typer.Option("--out", "-O", help="output folder")],
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=1,
                                          help="local worker processes (1 = serial)")] = 1,
        dask_local: Annotated[int | None, typer.Option(
            "--dask-local", min=1, help="run on a local dask cluster of N worker processes")]
        = None,
        dask: Annotated[str | None, typer.Option(
            "--dask", help="address of a running dask scheduler, e.g. tcp://host:8786 "
            "(workers must see the files at the same paths)")] = None,
        dask_timeout: Annotated[float, typer.Option(
            "--dask-timeout", min=0.1, help="seconds to wait for the --dask scheduler to "
            "answer before giving up (exit 3)")] = 10.0,
        resume: Annotated[bool, typer.Option(
            "--resume", help="skip rows whose records show they already succeeded with "
            "unchanged content (stale figures and temporary files are removed)")] = False,
        force: Annotated[bool, typer.Option(
            "--force", help="write into a non-empty --out that holds files ktoanalysis did "
            "not write (they are left alone; files of its own names are replaced)")]
        = False,
        report: Annotated[bool, typer.Option(
            "--report", help="also write DIR/report.html: series table, figures, overlay "
            "and provenance on one self-contained page")] = False,
        plots: Annotated[bool, typer.Option("--plots/--no-plots",
                                            help="write one figure per row")] = True,
        strict: Annotated[bool, typer.Option(
            "--strict", help="treat a missing data file as a manifest error (exit 3, "
            "nothing run) instead of a failed row")] = False,
        progress: Annotated[bool | None, typer.Option(
            "--progress/--no-progress", help="progress bar (default: when stderr is a "
            "terminal)")] = None,
        allow_selftest: Annotated[bool, typer.Option(
            "--allow-selftest", hidden=True,
            help="accept the 'selftest' kind (testing the batch machinery)")] = False,
    ) -> None:
        from contextlib import ExitStack

        from ..batch import SELFTEST_KINDS, load_manifest, run_series
        from ..batch.executors import check_dask_address, dask_client, dask_local_client
        from ..batch.outdir import claim_output
        from ..batch.runner import SeriesInterrupted
        from ..errors import KtoError
        from . import EXIT_SOME_FAILED

        if dask_local is not None and dask is not None:
            raise KtoError("give either --dask-local N or --dask ADDRESS, not both")
        if jobs > 1 and (dask_local is not None or dask is not None):
            raise KtoError("--jobs applies to the local process pool; with dask the "
                           "cluster's workers run the rows")
        if dask is not None:
            dask = check_dask_address(dask)  # before anything is written
        man = load_manifest(manifest, strict=strict,
                            extra_kinds=SELFTEST_KINDS if allow_selftest else None)
        from ._log import verbosity

        # -q: no bar unless --progress asks for one
        show = (sys.stderr.isatty() and verbosity() >= 0) if progress is None else progress
        try:
            with claim_output(out, force=force) as folder, ExitStack() as stack:
                executor = None
                if dask_local is not None:
                    executor = stack.enter_context(dask_local_client(dask_local))
                elif dask is not None:
                    executor = stack.enter_context(dask_client(dask, timeout_s=dask_timeout))
                series = run_series(man, folder, executor=executor, jobs=jobs, resume=resume,
                                    progress=show, plots=plots, lock=False)
                if report:
                    report_path = write_batch_report(series)
        except SeriesInterrupted as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(128 + exc.signum) from None
        resumed = f" ({series.n_resumed} from earlier records)" if series.n_resumed else ""
        verdict_fail = series.n_verdict_fail
        typer.echo(f"{series.n_rows} rows: {series.n_ok} succeeded{resumed}, "
                   f"{series.n_failed} failed"
                   + (f", {verdict_fail} with verdict fail (see the quality and flags "
                      "columns)" if verdict_fail else ""))
        typer.echo(f"results: {series.results_path}")
        if report:
            typer.echo(f"report: {report_path}")
        if series.n_failed:
            typer.echo(f"failures: {series.failures_path}", err=True)
            for failure in series.failed:
                typer.echo(f"  {failure}", err=True)
        if series.n_failed or verdict_fail:
            raise typer.Exit(EXIT_SOME_FAILED)


def write_batch_report(series, theory=None) -> Path:
    """``report.html`` of a batch run, with the theory-vs-experiment overlay when the
    series has Tc results and the bundled theory table is present (otherwise the page
    says why there is no overlay)."""
    from .._data import data_path
    from ..batch.report import write_report
    from ..errors import KtoError

    overlay, note = None, None
    res = series.results
    if res is None or "Tc_mid_K" not in getattr(res, "columns", ()) or \
            not res["Tc_mid_K"].notna().any():
        note = "No overlay: the series has no Tc results (tc rows)."
    else:
        theory_csv = Path(theory) if theory is not None else data_path("theory_tc.csv")
        if not theory_csv.is_file():
            note = (f"No overlay: the theory table {theory_csv} is absent; run "
                    "ktoanalysis overlay with --theory to draw one.")
        else:
            from ..compare.overlay import plot_overlay

            overlay = series.out_dir / "overlay.png"
            try:
                plot_overlay(series.results_path, theory_csv, out=overlay)
            except KtoError as exc:
                overlay, note = None, f"No overlay: {exc}"
    return write_report(series, overlay=overlay, overlay_note=note)
