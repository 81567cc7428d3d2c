"""A safe --out: the lock, refusing a folder of someone else's files, --force, and the
clean-up of stale figures and temporary files."""

from __future__ import annotations

import sys
import time

import pytest
from typer.testing import CliRunner

from ktoanalysis.batch import SELFTEST_KINDS, run_series
from ktoanalysis.batch.outdir import MARKER_NAME, OutputFolderError, claim_output
from ktoanalysis.cli import EXIT_INPUT_ERROR, app, main


@pytest.fixture
def selftest_manifest(tmp_path, write_rt):
    """Three fast selftest rows (mean resistance of a simulated R(T) file)."""
    lines = ['[defaults]\nkind = "selftest"\n']
    for i in range(3):
        write_rt(tmp_path / f"f{i}.csv", 1.0, seed=i, n=20)
        lines.append(f'[[run]]\nsample = "K{i}"\nfile = "f{i}.csv"\n')
    m = tmp_path / "m.toml"
    m.write_text("\n".join(lines))
    return m


def test_second_run_into_a_locked_folder_stops_at_once(selftest_manifest, tmp_path,
                                                       monkeypatch, capsys):
    out = tmp_path / "out"
    with claim_output(out):  # a first run holding the folder
        t0 = time.monotonic()
        with pytest.raises(OutputFolderError, match="another ktoanalysis run is writing"):
            run_series(selftest_manifest, out, plots=False, extra_kinds=SELFTEST_KINDS)
        monkeypatch.setattr(sys, "argv", ["ktoanalysis", "batch", str(selftest_manifest),
                                          "--out", str(out), "--allow-selftest"])
        with pytest.raises(SystemExit) as exc:
            main()
        assert time.monotonic() - t0 < 5
        assert exc.value.code == EXIT_INPUT_ERROR
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and "lock" in err and str(out) in err
        assert not (out / "results.csv").exists()
    # released: the same run now goes through, and again (the folder is its own)
    for _ in range(2):
        res = run_series(selftest_manifest, out, plots=False, extra_kinds=SELFTEST_KINDS)
        assert res.n_ok == 3 and (out / MARKER_NAME).is_file()


def test_folder_of_foreign_files_is_refused_unless_force(selftest_manifest, tmp_path):
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "results.csv").write_text("someone's earlier results\n")
    (out / "notes.txt").write_text("keep me\n")
    runner = CliRunner()
    args = ["batch", str(selftest_manifest), "--out", str(out), "--allow-selftest",
            "--no-plots"]
    refused = runner.invoke(app, args)
    assert refused.exit_code != 0
    assert isinstance(refused.exception, OutputFolderError)
    assert "notes.txt" in str(refused.exception) and "--force" in str(refused.exception)
    assert (out / "results.csv").read_text() == "someone's earlier results\n"
    # a folder holding only toolkit names but no marker is not ours either
    (out / "notes.txt").unlink()
    with pytest.raises(OutputFolderError, match="not written by ktoanalysis"):
        run_series(selftest_manifest, out, plots=False, extra_kinds=SELFTEST_KINDS)
    (out / "notes.txt").write_text("keep me\n")
    forced = runner.invoke(app, [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "notes.txt").read_text() == "keep me\n"  # left alone
    assert "R_mean_ohm" in (out / "results.csv").read_text()
    # an empty existing folder is fine without --force
    (tmp_path / "empty").mkdir()
    assert run_series(selftest_manifest, tmp_path / "empty", plots=False,
                      extra_kinds=SELFTEST_KINDS).n_ok == 3


def test_resume_removes_stale_plots_and_temporary_files(selftest_manifest, tmp_path):
    out = tmp_path / "out"
    run_series(selftest_manifest, out, extra_kinds=SELFTEST_KINDS)
    plots = sorted(p.name for p in (out / "plots").iterdir())
    assert plots == ["001_K0_selftest.png", "002_K1_selftest.png", "003_K2_selftest.png"]
    # leftovers: a figure of a row since removed, temporary files of interrupted writes
    (out / "plots" / "004_gone_selftest.png").write_bytes(b"old")
    (out / "plots" / ".002_K1_selftest.png.abc123.png").write_bytes(b"partial")
    (out / ".results.csv.x9y8.tmp").write_text("partial")
    (out / "rows" / ".2.json.q1w2.tmp").write_text("{")
    res = run_series(selftest_manifest, out, resume=True, extra_kinds=SELFTEST_KINDS)
    assert res.n_resumed == 3
    assert sorted(p.name for p in (out / "plots").iterdir()) == plots
    assert not [p for p in out.rglob(".*.tmp")]
    assert sorted(p.name for p in (out / "rows").iterdir()) == ["1.json", "2.json", "3.json"]
