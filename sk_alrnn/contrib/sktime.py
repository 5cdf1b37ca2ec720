"""sktime adapters: ALRNNClassifier / ALRNNRegressor as sktime time-series estimators.

sktime's panels are channel-first, ``(n, channels, T)`` (mtype ``numpy3D``);
unequal-length panels arrive as ``df-list`` (one ``(T_i, channels)`` DataFrame
per instance).  The adapters convert both to the package's ``(n, T, F)`` /
list-of-``(T_i, F)`` input and delegate to the scikit-learn estimators.

Warning: sktime's generic ``SklearnClassifierPipeline`` (what ``tabularizer *
classifier`` builds) flattens a multivariate panel into one long univariate
sequence, which an ``ALRNNClassifier`` then reads channel after channel --
silently wrong.  Use :class:`ALRNNSktimeClassifier` instead.
"""

from __future__ import annotations

from sktime.classification.base import BaseClassifier
from sktime.regression.base import BaseRegressor

from .._net import ALRNNClassifier, ALRNNRegressor
from ._adapter import _Adapter, panel_to_sequences

__all__ = ["ALRNNSktimeClassifier", "ALRNNSktimeRegressor"]

# "df-list" first: sktime converts unequal-length input to the first inner
# mtype that can hold it; with "numpy3D" first such input fails to convert.
_INNER_MTYPES = ["df-list", "numpy3D"]


_TAGS = {
    "X_inner_mtype": _INNER_MTYPES,
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "capability:random_state": True,
    "python_dependencies": ["torch", "skorch"],
    "authors": ["sk_alrnn developers"],
}


class ALRNNSktimeClassifier(_Adapter, BaseClassifier):
    """AL-RNN sequence classifier for sktime panels (wraps ``ALRNNClassifier``).

    Parameters
    ----------
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units (the last P of the M).
    lr : float, default=3e-3
        Learning rate.
    max_epochs : int, default=100
        Training epochs.
    batch_size : int, default=64
        Sequences per batch.
    random_state : int or None, default=None
        Seeds initialisation and shuffling.
    net_params : dict or None, default=None
        Any other parameter of the wrapped estimator (``device``,
        ``callbacks``, ``max_grad_norm``, ...).

    Attributes
    ----------
    estimator_ : ALRNNClassifier
        The fitted scikit-learn estimator (``regimes_``, ``linearize()``, ...).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.contrib.sktime import ALRNNSktimeClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(30, 2, 12)  # sktime layout: (n, channels, T)
    >>> y = np.where(X[:, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = ALRNNSktimeClassifier(M=6, P=1, max_epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (30, 2)
    >>> clf.estimator_.n_features_in_
    2
    """

    _estimator_class = ALRNNClassifier
    _tags = {**_TAGS, "capability:predict_proba": True}  # noqa: RUF012 (sktime convention)

    def _predict_proba(self, X):
        return self.estimator_.predict_proba(panel_to_sequences(X))


class ALRNNSktimeRegressor(_Adapter, BaseRegressor):
    """AL-RNN sequence-to-one regressor for sktime panels (wraps ``ALRNNRegressor``).

    Parameters
    ----------
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units (the last P of the M).
    lr : float, default=3e-3
        Learning rate.
    max_epochs : int, default=100
        Training epochs.
    batch_size : int, default=64
        Sequences per batch.
    random_state : int or None, default=None
        Seeds initialisation and shuffling.
    net_params : dict or None, default=None
        Any other parameter of the wrapped estimator (``device``,
        ``callbacks``, ``max_grad_norm``, ...).

    Attributes
    ----------
    estimator_ : ALRNNRegressor
        The fitted scikit-learn estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.contrib.sktime import ALRNNSktimeRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(30, 1, 12)
    >>> y = X.sum(axis=2)[:, 0]
    >>> reg = ALRNNSktimeRegressor(M=6, P=1, max_epochs=3, random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (30,)
    """

    _estimator_class = ALRNNRegressor
    _tags = dict(_TAGS)  # noqa: RUF012 (sktime convention)
