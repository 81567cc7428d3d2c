"""Weak (anti)localisation magnetoconductance of the normal state (kind ``magnetoconductance``).

Input: R(B) sweeps through B = 0 at one temperature (one file or several, pooled: several
files at the same fields, e.g. the rows of a gate series, are averaged point by point).
Steps (:func:`fit_magnetoconductance`):

1. geometry: the resistance is a sheet resistance unless ``squares`` (L/W) or
   ``length_m``/``width_m`` are given (then ``R_S = R W/L``);
2. symmetrisation in B (:func:`symmetrize`): ``R_sym(b) = [R(+b) + R(-b)]/2`` on the
   fields of the better-sampled side (the other side interpolated linearly); the odd part
   (Hall admixture) is dropped. A one-sided sweep is used as it is and flagged;
3. ``Delta sigma(B) = 1/R_S(B) - 1/R_S(0)`` in units of ``e^2/(pi h)`` (= e^2/(2 pi^2 hbar));
   the fitted model is ``ds0 + WAL(B) + c2 B^2`` where ``ds0`` absorbs the noise of the
   measured sigma(0) and ``c2`` is the optional classical background (``background="b2"``);
4. the WAL form (option ``form``, lineshapes ``wal_*`` of
   :mod:`ktoanalysis.transport.lineshapes`): ``hln_alpha`` (B_phi, alpha), ``hln_so``
   (B_phi, B_so), ``ilp`` (B_phi, B_so of a linear Rashba splitting, exact ILP series) or
   ``mf`` (B_phi, B_so with the Zeeman term, needs D).

Derived: ``l_phi_m = sqrt(hbar/(4 e B_phi))`` (no D needed), and with the diffusion constant
D (option ``D_m2_per_s``, or ``m_eff`` with ``D = pi hbar^2/(m* e^2 R_S(0))``, the Einstein
relation of a spin-degenerate parabolic 2D band) ``tau_i = hbar/(4 e D B_i)``.

Noise: the given ``sigma_ohm`` or per-point ``error_column`` (then weights and
``scale_covar=False``); otherwise the white noise of the symmetrised curve from its second
differences (:func:`~ktoanalysis.transport.quality.noise_from_differences`), which is also
the independent noise of the goodness-of-fit check; the covariance is then scaled by the
reduced chi-square. Noise correlated over ``noise_correlation_points`` = k field points
(residual universal conductance fluctuations of a gate average) multiplies the covariance
by k, and the goodness-of-fit check uses every k-th residual.

Fits of the two-field forms start from the 3 best distinct points of a grid in
(B_phi, B_so) (multi-start; their chi-square has several basins).

Quality flags: ``bad_fit`` / ``systematic_residuals`` (against the noise), ``at_bound``
(fail), ``no_errorbars`` (fail), ``below_field_step`` (warn: B_phi below the field step,
the cusp is not resolved), ``extrapolated`` (warn: B_phi or B_so above the largest field,
only a lower limit), ``large_uncertainty`` (fail: error larger than the value; or
no (anti)localisation signal: the chi-square gain of the fit over a constant, divided by
``noise_correlation_points``, below ``_SIGNAL_Z**2`` (3 sigma)),
``not_symmetrised`` (warn: one-sided sweep), ``too_few_points`` (warn: fewer than 15 points
in the window).

Error budget of the fields (and the derived tau, l): ``stderr_stat`` the fit covariance;
``stderr_sys`` part ``field window``: the refit with ``B_max`` x ``WINDOW_FRACTION`` (0.6),
counted only beyond ``_BARLOW_K`` (2) standard deviations of the difference of the nested
fits and then as ``sqrt(d^2 - var)`` (Barlow 2002,
:func:`~ktoanalysis.transport.quality.excess_shift`).
No sampling part (a fit to all points).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.constants import m_e as M_E

from ..errors import FitError, KtoError, OptionError, RefusedError
from ..io.measurement import Measurement
from ..units import HBAR, E, H
from .declaration import KindSpec, Option, Output
from .models import MagnetoconductanceModel
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    excess_shift,
    fail,
    noise_from_differences,
    warn,
)
from .result import (
    ErrorBudget,
    FitResult,
    as_param,
    combine_errors,
    params_from_lmfit,
    stats_from_lmfit,
)

__all__ = ["G0_E2_PIH", "WINDOW_FRACTION", "symmetrize", "diffusion_from_mass",
           "fit_magnetoconductance", "SPEC", "OPTIONS", "analyze", "plot"]

#: the conductance unit of the fits, e^2/(pi h) (S)
G0_E2_PIH: float = E**2 / (math.pi * H)
#: the field-window systematic refits with B_max times this fraction
WINDOW_FRACTION = 0.6
#: shifts below this many standard deviations of the nested-fit difference are noise
_BARLOW_K = 2.0
#: fewer points than this in the window: warn too_few_points
_MIN_POINTS = 15
#: starting points of the multi-start fits of the two-field forms
_N_STARTS = 3
#: significance (sigma) of the field dependence below which there is no signal
_SIGNAL_Z = 3.0
#: fewer points than this: refused (no fit)
_MIN_FIT_POINTS = 8

_FIELD_PARAMS = {"hln_alpha": ("B_phi",), "hln_so": ("B_phi", "B_so"),
                 "ilp": ("B_phi", "B_so"), "mf": ("B_phi", "B_so")}
_PUBLIC = {"B_phi": "B_phi_T", "B_so": "B_so_T", "alpha": "alpha", "ds0": "dsigma0_e2_pih",
           "c2": "c2_e2_pih_T2"}


# ----------------------------------------------------------------------------------------
# data preparation


def _average_duplicates(x: np.ndarray, y: np.ndarray, e: np.ndarray | None, tol: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Sort by x and average points whose x agree within ``tol`` (errors: mean/sqrt(n))."""
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    e = None if e is None else e[order]
    if x.size == 0:
        return x, y, e
    groups = np.concatenate([[0], np.cumsum(np.diff(x) > tol)])
    n = np.bincount(groups).astype(float)
    xs = np.bincount(groups, x) / n
    ys = np.bincount(groups, y) / n
    es = None if e is None else np.sqrt(np.bincount(groups, e * e)) / n
    return xs, ys, es


