"""The result object every transport analysis returns."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from uncertainties import UFloat, correlated_values, ufloat

from ..errors import FitError
from .quality import Flag, Quality, check_bounds, check_goodness_of_fit, fail

__all__ = ["FitResult", "ErrorBudget", "combine_errors", "params_from_lmfit",
           "stats_from_lmfit", "as_param", "array_fit_result", "require_plot_data",
           "NO_FIGURE", "package_version", "file_sha256", "input_files", "strict_jsonable"]


@dataclass(frozen=True)
class ErrorBudget:
    """The parts of a parameter's 1-sigma error, in the parameter's unit.

    Attributes
    ----------
    stat
        Statistical error (noise through the fit or interpolation); ``None`` if unknown.
    sampling
        Error from the finite point spacing (interpolation between sparse points).
    sys
        Systematic errors from the analysis choices, by name (``"R_N window"``,
        ``"criterion"``, ``"fit window"``...).
    """

    stat: float | None = None
    sampling: float = 0.0
    sys: Mapping[str, float] = field(default_factory=dict)

    @property
    def systematic(self) -> float:
        """The systematic parts added in quadrature."""
        return float(math.sqrt(sum(float(v) ** 2 for v in self.sys.values())))

    @property
    def total(self) -> float:
        """Statistical, sampling and systematic parts added in quadrature."""
        return float(math.sqrt((self.stat or 0.0) ** 2 + self.sampling ** 2
                               + self.systematic ** 2))

    def to_dict(self) -> dict[str, Any]:
        """``stderr_stat``, ``stderr_sampling``, ``stderr_sys`` and the systematic parts."""
        return {"stderr_stat": _jsonable(self.stat),
                "stderr_sampling": _jsonable(self.sampling),
                "stderr_sys": _jsonable(self.systematic),
                "sys": {str(k): _jsonable(float(v)) for k, v in self.sys.items()}}


def combine_errors(value: Any, *, sampling: float = 0.0,
                   sys: Mapping[str, float] | None = None,
                   tag: str | None = None) -> tuple[Any, ErrorBudget]:
    """Add sampling and systematic errors to a (possibly correlated) statistical value.

    Parameters
    ----------
    value
        A ``ufloat`` (its error is the statistical part; its correlations with other
        parameters are kept) or a plain float (no statistical error known).
    sampling
        1-sigma error from the point spacing (same unit).
    sys
        Named systematic 1-sigma errors (same unit).
    tag
        Tag of the added independent error variable (for ``uncertainties``).

    Returns
    -------
    (ufloat or float, ErrorBudget)
        The value with the combined error, and its budget. Non-finite parts count as 0
        and are not hidden: they are kept as ``nan`` in the budget.
    """
    sys = {k: float(v) for k, v in (sys or {}).items()}
    stat = as_param(value)[1]
    extra2 = sum(v * v for v in [sampling, *sys.values()] if math.isfinite(v))
    budget = ErrorBudget(stat=stat, sampling=float(sampling), sys=sys)
    if extra2 <= 0:
        return value, budget
    return value + ufloat(0.0, math.sqrt(extra2), tag), budget


def as_param(value: Any) -> tuple[float, float | None]:
    """Split a parameter value into ``(value, stderr)``; stderr ``None`` when unknown."""
    if isinstance(value, UFloat):
        return float(value.nominal_value), float(value.std_dev)
    return float(value), None


def package_version() -> str:
    """The installed version of ``ktoanalysis`` (package metadata), falling back to
    ``ktoanalysis.__version__`` when the package is not installed (source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ktoanalysis")
    except PackageNotFoundError:
        from .. import __version__

        return __version__


def file_sha256(path: Any, chunk_size: int = 1 << 20) -> str | None:
    """SHA-256 (hex) of a file's bytes, read in chunks of ``chunk_size`` bytes.

    Parameters
    ----------
    path
        File path (``str`` or path-like); anything else gives ``None``.
    chunk_size
        Bytes read at a time (memory stays bounded for large files).

    Returns
    -------
    str or None
        64 hexadecimal digits, or ``None`` when the path is not a readable regular file.
    """
    if path is None:
        return None
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(chunk_size):
                digest.update(chunk)
    except (OSError, TypeError, ValueError):
        return None
    return digest.hexdigest()


def input_files(files: Any, names: Iterable[Any] | None = None) -> list[dict[str, Any]]:
    """Provenance of input files: ``[{"file": name, "sha256": hex or None}, ...]``.

    Parameters
    ----------
    files
        Paths of the files (a single path or a sequence; ``None`` gives ``[]``).
    names
        Names to record instead of ``str(path)`` (same order), e.g. paths relative to a
        manifest's folder.

    Returns
    -------
    list of dict
        One entry per file; ``sha256`` is ``None`` for a missing or unreadable file.
    """
    if files is None:
        return []
    if isinstance(files, (str, bytes)) or not isinstance(files, Iterable):
        files = [files]
    files = list(files)
    shown = [None if f is None else str(f) for f in files] if names is None else \
        [None if n is None else str(n) for n in names]
    return [{"file": n, "sha256": file_sha256(f)} for n, f in zip(shown, files, strict=True)]


def strict_jsonable(obj: Any) -> Any:
    """``obj`` made strictly JSON-safe, recursively: NaN/inf become ``None``, numpy
    scalars and arrays plain Python values and lists, ufloats ``{"value", "stderr"}``,
    mapping keys ``str`` and unknown objects their text (so ``json.dumps(...,
    allow_nan=False)`` always succeeds)."""
    return _jsonable(obj)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):  # 0-d arrays give a scalar
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.bool_, bool)):
        return bool(obj)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, UFloat):
        v, s = as_param(obj)
        return {"value": _jsonable(v), "stderr": _jsonable(s)}
    if obj is None or isinstance(obj, (int, str)):
        return obj
    return str(obj)


