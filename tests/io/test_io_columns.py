"""Header recognition: quantity, channel, unit and the SI factor (closed forms)."""

from __future__ import annotations

import math

import pytest

from ktoanalysis.io.columns import (
    canonical_name,
    classify,
    convert_unit,
    parse_header,
    unit_of_column,
)
from ktoanalysis.io.loader import load


@pytest.mark.parametrize("header,name,factor", [
    ("T (K)", "T_K", 1.0),
    ("T [mK]", "T_K", 1e-3),
    ("Temperature (K)", "T_K", 1.0),
    ("t (s)", "t_s", 1.0),
    ("Time Stamp (sec)", "t_s", 1.0),
    ("Magnetic Field (Oe)", "B_T", 1e-4),
    ("H (Oe)", "B_T", 1e-4),
    ("B (mT)", "B_T", 1e-3),
    ("R (Ohm)", "R_ohm", 1.0),
    ("Rxx (kOhm)", "R_ohm", 1e3),
    ("R_xy (Ohm)", "Rxy_ohm", 1.0),
    ("Bridge 2 Resistance (Ohms)", "R_ch2_ohm", 1.0),
    ("Resistance Ch1 (Ohms)", "R_ch1_ohm", 1.0),
    ("Res. ch1 (ohm-cm)", "rho_ch1_ohm_m", 1e-2),
    ("Bridge 1 Std. Dev. (Ohm)", "R_std_ch1_ohm", 1.0),
    ("I (uA)", "I_A", 1e-6),
    ("Bridge 1 Excitation (uA)", "excitation_ch1_A", 1e-6),
    ("V (V)", "V_V", 1.0),
    ("Volts ch2", "V_ch2_V", 1.0),
    ("Vg (V)", "Vg_V", 1.0),
    ("theta (deg)", "theta_rad", math.pi / 180),
    ("Sample Position (deg)", "theta_rad", math.pi / 180),
    ("n2d (cm^-2)", "n2d_m2", 1e4),
    ("n2d_cm2", "n2d_m2", 1e4),
    ("T_K", "T_K", 1.0),
    ("B_T", "B_T", 1.0),
    ("Frequency (Hz)", "frequency_Hz", 1.0),
    ("Phase Angle Ch1 (deg)", "phase_ch1_rad", math.pi / 180),
    ("Number of Readings", "number_of_readings", 1.0),
    ("Drive 1 Iout (mA)", "drive_1_iout_A", 1e-3),
    ("Status (code)", "status_code", 1.0),
])
def test_classify(header, name, factor):
    spec = classify(header)
    assert canonical_name(spec) == name
    assert spec.factor == pytest.approx(factor, rel=1e-15)


def test_parse_header_styles():
    assert parse_header("T (K)") == ("T", "K")
    assert parse_header("T [K]") == ("T", "K")
    assert parse_header("T_K") == ("T", "K")
    assert parse_header("R_xy") == ("R_xy", "")  # "xy" is no unit
    assert parse_header("rho_ohm_m") == ("rho", "ohm_m")


def test_convert_unit_mega_vs_milli():
    assert convert_unit("MOhm") == ("ohm", 1e6, 0.0)
    assert convert_unit("mOhm") == ("ohm", 1e-3, 0.0)
    assert convert_unit("Ohm-m") == ("ohm_m", 1.0, 0.0)
    assert convert_unit("furlong") is None


def test_a_unit_contradicting_the_name_is_not_trusted():
    assert classify("V (K)").base is None
    assert classify("T (T)").base is None


def test_unit_of_column():
    assert unit_of_column("rho_ch1_ohm_m") == "ohm_m"
    assert unit_of_column("n2d_m2") == "m2"
    assert unit_of_column("number_of_readings") == ""


def test_whitespace_table_with_spaces_in_names(tmp_path):
    p = tmp_path / "w.txt"
    p.write_text("Magnetic Field (Oe)   Sample Temp (K)  R (Ohm)\n1000 2.0 5\n2000 2.1 6\n")
    m = load(p)
    assert m.columns == ["B_T", "T_K", "R_ohm"]
    assert m.column("B_T").tolist() == pytest.approx([0.1, 0.2])


@pytest.mark.parametrize(("target", "name", "factor"), [
    ("T_K", "T_K", None), ("R_ch2_ohm", "R_ch2_ohm", None), ("R_std_ohm", "R_std_ohm", None),
    ("B (mT)", "B_T", 1e-3), ("T [mK]", "T_K", 1e-3), ("R (kOhm)", "R_ohm", 1e3),
    ("field (Oe)", "B_T", 1e-4), ("I (nA)", "I_A", 1e-9),
])
def test_resolve_target_accepted_forms(target, name, factor):
    from ktoanalysis.io.columns import resolve_target

    got, conv = resolve_target(target)
    assert got == name
    assert (conv is None) if factor is None else conv[1] == pytest.approx(factor)


@pytest.mark.parametrize(("target", "match"), [
    ("T K", "invalid column name"), ("my_column", "invalid column name"),
    ("B (K)", "unit of K, not T"), ("T (parsec)", "unknown unit"), ("", "invalid"),
])
def test_resolve_target_refused(target, match):
    from ktoanalysis.errors import DataFormatError
    from ktoanalysis.io.columns import resolve_target

    with pytest.raises(DataFormatError, match=match):
        resolve_target(target)
