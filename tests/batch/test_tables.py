"""Tables that load cleanly: orientation labels, cm^-2 densities, read_results restoring
every dtype (CSV and Parquet), and the long table checked against the wide one."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.batch import run_series
from ktoanalysis.batch.tables import (
    LONG_COLUMNS,
    long_table,
    orientation_label,
    parameter_unit,
    parquet_available,
    read_results,
)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """Two tc rows, one (001) row with a sample named NA, one missing file."""
    from .conftest import write_rt

    base = tmp_path_factory.mktemp("tables")
    (base / "data").mkdir()
    for i, tc in enumerate([0.9, 1.3]):
        write_rt(base / "data" / f"S{i}.csv", tc, seed=40 + i)
    base.joinpath("m.toml").write_text(
        '[defaults]\nkind = "tc"\norientation = "111"\n'
        '[[run]]\nsample = "S0"\nfile = "data/S0.csv"\nn2d_cm2 = 2.5e13\n'
        '[[run]]\nsample = "NA"\nfile = "data/S1.csv"\norientation = "001"\n'
        'n2d_cm2 = 7e13\noptions = { mid_fraction = 0.4 }\n'
        '[[run]]\nsample = "gone"\nfile = "data/none.csv"\n')
    series = run_series(base / "m.toml", base / "out", plots=False)
    return base / "out", series


def test_orientation_stays_a_string_in_plain_pandas(finished):
    out, _ = finished
    plain = pd.read_csv(out / "results.csv")
    assert list(plain["orientation"]) == ["(111)", "(001)"]
    assert pd.api.types.is_string_dtype(plain["orientation"])
    assert orientation_label(1) == orientation_label("001") == "(001)"
    assert orientation_label(None) == "" and orientation_label("(110)") == "(110)"


def test_densities_in_cm2_only(finished):
    out, _ = finished
    header = (out / "results.csv").read_text().splitlines()[0].split(",")
    assert "n2d_cm2" in header and not [c for c in header if c.endswith("_m2")]
    table = read_results(out)
    np.testing.assert_allclose(table["n2d_cm2"], [2.5e13, 7e13], rtol=1e-15)


def test_read_results_restores_every_dtype(finished):
    out, series = finished
    table = read_results(out / "results.csv")
    pd.testing.assert_frame_equal(table, series.results)
    assert table["row"].dtype == np.int64 and list(table["sample"]) == ["S0", "NA"]
    assert table["Tc_mid_K"].dtype == np.float64 and table["Vg_V"].isna().all()
    assert table["quality"].dtype == object and table["flags"].map(type).eq(str).all()
    bools = [c for c in table.columns if str(table[c].dtype) == "boolean"]
    assert all(c.startswith("stat_") for c in bools)
    fails = read_results(out / "failures.csv")
    assert list(fails["sample"]) == ["gone"] and fails["row"].dtype == np.int64
    pd.testing.assert_frame_equal(read_results(out / "results_long.csv"), series.long)
    if parquet_available():
        pd.testing.assert_frame_equal(read_results(out / "results.parquet"), table)
        pd.testing.assert_frame_equal(read_results(out / "results_long.parquet"),
                                      series.long)
    else:
        assert not (out / "results.parquet").exists()


def test_long_table_matches_the_wide_one(finished):
    out, _ = finished
    wide = read_results(out)
    long = pd.read_csv(out / "results_long.csv", keep_default_na=False, na_values=[""])
    assert tuple(long.columns) == LONG_COLUMNS
    for _, r in long.iterrows():
        w = wide[wide["row"] == r["row"]].iloc[0]
        assert r["sample"] == w["sample"] and r["kind"] == "tc"
        assert r["value"] == w[r["parameter"]]
        err = w[f"{r['parameter']}_err"] if f"{r['parameter']}_err" in w else math.nan
        assert (math.isnan(r["stderr"]) and math.isnan(err)) or r["stderr"] == err
        assert r["verdict"] == w["quality"]
    tc_mid = long[long["parameter"] == "Tc_mid_K"]
    assert list(tc_mid["unit"]) == ["K", "K"] and list(tc_mid["row"]) == [1, 2]
    assert set(long.loc[long["parameter"] == "R_N_ohm", "unit"]) == {"Ohm"}


def test_long_table_units_and_hall_density():
    wide = pd.DataFrame([{"row": 1, "sample": "H", "kind": "hall", "quality": "warn",
                          "flags": "x", "fit_n2d_cm2": 3.8e13, "fit_n2d_cm2_err": 2e9,
                          "mobility_cm2_Vs": 120.0, "mobility_cm2_Vs_err": 0.5,
                          "stat_ndata": 10.0}])
    long = long_table(wide, ("row", "sample", "kind"))
    assert list(long["parameter"]) == ["fit_n2d_cm2", "mobility_cm2_Vs"]
    assert list(long["unit"]) == ["cm^-2", "cm^2/(V s)"]
    assert list(long["stderr"]) == [2e9, 0.5] and set(long["verdict"]) == {"warn"}
    assert parameter_unit("T_BKT_K") == "K" and parameter_unit("alpha") == ""


def test_resolved_options_verdict_and_flags_in_every_output(finished):
    from ktoanalysis.transport import tc

    out, series = finished
    table = read_results(out)
    for i, given in ((0, {}), (1, {"mid_fraction": 0.4})):
        want = tc.SPEC.resolve(given)
        in_table = json.loads(table["options"].iloc[i])
        record = json.loads((out / "rows" / f"{i + 1}.json").read_text())
        for opts in (in_table, record["options"]):
            for k, v in want.items():  # every declared option, defaults included
                assert opts[k] == (list(v) if isinstance(v, tuple) else v), k
        assert record["quality"]["verdict"] == table["quality"].iloc[i]
        assert [f["code"] for f in record["quality"]["flags"]] == \
            [c for c in table["flags"].iloc[i].split(";") if c]
