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
import time
import warnings

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import GridSearchCV, check_cv
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._net._estimators import ALRNNClassifier, ALRNNRegressor
from ..io._persistence import PersistenceMixin
from ..model_selection import minimal_P_refit
from ..utils._validation import (
    as_padded,
    check_option,
    check_param,
    check_sizes,
    check_step_labels,
    input_error,
)
from ._engine import _OPTIMIZERS, PARAM_NAMES, BatchedProblem, plan_groups, train_batched

__all__ = ["ALRNNClassifierCV", "ALRNNRegressorCV"]

# Training parameters the engine reproduces; any other skorch parameter would
# change training in a way the batched engine does not model, so with one of
# them the models are trained one by one as plain estimators (GridSearchCV's path).
_ENGINE_PREFIXES = ("optimizer__", "iterator_train__", "iterator_valid__")
_ENGINE_NAMES = {"device", "warm_start"}


class _IndexDataset(torch.utils.data.Dataset):
    """Row numbers 0..n-1: runs the plain estimator's DataLoader to read its minibatch order."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> int:
        return i

    def __getitems__(self, rows: list) -> np.ndarray:
        # One call per minibatch instead of one per row: 25 models x 4 epochs of
        # 800 rows took 0.8 s row by row.
        return np.asarray(rows, dtype=np.int64)


class _SweepCVBase(PersistenceMixin, BaseEstimator):
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
        return not plain_only and self.optimizer in _OPTIMIZERS

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
        self._check_folds(splits)
        if self._engine_reproduces():
            views = [self._model_view(template, P, X, y, train) for P in Ps for train, _ in splits]
            fit_times = self._train(views, batch, y, full_target)
            scores, score_times = self._score(views, X, y, splits)
            results = _cv_results(Ps, len(splits), scores, fit_times, score_times)
        else:
            results = self._plain_search(template, Ps, X, y, splits)
        # Everything is computed before any attribute is set: a refused fit leaves a
        # previously fitted estimator exactly as it was.
        best_index = self._best_index(results, splits)
        best_estimator = clone(template).set_params(P=Ps[best_index]).fit(X, y)
        self.cv_results_ = results
        self.best_index_ = best_index
        self.P_ = Ps[best_index]
        self.best_score_ = float(results["mean_test_score"][best_index])
        self.best_params_ = {"P": self.P_}
        self.n_splits_ = len(splits)
        self.best_estimator_ = best_estimator
        self.n_features_in_ = best_estimator.n_features_in_
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

    def _model_view(self, template, P: int, X, y, train: np.ndarray) -> dict:
        """The plain estimator of one (P, fold), initialised as its own fit would do it."""
        est = clone(template).set_params(P=P)
        with est._fitting(_safe_indexing(X, train), _safe_indexing(y, train), reset=True):
            # The same loader (and generator) the fit would shuffle with, over row numbers.
            loader = est.get_iterator(_IndexDataset(len(train)), training=True)
            schedule = [train[rows.numpy()] for _ in range(est.max_epochs) for rows in loader]
        return {"estimator": est, "P": P, "schedule": schedule}

    def _train(self, views: list, batch, y, full_target) -> np.ndarray:
        """Train all views in memory-bounded groups; return each model's share of the time."""
        template = views[0]["estimator"]
        device = template.device
        problem_for = {}
        fit_times = np.zeros(len(views))
        n_steps, n_features = batch.values.shape[1], batch.n_features
        batch_size = max(len(b) for view in views for b in view["schedule"][:1])
        for key, members in self._output_groups(views).items():
            problem_for[key] = self._problem(batch, y, full_target, views[members[0]], device)
            member_Ps = [views[k]["P"] for k in members]
            groups, memory_bound = plan_groups(
                member_Ps, self.M, n_features, n_steps, batch_size, self.max_memory_mb
            )
            if self.verbose and len(groups) > 1:
                reason = (
                    f"exceed max_memory_mb={self.max_memory_mb}"
                    if memory_bound
                    else "train faster in cache-sized groups"
                )
                print(
                    f"{type(self).__name__}: {len(members)} models {reason}; training them "
                    f"in {len(groups)} groups of sizes {[len(g) for g in groups]}."
                )
            for group in groups:
                models = [views[members[i]] for i in group]
                seconds = self._train_group(models, problem_for[key], template)
                fit_times[[members[i] for i in group]] = seconds / len(group)
        return fit_times

    @staticmethod
    def _output_groups(views: list) -> dict:
        """Models that share an output layout (classes seen in the fold) train together."""
        groups = {}
        for k, view in enumerate(views):
            est = view["estimator"]
            classes = getattr(est, "_label_encoder_", None)
            key = (est._n_outputs_,) if classes is None else tuple(classes.classes_.tolist())
            groups.setdefault(key, []).append(k)
        return groups

    def _problem(self, batch, y, full_target, view: dict, device) -> BatchedProblem:
        est = view["estimator"]
        if is_classifier(self):
            # Encoded with this group's classes (a fold may lack one).
            targets = _encode_for(est._label_encoder_.classes_, y, batch)
        else:
            targets = full_target
        if est._sequence_output_:
            targets = targets.swapaxes(0, 1)
        # Time-major once here, so every minibatch is gathered in the kernel's layout.
        return BatchedProblem(
            values=torch.as_tensor(batch.values.transpose(1, 0, 2).copy(), device=device),
            lengths=torch.as_tensor(batch.lengths, device=device),
            targets=torch.as_tensor(np.ascontiguousarray(targets), device=device),
            classification=is_classifier(self),
            sequence_output=bool(est._sequence_output_),
        )

    def _train_group(self, models: list, problem: BatchedProblem, template) -> float:
        params = {
            name: torch.stack(
                [getattr(m["estimator"].module_, name).detach() for m in models]
            ).clone()
            for name in PARAM_NAMES
        }
        opt_kwargs = template.get_params_for("optimizer")
        log = print if self.verbose else None
        start = time.perf_counter()
        failed = train_batched(
            params,
            [m["P"] for m in models],
            [m["schedule"] for m in models],
            problem,
            optimizer=self.optimizer,
            lr=self.lr,
            optimizer_kwargs=opt_kwargs,
            max_grad_norm=self.max_grad_norm,
            log=log,
        )
        seconds = time.perf_counter() - start
        for k, model in enumerate(models):
            module = model["estimator"].module_
            with torch.no_grad():
                for name in PARAM_NAMES:
                    getattr(module, name).copy_(params[name][k])
            model["failed"] = bool(failed[k])
        return seconds

    def _score(self, views: list, X, y, splits: list):
        scorer = check_scoring(views[0]["estimator"], scoring=self.scoring)
        scores, times = np.full(len(views), np.nan), np.zeros(len(views))
        for k, view in enumerate(views):
            if view["failed"]:
                continue
            test = splits[k % len(splits)][1]
            start = time.perf_counter()
            scores[k] = scorer(view["estimator"], _safe_indexing(X, test), _safe_indexing(y, test))
            times[k] = time.perf_counter() - start
        n_failed = sum(view["failed"] for view in views)
        if n_failed == len(views):
            raise FloatingPointError(
                f"All {n_failed} models of {type(self).__name__} diverged (non-finite training "
                f"loss). Lower lr (now {self.lr}) and standardise the inputs."
            )
        if n_failed:
            warnings.warn(
                f"{n_failed} of {len(views)} fits diverged (non-finite training loss); "
                "their scores are NaN.",
                FitFailedWarning,
                stacklevel=3,
            )
        return scores, times

    def _check_folds(self, splits: list) -> None:
        """R^2 (the regressor's default score) is undefined on a one-sample test fold."""
        smallest = min(len(test) for _, test in splits)
        if smallest < 2 and not is_classifier(self) and self.scoring in (None, "r2"):
            raise ValueError(
                f"{type(self).__name__} cannot score P: its smallest test fold has {smallest} "
                "sample(s), on which the scorer (R^2) is undefined. Use fewer folds (cv) or "
                "more sequences; the estimator was left as it was."
            )

    def _best_index(self, results: dict, splits: list) -> int:
        if not np.isfinite(results["mean_test_score"]).any():
            smallest = min(len(test) for _, test in splits)
            cause = (
                f"its smallest test fold has {smallest} sample(s), on which the scorer "
                f"({self.scoring or 'the default score'}) is undefined"
                if smallest < 2
                else "every candidate's score was NaN (diverged fits or a scorer that fails)"
            )
            raise ValueError(
                f"{type(self).__name__} cannot choose P: no candidate has a finite mean test "
                f"score, because {cause}. Use fewer folds (cv) or more sequences; the "
                "estimator was left as it was."
            )
        if self.refit == "minimal":
            return minimal_P_refit(results)
        return int(np.nanargmax(results["mean_test_score"]))

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


