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
# # 3. Phase slips in the resistive tail and butterfly magnetoresistance
#
# Below Tc the resistance of a narrow superconductor does not vanish at once: the phase of
# the order parameter can slip by 2 pi, either over the free-energy barrier dF(T) by thermal
# activation (Langer-Ambegaokar-McCumber-Halperin, LAMH: **TAPS**) or through it by quantum
# tunnelling (Golubev-Zaikin: **QPS**). Zhang et al. (a-CaZrO3/KTaO3(111), Nat. Commun. 2025)
# fit the resistive tails of five samples with both (their Eqs. 3 and 4, Table 1) and
# observe a butterfly-shaped hysteresis of the magnetoresistance.
#
# This notebook
#
# 1. simulates resistive tails with the paper's Eq. 3 and the Table 1 parameters and
#    recovers the barriers dF(0) with the `phase-slips` fit;
# 2. does the same for the Golubev-Zaikin form and uses the AIC to tell the two mechanisms
#    apart;
# 3. analyses the example butterfly magnetoresistance loop: the peak fields of both sweep
#    directions and the resistance jump Delta R.

# %%
import json
import os
from pathlib import Path

import numpy as np
from scipy import constants

from ktoanalysis import load
from ktoanalysis._data import data_path
from ktoanalysis.plotting import new_figure, show_figure
from ktoanalysis.transport import analyze, kind_module
from ktoanalysis.transport import phaseslip as ps

OUT = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "03_phase_slips_mr"
OUT.mkdir(parents=True, exist_ok=True)


def show(fig, name: str) -> Path:
    """Save a figure as OUT/name.png and display it (inside Jupyter)."""
    return show_figure(fig, OUT / f"{name}.png")


rng = np.random.default_rng(2025)  # fixed seed: the notebook gives the same numbers each run

# %% [markdown]
# ## 3.1 LAMH thermally activated phase slips (Eq. 3 of Zhang et al.)
#
# R_TAPS(T) = pi hbar^2 Omega / (2 e^2 k_B T) exp(-dF(T)/k_B T), with the barrier
# dF(T) = (8 sqrt2/3) (H_c^2/8 pi) S xi(T) = dF(0) (1 - T/Tc)^(3/2), the attempt frequency
# Omega = (L / xi(T) tau_GL) sqrt(dF/k_B T), tau_GL = pi hbar / 8 k_B (Tc - T) and
# xi(T) = xi0 (1 - T/Tc)^(-1/2). L is the distance between the voltage probes (120 um in the
# paper), so R_TAPS is a **wire** resistance (R_S L/W). Only three combinations are
# identifiable from R(T): Tc, dF(0) and the amplitude A = (4 hbar/e^2) L/xi0; the fit uses
# this reduced form (`taps_form="lamh_eq3"`, `taps_amplitude="free"`). As in the paper, Tc is
# fixed to T_C^zero (`Tc_K`).
#
# Table 1 of the paper (n_s in 1e13 cm^-2, Tc in K, dF(0) in 1e-23 J):

# %%
TABLE1 = [  # (n_s 1e13 cm^-2, Tc K, dF(0) 1e-23 J), Zhang et al. 2025, Table 1 (TAPS model)
    (3.8, 0.60, 5.18), (4.3, 0.74, 10.86), (5.8, 0.80, 7.51), (8.9, 1.79, 26.53),
    (9.8, 1.86, 29.63),
]
L_M, XI0_M = 120e-6, 61.63e-9   # probe distance and xi_GL(0) of the n_s = 3.8e13 sample
K_B = constants.k
for n_s, Tc, dF in TABLE1:
    print(f"n_s = {n_s}e13 cm^-2: Tc = {Tc} K, dF(0) = {dF}e-23 J = {dF * 1e-23 / K_B:.3f} K "
          f"x k_B, dF(0)/k_B Tc = {dF * 1e-23 / (K_B * Tc):.2f}")

# %% [markdown]
# Simulated tails: the literal Eq. 3 with L = 120 um and xi0 = 61.63 nm, sampled where the
# wire resistance lies between 0.1 and 1000 Ohm (the measurable tail well below R_N), with
# 3 % multiplicative noise. The literal equation exceeds R_N near Tc (it describes only the
# tail), which is why the fit window must stay at low resistance.

