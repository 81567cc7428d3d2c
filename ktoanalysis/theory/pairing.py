"""Linearised gap equation on the Fermi surface (Norman 2026, Eq. 3) -> BCS lambda and Delta_nk.

Operational definition (weak coupling, identity representation):

* Fermi points k_i (band n_i, angle phi_i on the irreducible wedge) with eigenvectors
  |n_i k_i> and weights w_i summing to 1 per band: the Fermi-surface ``measure`` (equal weight
  per angle, the paper's choice validated by Table III, or the local DOS k_F dphi / v_r) and
  the angular ``quadrature`` (the paper's uniform rule or the trapezoid rule, default) are two
  separate options (:mod:`ktoanalysis.theory.fermi`).
* Kernel ``Vker_ij = (1/N_op) sum_g |<n_i k_i| V_R(k0) |n_j g k_j>|^2 2 omega0_ref / omega(q)^2``
  with ``k0 = (k_i + g k_j)/2`` and ``q = g k_j - k_i`` (single group sum; equal to the
  paper's double sum over alpha, alpha' divided by N_op^2 by invariance).
* ``K = D Vker D`` with ``D = sqrt(N_{n_i} w_i)`` (N_n band DOS per bilayer cell, states/eV);
  lambda is the largest eigenvalue of K and ``Delta_i = x_i / D_i`` (first zero of the paper's
  matrix A(c) at c = 1/lambda, Sylvester's law of inertia).

Only the leading eigenpairs of K are computed (LAPACK ``evr`` on an index subset), with the
BLAS thread pool pinned to one thread (threadpoolctl, :func:`blas_threads_limited`) while the
solver runs: the numba kernels bring their own threads, and a multithreaded BLAS on top of
them oversubscribes the cores (Table III took 7-14 s instead of about 1 s on a busy two-core
machine). OpenMP pools are left alone, since numba's own ``omp`` threading layer may be one
of them.

Units: energies in eV (phonon energies in meV at the API), momenta in 1/a, densities cm^-2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.linalg

from ..errors import TheoryError
from ..orientations import Orientation, orientation_spec
from . import _kernels
from ._threads import blas_threads_limited
from .fermi import Measure, Quadrature, check_weighting
from .phonon import OMEGA0_REF_MEV, VAKS_KTO, omega0_from_density_meV, omega_to1_meV
from .vertex import DYNAMIC_T0_EV, TABLE_II_RATIOS, BondTerms, bond_terms, rashba_amplitudes

__all__ = ["PairingProblem", "PairingResult", "prepare_pairing", "compute_lambda",
           "solve_gap_equation", "kernel_sums", "blas_threads_limited"]

Omega0 = float | Literal["auto"]


def solve_gap_equation(kernel_eV: np.ndarray, dos_of_point: np.ndarray,
                       weights: np.ndarray, n_eig: int = 4
                       ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Largest eigenpair of the symmetric coupling matrix ``K = D Vker D``.

    Parameters
    ----------
    kernel_eV
        (P, P) pairing kernel in eV.
    dos_of_point
        (P,) band DOS N_{n_i} of each point's band, states/(eV cell).
    weights
        (P,) Fermi-surface weights w_i (summing to 1 per band).
    n_eig
        How many of the largest eigenvalues to return.

    Returns
    -------
    lam : float
        BCS coupling constant (largest eigenvalue of K, dimensionless).
    delta : ndarray (P,)
        Gap function ``x/D``, normalised to max |Delta| = 1 and positive there.
    K : ndarray (P, P)
        Dimensionless coupling matrix.
    top : ndarray (n_eig,)
        Largest eigenvalues of K, descending.
    """
    D = np.sqrt(np.asarray(dos_of_point, float) * np.asarray(weights, float))
    if not np.all(np.isfinite(D)) or np.any(D <= 0):
        raise TheoryError("band DOS and Fermi-surface weights must be positive and finite")
    K = D[:, None] * kernel_eV * D[None, :]
    K = 0.5 * (K + K.T)
    P = K.shape[0]
    n = max(1, min(int(n_eig), P))
    with blas_threads_limited():
        # only the leading eigenpairs (LAPACK evr on an index subset), ascending
        ev, x = scipy.linalg.eigh(K, subset_by_index=[P - n, P - 1], driver="evr",
                                  check_finite=False)
    delta = x[:, -1] / D
    delta = delta / delta[np.argmax(np.abs(delta))]
    return float(ev[-1]), delta, K, ev[::-1].copy()


