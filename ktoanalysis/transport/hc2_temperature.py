"""Kind ``hc2-temperature``: Hc2(T) -> Tc, xi_GL(0), d_SC, WHH, Pauli limit, KLB
(docs/models/hc2_gl.md, docs/models/whh.md, docs/models/pauli_klb.md).

Input: one or more measurements, each of one field orientation (perpendicular or
parallel), each one of

* a table of precomputed points: ``T_K`` and ``Hc2_T`` (``Bc2_T`` accepted), optionally
  ``Hc2_err_T`` (known 1-sigma errors: weights 1/sigma, ``scale_covar=False``);
* R(H) sweeps at fixed temperatures (split with ``split_sweeps(x="B_T", by="T_K")``;
  Hc2 at ``criterion * R_N``, averaged over up/down sweeps and +-B, spread reported);
* R(T) sweeps at fixed fields (Tc(B) points), chosen automatically or with ``sweep``.

The field orientation comes from the ``field_orientation`` option (one value or one per
file), else ``metadata["field_orientation"]`` ("perp"/"perpendicular"/"out-of-plane" or
"par"/"parallel"/"in-plane"; ``metadata["orientation"]`` is used only when it holds one of
these words, since the loader uses it for the crystal orientation), else
``metadata["theta_rad"]`` / a constant ``theta_rad`` column (ASSUMPTION theta_convention),
else perpendicular.

What is derived: perpendicular data -> GL fit ``Tc_K``, ``Bc2perp_GL0_T``, ``xi_GL0_m``,
``dHc2dT_T_per_K``, ``D_m2_per_s`` and a WHH fit (``Hc2_WHH_T``); parallel data -> 2D-GL fit
``Bc2par_GL0_T`` (``d_sc_m`` needs xi0: from perpendicular data in a joint fit sharing Tc,
or the ``xi0_m`` option) and optionally KLB (``tau_so_s``); always the Pauli limit ``B_P_T``
from the fitted Tc, and with parallel data ``Bc2par_over_BP``.

**Errors**

When the covariance is scaled by the reduced chi-square (points without known errors),
the statistical errors are multiplied by the Student-t 1-sigma quantile for the degrees of
freedom of the fit (``t.ppf(0.8413, dof)``: 1.32 for 2, 1.14 for 4, 1.05 for 10), so that
the 1-sigma intervals of sparse data still cover 68 %. Error budgets (``result.budget``)
of ``Tc_K``, ``Bc2perp_GL0_T``, ``dHc2dT_T_per_K`` and the other GL outputs add, as
systematics,

* ``criterion``: half the difference of the GL results refitted with the criterion
  ``criterion -+ 0.1`` (:data:`CRITERION_STEP`; only for points extracted from sweeps;
  the points of a table have no criterion);
* ``T_window``: the shift of the GL results when the highest-T point of each orientation
  (the one nearest Tc, most sensitive to fluctuations and criterion curvature) is left
  out, counted only when it exceeds :data:`WINDOW_SIGMA` times its statistical expectation
  ``sqrt(sigma_drop**2 - sigma_all**2)`` (needs >= :data:`WINDOW_MIN_POINTS` points).

**Quality flags** (``result.quality``; codes of :data:`~ktoanalysis.transport.quality.CODES`
plus ``no_trend``, specific to this kind):

* ``too_few_points`` (fail): fewer than :data:`MIN_POINTS` (4) Hc2(T) points in an
  orientation (a 2-parameter GL fit with < 2 degrees of freedom cannot be checked).
* ``no_trend`` (fail): the points do not decrease significantly with T: the slope of a
  straight line through Hc2 (perpendicular) or Hc2**2 (parallel) against T is positive, or
  zero within p > :data:`TREND_P_FAIL` (t-test; z-test with known errors). Noise around a
  constant has no Tc.
* ``extrapolated``: Tc lies far above the highest measured temperature,
  ``(Tc - T_max)/Tc`` above :data:`TC_GAP_WARN` (warn) / :data:`TC_GAP_FAIL` (fail), or the
  GL extrapolation ``Bc2perp_GL0`` exceeds the largest measured field by more than
  :data:`B0_RATIO_WARN` / :data:`B0_RATIO_FAIL` times.
* ``at_bound`` (fail for GL, warn for WHH/KLB): a fitted parameter pinned at a bound
  (e.g. Tc at the highest measured T for rising data).
* ``no_errorbars`` (fail): the GL covariance could not be estimated.
* ``bad_fit`` / ``systematic_residuals``: chi-square of the GL fit against the point errors
  (known errors, or the extraction error combined with half the spread of the up/down and
  +-B branches, ``hypot(stderr, spread/2)``), and a runs test of the residual signs
  (:func:`~ktoanalysis.transport.quality.check_goodness_of_fit`); warn-level for WHH/KLB.
* ``first_order``: the Pauli-limited regime of docs/models/whh.md pitfall (b) (Maki
  alpha above :data:`ALPHA_FIRST_ORDER` = 1.8: Gruenberg & Gunther, PRL 16, 996 (1966);
  WHH, Phys. Rev. 147, 295 (1966)): **fail** when a fitted WHH form (maki/free) gives
  alpha > 1.8 and its second-order line is re-entrant (Hc2 falling towards T -> 0, the
  real transition is first order); **warn** when alpha > 1.8 but spin-orbit scattering
  keeps the line monotonic, or when the orbital form is used while the slope implies
  ``alpha = sqrt(2)*0.6927*S/c_P > 1.8``.
* ``candidate_failed`` (warn): a WHH form or the KLB fit could not be fitted; the other
  results are still reported.
* ``local_minimum`` (warn): WHH multi-start fits (several lam_so / alpha starts) that
  disagree.
* ``note`` (warn): xi0/d < 1 (the 2D GL thickness formula does not apply).

With ``whh="auto"`` the orbital, maki and free forms compete (each with multi-start) and
the form with the lowest AICc is reported (a more complex form must lower AICc by more
than 2); ``options["whh_form_selected"]`` records the choice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as st
from uncertainties import UFloat, umath, wrap

from ..errors import FitError, KtoError, RefusedError
from ..io.measurement import Measurement
from ..units import HBAR, MEV, PHI0
from .declaration import KindSpec, Option, Output
from .global_fit import DataSet, GlobalFit
from .hc2 import (
    PAULI_COEFFICIENTS,
    WHH_ORBITAL_RATIO,
    GLParModel,
    GLPerpModel,
    KLBModel,
    WHHModel,
    diffusion_from_slope,
    extract_hc2_points,
    extract_tc_points,
    gl_par_hc2,
    gl_perp_hc2,
    hc2_column,
    hc2_points_from_table,
    klb_hc2,
    pauli_limit,
    points_table,
    rashba_ceiling,
    whh_hc2,
    whh_reduced_field,
    whh_zero_temperature_ratio,
)
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_multistart,
    excess_shift,
    fail,
    warn,
)
from .result import (
    FitResult,
    array_fit_result,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)
from .sweeps import group_blocks

__all__ = ["SPEC", "OPTIONS", "analyze", "plot", "collect_temperature_points", "fit_gl_perp",
           "fit_gl_par", "fit_gl_joint", "fit_whh", "fit_klb", "MIN_POINTS", "TREND_P_FAIL",
           "TC_GAP_WARN", "TC_GAP_FAIL", "B0_RATIO_WARN", "B0_RATIO_FAIL",
           "ALPHA_FIRST_ORDER", "CRITERION_STEP"]

_PERP = {"perp", "perpendicular", "out-of-plane", "oop", "normal", "z"}
_PAR = {"par", "parallel", "in-plane", "ip", "inplane"}
_ORIENT_WORDS = tuple(sorted(_PERP)) + tuple(sorted(_PAR))

#: fewer Hc2(T) points than this in an orientation: ``too_few_points`` (fail)
MIN_POINTS = 4
#: p-value of a zero GL trend above which the fit fails (``no_trend``)
TREND_P_FAIL = 0.01
#: (Tc - T_max)/Tc above which Tc counts as extrapolated (warn / fail)
TC_GAP_WARN, TC_GAP_FAIL = 0.4, 0.7
#: Bc2perp_GL0 / max(measured Hc2) above which B0 counts as extrapolated (warn / fail)
B0_RATIO_WARN, B0_RATIO_FAIL = 5.0, 20.0
#: Maki parameter above which the Pauli-limited transition may be first order (§5.5 b)
ALPHA_FIRST_ORDER = 1.8
#: criterion systematic: refits at criterion -+ this step
CRITERION_STEP = 0.1
#: T-window systematic: counted when the drop-one shift exceeds this many sigma
WINDOW_SIGMA = 3.0
#: T-window systematic needs at least this many points in the orientation
WINDOW_MIN_POINTS = 6
#: parameters that get an error budget
BUDGET_NAMES = ("Tc_K", "Tc_perp_K", "Tc_par_K", "Bc2perp_GL0_T", "Bc2par_GL0_T",
                "dHc2dT_T_per_K", "xi_GL0_m", "d_sc_m", "Hc2_WHH_T", "D_m2_per_s", "B_P_T")

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("field_orientation", "str|strs", None, "'perp' or 'par' for all files, or a list "
           "with one per file (default: metadata field_orientation, else theta_rad, else "
           "'perp')", choices=_ORIENT_WORDS),
    Option("theta_convention", "str", "from_normal", "convention of a theta given in "
           "metadata: 'from_normal' (theta = 0 perpendicular) or 'from_plane'",
           choices=("from_normal", "from_plane"), assumption=True),
    Option("criterion", "float", 0.5, "fraction f of R_N defining Hc2 / Tc(B) (0.9 onset, "
           "0.1 zero)", min=0, max=1, min_exclusive=True, max_exclusive=True,
           assumption=True),
    Option("rn_method", "str", "plateau", "'plateau' (high-field (or high-T) plateau of each "
           "sweep), 'fixed_B' (R at rn_field_T), 'fixed_value' (R_N_ohm)",
           choices=("plateau", "fixed_B", "fixed_value"), assumption=True),
    Option("rn_field_T", "float", None, "field of R_N with rn_method='fixed_B' (a "
           "temperature [K] for R(T) sweeps)", unit="T", min=0),
    Option("R_N_ohm", "float", None, "R_N with rn_method='fixed_value'", unit="Ohm", min=0,
           min_exclusive=True),
    Option("sweep", "str", "auto", "'auto', 'field' (R(H) at fixed T) or 'temperature' "
           "(R(T) at fixed B)", choices=("auto", "field", "temperature")),
    Option("T_tol_K", "float", 0.02, "tolerance grouping sweeps at one temperature", unit="K",
           min=0, min_exclusive=True),
    Option("T_window_K", "pair", None, "[min, max] temperature of the points used in the "
           "fits (default: all)", unit="K", min=0),
    Option("gl_shared_tc", "str", "shared", "'shared' (joint fit of perp and par with one "
           "Tc) or 'separate'", choices=("shared", "separate"), assumption=True),
    Option("whh", "str", "orbital", "WHH form on perp data: 'orbital' (alpha = lam_so = 0), "
           "'maki' (alpha from the slope, lam_so free), 'free', 'auto' (forms compete by "
           "AICc) or 'none'", choices=("orbital", "maki", "free", "auto", "none"),
           assumption=True),
    Option("pauli_coefficient", "str", "bcs_1.764", "Pauli limit coefficient: 'bcs_1.764', "
           "'seed004_1.76', 'rounded_1.86'", choices=tuple(PAULI_COEFFICIENTS),
           assumption=True),
    Option("g_factor", "float", 2.0, "g-factor of the Pauli limit (B_P ~ 2/g)", min=0,
           min_exclusive=True),
    Option("klb", "str", "none", "KLB fit of par data: 'none', 'spin' (spin-orbit "
           "scattering only), 'thin_film' (plus orbital term with klb_d_m and D from the "
           "perp slope)", choices=("none", "spin", "thin_film"), assumption=True),
    Option("klb_d_m", "float", None, "film thickness of the KLB thin-film orbital term",
           unit="m", min=0, min_exclusive=True),
    Option("xi0_m", "float", None, "xi_GL(0) to derive d_SC from parallel data alone",
           unit="m", min=0, min_exclusive=True),
    Option("use_sigma", "bool|str", "auto", "'auto' (known errors of an Hc2_err_T column; "
           "extracted points unweighted with scaled covariance), true, false",
           choices=("auto",)),
)

SPEC = KindSpec(
    kind="hc2-temperature",
    summary="Hc2(T): GL perp/parallel, coherence length, thickness, WHH, Pauli",
    inputs="Hc2(T) point tables (T_K, Hc2_T[, Hc2_err_T]) or R(H) / R(T) sweeps, perp or "
           "parallel field",
    options=SPEC_OPTIONS,
    outputs=(
        Output("Tc_K", "zero of the GL fit (shared Tc of the joint fit)", "K"),
        Output("Tc_perp_K", "GL Tc of the perpendicular data (separate fits)", "K"),
        Output("Tc_par_K", "GL Tc of the parallel data (separate fits)", "K"),
        Output("Bc2perp_GL0_T", "GL-linear extrapolation of Hc2perp to T = 0", "T"),
        Output("Bc2par_GL0_T", "2D-GL extrapolation of Hc2par to T = 0", "T"),
        Output("xi_GL0_m", "GL coherence length sqrt(phi0/(2 pi Bc2perp_GL0))", "m"),
        Output("dHc2dT_T_per_K", "GL slope -Bc2perp_GL0/Tc", "T/K"),
        Output("D_m2_per_s", "dirty-limit diffusion constant from the slope", "m^2/s"),
        Output("Hc2_WHH_T", "0.6927*Tc*|dHc2/dT| (orbital WHH with the GL slope)", "T"),
        Output("d_sc_m", "2D-GL superconducting thickness", "m"),
        Output("xi_over_d", "xi_GL0/d_sc (2D validity needs > 1)"),
        Output("anisotropy", "Bc2par_GL0/Bc2perp_GL0"),
        Output("B_P_T", "Clogston-Chandrasekhar limit from Tc", "T"),
        Output("B_P_rashba_T", "sqrt(2)*B_P (strong Rashba ceiling)", "T"),
        Output("Bc2par_over_BP", "Bc2par_GL0/B_P"),
        Output("Tc_WHH_K", "Tc of the WHH fit", "K"),
        Output("S_WHH_T_per_K", "|dHc2/dT| at Tc of the WHH fit", "T/K"),
        Output("alpha_Maki", "Maki parameter (maki/free WHH forms)"),
        Output("lambda_so", "spin-orbit scattering parameter (maki/free WHH forms)"),
        Output("Hc2_WHHfit_T", "T -> 0 limit of the WHH fit", "T"),
        Output("Tc_KLB_K", "Tc of the KLB fit", "K"),
        Output("tau_so_s", "spin-orbit scattering time of the KLB fit", "s"),
        Output("eps_so_meV", "hbar/tau_so", "meV"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()
_DEFAULTS: dict[str, Any] = SPEC.defaults

def _orientation(m: Measurement, given: Any, convention: str) -> str:
    val = given if given is not None else m.metadata.get("field_orientation")
    if val is None and str(m.metadata.get("orientation", "")).strip().lower() in _PERP | _PAR:
        val = m.metadata["orientation"]
    if val is not None:
        v = str(val).strip().lower()
        if v in _PERP:
            return "perp"
        if v in _PAR:
            return "par"
        raise FitError(f"{m.source}: orientation {val!r} not understood (use 'perp' or 'par')")
    th = m.metadata.get("theta_rad")
    if th is None and "theta_rad" in m.data.columns:
        col = m.column("theta_rad", dropna=True)
        if col.size and np.ptp(col) < math.radians(1):
            th = float(np.mean(col))
    if th is not None:
        th = float(th) if convention == "from_normal" else math.pi / 2 - float(th)
        c = abs(math.cos(th))
        if c > math.cos(math.radians(5)):
            return "perp"
        if c < math.sin(math.radians(5)):
            return "par"
        raise FitError(f"{m.source}: field angle {math.degrees(th):.1f} deg from the normal "
                       "is neither perpendicular nor parallel; use the hc2-angle kind")
    return "perp"


def _sweep_kind(m: Measurement, sweep: str, T_tol: float) -> str:
    if sweep in ("field", "temperature"):
        return sweep
    if sweep != "auto":
        raise FitError(f"sweep must be 'auto', 'field' or 'temperature', got {sweep!r}")
    T, B = m.column("T_K"), m.column("B_T")
    ok = np.isfinite(T) & np.isfinite(B)
    nT = len(set(group_blocks(T[ok], T_tol).tolist()))
    nB = len(set(group_blocks(B[ok], 1e-3).tolist()))
    return "field" if nT <= nB else "temperature"


def collect_temperature_points(measurements: list[Measurement], opts: dict[str, Any]):
    """Hc2(T) points of every orientation.

    Parameters
    ----------
    measurements
        Point tables or sweeps (see the module docstring).
    opts
        Resolved options (:meth:`SPEC.resolve <KindSpec.resolve>`).

    Returns
    -------
    (points, provenance, censored)
        ``points``: ``{"perp"/"par": (T [K], B [T], sigma [T], sigma_known, spread [T])}``
        sorted by T (``sigma`` NaN when unknown, ``spread`` = max - min over the sweep
        branches, 0 for tables); provenance entries; censored points (bounds, kept for
        the record).

    Raises
    ------
    RefusedError
        A file holds sweeps without any resistive transition.
    """
    orient = opts["field_orientation"]
    if isinstance(orient, (list, tuple)):
        if len(orient) != len(measurements):
            raise FitError(f"orientation list has {len(orient)} entries for "
                           f"{len(measurements)} files")
        orients = list(orient)
    else:
        orients = [orient] * len(measurements)
    acc: dict[str, dict[str, list]] = {}
    prov, cens = [], []
    for m, o in zip(measurements, orients, strict=True):
        o = _orientation(m, o, opts["theta_convention"])
        slot = acc.setdefault(o, {"T": [], "B": [], "e": [], "known": [], "s": []})
        if hc2_column(m) is not None:
            T, B, e = hc2_points_from_table(m, "T_K")
            slot["T"].append(T)
            slot["B"].append(B)
            slot["e"].append(e if e is not None else np.full(T.shape, np.nan))
            slot["known"].append(e is not None)
            slot["s"].append(np.zeros(T.shape))
            prov.append({"file": m.source, "orientation": o, "input": "points",
                         "columns": ["T_K", "Hc2_T"]})
            continue
        kind = _sweep_kind(m, opts["sweep"], opts["T_tol_K"])
        common = dict(fraction=opts["criterion"], rn_method=opts["rn_method"],
                      R_N_ohm=opts["R_N_ohm"])
        pts = _extract_points(m, kind, opts, common)
        good = [p for p in pts if not p.censored]
        if kind == "field":
            T = np.array([p.fixed for p in good])
            B = np.array([p.value for p in good])
            e = np.array([p.stderr for p in good])
            spread = np.array([p.spread for p in good])
            table = points_table(pts, "T_K", "Hc2_T")
        else:
            T = np.array([p.value for p in good])
            B = np.array([p.fixed for p in good])
            e = np.full(T.shape, np.nan)
            spread = np.full(T.shape, np.nan)  # a spread in T, not in the field
            table = points_table(pts, "B_T", "Tc_K")
        for p in pts:
            if p.censored:
                cens.append({"file": m.source, "orientation": o, "fixed": p.fixed,
                             "bound": p.value, "kind": p.censored})
        slot["T"].append(T)
        slot["B"].append(B)
        slot["e"].append(e)
        slot["known"].append(False)
        slot["s"].append(spread)
        prov.append({"file": m.source, "orientation": o,
                     "input": "R(H) sweeps" if kind == "field" else "R(T) sweeps",
                     "columns": ["T_K", "B_T", m.resistance_column()],
                     "points": table.to_dict(orient="list")})
    out = {}
    for o, s in acc.items():
        T, B, e, sp = (np.concatenate(s[k]) for k in ("T", "B", "e", "s"))
        order = np.argsort(T, kind="stable")
        out[o] = (T[order], np.abs(B[order]), e[order], all(s["known"]), sp[order])
    return out, prov, cens


def _extract_points(m: Measurement, kind: str, opts: dict[str, Any], common: dict[str, Any]):
    """Critical points of one file of sweeps; no transition at all is refused."""
    try:
        if kind == "field":
            return extract_hc2_points(m, rn_field_T=opts["rn_field_T"], by="T_K",
                                      by_tol=opts["T_tol_K"], **common)
        return extract_tc_points(m, rn_T_K=opts["rn_field_T"], **common)
    except FitError as exc:
        if "resistive transition" in str(exc):
            raise RefusedError(f"hc2-temperature: {m.source}: {exc}") from None
        raise


def _weights(sigma, known: bool, use_sigma: Any):
    have = sigma is not None and np.all(np.isfinite(sigma)) and np.all(sigma > 0)
    if use_sigma == "auto":
        return (1.0 / sigma, False) if (known and have) else (None, True)
    if use_sigma:
        if not have:
            raise FitError("use_sigma=true but some Hc2 points have no error")
        return 1.0 / sigma, not known
    return None, True


def _check_points(T, B, n_par: int, label: str) -> None:
    if T.size != B.size:
        raise FitError(f"{label}: T and Hc2 differ in length")
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(B))):
        raise FitError(f"{label}: NaN in the Hc2(T) points")
    if np.unique(T).size <= n_par:
        raise FitError(f"{label}: {np.unique(T).size} distinct temperatures for {n_par} "
                       "free parameters; need more Hc2(T) points")
    if np.unique(T).size != T.size:
        raise FitError(f"{label}: duplicated temperatures in the Hc2(T) points")
    if not np.all(T >= 0):
        raise FitError(f"{label}: temperatures must be >= 0 K, got min {T.min():.4g}")
    if not np.all(B > 0):
        raise FitError(f"{label}: zero critical field at some temperature (no transition)")


def _run(model, B, pars, T, sigma, scale_covar: bool, label: str, max_nfev: int | None = None):
    """``model.fit`` with numerical failures turned into :class:`FitError`."""
    try:
        return model.fit(B, pars, T=T, weights=None if sigma is None else 1 / np.asarray(sigma),
                         scale_covar=scale_covar, max_nfev=max_nfev)
    except KtoError:
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError, TypeError) as exc:
        raise FitError(f"{label} fit failed numerically: {exc}") from None


def _gl_perp_lmfit(T, B, sigma=None, *, scale_covar: bool = True):
    """GL perpendicular fit as an lmfit ModelResult (see :func:`fit_gl_perp`)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "GL perpendicular")
    model = GLPerpModel()
    return _run(model, B, model.guess(B, T=T), T, sigma, scale_covar, "GL perpendicular")


