"""Execute the worked-example notebooks (jupytext py:percent sources in ``notebooks/``).

Each notebook runs as a plain script (``runpy``; no Jupyter kernel needed) in a temporary
working directory with ``KTO_NOTEBOOK_FAST=1`` (coarse angular grids, few Table III rows)
and ``KTO_NOTEBOOK_OUT`` pointing into the temporary directory. A failing cell, a warning
(pytest turns warnings into errors) or a failed check inside a notebook fails the test.
The notebooks' own assertions compare their results with independent values: the truth the
example series was simulated with (``data/example_series/truth.json``), the published
numbers of Zhang et al. 2025 (paper file 004_5aba75fef312435d.txt: xi_GL(0) = 61.63 nm,
d_SC = 4.63 nm, Pauli limit 1.24 T, Table 1 barriers) and Table III of Norman 2026
(000_e0c07c0645395619.txt).
"""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))

#: figures every notebook must write (PNG names under KTO_NOTEBOOK_OUT/<notebook>/)
EXPECTED_FIGURES: dict[str, tuple[str, ...]] = {
    "01_loading_and_rt": ("qd_file", "rt_tc", "rt_bkt_bcg", "iv_alpha", "summary_vs_truth"),
    "02_hc2_pauli": ("tinkham_vs_gl_closed_form", "hc2_angle_fit", "hc2_temperature_fit",
                     "paper004_gl_pauli"),
    "03_phase_slips_mr": ("taps_table1", "taps_vs_qps", "butterfly_mr"),
    "04_pairing_theory": ("fig1_fermi_surface_111_TB1", "fig2_kernel_111_TB1",
                          "fig5_gap_111_TB1", "fig11_lambda_vs_omega0_111_TB2",
                          "table3_computed_vs_paper"),
    "05_sample_series": ("series_vs_truth", "overlay_tc_vs_density"),
    "06_field_sweeps": ("wal_forms", "wal_fit_base", "wal_bphi_vs_T", "wal_vs_authors",
                        "shifted_window_loop", "critical_field", "reentrant_rt_map",
                        "reentrant_rb_map"),
    "07_currents_and_gates": ("iv_3K", "ic_of_T", "gate_KTO111-G", "tc_n2d"),
}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 10_000   # a blank figure of this size is ~5 kB; real plots are 30-300 kB


def test_every_notebook_is_listed() -> None:
    """The expected-figure table covers exactly the notebooks present."""
    assert {p.stem for p in NOTEBOOKS} == set(EXPECTED_FIGURES)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_jupytext_percent(notebook: Path) -> None:
    """Header of a jupytext py:percent file, markdown and code cells."""
    text = notebook.read_text(encoding="utf-8")
    assert text.startswith("# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent")
    assert "\n# %% [markdown]\n" in text
    jupytext = pytest.importorskip("jupytext")
    nb = jupytext.read(notebook)
    kinds = {cell.cell_type for cell in nb.cells}
    assert kinds == {"markdown", "code"}
    assert len(nb.cells) >= 8


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_writes_figures(notebook: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    out = tmp_path / "out"
    monkeypatch.chdir(work)
    monkeypatch.setenv("KTO_NOTEBOOK_FAST", "1")
    monkeypatch.setenv("KTO_NOTEBOOK_OUT", str(out))
    monkeypatch.setenv("MPLBACKEND", "Agg")

    runpy.run_path(str(notebook), run_name="__main__")

    folder = out / notebook.stem
    for name in EXPECTED_FIGURES[notebook.stem]:
        png = folder / f"{name}.png"
        assert png.is_file(), f"{notebook.name} did not write {png.name}"
        data = png.read_bytes()
        assert data[:8] == PNG_MAGIC, f"{png} is not a PNG file"
        assert len(data) > MIN_PNG_BYTES, f"{png} is only {len(data)} bytes"
    # nothing is written into the working directory (the default output folder is unused)
    assert list(work.iterdir()) == []
