"""A trivial analysis kind (``selftest``) for exercising the batch machinery.

Not part of :data:`ktoanalysis.transport.KINDS`: a manifest may use it only when the
caller passes :data:`ktoanalysis.batch.manifest.SELFTEST_KINDS` as ``extra_kinds``.
It reports the mean resistance of all files and its standard error.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from uncertainties import ufloat

from ..errors import FitError
from ..io import Measurement
from ..transport.result import FitResult

__all__ = ["OPTIONS", "analyze", "plot"]

OPTIONS: dict[str, str] = {
    "sleep_s": "wait this long (s) before answering (to test interrupted runs)",
    "fail": "raise FitError on purpose when true",
}


def analyze(measurements: list[Measurement], sleep_s: float = 0.0,
            fail: bool = False) -> FitResult:
    """Mean longitudinal resistance (ohm) of all points, with its standard error.

    Parameters
    ----------
    measurements
        Loaded files; each must have a resistance column.
    sleep_s
        Delay in seconds before returning.
    fail
        Raise :class:`FitError` instead of answering.
    """
    if sleep_s > 0:
        time.sleep(float(sleep_s))
    if fail:
        raise FitError("selftest failure requested (option fail=true)")
    R = np.concatenate([m.column(m.resistance_column(), dropna=True) for m in measurements])
    if R.size < 2:
        raise FitError("selftest needs at least two resistance values")
    mean = ufloat(float(R.mean()), float(R.std(ddof=1) / np.sqrt(R.size)))
    return FitResult(kind="selftest", params={"R_mean_ohm": mean},
                     stats={"ndata": int(R.size)},
                     options={"sleep_s": sleep_s, "fail": fail},
                     provenance={"files": [m.source for m in measurements]},
                     data={"R_ohm": R})


def plot(result: FitResult, fig: Any) -> None:
    """Histogram of the resistance values with the mean marked."""
    ax = fig.add_subplot()
    R = np.asarray(result.data.get("R_ohm", []), dtype=float)
    ax.hist(R, bins=min(30, max(5, R.size // 5)), label="data")
    ax.axvline(result.value("R_mean_ohm"), color="k", ls="--", label="mean")
    ax.set_xlabel("R (Ohm)")
    ax.set_ylabel("count")
    ax.legend()
