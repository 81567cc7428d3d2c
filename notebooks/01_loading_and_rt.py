# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Loading lab files, R(T) transitions and the BKT analysis
#
# This notebook walks through the first steps of every transport analysis with
# **ktoanalysis**:
#
# 1. load a Quantum Design `.dat` file and a CSV file into a tidy table in SI units and look
#    at what the loader made of them (the Python twin of `ktoanalysis info FILE`);
# 2. extract the characteristic temperatures of a resistive transition R(T): Tc at onset,
#    midpoint and zero resistance, and the transition width;
# 3. fit the Berezinskii-Kosterlitz-Thouless (BKT) forms of R(T) (Halperin-Nelson and the
#    Benfatto-Castellani-Giamarchi interpolation);
# 4. analyse a set of I-V isotherms: the power law V ~ I^alpha(T) and T_BKT where
#    alpha = 3;
# 5. compare every number with the true values the example data were simulated with.
#
# The example sample `KTO111-A` is simulated (`scripts/make_example_series.py`) with
# parameters close to the a-CaZrO3/KTaO3(111) interface of Zhang et al. (Nat. Commun. 2025):
# n2D = 3.8e13 cm^-2, T_BKT = 0.58 K. Its true parameters are in
# `data/example_series/truth.json`.
#
# Figures are written to the folder named by the environment variable `KTO_NOTEBOOK_OUT`
# (default `notebook-output/` in the working directory).

# %%
import json
import os
from pathlib import Path

import numpy as np

import ktoanalysis
from ktoanalysis import load
from ktoanalysis._data import data_path
from ktoanalysis.cli.info import info_dict
from ktoanalysis.plotting import new_figure, show_figure
from ktoanalysis.transport import KINDS, analyze, kind_module

OUT = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "01_loading_and_rt"
OUT.mkdir(parents=True, exist_ok=True)


def show(fig, name: str) -> Path:
    """Save a figure as OUT/name.png and display it (inside Jupyter)."""
    return show_figure(fig, OUT / f"{name}.png")


SERIES = data_path("example_series")
TRUTH = json.loads((SERIES / "truth.json").read_text())
print("ktoanalysis", ktoanalysis.__version__, "- example data in", SERIES)

# %% [markdown]
# ## 1.1 Loading files
#
# `ktoanalysis.load(path)` reads delimited text files (CSV/TSV/whitespace; the delimiter is
# sniffed) and Quantum Design `.dat` files (PPMS Resistivity, AC Transport, ETO, DynaCool).
# Every recognised column gets a canonical SI name: `T_K`, `B_T` (converted from Oe, mT,
# kOe...), `R_ohm`, `Rxy_ohm`, `I_A`, `V_V`, `theta_rad`... Units come from the header
# (`R (kOhm)` is multiplied by 1000). With several resistance channels each column carries
# `_chN`; a QD bridge named `Hall` in the header becomes `Rxy`.
#
# A Quantum Design PPMS Resistivity file: this small file is part of the test fixtures and
# contains the usual instrument junk (a comment row, a non-numeric row, rows with extra
# fields, an empty bridge). The loader reports each problem in `metadata["warnings"]`
# instead of failing silently.

# %%
QD_FILE = (Path(ktoanalysis.__file__).resolve().parent.parent / "tests" / "fixtures"
           / "qd_resistivity_synthetic.dat")


def print_info(path: Path) -> dict:
    """Print what `ktoanalysis info FILE` prints: format, SI columns with ranges, metadata."""
    summary = info_dict(path)
    print(f"file:   {path.name}\nformat: {summary['format']}   rows: {summary['rows']}")
    for c in summary["columns"]:
        lo = "-" if c["min"] is None else f"{c['min']:.6g}"
        hi = "-" if c["max"] is None else f"{c['max']:.6g}"
        print(f"  {c['name']:<20} [{c['unit'] or '-':>4}]  min {lo:>11}  max {hi:>11}  "
              f"n {c['count']:>4}  <- {c['original']}")
    for w in summary["metadata"].get("warnings", []):
        print("  warning:", w)
    return summary


if QD_FILE.exists():
    qd_info = print_info(QD_FILE)
    qd = load(QD_FILE)
    print("channel names from the header:", qd.metadata.get("qd_channel_names"))
else:  # an installed wheel has no test fixtures
    qd = None
    print("QD example file not found (run the notebook from a clone of the repository)")

# %% [markdown]
# The QD file is a field sweep at 2 K with a longitudinal bridge (`TMR`, channel 1) and a
# Hall bridge (channel 2). Fields were converted from Oe to tesla (1 T = 10^4 Oe). The
# data stay a pandas table in `m.data`:

