"""Measured Tc of KTaO3 interface 2DEGs from the literature, each row cited.

The table ``literature_tc.csv`` (bundled in ``data/``) lists every measured
(Tc, carrier density) value that the five source papers of the project state in their
text or tables, with the Tc criterion, the interface orientation and overlayer, and the
place in the paper where the number is printed. Columns:

``Tc_K``
    Transition temperature in kelvin (for the criteria ``upper_bound`` and
    ``lower_bound`` a bound, not a value).
``Tc_criterion``
    One of :data:`TC_CRITERIA`: ``onset``, ``mid`` (50 % of the normal-state resistance),
    ``zero`` (zero resistance), ``BKT_IV`` (V ~ I^3), ``BKT_HN`` (Halperin-Nelson R(T)
    fit), ``unspecified`` (the paper does not say), ``upper_bound``, ``lower_bound``.
``orientation``
    ``"111"``, ``"110"`` or ``"001"`` (strings, leading zero kept).
``n2d_cm2``
    Sheet carrier density in cm^-2 (Hall); empty when not reported.
``Vg_V``
    Gate voltage in V when that is what the paper gives; empty otherwise.
``overlayer``, ``sample``
    Material grown on KTaO3 and a short sample label.
``source_file``, ``location``, ``note``
    The paper file, the table/figure/sentence and a short quote or remark (values read off
    a figure or derived from printed numbers say so here).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .._data import data_path
from ..errors import DataFormatError
from ..orientations import ORIENTATIONS as _ORIENTATIONS
from ..orientations import canonical_orientation

__all__ = [
    "LITERATURE_COLUMNS",
    "TC_CRITERIA",
    "ORIENTATIONS",
    "PAPER_FILES",
    "LAMBDA_NEEDED_QUOTED",
    "data_path",
    "load_literature",
    "normalize_orientation",
]

#: exact header of ``literature_tc.csv``
LITERATURE_COLUMNS: tuple[str, ...] = (
    "Tc_K", "Tc_criterion", "orientation", "n2d_cm2", "Vg_V", "overlayer", "sample",
    "source_file", "location", "note",
)

#: allowed values of ``Tc_criterion``
TC_CRITERIA: tuple[str, ...] = (
    "onset", "mid", "zero", "BKT_IV", "BKT_HN", "unspecified", "upper_bound", "lower_bound",
)

#: interface orientations (Miller indices of the KTaO3 surface)
ORIENTATIONS: tuple[str, ...] = _ORIENTATIONS  # the registry, ktoanalysis.orientations

#: the papers the table cites (plain-text copies share these names)
PAPER_FILES: tuple[str, ...] = (
    "000_e0c07c0645395619.txt",  # Norman 2026, Slater-mode pairing theory
    "001_464c4cf530c8f5e4.txt",  # Dong et al. 2026, a-LaAlO3/KTaO3(111) ferroelectricity
    "002_adb0abe1c8a3790c.txt",  # Ning et al. 2024, LaAlO3, YAlO3/KTaO3(111)
    "003_3b17df2a45bebe00.txt",  # Maryenko et al., LaTiO3/KTaO3(110) re-entrant SC
    "004_5aba75fef312435d.txt",  # Zhang et al. 2025, a-CaZrO3/KTaO3(111)
)

#: the coupling constant the theory paper says is needed to explain the measured Tc of the
#: (111) interface at n2D = 1e14 cm^-2 (000, Section IV: "lambda is (typically)
#: significantly less than the value of ~0.26 that is needed to account for T_c at this
#: carrier density [9]"); the omega_c behind it is not stated there.
LAMBDA_NEEDED_QUOTED: dict[str, object] = {
    "lambda": 0.26,
    "n2d_cm2": 1e14,
    "orientation": "111",
    "source_file": "000_e0c07c0645395619.txt",
    "location": "Section IV (Discussion), first paragraph; quoting its ref. [9]",
}

_DEFAULT_NAME = "literature_tc.csv"


def normalize_orientation(value: object) -> str:
    """Orientation as a three-character string (``111``, ``110``, ``001``).

    Accepts ``111``, ``"(111)"``, ``"[001]"``, ``1`` (the integer 001 loses its zeros in a
    CSV round-trip) and similar; anything else is returned stripped, unchanged.

    Parameters
    ----------
    value
        Orientation as read from a table (str, int or float).

    Returns
    -------
    str
        Normalised orientation (``""`` for a missing value).
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and value.is_integer()):
        value = int(value)
    key = canonical_orientation(value)
    return key if key is not None else str(value).strip().strip("()[]{}<>").strip()


def load_literature(path: str | Path | None = None) -> pd.DataFrame:
    """Load and validate the literature Tc table.

    Parameters
    ----------
    path
        CSV file with the columns :data:`LITERATURE_COLUMNS`; default: the bundled
        ``literature_tc.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per cited value. ``Tc_K`` (K), ``n2d_cm2`` (cm^-2) and ``Vg_V`` (V) are
        floats (NaN when not reported), ``orientation`` is a string such as ``"001"``.

    Raises
    ------
    DataFormatError
        Missing file, wrong header, a non-numeric or non-positive ``Tc_K``, an unknown
        criterion or orientation, a negative density, or an empty source; the message
        names the file, the CSV line and the column.
    """
    path = data_path(_DEFAULT_NAME) if path is None else Path(path)
    if not path.is_file():
        raise DataFormatError("literature table not found", file=path,
                              expected="a CSV file with columns " + ",".join(LITERATURE_COLUMNS))
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot parse CSV ({exc})", file=path) from exc
    if tuple(df.columns) != LITERATURE_COLUMNS:
        raise DataFormatError(f"unexpected header {list(df.columns)}", file=path, line=1,
                              expected=",".join(LITERATURE_COLUMNS))

    out = df.copy()
    for col in ("Tc_K", "n2d_cm2", "Vg_V"):
        values = []
        for i, raw in enumerate(df[col]):
            text = raw.strip()
            if text == "":
                values.append(np.nan)
                continue
            try:
                values.append(float(text))
            except ValueError:
                raise DataFormatError(f"{text!r} is not a number", file=path, line=i + 2,
                                      column=col, expected="a number") from None
        out[col] = np.array(values, dtype=float)
    out["orientation"] = [normalize_orientation(v) for v in df["orientation"]]

    for i, row in out.iterrows():
        line = int(i) + 2
        if not np.isfinite(row["Tc_K"]) or row["Tc_K"] <= 0:
            raise DataFormatError(f"Tc_K = {row['Tc_K']!r}", file=path, line=line,
                                  column="Tc_K", expected="a positive temperature in K")
        if row["Tc_criterion"] not in TC_CRITERIA:
            raise DataFormatError(f"unknown criterion {row['Tc_criterion']!r}", file=path,
                                  line=line, column="Tc_criterion",
                                  expected="one of " + ", ".join(TC_CRITERIA))
        if row["orientation"] not in ORIENTATIONS:
            raise DataFormatError(f"unknown orientation {row['orientation']!r}", file=path,
                                  line=line, column="orientation",
                                  expected="one of " + ", ".join(ORIENTATIONS))
        if np.isfinite(row["n2d_cm2"]) and row["n2d_cm2"] <= 0:
            raise DataFormatError(f"n2d_cm2 = {row['n2d_cm2']!r}", file=path, line=line,
                                  column="n2d_cm2", expected="a positive density in cm^-2")
        for col in ("source_file", "location"):
            if not str(row[col]).strip():
                raise DataFormatError("empty", file=path, line=line, column=col,
                                      expected="the paper file and the place of the value")
    return out.reset_index(drop=True)
