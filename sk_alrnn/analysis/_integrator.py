"""Integrator (line-attractor) measures: the near-marginal mode and what it lines up with.

A network that accumulates evidence keeps a running sum along one slow direction
of its dominant regime: that regime's Jacobian has an eigenvalue close to 1, and
the readout, the leading principal component of the states and the direction
that separates the classes all line up with its eigenvector.  These functions
measure each part on arrays (numpy only), so they apply to any task with
sequences and labels (sentiment, evidence integration, the addition problem).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..utils import input_error
from ._spectral import time_constants
from ._system import PiecewiseLinearSystem

__all__ = [
    "IntegratorMode",
    "Separation",
    "TokenUnitRates",
    "integrator_mode",
    "mode_alignment",
    "principal_direction",
    "readout_direction",
    "separation_along",
    "token_unit_rates",
]


@dataclass
class IntegratorMode:
    """The mode of a linear map whose eigenvalue is closest to 1.

    Attributes
    ----------
    code : ndarray of shape (P,), bool, or None
        The regime whose Jacobian was used (None for a plain matrix).
    eigenvalue : complex
        The eigenvalue closest to 1 (distance ``|lambda - 1|``).
    time_constant : float
        ``-1 / log|lambda|`` in steps (inf at ``|lambda| = 1``; negative when
        the mode grows).
    eigenvector : ndarray of shape (M,)
        Right eigenvector, real part, unit norm: the direction the state
        moves along (the line of the line attractor).
    left_eigenvector : ndarray of shape (M,)
        Left eigenvector, real part, unit norm, signed so that
        ``left_eigenvector @ eigenvector > 0``: which input component the mode
        accumulates (``left_eigenvector @ C`` gives each input's push along
        ``+eigenvector``).
    """

    code: np.ndarray | None
    eigenvalue: complex
    time_constant: float
    eigenvector: np.ndarray
    left_eigenvector: np.ndarray


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def integrator_mode(system, code=None) -> IntegratorMode:
    """The eigenvalue of a regime's Jacobian closest to 1, its time constant and eigenvectors.

    Parameters
    ----------
    system : PiecewiseLinearSystem or array-like of shape (M, M)
        A fitted network (``est.linearize()``) or a plain transition matrix.
    code : bool array-like of shape (P,) or None, default=None
        The regime; None takes the most frequent visited regime
        (``system.regimes[0]``), or the all-off code if none were recorded.
        Ignored for a matrix.

    Returns
    -------
    mode : IntegratorMode

    Examples
    --------
    >>> mode = integrator_mode(np.diag([0.5, 0.99]))
    >>> round(mode.eigenvalue.real, 2), round(mode.time_constant, 1)
    (0.99, 99.5)
    >>> np.abs(mode.eigenvector).tolist()
    [0.0, 1.0]
    """
    if isinstance(system, PiecewiseLinearSystem):
        if code is None:
            regimes = system.regimes
            code = regimes[0].code if regimes else np.zeros(system.P, dtype=bool)
        code = np.asarray(code, dtype=bool)
        A = system.jacobian(code)
    else:
        A, code = np.asarray(system, dtype=np.float64), None
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise input_error("The matrix given to integrator_mode", "be square", A.shape)
    eigenvalues, right = np.linalg.eig(A)
    i = int(np.argmin(np.abs(eigenvalues - 1.0)))
    left_values, left = np.linalg.eig(A.T)  # left eigenvectors of A
    j = int(np.argmin(np.abs(left_values - eigenvalues[i])))
    vector, left_vector = _unit(right[:, i].real), _unit(left[:, j].real)
    # Signs agree (left @ right > 0), so left @ (C s) > 0 moves the state along +vector.
    if left_vector @ vector < 0:
        left_vector = -left_vector
    return IntegratorMode(
        code=code,
        eigenvalue=complex(eigenvalues[i]),
        time_constant=float(time_constants([eigenvalues[i]])[0]),
        eigenvector=vector,
        left_eigenvector=left_vector,
    )


def mode_alignment(vector, directions) -> np.ndarray | float:
    """``|cos|`` of the angle between ``vector`` and each direction (sign-free alignment).

    Parameters
    ----------
    vector : array-like of shape (M,)
    directions : array-like of shape (M,) or (k, M)

    Returns
    -------
    alignment : float, or ndarray of shape (k,)
        In [0, 1]: 1 parallel (or anti-parallel), 0 orthogonal.

    Examples
    --------
    >>> mode_alignment([1.0, 0.0], [[3.0, 0.0], [1.0, 1.0], [0.0, -2.0]]).round(3).tolist()
    [1.0, 0.707, 0.0]
    """
    v = _unit(np.asarray(vector, dtype=np.float64))
    D = np.asarray(directions, dtype=np.float64)
    rows = np.atleast_2d(D)
    norms = np.linalg.norm(rows, axis=1)
    cosine = np.abs(rows @ v) / np.where(norms > 0, norms, 1.0)
    return float(cosine[0]) if D.ndim == 1 else cosine


def readout_direction(B) -> np.ndarray:
    """The state direction the readout separates classes (or reads a target) along, unit norm.

    Parameters
    ----------
    B : array-like of shape (K, M)
        Readout matrix (``system.B``).

    Returns
    -------
    direction : ndarray of shape (M,)
        ``B[0]`` for one output, ``B[1] - B[0]`` (the logit difference) for
        two classes, else the leading right singular vector of the
        class-centred ``B``.

    Examples
    --------
    >>> readout_direction([[1.0, 0.0], [1.0, 2.0]]).tolist()
    [0.0, 1.0]
    """
    B = np.atleast_2d(np.asarray(B, dtype=np.float64))
    if len(B) == 1:
        return _unit(B[0])
    if len(B) == 2:
        return _unit(B[1] - B[0])
    return np.linalg.svd(B - B.mean(axis=0), full_matrices=False)[2][0]


def _stack(states) -> np.ndarray:
    """(n, M) or (n, T, M) arrays, or a list of (T_i, M) arrays, as one (N, M) array."""
    if isinstance(states, np.ndarray):
        return states.reshape(-1, states.shape[-1]).astype(np.float64)
    return np.concatenate([np.asarray(z, dtype=np.float64) for z in states])


def principal_direction(states) -> tuple[np.ndarray, float]:
    """The first principal component of states and the share of variance it explains.

    Parameters
    ----------
    states : array of shape (n, M) or (n, T, M), or list of (T_i, M) arrays
        All steps are pooled.

    Returns
    -------
    direction : ndarray of shape (M,)
        Unit norm.
    explained : float
        Its share of the total variance, in [0, 1].

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(500, 3)) * [5.0, 1.0, 0.1]
    >>> direction, explained = principal_direction(Z)
    >>> bool(abs(direction[0]) > 0.99 and explained > 0.9)
    True
    """
    stacked = _stack(states)
    centred = stacked - stacked.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    total = float((singular**2).sum())
    return vt[0], float(singular[0] ** 2 / total) if total > 0 else 0.0


@dataclass
class Separation:
    """How far two classes separate along one direction.

    Attributes
    ----------
    d_prime : float
        ``(mean_1 - mean_0) / sqrt((var_0 + var_1) / 2)`` of the projections
        (class 1 is the larger label).
    auc : float
        Probability that a class-1 projection exceeds a class-0 one (ties
        count half); 0.5 is no separation, 0 or 1 perfect.
    projections : ndarray of shape (n,)
        ``states @ direction / |direction|``.
    classes : ndarray of shape (2,)
        The two labels, sorted.
    """

    d_prime: float
    auc: float
    projections: np.ndarray
    classes: np.ndarray


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their mean rank (as in the Mann-Whitney U statistic)."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def separation_along(states, labels, direction) -> Separation:
    """Separation (d' and AUC) of two classes' states projected on ``direction``.

    Parameters
    ----------
    states : array-like of shape (n, M)
        One state per sequence, e.g. the final states.
    labels : array-like of shape (n,)
        Exactly two distinct labels.
    direction : array-like of shape (M,)
        E.g. an integrator eigenvector or the readout direction.

    Returns
    -------
    separation : Separation

    Examples
    --------
    >>> states = np.array([[0.0, 1.0], [0.0, 3.0], [5.0, 2.0], [5.0, 4.0]])
    >>> sep = separation_along(states, [0, 0, 1, 1], [1.0, 0.0])
    >>> sep.auc, sep.projections.tolist()
    (1.0, [0.0, 0.0, 5.0, 5.0])
    """
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) != 2:
        raise input_error("labels given to separation_along", "hold exactly 2 classes", classes)
    states = np.asarray(states, dtype=np.float64)
    projections = states @ _unit(np.asarray(direction, dtype=np.float64))
    one = labels == classes[1]
    p0, p1 = projections[~one], projections[one]
    spread = np.sqrt((p0.var() + p1.var()) / 2)
    gap = p1.mean() - p0.mean()
    d_prime = gap / spread if spread > 0 else np.sign(gap) * np.inf
    rank_sum = _average_ranks(projections)[one].sum()
    auc = (rank_sum - len(p1) * (len(p1) + 1) / 2) / (len(p1) * len(p0))
    return Separation(float(d_prime), float(auc), projections, classes)


@dataclass
class TokenUnitRates:
    """How often each ReLU unit is on, and switches on, at each input token.

    Attributes
    ----------
    on : ndarray of shape (P, n_tokens)
        ``P(unit on at step t | token_t = w)``; NaN for tokens seen fewer
        than ``min_count`` times.
    switch_on : ndarray of shape (P, n_tokens)
        ``P(unit off at t-1 and on at t | token_t = w)`` over steps t >= 2
        (NaN likewise).
    counts : ndarray of shape (n_tokens,)
        Steps with each token.
    """

    on: np.ndarray
    switch_on: np.ndarray
    counts: np.ndarray

    def top_tokens(self, unit: int, n: int = 10, *, rate: str = "on") -> np.ndarray:
        """Token ids with the highest rate for one unit, highest first (NaN excluded)."""
        values = getattr(self, rate)[unit]
        order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
        return order[: min(n, int(np.isfinite(values).sum()))]


def _per_token(ids: np.ndarray, weights: np.ndarray, n_tokens: int) -> np.ndarray:
    """Sums of the rows of ``weights`` (N, P) per token id: (P, n_tokens)."""
    sums = np.zeros((weights.shape[1], n_tokens))
    np.add.at(sums.T, ids, weights)
    return sums


def token_unit_rates(
    codes: Sequence[np.ndarray], tokens: Sequence[np.ndarray], n_tokens: int, min_count: int = 1
) -> TokenUnitRates:
    """Which ReLU units are on (and switch on) at which tokens.

    Parameters
    ----------
    codes : list of (T_i, P) bool arrays
        Regime codes, e.g. ``est.regime_codes(X)`` for a list X.
    tokens : list of (T_i,) int arrays
        The token ids of the same sequences.
    n_tokens : int
        Vocabulary size.
    min_count : int, default=1
        Tokens seen fewer times get NaN rates.

    Returns
    -------
    rates : TokenUnitRates

    Examples
    --------
    >>> codes = [np.array([[0], [1], [1]], bool), np.array([[1], [0]], bool)]
    >>> rates = token_unit_rates(codes, [np.array([0, 2, 2]), np.array([2, 1])], n_tokens=3)
    >>> rates.on.tolist(), rates.switch_on.tolist()
    ([[0.0, 0.0, 1.0]], [[nan, 0.0, 0.5]])
    """
    codes = [np.asarray(c, dtype=bool) for c in codes]
    ids = [np.asarray(t, dtype=np.int64) for t in tokens]
    if [len(c) for c in codes] != [len(t) for t in ids]:
        raise input_error("codes and tokens", "have the same length per sequence", "different")
    steps = np.concatenate(codes).astype(np.float64)  # (N, P)
    flat = np.concatenate(ids)
    later = np.concatenate([t[1:] for t in ids])  # the token of each step t >= 2
    turned = np.concatenate([~c[:-1] & c[1:] for c in codes]).astype(np.float64)
    counts = np.bincount(flat, minlength=n_tokens).astype(np.float64)
    later_counts = np.bincount(later, minlength=n_tokens).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        on_rate = _per_token(flat, steps, n_tokens) / counts
        switch_rate = _per_token(later, turned, n_tokens) / later_counts
    on_rate[:, counts < min_count] = np.nan
    switch_rate[:, later_counts < max(min_count, 1)] = np.nan
    return TokenUnitRates(on_rate, switch_rate, counts)
