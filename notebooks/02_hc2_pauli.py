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
# # 2. Upper critical fields: dimensionality, coherence length, thickness, Pauli limit
#
# A superconducting 2D electron gas a few nanometres thick responds very differently to a
# field along its normal (orbital pair breaking through vortices, small Hc2) and to a field
# in its plane (orbital effect suppressed by the thickness, Hc2 limited by the thickness
# and eventually by the electron spins). This notebook shows the three analyses that
# quantify this, following two KTaO3(111) papers:
#
# * Ning et al. (2024), LaAlO3/KTaO3(111): Hc2 versus field angle, 2D Tinkham against 3D
#   anisotropic Ginzburg-Landau (GL) as a model comparison; the parallel field exceeds the
#   Pauli limit.
# * Zhang et al. (Nat. Commun. 2025), a-CaZrO3/KTaO3(111): Hc2(T) for both field directions
#   with the GL laws, xi_GL(0) = 61.63 nm, d_SC = 4.63 nm, Pauli limit 1.24 T.
#
# Sections 2.1 and 2.2 fit the simulated example sample `KTO111-A` and compare with the
# simulation truth; section 2.3 recomputes the published numbers of Zhang et al. with the
# toolkit's closed-form functions.

# %%
import json
import os
from pathlib import Path

import numpy as np

from ktoanalysis import load
from ktoanalysis._data import data_path
from ktoanalysis.plotting import new_figure, show_figure
from ktoanalysis.transport import analyze, hc2, kind_module

OUT = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "02_hc2_pauli"
OUT.mkdir(parents=True, exist_ok=True)


def show(fig, name: str) -> Path:
    """Save a figure as OUT/name.png and display it (inside Jupyter)."""
    return show_figure(fig, OUT / f"{name}.png")


SAMPLE = data_path("example_series", "KTO111-A")
TRUTH = json.loads(data_path("example_series", "truth.json").read_text())

# %% [markdown]
# ## 2.1 Hc2(theta): 2D Tinkham or 3D anisotropic GL?
#
# theta is the angle between the field and the **sample normal** (theta = 0: perpendicular,
# 90 deg: in the plane; option `theta_convention="from_normal"`). Two models:
#
# * 2D Tinkham (thin film, d << xi):
#   |Hc2 cos(theta)/Hc2_perp| + (Hc2 sin(theta)/Hc2_par)^2 = 1, with a **cusp** at 90 deg;
# * 3D anisotropic GL (anisotropic bulk):
#   (Hc2 cos(theta)/Hc2_perp)^2 + (Hc2 sin(theta)/Hc2_par)^2 = 1, smooth at 90 deg.
#
# Near the parallel direction the two curves differ most, which is why measurements take
# dense angle steps there. With the same end points (0.45 T and 5 T, as reported by Ning et
# al. at 0.6 K) the closed forms look like this:

# %%
theta_deg = np.linspace(60.0, 120.0, 1201)
th = np.radians(theta_deg)
fig = new_figure(figsize=(6.0, 4.0))
ax = fig.add_subplot()
ax.plot(theta_deg, hc2.tinkham_hc2(th, 0.45, 5.0), label="2D Tinkham (cusp at 90 deg)")
ax.plot(theta_deg, hc2.gl3d_hc2(th, 0.45, 5.0), "--", label="3D anisotropic GL (smooth)")
ax.set_xlabel("theta, field angle from the sample normal (deg)")
ax.set_ylabel("mu0 Hc2 (T)")
ax.set_title("Closed forms, Hc2_perp = 0.45 T, Hc2_par = 5 T")
ax.legend()
show(fig, "tinkham_vs_gl_closed_form")

# %% [markdown]
# The analysis `hc2-angle` fits **both** models to the same points, fits a rotator offset
# theta0 when the data bracket 90 deg (`fit_theta0="auto"`), and reports the better model
# by AIC (difference > 10: "decisive"). The example file holds Hc2(theta) points with
# their errors (`Hc2_err` column, so the fit uses weights 1/sigma without rescaling the
# covariance, `use_sigma="auto"`). Options:

# %%
for name, text in kind_module("hc2-angle").OPTIONS.items():
    print(f"  {name:<17} {text}")

# %%
ang = analyze("hc2-angle", load(SAMPLE / "Hc2_angle.csv"))
truth = TRUTH["KTO111-A/hc2-angle"]
print(f"best model: {ang.options['best_model']} ({ang.options['evidence']}), "
      f"AIC(GL) - AIC(Tinkham) = {ang.stats['delta_aic_gl_minus_tinkham']:.1f}")