@dataclass(frozen=True, eq=False)
class PairingResult:
    """Result of one gap-equation solution.

    Attributes
    ----------
    lam : float
        BCS coupling constant lambda (dimensionless).
    orientation, tb : str
        Interface and tight-binding set.
    omega0_meV : float
        Zone-centre TO1 energy used.
    dispersion : str
        ``"vaks"`` or ``"none"``.
    n2d_cm2, mu_eV : float
        Sheet density and chemical potential (relative to band 1 at Gamma, eV).
    phi_deg : ndarray (Nphi,)
        Wedge angles.
    band, sheet, iphi : ndarray (P,) int
        Band index (0-based, energy order), row into ``dos`` / ``delta_nk`` and angle index
        of each Fermi point.
    k : ndarray (P, 2)
        Fermi points in 1/a.
    delta : ndarray (P,)
        Gap function, max |Delta| = 1.
    kernel_eV : ndarray (P, P)
        Pairing kernel Vker (eV).
    coupling : ndarray (P, P)
        Dimensionless symmetric matrix K = D Vker D.
    dos : ndarray (nbands,)
        Band DOS N_n, states/(eV cell).
    weights : ndarray (P,)
        Fermi-surface weights (``options["quadrature"]``, ``options["measure"]``).
    eigenvalues : ndarray
        Largest eigenvalues of K (descending).
    options : dict
        Every option and assumption used (JSON-safe).
    """

    lam: float
    orientation: str
    tb: str
    omega0_meV: float
    dispersion: str
    n2d_cm2: float
    mu_eV: float
    phi_deg: np.ndarray
    band: np.ndarray
    sheet: np.ndarray
    iphi: np.ndarray
    k: np.ndarray
    delta: np.ndarray
    kernel_eV: np.ndarray
    coupling: np.ndarray
    dos: np.ndarray
    weights: np.ndarray
    eigenvalues: np.ndarray
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def nbands(self) -> int:
        """Number of Fermi-surface bands."""
        return int(self.dos.shape[0])

    @property
    def delta_nk(self) -> np.ndarray:
        """Gap as (nbands, Nphi): Fermi sheet n (0-based row of ``dos``) at angle phi_deg[j]."""
        out = np.full((self.nbands, self.phi_deg.size), np.nan)
        out[self.sheet, self.iphi] = self.delta
        return out

    def to_dict(self, arrays: bool = False) -> dict[str, Any]:
        """JSON-safe summary.

        Parameters
        ----------
        arrays
            Include the gap per band and angle, the DOS and the Fermi points (not the
            P x P matrices).
        """
        d: dict[str, Any] = {
            "lambda": float(self.lam),
            "omega0_meV": float(self.omega0_meV),
            "dispersion": self.dispersion,
            "orientation": self.orientation,
            "tb": self.tb,
            "n2d_cm2": float(self.n2d_cm2),
            "mu_eV": float(self.mu_eV),
            "n_points": int(self.band.size),
            "dos_states_per_eV_cell": [float(x) for x in self.dos],
            "next_eigenvalues": [float(x) for x in self.eigenvalues[1:]],
            "options": _jsonable(self.options),
        }
        if arrays:
            d["phi_deg"] = [float(x) for x in self.phi_deg]
            d["delta_nk"] = [[float(x) for x in row] for row in self.delta_nk]
            d["k_inv_a"] = self.k.tolist()
            d["band"] = [int(b) for b in self.band]
        return d


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    return obj


