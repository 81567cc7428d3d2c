"""Upper critical fields: lineshapes, implicit pair-breaking solvers, lmfit models, and the
extraction of Hc2 points from R(H) (or Tc(B) from R(T)) sweeps.

Layers (as in lmfit): plain NumPy functions first (SI units, guarded divisions, nothing
about fitting), then :class:`lmfit.Model` subclasses with parameter hints and ``guess``,
then the model-free extraction of (T, Hc2) or (theta, Hc2) points from sweeps.

Conventions
-----------
* Fields are ``B = mu0*H`` in tesla; temperatures in K; lengths in m; angles in rad.
* ``theta`` is the angle between the field and the sample normal (``"from_normal"``,
  theta = 0 perpendicular); ``"from_plane"`` swaps sin and cos (ASSUMPTION
  ``theta_convention``).
* The GL formulas give the *GL-linear extrapolation* to T = 0 (``Bc2perp_GL0``), not the
  true T = 0 field (dirty-limit WHH gives 0.693 of it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import lmfit
import numpy as np
import pandas as pd
from scipy.special import digamma, polygamma

from ..errors import DataFormatError, FitError
from ..io.measurement import Measurement
from ..units import HBAR, K_B, MU_B, PHI0, E
from .sweeps import split_sweeps

__all__ = [
    "TINY", "EULER_GAMMA", "WHH_ORBITAL_RATIO", "PAULI_COEFFICIENTS", "ThetaConvention",
    "PauliCoefficient",
    # lineshapes
    "tinkham_hc2", "tinkham_residual", "gl3d_hc2", "gl_perp_hc2", "gl_par_hc2",
    "xi_from_bc2perp", "bc2perp_from_xi", "d_from_bc2par", "diffusion_from_slope",
    "pauli_limit", "pauli_second_order_limit", "rashba_ceiling",
    "whh_reduced_field", "whh_hc2", "whh_zero_temperature_ratio",
    "ag_pair_breaking", "klb_hc2", "klb_zero_temperature", "ising_hc2",
    # models
    "TinkhamModel", "AnisotropicGLModel", "GLPerpModel", "GLParModel", "WHHModel", "KLBModel",
    # extraction
    "Hc2Point", "crossing_field", "extract_hc2_points", "extract_tc_points",
    "points_table", "hc2_points_from_table", "hc2_column",
]

TINY = 1.0e-30
EULER_GAMMA = 0.5772156649015329
#: B_c2(0)/(Tc*|dB_c2/dT|) of the dirty-limit orbital WHH curve: pi**2*exp(-gamma)/8
WHH_ORBITAL_RATIO = math.pi**2 * math.exp(-EULER_GAMMA) / 8.0
_PSI_HALF = float(digamma(0.5))

ThetaConvention = Literal["from_normal", "from_plane"]
PauliCoefficient = Literal["bcs_1.764", "seed004_1.76", "rounded_1.86"]

#: ASSUMPTION (pauli_coefficient): name -> (kind, number). "delta" means
#: B_P = c*k_B*Tc/(sqrt(2)*mu_B); "direct" means B_P = c [T/K] * Tc.
PAULI_COEFFICIENTS: dict[str, tuple[str, float]] = {
    "bcs_1.764": ("delta", 1.764),
    "seed004_1.76": ("delta", 1.76),
    "rounded_1.86": ("direct", 1.86),
}


# --------------------------------------------------------------------------------------
# angular dependence (MODELS.md §5.2)
# --------------------------------------------------------------------------------------
def _angle_parts(theta, theta0, convention):
    th = np.asarray(theta, dtype=float) - theta0
    if convention == "from_normal":
        return np.abs(np.cos(th)), np.sin(th)
    if convention == "from_plane":
        return np.abs(np.sin(th)), np.cos(th)
    raise FitError(f"theta_convention must be 'from_normal' or 'from_plane', got {convention!r}")


def tinkham_hc2(theta, H_perp: float, H_par: float, theta0: float = 0.0,
                convention: ThetaConvention = "from_normal"):
    """2D Tinkham thin-film Hc2(theta), closed-form root of the implicit equation.

    Solves ``H*|cos th|/H_perp + (H*sin th/H_par)**2 = 1`` in its stable form
    ``H = 2/(c + sqrt(c**2 + 4*s))`` with ``c = |cos th|/H_perp``,
    ``s = (sin th/H_par)**2`` (no division by sin th; finite at 0 and 90 deg).

    Parameters
    ----------
    theta
        Measured angle [rad] (array).
    H_perp, H_par
        Perpendicular and parallel critical fields [T].
    theta0
        Rotator offset [rad]; the model uses ``theta - theta0``.
    convention
        ``"from_normal"`` (theta = 0 is perpendicular, default) or ``"from_plane"``.

    Returns
    -------
    ndarray
        Hc2 [T].
    """
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    c = c_abs / max(H_perp, TINY)
    s = (s_ / max(H_par, TINY)) ** 2
    return 2.0 / np.maximum(c + np.sqrt(c * c + 4.0 * s), TINY)


def tinkham_residual(H, theta, H_perp: float, H_par: float, theta0: float = 0.0,
                     convention: ThetaConvention = "from_normal"):
    """Left side minus 1 of the Tinkham equation (zero on the Hc2(theta) curve) [-]."""
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    H = np.asarray(H, dtype=float)
    return H * c_abs / H_perp + (H * s_ / H_par) ** 2 - 1.0


def gl3d_hc2(theta, H_perp: float, H_par: float, theta0: float = 0.0,
             convention: ThetaConvention = "from_normal"):
    """3D anisotropic GL Hc2(theta) = 1/sqrt((cos th/H_perp)**2 + (sin th/H_par)**2) [T].

    Parameters as :func:`tinkham_hc2`.
    """
    c_abs, s_ = _angle_parts(theta, theta0, convention)
    den = (c_abs / max(H_perp, TINY)) ** 2 + (s_ / max(H_par, TINY)) ** 2
    return 1.0 / np.sqrt(np.maximum(den, TINY))


# --------------------------------------------------------------------------------------
# GL temperature dependence (MODELS.md §5.3, §5.4, §1.3)
# --------------------------------------------------------------------------------------
def bc2perp_from_xi(xi0_m):
    """GL-linear perpendicular field at T = 0: ``phi0/(2*pi*xi0**2)`` [T] (xi0 in m)."""
    return PHI0 / (2.0 * math.pi * np.asarray(xi0_m, dtype=float) ** 2)


def xi_from_bc2perp(B_T):
    """GL coherence length ``sqrt(phi0/(2*pi*B))`` [m] from a perpendicular field [T]."""
    return np.sqrt(PHI0 / (2.0 * math.pi * np.asarray(B_T, dtype=float)))


def d_from_bc2par(xi0_m, Bpar0_T):
    """2D-GL superconducting thickness ``sqrt(12)*phi0/(2*pi*xi0*Bpar0)`` [m]."""
    return math.sqrt(12.0) * PHI0 / (2.0 * math.pi * np.asarray(xi0_m) * np.asarray(Bpar0_T))


def diffusion_from_slope(slope_T_per_K):
    """Dirty-limit diffusion constant ``4*k_B/(pi*e*|dBc2perp/dT|)`` [m^2/s] (§1.3)."""
    mag = slope_T_per_K if np.all(np.asarray(getattr(slope_T_per_K, "nominal_value",
                                                         slope_T_per_K)) >= 0) \
        else -slope_T_per_K
    return 4.0 * K_B / (math.pi * E * mag)


def gl_perp_hc2(T, B0: float, Tc: float):
    """GL perpendicular field ``B0*(1 - T/Tc)`` [T], zero above Tc.

    Parameters
    ----------
    T
        Temperature [K].
    B0
        GL-linear extrapolation to T = 0, ``phi0/(2*pi*xi0**2)`` [T].
    Tc
        Critical temperature [K].
    """
    return B0 * np.clip(1.0 - np.asarray(T, dtype=float) / max(Tc, TINY), 0.0, None)


def gl_par_hc2(T, B0: float, Tc: float):
    """2D-GL parallel field ``B0*sqrt(1 - T/Tc)`` [T], zero above Tc.

    ``B0 = sqrt(12)*phi0/(2*pi*xi0*d)`` is the GL extrapolation to T = 0 [T].
    """
    return B0 * np.sqrt(np.clip(1.0 - np.asarray(T, dtype=float) / max(Tc, TINY), 0.0, None))


# --------------------------------------------------------------------------------------
# Pauli limit (MODELS.md §5.6, §5.7.2)
# --------------------------------------------------------------------------------------
def pauli_limit(Tc_K, coefficient: PauliCoefficient = "bcs_1.764", g: float = 2.0):
    """Clogston-Chandrasekhar limit B_P [T].

    Parameters
    ----------
    Tc_K
        Critical temperature [K] (float or ufloat).
    coefficient
        ASSUMPTION (pauli_coefficient): ``"bcs_1.764"`` (default, Delta0 = 1.764 k_B Tc,
        B_P = Delta0/(sqrt(2) mu_B) = 1.8569 T/K * Tc), ``"seed004_1.76"`` (1.76) or
        ``"rounded_1.86"`` (B_P = 1.86 T/K * Tc).
    g
        Electron g-factor; B_P scales as 2/g.
    """
    if coefficient not in PAULI_COEFFICIENTS:
        raise FitError(f"pauli_coefficient must be one of {list(PAULI_COEFFICIENTS)}, "
                       f"got {coefficient!r}")
    if not g > 0:
        raise FitError(f"g-factor must be positive, got {g!r}")
    kind, c = PAULI_COEFFICIENTS[coefficient]
    per_K = c * K_B / (math.sqrt(2.0) * MU_B) if kind == "delta" else c
    return per_K * (2.0 / g) * Tc_K


def pauli_second_order_limit(Tc_K, delta_ratio: float = 1.764, g: float = 2.0):
    """Second-order (supercooling) Pauli line at T = 0, ``Delta0/(2*mu_B)`` [T], g = 2."""
    return delta_ratio * K_B * Tc_K / (2.0 * MU_B) * (2.0 / g)


def rashba_ceiling(B_P_T):
    """ASSUMPTION (rashba_ceiling): paramagnetic limit with strong Rashba SOC, sqrt(2)*B_P."""
    return math.sqrt(2.0) * B_P_T


# --------------------------------------------------------------------------------------
# implicit solvers: WHH (§5.5), Abrikosov-Gor'kov / KLB (§5.7.1), Ising (§5.7.3)
# --------------------------------------------------------------------------------------
def _largest_root(F, t: np.ndarray, hmax: float, ngrid: int = 600, iters: int = 30):
    """Largest root in h in (0, hmax] of F(h, t) for each t (vectorised).

    F(0, t) < 0 for t < 1. A quadratic grid locates the last sign change, then the
    Illinois (modified regula falsi) iteration refines it inside the bracket. Returns
    (h, n_sign_changes); h = 0 where t >= 1 and NaN where no root.
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    u = np.linspace(0.0, 1.0, ngrid)[1:]
    h = hmax * u * u
    vals = F(h[None, :], t[:, None])
    pos = vals > 0
    change = pos[:, 1:] != pos[:, :-1]
    nchg = change.sum(axis=1) + pos[:, 0].astype(int)
    # last index where sign changes from <=0 to >0 going up in h
    up = (~pos[:, :-1]) & pos[:, 1:]
    has = up.any(axis=1)
    last = np.where(has, up.shape[1] - 1 - np.argmax(up[:, ::-1], axis=1), 0)
    lo = h[last]
    hi = h[np.minimum(last + 1, h.size - 1)]
    # root below the first grid point (t very close to 1)
    first_pos = pos[:, 0] & ~has
    lo = np.where(first_pos, 0.0, lo)
    hi = np.where(first_pos, h[0], hi)
    ok = has | first_pos
    rows = np.arange(t.size)
    fa = np.where(first_pos, F(np.zeros(1), t), vals[rows, last])
    fb = np.where(first_pos, vals[:, 0], vals[rows, np.minimum(last + 1, h.size - 1)])
    a = np.where(ok, lo, 0.0)
    b = np.where(ok, hi, h[0])
    fa = np.where(ok, fa, -1.0)
    fb = np.where(ok, fb, 1.0)
    # Illinois (modified regula falsi): stays inside the bracket, superlinear
    for _ in range(iters):
        den = fb - fa
        c = np.where(den != 0, b - fb * (b - a) / np.where(den != 0, den, 1.0), 0.5 * (a + b))
        c = np.clip(c, np.minimum(a, b), np.maximum(a, b))
        fc = F(c, t)
        flip = fc * fb < 0
        a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
        b, fb = c, fc
    out = b
    out = np.where(ok, out, np.nan)
    out = np.where(t >= 1.0, 0.0, out)
    return out, nchg