def _gl_par_lmfit(T, B, sigma=None, *, scale_covar: bool = True):
    """2D-GL parallel fit as an lmfit ModelResult (see :func:`fit_gl_par`)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "GL parallel")
    model = GLParModel()
    return _run(model, B, model.guess(B, T=T), T, sigma, scale_covar, "GL parallel")


def _gl_joint_lmfit(T_perp, B_perp, T_par, B_par, w_perp=None, w_par=None, *,
                    scale_covar: bool = True):
    """Joint GL fit as a :class:`~ktoanalysis.transport.global_fit.GlobalFitResult`
    (see :func:`fit_gl_joint`)."""
    _check_points(np.asarray(T_perp), np.asarray(B_perp), 1, "GL perpendicular")
    _check_points(np.asarray(T_par), np.asarray(B_par), 1, "GL parallel")
    sets = [DataSet(GLPerpModel(prefix="perp_"), T_perp, B_perp, w_perp),
            DataSet(GLParModel(prefix="par_"), T_par, B_par, w_par)]
    gf = GlobalFit(sets, shared={"Tc": ["perp_Tc", "par_Tc"]})
    try:
        params = gf.make_params()
        tmax = max(np.max(T_perp), np.max(T_par))
        params["Tc"].set(min=tmax * (1 + 1e-9))
        return gf.fit(params, scale_covar=scale_covar)
    except KtoError:
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError, TypeError) as exc:
        raise FitError(f"joint GL fit failed numerically: {exc}") from None


def _whh_lmfit(T, B, sigma=None, *, form: str = "orbital", pauli_coefficient: str = "bcs_1.764",
               scale_covar: bool = True, lam_so0: float | None = None,
               alpha0: float | None = None, max_nfev: int | None = None):
    """WHH fit as an lmfit ModelResult (see :func:`fit_whh`)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    model = WHHModel(form=form, pauli_coefficient=pauli_coefficient)
    nvary = 2 + (form == "maki") + 2 * (form == "free")
    _check_points(T, B, nvary, f"WHH ({form})")
    pars = model.guess(B, T=T)
    if lam_so0 is not None and form != "orbital":
        pars["lam_so"].set(value=lam_so0)
    if alpha0 is not None and form == "free":
        pars["alpha"].set(value=alpha0)
    return _run(model, B, pars, T, sigma, scale_covar, f"WHH ({form})", max_nfev)


