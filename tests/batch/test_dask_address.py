"""--dask ADDRESS: malformed addresses are one-line errors; a scheduler that never answers
(a loopback port that accepts and stays silent, or a closed port) gives up after the
bounded --dask-timeout."""

from __future__ import annotations

import socket
import sys
import time

import pytest

from ktoanalysis.batch.executors import check_dask_address
from ktoanalysis.cli import EXIT_INPUT_ERROR, main
from ktoanalysis.errors import KtoError


@pytest.mark.parametrize("address", ["", "tcp://", "tcp://host", "http://host:8786",
                                     "tcp://host:0", "tcp://host:70000", "tcp://host:port",
                                     "tcp://bad host:8786", ":8786", "tcp://h:1/x",
                                     "inproc://x:1"])
def test_malformed_addresses_are_refused_in_one_line(address):
    with pytest.raises(KtoError) as exc:
        check_dask_address(address)
    text = str(exc.value)
    assert "\n" not in text and "tcp://127.0.0.1:8786" in text


def test_accepted_address_forms():
    assert check_dask_address("tcp://127.0.0.1:8786") == "tcp://127.0.0.1:8786"
    assert check_dask_address("scheduler.lab:8786") == "tcp://scheduler.lab:8786"
    assert check_dask_address("tls://[::1]:8786/") == "tls://[::1]:8786"


def _run_cli(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "argv", ["ktoanalysis", *args])
    t0 = time.monotonic()
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code, capsys.readouterr().err.strip(), time.monotonic() - t0


def test_cli_malformed_address_exits_3_before_writing(series, tmp_path, monkeypatch, capsys):
    m = series([1.0])
    code, err, _ = _run_cli(monkeypatch, capsys, ["batch", str(m), "--out",
                                                  str(tmp_path / "o"), "--dask", "tcp://x"])
    assert code == EXIT_INPUT_ERROR and err.count("\n") == 0 and "no port" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.dask
@pytest.mark.parametrize("case", ["silent", "closed"])
def test_unanswering_scheduler_gives_up_within_the_timeout(series, tmp_path, monkeypatch,
                                                           capsys, case):
    pytest.importorskip("distributed")
    m = series([1.0])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    if case == "silent":
        listener.listen(8)  # the kernel accepts connections; nobody ever answers
    else:
        listener.close()  # nothing listens on the port
    try:
        code, err, elapsed = _run_cli(monkeypatch, capsys, [
            "batch", str(m), "--out", str(tmp_path / "o"),
            "--dask", f"tcp://127.0.0.1:{port}", "--dask-timeout", "1"])
    finally:
        listener.close()
    assert code == EXIT_INPUT_ERROR
    assert err.count("\n") == 0 and "no dask scheduler answered" in err and "1 s" in err
    assert elapsed < 15  # 1 s timeout plus importing distributed, never minutes
    assert not (tmp_path / "o" / "results.csv").exists()
