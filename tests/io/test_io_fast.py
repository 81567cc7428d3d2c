"""The bounded loader: linear-time header and comment handling, the fast block reader
(pandas' C reader on a regular numeric block) giving the same Measurement as the
row-by-row reader, and missing-value markers (``inf``, ``n/a``) that no longer crash."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

import ktoanalysis.io.qd as qd
import ktoanalysis.io.tabular as tabular
from ktoanalysis.errors import DataFormatError
from ktoanalysis.io import load
from ktoanalysis.io.block import MIN_FAST_ROWS
from ktoanalysis.io.columns import bracket_unit, parse_header
from ktoanalysis.io.tabular import comment_entry

SPACES = " " * 100_000


@pytest.mark.parametrize("text", [
    f"# a{SPACES}b\nT (K),R (Ohm)\n1,2\n2,3\n",  # comment without a key
    f"# sample{SPACES}: x{SPACES}y\nT (K),R (Ohm)\n1,2\n2,3\n",  # key: value comment
    f"# n2d_cm2: 5e13{SPACES}\nT (K),R (Ohm)\n1,2\n2,3\n",  # a metadata value with unit
    f"T (K),R{SPACES}x (Ohm)\n1,2\n2,3\n",  # header
    f"T (K),Rxx ch 1{SPACES}(Ohm{SPACES}\n1,2\n2,3\n",  # unclosed bracket, channel
    f"T (K){SPACES}R (Ohm)\n1{SPACES}2\n2 3\n",  # whitespace-separated
    "[Header]\nTITLE, a" + SPACES + "b\n[Data]\nTemperature (K),Bridge 1" + SPACES
    + "Resistance (Ohms" + SPACES + "\n1,2\n2,3\n",  # QD header and column header
    "\n" * 50_000 + "[Data]\nTemperature (K),Bridge 1 Resistance (Ohms)\n1,2\n",
], ids=["comment", "key-value", "meta-unit", "header", "bracket", "whitespace", "qd",
        "blank-lines"])
def test_line_of_100k_spaces_loads_in_under_a_second(tmp_path, text):
    p = tmp_path / "spaces.csv"
    p.write_text(text)
    t0 = time.perf_counter()
    m = load(p)
    assert time.perf_counter() - t0 < 1.0
    assert m.columns[0] == "T_K" and len(m.data) >= 1


def test_string_helpers_match_the_former_patterns():
    assert parse_header("T (K)") == ("T", "K")
    assert parse_header("  Bridge  1   Resistance  [Ohm] ") == ("Bridge 1 Resistance", "Ohm")
    assert parse_header("R (a) (Ohm)") == ("R (a)", "Ohm")
    assert parse_header("(Ohm)") == ("(Ohm)", "")
    assert parse_header("R (x)y") == ("R (x)y", "")
    assert bracket_unit("R (a)b)") is None
    assert comment_entry("## sample : KTO-1 ") == ("sample", "KTO-1")
    assert comment_entry("# gate = 3 V: high") == ("gate", "3 V: high")
    assert comment_entry("#   : x") is None and comment_entry("# no key") is None


def test_inf_and_na_in_a_csv(tmp_path):
    p = tmp_path / "junk.csv"
    p.write_text("T (K),R (Ohm)\n1,2\n2,inf\n3,n/a\n4,-Infinity\n5,6\n")
    m = load(p)
    np.testing.assert_array_equal(m.column("T_K"), [1, 2, 3, 4, 5])
    R = m.column("R_ohm")
    assert R[0] == 2 and R[4] == 6 and np.isnan(R[1:4]).all()
    w = " ".join(m.metadata["warnings"])
    assert "1 cells held a missing-value marker" in w and "2 infinite values" in w


# ----------------------------------------------------------------- fast block == row by row

N = MIN_FAST_ROWS + 500


def _qd_text(n: int, junk_row: bool = False) -> str:
    k = np.arange(n)
    rows = [f"{'note' if i == 7 else ''},{1000 + 0.5 * i:.2f},4369,{2 + 1e-4 * i:.6f},"
            f"{-1e4 + 7.3 * i:.3f},{250 + np.sin(i):.6e},{20 + np.cos(i):.6e},25,"
            for i in k]
    head = ("[Header]\nTITLE, fast\nBYAPP, Resistivity, 2.1, 1.0\nINFO, Hall, Sample2 Name\n"
            "[Data]\nComment,Time Stamp (sec),Status (code),Temperature (K),"
            "Magnetic Field (Oe),Bridge 1 Resistance (Ohms),Bridge 2 Resistance (Ohms),"
            "Number of Readings,Map 20 ()\n")
    if junk_row:
        head += ",sec,code,K,Oe,Ohms,Ohms,,\n"
    return head + "\n".join(rows) + "\n"


def _slow(monkeypatch, path):
    with monkeypatch.context() as mp:
        mp.setattr(qd, "read_block", lambda *a, **k: None)
        mp.setattr(tabular, "read_block", lambda *a, **k: None)
        return load(path)


def _spy(monkeypatch):
    calls = []
    real = qd.read_block

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(qd, "read_block", spy)
    monkeypatch.setattr(tabular, "read_block", spy)
    return calls


def _same(fast, slow):
    pd.testing.assert_frame_equal(fast.data, slow.data, check_exact=False, rtol=1e-15)
    assert fast.metadata == slow.metadata
    assert fast.units == slow.units and fast.original_names == slow.original_names


@pytest.mark.parametrize("junk_row", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_qd_fast_block_equals_row_by_row(tmp_path, monkeypatch, junk_row, newline):
    p = tmp_path / "big.dat"
    p.write_bytes(_qd_text(N, junk_row).replace("\n", newline).encode())
    slow = _slow(monkeypatch, p)
    calls = _spy(monkeypatch)
    fast = load(p)
    assert calls == [True]
    _same(fast, slow)
    assert {"t_s", "T_K", "B_T", "R_ch1_ohm", "Rxy_ch2_ohm"} <= set(fast.columns)
    assert fast.metadata["comments"] == [{"line": 7 + 7 + junk_row, "text": "note"}]


@pytest.mark.parametrize(("sep", "decimal"), [(",", "."), ("\t", "."), (";", ",")])
def test_table_fast_block_equals_row_by_row(tmp_path, monkeypatch, sep, decimal):
    T = np.linspace(0.3, 3, N)
    cells = [[f"{t:.6f}", "" if i % 97 == 0 else f"{100 + t:.5e}", f"{i * 1e-6:.3e}"]
             for i, t in enumerate(T)]
    if decimal == ",":
        cells = [[c.replace(".", ",") for c in row] for row in cells]
        cells[5][0] = "0.30612"  # a point in a decimal-comma file: read by the loader
    text = "# sample: KTO-1\n# n2d_cm2: 5e13\n" + sep.join(["T (K)", "R (Ohm)", "I (A)"])
    text += "\n" + "\n".join(sep.join(r) for r in cells) + "\n"
    p = tmp_path / "big.csv"
    p.write_text(text)
    slow = _slow(monkeypatch, p)
    calls = _spy(monkeypatch)
    fast = load(p)
    assert calls == [True]
    _same(fast, slow)
    assert fast.metadata["sample"] == "KTO-1" and len(fast.data) == N


def test_junk_markers_in_a_large_file(tmp_path, monkeypatch):
    lines = [f"{i * 1e-3:.4f},{i}" for i in range(N)]
    lines[10], lines[20], lines[30] = "0.0100,n/a", "0.0200,inf", "0.0300,--"
    p = tmp_path / "big_junk.csv"
    p.write_text("T (K),R (Ohm)\n" + "\n".join(lines) + "\n")
    slow = _slow(monkeypatch, p)
    calls = _spy(monkeypatch)
    fast = load(p)
    assert calls == [True]
    _same(fast, slow)
    assert np.isnan(fast.column("R_ohm")[[10, 20, 30]]).all()
    lines[40] = "0.0400,oops"
    p.write_text("T (K),R (Ohm)\n" + "\n".join(lines) + "\n")
    with pytest.raises(DataFormatError, match=r"line 42.*'oops'"):
        load(p)


@pytest.mark.parametrize("change", ["decimal-comma", "short-row", "blank-line", "repeat"])
def test_irregular_large_files_take_the_row_by_row_reader(tmp_path, monkeypatch, change):
    text = _qd_text(N)
    lines = text.split("\n")
    k = 9 + 100  # a data line
    if change == "decimal-comma":
        t = f"{2 + 1e-4 * (k - 6):.6f}"
        assert f",{t}," in lines[k]
        lines[k] = lines[k].replace(f",{t},", f",{t.replace('.', ',')},")
    elif change == "short-row":
        lines[k] = lines[k].rsplit(",", 2)[0]
    elif change == "blank-line":
        lines.insert(k, "")
    else:
        lines.insert(k, lines[5])  # the column header again
    p = tmp_path / "irregular.dat"
    p.write_text("\n".join(lines))
    slow = _slow(monkeypatch, p)
    calls = _spy(monkeypatch)
    fast = load(p)
    assert calls == [False]
    _same(fast, slow)
    expected = N - 1 if change == "decimal-comma" else N
    assert len(fast.data) == expected


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "latin-1", "utf-8-sig"])
def test_fast_block_in_other_encodings(tmp_path, monkeypatch, encoding):
    text = _qd_text(N).replace("TITLE, fast", "TITLE, fast 2 K ± 5 µA °")
    p = tmp_path / "enc.dat"
    p.write_bytes(text.encode(encoding))
    slow = _slow(monkeypatch, p)
    calls = _spy(monkeypatch)
    fast = load(p)
    assert calls == [True]
    _same(fast, slow)
    np.testing.assert_allclose(fast.column("Rxy_ch2_ohm")[:2], 20 + np.cos([0, 1]), rtol=1e-6)
    assert fast.metadata["qd_title"] == "fast 2 K ± 5 µA °"
