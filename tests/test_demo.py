"""The README's main command: ``ktoanalysis demo`` on the bundled example series.

The example series is simulated by ``scripts/make_example_series.py`` with known true
parameters (``data/example_series/truth.json``); the demo's fits must recover them within
their reported errors.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis._data import data_path

#: agreement criterion: |fit - truth| <= K_SIGMA * stderr. About 25 parameters are checked
#: at once: with honest Gaussian errors P(any pull > 4) is about 0.2 %, while a 3-sigma cut
#: would fail 7 % of honest runs. Per-model 1-sigma coverage (68 %) is tested in
#: tests/transport over hundreds of simulated data sets.
K_SIGMA = 4.0


def _fit_column(name: str, results: pd.DataFrame) -> str:
    """The results column of a fitted parameter: ``fit_<name>`` where the name is also a
    metadata column (the Hall ``n2d_cm2`` beside the manifest's ``n2d_cm2``)."""
    return f"fit_{name}" if f"fit_{name}" in results.columns else name


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from ktoanalysis.demo import run_demo

    out = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    written = run_demo(out, echo=lines.append)
    return out, written, lines


def test_demo_writes_everything(demo_run):
    out, written, lines = demo_run
    for name in ("results", "results_long", "failures", "overlay", "report"):
        assert written[name].exists(), name
    failures = pd.read_csv(written["failures"])
    assert failures.empty, failures.to_string()
    results = pd.read_csv(written["results"])
    manifest_rows = data_path("example_series", "manifest.toml").read_text().count("[[run]]")
    assert len(results) == manifest_rows
    plots = sorted((out / "plots").glob("*.png"))
    assert len(plots) == manifest_rows
    assert any("wrote overlay" in line for line in lines)


def test_demo_recovers_simulated_truth(demo_run):
    _, written, _ = demo_run
    results = pd.read_csv(written["results"], dtype={"orientation": str})
    truth = json.loads(data_path("example_series", "truth.json").read_text())
    checked = 0
    for key, params in truth.items():
        sample, kind = key.split("/")
        row = results[(results["sample"] == sample) & (results["kind"] == kind)]
        assert len(row) == 1, key
        row = row.iloc[0]
        for name, true in params.items():
            if not isinstance(true, (int, float)):  # a verdict or reference-only values
                continue
            name = _fit_column(name, results)
            fit, err = float(row[name]), float(row[f"{name}_err"])
            assert math.isfinite(fit) and math.isfinite(err) and err > 0, (key, name)
            assert abs(fit - true) <= K_SIGMA * err, (
                f"{key}: {name} = {fit:.6g} +/- {err:.2g}, true {true:.6g}")
            checked += 1
    assert checked >= 20


def test_demo_pulls_are_not_overdispersed(demo_run):
    """The pulls (fit - truth)/err over all checked parameters have an rms of order 1."""
    _, written, _ = demo_run
    results = pd.read_csv(written["results"], dtype={"orientation": str})
    truth = json.loads(data_path("example_series", "truth.json").read_text())
    pulls = []
    for key, params in truth.items():
        sample, kind = key.split("/")
        row = results[(results["sample"] == sample) & (results["kind"] == kind)].iloc[0]
        pulls += [(float(row[c]) - t) / float(row[f"{c}_err"])
                  for n, t in params.items() if isinstance(t, (int, float))
                  for c in [_fit_column(n, results)]]
    rms = float(np.sqrt(np.mean(np.square(pulls))))
    assert 0.3 < rms < 2.0, pulls


def test_demo_report_page(demo_run):
    """report.html: one self-contained page (every figure embedded, no script, no link to
    a file beside it) with a table row per manifest row and the provenance."""
    import re

    out, written, _ = demo_run
    html = written["report"].read_text(encoding="utf-8")
    n_rows = data_path("example_series", "manifest.toml").read_text().count("[[run]]")
    assert len(re.findall(r'<tr class="row-(?:ok|warn|fail)" id="row-\d+"', html)) == n_rows
    srcs = re.findall(r'<img src="([^"]*)"', html)
    assert len(srcs) == n_rows + 1  # each row's figure and the overlay
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<script" not in html.lower() and "href=" not in html
    version = pd.read_csv(written["results"])["ktoanalysis_version"].iloc[0]
    assert f"ktoanalysis {version}" in html and "SHA-256" in html
