"""Manifest parsing and validation (TOML and CSV; structural vs data problems)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktoanalysis.batch import SELFTEST_KINDS, load_manifest
from ktoanalysis.errors import ManifestError


def _toml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "m.toml"
    p.write_text(text)
    return p


def test_toml_defaults_units_and_paths(tmp_path, write_rt):
    (tmp_path / "A").mkdir()
    for name in ("IV_2K.csv", "IV_1K.csv", "RT.csv"):
        write_rt(tmp_path / "A" / name, 1.0, seed=1)
    m = load_manifest(_toml(tmp_path, """
[defaults]
kind = "tc"
orientation = 111
options = { mid_fraction = 0.5, onset_fraction = 0.9 }

[[run]]
sample = "A"
file = "A/RT.csv"
n2d_cm2 = 3.5e13
channel = 2
polarization = "up"
[run.options]
onset_fraction = 0.8

[[run]]
files = "A/IV_*.csv"
orientation = "(001)"
Vg_V = -20
"""))
    r1, r2 = m.rows
    assert (r1.index, r1.sample, r1.kind, r1.orientation) == (1, "A", "tc", "111")
    # 1 cm^-2 = 1e4 m^-2
    assert r1.n2d_m2 == pytest.approx(3.5e17, rel=1e-15)
    assert r1.files == (str((tmp_path / "A" / "RT.csv").resolve()),)
    assert r1.options == {"mid_fraction": 0.5, "onset_fraction": 0.8}
    assert r1.metadata()["channel"] == 2 and r1.polarization == "up"
    # a glob expands to the sorted matches; the sample defaults to the first entry's stem
    assert [Path(f).name for f in r2.files] == ["IV_1K.csv", "IV_2K.csv"]
    assert r2.sample == "IV_*" and r2.orientation == "001" and r2.Vg_V == -20.0
    assert r2.n2d_m2 is None and not r2.missing


def test_csv_manifest_options_and_multiple_files(tmp_path, write_rt):
    for name in ("a.csv", "b.csv"):
        write_rt(tmp_path / name, 1.0, seed=2)
    p = tmp_path / "m.csv"
    p.write_text(
        "# a comment line\n"
        "sample,files,kind,orientation,n2d_cm2,channel,options,opt.onset_fraction\n"
        'S1,a.csv;b.csv,tc,110,2e13,1,"{""mid_fraction"": 0.4}",0.85\n'
        "S2,a.csv,tc,,,,,\n")
    r1, r2 = load_manifest(p).rows
    assert [Path(f).name for f in r1.files] == ["a.csv", "b.csv"]
    assert r1.options == {"mid_fraction": 0.4, "onset_fraction": 0.85}
    assert (r1.orientation, r1.channel) == ("110", 1)
    assert r1.n2d_m2 == pytest.approx(2e17)
    assert (r2.orientation, r2.n2d_m2, r2.options) == (None, None, {})


@pytest.mark.parametrize(("body", "field", "problem"), [
    ('kind = "no-such-kind"', "kind", "unknown analysis kind"),
    ('n2d_cm2 = "lots"', "n2d_cm2", "expected a number"),
    ("n2d_cm2 = -1e13", "n2d_cm2", "positive"),
    ('orientation = "100"', "orientation", "unknown orientation"),
    ('orientation = 1', "orientation", "unknown orientation"),
    ("Vg_V = true", "Vg_V", "expected a number"),
    ("n2d = 1e13", "n2d", "unknown field"),
    ("channel = 0", "channel", "channel number"),
    ("options = { no_such_option = 1 }", "options.no_such_option", "not accepted"),
    ('files = []', "files", "expected a path"),
])
def test_structural_errors_name_row_sample_and_field(tmp_path, write_rt, body, field, problem):
    write_rt(tmp_path / "ok.csv", 1.0, seed=3)
    fields = {"sample": '"B7"', "kind": '"tc"', "file": '"ok.csv"'}
    key, value = body.split(" = ", 1)
    if key == "files":
        del fields["file"]
    fields[key] = value
    bad = "\n".join(f"{k} = {v}" for k, v in fields.items())
    p = _toml(tmp_path, f"""
