"""Regime codes and their summary: which linear regimes a trajectory visits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Union

import numpy as np

__all__ = ["RegimeSummary", "codes_from_states", "regime_summary"]


def codes_from_states(Z: np.ndarray, P: int) -> np.ndarray:
    """Regime codes of latent states: ``Z[..., M-P:] > 0``, shape (..., P).

    Examples
    --------
    >>> import numpy as np
    >>> codes_from_states(np.array([[0.5, -1.0, 2.0]]), P=2).tolist()
    [[False, True]]
    """
    Z = np.asarray(Z)
    return Z[..., Z.shape[-1] - P:] > 0


def as_code_sequences(codes: Union[np.ndarray, Sequence[np.ndarray]]) -> List[np.ndarray]:
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
    transitions : ndarray of shape (n_regimes, n_regimes), int
        ``transitions[i, j]`` counts steps from ``codes[i]`` to ``codes[j]``
        within a sequence (T_i - 1 moves per sequence).  When n_regimes**2
        exceeds 2**22 (thousands of regimes, e.g. large P on long data) it is
        a ``scipy.sparse.csr_array`` instead, so memory stays bounded.
    """

    codes: np.ndarray
    counts: np.ndarray
    frequencies: np.ndarray
    n_regimes: int
    transitions: np.ndarray

    def transition_counts(self, n_regimes: Optional[int] = None) -> np.ndarray:
        """Dense (n, n) transition counts among the n most frequent regimes (all by default).

        Works whether ``transitions`` is dense or sparse.
        """
        n = self.n_regimes if n_regimes is None else min(n_regimes, self.n_regimes)
        return dense_block(self.transitions, n)

    def index(self, code) -> int:
        """Row of ``codes`` equal to ``code``; ValueError if it was never visited."""
        code = np.asarray(code, dtype=bool)
        hits = np.flatnonzero((self.codes == code).all(axis=1))
        if hits.size == 0:
            raise ValueError(f"Regime {code.astype(int).tolist()} was not visited.")
        return int(hits[0])


def dense_block(matrix, n: int) -> np.ndarray:
    """The top-left (n, n) block of a dense or scipy-sparse matrix, as a numpy array."""
    block = matrix[:n, :n]
    return block.toarray() if hasattr(block, "toarray") else np.array(block)


_MAX_DENSE_TRANSITIONS = 2 ** 22  # R * R entries (32 MiB of int64); beyond, sparse


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
    """(R, R) counts of consecutive (from, to) labels within each sequence.

    Dense up to ``_MAX_DENSE_TRANSITIONS`` entries, a scipy CSR array beyond
    (e.g. P = 64 where nearly every step is its own regime).
    """
    ends = np.cumsum(lengths)
    within = np.ones(len(labels), dtype=bool)
    within[ends - 1] = False  # the last step of a sequence moves nowhere
    sources, targets = labels[within], labels[np.flatnonzero(within) + 1]
    if n_regimes * n_regimes <= _MAX_DENSE_TRANSITIONS:
        flat = np.bincount(sources * n_regimes + targets, minlength=n_regimes * n_regimes)
        return flat.reshape(n_regimes, n_regimes).astype(np.int64)
    from scipy import sparse

    ones = np.ones(len(sources), dtype=np.int64)
    return sparse.csr_array((ones, (sources, targets)), shape=(n_regimes, n_regimes))


def regime_summary(codes: Union[np.ndarray, Sequence[np.ndarray]]) -> RegimeSummary:
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
    P = sequences[0].shape[-1]
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
        transitions=transitions,
    )
