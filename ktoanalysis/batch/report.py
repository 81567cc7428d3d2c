"""``report.html``: one self-contained page describing a finished series.

Written by ``ktoanalysis batch ... --report`` and ``ktoanalysis demo``. The page holds

* the series table: each analysed row with its main parameters (value +/- 1 sigma and
  unit), the quality verdict (coloured: ok green, warn orange, fail red) and every flag
  with its message; the rows that failed to run, with their error;
* the theory-vs-experiment overlay when one was drawn;
* the series figures (``series/*.png`` of :mod:`ktoanalysis.batch.series_level`: each
  gate series, Tc against n2D), captioned, with the main numbers of ``series.json``;
* each sample's figures (the per-row PNGs, embedded as base64 data URIs);
* the provenance: ktoanalysis version, Python, date, manifest (with SHA-256), and each
  row's input files with their SHA-256 and the resolved options.

It is rendered from the Jinja2 template ``ktoanalysis/templates/report.html.j2`` with
HTML autoescaping; it needs no JavaScript and no file beside it, so it can be mailed or
put on a shared drive as it is.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
import platform
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .results import atomic_write

__all__ = ["render_report", "write_report", "format_value", "KEY_PARAMS", "TEMPLATE"]

#: the template (inside the package)
TEMPLATE = "report.html.j2"

#: the main parameters shown in the series table for each analysis kind (other kinds:
#: their first few parameters)
KEY_PARAMS: dict[str, tuple[str, ...]] = {
    "tc": ("Tc_mid_K", "width_K"),
    "bkt-rt": ("T_BKT_K",),
    "bkt-iv": ("T_BKT_K",),
    "hc2-angle": ("Hc2_perp_T", "Hc2_par_T"),
    "hc2-temperature": ("Tc_K", "xi_GL0_m", "d_sc_m"),
    "phase-slips": ("dF0_J",),
    "mr-hysteresis": ("peak_field_up_T", "peak_field_down_T"),
    "hall": ("fit_n2d_cm2", "mobility_cm2_Vs"),
}
_MAX_OTHER = 4


def format_value(value: float, err: float | None = None) -> str:
    """``value +/- err`` with the error to two significant digits and the value to the
    same decimal place (``1.2346 +/- 0.0012``); ``-`` for a missing value, the value to
    four significant digits when the error is unknown."""
    if value is None or not math.isfinite(value):
        return "-"
    if err is None or not math.isfinite(err) or err <= 0:
        return f"{value:.4g}"
    exp = math.floor(math.log10(err)) - 1  # decimal place of the error's 2nd digit
    if exp >= -8 and (value == 0 or 1e-3 <= abs(value) < 1e6) and exp <= 4:
        decimals = max(0, -exp)
        return f"{value:.{decimals}f} \u00b1 {err:.{decimals}f}"
    e = math.floor(math.log10(abs(value))) if value else exp + 1
    decimals = max(0, e - exp)
    return f"({value / 10**e:.{decimals}f} \u00b1 {err / 10**e:.{decimals}f})e{e}"


def _data_uri(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _series_figures(out: Path) -> tuple[list[dict[str, str]], list[str]]:
    """The figures of ``out/series/`` (gate series in the order of ``series.json``, then
    ``tc_n2d.png``, then any other PNG by name) with captions, and the summary lines of
    ``series.json`` (both empty when the run has no series)."""
    from ..compare.series import summary_lines
    from ..compare.series_plots import gate_plot_name

    folder = out / "series"
    if not folder.is_dir():
        return [], []
    doc: dict[str, Any] = {}
    try:
        loaded = json.loads((folder / "series.json").read_text(encoding="utf-8"))
        doc = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        pass
    captions: dict[str, str] = {}
    for g in doc.get("gate_series") or []:
        sample, orient = str(g.get("sample", "")), str(g.get("orientation") or "")
        branches = g.get("branches") or {}
        counts = ", ".join(f"{n} {b}" for b, n in branches.items()) if branches else ""
        captions[gate_plot_name(sample, orient)] = (
            f"Gate series of {sample}{' ' + orient if orient else ''}: Tc, R_s and n2D "
            f"against V_G, up and down sweep branches drawn apart"
            + (f" (points: {counts})" if counts else ""))
    captions["tc_n2d.png"] = ("Tc against n2D per orientation, with each orientation's "
                              "Tc-density slope")
    names = sorted(p.name for p in folder.glob("*.png"))
    order = [n for n in captions if n in names] + [n for n in names if n not in captions]
    figures = []
    for name in order:
        src = _data_uri(folder / name)
        if src is not None:
            figures.append({"src": src, "name": f"series/{name}",
                            "caption": captions.get(name, f"series figure {name}")})
    try:
        lines = summary_lines(doc) if doc else []
    except (KeyError, TypeError, ValueError):  # a document of another version
        lines = []
    return figures, lines


def _float(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _row_params(r: Mapping[str, Any], columns: Sequence[str],
                meta: set[str]) -> list[dict[str, str]]:
    from .tables import _declared_units, parameter_unit

    kind = str(r["kind"])
    names = [p for p in KEY_PARAMS.get(kind, ()) if p in columns
             and math.isfinite(_float(r.get(p)))]
    if not names:
        names = [c for c in columns if c not in meta and not c.endswith("_err")
                 and not c.startswith("stat_") and c not in ("quality", "flags")
                 and math.isfinite(_float(r.get(c)))][:_MAX_OTHER]
    units = _declared_units(kind)
    return [{"name": p, "text": format_value(_float(r.get(p)), _float(r.get(f"{p}_err"))),
             "unit": parameter_unit(p[4:] if p.startswith("fit_") else p, units)}
            for p in names]


def render_report(series: Any, *, overlay: str | Path | None = None,
                  overlay_note: str | None = None, manifest: str | Path | None = None,
                  title: str | None = None) -> str:
    """The report page of a finished series, as HTML text.

    Parameters
    ----------
    series
        :class:`~ktoanalysis.batch.runner.SeriesResult` of the run.
    overlay
        PNG of the theory-vs-experiment overlay to embed (optional).
    overlay_note
        Text shown instead when no overlay could be drawn (why).
    manifest
        The manifest file (named with its SHA-256 in the provenance); default: the
        series' own.
    title
        Page title (default: ``ktoanalysis series report: <manifest name>``).

    Returns
    -------
    str
        The page (UTF-8 text).
    """
    import sys

    import jinja2

    from ..transport.plots import VERDICT_COLOURS
    from ..transport.result import file_sha256, package_version
    from .runner import RESULT_META_COLUMNS

    out = Path(series.out_dir)
    results, failures = series.results, series.failures
    meta = set(RESULT_META_COLUMNS)
    columns = list(results.columns)
    records = {int(rec["index"]): rec for rec in series.records if "index" in rec}

    rows, samples, prov_rows = [], {}, []
    for r in results.to_dict("records"):
        rec = records.get(int(r["row"]), {})
        quality = rec.get("quality") or {}
        flags = [{"code": f.get("code", ""), "message": f.get("message", "")}
                 for f in quality.get("flags", [])] or \
                [{"code": c, "message": ""} for c in str(r.get("flags") or "").split(";") if c]
        n2d = _float(r.get("n2d_cm2"))
        rows.append({"row": int(r["row"]), "sample": r["sample"], "kind": r["kind"],
                     "orientation": r.get("orientation", ""),
                     "n2d": f"{n2d / 1e13:.3g}" if math.isfinite(n2d) else "",
                     "params": _row_params(r, columns, meta),
                     "verdict": str(r.get("quality") or "ok"), "flags": flags})
        figs = samples.setdefault(str(r["sample"]), [])
        plot = rec.get("plot")
        src = _data_uri(out / "plots" / plot) if plot else None
        if src is not None:
            figs.append({"src": src, "caption": f"row {int(r['row'])}: {r['sample']}, "
                                                f"{r['kind']} ({r['files']}), "
                                                f"verdict {str(r.get('quality', '')).upper()}"})
    for rec in series.records:
        prov_rows.append({"row": rec.get("index"), "sample": rec.get("sample"),
                          "kind": rec.get("kind"), "inputs": rec.get("inputs", []),
                          "options": json.dumps(rec.get("options", {}), sort_keys=True)})
    for f in failures.to_dict("records"):
        samples.setdefault(str(f["sample"]), [])
    overlay_fig = None
    if overlay is not None:
        src = _data_uri(Path(overlay))
        if src is not None:
            overlay_fig = {"src": src, "caption": "Measured Tc against n2D with the pairing "
                                                  "theory and the literature"}
        else:
            overlay_note = overlay_note or f"the overlay figure {overlay} could not be read"
    series_figs, series_lines = _series_figures(out)
    verdicts = [row["verdict"] for row in rows]
    summary = {"n_rows": series.n_rows, "n_ok": series.n_ok, "n_failed": series.n_failed,
               "n_verdict": {v: verdicts.count(v) for v in ("ok", "warn", "fail")}}
    if manifest is None:
        manifest = getattr(series, "manifest", None)
    manifest_path = None if manifest is None else Path(manifest)
    prov = {"version": package_version(),
            "written": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "python": sys.version.split()[0], "platform": platform.platform(terse=True),
            "manifest": None if manifest_path is None else str(manifest_path),
            "manifest_sha256": None if manifest_path is None else file_sha256(manifest_path),
            "out_dir": str(out), "rows": prov_rows}
    name = manifest_path.name if manifest_path is not None else out.name
    text = resources.files("ktoanalysis").joinpath("templates", TEMPLATE).read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(text)
    return template.render(
        title=title or f"ktoanalysis series report: {name}", rows=rows,
        failures=failures.to_dict("records"),
        samples=[{"sample": s, "figures": figs} for s, figs in samples.items()],
        overlay=overlay_fig, overlay_note=overlay_note, prov=prov, summary=summary,
        series_figures=series_figs, series_lines=series_lines,
        colours=VERDICT_COLOURS)


def write_report(series: Any, path: str | Path | None = None, **kwargs: Any) -> Path:
    """Write :func:`render_report` to ``path`` (default ``<out_dir>/report.html``),
    atomically; keyword arguments as for :func:`render_report`."""
    path = Path(series.out_dir) / "report.html" if path is None else Path(path)
    html = render_report(series, **kwargs)
    return atomic_write(path, lambda fh: fh.write(html))
