"""``ktoanalysis overlay``: measured Tc(n2D) against the pairing theory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..orientations import ORIENTATIONS, VALIDATED_ORIENTATIONS


def register(app: typer.Typer) -> None:
    """Add the ``overlay`` command to ``app``."""

    @app.command(help="Plot measured Tc against n2D (this study and the literature) over the "
                      "theory Tc(n2D), and the lambda each Tc needs against the theory lambda.")
    def overlay(
        out: Annotated[Path | None, typer.Option(
            "--out", "-O", help="figure to write (PNG or PDF) [required]")] = None,
        results: Annotated[Path | None, typer.Option(
            help="results.csv of a batch run (or its folder); omit for literature only")] = None,
        theory: Annotated[Path | None, typer.Option(
            help="theory table CSV (orientation, tb, n2d_cm2, omega0_meV, lambda, Tc_K, "
                 "Tc_method, omega_c_choice, mu_star); default: the bundled table "
                 "data/theory_tc.csv when it was computed with the theory's current "
                 "settings, else (and for orientations it lacks) computed on the fly")] = None,
        no_theory: Annotated[bool, typer.Option(
            "--no-theory", help="no theory curves when --theory is absent")] = False,
        recompute: Annotated[bool, typer.Option(
            "--recompute", help="compute the theory on the fly even when the bundled table "
                                "matches (about a minute)")] = False,
        no_literature: Annotated[bool, typer.Option(
            "--no-literature", help="leave out the literature values")] = False,
        tc_column: Annotated[str, typer.Option(
            help="Tc column of the results (falls back to Tc_zero_K, Tc_onset_K, T_BKT_K)")]
            = "Tc_mid_K",
        omega_c: Annotated[str | None, typer.Option(
            help="central omega_c choice of the theory (default: first in the table)")] = None,
        save_theory: Annotated[Path | None, typer.Option(
            help="write the theory table used (bundled or computed) to this CSV")] = None,
        out_old: Annotated[Path | None, typer.Option("-o", hidden=True)] = None,
    ) -> None:
        import pandas as pd

        from ..compare.overlay import bundled_theory, load_results, plot_overlay, theory_table
        from ..errors import KtoError
        from ._log import note, progress_bar

        out = out if out is not None else out_old  # -o: the old spelling of --out
        if out is None:
            raise KtoError("overlay: --out/-O FILE (the figure to write) is required")
        table = None
        if results is not None:
            table = load_results(results)
        th = theory
        if theory is None and not no_theory:
            wanted = set(VALIDATED_ORIENTATIONS)  # the paper's, plus those measured
            if table is not None:
                wanted |= {o for o in table["orientation"] if o}
            orients = [o for o in ORIENTATIONS if o in wanted]
            parts = []
            todo = list(orients)
            if not recompute:
                stored, why = bundled_theory(orients)
                if stored is not None:
                    parts.append(stored)
                    todo = [o for o in orients if o not in set(stored["orientation"])]
                    note(f"theory: bundled table {why}")
                else:
                    note(f"theory: bundled table not used ({why})")
            if todo:
                note(f"computing the theory for {', '.join(todo)} (about a minute; "
                     "--theory FILE or --no-theory to skip)")
                try:
                    with progress_bar(len(todo) * 2 * 8, "theory", unit="case") as bar:
                        parts.append(theory_table(orientations=todo, progress=bar))
                except KtoError as exc:
                    note(f"theory not available for {', '.join(todo)}, plotting "
                         f"without it: {exc}")
            th = pd.concat(parts, ignore_index=True) if parts else None
            if save_theory is not None and th is not None:
                th.to_csv(save_theory, index=False)
                typer.echo(f"theory table written to {save_theory}")
        elif theory is None:
            note("no theory (--no-theory): plotting the measured values only")
        plot_overlay(table, th, literature=not no_literature, out=out, tc_column=tc_column,
                     central_omega_c=omega_c)
        typer.echo(f"figure written to {out}")
