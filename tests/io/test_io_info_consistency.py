"""``info`` and the loader read one column mapping (``io/columns.py``): a header that the
mapping names (``Hc2 (T)`` -> ``Hc2_T``) is never called unrecognised; a unit the loader
does not convert is shown as the file states it; the default resistance channel of a file
whose header labels the channels' roles is the longitudinal one, and ``info`` says why."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import app
from ktoanalysis.cli.info import info_dict
from ktoanalysis.io import load
from ktoanalysis.io.columns import classify
from ktoanalysis.io.qd import channel_roles
from ktoanalysis.transport.hc2 import HC2_ERR_COLUMNS, hc2_column


def _info(path, *args) -> tuple[dict, str]:
    r = CliRunner().invoke(app, ["info", str(path), "--json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), r.stderr


def test_precomputed_critical_field_tables_are_recognised(tmp_path):
    theta = np.linspace(0.0, 90.0, 7)
    hc2_mT = 450.0 + 10.0 * theta  # any numbers: the test is about names and units
    path = tmp_path / "hc2_angle.csv"
    path.write_text("theta (deg),Hc2 (mT),Hc2_err (mT),Drive Signal (V)\n" + "".join(
        f"{t},{h},{5.0},{0.1}\n" for t, h in zip(theta, hc2_mT, strict=True)))
    m = load(path)
    assert {"theta_rad", "Hc2_T", "Hc2_err_T"} <= set(m.columns)
    np.testing.assert_allclose(m.column("Hc2_T"), hc2_mT * 1e-3)  # mT -> T at load
    np.testing.assert_allclose(m.column("Hc2_err_T"), 5e-3)
    # what the hc2 kinds read is the loader's name
    assert hc2_column(m) == "Hc2_T" and "hc2_err_t" in HC2_ERR_COLUMNS
    # one list: the loader's unrecognised headers are exactly those classify() leaves out
    headers = ["theta (deg)", "Hc2 (mT)", "Hc2_err (mT)", "Drive Signal (V)"]
    assert m.metadata["unrecognised_columns"] == [h for h in headers
                                                  if classify(h).base is None]
    assert m.metadata["unrecognised_columns"] == ["Drive Signal (V)"]
    out, err = _info(path)
    assert out["warnings"] == [] and err == ""
    assert {c["name"]: c["unit"] for c in out["columns"]}["Hc2_T"] == "T"


@pytest.mark.parametrize("header, name", [
    ("Hc2 (T)", "Hc2_T"), ("Bc2 (mT)", "Hc2_T"), ("Hc2 (Oe)", "Hc2_T"),
    ("Hc2_err (T)", "Hc2_err_T"), ("sigma Hc2 (T)", "Hc2_err_T"), ("dHc2 (T)", "Hc2_err_T"),
    ("Hc2_T", "Hc2_T"), ("Hc2_err_T", "Hc2_err_T"),
])
def test_critical_field_headers(header, name, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"T (K),{header}\n1.0,0.5\n2.0,0.25\n")
    m = load(path)
    assert name in m.columns and "unrecognised_columns" not in m.metadata


def test_hc2_with_a_temperature_unit_is_not_a_field():
    assert classify("Hc2 (K)").base is None


def _act_file(path, label1: str, label2: str) -> None:
    """A small AC-transport file: two channels on alternating rows, R = rho (1 cm / 1 cm^2)."""
    head = ["[Header]", "; AC Transport Data File", "TITLE,synthetic",
            "BYAPP,ACTRANSPORT,2.0,1.1",
            f"INFO,{label1},SAMPLE1_MATERIAL", "INFO,1,SAMPLE1_LEAD_SEPARATION",
            "INFO,1,SAMPLE1_CROSS_SECTION",
            f"INFO,{label2},SAMPLE2_MATERIAL", "INFO,1,SAMPLE2_LEAD_SEPARATION",
            "INFO,1,SAMPLE2_CROSS_SECTION", "[Data]",
            "Comment,Time Stamp (sec),Temperature (K),Magnetic Field (Oe),Res. ch1 (ohm-cm),"
            "Res. ch2 (ohm-cm),Quad.Error ch1 (ohm-cm-rad),Quad.Error ch2 (ohm-cm-rad)"]
    rows = []
    for k in range(12):
        T = 2.0 + 0.1 * k
        rows.append(f",{k},{T},0,{1e-3 * T},,{2e-6},")
        rows.append(f",{k + 0.5},{T},0,,{5e-3 * T},,{3e-6}")
    path.write_text("\n".join(head + rows) + "\n")


def test_labelled_longitudinal_channel_is_the_default(tmp_path):
    path = tmp_path / "act.dat"
    _act_file(path, "bar S2 Ch1 4 wire Hall on side surface", "bar S2 Ch2_TMR on top surface")
    m = load(path)
    assert m.metadata["channel"] == 2 and m.resistance_column() == "R_ch2_ohm"
    np.testing.assert_allclose(m.column("R_ch2_ohm", dropna=True),
                               5e-3 * (2.0 + 0.1 * np.arange(12)))
    out, _ = _info(path)
    used = out["resistance_column"]
    assert used["name"] == "R_ch2_ohm" and used["channel"] == 2
    assert "'TMR'" in used["reason"] and "channel 1 Hall ('Hall'" in used["reason"]
    # the columns keep their names: an AC-transport Res. column is never made Rxy
    assert out["metadata"]["channels"] == {"1": "R_ch1_ohm", "2": "R_ch2_ohm"}
    # the user's channel wins, and info says so
    assert load(path, channel=1).resistance_column() == "R_ch1_ohm"
    out, _ = _info(path, "--channel", "1")
    assert out["resistance_column"]["name"] == "R_ch1_ohm"
    assert out["resistance_column"]["reason"] == "chosen with --channel"
    # the file states the quadrature error in ohm-cm-rad, which the loader does not convert
    units = {c["name"]: (c["unit"], c["si"]) for c in out["columns"]}
    assert units["quad_error_ch1_ohm_cm_rad"] == ("ohm-cm-rad", False)
    assert units["R_ch1_ohm"] == ("ohm", True) and units["T_K"] == ("K", True)


@pytest.mark.parametrize("label1, label2", [
    ("sample A", "sample B"),  # no role named
    ("Ch1 Hall", "Ch2 Hall"),  # no longitudinal channel named
    ("Ch1 R_xx", "Ch2 TMR"),  # two named longitudinal: nothing to choose by
    ("Ch1 Hall and MR", "Ch2 contacts 3-4"),  # one label naming both roles
])
def test_no_default_channel_without_one_named_longitudinal(label1, label2, tmp_path):
    path = tmp_path / "act.dat"
    _act_file(path, label1, label2)
    m = load(path)
    assert "channel" not in m.metadata and m.resistance_column() == "R_ch1_ohm"
    used = info_dict(path)["resistance_column"]
    assert used["name"] == "R_ch1_ohm"
    assert used["reason"].startswith("the first resistance channel")


def test_channel_roles_words():
    roles = channel_roles({"1": "x Ch1 4 wire Hall", "2": "x_Ch2_TMR", "3": "R_xx bar",
                           "4": "Rxy", "5": "Hall and R_xx", "6": "sample"})
    assert roles == {1: ("hall", "hall"), 2: ("longitudinal", "tmr"),
                     3: ("longitudinal", "rxx"), 4: ("hall", "rxy")}
