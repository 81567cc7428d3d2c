"""One declaration, three doors: the CLI ``-o``, the batch manifest and ``SPEC.resolve``
accept and refuse exactly the same option values.

For every analysis kind with a declaration (``SPEC``), bad and good values are generated
from the declaration itself (wrong types, values just outside and just inside the range,
pairs with lo >= hi, wrong-length lists, unknown choices and names, non-finite numbers),
and classified by :func:`expected_valid`, written here from the rules documented in
:mod:`ktoanalysis.transport.declaration` (not by calling the validator under test). Then

* ``ktoanalysis fit KIND MISSING_FILE -o name=value`` must exit 3 with one line on stderr
  naming the option, before the (missing) file is opened, for every bad value, and reach
  the file (and report it missing) for every good one;
* a TOML and a CSV manifest row with the same option must raise ``ManifestError`` for
  exactly the bad values;
* ``SPEC.resolve`` must raise ``OptionError`` for exactly the bad values.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from campaign_data import run_cli

from ktoanalysis.batch.manifest import load_manifest
from ktoanalysis.errors import ManifestError, OptionError
from ktoanalysis.transport import KINDS, kind_spec
from ktoanalysis.transport.declaration import Option

INF = float("inf")
NAN = float("nan")
MISSING = "no_such_dir/no_such_file.csv"

#: total number of bad values that must go through the CLI once every kind is declared
MIN_BAD_VALUES = 500

#: (good, bad) values per option in the default run; the slow test tries all of them
SUBSET = (3, 8)


def _spec_or_skip(kind: str):
    spec = kind_spec(kind)
    if spec is None:
        pytest.skip(f"kind {kind} has no declaration yet")
    return spec


# ----------------------------------------------------------------------------------------
# the rules of the declaration, written independently of the validator


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _in_range(opt: Option, v: float) -> bool:
    if not math.isfinite(v):
        return False
    if opt.min is not None and (v < opt.min or (opt.min_exclusive and v == opt.min)):
        return False
    return not (opt.max is not None and (v > opt.max or (opt.max_exclusive and v == opt.max)))


def _valid_as(opt: Option, t: str, v: Any) -> bool:
    if t == "float":
        return _is_number(v) and _in_range(opt, float(v))
    if t == "int":
        return _is_number(v) and math.isfinite(v) and float(v) == int(v) and _in_range(opt, v)
    if t == "bool":
        return isinstance(v, bool)
    if t == "str":
        return isinstance(v, str) and (opt.choices is None or v in opt.choices)
    if not isinstance(v, list):
        return False
    if t == "pair":
        return (len(v) == 2 and all(_is_number(x) and _in_range(opt, float(x)) for x in v)
                and v[0] < v[1])
    if t == "floats":
        return bool(v) and all(_is_number(x) and _in_range(opt, float(x)) for x in v)
    if t == "strs":
        return bool(v) and all(_valid_as(opt, "str", x) for x in v)
    raise AssertionError(f"type {t} not covered by this test")


def expected_valid(opt: Option, value: Any) -> bool:
    """Whether the documented rules accept ``value`` for ``opt``."""
    if value is None:
        return opt.default is None or opt.nullable
    return any(_valid_as(opt, t, value) for t in opt.type.split("|"))


# ----------------------------------------------------------------------------------------
# values generated from a declaration

_GENERIC: list[Any] = ["abc", "", " ", 1.5, 0, -1, 7, 2.5, 3.0, -1e-9, 1e30, True, False,
                       [1.0, 2.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0, 3.0], [], [1.0],
                       ["a", "b"], [True, False], [1.0, "x"], {"a": 1}, INF, -INF, NAN,
                       [0.0, INF], None]


def _near(b: float) -> tuple[float, float]:
    d = max(abs(b), 1.0) * 1e-6
    return b - d, b + d


def _range_values(opt: Option) -> list[Any]:
    out: list[Any] = []
    for b in (opt.min, opt.max):
        if b is None:
            continue
        lo, hi = _near(float(b))
        out += [float(b), lo, hi, [lo, hi + 1.0], [lo - 1.0, hi], [float(b), float(b)]]
        if "int" in opt.type.split("|"):
            out += [int(b) - 1, int(b), int(b) + 1, float(b) + 0.5]
    if opt.min is not None and opt.max is not None:
        a, b = float(opt.min), float(opt.max)
        mid = 0.5 * (a + b)
        out += [[a, b], [b, a], [mid, mid], [_near(a)[1], _near(b)[0]], [mid],
                [a, mid, b], [_near(a)[1]], [mid, _near(b)[1]]]
    return out


def _choice_values(opt: Option) -> list[Any]:
    if not opt.choices:
        return []
    out: list[Any] = []
    for c in opt.choices:
        out += [c, c + "_x", c.upper(), f" {c}", [c], [c, c + "_x"]]
    out += [list(opt.choices), "none_of_these"]
    return out


def _default_values(opt: Option) -> list[Any]:
    d = opt.default
    if isinstance(d, (list, tuple)):
        d = list(d)
        return [d, d[::-1], d[:1], d + d[-1:], [*d[:-1], "x"]]
    return [d]


def option_values(opt: Option) -> list[Any]:
    """Candidate values for one option (duplicates removed, order kept)."""
    seen: list[Any] = []
    keys: set[str] = set()
    for v in [*_default_values(opt), *_range_values(opt), *_choice_values(opt), *_GENERIC]:
        k = _key(v)
        if k not in keys and not (isinstance(v, str) and v.strip() in ("true", "false")):
            keys.add(k)
            seen.append(v)
    return seen


def _key(v: Any) -> str:
    return f"{type(v).__name__}:{json.dumps(v)}"


def unknown_names(spec) -> list[str]:
    """Option names the declaration does not have."""
    names = [o.name for o in spec.options]
    out = ["no_such_option", "channel_", "Options", names[0] + "_typo", names[0].upper(),
           names[-1][:-1], f" {names[0]}x", "a.b", "x-y"]
    return [n for n in out if n.strip() not in names]


def _spread(items: list[Any], n: int) -> list[Any]:
    """At most ``n`` items, evenly spread over the list (first and last included)."""
    if len(items) <= n:
        return items
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def cases(kind: str, *, full: bool = False) -> list[tuple[str, Any, bool]]:
    """``(option name, value, valid)`` for the values tried for ``kind``.

    By default at most :data:`SUBSET` good and bad values per option (spread over the
    generated ones); ``full=True`` gives every generated value.
    """
    spec = _spec_or_skip(kind)
    out: list[tuple[str, Any, bool]] = []
    for o in spec.options:
        tagged = [(v, expected_valid(o, v)) for v in option_values(o)]
        good = [v for v, ok in tagged if ok]
        bad = [v for v, ok in tagged if not ok]
        if not full:
            good, bad = _spread(good, SUBSET[0]), _spread(bad, SUBSET[1])
        out += [(o.name, v, True) for v in good] + [(o.name, v, False) for v in bad]
    out += [(n, 1.0, False) for n in unknown_names(spec)]
    return out


# ----------------------------------------------------------------------------------------
# encodings: CLI text, TOML, CSV


def cli_text(value: Any) -> str:
    """What a user types after ``name=`` to give ``value``."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("1e400" if value > 0 else "-1e400")
    if isinstance(value, str) and value and value == value.strip():
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return value  # plain text, as typed
    return json.dumps(value)


