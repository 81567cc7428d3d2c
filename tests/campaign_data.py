"""Hostile inputs for the CLI campaign and an in-process runner of ``ktoanalysis``.

Two things shared by ``test_campaign.py`` and ``test_option_parity.py``:

* :func:`run_cli` runs the console entry point :func:`ktoanalysis.cli.main` in-process
  (through click's ``CliRunner``, so stdout and stderr are captured separately and a
  ``SystemExit`` becomes the exit code), exactly as the ``ktoanalysis`` script does:
  a ``KtoError`` is printed by ``main`` and gives exit code 3. Warnings raised while the
  command runs are recorded instead of being turned into errors by the test
  configuration.
* :func:`make_case` writes a degenerate or wrong version of a kind's example data file
  (the bundled ``data/example_series`` files, read here as plain CSV) to a folder.

Each kind's base data is the example file its row of ``data/example_series/manifest.toml``
uses, with the options of that row, so a case differs from a working input only by the
damage named in the case.
"""

from __future__ import annotations

import math
import signal
import sys
import threading
import tomllib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "example_series"

# ----------------------------------------------------------------------------------------
# running the command line in-process


@dataclass
class Outcome:
    """What one command-line run gave."""

    args: list[str]
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None
    warnings: list[str] = field(default_factory=list)

    @property
    def clean_exit(self) -> bool:
        """True when the command ended by ``sys.exit`` (no escaped exception)."""
        return self.exception is None or isinstance(self.exception, SystemExit)

    def describe(self) -> str:
        """One line for assertion messages and the campaign report."""
        if not self.clean_exit:
            exc = self.exception
            return f"exit {self.exit_code}: {type(exc).__name__}: {exc}"
        last = self.stderr.strip().splitlines()[-1:] or [""]
        return f"exit {self.exit_code}: {last[0][:200]}"


class _EntryPoint:
    """Stands in for a click command: ``CliRunner.invoke`` calls ``.main(args=...)``.

    It runs :func:`ktoanalysis.cli.main` with ``sys.argv`` set, so the error handling is
    the console script's. Building the click command from the typer app takes ~0.1 s (type
    hints of every sub-command are evaluated); it is built once and reused, the way
    ``Typer.__call__`` would build it on every run.
    """

    name = "ktoanalysis"
    _command = None

    def main(self, args: list[str] | tuple[str, ...] = (), prog_name: str | None = None,
             **_: Any) -> None:
        import typer

        import ktoanalysis.cli as cli

        if _EntryPoint._command is None:
            _EntryPoint._command = typer.main.get_command(cli.app)
        saved_argv, saved_app = sys.argv, cli.app
        sys.argv = [prog_name or self.name, *args]
        cli.app = _EntryPoint._command  # main() calls app(): same as Typer.__call__
        try:
            cli.main()
        finally:
            sys.argv, cli.app = saved_argv, saved_app


class NoAnswer(Exception):
    """The command did not finish within the time allowed (a hang on the input)."""


@contextmanager
def _deadline(seconds: float | None):
    """Raise :class:`NoAnswer` in the main thread after ``seconds`` (SIGALRM)."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def _alarm(signum, frame):
        raise NoAnswer(f"no answer within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_cli(args: list[str], env: dict[str, str] | None = None,
            timeout_s: float | None = 60.0) -> Outcome:
    """Run ``ktoanalysis ARGS`` in-process, as the console script does.

    Parameters
    ----------
    args
        Command-line arguments after the program name.
    env
        Extra environment variables (e.g. ``COLUMNS`` for the help width).
    timeout_s
        A run still going after this time (s of wall clock) is stopped and reported as
        the escaped exception :class:`NoAnswer`; ``None``: no limit.
    """
    runner = CliRunner()
    with warnings.catch_warnings(record=True) as caught, _deadline(timeout_s):
        warnings.simplefilter("always")
        res = runner.invoke(_EntryPoint(), list(args), env=env)  # type: ignore[arg-type]
    seen = [f"{w.category.__name__}: {w.message}" for w in caught]
    return Outcome(args=list(args), exit_code=res.exit_code, stdout=res.stdout,
                   stderr=res.stderr, exception=res.exception,
                   warnings=list(dict.fromkeys(seen)))


# ----------------------------------------------------------------------------------------
# base data of every kind


@dataclass(frozen=True)
class Base:
    """How a kind's example file is laid out."""

    kind: str
    file: str
    x: str
    y: tuple[str, ...]
    options: dict[str, Any]
    group: str | None = None


