"""Overlay of measured Tc on the theory: closed forms, round trips on synthetic tables, the
figure and the CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from compare_synthetic import (
    K_PER_MEV,
    N2D_GRID,
    PREF,
    lam_theory,
    make_results,
    make_theory,
    omega0_meV,
    omega_2kf_meV,
)
from typer.testing import CliRunner

from ktoanalysis.compare import overlay as ov
from ktoanalysis.errors import DataFormatError, KtoError


@pytest.fixture
def theory_df() -> pd.DataFrame:
    return make_theory()


@pytest.fixture
def results_df() -> pd.DataFrame:
    return make_results()


# ----------------------------------------------------------------------------- formulas

def test_bcs_prefactor_and_closed_form_values():
    assert ov.BCS_PREFACTOR == pytest.approx(1.1339, abs=1e-4)
    # closed form: 1.134 * 5.6 meV * 11.6045 K/meV * exp(-1/0.26) = 1.574 K
    assert ov.bcs_tc_K(0.26, 5.6) == pytest.approx(1.574, rel=1e-3)
    # lambda for Tc = 2.0 K: 1/ln(1.134 w_c / Tc) = 0.277 (5.6 meV), 0.205 (20.05 meV)
    assert ov.lambda_needed(2.0, 5.6)[0] == pytest.approx(0.2774, abs=5e-4)
    assert ov.lambda_needed(2.0, 20.05)[0] == pytest.approx(0.2049, abs=5e-4)
    assert ov.bcs_tc_K(0.0, 5.6) == 0.0


def test_lambda_needed_inverts_bcs_and_propagates_error():
    lam = np.array([0.05, 0.2, 0.3, 0.6])
    wc = np.array([3.0, 5.6, 20.0, 30.0])
    tc = ov.bcs_tc_K(lam, wc)
    back, _ = ov.lambda_needed(tc, wc)
    np.testing.assert_allclose(back, lam, rtol=1e-12)
    # error: first-order derivative against a central finite difference
    sig = 0.01 * tc
    _, err = ov.lambda_needed(tc, wc, sig)
    h = 1e-6 * tc
    deriv = (ov.lambda_needed(tc + h, wc)[0] - ov.lambda_needed(tc - h, wc)[0]) / (2 * h)
    np.testing.assert_allclose(err, np.abs(deriv) * sig, rtol=1e-6)
    # no weak-coupling solution above 1.134 omega_c
    assert np.isnan(ov.lambda_needed(100.0, 5.0)[0])


# ----------------------------------------------------------------------------- theory input

def test_resolve_omega_c_recovers_the_cutoffs(theory_df):
    th = ov.resolve_omega_c(ov.validate_theory(theory_df))
    w0 = th["omega_c_choice"] == "omega0"
    np.testing.assert_allclose(th.loc[w0, "omega_c_meV"], omega0_meV(th.loc[w0, "n2d_cm2"]))
    # omega_2kF is not a column: recovered from the BCS rows (and copied to McMillan rows)
    k = th["omega_c_choice"] == "omega_2kF"
    np.testing.assert_allclose(th.loc[k, "omega_c_meV"], omega_2kf_meV(th.loc[k, "n2d_cm2"]),
                               rtol=1e-9)


def test_validate_theory_errors(theory_df, tmp_path: Path):
    with pytest.raises(DataFormatError) as info:
        ov.validate_theory(theory_df.drop(columns=["mu_star"]))
    assert info.value.column == "mu_star"
    bad = theory_df.astype({"lambda": object})
    bad.loc[3, "lambda"] = "big"
    path = tmp_path / "th.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(DataFormatError) as info:
        ov.load_theory(path)
    assert info.value.column == "lambda" and info.value.line == 5
    neg = theory_df.copy()
    neg.loc[0, "n2d_cm2"] = -1e13
    with pytest.raises(DataFormatError, match="n2d_cm2"):
        ov.validate_theory(neg)


def test_tidy_theory_from_sweep_rows():
    wide = pd.DataFrame({
        "orientation": ["111", "111"], "tb": ["TB1", "TB1"], "n2d_cm2": [1e14, 1e14],
        "omega0_meV": [5.6, 5.6], "lambda": [0.25, 0.25], "omega_c": ["omega0", "omega0"],
        "omega_c_meV": [5.6, 5.6], "mu_star": [0.0, 0.1],
        "Tc_bcs_K": [1.2, 1.2], "Tc_mcmillan_K": [0.3, 0.1], "Tc_allen_dynes_K": [0.35, 0.1],
    })
    tidy = ov.tidy_theory(wide)
    assert list(tidy.columns[:len(ov.THEORY_COLUMNS)]) == list(ov.THEORY_COLUMNS)
    counts = tidy["Tc_method"].value_counts()
    assert counts["BCS"] == 1 and counts["McMillan"] == 2 and counts["Allen-Dynes"] == 2
    assert tidy.loc[tidy["Tc_method"] == "BCS", "mu_star"].isna().all()


# ----------------------------------------------------------------------------- tables

def test_measured_table_fallback_and_filters(results_df):
    meas = ov.measured_table(results_df, literature=False)
    assert len(meas) == 5  # the hc2 row has no Tc
    assert (meas["criterion"] == "Tc_mid_K").all()
    np.testing.assert_allclose(meas["Tc_K_err"], 0.04)
    meas = ov.measured_table(results_df.drop(columns=["Tc_mid_K"]), literature=False)
    assert (meas["criterion"] == "Tc_zero_K").all()
    lit = ov.measured_table(None, literature=True)
    assert lit["n2d_cm2"].notna().all()
    assert not lit["criterion"].isin(["upper_bound", "lower_bound"]).any()
    with pytest.raises(DataFormatError, match="no usable Tc"):
        ov.measured_table(results_df[["sample", "orientation", "n2d_cm2"]], literature=False)


def test_measured_table_leaves_out_verdict_fail_rows(results_df, caplog):
    df = results_df.copy()
    df["quality"] = "ok"
    first = df.index[df["Tc_mid_K"].notna()][0]
    df.loc[first, "quality"] = "fail"
    n_ok = len(ov.measured_table(df.assign(quality="ok"), literature=False))
    with caplog.at_level("WARNING"):
        meas = ov.measured_table(df, literature=False)
    assert len(meas) == n_ok - 1
    assert str(df.loc[first, "sample"]) in caplog.text and "verdict fail" in caplog.text


def test_load_results_errors(tmp_path: Path, results_df):
    with pytest.raises(DataFormatError, match="not found"):
        ov.load_results(tmp_path)
    path = tmp_path / "results.csv"
    results_df.drop(columns=["n2d_cm2"]).to_csv(path, index=False)
    with pytest.raises(DataFormatError) as info:
        ov.load_results(tmp_path)  # a folder holding results.csv
    assert info.value.column == "n2d_cm2" and str(path) in str(info.value)


def test_compare_table_round_trip(theory_df):
    """A Tc made by BCS from the theory lambda at a grid density needs exactly that lambda."""
    n = N2D_GRID[[1, 3, 5]]
    wc = omega_2kf_meV(n)
    lam = lam_theory("111", "TB1", n)
    tc = PREF * wc * K_PER_MEV * np.exp(-1 / lam)
    meas = pd.DataFrame({"source": "this study", "sample": ["a", "b", "c"],
                         "orientation": "111", "n2d_cm2": n, "n2d_cm2_err": np.nan,
                         "Tc_K": tc, "Tc_K_err": 0.05 * tc, "criterion": "Tc_mid_K"})
    cmp = ov.compare_table(meas, theory_df)
    assert set(cmp["omega_c_choice"]) == {"omega_2kF", "omega0"}
    k = cmp[cmp["omega_c_choice"] == "omega_2kF"]
    np.testing.assert_allclose(k["lambda_needed"], lam, rtol=1e-9)
    np.testing.assert_allclose(k["lambda_theory"], lam, rtol=1e-9)
    np.testing.assert_allclose(k["lambda_needed_err"], lam**2 * 0.05, rtol=1e-9)
    # a smaller cut-off needs a larger coupling for the same Tc
    w0 = cmp[cmp["omega_c_choice"] == "omega0"]
    assert (w0["lambda_needed"].to_numpy() > k["lambda_needed"].to_numpy()).all()
    # outside the theory's density range: no extrapolation
    out = meas.assign(n2d_cm2=[1e13, 5e14, 1e15])
    assert ov.compare_table(out, theory_df)["lambda_needed"].isna().all()


# ----------------------------------------------------------------------------- figure

def _legends(ax) -> list:
    from matplotlib.legend import Legend

    return [c for c in ax.get_children() if isinstance(c, Legend)]


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for leg in _legends(ax) for t in leg.get_texts()]


def test_overlay_legend_separates_colour_from_marker_in_words(results_df, theory_df):
    fig = ov.plot_overlay(results_df, theory_df, literature=True)
    ax = fig.axes[0]
    legends = {leg.get_title().get_text(): leg for leg in _legends(ax)}
    assert set(legends) == {"colour: orientation", "marker: $T_c$ criterion; line: theory"}
    colour = [t.get_text() for t in legends["colour: orientation"].get_texts()]
    assert colour == ["(111) interface", "(001) interface"]
    # the colour legend holds only colour patches; the other one only markers and lines
    from matplotlib.patches import Patch

    assert all(isinstance(h, Patch) for h in legends["colour: orientation"].legend_handles)
    # words, never a column name or an identifier
    for t in _legend_texts(ax) + _legend_texts(fig.axes[1]):
        assert not any(name in t for name in (*ov.TC_COLUMNS, "omega_2kF", "omega0",
                                              "n2d_cm2", "Tc_method")), t

def test_plot_overlay_draws_data_and_central_theory(results_df, theory_df, tmp_path: Path):
    out = tmp_path / "fig.png"
    fig = ov.plot_overlay(results_df, theory_df, literature=True, out=out)
    assert out.is_file() and out.stat().st_size > 10_000
    ax, axl = fig.axes[:2]
    texts = _legend_texts(ax)
    assert any("this study: $T_c$ at 50 % of $R_N$" in t for t in texts)
    assert any("literature: zero resistance" in t for t in texts)
    assert ax.get_xlabel().startswith("$n_{2D}$") and "K" in ax.get_ylabel()
    # central theory line for (111, TB1): first omega_c choice (omega_2kF), BCS
    central = omega_2kf_meV(N2D_GRID)
    expect = PREF * central * K_PER_MEV * np.exp(-1 / lam_theory("111", "TB1", N2D_GRID))
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == len(N2D_GRID)]
    assert any(np.allclose(ln.get_ydata(), expect, rtol=1e-9) for ln in lines)
    # this study's points at n / 1e13
    assert any(np.allclose(np.sort(ln.get_xdata()), np.sort(results_df["n2d_cm2"].dropna()
                                                            .unique()) / 1e13)
               for ln in ax.get_lines() if len(ln.get_xdata()) == 5)
    # lambda panel: theory lambda(n2D) curve
    lam = lam_theory("111", "TB1", N2D_GRID)
    assert any(np.allclose(ln.get_ydata(), lam) for ln in axl.get_lines()
               if len(ln.get_xdata()) == len(N2D_GRID))


def test_plot_overlay_choice_and_fallback(results_df, theory_df):
    fig = ov.plot_overlay(results_df.drop(columns=["Tc_mid_K"]), theory_df, literature=False,
                          central_omega_c="omega0", central_tc_method="McMillan",
                          central_mu_star=0.1)
    texts = _legend_texts(fig.axes[0])
    assert any("this study: $T_c$ at zero resistance" in t for t in texts)
    assert any("McMillan" in t and r"$\omega(0)$" in t and "0.1" in t for t in texts)
    with pytest.raises(KtoError, match="central_omega_c"):
        ov.plot_overlay(results_df, theory_df, central_omega_c="omega_nope")


def test_plot_overlay_without_theory_or_results():
    fig = ov.plot_overlay(None, None, literature=True)
    assert len(fig.axes) == 2
    assert "no theory" in fig._suptitle.get_text()
    assert fig.axes[1].get_ylabel() == r"BCS coupling constant $\lambda$"


# ----------------------------------------------------------------------------- theory hook

def test_theory_table_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "ktoanalysis.theory.sweep", None)
    with pytest.raises(KtoError, match="not available"):
        ov.theory_table(["111"], [1e14])


def test_theory_table_reproduces_table_iii():
    """Norman 2026 (000_e0c07c0645395619.txt) Table III: lambda(111, TB1, omega(0) = 5.6 meV,
    omega(q)) = 0.0545 at n2D = 1e14 cm^-2 (Appendix B gives omega(0) = 5.59 meV there)."""
    pytest.importorskip("ktoanalysis.theory.sweep")
    th = ov.theory_table(["111"], [1e14], tbs=("TB1",), mu_stars=(0.1,))
    assert set(th["omega_c_choice"]) >= {"omega0"}
    assert th["lambda"].iloc[0] == pytest.approx(0.0545, rel=0.02)
    assert th["omega0_meV"].iloc[0] == pytest.approx(5.6, abs=0.02)
    bcs = th[(th["Tc_method"] == "BCS") & (th["omega_c_choice"] == "omega0")]
    assert bcs["Tc_K"].iloc[0] == pytest.approx(
        ov.bcs_tc_K(bcs["lambda"].iloc[0], bcs["omega0_meV"].iloc[0]), rel=1e-6, abs=1e-300)


# ----------------------------------------------------------------------------- CLI

def _app() -> typer.Typer:
    from ktoanalysis.cli.overlay import register

    app = typer.Typer()
    register(app)

    @app.callback()
    def _main() -> None:  # keep "overlay" as a sub-command
        """test app"""

    return app


# ----------------------------------------------------------------------------- bundled table

def _stored_table(theory_df: pd.DataFrame, **settings) -> pd.DataFrame:
    table = theory_df.copy()
    wanted = {"dispersion": "vaks", "omega0_auto": True, "dphi_deg": 1.0,
              "quadrature": "trapezoid", "measure": "angle", "method": "rays"}
    wanted.update(settings)
    for k, v in wanted.items():
        if v is not None:
            table[k] = v
    return table


@pytest.fixture
def settings(monkeypatch):
    """The theory's current settings, fixed for the test (independent of its defaults)."""
    fixed = {"dispersion": "vaks", "omega0_auto": True, "dphi_deg": 1.0,
             "quadrature": "trapezoid", "measure": "angle", "method": "rays"}
    monkeypatch.setattr(ov, "theory_settings", lambda **kw: dict(fixed))
    return fixed


