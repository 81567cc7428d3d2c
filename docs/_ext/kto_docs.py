"""Local Sphinx extension of the ktoanalysis docs.

* ``kto-options KIND`` directive: the options of an analysis kind, read from the kind
  module's ``OPTIONS`` mapping (the same text ``ktoanalysis fit --help`` shows).
* ``kto-kinds`` directive: the table of analysis kinds (``ktoanalysis.transport.KINDS``).
* At ``builder-inited``: the jupytext ``py:percent`` notebooks of ``../notebooks`` are
  converted to ``docs/notebooks/*.ipynb`` (plus an index page) so that myst-nb renders
  them; the sources stay in ``notebooks/`` and nothing is copied by hand.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

NB_METADATA = {
    "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "language_info": {"name": "python", "pygments_lexer": "ipython3"},
}


def _escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("*", "\\*").replace("`", "\\`")


class _RstDirective(SphinxDirective):
    def _parse(self, lines: list[str]) -> list[nodes.Node]:
        container = nodes.container()
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
            options = kind_module(kind).OPTIONS
        except KeyError as exc:
            raise self.error(str(exc)) from exc
        lines: list[str] = []
        for name, text in options.items():
            lines += [f"``{name}``", f"   {_escape(text)}", ""]
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
    for path in sources:
        nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
        for key, value in NB_METADATA.items():
            nb.metadata.setdefault(key, value)
        text = jupytext.writes(nb, fmt="ipynb")
        target = out / (path.stem + ".ipynb")
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    lines = ["# Notebooks", "",
             "Worked examples kept as jupytext `py:percent` sources in the repository's",
             "`notebooks/` folder. They are shown here without outputs; run them with",
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
    app.connect("builder-inited", _convert_notebooks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
