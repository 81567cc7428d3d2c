"""``ktoanalysis info FILE [--json]``: what the loader makes of a data file."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from ._common import echo_json

__all__ = ["register", "info_dict"]


def _json_safe(value: Any) -> Any:
    """Metadata to plain JSON types (non-finite floats become None)."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    if float(f).is_integer() and not isinstance(value, float) and abs(f) < 2**53:
        return int(f)
    return f if math.isfinite(f) else None


def info_dict(path: Path, columns: dict[str | int, str] | None = None,
              channel: int | str | None = None, run: int | None = None) -> dict[str, Any]:
    """Summary of a loaded file: ``format``, ``rows``, ``columns`` (name, unit, min, max,
    non-missing count; ``unit`` is the SI unit of a converted column, else the unit the
    file states, with ``si`` false: ``Quad.Error ch1 (ohm-cm-rad)`` stays in ohm-cm-rad),
    ``resistance_column`` (the column an R analysis takes: ``name``, ``original`` header,
    ``channel``, and ``reason``: why that one; ``None`` without one), JSON-safe
    ``metadata`` (with ``channels``: channel number -> column) and ``warnings`` (see
    :func:`recognition_warnings`).

    Parameters
    ----------
    path
        Data file.
    columns
        Header mapping passed to :func:`ktoanalysis.io.load` (``{"magnet_bpar": "B (mT)"}``).
    channel
        Resistance channel (``1``, ``"ch1"``) or column name, as ``--channel``.
    run
        The run of a QCoDeS database (``--run N``); without it, a database of several runs
        is refused with the runs listed.

    Raises
    ------
    KtoError
        Whatever :func:`ktoanalysis.io.load` raises for a bad file; an unknown ``channel``
        (the message lists the file's channels).
    """
    from ..errors import DataFormatError
    from ..io import load

    meta: dict[str, Any] = {} if channel is None else {"channel": channel}
    if run is not None:
        meta["run_id"] = run
    meas = load(path, columns=columns or None, **meta)
    cols = meas.describe()
    for c in cols:
        c["unit"], c["si"] = _unit(meas, c["name"])
        c["original"] = meas.original_names.get(c["name"], "")
    try:
        rcol: str | None = meas.resistance_column()
    except DataFormatError:
        if channel is not None:
            raise
        rcol = None
    used = None
    if rcol is not None:
        number = next((int(k) for k, v in meas.channel_columns().items() if v == rcol), None)
        used = {"name": rcol, "original": meas.original_names.get(rcol, ""),
                "channel": number, "reason": _channel_reason(meas, channel)}
    return {"format": meas.metadata.get("format"), "rows": len(meas.data),
            "columns": _json_safe(cols), "resistance_column": used,
            "metadata": _json_safe(meas.metadata), "warnings": recognition_warnings(meas)}


def _unit(meas: Any, name: str) -> tuple[str, bool]:
    """``(unit, si)`` of a column: its SI unit when the loader converted it, else the lab
    unit the file states (``si`` False), or ``("", True)`` for a unitless column."""
    from ..io.columns import _unit_conv as si_conversion  # the loader's conversion table
    from ..io.columns import unit_of_column

    lab = str(meas.units.get(name, "") or "").strip()
    if lab and si_conversion(lab) is None:
        return lab, False  # not converted (e.g. 'ohm-cm-rad', 'dB', 'code'): as in the file
    return unit_of_column(name), True


def _channel_reason(meas: Any, channel: int | str | None) -> str:
    """Why the resistance column shown is the one an analysis takes."""
    if channel is not None:
        return "chosen with --channel"
    n = len(meas.resistance_columns())
    if meas.metadata.get("channel_reason"):
        return f"{meas.metadata['channel_reason']}; --channel N for another"
    if n > 1:
        return "the first resistance channel (the file names no channel roles); " \
               "--channel N for another"
    return "the only longitudinal resistance column"


