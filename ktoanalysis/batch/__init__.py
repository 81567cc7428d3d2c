"""Sample series: analyse every row of a manifest, locally or on a dask cluster.

>>> from ktoanalysis.batch import run_series
>>> series = run_series("series.toml", "out", jobs=4)          # doctest: +SKIP
>>> series.results[["sample", "n2d_cm2", "Tc_mid_K", "Tc_mid_K_err"]]  # doctest: +SKIP
>>> read_results("out/results.csv")                               # doctest: +SKIP

See :mod:`ktoanalysis.batch.manifest` for the manifest format and the two severities of
problems, :mod:`ktoanalysis.batch.runner` for the output folder,
:mod:`ktoanalysis.batch.tables` for the table conventions, :mod:`ktoanalysis.batch.outdir`
for the lock and ownership of the output folder and :mod:`ktoanalysis.batch.report` for
``report.html``.
"""

from .executors import SerialExecutor, as_executor, dask_available, dask_local_client
from .jobs import make_job, run_row
from .manifest import SELFTEST_KINDS, Manifest, ManifestRow, load_manifest, parse_rows
from .outdir import OutputFolderError, claim_output
from .results import Failure
from .runner import (
    EXIT_SOME_FAILED,
    SeriesInterrupted,
    SeriesResult,
    run_series,
    write_series_table,
)
from .tables import read_results

__all__ = [
    "EXIT_SOME_FAILED", "Failure", "Manifest", "ManifestRow", "OutputFolderError",
    "SELFTEST_KINDS", "SerialExecutor", "SeriesInterrupted", "SeriesResult", "as_executor",
    "claim_output", "dask_available", "dask_local_client", "load_manifest", "make_job",
    "parse_rows", "read_results", "run_row", "run_series", "write_series_table",
]
