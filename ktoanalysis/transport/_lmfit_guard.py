"""Keeps numpy's floating-point error state intact across lmfit fits that raise.

``lmfit.Minimizer.leastsq`` (lmfit 1.3.x, ``minimizer.py``) calls
``np.seterr(all="ignore")`` before the fit and restores the caller's settings only on a
normal return: a fit that raises (a ``ZeroDivisionError`` in a model, ``nan_policy="raise"``,
a singular matrix...) leaves numpy's overflow/divide/invalid warnings switched off for all
later code of the process. The kinds catch such failures (a fallback fit, or
``FitError: numerical failure``), so every such fit would leak that state to the caller.

:func:`install` wraps ``Minimizer.leastsq`` once in ``with np.errstate():``, which restores
the error state on exit whether the fit returns or raises. The fit itself is unchanged
(lmfit still silences numpy's warnings *inside* it, as it intends). Imported for its effect
by the modules that fit with lmfit (:mod:`ktoanalysis.transport.models`,
:mod:`ktoanalysis.transport.global_fit`).
"""

from __future__ import annotations

import functools
from typing import Any

import lmfit
import numpy as np

__all__: list[str] = []

_MARK = "_ktoanalysis_keeps_errstate"


def install() -> None:
    """Make ``lmfit.Minimizer.leastsq`` restore numpy's error state also when it raises.

    Idempotent (a second call finds the wrapper and returns). Harmless should a later
    lmfit restore the state itself.
    """
    original = lmfit.Minimizer.leastsq
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def leastsq(self: lmfit.Minimizer, *args: Any, **kwargs: Any) -> Any:
        with np.errstate():  # saves the caller's state; restores it on return or raise
            return original(self, *args, **kwargs)

    setattr(leastsq, _MARK, True)
    lmfit.Minimizer.leastsq = leastsq  # type: ignore[method-assign]


install()
