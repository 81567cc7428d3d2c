"""``load(path)``: any supported lab file to a :class:`Measurement` in SI units.

Supported: delimited tables (CSV, TSV, semicolon, whitespace; :mod:`.tabular`) and
Quantum Design ``.dat`` files (PPMS Resistivity, AC Transport, ETO, DynaCool; :mod:`.qd`).

Column naming rules (see :mod:`.columns`):

* recognised quantities get canonical SI names: ``T_K``, ``B_T`` (from Oe, T, mT...),
  ``R_ohm``, ``Rxy_ohm``, ``I_A``, ``V_V``, ``theta_rad`` (QD ``Sample Position``),
  ``t_s``, ``Vg_V``, ``n2d_m2``; spreads become ``R_std_ohm``..., bridge excitations
  ``excitation_A``, frequencies ``frequency_Hz``, phases ``phase_rad``;
* channels: when the file holds resistance-like data on more than one channel (bridge,
  ``chN``), every channel column carries ``_chN`` (``R_ch1_ohm``, ``R_ch2_ohm``); with a
  single channel the suffix is dropped (``R_ohm``);
* Hall: a column is ``Rxy`` when its header says so (``R_xy``, ``Rxy``, ``Hall resistance``)
  or when a QD Resistivity-option bridge is named exactly ``Hall``/``Rxy`` in the header
  (``INFO, Hall, Sample2 Name``). Titles and free-text descriptions never decide it, and
  AC-transport ``Res. chN`` columns stay longitudinal (see :mod:`.qd`);
* resistivity: a ``Bridge N Resistivity`` column is dropped when ``Bridge N Resistance``
  holds data (it is the same reading divided by a geometry factor); its spread is rescaled
  to a resistance spread with the per-row ratio R/rho. Where only resistivity exists (QD
  AC transport, ``Res. chN (ohm-cm)``), it is kept as ``rho_chN_ohm_m`` (ohm*m) and, when
  the header gives the channel's lead separation and cross-section, ``R_chN_ohm`` is
  derived as ``rho * separation / cross-section`` (the inverse of the instrument's own
  calculation); ``metadata['derived']`` says so;
* unknown columns keep a snake_case name plus their unit (converted when known);
  columns without any value are dropped (listed in ``metadata['empty_columns']``).
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError, KtoError
from .columns import (
    RESISTANCE_BASES,
    ColumnSpec,
    bracket_unit,
    canonical_name,
    classify,
    parse_header,
    resolve_target,
    sanitize,
    unit_of_column,
)
from .columns import _unit_conv as unit_conversion
from .measurement import QUANTITIES, Measurement, channel_number
from .qcodes_db import is_sqlite
from .qd import channel_roles, is_qd, parse_qd
from .raw import RawTable, decode_file
from .tabular import parse_table

__all__ = ["load", "normalize_metadata", "JUNK_TOKENS"]

#: cell texts that instruments write for a missing reading; read as NaN and reported
JUNK_TOKENS = frozenset({
    "nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "n/a", "#n/a",
    "na", "-", "--", "---", "null", "none", "1.#qnan", "-1.#qnan", "-1.#ind", "1.#ind",
    "1.#inf", "-1.#inf", "ovfl", "overflow", "#value!", "#num!",
})

_MAX_LISTED = 20
# European thousands separators before a decimal comma: "1.234,5" -> "1234,5"
_THOUSANDS_RE = re.compile(r"(?<=\d)\.(?=\d{3}(?:\.\d{3})*,)")


def load(path: str | Path, columns: dict[str | int, str] | None = None, *,
         require: tuple[str, ...] | list[str] = (), run_id: int | None = None,
         **metadata: Any) -> Measurement:
    """Load a lab data file into a :class:`Measurement` (tidy table in SI units).

    Parameters
    ----------
    path
        CSV/TSV (delimiter sniffed) or Quantum Design ``.dat`` file.
    columns
        Explicit mapping ``{original header (or 0-based column index): target}`` for
        headers the automatic recognition misses, e.g.
        ``{"magnet_bpar": "B_T", "lockin_3_ResX": "R_ohm"}``. Headers match exactly, else
        ignoring case and surrounding blanks. A target is either

        * a canonical SI name: ``T_K``, ``B_T``, ``R_ohm``, ``R_ch<N>_ohm``, ``R_std_ohm``,
          ``Rxy_ohm``, ``rho_ohm_m``, ``I_A``, ``V_V``, ``theta_rad``, ``t_s``, ``Vg_V``,
          ``n2d_m2``. A bracketed unit in the file's header still converts
          (``"Rxx (kOhm)"`` -> ohm) and must be of the name's dimension; a ``name_unit``
          suffix of another dimension is taken as part of the name (``temp_sensor_A``);
        * a lab header stating the quantity and the unit the values are in:
          ``"B (mT)"``, ``"T [mK]"``, ``"R (kOhm)"``, ``"field (Oe)"``, ``"I (nA)"``: the
          column becomes ``B_T``, ``T_K``... converted to SI once, here. A bracketed unit in
          the file's header must then agree.

        Mapped columns override the automatic recognition. The CLI spelling is
        ``--column ORIGINAL=TARGET`` (repeatable); manifests take a ``columns`` table.
    require
        Canonical names that must be present (e.g. ``("T_K",)``).
    run_id
        For a QCoDeS SQLite database (``experiment.db``, read through qcodes, the
        ``qcodes`` extra; see :mod:`.qcodes_db`): the run to load. May be left out when
        the database holds one run. ``columns`` may then name a parameter by its qcodes
        name.
    **metadata
        Metadata that overrides what the file says: ``sample``, ``orientation``
        (``"001"``, ``"110"``, ``"111"``), ``n2d_cm2`` (cm^-2; ``n2d_m2`` in m^-2 is added),
        ``n2d_m2``, ``Vg_V`` (V), ``theta_deg`` (deg; ``theta_rad`` is added),
        ``theta_rad``, ``channel`` (resistance channel to analyse), or anything else.

    Returns
    -------
    Measurement
        ``data`` in SI with unit-suffixed columns; ``metadata`` with ``source``, ``format``
        (``"csv"``, ``"tsv"``, ``"qd-resistivity"``, ``"qd-act"``, ``"qd-eto"``,
        ``"qd-dynacool"``, ``"qd"``, ``"qcodes"``), file metadata (QD: ``qd_title``, ``qd_app``,
        ``qd_info``...), ``warnings`` (repairs made), ``derived`` (computed columns);
        ``units`` and ``original_names`` give each column's lab unit and header;
        ``metadata['unrecognised_columns']`` lists the headers of columns that were not
        recognised as a quantity (then the error for a missing ``T_K`` or resistance column
        tells how to map them).

    Raises
    ------
    DataFormatError
        Missing, empty, binary or truncated file; no data rows; text in a numeric column
        (file, line and column named); a ``columns`` entry naming a header not in the file
        (the headers are listed), an unknown target quantity (the canonical names are
        listed) or unit (the known units are listed), or a unit contradicting the header;
        a required column absent.
    """
    p = Path(path)
    if is_sqlite(p):
        return _load_qcodes(p, run_id, columns, tuple(require), metadata)
    if run_id is not None:
        raise DataFormatError(f"run_id={run_id!r} applies to QCoDeS databases only",
                              file=p, expected="a QCoDeS .db file, or no run_id")
    try:
        text, codec = decode_file(p)
        raw = parse_qd(text, p, codec) if is_qd(text) else parse_table(text, p, codec)
        del text
        return _build(raw, p, columns, tuple(require), metadata)
    except KtoError:
        raise
    except (ValueError, OverflowError, UnicodeError, MemoryError) as exc:
        raise DataFormatError(f"cannot parse file ({type(exc).__name__}: {exc})",
                              file=p) from exc


def _load_qcodes(path: Path, run_id: int | None, columns: dict[str | int, str] | None,
                 require: tuple[str, ...], metadata: dict[str, Any]) -> Measurement:
    """One run of a QCoDeS database (:func:`.qcodes_db.read_qcodes_run`) as a Measurement."""
    from .qcodes_db import read_qcodes_run

    raw = read_qcodes_run(path, run_id)
    by_param = {v: k for k, v in raw.metadata["qcodes_columns"].items()}
    if columns:
        if not isinstance(columns, dict):
            raise DataFormatError("columns= must be a mapping {parameter or header: name}",
                                  file=path, expected="a dict")
        columns = {by_param.get(k, k) if isinstance(k, str) else k: v
                   for k, v in columns.items()}
    m = _build(raw, path, columns, require, metadata)
    m.original_names.update({k: raw.metadata["qcodes_columns"].get(v, v)
                             for k, v in m.original_names.items()})
    return m


# --------------------------------------------------------------------------- numbers


def _column_cells(raw: RawTable, j: int) -> list[str] | np.ndarray:
    """Column ``j`` as parsed numbers (float array) or as its stripped cell texts."""
    if raw.columns is not None:
        col = raw.columns[j]
        if col.dtype != object:
            return col
        return [c.strip() for c in col]
    return [row[j].strip() for row in raw.rows]


def _numeric_columns(raw: RawTable, path: Path) -> tuple[dict[int, np.ndarray], list[bool]]:
    """Convert every non-text column to float; return columns and a keep-row mask.

    Columns the fast block reader (:mod:`.block`) parsed already are taken as they are;
    the others are converted cell by cell (junk markers, decimal commas, errors naming
    the line and the column).
    """
    n_rows = raw.n_rows
    keep = [True] * n_rows
    out: dict[int, np.ndarray] = {}
    bad_cells: dict[int, np.ndarray] = {}
    n_headers = len(raw.headers)
    for j in range(n_headers):
        if j in raw.text_columns:
            continue
        cells = _column_cells(raw, j)
        if isinstance(cells, np.ndarray):  # parsed by the block reader (maybe read-only)
            out[j] = cells
            continue
        if raw.decimal_comma:
            cells = [_THOUSANDS_RE.sub("", c).replace(",", ".") if "," in c else c
                     for c in cells]
        joined = "".join(cells)
        if not joined:
            out[j] = np.full(n_rows, np.nan)
            continue
        try:
            if "_" in joined:  # float() would accept "1_0"
                raise ValueError("underscore")
            num = np.array([c or "nan" for c in cells], dtype=str).astype(float)
        except ValueError:
            num = np.array(pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce",
                                         downcast=None), dtype=float)
            bad = np.isnan(num) & np.array([c != "" for c in cells], dtype=bool)
            if bad.any():
                bad_cells[j] = bad
        out[j] = num
    # a garbage first data row (instrument files): all its filled cells are non-numeric
    if raw.instrument_file and bad_cells and n_rows > 1 and raw.rows:
        filled = [j for j in out if str(raw.rows[0][j]).strip()]
        if filled and all(j in bad_cells and bad_cells[j][0] for j in filled):
            keep[0] = False
            raw.warnings.append(f"line {raw.lines[0]}: first data row is not numeric "
                                "(instrument junk) and was skipped")
            for j in list(bad_cells):
                bad_cells[j][0] = False
                if not bad_cells[j].any():
                    del bad_cells[j]
    n_junk = 0
    for j, bad in bad_cells.items():
        for r in np.flatnonzero(bad):
            cell = str(raw.columns[j][r] if raw.columns is not None else raw.rows[r][j])
            cell = cell.strip()
            if cell.lower() in JUNK_TOKENS:
                n_junk += 1
                continue
            raise DataFormatError(f"non-numeric value {cell[:40]!r}", file=path,
                                  line=int(raw.lines[r]), column=raw.headers[j],
                                  expected="a number")
    if n_junk:
        raw.warnings.append(f"{n_junk} cells held a missing-value marker (nan, n/a, ...) "
                            "and were read as missing")
    n_inf = 0
    for j, num in out.items():
        inf = np.isinf(num)
        if inf.any():
            n_inf += int(inf.sum())
            if not num.flags.writeable:  # a view of the block reader's table
                out[j] = num = np.array(num, dtype=float)
            num[inf] = np.nan
    if n_inf:
        raw.warnings.append(f"{n_inf} infinite values were read as missing")
    return out, keep


# --------------------------------------------------------------------------- columns


def _explicit_specs(raw: RawTable, path: Path,
                    columns: dict[str | int, str]) -> dict[int, tuple[str, ColumnSpec]]:
    if not isinstance(columns, dict):
        raise DataFormatError("columns= must be a mapping {original header or index: name}",
                              file=path, expected="a dict")
    out: dict[int, tuple[str, ColumnSpec]] = {}
    stripped = {h.strip().lower(): j for j, h in enumerate(raw.headers)}
    for key, target in columns.items():
        if isinstance(key, bool) or not isinstance(key, int | str):
            raise DataFormatError(f"column key {key!r} is neither a header nor an index",
                                  file=path, expected="a header string or a 0-based index")
        if isinstance(key, int):
            if not 0 <= key < len(raw.headers):
                raise DataFormatError(f"column index {key} out of range", file=path,
                                      column=str(key),
                                      expected=f"0..{len(raw.headers) - 1}")
            j = key
        elif key in raw.headers:
            j = raw.headers.index(key)
        elif key.strip().lower() in stripped:
            j = stripped[key.strip().lower()]
        else:
            shown = ", ".join(repr(h) for h in raw.headers[:30])
            raise DataFormatError("no such column in the file", file=path, column=key,
                                  expected=f"one of {shown}")
        header = raw.headers[j]
        name = _resolved(path, header, target)[0]
        if any(t == name for t, _ in out.values()):
            raise DataFormatError(f"two columns mapped to {name!r}", file=path,
                                  column=str(key), expected="one column per name")
        target, (factor, offset), unit = _mapped_target(raw, path, header, target)
        raw.text_columns.discard(j)
        suffix = unit_of_column(target)
        spec = ColumnSpec(header=header, stem=target, base=None, channel=None, unit=unit,
                          si_unit=suffix, factor=factor, offset=offset)
        out[j] = (target, spec)
    return out


def _resolved(path: Path, header: str,
              target: object) -> tuple[str, tuple[str, float, float] | None]:
    """:func:`~.columns.resolve_target`, its errors naming the file and the header."""
    try:
        return resolve_target(target)
    except DataFormatError as exc:
        raise DataFormatError(exc.reason, file=path, column=header,
                              expected=exc.expected) from None


def _header_unit(header: str, si_unit: str) -> tuple[str, tuple[str, float, float] | None]:
    """Unit written in a mapped column's header and its conversion.

    A bracketed unit (``"Rxx (kOhm)"``) always counts; a ``name_unit`` suffix only when it
    is a unit of ``si_unit`` (in ``"temp_sensor_A"`` mapped to ``T_K`` the ``A`` is a
    label, not ampere).
    """
    _, unit = parse_header(header)
    conv = unit_conversion(unit) if unit else None
    bracketed = bracket_unit(header) is not None
    if unit and not bracketed and (conv is None or conv[0] != si_unit):
        return "", None
    return unit, conv


def _mapped_target(raw: RawTable, path: Path, header: str,
                   target: object) -> tuple[str, tuple[float, float], str]:
    """Canonical name, ``(factor, offset)`` to SI and lab unit of one mapped column.

    The unit comes from the mapping when it states one (``"B (mT)"``), else from the
    file's header (``"Rxx (kOhm)"`` mapped to ``"R_ohm"``), else the values are SI.
    """
    name, stated = _resolved(path, header, target)
    suffix = unit_of_column(name)
    header_unit, header_conv = _header_unit(header, suffix)
    if stated is not None:
        mapped_unit = parse_header(str(target).strip())[1]
        if header_conv is not None and header_conv != stated:
            raise DataFormatError(
                f"the header's unit {header_unit!r} contradicts the mapping {target!r}",
                file=path, column=header,
                expected=f"a mapping in the header's unit, or the canonical name {name!r}")
        return name, (stated[1], stated[2]), mapped_unit
    if header_conv is not None:
        if suffix and header_conv[0] != suffix:
            raise DataFormatError(
                f"the header's unit {header_unit!r} (SI: {header_conv[0]}) does not match "
                f"the name {name!r}", file=path, column=header,
                expected=f"a unit convertible to {suffix}")
        return name, (header_conv[1], header_conv[2]), header_unit
    if header_unit:
        raw.warnings.append(f"column {header!r}: unit {header_unit!r} unknown; values taken "
                            f"as they are for {name!r}")
    return name, (1.0, 0.0), header_unit


def _inherit_std_units(specs: dict[int, ColumnSpec]) -> None:
    """A unitless spread column (``Res. Std.Dev. ch1``) takes the unit of its reading."""
    for j, spec in list(specs.items()):
        if not spec.is_std or spec.unit:
            continue
        for other in specs.values():
            if (not other.is_std and other.unit and other.channel == spec.channel
                    and other.stem == spec.stem and other.family is not None):
                specs[j] = replace(classify(f"{spec.header} ({other.unit})"), header=spec.header)
                break


def _named_longitudinal_channel(meta: dict[str, Any],
                                channels: dict[str, str]) -> tuple[int, str] | None:
    """``(channel, reason)`` of the one longitudinal-resistance channel that the file's
    channel labels name (``TMR``, ``R_xx``...; :func:`~ktoanalysis.io.qd.channel_roles`),
    when the file has several such channels; else ``None`` (the first one is the default).
    """
    names = meta.get("qd_channel_names")
    longitudinal = [k for k, v in channels.items() if v.startswith("R_ch")]
    if not isinstance(names, dict) or len(longitudinal) < 2:
        return None
    roles = channel_roles(names)
    picked = [int(k) for k in longitudinal if roles.get(int(k), ("",))[0] == "longitudinal"]
    if len(picked) != 1:
        return None
    ch = picked[0]

    def said(k: int) -> str:
        role, word = roles[k]
        label = str(names[str(k)])
        m = re.search(re.escape(word), label, re.I)
        return f"{'Hall' if role == 'hall' else role} ({(m.group(0) if m else word)!r} " \
               f"in {label!r})"

    why = [f"the file header labels channel {ch} {said(ch)}"]
    why += [f"channel {k} {said(int(k))}" for k in sorted(longitudinal, key=int)
            if int(k) != ch and int(k) in roles]
    return ch, "; ".join(why)


def _build(raw: RawTable, path: Path, columns: dict[str | int, str] | None,
           require: tuple[str, ...], user_meta: dict[str, Any]) -> Measurement:
    explicit = _explicit_specs(raw, path, columns) if columns else {}
    values, keep = _numeric_columns(raw, path)
    rows_kept = np.asarray(keep, dtype=bool)
    lines = np.asarray(raw.lines)
    if not rows_kept.all():
        values = {j: v[rows_kept] for j, v in values.items()}
        lines = lines[rows_kept]

    # comments (QD "Comment" column) go to the metadata
    comments = []
    for j in sorted(raw.text_columns):
        if raw.columns is not None:
            texts = raw.columns[j]
            for r in np.flatnonzero(texts != ""):
                if keep[r] and str(texts[r]).strip():
                    comments.append({"line": int(raw.lines[r]), "text": str(texts[r]).strip()})
                    if len(comments) >= 1000:
                        break
            continue
        for r, row in enumerate(raw.rows):
            if keep[r] and str(row[j]).strip():
                comments.append({"line": raw.lines[r], "text": str(row[j]).strip()})
    empty = [raw.headers[j] for j, v in values.items()
             if j not in explicit and not np.isfinite(v).any()]
    specs: dict[int, ColumnSpec] = {j: classify(raw.headers[j]) for j in values
                                    if j not in explicit and np.isfinite(values[j]).any()}
    unrecognised = [s.header for s in specs.values() if s.base is None]
    _inherit_std_units(specs)

    # Hall channels named in the instrument header
    if raw.hall_channels and not raw.no_hall_mapping:
        for j, spec in specs.items():
            if spec.channel in raw.hall_channels and spec.family == "R":
                specs[j] = replace(spec, base="Rxy_std" if spec.is_std else "Rxy")

    si: dict[int, np.ndarray] = {j: values[j] if (s.factor, s.offset) == (1.0, 0.0)
                                 else values[j] * s.factor + s.offset
                                 for j, s in specs.items()}
    derived_note: dict[str, str] = {}
    dropped: list[str] = []
    extra: list[tuple[ColumnSpec, np.ndarray, str]] = []  # derived columns

    def find(base: str, channel: int | None) -> int | None:
        return next((j for j, s in specs.items() if s.base == base and s.channel == channel),
                    None)

    for j, spec in list(specs.items()):
        if spec.base != "rho":
            continue
        r_j = find("R", spec.channel)
        if r_j is None:
            r_j = find("Rxy", spec.channel)
        std_j = find("rho_std", spec.channel)
        if r_j is not None:
            ratio = si[r_j] / np.where(si[j] != 0, si[j], np.nan)  # geometry factor, 1/m
            if std_j is not None:
                rbase = specs[r_j].base
                new = replace(specs[std_j], base=f"{rbase}_std", si_unit="ohm")
                extra.append((new, si[std_j] * ratio,
                              f"{specs[std_j].header} x ({specs[r_j].header} / "
                              f"{spec.header}) per row"))
                dropped.append(specs[std_j].header)
                del specs[std_j]
            dropped.append(spec.header)
            del specs[j]
        elif spec.si_unit == "ohm_m" and spec.channel in raw.geometry_cm:
            sep_cm, area_cm2 = raw.geometry_cm[spec.channel]
            g = (sep_cm * 1e-2) / (area_cm2 * 1e-4)  # 1/m
            how = (f"{spec.header} x lead separation {sep_cm} cm / cross-section "
                   f"{area_cm2} cm^2 (file header)")
            extra.append((replace(spec, base="R", si_unit="ohm"), si[j] * g, how))
            if std_j is not None:
                extra.append((replace(specs[std_j], base="R_std", si_unit="ohm"),
                              si[std_j] * g,
                              f"{specs[std_j].header} x separation / cross-section"))

    for spec, arr, _ in extra:
        key = -1 - len(si)
        specs[key] = spec
        si[key] = arr

    # channel layout
    res_channels = {s.channel for s in specs.values()
                    if s.base in RESISTANCE_BASES and s.channel is not None}
    keep_channel = len(res_channels) > 1

    data: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    original: dict[str, str] = {}
    for j, (target, spec) in explicit.items():
        data[target] = values[j] * spec.factor + spec.offset
        units[target] = spec.unit
        original[target] = spec.header
    order = sorted(specs, key=lambda k: (k < 0, k if k >= 0 else -k))
    notes = {id(spec): how for spec, _, how in extra}
    names_in_order: list[str] = []
    for k in order:
        spec = specs[k]
        name = canonical_name(spec, keep_channel=keep_channel)
        if name in data:
            name = canonical_name(spec, keep_channel=True)
        if name in data:
            alt = sanitize(parse_header(spec.header)[0])
            name = f"{alt}_{spec.si_unit}" if spec.si_unit else alt
        base_name, n = name, 2
        while name in data:
            name = f"{base_name}_{n}"
            n += 1
        data[name] = si[k]
        names_in_order.append(name)
        units[name] = spec.unit
        original[name] = spec.header
        if id(spec) in notes:
            derived_note[name] = notes[id(spec)]

    channels: dict[str, str] = {}  # header channel -> its column (R before Rxy before rho)
    for k, name in sorted(zip(order, names_in_order, strict=True),
                          key=lambda kn: RESISTANCE_BASES.index(specs[kn[0]].base)
                          if specs[kn[0]].base in RESISTANCE_BASES else 9):
        if specs[k].channel is not None and specs[k].base in RESISTANCE_BASES:
            channels.setdefault(str(specs[k].channel), name)
    frame = pd.DataFrame(data)
    if frame.shape[1]:
        mask = frame.notna().any(axis=1).to_numpy()
        if not mask.all():
            frame = frame[mask].reset_index(drop=True)
            lines = lines[mask]
    if frame.empty:
        raise DataFormatError("no numeric data rows", file=path,
                              line=int(raw.lines[0]) if len(raw.lines) else None,
                              expected="rows with at least one number")

    meta: dict[str, Any] = {}
    file_meta, _ = normalize_metadata(raw.metadata, path=path, strict=False,
                                      warnings=raw.warnings)
    user, user_bases = normalize_metadata(user_meta, path=path, strict=True)
    for key in list(file_meta):
        if _base_of_meta_key(key) in user_bases:
            del file_meta[key]
    meta.update(file_meta)
    meta.update(user)
    meta["source"] = str(path)
    meta["format"] = raw.fmt
    meta["rows"] = len(frame)
    meta["first_data_line"] = int(lines[0]) if len(lines) else None
    if comments:
        meta["comments"] = comments[:200]
    if empty:
        meta["empty_columns"] = empty
    if dropped:
        meta["dropped_columns"] = dropped
    if derived_note:
        meta["derived"] = derived_note
    if raw.hall_channels and not raw.no_hall_mapping:
        meta["hall_channels"] = sorted(raw.hall_channels)
    if unrecognised:
        meta["unrecognised_columns"] = unrecognised
    if channels:
        meta["channels"] = {k: channels[k] for k in sorted(channels, key=int)}
    iv = _iv_from_excitation(frame, meta, units, original)
    if iv:
        meta.setdefault("derived", {}).update(iv)
    meta["warnings"] = list(raw.warnings)
    if "channel" not in meta:
        named = _named_longitudinal_channel(meta, channels)
        if named is not None:
            meta["channel"], meta["channel_reason"] = named

    for name in require:
        if name not in frame.columns:
            what = QUANTITIES.get(name, name)
            raise DataFormatError(f"no {what} column", file=path, column=name,
                                  expected=f"a {what} column such as "
                                           f"{_EXAMPLE_HEADERS.get(name, name)!r}")
    return Measurement(data=frame, metadata=meta, units=units, original_names=original)


# --------------------------------------------------------------------------- I-V


_EXCITATION_RE = re.compile(r"^excitation(?:_ch(\d+))?_A$")


def excitation_is_swept(current_A: np.ndarray) -> bool:
    """True when a bridge excitation is the swept variable (an I-V), not a fixed setting.

    The finite values take at least 5 distinct levels spanning at least a factor 2, and
    the excitation changes (by more than 0.1 %) between at least half of the consecutive
    rows. A fixed excitation that an auto-ranging bridge changes now and then is not swept.
    """
    e = np.asarray(current_A, float)
    e = e[np.isfinite(e)]
    if e.size < 5:
        return False
    distinct = np.unique(np.round(e, 12))
    lo, hi = float(np.min(np.abs(e))), float(np.max(np.abs(e)))
    if distinct.size < 5 or hi <= 0 or (lo > 0 and hi / lo < 2):
        return False
    step = np.abs(np.diff(e)) > 1e-3 * np.maximum(np.abs(e[1:]), np.abs(e[:-1]))
    return bool(step.mean() >= 0.5)


def _isothermal(frame: pd.DataFrame, min_block: int = 8) -> bool:
    """True when the rows come in runs at fixed temperature (isotherms), as an I-V file
    does, and not as a temperature sweep (an R(T) in constant-power mode also varies its
    excitation on every row). A run keeps within ``max(20 mK, 1 %)`` of its first
    temperature; the median run must hold ``min_block`` rows. No ``T_K`` column: True."""
    if "T_K" not in frame.columns:
        return True
    T = frame["T_K"].to_numpy(float)
    T = T[np.isfinite(T)]
    if T.size < min_block:
        return False
    lengths, start, n = [], T[0], 0
    for t in T:
        if abs(t - start) <= max(0.02, 0.01 * abs(start)):
            n += 1
        else:
            lengths.append(n)
            start, n = t, 1
    lengths.append(n)
    return bool(np.median(lengths) >= min_block)


def _iv_from_excitation(frame: pd.DataFrame, meta: dict[str, Any], units: dict[str, str],
                        original: dict[str, str]) -> dict[str, str]:
    """Voltage columns from resistance x swept excitation (PPMS Resistivity I-V files).

    A QD Resistivity (DC bridge) file that sweeps ``Bridge N Excitation`` at fixed
    temperature records no voltage, only ``R = V/I``. When the rows come in isotherms (runs
    of at least 8 rows within ``max(20 mK, 1 %)`` of a temperature), for each longitudinal
    channel whose excitation is swept (:func:`excitation_is_swept`), ``V_chN_V = R_chN_ohm x
    excitation_chN_A`` (one channel: ``V_V``); ``I_A`` (and ``V_V`` with several channels)
    are those of the analysed channel (``metadata['channel']``, else the first swept one),
    which :mod:`ktoanalysis.transport.iv` reads. Files that hold ``I_A`` or ``V_V``
    columns already are left alone. Columns added here are added to ``frame`` in place.

    Returns
    -------
    dict
        Column name -> how it was computed (for ``metadata['derived']``); empty when no
        excitation is swept.
    """
    if "I_A" in frame.columns or "V_V" in frame.columns:
        return {}
    excitations: dict[int | None, str] = {}
    for c in frame.columns:
        m = _EXCITATION_RE.match(str(c))
        if m:
            excitations[int(m.group(1)) if m.group(1) else None] = str(c)
    if not excitations:
        return {}
    swept: list[tuple[int | None, str, str]] = []  # (channel, R column, excitation column)
    for c in frame.columns:
        c = str(c)
        m = re.fullmatch(r"R(?:_ch(\d+))?_ohm", c)
        if not m:
            continue
        ch = int(m.group(1)) if m.group(1) else None
        exc = excitations.get(ch)
        if exc is None and len(excitations) == 1:
            exc = next(iter(excitations.values()))
        if exc is None:
            continue
        rows = np.isfinite(frame[c].to_numpy(float))
        if excitation_is_swept(frame[exc].to_numpy(float)[rows]):
            swept.append((ch, c, exc))
    if not swept or not _isothermal(frame):
        return {}
    notes: dict[str, str] = {}
    wanted = meta.get("channel")
    chosen = swept[0]
    for item in swept:
        if wanted is not None and (item[0] == wanted or item[1] == wanted):
            chosen = item
    for ch, rcol, exc in swept:
        vname = "V_V" if ch is None else f"V_ch{ch}_V"
        frame[vname] = frame[rcol].to_numpy(float) * frame[exc].to_numpy(float)
        units[vname] = "V"
        original[vname] = f"{original.get(rcol, rcol)} x {original.get(exc, exc)}"
        notes[vname] = (f"{rcol} x {exc} per row: the excitation "
                        f"({original.get(exc, exc)!r}) is swept, so the file is an I-V "
                        "and V = R*I")
    ch, rcol, exc = chosen
    frame["I_A"] = frame[exc].to_numpy(float)
    units["I_A"], original["I_A"] = units.get(exc, ""), original.get(exc, exc)
    which = "" if ch is None else f" of channel {ch} ({rcol}; --channel selects another)"
    notes["I_A"] = f"{exc}: the swept excitation current{which}"
    if ch is not None:
        frame["V_V"] = frame[f"V_ch{ch}_V"].to_numpy(float)
        units["V_V"], original["V_V"] = "V", original[f"V_ch{ch}_V"]
        notes["V_V"] = f"V_ch{ch}_V: the voltage{which}"
        meta["iv_channel"] = ch
    return notes


_EXAMPLE_HEADERS = {"T_K": "T (K)", "B_T": "B (T)", "R_ohm": "R (Ohm)", "I_A": "I (uA)",
                    "V_V": "V (V)", "theta_rad": "theta (deg)", "Vg_V": "Vg (V)",
                    "n2d_m2": "n2d (cm^-2)", "Rxy_ohm": "R_xy (Ohm)", "t_s": "t (s)"}


# --------------------------------------------------------------------------- metadata

_META_BASES = {"n2d": "n2d_m2", "Vg": "Vg_V", "theta": "theta_rad", "T": "T_K", "B": "B_T"}
# a number at the start of a metadata value; the rest (stripped) is its unit. No pattern
# ends in `\s*$` after a lazy group: that backtracks quadratically on long blank runs
_VALUE_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _base_of_meta_key(key: str) -> str | None:
    low = key.strip().lower()
    if low in ("sample", "orientation", "channel"):
        return low
    spec = classify(key)
    return spec.base if spec.base in _META_BASES else None


def normalize_metadata(raw: dict[str, Any], *, path: Path | None = None, strict: bool = True,
                       warnings: list[str] | None = None) -> tuple[dict[str, Any], set[str]]:
    """Normalise metadata entries (from a file's comments or from keywords).

    ``sample``, ``orientation`` and ``channel`` are recognised case-insensitively; a key
    naming a quantity with a unit (``n2d_cm2``, ``n2d (cm^-2)``, ``Vg_V``, ``gate voltage``
    in V, ``theta_deg``) also sets the SI entry (``n2d_m2`` in m^-2, ``Vg_V``,
    ``theta_rad``). Values may carry their unit (``"5e13 cm^-2"``).

    Parameters
    ----------
    raw
        Key -> value.
    path
        File named in errors.
    strict
        Raise on a value that is not a number where one is needed (keywords); otherwise
        keep the text and add a warning (file comments).
    warnings
        List that receives the warnings when not strict.

    Returns
    -------
    dict, set
        Normalised metadata and the set of quantities it sets (``"n2d"``, ``"Vg"``...).
    """
    out: dict[str, Any] = {}
    bases: set[str] = set()
    for key, value in raw.items():
        k = str(key).strip()
        low = k.lower()
        if low in ("sample", "sample name", "sample_name", "sample id", "sample_id"):
            out["sample"] = str(value).strip()
            bases.add("sample")
            continue
        if low in ("orientation", "surface", "plane"):
            out["orientation"] = str(value).strip().strip("()[]<>")
            bases.add("orientation")
            continue
        if low == "channel":
            try:
                out["channel"] = channel_number(value)
            except DataFormatError as exc:
                if strict:
                    raise DataFormatError(exc.reason, file=path, column="channel",
                                          expected="a channel number >= 1 (1, 'ch1') or a "
                                                   "column name") from None
                if warnings is not None:
                    warnings.append(f"metadata 'channel': {value!r} is not a channel; kept "
                                    "as text")
                out["channel"] = value
            bases.add("channel")
            continue
        if k in ("source", "format"):
            out[f"file_{k}"] = value
            continue
        spec = classify(k)
        if spec.base in _META_BASES and (spec.unit or spec.base == "Vg"):
            number, unit_text = _meta_number(value)
            conv = unit_conversion(unit_text) if unit_text else None
            if number is None or (unit_text and conv is None):
                if strict:
                    raise DataFormatError(f"metadata {k}={value!r} is not a number",
                                          file=path, column=k, expected="a number")
                if warnings is not None:
                    warnings.append(f"metadata {k!r}: {value!r} is not a number; kept as text")
                out[k] = value
                continue
            if conv is not None:
                si_value = number * conv[1] + conv[2]
            else:
                si_value = number * spec.factor + spec.offset
            out[k] = number if not unit_text else value
            out[_META_BASES[spec.base]] = float(si_value)
            bases.add(spec.base)
            continue
        out[k] = _json_safe(value)
    return out, bases


def _meta_number(value: Any) -> tuple[float | None, str]:
    if isinstance(value, bool):
        return None, ""
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return (v if math.isfinite(v) else None), ""
    text = str(value).strip()
    m = _VALUE_NUMBER_RE.match(text)
    if not m:
        return None, ""
    return float(m.group(0)), text[m.end():].strip()


def _json_safe(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