def _klb_lmfit(T, B, sigma=None, *, d: float = 0.0, D: float = 0.0, scale_covar: bool = True):
    """KLB fit as an lmfit ModelResult (see :func:`fit_klb`)."""
    T, B = np.asarray(T, float), np.asarray(B, float)
    _check_points(T, B, 2, "KLB")
    model = KLBModel(d=d, D=D)
    return _run(model, B, model.guess(B, T=T), T, sigma, scale_covar, "KLB")


# --------------------------------------------------------------------------------------
# array-level public fits: FitResult with a quality verdict (no plot data)
# --------------------------------------------------------------------------------------
_GL_PERP_NAMES = {"Tc": "Tc_K", "B0": "Bc2perp_GL0_T", "xi0": "xi_GL0_m",
                  "slope": "dHc2dT_T_per_K"}
_GL_PAR_NAMES = {"Tc": "Tc_K", "B0": "Bc2par_GL0_T"}
_GL_JOINT_NAMES = {"Tc": "Tc_K", "perp_B0": "Bc2perp_GL0_T", "par_B0": "Bc2par_GL0_T"}


def _known_noise(sigma: Any, scale_covar: bool) -> np.ndarray | None:
    """The noise for the goodness-of-fit check: only absolute errors (``scale_covar``
    False) are a known noise."""
    if sigma is None or scale_covar:
        return None
    return np.asarray(sigma, float)


