"""Quality verdict, refusals and error budgets of kind ``tc`` (issue "Every analysis checks
itself"). Every curve is a closed form written here; its exact crossing temperatures are
computed analytically in the test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import tc


def tanh_rt(T, Tc, w, R0=1000.0, slope=0.0):
    """R = R_N(T) * (1 + tanh((T - Tc)/w))/2 with R_N(T) = R0 (1 + slope (T - Tc))."""
    T = np.asarray(T, dtype=float)
    return R0 * (1 + slope * (T - Tc)) * 0.5 * (1 + np.tanh((T - Tc) / w))


def t_at(f, Tc, w):
    """Exact T where R/R_N(T) = f for :func:`tanh_rt`."""
    return Tc + w * math.atanh(2 * f - 1)


def meas(T, R, **cols):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R, **cols}), {"source": "sim.csv"})


def clean(seed=1, n=300, noise=0.5):
    rng = np.random.default_rng(seed)
    T = np.linspace(0.5, 2.0, n)
    return T, tanh_rt(T, 1.0, 0.03) + noise * rng.standard_normal(T.size)


# ---------------------------------------------------------------------------------------
# verdict and budget


def test_clean_transition_ok_with_budget():
    T, R = clean()
    r = tc.analyze([meas(T, R)])
    assert r.verdict == "ok", r.quality.summary()
    for name, f in (("Tc_mid_K", 0.5), ("Tc_onset_K", 0.9)):
        b = r.budget[name]
        assert b.stat > 0 and "R_N" in b.sys
        # the param carries the combined error
        assert r.stderr(name) == pytest.approx(math.sqrt(b.stat**2 + b.sampling**2
                                                         + b.sys["R_N"]**2), rel=1e-9)
        assert abs(r.value(name) - t_at(f, 1.0, 0.03)) < 4 * r.stderr(name)
    assert r.params["Tc_mid_K_sys_RN"] == pytest.approx(r.budget["Tc_mid_K"].sys["R_N"])
    d = r.to_dict()
    assert d["quality"]["verdict"] == "ok"
    assert {"stderr_stat", "stderr_sampling", "stderr_sys"} <= set(d["params"]["Tc_mid_K"])


def test_negative_sigma_refused_by_spec():
    with pytest.raises(OptionError, match="sigma_R_ohm"):
        tc.SPEC.resolve({"sigma_R_ohm": -1})
    T, R = clean()
    with pytest.raises(OptionError, match="sigma_R_ohm"):
        tc.analyze([meas(T, R)], sigma_R_ohm=-1.0)


# ---------------------------------------------------------------------------------------
# refusals


def test_refuses_no_transition():
    T = np.linspace(0.5, 2.0, 100)
    with pytest.raises(RefusedError, match="no transition"):
        tc.analyze([meas(T, 1000 + 50 * T)])


def test_refuses_constant_resistance():
    T = np.linspace(0.5, 2.0, 100)
    R = 1000 + 0.1 * np.random.default_rng(2).standard_normal(T.size)
    with pytest.raises(RefusedError, match="constant|no transition"):
        tc.analyze([meas(T, R)])


def test_refuses_span_below_three_widths():
    # only T in Tc +/- 1.5 w: span 3 w < 3 x (2 w atanh 0.6 = 1.39 w)
    T = np.linspace(1.0 - 0.045, 1.0 + 0.045, 60)
    with pytest.raises(RefusedError, match="transition widths"):
        tc.analyze([meas(T, tanh_rt(T, 1.0, 0.03))], R_N_ohm=1000.0)


def test_refuses_field_sweep_at_fixed_temperature():
    rng = np.random.default_rng(3)
    B = np.linspace(-1, 1, 201)
    R = 0.47 / (1 + np.exp(-(np.abs(B) - 0.45) / 0.05))
    T = 2.0 + 2e-4 * rng.standard_normal(B.size)
    with pytest.raises(RefusedError, match="fixed temperature"):
        tc.analyze([meas(T, R, B_T=B)])
    # several temperatures, field swept at each (the PPMS file layout): field steps per row
    T4 = np.repeat([2.0, 2.1, 2.2, 2.3], B.size) + 2e-4 * rng.standard_normal(4 * B.size)
    with pytest.raises(RefusedError, match="field sweeps"):
        tc.analyze([meas(T4, np.tile(R, 4), B_T=np.tile(B, 4))])


def test_refuses_current_sweep():
    I_A = np.linspace(1e-7, 1e-4, 100)
    with pytest.raises(RefusedError, match="I_A"):
        tc.analyze([meas(np.full(I_A.size, 0.3) + 1e-5 * np.arange(100) / 100,
                         1000 * (I_A / 1e-4) ** 2, I_A=I_A)])


def test_real_ppms_field_sweeps_refused(ppms_resistivity):
    """SOURCES.md 1a: field sweeps at 2.0-2.3 K, no zero-field R(T) sweep in the file
    (before: verdict ok with a negative width from 5 rows near B = 0)."""
    from ktoanalysis.io import load

    with pytest.raises(RefusedError, match="field sweeps"):
        tc.analyze([load(ppms_resistivity)])


def test_real_act_alternating_rows_field_sweeps_refused(ppms_act):
    """SOURCES.md 1b: field sweeps at 2.0-3.4 K, channels on alternating rows."""
    from ktoanalysis.io import load

    with pytest.raises(RefusedError, match="field sweeps"):
        tc.analyze([load(ppms_act)])


def test_real_hall_sweep_at_50K_refused(hall_psu):
    """SOURCES.md: R(H) at T = 50.000 K."""
    from ktoanalysis.io import load

    with pytest.raises(RefusedError, match="fixed temperature"):
        tc.analyze([load(hall_psu)])


# ---------------------------------------------------------------------------------------
# flags


def test_two_step_transition_is_multi_step():
    T = np.linspace(0.3, 1.6, 500)
    R = 0.5 * tanh_rt(T, 0.6, 0.02) + 0.5 * tanh_rt(T, 0.9, 0.02)
    R = R + 0.3 * np.random.default_rng(4).standard_normal(T.size)
    r = tc.analyze([meas(T, R)])
    assert r.quality.has("multi_step"), r.quality.summary()
    steps = r.provenance["steps_K"]
    assert len(steps) == 2
    assert steps[0] == pytest.approx(0.6, abs=0.01) and steps[1] == pytest.approx(0.9, abs=0.01)
    # a single transition with the same noise is not flagged
    T1, R1 = clean(seed=4, n=500)
    assert not tc.analyze([meas(T1, R1)]).quality.has("multi_step")


def test_floor_never_reached_reports_the_rest():
    # residual resistance 5 % of R_N: R never falls below max(3 sigma, 0.01 R_N)
    T = np.linspace(0.5, 2.0, 300)
    R = 50.0 + 0.95 * tanh_rt(T, 1.0, 0.03)
    r = tc.analyze([meas(T, R)], R_N_ohm=1000.0)
    assert r.quality.has("criterion_not_reached") and r.verdict == "warn"
    assert "Tc_zero_K" not in r.params
    # R/1000 = 0.5 -> tanh((T-1)/w) = (0.45/0.475)*2 - 1
    exact = 1.0 + 0.03 * math.atanh(2 * 0.45 / 0.95 - 1)
    assert r.value("Tc_mid_K") == pytest.approx(exact, abs=1e-4)
    r.plot()  # plot without Tc_zero


def test_sparse_60mK_sweep_has_spacing_sized_error():
    # points 60 mK apart through a 42 mK (20-80 %) wide transition, negligible noise
    Tc, w, h = 1.0, 0.03, 0.06
    T = np.arange(0.5 + 0.02, 2.0, h)
    R = tanh_rt(T, Tc, w) + 0.01 * np.random.default_rng(5).standard_normal(T.size)
    r = tc.analyze([meas(T, R)], R_N_ohm=1000.0)
    for name, exact in (("Tc_mid_K", Tc), ("Tc_onset_K", t_at(0.9, Tc, w))):
        err = r.stderr(name)
        assert r.budget[name].sampling > r.budget[name].stat
        assert err >= 0.02 * h, (name, err)
        assert abs(r.value(name) - exact) <= 3 * err, (name, r.value(name), exact, err)
    codes = r.quality.codes
    assert "too_few_points" in codes and "sampling_limited" in codes


def test_given_noise_inconsistent():
    T, R = clean(noise=0.5)
    r = tc.analyze([meas(T, R)], sigma_R_ohm=50.0)
    assert r.quality.has("noise_inconsistent")
    assert not tc.analyze([meas(T, R)], sigma_R_ohm=0.5).quality.has("noise_inconsistent")


def test_tangent_onset_outside_data_is_extrapolated():
    # tanh: steepest tangent at Tc (slope R_N/(2w)) meets R_N at Tc + w; data stop at Tc + 0.8 w
    T = np.linspace(0.7, 1.0 + 0.8 * 0.03, 400)
    r = tc.analyze([meas(T, tanh_rt(T, 1.0, 0.03))], R_N_ohm=1000.0,
                   onset_method="tangent_intersection")
    assert r.value("Tc_onset_K") == pytest.approx(1.03, abs=1e-3)
    assert r.quality.has("extrapolated")


def test_rn_far_above_transition_flagged():
    T = np.linspace(0.2, 5.0, 600)
    R = tanh_rt(T, 0.5, 0.02, slope=0.05)  # R_N rises by 22 % from Tc to 5 K
    r = tc.analyze([meas(T, R)], rn_method="fixed_T")
    assert r.quality.has("rn_far_from_transition")
    flat = tanh_rt(T, 0.5, 0.02)
    assert not tc.analyze([meas(T, flat)], rn_method="fixed_T").quality.has(
        "rn_far_from_transition")
    # the default R_N (plateau just above the transition) is not far from it: exact
    # Tc_mid within the R_N bias of the window (slope 0.05/K x ~0.2 K above Tc)
    d = tc.analyze([meas(T, R)])
    assert not d.quality.has("rn_far_from_transition")
    assert d.value("Tc_mid_K") == pytest.approx(t_at(0.5, 0.5, 0.02), abs=1e-3)


def test_floor_above_mid_level_fails_order():
    # a given sigma_R of 180 Ohm puts the zero floor (3 sigma = 540 Ohm) above 0.5 R_N
    T, R = clean()
    r = tc.analyze([meas(T, R)], sigma_R_ohm=180.0)
    assert r.quality.has("criteria_out_of_order") and r.verdict == "fail"
    assert r.value("Tc_zero_K") > r.value("Tc_mid_K")


def test_non_monotonic_flag():
    T = np.linspace(0.3, 2.0, 400)
    R = tanh_rt(T, 0.7, 0.02) + 1000 * np.exp(-((T - 0.45) / 0.03) ** 2)
    r = tc.analyze([meas(T, R)])
    assert r.quality.has("non_monotonic")
    assert r.value("Tc_mid_K") == pytest.approx(0.7, abs=1e-3)


def test_plot_zooms_onto_transition():
    from ktoanalysis.plotting import new_figure

    T = np.linspace(0.2, 10.0, 2000)
    r = tc.analyze([meas(T, tanh_rt(T, 1.0, 0.03))])
    fig = new_figure()
    tc.plot(r, fig)
    lo, hi = fig.axes[0].get_xlim()
    assert 0.8 < lo < 1.0 and 1.0 < hi < 1.4


# ---------------------------------------------------------------------------------------
# coverage of the combined 1-sigma errors


def _coverage(n_sets, h_over_w, noise, seed):
    """Fraction of |value - exact| < stderr over simulated sloped-normal-state sweeps."""
    rng = np.random.default_rng(seed)
    Tc, w, R0, slope = 1.0, 0.05, 1000.0, 0.3
    exact = {"Tc_mid_K": t_at(0.5, Tc, w), "Tc_onset_K": t_at(0.9, Tc, w),
             "width_K": t_at(0.8, Tc, w) - t_at(0.2, Tc, w)}
    hits = {k: 0 for k in exact}
    h = h_over_w * w
    for _ in range(n_sets):
        T = np.arange(Tc - 4 * w + rng.uniform(0, h), Tc + 12 * w, h)
        R = tanh_rt(T, Tc, w, R0, slope) + noise * R0 * rng.standard_normal(T.size)
        r = tc.analyze([meas(T, R)], rn_method="extrapolated_linear",
                       rn_window=[Tc + 4 * w, Tc + 12 * w])
        for k, v in exact.items():
            hits[k] += abs(r.value(k) - v) < r.stderr(k)
    return {k: n / n_sets for k, n in hits.items()}


@pytest.mark.slow
@pytest.mark.parametrize("h_over_w, noise, seed", [
    (0.18, 0.02, 101),  # sparse: 25 points between 1 % and 99 % of R_N
    (0.18, 0.05, 102),  # sparse, 5 % noise
    (0.02, 0.03, 103),  # dense
])
def test_tc_combined_error_coverage(h_over_w, noise, seed):
    cov = _coverage(250, h_over_w, noise, seed)
    print(f"h = {h_over_w} w, noise {noise}: coverage {cov}")
    for k, c in cov.items():
        assert 0.60 <= c <= 0.76, (k, c)
