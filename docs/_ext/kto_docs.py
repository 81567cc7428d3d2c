"""Local Sphinx extension of the ktoanalysis docs.

* ``kto-options KIND`` directive: the options (type, default, unit, range, ASSUMPTION)
  and output parameters of an analysis kind, read from the kind module's declaration
  ``SPEC`` (the same one ``ktoanalysis fit KIND --help``, ``kinds`` and the manifest read).
* ``kto-cli`` directive: the reference of every command and sub-command of the typer
  application (usage, help text, arguments and options with types and defaults), walked
  from ``typer.main.get_command(ktoanalysis.cli.app)`` so it never drifts from the code.
* ``kto-kinds`` directive: the table of analysis kinds (``ktoanalysis.transport.KINDS``).
* At ``builder-inited``: the jupytext ``py:percent`` notebooks of ``../notebooks`` are
  converted to ``docs/notebooks/*.ipynb`` (plus an index page) so that myst-nb renders
  them; the sources stay in ``notebooks/`` and nothing is copied by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

NB_METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}


def _escape(text: str) -> str:
    """Free text for generated reStructuredText: no markup characters (``Rxy_`` would be a
    reference, ``*`` emphasis, ``|`` a substitution)."""
    out = str(text).replace("\\", "\\\\")
    for ch in "|*`_":
        out = out.replace(ch, "\\" + ch)
    return out


class _RstDirective(SphinxDirective):
    """A directive whose content is generated reStructuredText (tables, definition lists).

    The pages are MyST Markdown, whose nested parser would read the generated lines as
    Markdown (a list-table became a bullet list of ``.. list-table::`` text): inside a
    MyST page they are wrapped in an ``eval-rst`` block, so they render as tables.
    """

    def _parse(self, lines: list[str]) -> list[nodes.Node]:
        container = nodes.container()
        if "myst" in type(self.state).__module__:
            fence = "`" * 6
            lines = [f"{fence}{{eval-rst}}", *lines, fence]
        self.state.nested_parse(StringList(lines, source="kto_docs"), self.content_offset,
                                container)
        return container.children


class KindOptionsDirective(_RstDirective):
    """Render the ``OPTIONS`` of one analysis kind as a definition list."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from ktoanalysis.transport import kind_module

        kind = self.arguments[0]
        try:
            module = kind_module(kind)
        except KeyError as exc:
            raise self.error(str(exc)) from exc
        spec = getattr(module, "SPEC", None)
        lines: list[str] = []
        if spec is None:
            for name, text in module.OPTIONS.items():
                lines += [f"``{name}``", f"   {_escape(text)}", ""]
            return self._parse(lines)
        for o in spec.options:
            unit = f" [{o.unit}]" if o.unit else ""
            tag = " **ASSUMPTION**." if o.assumption else ""
            lines += [f"``{o.name}``{_escape(unit)}",
                      f"   {_escape(o.expected())}; default ``{o.default!r}``.{tag} "
                      f"{_escape(o.help)}", ""]
        if spec.outputs:
            lines += ["**Parameters produced**", ""]
            for p in spec.outputs:
                lines += [f"``{p.name}``", f"   {_escape(p.meaning)}", ""]
        return self._parse(lines)


class KindsDirective(_RstDirective):
    """Render the table of analysis kinds."""

    def run(self) -> list[nodes.Node]:
        from ktoanalysis.transport import KINDS

        lines = [".. list-table::", "   :header-rows: 1", "", "   * - kind", "     - module",
                 "     - what it does"]
        for kind, (module, text) in KINDS.items():
            lines += [f"   * - ``{kind}``", f"     - :mod:`{module}`", f"     - {_escape(text)}"]
        return self._parse(lines + [""])


class FlagsDirective(_RstDirective):
    """Render the catalogue of quality flag codes (``ktoanalysis.transport.quality.CODES``)."""

    def run(self) -> list[nodes.Node]:
        from ktoanalysis.transport.quality import CODES

        lines = [".. list-table::", "   :header-rows: 1", "", "   * - code", "     - meaning"]
        for code, text in CODES.items():
            lines += [f"   * - ``{code}``", f"     - {_escape(text)}"]
        return self._parse(lines + [""])


