"""Benchmark of the pairing kernel: numba (parallel and serial) versus the plain-numpy twin.

Run: ``python benchmarks/bench_pairing.py [--quick]``. Prints, on the same inputs (real
Fermi-surface eigenvectors of 111/TB1 at n2D = 1e14 cm^-2):

* kernel time (matrix elements + kernel) at 1 deg and finer steps, numba vs twin, speed-up;
* lambda evaluations per second (a prepared problem re-solved for a new omega(0));
* the fitted exponent of cost versus number of Fermi points (expected 2);
* wall time of all 16 rows of Table III (compiled), with the solver's BLAS thread limit
  (threadpoolctl, the default) and without it, in the same run;
* wall time of a 20-density sweep (2e13 to 2e14 cm^-2, omega(0) from Appendix B, 1 deg, the
  default converged weights) for each (orientation, tb) pair the pairing code accepts
  (target: each under 60 s on two cores).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reference.pairing_twin import twin_kernel  # noqa: E402

from ktoanalysis.errors import TheoryError  # noqa: E402
from ktoanalysis.orientations import ORIENTATIONS  # noqa: E402
from ktoanalysis.theory import _kernels, _threads  # noqa: E402
from ktoanalysis.theory.models import make_model  # noqa: E402
from ktoanalysis.theory.pairing import prepare_pairing  # noqa: E402
from ktoanalysis.theory.phonon import VAKS_KTO  # noqa: E402
from ktoanalysis.theory.sweep import compute_table3, sweep_density  # noqa: E402
from ktoanalysis.theory.vertex import rashba_amplitudes  # noqa: E402

#: (orientation, tb, options) of the density-sweep benchmark: every pair at its defaults
#: (ktoanalysis.orientations: rays and the paper's angle measure for (111) and (001); for
#: (110), whose xy sheets open above 7e13 cm^-2, auto = contours there, and the local-DOS
#: measure)
SWEEP_CASES = [(o, tb, {}) for o in ORIENTATIONS for tb in ("TB1", "TB2")]


def _best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def _inputs(prob):
    fs = prob.fs
    band = np.asarray(fs.band)
    _, V = prob.model.bands(prob.kg)
    Ug = np.ascontiguousarray(np.take_along_axis(
        V, np.broadcast_to(band[None, :, None, None], V.shape[:2] + (12, 1)), axis=3)[..., 0])
    return (np.ascontiguousarray(fs.U), np.ascontiguousarray(fs.k), Ug, prob.kg)


def _numba_kernel(inp, bt, parallel):
    me = _kernels.matrix_elements_parallel if parallel else _kernels.matrix_elements_serial
    kf = _kernels.kernel_from_m2_parallel if parallel else _kernels.kernel_from_m2_serial
    M2, Q = me(*inp, bt.matrices, bt.axis, bt.sign, bt.frame)
    return kf(M2, Q, 5.6, 2.5, True, VAKS_KTO["S_T"], VAKS_KTO["A_T"], VAKS_KTO["V_T"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = ap.parse_args(argv)
    import numba

    print(f"numba {numba.__version__}, threads {numba.get_num_threads()}")
    model = make_model("111", "TB1")
    steps = [1.0, 0.5] if args.quick else [1.0, 0.5, 0.25, 0.125]
    twin_steps = {1.0, 0.5}
    t = rashba_amplitudes()
    rows = []
    for dphi in steps:
        prob = prepare_pairing(model, n2d_cm2=1e14, dphi_deg=dphi)
        inp = _inputs(prob)
        P = inp[0].shape[0]
        bt = prob.bonds
        _numba_kernel(inp, bt, True)   # make sure both are compiled / loaded
        _numba_kernel(inp, bt, False)
        rep = 3 if args.quick else 5
        t_par, Vn = _best(lambda inp=inp, bt=bt: _numba_kernel(inp, bt, True), rep)
        t_ser, _ = _best(lambda inp=inp, bt=bt: _numba_kernel(inp, bt, False), rep)
        t_twin = np.nan
        if dphi in twin_steps:
            t_twin, Vt = _best(lambda inp=inp: twin_kernel(*inp, "111", t, 5.6, True), 1)
            err = float(np.abs(Vn - Vt).max() / np.abs(Vt).max())
        else:
            err = np.nan
        t_solve, _ = _best(lambda prob=prob: prob.solve(4.0, "vaks"), rep)
        rows.append((dphi, P, t_par, t_ser, t_twin, err, t_solve))
        print(f"dphi={dphi:5.3f} deg  P={P:4d}  numba parallel {1e3 * t_par:8.2f} ms  "
              f"serial {1e3 * t_ser:8.2f} ms  twin {1e3 * t_twin:9.1f} ms  "
              f"speed-up (parallel/serial) {t_twin / t_par:6.1f}x / {t_twin / t_ser:6.1f}x  "
              f"max rel diff {err:.1e}  lambda evals/s {1 / t_solve:7.1f}")
    P = np.array([r[1] for r in rows], float)
    for name, col in (("numba parallel", 2), ("numba serial", 3)):
        tt = np.array([r[col] for r in rows])
        slope = np.polyfit(np.log(P), np.log(tt), 1)[0]
        print(f"cost ~ P^{slope:.2f} ({name}; expected 2)")
    t_table = {}
    for label, limit in (("with the BLAS thread limit (default)", 1),
                         ("without the thread limit", None)):
        saved = _threads.BLAS_THREADS
        _threads.BLAS_THREADS = limit
        try:
            t0 = time.perf_counter()
            df = compute_table3(dphi_deg=1.0)
            t_tab = time.perf_counter() - t0
        finally:
            _threads.BLAS_THREADS = saved
        t_table[limit] = t_tab
        print(f"Table III, 16 rows at 1 deg, {label}: {t_tab:.2f} s wall "
              f"({int(df.within_tol.sum())}/16 within tolerance)")
    print(f"Table III time ratio, without / with the thread limit: "
          f"{t_table[None] / t_table[1]:.2f}")
    n2d = np.geomspace(2e13, 2e14, 20)
    for o, tb, extra in SWEEP_CASES:
        t0 = time.perf_counter()
        try:
            sw = sweep_density(o, tb, n2d, omega0_meV="auto", dphi_deg=1.0,
                               on_error="record", **extra)
        except TheoryError as exc:
            print(f"sweep {o} {tb}: not available ({exc})")
            continue
        t_sw = time.perf_counter() - t0
        n_ok = int((sw["status"] == "ok").sum())
        how = ", ".join(f"{k}={v}" for k, v in extra.items()) or "default settings"
        done = sw[sw["status"] == "ok"]
        how += "; " + ", ".join(f"{m} x{c}" for m, c in done["method"].value_counts().items())
        how += ", measure " + "/".join(sorted(set(done["measure"])))
        print(f"sweep {o} {tb} ({how}), 20 densities 2e13..2e14 cm^-2 at 1 deg: "
              f"{t_sw:.1f} s wall ({n_ok}/20 computed; target < 60 s)")


if __name__ == "__main__":
    main()
