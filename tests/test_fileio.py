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
