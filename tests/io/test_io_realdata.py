"""The measured PPMS files: ranges and reference values of their documentation (the
SOURCES notes of the measured-data folder; tolerance bands as stated there)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from conftest import REALDATA, realdata_file  # tests/conftest.py: the shared folder
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


def test_act_file_default_channel_and_units():
    """SOURCES 1b: the header labels ch1 '4 wire Hall on side surface' and ch2 'TMR on top
    surface' (SAMPLEn_MATERIAL; TITLE '..._Ch1_4 wire Hall_Ch2_TMR ...'): ch2, the
    longitudinal channel, is the default, and info says why. The quadrature error is in
    'ohm-cm-rad' as the [Data] header states (not converted), not in rad."""
    path = realdata_file("snse_nbse2_misfit_ppms", "ACT_Ch1_Hall_Ch2_TMR.dat")
    out = _info(path)
    used = out["resistance_column"]
    assert used["name"] == "R_ch2_ohm" and used["channel"] == 2
    assert used["original"] == "Res. ch2 (ohm-cm)"
    assert "'TMR' in '(SnSe)1.16(NbSe)2_S2_Ch2_TMR on top surface'" in used["reason"]
    assert "channel 1 Hall" in used["reason"]
    units = {c["original"]: (c["unit"], c["si"]) for c in out["columns"]}
    assert units["Quad.Error ch1 (ohm-cm-rad)"] == ("ohm-cm-rad", False)
    assert units["Quad.Error ch2 (ohm-cm-rad)"] == ("ohm-cm-rad", False)
    assert units["2nd Harm. ch1 (dB)"] == ("dB", False)
    assert load(path).resistance_column() == "R_ch2_ohm"
    assert load(path, channel="ch1").resistance_column() == "R_ch1_ohm"
    # the Resistivity-option file of the same crystal: ch1 'TMR' is the only longitudinal
    # channel (ch2 'Hall' is Rxy), so nothing is chosen in the metadata
    res = realdata_file("snse_nbse2_misfit_ppms", "Resistivity_Ch1_TMR_Ch2_Hall_test.dat")
    m = load(res)
    assert "channel" not in m.metadata and m.resistance_column() == "R_ch1_ohm"
    assert _info(res)["resistance_column"]["reason"] == \
        "the only longitudinal resistance column"


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
    # a clean file: no row left out (decimal-comma check), no I-V invented (fixed 19.98 uA)
    assert m.metadata["warnings"] == [] and "I_A" not in m.columns
    assert m.metadata["channels"] == {"1": "R_ch1_ohm", "2": "Rxy_ch2_ohm"}


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
    assert m.metadata["warnings"] == [] and "I_A" not in m.columns


# ---------------------------------------------------------------- tbg_wse2_wal (SOURCES 4)

#: SOURCES "tbg_wse2_wal": <R_xx(0)> (Ohm) and Delta sigma at 5, 10, 25 mT (e^2/h) per file
WAL_REFERENCE = {
    "W5_10nA_-2Vbg_baseT_39-38.txt": (553.8, -0.178, -0.519, -1.518),
    "W5_10nA_-2Vbg_300mK_39-38.txt": (551.4, -0.142, -0.465, -1.471),
    "W5_10nA_-2Vbg_500mK_39-38.txt": (552.5, -0.140, -0.445, -1.443),
    "W5_10nA_-2Vbg_700mK_39-38.txt": (555.7, -0.086, -0.361, -1.355),
    "W5_10nA_-2Vbg_900mK_39-38.txt": (559.4, -0.101, -0.327, -1.298),
    "W5_10nA_-2Vbg_3K_39-38.txt": (629.6, -0.033, -0.136, -0.842),
}
E2_OVER_H = (1.602176634e-19) ** 2 / 6.62607015e-34  # S


@pytest.mark.parametrize("name", list(WAL_REFERENCE))
def test_wal_matrix_file(name):
    """The whitespace matrix (rows: gate voltages, columns: -25..25 mT in 0.2 mT) reads
    as a headerless table; R_xx = V / 10 nA; the SOURCES numbers are recomputed here
    (gate average, symmetrised in B; base T: the aborted row index 11 left out)."""
    m = load(realdata_file("tbg_wse2_wal", name))
    assert any("no header line" in w for w in m.metadata["warnings"])
    V = m.data.to_numpy(dtype=float)
    assert V.shape == ((31 if "baseT" in name else 30), 251) and np.isfinite(V).all()
    rows = [k for k in range(V.shape[0]) if not ("baseT" in name and k == 11)]
    R = V[rows] / 10e-9
    B_mT = np.linspace(-25.0, 25.0, 251)
    r0, *dsig = WAL_REFERENCE[name]
    assert R[:, 125].mean() == pytest.approx(r0, rel=0.002)
    G = 1.0 / R / E2_OVER_H
    dG = (G - G[:, [125]]).mean(axis=0)
    sym = 0.5 * (dG + dG[::-1])
    for b, ref in zip((5.0, 10.0, 25.0), dsig, strict=True):
        assert np.interp(b, B_mT, sym) == pytest.approx(ref, abs=0.003), (name, b)


def test_wal_authors_curves():
    """Data_array.txt: row 1 the field (0.2..24 mT, four traces), row 2 Delta sigma
    (e^2/h); SOURCES: about -0.34 e^2/h at 24 mT for the base-temperature trace."""
    m = load(realdata_file("tbg_wse2_wal", "Data_array.txt"))
    B, dsig = m.data.to_numpy(dtype=float)
    assert B.size == 480 and B[0] == pytest.approx(0.2) and B[119] == pytest.approx(24.0)
    assert dsig[119] == pytest.approx(-0.34, abs=0.01)


#: every measured file and the tests that check its SOURCES estimates (io level here;
#: the analyses in tests/transport use the same files through the conftest fixtures)
REALDATA_TESTS = {
    "snse_nbse2_misfit_ppms/Resistivity_Ch1_TMR_Ch2_Hall_test.dat":
        ["test_resistivity_file_info_json", "test_resistivity_file_values"],
    "snse_nbse2_misfit_ppms/ACT_Ch1_Hall_Ch2_TMR.dat":
        ["test_act_file_info_json", "test_act_file_values",
         "test_act_file_default_channel_and_units"],
    "mbe_film_hall_psu/TRP4_MBE1-230327A-MS_RvsH_50K.dat": ["test_hall_film_file"],
    **{f"tbg_wse2_wal/{n}": ["test_wal_matrix_file"] for n in WAL_REFERENCE},
    "tbg_wse2_wal/Data_array.txt": ["test_wal_authors_curves"],
}


def test_every_measured_file_is_named_by_a_test():
    if not REALDATA.is_dir():
        pytest.skip(f"measured data not available: {REALDATA}")
    files = {p.relative_to(REALDATA).as_posix() for p in REALDATA.rglob("*")
             if p.is_file() and p.name not in ("SOURCES.md", "LICENSE")}
    assert files <= set(REALDATA_TESTS), sorted(files - set(REALDATA_TESTS))
    for tests in REALDATA_TESTS.values():
        assert all(t in globals() for t in tests)
