"""Sphinx configuration of the ktoanalysis documentation.

Build: ``pip install -e ".[docs]" && sphinx-build -W -b html docs docs/_build/html``.

Generated at build time (never edited by hand, so they cannot drift):

* the CLI reference, walked from the typer application (directive ``kto-cli``);
* the option tables of every analysis kind (directive ``kto-options`` in ``_ext``);
* ``docs/notebooks/*.ipynb``: the jupytext ``py:percent`` notebooks of ``../notebooks``
  converted to ``.ipynb``, each figure they draw shown after the cell that draws it. The
  notebooks are not executed during the build (minutes); their figures are stored in
  ``docs/notebook_figures/`` by ``scripts/make_notebook_figures.py`` (run it after editing
  a notebook; the build log names notebooks whose figures are older than their source).
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import ktoanalysis  # noqa: E402

project = "ktoanalysis"
author = "ktoanalysis developers"
copyright = "2026, ktoanalysis developers"
release = ktoanalysis.__version__
version = release

extensions = [
    "myst_nb",                  # MyST markdown pages + notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",      # NumPy-style docstrings
    "sphinx.ext.mathjax",
    "kto_docs",                 # local: kto-options directive, notebook conversion
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints", "_ext"]
root_doc = "index"

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# notebooks: rendered from their sources, not executed during the doc build
nb_execution_mode = "off"
nb_merge_streams = True

autosummary_generate = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
# undocumented module constants listed in __all__ are shown too; their values only when short
autodoc_default_options = {"undoc-members": True, "no-value": True}
autodoc_mock_imports: list[str] = []
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True     # "Attributes" sections as fields: no duplicate of dataclass fields
napoleon_preprocess_types = False

html_theme = "alabaster"
html_title = f"ktoanalysis {release}"
html_static_path: list[str] = []
html_theme_options = {"description": "KTaO3 interface superconductivity: theory and transport",
                      "fixed_sidebar": True}

# keep "--jobs" and quotes in option help exactly as typed
smartquotes = False
