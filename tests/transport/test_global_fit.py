"""Joined-residual shared-parameter fits (global_fit.py)."""

from __future__ import annotations

import lmfit
import numpy as np
import pytest

from ktoanalysis.errors import FitError
from ktoanalysis.transport.global_fit import DataSet, GlobalFit
from ktoanalysis.transport.result import params_from_lmfit


def _lines(seed=0, n=30, sigma=0.05):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, n)
    # two lines sharing the intercept b = 1.5 (simulated with known values)
    y1 = 2.0 * x + 1.5 + rng.normal(0, sigma, n)
    y2 = -3.0 * x + 1.5 + rng.normal(0, sigma, n)
    return x, y1, y2


def test_shared_intercept_recovered_and_equals_stacked_least_squares():
    x, y1, y2 = _lines()
    sets = [DataSet(lmfit.models.LinearModel(prefix="a_"), x, y1),
            DataSet(lmfit.models.LinearModel(prefix="b_"), x, y2)]
    res = GlobalFit(sets, shared=["intercept"]).fit()
    r = res.minimizer_result
    assert r.success and r.errorbars and r.nvarys == 3 and r.ndata == 60
    # independent check: ordinary least squares on the stacked design matrix
    A = np.zeros((60, 3))
    A[:30, 0], A[30:, 1], A[:, 2] = x, x, 1.0
    coef, *_ = np.linalg.lstsq(A, np.concatenate([y1, y2]), rcond=None)
    assert r.params["a_slope"].value == pytest.approx(coef[0], rel=1e-6)
    assert r.params["b_slope"].value == pytest.approx(coef[1], rel=1e-6)
    assert r.params["intercept"].value == pytest.approx(coef[2], rel=1e-6)
    assert r.params["a_intercept"].value == r.params["intercept"].value
    # covariance: sigma^2 (A^T A)^-1 with the residual variance (scale_covar=True)
    resid = np.concatenate([y1, y2]) - A @ coef
    cov = resid @ resid / (60 - 3) * np.linalg.inv(A.T @ A)
    assert r.params["intercept"].stderr == pytest.approx(np.sqrt(cov[2, 2]), rel=1e-3)
    p = params_from_lmfit(r, {"intercept": "b", "a_intercept": "ba"})
    assert p["b"].std_dev == pytest.approx(p["ba"].std_dev, rel=1e-9)
    assert abs(p["b"].nominal_value - 1.5) < 4 * p["b"].std_dev
    # per-data-set views
    assert res.chisqr(0) + res.chisqr(1) == pytest.approx(r.chisqr, rel=1e-9)
    band = res.eval_uncertainty(0, np.array([0.0]))
    assert band[0] == pytest.approx(np.sqrt(cov[2, 2]), rel=2e-3)  # at x=0 only b matters


def test_known_sigma_no_scaling():
    x, y1, y2 = _lines(seed=1, sigma=0.05)
    sets = [DataSet(lmfit.models.LinearModel(prefix="a_"), x, y1, weights=1 / 0.05),
            DataSet(lmfit.models.LinearModel(prefix="b_"), x, y2, weights=1 / 0.05)]
    r = GlobalFit(sets, shared={"b0": ["a_intercept", "b_intercept"]}).fit(
        scale_covar=False).minimizer_result
    A = np.zeros((60, 3))
    A[:30, 0], A[30:, 1], A[:, 2] = x, x, 1.0
    cov = 0.05**2 * np.linalg.inv(A.T @ A)
    assert r.params["b0"].stderr == pytest.approx(np.sqrt(cov[2, 2]), rel=1e-4)


def test_errors():
    x, y1, y2 = _lines()
    m = lmfit.models.LinearModel(prefix="a_")
    with pytest.raises(FitError, match="distinct prefixes"):
        GlobalFit([DataSet(m, x, y1), DataSet(lmfit.models.LinearModel(prefix="a_"), x, y2)])
    with pytest.raises(FitError, match="shape"):
        DataSet(m, x, y1[:-1])
    with pytest.raises(FitError, match="no member"):
        GlobalFit([DataSet(m, x, y1)], shared={"c": ["a_nothing"]}).make_params()
    with pytest.raises(FitError, match="points for"):
        GlobalFit([DataSet(m, x[:2], y1[:2]),
                   DataSet(lmfit.models.LinearModel(prefix="b_"), x[:1], y2[:1])],
                  shared=["intercept"]).fit()
    with pytest.raises(FitError, match="at least one"):
        GlobalFit([])
