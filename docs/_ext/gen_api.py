"""Regenerate the API reference pages ``docs/api/*.md`` from the package's ``__all__`` lists.

Run ``python docs/_ext/gen_api.py`` after adding a public module or name; the test
``tests/test_docs.py`` fails until the pages list every public name. Each module gets an
``automodule`` section with an explicit ``:members:`` list (the names it defines); names
that a package re-exports link to the module that defines them.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType

#: page -> (title, subpackage); the page documents the subpackage and its public modules
PAGES: dict[str, tuple[str, str]] = {
    "core": ("ktoanalysis — package, errors, units, plotting, demo", "ktoanalysis"),
    "io": ("ktoanalysis.io — loading lab data", "ktoanalysis.io"),
    "transport": ("ktoanalysis.transport — transport analyses", "ktoanalysis.transport"),
    "theory": ("ktoanalysis.theory — pairing theory", "ktoanalysis.theory"),
    "batch": ("ktoanalysis.batch — sample series", "ktoanalysis.batch"),
    "compare": ("ktoanalysis.compare — theory against experiment", "ktoanalysis.compare"),
}
#: subpackages whose modules are documented on their own page, not on the "core" page
OWN_PAGES = [pkg for _, pkg in PAGES.values() if pkg != "ktoanalysis"]

INTRO = ["# API reference", "",
         "Generated from the docstrings (NumPy style). Each page documents the modules of one",
         "subpackage; names that a package re-exports are listed in a table linking to the",
         "module that defines them.", ""]


def public_modules(package: str) -> list[str]:
    """The package and its public modules (no ``_`` component, no CLI) with ``__all__``."""
    pkg = importlib.import_module(package)
    names = [package]
    if package == "ktoanalysis":
        for info in pkgutil.iter_modules(pkg.__path__, "ktoanalysis."):
            if not info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_"):
                names.append(info.name)
        names += ["ktoanalysis.plotting"]
    else:
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if not any(p.startswith("_") for p in info.name.split(".")):
                names.append(info.name)
    return [n for n in names if hasattr(importlib.import_module(n), "__all__")]


def _all_modules() -> list[str]:
    return [m for _, pkg in PAGES.values() for m in public_modules(pkg)]


def home(module: ModuleType, name: str, documented: list[str]) -> tuple[str, bool]:
    """(module documenting ``name``, whether the object is itself a module)."""
    obj = getattr(module, name)
    if isinstance(obj, ModuleType):
        return obj.__name__, True
    defined_in = getattr(obj, "__module__", None)
    if defined_in in documented and defined_in != module.__name__:
        return defined_in, False
    for other in documented:  # data objects: the deeper module that lists the same object
        if other.startswith(module.__name__ + "."):
            sub = importlib.import_module(other)
            if name in getattr(sub, "__all__", []) and getattr(sub, name) is obj:
                return other, False
    return module.__name__, False


def module_section(modname: str, documented: list[str]) -> list[str]:
    """Markdown of one module: automodule with its own names, table of re-exports."""
    mod = importlib.import_module(modname)
    own: list[str] = []
    reexported: list[tuple[str, str, bool]] = []
    for name in mod.__all__:
        if name == "__version__":
            continue
        where, is_module = home(mod, name, documented)
        if where == modname and not is_module:
            own.append(name)
        else:
            reexported.append((name, where, is_module))
    lines = [f"## `{modname}`", "", "```{eval-rst}", f".. automodule:: {modname}"]
    if own:
        lines.append("   :members: " + ", ".join(own))
    lines += ["```", ""]
    if "__version__" in mod.__all__:
        lines += [f"`{modname}.__version__` is the version string of the package.", ""]
    if reexported:
        lines += [f"Re-exported by `{modname}`:", "", "```{eval-rst}",
                  ".. py:currentmodule:: None", "", ".. autosummary::", ""]
        data = []
        for name, where, is_module in reexported:
            if is_module:
                lines.append(f"   ~{where}")
            elif callable(getattr(mod, name)):
                lines.append(f"   ~{where}.{name}")
            else:
                data.append(f"* {{py:data}}`~{where}.{name}`")
        lines += ["```", ""] + data + ([""] if data else [])
    return lines


def main(out: Path | None = None) -> None:
    """Write ``index.md`` and one page per subpackage into ``out`` (default ``docs/api``)."""
    out = out or Path(__file__).resolve().parents[1] / "api"
    documented = _all_modules()
    index = INTRO + ["```{toctree}", ":maxdepth: 2", ""]
    for page, (title, package) in PAGES.items():
        index.append(page)
        lines = [f"# {title}", ""]
        for modname in public_modules(package):
            lines += module_section(modname, documented)
        (out / f"{page}.md").write_text("\n".join(lines), encoding="utf-8")
    index += ["```", ""]
    (out / "index.md").write_text("\n".join(index), encoding="utf-8")


if __name__ == "__main__":
    main()
