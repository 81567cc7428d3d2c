"""Run the worked-example notebooks and store their figures for the documentation.

The docs show each notebook with the figures it draws (``docs/_ext/kto_docs.py`` puts
them after the cell that draws them). Executing all notebooks takes minutes, too long for
every docs build, so their figures are stored (in the repository) in
``docs/notebook_figures/<notebook>/`` together with ``SOURCES.json`` (the SHA-256 of each
notebook source they come from; the docs build logs which notebooks changed since). The
notebooks run as in the test
suite: as plain scripts with ``KTO_NOTEBOOK_FAST=1`` (coarse angular grids), one process
each. Run from the repository root after editing a notebook::

    python scripts/make_notebook_figures.py            # all notebooks
    python scripts/make_notebook_figures.py 05 06      # the ones whose names start so
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FIGURES = ROOT / "docs" / "notebook_figures"
#: a stored PNG above this size is named in the output (keep the repository small)
MAX_BYTES = 400_000


def source_hash(path: Path) -> str:
    """SHA-256 of a notebook source (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_one(path: Path) -> list[Path]:
    """Execute one notebook in a temporary folder; copy its PNGs; return them."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KTO_NOTEBOOK_FAST="1", KTO_NOTEBOOK_OUT=str(Path(tmp) / "out"),
                   MPLBACKEND="Agg")
        subprocess.run([sys.executable, str(path)], cwd=tmp, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        made = sorted((Path(tmp) / "out" / path.stem).glob("*.png"))
        target = FIGURES / path.stem
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        out = []
        for png in made:
            shutil.copy2(png, target / png.name)
            out.append(target / png.name)
        return out


def main(prefixes: list[str]) -> None:
    """Run the notebooks (all, or those whose names start with one of ``prefixes``)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    stamp_path = FIGURES / "SOURCES.json"
    stamps = json.loads(stamp_path.read_text()) if stamp_path.is_file() else {}
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        if prefixes and not any(path.stem.startswith(p) for p in prefixes):
            continue
        pngs = run_one(path)
        stamps[path.stem] = {"source_sha256": source_hash(path),
                             "figures": [p.name for p in pngs]}
        big = [p.name for p in pngs if p.stat().st_size > MAX_BYTES]
        print(f"{path.stem}: {len(pngs)} figures" + (f" (large: {big})" if big else ""))
    live = {p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.py")}
    for stem in [s for s in stamps if s not in live]:
        stamps.pop(stem)
        shutil.rmtree(FIGURES / stem, ignore_errors=True)
    stamp_path.write_text(json.dumps(stamps, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
