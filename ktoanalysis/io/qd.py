"""Quantum Design MultiVu ``.dat`` files (PPMS Resistivity, AC Transport, ETO, DynaCool).

Layout: a ``[Header]`` section of keyword lines (``TITLE``, ``BYAPP``, ``INFO``,
``FILEOPENTIME``...), a line ``[Data]``, one CSV line of column headers, then CSV data rows.

Traps handled here (see the loader tests):

* CRLF or LF line ends; utf-8 or latin-1 text;
* rows shorter than the header (trailing empty columns left out) are padded with missing
  values; rows longer than the header lose their extra fields (reported if non-empty);
* a field written with a decimal comma (``2,5`` for 2.5, typed by hand or by a program set
  to a European locale) splits into two fields and shifts every later column of its row.
  A row one or two fields longer than the usual rows of its ``[Data]`` block that becomes
  a usual row (same length, same pattern of filled and empty cells as the others) when an
  integer part and the digits after it are joined is such a row: it is **left out**, and
  ``metadata['warnings']`` names its line (no guess at which field was meant; a clean file
  is not affected);
* AC-transport files put channel 1 and channel 2 on alternating rows: nothing is dropped
  here, each channel column simply has missing values on the other channel's rows;
* repeated ``[Data]`` blocks and duplicated header lines are merged (columns by name);
* a last line cut in the middle (truncated file) is an error.

Channel labels: a Resistivity-option bridge whose ``SampleN Name`` is exactly a Hall label
(``Hall``, ``Rxy``, ``R_xy``, ``Ryx``, ``Hall resistance``) is marked as a Hall channel, so
its resistance becomes ``Rxy_chN_ohm``. Free text that merely mentions Hall (a title, an
AC-transport ``SAMPLEn_MATERIAL``) does not count, and AC-transport ``Res. chN`` columns are
never Hall: that option records Hall data in its separate ``Hall chN`` columns.

Channel roles: the labels (``metadata['qd_channel_names']``) may still *name* a channel's
role, as the AC-transport file ``ACT_Ch1_Hall_Ch2_TMR.dat`` does (``...Ch1 4 wire Hall on
side surface``, ``...Ch2_TMR on top surface``). :func:`channel_roles` reads those words;
the loader then takes the one channel named longitudinal as the default resistance
channel of a file with several (``metadata['channel']``, with ``channel_reason``), and
leaves the columns' names as they are.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import DataFormatError
from .block import read_block
from .raw import RawTable, iter_lines, split_csv_line, split_lines, unique_headers

__all__ = ["is_qd", "parse_qd", "HALL_LABELS", "LONGITUDINAL_WORDS", "HALL_WORDS",
           "channel_roles"]

#: sample names (lower case, letters and digits only) that mark a bridge as Hall
HALL_LABELS = frozenset({"hall", "rxy", "ryx", "rhall", "hallresistance", "halltransverse"})
#: words of a channel label naming a longitudinal-resistance channel (``TMR``: transverse
#: magnetoresistance, i.e. R_xx in a perpendicular field)
LONGITUDINAL_WORDS = frozenset({"tmr", "lmr", "mr", "rxx", "longitudinal",
                                "magnetoresistance"})
#: words of a channel label naming a Hall (transverse) channel
HALL_WORDS = frozenset({"hall", "rxy", "ryx"})

_SKIP_KEYWORDS = {"FIELDGROUP", "STARTUPGROUP", "STARTUPAXIS", "PLOT_APPEARANCE", "DATATYPE"}


def is_qd(text: str) -> bool:
    """True if ``text`` looks like a Quantum Design ``.dat`` file: it starts with
    ``[Header]`` or has a line ``[Data]`` in its first 200 000 characters (checked line by
    line, in linear time)."""
    head = text[:4096].lstrip().lower()
    if head.startswith("[header]"):
        return True
    return any(line.strip().lower() == "[data]"
               for _, line, _ in iter_lines(text, 0, 200_000))


def _parse_header_section(lines: list[str]) -> tuple[dict[str, Any], str]:
    meta: dict[str, Any] = {}
    info: dict[str, str] = {}
    other: dict[str, str] = {}
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(";") or line.lower() == "[header]":
            continue
        fields = [f.strip() for f in split_csv_line(line, ",")]
        kw = fields[0].upper()
        rest = fields[1:]
        if kw == "TITLE":
            meta["qd_title"] = ", ".join(f for f in rest if f)
        elif kw == "BYAPP":
            meta["qd_app"] = rest[0] if rest else ""
            if len(rest) > 1:
                meta["qd_app_version"] = ", ".join(rest[1:])
        elif kw == "FILEOPENTIME":
            meta["qd_fileopentime"] = ", ".join(f for f in rest if f)
        elif kw == "INFO":
            if not rest:
                continue
            # "INFO,<value>,<KEY>"; the value may itself hold commas. Some writers put the
            # key first ("INFO, APPNAME, PPMS MultiVu Application, 1.5.11").
            if len(rest) >= 2 and re.fullmatch(r"[A-Za-z][A-Za-z0-9_ ]*", rest[-1]):
                key, value = rest[-1], ", ".join(rest[:-1])
            else:
                key, value = rest[0], ", ".join(rest[1:])
            info[key] = value
        elif kw not in _SKIP_KEYWORDS:
            other[fields[0]] = ", ".join(rest)
    meta["qd_info"] = info
    if other:
        meta["qd_header"] = other
    return meta, meta.get("qd_app", "")


def _format_of(app: str, headers: list[str], header_text: str) -> str:
    a = re.sub(r"[^a-z]", "", app.lower())
    if "actransport" in a:
        return "qd-act"
    if "resistivity" in a:
        return "qd-resistivity"
    if a.startswith("eto") or "electricaltransport" in a:
        return "qd-eto"
    if "dynacool" in header_text.lower():
        return "qd-dynacool"
    hl = [h.lower() for h in headers]
    if any(h.startswith("res. ch") for h in hl):
        return "qd-act"
    if any(h.startswith("bridge") and "resist" in h for h in hl):
        return "qd-resistivity"
    if any(h.startswith("resistance ch") for h in hl):
        return "qd-eto"
    return "qd"


def _label_words(label: str) -> set[str]:
    low = label.lower()
    words = set(re.findall(r"[a-z]+", low))
    for pair in ("xx", "xy", "yx"):  # "R_xx", "R xy"
        if re.search(rf"(?<![a-z])r[ _.]?{pair}(?![a-z])", low):
            words.add("r" + pair)
    return words


def channel_roles(names: Mapping[str, str]) -> dict[int, tuple[str, str]]:
    """The role that each channel's label names, with the word that names it.

    Parameters
    ----------
    names
        Channel number (as text) -> label (``metadata['qd_channel_names']``).

    Returns
    -------
    dict
        Channel number -> ``(role, word)``, role ``"longitudinal"`` (a word of
        :data:`LONGITUDINAL_WORDS`: ``TMR``, ``MR``, ``R_xx``...) or ``"hall"`` (a word of
        :data:`HALL_WORDS`); a label naming both roles or neither is left out.
    """
    out: dict[int, tuple[str, str]] = {}
    for key, label in names.items():
        try:
            ch = int(key)
        except (TypeError, ValueError):
            continue
        words = _label_words(str(label))
        lon = sorted(words & LONGITUDINAL_WORDS)
        hall = sorted(words & HALL_WORDS)
        if lon and not hall:
            out[ch] = ("longitudinal", lon[0])
        elif hall and not lon:
            out[ch] = ("hall", hall[0])
    return out


def _channel_info(table: RawTable) -> None:
    info = table.metadata.get("qd_info", {})
    names: dict[str, str] = {}
    for key, value in info.items():
        m = re.fullmatch(r"sample\s*(\d)\s*name", key.strip(), re.I)
        if m and value.strip():
            names[m.group(1)] = value.strip()
            if table.fmt != "qd-act" and re.sub(r"[^a-z0-9]", "", value.lower()) in HALL_LABELS:
                table.hall_channels.add(int(m.group(1)))
        m = re.fullmatch(r"sample(\d)_material", key.strip(), re.I)
        if m and value.strip():
            names[m.group(1)] = value.strip()
    for ch in range(1, 5):
        sep = info.get(f"SAMPLE{ch}_LEAD_SEPARATION")
        area = info.get(f"SAMPLE{ch}_CROSS_SECTION")
        try:
            sep_f, area_f = float(sep), float(area)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if sep_f > 0 and area_f > 0:
            table.geometry_cm[ch] = (sep_f, area_f)
    if names:
        table.metadata["qd_channel_names"] = names


_INT_PART_RE = re.compile(r"[+-]?\d+")
_FRACTION_PART_RE = re.compile(r"\d+(?:[eEdD][+-]?\d+)?")
#: most decimal commas looked for in one row
MAX_DECIMAL_COMMAS = 2


def _filled(fields: list[str]) -> tuple[bool, ...]:
    return tuple(bool(f.strip()) for f in fields)


def merge_decimal_commas(fields: list[str], n_usual: int,
                         patterns: set[tuple[bool, ...]]) -> list[int] | None:
    """Positions ``p`` where joining ``fields[p]`` and ``fields[p + 1]`` as ``"a.b"`` (a
    decimal comma read as a separator) turns the row into a usual one, or ``None``.

    A usual row has ``n_usual`` fields and its pattern of filled and empty cells is one of
    ``patterns`` (those of the file's other rows); each joined pair is an integer part
    (``2``, ``-13``) followed by digits (``5``, ``25E-3``). At most
    :data:`MAX_DECIMAL_COMMAS` joins are tried.
    """
    extra = len(fields) - n_usual
    if not 1 <= extra <= MAX_DECIMAL_COMMAS:
        return None
    cand = [p for p in range(len(fields) - 1)
            if _INT_PART_RE.fullmatch(fields[p].strip())
            and _FRACTION_PART_RE.fullmatch(fields[p + 1].strip())]

    def joined(ps: tuple[int, ...]) -> list[str]:
        out, skip = [], set(q + 1 for q in ps)
        for q, f in enumerate(fields):
            if q in skip:
                continue
            out.append(f"{f.strip()}.{fields[q + 1].strip()}" if q in ps else f)
        return out

    combos: list[tuple[int, ...]] = [(p,) for p in cand] if extra == 1 else \
        [(p, q) for a, p in enumerate(cand) for q in cand[a + 1:] if q > p + 1]
    for ps in combos:
        if _filled(joined(ps)) in patterns:
            return list(ps)
    return None


def _decimal_comma_rows(pending: list[tuple[int, list[str], list[int]]]) -> set[int]:
    """0-based line numbers of rows that hold a decimal comma (see
    :func:`merge_decimal_commas`): longer than the usual rows of their ``[Data]`` block
    by one or two fields, and usual once those are joined."""
    by_block: dict[int, list[tuple[int, list[str]]]] = {}
    for k, fields, cmap in pending:
        by_block.setdefault(id(cmap), []).append((k, fields))
    out: set[int] = set()
    for rows in by_block.values():
        lengths = Counter(len(f) for _, f in rows)
        floor = max(2, 0.1 * len(rows))
        usual = {n for n, c in lengths.items() if c >= floor}
        if not usual:
            continue
        patterns = {_filled(f) for _, f in rows if len(f) in usual}
        for k, fields in rows:
            if len(fields) in usual or len(fields) < min(usual):
                continue
            for n in sorted(usual):
                if merge_decimal_commas(fields, n, patterns) is not None:
                    out.add(k)
                    break
    return out


def decimal_comma_warning(lines: list[int]) -> str:
    """The warning for rows left out because of a decimal comma (1-based ``lines``)."""
    shown = ", ".join(str(n) for n in lines[:20]) + (", ..." if len(lines) > 20 else "")
    return (f"line{'s' if len(lines) > 1 else ''} {shown}: one or two fields more than the "
            "other rows, explained by a decimal comma inside a comma-separated row (e.g. "
            "'2,5' for 2.5), which shifts every later column; "
            f"{'these rows were' if len(lines) > 1 else 'the row was'} left out "
            "(correct the file to keep them)")


def _table(headers: list[str], rows: list[list[str]], lines, meta: dict[str, Any],
           warnings: list[str], app: str, header_text: str) -> RawTable:
    fmt = _format_of(app, headers, header_text)
    table = RawTable(headers=headers, rows=rows, lines=lines, fmt=fmt, metadata=meta,
                     warnings=warnings, instrument_file=True,
                     no_hall_mapping=(fmt == "qd-act"))
    table.text_columns = {j for j, h in enumerate(headers) if h.strip().lower() == "comment"}
    _channel_info(table)
    return table


def _is_junk_row(fields: list[str], text_columns: set[int]) -> bool:
    """True when no filled numeric cell of a row reads as a number (instrument junk such
    as a units row), as the loader decides for a first data row."""
    filled = [f.strip() for j, f in enumerate(fields) if j not in text_columns and f.strip()]
    if not filled:
        return False
    for f in filled:
        try:
            float(f)
            return False
        except ValueError:
            pass
    return True


def _parse_qd_fast(text: str, path: Path, codec: str) -> RawTable | None:
    """The header section read line by line, the data block by :func:`.block.read_block`;
    ``None`` when the block is not regular (then :func:`parse_qd` reads it row by row)."""
    head: list[str] = []
    it = iter_lines(text)
    for _, line, _ in it:
        if line.strip().lower() == "[data]":
            break
        head.append(line)
        if len(head) > 5000:
            return None
    else:
        return None
    header_line, n_before = "", len(head) + 1
    for _, line, _nxt in it:
        n_before += 1
        if line.strip():
            header_line = line.strip()
            break
    if not header_line:
        return None
    headers = unique_headers(split_csv_line(header_line, ","))
    text_columns = {j for j, h in enumerate(headers) if h.strip().lower() == "comment"}
    warnings: list[str] = []
    first = next(it, None)
    if first is None:
        return None
    start = first[0]
    fields = split_csv_line(first[1], ",")
    if len(fields) <= len(headers) and _is_junk_row(fields, text_columns):
        warnings.append(f"line {n_before + 1}: first data row is not numeric "
                        "(instrument junk) and was skipped")
        start, n_before = first[2], n_before + 1
    parsed = read_block(path, text, codec, start=start, first_line=n_before,
                        n_columns=len(headers), sep=",", header_line=header_line,
                        text_columns=text_columns, forbidden="[")
    if parsed is None:
        return None
    columns, line_no = parsed
    meta, app = _parse_header_section(head)
    table = _table(headers, [], line_no, meta, warnings, app, "\n".join(head))
    table.columns = columns
    return table


def parse_qd(text: str, path: Path, codec: str | None = None) -> RawTable:
    """Parse the text of a Quantum Design ``.dat`` file into a :class:`RawTable`.

    With ``codec`` (the file's, :func:`~ktoanalysis.io.raw.decode_file`), a regular data
    block of at least :data:`~ktoanalysis.io.block.MIN_FAST_ROWS` rows is parsed by
    pandas' C reader (:mod:`.block`); other files row by row.

    Raises
    ------
    DataFormatError
        No ``[Data]`` section, no column header, no data rows, or a truncated last line.
    """
    if codec is not None:
        fast = _parse_qd_fast(text, path, codec)
        if fast is not None:
            return fast
    lines, ended = split_lines(text)
    start = next((i for i, ln in enumerate(lines) if ln.strip().lower() == "[data]"), None)
    if start is None:
        raise DataFormatError("no [Data] section (truncated or not a Quantum Design file)",
                              file=path, line=len(lines), expected="a line '[Data]'")
    meta, app = _parse_header_section(lines[:start])
    i = start + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines):
        raise DataFormatError("no column header after [Data]", file=path, line=start + 1,
                              expected="a CSV line of column names")
    header_line = lines[i].strip()
    headers = unique_headers(split_csv_line(header_line, ","))
    header_index = {h: k for k, h in enumerate(headers)}
    col_map = list(range(len(headers)))  # position in the current block -> union column
    rows: list[list[str]] = []
    line_no: list[int] = []
    warnings: list[str] = []
    pending: list[tuple[int, list[str], list[int]]] = []  # (0-based line, fields, col_map)
    n_long = 0
    skipping_header = False
    expect_header = False
    i += 1
    for k in range(i, len(lines)):
        line = lines[k]
        s = line.strip()
        if not s:
            continue
        low = s.lower()
        if low == "[header]":
            skipping_header = True
            continue
        if low == "[data]":
            skipping_header = False
            expect_header = True
            continue
        if skipping_header:
            continue
        if expect_header or s == header_line:
            expect_header = False
            if s == header_line:
                col_map = list(range(len(headers)))
                continue
            # a later block with other columns: merge by name
            new = unique_headers(split_csv_line(s, ","))
            col_map = []
            for h in new:
                if h not in header_index:
                    header_index[h] = len(headers)
                    headers.append(h)
                col_map.append(header_index[h])
            warnings.append(f"line {k + 1}: a new [Data] block with different columns; "
                            "columns merged by name")
            continue
        pending.append((k, split_csv_line(line, ","), col_map))
    shifted = _decimal_comma_rows(pending)
    for k, fields, cmap in pending:
        if k in shifted:
            continue
        if len(fields) > len(cmap):
            extra = fields[len(cmap):]
            if any(f.strip() for f in extra):
                n_long += 1
            fields = fields[:len(cmap)]
        row = [""] * len(headers)
        for pos, value in enumerate(fields):
            row[cmap[pos]] = value
        rows.append(row)
        line_no.append(k + 1)
    if shifted:
        warnings.append(decimal_comma_warning(sorted(k + 1 for k in shifted)))
    if not rows:
        raise DataFormatError("no data rows after the column header", file=path,
                              line=i, expected="data rows after [Data]")
    for row in rows:  # columns added by later blocks
        if len(row) < len(headers):
            row.extend([""] * (len(headers) - len(row)))
    if not ended:
        last = lines[line_no[-1] - 1]
        counts = Counter(len(split_csv_line(lines[n - 1], ",")) for n in line_no[:-1])
        usual = counts.most_common(1)[0][0] if counts else len(headers)
        if len(split_csv_line(last, ",")) < usual:
            raise DataFormatError("the last line is incomplete (file truncated?)", file=path,
                                  line=line_no[-1],
                                  expected=f"{usual} fields and a line end")
    if n_long:
        warnings.append(f"{n_long} rows had more fields than the header; extra fields ignored")
    return _table(headers, rows, line_no, meta, warnings, app, "\n".join(lines[:start]))
