"""The validation layer: every input check of the package, in one place.

Built on scikit-learn's public helpers (``check_array`` with ``allow_nd``,
``check_consistent_length``, ``check_scalar``, ``column_or_1d``); every error
is a ValueError that says what was wrong, what was expected and what was got
(:func:`input_error`), raised before any estimator state is touched.

Accepted sequence input X:

* ``(n, T, F)`` array -- n sequences of T steps with F features;
* ``(n, T)`` array -- univariate sequences (F = 1);
* a list of ``(T_i, F)`` arrays -- variable-length sequences (a list of 1-D
  arrays of unequal lengths is read as univariate sequences).

Everything here is numpy and scikit-learn only, so the numpy-only
subpackages (``datasets``) use the same checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_array, check_consistent_length, check_scalar
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "SequenceBatch",
    "as_padded",
    "check_device",
    "check_finite",
    "check_n_samples",
    "check_option",
    "check_param",
    "check_regression_targets",
    "check_sample_weight",
    "check_sequence_targets",
    "check_sizes",
    "check_training_params",
    "check_step_labels",
    "check_step_weights",
    "check_y_present",
    "input_error",
    "unpad",
]


def input_error(what: str, expected: str, got: Any) -> ValueError:
    """The package's one error template: what, what was expected, what was got.

    Parameters
    ----------
    what : str
        The thing that was checked, e.g. ``"The 'P' parameter of ALRNNRegressor"``.
    expected : str
        What it must be, starting with a verb phrase, e.g. ``"be an int >= 1"``.
    got : object
        What was passed (already formatted).

    Returns
    -------
    error : ValueError

    Examples
    --------
    >>> str(input_error("The 'M' parameter of Est", "be an int >= 1", 0))
    "The 'M' parameter of Est must be an int >= 1. Got 0 instead."
    """
    return ValueError(f"{what} must {expected}. Got {got} instead.")


# ---- scalar parameters ---------------------------------------------------------------
def _bounds_text(min_val, max_val, include_boundaries: str) -> str:
    low = "[" if include_boundaries in ("left", "both") else "("
    high = "]" if include_boundaries in ("right", "both") else ")"
    if max_val is None:
        return f">= {min_val}" if low == "[" else f"> {min_val}"
    if min_val is None:
        return f"<= {max_val}" if high == "]" else f"< {max_val}"
    return f"in {low}{min_val}, {max_val}{high}"


def check_param(
    value: Any,
    name: str,
    owner: str,
    *,
    target_type: type = numbers.Integral,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
    bounds: str | None = None,
) -> Any:
    """Check a scalar parameter with ``sklearn.utils.check_scalar``; raise the package message.

    Parameters
    ----------
    value : object
        The value to check. Booleans and NaN are refused.
    name : str
        Parameter name, used in the message.
    owner : str
        The estimator or function the parameter belongs to.
    target_type : type, default=numbers.Integral
        ``numbers.Integral`` (an int) or ``numbers.Real`` (a real number).
    min_val, max_val : float or None, default=None
        Bounds, as for ``check_scalar``.
    include_boundaries : {"both", "left", "right", "neither"}, default="both"
        Whether the bounds are allowed values.
    bounds : str or None, default=None
        Text for the bounds in the message (default: built from min/max).

    Returns
    -------
    value : int or float
        The value as a Python int (``Integral``) or float (``Real``).

    Raises
    ------
    ValueError
        ``The '<name>' parameter of <owner> must be <kind> <bounds>. Got <value!r> instead.``

    Examples
    --------
    >>> check_param(3, "n_steps", "make_addition", min_val=3)
    3
    >>> check_param(0.5, "dt", "make_lorenz63", target_type=numbers.Real, min_val=0,
    ...             include_boundaries="neither")
    0.5
    """
    integral = target_type is numbers.Integral
    kind = "an int" if integral else "a real number"
    try:
        if isinstance(value, bool) or (isinstance(value, numbers.Real) and value != value):
            raise TypeError("booleans and NaN are not numbers here")
        check_scalar(
            value,
            name,
            target_type,
            min_val=min_val,
            max_val=max_val,
            include_boundaries=include_boundaries,
        )
    except (TypeError, ValueError):
        text = bounds if bounds is not None else _bounds_text(min_val, max_val, include_boundaries)
        raise input_error(
            f"The {name!r} parameter of {owner}", f"be {kind} {text}", repr(value)
        ) from None
    return int(value) if integral else float(value)


def check_option(value: Any, name: str, owner: str, options: Sequence) -> Any:
    """Check that a parameter is one of ``options``.

    Parameters
    ----------
    value : object
        The value to check.
    name, owner : str
        Parameter name and the estimator or function it belongs to.
    options : sequence
        The allowed values.

    Returns
    -------
    value : object
        ``value`` unchanged.

    Examples
    --------
    >>> check_option("train", "split", "load_ucr", ["train", "test", None])
    'train'
    """
    if value not in list(options):
        raise input_error(
            f"The {name!r} parameter of {owner}", f"be one of {list(options)}", repr(value)
        )
    return value


def check_sizes(M: Any, P: Any, owner: str) -> None:
    """Check the AL-RNN sizes: M an int >= 1, P an int in [0, M].

    Parameters
    ----------
    M, P : object
        Number of latent units and of ReLU units.
    owner : str
        Estimator name for the message.

    Examples
    --------
    >>> check_sizes(8, 2, "ALRNNRegressor")
    """
    check_param(M, "M", owner, min_val=1)
    check_param(P, "P", owner, min_val=0, max_val=M, bounds=f"in [0, M={M}]")


def check_device(device: Any, owner: str) -> None:
    """Check a skorch ``device``: a valid torch device that this machine has.

    Without it, ``device="cuda"`` on a machine without CUDA fails deep inside
    torch with an AssertionError ("Torch not compiled with CUDA enabled").
    torch is imported here, not at module level: the numpy-only subpackages
    use this module too.

    Parameters
    ----------
    device : str, torch.device or None
        None (skorch: leave tensors where they are) is accepted.
    owner : str
        Estimator name for the message.

    Examples
    --------
    >>> check_device("cpu", "ALRNNRegressor")
    >>> check_device("gpu", "ALRNNRegressor")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The 'device' parameter of ALRNNRegressor must be a torch device ... 'gpu' instead.
    """
    if device is None:
        return
    import torch

    what = f"The 'device' parameter of {owner}"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise input_error(what, "be a torch device such as 'cpu' or 'cuda'", repr(device)) from None
    backend = {"cuda": torch.cuda, "mps": getattr(torch.backends, "mps", None)}.get(parsed.type)
    if backend is not None and not backend.is_available():
        raise input_error(
            what,
            f"name a device this machine has ({parsed.type} is not available here; use 'cpu')",
            repr(device),
        )
    index = parsed.index
    if parsed.type == "cuda" and index is not None and index >= torch.cuda.device_count():
        raise input_error(
            what, f"name one of the {torch.cuda.device_count()} CUDA device(s)", repr(device)
        )


def check_training_params(
    *,
    lr: Any,
    max_epochs: Any,
    batch_size: Any,
    max_grad_norm: Any,
    on_divergence: Any,
    owner: str,
) -> None:
    """Check the training hyper-parameters before a fit touches anything.

    Left unchecked, each of these fails later inside torch with an internal
    message (``Invalid learning rate: -1``, ``batch_size should be a positive
    integer value``) or, worse, trains silently wrong (a negative clipping norm).

    Parameters
    ----------
    lr : float
        Learning rate, a finite number > 0.
    max_epochs : int
        Epochs per fit, >= 0 (0 builds the initial network only).
    batch_size : int
        Sequences per batch, >= 1, or -1 for the whole data set (skorch's convention).
    max_grad_norm : float or None
        Gradient-norm clipping, a finite number > 0, or None for none.
    on_divergence : {"raise", "restore"}
        What a non-finite loss does.
    owner : str
        Estimator name for the messages.

    Examples
    --------
    >>> check_training_params(lr=1e-3, max_epochs=10, batch_size=-1, max_grad_norm=None,
    ...                       on_divergence="raise", owner="ALRNNRegressor")
    """
    positive = {
        "target_type": numbers.Real,
        "min_val": 0,
        "max_val": np.inf,
        "include_boundaries": "neither",
    }
    check_param(lr, "lr", owner, **positive, bounds="> 0 and finite")
    check_param(max_epochs, "max_epochs", owner, min_val=0)
    if not (isinstance(batch_size, numbers.Integral) and batch_size == -1):
        check_param(
            batch_size, "batch_size", owner, min_val=1, bounds=">= 1 (or -1 for the whole data set)"
        )
    if max_grad_norm is not None:
        check_param(
            max_grad_norm, "max_grad_norm", owner, **positive, bounds="> 0 and finite (or None)"
        )
    check_option(on_divergence, "on_divergence", owner, ["raise", "restore"])


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


def _numeric_array(values: Any, what: str) -> np.ndarray:
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


def check_n_samples(y: Any, batch: SequenceBatch) -> None:
    """Raise if y and X hold different numbers of samples (``check_consistent_length``).

    Examples
    --------
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
    try:
        weights = _check_sample_weight(sample_weight, np.empty((n_samples, 0)), dtype=np.float64)
    except (TypeError, ValueError) as error:  # sklearn's message does not name the parameter
        raise input_error(
            "sample_weight",
            f"be None, a number or a 1-D array of {n_samples} weights (one per sequence)",
            f"{error}".rstrip("."),
        ) from None
    _check_weight_values(weights)
    return weights


def _check_weight_values(weights: np.ndarray) -> None:
    """Finite, non-negative and not all zero: what a weighted loss can divide by."""
    check_finite(weights, "sample_weight")
    if (weights < 0).any():
        raise ValueError("Negative values in data passed to sample_weight: weights must be >= 0.")
    if not (weights > 0).any():
        raise ValueError("sample_weight must contain at least one non-zero weight.")


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


def _reject_sparse(X: Any, name: str) -> None:
    if hasattr(X, "toarray") or hasattr(X, "tocsr"):
        raise TypeError(
            f"{name} does not accept sparse input: sequences must be dense arrays "
            "of shape (n_samples, n_steps[, n_features]) or a list of 2-D arrays."
        )


def _split_list(X: Sequence) -> list | None:
    """Turn a list input into a list of (T_i, F) arrays, or None for (n, T) rows."""
    items = [_numeric_array(item, "X[i]") for item in X]
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


def _pad(items: list, n_steps: int | None = None) -> np.ndarray:
    """Zero-pad a list of (T_i, k) arrays into one (n, T_max, k) float32 array."""
    n_steps = max(len(item) for item in items) if n_steps is None else n_steps
    values = np.zeros((len(items), n_steps, items[0].shape[1]), dtype=np.float32)
    for i, item in enumerate(items):
        values[i, : len(item)] = item
    return values


def _pad_list(items: list) -> SequenceBatch:
    lengths = np.array([len(item) for item in items], dtype=np.int64)
    if (lengths == 0).any():
        raise input_error(
            "Every sequence",
            "have at least one step",
            f"sequence {int(np.argmin(lengths))} is empty",
        )
    return SequenceBatch(_pad(items), lengths, ragged=True)


def _pad_regular(array: np.ndarray) -> SequenceBatch:
    shape = array.shape
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3:
        raise input_error(
            "X",
            "be a 3-D array (n_samples, n_steps, n_features), a 2-D array (n_samples, n_steps) "
            "of univariate sequences, or a list of 2-D arrays (Reshape your data: a single "
            "univariate sequence is X.reshape(1, -1), a single multivariate one X[None])",
            f"an array with ndim={array.ndim} and shape {shape}",
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
    values = np.ascontiguousarray(array, dtype=np.float32)
    return SequenceBatch(values, np.full(n, T, dtype=np.int64), ragged=False)


def as_padded(
    X: Any, *, n_features: int | None = None, estimator_name: str = "This estimator"
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
    if X is None:
        raise input_error(
            "X", "be an array of sequences (n, T, F) or (n, T), or a list of them", None
        )
    if isinstance(X, (list, tuple)) and len(X) == 0:
        raise input_error("X", "hold at least 1 sequence", "an empty list")
    items = _split_list(X) if isinstance(X, (list, tuple)) else None
    batch = _pad_list(items) if items is not None else _pad_regular(_numeric_array(X, "X"))
    check_finite(batch.values, "X")
    if n_features is not None and batch.n_features != n_features:
        # scikit-learn's own wording, so the message reads as users know it.
        raise ValueError(
            f"X has {batch.n_features} features, but {estimator_name} is expecting "
            f"{n_features} features as input."
        )
    return batch


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
    >>> check_regression_targets([1, 2], as_padded(np.zeros((2, 3)))).shape
    (2, 1)
    """
    target = _numeric_array(y, "y")
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
    >>> batch = as_padded([np.ones((2, 1)), np.ones((3, 1))])
    >>> check_sequence_targets([np.ones(2), np.ones(3)], batch).shape
    (2, 3, 1)
    """
    if isinstance(y, (list, tuple)):
        items = [_numeric_array(item, "y[i]") for item in y]
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
        padded = _pad(items, batch.values.shape[1])
    else:
        padded = np.ascontiguousarray(_numeric_array(y, "y"), dtype=np.float32)
        if padded.shape[:2] != batch.values.shape[:2]:
            raise ValueError(
                f"Sequence targets y of shape {padded.shape} do not match X's "
                f"(n_samples, n_steps) = {batch.values.shape[:2]}."
            )
    check_finite(padded, "y")
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
        weights[i, : len(item)] = _numeric_array(item, "sample_weight")
    _check_weight_values(weights)
    return weights


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
    if not batch.ragged:
        return values
    return [values[i, :length] for i, length in enumerate(batch.lengths)]
