"""Benchmark of sample-series execution: serial vs local process pool vs dask.

Generates a simulated series (small R(T) CSV files with a tanh transition, kind ``tc``)
in a temporary folder and times ``run_series`` serially, on a 2-worker local process
pool and on a 2-worker dask ``LocalCluster`` (if the ``dask`` extra is installed), then
prints the speed-up ratios and checks that the three tables are identical.

Usage::

    python benchmarks/bench_batch.py [--files 200] [--workers 2] [--plots]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from ktoanalysis.batch import dask_available, dask_local_client, run_series


def make_series(folder: Path, n_files: int, seed: int = 0) -> Path:
    """Write ``n_files`` simulated R(T) curves (Tc uniform in 0.5-2 K) and a TOML manifest.

    Returns
    -------
    pathlib.Path
        The manifest.
    """
    rng = np.random.default_rng(seed)
    T = np.linspace(0.3, 3.0, 150)
    runs = ['[defaults]\nkind = "tc"\norientation = "111"\n']
    for i in range(n_files):
        Tc = rng.uniform(0.5, 2.0)
        R = 250.0 * (1 + np.tanh((T - Tc) / 0.05)) + rng.normal(0, 1.0, T.size)
        name = f"rt_{i:04d}.csv"
        np.savetxt(folder / name, np.c_[T, R], delimiter=",", header="T (K),R (Ohm)",
                   comments="", fmt="%.6f")
        runs.append(f'[[run]]\nsample = "S{i:04d}"\nfile = "{name}"\n'
                    f"n2d_cm2 = {rng.uniform(1e13, 1e14):.4e}\n")
    manifest = folder / "series.toml"
    manifest.write_text("\n".join(runs))
    return manifest


def main() -> None:
    """Run the benchmark and print timings (s) and ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plots", action="store_true", help="also draw one figure per row")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        manifest = make_series(tmp, args.files)
        times: dict[str, float] = {}
        tables = {}

        t0 = time.perf_counter()
        tables["serial"] = run_series(manifest, tmp / "serial", plots=args.plots).results
        times["serial"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        tables["pool"] = run_series(manifest, tmp / "pool", jobs=args.workers,
                                    plots=args.plots).results
        times["pool"] = time.perf_counter() - t0  # includes spawning the workers

        if dask_available():
            t0 = time.perf_counter()
            with dask_local_client(args.workers) as client:
                t_start = time.perf_counter() - t0
                t1 = time.perf_counter()
                tables["dask"] = run_series(manifest, tmp / "dask", executor=client,
                                            plots=args.plots).results
                times["dask"] = time.perf_counter() - t1
            times["dask+startup"] = times["dask"] + t_start
        else:
            print("dask extra not installed: dask timing skipped")

        same = all(t.equals(tables["serial"]) for t in tables.values())
        print(f"{args.files} files, {args.workers} workers, plots={args.plots}")
        for k, v in times.items():
            print(f"  {k:<13} {v:8.2f} s   serial/{k} = {times['serial'] / v:5.2f}")
        print(f"  identical tables: {same}")


if __name__ == "__main__":
    main()
