"""Loading lab data into :class:`Measurement` objects (SI units, unit-suffixed columns)."""

from .measurement import QUANTITIES, Measurement

__all__ = ["Measurement", "QUANTITIES", "load"]


def load(path, columns=None, **metadata) -> Measurement:
    """Load a lab data file (or one run of a QCoDeS database: ``run_id=N``); see
    :func:`ktoanalysis.io.loader.load`."""
    from .loader import load as _load

    return _load(path, columns=columns, **metadata)
