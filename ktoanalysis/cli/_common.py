"""Small helpers shared by CLI modules."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import typer

from ..errors import KtoError

#: longest integer literal kept exact; longer ones are read as floats (so that a huge
#: number is refused as "not finite" instead of crashing the validator)
_MAX_INT_DIGITS = 300


def _parse_int(text: str) -> int | float:
    digits = text.lstrip("+-")
    return float(text) if len(digits) > _MAX_INT_DIGITS else int(text)


def parse_value(raw: str) -> Any:
    """One ``-o`` value: a JSON literal when it parses (numbers, true/false, null, lists,
    objects), else the text with surrounding blanks removed.

    An integer literal too long for a float becomes ``inf`` (refused by the declaration
    like ``1e400``); nesting too deep for the parser is kept as text.
    """
    try:
        return json.loads(raw, parse_int=_parse_int)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return raw.strip()


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """Parse repeated ``-o key=value`` options (see :func:`parse_value`)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise KtoError(f"option {item!r} is not of the form key=value")
        key, raw = item.split("=", 1)
        if not key.strip():
            raise KtoError(f"option {item!r} has no name before '='")
        out[key.strip()] = parse_value(raw)
    return out


def parse_channel(text: str | None) -> int | str | None:
    """The ``--channel`` value: a channel number >= 1 (``2``, ``ch2``, ``CH 2``,
    ``channel 2``) or a column name (``Rxy_ch2_ohm``); see
    :func:`ktoanalysis.io.measurement.channel_number`.

    Raises
    ------
    KtoError
        Empty text or channel number 0.
    """
    if text is None:
        return None
    from ..errors import DataFormatError
    from ..io.measurement import channel_number

    value = text.strip()
    if not value:
        raise KtoError("--channel: empty (expected a channel number >= 1 such as 1 or ch1, "
                       "or a column name)")
    try:
        return channel_number(value)
    except DataFormatError as exc:
        raise KtoError(f"--channel {text!r}: {exc.reason.removeprefix(f'channel {value!r}: ')}"
                       ) from None


def json_safe(obj: Any) -> Any:
    """``obj`` with non-finite floats replaced by ``None`` (JSON has no NaN/inf) and
    tuples turned into lists; other objects unchanged."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def echo_json(obj: Any) -> None:
    """Print a JSON object (indented) on stdout; NaN/inf are written as ``null``, other
    values JSON does not know as their text."""
    typer.echo(json.dumps(json_safe(obj), indent=2, allow_nan=False, default=str))
