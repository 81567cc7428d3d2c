"""``ktoanalysis kinds [--json]``: the analysis kinds, their options and outputs."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import echo_json


def register(app: typer.Typer) -> None:
    """Add the ``kinds`` command."""

    @app.command(help="List the analysis kinds with their options (type, default, unit, "
                      "range, ASSUMPTION) and the parameters they produce.")
    def kinds(
        json_out: Annotated[bool, typer.Option("--json", help="print as JSON")] = False,
    ) -> None:
        from ..transport import KINDS, kind_spec

        specs = {k: kind_spec(k) for k in KINDS}
        if json_out:
            echo_json({k: (s.to_dict() if s is not None else {"kind": k, "summary": d})
                       for (k, (_, d)), s in zip(KINDS.items(), specs.values(), strict=True)})
            return
        for k, (_, summary) in KINDS.items():
            spec = specs[k]
            typer.echo(spec.help_text() if spec is not None else f"{k}: {summary}")
            typer.echo("")
