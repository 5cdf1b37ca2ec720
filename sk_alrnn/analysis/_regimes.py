"""Regime codes and their summary: which linear regimes a trajectory visits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence, Union

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
        within a sequence (T_i - 1 moves per sequence).
    """

    codes: np.ndarray
    counts: np.ndarray
    frequencies: np.ndarray
    n_regimes: int
    transitions: np.ndarray

    def index(self, code) -> int:
        """Row of ``codes`` equal to ``code``; ValueError if it was never visited."""
        code = np.asarray(code, dtype=bool)
        hits = np.flatnonzero((self.codes == code).all(axis=1))
        if hits.size == 0:
            raise ValueError(f"Regime {code.astype(int).tolist()} was not visited.")
        return int(hits[0])


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
    if P == 0:  # one (linear) regime; np.unique cannot take zero-width rows
        unique, labels = np.zeros((1, 0), bool), np.zeros(len(stacked), np.int64)
        counts = np.array([len(stacked)])
    else:
        unique, labels, counts = np.unique(
            stacked, axis=0, return_inverse=True, return_counts=True
        )
        labels = labels.reshape(-1)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    labels = rank[labels]
    transitions = np.zeros((len(order), len(order)), dtype=np.int64)
    start = 0
    for c in sequences:
        seq_labels = labels[start: start + len(c)]
        np.add.at(transitions, (seq_labels[:-1], seq_labels[1:]), 1)
        start += len(c)
    counts = counts[order].astype(np.int64)
    return RegimeSummary(
        codes=unique[order],
        counts=counts,
        frequencies=counts / counts.sum(),
        n_regimes=len(order),
        transitions=transitions,
    )
