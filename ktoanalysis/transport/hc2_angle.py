"""Kind ``hc2-angle``: Hc2(theta), 2D Tinkham vs 3D anisotropic GL (docs/models/hc2_angle.md).

Input (each measurement is one of):

* a table of precomputed points: ``theta_rad`` (CSV header ``theta (deg)``) and ``Hc2_T``
  (header ``Hc2 (T)``; ``Bc2_T`` accepted), optionally ``Hc2_err_T`` (known 1-sigma errors,
  then the fit uses ``weights = 1/sigma`` and ``scale_covar = False``);
* R(H) sweeps at fixed angles: the angle from a ``theta_rad`` column (constant within a
  sweep) or from ``metadata["theta_rad"]`` (one angle per file); Hc2 at each angle is
  extracted with the §5.1 criterion (fraction of R_N, default 50 %).

Fitting (multi-start)
---------------------
Both models are homogeneous of degree one in (H_perp, H_par), so for a fixed anisotropy
``gamma = H_par/H_perp`` and offset ``theta0`` the best H_par is a weighted linear least
squares. Each candidate is first scanned on a grid of gamma (1 ... 1000, log spaced) x
theta0 (-4.5 ... 4.5 deg when fitted) with H_par profiled out; lmfit is then started from
the model's own guess, from the best local minima of that grid and from the best cell of
each anisotropy band (1-4, 4-30, 30-1000). The lowest chi-square is kept;
:func:`~ktoanalysis.transport.quality.check_multistart` flags equally good minima that
disagree. The fit parameters are H_par, gamma (``anisotropy``, bound ``>= 1``) and
theta0 (bounds +-5 deg); H_perp = H_par/gamma is derived with its correlated error.
The array-level :func:`fit_hc2_angle` runs the same fits on arrays and returns a
:class:`~ktoanalysis.transport.result.FitResult` with the parameters, model selection and
fit flags :func:`analyze` reports for a table of these points (no plot data).

Weights (``use_sigma``): known errors of a table column are absolute (``scale_covar=False``);
without them the default assumes a constant *relative* noise (ASSUMPTION): a first pass
weights by 1/Hc2 (data), the final fits of both models by 1/Hc2 of the better first-pass
model (the same weights for both), with the covariance scaled by the reduced chi-square.
An unweighted fit (``use_sigma=false``) of data whose noise grows with Hc2 understates the
H_par error (1-sigma coverage about 20 % in simulations), hence this default.

Model selection
---------------
Both models have the same number of parameters, so AIC and BIC differences coincide:
``delta = AIC(GL) - AIC(Tinkham)`` is ``(chi2_GL - chi2_T)/c`` with known errors
(``c = max(1, smaller reduced chi-square)``, the quasi-likelihood correction when both fits
are poor) and ``n*ln(chi2_GL/chi2_T)`` otherwise (lmfit's AIC difference). The model with
the lower AIC is reported (``options["best_model"]``, unprefixed parameters). The choice is
called clear when ``|delta| >= 6``, i.e. the Akaike weight of the rejected model is below
5 % (``exp(-3)/(1 + exp(-3)) = 4.7 %``); below that the result carries ``model_ambiguous``
and ``Hc2_perp_T``/``Hc2_par_T`` become the Akaike-weighted average of the two models
with the unconditional variance of Burnham & Anderson (2004): statistical part
``sqrt(sum w_i sigma_i^2)``, "model choice" systematic ``sqrt(sum w_i (x_i - xbar)^2)``
(``anisotropy`` and ``theta0_rad`` stay those of the better model). "decisive"
(``|delta| > 10``) is never claimed when a multi-start check or a candidate failed.

Quality flags
-------------
``bad_fit`` / ``systematic_residuals`` (the chosen model against the known errors, or
against the noise estimated from the scatter of ln Hc2, runs test over theta),
``at_bound`` (theta0 at +-5 deg: fail; anisotropy at its lower bound 1: warn - isotropic
data or the wrong ``theta_convention``), ``local_minimum``, ``candidate_failed``,
``too_few_points`` (fewer than 8 distinct angles: warn), ``extrapolated`` (no angle
within 3 deg of the parallel direction: H_par is extrapolated; none within 10 deg of the
perpendicular direction: H_perp is extrapolated), ``criterion_not_reached`` (censored
sweeps), ``no_errorbars``, and the kind-specific code ``model_ambiguous`` (warn: the data
do not decide between Tinkham and GL).

Error budget
------------
``Hc2_perp_T`` and ``Hc2_par_T`` carry statistical errors from the fit plus the systematics
``criterion`` (only for points extracted from R(H) sweeps: half the change when the
criterion is moved by +-0.1) and ``model choice`` (only when ``model_ambiguous``, see
above).

ASSUMPTIONs: ``theta_convention``, ``criterion``, ``rn_method``, ``fit_theta0``,
``use_sigma`` (relative noise when no errors are given); H_par >=
H_perp (anisotropy >= 1, the parallel direction has the larger critical field).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import lmfit
import numpy as np

from ..errors import DataFormatError, FitError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .hc2 import (
    AnisotropicGLModel,
    TinkhamModel,
    extract_hc2_points,
    gl3d_hc2,
    hc2_column,
    hc2_points_from_table,
    points_table,
    tinkham_hc2,
)
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_multistart,
    check_points,
    fail,
    noise_from_differences,
    warn,
)
from .result import (
    FitResult,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)

__all__ = ["SPEC", "OPTIONS", "MODELS", "CandidateFit", "fit_candidate", "fit_hc2_angle",
           "select_model", "quality_flags", "brackets_parallel", "analyze", "plot",
           "collect_angle_points"]

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("theta_convention", "str", "from_normal", "angle origin: 'from_normal' (theta = 0 "
           "is the field along the sample normal) or 'from_plane'",
           choices=("from_normal", "from_plane"), assumption=True),
    Option("fit_theta0", "bool|str", "auto", "fit the rotator offset theta0 (bounds +-5 deg): "
           "true, false or 'auto' (fit when the data bracket the parallel direction)",
           choices=("auto",), assumption=True),
    Option("theta0_deg", "float", 0.0, "fixed rotator offset when theta0 is not fitted",
           unit="deg", min=-90.0, max=90.0, min_exclusive=True, max_exclusive=True),
    Option("criterion", "float", 0.5, "fraction f of R_N defining Hc2 from R(H) sweeps",
           min=0.0, max=1.0, min_exclusive=True, max_exclusive=True, assumption=True),
    Option("rn_method", "str", "plateau", "R_N of each sweep: 'plateau' (high-field plateau), "
           "'fixed_B' (R at rn_field_T), 'fixed_value' (R_N_ohm)",
           choices=("plateau", "fixed_B", "fixed_value"), assumption=True),
    Option("rn_field_T", "float", None, "field of R_N for rn_method='fixed_B'", unit="T",
           min=0.0, min_exclusive=True),
    Option("R_N_ohm", "float", None, "R_N for rn_method='fixed_value'", unit="Ohm", min=0.0,
           min_exclusive=True),
    Option("theta_tol_deg", "float", 0.05, "tolerance for grouping sweeps at one angle",
           unit="deg", min=0.0, min_exclusive=True),
    Option("window_deg", "pair", None, "[min, max] of theta used in the fit (default: all)",
           unit="deg"),
    Option("use_sigma", "bool|str", "auto", "weighting: 'auto' (known errors of a table "
           "column: weights 1/sigma, scale_covar=False; otherwise 'relative'), 'relative' "
           "(constant relative noise: weights 1/Hc2, scaled covariance), true (the errors as "
           "relative weights, scaled covariance), false (unweighted, scaled covariance)",
           choices=("auto", "relative"), assumption=True),
)

SPEC = KindSpec(
    kind="hc2-angle",
    summary="Hc2(theta): 2D Tinkham vs 3D anisotropic GL",
    inputs="a table theta (deg), Hc2 (T) [, Hc2_err (T)], or R(H) sweeps at fixed angles "
           "(theta column or one angle per file in the metadata)",
    options=SPEC_OPTIONS,
    outputs=(
        Output("Hc2_perp_T", "perpendicular critical field of the chosen model", "T"),
        Output("Hc2_par_T", "parallel critical field of the chosen model", "T"),
        Output("anisotropy", "Hc2_par/Hc2_perp of the chosen model"),
        Output("theta0_rad", "rotator offset (when fitted)", "rad"),
        Output("<model>_<name>", "the same for each candidate (tinkham_2d_, gl_3d_)"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()
_DEFAULTS: dict[str, Any] = SPEC.defaults

MODELS = {"tinkham_2d": TinkhamModel, "gl_3d": AnisotropicGLModel}
_FUNCS = {"tinkham_2d": tinkham_hc2, "gl_3d": gl3d_hc2}
_LABELS = {"tinkham_2d": "2D Tinkham", "gl_3d": "3D anisotropic GL"}

_DEG = math.pi / 180.0
#: |delta AIC| below which the model choice is not clear (Akaike weight of the loser > 5 %)
CLEAR_DELTA = 6.0
#: |delta AIC| above which the evidence is called decisive
DECISIVE_DELTA = 10.0
_GAMMA_GRID = np.logspace(0.0, 3.0, 43)
_THETA0_GRID = np.arange(-4.5, 4.51, 0.5) * _DEG
_N_GRID_STARTS = 3
#: anisotropy bands whose best grid cell is always a start (diversity of the multi-start)
_GAMMA_BANDS = ((1.0, 4.0), (4.0, 30.0), (30.0, 1001.0))
_MIN_ANGLES = 8
_PAR_SAMPLED_DEG = 3.0
_PERP_SAMPLED_DEG = 10.0
_CRITERION_STEP = 0.1
_NAMES = {"H_perp": "Hc2_perp_T", "H_par": "Hc2_par_T", "anisotropy": "anisotropy",
          "theta0": "theta0_rad"}


# --------------------------------------------------------------------------------------
# input
# --------------------------------------------------------------------------------------
def collect_angle_points(measurements: list[Measurement], opts: dict[str, Any]):
    """(theta [rad], Hc2 [T], sigma [T] or NaN, sigma_known, provenance list, censored).

    ``sigma_known`` is True only when every point comes from a table with an error column.
    """
    th, hc, er, prov, cens = [], [], [], [], []
    known = True
    for m in measurements:
        if hc2_column(m) is not None:
            x, y, e = hc2_points_from_table(m, "theta_rad")
            if e is None:
                known = False
                e = np.full(x.shape, np.nan)
            th.append(x)
            hc.append(y)
            er.append(e)
            prov.append({"file": m.source, "input": "points",
                         "columns": ["theta_rad", "Hc2_T"]})
            continue
        known = False
        pts = _sweep_points(m, opts)
        for p in pts:
            if p.censored:
                cens.append({"theta_rad": p.fixed, "bound_T": p.value, "kind": p.censored})
                continue
            th.append(np.array([p.fixed]))
            hc.append(np.array([p.value]))
            er.append(np.array([p.stderr]))
        prov.append({"file": m.source, "input": "R(H) sweeps",
                     "columns": ["B_T", m.resistance_column(), "theta_rad"],
                     "points": points_table(pts, "theta_rad").to_dict(orient="list")})
    if not th:
        raise RefusedError("hc2-angle: no Hc2(theta) point could be extracted (no transition "
                           "inside the field range at any angle)")
    return (np.concatenate(th), np.concatenate(hc), np.concatenate(er), known, prov, cens)


def _sweep_points(m: Measurement, opts: dict[str, Any]):
    kw = {"fraction": opts["criterion"], "rn_method": opts["rn_method"],
          "rn_field_T": opts["rn_field_T"], "R_N_ohm": opts["R_N_ohm"]}
    if "theta_rad" in m.data.columns:
        return extract_hc2_points(m, by="theta_rad", by_tol=math.radians(opts["theta_tol_deg"]),
                                  **kw)
    if "theta_rad" in m.metadata:
        pts = extract_hc2_points(m, by=None, **kw)
        for p in pts:
            p.fixed = float(m.metadata["theta_rad"])
        return pts
    raise DataFormatError("no field angle: need a theta_rad column, metadata['theta_rad'], "
                          "or an Hc2_T table", file=m.source, column="theta_rad",
                          expected="'theta (deg)' column")


def _has_sweeps(measurements: list[Measurement]) -> bool:
    return any(hc2_column(m) is None for m in measurements)


# --------------------------------------------------------------------------------------
# fitting one candidate (multi-start)
# --------------------------------------------------------------------------------------
@dataclass
class CandidateFit:
    """All fits of one candidate model.

    Attributes
    ----------
    name
        ``"tinkham_2d"`` or ``"gl_3d"``.
    best
        lmfit ``ModelResult`` with the lowest chi-square, ``None`` when every start failed.
    starts
        Every finished fit (one per starting guess).
    theta0_fitted
        Whether theta0 was a free parameter.
    message
        Why the candidate failed (empty when it did not).
    """

    name: str
    best: Any
    starts: list[Any] = field(default_factory=list)
    theta0_fitted: bool = False
    message: str = ""

    @property
    def ok(self) -> bool:
        """True when at least one start converged to finite parameters."""
        return self.best is not None


def _par_direction(convention: str) -> float:
    return math.pi / 2 if convention == "from_normal" else 0.0


def _wrapped(theta, direction: float) -> np.ndarray:
    """Signed distance [rad] of theta from a direction, modulo pi (in [-pi/2, pi/2))."""
    return np.angle(np.exp(2j * (np.asarray(theta, dtype=float) - direction))) / 2


def brackets_parallel(theta, convention: str = "from_normal") -> bool:
    """Whether the angles lie on both sides (by more than 1 deg) of the parallel direction."""
    d = _wrapped(theta, _par_direction(convention))
    return bool((d < -_DEG).any() and (d > _DEG).any())


def _profile_grid(name: str, theta, hc2, w, convention: str, theta0s: np.ndarray):
    """chi-square over (gamma, theta0) with H_par profiled out; shape (gamma, theta0)."""
    func = _FUNCS[name]
    chi = np.empty((_GAMMA_GRID.size, theta0s.size))
    w2 = w * w
    for i, g in enumerate(_GAMMA_GRID):
        u = func(theta[None, :], 1.0 / g, 1.0, theta0s[:, None], convention)
        den = np.sum(w2 * u * u, axis=1)
        hpar = np.sum(w2 * u * hc2, axis=1) / np.maximum(den, 1e-300)
        chi[i] = np.sum(w2 * (hc2 - hpar[:, None] * u) ** 2, axis=1)
    return chi


def _grid_starts(chi: np.ndarray, theta0s: np.ndarray, n: int) -> list[tuple[float, float]]:
    """(gamma, theta0) of the n lowest local minima of the profile grid and of the best
    cell of each band of :data:`_GAMMA_BANDS` (without repetition)."""
    c = np.where(np.isfinite(chi), chi, np.inf)
    pad = np.pad(c, 1, constant_values=np.inf)
    is_min = np.ones(c.shape, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                nb = pad[1 + di:1 + di + c.shape[0], 1 + dj:1 + dj + c.shape[1]]
                is_min &= c <= nb
    idx = np.argwhere(is_min & np.isfinite(c))
    order = np.argsort(c[is_min & np.isfinite(c)], kind="stable")
    cells = [tuple(ij) for ij in idx[order][:n]]
    for lo, hi in _GAMMA_BANDS:  # the best cell of each anisotropy band, for diversity
        rows = np.flatnonzero((_GAMMA_GRID >= lo) & (_GAMMA_GRID < hi))
        sub = c[rows]
        if rows.size and np.isfinite(sub).any():
            i, j = np.unravel_index(int(np.argmin(sub)), sub.shape)
            cells.append((int(rows[i]), int(j)))
    cells = list(dict.fromkeys(cells))
    return [(float(_GAMMA_GRID[i]), float(theta0s[j])) for i, j in cells]


def _start_params(model: lmfit.Model, theta, hc2, w, gamma: float | None, theta0: float | None,
                  vary_theta0: bool, theta0_fixed: float) -> lmfit.Parameters:
    """Parameters H_par, anisotropy (>= 1), theta0 free; H_perp = H_par/anisotropy."""
    pars = model.guess(hc2, theta=theta)
    if gamma is None:
        gamma = pars["H_par"].value / max(pars["H_perp"].value, 1e-300)
    gamma = float(min(max(gamma, 1.0 + 1e-6), 1e6))
    t0 = theta0 if theta0 is not None else pars["theta0"].value
    if not vary_theta0:
        t0 = theta0_fixed
    u = model.func(theta, H_perp=1.0 / gamma, H_par=1.0, theta0=t0)
    w2 = w * w
    hpar = float(np.sum(w2 * u * hc2) / max(np.sum(w2 * u * u), 1e-300))
    if not (np.isfinite(hpar) and hpar > 0):
        hpar = float(np.max(hc2))
    pars["anisotropy"].set(expr="")
    pars["anisotropy"].set(value=gamma, min=1.0, max=np.inf, vary=True)
    # no bound on H_par: lmfit's one-sided bound transform is not scale free (it fails
    # for fields of order 1e-12 T); a non-positive result is rejected after the fit
    pars["H_par"].set(value=hpar, min=-np.inf, max=np.inf, vary=True)
    pars["H_perp"].set(min=-np.inf, max=np.inf)
    pars["H_perp"].set(expr="H_par/anisotropy")
    if vary_theta0:
        pars["theta0"].set(value=t0, min=-5 * _DEG, max=5 * _DEG, vary=True)
    else:
        pars["theta0"].set(value=theta0_fixed, vary=False, min=-np.inf, max=np.inf)
    return pars


def fit_candidate(name: str, theta, hc2, sigma=None, *, theta_convention: str = "from_normal",
                  vary_theta0: bool = False, theta0: float = 0.0, sigma_known: bool = False,
                  start_params: list[lmfit.Parameters] | None = None) -> CandidateFit:
    """Multi-start fit of one candidate model (``"tinkham_2d"`` or ``"gl_3d"``).

    Parameters
    ----------
    name
        Candidate name (a key of :data:`MODELS`).
    theta
        Angles [rad].
    hc2
        Critical fields [T] (positive).
    sigma
        1-sigma errors [T] or None (unweighted).
    theta_convention
        ``"from_normal"`` or ``"from_plane"``.
    vary_theta0
        Fit the rotator offset (bounds +-5 deg).
    theta0
        Offset [rad] used when it is not fitted.
    sigma_known
        True: ``scale_covar=False`` (the errors are absolute).
    start_params
        Starting parameters to use instead of the model's guess and the profile grid.

    Returns
    -------
    CandidateFit
        The best fit and every start; ``best`` is ``None`` when all starts failed.
    """
    theta = np.asarray(theta, dtype=float)
    hc2 = np.asarray(hc2, dtype=float)
    w = np.ones_like(hc2) if sigma is None else 1.0 / np.asarray(sigma, dtype=float)
    model = MODELS[name](convention=theta_convention)
    out = CandidateFit(name, None, theta0_fitted=vary_theta0)
    errors: list[str] = []
    if start_params is None:
        start_params = _start_list(name, model, theta, hc2, w, vary_theta0, theta0, errors,
                                   theta_convention)
    for pars in start_params:
        r = _fit_once(model, pars, theta, hc2, None if sigma is None else w, sigma_known,
                      errors)
        if r is None:
            continue
        out.starts.append(r)
        if out.best is None or r.chisqr < out.best.chisqr:
            out.best = r
    if out.best is None:
        out.message = "; ".join(dict.fromkeys(errors)) or "no start converged"
    return out


def _start_list(name, model, theta, hc2, w, vary_theta0, theta0, errors, convention):
    """The model's guess plus the profile-grid starts, as lmfit Parameters."""
    theta0s = _THETA0_GRID if vary_theta0 else np.array([theta0])
    starts: list[tuple[float | None, float | None]] = [(None, None)]
    with np.errstate(all="ignore"):
        chi = _profile_grid(name, theta, hc2, w, convention, theta0s)
    starts += _grid_starts(chi, theta0s, _N_GRID_STARTS)
    out = []
    for g, t0 in starts:
        try:
            with np.errstate(all="ignore"):
                out.append(_start_params(model, theta, hc2, w, g, t0, vary_theta0, theta0))
        except Exception as exc:  # noqa: BLE001 - one bad start must not end the analysis
            errors.append(f"{type(exc).__name__}: {exc}")
    return out