def _whh_F(alpha: float, lam_so: float):
    if alpha == 0.0 and lam_so == 0.0:  # orbital limit: real digamma only (fast path)
        return _ag_F_orbital

    def F(h, t):
        h = np.asarray(h, dtype=float)
        t = np.maximum(np.asarray(t, dtype=float), 1e-12)
        gamma = np.sqrt((alpha * h) ** 2 - (lam_so / 2.0) ** 2 + 0j)
        z0 = 0.5 + (h + lam_so / 2.0) / (2.0 * t)
        small = np.abs(gamma) < 1e-7
        g = np.where(small, 1.0, gamma)
        coef = 1j * lam_so / (4.0 * g)
        full = ((0.5 + coef) * digamma(z0 + 1j * g / (2.0 * t))
                + (0.5 - coef) * digamma(z0 - 1j * g / (2.0 * t))).real
        # removable singularity gamma -> 0: psi(z0) - lam_so/(4 t) psi'(z0)
        lim = digamma(z0) - lam_so / (4.0 * t) * polygamma(1, z0)
        rhs = np.where(small, lim, full)
        return rhs - _PSI_HALF - np.log(1.0 / np.minimum(t, 1.0))
    return F


def _ag_F_orbital(h, t):
    t = np.maximum(np.asarray(t, dtype=float), 1e-12)
    return (digamma(0.5 + np.asarray(h) / (2.0 * t)) - _PSI_HALF
            - np.log(1.0 / np.minimum(t, 1.0)))


