"""The documentation: it builds without warnings and misses no public name or command.

The coverage tests need no Sphinx: they compare the package's own ``__all__`` lists, the
typer command tree and the analysis-kind registry (the independent reference) with the
documentation sources in ``docs/``. The build test runs ``sphinx-build -W`` in a
subprocess (skipped when the ``docs`` extra is not installed) and checks the generated
pages against the same references.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ktoanalysis
from ktoanalysis.transport import KINDS, kind_module

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _sources(*folders: str) -> str:
    """Concatenated text of the Markdown sources under ``docs/<folder>``."""
    paths = [p for f in folders for p in sorted((DOCS / f).glob("*.md"))]
    assert paths, f"no documentation sources in {folders}"
    return "\n".join(p.read_text(encoding="utf-8") for p in paths)


def _public_modules() -> list[str]:
    """Public modules (no component starting with ``_``, CLI excluded) that define __all__."""
    names = ["ktoanalysis"]
    for info in pkgutil.walk_packages(ktoanalysis.__path__, "ktoanalysis."):
        parts = info.name.split(".")
        if any(p.startswith("_") for p in parts) or parts[1] == "cli":
            continue
        names.append(info.name)
    return [n for n in names if hasattr(importlib.import_module(n), "__all__")]


def _cli_commands() -> list[tuple[str, object]]:
    """(path, command) for every command and sub-command of the console script."""
    import typer.main

    from ktoanalysis.cli import app

    out: list[tuple[str, object]] = []

    def walk(cmd, path: str) -> None:
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            out.append((f"{path} {name}", sub))
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "ktoanalysis")
    return out


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text) is not None or \
        re.search(rf"\.{re.escape(word)}(?!\w)", text) is not None


def test_every_public_module_has_an_api_section():
    api = _sources("api")
    modules = _public_modules()
    assert "ktoanalysis.transport.bkt" in modules  # the walk itself works
    missing = [m for m in modules if f"automodule:: {m}\n" not in api]
    assert not missing, f"modules without an automodule section in docs/api: {missing}"


def test_every_name_in_all_is_documented():
    api = _sources("api") + _sources(".")
    missing = [f"{m}.{name}" for m in _public_modules()
               for name in importlib.import_module(m).__all__ if not _has_word(api, name)]
    assert not missing, f"public names missing from docs/api: {missing}"


def test_every_cli_command_is_documented():
    text = _sources(".", "models")
    commands = _cli_commands()
    paths = {p for p, _ in commands}
    assert {"ktoanalysis fit", "ktoanalysis theory table3"} <= paths
    missing = [p for p in sorted(paths) if f"`{p}" not in text]
    assert not missing, f"commands not mentioned in docs/cli.md: {missing}"


def test_every_analysis_kind_has_a_model_page_with_its_options():
    models = _sources("models")
    missing = [k for k in KINDS if f"```{{kto-options}} {k}\n" not in models]
    assert not missing, f"kinds without an options table on a model page: {missing}"


def test_model_pages_cite_a_source_paper():
    for page in sorted((DOCS / "models").glob("*.md")):
        if page.name == "index.md":
            continue
        text = page.read_text(encoding="utf-8")
        assert "## Source" in text, page.name
        assert re.search(r"\b00[0-4]_[0-9a-f]{16}\.txt\b", text), f"{page.name} names no paper"
        assert "/work" not in text and "shared/" not in text, page.name


@pytest.fixture(scope="module")
def html_build(tmp_path_factory):
    """Build the HTML docs once with warnings as errors; return the output folder."""
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_nb")
    pytest.importorskip("jupytext")
    tmp = tmp_path_factory.mktemp("docs")
    out = tmp / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp / "doctrees"), str(DOCS), str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, f"sphinx-build failed:\n{proc.stdout}\n{proc.stderr}"
    return out


def _html_text(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_docs_build_without_warnings(html_build):
    for page in ("index", "installation", "quickstart", "cli", "benchmarks", "api/index",
                 "models/index", "notebooks/index"):
        assert (html_build / f"{page}.html").is_file(), page


def test_cli_reference_lists_every_option(html_build):
    cli = _html_text(html_build / "cli.html")
    for path, cmd in _cli_commands():
        assert path in cli, path
        for param in getattr(cmd, "params", []):
            if getattr(param, "hidden", False):
                continue
            for opt in param.opts:
                if opt.startswith("-"):
                    assert opt in cli, f"{path}: option {opt} missing from the CLI page"


def test_kind_options_rendered(html_build):
    text = " ".join(_html_text(p) for p in (html_build / "models").glob("*.html"))
    for kind in KINDS:
        for name in kind_module(kind).OPTIONS:
            assert name in text, f"option {name!r} of kind {kind!r} not rendered"


def test_every_notebook_is_rendered(html_build):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    for nb in notebooks:
        assert (html_build / "notebooks" / f"{nb.stem}.html").is_file(), nb.name


def test_kinds_table_rendered_as_a_table(html_build):
    """The ``kto-kinds`` table of the CLI page is an HTML table (it was once a bullet list
    of raw ``.. list-table::`` text), with one row per kind."""
    html = (html_build / "cli.html").read_text(encoding="utf-8")
    assert "list-table" not in html
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    kinds_table = [t for t in tables if ">module<" in re.sub(r"<(?!/?th)[^>]+>", "", t)]
    assert len(kinds_table) == 1
    for kind in KINDS:
        assert f'<span class="pre">{kind}</span>' in kinds_table[0], kind


def test_notebook_pages_show_their_figures(html_build):
    """Every notebook page shows the figures the notebook draws (stored by
    scripts/make_notebook_figures.py), and each image file is in the build."""
    stored = DOCS / "notebook_figures"
    for nb in sorted((ROOT / "notebooks").glob("[0-9]*.py")):
        pngs = sorted((stored / nb.stem).glob("*.png"))
        assert pngs, f"no stored figures for {nb.name}: run scripts/make_notebook_figures.py"
        page = html_build / "notebooks" / f"{nb.stem}.html"
        srcs = re.findall(r'<img[^>]+src="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(srcs) >= len(pngs), nb.name
        for src in srcs:
            assert (page.parent / src).resolve().is_file(), (nb.name, src)


def test_docstrings_point_to_docs_pages_not_to_unshipped_files():
    """The package ships neither MODELS.md nor the shared papers folder: docstrings and
    messages name documentation pages (docs/models/...) or paper files by name."""
    bad = []
    for path in sorted((ROOT / "ktoanalysis").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in ("MODELS.md", "../shared", "/work/shared", "papers/"):
            if needle in text:
                bad.append(f"{path.relative_to(ROOT)}: {needle}")
    assert not bad, bad
