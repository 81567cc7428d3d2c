"""CLI: ``ktoanalysis theory mu | fermi-surface | bands``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import app
from ktoanalysis.errors import TheoryError

runner = CliRunner()

# Norman 2026 (papers/000), Table I: mu (eV) at n2D = 1e14 cm^-2
TABLE_I_MU = {("111", "TB1"): 0.0775, ("111", "TB2"): 0.11565,
              ("001", "TB1"): 0.4884, ("001", "TB2"): 0.3642}


@pytest.mark.parametrize("case", sorted(TABLE_I_MU))
def test_mu_json_table_i(case):
    o, tb = case
    res = runner.invoke(app, ["theory", "mu", "--orientation", o, "--tb", tb, "--n2d", "1e14",
                              "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["orientation"] == o and out["tb"] == tb and out["n2d_cm2"] == 1e14
    assert out["mu_eV"] == pytest.approx(TABLE_I_MU[case], abs=1e-4)


def test_mu_text_and_options():
    res = runner.invoke(app, ["theory", "mu", "--orientation", "111", "--tb", "TB1",
                              "--n2d", "1e14", "-o", "rashba_static_eV=0"])
    assert res.exit_code == 0, res.output
    assert "mu = 0.077" in res.output


def test_fermi_surface_json(tmp_path):
    png = tmp_path / "fs.png"
    res = runner.invoke(app, ["theory", "fermi-surface", "--orientation", "111", "--tb", "TB1",
                              "--n2d", "1e14", "--dphi-deg", "2.5", "--json", "--plot", str(png),
                              "--dynamic-rashba-ev", "0.028"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["band_labels"] == [1, 2, 3, 4]
    assert len(out["phi_deg"]) == 13 and len(out["kF_inv_a"][0]) == 13
    # star: band-1 tip along Gamma-M (30 deg) longer than the Gamma-K waist (Fig. 1a)
    assert out["kF_paper_units"][0][-1] > 1.3 * out["kF_paper_units"][0][0]
    assert all(d > 0 for d in out["dos_states_per_eV_cell"])
    assert png.stat().st_size > 10_000


def test_fermi_surface_text_with_mu():
    res = runner.invoke(app, ["theory", "fermi-surface", "--orientation", "001", "--tb", "TB2",
                              "--mu-ev", "0.3642", "--dphi-deg", "15"])
    assert res.exit_code == 0, res.output
    assert "DOS" in res.output and "π/a" in res.output


def test_bands_plot_and_json(tmp_path):
    png = tmp_path / "bands.png"
    res = runner.invoke(app, ["theory", "bands", "--orientation", "111", "--tb", "TB1",
                              "--plot", str(png), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    # TB1 at Gamma: -2t - xi/2 with t = 1, xi = 0.265 (Table I)
    assert out["energies_eV"]["Γ"][0] == pytest.approx(-2.1325, abs=1e-5)
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("args,match", [
    (["mu", "--orientation", "112"], "orientation"),
    (["mu", "--tb", "TB7"], "tight-binding set"),
    (["mu", "--n2d", "-1e14"], "positive"),
    (["mu", "--n2d", "1e20"], "absurd"),
    (["mu", "--orientation", "001", "--n2d", "1e15"], "zone boundary"),
    (["mu", "-o", "bogus=1"], "unknown model option"),
    (["fermi-surface", "--n2d", "1e14", "--mu-ev", "0.1"], "exactly one"),
    (["fermi-surface", "--dphi-deg", "7"], "divide"),
])
def test_bad_input_is_theory_error(args, match):
    res = runner.invoke(app, ["theory", *args])
    assert res.exit_code != 0
    assert isinstance(res.exception, TheoryError)
    assert match in str(res.exception)


def test_mu_former_failure_point_and_refusal_beyond_the_limit():
    res = runner.invoke(app, ["theory", "mu", "--orientation", "111", "--tb", "TB2",
                              "--n2d", "2e14", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["occupied_bands"] == 4 and out["n2d_max_cm2"] > 2e14
    res = runner.invoke(app, ["theory", "mu", "--orientation", "111", "--tb", "TB1",
                              "--n2d", "3e14"])
    assert isinstance(res.exception, TheoryError)
    assert "highest density" in str(res.exception) and "2.13" in str(res.exception)
