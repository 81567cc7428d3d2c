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
    "the dask extra). Writes DIR/results.csv (one line per analysis, manifest order), "
    "DIR/failures.csv (failed rows, the error naming the file), DIR/plots/ and DIR/rows/ "
    "(per-row records used by --resume).\n\n"
    "Exit codes: 0 every row succeeded; 4 some rows failed (the others completed, see "
    "failures.csv); 3 invalid manifest or option (nothing was run); 2 command-line usage "
    "error."
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
        resume: Annotated[bool, typer.Option(
            "--resume", help="skip rows whose records show they already succeeded with "
            "unchanged content")] = False,
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

        from ..batch import SELFTEST_KINDS, run_series
        from ..batch.executors import dask_client, dask_local_client
        from ..errors import KtoError
        from . import EXIT_SOME_FAILED

        if dask_local is not None and dask is not None:
            raise KtoError("give either --dask-local N or --dask ADDRESS, not both")
        if jobs > 1 and (dask_local is not None or dask is not None):
            raise KtoError("--jobs applies to the local process pool; with dask the "
                           "cluster's workers run the rows")
        show = sys.stderr.isatty() if progress is None else progress
        with ExitStack() as stack:
            executor = None
            if dask_local is not None:
                executor = stack.enter_context(dask_local_client(dask_local))
            elif dask is not None:
                executor = stack.enter_context(dask_client(dask))
            series = run_series(manifest, out, executor=executor, jobs=jobs, resume=resume,
                                progress=show, plots=plots, strict=strict,
                                extra_kinds=SELFTEST_KINDS if allow_selftest else None)
        resumed = f" ({series.n_resumed} from earlier records)" if series.n_resumed else ""
        verdict_fail = series.n_verdict_fail
        typer.echo(f"{series.n_rows} rows: {series.n_ok} succeeded{resumed}, "
                   f"{series.n_failed} failed"
                   + (f", {verdict_fail} with verdict fail (see the quality and flags "
                      "columns)" if verdict_fail else ""))
        typer.echo(f"results: {series.results_path}")
        if series.n_failed:
            typer.echo(f"failures: {series.failures_path}", err=True)
            for failure in series.failed:
                typer.echo(f"  {failure}", err=True)
        if series.n_failed or verdict_fail:
            raise typer.Exit(EXIT_SOME_FAILED)
