"""CLI commands of the pairing theory: ``theory lambda``, ``theory table3``, ``theory sweep``.

Thin wrappers over :mod:`ktoanalysis.theory.pairing` and :mod:`ktoanalysis.theory.sweep`;
numba and matplotlib are imported inside the commands.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .._fileio import write_via_temp
from ..errors import TheoryError
from ..orientations import ORIENTATION_SPECS, ORIENTATIONS

#: the orientations of the registry (ktoanalysis.orientations: light, numpy only; the
#: theory package itself is imported inside the commands)
OrientationOpt = StrEnum("OrientationOpt", [(f"o{k}", k) for k in ORIENTATIONS])  # type: ignore[misc]
DEFAULT_ORIENTATION = OrientationOpt(ORIENTATIONS[0])


class MethodOpt(StrEnum):
    auto = "auto"
    rays = "rays"
    contour = "contour"


class TBOpt(StrEnum):
    TB1 = "TB1"
    TB2 = "TB2"


class DispersionOpt(StrEnum):
    vaks = "vaks"
    none = "none"


class QuadratureOpt(StrEnum):
    paper = "paper"
    trapezoid = "trapezoid"


class MeasureOpt(StrEnum):
    angle = "angle"
    dos = "dos"


class OmegaCOpt(StrEnum):
    omega0 = "omega0"
    omega_2kF_GK = "omega_2kF_GK"
    omega_2kF_GM = "omega_2kF_GM"


_Orient = Annotated[OrientationOpt, typer.Option("--orientation", help="Interface orientation.")]
_TB = Annotated[TBOpt, typer.Option("--tb", help="Tight-binding set (Table I).")]
_Omega0 = Annotated[str, typer.Option("--omega0-meV", help="omega(0) in meV, or 'auto'.")]
_Disp = Annotated[DispersionOpt, typer.Option("--dispersion", help="TO1 dispersion.")]
_Dk = Annotated[float, typer.Option("--dphi-deg", help="Angular step on the wedge (deg).")]
#: the old spelling of --dphi-deg, still accepted (hidden)
_DkOld = Annotated[float | None, typer.Option("--dk-deg", hidden=True)]
_OmegaC = Annotated[OmegaCOpt, typer.Option("--omega-c", help="BCS cut-off for Tc.")]
_MuStar = Annotated[float, typer.Option("--mu-star", help="mu* (McMillan, Allen-Dynes).")]
_Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
_Serial = Annotated[bool, typer.Option("--serial", help="Serial kernels (no threads).")]
_Quad = Annotated[QuadratureOpt, typer.Option(
    "--quadrature", help="Angular rule on the wedge: trapezoid (converged) or paper (uniform, "
                         "wedge ends at full weight).")]
#: "(111) rays/angle, (001) rays/angle, (110) auto/dos": each orientation's defaults
FERMI_DEFAULTS_TEXT = ", ".join(f"{sp.label} {sp.fermi_method}/{sp.fermi_measure}"
                                for sp in ORIENTATION_SPECS.values())
_Measure = Annotated[MeasureOpt | None, typer.Option(
    "--measure", help="Fermi-surface measure: angle (the paper's) or dos (kF dphi / v_r). "
                      "Default: the orientation's (method/measure: "
                      f"{FERMI_DEFAULTS_TEXT}).", show_default=False)]
_Method = Annotated[MethodOpt | None, typer.Option(
    "--method", help="Fermi-surface method: rays (the paper's), contour (any topology; open "
                     "sheets need --measure dos), or auto (rays when every sheet is "
                     "star-shaped about Gamma, contours otherwise). Default: the "
                     f"orientation's ({FERMI_DEFAULTS_TEXT}).", show_default=False)]


def opt_value(opt: StrEnum | None) -> str | None:
    """The string of an optional enum option (None stays None: the orientation's default)."""
    return None if opt is None else opt.value


def _omega0(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return float(text)
    except ValueError:
        raise TheoryError(f"--omega0-meV must be a number (meV) or 'auto', got {text!r}") from None


def resolve_dphi(dphi_deg: float, dk_deg: float | None) -> float:
    """The angular step: ``--dphi-deg``, or the old spelling ``--dk-deg`` when given."""
    return float(dphi_deg if dk_deg is None else dk_deg)


def _write_csv_atomic(df, path: Path) -> None:
    """Write ``df`` to ``path`` through a temporary file and a rename (never half a file)."""
    write_via_temp(path, lambda tmp: df.to_csv(tmp, index=False))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (the ``theory`` sub-app)."""
    from .theory_eliashberg import register as _register_eliashberg

    _register_eliashberg(app)  # ``theory eliashberg`` (alpha^2F, Eliashberg Tc)

    @app.command("lambda")
    def lambda_cmd(
        orientation: _Orient = DEFAULT_ORIENTATION,
        tb: _TB = TBOpt.TB1,
        omega0_meV: _Omega0 = "5.6",
        dispersion: _Disp = DispersionOpt.vaks,
        dk_deg: _Dk = 1.0,
        n2d: Annotated[float, typer.Option("--n2d", help="Sheet density (cm^-2).")] = 1e14,
        omega_c: _OmegaC = OmegaCOpt.omega0,
        mu_star: _MuStar = 0.1,
        as_json: _Json = False,
        arrays: Annotated[bool, typer.Option("--arrays", help="Delta_nk in the JSON.")] = False,
        plot_dir: Annotated[Path | None, typer.Option(
            "--plot-dir", help="Write gap and kernel figures here.")] = None,
        serial: _Serial = False,
        quadrature: _Quad = QuadratureOpt.trapezoid,
        measure: _Measure = None,
        method: _Method = None,
        dk_old: _DkOld = None,
    ) -> None:
        """BCS coupling constant lambda and the gap function for one case (Eq. 3)."""
        dk_deg = resolve_dphi(dk_deg, dk_old)
        from ..theory.models import make_model
        from ..theory.orientations import orientation_spec
        from ..theory.pairing import prepare_pairing
        from ..theory.sweep import result_row

        model = make_model(orientation.value, tb.value)
        prob = prepare_pairing(model, n2d_cm2=n2d, dphi_deg=dk_deg, parallel=not serial,
                               quadrature=quadrature.value, measure=opt_value(measure),
                               method=opt_value(method))
        res = prob.solve(_omega0(omega0_meV), dispersion.value, parallel=not serial)
        out = res.to_dict(arrays=arrays)
        used = str(res.options.get("method", "rays"))
        spec = orientation_spec(res.orientation)
        if not spec.validated:
            out["reference"] = spec.reference
        if plot_dir is not None and used != "rays":
            raise TheoryError("the gap and kernel figures are drawn on the ray grid; this "
                              "case needed the contour method (no --plot-dir)")
        row = result_row(res, omega_c=omega_c.value, mu_star=mu_star)
        out.update({k: row[k] for k in ("omega_c", "omega_c_meV", "mu_star", "Tc_bcs_K",
                                         "Tc_mcmillan_K", "Tc_allen_dynes_K")})
        if plot_dir is not None:
            from ..plotting import save_figure
            from ..theory import plots_pairing as pp

            stem = f"{res.orientation}_{res.tb}_{res.omega0_meV:.2f}meV_{res.dispersion}"
            from ..theory.lattice import wedge_deg

            wedge = wedge_deg(res.orientation)  # (0, 15, 30) for 111, (0, 22, 45) for 001
            phis = (0.0, float(int(wedge / 2)), wedge)
            w = res.omega0_meV
            out["figures"] = [
                str(save_figure(pp.plot_gap(res), plot_dir / f"gap_{stem}.png")),
                str(save_figure(pp.plot_kernel_sums(res), plot_dir / f"eq5_{stem}.png")),
                str(save_figure(pp.plot_kernel_vs_angle(prob, phis_deg=phis, omega0_meV=w,
                                                        dispersion=res.dispersion),
                                plot_dir / f"eq4_{stem}.png")),
            ]
        if as_json:
            typer.echo(json.dumps(out, indent=2))
            return
        typer.echo(f"{res.orientation} {res.tb}  n2D = {res.n2d_cm2:.4g} cm^-2  "
                   f"mu = {res.mu_eV:.5f} eV  omega(0) = {res.omega0_meV:.3f} meV  "
                   f"dispersion = {res.dispersion}  bands = {res.nbands}  "
                   f"points = {res.band.size}  "
                   f"weights = {quadrature.value}/{res.options['measure']}"
                   f"  method = {used}")
        if not spec.validated:
            typer.echo(f"{spec.label}: {spec.reference}")
        typer.echo(f"lambda = {res.lam:.5f}   (next eigenvalues "
                   + ", ".join(f"{x:.4g}" for x in res.eigenvalues[1:]) + ")")
        typer.echo(f"Tc ({omega_c.value} = {row['omega_c_meV']:.3f} meV): "
                   f"BCS {row['Tc_bcs_K']:.3g} K, McMillan {row['Tc_mcmillan_K']:.3g} K, "
                   f"Allen-Dynes {row['Tc_allen_dynes_K']:.3g} K (mu* = {mu_star})")
        for f in out.get("figures", []):
            typer.echo(f"wrote {f}")

    @app.command("table3")
    def table3_cmd(
        as_json: _Json = False,
        dk_deg: _Dk = 1.0,
        serial: _Serial = False,
        quadrature: _Quad = QuadratureOpt.trapezoid,
        measure: Annotated[MeasureOpt, typer.Option(
            "--measure", help="Fermi-surface measure: angle (the paper's) or dos "
                              "(kF dphi / v_r).")] = MeasureOpt.angle,
        dk_old: _DkOld = None,
    ) -> None:
        """All 16 rows of the paper's Table III, computed, beside the published values."""
        from ._log import progress_bar

        dk_deg = resolve_dphi(dk_deg, dk_old)
        from ..theory.sweep import compute_table3

        with progress_bar(4, "table3", unit="model") as bar:
            df = compute_table3(dphi_deg=dk_deg, parallel=not serial,
                                quadrature=quadrature.value, measure=measure.value,
                                progress=bar)
        if as_json:
            rows = [{"orientation": r.orientation, "tb": r.tb, "omega0_meV": r.omega0_meV,
                     "dispersion": r.dispersion, "computed": r["lambda"],
                     "paper": r.lambda_paper, "rel_err": r.rel_err, "rel_tol": r.rel_tol,
                     "within_tol": bool(r.within_tol)} for _, r in df.iterrows()]
            typer.echo(json.dumps(rows, indent=2))
            return
        typer.echo(f"weights: quadrature = {quadrature.value}, measure = {measure.value}, "
                   f"step {dk_deg:g} deg (the paper: quadrature = paper, measure = angle)")
        typer.echo(f"{'case':10s} {'w0/meV':>6s} {'omega':>6s} {'computed':>9s} {'paper':>7s}"
                   f" {'rel.err':>8s}  tol")
        for _, r in df.iterrows():
            mark = "ok" if r.within_tol else "OUT"
            omega = "w(q)" if r.dispersion == "vaks" else "w(0)"
            typer.echo(f"{r.orientation + ' ' + r.tb:10s} {r.omega0_meV:6.1f} {omega:>6s} "
                       f"{r['lambda']:9.5f} {r.lambda_paper:7.4f} {100 * r.rel_err:+7.1f}%  "
                       f"{100 * r.rel_tol:.0f}% {mark}")

    @app.command("sweep")
    def sweep_cmd(
        out: Annotated[Path, typer.Option("--out", "-O",
                                          help="Output CSV (written atomically).")],
        orientation: Annotated[list[OrientationOpt], typer.Option(
            "--orientation", help="Interface orientation; repeat for several.")] = None,
        tb: Annotated[list[TBOpt], typer.Option(
            "--tb", help="Tight-binding set; repeat for several.")] = None,
        n2d: Annotated[str, typer.Option(
            "--n2d", help="Densities: 'start:stop:num' (cm^-2) or 'a,b,c'.")] = "1e14",
        omega0_meV: Annotated[str, typer.Option(
            "--omega0-meV", help="'auto' (Appendix B per density), or 'start:stop:num' / "
                                 "'a,b,c' in meV.")] = "auto",
        dispersion: Annotated[list[DispersionOpt], typer.Option(
            "--dispersion", help="vaks or none; repeat for both.")] = None,
        dk_deg: _Dk = 1.0,
        omega_c: _OmegaC = OmegaCOpt.omega0,
        mu_star: _MuStar = 0.1,
        plot: Annotated[Path | None, typer.Option("--plot", help="Also write a PNG.")] = None,
        serial: _Serial = False,
        quadrature: _Quad = QuadratureOpt.trapezoid,
        measure: _Measure = None,
        method: _Method = None,
        dk_old: _DkOld = None,
    ) -> None:
        """lambda and Tc versus density and/or omega(0); writes a tidy CSV.

        The CSV is rewritten (atomically) after every finished density, so an interrupted
        sweep keeps its finished points; a density that cannot be computed becomes a row
        with status 'failed' and its reason, is reported on stderr, and the command then
        exits with code 4.
        """
        import pandas as pd

        from ..errors import ExitCode
        from ..theory.orientations import orientation_spec
        from ..theory.sweep import SWEEP_COLUMNS, parse_range, sweep_density
        from ._log import progress_bar

        dk_deg = resolve_dphi(dk_deg, dk_old)
        n2d_vals = parse_range(n2d)
        omegas = ("auto" if omega0_meV.strip().lower() == "auto"
                  else [float(x) for x in parse_range(omega0_meV, log=False)])

        def progress(i: int, total: int) -> None:
            bar(i, total)
            _write_csv_atomic(pd.DataFrame(rows, columns=list(SWEEP_COLUMNS)), out)

        rows: list[dict] = []

        def on_row(row: dict) -> None:
            rows.append(row)
            if row["status"] != "ok":
                typer.echo(f"  failed: {row['orientation']} {row['tb']} n2D = "
                           f"{row['n2d_cm2']:.4g} cm^-2: {row['reason']}", err=True)

        orientation = orientation or [DEFAULT_ORIENTATION]
        tb = tb or [TBOpt.TB1]
        dispersion = dispersion or [DispersionOpt.vaks]
        n_cases = len(orientation) * len(tb) * len(n2d_vals)
        with progress_bar(n_cases, "sweep", unit="density") as bar:
            df = sweep_density([o.value for o in orientation], [t.value for t in tb],
                               n2d_vals, omega0_meV=omegas,
                               dispersion=[d.value for d in dispersion], dphi_deg=dk_deg,
                               omega_c=omega_c.value, mu_star=mu_star, parallel=not serial,
                               progress=progress, quadrature=quadrature.value,
                               measure=opt_value(measure), on_error="record", on_row=on_row,
                               method=opt_value(method))
        for o in orientation:
            if not orientation_spec(o.value).validated:
                typer.echo(f"{orientation_spec(o.value).label}: "
                           f"{orientation_spec(o.value).reference}", err=True)
        _write_csv_atomic(df, out)
        n_failed = int((df["status"] != "ok").sum())
        typer.echo(f"wrote {out} ({len(df)} rows, {n_failed} failed)")
        ok = df[df["status"] == "ok"]
        if plot is not None and len(ok):
            from ..plotting import save_figure
            from ..theory import plots_pairing as pp

            if len(n2d_vals) == 1 and omegas != "auto":
                fig = pp.plot_lambda_vs_omega0(ok)
            else:
                fig = pp.plot_lambda_vs_density(ok)
            typer.echo(f"wrote {save_figure(fig, plot)}")
        if n_failed:
            raise typer.Exit(int(ExitCode.SOME_FAILED))
