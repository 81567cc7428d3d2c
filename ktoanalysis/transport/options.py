"""Option handling shared by every analysis kind."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import FitError

__all__ = ["check_options", "reject_unknown"]


def reject_unknown(options: Mapping[str, Any], known: Iterable[str], kind: str) -> None:
    """Raise :class:`FitError` naming any option of ``options`` not in ``known``.

    Parameters
    ----------
    options
        Options given by the user (keyword arguments of ``analyze``).
    known
        Accepted option names.
    kind
        Analysis kind, for the message.
    """
    known = set(known)
    unknown = sorted(set(options) - known)
    if unknown:
        raise FitError(f"unknown option(s) for {kind}: {', '.join(unknown)}; known: "
                       f"{', '.join(sorted(known))}")


def check_options(options: dict[str, Any], known: dict[str, Any], kind: str) -> dict[str, Any]:
    """Merge user options with defaults; unknown names raise :class:`FitError`."""
    reject_unknown(options, known, kind)
    return known | options
