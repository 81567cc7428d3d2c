"""Sample-series manifests (TOML or CSV): which files to analyse, how, with what metadata.

A manifest lists one *row* per analysis. TOML form (``[defaults]`` is optional and
supplies any field, options merged key by key)::

    [defaults]
    kind = "tc"
    orientation = "111"
    options = { criterion = 0.5 }
    columns = { temp_sensor_A = "T_K" }   # headers the loader does not recognise

    [[run]]
    sample = "KTO111-A"
    file = "A/RT_cooldown.csv"          # relative to the manifest's folder
    n2d_cm2 = 3.5e13
    polarization = "up"
    channel = 1
    columns = { lockin_3_ResX = "R_ohm", magnet_bpar = "B (mT)" }

    [[run]]
    sample = "KTO111-A"
    kind = "bkt-iv"
    files = "A/IV_*.csv"                # a glob, or a list of files
    [run.options]
    alpha = 3

    [[run]]
    sample = "KTO111-B"
    file = "B/experiment.db"            # a QCoDeS database
    run = 3                             # its run id (load(..., run_id=3))
    options = { sweep = "warming" }     # any option of the kind, checked against it

CSV form: one line per row, a header with the same field names; several files in one
cell are separated by ``;``; options come as a JSON object in an ``options`` column and/or
as ``opt.<name>`` columns (cells parsed as JSON literals, else kept as text; empty cells
are unset); header mappings as a JSON object in a ``columns`` column
(``{"magnet_bpar": "B (mT)"}``). Lines whose first cell starts with ``#`` are comments.

Fields
------
``sample`` (text; default: stem of the first file), ``file`` or ``files`` (required),
``kind`` (required; an analysis kind of :data:`ktoanalysis.transport.KINDS`),
``orientation`` (``111``, ``110`` or ``001``), ``n2d_cm2`` (sheet density in cm^-2, > 0;
or ``n2d_m2`` in m^-2), ``Vg_V`` or ``V_G_V`` (gate voltage in V; rows of one sample in
manifest order make a gate series, see :mod:`ktoanalysis.batch.series_level`),
``polarization`` (text, e.g. the ferroelectric polarization state ``up``/``down`` or a
poling voltage ``+10 V``), ``channel`` (resistance channel number or column name),
``run`` (QCoDeS run id, an integer >= 1, passed to :func:`ktoanalysis.io.load` as
``run_id=``; every existing file of the row must then be a QCoDeS SQLite database),
``options`` (keyword options of the analysis, checked against the kind's declaration:
an unknown option or a refused value is a :class:`~ktoanalysis.errors.ManifestError`
naming the row, the option and the accepted ones), ``columns`` (original header -> canonical
name or lab header with unit, passed to :func:`ktoanalysis.io.load` as ``columns=``; merged
with ``[defaults]`` key by key like ``options``; targets are checked when the manifest is
read, headers when the file is loaded).

Gate voltage from the data file
-------------------------------
A row without ``Vg_V`` takes the gate voltage its data file states (a ``# gate voltage:
-40 V`` or ``# Vg_V = 2.5`` comment, a QCoDeS station snapshot: whatever
:func:`ktoanalysis.io.load` puts in ``metadata['Vg_V']``) for the results table and the
gate series; ``results.csv`` column ``Vg_source`` says ``manifest`` or ``file``. A
manifest value wins over the file's; where they differ the row carries a warning naming
both (logged by the runner and kept in ``rows/<row>.json``).

Two severities of problems
--------------------------
*Structural* problems (unparsable manifest, unknown field, unknown kind, option not
accepted by the kind, wrong type such as a non-numeric ``n2d_cm2``, unknown orientation)
raise :class:`~ktoanalysis.errors.ManifestError` naming the row (1-based index and sample)
and the field, before any analysis starts. *Data* problems of one row (a file that does
not exist, a glob that matches nothing, a corrupted file) do not stop the series: that
row fails and is listed in ``failures.csv`` while the others complete. With
``strict=True`` missing files are structural errors too.
"""

