"""tslearn's NaN-padded time-series datasets to and from lists of sequences (numpy only).

tslearn stores variable-length series in one ``(n, T_max, d)`` array and pads
each series with NaN after its end (``tslearn.utils.to_time_series_dataset``).
The estimators of this package reject NaN; they take variable-length data as a
list of ``(T_i, d)`` arrays instead.  tslearn itself is not needed.
"""

from __future__ import annotations

import numpy as np

__all__ = ["from_tslearn", "to_tslearn"]


def from_tslearn(X) -> list:
    """NaN-padded ``(n, T_max, d)`` array -> list of ``(T_i, d)`` arrays.

    T_i is the length up to the last step with any non-NaN value, as tslearn's
    ``ts_size`` counts it.  NaN before that step is a missing value, not padding:
    it is kept, and the estimators refuse it with a ValueError.

    Parameters
    ----------
    X : array-like of shape (n, T_max, d) or (n, T_max)
        A tslearn time-series dataset (2-D means d = 1).

    Returns
    -------
    sequences : list of ndarray of shape (T_i, d)

    See Also
    --------
    to_tslearn : The inverse.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0], [2.0], [np.nan]], [[3.0], [4.0], [5.0]]])
    >>> [x.shape for x in from_tslearn(X)]
    [(2, 1), (3, 1)]
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 2:
        X = X[:, :, None]
    if X.ndim != 3:
        raise ValueError(f"A tslearn dataset must be (n, T, d); got shape {X.shape}.")
    observed = ~np.isnan(X).all(axis=2)  # (n, T): steps with any value
    lengths = np.where(observed.any(axis=1), X.shape[1] - np.argmax(observed[:, ::-1], axis=1), 0)
    if (lengths == 0).any():
        raise ValueError(f"Series {int(np.argmin(lengths))} of the dataset is all NaN (empty).")
    return [x[:length] for x, length in zip(X, lengths)]


def to_tslearn(sequences) -> np.ndarray:
    """List of ``(T_i, d)`` (or ``(T_i,)``) arrays -> NaN-padded ``(n, T_max, d)`` array.

    Parameters
    ----------
    sequences : list of array-like of shape (T_i, d) or (T_i,)

    Returns
    -------
    X : ndarray of shape (n, T_max, d), float, NaN after each series' end

    Examples
    --------
    >>> import numpy as np
    >>> X = to_tslearn([np.ones((2, 1)), np.ones((3, 1))])
    >>> X.shape, int(np.isnan(X).sum())
    ((2, 3, 1), 1)
    >>> [x.shape for x in from_tslearn(X)]
    [(2, 1), (3, 1)]
    """
    items = []
    for i, item in enumerate(sequences):
        array = np.asarray(item)
        if array.dtype.kind not in "biuf" or array.ndim not in (1, 2) or len(array) == 0:
            raise ValueError(
                f"to_tslearn takes a list of (T_i, d) or (T_i,) real arrays with T_i >= 1; "
                f"sequence {i} is {array.dtype} with shape {array.shape}."
            )
        items.append(array.astype(float)[:, None] if array.ndim == 1 else array.astype(float))
    if not items:
        raise ValueError("to_tslearn takes a list of at least 1 sequence; got an empty one.")
    widths = sorted({item.shape[1] for item in items})
    if len(widths) > 1:
        raise ValueError(
            f"Every sequence given to to_tslearn must have the same number of features d; "
            f"got d in {widths}."
        )
    out = np.full((len(items), max(len(item) for item in items), items[0].shape[1]), np.nan)
    for i, item in enumerate(items):
        out[i, : len(item)] = item
    return out