for model in ("tinkham_2d", "gl_3d"):
    print(f"{model:<11} Hc2_perp = {ang[model + '_Hc2_perp_T']:.2uP} T   "
          f"Hc2_par = {ang[model + '_Hc2_par_T']:.2uP} T   "
          f"reduced chi2 = {ang.stats[model + '_redchi']:.2f}")
print(f"truth       Hc2_perp = {truth['Hc2_perp_T']} T   Hc2_par = {truth['Hc2_par_T']} T "
      f"(simulated with the Tinkham form)")
show(ang.plot(), "hc2_angle_fit")

# %% [markdown]
# The GL fit cannot follow the cusp: its reduced chi-square is about 13 and it
# underestimates Hc2_par by 15 %, while the Tinkham fit has chi2_red ~ 1 and returns the
# simulated values. With real data the same comparison is the evidence for 2D
# superconductivity.
#
# Ning et al. then note that Hc2_par = 5 T exceeds the Pauli (Clogston-Chandrasekhar)
# limit B_P = Delta0/(sqrt(2) mu_B), i.e. about 1.86 T/K x Tc. Their Tc_zero = 1.66 K and
# Tc_onset = 2.32 K give (coefficient option `"rounded_1.86"`):

# %%
for label, Tc in (("Tc_zero", 1.66), ("Tc_onset", 2.32)):
    B_P = hc2.pauli_limit(Tc, "rounded_1.86")
    print(f"B_P({label} = {Tc} K) = {B_P:.2f} T  -> Hc2_par / B_P = {5.0 / B_P:.2f}")
print(f"xi_GL(0.6 K) from Hc2_perp = 0.45 T: {hc2.xi_from_bc2perp(0.45) * 1e9:.2f} nm")

# %% [markdown]
# ## 2.2 Hc2(T) for both field directions: GL, WHH and the Pauli limit
#
# From R(H) sweeps at fixed temperatures, Hc2(T) is the field where R = 0.5 R_N
# (`criterion`; R_N from the high-field plateau of each sweep). The 2D GL laws are
#
# * perpendicular: mu0 Hc2_perp(T) = phi0 / (2 pi xi_GL(0)^2) (1 - T/Tc)
# * parallel: mu0 Hc2_par(T) = sqrt(12) phi0 / (2 pi xi_GL(0) d_SC) (1 - T/Tc)^(1/2)
#
# with phi0 = h/2e. Fitting both with a **shared Tc** (`gl_shared_tc="shared"`) gives
# xi_GL(0) from the perpendicular slope and the superconducting thickness d_SC from the
# parallel amplitude. The dirty-limit Werthamer-Helfand-Hohenberg (WHH) formula
# Hc2(0) = 0.693 Tc |dHc2/dT| is the orbital T = 0 estimate from the slope (`whh="orbital"`).
# The Pauli limit uses the fitted Tc (`pauli_coefficient`, default BCS 1.764;
# `g_factor` 2). The files say which field direction they hold (`# field_orientation:`).

# %%
sweeps = [load(SAMPLE / "RH_perp.csv"), load(SAMPLE / "RH_par.csv")]
print([m.metadata["field_orientation"] for m in sweeps])
hct = analyze("hc2-temperature", sweeps)
truth = TRUTH["KTO111-A/hc2-temperature"]
print(hct.report().split("  stats")[0])
for name, scale, unit in (("Tc_K", 1, "K"), ("xi_GL0_m", 1e9, "nm"), ("d_sc_m", 1e9, "nm")):
    print(f"{name:<9} fitted {hct[name] * scale:.2uP} {unit}   true {truth[name] * scale:g} {unit}")
show(hct.plot(), "hc2_temperature_fit")

# %% [markdown]
# The figure shows Hc2_perp (blue) and Hc2_par (red) with the shared-Tc GL fits, the
# orbital WHH curve for the perpendicular field (dashed) and the Pauli limit (dotted);
# residuals below. The parallel critical field of this simulated film exceeds B_P by a
# factor `Bc2par_over_BP`, as in the KTaO3 papers: spin-orbit coupling (Rashba at the
# interface) protects the pairs against the Zeeman field. `B_P_rashba_T` is the
# sqrt(2) B_P ceiling of strong Rashba coupling, a reference value only.

# %%
print(f"B_P = {hct['B_P_T']:.2uP} T, sqrt(2) B_P = {hct['B_P_rashba_T']:.2uP} T, "
      f"Hc2_par(0)/B_P = {hct['Bc2par_over_BP']:.2uP}, xi/d_SC = {hct['xi_over_d']:.2uP}")

