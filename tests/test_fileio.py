"""Files the toolkit writes get the mode a plain open() gives (0666 minus the umask), not
mkstemp's 0600: colleagues on a shared drive and dask workers must be able to read them."""

from __future__ import annotations

import os
import stat

import pandas as pd
import pytest

from ktoanalysis._fileio import default_file_mode
from ktoanalysis.batch.results import write_csv_atomic, write_json_atomic
from ktoanalysis.plotting import new_figure, save_figure


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_default_mode_follows_umask(umask_022):
    assert default_file_mode() == 0o644


def test_atomic_outputs_are_group_and_world_readable(tmp_path, umask_022):
    csv = write_csv_atomic(pd.DataFrame({"a": [1]}), tmp_path / "r.csv")
    js = write_json_atomic({"a": 1}, tmp_path / "r.json")
    fig = new_figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    png = save_figure(fig, tmp_path / "f.png")
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    for p in (csv, js, png):
        assert _mode(p) == _mode(plain) == 0o644, p


def test_every_batch_output_is_readable_by_others(tmp_path, umask_022):
    """A whole batch run with --report: tables, Parquet copies, records, figures, the
    report, the folder's marker and lock all get 0644 under umask 022."""
    from ktoanalysis.batch import SELFTEST_KINDS, run_series

    (tmp_path / "a.csv").write_text("T (K),R (Ohm)\n1,10\n2,11\n3,12\n")
    m = tmp_path / "m.toml"
    m.write_text('[[run]]\nsample = "A"\nkind = "selftest"\nfile = "a.csv"\n')
    out = tmp_path / "out"
    run_series(m, out, report=True, extra_kinds=SELFTEST_KINDS)
    files = [p for p in out.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"results.csv", "results_long.csv", "failures.csv", "report.html", "1.json",
            "001_A_selftest.png", ".ktoanalysis-out"} <= names
    for p in files:
        assert _mode(p) == 0o644, p
