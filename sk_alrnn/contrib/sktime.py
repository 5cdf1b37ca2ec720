"""sktime adapters: ALRNNClassifier / ALRNNRegressor / ALRNNForecaster for sktime.

sktime's panels are channel-first, ``(n, channels, T)`` (mtype ``numpy3D``);
unequal-length panels arrive as ``df-list`` (one ``(T_i, channels)`` DataFrame
per instance).  The adapters convert both to the package's ``(n, T, F)`` /
list-of-``(T_i, F)`` input and delegate to the scikit-learn estimators.

Warning: sktime's generic ``SklearnClassifierPipeline`` (what ``tabularizer *
classifier`` builds) flattens a multivariate panel into one long univariate
sequence, which an ``ALRNNClassifier`` then reads channel after channel --
silently wrong.  Use :class:`ALRNNSktimeClassifier` instead.

:class:`ALRNNSktimeForecaster` wraps ``ALRNNForecaster`` as an sktime forecaster
(``fit(y)``, ``predict(fh)``, ``update``), so ``temporal_train_test_split``,
``ForecastingHorizon`` and ``evaluate`` work with it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sktime.classification.base import BaseClassifier
from sktime.forecasting.base import BaseForecaster
from sktime.regression.base import BaseRegressor

from .._net import ALRNNClassifier, ALRNNForecaster, ALRNNRegressor
from ._adapter import _Adapter, panel_to_sequences

__all__ = ["ALRNNSktimeClassifier", "ALRNNSktimeForecaster", "ALRNNSktimeRegressor"]

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


class ALRNNSktimeForecaster(BaseForecaster):
    """AL-RNN forecaster for sktime (wraps ``ALRNNForecaster``).

    Fits the dynamical-systems model to the observed series ``y`` (one trajectory,
    univariate or multivariate), then forecasts by assimilating all data seen so far
    (hard forcing at every step) and running the model freely for the requested
    horizon (``ALRNNForecaster.forecast``).  Only future horizons (``fh`` >= 1 step
    after the cutoff) are supported; exogenous ``X`` is ignored.  ``update(y_new)``
    appends the new observations to the context the next forecast assimilates; it
    does not retrain the model (refit for that, e.g. ``evaluate(strategy="refit")``).

    Parameters
    ----------
    M : int, default=20
        Number of latent units (at least the number of variables).
    P : int, default=2
        Number of ReLU units (the last P of the M).
    max_epochs : int, default=1000
        Training epochs of ``ALRNNForecaster``.
    standardize : bool, default=True
        Fit on each variable's z-score (training mean and standard deviation) and
        map forecasts back; ``ALRNNForecaster`` expects standardised data.
    random_state : int or None, default=None
        Seeds initialisation, window sampling and noise.
    forecaster_params : dict or None, default=None
        Any other parameter of ``ALRNNForecaster`` (``sequence_length``,
        ``tf_interval``, ``lr``, ``batches_per_epoch``, ``checkpoint_interval``, ...).

    Attributes
    ----------
    forecaster_ : ALRNNForecaster
        The fitted model (``regimes_``, ``linearize()``, ``simulate``, ...).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sktime.split import temporal_train_test_split
    >>> from sk_alrnn.contrib.sktime import ALRNNSktimeForecaster
    >>> y = pd.Series(np.sin(np.arange(120) / 4.0))
    >>> y_train, y_test = temporal_train_test_split(y, test_size=10)
    >>> params = dict(sequence_length=20, batches_per_epoch=5, checkpoint_interval=None)
    >>> f = ALRNNSktimeForecaster(M=6, P=1, max_epochs=3, random_state=0,
    ...                           forecaster_params=params)
    >>> y_pred = f.fit(y_train).predict(fh=np.arange(1, 11))
    >>> y_pred.index.equals(y_test.index)
    True
    """

    _tags = {  # noqa: RUF012 (sktime convention)
        "y_inner_mtype": "pd.DataFrame",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": True,
        "capability:exogenous": False,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "requires-fh-in-fit": False,
        "capability:update": True,
        "capability:random_state": True,
        "python_dependencies": ["torch", "skorch"],
        "authors": ["sk_alrnn developers"],
    }

    def __init__(
        self,
        M=20,
        P=2,
        max_epochs=1000,
        standardize=True,
        random_state=None,
        forecaster_params=None,
    ):
        self.M, self.P, self.max_epochs = M, P, max_epochs
        self.standardize, self.random_state = standardize, random_state
        self.forecaster_params = forecaster_params
        with warnings.catch_warnings():
            # sktime 1.2 announces that remember_data will default to False; this
            # adapter needs the data seen so far (the context of every forecast), so
            # it keeps the current default, True, and the notice is not for its users.
            warnings.filterwarnings("ignore", "The default of config", FutureWarning)
            super().__init__()

    def _fit(self, y, X=None, fh=None):
        values = y.to_numpy(dtype=np.float64)
        self._mean = values.mean(axis=0) if self.standardize else np.zeros(values.shape[1])
        scale = values.std(axis=0) if self.standardize else np.ones(values.shape[1])
        self._scale = np.where(scale > 0, scale, 1.0)  # a constant variable stays as it is
        self.forecaster_ = ALRNNForecaster(
            M=self.M,
            P=self.P,
            max_epochs=self.max_epochs,
            random_state=self.random_state,
            **(self.forecaster_params or {}),
        ).fit((values - self._mean) / self._scale)
        return self

    def _update(self, y, X=None, update_params=True):
        # sktime has appended y to self._y, the context of the next forecast: no refit.
        return self

    def _predict(self, fh, X=None):
        # Relative steps >= 1: sktime refuses in-sample horizons (capability:insample).
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=int)
        context = (self._y.to_numpy(dtype=np.float64) - self._mean) / self._scale
        path = self.forecaster_.forecast(context, n_steps=int(steps.max()))
        values = path[steps - 1] * self._scale + self._mean
        index = fh.to_absolute_index(self.cutoff)
        return pd.DataFrame(values, index=index, columns=self._y.columns)

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, fast settings for sktime's checks (series of a few dozen steps).

        Parameters
        ----------
        parameter_set : str, default="default"
            sktime's name of the parameter set (one set here).

        Returns
        -------
        params : list of dict
        """
        small = dict(
            sequence_length=4,
            tf_interval=2,
            batch_size=4,
            batches_per_epoch=2,
            checkpoint_interval=None,
        )
        return [
            {"M": 4, "P": 1, "max_epochs": 2, "random_state": 0, "forecaster_params": small},
            {
                "M": 5,
                "P": 0,
                "max_epochs": 1,
                "standardize": False,
                "random_state": 1,
                "forecaster_params": small,
            },
        ]
