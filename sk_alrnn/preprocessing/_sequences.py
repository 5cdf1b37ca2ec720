"""Sequence input for the transformers: every accepted form of X -> a list of (T_i, F) arrays.

The estimators pad sequences to float32 (``sk_alrnn._data``); a transformer must
instead keep the caller's float dtype (float64 stays float64, as scikit-learn's
transformers do) and hand back the form it was given.  So here each sequence is
validated with scikit-learn's ``check_array`` and kept unpadded; the accepted
forms and their meaning are those of ``sk_alrnn._data.as_padded`` (API.md).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from sklearn.utils.validation import FLOAT_DTYPES, check_array

__all__ = ["Sequences", "check_sequences"]


@dataclass
class Sequences:
    """Validated sequences and the input form to answer in.

    Attributes
    ----------
    items : list of ndarray of shape (T_i, F)
        One float array per sequence (views of the input where possible).
    form : {"3d", "2d", "list"}
        ``(n, T, F)`` array, ``(n, T)`` array of univariate sequences, or list.
    univariate_list : bool
        A list of 1-D ``(T_i,)`` arrays: one-feature outputs are 1-D again.
    """

    items: list[np.ndarray]
    form: str
    univariate_list: bool = False

    @property
    def n_features(self) -> int:
        return self.items[0].shape[1]

    def concatenated(self) -> np.ndarray:
        """All valid steps of all sequences, (sum T_i, F)."""
        return np.concatenate(self.items)

    def map(self, func: Callable[[np.ndarray], np.ndarray], *, keep_2d: bool):
        """Apply ``func`` to each (T_i, F) sequence and answer in the input's form.

        ``keep_2d`` returns (n, T) for (n, T) input when ``func`` keeps one
        feature (a scaler); otherwise 2-D input yields a 3-D array.
        """
        out = [func(item) for item in self.items]
        if self.form == "list":
            return [item[:, 0] for item in out] if self.univariate_list and keep_2d else out
        stacked = np.stack(out)
        return stacked[:, :, 0] if self.form == "2d" and keep_2d else stacked


def check_sequences(
    X: Any,
    *,
    n_features: int | None = None,
    estimator_name: str = "This transformer",
    min_steps: int = 1,
) -> Sequences:
    """Validate X (API.md input conventions) without padding or changing float dtype.

    Parameters
    ----------
    X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        A list of 1-D arrays of different lengths holds univariate sequences;
        equal-length 1-D rows are the ``(n, T)`` convention.
    n_features : int, optional
        F seen at fit; a different F raises ValueError.
    estimator_name : str
        Used in error messages.
    min_steps : int, default=1
        Shortest sequence accepted.

    Returns
    -------
    sequences : Sequences

    Examples
    --------
    >>> import numpy as np
    >>> seqs = check_sequences([np.ones((3, 2)), np.ones((5, 2))])
    >>> seqs.form, [item.shape for item in seqs.items]
    ('list', [(3, 2), (5, 2)])
    >>> check_sequences(np.ones((4, 6))).items[0].shape
    (6, 1)
    """
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise ValueError("X is empty: it holds 0 sequences; at least 1 is required.")
    if isinstance(X, (list, tuple)) and not _equal_rows(X):
        items = [_check_one(item, estimator_name) for item in X]
        if len({item.shape[1] for item in items}) > 1:
            raise ValueError(
                "All sequences in X must have the same number of features; got "
                f"{sorted({item.shape[1] for item in items})}."
            )
        sequences = Sequences(items, "list", all(np.ndim(item) == 1 for item in X))
    else:
        sequences = _check_regular(X, estimator_name)
    if n_features is not None and sequences.n_features != n_features:
        raise ValueError(
            f"X has {sequences.n_features} features, but {estimator_name} is expecting "
            f"{n_features} features as input."
        )
    if sequences.n_features == 0:
        raise ValueError(f"X has 0 features per step; {estimator_name} needs at least 1.")
    shortest = min(len(item) for item in sequences.items)
    if shortest < min_steps:
        raise ValueError(
            f"{estimator_name} needs sequences of at least {min_steps} steps; the shortest "
            f"sequence in X has {shortest}."
        )
    return sequences


def _equal_rows(X) -> bool:
    """A list of equal-length 1-D rows is the (n, T) convention, as in ``as_padded``."""
    return all(np.ndim(item) == 1 for item in X) and len({len(item) for item in X}) == 1


def _check_one(item: Any, estimator_name: str) -> np.ndarray:
    array = np.asarray(item) if not hasattr(item, "iloc") else item
    if np.ndim(array) == 1:
        array = np.asarray(array)[:, None]
    return check_array(array, dtype=FLOAT_DTYPES, input_name="X[i]", estimator=estimator_name)


def _check_regular(X: Any, estimator_name: str) -> Sequences:
    array = check_array(X, dtype=FLOAT_DTYPES, allow_nd=True, estimator=estimator_name)
    if array.ndim not in (2, 3):
        raise ValueError(
            "X must be a 3-D array (n_samples, n_steps, n_features), a 2-D array "
            "(n_samples, n_steps) of univariate sequences, or a list of 2-D arrays; "
            f"got an array with ndim={array.ndim} and shape {array.shape}."
        )
    form = "2d" if array.ndim == 2 else "3d"
    if form == "2d":
        array = array[:, :, None]
    return Sequences(list(array), form)
