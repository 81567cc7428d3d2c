"""QCoDeS datasets: one run of a QCoDeS SQLite database as a :class:`Measurement`.

The database is read through qcodes itself (``pip install 'ktoanalysis[qcodes]'``): the
run is loaded with ``qcodes.dataset.load_by_id`` on a connection to the file (the qcodes
configuration is not touched), its dependent parameters with their setpoints become one
table (``to_pandas_dataframe_dict``, joined on the setpoints), and the table goes through
the same column recognition as a lab file (:mod:`.columns`):

* each parameter is named by ``"<name> (<unit>)"`` when that is a recognised quantity
  (``temperature`` in K -> ``T_K``, ``B`` in T -> ``B_T``), else by
  ``"<label> (<unit>)"`` (``lockin_R`` labelled ``Resistance`` in Ohm -> ``R_ohm``); a
  parameter that neither names, but whose unit is unambiguous (K, a field unit, a
  resistance unit) and is the only one of its kind, takes that quantity;
* ``columns=`` mappings (``--column``) may name a parameter by its qcodes name;
* metadata: ``sample`` (the experiment's sample name), ``qcodes_run_name``,
  ``qcodes_experiment``, ``qcodes_run_id``, ``qcodes_captured_run_id``, ``qcodes_guid``,
  ``qcodes_run_timestamp``, the dataset's own metadata (``ds.add_metadata``: ``sample``,
  ``orientation``, ``n2d_cm2``... are normalised as file comments are), ``qcodes_parameters``
  (name -> label, unit, setpoints) and ``qcodes_snapshot`` (``instrument.parameter`` ->
  value and unit, for the scalar values of the station snapshot); a gate voltage, a
  carrier density or an angle found in the snapshot also sets ``Vg_V``, ``n2d_m2`` or
  ``theta_rad`` unless the dataset's metadata or the caller set it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError
from .columns import classify
from .raw import RawTable

__all__ = ["is_sqlite", "qcodes_available", "read_qcodes_run", "list_runs"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
#: quantities a unit alone may decide (SI unit of the converted unit -> header stem)
_UNIT_ONLY = {"K": "temperature", "T": "field", "ohm": "resistance"}
#: snapshot quantities that become scalar metadata
_SNAPSHOT_BASES = ("Vg", "n2d", "theta")
_MAX_SNAPSHOT = 500


def is_sqlite(path: Path) -> bool:
    """True when ``path`` is an SQLite database (its first 16 bytes)."""
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def qcodes_available() -> bool:
    """True when qcodes can be imported."""
    try:
        import qcodes  # noqa: F401
    except Exception:  # noqa: BLE001 - any import failure means "not usable"
        return False
    return True


def _import_qcodes(path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from qcodes.dataset import load_by_id
            from qcodes.dataset.sqlite.database import connect
            from qcodes.dataset.sqlite.queries import get_runs
    except Exception as exc:  # noqa: BLE001
        raise DataFormatError(
            f"a QCoDeS database needs qcodes ({type(exc).__name__}: {exc})", file=path,
            expected="pip install 'ktoanalysis[qcodes]'") from None
    return load_by_id, connect, get_runs


def list_runs(path: Path) -> list[dict[str, Any]]:
    """The runs of a QCoDeS database: ``run_id``, ``name``, ``experiment``, ``sample``,
    ``rows`` (number of results).

    Raises
    ------
    DataFormatError
        qcodes missing, or the file is no QCoDeS database.
    """
    load_by_id, connect, get_runs = _import_qcodes(path)
    conn = _connect(connect, path)
    try:
        out = []
        for rid in get_runs(conn):
            ds = load_by_id(int(rid), conn=conn)
            out.append({"run_id": int(rid), "name": ds.name, "experiment": ds.exp_name,
                        "sample": ds.sample_name, "rows": int(ds.number_of_results)})
        return out
    except DataFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - qcodes raises many kinds
        raise DataFormatError(f"not a readable QCoDeS database ({type(exc).__name__}: "
                              f"{exc})", file=path, expected="a QCoDeS .db file") from None
    finally:
        conn.close()


def _connect(connect, path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return connect(str(path))
    except Exception as exc:  # noqa: BLE001
        raise DataFormatError(f"cannot open the database ({type(exc).__name__}: {exc})",
                              file=path, expected="a QCoDeS .db file") from None


def _header_of(name: str, label: str, unit: str) -> str:
    """The header under which a parameter is recognised (see the module docstring)."""
    named = f"{name} ({unit})" if unit else name
    if classify(named).base is not None:
        return named
    labelled = f"{label} ({unit})" if unit else label
    if label and classify(labelled).base is not None:
        return labelled
    return named


def _snapshot_values(snapshot: Any) -> dict[str, dict[str, Any]]:
    """``instrument.parameter`` -> ``{"value", "unit"}`` for scalar snapshot values."""
    out: dict[str, dict[str, Any]] = {}

    def walk(node: Any, prefix: str) -> None:
        if len(out) >= _MAX_SNAPSHOT or not isinstance(node, dict):
            return
        if "value" in node and ("full_name" in node or "unit" in node) and "name" in node:
            value = node.get("value")
            if isinstance(value, bool | int | float | str) and value is not None:
                if not (isinstance(value, float) and not np.isfinite(value)):
                    key = str(node.get("full_name") or prefix or node["name"])
                    out[key] = {"value": value, "unit": str(node.get("unit") or "")}
            return
        for key, child in node.items():
            if key in ("validators", "__class__"):
                continue
            walk(child, f"{prefix}.{key}" if prefix else str(key))

    walk(snapshot, "")
    return out


def read_qcodes_run(path: Path, run_id: int | None) -> RawTable:
    """Read run ``run_id`` of a QCoDeS database into a :class:`RawTable` (numbers parsed).

    Parameters
    ----------
    path
        The ``.db`` file.
    run_id
        The run (qcodes ``run_id``); ``None`` takes the only run of a one-run database.

    Raises
    ------
    DataFormatError
        qcodes missing; not a QCoDeS database; no such run (the runs are listed); no run
        given while the database holds several; a run without results.
    """
    load_by_id, connect, get_runs = _import_qcodes(path)
    conn = _connect(connect, path)
    try:
        try:
            runs = sorted(int(r) for r in get_runs(conn))
        except Exception as exc:  # noqa: BLE001
            raise DataFormatError(f"not a QCoDeS database ({type(exc).__name__}: {exc})",
                                  file=path, expected="a QCoDeS .db file") from None
        shown = ", ".join(str(r) for r in runs[:30]) + (", ..." if len(runs) > 30 else "")
        if run_id is None:
            if len(runs) != 1:
                raise DataFormatError(
                    f"the database holds {len(runs)} runs; choose one", file=path,
                    expected=f"--run N (Python: run_id=N) with N one of {shown or 'none'}")
            run_id = runs[0]
        if isinstance(run_id, bool) or not isinstance(run_id, int | np.integer) \
                or int(run_id) not in runs:
            raise DataFormatError(f"no run {run_id!r} in the database", file=path,
                                  expected=f"a run id among {shown or 'none'}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = load_by_id(int(run_id), conn=conn)
            frames = ds.to_pandas_dataframe_dict()
        params = {p.name: p for p in ds.get_parameters()}
        table = _join(frames)
        if table is None or table.empty:
            raise DataFormatError(f"run {run_id} holds no results", file=path,
                                  expected="a run with data")
        meta: dict[str, Any] = {}
        for key, value in (ds.metadata or {}).items():
            meta[str(key)] = value
        if ds.sample_name and not any(k.strip().lower() == "sample" for k in meta):
            meta["sample"] = ds.sample_name
        meta.update({"qcodes_run_name": ds.name, "qcodes_experiment": ds.exp_name,
                     "qcodes_run_id": int(ds.run_id),
                     "qcodes_captured_run_id": int(ds.captured_run_id),
                     "qcodes_guid": ds.guid, "qcodes_run_timestamp": ds.run_timestamp()})
        meta["qcodes_parameters"] = {
            n: {"label": p.label, "unit": p.unit,
                "setpoints": [s for s in (p.depends_on or "").split(", ") if s]}
            for n, p in params.items()}
        snap = _snapshot_values(ds.snapshot or {})
        if snap:
            meta["qcodes_snapshot"] = snap
        _snapshot_quantities(snap, meta)
    finally:
        conn.close()

    names = [str(c) for c in table.columns]
    headers = [_header_of(n, params[n].label if n in params else "",
                          params[n].unit if n in params else "") for n in names]
    _unit_only(headers, names, params)
    columns: dict[int, np.ndarray] = {}
    for j, n in enumerate(names):
        col = table[n]
        if col.dtype.kind in "fiub":
            columns[j] = col.to_numpy(dtype=float, copy=True)
        else:
            columns[j] = np.array(["" if pd.isna(x) else str(x) for x in col], dtype=object)
    raw = RawTable(headers=headers, rows=[], lines=np.arange(1, len(table) + 1),
                   fmt="qcodes", metadata=meta, instrument_file=False)
    raw.columns = columns
    raw.metadata["qcodes_columns"] = dict(zip(headers, names, strict=True))
    return raw


def _join(frames: dict[str, pd.DataFrame]) -> pd.DataFrame | None:
    """One table of all dependent parameters: joined on their setpoints when they share
    them, else stacked (each parameter missing on the others' rows)."""
    if not frames:
        return None
    parts = list(frames.values())
    names = [tuple(f.index.names) for f in parts]
    if all(n == names[0] for n in names):
        joined = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
        return joined.reset_index()
    return pd.concat([f.reset_index() for f in parts], axis=0, ignore_index=True)


def _unit_only(headers: list[str], names: list[str], params: dict[str, Any]) -> None:
    """Give a quantity to unrecognised parameters whose unit alone decides it."""
    from .columns import _unit_conv

    have = {classify(h).base for h in headers}
    by_si: dict[str, list[int]] = {}
    for j, h in enumerate(headers):
        if classify(h).base is not None or names[j] not in params:
            continue
        conv = _unit_conv(params[names[j]].unit or "")
        if conv is not None and conv[0] in _UNIT_ONLY:
            by_si.setdefault(conv[0], []).append(j)
    for si, js in by_si.items():
        stem = _UNIT_ONLY[si]
        if len(js) == 1 and classify(f"{stem} (x)").base not in have:
            j = js[0]
            headers[j] = f"{stem} ({params[names[j]].unit})"


def _snapshot_quantities(snap: dict[str, dict[str, Any]], meta: dict[str, Any]) -> None:
    """Scalar gate voltage / density / angle from the snapshot, as metadata entries."""
    taken = {classify(k).base for k in meta}
    for key, entry in snap.items():
        value, unit = entry["value"], entry["unit"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        leaf = key.rsplit(".", 1)[-1]
        header = f"{leaf} ({unit})" if unit else leaf
        base = classify(header).base
        if base in _SNAPSHOT_BASES and base not in taken:
            meta[header] = value
            taken.add(base)
