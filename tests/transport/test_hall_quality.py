"""Quality verdict, declaration and error budget of the ``hall`` kind.

Every data set is simulated here with the formula written in the test (single-band Hall
line ``R_xy = -B/(n e)``, MODELS.md §1.1), never with the package's model function.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.constants as sc

from ktoanalysis.errors import OptionError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hall

N_TRUE = 3.8e17  # m^-2 (3.8e13 cm^-2, seed 004)


def _loop(rng, n=N_TRUE, npts=51, bmax=5.0, rel_noise=0.01, c3=0.0, offset=-39.0):
    """Down then up sweep of R_xy = -B/(n e) + c3 B^3 + offset + noise (rel. to |R_xy(bmax)|)."""
    rh = -1.0 / (sc.e * n)
    bd = np.linspace(bmax, -bmax, npts)
    B = np.r_[bd, bd[::-1]]
    d = np.r_[-np.ones(npts), np.ones(npts)]
    sigma = rel_noise * abs(rh) * bmax
    R = rh * B + c3 * B**3 + offset + sigma * rng.standard_normal(B.size)
    return B, R, d, rh, sigma


def test_spec_declares_and_validates_options_before_any_work():
    assert hall.OPTIONS == hall.SPEC.help_map()
    names = {o.name for o in hall.SPEC.options}
    assert {"hall_column", "R_S_ohm", "W_m", "L_m", "antisymmetrize", "form", "B_max_T",
            "B_min_T", "hall_sign", "degeneracy", "sigma_ohm", "channel"} <= names
    assumptions = {o.name for o in hall.SPEC.options if o.assumption}
    assert {"hall_sign", "degeneracy"} <= assumptions
    # validated before the (empty) measurement list is looked at
    with pytest.raises(OptionError, match="form"):
        hall.analyze([], form="quadratic")
    with pytest.raises(OptionError, match="degeneracy"):
        hall.analyze([], degeneracy=0)
    with pytest.raises(OptionError, match="unknown"):
        hall.analyze([], Bmax=2.0)
    with pytest.raises(OptionError, match="R_S_ohm"):
        hall.analyze([], R_S_ohm=-5.0)


def test_linear_data_are_ok_with_a_budget():
    rng = np.random.default_rng(1)
    B, R, d, rh, sigma = _loop(rng)
    res = hall.fit_hall(B, R, direction=d)
    assert res.verdict == "ok", res.quality.summary()
    assert abs(res.value("n2d_m2") - N_TRUE) < 4 * res.stderr("n2d_m2")
    b = res.budget["n2d_m2"]
    assert set(b.sys) == {"field window", "form"}
    assert b.total == pytest.approx(res.stderr("n2d_m2"), rel=1e-9)
    # the odd part of two independent points has noise sigma/sqrt(2)
    assert res.stats["noise_ohm"] == pytest.approx(sigma / np.sqrt(2), rel=0.3)


def test_nonlinear_hall_is_a_warning_naming_the_cubic_term():
    # R_xy = R_H B + c3 B^3 with |c3| B_max^2 / |R_H| = 10 %: clearly non-linear, still a line
    # to first order; the linear fit is flagged and the cubic fit is not
    rng = np.random.default_rng(2)
    rh = -1.0 / (sc.e * N_TRUE)
    c3 = 0.10 * abs(rh) / 25.0
    B, R, d, _, _ = _loop(rng, c3=c3, rel_noise=0.002, npts=101)
    lin = hall.fit_hall(B, R, direction=d)
    flag = next(f for f in lin.quality.flags if f.code == "nonlinear_hall")
    assert flag.severity == "warn"
    assert "cubic term c3" in flag.message
    assert lin.options["nonlinearity"]["c3_ohm_T3"] == pytest.approx(c3, rel=0.1)
    assert lin.options["nonlinearity"]["cubic_fraction"] == pytest.approx(0.10, rel=0.1)
    cub = hall.fit_hall(B, R, direction=d, form="cubic")
    assert not cub.quality.has("nonlinear_hall")
    assert abs(cub.value("R_H_ohm_T") - rh) < 4 * cub.stderr("R_H_ohm_T")
    # the form choice is a systematic of the linear fit: the cubic slope differs
    assert lin.budget["R_H_ohm_T"].sys["form"] > 0
    assert lin.stderr("n2d_m2") > lin.budget["n2d_m2"].stat


def test_bad_fit_against_the_noise_fails():
    # a saturating (two-band-like) R_xy: tanh shape, noise 0.1 % of the signal
    rng = np.random.default_rng(3)
    B = np.r_[np.linspace(5, -5, 101), np.linspace(-5, 5, 101)]
    d = np.r_[-np.ones(101), np.ones(101)]
    R = -20.0 * np.tanh(B / 1.5) + 0.02 * rng.standard_normal(B.size)
    res = hall.fit_hall(B, R, direction=d)
    bad = next(f for f in res.quality.flags if f.code == "bad_fit")
    assert bad.severity == "fail" and "reduced chi-square" in bad.message
    assert res.verdict == "fail"


def test_slope_not_significantly_nonzero_fails():
    rng = np.random.default_rng(4)
    B = np.r_[np.linspace(5, -5, 51), np.linspace(-5, 5, 51)]
    d = np.r_[-np.ones(51), np.ones(51)]
    R = 1e-4 * B + 0.05 * rng.standard_normal(B.size)  # slope 1e-4 vs error ~1e-3
    res = hall.fit_hall(B, R, direction=d)
    f = next(f for f in res.quality.flags if f.code == "large_uncertainty")
    assert f.severity == "fail" and "meaningless" in f.message


def test_below_ioffe_regel_warns():
    # k_F l = (h/e^2)/R_S for g = 2: R_S = 40 kOhm gives k_F l = 0.645 < 1
    rng = np.random.default_rng(5)
    B, R, d, _, _ = _loop(rng)
    res = hall.fit_hall(B, R, direction=d, R_S_ohm=40e3)
    assert res.value("kF_l") == pytest.approx(sc.h / sc.e**2 / 40e3, rel=1e-9)
    assert res.quality.has("below_ioffe_regel")
    assert not hall.fit_hall(B, R, direction=d, R_S_ohm=1358.2).quality.has(
        "below_ioffe_regel")


def test_too_few_points_warns():
    rng = np.random.default_rng(6)
    B, R, d, _, _ = _loop(rng, npts=5)  # 4 antisymmetrised points (B = 0 has no odd part)
    res = hall.fit_hall(B, R, direction=d)
    assert res.quality.has("too_few_points")


def test_given_noise_inconsistent_with_the_data_warns():
    rng = np.random.default_rng(7)
    B, R, d, _, sigma = _loop(rng, npts=101)
    res = hall.fit_hall(B, R, direction=d, sigma_ohm=sigma / 20)
    assert res.quality.has("noise_inconsistent")
    ok = hall.fit_hall(B, R, direction=d, sigma_ohm=sigma)
    assert not ok.quality.has("noise_inconsistent") and ok.verdict == "ok"


def test_analyze_carries_quality_and_budget():
    rng = np.random.default_rng(8)
    B, R, _, _, _ = _loop(rng)
    m = Measurement(pd.DataFrame({"B_T": B, "Rxy_ohm": R}), {"source": "sim.csv"})
    res = hall.analyze([m], R_S_ohm=40e3)
    assert res.quality.has("below_ioffe_regel")
    d = res.to_dict()
    assert d["quality"]["verdict"] == "warn"
    assert {"stderr_stat", "stderr_sys"} <= set(d["params"]["n2d_m2"])


@pytest.mark.realdata
def test_realdata_psu_hall_is_flagged_nonlinear(hall_psu):
    # SOURCES.md §4: a visible non-linearity; the slope depends on the field window
    from ktoanalysis.io import load

    res = hall.analyze([load(hall_psu)])
    assert res.quality.has("nonlinear_hall")
    assert res.budget["R_H_ohm_T"].sys["field window"] > res.budget["R_H_ohm_T"].stat


@pytest.mark.slow
def test_coverage_density_sparse_noisy_lines():
    # >= 200 simulated lines R_xy = -B/(n e) + offset, 25 points per sweep, 2-5 % noise:
    # the combined 1-sigma error of n2d covers the truth in 60-76 % of the sets
    rng = np.random.default_rng(2024)
    n_sets, hits, fails = 300, 0, 0
    for _ in range(n_sets):
        n_true = N_TRUE * rng.uniform(0.3, 3.0)
        B, R, d, _, _ = _loop(rng, n=n_true, npts=25, bmax=rng.uniform(1.0, 9.0),
                              rel_noise=rng.uniform(0.02, 0.05))
        res = hall.fit_hall(B, R, direction=d)
        hits += abs(res.value("n2d_m2") - n_true) <= res.stderr("n2d_m2")
        fails += res.verdict == "fail"
    cov = hits / n_sets
    print("n2d coverage", cov, "fail verdicts", fails)
    assert 0.60 <= cov <= 0.76
    assert fails <= 0.02 * n_sets
