"""Column headers of lab files: split name and unit, recognise the quantity, name it in SI.

A header such as ``"Magnetic Field (Oe)"``, ``"T [K]"``, ``"R_xy (Ohm)"``, ``"T_K"`` or
``"Res. ch1 (ohm-cm)"`` is parsed into a :class:`ColumnSpec`: the recognised quantity
(``base``: ``"T"``, ``"B"``, ``"R"``, ``"Rxy"``, ``"rho"``, ``"I"``, ``"V"``, ``"theta"``,
``"t"``, ``"Vg"``, ``"n2d"``, ``"excitation"``, ``"frequency"``, ``"phase"``, ``"Hc2"`` and
``"Hc2_err"`` (a table of precomputed critical fields and their 1-sigma errors), a ``*_std``
variant, or ``None`` when unknown), the instrument channel (``ch1``, ``Bridge 2``...), the
lab unit, and the SI conversion ``si = value*factor + offset``.

Canonical names are ``<base>[_ch<N>]_<si unit>``: ``T_K``, ``B_T``, ``R_ch1_ohm``,
``rho_ch2_ohm_m``, ``R_std_ch1_ohm``, ``excitation_ch1_A``, ``Hc2_T``, ``Hc2_err_T``.
Unknown columns keep a snake_case version of their header plus their unit (converted when
the unit is known).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import DataFormatError, KtoError
from ..units import UNIT_FACTORS, canonical_unit

__all__ = [
    "ColumnSpec", "parse_header", "classify", "convert_unit", "canonical_name",
    "unit_of_column", "sanitize", "SI_UNIT_OF_BASE", "RESISTANCE_BASES", "resolve_target",
    "parse_column_options", "mapping_hint", "CANONICAL_EXAMPLES", "known_units",
    "bracket_unit", "squeeze",
]

#: SI unit (as used in names) expected for each recognised quantity
SI_UNIT_OF_BASE: dict[str, str] = {
    "T": "K", "B": "T", "R": "ohm", "Rxy": "ohm", "rho": "ohm_m", "I": "A", "V": "V",
    "theta": "rad", "t": "s", "Vg": "V", "n2d": "m2", "excitation": "", "frequency": "Hz",
    "phase": "rad", "Hc2": "T", "Hc2_err": "T",
}

#: bases holding a resistance-like signal (their channels define the channel layout)
RESISTANCE_BASES = ("R", "Rxy", "rho")

# SI unit tokens that may end a canonical column name (longest first)
_SI_SUFFIXES = ("ohm_m", "ohm_cm", "ohm", "K", "T", "A", "V", "rad", "s", "m2", "Hz", "J")

_STEMS: dict[str, str] = {}
for _base, _names in {
    "T": ["temp", "temperature", "sample temperature", "sample temp", "t sample", "tsample",
          "temperature sample"],
    "B": ["b", "h", "field", "magnetic field", "b field", "h field", "bfield", "hfield",
          "mu0h", "mu0 h", "applied field"],
    "R": ["r", "rxx", "r xx", "resistance", "res", "r sheet", "rsheet", "rs", "sheet resistance",
          "longitudinal resistance", "r long", "rlong"],
    "Rxy": ["rxy", "r xy", "ryx", "r yx", "r hall", "rhall", "hall resistance",
            "transverse resistance"],
    "rho": ["rho", "resistivity", "rho xx", "rhoxx"],
    "I": ["i", "current", "i source", "source current", "isource", "i bias", "bias current"],
    "V": ["v", "voltage", "volts", "vxx", "v xx"],
    "theta": ["theta", "angle", "sample position", "position", "rotator", "rotator angle",
              "rotation", "rotation angle", "tilt", "tilt angle"],
    "t": ["time", "time stamp", "timestamp", "elapsed time", "time elapsed"],
    "Vg": ["vg", "v g", "gate", "gate voltage", "vgate", "v gate", "gate bias", "v bg",
           "vbg", "backgate", "back gate", "back gate voltage"],
    "n2d": ["n2d", "n 2d", "n", "ns", "n s", "density", "carrier density", "sheet density",
            "n sheet", "sheet carrier density"],
    "excitation": ["excitation", "excitation current", "excitation amplitude"],
    "frequency": ["frequency", "freq"],
    "phase": ["phase", "phase angle"],
    # precomputed critical fields (hc2-angle / hc2-temperature tables): Hc2_T, Hc2_err_T
    "Hc2": ["hc2", "bc2", "h c2", "b c2", "mu0hc2", "mu0 hc2"],
    "Hc2_err": ["hc2 err", "bc2 err", "h c2 err", "b c2 err", "hc2 error", "bc2 error",
                "dhc2", "dbc2", "delta hc2", "delta bc2", "hc2 t err", "bc2 t err"],
}.items():
    for _n in _names:
        _STEMS[_n] = _base

_CHANNEL_RE = re.compile(r"\b(?:ch(?:annel)?|bridge|br)\s*\.?\s*#?\s*(\d{1,2})\b", re.I)
_CHANNEL_UNDERSCORE_RE = re.compile(r"(?:^|_)ch(\d{1,2})(?=_|$)", re.I)
_STD_RE = re.compile(r"\b(?:std\s*\.?\s*dev\s*\.?|stddev|std|sigma|stdev)\b", re.I)

# resistivity units -> factor to ohm*m
_RESISTIVITY_UNITS: dict[str, float] = {
    "ohm-cm": 1e-2, "ohmcm": 1e-2, "ohm*cm": 1e-2, "ohm.cm": 1e-2, "Ωcm": 1e-2, "ω-cm": 1e-2,
    "ωcm": 1e-2, "mohm-cm": 1e-5, "uohm-cm": 1e-8, "µohm-cm": 1e-8, "μohm-cm": 1e-8,
    "ohm-m": 1.0, "ohmm": 1.0, "ohm*m": 1.0, "ohm.m": 1.0, "ω-m": 1.0, "ωm": 1.0,
}
# unit spellings of the ``name_unit`` header style that the unit table lacks
_UNDERSCORE_UNITS: dict[str, tuple[str, float, float]] = {
    "m2": ("m2", 1.0, 0.0), "cm2": ("m2", 1e4, 0.0), "ohm_m": ("ohm_m", 1.0, 0.0),
    "ohm_cm": ("ohm_m", 1e-2, 0.0),
}


@dataclass(frozen=True)
class ColumnSpec:
    """What one column header means.

    Attributes
    ----------
    header
        The header as written in the file.
    stem
        Header without unit and channel, normalised (lower case, single spaces).
    base
        Recognised quantity (key of :data:`SI_UNIT_OF_BASE`, possibly with ``_std``), or
        ``None`` when unknown.
    channel
        Instrument channel / bridge number, or ``None``.
    unit
        Lab unit as written (``""`` if none).
    si_unit
        SI unit used in the canonical name (``""`` when unknown/dimensionless).
    factor, offset
        ``si = value*factor + offset``.
    """

    header: str
    stem: str
    base: str | None
    channel: int | None
    unit: str
    si_unit: str
    factor: float = 1.0
    offset: float = 0.0

    @property
    def is_std(self) -> bool:
        """True for standard-deviation columns."""
        return bool(self.base and self.base.endswith("_std"))

    @property
    def family(self) -> str | None:
        """Base quantity without a ``_std`` suffix."""
        return None if self.base is None else self.base.removesuffix("_std")


def sanitize(text: str) -> str:
    """Snake-case a free-text header: ``"Number of Readings"`` -> ``"number_of_readings"``."""
    text = text.replace("^", "").replace("/", " per ").replace("%", " pct ")
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")
    return text.lower() or "column"


def _norm_stem(text: str) -> str:
    text = text.replace("µ", "u").replace("μ", "u")
    text = re.sub(r"[._\-:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def convert_unit(unit: str) -> tuple[str, float, float] | None:
    """SI conversion of a lab unit: ``(si_unit, factor, offset)`` or ``None`` if unknown.

    Uses :func:`ktoanalysis.units.canonical_unit`, with two local rules: resistivity units
    (``ohm-cm``, ``Ohm-m``...) convert to ``ohm_m``, and a capital ``M`` before ohm means
    mega (``MOhm`` -> 1e6), which the case-insensitive unit table cannot tell from milli.
    """
    u = unit.strip()
    if not u:
        return None
    u = re.sub("[\u03a9\u03c9\u2126](?=$|[-*./ ])", "Ohm", u)  # kΩ, mΩ, Ω-cm (Greek or ohm sign)
    key = u.replace(" ", "").lower()
    if key in _RESISTIVITY_UNITS:
        return ("ohm_m", _RESISTIVITY_UNITS[key], 0.0)
    if re.fullmatch(r"M(?:ohms?|Ohms?|OHMS?|Ω)", u):
        return ("ohm", 1e6, 0.0)
    if re.fullmatch(r"G(?:ohms?|Ohms?|Ω)", u):
        return ("ohm", 1e9, 0.0)
    conv = canonical_unit(u)
    if conv is None:
        return None
    si, factor, offset = conv
    return ("ohm_m", factor * 1e-2, offset) if si == "ohm_cm" else (si, factor, offset)


def squeeze(text: str) -> str:
    """``text`` stripped, every run of blanks made one space (linear time).

    Headers are squeezed before any pattern is tried on them, so that no pattern with
    several ``\\s*`` in a row can backtrack over a long run of spaces (a header with
    100 000 spaces is read in milliseconds).
    """
    return " ".join(text.split())


def bracket_unit(header: str) -> tuple[str, str] | None:
    """``(name, unit)`` of a header ending in a bracketed unit (``"T (K)"``, ``"R [Ohm]"``),
    or ``None``. The unit is the text of the last bracket pair, which holds no bracket
    and closes the header; the name before it must not be empty. String scans only."""
    s = squeeze(header)
    if len(s) < 3 or s[-1] not in ")]":
        return None
    k = max(s.rfind("(", 0, len(s) - 1), s.rfind("[", 0, len(s) - 1))
    if k < 0:
        return None
    inner = s[k + 1:-1]
    if ")" in inner or "]" in inner:
        return None
    name = s[:k].strip()
    if not name:
        return None
    return name, inner.strip()


def parse_header(header: str) -> tuple[str, str]:
    """Split a header into ``(name, unit)``.

    ``"T (K)"``, ``"T [K]"`` and ``"T_K"`` all give ``("T", "K")``; a header without a
    recognisable unit gives ``(header, "")``. The ``name_unit`` style is split only when the
    suffix is a known unit, so ``"R_xy"`` stays whole.
    """
    h = squeeze(header)
    bracketed = bracket_unit(h)
    if bracketed is not None:
        return bracketed
    if "_" in h:
        # try the longest unit suffix first ("ohm_m" before "m")
        parts = h.split("_")
        for k in (2, 1):
            if len(parts) <= k:
                continue
            stem, unit = "_".join(parts[:-k]), "_".join(parts[-k:])
            if not stem:
                continue
            if unit.lower() in _UNDERSCORE_UNITS or (k == 1 and convert_unit(unit) is not None):
                return stem, unit
    return h, ""


def _unit_conv(unit: str) -> tuple[str, float, float] | None:
    low = unit.strip().lower()
    if low in _UNDERSCORE_UNITS:
        return _UNDERSCORE_UNITS[low]
    return convert_unit(unit)


def classify(header: str) -> ColumnSpec:
    """Recognise the quantity, channel and unit of one column header.

    Parameters
    ----------
    header
        Column header as written in the file.

    Returns
    -------
    ColumnSpec
        ``base`` is ``None`` for columns that are not a recognised quantity.
    """
    name, unit = parse_header(header)
    channel = None
    m = _CHANNEL_RE.search(name)
    if m:
        channel = int(m.group(1))
        name = (name[:m.start()] + " " + name[m.end():]).strip()
    else:
        m2 = _CHANNEL_UNDERSCORE_RE.search(name)
        if m2:
            channel = int(m2.group(1))
            name = (name[:m2.start()] + "_" + name[m2.end():]).strip("_ ")
    is_std = False
    if _STD_RE.search(name):
        is_std = True
        name = _STD_RE.sub(" ", name)
    stem = _norm_stem(name)
    conv = _unit_conv(unit) if unit else None
    si_unit, factor, offset = conv if conv else ("", 1.0, 0.0)

    base = _STEMS.get(stem)
    if stem in ("n", "ns", "n s") and not unit:
        base = None  # a bare "n" is as often an index as a density
    if is_std and stem == "":
        base = "R"  # QD "Bridge N Std. Dev.": spread of that bridge's reading
    if stem == "t":
        # "T" is temperature, "t" time; a unit settles it
        if si_unit == "s":
            base = "t"
        elif si_unit == "K":
            base = "T"
        elif si_unit == "":
            base = "T" if name.strip().startswith("T") else "t"
        else:
            base = None
    if base in ("R", "Rxy") and si_unit == "ohm_m":
        base = "rho"
    if base is not None and unit and conv is not None:
        expected = SI_UNIT_OF_BASE[base]
        if expected and expected != si_unit and not (base == "rho" and si_unit == "ohm"):
            base = None  # e.g. "V (K)": a unit that contradicts the name
    if base is not None and not unit:
        si_unit = SI_UNIT_OF_BASE[base]
    if base == "Hc2" and is_std:
        base = "Hc2_err"  # "sigma Hc2 (T)": the error of a precomputed field, Hc2_err_T
    elif base is not None and is_std and base != "Hc2_err":
        base = base + "_std"
    return ColumnSpec(header=header, stem=stem, base=base, channel=channel, unit=unit,
                      si_unit=si_unit, factor=factor, offset=offset)


def canonical_name(spec: ColumnSpec, *, keep_channel: bool = True) -> str:
    """Canonical SI column name of a classified header.

    Parameters
    ----------
    spec
        Output of :func:`classify`.
    keep_channel
        Append ``_ch<N>`` when the column has a channel.
    """
    if spec.base is None:
        name, unit = parse_header(spec.header)
        stem = sanitize(name)
        if spec.si_unit:
            return f"{stem}_{spec.si_unit}"
        return f"{stem}_{sanitize(unit)}" if unit and sanitize(unit) != "column" else stem
    ch = f"_ch{spec.channel}" if (keep_channel and spec.channel is not None) else ""
    unit = f"_{spec.si_unit}" if spec.si_unit else ""
    return f"{spec.base}{ch}{unit}"


def with_base(spec: ColumnSpec, base: str | None, si_unit: str | None = None) -> ColumnSpec:
    """Copy of ``spec`` with another quantity (and optionally SI unit)."""
    return replace(spec, base=base, si_unit=spec.si_unit if si_unit is None else si_unit)


def unit_of_column(name: str) -> str:
    """SI unit encoded at the end of a canonical column name (``""`` if none).

    ``"rho_ch1_ohm_m"`` -> ``"ohm_m"``, ``"B_T"`` -> ``"T"``, ``"status_code"`` -> ``""``.
    """
    for suffix in _SI_SUFFIXES:
        if name.endswith("_" + suffix):
            return suffix
    return ""


# --------------------------------------------------------------------------- user mappings

#: canonical names shown in messages about column mappings
CANONICAL_EXAMPLES: tuple[str, ...] = (
    "T_K", "B_T", "R_ohm", "R_ch1_ohm", "Rxy_ohm", "rho_ohm_m", "R_std_ohm", "I_A", "V_V",
    "theta_rad", "t_s", "Vg_V", "n2d_m2", "Hc2_T", "Hc2_err_T",
)

_IDENTIFIER_RE = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def known_units(si_unit: str | None = None) -> list[str]:
    """Lab units the loader converts (to ``si_unit`` only, when given), as written."""
    units = [k for k, v in UNIT_FACTORS.items() if si_unit is None or v[0] == si_unit]
    if si_unit == "ohm":
        units += ["MOhm", "GOhm"]
    if si_unit == "ohm_m":
        units = sorted(_RESISTIVITY_UNITS)
    return units


def _canonical_identifier(target: str) -> bool:
    """True when ``target`` is already a canonical name (``T_K``, ``R_ch1_ohm``, ``R_std_ohm``)."""
    if not _IDENTIFIER_RE.fullmatch(target):
        return False
    spec = classify(target.replace("_std", " std"))
    return spec.base is not None and canonical_name(spec) == target


def resolve_target(target: object) -> tuple[str, tuple[str, float, float] | None]:
    """Canonical name and unit conversion of the target of a column mapping.

    Accepted targets:

    * a canonical SI name (``"T_K"``, ``"B_T"``, ``"R_ohm"``, ``"R_ch2_ohm"``,
      ``"R_std_ohm"``, ``"Rxy_ohm"``, ``"I_A"``...): the column is that quantity and a unit
      in the file's header still converts (``"Rxx (kOhm)"`` -> ohm);
    * a lab header naming the quantity and its unit (``"B (mT)"``, ``"T [mK]"``,
      ``"R (kOhm)"``, ``"field (Oe)"``): the column's values are in that unit and are
      converted to SI (``B_T``, ``T_K``, ``R_ohm``) once, at load;
    * a lab header without unit (``"temperature"``): as the canonical name.

    Parameters
    ----------
    target
        The mapping's value.

    Returns
    -------
    str, tuple or None
        Canonical name, and ``(si_unit, factor, offset)`` when the target states a unit
        (``si = value*factor + offset``), else ``None``.

    Raises
    ------
    DataFormatError
        Not text, unknown quantity (``expected`` lists the canonical names) or unknown unit
        / unit of another quantity (``expected`` lists the known units); ``file`` unset.
    """
    names = ", ".join(CANONICAL_EXAMPLES)
    if not isinstance(target, str) or not target.strip():
        raise DataFormatError(f"invalid column name {target!r}",
                              expected=f"a canonical name ({names}) or a lab header "
                                       "with unit such as 'B (mT)'")
    t = target.strip()
    if _canonical_identifier(t):
        return t, None
    spec = classify(t)
    name, unit = parse_header(t)
    if spec.base is None:
        quantity = classify(name).base
        if unit and quantity is not None:
            si = SI_UNIT_OF_BASE[quantity.removesuffix("_std")]
            conv = _unit_conv(unit)
            what = "is an unknown unit" if conv is None else f"is a unit of {conv[0]}, not {si}"
            raise DataFormatError(f"column name {t!r}: {unit!r} {what}",
                                  expected=f"a unit convertible to {si} "
                                           f"({', '.join(known_units(si))})")
        raise DataFormatError(f"invalid column name {t!r}: not a known quantity",
                              expected=f"a canonical name ({names}) or a lab header with "
                                       "unit such as 'B (mT)'")
    if unit and _unit_conv(unit) is None:
        si = SI_UNIT_OF_BASE[spec.family or ""]
        raise DataFormatError(f"column name {t!r}: {unit!r} is an unknown unit",
                              expected=f"a unit convertible to {si} "
                                       f"({', '.join(known_units(si))})")
    conv = (spec.si_unit, spec.factor, spec.offset) if unit else None
    return canonical_name(spec, keep_channel=True), conv


def parse_column_options(items: list[str] | None) -> dict[str, str]:
    """Parse repeated ``--column ORIGINAL=CANONICAL`` options into a mapping for ``load``.

    The text is split at its last ``=`` (a header may contain one); the target is checked
    with :func:`resolve_target` (``"B_T"``, ``"B (mT)"``...).

    Raises
    ------
    KtoError
        No ``=``, an empty side, the same header twice, or an unknown target (one line).
    """
    out: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise KtoError(f"--column {item!r}: not of the form ORIGINAL=CANONICAL "
                           "(e.g. --column 'lockin_3_ResX=R_ohm')")
        original, target = (part.strip() for part in item.rsplit("=", 1))
        if not original or not target:
            raise KtoError(f"--column {item!r}: empty header or name "
                           "(expected ORIGINAL=CANONICAL, e.g. --column 'magnet_bpar=B (mT)')")
        if original in out:
            raise KtoError(f"--column {item!r}: header {original!r} mapped twice")
        try:
            resolve_target(target)
        except DataFormatError as exc:
            raise KtoError(f"--column {item!r}: {exc.reason} (expected {exc.expected})") from None
        out[original] = target
    return out


def mapping_hint(headers: list[str]) -> str:
    """One sentence telling how to name unrecognised ``headers`` (CLI, Python, manifest)."""
    shown = ", ".join(repr(h) for h in headers[:12]) + (", ..." if len(headers) > 12 else "")
    return (f"unrecognised headers: {shown}; name them with --column ORIGINAL=CANONICAL "
            "(e.g. --column 'HEADER=R_ohm', or with the unit --column 'HEADER=B (mT)'; "
            f"canonical names: {', '.join(CANONICAL_EXAMPLES[:8])}, ...), "
            "load(path, columns={...}) or a manifest 'columns' table")
