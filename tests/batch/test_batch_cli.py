"""``ktoanalysis batch``: exit codes 0 / 4 / 3 and the written tables."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import EXIT_INPUT_ERROR, EXIT_SOME_FAILED, app, main

TCS = [0.9, 1.2, 1.5]


def test_cli_some_rows_failed_exit_4(series, tmp_path, corrupt):
    m = series(TCS, extra_rows=['sample = "missing"\nfile = "data/nowhere.csv"',
                                'sample = "corrupted"\nfile = "data/broken.csv"'])
    corrupt(tmp_path / "data" / "broken.csv")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(m), "--out", str(out), "--no-plots"])
    assert result.exit_code == EXIT_SOME_FAILED == 4, result.output
    assert "3 succeeded" in result.output and "2 failed" in result.output
    done = pd.read_csv(out / "results.csv")
    assert list(done["sample"]) == ["S0", "S1", "S2"]
    assert done["Tc_mid_K"].to_numpy() == pytest.approx(TCS, abs=0.01)
    fails = pd.read_csv(out / "failures.csv")
    assert list(fails["sample"]) == ["missing", "corrupted"]
    assert "nowhere.csv" in fails["message"][0] and "not found" in fails["message"][0]
    assert "broken.csv" in fails["message"][1]
    assert (fails["files"] == ["data/nowhere.csv", "data/broken.csv"]).all()


def test_cli_all_ok_exit_0_and_resume(series, tmp_path):
    m = series(TCS[:2])
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(app, ["batch", str(m), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert len(list((out / "plots").glob("*_tc.png"))) == 2
    table = (out / "results.csv").read_bytes()
    again = runner.invoke(app, ["batch", str(m), "--out", str(out), "--resume"])
    assert again.exit_code == 0 and "2 from earlier records" in again.output
    assert (out / "results.csv").read_bytes() == table
    # a row whose figure is gone is run again
    (out / "plots" / "002_S1_tc.png").unlink()
    third = runner.invoke(app, ["batch", str(m), "--out", str(out), "--resume"])
    assert third.exit_code == 0 and "1 from earlier records" in third.output
    assert (out / "plots" / "002_S1_tc.png").is_file()
    assert (out / "results.csv").read_bytes() == table


def test_bad_manifest_exit_3_names_row_and_field(series, tmp_path, monkeypatch, capsys):
    m = series(TCS[:1], extra_rows=['sample = "Z9"\nfile = "data/S0.csv"\n'
                                    'orientation = "100"'])
    monkeypatch.setattr(sys, "argv", ["ktoanalysis", "batch", str(m), "--out",
                                      str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == EXIT_INPUT_ERROR == 3
    err = capsys.readouterr().err
    assert "row 2 (sample 'Z9'), field 'orientation'" in err and "100" in err


def test_cli_rejects_two_dask_modes(tmp_path, series):
    m = series(TCS[:1])
    result = CliRunner().invoke(app, ["batch", str(m), "--out", str(tmp_path / "o"),
                                      "--dask-local", "2", "--dask", "tcp://x:1"])
    assert result.exit_code != 0
    assert "either --dask-local" in str(result.exception)


def test_cli_verdict_fail_row_gives_exit_4_and_quality_columns(series, tmp_path):
    """A row that ran but whose verdict is fail (a phase-slip fit of a tanh transition: the
    LAMH form cannot describe it) makes the batch exit 4; the verdict and flags are in
    results.csv and, with every message, in rows/<row>.json."""
    import json

    m = series(TCS[:1], extra_rows=['sample = "S0-ps"\nkind = "phase-slips"\n'
                                    'file = "data/S0.csv"'])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["batch", str(m), "--out", str(out), "--no-plots"])
    assert result.exit_code == EXIT_SOME_FAILED, result.output
    assert "1 with verdict fail" in result.output
    done = pd.read_csv(out / "results.csv")
    assert done.loc[0, "quality"] in ("ok", "warn") and done.loc[1, "quality"] == "fail"
    assert "bad_fit" in done.loc[1, "flags"].split(";")
    rec = json.loads((out / "rows" / "2.json").read_text())
    assert rec["quality"]["verdict"] == "fail"
    assert any(f["code"] == "bad_fit" and "chi-square" in f["message"]
               for f in rec["quality"]["flags"])
