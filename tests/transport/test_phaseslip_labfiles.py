"""Kind ``phase-slips`` on a whole cool-down from room temperature (issue "R(T) and lab
files as they really come"): the default window lies in the tail, below Tc_mid, also when
the normal state is metallic up to 300 K. The curve is a closed form written here: the
Little/LAMH tail ``R = R_N(T) exp(-dF0 (1 - T/Tc)^1.5 / T)`` below Tc on a metallic
``R_N(T) = R_N0 (1 + (RRR - 1) T^2/300^2)``, ``R_N(T)`` above Tc."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.io.measurement import Measurement
from ktoanalysis.transport import phaseslip as ps

TC, DF0, RN0, RRR = 1.0, 6.0, 1000.0, 5.0


def rn(T):
    return RN0 * (1.0 + (RRR - 1.0) * np.asarray(T, float) ** 2 / 300.0**2)


def curve(T):
    T = np.asarray(T, float)
    u = np.clip(1.0 - T / TC, 0.0, None)
    return rn(T) * np.exp(-DF0 * u**1.5 / T)


def test_cooldown_default_window_in_the_tail():
    rng = np.random.default_rng(6)
    T = np.concatenate([np.arange(300.0, 3.0, -3.0), np.arange(3.0, 0.4, -0.01)])
    R = curve(T) * (1.0 + 0.01 * rng.standard_normal(T.size))
    m = Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "cooldown.dat"})
    res = ps.analyze([m], taps_form="little", R_N_ohm=float(rn(TC)))
    # the normal state of the data is taken just above Tc (~R_N0), not at 300 K (5 R_N0)
    assert res.options["normal_state_R_ohm"] == pytest.approx(RN0, rel=0.02)
    lo, hi = res.provenance["window_T_K"]
    t_mid = T[R > 0.5 * RN0].min()
    assert hi < t_mid < TC and "automatic" in res.options["window_rule"]
    assert not res.quality.has("window_outside_model"), res.quality.flags
    assert abs(res.value("Tc_TAPS_K") - TC) < 3 * res.stderr("Tc_TAPS_K")
    assert abs(res.value("dF0_K") - DF0) < 3 * res.stderr("dF0_K")
