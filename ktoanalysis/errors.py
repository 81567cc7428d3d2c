"""The exception family of ktoanalysis.

Every error the toolkit raises on purpose derives from :class:`KtoError`, so a caller
(or the batch runner) can catch exactly the problems that come from data, options or
physics, and let programming errors surface as such.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["KtoError", "DataFormatError", "FitError", "ManifestError", "TheoryError"]


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


class ManifestError(KtoError, ValueError):
    """A sample-series manifest is invalid; the message names the row and the field."""


class TheoryError(KtoError, ValueError):
    """Invalid input to the theory side (unknown orientation, density that empties the bands...)."""
