"""Transport analyses of superconducting 2DEGs: lmfit models and procedures.

Each analysis kind lives in its own module, which provides

* ``analyze(measurements, **options) -> FitResult``: the procedure used by the CLI and
  the batch runner (measurements already loaded and in SI units);
* ``plot(result, fig) -> None``: draws data, fit, residuals and uncertainty band; a thin
  wrapper: the figure code lives apart, in the kind's module of
  :mod:`ktoanalysis.transport.plots` (e.g. ``plots/tc.py`` for ``tc.py``), imported
  lazily by :func:`~ktoanalysis.transport.plots.draw` (a procedure module never imports
  its plot module at import time; a plot module may import constants from its procedure);
* ``SPEC``: the :class:`~ktoanalysis.transport.declaration.KindSpec` declaring its
  options (type, unit, default, range, help, ASSUMPTION) and output parameters; the CLI,
  the batch manifest, :func:`analyze` and the docs all read it (``OPTIONS`` is its
  name -> help mapping);

plus array-level ``fit_*`` functions for use from Python.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .declaration import KindSpec, Option, Output
from .quality import Flag, Quality
from .result import ErrorBudget, FitResult

__all__ = ["FitResult", "ErrorBudget", "Flag", "Quality", "KindSpec", "Option", "Output",
           "KINDS", "analyze", "kind_module", "kind_spec", "resolve_options"]

#: analysis kind -> (module, one-line description)
KINDS: dict[str, tuple[str, str]] = {
    "tc": ("ktoanalysis.transport.tc",
           "Tc at onset/mid/zero and transition width from R(T)"),
    "bkt-rt": ("ktoanalysis.transport.bkt",
               "Halperin-Nelson BKT fit of R(T) (and Aslamazov-Larkin Tc0)"),
    "bkt-iv": ("ktoanalysis.transport.iv",
               "I-V power law V ~ I^alpha(T); T_BKT where alpha = 3"),
    "critical-current": ("ktoanalysis.transport.critical_current",
                         "I-V switching/retrapping currents, hysteresis, steps, Ic(T)"),
    "hc2-angle": ("ktoanalysis.transport.hc2_angle",
                  "Hc2(theta): 2D Tinkham vs 3D anisotropic GL"),
    "hc2-temperature": ("ktoanalysis.transport.hc2_temperature",
                        "Hc2(T): GL perp/parallel, coherence length, thickness, WHH, Pauli"),
    "phase-slips": ("ktoanalysis.transport.phaseslip",
                    "LAMH thermal and Golubev-Zaikin quantum phase slips in R(T)"),
    "mr-hysteresis": ("ktoanalysis.transport.hysteresis",
                      "MR hysteresis: butterfly peaks, Delta R_S, shifted SC windows"),
    "critical-field": ("ktoanalysis.transport.critical_field",
                       "Critical fields of R(B) at one temperature: signed f*R_N crossings"),
    "hall": ("ktoanalysis.transport.hall",
             "Hall carrier density, mobility, k_F, mean free path"),
    "tc-field": ("ktoanalysis.transport.tc_field",
                 "R(T, B) maps: Tc(B), Hc2(T), re-entrant Tc(B), resistive peaks in R(B)"),
    "magnetoconductance": ("ktoanalysis.transport.magnetoconductance",
                           "Weak (anti)localisation: HLN / ILP / Maekawa-Fukuyama fits of "
                           "Delta sigma(B)"),
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


def kind_spec(kind: str) -> KindSpec | None:
    """The declaration (``SPEC``) of an analysis kind, ``None`` if it has none."""
    return getattr(kind_module(kind), "SPEC", None)


def resolve_options(kind: str, options: dict | None = None) -> dict:
    """Validate options of ``kind`` against its declaration and fill in the defaults.

    Raises
    ------
    OptionError
        Unknown option, wrong type or value out of range (named in the message).
    """
    spec = kind_spec(kind)
    if spec is None:
        return dict(options or {})
    return spec.resolve(options)


def analyze(kind: str, measurements, **options) -> FitResult:
    """Run the analysis ``kind`` on loaded measurements (list or single Measurement).

    Options are validated against the kind's declaration before any work.
    """
    from ..io import Measurement

    resolve_options(kind, options)
    if isinstance(measurements, Measurement):
        measurements = [measurements]
    return kind_module(kind).analyze(list(measurements), **options)
