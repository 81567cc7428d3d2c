"""Hall effect: antisymmetrised R_xy(B), Hall slope, carrier density, mobility, k_F, l.

MODELS.md §1.1-1.2. The raw R_xy is never fitted by default: contact misalignment mixes
R_xx into it, so the odd part is taken first,

* ``"branches"`` (when up and down sweeps exist): ``R_odd(B) = (R_up(B) - R_down(-B))/2``,
  correct also when the sample is magnetically hysteretic;
* ``"pooled"``: all points pooled, ``R_odd(B) = (R(B) - R(-B))/2`` on the B > 0 points
  (the -B side interpolated);

then ``R_odd = R_H*B`` (``form="linear"``) or ``R_H*B + c3*B^3`` (``form="cubic"``) is fitted
in a field window. Derived quantities (errors propagated with correlations) come from
:mod:`ktoanalysis.transport.normal_state`.
"""

from __future__ import annotations

from typing import Any, Literal

import lmfit
import numpy as np
import pandas as pd

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from . import normal_state as ns
from .options import reject_unknown
from .result import FitResult, params_from_lmfit, stats_from_lmfit
from .sweeps import split_sweeps

__all__ = ["hall_odd", "HallModel", "antisymmetrize", "fit_hall", "OPTIONS", "analyze",
           "plot"]


def hall_odd(B_T: Any, R_H: float = 0.0, c: float = 0.0, c3: float = 0.0) -> np.ndarray:
    """Hall line ``R_xy = R_H*B + c + c3*B^3`` (Ohm), B in T, R_H in Ohm/T, c3 in Ohm/T^3."""
    B = np.asarray(B_T, dtype=float)
    return R_H * B + c + c3 * B**3


class HallModel(lmfit.Model):
    """lmfit model of the (antisymmetrised) Hall resistance.

    Parameters
    ----------
    form
        ``"linear"`` (default; single band, low field) or ``"cubic"`` (adds ``c3*B^3``, a
        phenomenological two-band/anomalous correction; R_H is then the B -> 0 slope).
    offset
        Fit the constant ``c`` (only for raw, not antisymmetrised, data).
    """

    valid_forms = ("linear", "cubic")

    def __init__(self, form: str = "linear", offset: bool = False, **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"form must be one of {self.valid_forms}, got {form!r}")
        self.form, self.offset = form, offset
        super().__init__(hall_odd, independent_vars=["B_T"], **kwargs)
        self.set_param_hint("c", value=0.0, vary=offset)
        self.set_param_hint("c3", value=0.0, vary=form == "cubic")

    def guess(self, data: np.ndarray, B_T: np.ndarray, **kws: Any) -> lmfit.Parameters:
        """Starting values from ``np.polyfit``."""
        deg = 3 if self.form == "cubic" else 1
        coef = np.polyfit(np.asarray(B_T, float), np.asarray(data, float), deg)
        pars = self.make_params()
        pars["R_H"].set(value=float(coef[-2]))
        if self.offset:
            pars["c"].set(value=float(coef[-1]))
        if self.form == "cubic":
            pars["c3"].set(value=float(coef[0]))
        return lmfit.models.update_param_vals(pars, self.prefix, **kws)