from __future__ import annotations

import csv
import glob
import importlib
import importlib.util
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ManifestError
from ..orientations import ORIENTATIONS as _ORIENTATIONS
from ..units import cm2_to_m2

__all__ = [
    "FIELDS", "ORIENTATIONS", "SELFTEST_KINDS", "Manifest", "ManifestRow", "load_manifest",
    "parse_rows", "known_kinds",
]

#: accepted surface orientations of the KTaO3 interface
ORIENTATIONS: tuple[str, ...] = _ORIENTATIONS  # the registry, ktoanalysis.orientations

#: manifest field -> description
FIELDS: dict[str, str] = {
    "sample": "sample name (text)",
    "file": "one data file (path relative to the manifest's folder, or a glob)",
    "files": "several data files (list, ';'-separated text in CSV, or a glob)",
    "kind": "analysis kind",
    "orientation": "interface orientation: " + ", ".join(_ORIENTATIONS),
    "n2d_cm2": "sheet carrier density in cm^-2",
    "n2d_m2": "sheet carrier density in m^-2",
    "Vg_V": "gate voltage in V",
    "V_G_V": "gate voltage in V (same as Vg_V)",
    "polarization": "polarization state (text)",
    "channel": "resistance channel (number or column name)",
    "run": "QCoDeS run id (integer >= 1) of a .db data file",
    "options": "options of the analysis (table / JSON object)",
    "columns": "header -> canonical name ('B_T') or lab header with unit ('B (mT)') "
               "(table / JSON object)",
}

#: a trivial analysis kind for testing the batch machinery; accepted only when passed
#: explicitly as ``extra_kinds``
SELFTEST_KINDS: dict[str, str] = {"selftest": "ktoanalysis.batch._selftest"}

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class ManifestRow:
    """One validated row of a manifest.

    Attributes
    ----------
    index
        1-based position in the manifest.
    sample
        Sample name.
    kind
        Analysis kind; ``module`` is the module implementing it.
    files
        Absolute paths of the data files (globs expanded, sorted); missing ones included.
    patterns
        The file entries as written in the manifest.
    missing
        Entries that name no existing file (a missing path or a glob matching nothing).
    orientation, n2d_m2, Vg_V, polarization, channel
        Metadata (SI; ``None`` when not given).
    run
        QCoDeS run id passed to :func:`ktoanalysis.io.load` as ``run_id`` (``None``: not
        given).
    options
        Keyword options passed to the analysis.
    columns
        Header mapping passed to :func:`ktoanalysis.io.load` as ``columns=`` (empty: none).
    """

    index: int
    sample: str
    kind: str
    module: str
    files: tuple[str, ...]
    patterns: tuple[str, ...]
    missing: tuple[str, ...] = ()
    orientation: str | None = None
    n2d_m2: float | None = None
    Vg_V: float | None = None
    polarization: str | None = None
    channel: int | str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)
    run: int | None = None

    @property
    def label(self) -> str:
        """``row N (sample 'X')``, used in messages."""
        return f"row {self.index} (sample {self.sample!r})"

    def metadata(self) -> dict[str, Any]:
        """Metadata handed to the loader and written to the results table (unset omitted)."""
        meta = {"sample": self.sample, "orientation": self.orientation, "n2d_m2": self.n2d_m2,
                "Vg_V": self.Vg_V, "polarization": self.polarization, "channel": self.channel}
        return {k: v for k, v in meta.items() if v is not None}


@dataclass(frozen=True)
class Manifest:
    """A validated manifest: its rows and the folder relative paths resolve against."""

    rows: tuple[ManifestRow, ...]
    base_dir: Path
    source: str = "<manifest>"

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def path(self) -> Path | None:
        """The manifest file, when the rows were read from one (else ``None``)."""
        p = Path(self.source)
        return p if self.source != "<manifest>" and p.is_file() else None

    def __iter__(self):
        return iter(self.rows)


