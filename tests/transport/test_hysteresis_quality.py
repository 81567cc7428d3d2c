"""Quality of the ``mr-hysteresis`` kind: hysteresis decided from the whole branch
difference, glitches, TAPS-fit checks, the declaration.

Loops are simulated here with formulas written in the test (Lorentzian butterfly peaks,
tanh steps, an even normal-state MR), never with the package's functions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hysteresis as hy


def _lor(B, c, amp, w):
    return amp / (1 + ((B - c) / w) ** 2)


def _measurement(fd, fu, rng, *, sigma=1.0, npts=601, bmax=1.5, T=0.5):
    """Down sweep (acquired first) then up sweep of R = f(B) + noise."""
    bd = np.linspace(bmax, -bmax, npts)
    bu = bd[::-1]
    R = np.r_[fd(bd), fu(bu)] + sigma * rng.standard_normal(2 * npts)
    df = pd.DataFrame({"B_T": np.r_[bd, bu], "T_K": T, "R_ohm": R})
    return Measurement(df, {"source": "sim.csv"})


def test_spec_declares_and_validates_options_before_any_work():
    assert hy.OPTIONS == hy.SPEC.help_map()
    names = {o.name for o in hy.SPEC.options}
    assert {"peak_window_T", "peak_sigma", "hysteresis_sigma", "glitch_sigma", "taps_fit",
            "mr_taps_field_dependence", "W_m", "L_m", "T_K", "channel"} <= names
    assert hy.SPEC.option("mr_taps_field_dependence").assumption
    with pytest.raises(OptionError, match="peak_sigma"):
        hy.analyze([], peak_sigma="five")
    with pytest.raises(OptionError, match="mr_taps_field_dependence"):
        hy.analyze([], mr_taps_field_dependence="linear")
    with pytest.raises(OptionError, match="peak_window_T"):
        hy.analyze([], peak_window_T=[0.5, 0.1])


@pytest.mark.parametrize("ratio", [70, 3000])
def test_branches_far_apart_are_never_no_hysteresis_peaks_outside_window(ratio):
    # butterfly peaks of ratio x noise, but the peak window excludes them: the peak model
    # finds nothing, the branch difference must still report hysteresis
    rng = np.random.default_rng(ratio)
    m = _measurement(lambda B: 100 + _lor(B, -0.08, ratio, 0.02),
                     lambda B: 100 + _lor(B, 0.08, ratio, 0.02), rng)
    res = hy.analyze([m], peak_window_T=[0.4, 1.5])
    assert not res.options["hysteresis"].startswith("none")
    assert res.value("hysteresis_significance_sigma") > 5
    flag = next(f for f in res.quality.flags if f.code == "unexplained_hysteresis")
    assert flag.severity == "warn" and "sigma" in flag.message


@pytest.mark.parametrize("ratio", [70, 3000])
def test_branches_far_apart_without_peaks_step_loop(ratio):
    # a square (ferromagnet-like) loop: R = R0 + A tanh((B -+ Bc)/w), no peak at all
    rng = np.random.default_rng(ratio + 1)
    m = _measurement(lambda B: 100 + ratio * np.tanh((B + 0.1) / 0.05),
                     lambda B: 100 + ratio * np.tanh((B - 0.1) / 0.05), rng)
    res = hy.analyze([m])
    assert res.options["hysteresis"] == "hysteretic branches without butterfly peaks"
    assert res.quality.has("unexplained_hysteresis")
    assert res.value("hysteresis_significance_sigma") > 5


def test_identical_branches_are_not_hysteretic():
    # even MR (parabola + field-symmetric maxima) identical on both sweeps: the significance
    # is of order 1 (the local noise is a conservative estimate, so usually below 0)
    rng = np.random.default_rng(5)
    f = lambda B: 50 + 3 * B**2 + 20 * np.exp(-((np.abs(B) - 0.6) / 0.1) ** 2)  # noqa: E731
    zs = []
    for _ in range(5):
        res = hy.analyze([_measurement(f, f, rng, sigma=0.2)])
        assert res.options["hysteresis"] == "none detected"
        assert not res.quality.has("unexplained_hysteresis")
        zs.append(res.value("hysteresis_significance_sigma"))
    assert max(zs) < 3


def test_significance_matches_a_chi_square_written_here():
    # equal grids, known constant noise: z from the Wilson-Hilferty transform of
    # chi2 = sum((up - down)^2 / (2 s^2)) on n points (local noise = the global one here)
    rng = np.random.default_rng(6)
    B = np.linspace(-1, 1, 201)
    s = 0.1
    up = (B, 10 + 0.05 * B + s * rng.standard_normal(B.size))
    down = (B, 10 + s * rng.standard_normal(B.size))
    out = hy.hysteresis_significance(up, down)
    su, sd = hy.noise_sigma(up[1]), hy.noise_sigma(down[1])
    chi2 = np.sum((up[1] - down[1]) ** 2) / (su**2 + sd**2)
    n = B.size
    c = 2 / (9 * n)
    z = ((chi2 / n) ** (1 / 3) - (1 - c)) / np.sqrt(c)
    assert out["npoints"] == n
    # the local estimate is never below the global one: significance at most the global one
    assert out["significance_sigma"] <= z + 1e-9
    assert out["significance_sigma"] == pytest.approx(z, abs=2.0)


@pytest.mark.parametrize("where", ["last", "first_of_down", "interior"])
def test_one_point_spike_is_a_glitch_never_a_peak(where):
    # identical branches (no hysteresis) with a 100-sigma one-point spike
    rng = np.random.default_rng(7)
    npts = 401
    bd = np.linspace(1, -1, npts)
    bu = bd[::-1]
    R = np.r_[50 + 3 * bd**2, 50 + 3 * bu**2] + 0.05 * rng.standard_normal(2 * npts)
    i = {"last": 2 * npts - 1, "first_of_down": 0, "interior": npts + 250}[where]
    R[i] += 5.0
    B = np.r_[bd, bu]
    m = Measurement(pd.DataFrame({"B_T": B, "T_K": 2.0, "R_ohm": R}), {"source": "spike"})
    res = hy.analyze([m])
    assert res.options["hysteresis"] == "none detected"
    assert not any(k.startswith(("peak_field", "delta_R")) for k in res.params)
    g = res.provenance["glitches"]
    assert len(g) == 1 and g[0]["B_T"] == pytest.approx(B[i])
    assert res.verdict == "ok"


def test_glitch_on_a_butterfly_loop_leaves_the_peaks():
    rng = np.random.default_rng(8)
    npts = 601
    bd = np.linspace(1.5, -1.5, npts)
    bu = bd[::-1]
    R = np.r_[100 + _lor(bd, -0.08, 300, 0.02), 100 + _lor(bu, 0.08, 300, 0.02)]
    R += rng.standard_normal(R.size)
    R[npts + 100] += 200.0  # up sweep at B = -1.0 T
    m = Measurement(pd.DataFrame({"B_T": np.r_[bd, bu], "T_K": 0.5, "R_ohm": R}),
                    {"source": "g"})
    res = hy.analyze([m])
    assert res.options["hysteresis"] == "butterfly peaks on both branches"
    assert [g["B_T"] for g in res.provenance["glitches"]] == [pytest.approx(-1.0)]
    up = res.params["peak_field_up_T"]
    assert abs(up.nominal_value - 0.08) < 4 * up.std_dev


def test_two_point_glitch_and_resolved_peaks():
    # a two-point glitch is found; well-sampled narrow peaks (FWHM/step = 3) are not glitches
    rng = np.random.default_rng(9)
    B = np.linspace(-1.5, 1.5, 601)
    R = 100 + _lor(B, 0.08, 3000, 0.0075) + rng.standard_normal(B.size)
    R[400:402] += 50
    idx = hy.find_glitches(B, R)
    assert list(idx) == [400, 401]


def _series(rng, temps, amps, sigma=1.0):
    dfs = []
    for t, a in zip(temps, amps, strict=True):
        bd = np.linspace(0.6, -0.6, 241)
        bu = bd[::-1]
        R = np.r_[100 + _lor(bd, -0.08, a, 0.02), 100 + _lor(bu, 0.08, a, 0.02)]
        dfs.append(pd.DataFrame({"B_T": np.r_[bd, bu], "T_K": t,
                                 "R_ohm": R + sigma * rng.standard_normal(R.size)}))
    return Measurement(pd.concat(dfs).reset_index(drop=True), {"source": "series"})


def test_taps_too_few_temperatures_is_flagged_not_raised():
    # 5 temperatures with Delta R: enough for shape_only (3 parameters + 2), not for
    # free_pair (5 + 2)
    rng = np.random.default_rng(10)
    temps = np.linspace(0.1, 0.5, 5)
    m = _series(rng, temps, 200 + 400 * temps)
    res = hy.analyze([m])  # default free_pair
    f = next(f for f in res.quality.flags if f.code == "too_few_points")
    assert "TAPS" in f.message and "need 7" in f.message
    assert not any(k.startswith("taps_") for k in res.params)


def test_taps_fit_quality_good_and_bad():
    # Delta R(T) from the reduced LAMH bell (MODELS.md §6.1 / seed 004 Eq. 3) written here:
    # A (1 - t)^(3/2) / t * sqrt(x) exp(-x), x = dF0 (1 - t)^(3/2) / (Tc t), t = T/Tc
    rng = np.random.default_rng(11)
    T = np.linspace(0.05, 0.58, 14)
    Tc, dF0, A = 0.6, 2.0, 3000.0
    t = T / Tc
    x = dF0 * (1 - t) ** 1.5 / (Tc * t)
    y = A * (1 - t) ** 1.5 / t * np.sqrt(x) * np.exp(-x)
    s = 0.02 * y.max()
    good = hy.fit_delta_rs_taps(T, y + s * rng.standard_normal(T.size), np.full(T.size, s),
                                form="shape_only")
    assert good.verdict == "ok", good.quality.summary()
    assert abs(good.value("Tc_K") - Tc) < 4 * good.stderr("Tc_K")
    assert abs(good.value("dF0_K") - dF0) < 4 * good.stderr("dF0_K")
    # a straight line is not a TAPS bell: bad fit and Tc pinned at its bound
    T2 = np.linspace(0.1, 0.5, 10)
    line = 100 * T2
    bad = hy.fit_delta_rs_taps(T2, line + rng.standard_normal(T2.size), np.full(T2.size, 1.0),
                               form="shape_only")
    assert bad.verdict == "fail"
    assert bad.quality.has("bad_fit") and bad.quality.has("at_bound")


def test_analyze_series_taps_flags_reach_the_result():
    rng = np.random.default_rng(12)
    temps = np.linspace(0.1, 0.5, 8)
    m = _series(rng, temps, 100 + 1000 * temps)  # Delta R rising linearly: not a bell
    res = hy.analyze([m], mr_taps_field_dependence="shape_only")
    assert "taps_Tc_K" in res.params
    assert res.quality.has("bad_fit")


@pytest.mark.realdata
def test_realdata_snse_nbse2_negative_control(ppms_resistivity):
    # SOURCES.md §1a: up and down sweeps agree (no butterfly hysteresis); the SC part of the
    # sweeps is several times noisier than the normal part (heteroscedastic noise)
    from ktoanalysis.io import load

    res = hy.analyze([load(ppms_resistivity)])
    assert res.options["hysteresis"].startswith("none")
    assert not res.quality.has("unexplained_hysteresis")
    # warn only for the notes (4 temperatures; a window shift within the magnet lag)
    assert res.verdict == "warn" and set(res.quality.codes) == {"note"}
    for row in res.options["per_temperature"]:
        if "difference" in row:
            assert row["difference"]["significance_sigma"] < 5, row["T_K"]


# ----------------------------------------------------------------------------------------
# traps: data without magnetoresistance (constant, pure noise, flat with offset / negation /
# NaN) are refused, never reported with a peak field; no zero-width ufloat is created


def _loop_of(R_down, R_up, *, npts=201, bmax=0.3, T=0.5):
    bd = np.linspace(bmax, -bmax, npts)
    df = pd.DataFrame({"B_T": np.r_[bd, bd[::-1]], "T_K": T,
                       "R_ohm": np.r_[R_down, R_up]})
    return Measurement(df, {"source": "sim.csv"})


@pytest.mark.parametrize("value", [1377.0118, -1377.0118 + 2.5e3, -4.2e-9, 3.3e11, 0.0])
def test_constant_r_is_refused_without_ufloat_warning(value):
    # constant R (also after an offset or a negation, at any scale): no field dependence
    R = np.full(201, value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RefusedError, match="no magnetoresistance above the noise"):
            hy.analyze([_loop_of(R, R)])


def test_constant_with_nan_cells_is_refused():
    R = np.full(201, 812.5)
    R[[3, 50, 120]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RefusedError, match="no magnetoresistance above the noise"):
            hy.analyze([_loop_of(R, R[::-1].copy())])


def test_flat_with_rounding_level_wiggles_reports_no_peak_field():
    # a constant plus an offset, stored with float rounding (1e-15 relative): the smoothing
    # wiggles are not peaks (they were reported at 0.28 T before the noise floor)
    rng = np.random.default_rng(31)
    c = -(1377.0118 + 0.73 * 1377.0118)
    R = c * (1 + 1e-15 * rng.standard_normal((2, 201)))
    with pytest.raises(RefusedError, match="no magnetoresistance"):
        hy.analyze([_loop_of(R[0], R[1])])
    info = hy.analyze_loop((np.linspace(-0.3, 0.3, 201), R[0]),
                           (np.linspace(-0.3, 0.3, 201), R[1]))
    assert info["flat"]
    assert all(b[s] is None for b in info["branches"].values() for s in ("pos", "neg"))


@pytest.mark.parametrize("dist", ["uniform", "normal"])
def test_pure_noise_is_refused(dist):
    rng = np.random.default_rng(41)
    if dist == "uniform":  # as the campaign's noise case: scale * U(0.05, 1)
        R = 1400 * rng.uniform(0.05, 1.0, (2, 201))
    else:
        R = 100 + 3.0 * rng.standard_normal((2, 201))
    with pytest.raises(RefusedError, match="no magnetoresistance above the noise"):
        hy.analyze([_loop_of(R[0], R[1])])


def test_field_dependence_z_of_a_constant_with_known_noise():
    # white noise around a constant: chi2 against the mean on n-1 dof, Wilson-Hilferty z of
    # order 1 (the local noise is never below the global one: z at most the global value)
    rng = np.random.default_rng(43)
    s, n = 0.5, 401
    R = 20 + s * rng.standard_normal(n)
    out = hy.field_dependence(np.linspace(-1, 1, n), R)
    chi2 = np.sum((R - R.mean()) ** 2) / s**2
    c = 2 / (9 * (n - 1))
    z = ((chi2 / (n - 1)) ** (1 / 3) - (1 - c)) / np.sqrt(c)
    assert out["dof"] == n - 1
    assert abs(z) < 3
    assert out["significance_sigma"] <= z + 1e-9 and out["significance_sigma"] < 3
    # a parabola of 10 x noise at the ends is a field dependence far above 5 sigma
    R2 = R + 10 * s * np.linspace(-1, 1, n) ** 2
    assert hy.field_dependence(np.linspace(-1, 1, n), R2)["significance_sigma"] > 20


def test_weak_peak_below_k_sigma_is_not_reported_strong_one_is():
    # sloped, field-dependent loop (not refused) with butterfly peaks of 2 and 40 x noise
    rng = np.random.default_rng(47)
    for amp, reported in ((2.0, False), (40.0, True)):
        m = _measurement(lambda B, a=amp: 100 + 30 * B**2 + _lor(B, -0.3, a, 0.06),
                         lambda B, a=amp: 100 + 30 * B**2 + _lor(B, 0.3, a, 0.06), rng)
        res = hy.analyze([m])
        assert ("peak_field_up_T" in res.params) is reported, (amp, res.params.keys())
        if not reported:
            assert res.options["hysteresis"].startswith("none")
            assert "no_peak_reason" in res.options and res.verdict == "ok"
        else:
            assert res.value("peak_field_up_T") == pytest.approx(0.3, abs=0.02)


def test_noiseless_butterfly_has_finite_errors_and_no_ufloat_warning():
    # simulated without noise: the noise floor (1e-12 max|R|) gives nonzero errors
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = _measurement(lambda B: 100 + _lor(B, -0.08, 20, 0.02),
                         lambda B: 100 + _lor(B, 0.08, 20, 0.02),
                         np.random.default_rng(0), sigma=0.0)
        res = hy.analyze([m])
    assert res.value("peak_field_up_T") == pytest.approx(0.08, abs=0.005)
    assert res.params["peak_field_up_T"].std_dev > 0


def test_halfwidth_choice_systematic_counts_a_real_shift_only():
    # a shouldered (asymmetric) peak: the vertex of the 1.5x wider parabola moves towards
    # the shoulder by much more than noise explains -> a systematic part above the stat
    # error; on a symmetric peak the same variation is within the noise -> (almost) 0
    rng = np.random.default_rng(61)

    def shouldered(c):
        return lambda B: 100 + _lor(B, c, 50, 0.06) + _lor(B, c + 0.07 * np.sign(c), 20, 0.06)

    m = _measurement(shouldered(-0.3), shouldered(0.3), rng, sigma=0.1)
    b = hy.analyze([m]).budget["peak_field_up_T"]
    assert b.sys["peak_halfwidth_T"] > 2 * b.stat, b
    m = _measurement(lambda B: 100 + _lor(B, -0.3, 50, 0.06),
                     lambda B: 100 + _lor(B, 0.3, 50, 0.06), rng, sigma=0.1)
    b = hy.analyze([m]).budget["peak_field_up_T"]
    assert b.sys["peak_halfwidth_T"] < 0.5 * b.stat, b
