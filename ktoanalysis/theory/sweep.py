"""Sweeps of the pairing calculation: lambda and Tc versus density, omega(0), orientation,
and the paper's Table III. Results are tidy pandas tables with unit-suffixed columns.

The expensive part of a case (mu, Fermi surface, eigenvectors, vertex matrix elements) is
computed once per (orientation, tb, density) and reused for every omega(0) and dispersion.

A density sweep can record a point that cannot be computed (above the model's density limit,
an open or re-entrant Fermi sheet) as a row with ``status = "failed"`` and the reason, and
hands every finished row to a callback, so a caller can write the table as it grows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import TheoryError
from ..orientations import orientation_spec
from .pairing import PairingProblem, PairingResult, prepare_pairing
from .paper_values import TABLE_III, TABLE_III_TOLERANCE
from .tc import OMEGA_C_CHOICES, omega_c_meV, tc_allen_dynes, tc_bcs, tc_mcmillan

__all__ = ["result_row", "failed_row", "sweep_density", "sweep_omega0", "compute_table3",
           "parse_range", "SWEEP_COLUMNS"]

Progress = Callable[[int, int], None] | None
RowSink = Callable[[dict[str, Any]], None] | None

#: columns of a sweep table, in order (failed rows have NaN where no value exists)
SWEEP_COLUMNS: tuple[str, ...] = (
    "orientation", "tb", "n2d_cm2", "mu_eV", "nbands", "omega0_meV", "omega0_auto",
    "dispersion", "dphi_deg", "quadrature", "measure", "method", "lambda", "omega_c",
    "omega_c_meV",
    "mu_star", "Tc_bcs_K", "Tc_mcmillan_K", "Tc_allen_dynes_K", "status", "reason")


def parse_range(text: str, *, log: bool | None = None) -> np.ndarray:
    """Parse ``"start:stop:num"`` (inclusive, like numpy.linspace) or ``"a,b,c"``.

    Parameters
    ----------
    text
        Range specification, e.g. ``"1e13:1e14:8"`` or ``"2.5,5.6"``.
    log
        Logarithmic spacing for ``start:stop:num``; None picks log when stop/start >= 10.

    Returns
    -------
    ndarray (num,) float
    """
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1:
                raise ValueError
            use_log = (a > 0 and b / a >= 10) if log is None else log
            return np.geomspace(a, b, n) if use_log else np.linspace(a, b, n)
        return np.array([float(x) for x in text.split(",") if x.strip()])
    except (ValueError, ZeroDivisionError):
        raise TheoryError(f"cannot parse range {text!r}; expected 'start:stop:num' or "
                          "comma-separated numbers") from None


def result_row(res: PairingResult, *, omega_c: str = "omega0", mu_star: float = 0.1
               ) -> dict[str, Any]:
    """One tidy row (lambda, Tc by three formulas) for a pairing result.

    Parameters
    ----------
    res
        PairingResult.
    omega_c
        Cut-off choice: ``"omega0"``, ``"omega_2kF_GK"`` or ``"omega_2kF_GM"``.
    mu_star
        Coulomb pseudopotential for McMillan and Allen-Dynes.

    Returns
    -------
    dict with the keys of :data:`SWEEP_COLUMNS` (``status = "ok"``, empty ``reason``).
    """
    wc = omega_c_meV(omega_c, res)
    return {
        "orientation": res.orientation, "tb": res.tb, "n2d_cm2": res.n2d_cm2,
        "mu_eV": res.mu_eV, "nbands": res.nbands, "omega0_meV": res.omega0_meV,
        "omega0_auto": bool(res.options.get("omega0_auto", False)),
        "dispersion": res.dispersion, "dphi_deg": float(res.options.get("dphi_deg", np.nan)),
        "quadrature": res.options.get("quadrature", ""),
        "measure": res.options.get("measure", ""),
        "method": res.options.get("method", "rays"),
        "lambda": res.lam, "omega_c": omega_c, "omega_c_meV": wc, "mu_star": mu_star,
        "Tc_bcs_K": tc_bcs(res.lam, wc),
        "Tc_mcmillan_K": tc_mcmillan(res.lam, wc, mu_star),
        "Tc_allen_dynes_K": tc_allen_dynes(res.lam, wc, mu_star),
        "status": "ok", "reason": "",
    }


def failed_row(orientation: str, tb: str, n2d_cm2: float, reason: str, **known: Any
               ) -> dict[str, Any]:
    """A sweep row for a point that could not be computed.

    Parameters
    ----------
    orientation, tb, n2d_cm2
        The point (density in cm^-2).
    reason
        Why it failed (the error message).
    **known
        Other columns already known (dphi_deg, quadrature, measure, omega0_meV, ...).

    Returns
    -------
    dict with every key of :data:`SWEEP_COLUMNS`, NaN where nothing was computed,
    ``status = "failed"``.
    """
    row: dict[str, Any] = {c: np.nan for c in SWEEP_COLUMNS}
    row.update({k: v for k, v in known.items() if k in row})
    row.update({"orientation": orientation, "tb": tb, "n2d_cm2": float(n2d_cm2),
                "status": "failed", "reason": str(reason)})
    return row


def _as_list(x) -> list:
    if isinstance(x, (str, bytes)) or not isinstance(x, Iterable):
        return [x]
    return list(x)


def sweep_density(orientations: str | Sequence[str], tbs: str | Sequence[str],
                  n2d_cm2: Sequence[float], *, omega0_meV: float | str | Sequence = "auto",
                  dispersion: str | Sequence[str] = "vaks", dphi_deg: float = 1.0,
                  omega_c: str = "omega0", mu_star: float = 0.1, parallel: bool = True,
                  progress: Progress = None, quadrature: str = "trapezoid",
                  measure: str | None = None, on_error: Literal["raise", "record"] = "raise",
                  on_row: RowSink = None, method: str | None = None,
                  **model_options: Any) -> pd.DataFrame:
    """lambda and Tc versus sheet density for one or more orientations and TB sets.

    Parameters
    ----------
    orientations, tbs
        One or several of ``"111"``/``"001"``/``"110"`` and ``"TB1"``/``"TB2"``.
    n2d_cm2
        Densities in cm^-2.
    omega0_meV
        ``"auto"`` (Appendix B at each density), a number (meV) or several.
    dispersion
        ``"vaks"``, ``"none"`` or both.
    dphi_deg
        Angular step on the wedge (deg).
    omega_c, mu_star
        Cut-off choice and Coulomb pseudopotential for the Tc columns.
    parallel
        prange kernels (True) or serial twins.
    progress
        Optional callback ``progress(done, total)``.
    quadrature, measure
        Fermi-surface weights (:func:`~ktoanalysis.theory.pairing.prepare_pairing`);
        measure None: each orientation's default (angle; dos for (110)).
    on_error
        ``"raise"`` (default): the first point that cannot be computed raises its
        :class:`TheoryError`; ``"record"``: it becomes a row with ``status = "failed"``
        and the message in ``reason``, and the sweep goes on.
    on_row
        Optional callback receiving each finished row (dict) as soon as it exists, failed
        ones included (to write the table as it grows).
    method
        Fermi-surface method (``"rays"``, ``"contour"`` or ``"auto"``, see
        :func:`~ktoanalysis.theory.pairing.prepare_pairing`); ``"auto"`` follows the
        (110) sheets past the density where they open. None: each orientation's default
        (rays; auto for (110)).
    **model_options
        Passed to ``make_model``.

    Returns
    -------
    pandas.DataFrame, one row per (orientation, tb, n2d, omega0, dispersion) with the
    columns :data:`SWEEP_COLUMNS` (one row per failed density).
    """
    from .fermi import check_weighting
    from .models import make_model

    if omega_c not in OMEGA_C_CHOICES:
        raise TheoryError(f"unknown omega_c {omega_c!r}; expected one of {OMEGA_C_CHOICES}")
    if on_error not in ("raise", "record"):
        raise TheoryError(f"on_error must be 'raise' or 'record', got {on_error!r}")
    fermi = {o: orientation_spec(o).fermi_options(method, measure)
             for o in _as_list(orientations)}
    for _, meas in fermi.values():
        check_weighting(quadrature, meas)
    n2d = [float(x) for x in _as_list(n2d_cm2)]
    if not n2d or any(not np.isfinite(x) or x <= 0 for x in n2d):
        raise TheoryError(f"densities must be positive numbers in cm^-2, got {n2d_cm2!r}")
    omegas = _as_list(omega0_meV)
    disps = _as_list(dispersion)
    cases = [(o, tb, n) for o in _as_list(orientations) for tb in _as_list(tbs) for n in n2d]
    models: dict[tuple[str, str], Any] = {}
    rows: list[dict[str, Any]] = []
    known = {"dphi_deg": float(dphi_deg), "quadrature": quadrature, "omega_c": omega_c,
             "mu_star": mu_star}

    def emit(row: dict[str, Any]) -> None:
        rows.append(row)
        if on_row is not None:
            on_row(row)

    for idx, (o, tb, n) in enumerate(cases):
        if (o, tb) not in models:
            models[(o, tb)] = make_model(o, tb, **model_options)
        try:
            prob = prepare_pairing(models[(o, tb)], n2d_cm2=n, dphi_deg=dphi_deg,
                                   parallel=parallel, quadrature=quadrature, measure=measure,
                                   method=method)
            done = [result_row(prob.solve(w, d, parallel=parallel), omega_c=omega_c,
                               mu_star=mu_star) for w in omegas for d in disps]
        except TheoryError as exc:
            if on_error == "raise":
                raise
            emit(failed_row(o, tb, n, str(exc), method=fermi[o][0], measure=fermi[o][1],
                            **known))
        else:
            for row in done:
                emit(row)
        if progress is not None:
            progress(idx + 1, len(cases))
    return pd.DataFrame(rows, columns=list(SWEEP_COLUMNS))


def sweep_omega0(orientation: str, tb: str, omega0_meV: Sequence[float], *,
                 n2d_cm2: float = 1e14, dispersion: str | Sequence[str] = ("vaks", "none"),
                 dphi_deg: float = 1.0, omega_c: str = "omega0", mu_star: float = 0.1,
                 parallel: bool = True, problem: PairingProblem | None = None,
                 quadrature: str = "trapezoid", measure: str | None = None,
                 method: str | None = None, **model_options: Any) -> pd.DataFrame:
    """lambda versus omega(0) at fixed density (the paper's Fig. 11).

    Parameters
    ----------
    orientation, tb
        The case.
    omega0_meV
        omega(0) values (meV).
    n2d_cm2
        Density (cm^-2).
    dispersion
        ``"vaks"``, ``"none"`` or both.
    dphi_deg, omega_c, mu_star, parallel
        As in :func:`sweep_density`.
    problem
        A prepared :class:`PairingProblem` to reuse (then the model arguments are ignored).
    quadrature, measure
        Fermi-surface weights (when ``problem`` is not given).
    method
        Fermi-surface method (when ``problem`` is not given): rays, contour or auto.

    Returns
    -------
    pandas.DataFrame with the columns of :func:`result_row` plus ``lambda_x_omega0_meV``.
    """
    from .models import make_model

    if problem is None:
        problem = prepare_pairing(make_model(orientation, tb, **model_options), n2d_cm2=n2d_cm2,
                                  dphi_deg=dphi_deg, parallel=parallel, quadrature=quadrature,
                                  measure=measure, method=method)
    rows = []
    for d in _as_list(dispersion):
        for w in _as_list(omega0_meV):
            row = result_row(problem.solve(float(w), d, parallel=parallel), omega_c=omega_c,
                             mu_star=mu_star)
            row["lambda_x_omega0_meV"] = row["lambda"] * row["omega0_meV"]
            rows.append(row)
    return pd.DataFrame(rows)


def compute_table3(*, dphi_deg: float = 1.0, parallel: bool = True,
                   cases: Sequence[tuple[str, str]] | None = None,
                   progress: Progress = None, quadrature: str = "trapezoid",
                   measure: str = "angle") -> pd.DataFrame:
    """Compute every row of the paper's Table III beside the published value.

    Parameters
    ----------
    dphi_deg
        Angular step (the paper: 1 deg).
    parallel
        prange kernels (True) or serial twins.
    cases
        Restrict to some (orientation, tb) pairs; default all four.
    progress
        Optional callback ``progress(done, total)`` over the (orientation, tb) cases.
    quadrature, measure
        Fermi-surface weights. The paper's own choice is ``quadrature="paper"``,
        ``measure="angle"``; the default (trapezoid rule, same measure) is the converged
        version of it and stays within the Table III tolerances.

    Returns
    -------
    pandas.DataFrame with orientation, tb, omega0_meV, dispersion, lambda (computed),
    lambda_paper, rel_err (computed/paper - 1), rel_tol, within_tol, mu_eV, n2d_cm2,
    dphi_deg, quadrature, measure.
    """
    from .models import make_model

    wanted = None if cases is None else {tuple(c) for c in cases}
    todo = [r for r in TABLE_III if wanted is None or (r[0], r[1]) in wanted]
    keys = list(dict.fromkeys((r[0], r[1]) for r in todo))
    problems: dict[tuple[str, str], PairingProblem] = {}
    for idx, (o, tb) in enumerate(keys):
        problems[(o, tb)] = prepare_pairing(make_model(o, tb), n2d_cm2=1e14, dphi_deg=dphi_deg,
                                            parallel=parallel, quadrature=quadrature,
                                            measure=measure)
        if progress is not None:
            progress(idx + 1, len(keys))
    rows = []
    for o, tb, w, d, lam_paper in todo:
        prob = problems[(o, tb)]
        res = prob.solve(w, d, parallel=parallel)
        rel = res.lam / lam_paper - 1.0
        tol = TABLE_III_TOLERANCE[(o, tb)]
        rows.append({"orientation": o, "tb": tb, "omega0_meV": w, "dispersion": d,
                     "lambda": res.lam, "lambda_paper": lam_paper, "rel_err": rel,
                     "rel_tol": tol, "within_tol": bool(abs(rel) <= tol),
                     "mu_eV": prob.mu_eV, "n2d_cm2": prob.n2d_cm2, "dphi_deg": dphi_deg,
                     "quadrature": quadrature, "measure": measure})
    return pd.DataFrame(rows)