def known_kinds(extra_kinds: Mapping[str, str] | None = None) -> dict[str, str]:
    """Analysis kind -> implementing module: the registry plus ``extra_kinds``."""
    from ..transport import KINDS

    kinds = {k: mod for k, (mod, _) in KINDS.items()}
    kinds.update(extra_kinds or {})
    return kinds


def load_manifest(path: str | Path, *, strict: bool = False,
                  extra_kinds: Mapping[str, str] | None = None) -> Manifest:
    """Read and validate a manifest file (``.toml`` or ``.csv``).

    Parameters
    ----------
    path
        Manifest file. Relative data paths resolve against its folder.
    strict
        If True, a missing data file (or a glob matching nothing) is a
        :class:`ManifestError`; by default that row fails at run time instead.
    extra_kinds
        Additional analysis kinds (name -> importable module with ``analyze`` and
        ``plot``), e.g. :data:`SELFTEST_KINDS`.

    Returns
    -------
    Manifest

    Raises
    ------
    ManifestError
        If the file cannot be read or parsed, or a row has a structural problem; the
        message names the manifest, the row (1-based index and sample) and the field.
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise ManifestError(f"{source}: manifest file not found")
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ManifestError(f"{source}: not valid TOML: {exc}") from None
        raw_rows, defaults = _from_toml(doc, source)
    elif suffix in (".csv", ".tsv", ".txt"):
        raw_rows, defaults = _from_csv(path, source), {}
    else:
        raise ManifestError(f"{source}: unknown manifest format {path.suffix!r} "
                            "(expected .toml or .csv)")
    return parse_rows(raw_rows, base_dir=path.parent, defaults=defaults, source=source,
                      strict=strict, extra_kinds=extra_kinds)


def parse_rows(raw_rows: Sequence[Mapping[str, Any]], *, base_dir: str | Path,
               defaults: Mapping[str, Any] | None = None, source: str = "<manifest>",
               strict: bool = False,
               extra_kinds: Mapping[str, str] | None = None) -> Manifest:
    """Validate rows given as mappings (the parsed form of a TOML or CSV manifest).

    Parameters
    ----------
    raw_rows
        One mapping per row with the fields of :data:`FIELDS` (numbers as numbers; CSV
        text is accepted where a number is expected if it parses).
    base_dir
        Folder that relative data paths resolve against.
    defaults
        Values for fields a row does not set (``options`` merged key by key).
    source
        Name of the manifest, used in messages.
    strict, extra_kinds
        As in :func:`load_manifest`.

    Raises
    ------
    ManifestError
        On the first structural problem (see the module documentation).
    """
    base = Path(base_dir).expanduser().resolve()
    kinds = known_kinds(extra_kinds)
    defaults = dict(defaults or {})
    _check_fields(defaults, f"{source}: [defaults]")
    if not raw_rows:
        raise ManifestError(f"{source}: the manifest has no rows")
    rows = []
    checked_modules: dict[str, Any] = {}
    for i, raw in enumerate(raw_rows, start=1):
        merged = {**defaults, **raw}
        merged["options"] = {**_as_options(defaults.get("options"), f"{source}: [defaults]"),
                             **_as_options(raw.get("options"), f"{source}: row {i}")}
        merged["columns"] = {**_as_columns(defaults.get("columns"), f"{source}: [defaults]"),
                             **_as_columns(raw.get("columns"), f"{source}: row {i}")}
        rows.append(_parse_row(i, merged, base, kinds, source, strict, checked_modules))
    return Manifest(rows=tuple(rows), base_dir=base, source=source)


# --------------------------------------------------------------------------------------
# readers


def _from_toml(doc: dict[str, Any], source: str) -> tuple[list[dict], dict]:
    unknown = set(doc) - {"run", "defaults"}
    if unknown:
        raise ManifestError(f"{source}: unknown top-level key(s) {sorted(unknown)} "
                            "(expected [[run]] tables and an optional [defaults] table)")
    runs = doc.get("run", [])
    if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
        raise ManifestError(f"{source}: 'run' must be an array of tables ([[run]])")
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ManifestError(f"{source}: 'defaults' must be a table ([defaults])")
    return runs, defaults


def _from_csv(path: Path, source: str) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{source}: not UTF-8 text: {exc}") from None
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ManifestError(f"{source}: empty manifest (expected a header line)")
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    if len(set(header)) != len(header):
        raise ManifestError(f"{source}: duplicate column names in the header {header}")
    rows = []
    for i, cells in enumerate(reader, start=1):
        if len(cells) > len(header):
            raise ManifestError(f"{source}: row {i} has {len(cells)} cells but the header has "
                                f"{len(header)} columns")
        raw: dict[str, Any] = {}
        options: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=False):
            cell = cell.strip()
            if cell == "":
                continue
            if name.startswith("opt."):
                options[name[4:]] = _json_or_text(cell)
            elif name == "options":
                try:
                    parsed = json.loads(cell)
                except json.JSONDecodeError as exc:
                    raise ManifestError(f"{source}: row {i}, field 'options': not a JSON "
                                        f"object: {exc}") from None
                if not isinstance(parsed, dict):
                    raise ManifestError(f"{source}: row {i}, field 'options': expected a JSON "
                                        f"object, got {cell!r}")
                options = {**parsed, **options}
            elif name == "columns":
                raw[name] = _json_object(cell, f"{source}: row {i}", name)
            elif name == "files":
                raw[name] = [p.strip() for p in cell.split(";") if p.strip()]
            elif name in ("channel", "run"):
                raw[name] = int(cell) if (cell.isascii() and cell.isdigit()) else cell
            else:
                raw[name] = cell
        if options:
            raw["options"] = options
        rows.append(raw)
    return rows


def _json_object(cell: str, where: str, name: str) -> dict[str, Any]:
    try:
        parsed = json.loads(cell)
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{where}, field {name!r}: not a JSON object: {exc}") from None
    if not isinstance(parsed, dict):
        raise ManifestError(f"{where}, field {name!r}: expected a JSON object, got {cell!r}")
    return parsed


def _json_or_text(cell: str) -> Any:
    try:
        return json.loads(cell)
    except json.JSONDecodeError:
        return cell


# --------------------------------------------------------------------------------------
# validation


def _check_fields(raw: Mapping[str, Any], where: str) -> None:
    unknown = [k for k in raw if k not in FIELDS]
    if unknown:
        raise ManifestError(f"{where}: unknown field {unknown[0]!r} "
                            f"(known fields: {', '.join(FIELDS)})")


def _as_options(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(f"{where}, field 'options': expected a table of options, "
                            f"got {value!r}")
    return dict(value)


def _as_columns(value: Any, where: str) -> dict[str, str]:
    """A ``columns`` table: header -> target, every target checked (unit, quantity)."""
    from ..errors import DataFormatError
    from ..io.columns import resolve_target

    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ManifestError(f"{where}, field 'columns': expected a table "
                            f"{{original header = \"canonical name\"}}, got {value!r}")
    out: dict[str, str] = {}
    for header, target in value.items():
        if not isinstance(header, str) or not header.strip():
            raise ManifestError(f"{where}, field 'columns': empty or non-text header "
                                f"{header!r}")
        try:
            resolve_target(target)
        except DataFormatError as exc:
            raise ManifestError(f"{where}, field 'columns.{header}': {exc.reason} "
                                f"(expected {exc.expected})") from None
        out[header] = target.strip()
    return out


def _number(value: Any, where: str, name: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ManifestError(f"{where}, field {name!r}: expected a number, got {value!r}")
    try:
        x = float(value)
    except ValueError:
        raise ManifestError(f"{where}, field {name!r}: expected a number, got {value!r}") \
            from None
    if not math.isfinite(x) or (positive and x <= 0):
        need = "a finite positive number" if positive else "a finite number"
        raise ManifestError(f"{where}, field {name!r}: expected {need}, got {value!r}")
    return x


def _text(value: Any, where: str, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ManifestError(f"{where}, field {name!r}: expected text, got {value!r}")
    text = str(value).strip()
    if not text:
        raise ManifestError(f"{where}, field {name!r}: empty")
    return text


def _orientation(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ManifestError(f"{where}, field 'orientation': expected one of "
                            f"{', '.join(ORIENTATIONS)}, got {value!r}")
    text = str(value).strip().strip("()[]<>")
    if text not in ORIENTATIONS:  # canonical strings only (an int 001 reads as 1)
        hint = " (write 001 as a quoted string in TOML)" if text == "1" else ""
        raise ManifestError(f"{where}, field 'orientation': unknown orientation {value!r}; "
                            f"expected one of {', '.join(ORIENTATIONS)}{hint}")
    return text


def _run_id(value: Any, where: str) -> int:
    """A QCoDeS run id: an integer >= 1 (``3``; ``"3"`` from a CSV cell)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ManifestError(f"{where}, field 'run': expected a QCoDeS run id (an integer "
                            f">= 1), got {value!r}")
    return value


