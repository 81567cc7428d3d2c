"""Kind ``tc`` on whole files holding several temperature sweeps (issue "R(T) and lab files
as they really come"): a cool-down from 300 K and a warming sweep, cool/warm/cool, a sweep
that stops above Tc. Every curve is a closed form written here: a metallic normal state
R0 + A T^2 times a tanh step at Tc, the sample lagging the thermometer by +lag/2 on
warming and -lag/2 on cooling (the thermometer reads Tc -/+ lag/2)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import tc

TC, W, R0, RRR = 3.0, 0.15, 100.0, 10.0  # K, K, Ohm


def rt(T, Tc=TC):
    A = (RRR - 1.0) * R0 / 300.0**2
    return (R0 + A * T**2) * 0.5 * (1 + np.tanh((T - Tc) / W))


def cooling(T_hi, T_lo, near=0.05):
    """3 K steps far from Tc, ``near`` steps below 10 K (as logged)."""
    far = np.arange(T_hi, 10.0, -3.0) if T_hi > 10.0 else np.zeros(0)
    return np.concatenate([far, np.arange(min(T_hi, 10.0), T_lo - 1e-9, -near)])


def warming(T_lo, T_hi, step=0.05):
    return np.arange(T_lo, T_hi + 1e-9, step)


def whole_file(parts, lag=0.04, noise=0.2, seed=3):
    """Concatenate sweeps [(T_read array, 'warming'|'cooling')] into one Measurement."""
    rng = np.random.default_rng(seed)
    T, R = [], []
    for Tr, d in parts:
        shift = lag / 2 if d == "warming" else -lag / 2  # thermometer reads Tc + shift
        T.append(Tr)
        R.append(rt(Tr, TC + shift) + noise * rng.standard_normal(Tr.size))
    return Measurement(pd.DataFrame({"T_K": np.concatenate(T), "R_ohm": np.concatenate(R)}),
                       {"source": "whole.dat"})


def test_cooldown_and_warming_both_reported_with_lag():
    lag = 0.04
    m = whole_file([(cooling(300.0, 2.0), "cooling"), (warming(2.0, 11.0), "warming")], lag)
    r = tc.analyze([m])
    rows = r.provenance["sweeps"]
    assert [x["direction"] for x in rows] == ["cooling", "warming"]
    assert all("crosses" in x["status"] for x in rows)
    # auto: equal density through the transition, the cool-down has more points
    assert rows[0]["chosen"] and r.options["sweep_used"] == 0 and "auto" in r.options["sweep_rule"]
    assert abs(r.value("Tc_mid_K") - (TC - lag / 2)) < 4 * r.stderr("Tc_mid_K") + 2e-3
    assert abs(rows[1]["Tc_mid_K"] - (TC + lag / 2)) < 4 * rows[1]["Tc_mid_err_K"] + 2e-3
    lagf = r["thermal_lag_K"]
    assert lagf.std_dev > 0 and abs(lagf.nominal_value - lag) < 4 * lagf.std_dev + 2e-3
    assert r["Tc_mid_K_other_direction"].nominal_value == pytest.approx(rows[1]["Tc_mid_K"])
    # the choice rule is an option; the table goes to the JSON
    wr = tc.analyze([m], sweep="warming")
    assert wr.options["sweep_used"] == 1
    assert abs(wr.value("Tc_mid_K") - (TC + lag / 2)) < 4 * wr.stderr("Tc_mid_K") + 2e-3
    out = json.loads(r.to_json())
    assert len(out["provenance"]["sweeps"]) == 2 and out["options"]["sweep"] == "auto"
    # 'all' merges the rows as one curve (no table, no lag); direction='up' is 'warming'
    assert "thermal_lag_K" not in tc.analyze([m], sweep="all").params
    assert tc.analyze([m], direction="up").options["sweep_used"] == 1


def test_denser_sweep_through_the_transition_is_chosen():
    # the warming sweep has 10 mK steps through the transition: it is chosen although the
    # cool-down holds more rows in all
    m = whole_file([(cooling(300.0, 2.0, near=0.1), "cooling"),
                    (warming(2.0, 5.0, step=0.01), "warming")])
    r = tc.analyze([m])
    rows = r.provenance["sweeps"]
    assert rows[0]["n_points"] > 0 and rows[1]["points_in_width"] > rows[0]["points_in_width"]
    assert r.options["sweep_used"] == 1


def test_cool_warm_cool_and_a_sweep_above_tc():
    lag = 0.06
    parts = [(cooling(300.0, 2.0), "cooling"), (warming(2.0, 11.0), "warming"),
             (cooling(11.0, 2.0), "cooling"), (warming(2.0, 20.0, 0.5), "warming"),
             (cooling(20.0, 5.0, 0.25), "cooling")]  # the last one stops above Tc
    m = whole_file(parts, lag)
    r = tc.analyze([m])
    rows = r.provenance["sweeps"]
    assert [x["direction"] for x in rows] == ["cooling", "warming", "cooling", "warming",
                                               "cooling"]
    assert "does not cross" in rows[4]["status"] and rows[4]["Tc_mid_K"] is None
    assert all("crosses" in x["status"] for x in rows[:4])
    # the 0.5 K warming sweep is too sparse to be chosen
    assert r.options["sweep_used"] in (0, 1, 2)
    lagf = r["thermal_lag_K"]
    assert abs(lagf.nominal_value - lag) < 4 * lagf.std_dev + 3e-3
    third = tc.analyze([m], sweep=2)
    assert third.options["sweep_used"] == 2
    assert abs(third.value("Tc_mid_K") - (TC - lag / 2)) < 4 * third.stderr("Tc_mid_K") + 2e-3
    with pytest.raises(RefusedError, match="sweep 4 does not"):
        tc.analyze([m], sweep=4)
    with pytest.raises(OptionError, match="5 temperature sweeps"):
        tc.analyze([m], sweep=7)
    with pytest.raises(OptionError, match="contradicts"):
        tc.analyze([m], sweep="warming", direction="down")


def test_no_sweep_crosses_is_refused():
    # a cool-down 300 -> 5 K and back: both on the metallic slope, no Tc invented
    m = whole_file([(cooling(300.0, 5.0, 0.25), "cooling"), (warming(5.0, 40.0, 0.5), "warming")])
    with pytest.raises(RefusedError, match="no temperature sweep crosses"):
        tc.analyze([m])


def test_cli_whole_file(tmp_path):
    from typer.testing import CliRunner

    import ktoanalysis.cli

    m = whole_file([(cooling(300.0, 2.0), "cooling"), (warming(2.0, 11.0), "warming")])
    path = tmp_path / "whole.csv"
    m.data.rename(columns={"T_K": "T (K)", "R_ohm": "R (Ohm)"}).to_csv(path, index=False)
    res = CliRunner().invoke(ktoanalysis.cli.app, ["fit", "tc", str(path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [x["direction"] for x in out["provenance"]["sweeps"]] == ["cooling", "warming"]
    assert abs(out["params"]["Tc_mid_K"]["value"] - TC) < 0.05
    assert "thermal_lag_K" in out["params"]


@pytest.mark.slow
def test_thermal_lag_error_coverage():
    """1-sigma coverage of thermal_lag_K on 200 simulated cool/warm files (0.1 K steps,
    2 % noise: sampling and noise both matter)."""
    lag, hits, n = 0.03, 0, 200
    for seed in range(n):
        rng = np.random.default_rng(1000 + seed)
        off = rng.uniform(0, 0.1)
        parts = [(cooling(30.0, 2.0 + off, near=0.1), "cooling"),
                 (warming(2.0 + off, 11.0, step=0.1), "warming")]
        m = whole_file(parts, lag, noise=2.0, seed=seed)
        r = tc.analyze([m])
        lagf = r["thermal_lag_K"]
        hits += abs(lagf.nominal_value - lag) < lagf.std_dev
    cov = hits / n
    print(f"thermal lag coverage {cov:.3f}")
    assert 0.6 <= cov <= 0.85


def test_every_level_reported_or_null():
    # a floor of 35 Ohm (26 % of R_N): 0.2 R_N and the zero floor are never reached
    T = np.linspace(1.0, 8.0, 400)
    R = 35.0 + rt(T)
    r = tc.analyze([Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "f.csv"})])
    lv = json.loads(r.to_json())["provenance"]["levels_K"]
    assert lv["low"]["T_K"] is None and lv["zero"]["T_K"] is None
    assert not lv["low"]["reached"] and lv["mid"]["reached"] and lv["high"]["reached"]
    assert "Tc_zero_K" not in r.params and "width_K" not in r.params
    assert r.quality.has("criterion_not_reached")
    RN = r.value("R_N_ohm")
    f = (0.5 * RN - 35.0) / (RN - 35.0)  # fraction of the tanh step at the mid level
    assert r.value("Tc_mid_K") == pytest.approx(TC + W * np.arctanh(2 * f - 1), abs=0.01)
    assert lv["mid"]["T_K"] == pytest.approx(r.value("Tc_mid_K"))
