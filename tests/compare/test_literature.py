"""The literature Tc table: format, vocabulary, and values cross-checked in the papers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED  # tests/conftest.py: the shared folder beside the repository

from ktoanalysis.compare.literature import (
    LITERATURE_COLUMNS,
    ORIENTATIONS,
    PAPER_FILES,
    TC_CRITERIA,
    data_path,
    load_literature,
    normalize_orientation,
)
from ktoanalysis.errors import DataFormatError

PAPERS = SHARED / "papers"


def paper_text(name: str) -> str:
    path = PAPERS / name
    if not path.exists():
        pytest.skip(f"paper text not available: {path}")
    return path.read_text(encoding="utf-8")


def test_bundled_csv_header_and_types():
    path = data_path("literature_tc.csv")
    assert path.is_file()
    with path.open(encoding="utf-8") as fh:
        assert fh.readline().strip() == ",".join(LITERATURE_COLUMNS)
    df = load_literature()
    assert list(df.columns) == list(LITERATURE_COLUMNS)
    assert len(df) >= 20
    assert (df["Tc_K"] > 0).all()
    assert df["orientation"].isin(ORIENTATIONS).all()
    assert df["Tc_criterion"].isin(TC_CRITERIA).all()
    assert df["source_file"].isin(PAPER_FILES).all()
    assert (df["location"].str.len() > 0).all()
    n = df["n2d_cm2"].dropna()
    # Hall densities of KTaO3 interfaces: 1e13 .. 1e15 cm^-2
    assert ((n > 1e13) & (n < 1e15)).all()


def test_table1_of_004_mmodels_row_13():
    # 004_5aba75fef312435d.txt Table 1 (MODELS.md section 11 row 13): Exp. T_C^zero
    df = load_literature()
    t1 = df[(df["source_file"] == "004_5aba75fef312435d.txt") & (df["Tc_criterion"] == "zero")]
    t1 = t1.sort_values("n2d_cm2")
    np.testing.assert_allclose(t1["n2d_cm2"], [3.8e13, 4.3e13, 5.8e13, 8.9e13, 9.8e13])
    np.testing.assert_allclose(t1["Tc_K"], [0.60, 0.74, 0.80, 1.79, 1.86])
    assert (t1["orientation"] == "111").all()
    assert (t1["overlayer"] == "a-CaZrO3").all()


def test_tc_density_slope_of_004():
    # 004: 'linear increase with n_S with a T_C-n_S slope of ~2.84e-14 K cm^2' (Tc = R_4K/2);
    # MODELS.md section 11 row 11: end points give 2.89e-14 (within 3 %).
    df = load_literature()
    mid = df[(df["source_file"] == "004_5aba75fef312435d.txt") & (df["Tc_criterion"] == "mid")]
    mid = mid.sort_values("n2d_cm2")
    slope = np.diff(mid["Tc_K"].to_numpy())[0] / np.diff(mid["n2d_cm2"].to_numpy())[0]
    assert slope == pytest.approx(2.84e-14, rel=0.03)


def test_bkt_below_onset_and_pauli_rule_of_003():
    df = load_literature()
    # 002: T_zero < T_BKT < T_onset for the LaAlO3 sample (MODELS.md section 10 item 3)
    lao = df[df["sample"] == "a-LAO/KTO(111)"].set_index("Tc_criterion")["Tc_K"]
    assert lao["zero"] < lao["BKT_IV"] < lao["BKT_HN"] < lao["onset"]
    # 003: B_P = 1.86 T/K x Tc spans 0.6-0.9 T (MODELS.md section 11 row 19)
    lto = df[df["source_file"] == "003_3b17df2a45bebe00.txt"]["Tc_K"].sort_values()
    np.testing.assert_allclose(1.86 * lto.to_numpy(), [0.6, 0.9], rtol=0.01)


@pytest.mark.realdata
def test_every_value_is_printed_in_its_paper():
    """Each Tc (and density) appears in the text of the paper the row cites, except rows
    whose note says the value is derived."""
    df = load_literature()
    for _, row in df.iterrows():
        text = paper_text(row["source_file"])
        if row["note"].startswith("derived"):
            continue
        tc = row["Tc_K"]
        candidates = {f"{tc:g}", f"{tc:.2f}", f"{tc:.1f}", f"{tc * 1000:g}"}
        assert any(re.search(rf"(?<![\d.]){re.escape(c)}(?!\d)", text) for c in candidates), (
            f"Tc {tc} of {row['sample']} not found in {row['source_file']}")
        if np.isfinite(row["n2d_cm2"]):
            mant = row["n2d_cm2"] / 10 ** np.floor(np.log10(row["n2d_cm2"]))
            assert re.search(rf"(?<![\d.]){mant:g}(?!\d)", text), (
                f"density {row['n2d_cm2']} not found in {row['source_file']}")


@pytest.mark.realdata
def test_table1_rows_in_paper_text():
    # Table 1 of 004 as printed: first and last columns are n_S and Exp. T_C^zero
    text = paper_text("004_5aba75fef312435d.txt")
    for n, tc in [(3.8, 0.60), (4.3, 0.74), (5.8, 0.80), (8.9, 1.79), (9.8, 1.86)]:
        assert re.search(rf"^{n}\t{tc:.2f}.*\t{tc:.2f}\s*$", text, flags=re.M), (n, tc)


def test_orientation_normalisation():
    assert normalize_orientation(1) == "001"
    assert normalize_orientation(111) == "111"
    assert normalize_orientation("(110)") == "110"
    assert normalize_orientation(float("nan")) == ""


@pytest.mark.parametrize("mutate, column", [
    (lambda d: d.assign(Tc_K="-0.5"), "Tc_K"),
    (lambda d: d.assign(Tc_K="warm"), "Tc_K"),
    (lambda d: d.assign(Tc_criterion="half"), "Tc_criterion"),
    (lambda d: d.assign(orientation="100"), "orientation"),
    (lambda d: d.assign(source_file=""), "source_file"),
])
def test_bad_rows_name_file_line_column(tmp_path: Path, mutate, column):
    good = pd.read_csv(data_path("literature_tc.csv"), dtype=str, keep_default_na=False)
    bad = mutate(good.head(2).copy())
    path = tmp_path / "lit.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataFormatError) as info:
        load_literature(path)
    assert info.value.column == column
    assert info.value.line == 2
    assert str(path) in str(info.value)


def test_bad_header_and_missing_file(tmp_path: Path):
    with pytest.raises(DataFormatError, match="not found"):
        load_literature(tmp_path / "nope.csv")
    path = tmp_path / "lit.csv"
    path.write_text("Tc,orientation\n1,111\n")
    with pytest.raises(DataFormatError, match="header"):
        load_literature(path)
