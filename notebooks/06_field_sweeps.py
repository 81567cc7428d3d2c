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
# # 6. Field sweeps: weak antilocalisation on a real gate x field array
#
# The normal-state magnetoconductance of a 2D metal with spin-orbit coupling has a cusp at
# B = 0: weak antilocalisation (WAL). The kind `magnetoconductance` symmetrises R(B), forms
# Delta sigma(B) = 1/R_S(B) - 1/R_S(0) in units of e^2/(pi h) and fits one of four forms
# (`hln_alpha`, `hln_so`, `ilp`, `mf`; docs page "Weak (anti)localisation
# magnetoconductance"), giving the phase-coherence field B_phi (and the spin-orbit field
# B_so), l_phi, and with a diffusion constant tau_phi and tau_so.
#
# The real data: twisted bilayer graphene on WSe2 (device W5 of
# RMpolski/Graphene-Spin-Orbit-Analysis, CC0; `../shared/realdata/tbg_wse2_wal/`, SOURCES.md
# section "tbg_wse2_wal"). Each file is a matrix, not a table: one row per back-gate
# voltage, 251 columns of field from -25 to +25 mT, lock-in voltages at 10 nA. Without the
# shared folder the notebook runs on a simulated curve of the same shape instead.

# %%
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ktoanalysis.io import Measurement
from ktoanalysis.plotting import new_figure, show_figure
from ktoanalysis.transport import analyze
from ktoanalysis.transport.lineshapes import wal_hln_alpha, wal_hln_so, wal_ilp

OUT = Path(os.environ.get("KTO_NOTEBOOK_OUT", "notebook-output")) / "06_field_sweeps"
OUT.mkdir(parents=True, exist_ok=True)
HERE = Path(globals().get("__file__", Path.cwd() / "06_field_sweeps.py")).resolve().parent
SHARED = Path(os.environ.get("KTO_SHARED_DIR", HERE.parent.parent / "shared"))
WAL_DIR = SHARED / "realdata" / "tbg_wse2_wal"
REAL = (WAL_DIR / "W5_10nA_-2Vbg_baseT_39-38.txt").is_file()
print("real data:" if REAL else "real data not found, simulated stand-in:", WAL_DIR)


def show(fig, name: str) -> Path:
    """Save a figure as OUT/name.png and display it (inside Jupyter)."""
    return show_figure(fig, OUT / f"{name}.png")


# %% [markdown]
# ## 6.1 The forms and their limits
#
# `hln_so` interpolates between weak localisation (alpha = +1, B_so -> 0) and
# antilocalisation (alpha = -1/2, B_so >> B_phi); `ilp` (Iordanskii-Lyanda-Geller-Pikus,
# linear Rashba splitting, the series summed exactly) lies above `hln_so` for the same
# B_so: a linear splitting relaxes spins less effectively, and the curve turns back up
# (weak localisation) at fields above B_so.

# %%
b = np.linspace(0, 25e-3, 400)
fig = new_figure(figsize=(6.4, 4.2))
ax = fig.add_subplot()
Bphi = 1e-3
for Bso in (0.0, 1e-3, 5e-3, 1.0):
    ax.plot(b * 1e3, wal_hln_so(b, Bphi, Bso), label=f"hln_so, B_so = {Bso * 1e3:g} mT")
ax.plot(b * 1e3, wal_ilp(b, Bphi, 5e-3), "--", label="ilp (Rashba), B_so = 5 mT")
ax.plot(b * 1e3, wal_hln_alpha(b, Bphi, -0.5), ":", color="k", label="hln_alpha, alpha = -1/2")
ax.set_xlabel("B (mT)")
ax.set_ylabel("Δσ (e²/πh)")
ax.set_title("B_phi = 1 mT")
ax.legend(fontsize=8)
show(fig, "wal_forms")

# %% [markdown]
# ## 6.2 Bringing the matrix files in
#
# The rows are aligned by gate voltage: every file starts at -1.74 V; the base-temperature
# file has one extra row at the bottom (-2.34 V, dropped) and its row 11 (-1.96 V) is an
# aborted sweep (dropped in every file, so the same 29 gate voltages are averaged at all
# temperatures). R = V/10 nA. The row-to-row scatter is the universal conductance
# fluctuation the gate average suppresses: its standard error becomes the error column, and
# its field correlation (autocorrelation of the row deviations, below 1/e) tells the fit
# over how many points the remaining noise is correlated.

# %%
B_T = np.linspace(-25e-3, 25e-3, 251)
LABELS = {"baseT": 0.02, "300mK": 0.3, "500mK": 0.5, "700mK": 0.7, "900mK": 0.9}


def gate_rows(label: str) -> np.ndarray:
    V = np.loadtxt(WAL_DIR / f"W5_10nA_-2Vbg_{label}_39-38.txt")[:30]
    return np.delete(V, 11, axis=0) / 10e-9


def simulated_rows(label: str, rng: np.random.Generator) -> np.ndarray:
    """Stand-in without the shared folder: HLN with B_phi growing with T, 29 noisy rows."""
    T = LABELS[label]
    e2_pih = 1.602176634e-19**2 / (math.pi * 6.62607015e-34)
    sigma = 1 / 555.0 + e2_pih * wal_hln_alpha(B_T, 2.5e-3 * (1 + 2 * T), -4.0)
    return 1 / sigma + rng.normal(0, 0.5, (29, B_T.size))