def _check_run_files(run: int, files: Sequence[str], entries: Sequence[str],
                     where: str) -> None:
    """``run`` needs QCoDeS databases: every existing file must be an SQLite file."""
    from ..io.qcodes_db import is_sqlite

    for f in files:
        p = Path(f)
        if p.is_file() and not is_sqlite(p):
            raise ManifestError(f"{where}, field 'run': run = {run} selects a run of a "
                                f"QCoDeS database, but {p.name} is not one (remove 'run' "
                                f"for {', '.join(entries)})")


def _file_entries(raw: Mapping[str, Any], where: str) -> list[str]:
    if "file" in raw and "files" in raw:
        raise ManifestError(f"{where}, field 'files': give either 'file' or 'files', not both")
    if "file" in raw:
        name, value = "file", raw["file"]
        entries = [value]
    elif "files" in raw:
        name, value = "files", raw["files"]
        entries = [value] if isinstance(value, str) else value
    else:
        raise ManifestError(f"{where}, field 'file': no data file given ('file' or 'files')")
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, str) and e.strip() for e in entries):
        raise ManifestError(f"{where}, field {name!r}: expected a path or a list of paths, "
                            f"got {value!r}")
    return [e.strip() for e in entries]


def _resolve(entries: list[str], base: Path) -> tuple[list[str], list[str]]:
    files: list[str] = []
    missing: list[str] = []
    for entry in entries:
        p = Path(entry).expanduser()
        p = p if p.is_absolute() else base / p
        if _GLOB_CHARS & set(entry):
            found = sorted(glob.glob(str(p)))
            found = [f for f in found if Path(f).is_file()]
            if found:
                files.extend(found)
            else:
                missing.append(entry)
                files.append(str(p))
        else:
            files.append(str(p))
            if not p.is_file():
                missing.append(entry)
    return files, missing


