"""The quality verdict every analysis result carries, and the checks shared by all kinds.

A result's :class:`Quality` is a list of :class:`Flag` s, each with a stable ``code``, a
``severity`` (``"warn"`` or ``"fail"``) and a message naming the number that triggered it.
The verdict is ``"fail"`` when any flag fails, ``"warn"`` when any warns, else ``"ok"``.

Shared checks (each returns a list of flags, empty when the check passes):

* :func:`check_goodness_of_fit`: reduced chi-square against the estimated noise and a
  Wald-Wolfowitz runs test on the residual signs;
* :func:`check_bounds`: a fitted parameter at or within 1 % of one of its bounds;
* :func:`check_inside`: an extrapolated quantity outside what the data support;
* :func:`check_points`: too few points / isotherms;
* :func:`check_multistart`: multi-start fits that disagree (local-minimum risk);
* :func:`check_noise_consistency`: a given noise that contradicts the estimated one;
* :func:`transition_steps` / :func:`check_steps`: several separated maxima of dR/dT.

Flag codes are stable identifiers (tests and batch tables rely on them); the catalogue is
:data:`CODES`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "Flag", "Quality", "CODES", "check_goodness_of_fit", "runs_test", "check_bounds",
    "check_inside", "check_points", "check_multistart", "check_noise_consistency",
    "transition_steps", "check_steps", "noise_from_differences", "excess_shift",
]

Severity = Literal["warn", "fail"]

#: stable flag code -> what it means (documented once, here)
CODES: dict[str, str] = {
    "bad_fit": "the fit does not describe the data (reduced chi-square far above 1 against "
               "the estimated noise)",
    "systematic_residuals": "residual signs come in long runs (runs test): the model misses "
                            "a systematic shape",
    "at_bound": "a fitted parameter sits at or within 1 % of its bound",
    "no_errorbars": "the covariance could not be estimated: no honest 1-sigma error",
    "extrapolated": "a derived quantity lies outside the range the data support",
    "window_outside_model": "the fit window lies where the model does not apply (e.g. a "
                            "BKT window in the normal state)",
    "multi_step": "the transition has several separated steps (several maxima of dR/dT)",
    "wrong_data_kind": "the data are not of the kind this analysis describes",
    "too_few_points": "too few points (or isotherms) for a trustworthy result",
    "local_minimum": "fits started from different guesses disagree (local-minimum risk)",
    "noise_inconsistent": "the given noise contradicts the noise estimated from the data",
    "first_order": "Pauli-limited regime (Maki alpha above about 1.8): the transition may be "
                   "first order and the WHH second-order curve does not apply",
    "candidate_failed": "one candidate model of a model selection could not be fitted",
    "criterion_not_reached": "a resistance level is never reached by the data",
    "large_uncertainty": "the 1-sigma error is comparable to the value itself",
    "sampling_limited": "the error is dominated by the point spacing, not by noise",
    "noise_estimate": "the noise was estimated from the data, not given",
    "note": "information about how the data were handled",
    "peak_scatter": "resistive-peak positions of an R(T, B) map scatter beyond their errors "
                    "(tc-field)",
    "alpha_unphysical": "the HLN prefactor alpha is outside what one or two channels give "
                        "(check the geometry or the classical background)",
    "below_field_step": "a fitted characteristic field lies below the field step: the feature "
                        "is not resolved by the data (magnetoconductance)",
    "not_symmetrised": "a field sweep covers one sign of B only and could not be symmetrised "
                       "(magnetoconductance)",
    "no_transition": "the data hold no superconducting-resistive transition: a current sweep "
                     "that never switches (critical-current), a field sweep whose R never "
                     "falls clearly below R_N (critical-field)",
    "criterion_in_noise": "a given transition criterion lies within 3 sigma of the noise "
                          "(critical-current)",
    "weak_transition": "the signal just above a transition is below twice the criterion "
                       "(critical-current)",
    "negative_hysteresis": "the retrapping current exceeds the switching current beyond its "
                           "errors (critical-current)",
    "rn_not_plateau": "R still changes significantly over the normal-state window used for "
                      "R_N (critical-field, tc-field): R_N is not a plateau value; a "
                      "systematic error for the slope is added",
    "nk_inconsistent": "the Nelson-Kosterlitz self-consistency fails: the stiffness or alpha "
                       "jump across T_BKT is far below the universal value beyond its errors "
                       "(bkt-iv)",
}


@dataclass(frozen=True)
class Flag:
    """One finding about a result.

    Attributes
    ----------
    code
        Stable identifier (a key of :data:`CODES`, or a kind-specific code).
    severity
        ``"warn"`` (use with care) or ``"fail"`` (the number is not supported by the data).
    message
        What is wrong and by how much, naming the number that triggered it.
    """

    code: str
    severity: Severity
    message: str

    def __post_init__(self) -> None:
        if self.severity not in ("warn", "fail"):
            raise ValueError(f"flag severity must be 'warn' or 'fail', not {self.severity!r}")

    def to_dict(self) -> dict[str, str]:
        """JSON-safe mapping ``code``, ``severity``, ``message``."""
        return {"code": self.code, "severity": self.severity, "message": self.message}

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.code}: {self.message}"


@dataclass(frozen=True)
class Quality:
    """The quality verdict of a result: a tuple of flags.

    Attributes
    ----------
    flags
        Findings, in the order they were made.
    """

    flags: tuple[Flag, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> Literal["ok", "warn", "fail"]:
        """``"fail"`` if any flag fails, ``"warn"`` if any warns, else ``"ok"``."""
        sev = {f.severity for f in self.flags}
        return "fail" if "fail" in sev else "warn" if "warn" in sev else "ok"

    @property
    def codes(self) -> list[str]:
        """Flag codes, in order, without repetition."""
        return list(dict.fromkeys(f.code for f in self.flags))

    def has(self, code: str) -> bool:
        """Whether a flag with this code is present."""
        return any(f.code == code for f in self.flags)

    def __add__(self, other: Quality | Iterable[Flag]) -> Quality:
        more = other.flags if isinstance(other, Quality) else tuple(other)
        return Quality(tuple(dict.fromkeys(self.flags + tuple(more))))

    def to_dict(self) -> dict[str, Any]:
        """``{"verdict": ..., "flags": [{"code", "severity", "message"}, ...]}``."""
        return {"verdict": self.verdict, "flags": [f.to_dict() for f in self.flags]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Quality:
        """Inverse of :meth:`to_dict`."""
        if not d:
            return cls()
        return cls(tuple(Flag(f["code"], f["severity"], f["message"])
                         for f in d.get("flags", [])))

    def summary(self) -> str:
        """One line: the verdict and the flag codes."""
        if not self.flags:
            return "quality: ok"
        return f"quality: {self.verdict} ({', '.join(self.codes)})"


def warn(code: str, message: str) -> Flag:
    """A warning flag."""
    return Flag(code, "warn", message)


def fail(code: str, message: str) -> Flag:
    """A failing flag."""
    return Flag(code, "fail", message)


# ---------------------------------------------------------------------------------------
# shared checks


def noise_from_differences(y: np.ndarray) -> float:
    """Robust white-noise estimate of a smooth curve from its second differences.

    ``sigma = 1.4826 * MAD(y[i+1] - 2 y[i] + y[i-1]) / sqrt(6)``; ``nan`` for fewer than
    5 points.
    """
    y = np.asarray(y, dtype=float)
    y = y[np.isfinite(y)]
    if y.size < 5:
        return float("nan")
    d2 = y[2:] - 2.0 * y[1:-1] + y[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def excess_shift(shift: float, sigma: float, *, threshold: float = 0.0,
                 scale: float = 1.0) -> float:
    """The part of a shift between two estimates from the same data that noise does not
    explain (Barlow, "Systematic errors: facts and fictions", hep-ex/0207026).

    ``sigma`` is the standard deviation of the shift itself (for nested fits sharing
    points, ``sqrt(|sigma_a**2 - sigma_b**2|)``). The shift counts only when
    ``|shift| > threshold*sigma``, and then as ``sqrt(max(0, shift**2 - (scale*sigma)**2))``
    (``scale = 0`` keeps the whole shift). Non-finite input gives 0.

    Parameters
    ----------
    shift
        Difference of the two estimates (any unit).
    sigma
        Its statistical 1-sigma (same unit).
    threshold
        Significance (in sigma) below which the shift is noise.
    scale
        Multiple of sigma subtracted in quadrature.

    Returns
    -------
    float
        The systematic part (>= 0, same unit).
    """
    if not (math.isfinite(shift) and math.isfinite(sigma)):
        return 0.0
    if abs(shift) <= threshold * sigma:
        return 0.0
    return math.sqrt(max(0.0, shift * shift - (scale * sigma) ** 2))


def runs_test(residuals: np.ndarray) -> tuple[int, float]:
    """Wald-Wolfowitz runs test on the signs of the residuals.

    Returns
    -------
    (runs, z)
        Number of sign runs and its z-score against independent signs (negative: fewer
        runs than chance, i.e. systematic residuals). ``z = 0`` when undefined.
    """
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r) & (r != 0)]
    n_pos, n_neg = int((r > 0).sum()), int((r < 0).sum())
    n = n_pos + n_neg
    if n_pos == 0 or n_neg == 0 or n < 3:
        return (1 if n else 0), 0.0
    runs = 1 + int(np.count_nonzero(np.diff(np.sign(r))))
    mu = 2.0 * n_pos * n_neg / n + 1.0
    var = (mu - 1.0) * (mu - 2.0) / (n - 1.0)
    return runs, float((runs - mu) / math.sqrt(var)) if var > 0 else 0.0


def check_goodness_of_fit(
    residuals: np.ndarray,
    sigma: float | np.ndarray | None,
    nvarys: int,
    *,
    what: str = "fit",
    warn_p: float = 1e-3,
    fail_redchi: float = 10.0,
    runs_z_warn: float = -3.5,
) -> list[Flag]:
    """Does the fit describe the data?

    Parameters
    ----------
    residuals
        ``data - model`` (same unit as ``sigma``).
    sigma
        Noise of the data (given or estimated independently of the fit, e.g. by
        :func:`noise_from_differences`); ``None`` skips the chi-square part.
    nvarys
        Number of fitted parameters.
    what
        Name of the fit for the messages.
    warn_p
        Chi-square tail probability below which the fit is flagged (warn).
    fail_redchi
        Reduced chi-square above which the fit fails.
    runs_z_warn
        Runs-test z-score below which the residuals are flagged as systematic.

    Returns
    -------
    list of Flag
        ``bad_fit`` (warn or fail) and/or ``systematic_residuals``.
    """
    from scipy import stats as st

    r = np.asarray(residuals, dtype=float)
    ok = np.isfinite(r)
    flags: list[Flag] = []
    dof = int(ok.sum()) - int(nvarys)
    if sigma is not None and dof > 0:
        s = np.broadcast_to(np.asarray(sigma, dtype=float), r.shape)[ok]
        if np.all(np.isfinite(s)) and np.all(s > 0):
            chi2 = float(np.sum((r[ok] / s) ** 2))
            redchi = chi2 / dof
            p = float(st.chi2.sf(chi2, dof))
            if redchi > fail_redchi:
                flags.append(fail("bad_fit", f"{what}: reduced chi-square {redchi:.3g} against "
                                  f"the noise (limit {fail_redchi:g}): the model does not "
                                  "describe the data"))
            elif p < warn_p and redchi > 1.0:
                flags.append(warn("bad_fit", f"{what}: reduced chi-square {redchi:.3g} on "
                                  f"{dof} degrees of freedom (p = {p:.2g})"))
    runs, z = runs_test(r[ok])
    if z < runs_z_warn:
        flags.append(warn("systematic_residuals", f"{what}: {runs} sign runs in {int(ok.sum())} "
                          f"residuals (z = {z:.1f}): systematic misfit"))
    return flags


def check_bounds(params: Any, *, rel: float = 0.01, what: str = "fit",
                 public: Mapping[str, str] | None = None,
                 severity: Severity = "fail") -> list[Flag]:
    """Flag varied lmfit parameters at or within ``rel`` of a bound.

    The distance is measured relative to the bound range when both bounds are finite,
    else relative to ``max(|value|, |bound|)``.

    Parameters
    ----------
    params
        ``lmfit.Parameters`` of a finished fit.
    rel
        Relative closeness that counts as "at the bound" (default 1 %).
    what
        Name of the fit for the messages.
    public
        Optional mapping lmfit name -> public name for messages.
    severity
        Severity of the flag (default ``"fail"``: a pinned parameter is not measured).
    """
    flags = []
    for name, p in params.items():
        if not p.vary or p.expr:
            continue
        lo, hi, v = float(p.min), float(p.max), float(p.value)
        span = hi - lo if math.isfinite(lo) and math.isfinite(hi) else None
        for b, side in ((lo, "lower"), (hi, "upper")):
            if not math.isfinite(b):
                continue
            scale = span if span else max(abs(v), abs(b), 1e-300)
            if abs(v - b) <= rel * scale:
                label = (public or {}).get(name, name)
                flags.append(Flag("at_bound", severity, f"{what}: {label} = {v:.4g} is at its "
                                  f"{side} bound {b:.4g}: not determined by the data"))
    return flags


def check_inside(name: str, value: float, lo: float, hi: float, *, what: str = "data range",
                 severity: Severity = "warn", code: str = "extrapolated") -> list[Flag]:
    """Flag ``value`` outside ``[lo, hi]`` (e.g. Tc0 above the onset, Tc outside the data)."""
    if not np.isfinite(value):
        return [Flag(code, "fail", f"{name} is not finite")]
    if value < lo or value > hi:
        return [Flag(code, severity, f"{name} = {value:.4g} lies outside the {what} "
                     f"[{lo:.4g}, {hi:.4g}]")]
    return []


def check_points(n: int, need: int, *, what: str = "points", severity: Severity = "fail"
                 ) -> list[Flag]:
    """Flag fewer than ``need`` points (or isotherms, sweeps...)."""
    if n < need:
        return [Flag("too_few_points", severity, f"{n} {what}, need at least {need}")]
    return []


def check_multistart(name: str, values: Sequence[float], errors: Sequence[float] | None = None,
                     *, chisqr: Sequence[float] | None = None, what: str = "fit",
                     tol_sigma: float = 2.0) -> list[Flag]:
    """Flag multi-start fits whose comparably good minima disagree on ``name``.

    Minima with chi-square within 1 + 1e-3 (relative) of the best one count as equally
    good; if their values of ``name`` spread by more than ``tol_sigma`` times the best
    fit's error (or 1 % when no error), the optimum is ambiguous.
    """
    v = np.asarray(values, dtype=float)
    if v.size < 2:
        return []
    keep = np.isfinite(v)
    if chisqr is not None:
        c = np.asarray(chisqr, dtype=float)
        best = np.nanmin(c)
        keep &= np.isfinite(c) & (c <= best * (1 + 1e-3) + 1e-300)
    v = v[keep]
    if v.size < 2:
        return []
    scale = None
    if errors is not None:
        e = np.asarray(errors, dtype=float)[keep]
        e = e[np.isfinite(e) & (e > 0)]
        scale = float(np.min(e)) if e.size else None
    scale = scale if scale else 0.01 * max(abs(float(np.median(v))), 1e-300)
    spread = float(v.max() - v.min())
    if spread > tol_sigma * scale:
        return [warn("local_minimum", f"{what}: equally good fits from different starting "
                     f"guesses give {name} from {v.min():.4g} to {v.max():.4g}")]
    return []


def check_noise_consistency(given: float | None, estimated: float | None, *,
                            what: str = "noise", factor: float = 3.0) -> list[Flag]:
    """Flag a given noise that differs from the estimated one by more than ``factor``."""
    if given is None or estimated is None or not (np.isfinite(given) and np.isfinite(estimated)):
        return []
    if given <= 0 or estimated <= 0:
        return []
    ratio = given / estimated
    if ratio > factor or ratio < 1.0 / factor:
        return [warn("noise_inconsistent", f"{what}: given {given:.3g} but the data scatter "
                     f"by {estimated:.3g} (ratio {ratio:.2g}); the errors are not honest")]
    return []


def transition_steps(T: np.ndarray, R: np.ndarray, *, min_separation_frac: float = 0.05,
                     min_height: float = 0.15, min_step_frac: float = 0.1) -> list[float]:
    """Temperatures of the separated steps of a resistive transition.

    A step is a maximum of dR/dT (computed on the curve smoothed over 3 points) whose
    height is at least ``min_height`` of the largest maximum, separated from its
    neighbours by a dip below half the smaller of the two, and each step carries at least
    ``min_step_frac`` of the total resistance drop. One step: a single transition.

    Parameters
    ----------
    T, R
        Temperature (K) and resistance (Ohm), sorted by T.
    min_separation_frac
        Minimum separation of two steps, as a fraction of the temperature span.
    min_height
        Minimum dR/dT peak height relative to the largest.
    min_step_frac
        Minimum resistance drop of a step relative to the total drop.

    Returns
    -------
    list of float
        Step temperatures (K), increasing.
    """
    from scipy.signal import find_peaks

    T = np.asarray(T, dtype=float)
    R = np.asarray(R, dtype=float)
    if T.size < 7:
        return []
    Rs = np.convolve(R, np.ones(3) / 3.0, mode="same")
    Rs[0], Rs[-1] = R[0], R[-1]
    Tm = 0.5 * (T[1:] + T[:-1])
    d = np.diff(Rs) / np.maximum(np.diff(T), 1e-300)
    if not np.any(d > 0):
        return []
    top = float(np.max(d))
    peaks, _ = find_peaks(d, height=min_height * top, prominence=0.5 * min_height * top)
    if peaks.size < 2:
        return [float(Tm[int(np.argmax(d))])]
    span = float(T[-1] - T[0])
    total = float(np.max(R) - np.min(R))
    steps: list[int] = []
    for p in peaks:
        if steps and Tm[p] - Tm[steps[-1]] < min_separation_frac * span:
            if d[p] > d[steps[-1]]:
                steps[-1] = p
            continue
        steps.append(int(p))
    # each step must carry a real share of the drop: integrate dR between dips
    kept = []
    bounds = [0] + [int(a + np.argmin(d[a:b])) for a, b in zip(steps[:-1], steps[1:],
                                                                   strict=True)] + [d.size]
    for i, p in enumerate(steps):
        drop = float(np.sum(np.clip(d[bounds[i]:bounds[i + 1]], 0, None)
                            * np.diff(T)[bounds[i]:bounds[i + 1]]))
        if total > 0 and drop >= min_step_frac * total:
            kept.append(float(Tm[p]))
    return kept or [float(Tm[int(np.argmax(d))])]


def check_steps(T: np.ndarray, R: np.ndarray, *, severity: Severity = "warn",
                what: str = "transition") -> tuple[list[Flag], list[float]]:
    """Flag a multi-step transition; returns ``(flags, step temperatures)``."""
    steps = transition_steps(T, R)
    if len(steps) > 1:
        temps = ", ".join(f"{t:.4g}" for t in steps)
        return [Flag("multi_step", severity, f"{what} has {len(steps)} separated steps "
                     f"(dR/dT maxima at {temps} K)")], steps
    return [], steps
