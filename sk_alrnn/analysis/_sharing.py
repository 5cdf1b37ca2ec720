"""Shared regimes across tasks: which linear regimes each task uses, and how many it shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._regimes import _unique_codes, as_code_sequences

__all__ = ["TaskRegimeSharing", "task_regime_sharing"]


@dataclass
class TaskRegimeSharing:
    """Regime use per task and the overlap between tasks.

    Attributes
    ----------
    tasks : ndarray of shape (K,)
        Distinct task labels, sorted.
    codes : ndarray of shape (R, P), bool
        Every regime visited on the data, most frequent (over all tasks) first.
    occupancy : ndarray of shape (K, R)
        ``occupancy[k, r]``: fraction of task k's steps spent in regime r
        (rows sum to 1).
    threshold : float
        Minimum occupancy for a task to count as *using* a regime.
    used : ndarray of shape (K, R), bool
        ``occupancy >= threshold``.
    sharing : ndarray of shape (K, K)
        Occupancy-weighted overlap of the tasks' regime sets (see
        :func:`task_regime_sharing`), in [0, 1], symmetric.
    switch_rates : ndarray of shape (K, P)
        ``switch_rates[k, p]``: fraction of task k's steps t -> t+1 (within a
        sequence) at which ReLU unit p (latent unit M-P+p) flips on or off.
    n_steps : ndarray of shape (K,), int
        Number of steps of each task's sequences.
    """

    tasks: np.ndarray
    codes: np.ndarray
    occupancy: np.ndarray
    threshold: float
    used: np.ndarray
    sharing: np.ndarray
    switch_rates: np.ndarray
    n_steps: np.ndarray

    @property
    def n_tasks_per_regime(self) -> np.ndarray:
        """(R,) int: how many tasks use each regime."""
        return self.used.sum(axis=0)

    @property
    def mean_sharing(self) -> float:
        """Mean of ``sharing`` over distinct task pairs (1.0 for a single task)."""
        K = len(self.tasks)
        if K < 2:
            return 1.0
        return float(self.sharing[~np.eye(K, dtype=bool)].mean())

    def _task_index(self, task: Any) -> int:
        hits = np.flatnonzero(self.tasks == task)
        if hits.size == 0:
            raise ValueError(f"Unknown task {task!r}; tasks are {self.tasks.tolist()}.")
        return int(hits[0])

    def regimes_of(self, task: Any) -> np.ndarray:
        """Indices (into ``codes``) of the regimes ``task`` uses, most occupied first."""
        k = self._task_index(task)
        regimes = np.flatnonzero(self.used[k])
        return regimes[np.argsort(-self.occupancy[k, regimes], kind="stable")]

    def switching_units(self, task: Any, min_rate: float = 0.01) -> np.ndarray:
        """ReLU-unit indices (0..P-1) that flip on at least ``min_rate`` of the task's steps."""
        return np.flatnonzero(self.switch_rates[self._task_index(task)] >= min_rate)

    def cluster_order(self) -> np.ndarray:
        """Task order that puts tasks sharing many regimes next to each other.

        Average-linkage clustering of the distance ``1 - sharing`` (scipy),
        leaves in dendrogram order.
        """
        K = len(self.tasks)
        if K < 3:
            return np.arange(K)
        from scipy.cluster.hierarchy import leaves_list, linkage
        from scipy.spatial.distance import squareform

        distance = np.clip(1.0 - self.sharing, 0.0, None)
        np.fill_diagonal(distance, 0.0)
        return leaves_list(linkage(squareform(distance, checks=False), method="average"))

    def to_text(self, n_regimes: int = 8) -> str:
        """Plain-text summary: regimes per task, shared regimes, sharing, switching units.

        Parameters
        ----------
        n_regimes : int, default=8
            List at most this many regimes per task.

        Returns
        -------
        report : str
        """
        P = self.codes.shape[1]
        n_used = self.used.any(axis=0).sum()
        shared = int((self.n_tasks_per_regime >= 2).sum())
        lines = [
            (
                f"{len(self.tasks)} tasks, P={P}: {len(self.codes)} regimes visited, {n_used} used "
                f"(occupancy >= {self.threshold:g}) by some task, {shared} shared by >= 2 tasks; "
                f"mean pairwise sharing {self.mean_sharing:.2f}"
            ),
            "regimes per task (occupancy; * = shared with another task):",
        ]
        width = max(len(str(t)) for t in self.tasks)
        for k, task in enumerate(self.tasks):
            regimes = self.regimes_of(task)
            shared = self.n_tasks_per_regime >= 2
            cells = [
                f"R{r}{'*' if shared[r] else ''} {100 * self.occupancy[k, r]:.0f}%"
                for r in regimes[:n_regimes]
            ]
            more = f" +{len(regimes) - n_regimes} more" if len(regimes) > n_regimes else ""
            units = " ".join(f"relu{p}" for p in self.switching_units(task)) or "none"
            lines.append(
                f"  {task!s:{width}s}  {len(regimes):3d} regimes: {', '.join(cells)}{more}"
                f"  | switching ReLU units: {units}"
            )
        if len(self.tasks) > 1:
            order = self.cluster_order()
            lines.append("sharing (tasks clustered):")
            lines.append(
                "  " + " " * width + "  " + " ".join(f"{str(self.tasks[j])[:5]:>5s}" for j in order)
            )
            for i in order:
                row = " ".join(f"{self.sharing[i, j]:5.2f}" for j in order)
                lines.append(f"  {self.tasks[i]!s:{width}s}  {row}")
        return "\n".join(lines)


