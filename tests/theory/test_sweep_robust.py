"""Sweeps over every density (issue 14): the former failure points run, the band count
follows mu, and a sweep writes its finished points as it goes and reports failed ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import app
from ktoanalysis.errors import ExitCode, TheoryError
from ktoanalysis.theory import sweep as sweep_mod
from ktoanalysis.theory.models import make_model
from ktoanalysis.theory.pairing import prepare_pairing
from ktoanalysis.theory.sweep import SWEEP_COLUMNS, sweep_density

runner = CliRunner()

#: issue 14's failure points: (orientation, tb, n2D cm^-2, occupied bands)
FORMER_FAILURES = [("111", "TB1", 1.05e14, 4), ("111", "TB1", 1.8e14, 4),
                   ("001", "TB1", 1.5e14, 4), ("111", "TB2", 2e14, 4),
                   ("111", "TB2", 3e13, 2), ("001", "TB2", 2e14, 6)]


@pytest.mark.parametrize("o,tb,n,nb", FORMER_FAILURES)
def test_lambda_at_former_failure_points(o, tb, n, nb):
    res = prepare_pairing(make_model(o, tb), n2d_cm2=n, dphi_deg=9.0 if o == "001" else 6.0
                          ).solve(5.6)
    assert res.nbands == nb and res.options["nbands"] == nb
    assert res.n2d_cm2 == pytest.approx(n, rel=1e-4)
    assert np.isfinite(res.lam) and res.lam > 0
    assert np.all(res.delta > 0)  # nodeless leading gap (K >= 0)


def test_sweep_records_failed_points_and_streams_rows():
    seen = []
    df = sweep_density("111", "TB1", [5e13, 5e14], dphi_deg=10.0, on_error="record",
                       on_row=seen.append)
    assert list(df.columns) == list(SWEEP_COLUMNS)
    assert [r["status"] for r in seen] == ["ok", "failed"] == list(df["status"])
    bad = df.iloc[1]
    assert "above the highest density" in bad.reason and np.isnan(bad["lambda"])
    with pytest.raises(TheoryError, match="highest density"):
        sweep_density("111", "TB1", [5e14], dphi_deg=10.0)


def test_cli_sweep_reports_failures_with_exit_code(tmp_path):
    out = tmp_path / "s.csv"
    r = runner.invoke(app, ["theory", "sweep", "--orientation", "111", "--tb", "TB1",
                            "--n2d", "5e13,5e14", "--dk-deg", "10", "--out", str(out)])
    assert r.exit_code == int(ExitCode.SOME_FAILED), r.output
    assert "failed: 111 TB1 n2D = 5e+14" in r.output and "highest density" in r.output
    df = pd.read_csv(out, keep_default_na=False)
    assert list(df["status"]) == ["ok", "failed"]


def test_cli_sweep_keeps_finished_points_when_interrupted(tmp_path, monkeypatch):
    real = sweep_mod.prepare_pairing
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(sweep_mod, "prepare_pairing", flaky)
    out = tmp_path / "s.csv"
    r = runner.invoke(app, ["theory", "sweep", "--orientation", "001", "--tb", "TB2",
                            "--n2d", "5e13,1e14,1.5e14", "--dk-deg", "15", "--out", str(out)])
    assert r.exit_code != 0
    df = pd.read_csv(out)
    assert len(df) == 2 and list(df["n2d_cm2"]) == [5e13, 1e14]
    assert not list(tmp_path.glob(".s.csv.*"))  # no temporary file left behind
