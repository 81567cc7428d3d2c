"""Kind hc2-angle: 2D Tinkham vs 3D anisotropic GL (MODELS.md §5.2, seed
002_adb0abe1c8a3790c.txt)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import DataFormatError, FitError, OptionError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hc2_angle
from ktoanalysis.transport.hc2 import gl3d_hc2, tinkham_hc2

HPERP, HPAR = 0.45, 5.0  # 002_adb0abe1c8a3790c.txt, LAO/KTO(111) at 0.6 K (§11 row 22)


def _angles():
    coarse = np.arange(0.0, 181.0, 5.0)
    fine = np.arange(85.0, 95.01, 0.5)  # fine steps near 90 deg resolve the cusp (§5.2 c)
    return np.radians(np.unique(np.concatenate([coarse, fine])))


THETA0 = math.radians(0.7)


def _sim(func, seed=0, rel=0.01, theta0=THETA0):
    rng = np.random.default_rng(seed)
    th = _angles()
    H = func(th, HPERP, HPAR, theta0)
    sig = rel * H
    return th, H + rng.normal(0, sig), sig


def _table(th, H, sig=None, source="pts.csv"):
    d = {"theta_rad": th, "Hc2_T": H}
    if sig is not None:
        d["Hc2_err_T"] = sig
    return Measurement(data=pd.DataFrame(d), metadata={"source": source})


def test_tinkham_data_recovered_and_selected():
    th, H, sig = _sim(tinkham_hc2)
    r = hc2_angle.analyze([_table(th, H, sig)])
    assert r.options["best_model"] == "tinkham_2d"
    assert r.stats["delta_aic_gl_minus_tinkham"] > 10
    for name, true in (("Hc2_perp_T", HPERP), ("Hc2_par_T", HPAR),
                       ("theta0_rad", math.radians(0.7))):
        assert abs(r.value(name) - true) < 4 * r.stderr(name), name
    assert r.value("anisotropy") == pytest.approx(HPAR / HPERP, rel=0.05)
    assert "gl_3d_Hc2_par_T" in r.params and "tinkham_2d_Hc2_par_T" in r.params
    assert r.options["sigma"].startswith("known")
    json.dumps(r.to_dict())


def test_gl_data_selected_as_gl():
    th, H, sig = _sim(gl3d_hc2, seed=2)
    r = hc2_angle.analyze([_table(th, H, sig)])
    assert r.options["best_model"] == "gl_3d"
    assert abs(r.value("Hc2_par_T") - HPAR) < 4 * r.stderr("Hc2_par_T")


def test_from_plane_convention_and_fixed_theta0():
    rng = np.random.default_rng(5)
    th = np.radians(np.arange(0.0, 86.0, 5.0))  # one side only: theta0 not fitted (auto)
    H = tinkham_hc2(th, HPERP, HPAR, convention="from_plane")
    H = H * (1 + rng.normal(0, 0.005, th.size))
    r = hc2_angle.analyze([_table(th, H)], theta_convention="from_plane")
    assert r.options["theta0_fitted"] is False and "theta0_rad" not in r.params
    assert abs(r.value("Hc2_perp_T") - HPERP) < 4 * r.stderr("Hc2_perp_T")
    # no error column: constant relative noise is assumed (weights 1/Hc2, scaled covariance)
    assert r.options["sigma"].startswith("relative noise")
    r = hc2_angle.analyze([_table(th, H)], theta_convention="from_plane", use_sigma=False)
    assert r.options["sigma"].startswith("unweighted")


def _sweeps_with_angle_column(seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    B = np.round(np.arange(-6.0, 6.0001, 0.02), 6)
    for deg in (0, 20, 40, 60, 75, 85, 88, 90, 92, 95, 105, 120, 140, 160, 180):
        Bc = tinkham_hc2(np.radians([deg]), HPERP, HPAR)[0]
        R = 100.0 / (1 + np.exp(-(np.abs(B) - Bc) / (0.02 * Bc))) + rng.normal(0, 0.02, B.size)
        rows.append(pd.DataFrame({"theta_rad": math.radians(deg), "B_T": B, "R_ohm": R}))
    return Measurement(data=pd.concat(rows, ignore_index=True),
                       metadata={"source": "rot.csv"})


def test_raw_sweeps_input():
    m = _sweeps_with_angle_column()
    r = hc2_angle.analyze([m], rn_method="fixed_value", R_N_ohm=100.0)
    assert r.options["best_model"] == "tinkham_2d"
    assert r.value("Hc2_perp_T") == pytest.approx(HPERP, rel=0.01)
    assert r.value("Hc2_par_T") == pytest.approx(HPAR, rel=0.02)
    assert r.provenance["n_points"] == 15


def test_one_file_per_angle_metadata():
    rng = np.random.default_rng(1)
    ms = []
    B = np.round(np.arange(0.0, 6.0001, 0.01), 6)
    for deg in (0, 30, 60, 80, 88, 90):
        Bc = gl3d_hc2(np.radians([deg]), HPERP, HPAR)[0]
        R = 10.0 / (1 + np.exp(-(B - Bc) / (0.02 * Bc))) + rng.normal(0, 1e-3, B.size)
        ms.append(Measurement(data=pd.DataFrame({"B_T": B, "R_ohm": R}),
                              metadata={"source": f"a{deg}.csv", "theta_rad": math.radians(deg)}))
    r = hc2_angle.analyze(ms, rn_method="fixed_value", R_N_ohm=10.0)
    assert r.value("gl_3d_Hc2_perp_T") == pytest.approx(HPERP, rel=0.01)


def test_bad_input():
    with pytest.raises(OptionError, match="unknown option"):
        hc2_angle.analyze([_table(*_sim(tinkham_hc2)[:2])], nonsense=1)
    with pytest.raises(FitError, match="4 distinct angles"):
        hc2_angle.analyze([_table(np.radians([0, 90, 0.0]), np.array([0.4, 5, 0.41]))])
    with pytest.raises(DataFormatError, match="line 3"):
        hc2_angle.analyze([_table(np.radians([0, 30, 60.0]), np.array([0.4, np.nan, 1.0]))])
    m = Measurement(data=pd.DataFrame({"B_T": np.linspace(0, 1, 20), "R_ohm": 1.0}),
                    metadata={"source": "noangle.csv"})
    with pytest.raises(DataFormatError, match="noangle.csv.*angle"):
        hc2_angle.analyze([m])


def test_plot(tmp_path):
    th, H, sig = _sim(tinkham_hc2)
    r = hc2_angle.analyze([_table(th, H, sig)])
    out = r.plot(tmp_path / "angle.png")
    ax = out.axes[0]
    assert "H_{c2}" in ax.get_ylabel() and "deg" in out.axes[1].get_xlabel()
    assert (tmp_path / "angle.png").stat().st_size > 1000


def test_cli_json(tmp_path):
    from typer.testing import CliRunner

    import ktoanalysis.cli

    th, H, sig = _sim(tinkham_hc2, seed=4)
    f = tmp_path / "angles.csv"
    pd.DataFrame({"theta (deg)": np.degrees(th), "Hc2 (T)": H}).to_csv(f, index=False)
    res = CliRunner().invoke(ktoanalysis.cli.app, ["fit", "hc2-angle", str(f), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["options"]["best_model"] == "tinkham_2d"
    assert d["params"]["Hc2_par_T"]["value"] == pytest.approx(HPAR, rel=0.05)


@pytest.mark.slow
@pytest.mark.parametrize("func", [tinkham_hc2, gl3d_hc2])
def test_coverage_angle_fits(func):
    """>= 200 simulated data sets: 1-sigma intervals cover the truth 60-76 % of the time."""
    name = "tinkham_2d" if func is tinkham_hc2 else "gl_3d"
    truth = {"Hc2_perp_T": HPERP, "Hc2_par_T": HPAR, "theta0_rad": math.radians(0.7)}
    hits = dict.fromkeys(truth, 0)
    n = 200
    for seed in range(n):
        th, H, sig = _sim(func, seed=1000 + seed)
        r = hc2_angle.fit_hc2_angle(th, H, sig, sigma_known=True)
        for k in hits:
            hits[k] += abs(r.value(f"{name}_{k}") - truth[k]) < r.stderr(f"{name}_{k}")
    cov = {k: v / n for k, v in hits.items()}
    print(name, "coverage", cov)
    for k, c in cov.items():
        assert 0.60 <= c <= 0.76, (k, c)
