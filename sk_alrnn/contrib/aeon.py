"""aeon adapters: ALRNNClassifier / ALRNNRegressor as aeon time-series estimators.

aeon's collections are channel-first: ``(n, channels, T)`` (``numpy3D``), and
unequal-length collections are ``np-list``, a list of ``(channels, T_i)``
arrays.  The adapters convert both to the package's ``(n, T, F)`` /
list-of-``(T_i, F)`` input and delegate to the scikit-learn estimators.

aeon pins an older numpy (through numba), so install it in its own
environment: ``make venv-aeon`` builds ``.venv-aeon`` with torch, aeon and
this package (``make test-aeon`` runs aeon's estimator checks there).
"""

from __future__ import annotations

from aeon.classification.base import BaseClassifier
from aeon.regression.base import BaseRegressor

from .._net import ALRNNClassifier, ALRNNRegressor
from ._adapter import _Adapter, panel_to_sequences

__all__ = ["ALRNNAeonClassifier", "ALRNNAeonRegressor"]

_TAGS = {
    "X_inner_type": ["np-list", "numpy3D"],
    "capability:multivariate": True,
    "capability:unequal_length": True,
    "python_dependencies": ["torch", "skorch"],
}


class _AeonAdapter(_Adapter):
    @classmethod
    def _get_test_params(cls, parameter_set="default"):
        """Small, seeded settings for aeon's own estimator checks."""
        return cls.get_test_params(parameter_set)


class ALRNNAeonClassifier(_AeonAdapter, BaseClassifier):
    """AL-RNN sequence classifier for aeon collections (wraps ``ALRNNClassifier``).

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
    >>> from sk_alrnn.contrib.aeon import ALRNNAeonClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = [rng.randn(2, T) for T in (9, 12, 15) * 8]  # np-list: (channels, T_i)
    >>> y = np.array([int(x[0].sum() > 0) for x in X])
    >>> clf = ALRNNAeonClassifier(M=6, P=1, max_epochs=3, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (24, 2)
    """

    _estimator_class = ALRNNClassifier
    _tags = dict(_TAGS)  # noqa: RUF012 (aeon convention)

    def _predict_proba(self, X):
        return self.estimator_.predict_proba(panel_to_sequences(X))


class ALRNNAeonRegressor(_AeonAdapter, BaseRegressor):
    """AL-RNN sequence-to-one regressor for aeon collections (wraps ``ALRNNRegressor``).

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
        Any other parameter of the wrapped estimator.

    Attributes
    ----------
    estimator_ : ALRNNRegressor
        The fitted scikit-learn estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.contrib.aeon import ALRNNAeonRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(30, 1, 12)
    >>> reg = ALRNNAeonRegressor(M=6, P=1, max_epochs=3, random_state=0).fit(X, X[:, 0].sum(axis=1))
    >>> reg.predict(X).shape
    (30,)
    """

    _estimator_class = ALRNNRegressor
    _tags = dict(_TAGS)  # noqa: RUF012 (aeon convention)
