"""The measurement object every loader returns and every analysis takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataFormatError

__all__ = ["Measurement", "QUANTITIES", "channel_number"]

_CHANNEL_TEXT_RE = re.compile(r"(?:ch(?:annel)?|bridge|br)?[\s._#-]*0*([1-9]\d?)", re.I)


def channel_number(value: Any) -> int | str | None:
    """A resistance channel as the user wrote it, normalised.

    ``2``, ``"2"``, ``"ch2"``, ``"CH 2"``, ``"channel 2"``, ``"Bridge 2"`` all give ``2``;
    any other text is a column name and is returned stripped (``"Rxy_ch2_ohm"``); ``None``
    stays ``None``.

    Raises
    ------
    DataFormatError
        Channel number 0 or negative, a boolean, or empty text.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | np.integer):
        raise DataFormatError(f"channel {value!r}: expected a channel number >= 1 "
                              "(1, 'ch1') or a column name")
    if isinstance(value, int | np.integer):
        if value < 1:
            raise DataFormatError(f"channel {value!r}: channel numbers start at 1")
        return int(value)
    text = value.strip()
    if not text:
        raise DataFormatError("channel: empty (expected a channel number >= 1 or a "
                              "column name)")
    if text.isascii() and text.isdigit():
        if int(text) < 1:
            raise DataFormatError(f"channel {value!r}: channel numbers start at 1")
        return int(text)
    m = _CHANNEL_TEXT_RE.fullmatch(text)
    if m and text.isascii() and not text.isdigit():
        return int(m.group(1))
    if re.fullmatch(r"(?:ch(?:annel)?|bridge|br)[\s._#-]*0+", text, re.I):
        raise DataFormatError(f"channel {value!r}: channel numbers start at 1")
    return text

# Canonical column names (SI, unit-suffixed). Multi-channel instruments add the channel:
# ``R_ch1_ohm``, ``R_ch2_ohm``; a Hall channel is ``Rxy_ohm`` (or ``Rxy_ch2_ohm``).
QUANTITIES: dict[str, str] = {
    "T_K": "temperature",
    "B_T": "magnetic field mu0*H",
    "R_ohm": "longitudinal resistance",
    "Rxy_ohm": "Hall (transverse) resistance",
    "I_A": "current",
    "V_V": "voltage",
    "theta_rad": "field angle from the sample normal",
    "t_s": "time",
    "Vg_V": "gate voltage",
    "n2d_m2": "sheet carrier density",
}


