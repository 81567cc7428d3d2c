"""Sweep splitting on synthetic loops and on the real PPMS field sweeps."""

import numpy as np
import pandas as pd

from ktoanalysis.transport.sweeps import split_sweeps


def test_split_synthetic_blocks_and_directions():
    rng = np.random.default_rng(1)
    parts = []
    for T in (2.0, 2.1):
        down = np.linspace(1, -1, 41)
        up = np.linspace(-1, 1, 41)
        B = np.concatenate([down, up])
        parts.append(pd.DataFrame({"T_K": T + 1e-3 * rng.standard_normal(B.size),
                                   "B_T": B, "R_ohm": B**2}))
    sweeps = split_sweeps(pd.concat(parts, ignore_index=True))
    assert [s.direction for s in sweeps] == ["down", "up", "down", "up"]
    assert np.allclose([s.by_value for s in sweeps], [2.0, 2.0, 2.1, 2.1], atol=2e-3)
    assert sum(s.x.size for s in sweeps) == 164


def test_split_real_ppms_resistivity(ppms_resistivity):
    from ktoanalysis.io import load

    sweeps = split_sweeps(load(ppms_resistivity), x="B_T", by="T_K")
    # SOURCES.md: one sweep at 2.0 K (-1 -> +1 T), down then up at 2.1, 2.2 and 2.3 K
    assert len(sweeps) == 7
    temps = sorted({round(s.by_value, 1) for s in sweeps})
    assert temps == [2.0, 2.1, 2.2, 2.3]
    assert all(np.ptp(s.x) > 1.9 for s in sweeps)
