"""What both CV estimators share: a closed parameter list, the two fit paths, the answers.

The parameter list is closed, as scikit-learn's ``RidgeCV``: every accepted
name is a parameter of ``__init__`` (the search's own, and every training
parameter of the plain estimators), plus skorch's routed names
(``optimizer__*``, ``module__*``, ...).  ``get_params`` lists exactly those;
an unknown name is refused at ``set_params`` and at ``fit``, naming the valid
ones.  A fit takes the batched path when the engine reproduces every
training parameter, and otherwise trains the models one at a time as
GridSearchCV would; ``fit_path_`` records which.
"""

from __future__ import annotations

import difflib
import inspect
import numbers

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils.validation import check_is_fitted
from torch.utils.data import DataLoader

from ..io import PersistenceMixin
from ..model_selection import minimal_P_refit
from ..nn import ALRNNModule
from ..utils import as_padded, check_option, check_param, check_sizes, input_error
from ._engine import BATCHED_OPTIMIZERS
from ._search import BatchedSearch, cv_results

__all__ = ["ROUTED_PREFIXES", "SweepCVBase"]

# skorch's routed parameters: "optimizer__betas" goes to the optimizer, and so on.
ROUTED_PREFIXES = (
    "module__",
    "criterion__",
    "optimizer__",
    "iterator_train__",
    "iterator_valid__",
    "callbacks__",
)
# Training parameters the engine does not model, with the value that keeps the
# batched path (the plain estimator's default); any other value trains the
# models one at a time. (progress_bar is modelled: the engine draws a bar over its epochs.)
_BATCHED_ONLY_WITH = {
    "on_divergence": "raise",
    "train_split": None,
    "callbacks": None,
    "module": ALRNNModule,
    "criterion": None,
    "iterator_train": DataLoader,
    "iterator_valid": DataLoader,
    "predict_nonlinearity": "auto",
    "compile": False,
    "use_caching": "auto",
}
# Routed prefixes whose parameters the engine honours: the minibatch order comes
# from the plain estimator's own loader (iterator_*); optimizer__* is checked
# against the batched optimizer's arguments.
_BATCHED_PREFIXES = ("iterator_train__", "iterator_valid__")
# The search's own parameters; the rest of __init__ goes to the plain estimator.
_SEARCH_PARAMS = ("Ps", "M", "cv", "scoring", "refit", "random_state", "max_memory_mb")


def _batched_optimizer_args(optimizer) -> set:
    """Keyword arguments the batched counterpart of ``optimizer`` takes (empty if none)."""
    batched = BATCHED_OPTIMIZERS.get(optimizer)
    if batched is None:
        return set()
    return set(inspect.signature(batched).parameters) - {"params", "lr"}


