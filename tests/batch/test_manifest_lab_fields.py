"""Manifest fields a lab needs, through ``ktoanalysis batch``: ``run`` (QCoDeS run id),
``options`` of a kind (the ``tc`` sweep), the gate voltage taken from a data file's header,
and the series figures embedded in ``report.html``.

Truths: simulated R(T) = R_N/2 (1 + tanh((T - Tc)/w)) + noise written by these tests (the
formula is here, not the package's), so R(Tc) = R_N/2 and Tc_mid = Tc.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ktoanalysis.batch.jobs import gate_voltage
from ktoanalysis.batch.manifest import load_manifest
from ktoanalysis.cli import EXIT_INPUT_ERROR, app, main
from ktoanalysis.errors import ManifestError

R_N, W = 500.0, 0.05


def _r(T: np.ndarray, Tc: float, rng: np.random.Generator) -> np.ndarray:
    return 0.5 * R_N * (1 + np.tanh((T - Tc) / W)) + rng.normal(0, 1.0, T.size)


def _write(path: Path, T: np.ndarray, Tc: float | np.ndarray, seed: int,
           header: str = "") -> Path:
    R = _r(T, Tc, np.random.default_rng(seed)) if np.isscalar(Tc) else Tc
    lines = [header] if header else []
    lines += ["T (K),R (Ohm)"] + [f"{t:.6f},{r:.6f}" for t, r in zip(T, R, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _batch(args: list[str]):
    return CliRunner().invoke(app, ["batch", *args])


# ------------------------------------------------------------------------------ run


@pytest.fixture(scope="module")
def qcodes_db(tmp_path_factory):
    """A QCoDeS database with two R(T) runs: Tc 0.9 K at a gate voltage of -1 V, then
    1.4 K at 2.5 V (gate voltages stated by the station snapshot), built with qcodes as
    tests/io do."""
    pytest.importorskip("qcodes", reason="qcodes is not installed (the qcodes extra)")
    from qcodes.dataset import Measurement, new_experiment
    from qcodes.dataset.sqlite.database import connect
    from qcodes.parameters import ManualParameter
    from qcodes.station import Station

    base = tmp_path_factory.mktemp("qcdb")
    path = base / "experiment.db"
    T = np.linspace(0.3, 2.5, 60)
    rng = np.random.default_rng(7)
    runs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        conn = connect(str(path))
        exp = new_experiment("cooldowns", sample_name="KTO-Q", conn=conn)
        temperature = ManualParameter("temperature", unit="K", label="Temperature")
        lockin = ManualParameter("lockin_R", unit="Ohm", label="Resistance")
        station = Station()
        gate = ManualParameter("gate", unit="V", label="Gate voltage", initial_value=0.0)
        station.add_component(gate)
        for tc, vg in ((0.9, -1.0), (1.4, 2.5)):
            gate(vg)
            meas = Measurement(exp=exp, name=f"rt_{tc}", station=station)
            meas.register_parameter(temperature)
            meas.register_parameter(lockin, setpoints=(temperature,))
            with meas.run() as saver:
                for t, r in zip(T, _r(T, tc, rng), strict=True):
                    saver.add_result((temperature, t), (lockin, r))
            runs.append(saver.run_id)
        conn.close()
    return base, runs


def test_run_field_selects_the_qcodes_run(qcodes_db):
    base, (run1, run2) = qcodes_db
    m = base / "m.toml"
    m.write_text('[defaults]\nkind = "tc"\nfile = "experiment.db"\norientation = "111"\n'
                 f'[[run]]\nsample = "Q1"\nrun = {run1}\n'
                 f'[[run]]\nsample = "Q2"\nrun = {run2}\n')
    out = base / "out"
    res = _batch([str(m), "--out", str(out), "--no-plots"])
    assert res.exit_code == 0, res.output
    done = pd.read_csv(out / "results.csv", dtype={"run": str})
    assert done["Tc_mid_K"].to_numpy() == pytest.approx([0.9, 1.4], abs=0.01)
    assert list(done["run"]) == [str(run1), str(run2)]
    # each run's station snapshot states its gate voltage
    assert done["Vg_V"].tolist() == pytest.approx([-1.0, 2.5])
    assert done["Vg_source"].tolist() == ["file", "file"]


@pytest.mark.parametrize("value, problem", [
    ("0", "expected a QCoDeS run id"), ('"two"', "expected a QCoDeS run id"),
    ("true", "expected a QCoDeS run id"), ("1.5", "expected a QCoDeS run id"),
    ("3", "S0.csv is not one"),
])
def test_run_field_is_checked(tmp_path, value, problem):
    _write(tmp_path / "S0.csv", np.linspace(0.3, 2.5, 20), 1.0, seed=1)
    m = tmp_path / "m.toml"
    m.write_text(f'[[run]]\nsample = "S0"\nkind = "tc"\nfile = "S0.csv"\nrun = {value}\n')
    with pytest.raises(ManifestError, match=r"row 1 \(sample 'S0'\), field 'run'") as exc:
        load_manifest(m)
    assert problem in str(exc.value)


def test_run_field_in_a_csv_manifest_and_exit_3(tmp_path, monkeypatch, capsys):
    _write(tmp_path / "S0.csv", np.linspace(0.3, 2.5, 20), 1.0, seed=1)
    m = tmp_path / "m.csv"
    m.write_text("sample,kind,file,run\nS0,tc,S0.csv,2\n")
    monkeypatch.setattr(sys, "argv", ["ktoanalysis", "batch", str(m), "--out",
                                      str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == EXIT_INPUT_ERROR
    err = capsys.readouterr().err
    assert "row 1 (sample 'S0'), field 'run'" in err and "S0.csv is not one" in err


# ------------------------------------------------------------------------------ sweep


def test_sweep_option_picks_the_cooling_or_warming_sweep(tmp_path):
    """One file: a cool-down (Tc 1.0 K) then a warm-up (Tc 1.1 K); the manifest's
    ``options = { sweep = ... }`` selects which one the tc row analyses."""
    T_down = np.linspace(2.5, 0.3, 150)
    T_up = T_down[::-1]
    rng = np.random.default_rng(3)
    T = np.concatenate([T_down, T_up])
    R = np.concatenate([_r(T_down, 1.0, rng), _r(T_up, 1.1, rng)])
    _write(tmp_path / "loop.csv", T, R, seed=0)
    m = tmp_path / "m.toml"
    m.write_text('[defaults]\nkind = "tc"\nfile = "loop.csv"\n'
                 '[[run]]\nsample = "cool"\noptions = { sweep = "cooling" }\n'
                 '[[run]]\nsample = "warm"\n[run.options]\nsweep = "warming"\n')
    out = tmp_path / "out"
    res = _batch([str(m), "--out", str(out), "--no-plots"])
    assert res.exit_code == 0, res.output
    done = pd.read_csv(out / "results.csv")
    assert done["Tc_mid_K"].to_numpy() == pytest.approx([1.0, 1.1], abs=0.01)
    assert [json.loads(o)["sweep"] for o in done["options"]] == ["cooling", "warming"]


@pytest.mark.parametrize("options, problem", [
    ('{ sweep = "sideways" }', "field 'options'"),
    ('{ sweeep = "warming" }', "field 'options.sweeep': option not accepted by kind 'tc'"),
])
def test_sweep_option_is_checked(tmp_path, options, problem):
    _write(tmp_path / "S0.csv", np.linspace(0.3, 2.5, 20), 1.0, seed=1)
    m = tmp_path / "m.toml"
    m.write_text(f'[[run]]\nsample = "S0"\nkind = "tc"\nfile = "S0.csv"\n'
                 f"options = {options}\n")
    with pytest.raises(ManifestError, match=r"row 1 \(sample 'S0'\)") as exc:
        load_manifest(m)
    assert problem in str(exc.value)
    if "sweeep" in options:
        assert "sweep" in str(exc.value).split("accepted:")[1]  # the accepted ones listed


# ------------------------------------------------------------------------------ gate


def test_gate_voltage_from_file_headers_series_and_report(tmp_path):
    """Rows of sample G state their gate voltage only in the file headers (two
    spellings): it makes the gate series -40, +40, -40 V and its figure, which
    report.html embeds with a caption. Row 3 says -40 V in the manifest and -30 V in its
    file: the manifest wins, with a warning naming both values."""
    T = np.linspace(0.3, 2.5, 60)
    rows = [("# gate voltage: -40 V", "", 1.0), ("# Vg = 40", "", 1.3),
            ("# Vg_V: -30", "Vg_V = -40\n", 1.05)]
    body = ['[defaults]\nkind = "tc"\norientation = "111"\nsample = "G"\n']
    for i, (header, field, tc) in enumerate(rows):
        _write(tmp_path / f"G{i}.csv", T, tc, seed=20 + i, header=header)
        body.append(f'[[run]]\nfile = "G{i}.csv"\n{field}')
    m = tmp_path / "m.toml"
    m.write_text("\n".join(body))
    out = tmp_path / "out"
    res = _batch([str(m), "--out", str(out), "--report"])
    assert res.exit_code == 0, res.output
    done = pd.read_csv(out / "results.csv")
    assert done["Vg_V"].tolist() == [-40, 40, -40]
    assert done["Vg_source"].tolist() == ["file", "file", "manifest"]
    # the conflict: a warning on stderr and in the row's record, naming both values
    assert re.search(r"row 3 \(sample 'G'\): G2\.csv: the file states a gate voltage of "
                     r"-30 V, the manifest Vg_V = -40 V", res.output), res.output
    rec = json.loads((out / "rows" / "3.json").read_text())
    assert rec["Vg_V"] == -40 and rec["Vg_source"] == "manifest"
    assert any("-30 V" in w and "-40 V" in w for w in rec["warnings"])
    # the gate series from the header values
    points = pd.read_csv(out / "series" / "series.csv")
    assert points["Vg_V"].tolist() == [-40, 40, -40]
    series_pngs = sorted(p.name for p in (out / "series").glob("*.png"))
    assert "gate_G_111.png" in series_pngs
    # the report embeds the series figures with captions, still self-contained
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "href=" not in html
    section = html.split('id="series-level"')[1].split('id="figures"')[0]
    srcs = re.findall(r'<img src="([^"]*)"', section)
    assert len(srcs) == len(series_pngs)
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "Gate series of G (111)" in section and "series/gate_G_111.png" in section
    assert "G (111) Tc_K: loop width" in section  # the main numbers of series.json
    assert len(re.findall(r'<img src="data:image/png;base64,', html)) >= 3 + len(srcs)


class _M:
    def __init__(self, vg):
        self.metadata = {} if vg is None else {"Vg_V": vg}


def test_gate_voltage_rules():
    """Manifest over file (conflict noted), agreeing files, disagreeing files (none)."""
    assert gate_voltage([_M(2.0)], ["a.csv"], None) == (2.0, "file", [])
    assert gate_voltage([_M(None)], ["a.csv"], None) == (None, None, [])
    v, src, notes = gate_voltage([_M(2.0)], ["a.csv"], 3.0)
    assert (v, src) == (3.0, "manifest") and "2 V" in notes[0] and "3 V" in notes[0]
    assert gate_voltage([_M(3.0)], ["a.csv"], 3.0) == (3.0, "manifest", [])
    assert gate_voltage([_M(1.0), _M(None), _M(1.0)], list("abc"), None)[:2] == (1.0, "file")
    v, src, notes = gate_voltage([_M(1.0), _M(2.0)], ["a.csv", "b.csv"], None)
    assert (v, src) == (None, None) and "a.csv: 1 V, b.csv: 2 V" in notes[0]
