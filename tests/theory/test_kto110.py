"""The (110) bilayer model (extension of Norman 2026, no published reference value): limits.

Independent truths: the cubic t2g nearest-neighbour dispersion written here, the 2-site
chain (a bilayer is the k_perp = pi/3, 2 pi/3 standing-wave pair of the bulk band), the
point group C2v of a (110) interface, Kramers' theorem, and the paper's introduction
(Norman 2026, 000_*.txt, par. 3: "For 110, the xy state is split to a higher energy via
quantum confinement at the interface, whereas for 001, the xz and yz states are split off
... the t2g ground state degeneracy goes from 3 to 2 to 1").
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from ktoanalysis.theory import lattice
from ktoanalysis.theory.models import make_model

S2 = math.sqrt(2.0)


def _bulk_t2g(kc: np.ndarray, t: float, tp: float) -> np.ndarray:
    """Cubic nearest-neighbour t2g bands (yz, xz, xy) at cubic k (..., 3), a = 1:
    orbital c has -2 t' cos(k_c) (delta bond along c) and -2 t cos(k_a) for a != c."""
    c = np.cos(kc)
    tot = c.sum(axis=-1, keepdims=True)
    return -2.0 * t * (tot - c) - 2.0 * tp * c


def test_bulk_dispersion_recovered_without_confinement():
    """No spin-orbit, no Rashba, nearest neighbours only (TB1 with xi = 0): every orbital
    of the bilayer gives two levels h0 +- |h1| = the centre of the bulk band along the
    layer normal +- a quarter of its width (the bulk band is h0 + 2|h1| cos(q + phase))."""
    t, tp = 1.0, 0.3  # tp != 0 so that the three orbitals differ
    m = make_model("110", "TB1", xi_so=0.0, rashba_static_eV=0.0, tp=tp)
    rng = np.random.default_rng(11)
    k2 = rng.uniform(-2.5, 2.5, size=(12, 2))
    F = lattice.in_plane_frame("110")  # columns: cubic (0,0,1) and (1,-1,0)/sqrt2
    n_hat = np.array([1.0, 1.0, 0.0]) / S2
    d = 1.0 / S2  # (110) layer spacing, a
    q = np.arange(16) * (2 * math.pi / d) / 16  # one period of k_perp, uniform
    E_bilayer = m.energies(k2)  # (12 k, 12 levels), spin degenerate
    for i, k in enumerate(k2):
        kc = (F @ k)[None, :] + q[:, None] * n_hat[None, :]
        Eb = _bulk_t2g(kc, t, tp)  # (nq, 3) = h0 + 2 |h1| cos(q d + phase)
        centre = Eb.mean(axis=0)
        c1 = np.mean(Eb * np.exp(-1j * q * d)[:, None], axis=0)  # = |h1| e^{i phase}
        quarter = np.abs(c1)  # a quarter of the band width 4 |h1|
        expect = np.sort(np.repeat(np.concatenate([centre - quarter, centre + quarter]), 2))
        assert np.allclose(E_bilayer[i], expect, atol=1e-9)


def test_point_group_is_c2v():
    """E(g k) = E(k) for the four operations of C2v (with time reversal: kx -> -kx,
    ky -> -ky and k -> -k), and NOT for the 90 degree rotation (no C4 for (110))."""
    m = make_model("110", "TB2", rashba_static_eV=0.05)
    ops = lattice.symmetry_ops("110")
    expect = [np.eye(2), -np.eye(2), np.diag([-1.0, 1.0]), np.diag([1.0, -1.0])]
    assert len(ops) == 4
    for g in expect:
        assert any(np.allclose(g, o) for o in ops)
    rng = np.random.default_rng(5)
    k = rng.uniform(-2, 2, size=(20, 2))
    E = m.energies(k)
    for g in expect:
        assert np.max(np.abs(m.energies(k @ g.T) - E)) < 1e-12
    r90 = lattice.rotation(90.0)
    assert np.max(np.abs(m.energies(k @ r90.T) - E)) > 1e-3
    # the zone is the rectangle of the (110) cell: |Gamma-X| = pi, |Gamma-Y| = pi/sqrt2
    B = lattice.reciprocal_vectors("110")
    assert sorted(np.linalg.norm(B, axis=1)) == pytest.approx([math.pi * S2, 2 * math.pi])


