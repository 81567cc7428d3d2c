"""The same manifest on a 2-worker dask LocalCluster gives the serial tables."""

from __future__ import annotations

import pandas as pd
import pytest

pytestmark = pytest.mark.dask

distributed = pytest.importorskip("distributed")

from ktoanalysis.batch import dask_local_client, run_series


@pytest.fixture(scope="module")
def client():
    """A 2-worker, 1-thread-per-worker local cluster shared by this module's tests."""
    with dask_local_client(2) as c:
        yield c


def test_dask_matches_serial(series, tmp_path, client, corrupt):
    m = series([0.7, 1.2, 1.7],
               extra_rows=['sample = "lost"\nfile = "data/lost.csv"',
                           'sample = "bad"\nfile = "data/bad.csv"'])
    corrupt(tmp_path / "data" / "bad.csv")
    serial = run_series(m, tmp_path / "serial", plots=False)
    on_dask = run_series(m, tmp_path / "dask", executor=client, plots=True)
    assert sum(client.nthreads().values()) == 2
    assert serial.exit_code == on_dask.exit_code == 4
    for name in ("results.csv", "failures.csv"):
        assert (tmp_path / "serial" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
    pd.testing.assert_frame_equal(serial.results, on_dask.results)
    assert list(on_dask.failures["sample"]) == ["lost", "bad"]
    # figures are written by the workers
    assert len(list((tmp_path / "dask" / "plots").glob("*_tc.png"))) == 3


def test_dask_workers_pin_numba_threads(client):
    import os

    envs = client.run(lambda: os.environ.get("NUMBA_NUM_THREADS"))
    assert set(envs.values()) == {"1"}


def test_dask_client_joins_a_running_scheduler(client):
    """--dask ADDRESS against a real scheduler passes the bounded identity probe."""
    from ktoanalysis.batch.executors import dask_client

    with dask_client(client.scheduler.address, timeout_s=10) as joined:
        assert sum(joined.nthreads().values()) == 2
