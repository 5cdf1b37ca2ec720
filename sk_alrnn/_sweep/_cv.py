"""ALRNNClassifierCV / ALRNNRegressorCV: a cross-validated sweep over P in one batched fit.

Each (P, fold) model is set up as the plain estimator GridSearchCV would fit,
then all of them are trained together by the batched engine (``_search``,
``_engine``); the chosen P is refit on all the data as a plain estimator.
The shared parameters and fit paths are in ``_base``.
"""

from __future__ import annotations

from sklearn.base import ClassifierMixin, RegressorMixin

from .._net import ALRNNClassifier, ALRNNRegressor
from ._base import SweepCVBase

__all__ = ["ALRNNClassifierCV", "ALRNNRegressorCV"]


class ALRNNClassifierCV(ClassifierMixin, SweepCVBase):
    """AL-RNN classifier with the number of ReLU units P chosen by cross-validation.

    Trains every (P, fold) model at once as one batched model, then refits the
    chosen P on all data as a plain :class:`ALRNNClassifier`.  Inputs, labels
    and input errors are those of ALRNNClassifier.

    Parameters
    ----------
    Ps : iterable of int, default=(0, 1, 2, 4, 8)
        Numbers of ReLU units to compare (each in [0, M], no repeats); any
        iterable, a generator included.
    M : int, default=16
        Number of latent units of every model.
    cv : int, cross-validation generator or iterable, default=5
        As in GridSearchCV: an int gives StratifiedKFold with that many folds.
    scoring : str, callable or None, default=None
        As in GridSearchCV; None uses the estimator's ``score`` (accuracy).
    refit : {"minimal", "best"}, default="minimal"
        "minimal" picks the smallest P within one standard error of the best
        mean score (:func:`sk_alrnn.model_selection.minimal_P_refit`);
        "best" the best mean score.
    random_state : int, RandomState instance or None, default=None
        Given to every model as GridSearchCV gives it: each (P, fold) model
        starts from the weights and minibatch order of the plain estimator
        with this random_state.
    max_memory_mb : float, default=1024.0
        Budget for the batched training buffers; when all models would need
        more, they are trained in groups one after another (said at verbose=1).
    lr : float, default=3e-3
    max_epochs : int, default=100
    batch_size : int, default=64
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping, applied to each model's own gradient.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Adam and SGD train in the batched engine; others one model at a time.
    on_divergence, train_split, callbacks, device, progress_bar, module
        The plain estimator's parameters, with its defaults (so are
        ``iterator_train``, ``iterator_valid``, ``predict_nonlinearity``,
        ``compile`` and ``use_caching``).  At any other
        value than the default (``device`` aside) the models train one at a
        time as plain estimators, as GridSearchCV does (same results, slower).
    criterion : type or None, default=None
        The loss; None is the plain estimator's default.  Another loss trains
        the models one at a time.
    verbose : int, default=0
        1 prints the engine's progress, any split into groups, and why a fit
        trains one model at a time.
    **routed
        skorch's routed parameters (``optimizer__*``, ``module__*``,
        ``criterion__*``, ``iterator_train__*``, ``iterator_valid__*``,
        ``callbacks__*``).  ``iterator_*__`` and the batched optimizer's own
        arguments (Adam: betas, eps, weight_decay; SGD: momentum, dampening,
        weight_decay, nesterov) keep the batched engine; any other routed
        parameter trains the models one at a time.  Any other name is refused
        (at ``set_params`` and ``fit``) with the list of valid ones.

    Attributes
    ----------
    P_ : int
        The chosen number of ReLU units.
    cv_results_ : dict of ndarrays
        As GridSearchCV's for the grid {"P": Ps}: ``params``, ``param_P``,
        ``split<i>_test_score``, ``mean/std/rank_test_score``,
        ``mean/std_fit_time`` (each model's share of its batched group's wall
        time) and ``mean/std_score_time``.
    best_estimator_ : ALRNNClassifier
        P = ``P_``, refit on all of X.
    best_index_ : int
    best_score_ : float
        Mean cross-validated score of ``P_``.
    best_params_ : dict
    n_splits_ : int
    n_features_in_ : int
    fit_path_ : {"batched", "sequential"}
        Whether the models trained together in the batched engine, or one at
        a time as plain estimators (for training parameters the engine does
        not model, or sample weights).
    classes_ : ndarray of shape (n_classes,)

    See Also
    --------
    ALRNNClassifier, sk_alrnn.model_selection.sweep_P

    Notes
    -----
    Model k of the batch ends with the weights a standalone ALRNNClassifier fit
    on its fold reaches (same initial weights and minibatch order, float32
    rounding aside), so ``cv_results_`` estimates what GridSearchCV estimates;
    each fold is scored on its held-out part.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 8, 2)
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = ALRNNClassifierCV(Ps=(0, 1), M=4, cv=2, max_epochs=2, random_state=0).fit(X, y)
    >>> clf.P_ in (0, 1), sorted(clf.cv_results_["params"][0])
    (True, ['P'])
    >>> clf.predict(X).shape
    (40,)
    """

    _plain_class = ALRNNClassifier

    @property
    def classes_(self):
        return self._fitted().classes_

    def predict_proba(self, X):
        """Class probabilities of ``best_estimator_``, shape (n_samples, n_classes)."""
        return self._fitted().predict_proba(X)


