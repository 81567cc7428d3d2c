"""The user-facing series tables: typed columns, one density unit, a long (tidy) table.

Conventions of every table the batch writes (``results.csv``, ``results_long.csv``, their
Parquet copies, the report):

* **Orientation as a label.** ``orientation`` is written ``(001)``, ``(110)``, ``(111)``:
  a parenthesised Miller index stays a string in any CSV reader (``pd.read_csv`` turns a
  bare ``001`` into the integer 1).
* **One density unit.** Sheet densities are in cm^-2, with the unit in the column name
  (``n2d_cm2``); an analysis parameter in m^-2 (``<name>_m2``) is converted, or dropped
  where the same parameter is also given in cm^-2.
* **Dtypes restored.** :func:`read_results` reads ``results.csv`` (or its Parquet copy)
  back with the dtypes the runner wrote: text columns as strings (``""`` when empty, a
  sample called ``NA`` stays ``"NA"``), ``row`` as int64, yes/no statistics as the
  nullable ``boolean`` dtype, everything else float64 (NaN when empty).
"""

from __future__ import annotations

import importlib.util
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._fileio import read_text_table
from ..orientations import orientation_label

__all__ = ["read_results", "orientation_label", "typed_table", "long_table",
           "user_units", "parameter_unit", "parquet_available", "LONG_COLUMNS",
           "TEXT_COLUMNS"]

#: columns of ``results_long.csv``
LONG_COLUMNS: tuple[str, ...] = ("row", "sample", "kind", "parameter", "value", "stderr",
                                 "unit", "verdict", "flags")

#: text columns of the series tables (read back as strings)
TEXT_COLUMNS: frozenset[str] = frozenset({
    "sample", "kind", "files", "orientation", "polarization", "channel", "options",
    "ktoanalysis_version", "inputs_sha256", "run", "Vg_source", "quality", "flags",
    "error_type", "message",
    "parameter", "unit", "verdict",
    "branch", "n2d_source",  # series/series.csv (ktoanalysis.compare.series)
})
#: integer columns (never empty)
INT_COLUMNS: frozenset[str] = frozenset({"row"})

_DENSITY_M2 = re.compile(r"^(?P<base>.+)_m2(?P<err>_err)?$")

#: unit of a parameter from its name's suffix, where the kind does not declare it
_SUFFIX_UNITS: tuple[tuple[str, str], ...] = (
    ("_cm2_Vs", "cm^2/(V s)"), ("_m2_Vs", "m^2/(V s)"), ("_m2_per_s", "m^2/s"),
    ("_T_per_K", "T/K"), ("_cm2", "cm^-2"), ("_ohm_T", "Ohm/T"), ("_ohm", "Ohm"),
    ("_meV", "meV"), ("_rad", "rad"), ("_deg", "deg"), ("_K", "K"), ("_T", "T"),
    ("_A", "A"), ("_V", "V"), ("_J", "J"), ("_s", "s"), ("_m", "m"),
)


def user_units(values: Mapping[str, Any]) -> dict[str, Any]:
    """Parameter mapping with densities in cm^-2.

    ``<name>_m2`` (and ``<name>_m2_err``) becomes ``<name>_cm2`` (value x 1e-4), or is
    dropped when ``<name>_cm2`` is already there. Other names pass unchanged.
    """
    out: dict[str, Any] = {}
    for k, v in values.items():
        m = _DENSITY_M2.match(k)
        if m is None:
            out.setdefault(k, v)
            continue
        target = f"{m['base']}_cm2{m['err'] or ''}"
        if target in values:
            continue
        out[target] = v * 1e-4 if isinstance(v, (int, float)) and not isinstance(v, bool) \
            else v
    return out


def parameter_unit(name: str, declared: Mapping[str, str | None] | None = None) -> str:
    """Unit of a results parameter: the kind's declaration, else from the name's suffix
    (``""`` for dimensionless or unknown)."""
    if declared and name in declared:
        return declared[name] or ""
    for suffix, unit in _SUFFIX_UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def _declared_units(kind: str) -> dict[str, str | None]:
    from ..transport import KINDS, kind_spec

    if kind not in KINDS:
        return {}
    spec = kind_spec(kind)
    units = {o.name: o.unit for o in spec.outputs} if spec is not None else {}
    # a parameter declared in m^-2 is shown in cm^-2 (see user_units)
    for name in list(units):
        m = _DENSITY_M2.match(name)
        if m is not None and not m["err"]:
            units[f"{m['base']}_cm2"] = "cm^-2"
    return units