def toml_value(value: Any) -> str:
    """TOML literal of ``value`` (``None`` has none)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(value)


def manifest_accepts(folder: Path, kind: str, name: str, value: Any, fmt: str) -> bool | None:
    """Whether a manifest row ``kind`` with option ``name = value`` loads (None: the
    format cannot express the value)."""
    if fmt == "toml":
        if value is None:
            return None  # TOML has no null
        path = folder / "m.toml"
        path.write_text(f'[[run]]\nsample = "s"\nkind = "{kind}"\nfile = "{MISSING}"\n'
                        f"[run.options]\n{json.dumps(name)} = {toml_value(value)}\n")
    else:
        if name != name.strip():
            return None  # CSV header cells are stripped
        path = folder / "m.csv"
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["sample", "kind", "file", f"opt.{name}"])
            w.writerow(["s", kind, MISSING, cli_text(value)])
    try:
        load_manifest(path)
    except ManifestError as exc:
        assert "\n" not in str(exc)
        return False
    return True


def resolve_accepts(spec, name: str, value: Any) -> bool | str:
    """Whether ``SPEC.resolve`` accepts the option (OptionError: no); the text of any
    other exception."""
    try:
        spec.resolve({name: value})
    except OptionError:
        return False
    except Exception as exc:  # a crash of the validator is a finding, not a test error
        return f"{type(exc).__name__}: {exc}"
    return True


def cli_outcome(kind: str, name: str, value: Any) -> tuple[bool, str]:
    """``(accepted, problem)``: accepted when the CLI went on to the (missing) file;
    ``problem`` is empty when the CLI behaved as documented."""
    out = run_cli(["fit", kind, MISSING, "-o", f"{name}={cli_text(value)}"])
    if not out.clean_exit:
        return False, out.describe()
    lines = out.stderr.strip().splitlines()
    if out.exit_code != 3 or len(lines) != 1:
        return False, f"exit {out.exit_code}, stderr {out.stderr!r}"
    reached_file = "no_such_file" in lines[0]
    if not reached_file and name.strip() not in lines[0]:
        return False, f"message does not name {name!r}: {lines[0]}"
    return reached_file, ""


# ----------------------------------------------------------------------------------------
# tests


def _disagreements(kind: str, folder: Path, *, full: bool) -> list[str]:
    spec = _spec_or_skip(kind)
    problems: list[str] = []
    for name, value, valid in cases(kind, full=full):
        where = f"{name}={cli_text(value)} (expected {'good' if valid else 'bad'})"
        resolved = resolve_accepts(spec, name, value)
        if resolved is not valid:
            problems.append(f"resolve {'accepts' if resolved is True else 'refuses'}"
                            f"{'' if isinstance(resolved, bool) else ' by crashing: ' + resolved}"
                            f": {where}")
        accepted, problem = cli_outcome(kind, name, value)
        if problem:
            problems.append(f"CLI: {where}: {problem}")
        elif accepted != valid:
            problems.append(f"CLI {'accepts' if accepted else 'refuses'}: {where}")
        for fmt in ("toml", "csv"):
            ok = manifest_accepts(folder, kind, name, value, fmt)
            if ok is not None and ok != valid:
                problems.append(f"{fmt} manifest {'accepts' if ok else 'refuses'}: {where}")
    return problems


@pytest.mark.parametrize("kind", list(KINDS))
def test_cli_manifest_resolve_agree(kind: str, tmp_path: Path) -> None:
    problems = _disagreements(kind, tmp_path, full=False)
    assert not problems, f"{kind}: {len(problems)} disagreements:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_cli_manifest_resolve_agree_all_values(kind: str, tmp_path: Path) -> None:
    problems = _disagreements(kind, tmp_path, full=True)
    assert not problems, f"{kind}: {len(problems)} disagreements:\n" + "\n".join(problems)


def test_enough_bad_values() -> None:
    missing = [k for k in KINDS if kind_spec(k) is None]
    if missing:
        pytest.skip(f"kinds {', '.join(missing)} have no declaration yet")
    # the values of the default run of test_cli_manifest_resolve_agree
    bad = sum(not valid for k in KINDS for _, _, valid in cases(k))
    assert bad >= MIN_BAD_VALUES


def test_generated_values_cover_both_sides() -> None:
    """The generator must produce good and bad values for every declared option (else
    the parity test could not fail on that option)."""
    for kind in KINDS:
        spec = kind_spec(kind)
        if spec is None:
            continue
        for opt in spec.options:
            flags = {expected_valid(opt, v) for v in option_values(opt)}
            assert flags == {True, False}, f"{kind}.{opt.name}: only {flags}"


@pytest.mark.parametrize("item", ["novalue", "=3", "  =3"])
def test_malformed_option_is_one_line(item: str) -> None:
    out = run_cli(["fit", "tc", MISSING, "-o", item])
    assert out.clean_exit and out.exit_code == 3, out.describe()
    assert len(out.stderr.strip().splitlines()) == 1 and "no_such_file" not in out.stderr


def test_huge_integer_is_refused_not_a_crash() -> None:
    """An integer beyond any float (JSON allows it) is refused with exit 3."""
    out = run_cli(["fit", "tc", MISSING, "-o", "zero_k=" + "9" * 400])
    assert out.clean_exit and out.exit_code == 3, out.describe()
    assert "zero_k" in out.stderr


@pytest.mark.parametrize("kind", list(KINDS))
def test_help_lists_every_option(kind: str) -> None:
    spec = _spec_or_skip(kind)
    out = run_cli(["fit", kind, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert out.exit_code == 0, out.describe()
    missing = [o.name for o in spec.options
               if not re.search(rf"(?<![\w]){re.escape(o.name)}(?![\w])", out.stdout)]
    assert not missing, f"fit {kind} --help does not list {missing}"


def test_kinds_json_lists_options_and_outputs() -> None:
    out = run_cli(["kinds", "--json"])
    assert out.exit_code == 0, out.describe()
    doc = json.loads(out.stdout)
    assert set(doc) == set(KINDS)
    for kind, entry in doc.items():
        spec = kind_spec(kind)
        if spec is None:
            continue
        assert [o["name"] for o in entry["options"]] == [o.name for o in spec.options]
        assert [o["name"] for o in entry["outputs"]] == [o.name for o in spec.outputs]
        assert entry["outputs"], f"{kind} declares no outputs"
        for o in entry["options"]:
            assert {"type", "default", "unit", "expected", "help"} <= set(o)


# ----------------------------------------------------------------------------------------
# the other things a user types: --channel, --plot; and what comes back as JSON


@pytest.mark.parametrize("channel", ["0", "00", "", "  ", "²", "١"])
def test_bad_channel_is_one_line_before_loading(channel: str) -> None:
    """Channel 0 / empty are refused before the file is opened; non-ASCII digits are a
    column name (not a crash in int())."""
    out = run_cli(["fit", "tc", MISSING, "--channel", channel])
    assert out.clean_exit and out.exit_code == 3, out.describe()
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    if channel.strip() in ("0", "00", ""):
        assert "--channel" in lines[0] and "no_such_file" not in lines[0]
    else:
        assert "no_such_file" in lines[0]  # a column name: the file is reached


@pytest.mark.parametrize("name", ["fig.xyz", "fig", "."])
def test_bad_plot_path_is_refused_before_work(name: str, tmp_path: Path) -> None:
    out = run_cli(["fit", "tc", MISSING, "--plot", str(tmp_path / name)])
    assert out.clean_exit and out.exit_code == 3, out.describe()
    assert "--plot" in out.stderr and "no_such_file" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_echo_json_writes_null_for_non_finite(capsys: pytest.CaptureFixture[str]) -> None:
    from ktoanalysis.cli._common import echo_json

    echo_json({"a": NAN, "b": [INF, -INF, 1.5], "c": (1, 2), "d": {"e": NAN}})
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [None, None, 1.5],
                                                   "c": [1, 2], "d": {"e": None}}


@pytest.mark.parametrize(("cell", "expected"), [("2", 2), ("²", "²"), ("R (Ohm)", "R (Ohm)")])
def test_csv_manifest_channel_cell(cell: str, expected: Any, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["sample", "kind", "file", "channel"],
                                  ["s", "tc", MISSING, cell]])
    assert load_manifest(path).rows[0].channel == expected
