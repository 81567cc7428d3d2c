"""A quiet, discoverable CLI: -v/-q verbosity, numpy warnings never raw on stderr, one
spelling per option across commands."""

from __future__ import annotations

import logging
import re
import warnings

import numpy as np
import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from ktoanalysis.cli import _root, app

runner = CliRunner()


def _noisy_app() -> typer.Typer:
    """The real root callback (-v/-q) over one command that overflows in numpy twice, logs
    a package warning and an information line."""
    test_app = typer.Typer()
    test_app.callback()(_root)

    @test_app.command()
    def noisy() -> None:
        log = logging.getLogger("ktoanalysis.test")
        for _ in range(2):
            np.exp(np.array([1000.0]))  # RuntimeWarning: overflow encountered in exp
        log.warning("three rows left out")
        log.info("computing 4 cases")
        typer.echo("result 42")

    return test_app


def _stderr_lines(result) -> list[str]:
    return [ln for ln in result.stderr.splitlines() if ln.strip()]


def test_default_hides_numpy_warnings_and_shows_package_warnings():
    r = runner.invoke(_noisy_app(), ["noisy"])
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "result 42"
    assert _stderr_lines(r) == ["warning: three rows left out"]
    assert "RuntimeWarning" not in r.stderr and "overflow" not in r.stderr


def test_verbose_shows_numpy_warning_once_readable():
    r = runner.invoke(_noisy_app(), ["-v", "noisy"])
    assert r.exit_code == 0, r.output
    lines = _stderr_lines(r)
    numpy_lines = [ln for ln in lines if "overflow" in ln]
    assert len(numpy_lines) == 1  # twice in the code, once on stderr
    assert re.fullmatch(r"warning: numpy: overflow encountered in exp \(at .+:\d+\)",
                        numpy_lines[0])
    assert "info: computing 4 cases" in lines
    assert "warning: three rows left out" in lines
    assert not any(ln.startswith("  ") or "RuntimeWarning" in ln for ln in lines)


def test_quiet_shows_nothing_on_stderr():
    r = runner.invoke(_noisy_app(), ["-q", "noisy"])
    assert r.exit_code == 0, r.output
    assert r.stderr == ""
    assert r.stdout.strip() == "result 42"
    r = runner.invoke(_noisy_app(), ["-q", "-v", "noisy"])
    assert r.exit_code != 0 and "not both" in r.output


def test_settings_are_restored_after_the_command():
    level = logging.getLogger("ktoanalysis").level
    handlers = list(logging.getLogger("ktoanalysis").handlers)
    show = warnings.showwarning
    runner.invoke(_noisy_app(), ["-vv", "noisy"])
    assert logging.getLogger("ktoanalysis").level == level
    assert logging.getLogger("ktoanalysis").handlers == handlers
    assert warnings.showwarning is show
    with pytest.raises(RuntimeWarning):  # the "error" filter is back
        np.exp(np.array([1000.0]))


def test_verbosity_options_in_root_help():
    r = runner.invoke(app, ["--help"])
    assert "--verbose" in r.stdout and "--quiet" in r.stdout


# ----------------------------------------------------------------------------- option names

def _walk(cmd, ctx, path=()):
    commands = getattr(cmd, "commands", None)
    if commands is None:
        yield path, cmd
        return
    names = cmd.list_commands(ctx)  # ``fit`` builds its per-kind commands on first use
    for name in names:
        sub = cmd.get_command(ctx, name)
        sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
        yield from _walk(sub, sub_ctx, (*path, name))


def _visible_options(cmd):
    for p in cmd.params:
        if getattr(p, "hidden", False) or not hasattr(p, "opts"):
            continue
        yield p


def _all_commands():
    root = get_command(app)
    ctx = root.make_context("ktoanalysis", [], resilient_parsing=True)
    out = list(_walk(root, ctx))
    assert len(out) > 15 and ("theory", "sweep") in [p for p, _ in out]
    assert any(p[0] == "fit" for p, _ in out)
    return out


def test_short_o_means_option_everywhere_and_out_is_capital_o():
    for path, cmd in _all_commands():
        for p in _visible_options(cmd):
            if "-o" in p.opts:
                assert "--option" in p.opts, (path, p.opts)
            if "--out" in p.opts:
                assert "-O" in p.opts, (path, p.opts)


