"""``ktoanalysis theory mu | fermi-surface | bands``: the bilayer band structures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..orientations import NO_REFERENCE, ORIENTATION_SPECS, ORIENTATIONS
from ._common import echo_json, parse_options

_ORI_HELP = "interface orientation: " + ", ".join(
    s.key + ("" if s.validated else f" ({NO_REFERENCE}: extension of the paper)")
    for s in ORIENTATION_SPECS.values())
_METHOD_HELP = ("Fermi-surface method: rays (the paper's), contour (any topology: open "
                "sheets, e.g. (110) above 7.2e13 cm^-2), or auto (rays while every sheet is "
                "star-shaped about Gamma, contours otherwise); default: the orientation's ("
                + ", ".join(f"{s.label} {s.fermi_method}" for s in ORIENTATION_SPECS.values())
                + ")")
_TB_HELP = "tight-binding parameter set of Norman 2026 Table I: TB1 or TB2"
_OPT_HELP = ("model option key=value (repeatable), e.g. -o a_angstrom=3.989 "
             "-o rashba_static_eV=0 -o interlayer_nnn_offdiag=true -o t=0.5")


def _model(orientation: str, tb: str, option: list[str] | None):
    from ..theory.models import make_model

    return make_model(orientation, tb, **parse_options(option))


def _say_reference(model) -> None:
    """One line on stderr for an orientation the paper does not compute (text output)."""
    spec = ORIENTATION_SPECS[model.orientation]
    if not spec.validated:
        typer.echo(f"{spec.label}: {spec.reference}", err=True)


def _mu(model, n2d: float | None, mu_ev: float | None, method: str
        ) -> tuple[float, float | None]:
    from ..errors import TheoryError
    from ..theory.density import mu_for_density

    if (n2d is None) == (mu_ev is None):
        raise TheoryError("give exactly one of --n2d (cm^-2) and --mu-ev (eV)")
    if mu_ev is not None:
        return float(mu_ev), None
    return mu_for_density(model, n2d, method=method), float(n2d)


def register(app: typer.Typer) -> None:
    """Add the ``mu``, ``fermi-surface`` and ``bands`` commands to the ``theory`` app."""

    @app.command("mu", help="Chemical potential (eV, relative to band 1 at Gamma) for a "
                            "sheet carrier density.")
    def mu_cmd(
        orientation: Annotated[str, typer.Option(help=_ORI_HELP)] = ORIENTATIONS[0],
        tb: Annotated[str, typer.Option(help=_TB_HELP)] = "TB1",
        n2d: Annotated[float, typer.Option(help="sheet carrier density in cm^-2")] = 1e14,
        json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        option: Annotated[list[str] | None, typer.Option("--option", "-o",
                                                         help=_OPT_HELP)] = None,
        method: Annotated[str | None, typer.Option(help=_METHOD_HELP,
                                                   show_default=False)] = None,
    ) -> None:
        from ..theory.contours import CONTOUR_MAX_ELECTRONS_PER_CELL
        from ..theory.density import (
            cell_area_cm2,
            density_limit,
            gamma_energy,
            mu_for_density,
            occupied_bands,
        )
        from ..theory.orientations import orientation_spec

        model = _model(orientation, tb, option)
        method = orientation_spec(model.orientation).fermi_options(method)[0]
        mu = mu_for_density(model, n2d, method=method)
        limit = density_limit(model)
        nb = occupied_bands(model, gamma_energy(model) + mu)
        n_max = (limit.n2d_cm2 if method == "rays"
                 else CONTOUR_MAX_ELECTRONS_PER_CELL / cell_area_cm2(model))
        out = {"mu_eV": mu, "n2d_cm2": float(n2d), "orientation": model.orientation,
               "tb": model.tb, "occupied_bands": nb, "n2d_max_cm2": n_max,
               "n2d_rays_max_cm2": limit.n2d_cm2, "method": method}
        spec = orientation_spec(model.orientation)
        if not spec.validated:
            out["reference"] = spec.reference
        if json_out:
            echo_json(out)
        else:
            _say_reference(model)
            typer.echo(f"mu = {mu:.5f} eV  ({model.orientation}, {model.tb}, "
                       f"n2D = {n2d:.4g} cm^-2, {nb} occupied bands; model limit "
                       f"{n_max:.3g} cm^-2, sheets open above {limit.n2d_cm2:.3g} cm^-2)")

    @app.command("fermi-surface", help="Fermi wave numbers kF per band and angle, and each "
                                       "band's density of states.")
    def fermi_cmd(
        orientation: Annotated[str, typer.Option(help=_ORI_HELP)] = ORIENTATIONS[0],
        tb: Annotated[str, typer.Option(help=_TB_HELP)] = "TB1",
        n2d: Annotated[float | None, typer.Option(help="sheet density in cm^-2")] = None,
        mu_ev: Annotated[float | None, typer.Option(
            "--mu-ev", help="chemical potential in eV instead of --n2d")] = None,
        dphi_deg: Annotated[float, typer.Option(
            help="angular step in degrees (the plot uses at most 2)")] = 1.0,
        full: Annotated[bool, typer.Option(help="full circle instead of the wedge")] = False,
        nbands: Annotated[str, typer.Option(
            help="number of lowest bands, or 'auto' (every occupied band)")] = "auto",
        plot: Annotated[Path | None, typer.Option(help="write a Fermi-surface figure")] = None,
        dynamic_rashba_ev: Annotated[float | None, typer.Option(
            "--dynamic-rashba-ev", help="also plot with the Rashba t0 replaced by this value "
            "(eV per cubic component; the paper uses 0.0488/sqrt3 for 111, 0.0488 for 001)",
        )] = None,
        json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        option: Annotated[list[str] | None, typer.Option("--option", "-o",
                                                         help=_OPT_HELP)] = None,
        method: Annotated[str | None, typer.Option(help=_METHOD_HELP,
                                                   show_default=False)] = None,
    ) -> None:
        import numpy as np

        from ..errors import TheoryError
        from ..theory.fermi import fermi_surface
        from ..theory.orientations import orientation_spec

        model = _model(orientation, tb, option)
        method = orientation_spec(model.orientation).fermi_options(method)[0]
        if n2d is None and mu_ev is None:
            n2d = 1e14
        mu, n = _mu(model, n2d, mu_ev, method)
        nb: int | str = nbands.strip().lower()
        if nb != "auto":
            try:
                nb = int(nb)
            except ValueError:
                raise TheoryError(f"--nbands must be a number of bands or 'auto', "
                                  f"got {nbands!r}") from None
        if method not in ("rays", "contour", "auto"):
            raise TheoryError(f"--method must be auto, rays or contour, got {method!r}")
        try:
            fs = (None if method == "contour"
                  else fermi_surface(model, mu, dphi_deg=dphi_deg, full=full, nbands=nb))
        except TheoryError:
            from ..theory.contours import sheets_star_shaped

            if method == "rays" or sheets_star_shaped(model, mu):
                raise  # the rays failed for another reason than the sheet topology
            fs = None
        if fs is None:
            from ..theory.contours import fermi_contours

            cs = fermi_contours(model, mu, nbands=nb)
            cout: dict[str, Any] = {"tb": model.tb, "n2d_cm2": n, **cs.to_dict()}
            spec = orientation_spec(model.orientation)
            if not spec.validated:
                cout["reference"] = spec.reference
            if json_out:
                echo_json(cout)
                return
            _say_reference(model)
            typer.echo(f"{model.orientation} {model.tb}: mu = {mu:.5f} eV, "
                       f"E_F = {cs.E_F_eV:.5f} eV (contour method)")
            typer.echo("band   DOS (states/eV/cell)   points  star-shaped about Gamma")
            for row, b in enumerate(cs.bands):
                typer.echo(f"{b + 1:4d}   {cs.dos[row]:10.4f}             "
                           f"{int(np.count_nonzero(cs.sheet == row)):6d}  "
                           f"{'yes' if cs.star_shaped[row] else 'no (open or re-entrant)'}")
            if plot is not None:
                typer.echo("no figure: --plot draws the ray contours only")
            return
        if plot is not None:
            from ..theory.plots_bands import plot_fermi_surface

            plot_fermi_surface(model, mu, plot, dynamic_rashba_eV=dynamic_rashba_ev,
                               dphi_deg=min(dphi_deg, 2.0))
        out: dict[str, Any] = {"tb": model.tb, "n2d_cm2": n, **fs.to_dict()}
        if json_out:
            echo_json(out)
            return
        unit = out["k_unit"]
        _say_reference(model)
        typer.echo(f"{model.orientation} {model.tb}: mu = {mu:.5f} eV, E_F = {fs.E_F_eV:.5f} eV")
        typer.echo("band   DOS (states/eV/cell)   kF min..max (" + unit + ")")
        kp = fs.kF_paper_units()
        for row, b in enumerate(fs.bands):
            typer.echo(f"{b + 1:4d}   {fs.dos[row]:10.4f}             "
                       f"{kp[row].min():.5f}..{kp[row].max():.5f}")
        if plot is not None:
            typer.echo(f"figure written to {plot}")

    @app.command("bands", help="Band energies at the high-symmetry points; --plot draws "
                               "the bands along the high-symmetry path.")
    def bands_cmd(
        orientation: Annotated[str, typer.Option(help=_ORI_HELP)] = ORIENTATIONS[0],
        tb: Annotated[str, typer.Option(help=_TB_HELP)] = "TB1",
        n2d: Annotated[float | None, typer.Option(
            help="sheet density in cm^-2 (energies then relative to E_F)")] = None,
        plot: Annotated[Path | None, typer.Option(help="write a band-structure figure")] = None,
        emin: Annotated[float | None, typer.Option(help="lower energy limit of the plot (eV)")
                        ] = None,
        emax: Annotated[float | None, typer.Option(help="upper energy limit of the plot (eV)")
                        ] = None,
        json_out: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
        option: Annotated[list[str] | None, typer.Option("--option", "-o",
                                                         help=_OPT_HELP)] = None,
    ) -> None:
        import numpy as np

        from ..errors import TheoryError
        from ..theory import lattice
        from ..theory.density import mu_for_density

        model = _model(orientation, tb, option)
        mu = None if n2d is None else mu_for_density(model, n2d)
        pts = lattice.high_symmetry_points(model.orientation)
        levels = {name: model.energies(k).tolist() for name, k in pts.items()}
        if plot is not None:
            from ..theory.plots_bands import plot_bands

            if (emin is None) != (emax is None):
                raise TheoryError("give both --emin and --emax, or neither")
            window = None if emin is None else (float(emin), float(emax))
            if window is not None and not window[0] < window[1]:
                raise TheoryError(f"--emin must be below --emax, got {window}")
            plot_bands(model, mu, plot, window_eV=window)
        out = {"orientation": model.orientation, "tb": model.tb, "mu_eV": mu,
               "n2d_cm2": n2d, "energies_eV": levels,
               "k_points_inv_a": {n: np.asarray(k).tolist() for n, k in pts.items()}}
        if json_out:
            echo_json(out)
            return
        _say_reference(model)
        for name, E in levels.items():
            typer.echo(f"{name}: " + " ".join(f"{e:.5f}" for e in E))
        if mu is not None:
            typer.echo(f"mu = {mu:.5f} eV")
        if plot is not None:
            typer.echo(f"figure written to {plot}")