def recognition_warnings(meas: Any) -> list[str]:
    """Warnings about quantities the loader did not find in a measurement.

    One warning when there is no temperature (``T_K``), no field (``B_T``) and no
    resistance-like column (``R``, ``Rxy``, ``rho``); or, while some headers were not
    recognised, when there is no resistance-like and no voltage column, or a resistance
    but neither a temperature nor a field column. A table of precomputed critical fields
    (``Hc2_T`` with ``theta_rad`` or ``T_K``, what ``hc2-angle`` and ``hc2-temperature``
    read) is complete. The warning lists the headers :func:`ktoanalysis.io.columns.classify`
    does not recognise (the loader's ``unrecognised_columns``, the one list both use) and
    the mapping syntax (``--column ORIGINAL=CANONICAL``, with a unit
    ``--column 'HEADER=B (mT)'``).
    """
    from ..io.columns import mapping_hint

    names = [str(c) for c in meas.columns]
    has_t = any(n == "T_K" or n.startswith("T_ch") for n in names)
    has_b = any(n == "B_T" or n.startswith("B_ch") for n in names)
    has_r = any(n.split("_")[0] in ("R", "Rxy", "rho") and "_std" not in n for n in names)
    has_v = any(n.split("_")[0] == "V" for n in names)
    has_hc2 = any(n.split("_")[0] == "Hc2" and "_err" not in n for n in names)
    if has_hc2 and (has_t or any(n.startswith("theta") for n in names)):
        return []
    unknown = list(meas.metadata.get("unrecognised_columns", []))
    if has_t or has_b or has_r:
        if (has_r or has_v) and (has_t or has_b):
            return []
        if not unknown:
            return []
        missing = "no resistance column" if not (has_r or has_v) else \
            "no temperature or field column"
    else:
        missing = "no temperature, field or resistance column"
    if not unknown:
        return [f"{missing} recognised"]
    return [f"{missing} recognised; {mapping_hint(unknown)}"]


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.6g}"


def register(app: typer.Typer) -> None:
    """Add the ``info`` command to ``app``."""

    @app.command(help="Show what a data file contains: format, columns in SI units with "
                      "min/max and non-missing counts, and metadata.")
    def info(
        file: Annotated[Path, typer.Argument(
            help="data file (CSV/TSV, Quantum Design .dat, or a QCoDeS .db with --run)")],
        json_out: Annotated[bool, typer.Option("--json", help="print a JSON object")] = False,
        column: Annotated[list[str] | None, typer.Option(
            "--column", help="name a column: ORIGINAL=CANONICAL, e.g. 'lockin_3_ResX=R_ohm'; "
                             "with the unit the values are in: 'magnet_bpar=B (mT)' or "
                             "'temp=T (mK)' (converted to SI); repeatable")] = None,
        channel: Annotated[str | None, typer.Option(
            help="resistance channel: 1, 2, ... or ch1, ch2, ... (or a column name); shows "
                 "the column an analysis takes")] = None,
        run: Annotated[int | None, typer.Option(
            "--run", help="QCoDeS database (.db): the run to show (its run id; may be left "
                          "out when the database holds one run)")] = None,
    ) -> None:
        from ..io.columns import parse_column_options
        from ._common import parse_channel

        chan = parse_channel(channel)
        summary = info_dict(file, parse_column_options(column), chan, run)
        for warning in summary["warnings"]:
            typer.echo(f"warning: {warning}", err=True)
        if json_out:
            echo_json(summary)
            return
        typer.echo(f"file:   {file}")
        typer.echo(f"format: {summary['format']}   rows: {summary['rows']}")
        typer.echo("columns (SI; a unit marked * is the file's, not converted):")
        width = max(len(c["name"]) for c in summary["columns"])
        for c in summary["columns"]:
            unit = (c["unit"] or "-") + ("" if c["si"] else "*")
            typer.echo(f"  {c['name']:<{width}}  [{unit:>5}]  "
                       f"min {_fmt(c['min']):>12}  max {_fmt(c['max']):>12}  "
                       f"n {c['count']:>6}   <- {c['original']}")
        used = summary["resistance_column"]
        if used is not None:
            ch = "" if used["channel"] is None else f" (channel {used['channel']})"
            typer.echo(f"resistance column: {used['name']} <- {used['original']}{ch}: "
                       f"{used['reason']}")
        typer.echo("metadata:")
        for key, value in summary["metadata"].items():
            text = str(value)
            if len(text) > 100:
                text = text[:97] + "..."
            typer.echo(f"  {key}: {text}")
