"""Butterfly MR hysteresis (MODELS.md §7): peak fields, Delta R, symmetry, Delta R_S(T)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import FitError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import hysteresis as hy


def _lor(B, c, amp, w):
    return amp / (1 + ((B - c) / w) ** 2)


def _loop(rng, T=0.5, amp=814.9, Bc=0.08, w=0.02, sigma=2.0, R0=100.0, B0=0.0, npts=1201):
    """Down sweep (peak at -Bc) then up sweep (peak at +Bc), optional remanent shift B0."""
    bd = np.linspace(1.5, -1.5, npts)
    bu = bd[::-1]
    rd = R0 + 5 * (bd - B0) ** 2 + _lor(bd, B0 - Bc, amp, w)
    ru = R0 + 5 * (bu - B0) ** 2 + _lor(bu, B0 + Bc, amp, w)
    B = np.r_[bd, bu]
    R = np.r_[rd, ru] + sigma * rng.standard_normal(2 * npts)
    return pd.DataFrame({"B_T": B, "T_K": T + 1e-4 * rng.standard_normal(B.size), "R_ohm": R})


def test_row18_butterfly_peak_fields_and_delta_r():
    # MODELS.md §11 row 18; 004_5aba75fef312435d.txt: peaks at +-0.08 T, Delta R_S max 814.9 Ohm/sq
    # (~0.5 K). Algorithm test: a loop simulated with these numbers is recovered.
    rng = np.random.default_rng(18)
    m = Measurement(_loop(rng), {"source": "sim.csv"})
    res = hy.analyze([m])
    assert res.options["hysteresis"] == "butterfly peaks on both branches"
    up, down = res.params["peak_field_up_T"], res.params["peak_field_down_T"]
    assert abs(up.nominal_value - 0.08) < 4 * up.std_dev
    assert abs(down.nominal_value + 0.08) < 4 * down.std_dev
    # truth: R(Bc) - R(0) = amp + 5*Bc^2 - amp/(1 + (Bc/w)^2)
    truth = 814.9 + 5 * 0.08**2 - 814.9 / 17
    assert res.value("delta_R_ohm") == pytest.approx(truth, rel=0.01)
    assert res.value("hysteresis_area_ohm_T") > 0
    json.dumps(res.to_dict())


def test_no_hysteresis_even_peak_is_not_a_butterfly(tmp_path):
    # a field-symmetric MR maximum on both branches is not hysteresis: "none detected"
    rng = np.random.default_rng(2)
    B = np.r_[np.linspace(1, -1, 401), np.linspace(-1, 1, 401)]
    R = 50 + 20 * np.exp(-((np.abs(B) - 0.6) / 0.1) ** 2) + 0.05 * rng.standard_normal(B.size)
    m = Measurement(pd.DataFrame({"B_T": B, "T_K": 2.0, "R_ohm": R}), {"source": "sym.csv"})
    res = hy.analyze([m])
    assert res.options["hysteresis"] == "none detected"
    assert "peak_field_up_T" not in res.params and "delta_R_ohm" not in res.params
    assert "no_peak_reason" in res.options
    assert res.value("max_abs_diff_ohm") < 5 * res.options["per_temperature"][0][
        "difference"]["noise_ohm"]
    res.plot(tmp_path / "none.png")


def test_remanent_field_offset_from_symmetry():
    # MODELS.md §7 pitfall (a): the loop centre B0 follows from R_up(B0+b) = R_down(B0-b)
    rng = np.random.default_rng(3)
    m = Measurement(_loop(rng, B0=0.004, sigma=0.5), {"source": "shift.csv"})
    res = hy.analyze([m])
    assert res.value("B_offset_T") == pytest.approx(0.004, abs=5e-4)
    mean = res.params["peak_field_mean_abs_T"]
    assert abs(mean.nominal_value - 0.08) < 4 * mean.std_dev  # shift cancels in the mean


def _dr_truth(form):
    return {"shape_only": dict(Tc=0.6, dF0_K=2.0, A=3000.0),
            "free_pair": dict(Tc=0.6, dF0_K=3.752, A=3000.0, Tc_B=0.57, dF0_B_K=3.0),
            "tc_shift": dict(Tc=0.6, dF0_K=3.752, A=3000.0, B_peak_T=0.08, Bc2par_T=0.5)}[form]


@pytest.mark.parametrize("form", ["shape_only", "tc_shift", "free_pair"])
def test_delta_rs_taps_forms_recover_parameters(form):
    # ASSUMPTION mr_taps_field_dependence: all three forms on simulated Delta R_S(T)
    rng = np.random.default_rng(7)
    T = np.linspace(0.05, 0.58, 14)
    p = _dr_truth(form)
    y = hy.taps_delta_r(T, form, **p)
    s = 0.02 * y.max()
    res = hy.fit_delta_rs_taps(T, y + s * rng.standard_normal(T.size), np.full(T.size, s),
                               form=form, B_peak_T=0.08, Bc2par_T=0.5)
    for k in ("Tc_K", "dF0_K"):
        key = k.replace("_K", "") if k == "Tc_K" else "dF0_K"
        assert abs(res.value(k) - p[key]) < 4 * res.stderr(k), (form, k)
    assert res.options["mr_taps_field_dependence"] == form


def test_analyze_temperature_series_runs_taps_fit(tmp_path):
    rng = np.random.default_rng(11)
    temps = np.linspace(0.1, 0.55, 7)
    amps = hy.taps_delta_r(temps, "shape_only", Tc=0.6, dF0_K=2.0, A=3000.0)
    df = pd.concat([_loop(rng, T=t, amp=a + 50, sigma=1.0, npts=601)
                    for t, a in zip(temps, amps, strict=True)])
    m = Measurement(df.reset_index(drop=True), {"source": "series.csv"})
    res = hy.analyze([m], mr_taps_field_dependence="shape_only")
    assert res.stats["n_temperatures"] == 7
    assert "taps_Tc_K" in res.params and "taps_dF0_J" in res.params
    assert res.options["mr_taps_field_dependence"] == "shape_only"
    fig = res.plot(tmp_path / "series.png")
    assert len(fig.axes) == 2
    one = hy.analyze([m], T_K=float(temps[3]), by_tol=0.02)
    assert one.stats["n_temperatures"] == 1


def test_bad_options():
    rng = np.random.default_rng(1)
    m = Measurement(_loop(rng, npts=201), {"source": "x.csv"})
    with pytest.raises(FitError, match="unknown option"):
        hy.analyze([m], peakwindow=1)
    with pytest.raises(FitError, match="peak_window_T"):
        hy.analyze([m], peak_window_T=0.1)
    with pytest.raises(FitError, match="no field sweep"):
        hy.analyze([m], T_K=4.2)
    with pytest.raises(FitError, match="tc_shift"):
        hy.fit_delta_rs_taps(np.linspace(0.1, 0.5, 8), np.ones(8), form="tc_shift")
    with pytest.raises(FitError, match="too few"):
        hy.fit_delta_rs_taps(np.array([0.1, 0.2, 0.3]), np.ones(3), form="free_pair")


@pytest.mark.realdata
def test_realdata_ppms_no_hysteresis(ppms_resistivity):
    # SOURCES.md §1a: up and down sweeps agree within ~2 mT: no butterfly hysteresis
    from ktoanalysis.io import load

    res = hy.analyze([load(ppms_resistivity)])
    status = res.options["hysteresis"]
    if status.startswith("none"):
        assert "peak_field_up_T" not in res.params
        assert "no_peak_reason" in res.options
    else:  # peaks, if any, must sit at equal |B| within errors (no coercive splitting)
        up, down = res.params["peak_field_up_T"], res.params["peak_field_down_T"]
        assert abs(abs(up.nominal_value) - abs(down.nominal_value)) < 3 * np.hypot(
            up.std_dev, down.std_dev)
    assert abs(res.value("B_offset_T")) < 0.005
    assert res.stats["n_temperatures"] == 4


@pytest.mark.slow
def test_coverage_peak_fields_and_taps():
    rng = np.random.default_rng(77)
    n = 200
    hits = {"up": 0, "down": 0, "Tc": 0, "dF0": 0}
    T = np.linspace(0.05, 0.58, 14)
    p = _dr_truth("shape_only")
    y0 = hy.taps_delta_r(T, "shape_only", **p)
    s = 0.02 * y0.max()
    for _ in range(n):
        B = np.linspace(-0.3, 0.3, 241)
        up = (B, 100 + _lor(B, 0.08, 200.0, 0.02) + 2.0 * rng.standard_normal(B.size))
        down = (B, 100 + _lor(B, -0.08, 200.0, 0.02) + 2.0 * rng.standard_normal(B.size))
        info = hy.analyze_loop(up, down)
        pu = info["branches"]["up"]["pos"]["B_peak"]
        pd_ = info["branches"]["down"]["neg"]["B_peak"]
        hits["up"] += abs(pu.nominal_value - 0.08) <= pu.std_dev
        hits["down"] += abs(pd_.nominal_value + 0.08) <= pd_.std_dev
        res = hy.fit_delta_rs_taps(T, y0 + s * rng.standard_normal(T.size), np.full(T.size, s),
                                   form="shape_only")
        hits["Tc"] += abs(res.value("Tc_K") - p["Tc"]) <= res.stderr("Tc_K")
        hits["dF0"] += abs(res.value("dF0_K") - p["dF0_K"]) <= res.stderr("dF0_K")
    cov = {k: v / n for k, v in hits.items()}
    print("coverage", cov)
    for k, c in cov.items():
        assert 0.60 <= c <= 0.76, (k, c)


@pytest.mark.realdata
def test_cli_json_realdata(ppms_resistivity):
    from typer.testing import CliRunner

    from ktoanalysis.cli import app

    out = CliRunner().invoke(app, ["fit", "mr-hysteresis", str(ppms_resistivity), "--json"])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)  # the warn lines (notes: 4 temperatures) go to stderr
    assert d["kind"] == "mr-hysteresis" and d["options"]["hysteresis"].startswith("none")
    assert d["quality"]["verdict"] == "warn"


# ---------------------------------------------------------------------------------------
# error budgets: statistical + sampling (field step) + systematic (choices)
# ---------------------------------------------------------------------------------------

def _butterfly(rng, step, w=0.06, amp=50.0, frac=0.03, bp=0.3, R0=100.0):
    """Down then up sweep on [-1, 1] T with field step ``step`` (grid offset random):
    R = R0 + amp/(1 + ((B -+ bp)/w)^2) + noise (``frac`` x amp), peak at -bp on the down
    branch and +bp on the up branch."""
    n = int(round(2.0 / step)) + 1
    bd = np.linspace(1.0, -1.0, n) + rng.uniform(-0.5, 0.5) * step
    bu = bd[::-1]
    R = np.r_[R0 + _lor(bd, -bp, amp, w), R0 + _lor(bu, bp, amp, w)]
    R = R + frac * amp * rng.standard_normal(2 * n)
    df = pd.DataFrame({"B_T": np.r_[bd, bu], "T_K": 0.5, "R_ohm": R})
    return Measurement(df, {"source": "sim.csv"})


@pytest.mark.slow
@pytest.mark.parametrize("steps_per_w", [15.0, 3.0])
def test_coverage_peak_fields_dense_and_sparse_sweeps(steps_per_w):
    # 200 loops per grid, noise 2-5 % of the peak height; sparse: field step = w/3 (the
    # FWHM spans 6 steps, the parabola sees 5 points). Total error = stat + sampling + sys.
    rng = np.random.default_rng(int(steps_per_w) + 300)
    w, n = 0.06, 200
    hits = {"up": 0, "down": 0}
    dr_hits, dr_truth = 0, 50.0 - 50.0 / (1 + (0.3 / w) ** 2)
    for _ in range(n):
        res = hy.analyze([_butterfly(rng, w / steps_per_w, w=w,
                                     frac=rng.uniform(0.02, 0.05))])
        for br, truth in (("up", 0.3), ("down", -0.3)):
            name = f"peak_field_{br}_T"
            hits[br] += abs(res.value(name) - truth) <= res.stderr(name)
            d = res.params[f"delta_R_{br}_ohm"]
            dr_hits += abs(d.nominal_value - dr_truth) <= d.std_dev
    cov = {k: v / n for k, v in hits.items()}
    print("coverage", steps_per_w, cov, "delta_R", dr_hits / (2 * n))
    for k, c in cov.items():
        assert 0.60 <= c <= 0.76, (k, c)


def test_sparse_sweep_peak_error_is_a_fraction_of_the_field_step():
    # step = w/3: the 5-point parabola vertex is biased by up to ~0.06 step depending on
    # where the grid falls; the reported error must be at least 0.05 step and include a
    # sampling part of at least 0.3 step^2/FWHM = 0.05 step (FWHM = 2w = 6 steps)
    rng = np.random.default_rng(8)
    w = 0.06
    step = w / 3
    for _ in range(3):
        res = hy.analyze([_butterfly(rng, step, w=w, frac=0.02)])
        for br in ("up", "down"):
            name = f"peak_field_{br}_T"
            b = res.budget[name]
            assert res.stderr(name) >= 0.05 * step, (name, res.stderr(name) / step)
            assert b.sampling >= 0.045 * step, b
            assert b.stat is not None and b.stat > 0
            assert {"smooth_points", "peak_halfwidth_T"} <= set(b.sys)
            total = np.sqrt(b.stat**2 + b.sampling**2 + b.systematic**2)
            assert res.stderr(name) == pytest.approx(total, rel=1e-9)
    d = res.to_dict()["params"]["peak_field_up_T"]
    assert {"stderr_stat", "stderr_sampling", "stderr_sys"} <= set(d)
    assert {"R_zero_up_ohm", "delta_R_up_ohm", "delta_R_ohm"} <= set(res.budget)
    json.dumps(res.to_dict())


def test_unresolved_peak_position_known_within_a_step():
    # FWHM = 2w = 2.4 steps (< 4): the position error is at least step/sqrt(12)
    rng = np.random.default_rng(9)
    w = 0.06
    step = w / 1.2
    res = hy.analyze([_butterfly(rng, step, w=w, frac=0.005, amp=200.0)])
    for br in ("up", "down"):
        name = f"peak_field_{br}_T"
        assert res.budget[name].sampling >= step / np.sqrt(12) * 0.999
        assert res.stderr(name) >= step / np.sqrt(12) * 0.999


def test_dense_sweep_sampling_is_negligible():
    # step = w/15: the grid bias (~0.02 step) is far below the statistical error
    rng = np.random.default_rng(10)
    res = hy.analyze([_butterfly(rng, 0.06 / 15, frac=0.03)])
    b = res.budget["peak_field_up_T"]
    assert b.sampling < 0.5 * b.stat, b
