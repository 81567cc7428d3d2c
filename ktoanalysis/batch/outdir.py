"""A safe output folder for a series: one writer at a time, nobody else's files touched.

* **Lock.** :func:`claim_output` takes ``DIR/.ktoanalysis.lock`` (``filelock``) without
  waiting: a second run into the same folder stops at once with
  :class:`OutputFolderError` naming the folder, while the first goes on untouched.
* **Ownership.** A folder the toolkit writes into is marked by ``DIR/.ktoanalysis-out``.
  An existing, non-empty ``--out`` without that mark, or holding files whose names the
  toolkit never writes, is refused (nothing is deleted or overwritten) unless
  ``force=True`` (``--force``).
* **Clean-up.** Temporary files of an interrupted atomic write (``.NAME.*.tmp``) and
  figures of rows no longer in the manifest are removed before a run (with or without
  ``--resume``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import KtoError
from .results import write_json_atomic

__all__ = ["OutputFolderError", "claim_output", "MARKER_NAME", "LOCK_NAME", "TOOLKIT_FILES",
           "foreign_files", "remove_stale"]

#: marks a folder written by ktoanalysis (JSON: what wrote it, which version)
MARKER_NAME = ".ktoanalysis-out"
#: the lock file of a running series
LOCK_NAME = ".ktoanalysis.lock"

#: top-level files the toolkit writes into an output folder
TOOLKIT_FILES: frozenset[str] = frozenset({
    MARKER_NAME, LOCK_NAME, "results.csv", "failures.csv", "results_long.csv",
    "results.parquet", "results_long.parquet", "report.html", "overlay.png",
})
#: sub-folders the toolkit writes, with the pattern of the file names it puts there
TOOLKIT_DIRS: dict[str, re.Pattern[str]] = {
    "rows": re.compile(r"^\d+\.json$"),
    "plots": re.compile(r"^\d+_.+\.png$"),
    "series": re.compile(r"^[A-Za-z0-9_.+-]+\.(csv|parquet|json|png)$"),
}
#: temporary file of an atomic write (``_fileio.mkstemp_like_open``)
TEMP_FILE = re.compile(r"^\..+\.[A-Za-z0-9_]+\.(tmp|png|pdf|svg)$")


class OutputFolderError(KtoError):
    """The output folder is in use by another run or holds files the toolkit did not
    write."""


def foreign_files(out: Path) -> list[str]:
    """Files and folders in ``out`` that the toolkit does not write (relative names).

    Temporary files of an interrupted atomic write count as the toolkit's own.
    """
    found: list[str] = []
    if not out.is_dir():
        return found
    for p in sorted(out.iterdir()):
        if p.name in TOOLKIT_DIRS and p.is_dir():
            pattern = TOOLKIT_DIRS[p.name]
            found += [f"{p.name}/{q.name}" for q in sorted(p.iterdir())
                      if not (q.is_file() and (pattern.match(q.name) or
                                               TEMP_FILE.match(q.name)))]
        elif not (p.is_file() and (p.name in TOOLKIT_FILES or TEMP_FILE.match(p.name))):
            found.append(p.name + ("/" if p.is_dir() else ""))
    return found


def remove_stale(out: Path, keep_plots: Iterable[str] | None) -> list[Path]:
    """Remove temporary files left by interrupted writes, and figures not in ``keep_plots``.

    Parameters
    ----------
    out
        Output folder.
    keep_plots
        File names of the figures the current manifest produces (others in ``plots/``
        are stale: a renamed, removed or renumbered row); ``None`` leaves figures alone.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    removed: list[Path] = []
    keep = None if keep_plots is None else set(keep_plots)
    for folder in (out, *(out / d for d in TOOLKIT_DIRS)):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            stale = p.is_file() and TEMP_FILE.match(p.name) is not None
            if (keep is not None and folder.name == "plots" and folder.parent == out
                    and p.is_file() and TOOLKIT_DIRS["plots"].match(p.name)
                    and p.name not in keep):
                stale = True
            if stale:
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


@contextmanager
def claim_output(out: str | Path, *, force: bool = False, what: str = "batch") -> Iterator[Path]:
    """Lock an output folder for one run and check that it may be written.

    Parameters
    ----------
    out
        Output folder (created when missing).
    force
        Accept a non-empty folder that the toolkit did not write (its files are left
        where they are; files of the toolkit's names are overwritten).
    what
        The command writing (recorded in the marker).

    Yields
    ------
    pathlib.Path
        The folder, locked until the block ends (the lock is released on any exit,
        including an exception or a signal turned into one).

    Raises
    ------
    OutputFolderError
        Another run holds the lock, or the folder holds files the toolkit did not write
        (without ``force``), or the folder cannot be created.
    """
    from filelock import FileLock, Timeout

    from ..transport.result import package_version

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"--out {out} exists and is not a folder")
    existed = out.is_dir() and any(out.iterdir())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"cannot create the output folder {out}: "
                                f"{exc.strerror or exc}") from None
    lock = FileLock(str(out / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputFolderError(
            f"another ktoanalysis run is writing to {out} (lock {out / LOCK_NAME} is held); "
            "wait for it to finish or choose another --out") from None
    try:
        if existed and not force:
            marked = (out / MARKER_NAME).is_file()
            foreign = foreign_files(out)
            if foreign or not marked:
                shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more"
                                                   if len(foreign) > 3 else "")
                reason = (f"holds files ktoanalysis did not write ({shown})" if foreign else
                          "was not written by ktoanalysis (no marker file "
                          f"{MARKER_NAME}); its files would be overwritten")
                raise OutputFolderError(f"--out {out} {reason}; choose an empty or new "
                                        "folder, or pass --force to write there anyway")
        write_json_atomic({"written_by": f"ktoanalysis {what}",
                           "ktoanalysis_version": package_version()}, out / MARKER_NAME)
        yield out
    finally:
        lock.release()


def read_marker(out: str | Path) -> dict | None:
    """The marker of an output folder (``None`` when absent or unreadable)."""
    try:
        return json.loads((Path(out) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
