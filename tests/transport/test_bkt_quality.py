"""Quality verdict and error budget of kind ``bkt-rt`` (issue "Every analysis checks itself").

Every curve here is simulated with a formula written in this file, not with the package's
lineshapes: the Halperin-Nelson form of MODELS.md 4.1 written as

    R_HN(T) = R0 * exp(-2*sqrt(beta/t)),   t = (T - T_BKT)/T_BKT   (b_simple = 2*sqrt(beta))

below a smooth crossover to the (sloped) normal state, R = R_N(T)*x/(1 + x**4)**(1/4) with
x = R_HN/R_N (the crossover changes ln R by less than 0.2 % below 0.3 R_N).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import FitError, KtoError, OptionError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import bkt, tc


def meas(T, R):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "sim.csv"})


def hn_curve(T, T_bkt, beta, R_N=1000.0, R0_over_RN=20.0, slope=0.0):
    """HN foot (MODELS 4.1) below a smooth crossover to R_N(T) = R_N*(1 + slope*t)."""
    T = np.asarray(T, float)
    t = (T - T_bkt) / T_bkt
    x = np.zeros_like(T)
    above = t > 0
    x[above] = R0_over_RN * np.exp(-2.0 * np.sqrt(beta / t[above]))
    RN = R_N * (1.0 + slope * t)
    return RN * x / (1.0 + x**4) ** 0.25


def t_at(frac, beta, R0_over_RN):
    """Reduced temperature where the pure HN form equals frac*R_N (closed form)."""
    return beta / (0.5 * math.log(R0_over_RN / frac)) ** 2


# ---------------------------------------------------------------------------------------
# declaration


def test_spec_declares_every_option():
    spec = bkt.SPEC
    assert spec.kind == "bkt-rt"
    assert bkt.OPTIONS == spec.help_map()
    names = {o.name for o in spec.options}
    for name in ("form", "window", "fractions", "ladder", "tc0", "b_HN_assumed", "al",
                 "al_window", "al_eps_max", "al_reduced_temperature", "al_prefactor",
                 "al_background", "linearization", "savgol_points", "scale_covar",
                 "rn_method", "R_N_ohm", "sigma_R_ohm", "zero_k"):
        assert name in names, name
    assert "onset_method" not in names
    assert spec.option("window").unit == "K"
    assert spec.option("form").assumption and spec.option("fractions").assumption
    assert set(spec.option("form").choices) == {"simple", "with_Tc0", "bcg_interpolation"}


@pytest.mark.parametrize("bad", [
    {"form": "fancy"}, {"fractions": [0.3, 0.01]}, {"fractions": [0.0, 0.3]},
    {"window": [1.0]}, {"tc0": "sometimes"}, {"tc0": -1.0}, {"al_eps_max": 0},
    {"ladder": "yes"}, {"savgol_points": 2.5}, {"no_such_option": 1},
])
def test_bad_options_refused_before_work(bad):
    # the measurement list is empty: a refusal must come from the option check itself
    with pytest.raises(OptionError):
        bkt.analyze([], **bad)


# ---------------------------------------------------------------------------------------
# traps


def test_clean_hn_transition_ok_and_recovered():
    rng = np.random.default_rng(11)
    T = np.linspace(0.8, 1.5, 300)
    sig = 0.5
    R = hn_curve(T, 1.0, 0.3, slope=0.05) + rng.normal(0, sig, T.size)
    r = bkt.analyze([meas(T, R)], sigma_R_ohm=sig, al=False)
    assert r.verdict in ("ok", "warn"), r.quality.flags
    assert not r.quality.has("bad_fit")
    v, e = r.value("T_BKT_K"), r.stderr("T_BKT_K")
    assert abs(v - 1.0) < 4 * e
    assert e < 0.01
    # b of the simple form = 2 sqrt(beta)
    assert abs(r.value("b") - 2 * math.sqrt(0.3)) < 4 * r.stderr("b")
    b = r.budget["T_BKT_K"]
    assert b.stat is not None and b.stat > 0 and "window" in b.sys
    assert e == pytest.approx(math.hypot(b.stat, b.systematic), rel=1e-6)
    d = r.to_dict()["params"]["T_BKT_K"]
    assert {"stderr_stat", "stderr_sys", "stderr_sampling"} <= set(d)


def test_two_step_transition_fails_multi_step():
    rng = np.random.default_rng(12)
    T = np.linspace(0.8, 1.7, 380)  # 3 widths (0.24 K) of the whole two-step transition
    R = (0.5 * hn_curve(T, 1.0, 0.3) + 0.5 * hn_curve(T, 1.2, 0.3)
         + rng.normal(0, 0.5, T.size))
    r = bkt.analyze([meas(T, R)], al=False)
    assert r.verdict == "fail"
    f = [f for f in r.quality.flags if f.code == "multi_step"]
    assert f and f[0].severity == "fail"
    # restricting the window to the lower step makes it a warning
    r1 = bkt.analyze([meas(T, R)], al=False, window=[1.0, 1.06])
    f1 = [f for f in r1.quality.flags if f.code == "multi_step"]
    assert f1 and f1[0].severity == "warn"
    assert r1.value("T_BKT_K") == pytest.approx(1.0, abs=5 * r1.stderr("T_BKT_K"))


def test_single_noisy_step_is_not_multi_step():
    # dense, noisy data: noise must not split the one dR/dT maximum into several steps
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        T = np.linspace(0.6, 2.0, 400)
        R = hn_curve(T, 1.0, 0.3, slope=0.1) + rng.normal(0, 5.0, T.size)
        r = bkt.analyze([meas(T, R)], al=False)
        assert not r.quality.has("multi_step"), (seed, r.quality.flags)


def test_window_in_normal_state_fails():
    rng = np.random.default_rng(13)
    T = np.linspace(0.8, 1.5, 300)
    R = hn_curve(T, 1.0, 0.3) + rng.normal(0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], window=[1.2, 1.5], al=False)
    assert r.verdict == "fail"
    assert any(f.code == "window_outside_model" and f.severity == "fail"
               for f in r.quality.flags)


def test_model_that_does_not_describe_the_data_fails_bad_fit():
    # a tanh transition is not Halperin-Nelson: its ln R is linear in T in the foot
    rng = np.random.default_rng(14)
    T = np.linspace(0.5, 2.0, 300)
    R = 500.0 * (1 + np.tanh((T - 1.0) / 0.08)) + rng.normal(0, 0.01, T.size)
    for kw in ({"sigma_R_ohm": 0.01}, {}):  # given noise, and noise estimated from the data
        r = bkt.analyze([meas(T, R)], al=False, **kw)
        f = [f for f in r.quality.flags if f.code == "bad_fit"]
        assert f and f[0].severity == "fail", r.quality.flags
        assert r.verdict == "fail"


def test_power_law_foot_pins_t_bkt_and_fails():
    # R ~ T^8: no finite T_BKT; the fit runs away (at_bound / extrapolated), never ok
    rng = np.random.default_rng(15)
    T = np.linspace(0.5, 2.0, 300)
    R = np.minimum(1000.0 * (T / 1.2) ** 8, 1000.0) + rng.normal(0, 0.05, T.size)
    r = bkt.analyze([meas(T, R)], al=False)
    assert r.verdict == "fail"
    assert {"bad_fit", "at_bound"} <= set(r.quality.codes)


def test_t_bkt_below_the_data_is_extrapolated():
    # the data start 3 % above T_BKT (already at the zero floor): T_BKT is not measured
    rng = np.random.default_rng(16)
    T = np.linspace(1.03, 1.6, 200)
    R = hn_curve(T, 1.0, 0.6) + rng.normal(0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], al=False)
    assert any(f.code == "extrapolated" and f.severity == "fail" for f in r.quality.flags)


@pytest.mark.parametrize("seed", range(4))
def test_pure_noise_is_refused_or_fails(seed):
    rng = np.random.default_rng(seed)
    T = np.linspace(0.6, 2.5, 300)
    for R in (500 + rng.normal(0, 5, T.size), rng.uniform(0, 1000, T.size),
              np.abs(rng.normal(0, 100, T.size)), rng.exponential(100, T.size)):
        try:
            r = bkt.analyze([meas(T, R)])
        except (RefusedError, FitError):
            continue
        assert r.verdict == "fail", r.quality.flags


def test_al_failure_is_a_warning_not_an_abort():
    rng = np.random.default_rng(17)
    T = np.linspace(0.8, 1.5, 300)
    R = hn_curve(T, 1.0, 0.3) + rng.normal(0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], al_window=[1.3, 1.301])
    assert "Tc0_AL_K" not in r.params
    f = [f for f in r.quality.flags if f.code == "candidate_failed"]
    assert f and f[0].severity == "warn" and "Aslamazov-Larkin" in f[0].message
    assert r.value("T_BKT_K") == pytest.approx(1.0, abs=5 * r.stderr("T_BKT_K"))


def test_sparse_window_warns_too_few_points():
    # 25 points through the transition leave about 6 in the BKT window
    beta, R0f = 0.3, 20.0
    t_on = 1.3 * t_at(0.9, beta, R0f)
    T = np.arange(0.8, 1 + 2.5 * t_on, t_on / 25)
    R = hn_curve(T, 1.0, beta, R0_over_RN=R0f) * (1 + 0.02 * np.random.default_rng(18)
                                                   .standard_normal(T.size))
    r = bkt.analyze([meas(T, R)], al=False, zero_k=0.0)
    assert r.quality.has("too_few_points")
    assert r.verdict in ("warn", "fail")


@pytest.mark.parametrize("case", ["nan", "inf", "reversed", "duplicated", "constant",
                                  "single", "tiny_R", "huge_R", "tiny_T", "huge_T"])
def test_awkward_input_never_escapes(case):
    rng = np.random.default_rng(19)
    T = np.linspace(0.8, 1.5, 200)
    R = hn_curve(T, 1.0, 0.3) + rng.normal(0, 0.5, T.size)
    if case == "nan":
        R = np.where(rng.random(T.size) < 0.1, np.nan, R)
    elif case == "inf":
        R = np.where(rng.random(T.size) < 0.1, np.inf, R)
    elif case == "reversed":
        T, R = T[::-1], R[::-1]
    elif case == "duplicated":
        T, R = np.repeat(T, 2), np.repeat(R, 2)
    elif case == "constant":
        R = np.full(T.size, 5.0)
    elif case == "single":
        T, R = T[:1], R[:1]
    elif case in ("tiny_R", "huge_R"):
        R = R * (1e-12 if case == "tiny_R" else 1e12)
    else:
        T = T * (1e-12 if case == "tiny_T" else 1e12)
    try:
        r = bkt.analyze([meas(T, R)])
    except KtoError:
        return
    assert r.verdict in ("ok", "warn", "fail")
    if case in ("tiny_R", "huge_R", "tiny_T", "huge_T"):
        scale = 1e-12 if case == "tiny_T" else 1e12 if case == "huge_T" else 1.0
        assert r.value("T_BKT_K") == pytest.approx(scale, rel=5e-3)


# ---------------------------------------------------------------------------------------
# coverage


def _simulated_set(rng, sparse, relative):
    """One HN data set: random T_BKT, beta, R0/R_N, sloped R_N; 2-5 % noise, relative to R
    (log-normal-like, the noise of a log-space fit) or additive (2-5 % of R_N)."""
    Tb, beta, R0f = rng.uniform(0.3, 2.0), rng.uniform(0.15, 0.6), rng.uniform(5, 30)
    RN, level = rng.uniform(300, 3000), rng.uniform(0.02, 0.05)
    t_on = 1.3 * t_at(0.9, beta, R0f)
    if sparse:  # 25 points between T_BKT and the onset of the transition
        T = np.arange(0.8, 1 + 2.5 * t_on, t_on / 25) * Tb
    else:
        T = np.linspace(0.8, 1 + 2.5 * t_on, 300) * Tb
    T = T + rng.uniform(-0.5, 0.5) * (T[1] - T[0])
    R = hn_curve(T, Tb, beta, RN, R0f, slope=rng.uniform(0, 0.3))
    if relative:
        return Tb, T, R * (1 + level * rng.standard_normal(T.size))
    return Tb, T, R + level * RN * rng.standard_normal(T.size)


@pytest.mark.slow
def test_t_bkt_coverage_with_sparse_data():
    """1-sigma coverage of T_BKT (total error: statistical + window systematic) over 360
    simulated data sets: 120 dense (300 points) and 240 sparse (25 points through the
    transition), 2-5 % relative or additive noise, sloped normal state. Sets the analysis
    refuses (too few points above the zero floor) or gives the verdict fail are not
    counted (about two thirds of the sparse sets: above the 3-sigma zero floor their
    BKT window keeps fewer than 5 points, or the fit hits a bound)."""
    rng = np.random.default_rng(2026)
    hits, used = {}, {}
    n_refused = n_fail = 0
    for i in range(360):
        family = ("sparse" if i % 3 else "dense", "relative" if (i // 3) % 2 else "additive")
        Tb, T, R = _simulated_set(rng, family[0] == "sparse", family[1] == "relative")
        try:
            r = bkt.analyze([meas(T, R)], al=False, linearization=False)
        except KtoError:
            n_refused += 1
            continue
        if r.verdict == "fail":
            n_fail += 1
            continue
        used[family] = used.get(family, 0) + 1
        hits[family] = hits.get(family, 0) + (abs(r.value("T_BKT_K") - Tb)
                                               < r.stderr("T_BKT_K"))
    cov = {f"{a}/{b}": round(hits[(a, b)] / used[(a, b)], 3) for a, b in used}
    total = sum(hits.values()) / sum(used.values())
    print(f"T_BKT coverage {total:.3f} by family {cov}, used {used}, refused {n_refused}, "
          f"fail {n_fail}")
    assert 0.60 <= total <= 0.76, (total, cov)
    sparse = sum(n for (a, _), n in used.items() if a == "sparse")
    sparse_hits = sum(n for (a, _), n in hits.items() if a == "sparse")
    assert sparse >= 60 and 0.60 <= sparse_hits / sparse <= 0.76, (sparse, cov)


# ---------------------------------------------------------------------------------------
# data that are not an R(T) curve: the refusals of kind tc, through the command line


def _write_csv(path, columns):
    """CSV with the given {header: values} columns (headers as a PPMS export writes them)."""
    pd.DataFrame(columns).to_csv(path, index=False)
    return str(path)


def _rb_sweep_fixed_T(rng, n=201):
    """R(B) at T = 0.3 K: B from -1 to 1 T, a symmetric field-driven transition at 0.4 T."""
    B = np.linspace(-1.0, 1.0, n)
    R = 1000.0 / (1.0 + np.exp(-(np.abs(B) - 0.4) / 0.03)) + rng.normal(0, 2.0, n)
    return {"T (K)": 0.3 + 1e-5 * rng.standard_normal(n), "B (T)": B, "R (Ohm)": R}


def _i_sweep_fixed_T(rng, n=201):
    """R(I) at T = 0.3 K, B = 0: I from 0 to 20 uA, switching to R_N near 8 uA."""
    I = np.linspace(0.0, 20.0, n)
    R = 1000.0 / (1.0 + np.exp(-(I - 8.0) / 0.5)) + rng.normal(0, 2.0, n)
    return {"T (K)": 0.3 + 1e-5 * rng.standard_normal(n), "B (T)": np.zeros(n),
            "I (uA)": I, "R (Ohm)": R}


def _rb_sweeps_drifting_T(rng, n=400):
    """Four R(B) sweeps (-1 -> 1 T) while T drifts from 0.3 to 0.6 K (> 1 % span)."""
    B = np.tile(np.linspace(-1.0, 1.0, n // 4), 4)
    T = np.linspace(0.3, 0.6, n)
    R = 1000.0 / (1.0 + np.exp(-(np.abs(B) - 0.4) / 0.03)) + rng.normal(0, 2.0, n)
    return {"T (K)": T, "B (T)": B, "R (Ohm)": R}


def _cli_refusal(kind, path):
    from campaign_data import run_cli

    out = run_cli(["fit", kind, path])
    lines = out.stderr.strip().splitlines()
    assert out.clean_exit, out.describe()
    assert out.exit_code == 3, out.describe()
    assert len(lines) == 1, out.stderr
    return lines[0]


@pytest.mark.parametrize("make, column", [(_rb_sweep_fixed_T, "B_T"),
                                          (_i_sweep_fixed_T, "I_A")])
def test_sweep_at_fixed_T_refused_like_tc(tmp_path, make, column):
    path = _write_csv(tmp_path / "sweep.csv", make(np.random.default_rng(30)))
    line = _cli_refusal("bkt-rt", path)
    assert "temperature spans only" in line and "fixed temperature" in line, line
    assert column in line, line
    # the same refusal as kind tc (one line naming the same reason)
    assert _cli_refusal("tc", path) == line


def test_field_sweeps_with_drifting_T_refused(tmp_path):
    path = _write_csv(tmp_path / "rb.csv", _rb_sweeps_drifting_T(np.random.default_rng(31)))
    line = _cli_refusal("bkt-rt", path)
    assert "field changes by a median" in line and "R(B)" in line, line


@pytest.mark.parametrize("shape", ["constant", "metal"])
def test_no_transition_refused_through_cli(tmp_path, shape):
    rng = np.random.default_rng(32)
    T = np.linspace(0.3, 2.0, 200)
    R = np.full(T.size, 800.0) if shape == "constant" else 500.0 + 100.0 * T
    R = R + rng.normal(0, 1.0, T.size)
    path = _write_csv(tmp_path / "rt.csv", {"T (K)": T, "B (T)": np.zeros(T.size),
                                            "R (Ohm)": R})
    line = _cli_refusal("bkt-rt", path)
    assert "constant resistance" in line or "no transition" in line, line


def test_short_span_is_refused():
    # closed form: span 1 K against 3 widths of 0.4 K (1.2 K) -> refused; of 0.3 K -> fine
    T = np.linspace(1.0, 2.0, 11)
    with pytest.raises(RefusedError, match=r"span 1 K, less than 3 transition widths "
                                           r"\(3 x 0.4 K\)"):
        bkt.refuse_short_span(T, {"width_K": (0.4, 0.01)})
    assert bkt.refuse_short_span(T, {"width_K": (0.3, 0.01)}) is None
    assert bkt.refuse_short_span(T, {}) is None


def test_truncated_curve_is_refused_like_tc():
    # slow HN approach (beta = 3, R0 = 50 R_N): data ending at 1.7 K (R still 0.73 R_N)
    # span less than 3 widths of the 20-80 % criterion: the normal state is not in range.
    # Kind tc and bkt-rt both refuse; data to 4 K (the plateau) give T_BKT = 1 K.
    rng = np.random.default_rng(33)
    T = np.linspace(0.95, 1.7, 400)
    R = hn_curve(T, 1.0, 3.0, R0_over_RN=50.0) + rng.normal(0, 0.5, T.size)
    with pytest.raises(RefusedError, match="transition widths"):
        tc.analyze([meas(T, R)])
    with pytest.raises(RefusedError, match="transition widths"):
        bkt.analyze([meas(T, R)], al=False)
    T = np.linspace(0.9, 4.0, 400)
    R = hn_curve(T, 1.0, 3.0, R0_over_RN=50.0) + rng.normal(0, 0.5, T.size)
    full = bkt.analyze([meas(T, R)], al=False)
    assert full.verdict != "fail", full.quality.flags
    assert abs(full.value("T_BKT_K") - 1.0) < 4 * full.stderr("T_BKT_K")


def _example_rows(kind):
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "data" / "example_series"
    runs = tomllib.loads((root / "manifest.toml").read_text())["run"]
    return [(root / r["file"], r.get("options", {})) for r in runs if r["kind"] == kind]


def test_example_series_rows_still_ok_or_warn():
    import json

    from campaign_data import run_cli

    rows = _example_rows("bkt-rt")
    assert len(rows) >= 4
    for path, options in rows:
        args = ["fit", "bkt-rt", str(path), "--json"]
        for k, v in options.items():
            args += ["-o", f"{k}={json.dumps(v)}"]
        out = run_cli(args)
        assert out.exit_code == 0, (path, out.describe())
        verdict = json.loads(out.stdout)["quality"]["verdict"]
        assert verdict in ("ok", "warn"), (path, verdict)
