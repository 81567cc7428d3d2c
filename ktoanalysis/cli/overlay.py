"""``ktoanalysis overlay``: measured Tc(n2D) against the pairing theory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``overlay`` command to ``app``."""

    @app.command(help="Plot measured Tc against n2D (this study and the literature) over the "
                      "theory Tc(n2D), and the lambda each Tc needs against the theory lambda.")
    def overlay(
        out: Annotated[Path, typer.Option("--out", "-o", help="figure to write (PNG or PDF)")],
        results: Annotated[Path | None, typer.Option(
            help="results.csv of a batch run (or its folder); omit for literature only")] = None,
        theory: Annotated[Path | None, typer.Option(
            help="theory table CSV (orientation, tb, n2d_cm2, omega0_meV, lambda, Tc_K, "
                 "Tc_method, omega_c_choice, mu_star); default: computed on the fly when "
                 "the theory is available")] = None,
        no_theory: Annotated[bool, typer.Option(
            "--no-theory", help="do not compute the theory when --theory is absent")] = False,
        no_literature: Annotated[bool, typer.Option(
            "--no-literature", help="leave out the literature values")] = False,
        tc_column: Annotated[str, typer.Option(
            help="Tc column of the results (falls back to Tc_zero_K, Tc_onset_K, T_BKT_K)")]
            = "Tc_mid_K",
        omega_c: Annotated[str | None, typer.Option(
            help="central omega_c choice of the theory (default: first in the table)")] = None,
        save_theory: Annotated[Path | None, typer.Option(
            help="write the theory table computed on the fly to this CSV")] = None,
    ) -> None:
        from ..compare.overlay import load_results, plot_overlay, theory_table
        from ..errors import KtoError

        table = None
        if results is not None:
            table = load_results(results)
        th = theory
        if theory is None and not no_theory:
            orients = ["111", "001"]
            if table is not None:
                orients = sorted({o for o in table["orientation"] if o} | set(orients))
            typer.echo(f"computing the theory for {', '.join(orients)} (about a minute; "
                       "--theory FILE or --no-theory to skip)", err=True)
            try:
                th = theory_table(orientations=orients)
            except KtoError as exc:
                typer.echo(f"theory not available, plotting without it: {exc}", err=True)
                th = None
            else:
                if save_theory is not None:
                    th.to_csv(save_theory, index=False)
                    typer.echo(f"theory table written to {save_theory}")
        elif theory is None:
            typer.echo("no theory (--no-theory): plotting the measured values only", err=True)
        plot_overlay(table, th, literature=not no_literature, out=out, tc_column=tc_column,
                     central_omega_c=omega_c)
        typer.echo(f"figure written to {out}")