@dataclass(frozen=True, eq=False)
class PairingProblem:
    """Everything of Eq. 3 that does not depend on the phonon: Fermi surface, eigenvectors
    and squared vertex matrix elements for all group images. Solve it for any omega(0) and
    dispersion with :meth:`solve` (cheap), which is how omega(0) sweeps are done.

    Attributes
    ----------
    model
        The TightBindingModel.
    fs
        The FermiSurface (irreducible wedge).
    mu_eV, n2d_cm2 : float
        Chemical potential (relative to band 1 at Gamma) and density.
    ops : ndarray (G, 2, 2)
        Group operations on k.
    kg : ndarray (G, P, 2)
        Images of the Fermi points.
    m2 : ndarray (G, P, P)
        ``|<i|V_R(k0)|g j>|^2`` in eV^2.
    q_rlu : ndarray (G, P, P)
        ``|g k_j - k_i| a / 2 pi``.
    bonds : BondTerms
        Vertex bond decomposition used.
    options : dict
        Options used (vertex amplitudes, dphi, model parameters...).
    """

    model: Any
    fs: Any
    mu_eV: float
    n2d_cm2: float
    ops: np.ndarray
    kg: np.ndarray
    m2: np.ndarray
    q_rlu: np.ndarray
    bonds: BondTerms
    options: dict[str, Any]

    @property
    def orientation(self) -> str:
        """Interface orientation."""
        return str(self.model.orientation)

    @property
    def dos_of_point(self) -> np.ndarray:
        """N_{n_i} for each Fermi point (states/(eV cell))."""
        return np.asarray(self.fs.dos)[np.asarray(self.fs.sheet)]

    def kernel(self, omega0_meV: float, dispersion: Literal["vaks", "none"] = "vaks",
               *, parallel: bool = True) -> np.ndarray:
        """Pairing kernel Vker (P, P) in eV for one phonon setting.

        Parameters
        ----------
        omega0_meV
            Zone-centre TO1 energy (meV).
        dispersion
            ``"vaks"`` or ``"none"``.
        parallel
            Use the prange kernel (True) or its serial twin.
        """
        omega0_meV = _check_omega0(omega0_meV)
        if dispersion not in ("vaks", "none"):
            raise TheoryError(f"unknown phonon dispersion {dispersion!r} "
                              "(expected 'vaks' or 'none')")
        fn = _kernels.kernel_from_m2_parallel if parallel else _kernels.kernel_from_m2_serial
        ref = float(self.options.get("omega0_ref_meV", OMEGA0_REF_MEV))
        return fn(self.m2, self.q_rlu, float(omega0_meV), ref, dispersion == "vaks",
                  VAKS_KTO["S_T"], VAKS_KTO["A_T"], VAKS_KTO["V_T"])

    def solve(self, omega0_meV: Omega0 = 5.6, dispersion: Literal["vaks", "none"] = "vaks",
              *, parallel: bool = True) -> PairingResult:
        """Solve the linearised gap equation.

        Parameters
        ----------
        omega0_meV
            omega(0) in meV, or ``"auto"`` for the Appendix-B value at this density.
        dispersion
            ``"vaks"`` (omega(q) of the isotropic Vaks model) or ``"none"`` (omega(0)).
        parallel
            prange kernel (True) or serial twin.

        Returns
        -------
        PairingResult
        """
        auto = isinstance(omega0_meV, str)
        if auto:
            if omega0_meV != "auto":
                raise TheoryError(f"omega0_meV must be a number or 'auto', got {omega0_meV!r}")
            omega0_meV = float(omega0_from_density_meV(self.n2d_cm2))
        with blas_threads_limited():
            Vk = self.kernel(float(omega0_meV), dispersion, parallel=parallel)
        fs = self.fs
        lam, delta, K, top = solve_gap_equation(Vk, self.dos_of_point, np.asarray(fs.weights))
        opts = {**self.options, "omega0_meV": float(omega0_meV), "omega0_auto": auto,
                "dispersion": dispersion, "parallel": bool(parallel)}
        return PairingResult(
            lam=lam, orientation=self.orientation, tb=str(self.model.tb),
            omega0_meV=float(omega0_meV), dispersion=dispersion, n2d_cm2=float(self.n2d_cm2),
            mu_eV=float(self.mu_eV), phi_deg=np.asarray(fs.phi_deg, float),
            band=np.asarray(fs.band, int), sheet=np.asarray(fs.sheet, int),
            iphi=np.asarray(fs.iphi, int),
            k=np.asarray(fs.k, float), delta=delta, kernel_eV=Vk, coupling=K,
            dos=np.asarray(fs.dos, float), weights=np.asarray(fs.weights, float),
            eigenvalues=top, options=opts)

    def kernel_vs_angle(self, sheet: int, phi_deg: float, omega0_meV: float = 5.6,
                        dispersion: Literal["vaks", "none"] = "vaks",
                        sheet_to: int | None = None) -> dict[str, np.ndarray]:
        """Eq. 4 of the paper: the kernel for one Fermi point k versus phi' - phi over the
        full sheet (all group images), for the paper's Figs. 2 and 3.

        Parameters
        ----------
        sheet
            Fermi sheet of k (0-based row, 0 = band 1).
        phi_deg
            Wedge angle of k (deg); the nearest grid angle is used.
        omega0_meV, dispersion
            Phonon setting for the bracket 2 omega0_ref / omega(q)^2.
        sheet_to
            Sheet of k' (default: the same sheet).

        Returns
        -------
        dict of arrays sorted by ``dphi_deg`` in [0, 360): ``dphi_deg``, ``m2_eV2``
        (|<nk|V_R|n'k'>|^2), ``kernel_eV`` (times the bracket), ``omega_meV`` (omega(q)),
        ``q_rlu``; plus ``phi_deg`` (the grid angle used).
        """
        fs = self.fs
        sheet_arr = np.asarray(fs.sheet)
        iphi_arr = np.asarray(fs.iphi)
        phis = np.asarray(fs.phi_deg, float)
        j0 = int(np.argmin(np.abs(phis - phi_deg)))
        sel_i = np.flatnonzero((sheet_arr == sheet) & (iphi_arr == j0))
        if sel_i.size != 1:
            raise TheoryError(f"no Fermi point on sheet {sheet} at phi = {phi_deg} deg")
        i = int(sel_i[0])
        to = sheet if sheet_to is None else sheet_to
        js = np.flatnonzero(sheet_arr == to)
        if js.size == 0:
            raise TheoryError(f"no Fermi sheet {to}")
        kk = self.kg[:, js, :].reshape(-1, 2)
        ang = (np.degrees(np.arctan2(kk[:, 1], kk[:, 0])) - phis[j0]) % 360.0
        m2 = self.m2[:, i, js].ravel()
        q = self.q_rlu[:, i, js].ravel()
        om = np.asarray(omega_to1_meV(q, omega0_meV, dispersion))
        ref = float(self.options.get("omega0_ref_meV", OMEGA0_REF_MEV))
        ker = m2 * 2.0 * ref * 1e-3 / (1e-3 * om) ** 2
        order = np.argsort(ang, kind="stable")
        return {"dphi_deg": ang[order], "m2_eV2": m2[order], "kernel_eV": ker[order],
                "omega_meV": om[order], "q_rlu": q[order], "phi_deg": np.array(phis[j0])}

    def omega_2kF_meV(self, omega0_meV: float, which: Literal["first", "last"] = "first",
                      band: int = 0) -> float:
        """TO1 energy at q = 2 kF of one band at the first (Gamma-K for 111) or last
        (Gamma-M for 111, 45 deg for 001) wedge angle (meV)."""
        kF = np.asarray(self.fs.kF)[band]  # row of kF (sheet)
        kf = float(kF[0] if which == "first" else kF[-1])
        return float(omega_to1_meV(2.0 * kf / (2.0 * math.pi), omega0_meV, "vaks"))


