"""Every registered lineshape is finite where it is used (as lmfit's test_lineshapes), and
the layers stay apart: lineshapes import no fitting library, models wrap lineshapes."""

from __future__ import annotations

import ast
import inspect

import numpy as np
import pytest

from ktoanalysis.errors import KtoError
from ktoanalysis.transport import lineshapes, models
from ktoanalysis.transport.lineshapes import LINESHAPES


@pytest.mark.parametrize("name", sorted(LINESHAPES))
def test_lineshape_is_finite_on_its_range(name):
    ls = LINESHAPES[name]
    x = np.linspace(*ls.x, 201)
    y = np.asarray(ls.func(x, **ls.params), dtype=float)
    assert y.shape == x.shape
    assert np.all(np.isfinite(y)), f"{name}: non-finite values on {ls.x}"


@pytest.mark.parametrize("name", sorted(LINESHAPES))
def test_lineshape_never_gives_nan_outside_its_range(name):
    """Outside the physical domain a lineshape clips (finite), gives -inf for a log form
    (R = 0), or refuses with a KtoError; never NaN, never +inf."""
    ls = LINESHAPES[name]
    lo, hi = ls.x
    x = np.array([0.0, 0.5 * lo, lo - 1e-9, hi + 1e-9, 2 * hi + 1, 1e6]) if lo > 0 else \
        np.array([-1e6, lo - 1.0, hi + 1.0, 1e6])
    with np.errstate(all="ignore"):
        try:
            y = np.asarray(ls.func(x, **ls.params), dtype=float)
        except KtoError:
            return
    assert not np.any(np.isnan(y)), name
    assert not np.any(y == np.inf), name


def test_every_public_function_is_registered():
    funcs = {n for n, f in inspect.getmembers(lineshapes, inspect.isfunction)
             if f.__module__ == lineshapes.__name__ and not n.startswith("_")}
    assert funcs == set(LINESHAPES)


def test_lineshapes_do_not_import_fitting_libraries():
    """Plain NumPy (and scipy.special, as lmfit's lineshapes): no fitting, plots, tables."""
    tree = ast.parse(inspect.getsource(lineshapes))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
                for a in n.names}
    imported |= {(n.module or "").split(".")[0] for n in ast.walk(tree)
                 if isinstance(n, ast.ImportFrom) and n.level == 0}
    assert not imported & {"lmfit", "matplotlib", "pandas"}
    scipy_modules = {n.module for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("scipy")}
    assert scipy_modules <= {"scipy.special"}


def test_halperin_nelson_closed_form():
    """MODELS.md 4.1 written out here: R = R0 exp(-b / sqrt(T/T_BKT - 1))."""
    T = np.array([1.1, 1.5, 2.0])
    R = 1e3 * np.exp(-1.2 / np.sqrt(T / 1.0 - 1.0))
    np.testing.assert_allclose(lineshapes.halperin_nelson(T, 1e3, 1.2, 1.0), R, rtol=1e-12)


@pytest.mark.parametrize("cls", [c for _, c in inspect.getmembers(models, inspect.isclass)
                                 if c.__module__ == models.__name__
                                 and issubclass(c, models.lmfit.Model)])
def test_models_wrap_lmfit(cls):
    assert hasattr(cls, "guess")
