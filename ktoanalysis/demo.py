"""The demo job: batch-fit the bundled example series and overlay theory and experiment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ._data import data_path

__all__ = ["run_demo"]


def run_demo(out: str | Path, jobs: int = 1, echo: Callable[[str], None] = print) -> dict:
    """Run the demo and return a mapping of what was written (name -> path).

    Parameters
    ----------
    out
        Output folder (created).
    jobs
        Worker processes for the batch (1 = serial).
    echo
        Where progress lines go.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    manifest = data_path("example_series", "manifest.toml")
    if not manifest.exists():
        echo(f"no bundled example series found at {manifest}")
        return written
    from .batch import run_series

    series = run_series(manifest, out, jobs=jobs, progress=False)
    written.update({"results": out / "results.csv", "failures": out / "failures.csv",
                    "plots": out / "plots"})
    echo(f"batch: {series!s}")
    for k, v in written.items():
        echo(f"wrote {k}: {v}")
    return written