def _codes_of(model_or_codes, X) -> list[np.ndarray]:
    if hasattr(model_or_codes, "regime_codes"):
        if X is None:
            raise ValueError("X is required to compute regime codes from a fitted estimator.")
        return as_code_sequences(model_or_codes.regime_codes(X))
    if X is not None:
        raise ValueError("X is only used with a fitted estimator; regime codes were given.")
    return as_code_sequences(model_or_codes)


def _switch_rates(sequences: Sequence[np.ndarray], which: np.ndarray, K: int, P: int) -> np.ndarray:
    """(K, P) fraction of each task's within-sequence steps at which each unit flips."""
    flips, moves = np.zeros((K, P)), np.zeros(K)
    for c, k in zip(sequences, which):
        flips[k] += (c[1:] != c[:-1]).sum(axis=0)
        moves[k] += max(len(c) - 1, 0)
    return flips / np.maximum(moves, 1.0)[:, None]


def task_regime_sharing(
    model_or_codes: Any | np.ndarray | Sequence[np.ndarray],
    tasks: Sequence[Any],
    X: Any | None = None,
    *,
    threshold: float = 0.01,
) -> TaskRegimeSharing:
    """Which regimes each task uses and how strongly tasks share them.

    Parameters
    ----------
    model_or_codes : fitted AL-RNN estimator, or bool array (n, T, P) / list of (T_i, P) arrays
        An estimator is used duck-typed through ``regime_codes(X)``;
        otherwise the regime codes of every valid step of every sequence.
    tasks : array-like of shape (n,)
        Task label of each sequence (any type), e.g. from
        ``load_neurogym(..., return_task=True)``.
    X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays, optional
        Sequences to run the estimator on (only with an estimator).
    threshold : float, default=0.01
        A task *uses* a regime when it spends at least this fraction of its
        steps there; rarer visits are ignored by ``used`` and ``sharing``.

    Returns
    -------
    result : TaskRegimeSharing

    See Also
    --------
    regime_usage : Occupancy per label of given regime indices.
    sk_alrnn.plotting.plot_task_regime_sharing : Heat map of the occupancy.

    Notes
    -----
    With o_k the occupancy of task k and U_k = {r : o_k[r] >= threshold} its
    regime set, the sharing of tasks k and l is

        S[k, l] = 1/2 * (sum_{r in U_k & U_l} o_k[r] + sum_{r in U_k & U_l} o_l[r]),

    the fraction of each task's time spent in regimes the other task also
    uses, averaged over the two. S = 1 when both tasks live in the same
    regimes (whatever the proportions), 0 when their regime sets are
    disjoint; S[k, k] is the fraction of task k's time in its used regimes
    (1 minus its rare visits). With P = 0 there is one regime, so every pair
    shares fully; with large P nearly every step is its own regime, few
    regimes pass the threshold and sharing falls towards 0.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.array([[0, 0], [0, 1], [0, 1]], bool)   # task "a": regimes 00, 01
    >>> b = np.array([[0, 1], [1, 1], [1, 1]], bool)   # task "b": regimes 01, 11
    >>> result = task_regime_sharing([a, b], ["a", "b"])
    >>> result.occupancy.shape, result.used.sum(axis=1).tolist()
    ((2, 3), [2, 2])
    >>> round(float(result.sharing[0, 1]), 3)  # 2/3 of a's steps, 1/3 of b's in 01
    0.5
    >>> result.switching_units("b").tolist()
    [0]
    """
    sequences = _codes_of(model_or_codes, X)
    tasks = np.asarray(tasks)
    if tasks.ndim != 1 or len(tasks) != len(sequences):
        raise ValueError(
            f"tasks must hold one label per sequence: got shape {tasks.shape} for "
            f"{len(sequences)} sequences."
        )
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1]. Got {threshold!r} instead.")
    P = sequences[0].shape[-1]
    names, which = np.unique(tasks, return_inverse=True)
    unique, labels, counts = _unique_codes(np.concatenate(sequences), P)
    order = np.argsort(-counts, kind="stable")  # most frequent first, as regime_summary
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    step_task = np.repeat(which, [len(c) for c in sequences])
    counts_kr = np.zeros((len(names), len(order)))
    np.add.at(counts_kr, (step_task, rank[labels]), 1.0)
    n_steps = counts_kr.sum(axis=1)
    occupancy = counts_kr / np.maximum(n_steps, 1.0)[:, None]
    used = occupancy >= threshold
    within = np.einsum("kr,kr,lr->kl", occupancy, used, used)  # sum over U_k & U_l of o_k
    return TaskRegimeSharing(
        tasks=names,
        codes=unique[order],
        occupancy=occupancy,
        threshold=float(threshold),
        used=used,
        sharing=(within + within.T) / 2,
        switch_rates=_switch_rates(sequences, which, len(names), P),
        n_steps=n_steps.astype(np.int64),
    )
