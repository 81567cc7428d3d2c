"""Bad input to ``load``: every problem is a DataFormatError naming file, line, column."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktoanalysis.errors import DataFormatError, KtoError
from ktoanalysis.io import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _write(tmp_path: Path, text: str | bytes, name: str = "bad.csv") -> Path:
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return p


def test_missing_file_is_a_data_format_error(tmp_path):
    with pytest.raises(DataFormatError, match="not found") as exc:
        load(tmp_path / "nope.csv")
    assert not isinstance(exc.value, FileNotFoundError)
    assert exc.value.file == str(tmp_path / "nope.csv")
    with pytest.raises(DataFormatError, match="directory"):
        load(tmp_path)


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"  \n\n\t\n", "empty"),
    (b"T (K),R (Ohm)\n\x00\x01\x02\x03", "binary"),
    (bytes(range(1, 32)) * 20, "binary"),
    (b"# only a comment\n", "no header"),
    (b"T (K),R (Ohm)\n", "no data rows"),
    (b"T (K),R (Ohm)\n\n# trailing comment\n", "no data rows"),
    (b"[Header]\nTITLE, x\nBYAPP, Resistivity\n", "no \\[Data\\]"),
    (b"[Header]\nTITLE, x\n[Data]\n", "no column header"),
    (b"[Header]\n[Data]\nTemperature (K),Bridge 1 Resistance (Ohms)\n", "no data rows"),
    (b"T (K),R (Ohm)\n,\n,\n", "no numeric data"),
])
def test_unusable_files(tmp_path, content, match):
    with pytest.raises(DataFormatError, match=match):
        load(_write(tmp_path, content))


def test_text_in_numeric_column_names_line_and_column(tmp_path):
    p = _write(tmp_path, "# c\nT (K),R (Ohm)\n1.0,2.0\n1.5,abc\n")
    with pytest.raises(DataFormatError) as exc:
        load(p)
    e = exc.value
    assert (e.file, e.line, e.column, e.expected) == (str(p), 4, "R (Ohm)", "a number")
    assert "line 4" in str(e) and "'abc'" in str(e)


def test_truncated_csv_and_qd(tmp_path):
    p = _write(tmp_path, "T (K),R (Ohm),B (T)\n1.0,2.0,0.1\n1.5,2.5,0.2\n2.0,3")
    with pytest.raises(DataFormatError, match="truncated") as exc:
        load(p)
    assert exc.value.line == 4
    text = (FIXTURES / "qd_act_synthetic.dat").read_text()
    cut = text[: text.rfind(",,") - 30]  # cut in the middle of the last row
    with pytest.raises(DataFormatError, match="truncated"):
        load(_write(tmp_path, cut, "cut.dat"))
    header_only = text[: text.index("[Data]") - 5]
    with pytest.raises(DataFormatError, match="Data"):
        load(_write(tmp_path, header_only, "cut2.dat"))


def test_row_longer_than_header(tmp_path):
    p = _write(tmp_path, "T (K),R (Ohm)\n1,2\n3,4,5\n")
    with pytest.raises(DataFormatError, match="3 fields") as exc:
        load(p)
    assert exc.value.line == 3


def test_explicit_columns_errors(tmp_path):
    p = _write(tmp_path, "Temp,B (Oe)\n1,2\n")
    with pytest.raises(DataFormatError, match="no such column") as exc:
        load(p, columns={"Temperature": "T_K"})
    assert exc.value.column == "Temperature" and "'Temp'" in str(exc.value)
    with pytest.raises(DataFormatError, match="out of range"):
        load(p, columns={5: "T_K"})
    with pytest.raises(DataFormatError, match="does not match"):
        load(p, columns={"B (Oe)": "T_K"})  # a field unit for a temperature name
    with pytest.raises(DataFormatError, match="two columns"):
        load(p, columns={"Temp": "T_K", 1: "T_K"})
    with pytest.raises(DataFormatError, match="invalid column name"):
        load(p, columns={"Temp": "T K"})


def test_bad_user_metadata(tmp_path):
    p = _write(tmp_path, "T (K),R (Ohm)\n1,2\n")
    with pytest.raises(DataFormatError, match="not a number"):
        load(p, n2d_cm2="lots")


def test_only_kto_errors_escape_for_odd_text(tmp_path):
    odd = ["\ufeffT (K),R (Ohm)\n1,2\n", "a\rb\rc\r", '"T (K)","R\n1,"2\n', "[Data]\n\n\n",
           "[Header]\n[Data]\nx\n[Data]\n[Data]\ny\n", ";;;\n;;;\n", "T (K)\n1e999\n",
           "# a: b\n# sample:\n# channel: \u00b2\nT (K)\n1\n"]
    for k, text in enumerate(odd):
        p = _write(tmp_path, text, f"odd{k}.csv")
        try:
            m = load(p)
        except KtoError:
            continue
        assert len(m.data) > 0


def test_column_lookup_ignores_the_case_of_a_lower_cased_header(tmp_path):
    """An unrecognised header is kept lower-cased (``R_err (Ohm)`` -> ``r_err_ohm``): an
    option naming it as written (``R_err_ohm``) still finds it; an absent one still fails."""
    from ktoanalysis.io import load

    p = tmp_path / "wal.csv"
    p.write_text("B (T),R (Ohm),R_err (Ohm)\n0,100,0.1\n0.01,100.5,0.1\n0.02,101,0.1\n")
    m = load(p)
    assert list(m.column("R_err_ohm")) == [0.1, 0.1, 0.1]
    with pytest.raises(DataFormatError, match="no column"):
        m.column("R_missing_ohm")
