"""Sequence input for the transformers: every accepted form of X -> a list of (T_i, F) arrays.

The estimators pad sequences to float32 (``sk_alrnn.utils.as_padded``); a
transformer must instead keep the caller's float dtype (float64 stays float64,
as scikit-learn's transformers do) and hand back the form it was given.  So
the checks are those of the validation layer (``sk_alrnn.utils``: the same
accepted forms, the same messages), but the sequences stay unpadded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..utils import check_finite, input_error, parse_sequences

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
        """Number of features F per step."""
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
    """Validate X (the estimators' input conventions) without padding or changing float dtype.

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
    parsed = parse_sequences(X, n_features=n_features, estimator_name=estimator_name)
    sequences = Sequences(
        [_as_float(item) for item in parsed.as_items()], parsed.form, parsed.univariate_list
    )
    for item in sequences.items:
        check_finite(item, "X")
    shortest = min(len(item) for item in sequences.items)
    if shortest < min_steps or sequences.n_features == 0:
        hint = (
            " (a 2-D array holds (n_sequences, n_steps) univariate sequences: pass one "
            "(T, F) recording as [X] or X[None])"
            if sequences.form == "2d" and shortest == 1
            else ""
        )
        raise input_error(
            f"Every sequence given to {estimator_name}",
            f"have at least {min_steps} step(s) and 1 feature",
            f"a shortest sequence of {shortest} step(s) with {sequences.n_features} "
            f"feature(s){hint}",
        )
    return sequences


def _as_float(array: np.ndarray) -> np.ndarray:
    """Floats stay as they are (float32 or float64); anything else becomes float64."""
    return array if array.dtype.kind == "f" else array.astype(np.float64)
