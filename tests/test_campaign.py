"""Hostile inputs through ``ktoanalysis fit KIND FILE --json``, for every analysis kind.

Each kind gets its example file (``data/example_series``) damaged in one way
(:mod:`campaign_data`): constant, pure noise, one or two points, empty, header only,
another kind's table, text cells, duplicated / shuffled / reversed x, NaN and inf cells,
an all-NaN column, y or x scaled by 1e-12 and 1e12. Every run must end cleanly: exit code
0, 3 or 5 (never 1, never an escaped exception), JSON on stdout whenever a result is
printed, exit 5 exactly when the verdict is ``fail``. Inputs no model can describe
(:data:`campaign_data.GARBAGE`) must be refused (exit 3) or carry a verdict other than
``ok``.
"""

from __future__ import annotations

import json
from pathlib import Path

import campaign_data as cd
import pytest

from ktoanalysis.transport import KINDS, kind_spec

#: keep every n-th row of the example files in the default run (speed); the BKT kinds
#: need more points in their window (checked by test_base_input_is_analysed)
EVERY = {"bkt-rt": 2, "bkt-iv": 2}
EVERY_DEFAULT = 3


def every(kind: str) -> int:
    return EVERY.get(kind, EVERY_DEFAULT)

#: number of random inputs per kind in the slow campaign
N_RANDOM = 40


def _require_spec(kind: str) -> None:
    if kind_spec(kind) is None:
        pytest.skip(f"kind {kind} has no declaration yet")


def check_run(out: cd.Outcome, *, garbage: bool, what: str) -> str | None:
    """Check one run; return its verdict (``None`` when refused with exit 3)."""
    assert out.clean_exit, f"{what}: escaped exception: {out.describe()}"
    assert out.exit_code in (0, 3, 5), f"{what}: {out.describe()}"
    assert "Traceback" not in out.stderr, f"{what}: traceback on stderr:\n{out.stderr}"
    if out.exit_code == 3:
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), f"{what}: {out.stderr!r}"
        return None
    result = json.loads(out.stdout)
    verdict = result["quality"]["verdict"]
    assert verdict in ("ok", "warn", "fail"), what
    assert (out.exit_code == 5) == (verdict == "fail"), f"{what}: exit {out.exit_code}, " \
        f"verdict {verdict}"
    if garbage:
        assert verdict != "ok", f"{what}: verdict ok on data no model describes: " \
            f"{json.dumps(result['params'])[:300]}"
    return verdict


@pytest.mark.parametrize("case", cd.CASES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_input(kind: str, case: str, tmp_path: Path) -> None:
    _require_spec(kind)
    path = cd.make_case(kind, case, tmp_path, every=every(kind))
    out = cd.run_cli(cd.fit_args(kind, path))
    garbage = case in cd.GARBAGE and (kind, case) not in cd.DESCRIBABLE
    check_run(out, garbage=garbage, what=f"{kind} / {case}")


@pytest.mark.parametrize("case", ["nan_inf"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_input_text_report(kind: str, case: str, tmp_path: Path) -> None:
    """The human-readable report (no ``--json``) and the figure of odd results are
    written without error."""
    _require_spec(kind)
    path = cd.make_case(kind, case, tmp_path, every=every(kind))
    fig = tmp_path / "fig.png"
    out = cd.run_cli([*cd.fit_args(kind, path, json_out=False), "--plot", str(fig)])
    assert out.clean_exit and out.exit_code in (0, 3, 5), f"{kind} / {case}: " \
        f"{out.describe()}"
    if out.exit_code != 3:
        assert out.stdout.startswith(f"[{kind}]"), out.stdout[:200]
        assert fig.stat().st_size > 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_base_input_is_analysed(kind: str, tmp_path: Path) -> None:
    """The undamaged (thinned) example file gives a result, so that the damaged versions
    of it exercise the analysis itself and not only its refusal of too few points."""
    base = cd.bases()[kind]
    path = tmp_path / "base.csv"
    path.write_text(cd.read_table(cd.EXAMPLES / base.file, every=every(kind)).text())
    out = cd.run_cli(cd.fit_args(kind, path))
    assert check_run(out, garbage=False, what=f"{kind} / base") is not None, out.describe()


def test_campaign_cases_are_hostile() -> None:
    """The damaged files really differ from the example data (else the campaign tests
    nothing): constant and noise files have no transition shape left."""
    import numpy as np

    for kind, base in cd.bases().items():
        table = cd.read_table(cd.EXAMPLES / base.file, every=every(kind))
        y = table.rows[:, table.col(base.y[0])]
        text = cd.damage(table, base, "constant")
        const = cd.read_table_text(text).rows[:, table.col(base.y[0])]
        assert np.ptp(const) == 0 and np.ptp(y) > 0, kind
        noisy = cd.read_table_text(cd.damage(table, base, "noise")).rows[:, table.col(base.y[0])]
        assert abs(np.corrcoef(noisy, y)[0, 1]) < 0.6, kind


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_input_random(kind: str, tmp_path: Path) -> None:
    _require_spec(kind)
    problems = []
    for seed in range(N_RANDOM):
        path, ops, garbage = cd.random_case(kind, tmp_path, seed)
        out = cd.run_cli(cd.fit_args(kind, path))
        try:
            check_run(out, garbage=garbage, what=f"{kind} / random {seed} {ops}")
        except (AssertionError, json.JSONDecodeError) as exc:
            problems.append(str(exc).splitlines()[0])
    assert not problems, "\n".join(problems)