# %%
taps_fits, tails = [], []
for n_s, Tc, dF in TABLE1:
    T_dense = np.linspace(0.05 * Tc, 0.95 * Tc, 4000)
    R_dense = ps.lamh_eq3_literal(T_dense, Tc, dF * 1e-23, L_M, XI0_M)
    window = T_dense[(R_dense > 0.1) & (R_dense < 1e3)]
    T = np.linspace(window.min(), window.max(), 40)
    noise = 1 + 0.03 * rng.standard_normal(T.size)     # 3 % multiplicative noise
    R = ps.lamh_eq3_literal(T, Tc, dF * 1e-23, L_M, XI0_M) * noise
    res = ps.fit_phase_slips(T, R, model="taps", Tc_K=Tc)
    taps_fits.append(res)
    tails.append((T, R))
    print(f"n_s = {n_s}e13: window {T.min():.3f}-{T.max():.3f} K, dF(0) fitted "
          f"({res['dF0_J'] * 1e23:.2uP})e-23 J (Table 1: {dF}e-23 J), xi0 implied by A: "
          f"{res['xi0_implied_m'] * 1e9:.3uP} nm")
    assert abs(res.value("dF0_J") / (dF * 1e-23) - 1) < 0.05

# %% [markdown]
# The barriers come back within half a percent, and the fitted amplitude
# A = (4 hbar/e^2) L/xi0 gives back xi0 = 60 +- 2 nm, consistent with the 61.63 nm used in
# the simulation: Eq. 3 is identifiable in this reduced form. dF(0) of order 1e-22 J
# (dF(0)/k_B of 4 to 21 K) means the activation is frozen out
# for T << dF(0)/k_B, which is the paper's argument for quantum phase slips at the lowest
# temperatures. The figure shows the five tails on a log scale with the fits:

# %%
fig = new_figure(figsize=(6.4, 4.4))
ax = fig.add_subplot()
for (n_s, Tc, _), (T, R), res in zip(TABLE1, tails, taps_fits, strict=True):
    line, = ax.semilogy(T / Tc, R, "o", ms=3)
    Tg = np.linspace(T.min(), T.max(), 200)
    ax.semilogy(Tg / Tc, ps.lamh_reduced(Tg, Tc, res.value("dF0_J"), res.value("A_TAPS_ohm")),
                "-", color=line.get_color(),
                label=f"n_s = {n_s}e13: dF(0) = {res.value('dF0_J') * 1e23:.2f}e-23 J")
ax.set_xlabel("T / Tc")
ax.set_ylabel("R_wire (Ohm), L = 120 um")
ax.set_title("LAMH tails: points simulated with Table 1 values, lines fitted")
ax.legend(fontsize=7)
show(fig, "taps_table1")

# %% [markdown]
# The analysis is also available as a kind (`ktoanalysis fit phase-slips FILE`) working on
# loaded files; its options:

# %%
for name, text in kind_module("phase-slips").OPTIONS.items():
    print(f"  {name:<17} {text}")

# %% [markdown]
# ## 3.2 Golubev-Zaikin quantum phase slips (Eq. 4) and model selection
#
# R_QPS = B1 R_Q S_QPS (L/xi(T)) exp(-S_QPS), S_QPS = B2 (R_Q/R_N) (L/xi(T)), with
# R_Q = h/4e^2 and R_N the wire's normal resistance. In reduced form
# R = c R_N S^2 exp(-S), S = a (1 - T/Tc)^(1/2), with a = B2 (R_Q/R_N)(L/xi0) and
# c = B1/B2. The QPS rate falls off slowly on cooling (no activation), unlike TAPS.
#
# We simulate a QPS tail (Tc = 1.79 K as the n_s = 8.9e13 sample, a = 12, c = 0.05,
# R_N = 7800 Ohm for 6 squares of 1300 Ohm) and fit both models, with Tc fixed, to it and
# to the TAPS tail of the same sample. The Akaike information criterion picks the model
# that generated each data set.