def _check_omega0(omega0_meV: Any) -> float:
    try:
        w = float(omega0_meV)
    except (TypeError, ValueError):
        raise TheoryError(f"omega0_meV must be a positive number (meV) or 'auto', "
                          f"got {omega0_meV!r}") from None
    if not math.isfinite(w) or w <= 0:
        raise TheoryError(f"omega0_meV must be a positive number (meV), got {omega0_meV!r}")
    return w


def prepare_pairing(model, *, n2d_cm2: float | None = 1e14, mu_eV: float | None = None,
                    dphi_deg: float = 1.0, vertex_t0_eV: float = DYNAMIC_T0_EV,
                    vertex_ratios: tuple[float, float, float] = TABLE_II_RATIOS,
                    nbands: int | Literal["auto"] = "auto", parallel: bool = True,
                    omega0_ref_meV: float = OMEGA0_REF_MEV,
                    quadrature: Quadrature = "trapezoid", measure: Measure | None = None,
                    method: Literal["rays", "contour", "auto"] | None = None,
                    contour_ds: float = 0.01) -> PairingProblem:
    """Fermi surface, eigenvectors and vertex matrix elements for one model and density.

    Parameters
    ----------
    model
        TightBindingModel (``ktoanalysis.theory.models.make_model``).
    n2d_cm2
        Sheet density in cm^-2 (sets mu unless ``mu_eV`` is given).
    mu_eV
        Chemical potential relative to band 1 at Gamma (eV); overrides ``n2d_cm2``.
    dphi_deg
        Angular step on the irreducible wedge (deg); the wedge must be a multiple of it.
    vertex_t0_eV, vertex_ratios
        Dynamic Rashba amplitude t0 (eV) and (tA, tB, tC)/t0 (Table II dynamic column).
    nbands
        Fermi-surface bands included: ``"auto"`` (default) takes every band occupied at
        this mu (4 at the paper's densities).
    parallel
        prange kernel (True) or serial twin.
    omega0_ref_meV
        Phonon energy at which the vertex amplitudes were derived (2.5 meV).
    quadrature
        Angular rule on the wedge: ``"trapezoid"`` (default, converged at 1 deg) or
        ``"paper"`` (uniform 1/N_phi, wedge ends at full weight; Table III).
    measure
        Fermi-surface measure: ``"angle"`` (the paper's equal weight per angle) or
        ``"dos"`` (local DOS, w proportional to k_F dphi / v_r). Default (None): the
        orientation's (:meth:`ktoanalysis.orientations.OrientationSpec.fermi_options`:
        angle for (111) and (001), dos for (110)).
    method
        Fermi-surface method: ``"rays"`` (sheets star-shaped about Gamma), ``"contour"``
        (contourpy on the irreducible domain, any topology:
        :mod:`ktoanalysis.theory.contours`) or ``"auto"`` (rays when every sheet is
        star-shaped about Gamma, contours otherwise). mu is found by the same method.
        Default (None): the orientation's (rays for (111) and (001), auto for (110)).
    contour_ds
        Spacing of the contour points along the sheets (1/a), contour method only.

    Returns
    -------
    PairingProblem
    """
    method, measure = orientation_spec(model.orientation).fermi_options(method, measure)
    check_weighting(quadrature, measure)
    _check_method(method)
    with blas_threads_limited():
        return _prepare_pairing(model, n2d_cm2=n2d_cm2, mu_eV=mu_eV, dphi_deg=dphi_deg,
                                vertex_t0_eV=vertex_t0_eV, vertex_ratios=vertex_ratios,
                                nbands=nbands, parallel=parallel,
                                omega0_ref_meV=omega0_ref_meV, quadrature=quadrature,
                                measure=measure, method=method, contour_ds=contour_ds)


