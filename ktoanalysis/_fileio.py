"""File helpers shared by every layer: atomic temporary files with normal modes, and the
reader of the batch tables.

:func:`tempfile.mkstemp` creates files with mode 0600 whatever the umask; a result renamed
from such a file would be unreadable by colleagues on a shared drive or by dask workers
running as another user. :func:`mkstemp_like_open` gives the temporary file the mode a
plain ``open(path, "w")`` would have (0666 minus the umask).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["mkstemp_like_open", "default_file_mode", "write_via_temp", "results_path",
           "read_text_table"]

_LOCK = threading.Lock()


def default_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666 & ~umask``."""
    with _LOCK:  # os.umask can only be read by setting it
        mask = os.umask(0o022)
        os.umask(mask)
    return 0o666 & ~mask


def mkstemp_like_open(path: str | Path, suffix: str = ".tmp") -> tuple[int, str]:
    """A temporary file beside ``path`` (for an atomic rename onto it) with the normal mode.

    Parameters
    ----------
    path
        The final file; the temporary one is created in the same folder.
    suffix
        Suffix of the temporary file.

    Returns
    -------
    (fd, name)
        As :func:`tempfile.mkstemp`.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.chmod(tmp, default_file_mode())
    return fd, tmp


def write_via_temp(path: str | Path, write: Callable[[str], object],
                   suffix: str = ".tmp") -> Path:
    """Write ``path`` atomically: ``write(tmp)`` fills a temporary file beside it (normal
    mode, :func:`mkstemp_like_open`), which is then renamed onto ``path``; on an error the
    temporary file is removed and ``path`` is untouched (never half a file).

    Parameters
    ----------
    path
        Target file; its folder is created if needed.
    write
        Called with the temporary file's name (e.g. ``df.to_parquet``, ``fig.savefig``).
    suffix
        Suffix of the temporary file (a writer that picks the format by suffix needs the
        target's).

    Returns
    -------
    pathlib.Path
        The target path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_like_open(path, suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def results_path(path: str | Path, *, expected: str) -> Path:
    """The table a user names: a file, or an output folder's ``results.csv``.

    Raises :class:`~ktoanalysis.errors.DataFormatError` (naming the file and ``expected``,
    what it should be) when there is no such file.
    """
    from .errors import DataFormatError

    p = Path(path)
    if p.is_dir():
        p = p / "results.csv"
    if not p.is_file():
        raise DataFormatError("results table not found", file=p, expected=expected)
    return p


def read_text_table(path: str | Path, *, expected: str):
    """Read a batch table (CSV, or Parquet by its suffix) with every CSV cell as text.

    ``path`` as for :func:`results_path`. Returns a pandas.DataFrame; an unreadable file
    raises :class:`~ktoanalysis.errors.DataFormatError` naming it.
    """
    import pandas as pd

    from .errors import DataFormatError

    p = results_path(path, expected=expected)
    try:
        if p.suffix == ".parquet":
            return pd.read_parquet(p)
        return pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
    except (ImportError, ValueError, OSError, pd.errors.ParserError,
            pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot read the table ({exc})", file=p) from None
