"""``ktoanalysis fit KIND FILE...``: one sub-command per analysis kind.

Each sub-command is generated from the kind's declaration (``SPEC``), so
``ktoanalysis fit KIND --help`` lists exactly the options that ``-o`` accepts (with types,
defaults and units), the same ones the batch manifest accepts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from ._common import echo_json, parse_channel, parse_options


def _help_epilog(kind: str) -> str:
    """Options and outputs of a kind, as plain lines kept verbatim by the help formatter."""
    from rich.markup import escape

    from ..transport import kind_spec

    spec = kind_spec(kind)
    if spec is None:
        return ""
    # one paragraph per line, so that the formatter keeps the listing readable
    return "\n\n".join(escape(line) for line in spec.help_text().splitlines() if line.strip())


def _make_command(kind: str):
    def command(
        files: Annotated[list[Path], typer.Argument(
            help="data files (CSV/TSV, QD .dat, or a QCoDeS .db with --run)")],
        json_out: Annotated[bool, typer.Option("--json", help="print the result as JSON")
                            ] = False,
        plot: Annotated[Path | None, typer.Option(help="write a figure (PNG or PDF)")] = None,
        channel: Annotated[str | None, typer.Option(
            help="resistance channel: 1, 2, ... or ch1, ch2, ... (or a column name such as "
                 "Rxy_ch2_ohm); an unknown one is refused with the file's channels listed")
        ] = None,
        option: Annotated[list[str] | None, typer.Option(
            "--option", "-o", help="analysis option NAME=VALUE (repeatable; listed below)")
        ] = None,
        strict: Annotated[bool, typer.Option(
            "--strict", help="a 'warn' verdict counts as 'fail' (exit 5)")] = False,
        column: Annotated[list[str] | None, typer.Option(
            "--column", help="name a column: ORIGINAL=CANONICAL, e.g. 'lockin_3_ResX=R_ohm'; "
                             "with the unit the values are in: 'magnet_bpar=B (mT)' or "
                             "'temp=T (mK)' (converted to SI); repeatable")] = None,
        run: Annotated[int | None, typer.Option(
            "--run", help="QCoDeS database (.db): the run to analyse (its run id; may be "
                          "left out when the database holds one run)")] = None,
    ) -> None:
        run_fit(kind, files, json_out=json_out, plot=plot, channel=channel, option=option,
                strict=strict, column=column, run=run)

    command.__name__ = f"fit_{kind.replace('-', '_')}"
    return command


def run_fit(kind: str, files: list[Path], *, json_out: bool = False, plot: Path | None = None,
            channel: str | None = None, option: list[str] | None = None,
            strict: bool = False, column: list[str] | None = None,
            run: int | None = None) -> None:
    """Validate the options, load the files, run the analysis, print, set the exit code.

    ``run`` (``--run N``) selects the run of a QCoDeS database (every file given must then
    be one); see :mod:`ktoanalysis.io.qcodes_db`.

    Everything the user typed (options, ``--channel``, the ``--column ORIGINAL=CANONICAL``
    header mappings passed to :func:`~ktoanalysis.io.load`, the ``--plot`` file name) is
    checked before any file is read; a problem is a :class:`~ktoanalysis.errors.KtoError` (one
    line, exit 3). A ``--channel`` the file lacks is refused after loading (exit 3, the
    file's channels listed). The repairs the loader made (``metadata['warnings']``: rows
    left out, padded cells...) go to stderr as ``warning: FILE: ...`` and, with ``--json``,
    to ``provenance.load_warnings``; the columns the analysis used are named with their
    headers (text: a ``columns:`` line; JSON: ``provenance.column_headers``).
    """
    from ..errors import ExitCode
    from ..io import load
    from ..io.columns import parse_column_options
    from ..transport import kind_module, resolve_options

    options = parse_options(option)
    resolve_options(kind, options)  # before any work: bad values exit 3 with one line
    chan = parse_channel(channel)
    columns = parse_column_options(column) or None
    if plot is not None:
        check_plot_path(plot)
    meta: dict[str, Any] = {} if chan is None else {"channel": chan}
    if run is not None:
        meta["run_id"] = run
    measurements = [load(f, columns=columns, **meta) for f in files]
    if chan is not None:
        for m in measurements:  # an unknown channel: exit 3, the file's channels listed
            m.resistance_column(chan)
    load_warnings = {str(f): list(m.metadata.get("warnings") or [])
                     for f, m in zip(files, measurements, strict=True)
                     if m.metadata.get("warnings")}
    result = kind_module(kind).analyze(measurements, **options)
    # repairs the loader made (rows left out, ...); after the analysis, so that a refusal
    # stays one line
    for f, ws in load_warnings.items():
        for w in ws:
            typer.echo(f"warning: {f}: {w}", err=True)
    used = columns_used(result, measurements)
    if json_out:
        out = result.to_dict()
        if used:
            out.setdefault("provenance", {})["column_headers"] = used
        if load_warnings:
            out.setdefault("provenance", {})["load_warnings"] = load_warnings
        echo_json(out)
    else:
        typer.echo(result.report())
        if used:
            typer.echo("  columns: " + ", ".join(f"{k} <- {v!r}" for k, v in used.items()))
    if plot is not None:
        write_plot(result, plot, announce=not json_out)
    verdict = result.quality.verdict
    for flag in result.quality.flags:
        typer.echo(f"{flag.severity}: {flag.code}: {flag.message}", err=True)
    if verdict == "fail" or (strict and verdict == "warn"):
        sys.stdout.flush()
        raise typer.Exit(int(ExitCode.VERDICT_FAIL))


def columns_used(result: Any, measurements: list[Any]) -> dict[str, str]:
    """Canonical column -> the file's header, for the columns the result says it used
    (``provenance['columns']``), e.g. ``{"R_ch1_ohm": "Bridge 1 Resistance (Ohms)"}``; a
    derived column names its recipe (``"Bridge 1 Resistance (Ohms) x Bridge 1 Excitation
    (uA)"``)."""
    cols = (getattr(result, "provenance", None) or {}).get("columns")
    if isinstance(cols, dict):
        names = list(cols.values())
    elif isinstance(cols, list | tuple):
        names = list(cols)
    else:
        return {}
    out: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            continue
        for m in measurements:
            header = m.original_names.get(name)
            if header:
                out[name] = header
                break
    return out


def check_plot_path(path: Path) -> None:
    """Refuse a figure path that cannot be written, before any work.

    Raises
    ------
    KtoError
        Unknown figure format (the suffix), or the path is a folder.
    """
    from matplotlib.backend_bases import FigureCanvasBase

    from ..errors import KtoError

    known = FigureCanvasBase.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in known:
        raise KtoError(f"--plot {str(path)!r}: unknown figure format {path.suffix or '(none)'!r}"
                       f" (expected a file name ending in .png, .pdf, .svg, ...)")
    if path.is_dir():
        raise KtoError(f"--plot {str(path)!r}: is a folder (expected a file name)")


def write_plot(result: Any, path: Path, *, announce: bool) -> None:
    """Draw ``result`` into ``path``; a file-system problem is one line (exit 3)."""
    from ..errors import KtoError

    try:
        result.plot(path)
    except OSError as exc:
        raise KtoError(f"--plot {str(path)!r}: cannot write the figure: {exc}") from None
    if announce:
        typer.echo(f"figure written to {path}")


class _KindCommand(TyperCommand):
    """A ``fit KIND`` command whose epilog (the kind's options, from its declaration) is
    built on first use: listing it at start-up would import every analysis module (lmfit,
    scipy) for any command, ``--help`` included."""

    @property
    def epilog(self) -> str | None:  # type: ignore[override]
        if self._epilog is None and self.name:
            self._epilog = _help_epilog(self.name)
        return self._epilog

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        self._epilog = value


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command group, one sub-command per analysis kind."""
    from ..transport import KINDS

    fit_app = typer.Typer(
        help="Fit transport data files. Exit codes: 0 ok/warn, 3 input refused, "
             "5 verdict fail (the result is still printed).",
        no_args_is_help=True)
    for kind, (_, summary) in KINDS.items():
        fit_app.command(name=kind, help=summary, short_help=summary,
                        cls=_KindCommand)(_make_command(kind))
    app.add_typer(fit_app, name="fit")