def _mean_duplicates(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(y).groupby(x).mean()
    return s.index.to_numpy(dtype=float), s.to_numpy(dtype=float)


def antisymmetrize(
    B_T: np.ndarray,
    Rxy_ohm: np.ndarray,
    direction: np.ndarray | None = None,
    method: Literal["auto", "branches", "pooled"] = "auto",
    source: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Odd-in-B part of a Hall sweep.

    Parameters
    ----------
    B_T, Rxy_ohm
        Field (T) and transverse resistance (Ohm).
    direction
        Per point ``+1`` (up sweep) / ``-1`` (down sweep), or None (unknown).
    method
        ``"branches"``, ``"pooled"``, or ``"auto"`` (branches when both directions exist).

    Returns
    -------
    B, R_odd, R_even, method
        Fields of the odd points (T), odd part (Ohm), even part at the same fields (Ohm)
        and the method used.

    Raises
    ------
    DataFormatError
        If the field does not span both signs.
    """
    B = np.asarray(B_T, float)
    R = np.asarray(Rxy_ohm, float)
    if not (B.min() < 0 < B.max()):
        raise DataFormatError(
            f"field range [{B.min():.4g}, {B.max():.4g}] T does not span both signs: "
            "cannot antisymmetrise R_xy", file=source, column="B_T",
            expected="a sweep through B = 0 (or antisymmetrize='none')")
    has_both = direction is not None and np.any(direction > 0) and np.any(direction < 0)
    if method == "auto":
        method = "branches" if has_both else "pooled"
    if method == "branches":
        if not has_both:
            raise DataFormatError("antisymmetrize='branches' needs both up and down sweeps",
                                  file=source, column="B_T")
        bu, ru = _mean_duplicates(B[direction > 0], R[direction > 0])
        bd, rd = _mean_duplicates(B[direction < 0], R[direction < 0])
        m = (-bu >= bd.min()) & (-bu <= bd.max()) & (bu != 0)
        partner = np.interp(-bu[m], bd, rd)
        return bu[m], (ru[m] - partner) / 2, (ru[m] + partner) / 2, method
    if method != "pooled":
        raise FitError(f"antisymmetrize must be auto|branches|pooled|none, got {method!r}")
    b, r = _mean_duplicates(B, R)
    m = (b > 0) & (-b >= b.min())
    partner = np.interp(-b[m], b, r)
    return b[m], (r[m] - partner) / 2, (r[m] + partner) / 2, method


def fit_hall(
    B_T: np.ndarray,
    Rxy_ohm: np.ndarray,
    *,
    direction: np.ndarray | None = None,
    antisym: Literal["auto", "branches", "pooled", "none"] = "auto",
    form: Literal["linear", "cubic"] = "linear",
    B_max_T: float | None = None,
    B_min_T: float = 0.0,
    R_S_ohm: Any = None,
    hall_sign: Literal["standard", "reversed"] = "standard",
    degeneracy: int = 2,
    sigma_ohm: float | None = None,
    nonlinearity_sigma: float = 3.0,
    source: str | None = None,
) -> FitResult:
    """Hall slope and derived normal-state quantities from R_xy(B).

    Parameters
    ----------
    B_T, Rxy_ohm
        Field (T) and Hall resistance (Ohm).
    direction
        Per-point sweep direction (+1 up, -1 down) for branch antisymmetrisation.
    antisym
        ``"auto"`` (default), ``"branches"``, ``"pooled"`` or ``"none"`` (raw fit with a
        free offset; not recommended, MODELS.md §1.1 pitfall a).
    form
        ``"linear"`` (default) or ``"cubic"``.
    B_max_T, B_min_T
        Fit window in |B| (T); default: all fields.
    R_S_ohm
        Sheet resistance (Ohm/sq) at the same T and B = 0 (float or ufloat); enables
        mobility, mean free path and k_F*l.
    hall_sign
        ASSUMPTION ``hall_sign`` (see :func:`normal_state.carrier_type`).
    degeneracy
        ASSUMPTION ``degeneracy`` g (default 2).
    sigma_ohm
        Known noise of R_xy (Ohm): weights 1/sigma (odd part: sigma/sqrt(2)) and
        ``scale_covar=False``; default: covariance scaled by chi2_red.
    nonlinearity_sigma
        Flag non-linearity when the slopes of the lower and upper halves of the window
        differ by more than this many standard errors.

    Returns
    -------
    FitResult
        ``R_H_ohm_T``, ``n2d_m2``, ``n2d_cm2``, ``kF_m`` and, with R_S, ``R_S_ohm``,
        ``mobility_m2_Vs``, ``mobility_cm2_Vs``, ``l_mfp_m``, ``kF_l``.
    """
    B = np.asarray(B_T, float)
    R = np.asarray(Rxy_ohm, float)
    if B.size != R.size:
        raise DataFormatError("B and R_xy differ in length", file=source)
    if not (np.all(np.isfinite(B)) and np.all(np.isfinite(R))):
        raise DataFormatError("NaN or infinite values in B or R_xy", file=source,
                              expected="finite numbers")
    if antisym == "none":
        Bf, Rf, Reven, method = B, R, None, "none"
    else:
        Bf, Rf, Reven, method = antisymmetrize(B, R, direction, antisym, source)
    aB = np.abs(Bf)
    bmax = float(aB.max()) if B_max_T is None else float(B_max_T)
    win = (aB <= bmax) & (aB >= B_min_T)
    Bw, Rw = Bf[win], Rf[win]
    model = HallModel(form=form, offset=method == "none")
    nvary = 1 + (form == "cubic") + (method == "none")
    if Bw.size < nvary + 3:
        raise FitError(f"only {Bw.size} antisymmetrised points in the window "
                       f"{B_min_T:g} <= |B| <= {bmax:g} T (need >= {nvary + 3})")
    if np.ptp(Bw) == 0:
        raise FitError("all fields equal in the window: no slope")
    sig_eff = None
    if sigma_ohm is not None:
        sig_eff = sigma_ohm / np.sqrt(2) if method != "none" else sigma_ohm
    pars = model.guess(Rw, B_T=Bw)
    res = model.fit(Rw, pars, B_T=Bw, weights=None if sig_eff is None else 1 / sig_eff,
                    scale_covar=sig_eff is None)
    names = {"R_H": "R_H_ohm_T"}
    if form == "cubic":
        names["c3"] = "c3_ohm_T3"
    if method == "none":
        names["c"] = "Rxy_offset_ohm"
    params: dict[str, Any] = params_from_lmfit(res, names)
    rh = params["R_H_ohm_T"]
    if abs(rh.nominal_value) < 2 * rh.std_dev:
        raise FitError(f"Hall slope {rh.nominal_value:.3g} +/- {rh.std_dev:.2g} Ohm/T is not "
                       "significant (< 2 sigma): no carrier density")
    n = ns.hall_density(rh)
    params.update({"n2d_m2": n, "n2d_cm2": n * 1e-4,
                   "kF_m": ns.fermi_wavevector(n, degeneracy)})
    if Reven is not None:
        near0 = np.argsort(np.abs(Bf))[:3]
        params["Rxy_even_B0_ohm"] = float(np.mean(Reven[near0]))
    if R_S_ohm is not None:
        params["R_S_ohm"] = R_S_ohm
        mu = ns.mobility(n, R_S_ohm)
        params.update({"mobility_m2_Vs": mu, "mobility_cm2_Vs": mu * 1e4,
                       "l_mfp_m": ns.mean_free_path(n, R_S_ohm, degeneracy),
                       "kF_l": ns.kf_l(R_S_ohm, degeneracy)})
    nonlin = _nonlinearity(Bw, Rw, method == "none", nonlinearity_sigma)
    band = res.eval_uncertainty(B_T=np.sort(Bw), sigma=1)
    options = {
        "antisymmetrize": method, "form": form, "B_window_T": [B_min_T, bmax],
        "hall_sign": hall_sign, "carrier_type": ns.carrier_type(rh.nominal_value, hall_sign),
        "degeneracy": degeneracy,
        "single_band_note": "k_F, l, k_F*l are effective single-band numbers",
        "mobility": "from R_S_ohm" if R_S_ohm is not None
        else "not computed (give R_S_ohm, or an R_xx column with W_m and L_m)",
        "uncertainty": "weights=1/sigma, scale_covar=False" if sig_eff is not None
        else "lmfit default: covariance scaled by chi2_red",
        "nonlinearity": nonlin,
    }
    return FitResult(
        kind="hall", params=params, stats=stats_from_lmfit(res), options=options,
        provenance={"source": source, "npoints": int(Bw.size),
                    "units": {"B": "T", "R_xy": "Ohm"}},
        data={"B_raw_T": B, "Rxy_raw_ohm": R, "B_T": Bw, "Rodd_ohm": Rw,
              "fit": res.best_fit, "B_sorted_T": np.sort(Bw),
              "fit_sorted": res.eval(B_T=np.sort(Bw)), "band": band,
              "residual": Rw - res.best_fit},
        lmfit_result=res,
    )


def _nonlinearity(B: np.ndarray, R: np.ndarray, offset: bool, k: float) -> dict[str, Any]:
    """Compare the slopes of the lower and upper halves of |B| (MODELS.md §1.1 pitfall b)."""
    aB = np.abs(B)
    b1 = float(aB.max()) / 2
    out: dict[str, Any] = {"B_split_T": b1}
    slopes = []
    # odd data are folded onto B > 0 (x = |B|, y = sign(B)*R) so each half gives its local
    # slope; raw data (offset fitted) are used as they are
    x_all, y_all = (B, R) if offset else (aB, np.sign(B) * R)
    for sel in (aB <= b1, aB > b1):
        if sel.sum() < 4:
            return out | {"flag": None, "note": "too few points to compare slopes"}
        x = x_all[sel]
        A = np.c_[x, np.ones_like(x)]
        coef, *_ = np.linalg.lstsq(A, y_all[sel], rcond=None)
        resid = y_all[sel] - A @ coef
        dof = max(sel.sum() - A.shape[1], 1)
        cov = np.linalg.inv(A.T @ A) * float(resid @ resid) / dof
        slopes.append((float(coef[0]), float(np.sqrt(cov[0, 0]))))
    (s1, e1), (s2, e2) = slopes
    nsig = abs(s1 - s2) / max(np.hypot(e1, e2), 1e-300)
    return out | {"slope_low_ohm_T": s1, "slope_low_err": e1, "slope_high_ohm_T": s2,
                  "slope_high_err": e2, "difference_sigma": float(nsig),
                  "flag": bool(nsig > k)}


# ----------------------------------------------------------------------------------------
# CLI / batch
# ----------------------------------------------------------------------------------------

OPTIONS: dict[str, str] = {
    "hall_column": "column of R_xy (default: Rxy_ohm / first Rxy_* column), e.g. R_ch2_ohm",
    "rxx_column": "column of R_xx for R_S (default: the resistance column, if W_m/L_m given)",
    "R_S_ohm": "sheet resistance at B = 0, same T (Ohm/sq); enables mobility, l, k_F l",
    "W_m": "channel width (m): R_S = R_xx(B=0)*W/L",
    "L_m": "voltage-probe distance (m)",
    "antisymmetrize": "auto (default) | branches (up vs down) | pooled | none",
    "form": "linear (default) | cubic (adds c3*B^3; R_H = B->0 slope)",
    "B_max_T": "upper |B| of the fit window (T); default: all",
    "B_min_T": "lower |B| of the fit window (T); default 0",
    "hall_sign": "standard (electrons: R_H < 0, default) | reversed",
    "degeneracy": "g = g_s*g_v for k_F and l (default 2)",
    "sigma_ohm": "known 1-sigma noise of R_xy (then scale_covar=False)",
}


def _hall_column(m: Measurement, name: str | None) -> str:
    if name is not None:
        if name not in m.data.columns:
            raise DataFormatError(f"no Hall column {name!r}", file=m.source, column=name,
                                  expected=f"one of {m.columns}")
        return name
    import re

    cands = [c for c in m.data.columns if re.fullmatch(r"Rxy(_ch\d+)?_ohm", str(c))]
    if not cands:
        raise DataFormatError(
            "no Hall column (Rxy_ohm); pass -o hall_column=NAME (e.g. R_ch2_ohm)",
            file=m.source, column="Rxy_ohm", expected=f"one of {m.columns}")
    return cands[0]


def robust_split_sweeps(m: Measurement, x: str, y: str, by: str | None,
                        by_tol: float = 0.02, min_points: int = 5) -> list:
    """:func:`split_sweeps`, retried without the last rows when a direction change on the
    very last step trips it (jitter of the field at the end of a file)."""
    data = m.data
    for drop in range(4):
        try:
            mm = m if drop == 0 else Measurement(data=data.iloc[:-drop], metadata=m.metadata)
            return split_sweeps(mm, x=x, y=y, by=by, by_tol=by_tol, min_points=min_points)
        except IndexError:
            continue
    raise DataFormatError(f"cannot split {x} into monotonic sweeps", file=m.source, column=x)


def _rxx_zero_field(B: np.ndarray, R: np.ndarray) -> Any:
    """R_xx at B = 0 from an even fit ``R = a + c B^2`` to the low-field points.

    The window holds the points with |B| up to a quarter of the field range (at least 7
    points); the error is the 1-sigma error of ``a`` with the covariance scaled by the
    reduced chi-square. With fewer than 4 points the mean is returned without an error.
    """
    from uncertainties import ufloat

    B = np.asarray(B, float)
    R = np.asarray(R, float)
    bmax = float(np.max(np.abs(B))) if B.size else 0.0
    sel = np.abs(B) <= 0.25 * bmax
    if sel.sum() < 7:
        sel = np.zeros(B.size, bool)
        sel[np.argsort(np.abs(B))[: min(7, B.size)]] = True
    Bs, Rs = B[sel], R[sel]
    if Bs.size < 4:
        return float(np.mean(Rs))
    X = np.column_stack([np.ones_like(Bs), Bs**2])
    coef, res, rank, _ = np.linalg.lstsq(X, Rs, rcond=None)
    if rank < 2:
        return float(np.mean(Rs))
    dof = Bs.size - 2
    resid = Rs - X @ coef
    s2 = float(resid @ resid) / dof
    cov = s2 * np.linalg.inv(X.T @ X)
    err = float(np.sqrt(cov[0, 0]))
    return ufloat(float(coef[0]), err) if err > 0 else float(coef[0])


def analyze(measurements: list[Measurement], **options: Any) -> FitResult:
    """Hall analysis (the ``hall`` kind); see :data:`OPTIONS`. Measurements are pooled."""
    if not measurements:
        raise FitError("no measurement given")
    reject_unknown(options, [*OPTIONS, "channel"], "hall")
    Bs, Rs, Ds, Xs, XB, T, cols = [], [], [], [], [], [], set()
    for m in measurements:
        hc = _hall_column(m, options.get("hall_column"))
        cols.add(hc)
        df = m.data
        sweeps = robust_split_sweeps(m, x="B_T", y=hc, by=None)
        for s in sweeps:
            Bs.append(s.x)
            Rs.append(s.y)
            Ds.append(np.full(s.x.size, 1 if s.direction == "up" else -1))
        if "T_K" in df.columns:
            T.append(m.column("T_K", dropna=True))
        want_rxx = options.get("R_S_ohm") is None and ("W_m" in options or "L_m" in options)
        if want_rxx:
            rc = options.get("rxx_column") or m.resistance_column(options.get("channel"))
            if rc == hc:
                raise FitError(f"R_xx column {rc!r} is the Hall column; set rxx_column")
            cols.add(rc)
            b, r = m.xy("B_T", rc)
            Xs.append(r)
            XB.append(b)
    B, R, D = np.concatenate(Bs), np.concatenate(Rs), np.concatenate(Ds)
    src = ", ".join(str(m.source) for m in measurements)
    R_S = options.get("R_S_ohm")
    rs_note = "option R_S_ohm" if R_S is not None else None
    if R_S is None and Xs:
        if "W_m" not in options or "L_m" not in options:
            raise FitError("R_S from R_xx needs both W_m and L_m (or give R_S_ohm)")
        rxx0 = _rxx_zero_field(np.concatenate(XB), np.concatenate(Xs))
        R_S = ns.sheet_from_wire(rxx0, float(options["W_m"]), float(options["L_m"]))
        rs_note = "R_xx(B=0) * W/L"
    res = fit_hall(
        B, R, direction=D, antisym=options.get("antisymmetrize", "auto"),
        form=options.get("form", "linear"), B_max_T=options.get("B_max_T"),
        B_min_T=float(options.get("B_min_T", 0.0)), R_S_ohm=R_S,
        hall_sign=options.get("hall_sign", "standard"),
        degeneracy=int(options.get("degeneracy", 2)), sigma_ohm=options.get("sigma_ohm"),
        source=src)
    opts = dict(res.options)
    opts.update({"hall_column": sorted(cols), "R_S_source": rs_note,
                 "W_m": options.get("W_m"), "L_m": options.get("L_m")})
    prov = dict(res.provenance)
    prov.update({"files": [str(m.source) for m in measurements], "columns": ["B_T"] + sorted(cols),
                 "T_K": float(np.mean(np.concatenate(T))) if T else None})
    return FitResult(kind="hall", params=res.params, stats=res.stats, options=opts,
                     provenance=prov, data=res.data, lmfit_result=res.lmfit_result)


def plot(result: FitResult, fig) -> None:
    """Raw R_xy, antisymmetrised R_xy with fit and 1-sigma band, residuals."""
    from ..plotting import residual_axes

    d = result.data
    ax, axr = residual_axes(fig)
    ax.plot(d["B_T"], d["Rodd_ohm"], "o", ms=3, label="R_xy odd part (data)")
    ax.plot(d["B_sorted_T"], d["fit_sorted"], "-",
            label=f"fit ({result.options.get('form')}): R_H = "
                  f"{result.value('R_H_ohm_T'):.4g} Ω/T")
    ax.fill_between(d["B_sorted_T"], d["fit_sorted"] - d["band"],
                    d["fit_sorted"] + d["band"], alpha=0.3, label="1σ band")
    ax.set_ylabel("R_xy,odd (Ω)")
    ax.legend(fontsize=8)
    axr.plot(d["B_T"], d["residual"], "o", ms=3)
    axr.axhline(0, color="k", lw=0.8)
    axr.set_xlabel("B (T)")
    axr.set_ylabel("residual (Ω)")