# %%
if qd is not None:
    print(qd.data[["T_K", "B_T", "R_ch1_ohm", "Rxy_ch2_ohm"]].head())
    fig = new_figure(figsize=(6.0, 3.6))
    ax = fig.add_subplot()
    B, R1 = qd.xy("B_T", "R_ch1_ohm")
    B2, R2 = qd.xy("B_T", "Rxy_ch2_ohm")
    ax.plot(B, R1, "o-", label="R_ch1 (bridge 1, 'TMR')")
    ax.plot(B2, R2, "s-", label="R_xy ch2 (bridge 2, 'Hall')")
    ax.set_xlabel("B (T)")
    ax.set_ylabel("R (Ohm)")
    ax.set_title("Quantum Design PPMS Resistivity file (converted from Oe)")
    ax.legend()
    show(fig, "qd_file")

# %% [markdown]
# A CSV file with unit-bearing headers (`T (K)`, `R (Ohm)`) and `# key: value` comment lines,
# which become metadata (sample, orientation, density):

# %%
rt_file = SERIES / "KTO111-A" / "RT.csv"
rt_info = print_info(rt_file)
rt = load(rt_file)
print({k: rt.metadata[k] for k in ("sample", "orientation", "n2d_cm2", "measurement")})

# %% [markdown]
# ## 1.2 Tc and transition width from R(T)
#
# The analysis kinds are listed in `ktoanalysis.transport.KINDS`; each one has an
# `OPTIONS` mapping that documents its options (the same as `ktoanalysis fit KIND --help`).

# %%
for kind, (_, description) in KINDS.items():
    print(f"{kind:<16} {description}")
print()
for name, text in kind_module("tc").OPTIONS.items():
    print(f"  {name:<16} {text}")

# %% [markdown]
# The normal-state resistance R_N is an explicit choice. Here it is the mean R near the
# highest temperature of the sweep (`rn_method="fixed_T"`, the default; Zhang et al. use R
# at 4 K). Then
#
# * `Tc_onset` = T where R = 0.9 R_N (`onset_fraction`),
# * `Tc_mid` = T where R = 0.5 R_N (`mid_fraction`),
# * `Tc_zero` = highest T where R drops below the noise floor max(3 sigma_R, 0.01 R_N),
# * `width` = T(0.8 R_N) - T(0.2 R_N) (`width_fractions`).
#
# Crossing temperatures are interpolated between neighbouring points; their 1-sigma errors
# propagate the resistance noise sigma_R (estimated from the data) through the local slope.
# The `_sys_RN` entries give how much each temperature moves when R_N changes by its
# uncertainty.

# %%
res_tc = analyze("tc", rt)
print(res_tc.report().split("  stats")[0])
show(res_tc.plot(), "rt_tc")

# %%
truth_tc = TRUTH["KTO111-A/tc"]
for name in ("Tc_mid_K", "width_K", "R_N_ohm"):
    val, err = res_tc.value(name), res_tc.stderr(name)
    print(f"{name:<10} fitted {val:.4f} +/- {err:.4f}   true {truth_tc[name]:.4f}   "
          f"({(val - truth_tc[name]) / err:+.1f} sigma)")
print(f"Tc_onset_K fitted {res_tc.value('Tc_onset_K'):.4f}   simulation reference "
      f"{truth_tc['reference_only']['Tc_onset_K']:.4f}")

# %% [markdown]
# All values agree with the simulation input to better than 0.5 %. Deviations of one or two
# sigma are expected: the listed errors contain only the resistance noise, not the
# interpolation between the points of the sweep, so treat sub-percent differences as
# systematic rather than significant.
#
# ## 1.3 BKT fit of R(T)
#
# In a 2D superconductor the resistance just above the BKT temperature comes from free
# vortices whose density follows the correlation length, giving the Halperin-Nelson form
#
# R(T) = R0 exp(-b / sqrt(T/T_BKT - 1))        (`form="simple"`)
#
# The Benfatto-Castellani-Giamarchi interpolation (`form="bcg_interpolation"`) joins this
# to the Aslamazov-Larkin regime and describes a wider window. Both are fitted in ln R over a
# window between 1 % and 30 % of R_N (`fractions`), and the fit is repeated on a ladder of
# shifted windows to report the window sensitivity (`T_BKT_K_window_spread`). The
# Aslamazov-Larkin paraconductivity gives the mean-field Tc0 (`Tc0_AL_K`); the straight line
# of [d ln R/dT]^(-2/3) against T crosses zero at T_BKT (`T_BKT_lin_K`).

# %%
bkt = {form: analyze("bkt-rt", rt, form=form) for form in ("simple", "bcg_interpolation")}
for form, res in bkt.items():
    print(f"{form:<18} T_BKT = {res['T_BKT_K']:.4f} K   linearisation {res['T_BKT_lin_K']:.4f}"
          f" K   Tc0_AL = {res['Tc0_AL_K']:.4f} K   AIC = {res.stats['aic']:.1f}")