def _check_kind(kind: str, kinds: Mapping[str, str], where: str,
                cache: dict[str, Any]) -> str:
    if kind not in kinds:
        raise ManifestError(f"{where}, field 'kind': unknown analysis kind {kind!r}; "
                            f"known: {', '.join(kinds)}")
    module = kinds[kind]
    if module not in cache:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            raise ManifestError(f"{where}, field 'kind': analysis kind {kind!r} is not "
                                f"available in this installation (module {module} missing)")
        try:
            cache[module] = importlib.import_module(module)
        except Exception as exc:  # a broken module is a structural problem of the run
            raise ManifestError(f"{where}, field 'kind': cannot import {module} for kind "
                                f"{kind!r}: {type(exc).__name__}: {exc}") from exc
    return module


def _check_options(options: dict[str, Any], mod: Any, kind: str, where: str) -> None:
    spec = getattr(mod, "SPEC", None)
    if spec is not None:
        # the same declaration the CLI and analyze() read: same values accepted and refused
        from ..errors import OptionError

        for name in options:
            if name not in spec.help_map():
                raise ManifestError(f"{where}, field 'options.{name}': option not accepted by "
                                    f"kind {kind!r} (accepted: "
                                    f"{', '.join(spec.help_map()) or 'none'})")
        try:
            spec.resolve(options)
        except OptionError as exc:
            raise ManifestError(f"{where}, field 'options': {exc}") from None
        return
    accepted = getattr(mod, "OPTIONS", None)
    if not isinstance(accepted, Mapping):
        return
    for name in options:
        if name not in accepted:
            raise ManifestError(f"{where}, field 'options.{name}': option not accepted by "
                                f"kind {kind!r} (accepted: {', '.join(accepted) or 'none'})")