def correlation_points(rows: np.ndarray) -> int:
    dev = rows - rows.mean(axis=0)
    acf = []
    for d in dev:
        d = d - d.mean()
        c = np.correlate(d, d, "full")[d.size - 1:]
        acf.append(c / c[0] if c[0] > 0 else np.zeros_like(c))
    acf = np.mean(acf, axis=0)
    return max(1, int(np.argmax(acf < math.exp(-1))))


rng = np.random.default_rng(6)
curves = {}
for label in LABELS:
    rows = gate_rows(label) if REAL else simulated_rows(label, rng)
    se = rows.std(axis=0, ddof=1) / math.sqrt(rows.shape[0])
    se = np.maximum(se, 1e-3)
    df = pd.DataFrame({"B_T": B_T, "R_ohm": rows.mean(axis=0), "R_err_ohm": se})
    curves[label] = (Measurement(df, {"source": f"tbg_wse2_wal {label} (gate average)"}),
                     correlation_points(rows) if REAL else 1)
print({k: f"{v[0].data.R_ohm.iloc[125]:.1f} Ohm at B=0, {v[1]} correlated points"
       for k, v in curves.items()})

# %% [markdown]
# ## 6.3 The WAL fit at base temperature
#
# `hln_alpha` without background, the gate-average errors and the correlation length
# (options `error_column`, `noise_correlation_points`). No geometry factor is known, so
# alpha is not a channel count; it also absorbs the positive classical magnetoresistance.
# The same fit from the command line: write the averaged curve as a CSV with columns
# `B (T)`, `R (Ohm)`, `R_err (Ohm)` and run
# `ktoanalysis fit magnetoconductance FILE -o error_column=...`.

# %%
m, k = curves["baseT"]
res = analyze("magnetoconductance", [m], form="hln_alpha", error_column="R_err_ohm",
              noise_correlation_points=k)
print(res.report())
fig = res.plot()
show(fig, "wal_fit_base")

# %% [markdown]
# ## 6.4 B_phi against temperature, and what a free background does
#
# The authors' own fit (their notebook) used tau_phi = 40.5, 21, 10, 5 ps at base, 300,
# 500, 700 mK: B_phi = hbar/(4 e D tau_phi) must grow with T. With a free classical
# c2 B^2 term the 25 mT window cannot separate background and WAL: the verdict says so.

# %%
rows_out = []
for label, (m, k) in curves.items():
    r = analyze("magnetoconductance", [m], form="hln_alpha", error_column="R_err_ohm",
                noise_correlation_points=k)
    r2 = analyze("magnetoconductance", [m], form="hln_alpha", background="b2",
                 error_column="R_err_ohm", noise_correlation_points=k)
    rows_out.append({"T": label, "T_K": LABELS[label], "verdict": r.verdict,
                     "B_phi_mT": 1e3 * r.value("B_phi_T"),
                     "err_mT": 1e3 * r.stderr("B_phi_T"), "alpha": r.value("alpha"),
                     "l_phi_nm": 1e9 * r.value("l_phi_m"),
                     "with_b2_verdict": r2.verdict, "with_b2_flags": ";".join(r2.quality.codes)})
table = pd.DataFrame(rows_out)
print(table.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
assert (table["verdict"] == "ok").all()
assert table["B_phi_mT"].is_monotonic_increasing

fig = new_figure(figsize=(6.0, 4.0))
ax = fig.add_subplot()
ax.errorbar(table["T_K"], table["B_phi_mT"], yerr=table["err_mT"], fmt="o", capsize=3,
            label="hln_alpha, gate average")
ax.set_xlabel("T (K)")
ax.set_ylabel("B_phi (mT)")
ax.set_title("phase-coherence field (base temperature plotted at 20 mK)")
ax.legend(fontsize=8)
show(fig, "wal_bphi_vs_T")

# %% [markdown]
# ## 6.5 Against the authors' processed curves
#
# `Data_array.txt` holds Delta sigma(T) - Delta sigma(900 mK) in e^2/h (their method of
# removing the background), symmetrised and re-centred in B. The same difference from the
# arrays (no re-centring) has the same shape and ordering; its depth is smaller (they
# re-centre B, which deepens the cusp).

# %%
fig = new_figure(figsize=(6.4, 4.4))
ax = fig.add_subplot()
if REAL:
    data = np.loadtxt(WAL_DIR / "Data_array.txt")
    g_h = 1.602176634e-19**2 / 6.62607015e-34

    def dsig(label):
        R = curves[label][0].data.R_ohm.to_numpy()
        Rs = 0.5 * (R[125:] + R[125::-1])
        s = 1 / Rs / g_h
        return s - s[0]

    ref = dsig("900mK")
    for i, label in enumerate(list(LABELS)[:4]):
        Bd, Gd = data[0, 120 * i:120 * (i + 1)], data[1, 120 * i:120 * (i + 1)]
        ours = np.interp(Bd * 1e-3, B_T[125:], dsig(label) - ref)
        line, = ax.plot(Bd, Gd, "-", label=f"{label}: Data_array (authors)")
        ax.plot(Bd, ours, "o", ms=2.5, color=line.get_color(),
                label=f"{label}: this notebook, r = {np.corrcoef(ours, Gd)[0, 1]:.2f}")
    ax.set_ylabel("Δσ(T) − Δσ(900 mK) (e²/h)")
else:
    for label, (m, _) in curves.items():
        ax.plot(m.data.B_T * 1e3, m.data.R_ohm, label=label)
    ax.set_ylabel("R (Ω), simulated stand-in")
ax.set_xlabel("B (mT)")
ax.legend(fontsize=7, ncol=2)
show(fig, "wal_vs_authors")
