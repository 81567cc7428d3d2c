"""Reading a lab file into text lines and a raw table of strings (before units and names).

The format readers (:mod:`.qd`, :mod:`.tabular`) produce a :class:`RawTable`; the
:mod:`.loader` turns it into a :class:`~ktoanalysis.io.measurement.Measurement`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataFormatError

__all__ = ["RawTable", "read_text", "decode_file", "iter_lines", "split_lines",
           "split_csv_line", "unique_headers"]

_LINE_RE = re.compile(r"\r\n|\r|\n")
# control characters that never appear in a text data file
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# the bytes that are no such control character (deleted to count the others at C speed)
_NOT_CONTROL = bytes(b for b in range(256)
                     if not (b <= 8 or b in (11, 12) or 14 <= b <= 31 or b == 127))


@dataclass
class RawTable:
    """A table of strings as read from a file, with provenance.

    Attributes
    ----------
    headers
        Column headers, unique (duplicates get a ``" #2"`` suffix).
    rows
        Data rows, each padded/cut to ``len(headers)`` strings.
    lines
        1-based file line number of each row.
    fmt
        Detected format (``"csv"``, ``"tsv"``, ``"qd-resistivity"``, ``"qd-act"``...).
    metadata
        Metadata read from the file (header entries, ``# key: value`` comments).
    warnings
        Problems that were repaired, in words (go to ``metadata['warnings']``).
    instrument_file
        True for instrument files (QD) where isolated junk cells and a garbage first row
        are tolerated (and reported); False for hand-made tables, where they are errors.
    text_columns
        Indices of free-text columns (QD ``Comment``).
    decimal_comma
        Numbers use a decimal comma (semicolon-separated European CSV).
    hall_channels
        Channels whose instrument label names them unambiguously as Hall (``Rxy``).
    geometry_cm
        Per channel ``(lead separation cm, cross-section cm^2)`` from the file header.
    no_hall_mapping
        True where resistance columns are never Hall (QD AC-transport ``Res. chN``).
    columns
        Set by the fast block reader (:mod:`.block`) instead of ``rows``: per column index,
        a float64 array (parsed by pandas' C reader) or an object array of the cell texts
        (``""`` when empty) for the columns that are not plain numbers (text, junk markers)
        and are converted by the loader as the rows would be. ``rows`` is then empty and
        ``lines`` is an integer array.
    """

    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    fmt: str
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    instrument_file: bool = False
    text_columns: set[int] = field(default_factory=set)
    decimal_comma: bool = False
    hall_channels: set[int] = field(default_factory=set)
    geometry_cm: dict[int, tuple[float, float]] = field(default_factory=dict)
    no_hall_mapping: bool = False
    columns: dict[int, Any] | None = None

    @property
    def n_rows(self) -> int:
        """Number of data rows."""
        return len(self.lines)


def read_text(path: Path) -> str:
    """Read a text data file; see :func:`decode_file` (which also returns the codec)."""
    return decode_file(path)[0]


def decode_file(path: Path) -> tuple[str, str]:
    """Read a text data file and return ``(text, codec)``.

    UTF-8 (with or without BOM), UTF-16 (with a BOM, or without one when every second byte
    is NUL), falling back to latin-1 (an 8-bit ``µ`` or ``°`` written by Windows programs
    reads as that character). The codec (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``,
    ``"utf-16-le"``, ``"utf-16-be"``, ``"latin-1"``) lets the fast block reader
    (:mod:`.block`) read the file's numeric block again with pandas.

    Raises
    ------
    DataFormatError
        If the file does not exist, cannot be read, is empty or is binary.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError("file not found", file=path, expected="an existing file") \
            from None
    except IsADirectoryError:
        raise DataFormatError("is a directory", file=path, expected="a data file") from None
    except OSError as exc:
        raise DataFormatError(f"cannot read file ({exc.strerror or exc})", file=path) from None
    if not data or data.isspace():
        raise DataFormatError("file is empty", file=path, expected="a header and data rows")
    decoded = _decode_utf16(data, path)
    if decoded is None:
        if b"\x00" in data:
            raise DataFormatError("binary file (contains NUL bytes)", file=path,
                                  expected="a text file (CSV/TSV or Quantum Design .dat)")
        codec = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            codec = "latin-1"
            text = data.decode(codec)
    else:
        text, codec = decoded
    if not text or text.isspace():
        raise DataFormatError("file is empty", file=path, expected="a header and data rows")
    if codec.startswith("utf-8") and text.isascii():
        n_control = len(data.translate(None, _NOT_CONTROL))  # the same count, faster
    else:
        n_control = len(_CONTROL_RE.findall(text))
    del data
    if n_control > max(8, 0.005 * len(text)):
        raise DataFormatError(f"binary file ({n_control} control characters)", file=path,
                              expected="a text file (CSV/TSV or Quantum Design .dat)")
    return text, codec


def _decode_utf16(data: bytes, path: Path) -> tuple[str, str] | None:
    """Text of a UTF-16 file (Windows "Unicode" exports), or ``None`` if it is not one.

    A byte-order mark (``FF FE`` little-endian, ``FE FF`` big-endian) decides; without one,
    a file whose first kilobyte has NUL bytes on at least 90 % of the odd (LE) or the even
    (BE) positions, and none on the others, is read as UTF-16 of that byte order.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        if data.startswith(b"\xff\xfe\x00\x00"):
            return None  # UTF-32 LE: not supported, reported as binary
        codec = "utf-16"  # the BOM sets the byte order and is removed
    else:
        head = data[:1024]
        if len(head) < 4 or len(head) % 2:
            head = head[:len(head) - len(head) % 2]
        if len(head) < 4:
            return None
        even, odd = head[0::2], head[1::2]
        z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
        if z_odd >= 0.9 and z_even == 0:  # ASCII text, a few non-Latin signs (Ω)
            codec = "utf-16-le"
        elif z_even >= 0.9 and z_odd == 0:
            codec = "utf-16-be"
        else:
            return None
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"UTF-16 file that cannot be decoded ({exc.reason} at byte "
                              f"{exc.start})", file=path,
                              expected="a text file in UTF-8, UTF-16 or latin-1") from None


def iter_lines(text: str, start: int = 0, stop: int | None = None):
    """Yield ``(offset, line, next_offset)`` for the lines of ``text`` from ``start`` on
    (ends LF, CRLF or CR, as :func:`split_lines`), lazily and in linear time; stop at the
    first line starting at or after ``stop``."""
    n = len(text)
    stop = n if stop is None else min(stop, n)
    pos = start
    next_nl = -1
    while pos < stop:
        if next_nl < pos:
            next_nl = text.find("\n", pos)
            if next_nl < 0:
                next_nl = n
        cr = text.find("\r", pos, next_nl)
        if cr >= 0:
            end, nxt = cr, cr + (2 if text.startswith("\r\n", cr) else 1)
        else:
            end, nxt = next_nl, next_nl + 1
        yield pos, text[pos:end], nxt
        pos = nxt


def split_lines(text: str) -> tuple[list[str], bool]:
    """Split text on LF, CRLF or CR; return the lines and whether the text ended a line."""
    lines = _LINE_RE.split(text)
    ended = lines[-1] == ""
    if ended:
        lines.pop()
    return lines, ended


def split_csv_line(line: str, delimiter: str = ",") -> list[str]:
    """Split one line on ``delimiter`` honouring double quotes; ``" "`` splits on whitespace."""
    if delimiter == " ":
        return line.split()
    if '"' not in line:
        return line.split(delimiter)
    try:
        return next(csv.reader([line], delimiter=delimiter, strict=False))
    except (csv.Error, StopIteration):
        return line.split(delimiter)


def unique_headers(headers: list[str]) -> list[str]:
    """Strip headers and make duplicates unique (``"R (Ohm)"``, ``"R (Ohm) #2"``)."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h.strip()
        if h in seen:
            seen[h] += 1
            out.append(f"{h} #{seen[h]}")
        else:
            seen[h] = 1
            out.append(h)
    return out
