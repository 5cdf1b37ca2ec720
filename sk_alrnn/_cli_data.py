"""The user's data for ``sk-alrnn sweep --data``: a .npz with X and y, or a CSV of sequences.

Kept out of ``cli.py`` so the file formats are documented and tested on their own.
"""

from __future__ import annotations

import csv
import os

import numpy as np

from .utils import input_error

__all__ = ["is_classification", "read_data"]


def read_data(path: os.PathLike | str) -> tuple:
    r"""Read ``(X, y)`` from a .npz file or a CSV file of one sequence per row.

    Parameters
    ----------
    path : path-like
        ``*.npz``: arrays named ``X`` ((n, T, F) or (n, T)) and ``y`` (any
        target the estimators take), as written by ``numpy.savez(path, X=X, y=y)``.
        ``*.csv``: one univariate sequence per row, the last column its label;
        no header; rows may differ in length (a shorter sequence leaves its
        trailing cells empty, before the label), and lines starting with ``#``
        are comments.

    Returns
    -------
    X : ndarray of shape (n, T) or (n, T, F), or list of (T_i,) arrays
        A list when the CSV rows differ in length.
    y : ndarray of shape (n,)
        Labels as read: numbers where every label parses as one, else strings.

    Raises
    ------
    ValueError
        An unknown file type, missing arrays, or a malformed row, with the
        file name in the message.
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "two.csv").write_text("0.1,0.2,0.3,up\n0.3,0.1,,down\n")
    >>> X, y = read_data(folder / "two.csv")
    >>> [len(x) for x in X], y.tolist()
    ([3, 2], ['up', 'down'])
    """
    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npz":
        return _read_npz(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise input_error("The data file", "end in .npz or .csv", repr(path))


def _read_npz(path: str) -> tuple:
    with np.load(path, allow_pickle=False) as arrays:
        missing = [name for name in ("X", "y") if name not in arrays.files]
        if missing:
            raise input_error(
                f"The data file {path!r}", "hold arrays named X and y", sorted(arrays.files)
            )
        return arrays["X"], arrays["y"]


def _read_csv(path: str) -> tuple:
    sequences, labels = [], []
    with open(path, newline="") as f:
        for number, row in enumerate(csv.reader(f), start=1):
            if not row or row[0].lstrip().startswith("#"):
                continue
            values = [cell.strip() for cell in row[:-1]]
            while values and values[-1] == "":
                values.pop()
            try:
                sequence = np.array([float(v) for v in values], dtype=np.float64)
            except ValueError:
                raise input_error(
                    f"Row {number} of {path!r}",
                    "hold numbers followed by one label",
                    ",".join(row),
                ) from None
            if not len(sequence):
                raise input_error(f"Row {number} of {path!r}", "hold a sequence", ",".join(row))
            sequences.append(sequence)
            labels.append(row[-1].strip())
    if not sequences:
        raise input_error(f"The data file {path!r}", "hold at least one row", "none")
    lengths = {len(s) for s in sequences}
    X = np.stack(sequences) if len(lengths) == 1 else sequences
    return X, _labels(labels)


def _labels(labels: list) -> np.ndarray:
    """Numbers where every label is one, strings otherwise."""
    try:
        return np.array([float(label) for label in labels])
    except ValueError:
        return np.array(labels)


def is_classification(y) -> bool:
    """Whether targets are class labels: not floats, or floats that are all integers.

    Parameters
    ----------
    y : array-like or list of arrays
        Targets as read by :func:`read_data` (per-sequence or per-step).

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> is_classification(np.array([0.0, 1.0])), is_classification(np.array([0.5, 1.0]))
    (True, False)
    >>> is_classification(np.array(["a", "b"]))
    True
    """
    values = np.concatenate([np.ravel(v) for v in y]) if isinstance(y, list) else np.ravel(y)
    if values.dtype.kind not in "fc":
        return True
    return bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