def whh_reduced_field(t, alpha: float = 0.0, lam_so: float = 0.0, *, return_count: bool = False):
    """WHH reduced field ``hbar_bar(t)`` (largest root of the WHH equation, §5.5).

    Parameters
    ----------
    t
        Reduced temperature T/Tc [-] (array; values >= 1 give 0).
    alpha
        Maki parameter [-] (>= 0).
    lam_so
        Spin-orbit scattering parameter ``2*hbar/(3*pi*k_B*Tc*tau_so)`` [-] (>= 0).
    return_count
        Also return the number of sign changes per t (> 1: multivalued second-order line,
        the real transition is first order there).

    Returns
    -------
    ndarray (and int array if ``return_count``)
        ``hbar_bar = (4/pi**2) * B_c2/(Tc*S)``.
    """
    if alpha < 0 or lam_so < 0:
        raise FitError(f"WHH needs alpha >= 0 and lam_so >= 0, got {alpha}, {lam_so}")
    # complex digamma is slow: a coarser bracketing grid when alpha or lam_so > 0
    ngrid = 600 if alpha == 0.0 and lam_so == 0.0 else 120
    h, n = _largest_root(_whh_F(float(alpha), float(lam_so)), np.asarray(t, dtype=float), 1.0,
                         ngrid=ngrid, iters=20)
    return (h, n) if return_count else h


def whh_hc2(T, Tc: float, S: float, alpha: float = 0.0, lam_so: float = 0.0):
    """Dirty-limit WHH upper critical field B_c2(T) [T].

    Parameters
    ----------
    T
        Temperature [K].
    Tc
        Critical temperature [K].
    S
        |dB_c2/dT| at Tc [T/K].
    alpha, lam_so
        Maki and spin-orbit parameters [-], see :func:`whh_reduced_field`.
    """
    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    shape = np.shape(t)
    h = whh_reduced_field(np.ravel(t), alpha, lam_so)
    return (math.pi**2 / 4.0) * Tc * abs(S) * np.reshape(h, shape)


