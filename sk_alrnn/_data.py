"""Input conventions: every accepted form of X (and sequence targets) -> padded float32.

Accepted X (see API.md):

* ``(n, T, F)`` array -- n sequences of T steps with F features;
* ``(n, T)`` array -- univariate sequences (F = 1);
* a list of ``(T_i, F)`` arrays -- variable-length sequences (a list of 1-D
  arrays of unequal lengths is read as univariate sequences).

Every input error is raised here, as a ValueError that says what was expected
and what was got, before any estimator state is touched.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

__all__ = [
    "SequenceBatch",
    "as_padded",
    "check_n_samples",
    "check_sequence_targets",
    "check_step_labels",
    "check_step_weights",
    "check_weights",
    "unpad",
]


@dataclass
class SequenceBatch:
    """Padded sequences and the information needed to undo the padding.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_steps, n_features), float32
        Sequences, zero-padded after each sequence's last valid step.
    lengths : ndarray of shape (n_samples,), int64
        Number of valid steps of each sequence.
    ragged : bool
        True when the input was a list of sequences, so outputs are lists too.
    """

    values: np.ndarray
    lengths: np.ndarray
    ragged: bool

    @property
    def n_features(self) -> int:
        return self.values.shape[2]

    def __len__(self) -> int:
        return self.values.shape[0]


def _reject_sparse(X: Any, name: str) -> None:
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{name} does not accept sparse input: sequences must be dense arrays "
            "of shape (n_samples, n_steps[, n_features]) or a list of 2-D arrays."
        )


def _as_float_array(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported: {what} has dtype {array.dtype}.")
    if array.dtype.kind not in "biuf":
        # Object arrays of numbers are fine; anything else fails like np.asarray
        # would (TypeError for non-numbers such as dicts).
        try:
            array = array.astype(np.float64)
        except ValueError as exc:
            raise ValueError(f"{what} must hold numbers; got dtype {array.dtype} ({exc}).") from exc
    return array


def _check_finite(array: np.ndarray, what: str) -> None:
    if not np.isfinite(array).all():
        raise ValueError(f"Input {what} contains NaN or infinity.")


def _split_list(X: Sequence) -> list:
    """Turn a list input into a list of (T_i, F) arrays, or None for (n, T) rows."""
    items = [_as_float_array(item, "X[i]") for item in X]
    ndims = {item.ndim for item in items}
    if ndims == {1} and len({len(item) for item in items}) == 1:
        return None  # equal-length rows: the (n, T) univariate convention
    if ndims == {1}:
        return [item[:, None] for item in items]
    if ndims != {2}:
        raise ValueError(
            "A list X must hold 2-D arrays of shape (T_i, n_features) "
            f"(or 1-D univariate sequences); got arrays with ndim {sorted(ndims)}."
        )
    n_features = {item.shape[1] for item in items}
    if len(n_features) > 1:
        raise ValueError(
            f"All sequences in X must have the same number of features; got {sorted(n_features)}."
        )
    return items


def _pad(items: list) -> SequenceBatch:
    lengths = np.array([len(item) for item in items], dtype=np.int64)
    if (lengths == 0).any():
        raise ValueError(
            f"Every sequence needs at least one step; sequence {int(np.argmin(lengths))} is empty."
        )
    values = np.zeros((len(items), lengths.max(), items[0].shape[1]), dtype=np.float32)
    for i, item in enumerate(items):
        values[i, : len(item)] = item
    return SequenceBatch(values, lengths, ragged=True)


def as_padded(
    X: Any, *, n_features: Optional[int] = None, estimator_name: str = "This estimator"
) -> SequenceBatch:
    """Validate X and return it as a padded float32 batch.

    Parameters
    ----------
    X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        Input sequences.
    n_features : int, optional
        The number of features seen at fit; a different F raises ValueError.
    estimator_name : str
        Used in error messages.

    Returns
    -------
    batch : SequenceBatch

    Examples
    --------
    >>> import numpy as np
    >>> batch = as_padded([np.ones((3, 2)), np.ones((5, 2))])
    >>> batch.values.shape, batch.lengths.tolist(), batch.ragged
    ((2, 5, 2), [3, 5], True)
    """
    _reject_sparse(X, estimator_name)
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("X is empty: it holds 0 sequences; at least 1 is required.")
    items = _split_list(X) if isinstance(X, (list, tuple)) else None
    if items is not None:
        batch = _pad(items)
        _check_finite(batch.values, "X")
    else:
        batch = _pad_regular(_as_float_array(X, "X"))
    if n_features is not None and batch.n_features != n_features:
        raise ValueError(
            f"X has {batch.n_features} features, but {estimator_name} is expecting "
            f"{n_features} features as input."
        )
    return batch


def _pad_regular(array: np.ndarray) -> SequenceBatch:
    shape = array.shape
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise ValueError(
            "X must be a 3-D array (n_samples, n_steps, n_features), a 2-D array "
            "(n_samples, n_steps) of univariate sequences, or a list of 2-D arrays; "
            f"got an array with ndim={array.ndim} and shape {array.shape}. "
            "Reshape your data: a single univariate sequence is X.reshape(1, -1), "
            "a single multivariate one X[None]."
        )
    n, T, F = array.shape
    if n == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={shape}) while a minimum of 1 is required: "
            "X is empty."
        )
    if T == 0 or F == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={shape}) while a minimum of 1 is required: "
            "every sequence needs at least 1 step and 1 feature."
        )
    _check_finite(array, "X")
    values = np.ascontiguousarray(array, dtype=np.float32)
    return SequenceBatch(values, np.full(n, T, dtype=np.int64), ragged=False)


def check_sequence_targets(y: Any, batch: SequenceBatch) -> np.ndarray:
    """Validate per-step targets and pad them like X: returns (n, T_max, k) float32.

    ``y`` is an (n, T, k) array or a list of (T_i, k) (or (T_i,)) arrays whose
    lengths match the sequences of X.
    """
    if isinstance(y, (list, tuple)):
        items = [_as_float_array(item, "y[i]") for item in y]
        items = [item[:, None] if item.ndim == 1 else item for item in items]
        if {item.ndim for item in items} != {2} or len({item.shape[1] for item in items}) != 1:
            raise ValueError("A list y must hold (T_i, n_targets) arrays with one n_targets.")
        lengths = np.array([len(item) for item in items])
        if len(items) != len(batch) or (lengths != batch.lengths).any():
            raise ValueError(
                "Each sequence target y[i] must have as many steps as X[i]; "
                f"got lengths {lengths.tolist()[:5]}... for X lengths {batch.lengths.tolist()[:5]}..."
            )
        padded = np.zeros((len(items), batch.values.shape[1], items[0].shape[1]), np.float32)
        for i, item in enumerate(items):
            padded[i, : len(item)] = item
    else:
        padded = np.ascontiguousarray(_as_float_array(y, "y"), dtype=np.float32)
        if padded.shape[:2] != batch.values.shape[:2]:
            raise ValueError(
                f"Sequence targets y of shape {padded.shape} do not match X's "
                f"(n_samples, n_steps) = {batch.values.shape[:2]}."
            )
    _check_finite(padded, "y")
    return padded


def check_n_samples(y: Any, batch: SequenceBatch) -> None:
    """Raise if y and X hold different numbers of samples."""
    if len(y) != len(batch):
        raise ValueError(
            f"X and y have inconsistent numbers of samples: X has {len(batch)} "
            f"sequences, y has {len(y)}."
        )


def unpad(values: np.ndarray, batch: SequenceBatch):
    """Per-step outputs (n, T_max, ...) back in the input's convention.

    A list of (T_i, ...) arrays for ragged input, else the array itself.
    """
    if not batch.ragged:
        return values
    return [values[i, :length] for i, length in enumerate(batch.lengths)]


def _step_items(y: Any, batch: SequenceBatch, what: str) -> Optional[list]:
    """Per-step values as a list of (T_i,) arrays, or None when ``y`` is one value per sequence.

    Per-step forms: a list of 1-D arrays beside a list X, or a 2-D array whose second
    dimension is X's number of steps. A 2-D (n, 1) column (T > 1) is left to the caller
    (scikit-learn's column-vector convention); any other second dimension is an error.
    """
    listed = isinstance(y, (list, tuple)) and batch.ragged and len(y) > 0
    if listed and all(np.ndim(v) == 1 for v in y):
        items = [np.asarray(v) for v in y]
    else:
        listed = False
        array = np.asarray(y)
        T = batch.values.shape[1]
        if array.ndim != 2 or (array.shape[1] == 1 and T != 1):
            return None
        if array.shape[1] != T:
            raise ValueError(
                f"A 2-D {what} must have one column per step of X: got shape {array.shape}, "
                f"but X has {T} steps (multi-output classification is not supported)."
            )
        items = list(array)
    lengths = np.array([len(v) for v in items])
    if len(items) != len(batch):
        check_n_samples(items, batch)
    if (lengths != batch.lengths).any() if listed else (lengths < batch.lengths).any():
        raise ValueError(
            f"Each per-step {what}[i] must have as many steps as X[i]; got lengths "
            f"{lengths.tolist()[:5]}... for X lengths {batch.lengths.tolist()[:5]}..."
        )
    return [v[:length] for v, length in zip(items, batch.lengths)]


def check_step_labels(y: Any, batch: SequenceBatch) -> Optional[list]:
    """Per-step class labels, one (T_i,) array per sequence (valid steps only); None if y is per sequence.

    Examples
    --------
    >>> import numpy as np
    >>> batch = as_padded(np.zeros((2, 3)))
    >>> [v.tolist() for v in check_step_labels([["a", "b", "a"], ["b", "b", "b"]], batch)]
    [['a', 'b', 'a'], ['b', 'b', 'b']]
    >>> check_step_labels(["a", "b"], batch) is None
    True
    """
    return _step_items(y, batch, "y")


def check_step_weights(sample_weight: Any, batch: SequenceBatch) -> np.ndarray:
    """Per-step sample weights (same forms as per-step labels, or one weight per sequence).

    Returns
    -------
    weights : ndarray of shape (n, T_max), float32, 0 on padded steps.
    """
    items = _step_items(sample_weight, batch, "sample_weight")
    if items is None:
        per_sequence = np.asarray(sample_weight, dtype=np.float64)
        if per_sequence.shape != (len(batch),):
            raise ValueError(
                f"sample_weight must have the form of the per-step y (an (n, T) array or a list "
                f"of (T_i,) arrays) or shape (n,) = ({len(batch)},); got {per_sequence.shape}."
            )
        items = [np.full(length, w) for w, length in zip(per_sequence, batch.lengths)]
    weights = np.zeros(batch.values.shape[:2], dtype=np.float32)
    for i, item in enumerate(items):
        weights[i, : len(item)] = _as_float_array(item, "sample_weight")
    check_weights(weights)
    return weights


def check_weights(weights: np.ndarray) -> None:
    """Raise ValueError for NaN, infinite or negative weights, or weights that are all zero."""
    _check_finite(weights, "sample_weight")
    if (weights < 0).any():
        raise ValueError("sample_weight contains negative values; weights must be >= 0.")
    if not (weights > 0).any():
        raise ValueError("sample_weight is zero everywhere: at least one weight must be positive.")
