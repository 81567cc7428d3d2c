"""Eliashberg spectral function alpha^2F(omega), linearised isotropic Eliashberg Tc, and the
coupling channel the TO1 mode lacks.

* **alpha^2F from the kernel.** Every pair term of the pairing kernel (Norman 2026, Eq. 3,
  :mod:`ktoanalysis.theory.pairing`), ``c_gij = D_i x_i |<i|V_R|g j>|^2 (2 omega_ref /
  omega(q_gij)^2) D_j x_j / N_op``, is a contribution to lambda carried by a phonon of energy
  ``omega(q_gij)``. Binned by that energy, ``alpha^2F(omega) = sum_{bin} (omega/2) c / d omega``,
  so ``lambda = 2 int alpha^2F(omega)/omega d omega`` and
  ``lambda(i nu) = int 2 omega alpha^2F / (omega^2 + nu^2) d omega`` (Allen & Mitrovic 1982,
  Eqs. 2.1-2.3). ASSUMPTION ``channel``: ``"gap"`` (default) weights the pairs with the leading
  gap eigenvector x (``D = sqrt(N_n w)``), so the alpha^2F lambda equals the gap-equation
  lambda exactly (the anisotropic problem projected on its own pairing channel);
  ``"average"`` is the plain Fermi-surface average (``x = D / |D|``), the standard isotropic
  definition, which is smaller for an anisotropic kernel (a Rayleigh quotient).
* **Tc.** Linearised isotropic Eliashberg equations on the Matsubara axis (Allen & Mitrovic,
  Solid State Phys. 37, 1 (1982), Eqs. 3.1-3.5; Carbotte, Rev. Mod. Phys. 62, 1027 (1990),
  Eqs. 3.11-3.12), with ``omega_n = pi T (2n + 1)``, the gap even in n and
  ``Z_n omega_n = omega_n + pi T [lambda(0) + 2 sum_{l=1}^{n} lambda(l)]``:
  ``Z_n Delta_n = sum_{m=0}^{N-1} [lambda(n-m) + lambda(n+m+1) - 2 mu*] Delta_m / (2m + 1)``
  for ``omega_m < omega_c``. In the symmetric form ``M = d^(-1/2) A d^(-1/2)`` (``A`` the
  bracket, ``d_n = (2n+1) Z_n``) Tc is the temperature at which the largest eigenvalue of M
  equals 1 (Bergmann & Rainer 1973), found by bisection (Brent) in log T.
  ASSUMPTION ``omega_c``: ``cutoff_factor`` (10) times the highest phonon energy of the
  spectrum. ASSUMPTION ``mu_star_at``: ``"omega_log"`` (default) takes mu* in the
  McMillan / Allen-Dynes sense, referred to omega_log, and carries it to omega_c by
  Morel-Anderson scaling ``mu*(omega_c) = mu* / (1 - mu* ln(omega_c/omega_log))``, so the
  solver and the Allen-Dynes formula share one mu*; ``"cutoff"`` takes mu* at omega_c (the
  convention of Eliashberg codes such as EPW; with mu* = 0.1 it gives 6-27 % higher Tc than
  Allen-Dynes for an Einstein mode with lambda = 0.5-1.5). When that needs more than
  ``n_max`` Matsubara frequencies (very low T), the sum stops at ``omega_N = 2 pi T n_max``
  and mu* is rescaled,
  ``mu*(omega_N) = mu* / (1 + mu* ln(omega_c/omega_N))`` (Allen & Mitrovic Eq. 3.16), which is
  exact where lambda(nu) is negligible between omega_N and omega_c; the result records it.
* **The other coupling.** Paper 000 concludes (Sec. IV and Conclusion) that the TO1 coupling
  alone is too weak for the measured Tc and must be augmented by other phonons (the LO modes
  it cites). :func:`other_channel` adds a channel known by its lambda and omega_log (a single
  mode at omega_log: the spectrum for which Allen-Dynes' f2 = 1) or an Einstein mode
  (omega_E, lambda_E, e.g. an LO mode); :func:`required_lambda_other` finds the lambda of
  such a channel that a measured Tc needs on top of the TO1 spectrum.

Units: phonon energies in meV, temperatures in K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.fft
import scipy.linalg
import scipy.sparse.linalg
from scipy.optimize import brentq

from ..errors import TheoryError
from ._threads import blas_threads_limited
from .phonon import OMEGA0_REF_MEV, omega_to1_meV
from .tc import MEV_TO_K, tc_allen_dynes

__all__ = ["Spectrum", "EliashbergTc", "NEGLIGIBLE_TC_K", "TO1_NEGLIGIBLE_REASON",
           "alpha2f_from_problem", "einstein_spectrum", "other_channel", "eliashberg_eigenvalue",
           "tc_eliashberg", "tc_allen_dynes_spectrum", "required_lambda_other", "tc_vs_omega0",
           "to1_negligible_note"]

Channel = Literal["gap", "average"]

#: a TO1-only Tc below this (K) is called negligible: five times below the lowest KTaO3
#: interface Tc (the (001) 2DEG, "less than 50 mK", paper 000 introduction)
NEGLIGIBLE_TC_K: float = 0.01
#: the Matsubara sum must reach this multiple of omega_max for a resolved Tc
RESOLVED_MULTIPLE: float = 8.0
#: why a negligible TO1-only Tc is expected
TO1_NEGLIGIBLE_REASON: str = (
    "the TO1 mode alone is too weak: paper 000 (Norman 2026, Sec. IV and Conclusion) finds a "
    "BCS coupling smaller than the ~0.26 the measured Tc needs and concludes that other "
    "phonons (the LO and other TO modes it cites) must contribute; add them with "
    "lambda_other / omega_E (see required_lambda_other)")


@dataclass(frozen=True, eq=False)
class Spectrum:
    """A discrete Eliashberg spectrum: modes (or frequency bins) with their lambda.

    ``alpha^2F(omega) = sum_j (lam_j omega_j / 2) delta(omega - omega_j)``.

    Attributes
    ----------
    omega_meV : ndarray (M,)
        Mode / bin-centre energies, meV (> 0).
    lam : ndarray (M,)
        Coupling carried by each mode (>= 0); ``lambda = lam.sum()``.
    label : str
        What the spectrum is (``"TO1"``, ``"other"``, ``"einstein"``, or a sum).
    bin_meV : float or None
        Bin width of a binned spectrum (None: discrete modes).
    options : dict
        Options used.
    """

    omega_meV: np.ndarray
    lam: np.ndarray
    label: str = ""
    bin_meV: float | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = np.atleast_1d(np.asarray(self.omega_meV, float))
        la = np.atleast_1d(np.asarray(self.lam, float))
        if w.shape != la.shape:
            raise TheoryError("omega_meV and lam must have the same shape")
        if not (np.all(np.isfinite(w)) and np.all(w > 0)):
            raise TheoryError("mode energies must be positive and finite (meV)")
        if not (np.all(np.isfinite(la)) and np.all(la >= 0)):
            raise TheoryError("mode couplings must be finite and >= 0")
        object.__setattr__(self, "omega_meV", w)
        object.__setattr__(self, "lam", la)

    @property
    def lambda_total(self) -> float:
        """lambda = 2 int alpha^2F / omega (dimensionless)."""
        return float(self.lam.sum())

    @property
    def omega_log_meV(self) -> float:
        """Allen-Dynes omega_log = exp[(2/lambda) int ln(omega) alpha^2F/omega] (meV)."""
        lt = self.lambda_total
        if lt <= 0:
            return float("nan")
        return float(np.exp(np.sum(self.lam * np.log(self.omega_meV)) / lt))

    @property
    def omega2_meV(self) -> float:
        """Allen-Dynes omega_2 = [(2/lambda) int omega alpha^2F]^(1/2) (meV)."""
        lt = self.lambda_total
        if lt <= 0:
            return float("nan")
        return float(np.sqrt(np.sum(self.lam * self.omega_meV**2) / lt))

    @property
    def omega_max_meV(self) -> float:
        """Highest energy carrying coupling (meV)."""
        sel = self.lam > 0
        return float(self.omega_meV[sel].max()) if np.any(sel) else float(self.omega_meV.max())

    def lambda_of_nu(self, nu_meV) -> np.ndarray:
        """``lambda(i nu) = sum_j lam_j omega_j^2 / (omega_j^2 + nu^2)`` for bosonic nu (meV)."""
        nu = np.asarray(nu_meV, float)
        w2 = self.omega_meV**2
        return (self.lam * w2 / (w2 + nu[..., None] ** 2)).sum(axis=-1)

    def a2f(self, bin_meV: float | None = None, omega_max_meV: float | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """alpha^2F on a histogram (for plots and tables).

        Parameters
        ----------
        bin_meV
            Bin width (meV); default the spectrum's own bin or omega_max / 200.
        omega_max_meV
            Upper edge (meV); default just above the highest mode.

        Returns
        -------
        centres_meV, a2f, edges_meV : ndarray
            ``a2f[b] = omega_b sum_{j in b} lam_j / (2 d omega)`` (dimensionless, per bin), so
            that ``2 sum a2f d omega / omega_b`` returns lambda exactly (midpoint rule).
        """
        top = float(omega_max_meV if omega_max_meV is not None else self.omega_meV.max())
        d = float(bin_meV or self.bin_meV or top / 200.0)
        nb = max(1, int(math.ceil(top / d + 0.5)))
        edges = d * np.arange(nb + 1)
        idx = np.clip(np.floor(self.omega_meV / d).astype(int), 0, nb - 1)
        lam_b = np.bincount(idx, weights=self.lam, minlength=nb)
        centres = 0.5 * (edges[:-1] + edges[1:])
        return centres, centres * lam_b / (2.0 * d), edges

    def __add__(self, other: Spectrum) -> Spectrum:
        return Spectrum(np.concatenate([self.omega_meV, other.omega_meV]),
                        np.concatenate([self.lam, other.lam]),
                        label=" + ".join(s for s in (self.label, other.label) if s),
                        bin_meV=None, options={"parts": [self.summary(), other.summary()]})

    def summary(self) -> dict[str, Any]:
        """JSON-safe lambda, omega_log, omega_2, omega_max and label."""
        return {"label": self.label, "lambda": self.lambda_total,
                "omega_log_meV": self.omega_log_meV, "omega2_meV": self.omega2_meV,
                "omega_max_meV": self.omega_max_meV, "n_modes": int(self.lam.size)}


def einstein_spectrum(omega_E_meV: float, lambda_E: float, label: str = "einstein"
                      ) -> Spectrum:
    """A single (Einstein) mode of energy ``omega_E_meV`` carrying coupling ``lambda_E``.

    Parameters
    ----------
    omega_E_meV
        Mode energy (meV, > 0).
    lambda_E
        Its coupling constant (>= 0).
    label
        Name of the channel.
    """
    if not (isinstance(omega_E_meV, (int, float)) and math.isfinite(omega_E_meV)
            and omega_E_meV > 0):
        raise TheoryError(f"omega_E_meV must be a positive energy in meV, got {omega_E_meV!r}")
    if not (math.isfinite(lambda_E) and lambda_E >= 0):
        raise TheoryError(f"lambda_E must be a finite number >= 0, got {lambda_E!r}")
    return Spectrum(np.array([float(omega_E_meV)]), np.array([float(lambda_E)]), label=label,
                    options={"omega_E_meV": float(omega_E_meV), "lambda_E": float(lambda_E)})


def other_channel(*, lambda_other: float = 0.0, omega_log_other_meV: float | None = None,
                  lambda_E: float = 0.0, omega_E_meV: float | None = None) -> Spectrum | None:
    """The coupling the TO1 mode lacks, as named options.

    Parameters
    ----------
    lambda_other, omega_log_other_meV
        A channel known only by its lambda and omega_log (meV), represented by one mode at
        omega_log (Allen-Dynes f2 = 1).
    lambda_E, omega_E_meV
        An Einstein mode (e.g. an LO mode) of energy omega_E (meV) and coupling lambda_E.

    Returns
    -------
    Spectrum or None
        The sum of the channels given (None when both lambdas are 0).
    """
    parts = []
    for lam, w, name, wname in ((lambda_other, omega_log_other_meV, "other",
                                 "omega_log_other_meV"),
                                (lambda_E, omega_E_meV, "einstein", "omega_E_meV")):
        if not (math.isfinite(lam) and lam >= 0):
            raise TheoryError(f"the coupling of the {name} channel must be >= 0, got {lam!r}")
        if lam > 0:
            if w is None:
                raise TheoryError(f"a {name} channel with lambda = {lam} needs {wname}")
            parts.append(einstein_spectrum(float(w), float(lam), label=name))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def alpha2f_from_problem(problem: Any, omega0_meV: float,
                         dispersion: Literal["vaks", "none"] = "vaks", *,
                         channel: Channel = "gap", bin_meV: float = 0.02) -> Spectrum:
    """alpha^2F(omega) of the TO1 pairing kernel, binned by phonon energy.

    Parameters
    ----------
    problem
        :class:`~ktoanalysis.theory.pairing.PairingProblem` (from ``prepare_pairing``).
    omega0_meV
        Zone-centre TO1 energy omega(0) (meV).
    dispersion
        ``"vaks"`` (omega(q) of the Vaks model) or ``"none"`` (every pair at omega(0)).
    channel
        ``"gap"`` (weights of the leading gap eigenvector; lambda equals the gap-equation
        lambda) or ``"average"`` (plain Fermi-surface average).
    bin_meV
        Width of the energy bins (meV).

    Returns
    -------
    Spectrum
        Bins with nonzero weight (centres, lambda per bin); ``options`` records the
        gap-equation lambda, the channel, omega(0) and the dispersion.
    """
    from .pairing import solve_gap_equation

    if channel not in ("gap", "average"):
        raise TheoryError(f"unknown alpha^2F channel {channel!r} (expected 'gap' or 'average')")
    if not (math.isfinite(bin_meV) and bin_meV > 0):
        raise TheoryError(f"bin_meV must be a positive energy, got {bin_meV!r}")
    with blas_threads_limited():
        Vk = problem.kernel(float(omega0_meV), dispersion)
        D = np.sqrt(problem.dos_of_point * np.asarray(problem.fs.weights, float))
        lam_gap, _, _, _ = solve_gap_equation(Vk, problem.dos_of_point,
                                              np.asarray(problem.fs.weights, float), n_eig=1)
        K = D[:, None] * Vk * D[None, :]
        K = 0.5 * (K + K.T)
        if channel == "gap":
            ev, x = scipy.linalg.eigh(K, subset_by_index=[K.shape[0] - 1, K.shape[0] - 1],
                                      driver="evr", check_finite=False)
            x = x[:, 0] * np.sign(x[np.argmax(np.abs(x[:, 0])), 0])
        else:
            x = D / np.linalg.norm(D)
    if dispersion == "vaks":
        om = np.asarray(omega_to1_meV(problem.q_rlu, float(omega0_meV), "vaks"), float)
    elif dispersion == "none":
        om = np.full(problem.q_rlu.shape, float(omega0_meV))
    else:
        raise TheoryError(f"unknown phonon dispersion {dispersion!r}")
    ref = float(problem.options.get("omega0_ref_meV", OMEGA0_REF_MEV))
    G = problem.m2.shape[0]
    u = x * D
    # lambda contribution of each (g, i, j): u_i m2 2 ref / om^2 u_j / G (eV^2 * eV / eV^2 * 1/eV)
    c = problem.m2 * (2.0 * ref * 1e-3 / (1e-3 * om) ** 2) * (u[None, :, None] * u[None, None, :])
    c = c / G
    idx = np.floor(om / bin_meV).astype(np.int64)
    nb = int(idx.max()) + 1
    lam_b = np.bincount(idx.ravel(), weights=c.ravel(), minlength=nb)
    keep = lam_b > 0
    centres = (np.arange(nb) + 0.5) * bin_meV
    opts = {"source": "TO1 pairing kernel (Norman 2026, Eq. 3)", "channel": channel,
            "omega0_meV": float(omega0_meV), "dispersion": dispersion, "bin_meV": float(bin_meV),
            "lambda_gap_equation": float(lam_gap), "lambda_rayleigh": float(x @ K @ x),
            "orientation": str(problem.orientation), "tb": str(problem.model.tb),
            "n2d_cm2": float(problem.n2d_cm2)}
    return Spectrum(centres[keep], lam_b[keep], label="TO1", bin_meV=float(bin_meV),
                    options=opts)


class _Kernel:
    """Linearised Eliashberg matrix ``M = s (T + H - 2 mu* 1 1^T) s`` at one temperature:
    T Toeplitz (lambda(n-m)), H Hankel (lambda(n+m+1)), s = d^(-1/2); dense for small N,
    FFT mat-vec (O(N log N)) otherwise."""

    def __init__(self, spectrum: Spectrum, T_K: float, mu_c: float, omega_c_meV: float,
                 n_max: int) -> None:
        T_meV = T_K / MEV_TO_K
        n_need = int(math.floor(omega_c_meV / (2.0 * math.pi * T_meV) + 0.5))
        N = max(1, min(n_need, int(n_max)))
        mu = float(mu_c)
        omega_N = 2.0 * math.pi * T_meV * N
        if n_need > N and mu > 0:
            mu = mu / (1.0 + mu * math.log(omega_c_meV / omega_N))
        lam_l = spectrum.lambda_of_nu(2.0 * math.pi * T_meV * np.arange(2 * N + 1))
        csum = np.concatenate([[0.0], np.cumsum(lam_l[1:N])])  # sum_{l=1}^{n} lambda(l)
        n = np.arange(N)
        d = (2 * n + 1) + lam_l[0] + 2.0 * csum
        self.N, self.mu, self.omega_N = N, mu, omega_N
        self.s = 1.0 / np.sqrt(d)
        self.lam_l = lam_l

    def dense(self) -> np.ndarray:
        N, lam_l, s = self.N, self.lam_l, self.s
        A = (scipy.linalg.toeplitz(lam_l[:N]) + scipy.linalg.hankel(lam_l[1:N + 1], lam_l[N:2 * N])
             - 2.0 * self.mu)
        return s[:, None] * A * s[None, :]

    def largest(self) -> float:
        N = self.N
        with blas_threads_limited():
            if N <= 384:
                M = self.dense()
                if N == 1:
                    return float(M[0, 0])
                ev = scipy.linalg.eigh(M, eigvals_only=True, subset_by_index=[N - 1, N - 1],
                                       driver="evr", check_finite=False)
                return float(ev[-1])
            L = scipy.fft.next_fast_len(3 * N)
            c = self.lam_l[:N]
            kt = np.concatenate([c[:0:-1], c])              # lambda(|j|), j = -(N-1)..N-1
            kh = self.lam_l[1:2 * N]                         # lambda(j+1), j = 0..2N-2
            Ft = scipy.fft.rfft(kt, L)
            Fh = scipy.fft.rfft(kh, L)
            s, mu = self.s, self.mu

            def mv(v):
                u = s * np.ravel(v)
                Fu = scipy.fft.rfft(u, L)
                Fr = scipy.fft.rfft(u[::-1], L)
                tv = scipy.fft.irfft(Ft * Fu, L)[N - 1:2 * N - 1]
                hv = scipy.fft.irfft(Fh * Fr, L)[N - 1:2 * N - 1]
                return s * (tv + hv - 2.0 * mu * u.sum())

            op = scipy.sparse.linalg.LinearOperator((N, N), matvec=mv, dtype=float)
            ev = scipy.sparse.linalg.eigsh(op, k=1, which="LA", return_eigenvectors=False,
                                           tol=1e-9, v0=self.s / np.linalg.norm(self.s))
        return float(ev[-1])


def _matsubara_setup(spectrum: Spectrum, T_K: float, mu_star: float, omega_c_meV: float,
                     n_max: int) -> tuple[np.ndarray, int, float, float]:
    """Dense matrix M of the linearised equations at T; returns (M, N, mu*_used, omega_N)."""
    k = _Kernel(spectrum, T_K, mu_star, omega_c_meV, n_max)
    return k.dense(), k.N, k.mu, k.omega_N


def eliashberg_eigenvalue(spectrum: Spectrum, T_K: float, mu_star: float = 0.1, *,
                          omega_c_meV: float | None = None, cutoff_factor: float = 10.0,
                          n_max: int = 65536, mu_star_at: str = "omega_log") -> float:
    """Largest eigenvalue of the linearised isotropic Eliashberg kernel at temperature T.

    Parameters
    ----------
    spectrum
        The Eliashberg spectrum.
    T_K
        Temperature (K, > 0).
    mu_star
        Coulomb pseudopotential, given at omega_log (``mu_star_at="omega_log"``, default: the
        Allen-Dynes / McMillan sense, carried to omega_c by Morel-Anderson scaling
        ``mu*(omega_c) = mu* / (1 - mu* ln(omega_c/omega_log))``) or at the cut-off
        (``"cutoff"``, the convention of Eliashberg codes such as EPW).
    omega_c_meV
        Matsubara / mu* cut-off (meV); default ``cutoff_factor * omega_max``.
    cutoff_factor
        See ``omega_c_meV``.
    n_max
        Most positive Matsubara frequencies kept (mu* rescaled beyond, see module docstring).
    mu_star_at
        ``"omega_log"`` or ``"cutoff"`` (see ``mu_star``).

    Returns
    -------
    float
        rho(T): > 1 below Tc, 1 at Tc, < 1 above.
    """
    wc = _cutoff(spectrum, omega_c_meV, cutoff_factor)
    mu_c = _mu_at_cutoff(spectrum, mu_star, wc, mu_star_at)
    return _Kernel(spectrum, float(T_K), mu_c, wc, n_max).largest()


def _mu_at_cutoff(spectrum: Spectrum, mu_star: float, wc: float, mu_star_at: str) -> float:
    """mu* at the solver cut-off from mu* given at omega_log (Allen-Dynes sense) or at omega_c."""
    if not (math.isfinite(mu_star) and mu_star >= 0):
        raise TheoryError(f"mu_star must be a finite number >= 0, got {mu_star!r}")
    if mu_star_at == "cutoff":
        return float(mu_star)
    if mu_star_at != "omega_log":
        raise TheoryError(f"unknown mu_star_at {mu_star_at!r} (expected 'omega_log' or 'cutoff')")
    den = 1.0 - mu_star * math.log(wc / spectrum.omega_log_meV)
    if den <= 0:
        raise TheoryError(f"mu* = {mu_star} at omega_log cannot be carried to omega_c = {wc:.4g} "
                          "meV (Morel-Anderson scaling diverges); lower the cut-off")
    return float(mu_star) / den


def _cutoff(spectrum: Spectrum, omega_c_meV: float | None, cutoff_factor: float) -> float:
    if omega_c_meV is None:
        if not (math.isfinite(cutoff_factor) and cutoff_factor > 1):
            raise TheoryError(f"cutoff_factor must be > 1, got {cutoff_factor!r}")
        return float(cutoff_factor) * spectrum.omega_max_meV
    if not (math.isfinite(omega_c_meV) and omega_c_meV > spectrum.omega_max_meV):
        raise TheoryError(f"omega_c_meV must exceed the highest phonon energy "
                          f"{spectrum.omega_max_meV:.4g} meV, got {omega_c_meV!r}")
    return float(omega_c_meV)


@dataclass(frozen=True)
class EliashbergTc:
    """Tc of the linearised isotropic Eliashberg equations.

    Attributes
    ----------
    Tc_K : float or None
        Tc in K; None when it lies below ``T_floor_K`` (not resolved, see ``reason``).
    reason : str
        Why Tc is None (empty otherwise).
    mu_star : float
        mu* as given.
    mu_star_at : str
        Where mu* was given (``"omega_log"`` or ``"cutoff"``).
    mu_star_cutoff : float
        mu* at omega_c used in the equations.
    omega_c_meV : float
        Cut-off of mu* and of the Matsubara sum.
    n_matsubara : int
        Positive Matsubara frequencies used at Tc (or at the floor).
    mu_star_rescaled : float or None
        mu* at the reduced cut-off when n_max was reached (None otherwise).
    lambda_total, omega_log_meV, omega2_meV : float
        Moments of the spectrum.
    Tc_allen_dynes_K : float
        Allen-Dynes Tc (f1 f2) for the same spectrum and mu*, for comparison.
    T_floor_K : float
        Lowest temperature searched (the larger of the requested floor and the resolution
        floor ``8 omega_max / (2 pi n_max)``).
    """

    Tc_K: float | None
    reason: str
    mu_star: float
    mu_star_at: str
    mu_star_cutoff: float
    omega_c_meV: float
    n_matsubara: int
    mu_star_rescaled: float | None
    lambda_total: float
    omega_log_meV: float
    omega2_meV: float
    Tc_allen_dynes_K: float
    T_floor_K: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def tc_allen_dynes_spectrum(spectrum: Spectrum, mu_star: float = 0.1) -> float:
    """Allen-Dynes Tc (Phys. Rev. B 12, 905 (1975), Eq. 34, with f1 and f2) of a spectrum (K).

    Parameters
    ----------
    spectrum
        Eliashberg spectrum (uses lambda, omega_log and omega_2).
    mu_star
        Coulomb pseudopotential.
    """
    lt = spectrum.lambda_total
    if lt <= 0:
        return 0.0
    return float(tc_allen_dynes(lt, spectrum.omega_log_meV, mu_star,
                                omega2_meV=spectrum.omega2_meV))


def tc_eliashberg(spectrum: Spectrum, mu_star: float = 0.1, *,
                  omega_c_meV: float | None = None, cutoff_factor: float = 10.0,
                  T_floor_K: float = 1e-3, n_max: int = 65536, rtol: float = 1e-5,
                  mu_star_at: str = "omega_log") -> EliashbergTc:
    """Tc of the linearised isotropic Eliashberg equations (largest eigenvalue = 1).

    Parameters
    ----------
    spectrum
        Eliashberg spectrum (e.g. ``alpha2f_from_problem(...) + other_channel(...)``).
    mu_star, mu_star_at
        Coulomb pseudopotential (>= 0) and where it is given (see
        :func:`eliashberg_eigenvalue`; default at omega_log, the Allen-Dynes sense).
    omega_c_meV, cutoff_factor, n_max
        Cut-off and Matsubara count (see :func:`eliashberg_eigenvalue`).
    T_floor_K
        Lowest temperature searched (raised to the resolution floor
        ``8 omega_max / (2 pi n_max)`` when that is higher); a Tc below it is reported as
        None with the reason.
    rtol
        Relative tolerance on Tc.

    Returns
    -------
    EliashbergTc
    """
    if not (math.isfinite(mu_star) and mu_star >= 0):
        raise TheoryError(f"mu_star must be a finite number >= 0, got {mu_star!r}")
    if not (math.isfinite(T_floor_K) and T_floor_K > 0):
        raise TheoryError(f"T_floor_K must be a positive temperature, got {T_floor_K!r}")
    wc = _cutoff(spectrum, omega_c_meV, cutoff_factor)
    mu_c = _mu_at_cutoff(spectrum, mu_star, wc, mu_star_at) if spectrum.lambda_total > 0 else 0.0
    # resolution floor: below it the n_max Matsubara frequencies end under 8 omega_max, where
    # truncation shifts Tc by more than ~1 % (measured: 0.4-0.6 % at 8, 3-5 % at 4 omega_max)
    T_floor_K = max(float(T_floor_K),
                    RESOLVED_MULTIPLE * spectrum.omega_max_meV * MEV_TO_K / (2 * math.pi * n_max))
    common = dict(mu_star=float(mu_star), mu_star_at=mu_star_at, mu_star_cutoff=mu_c,
                  omega_c_meV=wc, lambda_total=spectrum.lambda_total,
                  omega_log_meV=spectrum.omega_log_meV, omega2_meV=spectrum.omega2_meV,
                  Tc_allen_dynes_K=tc_allen_dynes_spectrum(spectrum, mu_star),
                  T_floor_K=float(T_floor_K))

    def g(logT: float) -> float:
        return _Kernel(spectrum, math.exp(logT), mu_c, wc, n_max).largest() - 1.0

    if spectrum.lambda_total <= 0:
        return EliashbergTc(Tc_K=None, reason="no coupling (lambda = 0)", n_matsubara=0,
                            mu_star_rescaled=None, **common)
    lo_floor = math.log(T_floor_K)
    hi = math.log(max(spectrum.omega_max_meV * MEV_TO_K, 2.0 * T_floor_K))
    while g(hi) > 0:
        hi += math.log(2.0)
        if hi > math.log(wc * MEV_TO_K):
            raise TheoryError("no Tc below the cut-off: the coupling is too strong for this "
                              "omega_c")
    # walk down by factors of 10 (cheap at high T) until rho > 1 or the floor is reached
    lo = hi - math.log(10.0)
    while lo > lo_floor and g(lo) <= 0:
        hi, lo = lo, lo - math.log(10.0)
    if lo <= lo_floor:
        lo = lo_floor
        kf = _Kernel(spectrum, T_floor_K, mu_c, wc, n_max)
        if kf.largest() - 1.0 <= 0:
            return EliashbergTc(
                Tc_K=None, reason=f"Tc < {T_floor_K:.3g} K (largest eigenvalue < 1 at the "
                f"floor; lambda = {spectrum.lambda_total:.4g}, mu* = {mu_star})",
                n_matsubara=kf.N, mu_star_rescaled=kf.mu if kf.mu != mu_c else None, **common)
    logTc = brentq(g, lo, hi, xtol=rtol / 4, rtol=1e-12)
    Tc = math.exp(logTc)
    kc = _Kernel(spectrum, Tc, mu_c, wc, n_max)
    N, mu_used = kc.N, kc.mu
    return EliashbergTc(Tc_K=Tc, reason="", n_matsubara=N,
                        mu_star_rescaled=mu_used if mu_used != mu_c else None, **common)


def required_lambda_other(Tc_K: float, base: Spectrum | None, omega_other_meV: float, *,
                          mu_star: float = 0.1, lambda_max: float = 5.0, **tc_options: Any
                          ) -> float:
    """Coupling of an extra mode at ``omega_other_meV`` that a measured Tc needs.

    Root in lambda_other of ``rho(T = Tc_K) = 1`` (the largest eigenvalue of the linearised
    equations, which grows with lambda_other), i.e. ``Tc_eliashberg(base + mode) = Tc_K``,
    with the cut-off fixed by the highest mode (so that mu* keeps one meaning).

    Parameters
    ----------
    Tc_K
        Measured Tc (K, > 0).
    base
        The spectrum already there (the TO1 alpha^2F), or None.
    omega_other_meV
        Energy (omega_log) of the missing channel (meV).
    mu_star
        Coulomb pseudopotential.
    lambda_max
        Upper end of the search.
    **tc_options
        ``omega_c_meV``, ``cutoff_factor``, ``n_max``, ``mu_star_at`` as in
        :func:`tc_eliashberg`.

    Returns
    -------
    float
        lambda_other (0 when the base alone already reaches Tc_K).
    """
    if not (math.isfinite(Tc_K) and Tc_K > 0):
        raise TheoryError(f"Tc_K must be a positive temperature, got {Tc_K!r}")
    cutoff_factor = float(tc_options.pop("cutoff_factor", 10.0))
    n_max = int(tc_options.pop("n_max", 65536))
    mu_star_at = str(tc_options.pop("mu_star_at", "omega_log"))
    wc = tc_options.pop("omega_c_meV", None)
    if tc_options:
        raise TheoryError(f"unknown options {sorted(tc_options)}")
    if wc is None:
        top = max(float(omega_other_meV), base.omega_max_meV if base is not None else 0.0)
        wc = cutoff_factor * top

    def total(lam: float) -> Spectrum:
        mode = einstein_spectrum(omega_other_meV, lam, label="other")
        return mode if base is None or base.lambda_total <= 0 else base + mode

    def f(lam: float) -> float:
        # at T = Tc the largest eigenvalue is 1 (it grows with lambda_other)
        sp = total(max(lam, 1e-12))
        mu_c = _mu_at_cutoff(sp, mu_star, wc, mu_star_at)
        return _Kernel(sp, Tc_K, mu_c, wc, n_max).largest() - 1.0

    if base is not None and base.lambda_total > 0 and f(0.0) >= 0:
        return 0.0
    if f(lambda_max) < 0:
        raise TheoryError(f"Tc = {Tc_K} K is not reached with lambda_other <= {lambda_max} "
                          f"at omega = {omega_other_meV} meV")
    return float(brentq(f, 1e-12, lambda_max, xtol=1e-6, rtol=1e-8))


def to1_negligible_note(Tc_TO1_K: float | None, T_floor_K: float = 1e-3) -> str:
    """One line for every Tc output: whether the TO1-only Tc is negligible, and why.

    Parameters
    ----------
    Tc_TO1_K
        TO1-only Tc (K); None or 0 means below the floor.
    T_floor_K
        The floor of that calculation (K).

    Returns
    -------
    str
        Empty when the TO1 Tc is not negligible (>= :data:`NEGLIGIBLE_TC_K`); a statement
        that it is unresolved when it lies below a floor above that threshold.
    """
    if Tc_TO1_K is not None and math.isfinite(Tc_TO1_K) and Tc_TO1_K >= NEGLIGIBLE_TC_K:
        return ""
    if not Tc_TO1_K:
        if T_floor_K > NEGLIGIBLE_TC_K:
            return (f"note: the TO1-only Tc lies below the resolved floor {T_floor_K:.3g} K "
                    "(raise n_max to resolve it); a small value is expected: "
                    + TO1_NEGLIGIBLE_REASON)
        val = f"below the {T_floor_K:.3g} K floor"
    else:
        val = f"{Tc_TO1_K:.3g} K < {NEGLIGIBLE_TC_K} K"
    return (f"note: the TO1-only Tc is negligible ({val}), as expected: "
            + TO1_NEGLIGIBLE_REASON)


def tc_vs_omega0(problem: Any, omega0_meV, dispersion: Literal["vaks", "none"] = "vaks", *,
                 mu_star: float = 0.1, channel: Channel = "gap", bin_meV: float = 0.02,
                 lambda_other: float = 0.0, omega_log_other_meV: float | None = None,
                 lambda_E: float = 0.0, omega_E_meV: float | None = None,
                 **tc_options: Any) -> list[dict[str, Any]]:
    """Eliashberg Tc against omega(0), TO1 alone and with the other channel, down to the
    soft-mode (ferroelectric quantum-critical) limit.

    The prepared problem is reused for every omega(0) (only the kernel is recomputed).

    Parameters
    ----------
    problem
        PairingProblem.
    omega0_meV
        Sequence of omega(0) values (meV, > 0).
    dispersion, channel, bin_meV
        As in :func:`alpha2f_from_problem`.
    mu_star
        Coulomb pseudopotential.
    lambda_other, omega_log_other_meV, lambda_E, omega_E_meV
        The other channel (:func:`other_channel`).
    **tc_options
        Passed to :func:`tc_eliashberg`.

    Returns
    -------
    list of dict
        One row per omega(0): ``omega0_meV, lambda_gap, lambda_TO1, omega_log_TO1_meV,
        Tc_TO1_K, Tc_TO1_allen_dynes_K, lambda_total, Tc_total_K, Tc_total_allen_dynes_K,
        T_floor_K, note`` (Tc None: below the floor).
    """
    other = other_channel(lambda_other=lambda_other, omega_log_other_meV=omega_log_other_meV,
                          lambda_E=lambda_E, omega_E_meV=omega_E_meV)
    rows = []
    for w0 in np.atleast_1d(np.asarray(omega0_meV, float)):
        spec = alpha2f_from_problem(problem, float(w0), dispersion, channel=channel,
                                    bin_meV=bin_meV)
        r1 = tc_eliashberg(spec, mu_star, **tc_options)
        row = {"omega0_meV": float(w0), "lambda_gap": spec.options["lambda_gap_equation"],
               "lambda_TO1": spec.lambda_total, "omega_log_TO1_meV": spec.omega_log_meV,
               "Tc_TO1_K": r1.Tc_K, "Tc_TO1_allen_dynes_K": r1.Tc_allen_dynes_K,
               "lambda_total": spec.lambda_total, "Tc_total_K": r1.Tc_K,
               "Tc_total_allen_dynes_K": r1.Tc_allen_dynes_K,
               "T_floor_K": r1.T_floor_K, "note": to1_negligible_note(r1.Tc_K, r1.T_floor_K)}
        if other is not None:
            tot = spec + other
            r2 = tc_eliashberg(tot, mu_star, **tc_options)
            row.update(lambda_total=tot.lambda_total, Tc_total_K=r2.Tc_K,
                       Tc_total_allen_dynes_K=r2.Tc_allen_dynes_K)
        rows.append(row)
    return rows
