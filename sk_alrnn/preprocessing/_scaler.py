"""SequenceScaler: per-feature standardisation over all valid steps of all sequences."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._sequences import check_sequences

__all__ = ["SequenceScaler"]


class SequenceScaler(TransformerMixin, BaseEstimator):
    """Standardise each feature over all valid steps of all training sequences.

    Every step of every sequence is one sample for the statistics, so a
    sequence of 200 steps weighs 20 times as much as one of 10 steps and no
    padding enters the mean or the variance.  ``transform`` and
    ``inverse_transform`` answer in the form they are given: an ``(n, T, F)``
    array, an ``(n, T)`` array of univariate sequences, or a list of
    ``(T_i, F)`` arrays.

    The statistics are those of :class:`sklearn.preprocessing.StandardScaler`
    fitted on the stacked steps (population variance; a constant feature gets
    scale 1).

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the per-feature mean.
    with_std : bool, default=True
        Divide by the per-feature standard deviation.
    per_sequence : bool, default=False
        Standardise each sequence by its own per-feature mean and standard
        deviation (tslearn's ``TimeSeriesScalerMeanVariance``), computed
        afresh by every ``transform`` (``fit`` still records the training
        statistics, which ``transform`` then does not use).  Those
        per-sequence statistics are not kept, so ``inverse_transform``
        raises ValueError.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,) or None
        Per-feature mean over all valid training steps (None if ``with_mean=False``).
    scale_ : ndarray of shape (n_features,) or None
        Per-feature standard deviation (1 for constant features; None if
        ``with_std=False``).
    var_ : ndarray of shape (n_features,) or None
        Per-feature variance.
    n_features_in_ : int
        Number of features F per step.
    n_steps_seen_ : int
        Number of valid steps the statistics were computed on.

    Notes
    -----
    A 2-D array is ``(n, T)``: n univariate sequences, as everywhere in this
    package.  A forecaster's single ``(T, N)`` trajectory is therefore not
    read as one trajectory: pass it as ``[X]`` or ``X[None]`` (shape
    ``(1, T, N)``) to standardise each of its N columns, and ``transform``
    answers in that form.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same statistics for tabular data.
    StridedWindows, DelayEmbedding

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.preprocessing import SequenceScaler
    >>> X = [np.arange(6.0).reshape(3, 2), 10 + np.arange(10.0).reshape(5, 2)]
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.n_steps_seen_, scaler.n_features_in_
    (8, 2)
    >>> Xt = scaler.transform(X)
    >>> [x.shape for x in Xt]
    [(3, 2), (5, 2)]
    >>> bool(np.allclose(np.concatenate(Xt).mean(axis=0), 0.0))
    True
    >>> bool(np.allclose(scaler.inverse_transform(Xt)[1], X[1]))
    True

    One trajectory of T = 200 steps and N = 3 columns, as a forecaster takes it:

    >>> trajectory = np.random.RandomState(0).randn(200, 3) * [1.0, 10.0, 100.0]
    >>> scaled = SequenceScaler().fit_transform([trajectory])[0]
    >>> scaled.shape, bool(np.allclose(scaled.std(axis=0), 1.0))
    ((200, 3), True)

    Each sequence by its own statistics:

    >>> per = SequenceScaler(per_sequence=True).fit_transform(X)
    >>> bool(np.allclose(per[1].mean(axis=0), 0.0) and np.allclose(per[1].std(axis=0), 1.0))
    True
    """

    def __init__(
        self, *, with_mean: bool = True, with_std: bool = True, per_sequence: bool = False
    ):
        self.with_mean = with_mean
        self.with_std = with_std
        self.per_sequence = per_sequence

    def fit(self, X, y=None):
        """Compute the per-feature mean and standard deviation over all valid steps.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        for name in ("with_mean", "with_std", "per_sequence"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(
                    f"The {name!r} parameter of SequenceScaler must be a bool. "
                    f"Got {getattr(self, name)!r} instead."
                )
        sequences = check_sequences(X, estimator_name=type(self).__name__)
        steps = sequences.concatenated()
        self._scaler_ = StandardScaler(with_mean=self.with_mean, with_std=self.with_std).fit(steps)
        self.mean_ = self._scaler_.mean_
        self.scale_ = self._scaler_.scale_
        self.var_ = self._scaler_.var_
        self.n_features_in_ = sequences.n_features
        self.n_steps_seen_ = len(steps)
        return self

    def transform(self, X):
        """Standardise X with the training statistics.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays

        Returns
        -------
        X_scaled : same form and shape as X, float

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        """
        if self._check_fitted() and self.per_sequence:
            return self._apply(X, self._standardise_one)
        return self._apply(X, self._scaler_.transform)

    def _standardise_one(self, x):
        """One (T_i, F) sequence by its own statistics (a constant feature: scale 1)."""
        return StandardScaler(with_mean=self.with_mean, with_std=self.with_std).fit_transform(x)

    def inverse_transform(self, X):
        """Undo :meth:`transform`.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays

        Returns
        -------
        X_original : same form and shape as X, float

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            With ``per_sequence=True``: each sequence's statistics are not kept.
        """
        if self._check_fitted() and self.per_sequence:
            raise ValueError(
                "SequenceScaler(per_sequence=True) cannot inverse_transform: each sequence was "
                "standardised by its own mean and sd, which are not kept. Use "
                "per_sequence=False (statistics of the training data) to map values back."
            )
        return self._apply(X, self._scaler_.inverse_transform)

    def _check_fitted(self) -> bool:
        check_is_fitted(self, "n_features_in_")
        return True

    def _apply(self, X, func):
        sequences = check_sequences(
            X, n_features=self.n_features_in_, estimator_name=type(self).__name__
        )
        return sequences.map(func, keep_2d=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
