"""Linear analysis of each regime: modes, time constants, oscillations, stability."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._system import MARGINAL_TOL, PiecewiseLinearSystem, classify_stability, eigenvalues_by_modulus

__all__ = ["RegimeSpectrum", "linear_spectrum", "periods", "regime_spectra", "time_constants"]


def time_constants(eigenvalues) -> np.ndarray:
    """Decay time constants ``tau = -1 / log|lambda|`` in steps, one per eigenvalue.

    A mode scales by ``|lambda|^t = exp(-t / tau)``. tau is ``inf`` for
    ``|lambda| = 1`` (no decay: memory), 0 for lambda = 0 (gone after one step),
    and negative for growing modes (``|tau|`` is then the e-folding time of growth).

    Parameters
    ----------
    eigenvalues : array-like of shape (M,)
        Eigenvalues of a linear map.

    Returns
    -------
    tau : ndarray of shape (M,)
        Time constants in steps.

    Examples
    --------
    >>> time_constants([1.0, 0.0, np.exp(-0.5)]).tolist()
    [inf, 0.0, 2.0]
    """
    modulus = np.abs(np.asarray(eigenvalues))
    with np.errstate(divide="ignore"):
        log_modulus = np.log(modulus)
        return np.where(
            log_modulus == 0.0, np.inf, -1.0 / np.where(log_modulus == 0.0, 1.0, log_modulus)
        )


def periods(eigenvalues, tol: float = 1e-9) -> np.ndarray:
    """Oscillation period ``2 pi / |angle(lambda)|`` in steps (inf for positive real lambda).

    A negative real eigenvalue flips sign every step: period 2.

    Parameters
    ----------
    eigenvalues : array-like of shape (M,)
        Eigenvalues of a linear map.
    tol : float, default=1e-9
        Angles up to this count as real positive (no oscillation).

    Returns
    -------
    periods : ndarray of shape (M,)
        Periods in steps.

    Examples
    --------
    >>> periods([1j, -0.5, 0.9]).tolist()
    [4.0, 2.0, inf]
    """
    angle = np.abs(np.angle(np.asarray(eigenvalues, dtype=complex)))
    return np.where(angle > tol, 2 * np.pi / np.where(angle > tol, angle, 1.0), np.inf)


@dataclass
class RegimeSpectrum:
    """Eigen-decomposition of one regime's matrix A = J(code), modes by ``|lambda|``, largest first.

    Attributes
    ----------
    code : ndarray of shape (P,), bool, or None
    eigenvalues : ndarray of shape (M,), complex
    eigenvectors : ndarray of shape (M, M), complex
        Column ``i`` belongs to ``eigenvalues[i]``.
    spectral_radius : float
        ``max |lambda|``.
    time_constants : ndarray of shape (M,)
        See :func:`time_constants`.
    periods : ndarray of shape (M,)
        See :func:`periods`.
    slow : ndarray of shape (M,), bool
        Marginal modes, ``||lambda| - 1| <= tol``: memory (line/plane attractors) or slow drift.
    oscillatory : ndarray of shape (M,), bool
        Modes with a finite period (complex pairs and negative real eigenvalues).
    stability : {'stable', 'marginal', 'unstable'}
        By :func:`classify_stability` (the rule shared with ``FixedPoint``
        and ``Cycle``).
    """

    code: np.ndarray | None
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    spectral_radius: float
    time_constants: np.ndarray
    periods: np.ndarray
    slow: np.ndarray
    oscillatory: np.ndarray
    stability: str


def linear_spectrum(A, code=None, tol: float = MARGINAL_TOL) -> RegimeSpectrum:
    """Modes of the linear map z -> A z.

    Parameters
    ----------
    A : array of shape (M, M)
    code : bool array of shape (P,), optional
        Regime code stored on the result.
    tol : float, default=1e-2
        Width of the band around ``|lambda| = 1`` counted as marginal (``|tau| >= ~100``
        steps): trained networks rarely hit ``|lambda| = 1`` exactly.

    Returns
    -------
    spectrum : RegimeSpectrum

    Examples
    --------
    >>> spec = linear_spectrum(np.diag([1.0, 0.5]))
    >>> spec.stability, spec.slow.tolist(), bool(np.isinf(spec.time_constants[0]))
    ('marginal', [True, False], True)
    """
    eigenvalues, eigenvectors = eigenvalues_by_modulus(A, vectors=True)
    modulus = np.abs(eigenvalues)
    radius = float(modulus.max()) if modulus.size else 0.0
    period = periods(eigenvalues)
    return RegimeSpectrum(
        code=None if code is None else np.asarray(code, dtype=bool),
        eigenvalues=eigenvalues,
        eigenvectors=eigenvectors,
        spectral_radius=radius,
        time_constants=time_constants(eigenvalues),
        periods=period,
        slow=np.abs(modulus - 1) <= tol,
        oscillatory=np.isfinite(period),
        stability=classify_stability(eigenvalues, tol),
    )


def regime_spectra(
    system: PiecewiseLinearSystem, codes=None, tol: float = MARGINAL_TOL
) -> list[RegimeSpectrum]:
    """One :class:`RegimeSpectrum` per regime of a piecewise-linear system.

    Parameters
    ----------
    system : PiecewiseLinearSystem
    codes : bool array of shape (R, P), optional
        Regimes to analyse; default ``system.regime_codes`` (the visited ones),
        or all 2**P codes when the system lists none.
    tol : float, default=1e-2
        See :func:`linear_spectrum`.

    Returns
    -------
    spectra : list of RegimeSpectrum, in the order of ``codes``

    Examples
    --------
    >>> system = PiecewiseLinearSystem(a=[1.0, 0.0], W=[[0, 0], [0, 0.5]], C=np.zeros((2, 1)),
    ...                                h=[0, 0], B=np.ones((1, 2)), b=[0], P=1)
    >>> [s.stability for s in regime_spectra(system)]
    ['marginal', 'marginal']
    >>> [s.eigenvalues.real.tolist() for s in regime_spectra(system)]
    [[1.0, 0.0], [1.0, 0.5]]
    """
    return [
        linear_spectrum(system.jacobian(code), code, tol) for code in default_codes(system, codes)
    ]


def default_codes(system: PiecewiseLinearSystem, codes=None) -> np.ndarray:
    """``codes`` as a (R, P) bool array; else the system's listed regimes, else all 2**P."""
    if codes is not None:
        return np.asarray(codes, dtype=bool).reshape(-1, system.P)
    return system.regime_codes if len(system.regime_codes) else system.all_codes()
