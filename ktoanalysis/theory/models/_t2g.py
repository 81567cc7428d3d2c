"""Common ingredients of the t2g bilayer models: the bulk cubic-perovskite hopping table,
on-site spin-orbit coupling, the (static) Rashba bonds, and the bilayer cut.

Basis of the 12 states: index = 6 layer + 2 orbital + spin; layer 0 = A (top), 1 = B;
orbital 0 = yz ("x"), 1 = xz ("y"), 2 = xy ("z"); spin 0 = up, 1 = down along cubic z.
Orbital "c" is the one without a lobe along cubic axis c, so orbital index = axis index.

Conventions (each validated by reproducing the chemical potentials of Table I of Norman
2026; see the module docstrings of ``kto111`` and ``kto001``):

* T(d) = <R, a|H|R + d, b>; every Table I hopping enters as T = -(parameter).
* Nearest neighbours, bond +-e_c: orbital c gets -t' (delta bond), the other two -t (pi).
* Next-nearest neighbours, bond s_a e_a + s_b e_b (c the third axis): orbital c gets -t'';
  orbitals a and b are mixed by T_ab = T_ba = -t''' s_a s_b (Slater-Koster sign).
* H_SO = xi L.S = (xi/2) sum_k L_k (x) sigma_k, (L_k)_ij = i eps_kij in (yz, xz, xy).
* Rashba (Norman 2026 Appendix A, t_B placed on the yz-xz pair as C4v symmetry requires):
  bulk V^(z)(k) = S_x sin(kx a) + S_y sin(ky a); V^(x), V^(y) by the C3 relabelling
  x -> y -> z -> x of orbitals, spin and bond directions. S sin(k_c a) is the pair of
  hoppings T(+e_c) = S/(2i), T(-e_c) = -S/(2i).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from ...errors import TheoryError
from .. import lattice
from ..tightbinding import BondBuilder, TightBindingModel
from ..vertex import STATIC_T0_EV, TABLE_II_RATIOS

SIGMA = (
    np.eye(2, dtype=complex),
    np.array([[0, 1], [1, 0]], dtype=complex),
    np.array([[0, -1j], [1j, 0]], dtype=complex),
    np.array([[1, 0], [0, -1]], dtype=complex),
)
ORBITALS = ("yz", "xz", "xy")
BASIS = tuple(f"{'AB'[lay]}:{ORBITALS[orb]}:{'ud'[s]}"
              for lay in range(2) for orb in range(3) for s in range(2))


def _orb(i: int, j: int) -> np.ndarray:
    m = np.zeros((3, 3), dtype=complex)
    m[i, j] = 1.0
    return m


def soc_matrix(xi_eV: float) -> np.ndarray:
    """On-site spin-orbit matrix xi L.S = (xi/2) sum_k L_k (x) sigma_k, (6, 6) in eV.

    Eigenvalues -xi/2 (x4, j_eff = 3/2) and +xi (x2, j_eff = 1/2).
    """
    L = np.zeros((3, 3, 3), dtype=complex)
    for k, i, j in itertools.permutations(range(3)):
        # Levi-Civita sign of the permutation (k, i, j)
        sign = np.linalg.det(np.eye(3)[[k, i, j]])
        L[k, i, j] = 1j * sign
    return 0.5 * xi_eV * sum(np.kron(L[k], SIGMA[k + 1]) for k in range(3))


def bulk_bonds(t: float, tp: float, tpp: float, tppp: float
               ) -> list[tuple[tuple[int, int, int], np.ndarray, bool]]:
    """Bulk t2g hopping table: list of (d, T(d) (6, 6) eV, is_nnn) for the 6 nearest and
    12 next-nearest neighbour bonds of the cubic lattice (T spin-diagonal)."""
    out = []
    for c in range(3):
        for s in (1, -1):
            d = [0, 0, 0]
            d[c] = s
            diag = np.full(3, -t, dtype=complex)
            diag[c] = -tp
            out.append((tuple(d), np.kron(np.diag(diag), SIGMA[0]), False))
    for a, b in itertools.combinations(range(3), 2):
        c = 3 - a - b
        for sa, sb in itertools.product((1, -1), repeat=2):
            d = [0, 0, 0]
            d[a], d[b] = sa, sb
            orb = -tpp * _orb(c, c) - tppp * sa * sb * (_orb(a, b) + _orb(b, a))
            out.append((tuple(d), np.kron(orb, SIGMA[0]), True))
    return out


def _c3_conjugation() -> np.ndarray:
    """6x6 unitary D of the relabelling x -> y -> z -> x on orbitals and spin."""
    P = np.zeros((3, 3))
    P[1, 0] = P[2, 1] = P[0, 2] = 1.0
    n = np.ones(3) / math.sqrt(3.0)
    ns = sum(n[i] * SIGMA[i + 1] for i in range(3))
    ang = 2 * math.pi / 3
    u = math.cos(ang / 2) * SIGMA[0] - 1j * math.sin(ang / 2) * ns
    return np.kron(P, u)


def rashba_coefficients_z(t0: float, tA: float, tB: float, tC: float) -> list[np.ndarray]:
    """Coefficients [S_x, S_y, S_z] (each (6, 6), eV) of the z-polar bulk Rashba term
    V^(z)(k) = sum_c S_c sin(k_c a) (Norman 2026, Appendix A; t_B on the yz-xz pair)."""
    s0, sx, sy, sz = SIGMA
    S = [np.zeros((6, 6), dtype=complex) for _ in range(3)]

    def put(c: int, i: int, j: int, block: np.ndarray) -> None:
        S[c][2 * i:2 * i + 2, 2 * j:2 * j + 2] += block

    yz, xz, xy = 0, 1, 2
    # coefficient of sin(kx a)
    put(0, yz, xz, 2 * tB * sx)
    put(0, xz, yz, 2 * tB * sx)
    put(0, xz, xz, -2 * tA * sy)
    put(0, yz, xy, -2j * t0 * s0)
    put(0, xy, yz, 2j * t0 * s0)
    put(0, xz, xy, 2 * tC * sz)
    put(0, xy, xz, 2 * tC * sz)
    # coefficient of sin(ky a)
    put(1, yz, yz, 2 * tA * sx)
    put(1, yz, xz, -2 * tB * sy)
    put(1, xz, yz, -2 * tB * sy)
    put(1, yz, xy, -2 * tC * sz)
    put(1, xy, yz, -2 * tC * sz)
    put(1, xz, xy, -2j * t0 * s0)
    put(1, xy, xz, 2j * t0 * s0)
    return S


def rashba_coefficients(axis: int, t0: float, tA: float, tB: float, tC: float
                        ) -> list[np.ndarray]:
    """Coefficients [S_x, S_y, S_z] of the bulk Rashba term for a polar axis along cubic
    ``axis`` (0 = x, 1 = y, 2 = z), from V^(z) by the cyclic relabelling x -> y -> z -> x."""
    S = rashba_coefficients_z(t0, tA, tB, tC)
    D = _c3_conjugation()
    for _ in range((axis + 1) % 3):  # z -> x takes one relabelling, z -> y two
        S = [D @ S[(c - 1) % 3] @ D.conj().T for c in range(3)]
    return S


def rashba_bulk_bonds(polar: Sequence[float], t0: float, tA: float, tB: float, tC: float
                      ) -> list[tuple[tuple[int, int, int], np.ndarray]]:
    """Nearest-neighbour bond form of sum_d polar[d] V^(d): list of (d, T(d) (6, 6) eV)."""
    S = [np.zeros((6, 6), dtype=complex) for _ in range(3)]
    for axis, w in enumerate(polar):
        if w != 0.0:
            for c, Sc in enumerate(rashba_coefficients(axis, t0, tA, tB, tC)):
                S[c] = S[c] + w * Sc
    out = []
    for c in range(3):
        if np.any(np.abs(S[c]) > 0):
            for s in (1, -1):
                d = [0, 0, 0]
                d[c] = s
                out.append((tuple(d), s * S[c] / 2j))
    return out


def build_bilayer(orientation: str, tb: str, params: dict[str, float],
                  options: dict, *, polar: Sequence[float],
                  strip_interlayer_nnn_offdiag: bool) -> TightBindingModel:
    """Cut the bulk model to the two layers and freeze it.

    Parameters
    ----------
    orientation
        Interface orientation (defines the layer index -(m . r) of site r).
    params
        t, tp, tpp, tppp, xi_so and rashba_t0, rashba_tA, rashba_tB, rashba_tC in eV.
    polar
        Weights of V^(x), V^(y), V^(z) in the Rashba term (sign and scaling included).
    strip_interlayer_nnn_offdiag
        Drop the orbital-off-diagonal part of interlayer next-nearest-neighbour bonds
        (assumption H3 of the (001) model).
    """
    m = lattice.layer_normal(orientation)
    bulk = bulk_bonds(params["t"], params["tp"], params["tpp"], params["tppp"])
    rash = rashba_bulk_bonds(polar, params["rashba_t0"], params["rashba_tA"],
                             params["rashba_tB"], params["rashba_tC"])
    builder = BondBuilder(12)
    offdiag_mask = np.kron(1.0 - np.eye(3), np.ones((2, 2)))

    def place(d: tuple[int, int, int], T6: np.ndarray, is_nnn: bool) -> None:
        for lay in (0, 1):
            lay2 = lay - int(np.dot(m, d))
            if lay2 not in (0, 1):
                continue
            T6b = T6
            if is_nnn and lay2 != lay and strip_interlayer_nnn_offdiag:
                T6b = T6 * (1.0 - offdiag_mask)
            T12 = np.zeros((12, 12), dtype=complex)
            T12[6 * lay:6 * lay + 6, 6 * lay2:6 * lay2 + 6] = T6b
            builder.add(d, T12)

    for d, T6, is_nnn in bulk:
        place(d, T6, is_nnn)
    for d, T6 in rash:
        place(d, T6, False)
    builder.add((0, 0, 0), np.kron(np.eye(2), soc_matrix(params["xi_so"])))
    R, T = builder.freeze()
    return TightBindingModel(orientation=orientation, tb=tb, params=params, options=options,
                             R=R, T=T, basis=BASIS)


PARAM_NAMES = ("t", "tp", "tpp", "tppp", "xi_so")

#: Table II of Norman 2026, static column: t0 = 2 meV, tA/t0 = 1.08, tB/t0 = 0.1,
#: tC/t0 = 0.44 (the same ratios hold in the dynamic column, t0 = 48.8 meV); one source,
#: :mod:`ktoanalysis.theory.vertex`.
RASHBA_STATIC_EV = STATIC_T0_EV
RASHBA_RATIOS = TABLE_II_RATIOS

#: ASSUMPTION G1 (electronic-structure spec section 2): a = 3.9885 Angstrom.
A_ANGSTROM = 3.9885


def common_options(options: dict, allowed_extra: Sequence[str] = ()) -> tuple[dict, dict]:
    """Split keyword arguments of a factory into (parameter overrides, options) and check
    names and values. Returns (overrides, options with defaults filled in)."""
    defaults = {
        "a_angstrom": A_ANGSTROM,
        "rashba_static_eV": RASHBA_STATIC_EV,
        "rashba_ratios": RASHBA_RATIOS,
        "rashba_scaling": "unit",
        "rashba_sign": 1,
    }
    for name in allowed_extra:
        defaults.setdefault(name, None)
    overrides = {}
    opts = {}
    for key, val in options.items():
        if key in PARAM_NAMES:
            overrides[key] = float(val)
        elif key in defaults:
            opts[key] = val
        else:
            known = ", ".join(list(PARAM_NAMES) + list(defaults))
            raise TheoryError(f"unknown model option {key!r}; known: {known}")
    full = {k: opts.get(k, v) for k, v in defaults.items()}
    a = full["a_angstrom"]
    if not (isinstance(a, (int, float)) and 3.0 < float(a) < 5.0):
        raise TheoryError(f"a_angstrom must be a lattice constant in Angstrom (3..5), got {a!r}")
    full["a_angstrom"] = float(a)
    if not (isinstance(full["rashba_static_eV"], (int, float))
            and math.isfinite(full["rashba_static_eV"]) and full["rashba_static_eV"] >= 0):
        raise TheoryError("rashba_static_eV must be a finite number >= 0 (eV), got "
                          f"{full['rashba_static_eV']!r}")
    full["rashba_static_eV"] = float(full["rashba_static_eV"])
    ratios = tuple(float(r) for r in full["rashba_ratios"])
    if len(ratios) != 3:
        raise TheoryError(f"rashba_ratios must be (tA/t0, tB/t0, tC/t0), got {ratios!r}")
    full["rashba_ratios"] = ratios
    if full["rashba_scaling"] not in ("unit", "normalized"):
        raise TheoryError("rashba_scaling must be 'unit' (t0 per cubic component) or "
                          f"'normalized' (divided by sqrt of the number of components), got "
                          f"{full['rashba_scaling']!r}")
    if full["rashba_sign"] not in (1, -1):
        raise TheoryError(f"rashba_sign must be +1 or -1, got {full['rashba_sign']!r}")
    for key, val in overrides.items():
        if not math.isfinite(val):
            raise TheoryError(f"parameter {key} must be finite, got {val!r}")
    return overrides, full


def rashba_params(options: dict) -> dict[str, float]:
    """rashba_t0, rashba_tA, rashba_tB, rashba_tC in eV from the options."""
    t0 = options["rashba_static_eV"]
    rA, rB, rC = options["rashba_ratios"]
    return {"rashba_t0": t0, "rashba_tA": rA * t0, "rashba_tB": rB * t0, "rashba_tC": rC * t0}
