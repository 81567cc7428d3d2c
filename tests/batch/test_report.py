"""report.html: rendered in headless Chromium, every figure loads and every row is there.

The report itself holds no script; this test adds one to a copy, which marks each image
with its decoded size once the page has loaded, and reads the DOM back with
``chromium --headless --dump-dom``. Skipped with the reason where no Chromium is found
(``.ci/run`` installs the distribution's ``chromium`` package where it can).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from ktoanalysis.batch.report import format_value
from ktoanalysis.cli import app

_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
             "chrome", "headless_shell")

_PROBE = ('<script>window.addEventListener("load", function () {'
          ' var imgs = document.images;'
          ' for (var i = 0; i < imgs.length; i++) {'
          '  var m = imgs[i];'
          '  m.setAttribute("data-check", (m.complete && m.naturalWidth > 0) ?'
          '   ("loaded " + m.naturalWidth + "x" + m.naturalHeight) : "broken"); }'
          ' document.body.setAttribute("data-probe", "done"); });</script>')


def _chromium() -> str | None:
    env = os.environ.get("KTO_CHROMIUM")
    if env:
        return env
    return next((p for p in map(shutil.which, _BROWSERS) if p), None)


def test_format_value_rounds_to_the_error():
    assert format_value(0.654123, 0.000216) == "0.65412 \u00b1 0.00022"
    assert format_value(3.79978e13, 2.54e9) == "(3.79978 \u00b1 0.00025)e13"
    assert format_value(float("nan"), 1.0) == "-" and format_value(5.0, None) == "5"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``batch --report`` on two fast selftest rows and a failed row (the demo test
    covers a report with the theory overlay)."""
    from .conftest import write_rt

    base = tmp_path_factory.mktemp("report")
    (base / "data").mkdir()
    for i, tc in enumerate([0.9, 1.3]):
        write_rt(base / "data" / f"S{i}.csv", tc, seed=60 + i, n=30)
    (base / "m.toml").write_text(
        '[defaults]\nkind = "selftest"\norientation = "111"\n'
        '[[run]]\nsample = "S0"\nfile = "data/S0.csv"\nn2d_cm2 = 3e13\n'
        '[[run]]\nsample = "S<1>"\nfile = "data/S1.csv"\nn2d_cm2 = 6e13\n'
        '[[run]]\nsample = "lost"\nfile = "data/lost.csv"\nn2d_cm2 = 9e13\n')
    out = base / "out"
    res = CliRunner().invoke(app, ["batch", str(base / "m.toml"), "--out", str(out),
                                   "--report", "--allow-selftest"])
    assert res.exit_code == 4, res.output  # the lost row failed
    assert f"report: {out / 'report.html'}" in res.output
    return out / "report.html"


def test_report_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    srcs = re.findall(r'<img src="([^"]*)"', html)
    assert len(srcs) == 2  # the two row figures (no Tc rows: no overlay, and it says so)
    assert "No overlay: the series has no Tc results" in html
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "S&lt;1&gt;" in html and "S<1>" not in html  # escaped by the template
    assert 'id="row-1"' in html and 'id="row-2"' in html and 'id="failed-row-3"' in html
    assert "lost.csv" in html and "SHA-256" in html


def test_report_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no headless Chromium found (looked for " + ", ".join(_BROWSERS)
                    + " on PATH and $KTO_CHROMIUM); install the chromium package")
    probe = tmp_path / "probe.html"
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                     encoding="utf-8")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
           "--dump-dom", probe.as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"{browser} could not render a page here: {exc}")
    dom = done.stdout
    if done.returncode != 0 or "<body" not in dom:
        pytest.skip(f"{browser} could not render a page here (exit {done.returncode}): "
                    f"{done.stderr.strip().splitlines()[-1:] or ''}")
    assert 'data-probe="done"' in dom, "the load event never fired"
    checks = re.findall(r'data-check="([^"]*)"', dom)
    assert len(checks) == 2 and all(c.startswith("loaded ") for c in checks), checks
    for c in checks:
        w, h = map(int, c.split()[1].split("x"))
        assert w >= 300 and h >= 200
    rows = re.findall(r'<tr class="row-(ok|warn|fail)" id="(?:failed-)?row-(\d+)"', dom)
    assert sorted(int(r) for _, r in rows) == [1, 2, 3]
    assert "S&lt;1&gt;" in dom and "Provenance" in dom
