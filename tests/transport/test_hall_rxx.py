"""Sheet resistance R_S = R_xx(B = 0) W/L of the ``hall`` kind and the mobility from it.

The R_xx noise is estimated from the whole sweep, not from the 7-25 low-field points of the
R_xx(0) fit (docs/models/hall_normal_state.md, "R_S and its error"). Every data set is
simulated here with the formula written in the test:

* ``R_xx = R_S (1 + (mu B)^2 c) + noise`` (a classical magnetoresistance, c in [0, 1]),
* ``R_xy = B / (n e) + noise`` (single band, holes; the sign does not matter here),

never with the package's model functions; mu = 1/(e n R_S) is the true Hall mobility.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hall

E_C = 1.602176634e-19  # C, written here


def _window_error(B: np.ndarray, sigma: float, frac: float = 0.25) -> float:
    """1-sigma error of ``a`` in the least-squares fit ``a + c B^2`` to the points with
    |B| <= frac * max|B| at white noise sigma (closed form: sigma sqrt([(X^T X)^-1]_00))."""
    w = np.abs(B) <= frac * np.max(np.abs(B))
    X = np.column_stack([np.ones(w.sum()), B[w] ** 2])
    return float(sigma * np.sqrt(np.linalg.inv(X.T @ X)[0, 0]))


def _measurement(B: np.ndarray, rxx: np.ndarray, rxy: np.ndarray) -> Measurement:
    return Measurement(pd.DataFrame({"B_T": B, "R_ch1_ohm": rxx, "Rxy_ohm": rxy}),
                       {"source": "sim.csv"})


def test_rs_error_uses_the_whole_sweep_noise():
    # 41 points over +/- 8 T: the R_xx(0) fit sees the 11 points with |B| <= 2 T. In this
    # realisation (seed 23) their residuals scatter at 0.46 of the true noise (a 0.8 %
    # tail of chi2 with 9 dof): the old window-residual error bar was 0.46 of the true one
    B = np.linspace(-8.0, 8.0, 41)
    R_S, sigma = 1000.0, 2.0
    rng = np.random.default_rng(23)
    rxx = R_S * (1 + 0.004 * B**2) + sigma * rng.standard_normal(B.size)
    rxy = B / (3e17 * E_C) + 0.01 * rng.standard_normal(B.size)
    res = hall.analyze([_measurement(B, rxx, rxy)], hall_column="Rxy_ohm", W_m=1e-5,
                       L_m=1e-5)
    true_err = _window_error(B, sigma)
    ratio = res.stderr("R_S_ohm") / true_err
    assert 0.85 < ratio < 1.25, ratio
    rec = res.options["R_S_estimate"]
    assert rec["noise"].startswith("whole sweep") and rec["n_window"] == 11
    assert rec["dof"] > 12  # 38 third differences, 16.5 effective dof (old: 9)
    assert abs(res.value("R_S_ohm") - R_S) < 3 * res.stderr("R_S_ohm")
    # the mobility carries it (n is known to 1e-4 here)
    assert res.stderr("mobility_m2_Vs") / res.value("mobility_m2_Vs") == pytest.approx(
        res.stderr("R_S_ohm") / res.value("R_S_ohm"), rel=0.05)


def test_rs_relative_noise_and_window_misfit():
    rng = np.random.default_rng(5)
    # noise proportional to R (gain error) and a strong MR (R_xx(9 T) = 5 R_S): the noise
    # variance is modelled as (s_a^2 +) s_r^2 R^2, the error is that of the quiet B = 0 end
    # (the whole-sweep rms would be 2.6 times too large)
    B = np.linspace(-9.0, 9.0, 181)
    R_S, rel = 500.0, 2e-3
    R = R_S * (1 + (B / 4.5) ** 2)
    rxx = R * (1 + rel * rng.standard_normal(B.size))
    val, rec = hall._rxx_zero_field([B], [rxx])
    assert rec["noise"].startswith("whole sweep") and "s_r^2 R^2" in rec["noise"]
    true_err = _window_error(B, rel * R_S)
    assert 0.7 < val.std_dev / true_err < 1.4, val.std_dev / true_err
    # a low-field cusp (weak antilocalisation) inside the window: the residuals exceed the
    # sweep noise and the error is scaled by sqrt(chi2_red) of the window
    rxx2 = R_S * (1 + 0.01 * B**2) + 30.0 * np.exp(-np.abs(B) / 0.3) \
        + 0.05 * rng.standard_normal(B.size)
    val2, rec2 = hall._rxx_zero_field(B, rxx2)
    assert "misfit" in rec2 and rec2["p_window"] < 0.01
    assert val2.std_dev > 5 * _window_error(B, 0.05)
    rxy = B / (3e17 * E_C) + 0.01 * rng.standard_normal(B.size)
    res = hall.analyze([_measurement(B, rxx2, rxy)], hall_column="Rxy_ohm", W_m=1e-5,
                       L_m=1e-5)
    assert res.quality.has("bad_fit") and res.verdict == "warn"
    assert any("R_xx(B=0)" in f.message for f in res.quality.flags)
    # two files: differences are taken per file and per monotonic run (no jump between
    # the end of one file and the start of the next, or between up and down sweeps)
    d, _ = hall._third_differences(np.r_[B, B[::-1]], np.r_[rxx, rxx[::-1] + 50.0])
    assert d.size == 2 * (B.size - 3)


def _simulate(rng, dense: bool):
    """One Hall-bar sweep (L = W: R_xx = R_S); dense: 61-201 points over +/- 9 T, R_xx
    noise 0.03-0.3 % of R_S; sparse/noisy: 15-30 points over +/- 2-6 T, 0.3-3 %. Half of
    them are down-and-up loops."""
    if dense:
        npts, bmax, rel = int(rng.integers(61, 202)), 9.0, 10 ** rng.uniform(-3.5, -2.5)
    else:
        npts, bmax = int(rng.integers(15, 31)), float(rng.uniform(2.0, 6.0))
        rel = 10 ** rng.uniform(-2.5, -1.5)
    R_S = 10 ** rng.uniform(2, 4)
    n = 10 ** rng.uniform(16.5, 18.0)
    mu = 1 / (E_C * n * R_S)
    c = rng.uniform(0.3, 1.0)
    B = np.linspace(-bmax, bmax, npts)
    if rng.random() < 0.5:
        B = np.r_[B[::-1], B]
    rxx = R_S * (1 + (mu * B) ** 2 * c) + rel * R_S * rng.standard_normal(B.size)
    rxy = B / (n * E_C)
    rxy = rxy + 0.01 * np.max(np.abs(rxy)) * rng.standard_normal(B.size)
    return _measurement(B, rxx, rxy), R_S, mu


@pytest.mark.slow
def test_coverage_rs_and_mobility():
    # measured (seed 2, 150 + 150 sweeps): see the assertions; the old window-residual
    # estimate gave 6.8-10 % of the sparse pulls beyond 2 sigma and up to 6.5 sigma
    rng = np.random.default_rng(2)
    for dense in (True, False):
        pulls_rs, pulls_mu = [], []
        for _ in range(150):
            m, R_S, mu = _simulate(rng, dense)
            res = hall.analyze([m], hall_column="Rxy_ohm", W_m=1e-5, L_m=1e-5)
            pulls_rs.append((res.value("R_S_ohm") - R_S) / res.stderr("R_S_ohm"))
            pulls_mu.append((res.value("mobility_m2_Vs") - mu) / res.stderr("mobility_m2_Vs"))
        a, b = np.abs(pulls_rs), np.abs(pulls_mu)
        print("dense" if dense else "sparse", "coverage R_S", np.mean(a <= 1), "mobility",
              np.mean(b <= 1), "beyond 2 sigma", np.mean(a > 2), "max", a.max())
        assert 0.60 <= np.mean(a <= 1) <= 0.76
        assert 0.60 <= np.mean(b <= 1) <= 0.76
        assert np.mean(a > 2) <= 0.07
        assert a.max() < 4.5