@dataclass(frozen=True)
class FitResult:
    """Outcome of one transport analysis.

    Attributes
    ----------
    kind
        Analysis kind (``"tc"``, ``"bkt-rt"``, ``"bkt-iv"``, ``"hc2-angle"``, ...).
    params
        Parameter name (with unit suffix, e.g. ``Tc_mid_K``) to value: a ``ufloat`` when a
        1-sigma error is known (correlated ufloats when they come from one covariance),
        a plain float otherwise (reported with ``stderr: null``, never a fake zero).
    stats
        Fit statistics: ``chisqr``, ``redchi``, ``aic``, ``bic``, ``ndata``, ``nvarys``,
        ``success`` (model-free analyses report what applies).
    options
        Every choice made (criteria, windows, ASSUMPTION options, model selected).
    provenance
        Files, columns, data window, units.
    data
        Arrays needed to plot the result (data, best fit, band); SI units.
    lmfit_result
        The underlying ``lmfit`` result(s), if any; not serialised.
    quality
        The quality verdict (``ok``/``warn``/``fail``) and its flags.
    budget
        Parameter name -> :class:`ErrorBudget` (statistical, sampling and systematic
        parts of its error) for parameters whose error combines several sources.
    """

    kind: str
    params: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    lmfit_result: Any = field(default=None, repr=False, compare=False)
    quality: Quality = field(default_factory=Quality)
    budget: dict[str, ErrorBudget] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``"ok"``, ``"warn"`` or ``"fail"``."""
        return self.quality.verdict

    def with_quality(self, *flags: Any) -> FitResult:
        """Copy with more flags (``Flag`` objects, lists of them or a ``Quality``)."""
        from dataclasses import replace

        q = self.quality
        for f in flags:
            q = q + (f if isinstance(f, Quality) else ([f] if hasattr(f, "code") else f))
        return replace(self, quality=q)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def value(self, name: str) -> float:
        """Nominal value of a parameter."""
        return as_param(self.params[name])[0]

    def stderr(self, name: str) -> float | None:
        """1-sigma error of a parameter (``None`` if unknown)."""
        return as_param(self.params[name])[1]

    def to_dict(self) -> dict[str, Any]:
        """Strictly JSON-safe dictionary (non-finite floats as ``None``): ``kind``,
        ``ktoanalysis_version``, ``quality`` (verdict and flags), ``params``
        (value/stderr, error budget), ``stats``, ``options`` (the resolved options),
        ``provenance`` and ``inputs`` (``[{"file", "sha256"}]`` of the files in
        ``provenance["files"]``, hashed now; ``sha256`` is ``None`` for a file that
        cannot be read)."""
        params = {}
        for k, v in self.params.items():
            val, err = as_param(v)
            params[k] = {"value": _jsonable(val), "stderr": _jsonable(err)}
            if k in self.budget:
                params[k].update(self.budget[k].to_dict())
        return _jsonable({
            "kind": self.kind,
            "ktoanalysis_version": package_version(),
            "quality": self.quality.to_dict(),
            "params": params,
            "stats": self.stats,
            "options": self.options,
            "provenance": self.provenance,
            "inputs": input_files(self.provenance.get("files")),
        })

    def to_json(self, **kwargs: Any) -> str:
        """Strict JSON text of :meth:`to_dict` (``allow_nan=False``: no ``NaN``/``Infinity``
        tokens; ``indent=2`` unless given)."""
        return json.dumps(self.to_dict(), **({"indent": 2, "allow_nan": False} | kwargs))

    def to_row(self) -> dict[str, Any]:
        """Flat mapping for a results table: ``quality`` (verdict), ``flags`` (codes joined
        by ``;``), then ``name``, ``name_err`` per parameter, then ``stat_<name>`` per
        statistic."""
        row: dict[str, Any] = {"quality": self.quality.verdict,
                               "flags": ";".join(self.quality.codes)}
        for k, v in self.params.items():
            val, err = as_param(v)
            row[k] = val
            row[f"{k}_err"] = err if err is not None else float("nan")
        for k, v in self.stats.items():
            if isinstance(v, (int, float, bool, np.number, np.bool_)):
                row[f"stat_{k}"] = v
        return row

    def report(self) -> str:
        """Human-readable multi-line summary."""
        lines = [f"[{self.kind}] {self.quality.summary()}"]
        for f in self.quality.flags:
            lines.append(f"  ! {f}")
        width = max((len(k) for k in self.params), default=0)
        for k, v in self.params.items():
            val, err = as_param(v)
            if err is None or not math.isfinite(err):
                lines.append(f"  {k:<{width}} = {val:.6g}")
            else:
                b = self.budget.get(k)
                parts = ""
                if b is not None and (b.sampling or b.systematic):
                    parts = (f"  (stat {_fmt(b.stat or 0.0)}, sampling {_fmt(b.sampling)}, "
                             f"sys {_fmt(b.systematic)})")
                lines.append(f"  {k:<{width}} = {val:.6g} +/- {err:.2g}{parts}")
        if self.stats:
            s = ", ".join(f"{k}={_fmt(v)}" for k, v in self.stats.items())
            lines.append(f"  stats: {s}")
        if self.options:
            o = ", ".join(f"{k}={v}" for k, v in self.options.items())
            lines.append(f"  options: {o}")
        return "\n".join(lines)

    def plot(self, path=None, **kwargs: Any):
        """Draw the data, fit, residuals and uncertainty band; save to ``path`` if given.

        Returns the matplotlib Figure.
        """
        from .plots import plot_result

        return plot_result(self, path=path, **kwargs)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def stats_from_lmfit(res: Any) -> dict[str, Any]:
    """Fit statistics of an ``lmfit`` result (MinimizerResult or ModelResult)."""
    return {
        "chisqr": float(res.chisqr),
        "redchi": float(res.redchi),
        "aic": float(res.aic),
        "bic": float(res.bic),
        "ndata": int(res.ndata),
        "nvarys": int(res.nvarys),
        "success": bool(res.success),
        "errorbars": bool(getattr(res, "errorbars", False)),
    }


def params_from_lmfit(
    res: Any,
    names: Mapping[str, str] | None = None,
    *,
    require_errorbars: bool = True,
) -> dict[str, Any]:
    """Correlated ufloats for the parameters of an ``lmfit`` result.

    Parameters
    ----------
    res
        ``lmfit`` MinimizerResult or ModelResult.
    names
        Mapping from lmfit parameter name to the public, unit-suffixed name. Only these are
        returned (default: every parameter under its own name).
    require_errorbars
        If True (default), raise :class:`FitError` when lmfit could not estimate the
        covariance, instead of reporting silent zero errors.

    Returns
    -------
    dict
        Public name -> ufloat (correlated through the covariance) for varied parameters and
        for constrained (``expr``) parameters; fixed parameters come as plain floats.
    """
    params = res.params
    names = dict(names) if names is not None else {k: k for k in params}
    errorbars = bool(getattr(res, "errorbars", False)) and res.covar is not None
    if not errorbars:
        if require_errorbars:
            raise FitError(
                "the fit converged to a point where the covariance matrix could not be "
                "estimated (parameter at a bound or not identifiable); no honest 1-sigma errors"
            )
        return {pub: float(params[k].value) for k, pub in names.items()}
    var_names = list(res.var_names)
    uvals = correlated_values([params[k].value for k in var_names], res.covar)
    umap = dict(zip(var_names, uvals, strict=True))
    out: dict[str, Any] = {}
    for k, pub in names.items():
        p = params[k]
        if k in umap:
            out[pub] = umap[k]
        elif p.expr:
            # evaluate the constraint on correlated ufloats
            from lmfit.parameter import Parameters  # noqa: F401  (documented dependency)

            try:
                out[pub] = _eval_expr(p.expr, umap, params)
            except Exception:  # pragma: no cover - fall back to lmfit's propagated stderr
                out[pub] = ufloat(p.value, p.stderr) if p.stderr else float(p.value)
        else:
            out[pub] = float(p.value)
    return out


def _eval_expr(expr: str, umap: Mapping[str, Any], params: Any) -> Any:
    from uncertainties import umath

    env: dict[str, Any] = {n: getattr(umath, n) for n in dir(umath) if not n.startswith("_")}
    env.update({"pi": math.pi})
    for k, p in params.items():
        env[k] = umap.get(k, p.value)
    # nested expressions
    for k, p in params.items():
        if p.expr and k not in umap:
            env[k] = eval(p.expr, {"__builtins__": {}}, env)  # noqa: S307 - lmfit expr syntax
    return eval(expr, {"__builtins__": {}}, env)  # noqa: S307


#: message of :class:`FitError` raised by ``plot`` for a result without plot data
NO_FIGURE = "array-level result: no figure; use analyze"


# ---------------------------------------------------------------------------------------
# array-level results (the public fit_* functions of every kind)


def require_plot_data(result: FitResult, *keys: str) -> None:
    """Raise :class:`FitError` (:data:`NO_FIGURE`) when ``result.data`` lacks ``keys``.

    The results of the array-level ``fit_*`` functions carry no plot data; a kind's
    ``plot`` calls this first so that ``FitResult.plot`` says so instead of a KeyError.

    Parameters
    ----------
    result
        The result to draw.
    *keys
        Entries of ``result.data`` the figure needs.

    Raises
    ------
    FitError
        Some of ``keys`` are missing.
    """
    missing = [k for k in keys if k not in result.data]
    if missing:
        func = result.provenance.get("function", "an array-level fit")
        raise FitError(f"{NO_FIGURE} (kind {result.kind!r}: {func} keeps no plot data)")


def array_fit_result(res: Any, *, kind: str, names: dict[str, str], function: str,
                     options: dict[str, Any], what: str,
                     residuals: np.ndarray | None = None,
                     sigma: float | np.ndarray | None = None,
                     bound_flags: list[Flag] | None = None,
                     params: dict[str, Any] | None = None,
                     extra_flags: list[Flag] | tuple[Flag, ...] = ()) -> FitResult:
    """The :class:`FitResult` of an array-level lmfit fit, with its quality verdict.

    Parameters
    ----------
    res
        lmfit ModelResult or MinimizerResult (kept as ``lmfit_result``).
    kind
        Analysis kind of the result (``"bkt-rt"``, ``"bkt-iv"``, ...).
    names
        lmfit parameter name -> public, unit-suffixed name (``params`` and messages).
    function
        Name of the public function (``provenance["function"]``).
    options
        The arguments of the call other than the data arrays (``options``).
    what
        Name of the fit in the flag messages.
    residuals, sigma
        ``data - model`` and the known noise of the data (same unit): both given runs
        :func:`~ktoanalysis.transport.quality.check_goodness_of_fit`. A fit that did
        not converge (``res.success`` False) fails ``bad_fit``.
    bound_flags
        Bound flags computed by the caller; default
        :func:`~ktoanalysis.transport.quality.check_bounds` on ``res.params``.
    params
        Public parameters computed by the caller; default correlated ufloats from
        :func:`~ktoanalysis.transport.result.params_from_lmfit` (plain floats without
        a covariance, then flagged ``no_errorbars``).
    extra_flags
        Further flags.

    Returns
    -------
    FitResult
        ``data`` is empty: the result is not plottable (see :func:`require_plot_data`).
    """
    if params is None:
        try:
            params = params_from_lmfit(res, names, require_errorbars=False)
        except (ValueError, ArithmeticError, np.linalg.LinAlgError):  # covariance not PSD
            params = {pub: float(res.params[k].value) for k, pub in names.items()}
            res.errorbars = False
    flags = list(check_bounds(res.params, public=names, what=what)
                 if bound_flags is None else bound_flags)
    if not (getattr(res, "errorbars", False) and getattr(res, "covar", None) is not None):
        flags.append(fail("no_errorbars", f"{what}: the covariance could not be estimated "
                          "(parameter at a bound or not identifiable): no honest error"))
    if not getattr(res, "success", True):
        flags.append(fail("bad_fit", f"{what}: the fit did not converge "
                          f"({getattr(res, 'message', '')})"))
    if residuals is not None and sigma is not None:
        flags += check_goodness_of_fit(residuals, sigma, int(res.nvarys), what=what)
    flags += list(extra_flags)
    return FitResult(kind=kind, params=params, stats=stats_from_lmfit(res),
                     options=dict(options),
                     provenance={"function": function, "level": "array",
                                 "ndata": int(res.ndata)},
                     lmfit_result=res, quality=Quality(tuple(flags)))