def _encode_for(classes: np.ndarray, y, batch) -> np.ndarray:
    """Labels as indices into ``classes``, (n,) or per step (n, T_max); -100 if unseen.

    A label a group's folds never train on can still fill a padded (weight-0)
    slot of a minibatch: cross_entropy's ignore_index (-100) keeps it harmless.
    """
    steps = check_step_labels(y, batch)
    labels = column_or_1d(y) if steps is None else np.concatenate(steps)
    position = np.searchsorted(classes, labels).clip(max=len(classes) - 1)
    codes = np.where(classes[position] == labels, position, -100).astype(np.int64)
    if steps is None:
        return codes
    padded = np.full(batch.values.shape[:2], -100, dtype=np.int64)
    padded[batch.valid_mask()] = codes
    return padded


def _cv_results(Ps: list, n_splits: int, scores, fit_times, score_times) -> dict:
    """``cv_results_`` spelt as GridSearchCV spells it for the grid {"P": Ps}."""
    results = {}

    def store(key, values, splits=False):
        values = np.asarray(values, dtype=np.float64).reshape(len(Ps), n_splits)
        if splits:
            for i in range(n_splits):
                results[f"split{i}_{key}"] = values[:, i]
        mean = values.mean(axis=1)
        results[f"mean_{key}"] = mean
        results[f"std_{key}"] = np.sqrt(((values - mean[:, None]) ** 2).mean(axis=1))
        return mean

    store("fit_time", fit_times)
    store("score_time", score_times)
    results["param_P"] = np.ma.MaskedArray(np.asarray(Ps), mask=np.zeros(len(Ps), bool))
    results["params"] = [{"P": P} for P in Ps]
    mean = store("test_score", scores, splits=True)
    if np.isnan(mean).all():
        rank = np.ones(len(Ps), dtype=np.int32)
    else:
        # As GridSearchCV: failed candidates tie with the worst.
        rank = rankdata(-np.nan_to_num(mean, nan=np.nanmin(mean) - 1), method="min")
    results["rank_test_score"] = rank.astype(np.int32)
    return results


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
