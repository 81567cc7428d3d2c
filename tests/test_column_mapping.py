"""Lab files whose headers the loader does not recognise: ``columns=`` / ``--column`` /
manifest ``columns``, and the warnings that point to them.

The file is simulated here: R(T) = R_N / (1 + exp(-(T - Tc)/w)) (a logistic step, whose
half-height temperature is Tc by construction), written with the headers of a real lab
program (``temp_sensor_A``, ``magnet_bpar`` in mT, ``lockin_3_ResX``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from campaign_data import run_cli

from ktoanalysis.batch import load_manifest, run_series
from ktoanalysis.errors import DataFormatError, ManifestError
from ktoanalysis.io import load

TC_K = 0.62  # simulated midpoint
R_N = 850.0  # ohm
FIELD_MT = 12.5


def _write_tsv(path: Path, seed: int = 3) -> Path:
    rng = np.random.default_rng(seed)
    T = np.linspace(0.2, 1.2, 120)
    R = R_N / (1.0 + np.exp(-(T - TC_K) / 0.02)) * (1 + 0.002 * rng.standard_normal(T.size))
    lines = ["temp_sensor_A\tmagnet_bpar\tlockin_3_ResX"]
    lines += [f"{t:.6f}\t{FIELD_MT:.3f}\t{r:.6f}" for t, r in zip(T, R, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def lab_tsv(tmp_path: Path) -> Path:
    return _write_tsv(tmp_path / "cooldown.tsv")


MAP_ARGS = ["--column", "temp_sensor_A=T_K", "--column", "lockin_3_ResX=R_ohm",
            "--column", "magnet_bpar=B (mT)"]


# ------------------------------------------------------------------ Python API


def test_load_maps_headers_and_converts_stated_unit(lab_tsv):
    m = load(lab_tsv, columns={"temp_sensor_A": "T_K", "magnet_bpar": "B (mT)",
                               "lockin_3_ResX": "R_ohm"})
    assert {"T_K", "B_T", "R_ohm"} <= set(m.columns)
    np.testing.assert_allclose(m.column("B_T"), FIELD_MT * 1e-3)  # mT -> T, once
    assert m.column("T_K")[0] == pytest.approx(0.2)  # 'A' of temp_sensor_A is no ampere
    assert m.units["B_T"] == "mT" and m.original_names["R_ohm"] == "lockin_3_ResX"
    assert "unrecognised_columns" not in m.metadata


def test_load_without_mapping_lists_unrecognised(lab_tsv):
    m = load(lab_tsv)
    assert m.metadata["unrecognised_columns"] == ["temp_sensor_A", "magnet_bpar",
                                                  "lockin_3_ResX"]
    with pytest.raises(DataFormatError, match="--column ORIGINAL=CANONICAL"):
        m.resistance_column()
    with pytest.raises(DataFormatError, match="lockin_3_ResX"):
        m.column("T_K")


@pytest.mark.parametrize(("columns", "match", "expected"), [
    ({"lockin_3_ResX": "resistance_thing"}, "invalid column name", "T_K, B_T, R_ohm"),
    ({"magnet_bpar": "B (furlong)"}, "unknown unit", "oe"),
    ({"magnet_bpar": "B (K)"}, "unit of K, not T", "convertible to T"),
    ({"no_such_header": "T_K"}, "no such column", "'magnet_bpar'"),
    ({"lockin_3_ResX": 3}, "invalid column name", "canonical name"),
])
def test_bad_mappings_refused(lab_tsv, columns, match, expected):
    with pytest.raises(DataFormatError, match=match) as exc:
        load(lab_tsv, columns=columns)
    text = str(exc.value)
    assert str(lab_tsv) in text and expected in text
    assert exc.value.column == next(iter(columns)) or exc.value.column in (
        "lockin_3_ResX", "magnet_bpar")


def test_stated_unit_must_agree_with_bracketed_header(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text("field (Oe),T (K)\n10,1\n20,2\n")
    with pytest.raises(DataFormatError, match="contradicts"):
        load(p, columns={"field (Oe)": "B (mT)"})
    m = load(p, columns={"field (Oe)": "B (Oe)"})
    np.testing.assert_allclose(m.column("B_T"), [1e-3, 2e-3])


# ------------------------------------------------------------------ CLI


def test_info_warns_without_mapping(lab_tsv):
    out = run_cli(["info", str(lab_tsv), "--json"])
    assert out.exit_code == 0
    warnings = json.loads(out.stdout)["warnings"]
    assert len(warnings) == 1
    assert "no temperature, field or resistance column" in warnings[0]
    assert "'magnet_bpar'" in warnings[0] and "--column ORIGINAL=CANONICAL" in warnings[0]
    assert "--column ORIGINAL=CANONICAL" in out.stderr


def test_info_with_mapping_has_no_warning(lab_tsv):
    out = run_cli(["info", str(lab_tsv), "--json", *MAP_ARGS])
    assert out.exit_code == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["warnings"] == [] and "warning" not in out.stderr
    names = {c["name"]: c for c in summary["columns"]}
    assert names["B_T"]["max"] == pytest.approx(FIELD_MT * 1e-3)


def test_info_warns_when_only_resistance_missing(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("T (K),lockin_ResX\n1,2\n2,3\n")
    out = run_cli(["info", str(p), "--json"])
    warnings = json.loads(out.stdout)["warnings"]
    assert len(warnings) == 1 and warnings[0].startswith("no resistance column")
    ok = tmp_path / "ok.csv"
    ok.write_text("T (K),R (Ohm)\n1,2\n2,3\n")
    assert json.loads(run_cli(["info", str(ok), "--json"]).stdout)[
        "warnings"] == []


def test_fit_tc_without_mapping_exits_3_suggesting_column(lab_tsv):
    out = run_cli(["fit", "tc", str(lab_tsv)])
    assert out.exit_code == 3
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "--column" in lines[0] and "lockin_3_ResX" in lines[0]


def test_fit_tc_with_mapping_gives_simulated_tc(lab_tsv):
    # the field column is 12.5 mT: selecting it at 0.0125 T checks the mT -> T conversion
    out = run_cli(["fit", "tc", str(lab_tsv), "--json", *MAP_ARGS, "-o", "field_T=0.0125"])
    assert out.exit_code == 0, out.stderr
    unconverted = run_cli(["fit", "tc", str(lab_tsv), *MAP_ARGS, "-o", "field_T=12.5"])
    assert unconverted.exit_code == 3 and "no rows at field" in unconverted.stderr
    values = json.loads(out.stdout)["params"]
    tc = values["Tc_mid_K"]
    assert tc["value"] == pytest.approx(TC_K, abs=0.01)
    assert values["R_N_ohm"]["value"] == pytest.approx(R_N, rel=0.02)
    no_field = run_cli(["fit", "tc", str(lab_tsv), "--json", *MAP_ARGS[:4]])
    assert no_field.exit_code == 0, no_field.stderr
    assert json.loads(no_field.stdout)["params"]["Tc_mid_K"]["value"] == pytest.approx(
        TC_K, abs=0.01)


@pytest.mark.parametrize(("arg", "match"), [
    ("lockin_3_ResX", "not of the form ORIGINAL=CANONICAL"),
    ("=R_ohm", "empty header or name"),
    ("lockin_3_ResX=", "empty header or name"),
    ("lockin_3_ResX=Resistance_X", "invalid column name"),
    ("magnet_bpar=B (furlong)", "unknown unit"),
])
def test_fit_bad_column_syntax_exits_3_one_line(lab_tsv, arg, match):
    out = run_cli(["fit", "tc", str(lab_tsv), "--column", arg])
    assert out.exit_code == 3
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and match in lines[0]
    info = run_cli(["info", str(lab_tsv), "--column", arg])
    assert info.exit_code == 3 and match in info.stderr


# ------------------------------------------------------------------ manifest


def test_manifest_columns_defaults_and_row(tmp_path):
    _write_tsv(tmp_path / "a.tsv", seed=1)
    _write_tsv(tmp_path / "b.tsv", seed=2)
    man = tmp_path / "m.toml"
    man.write_text("""