def whh_zero_temperature_ratio(alpha: float = 0.0, lam_so: float = 0.0,
                               t: float = 1e-3) -> float:
    """B_c2(T -> 0)/(Tc*S) of the WHH curve [-] (0.6927 in the orbital limit)."""
    return float((math.pi**2 / 4.0) * whh_reduced_field(np.array([t]), alpha, lam_so)[0])


def _ag_F(h, t):
    """AG equation in x = Gamma/(k_B Tc): psi(1/2 + x/(2 pi t)) - psi(1/2) - ln(1/t)."""
    t = np.maximum(np.asarray(t, dtype=float), 1e-12)
    return (digamma(0.5 + np.asarray(h) / (2.0 * math.pi * t)) - _PSI_HALF
            - np.log(1.0 / np.minimum(t, 1.0)))


def ag_pair_breaking(t):
    """Pair-breaking rate Gamma/(k_B*Tc) [-] that suppresses Tc to T = t*Tc (AG equation).

    Solves ``log(1/t) = digamma(0.5 + Gamma/(2*pi*k_B*T)) - digamma(0.5)``; at t -> 0 it
    tends to ``(pi/2)*exp(-euler_gamma)`` (= Delta0/(2 k_B Tc)).
    """
    return _largest_root(_ag_F, np.asarray(t, dtype=float), 2.0)[0]


def klb_hc2(T, Tc: float, tau_so: float, d: float = 0.0, D: float = 0.0):
    """Klemm-Luther-Beasley parallel critical field with thin-film orbital term [T] (§5.7.1).

    ``Gamma = (D*e**2*d**2/(6*hbar) + 3*tau_so*mu_B**2/hbar) * B**2`` inserted in the AG
    equation; since Gamma is proportional to B**2, ``B = sqrt(k_B*Tc*x(t)/a)``.

    Parameters
    ----------
    T
        Temperature [K].
    Tc
        Critical temperature [K].
    tau_so
        Spin-orbit scattering time [s] (0 switches the spin term off).
    d
        Film thickness [m] (0: no orbital term, ASSUMPTION klb_orbital = "none").
    D
        Diffusion constant [m^2/s] (e.g. :func:`diffusion_from_slope`).
    """
    a = D * E**2 * d**2 / (6.0 * HBAR) + 3.0 * tau_so * MU_B**2 / HBAR
    if not a > 0:
        raise FitError("KLB needs a positive pair-breaking coefficient (tau_so > 0 or d, D > 0)")
    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    x = np.reshape(ag_pair_breaking(np.ravel(t)), np.shape(t))
    return np.sqrt(np.maximum(K_B * Tc * x / a, 0.0))


def klb_zero_temperature(Tc: float, tau_so: float) -> float:
    """Closed-form T = 0 KLB field without orbital term,
    ``sqrt((pi/2)*exp(-gamma)*k_B*Tc*hbar/(3*tau_so*mu_B**2))`` [T]."""
    return math.sqrt((math.pi / 2.0) * math.exp(-EULER_GAMMA) * K_B * Tc * HBAR
                     / (3.0 * tau_so * MU_B**2))


def ising_hc2(T, Tc: float, beta_so: float, g: float = 2.0):
    """Ising-SOC parallel critical field [T] (§5.7.3, optional model; largest root).

    Solves ``log(T/Tc) + b**2/(b**2 + beta**2) * Re[psi(1/2 + i*sqrt(b**2+beta**2)/(2 pi k_B T))
    - psi(1/2)] = 0`` with ``b = (g/2)*mu_B*B``. ``beta_so`` [J]; 0 gives the pure-Pauli
    second-order line (-> Delta0/(2 mu_B) at T -> 0).
    """
    kT = K_B * Tc
    beta = beta_so / kT

    def F(x, t):  # x = b/(k_B Tc)
        t = np.maximum(np.asarray(t, dtype=float), 1e-12)
        r = np.sqrt(x * x + beta * beta)
        w = x * x / np.maximum(r * r, TINY)
        return w * (digamma(0.5 + 1j * r / (2 * math.pi * t)).real - _PSI_HALF) + np.log(t)

    t = np.asarray(T, dtype=float) / max(Tc, TINY)
    xmax = 2.0 + 50.0 * beta
    x, _ = _largest_root(F, np.ravel(t), xmax, ngrid=1200)
    return np.reshape(x * kT / MU_B * (2.0 / g), np.shape(t))


# --------------------------------------------------------------------------------------
# lmfit models
# --------------------------------------------------------------------------------------
_DEG = math.pi / 180.0


