"""Kind ``bkt-iv``, self-consistent: isotherm grouping from the data's own temperature
scatter, refusals through the CLI, and the Nelson-Kosterlitz checks (stiffness from
alpha(T), the jump across T_BKT, agreement with the R(T) estimate).

Every data set is simulated here with its own formulas (not the package's):

* the AHNS relation ``alpha(T) = 1 + pi*J_s(T)/(k_B*T)`` (MODELS.md 4.5) with a stiffness
  ``J_s(T)/k_B = (2/pi)*T_BKT*(1 + c*sqrt(1 - T/T_BKT))`` below T_BKT (the universal
  value ``(2/pi) k_B T_BKT`` at T_BKT-, MODELS.md 4.6) and ``J_s = 0`` above (the universal
  jump: alpha = 1, an Ohmic ``V = r*I`` with ``r = 0.05 R_N``);
* or the smooth form ``alpha(T) = 1 + 2*(T_BKT/T)**3`` (alpha = 3 at T_BKT);
* isotherms ``V = P/(1 + (P/O)**6)**(1/6)``, ``P = R_N*I_x*(I/I_x)**alpha`` meeting the
  Ohmic branch ``O = R_N*I`` at ``I_x``; log-spaced currents, 3 % multiplicative noise and
  a 3 nV floor; temperature readings scattered by ``sigma_T`` around each setpoint.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from campaign_data import run_cli
from uncertainties import ufloat

from ktoanalysis.errors import FitError, RefusedError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import iv
from ktoanalysis.transport.result import FitResult

RN, IX = 1400.0, 20e-6
KB = 1.380649e-23  # J/K (CODATA exact)
I_GRID = np.geomspace(IX * 1e-3, IX * 5.0, 40)


def js_jump_K(T, T_bkt, c=1.0):
    """J_s/k_B (K): universal value 2 T_BKT/pi at T_BKT-, zero above."""
    T = np.asarray(T, float)
    below = T < T_bkt
    return np.where(below, 2.0 / np.pi * T_bkt * (1 + c * np.sqrt(np.clip(1 - T / T_bkt,
                                                                            0, None))), 0.0)


def alpha_of_js(T, js_K):
    return 1.0 + np.pi * js_K / T


def curve(alpha, rng, rel=0.03, floor=3e-9):
    I = I_GRID
    if alpha == 1.0:  # above T_BKT: Ohmic with the small flux-flow resistance
        P = 0.05 * RN * I
    else:
        P = RN * IX * (I / IX) ** alpha
    O = RN * I
    V = P / (1.0 + (P / O) ** 6) ** (1.0 / 6)
    return V * (1.0 + rel * rng.standard_normal(I.size)) + floor * rng.standard_normal(I.size)


def series(rng, temps, alphas, sigma_T=0.0):
    """One file, a T_K column with the readings scattered by sigma_T around each setpoint."""
    parts = [pd.DataFrame({"T_K": T + sigma_T * rng.standard_normal(I_GRID.size),
                           "I_A": I_GRID, "V_V": curve(a, rng)})
             for T, a in zip(temps, alphas, strict=True)]
    return Measurement(pd.concat(parts, ignore_index=True), {"source": "sim_iv.csv"})


def near(r, prefix, T):
    """Name of the parameter ``<prefix><T>K...`` of the isotherm nearest to T."""
    names = [k for k in r.params if k.startswith(prefix)]
    return min(names, key=lambda k: abs(float(k[len(prefix):].split("K")[0]) - T))


def smooth_series(seed, T_bkt=0.6, dT=0.015, n=6, sigma_T=1e-3):
    rng = np.random.default_rng(seed)
    temps = T_bkt + dT * (np.arange(n) - (n - 1) / 2 + rng.uniform(-0.5, 0.5))
    return series(rng, temps, 1.0 + 2.0 * (T_bkt / temps) ** 3, sigma_T), temps


# ---------------------------------------------------------------------------------------
# grouping


def test_isotherms_15_mK_apart_give_T_BKT():
    """The former fixed 0.02 K tolerance merged these series into one or two isotherms."""
    for seed in range(4):
        m, temps = smooth_series(seed)
        r = iv.analyze([m], ladder=False)
        assert r.stats["n_isotherms"] == 6, r.provenance["grouping"]
        got = sorted(k for k in r.params if k.startswith("alpha_at_"))
        assert len(got) == 6
        assert abs(r.value("T_BKT_K") - 0.6) < 4 * r.stderr("T_BKT_K") + 1e-4
        g = r.provenance["grouping"]
        assert g["method"] == "automatic"
        assert g["sigma_T_K"] == pytest.approx(1e-3, rel=0.3)
        assert g["split_K"] < g["min_gap_K"]
        assert not r.quality.has("isotherms_unresolved")
        for T, iso in zip(np.sort(temps), iv.isotherms_from_measurements([m]), strict=True):
            assert abs(iso.T_K - T) < 5e-3 / math.sqrt(40) * 3
            assert iso.T_spread_K == pytest.approx(1e-3, rel=0.5)
    # the fixed tolerance of old merges them: refused or fewer isotherms, never 6
    m, _ = smooth_series(0)
    try:
        r = iv.analyze([m], by_tol_K=0.02, ladder=False)
        assert r.stats["n_isotherms"] < 6
    except RefusedError:
        pass


def test_grouping_quantised_glitch_and_files():
    rng = np.random.default_rng(11)
    # quantised readings (0.1 mK) around 0.500 and 0.510 K, one readout glitch
    T = np.r_[np.full(30, 0.5), np.full(30, 0.51)] + 1e-4 * rng.integers(-1, 2, 60)
    T[10] = 0.53
    V = curve(3.0, rng)[:30]
    m = Measurement(pd.DataFrame({"T_K": T, "I_A": np.r_[I_GRID[:30], I_GRID[:30]],
                                  "V_V": np.r_[V, V]}), {"source": "q.csv"})
    isos = iv.isotherms_from_measurements([m])
    assert [round(i.T_K, 3) for i in isos] == [0.5, 0.51]
    assert [i.I_A.size for i in isos] == [30, 30]  # the glitch row stays in its isotherm
    # one file per isotherm (metadata T): equal temperatures merge, 1 mK apart do not
    files = [Measurement(pd.DataFrame({"I_A": I_GRID, "V_V": curve(3.0, rng)}),
                         {"source": f"f{k}.csv", "T_K": t})
             for k, t in enumerate((0.500, 0.500, 0.501))]
    isos = iv.isotherms_from_measurements(files)
    assert [i.T_K for i in isos] == [0.5, 0.501]
    assert isos[0].source == "f0.csv, f1.csv"
    # files with T columns, each with its own scatter: up and down sweeps 0.3 mK apart at
    # one setpoint (sigma_T 0.2 mK) merge; a noisier file (1 mK) 15 mK away stays apart
    def file(name, T0, sT):
        return Measurement(pd.DataFrame({"T_K": T0 + sT * rng.standard_normal(40),
                                         "I_A": I_GRID, "V_V": curve(3.0, rng)}),
                           {"source": name})
    isos = iv.isotherms_from_measurements([file("up.csv", 0.5, 2e-4),
                                           file("down.csv", 0.5003, 2e-4),
                                           file("hot.csv", 0.515, 1e-3)])
    assert [i.source for i in isos] == ["up.csv, down.csv", "hot.csv"]


def test_unresolved_setpoints_are_flagged():
    # sigma_T = 3 mK, setpoints 15 mK apart: not separable from the readings
    m, _ = smooth_series(1, n=8, sigma_T=3e-3)
    try:
        r = iv.analyze([m], ladder=False)
    except RefusedError as exc:
        assert "temperature spread" in str(exc)
        return
    assert r.quality.has("isotherms_unresolved")


# ---------------------------------------------------------------------------------------
# refusals through the CLI


def _csv(path, m):
    d = m.data
    pd.DataFrame({"T (K)": d["T_K"], "I (A)": d["I_A"], "V (V)": d["V_V"]}).to_csv(
        path, index=False)
    return str(path)


def test_single_isotherm_refused_by_the_cli(tmp_path):
    rng = np.random.default_rng(5)
    f = _csv(tmp_path / "one.csv", series(rng, [0.5], [3.4], sigma_T=1e-4))
    out = run_cli(["fit", "bkt-iv", f])
    assert out.exit_code == 3, out.describe()
    assert "at least 2 isotherms" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_never_bracketed_is_a_failed_verdict_without_T_BKT(tmp_path):
    rng = np.random.default_rng(6)
    temps = np.array([0.48, 0.495, 0.51, 0.525])
    f = _csv(tmp_path / "below.csv", series(rng, temps, 1 + 2 * (0.6 / temps) ** 3, 2e-4))
    out = run_cli(["fit", "bkt-iv", f, "--json"])
    assert out.exit_code == 5, out.describe()
    doc = json.loads(out.stdout)
    assert doc["quality"]["verdict"] == "fail"
    assert "T_BKT_K" not in doc["params"]
    assert any(fl["code"] == "extrapolated" for fl in doc["quality"]["flags"])


# ---------------------------------------------------------------------------------------
# Nelson-Kosterlitz


def test_stiffness_closed_form():
    js, err = iv.stiffness_from_alpha(0.7, 3.0, 0.1)
    assert js == pytest.approx(2 * KB * 0.7 / math.pi, rel=1e-9)
    assert err == pytest.approx(0.1 * KB * 0.7 / math.pi, rel=1e-9)
    assert iv.stiffness_from_alpha(2.0, 1.0)[0] == 0.0


def test_universal_jump_stiffness_and_jump_recovered():
    T_bkt = 0.6
    temps = np.array([0.54, 0.555, 0.57, 0.585, 0.615, 0.63])
    js_true = js_jump_K(temps, T_bkt)
    a_true = alpha_of_js(temps, js_true)
    assert np.allclose(a_true[4:], 1.0) and (a_true[:4] > 3).all()
    pulls = []
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        r = iv.analyze([series(rng, temps, a_true, sigma_T=2e-4)], ladder=False)
        assert "T_BKT_K" in r.params and 0.585 < r.value("T_BKT_K") < 0.615
        for T, js in zip(temps, js_true, strict=True):
            name = near(r, "J_s_at_", T)
            pulls.append((r.value(name) - js) / r.stderr(name))
        nk = r.provenance["nelson_kosterlitz"]
        assert (nk["T_below_K"], nk["T_above_K"]) == pytest.approx((0.585, 0.615), abs=1e-3)
        # the jump between the bracketing isotherms, computed here from the truths
        ab, aa = a_true[3], a_true[4]
        assert abs(r.value("alpha_jump") - (ab - aa)) < 4 * r.stderr("alpha_jump")
        Tx = 0.585 + (3 - ab) * (0.615 - 0.585) / (aa - ab)
        ratio = ((ab - 1) * 0.585 - (aa - 1) * 0.615) / (2 * Tx)
        assert abs(r.value("J_s_jump_ratio") - ratio) < 4 * r.stderr("J_s_jump_ratio")
        # the jump is near universal (J_s just below a little above 2 T/pi, zero above)
        assert 1.0 < r.value("J_s_jump_ratio") < 1.4
    pulls = np.array(pulls)
    assert np.all(np.abs(pulls) < 4), pulls
    assert np.mean(pulls ** 2) < 2.5, pulls


def test_smooth_crossover_gives_a_small_jump():
    m, _ = smooth_series(3, sigma_T=0.0)
    r = iv.analyze([m], ladder=False)
    assert r.value("J_s_jump_ratio") < 0.3  # far from universal: a broad crossover
    assert r.value("alpha_jump") > 0


def test_bkt_agreement_forms():
    d = iv.bkt_agreement((0.60, 0.01), (0.63, 0.02))
    assert d["n_sigma"] == pytest.approx(0.03 / math.sqrt(0.01 ** 2 + 0.02 ** 2))
    assert d["difference_K"] == pytest.approx(-0.03) and d["consistent"] is True
    a = FitResult(kind="bkt-iv", params={"T_BKT_K": ufloat(0.60, 0.003)})
    b = FitResult(kind="bkt-rt", params={"T_BKT_K": ufloat(0.62, 0.004)})
    d = iv.bkt_agreement(a, b)
    assert d["n_sigma"] == pytest.approx(4.0) and d["consistent"] is False
    assert iv.bkt_agreement((1.0, 0.0), (1.0, 0.0))["n_sigma"] is None
    with pytest.raises(FitError, match="no T_BKT_K"):
        iv.bkt_agreement(FitResult(kind="bkt-iv", params={}), b)
    with pytest.raises(FitError, match="FitResult, a ufloat"):
        iv.bkt_agreement("0.6", b)


@pytest.mark.slow
def test_stiffness_coverage_universal_jump():
    """1-sigma coverage of J_s per isotherm and of the jump ratio, 200 series."""
    T_bkt, n, hits, hits_r, tot = 0.6, 200, 0, 0, 0
    for seed in range(n):
        rng = np.random.default_rng(1000 + seed)
        off = rng.uniform(-0.5, 0.5)
        temps = T_bkt * (1 + 0.025 * (np.arange(6) - 2.5 + off))
        js = js_jump_K(temps, T_bkt)
        a = alpha_of_js(temps, js)
        r = iv.analyze([series(rng, temps, a, sigma_T=2e-4)], ladder=False)
        for T, j in zip(temps, js, strict=True):
            name = near(r, "J_s_at_", T)
            hits += abs(r.value(name) - j) <= r.stderr(name)
            tot += 1
        i = int(np.searchsorted(temps, T_bkt)) - 1
        ab, aa = a[i], a[i + 1]
        Tx = temps[i] + (3 - ab) * (temps[i + 1] - temps[i]) / (aa - ab)
        ratio = ((ab - 1) * temps[i] - (aa - 1) * temps[i + 1]) / (2 * Tx)
        hits_r += abs(r.value("J_s_jump_ratio") - ratio) <= r.stderr("J_s_jump_ratio")
    print("coverage J_s", hits / tot, "jump ratio", hits_r / n)
    assert 0.60 <= hits / tot <= 0.76
    assert 0.60 <= hits_r / n <= 0.76


def test_nk_inconsistent_flag_on_a_smooth_crossover_not_on_the_universal_jump():
    # audit A5: alpha(T) = 1 + 2 (T_BKT/T)^3 has no jump: the flag names both numbers
    m, _ = smooth_series(3, sigma_T=0.0)
    r = iv.analyze([m], ladder=False)
    assert r.verdict == "warn" and r.quality.has("nk_inconsistent")
    msg = next(f.message for f in r.quality.flags if f.code == "nk_inconsistent")
    assert "J_s_jump_ratio" in msg and "alpha_jump" in msg
    # the universal jump (J_s(T_BKT-) = 2 T_BKT/pi, zero above) is not flagged
    temps = np.array([0.54, 0.555, 0.57, 0.585, 0.615, 0.63])
    a_true = alpha_of_js(temps, js_jump_K(temps, 0.6))
    r = iv.analyze([series(np.random.default_rng(100), temps, a_true, 2e-4)], ladder=False)
    assert not r.quality.has("nk_inconsistent")
