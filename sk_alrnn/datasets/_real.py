"""Real sequence data that ships with installed packages: no network access."""

from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

from ..utils import check_option

UCR_DATASETS = ("GunPoint", "ItalyPowerDemand", "ArrowHead", "BasicMotions", "JapaneseVowels")
_SPLITS = {"train": ("TRAIN",), "test": ("TEST",), None: ("TRAIN", "TEST")}


def load_digits_sequences(
    mode: str = "rows", *, return_X_y: bool = True
) -> tuple[np.ndarray, np.ndarray] | Bunch:
    """Load scikit-learn's bundled 8x8 digits as sequences, scaled to [0, 1].

    Parameters
    ----------
    mode : {"rows", "pixels"}, default="rows"
        "rows": each image is read top to bottom, one row of 8 pixels per step
        (T = 8, F = 8). "pixels": one pixel per step in row-major order
        (T = 64, F = 1), a longer-memory task.
    return_X_y : bool, default=True
        If True return ``(X, y)``, else a Bunch.

    Returns
    -------
    X : ndarray of shape (1797, 8, 8) or (1797, 64, 1)
        Pixel intensities divided by 16, in [0, 1].
    y : ndarray of shape (1797,), dtype int
        The digit, 0..9; each class has 174 to 183 samples.
    data : Bunch
        When ``return_X_y=False``: ``data`` (X), ``target`` (y),
        ``target_names`` (0..9), ``mode`` and ``DESCR``.

    See Also
    --------
    sklearn.datasets.load_digits : The source data.
    load_ucr : Time-series classification benchmarks.

    Examples
    --------
    >>> from sk_alrnn.datasets import load_digits_sequences
    >>> X, y = load_digits_sequences("rows")
    >>> X.shape, y.shape, float(X.min()), float(X.max())
    ((1797, 8, 8), (1797,), 0.0, 1.0)
    >>> load_digits_sequences("pixels")[0].shape
    (1797, 64, 1)
    """
    shapes = {"rows": (8, 8), "pixels": (64, 1)}
    check_option(mode, "mode", "load_digits_sequences", sorted(shapes))
    digits = load_digits()
    X = digits.images.reshape(-1, *shapes[mode]) / 16.0
    y = digits.target
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, target_names=digits.target_names, mode=mode, DESCR=digits.DESCR)


def load_ucr(
    name: str, split: str | None = None
) -> tuple[np.ndarray | list[np.ndarray], np.ndarray]:
    """Load a small UCR/UEA time-series classification dataset, offline.

    The data are the ``.ts`` files bundled inside the ``sktime`` wheel, read
    with its parser; nothing is downloaded.

    Parameters
    ----------
    name : {"GunPoint", "ItalyPowerDemand", "ArrowHead", "BasicMotions", "JapaneseVowels"}
        Dataset name.
    split : {"train", "test"} or None, default=None
        The official split, or None for train followed by test.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, n_features) or list of ndarray
        Float64 series. Equal-length datasets give a 3-D array (univariate
        ones with n_features = 1); JapaneseVowels, whose lengths vary, gives a
        list of arrays of shape (T_i, 12).
    y : ndarray of shape (n_samples,)
        Class labels as strings, as in the archive (e.g. "1", "2" or
        "standing").

    Raises
    ------
    ImportError
        If sktime is not installed (``pip install sk_alrnn[ucr]``).

    See Also
    --------
    load_digits_sequences : Image rows as sequences.

    Notes
    -----
    ========================  =====  =====  =========  ===  =======
    name                      train  test   T          F    classes
    ========================  =====  =====  =========  ===  =======
    GunPoint                  50     150    150        1    2
    ItalyPowerDemand          67     1029   24         1    2
    ArrowHead                 36     175    251        1    3
    BasicMotions              40     40     100        6    4
    JapaneseVowels            270    370    7 to 29    12   9
    ========================  =====  =====  =========  ===  =======

    References
    ----------
    .. [1] H. A. Dau et al., "The UCR time series archive", IEEE/CAA Journal
       of Automatica Sinica 6(6), 2019.
    .. [2] A. Bagnall et al., "The UEA multivariate time series classification
       archive, 2018", arXiv:1811.00075.

    Examples
    --------
    >>> from sk_alrnn.datasets import load_ucr
    >>> X, y = load_ucr("GunPoint", split="train")  # doctest: +SKIP
    >>> X.shape, y.shape  # doctest: +SKIP
    ((50, 150, 1), (50,))
    """
    check_option(name, "name", "load_ucr", list(UCR_DATASETS))
    check_option(split, "split", "load_ucr", list(_SPLITS))
    parts = [_read_ts(name, part) for part in _SPLITS[split]]
    X = [x for X_part, _ in parts for x in X_part]
    y = np.concatenate([y_part for _, y_part in parts])
    if len({x.shape for x in X}) == 1:
        return np.stack(X), y
    return X, y


def _read_ts(name: str, part: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Series (T_i, F) and labels of ``<name>_<part>.ts`` bundled with sktime."""
    try:
        import sktime.datasets
        from sktime.datasets import load_from_tsfile_to_dataframe
    except ImportError as exc:
        raise ImportError(
            "load_ucr reads the datasets bundled with sktime, which is not installed. "
            "Install the optional extra: pip install sk_alrnn[ucr]"
        ) from exc
    folder = os.path.join(os.path.dirname(sktime.datasets.__file__), "data", name)
    frame, y = load_from_tsfile_to_dataframe(os.path.join(folder, f"{name}_{part}.ts"))
    X = [np.column_stack([np.asarray(s, dtype=float) for s in row]) for row in frame.values]
    return X, np.asarray(y)
