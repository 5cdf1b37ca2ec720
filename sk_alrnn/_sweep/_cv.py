"""ALRNNClassifierCV / ALRNNRegressorCV: a cross-validated sweep over P in one batched fit.

Each (P, fold) model is set up as the plain estimator GridSearchCV would fit
(``clone(template).set_params(P=P)`` on the fold's training part: the same
validation, initial weights and minibatch order), then all of them are trained
together by the batched engine (``_batched``), loaded back into those plain
estimators and scored on their held-out parts with the scorer GridSearchCV
would use.  The chosen P is refit on all the data as a plain estimator.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils.validation import check_is_fitted

from .._net import ALRNNClassifier, ALRNNRegressor
from ..io import PersistenceMixin
from ..model_selection import minimal_P_refit
from ..utils import (
    as_padded,
    check_option,
    check_param,
    check_sizes,
    input_error,
)
from ._engine import BATCHED_OPTIMIZERS
from ._search import BatchedSearch, cv_results

__all__ = ["ALRNNClassifierCV", "ALRNNRegressorCV"]

# Training parameters the engine reproduces; any other skorch parameter would
# change training in a way the batched engine does not model, so with one of
# them the models are trained one by one as plain estimators (GridSearchCV's path).
_ENGINE_PREFIXES = ("optimizer__", "iterator_train__", "iterator_valid__")
_ENGINE_NAMES = {"device", "warm_start"}


class _SweepCVBase(BatchedSearch, PersistenceMixin, BaseEstimator):
    """Shared fit logic; subclasses set ``_plain_class``."""

    # What save() writes: the search's results and the refit plain estimator
    # (itself written as a nested estimator with its weights).
    _persisted_attributes = (
        "cv_results_",
        "best_index_",
        "P_",
        "best_score_",
        "best_params_",
        "n_splits_",
        "best_estimator_",
        "n_features_in_",
    )

    _plain_class: type = None

    def __init__(
        self,
        Ps=(0, 1, 2, 4, 8),
        M=16,
        *,
        cv=5,
        scoring=None,
        refit="minimal",
        random_state=None,
        max_memory_mb=1024.0,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        max_grad_norm=1.0,
        optimizer=torch.optim.Adam,
        verbose=0,
        **kwargs,
    ):
        self.Ps, self.M, self.cv, self.scoring, self.refit = Ps, M, cv, scoring, refit
        self.random_state, self.max_memory_mb = random_state, max_memory_mb
        self.lr, self.max_epochs, self.batch_size = lr, max_epochs, batch_size
        self.max_grad_norm, self.optimizer, self.verbose = (
            max_grad_norm,
            optimizer,
            verbose,
        )
        for name, value in kwargs.items():
            setattr(self, name, value)
        self._extra_params = sorted(kwargs)

    # ---- parameters -------------------------------------------------------
    def _get_param_names(self):
        return sorted(set(super()._get_param_names()) | set(self._extra_params))

    def set_params(self, **params):
        # Flat, as skorch's: "optimizer__eps" is a parameter of its own, not a
        # nested one; a new training parameter is checked at fit.
        for name, value in params.items():
            if name not in self._get_param_names():
                self._extra_params = sorted(self._extra_params + [name])
            setattr(self, name, value)
        return self

    def _training_params(self) -> dict:
        names = ("lr", "max_epochs", "batch_size", "max_grad_norm", "optimizer")
        params = {name: getattr(self, name) for name in names}
        params.update({name: getattr(self, name) for name in self._extra_params})
        return params

    def _template(self):
        """The plain estimator every model copies (its constructor checks the parameters)."""
        return self._plain_class(
            M=self.M, P=0, random_state=self.random_state, **self._training_params()
        )

    def _check_params(self) -> list:
        name = type(self).__name__
        if isinstance(self.Ps, (str, bytes)) or not np.iterable(self.Ps) or len(self.Ps) == 0:
            raise input_error(
                f"The 'Ps' parameter of {name}",
                "be a non-empty sequence of ints",
                repr(self.Ps),
            )
        Ps = list(self.Ps)
        for P in Ps:
            check_sizes(self.M, P, name)
        if len(set(Ps)) != len(Ps):
            raise input_error(f"The 'Ps' parameter of {name}", "not repeat a value", Ps)
        check_option(self.refit, "refit", name, ["minimal", "best"])
        check_param(
            self.max_memory_mb,
            "max_memory_mb",
            name,
            target_type=numbers.Real,
            min_val=0,
            include_boundaries="neither",
        )
        return [int(P) for P in Ps]

    def _engine_reproduces(self) -> bool:
        """Whether the batched engine trains exactly as the plain estimator would."""
        plain_only = [
            p
            for p in self._extra_params
            if not p.startswith(_ENGINE_PREFIXES) and p not in _ENGINE_NAMES
        ]
        return not plain_only and self.optimizer in BATCHED_OPTIMIZERS

    # ---- fitting ----------------------------------------------------------
    def fit(self, X, y, groups=None):
        """Cross-validate every P of ``Ps`` in one batched fit, then refit the chosen P.

        Parameters
        ----------
        X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        y : targets, as for the plain estimator.
        groups : array-like of shape (n,), optional
            Group labels for a group splitter passed as ``cv``.

        Returns
        -------
        self
        """
        Ps = self._check_params()
        template = self._template()
        name = type(self).__name__
        batch = as_padded(X, estimator_name=name)
        full_target, _ = template._validate_targets(y, batch, reset=True)
        # As GridSearchCV: an int cv is stratified on y for the classifier only.
        cv = check_cv(self.cv, y, classifier=is_classifier(self))
        splits = list(cv.split(X, y, groups))
        if self._engine_reproduces():
            views = [self._model_view(template, P, X, y, train) for P in Ps for train, _ in splits]
            fit_times = self._train(views, batch, y, full_target)
            scores, score_times = self._score(views, X, y, splits)
            self.cv_results_ = cv_results(Ps, len(splits), scores, fit_times, score_times)
        else:
            self.cv_results_ = self._plain_search(template, Ps, X, y, splits)
        self.best_index_ = self._best_index()
        self.P_ = Ps[self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.best_params_ = {"P": self.P_}
        self.n_splits_ = len(splits)
        self.best_estimator_ = clone(template).set_params(P=self.P_).fit(X, y)
        self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _plain_search(self, template, Ps: list, X, y, splits: list) -> dict:
        """``cv_results_`` of GridSearchCV itself, for parameters the engine does not model.

        API.md: the training parameters are those of the plain estimators
        (callbacks, criterion, train_split, any optimizer, ...); slower, but exact.
        """
        search = GridSearchCV(
            template, {"P": Ps}, cv=splits, scoring=self.scoring, refit=False, error_score=np.nan
        )
        return search.fit(X, y).cv_results_

    def _best_index(self) -> int:
        if self.refit == "minimal":
            return minimal_P_refit(self.cv_results_)
        return int(np.nanargmax(self.cv_results_["mean_test_score"]))

    # ---- answers through best_estimator_ ------------------------------------
    def _fitted(self):
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def predict(self, X):
        """Predictions of ``best_estimator_``."""
        return self._fitted().predict(X)

    def score(self, X, y, sample_weight=None):
        """Score of ``best_estimator_`` (accuracy / R^2)."""
        return self._fitted().score(X, y, sample_weight=sample_weight)

    def latent_states(self, X):
        """Latent states of ``best_estimator_``, see ``ALRNNClassifier.latent_states``."""
        return self._fitted().latent_states(X)

    def regime_codes(self, X):
        """Regime codes of ``best_estimator_``, see ``ALRNNClassifier.regime_codes``."""
        return self._fitted().regime_codes(X)

    def linearize(self):
        """``best_estimator_.linearize()``: the chosen network as a piecewise-affine system."""
        return self._fitted().linearize()

    @property
    def regimes_(self):
        """Regimes of ``best_estimator_`` on all training data."""
        return self._fitted().regimes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags


class ALRNNClassifierCV(ClassifierMixin, _SweepCVBase):
    """AL-RNN classifier with the number of ReLU units P chosen by cross-validation.

    Trains every (P, fold) model at once as one batched model, then refits the
    chosen P on all data as a plain :class:`ALRNNClassifier`.  Inputs, labels
    and input errors are those of ALRNNClassifier.

    Parameters
    ----------
    Ps : sequence of int, default=(0, 1, 2, 4, 8)
        Numbers of ReLU units to compare (each in [0, M], no repeats).
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
    verbose : int, default=0
        1 prints the engine's progress and any split into groups.
    **kwargs
        Training parameters of the plain estimator.  ``optimizer__*``,
        ``iterator_train__*``, ``iterator_valid__*``, ``device`` and
        ``warm_start`` keep the batched engine; any other skorch parameter
        (or an optimizer other than Adam and SGD) trains the models one by one
        as plain estimators, as GridSearchCV does (same results, slower).

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


class ALRNNRegressorCV(RegressorMixin, _SweepCVBase):
    """AL-RNN regressor with the number of ReLU units P chosen by cross-validation.

    Trains every (P, fold) model at once as one batched model, then refits the
    chosen P on all data as a plain :class:`ALRNNRegressor`.  Inputs, targets
    (per sequence or per step) and input errors are those of ALRNNRegressor.

    Parameters
    ----------
    Ps : sequence of int, default=(0, 1, 2, 4, 8)
        Numbers of ReLU units to compare (each in [0, M], no repeats).
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
    verbose : int, default=0
        1 prints the engine's progress and any split into groups.
    **kwargs
        Training parameters of the plain estimator.  ``optimizer__*``,
        ``iterator_train__*``, ``iterator_valid__*``, ``device`` and
        ``warm_start`` keep the batched engine; any other skorch parameter
        (or an optimizer other than Adam and SGD) trains the models one by one
        as plain estimators, as GridSearchCV does (same results, slower).

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