def _fit_once(model, pars, theta, hc2, w, sigma_known: bool, errors: list[str]):
    """One lmfit run; None (reason appended to ``errors``) when it failed."""
    try:
        with np.errstate(all="ignore"):
            r = model.fit(hc2, pars.copy(), theta=theta, weights=w,
                          scale_covar=not sigma_known)
    except Exception as exc:  # noqa: BLE001 - one bad start must not end the analysis
        errors.append(f"{type(exc).__name__}: {exc}")
        return None
    if not np.isfinite(r.chisqr) or not all(np.isfinite(p.value) for p in r.params.values()):
        errors.append("non-finite chi-square or parameters")
        return None
    if not r.params["H_par"].value > 0:
        errors.append(f"H_par = {r.params['H_par'].value:.3g} T is not positive")
        return None
    return r


def _check_points_input(theta, hc2) -> tuple[np.ndarray, np.ndarray]:
    theta = np.asarray(theta, dtype=float)
    hc2 = np.abs(np.asarray(hc2, dtype=float))
    if theta.size != hc2.size:
        raise FitError("theta and Hc2 differ in length")
    if not np.all(np.isfinite(theta)) or not np.all(np.isfinite(hc2)):
        raise RefusedError("hc2-angle: NaN or infinite value in the Hc2(theta) points")
    n_angles = np.unique(np.round(theta, 12)).size
    if n_angles < 4:
        raise RefusedError(f"Hc2(theta) needs at least 4 distinct angles, got {n_angles}")
    if not np.all(hc2 > 0):
        raise RefusedError("Hc2(theta) contains zero fields: no transition at some angle")
    return theta, hc2


