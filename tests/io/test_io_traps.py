"""Loader traps at the unit level: decimal commas in comma-separated QD rows, UTF-16,
channel spellings, swept excitations (I-V from a Resistivity-option file)."""

from __future__ import annotations

import numpy as np
import pytest

from ktoanalysis.errors import DataFormatError
from ktoanalysis.io import load
from ktoanalysis.io.loader import excitation_is_swept
from ktoanalysis.io.measurement import channel_number
from ktoanalysis.io.qd import merge_decimal_commas

QD_HEAD = ("[Header]\nBYAPP, Resistivity, 2.1, 1.0\n[Data]\n"
           "Comment,Temperature (K),Magnetic Field (Oe),Bridge 1 Resistance (Ohms),"
           "Bridge 2 Resistance (Ohms)\n")


def _qd(rows: list[str]) -> str:
    return QD_HEAD + "\n".join(rows) + "\n"


@pytest.mark.parametrize(("value", "expected"), [
    (2, 2), ("2", 2), ("ch2", 2), ("CH2", 2), ("Ch 2", 2), ("channel 2", 2), ("bridge2", 2),
    ("ch02", 2), ("R_ch2_ohm", "R_ch2_ohm"), (" Rxy_ohm ", "Rxy_ohm"), (None, None),
])
def test_channel_spellings(value, expected):
    assert channel_number(value) == expected


@pytest.mark.parametrize("value", [0, "0", "ch0", "", True, -1, 1.5])
def test_bad_channels(value):
    with pytest.raises(DataFormatError):
        channel_number(value)


def test_merge_decimal_commas():
    usual = {(False, True, True, True, True)}
    assert merge_decimal_commas(["", "2", "5", "10", "1.0", "2.0"], 5, usual) == [1]
    # two commas: some pair of joins explains the row (which pair is not decided)
    assert merge_decimal_commas(["", "2", "5", "10", "1", "25E-3", "2.0"], 5, usual)
    # an extra field that no join explains (text, or a pattern no other row has)
    assert merge_decimal_commas(["", "2.5", "10", "1.0", "2.0", "junk"], 5, usual) is None
    assert merge_decimal_commas(["", "2", "5", "10", "1.0", ""], 5, usual) is None


def test_decimal_comma_row_left_out_and_named(tmp_path):
    rows = [f",{2 + 0.1 * k:.1f},0,{10 + k}.5,{20 + k}.25" for k in range(10)]
    rows[4] = ",2,4,0,14.5,24.25"  # T = 2.4 written as 2,4
    p = tmp_path / "dc.dat"
    p.write_text(_qd(rows))
    m = load(p)
    assert len(m.data) == 9 and m.columns[:2] == ["T_K", "B_T"]
    line = QD_HEAD.count("\n") + 5  # 1-based line of rows[4]
    assert any(w.startswith(f"line {line}:") and "decimal comma" in w
               for w in m.metadata["warnings"])
    np.testing.assert_allclose(m.column("R_ch2_ohm"), [20.25 + k for k in range(10) if k != 4])


def test_clean_qd_rows_of_varying_length_are_kept(tmp_path):
    """Rows shorter than the header (trailing empties left out) are no decimal commas."""
    rows = [f",{2 + 0.1 * k:.1f},0,{10 + k}.5" + ("" if k % 3 else f",{20 + k}.25")
            for k in range(10)]
    p = tmp_path / "short.dat"
    p.write_text(_qd(rows))
    m = load(p)
    assert len(m.data) == 10 and m.metadata["warnings"] == []


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path, encoding):
    p = tmp_path / "u16.dat"
    p.write_bytes(_qd([",2.0,0,10.5,20", ",2.1,0,11.5,21"]).encode(encoding))
    m = load(p)
    np.testing.assert_allclose(m.column("T_K"), [2.0, 2.1])


def test_nul_bytes_that_are_no_utf16_are_binary(tmp_path):
    p = tmp_path / "bin.dat"
    p.write_bytes(b"T (K),R (Ohm)\n1,2\n\x00\x00\x00\x013,4\n")
    with pytest.raises(DataFormatError, match="binary"):
        load(p)


def test_european_thousands_separator(tmp_path):
    p = tmp_path / "eu.csv"
    p.write_text("T (K);R (Ohm)\n1,5;1.234.567,5\n2,5;12,5\n")
    np.testing.assert_allclose(load(p).column("R_ohm"), [1234567.5, 12.5])


def test_excitation_swept_or_fixed():
    assert excitation_is_swept(np.geomspace(1e-6, 1e-3, 30))
    assert excitation_is_swept(np.r_[np.linspace(0, 1e-3, 20), np.linspace(1e-3, 0, 20)])
    fixed = np.full(200, 10e-6)
    fixed[80:] = 1e-6  # an auto-ranging bridge stepping down once
    assert not excitation_is_swept(fixed)
    assert not excitation_is_swept(10e-6 * (1 + 1e-5 * np.arange(50)))  # drift


def test_iv_columns_from_resistance_and_excitation(tmp_path):
    head = QD_HEAD.replace("Bridge 2 Resistance (Ohms)\n", "Bridge 2 Resistance (Ohms),"
                           "Bridge 1 Excitation (uA),Bridge 2 Excitation (uA)\n")
    I_uA = np.geomspace(1, 1000, 12)
    rows = [f",2.000,0,{1 + i / 100:.6g},{3 + i / 100:.6g},{i:.6g},{i / 2:.6g}" for i in I_uA]
    p = tmp_path / "iv.dat"
    p.write_text(head + "\n".join(rows) + "\n")
    m = load(p)
    I1, I2 = I_uA * 1e-6, I_uA * 0.5e-6
    np.testing.assert_allclose(m.column("V_ch1_V"), (1 + I_uA / 100) * I1, rtol=1e-5)
    np.testing.assert_allclose(m.column("V_ch2_V"), (3 + I_uA / 100) * I2, rtol=1e-5)
    np.testing.assert_allclose(m.column("I_A"), I1, rtol=1e-5)  # channel 1 by default
    assert m.metadata["iv_channel"] == 1 and "I-V" in m.metadata["derived"]["V_ch1_V"]
    m2 = load(p, channel="ch2")
    np.testing.assert_allclose(m2.column("I_A"), I2, rtol=1e-5)
    np.testing.assert_array_equal(m2.column("V_V"), m2.column("V_ch2_V"))
    assert m2.resistance_column() == "R_ch2_ohm"


def test_constant_power_rt_is_no_iv(tmp_path):
    """An R(T) sweep in constant-power mode changes its excitation on every row: still an
    R(T) (rows not in isotherms), no I-V columns added."""
    head = QD_HEAD.replace("Bridge 2 Resistance (Ohms)\n", "Bridge 2 Resistance (Ohms),"
                           "Bridge 1 Excitation (uA)\n")
    T = np.linspace(2.0, 20.0, 60)
    R = 10.0 + 50.0 * T
    I_uA = 1e6 * np.sqrt(1e-9 / R)  # P = 1 nW
    rows = [f",{t:.4f},0,{r:.6g},,{i:.6g}" for t, r, i in zip(T, R, I_uA, strict=True)]
    p = tmp_path / "cp.dat"
    p.write_text(head + "\n".join(rows) + "\n")
    m = load(p)
    assert excitation_is_swept(m.column("excitation_A"))
    assert "I_A" not in m.columns and "V_V" not in m.columns
