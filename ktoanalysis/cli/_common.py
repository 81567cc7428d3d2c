"""Small helpers shared by CLI modules."""

from __future__ import annotations

import json
from typing import Any

import typer

from ..errors import KtoError


def parse_options(items: list[str] | None) -> dict[str, Any]:
    """Parse repeated ``-o key=value`` options; values are JSON literals when they parse
    (numbers, true/false, lists), strings otherwise."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise KtoError(f"option {item!r} is not of the form key=value")
        key, raw = item.split("=", 1)
        try:
            out[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            out[key.strip()] = raw
    return out


def echo_json(obj: Any) -> None:
    """Print a JSON object (indented) on stdout."""
    typer.echo(json.dumps(obj, indent=2, allow_nan=False, default=str))
