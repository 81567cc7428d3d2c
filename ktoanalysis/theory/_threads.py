"""BLAS thread limit of the theory code (threadpoolctl).

The band structure evaluates H(k) for thousands of k points with one matrix product and
diagonalises many 12 x 12 matrices; the pairing solver runs numba kernels with their own
threads and LAPACK on matrices of a few hundred rows. On all of these a multithreaded BLAS
only competes with the other threads: on a busy two-core machine a 1280-point band grid took
0.74 s with the default BLAS threads and 0.06 s with one, and Table III 7-14 s instead of
about 1 s. The public entry points therefore pin the BLAS pools (OpenBLAS, MKL, BLIS) to
``BLAS_THREADS`` while they run. OpenMP pools are not touched: numba's ``omp`` threading
layer may be one of them.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal, TypeVar

__all__ = ["BLAS_THREADS", "blas_threads_limited", "blas_limited"]

F = TypeVar("F", bound=Callable[..., Any])

#: BLAS threads inside the theory entry points (None: leave the BLAS pools alone; the
#: benchmark sets it to None to measure what the limit gains)
BLAS_THREADS: int | None = 1

_CONTROLLER: Any = None
_LOCK = threading.Lock()
_DEPTH = threading.local()


@contextlib.contextmanager
def blas_threads_limited(limit: int | None | Literal["default"] = "default"
                         ) -> Iterator[None]:
    """Context manager pinning the BLAS thread pools to ``limit`` threads.

    Parameters
    ----------
    limit
        Number of BLAS threads inside the block; None leaves the pools as they are;
        ``"default"``: the module setting ``BLAS_THREADS`` (1).

    Notes
    -----
    Nested blocks of the same thread cost about 10 us and change nothing: the outermost
    block decides.
    """
    global _CONTROLLER
    if limit == "default":
        limit = BLAS_THREADS
    depth = getattr(_DEPTH, "n", 0)
    if limit is None or depth > 0:
        _DEPTH.n = depth + 1
        try:
            yield
        finally:
            _DEPTH.n = depth
        return
    with _LOCK:
        if _CONTROLLER is None:
            import numpy  # noqa: F401  (load the BLAS libraries before the scan)
            import scipy.linalg  # noqa: F401
            from threadpoolctl import ThreadpoolController

            _CONTROLLER = ThreadpoolController()
        ctrl = _CONTROLLER
    _DEPTH.n = 1
    try:
        with ctrl.limit(limits=int(limit), user_api="blas"):
            yield
    finally:
        _DEPTH.n = 0


def blas_limited(fn: F) -> F:
    """Decorator: run ``fn`` inside :func:`blas_threads_limited` (the default limit)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with blas_threads_limited():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
