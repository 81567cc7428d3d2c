"""Verbosity of the command line: logging, warnings and progress bars.

``ktoanalysis -q CMD`` shows errors only, ``ktoanalysis CMD`` also warnings (the package's
``log.warning`` lines and Python warnings, each shown once), ``-v`` adds information lines
and the floating-point warnings of numpy (``overflow encountered in exp``...), which are
otherwise silent: they come from intermediate arithmetic whose non-finite results the
analysis handles itself. ``-vv`` adds debugging lines. Every message goes to stderr as one
readable line (``warning: ...``), never as a raw ``file:line: RuntimeWarning`` block.
"""

from __future__ import annotations

import logging
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["configure", "verbosity", "note", "progress_bar", "NUMPY_WARNING_PATTERN"]

#: text of numpy's floating-point and empty-reduction warnings (RuntimeWarning)
NUMPY_WARNING_PATTERN = (
    r"(overflow|underflow|invalid value|divide by zero) encountered"
    r"|Mean of empty slice|Degrees of freedom <= 0|All-NaN (slice|axis) encountered"
    r"|invalid value encountered|Input contains NaN|Casting complex values"
)
_NUMPY_RE = re.compile(NUMPY_WARNING_PATTERN)

#: current verbosity: -1 quiet, 0 default, 1 -v, 2 -vv
_STATE: dict[str, Any] = {"verbosity": 0}


class _StderrHandler(logging.Handler):
    """Writes ``level: message`` to the *current* ``sys.stderr`` (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            msg = record.getMessage()
            level = record.levelname.lower()
            sys.stderr.write(f"{level}: {msg}\n")
            sys.stderr.flush()
        except Exception:  # pragma: no cover - logging must never raise
            self.handleError(record)


def verbosity() -> int:
    """Verbosity of the running command: -1 (``-q``), 0, 1 (``-v``) or 2 (``-vv``)."""
    return int(_STATE["verbosity"])


def configure(level: int) -> Callable[[], None]:
    """Set up logging and warnings for a command at verbosity ``level``.

    Parameters
    ----------
    level
        -1 quiet (errors only), 0 default (warnings), 1 ``-v`` (information and numpy
        floating-point warnings), 2 ``-vv`` (debugging).

    Returns
    -------
    callable
        Restores the previous logging level, handlers and warning filters (the CLI calls it
        when the command ends, so that in-process callers are left as they were).
    """
    _STATE["verbosity"] = level
    pkg = logging.getLogger("ktoanalysis")
    old_level = pkg.level
    handler = _StderrHandler()
    handler.setLevel({-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(
        level, logging.DEBUG))
    if level >= 1:
        pkg.setLevel(logging.INFO if level == 1 else logging.DEBUG)
    for h in [h for h in pkg.handlers if isinstance(h, _StderrHandler)]:
        pkg.removeHandler(h)
    pkg.addHandler(handler)

    saved = warnings.catch_warnings()  # restores the filters and showwarning on exit
    saved.__enter__()
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        text = str(message).strip()
        is_numpy = issubclass(category, RuntimeWarning) and bool(_NUMPY_RE.search(text))
        if is_numpy and level < 1:
            return
        if level < 0 or text in seen:
            return
        seen.add(text)
        where = _short_path(filename)
        prefix = "numpy: " if is_numpy else (
            "" if category is UserWarning else f"{category.__name__}: ")
        sys.stderr.write(f"warning: {prefix}{text} (at {where}:{lineno})\n")

    # numpy's floating-point warnings: silent by default, shown once each with -v; every
    # other warning is shown once (the filters of the caller, e.g. "error", still apply)
    warnings.filterwarnings("always" if level >= 1 else "ignore", message=NUMPY_WARNING_PATTERN,
                            category=RuntimeWarning)
    if level < 0:
        warnings.simplefilter("ignore")
    warnings.showwarning = show

    def restore() -> None:
        pkg.removeHandler(handler)
        pkg.setLevel(old_level)
        saved.__exit__(None, None, None)
        _STATE["verbosity"] = 0

    return restore


def _short_path(filename: str) -> str:
    """``.../ktoanalysis/theory/tc.py`` -> ``ktoanalysis/theory/tc.py``."""
    parts = str(filename).replace("\\", "/").split("/")
    for anchor in ("ktoanalysis", "site-packages"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            return "/".join(parts[i + (anchor == "site-packages"):])
    return parts[-1]


def note(text: str) -> None:
    """A message on stderr for the user (what the command is doing), left out with ``-q``."""
    if verbosity() >= 0:
        sys.stderr.write(text.rstrip("\n") + "\n")
        sys.stderr.flush()


@contextmanager
def progress_bar(total: int, desc: str, unit: str = "case") -> Iterator[Callable[[int, int],
                                                                               None]]:
    """A tqdm bar on stderr as a ``progress(done, total)`` callback.

    Drawn only when stderr is a terminal and the command is not ``-q``; otherwise the
    callback does nothing (with ``-v`` it logs one information line per step).

    Parameters
    ----------
    total
        Number of steps.
    desc
        Label of the bar.
    unit
        Name of one step.
    """
    from tqdm.auto import tqdm

    quiet = verbosity() < 0
    bar = tqdm(total=total, desc=desc, unit=unit, leave=False, file=sys.stderr,
               disable=True if quiet else None)
    log = logging.getLogger("ktoanalysis.cli")

    def update(done: int, n: int) -> None:
        if bar.total != n:
            bar.total = n
        bar.update(done - bar.n)
        if bar.disable:
            log.info("%s: %d/%d", desc, done, n)

    try:
        yield update
    finally:
        bar.close()
