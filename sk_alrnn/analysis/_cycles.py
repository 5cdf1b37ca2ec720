"""Fixed points and k-cycles of the piecewise-affine map (SCYFI-style search)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np

from ._spectral import default_codes
from ._system import (
    MARGINAL_TOL,
    FixedPoint,
    PiecewiseLinearSystem,
    _solve_affine_fixed_point,
    classify_stability,
    eigenvalues_by_modulus,
)

__all__ = ["Cycle", "find_cycles", "fixed_points"]


def fixed_points(
    system: PiecewiseLinearSystem, codes=None, s=None, *, tol: float = MARGINAL_TOL
) -> list[FixedPoint]:
    """Fixed point of every regime's affine map under constant input s, real or virtual.

    Parameters
    ----------
    system : PiecewiseLinearSystem
    codes : bool array of shape (R, P), optional
        Default ``system.regime_codes``, or all 2**P codes when it lists none.
    s : array of shape (F,), optional
        Constant input; 0 when None (the autonomous map).
    tol : float, default=1e-2
        Band around ``|lambda| = 1`` that ``stability`` calls marginal.

    Returns
    -------
    points : list of FixedPoint
        In the order of ``codes``; ``.real`` tells whether z lies in its own
        regime, ``.stable`` whether J(code) is contracting.

    Examples
    --------
    >>> import numpy as np
    >>> system = PiecewiseLinearSystem(
    ...     a=[0.5], W=[[0.0]], C=[[1.0]], h=[1.0], B=[[1.0]], b=[0.0], P=1
    ... )
    >>> [(fp.z.tolist(), fp.real, fp.stable) for fp in fixed_points(system, s=[-3.0])]
    [([-4.0], True, True), ([-4.0], False, True)]
    """
    return [system.fixed_point(code, s, tol=tol) for code in default_codes(system, codes)]


@dataclass
class Cycle:
    """A k-cycle z_1 -> z_2 -> ... -> z_k -> z_1 of the network under constant input.

    Attributes
    ----------
    z : ndarray of shape (k, M)
        The cycle's points, starting from the rotation with the smallest regime-index sequence.
    codes : ndarray of shape (k, P), bool
        ``codes[i]`` is the regime whose map takes ``z[i]`` to ``z[(i + 1) % k]``.
    real : bool
        True when ``code_of(z[i]) == codes[i]`` for all i (a true cycle of the network).
    eigenvalues : ndarray of shape (M,), complex
        Eigenvalues of the monodromy matrix J(codes[k-1]) ... J(codes[0]),
        largest modulus first.
    tol : float, default=1e-2
        Band around ``|lambda| = 1`` that :attr:`stability` calls marginal.
    """

    z: np.ndarray
    codes: np.ndarray
    real: bool
    eigenvalues: np.ndarray
    tol: float = MARGINAL_TOL

    @property
    def k(self) -> int:
        """Period of the cycle."""
        return len(self.z)

    @property
    def stability(self) -> str:
        """'stable', 'marginal' or 'unstable' by :func:`classify_stability` with ``tol``."""
        return classify_stability(self.eigenvalues, self.tol)

    @property
    def stable(self) -> bool:
        """True when :attr:`stability` is 'stable'."""
        return self.stability == "stable"


def _canonical(seq: tuple) -> tuple | None:
    """Smallest rotation of ``seq``; None if ``seq`` repeats a shorter block (not primitive)."""
    rotations = [seq[i:] + seq[:i] for i in range(len(seq))]
    if len(set(rotations)) < len(seq):
        return None
    return min(rotations)


def _candidates(
    n_regimes: int, k: int, max_candidates: int, rng: np.random.Generator
) -> list[tuple]:
    """Primitive regime-index sequences of length k, one per cyclic-shift class."""
    if n_regimes**k <= max_candidates:
        pool = product(range(n_regimes), repeat=k)
    else:
        pool = map(tuple, rng.integers(n_regimes, size=(max_candidates, k)))
    return sorted({c for c in map(_canonical, pool) if c is not None})


def _cycle_for(
    system: PiecewiseLinearSystem, codes: np.ndarray, drive: np.ndarray, tol: float
) -> Cycle:
    """Solve z = F_k(z) for the composition of the affine maps of ``codes`` and trace the cycle."""
    A, d = np.eye(system.M), np.zeros(system.M)
    for code in codes:  # F(z) = J z + drive, composed left to right in time
        J = system.jacobian(code)
        A, d = J @ A, J @ d + drive
    z = np.empty((len(codes), system.M))
    z[0] = _solve_affine_fixed_point(A, d)
    for i in range(1, len(codes)):
        z[i] = system.jacobian(codes[i - 1]) @ z[i - 1] + drive
    real = bool((system.code_of(z) == codes).all())
    return Cycle(z=z, codes=codes, real=real, eigenvalues=eigenvalues_by_modulus(A), tol=tol)


def find_cycles(
    system: PiecewiseLinearSystem,
    k: int,
    codes=None,
    s=None,
    *,
    include_virtual: bool = False,
    max_candidates: int = 10_000,
    random_state=None,
    tol: float = MARGINAL_TOL,
) -> list[Cycle]:
    """k-cycles of the network z -> a z + W phi_P(z) + C s + h for constant input s.

    For each candidate regime sequence (c_1, ..., c_k) the k-step map F_k is
    affine, so z = F_k(z) is one linear solve; the solution is kept when the
    regimes it visits are the candidate's (self-consistency). This is the idea
    of SCYFI (Eisenmann et al., 2023) made exhaustive over a small regime set.

    Parameters
    ----------
    system : PiecewiseLinearSystem
    k : int
        Exact (minimal) period; k = 1 gives the real fixed points.
    codes : bool array of shape (R, P), optional
        Regimes the cycle may visit; default ``system.regime_codes`` (the visited
        ones), or all 2**P codes when it lists none.
    s : array of shape (F,), optional
        Constant input; 0 when None (the autonomous map).
    include_virtual : bool, default=False
        Also return solutions that are not self-consistent.
    max_candidates : int, default=10_000
        When R**k exceeds it, this many sequences are drawn at random instead
        of enumerating all, so cycles may be missed.
    random_state : int or numpy Generator, optional
        Seed for that sampling.
    tol : float, default=1e-2
        Band around ``|lambda| = 1`` that the cycles' ``stability`` calls marginal.

    Returns
    -------
    cycles : list of Cycle
        One per cyclic-shift class of primitive regime sequences (sequences
        made of a repeated shorter block are skipped: their solution is the
        shorter cycle).

    Notes
    -----
    Cycle points lying exactly on a switching boundary (z_i = 0 for a ReLU unit)
    count as 'off'. When I - F_k's matrix is singular (e.g. a line attractor)
    one least-squares solution of the continuum is returned.

    Examples
    --------
    A 1-D ReLU map z -> -2 relu(z) + 1 has the 2-cycle 1 -> -1 -> 1:

    >>> system = PiecewiseLinearSystem(
    ...     a=[0.0], W=[[-2.0]], C=[[0.0]], h=[1.0], B=[[1.0]], b=[0.0], P=1
    ... )
    >>> [(c.z.ravel().tolist(), c.stable) for c in find_cycles(system, k=2)]
    [([-1.0, 1.0], True)]
    """
    if k < 1:
        raise ValueError(f"The cycle period k must be an int >= 1. Got {k} instead.")
    pool = default_codes(system, codes)
    drive = system.drive(s)
    cycles = []
    for sequence in _candidates(len(pool), k, max_candidates, np.random.default_rng(random_state)):
        cycle = _cycle_for(system, pool[list(sequence)], drive, tol)
        if cycle.real or include_virtual:
            cycles.append(cycle)
    return cycles