_LAYOUT: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    # kind: (x column, dependent columns, column grouping the sweeps/isotherms)
    "tc": ("T (K)", ("R (Ohm)",), None),
    "bkt-rt": ("T (K)", ("R (Ohm)",), None),
    "phase-slips": ("T (K)", ("R (Ohm)",), None),
    "bkt-iv": ("I (uA)", ("V (V)",), "T (K)"),
    "hc2-angle": ("theta (deg)", ("Hc2 (T)", "Hc2_err (T)"), None),
    "hc2-temperature": ("B (T)", ("R (Ohm)",), "T (K)"),
    "mr-hysteresis": ("B (T)", ("R (Ohm)",), None),
    "hall": ("B (T)", ("R_xy (Ohm)", "R (Ohm)"), None),
    "critical-current": ("I (uA)", ("V (V)",), "T (K)"),
    "critical-field": ("B (T)", ("R (Ohm)",), None),
    "tc-field": ("B (T)", ("R (Ohm)",), "T (K)"),
    "magnetoconductance": ("B (T)", ("R (Ohm)",), None),
}

#: example file of the kinds without a manifest row of their own (default: the R(T) file)
_FALLBACK_FILE: dict[str, str] = {
    "critical-current": "KTO111-A/IV.csv",
    "critical-field": "KTO111-A/RH_perp.csv",
    "tc-field": "KTO111-A/RH_perp.csv",
    "magnetoconductance": "KTO111-A/Hall.csv",
}


#: options of those fallback bases (the critical-field base: one temperature block)
_FALLBACK_OPTIONS: dict[str, dict[str, Any]] = {
    "critical-field": {"T_K": 0.225},
}


def bases() -> dict[str, Base]:
    """Kind -> its base data: the first row of that kind in the example manifest."""
    doc = tomllib.loads((EXAMPLES / "manifest.toml").read_text())
    out: dict[str, Base] = {}
    for row in doc["run"]:
        kind = row["kind"]
        if kind in out or kind not in _LAYOUT:
            continue
        file = row.get("file") or row["files"][0]
        opts = dict(row.get("options", {}))
        if kind == "hc2-temperature":
            opts.pop("field_orientation", None)  # one file: orientation from its header
        x, y, group = _LAYOUT[kind]
        out[kind] = Base(kind=kind, file=file, x=x, y=y, options=opts, group=group)
    # kinds without an example row of their own read the R(T) file
    for kind in _LAYOUT:
        if kind not in out:
            x, y, group = _LAYOUT[kind]
            out[kind] = Base(kind=kind, file=_FALLBACK_FILE.get(kind, "KTO111-A/RT.csv"),
                             x=x, y=y, options=dict(_FALLBACK_OPTIONS.get(kind, {})),
                             group=group)
    return out


@dataclass
class Table:
    """A CSV file split into its comment lines, header and numeric rows."""

    comments: list[str]
    header: list[str]
    rows: np.ndarray

    def col(self, name: str) -> int:
        return self.header.index(name)

    def copy(self, rows: np.ndarray | None = None) -> Table:
        return Table(list(self.comments), list(self.header),
                     self.rows.copy() if rows is None else rows)

    def text(self) -> str:
        lines = [*self.comments, ",".join(self.header)]
        lines += [",".join(_cell(v) for v in r) for r in self.rows]
        return "\n".join(lines) + "\n"


def _cell(v: float) -> str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(float(v))


def read_table(path: Path, every: int = 1) -> Table:
    """Read an example CSV (``#`` comment lines, one header line, numbers)."""
    return read_table_text(path.read_text(), every)


def read_table_text(text: str, every: int = 1) -> Table:
    """:func:`read_table` of a text."""
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    header = body[0].split(",")
    rows = np.array([[float(c) for c in ln.split(",")] for ln in body[1:]])
    return Table(comments, header, rows[::every])