class SweepCVBase(BatchedSearch, PersistenceMixin, BaseEstimator):
    """Shared parameters and fit logic; subclasses set ``_plain_class``."""

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
        "fit_path_",
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
        on_divergence="raise",
        train_split=None,
        callbacks=None,
        device="cpu",
        progress_bar=False,
        verbose=0,
        module=ALRNNModule,
        criterion=None,
        iterator_train=DataLoader,
        iterator_valid=DataLoader,
        predict_nonlinearity="auto",
        compile=False,
        use_caching="auto",
        **routed,
    ):
        self.Ps, self.M, self.cv, self.scoring, self.refit = Ps, M, cv, scoring, refit
        self.random_state, self.max_memory_mb = random_state, max_memory_mb
        self.lr, self.max_epochs, self.batch_size = lr, max_epochs, batch_size
        self.max_grad_norm, self.optimizer = max_grad_norm, optimizer
        self.on_divergence, self.train_split, self.callbacks = on_divergence, train_split, callbacks
        self.device, self.progress_bar, self.verbose = device, progress_bar, verbose
        self.module, self.criterion = module, criterion
        self.iterator_train, self.iterator_valid = iterator_train, iterator_valid
        self.predict_nonlinearity, self.compile = predict_nonlinearity, compile
        self.use_caching = use_caching
        for name, value in routed.items():  # checked at fit (scikit-learn convention)
            setattr(self, name, value)
        self._routed = sorted(routed)

    # ---- parameters -------------------------------------------------------
    def _get_param_names(self):
        return sorted(set(super()._get_param_names()) | set(self._routed))

    def _check_name(self, name: str) -> None:
        """Refuse a name that is neither a parameter nor a routed skorch name."""
        named = super()._get_param_names()
        if name in named or (name.startswith(ROUTED_PREFIXES) and name not in ROUTED_PREFIXES):
            return
        close = difflib.get_close_matches(name, named, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"Invalid parameter {name!r} for estimator {type(self).__name__}.{hint} Valid "
            f"parameters are: {named}, and skorch's routed names starting with "
            f"{', '.join(ROUTED_PREFIXES)}."
        )

    def set_params(self, **params):
        """Set parameters; an unknown name raises ValueError naming the valid ones.

        Routed names (``optimizer__eps``) are flat parameters of their own,
        as in skorch.

        Returns
        -------
        self : object
        """
        for name in params:
            self._check_name(name)
        for name, value in params.items():
            if name not in super()._get_param_names() and name not in self._routed:
                self._routed = sorted(self._routed + [name])
            setattr(self, name, value)
        return self

    def _training_params(self) -> dict:
        """The plain estimator's parameters, as this search holds them."""
        named = [n for n in super()._get_param_names() if n not in _SEARCH_PARAMS]
        params = {name: getattr(self, name) for name in named}
        if params["criterion"] is None:  # the plain estimator's own loss
            del params["criterion"]
        params.update({name: getattr(self, name) for name in self._routed})
        return params

    def _template(self):
        """The plain estimator every model copies."""
        return self._plain_class(
            M=self.M, P=0, random_state=self.random_state, **self._training_params()
        )

    def _check_params(self) -> list:
        name = type(self).__name__
        for param in self._routed:
            self._check_name(param)
        Ps = None
        if not isinstance(self.Ps, (str, bytes)) and np.iterable(self.Ps):
            Ps = list(self.Ps)  # any iterable, a generator included (read once)
        if not Ps:
            raise input_error(
                f"The 'Ps' parameter of {name}", "be a non-empty iterable of ints", repr(self.Ps)
            )
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

    def _sequential_reasons(self, sample_weight) -> list:
        """Why the batched engine cannot reproduce the plain fits (empty: it can)."""
        plain_criterion = inspect.signature(self._plain_class).parameters["criterion"].default
        reasons = [
            f"{name}={getattr(self, name)!r}"
            for name, batched in _BATCHED_ONLY_WITH.items()
            if getattr(self, name) is not batched
            and getattr(self, name) != batched
            and not (name == "criterion" and self.criterion is plain_criterion)
        ]
        if self.optimizer not in BATCHED_OPTIMIZERS:
            reasons.append(f"optimizer={self.optimizer!r}")
        optimizer_args = _batched_optimizer_args(self.optimizer)
        for name in self._routed:
            if name.startswith("optimizer__") and name[len("optimizer__") :] in optimizer_args:
                continue
            if not name.startswith(_BATCHED_PREFIXES):
                reasons.append(f"{name}={getattr(self, name)!r}")
        if sample_weight is not None:
            reasons.append("sample_weight")
        return reasons

    # ---- fitting ----------------------------------------------------------
    def fit(self, X, y, sample_weight=None, *, groups=None):
        """Cross-validate every P of ``Ps``, then refit the chosen P on all of X.

        Parameters
        ----------
        X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences, as for the plain estimator.
        y : array-like or list
            Targets, as for the plain estimator.
        sample_weight : array-like or None, default=None
            Weights of the training loss, as the plain estimator's ``fit``
            takes them (per sequence, or per step).  Given weights train the
            models one at a time (GridSearchCV's path); scores are unweighted,
            as GridSearchCV's.
        groups : array-like of shape (n,), optional
            Group labels for a group splitter passed as ``cv``.

        Returns
        -------
        self : object
            The fitted search; ``fit_path_`` says which path trained it.
        """
        Ps = self._check_params()
        template = self._template()
        batch = as_padded(X, estimator_name=type(self).__name__)
        # Array-likes that are not lists become arrays once, so folds can index them.
        X = X if isinstance(X, (list, tuple)) else np.asarray(X)
        y = y if isinstance(y, (list, tuple)) or y is None else np.asarray(y)
        full_target, _ = template._validate_targets(y, batch, reset=True)
        # As GridSearchCV: an int cv is stratified on y for the classifier only.
        cv = check_cv(self.cv, y, classifier=is_classifier(self))
        splits = list(cv.split(X, y, groups))
        reasons = self._sequential_reasons(sample_weight)
        if not reasons:
            views = [self._model_view(template, P, X, y, train) for P in Ps for train, _ in splits]
            fit_times = self._train(views, batch, y, full_target)
            scores, score_times = self._score(views, X, y, splits)
            results = cv_results(Ps, len(splits), scores, fit_times, score_times)
        else:
            if self.verbose:
                print(f"{type(self).__name__}: one model at a time ({', '.join(reasons)}).")
            results = self._plain_search(template, Ps, X, y, splits, sample_weight)
        best_index = self._best_index(results)
        self.cv_results_, self.best_index_ = results, best_index
        self.fit_path_ = "sequential" if reasons else "batched"
        self.P_ = Ps[best_index]
        self.best_score_ = float(results["mean_test_score"][best_index])
        self.best_params_ = {"P": self.P_}
        self.n_splits_ = len(splits)
        refit = clone(template).set_params(P=self.P_)
        self.best_estimator_ = refit.fit(X, y, sample_weight=sample_weight)
        self.n_features_in_ = self.best_estimator_.n_features_in_
        return self

    def _plain_search(self, template, Ps: list, X, y, splits: list, sample_weight) -> dict:
        """``cv_results_`` of GridSearchCV itself, for what the engine does not model.

        The training parameters are those of the plain estimators (callbacks,
        criterion, train_split, any optimizer, sample weights, ...); slower,
        but exact.
        """
        search = GridSearchCV(
            template, {"P": Ps}, cv=splits, scoring=self.scoring, refit=False, error_score=np.nan
        )
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        return search.fit(X, y, **fit_params).cv_results_

    def _best_index(self, results: dict) -> int:
        means = results["mean_test_score"]
        if np.isnan(means).all():
            raise ValueError(
                f"{type(self).__name__} cannot choose P: every candidate's mean test score is "
                f"NaN (every fit diverged or the scorer returned NaN), so refit={self.refit!r} "
                "has nothing to compare. Lower lr, standardise the inputs, or check scoring."
            )
        if self.refit == "minimal":
            return minimal_P_refit(results)
        return int(np.nanargmax(means))

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