class _AngleModel(lmfit.Model):
    _func = None
    valid_conventions = ("from_normal", "from_plane")

    def __init__(self, convention: ThetaConvention = "from_normal", **kwargs: Any) -> None:
        if convention not in self.valid_conventions:
            raise FitError(f"theta_convention must be one of {self.valid_conventions}, "
                           f"got {convention!r}")
        func = type(self)._func

        def f(theta, H_perp=0.1, H_par=1.0, theta0=0.0):
            return func(theta, H_perp, H_par, theta0, convention)

        f.__name__ = func.__name__
        kwargs.setdefault("independent_vars", ["theta"])
        super().__init__(f, **kwargs)
        self.convention = convention
        self.set_param_hint("H_perp", min=0.0)
        self.set_param_hint("H_par", min=0.0)
        self.set_param_hint("theta0", min=-5 * _DEG, max=5 * _DEG)
        self.set_param_hint("anisotropy", expr=f"{self.prefix}H_par/{self.prefix}H_perp")

    def guess(self, data, theta, **kwargs):
        """Starting values: H_perp from the point nearest the perpendicular direction,
        H_par = max(H), theta0 = argmax(H) - 90 deg (clipped to +-5 deg)."""
        data = np.abs(np.asarray(data, dtype=float))
        theta = np.asarray(theta, dtype=float)
        perp_dir = 0.0 if self.convention == "from_normal" else math.pi / 2
        par_dir = math.pi / 2 if self.convention == "from_normal" else 0.0
        dist = np.abs(np.angle(np.exp(2j * (theta - perp_dir)))) / 2
        H_perp = float(data[np.argmin(dist)])
        H_par = float(np.max(data))
        imax = int(np.argmax(data))
        off = float(np.angle(np.exp(2j * (theta[imax] - par_dir))) / 2)
        if abs(off) < 1e-9:  # a round-off start (-2e-16) gives MINPACK a zero step
            off = 0.0
        pars = self.make_params(H_perp=min(H_perp, H_par), H_par=H_par,
                                theta0=float(np.clip(off, -4.9 * _DEG, 4.9 * _DEG)))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class TinkhamModel(_AngleModel):
    """2D Tinkham Hc2(theta) (seed 002); parameters H_perp, H_par [T], theta0 [rad]."""

    _func = staticmethod(tinkham_hc2)


class AnisotropicGLModel(_AngleModel):
    """3D anisotropic GL Hc2(theta); parameters H_perp, H_par [T], theta0 [rad]."""

    _func = staticmethod(gl3d_hc2)


def _xi_expr(prefix: str) -> str:
    return f"sqrt({PHI0!r}/(2*pi*{prefix}B0))"


class GLPerpModel(lmfit.Model):
    """GL perpendicular Hc2(T) = B0*(1 - T/Tc) (seed 004 Eq. 1).

    Parameters ``B0`` [T] (= phi0/(2 pi xi0^2), the GL-linear extrapolation) and ``Tc`` [K];
    derived (``expr``): ``xi0`` [m] and ``slope`` = dB/dT [T/K].
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(gl_perp_hc2, **kwargs)
        p = self.prefix
        self.set_param_hint("B0", min=0.0)
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("xi0", expr=_xi_expr(p))
        self.set_param_hint("slope", expr=f"-{p}B0/{p}Tc")

    def guess(self, data, T, **kwargs):
        """Linear regression of B on T: Tc = intercept/|slope|, B0 = intercept."""
        T = np.asarray(T, dtype=float)
        B = np.asarray(data, dtype=float)
        if T.size >= 2 and np.ptp(T) > 0:
            k, b = np.polyfit(T, B, 1)
        else:
            k, b = -1.0, float(B.max()) + 1.0
        if not (k < 0 and b > 0):
            k, b = -B.max() / max(T.max(), TINY), 2 * B.max()
        Tc = max(b / -k, 1.0001 * T.max())
        pars = self.make_params(B0=b, Tc=Tc)
        pars[f"{self.prefix}Tc"].set(min=float(T.max()) * (1 + 1e-9), max=10 * Tc)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class GLParModel(lmfit.Model):
    """2D-GL parallel Hc2(T) = B0*sqrt(1 - T/Tc) (seed 004 Eq. 2); B0 [T], Tc [K]."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(gl_par_hc2, **kwargs)
        self.set_param_hint("B0", min=0.0)
        self.set_param_hint("Tc", min=0.0)

    def guess(self, data, T, **kwargs):
        """Linear regression of B**2 on T."""
        T = np.asarray(T, dtype=float)
        B = np.asarray(data, dtype=float)
        if T.size >= 2 and np.ptp(T) > 0:
            k, b = np.polyfit(T, B**2, 1)
        else:
            k, b = -1.0, float(B.max()) ** 2 + 1.0
        if not (k < 0 and b > 0):
            k, b = -B.max() ** 2 / max(T.max(), TINY), 2 * B.max() ** 2
        Tc = max(b / -k, 1.0001 * T.max())
        pars = self.make_params(B0=math.sqrt(b), Tc=Tc)
        pars[f"{self.prefix}Tc"].set(min=float(T.max()) * (1 + 1e-9), max=10 * Tc)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class WHHModel(lmfit.Model):
    """Dirty-limit WHH Hc2(T) with Maki alpha and spin-orbit lam_so (§5.5).

    Parameters ``Tc`` [K], ``S`` = |dB/dT| at Tc [T/K], ``alpha``, ``lam_so`` [-].
    ``form`` (ASSUMPTION whh_form): ``"orbital"`` (alpha = lam_so = 0 fixed),
    ``"maki"`` (alpha tied to the slope, ``alpha = sqrt(2)*0.6927*S/c_P`` with the Pauli
    coefficient c_P [T/K] of ``pauli_coefficient``; lam_so free), ``"free"`` (both free).
    """

    valid_forms = ("orbital", "maki", "free")

    def __init__(self, form: str = "orbital", pauli_coefficient: PauliCoefficient = "bcs_1.764",
                 **kwargs: Any) -> None:
        if form not in self.valid_forms:
            raise FitError(f"whh form must be one of {self.valid_forms}, got {form!r}")
        kwargs.setdefault("independent_vars", ["T"])
        super().__init__(whh_hc2, **kwargs)
        self.form = form
        p = self.prefix
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("S", min=0.0)
        self.set_param_hint("alpha", min=0.0, max=20.0, value=0.0, vary=form == "free")
        self.set_param_hint("lam_so", min=0.0, max=100.0, value=0.0 if form == "orbital" else 1.0,
                            vary=form != "orbital")
        if form == "maki":
            c_P = float(pauli_limit(1.0, pauli_coefficient))
            self.set_param_hint("alpha", expr=f"{math.sqrt(2) * WHH_ORBITAL_RATIO / c_P!r}*{p}S")

    def guess(self, data, T, **kwargs):
        """Tc and S from a linear regression of B on T (near-Tc slope)."""
        gp = GLPerpModel().guess(data, T)
        Tc, B0 = gp["Tc"].value, gp["B0"].value
        pars = self.make_params(Tc=Tc, S=B0 / Tc)
        pars[f"{self.prefix}Tc"].set(min=gp["Tc"].min, max=gp["Tc"].max)
        if self.form == "free":  # spec guess alpha = 0.528*S, away from the bound at 0
            pars[f"{self.prefix}alpha"].set(value=float(np.clip(0.528 * B0 / Tc, 0.1, 10)))
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


