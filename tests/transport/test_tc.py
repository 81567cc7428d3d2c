"""Tests of kind ``tc`` (MODELS.md section 2): model-free Tc criteria and width."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import DataFormatError, FitError, KtoError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import tc


def logistic_rt(T, T0, w, RN=1400.0, slope=0.0):
    """Closed-form transition: R = R_N(T)/(1 + exp(-(T - T0)/w)); T(f R_N) = T0 + w ln(f/(1-f))."""
    return (RN + slope * T) / (1.0 + np.exp(-(np.asarray(T) - T0) / w))


def t_at(f, T0, w):
    return T0 + w * math.log(f / (1 - f))


def meas(T, R, **cols):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R, **cols}), {"source": "sim.csv"})


def test_logistic_closed_form_recovery():
    rng = np.random.default_rng(11)
    T = np.linspace(0.3, 3.0, 500)
    T0, w, sig = 0.668, 0.03, 2.0
    R = logistic_rt(T, T0, w) + rng.normal(0, sig, T.size)
    r = tc.analyze([meas(T, R)])
    for name, f in (("Tc_mid_K", 0.5), ("Tc_onset_K", 0.9)):
        err = r.stderr(name)
        assert err is not None and err > 0
        assert abs(r.value(name) - t_at(f, T0, w)) < 4 * err + 2e-4
    width = t_at(0.8, T0, w) - t_at(0.2, T0, w)  # = 2 w ln 4
    assert r.value("width_K") == pytest.approx(width, abs=4 * r.stderr("width_K") + 5e-4)
    # zero: floor = max(3 sigma, 0.01 R_N) = 14 Ohm -> T(14/1400)
    assert r.value("Tc_zero_K") == pytest.approx(t_at(0.01, T0, w),
                                                 abs=4 * r.stderr("Tc_zero_K") + 5e-4)
    assert r.value("R_N_ohm") == pytest.approx(1400, rel=3e-3)
    assert r.value("sigma_R_ohm") == pytest.approx(sig, rel=0.3)
    # default R_N: the plateau just above the transition (T90 - T50 = w ln 9)
    assert r.options["rn_method"] == "above_transition"
    lo, hi = r.options["rn_window_K"]
    assert T0 + 3 * w * math.log(9) - 0.02 <= lo < hi <= 3.0
    r_top = tc.analyze([meas(T, R)], rn_method="fixed_T")
    assert r_top.options["rn_T_auto"] is True and r_top.options["rn_T_K"] == pytest.approx(3.0)
    d = r.to_dict()
    json.dumps(d)
    assert {"Tc_onset_K", "Tc_mid_K", "Tc_zero_K", "width_K", "R_N_ohm"} <= set(d["params"])


@pytest.mark.parametrize("width_K, Tmid_K", [(0.12, 0.668), (0.32, 2.4)])
def test_width_seed004(width_K, Tmid_K):
    # MODELS.md §11 row 17; 004_5aba75fef312435d.txt: dT = T(0.8 R_4K) - T(0.2 R_4K)
    # 0.12 K (n_s = 3.8e13) -> 0.32 K (9.8e13), reported; algorithm test on simulated data
    w = width_K / (2 * math.log(4))
    rng = np.random.default_rng(17)
    T = np.linspace(0.05, 4.0, 800)
    R = logistic_rt(T, Tmid_K, w) + rng.normal(0, 1.0, T.size)
    r = tc.analyze([meas(T, R)], rn_method="fixed_T", rn_T_K=4.0)
    assert r.value("width_K") == pytest.approx(width_K, abs=max(4 * r.stderr("width_K"), 2e-3))
    assert r.value("Tc_mid_K") == pytest.approx(Tmid_K, abs=max(4 * r.stderr("Tc_mid_K"), 1e-3))


def test_onset_zero_seed002():
    # MODELS.md §11 row 21; 002_adb0abe1c8a3790c.txt: Tc_onset 2.32 K, Tc_zero 1.66 K (reported)
    w = (2.32 - 1.66) / (math.log(9) + math.log(99))
    T0 = 2.32 - w * math.log(9)
    T = np.linspace(1.0, 4.0, 1200)
    R = logistic_rt(T, T0, w) + np.random.default_rng(21).normal(0, 0.05, T.size)
    r = tc.analyze([meas(T, R)], zero_f0=0.01)
    assert r.value("Tc_onset_K") == pytest.approx(2.32, abs=2e-3)
    assert r.value("Tc_zero_K") == pytest.approx(1.66, abs=5e-3)


def test_extrapolated_linear_rn_with_sloped_normal_state():
    T = np.linspace(0.3, 4.0, 600)
    R = logistic_rt(T, 0.8, 0.04, RN=1000.0, slope=100.0)
    r = tc.analyze([meas(T, R)], rn_method="extrapolated_linear", rn_window=[2.0, 4.0])
    # R/R_N(T) is exactly the logistic -> Tc_mid = T0
    assert r.value("Tc_mid_K") == pytest.approx(0.8, abs=1e-3)
    assert r.value("R_N_ohm") == pytest.approx(1000 + 100 * r.value("Tc_mid_K"), rel=1e-3)
    # a fixed_T R_N at 4 K (1400 Ohm) overestimates R_N(0.8 K) = 1080 Ohm -> higher Tc_mid
    r2 = tc.analyze([meas(T, R)], rn_method="fixed_T", rn_T_K=4.0)
    assert r2.value("Tc_mid_K") > r.value("Tc_mid_K") + 0.005


def test_fixed_b_uses_high_field_rows():
    T = np.linspace(0.3, 2.0, 300)
    R0 = logistic_rt(T, 0.7, 0.03, RN=1200.0)
    m0 = meas(T, R0, B_T=np.zeros(T.size))
    m1 = meas(T, np.full(T.size, 1250.0), B_T=np.full(T.size, 1.0))
    r = tc.analyze([m0, m1], rn_method="fixed_B", rn_B_T=1.0)
    assert r.value("R_N_ohm") == pytest.approx(1250.0)
    # R/1250 = 0.5 -> R0 = 625: T0 + w ln(625/575)
    assert r.value("Tc_mid_K") == pytest.approx(0.7 + 0.03 * math.log(625 / 575), abs=5e-4)
    with pytest.raises(FitError, match="rn_B_T"):
        tc.analyze([m0, m1], rn_method="fixed_B")


def test_tangent_intersection_closed_form():
    # logistic: steepest tangent at T0 (slope R_N/(4w), value R_N/2) meets R_N at T0 + 2w
    T = np.linspace(0.3, 2.0, 3401)
    R = logistic_rt(T, 0.7, 0.03)
    r = tc.analyze([meas(T, R)], onset_method="tangent_intersection", R_N_ohm=1400.0)
    assert r.value("Tc_onset_K") == pytest.approx(0.7 + 2 * 0.03, abs=1e-3)
    assert r.stderr("Tc_onset_K") is None


def test_crossing_error_propagation_closed_form():
    # two points (1, 0) and (2, 10), level 2.5, sigma 1 -> u = 0.25,
    # sigma_T = (1/10) * sqrt(0.75^2 + 0.25^2)
    (c,) = tc.crossings(np.array([1.0, 2.0]), np.array([0.0, 10.0]), 2.5, 1.0)
    assert c.T_K == pytest.approx(1.25)
    assert c.stderr_K == pytest.approx(0.1 * math.hypot(0.75, 0.25))


def test_cleaning_nan_duplicates_unsorted():
    T = np.linspace(0.3, 2.0, 200)
    R = logistic_rt(T, 0.7, 0.03)
    Tn = np.concatenate([T[::-1], T[:10], [np.nan]])
    Rn = np.concatenate([R[::-1], R[:10], [5.0]])
    r = tc.analyze([meas(Tn, Rn)], sweep="all")
    notes = " ".join(r.provenance["notes"])
    assert "NaN" in notes and "sorted" in notes and "duplicated" in notes
    # by default the 10 rows re-measured from 0.3 K are a second (warming) sweep that
    # does not reach the transition: reported, the cooling sweep analysed
    d = tc.analyze([meas(Tn, Rn)])
    rows = d.provenance["sweeps"]
    assert [(x["direction"], x["chosen"]) for x in rows] == [("cooling", True),
                                                             ("warming", False)]
    assert rows[1]["Tc_mid_K"] is None and "does not cross" in rows[1]["status"]
    assert d.value("Tc_mid_K") == pytest.approx(r.value("Tc_mid_K"), abs=1e-3)
    assert r.value("Tc_mid_K") == pytest.approx(0.7, abs=1e-3)


def test_non_monotonic_reports_all_crossings():
    T = np.linspace(0.3, 2.0, 400)
    R = logistic_rt(T, 0.7, 0.02) + 1400 * np.exp(-((T - 0.45) / 0.03) ** 2)
    r = tc.analyze([meas(T, R)])
    assert len(r.provenance["crossings_K"]["mid"]) == 3
    assert r.value("Tc_mid_K") == pytest.approx(0.7, abs=1e-3)  # highest-T crossing
    assert any("crossings" in n for n in r.provenance["notes"])


def test_bad_input_errors():
    T = np.linspace(0.3, 2.0, 50)
    with pytest.raises(FitError, match="no transition in range"):
        tc.analyze([meas(T, np.full(T.size, 1000.0) + T)])
    with pytest.raises(DataFormatError, match="zero everywhere"):
        tc.analyze([meas(T, np.zeros(T.size))])
    with pytest.raises(DataFormatError, match="distinct"):
        tc.analyze([meas(T[:3], logistic_rt(T[:3], 0.7, 0.03))])
    with pytest.raises(FitError, match="unknown option"):
        tc.analyze([meas(T, logistic_rt(T, 0.7, 0.03))], rn_mehtod="fixed_T")
    with pytest.raises(FitError, match="outside the data"):
        tc.analyze([meas(T, logistic_rt(T, 0.7, 0.03))], rn_T_K=10.0)
    with pytest.raises(FitError, match="rn_method"):
        tc.analyze([meas(T, logistic_rt(T, 0.7, 0.03))], rn_method="guess")
    with pytest.raises(DataFormatError, match="T_K"):
        tc.analyze([Measurement(pd.DataFrame({"R_ohm": [1.0] * 10}), {"source": "x.csv"})])


def test_plot_axes_labelled():
    from ktoanalysis.plotting import new_figure

    T = np.linspace(0.3, 2.0, 200)
    r = tc.analyze([meas(T, logistic_rt(T, 0.7, 0.03))])
    fig = new_figure()
    tc.plot(r, fig)
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "R (Ohm)" in labels and fig.axes[-1].get_xlabel() == "T (K)"


def test_cli_tc_json(tmp_path):
    from typer.testing import CliRunner

    import ktoanalysis.cli

    T = np.linspace(0.3, 2.0, 200)
    path = tmp_path / "rt.csv"
    pd.DataFrame({"T (K)": T, "R (Ohm)": logistic_rt(T, 0.7, 0.03)}).to_csv(path, index=False)
    res = CliRunner().invoke(ktoanalysis.cli.app, ["fit", "tc", str(path), "--json",
                                                   "-o", "mid_fraction=0.5"])
    if res.exit_code != 0 and isinstance(res.exception, (ImportError, KtoError)):
        pytest.skip(f"loader not available: {res.exception}")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["kind"] == "tc"
    assert out["params"]["Tc_mid_K"]["value"] == pytest.approx(0.7, abs=1e-3)


@pytest.mark.slow
def test_tc_mid_error_coverage():
    """Coverage of the Tc_mid 1-sigma error (R_N given: statistical + sampling) over 300
    simulated curves with random temperatures."""
    rng = np.random.default_rng(2024)
    T0, w, sig = 0.668, 0.03, 15.0
    truth = t_at(0.5, T0, w)
    hits, n = 0, 300
    for _ in range(n):
        T = np.sort(rng.uniform(0.3, 1.5, 250))
        R = logistic_rt(T, T0, w) + rng.normal(0, sig, T.size)
        r = tc.analyze([meas(T, R)], R_N_ohm=1400.0)
        hits += abs(r.value("Tc_mid_K") - truth) < r.stderr("Tc_mid_K")
    cov = hits / n
    print(f"Tc_mid coverage {cov:.3f}")
    assert 0.60 <= cov <= 0.76


def test_warming_and_cooling_are_analysed_separately():
    """MODELS.md section 2: warming and cooling sweeps differ by thermal lag; with
    direction='auto' the larger sweep is analysed and the lag is reported."""
    import pandas as pd

    from ktoanalysis.io.measurement import Measurement
    from ktoanalysis.transport import tc

    rng = np.random.default_rng(11)
    Tc_true, w, RN, lag = 0.65, 0.03, 1000.0, 0.02

    def curve(T, shift):
        return 0.5 * RN * (1 + np.tanh((T - Tc_true - shift) / w))

    T_down = np.linspace(1.2, 0.3, 180)          # cooling: the sample lags, Tc reads low
    T_up = np.linspace(0.3, 1.2, 120)            # warming: Tc reads high
    T = np.concatenate([T_down, T_up])
    R = np.concatenate([curve(T_down, -lag / 2), curve(T_up, lag / 2)])
    R = R + 0.5 * rng.standard_normal(R.size)
    m = Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "loop.csv"})
    res = tc.analyze([m])
    assert res.options["direction_used"] == "down"
    assert abs(res.value("Tc_mid_K") - (Tc_true - lag / 2)) < 4 * res.stderr("Tc_mid_K") + 1e-4
    lag_fit = res["thermal_lag_K"]
    assert abs(lag_fit.nominal_value - lag) < 4 * lag_fit.std_dev + 2e-4
    merged = tc.analyze([m], direction="all")
    assert "thermal_lag_K" not in merged.params


def test_fit_tc_array_level_result():
    """fit_tc: a FitResult with the logistic closed-form Tc's, a verdict, no figure."""
    rng = np.random.default_rng(23)
    T = np.linspace(0.3, 3.0, 500)
    T0, w, sig = 0.668, 0.03, 2.0
    data = tc.prepare_rt(T, logistic_rt(T, T0, w) + rng.normal(0, sig, T.size))
    rn = tc.normal_state(data, "fixed_T", rn_T_K=3.0)
    r = tc.fit_tc(data, rn, sigma_R_ohm=sig)
    assert r.kind == "tc" and r.provenance["function"] == "fit_tc" and r.verdict == "ok"
    for name, f in (("Tc_mid_K", 0.5), ("Tc_onset_K", 0.9)):
        assert abs(r.value(name) - t_at(f, T0, w)) < 4 * r.stderr(name) + 2e-4
    assert r.budget["Tc_mid_K"].stat is not None and r.options["sigma_R_source"] == "given"
    # a stated noise 20x too large contradicts the noise in the data
    loud = tc.fit_tc(data, rn, sigma_R_ohm=20 * sig)
    assert loud.quality.has("noise_inconsistent")
    # a curve that never reaches the onset level: flagged (allow_missing) or refused
    low = tc.prepare_rt(T[T < t_at(0.7, T0, w)], logistic_rt(T[T < t_at(0.7, T0, w)], T0, w))
    rn_low = tc.normal_state(low, R_N_ohm=1400.0)
    m = tc.fit_tc(low, rn_low, allow_missing=True, width_fractions=(0.2, 0.6))
    assert m.quality.has("criterion_not_reached") and "Tc_onset_K" not in m.params
    with pytest.raises(FitError):
        tc.fit_tc(low, rn_low, width_fractions=(0.2, 0.6))
    with pytest.raises(FitError, match="array-level result: no figure; use analyze"):
        r.plot()
