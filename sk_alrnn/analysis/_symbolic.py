"""Symbolic dynamics of data: regime sequences, dwell times, transitions, usage, switching."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np

from ._regimes import RegimeSummary, as_code_sequences

__all__ = [
    "dwell_times",
    "regime_sequences",
    "regime_usage",
    "regime_usage_over_time",
    "switching_units",
    "transition_probabilities",
    "unit_switches",
]

Codes = Union[np.ndarray, Sequence[np.ndarray]]


def regime_sequences(codes: Codes, summary: RegimeSummary) -> list[np.ndarray]:
    """Each sequence's codes as regime indices into ``summary.codes``.

    Parameters
    ----------
    codes : bool array of shape (n, T, P), or list of (T_i, P) bool arrays
    summary : RegimeSummary

    Returns
    -------
    sequences : list of int arrays of shape (T_i,)
        Row index into ``summary.codes``; -1 for a code the summary does not list.

    Examples
    --------
    >>> from sk_alrnn.analysis import regime_summary
    >>> s = regime_summary([[[1], [1], [0]]])
    >>> [q.tolist() for q in regime_sequences([[[0], [1]]], s)]
    [[1, 0]]
    """
    sequences = []
    for c in as_code_sequences(codes):
        match = (c[:, None, :] == summary.codes[None, :, :]).all(axis=-1)  # (T_i, R)
        sequences.append(np.where(match.any(axis=1), match.argmax(axis=1), -1))
    return sequences


def dwell_times(sequences: Sequence[np.ndarray], n_regimes: int) -> list[np.ndarray]:
    """Lengths of the uninterrupted runs spent in each regime.

    Runs cut by a sequence's start or end are counted with their observed length.

    Parameters
    ----------
    sequences : list of int arrays
        Regime indices, as from :func:`regime_sequences`.
    n_regimes : int

    Returns
    -------
    dwell : list of n_regimes int arrays
        ``dwell[r]`` holds one run length per visit to regime r.

    Examples
    --------
    >>> [d.tolist() for d in dwell_times([np.array([0, 0, 1, 0]), np.array([1])], 2)]
    [[2, 1], [1, 1]]
    """
    runs: list[list] = [[] for _ in range(n_regimes)]
    for seq in sequences:
        seq = np.asarray(seq)
        if seq.size == 0:
            continue
        starts = np.flatnonzero(np.r_[True, seq[1:] != seq[:-1]])
        lengths = np.diff(np.r_[starts, seq.size])
        for regime, length in zip(seq[starts], lengths):
            if regime >= 0:
                runs[regime].append(length)
    return [np.array(r, dtype=np.int64) for r in runs]


def transition_probabilities(transitions) -> np.ndarray:
    """Row-normalised transition counts: P[i, j] = Pr(next regime j | regime i).

    Rows of regimes never left within a sequence (no outgoing moves) stay 0.

    Examples
    --------
    >>> transition_probabilities([[3, 1], [0, 0]]).tolist()
    [[0.75, 0.25], [0.0, 0.0]]
    """
    if hasattr(transitions, "toarray"):  # sparse (very many regimes): stay sparse
        totals = np.asarray(transitions.sum(axis=1), dtype=np.float64).ravel()
        scale = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
        return transitions.multiply(scale[:, None]).tocsr()
    counts = np.asarray(transitions, dtype=np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def _occupancy(indices: np.ndarray, n_regimes: int) -> np.ndarray:
    """Fraction of the given steps spent in each regime (zeros when there are none)."""
    indices = indices[indices >= 0]
    counts = np.bincount(indices, minlength=n_regimes).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def regime_usage(
    sequences: Sequence[np.ndarray], n_regimes: int, labels=None
) -> tuple[np.ndarray, np.ndarray]:
    """Regime occupancy per class or condition label.

    Parameters
    ----------
    sequences : list of int arrays
        Regime indices, one array per sequence.
    n_regimes : int
    labels : array of shape (n_sequences,), optional
        One label per sequence; all sequences form one group when None.

    Returns
    -------
    groups : ndarray of shape (L,)
        Sorted distinct labels (``[None]`` without labels).
    usage : ndarray of shape (L, n_regimes)
        Fraction of the group's steps spent in each regime; rows sum to 1.

    Examples
    --------
    >>> groups, usage = regime_usage([np.array([0, 0]), np.array([1, 0])], 2, labels=["a", "b"])
    >>> groups.tolist(), usage.tolist()
    (['a', 'b'], [[1.0, 0.0], [0.5, 0.5]])
    """
    if labels is None:
        groups, which = np.array([None]), np.zeros(len(sequences), dtype=np.int64)
    else:
        labels = np.asarray(labels)
        if len(labels) != len(sequences):
            raise ValueError(
                f"labels has {len(labels)} entries, but there are {len(sequences)} sequences."
            )
        groups, which = np.unique(labels, return_inverse=True)
    usage = np.zeros((len(groups), n_regimes))
    for g in range(len(groups)):
        members = [np.asarray(sequences[i]) for i in np.flatnonzero(which.reshape(-1) == g)]
        usage[g] = _occupancy(np.concatenate(members), n_regimes)
    return groups, usage


def regime_usage_over_time(
    sequences: Sequence[np.ndarray], n_regimes: int, n_windows: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Regime occupancy in consecutive windows of the time index t.

    Parameters
    ----------
    sequences : list of int arrays
    n_regimes : int
    n_windows : int, default=10
        Number of equal windows over t = 0 .. max(T_i) - 1 (fewer if the
        sequences are shorter).

    Returns
    -------
    edges : int ndarray of shape (W + 1,)
        Window w covers steps ``edges[w] <= t < edges[w + 1]``.
    usage : ndarray of shape (W, n_regimes)
        Fraction of the window's steps (over all sequences) in each regime.

    Examples
    --------
    >>> edges, usage = regime_usage_over_time([np.array([0, 0, 1, 1])], 2, n_windows=2)
    >>> edges.tolist(), usage.tolist()
    ([0, 2, 4], [[1.0, 0.0], [0.0, 1.0]])
    """
    T = max(len(s) for s in sequences)
    edges = np.unique(np.linspace(0, T, min(n_windows, T) + 1).round().astype(np.int64))
    usage = np.zeros((len(edges) - 1, n_regimes))
    for w in range(len(edges) - 1):
        window = [np.asarray(s)[edges[w] : edges[w + 1]] for s in sequences]
        usage[w] = _occupancy(np.concatenate(window), n_regimes)
    return edges, usage


def unit_switches(codes: Codes) -> list[np.ndarray]:
    """Which ReLU units flip at each step, and which way.

    Parameters
    ----------
    codes : bool array of shape (n, T, P), or list of (T_i, P) bool arrays

    Returns
    -------
    switches : list of int8 arrays of shape (T_i - 1, P)
        ``switches[i][t, p]`` is +1 if unit M-P+p turns on between steps t and
        t+1 of sequence i, -1 if it turns off, 0 otherwise. Summing
        ``abs(...)`` over steps attributes every regime change to its units.

    Examples
    --------
    >>> unit_switches([[[0, 1], [1, 1], [1, 0]]])[0].tolist()
    [[1, 0], [0, -1]]
    """
    return [np.diff(c.astype(np.int8), axis=0) for c in as_code_sequences(codes)]


def switching_units(code_from, code_to) -> np.ndarray:
    """ReLU-unit indices (0..P-1) whose state differs between two regime codes.

    Examples
    --------
    >>> switching_units([True, False, True], [True, True, False]).tolist()
    [1, 2]
    """
    return np.flatnonzero(np.asarray(code_from, bool) != np.asarray(code_to, bool))
