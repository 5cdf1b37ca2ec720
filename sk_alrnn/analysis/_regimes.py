"""Regime codes and their summary: which linear regimes a trajectory visits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["RegimeSummary", "codes_from_states", "format_code", "regime_summary"]


def codes_from_states(Z: np.ndarray, P: int) -> np.ndarray:
    """Regime codes of latent states: ``Z[..., M-P:] > 0``.

    Parameters
    ----------
    Z : array-like of shape (..., M)
        Latent states.
    P : int
        Number of ReLU units (the last P of the M).

    Returns
    -------
    codes : bool ndarray of shape (..., P)

    Examples
    --------
    >>> import numpy as np
    >>> codes_from_states(np.array([[0.5, -1.0, 2.0]]), P=2).tolist()
    [[False, True]]
    """
    Z = np.asarray(Z)
    M = Z.shape[-1] if Z.ndim else 0
    if Z.ndim == 0 or Z.dtype.kind not in "biuf":
        raise ValueError(
            f"Z must be a real array of shape (..., M). Got {Z.dtype} with shape {Z.shape} instead."
        )
    if not isinstance(P, (int, np.integer)) or isinstance(P, bool) or not 0 <= P <= M:
        raise ValueError(f"P must be an int in [0, M={M}] (Z has M={M} units). Got {P!r} instead.")
    return Z[..., M - P :] > 0


def format_code(code) -> str:
    """A regime code as a string of 0s and 1s (``"-"`` for the single code of P = 0).

    The one formatter of codes in reports and plots.

    Parameters
    ----------
    code : bool array-like of shape (P,)
        A regime code.

    Returns
    -------
    text : str

    Examples
    --------
    >>> format_code([True, False, True]), format_code([])
    ('101', '-')
    """
    return "".join("1" if c else "0" for c in np.asarray(code, dtype=bool)) or "-"


def as_code_sequences(codes: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    """(n, T, P) array or list of (T_i, P) arrays -> list of (T_i, P) bool arrays."""
    return [np.asarray(c, dtype=bool) for c in codes]


@dataclass
class RegimeSummary:
    """Which regimes a set of trajectories visits, how often, and how they follow each other.

    Attributes
    ----------
    codes : ndarray of shape (n_regimes, P), bool
        Distinct regime codes, most frequent first.
    counts : ndarray of shape (n_regimes,), int
        Number of time steps spent in each regime.
    frequencies : ndarray of shape (n_regimes,), float
        ``counts / counts.sum()``.
    n_regimes : int
        Number of distinct regimes visited.
    transitions_sparse : scipy.sparse.csr_array of shape (n_regimes, n_regimes), int
        ``transitions_sparse[i, j]`` counts steps from ``codes[i]`` to
        ``codes[j]`` within a sequence (T_i - 1 moves per sequence).
    transitions : ndarray of shape (n_regimes, n_regimes), int64
        The same counts as a dense array, built from ``transitions_sparse``
        on first access.  n_regimes is at most the number of distinct codes
        visited, but that can reach the number of steps for large P: the
        dense array takes 8 * n_regimes**2 bytes (800 MB at 10,000 regimes),
        so use ``transitions_sparse`` or :meth:`transition_counts` then.
    """

    codes: np.ndarray
    counts: np.ndarray
    frequencies: np.ndarray
    n_regimes: int
    transitions_sparse: Any

    @cached_property
    def transitions(self) -> np.ndarray:
        """Dense (n_regimes, n_regimes) int64 transition counts (see the class docstring)."""
        return self.transitions_sparse.toarray().astype(np.int64)

    def transition_counts(self, n_regimes: int | None = None) -> np.ndarray:
        """Dense transition counts among the most frequent regimes.

        Parameters
        ----------
        n_regimes : int or None, default=None
            Keep the n most frequent regimes; None keeps all.

        Returns
        -------
        counts : ndarray of shape (n, n), int64
            The top-left block of ``transitions``, without building all of it.

        Examples
        --------
        >>> summary = regime_summary([np.array([[1], [1], [0]], bool)])
        >>> summary.transition_counts(1).tolist()
        [[1]]
        """
        n = self.n_regimes if n_regimes is None else min(n_regimes, self.n_regimes)
        return self.transitions_sparse[:n, :n].toarray().astype(np.int64)

    def index(self, code) -> int:
        """Row of ``codes`` equal to ``code``.

        Parameters
        ----------
        code : bool array-like of shape (P,)
            A regime code.

        Returns
        -------
        index : int

        Raises
        ------
        ValueError
            If the regime was never visited.

        Examples
        --------
        >>> regime_summary([np.array([[1], [1], [0]], bool)]).index([False])
        1
        """
        code = np.asarray(code, dtype=bool)
        hits = np.flatnonzero((self.codes == code).all(axis=1))
        if hits.size == 0:
            raise ValueError(f"Regime {format_code(code)} was not visited.")
        return int(hits[0])


def _unique_codes(stacked: np.ndarray, P: int):
    """Distinct rows of a (N, P) bool array, the row of each, and their counts.

    Rows are packed into bytes and compared as single opaque values: ~15x
    faster than ``np.unique(axis=0)`` and the same lexicographic order.
    """
    if P == 0:  # one (linear) regime
        return np.zeros((1, 0), bool), np.zeros(len(stacked), np.int64), np.array([len(stacked)])
    packed = np.ascontiguousarray(np.packbits(stacked, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    unique_keys, labels, counts = np.unique(keys, return_inverse=True, return_counts=True)
    unique_packed = unique_keys.view(np.uint8).reshape(len(unique_keys), packed.shape[1])
    unique = np.unpackbits(unique_packed, axis=1, count=P).astype(bool)
    return unique, labels.reshape(-1), counts


def _count_transitions(labels: np.ndarray, lengths: Sequence[int], n_regimes: int):
    """(R, R) sparse counts of consecutive (from, to) labels within each sequence."""
    ends = np.cumsum(lengths)
    within = np.ones(len(labels), dtype=bool)
    within[ends - 1] = False  # the last step of a sequence moves nowhere
    sources, targets = labels[within], labels[np.flatnonzero(within) + 1]
    ones = np.ones(len(sources), dtype=np.int64)
    return sparse.csr_array((ones, (sources, targets)), shape=(n_regimes, n_regimes))


def regime_summary(codes: np.ndarray | Sequence[np.ndarray]) -> RegimeSummary:
    """Summarise regime codes of one or many sequences.

    Parameters
    ----------
    codes : bool array of shape (n, T, P), or list of (T_i, P) bool arrays
        Regime code of every valid step of every sequence.

    Returns
    -------
    summary : RegimeSummary

    Examples
    --------
    >>> import numpy as np
    >>> s = regime_summary([np.array([[1], [1], [0]], bool), np.array([[1]], bool)])
    >>> s.codes.tolist(), s.counts.tolist(), s.transitions.tolist()
    ([[True], [False]], [3, 1], [[1, 1], [0, 0]])
    """
    sequences = as_code_sequences(codes)
    if not sequences:
        raise ValueError(
            "codes must hold at least 1 sequence: an (n, T, P) array or a list of (T_i, P) "
            "arrays. Got an empty one instead."
        )
    P = sequences[0].shape[-1] if sequences[0].ndim == 2 else None
    shapes = sorted({item.shape for item in sequences if item.ndim != 2 or item.shape[1] != P})
    if P is None or shapes or min(len(item) for item in sequences) == 0:
        raise ValueError(
            "codes must be an (n, T, P) array or a list of (T_i, P) arrays with T_i >= 1 and "
            f"one P. Got sequences of shapes {sorted({c.shape for c in sequences})[:5]} instead."
        )
    stacked = np.concatenate(sequences)
    unique, labels, counts = _unique_codes(stacked, P)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = rank[labels]
    transitions = _count_transitions(labels, [len(c) for c in sequences], len(order))
    counts = counts[order].astype(np.int64)
    return RegimeSummary(
        codes=unique[order],
        counts=counts,
        frequencies=counts / counts.sum(),
        n_regimes=len(order),
        transitions_sparse=transitions,
    )
