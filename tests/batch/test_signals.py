"""SIGTERM/SIGINT of the parent of a --jobs 2 run: its workers stop with it (no orphan
processes), the records of finished rows stay valid, no table is half written, and
--resume completes the series. After a SIGKILL (no handler can run) the workers exit by
themselves within a second (they watch their parent's pid)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ktoanalysis.batch import SELFTEST_KINDS, run_series

psutil = pytest.importorskip("psutil", reason="psutil (installed with dask) lists child pids")

N_ROWS = 6


def _manifest(tmp_path, write_rt):
    lines = ['[defaults]\nkind = "selftest"\noptions = { sleep_s = 0.4 }\n']
    for i in range(N_ROWS):
        write_rt(tmp_path / f"f{i}.csv", 1.0, seed=i, n=20)
        lines.append(f'[[run]]\nsample = "K{i}"\nfile = "f{i}.csv"\n')
    m = tmp_path / "m.toml"
    m.write_text("\n".join(lines))
    return m


def _raise(token):
    raise ValueError(token)


@pytest.mark.parametrize("signum", [signal.SIGTERM,
                                    pytest.param(signal.SIGINT, marks=pytest.mark.slow),
                                    pytest.param(signal.SIGKILL, marks=pytest.mark.slow)])
def test_signal_to_parent_leaves_no_orphan_workers(tmp_path, write_rt, signum):
    m = _manifest(tmp_path, write_rt)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "ktoanalysis", "batch", str(m), "--out", str(out),
           "--jobs", "2", "--allow-selftest", "--no-plots", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    parent = psutil.Process(proc.pid)
    children: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 60
        # both workers are up and busy once the first record is written
        while not list((out / "rows").glob("*.json")) if (out / "rows").is_dir() else True:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "no record appeared"
            for c in parent.children(recursive=True):
                children.setdefault(c.pid, c)
            time.sleep(0.05)
        for c in parent.children(recursive=True):
            children.setdefault(c.pid, c)
        assert len(children) >= 2, children  # the two pool workers (and helpers)
        os.kill(proc.pid, signum)  # the parent only, not its process group
        proc.wait(timeout=30)
        err = proc.stderr.read().decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    if signum == signal.SIGKILL:  # no handler runs: the workers notice the parent is gone
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 128 + signum, err
        assert f"interrupted by {signal.Signals(signum).name}" in err and "--resume" in err
    _, alive = psutil.wait_procs(list(children.values()), timeout=10)
    assert not alive, f"orphaned workers: {[p.pid for p in alive]}"
    # consistent state: complete records, no table, no temporary file
    assert not (out / "results.csv").exists() and not (out / "results_long.csv").exists()
    records = sorted((out / "rows").glob("*.json"))
    assert 1 <= len(records) < N_ROWS
    for p in records:
        assert json.loads(p.read_text(), parse_constant=_raise)["status"] == "ok"
    assert not [p for p in out.rglob(".*") if p.name.endswith(".tmp")]
    # the lock died with the parent: the resumed run may take the folder at once
    resumed = run_series(m, out, resume=True, plots=False, extra_kinds=SELFTEST_KINDS)
    assert resumed.n_resumed == len(records) and resumed.n_ok == N_ROWS