def symmetrize(B_T: np.ndarray, R: np.ndarray, err: np.ndarray | None = None
               ) -> dict[str, Any]:
    """Even part of R(B) on the fields b >= 0.

    Points at the same field (within 1e-6 of the field range) are averaged first (several
    files or gate rows). With at least 3 points on each side, ``R_sym(b) = [R(+b) +
    R(-b)]/2`` on the fields of the side with more points inside the common range (the
    other side interpolated linearly); points at B = 0 are kept. Otherwise the data are
    used as they are, at |B| (``symmetrised`` False).

    Parameters
    ----------
    B_T
        Field (T).
    R
        Resistance (Ohm), same length.
    err
        Optional 1-sigma errors of R (Ohm).

    Returns
    -------
    dict
        ``b_T`` (>= 0, sorted), ``R`` (even part), ``err`` (or None), ``odd`` (odd part on
        the same fields, 0 where unknown), ``symmetrised`` (bool).
    """
    B = np.asarray(B_T, dtype=float)
    R = np.asarray(R, dtype=float)
    E_ = None if err is None else np.asarray(err, dtype=float)
    ok = np.isfinite(B) & np.isfinite(R) & (np.ones_like(B, bool) if E_ is None
                                            else np.isfinite(E_))
    B, R = B[ok], R[ok]
    E_ = None if E_ is None else E_[ok]
    span = float(np.ptp(B)) if B.size else 0.0
    tol = 1e-6 * span if span > 0 else 0.0
    zero = np.abs(B) <= tol
    pos, neg = B > tol, B < -tol
    bp, rp, ep = _average_duplicates(B[pos], R[pos], None if E_ is None else E_[pos], tol)
    bn, rn, en = _average_duplicates(-B[neg], R[neg], None if E_ is None else E_[neg], tol)
    out: dict[str, Any] = {}
    if bp.size >= 3 and bn.size >= 3:
        lo, hi = max(bp[0], bn[0]), min(bp[-1], bn[-1])
        main, other = ((bp, rp, ep), (bn, rn, en)) if bp.size >= bn.size else \
            ((bn, rn, en), (bp, rp, ep))
        sel = (main[0] >= lo - tol) & (main[0] <= hi + tol)
        b = main[0][sel]
        r_main = main[1][sel]
        r_other = np.interp(b, other[0], other[1])
        R_even = 0.5 * (r_main + r_other)
        odd = 0.5 * (r_main - r_other) * (1.0 if main[0] is bp else -1.0)
        e_even = None
        if E_ is not None:
            e_even = 0.5 * np.hypot(main[2][sel], np.interp(b, other[0], other[2]))
        out["symmetrised"] = True
    else:
        b_all = np.concatenate([bp, bn])
        r_all = np.concatenate([rp, rn])
        e_all = None if E_ is None else np.concatenate([ep, en])
        b, R_even, e_even = _average_duplicates(b_all, r_all, e_all, tol)
        odd = np.zeros_like(b)
        out["symmetrised"] = False
    if zero.any():
        r0 = float(np.mean(R[zero]))
        e0 = None if E_ is None else float(np.sqrt(np.sum(E_[zero] ** 2)) / zero.sum())
        b = np.concatenate([[0.0], b])
        R_even = np.concatenate([[r0], R_even])
        odd = np.concatenate([[0.0], odd])
        if e_even is not None:
            e_even = np.concatenate([[e0], e_even])
    out.update({"b_T": b, "R": R_even, "err": e_even, "odd": odd})
    return out


