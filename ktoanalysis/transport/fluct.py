"""Aslamazov-Larkin 2D paraconductivity and the mean-field Tc0 (MODELS.md section 3).

Sheet conductance correction (universal 2D AL term)::

    dsigma_AL = C_AL * e**2/(16*hbar) / eps,   eps = log(T/Tc0)  or  (T - Tc0)/Tc0
    R_S(T) = 1/(1/R_N(T) + dsigma_AL),        R_N(T) = R_N0 + A_N*(T - T_ref)

ASSUMPTIONs: ``al_reduced_temperature`` (``"log"`` default, ``"linear"``), ``al_prefactor``
(``"free"`` default: C_AL fitted in (0.1, 1e3); ``"fixed"``: C_AL = 1, pure AL) and
``al_background`` (``"none"`` default: constant R_N0; ``"linear"``: free A_N).
A fitted C_AL >> 1 signals an inhomogeneous transition, not "strong AL" (MODELS.md 3a).
"""

from __future__ import annotations

from typing import Any, Literal

import lmfit
import numpy as np

from ..errors import FitError
from ..units import HBAR, E

__all__ = ["G_AL_S", "aslamazov_larkin", "AslamazovLarkinModel", "fit_al"]

#: universal 2D AL conductance e^2/(16 hbar) (S)
G_AL_S: float = E**2 / (16 * HBAR)

_TINY = 1e-12

ReducedT = Literal["log", "linear"]


def aslamazov_larkin(T: np.ndarray, R_N0: float = 1e3, Tc0: float = 1.0, C_AL: float = 1.0,
                     A_N: float = 0.0, T_ref: float = 0.0, form: ReducedT = "log"
                     ) -> np.ndarray:
    """Sheet resistance (Ohm) with the 2D Aslamazov-Larkin correction.

    Parameters
    ----------
    T
        Temperature (K), must exceed Tc0 (eps is clipped at 1e-12 otherwise).
    R_N0
        Normal-state sheet resistance at ``T_ref`` (Ohm).
    Tc0
        Mean-field transition temperature (K).
    C_AL
        Prefactor of the universal term (1 = pure AL).
    A_N
        Normal-state slope (Ohm/K).
    T_ref
        Reference temperature of the normal-state line (K).
    form
        Reduced temperature ``"log"`` (log(T/Tc0)) or ``"linear"`` ((T - Tc0)/Tc0).
    """
    T = np.asarray(T, dtype=float)
    Tc0 = max(float(Tc0), _TINY)
    eps = np.log(T / Tc0) if form == "log" else (T - Tc0) / Tc0
    eps = np.maximum(eps, _TINY)
    RN = R_N0 + A_N * (T - T_ref)
    return 1.0 / (1.0 / RN + C_AL * G_AL_S / eps)


class AslamazovLarkinModel(lmfit.Model):
    """lmfit model of :func:`aslamazov_larkin` (R_S in Ohm versus T in K).

    Parameters
    ----------
    form
        ASSUMPTION ``al_reduced_temperature``: ``"log"`` (default) or ``"linear"``.
    """

    valid_forms = ("log", "linear")

    def __init__(self, form: ReducedT = "log", **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"al_reduced_temperature must be one of {self.valid_forms}, "
                           f"not {form!r}")
        kwargs.setdefault("independent_vars", ["T"])

        def al(T, R_N0=1e3, Tc0=1.0, C_AL=1.0, A_N=0.0, T_ref=0.0):
            return aslamazov_larkin(T, R_N0, Tc0, C_AL, A_N, T_ref, form)

        super().__init__(al, **kwargs)
        self.form = form
        self.set_param_hint("R_N0", min=0.0)
        self.set_param_hint("C_AL", min=0.1, max=1e3)
        self.set_param_hint("Tc0", min=0.0)
        self.set_param_hint("A_N", value=0.0, vary=False)
        self.set_param_hint("T_ref", value=0.0, vary=False)

    def guess(self, data: np.ndarray, T: np.ndarray, R_N: float | None = None,
              **kwargs: Any) -> lmfit.Parameters:
        """Starting values from a grid scan of (R_N0, Tc0) with a linear solve for C_AL in
        the linearised form ``1/R - 1/R_N0 = C_AL*G/eps``.

        Parameters
        ----------
        data
            Sheet resistance (Ohm).
        T
            Temperature (K).
        R_N
            Normal-state estimate (Ohm); the R_N0 grid spans (0.5, 2) R_N, else
            (1, 10) max(data).
        """
        data = np.asarray(data, float)
        T = np.asarray(T, float)
        top = float(np.max(data)) * 1.001
        rns = (np.geomspace(max(0.5 * R_N, top), 2.0 * R_N, 25) if R_N is not None
               and 2.0 * R_N > top else np.geomspace(top, 10 * top, 25))
        best = (np.inf, float(rns[0]), 0.9 * float(T.min()), 1.0)
        y = 1.0 / data[None, :] - 1.0 / rns[:, None]            # (n_rn, n)
        for Tc0 in T.min() * (1 - np.geomspace(1e-4, 0.5, 120)):
            eps = np.log(T / Tc0) if self.form == "log" else (T - Tc0) / Tc0
            x = G_AL_S / eps
            # linear solve for C_AL at every R_N0 of the grid at once
            C = np.clip((y @ x) / np.dot(x, x), 0.1, 1e3)       # (n_rn,)
            r = np.sum(((y - C[:, None] * x[None, :]) * data[None, :] ** 2) ** 2, axis=1)
            r = np.where(np.isfinite(r), r, np.inf)
            j = int(np.argmin(r))
            if r[j] < best[0]:
                best = (float(r[j]), float(rns[j]), float(Tc0), float(C[j]))
        pars = self.make_params(R_N0=best[1], Tc0=best[2], C_AL=best[3])
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


def fit_al(T_K: np.ndarray, R_ohm: np.ndarray, *, sigma_R_ohm: float | None = None,
           Tc0_bounds_K: tuple[float, float] | None = None, R_N_ohm: float | None = None,
           form: ReducedT = "log", prefactor: Literal["free", "fixed"] = "free",
           background: Literal["none", "linear"] = "none") -> lmfit.model.ModelResult:
    """Fit the AL form to R_S(T) in the fluctuation window (array level).

    Parameters
    ----------
    T_K, R_ohm
        Temperatures (K) and sheet resistances (Ohm) inside the fluctuation window, all
        above the expected Tc0.
    sigma_R_ohm
        Known resistance noise (Ohm): weights 1/sigma and ``scale_covar=False``; ``None``
        keeps lmfit's default covariance scaling.
    Tc0_bounds_K
        (lower, upper) bounds of Tc0 (K); the upper bound is clipped to just below min(T).
    R_N_ohm
        Normal-state estimate (Ohm): bounds R_N0 to (0.5, 2) R_N.
    form, prefactor, background
        ASSUMPTIONs ``al_reduced_temperature``, ``al_prefactor``, ``al_background``.

    Returns
    -------
    lmfit.model.ModelResult

    Raises
    ------
    FitError
        Fewer points than parameters + 2, an unknown option, or a parameter ending at a
        bound.
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
