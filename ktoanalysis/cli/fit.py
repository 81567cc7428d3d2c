"""``ktoanalysis fit KIND FILE...``"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import echo_json, parse_options


def register(app: typer.Typer) -> None:
    """Add the ``fit`` command."""
    from ..transport import KINDS

    kinds_help = "; ".join(f"{k}: {d}" for k, (_, d) in KINDS.items())

    @app.command(help=f"Fit transport data. KIND is one of: {kinds_help}.",
                 short_help="Fit transport data files (KIND: tc, bkt-rt, bkt-iv, hc2-angle, ...).")
    def fit(
        kind: Annotated[str, typer.Argument(help="analysis kind (see above)")],
        files: Annotated[list[Path], typer.Argument(help="data files (CSV/TSV or QD .dat)")],
        json_out: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
        plot: Annotated[Path | None, typer.Option(help="write a figure (PNG or PDF)")] = None,
        channel: Annotated[str | None, typer.Option(help="resistance channel (1, 2, ...)")] = None,
        option: Annotated[list[str] | None, typer.Option(
            "--option", "-o", help="analysis option key=value (repeatable); see the docs of "
            "each kind, e.g. -o criterion=0.5 -o window=[0.3,1.2]")] = None,
    ) -> None:
        from ..errors import KtoError
        from ..io import load
        from ..transport import KINDS, kind_module

        if kind not in KINDS:
            raise KtoError(f"unknown analysis kind {kind!r}; known: {', '.join(KINDS)}")
        meta = {} if channel is None else {"channel": int(channel) if channel.isdigit()
                                           else channel}
        measurements = [load(f, **meta) for f in files]
        result = kind_module(kind).analyze(measurements, **parse_options(option))
        if plot is not None:
            result.plot(plot)
        if json_out:
            echo_json(result.to_dict())
        else:
            typer.echo(result.report())
            if plot is not None:
                typer.echo(f"figure written to {plot}")
