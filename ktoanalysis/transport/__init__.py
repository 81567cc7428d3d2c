"""Transport analyses of superconducting 2DEGs: lmfit models and procedures.

Each analysis kind lives in its own module, which provides

* ``analyze(measurements, **options) -> FitResult``: the procedure used by the CLI and
  the batch runner (measurements already loaded and in SI units);
* ``plot(result, fig) -> None``: draws data, fit, residuals and uncertainty band;
* ``OPTIONS``: mapping option name -> one-line description (shown by ``ktoanalysis fit --help``);

plus array-level ``fit_*`` functions for use from Python.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .result import FitResult

__all__ = ["FitResult", "KINDS", "analyze", "kind_module"]

#: analysis kind -> (module, one-line description)
KINDS: dict[str, tuple[str, str]] = {
    "tc": ("ktoanalysis.transport.tc",
           "Tc at onset/mid/zero and transition width from R(T)"),
    "bkt-rt": ("ktoanalysis.transport.bkt",
               "Halperin-Nelson BKT fit of R(T) (and Aslamazov-Larkin Tc0)"),
    "bkt-iv": ("ktoanalysis.transport.iv",
               "I-V power law V ~ I^alpha(T); T_BKT where alpha = 3"),
    "hc2-angle": ("ktoanalysis.transport.hc2_angle",
                  "Hc2(theta): 2D Tinkham vs 3D anisotropic GL"),
    "hc2-temperature": ("ktoanalysis.transport.hc2_temperature",
                        "Hc2(T): GL perp/parallel, coherence length, thickness, WHH, Pauli"),
    "phase-slips": ("ktoanalysis.transport.phaseslip",
                    "LAMH thermal and Golubev-Zaikin quantum phase slips in R(T)"),
    "mr-hysteresis": ("ktoanalysis.transport.hysteresis",
                      "Butterfly magnetoresistance: peak fields and Delta R_S"),
    "hall": ("ktoanalysis.transport.hall",
             "Hall carrier density, mobility, k_F, mean free path"),
}


def kind_module(kind: str) -> ModuleType:
    """Import and return the module implementing an analysis kind.

    Raises
    ------
    KeyError
        If the kind is unknown (the message lists the known kinds).
    """
    if kind not in KINDS:
        raise KeyError(f"unknown analysis kind {kind!r}; known: {', '.join(KINDS)}")
    return importlib.import_module(KINDS[kind][0])


def analyze(kind: str, measurements, **options) -> FitResult:
    """Run the analysis ``kind`` on loaded measurements (list or single Measurement)."""
    from ..io import Measurement

    if isinstance(measurements, Measurement):
        measurements = [measurements]
    return kind_module(kind).analyze(list(measurements), **options)
