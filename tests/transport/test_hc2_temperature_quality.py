"""hc2-temperature checks itself: declaration, quality flags, error budgets, coverage.

Data are simulated here from closed forms written in this file: the GL line
B = B0*(1 - T/Tc) (MODELS.md §5.3, seed 004 Eq. 1), a logistic R(H) transition whose
criterion field is B_f = Bc + w*ln(f/(1 - f)), and the WHH equation for lambda_so = 0
(WHH 1966; MODELS.md §5.5): ln(1/t) = Re psi(1/2 + h(1 + i alpha)/(2t)) - psi(1/2).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.constants as sc
from scipy.optimize import brentq
from scipy.special import digamma

from ktoanalysis.errors import FitError, KtoError, OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hc2_temperature as h2t

MU_B = sc.physical_constants["Bohr magneton"][0]


def _table(T, B, sig=None, source="pts.csv", orientation=None):
    d = {"T_K": np.asarray(T, float), "Hc2_T": np.asarray(B, float)}
    if sig is not None:
        d["Hc2_err_T"] = np.broadcast_to(np.asarray(sig, float), d["T_K"].shape).copy()
    meta = {"source": source}
    if orientation:
        meta["field_orientation"] = orientation
    return Measurement(data=pd.DataFrame(d), metadata=meta)


def _gl(T, B0, Tc):
    return B0 * (1.0 - np.asarray(T) / Tc)


def _rh_sweeps(temps, Bc, RN=100.0, w=0.03, noise=0.05, seed=0, Bmax=1.0):
    """R(H) up and down sweeps, R = RN/(1 + exp(-(|B| - Bc(T))/w)) + noise."""
    rng = np.random.default_rng(seed)
    B = np.round(np.arange(-Bmax, Bmax + 1e-9, 0.005), 6)
    rows = []
    for T in temps:
        for Bs in (B, B[::-1]):
            R = RN / (1 + np.exp(-(np.abs(Bs) - Bc(T)) / w)) + rng.normal(0, noise, Bs.size)
            rows.append(pd.DataFrame({"T_K": T, "B_T": Bs, "R_ohm": R}))
    return Measurement(data=pd.concat(rows, ignore_index=True), metadata={"source": "rh.csv"})


# ------------------------------------------------------------------------------ declaration
def test_spec_declares_every_option_and_refuses_bad_values():
    spec = h2t.SPEC
    assert spec.kind == "hc2-temperature"
    assert set(h2t.OPTIONS) == {o.name for o in spec.options}
    assert spec.option("whh").assumption and spec.option("gl_shared_tc").assumption
    assert spec.option("T_window_K").unit == "K"
    for bad in ({"criterion": 1.0}, {"criterion": 0.0}, {"T_tol_K": 0.0}, {"g_factor": -2},
                {"R_N_ohm": 0.0}, {"T_window_K": [2.0, 1.0]}, {"whh": "magic"},
                {"field_orientation": ["perp", "diagonal"]}, {"use_sigma": "sometimes"},
                {"klb_d_m": -1e-9}, {"xi0_m": 0.0}, {"sweep": "angle"}):
        with pytest.raises(OptionError, match=next(iter(bad))):
            h2t.analyze([_table([0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1])], **bad)
    ok = spec.resolve({"use_sigma": True, "field_orientation": ["perp", "par"]})
    assert ok["use_sigma"] is True and ok["criterion"] == 0.5


# ------------------------------------------------------------------------------ traps
@pytest.mark.parametrize("with_errors", [False, True])
def test_noise_around_a_constant_is_not_ok(with_errors):
    """No T dependence: no Tc. Must fail (no_trend), never a confident Tc."""
    rng = np.random.default_rng(3)
    T = np.linspace(0.1, 0.75, 10)
    B = 0.1 + rng.normal(0, 0.005, T.size)
    r = h2t.analyze([_table(T, B, 0.005 if with_errors else None)], whh="none")
    assert r.quality.verdict == "fail"
    assert r.quality.has("no_trend")


def test_noise_sweeps_are_refused_or_fail():
    rng = np.random.default_rng(5)
    B = np.round(np.arange(-0.3, 0.3001, 0.01), 6)
    rows = [pd.DataFrame({"T_K": T, "B_T": b, "R_ohm": 100 + rng.normal(0, 40, b.size)})
            for T in np.linspace(0.1, 0.75, 8) for b in (B, B[::-1])]
    m = Measurement(data=pd.concat(rows, ignore_index=True), metadata={"source": "noise.csv"})
    try:
        r = h2t.analyze([m])
    except RefusedError:
        return
    assert r.quality.verdict == "fail", r.quality.summary()


def test_rising_points_pin_tc_at_the_data_and_fail():
    T = np.linspace(0.2, 0.75, 8)
    r = h2t.analyze([_table(T, 0.1 + 0.05 * T, 1e-3)], whh="none")
    assert r.quality.verdict == "fail"
    assert {"no_trend"} <= set(r.quality.codes)


def test_clean_gl_line_is_ok_and_recovers_tc():
    B0, Tc = 0.25, 0.8
    T = np.linspace(0.3, 0.72, 10)
    rng = np.random.default_rng(11)
    sig = 1e-3
    r = h2t.analyze([_table(T, _gl(T, B0, Tc) + rng.normal(0, sig, T.size), sig)])
    assert r.quality.verdict in ("ok", "warn"), [str(f) for f in r.quality.flags]
    assert not any(f.severity == "fail" for f in r.quality.flags)
    assert abs(r.value("Tc_K") - Tc) < 3 * r.stderr("Tc_K")
    assert abs(r.value("dHc2dT_T_per_K") + B0 / Tc) < 3 * r.stderr("dHc2dT_T_per_K")
    b = r.budget["Tc_K"]
    assert b.stat is not None and b.stat > 0 and "criterion" not in b.sys  # table: no criterion
    assert set(r.budget) >= {"Tc_K", "Bc2perp_GL0_T", "dHc2dT_T_per_K"}


def test_too_few_points_fail():
    T = np.array([0.3, 0.45, 0.6])
    r = h2t.analyze([_table(T, _gl(T, 0.2, 0.8), 1e-3)], whh="none")
    assert r.quality.verdict == "fail" and r.quality.has("too_few_points")


def test_tc_far_above_the_data_is_extrapolated():
    """Points only at T < 0.2 Tc: Tc is an extrapolation over 80 % of its value."""
    T = np.linspace(0.05, 0.2, 6)
    rng = np.random.default_rng(2)
    r = h2t.analyze([_table(T, _gl(T, 0.2, 1.0) + rng.normal(0, 1e-4, T.size), 1e-4)],
                    whh="none")
    flags = [f for f in r.quality.flags if f.code == "extrapolated"]
    assert flags and flags[0].severity == "fail", r.quality.summary()
    assert "Tc_perp_K" in flags[0].message or "Tc_K" in flags[0].message


def test_curved_line_is_a_bad_gl_fit():
    """Hc2 ~ (1 - t)**1.5 with 0.1 % errors: the straight GL line must be rejected."""
    T = np.linspace(0.1, 0.9, 12)
    B = 0.3 * (1 - T) ** 1.5
    r = h2t.analyze([_table(T, B, 3e-4)], whh="none")
    assert r.quality.has("bad_fit") and r.quality.verdict == "fail"


def _whh_reference(t, alpha):
    """Largest root h of ln(1/t) = Re psi(1/2 + h(1 + i alpha)/(2t)) - psi(1/2)."""
    def f(hh):
        return (digamma(0.5 + hh * (1 + 1j * alpha) / (2 * t)).real - digamma(0.5)
                - math.log(1 / t))
    grid = np.linspace(1e-6, 1.0, 2001)
    v = np.array([f(x) for x in grid])
    i = np.flatnonzero((v[:-1] <= 0) & (v[1:] > 0))[-1]
    return brentq(f, grid[i], grid[i + 1], xtol=1e-14)


def test_whh_alpha5_is_flagged_first_order():
    """alpha = 5, lambda_so = 0 (Pauli limited): the Maki fit must fail with first_order."""
    alpha, Tc = 5.0, 1.0
    c_P = 1.764 * sc.k / (math.sqrt(2) * MU_B)  # B_P per K of Tc (MODELS.md §5.6)
    S = alpha * c_P / (math.sqrt(2) * math.pi**2 * math.exp(-np.euler_gamma) / 8)
    T = np.linspace(0.15, 0.95, 10)
    B = np.array([math.pi**2 / 4 * _whh_reference(x / Tc, alpha) * Tc * S for x in T])
    assert np.argmax(B) > 0  # re-entrant second-order line: Hc2 falls towards T -> 0
    rng = np.random.default_rng(1)
    sig = 0.005 * B
    r = h2t.analyze([_table(T, B + rng.normal(0, sig), sig)], whh="maki")
    assert r.value("alpha_Maki") == pytest.approx(alpha, rel=0.1)
    f = [x for x in r.quality.flags if x.code == "first_order"]
    assert f and f[0].severity == "fail" and "1.8" in f[0].message
    assert r.quality.verdict == "fail"


def test_orbital_whh_with_pauli_slope_warns_first_order():
    """Orbital WHH with S = 9.5 T/K at Tc = 1 K implies alpha = 5 > 1.8 (warn only)."""
    T = np.linspace(0.5, 0.95, 8)
    B = _gl(T, 9.5, 1.0)
    r = h2t.analyze([_table(T, B, 1e-3)], whh="orbital")
    f = [x for x in r.quality.flags if x.code == "first_order"]
    assert f and f[0].severity == "warn"


def test_failed_candidates_are_warnings(monkeypatch):
    T = np.linspace(0.3, 0.58, 10)
    rng = np.random.default_rng(4)
    perp = _table(T, _gl(T, 0.087, 0.6) + rng.normal(0, 1e-3, T.size), 1e-3,
                  orientation="perp")
    par = _table(T, 4.0 * np.sqrt(1 - T / 0.6) + rng.normal(0, 0.02, T.size), 0.02,
                 "par.csv", "par")

    def boom(*a, **k):
        raise FitError("simulated failure")

    monkeypatch.setattr(h2t, "_klb_lmfit", boom)
    monkeypatch.setattr(h2t, "_whh_lmfit", boom)
    r = h2t.analyze([perp, par], klb="spin")
    flags = [f for f in r.quality.flags if f.code == "candidate_failed"]
    assert len(flags) == 2 and all(f.severity == "warn" for f in flags)
    assert "Tc_K" in r.params and "tau_so_s" not in r.params and "Tc_WHH_K" not in r.params


def test_whh_auto_selects_the_orbital_form_for_orbital_data():
    """Orbital WHH curve (largest root of the alpha = 0 equation, written here)."""
    Tc, S = 0.6, 0.2
    T = np.linspace(0.1, 0.55, 8)
    B = np.array([math.pi**2 / 4 * _whh_reference(x / Tc, 0.0) * Tc * S for x in T])
    rng = np.random.default_rng(6)
    r = h2t.analyze([_table(T, B + rng.normal(0, 5e-4, T.size), 5e-4)], whh="auto")
    assert r.options["whh_form_selected"] == "orbital"
    assert abs(r.value("S_WHH_T_per_K") - S) < 4 * r.stderr("S_WHH_T_per_K")
    assert "whh_aicc_maki" in r.stats


# ------------------------------------------------------------------------------ budgets
def test_criterion_systematic_matches_the_logistic_closed_form():
    """Logistic R(H) of width w: B_f = Bc + w*ln(f/(1-f)), so criterion 0.4/0.6 shift every
    Hc2 by -+0.405 w; GL: B0_f = B0 + c, Tc_f = Tc*(B0 + c)/B0, slope unchanged."""
    B0, Tc, w = 1.3, 3.2, 0.03
    temps = np.arange(1.6, 2.61, 0.1)
    m = _rh_sweeps(temps, lambda T: _gl(T, B0, Tc), w=w, noise=0.02)
    r = h2t.analyze([m], whh="none")
    c = w * math.log(0.6 / 0.4)
    assert r.budget["Bc2perp_GL0_T"].sys["criterion"] == pytest.approx(c, rel=0.1)
    assert r.budget["Tc_K"].sys["criterion"] == pytest.approx(Tc * c / B0, rel=0.1)
    assert r.budget["dHc2dT_T_per_K"].sys["criterion"] < 0.1 * r.budget["Tc_K"].sys[
        "criterion"] * B0 / Tc
    b = r.budget["Tc_K"]
    assert r.stderr("Tc_K") == pytest.approx(b.total, rel=1e-9)
    assert b.total > b.stat
    d = r.to_dict()["params"]["Tc_K"]
    assert d["stderr_sys"] > 0 and d["stderr_stat"] > 0


# ------------------------------------------------------------------------------ robustness
@pytest.mark.parametrize("case", ["nan", "inf", "single", "dup", "reversed", "tiny", "huge",
                                  "negT", "constant"])
def test_bad_or_odd_inputs_raise_kto_errors_only(case):
    T = np.linspace(0.3, 0.7, 8)
    B = _gl(T, 0.2, 0.8)
    if case == "nan":
        B = B.copy()
        B[2] = np.nan
    elif case == "inf":
        T = T.copy()
        T[1] = np.inf
    elif case == "single":
        T, B = T[:1], B[:1]
    elif case == "dup":
        T, B = np.r_[T, T[:2]], np.r_[B, B[:2]]
    elif case == "reversed":
        T, B = T[::-1], B[::-1]
    elif case == "tiny":
        B = B * 1e-12
    elif case == "huge":
        B = B * 1e12
    elif case == "negT":
        T = T - 0.5
    elif case == "constant":
        B = np.full(T.size, 0.1)
    try:
        r = h2t.analyze([_table(T, B)])
    except KtoError:
        return
    assert r.quality.verdict in ("ok", "warn", "fail")
    if case in ("reversed", "huge"):
        assert r.value("Tc_K") == pytest.approx(0.8, rel=1e-6)
    if case == "tiny":  # 1e-13 T residuals: either right or without honest errors
        assert r.value("Tc_K") == pytest.approx(0.8, rel=1e-3)
        assert r.quality.verdict == "fail" or r.value("Tc_K") == pytest.approx(0.8, rel=1e-6)
    if case == "constant":
        assert r.quality.verdict == "fail"


# ------------------------------------------------------------------------------ coverage
def _sparse_set(seed, n=7, known=True):
    """n points at random T in [0.33, 0.94] Tc, 5 % noise: relative to each field when the
    errors are given (heteroscedastic, weighted fit), 5 % of the mid-range field when not
    (an unweighted fit with scaled covariance assumes equal errors)."""
    B0, Tc = 0.3, 0.9
    rng = np.random.default_rng(seed)
    T = np.sort(rng.uniform(0.3, 0.85, n))
    while np.min(np.diff(T)) < 0.01:
        T = np.sort(rng.uniform(0.3, 0.85, n))
    truth = _gl(T, B0, Tc)
    sig = 0.05 * truth if known else np.full(n, 0.05 * B0 / 2)
    B = truth + rng.normal(0, sig)
    return _table(T, np.abs(B), sig if known else None), Tc, B0 / Tc


@pytest.mark.slow
@pytest.mark.parametrize(("known", "n"), [(True, 7), (False, 7), (True, 6), (False, 8)])
def test_coverage_tc_sparse_points(known, n):
    """>= 200 sets of 6-8 points, 5 % noise: 1-sigma coverage of Tc_K and slope 60-76 %."""
    hit_tc, hit_s, sets = 0, 0, 240
    for i in range(sets):
        m, Tc, S = _sparse_set(1000 + i, n=n, known=known)
        r = h2t.analyze([m], whh="none")
        hit_tc += abs(r.value("Tc_K") - Tc) < r.stderr("Tc_K")
        hit_s += abs(r.value("dHc2dT_T_per_K") + S) < r.stderr("dHc2dT_T_per_K")
    cov_tc, cov_s = hit_tc / sets, hit_s / sets
    print(f"coverage known={known} n={n}: Tc {cov_tc:.3f}, slope {cov_s:.3f}")
    assert 0.60 <= cov_tc <= 0.76
    assert 0.60 <= cov_s <= 0.76
