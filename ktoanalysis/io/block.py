"""Fast reading of a regular numeric block with pandas' C reader.

Once a format reader (:mod:`.qd`, :mod:`.tabular`) has understood a file's header and
knows where the data rows start, :func:`read_block` hands the rest of the file to
``pandas.read_csv`` (C engine), which parses 500 000 rows in about the time and memory of
a plain ``pandas.read_csv``. It does so only for a **regular** block, checked first with
string counts that run at C speed over the text (no Python loop over the rows):

* no double quote, no line repeating the column header, and (per format) no ``[`` (QD
  block markers) or ``#`` (comment lines);
* every line holds exactly ``n - 1`` delimiters for the ``n`` header columns (no short,
  long or decimal-comma-shifted rows) and no line is blank (line numbers stay exact);
* LF or CRLF line ends (not CR alone); for tab-separated files, no line starting or
  ending with a tab (the robust reader strips those).

Anything else returns ``None`` and the caller uses the row-by-row reader, which knows
every trap (padding, decimal commas, repeated blocks...). Columns that pandas cannot read
as numbers (a missing-value marker such as ``n/a``, text) come back as their cell texts
and are converted by the loader exactly as the row-by-row reader's cells would be.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["read_block", "MIN_FAST_ROWS"]

#: blocks with fewer rows go to the row-by-row reader (pandas' start-up is not worth it)
MIN_FAST_ROWS = 2000


def _cell_texts(series: pd.Series) -> np.ndarray:
    """Object array of a column's cells as text (``""`` for an empty cell)."""
    out = series.to_numpy(dtype=object, na_value="")
    if pd.api.types.infer_dtype(out, skipna=False) == "string":
        return out
    return np.array([x if isinstance(x, str) else ("" if x is None else str(x))
                     for x in out], dtype=object)


def read_block(path: Path, text: str, codec: str, *, start: int, first_line: int,
               n_columns: int, sep: str, header_line: str, text_columns: set[int],
               forbidden: str = "", decimal_comma: bool = False,
               min_rows: int = MIN_FAST_ROWS) -> tuple[dict[int, np.ndarray],
                                                       np.ndarray] | None:
    """Parse the data rows of ``path`` from ``text[start:]`` with pandas, if regular.

    Parameters
    ----------
    path
        The file (read again by pandas, in ``codec``).
    text
        Its decoded text.
    codec
        Codec of the file (:func:`~ktoanalysis.io.raw.decode_file`).
    start
        Offset in ``text`` of the first data row.
    first_line
        0-based line number of that row (the number of lines before it).
    n_columns
        Number of header columns.
    sep
        Delimiter (``","``, ``";"``, ``"\\t"``; whitespace is not handled here).
    header_line
        The stripped column header line (a row repeating it makes the block irregular).
    text_columns
        Free-text columns (kept as text).
    forbidden
        Characters whose presence after ``start`` makes the block irregular.
    decimal_comma
        Numbers use a decimal comma (pandas ``decimal=","``; cells with a point come back
        as text and are converted by the loader).
    min_rows
        Smaller blocks return ``None``.

    Returns
    -------
    dict, numpy.ndarray or None
        Column index -> float64 array (numbers; possibly a read-only view of pandas'
        table) or object array of cell texts; the 1-based line number of each row.
        ``None`` when the block is not regular.
    """
    if sep not in (",", ";", "\t") or n_columns < 1:
        return None
    end = len(text)
    while end > start and text[end - 1].isspace():  # no copy of the text (rstrip)
        end -= 1
    if end <= start:
        return None
    n_lines = text.count("\n", start, end) + 1
    if n_lines < min_rows:
        return None
    for ch in '"' + forbidden:
        if text.find(ch, start, end) >= 0:
            return None
    if header_line and text.find(header_line, start, end) >= 0:
        return None
    n_cr = text.count("\r", start, end) if text.find("\r", start, end) >= 0 else 0
    if n_cr and n_cr != n_lines - 1:
        return None  # CR-only or mixed line ends
    if sep == "\t" and (text[start] == "\t" or text[end - 1] == "\t" or any(
            text.find(p, start, end) >= 0 for p in ("\n\t", "\t\n", "\t\r"))):
        return None
    if text.count(sep, start, end) != (n_columns - 1) * n_lines:
        return None
    kw: dict = {}
    if decimal_comma:
        kw["decimal"] = ","
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pd.read_csv(path, sep=sep, header=None, names=list(range(n_columns)),
                                skiprows=first_line, engine="c", keep_default_na=False,
                                na_values=[""], quoting=3, encoding=codec,
                                dtype={j: object for j in text_columns}, **kw)
    except (ValueError, pd.errors.ParserError, OverflowError, UnicodeError, MemoryError):
        return None
    if (not isinstance(frame.index, pd.RangeIndex) or len(frame) != n_lines
            or frame.shape[1] != n_columns):
        return None
    out: dict[int, np.ndarray] = {}
    for j in range(n_columns):
        col = frame[j]
        kind = col.dtype.kind
        if j in text_columns:
            out[j] = _cell_texts(col)
        elif kind in "fiu":
            out[j] = col.to_numpy(dtype=float)  # no copy: may be a read-only view
        elif kind == "b":
            return None  # True/False: the row-by-row reader names the cell
        else:
            out[j] = _cell_texts(col)
    lines = np.arange(first_line + 1, first_line + 1 + n_lines, dtype=np.int64)
    return out, lines
