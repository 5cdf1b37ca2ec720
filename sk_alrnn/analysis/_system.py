"""A fitted AL-RNN as a piecewise-affine dynamical system (numpy only).

Two conventions hold for every result type of ``analysis``: eigenvalues are
sorted by modulus, largest first (:func:`eigenvalues_by_modulus`), and
stability follows one rule (:func:`classify_stability`): 'stable' when the
spectral radius is below 1 - tol, 'marginal' within tol of 1, 'unstable'
above, with tol = 1e-2 by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import product

import numpy as np

from ..utils import check_param, input_error
from ._regimes import codes_from_states

__all__ = [
    "MARGINAL_TOL",
    "FixedPoint",
    "PiecewiseLinearSystem",
    "Regime",
    "classify_stability",
    "eigenvalues_by_modulus",
]

# Trained networks rarely hit |lambda| = 1 exactly; a mode within 1e-2 of the
# unit circle decays (or grows) on a time scale of >= ~100 steps, which reads
# as memory on sequence tasks of that length.
MARGINAL_TOL = 1e-2


def eigenvalues_by_modulus(A, *, vectors: bool = False):
    """Eigenvalues of A sorted by modulus, largest first (ties keep numpy's order).

    Parameters
    ----------
    A : array-like of shape (M, M)
        A square matrix.
    vectors : bool, default=False
        Also return the eigenvectors (column ``i`` for eigenvalue ``i``).

    Returns
    -------
    eigenvalues : ndarray of shape (M,), complex
    eigenvectors : ndarray of shape (M, M), complex
        Only when ``vectors`` is True.

    Examples
    --------
    >>> eigenvalues_by_modulus(np.diag([0.5, -2.0, 1.0])).real.tolist()
    [-2.0, 1.0, 0.5]
    """
    A = np.asarray(A, dtype=np.float64)
    if vectors:
        eigenvalues, eigenvectors = np.linalg.eig(A)
    else:
        eigenvalues, eigenvectors = np.linalg.eigvals(A), None
    order = np.argsort(-np.abs(eigenvalues), kind="stable")
    eigenvalues = eigenvalues.astype(complex)[order]
    return (eigenvalues, eigenvectors[:, order]) if vectors else eigenvalues


def classify_stability(eigenvalues, tol: float = MARGINAL_TOL) -> str:
    """The one stability rule of the package, from the spectral radius rho.

    Parameters
    ----------
    eigenvalues : array-like of shape (M,)
        Eigenvalues of a linear map (a regime's Jacobian or a cycle's monodromy matrix).
    tol : float, default=1e-2
        Half-width of the band around rho = 1 counted as marginal.

    Returns
    -------
    stability : {'stable', 'marginal', 'unstable'}
        'stable' if rho < 1 - tol, 'marginal' if 1 - tol <= rho <= 1 + tol,
        'unstable' otherwise.

    Examples
    --------
    >>> classify_stability([0.5]), classify_stability([0.995]), classify_stability([1.2j])
    ('stable', 'marginal', 'unstable')
    """
    modulus = np.abs(np.asarray(eigenvalues))
    radius = float(modulus.max()) if modulus.size else 0.0
    if radius < 1 - tol:
        return "stable"
    return "marginal" if radius <= 1 + tol else "unstable"


@dataclass
class FixedPoint:
    """Solution of z = J(code) z + C s + h within one linear regime.

    Attributes
    ----------
    z : ndarray of shape (M,)
    code : ndarray of shape (P,), bool
        The regime whose affine map was solved.
    real : bool
        True when z lies in that regime itself (a true fixed point of the
        network); False for a virtual one, which the dynamics never reach
        but which still shapes the flow inside the regime.
    eigenvalues : ndarray of shape (M,), complex, optional
        Eigenvalues of J(code), largest modulus first; they set the local stability.
    tol : float, default=1e-2
        Band around ``|lambda| = 1`` that :attr:`stability` calls marginal.
    """

    z: np.ndarray
    code: np.ndarray
    real: bool
    eigenvalues: np.ndarray | None = None
    tol: float = MARGINAL_TOL

    @property
    def stability(self) -> str | None:
        """'stable', 'marginal' or 'unstable' by :func:`classify_stability` with ``tol``.

        None when the fixed point carries no eigenvalues.
        """
        if self.eigenvalues is None:
            return None
        return classify_stability(self.eigenvalues, self.tol)

    @property
    def stable(self) -> bool | None:
        """True when :attr:`stability` is 'stable' (None without eigenvalues)."""
        return None if self.eigenvalues is None else self.stability == "stable"


@dataclass
class Regime:
    """One linear regime: its code, matrix, eigenvalues and fixed point (s = 0).

    Attributes
    ----------
    code : ndarray of shape (P,), bool
    A : ndarray of shape (M, M)
        J(code).
    eigenvalues : ndarray of shape (M,), complex
        Eigenvalues of A, largest modulus first.
    fixed_point : FixedPoint
        Of the regime's affine map with s = 0.
    """

    code: np.ndarray
    A: np.ndarray
    eigenvalues: np.ndarray
    fixed_point: FixedPoint


class PiecewiseLinearSystem:
    """z_{t+1} = J(code_t) z_t + C s_{t+1} + h, with y_t = B z_t + b.

    J(code) = diag(a) + W diag([1] * (M - P) + code), where code_t is the
    sign pattern of the last P units of z_t.

    Parameters
    ----------
    a : array of shape (M,)
    W : array of shape (M, M)
    C : array of shape (M, F)
    h : array of shape (M,)
    B : array of shape (n_outputs, M)
    b : array of shape (n_outputs,)
    P : int
        Number of ReLU (switching) units, the last P of the M.
    regime_codes : bool array of shape (R, P), optional
        The regimes to list in :attr:`regimes` (usually those visited on the
        training data, most frequent first).

    Examples
    --------
    >>> import numpy as np
    >>> system = PiecewiseLinearSystem(a=[0.5, 0.5], W=np.zeros((2, 2)), C=np.ones((2, 1)),
    ...                                h=[1.0, 1.0], B=np.ones((1, 2)), b=[0.0], P=1)
    >>> fp = system.fixed_point([True])
    >>> fp.z.tolist(), fp.real
    ([2.0, 2.0], True)
    """

    def __init__(self, a, W, C, h, B, b, P: int, regime_codes=None):
        self.a = np.asarray(a, dtype=np.float64)
        self.W = np.asarray(W, dtype=np.float64)
        self.C = np.asarray(C, dtype=np.float64)
        self.h = np.asarray(h, dtype=np.float64)
        self.B = np.asarray(B, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)
        self.M, self.P = len(self.a), int(P)
        if regime_codes is None:
            regime_codes = (
                np.zeros((1, self.P), dtype=bool) if self.P == 0 else np.empty((0, self.P), bool)
            )
        self.regime_codes = np.atleast_2d(np.asarray(regime_codes, dtype=bool))

    def _check_code(self, code) -> np.ndarray:
        code = np.asarray(code, dtype=bool).reshape(-1)
        if code.shape != (self.P,):
            raise input_error("A regime code", f"have P={self.P} entries", code.shape[0])
        return code

    def _array(self, value, name: str, width: int, what: str, ndims: tuple) -> np.ndarray:
        """``value`` as float64 of shape (width,) or (n, width) (as ``ndims`` allows)."""
        array = np.asarray(value)
        ok = array.dtype.kind in "biuf" and array.ndim in ndims
        if not ok or array.shape[-1] != width:
            forms = {1: f"({width},)", 2: f"({'T' if 1 not in ndims else 'n'}, {width})"}
            expected = " or ".join(forms[ndim] for ndim in ndims)
            got = f"dtype {array.dtype} with shape {array.shape}"
            raise input_error(f"{name} ({what})", f"be a real array of shape {expected}", got)
        return array.astype(np.float64, copy=False)

    def _input(self, s, batch: bool = False) -> np.ndarray:
        return self._array(s, "The input s", self.C.shape[1], "F inputs", (1, 2) if batch else (1,))

    def _state(self, z, name: str = "The state z", batch: bool = True) -> np.ndarray:
        return self._array(z, name, self.M, "M latent units", (1, 2) if batch else (1,))

    def jacobian(self, code) -> np.ndarray:
        """Jacobian of the regime with this code: diag(a) + W diag([1]*(M-P) + code).

        Parameters
        ----------
        code : bool array-like of shape (P,)
            A regime code.

        Returns
        -------
        J : ndarray of shape (M, M)

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> system.jacobian([True]).tolist(), system.jacobian([False]).tolist()
        ([[0.5, 1.0], [0.0, 0.5]], [[0.5, 0.0], [0.0, 0.5]])
        """
        code = self._check_code(code)
        slope = np.concatenate([np.ones(self.M - self.P), code.astype(np.float64)])
        return np.diag(self.a) + self.W * slope

    def code_of(self, z) -> np.ndarray:
        """Regime code of state(s) z: ``z[..., M-P:] > 0``.

        Parameters
        ----------
        z : array-like of shape (..., M)
            One or many latent states.

        Returns
        -------
        code : bool ndarray of shape (..., P)

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> system.code_of([[1.0, 2.0], [1.0, -2.0]]).tolist()
        [[True], [False]]
        """
        return codes_from_states(z, self.P)

    def fixed_point(self, code, s=None, *, tol: float = MARGINAL_TOL) -> FixedPoint:
        """Fixed point of regime ``code``'s affine map under constant input s.

        When I - J(code) is singular (e.g. a perfect integrator) the
        least-squares solution is returned.

        Parameters
        ----------
        code : bool array-like of shape (P,)
            The regime whose map z -> J(code) z + C s + h is solved.
        s : array-like of shape (F,) or None, default=None
            Constant input; None means s = 0.
        tol : float, default=1e-2
            Band around ``|lambda| = 1`` its ``stability`` calls marginal.

        Returns
        -------
        fixed_point : FixedPoint
            ``z``, ``code``, ``real`` (z lies in that regime) and ``eigenvalues``.

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> fp = system.fixed_point([True])
        >>> fp.z.tolist(), fp.real, fp.stability
        ([4.0, 2.0], True, 'stable')
        """
        code = self._check_code(code)
        J = self.jacobian(code)
        z = _solve_affine_fixed_point(J, self.drive(s))
        return FixedPoint(
            z=z,
            code=code,
            real=bool((self.code_of(z) == code).all()),
            eigenvalues=eigenvalues_by_modulus(J),
            tol=tol,
        )

    def drive(self, s=None) -> np.ndarray:
        """Constant offset C s + h of the affine maps.

        Parameters
        ----------
        s : array-like of shape (F,) or None, default=None
            Constant input; None gives h.

        Returns
        -------
        drive : ndarray of shape (M,)

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> system.drive([2.0]).tolist()
        [2.0, 3.0]
        """
        return self.h if s is None else self.C @ self._input(s) + self.h

    def all_codes(self) -> np.ndarray:
        """Every one of the 2**P regime codes, all-off first.

        Returns
        -------
        codes : bool ndarray of shape (2**P, P)

        Raises
        ------
        ValueError
            For P > 16 (more than 65,536 codes).

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> system.all_codes().tolist()
        [[False], [True]]
        """
        if self.P > 16:
            raise ValueError(f"Enumerating 2**P codes needs P <= 16; got P={self.P}.")
        return np.array(list(product([False, True], repeat=self.P)), dtype=bool).reshape(-1, self.P)

    @cached_property
    def regimes(self) -> list[Regime]:
        """One :class:`Regime` per row of ``regime_codes``, in the same order.

        Computed on first access and kept (R eigendecompositions).
        """
        regimes = []
        for code in self.regime_codes:
            A = self.jacobian(code)
            fp = self.fixed_point(code)
            regimes.append(Regime(code=code, A=A, eigenvalues=fp.eigenvalues, fixed_point=fp))
        return regimes

    def step(self, z, s=None) -> np.ndarray:
        """One step of the network: a z + W phi_P(z) + C s + h.

        Parameters
        ----------
        z : array-like of shape (M,) or (n, M)
            Current state(s).
        s : array-like of shape (F,) or (n, F), or None, default=None
            Input of the next step; None means no input.

        Returns
        -------
        z_next : ndarray of the shape of z

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> system.step([4.0, 2.0]).tolist()  # the fixed point stays put
        [4.0, 2.0]
        """
        z = self._state(z)
        u = z.copy()
        u[..., self.M - self.P :] = np.maximum(u[..., self.M - self.P :], 0.0)
        drive = self.h if s is None else self._input(s, batch=True) @ self.C.T + self.h
        return self.a * z + u @ self.W.T + drive

    def simulate(self, S=None, n_steps: int | None = None, z0=None) -> np.ndarray:
        """Iterate the network from z0: states z_1..z_T.

        Parameters
        ----------
        S : array-like of shape (T, F) or None, default=None
            Inputs s_1..s_T; None runs the autonomous map for ``n_steps``.
        n_steps : int or None, default=None
            Number of steps when S is None.
        z0 : array-like of shape (M,) or None, default=None
            Initial state; None means 0.

        Returns
        -------
        Z : ndarray of shape (T, M)

        Examples
        --------
        >>> system = PiecewiseLinearSystem(
        ...     a=[0.5, 0.5], W=[[0.0, 1.0], [0.0, 0.0]], C=np.ones((2, 1)), h=[0.0, 1.0],
        ...     B=np.ones((1, 2)), b=[0.0], P=1,
        ... )
        >>> Z = system.simulate(n_steps=60)
        >>> Z.shape, bool(np.allclose(Z[-1], system.fixed_point([True]).z))
        ((60, 2), True)
        """
        if S is None and n_steps is None:
            raise ValueError("Give the inputs S or the number of steps n_steps.")
        if S is not None:
            S = self._array(S, "The inputs S", self.C.shape[1], "T steps of F inputs", (2,))
        else:
            check_param(n_steps, "n_steps", "PiecewiseLinearSystem.simulate", min_val=0)
        T = len(S) if S is not None else n_steps
        z = np.zeros(self.M) if z0 is None else self._state(z0, "The initial state z0", False)
        states = np.empty((T, self.M))
        for t in range(T):
            z = self.step(z, None if S is None else S[t])
            states[t] = z
        return states


def _solve_affine_fixed_point(A: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Solve z = A z + d; least squares when I - A is singular (a continuum of solutions)."""
    lhs = np.eye(len(A)) - A
    try:
        return np.linalg.solve(lhs, d)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(lhs, d, rcond=None)[0]
