"""CLI: theory lambda / table3 / sweep."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import app
from ktoanalysis.errors import TheoryError
from ktoanalysis.theory.pairing import compute_lambda

runner = CliRunner()


def test_lambda_json_matches_library():
    r = runner.invoke(app, ["theory", "lambda", "--orientation", "001", "--tb", "TB2",
                            "--omega0-meV", "5.6", "--dispersion", "none", "--dk-deg", "5",
                            "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    ref = compute_lambda("001", "TB2", omega0_meV=5.6, dispersion="none", dphi_deg=5.0)
    assert d["lambda"] == pytest.approx(ref.lam, rel=1e-12)
    assert d["omega0_meV"] == 5.6 and d["dispersion"] == "none"
    assert d["Tc_bcs_K"] >= 0


def test_table3_json_has_all_rows():
    r = runner.invoke(app, ["theory", "table3", "--json", "--dk-deg", "5"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert len(rows) == 16
    for row in rows:
        assert row["rel_err"] == pytest.approx(row["computed"] / row["paper"] - 1, rel=1e-12)


def test_sweep_writes_csv(tmp_path):
    out = tmp_path / "sweep.csv"
    r = runner.invoke(app, ["theory", "sweep", "--orientation", "111", "--tb", "TB2",
                            "--n2d", "5e13,1e14", "--omega0-meV", "auto", "--dk-deg", "6",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert len(df) == 2 and {"lambda", "Tc_bcs_K", "omega0_meV", "mu_eV"} <= set(df.columns)
    # Appendix B: omega(0) hardens with density
    assert df.sort_values("n2d_cm2")["omega0_meV"].is_monotonic_increasing


def test_bad_omega0_is_a_clear_error():
    r = runner.invoke(app, ["theory", "lambda", "--omega0-meV", "soft", "--dk-deg", "5"])
    assert r.exit_code != 0
    assert isinstance(r.exception, TheoryError)
