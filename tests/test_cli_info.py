"""``ktoanalysis info``: JSON and text output, and clean errors for bad files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import EXIT_INPUT_ERROR, app, main
from ktoanalysis.errors import DataFormatError, KtoError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_info_json_fields_and_si_values():
    result = CliRunner().invoke(app, ["info", str(FIXTURES / "field_current.csv"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) >= {"format", "columns", "metadata"}
    assert out["format"] == "csv"
    cols = {c["name"]: c for c in out["columns"]}
    assert set(cols) == {"B_T", "I_A", "V_V", "Rxy_ohm"}
    for c in out["columns"]:
        assert set(c) >= {"name", "unit", "min", "max", "count"}
    # H from -5000 Oe to +5000 Oe -> -0.5 T .. 0.5 T; I = 10 uA = 1e-5 A
    assert (cols["B_T"]["unit"], cols["B_T"]["min"], cols["B_T"]["max"]) == ("T", -0.5, 0.5)
    assert cols["I_A"]["min"] == pytest.approx(1e-5) and cols["I_A"]["count"] == 11
    assert out["metadata"]["source"].endswith("field_current.csv")


def test_info_json_qd_metadata_and_units():
    result = CliRunner().invoke(app, ["info", str(FIXTURES / "qd_act_synthetic.dat"), "--json"])
    out = json.loads(result.stdout)
    assert out["format"] == "qd-act"
    cols = {c["name"]: c for c in out["columns"]}
    assert cols["rho_ch1_ohm_m"]["unit"] == "ohm_m"  # not just "m"
    assert cols["R_ch1_ohm"]["count"] == 6 and cols["R_ch2_ohm"]["count"] == 6
    assert out["metadata"]["qd_info"]["SAMPLE1_LEAD_SEPARATION"] == "0.1393"


def test_info_text_output():
    result = CliRunner().invoke(app, ["info", str(FIXTURES / "rt_millikelvin.csv")])
    assert result.exit_code == 0
    assert "format: csv" in result.stdout
    assert "T_K" in result.stdout and "T (mK)" in result.stdout


def test_info_bad_file_raises_kto_error(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("T (K),R (Ohm)\n1,x\n")
    result = CliRunner().invoke(app, ["info", str(bad)])
    assert result.exit_code != 0
    assert isinstance(result.exception, DataFormatError)
    result = CliRunner().invoke(app, ["info", str(tmp_path / "missing.dat"), "--json"])
    assert isinstance(result.exception, KtoError)


def test_main_turns_error_into_exit_code_3(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01binary")
    monkeypatch.setattr(sys, "argv", ["ktoanalysis", "info", str(bad)])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("error:") and "binary" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