# ----------------------------------------------------------------------------------------
# the cases

#: inputs that no analysis kind can describe: they must be refused (exit 3) or carry a
#: verdict other than ``ok``
GARBAGE = ("constant", "noise", "single_point", "two_points", "empty", "header_only",
           "wrong_layout", "text_cells")

#: inputs derived from a valid measurement (the analysis may succeed on them); only a
#: clean exit is required
DAMAGED = ("duplicated_x", "non_monotonic_x", "nan_inf", "scale_1e-12", "scale_1e12",
           "x_scale_1e-12", "x_scale_1e12", "reversed", "nan_column")

CASES = GARBAGE + DAMAGED

#: (kind, case) pairs the model *can* describe although the case is in GARBAGE:
#: a constant Hc2(theta) is the isotropic limit (anisotropy 1) of the 3D GL model
DESCRIBABLE = {("hc2-angle", "constant")}


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _per_group(t: Table, base: Base, fn) -> Table:
    """Apply ``fn(rows) -> rows`` to each group (isotherm) separately."""
    if base.group is None:
        return t.copy(fn(t.rows.copy()))
    g = t.rows[:, t.col(base.group)]
    keys = list(dict.fromkeys(np.round(g, 2)))
    parts = [fn(t.rows[np.round(g, 2) == k].copy()) for k in keys]
    return t.copy(np.vstack(parts))


