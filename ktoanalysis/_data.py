"""Locate the bundled data folder (``data/`` in a clone, ``ktoanalysis/data`` in a wheel)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["data_dir", "data_path"]


def data_dir() -> Path:
    """The folder holding the bundled example series and literature table."""
    clone = Path(__file__).resolve().parent.parent / "data"
    if clone.is_dir():
        return clone
    return Path(str(resources.files("ktoanalysis") / "data"))


def data_path(*parts: str) -> Path:
    """Path of a bundled data file, e.g. ``data_path("literature_tc.csv")``."""
    return data_dir().joinpath(*parts)
