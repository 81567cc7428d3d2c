"""One declaration per analysis kind: its options and the parameters it produces.

Every analysis kind module defines ``SPEC = KindSpec(...)``. The CLI (``fit KIND``,
``kinds``), the batch manifest, the Python :func:`ktoanalysis.transport.analyze` and the
documentation all read this one object, so a value accepted in one place is accepted in
all of them, and refused with the same message everywhere.

Validation happens **before any work**: :meth:`KindSpec.resolve` merges the user's
options with the declared defaults and raises :class:`~ktoanalysis.errors.OptionError`
naming the option, the value given and what was expected.

Option types (``Option.type``; alternatives joined with ``|``, e.g. ``"float|str"``):

``float``
    a finite real number (``bool`` is refused), checked against ``min``/``max``;
``int``
    an integer (a float with an integral value is accepted), checked against the range;
``bool``
    ``true`` or ``false``;
``str``
    text; with ``choices`` one of them;
``pair``
    two finite numbers ``[lo, hi]`` with ``lo < hi`` (each checked against the range);
``floats``
    a non-empty list of finite numbers (each checked against the range);
``strs``
    a non-empty list of texts (each one of ``choices`` when given).

``None`` is accepted when the default is ``None`` (meaning "decide automatically") or
when ``nullable`` is set.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import OptionError

__all__ = ["Option", "Output", "KindSpec", "validate_value"]

_TYPES = {"float", "int", "bool", "str", "pair", "floats", "strs"}


@dataclass(frozen=True)
class Option:
    """One option of an analysis kind.

    Parameters
    ----------
    name
        Option name (unit suffix when it carries a unit, e.g. ``rn_T_K``).
    type
        One of the types of the module docstring, or alternatives joined by ``|``.
    default
        Default value (``None``: chosen automatically; what was chosen is recorded in the
        result's ``options``).
    help
        One line for ``fit KIND --help``, the manifest docs and the API docs.
    unit
        Unit of the value (SI), or ``None`` for dimensionless.
    choices
        Allowed texts for ``str``/``strs``.
    min, max
        Allowed range of numbers (inclusive unless ``min_exclusive``/``max_exclusive``).
    assumption
        True when the option is an ASSUMPTION of the specification.
    nullable
        Accept ``None`` even when the default is not ``None``.
    """

    name: str
    type: str
    default: Any
    help: str
    unit: str | None = None
    choices: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    max_exclusive: bool = False
    assumption: bool = False
    nullable: bool = False

    def __post_init__(self) -> None:
        bad = [t for t in self.type.split("|") if t not in _TYPES]
        if bad:
            raise ValueError(f"option {self.name}: unknown type(s) {bad}")
        if self.default is not None:
            validate_value(self, self.default)

    @property
    def accepts_none(self) -> bool:
        """Whether ``None`` is a valid value."""
        return self.default is None or self.nullable

    def expected(self) -> str:
        """Words for what the option accepts (used in error messages and help)."""
        parts = [_describe(self, t) for t in self.type.split("|")]
        text = " or ".join(parts)
        if self.accepts_none:
            text += " or null (automatic)"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (``ktoanalysis kinds --json``)."""
        return {"name": self.name, "type": self.type, "default": self.default,
                "unit": self.unit, "choices": list(self.choices) if self.choices else None,
                "min": self.min, "max": self.max, "assumption": self.assumption,
                "expected": self.expected(), "help": self.help}


@dataclass(frozen=True)
class Output:
    """One parameter an analysis kind produces.

    Parameters
    ----------
    name
        Parameter name with its unit suffix (``Tc_mid_K``); a name with ``<...>`` stands
        for a family (``alpha_<T>K``).
    meaning
        One line.
    unit
        Unit, or ``None`` for dimensionless.
    """

    name: str
    meaning: str
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description."""
        return {"name": self.name, "unit": self.unit, "meaning": self.meaning}


@dataclass(frozen=True)
class KindSpec:
    """The declared shape of an analysis kind.

    Parameters
    ----------
    kind
        Kind name (``"tc"``, ``"bkt-rt"``, ...).
    summary
        One-line description.
    options
        Declared options, in the order shown to users.
    outputs
        Parameters the kind produces.
    inputs
        One line on the input files expected.
    """

    kind: str
    summary: str
    options: tuple[Option, ...]
    outputs: tuple[Output, ...] = ()
    inputs: str = ""
    _by_name: dict[str, Option] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)

    def __post_init__(self) -> None:
        names = [o.name for o in self.options]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"kind {self.kind}: options declared twice: {dup}")
        self._by_name.update({o.name: o for o in self.options})

    def option(self, name: str) -> Option:
        """The declared option ``name`` (``OptionError`` when unknown)."""
        if name not in self._by_name:
            raise OptionError(f"{self.kind}: unknown option {name!r}; known: "
                              f"{', '.join(sorted(self._by_name))}")
        return self._by_name[name]

    @property
    def defaults(self) -> dict[str, Any]:
        """Option name -> default value (copies of mutable defaults)."""
        return {o.name: _copy(o.default) for o in self.options}

    def help_map(self) -> dict[str, str]:
        """Option name -> one-line help (the older ``OPTIONS`` mapping)."""
        return {o.name: o.help for o in self.options}

    def resolve(self, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate user options and merge them with the defaults.

        Parameters
        ----------
        options
            Options given by the user (CLI ``-o``, manifest ``options``, keyword arguments).

        Returns
        -------
        dict
            Every declared option with its value (defaults filled in).

        Raises
        ------
        OptionError
            Unknown name, wrong type or value out of range; the message names the kind,
            the option, the value and what is expected.
        """
        options = dict(options or {})
        unknown = sorted(set(options) - set(self._by_name))
        if unknown:
            raise OptionError(f"{self.kind}: unknown option(s) {', '.join(unknown)}; known: "
                              f"{', '.join(o.name for o in self.options)}")
        out = self.defaults
        for name, value in options.items():
            opt = self._by_name[name]
            try:
                out[name] = validate_value(opt, value)
            except OptionError as exc:
                raise OptionError(f"{self.kind}: option {name}={_show(value)}: {exc} "
                                  f"(expected {opt.expected()})") from None
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (``ktoanalysis kinds --json``)."""
        return {"kind": self.kind, "summary": self.summary, "inputs": self.inputs,
                "options": [o.to_dict() for o in self.options],
                "outputs": [o.to_dict() for o in self.outputs]}

    def help_text(self) -> str:
        """Plain-text listing of options and outputs (``fit KIND --help``)."""
        lines = [f"{self.kind}: {self.summary}"]
        if self.inputs:
            lines.append(f"Input: {self.inputs}")
        lines.append("")
        lines.append("Options (-o NAME=VALUE; JSON literals: numbers, true/false, [a, b]):")
        for o in self.options:
            unit = f" [{o.unit}]" if o.unit else ""
            tag = " ASSUMPTION." if o.assumption else ""
            lines.append(f"  {o.name}{unit}: {o.expected()}; default {_show(o.default)}.{tag}"
                         f" {o.help}")
        if self.outputs:
            lines.append("")
            lines.append("Parameters produced:")
            for p in self.outputs:
                lines.append(f"  {p.name}: {p.meaning}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# value checks


def validate_value(opt: Option, value: Any) -> Any:
    """Check one value against an option's declaration; return it normalised.

    Raises
    ------
    OptionError
        With a short reason (the caller adds the option name and expectation).
    """
    if value is None:
        if opt.accepts_none:
            return None
        raise OptionError("null is not allowed")
    reasons = []
    for t in opt.type.split("|"):
        try:
            return _CHECKERS[t](opt, value)
        except OptionError as exc:
            reasons.append(str(exc))
    raise OptionError("; ".join(dict.fromkeys(reasons)))


def _number(opt: Option, value: Any, integral: bool = False) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            import numpy as np

            if isinstance(value, np.generic) and np.issubdtype(type(value), np.number):
                value = value.item()
            else:
                raise TypeError
        except TypeError:
            raise OptionError(f"not a number ({type(value).__name__})") from None
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        raise OptionError("not a finite number")
    if integral:
        if float(value) != int(value):
            raise OptionError("not an integer")
        value = int(value)
    else:
        value = float(value)
    _range(opt, value)
    return value


def _range(opt: Option, v: float) -> None:
    if opt.min is not None and (v < opt.min or (opt.min_exclusive and v == opt.min)):
        raise OptionError(f"{v:g} is below the allowed range")
    if opt.max is not None and (v > opt.max or (opt.max_exclusive and v == opt.max)):
        raise OptionError(f"{v:g} is above the allowed range")


def _check_float(opt: Option, value: Any) -> float:
    return float(_number(opt, value))


def _check_int(opt: Option, value: Any) -> int:
    return int(_number(opt, value, integral=True))


def _check_bool(opt: Option, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise OptionError(f"not true/false ({type(value).__name__})")


def _check_str(opt: Option, value: Any) -> str:
    if not isinstance(value, str):
        raise OptionError(f"not a text ({type(value).__name__})")
    if opt.choices is not None and value not in opt.choices:
        raise OptionError(f"{value!r} is not one of {', '.join(map(repr, opt.choices))}")
    return value


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise OptionError(f"not a list ({type(value).__name__})")
    return list(value)


def _check_pair(opt: Option, value: Any) -> list[float]:
    items = _as_list(value)
    if len(items) != 2:
        raise OptionError(f"a list of {len(items)} values, not 2")
    lo, hi = (_number(opt, v) for v in items)
    if not lo < hi:
        raise OptionError(f"lower value {lo:g} is not below upper value {hi:g}")
    return [float(lo), float(hi)]


def _check_floats(opt: Option, value: Any) -> list[float]:
    items = _as_list(value)
    if not items:
        raise OptionError("an empty list")
    return [float(_number(opt, v)) for v in items]


def _check_strs(opt: Option, value: Any) -> list[str]:
    items = _as_list(value)
    if not items:
        raise OptionError("an empty list")
    return [_check_str(opt, v) for v in items]


_CHECKERS = {"float": _check_float, "int": _check_int, "bool": _check_bool,
             "str": _check_str, "pair": _check_pair, "floats": _check_floats,
             "strs": _check_strs}


def _describe(opt: Option, t: str) -> str:
    rng = _range_text(opt)
    if t in ("float", "int"):
        return ("a number" if t == "float" else "an integer") + rng
    if t == "bool":
        return "true or false"
    if t in ("str", "strs"):
        what = ("one of " + ", ".join(map(repr, opt.choices))) if opt.choices else "a text"
        return what if t == "str" else f"a list, each {what}"
    if t == "pair":
        return "[lo, hi] with lo < hi" + rng
    return "a list of numbers" + rng


def _range_text(opt: Option) -> str:
    lo = None if opt.min is None else ("> " if opt.min_exclusive else ">= ") + f"{opt.min:g}"
    hi = None if opt.max is None else ("< " if opt.max_exclusive else "<= ") + f"{opt.max:g}"
    both = [s for s in (lo, hi) if s]
    return f" ({', '.join(both)})" if both else ""


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:40] + "..." + text[-10:]


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
