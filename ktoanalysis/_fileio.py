"""File-writing helpers shared by every layer: atomic temporary files with normal modes.

:func:`tempfile.mkstemp` creates files with mode 0600 whatever the umask; a result renamed
from such a file would be unreadable by colleagues on a shared drive or by dask workers
running as another user. :func:`mkstemp_like_open` gives the temporary file the mode a
plain ``open(path, "w")`` would have (0666 minus the umask).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

__all__ = ["mkstemp_like_open", "default_file_mode"]

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