[[run]]
sample = "good"
kind = "tc"
file = "ok.csv"

[[run]]
{bad}
""")
    with pytest.raises(ManifestError) as err:
        load_manifest(p)
    msg = str(err.value)
    assert "row 2" in msg and "'B7'" in msg and f"'{field}'" in msg and problem in msg
    assert "m.toml" in msg


@pytest.mark.parametrize(("text", "problem"), [
    ("[[run]\nsample = 1", "not valid TOML"),
    ("[defaults]\nkind = 'tc'\n", "no rows"),
    ("[[runs]]\nsample = 'x'\n", "unknown top-level key"),
])
def test_unparsable_manifest(tmp_path, text, problem):
    with pytest.raises(ManifestError, match=problem):
        load_manifest(_toml(tmp_path, text))


def test_missing_manifest_and_format(tmp_path):
    with pytest.raises(ManifestError, match="not found"):
        load_manifest(tmp_path / "nope.toml")
    (tmp_path / "m.yaml").write_text("run: []")
    with pytest.raises(ManifestError, match="unknown manifest format"):
        load_manifest(tmp_path / "m.yaml")


def test_csv_type_error_names_row_and_field(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=4)
    p = tmp_path / "m.csv"
    p.write_text("sample,file,kind,n2d_cm2\nS1,a.csv,tc,1e13\nS2,a.csv,tc,1e13cm\n")
    with pytest.raises(ManifestError, match=r"row 2 \(sample 'S2'\), field 'n2d_cm2'"):
        load_manifest(p)


def test_missing_file_is_a_row_problem_unless_strict(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=5)
    p = _toml(tmp_path, """
[defaults]
kind = "tc"
[[run]]
sample = "ok"
file = "a.csv"
[[run]]
sample = "gone"
file = "lost.csv"
[[run]]
sample = "noglob"
files = "none_*.csv"
""")
    rows = load_manifest(p).rows
    assert [r.missing for r in rows] == [(), ("lost.csv",), ("none_*.csv",)]
    with pytest.raises(ManifestError, match=r"row 2 \(sample 'gone'\), field 'files'.*lost"):
        load_manifest(p, strict=True)


def test_selftest_kind_only_when_allowed(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=6)
    p = _toml(tmp_path, '[[run]]\nsample = "x"\nkind = "selftest"\nfile = "a.csv"\n')
    with pytest.raises(ManifestError, match="unknown analysis kind 'selftest'"):
        load_manifest(p)
    (row,) = load_manifest(p, extra_kinds=SELFTEST_KINDS).rows
    assert row.module == "ktoanalysis.batch._selftest"


def test_columns_field_merged_and_checked(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=1)
    m = load_manifest(_toml(tmp_path, """
[defaults]
kind = "tc"
columns = { Temp = "T_K", Rx = "R_ohm" }

[[run]]
file = "a.csv"
columns = { Rx = "R (kOhm)" }
"""))
    assert m.rows[0].columns == {"Temp": "T_K", "Rx": "R (kOhm)"}
    from ktoanalysis.batch import make_job

    assert make_job(m.rows[0])["columns"] == {"Temp": "T_K", "Rx": "R (kOhm)"}
    assert "columns" not in m.rows[0].metadata()  # not a results-table column


def test_csv_columns_cell_must_be_a_json_object(tmp_path, write_rt):
    write_rt(tmp_path / "a.csv", 1.0, seed=1)
    p = tmp_path / "m.csv"
    p.write_text('sample,file,kind,columns\nA,a.csv,tc,"{""Temp"": ""T_K""}"\n'
                 'B,a.csv,tc,Temp=T_K\n')
    with pytest.raises(ManifestError, match=r"row 2, field 'columns': not a JSON object"):
        load_manifest(p)
    p.write_text('sample,file,kind,columns\nA,a.csv,tc,"{""Temp"": ""T (furlong)""}"\n')
    with pytest.raises(ManifestError, match=r"row 1.*field 'columns\.Temp'.*unknown unit"):
        load_manifest(p)
