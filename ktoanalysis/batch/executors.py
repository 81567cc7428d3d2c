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
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from ..errors import KtoError

__all__ = [
    "SerialExecutor", "as_executor", "dask_available", "dask_local_client", "dask_client",
    "limit_worker_threads", "process_pool", "stop_pool", "check_dask_address",
    "DASK_CONNECT_TIMEOUT_S",
]

#: environment of batch workers: one thread per process for numba and BLAS, since the
#: parallelism is over rows (dask's nanny pins OMP/MKL/OpenBLAS but not numba)
WORKER_ENV: dict[str, str] = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                              "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

#: seconds between a local pool worker's checks that its parent process is still alive
PARENT_POLL_S = 0.5


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


def _pool_worker_init(parent_pid: int) -> None:
    """Initializer of local pool workers: one thread each, and exit when the parent dies.

    A daemon thread polls the parent's pid; when the parent is gone (killed with SIGKILL,
    crashed) the worker exits instead of living on as an orphan.
    """
    limit_worker_threads()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="ktoanalysis-parent-watch", daemon=True).start()


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """A local process pool of ``jobs`` workers (spawned; numba pinned to one thread; each
    worker exits by itself when the parent process disappears)."""
    if jobs < 1:
        raise KtoError(f"the number of jobs must be >= 1, got {jobs}")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_pool_worker_init, initargs=(os.getpid(),))


def stop_pool(pool: Executor) -> None:
    """Stop a local process pool now: cancel queued jobs, terminate running workers.

    Used when the parent is interrupted (SIGINT/SIGTERM), so no worker outlives it.
    Executors that are not a :class:`~concurrent.futures.ProcessPoolExecutor` are only
    shut down without waiting.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        try:
            p.terminate()
        except Exception:  # pragma: no cover - already gone
            pass
    for p in procs:
        try:
            p.join(timeout=5)
            if p.is_alive():  # pragma: no cover - ignores SIGTERM
                p.kill()
                p.join(timeout=5)
        except Exception:  # pragma: no cover
            pass
    try:
        pool.shutdown(wait=False, cancel_futures=True)
    except Exception:  # pragma: no cover - a broken pool
        pass


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


#: default seconds to wait for a dask scheduler before giving up (``--dask-timeout``)
DASK_CONNECT_TIMEOUT_S = 10.0

_DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)$")


def check_dask_address(address: str) -> str:
    """Validate the form of a dask scheduler address; return it normalised.

    Accepted: ``SCHEME://HOST:PORT`` with scheme ``tcp``, ``tls``, ``ws``, ``wss`` or
    ``ucx``, or ``HOST:PORT`` (taken as ``tcp://``); HOST a name, an IPv4 address or a
    bracketed IPv6 address; PORT 1-65535.

    Raises
    ------
    KtoError
        One line saying what is wrong and showing the expected form.
    """
    text = str(address).strip()
    expected = "expected SCHEME://HOST:PORT such as tcp://127.0.0.1:8786"
    if not text:
        raise KtoError(f"--dask: empty scheduler address; {expected}")
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    scheme = scheme.lower()
    if scheme not in _DASK_SCHEMES or scheme == "inproc":
        raise KtoError(f"--dask {address!r}: unknown scheme {scheme!r} (known: tcp, tls, ws, "
                       f"wss, ucx); {expected}")
    rest = rest.rstrip("/")
    host, colon, port = rest.rpartition(":")
    if not colon:
        raise KtoError(f"--dask {address!r}: no port; {expected}")
    if not host:
        raise KtoError(f"--dask {address!r}: no host; {expected}")
    if not _HOST.match(host):
        raise KtoError(f"--dask {address!r}: {host!r} is not a host name or address; "
                       f"{expected}")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise KtoError(f"--dask {address!r}: port {port!r} is not a number 1-65535; "
                       f"{expected}")
    return f"{scheme}://{host}:{int(port)}"


@contextmanager
def dask_client(address: str, timeout_s: float = DASK_CONNECT_TIMEOUT_S) -> Iterator[Any]:
    """A ``distributed.Client`` connected to a running scheduler (e.g. ``tcp://host:8786``).

    The workers must have ktoanalysis installed (jobs are pickled by reference) and see
    the data files and the output folder at the same paths (shared file system).

    Parameters
    ----------
    address
        Scheduler address, checked by :func:`check_dask_address` before any connection.
    timeout_s
        Seconds (s) to wait for the scheduler to answer (connection and handshake); a
        closed port, an unreachable host or a port that accepts but never answers give
        up after about this long (default :data:`DASK_CONNECT_TIMEOUT_S`).

    Raises
    ------
    KtoError
        Malformed address, dask not installed, or no scheduler answered in time.
    """
    address = check_dask_address(address)
    _require_dask()
    if not timeout_s > 0:
        raise KtoError(f"--dask-timeout must be > 0 s, got {timeout_s}")
    import dask
    from distributed import Client

    seconds = f"{float(timeout_s)}s"
    try:
        # distributed's own timeout does not cover the handshake: a port that accepts
        # and never answers would hang Client() for ever, so the scheduler is asked for
        # its identity first under a hard deadline
        _probe_scheduler(address, float(timeout_s))
        with dask.config.set({"distributed.comm.timeouts.connect": seconds}):
            client = Client(address, timeout=seconds, set_as_default=False)
    except Exception as exc:  # OSError, TimeoutError, CommClosedError, ValueError...
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if len(detail) > 160:
            detail = detail[:157] + "..."
        raise KtoError(f"no dask scheduler answered at {address} within {timeout_s:g} s "
                       f"({type(exc).__name__}: {detail})") from None
    try:
        yield client
    finally:
        client.close()


def _probe_scheduler(address: str, timeout_s: float) -> None:
    """Connect to ``address`` and ask for the scheduler's identity, all within
    ``timeout_s`` seconds (``TimeoutError`` past that, the connection error otherwise)."""
    import asyncio

    from distributed.comm import connect

    async def ask() -> None:
        comm = await connect(address, timeout=timeout_s)
        try:
            await comm.write({"op": "identity", "reply": True})
            answer = await comm.read()
        finally:
            comm.abort()
        if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
            raise ConnectionError(f"the server at {address} is not a dask scheduler")

    async def bounded() -> None:
        try:
            await asyncio.wait_for(ask(), timeout_s)
        except TimeoutError:
            raise TimeoutError(f"no answer within {timeout_s:g} s") from None

    asyncio.run(bounded())


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
