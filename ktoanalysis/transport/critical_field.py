"""Critical fields of one R(B) sweep at fixed temperature: signed crossings of f*R_N.

docs/models/critical_field.md (resistive criterion ``R(B_c) = f R_N``), applied to one temperature
and kept *signed*: a superconducting window need not be centred at B = 0 (ferromagnetic or
ferroelectric interfaces, superconductor / ferromagnetic-insulator bilayers shift it by
the exchange or stray field, in opposite directions for the two sweep directions).

Algorithm per branch (sweep direction ``up`` / ``down``, or ``all`` for a single sweep;
:func:`ktoanalysis.transport.sweeps.split_sweeps` cuts the file by the sign of dB in
acquisition order, sweeps of one direction are merged and points at the same field
averaged):

1. outliers: one or two points far off both neighbours
   (:func:`ktoanalysis.transport.hysteresis.find_glitches`, robust MAD noise, threshold
   ``glitch_sigma``) are excluded and listed in ``provenance["glitches"]``;
2. R_N (option ``rn_method``): ``"plateau"`` (default) the median R of the points with
   ``|B| >= plateau_fraction * max|B|`` of the branch (both field signs pooled);
   ``"fixed_B"`` R interpolated at ``|B| = rn_field_T`` (mean of both signs);
   ``"fixed_value"`` the given ``R_N_ohm``;
3. per level ``f`` (``fraction``, default 0.5, and ``levels``, default 0.9 and 0.1) the
   crossings of ``f R_N`` on either side of the window (cut at the median field of the
   points below the level): ``B_c_minus`` (lower edge) and ``B_c_plus`` (upper edge), by
   linear interpolation between the two bracketing points; several crossings on one side
   (noise near the level): the split with the fewest points on the wrong side of the
   level (:func:`crossing`). A level never
   reached (minimum R above it) or a side where R is still below the level at the end of
   the field range gives a NaN value (``null`` in JSON) and a ``criterion_not_reached``
   flag saying which, never a number;
4. ``R_B0`` = R(B = 0) from a local line through the 5 points nearest to zero.

Error budget of each crossing (reported error = the parts in quadrature):

* statistical: ``sqrt((1-u)^2 s_i^2 + u^2 s_(i+1)^2) / |dR/dB|`` (``s`` the local noise
  of :func:`branch_noise`, ``u`` the interpolation weight, the slope of the two
  bracketing points); when their step is within 3 sigma of the noise (a noise-dominated
  crossing) the standard deviation of the same estimator over 60 noisy copies of a local
  line instead (parametric bootstrap, fixed seed); plus the R_N error
  ``f sigma(R_N) / |dR/dB|``;
* sampling (finite field step dB): the difference between the linear crossing and the
  crossing of the cubic through the 4 points around it, counted beyond twice its own
  noise (Barlow), at most half the field step;
* systematic ``"multiple crossings"`` (noise near the level): several crossings on one
  side give the mean of the innermost and outermost, with half their distance as error;
* systematic ``"R_N"``: ``f Delta R_N / |dR/dB|``, Delta R_N the largest change of R_N
  when the plateau is taken on the negative or positive side only or over a twice wider
  field band (``plateau`` rule), or when the field of ``fixed_B`` changes by +-5 %;
  when R still changes over the plateau window (least-squares slope of R(|B|) at least
  3 standard errors from zero and at least 1 % of R_N across it: warn
  ``rn_not_plateau``), also the line extrapolated one window width beyond max|B| (a
  rising R has no plateau: this systematic covers the measured slope, not an unseen
  normal state further out).

Data without a superconducting window in any branch (R stays above the highest level,
0.9 R_N by default, or never falls clearly below R_N) are refused with one line
(``no superconducting window: minimum R = ... R_N``).

The R_N parts (statistical and systematic) are one shared error per branch, entering the
plus edge with ``+`` and the minus edge with ``-`` sign (correlated ``uncertainties``
variables): a higher R_N widens the window and leaves its centre, hence the window
shift, unchanged.

Data that are not an R(B) sweep at one temperature are refused (``RefusedError``): no
field column, a field span below 1 mT (an R(T) sweep: use ``tc``), or several
temperature blocks (choose one with ``T_K`` or ``T_range_K``; Hc2(T) is
``hc2-temperature``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.ndimage import median_filter
from uncertainties import ufloat

from ..errors import FitError, RefusedError
from ..io.measurement import Measurement
from .declaration import KindSpec, Option, Output
from .hysteresis import _branch, _field_step, _r_at_zero, find_glitches, local_noise, noise_floor
from .quality import Flag, Quality, excess_shift, fail, warn
from .result import ErrorBudget, FitResult, combine_errors

__all__ = ["branch_noise", "crossing", "branch_crossings", "normal_resistance", "plateau_slope",
           "plateau_not_flat", "level_name",
           "window_summary", "SPEC", "OPTIONS", "analyze", "plot"]

#: a field sweep must span at least this much (T)
MIN_FIELD_SPAN_T = 1e-3

#: points beyond the kept crossings on each side of the local line of a noise-dominated
#: crossing, and the number of bootstrap copies (:func:`_bootstrap_error`)
_LINE_HALF = 3
_N_BOOT = 60

#: fewer points than this in a branch: flagged ``too_few_points``
MIN_BRANCH_POINTS = 10


# ----------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------

#: half-width (points) of the running window of :func:`branch_noise`
NOISE_HALF_WINDOW = 20


def branch_noise(R_ohm: np.ndarray, half_window: int = NOISE_HALF_WINDOW) -> np.ndarray:
    """Per-point noise (Ohm) of a branch sorted by field: the robust second-difference
    estimate (MAD of ``R[i-1] - 2 R[i] + R[i+1]``, divided by ``sqrt(6)``) over a running
    window of ``2*half_window + 1`` points (the whole branch when it is shorter), never
    below :func:`~ktoanalysis.transport.hysteresis.noise_floor`.

    Unlike :func:`~ktoanalysis.transport.hysteresis.local_noise` it is not raised to the
    estimate of the whole branch: an unbiased local value for the crossing errors
    (heteroscedastic sweeps keep their noisier superconducting part; the median ignores
    the few large second differences of a sharp edge).
    """
    R = np.asarray(R_ohm, float)
    floor = noise_floor(R)
    if R.size < 5:
        return np.full(R.size, floor)
    d2 = R[2:] - 2 * R[1:-1] + R[:-2]
    a = np.abs(d2 - np.median(d2)) * 1.4826 / math.sqrt(6.0)
    # curvature of sharp edges: second differences above 5x their running median (and
    # their neighbours) are replaced by that median before the final estimate
    size = 2 * int(half_window) + 1
    first = (np.full(a.size, float(np.median(a))) if a.size < size
             else median_filter(a, size=size, mode="mirror"))
    big = a > 5.0 * first
    big = big | np.r_[big[1:], False] | np.r_[False, big[:-1]]
    a = np.where(big, first, a)
    if a.size < size:
        loc = np.full(a.size, float(np.median(a)))
    else:
        loc = median_filter(a, size=size, mode="mirror")
    return np.maximum(np.r_[loc[0], loc, loc[-1]], floor)


def _interp_crossing(B: np.ndarray, R: np.ndarray, i: int, level: float) -> float:
    """Linear interpolation of the level between points i and i+1."""
    b0, b1, r0, r1 = B[i], B[i + 1], R[i], R[i + 1]
    u = (level - r0) / (r1 - r0) if r1 != r0 else 0.5
    return float(b0 + u * (b1 - b0))


def _cubic_crossing(B: np.ndarray, R: np.ndarray, i: int, level: float) -> float | None:
    """Crossing of the level by the cubic through the points i-1 .. i+2, inside
    [B_i, B_i+1] (None at the branch ends or when the cubic does not cross there)."""
    if i < 1 or i + 2 >= B.size:
        return None
    x = B[i - 1:i + 3] - B[i]
    c = np.polyfit(x, R[i - 1:i + 3] - level, 3)
    roots = np.roots(c)
    h = B[i + 1] - B[i]
    ok = [float(r.real) for r in roots if abs(r.imag) < 1e-9 * max(h, 1e-300)
          and -1e-9 * h <= r.real <= h * (1 + 1e-9)]
    if len(ok) != 1:
        return None
    return float(B[i] + ok[0])


def _sampling_error(B: np.ndarray, R: np.ndarray, s: np.ndarray, i: int, level: float,
                    blin: float) -> float:
    """Interpolation (sampling) error of the linear crossing: the difference to the cubic
    crossing counted beyond twice its own noise (Barlow), at most half the step."""
    bc = _cubic_crossing(B, R, i, level)
    dB = float(B[i + 1] - B[i])
    if bc is None:
        return dB / math.sqrt(12.0)
    # noise of (cubic - linear) from its derivatives with respect to the 4 points
    var = 0.0
    for j in range(i - 1, i + 3):
        h = max(s[j], 1e-12 * max(abs(level), 1e-300))
        Rp = R.copy()
        Rp[j] += h
        bcp = _cubic_crossing(B, Rp, i, level)
        if bcp is None:
            return min(abs(bc - blin), dB / 2)
        d = (bcp - _interp_crossing(B, Rp, i, level)) - (bc - blin)
        var += d * d
    return float(min(excess_shift(bc - blin, math.sqrt(var), scale=2.0), dB / 2))


def _best_splits(below: np.ndarray, idx: np.ndarray, side: str) -> np.ndarray:
    """Among the crossing intervals ``idx`` of one side, those whose split leaves the
    fewest points on the wrong side (below the level outside, above it inside, counted
    over the side: the points beyond the first candidate interval)."""
    lo, hi = int(idx.min()), int(idx.max()) + 1
    seg = below[lo:hi + 1]
    if side == "plus":  # inside = lower fields (below), outside = higher fields (above)
        inner_bad = np.cumsum(~seg)          # above the level at or before k
        outer_bad = seg[::-1].cumsum()[::-1]  # below the level after k
        cost = inner_bad[:-1] + outer_bad[1:]
    else:  # inside = higher fields
        outer_bad = np.cumsum(seg)
        inner_bad = (~seg)[::-1].cumsum()[::-1]
        cost = outer_bad[:-1] + inner_bad[1:]
    ks = idx - lo
    c = cost[ks]
    return idx[c == c.min()]


def crossing(B_T: np.ndarray, R_ohm: np.ndarray, level_ohm: float, side: str, *,
             noise_ohm: np.ndarray | None = None) -> dict[str, Any]:
    """Crossing of ``level_ohm`` on one side of a branch sorted by field.

    The side is cut at the centre of the points below the level (their median field):
    ``"plus"`` takes the crossings above it, ``"minus"`` those below. One crossing: linear
    interpolation between the bracketing points. Several (noise near the level): the
    crossing intervals whose split leaves the fewest points on the wrong side of the level
    are kept (isolated noise dips into the plateau do not count), and the mean of the
    innermost and the outermost of them is returned (their distance / sqrt(12) is the
    systematic ``"multiple crossings"`` of :func:`branch_crossings`).

    Parameters
    ----------
    B_T, R_ohm
        One branch sorted by increasing field (T, Ohm).
    level_ohm
        Resistance level (Ohm), ``f R_N``.
    side
        ``"plus"`` (upper window edge) or ``"minus"`` (lower window edge).
    noise_ohm
        Per-point noise (Ohm); default :func:`branch_noise`.

    Returns
    -------
    dict
        ``B_T`` (signed crossing field, T; NaN when not found, with ``reason``), ``stat_T``
        (noise / slope), ``sampling_T`` (linear vs cubic interpolation beyond its noise,
        at most half the step), ``multiple_T`` (half the spread of several crossings),
        ``n_crossings``, ``slope`` (dR/dB, Ohm/T), ``index``.
    """
    B, R = np.asarray(B_T, float), np.asarray(R_ohm, float)
    s = branch_noise(R) if noise_ohm is None else np.asarray(noise_ohm, float)
    below = R < level_ohm
    if not below.any():
        return {"B_T": math.nan, "reason": "level never reached"}
    centre = float(np.median(B[below]))
    change = np.flatnonzero(below[:-1] != below[1:])
    if side == "plus":
        idx = change[B[change + 1] > centre]
        if idx.size == 0:
            return {"B_T": math.nan, "reason": f"R stays below the level up to the end of "
                                               f"the field range (B = {B[-1]:.4g} T)",
                    "bound_T": float(B[-1])}
    elif side == "minus":
        idx = change[B[change] < centre]
        if idx.size == 0:
            return {"B_T": math.nan, "reason": f"R stays below the level down to the end of "
                                               f"the field range (B = {B[0]:.4g} T)",
                    "bound_T": float(B[0])}
    else:
        raise ValueError(f"side must be 'plus' or 'minus', got {side!r}")
    if idx.size > 1:  # noise near the level: the split with the fewest points on the
        idx = _best_splits(below, idx, side)  # wrong side of it
    xs = [_interp_crossing(B, R, int(j), level_ohm) for j in idx]
    bc = 0.5 * (xs[0] + xs[-1])
    multiple = 0.5 * abs(xs[-1] - xs[0])
    i = int(idx[-1] if side == "plus" else idx[0])  # the outermost pair sets the slope
    b0, b1, r0, r1 = B[i], B[i + 1], R[i], R[i + 1]
    u = (level_ohm - r0) / (r1 - r0) if r1 != r0 else 0.5
    # the linear interpolation depends on the two bracketing points only: its first-order
    # error uses their slope; when their step is within 3 sigma of the noise (a flat,
    # noise-dominated pair) the line through 4 points is the steadier slope
    slope = (r1 - r0) / (b1 - b0) if b1 != b0 else 0.0
    dB = float(b1 - b0)
    method = "linear interpolation"
    stat = None
    if abs(r1 - r0) < 3.0 * math.hypot(s[i], s[i + 1]):
        boot = _bootstrap_error(B, R, s, idx, level_ohm, side)
        if boot is not None:
            stat, slope = boot
            multiple = 0.0  # the bootstrap includes the scatter of several crossings
            method = "linear interpolation; error by parametric bootstrap (noise-dominated)"
    out = {"B_T": float(bc), "multiple_T": float(multiple), "n_crossings": int(idx.size),
           "index": i, "u": float(u), "slope": float(slope), "method": method}
    if slope == 0.0:
        return out | {"stat_T": dB / 2, "sampling_T": dB / 2}
    if stat is None:
        stat = math.sqrt((1 - u) ** 2 * s[i] ** 2 + u**2 * s[i + 1] ** 2) / abs(slope)
    samp = _sampling_error(B, R, s, i, level_ohm, xs[-1] if side == "plus" else xs[0])
    return out | {"stat_T": float(stat), "sampling_T": float(samp)}


def _window_estimate(B: np.ndarray, R: np.ndarray, level: float, side: str) -> float:
    """The crossing estimator of :func:`crossing` (best split, mean of the innermost and
    outermost kept crossings) on a short window; NaN without a crossing."""
    below = R < level
    idx = np.flatnonzero(below[:-1] != below[1:])
    if idx.size == 0:
        return math.nan
    if idx.size > 1:
        idx = _best_splits(below, idx, side)
    return 0.5 * (_interp_crossing(B, R, int(idx[0]), level)
                  + _interp_crossing(B, R, int(idx[-1]), level))


def _bootstrap_error(B: np.ndarray, R: np.ndarray, s: np.ndarray, idx: np.ndarray,
                     level: float, side: str) -> tuple[float, float] | None:
    """Statistical error of a noise-dominated crossing by a parametric bootstrap.

    A least-squares line through the points around the kept crossings (``_LINE_HALF``
    points beyond them on each side) stands for the noiseless curve; ``_N_BOOT`` copies
    with Gaussian noise of the local level ``s`` are analysed with the same estimator
    (fixed seed: reproducible). Returns (standard deviation, line slope), or None when the
    line is flat or has the wrong sign.
    """
    lo = max(int(idx.min()) - _LINE_HALF, 0)
    hi = min(int(idx.max()) + _LINE_HALF + 2, B.size)
    x, y, sx = B[lo:hi], R[lo:hi], s[lo:hi]
    if x.size < 6 or np.ptp(x) <= 0:
        return None
    b, a = np.polyfit(x, y, 1)
    if b == 0.0 or (b < 0) != (side == "minus"):
        return None
    rng = np.random.default_rng(20261201)
    model = a + b * x
    vals = np.array([_window_estimate(x, model + sx * rng.standard_normal(x.size), level,
                                      side) for _ in range(_N_BOOT)])
    vals = vals[np.isfinite(vals)]
    if vals.size < _N_BOOT // 2:
        return None
    return float(np.std(vals, ddof=1)), float(b)


def _median_err(v: np.ndarray) -> float:
    """1-sigma error of a median (1.2533 std/sqrt(n) for Gaussian noise), 0 for n < 3."""
    return float(1.2533 * np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 2 else 0.0


def _plateau(B: np.ndarray, R: np.ndarray, frac: float,
             sel_side: np.ndarray | None = None) -> tuple[float, float, int] | None:
    absb = np.abs(B)
    sel = absb >= frac * absb.max()
    if sel_side is not None:
        sel &= sel_side
    if sel.sum() < 2:
        return None
    v = R[sel]
    return float(np.median(v)), _median_err(v), int(v.size)


#: a plateau whose R(|B|) slope is this many standard errors from zero is not flat ...
PLATEAU_SLOPE_SIGMA = 3.0
#: ... when R also changes by at least this fraction of R_N across the window
PLATEAU_MIN_CHANGE = 0.01


def plateau_slope(x: np.ndarray, R: np.ndarray) -> dict[str, float] | None:
    """Flatness test of a normal-state window: least-squares line ``R = a + b x``.

    Parameters
    ----------
    x
        The swept variable over the window (|B| in T, or T in K), increasing outward.
    R
        Resistance over the window (Ohm).

    Returns
    -------
    dict or None
        ``slope`` (Ohm per unit of x), ``slope_err`` (from the residual scatter),
        ``z`` (``|slope| / slope_err``), ``change_ohm`` (slope times the window width),
        ``edge_ohm`` (the line at the outer edge ``max x``) and ``beyond_ohm`` (the line
        one window width beyond the outer edge); None with fewer than 4 points or no
        spread in x.
    """
    x, R = np.asarray(x, float), np.asarray(R, float)
    if x.size < 4 or np.ptp(x) <= 0:
        return None
    xm = float(x.mean())
    sxx = float(np.sum((x - xm) ** 2))
    b = float(np.sum((x - xm) * (R - R.mean())) / sxx)
    a = float(R.mean()) - b * xm
    res = R - (a + b * x)
    s = float(np.sqrt(np.sum(res**2) / (x.size - 2)))
    err = s / math.sqrt(sxx)
    w = float(np.ptp(x))
    z = abs(b) / err if err > 0 else (math.inf if b != 0 else 0.0)
    return {"slope": b, "slope_err": err, "z": z, "change_ohm": b * w,
            "edge_ohm": a + b * float(x.max()), "beyond_ohm": a + b * (float(x.max()) + w)}


def plateau_not_flat(flat: dict[str, float] | None, R_N_ohm: float) -> bool:
    """Whether a :func:`plateau_slope` result is no plateau: the slope is at least
    ``PLATEAU_SLOPE_SIGMA`` standard errors from zero and R changes by at least
    ``PLATEAU_MIN_CHANGE`` R_N across the window."""
    return bool(flat is not None and flat["z"] >= PLATEAU_SLOPE_SIGMA
                and abs(flat["change_ohm"]) >= PLATEAU_MIN_CHANGE * abs(R_N_ohm))


def normal_resistance(B_T: np.ndarray, R_ohm: np.ndarray, *, rn_method: str = "plateau",
                      plateau_fraction: float = 0.9, rn_field_T: float | None = None,
                      R_N_ohm: float | None = None) -> dict[str, Any]:
    """R_N of one branch with its statistical error and its choice systematic (Ohm).

    Parameters
    ----------
    B_T, R_ohm
        One branch sorted by field.
    rn_method
        ``"plateau"``, ``"fixed_B"`` or ``"fixed_value"`` (module docstring).
    plateau_fraction
        The plateau holds the points with ``|B| >= plateau_fraction * max|B|``.
    rn_field_T, R_N_ohm
        Field of ``fixed_B`` (T), value of ``fixed_value`` (Ohm).

    Returns
    -------
    dict
        ``value``, ``stat``, ``sys`` (largest change under the alternative choices),
        ``rule`` (words), ``alternatives`` (name -> R_N).
    """
    B, R = np.asarray(B_T, float), np.asarray(R_ohm, float)
    if rn_method == "fixed_value":
        if R_N_ohm is None:
            raise FitError("rn_method='fixed_value' needs the option R_N_ohm")
        return {"value": float(R_N_ohm), "stat": 0.0, "sys": 0.0, "alternatives": {},
                "rule": f"given: R_N = {R_N_ohm:.6g} Ohm"}
    if rn_method == "fixed_B":
        if rn_field_T is None:
            raise FitError("rn_method='fixed_B' needs the option rn_field_T")

        def at(b: float) -> float:
            vals = [float(np.interp(sg * b, B, R)) for sg in (1.0, -1.0)
                    if B.min() <= sg * b <= B.max()]
            if not vals:
                raise FitError(f"rn_field_T = {b:g} T is outside the field range "
                               f"[{B.min():.4g}, {B.max():.4g}] T")
            return float(np.mean(vals))

        nom = at(rn_field_T)
        alts = {}
        for fac in (0.95, 1.05):
            try:
                alts[f"B x {fac:g}"] = at(fac * rn_field_T)
            except FitError:
                continue
        s = local_noise(R) if R.size >= 5 else np.zeros(R.size)
        stat = float(np.median(s)) / math.sqrt(2.0)
        dev = max((abs(v - nom) for v in alts.values()), default=0.0)
        return {"value": nom, "stat": stat, "sys": dev, "alternatives": alts,
                "rule": f"R at |B| = {rn_field_T:g} T (mean of both signs); systematic: "
                        "field -+5 %"}
    if rn_method != "plateau":
        raise FitError(f"rn_method must be plateau, fixed_B or fixed_value, got {rn_method!r}")
    nomp = _plateau(B, R, plateau_fraction)
    if nomp is None:
        raise FitError("no normal-state plateau: fewer than 2 points at high |B|")
    nom, stat, n = nomp
    alts: dict[str, float] = {}
    for name, sel in (("negative side", B < 0), ("positive side", B > 0)):
        p = _plateau(B, R, plateau_fraction, sel)
        if p is not None and p[2] >= 3 and p[2] < n:
            alts[name] = p[0]
    wide = _plateau(B, R, 1.0 - 2.0 * (1.0 - plateau_fraction))
    if wide is not None:
        alts["twice wider band"] = wide[0]
    absb = np.abs(B)
    win = absb >= plateau_fraction * absb.max()
    flat = plateau_slope(absb[win], R[win])
    not_flat = plateau_not_flat(flat, nom)
    if not_flat:
        # R still changes over the window: R_N lies beyond the median; the line
        # extrapolated one window width past the outer edge is the alternative
        alts["slope extrapolated"] = flat["beyond_ohm"]
    dev = max((abs(v - nom) for v in alts.values()), default=0.0)
    return {"value": nom, "stat": stat, "sys": dev, "alternatives": alts,
            "flatness": flat, "not_plateau": bool(not_flat),
            "rule": f"median R at |B| >= {plateau_fraction:g} max|B| ({n} points, both "
                    "field signs); systematic: one sign only, a twice wider band"
                    + (", the window slope extrapolated one width outward" if not_flat
                       else "")}


def level_name(fraction: float, main: float) -> str:
    """Name suffix of a level: ``""`` for the main fraction, else ``"_<pct>pct"``."""
    if math.isclose(fraction, main):
        return ""
    pct = 100.0 * fraction
    return f"_{pct:.0f}pct" if math.isclose(pct, round(pct)) else f"_{pct:g}pct"


def branch_crossings(B_T: np.ndarray, R_ohm: np.ndarray, *, fraction: float = 0.5,
                     levels: tuple[float, ...] | list[float] = (0.9, 0.1),
                     rn_method: str = "plateau", plateau_fraction: float = 0.9,
                     rn_field_T: float | None = None, R_N_ohm: float | None = None,
                     glitch_sigma: float = 6.0) -> dict[str, Any]:
    """Critical-field analysis of one branch (module docstring, steps 1-4).

    Parameters
    ----------
    B_T, R_ohm
        Field (T) and resistance (Ohm) of one branch (any order).
    fraction
        Main criterion f of ``R = f R_N``.
    levels
        Further fractions reported.
    rn_method, plateau_fraction, rn_field_T, R_N_ohm
        R_N rule (:func:`normal_resistance`).
    glitch_sigma
        Outlier threshold (robust standard deviations); ``math.inf`` keeps every point.

    Returns
    -------
    dict
        ``B``, ``R`` (sorted, outliers removed), ``glitches`` (list of ``{"B_T",
        "R_ohm"}``), ``R_N`` (ufloat or float), ``rn`` (:func:`normal_resistance`),
        ``R_B0`` (ufloat, or None when B = 0 is outside the branch), ``noise_ohm``,
        ``min_ratio`` (min R / R_N), ``field_step_T`` and ``levels``: fraction -> side
        (``"minus"``/``"plus"``) -> dict with ``value`` (ufloat with the total error, or
        NaN), ``budget`` (:class:`~ktoanalysis.transport.result.ErrorBudget`) or
        ``reason``.
    """
    o = np.argsort(B_T, kind="stable")
    B, R = np.asarray(B_T, float)[o], np.asarray(R_ohm, float)[o]
    if B.size < 5:
        raise FitError(f"only {B.size} points in the branch: no critical field")
    glitches: list[dict[str, float]] = []
    if math.isfinite(glitch_sigma):
        gl = find_glitches(B, R, k=glitch_sigma)
        glitches = [{"B_T": float(B[i]), "R_ohm": float(R[i])} for i in gl]
        B, R = np.delete(B, gl), np.delete(R, gl)
    noise = branch_noise(R)
    rn = normal_resistance(B, R, rn_method=rn_method, plateau_fraction=plateau_fraction,
                           rn_field_T=rn_field_T, R_N_ohm=R_N_ohm)
    rn_val = rn["value"]
    if not rn_val > 0:
        raise FitError(f"R_N = {rn_val:.4g} Ohm is not positive: no resistive criterion")
    rn_u = ufloat(rn_val, rn["stat"]) if rn["stat"] > 0 else rn_val
    r0 = _r_at_zero(B, R, float(np.median(noise)))
    out: dict[str, Any] = {"B": B, "R": R, "glitches": glitches, "R_N": rn_u, "rn": rn,
                           "R_B0": r0, "noise_ohm": float(np.median(noise)),
                           "min_ratio": float(np.min(R)) / rn_val,
                           "field_step_T": _field_step(B), "levels": {}}
    fracs = [fraction] + [f for f in levels if not math.isclose(f, fraction)]
    # R_N errors shared by every crossing of the branch: a higher R_N moves both edges
    # outward (the window centre does not move)
    rn_stat_u = ufloat(0.0, rn["stat"]) if rn["stat"] > 0 else 0.0
    rn_sys_u = ufloat(0.0, rn["sys"]) if rn["sys"] > 0 else 0.0
    for f in fracs:
        sides: dict[str, Any] = {}
        for side in ("minus", "plus"):
            c = crossing(B, R, f * rn_val, side, noise_ohm=noise)
            if not math.isfinite(c["B_T"]):
                if c["reason"] == "level never reached":
                    reason = (f"criterion not reached: minimum R = {out['min_ratio']:.2g} "
                              f"R_N (level {f:g} R_N)")
                else:
                    reason = f"criterion not reached on the {side} side: {c['reason']}"
                sides[side] = {"value": math.nan, "reason": reason, "crossing": c}
                continue
            slope = abs(c["slope"]) or math.inf
            sgn = 1.0 if side == "plus" else -1.0
            base = ufloat(c["B_T"], c["stat_T"]) if c["stat_T"] > 0 else c["B_T"]
            value = base + sgn * f / slope * (rn_stat_u + rn_sys_u)
            sys = {"R_N": f * rn["sys"] / slope}
            if c["n_crossings"] > 1:
                sys["multiple crossings"] = c["multiple_T"] / math.sqrt(3.0)
            extra = math.sqrt(c["sampling_T"] ** 2 + sys.get("multiple crossings", 0.0) ** 2)
            if extra > 0:
                value = value + ufloat(0.0, extra)
            budget = ErrorBudget(stat=math.hypot(c["stat_T"], f * rn["stat"] / slope),
                                 sampling=c["sampling_T"], sys=sys)
            sides[side] = {"value": value, "budget": budget, "crossing": c}
        out["levels"][f] = sides
    return out


# ----------------------------------------------------------------------------------------
# the kind
# ----------------------------------------------------------------------------------------

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("channel", "int|str", None, "resistance channel (number) or column (default: the "
           "first resistance column)", min=1),
    Option("T_K", "float", None, "use the rows within by_tol of this temperature (a file "
           "with several temperatures)", unit="K", min=0),
    Option("T_range_K", "pair", None, "use the rows with T in [lo, hi]", unit="K", min=0),
    Option("by_tol", "float", 0.02, "temperature tolerance of one block", unit="K", min=0,
           min_exclusive=True),
    Option("branches", "str", "auto", "'auto': up and down when both sweep directions are "
           "present, else one branch 'all'; 'up_down': by direction always; 'all': every "
           "sweep merged", choices=("auto", "up_down", "all")),
    Option("fraction", "float", 0.5, "criterion f of R(B_c) = f R_N", min=0, max=1,
           min_exclusive=True, max_exclusive=True, assumption=True),
    Option("levels", "floats", [0.9, 0.1], "further fractions reported (names "
           "B_c_<side>_<branch>_<pct>pct_T)", min=0, max=1, min_exclusive=True,
           max_exclusive=True),
    Option("rn_method", "str", "plateau", "R_N rule: 'plateau' (median R at |B| >= "
           "plateau_fraction max|B|), 'fixed_B' (R at |B| = rn_field_T), 'fixed_value' "
           "(R_N_ohm)", choices=("plateau", "fixed_B", "fixed_value"), assumption=True),
    Option("plateau_fraction", "float", 0.9, "plateau of the 'plateau' rule: |B| >= this "
           "fraction of max|B|", min=0, max=1, min_exclusive=True, max_exclusive=True),
    Option("rn_field_T", "float", None, "field of rn_method='fixed_B'", unit="T", min=0,
           min_exclusive=True),
    Option("R_N_ohm", "float", None, "R_N for rn_method='fixed_value' (giving it implies "
           "'fixed_value')", unit="Ohm", min=0, min_exclusive=True),
    Option("glitch_sigma", "float", 6.0, "a point further than this many robust standard "
           "deviations from the line through its neighbours is an outlier (excluded, "
           "listed)", min=0, min_exclusive=True),
)

SPEC = KindSpec(
    kind="critical-field",
    summary="Critical fields of R(B) at one temperature: signed crossings of f*R_N per "
            "sweep direction",
    inputs="one or more R(B) sweeps (B_T and a resistance column) at one temperature",
    options=SPEC_OPTIONS,
    outputs=(
        Output("B_c_minus_<branch>_T", "lowest field where R = f R_N (signed)", "T"),
        Output("B_c_plus_<branch>_T", "highest field where R = f R_N (signed)", "T"),
        Output("B_c_<side>_<branch>_<pct>pct_T", "the same at the further levels", "T"),
        Output("B_centre_<branch>_T", "window centre (B_c_minus + B_c_plus)/2", "T"),
        Output("B_halfwidth_<branch>_T", "window half-width (B_c_plus - B_c_minus)/2", "T"),
        Output("B_c_T", "mean half-width over the branches (the critical field)", "T"),
        Output("window_shift_T", "B_centre_up - B_centre_down", "T"),
        Output("R_N_<branch>_ohm", "normal-state resistance (rn_method)", "Ohm"),
        Output("R_B0_<branch>_ohm", "R at B = 0 (local line, 5 points)", "Ohm"),
        Output("noise_<branch>_ohm", "median local noise of the branch", "Ohm"),
    ),
)

#: option name -> one-line help
OPTIONS: dict[str, str] = SPEC.help_map()


def _select_rows(m: Measurement, opts: dict[str, Any]) -> Measurement:
    """Rows of the chosen temperature (T_K / T_range_K), refused when nothing is left."""
    d = m.data
    if "T_K" not in d.columns or (opts["T_K"] is None and opts["T_range_K"] is None):
        return m
    T = d["T_K"].to_numpy(float)
    keep = np.ones(T.size, bool)
    if opts["T_K"] is not None:
        keep &= np.abs(T - opts["T_K"]) <= opts["by_tol"]
    if opts["T_range_K"] is not None:
        lo, hi = opts["T_range_K"]
        keep &= (T >= lo) & (T <= hi)
    if not keep.any():
        raise RefusedError(f"critical-field: {m.source}: no row at the chosen temperature "
                           f"(T from {np.nanmin(T):.4g} to {np.nanmax(T):.4g} K)")
    return Measurement(data=d.loc[keep].reset_index(drop=True), metadata=m.metadata)


def _check_field_sweep(m: Measurement, col: str, by_tol: float) -> None:
    """RefusedError for data that are not R(B) at one temperature."""
    if "B_T" not in m.data.columns:
        raise RefusedError(f"critical-field: {m.source}: no field column B_T: not an R(B) "
                           "sweep")
    B = m.data["B_T"].to_numpy(float)
    R = m.data[col].to_numpy(float)
    ok = np.isfinite(B) & np.isfinite(R)
    if ok.sum() < 5:
        raise RefusedError(f"critical-field: {m.source}: {int(ok.sum())} finite (B, R) "
                           "points: no sweep")
    span = float(np.ptp(B[ok]))
    tspan = (float(np.nanmax(m.data["T_K"]) - np.nanmin(m.data["T_K"]))
             if "T_K" in m.data.columns else 0.0)
    if span < MIN_FIELD_SPAN_T:
        what = (f"; T is swept over {tspan:.3g} K: an R(T) curve (use the tc kind)"
                if tspan > by_tol else "")
        raise RefusedError(f"critical-field: {m.source}: the field spans only {span:.3g} T "
                           f"(< {MIN_FIELD_SPAN_T:g} T): not an R(B) sweep{what}")


def _collect(measurements: list[Measurement], opts: dict[str, Any]
             ) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str], float]:
    """Branches name -> (B, R) of all files, the resistance columns and the mean T."""
    from .hall import robust_split_sweeps

    sweeps, cols = [], []
    for m in measurements:
        if "B_T" not in m.data.columns:
            raise RefusedError(f"critical-field: {m.source}: no field column B_T: not an R(B) "
                               "sweep")
        m = _select_rows(m, opts)
        col = m.resistance_column(opts["channel"])
        cols.append(col)
        _check_field_sweep(m, col, opts["by_tol"])
        by = "T_K" if "T_K" in m.data.columns else None
        sweeps += robust_split_sweeps(m, x="B_T", y=col, by=by, by_tol=opts["by_tol"])
    temps = [s.by_value for s in sweeps if math.isfinite(s.by_value)]
    if temps:
        blocks: list[float] = []
        for t in sorted(temps):
            if not blocks or t - blocks[-1] > opts["by_tol"]:
                blocks.append(t)
        if len(blocks) > 1:
            shown = ", ".join(f"{t:.4g}" for t in blocks[:8]) + (" ..." if len(blocks) > 8
                                                                 else "")
            raise RefusedError(
                f"critical-field: R(B) at {len(blocks)} temperatures ({shown} K), not at one: "
                "choose one with -o T_K=... or -o T_range_K=[lo,hi] (Hc2(T): the "
                "hc2-temperature kind)")
    t_mean = float(np.mean(temps)) if temps else math.nan
    dirs = {s.direction for s in sweeps}
    mode = opts["branches"]
    if mode == "all" or (mode == "auto" and len(dirs) < 2):
        groups = {"all": sweeps}
    else:
        groups = {d: [s for s in sweeps if s.direction == d] for d in ("up", "down")
                  if d in dirs}
    branches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, lst in groups.items():
        if name == "all":
            fake = [type(s)(s.x, s.y, s.by_value, "up", s.rows, s.index) for s in lst]
            br = _branch(fake, "up")
        else:
            br = _branch(lst, name)
        if br is not None:
            branches[name] = br
    return branches, cols, t_mean


def _branch_params(name: str, info: dict[str, Any], fraction: float, params: dict[str, Any],
                   budget: dict[str, ErrorBudget], flags: list[Flag], where: str = "",
                   include_noise: bool = True) -> None:
    """Parameters of one branch (in place): R_N, R_B0, noise, crossings, centre, width."""
    params[f"R_N_{name}_ohm"] = info["R_N"]
    if info["rn"]["sys"] > 0:
        params[f"R_N_{name}_ohm"], budget[f"R_N_{name}_ohm"] = combine_errors(
            info["R_N"], sys={"R_N rule": info["rn"]["sys"]})
    params[f"R_B0_{name}_ohm"] = info["R_B0"] if info["R_B0"] is not None else math.nan
    if include_noise:
        params[f"noise_{name}_ohm"] = info["noise_ohm"]
    for f, sides in info["levels"].items():
        suffix = level_name(f, fraction)
        for side in ("minus", "plus"):
            e = sides[side]
            key = f"B_c_{side}_{name}{suffix}_T"
            params[key] = e["value"]
            if "budget" in e:
                budget[key] = e["budget"]
            else:
                flags.append(warn("criterion_not_reached",
                                  f"{where}branch {name}, {key}: {e['reason']}"))
    main = info["levels"][fraction]
    lo, hi = main["minus"]["value"], main["plus"]["value"]
    if "budget" in main["minus"] and "budget" in main["plus"]:
        params[f"B_centre_{name}_T"] = (lo + hi) / 2
        params[f"B_halfwidth_{name}_T"] = (hi - lo) / 2
    else:
        params[f"B_centre_{name}_T"] = math.nan
        params[f"B_halfwidth_{name}_T"] = math.nan


#: a window must be this many noise units deep (R_N - smoothed minimum of R) to be one
MIN_DEPTH_NOISE = 5.0


def _contrast_flags(name: str, info: dict[str, Any]) -> list[Flag]:
    """Fail a branch whose resistance never falls clearly below R_N: its crossings are
    then where noise happens to cross f R_N (pure noise, a flat normal state)."""
    R = np.asarray(info["R"], float)
    rn = _nominal(info["R_N"])
    noise = float(info["noise_ohm"])
    if R.size < 5 or not (math.isfinite(rn) and math.isfinite(noise)) or noise <= 0:
        return []
    k = 5
    smooth = np.array([np.median(R[max(0, i - k // 2): i + k // 2 + 1])
                       for i in range(R.size)])
    depth = rn - float(np.min(smooth))
    if depth >= MIN_DEPTH_NOISE * noise:
        return []
    return [fail("no_transition",
                 f"branch {name}: R falls only {depth:.3g} Ohm ({depth / noise:.2g} noise "
                 f"units, need {MIN_DEPTH_NOISE:g}) below R_N = {rn:.4g} Ohm: no "
                 "superconducting window; any crossing is noise")]


def _plateau_flags(name: str, info: dict[str, Any]) -> list[Flag]:
    """Warn when R still changes significantly over the R_N window (``rn_not_plateau``)."""
    rn = info["rn"]
    if not rn.get("not_plateau"):
        return []
    f = rn["flatness"]
    rn_val = float(rn["value"])
    return [warn("rn_not_plateau",
                 f"branch {name}: R changes by {f['slope']:.3g} +/- {f['slope_err']:.2g} "
                 f"Ohm/T over the R_N window ({f['z']:.2g} sigma; "
                 f"{100 * f['change_ohm'] / rn_val:+.2g} % of R_N across it): R_N = "
                 f"{rn_val:.4g} Ohm is not a plateau value; the line extrapolated one "
                 f"window width outward ({f['beyond_ohm']:.4g} Ohm) enters the R_N "
                 "systematic (a wider field range would fix R_N)")]


def _refuse_without_window(infos: dict[str, dict[str, Any]], fraction: float,
                           top: float) -> None:
    """RefusedError when no branch has a superconducting window: in every branch R stays
    above the highest criterion level (``top``, the largest of ``fraction`` and
    ``levels``: no level is reached, a normal-state magnetoresistance dip) or never falls
    clearly below R_N (:func:`_contrast_flags`). An incomplete window (R reaches some
    levels, not the main one) is kept and flagged ``criterion_not_reached``."""
    if not infos:
        return
    for name, info in infos.items():
        if info["min_ratio"] < top and not _contrast_flags(name, info):
            return
    mins = [i["min_ratio"] for i in infos.values() if math.isfinite(i["min_ratio"])]
    m = min(mins) if mins else math.nan
    raise RefusedError(f"critical-field: no superconducting window: minimum R = {m:.2f} R_N "
                       f"(no criterion level up to {top:g} R_N reached in {len(infos)} "
                       "branch(es)); not a superconducting R(B) sweep at this temperature")


def window_summary(infos: dict[str, dict[str, Any]], fraction: float,
                   params: dict[str, Any]) -> None:
    """Add ``B_c_T`` and ``window_shift_T`` to ``params`` (in place).

    Parameters
    ----------
    infos
        Branch name -> :func:`branch_crossings` result.
    fraction
        Main criterion f (the level the centres and half-widths refer to).
    params
        Parameters holding ``B_halfwidth_<branch>_T`` and ``B_centre_<branch>_T`` (T).

    Notes
    -----
    ``B_c_T`` is the mean half-width over the branches with a complete window (T);
    ``window_shift_T`` = ``B_centre_up_T - B_centre_down_T`` (T) when both exist.
    """
    hw = [params[f"B_halfwidth_{n}_T"] for n in infos
          if not _isnan(params.get(f"B_halfwidth_{n}_T", math.nan))]
    if hw:
        params["B_c_T"] = sum(hw) / len(hw)
    cu, cd = params.get("B_centre_up_T"), params.get("B_centre_down_T")
    if cu is not None and cd is not None and not (_isnan(cu) or _isnan(cd)):
        params["window_shift_T"] = cu - cd


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Critical fields of R(B) at one temperature (the ``critical-field`` kind).

    Parameters
    ----------
    measurements
        Loaded R(B) sweeps (B_T in T, a resistance column in Ohm, optionally T_K).
    **options
        Options declared in :data:`SPEC` (validated first).

    Returns
    -------
    FitResult
        Per branch the signed crossings (NaN, JSON null, with a ``criterion_not_reached``
        flag when a level is not reached), R_N, R(B=0) and the window centre and
        half-width; error budgets of the crossings; outliers in
        ``provenance["glitches"]``.

    Raises
    ------
    RefusedError
        Not R(B) at one temperature (no field, a field span below 1 mT, several
        temperatures).
    """
    opts = SPEC.resolve(options)
    if not measurements:
        raise FitError("no measurement given")
    if opts["R_N_ohm"] is not None:
        opts["rn_method"] = "fixed_value"
    branches, cols, t_mean = _collect(measurements, opts)
    if not branches:
        raise RefusedError("critical-field: no field sweep found in the data")
    params: dict[str, Any] = {}
    budget: dict[str, ErrorBudget] = {}
    flags: list[Flag] = []
    infos: dict[str, dict[str, Any]] = {}
    for name, (B, R) in branches.items():
        if B.size < MIN_BRANCH_POINTS:
            flags.append(warn("too_few_points", f"branch {name}: {B.size} field points "
                              f"(< {MIN_BRANCH_POINTS})"))
        info = branch_crossings(B, R, fraction=opts["fraction"], levels=opts["levels"],
                                rn_method=opts["rn_method"],
                                plateau_fraction=opts["plateau_fraction"],
                                rn_field_T=opts["rn_field_T"], R_N_ohm=opts["R_N_ohm"],
                                glitch_sigma=opts["glitch_sigma"])
        infos[name] = info
    _refuse_without_window(infos, opts["fraction"],
                           max([opts["fraction"], *opts["levels"]]))
    for name, info in infos.items():
        _branch_params(name, info, opts["fraction"], params, budget, flags)
        flags.extend(_contrast_flags(name, info))
        flags.extend(_plateau_flags(name, info))
    window_summary(infos, opts["fraction"], params)
    glitches = [{"branch": n, **g} for n, i in infos.items() for g in i["glitches"]]
    options_out = dict(opts)
    options_out.update({
        "T_K_mean": t_mean, "branches_found": list(infos),
        "rn_rule": {n: i["rn"]["rule"] for n, i in infos.items()},
        "rn_alternatives": {n: i["rn"]["alternatives"] for n, i in infos.items()},
        "crossing": "outermost crossing of f R_N on each side, linear interpolation "
                    "between the bracketing points",
        "uncertainty": "stat (local noise / slope of the bracketing pair, or a parametric "
                       "bootstrap when the pair is noise-dominated; with the R_N error) + "
                       "sampling (linear vs cubic crossing beyond 2x its noise, at most "
                       "dB/2) + sys (R_N rule, multiple crossings) in quadrature; the R_N "
                       "parts are shared by the edges of a branch (they cancel in the "
                       "centre)",
        "outliers": f"find_glitches, {opts['glitch_sigma']:g} robust sigma; excluded, listed "
                    "in provenance['glitches']",
    })
    data = {"T_K": t_mean, "fraction": opts["fraction"],
            "branches": {n: {"B_T": i["B"], "R_ohm": i["R"], "glitches": i["glitches"],
                             "R_N_ohm": i["rn"]["value"],
                             "crossings": {f: {s: float(_nominal(e["value"]))
                                               for s, e in sides.items()}
                                           for f, sides in i["levels"].items()}}
                         for n, i in infos.items()}}
    return FitResult(kind="critical-field", params=params,
                     stats={"n_branches": len(infos),
                            "npoints": int(sum(i["B"].size for i in infos.values()))},
                     options=options_out,
                     provenance={"files": [str(m.source) for m in measurements],
                                 "columns": ["B_T"] + cols, "units": {"B": "T", "R": "Ohm"},
                                 "glitches": glitches},
                     data=data, quality=Quality(tuple(flags)), budget=budget)


def _nominal(v: Any) -> float:
    return float(getattr(v, "nominal_value", v))


def plot(result: FitResult, fig) -> None:
    """R(B) per branch with the f R_N levels and the crossing fields.

    The figure code lives in :mod:`ktoanalysis.transport.plots.critical_field`.
    """
    from .plots import draw

    draw(result, fig)
