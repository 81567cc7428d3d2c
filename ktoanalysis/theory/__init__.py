"""Pairing theory of KTaO3 interface superconductivity (Norman 2026, Slater mode).

Band structure (``models``, ``lattice``, ``density``, ``fermi``): bilayer t2g
tight-binding models of the (111) and (001) interfaces (Table I), the chemical potential
for a carrier density, Fermi contours. Pairing (``vertex``, ``phonon``, ``pairing``,
``tc``, ``sweep``): the dynamic Rashba vertex, the Vaks TO1 dispersion, the linearised gap
equation (numba kernel in ``_kernels``), lambda, the gap anisotropy and Tc.

Internal units: energies in eV, momenta in 1/a (a = cubic lattice constant), as stated at
each function's boundary.
"""

from . import lattice
from .density import density_for_mu, gamma_energy, mu_for_density
from .fermi import FermiSurface, fermi_surface
from .models import make_model
from .pairing import PairingProblem, PairingResult, compute_lambda, kernel_sums, prepare_pairing
from .phonon import omega0_from_density_meV, omega_to1_meV
from .sweep import compute_table3, sweep_density, sweep_omega0
from .tc import lambda_for_tc, tc_from_lambda
from .tightbinding import TightBindingModel

__all__ = [
    "FermiSurface", "PairingProblem", "PairingResult", "TightBindingModel", "compute_lambda",
    "compute_table3", "density_for_mu", "fermi_surface", "gamma_energy", "kernel_sums",
    "lambda_for_tc", "lattice", "make_model", "mu_for_density", "omega0_from_density_meV",
    "omega_to1_meV", "prepare_pairing", "sweep_density", "sweep_omega0", "tc_from_lambda",
]