def _parse_row(i: int, raw: dict[str, Any], base: Path, kinds: Mapping[str, str],
               source: str, strict: bool, cache: dict[str, Any]) -> ManifestRow:
    where = f"{source}: row {i}"
    # the sample name first, so every later message can name it
    entries = None
    if "sample" in raw:
        sample = _text(raw["sample"], where, "sample")
    else:
        entries = _file_entries(raw, where)
        sample = Path(entries[0]).stem
    where = f"{source}: row {i} (sample {sample!r})"
    _check_fields(raw, where)
    entries = entries if entries is not None else _file_entries(raw, where)

    if "kind" not in raw:
        raise ManifestError(f"{where}, field 'kind': no analysis kind given "
                            f"(known: {', '.join(kinds)})")
    kind = _text(raw["kind"], where, "kind")
    module = _check_kind(kind, kinds, where, cache)
    options = raw.get("options") or {}
    _check_options(options, cache[module], kind, where)

    orientation = _orientation(raw["orientation"], where) if "orientation" in raw else None
    if "n2d_cm2" in raw and "n2d_m2" in raw:
        raise ManifestError(f"{where}, field 'n2d_cm2': give either 'n2d_cm2' or 'n2d_m2'")
    n2d_m2 = None
    if "n2d_cm2" in raw:
        n2d_m2 = float(cm2_to_m2(_number(raw["n2d_cm2"], where, "n2d_cm2", positive=True)))
    elif "n2d_m2" in raw:
        n2d_m2 = _number(raw["n2d_m2"], where, "n2d_m2", positive=True)
    if "Vg_V" in raw and "V_G_V" in raw:
        raise ManifestError(f"{where}, field 'V_G_V': give either 'Vg_V' or 'V_G_V'")
    Vg_V = _number(raw["Vg_V"], where, "Vg_V") if "Vg_V" in raw else None
    if "V_G_V" in raw:  # the same gate voltage under its other name
        Vg_V = _number(raw["V_G_V"], where, "V_G_V")
    polarization = _text(raw["polarization"], where, "polarization") \
        if "polarization" in raw else None
    channel = raw.get("channel")
    if channel is not None:
        if isinstance(channel, bool) or not isinstance(channel, (int, str)) or \
                (isinstance(channel, int) and channel < 1) or \
                (isinstance(channel, str) and not channel.strip()):
            raise ManifestError(f"{where}, field 'channel': expected a channel number >= 1 "
                                f"or a column name, got {channel!r}")

    run = _run_id(raw["run"], where) if "run" in raw else None

    files, missing = _resolve(entries, base)
    if strict and missing:
        raise ManifestError(f"{where}, field 'files': no such file: {', '.join(missing)} "
                            f"(relative paths resolve against {base})")
    if run is not None:
        _check_run_files(run, files, entries, where)
    return ManifestRow(index=i, sample=sample, kind=kind, module=module, files=tuple(files),
                       patterns=tuple(entries), missing=tuple(missing),
                       orientation=orientation, n2d_m2=n2d_m2, Vg_V=Vg_V,
                       polarization=polarization, channel=channel, options=dict(options),
                       columns=_as_columns(raw.get("columns"), where), run=run)
