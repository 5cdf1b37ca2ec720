"""Targets and sample weights, checked against the validated sequences X."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_consistent_length

from ._params import input_error
from ._sequences import SequenceBatch, check_finite, numeric_array, pad_items

__all__ = [
    "check_n_samples",
    "check_regression_targets",
    "check_sample_weight",
    "check_sequence_targets",
    "check_step_labels",
    "check_step_weights",
    "check_y_present",
    "is_per_sequence_list",
]


def check_n_samples(y: Any, batch: SequenceBatch) -> None:
    """Raise if y and X hold different numbers of samples (``check_consistent_length``).

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> check_n_samples(np.zeros(2), as_padded(np.zeros((2, 3))))
    """
    try:
        check_consistent_length(batch.lengths, y)
    except ValueError:
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {len(batch)} "
            f"sequences, y has {len(y)}."
        ) from None


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray:
    """One weight per sequence, ``(n_samples,)`` float64 (None means all ones).

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        Weights; a scalar weighs every sequence alike.
    n_samples : int
        Number of sequences.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)

    Examples
    --------
    >>> check_sample_weight(None, 3).tolist()
    [1.0, 1.0, 1.0]
    """
    if sample_weight is None:
        return np.ones(n_samples)
    weights = numeric_array(sample_weight, "sample_weight").astype(np.float64)
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise input_error(
            "sample_weight",
            f"be None, a number or a 1-D array of {n_samples} weights (one per sequence)",
            f"shape {weights.shape}",
        )
    _check_weight_values(weights)
    return weights


def _check_weight_values(weights: np.ndarray) -> None:
    """Finite, non-negative and not all zero: what a weighted loss can divide by."""
    check_finite(weights, "sample_weight")
    if (weights < 0).any():
        raise ValueError("Negative values in data passed to sample_weight: weights must be >= 0.")
    if not (weights > 0).any():
        raise ValueError("sample_weight must contain at least one non-zero weight.")


def check_regression_targets(y: Any, batch: SequenceBatch) -> np.ndarray:
    """Validate sequence-to-one regression targets: (n,) or (n, k) numbers.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        One target (vector) per sequence.
    batch : SequenceBatch
        The validated X.

    Returns
    -------
    y : ndarray of shape (n_samples, n_targets), float32

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> check_regression_targets([1, 2], as_padded(np.zeros((2, 3)))).shape
    (2, 1)
    """
    target = numeric_array(y, "y")
    if target.ndim not in (1, 2):
        raise input_error("y", "have shape (n,), (n, k) or (n, T, k)", f"shape {target.shape}")
    check_n_samples(target, batch)
    check_finite(target, "y")
    return target.reshape(len(target), -1).astype(np.float32)


def check_y_present(y: Any, owner: str) -> None:
    """Refuse ``y=None`` with scikit-learn's own message.

    Examples
    --------
    >>> check_y_present([1, 2], "ALRNNRegressor")
    """
    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")


def is_per_sequence_list(y: Any) -> bool:
    """Whether a list ``y`` holds one target array per sequence (per-step targets).

    The rule: a list (or tuple) whose items are numpy arrays of ndim >= 1, or
    whose items have different shapes (so they cannot form one array), is one
    item per sequence.  Any other ``y`` -- numbers, or lists of equal length --
    means what ``np.asarray(y)`` means, so a list of lists and the same numbers
    as an array are read alike: (n, k) is one k-vector per sequence.

    Examples
    --------
    >>> is_per_sequence_list([np.arange(3.0), np.arange(3.0)])
    True
    >>> is_per_sequence_list([[0.0, 1.0, 2.0], [0.0, 1.0]])  # different lengths
    True
    >>> is_per_sequence_list([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])  # as np.asarray: (2, 3)
    False
    """
    if not isinstance(y, (list, tuple)) or not y or not all(np.ndim(item) >= 1 for item in y):
        return False
    if all(isinstance(item, np.ndarray) for item in y):
        return True
    return len({np.shape(item) for item in y}) > 1


def check_sequence_targets(y: Any, batch: SequenceBatch) -> np.ndarray:
    """Validate per-step targets and pad them like X.

    Parameters
    ----------
    y : array of shape (n, T, k), or list of (T_i, k) or (T_i,) arrays
        Per-step targets whose lengths match the sequences of X.
    batch : SequenceBatch
        The validated X.

    Returns
    -------
    y : ndarray of shape (n, T_max, k), float32, zero-padded

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> batch = as_padded([np.ones((2, 1)), np.ones((3, 1))])
    >>> check_sequence_targets([np.ones(2), np.ones(3)], batch).shape
    (2, 3, 1)
    """
    if isinstance(y, (list, tuple)):
        items = [numeric_array(item, "y[i]") for item in y]
        items = [item[:, None] if item.ndim == 1 else item for item in items]
        if {item.ndim for item in items} != {2} or len({item.shape[1] for item in items}) != 1:
            raise input_error(
                "A list y",
                "hold (T_i, n_targets) arrays with one n_targets",
                f"shapes {[item.shape for item in items][:5]}",
            )
        lengths = np.array([len(item) for item in items])
        if len(items) != len(batch) or (lengths != batch.lengths).any():
            raise input_error(
                "Each sequence target y[i]",
                "have as many steps as X[i]",
                f"lengths {lengths.tolist()[:5]}... for X lengths {batch.lengths.tolist()[:5]}...",
            )
        padded = pad_items(items, batch.values.shape[1])
    else:
        padded = np.array(numeric_array(y, "y"), dtype=np.float32)  # a copy: padding is zeroed
        if padded.shape[:2] != batch.values.shape[:2]:
            raise ValueError(
                f"Sequence targets y of shape {padded.shape} do not match X's "
                f"(n_samples, n_steps) = {batch.values.shape[:2]}."
            )
    valid = batch.valid_mask()
    check_finite(padded[valid], "y")  # padded steps (NaN-padded X) carry no target
    padded[~valid] = 0.0
    return padded


def _step_items(y: Any, batch: SequenceBatch, what: str) -> list | None:
    """Per-step values as a list of (T_i,) arrays, or None when ``y`` is one value per sequence.

    Per-step forms: a list of 1-D arrays beside a list X, or a 2-D array whose second
    dimension is X's number of steps. A 2-D (n, 1) column (T > 1) is left to the caller
    (scikit-learn's column-vector convention); any other second dimension is an error.
    """
    listed = isinstance(y, (list, tuple)) and batch.ragged and len(y) > 0
    if listed and all(np.ndim(item) == 1 for item in y):
        items = [np.asarray(item) for item in y]
    else:
        listed, array, T = False, np.asarray(y), batch.values.shape[1]
        if array.ndim != 2 or (array.shape[1] == 1 and T != 1):
            return None
        if array.shape[1] != T:
            raise input_error(
                f"A 2-D {what}",
                f"have one column per step of X ({T}; multi-output classification is not "
                "supported)",
                f"shape {array.shape}",
            )
        items = list(array)
    check_n_samples(items, batch)
    lengths = np.array([len(item) for item in items])
    if (lengths != batch.lengths).any() if listed else (lengths < batch.lengths).any():
        raise input_error(
            f"Each per-step {what}[i]",
            "have as many steps as X[i]",
            f"lengths {lengths.tolist()[:5]}... for X lengths {batch.lengths.tolist()[:5]}...",
        )
    return [item[:length] for item, length in zip(items, batch.lengths)]


def check_step_labels(y: Any, batch: SequenceBatch) -> list | None:
    """Per-step class labels, one (T_i,) array per sequence; None if y is one label per sequence.

    Parameters
    ----------
    y : array of shape (n, T), list of (T_i,) arrays beside a list X, or per-sequence labels
        Labels of any type; values on padded steps of an (n, T_max) array are ignored.
    batch : SequenceBatch
        The validated X.

    Returns
    -------
    labels : list of (T_i,) arrays (valid steps only), or None

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> batch = as_padded(np.zeros((2, 3)))
    >>> [v.tolist() for v in check_step_labels([["a", "b", "a"], ["b", "b", "b"]], batch)]
    [['a', 'b', 'a'], ['b', 'b', 'b']]
    >>> check_step_labels(["a", "b"], batch) is None
    True
    """
    return _step_items(y, batch, "y")


def check_step_weights(sample_weight: Any, batch: SequenceBatch) -> np.ndarray:
    """Per-step sample weights, padded like X (0 on padded steps).

    Parameters
    ----------
    sample_weight : array of shape (n, T), list of (T_i,) arrays, or array of shape (n,)
        The form of per-step labels, or one weight per sequence (for all its steps).
        Non-negative, finite, not all zero.
    batch : SequenceBatch
        The validated X.

    Returns
    -------
    weights : ndarray of shape (n, T_max), float64

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> batch = as_padded([np.ones((2, 1)), np.ones((3, 1))])
    >>> check_step_weights([np.ones(2), np.full(3, 2.0)], batch).tolist()
    [[1.0, 1.0, 0.0], [2.0, 2.0, 2.0]]
    """
    items = _step_items(sample_weight, batch, "sample_weight")
    if items is None:
        if np.ndim(sample_weight) != 1 or len(sample_weight) != len(batch):
            raise input_error(
                "sample_weight",
                f"have the form of the per-step y (an (n, T) array or a list of (T_i,) arrays) "
                f"or shape (n,) = ({len(batch)},)",
                f"shape {np.shape(sample_weight)}",
            )
        items = [np.full(length, w) for w, length in zip(sample_weight, batch.lengths)]
    weights = np.zeros(batch.values.shape[:2])
    for i, item in enumerate(items):
        weights[i, : len(item)] = numeric_array(item, "sample_weight")
    _check_weight_values(weights)
    return weights