def test_one_spelling_of_the_angular_step():
    seen = set()
    for _path, cmd in _all_commands():
        for p in _visible_options(cmd):
            for o in p.opts:
                if re.search(r"d(k|phi|theta)", o) and o.endswith("deg"):
                    seen.add(o)
    assert seen == {"--dphi-deg"}


def test_old_angular_step_spelling_still_accepted_hidden():
    r = runner.invoke(app, ["theory", "table3", "--help"])
    assert "--dphi-deg" in r.stdout and "--dk-deg" not in r.stdout
    from ktoanalysis.cli import theory_pairing

    assert theory_pairing.resolve_dphi(1.0, None) == 1.0
    assert theory_pairing.resolve_dphi(1.0, 0.5) == 0.5


def test_quiet_real_command_prints_only_its_result(tmp_path):
    out = tmp_path / "o.png"
    r = runner.invoke(app, ["-q", "overlay", "--no-theory", "-O", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stderr == "" and out.is_file()
    assert r.stdout.strip() == f"figure written to {out}"
    r = runner.invoke(app, ["overlay", "--no-theory", "-O", str(out)])
    assert "no theory (--no-theory)" in r.stderr  # the same note without -q


# ----------------------------------------------------------------- numpy's state left alone

_STATE_SCRIPT = """
import importlib, json, pkgutil, sys, warnings
import numpy as np
# third-party imports first: scipy adds its own warning filters when imported
import lmfit, matplotlib, pandas, scipy.optimize, scipy.special, scipy.stats  # noqa: F401
before = {"err": np.geterr(), "filters": [repr(f) for f in warnings.filters]}
import ktoanalysis
for m in pkgutil.walk_packages(ktoanalysis.__path__, "ktoanalysis."):
    if not m.name.endswith("__main__"):
        importlib.import_module(m.name)
imported = {"err": np.geterr(), "filters": [repr(f) for f in warnings.filters]}
from typer.testing import CliRunner
from ktoanalysis.cli import app
codes = [CliRunner().invoke(app, args).exit_code for args in (
    ["fit", "tc", sys.argv[1]], ["theory", "mu", "--n2d", "1e14"])]
after = {"err": np.geterr(), "filters": [repr(f) for f in warnings.filters]}
print(json.dumps({"before": before, "imported": imported, "after": after, "codes": codes}))
"""


def test_package_and_commands_leave_numpy_state_and_warning_filters_alone():
    """Importing every package module and running ``fit tc`` and ``theory mu`` in-process
    changes neither numpy's error state nor the warning filters (a fresh interpreter, so
    that import-time effects are seen)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    rt = Path(__file__).resolve().parents[1] / "data" / "example_series" / "KTO111-A" / "RT.csv"
    out = subprocess.run([sys.executable, "-c", _STATE_SCRIPT, str(rt)], capture_output=True,
                         text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["codes"] == [0, 0], out.stderr[-2000:]
    assert got["before"]["err"] == {"divide": "warn", "over": "warn", "under": "ignore",
                                    "invalid": "warn"}  # numpy's defaults
    assert got["imported"] == got["before"]
    assert got["after"] == got["before"]


def test_in_process_commands_restore_numpy_state_and_filters():
    """The same in this process, with pytest's filters in place, also for ``-v``/``-q``."""
    rt = "data/example_series/KTO111-A/RT.csv"
    err, filters = np.geterr(), list(warnings.filters)
    for args in (["fit", "tc", rt], ["-v", "theory", "mu", "--n2d", "1e14"],
                 ["-q", "fit", "tc", rt]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        assert np.geterr() == err, args
        assert warnings.filters == filters, args


def test_a_fit_that_raises_inside_lmfit_restores_numpy_state():
    """lmfit's ``Minimizer.leastsq`` switches numpy's warnings off and restores them only
    when it returns; the package's guard restores them when the fit raises as well."""
    import lmfit

    import ktoanalysis.transport.models  # noqa: F401  (installs the guard)

    calls = {"n": 0}

    def line(x, a=1.0, b=0.0):
        calls["n"] += 1
        if calls["n"] > 3:
            raise ZeroDivisionError("model failed mid-fit")
        return a * x + b

    x = np.linspace(0.0, 1.0, 20)
    with np.errstate(over="raise", divide="warn"):
        state = np.geterr()
        with pytest.raises(ZeroDivisionError):
            lmfit.Model(line).fit(2.0 * x + 1.0, x=x, a=1.0, b=0.0)
        assert np.geterr() == state
    assert calls["n"] > 3