def fit_hc2_angle(theta, hc2, sigma=None, *, theta_convention: str = "from_normal",
                  fit_theta0: bool | str = "auto", theta0: float = 0.0,
                  sigma_known: bool = False, relative: bool = False) -> FitResult:
    """Fit 2D Tinkham and 3D anisotropic GL to Hc2(theta) points and select one (array level).

    Parameters
    ----------
    theta
        Angles [rad].
    hc2
        Critical fields [T] (|H| is used).
    sigma
        1-sigma errors [T] (scalar or one per point) or None (unweighted); non-finite or
        non-positive errors mean unweighted.
    theta_convention
        ``"from_normal"`` or ``"from_plane"`` (ASSUMPTION ``theta_convention``).
    fit_theta0
        Fit the rotator offset (bounds +-5 deg): True, False or ``"auto"`` (when the data
        bracket the parallel direction).
    theta0
        Offset [rad] used when it is not fitted.
    sigma_known
        True: ``sigma`` are absolute errors (``weights = 1/sigma``, ``scale_covar=False``,
        goodness of fit against them); otherwise lmfit's scaled covariance and a goodness
        of fit against the noise estimated from the scatter of ln Hc2.
    relative
        Ignore ``sigma`` and assume a constant relative noise (ASSUMPTION of
        ``use_sigma="relative"``, the default of :func:`analyze` without an error column).

    Returns
    -------
    FitResult
        Kind ``"hc2-angle"``; params as :func:`analyze` on a table of these points:
        ``Hc2_perp_T``, ``Hc2_par_T`` [T], ``anisotropy`` and, when theta0 was fitted,
        ``theta0_rad`` [rad] and ``theta0_deg`` [deg] of the selected model (correlated
        ufloats), ``<model>_<name>`` for each candidate (``tinkham_2d_``, ``gl_3d_``); when
        the choice is ambiguous ``Hc2_perp_T``/``Hc2_par_T`` are the Akaike-weighted model
        average with a "model choice" systematic in ``budget``. ``options``: the arguments,
        ``best_model``, ``evidence``, ``theta0_fitted``, ``n_starts``. ``stats``: those of
        the selected fit plus ``<model>_aic`` ... and ``delta_aic_gl_minus_tinkham``.
        ``quality``: the flags of :func:`analyze` for the fit (see the module docstring;
        no ``criterion_not_reached``). ``lmfit_result``: the selected lmfit ModelResult;
        no plot data (use :func:`analyze` for a figure).

    Raises
    ------
    RefusedError
        Fewer than 4 distinct angles, zero fields, NaN.
    FitError
        ``sigma`` of the wrong length; both candidates failed.
    """
    theta, hc2 = _check_points_input(theta, hc2)
    sig, known = _array_sigma(sigma, hc2, sigma_known, relative)
    res = _fit_hc2_angle_lmfit(theta, hc2, sig, theta_convention=theta_convention,
                               fit_theta0=fit_theta0, theta0=theta0, sigma_known=known,
                               relative=relative)
    best = res["best"]
    flags = quality_flags(res, theta, hc2, sig, known, theta_convention)
    params = _with_theta0_deg(_params(res))
    budget = _budget(params, res, None, any(f.code == "model_ambiguous" for f in flags))
    options = {"theta_convention": theta_convention, "fit_theta0": fit_theta0,
               "theta0_rad": theta0, "sigma_known": known, "relative": relative,
               "best_model": best, "evidence": _evidence(res, flags),
               "theta0_fitted": res[f"{best}_theta0_fitted"],
               "n_starts": {n: len(c.starts) for n, c in res["candidates"].items()},
               "sigma": _sigma_note(sig, known, relative)}
    return FitResult(kind="hc2-angle", params=params, stats=_stats(res), options=options,
                     provenance={"function": "fit_hc2_angle", "level": "array",
                                 "ndata": int(theta.size)},
                     lmfit_result=res[best], quality=Quality(tuple(flags)), budget=budget)