def test_kramers_degeneracy():
    """Rashba splits the bands at general k but E(k) = E(-k) (time reversal) and every
    level stays doubly degenerate at the four time-reversal-invariant momenta."""
    m = make_model("110", "TB2", rashba_static_eV=0.05)
    rng = np.random.default_rng(6)
    k = rng.uniform(-2, 2, size=(20, 2))
    assert np.max(np.abs(m.energies(-k) - m.energies(k))) < 1e-12
    trim = np.array([[0.0, 0.0], [math.pi, 0.0], [0.0, math.pi / S2], [math.pi, math.pi / S2]])
    E = m.energies(trim)
    assert np.max(np.abs(E[:, 0::2] - E[:, 1::2])) < 1e-10
    split = m.energies(k)[:, 1] - m.energies(k)[:, 0]
    assert np.median(split) > 1e-4


def _lowest_per_orbital(o: str, tb: str) -> np.ndarray:
    """Lowest level at Gamma of each orbital (yz, xz, xy), no spin-orbit, no Rashba."""
    m = make_model(o, tb, xi_so=0.0, rashba_static_eV=0.0)
    E, U = m.bands(np.zeros(2))
    w = (np.abs(U) ** 2).reshape(2, 3, 2, 12).sum(axis=(0, 2))  # (orbital, level)
    return np.array([E[w[c] > 0.5].min() for c in range(3)])


def test_xy_split_off_by_confinement():
    """Nearest-neighbour model (TB1, the paper's primary model), no spin-orbit: the number
    of t2g orbitals in the lowest level at Gamma is 3 (111), 2 (110: yz, xz; xy pushed up
    by the confinement) and 1 (001: xy; yz, xz pushed up), the paper's "ground state
    degeneracy goes from 3 to 2 to 1". With the DFT hoppings (TB2) the (110) xy level
    still lies above the yz/xz one (by t - t' + ... = 0.5 eV) and the (001) xy below."""
    count = {}
    for o in ("111", "110", "001"):
        low = _lowest_per_orbital(o, "TB1")
        count[o] = int(np.count_nonzero(np.abs(low - low.min()) < 1e-9))
        if o == "110":
            assert low[2] - low[:2].max() == pytest.approx(1.0)  # t - t' = 1 eV in TB1
    assert count == {"111": 3, "110": 2, "001": 1}
    for o, sign in (("110", 1.0), ("001", -1.0)):
        m = make_model(o, "TB2", xi_so=0.0, rashba_static_eV=0.0)
        E, U = m.bands(np.zeros(2))
        xy = (np.abs(U) ** 2).reshape(2, 3, 2, 12)[:, 2].sum(axis=(0, 1))
        e_xy = E[xy > 0.99].min()
        e_other = E[xy < 0.01].min()  # yz/xz (mixed by the off-diagonal NNN hopping)
        assert sign * (e_xy - e_other) > 0.3


def test_110_through_the_cli(tmp_path):
    """theory mu and sweep run for (110) from 2e13 to 2e14 cm^-2 (rays below the density
    where the sheets open, contours above), are labelled as having no reference value,
    and refuse beyond the stated model limit (one electron per cell, 4.4e14 cm^-2)."""
    import json

    import pandas as pd
    from typer.testing import CliRunner

    from ktoanalysis.cli import app
    from ktoanalysis.errors import TheoryError

    runner = CliRunner()
    for n2d in ("2e13", "2e14"):  # default options: the (110) defaults are auto/dos
        r = runner.invoke(app, ["theory", "mu", "--orientation", "110", "--tb", "TB1",
                                "--n2d", n2d, "--json"])
        assert r.exit_code == 0, r.output
        d = json.loads(r.output)
        assert "no published reference value" in d["reference"]
        assert d["n2d_max_cm2"] == pytest.approx(1 / (S2 * (3.9885e-8) ** 2), rel=1e-9)
    r = runner.invoke(app, ["theory", "mu", "--orientation", "110", "--n2d", "5e14"])
    assert isinstance(r.exception, TheoryError) and "highest density" in str(r.exception)
    out = tmp_path / "s.csv"
    r = runner.invoke(app, ["theory", "sweep", "--orientation", "110", "--tb", "TB2",
                            "--n2d", "2e13,2e14", "--dphi-deg", "5", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "no published reference value" in r.output
    df = pd.read_csv(out)
    assert list(df["status"]) == ["ok", "ok"] and list(df["method"]) == ["rays", "contour"]
    assert list(df["measure"]) == ["dos", "dos"]  # one measure along the whole sweep
    assert (df["lambda"] > 0).all()
    r = runner.invoke(app, ["theory", "lambda", "--orientation", "110", "--tb", "TB2",
                            "--n2d", "2e14", "--dphi-deg", "5", "--json"])
    assert r.exit_code == 0, r.output
    assert "no published reference value" in r.output


