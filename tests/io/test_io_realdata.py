"""The measured PPMS files: ranges and reference values of their documentation (the
SOURCES notes of the measured-data folder; tolerance bands as stated there)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from ktoanalysis.cli import app
from ktoanalysis.io import load

pytestmark = pytest.mark.realdata


def _info(path) -> dict:
    result = CliRunner().invoke(app, ["info", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _first_data_row(path) -> dict[str, str]:
    """First data row of a QD file, read independently with the csv module."""
    with open(path, newline="") as f:
        lines = f.read().splitlines()
    k = lines.index("[Data]")
    header, row = next(csv.reader([lines[k + 1]])), next(csv.reader([lines[k + 2]]))
    return dict(zip(header, row, strict=False))


def test_act_file_info_json(ppms_act):
    out = _info(ppms_act)
    assert out["format"] == "qd-act"
    cols = {c["name"]: c for c in out["columns"]}
    rows = out["rows"]
    assert rows == 6035  # SOURCES: 6035 rows, channels on alternating rows
    assert cols["B_T"]["unit"] == "T"
    assert -1.001 < cols["B_T"]["min"] < -0.99 and 0.99 < cols["B_T"]["max"] < 1.001
    assert 1.95 < cols["T_K"]["min"] < 2.05 and 3.35 < cols["T_K"]["max"] < 3.45
    for ch in (1, 2):
        c = cols[f"R_ch{ch}_ohm"]
        assert c["unit"] == "ohm"
        assert 0.45 * rows < c["count"] < 0.55 * rows  # about half the rows each
    assert cols["R_ch1_ohm"]["count"] + cols["R_ch2_ohm"]["count"] == rows
    assert out["metadata"]["qd_title"].startswith("SUC_101_S2_Ch1_4 wire Hall_Ch2_TMR")
    assert out["metadata"]["qd_app"] == "ACTRANSPORT"


def test_act_file_values(ppms_act):
    m = load(ppms_act)
    r1, r2 = m.column("R_ch1_ohm"), m.column("R_ch2_ohm")
    assert (np.isfinite(r1) ^ np.isfinite(r2)).all()  # never both, never neither
    # derived R (rho * L / A from the header geometry) equals the measured V / I
    I_A = m.column("excitation_A")
    for ch, r in ((1, r1), (2, r2)):
        ok = np.isfinite(r)
        np.testing.assert_allclose(r[ok], m.column(f"V_ch{ch}_V")[ok] / I_A[ok],
                                   rtol=2e-4, atol=1e-9)
    # SOURCES reference: normal state at 3.4 K, ch2 ~ 4.40e-5 ohm cm, ch1 ~ 6.00e-6 ohm cm
    hot = m.column("T_K") > 3.35
    rho2 = np.nanmedian(m.column("rho_ch2_ohm_m")[hot])
    rho1 = np.nanmedian(m.column("rho_ch1_ohm_m")[hot])
    assert rho2 == pytest.approx(4.40e-5 * 1e-2, rel=0.03)  # ohm cm -> ohm m
    assert rho1 == pytest.approx(6.00e-6 * 1e-2, rel=0.03)
    assert m.metadata["warnings"] == []


def test_resistivity_file_info_json(ppms_resistivity):
    out = _info(ppms_resistivity)
    assert out["format"] == "qd-resistivity"
    cols = {c["name"]: c for c in out["columns"]}
    assert out["rows"] == 1401
    assert -1.001 < cols["B_T"]["min"] < -0.99 and 0.99 < cols["B_T"]["max"] < 1.001
    assert 1.99 < cols["T_K"]["min"] < 2.01 and 2.29 < cols["T_K"]["max"] < 2.31
    assert cols["R_ch1_ohm"]["count"] == 1401
    assert out["metadata"]["qd_info"]["Sample2 Name"] == "Hall"


def test_resistivity_file_values(ppms_resistivity):
    m = load(ppms_resistivity)
    # Oe -> T checked against the raw first row read independently
    raw = _first_data_row(ppms_resistivity)
    assert m.column("B_T")[0] == pytest.approx(float(raw["Magnetic Field (Oe)"]) * 1e-4,
                                               rel=1e-15)
    assert m.column("R_ch1_ohm")[0] == float(raw["Bridge 1 Resistance (Ohms)"])
    # SOURCES: R_N = median of bridge 1 at |B| > 0.95 T ~ 0.4655 Ohm
    b, r = m.xy("B_T", "R_ch1_ohm")
    assert np.median(r[np.abs(b) > 0.95]) == pytest.approx(0.4655, rel=0.01)
    # bridge 2 is named "Hall" in the header -> Rxy (its content is mostly pickup, see notes)
    assert "Rxy_ch2_ohm" in m.columns
    assert m.metadata["hall_channels"] == [2]


def test_hall_film_file(hall_psu):
    out = _info(hall_psu)
    assert out["format"] == "qd-resistivity"
    cols = {c["name"]: c for c in out["columns"]}
    assert out["rows"] == 256
    assert 49.99 < cols["T_K"]["min"] and cols["T_K"]["max"] < 50.01  # T = 50.000 K
    assert -5.001 < cols["B_T"]["min"] < -4.99 and 4.99 < cols["B_T"]["max"] < 5.001
    m = load(hall_psu)
    # SOURCES: bridge 1 = R_xx ~ 835.5 Ohm at B = 0, bridge 2 = R_xy named "Rxy" in the header
    b, rxx = m.xy("B_T", "R_ch1_ohm")
    assert np.median(rxx[np.abs(b) < 0.1]) == pytest.approx(835.5, rel=0.005)
    b, rxy = m.xy("B_T", "Rxy_ch2_ohm")
    slope, intercept = np.polyfit(b, rxy, 1)
    assert intercept == pytest.approx(-39.3, abs=0.3)  # contact-misalignment offset
    assert 0.20 < slope < 0.26  # raw slopes 0.212 (up) and 0.252 (down) Ohm/T
    # excitation 5 uA
    np.testing.assert_allclose(m.column("excitation_ch1_A"), 5e-6, rtol=1e-4)