def test_bundled_theory_used_only_when_settings_match(tmp_path: Path, theory_df, settings):
    good = tmp_path / "good.csv"
    _stored_table(theory_df).to_csv(good, index=False)
    table, why = ov.bundled_theory(["111", "001"], path=good)
    assert table is not None and len(table) == len(theory_df)
    assert "quadrature = trapezoid" in why
    # a table of the old default (paper quadrature) no longer matches
    old = tmp_path / "old.csv"
    _stored_table(theory_df, quadrature="paper").to_csv(old, index=False)
    table, why = ov.bundled_theory(path=old)
    assert table is None and "quadrature = paper" in why and "trapezoid" in why
    # a table without the column was written before the option existed: paper quadrature
    legacy = tmp_path / "legacy.csv"
    _stored_table(theory_df).drop(columns=["quadrature"]).to_csv(legacy, index=False)
    assert ov.bundled_theory(path=legacy)[0] is None
    # another angular step, a model option, an absent file: not used
    step = tmp_path / "step.csv"
    _stored_table(theory_df, dphi_deg=0.5).to_csv(step, index=False)
    assert "dphi_deg" in ov.bundled_theory(path=step)[1]
    assert ov.bundled_theory(path=good, t=0.5)[0] is None
    assert "absent" in ov.bundled_theory(path=tmp_path / "none.csv")[1]
    # orientations it lacks are left out (the caller computes those)
    table, _ = ov.bundled_theory(["111", "110"], path=good)
    assert set(table["orientation"]) == {"111"}
    assert ov.bundled_theory(["110"], path=good)[0] is None


