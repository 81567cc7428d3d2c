"""Delimited text tables (CSV, TSV, semicolon, whitespace) with unit-bearing headers.

* Lines starting with ``#`` are comments; ``# key: value`` (or ``# key = value``) comments
  are metadata (``sample``, ``orientation``, ``n2d_cm2``, ``gate voltage``...).
* The delimiter is sniffed from the header and the first data lines: tab, semicolon, comma,
  then runs of whitespace (where a unit in parentheses stays with its name: ``T (K)``).
* Semicolon files may use a decimal comma (``1,5``).
* A first line made only of numbers means the file has no header (columns are named
  ``column_1``...; use ``columns={0: "T_K", ...}``). A first data row made only of units
  (``K``, ``Ohm``) is merged into the headers.
* A line repeating the header is skipped; a row longer than the header is an error (the
  message suspects a decimal comma when joining fields explains the extra ones); a
  shorter row is padded with missing values (reported); a last line cut short without a
  line end means the file was truncated (error).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import DataFormatError
from .block import read_block
from .columns import convert_unit
from .qd import merge_decimal_commas
from .raw import RawTable, iter_lines, split_csv_line, split_lines, unique_headers

__all__ = ["parse_table", "sniff_delimiter"]

_NUM_RE = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eEdD][+-]?\d+)?$")


def comment_entry(line: str) -> tuple[str, str] | None:
    """``(key, value)`` of a ``# key: value`` (or ``# key = value``) comment line, or
    ``None``. The key runs to the first ``:`` or ``=``; both are stripped. String scans
    only (linear time on any line)."""
    body = line.strip().lstrip("#")
    cut = [k for k in (body.find(":"), body.find("=")) if k >= 0]
    if not cut:
        return None
    k = min(cut)
    key, value = body[:k].strip(), body[k + 1:].strip()
    return (key, value) if key else None


def _split_ws_header(line: str) -> list[str]:
    """Whitespace split that keeps ``(unit)`` / ``[unit]`` with the preceding name."""
    out: list[str] = []
    for tok in line.split():
        if out and (tok.startswith("(") or tok.startswith("[")):
            out[-1] = f"{out[-1]} {tok}"
        else:
            out.append(tok)
    return out


def _split(line: str, delimiter: str, header: bool = False) -> list[str]:
    if delimiter == " " and header:
        return _split_ws_header(line)
    return split_csv_line(line, delimiter)


def _header_fields(header: str, delimiter: str, sample: list[str]) -> list[str]:
    """Header split; for whitespace, fall back to runs of 2+ spaces when that matches the
    data (``Magnetic Field (Oe)  R (Ohm)``)."""
    fields = _split(header, delimiter, header=True)
    if delimiter == " " and sample:
        counts = Counter(len(s.split()) for s in sample)
        usual = counts.most_common(1)[0][0]
        if len(fields) != usual:
            wide = [f for f in re.split(r"\s{2,}|\t", header.strip()) if f]
            if len(wide) == usual:
                return wide
    return fields


def sniff_delimiter(header: str, sample: list[str]) -> str:
    """Pick the delimiter (``"\\t"``, ``";"``, ``","`` or ``" "`` for whitespace).

    The chosen delimiter gives the header more than one field and the same number of fields
    on most sample data lines; ties go to tab, then semicolon, then comma.
    """
    best, best_score = ",", -1.0
    for d in ("\t", ";", ",", " "):
        n_head = len(_header_fields(header, d, sample))
        if n_head < 2:
            continue
        if sample:
            same = sum(len(_split(s, d)) == n_head for s in sample) / len(sample)
        else:
            same = 1.0
        score = same * 1000 + n_head * (d != " ")
        if same >= 0.8 and score > best_score:
            best, best_score = d, score
    return best


def _is_number(cell: str) -> bool:
    c = cell.strip()
    return bool(_NUM_RE.match(c)) or c.lower() in ("nan", "inf", "-inf")


def _header(lines: dict[int, str] | list[str], content: list[int],
            path: Path) -> tuple[list[str], str, str, list[int], list[str]]:
    """Headers, stripped header line, delimiter, data line indices and warnings, from the
    content (non-comment, non-blank) lines ``content`` (their first 22 suffice)."""
    if not content:
        raise DataFormatError("no header and no data (only comments or blank lines)",
                              file=path, expected="a header line and data rows")
    h_idx = content[0]
    header_line = lines[h_idx].strip()
    sample = [lines[k].strip() for k in content[1:21]]
    delim = sniff_delimiter(header_line, sample)
    head_fields = _header_fields(header_line, delim, sample)
    warnings: list[str] = []
    data_idx = content[1:]
    if all(_is_number(f) for f in head_fields if f.strip()) and any(f.strip()
                                                                    for f in head_fields):
        headers = [f"column_{j + 1}" for j in range(len(head_fields))]
        data_idx = content
        header_line = ""
        warnings.append("no header line; columns named column_1, column_2, ...")
    else:
        headers = unique_headers(head_fields)
    if data_idx:
        first = _split(lines[data_idx[0]].strip(), delim)
        cells = [c.strip() for c in first if c.strip()]
        if cells and not any(_is_number(c) for c in cells) and \
                all(convert_unit(c.strip("()[] ")) is not None for c in cells) and \
                len(first) <= len(headers):
            headers = unique_headers([f"{h} ({u.strip().strip('()[] ')})" if u.strip() else h
                                      for h, u in zip(headers, first + [""] * len(headers),
                                                      strict=False)])
            data_idx = data_idx[1:]
    if not data_idx:
        raise DataFormatError("no data rows after the header", file=path, line=h_idx + 1,
                              expected="data rows")
    return headers, header_line, delim, data_idx, warnings


def _finish(headers: list[str], rows: list[list[str]], line_no, meta: dict[str, str],
            warnings: list[str], delim: str) -> RawTable:
    fmt = "tsv" if delim == "\t" else "csv"
    meta_out: dict[str, object] = dict(meta)
    meta_out["delimiter"] = {"\t": "tab", ";": "semicolon", ",": "comma",
                             " ": "whitespace"}[delim]
    table = RawTable(headers=headers, rows=rows, lines=line_no, fmt=fmt, metadata=meta_out,
                     warnings=warnings, decimal_comma=(delim == ";"))
    table.text_columns = {j for j, h in enumerate(headers)
                          if h.strip().lower() in ("comment", "comments", "note", "notes")}
    return table


def _parse_table_fast(text: str, path: Path, codec: str) -> RawTable | None:
    """Header and comments read line by line (up to the 22nd content line), the data
    block by :func:`.block.read_block`; ``None`` when it is not regular."""
    meta: dict[str, str] = {}
    lines: dict[int, str] = {}
    offsets: dict[int, int] = {}
    content: list[int] = []
    for k, (offset, line, _) in enumerate(iter_lines(text)):
        if not _content_line(line, meta):
            continue
        content.append(k)
        lines[k], offsets[k] = line, offset
        if len(content) >= 22:
            break
    else:
        return None
    try:
        headers, header_line, delim, data_idx, warnings = _header(lines, content, path)
    except DataFormatError:
        return None
    first = data_idx[0]
    table = _finish(headers, [], [], meta, warnings, delim)
    parsed = read_block(path, text, codec, start=offsets[first], first_line=first,
                        n_columns=len(headers), sep=delim, header_line=header_line,
                        text_columns=table.text_columns, forbidden="#",
                        decimal_comma=table.decimal_comma)
    if parsed is None:
        return None
    table.columns, table.lines = parsed
    return table


def _content_line(line: str, meta: dict[str, str]) -> bool:
    """True for a header or data line; blank lines and ``#`` comments are not (a
    ``# key: value`` comment goes into ``meta``)."""
    s = line.strip()
    if not s:
        return False
    if s.startswith("#"):
        entry = comment_entry(s)
        if entry is not None:
            meta[entry[0]] = entry[1]
        return False
    return True