def _check_method(method: str) -> str:
    from .contours import METHODS

    if method not in METHODS:
        raise TheoryError(f"unknown Fermi-surface method {method!r}; expected one of "
                          f"{', '.join(METHODS)}")
    return str(method)


def _fermi_points(model, mu_eV: float, *, method: str, dphi_deg: float, nbands,
                  quadrature: str, measure: str, contour_ds: float):
    """Fermi points by rays or contours (``method = "auto"``: rays when they apply)."""
    from . import contours, fermi

    if method in ("rays", "auto"):
        try:
            return fermi.fermi_surface(model, mu_eV, dphi_deg=dphi_deg, full=False,
                                       nbands=nbands, quadrature=quadrature, measure=measure)
        except TheoryError:
            # auto: contours only when the rays failed because a sheet is not star-shaped
            if method == "rays" or contours.sheets_star_shaped(model, mu_eV):
                raise
    return contours.fermi_contours(model, mu_eV, ds=contour_ds, measure=measure,
                                   quadrature=quadrature, nbands=nbands)


def _prepare_pairing(model, *, n2d_cm2, mu_eV, dphi_deg, vertex_t0_eV, vertex_ratios, nbands,
                     parallel, omega0_ref_meV, quadrature, measure, method,
                     contour_ds=0.01) -> PairingProblem:
    from . import density, lattice

    if not (isinstance(dphi_deg, (int, float)) and math.isfinite(dphi_deg) and dphi_deg > 0):
        raise TheoryError(f"dphi_deg must be a positive number of degrees, got {dphi_deg!r}")
    if mu_eV is None:
        if n2d_cm2 is None or not (math.isfinite(n2d_cm2) and n2d_cm2 > 0):
            raise TheoryError(f"n2d_cm2 must be a positive density in cm^-2, got {n2d_cm2!r}")
        mu_eV = float(density.mu_for_density(model, float(n2d_cm2), method=method))
    else:
        mu_eV = float(mu_eV)
        n2d_cm2 = float(density.density_for_mu(model, mu_eV, method=method))
    fs = _fermi_points(model, mu_eV, method=method, dphi_deg=dphi_deg, nbands=nbands,
                       quadrature=quadrature, measure=measure, contour_ds=contour_ds)
    ops = np.asarray(lattice.symmetry_ops(model.orientation), float)
    k = np.ascontiguousarray(np.asarray(fs.k, float))
    band = np.asarray(fs.band, int)
    U = np.ascontiguousarray(np.asarray(fs.U, complex))
    kg = np.ascontiguousarray(np.einsum("gab,pb->gpa", ops, k))
    _, V = model.bands(kg)                                       # (G, P, 12, 12)
    Ug = np.ascontiguousarray(np.take_along_axis(
        V, np.broadcast_to(band[None, :, None, None], V.shape[:2] + (V.shape[2], 1)),
        axis=3)[..., 0])
    t = rashba_amplitudes(vertex_t0_eV, vertex_ratios)
    bt = bond_terms(model.orientation, t)
    fn = _kernels.matrix_elements_parallel if parallel else _kernels.matrix_elements_serial
    m2, q = fn(U, k, Ug, kg, np.ascontiguousarray(bt.matrices), bt.axis, bt.sign, bt.frame)
    options = {
        "orientation": str(model.orientation), "tb": str(model.tb),
        "model_params": dict(getattr(model, "params", {})),
        "model_options": dict(getattr(model, "options", {})),
        "mu_eV": mu_eV, "n2d_cm2": float(n2d_cm2), "dphi_deg": float(dphi_deg),
        "nbands": len(fs.bands), "nbands_requested": nbands, "vertex_t0_eV": float(vertex_t0_eV),
        "vertex_ratios": tuple(float(r) for r in vertex_ratios),
        "vertex_amplitudes_eV": [float(x) for x in t],
        "vertex_polar_scaling": "n_ph components (1/sqrt3 per cubic axis for 111)",
        "omega0_ref_meV": float(omega0_ref_meV),
        "quadrature": quadrature, "measure": measure,
        "method": getattr(fs, "method", "rays"), "method_requested": method,
        "contour_ds_inv_a": float(contour_ds) if getattr(fs, "method", "") == "contour"
        else None,
        "weights": {("paper", "angle"): "uniform in wedge angle (1/N_phi per band, ends full)",
                    ("trapezoid", "angle"): "uniform in angle, trapezoid rule (ends halved)",
                    ("paper", "dos"): "local DOS kF dphi/v_r, uniform angular rule",
                    ("trapezoid", "dos"): "local DOS kF dphi/v_r, trapezoid rule",
                    }[(quadrature, measure)],
        "vertex_at": "k0 = (k + k')/2",
        "phonon_q": "in-plane |k' - k|, q_rlu = |q| a / 2 pi",
        "n_ops": int(ops.shape[0]), "n_points": int(k.shape[0]),
    }
    return PairingProblem(model=model, fs=fs, mu_eV=mu_eV, n2d_cm2=float(n2d_cm2), ops=ops,
                          kg=kg, m2=m2, q_rlu=q, bonds=bt, options=options)


