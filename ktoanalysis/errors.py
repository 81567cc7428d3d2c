"""The exception family of ktoanalysis.

Every error the toolkit raises on purpose derives from :class:`KtoError`, so a caller
(or the batch runner) can catch exactly the problems that come from data, options or
physics, and let programming errors surface as such.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

__all__ = ["ExitCode", "KtoError", "DataFormatError", "FitError", "OptionError", "RefusedError",
           "ManifestError", "TheoryError"]


class ExitCode(IntEnum):
    """Exit codes of the ``ktoanalysis`` command (documented here and in the README only).

    ``OK`` (0)
        Success; the verdict of every result is ``ok`` or ``warn`` (warnings also go to
        stderr).
    ``USAGE`` (2)
        Command-line usage error (unknown command or kind, missing argument).
    ``INPUT`` (3)
        Input refused before fitting: a bad file, manifest or option value, or data that
        are not of the kind the analysis describes. One line on stderr, no traceback.
    ``SOME_FAILED`` (4)
        ``batch`` finished but some rows failed or have the verdict ``fail``.
    ``VERDICT_FAIL`` (5)
        ``fit`` ran but the verdict is ``fail`` (with ``--strict`` also ``warn``); the result
        is still printed.
    """

    OK = 0
    USAGE = 2
    INPUT = 3
    SOME_FAILED = 4
    VERDICT_FAIL = 5


class KtoError(Exception):
    """Base class of every error raised on purpose by ktoanalysis."""


class DataFormatError(KtoError, ValueError):
    """A data file (or table) does not have the expected content.

    Parameters
    ----------
    message
        What is wrong, in words.
    file
        The file concerned, if any.
    line
        1-based line number in the file, if known.
    column
        Column name, if the problem is in one column.
    expected
        What was expected instead (e.g. ``"a number"``, ``"a temperature column"``).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.line = line
        self.column = column
        self.expected = expected
        self.reason = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = (": ".join([", ".join(where), self.reason]) if where else self.reason)
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class FitError(KtoError, ValueError):
    """A fit cannot be done or gave no trustworthy result (no transition, too few points...)."""


class OptionError(FitError):
    """An analysis option has an unknown name, a wrong type or a value out of range.

    Raised before any work is done; the message names the option, the value and what is
    expected.
    """


class RefusedError(FitError):
    """The data are not of the kind the analysis describes (no transition in range, a
    single isotherm for alpha = 3, a field sweep given to an R(T) kind...).

    Raised before fitting, with one line saying why; the CLI exits with code 3.
    """


class ManifestError(KtoError, ValueError):
    """A sample-series manifest is invalid; the message names the row and the field."""


class TheoryError(KtoError, ValueError):
    """Invalid input to the theory side (unknown orientation, density that empties the bands...)."""
