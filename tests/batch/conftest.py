"""Simulated sample series for the batch tests: R(T) CSV files with a known Tc."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

#: simulation constants: normal-state resistance, transition half-width, noise (1 sigma)
R_N_OHM = 500.0
WIDTH_K = 0.05
NOISE_OHM = 1.0


def write_rt(path: Path, Tc_K: float, seed: int, n: int = 120) -> Path:
    """R(T) = R_N/2 (1 + tanh((T - Tc)/w)) + noise, so that R(Tc) = R_N/2 exactly."""
    rng = np.random.default_rng(seed)
    T = np.linspace(0.3, 2.5, n)
    R = 0.5 * R_N_OHM * (1 + np.tanh((T - Tc_K) / WIDTH_K)) + rng.normal(0, NOISE_OHM, n)
    lines = ["T (K),R (Ohm)"] + [f"{t:.6f},{r:.6f}" for t, r in zip(T, R, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def corrupt(path: Path) -> Path:
    """A data file with text in a numeric column (a corrupted export)."""
    path.write_text("T (K),R (Ohm)\n1.0,10.0\n1.1,abc\n1.2,12.0\n")
    return path


@pytest.fixture(name="write_rt")
def write_rt_fixture() -> Callable[..., Path]:
    """The :func:`write_rt` simulator."""
    return write_rt


@pytest.fixture(name="corrupt")
def corrupt_fixture() -> Callable[[Path], Path]:
    """The :func:`corrupt` file writer."""
    return corrupt


@pytest.fixture
def series(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``series(tcs, extra_rows=(), name="m.toml")`` writes one R(T) file per Tc
    (sample ``S<i>``, n2d = (i+1) 1e13 cm^-2) and a TOML manifest of kind ``tc``; returns
    the manifest path. ``extra_rows`` are raw TOML ``[[run]]`` bodies appended."""

    def make(tcs: Sequence[float], extra_rows: Sequence[str] = (),
             name: str = "m.toml") -> Path:
        data = tmp_path / "data"
        data.mkdir(exist_ok=True)
        parts = ['[defaults]\nkind = "tc"\norientation = "111"\n']
        for i, tc in enumerate(tcs):
            write_rt(data / f"S{i}.csv", tc, seed=100 + i)
            parts.append(f'[[run]]\nsample = "S{i}"\nfile = "data/S{i}.csv"\n'
                         f"n2d_cm2 = {(i + 1) * 1e13:g}\n")
        parts.extend(f"[[run]]\n{body}\n" for body in extra_rows)
        path = tmp_path / name
        path.write_text("\n".join(parts))
        return path

    return make
