"""Quantum Design .dat loading on small synthetic files in the instruments' layouts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ktoanalysis.errors import DataFormatError
from ktoanalysis.io import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
QD_RES = FIXTURES / "qd_resistivity_synthetic.dat"
QD_ACT = FIXTURES / "qd_act_synthetic.dat"

# the synthetic Resistivity file was written from these closed forms (i = 0..10)
I_ROWS = np.arange(11)
B_OE = -10000.0 + 2000.0 * I_ROWS
R1 = 0.466 * I_ROWS / 10
R2 = 0.2 - 0.0049 * B_OE * 1e-4


def test_qd_resistivity_synthetic():
    m = load(QD_RES)
    md = m.metadata
    assert md["format"] == "qd-resistivity"
    assert md["qd_title"] == "synthetic_R_vs_B_CH1-TMR_CH2-Hall"
    assert md["qd_app"] == "Resistivity"
    assert md["qd_info"]["Sample1 Name"] == "TMR"
    assert md["qd_info"]["APPNAME"].startswith("PPMS MultiVu")
    # the garbage first row (units as text) is skipped and reported, all 11 rows remain
    assert len(m.data) == 11
    assert any("first data row" in w for w in md["warnings"])
    assert any("more fields" in w for w in md["warnings"])  # the row with 'junk' at the end
    np.testing.assert_allclose(m.column("B_T"), B_OE * 1e-4, rtol=1e-15)
    np.testing.assert_allclose(m.column("T_K"), 2.0 + 0.001 * I_ROWS, rtol=1e-12)
    r1 = m.column("R_ch1_ohm")
    ok = np.arange(11) != 7  # row 7 is short: its resistances are missing, not invented
    np.testing.assert_allclose(r1[ok], np.round(R1, 4)[ok], atol=1e-12)
    assert np.isnan(r1[7])
    # bridge 2 is named exactly "Hall" in the header -> Rxy; linear in B with -4.9 mOhm/T
    rxy = m.column("Rxy_ch2_ohm")
    np.testing.assert_allclose(rxy[ok], R2[ok], atol=1e-6)
    assert md["hall_channels"] == [2]
    np.testing.assert_allclose(m.column("excitation_ch1_A"), 19.98e-6, rtol=1e-12)
    assert "Bridge 1 Resistivity (Ohm)" in md["dropped_columns"]
    assert md["comments"] == [{"line": 20, "text": "start of sweep"}]
    assert m.original_names["B_T"] == "Magnetic Field (Oe)" and m.units["B_T"] == "Oe"


def test_crlf_and_lf_give_the_same_table(tmp_path):
    lf = tmp_path / "lf.dat"
    lf.write_bytes(QD_RES.read_bytes().replace(b"\r\n", b"\n"))
    a, b = load(QD_RES), load(lf)
    assert a.columns == b.columns
    np.testing.assert_array_equal(a.data.to_numpy(), b.data.to_numpy())


def test_qd_act_alternating_channels():
    m = load(QD_ACT)
    md = m.metadata
    assert md["format"] == "qd-act"
    assert len(m.data) == 12  # no row dropped although every row misses one channel
    r1, r2 = m.column("R_ch1_ohm"), m.column("R_ch2_ohm")
    assert np.isfinite(r1).sum() == 6 and np.isfinite(r2).sum() == 6
    assert (np.isfinite(r1) ^ np.isfinite(r2)).all()  # exactly one channel per row
    # the derived resistance (rho * separation / cross-section) must equal the independent
    # four-wire reading V/I of the same row
    I_A = m.column("excitation_A")
    np.testing.assert_allclose(I_A, 1.0e-3)
    for ch, r in ((1, r1), (2, r2)):
        v = m.column(f"V_ch{ch}_V")
        ok = np.isfinite(r)
        np.testing.assert_allclose(r[ok], v[ok] / I_A[ok], rtol=1e-9)
    # resistivity kept, in ohm*m: 1 ohm*cm = 1e-2 ohm*m; rho = R * A / L
    rho1 = m.column("rho_ch1_ohm_m")
    ok = np.isfinite(rho1)
    np.testing.assert_allclose(rho1[ok], r1[ok] * 0.0011144e-4 / 0.1393e-2, rtol=1e-9)
    assert set(md["derived"]) >= {"R_ch1_ohm", "R_ch2_ohm"}
    # ACT "Res. chN" is never Hall, although the title and material mention Hall
    assert not any(c.startswith("Rxy") for c in m.columns)
    # the spread columns (no unit in their header) take the unit of their reading
    np.testing.assert_allclose(m.column("R_std_ch1_ohm")[ok], 0.01 * r1[ok], rtol=1e-9)


def _qd(body: str, header: str = "Comment,Temperature (K),Magnetic Field (Oe),"
        "Bridge 1 Resistance (Ohms)", app: str = "Resistivity") -> str:
    return (f"[Header]\nTITLE, t\nBYAPP, {app}, 2.1, 1.0\nINFO, Hall bar sample, "
            f"Sample1 Name\n[Data]\n{header}\n{body}")


def test_repeated_data_blocks_and_headers(tmp_path):
    head = "Comment,Temperature (K),Magnetic Field (Oe),Bridge 1 Resistance (Ohms)"
    body = (",2.0,100,1.0\n" + head + "\n,2.1,200,1.1\n[Header]\nTITLE, again\n[Data]\n"
            "Comment,Magnetic Field (Oe),Temperature (K),Bridge 2 Resistance (Ohms)\n"
            ",300,2.2,5.0\n")
    p = tmp_path / "rep.dat"
    p.write_text(_qd(body))
    m = load(p)
    np.testing.assert_allclose(m.column("T_K"), [2.0, 2.1, 2.2])
    np.testing.assert_allclose(m.column("B_T"), [0.01, 0.02, 0.03])
    r1, r2 = m.column("R_ch1_ohm"), m.column("R_ch2_ohm")
    np.testing.assert_allclose(r1[:2], [1.0, 1.1])
    assert np.isnan(r1[2]) and r2[2] == 5.0
    # a sample *description* mentioning Hall does not make the bridge a Hall channel
    assert "hall_channels" not in m.metadata


def test_latin1_fallback(tmp_path):
    p = tmp_path / "l1.dat"
    p.write_bytes(_qd(",2.0,100,1.0\n").replace("TITLE, t", "TITLE, 5 \u00b5A sweep")
                  .encode("latin-1"))
    m = load(p)
    assert m.metadata["qd_title"] == "5 \u00b5A sweep"


def test_junk_markers_become_nan_with_warning(tmp_path):
    p = tmp_path / "j.dat"
    p.write_text(_qd(",2.0,100,1.0\n,2.0,200,nan\n,2.0,300,---\n,2.0,400,1.3\n"))
    m = load(p)
    r = m.column("R_ohm")  # one bridge only: no channel suffix
    assert np.isnan(r[1:3]).all() and r[3] == 1.3
    assert any("missing-value marker" in w for w in m.metadata["warnings"])


def test_text_in_numeric_qd_cell_is_an_error(tmp_path):
    p = tmp_path / "t.dat"
    p.write_text(_qd(",2.0,100,1.0\n,2.0,2OO,1.1\n"))
    with pytest.raises(DataFormatError) as exc:
        load(p)
    e = exc.value
    assert e.line == 8 and e.column == "Magnetic Field (Oe)" and e.expected == "a number"
    assert str(p) in str(e)


@pytest.mark.parametrize("app,fmt", [("ACTRANSPORT", "qd-act"), ("Resistivity", "qd-resistivity"),
                                     ("Electrical Transport Option", "qd-eto"),
                                     ("DynaCool", "qd-dynacool"), ("Magnetometer", "qd")])
def test_format_detection(tmp_path, app, fmt):
    p = tmp_path / "f.dat"
    p.write_text(_qd(",2.0,100,1.0\n", header="Comment,Temperature (K),Magnetic Field (Oe),"
                     "Resistance (Ohms)", app=app))
    assert load(p).metadata["format"] == fmt