print("true T_BKT =", TRUTH["KTO111-A/bkt-rt"]["T_BKT_K"], "K")
show(bkt["bcg_interpolation"].plot(), "rt_bkt_bcg")

# %% [markdown]
# Left: R(T) on a log scale with the BKT fit in its window, the 1-sigma band and the AL
# fit (dashed), residuals below; right: [d ln R/dT]^(-2/3) against T with its straight line,
# whose zero gives T_BKT_lin. Both forms recover T_BKT = 0.58 K within about one percent; the
# BCG interpolation has the lower AIC because the simulated data were made with it.
# Ordering check: T_BKT < Tc_zero < Tc0_AL < Tc_mid, as expected for a 2D film.

# %%
order = [bkt["bcg_interpolation"].value("T_BKT_K"), res_tc.value("Tc_zero_K"),
         bkt["bcg_interpolation"].value("Tc0_AL_K"), res_tc.value("Tc_mid_K")]
print("T_BKT, Tc_zero, Tc0_AL, Tc_mid =", np.round(order, 4), "increasing:",
      bool(np.all(np.diff(order) > 0)))

# %% [markdown]
# ## 1.4 I-V isotherms: V ~ I^alpha and T_BKT where alpha = 3
#
# Below T_BKT, a current unbinds vortex pairs and V ~ I^alpha with alpha = 1 + pi J_s/(k_B T);
# the universal jump of the superfluid stiffness J_s makes alpha jump to 3 at T_BKT. For each
# isotherm the analysis symmetrises V(I) (`symmetrize="odd"`), keeps the points above the
# noise floor (`v_floor_k` sigma_V) and below the Ohmic regime (`ohmic_fraction` R_N I), and
# fits a straight line in log V vs log I on the longest stretch of constant local slope.
# T_BKT is interpolated where alpha(T) crosses 3.

# %%
iv = load(SERIES / "KTO111-A" / "IV.csv")
res_iv = analyze("bkt-iv", iv)
print(f"{len(iv.data)} points grouped into {res_iv.stats['n_isotherms']} isotherms "
      f"(rows within by_tol_K = 0.02 K), currents "
      f"{iv.data['I_A'].min() * 1e6:.2g}-{iv.data['I_A'].max() * 1e6:.3g} uA")
for T, a, e in zip(res_iv.data["T_K"], res_iv.data["alpha"], res_iv.data["alpha_err"],
                   strict=True):
    print(f"  T = {T:.3f} K   alpha = {a:.3f} +/- {e:.3f}")
print(f"T_BKT(alpha = 3) = {res_iv['T_BKT_K']:.4f} K; true "
      f"{TRUTH['KTO111-A/bkt-iv']['T_BKT_K']} K")
show(res_iv.plot(), "iv_alpha")

# %% [markdown]
# Left: the I-V isotherms on log-log axes with the fitted power laws; right: alpha(T) with
# the alpha = 3 line and T_BKT.
#
# ## 1.5 Summary against the simulation truth

# %%
rows = [
    ("Tc_mid (K)", res_tc["Tc_mid_K"], TRUTH["KTO111-A/tc"]["Tc_mid_K"]),
    ("width 20-80 % (K)", res_tc["width_K"], TRUTH["KTO111-A/tc"]["width_K"]),
    ("T_BKT, HN simple (K)", bkt["simple"]["T_BKT_K"], TRUTH["KTO111-A/bkt-rt"]["T_BKT_K"]),
    ("T_BKT, BCG (K)", bkt["bcg_interpolation"]["T_BKT_K"],
     TRUTH["KTO111-A/bkt-rt"]["T_BKT_K"]),
    ("T_BKT, I-V alpha = 3 (K)", res_iv["T_BKT_K"], TRUTH["KTO111-A/bkt-iv"]["T_BKT_K"]),
]
print(f"{'quantity':<26} {'fitted':>18} {'true':>8} {'rel. diff':>9}")
for name, fitted, true in rows:
    print(f"{name:<26} {format(fitted, '.2u'):>18} {true:>8.4f} "
          f"{(fitted.nominal_value / true - 1) * 100:>8.2f}%")
    assert abs(fitted.nominal_value / true - 1) < 0.03, name

fig = new_figure(figsize=(6.0, 3.4))
ax = fig.add_subplot()
names = [r[0] for r in rows]
y = np.arange(len(rows))
ax.errorbar([r[1].nominal_value / r[2] - 1 for r in rows], y,
            xerr=[r[1].std_dev / r[2] for r in rows], fmt="o", capsize=3, label="fitted/true - 1")
ax.axvline(0, color="k", lw=0.8)
ax.set_yticks(y, names)
ax.set_xlabel("relative deviation from the simulation truth")
ax.set_title("KTO111-A: recovered parameters")
ax.legend(fontsize=8)
show(fig, "summary_vs_truth")
