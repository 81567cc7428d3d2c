"""QCoDeS datasets: a database written with qcodes in a temporary folder, read back by
``load(path, run_id=N)`` and ``ktoanalysis info|fit DB --run N`` (skipped without qcodes)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from campaign_data import run_cli

from ktoanalysis.errors import DataFormatError
from ktoanalysis.io import load

qcodes = pytest.importorskip("qcodes", reason="qcodes is not installed (the qcodes extra)")

T_K = np.linspace(0.3, 3.0, 41)
TC, RN, WIDTH = 1.2, 250.0, 0.05


def _r_of_t(t):
    """Independent truth: a tanh transition (values written by the test, not the package)."""
    return RN / 2 * (1 + np.tanh((t - TC) / WIDTH))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """A database with three runs: R(T) (name decides / label decides), B sweep in mT at a
    gate voltage from the station snapshot, and two dependents on one setpoint."""
    from qcodes.dataset import Measurement, new_experiment
    from qcodes.dataset.sqlite.database import connect
    from qcodes.parameters import ManualParameter
    from qcodes.station import Station

    path = tmp_path_factory.mktemp("qc") / "experiment.db"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conn = connect(str(path))
        exp = new_experiment("cooldown1", sample_name="KTO-111-A", conn=conn)
        temperature = ManualParameter("temperature", unit="K", label="Temperature")
        lockin = ManualParameter("lockin_R", unit="Ohm", label="Resistance")
        meas = Measurement(exp=exp, name="rt_sweep")
        meas.register_parameter(temperature)
        meas.register_parameter(lockin, setpoints=(temperature,))
        with meas.run() as saver:
            for t in T_K:
                saver.add_result((temperature, t), (lockin, _r_of_t(t)))
            saver.dataset.add_metadata("orientation", "111")
        rt_run = saver.run_id

        station = Station()
        gate = ManualParameter("gate", unit="V", label="Gate voltage", initial_value=2.5)
        station.add_component(gate)
        field = ManualParameter("magnet_x", unit="mT", label="Magnet x")
        hall = ManualParameter("lockin_Y", unit="Ohm", label="Hall resistance")
        meas = Measurement(exp=exp, name="hall_sweep", station=station)
        meas.register_parameter(field)
        meas.register_parameter(hall, setpoints=(field,))
        with meas.run() as saver:
            for b in np.linspace(-500, 500, 11):
                saver.add_result((field, b), (hall, 0.1 * b))
        hall_run = saver.run_id

        volt = ManualParameter("v_xx", unit="uV", label="Voltage")
        meas = Measurement(exp=exp, name="two_dependents")
        meas.register_parameter(temperature)
        meas.register_parameter(lockin, setpoints=(temperature,))
        meas.register_parameter(volt, setpoints=(temperature,))
        with meas.run() as saver:
            for t in T_K[:5]:
                saver.add_result((temperature, t), (lockin, 10 * t), (volt, 2 * t))
        two_run = saver.run_id
        conn.close()
    return path, rt_run, hall_run, two_run


def test_round_trip_r_of_t(db):
    path, rt_run, _, _ = db
    m = load(path, run_id=rt_run)
    assert m.metadata["format"] == "qcodes"
    assert m.columns == ["T_K", "R_ohm"]  # name "temperature" in K; label "Resistance"
    np.testing.assert_allclose(m.column("T_K"), T_K)
    np.testing.assert_allclose(m.column("R_ohm"), _r_of_t(T_K))
    md = m.metadata
    assert md["sample"] == "KTO-111-A" and md["orientation"] == "111"
    assert md["qcodes_run_name"] == "rt_sweep" and md["qcodes_experiment"] == "cooldown1"
    assert md["qcodes_run_id"] == rt_run and md["qcodes_guid"]
    assert md["qcodes_parameters"]["lockin_R"]["setpoints"] == ["temperature"]
    assert m.original_names == {"T_K": "temperature", "R_ohm": "lockin_R"}


def test_units_converted_and_snapshot_kept(db):
    path, _, hall_run, _ = db
    m = load(path, run_id=hall_run)
    # "magnet_x" in mT: no name or label says field, the unit alone does (the only one)
    np.testing.assert_allclose(m.column("B_T"), np.linspace(-0.5, 0.5, 11))
    np.testing.assert_allclose(m.column("Rxy_ohm"), np.linspace(-50, 50, 11))
    assert m.metadata["qcodes_snapshot"]["gate"] == {"value": 2.5, "unit": "V"}
    assert m.metadata["Vg_V"] == pytest.approx(2.5)


def test_two_dependents_and_a_column_mapping_by_parameter_name(db):
    path, _, _, two_run = db
    m = load(path, run_id=two_run)
    np.testing.assert_allclose(m.column("V_V"), 2e-6 * T_K[:5])
    np.testing.assert_allclose(m.column("R_ohm"), 10 * T_K[:5])
    m = load(path, run_id=two_run, columns={"v_xx": "Vg_V"})
    assert "Vg_V" in m.columns and "V_V" not in m.columns


def test_run_choice_errors(db, tmp_path):
    path, *_ = db
    with pytest.raises(DataFormatError, match="holds 3 runs"):
        load(path)
    with pytest.raises(DataFormatError, match="no run 99"):
        load(path, run_id=99)
    csv = tmp_path / "a.csv"
    csv.write_text("T (K),R (Ohm)\n1,2\n2,3\n")
    with pytest.raises(DataFormatError, match="QCoDeS databases only"):
        load(csv, run_id=1)


def test_cli_info_and_fit_with_run(db):
    path, rt_run, _, _ = db
    res = run_cli(["info", str(path), "--run", str(rt_run), "--json"])
    assert res.exit_code == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["format"] == "qcodes" and info["rows"] == T_K.size
    assert info["resistance_column"]["original"] == "lockin_R"
    res = run_cli(["info", str(path)])
    assert res.exit_code == 3 and "--run N" in res.stderr and "1, 2, 3" in res.stderr
    res = run_cli(["fit", "tc", str(path), "--run", str(rt_run), "--json"])
    assert res.exit_code in (0, 4), res.stderr  # 4: a 'warn' verdict (41 points)
    tc = json.loads(res.stdout)["params"]["Tc_mid_K"]
    assert abs(tc["value"] - TC) < 3 * tc["stderr"] + 0.01