def diffusion_from_mass(R_S_ohm: float, m_eff: float, degeneracy: int = 2) -> float:
    """Diffusion constant from the Einstein relation of a parabolic 2D band (m^2/s).

    ``D = sigma/(e^2 nu)`` with ``sigma = 1/R_S`` and the density of states
    ``nu = g m* m_e/(2 pi hbar^2)``: ``D = 2 pi hbar^2/(g m* m_e e^2 R_S)``; independent
    of the carrier density (n enters only through v_F and l, which cancel).

    Parameters
    ----------
    R_S_ohm
        Sheet resistance at B = 0 (Ohm).
    m_eff
        Effective mass in units of the electron mass.
    degeneracy
        g = g_s g_v (default 2).
    """
    if not (R_S_ohm > 0 and m_eff > 0):
        raise FitError(f"D needs R_S > 0 and m_eff > 0, got {R_S_ohm}, {m_eff}")
    return 2.0 * math.pi * HBAR**2 / (degeneracy * m_eff * M_E * E**2 * R_S_ohm)


# ----------------------------------------------------------------------------------------
# the fit


def _field_step(b: np.ndarray) -> float:
    d = np.diff(np.unique(b))
    d = d[d > 0]
    return float(np.median(d)) if d.size else float("nan")


def _fit_once(b: np.ndarray, y: np.ndarray, w: np.ndarray, form: str, background: str,
              D: float | None, g_factor: float, scale_covar: bool, corr: int = 1,
              start: Any = None):
    """One weighted fit (multi-start, or from ``start`` Parameters); with correlated noise
    (``corr`` points) the covariance and the parameter errors are inflated by ``corr``
    (``sqrt(corr)``)."""
    model = MagnetoconductanceModel(form, background, D_m2_per_s=D, g_factor=g_factor)
    res = None
    starts = [start] if start is not None else \
        model.starts(y, B_T=b, n=1 if form == "hln_alpha" else _N_STARTS)
    for pars in starts:
        r = model.fit(y, pars, B_T=b, weights=w, scale_covar=scale_covar, max_nfev=4000)
        if res is None or r.chisqr < res.chisqr * (1 - 1e-9):
            res = r
    if corr > 1 and res.covar is not None:
        res.covar = res.covar * corr
        for i, name in enumerate(res.var_names):
            res.params[name].stderr = math.sqrt(max(res.covar[i, i], 0.0))
    return model, res


