"""Executors for sample series: the core speaks only :mod:`concurrent.futures`.

* :class:`SerialExecutor`: runs each job in the calling process when submitted
  (``jobs=1``; easiest to debug, no pickling).
* a local :class:`~concurrent.futures.ProcessPoolExecutor` (``jobs=N``), whose workers
  start by *spawning* (safe whatever threads the parent runs) and pin numba to one
  thread each;
* a ``dask.distributed`` cluster (optional ``dask`` extra): a local one with
  :func:`dask_local_client` or any :class:`distributed.Client`, used through
  ``client.get_executor()``.

:func:`as_executor` turns any of these (or ``None``) into an executor plus the number of
jobs worth keeping in flight.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from ..errors import KtoError

__all__ = [
    "SerialExecutor", "as_executor", "dask_available", "dask_local_client", "dask_client",
    "limit_worker_threads", "process_pool",
]

#: environment of batch workers: one thread per process for numba and BLAS, since the
#: parallelism is over rows (dask's nanny pins OMP/MKL/OpenBLAS but not numba)
WORKER_ENV: dict[str, str] = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                              "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


class SerialExecutor(Executor):
    """Run every submitted call immediately in the calling process.

    ``KeyboardInterrupt`` and other non-``Exception`` errors propagate at once, so an
    interrupted serial run stops where it is.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Call ``fn(*args, **kwargs)`` now; return a finished future."""
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)
        return future


def limit_worker_threads() -> None:
    """Pin numba (and BLAS, where still possible) to one thread in a worker process.

    Used as the initializer of local process pools and run on every dask worker. When
    numba is already imported, :func:`numba.set_num_threads` is used instead.
    """
    for k, v in WORKER_ENV.items():
        os.environ[k] = v
    numba = sys.modules.get("numba")
    if numba is not None:  # pragma: no cover - depends on what the worker imported
        try:
            numba.set_num_threads(1)
        except Exception:
            pass


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """A local process pool of ``jobs`` workers (spawned; numba pinned to one thread)."""
    if jobs < 1:
        raise KtoError(f"the number of jobs must be >= 1, got {jobs}")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=limit_worker_threads)


def dask_available() -> bool:
    """True if ``dask.distributed`` is installed (the ``dask`` extra)."""
    return importlib.util.find_spec("distributed") is not None


def _require_dask() -> None:
    if not dask_available():
        raise KtoError("dask.distributed is not installed; install the extra: "
                       "pip install 'ktoanalysis[dask]'")


@contextmanager
def dask_local_client(n_workers: int) -> Iterator[Any]:
    """A ``distributed.Client`` on a fresh local cluster, closed on exit.

    Parameters
    ----------
    n_workers
        Number of worker processes (one thread each; numba pinned to one thread).
    """
    _require_dask()
    if n_workers < 1:
        raise KtoError(f"the number of dask workers must be >= 1, got {n_workers}")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None, env=dict(WORKER_ENV)) as cluster, \
            Client(cluster) as client:
        yield client


@contextmanager
def dask_client(address: str) -> Iterator[Any]:
    """A ``distributed.Client`` connected to a running scheduler (e.g. ``tcp://host:8786``).

    The workers must have ktoanalysis installed (jobs are pickled by reference) and see
    the data files and the output folder at the same paths (shared file system).
    """
    _require_dask()
    from distributed import Client

    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise KtoError(f"cannot connect to the dask scheduler at {address!r}: {exc}") from None
    try:
        yield client
    finally:
        client.close()


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__module__.startswith("distributed") and hasattr(obj, "get_executor")


def as_executor(executor: Any = None, jobs: int = 1) -> tuple[Executor, int, bool]:
    """Normalise what a caller passed as ``executor``.

    Parameters
    ----------
    executor
        ``None`` (serial when ``jobs == 1``, else a local process pool), any
        :class:`concurrent.futures.Executor`, or a ``distributed.Client``.
    jobs
        Number of local worker processes when ``executor`` is ``None``.

    Returns
    -------
    executor, width, owned
        The executor, how many jobs to keep in flight, and whether the caller created it
        here (and must shut it down).
    """
    if executor is None:
        if jobs < 1:
            raise KtoError(f"the number of jobs must be >= 1, got {jobs}")
        if jobs == 1:
            return SerialExecutor(), 1, True
        return process_pool(jobs), 2 * jobs, True
    if _is_dask_client(executor):
        try:
            executor.run(limit_worker_threads)
        except Exception:  # pragma: no cover - workers may be joining later
            pass
        nthreads = sum(executor.nthreads().values()) or 1
        # a deeper queue hides the scheduler round trip between tasks
        return executor.get_executor(pure=False), max(16, 8 * nthreads), False
    if isinstance(executor, Executor):
        width = 1 if isinstance(executor, SerialExecutor) else \
            2 * int(getattr(executor, "_max_workers", 0) or 8)
        return executor, width, False
    raise KtoError(f"executor must be None, a concurrent.futures.Executor or a "
                   f"distributed.Client, got {type(executor).__name__}")
