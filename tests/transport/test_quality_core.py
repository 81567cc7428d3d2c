"""The shared mechanism: declarations, quality flags, error budgets, the verdict banner."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from uncertainties import correlation_matrix, ufloat

from ktoanalysis.errors import OptionError
from ktoanalysis.transport.declaration import KindSpec, Option, Output
from ktoanalysis.transport.quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_multistart,
    noise_from_differences,
    runs_test,
    transition_steps,
)
from ktoanalysis.transport.result import FitResult, combine_errors

SPEC = KindSpec("demo", "a test kind", (
    Option("frac", "float", 0.5, "a fraction", min=0, max=1, min_exclusive=True),
    Option("n", "int", 10, "a count", min=3),
    Option("mode", "str", "a", "a choice", choices=("a", "b")),
    Option("win", "pair", None, "a window", unit="K", min=0),
    Option("flag", "bool|str", "auto", "auto or bool", choices=("auto",)),
), (Output("x_K", "a result", "K"),))


@pytest.mark.parametrize("options, expected", [
    ({}, {"frac": 0.5, "n": 10, "mode": "a", "win": None, "flag": "auto"}),
    ({"frac": 1, "n": 3.0, "win": [0, 2], "flag": False},
     {"frac": 1.0, "n": 3, "mode": "a", "win": [0.0, 2.0], "flag": False}),
])
def test_resolve_fills_defaults_and_normalises(options, expected):
    assert SPEC.resolve(options) == expected


@pytest.mark.parametrize("options, words", [
    ({"frac": 0}, "below the allowed range"),
    ({"frac": 1.5}, "above"),
    ({"frac": "0.5"}, "not a number"),
    ({"frac": True}, "not a number"),
    ({"frac": math.nan}, "finite"),
    ({"n": 3.5}, "not an integer"),
    ({"mode": "c"}, "not one of"),
    ({"win": [2, 1]}, "not below"),
    ({"win": [1, 2, 3]}, "not 2"),
    ({"flag": "yes"}, "not one of"),
    ({"mode": None}, "null"),
    ({"nope": 1}, "unknown option"),
])
def test_resolve_refuses_naming_option_value_and_expectation(options, words):
    with pytest.raises(OptionError) as info:
        SPEC.resolve(options)
    text = str(info.value)
    assert words in text and "demo" in text
    if "nope" not in options:
        name = next(iter(options))
        assert f"option {name}=" in text and "expected" in text


def test_help_and_json_describe_every_option():
    text = SPEC.help_text()
    assert all(o.name in text for o in SPEC.options) and "[K]" in text and "x_K" in text
    d = json.loads(json.dumps(SPEC.to_dict()))
    assert [o["name"] for o in d["options"]] == [o.name for o in SPEC.options]


def test_runs_test_matches_the_closed_form():
    """Wald-Wolfowitz: n+ = n- = 10 alternating signs give 20 runs,
    mu = 2*10*10/20 + 1 = 11, var = (mu-1)(mu-2)/(n-1) = 90/19."""
    r = np.array([1.0, -1.0] * 10)
    runs, z = runs_test(r)
    assert runs == 20 and z == pytest.approx((20 - 11) / math.sqrt(90 / 19))


def test_goodness_of_fit_flags_a_wrong_model_not_a_right_one():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1, 200)
    y = 2 * x + rng.normal(0, 0.01, x.size)
    assert check_goodness_of_fit(y - 2 * x, 0.01, 1) == []
    bad = check_goodness_of_fit(y - (2 * x + 0.2 * np.sin(6 * x)), 0.01, 1)
    assert {f.code for f in bad} == {"bad_fit", "systematic_residuals"}
    assert any(f.severity == "fail" for f in bad)


def test_noise_from_differences_recovers_sigma():
    rng = np.random.default_rng(2)
    x = np.linspace(0, 1, 4000)
    y = np.sin(3 * x) + rng.normal(0, 0.02, x.size)
    assert noise_from_differences(y) == pytest.approx(0.02, rel=0.05)


def test_bounds_and_multistart_checks():
    import lmfit

    p = lmfit.Parameters()
    p.add("Tc", value=2.0, min=0.5, max=2.0)
    p.add("b", value=1.0, min=0.0, max=10.0)
    flags = check_bounds(p)
    assert [f.code for f in flags] == ["at_bound"] and "Tc" in flags[0].message
    assert check_multistart("T", [1.0, 1.001], [0.01, 0.01], chisqr=[1.0, 1.0]) == []
    assert check_multistart("T", [1.0, 1.2], [0.01, 0.01], chisqr=[1.0, 1.0])


def test_transition_steps_separates_two_steps():
    T = np.linspace(0.2, 2.0, 400)
    R = 250 * (1 + np.tanh((T - 0.6) / 0.03)) + 250 * (1 + np.tanh((T - 1.4) / 0.03))
    steps = transition_steps(T, R)
    assert len(steps) == 2 and steps == pytest.approx([0.6, 1.4], abs=0.02)
    assert len(transition_steps(T, 500 * (1 + np.tanh((T - 1.0) / 0.05)))) == 1


def test_combine_errors_adds_in_quadrature_and_keeps_correlations():
    a, b = ufloat(1.0, 0.3), ufloat(2.0, 0.4)
    x = a + b  # correlated with a
    total, budget = combine_errors(x, sampling=0.3, sys={"window": 0.4, "R_N": 1.2})
    assert total.std_dev == pytest.approx(math.sqrt(0.5**2 + 0.3**2 + 0.4**2 + 1.2**2))
    assert budget.stat == pytest.approx(0.5) and budget.systematic == pytest.approx(
        math.hypot(0.4, 1.2))
    assert correlation_matrix([total, a])[0, 1] == pytest.approx(
        0.3 / total.std_dev, rel=1e-9)
    plain, b2 = combine_errors(3.0)
    assert plain == 3.0 and b2.stat is None


def test_quality_verdict_and_serialisation():
    q = Quality((Flag("bad_fit", "warn", "w"),))
    assert q.verdict == "warn" and (q + [Flag("at_bound", "fail", "f")]).verdict == "fail"
    assert Quality.from_dict(q.to_dict()) == q
    with pytest.raises(ValueError):
        Flag("x", "error", "y")
    res = FitResult("tc", {"Tc_mid_K": ufloat(1.0, 0.1)}, quality=q)
    d = res.to_dict()
    assert d["quality"] == {"verdict": "warn", "flags": [
        {"code": "bad_fit", "severity": "warn", "message": "w"}]}
    assert res.report().splitlines()[0] == "[tc] quality: warn (bad_fit)"
    assert res.to_row()["quality"] == "warn" and res.to_row()["flags"] == "bad_fit"


def test_plot_banner_shows_the_verdict():
    from ktoanalysis.plotting import new_figure
    from ktoanalysis.transport.plots import verdict_banner

    fig = new_figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    res = FitResult("tc", {}, quality=Quality((Flag("bad_fit", "fail", "chi2 7e5"),)))
    verdict_banner(fig, res)
    text = fig._suptitle.get_text()
    assert text.startswith("quality: FAIL") and "chi2 7e5" in text


@pytest.mark.parametrize("shift, sigma, kw, expected", [
    (5.0, 3.0, {}, 4.0),                                   # sqrt(25 - 9)
    (-5.0, 3.0, {}, 4.0),
    (5.0, 2.0, {"threshold": 3.0}, 0.0),                   # |5| <= 3*2: noise
    (7.0, 2.0, {"threshold": 3.0}, math.sqrt(49 - 4)),
    (5.0, 2.0, {"scale": 2.0}, 3.0),                       # sqrt(25 - 16)
    (7.0, 2.0, {"threshold": 3.0, "scale": 0.0}, 7.0),     # whole shift once significant
    (1.0, 3.0, {}, 0.0),
    (math.nan, 1.0, {}, 0.0),
])
def test_excess_shift_closed_forms(shift, sigma, kw, expected):
    from ktoanalysis.transport.quality import excess_shift

    assert excess_shift(shift, sigma, **kw) == pytest.approx(expected)
