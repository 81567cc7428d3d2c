"""I-V power law ``V ~ I**alpha(T)`` and T_BKT where alpha = 3 (docs/models/iv_power_law.md).

Kind ``bkt-iv``. Per isotherm, ``log10 V = alpha*log10 I + c`` is fitted in a power-law
window, weighted by a noise model estimated from the isotherm itself; T_BKT is where
alpha(T) crosses 3 going up in T: linear interpolation between the bracketing isotherms
(errors of both alphas propagated), corrected for the curvature of alpha(T)
(:func:`crossing_sampling`); optional local straight-line fit of alpha(T).

Isotherms (:func:`isotherms_from_measurements`): one per file (metadata ``T_K``) or several
per file split by its ``T_K`` column. By default the grouping tolerance comes from the data:
the within-isotherm scatter ``sigma_T`` of each file's consecutive readings (jumps clipped); a
file is cut where consecutive readings differ by more than ``K_SPLIT`` (6) robust sigmas of
their differences, and blocks (of all files) closer than ``K_MERGE*sigma_T`` (3) are one
setpoint. Distinct setpoints are never merged by a fixed tolerance (isotherms 15 mK apart
stay apart when ``sigma_T`` is below about 1.5 mK); ``by_tol_K`` restores a fixed one.

Current sign (option ``symmetrize``): ``"odd"`` (default) uses
``V_odd(I) = (V(+I) - V(-I))/2`` on the positive-current grid when both branches exist
(removes thermo-EMF offsets), else the branch that exists with |I|, |V|; ``"positive"``
uses only I > 0; ``"abs"`` pools |I|, |V| of both branches.

Noise model (:func:`estimate_noise_model`)
    ``sigma_V**2 = a**2 + (m*V)**2`` per isotherm: an additive floor ``a`` (V) and a
    multiplicative part ``m`` (relative). Both come from local residuals of every point
    against the prediction of its two neighbours (a straight line for ``a``; for ``m`` a
    power law through them, which removes the curvature of the I-V curve that inflated the
    former second-difference estimate 10-1000x on log-spaced currents). ``a`` is the
    clipped scatter of the straight-line residuals of the points at the zero-voltage floor
    (voltages below 5 a, started from the lowest-current eighth); ``m`` solves the
    inverse-variance weighted moment equation ``z_log**2 = (a/V)**2 + m**2`` of the other
    points, clipped at 3 robust scales together with the clipped points' neighbours (knees).
    The log-log fits use ``sigma_log10V = sigma_V/(V ln 10)`` (V from a first fit) with
    ``scale_covar=False``; the errors are then scaled by the square root of the variance
    scale pooled from the noise estimate (its residuals/2 degrees of freedom, scale 1) and
    the fit's reduced chi-square. A given ``sigma_V_V`` replaces the model by a constant
    additive noise (no scaling).

Automatic window (:func:`select_window`; overridable with ``window=[Imin, Imax]`` in A,
applied to every isotherm): inside the longest contiguous run of points with V above the
noise floor (``V > v_floor_k*sigma_V(V)``) and below the Ohmic normal branch
(``V < ohmic_fraction*R_N*I``), the sub-windows of at least ``min_points`` points that a
straight line describes (a cubic in log I is not significantly better, F-test p > 0.05, or
changes the local slope by less than ``slope_tol*alpha``), longest first; those sharing
more than half their points with a longer one are dropped, and the steepest remaining one
is the power law (a low-current Ohmic tail, alpha -> 1, is the other straight regime).

Error budget of ``T_BKT_K`` (``result.budget``):
    ``stat`` the alpha errors through the crossing; ``sampling`` the isotherm spacing: the
    error of the curvature correction; ``sys["fit window"]`` from the window ladder (the
    window trimmed by 25 % at either end, a stricter F-test): the largest shift of T_BKT
    that exceeds twice what the noise of the nested windows explains, counted as
    ``sqrt(dT**2 - sigma_d**2)`` (Barlow, hep-ex/0207026); the raw half range of the ladder
    is ``T_BKT_K_window_spread``.

Nelson-Kosterlitz consistency (docs/models/iv_power_law.md): per isotherm the stiffness
``J_s = (alpha - 1) k_B T/pi`` (:func:`stiffness_from_alpha`; params ``J_s_at_<T>K_K`` in
kelvin, J_s/k_B); across T_BKT the jump of alpha between the bracketing isotherms
(``alpha_jump``, 2 for the universal jump) and the drop of J_s over the universal value
``(2/pi) k_B T_BKT`` (``J_s_jump_ratio``, 1 for the universal jump; :func:`nelson_kosterlitz`).
:func:`bkt_agreement` gives the agreement in sigma of T_BKT from alpha = 3 and from the
Halperin-Nelson R(T) fit of the same sample.

Quality flags (codes of :data:`~ktoanalysis.transport.quality.CODES`): ``bad_fit`` /
``systematic_residuals`` per isotherm (warn; a fail on the bracketing pair keeps its
severity; the chi-square acceptance is widened for the noise model's own degrees of
freedom), ``at_bound`` (alpha at 0.8 or 30: fail when the isotherm brackets alpha = 3 or no
crossing exists, else warn), ``too_few_points`` (window below ``min_points``: warn; fewer
than two fitted isotherms: fail), ``extrapolated`` (alpha = 3 not bracketed: fail, no
T_BKT), ``wrong_data_kind`` (Ohmic isotherms, alpha < 1.5 everywhere, or alpha(T) rising
through 3: fail), ``noise_inconsistent`` (given sigma_V_V against the estimate: warn),
``large_uncertainty`` (error above 10 % of T_BKT: warn), ``sampling_limited`` (warn).
``nk_inconsistent`` (warn): J_s_jump_ratio below 0.5 or alpha_jump below 1 (half of
universal) by more than 3 errors (jumps above universal are not flagged: they follow from
the isotherm spacing). Kind-specific codes: ``several_crossings`` (warn): alpha(T)
crosses 3 more than once; the highest-T crossing is used; ``isotherms_unresolved``
(warn): the readings of neighbouring isotherms overlap, or one isotherm spreads over
more than ``K_WIDE`` (3) sigma_T (drift, or setpoints closer than the cut). A single
isotherm is refused (:class:`RefusedError`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import lmfit
import numpy as np

from ..errors import DataFormatError, FitError, KtoError, RefusedError
from ..io.measurement import Measurement
from ..units import K_B as _K_B
from .declaration import KindSpec, Option, Output
from .lineshapes import power_law_log
from .models import PowerLawModel
from .quality import (
    Flag,
    Quality,
    check_bounds,
    check_goodness_of_fit,
    check_noise_consistency,
    check_points,
    excess_shift,
    fail,
    warn,
)
from .result import (
    FitResult,
    array_fit_result,
    combine_errors,
    params_from_lmfit,
)

__all__ = [
    "power_law_log", "PowerLawModel", "Isotherm", "isotherms_from_measurements",
    "symmetrize_iv", "NoiseModel", "estimate_noise_model", "select_window", "fit_alpha",
    "alpha_crossing", "crossing_sampling", "stiffness_from_alpha", "nelson_kosterlitz",
    "bkt_agreement", "SPEC", "OPTIONS", "analyze",
    "critical_current", "plot",
]

#: bounds of alpha in the power-law fit (docs/models/iv_power_law.md)


#: F-test p-value above which a straight line describes a window
P_ACCEPT = 0.05
#: stricter acceptance used by the window ladder
P_STRICT = 0.3

# ---------------------------------------------------------------------------------------
# lineshape and model


# ---------------------------------------------------------------------------------------
# isotherms


@dataclass(frozen=True)
class Isotherm:
    """One I-V curve at fixed temperature (positive branch after symmetrisation).

    Attributes
    ----------
    T_K
        Temperature (K).
    I_A, V_V
        Current (A, > 0, increasing) and voltage (V).
    source
        File name.
    note
        How the branch was obtained.
    T_spread_K
        Standard deviation of the temperature readings of the isotherm (K; 0 for one
        reading or a constant temperature).
    """

    T_K: float
    I_A: np.ndarray
    V_V: np.ndarray
    source: str
    note: str
    T_spread_K: float = 0.0


def _average_duplicates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    ux, inv, cnt = np.unique(x, return_inverse=True, return_counts=True)
    return ux, np.bincount(inv, weights=y) / cnt


def symmetrize_iv(I_A: np.ndarray, V_V: np.ndarray,
                  mode: Literal["odd", "positive", "abs"] = "odd"
                  ) -> tuple[np.ndarray, np.ndarray, str]:
    """Positive-current branch of an I-V curve.

    Parameters
    ----------
    I_A, V_V
        Current (A) and voltage (V), any order, both signs allowed.
    mode
        ``"odd"``, ``"positive"`` or ``"abs"`` (see module docstring).

    Returns
    -------
    I, V, note
        Sorted positive currents (A), voltages (V), and what was done.
    """
    I = np.asarray(I_A, float)
    V = np.asarray(V_V, float)
    ok = np.isfinite(I) & np.isfinite(V)
    I, V = I[ok], V[ok]
    pos, neg = I > 0, I < 0
    if mode not in ("odd", "positive", "abs"):
        raise FitError(f"symmetrize must be 'odd', 'positive' or 'abs', not {mode!r}")
    if mode == "abs" or (mode == "odd" and pos.sum() < 3 and neg.sum() >= 3):
        Ia, Va = _average_duplicates(np.abs(I[I != 0]), np.abs(V[I != 0]))
        return Ia, Va, "|I|, |V| of both branches" if pos.any() and neg.any() else "|I|, |V|"
    Ip, Vp = _average_duplicates(I[pos], V[pos])
    if mode == "positive" or neg.sum() < 3:
        return Ip, Vp, "positive branch"
    In, Vn = _average_duplicates(-I[neg], V[neg])
    inside = (Ip >= In.min()) & (Ip <= In.max())
    if inside.sum() < 3:
        return Ip, Vp, "positive branch (branches do not overlap)"
    Vodd = 0.5 * (Vp[inside] - np.interp(Ip[inside], In, Vn))
    return Ip[inside], Vodd, "odd part (V(+I) - V(-I))/2"


#: automatic grouping: a change of T between consecutive rows beyond this many robust
#: sigmas of the consecutive differences starts a new block (a new setpoint)
K_SPLIT = 6.0
#: automatic grouping: blocks whose temperatures differ by less than this many
#: within-isotherm sigmas are one setpoint (repeated sweeps, several files)
K_MERGE = 3.0
#: automatic grouping: blocks of fewer rows are temperature-readout glitches, joined to
#: the preceding block of the file
MIN_BLOCK_ROWS = 3
#: automatic grouping: an isotherm whose readings spread by more than this many sigma_T
#: (drift, or setpoints closer than the cut) is flagged ``isotherms_unresolved``
K_WIDE = 3.0
#: relative floor of the grouping tolerances (float formatting of a constant temperature)
T_REL_FLOOR = 1e-5


def _diff_scale(d: np.ndarray) -> float:
    """Robust 1-sigma of consecutive temperature differences with the setpoint jumps
    clipped (K): MAD start (the smallest non-zero step for quantised readings), then the
    rms of ``|d| < K_SPLIT*s``, truncation-corrected (5 passes); 0 when no difference
    varies."""
    d = np.asarray(d, float)
    d = d[np.isfinite(d)]
    ad = np.abs(d)
    if ad.size == 0 or not (ad > 0).any():
        return 0.0
    s = 1.4826 * float(np.median(ad))
    if s <= 0:
        s = float(ad[ad > 0].min())
    trunc = _trunc_factor(K_SPLIT)
    for _ in range(5):
        keep = ad < K_SPLIT * s
        if not keep.any():
            break
        s_new = float(np.sqrt(np.mean(d[keep] ** 2))) / trunc
        if s_new <= 0:
            return 0.0
        if s_new == s:
            break
        s = s_new
    return s


def _split_rows(T: np.ndarray, thr: float) -> list[np.ndarray]:
    """Row indices of the blocks of one file: cut where consecutive temperatures differ
    by more than ``thr``; blocks shorter than :data:`MIN_BLOCK_ROWS` are joined to the
    preceding block (the first one to the next)."""
    n = T.size
    cuts = np.flatnonzero(np.abs(np.diff(T)) > thr) + 1
    edges = [0, *cuts.tolist(), n]
    blocks = [[a, b] for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
    out: list[list[int]] = []
    for a, b in blocks:
        if out and (b - a < MIN_BLOCK_ROWS or out[-1][1] - out[-1][0] < MIN_BLOCK_ROWS):
            out[-1][1] = b
        else:
            out.append([a, b])
    return [np.arange(a, b) for a, b in out]


def _group_isotherms(measurements: list[Measurement], by_tol_K: float | None,
                     symmetrize: str) -> tuple[list[Isotherm], dict[str, Any]]:
    """Isotherms and how they were grouped (see :func:`isotherms_from_measurements`)."""
    from .sweeps import group_blocks

    # (T readings, I, V, source) per file; metadata-only files carry one T reading
    files: list[tuple[np.ndarray, np.ndarray, np.ndarray, str, bool]] = []
    for m in measurements:
        I, V = m.column("I_A"), m.column("V_V")
        if "T_K" in m.data.columns and np.isfinite(m.column("T_K")).any():
            Tcol = m.column("T_K")
            ok = np.isfinite(Tcol) & np.isfinite(I) & np.isfinite(V)
            files.append((Tcol[ok], I[ok], V[ok], str(m.source), True))
        elif m.metadata.get("T_K") is not None:
            files.append((np.full(I.size, float(m.metadata["T_K"])), I, V, str(m.source),
                          False))
        else:
            raise DataFormatError("no temperature for this I-V curve", file=m.source,
                                  column="T_K",
                                  expected="a T_K column or metadata entry 'T_K'")
    allT = np.concatenate([f[0] for f in files]) if files else np.zeros(0)
    floor = max(T_REL_FLOOR * float(np.median(np.abs(allT))) if allT.size else 0.0, 1e-9)
    info: dict[str, Any]
    auto = by_tol_K is None
    if auto:
        diffs = [np.diff(f[0]) for f in files if f[4] and f[0].size > 1]
        pooled = _diff_scale(np.concatenate(diffs)) if diffs else 0.0
        info = {"method": "automatic", "files": []}
    else:
        info = {"method": "given by_tol_K", "split_K": float(by_tol_K),
                "merge_K": float(by_tol_K)}
    blocks: list[dict[str, Any]] = []
    for T, I, V, src, has_col in files:
        if auto:
            # the file's own scatter (the pooled one for files of few readings)
            s_d = _diff_scale(np.diff(T)) if has_col and T.size > 10 else pooled
            sigma_T = s_d / math.sqrt(2.0)
            split = max(K_SPLIT * s_d, floor)
            info["files"].append({"file": src, "sigma_T_K": sigma_T, "split_K": split})
            rows = _split_rows(T, split) if has_col else [np.arange(T.size)]
        else:
            sigma_T, split = 0.0, float(by_tol_K)  # type: ignore[arg-type]
            labels = group_blocks(T, split)
            rows = [np.flatnonzero(labels == lab) for lab in np.unique(labels[labels >= 0])]
        for r in rows:
            Tb = T[r]
            med = float(np.median(Tb))
            core = Tb[np.abs(Tb - med) <= split] if auto else Tb
            blocks.append({"T": core, "level": med, "I": I[r], "V": V[r], "src": [src],
                           "sigma": sigma_T})
    if auto:
        sig = [f["sigma_T_K"] for f in info["files"]]
        info |= {"sigma_T_K": max(sig, default=0.0),
                 "split_K": max((f["split_K"] for f in info["files"]), default=floor),
                 "merge_K": max(K_MERGE * max(sig, default=0.0), floor)}
    # merge blocks at the same setpoint (several files or repeated sweeps)
    blocks.sort(key=lambda b: b["level"])
    merged: list[dict[str, Any]] = []
    for b in blocks:
        g = merged[-1] if merged else None
        tol = max(K_MERGE * max(b["sigma"], g["sigma"]), floor) if auto and g else \
            float(by_tol_K or 0.0)
        if g is not None and abs(b["level"] - g["level"]) <= tol:
            g["T"] = np.concatenate([g["T"], b["T"]])
            g["I"], g["V"] = np.concatenate([g["I"], b["I"]]), np.concatenate([g["V"], b["V"]])
            g["src"] += [s for s in b["src"] if s not in g["src"]]
            g["sigma"] = max(g["sigma"], b["sigma"])
            if auto:
                g["level"] = float(np.median(g["T"]))
        else:
            merged.append(dict(b))
    out, overlaps, wide = [], [], []
    for g in merged:
        Ip, Vp, note = symmetrize_iv(g["I"], g["V"], symmetrize)  # type: ignore[arg-type]
        spread = float(np.std(g["T"])) if g["T"].size > 1 else 0.0
        out.append(Isotherm(float(np.mean(g["T"])), Ip, Vp, ", ".join(g["src"]), note,
                            T_spread_K=spread))
        if auto and g["sigma"] > 0 and spread > K_WIDE * g["sigma"]:
            wide.append(out[-1].T_K)
    for g0, g1 in zip(merged[:-1], merged[1:], strict=True):
        if g0["T"].max() >= g1["T"].min():
            overlaps.append([float(np.mean(g0["T"])), float(np.mean(g1["T"]))])
    Ts = np.array([iso.T_K for iso in out])
    info |= {"n_isotherms": len(out),
             "min_gap_K": float(np.min(np.diff(Ts))) if Ts.size > 1 else None,
             "overlapping_K": overlaps, "wide_K": wide}
    return out, info


def isotherms_from_measurements(measurements: list[Measurement], *,
                                by_tol_K: float | None = None,
                                symmetrize: str = "odd") -> list[Isotherm]:
    """Isotherms from files: one isotherm per file (T from metadata ``T_K`` or a constant
    ``T_K`` column) or several per file (split by the ``T_K`` column).

    Automatic grouping (``by_tol_K=None``, the default): the within-isotherm temperature
    scatter is measured from each file's own readings, as the robust 1-sigma ``s_d`` of
    the differences between consecutive ``T_K`` readings (the setpoint jumps clipped,
    :data:`K_SPLIT`; ``sigma_T = s_d/sqrt(2)``; files of 11 readings or fewer use the
    scatter pooled over all files). A file is cut into blocks where two consecutive
    readings differ by more than ``K_SPLIT*s_d`` (a setpoint change; blocks shorter than
    :data:`MIN_BLOCK_ROWS` rows are readout glitches joined to the preceding block);
    blocks of all files whose median temperatures differ by less than
    ``K_MERGE*sigma_T`` (:data:`K_MERGE`, the larger sigma_T of the two files) are one
    setpoint and are merged (repeated sweeps, up and down files). Both tolerances have
    the floor ``T_REL_FLOOR*T`` (files with a constant or metadata temperature).
    Setpoints about 9 sigma_T apart or more therefore stay apart, whatever their spacing;
    the isotherm temperature is the mean of its readings (readings beyond the cut from
    the block median excluded).

    Given ``by_tol_K`` (K): the former fixed rule, blocks of readings within ``by_tol_K``
    of the running median of the block, merged when their temperatures differ by at most
    ``by_tol_K``.

    Parameters
    ----------
    measurements
        I-V files with ``I_A``, ``V_V`` and a temperature.
    by_tol_K
        Fixed grouping tolerance (K), or ``None`` for the automatic rule.
    symmetrize
        Current sign handling (:func:`symmetrize_iv`).

    Returns
    -------
    list of Isotherm
        Sorted by temperature; ``T_spread_K`` is the standard deviation of the readings.

    Raises
    ------
    DataFormatError
        Missing I_A / V_V columns or no temperature.
    """
    return _group_isotherms(measurements, by_tol_K, symmetrize)[0]


# ---------------------------------------------------------------------------------------
# noise model


@dataclass(frozen=True)
class NoiseModel:
    """Voltage noise of one isotherm, ``sigma_V**2 = a**2 + (m*V)**2``.

    Attributes
    ----------
    additive_V
        Additive floor ``a`` (V).
    relative
        Multiplicative part ``m`` (dimensionless, e.g. 0.03 for 3 %).
    source
        ``"estimated"`` or ``"given"``.
    dof
        Effective degrees of freedom of the estimate (``inf`` when given): the local
        residuals used, halved for their correlation.
    """

    additive_V: float
    relative: float
    source: str = "estimated"
    dof: float = math.inf

    def sigma(self, V_V: np.ndarray | float) -> np.ndarray:
        """1-sigma voltage noise (V) at voltage(s) ``V_V``."""
        V = np.abs(np.asarray(V_V, float))
        return np.sqrt(self.additive_V ** 2 + (self.relative * V) ** 2)

    def sigma_log10(self, V_V: np.ndarray | float) -> np.ndarray:
        """1-sigma error of ``log10 V`` at positive voltage(s) ``V_V``."""
        V = np.maximum(np.abs(np.asarray(V_V, float)), 1e-300)
        return self.sigma(V) / (V * np.log(10.0))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe mapping."""
        return {"additive_V": self.additive_V, "relative": self.relative,
                "source": self.source, "dof": self.dof}

    def error_scale(self, redchi: float, dof_fit: int) -> float:
        """Factor on fit errors: the square root of the variance scale pooled from this
        estimate (scale 1, ``dof`` degrees of freedom) and the fit's reduced chi-square
        (``dof_fit``). 1 for a given noise."""
        if not (np.isfinite(redchi) and dof_fit > 0) or not math.isfinite(self.dof):
            return 1.0
        return math.sqrt((self.dof + dof_fit * redchi) / (self.dof + dof_fit))


