"""CLI command ``theory eliashberg``: alpha^2F of the TO1 kernel, Eliashberg Tc, the other
coupling channel and the coupling a measured Tc needs (registered by
:mod:`ktoanalysis.cli.theory_pairing`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ..errors import TheoryError
from .theory_pairing import (
    _TB,
    DEFAULT_ORIENTATION,
    DispersionOpt,
    QuadratureOpt,
    TBOpt,
    _Disp,
    _Dk,
    _Json,
    _Measure,
    _Method,
    _Orient,
    _Quad,
    opt_value,
)


def register(app: typer.Typer) -> None:
    """Add ``eliashberg`` to ``app`` (the ``theory`` sub-app)."""
    @app.command("eliashberg")
    def eliashberg_cmd(
        orientation: _Orient = DEFAULT_ORIENTATION,
        tb: _TB = TBOpt.TB1,
        n2d: Annotated[float, typer.Option("--n2d", help="Sheet density (cm^-2).")] = 1e14,
        omega0_meV: Annotated[str, typer.Option(
            "--omega0-meV", help="omega(0) in meV, 'auto', or a list 'a,b,c' / "
                                 "'start:stop:num' for Tc against omega(0).")] = "5.6",
        dispersion: _Disp = DispersionOpt.vaks,
        dphi_deg: _Dk = 1.0,
        mu_star: Annotated[float, typer.Option("--mu-star", help="Coulomb pseudopotential.")] = 0.1,
        mu_star_at: Annotated[str, typer.Option(
            "--mu-star-at", help="Where mu* is given: omega_log (Allen-Dynes sense) or cutoff."
        )] = "omega_log",
        lambda_other: Annotated[float, typer.Option(
            "--lambda-other", help="Coupling of the other channel (known by lambda and "
                                   "omega_log).")] = 0.0,
        omega_log_other_meV: Annotated[float | None, typer.Option(
            "--omega-log-other-meV", help="omega_log of the other channel (meV).")] = None,
        lambda_e: Annotated[float, typer.Option(
            "--lambda-e", help="Coupling of an Einstein mode (e.g. an LO mode).")] = 0.0,
        omega_e_meV: Annotated[float | None, typer.Option(
            "--omega-e-meV", "--omega-e-mev", help="Energy of the Einstein mode (meV).")] = None,
        tc_measured_K: Annotated[float | None, typer.Option(
            "--tc-measured-K", help="Measured Tc: print the lambda of the other channel (at "
                                    "--omega-log-other-meV or --omega-e-meV) it needs.")] = None,
        channel: Annotated[str, typer.Option(
            "--channel", help="alpha^2F weights: gap (leading gap eigenvector) or average.")
        ] = "gap",
        n_max: Annotated[int, typer.Option(
            "--n-max", help="Most Matsubara frequencies (sets the resolution floor of Tc).")
        ] = 65536,
        as_json: _Json = False,
        quadrature: _Quad = QuadratureOpt.trapezoid,
        measure: _Measure = None,
        method: _Method = None,
    ) -> None:
        """Eliashberg Tc from alpha^2F of the TO1 kernel, plus the coupling it lacks."""
        from ..theory import eliashberg as el
        from ..theory.models import make_model
        from ..theory.pairing import prepare_pairing
        from ..theory.phonon import omega0_from_density_meV
        from ..theory.sweep import parse_range

        model = make_model(orientation.value, tb.value)
        prob = prepare_pairing(model, n2d_cm2=n2d, dphi_deg=dphi_deg,
                               quadrature=quadrature.value, measure=opt_value(measure),
                               method=opt_value(method))
        text = omega0_meV.strip().lower()
        if text == "auto":
            omegas = [float(omega0_from_density_meV(prob.n2d_cm2))]
        else:
            try:
                omegas = [float(x) for x in parse_range(omega0_meV, log=False)]
            except (TypeError, ValueError):
                raise TheoryError(f"--omega0-meV must be a number, 'auto' or a list, got "
                                  f"{omega0_meV!r}") from None
        rows = el.tc_vs_omega0(prob, omegas, dispersion.value, mu_star=mu_star,
                               channel=channel, lambda_other=lambda_other,
                               omega_log_other_meV=omega_log_other_meV, lambda_E=lambda_e,
                               omega_E_meV=omega_e_meV, mu_star_at=mu_star_at, n_max=n_max)
        need = None
        if tc_measured_K is not None:
            w_other = omega_log_other_meV if omega_log_other_meV is not None else omega_e_meV
            if w_other is None:
                raise TheoryError("--tc-measured-K needs --omega-log-other-meV or --omega-e-meV "
                                  "(the energy of the missing channel)")
            need = []
            for row in rows:
                spec = el.alpha2f_from_problem(prob, row["omega0_meV"], dispersion.value,
                                               channel=channel)
                need.append(el.required_lambda_other(tc_measured_K, spec, float(w_other),
                                                     mu_star=mu_star, mu_star_at=mu_star_at,
                                                     n_max=n_max))
                row["lambda_other_needed"] = need[-1]
                row["omega_other_meV"] = float(w_other)
        if as_json:
            typer.echo(json.dumps({"orientation": orientation.value, "tb": tb.value,
                                   "n2d_cm2": prob.n2d_cm2, "dispersion": dispersion.value,
                                   "mu_star": mu_star, "mu_star_at": mu_star_at,
                                   "channel": channel, "rows": rows}, indent=2))
            return

        def fmt(t, floor):
            return f"< {floor:.3g} K (floor)" if t is None else f"{t:.4g} K"

        typer.echo(f"{orientation.value} {tb.value}  n2D = {prob.n2d_cm2:.4g} cm^-2  "
                   f"dispersion = {dispersion.value}  mu* = {mu_star} (at {mu_star_at})  "
                   f"alpha^2F channel = {channel}")
        notes = set()
        for row in rows:
            line = (f"omega(0) = {row['omega0_meV']:.3f} meV: lambda_TO1 = {row['lambda_TO1']:.4g}"
                    f" (gap equation {row['lambda_gap']:.4g}), omega_log = "
                    f"{row['omega_log_TO1_meV']:.3g} meV; Tc TO1 only: Eliashberg "
                    f"{fmt(row['Tc_TO1_K'], row['T_floor_K'])}, Allen-Dynes "
                    f"{row['Tc_TO1_allen_dynes_K']:.3g} K")
            typer.echo(line)
            if lambda_other > 0 or lambda_e > 0:
                typer.echo(f"    with the other channel: lambda = {row['lambda_total']:.4g}, "
                           f"Tc Eliashberg {fmt(row['Tc_total_K'], row['T_floor_K'])}, Allen-Dynes "
                           f"{row['Tc_total_allen_dynes_K']:.3g} K")
            if "lambda_other_needed" in row:
                typer.echo(f"    measured Tc = {tc_measured_K} K needs lambda_other = "
                           f"{row['lambda_other_needed']:.4g} at {row['omega_other_meV']:g} meV"
                           f" on top of TO1")
            if row["note"]:
                notes.add(row["note"])
        for n in sorted(notes):
            typer.echo(n)
