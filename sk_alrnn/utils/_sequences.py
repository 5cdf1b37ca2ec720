"""The one sequence parser: every input convention of X becomes a padded batch.

Accepted sequence input X:

* ``(n, T, F)`` array -- n sequences of T steps with F features;
* ``(n, T)`` array -- univariate sequences (F = 1);
* a list of ``(T_i, F)`` arrays -- variable-length sequences (a list of 1-D
  arrays of unequal lengths is read as univariate sequences);
* an ``(n, T, F)`` or ``(n, T)`` array whose trailing all-NaN steps are
  padding -- variable-length sequences in one array.

Built on scikit-learn's public ``check_array`` (with ``allow_nd``); numpy and
scikit-learn only, so the numpy-only subpackages use the same checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_array

from ._params import input_error

__all__ = [
    "ParsedSequences",
    "SequenceBatch",
    "as_padded",
    "check_finite",
    "check_n_features",
    "numeric_array",
    "pad_items",
    "parse_sequences",
    "reject_sparse",
    "split_list",
    "unpad",
]


# ---- arrays ----------------------------------------------------------------------
def check_finite(array: np.ndarray, what: str) -> None:
    """Raise ``Input <what> contains NaN or infinity.`` for a non-finite array.

    Examples
    --------
    >>> check_finite(np.ones(3), "X")
    """
    if array.dtype.kind in "fc" and not np.isfinite(array).all():
        raise ValueError(f"Input {what} contains NaN or infinity.")


_NUMBER = object()  # sentinel: "every item of an object array is a number"


def _check_object_numbers(array: np.ndarray, what: str) -> None:
    """Object arrays must hold numbers: strings -> ValueError, other objects -> TypeError."""
    odd = next((item for item in array.flat if not isinstance(item, numbers.Number)), _NUMBER)
    if odd is _NUMBER:
        return
    got = f"an object array holding {type(odd).__name__} {str(odd)[:40]!r}"
    if isinstance(odd, (str, bytes)):
        raise input_error(what, "hold numbers (convert strings to numbers explicitly)", got)
    # A TypeError, worded so scikit-learn's check_dtype_object recognises it.
    raise TypeError(
        f"{what} must hold numbers. Got {got} instead (float() argument must be a string "
        f"or a real number, not {type(odd).__name__!r})."
    )


def numeric_array(values: Any, what: str) -> np.ndarray:
    """Any-ndim numeric array through ``check_array`` (finiteness is checked by callers)."""
    array = values if isinstance(values, np.ndarray) else np.asarray(values)
    # scikit-learn refuses str/bytes dtypes but converts numeric strings inside object
    # arrays and passes dates through; all of them are refused here alike.
    if array.dtype.kind in "USVMm":
        raise input_error(
            what,
            "hold numbers (convert strings, bytes and dates to numbers explicitly)",
            f"dtype {array.dtype}",
        )
    if array.dtype.kind == "O":
        _check_object_numbers(array, what)
    return check_array(
        array,
        accept_sparse=False,
        ensure_2d=False,
        allow_nd=True,
        dtype="numeric",
        ensure_all_finite=False,
        ensure_min_samples=0,
        input_name=what,
    )


# ---- sequences -------------------------------------------------------------------
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
        """Number of features F per step."""
        return self.values.shape[2]

    def valid_mask(self) -> np.ndarray:
        """Boolean mask ``(n_samples, n_steps)``, True on valid (unpadded) steps."""
        return np.arange(self.values.shape[1]) < self.lengths[:, None]

    def __len__(self) -> int:
        return self.values.shape[0]


def reject_sparse(X: Any, name: str) -> None:
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{name} does not accept sparse input: sequences must be dense arrays "
            "of shape (n_samples, n_steps[, n_features]) or a list of 2-D arrays."
        )


def split_list(X: Sequence) -> list | None:
    """Turn a list input into a list of (T_i, F) arrays, or None for (n, T) rows."""
    items = [numeric_array(item, "X[i]") for item in X]
    ndims = {item.ndim for item in items}
    if ndims == {1} and len({len(item) for item in items}) == 1:
        return None  # equal-length rows: the (n, T) univariate convention
    if ndims == {1}:
        return [item[:, None] for item in items]
    if ndims != {2}:
        raise input_error(
            "A list X",
            "hold 2-D arrays of shape (T_i, n_features) (or 1-D univariate sequences)",
            f"arrays with ndim {sorted(ndims)}",
        )
    n_features = {item.shape[1] for item in items}
    if len(n_features) > 1:
        raise input_error(
            "All sequences in X", "have the same number of features", sorted(n_features)
        )
    return items


def pad_items(items: list, n_steps: int | None = None) -> np.ndarray:
    """Zero-pad a list of (T_i, k) arrays into one (n, T_max, k) float32 array."""
    n_steps = max(len(item) for item in items) if n_steps is None else n_steps
    values = np.zeros((len(items), n_steps, items[0].shape[1]), dtype=np.float32)
    for i, item in enumerate(items):
        values[i, : len(item)] = item
    return values


def check_n_features(n_features: int, expected: int | None, estimator_name: str) -> None:
    """The one "X has N features" check of the package (scikit-learn's own wording).

    Examples
    --------
    >>> check_n_features(2, None, "ALRNNRegressor")  # nothing seen yet: anything goes
    >>> check_n_features(3, 2, "ALRNNRegressor")
    Traceback (most recent call last):
    ...
    ValueError: X has 3 features, but ALRNNRegressor is expecting 2 features as input.
    """
    if expected is not None and n_features != expected:
        raise ValueError(
            f"X has {n_features} features, but {estimator_name} is expecting "
            f"{expected} features as input."
        )


@dataclass
class ParsedSequences:
    """Sequences in one of the input conventions, checked for shape but not yet converted.

    Attributes
    ----------
    form : {"3d", "2d", "list"}
        An (n, T, F) array, an (n, T) array of univariate sequences, or a list.
    array : ndarray of shape (n, T, F) or None
        The numeric array (array input), any numeric dtype.
    items : list of ndarray of shape (T_i, F) or None
        The sequences (list input), any numeric dtype.
    univariate_list : bool
        A list of 1-D ``(T_i,)`` arrays.
    """

    form: str
    array: np.ndarray | None = None
    items: list | None = None
    univariate_list: bool = False

    @property
    def n_features(self) -> int:
        """Number of features F per step."""
        return (self.array if self.items is None else self.items[0]).shape[-1]

    def as_items(self) -> list:
        """One (T_i, F) array per sequence (views of the array for array input)."""
        return list(self.array) if self.items is None else self.items


def _regular(X: Any) -> ParsedSequences:
    array = numeric_array(X, "X")
    shape = array.shape
    if array.ndim not in (2, 3):
        raise input_error(
            "X",
            "be a 3-D array (n_samples, n_steps, n_features), a 2-D array (n_samples, n_steps) "
            "of univariate sequences, or a list of 2-D arrays (Reshape your data: a single "
            "univariate sequence is X.reshape(1, -1), a single multivariate one X[None])",
            f"an array with ndim={array.ndim} and shape {shape}",
        )
    form = "2d" if array.ndim == 2 else "3d"
    array = array[:, :, None] if form == "2d" else array
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
    return ParsedSequences(form, array=array)


def parse_sequences(
    X: Any, *, n_features: int | None = None, estimator_name: str = "This estimator"
) -> ParsedSequences:
    """The one parser of the sequence conventions: shapes, types and the number of features.

    Finiteness is left to the caller (the estimators check it after their float32
    conversion, which can overflow).

    Parameters
    ----------
    X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        Input sequences; a list of 1-D arrays of different lengths holds
        univariate sequences, equal-length 1-D rows are the (n, T) convention.
    n_features : int, optional
        F seen at fit; a different F raises ValueError.
    estimator_name : str
        Used in error messages.

    Returns
    -------
    sequences : ParsedSequences

    Examples
    --------
    >>> parsed = parse_sequences([np.ones((3, 2)), np.ones((5, 2))])
    >>> parsed.form, parsed.n_features, [item.shape for item in parsed.as_items()]
    ('list', 2, [(3, 2), (5, 2)])
    >>> parse_sequences(np.ones((4, 6))).array.shape
    (4, 6, 1)
    """
    reject_sparse(X, estimator_name)
    if X is None:
        raise input_error(
            "X", "be an array of sequences (n, T, F) or (n, T), or a list of them", None
        )
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise input_error("X", "hold at least 1 sequence", "an empty list")
    items = split_list(X) if isinstance(X, (list, tuple)) else None
    if items is None:
        parsed = _regular(X)
    else:
        lengths = [len(item) for item in items]
        if 0 in lengths:
            raise input_error(
                "Every sequence", "have at least one step", f"sequence {lengths.index(0)} is empty"
            )
        univariate = all(np.ndim(item) == 1 for item in X)
        parsed = ParsedSequences("list", items=items, univariate_list=univariate)
    check_n_features(parsed.n_features, n_features, estimator_name)
    return parsed


def _nan_padding(array: np.ndarray) -> np.ndarray:
    """Sequence lengths of an (n, T, F) array whose trailing all-NaN steps are padding."""
    if array.dtype.kind != "f":
        return np.full(len(array), array.shape[1], dtype=np.int64)
    padded_step = np.isnan(array).all(axis=2)  # (n, T)
    # Length = T minus the number of trailing all-NaN steps.
    trailing = np.cumprod(padded_step[:, ::-1], axis=1).sum(axis=1)
    return (array.shape[1] - trailing).astype(np.int64)


def as_padded(
    X: Any, *, n_features: int | None = None, estimator_name: str = "This estimator"
) -> SequenceBatch:
    """Validate X and return it as a padded float32 batch.

    Parameters
    ----------
    X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        Input sequences.  In an array, trailing steps that are NaN in every
        feature are padding: variable-length sequences as one NaN-padded
        array.  Any other NaN (inside a sequence, or in some features of a
        step only) is an error, as is a sequence that is padding only.
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
    >>> X = np.ones((2, 4, 1))
    >>> X[0, 2:] = np.nan  # sequence 0 has 2 steps
    >>> as_padded(X).lengths.tolist()
    [2, 4]
    """
    parsed = parse_sequences(X, n_features=n_features, estimator_name=estimator_name)
    if parsed.items is not None:
        lengths = np.array([len(item) for item in parsed.items], dtype=np.int64)
        batch = SequenceBatch(pad_items(parsed.items), lengths, ragged=True)
    else:
        lengths = _nan_padding(parsed.array)
        values = np.ascontiguousarray(parsed.array, dtype=np.float32)
        if (lengths < values.shape[1]).any():
            if (lengths == 0).any():
                raise ValueError(
                    f"Input X contains NaN or infinity: sequence {int(np.argmin(lengths))} is "
                    "NaN at every step (trailing all-NaN steps are padding, and a sequence "
                    "needs at least one step)."
                )
            values = values.copy()  # never write into the caller's array
            values[np.arange(values.shape[1]) >= lengths[:, None]] = 0.0
        batch = SequenceBatch(values, lengths, ragged=False)
    check_finite(batch.values, "X")
    return batch


def unpad(values: np.ndarray, batch: SequenceBatch):
    """Per-step outputs (n, T_max, ...) back in the input's convention.

    Parameters
    ----------
    values : ndarray of shape (n, T_max, ...)
        Per-step values for a padded batch.
    batch : SequenceBatch
        The batch they were computed for.

    Returns
    -------
    values : ndarray, or list of (T_i, ...) arrays for ragged input

    Examples
    --------
    >>> batch = as_padded([np.ones((2, 1)), np.ones((3, 1))])
    >>> [part.shape for part in unpad(batch.values, batch)]
    [(2, 1), (3, 1)]
    """
    if batch.ragged:
        return [values[i, :length] for i, length in enumerate(batch.lengths)]
    if values.dtype.kind == "f" and (batch.lengths < values.shape[1]).any():
        values = values.copy()  # NaN-padded input: padded steps answer NaN
        values[~batch.valid_mask()] = np.nan
    return values
