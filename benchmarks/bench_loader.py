"""Benchmark of the file loader against ``pandas.read_csv`` on a large Quantum Design file.

Writes a PPMS Resistivity-option ``.dat`` file (``[Header]`` section, ``[Data]``, the
usual 18 columns with an empty ``Comment`` column, a few comments and empty ``Map``
columns) of ``--rows`` rows (500 000 by default, about 80 MB) in a temporary folder, then,
each in a fresh Python process (so that neither inherits the other's memory):

* ``pandas.read_csv`` on the same data block (``skiprows`` to the column header), the
  reference: what reading the numbers alone costs;
* ``ktoanalysis.io.load`` on the whole file (header understood, columns recognised and
  converted to SI, metadata kept).

Each is timed (best of ``--repeat`` runs) and its peak memory is measured twice: the rise
of the process's peak resident set (``resource.getrusage``, ``ru_maxrss``, which also
counts the C parser's buffers) over the level after the imports, and the peak of Python
allocations traced by ``tracemalloc`` (a separate run, since tracing slows it down).
The ratios loader/pandas are printed on one line each; the issue asks for both <= 2.

Usage::

    python benchmarks/bench_loader.py [--rows 500000] [--repeat 2] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HEADER = """[Header]
; benchmark file in the layout of a PPMS Resistivity-option file
TITLE, benchmark_R_vs_T
FILEOPENTIME,30422650.78,12/18/2024,10:42 AM
BYAPP, Resistivity, 2.1, 1.0
INFO, APPNAME, PPMS MultiVu Application, 1.5.11
INFO, KTO-111-A, Sample1 Name
INFO, 1, Sample1 Cross Section
INFO, 1, Sample1 Length
INFO, Ohm, Sample1 Units
INFO, Hall, Sample2 Name
INFO, Ohm, Sample2 Units
DATATYPE, TIME, 2
DATATYPE, COMMENT, 1
[Data]
Comment,Time Stamp (sec),Status (code),Temperature (K),Magnetic Field (Oe),\
Sample Position (deg),Bridge 1 Resistivity (Ohm),Bridge 1 Excitation (uA),\
Bridge 2 Resistivity (Ohm),Bridge 2 Excitation (uA),Bridge 1 Std. Dev. (Ohm),\
Bridge 2 Std. Dev. (Ohm),Number of Readings,Bridge 1 Resistance (Ohms),\
Bridge 2 Resistance (Ohms),Bridge 3 Resistance (Ohms),Map 20 (),Map 21 ()
"""


def make_qd_file(path: Path, n_rows: int, seed: int = 0) -> int:
    """Write a Resistivity-option file of ``n_rows`` data rows; return the number of lines
    before the column header (the ``skiprows`` of the pandas reference)."""
    rng = np.random.default_rng(seed)
    t = 1000.0 + 0.5 * np.arange(n_rows)
    T = 0.3 + 2.7 * np.abs(np.sin(np.arange(n_rows) / 5000.0))
    B = 10000.0 * np.sin(np.arange(n_rows) / 777.0)
    R1 = 250.0 * (1 + np.tanh((T - 1.2) / 0.05)) + rng.normal(0, 0.5, n_rows)
    R2 = 1e-3 * B + rng.normal(0, 0.01, n_rows)
    cols = [t, np.full(n_rows, 4369.0), T, B, np.zeros(n_rows), R1, np.full(n_rows, 19.98),
            R2, np.full(n_rows, 19.98), np.abs(rng.normal(0.01, 0.002, n_rows)),
            np.abs(rng.normal(0.02, 0.002, n_rows)), np.full(n_rows, 25.0), R1, R2]
    fmts = ["%.2f", "%d", "%.6f", "%.4f", "%.1f", "%.6e", "%.2f", "%.6e", "%.2f", "%.3e",
            "%.3e", "%d", "%.6e", "%.6e"]
    block = np.column_stack(cols)
    with path.open("w", newline="\n") as fh:
        fh.write(HEADER)
        step = 50_000
        for a in range(0, n_rows, step):
            rows = block[a:a + step]
            lines = [",".join(f % v for f, v in zip(fmts, r, strict=True)) for r in rows]
            text = [("new setpoint" if (a + k) % 100_000 == 0 else "") + "," + ln + ",,,"
                    for k, ln in enumerate(lines)]
            fh.write("\n".join(text) + "\n")
    return HEADER.splitlines().index("[Data]") + 1


_CHILD = r"""
import json, resource, sys, time, tracemalloc
import pandas as pd
import ktoanalysis.io.loader as L
what, path, skip, trace = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
def run():
    if what == "pandas":
        return pd.read_csv(path, skiprows=skip)
    return L.load(path).data
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if trace:
    tracemalloc.start()
t0 = time.perf_counter()
frame = run()
dt = time.perf_counter() - t0
peak_traced = tracemalloc.get_traced_memory()[1] if trace else 0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"time_s": dt, "rss_rise_MB": (rss - base) / 1024,
                  "traced_peak_MB": peak_traced / 2**20, "shape": list(frame.shape)}))
"""


def measure(what: str, path: Path, skip: int, trace: bool) -> dict:
    """Run one reader in a fresh interpreter; return its time and memory figures."""
    out = subprocess.run([sys.executable, "-c", _CHILD, what, str(path), str(skip),
                          "1" if trace else "0"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=500_000, help="data rows (default 500000)")
    ap.add_argument("--repeat", type=int, default=2, help="timed runs per reader (best kept)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="write the file here and keep it (default: a temporary folder)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "bench_qd.dat"
        skip = make_qd_file(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        print(f"file: {args.rows} rows, {size_mb:.1f} MB ({path.name})")
        res: dict[str, dict] = {}
        for what in ("pandas", "loader"):
            runs = [measure(what, path, skip, trace=False) for _ in range(max(1, args.repeat))]
            best = min(runs, key=lambda r: r["time_s"])
            best["rss_rise_MB"] = min(r["rss_rise_MB"] for r in runs)
            best["traced_peak_MB"] = measure(what, path, skip, trace=True)["traced_peak_MB"]
            res[what] = best
            print(f"{what:7s} time {best['time_s']:6.2f} s   peak RSS rise "
                  f"{best['rss_rise_MB']:7.1f} MB   traced peak {best['traced_peak_MB']:7.1f} MB"
                  f"   shape {tuple(best['shape'])}")
        p, q = res["pandas"], res["loader"]
        t_ratio = q["time_s"] / p["time_s"]
        m_ratio = q["rss_rise_MB"] / p["rss_rise_MB"]
        tr_ratio = q["traced_peak_MB"] / max(p["traced_peak_MB"], 1e-9)
        print(f"time ratio loader/pandas: {t_ratio:.2f}")
        print(f"memory ratio loader/pandas (peak RSS rise): {m_ratio:.2f}")
        print(f"memory ratio loader/pandas (traced Python peak): {tr_ratio:.2f}")
        ok = t_ratio <= 2 and m_ratio <= 2
        print("within 2x: " + ("yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
