"""Shared fixtures. Tests that need the measured files of the shared data folder (beside
the repository) skip with a clear reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KTO_SHARED_DIR", REPO.parent / "shared"))
REALDATA = SHARED / "realdata"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def realdata_file(*parts: str) -> Path:
    """Path of a measured file in the shared data folder, or skip the test."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"measured data not available: {path} (the shared folder beside the "
                    "repository, or KTO_SHARED_DIR, holds it)")
    return path


@pytest.fixture
def ppms_resistivity() -> Path:
    """PPMS Resistivity-option field sweeps (SnSe-NbSe2 misfit crystal), see SOURCES.md."""
    return realdata_file("snse_nbse2_misfit_ppms", "Resistivity_Ch1_TMR_Ch2_Hall_test.dat")


@pytest.fixture
def ppms_act() -> Path:
    """PPMS AC-transport file with channels on alternating rows."""
    return realdata_file("snse_nbse2_misfit_ppms", "ACT_Ch1_Hall_Ch2_TMR.dat")


@pytest.fixture
def hall_psu() -> Path:
    """Hall R(H) sweep of an MBE film at 50 K."""
    return realdata_file("mbe_film_hall_psu", "TRP4_MBE1-230327A-MS_RvsH_50K.dat")