class KLBModel(lmfit.Model):
    """KLB parallel Hc2(T): spin-orbit scattering plus optional thin-film orbital term.

    Parameters ``Tc`` [K], ``tau_so`` [s]; ``d`` [m] and ``D`` [m^2/s] are fixed inputs
    (ASSUMPTION klb_orbital: ``"none"`` -> d = 0, ``"thin_film"`` -> given d and D). d and
    tau_so enter only through the sum of their B**2 coefficients, so they cannot both be
    fitted from one Hc2(T) curve.
    """

    def __init__(self, d: float = 0.0, D: float = 0.0, **kwargs: Any) -> None:
        kwargs.setdefault("independent_vars", ["T"])

        def klb(T, Tc=1.0, log10_tau_so=-13.0):
            return klb_hc2(T, Tc, 10.0**log10_tau_so, d, D)

        super().__init__(klb, **kwargs)
        self.set_param_hint("Tc", min=0.0)
        self.set_param_hint("log10_tau_so", min=-16.0, max=-10.0)
        self.set_param_hint("tau_so", expr=f"10**{self.prefix}log10_tau_so")

    def guess(self, data, T, **kwargs):
        """Tc from a 2D-GL guess; tau_so from the lowest-T point."""
        gp = GLParModel().guess(data, T)
        Tc = gp["Tc"].value
        T = np.asarray(T, dtype=float)
        i = int(np.argmin(T))
        B = float(np.asarray(data)[i])
        x = float(ag_pair_breaking(np.array([T[i] / Tc]))[0])
        tau = np.clip(K_B * Tc * x * HBAR / (3 * MU_B**2 * max(B, TINY) ** 2), 1.1e-16, 0.9e-10)
        pars = self.make_params(Tc=Tc, log10_tau_so=math.log10(tau))
        pars[f"{self.prefix}Tc"].set(min=gp["Tc"].min, max=gp["Tc"].max)
        return lmfit.models.update_param_vals(pars, self.prefix, **kwargs)


# --------------------------------------------------------------------------------------
# Hc2 extraction from sweeps (MODELS.md §5.1)
# --------------------------------------------------------------------------------------
@dataclass
class Hc2Point:
    """One critical point: fixed variable (T in K, or theta in rad) and the critical value.

    ``value`` is the mean over branches (sweep directions, +-B); ``stderr`` combines the
    interpolation/noise error and the branch scatter; ``spread`` = max - min over branches
    (systematic, reported separately); ``censored`` = "upper"/"lower" when the transition lies
    outside the swept range (then ``value`` is the range end, a bound).
    """

    fixed: float
    value: float
    stderr: float
    spread: float
    n_branches: int
    R_N_ohm: float
    censored: str | None = None
    branches: list[float] = field(default_factory=list)


def crossing_field(x, R, level: float, sigma_R: float = 0.0) -> tuple[float, float] | None:
    """Highest x where R crosses ``level`` going up (linear interpolation), with its error.

    Parameters
    ----------
    x
        Sweep variable (|B| in T or T in K), any order.
    R
        Resistance [ohm].
    level
        Resistance level [ohm] (criterion fraction times R_N).
    sigma_R
        Noise of R at the crossing [ohm]; the error of x is ``sigma_R/|dR/dx|``.

    Returns
    -------
    (x_c, sigma_x) or None if R never goes from below to above ``level``.
    """
    order = np.argsort(x, kind="stable")
    xs, Rs = np.asarray(x, float)[order], np.asarray(R, float)[order]
    below = Rs < level
    idx = np.flatnonzero(below[:-1] & ~below[1:])
    if idx.size == 0:
        return None
    i = int(idx[-1])
    x0, x1, r0, r1 = xs[i], xs[i + 1], Rs[i], Rs[i + 1]
    if r1 == r0:
        return float(x0), float(abs(x1 - x0) / 2)
    xc = x0 + (level - r0) * (x1 - x0) / (r1 - r0)
    slope = abs((r1 - r0) / (x1 - x0)) if x1 != x0 else np.inf
    sig = sigma_R / slope if slope > 0 else abs(x1 - x0)
    return float(xc), float(sig)


