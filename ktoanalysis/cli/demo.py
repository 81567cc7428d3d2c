"""``ktoanalysis demo``: the main job on the bundled example series."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""

    @app.command(help="Run the batch analysis and the theory-vs-experiment overlay on the "
                 "bundled example series, write report.html (one self-contained page) and "
                 "print where the results and figures are.")
    def demo(
        out: Annotated[Path, typer.Option("--out", "-O", help="output folder")
                       ] = Path("ktoanalysis-demo-output"),
        jobs: Annotated[int, typer.Option("--jobs", "-j", min=1,
                                          help="parallel worker processes")] = 1,
        force: Annotated[bool, typer.Option(
            "--force", help="write into a non-empty folder holding files ktoanalysis did "
            "not write")] = False,
    ) -> None:
        from ..demo import run_demo

        run_demo(out, jobs=jobs, echo=typer.echo, force=force)