# %% [markdown]
# ## 2.3 The published numbers of Zhang et al. (a-CaZrO3/KTaO3(111), n_s = 3.8e13 cm^-2)
#
# The paper reports mu0 Hc2_perp(0) = 0.09 T and mu0 Hc2_par(0) = 3.99 T from its GL fits,
# "xi_GL(0) = 61.63 nm more than 13 times larger than d_SC = 4.63 nm", an anisotropy of
# about 44, and the Pauli limit 1.76 k_B Tc/(sqrt(2) mu_B) = 1.24 T for Tc = 0.668 K. The
# toolkit's closed forms reproduce each of them (the paper values are typed in below as
# literature numbers; everything else is computed):

# %%
PAPER = {"Bperp0_T": 0.09, "Bpar0_T": 3.99, "xi_nm": 61.63, "d_nm": 4.63, "Tc_K": 0.668,
         "B_P_T": 1.24}
xi0 = PAPER["xi_nm"] * 1e-9
rows = [
    ("xi_GL(0) from Hc2_perp(0) = 0.09 T (nm)", hc2.xi_from_bc2perp(PAPER["Bperp0_T"]) * 1e9,
     PAPER["xi_nm"]),
    ("Hc2_perp(0) implied by xi = 61.63 nm (T)", hc2.bc2perp_from_xi(xi0), PAPER["Bperp0_T"]),
    ("d_SC from Hc2_par(0) = 3.99 T, xi = 61.63 nm (nm)",
     hc2.d_from_bc2par(xi0, PAPER["Bpar0_T"]) * 1e9, PAPER["d_nm"]),
    ("xi_GL(0) / d_SC", PAPER["xi_nm"] / (hc2.d_from_bc2par(xi0, PAPER["Bpar0_T"]) * 1e9),
     13.0),
    ("anisotropy Hc2_par(0)/Hc2_perp(0)", PAPER["Bpar0_T"] / PAPER["Bperp0_T"], 44.0),
    ("Pauli limit, 1.76 k_B Tc/(sqrt2 mu_B), Tc = 0.668 K (T)",
     hc2.pauli_limit(PAPER["Tc_K"], "seed004_1.76"), PAPER["B_P_T"]),
    ("B_P / Hc2_par(0)", hc2.pauli_limit(PAPER["Tc_K"], "seed004_1.76") / PAPER["Bpar0_T"],
     0.31),
]
print(f"{'quantity':<56} {'computed':>9} {'paper':>7}")
for name, computed, paper in rows:
    print(f"{name:<56} {computed:>9.4g} {paper:>7.4g}")
    assert abs(computed / paper - 1) < 0.05, name
for coef in ("seed004_1.76", "bcs_1.764", "rounded_1.86"):
    print(f"  Pauli limit with coefficient {coef:<13}: {hc2.pauli_limit(0.668, coef):.4f} T")

# %% [markdown]
# Note the small inconsistency in the paper: 0.09 T gives xi = 60.5 nm, and xi = 61.63 nm
# gives 0.0867 T, so the quoted 0.09 T is rounded. d_SC = 4.636 nm reproduces the quoted
# 4.63 nm, and the three Pauli-coefficient conventions in use differ by only 0.4 %.
#
# The GL curves with the paper's parameters, against the Pauli limit and its Rashba
# ceiling, show that the measured parallel field is three times B_P:

# %%
Tc = PAPER["Tc_K"]
T = np.linspace(0.0, Tc, 300)
B_P = hc2.pauli_limit(Tc, "seed004_1.76")
fig = new_figure(figsize=(6.0, 4.2))
ax = fig.add_subplot()
ax.plot(T, hc2.gl_par_hc2(T, PAPER["Bpar0_T"], Tc), color="tab:red",
        label=f"GL parallel, d_SC = {hc2.d_from_bc2par(xi0, PAPER['Bpar0_T']) * 1e9:.2f} nm")
ax.plot(T, hc2.gl_perp_hc2(T, hc2.bc2perp_from_xi(xi0), Tc), color="tab:blue",
        label=f"GL perpendicular, xi_GL(0) = {PAPER['xi_nm']} nm")
ax.axhline(B_P, color="0.3", ls=":", label=f"Pauli limit B_P = {B_P:.2f} T")
ax.axhline(hc2.rashba_ceiling(B_P), color="0.5", ls="--",
           label=f"strong-Rashba ceiling sqrt(2) B_P = {hc2.rashba_ceiling(B_P):.2f} T")
ax.set_xlabel("T (K)")
ax.set_ylabel("mu0 Hc2 (T)")
ax.set_title("Zhang et al., a-CaZrO3/KTaO3(111):\nGL laws with the paper's numbers")
ax.set_xlim(0, Tc * 1.02)
ax.set_ylim(0, 4.3)
ax.legend(fontsize=8)
show(fig, "paper004_gl_pauli")
