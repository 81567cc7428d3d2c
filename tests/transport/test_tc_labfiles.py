"""Kind ``tc`` on R(T) files as they come from the lab (issue "R(T) and lab files as they
really come"): a full cool-down from room temperature, a residual floor, a T range. Every
curve is a closed form written here."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import tc

TC, W = 3.0, 0.2  # K


def meas(T, R, **cols):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R, **cols}), {"source": "sim.csv"})


def metal_tanh(T, R0=100.0, rrr=10.0, Tc=TC, w=W):
    """Metallic normal state R0 + A T^2 with R(300 K) = rrr R0, times a tanh transition."""
    A = (rrr - 1.0) * R0 / 300.0**2
    T = np.asarray(T, dtype=float)
    return (R0 + A * T**2) * 0.5 * (1 + np.tanh((T - Tc) / w))


def cooldown_T():
    """300 K -> 2 K: 3 K steps far from Tc, 0.25 K steps within 2-6 K (as logged)."""
    far = np.arange(300.0, 6.0, -3.0)
    near = np.arange(6.0, 1.99, -0.25)
    return np.concatenate([far, near])


def cooldown(seed=5, noise=0.2, R0=100.0):
    rng = np.random.default_rng(seed)
    T = cooldown_T() + 0.01 * rng.standard_normal(cooldown_T().size)
    return T, metal_tanh(T, R0) + noise * rng.standard_normal(T.size)


def test_cooldown_from_room_temperature_default_rn():
    T, R = cooldown()
    r = tc.analyze([meas(T, R)])
    # R_N(T) = R0 + A T^2 is 100.1 Ohm at 3 K: R/R_N(3 K) = 0.5 at Tc within 1e-3 K
    tm, err = r.value("Tc_mid_K"), r.stderr("Tc_mid_K")
    assert abs(tm - TC) < 3 * err and abs(tm - TC) < 0.05, (tm, err)
    assert r.value("R_N_ohm") == pytest.approx(100.0 + 9 * 100.0 / 9e4 * 16, rel=0.01)
    assert r.options["rn_method"] == "above_transition"
    lo, hi = r.options["rn_window_K"]
    assert TC < lo < hi < 10.0
    assert r.verdict != "fail", r.quality.summary()


def test_cooldown_fixed_T_still_reachable():
    T, R = cooldown()
    # R_N = R(300 K) = 1000 Ohm: the 50 % level lies on the metallic slope (~198 K), the
    # 20-80 % "width" (~164 K) exceeds a third of the span: refused as before
    with pytest.raises(RefusedError, match="transition widths"):
        tc.analyze([meas(T, R)], rn_method="fixed_T")
    # an explicit rn_T_K implies fixed_T
    r2 = tc.analyze([meas(T, R)], rn_T_K=5.0)
    assert r2.options["rn_method"] == "fixed_T"
    assert r2.value("Tc_mid_K") == pytest.approx(TC, abs=0.05)


def test_window_of_a_tanh_transition():
    # the window starts 3 upper half-widths above T50: h = w atanh(0.8) for a tanh
    T = np.linspace(1.0, 8.0, 701)
    win = tc.above_transition_window(T, metal_tanh(T))
    h = W * math.atanh(0.8)
    assert win.found
    assert win.T50_K == pytest.approx(TC, abs=0.01)
    assert win.half_width_K == pytest.approx(h, rel=0.05)
    # flattest point 3-11 half-widths above T50, window +/- 2 % around it
    assert TC + 3 * h - 0.05 <= win.T_N_K <= TC + 11 * h + 0.05
    assert win.lo_K >= TC + 3 * h - 0.05
    assert win.hi_K - win.lo_K <= 0.04 * win.T_N_K + 0.011


def test_rrr_from_room_temperature():
    T, R = cooldown()
    r = tc.analyze([meas(T, R)])
    # R(300 K) = rrr R0 = 1000 Ohm (the band 295-300 K holds 2 points of the 3 K grid)
    R300, e300 = r.value("R_300K_ohm"), r.stderr("R_300K_ohm")
    A = 9 * 100.0 / 300.0**2
    Rb = [100.0 + A * t**2 for t in (297.0, 300.0)]
    assert abs(R300 - np.mean(Rb)) < 3 * e300 + 0.5
    TN = r.options["rn_window_K"]
    RN_true = 100.0 + A * np.mean(TN) ** 2
    assert r.value("RRR") == pytest.approx(np.mean(Rb) / RN_true, rel=0.01)
    assert r.stderr("RRR") > 0
    assert {"R_300K_ohm", "RRR"} <= {o.name for o in tc.SPEC.outputs}
    # a sweep that stops below 295 K reports none
    low = tc.analyze([meas(T[T < 280], R[T < 280])])
    assert "RRR" not in low.params and "R_300K_ohm" not in low.params


def test_T_range_restricts_rows():
    T, R = cooldown()
    r = tc.analyze([meas(T, R)], rn_method="fixed_T", T_range_K=[1.0, 20.0])
    # R_N = R(20 K) = 100 (1 + 1e-4 x 400) = 104 Ohm: 0.52 R0 -> Tc + w atanh(0.04)
    assert r.value("Tc_mid_K") == pytest.approx(TC + W * math.atanh(0.04), abs=0.03)
    assert r.provenance["window_K"][1] <= 20.0
    assert "RRR" not in r.params
    # bkt-rt declares (inherits) the option
    from ktoanalysis.transport import bkt

    assert "T_range_K" in {o.name for o in bkt.SPEC_OPTIONS}
    with pytest.raises(OptionError, match="T_range_K"):
        tc.SPEC.resolve({"T_range_K": [20.0, 1.0]})


def test_residual_floor_reported_and_subtracted():
    # series resistance Rs = 0.1 R0 (a non-superconducting path): R = Rs + R0 f(T)
    rng = np.random.default_rng(9)
    T = np.linspace(1.0, 6.0, 400)
    R0, Rs = 100.0, 10.0
    R = Rs + metal_tanh(T, R0, rrr=1.0) + 0.1 * rng.standard_normal(T.size)
    r = tc.analyze([meas(T, R)])
    assert r.quality.has("residual_floor") and r.verdict != "fail"
    assert r.value("R_floor_ohm") == pytest.approx(Rs, abs=4 * r.stderr("R_floor_ohm") + 0.05)
    # mid level 0.5 x 110 Ohm: R0 f = 45 Ohm -> f = 0.45
    t45 = TC + W * math.atanh(2 * 0.45 - 1)
    assert r.value("Tc_mid_K") == pytest.approx(t45, abs=max(4 * r.stderr("Tc_mid_K"), 2e-3))
    s = tc.analyze([meas(T, R)], subtract_floor=True)
    # levels relative to R_N - floor = R0: the mid level is R0/2 above the floor -> Tc
    assert s.value("Tc_mid_K") == pytest.approx(TC, abs=max(4 * s.stderr("Tc_mid_K"), 2e-3))
    assert s.value("R_N_ohm") == pytest.approx(R0, rel=0.01)
    assert "subtracted" in " ".join(f.message for f in s.quality.flags)
    # no floor, no flag
    clean = tc.analyze([meas(T, metal_tanh(T, R0, rrr=1.0) + 0.1 * rng.standard_normal(T.size))])
    assert not clean.quality.has("residual_floor") and "R_floor_ohm" not in clean.params


def test_whole_messy_file_with_a_floor_above_the_20_percent_level():
    """A whole file: cool-down 298 K -> 2 K (3 K then 50 mK steps), a warming sweep 2 -> 11 K
    lagging by 30 mK, a 50 Ohm series floor (a third of R_N, so 0.2 R_N is never crossed)
    and one glitch. Default options: Tc_mid survives, the floor is found and flagged, the
    unreached levels are flagged, not invented; subtract_floor recovers the closed-form
    Tc = 3 K and 20-80 % width 2 w atanh(0.6)."""
    rng = np.random.default_rng(11)
    w, floor = 0.15, 50.0
    down = np.concatenate([np.arange(298.0, 10.0, -3.0), np.arange(10.0, 2.0, -0.05)])
    up = np.arange(2.0, 11.0, 0.05)
    T_true = np.concatenate([down, up])
    T_read = np.concatenate([down, up + 0.03])
    R = floor + metal_tanh(T_true, w=w) + rng.normal(0.0, 0.5, T_true.size)
    R[down.size + 40] += 400.0  # a glitch in the warming sweep
    m = meas(T_read, R)
    res = tc.analyze([m])
    codes = res.quality.codes
    assert res.verdict == "warn" and "residual_floor" in codes
    assert "criterion_not_reached" in codes and "width_K" not in res.params
    assert res.value("R_floor_ohm") == pytest.approx(floor, abs=1.0)
    # with the floor, 0.5 R_N lies at f = (0.5 R_N - floor)/(R_N - floor) of the step
    RN = res.value("R_N_ohm")
    f = (0.5 * RN - floor) / (RN - floor)
    expect = TC + w * math.atanh(2 * f - 1)
    assert abs(res.value("Tc_mid_K") - expect) < 4 * res.stderr("Tc_mid_K") + 0.01
    sub = tc.analyze([m], subtract_floor=True)
    assert abs(sub.value("Tc_mid_K") - TC) < 3 * sub.stderr("Tc_mid_K") + 0.005
    assert sub.value("width_K") == pytest.approx(2 * w * math.atanh(0.6), abs=0.02)


# ------------------------------------------------------------------ steps and isotherms


def logistic(T, tc_, w):
    return 1.0 / (1.0 + np.exp(-(np.asarray(T, dtype=float) - tc_) / w))


def two_steps(T, t1, t2, w, R0=500.0):
    """Two equal halves R0 [logistic(t1) + logistic(t2)]/2: a flat plateau at R0/2 between."""
    return R0 * (0.5 * logistic(T, t1, w) + 0.5 * logistic(T, t2, w))


@pytest.mark.parametrize("t1, t2, w", [(3.0, 5.5, 0.12), (2.0, 6.0, 0.2), (3.0, 4.2, 0.12)])
def test_step_above_an_intermediate_plateau_is_the_transition(t1, t2, w):
    rng = np.random.default_rng(3)
    T = np.arange(1.0, 9.0, 0.05)
    R = two_steps(T, t1, t2, w) + 0.2 * rng.standard_normal(T.size)
    win = tc.above_transition_window(T, R)
    # the upper step: T50 at its half height (R0 3/4, i.e. logistic(t2) = 1/2), L = R0/2
    assert win.found and win.T50_K == pytest.approx(t2, abs=0.05)
    assert win.low_ohm == pytest.approx(250.0, rel=0.05)
    assert win.lo_K > t2 + 3 * w
    r = tc.analyze([meas(T, R)])
    assert r.value("R_N_ohm") == pytest.approx(500.0, rel=0.01)
    flag = next(f for f in r.quality.flags if f.code == "multi_step")
    steps = r.provenance["steps_K"]
    assert any(abs(s - t1) < 0.1 for s in steps) and any(abs(s - t2) < 0.1 for s in steps)
    named = [float(x) for x in re.findall(r"\d+\.\d+", flag.message)]
    assert all(any(abs(x - t) < 0.1 for x in named) for t in (t1, t2)), flag.message
    assert "lower plateau" in r.options["rn_window_rule"]


def test_three_steps_take_R_N_above_the_highest():
    T = np.arange(1.0, 9.0, 0.05)
    R = 600.0 * (logistic(T, 2.0, 0.1) + logistic(T, 4.0, 0.1) + logistic(T, 6.5, 0.1)) / 3
    win = tc.above_transition_window(T, R)
    assert win.T50_K == pytest.approx(6.5, abs=0.05)
    assert win.low_ohm == pytest.approx(400.0, rel=0.02)
    assert np.mean(R[win.select(T)]) == pytest.approx(600.0, rel=0.005)


@pytest.mark.parametrize("R0, power", [(20.0, 2), (100.0, 2), (20.0, 1)])
def test_metallic_normal_state_from_300K_is_not_a_step(R0, power):
    """R_n = R0 + A (T/300 K)^n down to one tanh transition (RRR up to 100, 3 K steps
    far from Tc): the metallic fall is never taken for a step above the transition."""
    rng = np.random.default_rng(7)
    T = np.unique(np.concatenate([np.arange(300.0, 9.0, -3.0), np.arange(1.0, 9.0, 0.05)]))
    A = 2000.0 - R0
    Rn = R0 + A * (T / 300.0) ** power
    R = Rn * 0.5 * (1 + np.tanh((T - 5.0) / 0.2)) + 1e-3 * R0 * rng.standard_normal(T.size)
    win = tc.above_transition_window(T, R)
    assert win.found and win.low_ohm == 0.0
    assert win.T50_K == pytest.approx(5.0, abs=0.05)
    assert win.hi_K < 9.0
    r = tc.analyze([meas(T, R)])
    assert not r.quality.has("multi_step")
    assert abs(r.value("Tc_mid_K") - 5.0) < 0.05


def isotherms(temps, *, n=40, seed=1):
    """I-V isotherms in file order: at each T a current sweep 1 uA -> 3 mA, V = R I."""
    rng = np.random.default_rng(seed)
    T, I, R = [], [], []
    for t in temps:
        cur = np.geomspace(1e-6, 3e-3, n)
        T.append(t + 2e-4 * rng.standard_normal(n))
        I.append(cur)
        R.append(100.0 * cur / (cur + 3e-4))
    return np.concatenate(T), np.concatenate(I), np.concatenate(R)


def test_several_iv_isotherms_are_refused():
    T, I, R = isotherms([1.8, 2.0, 2.2, 2.4])
    m = meas(T, R, I_A=I, V_V=R * I)
    with pytest.raises(RefusedError, match="4 I-V isotherms.*current sweep at fixed "
                                           "temperature"):
        tc.analyze([m])
    # the temperature spans 29 % of its mean: only the isotherm rule catches it
    assert np.ptp(T) > 0.01 * np.mean(T)


def test_stepped_rt_with_reversed_or_ranged_excitation_is_not_isotherms():
    # R(T) in steps of 0.1 K, 6 readings per step: excitation reversed +I/-I row by row,
    # and the current range changed once per step (10 -> 100 uA): an R(T) curve
    Ts = np.arange(1.0, 6.0, 0.1)
    T = np.repeat(Ts, 6)
    I = np.tile([1e-5, -1e-5, 1e-5, -1e-5, 1e-4, -1e-4], Ts.size)
    R = metal_tanh(T)
    tc.refuse_not_rt([meas(T, R, I_A=I)])  # no RefusedError
    assert tc.analyze([meas(T, R, I_A=I)]).value("Tc_mid_K") == pytest.approx(TC, abs=0.02)


def field_sweeps(temps, *, n=120, Bc0=0.5, Tc=0.75, seed=2):
    """R(B) sweeps 0 -> 1.2 Bc2(T) at fixed T, Bc2 = Bc0 (1 - T/Tc): the high-T sweeps are
    short (a few mT per row, below field_tol_T); R = R_N/2 (1 + tanh((B - Bc2)/(0.05 Bc0)))
    with R_N = 1350 Ohm and 3 Ohm noise."""
    rng = np.random.default_rng(seed)
    T, B, R = [], [], []
    for t in temps:
        bc2 = Bc0 * (1 - t / Tc)
        b = np.linspace(0.0, 1.2 * bc2, n)
        T.append(np.full(n, t))
        B.append(b)
        R.append(675.0 * (1 + np.tanh((b - bc2) / (0.05 * Bc0))) + 3.0 * rng.standard_normal(n))
    return np.concatenate(T), np.concatenate(B), np.concatenate(R)


def test_rb_sweeps_at_several_temperatures_are_refused_as_field_sweeps():
    # audit B6/B7: the median field step (< 5 mT) misses these; the B-in-blocks rule does not
    T, B, R = field_sweeps([0.1, 0.2, 0.3, 0.45, 0.6, 0.7])
    assert np.median(np.abs(np.diff(B))) < 5e-3
    with pytest.raises(RefusedError, match=r"R\(B\) sweeps at fixed temperature.*"
                                           r"tc-field or hc2-temperature") as exc:
        tc.analyze([meas(T, R, B_T=B)])
    assert "not positive" not in str(exc.value)
    # every float in the message has at most 4 significant digits
    assert not re.search(r"\d\.\d{5,}", str(exc.value))


def test_rt_in_a_fixed_field_with_field_noise_is_not_a_field_sweep():
    rng = np.random.default_rng(3)
    T = np.linspace(1.0, 6.0, 200)
    B = 1.0 + 5e-4 * rng.standard_normal(T.size)  # 0.5 mT readback noise
    tc.refuse_not_rt([meas(T, metal_tanh(T), B_T=B)])  # no RefusedError