def test_the_bundled_table_matches_the_current_theory_defaults():
    """data/theory_tc.csv must be regenerated (scripts/make_theory_table.py) whenever a
    default of the pairing theory changes; otherwise the overlay recomputes it."""
    pytest.importorskip("ktoanalysis.theory.pairing")
    table, why = ov.bundled_theory(["111", "001"])
    assert table is not None, why
    assert set(table["orientation"]) == {"111", "001"} and set(table["tb"]) == {"TB1", "TB2"}


def test_cli_overlay_uses_the_bundled_table_without_recomputing(tmp_path: Path, results_df,
                                                                theory_df, settings,
                                                                monkeypatch):
    import ktoanalysis._data

    stored = tmp_path / "theory_tc.csv"
    _stored_table(theory_df).to_csv(stored, index=False)
    monkeypatch.setattr(ktoanalysis._data, "data_path", lambda *parts: stored)
    calls = []

    def no_compute(**kw):
        calls.append(kw)
        raise KtoError("theory not computed in this test")

    monkeypatch.setattr(ov, "theory_table", no_compute)
    res = tmp_path / "results.csv"
    results_df[results_df["orientation"].isin(["111", "001"])].to_csv(res, index=False)
    out = tmp_path / "fig.png"
    r = CliRunner().invoke(_app(), ["overlay", "--results", str(res), "-O", str(out)])
    assert r.exit_code == 0, r.output
    assert calls == [] and out.is_file()
    assert "bundled table theory_tc.csv" in r.stderr
    # --recompute asks the theory even though the table matches
    r = CliRunner().invoke(_app(), ["overlay", "--results", str(res), "-O", str(out),
                                    "--recompute"])
    assert r.exit_code == 0, r.output
    assert len(calls) == 1 and "theory not available" in r.stderr
    # a stale table is not used: the theory is computed (here: refused) instead
    _stored_table(theory_df, quadrature="paper").to_csv(stored, index=False)
    r = CliRunner().invoke(_app(), ["overlay", "--results", str(res), "-O", str(out)])
    assert len(calls) == 2 and "not used" in r.stderr and "quadrature = paper" in r.stderr
    # the old spelling -o of --out still works (hidden); neither is an error
    r = CliRunner().invoke(_app(), ["overlay", "--no-theory", "-o", str(tmp_path / "o.png")])
    assert r.exit_code == 0 and (tmp_path / "o.png").is_file()
    r = CliRunner().invoke(_app(), ["overlay", "--no-theory"])
    assert isinstance(r.exception, KtoError) and "--out" in str(r.exception)


def test_cli_overlay(tmp_path: Path, results_df, theory_df):
    res = tmp_path / "results.csv"
    th = tmp_path / "theory.csv"
    results_df.to_csv(res, index=False)
    theory_df.to_csv(th, index=False)
    out = tmp_path / "fig.png"
    runner = CliRunner()
    r = runner.invoke(_app(), ["overlay", "--results", str(res), "--theory", str(th),
                               "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.is_file() and "figure written" in r.output
    out2 = tmp_path / "fig2.png"
    r = runner.invoke(_app(), ["overlay", "--results", str(tmp_path), "--no-theory",
                               "--no-literature", "--tc-column", "T_BKT_K", "--out", str(out2)])
    assert r.exit_code == 0, r.output
    assert out2.is_file()
    r = runner.invoke(_app(), ["overlay", "--results", str(tmp_path / "none.csv"),
                               "--out", str(out2)])
    assert isinstance(r.exception, DataFormatError)