def _array_result(r, names: dict[str, str], *, function: str, what: str, options: dict,
                  resid, sigma, scale_covar: bool, bound_flags: list[Flag] | None = None,
                  extra: dict[str, Any] | None = None) -> FitResult:
    """FitResult of one array-level fit (parameters widened as in :func:`analyze`)."""
    p, _ = _params(r, names, scale_covar)  # no_errorbars is added by array_fit_result
    p |= extra(p) if extra else {}
    if bound_flags is None:
        bound_flags = check_bounds(r.params, rel=1e-5, what=what, public=names)
    return array_fit_result(r, kind="hc2-temperature", names=names, function=function,
                            options=options, what=what, params=p, bound_flags=bound_flags,
                            residuals=resid,
                            sigma=_known_noise(sigma, scale_covar))


def fit_gl_perp(T, B, sigma=None, *, scale_covar: bool = True) -> FitResult:
    """GL perpendicular fit B = B0*(1 - T/Tc) (§5.3).

    Parameters
    ----------
    T, B, sigma
        Temperatures [K], fields [T], 1-sigma errors [T] (weights 1/sigma) or None.
    scale_covar
        Scale the covariance by the reduced chi-square (errors not known).

    Returns
    -------
    FitResult
        Kind ``"hc2-temperature"``; params ``Tc_K`` [K], ``Bc2perp_GL0_T`` [T], ``xi_GL0_m``
        [m], ``dHc2dT_T_per_K`` [T/K] (correlated ufloats; with ``scale_covar`` the errors
        are widened by the Student-t factor, as in :func:`analyze`). ``quality``:
        ``at_bound``, ``no_errorbars``, ``bad_fit`` for a fit that did not converge and,
        with absolute errors (``scale_covar=False``), ``bad_fit`` /
        ``systematic_residuals``. ``lmfit_result``: the lmfit ModelResult; no plot data (use
        :func:`analyze` for a figure).

    Raises
    ------
    FitError
        Too few, duplicated or non-finite points, a zero field, a numerical failure.
    """
    r = _gl_perp_lmfit(T, B, sigma, scale_covar=scale_covar)
    return _array_result(r, _GL_PERP_NAMES, function="fit_gl_perp", what="GL perpendicular fit",
                         options={"sigma": sigma, "scale_covar": scale_covar},
                         resid=np.asarray(B, float) - r.best_fit,
                         sigma=sigma, scale_covar=scale_covar)


def fit_gl_par(T, B, sigma=None, *, scale_covar: bool = True) -> FitResult:
    """2D-GL parallel fit B = B0*sqrt(1 - T/Tc) (§5.4); arguments as :func:`fit_gl_perp`.

    Returns
    -------
    FitResult
        Kind ``"hc2-temperature"``; params ``Tc_K`` [K], ``Bc2par_GL0_T`` [T] (correlated
        ufloats; with ``scale_covar`` the errors are widened by the Student-t factor, as in
        :func:`analyze`). ``quality``: ``at_bound``, ``no_errorbars``, ``bad_fit`` for a fit
        that did not converge and, with absolute errors (``scale_covar=False``), ``bad_fit``
        / ``systematic_residuals``. ``lmfit_result``: the lmfit ModelResult; no plot data
        (use :func:`analyze` for a figure).

    Raises
    ------
    FitError
        As :func:`fit_gl_perp`.
    """
    r = _gl_par_lmfit(T, B, sigma, scale_covar=scale_covar)
    return _array_result(r, _GL_PAR_NAMES, function="fit_gl_par", what="GL parallel fit",
                         options={"sigma": sigma, "scale_covar": scale_covar},
                         resid=np.asarray(B, float) - r.best_fit,
                         sigma=sigma, scale_covar=scale_covar)


def fit_gl_joint(T_perp, B_perp, T_par, B_par, w_perp=None, w_par=None, *,
                 scale_covar: bool = True) -> FitResult:
    """Joint GL fit of perpendicular and parallel Hc2(T) sharing Tc (global fit).

    Parameters
    ----------
    T_perp, B_perp, T_par, B_par
        Temperatures [K] and fields [T] of the two orientations.
    w_perp, w_par
        Weights 1/sigma [1/T] of each orientation, or None.
    scale_covar
        Scale the covariance by the reduced chi-square (errors not known).

    Returns
    -------
    FitResult
        Kind ``"hc2-temperature"``; params ``Tc_K`` (shared) [K], ``Bc2perp_GL0_T``,
        ``Bc2par_GL0_T`` [T] (correlated ufloats; with ``scale_covar`` the errors are
        widened by the Student-t factor, as in :func:`analyze`). ``quality``: ``at_bound``,
        ``no_errorbars``, ``bad_fit`` for a fit that did not converge and, with absolute
        errors (``scale_covar=False``), ``bad_fit`` / ``systematic_residuals``.
        ``lmfit_result``: the :class:`~ktoanalysis.transport.global_fit.GlobalFitResult`
        (its ``minimizer_result`` gives ``stats``); no plot data (use :func:`analyze` for a
        figure).

    Raises
    ------
    FitError
        Bad points or a numerical failure.
    """
    g = _gl_joint_lmfit(T_perp, B_perp, T_par, B_par, w_perp, w_par, scale_covar=scale_covar)
    r = g.minimizer_result
    B = np.concatenate([np.asarray(B_perp, float), np.asarray(B_par, float)])
    sigma = None
    if w_perp is not None and w_par is not None:
        sigma = np.concatenate([1 / np.broadcast_to(np.asarray(w, float), np.shape(b))
                                for w, b in ((w_perp, B_perp), (w_par, B_par))])
    out = _array_result(r, _GL_JOINT_NAMES, function="fit_gl_joint", what="joint GL fit",
                        options={"w_perp": w_perp, "w_par": w_par, "scale_covar": scale_covar},
                        resid=B - np.concatenate([g.best_fit(0), g.best_fit(1)]),
                        sigma=sigma, scale_covar=scale_covar)
    from dataclasses import replace

    return replace(out, lmfit_result=g)


def fit_whh(T, B, sigma=None, *, form: str = "orbital", pauli_coefficient: str = "bcs_1.764",
            scale_covar: bool = True, lam_so0: float | None = None,
            alpha0: float | None = None, max_nfev: int | None = None) -> FitResult:
    """WHH fit of perpendicular Hc2(T) (§5.5).

    Parameters
    ----------
    T, B, sigma
        Temperatures [K], fields [T], 1-sigma errors [T] or None.
    form
        ``"orbital"``, ``"maki"`` or ``"free"`` (ASSUMPTION whh_form).
    pauli_coefficient
        Pauli coefficient tying alpha to the slope in the maki form.
    scale_covar
        Scale the covariance by the reduced chi-square.
    lam_so0, alpha0
        Starting values of lam_so (maki/free) and alpha (free) for multi-start fits.
    max_nfev
        Cap on the model evaluations (None: lmfit's default).

    Returns
    -------
    FitResult
        Kind ``"hc2-temperature"``; params ``Tc_WHH_K`` [K], ``S_WHH_T_per_K`` [T/K], for
        maki/free ``alpha_Maki``, ``lambda_so``, and ``Hc2_WHHfit_T`` [T] (correlated
        ufloats; with ``scale_covar`` the errors are widened by the Student-t factor, as in
        :func:`analyze`). ``quality``: ``at_bound``, ``no_errorbars``, ``bad_fit`` for a fit
        that did not converge and, with absolute errors (``scale_covar=False``), ``bad_fit``
        / ``systematic_residuals``. ``lmfit_result``: the lmfit ModelResult; no plot data
        (use :func:`analyze` for a figure).

    Raises
    ------
    FitError
        Too few or bad points, a numerical failure.
    """
    r = _whh_lmfit(T, B, sigma, form=form, pauli_coefficient=pauli_coefficient,
                   scale_covar=scale_covar, lam_so0=lam_so0, alpha0=alpha0, max_nfev=max_nfev)
    names = {"Tc": "Tc_WHH_K", "S": "S_WHH_T_per_K"}
    if form != "orbital":
        names |= {"alpha": "alpha_Maki", "lam_so": "lambda_so"}
    options = {"sigma": sigma, "form": form, "pauli_coefficient": pauli_coefficient,
               "scale_covar": scale_covar, "lam_so0": lam_so0, "alpha0": alpha0,
               "max_nfev": max_nfev}
    return _array_result(r, names, function="fit_whh", what=f"WHH ({form})", options=options,
                         resid=np.asarray(B, float) - r.best_fit, sigma=sigma,
                         scale_covar=scale_covar,
                         bound_flags=_whh_bound_flags(r, form),
                         extra=lambda p: {"Hc2_WHHfit_T": _whh_ratio(p, form) * p["Tc_WHH_K"]
                                          * p["S_WHH_T_per_K"]})