@dataclass
class Measurement:
    """A tidy table of one measurement file in SI units, with its metadata.

    Attributes
    ----------
    data
        One row per measured point; columns named ``<quantity>_<unit>`` in SI, e.g.
        ``T_K``, ``B_T``, ``R_ohm``, ``R_ch1_ohm``, ``I_A``, ``V_V``, ``theta_rad``.
        Missing values are NaN (e.g. the alternating channels of AC-transport files).
    metadata
        ``source`` (file path), ``format``, and where known ``sample``, ``orientation``,
        ``n2d_m2``, ``Vg_V``, ``theta_rad``, ``channel``, plus instrument header entries.
    units
        Original lab unit of each column before conversion (for provenance).
    original_names
        Original header of each column.
    """

    data: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    original_names: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str | None:
        """Path of the file the measurement came from, if any."""
        return self.metadata.get("source")

    @property
    def columns(self) -> list[str]:
        """Column names of the table."""
        return list(self.data.columns)

    def column(self, name: str, *, dropna: bool = False) -> np.ndarray:
        """Return one column as a float array.

        Raises
        ------
        DataFormatError
            If the column is absent (the message lists what is present).
        """
        if name not in self.data.columns:
            folded = [c for c in self.data.columns if str(c).lower() == str(name).lower()]
            if len(folded) == 1:  # unrecognised headers are lower-cased (R_err -> r_err_ohm)
                name = folded[0]
        if name not in self.data.columns:
            raise DataFormatError(
                f"no column {name!r} (columns: {', '.join(map(str, self.data.columns))})"
                + self._mapping_hint(),
                file=self.source,
                column=name,
                expected=QUANTITIES.get(name, name),
            )
        values = self.data[name].to_numpy(dtype=float)
        return values[np.isfinite(values)] if dropna else values

    def resistance_columns(self) -> list[str]:
        """Longitudinal resistance columns (``R_ohm``, ``R_ch1_ohm``, ...), in table order."""
        return [c for c in self.data.columns if c == "R_ohm" or
                (c.startswith("R_ch") and c.endswith("_ohm"))]

    def resistance_column(self, channel: int | str | None = None) -> str:
        """Name of the longitudinal-resistance column to analyse.

        Parameters
        ----------
        channel
            Channel (``2``, ``"2"``, ``"ch2"``; see :func:`channel_number`) or column name;
            ``None`` takes ``metadata['channel']`` if set, else ``R_ohm``, else the first
            ``R_chN_ohm`` column. A file with one channel only has ``R_ohm``: its channel
            number (``metadata['channels']``, from the header, e.g. ``Bridge 1``; 1 when
            the header names none) selects it.

        Raises
        ------
        DataFormatError
            No resistance column, or no column for ``channel`` (the message lists the
            channels of the file).
        """
        channel = self.metadata.get("channel") if channel is None else channel
        cols = self.resistance_columns()
        if channel is not None:
            channel = channel_number(channel)
            if isinstance(channel, str):
                if channel in self.data.columns:
                    return channel
                name = channel
            else:
                name = f"R_ch{channel}_ohm"
                if name in self.data.columns:
                    return name
                by_number = self.channel_columns()
                if str(channel) in by_number:
                    found = by_number[str(channel)]
                    if found in cols:
                        return found
                    what = "a Hall (transverse)" if found.startswith("Rxy") else "a resistivity"
                    raise DataFormatError(
                        f"channel {channel} holds {what} column, {found}, not a longitudinal "
                        f"resistance ({self.describe_channels()})", file=self.source,
                        column=name, expected=f"--channel {found} to analyse that column "
                                              "as R, or another channel")
                elif channel == 1 and cols == ["R_ohm"] and not by_number:
                    return "R_ohm"
            hint = "" if self.resistance_columns() else self._mapping_hint()
            raise DataFormatError(f"no resistance column for channel {channel!r} "
                                  f"({self.describe_channels()})" + hint,
                                  file=self.source, column=name,
                                  expected="--channel N or ch<N> of a channel listed, or a "
                                           "column name")
        if not cols:
            raise DataFormatError("no resistance column" + self._mapping_hint(),
                                  file=self.source,
                                  expected="a column such as 'R (Ohm)' or 'Bridge 1 Resistance'")
        return cols[0]

    def channel_columns(self) -> dict[str, str]:
        """Channel number (as text) -> resistance-like column (``R``, ``Rxy``, ``rho``) of
        the file's header channels (``{"1": "R_ch1_ohm", "2": "Rxy_ch2_ohm"}``; a file with
        one channel: ``{"1": "R_ohm"}``); empty when the headers name no channel."""
        raw = self.metadata.get("channels") or {}
        return {str(k): str(v) for k, v in raw.items() if str(v) in self.data.columns}

    def describe_channels(self) -> str:
        """The file's resistance channels in words, for messages: ``"channels: 1
        (R_ch1_ohm), 2 (Rxy_ch2_ohm, Hall)"``."""
        by_number = self.channel_columns()
        if by_number:
            parts = []
            for k, v in sorted(by_number.items(), key=lambda kv: int(kv[0])):
                note = ", Hall" if v.startswith("Rxy") else (
                    ", resistivity" if v.startswith("rho") else "")
                parts.append(f"{k} ({v}{note})")
            return "channels: " + ", ".join(parts)
        cols = self.resistance_columns()
        if cols:
            return f"one resistance column without a channel number: {', '.join(cols)}"
        return "no resistance column"

    def _mapping_hint(self) -> str:
        """``"; <how to map them>"`` when the loader left headers unrecognised, else ``""``."""
        headers = list(self.metadata.get("unrecognised_columns", []))
        if not headers:
            return ""
        from .columns import mapping_hint

        return f"; {mapping_hint(headers)}"

    def xy(self, x: str, y: str) -> tuple[np.ndarray, np.ndarray]:
        """Return finite (x, y) pairs of two columns (rows where either is NaN dropped)."""
        xv, yv = self.column(x), self.column(y)
        ok = np.isfinite(xv) & np.isfinite(yv)
        return xv[ok], yv[ok]

    def describe(self) -> list[dict[str, Any]]:
        """Per-column summary: name, SI unit, min, max, count of non-missing values."""
        from .columns import unit_of_column

        out = []
        for c in self.data.columns:
            v = pd.to_numeric(self.data[c], errors="coerce").to_numpy(dtype=float)
            ok = np.isfinite(v)
            unit = unit_of_column(str(c))
            out.append({
                "name": c,
                "unit": unit,
                "min": float(v[ok].min()) if ok.any() else None,
                "max": float(v[ok].max()) if ok.any() else None,
                "count": int(ok.sum()),
            })
        return out

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"Measurement(source={self.source!r}, rows={len(self.data)}, "
                f"columns={self.columns})")
