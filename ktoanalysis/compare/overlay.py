"""Theory against experiment: Tc(n2D) and the coupling constant lambda per orientation.

Three inputs, all tidy tables:

* **results** (this study): the batch runner's ``results.csv`` with at least the columns
  ``sample, orientation, n2d_cm2`` and one Tc column (``Tc_mid_K``, ``Tc_zero_K``,
  ``Tc_onset_K``, ``T_BKT_K`` or ``Tc_K``), each optionally with its one-sigma error in
  ``<column>_err`` (and ``n2d_cm2_err``). Rows whose chosen Tc is missing (other analysis
  kinds) are ignored.
* **theory**: one row per (orientation, tight-binding model, density, omega_c choice, mu*,
  Tc method) with the columns of :data:`THEORY_COLUMNS`::

      orientation     "111", "110" or "001"
      tb              tight-binding model label ("TB1", "TB2")
      n2d_cm2         sheet density, cm^-2
      omega0_meV      zone-centre TO1 energy used at that density, meV
      lambda          BCS coupling constant (dimensionless)
      Tc_K            Tc from lambda by Tc_method, K (0 allowed: no superconductivity)
      Tc_method       "BCS", "McMillan", "Allen-Dynes", ...
      omega_c_choice  name of the cut-off energy ("omega0", "omega_2kF_GK", ...)
      mu_star         Coulomb pseudopotential (NaN or 0 for BCS)

  An optional column ``omega_c_meV`` gives the cut-off energy itself. Without it, the
  cut-off of a row is recovered (see :func:`resolve_omega_c`) from ``omega0_meV`` when the
  choice is named ``omega0``, or by inverting a BCS row of the same choice.
* **literature**: :func:`ktoanalysis.compare.literature.load_literature`.

:func:`plot_overlay` draws two panels: measured Tc against n2D over the theory Tc(n2D)
(central choice as a line, the spread over omega_c and mu* choices as a band), and the
lambda needed to give each measured Tc (BCS inverted with the same omega_c) against the
lambda the theory computes at that density. :func:`compare_table` returns the numbers of
the second panel as a table.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._fileio import results_path
from ..errors import DataFormatError, KtoError
from ..orientations import (
    NO_REFERENCE,
    ORIENTATION_SPECS,
    ORIENTATIONS,
    VALIDATED_ORIENTATIONS,
)
from ..theory import tc as _theory_tc
from .literature import LAMBDA_NEEDED_QUOTED, load_literature, normalize_orientation

__all__ = [
    "THEORY_COLUMNS",
    "TC_COLUMNS",
    "BCS_PREFACTOR",
    "K_PER_MEV",
    "bcs_tc_K",
    "lambda_needed",
    "load_results",
    "load_theory",
    "validate_theory",
    "resolve_omega_c",
    "measured_table",
    "compare_table",
    "theory_table",
    "theory_settings",
    "bundled_theory",
    "tidy_theory",
    "plot_overlay",
]


log = logging.getLogger(__name__)

#: required columns of a theory table, in this order when written
THEORY_COLUMNS: tuple[str, ...] = (
    "orientation", "tb", "n2d_cm2", "omega0_meV", "lambda", "Tc_K", "Tc_method",
    "omega_c_choice", "mu_star",
)
#: Tc columns of a results table, in fallback order
TC_COLUMNS: tuple[str, ...] = ("Tc_mid_K", "Tc_zero_K", "Tc_onset_K", "T_BKT_K", "Tc_K")
#: weak-coupling BCS prefactor 2 e^gamma / pi = 1.1339 and kelvin per meV: the one source is
#: :mod:`ktoanalysis.theory.tc` (re-exported here for the overlay's users)
BCS_PREFACTOR: float = _theory_tc.BCS_PREFACTOR
K_PER_MEV: float = _theory_tc.MEV_TO_K

#: default densities of an on-the-fly theory sweep, cm^-2
DEFAULT_N2D_CM2: tuple[float, ...] = tuple(np.linspace(2e13, 1.6e14, 8))

_OMEGA0_NAMES = {"omega0", "omega(0)", "omega_0", "w0", "omega0_meV"}
_OTHER_COLOR = "0.45"
_CRITERION_MARKERS = {
    "onset": ("^", "onset"), "mid": ("s", "mid (50 % R_N)"), "zero": ("v", "zero resistance"),
    "BKT_IV": ("D", "BKT, V ~ I^3"), "BKT_HN": ("d", "BKT, Halperin-Nelson"),
    "unspecified": ("X", "criterion not given"),
}
_TC_LABELS = {"Tc_mid_K": "Tc mid", "Tc_zero_K": "Tc zero", "Tc_onset_K": "Tc onset",
              "T_BKT_K": "T_BKT", "Tc_K": "Tc"}
#: legend words of this study's Tc columns (the legend never shows a column name)
_TC_WORDS = {"Tc_mid_K": "$T_c$ at 50 % of $R_N$", "Tc_zero_K": "$T_c$ at zero resistance",
             "Tc_onset_K": "$T_c$ at the onset", "T_BKT_K": "BKT temperature",
             "Tc_K": "$T_c$"}
#: legend words of the theory's cut-off choices
_OMEGA_C_WORDS = {"omega0": r"$\omega(0)$",
                  "omega_2kF_GK": r"$\omega(2k_F)$ along $\Gamma$-K",
                  "omega_2kF_GM": r"$\omega(2k_F)$ along $\Gamma$-M"}
#: settings of the pairing theory that a stored theory table records, and the value each
#: has when a table lacks its column (tables written before the setting existed)
THEORY_SETTINGS: tuple[str, ...] = ("dispersion", "omega0_auto", "dphi_deg", "quadrature",
                                    "measure", "method")
_LEGACY_SETTINGS: dict[str, Any] = {"quadrature": "paper", "measure": "angle",
                                    "method": "rays"}


# ----------------------------------------------------------------------------- formulas

def bcs_tc_K(lambda_: Any, omega_c_meV: Any) -> Any:
    """Weak-coupling BCS transition temperature.

    ``Tc = 1.134 omega_c exp(-1/lambda)`` (prefactor :data:`BCS_PREFACTOR`).

    Parameters
    ----------
    lambda_
        Coupling constant(s), dimensionless; lambda <= 0 gives Tc = 0.
    omega_c_meV
        Cut-off energy in meV.

    Returns
    -------
    float or ndarray
        Tc in K.
    """
    lam, w = np.broadcast_arrays(np.asarray(lambda_, dtype=float),
                                 np.asarray(omega_c_meV, dtype=float))

    def one(la: float, wc: float) -> float:
        if not (np.isfinite(la) and np.isfinite(wc) and wc > 0):
            return math.nan
        return float(_theory_tc.tc_bcs(max(la, 0.0), wc))

    tc = np.vectorize(one, otypes=[float])(lam, w)
    return tc if tc.ndim else float(tc)


def lambda_needed(Tc_K: Any, omega_c_meV: Any, Tc_K_err: Any = None) -> tuple[Any, Any]:
    """Coupling constant that gives a measured Tc in weak-coupling BCS.

    Inverts ``Tc = 1.134 omega_c exp(-1/lambda)``:
    ``lambda = 1 / ln(1.134 omega_c / Tc)``, with the error propagated to first order,
    ``sigma_lambda = lambda^2 sigma_Tc / Tc``.

    Parameters
    ----------
    Tc_K
        Measured transition temperature(s), K.
    omega_c_meV
        Cut-off energy, meV (same choice as the theory it is compared with).
    Tc_K_err
        One-sigma error of Tc, K (optional).

    Returns
    -------
    (lambda, lambda_err)
        Floats or arrays; NaN where Tc >= 1.134 omega_c (no weak-coupling solution) or the
        input is missing; ``lambda_err`` is NaN when no error was given.
    """
    from ..errors import TheoryError

    tc, w = np.broadcast_arrays(np.asarray(Tc_K, dtype=float),
                                np.asarray(omega_c_meV, dtype=float))

    def one(t: float, wc: float) -> float:
        if not (np.isfinite(t) and np.isfinite(wc) and t > 0 and wc > 0):
            return math.nan
        try:
            return float(_theory_tc.lambda_for_tc(t, wc, "bcs"))
        except TheoryError:
            return math.nan

    lam = np.vectorize(one, otypes=[float])(tc, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        if Tc_K_err is None:
            err = np.full_like(lam, np.nan)
        else:
            err = lam**2 * np.asarray(Tc_K_err, dtype=float) / tc
    if lam.ndim == 0:
        return float(lam), float(err)
    return lam, err


# ----------------------------------------------------------------------------- inputs

def load_results(results: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Read a results table (the batch runner's ``results.csv``).

    Parameters
    ----------
    results
        DataFrame, CSV path, or a folder holding ``results.csv``.

    Returns
    -------
    pandas.DataFrame
        The table with ``orientation`` normalised to strings (``"001"``) and ``n2d_cm2``
        as float (cm^-2; from the batch runner's ``n2d_m2`` metadata column when present).

    Raises
    ------
    DataFormatError
        Missing file, or no ``orientation``/``n2d_cm2`` column.
    """
    source: str | Path = "results table"
    if isinstance(results, pd.DataFrame):
        df = results.copy()
    else:
        path = results_path(results,
                            expected="a CSV written by the batch runner (results.csv)")
        source = path
        try:
            df = pd.read_csv(path, dtype={"orientation": str, "sample": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataFormatError(f"cannot parse CSV ({exc})", file=path) from exc
    if "n2d_m2" in df.columns:
        # the batch runner stores the manifest's density in SI (m^-2); an ``n2d_cm2``
        # column there is a fitted Hall density of the hall rows, not the sample metadata
        df["n2d_cm2"] = _numeric(df["n2d_m2"], "n2d_m2", source) * 1e-4
    for col in ("orientation", "n2d_cm2"):
        if col not in df.columns:
            raise DataFormatError("missing column", file=source, column=col,
                                  expected="columns sample, orientation, n2d_cm2 and a Tc "
                                           "column (" + ", ".join(TC_COLUMNS) + ")")
    if "sample" not in df.columns:
        df["sample"] = [f"row {i + 1}" for i in range(len(df))]
    df["orientation"] = [normalize_orientation(v) for v in df["orientation"]]
    df["n2d_cm2"] = _numeric(df["n2d_cm2"], "n2d_cm2", source)
    return df


def _numeric(series: pd.Series, column: str, source: str | Path) -> np.ndarray:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & series.notna().to_numpy() & (series.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataFormatError(f"{series.iloc[i]!r} is not a number", file=source,
                              line=i + 2, column=column, expected="a number")
    return values


def validate_theory(theory: pd.DataFrame, source: str | Path = "theory table") -> pd.DataFrame:
    """Check a theory table and normalise its types.

    Parameters
    ----------
    theory
        Table with the columns :data:`THEORY_COLUMNS` (extra columns are kept; an optional
        ``omega_c_meV`` is used as the cut-off energy).
    source
        Name used in error messages (file path).

    Returns
    -------
    pandas.DataFrame
        Copy with string ``orientation``/``tb``/``Tc_method``/``omega_c_choice`` and float
        numeric columns.

    Raises
    ------
    DataFormatError
        A missing column, a non-numeric value, a negative density/Tc/omega or an empty
        table.
    """
    missing = [c for c in THEORY_COLUMNS if c not in theory.columns]
    if missing:
        raise DataFormatError(f"missing column(s) {missing}", file=source, column=missing[0],
                              expected="columns " + ", ".join(THEORY_COLUMNS))
    if len(theory) == 0:
        raise DataFormatError("empty theory table", file=source, expected="at least one row")
    df = theory.copy().reset_index(drop=True)
    df["orientation"] = [normalize_orientation(v) for v in df["orientation"]]
    for col in ("tb", "Tc_method", "omega_c_choice"):
        df[col] = df[col].fillna("").astype(str).str.strip()
    numeric = ["n2d_cm2", "omega0_meV", "lambda", "Tc_K", "mu_star"]
    if "omega_c_meV" in df.columns:
        numeric.append("omega_c_meV")
    for col in numeric:
        df[col] = _numeric(df[col], col, source)
    for col, allow_nan in (("n2d_cm2", False), ("Tc_K", True), ("omega0_meV", True)):
        v = df[col].to_numpy()
        bad = (v < 0) | (~np.isfinite(v) if not allow_nan else np.isinf(v))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataFormatError(f"{col} = {v[i]!r}", file=source, line=i + 2, column=col,
                                  expected="a finite value >= 0")
    return df


def load_theory(path: str | Path) -> pd.DataFrame:
    """Read and validate a theory CSV (columns :data:`THEORY_COLUMNS`).

    A CSV of the pairing sweep's wide rows (``Tc_bcs_K``, ``Tc_mcmillan_K``...) is accepted
    too and converted with :func:`tidy_theory`.

    Parameters
    ----------
    path
        CSV file.

    Returns
    -------
    pandas.DataFrame
        See :func:`validate_theory`.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError("theory table not found", file=path,
                              expected="a CSV with columns " + ", ".join(THEORY_COLUMNS))
    try:
        df = pd.read_csv(path, dtype={"orientation": str, "tb": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"cannot parse CSV ({exc})", file=path) from exc
    if "Tc_K" not in df.columns and "Tc_bcs_K" in df.columns:
        df = tidy_theory(df)  # the sweep's wide rows
    return validate_theory(df, source=path)


def _as_theory(theory: pd.DataFrame | str | Path | None) -> pd.DataFrame | None:
    if theory is None:
        return None
    if isinstance(theory, pd.DataFrame):
        if "Tc_K" not in theory.columns and "Tc_bcs_K" in theory.columns:
            theory = tidy_theory(theory)
        return resolve_omega_c(validate_theory(theory))
    return resolve_omega_c(load_theory(theory))


def resolve_omega_c(theory: pd.DataFrame) -> pd.DataFrame:
    """Add the cut-off energy ``omega_c_meV`` of every theory row.

    In order: an existing finite ``omega_c_meV``; ``omega0_meV`` when the choice is named
    ``omega0`` (or ``omega(0)``, ``omega_0``, ``w0``); ``Tc exp(1/lambda) / 1.134`` from a
    BCS row with Tc > 0; the value found for another row with the same orientation, tb,
    density and choice. Rows left without one get NaN (their lambda cannot be inverted).

    Parameters
    ----------
    theory
        Validated theory table.

    Returns
    -------
    pandas.DataFrame
        Copy with a float ``omega_c_meV`` column (meV).
    """
    df = theory.copy()
    w = (df["omega_c_meV"].to_numpy(dtype=float).copy() if "omega_c_meV" in df.columns
         else np.full(len(df), np.nan))
    is_w0 = df["omega_c_choice"].str.lower().isin({s.lower() for s in _OMEGA0_NAMES})
    take = ~np.isfinite(w) & is_w0.to_numpy()
    w[take] = df["omega0_meV"].to_numpy(dtype=float)[take]
    lam = df["lambda"].to_numpy(dtype=float)
    tc = df["Tc_K"].to_numpy(dtype=float)
    bcs = df["Tc_method"].str.upper().eq("BCS").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        from_bcs = np.exp(np.log(tc / (BCS_PREFACTOR * K_PER_MEV)) + 1.0 / lam)
    take = ~np.isfinite(w) & bcs & (tc > 0) & (lam > 0) & np.isfinite(from_bcs)
    w[take] = from_bcs[take]
    df["omega_c_meV"] = w
    key = ["orientation", "tb", "n2d_cm2", "omega_c_choice"]
    filled = df.groupby(key, sort=False)["omega_c_meV"].transform("median")
    df["omega_c_meV"] = df["omega_c_meV"].fillna(filled)
    return df


def _choice(values: pd.Series, wanted: Any, name: str) -> Any:
    """The central value of a choice column: ``wanted`` or the first in table order."""
    uniq: list[Any] = []
    for u in values.tolist():
        if pd.isna(u):
            if not any(pd.isna(w) for w in uniq):
                uniq.append(np.nan)  # NaN != NaN: keep one
        elif u not in uniq:
            uniq.append(u)
    if wanted is None:
        return uniq[0]
    for u in uniq:
        if isinstance(u, str) or isinstance(wanted, str):
            if u == wanted:
                return u
        elif not pd.isna(u) and np.isclose(float(u), float(wanted)):
            return u
    raise KtoError(f"{name}={wanted!r} is not in the theory table (choices: {uniq})")


def _central_mask(df: pd.DataFrame, central: dict[str, Any]) -> np.ndarray:
    mask = np.ones(len(df), dtype=bool)
    for col, val in central.items():
        if col == "mu_star":
            v = df[col].to_numpy(dtype=float)
            mask &= np.isnan(v) if pd.isna(val) else np.isclose(v, float(val))
        else:
            mask &= (df[col] == val).to_numpy()
    return mask


def _central_choices(theory: pd.DataFrame, omega_c: str | None, mu_star: float | None,
                     tc_method: str | None) -> dict[str, Any]:
    """Central (omega_c choice, Tc method, mu*), each picked among the rows left by the
    previous one, so that the three always occur together in the table."""
    out: dict[str, Any] = {}
    rows = theory
    for col, wanted, name in (("omega_c_choice", omega_c, "central_omega_c"),
                              ("Tc_method", tc_method, "central_tc_method"),
                              ("mu_star", mu_star, "central_mu_star")):
        out[col] = _choice(rows[col], wanted, name)
        rows = rows[_central_mask(rows, {col: out[col]})]
    return out


# ----------------------------------------------------------------------------- tables

def measured_table(results: pd.DataFrame | str | Path | None = None, literature: bool = True,
                   *, tc_column: str = "Tc_mid_K",
                   literature_criteria: Sequence[str] | None = None) -> pd.DataFrame:
    """Measured (n2D, Tc) points of this study and of the literature in one table.

    Parameters
    ----------
    results
        Results table (see :func:`load_results`) or None. When it has a ``kind`` column
        with ``tc`` rows, only those are used (one point per R(T) analysis); rows whose
        ``quality`` verdict is ``fail`` are left out (with a logged warning).
    literature
        Add the literature values that have a density (bounds are left out).
    tc_column
        Tc column of the results; when absent or empty the first usable column of
        :data:`TC_COLUMNS` is taken (the ``criterion`` column says which).
    literature_criteria
        Keep only these literature criteria (default: all but the bounds).

    Returns
    -------
    pandas.DataFrame
        Columns ``source`` ("this study" or the paper file), ``sample``, ``orientation``,
        ``n2d_cm2``, ``n2d_cm2_err``, ``Tc_K``, ``Tc_K_err`` (K, NaN if unknown) and
        ``criterion`` (the results column name, or the literature criterion).
    """
    cols = ["source", "sample", "orientation", "n2d_cm2", "n2d_cm2_err", "Tc_K", "Tc_K_err",
            "criterion"]
    parts = []
    if results is not None:
        df = load_results(results)
        if "kind" in df.columns and (df["kind"] == "tc").any():
            # other analyses of the same R(T) file (bkt-rt) repeat Tc_mid_K: one point per
            # sample, from the Tc analysis itself
            df = df[df["kind"] == "tc"].reset_index(drop=True)
        col = _pick_tc_column(df, tc_column)
        tc = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
        err_col = f"{col}_err"
        err = (pd.to_numeric(df[err_col], errors="coerce").to_numpy(dtype=float)
               if err_col in df.columns else np.full(len(df), np.nan))
        nerr = (pd.to_numeric(df["n2d_cm2_err"], errors="coerce").to_numpy(dtype=float)
                if "n2d_cm2_err" in df.columns else np.full(len(df), np.nan))
        keep = np.isfinite(tc) & (tc > 0) & np.isfinite(df["n2d_cm2"].to_numpy(dtype=float))
        dropped = int(np.sum(np.isfinite(tc) & ~keep))
        if dropped:
            log.warning("%d result row(s) with %s but no usable n2d_cm2 left out", dropped, col)
        if "quality" in df.columns:
            # a Tc the data do not support (verdict fail) is never plotted as a clean point
            failed = (df["quality"].astype(str) == "fail").to_numpy() & keep
            if failed.any():
                log.warning("left out %d result row(s) with verdict fail: %s", int(failed.sum()),
                            ", ".join(df["sample"].astype(str).to_numpy()[failed]))
            keep &= ~failed
        parts.append(pd.DataFrame({
            "source": "this study", "sample": df["sample"].astype(str).to_numpy()[keep],
            "orientation": df["orientation"].to_numpy()[keep],
            "n2d_cm2": df["n2d_cm2"].to_numpy(dtype=float)[keep], "n2d_cm2_err": nerr[keep],
            "Tc_K": tc[keep], "Tc_K_err": err[keep], "criterion": col,
        }))
    if literature:
        lit = load_literature()
        crit = (set(literature_criteria) if literature_criteria is not None
                else {"onset", "mid", "zero", "BKT_IV", "BKT_HN", "unspecified"})
        lit = lit[lit["Tc_criterion"].isin(crit) & np.isfinite(lit["n2d_cm2"])]
        parts.append(pd.DataFrame({
            "source": lit["source_file"].to_numpy(), "sample": lit["sample"].to_numpy(),
            "orientation": lit["orientation"].to_numpy(),
            "n2d_cm2": lit["n2d_cm2"].to_numpy(dtype=float), "n2d_cm2_err": np.nan,
            "Tc_K": lit["Tc_K"].to_numpy(dtype=float), "Tc_K_err": np.nan,
            "criterion": lit["Tc_criterion"].to_numpy(),
        }))
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


def _pick_tc_column(df: pd.DataFrame, tc_column: str) -> str:
    def usable(c: str) -> bool:
        return c in df.columns and bool(np.isfinite(
            pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)).any())

    if usable(tc_column):
        return tc_column
    for c in TC_COLUMNS:
        if usable(c):
            log.warning("results: %s absent or empty, using %s", tc_column, c)
            return c
    raise DataFormatError(f"no usable Tc column (asked for {tc_column!r})", column=tc_column,
                          expected="one of " + ", ".join(TC_COLUMNS) + " with numbers")


def _interp(x: np.ndarray, xp: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Linear interpolation without extrapolation (NaN outside [min xp, max xp])."""
    ok = np.isfinite(xp) & np.isfinite(fp)
    xp, fp = xp[ok], fp[ok]
    if xp.size == 0:
        return np.full(np.shape(x), np.nan)
    order = np.argsort(xp)
    xp, fp = xp[order], fp[order]
    out = np.interp(x, xp, fp)
    return np.where((x >= xp[0]) & (x <= xp[-1]), out, np.nan)


def compare_table(measured: pd.DataFrame, theory: pd.DataFrame | str | Path, *,
                  tb: str | None = None) -> pd.DataFrame:
    """lambda needed by each measured Tc against the lambda the theory computes.

    For every measured point and every omega_c choice of the theory for its orientation,
    the cut-off energy and the theory lambda are interpolated linearly in n2D (no
    extrapolation: NaN outside the theory's density range) and BCS is inverted with
    :func:`lambda_needed`.

    Parameters
    ----------
    measured
        Output of :func:`measured_table`.
    theory
        Theory table or CSV path (see the module docstring).
    tb
        Tight-binding model whose lambda and omega_c are used (default: the first in the
        table).

    Returns
    -------
    pandas.DataFrame
        The measured columns plus ``omega_c_choice``, ``omega_c_meV`` (meV),
        ``lambda_needed``, ``lambda_needed_err`` and ``lambda_theory`` (dimensionless),
        one row per (measured point, omega_c choice).
    """
    th = _as_theory(theory)
    assert th is not None
    tb = _choice(th["tb"], tb, "tb")
    th = th[th["tb"] == tb]
    rows = []
    for orient, grp in measured.groupby("orientation", sort=False):
        tho = th[th["orientation"] == orient]
        if tho.empty:
            continue
        x = grp["n2d_cm2"].to_numpy(dtype=float)
        lam_curve = tho.groupby("n2d_cm2")["lambda"].median()
        lam_th = _interp(x, lam_curve.index.to_numpy(dtype=float), lam_curve.to_numpy())
        for choice, thc in tho.groupby("omega_c_choice", sort=False):
            wc = thc.groupby("n2d_cm2")["omega_c_meV"].median()
            w = _interp(x, wc.index.to_numpy(dtype=float), wc.to_numpy(dtype=float))
            lam, lam_err = lambda_needed(grp["Tc_K"].to_numpy(dtype=float), w,
                                         grp["Tc_K_err"].to_numpy(dtype=float))
            part = grp.copy()
            part["omega_c_choice"] = choice
            part["omega_c_meV"] = w
            part["lambda_needed"] = lam
            part["lambda_needed_err"] = lam_err
            part["lambda_theory"] = lam_th
            rows.append(part)
    if not rows:
        return pd.DataFrame(columns=[*measured.columns, "omega_c_choice", "omega_c_meV",
                                     "lambda_needed", "lambda_needed_err", "lambda_theory"])
    return pd.concat(rows, ignore_index=True)


def tidy_theory(wide: pd.DataFrame) -> pd.DataFrame:
    """Convert the pairing sweep's wide rows to the tidy theory table.

    The sweep (``ktoanalysis.theory.sweep.result_row``) writes one row per case with the
    columns ``omega_c`` (choice name), ``omega_c_meV``, ``mu_star`` and the three Tc columns
    ``Tc_bcs_K``, ``Tc_mcmillan_K``, ``Tc_allen_dynes_K``. Each becomes up to three rows
    with ``Tc_method`` = ``BCS`` (``mu_star`` NaN: BCS has none), ``McMillan`` and
    ``Allen-Dynes``; ``omega_c`` is renamed ``omega_c_choice``. Other columns are kept.

    Parameters
    ----------
    wide
        Sweep table.

    Returns
    -------
    pandas.DataFrame
        Tidy table (columns :data:`THEORY_COLUMNS` first), duplicates of the BCS rows that
        differ only by mu* dropped.
    """
    methods = {"Tc_bcs_K": "BCS", "Tc_mcmillan_K": "McMillan",
               "Tc_allen_dynes_K": "Allen-Dynes"}
    present = [c for c in methods if c in wide.columns]
    if not present or "omega_c" not in wide.columns:
        raise DataFormatError("not a sweep table", column="Tc_bcs_K",
                              expected="columns omega_c and Tc_bcs_K/Tc_mcmillan_K/"
                                       "Tc_allen_dynes_K")
    keep = [c for c in wide.columns if c not in methods]
    parts = []
    for col in present:
        part = wide[keep].copy()
        part["Tc_K"] = wide[col].to_numpy(dtype=float)
        part["Tc_method"] = methods[col]
        if methods[col] == "BCS":
            part["mu_star"] = np.nan
        parts.append(part)
    out = pd.concat(parts, ignore_index=True).rename(columns={"omega_c": "omega_c_choice"})
    subset = [c for c in out.columns if c not in ("mu_star",)]
    bcs = out["Tc_method"] == "BCS"
    out = pd.concat([out[bcs].drop_duplicates(subset=subset), out[~bcs]], ignore_index=True)
    order = list(THEORY_COLUMNS) + [c for c in out.columns if c not in THEORY_COLUMNS]
    return out[order]


def theory_table(orientations: Sequence[str] = VALIDATED_ORIENTATIONS,
                 n2d_cm2: Sequence[float] = DEFAULT_N2D_CM2, *,
                 tbs: Sequence[str] = ("TB1", "TB2"),
                 omega_c_choices: Sequence[str] | None = None,
                 mu_stars: Sequence[float] = (0.0, 0.1),
                 progress: Any = None, **model_options: Any) -> pd.DataFrame:
    """Compute the theory table on the fly with the pairing theory.

    The only place the overlay calls the theory code. For every (orientation, tb,
    density) it builds the model (``theory.models.make_model``), prepares and solves the
    gap equation once (``theory.pairing.prepare_pairing(...).solve("auto", "vaks")``:
    omega(0) from Appendix B, Vaks dispersion) and writes one ``theory.sweep.result_row``
    per omega_c choice and mu*, converted with :func:`tidy_theory`. A density the model
    cannot describe (``TheoryError``, e.g. a Fermi sea reaching the zone boundary) is
    skipped (one warning per model names the densities; the reasons are information
    lines). Adapt this function if the theory API changes.

    Parameters
    ----------
    orientations
        Interface orientations (default: those the paper computes, (111) and (001); "110"
        is an extension of the paper's models with no published reference value). Each is
        computed with its own Fermi-surface defaults
        (:meth:`ktoanalysis.orientations.OrientationSpec.fermi_options`: the paper's rays
        and angle measure for (111) and (001); contours where the sheets open and the
        local-DOS measure for (110)).
    n2d_cm2
        Sheet densities, cm^-2.
    tbs
        Tight-binding models ("TB1", "TB2").
    omega_c_choices
        Cut-off choices (default: all of ``theory.tc.OMEGA_C_CHOICES``, first = central).
    mu_stars
        Coulomb pseudopotentials for the McMillan and Allen-Dynes Tc.
    progress
        Optional callback ``progress(done, total)``.
    **model_options
        Passed to ``make_model``.

    Returns
    -------
    pandas.DataFrame
        Validated tidy theory table.

    Raises
    ------
    KtoError
        The theory package is not available, or no density could be computed.
    """
    from ..errors import TheoryError

    try:
        from ..theory.models import make_model
        from ..theory.pairing import prepare_pairing
        from ..theory.sweep import result_row
        from ..theory.tc import OMEGA_C_CHOICES
    except ImportError as exc:
        raise KtoError("the pairing theory is not available (ktoanalysis.theory cannot be "
                       f"imported: {exc}); pass a theory CSV instead") from exc
    choices = tuple(OMEGA_C_CHOICES) if omega_c_choices is None else tuple(omega_c_choices)
    cases = [(o, tb, float(n)) for o in orientations for tb in tbs for n in n2d_cm2]
    rows: list[dict[str, Any]] = []
    skipped: dict[tuple[str, str], list[float]] = {}
    for i, (o, tb, n) in enumerate(cases):
        try:
            # each orientation's Fermi-surface defaults (OrientationSpec.fermi_options)
            res = prepare_pairing(make_model(o, tb, **model_options),
                                  n2d_cm2=n).solve("auto", "vaks")
        except TheoryError as exc:
            log.info("theory skipped at (%s, %s, n2d = %.3g cm^-2): %s", o, tb, n, exc)
            skipped.setdefault((o, tb), []).append(n)
            if progress is not None:
                progress(i + 1, len(cases))
            continue
        for choice in choices:
            for mu in mu_stars:
                try:
                    rows.append(result_row(res, omega_c=choice, mu_star=mu))
                except TheoryError as exc:
                    log.warning("theory row skipped (%s, %s, %.3g cm^-2, %s): %s",
                                o, tb, n, choice, exc)
        if progress is not None:
            progress(i + 1, len(cases))
    for (o, tb), ns in skipped.items():  # one line per model; the reasons with -v
        log.warning("theory (%s, %s) not computed at %d of %d densities (%s cm^-2); "
                    "-v for the reasons", o, tb, len(ns), len(n2d_cm2),
                    ", ".join(f"{x:.3g}" for x in ns))
    if not rows:
        raise KtoError("the theory could not be computed at any of the densities "
                       f"{list(n2d_cm2)} cm^-2")
    return validate_theory(tidy_theory(pd.DataFrame(rows)), source="ktoanalysis.theory")


def theory_settings(**model_options: Any) -> dict[str, Any]:
    """The settings :func:`theory_table` computes with, as a stored table records them.

    Read from the current defaults of ``theory.pairing.prepare_pairing`` (angular step,
    quadrature, measure, Fermi-surface method) plus the fixed choices of
    :func:`theory_table` (omega(0) from the density, Vaks dispersion), so that a change of
    a theory default makes an older stored table stop matching.

    Parameters
    ----------
    **model_options
        Model options that would be passed to ``make_model``: a stored table is computed
        with none, so any makes it not match (returned as ``model_options``).

    Returns
    -------
    dict
        ``{"dispersion": "vaks", "omega0_auto": True, "dphi_deg": 1.0, "quadrature": ...,
        "measure": ..., "method": ...}`` (the keys of :data:`THEORY_SETTINGS`), plus
        ``model_options`` when given. ``measure`` and ``method`` are None when the theory
        uses each orientation's own defaults (:func:`orientation_settings`).
    """
    import inspect

    from ..theory.pairing import prepare_pairing

    params = inspect.signature(prepare_pairing).parameters
    out: dict[str, Any] = {"dispersion": "vaks", "omega0_auto": True}
    for name in ("dphi_deg", "quadrature", "measure", "method"):
        if name in params:
            out[name] = params[name].default
    if model_options:
        out["model_options"] = dict(model_options)
    return out


def orientation_settings(orientation: str, name: str, value: Any) -> set[str]:
    """The values a stored table may record for setting ``name`` of ``orientation``.

    ``value`` None (the theory's default) stands for the orientation's own Fermi-surface
    default; a method ``auto`` is recorded as the method it resolved to (rays or contour).
    """
    if value is None and name in ("method", "measure"):
        value = ORIENTATION_SPECS[orientation].fermi_options()[0 if name == "method" else 1]
    if name == "method" and value == "auto":
        return {"auto", "rays", "contour"}
    return {str(value)}


def _same(recorded: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool):
        return str(recorded).strip().lower() in ({"true", "1", "1.0"} if wanted
                                                 else {"false", "0", "0.0"})
    if isinstance(wanted, (int, float)):
        try:
            return bool(np.isclose(float(recorded), float(wanted)))
        except (TypeError, ValueError):
            return False
    return str(recorded).strip() == str(wanted)


def bundled_theory(orientations: Sequence[str] = VALIDATED_ORIENTATIONS, *,
                   path: str | Path | None = None, tbs: Sequence[str] = ("TB1", "TB2"),
                   **model_options: Any) -> tuple[pd.DataFrame | None, str]:
    """The stored theory table, when it holds what :func:`theory_table` would compute.

    The bundled ``data/theory_tc.csv`` (written by ``scripts/make_theory_table.py``) records
    the settings of every row (columns :data:`THEORY_SETTINGS`). It is used instead of a
    new computation (about a minute) when every row has the settings of
    :func:`theory_settings`, no model option is asked for, and every requested orientation
    and tight-binding model is in it (an orientation it lacks is left out of the returned
    table: compute that one with :func:`theory_table`). A table written before a setting
    existed is read with that setting's value of then (quadrature ``paper``, measure
    ``angle``, method ``rays``).

    Parameters
    ----------
    orientations
        Orientations the overlay needs.
    path
        Theory CSV (default: the bundled ``theory_tc.csv``).
    tbs
        Tight-binding models the overlay needs.
    **model_options
        Model options of the requested computation (any makes the stored table unusable).

    Returns
    -------
    (table or None, reason)
        The validated table (rows of the requested orientations it has) and a sentence
        naming its settings, or None and why it does not match (absent, other settings,
        a tight-binding model or every requested orientation missing).
    """
    from .._data import data_path

    csv = Path(path) if path is not None else data_path("theory_tc.csv")
    if model_options:
        return None, f"model options {sorted(model_options)} asked for"
    if not csv.is_file():
        return None, f"{csv} is absent"
    try:
        table = load_theory(csv)
    except DataFormatError as exc:
        return None, f"{csv} is not a usable theory table ({exc})"
    try:
        wanted = theory_settings()
    except ImportError as exc:  # no theory: the stored table is all there is
        wanted = {}
        log.info("theory package not importable (%s): the stored settings are not checked",
                 exc)
    for name, value in wanted.items():
        if name not in table.columns and name not in _LEGACY_SETTINGS:
            return None, f"{csv.name} does not record the setting {name}"
        for orient, rows in table.groupby("orientation", sort=False):
            recorded = (rows[name].dropna().unique().tolist() if name in rows.columns
                        else [_LEGACY_SETTINGS[name]])
            if value is None and orient in ORIENTATION_SPECS:
                ok = orientation_settings(str(orient), name, None)
                bad = [r for r in recorded if str(r).strip() not in ok]
                now = "/".join(sorted(ok))
            else:
                bad = [r for r in recorded if not _same(r, value)]
                now = value
            if bad or not recorded:
                return None, (f"{csv.name} was computed with {name} = "
                              f"{bad[0] if bad else '?'} for ({orient}), the theory now uses "
                              f"{name} = {now}")
    have = set(table["tb"].astype(str))
    missing = [str(x) for x in tbs if str(x) not in have]
    if missing:
        return None, f"{csv.name} has no tight-binding model {', '.join(missing)}"
    if not set(table["orientation"]) & {str(o) for o in orientations}:
        return None, f"{csv.name} has none of the orientations {', '.join(orientations)}"
    keep = table["orientation"].isin([str(o) for o in orientations]) & table["tb"].isin(
        [str(t) for t in tbs])
    settings = ", ".join(f"{k} = {'per orientation' if v is None else v}"
                         for k, v in wanted.items())
    return table[keep].reset_index(drop=True), f"{csv.name} ({settings or 'settings unchecked'})"


# ----------------------------------------------------------------------------- figure

def _color(orientation: str) -> str:
    spec = ORIENTATION_SPECS.get(orientation)
    return spec.color if spec is not None else _OTHER_COLOR


def _auto_scale(values: np.ndarray, scale: str) -> str:
    if scale != "auto":
        return scale
    v = values[np.isfinite(values) & (values > 0)]
    if v.size < 2:
        return "linear"
    return "log" if v.max() / v.min() > 30 else "linear"


def plot_overlay(results: pd.DataFrame | str | Path | None = None,
                 theory: pd.DataFrame | str | Path | None = None,
                 literature: bool = True, out: str | Path | None = None, *,
                 tc_column: str = "Tc_mid_K",
                 literature_criteria: Sequence[str] | None = None,
                 tb: str | None = None,
                 central_omega_c: str | None = None,
                 central_mu_star: float | None = None,
                 central_tc_method: str | None = None,
                 yscale: Literal["auto", "log", "linear"] = "auto",
                 title: str | None = None):
    """Measured Tc(n2D) over the theory, and the lambda needed against the theory's.

    Left panel: Tc (K) against n2D (10^13 cm^-2). Colour = orientation (111 red, 110
    green, 001 blue); filled circles with one-sigma error bars = this study
    (``tc_column``); hollow markers = literature, shape by Tc criterion; lines = theory
    Tc(n2D) for the central choice (``central_omega_c``, ``central_mu_star``,
    ``central_tc_method``; default: the first of each in table order), one line style per
    tight-binding model; shaded band = spread of the theory over all omega_c, mu* and Tc
    method choices. Right panel: lambda needed (BCS inverted with the central omega_c at the
    sample's density; error bar = propagated Tc error, thin bar = spread over the omega_c
    choices) against the theory lambda(n2D). Without theory the right panel uses
    omega_c = omega(0)(n2D) of the phonon model when that is importable.

    Parameters
    ----------
    results
        This study's results (DataFrame, ``results.csv`` or its folder) or None.
    theory
        Theory table (DataFrame or CSV, see module docstring) or None.
    literature
        Draw the literature layer (:func:`~ktoanalysis.compare.literature.load_literature`).
    out
        Save the figure there (PNG/PDF) when given.
    tc_column
        Tc column of the results (falls back along :data:`TC_COLUMNS`; the legend names the
        one used).
    literature_criteria
        Literature criteria to show (default: all except bounds).
    tb
        Tight-binding model used for the right panel (default: first in table).
    central_omega_c, central_mu_star, central_tc_method
        Central theory choice drawn as a line.
    yscale
        Tc axis scale; ``"auto"`` switches to log when the values span more than a factor
        30. The lambda axis follows the same rule.
    title
        Figure title (default: a description of the inputs).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from ..plotting import new_figure, save_figure

    meas = measured_table(results, literature, tc_column=tc_column,
                          literature_criteria=literature_criteria)
    th = _as_theory(theory)
    used_col = (meas.loc[meas["source"] == "this study", "criterion"].iloc[0]
                if (meas["source"] == "this study").any() else None)

    fig = new_figure(figsize=(13, 7.2))
    ax, axl = fig.subplots(1, 2)
    scale = 1e13
    tb_styles = ["-", "--", ":", "-."]
    notes: list[str] = []

    # --- theory, left panel
    central: dict[str, Any] = {}
    theory_vals = np.array([])
    central_vals = np.array([])
    tbs: list[str] = []
    if th is not None:
        central = _central_choices(th, central_omega_c, central_mu_star, central_tc_method)
        tbs = list(dict.fromkeys(th["tb"]))
        cmask = _central_mask(th, central)
        kept = []
        for (orient, tbv), grp in th.groupby(["orientation", "tb"], sort=False):
            ls = tb_styles[tbs.index(tbv) % len(tb_styles)]
            band = grp.groupby("n2d_cm2")["Tc_K"].agg(["min", "max"])
            x = band.index.to_numpy(dtype=float) / scale
            ax.fill_between(x, band["min"].to_numpy(), band["max"].to_numpy(),
                            color=_color(orient), alpha=0.15, lw=0)
            line = grp[cmask[grp.index]].groupby("n2d_cm2")["Tc_K"].median()
            ax.plot(line.index.to_numpy(dtype=float) / scale, line.to_numpy(), ls,
                    color=_color(orient), lw=2)
            kept.append(line.to_numpy())
            kept.append(band["max"].to_numpy())
        theory_vals = np.concatenate(kept) if kept else theory_vals
        central_vals = np.concatenate(kept[::2]) if kept else central_vals
        from ..theory.eliashberg import NEGLIGIBLE_TC_K

        present = [o for o in ORIENTATIONS if o in set(th["orientation"])]
        weak = [ORIENTATION_SPECS[o].label for o in present
                if not np.nanmax(th.loc[th["orientation"] == o, "Tc_K"].to_numpy(float),
                                 initial=0.0) >= NEGLIGIBLE_TC_K]
        if weak:
            # paper 000's own conclusion (Sec. IV, Conclusion): TO1 alone is too weak
            which = "" if len(weak) == len(present) else f" for {', '.join(weak)}"
            notes.append(f"TO1-only theory Tc{which} < {NEGLIGIBLE_TC_K} K: negligible, as "
                         "paper 000 concludes (the TO1 mode alone is too weak;\nother phonons "
                         "must add; see `ktoanalysis theory eliashberg "
                         "--lambda-e/--omega-e-meV`)")
        for orient in present:
            spec = ORIENTATION_SPECS[orient]
            if not spec.validated:  # say it on the figure, not only in the docs
                rows = th[th["orientation"] == orient]
                meas_used = "/".join(sorted({str(v) for v in rows.get("measure", [])
                                             if str(v) not in ("", "nan")}))
                paper = sorted({str(v) for o in present if ORIENTATION_SPECS[o].validated
                                for v in th.loc[th["orientation"] == o].get("measure", [])
                                if str(v) not in ("", "nan")})
                differs = meas_used and paper and meas_used != "/".join(paper)
                notes.append(f"{spec.label} theory: {NO_REFERENCE} (extension of the paper's "
                             "models" + (f"; measure {meas_used}" if meas_used else "")
                             + (f",\nnot the paper's {'/'.join(paper)}: compare its size "
                                "with the others with care" if differs else "") + ")")

    # --- measured points, left panel
    for (src_is_study, orient, crit), grp in meas.groupby(
            [meas["source"].eq("this study"), "orientation", "criterion"], sort=False):
        x = grp["n2d_cm2"].to_numpy(dtype=float) / scale
        xerr = grp["n2d_cm2_err"].to_numpy(dtype=float) / scale
        y = grp["Tc_K"].to_numpy(dtype=float)
        yerr = grp["Tc_K_err"].to_numpy(dtype=float)
        c = _color(orient)
        if src_is_study:
            ax.errorbar(x, y, yerr=np.where(np.isfinite(yerr), yerr, 0),
                        xerr=np.where(np.isfinite(xerr), xerr, 0), fmt="o", ms=7, color=c,
                        mec="k", mew=0.8, ecolor=c, elinewidth=1.4, capsize=3, zorder=5)
        else:
            m = _CRITERION_MARKERS.get(crit, ("X", crit))[0]
            ax.plot(x, y, m, ms=7, mfc="none", mec=c, mew=1.5, zorder=4)

    # --- axes, left panel
    all_tc = np.concatenate([meas["Tc_K"].to_numpy(dtype=float), theory_vals])
    ysc = _auto_scale(all_tc, yscale)
    ax.set_yscale(ysc)
    ax.set_xlabel(r"$n_{2D}$ ($10^{13}$ cm$^{-2}$)")
    ax.set_ylabel(r"$T_c$ (K)")
    ax.grid(True, which="major", alpha=0.3)
    if ysc == "log" and all_tc[np.isfinite(all_tc) & (all_tc > 0)].size:
        pos = all_tc[np.isfinite(all_tc) & (all_tc > 0)]
        top = pos.max() * 2
        central_pos = np.concatenate([meas["Tc_K"].to_numpy(dtype=float), central_vals])
        central_pos = central_pos[np.isfinite(central_pos) & (central_pos > 0)]
        floor = max((central_pos.min() if central_pos.size else pos.min()) / 3, top * 1e-9)
        ax.set_ylim(floor, top)
        if th is not None:
            for (orient, tbv), grp in th.groupby(["orientation", "tb"], sort=False):
                tmax = np.nanmax(grp["Tc_K"])
                if not tmax >= floor:
                    notes.append(f"theory Tc ({orient}, {tbv}) < {floor:.0e} K everywhere ("
                                 + (f"max {tmax:.1e} K)" if tmax > 0 else "Tc = 0: underflow)"))
    elif ysc == "linear":
        ax.set_ylim(bottom=0)
    ax.set_xlim(left=0)
    ax.set_title(r"$T_c$ vs carrier density")

    # --- legends, left panel: colour = orientation, marker = Tc criterion, line = theory
    orients = [o for o in ORIENTATIONS
               if o in set(meas["orientation"]) or (th is not None and o in set(th["orientation"]))]
    others = sorted(set(meas["orientation"]) - set(orients))
    colour_handles = [Patch(color=_color(o), label=f"({o}) interface" if o else "not given")
                      for o in orients + others]
    handles: list[Any] = []
    if used_col is not None:
        handles.append(Line2D([], [], marker="o", ls="none", color="0.3", mec="k", ms=7,
                              label=f"this study: {_TC_WORDS.get(used_col, used_col)} "
                                    r"$\pm1\sigma$"))
    if literature:
        for crit in dict.fromkeys(meas.loc[meas["source"] != "this study", "criterion"]):
            m, lab = _CRITERION_MARKERS.get(crit, ("X", crit))
            handles.append(Line2D([], [], marker=m, ls="none", mfc="none", mec="0.3",
                                  mew=1.5, ms=7, label=f"literature: {lab}"))
    if th is not None:
        for i, tbv in enumerate(tbs):
            handles.append(Line2D([], [], ls=tb_styles[i % len(tb_styles)], color="0.3", lw=2,
                                  label=f"theory {tbv}: {central['Tc_method']}, "
                                        f"$\\omega_c$ = {_omega_c_words(central['omega_c_choice'])}"
                                        + _mu_label(central["mu_star"])))
        handles.append(Patch(color="0.3", alpha=0.2,
                             label=r"theory spread over $\omega_c$, $\mu^*$, method"))
    leg_colour = ax.legend(handles=colour_handles, fontsize=8, loc="upper center",
                           bbox_to_anchor=(0.5, -0.11), ncol=max(len(colour_handles), 1),
                           frameon=False, title="colour: orientation", title_fontsize=8)
    if handles:
        ax.add_artist(leg_colour)
        ax.legend(handles=handles, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2),
                  ncol=2, frameon=False, title="marker: $T_c$ criterion; line: theory",
                  title_fontsize=8)
    if notes:
        ax.text(0.98, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=7.5,
                ha="right", va="bottom", color="0.2",
                bbox=dict(boxstyle="round", fc="white", ec="0.7", alpha=0.9))

    # --- right panel: lambda
    _lambda_panel(axl, meas, th, central, tb, tbs, tb_styles, scale, yscale, literature)

    if title is None:
        parts = []
        if used_col is not None:
            parts.append(f"this study ({_TC_LABELS.get(used_col, used_col)})")
        if literature:
            parts.append("literature")
        what = ", ".join(parts) or "no measured data"
        title = ("KTaO$_3$ interface superconductivity: " + what
                 + (" vs theory" if th is not None else " (no theory table)"))
    fig.suptitle(title, fontsize=12)
    if out is not None:
        save_figure(fig, out)
    return fig


def _omega_c_words(choice: Any) -> str:
    """Legend words of a cut-off choice (``omega_2kF_GK`` -> omega(2kF) along Gamma-K)."""
    return _OMEGA_C_WORDS.get(str(choice), str(choice).replace("_", " "))


def _mu_label(mu: Any) -> str:
    try:
        mu = float(mu)
    except (TypeError, ValueError):
        return ""
    return "" if not np.isfinite(mu) else f", $\\mu^*$ = {mu:g}"


def _lambda_panel(axl, meas: pd.DataFrame, th: pd.DataFrame | None, central: dict[str, Any],
                  tb: str | None, tbs: list[str], tb_styles: list[str], scale: float,
                  yscale: str, literature: bool) -> None:
    from matplotlib.lines import Line2D

    axl.set_xlabel(r"$n_{2D}$ ($10^{13}$ cm$^{-2}$)")
    axl.set_ylabel(r"BCS coupling constant $\lambda$")
    axl.grid(True, which="major", alpha=0.3)
    values = []
    handles: list[Any] = []
    if th is not None:
        for (orient, tbv), grp in th.groupby(["orientation", "tb"], sort=False):
            curve = grp.groupby("n2d_cm2")["lambda"].median()
            axl.plot(curve.index.to_numpy(dtype=float) / scale, curve.to_numpy(),
                     tb_styles[tbs.index(tbv) % len(tb_styles)], color=_color(orient), lw=2)
            values.append(curve.to_numpy())
            handles.append(Line2D([], [], ls=tb_styles[tbs.index(tbv) % len(tb_styles)],
                                  color=_color(orient), lw=2,
                                  label=f"theory $\\lambda$ ({orient}, {tbv})"))
        cmp = compare_table(meas, th, tb=tb)
        wc_label = f"$\\omega_c$ = {_omega_c_words(central['omega_c_choice'])}"
        if not cmp.empty:
            spread = cmp.groupby(["source", "sample", "orientation", "n2d_cm2", "Tc_K",
                                  "criterion"], sort=False)["lambda_needed"].agg(["min", "max"])
            cmp = cmp[cmp["omega_c_choice"] == central["omega_c_choice"]]
            for idx, (lo, hi) in zip(spread.index, spread.to_numpy(), strict=True):
                if np.isfinite(lo) and hi > lo:
                    axl.plot([idx[3] / scale] * 2, [lo, hi], "-", color=_color(idx[2]),
                             lw=4, alpha=0.25, solid_capstyle="butt")
    else:
        cmp = _lambda_without_theory(meas)
        wc_label = r"$\omega_c = \omega(0)(n_{2D})$ (no theory table)"
    if cmp is not None and not cmp.empty:
        for (is_study, orient, crit), grp in cmp.groupby(
                [cmp["source"].eq("this study"), "orientation", "criterion"], sort=False):
            x = grp["n2d_cm2"].to_numpy(dtype=float) / scale
            y = grp["lambda_needed"].to_numpy(dtype=float)
            e = grp["lambda_needed_err"].to_numpy(dtype=float)
            c = _color(orient)
            if is_study:
                axl.errorbar(x, y, yerr=np.where(np.isfinite(e), e, 0), fmt="o", ms=7,
                             color=c, mec="k", mew=0.8, capsize=3, zorder=5)
            else:
                m = _CRITERION_MARKERS.get(crit, ("X", crit))[0]
                axl.plot(x, y, m, ms=7, mfc="none", mec=c, mew=1.5, zorder=4)
            values.append(y)
        handles.append(Line2D([], [], marker="o", ls="none", color="0.3", mec="k", ms=7,
                              label=f"$\\lambda$ needed for measured $T_c$ (BCS, {wc_label})"))
        if (cmp["source"] != "this study").any():
            handles.append(Line2D([], [], marker="v", ls="none", mfc="none", mec="0.3",
                                  mew=1.5, ms=7, label="literature (shape = Tc criterion)"))
        if th is not None:
            handles.append(Line2D([], [], color="0.3", lw=4, alpha=0.25,
                                  label=r"$\lambda$ needed: spread over $\omega_c$ choices"))
    elif th is None:
        axl.text(0.5, 0.5, "no theory table and no phonon model:\nno cut-off energy, "
                 "no $\\lambda$", ha="center", va="center", transform=axl.transAxes)
    if literature:
        q = LAMBDA_NEEDED_QUOTED
        axl.plot([float(q["n2d_cm2"]) / scale], [q["lambda"]], "*", ms=13, mfc="none",
                 mec=_color(str(q["orientation"])), mew=1.5, zorder=6)
        values.append(np.array([q["lambda"]]))
        handles.append(Line2D([], [], marker="*", ls="none", mfc="none", mec="0.3", ms=12,
                              label=r"$\lambda\approx0.26$ needed (quoted in 000, Sec. IV)"))
    vals = np.concatenate(values) if values else np.array([])
    axl.set_yscale(_auto_scale(vals, yscale))
    pos = vals[np.isfinite(vals) & (vals > 0)]
    if axl.get_yscale() == "linear":
        axl.set_ylim(bottom=0)
    elif pos.size:
        axl.set_ylim(pos.min() / 2, pos.max() * 2)
    axl.set_xlim(left=0)
    axl.set_title(r"$\lambda$: needed by experiment vs computed" if th is not None
                  else r"$\lambda$ needed by the measured $T_c$")
    if handles:
        axl.legend(handles=handles, fontsize=8, loc="upper center",
                   bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)


def _lambda_without_theory(meas: pd.DataFrame) -> pd.DataFrame | None:
    """lambda needed with omega_c = omega(0)(n2D) of the phonon model, if importable."""
    try:
        from ..theory.phonon import omega0_from_density_meV
    except ImportError:
        return None
    if meas.empty:
        return None
    w = np.asarray(omega0_from_density_meV(meas["n2d_cm2"].to_numpy(dtype=float)), float)
    lam, err = lambda_needed(meas["Tc_K"].to_numpy(dtype=float), w,
                             meas["Tc_K_err"].to_numpy(dtype=float))
    out = meas.copy()
    out["omega_c_choice"] = "omega0"
    out["omega_c_meV"] = w
    out["lambda_needed"] = lam
    out["lambda_needed_err"] = err
    out["lambda_theory"] = np.nan
    return out