def _whh_ratio(p: dict[str, Any], form: str) -> Any:
    """Hc2(0)/(Tc*S) of the WHH form (0.693 orbital; from alpha, lambda_so otherwise)."""
    if form == "orbital":
        return WHH_ORBITAL_RATIO
    return wrap(whh_zero_temperature_ratio)(p["alpha_Maki"], p["lambda_so"])


def fit_klb(T, B, sigma=None, *, d: float = 0.0, D: float = 0.0,
            scale_covar: bool = True) -> FitResult:
    """KLB fit of parallel Hc2(T) (§5.7.1): Tc [K] and tau_so [s] (fitted as log10).

    Parameters
    ----------
    T, B, sigma
        Temperatures [K], fields [T], 1-sigma errors [T] or None.
    d, D
        Film thickness [m] and diffusion constant [m^2/s] of the thin-film term (0: spin
        term only).
    scale_covar
        Scale the covariance by the reduced chi-square.

    Returns
    -------
    FitResult
        Kind ``"hc2-temperature"``; params ``Tc_KLB_K`` [K], ``tau_so_s`` [s],
        ``eps_so_meV`` [meV] (correlated ufloats; with ``scale_covar`` the errors are
        widened by the Student-t factor, as in :func:`analyze`). ``quality``: ``at_bound``,
        ``no_errorbars``, ``bad_fit`` for a fit that did not converge and, with absolute
        errors (``scale_covar=False``), ``bad_fit`` / ``systematic_residuals``.
        ``lmfit_result``: the lmfit ModelResult; no plot data (use :func:`analyze` for a
        figure).

    Raises
    ------
    FitError
        Too few or bad points, a numerical failure.
    """
    r = _klb_lmfit(T, B, sigma, d=d, D=D, scale_covar=scale_covar)
    return _array_result(r, {"Tc": "Tc_KLB_K", "tau_so": "tau_so_s"}, function="fit_klb",
                         what="KLB", options={"sigma": sigma, "d": d, "D": D,
                                              "scale_covar": scale_covar},
                         resid=np.asarray(B, float) - r.best_fit, sigma=sigma,
                         scale_covar=scale_covar,
                         extra=lambda p: {"eps_so_meV": HBAR / p["tau_so_s"] / MEV})


def _opts(opts: dict[str, Any]) -> dict[str, Any]:
    """Cross-option checks on options resolved by :meth:`SPEC.resolve`."""
    if opts["klb"] == "thin_film" and not opts["klb_d_m"]:
        raise FitError("klb='thin_film' needs the film thickness option klb_d_m [m]")
    if opts["rn_method"] == "fixed_value" and opts["R_N_ohm"] is None:
        raise FitError("rn_method='fixed_value' needs the option R_N_ohm")
    if opts["rn_method"] == "fixed_B" and opts["rn_field_T"] is None:
        raise FitError("rn_method='fixed_B' needs the option rn_field_T")
    return opts


def _t_factor(dof: int) -> float:
    """Student-t 1-sigma quantile for ``dof`` degrees of freedom (1 for dof -> inf)."""
    return float(st.t.ppf(st.norm.cdf(1.0), dof)) if dof > 0 else float("nan")


def _params(r, names: dict[str, str], scaled: bool) -> tuple[dict[str, Any], list[Flag]]:
    """Correlated parameters; scaled covariance widened by the Student-t factor."""
    if scaled and getattr(r, "covar", None) is not None and r.nfree > 0:
        f = _t_factor(int(r.nfree))
        r.covar = r.covar * f * f
        for p in r.params.values():
            if p.stderr is not None:
                p.stderr = p.stderr * f
    p = params_from_lmfit(r, names, require_errorbars=False)
    flags = []
    if not (bool(getattr(r, "errorbars", False)) and r.covar is not None):
        flags.append(fail("no_errorbars", "the covariance of the fit could not be estimated "
                          "(a parameter at a bound or not identifiable): no 1-sigma errors"))
    return p, flags


# --------------------------------------------------------------------------------------
# GL stage (docs/models/hc2_gl.md): joint or separate fits
# --------------------------------------------------------------------------------------
def _select_window(pts: dict[str, tuple], window: Any) -> dict[str, tuple]:
    if window is None:
        return pts
    lo, hi = window
    out = {}
    for o, (T, B, e, k, sp) in pts.items():
        sel = (T >= lo) & (T <= hi)
        out[o] = (T[sel], B[sel], e[sel], k, sp[sel])
    return out


def _all_weights(pts: dict[str, tuple], use_sigma: Any) -> dict[str, tuple]:
    return {o: _weights(e, known, use_sigma) for o, (T, B, e, known, _) in pts.items()}


def _gl_joint(pts, w) -> dict[str, Any]:
    (Tp, Bp, *_), (Tq, Bq, *_) = pts["perp"], pts["par"]
    scale = w["perp"][1] or w["par"][1]
    gres = _gl_joint_lmfit(Tp, Bp, Tq, Bq, w["perp"][0], w["par"][0], scale_covar=scale)
    r = gres.minimizer_result
    if not r.success:
        raise FitError(f"joint GL fit did not converge ({r.message})")
    names = {"Tc": "Tc_K", "perp_B0": "Bc2perp_GL0_T", "par_B0": "Bc2par_GL0_T"}
    p, flags = _params(r, names, scale)
    flags += check_bounds(r.params, rel=1e-5, what="joint GL fit", public=names)
    curves = {
        "perp_fit": lambda x, _p=r.params: gl_perp_hc2(x, _p["perp_B0"].value, _p["Tc"].value),
        "perp_band": lambda x, _g=gres: _g.eval_uncertainty(0, x),
        "par_fit": lambda x, _p=r.params: gl_par_hc2(x, _p["par_B0"].value, _p["Tc"].value),
        "par_band": lambda x, _g=gres: _g.eval_uncertainty(1, x),
    }
    resid = {"perp": Bp - gres.best_fit(0), "par": Bq - gres.best_fit(1)}
    return {"params": p, "stats": stats_from_lmfit(r), "lm": {"gl_joint": r}, "flags": flags,
            "curves": curves, "resid": resid, "joint": True, "nvarys": {"perp": 2, "par": 2}}


def _gl_separate(pts, w) -> dict[str, Any]:
    out: dict[str, Any] = {"params": {}, "stats": {}, "lm": {}, "flags": [], "curves": {},
                           "resid": {}, "joint": False, "nvarys": {}}
    for o, fitter, key in (("perp", _gl_perp_lmfit, "Bc2perp_GL0_T"),
                           ("par", _gl_par_lmfit, "Bc2par_GL0_T")):
        if o not in pts:
            continue
        T, B = pts[o][0], pts[o][1]
        wt, scale = w[o]
        r = fitter(T, B, None if wt is None else 1 / wt, scale_covar=scale)
        if not r.success:
            raise FitError(f"GL {o} fit did not converge ({r.message})")
        names = {"Tc": f"Tc_{o}_K", "B0": key}
        p, flags = _params(r, names, scale)
        out["flags"] += flags + check_bounds(r.params, rel=1e-5, what=f"GL {o} fit",
                                             public=names)
        out["params"].update(p)
        out["lm"][f"gl_{o}"] = r
        if "Tc_K" not in out["params"]:
            out["params"] = {"Tc_K": p[f"Tc_{o}_K"]} | out["params"]
            out["stats"].update(stats_from_lmfit(r))
        else:
            out["stats"].update({f"{o}_{k}": v for k, v in stats_from_lmfit(r).items()})
        out["curves"][f"{o}_fit"] = lambda x, _r=r: _r.eval(T=np.asarray(x))
        out["curves"][f"{o}_band"] = lambda x, _r=r: _r.eval_uncertainty(T=np.asarray(x))
        out["resid"][o] = B - r.best_fit
        out["nvarys"][o] = 2
    return out