class ExitCodesDirective(_RstDirective):
    """Render the exit codes (``ktoanalysis.errors.ExitCode``)."""

    def run(self) -> list[nodes.Node]:
        from ktoanalysis.errors import ExitCode

        lines = [".. list-table::", "   :header-rows: 1", "", "   * - code", "     - name"]
        for code in ExitCode:
            lines += [f"   * - ``{int(code)}``", f"     - ``{code.name}``"]
        return self._parse(lines + [""])


class CliDirective(SphinxDirective):
    """Render the whole command tree of the ``ktoanalysis`` console script."""

    def run(self) -> list[nodes.Node]:
        import typer.main

        from ktoanalysis.cli import app as typer_app

        root = typer.main.get_command(typer_app)
        ctx = root.make_context("ktoanalysis", [], resilient_parsing=True)
        return self._command(root, ctx, "ktoanalysis")

    def _command(self, cmd, ctx, path: str) -> list[nodes.Node]:
        section = nodes.section(ids=[nodes.make_id("cli " + path)], names=[path])
        self.state.document.note_implicit_target(section, section)
        section += nodes.title(text=path)
        usage = cmd.get_usage(ctx).replace("Usage: ", "", 1)
        section += nodes.literal_block(usage, usage, language="text")
        for para in (cmd.help or "").strip().split("\n\n"):
            if para.strip():
                section += nodes.paragraph(text=" ".join(para.split()))
        records = [p.get_help_record(ctx) for p in cmd.get_params(ctx)]
        records = [r for r in records if r is not None]
        if records:
            dlist = nodes.definition_list()
            for opts, text in records:
                item = nodes.definition_list_item()
                term = nodes.term()
                term += nodes.literal(text=opts)
                item += term
                definition = nodes.definition()
                definition += nodes.paragraph(text=" ".join((text or "").split()))
                item += definition
                dlist += item
            section += dlist
        commands = getattr(cmd, "commands", None) or {}
        if commands:
            para = nodes.paragraph(text="Sub-commands: ")
            para += nodes.literal(text=", ".join(commands))
            section += para
        children = []
        for name, sub in commands.items():
            sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
            children += self._command(sub, sub_ctx, f"{path} {name}")
        section.extend(children)
        return [section]


_LITERAL = re.compile(r"(``.*?``|`[^`]*`)")


def _escape_bars(app, what, name, obj, options, lines: list[str]) -> None:
    """Escape ``|x|`` (absolute values in plain-text formulas) outside literals and tables.

    In reStructuredText ``|x|`` is a substitution reference, which the docstrings never
    mean; line blocks and grid-table rows (``| ...``, ``+-...``) are left alone.
    """
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if "|" not in line or stripped in ("|", "") or stripped.startswith(("| ", "+-", "+=")):
            continue
        parts = _LITERAL.split(line)
        lines[i] = "".join(part if j % 2 else re.sub(r"(?<!\\)\|", r"\\|", part)
                           for j, part in enumerate(parts))


def _short_values(app, what, name, obj, options, lines: list[str]) -> None:
    """Show the value of short module constants (values are hidden by ``no-value``).

    Long values (option tables, paper tables) would swamp the page, so only a repr of at
    most 100 characters is added to the description.
    """
    if what != "data" or callable(obj):
        return
    text = repr(obj)
    if len(text) <= 100:
        if lines and lines[-1].strip():
            lines.append("")
        lines.append(f"Value: ``{text}``")


#: a notebook cell drawing a figure: ``show(fig, "name")`` (the notebooks' helper)
_SHOW = re.compile(r"""\bshow\(.*,\s*["']([\w.-]+)["']\)""")


