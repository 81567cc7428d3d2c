"""Aslamazov-Larkin 2D paraconductivity and the mean-field Tc0 (docs/models/aslamazov_larkin.md).

Sheet conductance correction (universal 2D AL term)::

    dsigma_AL = C_AL * e**2/(16*hbar) / eps,   eps = log(T/Tc0)  or  (T - Tc0)/Tc0
    R_S(T) = 1/(1/R_N(T) + dsigma_AL),        R_N(T) = R_N0 + A_N*(T - T_ref)

ASSUMPTIONs: ``al_reduced_temperature`` (``"log"`` default, ``"linear"``), ``al_prefactor``
(``"free"`` default: C_AL fitted in (0.1, 1e3); ``"fixed"``: C_AL = 1, pure AL) and
``al_background`` (``"none"`` default: constant R_N0; ``"linear"``: free A_N).
A fitted C_AL >> 1 signals an inhomogeneous transition, not "strong AL"
(docs/models/aslamazov_larkin.md).
"""

from __future__ import annotations

from typing import Any, Literal

import lmfit
import numpy as np

from ..errors import FitError
from .lineshapes import G_AL_S, ReducedT, aslamazov_larkin
from .models import AslamazovLarkinModel
from .result import (
    FitResult,
    array_fit_result,
)

__all__ = ["G_AL_S", "aslamazov_larkin", "AslamazovLarkinModel", "fit_al"]



# ---------------------------------------------------------------------------------------
# Aslamazov-Larkin fit


def fit_al(T_K: np.ndarray, R_ohm: np.ndarray, *, sigma_R_ohm: float | None = None,
           Tc0_bounds_K: tuple[float, float] | None = None, R_N_ohm: float | None = None,
           form: ReducedT = "log", prefactor: Literal["free", "fixed"] = "free",
           background: Literal["none", "linear"] = "none") -> FitResult:
    """Fit the AL form to R_S(T) in the fluctuation window (array level).

    Parameters
    ----------
    T_K, R_ohm
        Temperatures (K) and sheet resistances (Ohm) inside the fluctuation window, all
        above the expected Tc0.
    sigma_R_ohm
        Known resistance noise (Ohm): weights 1/sigma, ``scale_covar=False`` and the
        goodness-of-fit check; ``None`` keeps lmfit's default covariance scaling.
    Tc0_bounds_K
        (lower, upper) bounds of Tc0 (K); the upper bound is clipped to just below min(T).
    R_N_ohm
        Normal-state estimate (Ohm): bounds R_N0 to (0.5, 2) R_N.
    form, prefactor, background
        ASSUMPTIONs ``al_reduced_temperature``, ``al_prefactor``, ``al_background``.

    Returns
    -------
    FitResult
        Kind ``"bkt-rt"``; params ``Tc0_AL_K`` (K), ``C_AL``, ``R_N0_ohm`` (Ohm) and,
        with ``background="linear"``, ``A_N_ohm_per_K`` (Ohm/K): correlated ufloats
        (``C_AL`` a plain float when fixed). ``quality``: ``at_bound``,
        ``no_errorbars`` and, with ``sigma_R_ohm``, ``bad_fit`` /
        ``systematic_residuals``. ``lmfit_result`` is the lmfit ModelResult; the
        result carries no plot data (use :func:`ktoanalysis.transport.bkt.analyze`).

    Raises
    ------
    FitError
        Fewer points than parameters + 2, an unknown option, or a parameter ending at a
        bound.
    """
    res = _fit_al_lmfit(T_K, R_ohm, sigma_R_ohm=sigma_R_ohm, Tc0_bounds_K=Tc0_bounds_K,
                        R_N_ohm=R_N_ohm, form=form, prefactor=prefactor, background=background)
    names = {"Tc0": "Tc0_AL_K", "C_AL": "C_AL", "R_N0": "R_N0_ohm"}
    if background == "linear":
        names["A_N"] = "A_N_ohm_per_K"
    options = {"sigma_R_ohm": sigma_R_ohm, "Tc0_bounds_K": Tc0_bounds_K, "R_N_ohm": R_N_ohm,
               "form": form, "prefactor": prefactor, "background": background}
    return array_fit_result(res, kind="bkt-rt", names=names, function="fit_al",
                            options=options, what="Aslamazov-Larkin fit",
                            residuals=res.data - res.best_fit, sigma=sigma_R_ohm)


def _fit_al_lmfit(T_K: np.ndarray, R_ohm: np.ndarray, *, sigma_R_ohm: float | None = None,
                  Tc0_bounds_K: tuple[float, float] | None = None,
                  R_N_ohm: float | None = None, form: ReducedT = "log",
                  prefactor: Literal["free", "fixed"] = "free",
                  background: Literal["none", "linear"] = "none") -> lmfit.model.ModelResult:
    """The AL fit of :func:`fit_al` as an lmfit ModelResult (used by ``bkt.analyze``).

    Raises
    ------
    FitError
        As :func:`fit_al`.
    """
    T = np.asarray(T_K, float)
    R = np.asarray(R_ohm, float)
    ok = np.isfinite(T) & np.isfinite(R) & (R > 0)
    T, R = T[ok], R[ok]
    if prefactor not in ("free", "fixed"):
        raise FitError(f"al_prefactor must be 'free' or 'fixed', not {prefactor!r}")
    if background not in ("none", "linear"):
        raise FitError(f"al_background must be 'none' or 'linear', not {background!r}")
    nvar = 2 + (prefactor == "free") + (background == "linear")
    if T.size < nvar + 2:
        raise FitError(f"Aslamazov-Larkin fit: {T.size} points in the fluctuation window, "
                       f"need at least {nvar + 2}")
    model = AslamazovLarkinModel(form=form)
    pars = model.guess(R, T=T, R_N=R_N_ohm)
    upper = float(T.min()) * (1 - 1e-5)
    lo, hi = (0.5 * upper, upper) if Tc0_bounds_K is None else Tc0_bounds_K
    hi = min(float(hi), upper)
    lo = min(float(lo), 0.999 * hi)
    pars["Tc0"].set(value=min(max(pars["Tc0"].value, lo + 1e-6 * hi), hi * (1 - 1e-6)),
                    min=lo, max=hi)
    if R_N_ohm is not None:
        pars["R_N0"].set(min=0.5 * R_N_ohm, max=2.0 * R_N_ohm,
                         value=min(max(pars["R_N0"].value, 0.5 * R_N_ohm), 2.0 * R_N_ohm))
    if prefactor == "fixed":
        pars["C_AL"].set(value=1.0, vary=False)
    if background == "linear":
        pars["T_ref"].set(value=float(T.max()), vary=False)
        pars["A_N"].set(value=0.0, vary=True)
    kw: dict[str, Any] = {}
    if sigma_R_ohm is not None:
        kw = {"weights": np.full(T.size, 1.0 / sigma_R_ohm), "scale_covar": False}
    res = model.fit(R, pars, T=T, **kw)
    for name, p in res.params.items():
        if p.vary and (np.isclose(p.value, p.min, rtol=1e-6, atol=0)
                       or np.isclose(p.value, p.max, rtol=1e-6, atol=0)):
            raise FitError(f"Aslamazov-Larkin fit: {name} = {p.value:.6g} ended at its bound "
                           f"({p.min:.4g}, {p.max:.4g}); no trustworthy Tc0")
    return res