def fit_magnetoconductance(B_T: Any, R_ohm: Any, *, form: str = "hln_alpha",
                           background: str = "none", B_max_T: float | None = None,
                           squares: float = 1.0, sigma_ohm: float | None = None,
                           err_ohm: Any = None, D_m2_per_s: float | None = None,
                           m_eff: float | None = None, g_factor: float = 2.0,
                           correlation_points: int = 1,
                           source: str | None = None) -> FitResult:
    """Fit weak (anti)localisation to one R(B) curve (see the module docstring).

    Parameters
    ----------
    B_T
        Field (T), through 0 (both signs for symmetrisation).
    R_ohm
        Resistance (Ohm); the sheet resistance is ``R/squares``.
    form
        ``"hln_alpha"``, ``"hln_so"``, ``"ilp"`` or ``"mf"``.
    background
        ``"none"`` or ``"b2"`` (classical ``c2 B^2`` in Delta sigma).
    B_max_T
        Upper |B| of the window (default: all fields).
    squares
        Number of squares L/W (1: the input is already a sheet resistance).
    sigma_ohm, err_ohm
        Known 1-sigma noise of R (scalar) or per point (array), Ohm; default: estimated.
    D_m2_per_s
        Diffusion constant (m^2/s) for tau_phi, tau_so (and the Zeeman term of ``mf``).
    m_eff
        Effective mass ratio: D from the Einstein relation (:func:`diffusion_from_mass`)
        when ``D_m2_per_s`` is not given.
    g_factor
        g factor of the Zeeman term (``mf``).
    correlation_points
        Number of neighbouring field points over which the noise is correlated (e.g.
        residual universal conductance fluctuations; estimate it independently, from the
        autocorrelation of gate-row deviations). The covariance is multiplied by it and
        the goodness-of-fit check uses every ``correlation_points``-th residual.
    source
        Text for the provenance.

    Returns
    -------
    FitResult
        Kind ``"magnetoconductance"``; params ``B_phi_T``, ``B_so_T`` or ``alpha``,
        ``l_phi_m``, ``tau_phi_s``/``tau_so_s`` (with D), ``R_S_B0_ohm``,
        ``dsigma0_e2_pih``, ``c2_e2_pih_T2`` (background b2); ``data`` for the figure.

    Raises
    ------
    RefusedError
        Non-positive resistance, no data near B = 0, or fewer than 8 points in the window.
    OptionError
        ``form="mf"`` without D (neither ``D_m2_per_s`` nor ``m_eff``).
    """
    B = np.asarray(B_T, dtype=float).ravel()
    R = np.asarray(R_ohm, dtype=float).ravel() / float(squares)
    if B.size != R.size:
        raise FitError(f"B and R differ in length ({B.size} vs {R.size})")
    err = None
    if err_ohm is not None:
        err = np.broadcast_to(np.asarray(err_ohm, dtype=float), R.shape) / float(squares)
    elif sigma_ohm is not None:
        err = np.full(R.shape, float(sigma_ohm) / float(squares))
    fin = np.isfinite(R)
    if not np.any(fin) or np.any(R[fin] <= 0):
        raise RefusedError("magnetoconductance: the resistance is not positive everywhere: "
                           "not a normal-state R(B)")
    sym = symmetrize(B, R, err)
    b, Rs, es = sym["b_T"], sym["R"], sym["err"]
    if b.size == 0:
        raise RefusedError("magnetoconductance: no finite field points")
    bmax_data = float(b.max())
    bmax = bmax_data if B_max_T is None else min(float(B_max_T), bmax_data)
    if float(b.min()) > 0.25 * bmax:
        raise RefusedError(f"magnetoconductance: no data near B = 0 (smallest |B| = "
                           f"{b.min():.3g} T, window {bmax:.3g} T): sigma(0) and the cusp "
                           "are unknown")
    sel = b <= bmax * (1 + 1e-9)
    b, Rs = b[sel], Rs[sel]
    es = None if es is None else es[sel]
    if b.size < _MIN_FIT_POINTS:
        raise RefusedError(f"magnetoconductance: {b.size} field points in the window, need "
                           f"at least {_MIN_FIT_POINTS}")
    sigma = 1.0 / Rs / G0_E2_PIH
    y = sigma - sigma[0]
    R0 = float(Rs[0])
    flags: list[Flag] = []
    known = es is not None
    if known:
        ey = es / Rs**2 / G0_E2_PIH
        if not np.all(ey > 0):
            raise OptionError("magnetoconductance: the given errors must be > 0")
        noise = ey
    else:
        n0 = noise_from_differences(y)
        if not (math.isfinite(n0) and n0 > 0):
            n0 = max(1e-12 * float(np.max(np.abs(sigma))), 1e-300)
            flags.append(warn("noise_estimate", "the noise could not be estimated from the "
                              "second differences: no goodness-of-fit check"))
        noise = np.full(y.shape, n0)
    D = D_m2_per_s
    D_source = "option D_m2_per_s" if D is not None else None
    if D is None and m_eff is not None:
        D = diffusion_from_mass(R0, m_eff)
        D_source = f"Einstein relation, m* = {m_eff:g} m_e, R_S(0) = {R0:.4g} Ohm"
    if form == "mf" and D is None:
        raise OptionError("magnetoconductance: form 'mf' needs the diffusion constant "
                          "(D_m2_per_s or m_eff) for its Zeeman term")
    try:
        model, res = _fit_once(b, y, 1.0 / noise, form, background, D, g_factor,
                               scale_covar=not known, corr=correlation_points)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
        if isinstance(exc, KtoError):
            raise
        raise FitError(f"magnetoconductance: numerical failure ({exc})") from None
    names = {k: v for k, v in _PUBLIC.items() if k in res.params
             and (k != "c2" or background == "b2")}
    try:
        params = params_from_lmfit(res, names, require_errorbars=False)
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        params = {pub: float(res.params[k].value) for k, pub in names.items()}
        res.errorbars = False
    what = f"magnetoconductance ({form})"
    flags += check_bounds(res.params, public=names, what=what)
    if not (res.errorbars and res.covar is not None):
        flags.append(fail("no_errorbars", f"{what}: the covariance could not be estimated "
                          "(parameter at a bound or not identifiable): no honest error"))
    if not res.success:
        flags.append(fail("bad_fit", f"{what}: the fit did not converge ({res.message})"))
    resid = y - res.best_fit
    kcorr = max(1, int(correlation_points))
    if not any(f.code == "noise_estimate" for f in flags):
        flags += check_goodness_of_fit(resid[::kcorr], noise[::kcorr], int(res.nvarys),
                                       what=what)
    if not sym["symmetrised"]:
        flags.append(warn("not_symmetrised", "fewer than 3 points on one side of B = 0: the "
                          "curve is not symmetrised (a Hall admixture is not removed)"))
    if b.size < _MIN_POINTS:
        flags.append(warn("too_few_points", f"{b.size} field points in the window, "
                          f"{_MIN_POINTS} wanted"))

    # field-window systematic: nested refit on a smaller window
    budget: dict[str, ErrorBudget] = {}
    sys_shift: dict[str, float] = {}
    alt_sel = b <= WINDOW_FRACTION * bmax * (1 + 1e-9)
    window_note = None
    if alt_sel.sum() >= max(_MIN_FIT_POINTS, int(res.nvarys) + 4):
        try:
            _, alt = _fit_once(b[alt_sel], y[alt_sel], 1.0 / noise[alt_sel], form,
                               background, D, g_factor, scale_covar=not known,
                               corr=correlation_points, start=res.params.copy())
            for k in _FIELD_PARAMS[form] + (("alpha",) if form == "hln_alpha" else ()):
                s_main = res.params[k].stderr
                s_alt = alt.params[k].stderr
                if not (s_main and s_alt and alt.success):
                    continue
                d = float(alt.params[k].value - res.params[k].value)
                var_d = abs(s_alt**2 - s_main**2)
                sys_shift[k] = excess_shift(d, math.sqrt(var_d), threshold=_BARLOW_K,
                                            scale=1.0)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError, KtoError):
            window_note = "the window refit failed"
    else:
        window_note = "too few points for the window refit"
    for k, shift in sys_shift.items():
        pub = _PUBLIC[k]
        if pub in params:
            params[pub], budget[pub] = combine_errors(params[pub],
                                                      sys={"field window": shift})

    # derived quantities and field checks
    dB = _field_step(b)
    for k in _FIELD_PARAMS[form]:
        pub = _PUBLIC[k]
        val, err_ = as_param(params[pub])
        label = {"B_phi": "B_phi", "B_so": "B_so"}[k]
        if k == "B_phi" and math.isfinite(dB) and val < dB:
            flags.append(warn("below_field_step", f"{label} = {val:.3g} T is below the field "
                              f"step {dB:.3g} T: the cusp is not resolved"))
        if val > bmax:
            flags.append(warn("extrapolated", f"{label} = {val:.3g} T lies above the largest "
                              f"field {bmax:.3g} T: only a lower limit"))
        if err_ is not None and err_ > abs(val):
            flags.append(fail("large_uncertainty", f"{label} = {val:.3g} +/- {err_:.2g} T: "
                              "the error exceeds the value"))
    flags.extend(_alpha_flags(params, form, squares))
    # is there a field dependence at all? chi-square gain of the model over a constant
    w2 = 1.0 / noise**2
    chi_const = float(np.sum(w2 * (y - np.sum(w2 * y) / np.sum(w2)) ** 2))
    chi_fit = float(np.sum(w2 * resid**2))
    z_signal = math.sqrt(max(chi_const - chi_fit, 0.0) / kcorr)
    if z_signal < _SIGNAL_Z:
        flags.append(fail("large_uncertainty", f"the fit improves on a constant by only "
                          f"{z_signal:.2g} sigma: no significant (anti)localisation signal"))
    _derive(params, budget, form, D)
    params["R_S_B0_ohm"] = R0

    fine = np.linspace(0.0, float(b.max()), 400)
    fit_fine = model.eval(res.params, B_T=fine)
    try:
        band = res.eval_uncertainty(B_T=fine, sigma=1)
    except Exception:  # noqa: BLE001 - no covariance: no band
        band = np.zeros_like(fine)
    ds0 = float(res.params["ds0"].value)
    data = {"b_T": b, "dsigma": y - ds0, "noise": noise, "residual": resid,
            "B_fine_T": fine, "fit_fine": fit_fine - ds0, "band": np.asarray(band),
            "odd_ohm": sym["odd"][sel] * float(squares), "B_raw_T": B, "R_raw_ohm":
            R * float(squares)}
    if background == "b2":
        data["background_fine"] = float(res.params["c2"].value) * fine**2
    options = {"form": form, "background": background, "B_max_T": bmax,
               "squares": float(squares), "sigma_ohm": sigma_ohm,
               "errors": "given" if known else "estimated (second differences)",
               "noise_e2_pih": float(np.median(noise)), "D_m2_per_s": D,
               "D_source": D_source, "m_eff": m_eff, "g_factor": g_factor,
               "window_fraction": WINDOW_FRACTION, "field_step_T": dB,
               "correlation_points": kcorr,
               "symmetrised": bool(sym["symmetrised"])}
    if window_note:
        options["window_systematic"] = window_note
    stats = stats_from_lmfit(res)
    stats["signal_sigma"] = z_signal
    return FitResult(kind="magnetoconductance", params=params, stats=stats, options=options,
                     provenance={"function": "fit_magnetoconductance", "source": source,
                                 "ndata": int(b.size), "unit": "e^2/(pi h)"},
                     data=data, lmfit_result=res, quality=Quality(tuple(flags)),
                     budget=budget)


