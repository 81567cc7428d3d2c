"""Frozen tight-binding models: H(k) = sum_R T(R) exp(i k_c . R).

A :class:`TightBindingModel` is the frozen form ("describe, then freeze", as kwant's
``Builder.finalized()``) of a bilayer Hamiltonian: a list of bond vectors R in cubic
coordinates (units of a) and the (nb x nb) hopping matrices T(R) = <0, a|H|R, b> between
all basis states of the 2D cell, including the on-site (R = 0) block. The Bloch phase
uses the true bond vector ("atomic-position gauge"): k_c are the cubic components of the
in-plane k (see :func:`ktoanalysis.theory.lattice.cubic_components`).

Units: energies in eV, k in 1/a, bond vectors in a.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import TheoryError
from . import lattice
from ._threads import blas_limited

__all__ = ["TightBindingModel", "BondBuilder"]


class BondBuilder:
    """Mutable description of a model: accumulate hopping matrices per bond vector.

    Parameters
    ----------
    nb
        Number of basis states per 2D cell.

    Notes
    -----
    :meth:`add` adds ``T`` to the hopping matrix of bond ``R`` (cubic coordinates, units of
    a); it does not add the Hermitian partner, so the caller supplies both R and -R.
    :meth:`freeze` checks Hermiticity, T(-R) = T(R)^dagger.
    """

    def __init__(self, nb: int) -> None:
        self.nb = nb
        self._T: dict[tuple[int, int, int], np.ndarray] = {}

    def add(self, R: tuple[int, int, int] | np.ndarray, T: np.ndarray) -> None:
        """Add the (nb, nb) matrix ``T`` (eV) to bond ``R`` (3 ints, units of a)."""
        key = tuple(int(round(x)) for x in np.asarray(R).ravel())
        if len(key) != 3:
            raise TheoryError(f"bond vector must have 3 cubic components, got {R!r}")
        T = np.asarray(T, dtype=complex)
        if T.shape != (self.nb, self.nb):
            raise TheoryError(f"hopping matrix must be {self.nb}x{self.nb}, got {T.shape}")
        if key in self._T:
            self._T[key] = self._T[key] + T
        else:
            self._T[key] = T.copy()

    def freeze(self) -> tuple[np.ndarray, np.ndarray]:
        """Frozen arrays ``R`` (nR, 3) float and ``T`` (nR, nb, nb) complex, zero bonds
        dropped; raises :class:`TheoryError` if T(-R) != T(R)^dagger."""
        keys = sorted(k for k, v in self._T.items() if np.any(np.abs(v) > 0))
        for k in keys:
            mk = (-k[0], -k[1], -k[2])
            partner = self._T.get(mk, np.zeros((self.nb, self.nb)))
            if not np.allclose(partner, self._T[k].conj().T, atol=1e-14):
                raise TheoryError(f"hopping table is not Hermitian: T({mk}) != T({k})^dagger")
        if not keys:
            return np.zeros((0, 3)), np.zeros((0, self.nb, self.nb), dtype=complex)
        return (np.array(keys, dtype=float),
                np.array([self._T[k] for k in keys], dtype=complex))


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class TightBindingModel:
    """A frozen bilayer tight-binding model (build it with
    :func:`ktoanalysis.theory.models.make_model`).

    Attributes
    ----------
    orientation
        ``"111"``, ``"001"`` or ``"110"``.
    tb
        Parameter set label (``"TB1"``, ``"TB2"``).
    params
        Named parameter values in eV (t, tp, tpp, tppp, xi_so, rashba_t0 ...).
    options
        Every modelling assumption chosen (lattice constant, flags).
    R
        Bond vectors (nR, 3) in cubic coordinates, units of a (R = 0 is the on-site block).
    T
        Hopping matrices (nR, nb, nb) in eV.
    basis
        Labels of the nb basis states (index = 6 layer + 2 orbital + spin).
    """

    orientation: str
    tb: str
    params: dict[str, float]
    options: dict[str, Any]
    R: np.ndarray = field(repr=False)
    T: np.ndarray = field(repr=False)
    basis: tuple[str, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "orientation", lattice.check_orientation(self.orientation))
        R = _readonly(np.asarray(self.R, dtype=float))
        T = _readonly(np.asarray(self.T, dtype=complex))
        if R.ndim != 2 or R.shape[1] != 3 or T.ndim != 3 or T.shape[0] != R.shape[0] \
                or T.shape[1] != T.shape[2]:
            raise TheoryError(f"inconsistent model arrays: R {R.shape}, T {T.shape}")
        object.__setattr__(self, "R", R)
        object.__setattr__(self, "T", T)
        object.__setattr__(self, "params", dict(self.params))
        object.__setattr__(self, "options", dict(self.options))
        F = lattice.in_plane_frame(self.orientation)
        # in-plane projection of each bond: k . R_inplane = k_c . R
        object.__setattr__(self, "_Rk", _readonly(R @ F))  # (nR, 2)
        object.__setattr__(self, "_Tflat", _readonly(T.reshape(T.shape[0], -1)))

    # ------------------------------------------------------------------ basics
    @property
    def nb(self) -> int:
        """Number of bands (basis states per cell), 12 for the bilayers."""
        return int(self.T.shape[1])

    @property
    def a_m(self) -> float:
        """Cubic lattice constant in metres (option ``a_angstrom``)."""
        return float(self.options.get("a_angstrom", 3.9885)) * 1e-10

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Frozen form: ``R`` (nR, 3) bond vectors (cubic, units of a; float) and
        ``T`` (nR, nb, nb) complex hopping matrices in eV, read-only."""
        return self.R, self.T

    def _check_k(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        if k.shape[-1:] != (2,):
            raise TheoryError(f"k must have a last axis of length 2 (kx, ky in 1/a), "
                              f"got shape {k.shape}")
        if not np.all(np.isfinite(k)):
            raise TheoryError("k contains NaN or infinite values")
        return k

    def hamiltonian(self, k: np.ndarray) -> np.ndarray:
        """Bloch Hamiltonian H(k).

        Parameters
        ----------
        k
            In-plane wave vectors (..., 2) in 1/a (axes of :mod:`ktoanalysis.theory.lattice`).

        Returns
        -------
        ndarray (..., nb, nb) complex, Hermitian, in eV.
        """
        k = self._check_k(k)
        phase = np.exp(1j * (k @ self._Rk.T))  # (..., nR)
        H = phase @ self._Tflat
        return H.reshape(*k.shape[:-1], self.nb, self.nb)

    def dhdk(self, k: np.ndarray) -> np.ndarray:
        """Derivatives dH/dkx and dH/dky, shape (..., 2, nb, nb), in eV * a."""
        k = self._check_k(k)
        phase = np.exp(1j * (k @ self._Rk.T))  # (..., nR)
        out = []
        for j in range(2):
            out.append((1j * phase * self._Rk[:, j]) @ self._Tflat)
        D = np.stack(out, axis=-2)
        return D.reshape(*k.shape[:-1], 2, self.nb, self.nb)

    @blas_limited
    def bands(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Eigenvalues and eigenvectors of H(k) (batched ``numpy.linalg.eigh``).

        Returns
        -------
        E : ndarray (..., nb)
            Band energies in eV, ascending (band n = index n, 0-based).
        U : ndarray (..., nb, nb)
            Eigenvectors as columns, U[..., :, n].
        """
        return np.linalg.eigh(self.hamiltonian(k))

    @blas_limited
    def energies(self, k: np.ndarray) -> np.ndarray:
        """Band energies only, (..., nb) in eV, ascending."""
        return np.linalg.eigvalsh(self.hamiltonian(k))

    @blas_limited
    def velocities(self, k: np.ndarray, U: np.ndarray | None = None) -> np.ndarray:
        """Band velocities dE_n/dk (Hellmann-Feynman), shape (..., nb, 2), in eV * a.

        Valid for non-degenerate bands; ``U`` are eigenvectors from :meth:`bands` (computed
        if omitted).
        """
        if U is None:
            _, U = self.bands(k)
        D = self.dhdk(k)  # (..., 2, nb, nb)
        # <n| D_j |n>
        v = np.einsum("...in,...jik,...kn->...nj", U.conj(), D, U, optimize=True)
        return v.real

    def replace(self, **changes: Any) -> TightBindingModel:
        """A new model with some parameters (``t=...``) or options (``a_angstrom=...``)
        changed; everything else kept. Unknown names raise :class:`TheoryError`."""
        from .models import make_model

        kwargs: dict[str, Any] = {**self.options}
        kwargs.update({k: v for k, v in self.params.items() if k in _PARAM_NAMES})
        kwargs.update(changes)
        return make_model(self.orientation, self.tb, **kwargs)

    def describe(self) -> dict[str, Any]:
        """JSON-friendly summary: orientation, tb, params, options."""
        return {"orientation": self.orientation, "tb": self.tb, "params": dict(self.params),
                "options": {k: (v if isinstance(v, (int, float, str, bool)) or v is None
                                else str(v)) for k, v in self.options.items()}}


#: parameter names that :meth:`TightBindingModel.replace` passes back to the factory
_PARAM_NAMES = ("t", "tp", "tpp", "tppp", "xi_so")