class ALRNNRegressorCV(RegressorMixin, SweepCVBase):
    """AL-RNN regressor with the number of ReLU units P chosen by cross-validation.

    Trains every (P, fold) model at once as one batched model, then refits the
    chosen P on all data as a plain :class:`ALRNNRegressor`.  Inputs, targets
    (per sequence or per step) and input errors are those of ALRNNRegressor.

    Parameters
    ----------
    Ps : iterable of int, default=(0, 1, 2, 4, 8)
        Numbers of ReLU units to compare (each in [0, M], no repeats); any
        iterable, a generator included.
    M : int, default=16
        Number of latent units of every model.
    cv : int, cross-validation generator or iterable, default=5
        As in GridSearchCV: an int gives KFold with that many folds.
    scoring : str, callable or None, default=None
        As in GridSearchCV; None uses the estimator's ``score`` (R^2).
    refit : {"minimal", "best"}, default="minimal"
        "minimal" picks the smallest P within one standard error of the best
        mean score (:func:`sk_alrnn.model_selection.minimal_P_refit`);
        "best" the best mean score.
    random_state : int, RandomState instance or None, default=None
        Given to every model as GridSearchCV gives it: each (P, fold) model
        starts from the weights and minibatch order of the plain estimator
        with this random_state.
    max_memory_mb : float, default=1024.0
        Budget for the batched training buffers; when all models would need
        more, they are trained in groups one after another (said at verbose=1).
    lr : float, default=3e-3
    max_epochs : int, default=100
    batch_size : int, default=64
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping, applied to each model's own gradient.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Adam and SGD train in the batched engine; others one model at a time.
    on_divergence, train_split, callbacks, device, progress_bar, module
        The plain estimator's parameters, with its defaults (so are
        ``iterator_train``, ``iterator_valid``, ``predict_nonlinearity``,
        ``compile`` and ``use_caching``).  At any other
        value than the default (``device`` aside) the models train one at a
        time as plain estimators, as GridSearchCV does (same results, slower).
    criterion : type or None, default=None
        The loss; None is the plain estimator's default.  Another loss trains
        the models one at a time.
    verbose : int, default=0
        1 prints the engine's progress, any split into groups, and why a fit
        trains one model at a time.
    **routed
        skorch's routed parameters (``optimizer__*``, ``module__*``,
        ``criterion__*``, ``iterator_train__*``, ``iterator_valid__*``,
        ``callbacks__*``).  ``iterator_*__`` and the batched optimizer's own
        arguments (Adam: betas, eps, weight_decay; SGD: momentum, dampening,
        weight_decay, nesterov) keep the batched engine; any other routed
        parameter trains the models one at a time.  Any other name is refused
        (at ``set_params`` and ``fit``) with the list of valid ones.

    Attributes
    ----------
    P_ : int
        The chosen number of ReLU units.
    cv_results_ : dict of ndarrays
        As GridSearchCV's for the grid {"P": Ps}: ``params``, ``param_P``,
        ``split<i>_test_score``, ``mean/std/rank_test_score``,
        ``mean/std_fit_time`` (each model's share of its batched group's wall
        time) and ``mean/std_score_time``.
    best_estimator_ : ALRNNRegressor
        P = ``P_``, refit on all of X.
    best_index_ : int
    best_score_ : float
        Mean cross-validated score of ``P_``.
    best_params_ : dict
    n_splits_ : int
    n_features_in_ : int
    fit_path_ : {"batched", "sequential"}
        Whether the models trained together in the batched engine, or one at
        a time as plain estimators (for training parameters the engine does
        not model, or sample weights).

    See Also
    --------
    ALRNNRegressor, sk_alrnn.model_selection.sweep_P

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 8, 2)
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = ALRNNRegressorCV(Ps=(0, 2), M=4, cv=2, max_epochs=2, random_state=0).fit(X, y)
    >>> reg.best_estimator_.P == reg.P_
    True
    >>> reg.predict(X).shape
    (40,)
    """

    _plain_class = ALRNNRegressor

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # As ALRNNRegressor: (n, k) targets are native, and 2-D X of scikit-learn's
        # checks is read as short univariate sequences.
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True
        return tags
