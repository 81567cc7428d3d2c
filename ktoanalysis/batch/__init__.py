"""Sample series: analyse every row of a manifest, locally or on a dask cluster.

>>> from ktoanalysis.batch import run_series
>>> series = run_series("series.toml", "out", jobs=4)          # doctest: +SKIP
>>> series.results[["sample", "n2d_m2", "Tc_mid_K", "Tc_mid_K_err"]]  # doctest: +SKIP

See :mod:`ktoanalysis.batch.manifest` for the manifest format and the two severities of
problems, and :mod:`ktoanalysis.batch.runner` for the output folder.
"""

from .executors import SerialExecutor, as_executor, dask_available, dask_local_client
from .jobs import make_job, run_row
from .manifest import SELFTEST_KINDS, Manifest, ManifestRow, load_manifest, parse_rows
from .results import Failure
from .runner import EXIT_SOME_FAILED, SeriesResult, run_series

__all__ = [
    "EXIT_SOME_FAILED", "Failure", "Manifest", "ManifestRow", "SELFTEST_KINDS", "SerialExecutor",
    "SeriesResult", "as_executor", "dask_available", "dask_local_client", "load_manifest",
    "make_job", "parse_rows", "run_row", "run_series",
]
