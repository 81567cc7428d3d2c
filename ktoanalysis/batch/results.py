"""Atomic writing of the batch outputs (tables and per-row records).

Every file is written to a temporary file in the destination folder, flushed to disk and
then moved over the target with :func:`os.replace`, which is atomic on POSIX and Windows
within one file system: a reader (or a run killed mid-way) sees either the old file or
the complete new one, never a truncated table.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .._fileio import mkstemp_like_open
from ..transport.result import strict_jsonable

__all__ = ["Failure", "atomic_write", "write_csv_atomic", "write_json_atomic", "read_json"]


@dataclass(frozen=True)
class Failure:
    """One failed row of a series (a line of ``failures.csv``).

    Attributes
    ----------
    row
        1-based manifest row.
    sample, kind
        As in the manifest.
    files
        The row's data files (``;``-separated, relative to the manifest's folder).
    error_type
        Exception class name (e.g. ``DataFormatError``, ``FitError``).
    message
        The error, naming the file concerned.
    """

    row: int
    sample: str
    kind: str
    files: str
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row} ({self.sample}): {self.error_type}: {self.message}"


def atomic_write(path: str | Path, writer: Callable[[IO[str]], None]) -> Path:
    """Write a text file atomically.

    Parameters
    ----------
    path
        Target file; its folder is created if needed.
    writer
        Called with an open text stream (UTF-8, ``newline=""``) to fill.

    Returns
    -------
    pathlib.Path
        The target path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = mkstemp_like_open(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_csv_atomic(table: pd.DataFrame, path: str | Path,
                     columns: Sequence[str] | None = None) -> Path:
    """Write a table as CSV atomically (no index; floats written exactly, NaN as empty).

    Parameters
    ----------
    table
        The table; may be empty.
    path
        Target ``.csv`` file.
    columns
        Header to use when ``table`` has no columns (a header-only file is still written).
    """
    if table.columns.empty and columns:
        table = pd.DataFrame(columns=list(columns))
    return atomic_write(path, lambda fh: table.to_csv(fh, index=False, lineterminator="\n"))


def write_json_atomic(obj: Any, path: str | Path) -> Path:
    """Write a strict JSON document atomically (keys in insertion order).

    NaN and infinities, at any depth, are written as ``null`` (strict JSON has no
    ``NaN``/``Infinity`` tokens; ``allow_nan=False``), numpy values as plain numbers and
    lists, so any standard JSON parser reads the file.

    Parameters
    ----------
    obj
        The document (mappings, sequences, scalars).
    path
        Target ``.json`` file.
    """
    doc = strict_jsonable(obj)
    return atomic_write(path, lambda fh: json.dump(doc, fh, indent=1, allow_nan=False))


def read_json(path: str | Path) -> Any:
    """Read a JSON document written by :func:`write_json_atomic`."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
