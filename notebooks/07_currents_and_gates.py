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
# # 7. Currents and gates: critical currents, and series over gate voltage
#
# Two kinds of data beyond R(T): current sweeps at fixed temperature (the `critical-current`
# kind: switching, retrapping, steps, Ic(T)) and sample series over a gate voltage or a
# polarization state (series-level results of `ktoanalysis batch`).

# %% [markdown]
# ## 7.1 Critical currents: switching, retrapping, steps and Ic(T) (kind `critical-current`)
#
# Seed 002 reports a critical current of 79.1 uA at 1.4 K that "gradually decreases with
# increasing T, eventually vanishing". A current sweep measures more than one number:
# where |I| rises the zero-voltage state *switches* to a resistive one, where it falls it
# is *retrapped* (usually at a lower current: Joule heating), and further voltage steps
# follow at higher currents. `critical-current` reports all of them with error budgets; the
# criterion is set from the measured noise floor (5 sigma_V by default), never a fixed 1 uV.
#
# Below, a PPMS-like bipolar sweep at 3 K is simulated: R jumps from 0 to 7 Ohm at 41 uA
# on the way up, a further step to 12 Ohm at 63 uA, retrapping at 25 uA, 1 uV noise.

# %%
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ktoanalysis import load
from ktoanalysis.io.measurement import Measurement
from ktoanalysis.plotting import show_figure
from ktoanalysis.transport import analyze

OUT_D = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "07_currents_and_gates"
OUT_D.mkdir(parents=True, exist_ok=True)


def sweep(I_sw, I_rt, R1, dI, Imax, rng, sigma=1e-6, steps=()):
    """0 -> +Imax -> 0 -> -Imax -> 0: R = 0 below I_sw (|I| rising) / I_rt (|I| falling),
    R1 above, R_k above each further I_k; V = R(I) I + 3 uV offset + noise."""
    up = np.arange(0.37 * dI, Imax, dI)
    I, V = [], []
    for n, leg in enumerate([up, up[::-1], -up, -up[::-1]]):
        a = np.abs(leg)
        R = np.where(a > (I_sw if n % 2 == 0 else I_rt), R1, 0.0)
        for Ik, Rk in steps:
            R = np.where(a > Ik, Rk, R)
        I.append(leg)
        V.append(np.sign(leg) * R * a)
    I, V = np.concatenate(I), np.concatenate(V)
    return I, V + 3e-6 + sigma * rng.standard_normal(I.size)


rng = np.random.default_rng(13)
I, V = sweep(41e-6, 25e-6, 7.0, 0.5e-6, 80e-6, rng, steps=[(63e-6, 12.0)])
iv3K = analyze("critical-current",
               Measurement(pd.DataFrame({"I_A": I, "V_V": V}), {"source": "IV_3K", "T_K": 3.0}))
print(iv3K.report())
print(pd.DataFrame(iv3K.provenance["steps"])[["branch", "direction", "role", "I_A",
                                               "I_err_A", "dR_ohm", "dR_err_ohm"]])
show_figure(iv3K.plot(figsize=(7, 4.5)), OUT_D / "iv_3K.png")

# %% [markdown]
# A fixed 1 uV criterion on the same curve triggers on the noise: the verdict says so
# (`criterion_in_noise`), and the switching current is either null (the noise is already
# "resistive" at the lowest current) or far below the true 41 uA.

# %%
fixed = analyze("critical-current",
                Measurement(pd.DataFrame({"I_A": I, "V_V": V}), {"source": "IV_3K", "T_K": 3.0}),
                threshold_V=1e-6)
print(fixed.quality.summary(), f"I_switch = {fixed.value('I_switch_A') * 1e6:.1f} uA "
      "(nan: not found)")

# %% [markdown]
# Several temperatures give Ic(T). The switching currents are simulated from the GL form
# Ic = 80 uA (1 - T/1.9 K)^(3/2); the GL, Ambegaokar-Baratoff and free power-law forms are
# fitted and Tc is taken from the form with the lowest AIC.

# %%
curves = []
for T in (0.4, 0.7, 1.0, 1.3, 1.6):
    Ic = 80e-6 * (1 - T / 1.9) ** 1.5
    I, V = sweep(Ic, 0.6 * Ic, 7.0, 0.3e-6, 90e-6, rng)
    curves.append(Measurement(pd.DataFrame({"I_A": I, "V_V": V}),
                              {"source": f"IV_{T}K", "T_K": T}))
icT = analyze("critical-current", curves)
print(icT.options["ic_fits"])
print(f"Tc (GL) = {icT['Tc_gl_K']:.2uS} K (true 1.9 K), selected: "
      f"{icT.options['ic_fits']['selected']}, Tc = {icT['Tc_K']:.2uS} K")
show_figure(icT.plot(figsize=(8, 4.5)), OUT_D / "ic_of_T.png")

# %% [markdown]
# ### The same sweep as a lab file, through the command line
#
# A current sweep saved with unit-bearing headers (`I (uA)`, `V (V)`) is read by `load`
# (converted to SI once, at the edge) and analysed exactly as above; from a shell this is
# `ktoanalysis fit critical-current IV_3K.csv --json`.

# %%
I3, V3 = sweep(41e-6, 25e-6, 7.0, 0.5e-6, 80e-6, np.random.default_rng(13),
               steps=[(63e-6, 12.0)])  # the 3 K sweep of section 7.1 again
