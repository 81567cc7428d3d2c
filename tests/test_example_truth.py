"""Pulls of the example series against its simulated truth: are the error bars honest?

The series ``data/example_series/`` is simulated by ``scripts/make_example_series.py`` with
known parameters (``truth.json``). Every fitted quantity with a counterpart there is
compared as ``pull = (fit - truth) / stderr``; honest 1-sigma errors give |pull| < 2 for
about 95 % of them.

The truth is mapped onto the quantity each kind reports (same quantity, same temperature,
same criterion), with the simulation's formulas written here:

* ``tc`` R_N: the kind's default ``rn_method='above_transition'`` averages R over +/- 2 %
  of the flattest normal-state point; on the noiseless BCG curves of this series (whose
  fluctuation tail still rises at the top of the data) that point is the top, so the true
  R_N is the model's mean over the data points with T >= 0.98 T_max (at least the top 5),
  not R(T_max) of ``truth.json`` (0.06 % higher, about one standard error of the band
  mean). Tc_mid, the width and Tc_onset (``reference_only`` in ``truth.json``) are the
  model's crossings at 0.5, 0.2/0.8 and 0.9 of that R_N.
  The gate (``KTO111-G``) and polarization (``KTO111-P``) rows get per-row truths from the
  series parameters. (The R_N error includes the noise-driven choice of the plateau
  point, ``tc._window_choice_error``; without it R_N was off by up to 13 sigma.)
* ``mr-hysteresis`` peak fields: the kind reports the field of the resistance maximum of a
  branch; the simulated branch ``R0 + 300 B^2 + 40/(1 + ((B -+ 0.08)/0.02)^2)`` peaks
  0.24 mT further out than the Lorentzian centre 0.08 T of ``truth.json`` (2 sigma).
* ``hall`` n2D and mobility, ``hc2-angle``, ``hc2-temperature``, ``bkt-rt``, ``bkt-iv``: as
  in ``truth.json``; the gate rows: ``n2D = n0 + dn tanh((V_G -+ Vc)/w)``, mobility 100.
* series level (``series/series.json``): loop widths, remanent differences, Tc-density
  slope and the polarization contrast, as in ``truth.json``.

One batch run (no figures) serves every test of the module.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq, minimize_scalar

from ktoanalysis._data import data_path

#: elementary charge (C), written here (not the package's constant)
E_C = 1.602176634e-19
#: BCG interpolation of the simulated R(T) curves (scripts/make_example_series.py):
#: R = R_N / (1 + (4/A^2) sinh^2(b / sqrt(T/T_BKT - 1)))
BCG_A, BCG_B = 5.0, 0.6
#: simulated MR branches: R = R0 + MR_Q B^2 + MR_H / (1 + ((B - s Bc)/MR_W)^2)
MR_Q, MR_H, MR_W = 300.0, 40.0, 0.02
#: polarization states of KTO111-P: Tc_mid (K) and model R_N (Ohm)
POLARIZATION = {"up": (0.90, 900.0), "down": (0.55, 2700.0)}
#: gate series: the first 7 of its 13 points (manifest order) are the up branch
GATE_UP_POINTS = 7

#: Measured on the bundled series (ktoanalysis 0.1.0, 126 values): 119 with |pull| < 2
#: (94.4 %), rms 1.11, largest |pull| 3.0 (before the Hall R_xx noise came from the whole
#: sweep: 115, rms 1.17, largest 3.4 on KTO111-A's mobility). With the error bars halved
#: 65 % would be below 2 and 11 pulls above 4.
MIN_FRACTION_BELOW_2 = 0.80
MAX_ABS_PULL = 4.0


def _g(T, T_bkt):
    """BCG shape R/R_N at T (K) for T_BKT (K); 0 at and below T_BKT."""
    t = np.asarray(T, dtype=float) / T_bkt - 1.0
    out = np.zeros_like(t)
    ok = t > 0
    x = np.minimum(BCG_B / np.sqrt(t[ok]), 350.0)
    out[ok] = 1.0 / (1.0 + (4.0 / BCG_A**2) * np.sinh(x) ** 2)
    return out


def _g_top() -> float:
    return float(_g(np.array([2.5]), 1.0)[0])


def _mid_ratio() -> float:
    """Tc_mid / T_BKT of the simulated curves (crossing of 0.5 R(2.5 T_BKT))."""
    top = _g_top()
    return brentq(lambda t: _g(np.array([t]), 1.0)[0] - 0.5 * top, 1 + 1e-9, 2.5, xtol=1e-13)


def _top_band(T: np.ndarray) -> np.ndarray:
    """The R_N band of the noiseless curves: T >= 0.98 T_max, at least the top 5 points."""
    band = T >= 0.98 * T.max()
    if band.sum() < 5:
        band = T >= np.sort(T)[-5]
    return band


def _rt_truth(T_file: np.ndarray, T_bkt: float, R_N: float) -> dict[str, float]:
    """True R_N (band mean over T >= 0.98 T_max), Tc_mid, width and Tc_onset (0.9 R_N) of
    one simulated R(T)."""
    rn = R_N * float(np.mean(_g(T_file[_top_band(T_file)], T_bkt)))

    def cross(f):
        return brentq(lambda t: R_N * _g(np.array([t]), T_bkt)[0] - f * rn,
                      T_bkt * (1 + 1e-9), T_file.max(), xtol=1e-14)

    return {"R_N_ohm": rn, "Tc_mid_K": cross(0.5), "width_K": cross(0.8) - cross(0.2),
            "Tc_onset_K": cross(0.9)}


def _file_T(rel: str) -> np.ndarray:
    df = pd.read_csv(data_path("example_series", rel), comment="#")
    return df["T (K)"].to_numpy(dtype=float)


def _mr_peak(sign: int, Bc: float) -> float:
    """Field of the maximum of the simulated MR branch near sign*Bc (T)."""
    res = minimize_scalar(lambda B: -(MR_Q * B**2 + MR_H / (1 + ((B - sign * Bc) / MR_W) ** 2)),
                          bounds=(sign * Bc - MR_W, sign * Bc + MR_W), method="bounded",
                          options={"xatol": 1e-12})
    return float(res.x)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from ktoanalysis.batch import run_series

    out = tmp_path_factory.mktemp("example_truth")
    series = run_series(data_path("example_series", "manifest.toml"), out, plots=False,
                        progress=False)
    assert series.failures.empty, series.failures.to_string()
    doc = json.loads((out / "series" / "series.json").read_text())
    return series.results, doc


def _fit(row: pd.Series, results: pd.DataFrame, name: str) -> tuple[float, float]:
    col = f"fit_{name}" if f"fit_{name}" in results.columns else name
    return float(row[col]), float(row[f"{col}_err"])


def _pull_table(results: pd.DataFrame, doc: dict) -> pd.DataFrame:
    truth = json.loads(data_path("example_series", "truth.json").read_text())
    gate = truth["KTO111-G/series"]["parameters"]
    mu_m2 = gate["mobility_cm2_Vs"] * 1e-4
    c_mid = _mid_ratio()
    rows: list[dict] = []
    order = results.sort_values("row").groupby(["sample", "kind"]).cumcount()

    def add(kind, label, name, fit, err, true):
        rows.append({"kind": kind, "sample": label, "parameter": name, "fit": fit,
                     "err": err, "truth": true, "pull": (fit - true) / err})

    for i, r in results.iterrows():
        kind, sample = r["kind"], r["sample"]
        key = f"{sample}/{kind}"
        expected: dict[str, float] = {}
        label = sample
        if sample == "KTO111-G":
            k = int(order[i])
            s = 1 if k < GATE_UP_POINTS else -1
            P = math.tanh((float(r["Vg_V"]) - s * gate["Vc_V"]) / gate["w_V"])
            n = gate["n0_cm2"] + gate["dn_cm2"] * P
            label = f"G{k + 1:02d}{'up' if s > 0 else 'dn'}{float(r['Vg_V']):+.0f}V"
            if kind == "tc":
                Tc = gate["Tc0_K"] + gate["slope_K_cm2"] * (n - gate["n0_cm2"])
                expected = _rt_truth(_file_T(r["files"]), Tc / c_mid,
                                     1 / (E_C * n * 1e4 * mu_m2))
            elif kind == "hall":
                expected = {"n2d_cm2": n, "mobility_cm2_Vs": gate["mobility_cm2_Vs"]}
        elif sample == "KTO111-P":
            Tc, RN = POLARIZATION[r["polarization"]]
            label = f"P-{r['polarization']}"
            expected = _rt_truth(_file_T(r["files"]), Tc / c_mid, RN)
        elif kind == "tc":
            t = truth[key]
            T_bkt = truth[f"{sample}/bkt-rt"]["T_BKT_K"]
            expected = _rt_truth(_file_T(r["files"]), T_bkt, t["R_N_ohm"] / _g_top())
        elif kind == "mr-hysteresis":
            t = truth[key]
            expected = {"peak_field_up_T": _mr_peak(+1, t["peak_field_up_T"]),
                        "peak_field_down_T": _mr_peak(-1, -t["peak_field_down_T"])}
        elif key in truth:
            expected = {n: v for n, v in truth[key].items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)}
        for name, true in expected.items():
            add(kind, label, name, *_fit(r, results, name), true)

    tg = truth["KTO111-G/series"]
    (g,) = [x for x in doc["gate_series"] if x["sample"] == "KTO111-G"]
    for q, name in (("Tc_K", "Tc_remanent_diff_K"), ("G_s_S", "G_s_remanent_diff_S"),
                    ("n2d_cm2", "n2d_remanent_diff_cm2")):
        h = g["hysteresis"][q]
        add("series", "KTO111-G", f"{q} loop_width_V", h["loop_width_V"],
            h["loop_width_V_err"], tg["loop_width_V"])
        add("series", "KTO111-G", f"{q} remanent_diff", h["remanent_diff"],
            h["remanent_diff_err"], tg[name])
    sl = g["tc_density_slope"]
    add("series", "KTO111-G", "tc_density_slope_K_cm2", sl["slope_K_cm2"],
        sl["slope_K_cm2_err"], tg["tc_density_slope_K_cm2"])
    tp = truth["KTO111-P/series"]
    (p,) = [x for x in doc["polarization"] if x["sample"] == "KTO111-P"]
    for name in ("Tc_diff_K", "G_s_ratio"):
        add("series", "KTO111-P", name, p["contrast"][name], p["contrast"][f"{name}_err"],
            tp[name])
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def pulls(batch):
    table = _pull_table(*batch)
    print("\n" + table.to_string(float_format=lambda v: f"{v:.5g}"))
    return table


def test_every_truth_is_compared(pulls):
    # 4 samples x (tc 4 + bkt-rt 1) + KTO111-A bkt-iv 1, hall 2, hc2-angle 3,
    # hc2-temperature 3, mr-hysteresis 2; 13 gate points x (tc 4 + hall 2);
    # 2 polarization states x tc 4; 9 series-level values
    assert len(pulls) == 20 + 11 + 78 + 8 + 9
    assert set(pulls["kind"]) >= {"tc", "bkt-rt", "bkt-iv", "hall", "hc2-angle",
                                  "hc2-temperature", "mr-hysteresis", "series"}


def test_pulls_are_finite_and_bounded(pulls):
    assert np.all(np.isfinite(pulls["pull"])), pulls[~np.isfinite(pulls["pull"])]
    assert np.all(pulls["err"] > 0)
    worst = pulls.loc[pulls["pull"].abs().idxmax()]
    assert abs(worst["pull"]) < MAX_ABS_PULL, worst.to_dict()


def test_pull_fraction_below_two(pulls):
    a = pulls["pull"].abs().to_numpy()
    frac = float(np.mean(a < 2))
    assert frac >= MIN_FRACTION_BELOW_2, pulls[pulls["pull"].abs() >= 2].to_string()
    # the check has teeth: with every error bar halved it fails
    assert np.mean(2 * a < 2) < MIN_FRACTION_BELOW_2 or np.max(2 * a) >= MAX_ABS_PULL
    # and the errors are not inflated either (rms pull of order 1)
    assert 0.5 < float(np.sqrt(np.mean(a**2))) < 1.6


# ---------------------------------------------------------------------------------------
# the plateau-choice part of the tc R_N error (ktoanalysis.transport.tc._window_choice_error)


def _bcg_curve(n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """A simulated-series-like R(T): BCG with T_BKT = 1 K, R_N = 1000 Ohm, 0.5-2.5 K."""
    T = np.linspace(0.5, 2.5, n_points)
    return T, 1000.0 * _g(T, 1.0)


def _tc_fit(T, R):
    from ktoanalysis.io.measurement import Measurement
    from ktoanalysis.transport import tc

    return tc.analyze([Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}),
                                   {"source": "sim.csv"})])


def _band_sem(r, T, R) -> float:
    lo, hi = r.options["rn_window_K"]
    band = R[(T >= lo) & (T <= hi)]
    return float(np.std(band, ddof=1) / np.sqrt(band.size))


def test_rn_choice_error_grows_on_a_rising_tail_only():
    """On a BCG tail the R_N error exceeds the band's standard error (the noise picks the
    plateau point); on a flat plateau (tanh step) it stays the standard error."""
    rng = np.random.default_rng(5)
    T, R0 = _bcg_curve(200)
    R = R0 + 2.0 * rng.standard_normal(T.size)
    r = _tc_fit(T, R)
    assert r.stderr("R_N_ohm") > 1.5 * _band_sem(r, T, R)
    T = np.linspace(0.5, 2.0, 300)
    R = 500.0 * (1 + np.tanh((T - 1.0) / 0.03)) + 0.5 * rng.standard_normal(T.size)
    r = _tc_fit(T, R)
    assert r.stderr("R_N_ohm") == pytest.approx(_band_sem(r, T, R), rel=0.3)


@pytest.mark.slow
@pytest.mark.parametrize("n_points, noise, seed", [(200, 2e-3, 11), (60, 1e-2, 12)])
def test_tc_coverage_on_bcg_tails(n_points, noise, seed):
    """1-sigma coverage of R_N, Tc_mid, Tc_onset and the width on 200 BCG curves like the
    example series (dense, 0.2 % noise; sparse, 1 % noise). The truth is the rule on the
    noiseless curve: R_N the model's mean over T >= 0.98 T_max, at least 5 points (the
    flattest point is the top of the data), the temperatures the model's crossings of its fractions.
    Measured: R_N 74 % / 63 %, the others 60-72 % (without the plateau-choice part R_N
    covers about 40 %, Tc_onset about 50 %)."""
    T, R0 = _bcg_curve(n_points)
    rn = float(np.mean(R0[_top_band(T)]))

    def cross(f):
        return brentq(lambda t: 1000.0 * _g(np.array([t]), 1.0)[0] - f * rn, 1 + 1e-9, 2.5,
                      xtol=1e-13)

    truth = {"R_N_ohm": rn, "Tc_mid_K": cross(0.5), "Tc_onset_K": cross(0.9),
             "width_K": cross(0.8) - cross(0.2)}
    rng = np.random.default_rng(seed)
    hits = {k: 0 for k in truth}
    n_sets = 200
    for _ in range(n_sets):
        r = _tc_fit(T, R0 + noise * 1000.0 * rng.standard_normal(T.size))
        for k, v in truth.items():
            hits[k] += abs(r.value(k) - v) < r.stderr(k)
    cov = {k: h / n_sets for k, h in hits.items()}
    print(f"{n_points} points, noise {noise}: coverage {cov}")
    for k, c in cov.items():
        # known limit: on the sparse noisy curve the rise between neighbours near 0.8 R_N
        # is only ~2.7 noise units, and the crossing scatters ~1.4x its propagated error
        # (ratio of noisy differences); width coverage measured 0.57 there. A local
        # least-squares crossing in that regime is the fix (see the tc model page).
        low = 0.55 if (k == "width_K" and n_points < 100) else 0.58
        assert low <= c <= 0.85, (k, c)
