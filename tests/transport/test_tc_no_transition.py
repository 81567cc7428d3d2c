"""A metallic R(T) holds no Tc: the tc kind refuses it (a cool-down of a
non-superconducting sample must not yield a "Tc" where R happens to cross half its
room-temperature value), as it refuses a curve that never falls below half R_N. Curves
from formulas written here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ktoanalysis.errors import RefusedError
from ktoanalysis.io import Measurement
from ktoanalysis.transport import tc


def _meas(T, R):
    return Measurement(pd.DataFrame({"T_K": T, "R_ohm": R}), {"source": "synthetic.csv"})


@pytest.mark.parametrize("shape", ["linear", "quadratic", "bloch_like"])
def test_metallic_cooldown_fails_without_tc(shape):
    rng = np.random.default_rng(7)
    T = np.geomspace(300.0, 2.0, 300)
    R = {"linear": 800 + 3.0 * T, "quadratic": 500 + 0.02 * T**2,
         "bloch_like": 300 + 2000 * (T / 300) ** 3 / (1 + (T / 150) ** 2)}[shape]
    R = R + rng.normal(0, 0.4, T.size)
    assert R.min() < 0.5 * R.max()  # the old rule would report a Tc_mid
    with pytest.raises(RefusedError, match="no superconducting transition.*metallic"):
        tc.analyze([_meas(T, R)])


def test_a_transition_that_has_only_begun_is_not_called_metallic():
    """Data ending at 45 % of R_N on a sharp step (a base temperature just below Tc_mid)
    are a transition: not refused, the onset reported."""
    T = np.linspace(0.898, 1.2, 300)  # R(0.898 K) = 0.45 R_N
    R = 1000 * 0.5 * (1 + np.tanh((T - 0.9) / 0.02)) + np.random.default_rng(1).normal(0, 0.3,
                                                                                      T.size)
    res = tc.analyze([_meas(T, R)])
    assert "no_transition" not in [f.code for f in res.quality.flags]
    # onset at 0.9 R_N of the tanh: Tc + w artanh(0.8)
    assert res.value("Tc_onset_K") == pytest.approx(0.9 + 0.02 * np.arctanh(0.8), abs=2e-3)