def parse_table(text: str, path: Path, codec: str | None = None) -> RawTable:
    """Parse a delimited text table into a :class:`RawTable`.

    With ``codec`` (the file's, :func:`~ktoanalysis.io.raw.decode_file`), a regular data
    block of at least :data:`~ktoanalysis.io.block.MIN_FAST_ROWS` rows is parsed by
    pandas' C reader (:mod:`.block`); other files row by row.

    Raises
    ------
    DataFormatError
        No header, no data rows, a row with too many fields, or a truncated last line.
    """
    if codec is not None:
        fast = _parse_table_fast(text, path, codec)
        if fast is not None:
            return fast
    lines, ended = split_lines(text)
    meta: dict[str, str] = {}
    content: list[int] = []  # 0-based indices of non-comment, non-blank lines
    for k, line in enumerate(lines):
        if _content_line(line, meta):
            content.append(k)
    headers, header_line, delim, data_idx, warnings = _header(lines, content, path)
    h_idx = content[0]
    n = len(headers)
    rows: list[list[str]] = []
    line_no: list[int] = []
    n_short = 0
    for k in data_idx:
        s = lines[k].strip()
        if header_line and s == header_line:
            continue  # a repeated header (concatenated files)
        fields = _split(s, delim)
        if len(fields) > n:
            if any(f.strip() for f in fields[n:]):
                hint = ""
                if delim == "," and merge_decimal_commas(
                        fields, n, {tuple(bool(f.strip()) for f in r) for r in rows[-50:]}
                        or {(True,) * n}) is not None:
                    hint = (" (a decimal comma inside a comma-separated row, e.g. '2,5' for "
                            "2.5?)")
                raise DataFormatError(f"row has {len(fields)} fields but the header has {n}"
                                      + hint, file=path, line=k + 1,
                                      expected=f"at most {n} fields")
            fields = fields[:n]
        elif len(fields) < n:
            n_short += 1
            fields = fields + [""] * (n - len(fields))
        rows.append(fields)
        line_no.append(k + 1)
    if not rows:
        raise DataFormatError("no data rows after the header", file=path, line=h_idx + 1,
                              expected="data rows")
    if not ended and len(_split(lines[line_no[-1] - 1].strip(), delim)) < n:
        counts = Counter(len(_split(lines[j - 1].strip(), delim)) for j in line_no[:-1])
        if not counts or counts.most_common(1)[0][0] == n:
            raise DataFormatError("the last line is incomplete (file truncated?)", file=path,
                                  line=line_no[-1], expected=f"{n} fields and a line end")
    if n_short:
        warnings.append(f"{n_short} rows had fewer fields than the header; padded with "
                        "missing values")
    return _finish(headers, rows, line_no, meta, warnings, delim)
