"""ktoanalysis: superconductivity theory and transport-data analysis for KTaO3 interfaces.

Subpackages
-----------
io
    :func:`load` lab files (CSV/TSV, Quantum Design ``.dat``) into SI :class:`Measurement`.
transport
    lmfit-based analyses (Tc, BKT, Hc2, phase slips, hysteresis, Hall) returning
    :class:`FitResult` with honest uncertainties.
theory
    Bilayer tight-binding models, Fermi surfaces, the dynamic-Rashba pairing kernel,
    lambda and Tc (numba).
batch, compare
    Sample series from a manifest (local or dask) and theory-vs-experiment overlays.
"""

from .errors import DataFormatError, FitError, KtoError, ManifestError, TheoryError
from .io import Measurement, load
from .transport.result import FitResult

__version__ = "0.1.0"

__all__ = [
    "DataFormatError", "FitError", "FitResult", "KtoError", "ManifestError", "Measurement",
    "TheoryError", "load", "__version__",
]
