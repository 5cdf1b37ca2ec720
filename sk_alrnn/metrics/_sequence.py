"""Sequence-level scores for per-step labels: a sequence counts only when all of it is right.

numpy only.  Used for SCAN-like tasks, where one wrong action spoils the whole
action string however many others are right.
"""

from __future__ import annotations

import numpy as np

from ..utils import input_error


def _steps(values, what: str) -> list[np.ndarray]:
    """A list of 1-D arrays from an (n, T) array or a list of (T_i,) arrays."""
    items = [np.asarray(item) for item in values]
    if any(item.ndim != 1 for item in items):
        raise input_error(what, "be an (n, T) array or a list of (T_i,) arrays", "other shapes")
    return items


def exact_match_score(y_true, y_pred, *, sample_weight=None, ignore_label=None) -> float:
    """Fraction of sequences whose every counted step is predicted right.

    Parameters
    ----------
    y_true, y_pred : array of shape (n, T) or list of (T_i,) arrays
        True and predicted labels per step, of the same lengths.
    sample_weight : array of shape (n, T), list of (T_i,) arrays or None, default=None
        Per-step weights: only steps with a non-zero weight count (e.g. the
        action steps of SCAN).  None counts every step.
    ignore_label : object or None, default=None
        Steps whose TRUE label equals it do not count (e.g. SCAN's ``"<pad>"``).

    Returns
    -------
    score : float
        In [0, 1]; every sequence has the same weight.

    Examples
    --------
    >>> y_true = [["<pad>", "a", "b"], ["<pad>", "<pad>", "a"]]
    >>> y_pred = [["x", "a", "b"], ["a", "a", "b"]]
    >>> exact_match_score(y_true, y_pred, ignore_label="<pad>")
    0.5
    >>> exact_match_score(y_true, y_pred, sample_weight=[[0, 1, 1], [0, 0, 0]])
    1.0
    """
    true, pred = _steps(y_true, "y_true"), _steps(y_pred, "y_pred")
    weights = None if sample_weight is None else _steps(sample_weight, "sample_weight")
    if len(true) != len(pred) or any(len(t) != len(p) for t, p in zip(true, pred)):
        raise input_error("y_pred", "have the lengths of y_true", "other lengths")
    if not true:
        raise input_error("y_true", "hold at least one sequence", "none")
    right = []
    for i, (t, p) in enumerate(zip(true, pred)):
        counted = np.ones(len(t), dtype=bool)
        if weights is not None:
            counted &= weights[i] != 0
        if ignore_label is not None:
            counted &= t != ignore_label
        right.append(bool((t[counted] == p[counted]).all()))
    return float(np.mean(right))


def make_exact_match_scorer(ignore_label=None):
    """:func:`exact_match_score` as a ``scoring=`` callable for scikit-learn.

    Parameters
    ----------
    ignore_label : object or None, default=None
        Steps whose true label equals it do not count (SCAN: ``"<pad>"``).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sample_weight=None)`` -> exact match of
        ``estimator.predict(X)`` (greater is better).

    Examples
    --------
    >>> import numpy as np
    >>> class Echo:  # predicts the first feature of each step as its label
    ...     def predict(self, X):
    ...         return [np.asarray(x)[:, 0] for x in X]
    >>> scorer = make_exact_match_scorer(ignore_label=-1)
    >>> X = [np.array([[5.0], [1.0]]), np.array([[5.0], [2.0]])]
    >>> scorer(Echo(), X, [np.array([-1, 1.0]), np.array([-1, 3.0])])
    0.5
    """

    def scorer(estimator, X, y, sample_weight=None) -> float:
        return exact_match_score(
            y, estimator.predict(X), sample_weight=sample_weight, ignore_label=ignore_label
        )

    return scorer