def _figure_stamps(folder: Path) -> dict:
    import json

    stamp = folder / "SOURCES.json"
    return json.loads(stamp.read_text(encoding="utf-8")) if stamp.is_file() else {}


def _add_figures(nb, path: Path, folder: Path, stamps: dict) -> None:
    """Put the stored figures of notebook ``path`` after the cells that draw them.

    The figures (``docs/notebook_figures/<notebook>/<name>.png``, written by
    ``scripts/make_notebook_figures.py``) become a Markdown cell after the code cell whose
    ``show(fig, "<name>")`` drew each; figures no cell names go at the end. A notebook whose
    source changed since its figures were stored is named in the build log (run the script).
    """
    import hashlib

    import nbformat
    from sphinx.util import logging as sphinx_logging

    stored = folder / path.stem
    pngs = {p.stem: p for p in sorted(stored.glob("*.png"))} if stored.is_dir() else {}
    if not pngs:
        return
    stamp = stamps.get(path.stem, {}).get("source_sha256")
    if stamp != hashlib.sha256(path.read_bytes()).hexdigest():
        sphinx_logging.getLogger(__name__).info(
            "kto_docs: the figures of %s are from an older version of it; run "
            "python scripts/make_notebook_figures.py %s", path.name, path.stem[:2])
    cells = []
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        names = [n for n in _SHOW.findall(cell.source) if n in pngs]
        if names:
            cells.append(nbformat.v4.new_markdown_cell(
                "\n\n".join(_image(path.stem, pngs.pop(n)) for n in names)))
    if pngs:
        cells.append(nbformat.v4.new_markdown_cell(
            "## More figures\n\n" + "\n\n".join(_image(path.stem, p) for p in pngs.values())))
    nb.cells = cells


def _image(stem: str, png: Path) -> str:
    return f"![{png.stem.replace('_', ' ')}](../notebook_figures/{stem}/{png.name})"


def _convert_notebooks(app) -> None:
    import jupytext

    src = Path(app.srcdir).parent / "notebooks"
    out = Path(app.srcdir) / "notebooks"
    out.mkdir(exist_ok=True)
    sources = sorted(src.glob("[0-9]*.py")) if src.is_dir() else []
    wanted = {p.stem + ".ipynb" for p in sources}
    for stale in out.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    figures = Path(app.srcdir) / "notebook_figures"  # stored; docs/notebooks/ is generated
    stamps = _figure_stamps(figures)
    for path in sources:
        nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
        for key, value in NB_METADATA.items():
            nb.metadata.setdefault(key, value)
        _add_figures(nb, path, figures, stamps)
        text = jupytext.writes(nb, fmt="ipynb")
        target = out / (path.stem + ".ipynb")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    lines = ["# Notebooks", "",
             "Worked examples kept as jupytext `py:percent` sources in the repository's",
             "`notebooks/` folder, shown with the figures they draw (stored by",
             "`scripts/make_notebook_figures.py`, which runs them with",
             "`KTO_NOTEBOOK_FAST=1`: coarse grids). Run them yourself with",
             "`jupytext --to notebook --execute notebooks/NAME.py` (the test suite executes",
             "them on every run).", ""]
    if sources:
        lines += ["```{toctree}", ":maxdepth: 1", ""] + [p.stem for p in sources] + ["```", ""]
    else:
        lines += ["(No notebooks found in `notebooks/`.)", ""]
    index = out / "index.md"
    text = "\n".join(lines)
    if not index.exists() or index.read_text(encoding="utf-8") != text:
        index.write_text(text, encoding="utf-8")


def setup(app):
    app.add_directive("kto-options", KindOptionsDirective)
    app.add_directive("kto-kinds", KindsDirective)
    app.add_directive("kto-cli", CliDirective)
    app.add_directive("kto-flags", FlagsDirective)
    app.add_directive("kto-exit-codes", ExitCodesDirective)
    app.connect("builder-inited", _convert_notebooks)
    app.connect("autodoc-process-docstring", _escape_bars)
    app.connect("autodoc-process-docstring", _short_values)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
