"""Shared-parameter ("global") fits of several data sets.

lmfit has no multi-dataset Model API (issue #217; the idea of the unreleased PR #1018):
each data set gets its own :class:`lmfit.Model` with a distinct ``prefix``; the parameters of
all models are merged, shared parameters become one global parameter to which every member
is tied with an ``expr``, and the weighted residuals of all data sets are concatenated and
minimised together. The result is an ordinary :class:`lmfit.minimizer.MinimizerResult`
(covariance, ``errorbars``, chi-square, AIC/BIC over all points), so
:func:`ktoanalysis.transport.result.params_from_lmfit` applies unchanged.

Example: GL perpendicular and parallel Hc2(T) sharing Tc::

    sets = [DataSet(GLPerpModel(prefix="perp_"), T1, B1),
            DataSet(GLParModel(prefix="par_"), T2, B2)]
    gf = GlobalFit(sets, shared={"Tc": ["perp_Tc", "par_Tc"]})
    res = gf.fit()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lmfit
import numpy as np

from ..errors import FitError
from . import _lmfit_guard  # noqa: F401  (numpy error state kept when a fit raises)

__all__ = ["DataSet", "GlobalFit", "GlobalFitResult"]


@dataclass
class DataSet:
    """One data set of a global fit.

    Attributes
    ----------
    model
        lmfit Model with a prefix unique among the data sets.
    x
        Independent variable (passed as the model's first independent variable).
    y
        Data.
    weights
        Multiplicative residual weights (``1/sigma``), or None.
    name
        Label (default: the model prefix without the trailing underscore).
    guess
        Whether to seed the parameters from ``model.guess(y, x)`` (if it has one).
    """

    model: lmfit.Model
    x: np.ndarray
    y: np.ndarray
    weights: np.ndarray | None = None
    name: str = ""
    guess: bool = True
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=float)
        self.y = np.asarray(self.y, dtype=float)
        if self.x.shape != self.y.shape:
            raise FitError(f"data set {self.name or self.model.prefix!r}: x and y differ in "
                           f"shape {self.x.shape} vs {self.y.shape}")
        if self.weights is not None:
            self.weights = np.broadcast_to(np.asarray(self.weights, dtype=float),
                                           self.y.shape).copy()
        if not self.name:
            self.name = self.model.prefix.rstrip("_") or self.model.name

    def eval(self, params: lmfit.Parameters, x: np.ndarray | None = None) -> np.ndarray:
        """Model values at x (default: the data x) for the given (global) parameters."""
        indep = self.model.independent_vars[0]
        kw = {indep: self.x if x is None else np.asarray(x, dtype=float)} | self.kwargs
        return np.asarray(self.model.eval(params, **kw), dtype=float)

    def residual(self, params: lmfit.Parameters) -> np.ndarray:
        """Weighted residual (model - data) * weights."""
        r = self.eval(params) - self.y
        return r * self.weights if self.weights is not None else r


@dataclass
class GlobalFitResult:
    """Result of :meth:`GlobalFit.fit`: the MinimizerResult plus per-data-set views."""

    minimizer_result: Any
    datasets: list[DataSet]

    @property
    def params(self) -> lmfit.Parameters:
        """Best-fit parameters (all prefixed members and the shared globals)."""
        return self.minimizer_result.params

    def best_fit(self, i: int) -> np.ndarray:
        """Best-fit curve of data set ``i`` at its data points."""
        return self.datasets[i].eval(self.params)

    def chisqr(self, i: int) -> float:
        """Weighted chi-square contribution of data set ``i``."""
        return float(np.sum(self.datasets[i].residual(self.params) ** 2))

    def eval_uncertainty(self, i: int, x: np.ndarray, sigma: float = 1.0) -> np.ndarray:
        """1-sigma (times ``sigma``) band of data set ``i``'s model at x, from the covariance
        (linear propagation with a central finite-difference Jacobian)."""
        res = self.minimizer_result
        x = np.asarray(x, dtype=float)
        if res.covar is None:
            return np.full(x.shape, np.nan)
        names = list(res.var_names)
        jac = np.empty((len(names), x.size))
        for k, n in enumerate(names):
            p = self.params[n]
            h = 1e-6 * max(abs(p.value), 1e-12) if p.stderr is None \
                else max(1e-3 * p.stderr, 1e-9 * max(abs(p.value), 1e-12))
            ps, pm = self.params.copy(), self.params.copy()
            ps[n].set(value=p.value + h, min=-np.inf, max=np.inf)
            pm[n].set(value=p.value - h, min=-np.inf, max=np.inf)
            ps.update_constraints()
            pm.update_constraints()
            jac[k] = (self.datasets[i].eval(ps, x) - self.datasets[i].eval(pm, x)) / (2 * h)
        var = np.einsum("ij,ik,kj->j", jac, res.covar, jac)
        return sigma * np.sqrt(np.maximum(var, 0.0))


class GlobalFit:
    """Joint fit of several data sets with shared parameters (concatenated residuals).

    Parameters
    ----------
    datasets
        Data sets, each with a distinctly prefixed model.
    shared
        Mapping global name -> list of member parameter names (prefixed), e.g.
        ``{"Tc": ["perp_Tc", "par_Tc"]}``; or a list of unprefixed names shared by every
        data set whose model has them (``["Tc"]``). Members get ``expr = <global name>``;
        the global starts at the mean of the members' starting values and takes their
        bounds (the intersection).
    """

    def __init__(self, datasets: Sequence[DataSet],
                 shared: Mapping[str, Sequence[str]] | Sequence[str] = ()) -> None:
        if not datasets:
            raise FitError("a global fit needs at least one data set")
        prefixes = [d.model.prefix for d in datasets]
        if len(set(prefixes)) != len(prefixes):
            raise FitError(f"data-set models need distinct prefixes, got {prefixes}")
        self.datasets = list(datasets)
        if isinstance(shared, Mapping):
            self.shared = {k: list(v) for k, v in shared.items()}
        else:
            self.shared = {}
            for name in shared:
                members = [d.model.prefix + name for d in self.datasets
                           if name in d.model.param_names or
                           d.model.prefix + name in d.model.param_names]
                self.shared[name] = members

    def make_params(self, **values: float) -> lmfit.Parameters:
        """Merged parameters (guessed per data set where possible) with shared links.

        Keyword arguments set starting values of any (global or prefixed) parameter.
        """
        params = lmfit.Parameters()
        for d in self.datasets:
            p = None
            if d.guess and d.y.size >= 3:
                try:
                    indep = d.model.independent_vars[0]
                    with np.errstate(all="ignore"):
                        p = d.model.guess(d.y, **{indep: d.x})
                except (NotImplementedError, ValueError, TypeError, np.linalg.LinAlgError):
                    p = None
            if p is None:
                p = d.model.make_params()
            for par in p.values():
                params.add(par)
        for gname, members in self.shared.items():
            missing = [m for m in members if m not in params]
            if missing or not members:
                raise FitError(f"shared parameter {gname!r}: no member(s) {missing or members}")
            if gname in params:
                raise FitError(f"shared name {gname!r} collides with a data-set parameter")
            vals = [params[m].value for m in members]
            lo = max(params[m].min for m in members)
            hi = min(params[m].max for m in members)
            v0 = float(np.clip(np.mean(vals), lo, hi)) if lo <= hi else float(np.mean(vals))
            if lo > hi:
                lo, hi = -np.inf, np.inf
            params.add(gname, value=v0, min=lo, max=hi)
            for m in members:
                params[m].set(expr=gname)
        for name, v in values.items():
            if name not in params:
                raise FitError(f"unknown parameter {name!r}; known: {list(params)}")
            params[name].set(value=v)
        return params

    def residual(self, params: lmfit.Parameters) -> np.ndarray:
        """Concatenated weighted residuals of all data sets."""
        return np.concatenate([d.residual(params) for d in self.datasets])

    def fit(self, params: lmfit.Parameters | None = None, *, method: str = "leastsq",
            scale_covar: bool = True, **kws: Any) -> GlobalFitResult:
        """Minimise the joined residual.

        Parameters
        ----------
        params
            Starting parameters (default :meth:`make_params`).
        method
            lmfit minimisation method.
        scale_covar
            Scale the covariance by the reduced chi-square (lmfit default). Use False when
            the weights are ``1/sigma`` of known measurement errors.

        Returns
        -------
        GlobalFitResult
        """
        params = self.make_params() if params is None else params
        ndata = sum(d.y.size for d in self.datasets)
        nvary = sum(1 for p in params.values() if p.vary and not p.expr)
        if ndata <= nvary:
            raise FitError(f"global fit: {ndata} points for {nvary} free parameters")
        mini = lmfit.Minimizer(self.residual, params, scale_covar=scale_covar, nan_policy="raise")
        try:
            res = mini.minimize(method=method, **kws)
        except ValueError as exc:  # NaN in the residual
            raise FitError(f"global fit failed: {exc}") from exc
        return GlobalFitResult(res, self.datasets)