#: |alpha| above this is more than two decoupled channels can give (1 WL, -1/2 WAL each)
ALPHA_PHYSICAL_MAX = 1.1


def _alpha_flags(params: dict[str, Any], form: str, squares: float) -> list[Flag]:
    """Warn when the HLN prefactor is outside what one or two channels can give.

    A prefactor of several units usually means the geometry (``squares``) is missing,
    or a classical magnetoresistance is absorbed into the quantum correction.
    """
    if form != "hln_alpha" or "alpha" not in params:
        return []
    a, _ = as_param(params["alpha"])
    if abs(a) <= ALPHA_PHYSICAL_MAX:
        return []
    geo = ("no geometry was given (squares = 1: the input is taken as a sheet "
           "resistance)" if float(squares) == 1.0 else f"squares = {float(squares):.4g}")
    return [warn("alpha_unphysical",
                 f"alpha = {a:.3g} is outside [-{ALPHA_PHYSICAL_MAX}, {ALPHA_PHYSICAL_MAX}] "
                 f"(1 per channel for WL, -1/2 for WAL); {geo}: check the geometry or fit a "
                 "classical B^2 background; alpha is not a physical prefactor here")]


def _derive(params: dict[str, Any], budget: dict[str, ErrorBudget], form: str,
            D: float | None) -> None:
    """l_phi (and l_so), and with D the times tau_i = hbar/(4 e D B_i)."""
    from uncertainties import umath

    for k, lname, tname in (("B_phi_T", "l_phi_m", "tau_phi_s"),
                            ("B_so_T", "l_so_m", "tau_so_s")):
        if k not in params:
            continue
        Bv = params[k]
        if as_param(Bv)[0] <= 0:
            continue
        sqrt = umath.sqrt if hasattr(Bv, "std_dev") else math.sqrt
        params[lname] = sqrt(HBAR / (4.0 * E * Bv))
        if D is not None:
            params[tname] = HBAR / (4.0 * E * D * Bv)
        if k in budget:
            b = budget[k]
            v = as_param(Bv)[0]
            rel = {lname: 0.5 / v, tname: 1.0 / v}
            for name, f in rel.items():
                if name in params:
                    scale = as_param(params[name])[0] * f
                    budget[name] = ErrorBudget(
                        stat=None if b.stat is None else b.stat * scale,
                        sampling=0.0, sys={n: s * scale for n, s in b.sys.items()})