def damage(t: Table, base: Base, case: str, seed: int = 0) -> str:
    """Text of the CSV file for ``case`` made from the table ``t`` of ``base``."""
    rng = _rng(seed)
    ys = [t.col(c) for c in base.y]
    ix = t.col(base.x)
    if case == "empty":
        return ""
    if case == "header_only":
        return "\n".join([*t.comments, ",".join(t.header)]) + "\n"
    if case == "single_point":
        return t.copy(t.rows[len(t.rows) // 2:len(t.rows) // 2 + 1]).text()
    if case == "two_points":
        mid = len(t.rows) // 2
        return t.copy(t.rows[mid:mid + 2]).text()
    if case == "constant":
        r = t.rows.copy()
        for j in ys:
            r[:, j] = np.nanmedian(np.abs(r[:, j])) or 1.0
        return t.copy(r).text()
    if case == "noise":
        r = t.rows.copy()
        scale = np.nanmax(np.abs(r[:, ys[0]])) or 1.0
        r[:, ys[0]] = scale * rng.uniform(0.05, 1.0, len(r))
        return t.copy(r).text()
    if case == "wrong_layout":
        other = "hc2-angle" if base.kind != "hc2-angle" else "tc"
        ob = bases()[other]
        return read_table(EXAMPLES / ob.file, every=5).text()
    if case == "text_cells":
        lines = t.text().splitlines()
        n0 = len(t.comments) + 1
        body = [",".join("abc" for _ in t.header) for _ in lines[n0:]]
        return "\n".join([*lines[:n0], *body]) + "\n"
    if case == "duplicated_x":
        r = np.repeat(t.rows, 2, axis=0)
        for j in ys:
            r[1::2, j] *= 1 + 1e-3 * rng.standard_normal(len(r[1::2]))
        return t.copy(r).text()
    if case == "non_monotonic_x":
        return _per_group(t, base, lambda r: r[rng.permutation(len(r))]).text()
    if case == "reversed":
        return t.copy(t.rows[::-1]).text()
    if case == "nan_inf":
        r = t.rows.copy()
        n = len(r)
        pick = rng.choice(n, size=max(3, n // 20), replace=False)
        r[pick[0::3], ys[0]] = np.nan
        r[pick[1::3], ys[0]] = np.inf
        r[pick[2::3], ys[0]] = -np.inf
        r[rng.integers(n), ix] = np.nan
        return t.copy(r).text()
    if case == "nan_column":
        r = t.rows.copy()
        r[:, ys[0]] = np.nan
        return t.copy(r).text()
    if case.startswith("scale_") or case.startswith("x_scale_"):
        factor = float(case.rsplit("_", 1)[1])
        r = t.rows.copy()
        for j in ([ix] if case.startswith("x_") else ys):
            r[:, j] *= factor
        return t.copy(r).text()
    raise ValueError(f"unknown case {case!r}")


def make_case(kind: str, case: str, folder: Path, *, every: int = 1, seed: int = 0) -> Path:
    """Write the file of ``case`` for ``kind`` into ``folder`` and return its path.

    Parameters
    ----------
    every
        Keep every ``every``-th row of the example file (smaller, faster inputs).
    """
    base = bases()[kind]
    table = read_table(EXAMPLES / base.file, every=every)
    path = folder / f"{kind}_{case}_{seed}.csv"
    path.write_text(damage(table, base, case, seed=seed))
    return path


def fit_args(kind: str, path: Path, *, json_out: bool = True) -> list[str]:
    """``fit KIND FILE [--json] -o ...`` with the options of the kind's example row."""
    import json

    args = ["fit", kind, str(path)]
    if json_out:
        args.append("--json")
    for k, v in bases()[kind].options.items():
        args += ["-o", f"{k}={json.dumps(v)}"]
    return args


# ----------------------------------------------------------------------------------------
# randomised damage (slow campaign)

_RANDOM_OPS = ("truncate", "scale_y", "scale_x", "offset_y", "negate_y", "shuffle",
               "reverse", "nan", "duplicate", "jitter_y", "noise_y", "constant_y",
               "few_points")

def _random_op(op: str, r: np.ndarray, ix: int, ys: list[int],
               rng: np.random.Generator) -> np.ndarray:
    n = len(r)
    if op == "truncate":
        k = int(rng.integers(3, 31))
        start = int(rng.integers(0, max(1, n - k)))
        return r[start:start + k]
    if op == "few_points":
        return r[rng.choice(n, size=min(n, int(rng.integers(1, 3))), replace=False)]
    if op in ("scale_y", "scale_x"):
        cols = ys if op == "scale_y" else [ix]
        r[:, cols] *= 10.0 ** rng.uniform(-12, 12)
    elif op == "offset_y":
        r[:, ys[0]] += rng.uniform(-2, 2) * (np.nanmax(np.abs(r[:, ys[0]])) or 1.0)
    elif op == "negate_y":
        r[:, ys[0]] *= -1
    elif op == "shuffle":
        r = r[rng.permutation(n)]
    elif op == "reverse":
        r = r[::-1]
    elif op == "nan":
        pick = rng.random(r.shape) < rng.uniform(0.0, 0.3)
        r[pick] = rng.choice([np.nan, np.inf, -np.inf], size=int(pick.sum()))
    elif op == "duplicate":
        r = np.repeat(r, int(rng.integers(2, 4)), axis=0)
    elif op == "jitter_y":
        r[:, ys[0]] *= 1 + rng.uniform(0, 0.5) * rng.standard_normal(n)
    elif op == "noise_y":
        r[:, ys[0]] = rng.uniform(-0.2, 1.0, n) * (np.nanmax(np.abs(r[:, ys[0]])) or 1.0)
    elif op == "constant_y":
        r[:, ys] = rng.uniform(-1, 1) * 10.0 ** rng.uniform(-12, 12)
    return r


def random_case(kind: str, folder: Path, seed: int) -> tuple[Path, list[str], bool]:
    """Write a randomly damaged version of the kind's example file.

    Returns
    -------
    path, ops, garbage
        The file, the operations applied (in order) and whether one of them leaves data
        no model describes (pure noise, a constant, one or two points).
    """
    rng = _rng(10_000 + seed)
    base = bases()[kind]
    t = read_table(EXAMPLES / base.file, every=int(rng.choice([1, 2, 3, 5])))
    ix, ys = t.col(base.x), [t.col(c) for c in base.y]
    ops = list(rng.choice(_RANDOM_OPS, size=int(rng.integers(1, 4)), replace=False))
    r = t.rows.copy()
    for op in ops:
        r = _random_op(str(op), r.copy(), ix, ys, rng)
    path = folder / f"{kind}_random_{seed}.csv"
    path.write_text(t.copy(r).text())
    garbage = bool({"noise_y", "few_points"} & set(ops)) or (
        "constant_y" in ops and (kind, "constant") not in DESCRIBABLE)
    return path, [str(o) for o in ops], garbage
