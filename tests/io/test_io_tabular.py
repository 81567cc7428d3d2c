"""CSV/TSV loading: unit conversions against closed forms (Oe*1e-4, uA*1e-6, deg*pi/180...)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ktoanalysis.errors import DataFormatError
from ktoanalysis.io import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_rt_csv_unit_headers_and_comment_metadata():
    m = load(FIXTURES / "rt_units.csv")
    assert m.metadata["format"] == "csv"
    assert m.columns == ["T_K", "R_ohm"]
    T = 0.5 * np.arange(1, 13)
    np.testing.assert_allclose(m.column("T_K"), T, rtol=0, atol=1e-12)
    # the file holds R = 1000 Ohm * (1 + tanh((T - 2 K)/0.25 K))/2 to 6 decimals
    np.testing.assert_allclose(m.column("R_ohm"), 1000 * (1 + np.tanh((T - 2.0) / 0.25)) / 2,
                               atol=1e-6)
    md = m.metadata
    assert md["sample"] == "KTO111-A"
    assert md["orientation"] == "111"
    assert md["n2d_m2"] == pytest.approx(5.0e13 * 1e4)  # cm^-2 -> m^-2
    assert md["Vg_V"] == pytest.approx(25.0)
    assert md["source"] == str(FIXTURES / "rt_units.csv")
    assert m.units == {"T_K": "K", "R_ohm": "Ohm"}
    assert m.original_names == {"T_K": "T (K)", "R_ohm": "R (Ohm)"}


def test_field_current_voltage_conversions():
    m = load(FIXTURES / "field_current.csv")
    i = np.arange(11)
    H_Oe = -5000.0 + 1000.0 * i
    np.testing.assert_allclose(m.column("B_T"), H_Oe * 1e-4, rtol=1e-15)  # 1 Oe = 1e-4 T
    np.testing.assert_allclose(m.column("I_A"), np.full(11, 10.0e-6), rtol=1e-15)
    np.testing.assert_allclose(m.column("V_V"), 0.25e-3 * i, rtol=1e-12, atol=1e-18)
    # R_xy was written as 0.5 Ohm/T times the field: a linear Hall law in the loaded SI field
    np.testing.assert_allclose(m.column("Rxy_ohm"), 0.5 * m.column("B_T"), atol=1e-12)
    assert m.units["B_T"] == "Oe" and m.original_names["I_A"] == "I (uA)"


def test_tsv_gate_angle_density_time():
    m = load(FIXTURES / "gate_sweep.tsv")
    assert m.metadata["format"] == "tsv"
    i = np.arange(9)
    np.testing.assert_allclose(m.column("T_K"), 0.3)
    np.testing.assert_allclose(m.column("Vg_V"), -40.0 + 10.0 * i)
    np.testing.assert_allclose(m.column("theta_rad"), np.deg2rad(15.0 * i), rtol=1e-14)
    n_cm2 = (2 + 0.25 * i) * 1e13
    np.testing.assert_allclose(m.column("n2d_m2"), n_cm2 * 1e4, rtol=1e-14)
    # R_xy = 100/(n in 1e13 cm^-2), i.e. proportional to 1/n as a single-band Hall law
    np.testing.assert_allclose(m.column("Rxy_ohm") * m.column("n2d_m2"),
                               100.0 * 1e17, rtol=1e-5)
    np.testing.assert_allclose(m.column("t_s"), 3.5 * i)
    assert m.metadata["sample"] == "KTO001-B"


def test_millikelvin_and_kiloohm():
    m = load(FIXTURES / "rt_millikelvin.csv")
    i = np.arange(10)
    np.testing.assert_allclose(m.column("T_K"), (50.0 + 100.0 * i) * 1e-3, rtol=1e-14)
    np.testing.assert_allclose(m.column("R_ohm"), (1.5 + 0.1 * i) * 1e3, rtol=1e-12)


@pytest.mark.parametrize("text", [
    "T (K);R (Ohm)\n1,5;2,25\n2,5;3,25\n",            # semicolon, decimal comma
    "T (K)   R (Ohm)\n1.5   2.25\n2.5\t3.25\n",        # whitespace, unit kept with name
    "T [K],R [Ohm]\n1.5,2.25\n2.5,3.25\n",             # bracket units
    "T_K,R_ohm\n1.5,2.25\n2.5,3.25\n",                  # underscore units
    "T,R\nK,Ohm\n1.5,2.25\n2.5,3.25\n",                 # a units row under the names
    "T (K),R (Ohm)\r\n1.5,2.25\r\n2.5,3.25\r\n",       # CRLF
])
def test_header_and_delimiter_styles(tmp_path, text):
    m = load(_write(tmp_path, "x.csv", text))
    np.testing.assert_allclose(m.column("T_K"), [1.5, 2.5])
    np.testing.assert_allclose(m.column("R_ohm"), [2.25, 3.25])


def test_lab_prefixes_closed_forms(tmp_path):
    text = ("T (C),R (MOhm),Rxx (mOhm),B (kOe),I (nA),theta (rad)\n"
            "-271.15,2,500,10,250,0.5\n")
    m = load(_write(tmp_path, "p.csv", text))
    assert m.column("T_K")[0] == pytest.approx(-271.15 + 273.15)
    assert m.column("R_ohm")[0] == pytest.approx(2e6)        # mega, not milli
    assert m.column("rxx_ohm")[0] == pytest.approx(0.5)      # milli-ohm; name taken: own name
    assert m.column("B_T")[0] == pytest.approx(1.0)          # 10 kOe = 1 T
    assert m.column("I_A")[0] == pytest.approx(250e-9)
    assert m.column("theta_rad")[0] == pytest.approx(0.5)


def test_explicit_columns_convert_header_units(tmp_path):
    text = "Temp,Rxx (kOhm),junk\n1.0,2.0,3\n2.0,4.0,5\n"
    p = _write(tmp_path, "e.csv", text)
    m = load(p, columns={"Temp": "T_K", "Rxx (kOhm)": "R_ohm"})
    np.testing.assert_allclose(m.column("T_K"), [1.0, 2.0])
    np.testing.assert_allclose(m.column("R_ohm"), [2.0e3, 4.0e3])  # kOhm still converts
    m2 = load(p, columns={0: "T_K", 1: "R_ohm"})
    np.testing.assert_allclose(m2.column("R_ohm"), [2.0e3, 4.0e3])


def test_headerless_file_with_index_mapping(tmp_path):
    p = _write(tmp_path, "n.csv", "1.0,10\n2.0,20\n3.0,30\n")
    m = load(p, columns={0: "T_K", 1: "R_ohm"})
    np.testing.assert_allclose(m.column("R_ohm"), [10, 20, 30])
    assert any("no header" in w for w in m.metadata["warnings"])


def test_user_metadata_overrides_file(tmp_path):
    text = "# sample: A\n# n2d_cm2: 1e13\n# orientation: (110)\nT (K),R (Ohm)\n1,2\n"
    p = _write(tmp_path, "m.csv", text)
    m = load(p)
    assert m.metadata["orientation"] == "110"
    assert m.metadata["n2d_m2"] == pytest.approx(1e17)
    m = load(p, sample="B", n2d_cm2=4e13, theta_deg=30.0, Vg_V=-10, channel=2)
    assert m.metadata["sample"] == "B"
    assert m.metadata["n2d_m2"] == pytest.approx(4e17)
    assert m.metadata["n2d_cm2"] == pytest.approx(4e13)
    assert m.metadata["theta_rad"] == pytest.approx(math.pi / 6)
    assert m.metadata["Vg_V"] == pytest.approx(-10.0)
    assert m.metadata["channel"] == 2


def test_repeated_header_and_empty_rows(tmp_path):
    text = "T (K),R (Ohm)\n1,2\n,\nT (K),R (Ohm)\n3,4\n# comment between\n\n5,\n"
    m = load(_write(tmp_path, "r.csv", text))
    np.testing.assert_allclose(m.column("T_K"), [1, 3, 5])  # the all-empty row is dropped
    r = m.column("R_ohm")
    assert r[:2].tolist() == [2, 4] and np.isnan(r[2])


def test_missing_value_markers_are_reported(tmp_path):
    m = load(_write(tmp_path, "na.csv", "T (K),R (Ohm)\n1,2\n2,NaN\n3,n/a\n"))
    assert np.isnan(m.column("R_ohm")[1:]).all()
    assert any("missing" in w for w in m.metadata["warnings"])


def test_require_temperature(tmp_path):
    p = _write(tmp_path, "b.csv", "B (T),R (Ohm)\n0.1,2\n")
    with pytest.raises(DataFormatError, match="temperature") as exc:
        load(p, require=("T_K",))
    assert exc.value.column == "T_K"
    assert load(p).columns == ["B_T", "R_ohm"]