# ----------------------------------------------------------------------------------------
# CLI / batch

SPEC = KindSpec(
    kind="magnetoconductance",
    summary="Weak (anti)localisation: HLN / ILP / Maekawa-Fukuyama fits of Delta sigma(B)",
    inputs="one or more R(B) field sweeps through B = 0 at one temperature (B_T and a "
           "resistance column); several files at the same fields are averaged",
    options=(
        Option("form", "str", "hln_alpha", "'hln_alpha' (B_phi, alpha), 'hln_so' (B_phi, "
               "B_so), 'ilp' (B_phi, linear-Rashba B_so, exact ILP series), 'mf' "
               "(Maekawa-Fukuyama with Zeeman term; needs D)",
               choices=("hln_alpha", "hln_so", "ilp", "mf"), assumption=True),
        Option("background", "str", "none", "'none' or 'b2' (classical c2*B^2 in Delta "
               "sigma)", choices=("none", "b2"), assumption=True),
        Option("B_max_T", "float", None, "upper |B| of the fit window (default: all "
               "fields)", unit="T", min=0, min_exclusive=True),
        Option("channel", "int|str", None, "resistance channel (number or column name)",
               min=1),
        Option("squares", "float", None, "number of squares L/W: R_S = R/squares (default: "
               "the input is a sheet resistance)", min=0, min_exclusive=True,
               assumption=True),
        Option("length_m", "float", None, "voltage-probe distance L (with width_m: "
               "R_S = R W/L)", unit="m", min=0, min_exclusive=True),
        Option("width_m", "float", None, "channel width W (with length_m)", unit="m", min=0,
               min_exclusive=True),
        Option("D_m2_per_s", "float", None, "diffusion constant for tau_phi, tau_so and "
               "the Zeeman term of 'mf'", unit="m^2/s", min=0, min_exclusive=True),
        Option("m_eff", "float", None, "effective mass m*/m_e: D = pi hbar^2/(m* e^2 "
               "R_S(0)) when D_m2_per_s is not given", min=0, min_exclusive=True,
               assumption=True),
        Option("g_factor", "float", 2.0, "g factor of the Zeeman term ('mf')", min=0,
               min_exclusive=True, assumption=True),
        Option("sigma_ohm", "float", None, "known 1-sigma noise of R (default: estimated "
               "from the second differences)", unit="Ohm", min=0, min_exclusive=True),
        Option("error_column", "str", None, "column of per-point 1-sigma errors of R "
               "(e.g. the standard error of a gate average)"),
        Option("noise_correlation_points", "int", 1, "neighbouring points over which the "
               "noise is correlated (e.g. residual UCF): errors x sqrt(n), goodness of fit "
               "on every n-th residual", min=1, assumption=True),
    ),
    outputs=(
        Output("B_phi_T", "phase-coherence field hbar/(4 e D tau_phi)", "T"),
        Output("B_so_T", "spin-orbit field hbar/(4 e D tau_so) (hln_so, ilp, mf)", "T"),
        Output("alpha", "HLN prefactor (hln_alpha): 1 WL, -1/2 WAL per channel"),
        Output("l_phi_m", "phase-coherence length sqrt(hbar/(4 e B_phi))", "m"),
        Output("l_so_m", "spin-orbit length sqrt(hbar/(4 e B_so))", "m"),
        Output("tau_phi_s", "phase-coherence time (needs D)", "s"),
        Output("tau_so_s", "spin-orbit time (needs D)", "s"),
        Output("R_S_B0_ohm", "sheet resistance at B = 0 (symmetrised)", "Ohm"),
        Output("dsigma0_e2_pih", "fitted offset of Delta sigma at B = 0", "e^2/(pi h)"),
        Output("c2_e2_pih_T2", "classical background coefficient (background b2)",
               "e^2/(pi h T^2)"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Magnetoconductance analysis (the ``magnetoconductance`` kind); see :data:`SPEC`.

    Parameters
    ----------
    measurements
        Loaded R(B) sweeps (B_T in T, a resistance column in Ohm); pooled.
    **options
        Options declared in :data:`SPEC` (validated first).

    Returns
    -------
    FitResult
        See :func:`fit_magnetoconductance`.
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    geo = [opts["squares"] is not None, opts["length_m"] is not None or
           opts["width_m"] is not None]
    if all(geo):
        raise OptionError("magnetoconductance: give either squares or length_m/width_m")
    if geo[1] and (opts["length_m"] is None or opts["width_m"] is None):
        raise OptionError("magnetoconductance: R_S from the geometry needs both length_m "
                          "and width_m")
    squares = opts["squares"] if opts["squares"] is not None else (
        opts["length_m"] / opts["width_m"] if geo[1] else 1.0)
    Bs, Rs, Es, cols, T = [], [], [], set(), []
    for m in measurements:
        rc = m.resistance_column(opts["channel"])
        cols.add(rc)
        B = m.column("B_T")
        R = m.column(rc)
        if opts["error_column"] is not None:
            Es.append(m.column(opts["error_column"]))
        Bs.append(B)
        Rs.append(R)
        if "T_K" in m.data.columns:
            T.append(m.column("T_K", dropna=True))
    B = np.concatenate(Bs)
    R = np.concatenate(Rs)
    err = np.concatenate(Es) if Es else None
    if not np.any(np.isfinite(B) & np.isfinite(R)):
        raise RefusedError("magnetoconductance: no finite R(B) points in the data")
    src = ", ".join(str(m.source) for m in measurements)
    res = fit_magnetoconductance(
        B, R, form=opts["form"], background=opts["background"], B_max_T=opts["B_max_T"],
        squares=squares, sigma_ohm=opts["sigma_ohm"], err_ohm=err,
        D_m2_per_s=opts["D_m2_per_s"], m_eff=opts["m_eff"], g_factor=opts["g_factor"],
        correlation_points=opts["noise_correlation_points"], source=src)
    out = dict(res.options)
    out.update({"resistance_column": sorted(cols), "error_column": opts["error_column"],
                "length_m": opts["length_m"], "width_m": opts["width_m"]})
    prov = dict(res.provenance)
    Tall = np.concatenate(T) if T else np.array([])
    prov.update({"files": [str(m.source) for m in measurements],
                 "columns": ["B_T"] + sorted(cols),
                 "T_K": float(np.mean(Tall)) if Tall.size else None})
    return FitResult(kind="magnetoconductance", params=res.params, stats=res.stats,
                     options=out, provenance=prov, data=res.data,
                     lmfit_result=res.lmfit_result, quality=res.quality, budget=res.budget)


def plot(result: FitResult, fig) -> None:
    """Delta sigma(B) with the fit, its 1-sigma band and the residuals.

    The figure code lives in :mod:`ktoanalysis.transport.plots.magnetoconductance`.
    """
    from .plots import draw

    draw(result, fig)