# %%
Tc_qps, R_N_wire = 1.79, 6 * 1300.0
T_q = np.linspace(0.3, 1.7, 40)
R_q = ps.gz_qps_reduced(T_q, Tc_qps, 12.0, 0.05, R_N_wire) * (1 + 0.03 * rng.standard_normal(40))
data_sets = {"TAPS data (n_s = 8.9e13)": (tails[3][0], tails[3][1], TABLE1[3][1]),
             "QPS data": (T_q, R_q, Tc_qps)}
selection = {}
for label, (T, R, Tc) in data_sets.items():
    fits = {model: ps.fit_phase_slips(T, R, model=model, Tc_K=Tc, R_N_ohm=R_N_wire)
            for model in ("taps", "qps")}
    selection[label] = fits
    best = min(fits, key=lambda k: fits[k].stats["aic"])
    print(f"{label:<25} AIC taps = {fits['taps'].stats['aic']:8.1f}   "
          f"AIC qps = {fits['qps'].stats['aic']:8.1f}   -> {best}")
qps_fit = selection["QPS data"]["qps"]
print(f"QPS fit: a = {qps_fit['a_QPS']:.2uP} (true 12), c = {qps_fit['c_QPS']:.2uP} (true 0.05)")
assert min(selection["QPS data"], key=lambda k: selection["QPS data"][k].stats["aic"]) == "qps"

# %%
fig = new_figure(figsize=(9.0, 3.8))
axes = fig.subplots(1, 2)
for ax, (label, fits) in zip(axes, selection.items(), strict=True):
    T, R, Tc = data_sets[label]
    ax.semilogy(T, R, "ko", ms=3, label="simulated data")
    for model, style in (("taps", "-"), ("qps", "--")):
        f = fits[model]
        # the fit curve on a fine grid, in the fit space (ln R for fit_space="log")
        y = np.asarray(f.data["y_fine"])
        ax.semilogy(f.data["T_fine_K"], np.exp(y) if f.data["space"] == "log" else y,
                    style, label=f"{model.upper()} fit, AIC = {f.stats['aic']:.0f}")
    ax.set_xlabel("T (K)")
    ax.set_ylabel("R_wire (Ohm)")
    ax.set_title(label, fontsize=10)
    ax.legend(fontsize=8)
show(fig, "taps_vs_qps")

# %% [markdown]
# ## 3.3 Butterfly magnetoresistance
#
# Sweeping the field down (+B -> -B) and then up (-B -> +B) at 0.5 K, the resistance shows a
# peak on each branch just after the field has crossed zero (at negative field on the down
# sweep, at positive field on the up sweep): the butterfly hysteresis that
# Zhang et al. attribute to magnetic moments at the interface interacting with the
# superconducting condensate (their peaks sit at about +-0.08 T). The `mr-hysteresis`
# analysis splits the loop into its two branches, finds the peaks above `peak_sigma` times
# the noise, refines each with a local parabola, and reports the peak fields and
# Delta R = R(B_peak) - R(B = 0) on the same branch. Options:

# %%
for name, text in kind_module("mr-hysteresis").OPTIONS.items():
    print(f"  {name:<25} {text}")

# %%
loop = load(data_path("example_series", "KTO111-A", "MR_loop.csv"))
print(loop.metadata["measurement"])
mr = analyze("mr-hysteresis", loop)
truth = json.loads(data_path("example_series", "truth.json").read_text())["KTO111-A/mr-hysteresis"]
print(f"peak field, up sweep:   {mr['peak_field_up_T']:.2uP} T (true {truth['peak_field_up_T']} T)")
print(f"peak field, down sweep: {mr['peak_field_down_T']:.2uP} T "
      f"(true {truth['peak_field_down_T']} T)")
print(f"Delta R (mean of both branches) = {mr['delta_R_ohm']:.2uP} Ohm "
      "(simulated: a 40 Ohm Lorentzian on a parabolic background), "
      f"remanent-field offset {mr.value('B_offset_T') * 1e3:.3f} mT")
show(mr.plot(), "butterfly_mr")

# %% [markdown]
# The example file contains the sheet resistance directly (R_N about 1300 Ohm per square);
# for a four-probe resistance give `W_m` and `L_m` to report Delta R_S = Delta R W/L. With
# loops at five or more temperatures the analysis also fits Delta R_S(T) with the TAPS form
# (`taps_fit="auto"`), as the paper does for its Fig. 4.