def _with_theta0_deg(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` with ``theta0_deg`` (the correlated ufloat in degrees) after ``theta0_rad``."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        out[k] = v
        if k == "theta0_rad":
            out["theta0_deg"] = v * (180.0 / math.pi)
    return out


def _array_sigma(sigma, hc2, sigma_known: bool, relative: bool):
    """(sigma broadcast to the points or None, whether they are absolute errors)."""
    if sigma is None or relative:
        return None, False
    try:
        s = np.broadcast_to(np.asarray(sigma, dtype=float), hc2.shape).copy()
    except ValueError as exc:
        raise FitError(f"sigma has shape {np.shape(sigma)}, the Hc2 points {hc2.shape}") from exc
    if not (np.all(np.isfinite(s)) and np.all(s > 0)):
        return None, False
    return s, bool(sigma_known)


def _sigma_note(sigma, sigma_known: bool, relative: bool) -> str:
    """How the points were weighted (``options["sigma"]``)."""
    if sigma_known:
        return "known, weights=1/sigma, scale_covar=False"
    if relative:
        return "relative noise assumed: weights 1/Hc2 of a first fit, scaled covariance"
    if sigma is not None:
        return "relative weights 1/sigma, scaled covariance"
    return "unweighted, covariance scaled by reduced chi-square"


def _fit_hc2_angle_lmfit(theta, hc2, sigma=None, *, theta_convention: str = "from_normal",
                         fit_theta0: bool | str = "auto", theta0: float = 0.0,
                         sigma_known: bool = False, relative: bool = False) -> dict[str, Any]:
    """Fit 2D Tinkham and 3D anisotropic GL to the same Hc2(theta) points (multi-start);
    the machinery of :func:`fit_hc2_angle` and :func:`analyze`.

    Parameters
    ----------
    theta
        Angles [rad].
    hc2
        Critical fields [T] (|H| is used).
    sigma
        1-sigma errors [T] or None (unweighted); non-finite or non-positive errors mean
        unweighted.
    theta_convention
        ``"from_normal"`` or ``"from_plane"``.
    fit_theta0
        Fit the rotator offset (True/False/"auto": when the data bracket the parallel
        direction).
    theta0
        Offset [rad] used when it is not fitted.
    sigma_known
        True: ``weights = 1/sigma`` and ``scale_covar=False``; otherwise lmfit's scaled
        covariance.
    relative
        Ignore ``sigma`` and assume a constant *relative* noise (ASSUMPTION of
        ``use_sigma="relative"``): a first multi-start pass weights by 1/Hc2 (data), the
        final fits of both models weight by 1/Hc2 of the better first-pass model (the
        same weights for both), with scaled covariance.

    Returns
    -------
    dict
        ``{"tinkham_2d": ModelResult | None, "gl_3d": ModelResult | None,
        "candidates": {name: CandidateFit}, "best": name, "delta_aic": float,
        "evidence": str, "akaike_weight": float, "<name>_theta0_fitted": bool}``
        (delta_aic = AIC(GL) - AIC(Tinkham): positive favours Tinkham; NaN when a
        candidate failed).

    Raises
    ------
    RefusedError
        Fewer than 4 distinct angles, zero fields, NaN.
    FitError
        Both candidates failed.
    """
    theta, hc2 = _check_points_input(theta, hc2)
    w_ok = sigma is not None
    if w_ok:
        sigma = np.asarray(sigma, dtype=float)
        w_ok = bool(np.all(np.isfinite(sigma)) and np.all(sigma > 0))
    sig = sigma if w_ok else None
    if relative:
        sig, sigma_known, w_ok = hc2, False, True
    vary = brackets_parallel(theta, theta_convention) if fit_theta0 == "auto" else bool(fit_theta0)
    kw = {"theta_convention": theta_convention, "vary_theta0": vary, "theta0": theta0,
          "sigma_known": sigma_known and w_ok}
    cands = {name: fit_candidate(name, theta, hc2, sig, **kw) for name in MODELS}
    if relative and any(c.ok for c in cands.values()):
        cands = _relative_refit(cands, theta, hc2, kw)
    if not any(c.ok for c in cands.values()):
        raise FitError("hc2-angle: neither the Tinkham nor the GL fit converged ("
                       + "; ".join(f"{n}: {c.message}" for n, c in cands.items()) + ")")
    out: dict[str, Any] = {"candidates": cands}
    for name, c in cands.items():
        out[name] = c.best
        out[f"{name}_theta0_fitted"] = c.theta0_fitted
    out.update(select_model(cands, sigma_known=sigma_known and w_ok))
    return out


def _relative_refit(cands: dict[str, CandidateFit], theta, hc2, kw) -> dict[str, CandidateFit]:
    """Second pass of the relative-noise mode: weights 1/Hc2 of the better first-pass model,
    the same for both candidates; the first-pass starts are kept for the multi-start check."""
    first = min((c for c in cands.values() if c.ok), key=lambda c: c.best.chisqr)
    ref = np.asarray(first.best.best_fit, dtype=float)
    ref = np.where(np.isfinite(ref) & (ref > 0), ref, hc2)
    out = {}
    for name, c in cands.items():
        if not c.ok:
            out[name] = c
            continue
        c2 = fit_candidate(name, theta, hc2, ref, start_params=[c.best.params], **kw)
        if not c2.ok:  # keep the first pass rather than lose the candidate
            out[name] = c
            continue
        out[name] = CandidateFit(name, c2.best, c.starts, c.theta0_fitted)
    return out


def select_model(cands: dict[str, CandidateFit], *, sigma_known: bool) -> dict[str, Any]:
    """AIC comparison of the candidates (equal parameter counts, see the module docstring).

    Returns
    -------
    dict
        ``best``, ``delta_aic`` (GL minus Tinkham), ``evidence`` ("decisive", "strong",
        "weak", "indistinguishable", "only candidate"), ``akaike_weight`` of the best model.
    """
    ok = [n for n, c in cands.items() if c.ok]
    if len(ok) == 1:
        return {"best": ok[0], "delta_aic": float("nan"), "evidence": "only candidate",
                "akaike_weight": float("nan")}
    g, t = cands["gl_3d"].best, cands["tinkham_2d"].best
    if sigma_known:
        c = max(1.0, min(g.redchi, t.redchi)) if g.nfree > 0 else 1.0
        delta = float((g.chisqr - t.chisqr) / c)
    else:
        delta = float(g.ndata * math.log(max(g.chisqr, 1e-300) / max(t.chisqr, 1e-300)))
    a = abs(delta)
    strength = ("decisive" if a > DECISIVE_DELTA else "strong" if a >= CLEAR_DELTA else
                "weak" if a > 2 else "indistinguishable")
    return {"best": "tinkham_2d" if delta > 0 else "gl_3d", "delta_aic": delta,
            "evidence": strength, "akaike_weight": float(1.0 / (1.0 + math.exp(-a / 2)))}


# --------------------------------------------------------------------------------------
# quality
# --------------------------------------------------------------------------------------
def _noise_estimate(theta, hc2) -> np.ndarray | None:
    """Per-point noise [T] from the scatter of ln Hc2 (relative noise), independent of the
    fit; None when it cannot be estimated."""
    order = np.argsort(theta, kind="stable")
    s_rel = noise_from_differences(np.log(hc2[order]))
    if not (np.isfinite(s_rel) and s_rel > 0):
        return None
    return s_rel * hc2


def _multistart_flags(c: CandidateFit) -> list[Flag]:
    flags: list[Flag] = []
    chis = [r.chisqr for r in c.starts]
    for pname in ("H_par", "H_perp"):
        vals = [r.params[pname].value for r in c.starts]
        errs = [r.params[pname].stderr if r.params[pname].stderr else np.nan
                for r in c.starts]
        flags += check_multistart(_NAMES[pname], vals, errs, chisqr=chis,
                                  what=f"{_LABELS[c.name]} fit")
    return flags[:1]


def _bound_flags(best) -> list[Flag]:
    p = best.params
    flags = check_bounds(_only(p, "theta0"), public={"theta0": "theta0_rad"},
                         what="rotator offset")
    if p["anisotropy"].vary and p["anisotropy"].value <= 1.01:
        flags.append(warn("at_bound", f"anisotropy = {p['anisotropy'].value:.4g} is at its "
                          "lower bound 1: isotropic data, or the wrong theta_convention"))
    return flags


def _only(params, name: str) -> dict[str, Any]:
    return {name: params[name]} if name in params else {}


def _sampling_flags(theta, theta0: float, convention: str) -> list[Flag]:
    par = _par_direction(convention)
    perp = par - math.pi / 2
    flags = []
    for label, direc, lim, pname in (("parallel", par, _PAR_SAMPLED_DEG, "Hc2_par_T"),
                                     ("perpendicular", perp, _PERP_SAMPLED_DEG,
                                      "Hc2_perp_T")):
        near = float(np.min(np.abs(_wrapped(theta - theta0, direc)))) / _DEG
        if near > lim:
            flags.append(warn("extrapolated", f"no angle within {lim:g} deg of the {label} "
                              f"direction (nearest {near:.3g} deg): {pname} is extrapolated"))
    return flags


def quality_flags(res: dict[str, Any], theta, hc2, sigma, sigma_known: bool,
                  convention: str, n_censored: int = 0) -> list[Flag]:
    """Quality flags of an angle fit (see the module docstring).

    Parameters
    ----------
    res
        Output of :func:`_fit_hc2_angle_lmfit` (the dictionary of both candidates).
    theta, hc2
        The fitted points [rad], [T].
    sigma
        Their errors [T] (used for the goodness of fit when ``sigma_known``).
    sigma_known
        Whether ``sigma`` are absolute errors; otherwise the noise is estimated from the
        scatter of ln Hc2.
    convention
        ``theta_convention``.
    n_censored
        Number of censored angles (no transition in the field range).
    """
    best = res["best"]
    n_angles = int(np.unique(np.round(theta, 12)).size)
    flags = check_points(n_angles, _MIN_ANGLES, what="distinct angles", severity="warn")
    flags += _candidate_flags(res)
    flags += _fit_flags(res[best], _LABELS[best], theta, hc2, sigma if sigma_known else None)
    flags += _selection_flags(res)
    flags += _sampling_flags(theta, float(res[best].params["theta0"].value), convention)
    if n_censored:
        flags.append(warn("criterion_not_reached", f"{n_censored} angle(s) without a "
                          "transition inside the field range (censored, not fitted)"))
    return flags


def _candidate_flags(res: dict[str, Any]) -> list[Flag]:
    flags: list[Flag] = []
    for name, c in res["candidates"].items():
        if not c.ok:
            flags.append(warn("candidate_failed", f"the {_LABELS[name]} fit failed "
                              f"({c.message}); only {_LABELS[res['best']]} is reported"))
        else:
            flags += _multistart_flags(c)
    return flags


def _fit_flags(r, label: str, theta, hc2, sigma) -> list[Flag]:
    """Goodness of fit (against sigma, or the estimated noise), bounds, covariance."""
    order = np.argsort(theta, kind="stable")
    noise = sigma if sigma is not None else _noise_estimate(theta, hc2)
    resid = (hc2 - r.best_fit)[order]
    flags = check_goodness_of_fit(resid, None if noise is None else noise[order],
                                  int(r.nvarys), what=f"{label} fit")
    flags += _bound_flags(r)
    if r.covar is None or not r.errorbars:
        flags.append(fail("no_errorbars", f"{label} fit: the covariance could not be "
                          "estimated"))
    return flags


def _selection_flags(res: dict[str, Any]) -> list[Flag]:
    d = res["delta_aic"]
    if np.isfinite(d) and abs(d) < CLEAR_DELTA:
        return [warn("model_ambiguous", f"AIC(GL) - AIC(Tinkham) = {d:.3g}: |delta| < "
                     f"{CLEAR_DELTA:g}, the data do not decide between 2D Tinkham and 3D GL "
                     f"(Akaike weight of {_LABELS[res['best']]} {res['akaike_weight']:.2f})")]
    return []


def _evidence(res: dict[str, Any], flags: list[Flag]) -> str:
    """Evidence label, never "decisive" when a multi-start check or a candidate failed."""
    ev = res["evidence"]
    doubtful = any(f.code in ("local_minimum", "candidate_failed") for f in flags)
    if doubtful and ev in ("decisive", "strong"):
        return f"unreliable ({ev} by AIC, but a local minimum or a failed candidate)"
    return ev


# --------------------------------------------------------------------------------------
# analysis
# --------------------------------------------------------------------------------------
def _window(theta, hc2, err, window_deg):
    if window_deg is None:
        return theta, hc2, err
    lo, hi = (math.radians(v) for v in window_deg)
    sel = (theta >= lo) & (theta <= hi)
    return theta[sel], hc2[sel], err[sel]


def _weights(err, known: bool, use_sigma) -> tuple[np.ndarray | None, bool, bool]:
    """(sigma or None, sigma_known, relative) for the chosen ``use_sigma``."""
    have_err = bool(err.size and np.all(np.isfinite(err)) and np.all(err > 0))
    if use_sigma == "auto":
        ok = known and have_err
        return (err if ok else None), ok, not ok
    if use_sigma == "relative":
        return None, False, True
    if use_sigma:
        if not have_err:
            raise FitError("use_sigma=true but some Hc2 points have no error")
        return err, False, False
    return None, False, False


def _points(measurements, opts):
    theta, hc2, err, known, prov, cens = collect_angle_points(measurements, opts)
    theta, hc2, err = _window(theta, hc2, err, opts["window_deg"])
    if theta.size == 0:
        raise RefusedError(f"hc2-angle: no point inside window_deg={opts['window_deg']}")
    return theta, np.abs(hc2), err, known, prov, cens


def _fit(theta, hc2, sigma, sigma_known, relative, opts) -> dict[str, Any]:
    return _fit_hc2_angle_lmfit(theta, hc2, sigma, theta_convention=opts["theta_convention"],
                                fit_theta0=opts["fit_theta0"],
                                theta0=math.radians(opts["theta0_deg"]),
                                sigma_known=sigma_known, relative=relative)


def _criterion_sys(measurements, opts, best: str) -> dict[str, float]:
    """Half the change of H_perp, H_par when the criterion moves by +-_CRITERION_STEP."""
    vals: dict[str, list[float]] = {"H_perp": [], "H_par": []}
    for f in (opts["criterion"] - _CRITERION_STEP, opts["criterion"] + _CRITERION_STEP):
        o = dict(opts) | {"criterion": min(max(f, 0.05), 0.95)}
        theta, hc2, err, known, _, _ = _points(measurements, o)
        sigma, sk, relative = _weights(err, known, o["use_sigma"])
        theta, hc2 = _check_points_input(theta, hc2)
        sigma = hc2 if relative else sigma  # one pass: the shift, not its error, is needed
        vary = (brackets_parallel(theta, o["theta_convention"]) if o["fit_theta0"] == "auto"
                else bool(o["fit_theta0"]))
        c = fit_candidate(best, theta, hc2, sigma, theta_convention=o["theta_convention"],
                          vary_theta0=vary, theta0=math.radians(o["theta0_deg"]), sigma_known=sk)
        if not c.ok:
            raise FitError(c.message)
        for k in vals:
            vals[k].append(float(c.best.params[k].value))
    return {k: abs(v[1] - v[0]) / 2 for k, v in vals.items()}


def _params(res: dict[str, Any]) -> dict[str, Any]:
    best = res["best"]
    params: dict[str, Any] = {}
    for name in MODELS:
        r = res[name]
        if r is None:
            continue
        sub = {k: v for k, v in _NAMES.items() if k != "theta0" or res[f"{name}_theta0_fitted"]}
        p = params_from_lmfit(r, sub, require_errorbars=False)
        if name == best:
            params.update(p)
        params.update({f"{name}_{k}": v for k, v in p.items()})
    return params


def _model_average(params, res, pub: str) -> tuple[Any, float]:
    """Akaike-weighted average of the two models' ``pub`` and its model-choice spread.

    Burnham & Anderson (2004) unconditional variance ``sum w_i (sigma_i^2 + (x_i - xbar)^2)``:
    returns ``(ufloat(xbar, sqrt(sum w_i sigma_i^2)), sqrt(sum w_i (x_i - xbar)^2))``; the
    best model's value unchanged (spread 0) when an error is missing.
    """
    from uncertainties import ufloat

    best = res["best"]
    other = "gl_3d" if best == "tinkham_2d" else "tinkham_2d"
    wb = float(res["akaike_weight"])
    vb, sb = _value_err(params.get(f"{best}_{pub}"))
    vo, so = _value_err(params.get(f"{other}_{pub}"))
    if not all(np.isfinite([wb, vb, sb, vo, so])):
        return params[pub], 0.0
    wo = 1.0 - wb
    xbar = wb * vb + wo * vo
    stat = math.sqrt(wb * sb**2 + wo * so**2)
    spread = math.sqrt(wb * (vb - xbar) ** 2 + wo * (vo - xbar) ** 2)
    return ufloat(xbar, stat, f"model average {pub}"), spread


def _value_err(v) -> tuple[float, float]:
    if v is None or not hasattr(v, "std_dev"):
        return float("nan"), float("nan")
    return float(v.nominal_value), float(v.std_dev)


def _budget(params, res, sys_crit: dict[str, float] | None, ambiguous: bool):
    """Add the criterion systematic (sweeps) and, when the model choice is ambiguous, replace
    Hc2_perp_T/Hc2_par_T by the model average with its "model choice" systematic."""
    budget = {}
    for key, pub in (("H_perp", "Hc2_perp_T"), ("H_par", "Hc2_par_T")):
        sys: dict[str, float] = {}
        if sys_crit is not None:
            sys["criterion"] = sys_crit[key]
        if ambiguous:
            params[pub], sys["model choice"] = _model_average(params, res, pub)
        if sys:
            params[pub], budget[pub] = combine_errors(params[pub], sys=sys, tag=f"sys {pub}")
    return budget


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hc2(theta) analysis of one or more measurements; see the module docstring and
    :data:`SPEC`.

    Raises
    ------
    OptionError
        Invalid options (before any work).
    RefusedError
        No usable Hc2(theta) points (fewer than 4 angles, zero fields, nothing extracted).
    DataFormatError
        No angle information, bad table.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise RefusedError("hc2-angle needs at least one measurement")
    theta, hc2, err, known, prov, cens = _points(measurements, opts)
    sigma, sigma_known, relative = _weights(err, known, opts["use_sigma"])
    res = _fit(theta, hc2, sigma, sigma_known, relative, opts)
    best = res["best"]
    flags = quality_flags(res, theta, hc2, sigma, sigma_known, opts["theta_convention"],
                          len(cens))
    params = _params(res)
    sys_crit, crit_note = None, "not applicable (Hc2 points given)"
    if _has_sweeps(measurements):
        try:
            sys_crit = _criterion_sys(measurements, opts, best)
            crit_note = f"criterion +-{_CRITERION_STEP:g}, half the change"
        except Exception as exc:  # noqa: BLE001 - the systematic is optional
            crit_note = f"not computed ({exc})"
    budget = _budget(params, res, sys_crit, any(f.code == "model_ambiguous" for f in flags))
    stats = _stats(res)
    out_opts = dict(opts) | {
        "best_model": best, "evidence": _evidence(res, flags),
        "theta0_fitted": res[f"{best}_theta0_fitted"], "criterion_sys": crit_note,
        "n_starts": {n: len(c.starts) for n, c in res["candidates"].items()},
        "sigma": _sigma_note(sigma, sigma_known, relative),
    }
    provenance = {"files": [m.source for m in measurements], "inputs": prov,
                  "window_deg": opts["window_deg"],
                  "theta_range_deg": [math.degrees(theta.min()), math.degrees(theta.max())],
                  "n_points": int(theta.size), "n_censored": len(cens),
                  "units": {"theta": "rad", "Hc2": "T"}}
    return FitResult(kind="hc2-angle", params=params, stats=stats, options=out_opts,
                     provenance=provenance, data=_plot_data(res, theta, hc2, err, cens),
                     lmfit_result={k: res[k] for k in MODELS}, quality=Quality(tuple(flags)),
                     budget=budget)


def _stats(res: dict[str, Any]) -> dict[str, Any]:
    stats = stats_from_lmfit(res[res["best"]])
    for name in MODELS:
        r = res[name]
        for k in ("aic", "bic", "redchi", "chisqr"):
            stats[f"{name}_{k}"] = float(getattr(r, k)) if r is not None else float("nan")
    stats["delta_aic_gl_minus_tinkham"] = res["delta_aic"]
    stats["akaike_weight_best"] = res["akaike_weight"]
    return stats


def _plot_data(res, theta, hc2, err, cens) -> dict[str, Any]:
    thg = np.linspace(theta.min(), theta.max(), 721)
    data: dict[str, Any] = {"theta_rad": theta, "Hc2_T": hc2, "Hc2_err_T": err,
                            "theta_grid_rad": thg, "censored": cens}
    for name in MODELS:
        r = res[name]
        if r is None:
            continue
        data[f"{name}_fit"] = r.eval(theta=thg)
        data[f"{name}_resid"] = hc2 - r.best_fit
        try:
            data[f"{name}_band"] = r.eval_uncertainty(theta=thg)
        except Exception:  # noqa: BLE001 - band is cosmetic; missing covariance
            data[f"{name}_band"] = np.full(thg.shape, np.nan)
    return data


def plot(result: FitResult, fig) -> None:
    """Hc2 vs theta (deg) with both model curves and bands, residuals below.

    The figure code lives in :mod:`ktoanalysis.transport.plots.hc2_angle`.

    Raises
    ------
    FitError
        ``result`` has no plot data (an array-level :func:`fit_hc2_angle` result).
    """
    from .plots import draw

    draw(result, fig)
