"""Tests of kind ``bkt-rt`` (MODELS.md 4.1-4.4): Halperin-Nelson forms, linearisation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import FitError
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import bkt
from ktoanalysis.transport.fluct import aslamazov_larkin
from ktoanalysis.transport.result import FitResult


def meas(T, R):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "sim.csv"})


def hn_curve(T, T_bkt, b, RN=1400.0):
    """HN below, smoothly saturating at R_N above: R = 1/(1/R_HN + 1/R_N)."""
    lnhn = bkt.ln_halperin_nelson(T, RN, b, T_bkt)
    return np.exp(np.log(RN) - np.logaddexp(0.0, np.log(RN) - lnhn))


def test_linearisation_row32():
    # MODELS.md §11 row 32 (closed form, §4.4): exact §4.1 data, T_BKT = 0.706 K, b = 1.5
    # -> intercept 0.7060 K (tolerance 1e-3 K); slope gives b' = b sqrt(T_BKT)
    T = np.linspace(0.72, 0.95, 200)
    lin = bkt.hn_linearization(T, bkt.halperin_nelson(T, 1400.0, 1.5, 0.706))
    assert lin["T_BKT_K"] == pytest.approx(0.7060, abs=1e-3)
    assert lin["b_prime"] == pytest.approx(1.5 * np.sqrt(0.706), rel=2e-3)


def test_with_tc0_reduces_to_simple_near_tbkt():
    # MODELS 4.2: T -> T_BKT limit is §4.1 with b = 2 sqrt(b_HN (Tc0 - T_BKT)/T_BKT), R0 = a R_N
    Tb, Tc0, bHN, a, RN = 0.7, 0.9, 0.8, 1.3, 1000.0
    b = 2 * np.sqrt(bHN * (Tc0 - Tb) / Tb)
    for dT in (1e-4, 1e-6):
        T = np.array([Tb + dT])
        l4 = bkt.ln_halperin_nelson_tc0(T, a, RN, bHN, Tc0, Tb)
        l1 = bkt.ln_halperin_nelson(T, a * RN, b, Tb)
        # the exponents differ by O(sqrt(dT)) relative, times b/sqrt(t) ~ 1/sqrt(dT): O(1)->0
        assert abs(l4 - l1)[0] < 2 * b * np.sqrt(Tb) * np.sqrt(dT) / (Tc0 - Tb) + 1e-9


def test_bcg_limit_matches_simple_form():
    # MODELS 4.3: for b/sqrt(t) >> 1, R -> R_N A^2 exp(-2 b/sqrt(t)) = §4.1 with b_simple = 2 b
    T = np.array([0.7005, 0.701, 0.702])
    RN, A, b, Tb = 1200.0, 1.7, 0.8, 0.7
    lhs = bkt.ln_bcg(T, RN, A, b, Tb)
    rhs = bkt.ln_halperin_nelson(T, RN * A**2, 2 * b, Tb)
    assert lhs == pytest.approx(rhs, abs=1e-10)
    # and far above T_BKT it saturates at R_N
    assert bkt.bcg(np.array([1e6]), RN, A, b, Tb)[0] == pytest.approx(RN, rel=1e-2)
    # overflow-free: no warnings, finite logs deep in the tail
    assert np.isfinite(bkt.ln_bcg(np.array([0.7 + 1e-9]), RN, A, b, Tb)).all()


@pytest.mark.parametrize("T_bkt, b, seed", [
    # MODELS.md §11 row 15; 004_5aba75fef312435d.txt: T_BKT = 0.706 K (n_s = 3.8e13), reported
    (0.706, 1.5, 15),
    # MODELS.md §11 row 16; 004_5aba75fef312435d.txt: T_BKT = 2.078 K (n_s = 9.8e13, R(T) fit)
    (2.078, 2.0, 16),
    # MODELS.md §11 row 21; 002_adb0abe1c8a3790c.txt: T_BKT = 1.878 K (HN fit)
    (1.878, 1.2, 21),
])
def test_hn_recovery_reported_values(T_bkt, b, seed):
    rng = np.random.default_rng(seed)
    # to 6.5 T_BKT: the slow HN approach to R_N (20-80 % width 1.75 T_BKT for b = 2) must
    # fit 3 times into the span, else bkt-rt refuses (as tc)
    T = np.linspace(0.8 * T_bkt, 6.5 * T_bkt, 1000)
    sig = 0.5
    # R0 may exceed R_N (MODELS 4.1): HN with R0 = 3 R_N, capped at R_N far above the window
    R = np.minimum(bkt.halperin_nelson(T, 4200.0, b, T_bkt), 1400.0)
    R = R + rng.normal(0, sig, T.size)
    r = bkt.analyze([meas(T, R)], sigma_R_ohm=sig, R_N_ohm=1400.0, al=False)
    e = r.stderr("T_BKT_K")
    assert e is not None and e > 0
    assert abs(r.value("T_BKT_K") - T_bkt) < 4 * e
    assert abs(r.value("b") - b) < 4 * r.stderr("b")
    assert r.value("R0_ohm") == pytest.approx(4200.0, rel=0.1)
    # the noisy derivative makes the linearisation a cruder estimate (MODELS 4.4 pitfall a)
    assert abs(r.value("T_BKT_lin_K") - T_bkt) < 4 * r.stderr("T_BKT_lin_K") + 0.01 * T_bkt
    assert r.value("T_BKT_K_window_spread") < 0.02 * T_bkt
    json.dumps(r.to_dict())


def test_forms_and_al_on_one_curve():
    # BCG-type curve with a well-defined normal state; each form returns T_BKT near truth
    T = np.linspace(0.6, 3.0, 900)
    RN, A, b, Tb = 1400.0, 3.0, 0.6, 0.706
    R = bkt.bcg(T, RN, A, b, Tb) + np.random.default_rng(5).normal(0, 0.3, T.size)
    rb = bkt.analyze([meas(T, R)], form="bcg_interpolation", R_N_ohm=RN, al=False,
                     fractions=[0.01, 0.5])
    assert abs(rb.value("T_BKT_K") - Tb) < 4 * rb.stderr("T_BKT_K") + 1e-3
    assert rb.value("b_bcg") == pytest.approx(b, rel=0.05)
    assert rb.value("b_simple_equiv") == pytest.approx(2 * rb.value("b_bcg"))
    rs = bkt.analyze([meas(T, R)], form="simple", R_N_ohm=RN, fractions=[0.01, 0.2])
    assert rs.value("T_BKT_K") == pytest.approx(Tb, abs=0.01)
    assert rs.value("Tc0_AL_K") > rs.value("T_BKT_K")
    rw = bkt.analyze([meas(T, R)], form="with_Tc0", tc0="free", R_N_ohm=RN,
                     fractions=[0.01, 0.2], al=False)
    assert rw.value("T_BKT_K") == pytest.approx(Tb, abs=0.01)
    assert rw.value("Tc0_K") > rw.value("T_BKT_K")


def test_hn_tc0_form_recovery_with_fixed_tc0():
    Tb, Tc0, bHN, a, RN = 0.7, 1.0, 0.8, 1.0, 1000.0
    T = np.linspace(0.71, 0.95, 120)
    rng = np.random.default_rng(8)
    R = bkt.halperin_nelson_tc0(T, a, RN, bHN, Tc0, Tb) * np.exp(rng.normal(0, 0.01, T.size))
    res = bkt.fit_hn(T, R, form="with_Tc0", R_N_ohm=RN, Tc0_K=Tc0)
    assert isinstance(res, FitResult) and res.kind == "bkt-rt"
    for k, v in (("T_BKT_K", Tb), ("b_HN", bHN), ("a", a)):
        assert abs(res.value(k) - v) < 4 * res.stderr(k), k
    assert res.params["Tc0_K"] == Tc0  # fixed: a plain float, no fake error
    assert res.provenance["function"] == "fit_hn" and res.options["Tc0_K"] == Tc0


def test_al_tc0_from_analyze():
    # AL paraconductivity above Tc0 = 0.75 K, HN foot (T_BKT = 0.70 K) below (R = max)
    T = np.linspace(0.6, 2.5, 900)
    Tc0, C = 0.75, 5.0
    R_al = aslamazov_larkin(np.maximum(T, Tc0 + 1e-9), 1400.0, Tc0, C)
    R = np.maximum(R_al, bkt.halperin_nelson(T, 1400.0, 0.5, 0.70))
    R = R + np.random.default_rng(9).normal(0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], sigma_R_ohm=0.5, R_N_ohm=1400.0, al_window=[0.78, 1.2])
    assert abs(r.value("Tc0_AL_K") - Tc0) < 4 * r.stderr("Tc0_AL_K")
    assert abs(r.value("C_AL") - C) < 4 * r.stderr("C_AL")
    assert r.provenance["al_window_K"][0] >= 0.78
    assert r.value("T_BKT_K") < r.value("Tc0_AL_K")


def test_window_option_and_errors():
    T = np.linspace(0.6, 4.0, 400)  # 3 widths (0.96 K) of the slow HN approach to R_N
    R = hn_curve(T, 0.706, 1.5)
    r = bkt.analyze([meas(T, R)], window=[0.75, 0.85], al=False)
    assert r.provenance["window_source"] == "given"
    assert 0.75 <= r.provenance["window_K"][0] and r.provenance["window_K"][1] <= 0.85
    assert r.value("T_BKT_K") == pytest.approx(0.706, abs=2e-3)
    with pytest.raises(FitError, match="points in the window"):
        bkt.analyze([meas(T, R)], window=[0.80, 0.801])
    with pytest.raises(FitError, match="form"):
        bkt.analyze([meas(T, R)], form="fancy")
    with pytest.raises(FitError, match="no transition"):
        bkt.analyze([meas(T, np.full(T.size, 100.0) + T)])
    with pytest.raises(FitError, match="> 0"):
        bkt.fit_hn(T[:10], np.zeros(10))


def test_plot_panels_labelled():
    from ktoanalysis.plotting import new_figure

    T = np.linspace(0.6, 4.0, 400)
    r = bkt.analyze([meas(T, hn_curve(T, 0.706, 1.5))])
    fig = new_figure()
    bkt.plot(r, fig)
    xl = [ax.get_xlabel() for ax in fig.axes]
    assert xl.count("T (K)") == 2 and fig.axes[0].get_ylabel() == "R (Ohm)"


@pytest.mark.slow
def test_hn_coverage():
    """Coverage of the 1-sigma errors of T_BKT and b (simple form) over 250 data sets."""
    rng = np.random.default_rng(99)
    Tb, b, R0, sig = 0.706, 1.5, 1400.0, 1.0
    # fixed window from R = 0.01 R_N (as the automatic window: relative noise <= 7 %)
    T = np.linspace(0.785, 0.95, 80)
    Rt = bkt.halperin_nelson(T, R0, b, Tb)
    n, hits = 250, {"T_BKT_K": 0, "b": 0}
    for _ in range(n):
        R = Rt + rng.normal(0, sig, T.size)
        res = bkt.fit_hn(T, R, R_N_ohm=R0, sigma_R_ohm=sig)
        for k, v in (("T_BKT_K", Tb), ("b", b)):
            hits[k] += abs(res.value(k) - v) < res.stderr(k)
    cov = {k: v / n for k, v in hits.items()}
    print(f"HN coverage {cov}")
    assert all(0.60 <= c <= 0.76 for c in cov.values()), cov


def test_window_systematic_closed_form():
    # nested windows: the noise part |s_v^2 - s_0^2| of each squared shift is removed
    # shifts: +sqrt(0.3^2 - 0.05) = +0.2 and -0.1 (no noise part) -> half spread 0.15
    main = (1.0, 0.1)
    variants = [(1.3, np.sqrt(0.01 + 0.05)), (0.9, 0.1)]
    assert bkt.window_systematic(main, variants) == pytest.approx(0.15, rel=1e-12)
    # a shift fully explained by noise gives no systematic
    assert bkt.window_systematic((1.0, 0.1), [(1.05, np.sqrt(0.02))]) == 0.0


def test_hn_linear_start_exact_and_multistart_agree():
    # exact §4.1 data: at the true T_BKT the linear solve returns b and ln R0 exactly
    T = np.linspace(0.75, 0.9, 40)
    y = bkt.ln_halperin_nelson(T, 1400.0, 1.5, 0.706)
    Tb, b, lnR0 = bkt.hn_linear_start(y, T, 0.706)
    assert (Tb, b, lnR0) == pytest.approx((0.706, 1.5, np.log(1400.0)), rel=1e-9)
    # fits started across the T_BKT range converge to the same minimum
    R = np.exp(y) * np.exp(np.random.default_rng(4).normal(0, 0.01, T.size))
    vals = [bkt.fit_hn(T, R, R_N_ohm=1400.0, T_bkt_start_K=s).value("T_BKT_K")
            for s in (0.40, 0.55, 0.70, 0.74)]
    assert max(vals) - min(vals) < 1e-4


def test_with_tc0_al_budget_carries_tc0_systematic():
    # AL paraconductivity above Tc0 = 0.75 K, HN foot below (as test_al_tc0_from_analyze)
    T = np.linspace(0.6, 2.5, 900)
    R_al = aslamazov_larkin(np.maximum(T, 0.75 + 1e-9), 1400.0, 0.75, 5.0)
    R = np.maximum(R_al, bkt.halperin_nelson(T, 1400.0, 0.5, 0.70))
    R = R + np.random.default_rng(9).normal(0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], sigma_R_ohm=0.5, R_N_ohm=1400.0, al_window=[0.78, 1.2],
                    form="with_Tc0", fractions=[0.01, 0.2])
    b = r.budget["T_BKT_K"]
    assert "Tc0_AL" in b.sys and b.sys["Tc0_AL"] >= 0
    assert r.stderr("T_BKT_K") == pytest.approx(b.total, rel=1e-9)
    assert "Tc0_AL_K" in r.budget and r.budget["Tc0_AL_K"].stat > 0


def test_fit_hn_result_quality_and_no_figure():
    """Array-level fit_hn: a FitResult whose verdict follows the data; plot refuses."""
    Tb, b, R0, sig = 0.706, 1.5, 1400.0, 1.0
    T = np.linspace(0.785, 0.95, 60)
    # Halperin-Nelson (MODELS.md 4.1) written here: R = R0 exp(-2 sqrt(b/(T/Tb - 1)))
    Rt = R0 * np.exp(-2.0 * np.sqrt(b / (T / Tb - 1.0)))
    rng = np.random.default_rng(12)
    good = bkt.fit_hn(T, Rt + rng.normal(0, sig, T.size), R_N_ohm=R0, sigma_R_ohm=sig)
    assert good.verdict in ("ok", "warn") and not good.quality.has("bad_fit")
    assert abs(good.value("T_BKT_K") - Tb) < 4 * good.stderr("T_BKT_K")
    assert good.lmfit_result.params["T_bkt"].value == good.value("T_BKT_K")
    # the stated noise is 20x too small: the fit cannot describe the data within it
    bad = bkt.fit_hn(T, Rt + rng.normal(0, 20 * sig, T.size).clip(-0.5 * Rt), R_N_ohm=R0,
                     sigma_R_ohm=sig)
    assert bad.verdict == "fail" and bad.quality.has("bad_fit")
    with pytest.raises(FitError, match="array-level result: no figure; use analyze"):
        good.plot()
