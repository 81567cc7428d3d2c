"""run_series: known-Tc recovery, failures, executors giving identical tables, resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.batch import SELFTEST_KINDS, load_manifest, make_job, run_row, run_series
from ktoanalysis.errors import ManifestError

TCS = [0.8, 1.05, 1.3, 1.55]


def _bytes(out: Path) -> tuple[bytes, bytes]:
    return (out / "results.csv").read_bytes(), (out / "failures.csv").read_bytes()


def test_serial_series_recovers_known_tc(series, tmp_path):
    m = series(TCS)
    res = run_series(m, tmp_path / "out", plots=True)
    assert res.exit_code == 0 and res.n_failed == 0
    table = pd.read_csv(tmp_path / "out" / "results.csv")
    assert list(table["row"]) == [1, 2, 3, 4]
    assert list(table["sample"]) == ["S0", "S1", "S2", "S3"]
    # n2d given in cm^-2 in the manifest, and in cm^-2 (unit in the name) in the table
    np.testing.assert_allclose(table["n2d_cm2"], [1e13, 2e13, 3e13, 4e13], rtol=1e-12)
    assert "n2d_m2" not in table.columns
    # simulated R = R_N/2 (1 + tanh((T - Tc)/w)): R(Tc) = R_N/2, so Tc_mid = Tc
    tol = np.maximum(5 * table["Tc_mid_K_err"], 0.01)
    assert np.all(np.abs(table["Tc_mid_K"] - TCS) < tol)
    assert {"Tc_mid_K_err", "stat_ndata"} <= set(table.columns)
    # failures.csv exists with its header only
    fails = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert fails.empty and list(fails.columns) == ["row", "sample", "kind", "files",
                                                   "error_type", "message"]
    for i in range(4):
        assert (tmp_path / "out" / "plots" / f"{i + 1:03d}_S{i}_tc.png").stat().st_size > 1000


def test_failures_reported_and_pool_matches_serial(series, tmp_path, corrupt):
    m = series(TCS, extra_rows=['sample = "lost"\nfile = "data/lost.csv"',
                                'sample = "bad"\nfile = "data/bad.csv"'])
    corrupt(tmp_path / "data" / "bad.csv")
    serial = run_series(m, tmp_path / "serial", jobs=1, plots=False)
    pool = run_series(m, tmp_path / "pool", jobs=2, plots=False)
    assert serial.exit_code == pool.exit_code == 4
    assert serial.n_ok == 4 and serial.n_failed == 2
    fails = pd.read_csv(tmp_path / "serial" / "failures.csv")
    assert list(fails["row"]) == [5, 6] and list(fails["sample"]) == ["lost", "bad"]
    assert "lost.csv" in fails["message"][0] and "not found" in fails["message"][0]
    assert "bad.csv" in fails["message"][1] and "abc" in fails["message"][1]
    assert list(fails["error_type"]) == ["DataFormatError", "DataFormatError"]
    lost, bad = serial.failed
    assert (lost.row, lost.files, lost.error_type) == (5, "data/lost.csv", "DataFormatError")
    assert str(bad).startswith("row 6 (bad): DataFormatError:")
    # the local process pool gives byte-identical tables
    assert _bytes(tmp_path / "serial") == _bytes(tmp_path / "pool")
    pd.testing.assert_frame_equal(serial.results, pool.results)


def test_user_executor_is_used_and_left_open(series, tmp_path):
    m = series(TCS[:3])
    ref = run_series(m, tmp_path / "ref", plots=False)
    with ThreadPoolExecutor(2) as ex:
        threaded = run_series(m, tmp_path / "thr", executor=ex, plots=False)
        assert ex.submit(sum, [1, 2]).result() == 3  # not shut down by run_series
    assert _bytes(tmp_path / "ref") == _bytes(tmp_path / "thr")
    pd.testing.assert_frame_equal(ref.results, threaded.results)


class _Abort(Exception):
    pass


def test_resume_after_abort_equals_uninterrupted_run(series, tmp_path):
    m = series(TCS, extra_rows=['sample = "lost"\nfile = "data/lost.csv"'])
    full = run_series(m, tmp_path / "full", plots=False)

    def stop_after_two(done, total):
        assert total == 5
        if done == 2:
            raise _Abort

    out = tmp_path / "cut"
    with pytest.raises(_Abort):
        run_series(m, out, plots=False, progress=stop_after_two)
    assert sorted(p.name for p in (out / "rows").glob("*.json")) == ["1.json", "2.json"]
    assert not (out / "results.csv").exists()

    resumed = run_series(m, out, plots=False, resume=True)
    assert resumed.n_resumed == 2
    assert _bytes(out) == _bytes(tmp_path / "full")
    pd.testing.assert_frame_equal(resumed.results, full.results)
    pd.testing.assert_frame_equal(resumed.failures, full.failures)

    # a second resume reruns only the failed row; an edited row reruns too
    assert run_series(m, out, plots=False, resume=True).n_resumed == 4
    text = m.read_text().replace('file = "data/S3.csv"',
                                 'file = "data/S3.csv"\noptions = { mid_fraction = 0.4 }')
    m.write_text(text)
    edited = run_series(m, out, plots=False, resume=True)
    assert edited.n_resumed == 3
    assert edited.results["Tc_mid_K"].iloc[3] < full.results["Tc_mid_K"].iloc[3]


def test_killed_process_then_resume(tmp_path, write_rt):
    """A real SIGKILL mid-run: atomic records survive, the resumed tables are complete."""
    n = 6
    lines = ['[defaults]\nkind = "selftest"\noptions = { sleep_s = 0.2 }\n']
    for i in range(n):
        write_rt(tmp_path / f"f{i}.csv", 1.0, seed=i)
        lines.append(f'[[run]]\nsample = "K{i}"\nfile = "f{i}.csv"\n')
    m = tmp_path / "m.toml"
    m.write_text("\n".join(lines))
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "ktoanalysis", "batch", str(m), "--out", str(out),
           "--allow-selftest", "--no-plots", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(list((out / "rows").glob("*.json"))) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no records appeared"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    done = len(list((out / "rows").glob("*.json")))
    assert 2 <= done < n and not (out / "results.csv").exists()
    assert not [p for p in (out / "rows").iterdir() if p.name.startswith(".")]

    resumed = run_series(m, out, resume=True, plots=False, extra_kinds=SELFTEST_KINDS)
    assert resumed.n_resumed == done
    run_series(m, tmp_path / "whole", plots=False, extra_kinds=SELFTEST_KINDS)
    assert _bytes(out) == _bytes(tmp_path / "whole")
    # independent check of the selftest analysis: mean of the file's resistances
    R0 = pd.read_csv(tmp_path / "f0.csv")["R (Ohm)"].mean()
    assert resumed.results["R_mean_ohm"].iloc[0] == pytest.approx(R0, rel=1e-12)


def test_run_row_failure_records_name_the_file(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=7)
    m = tmp_path / "m.toml"
    m.write_text('[[run]]\nsample = "x"\nkind = "selftest"\nfile = "a.csv"\n'
                 'options = { fail = true }\n')
    (row,) = load_manifest(m, extra_kinds=SELFTEST_KINDS).rows
    rec = run_row(make_job(row))
    assert rec["status"] == "failed" and rec["error_type"] == "FitError"
    assert "a.csv" in rec["message"] and "fail=true" in rec["message"]
    os.unlink(tmp_path / "a.csv")
    rec = run_row(make_job(row))
    assert rec["error_type"] == "DataFormatError" and "a.csv: file not found" in rec["message"]


def test_bad_manifest_runs_nothing(series, tmp_path):
    m = series(TCS[:2], extra_rows=['sample = "typo"\nfile = "data/S0.csv"\nn2d_cm2 = "1e13!"'])
    with pytest.raises(ManifestError, match=r"row 3 \(sample 'typo'\), field 'n2d_cm2'"):
        run_series(m, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_progress_bar_and_callback(series, tmp_path, capsys):
    m = series(TCS[:2])
    seen = []
    run_series(m, tmp_path / "a", plots=False, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    run_series(m, tmp_path / "b", plots=False, progress=True)
    err = capsys.readouterr().err
    assert "series:" in err and "/2 " in err


def test_parameter_named_like_metadata_gets_fit_prefix(tmp_path, write_rt):
    from ktoanalysis.batch import parse_rows
    from ktoanalysis.batch.runner import _tables

    write_rt(tmp_path / "h.csv", 1.0, seed=8)
    man = parse_rows([{"sample": "H", "kind": "tc", "file": "h.csv", "n2d_cm2": 2e13}],
                     base_dir=tmp_path)
    # a Hall-like record: the density in both units; the table keeps cm^-2 only
    rec = {"status": "ok", "values": {"n2d_m2": 1.9e17, "n2d_m2_err": 1e15,
                                      "n2d_cm2": 1.9e13, "n2d_cm2_err": 1e11,
                                      "nH_m2": 5e16, "stat_ndata": 5}}
    results, failures = _tables(man, [rec])
    assert results["n2d_cm2"].iloc[0] == pytest.approx(2e13)  # the manifest's value
    assert results["fit_n2d_cm2"].iloc[0] == 1.9e13 and results["fit_n2d_cm2_err"].iloc[0] == 1e11
    assert results["nH_cm2"].iloc[0] == pytest.approx(5e12)  # m^-2 converted
    assert not [c for c in results.columns if c.endswith("_m2") or c.endswith("_m2_err")]
    assert failures.empty


def _raise_on_constant(token: str) -> None:
    raise ValueError(f"non-standard JSON constant {token}")


def test_records_are_strict_json_with_version_and_input_hashes(series, tmp_path):
    """rows/*.json parse with a strict parser (NaN/Infinity raise) and, like results.csv,
    carry the package version and the SHA-256 of every data file (hashlib on the file)."""
    import hashlib
    import importlib.metadata
    import json

    import ktoanalysis

    try:
        version = importlib.metadata.version("ktoanalysis")
    except importlib.metadata.PackageNotFoundError:
        version = ktoanalysis.__version__
    m = series(TCS[:2], extra_rows=['sample = "lost"\nfile = "data/lost.csv"'])
    out = tmp_path / "out"
    res = run_series(m, out, plots=False)
    sha = [hashlib.sha256((tmp_path / "data" / f"S{i}.csv").read_bytes()).hexdigest()
           for i in range(2)]
    for i in (1, 2, 3):
        rec = json.loads((out / "rows" / f"{i}.json").read_text(),
                         parse_constant=_raise_on_constant)
        assert rec["ktoanalysis_version"] == version
        want = sha[i - 1] if i < 3 else None  # the lost file has no hash
        assert rec["inputs"] == [{"file": f"data/{['S0', 'S1', 'lost'][i - 1]}.csv",
                                  "sha256": want}]
        assert rec == res.records[i - 1]
    table = pd.read_csv(out / "results.csv")
    assert list(table.columns[9:12]) == ["options", "ktoanalysis_version", "inputs_sha256"]
    assert list(table["ktoanalysis_version"]) == [version, version]
    assert list(table["inputs_sha256"]) == sha


def test_non_finite_values_are_written_as_null(tmp_path):
    """A record holding NaN/inf at any depth (numpy included) is written as strict JSON."""
    import json

    from ktoanalysis.batch.results import write_json_atomic

    rec = {"values": {"a": float("nan"), "b": 1.5}, "deep": [[np.inf, -np.inf]],
           "arr": np.array([np.nan, 2.0]), "n": np.int64(4)}
    text = write_json_atomic(rec, tmp_path / "r.json").read_text()
    doc = json.loads(text, parse_constant=_raise_on_constant)
    assert doc == {"values": {"a": None, "b": 1.5}, "deep": [[None, None]],
                   "arr": [None, 2.0], "n": 4}
    with pytest.raises(ValueError, match="NaN"):
        json.loads(json.dumps({"a": float("nan")}), parse_constant=_raise_on_constant)