def _trunc_factor(k: float) -> float:
    """Standard deviation of a unit normal truncated to ``|z| < k``."""
    return math.sqrt(1.0 - 2.0 * k * math.exp(-k * k / 2) / math.sqrt(2 * math.pi)
                     / math.erf(k / math.sqrt(2.0)))


def _clipped_sd(z: np.ndarray, k: float = 3.0) -> float:
    """Gaussian scale of ``z`` (centred on 0): MAD start, then rms of |z| < k*sd (3 passes,
    corrected for the truncation); ``nan`` for fewer than 3 values."""
    z = np.asarray(z, float)
    z = z[np.isfinite(z)]
    if z.size < 3:
        return float("nan")
    s = 1.4826 * float(np.median(np.abs(z)))
    if s <= 0:
        return float(np.sqrt(np.mean(z ** 2)))
    trunc = _trunc_factor(k)
    for _ in range(3):
        keep = np.abs(z) < k * s
        if keep.sum() < 3:
            break
        s = float(np.sqrt(np.mean(z[keep] ** 2))) / trunc
    return s


def _local_residuals(I: np.ndarray, V: np.ndarray) -> dict[str, np.ndarray]:
    """Residual of every interior point against the prediction from its two neighbours.

    Returns, per interior point, ``V`` (and the neighbours ``Vm``, ``Vp`` with their
    interpolation weights ``w1``, ``w2``), ``lin`` (residual against the power law through
    the neighbours, or the straight line when a voltage is not positive; V), ``flat``
    (residual against the straight line; V), ``log`` (ln residual, nan where a voltage is
    not positive) and ``g`` (noise gain ``sqrt(1 + w1**2 + w2**2)``).
    """
    x = np.log(I)
    w1 = (x[2:] - x[1:-1]) / (x[2:] - x[:-2])
    w2 = 1.0 - w1
    g = np.sqrt(1.0 + w1 ** 2 + w2 ** 2)
    Vm, V0, Vp = V[:-2], V[1:-1], V[2:]
    pos = (Vm > 0) & (V0 > 0) & (Vp > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lnpred = w1 * np.log(np.where(pos, Vm, 1.0)) + w2 * np.log(np.where(pos, Vp, 1.0))
        log_res = np.where(pos, np.log(np.where(pos, V0, 1.0)) - lnpred, np.nan)
        pred = np.where(pos, np.exp(lnpred), w1 * Vm + w2 * Vp)
    return {"V": V0, "Vm": Vm, "Vp": Vp, "w1": w1, "w2": w2, "lin": V0 - pred,
            "flat": V0 - (w1 * Vm + w2 * Vp), "log": log_res, "g": g}


def estimate_noise_model(I_A: np.ndarray, V_V: np.ndarray) -> NoiseModel:
    """Additive and multiplicative voltage noise of one isotherm (see the module docs).

    Parameters
    ----------
    I_A, V_V
        Positive, strictly increasing currents (A) and voltages (V) of the isotherm.

    Returns
    -------
    NoiseModel
        ``a`` from the straight-line residuals of the points whose voltages (and their
        neighbours') lie below 5 a (the zero-voltage floor; started from the lowest-current
        eighth of the points), ``m`` from the log residuals of the other points, weighted
        by their variance ``(a/V)**2 + m**2``. Floors: ``a >= 1e-6 min|V|``, ``m >= 1e-9``.

    Raises
    ------
    FitError
        Fewer than 7 points.
    """
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    if I.size < 7:
        raise FitError(f"noise model: {I.size} points, need at least 7")
    r = _local_residuals(I, V)
    nonzero = np.abs(V[V != 0])
    a_min = max(1e-6 * float(nonzero.min()), 1e-300) if nonzero.size else 1e-300
    a = max(_floor_noise(r), a_min)
    m, n_used = _relative_noise(r, a)
    return NoiseModel(additive_V=float(a), relative=float(max(m, 1e-9)),
                      dof=float(n_used) / 2.0)


def _floor_noise(r: dict[str, np.ndarray]) -> float:
    """Additive floor from the straight-line residuals of the points at zero voltage."""
    z = r["flat"] / r["g"]
    top = np.maximum(np.maximum(np.abs(r["Vm"]), np.abs(r["Vp"])), np.abs(r["V"]))
    a = _clipped_sd(z[:max(5, z.size // 8)])
    for _ in range(4):
        floor = top < 5.0 * a
        if floor.sum() < 5:
            break
        a_new = _clipped_sd(z[floor])
        if not np.isfinite(a_new) or a_new == a:
            break
        a = a_new
    return float(a) if np.isfinite(a) else 0.0


def _relative_noise(r: dict[str, np.ndarray], a: float, k: float = 3.0
                    ) -> tuple[float, int]:
    """Multiplicative part ``m`` given the floor ``a``: ``(m, residuals used)``.

    ``Var(z_log) = va + m**2`` with ``va`` the floor's share (``a/V`` of the point and its
    neighbours through the interpolation weights); passes clip beyond ``k`` robust scales
    (and the clipped points' neighbours) and solve the inverse-variance weighted,
    truncation-corrected moment equation.
    """
    zg = r["log"] / r["g"]
    ok = np.isfinite(zg)
    with np.errstate(divide="ignore", invalid="ignore"):
        va = ((a / r["V"]) ** 2 + (r["w1"] * a / r["Vm"]) ** 2
              + (r["w2"] * a / r["Vp"]) ** 2) / r["g"] ** 2
    ok &= np.isfinite(va)
    zg, va = zg[ok], va[ok]
    if zg.size < 3:
        return 1e-9, 0
    clean = zg[va < np.quantile(va, 0.5)] if zg.size >= 10 else zg
    m = _clipped_sd(clean)
    m = m if np.isfinite(m) and m > 0 else _clipped_sd(zg)
    c = _trunc_factor(k) ** 2
    keep = np.ones(zg.size, dtype=bool)
    for _ in range(4):
        var = va + m * m
        keep = _robust_keep(zg / np.sqrt(var), k)
        if keep.sum() < 3:
            break
        w = 1.0 / var[keep] ** 2
        m2 = float(np.sum(w * (zg[keep] ** 2 / c - va[keep])) / np.sum(w))
        m = math.sqrt(max(m2, 1e-18))
    return float(m), int(keep.sum())


def _robust_keep(u: np.ndarray, k: float) -> np.ndarray:
    """Points with ``|u|`` within ``k`` MAD scales of 0, neighbours of clipped ones dropped."""
    if u.size == 0:
        return np.zeros(0, dtype=bool)
    s = max(1.4826 * float(np.median(np.abs(u))), 1e-300)
    inside = np.abs(u) < k * s
    keep = inside.copy()
    keep[1:] &= inside[:-1]
    keep[:-1] &= inside[1:]
    return keep if keep.sum() >= 3 else inside


# ---------------------------------------------------------------------------------------
# window and fit


def _longest_true_run(mask: np.ndarray) -> tuple[int, int]:
    best, start, bl = (0, 0), None, 0
    for i, v in enumerate(list(mask) + [False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if i - start > bl:
                best, bl = (start, i), i - start
            start = None
    return best


@lru_cache(maxsize=512)
def _f_critical(dof: int, p_accept: float) -> float:
    from scipy import stats as st

    return float(st.f.isf(p_accept, 2, dof))


def _line_test(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, int, float, float]:
    """Weighted straight line against a cubic in ``x``.

    Returns ``(F, dof, slope, dslope)``: the F statistic of the two extra cubic terms on
    ``(2, dof)`` degrees of freedom (0 when the window is too short to test), the
    straight-line slope and the largest deviation of the cubic's local slope from it
    inside the window.
    """
    n = x.size
    span = max(float(np.ptp(x)), 1e-300)
    xc = (x - x.mean()) / span
    yw = (y - y.mean()) * w
    A1 = np.vander(xc, 2) * w[:, None]
    c1, *_ = np.linalg.lstsq(A1, yw, rcond=None)
    slope = float(c1[0]) / span
    if n < 7:
        return 0.0, 0, slope, 0.0
    A3 = np.vander(xc, 4) * w[:, None]
    c3, *_ = np.linalg.lstsq(A3, yw, rcond=None)
    chi1 = float(np.sum((A1 @ c1 - yw) ** 2))
    chi3 = float(np.sum((A3 @ c3 - yw) ** 2))
    F = ((chi1 - chi3) / 2.0) / max(chi3 / (n - 4), 1e-300)
    grid = np.linspace(xc.min(), xc.max(), 21)
    local = (3 * c3[0] * grid ** 2 + 2 * c3[1] * grid + c3[2]) / span
    return (float(F) if np.isfinite(F) else np.inf), n - 4, slope, \
        float(np.max(np.abs(local - slope)))


def _accepted(test: tuple[float, int, float, float], slope_tol: float, p_accept: float) -> bool:
    F, dof, slope, dslope = test
    return dof == 0 or F < _f_critical(dof, p_accept) or dslope < slope_tol * abs(slope)


def _best_window(x: np.ndarray, y: np.ndarray, w: np.ndarray, a: int, b: int, *,
                 min_points: int, slope_tol: float, p_accept: float) -> tuple[int, int, bool]:
    """Power-law window inside ``[a, b)``.

    Candidates are the sub-windows (at least ``min_points`` long) that a straight line
    describes, longest first; a candidate sharing more than half of its points with a
    longer one is dropped, so what remains are the distinct straight regimes (e.g. a
    low-current Ohmic tail and the power law). The steepest of them is the power law.
    When no window passes, the best ``min_points`` window (smallest F) is returned with
    ``False``.
    """
    n = b - a
    step = max(1, n // 40)
    lengths = list(range(n, min_points - 1, -step))
    if lengths[-1] != min_points:
        lengths.append(min_points)
    kept: list[tuple[int, int, float]] = []
    fallback: tuple[float, int, int] | None = None
    for L in lengths:
        found = []
        for lo in range(a, b - L + 1, step):
            if any(min(hi_k, lo + L) - max(lo_k, lo) > 0.5 * L for lo_k, hi_k, _ in kept):
                continue
            t = _line_test(x[lo:lo + L], y[lo:lo + L], w[lo:lo + L])
            if _accepted(t, slope_tol, p_accept):
                found.append((t[0], lo, t[2]))
            if L == min_points and (fallback is None or t[0] < fallback[0]):
                fallback = (t[0], lo, lo + L)
        for _, lo, slope in sorted(found):
            if not any(min(hi_k, lo + L) - max(lo_k, lo) > 0.5 * L for lo_k, hi_k, _ in kept):
                kept.append((lo, lo + L, slope))
    if kept:
        lo, hi, _ = max(kept, key=lambda k: k[2])
        return lo, hi, True
    if fallback is None:
        return a, b, False
    return fallback[1], fallback[2], False


def select_window(I_A: np.ndarray, V_V: np.ndarray, *, sigma_V: float | np.ndarray,
                  R_N_ohm: float, v_floor_k: float = 3.0, ohmic_fraction: float = 0.3,
                  min_points: int = 10, slope_tol: float = 0.03,
                  p_accept: float = P_ACCEPT) -> tuple[np.ndarray, str]:
    """Automatic power-law window of one isotherm (boolean mask over the points).

    Parameters
    ----------
    I_A, V_V
        Positive, increasing currents (A) and voltages (V).
    sigma_V
        Voltage noise (V), one value or one per point (e.g. ``NoiseModel.sigma(V)``).
    R_N_ohm
        Normal-state resistance (Ohm) of the Ohmic cut.
    v_floor_k, ohmic_fraction, min_points, slope_tol
        Criteria (see :data:`OPTIONS`).
    p_accept
        F-test p-value above which the straight line is accepted.

    Returns
    -------
    mask, description

    Raises
    ------
    FitError
        Fewer than ``min_points`` usable contiguous points.
    """
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    sig = np.broadcast_to(np.asarray(sigma_V, float), V.shape)
    with np.errstate(invalid="ignore"):
        allowed = (V > v_floor_k * sig) & (V > 0) & (V < ohmic_fraction * R_N_ohm * I)
    a, b = _longest_true_run(allowed)
    if b - a < min_points:
        raise FitError(f"only {b - a} contiguous points between the noise floor "
                       f"({v_floor_k:g} sigma_V) and the Ohmic branch "
                       f"({ohmic_fraction:g} R_N I); need {min_points}")
    x, y = np.log10(I), np.log10(np.where(V > 0, V, 1.0))
    w = V * np.log(10.0) / np.maximum(sig, 1e-300)
    lo, hi, ok = _best_window(x, y, w, a, b, min_points=int(min_points),
                              slope_tol=slope_tol, p_accept=p_accept)
    mask = np.zeros(I.size, dtype=bool)
    mask[lo:hi] = True
    how = "straight line" if ok else "curvature remains at min_points"
    return mask, f"{how} in log-log ({int(mask.sum())} of {b - a} allowed points)"


def critical_current(I_A: np.ndarray, V_V: np.ndarray, *, V_c_V: float | None = None,
                     sigma_V: float | None = None):
    """Switching current of one I-V curve (positive branch); see the ``critical-current`` kind.

    A thin wrapper of :func:`ktoanalysis.transport.critical_current.analyze_curve` (one
    source for the criterion): the criterion defaults to 5 noise units of the
    superconducting branch, never a fixed voltage.

    Parameters
    ----------
    I_A, V_V
        Current (A; points with ``I > 0`` are used) and voltage (V).
    V_c_V
        Voltage criterion (V); default from the measured noise floor.
    sigma_V
        Voltage noise (V); default estimated from the curve.

    Returns
    -------
    ufloat
        ``I_c`` in A with its 1-sigma error (noise, current step).

    Raises
    ------
    RefusedError
        The curve shows no transition or the criterion is not reached.
    """
    from .critical_current import analyze_curve

    I = np.asarray(I_A, float)
    keep = np.isfinite(I) & (I > 0)
    out = analyze_curve(I[keep], np.asarray(V_V, float)[keep], threshold_V=V_c_V,
                        sigma_V_V=sigma_V)
    return out["params"]["I_switch_A"]


def _wls_line(x: np.ndarray, y: np.ndarray, w: np.ndarray
              ) -> tuple[float, float, float, float]:
    """Weighted straight line ``y = s*x + c``: ``(s, c, sigma_s, redchi)`` (unscaled)."""
    W = w * w
    S, Sx, Sy = W.sum(), (W * x).sum(), (W * y).sum()
    xm = Sx / S
    Sxx = float((W * (x - xm) ** 2).sum())
    if not Sxx > 0:
        raise FitError("power-law fit: all currents are equal")
    slope = float((W * (x - xm) * y).sum()) / Sxx
    c = float(Sy / S - slope * xm)
    dof = x.size - 2
    chi2 = float((W * (y - slope * x - c) ** 2).sum())
    return slope, c, math.sqrt(1.0 / Sxx), chi2 / dof if dof > 0 else float("nan")


def _fast_alpha(I_A: np.ndarray, V_V: np.ndarray, noise: NoiseModel
                ) -> tuple[float, float, float]:
    """Same fit as :func:`fit_alpha` with a noise model (closed-form weighted least squares,
    one re-weighting; no bounds): ``(alpha, error with the pooled scale, unscaled error)``."""
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    if I.size < 3 or np.any(I <= 0) or np.any(V <= 0):
        raise FitError("power-law fit: need 3 points with I, V > 0")
    x, y = np.log10(I), np.log10(V)
    s, c, _, _ = _wls_line(x, y, 1.0 / noise.sigma_log10(V))
    s, c, e, rc = _wls_line(x, y, 1.0 / noise.sigma_log10(10.0 ** (s * x + c)))
    return s, e * noise.error_scale(rc, I.size - 2), e


def fit_alpha(I_A: np.ndarray, V_V: np.ndarray, *, sigma_V: float | np.ndarray | None = None,
              noise: NoiseModel | None = None) -> FitResult:
    """Straight-line fit of log10 V versus log10 I (array level).

    Parameters
    ----------
    I_A, V_V
        Points of the window (A > 0, V > 0).
    sigma_V
        Known voltage noise (V, one value or one per point): weights
        ``V*ln(10)/sigma_V`` and ``scale_covar=False``.
    noise
        Noise model (used when ``sigma_V`` is None): weights ``1/sigma_log10V`` at the
        measured voltages, then once more at the fitted voltages; ``scale_covar=False``;
        the errors are widened by :meth:`NoiseModel.error_scale` as in :func:`analyze`.
        With neither, unweighted with lmfit's covariance scaling.

    Returns
    -------
    FitResult
        Kind ``"bkt-iv"``; params ``alpha`` (the exponent of V ~ I^alpha) and
        ``c_log10V`` (log10 of V in V at I = 1 A), correlated ufloats; ``stats`` adds
        ``error_scale``. ``quality``: ``at_bound`` (alpha within 0.1 % of its bounds),
        ``no_errorbars`` and, with ``sigma_V`` or ``noise``, ``bad_fit`` /
        ``systematic_residuals`` on log10 V. ``lmfit_result`` is the lmfit ModelResult
        of log10 V; no plot data (use :func:`analyze` for a figure).

    Raises
    ------
    FitError
        Fewer than 3 points, non-positive values or a failed fit.
    """
    res = _fit_alpha_lmfit(I_A, V_V, sigma_V=sigma_V, noise=noise)
    what = "power-law fit"
    V = np.asarray(V_V, float)
    scale, sig_log = 1.0, None
    if sigma_V is not None:
        sig_log = np.broadcast_to(np.asarray(sigma_V, float), V.shape) / (V * np.log(10))
    elif noise is not None:
        scale = noise.error_scale(float(res.redchi), int(res.nfree))
        sig_log = (noise.sigma_log10(10.0 ** res.best_fit)
                   * _chi2_widening(int(res.nfree), noise.dof))
    names = {"alpha": "alpha", "c": "c_log10V"}
    params = params_from_lmfit(res, names, require_errorbars=False)
    if scale != 1.0:  # widen the errors, keep the correlations
        params = {k: (v - _nominal(v)) * scale + _nominal(v) for k, v in params.items()}
    out = array_fit_result(
        res, kind="bkt-iv", names=names, function="fit_alpha", params=params,
        options={"sigma_V": sigma_V, "noise": None if noise is None else noise.to_dict()},
        what=what, residuals=res.data - res.best_fit, sigma=sig_log,
        bound_flags=check_bounds(res.params, rel=1e-3, what=what, public=names))
    out.stats["error_scale"] = scale
    return out


def _nominal(v: Any) -> float:
    return float(getattr(v, "nominal_value", v))


def _fit_alpha_lmfit(I_A: np.ndarray, V_V: np.ndarray, *,
                     sigma_V: float | np.ndarray | None = None,
                     noise: NoiseModel | None = None) -> lmfit.model.ModelResult:
    """The fit of :func:`fit_alpha` as an lmfit ModelResult of log10 V (unscaled errors;
    used by :func:`analyze`).

    Raises
    ------
    FitError
        As :func:`fit_alpha`.
    """
    I, V = np.asarray(I_A, float), np.asarray(V_V, float)
    if I.size < 3:
        raise FitError(f"power-law fit: {I.size} points, need at least 3")
    if np.any(~np.isfinite(I)) or np.any(~np.isfinite(V)) or np.any(I <= 0) or np.any(V <= 0):
        raise FitError("power-law fit: I and V must be finite and > 0 in the window")
    if np.ptp(np.log10(I)) <= 0:
        raise FitError("power-law fit: all currents are equal")
    model = PowerLawModel()
    x, y = np.log10(I), np.log10(V)
    pars = model.guess(y, logI=x)
    try:
        if sigma_V is not None:
            sig = np.broadcast_to(np.asarray(sigma_V, float), V.shape)
            return model.fit(y, pars, logI=x, weights=V * np.log(10) / sig, scale_covar=False)
        if noise is None:
            return model.fit(y, pars, logI=x)
        first = _wls_line(x, y, 1.0 / noise.sigma_log10(V))
        pars["alpha"].set(value=float(np.clip(first[0], 0.81, 29.9)))
        pars["c"].set(value=first[1])
        Vfit = 10.0 ** (first[0] * x + first[1])
        return model.fit(y, pars, logI=x, weights=1.0 / noise.sigma_log10(Vfit),
                         scale_covar=False)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError) as exc:
        raise FitError(f"power-law fit failed: {exc}") from None


def alpha_crossing(T_K: np.ndarray, alpha: np.ndarray, alpha_err: np.ndarray, *,
                   target: float = 3.0, method: Literal["linear", "local_fit"] = "linear",
                   n_local: int = 4) -> dict[str, Any]:
    """Temperature where alpha(T) crosses ``target`` going up in T (docs/models/iv_power_law.md).

    ``T* = T_i + (3 - a_i)*(T_i+1 - T_i)/(a_i+1 - a_i)`` with
    ``sigma_T* = |dT/da| * sqrt((1 - u)**2 s_i**2 + u**2 s_i+1**2)``, ``u = (3 - a_i)/da``.
    ``method="local_fit"``: weighted straight line of alpha(T) over the ``n_local`` isotherms
    nearest to the crossing, ``T* = (3 - c)/m`` with propagated covariance.

    Returns
    -------
    dict
        ``T_K``, ``stderr_K``, ``all_K`` (every crossing), ``pair`` (indices).

    Raises
    ------
    FitError
        Fewer than 2 isotherms, or alpha = target not bracketed (never extrapolated).
    """
    T = np.asarray(T_K, float)
    a = np.asarray(alpha, float)
    s = np.asarray(alpha_err, float)
    order = np.argsort(T)
    T, a, s = T[order], a[order], s[order]
    if T.size < 2:
        raise FitError("alpha = 3 needs at least two isotherms with a fitted alpha")
    above = a - target >= 0
    idx = [i for i in range(T.size - 1) if above[i] and not above[i + 1]]
    if not idx:
        raise FitError(f"alpha = {target} not bracketed: alpha ranges {a.min():.3g}-"
                       f"{a.max():.3g} over {T.min():.4g}-{T.max():.4g} K (no extrapolation)")
    allT = []
    for i in idx:
        u = (target - a[i]) / (a[i + 1] - a[i])
        allT.append(T[i] + u * (T[i + 1] - T[i]))
    i = idx[-1]
    da = a[i + 1] - a[i]
    u = (target - a[i]) / da
    Tx = T[i] + u * (T[i + 1] - T[i])
    err = abs((T[i + 1] - T[i]) / da) * np.hypot((1 - u) * s[i], u * s[i + 1])
    out = {"T_K": float(Tx), "stderr_K": float(err), "all_K": [float(t) for t in allT],
           "pair": (int(order[i]), int(order[i + 1])), "method": method}
    if method == "local_fit":
        near = np.argsort(np.abs(T - Tx))[:max(3, n_local)]
        w = 1.0 / np.maximum(s[near], 1e-12)
        coef, cov = np.polyfit(T[near], a[near], 1, w=w, cov="unscaled")
        m_, c_ = coef
        if m_ >= 0:
            raise FitError("local_fit: alpha(T) does not decrease with T near alpha = 3")
        Tl = (target - c_) / m_
        J = np.array([-(target - c_) / m_**2, -1.0 / m_])
        out |= {"T_K": float(Tl), "stderr_K": float(np.sqrt(J @ cov @ J))}
    elif method != "linear":
        raise FitError(f"alpha_interp must be 'linear' or 'local_fit', not {method!r}")
    return out


def crossing_sampling(T_K: np.ndarray, alpha: np.ndarray, alpha_err: np.ndarray,
                      pair: tuple[int, int], T_cross: float, *, n_near: int = 5
                      ) -> dict[str, float]:
    """Curvature correction of the linear alpha = 3 crossing and its error (isotherm spacing).

    Between the bracketing isotherms ``T_i < T* < T_j`` a straight line misses a curved
    alpha(T) by ``c2*(T* - T_i)*(T_j - T*)`` (exact for a parabola, ``c2`` = half the
    second derivative), which shifts the crossing by ``bias = c2*(T* - T_i)*(T_j - T*)/
    (d alpha/dT)`` (true minus linear). ``c2`` and the slope come from a weighted parabola
    through the ``n_near`` isotherms nearest to ``T*`` (at least 4, else no estimate).
    The correction is ``bias`` and its error (the sampling error) the propagated error of
    ``c2``; a bias within 2 of its sigma is not applied (sampling error
    ``sqrt(max(0, bias**2 - sigma**2))``), nor one larger than half the pair spacing
    (alpha(T) not parabolic there; it becomes the sampling error itself).

    Parameters
    ----------
    T_K, alpha, alpha_err
        Isotherm temperatures (K), exponents and their 1-sigma errors (any order).
    pair
        Indices (into the given arrays) of the bracketing pair.
    T_cross
        The crossing temperature (K) of the linear interpolation.
    n_near
        Isotherms used for the curvature.

    Returns
    -------
    dict
        ``correction_K`` (to add to the linear crossing), ``sampling_K`` (its 1-sigma
        error), ``bias_K`` (the estimated bias, applied or not), ``bias_stat_K`` (all 0
        when the curvature cannot be estimated).
    """
    T, a, s = (np.asarray(v, float) for v in (T_K, alpha, alpha_err))
    zero = {"sampling_K": 0.0, "bias_K": 0.0, "bias_stat_K": 0.0, "correction_K": 0.0}
    if T.size < 4:
        return zero
    near = np.argsort(np.abs(T - T_cross))[:max(4, n_near)]
    w = 1.0 / np.maximum(s[near], 1e-12)
    try:
        coef, cov = np.polyfit(T[near] - T_cross, a[near], 2, w=w, cov="unscaled")
    except (ValueError, np.linalg.LinAlgError):
        return zero
    c2, slope = float(coef[0]), float(coef[1])
    if not (np.isfinite(c2) and np.isfinite(slope)) or slope >= 0:
        return zero
    gap = (T_cross - T[pair[0]]) * (T[pair[1]] - T_cross)
    bias = c2 * gap / slope
    sig = abs(gap / slope) * math.sqrt(max(float(cov[0, 0]), 0.0))
    out = {"sampling_K": sig, "bias_K": bias, "bias_stat_K": sig, "correction_K": bias}
    if abs(bias) > 0.5 * abs(T[pair[1]] - T[pair[0]]):
        out |= {"sampling_K": abs(bias), "correction_K": 0.0}
    elif abs(bias) <= 2.0 * sig:  # curvature not significant: no correction
        out |= {"sampling_K": math.sqrt(max(bias * bias - sig * sig, 0.0)),
                "correction_K": 0.0}
    return out


# ---------------------------------------------------------------------------------------
# Nelson-Kosterlitz consistency (docs/models/iv_power_law.md)


def stiffness_from_alpha(T_K: np.ndarray | float, alpha: np.ndarray | float,
                         alpha_err: np.ndarray | float | None = None
                         ) -> tuple[np.ndarray, np.ndarray | None]:
    """Superfluid stiffness from the I-V exponent, ``J_s = (alpha - 1)*k_B*T/pi``.

    The inverse of the AHNS relation ``alpha = 1 + pi*J_s/(k_B*T)`` (docs/models/iv_power_law.md,
    :func:`ktoanalysis.transport.bkt.iv_exponent`); at the universal jump alpha = 3 gives
    ``J_s = (2/pi)*k_B*T_BKT`` (:func:`ktoanalysis.transport.bkt.universal_stiffness`).

    Parameters
    ----------
    T_K
        Isotherm temperature(s) (K).
    alpha
        Power-law exponent(s) of ``V ~ I**alpha``.
    alpha_err
        1-sigma error(s) of alpha, or ``None``.

    Returns
    -------
    J_s_J, J_s_err_J
        Stiffness (J) and its 1-sigma error (J; ``None`` without ``alpha_err``); the
        temperature is taken as exact. Divide by ``k_B`` for kelvin.
    """
    T = np.asarray(T_K, float)
    a = np.asarray(alpha, float)
    js = (a - 1.0) * _K_B * T / math.pi
    if alpha_err is None:
        return js, None
    return js, np.abs(np.asarray(alpha_err, float)) * _K_B * T / math.pi


def nelson_kosterlitz(T_K: np.ndarray, alpha: np.ndarray, alpha_err: np.ndarray,
                      pair: tuple[int, int]) -> dict[str, Any]:
    """Size of the jump of alpha and of the stiffness across T_BKT (docs/models/iv_power_law.md).

    Between the isotherms bracketing alpha = 3 (``pair``: just below and just above
    T_BKT) the universal Nelson-Kosterlitz jump takes alpha from 3 (``J_s = (2/pi) k_B
    T_BKT``) to 1 (``J_s = 0``). Reported: ``alpha_jump = alpha_below - alpha_above``
    (2 for the universal jump sampled at T_BKT from both sides) and
    ``J_s_jump_ratio = (J_s(T_below) - J_s(T_above)) / ((2/pi) k_B T*)`` with ``T*`` the
    linear alpha = 3 crossing of the pair (1 for the universal jump, above 1 when the
    stiffness keeps rising below T_BKT, below 1 for a broadened crossover; it depends on
    the isotherm spacing). Errors: the two alpha errors, propagated with their correlation
    with ``T*``.

    Parameters
    ----------
    T_K, alpha, alpha_err
        Isotherm temperatures (K), exponents and 1-sigma errors.
    pair
        Indices of the isotherms just below and just above the crossing
        (``alpha_crossing(...)["pair"]``).

    Returns
    -------
    dict
        ``T_below_K``, ``T_above_K``, ``alpha_below``, ``alpha_above``, ``alpha_jump``,
        ``alpha_jump_err``, ``J_s_below_K``, ``J_s_above_K`` (J_s/k_B, K, with ``_err``),
        ``T_cross_linear_K``, ``J_s_universal_K`` (``2 T*/pi``), ``J_s_jump_ratio``,
        ``J_s_jump_ratio_err``.
    """
    from uncertainties import ufloat

    i, j = pair
    Tb, Ta = float(T_K[i]), float(T_K[j])
    ab, aa = ufloat(float(alpha[i]), float(alpha_err[i])), \
        ufloat(float(alpha[j]), float(alpha_err[j]))
    jump = ab - aa
    Jb, Ja = (ab - 1.0) * Tb / math.pi, (aa - 1.0) * Ta / math.pi
    Tx = Tb + (3.0 - ab) * (Ta - Tb) / (aa - ab)
    ratio = (Jb - Ja) / (2.0 * Tx / math.pi)
    return {"T_below_K": Tb, "T_above_K": Ta, "alpha_below": ab.nominal_value,
            "alpha_above": aa.nominal_value, "alpha_jump": jump.nominal_value,
            "alpha_jump_err": jump.std_dev, "alpha_jump_universal": 2.0,
            "J_s_below_K": Jb.nominal_value, "J_s_below_err_K": Jb.std_dev,
            "J_s_above_K": Ja.nominal_value, "J_s_above_err_K": Ja.std_dev,
            "T_cross_linear_K": Tx.nominal_value,
            "J_s_universal_K": 2.0 * Tx.nominal_value / math.pi,
            "J_s_jump_ratio": ratio.nominal_value, "J_s_jump_ratio_err": ratio.std_dev}


#: Nelson-Kosterlitz check: ``nk_inconsistent`` when J_s_jump_ratio lies below
#: NK_RATIO_MIN, or alpha_jump below NK_ALPHA_JUMP_MIN (half the universal 1 and 2), by
#: more than NK_SIGMA errors. Jumps above universal are not flagged: isotherms sampled at
#: a finite distance below T_BKT see the stiffness still rising.
NK_RATIO_MIN = 0.5
NK_ALPHA_JUMP_MIN = 1.0
NK_SIGMA = 3.0


def _nk_flags(nk: dict[str, Any]) -> list[Flag]:
    """``nk_inconsistent`` (warn) when the jump across T_BKT is far below universal."""
    ratio, r_err = nk["J_s_jump_ratio"], nk["J_s_jump_ratio_err"]
    jump, j_err = nk["alpha_jump"], nk["alpha_jump_err"]
    low_ratio = NK_RATIO_MIN - ratio > NK_SIGMA * r_err
    low_jump = NK_ALPHA_JUMP_MIN - jump > NK_SIGMA * j_err
    if not (low_ratio or low_jump):
        return []
    return [warn("nk_inconsistent",
                 f"no universal Nelson-Kosterlitz jump between the isotherms at "
                 f"{nk['T_below_K']:.4g} and {nk['T_above_K']:.4g} K: J_s_jump_ratio = "
                 f"{ratio:.3g} +/- {r_err:.2g} (universal 1), alpha_jump = {jump:.3g} +/- "
                 f"{j_err:.2g} (universal 2); a broad crossover (inhomogeneity, finite size) "
                 "or not a BKT transition: T_BKT from alpha = 3 is then a convention")]


def _tbkt_of(x: Any, what: str) -> tuple[float, float]:
    if isinstance(x, FitResult):
        if "T_BKT_K" not in x.params:
            raise FitError(f"bkt_agreement: the {what} result ({x.kind}) has no T_BKT_K "
                           f"(verdict {x.verdict})")
        err = x.stderr("T_BKT_K")
        return x.value("T_BKT_K"), float("nan") if err is None else float(err)
    if hasattr(x, "nominal_value"):
        return float(x.nominal_value), float(x.std_dev)
    try:
        v, e = x
    except (TypeError, ValueError):
        raise FitError(f"bkt_agreement: {what} must be a FitResult, a ufloat or a "
                       f"(value, error) pair, not {x!r}") from None
    return float(v), float(e)


def bkt_agreement(iv: Any, rt: Any) -> dict[str, Any]:
    """Agreement (in sigma) of T_BKT from alpha = 3 and from the Halperin-Nelson R(T) fit.

    ``n_sigma = |T_iv - T_rt| / sqrt(err_iv**2 + err_rt**2)``: the two estimates come from
    different measurements (I-V isotherms, R(T)), so their errors are independent.

    Parameters
    ----------
    iv
        The ``bkt-iv`` estimate: a :class:`FitResult` with ``T_BKT_K``, a ufloat, or a
        ``(T_BKT_K, err_K)`` pair (K).
    rt
        The ``bkt-rt`` (Halperin-Nelson) estimate, in the same forms.

    Returns
    -------
    dict
        ``T_BKT_iv_K``, ``err_iv_K``, ``T_BKT_rt_K``, ``err_rt_K``, ``difference_K``
        (iv - rt), ``sigma_K`` (combined 1-sigma), ``n_sigma`` (``None`` when an error is
        missing or zero) and ``consistent`` (``n_sigma <= 2``; ``None`` without errors).

    Raises
    ------
    FitError
        A result without ``T_BKT_K`` (alpha = 3 not bracketed, R(T) fit refused) or an
        input of another type.
    """
    t1, e1 = _tbkt_of(iv, "I-V")
    t2, e2 = _tbkt_of(rt, "R(T)")
    sig = math.hypot(e1, e2) if math.isfinite(e1) and math.isfinite(e2) else float("nan")
    d = t1 - t2
    n = abs(d) / sig if math.isfinite(sig) and sig > 0 else None
    return {"T_BKT_iv_K": t1, "err_iv_K": e1, "T_BKT_rt_K": t2, "err_rt_K": e2,
            "difference_K": d, "sigma_K": sig, "n_sigma": n,
            "consistent": None if n is None else bool(n <= 2.0)}


# ---------------------------------------------------------------------------------------
# declaration

SPEC_OPTIONS: tuple[Option, ...] = (
    Option("window", "pair", None, "[Imin, Imax] of the power-law fit for every isotherm; "
           "default automatic (see the module docs)", unit="A", min=0, min_exclusive=True),
    Option("min_points", "int", 10, "minimum points of the power-law window (shorter "
           "windows are flagged too_few_points)", min=3),
    Option("slope_tol", "float", 0.03, "window criterion: the straight line is accepted when "
           "a cubic changes the local slope by less than slope_tol*alpha (or is not "
           "significantly better, F-test p > 0.05)", min=0, max=1, max_exclusive=True,
           assumption=True),
    Option("v_floor_k", "float", 3.0, "noise floor of the window: V > v_floor_k*sigma_V(V)",
           min=0, assumption=True),
    Option("sigma_V_V", "float", None, "constant voltage noise; given: replaces the "
           "estimated noise model a**2 + (m V)**2 (weights, scale_covar=False)", unit="V",
           min=0, min_exclusive=True),
    Option("ohmic_fraction", "float", 0.3, "upper cut of the window V < ohmic_fraction*R_N*I "
           "(below the Ohmic normal branch)", min=0, max=1, min_exclusive=True,
           max_exclusive=True, assumption=True),
    Option("R_N_ohm", "float", None, "normal-state resistance for the Ohmic cut (default: "
           "largest V/I at the top currents of all isotherms)", unit="Ohm", min=0,
           min_exclusive=True),
    Option("symmetrize", "str", "odd", "current sign: 'odd' (V(+I) - V(-I))/2, 'positive' "
           "(I > 0 only) or 'abs' (|I|, |V| of both branches)",
           choices=("odd", "positive", "abs"), assumption=True),
    Option("alpha_interp", "str", "linear", "alpha = 3 crossing: 'linear' (bracketing pair) "
           "or 'local_fit' (line over the 4 nearest isotherms)",
           choices=("linear", "local_fit"), assumption=True),
    Option("ladder", "bool", True, "window ladder (windows trimmed by 25 % at either end, a "
           "stricter rule): systematic 'fit window' of T_BKT_K and T_BKT_K_window_spread"),
    Option("by_tol_K", "float", None, "fixed temperature tolerance grouping rows into "
           "isotherms; default automatic: from the within-isotherm T scatter of the data "
           "(consecutive readings cut beyond 6 robust sigmas, setpoints merged within 3 "
           "sigma_T), never merging distinct setpoints", unit="K", min=0,
           min_exclusive=True),
)

SPEC = KindSpec(
    kind="bkt-iv",
    summary="I-V power law V ~ I^alpha(T) per isotherm and T_BKT where alpha = 3",
    inputs="I-V files with I_A and V_V (one isotherm per file with metadata T_K, or a T_K "
           "column holding several isotherms, grouped by its own temperature scatter); at "
           "least 2 isotherms (a single one is refused, exit 3; alpha = 3 not bracketed: "
           "verdict fail, no T_BKT)",
    options=SPEC_OPTIONS,
    outputs=(
        Output("alpha_at_<T>K", "power-law exponent of the isotherm at T (K)"),
        Output("T_BKT_K", "temperature where alpha(T) = 3 (stat + sampling + window sys)",
               "K"),
        Output("T_BKT_K_window_spread", "half range of T_BKT over the window ladder", "K"),
        Output("J_s_at_<T>K_K", "superfluid stiffness J_s/k_B = (alpha - 1) T/pi of the "
               "isotherm at T (MODELS 4.6)", "K"),
        Output("alpha_jump", "alpha just below minus just above T_BKT (bracketing pair; 2 "
               "for the universal jump)"),
        Output("J_s_jump_ratio", "drop of J_s across T_BKT over the universal (2/pi) k_B "
               "T_BKT (1 for the Nelson-Kosterlitz jump)"),
        Output("R_N_ohm", "normal-state resistance of the Ohmic cut", "Ohm"),
    ),
)

#: option name -> one-line help (read by older callers; the declaration is SPEC)
OPTIONS: dict[str, str] = SPEC.help_map()
_DEFAULTS: dict[str, Any] = SPEC.defaults


# ---------------------------------------------------------------------------------------
# procedure


def _alpha_name(T: float, used: set[str]) -> str:
    name = f"alpha_at_{T:.4f}K"
    k = 2
    while name in used:
        name = f"alpha_at_{T:.4f}K_{k}"
        k += 1
    used.add(name)
    return name


def _load(measurements: list[Measurement], opts: dict[str, Any]
          ) -> tuple[list[Isotherm], dict[str, Any]]:
    """Isotherms with at least one point and the grouping record; refuse fewer than two."""
    tol = opts["by_tol_K"]
    isos, info = _group_isotherms(measurements, None if tol is None else float(tol),
                                  opts["symmetrize"])
    isos = [iso for iso in isos if iso.I_A.size and np.isfinite(iso.T_K)]
    if len(isos) < 2:
        where = f"1 at T = {isos[0].T_K:.4g} K" if isos else "0"
        spread = (f" (temperature spread {isos[0].T_spread_K:.2g} K, grouping "
                  f"{info['method']})" if isos and isos[0].T_spread_K > 0 else "")
        raise RefusedError(f"alpha = 3 needs at least 2 isotherms bracketing it; got {where}"
                           f"{spread}")
    return isos, info


def _grouping_flags(info: dict[str, Any]) -> list[Flag]:
    """``isotherms_unresolved`` (warn): the readings of neighbouring isotherms overlap, or
    an isotherm spreads over more than ``K_WIDE`` sigma_T (automatic grouping)."""
    flags = []
    if info.get("overlapping_K"):
        pairs = ", ".join(f"{a:.4g}/{b:.4g} K" for a, b in info["overlapping_K"])
        flags.append(warn("isotherms_unresolved", "the temperature readings of neighbouring "
                          f"isotherms overlap ({pairs}): setpoints not resolved by the "
                          f"grouping ({info['method']}); give by_tol_K or one file per "
                          "isotherm"))
    if info.get("wide_K"):
        Ts = ", ".join(f"{t:.4g}" for t in info["wide_K"])
        flags.append(warn("isotherms_unresolved", f"isotherm(s) at T = {Ts} K spread over "
                          f"more than {K_WIDE:g} x the reading scatter sigma_T = "
                          f"{info['sigma_T_K']:.2g} K (drift, or setpoints closer than the "
                          f"cut {info['split_K']:.2g} K); give by_tol_K or one file per "
                          "isotherm"))
    return flags


def _normal_resistance(isos: list[Isotherm], opts: dict[str, Any]) -> float:
    if opts["R_N_ohm"] is not None:
        opts["R_N_ohm_source"] = "given"
        return float(opts["R_N_ohm"])
    with np.errstate(divide="ignore", invalid="ignore"):
        tops = [float(np.median((iso.V_V / iso.I_A)[-3:])) for iso in isos]
    tops = [t for t in tops if np.isfinite(t)]
    rn = max(tops) if tops else float("nan")
    if not np.isfinite(rn) or rn <= 0:
        raise FitError("cannot determine R_N from the I-V curves (V/I <= 0); give R_N_ohm")
    opts["R_N_ohm_source"] = "largest V/I at the top currents"
    return rn


def _noise_for(iso: Isotherm, opts: dict[str, Any]) -> tuple[NoiseModel, NoiseModel | None]:
    """(noise model used, estimated model or None when it cannot be estimated)."""
    try:
        est = estimate_noise_model(iso.I_A, iso.V_V)
    except FitError:
        est = None
    if opts["sigma_V_V"] is not None:
        return NoiseModel(float(opts["sigma_V_V"]), 0.0, "given"), est
    if est is None:
        raise FitError(f"{iso.I_A.size} points: too few to estimate the noise (need 7)")
    return est, est


def _window_mask(iso: Isotherm, noise: NoiseModel, rn: float, opts: dict[str, Any],
                 p_accept: float = P_ACCEPT) -> tuple[np.ndarray, str]:
    if opts["window"] is not None:
        lo, hi = map(float, opts["window"])
        mask = (iso.I_A >= lo) & (iso.I_A <= hi) & (iso.V_V > 0)
        if mask.sum() < 3:
            raise FitError(f"window [{lo:.3g}, {hi:.3g}] A holds {int(mask.sum())} points "
                           "with V > 0")
        return mask, "given"
    return select_window(iso.I_A, iso.V_V, sigma_V=noise.sigma(iso.V_V), R_N_ohm=rn,
                         v_floor_k=float(opts["v_floor_k"]),
                         ohmic_fraction=float(opts["ohmic_fraction"]),
                         min_points=int(opts["min_points"]), slope_tol=float(opts["slope_tol"]),
                         p_accept=p_accept)


def _fit_masked(iso: Isotherm, mask: np.ndarray, noise: NoiseModel
                ) -> tuple[lmfit.model.ModelResult, float, float, float]:
    """Fit of the window: (result, alpha, its error with the pooled scale, the scale)."""
    res = _fit_alpha_lmfit(iso.I_A[mask], iso.V_V[mask], noise=noise)
    p = res.params["alpha"]
    if p.stderr is None or not np.isfinite(p.stderr) or p.stderr <= 0:
        raise FitError("power-law fit: no covariance (errors not estimable)")
    scale = noise.error_scale(float(res.redchi), int(res.nfree))
    return res, float(p.value), float(p.stderr) * scale, scale


def _chi2_widening(dof_fit: int, dof_noise: float, p: float = 1e-3) -> float:
    """Factor on the noise for the goodness-of-fit check when the noise is itself estimated
    (``dof_noise`` degrees of freedom): under a correct model the reduced chi-square then
    follows F(dof_fit, dof_noise), not chi2/dof; the factor maps the F quantile at ``p``
    onto the chi-square one, so that the shared check keeps its false-alarm rate."""
    if dof_fit <= 0 or not math.isfinite(dof_noise) or dof_noise <= 0:
        return 1.0
    from scipy import stats as st

    q_f = float(st.f.isf(p, dof_fit, dof_noise))
    q_c = float(st.chi2.isf(p, dof_fit)) / dof_fit
    return math.sqrt(max(q_f / q_c, 1.0))


def _isotherm_row(iso: Isotherm, rn: float, opts: dict[str, Any], used: set[str]
                  ) -> dict[str, Any]:
    """Noise model, window and power-law fit of one isotherm, with its flags."""
    row: dict[str, Any] = {"T_K": iso.T_K, "source": iso.source, "branch": iso.note,
                           "flags": []}
    what = f"power law at T = {iso.T_K:.4g} K"
    try:
        noise, est = _noise_for(iso, opts)
        row["noise"] = noise.to_dict()
        if est is not None and noise.source == "given":
            row["noise_estimated"] = est.to_dict()
        mask, desc = _window_mask(iso, noise, rn, opts)
        res, alpha, err, scale = _fit_masked(iso, mask, noise)
    except FitError as exc:
        row["error"] = str(exc)
        row["flags"].append(warn("too_few_points" if "point" in str(exc) else "bad_fit",
                                 f"T = {iso.T_K:.4g} K: no alpha ({exc}); isotherm dropped"))
        return row
    name = _alpha_name(iso.T_K, used)
    Vw = iso.V_V[mask]
    sig_log = noise.sigma_log10(10.0 ** res.best_fit)
    row |= {"alpha": alpha, "alpha_err": err, "error_scale": scale,
            "c": float(res.params["c"].value),
            "window_A": [float(iso.I_A[mask].min()), float(iso.I_A[mask].max())],
            "window": desc, "n_window": int(mask.sum()), "mask": mask,
            "redchi": float(res.redchi), "param": name, "noise_model": noise,
            "sigma_V_V": float(np.median(noise.sigma(Vw)))}
    row["flags"] += check_points(int(mask.sum()), int(opts["min_points"]),
                                 what=f"points in the window at T = {iso.T_K:.4g} K",
                                 severity="warn")
    row["flags"] += check_goodness_of_fit(
        np.log10(Vw) - res.best_fit, sig_log * _chi2_widening(int(res.nfree), noise.dof), 2,
        what=what)
    row["bound_flags"] = check_bounds(res.params, rel=1e-3, what=what, public={"alpha": name})
    if est is not None and noise.source == "given":
        row["flags"] += check_noise_consistency(noise.additive_V,
                                                float(np.median(est.sigma(Vw))),
                                                what=f"sigma_V_V at T = {iso.T_K:.4g} K")
    return row


def _no_crossing_flags(T: np.ndarray, a: np.ndarray, reason: str) -> list[Flag]:
    rng = (f"alpha ranges {a.min():.3g}-{a.max():.3g} over {T.min():.4g}-{T.max():.4g} K")
    if a.max() < 1.5:
        return [fail("wrong_data_kind", f"{rng}: Ohmic I-V curves (normal state), no power "
                     "law; no T_BKT")]
    if (a >= 3).any() and (a < 3).any():
        return [fail("wrong_data_kind", f"{rng}: alpha(T) does not fall through 3 with "
                     f"rising T ({reason}); no T_BKT")]
    side = "below" if a.max() < 3 else "above"
    return [fail("extrapolated", f"alpha = 3 not bracketed: {rng}; T_BKT lies {side} the "
                 "measured temperatures (no extrapolation); no T_BKT")]


def _crossing(good: list[dict[str, Any]], method: str) -> tuple[dict[str, Any] | None,
                                                                list[Flag]]:
    T = np.array([r["T_K"] for r in good])
    a = np.array([r["alpha"] for r in good])
    s = np.array([r["alpha_err"] for r in good])
    if len(good) < 2:
        return None, check_points(len(good), 2, what=f"isotherm(s) with a fitted alpha (T = "
                                  f"{', '.join(f'{t:.4g}' for t in T)} K) bracketing "
                                  "alpha = 3")
    try:
        cross = alpha_crossing(T, a, s, method=method)  # type: ignore[arg-type]
    except FitError as exc:
        if "not bracketed" in str(exc):
            return None, _no_crossing_flags(T, a, str(exc))
        return None, [fail("bad_fit", f"alpha = 3 crossing: {exc}")]
    flags = []
    if len(cross["all_K"]) > 1:
        flags.append(warn("several_crossings", "alpha(T) crosses 3 at "
                          f"{', '.join(f'{t:.4g}' for t in cross['all_K'])} K; the highest-T "
                          "crossing is used"))
    return cross, flags


def _ladder_variants(iso: Isotherm, row: dict[str, Any], rn: float, opts: dict[str, Any]
                     ) -> dict[str, np.ndarray]:
    idx = np.flatnonzero(row["mask"])
    k = int(round(0.25 * idx.size))
    out = {}
    for label, sub in (("trim low 25%", idx[k:]), ("trim high 25%", idx[:idx.size - k])):
        if sub.size >= 3:
            m = np.zeros_like(row["mask"])
            m[sub] = True
            out[label] = m
    if opts["window"] is None:
        try:
            out[f"stricter rule (p > {P_STRICT:g})"] = _window_mask(
                iso, row["noise_model"], rn, opts, p_accept=P_STRICT)[0]
        except FitError:
            pass
    return out


def _ladder(isos: list[Isotherm], rows: list[dict[str, Any]], rn: float,
            opts: dict[str, Any], cross: dict[str, Any]) -> tuple[list[dict[str, Any]], float]:
    """T_BKT over the window ladder; returns (entries, systematic).

    For a window nested in the chosen one, ``alpha_j - alpha_0`` has the variance
    ``sigma_j**2 - sigma_0**2`` (same weights, common error scale); propagated through
    the crossing it gives ``sigma_d`` of ``dT = T_j - T_0``. A variant counts when
    ``|dT| > 2 sigma_d`` and contributes ``sqrt(dT**2 - sigma_d**2)``; the systematic is
    the largest contribution (0 when every variant agrees within its noise).
    """
    per: dict[str, list[tuple[float, float, float, float]]] = {}
    for iso, row in zip(isos, rows, strict=True):
        if "alpha" not in row:
            continue
        e0 = row["alpha_err"] / row["error_scale"]
        for label, m in _ladder_variants(iso, row, rn, opts).items():
            try:
                a, e, eu = _fast_alpha(iso.I_A[m], iso.V_V[m], row["noise_model"])
            except FitError:
                continue
            sd = row["error_scale"] * math.sqrt(abs(eu * eu - e0 * e0))
            per.setdefault(label, []).append((iso.T_K, a, e, max(sd, 1e-300)))
    entries, contrib = [], [0.0]
    for label, vals in per.items():
        T, a, e, sd = (np.array(v) for v in zip(*vals, strict=True))
        try:
            c2 = alpha_crossing(T, a, e, method=opts["alpha_interp"])
            sig_d = alpha_crossing(T, a, sd, method=opts["alpha_interp"])["stderr_K"]
        except FitError as exc:
            entries.append({"window": label, "error": str(exc)})
            continue
        d = c2["T_K"] - cross["T_K"]
        contrib.append(excess_shift(d, sig_d, threshold=2.0))
        entries.append({"window": label, "T_BKT_K": c2["T_K"], "stderr_K": c2["stderr_K"],
                        "shift_K": d, "shift_noise_K": sig_d})
    return entries, max(contrib)


def _tbkt(good: list[dict[str, Any]], cross: dict[str, Any], sys_w: float | None
          ) -> tuple[Any, Any, dict[str, float], list[Flag]]:
    from uncertainties import ufloat

    T = np.array([r["T_K"] for r in good])
    a = np.array([r["alpha"] for r in good])
    s = np.array([r["alpha_err"] for r in good])
    samp = crossing_sampling(T, a, s, cross["pair"], cross["T_K"])
    sys = {} if sys_w is None else {"fit window": sys_w}
    if cross["method"] != "linear":  # the parabola correction is that of the linear rule
        samp |= {"sampling_K": abs(samp["bias_K"]), "correction_K": 0.0}
    val, budget = combine_errors(ufloat(cross["T_K"] + samp["correction_K"], cross["stderr_K"]),
                                 sampling=samp["sampling_K"], sys=sys)
    flags: list[Flag] = []
    tot, stat = budget.total, budget.stat or 0.0
    if tot > 0.1 * abs(cross["T_K"]):
        flags.append(warn("large_uncertainty", f"T_BKT_K = {cross['T_K']:.4g} +/- {tot:.2g} K "
                          "(above 10 %)"))
    if budget.sampling > 2.0 * max(stat, budget.systematic):
        flags.append(warn("sampling_limited", f"T_BKT_K: isotherm spacing error "
                          f"{budget.sampling:.2g} K against statistical {stat:.2g} K; "
                          "measure more isotherms near alpha = 3"))
    return val, budget, samp, flags


def _row_flags(rows: list[dict[str, Any]], good: list[dict[str, Any]],
               cross: dict[str, Any] | None) -> list[Flag]:
    """Per-isotherm flags; outside the bracketing pair a failing flag becomes a warning."""
    pair = set() if cross is None else {good[i]["param"] for i in cross["pair"]}
    flags: list[Flag] = []
    for r in rows:
        key = r.get("param")
        strict = key in pair
        for f in r["flags"]:
            flags.append(f if strict or f.severity == "warn" else warn(f.code, f.message))
        for f in r.get("bound_flags", []):
            keep = strict or cross is None
            flags.append(f if keep else warn(f.code, f.message + " (not used for T_BKT)"))
    return flags


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Kind ``bkt-iv``: alpha(T) of every isotherm and T_BKT where alpha = 3.

    Parameters
    ----------
    measurements
        I-V files with ``I_A`` and ``V_V`` (one isotherm per file, T from a ``T_K``
        column or metadata ``T_K``; or one file with several temperatures).
    **options
        See :data:`SPEC` (validated before any work).

    Returns
    -------
    FitResult
        params ``alpha_at_<T>K`` per isotherm (ufloat), ``T_BKT_K`` (ufloat with the
        combined error, budget in ``result.budget``; only when alpha = 3 is bracketed),
        ``T_BKT_K_window_spread`` (K), ``R_N_ohm`` used for the Ohmic cut; ``quality``.

    Raises
    ------
    OptionError
        Bad options.
    RefusedError
        Fewer than two isotherms.
    FitError, DataFormatError
        Missing columns, no isotherm with a usable window, numerical failure.
    """
    opts = SPEC.resolve(options)
    try:
        return _analyze(measurements, opts)
    except KtoError:
        raise
    except (ValueError, ArithmeticError, np.linalg.LinAlgError, IndexError) as exc:
        raise FitError(f"bkt-iv: numerical failure ({type(exc).__name__}: {exc})") from None


def _analyze(measurements: list[Measurement], opts: dict[str, Any]) -> FitResult:
    from uncertainties import ufloat

    isos, grouping = _load(measurements, opts)
    rn = _normal_resistance(isos, opts)
    used: set[str] = set()
    rows = [_isotherm_row(iso, rn, opts, used) for iso in isos]
    good = [r for r in rows if "alpha" in r]
    notes = [f"T = {r['T_K']:.4g} K: no alpha ({r['error']})" for r in rows if "error" in r]
    if not good:
        raise FitError("no isotherm gave a power-law exponent: " + "; ".join(notes))
    params: dict[str, Any] = {r["param"]: ufloat(r["alpha"], r["alpha_err"]) for r in good}
    cross, flags = _crossing(good, opts["alpha_interp"])
    ladder: list[dict[str, Any]] = []
    budget: dict[str, Any] = {}
    samp: dict[str, float] = {}
    if cross is not None:
        sys_w = None
        if opts["ladder"]:
            ladder, sys_w = _ladder(isos, rows, rn, opts, cross)
            vals = [cross["T_K"]] + [x["T_BKT_K"] for x in ladder if "T_BKT_K" in x]
            params["T_BKT_K_window_spread"] = 0.5 * (max(vals) - min(vals))
        params["T_BKT_K"], budget["T_BKT_K"], samp, more = _tbkt(good, cross, sys_w)
        flags += more
    else:
        notes += [f.message for f in flags]
    params |= _stiffness_params(good)
    nk: dict[str, Any] = {}
    if cross is not None:
        nk = nelson_kosterlitz(np.array([r["T_K"] for r in good]),
                               np.array([r["alpha"] for r in good]),
                               np.array([r["alpha_err"] for r in good]), cross["pair"])
        params["alpha_jump"] = ufloat(nk["alpha_jump"], nk["alpha_jump_err"])
        params["J_s_jump_ratio"] = ufloat(nk["J_s_jump_ratio"], nk["J_s_jump_ratio_err"])
        flags += _nk_flags(nk)
    params["R_N_ohm"] = rn
    flags += _grouping_flags(grouping)
    quality = Quality(tuple(_row_flags(rows, good, cross) + flags))
    out = _result(measurements, isos, rows, good, params, opts, cross, ladder, samp, notes,
                  quality, budget)
    out.provenance["grouping"] = grouping
    out.provenance["nelson_kosterlitz"] = nk
    return out


def _stiffness_params(good: list[dict[str, Any]]) -> dict[str, Any]:
    """``J_s_at_<T>K_K`` (J_s/k_B in K, ufloat) per fitted isotherm; also stored on the
    rows (``J_s_J``, ``J_s_err_J``)."""
    from uncertainties import ufloat

    out = {}
    for r in good:
        js, err = stiffness_from_alpha(r["T_K"], r["alpha"], r["alpha_err"])
        r["J_s_J"], r["J_s_err_J"] = float(js), float(err)
        name = r["param"].replace("alpha_at_", "J_s_at_", 1) + "_K"
        out[name] = ufloat(float(js) / _K_B, float(err) / _K_B)
    return out


def _result(measurements: list[Measurement], isos: list[Isotherm], rows: list[dict[str, Any]],
            good: list[dict[str, Any]], params: dict[str, Any], opts: dict[str, Any],
            cross: dict[str, Any] | None, ladder: list[dict[str, Any]],
            samp: dict[str, float], notes: list[str], quality: Quality,
            budget: dict[str, Any]) -> FitResult:
    opts = dict(opts)
    opts["fit_space"] = "log10 V vs log10 I"
    opts["noise_model"] = "sigma_V**2 = a**2 + (m V)**2 per isotherm" if opts[
        "sigma_V_V"] is None else "given constant sigma_V_V"
    opts["scale_covar_used"] = False
    opts["tc_definitions"] = {"T_BKT": "T_BKT_alpha3 (alpha(T) = 3)"}
    hidden = ("mask", "noise_model", "flags", "bound_flags")
    provenance = {
        "files": [str(mm.source) for mm in measurements],
        "columns": {"x": "I_A", "y": "V_V", "T": "T_K"},
        "units": {"I": "A", "V": "V", "T": "K"},
        "isotherms": [{k: v for k, v in r.items() if k not in hidden} for r in rows],
        "window_ladder": ladder, "crossings_K": cross["all_K"] if cross else [],
        "interpolation": samp, "notes": notes,
    }
    stats = {"n_isotherms": len(isos), "n_alpha": len(good), "success": cross is not None}
    plotdata = {"isotherms": [{"T_K": iso.T_K, "I_A": iso.I_A, "V_V": iso.V_V,
                               "mask": r.get("mask"), "alpha": r.get("alpha"),
                               "c": r.get("c")} for r, iso in zip(rows, isos, strict=True)],
                "T_K": np.array([r["T_K"] for r in good]),
                "alpha": np.array([r["alpha"] for r in good]),
                "alpha_err": np.array([r["alpha_err"] for r in good]),
                "J_s_K": np.array([r["J_s_J"] for r in good]) / _K_B,
                "J_s_err_K": np.array([r["J_s_err_J"] for r in good]) / _K_B}
    return FitResult(kind="bkt-iv", params=params, stats=stats, options=opts,
                     provenance=provenance, data=plotdata, quality=quality, budget=budget)


def plot(result: FitResult, fig: Any) -> None:
    """Left: log-log I-V isotherms with the fitted power laws and a V ~ I^3 guide; middle:
    alpha(T) with error bars, the alpha = 3 line and T_BKT (+/- 1 sigma band); right: the
    stiffness J_s/k_B = (alpha - 1) T/pi with the Nelson-Kosterlitz line 2T/pi.

    The figure code lives in :mod:`ktoanalysis.transport.plots.iv`.

    Raises
    ------
    FitError
        An array-level result (:func:`fit_alpha`) without plot data.
    """
    from .plots import draw

    draw(result, fig)
