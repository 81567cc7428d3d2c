"""Kind ``bkt-rt`` on R(T) files as they come from the lab (issue "R(T) and lab files as
they really come"): a whole cool-down from 300 K with a warming sweep, a two-step
transition restricted with ``T_range_K``. Every curve is a closed form written here: the
Halperin-Nelson foot ``x = (R0/R_N) exp(-2 sqrt(beta/t))``, ``t = T/T_BKT - 1``, rounded
onto the normal state as ``R = R_N(T) x/(1 + x^4)^(1/4)`` with a metallic
``R_N(T) = R_N0 (1 + (RRR - 1) T^2/300^2)``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import bkt

T_BKT, BETA, RN0, RRR = 1.0, 0.3, 1000.0, 5.0


def curve(T, T_bkt=T_BKT, beta=BETA, R0_over_RN=20.0):
    T = np.asarray(T, float)
    t = T / T_bkt - 1.0
    x = np.zeros_like(T)
    x[t > 0] = R0_over_RN * np.exp(-2.0 * np.sqrt(beta / t[t > 0]))
    RN = RN0 * (1.0 + (RRR - 1.0) * T**2 / 300.0**2)
    return RN * x / (1.0 + x**4) ** 0.25


def meas(T, R):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "cooldown.dat"})


def test_whole_cooldown_window_in_the_tail():
    """300 K -> 0.8 K (3 K steps, then 5 mK below 3 K), warming 0.8 -> 3 K: with default
    options R_N is taken just above the transition (not at 300 K, where it is 5 R_N0),
    the BKT window lies in the tail below Tc_mid, and T_BKT = 1 K is recovered."""
    rng = np.random.default_rng(4)
    down = np.concatenate([np.arange(300.0, 3.0, -3.0), np.arange(3.0, 0.8, -0.005)])
    up = np.arange(0.8, 3.0, 0.01)
    T = np.concatenate([down, up])
    R = curve(T) + rng.normal(0.0, 0.5, T.size)
    r = bkt.analyze([meas(T, R)], al=False)
    assert r.value("R_N_ohm") == pytest.approx(RN0, rel=0.02)
    lo, hi = r.provenance["window_K"]
    assert hi < r.value("Tc_mid_K") and lo > T_BKT
    assert [s["direction"] for s in r.provenance["sweeps"]] == ["cooling", "warming"]
    assert r.options["sweep_used"] == 0  # the denser cool-down
    assert abs(r.value("T_BKT_K") - T_BKT) < 4 * r.stderr("T_BKT_K")
    assert r.verdict != "fail", r.quality.flags


def test_two_steps_fail_unless_T_range_holds_one():
    rng = np.random.default_rng(12)
    T = np.linspace(0.8, 1.7, 380)
    R = 0.5 * curve(T) + 0.5 * curve(T, 1.2) + rng.normal(0, 0.5, T.size)
    both = bkt.analyze([meas(T, R)], al=False)
    assert both.verdict == "fail" and both.quality.has("multi_step")
    low = bkt.analyze([meas(T, R)], al=False, T_range_K=[0.8, 1.15])
    assert not low.quality.has("multi_step") and low.verdict != "fail", low.quality.flags
    assert abs(low.value("T_BKT_K") - T_BKT) < 4 * low.stderr("T_BKT_K")
    assert low.provenance["window_K"][1] <= 1.15