def _is_param(column: str, columns: Iterable[str]) -> bool:
    return not (column.endswith("_err") or column.startswith("stat_")
                or column in ("quality", "flags"))


def long_table(results: pd.DataFrame, meta_columns: Iterable[str]) -> pd.DataFrame:
    """The long (tidy) table: one line per (row, parameter).

    Parameters
    ----------
    results
        The wide table (``results.csv``), typed.
    meta_columns
        Its leading metadata columns (not parameters).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`LONG_COLUMNS`: ``value`` and ``stderr`` (NaN when unknown) in
        ``unit``; ``verdict`` and ``flags`` of the row's result. Parameters a row does
        not have (another kind's columns) are left out.
    """
    meta = set(meta_columns)
    cols = list(results.columns)
    params = [c for c in cols if c not in meta and _is_param(c, cols)]
    lines: list[dict[str, Any]] = []
    units: dict[str, dict[str, str | None]] = {}
    for r in results.to_dict("records"):
        kind = str(r["kind"])
        if kind not in units:
            units[kind] = _declared_units(kind)
        for p in params:
            v = r.get(p)
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            err = r.get(f"{p}_err", math.nan)
            name = p[4:] if p.startswith("fit_") else p
            lines.append({"row": r["row"], "sample": r["sample"], "kind": kind,
                          "parameter": p, "value": float(v),
                          "stderr": math.nan if err is None or pd.isna(err) else float(err),
                          "unit": parameter_unit(name, units[kind]),
                          "verdict": r.get("quality", ""), "flags": r.get("flags", "")})
    return typed_table(pd.DataFrame(lines, columns=list(LONG_COLUMNS)))


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or \
        (isinstance(v, str) and v == "")


def _float_cell(x: Any) -> float:
    if _missing(x) or (isinstance(x, str) and x.strip() == ""):
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        if isinstance(x, str) and x.strip().lower() in ("true", "false"):
            return float(x.strip().lower() == "true")
        raise


def _bool_like(values: pd.Series) -> bool:
    seen = [v for v in values if not _missing(v)]
    return bool(seen) and all(isinstance(v, (bool, np.bool_)) or
                              (isinstance(v, str) and v in ("True", "False")) for v in seen)


def typed_table(df: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of the series tables (see the module documentation), applied to a
    table built in memory or read from CSV as strings."""
    cols: dict[str, Any] = {}
    for c in df.columns:
        s = df[c].reset_index(drop=True)
        if c in TEXT_COLUMNS:
            cols[c] = pd.Series(["" if _missing(v) else str(v) for v in s], dtype=object)
        elif c in INT_COLUMNS:
            cols[c] = pd.Series([int(v) for v in s], dtype="int64")
        elif _bool_like(s):
            cols[c] = pd.Series(pd.array(
                [pd.NA if _missing(v) else (v == "True" if isinstance(v, str) else bool(v))
                 for v in s], dtype="boolean"))
        else:
            cols[c] = pd.Series([_float_cell(v) for v in s], dtype="float64")
    return pd.DataFrame(cols, index=pd.RangeIndex(len(df)), columns=list(df.columns))


def parquet_available() -> bool:
    """True if pyarrow is installed (the ``parquet`` extra): typed Parquet copies are
    written beside the CSV tables."""
    return importlib.util.find_spec("pyarrow") is not None


def read_results(path: str | Path) -> pd.DataFrame:
    """Read a series table written by the batch runner, with its dtypes restored.

    Parameters
    ----------
    path
        ``results.csv``, ``results_long.csv``, ``failures.csv``, a Parquet copy
        (``.parquet``), or an output folder (its ``results.csv``).

    Returns
    -------
    pandas.DataFrame
        Text columns as strings (``orientation`` such as ``"(001)"``), ``row`` int64,
        yes/no statistics ``boolean``, numbers float64.

    Raises
    ------
    DataFormatError
        Missing or unreadable file.
    """
    return typed_table(read_text_table(path, expected="a table written by ktoanalysis batch"))