csv = OUT_D / "IV_3K.csv"
pd.DataFrame({"T (K)": 3.0, "I (uA)": I3 * 1e6, "V (V)": V3}).to_csv(csv, index=False)
from_file = analyze("critical-current", load(csv))
print(f"I_switch = {from_file['I_switch_A'] * 1e6:.2uS} uA, "
      f"I_retrap = {from_file['I_retrap_A'] * 1e6:.2uS} uA (true 41 and 25 uA)")
assert abs(from_file.value("I_switch_A") - iv3K.value("I_switch_A")) < 1e-10

# %% [markdown]
# ## 7.2 Gate and polarization series (series-level results of `ktoanalysis batch`)
#
# Seed 001 (amorphous LaAlO3/KTaO3(111)) switches Tc and the interface conductance with
# the ferroelectric polarization, with a hysteresis that follows the ferroelectric loop;
# seeds 003 and 004 tune Tc and n2D with a back gate. A series whose manifest rows carry
# a gate voltage (`Vg_V` or `V_G_V`) or a `polarization` label gets series-level results
# in `series/` of the output folder: Tc(V_G), R_s(V_G), n2D(V_G) from the Hall rows, split
# into up and down sweep branches (from the order of V_G in the manifest), the loop width
# and the remanent difference at V_G = 0 of Tc and of the sheet conductance with errors,
# the polarization states, and the Tc-density slope per orientation (seed 004).
#
# The bundled example series holds a simulated gate-swept sample, `KTO111-G`: V_G from
# -120 V up to +120 V and back in 40 V steps, an R(T) cool-down and a Hall sweep at each
# gate voltage, with a hysteretic response P = tanh((V_G - s V_c)/w) (s = +1 up, -1 down),
# so the true loop width is 2 V_c for Tc, conductance and density alike.

# %%
import json
import os
import tomllib
from pathlib import Path

from ktoanalysis._data import data_path
from ktoanalysis.batch import parse_rows, run_series
from ktoanalysis.compare.series import analyze_series
from ktoanalysis.compare.series_plots import plot_gate_series, plot_tc_density
from ktoanalysis.plotting import show_figure

OUT_S = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "07_currents_and_gates"
OUT_S.mkdir(parents=True, exist_ok=True)
manifest = data_path("example_series", "manifest.toml")
truth = json.loads(data_path("example_series", "truth.json").read_text())
# the gate and polarization rows of the example manifest (the others are in notebook 5)
rows = [r for r in tomllib.loads(manifest.read_text())["run"]
        if r["sample"] in ("KTO111-G", "KTO111-P")]
series = run_series(parse_rows(rows, base_dir=manifest.parent), OUT_S / "gate_batch", plots=False)
print(series.n_ok, "rows;", sorted(p.name for p in (OUT_S / "gate_batch" / "series").iterdir()))

# %% [markdown]
# The points (`series/series.csv`): one line per gate voltage with its sweep branch, Tc,
# the sheet resistance and conductance, and n2D from the Hall row of the same gate
# voltage and branch.

# %%
an = analyze_series(series.results)  # the same analysis the batch wrote to series/
an.points[["Vg_V", "branch", "Tc_K", "Tc_K_err", "R_s_ohm", "n2d_cm2", "n2d_source"]]

# %% [markdown]
# Loop width and remanent difference, each with its statistical and sampling (gate-step)
# parts, against the closed-form truths of the simulation:

# %%
t = truth["KTO111-G/series"]
(gate,) = an.gate
for q, name in (("Tc_K", "Tc_remanent_diff_K"), ("G_s_S", "G_s_remanent_diff_S")):
    h = gate["hysteresis"][q]
    print(f"{q}: loop width {h['loop_width_V']:.1f} +/- {h['loop_width_V_err']:.1f} V "
          f"(stat {h['loop_width_V_stat']:.2f}, sampling {h['loop_width_V_sampling']:.2f}; "
          f"true {t['loop_width_V']:.0f} V); remanent difference {h['remanent_diff']:.4g} "
          f"+/- {h['remanent_diff_err']:.2g} (true {t[name]:.4g})")
sl = gate["tc_density_slope"]
print(f"dTc/dn2D = {sl['slope_K_cm2']:.4g} +/- {sl['slope_K_cm2_err']:.2g} K cm^2 "
      f"(true {t['tc_density_slope_K_cm2']:.3g})")
c = an.polarization[0]["contrast"]
print(f"polarization {c['to']} vs {c['from']}: Tc {c['Tc_diff_K']:+.3f} +/- "
      f"{c['Tc_diff_K_err']:.1g} K, conductance ratio {c['G_s_ratio']:.3f} +/- "
      f"{c['G_s_ratio_err']:.1g}")

# %%
show_figure(plot_gate_series(an, "KTO111-G"), OUT_S / "gate_KTO111-G.png")

# %%
show_figure(plot_tc_density(an), OUT_S / "tc_n2d.png")

# %% [markdown]
# A gate swept one way only has no loop: the loop width and the remanent difference are
# `None` with the flag `single_branch`, never a number. The same holds for a remanent
# difference at a V_G outside the swept range (`ref_outside_range`) and a branch that never
# crosses the half-way level (`no_crossing`).

# %%
up_only = series.results[series.results["row"] <= 14]  # the up sweep (tc and hall rows)
h = analyze_series(up_only).gate[0]["hysteresis"]["Tc_K"]
print(h["loop_width_V"], h["remanent_diff"], [f["code"] for f in h["flags"]])