def _combine(points: list[tuple[float, float]]) -> tuple[float, float, float]:
    vals = np.array([p[0] for p in points])
    errs = np.array([p[1] for p in points])
    n = vals.size
    mean = float(vals.mean())
    stat = float(np.sqrt(np.sum(errs**2)) / n)
    scatter = float(vals.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, math.hypot(stat, scatter), float(np.ptp(vals)) if n > 1 else 0.0


def _rn_from_branch(absx, R, rn_method: str, rn_field: float | None, R_N: float | None,
                    plateau_fraction: float):
    if rn_method == "fixed_value":
        if R_N is None or not R_N > 0:
            raise FitError("rn_method='fixed_value' needs a positive R_N_ohm option")
        return float(R_N), 0.0
    if rn_method == "fixed_B":
        if rn_field is None:
            raise FitError("rn_method='fixed_B' needs the option rn_field_T")
        if rn_field > absx.max() * (1 + 1e-6) or rn_field < absx.min():
            return None
        order = np.argsort(absx)
        sel = np.abs(absx - rn_field) <= max(0.02 * rn_field, 1e-12)
        sig = float(np.std(R[sel], ddof=1) / math.sqrt(sel.sum())) if sel.sum() > 2 else 0.0
        return float(np.interp(rn_field, absx[order], R[order])), sig
    if rn_method == "plateau":
        xmax = absx.max()
        sel = absx >= plateau_fraction * xmax
        if sel.sum() < 2:
            sel = absx >= np.sort(absx)[-2]
        vals = R[sel]
        sig = float(np.std(vals, ddof=1) / math.sqrt(vals.size)) if vals.size > 2 else 0.0
        return float(np.median(vals)), sig
    raise FitError(f"rn_method must be 'plateau', 'fixed_B' or 'fixed_value', got {rn_method!r}")


def _noise(absx, R) -> float:
    """Point-to-point noise of R from second differences (robust, model-free) [ohm]."""
    order = np.argsort(absx)
    r = R[order]
    if r.size < 4:
        return 0.0
    d2 = r[2:] - 2 * r[1:-1] + r[:-2]
    return float(1.4826 * np.median(np.abs(d2 - np.median(d2))) / math.sqrt(6.0))


def _extract(sweeps, fraction, rn_method, rn_value, R_N, plateau_fraction, split_sign,
             tol, fixed_name) -> list[Hc2Point]:
    if not 0 < fraction < 1:
        raise FitError(f"criterion fraction must be in (0, 1), got {fraction!r}")
    groups: list[list[Any]] = []
    for sw in sweeps:
        for g in groups:
            a, b = g[0].by_value, sw.by_value
            if abs(a - b) <= tol or (math.isnan(a) and math.isnan(b)):
                g.append(sw)
                break
        else:
            groups.append([sw])
    out: list[Hc2Point] = []
    for g in groups:
        crossings, rns, lows, highs = [], [], [], []
        for sw in g:
            x, R = sw.x, sw.y
            parts = ([x >= 0, x <= 0] if split_sign else [np.ones(x.size, bool)])
            for sel in parts:
                if sel.sum() < 4:
                    continue
                ax, r = np.abs(x[sel]), R[sel]
                if np.ptp(ax) <= 0:
                    continue
                rn = _rn_from_branch(ax, r, rn_method, rn_value, R_N, plateau_fraction)
                if rn is None:
                    continue
                rn_val, rn_sig = rn
                if not rn_val > 0:
                    continue
                rns.append(rn_val)
                level = fraction * rn_val
                sig_R = math.hypot(_noise(ax, r), fraction * rn_sig)
                c = crossing_field(ax, r, level, sig_R)
                if c is None:
                    if np.all(r >= level):
                        lows.append(float(ax.min()))
                    elif np.all(r < level):
                        highs.append(float(ax.max()))
                    continue
                crossings.append(c)
        by = float(np.mean([sw.by_value for sw in g])) if g else float("nan")
        rn_mean = float(np.mean(rns)) if rns else float("nan")
        if crossings:
            mean, err, spread = _combine(crossings)
            out.append(Hc2Point(by, mean, err, spread, len(crossings), rn_mean,
                                branches=[c[0] for c in crossings]))
        elif highs:
            out.append(Hc2Point(by, float(max(highs)), float("nan"), 0.0, 0, rn_mean,
                                censored="lower_bound"))
        elif lows:
            out.append(Hc2Point(by, float(min(lows)), float("nan"), 0.0, 0, rn_mean,
                                censored="upper_bound"))
    if not out:
        raise FitError(f"no {fixed_name} block with a resistive transition found")
    return out


def extract_hc2_points(measurement: Measurement, *, fraction: float = 0.5,
                       rn_method: str = "plateau", rn_field_T: float | None = None,
                       R_N_ohm: float | None = None, plateau_fraction: float = 0.95,
                       by: str | None = "T_K", by_tol: float = 0.02, channel: Any = None,
                       min_points: int = 5) -> list[Hc2Point]:
    """Hc2 points from R(H) sweeps at fixed T (or fixed angle), MODELS.md §5.1.

    Each sweep is split at B = 0; every branch (direction x sign of B) gives a crossing of
    ``fraction * R_N`` (linear interpolation, highest crossing, |B| used), and the branches at
    the same ``by`` value are averaged.

    Parameters
    ----------
    measurement
        Table with ``B_T``, a resistance column and the ``by`` column.
    fraction
        Criterion f of ``R(Hc2) = f*R_N`` (0.5 default; 0.9 onset, 0.1 zero).
    rn_method
        ``"plateau"`` (median R at |B| >= plateau_fraction * max|B| of the same branch,
        default), ``"fixed_B"`` (R interpolated at ``rn_field_T``), ``"fixed_value"``
        (``R_N_ohm``).
    by
        Column held fixed in a sweep (``"T_K"`` or ``"theta_rad"``).
    by_tol
        Tolerance for grouping sweeps at the same ``by`` value (K or rad).

    Returns
    -------
    list of Hc2Point
        Sorted by the fixed value. Transitions outside the field range come back as censored
        bounds (never silently dropped).

    Raises
    ------
    FitError
        No transition at all, bad options.
    """
    y = measurement.resistance_column(channel)
    sweeps = split_sweeps(measurement, x="B_T", y=y, by=by, by_tol=by_tol, min_points=min_points)
    pts = _extract(sweeps, fraction, rn_method, rn_field_T, R_N_ohm, plateau_fraction, True,
                   by_tol, by)
    return sorted(pts, key=lambda p: p.fixed)


def extract_tc_points(measurement: Measurement, *, fraction: float = 0.5,
                      rn_method: str = "plateau", rn_T_K: float | None = None,
                      R_N_ohm: float | None = None, plateau_fraction: float = 0.95,
                      by_tol: float = 1e-3, channel: Any = None,
                      min_points: int = 5) -> list[Hc2Point]:
    """Tc(B) points from R(T) sweeps at fixed field (MODELS.md §5.1).

    ``fixed`` of each point is the field [T], ``value`` the temperature [K] where
    R = fraction*R_N; ``rn_method`` as :func:`extract_hc2_points` with ``rn_T_K`` for
    ``"fixed_B"`` (here: R_N at a fixed temperature) and the plateau at the highest T.
    """
    y = measurement.resistance_column(channel)
    sweeps = split_sweeps(measurement, x="T_K", y=y, by="B_T", by_tol=by_tol,
                          min_points=min_points)
    pts = _extract(sweeps, fraction, rn_method, rn_T_K, R_N_ohm, plateau_fraction, False,
                   by_tol, "field")
    for p in pts:
        p.fixed = abs(p.fixed)
    return sorted(pts, key=lambda p: p.fixed)


def points_table(points: Sequence[Hc2Point], fixed: str = "T_K", value: str = "Hc2_T"):
    """Points as a DataFrame (``fixed``, ``value``, ``value_err``, spread, branches, R_N)."""
    return pd.DataFrame({
        fixed: [p.fixed for p in points],
        value: [p.value for p in points],
        f"{value}_err": [p.stderr for p in points],
        f"{value}_spread": [p.spread for p in points],
        "n_branches": [p.n_branches for p in points],
        "R_N_ohm": [p.R_N_ohm for p in points],
        "censored": [p.censored or "" for p in points],
    })


HC2_COLUMNS = ("hc2_t", "bc2_t")
HC2_ERR_COLUMNS = ("hc2_err_t", "hc2_t_err", "bc2_err_t", "dhc2_t", "sigma_hc2_t")


def _find_column(measurement: Measurement, names: Sequence[str]) -> str | None:
    for c in measurement.data.columns:
        if str(c).lower() in names:
            return str(c)
    return None


def hc2_column(measurement: Measurement) -> str | None:
    """Name of the precomputed critical-field column (``Hc2_T``/``hc2_T``/``Bc2_T``,
    case-insensitive), or None when the measurement holds sweeps."""
    return _find_column(measurement, HC2_COLUMNS)


def hc2_points_from_table(measurement: Measurement, fixed: str) -> tuple[np.ndarray, np.ndarray,
                                                                           np.ndarray | None]:
    """Precomputed points: (fixed values, Hc2 [T], sigma [T] or None) from a table with an
    ``Hc2_T`` (or ``Bc2_T``, any case; errors in ``Hc2_err_T``) column and the ``fixed``
    column (``T_K`` or ``theta_rad``).

    Raises
    ------
    DataFormatError
        Missing columns, NaN, negative fields or fewer than 2 points.
    """
    col = hc2_column(measurement)
    if col is None:
        raise DataFormatError("no Hc2 column", file=measurement.source, column="Hc2_T",
                              expected="a column 'Hc2 (T)' / Hc2_T")
    x = measurement.column(fixed)
    y = measurement.column(col)
    ecol = _find_column(measurement, HC2_ERR_COLUMNS)
    e = measurement.column(ecol) if ecol else None
    ok = np.isfinite(x) & np.isfinite(y)
    if e is not None:
        ok &= np.isfinite(e)
    if (~ok).any():
        bad = int(np.flatnonzero(~ok)[0])
        raise DataFormatError("missing or non-numeric value in the Hc2 table",
                              file=measurement.source, line=bad + 2, column=col,
                              expected="a number in every row")
    if np.any(y < 0):
        raise DataFormatError("negative critical field", file=measurement.source, column=col,
                              expected="Hc2 >= 0 (use |B|)")
    if e is not None and np.any(e <= 0):
        raise DataFormatError("non-positive Hc2 error", file=measurement.source, column=ecol,
                              expected="sigma > 0")
    return x, y, e