[defaults]
kind = "tc"
columns = { temp_sensor_A = "T_K", lockin_3_ResX = "R_ohm" }

[[run]]
sample = "A"
file = "a.tsv"

[[run]]
sample = "B"
file = "b.tsv"
columns = { magnet_bpar = "B (mT)" }
options = { field_T = 0.0125 }
""")
    m = load_manifest(man)
    assert m.rows[0].columns == {"temp_sensor_A": "T_K", "lockin_3_ResX": "R_ohm"}
    assert m.rows[1].columns == {"temp_sensor_A": "T_K", "lockin_3_ResX": "R_ohm",
                                 "magnet_bpar": "B (mT)"}
    series = run_series(m, tmp_path / "out", plots=False)
    assert len(series.failures) == 0
    np.testing.assert_allclose(series.results["Tc_mid_K"].to_numpy(dtype=float), TC_K,
                               atol=0.01)


def test_manifest_csv_columns_cell(tmp_path):
    _write_tsv(tmp_path / "a.tsv")
    man = tmp_path / "m.csv"
    cell = json.dumps({"temp_sensor_A": "T_K", "lockin_3_ResX": "R_ohm"}).replace('"', '""')
    man.write_text(f'sample,file,kind,columns\nA,a.tsv,tc,"{cell}"\n')
    m = load_manifest(man)
    assert m.rows[0].columns["lockin_3_ResX"] == "R_ohm"


def test_manifest_without_columns_row_fails_with_hint(tmp_path):
    _write_tsv(tmp_path / "a.tsv")
    man = tmp_path / "m.toml"
    man.write_text('[[run]]\nsample = "A"\nfile = "a.tsv"\nkind = "tc"\n')
    series = run_series(load_manifest(man), tmp_path / "out", plots=False)
    assert len(series.failures) == 1
    assert "--column" in series.failures["message"].iloc[0]


@pytest.mark.parametrize(("text", "match"), [
    ('columns = { lockin_3_ResX = "Resistanz" }', r"row 1.*columns\.lockin_3_ResX"),
    ('columns = { magnet_bpar = "B (furlong)" }', r"columns\.magnet_bpar.*unknown unit"),
    ('columns = "lockin_3_ResX=R_ohm"', r"row 1.*field 'columns': expected a table"),
    ('columns = { lockin_3_ResX = 5 }', r"columns\.lockin_3_ResX.*invalid column name"),
])
def test_manifest_bad_columns_are_structural(tmp_path, text, match):
    _write_tsv(tmp_path / "a.tsv")
    man = tmp_path / "m.toml"
    man.write_text(f'[[run]]\nsample = "A"\nfile = "a.tsv"\nkind = "tc"\n{text}\n')
    with pytest.raises(ManifestError, match=match):
        load_manifest(man)


def test_manifest_bad_columns_in_defaults(tmp_path):
    _write_tsv(tmp_path / "a.tsv")
    man = tmp_path / "m.toml"
    man.write_text('[defaults]\ncolumns = { x = "nope" }\n'
                   '[[run]]\nsample = "A"\nfile = "a.tsv"\nkind = "tc"\n')
    with pytest.raises(ManifestError, match=r"\[defaults\], field 'columns\.x'"):
        load_manifest(man)
