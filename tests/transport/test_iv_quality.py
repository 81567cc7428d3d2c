"""Quality verdicts, noise model, error budget and 1-sigma coverage of kind ``bkt-iv``.

Every data set is simulated here with its own formula (not the package's): isotherms
``V = P / (1 + (P/O)**s)**(1/s)``, a power law ``P = R_N*I_x*(I/I_x)**alpha(T)`` that
meets the Ohmic branch ``O = R_N*I`` at ``I_x``, with the BKT jump form
``alpha(T) = 1 + 2*(T_BKT/T)**3`` (alpha = 3 exactly at T_BKT) or a straight alpha(T);
log-spaced currents, multiplicative noise ``V*(1 + m*N)`` plus an additive floor ``a*N``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import FitError, KtoError, OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import iv

RN, IX = 1400.0, 20e-6


def true_alpha(T, T_bkt, form="jump"):
    if form == "jump":
        return 1.0 + 2.0 * (T_bkt / T) ** 3
    return 3.0 - 6.0 * (T / T_bkt - 1.0)


def iv_curve(I, alpha, rng, rel=0.03, floor=3e-9, sharp=6.0):
    P = RN * IX * (I / IX) ** alpha
    O = RN * I
    V = P / (1.0 + (P / O) ** sharp) ** (1.0 / sharp)
    return V * (1.0 + rel * rng.standard_normal(I.size)) + floor * rng.standard_normal(I.size)


def iv_series(rng, T_bkt=0.6, temps=None, n_iso=6, n_I=40, rel=0.03, floor=3e-9,
              spacing=0.05, form="jump", both=False, sharp=6.0):
    """One file with a T_K column; isotherm temperatures randomly offset from T_BKT."""
    if temps is None:
        off = rng.uniform(-0.5, 0.5)
        temps = T_bkt * (1 + spacing * (np.arange(n_iso) - (n_iso - 1) / 2 + off))
    I = np.geomspace(IX * 1e-3, IX * 5.0, n_I)
    parts = []
    for T in temps:
        a = true_alpha(T, T_bkt, form)
        Vp = iv_curve(I, a, rng, rel, floor, sharp)
        if both:
            Vn = -iv_curve(I, a, rng, rel, floor, sharp)
            parts.append(pd.DataFrame({"T_K": T, "I_A": np.r_[I, -I], "V_V": np.r_[Vp, Vn]}))
        else:
            parts.append(pd.DataFrame({"T_K": T, "I_A": I, "V_V": Vp}))
    return Measurement(pd.concat(parts, ignore_index=True), {"source": "sim_iv.csv"})


# ---------------------------------------------------------------------------------------
# declaration


def test_spec_declares_every_option():
    names = [o.name for o in iv.SPEC.options]
    assert names == ["window", "min_points", "slope_tol", "v_floor_k", "sigma_V_V",
                     "ohmic_fraction", "R_N_ohm", "symmetrize", "alpha_interp", "ladder",
                     "by_tol_K"]
    assert iv.OPTIONS == iv.SPEC.help_map()
    assert iv.SPEC.option("ohmic_fraction").assumption
    assert iv.SPEC.option("window").unit == "A"
    json.dumps(iv.SPEC.to_dict())


@pytest.mark.parametrize("bad", [
    {"sigma_V_V": -1e-9}, {"sigma_V_V": 0.0}, {"ohmic_fraction": 1.0},
    {"ohmic_fraction": 0.0}, {"min_points": 2}, {"min_points": 5.5},
    {"symmetrize": "even"}, {"alpha_interp": "spline"}, {"window": [2e-6, 1e-6]},
    {"window": [-1e-6, 1e-6]}, {"by_tol_K": 0}, {"R_N_ohm": -5.0}, {"ladder": "yes"},
    {"v_floor_k": -1.0}, {"slope_tol": 1.0}, {"no_such_option": 1},
])
def test_bad_options_refused_before_work(bad):
    # refused before the data are looked at: an empty measurement list is never reached
    with pytest.raises(OptionError, match=next(iter(bad))):
        iv.analyze([], **bad)


# ---------------------------------------------------------------------------------------
# refusals and verdicts


def test_single_isotherm_refused():
    rng = np.random.default_rng(1)
    m = iv_series(rng, temps=[0.5])
    with pytest.raises(RefusedError, match=r"at least 2 isotherms.*got 1 at T = 0\.5 K"):
        iv.analyze([m])


def test_never_brackets_fails_without_tbkt():
    # all isotherms below T_BKT = 0.6 K: alpha from 3.4 to 4.3, never 3
    rng = np.random.default_rng(2)
    m = iv_series(rng, temps=[0.48, 0.51, 0.54, 0.57])
    r = iv.analyze([m])
    assert r.verdict == "fail" and r.quality.has("extrapolated")
    assert "T_BKT_K" not in r.params
    msg = next(f.message for f in r.quality.flags if f.code == "extrapolated")
    assert "alpha ranges" in msg and "below" not in msg and "above" in msg
    # the alpha(T) values are kept and right
    for T in (0.48, 0.51, 0.54, 0.57):
        name = f"alpha_at_{T:.4f}K"
        assert abs(r.value(name) - true_alpha(T, 0.6)) < 5 * r.stderr(name) + 0.01


def test_ohmic_isotherms_are_wrong_data_kind():
    rng = np.random.default_rng(3)
    I = np.geomspace(1e-7, 1e-4, 30)
    parts = [pd.DataFrame({"T_K": T, "I_A": I, "V_V": RN * I * (1 + 0.01 * rng.standard_normal(
        I.size))}) for T in (2.0, 2.2, 2.4)]
    m = Measurement(pd.concat(parts, ignore_index=True), {"source": "ohmic.csv"})
    r = iv.analyze([m], ohmic_fraction=0.99, R_N_ohm=1e4)
    assert r.verdict == "fail" and r.quality.has("wrong_data_kind")
    assert "T_BKT_K" not in r.params


def test_clean_series_is_ok_with_budget():
    rng = np.random.default_rng(4)
    r = iv.analyze([iv_series(rng, T_bkt=0.6, rel=0.02)])
    assert r.verdict in ("ok", "warn"), r.quality
    assert not any(f.severity == "fail" for f in r.quality.flags)
    b = r.budget["T_BKT_K"]
    assert b.stat is not None and b.stat > 0
    assert "fit window" in b.sys
    assert r.stderr("T_BKT_K") == pytest.approx(b.total, rel=1e-6)
    assert abs(r.value("T_BKT_K") - 0.6) < 4 * r.stderr("T_BKT_K")
    d = r.to_dict()["params"]["T_BKT_K"]
    assert {"stderr_stat", "stderr_sampling", "stderr_sys"} <= set(d)


def test_alpha_at_bound_fails():
    # two steep isotherms (alpha 40 and 35: beyond the upper bound 30) and a third below 3
    rng = np.random.default_rng(5)
    I = np.geomspace(IX * 0.3, IX * 0.99, 30)
    parts = []
    for T, a in ((0.5, 40.0), (0.55, 35.0), (0.6, 2.0)):
        V = RN * IX * (I / IX) ** a * (1 + 0.01 * rng.standard_normal(I.size))
        parts.append(pd.DataFrame({"T_K": T, "I_A": I, "V_V": V}))
    m = Measurement(pd.concat(parts, ignore_index=True), {"source": "steep.csv"})
    r = iv.analyze([m], v_floor_k=0.0, ohmic_fraction=0.999, R_N_ohm=1e9)
    bound = {f.message.split(" = ")[1].split(":")[1].strip(): f.severity
             for f in r.quality.flags if f.code == "at_bound"}
    # the isotherm of the bracketing pair fails, the other one (not used for T_BKT) warns
    assert bound == {"alpha_at_0.5500K": "fail", "alpha_at_0.5000K": "warn"}, r.quality
    assert r.verdict == "fail"


def test_bad_power_law_warns_naming_the_isotherm():
    # given window across the knee into the Ohmic branch: no straight line there
    rng = np.random.default_rng(6)
    m = iv_series(rng, temps=[0.55, 0.58, 0.62, 0.65], rel=0.01, floor=1e-12)
    r = iv.analyze([m], window=[IX * 0.05, IX * 5.0], ladder=False)
    bad = [f for f in r.quality.flags if f.code in ("bad_fit", "systematic_residuals")]
    assert bad, r.quality
    assert any("T = 0.55 K" in f.message for f in bad)


def test_short_window_is_flagged_too_few_points():
    rng = np.random.default_rng(7)
    m = iv_series(rng, temps=[0.55, 0.58, 0.62, 0.65])
    r = iv.analyze([m], window=[IX * 0.1, IX * 0.2])
    assert r.quality.has("too_few_points")
    msgs = [f.message for f in r.quality.flags if f.code == "too_few_points"]
    assert any("T = 0.55 K" in s for s in msgs)


def test_only_one_isotherm_fitted_fails():
    rng = np.random.default_rng(8)
    m = iv_series(rng, temps=[0.55, 0.65])
    bad = m.data.copy()
    bad.loc[bad["T_K"] == 0.65, "V_V"] = -1e-12  # no positive voltage in the second one
    r = iv.analyze([Measurement(bad, {"source": "x.csv"})])
    assert r.verdict == "fail" and r.quality.has("too_few_points")
    assert "T_BKT_K" not in r.params


@pytest.mark.parametrize("case", ["nan", "constant", "reversed", "duplicates", "tiny", "huge",
                                  "few"])
def test_awkward_input_never_escapes(case):
    rng = np.random.default_rng(9)
    m = iv_series(rng, temps=[0.55, 0.58, 0.62, 0.65])
    d = m.data.copy()
    if case == "nan":
        d.loc[::7, "V_V"] = np.nan
        d.loc[::11, "I_A"] = np.inf
    elif case == "constant":
        d["V_V"] = 1e-6
    elif case == "reversed":
        d = d.iloc[::-1].reset_index(drop=True)
    elif case == "duplicates":
        d = pd.concat([d, d], ignore_index=True)
    elif case == "tiny":
        d["I_A"] *= 1e-12
        d["V_V"] *= 1e-12
    elif case == "huge":
        d["I_A"] *= 1e12
        d["V_V"] *= 1e12
    elif case == "few":
        d = d.groupby("T_K").head(4)
    try:
        r = iv.analyze([Measurement(d, {"source": "x.csv"})])
    except KtoError:
        return
    json.dumps(r.to_dict())
    if case in ("reversed", "duplicates", "tiny", "huge"):
        assert "T_BKT_K" in r.params and r.verdict != "fail"
        scale = {"tiny": 1.0, "huge": 1.0}.get(case, 1.0)
        assert abs(r.value("T_BKT_K") - 0.6) < 5 * r.stderr("T_BKT_K") * scale + 1e-3


# ---------------------------------------------------------------------------------------
# noise model


def test_noise_model_recovers_additive_and_multiplicative_parts():
    # pooled over 40 simulated isotherms: m = 3 %, a = 3 nV are recovered within 10 %
    rng = np.random.default_rng(10)
    I = np.geomspace(IX * 1e-3, IX * 5.0, 40)
    ms, as_ = [], []
    for k in range(40):
        V = iv_curve(I, 3.0 + 0.5 * math.sin(k), rng, rel=0.03, floor=3e-9)
        nm = iv.estimate_noise_model(I, V)
        ms.append(nm.relative)
        as_.append(nm.additive_V)
    assert np.median(ms) == pytest.approx(0.03, rel=0.10)
    assert np.median(as_) == pytest.approx(3e-9, rel=0.15)
    # the former estimate (second differences of V) was inflated by orders of magnitude;
    # the model's sigma in the power-law region stays within 30 % of the truth
    nm = iv.NoiseModel(float(np.median(as_)), float(np.median(ms)))
    Vt = np.array([1e-6, 1e-4, 1e-2])
    assert nm.sigma(Vt) == pytest.approx(np.hypot(3e-9, 0.03 * Vt), rel=0.3)


def test_noise_model_without_floor_is_multiplicative():
    rng = np.random.default_rng(11)
    I = np.geomspace(1e-7, 1e-4, 50)
    V = 1e-3 * (I / 1e-5) ** 3 * (1 + 0.02 * rng.standard_normal(I.size))
    nm = iv.estimate_noise_model(I, V)
    assert nm.relative == pytest.approx(0.02, rel=0.35)
    # no zero-voltage floor in the data: the additive part stays below the smallest voltage
    # (it only removes the lowest points from the window), and is negligible in the
    # power-law region
    assert nm.additive_V < V.min()
    assert nm.sigma(V[25]) == pytest.approx(nm.relative * V[25], rel=1e-3)


def test_crossing_sampling_closed_form():
    # alpha(T) = 3 - 10 (T - 1.02) + 50 (T - 1.02)**2 exactly (a parabola through alpha = 3
    # at 1.02 K), isotherms every 0.1 K: the straight line between 1.0 and 1.1 K misses it
    T = np.array([0.8, 0.9, 1.0, 1.1, 1.2])
    a = 3 - 10 * (T - 1.02) + 50 * (T - 1.02) ** 2
    s = np.full(T.size, 1e-3)
    c = iv.alpha_crossing(T, a, s)
    out = iv.crossing_sampling(T, a, s, c["pair"], c["T_K"])
    # the corrected crossing is the true root 1.02 K to first order in the curvature
    assert c["T_K"] + out["correction_K"] == pytest.approx(1.02, abs=2e-3)
    assert abs(c["T_K"] - 1.02) > 5e-3  # the plain linear crossing is off
    assert out["sampling_K"] < 1e-3


# ---------------------------------------------------------------------------------------
# coverage (>= 200 simulated series each)


def _tbkt_coverage(seed: int, n: int, **sim) -> tuple[float, int]:
    rng = np.random.default_rng(seed)
    hits, used = 0, 0
    T_bkt = sim.pop("T_bkt", 0.6)
    for _ in range(n):
        r = iv.analyze([iv_series(rng, T_bkt=T_bkt, **sim)])
        if "T_BKT_K" not in r.params:
            continue
        used += 1
        hits += abs(r.value("T_BKT_K") - T_bkt) < r.stderr("T_BKT_K")
    return hits / max(used, 1), used


@pytest.mark.slow
def test_tbkt_coverage_jump_form():
    """BKT jump form, 6 isotherms 5 % of T_BKT apart, 40 log-spaced currents, 3 %
    multiplicative noise + 3 nV floor: 1-sigma coverage of T_BKT (measured 0.684 / 250)."""
    cov, used = _tbkt_coverage(7, 250)
    print(f"bkt-iv T_BKT coverage (jump form): {cov:.3f} over {used}")
    assert used >= 240 and 0.60 <= cov <= 0.76


@pytest.mark.slow
def test_tbkt_coverage_sparse_noisy():
    """Sparse: 25 log-spaced currents per isotherm, 5 % noise, both current branches
    (odd part), straight alpha(T) (measured 0.695 / 200)."""
    cov, used = _tbkt_coverage(11, 200, n_I=25, rel=0.05, both=True, form="linear")
    print(f"bkt-iv T_BKT coverage (sparse, 5 %): {cov:.3f} over {used}")
    assert used >= 190 and 0.60 <= cov <= 0.76


def test_fit_error_for_unusable_window():
    rng = np.random.default_rng(12)
    with pytest.raises(FitError, match="no isotherm"):
        iv.analyze([iv_series(rng, temps=[0.55, 0.65])], window=[1.0, 2.0])
