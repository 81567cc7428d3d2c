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
# # 4. Pairing theory: Fermi surfaces, gap anisotropy, lambda and Table III
#
# M. R. Norman, "Superconductivity from the Slater mode: Application to KTaO3
# heterostructures" (2026) proposes that electrons at KTaO3 interfaces pair by exchanging
# the soft transverse-optical phonon TO1 (the Slater mode) through a **dynamic Rashba**
# coupling: the polar displacement of the mode modulates the inversion-breaking hopping
# between Ta t2g orbitals. The ingredients, all in `ktoanalysis.theory`:
#
# * a bilayer t2g tight-binding model of the (111) or (001) interface (Table I; `TB1` with
#   primary hopping only, `TB2` from ab-initio fits), whose chemical potential mu is set by
#   the sheet density n2D (`mu_for_density`);
# * the dynamic Rashba vertex (Table II) and the Vaks dispersion of the TO1 energy
#   omega(q) with its zone-centre value omega(0) (5.6 meV at 1e14 cm^-2, 2.5 meV in bulk);
# * the linearised gap equation on the Fermi surface (Eq. 3), whose largest eigenvalue is
#   the BCS coupling constant lambda and whose eigenvector is the gap Delta_nk.
#
# The angular step of the Fermi-surface grid is the main cost. The paper uses 1 degree;
# with the environment variable `KTO_NOTEBOOK_FAST=1` this notebook uses 5 degrees and
# only a few Table III rows (the lambda values then move by up to a few percent).

# %%
import os
from pathlib import Path

import numpy as np

from ktoanalysis.plotting import new_figure, show_figure
from ktoanalysis.theory import (
    compute_table3,
    make_model,
    mu_for_density,
    prepare_pairing,
    sweep_omega0,
    tc_from_lambda,
)
from ktoanalysis.theory import paper_values as pv
from ktoanalysis.theory.plots_bands import dynamic_rashba_t0, plot_fermi_surface
from ktoanalysis.theory.plots_pairing import plot_gap, plot_kernel_vs_angle

FAST = os.environ.get("KTO_NOTEBOOK_FAST", "0") not in ("", "0", "false", "False")
DPHI_DEG = 5.0 if FAST else 1.0      # angular step of the Fermi-surface grid (deg)
OUT = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "04_pairing_theory"
OUT.mkdir(parents=True, exist_ok=True)


def show(fig, name: str) -> Path:
    """Save a figure as OUT/name.png and display it (inside Jupyter)."""
    return show_figure(fig, OUT / f"{name}.png")


print(f"FAST = {FAST}: angular step {DPHI_DEG} deg")
print("paper:", pv.PAPER)

# %% [markdown]
# ## 4.1 Fermi surfaces of the (111) bilayer (Fig. 1)
#
# TB1 at n2D = 1e14 cm^-2. The chemical potential solved for this density is compared with
# Table I of the paper. The left panel uses the small static Rashba term (t0 = 2 meV) that
# lifts the Kramers degeneracy; the right panel replaces it by the dynamic value
# 48.8/sqrt3 meV at the same mu, as in Fig. 1b, to show how strongly the TO1 displacement
# splits the bands.

# %%
model_111 = make_model("111", "TB1")
mu_111 = float(mu_for_density(model_111, 1e14))
print(f"mu(111, TB1, 1e14 cm^-2) = {mu_111:.5f} eV; Table I: {pv.TABLE_I_MU[('111', 'TB1')]} eV")
fig = plot_fermi_surface(model_111, mu_111, dynamic_rashba_eV=dynamic_rashba_t0("111"),
                         dphi_deg=1.0)
show(fig, "fig1_fermi_surface_111_TB1")

# %% [markdown]
# The outer sheets (bands 1 and 2) form the pronounced **six-pointed star** seen by ARPES
# on KTaO3(111), with its points along the Gamma-M directions and indentations along
# Gamma-K; the inner sheets (bands 3 and 4) are nearly round. With the dynamic Rashba
# coupling the pairs of sheets split strongly. (The Fermi
# contour itself is cheap, so it is always drawn at 1 degree.)
#
# ## 4.2 Pairing kernel and gap anisotropy (Figs. 2 and 5)
#
# `prepare_pairing` computes the Fermi points on the irreducible wedge (30 degrees for 111),
# their eigenvectors and the vertex matrix elements |<nk|V_R|n'k'>|^2 once; `problem.solve`
# then adds the phonon propagator for a given omega(0) and dispersion
# (`"vaks"`: omega(q) dispersive; `"none"`: omega(q) = omega(0)) and solves the gap
# equation. The kernel (Eq. 4) against the scattering angle phi' - phi is peaked at forward
# scattering and, with the dispersion, suppressed at large momentum transfer, where the
# TO1 phonon stiffens:

# %%
problem_111 = prepare_pairing(model_111, n2d_cm2=1e14, dphi_deg=DPHI_DEG)
show(plot_kernel_vs_angle(problem_111, sheets=(0, 2), omega0_meV=5.6), "fig2_kernel_111_TB1")

# %%
gap_vaks = problem_111.solve(5.6, "vaks")
gap_none = problem_111.solve(5.6, "none")
for res in (gap_vaks, gap_none):
    dnk = res.delta_nk
    spread = [f"{np.nanmin(d):.2f}-{np.nanmax(d):.2f}" for d in dnk]
    print(f"dispersion {res.dispersion:<5} lambda = {res.lam:.4f}; Delta_nk range per band: "
          f"{spread}")
show(plot_gap([gap_vaks, gap_none]), "fig5_gap_111_TB1")

