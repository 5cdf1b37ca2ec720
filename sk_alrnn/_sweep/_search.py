"""The batched search of the CV estimators: set up every (P, fold) model, train, score.

Each (P, fold) model is set up as the plain estimator GridSearchCV would fit
(``clone(template).set_params(P=P)`` on the fold's training part: the same
validation, initial weights and minibatch order), then all of them are trained
together by the batched engine (``_engine``), loaded back into those plain
estimators and scored on their held-out parts with the scorer GridSearchCV
would use.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from scipy.stats import rankdata
from sklearn.base import clone, is_classifier
from sklearn.exceptions import FitFailedWarning
from sklearn.metrics import check_scoring
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import column_or_1d

from .._net import EpochBar
from ..utils import check_step_labels
from ._engine import PARAM_NAMES, BatchedProblem, plan_groups, train_batched

__all__ = ["BatchedSearch", "cv_results"]


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


class BatchedSearch:
    """Mixin of the CV estimators: the batched path of their search.

    The host provides ``M``, ``lr``, ``optimizer``, ``max_grad_norm``,
    ``max_memory_mb``, ``verbose`` and ``scoring``.
    """

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
        if not any(view["schedule"] for view in views):
            # max_epochs=0: each model is its initial network, as a plain fit leaves it.
            for view in views:
                view["failed"] = False
            return np.zeros(len(views))
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
        n_epochs = template.max_epochs
        bar = None
        if getattr(self, "progress_bar", False):  # one bar per batched run, over its epochs
            bar = EpochBar(n_epochs, desc=f"{type(self).__name__} ({len(models)} models)")
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
            on_epoch=None if bar is None else bar.update,
            n_epochs=n_epochs,
        )
        seconds = time.perf_counter() - start
        if bar is not None:
            bar.close()
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


def cv_results(Ps: list, n_splits: int, scores, fit_times, score_times) -> dict:
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