def _gl_stage(pts: dict[str, tuple], w: dict[str, tuple], shared: bool) -> dict[str, Any]:
    """GL fits of the points; joint (shared Tc) when both orientations are present."""
    if "perp" in pts and "par" in pts and shared:
        return _gl_joint(pts, w)
    return _gl_separate(pts, w)


def _derived(p: dict[str, Any], opts: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """xi0, slope, D, WHH estimate, d_SC, anisotropy and the Pauli limit from GL results."""
    params = dict(p)
    Tc = params["Tc_K"]
    perp_B0, par_B0 = params.get("Bc2perp_GL0_T"), params.get("Bc2par_GL0_T")
    xi0 = None
    if perp_B0 is not None:
        Tc_perp = params.get("Tc_perp_K", Tc)
        xi0 = umath.sqrt(PHI0 / (2 * math.pi * perp_B0))
        params["xi_GL0_m"] = xi0
        slope = -perp_B0 / Tc_perp
        params["dHc2dT_T_per_K"] = slope
        params["D_m2_per_s"] = diffusion_from_slope(slope)
        params["Hc2_WHH_T"] = WHH_ORBITAL_RATIO * perp_B0
    elif opts["xi0_m"] is not None:
        xi0 = float(opts["xi0_m"])
        notes.append("xi0 taken from the xi0_m option")
    if par_B0 is not None and xi0 is not None:
        d = math.sqrt(12.0) * PHI0 / (2 * math.pi * xi0 * par_B0)
        params["d_sc_m"] = d
        params["xi_over_d"] = xi0 / d
    if par_B0 is not None and perp_B0 is not None:
        params["anisotropy"] = par_B0 / perp_B0
    B_P = pauli_limit(Tc, opts["pauli_coefficient"], float(opts["g_factor"]))
    params["B_P_T"] = B_P
    params["B_P_rashba_T"] = rashba_ceiling(B_P)
    if par_B0 is not None:
        params["Bc2par_over_BP"] = par_B0 / B_P
    return params


def _gl_values(pts, opts) -> dict[str, tuple[float, float]]:
    """Nominal values and errors of the budgeted GL outputs for a refit of ``pts``."""
    gl = _gl_stage(pts, _all_weights(pts, opts["use_sigma"]), opts["gl_shared_tc"] == "shared")
    params = _derived(gl["params"], opts, [])
    return {k: (_nominal(v), _stderr(v)) for k, v in params.items() if k in BUDGET_NAMES}


# --------------------------------------------------------------------------------------
# GL quality checks
# --------------------------------------------------------------------------------------
def _gof_sigma(e: np.ndarray, spread: np.ndarray, known: bool) -> np.ndarray | None:
    """Independent point errors for the chi-square check (None when unknown)."""
    if known:
        return e
    s = np.hypot(e, 0.5 * spread)
    return s if s.size and np.all(np.isfinite(s)) and np.all(s > 0) else None


def _trend(T, B, sigma, par: bool) -> tuple[float, float, float]:
    """Slope [T/K or T^2/K], its error and the two-sided p-value of a zero slope of a
    straight line through Hc2 (perp) or Hc2**2 (par) against T."""
    y = B**2 if par else B
    s = None if sigma is None else (2 * B * sigma if par else sigma)
    w = np.ones_like(T) if s is None else 1.0 / s**2
    Tw = np.sum(w * T) / np.sum(w)
    sxx = np.sum(w * (T - Tw) ** 2)
    k = float(np.sum(w * (T - Tw) * y) / sxx)
    b = float(np.sum(w * y) / np.sum(w)) - k * Tw
    dof = T.size - 2
    if s is None:
        s2 = float(np.sum((y - (k * T + b)) ** 2)) / dof
        err = math.sqrt(s2 / sxx) if s2 > 0 else 0.0
        p = float(2 * st.t.sf(abs(k) / err, dof)) if err > 0 else 0.0
    else:
        err = math.sqrt(1.0 / sxx)
        p = float(2 * st.norm.sf(abs(k) / err))
    return k, err, p


def _trend_flags(o: str, T, B, sigma) -> list[Flag]:
    if T.size < 3:
        return []
    k, err, p = _trend(T, B, sigma, o == "par")
    what = "Hc2**2" if o == "par" else "Hc2"
    unit = "T^2/K" if o == "par" else "T/K"
    if k >= 0:
        return [fail("no_trend", f"GL {o}: {what} does not decrease with T (slope {k:.3g} "
                     f"+/- {err:.2g} {unit}): not an upper-critical-field line, no Tc")]
    if p > TREND_P_FAIL:
        return [fail("no_trend", f"GL {o}: the slope of {what}(T), {k:.3g} +/- {err:.2g} "
                     f"{unit}, is not significantly non-zero (p = {p:.2g} > {TREND_P_FAIL:g}): "
                     "no temperature dependence to extrapolate to Tc")]
    return []


def _extrapolation_flags(name: str, Tc: float, Tmax: float) -> list[Flag]:
    if not (math.isfinite(Tc) and Tc > 0):
        return [fail("extrapolated", f"{name} = {Tc:.4g} K is not a finite positive Tc")]
    gap = (Tc - Tmax) / Tc
    msg = (f"{name} = {Tc:.4g} K lies {Tc - Tmax:.3g} K ({100 * gap:.0f} % of Tc) above the "
           f"highest measured temperature {Tmax:.4g} K")
    if gap > TC_GAP_FAIL:
        return [fail("extrapolated", msg + f" (limit {100 * TC_GAP_FAIL:.0f} %)")]
    if gap > TC_GAP_WARN:
        return [warn("extrapolated", msg + f" (warn above {100 * TC_GAP_WARN:.0f} %)")]
    return []


def _b0_flags(name: str, B0: float, Bmax: float) -> list[Flag]:
    ratio = B0 / Bmax if Bmax > 0 else math.inf
    msg = (f"{name} = {B0:.4g} T is {ratio:.3g} times the largest measured field "
           f"{Bmax:.4g} T")
    if ratio > B0_RATIO_FAIL:
        return [fail("extrapolated", msg + f" (limit {B0_RATIO_FAIL:g})")]
    if ratio > B0_RATIO_WARN:
        return [warn("extrapolated", msg + f" (warn above {B0_RATIO_WARN:g})")]
    return []


def _gl_flags(pts: dict[str, tuple], gl: dict[str, Any]) -> list[Flag]:
    """Points, trend, extrapolation and goodness-of-fit checks of the GL stage."""
    flags: list[Flag] = list(gl["flags"])
    p = gl["params"]
    Tmax_all = max(float(v[0].max()) for v in pts.values())
    for o, (T, B, e, known, spread) in pts.items():
        if T.size < MIN_POINTS:
            flags.append(fail("too_few_points", f"GL {o}: {T.size} Hc2(T) points for a "
                              f"2-parameter fit, need at least {MIN_POINTS}"))
        sig = _gof_sigma(e, spread, known)
        flags += _trend_flags(o, T, B, e if known else None)
        flags += check_goodness_of_fit(gl["resid"][o], sig, gl["nvarys"][o], what=f"GL {o} fit")
        key = "Tc_K" if gl["joint"] else f"Tc_{o}_K"
        Tmax = Tmax_all if gl["joint"] else float(T.max())
        flags += _extrapolation_flags(key, _nominal(p[key]), Tmax)
        b0 = "Bc2perp_GL0_T" if o == "perp" else "Bc2par_GL0_T"
        flags += _b0_flags(b0, _nominal(p[b0]), float(B.max()))
    return flags


# --------------------------------------------------------------------------------------
# WHH (docs/models/whh.md) with multi-start and form selection, KLB (docs/models/pauli_klb.md)
# --------------------------------------------------------------------------------------
#: multi-start starting values (lam_so0, alpha0) of each WHH form
_WHH_STARTS: dict[str, tuple[tuple[float | None, float | None], ...]] = {
    "orbital": ((None, None),),
    "maki": ((1.0, None), (0.1, None)),
    "free": ((1.0, None), (0.1, 2.0)),
}
#: cap on the model evaluations of one WHH start (the complex digamma is slow and
#: lam_so -> 0 converges slowly); a capped start is kept, with a warning
WHH_MAX_NFEV = 300


def _aicc(r) -> float:
    n, k = int(r.ndata), int(r.nvarys)
    return float(r.aic + 2 * k * (k + 1) / (n - k - 1)) if n - k - 1 > 0 else math.inf


def _whh_candidate(T, B, sig, scale, form, coef) -> tuple[Any, list[Flag]]:
    """Best multi-start WHH fit of one form (None and a flag when every start failed)."""
    fits, errors = [], []
    for lam0, a0 in _WHH_STARTS[form]:
        try:
            r = _whh_lmfit(T, B, sig, form=form, pauli_coefficient=coef, scale_covar=scale,
                        lam_so0=lam0, alpha0=a0, max_nfev=WHH_MAX_NFEV if form != "orbital"
                        else None)
        except FitError as exc:
            errors.append(str(exc))
            continue
        if np.isfinite(r.chisqr) and (r.success or r.nfev >= WHH_MAX_NFEV):
            fits.append(r)
        else:
            errors.append(f"did not converge ({r.message})")
    if not fits:
        return None, [warn("candidate_failed", f"WHH ({form}) could not be fitted: "
                           f"{errors[0] if errors else 'no start converged'}")]
    best = min(fits, key=lambda r: r.chisqr)
    flags = []
    if not best.success:
        flags.append(warn("candidate_failed", f"WHH ({form}): the best start stopped after "
                          f"{best.nfev} evaluations without converging (cap {WHH_MAX_NFEV})"))
    flags += check_multistart("Tc", [r.params["Tc"].value for r in fits],
                             [r.params["Tc"].stderr or math.nan for r in fits],
                             chisqr=[r.chisqr for r in fits], what=f"WHH ({form})")
    return best, flags


def _select_form(cands: dict[str, Any]) -> str | None:
    """Simplest form unless a more complex one lowers AICc by more than 2."""
    best = None
    for form in ("orbital", "maki", "free"):
        r = cands.get(form)
        if r is None:
            continue
        if best is None or _aicc(r) < _aicc(cands[best]) - 2.0:
            best = form
    return best


def _reentrant(alpha: float, lam_so: float) -> bool:
    """Whether the second-order WHH line falls again towards T -> 0 (first order there)."""
    t = np.linspace(0.02, 0.98, 25)
    h = whh_reduced_field(t, alpha, lam_so)
    return bool(np.nanmax(h) > h[0] * (1 + 1e-3))


def _first_order_flags(form: str, p: dict[str, Any], coef: str) -> list[Flag]:
    if form == "orbital":
        c_P = float(pauli_limit(1.0, coef))
        a = math.sqrt(2) * WHH_ORBITAL_RATIO * _nominal(p["S_WHH_T_per_K"]) / c_P
        if a > ALPHA_FIRST_ORDER:
            return [warn("first_order", f"the WHH slope implies a Maki alpha = {a:.3g} > "
                         f"{ALPHA_FIRST_ORDER:g}: Pauli-limited, the orbital WHH form "
                         "(alpha = 0) does not apply; try whh='maki'")]
        return []
    a, lam = _nominal(p["alpha_Maki"]), _nominal(p["lambda_so"])
    if a <= ALPHA_FIRST_ORDER:
        return []
    msg = f"WHH ({form}): Maki alpha = {a:.3g} > {ALPHA_FIRST_ORDER:g} (lambda_so = {lam:.3g})"
    if _reentrant(a, lam):
        return [fail("first_order", msg + ": the second-order line is re-entrant at low T, "
                     "the transition is first order (Pauli limited, docs/models/whh.md, "
                     "pitfall b); the WHH curve is not the physics there")]
    return [warn("first_order", msg + ": Pauli-limited regime, although spin-orbit "
                 "scattering keeps the second-order line monotonic")]


def _whh_bound_flags(r, form: str) -> list[Flag]:
    main = {k: r.params[k] for k in ("Tc", "S")}
    flags = check_bounds(main, rel=1e-5, severity="warn", what=f"WHH ({form})")
    for k in ("alpha", "lam_so"):
        q = r.params[k]
        if q.vary and not q.expr and q.value >= 0.99 * q.max:
            flags.append(warn("at_bound", f"WHH ({form}): {k} = {q.value:.4g} is at its "
                              f"upper bound {q.max:.4g}: not determined by the data"))
    return flags


def _whh_stage(T, B, wt, scale, gof_sig, opts, params=None) -> dict[str, Any]:
    """WHH fit(s) of perpendicular data (``params`` unused: the signature of
    :func:`_klb_stage`); flags are warnings except ``first_order``."""
    forms = ("orbital", "maki", "free") if opts["whh"] == "auto" else (opts["whh"],)
    coef = opts["pauli_coefficient"]
    sig = None if wt is None else 1 / wt
    flags: list[Flag] = []
    cands = {}
    for form in forms:
        r, f = _whh_candidate(T, B, sig, scale, form, coef)
        flags += f
        if r is not None:
            cands[form] = r
    form = _select_form(cands)
    out: dict[str, Any] = {"flags": flags, "form": form, "params": {}, "stats": {}}
    if form is None:
        return out
    r = cands[form]
    names = {"Tc": "Tc_WHH_K", "S": "S_WHH_T_per_K"}
    if form != "orbital":
        names |= {"alpha": "alpha_Maki", "lam_so": "lambda_so"}
    p, f = _params(r, names, scale)
    flags += [warn(x.code, x.message) for x in f]
    ratio: Any = WHH_ORBITAL_RATIO
    if form != "orbital":
        ratio = wrap(whh_zero_temperature_ratio)(p["alpha_Maki"], p["lambda_so"])
    p["Hc2_WHHfit_T"] = ratio * p["Tc_WHH_K"] * p["S_WHH_T_per_K"]
    flags += _whh_bound_flags(r, form)
    flags += [warn(x.code, x.message) for x in
              check_goodness_of_fit(B - r.best_fit, gof_sig, r.nvarys, what=f"WHH ({form})")]
    flags += _first_order_flags(form, p, coef)
    out["params"] = p
    out["stats"] = {f"whh_{k}": v for k, v in stats_from_lmfit(r).items()}
    out["stats"] |= {f"whh_aicc_{k}": _aicc(v) for k, v in cands.items()}
    out["lm"] = r
    v = r.params
    out["curve"] = lambda x, _v=v: whh_hc2(np.asarray(x), _v["Tc"].value, _v["S"].value,
                                           _v["alpha"].value, _v["lam_so"].value)
    return out


def _klb_stage(T, B, wt, scale, gof_sig, opts, params) -> dict[str, Any]:
    """KLB fit of parallel data; a failure is a ``candidate_failed`` warning."""
    d_klb, D = 0.0, 0.0
    if opts["klb"] == "thin_film":
        if "D_m2_per_s" not in params:
            raise FitError("klb='thin_film' needs perpendicular data for D (dirty limit)")
        d_klb, D = float(opts["klb_d_m"]), _nominal(params["D_m2_per_s"])
    try:
        r = _klb_lmfit(T, B, None if wt is None else 1 / wt, d=d_klb, D=D, scale_covar=scale)
        if not r.success:
            raise FitError(f"did not converge ({r.message})")
    except FitError as exc:
        return {"flags": [warn("candidate_failed", f"KLB ({opts['klb']}) could not be fitted: "
                               f"{exc}")], "params": {}, "stats": {}}
    p, f = _params(r, {"Tc": "Tc_KLB_K", "tau_so": "tau_so_s"}, scale)
    p["eps_so_meV"] = HBAR / p["tau_so_s"] / MEV
    flags = [warn(x.code, x.message) for x in
             f + check_bounds(r.params, rel=1e-5, what="KLB")
             + check_goodness_of_fit(B - r.best_fit, gof_sig, r.nvarys, what="KLB")]
    v = r.params
    return {"flags": flags, "params": p, "lm": r,
            "stats": {f"klb_{k}": x for k, x in stats_from_lmfit(r).items()},
            "curve": lambda x, _v=v, _d=d_klb, _D=D: klb_hc2(
                np.asarray(x), _v["Tc"].value, _v["tau_so"].value, _d, _D)}


# --------------------------------------------------------------------------------------
# error budgets
# --------------------------------------------------------------------------------------
def _criterion_sys(measurements, opts, base) -> tuple[dict[str, float], list[str]]:
    """Half the difference of the GL results at criterion -+ CRITERION_STEP."""
    c = opts["criterion"]
    lo, hi = c - CRITERION_STEP, c + CRITERION_STEP
    if not (0 < lo and hi < 1):
        return {}, [f"criterion systematic skipped: {lo:.2g} or {hi:.2g} outside (0, 1)"]
    vals = []
    for crit in (lo, hi):
        try:
            pts, _, _ = collect_temperature_points(measurements, opts | {"criterion": crit})
            vals.append(_gl_values(_select_window(pts, opts["T_window_K"]), opts))
        except KtoError as exc:
            return {}, [f"criterion systematic skipped: refit at criterion {crit:.2g} "
                        f"failed ({exc})"]
    return {k: abs(vals[1][k][0] - vals[0][k][0]) / 2 for k in base
            if k in vals[0] and k in vals[1]}, []


def _with_fitted_noise(pts, gl, w) -> dict[str, tuple]:
    """Points whose unknown errors are replaced by the scatter of the GL residuals, so that
    nested refits are compared with one noise level (known errors, unscaled covariance)."""
    out = {}
    for o, (T, B, e, known, sp) in pts.items():
        wt, scale = w[o]
        if not scale:
            out[o] = (T, B, e, known, sp)
            continue
        rel = np.ones_like(B) if wt is None else 1.0 / wt
        r = gl["resid"][o] / rel
        s = math.sqrt(float(np.sum(r**2)) / max(T.size - 2, 1))
        out[o] = (T, B, rel * s if s > 0 else np.full_like(B, np.nan), True, sp)
    return out


def _window_sys(pts, gl, w, opts) -> dict[str, float]:
    """Shift when the highest-T point of each orientation is left out, if significant."""
    ref = _with_fitted_noise(pts, gl, w)
    cut = {o: (v if v[0].size < WINDOW_MIN_POINTS else tuple(
        x[:-1] if isinstance(x, np.ndarray) else x for x in v)) for o, v in ref.items()}
    if all(cut[o][0].size == pts[o][0].size for o in pts):
        return {}
    known = opts | {"use_sigma": "auto"}
    try:
        base, vals = _gl_values(ref, known), _gl_values(cut, known)
    except KtoError:
        return {}
    out = {}
    for k, (v, s) in base.items():
        if k not in vals:
            continue
        expect = math.sqrt(max(vals[k][1] ** 2 - s**2, 0.0))
        sys_k = excess_shift(vals[k][0] - v, expect, threshold=WINDOW_SIGMA, scale=0.0)
        if sys_k > 0:
            out[k] = sys_k
    return out


def _budgets(measurements, opts, pts, gl, w, params, from_sweeps: bool, notes: list[str]):
    """Combine the statistical errors with the criterion and T-window systematics."""
    base = {k: (_nominal(v), _stderr(v)) for k, v in params.items() if k in BUDGET_NAMES}
    sys: dict[str, dict[str, float]] = {k: {} for k in base}
    if from_sweeps:
        crit, msgs = _criterion_sys(measurements, opts, base)
        notes.extend(msgs)
        for k, v in crit.items():
            sys[k]["criterion"] = v
    for k, v in _window_sys(pts, gl, w, opts).items():
        sys[k]["T_window"] = v
    budget = {}
    for k in base:
        params[k], budget[k] = combine_errors(params[k], sys=sys[k], tag=f"sys_{k}")
    return budget


# --------------------------------------------------------------------------------------
# the analysis
# --------------------------------------------------------------------------------------
def _describe_sigma(w: dict[str, tuple]) -> dict[str, str]:
    return {o: ("known, weights=1/sigma, scale_covar=False" if not scale else
                "relative weights 1/sigma, scaled covariance" if wt is not None else
                "unweighted, covariance scaled by reduced chi-square (Student-t widened)")
            for o, (wt, scale) in w.items()}


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hc2(T) analysis; see the module docstring and :data:`SPEC`.

    Parameters
    ----------
    measurements
        Point tables or R(H) / R(T) sweeps (one orientation per file).
    **options
        Options declared in :data:`SPEC`.

    Returns
    -------
    FitResult
        Parameters with error budgets and the quality verdict.

    Raises
    ------
    OptionError
        Bad option (before any work).
    RefusedError
        No measurement, or sweeps without a transition.
    FitError
        Points that cannot be fitted (too few, NaN, duplicated temperatures...).
    """
    opts = SPEC.resolve(options)
    opts = _opts(opts)
    if not measurements:
        raise RefusedError("hc2-temperature needs at least one measurement")
    try:
        return _analyze(measurements, opts)
    except KtoError:
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError, TypeError, IndexError) as exc:
        raise FitError(f"hc2-temperature: numerical failure ({type(exc).__name__}: {exc})"
                       ) from None


def _analyze(measurements: list[Measurement], opts: dict[str, Any]) -> FitResult:
    pts, prov, cens = collect_temperature_points(measurements, opts)
    pts = _select_window(pts, opts["T_window_K"])
    notes: list[str] = []
    data: dict[str, Any] = {"censored": cens}
    w = _all_weights(pts, opts["use_sigma"])
    for o, (T, B, e, _, _) in pts.items():
        data[f"{o}_T_K"], data[f"{o}_B_T"], data[f"{o}_err_T"] = T, B, e
    gl = _gl_stage(pts, w, opts["gl_shared_tc"] == "shared")
    flags = _gl_flags(pts, gl)
    params = _derived(gl["params"], opts, notes)
    if "xi_over_d" in params and _nominal(params["xi_over_d"]) < 1:
        flags.append(warn("note", f"xi0/d = {_nominal(params['xi_over_d']):.3g} < 1: the 2D "
                          "GL thickness formula is not valid (d exceeds xi)"))
    stats, lm = dict(gl["stats"]), dict(gl["lm"])
    data |= gl["curves"]
    data |= {f"{o}_resid": r for o, r in gl["resid"].items()}
    from_sweeps = any(p["input"] != "points" for p in prov)
    budget = _budgets(measurements, opts, pts, gl, w, params, from_sweeps, notes)
    whh_form = None
    for o, name, stage in (("perp", "whh", _whh_stage), ("par", "klb", _klb_stage)):
        if o not in pts or opts[name] == "none":
            continue
        T, B, e, known, spread = pts[o]
        res = stage(T, B, *w[o], _gof_sigma(e, spread, known), opts, params)
        flags += res["flags"]
        params |= res["params"]
        stats |= res["stats"]
        whh_form = res.get("form", whh_form)
        if "lm" in res:
            lm[name] = res["lm"]
            data[f"{name}_fit"] = res["curve"]
    _evaluate_curves(data, params, pts)
    out_opts = dict(opts) | {
        "orientations": sorted(pts), "joint_fit": gl["joint"], "whh_form_selected": whh_form,
        "Tc_definition": "Tc_GL (zero of the GL fit; Hc2 at criterion*R_N)",
        "Bc2_GL0_meaning": "GL-linear extrapolation to T = 0 (not the true T = 0 field)",
        "Hc2_WHH_meaning": "Hc2_WHH_T = 0.6927*Tc*|dHc2/dT| (WHH formula with the GL-linear "
                           "slope); Hc2_WHHfit_T = T -> 0 limit of the full WHH fit",
        "sigma": _describe_sigma(w), "notes": notes,
    }
    provenance = {"files": [m.source for m in measurements], "inputs": prov,
                  "T_window_K": opts["T_window_K"],
                  "n_points": {o: int(v[0].size) for o, v in pts.items()},
                  "T_range_K": {o: [float(v[0].min()), float(v[0].max())]
                                for o, v in pts.items()},
                  "n_censored": len(cens), "units": {"T": "K", "Hc2": "T"}}
    return FitResult(kind="hc2-temperature", params=params, stats=stats, options=out_opts,
                     provenance=provenance, data=data, lmfit_result=lm,
                     quality=Quality(tuple(dict.fromkeys(flags))), budget=budget)


def _evaluate_curves(data: dict[str, Any], params: dict[str, Any], pts) -> None:
    """Evaluate the fitted curves on a T grid (plain arrays in ``data``)."""
    Tc = _nominal(params["Tc_K"])
    Tmax = max(float(np.max(v[0])) for v in pts.values())
    Tmax = max(Tc, Tmax) if math.isfinite(Tc) and Tc < 10 * Tmax else Tmax
    grid = np.linspace(0.0, 1.02 * Tmax, 300)
    data["T_grid_K"] = grid
    for k in list(data):
        if callable(data[k]):
            try:
                data[k] = np.asarray(data[k](grid), dtype=float)
            except Exception:  # noqa: BLE001 - a band needs a covariance; cosmetic only
                data[k] = np.full(grid.shape, np.nan)


def _nominal(x: Any) -> float:
    return float(x.nominal_value) if isinstance(x, UFloat) else float(x)


def _stderr(x: Any) -> float:
    return float(x.std_dev) if isinstance(x, UFloat) else math.nan


def plot(result: FitResult, fig) -> None:
    """Hc2(T) data of each orientation with GL fits and bands, WHH/KLB curves, residuals.

    The figure code lives in :mod:`ktoanalysis.transport.plots.hc2_temperature`.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_gl_perp`, ...) without plot data.
    """
    from .plots import draw

    draw(result, fig)
