"""Gate and polarization series (ktoanalysis.compare.series, batch series/ outputs).

Truths: simulated hysteresis loops written here in closed form. A ferroelectric-like
response ``P = tanh((V - s Vc)/w)`` (``s = +1`` on the up branch, ``-1`` on the down
branch) shifts the two branches by +/- Vc, so any level between the saturated values is
crossed at ``V* = +/- Vc + w artanh(level)``: loop width ``V*_up - V*_down = 2 Vc`` for
every level, and the remanent difference at V = 0 is ``a (tanh(Vc/w) - tanh(-Vc/w))``
for ``q = q0 + a P``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.compare.series import (
    analyze_series,
    hysteresis,
    polarization_order,
    summary_lines,
    sweep_branches,
)


def _loop_table(rng, *, Vc=25.0, w=40.0, a=0.08, T0=0.7, step=25.0, Vmax=100.0,
                sig=3e-4, virgin=False, sample="G", orientation="111", hall=False,
                slope=2.84e-14, n0=5e13):
    """Results table of a gate loop -Vmax -> +Vmax -> -Vmax (tc rows, optional hall rows;
    optional virgin sweep 0 -> +Vmax first) and its truths."""
    up = np.arange(-Vmax, Vmax + 1e-9, step)
    V = np.concatenate([up, up[::-1][1:]])
    s = np.array([1] * up.size + [-1] * (up.size - 1))
    if virgin:
        v0 = np.arange(0, Vmax, step)
        V = np.concatenate([v0, up[::-1], up[1:]])
        s = np.array([1] * v0.size + [-1] * up.size + [1] * (up.size - 1))
    P = np.tanh((V - s * Vc) / w)
    if virgin:  # the virgin sweep starts unpolarized
        P[: v0.size] = 0.5 * np.tanh((V[: v0.size] - Vc) / w)
    Tc = T0 + a * P
    n = n0 + (Tc - T0) / slope
    rows = []
    for v, t, nn in zip(V, Tc, n, strict=True):
        rows.append({"sample": sample, "kind": "tc", "orientation": orientation, "Vg_V": v,
                     "polarization": "", "Tc_mid_K": t + sig * rng.standard_normal(),
                     "Tc_mid_K_err": sig, "R_N_ohm": 1000.0 / (1 + 0.1 * (t - T0) / a),
                     "R_N_ohm_err": 0.5, "quality": "ok", "n2d_cm2": math.nan})
        if hall:
            rows.append({"sample": sample, "kind": "hall", "orientation": orientation,
                         "Vg_V": v, "polarization": "", "fit_n2d_cm2": nn,
                         "fit_n2d_cm2_err": 1e9, "quality": "ok", "n2d_cm2": math.nan})
    df = pd.DataFrame(rows)
    df.insert(0, "row", np.arange(1, len(df) + 1))
    truth = {"width": 2 * Vc, "rem": a * (np.tanh(Vc / w) - np.tanh(-Vc / w))}
    return df, truth


def test_sweep_branches_from_the_order_of_the_voltages():
    b, seg, turn = sweep_branches([-1, 0, 1, 0, -1])
    assert b == ["up", "up", "up", "down", "down"]
    assert seg == [0, 0, 0, 1, 1]
    assert turn == [False, False, True, False, False]
    # a repeated voltage keeps the running direction; all equal: no direction
    assert sweep_branches([0, 1, 1, 0])[0] == ["up", "up", "up", "down"]
    assert sweep_branches([2, 2, 2])[0] == ["", "", ""]


def test_loop_uses_the_full_segments_not_the_virgin_sweep():
    rng = np.random.default_rng(3)
    df, truth = _loop_table(rng, virgin=True)
    an = analyze_series(df)
    (g,) = an.gate
    pts = an.points
    # the virgin sweep 0 -> +75 is not in the loop
    virgin = pts.iloc[:4]
    assert not virgin["in_loop"].any()
    assert g["branches"] == {"up": 9, "down": 9}
    h = g["hysteresis"]["Tc_K"]
    assert abs(h["loop_width_V"] - truth["width"]) <= 3 * h["loop_width_V_err"]
    assert abs(h["remanent_diff"] - truth["rem"]) <= 3 * h["remanent_diff_err"]


def test_noise_free_loop_closed_forms():
    """Dense, noise-free loop: width 2 Vc and the remanent difference at a measured
    V_G = 0 (no interpolation there: zero sampling error)."""
    V = np.arange(-150, 150.1, 5.0)
    Vc, w = 30.0, 25.0
    Vall = np.concatenate([V, V[::-1]])
    br = ["up"] * V.size + ["down"] * V.size
    q = np.concatenate([np.tanh((V - Vc) / w), np.tanh((V[::-1] + Vc) / w)])
    h = hysteresis(Vall, q, None, br)
    assert h["loop_width_V"] == pytest.approx(2 * Vc, abs=0.05)
    assert h["V_cross_up_V"] == pytest.approx(Vc, abs=0.05)
    assert h["remanent_diff"] == pytest.approx(2 * np.tanh(Vc / w), rel=1e-9)
    assert h["remanent_diff_sampling"] == 0.0
    # a level of our choosing: the width is the same (shifted branches)
    h2 = hysteresis(Vall, q, None, br, level=0.5)
    assert h2["V_cross_up_V"] == pytest.approx(Vc + w * np.arctanh(0.5), abs=0.05)
    assert h2["loop_width_V"] == pytest.approx(2 * Vc, abs=0.05)


@pytest.mark.parametrize("seed", [1, 2])
def test_gate_series_with_known_hysteresis_within_errors(seed):
    rng = np.random.default_rng(seed)
    df, truth = _loop_table(rng, Vc=22.0, w=35.0, hall=True)
    an = analyze_series(df)
    (g,) = an.gate
    h = g["hysteresis"]["Tc_K"]
    assert not h["flags"]
    assert abs(h["loop_width_V"] - truth["width"]) <= 3 * h["loop_width_V_err"]
    assert abs(h["remanent_diff"] - truth["rem"]) <= 3 * h["remanent_diff_err"]
    # the Hall densities are matched per branch: Tc(n2D) is one line of known slope
    assert (an.points["n2d_source"] == "hall").all()
    sl = g["tc_density_slope"]
    assert abs(sl["slope_K_cm2"] - 2.84e-14) <= 3 * sl["slope_K_cm2_err"]
    assert "(111)" in an.slopes
    assert "n2d_cm2" in g["hysteresis"] and "G_s_S" in g["hysteresis"]
    assert any("loop width" in line for line in summary_lines(an.to_dict()))
    json.dumps(an.to_dict(), allow_nan=False)  # strict JSON


def test_sweep_column_overrides_the_order():
    rng = np.random.default_rng(4)
    df, truth = _loop_table(rng)
    n_up = np.arange(-100, 100.1, 25).size
    df["sweep"] = ["up" if r <= n_up else "down" for r in df["row"]]
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    shuffled["row"] = np.arange(1, len(df) + 1)  # manifest order no longer the sweep
    h = analyze_series(shuffled).gate[0]["hysteresis"]["Tc_K"]
    assert h["n_up"] == n_up and h["n_down"] == n_up - 1
    assert abs(h["loop_width_V"] - truth["width"]) <= 3 * h["loop_width_V_err"]


def test_unsupported_numbers_are_none_with_a_flag():
    up = np.array([-50.0, 0.0, 50.0])
    h = hysteresis(up, [0.1, 0.2, 0.3], [0.01] * 3, ["up"] * 3)
    assert h["loop_width_V"] is None and h["remanent_diff"] is None
    assert [f["code"] for f in h["flags"]] == ["single_branch"]
    V = np.array([10.0, 30, 50, 50, 30, 10])
    h = hysteresis(V, [0.1, 0.2, 0.3, 0.3, 0.25, 0.15], None, ["up"] * 3 + ["down"] * 3)
    assert h["remanent_diff"] is None
    assert "ref_outside_range" in [f["code"] for f in h["flags"]]


def test_failed_rows_left_out():
    rng = np.random.default_rng(6)
    df, _ = _loop_table(rng)
    df.loc[2, "quality"] = "fail"
    an = analyze_series(df)
    assert 3 not in set(an.points["row"])
    assert an.flags[0]["code"] == "rows_left_out"


def test_polarization_states_and_contrast():
    df = pd.DataFrame({
        "row": [1, 2, 3, 4], "sample": "P", "kind": "tc", "orientation": "(111)",
        "Vg_V": math.nan, "polarization": ["down", "up", "up", "down"],
        "Tc_mid_K": [0.50, 0.90, 0.92, 0.52], "Tc_mid_K_err": 0.01,
        "R_N_ohm": [3000.0, 1000.0, 1000.0, 3000.0], "R_N_ohm_err": 1.0,
        "quality": "ok", "n2d_cm2": math.nan})
    (p,) = analyze_series(df).polarization
    assert [s["polarization"] for s in p["states"]] == ["up", "down"]
    c = p["contrast"]
    assert c["Tc_diff_K"] == pytest.approx(0.51 - 0.91)
    # each state: two rows 0.02 K apart with 0.01 K errors, chi2/dof = 2, so the error of
    # the mean 0.01/sqrt(2) is scaled by sqrt(2) (scatter beyond the errors)
    assert c["Tc_diff_K_err"] == pytest.approx(math.hypot(0.01, 0.01))
    assert c["G_s_ratio"] == pytest.approx(1 / 3)
    assert polarization_order(["+10 V", "-10 V", "0"]) == ["-10 V", "0", "+10 V"]
    assert polarization_order(["200 mV", "-1"]) == ["-1", "200 mV"]


def test_manifest_gate_field_alias(tmp_path):
    from ktoanalysis.batch.manifest import SELFTEST_KINDS, parse_rows
    from ktoanalysis.errors import ManifestError

    (tmp_path / "a.csv").write_text("T_K,R_ohm\n1,2\n")
    man = parse_rows([{"file": "a.csv", "kind": "selftest", "V_G_V": -40,
                       "polarization": "+10 V"}], base_dir=tmp_path,
                     extra_kinds=SELFTEST_KINDS)
    assert man.rows[0].Vg_V == -40.0 and man.rows[0].polarization == "+10 V"
    with pytest.raises(ManifestError, match="V_G_V"):
        parse_rows([{"file": "a.csv", "kind": "selftest", "V_G_V": 1, "Vg_V": 1}],
                   base_dir=tmp_path, extra_kinds=SELFTEST_KINDS)


def test_batch_writes_series_outputs(tmp_path):
    """A manifest of gate rows gets series/series.csv, series.json and the figures; a
    rerun without gate rows removes them."""
    import tomllib

    from ktoanalysis._data import data_path
    from ktoanalysis.batch import read_results, run_series

    src = data_path("example_series", "manifest.toml")
    runs = [r for r in tomllib.loads(src.read_text())["run"]
            if r["sample"] == "KTO111-G" and r["kind"] == "tc"]
    lines = []
    for r in runs:
        lines.append("[[run]]")
        lines += [f'{k} = {json.dumps(str(src.parent / v) if k == "file" else v)}'
                  for k, v in r.items()]
    man = tmp_path / "gate.toml"
    man.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    res = run_series(man, out, plots=False)
    assert res.n_failed == 0
    pts = read_results(out / "series" / "series.csv")
    assert len(pts) == len(runs) and set(pts["branch"]) == {"up", "down"}
    doc = json.loads((out / "series" / "series.json").read_text())
    h = doc["gate_series"][0]["hysteresis"]["Tc_K"]
    truth = json.loads(data_path("example_series", "truth.json").read_text())
    t = truth["KTO111-G/series"]
    assert abs(h["loop_width_V"] - t["loop_width_V"]) <= 4 * h["loop_width_V_err"]
    assert abs(h["remanent_diff"] - t["Tc_remanent_diff_K"]) <= 4 * h["remanent_diff_err"]
    assert "series" in res.series_tables
    assert not list((out / "series").glob("*.png"))  # plots=False
    # the same folder, rows without a gate voltage: no stale series files
    man.write_text(man.read_text().replace("Vg_V", "# Vg_V"))
    run_series(man, out, plots=False)
    assert not (out / "series" / "series.json").exists()


def _coverage(step: float, sig: float, n_sets: int, seed: int):
    rng = np.random.default_rng(seed)
    pw, pr = [], []
    for _ in range(n_sets):
        Vc, w = rng.uniform(10, 40), rng.uniform(25, 50)
        df, t = _loop_table(rng, Vc=Vc, w=w, step=step, sig=sig)
        h = analyze_series(df).gate[0]["hysteresis"]["Tc_K"]
        pw.append(abs(h["loop_width_V"] - t["width"]) <= h["loop_width_V_err"])
        pr.append(abs(h["remanent_diff"] - t["rem"]) <= h["remanent_diff_err"])
    return float(np.mean(pw)), float(np.mean(pr))


@pytest.mark.slow
@pytest.mark.parametrize("step,sig", [(25.0, 3e-4), (20.0, 3e-3)])
def test_hysteresis_coverage(step, sig):
    """1-sigma coverage of loop width and remanent difference over 200 simulated loops
    (switching width w 25-50 V, gate step <= w; sampling- and noise-dominated)."""
    cw, cr = _coverage(step, sig, 200, seed=int(step))
    assert 0.60 <= cw <= 0.80, cw
    assert 0.60 <= cr <= 0.80, cr


@pytest.mark.slow
def test_hysteresis_coverage_sparse_is_conservative():
    """Gate steps wider than the switching: the errors cover at least 68 %."""
    cw, cr = _coverage(50.0, 1e-3, 200, seed=11)
    assert cw >= 0.68 and cr >= 0.60, (cw, cr)


def test_bkt_agreement_per_sample_from_a_results_table():
    """T_BKT of bkt-iv against bkt-rt rows of one sample: the difference in units of the
    combined error, computed here by hand (0.03 K / (0.01 K * sqrt 2) = 2.12 sigma)."""
    df = pd.DataFrame({
        "row": [1, 2, 3, 4], "sample": ["S", "S", "S", "Q"],
        "kind": ["bkt-iv", "bkt-rt", "tc", "bkt-rt"], "quality": ["ok", "warn", "ok", "ok"],
        "orientation": ["(111)"] * 4, "T_BKT_K": [1.00, 1.03, np.nan, 0.5],
        "T_BKT_K_err": [0.01, 0.01, np.nan, 0.01]})
    an = analyze_series(df)
    assert len(an.bkt) == 1 and an.bkt[0]["sample"] == "S"
    assert an.bkt[0]["n_sigma"] == pytest.approx(0.03 / (0.01 * np.sqrt(2)), rel=1e-9)
    assert an.bkt[0]["consistent"] is False
    assert "2.1 sigma, disagree" in "\n".join(an.summary_lines())
    # a verdict-fail row is not compared
    df.loc[0, "quality"] = "fail"
    assert analyze_series(df).bkt == []
