"""ALRNNForecasterCV: how many ReLU units does a reconstruction need, in one batched fit.

Every candidate P (and each of its starts) is one network of a single stack,
trained in one run exactly as the plain forecaster trains its starts
(:class:`~sk_alrnn.nn._dsr_module.DSRStack`): each candidate ends as the fitted
``ALRNNForecaster(P=P)`` a separate fit would give.  The candidates train on the first
part of each trajectory and are scored on the held-out rest: free runs from points of the
held-out part, D_stsp (and D_H) against it.
"""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .._net import ALRNNForecaster
from ..io import PersistenceMixin
from ..metrics import power_spectrum_distance, state_space_divergence
from ..model_selection import minimal_P_refit
from ..utils import check_option, check_param, check_sizes, check_trajectories, input_error
from ._search import cv_results

__all__ = ["ALRNNForecasterCV"]

# Free runs are scored after this many transient steps (as the checkpoints and
# make_dsr_scorer do).
_TRANSIENT = 1000


class ALRNNForecasterCV(PersistenceMixin, BaseEstimator):
    """ALRNNForecaster with the number of ReLU units P chosen on held-out data.

    All candidates P (each with ``n_starts`` starts) train at once as blocks of one
    network, on the first ``1 - holdout`` of every trajectory; each candidate keeps its
    best start by checkpoint D_stsp, exactly as ``ALRNNForecaster(P=P).fit`` on that
    part would.  Each is then scored on the held-out last ``holdout`` of every
    trajectory: ``n_test_runs`` free runs (1000 transient steps dropped, then as many
    steps as the held-out part) from evenly spaced points of it, each compared with the
    held-out part by D_stsp (and D_H).  The score is minus D_stsp (greater is better).

    Parameters
    ----------
    Ps : iterable of int, default=(0, 1, 2, 4, 8)
        Candidate numbers of ReLU units.
    M : int, default=20
        Latent units of every candidate.
    refit : {"minimal", "best"}, default="minimal"
        "minimal": the smallest P whose mean held-out score is within one
        standard error (over its held-out runs) of the best mean
        (:func:`sk_alrnn.model_selection.minimal_P_refit`); "best": the best mean.
    holdout : float, default=0.2
        Fraction in (0, 1) held out at the end of every trajectory.
    n_test_runs : int, default=4
        Free runs per held-out part (the "splits" of ``cv_results_``).
    random_state : int, RandomState instance or None, default=None
        As for ALRNNForecaster: each candidate starts from the initial weights
        and sees the windows of its own fit.
    **forecaster_params
        Any other parameter of :class:`~sk_alrnn.ALRNNForecaster` (``n_starts``,
        ``max_epochs``, ``tf_interval``, ...).  An unknown name raises at fit.

    Attributes
    ----------
    P_ : int
        The chosen P.
    best_estimator_ : ALRNNForecaster
        The chosen candidate, as trained on the training parts (no refit: the
        candidates were trained already).
    best_score_ : float
        Its mean held-out score (minus D_stsp).
    best_index_ : int
    cv_results_ : dict
        GridSearchCV's keys for the grid {"P": Ps}: ``params``, ``param_P``,
        ``split<i>_test_score`` (one per held-out run), ``mean_test_score``,
        ``std_test_score``, ``rank_test_score``, ``mean_fit_time`` (the shared
        run's time over the candidates) ...; also ``mean_test_dh`` (minus D_H).
    estimators_ : list of ALRNNForecaster
        Every candidate, fitted, in the order of Ps.
    n_splits_ : int
        Held-out runs per candidate.
    n_features_in_ : int

    See Also
    --------
    ALRNNForecaster, sk_alrnn.model_selection.minimal_P_refit

    Examples
    --------
    >>> from sk_alrnn import ALRNNForecasterCV
    >>> from sk_alrnn.datasets import make_roessler
    >>> X = make_roessler(n_steps=500, random_state=0)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # two epochs: no reconstruction yet
    ...     cv = ALRNNForecasterCV(Ps=(0, 1), M=6, max_epochs=2, batches_per_epoch=3,
    ...                            n_starts=1, random_state=0).fit(X)
    >>> cv.P_ in (0, 1), cv.best_estimator_.P == cv.P_
    (True, True)
    >>> cv.cv_results_["param_P"].tolist()
    [0, 1]
    """

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

    def __init__(
        self,
        Ps=(0, 1, 2, 4, 8),
        M=20,
        *,
        refit="minimal",
        holdout=0.2,
        n_test_runs=4,
        random_state=None,
        **forecaster_params,
    ):
        self.Ps, self.M, self.refit = Ps, M, refit
        self.holdout, self.n_test_runs, self.random_state = holdout, n_test_runs, random_state
        for name, value in forecaster_params.items():
            setattr(self, name, value)
        self._extra_params = sorted(forecaster_params)

    # ---- parameters -------------------------------------------------------
    def _get_param_names(self):
        return sorted(set(super()._get_param_names()) | set(self._extra_params))

    def set_params(self, **params):
        valid = set(self._get_param_names()) | set(_forecaster_names())
        for name, value in params.items():
            if name not in valid and not _is_forecaster_param(name):
                raise ValueError(_unknown(name, type(self).__name__))
            if name not in self._get_param_names():
                self._extra_params = sorted(self._extra_params + [name])
            setattr(self, name, value)
        return self

    def _forecaster(self, P: int) -> ALRNNForecaster:
        params = {name: getattr(self, name) for name in self._extra_params}
        return ALRNNForecaster(M=self.M, P=P, random_state=self.random_state, **params)

    def _check_params(self) -> list:
        name = type(self).__name__
        for extra in self._extra_params:
            if not _is_forecaster_param(extra):
                raise ValueError(_unknown(extra, name))
        if isinstance(self.Ps, (str, bytes)) or not np.iterable(self.Ps):
            raise input_error(
                f"The 'Ps' parameter of {name}", "be an iterable of ints", repr(self.Ps)
            )
        Ps = list(self.Ps)
        if not Ps or len(set(Ps)) != len(Ps):
            raise input_error(
                f"The 'Ps' parameter of {name}", "be non-empty without repeated values", Ps
            )
        for P in Ps:
            check_sizes(self.M, P, name)
        check_option(self.refit, "refit", name, ["minimal", "best"])
        check_param(
            self.holdout,
            "holdout",
            name,
            target_type=numbers.Real,
            min_val=0,
            max_val=1,
            include_boundaries="neither",
        )
        check_param(self.n_test_runs, "n_test_runs", name, min_val=1)
        return [int(P) for P in Ps]

    # ---- fitting ----------------------------------------------------------
    def fit(self, X, y=None):
        """Train every candidate P in one run, score each on the held-out parts, choose P.

        Parameters
        ----------
        X : array of shape (T, N), (T,) or (n, T, N), or list of (T_i, N) / (T_i,) arrays
            Trajectories, as for :class:`~sk_alrnn.ALRNNForecaster`.
        y : None

        Returns
        -------
        self : object
        """
        Ps = self._check_params()
        name = type(self).__name__
        data = check_trajectories(X, estimator_name=name)
        train, test = self._split(data.items)
        trainer = self._forecaster(Ps[0])
        trainer._stack_Ps = Ps
        start = time.perf_counter()
        with trainer._fit_context(lambda: trainer._check_fit_data(train, None, True)) as part:
            settings = trainer._settings(part)
            stack, checkpoints = trainer._train_starts(part, settings, True, {})
        fit_time = (time.perf_counter() - start) / len(Ps)
        S = trainer.n_starts
        self.estimators_ = []
        with warnings.catch_warnings():
            # A candidate that collapsed (P = 0 often does) is scored, not announced.
            warnings.filterwarnings("ignore", "Every checkpoint", RuntimeWarning)
            for i, P in enumerate(Ps):
                est = self._forecaster(P)
                est._adopt(trainer, stack, checkpoints, part, settings, range(i * S, (i + 1) * S))
                self.estimators_.append(est)
        scores, dh, score_times = zip(*(self._score(est, test) for est in self.estimators_))
        self.n_splits_ = len(scores[0])
        n = self.n_splits_
        self.cv_results_ = cv_results(
            Ps,
            n,
            np.asarray(scores),
            np.full((len(Ps), n), fit_time),
            np.repeat(np.asarray(score_times)[:, None] / n, n, axis=1),
        )
        self.cv_results_["mean_test_dh"] = np.mean(dh, axis=1)
        self.cv_results_["std_test_dh"] = np.std(dh, axis=1)
        self.best_index_ = self._best_index()
        self.P_ = Ps[self.best_index_]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.best_params_ = {"P": self.P_}
        self.best_estimator_ = self.estimators_[self.best_index_]
        self.n_features_in_ = data.n_features
        if not np.isfinite(self.best_estimator_.start_scores_).any():
            warnings.warn(
                self.best_estimator_._collapse_message(settings), RuntimeWarning, stacklevel=2
            )
        return self

    def _split(self, items: list) -> tuple:
        """(training parts, held-out parts): the last ``holdout`` of every trajectory."""
        train, test = [], []
        for x in items:
            cut = len(x) - int(round(self.holdout * len(x)))
            if cut < 2 or len(x) - cut < 2:
                raise input_error(
                    "Every trajectory",
                    f"be long enough to hold out holdout={self.holdout} of it (at least 2 "
                    "steps on each side)",
                    f"one of {len(x)} steps",
                )
            train.append(x[:cut])
            test.append(x[cut:])
        return train, test

    def _score(self, est: ALRNNForecaster, test: list) -> tuple:
        """Minus D_stsp and minus D_H of each held-out free run, and the time it took."""
        start = time.perf_counter()
        dstsp, dh = [], []
        R = self.n_test_runs
        for x in test:
            x0 = x[[r * len(x) // R for r in range(R)]]
            runs = est.simulate(_TRANSIENT + len(x), x0=x0)[:, _TRANSIENT:]
            for run in runs:
                finite = bool(np.isfinite(run).all())
                kwargs = {"method": "gmm", "random_state": 0} if x.shape[1] > 3 else {}
                dstsp.append(-state_space_divergence(x, run, **kwargs) if finite else -np.inf)
                dh.append(-power_spectrum_distance(x, run) if finite else -1.0)
        return dstsp, dh, time.perf_counter() - start

    def _best_index(self) -> int:
        if self.refit == "minimal":
            return minimal_P_refit(self.cv_results_)
        return int(np.nanargmax(self.cv_results_["mean_test_score"]))

    # ---- answers through best_estimator_ ------------------------------------
    def _fitted(self) -> ALRNNForecaster:
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_

    def simulate(self, n_steps, x0=None, *, return_latent=False):
        """``best_estimator_.simulate``: a free run of the chosen network."""
        return self._fitted().simulate(n_steps, x0, return_latent=return_latent)

    def forecast(self, context, n_steps):
        """``best_estimator_.forecast``: assimilate a context, then run free."""
        return self._fitted().forecast(context, n_steps)

    def predict(self, X, n_steps=1):
        """``best_estimator_.predict``: the n-step forecast from every observation."""
        return self._fitted().predict(X, n_steps)

    def score(self, X, y=None):
        """``best_estimator_.score``: minus the 20-step prediction error."""
        return self._fitted().score(X, y)

    def latent_states(self, X, tf_interval=1):
        """``best_estimator_.latent_states``."""
        return self._fitted().latent_states(X, tf_interval)

    def regime_codes(self, X, tf_interval=1):
        """``best_estimator_.regime_codes``."""
        return self._fitted().regime_codes(X, tf_interval)

    def linearize(self):
        """``best_estimator_.linearize()``: the chosen network as a piecewise-affine system."""
        return self._fitted().linearize()

    @property
    def regimes_(self):
        """Regimes of ``best_estimator_`` on its training data."""
        return self._fitted().regimes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.non_deterministic = self.random_state is None
        return tags


def _forecaster_names() -> list:
    names = set(ALRNNForecaster()._get_param_names())
    return sorted(names - {"M", "P", "random_state", "module", "criterion", "train_split"})


def _is_forecaster_param(name: str) -> bool:
    """A forecaster parameter, or a skorch routed one (``optimizer__eps``, ``module__...``)."""
    if "__" in name:
        return name.split("__")[0] in ALRNNForecaster.prefixes_
    return name in _forecaster_names()


def _unknown(name: str, owner: str) -> str:
    return (
        f"{name!r} is not a parameter of {owner}: the valid ones are Ps, M, refit, holdout, "
        f"n_test_runs, random_state and ALRNNForecaster's {', '.join(_forecaster_names())}."
    )