# %% [markdown]
# The gap Delta_nk (normalised to its maximum) differs between the sheets and varies
# along each sheet; the anisotropy is strongest on the outer star-shaped sheet (band 1),
# whose gap falls by a third from Gamma-K (phi = 0) to Gamma-M (phi = 30 deg) when the
# dispersion is included.
# Ignoring the phonon dispersion (right) triples lambda, because the full phonon
# softness then acts at every momentum transfer.
#
# ## 4.3 lambda versus omega(0) (Fig. 11)
#
# Without dispersion, Eq. 3 gives lambda ~ 1/omega(0)^2. With the Vaks dispersion only the
# small-q part of omega(q) moves with omega(0), so the phenomenological expectation
# lambda ~ t0^2/[omega(0) omega(2k_F)] gives lambda ~ 1/omega(0): lambda * omega(0) should be
# nearly constant. Fig. 11 of the paper shows this for the 111 TB2 model.

# %%
omegas = np.array([2.5, 3.5, 5.6, 8.0] if FAST else [2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 5.6, 7.0,
                                                   8.0, 10.0])
sweep = sweep_omega0("111", "TB2", omegas, dphi_deg=DPHI_DEG)
print(sweep[["dispersion", "omega0_meV", "lambda", "lambda_x_omega0_meV"]].round(4)
      .to_string(index=False))

fig = new_figure(figsize=(9.0, 3.8))
ax1, ax2 = fig.subplots(1, 2)
for disp, sub in sweep.groupby("dispersion"):
    sub = sub.sort_values("omega0_meV")
    lab = "omega(q) (Vaks)" if disp == "vaks" else "omega(q) = omega(0)"
    ax1.loglog(sub["omega0_meV"], sub["lambda"], "o-", label=lab)
    ax2.plot(sub["omega0_meV"], sub["lambda_x_omega0_meV"], "o-", label=lab)
w = np.linspace(omegas.min(), omegas.max(), 50)
vaks = sweep[sweep["dispersion"] == "vaks"]
C = float(np.mean(vaks["lambda_x_omega0_meV"]))
ax1.loglog(w, C / w, "k:", label=f"{C:.3f} meV / omega(0)")
ax1.set_xlabel("omega(0) (meV)")
ax1.set_ylabel("lambda")
ax1.set_title("111 TB2, n2D = 1e14 cm^-2")
ax1.legend(fontsize=8)
ax2.set_xlabel("omega(0) (meV)")
ax2.set_ylabel("lambda x omega(0) (meV)")
ax2.set_title("constant for lambda ~ 1/omega(0)")
ax2.legend(fontsize=8)
show(fig, "fig11_lambda_vs_omega0_111_TB2")

# %% [markdown]
# With the dispersion lambda * omega(0) stays constant within a few percent (lambda ~
# 1/omega(0)), while without it lambda * omega(0) itself falls as 1/omega(0)
# (lambda ~ 1/omega(0)^2): the paper's conclusion.
#
# ## 4.4 Table III: lambda for every case, computed against the paper

# %%
cases = [("111", "TB1"), ("001", "TB2")] if FAST else None   # None: all four cases
table = compute_table3(dphi_deg=DPHI_DEG, cases=cases)
show_cols = ["orientation", "tb", "omega0_meV", "dispersion", "lambda", "lambda_paper",
             "rel_err", "rel_tol", "within_tol"]
print(table[show_cols].to_string(index=False, float_format=lambda x: f"{x:.4g}"))
if not FAST:
    assert table["within_tol"].all()

# %%
fig = new_figure(figsize=(7.0, 4.0))
ax = fig.add_subplot()
labels = [f"{r.orientation} {r.tb}\n{r.omega0_meV:g} meV\n{r.dispersion}"
          for r in table.itertuples()]
x = np.arange(len(table))
ax.bar(x - 0.2, table["lambda_paper"], 0.4, label="paper (Table III)")
ax.bar(x + 0.2, table["lambda"], 0.4, label=f"computed, dphi = {DPHI_DEG:g} deg")
ax.set_yscale("log")
ax.set_xticks(x, labels, fontsize=7)
ax.set_ylabel("lambda")
ax.set_title("BCS coupling constant, n2D = 1e14 cm^-2")
ax.legend(fontsize=8)
show(fig, "table3_computed_vs_paper")

# %% [markdown]
# At the paper's 1 degree grid (run without `KTO_NOTEBOOK_FAST`) the 111 rows and the
# 001 TB2 rows agree within about 1 %; the 001 TB1 rows come out 6-10 % low, a known
# shortfall of the adopted tight-binding model for that case (the tolerances are in
# `paper_values.TABLE_III_TOLERANCE`). The (001)
# coupling is one to two orders of magnitude weaker than the (111) one, the paper's
# explanation of why (001) interfaces superconduct at much lower temperatures.
#
# What Tc does such a lambda give? The weak-coupling BCS formula
# Tc = 1.134 omega_c exp(-1/lambda) with omega_c = omega(0) (`tc_from_lambda`):

# %%
for _, r in table[table["dispersion"] == "vaks"].iterrows():
    print(f"{r['orientation']} {r['tb']} omega(0) = {r['omega0_meV']} meV: "
          f"lambda = {r['lambda']:.4f} -> "
          f"Tc(BCS) = {float(tc_from_lambda(r['lambda'], r['omega0_meV'])):.3g} K")

# %% [markdown]
# These weak-coupling Tc values are far below the measured 0.3-2 K of (111) interfaces:
# with the paper's vertex only the largest couplings (no dispersion, soft omega(0)) give a
# measurable Tc. Notebook 5 compares the lambda that each measured Tc needs with the
# theory's lambda(n2D).