def compute_lambda(orientation: Orientation, tb: Literal["TB1", "TB2"], *,
                   n2d_cm2: float = 1e14, mu_eV: float | None = None,
                   omega0_meV: Omega0 = 5.6, dispersion: Literal["vaks", "none"] = "vaks",
                   dphi_deg: float = 1.0, rashba_static_eV: float | None = None,
                   vertex_t0_eV: float = DYNAMIC_T0_EV,
                   vertex_ratios: tuple[float, float, float] = TABLE_II_RATIOS,
                   parallel: bool = True, quadrature: Quadrature = "trapezoid",
                   measure: Measure | None = None,
                   method: Literal["rays", "contour", "auto"] | None = None,
                   **model_options: Any) -> PairingResult:
    """BCS coupling constant lambda and gap function Delta_nk of Eq. 3 for one case.

    Parameters
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"`` (:data:`ktoanalysis.orientations.ORIENTATIONS`).
    tb
        ``"TB1"`` or ``"TB2"`` (Table I).
    n2d_cm2
        Sheet carrier density in cm^-2 (mu is solved for it).
    mu_eV
        Chemical potential relative to band 1 at Gamma, eV (overrides ``n2d_cm2``).
    omega0_meV
        Zone-centre TO1 energy in meV, or ``"auto"`` for Appendix B at this density.
    dispersion
        ``"vaks"`` (dispersive TO1) or ``"none"`` (omega(q) = omega(0)).
    dphi_deg
        Angular step on the wedge (deg); the paper uses 1.
    rashba_static_eV
        Static Rashba t0 of the band structure (eV); None keeps the model's default (2 meV).
    vertex_t0_eV, vertex_ratios
        Dynamic vertex amplitudes (Table II dynamic column by default).
    parallel
        prange kernels (True) or serial twins (batch workers).
    quadrature, measure
        Fermi-surface weights (see :func:`prepare_pairing`).
    method
        Fermi-surface method, ``"rays"``, ``"contour"`` or ``"auto"``; None: the
        orientation's default (see :func:`prepare_pairing`).
    **model_options
        Passed to ``make_model`` (parameter overrides, named assumptions).

    Returns
    -------
    PairingResult
    """
    from .models import make_model

    if rashba_static_eV is not None:
        model_options["rashba_static_eV"] = rashba_static_eV
    model = make_model(orientation, tb, **model_options)
    problem = prepare_pairing(model, n2d_cm2=n2d_cm2, mu_eV=mu_eV, dphi_deg=dphi_deg,
                              vertex_t0_eV=vertex_t0_eV, vertex_ratios=vertex_ratios,
                              parallel=parallel, quadrature=quadrature, measure=measure,
                              method=method)
    return problem.solve(omega0_meV, dispersion, parallel=parallel)


def kernel_sums(result: PairingResult, partial: bool = False) -> np.ndarray:
    """Eq. 5 of the paper: the kernel summed over the Fermi sheet of k'.

    ``F[n, n', j] = sum_{k' in n'} w_k' Vker(n k_j, n' k')`` (eV, a Fermi-surface average,
    ASSUMPTION for the paper's unstated normalisation of Figs. 4 and 9); with
    ``partial=True`` it is multiplied by N_n' (dimensionless partial coupling).

    Parameters
    ----------
    result
        PairingResult.
    partial
        Multiply by the DOS of sheet n'.

    Returns
    -------
    ndarray (nbands, nbands, Nphi)
    """
    nb = result.nbands
    nphi = result.phi_deg.size
    out = np.full((nb, nb, nphi), np.nan)
    for n in range(nb):
        rows = np.flatnonzero(result.sheet == n)
        for n2 in range(nb):
            cols = result.sheet == n2
            vals = result.kernel_eV[np.ix_(rows, np.flatnonzero(cols))] @ result.weights[cols]
            if partial:
                vals = vals * result.dos[n2]
            out[n, n2, result.iphi[rows]] = vals
    return out
