"""Eq. 3 of Norman 2026 (file 000_e0c07c0645395619.txt): Table III, exact scaling laws and
the qualitative statements of the paper."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ktoanalysis.errors import TheoryError
from ktoanalysis.theory import paper_values
from ktoanalysis.theory.models import make_model
from ktoanalysis.theory.pairing import compute_lambda, kernel_sums, prepare_pairing
from ktoanalysis.theory.phonon import omega0_from_density_meV, omega_to1_meV
from ktoanalysis.theory.sweep import compute_table3, sweep_omega0


@pytest.fixture(scope="module")
def problems():
    cache = {}

    def get(orientation, tb, dphi, quadrature="trapezoid"):
        key = (orientation, tb, dphi, quadrature)
        if key not in cache:
            cache[key] = prepare_pairing(make_model(orientation, tb), n2d_cm2=1e14,
                                         dphi_deg=dphi, quadrature=quadrature)
        return cache[key]
    return get


def _rows(orientation, tb):
    return [r for r in paper_values.TABLE_III if r[0] == orientation and r[1] == tb]


@pytest.mark.parametrize("orientation,tb", [("111", "TB1"), ("001", "TB2")])
@pytest.mark.parametrize("quadrature", ["paper", "trapezoid"])
def test_table_iii_subset(problems, orientation, tb, quadrature):
    """Norman 2026 Table III at the paper's 1 deg step, with the paper's weights (uniform
    per angle, wedge ends at full weight) and with the default converged trapezoid rule
    (two of the four models here; all sixteen rows under the slow marker)."""
    prob = problems(orientation, tb, 1.0, quadrature)
    tol = paper_values.TABLE_III_TOLERANCE[(orientation, tb)]
    for _, _, w0, disp, lam_paper in _rows(orientation, tb):
        lam = prob.solve(w0, disp).lam
        assert lam == pytest.approx(lam_paper, rel=tol), (orientation, tb, w0, disp)


@pytest.mark.slow
@pytest.mark.parametrize("quadrature", ["paper", "trapezoid"])
def test_table_iii_full(quadrature):
    df = compute_table3(dphi_deg=1.0, quadrature=quadrature, measure="angle")
    assert len(df) == 16
    bad = df[~df.within_tol]
    assert bad.empty, bad.to_string()


def test_001_tb1_single_scale_factor():
    """(001) TB1: the four Table III rows are 6-10 % low, and one common scale factor
    of about 1.10 reproduces all four within the paper's rounding (each printed value v
    with its last digit d stands for [v - d/2, v + d/2)); the ratios between the rows
    therefore match the paper, which is the evidence behind the 12 % tolerance."""
    df = compute_table3(dphi_deg=3.0, cases=[("001", "TB1")])
    lo, hi = 0.0, np.inf
    for _, r in df.iterrows():
        half = 0.5e-4  # every 001/TB1 entry is printed to 4 decimals (0.0009 ... 0.0075)
        lo = max(lo, (r.lambda_paper - half) / r["lambda"])
        hi = min(hi, (r.lambda_paper + half) / r["lambda"])
        assert -0.11 < r.rel_err < -0.05, r.to_dict()
    assert lo < hi, (lo, hi)           # one factor fits all four rows
    assert 1.09 < lo < hi < 1.12, (lo, hi)  # about 1.10


def test_matrix_sizes_at_one_degree(problems):
    """Norman 2026 Methods: secular matrices of size 124 (111) and 184 (001) at 1 deg."""
    assert problems("111", "TB1", 1.0).solve(5.6).coupling.shape == (124, 124)
    assert problems("001", "TB2", 1.0).solve(5.6).coupling.shape == (184, 184)


@pytest.mark.parametrize("orientation,tb", [("111", "TB2"), ("001", "TB1")])
def test_no_dispersion_scales_as_inverse_omega0_squared(problems, orientation, tb):
    prob = problems(orientation, tb, 5.0)
    ratio = prob.solve(2.5, "none").lam / prob.solve(5.6, "none").lam
    assert ratio == pytest.approx((5.6 / 2.5) ** 2, rel=5e-3)


def test_lambda_scales_as_t0_squared():
    kw = dict(n2d_cm2=1e14, dphi_deg=5.0)
    model = make_model("111", "TB1")
    full = prepare_pairing(model, **kw).solve(5.6, "vaks").lam
    half = prepare_pairing(model, vertex_t0_eV=0.0244, **kw).solve(5.6, "vaks").lam
    assert half / full == pytest.approx(0.25, rel=1e-10)


def test_fig11_lambda_times_omega0_nearly_constant(problems):
    """Norman 2026 Fig. 11 (111, TB2): with dispersion lambda ~ 1/omega(0)."""
    df = sweep_omega0("111", "TB2", [2.5, 3.0, 4.0, 5.6, 7.0], dispersion="vaks",
                      problem=problems("111", "TB2", 3.0))
    prod = df["lambda_x_omega0_meV"].to_numpy()
    assert (prod.max() - prod.min()) / prod.mean() < 0.05


def test_qualitative_statements(problems):
    """Table III: lambda_111 >> lambda_001, TB2 < TB1 for 111, dispersion lowers lambda."""
    lam = {(o, tb): problems(o, tb, 5.0).solve(5.6, "vaks").lam
           for o, tb in [("111", "TB1"), ("111", "TB2"), ("001", "TB1"), ("001", "TB2")]}
    assert min(lam[("111", "TB1")], lam[("111", "TB2")]) > 10 * max(lam[("001", "TB1")],
                                                                        lam[("001", "TB2")])
    assert lam[("111", "TB2")] < lam[("111", "TB1")]
    prob = problems("001", "TB1", 5.0)
    assert prob.solve(5.6, "vaks").lam < prob.solve(5.6, "none").lam


def test_gap_is_nodeless_s_wave(problems):
    """K >= 0 elementwise, so the leading gap has one sign (Perron-Frobenius)."""
    res = problems("111", "TB1", 5.0).solve(5.6)
    assert np.all(res.coupling >= -1e-15)
    assert np.all(res.delta > 0) and res.delta.max() == pytest.approx(1.0)
    assert res.eigenvalues[0] == pytest.approx(res.lam) and res.eigenvalues[1] < res.lam


def test_eq4_forward_peak_and_back_scattering_suppression(problems):
    """Fig. 2: the kernel peaks near forward scattering and is suppressed at 180 deg; Fig. 3:
    omega(q=0) = omega(0)."""
    prob = problems("111", "TB1", 5.0)
    d = prob.kernel_vs_angle(0, 0.0, 5.6, "vaks")
    assert d["omega_meV"][0] == pytest.approx(5.6, rel=1e-12)
    back = np.argmin(np.abs(d["dphi_deg"] - 180.0))
    assert d["kernel_eV"][back] < 1e-2 * d["kernel_eV"].max()
    assert d["kernel_eV"][0] == pytest.approx(d["kernel_eV"].max(), rel=1e-12)


def test_eq5_sums_reproduce_kernel_row_sums(problems):
    res = problems("001", "TB2", 5.0).solve(5.6)
    F = kernel_sums(res, partial=True)
    total = (res.kernel_eV * (res.dos[res.sheet] * res.weights)[None, :]).sum(axis=1)
    for i in range(res.band.size):
        assert F[res.sheet[i], :, res.iphi[i]].sum() == pytest.approx(total[i], rel=1e-12)


def test_compute_lambda_api_auto_omega0():
    res = compute_lambda("001", "TB2", omega0_meV="auto", dphi_deg=5.0, n2d_cm2=1e14)
    assert res.omega0_meV == pytest.approx(omega0_from_density_meV(1e14), rel=1e-12)
    d = json.loads(json.dumps(res.to_dict(arrays=True)))
    assert d["lambda"] == pytest.approx(res.lam) and len(d["delta_nk"]) == 4
    assert d["options"]["dispersion"] == "vaks" and d["options"]["dphi_deg"] == 5.0
    # omega(2kF) is above omega(0)
    assert omega_to1_meV(0.1, res.omega0_meV) > res.omega0_meV


def test_bad_input(problems):
    prob = problems("001", "TB2", 5.0)
    with pytest.raises(TheoryError):
        prob.solve(-1.0)
    with pytest.raises(TheoryError):
        prob.solve("soft")
    with pytest.raises(TheoryError):
        prob.solve(5.6, "debye")
    with pytest.raises(TheoryError):
        compute_lambda("111", "TB1", n2d_cm2=-1e14)
    with pytest.raises(TheoryError):
        compute_lambda("111", "TB1", dphi_deg=0.0)
