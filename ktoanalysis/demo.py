"""The demo job: batch-fit the bundled example series and overlay theory and experiment."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from ._data import data_path
from .batch.report import KEY_PARAMS  # the parameters the summary prints, per kind

__all__ = ["run_demo", "KEY_PARAMS"]


def _fmt(value: float, err: float) -> str:
    if not math.isfinite(value):
        return "-"
    if not math.isfinite(err) or err <= 0:
        return f"{value:.4g}"
    return f"{value:.4g} +/- {err:.2g}"


def run_demo(out: str | Path, jobs: int = 1, echo: Callable[[str], None] = print,
             theory: str | Path | None = None, force: bool = False) -> dict[str, Path]:
    """Run the demo and return a mapping of what was written (name -> path).

    Steps: the batch analysis of ``data/example_series/manifest.toml`` (every row an
    independent job), then the theory-vs-experiment overlay of the measured Tc against
    n2D with the bundled theory table ``data/theory_tc.csv`` (made by
    ``scripts/make_theory_table.py``; computed on the fly when absent), then
    ``report.html`` (series table, figures, overlay and provenance on one page).

    Parameters
    ----------
    out
        Output folder (created).
    jobs
        Worker processes for the batch (1 = serial).
    echo
        Where the report lines go.
    theory
        Theory table (CSV) to use instead of the bundled one.
    force
        Write into a non-empty folder that ktoanalysis did not write (see
        :func:`ktoanalysis.batch.outdir.claim_output`).
    """
    from .batch.outdir import claim_output

    out = Path(out).resolve()
    manifest = data_path("example_series", "manifest.toml")
    if not manifest.exists():
        echo(f"no bundled example series found at {manifest}")
        return {}
    with claim_output(out, force=force, what="demo"):
        return _run_demo(out, manifest, jobs, echo, theory)


def _run_demo(out: Path, manifest: Path, jobs: int, echo: Callable[[str], None],
              theory: str | Path | None) -> dict[str, Path]:
    from .batch import run_series
    from .batch.report import write_report
    from .compare.overlay import plot_overlay, theory_table

    echo(f"batch analysis of {manifest} ...")
    series = run_series(manifest, out, jobs=jobs, progress=False, lock=False)
    res = series.results
    for _, r in res.iterrows():
        keys = KEY_PARAMS.get(r["kind"], ())
        vals = ", ".join(
            f"{k} = {_fmt(float(r.get(k, math.nan)), float(r.get(k + '_err', math.nan)))}"
            for k in keys if k in r)
        verdict = str(r.get("quality", "ok"))
        flags = r.get("flags")
        flags = f" [{flags}]" if isinstance(flags, str) and flags else ""
        echo(f"  {r['sample']:<10} {r['orientation']!s:>5} {r['kind']:<16} "
             f"{verdict.upper():<4} {vals}{flags}")
    if series.n_failed:
        echo(f"{series.n_failed} row(s) failed; see {series.failures_path}")
    series_json = out / "series" / "series.json"
    if series_json.exists():  # gate / polarization series (ktoanalysis.batch.series_level)
        from .batch.results import read_json
        from .compare.series import summary_lines

        echo("series-level results (loop width and remanent difference: down - up branch):")
        for line in summary_lines(read_json(series_json)):
            echo(f"  {line}")
    theory_csv = Path(theory) if theory is not None else data_path("theory_tc.csv")
    theory_arg = theory_csv if theory_csv.exists() else None
    echo("overlay of measured Tc and pairing theory"
         + ("" if theory_arg else " (theory computed on the fly, this takes a minute)") + " ...")
    if theory_arg is None:
        theory_arg = theory_table()
    overlay = out / "overlay.png"
    plot_overlay(series.results_path, theory_arg, out=overlay)
    report = write_report(series, overlay=overlay)
    written = {"results": series.results_path, "results_long": series.long_path,
               "failures": series.failures_path, "plots": out / "plots", "overlay": overlay,
               "report": report}
    if series_json.exists():
        written["series"] = series_json
    for k, v in written.items():
        echo(f"wrote {k}: {v}")
    return written
