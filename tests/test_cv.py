"""The sweep engine and ALRNNClassifierCV / ALRNNRegressorCV."""

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold, StratifiedKFold

from sk_alrnn import (
    ALRNNClassifier,
    ALRNNClassifierCV,
    ALRNNRegressor,
    ALRNNRegressorCV,
)
from sk_alrnn._sweep._engine import PARAM_NAMES, BatchedProblem, plan_groups, train_batched
from sk_alrnn.model_selection import minimal_P_refit
from sk_alrnn.nn._batched_scan import (
    _batched_scan_reference,
    batched_scan,
    relu_mask,
    step_matrix,
)

M = 4


@pytest.fixture
def sequences():
    rng = np.random.RandomState(0)
    X = rng.randn(65, 7, 2).astype(np.float32)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    return X, y


# ---- the batched kernel ----------------------------------------------------------
@pytest.mark.parametrize("Ps", [[0, 1, 3, 5], [0, 0], [5, 2, 5]])
def test_batched_scan_gradcheck_float64(Ps):
    g = torch.Generator().manual_seed(0)
    K, B, T, M_, F = len(Ps), 3, 6, 5, 2
    mask, P_max = relu_mask(Ps, M_), max(Ps)

    def rand(*shape, scale=1.0):
        value = scale * torch.randn(*shape, generator=g, dtype=torch.float64)
        return value.requires_grad_()

    inputs, C, h = rand(T, K, B, F), rand(K, M_, F), rand(K, M_)
    a = (0.9 * torch.rand(K, M_, generator=g, dtype=torch.float64)).requires_grad_()
    W = rand(K, M_, M_, scale=0.4)

    def scan(inputs, C, h, a, W):
        return batched_scan(inputs, C, h, step_matrix(a, W, mask, P_max), P_max)

    args = (inputs, C, h, a, W)
    torch.testing.assert_close(scan(*args), _batched_scan_reference(*args, mask))
    assert torch.autograd.gradcheck(scan, args)
    # Sequence-to-one: only each sequence's state at step last + 1.
    last = torch.randint(0, T, (K, B), generator=g)

    def scan_last(inputs, C, h, a, W):
        S = step_matrix(a, W, mask, P_max)
        return batched_scan(inputs, C, h, S, P_max, last=last)

    expected = _batched_scan_reference(*args, mask)[last, torch.arange(K)[:, None], torch.arange(B)]
    torch.testing.assert_close(scan_last(*args), expected)
    assert torch.autograd.gradcheck(scan_last, args)


# ---- the engine: model k trains as it would alone ----------------------------------
class _FixedOrder(torch.utils.data.Sampler):
    """Yields the given permutations, one per epoch."""

    def __init__(self, permutations):
        self.permutations, self.epoch = permutations, 0

    def __len__(self):
        return len(self.permutations[0])

    def __iter__(self):
        self.epoch += 1
        return iter(self.permutations[self.epoch - 1].tolist())


def _standalone(est_class, P, X, y, permutations, **kw):
    """Initial and final weights of a plain fit with a given minibatch order."""
    init = est_class(M=M, P=P, random_state=0, **{**kw, "max_epochs": 0}).fit(X, y)
    sampler = _FixedOrder(permutations)
    final = est_class(M=M, P=P, random_state=0, iterator_train__sampler=sampler, **kw).fit(X, y)
    return _weights(init), _weights(final)


def _weights(est):
    return {name: p.detach().clone() for name, p in est.module_.named_parameters()}


@pytest.mark.parametrize(
    "optimizer, extra",
    [(torch.optim.Adam, {}), (torch.optim.SGD, {"optimizer__momentum": 0.9})],
)
def test_each_model_ends_with_its_standalone_weights(sequences, optimizer, extra):
    X, y = sequences
    kw = dict(
        max_epochs=3,
        batch_size=16,
        lr=2e-2,
        max_grad_norm=0.5,
        optimizer=optimizer,
        **extra,
    )
    # 33 / 32 training rows: 3 vs 2 minibatches per epoch, last ones of unequal size.
    folds = [train for train, _ in KFold(2).split(X)]
    rng = np.random.RandomState(1)
    inits, finals, schedules, Ps = [], [], [], []
    for P in (0, 1, M):
        for train in folds:
            perms = [rng.permutation(len(train)) for _ in range(kw["max_epochs"])]
            init, final = _standalone(ALRNNClassifier, P, X[train], y[train], perms, **kw)
            inits.append(init)
            finals.append(final)
            schedules.append([train[p[i : i + 16]] for p in perms for i in range(0, len(p), 16)])
            Ps.append(P)
    params = {n: torch.stack([w[n] for w in inits]) for n in PARAM_NAMES}
    problem = BatchedProblem(
        torch.as_tensor(X).transpose(0, 1).contiguous(),
        torch.full((len(X),), 7),
        torch.as_tensor((y == "up").astype(np.int64)),
        True,
        False,
    )
    failed = train_batched(
        params,
        Ps,
        schedules,
        problem,
        optimizer=optimizer,
        lr=kw["lr"],
        optimizer_kwargs={"momentum": 0.9} if extra else {},
        max_grad_norm=kw["max_grad_norm"],
    )
    assert not failed.any()
    for k, final in enumerate(finals):
        for name in PARAM_NAMES:
            assert not torch.equal(params[name][k], inits[k][name]) or name == "h"
            torch.testing.assert_close(params[name][k], final[name], rtol=1e-4, atol=1e-5)


def test_classifier_cv_scores_equal_grid_search(sequences):
    X, y = sequences
    kw = {
        "max_epochs": 2,
        "batch_size": 16,
        "lr": 1e-2,
        "iterator_train__shuffle": True,
    }
    sweep = ALRNNClassifierCV(Ps=(0, 1, M), M=M, cv=3, random_state=0, **kw).fit(X, y)
    grid = GridSearchCV(ALRNNClassifier(M=M, random_state=0, **kw), {"P": [0, 1, M]}, cv=3)
    grid.fit(X, y)
    assert set(sweep.cv_results_) == set(grid.cv_results_)
    for key, value in grid.cv_results_.items():
        if key == "params":
            assert sweep.cv_results_[key] == value
        elif "time" not in key:
            np.testing.assert_allclose(sweep.cv_results_[key], value, atol=1e-6, err_msg=key)
        assert np.shape(sweep.cv_results_[key]) == np.shape(value)
        assert type(sweep.cv_results_[key]) is type(value)
    assert sweep.cv_results_["param_P"].dtype == grid.cv_results_["param_P"].dtype
    assert sweep.cv_results_["rank_test_score"].dtype == grid.cv_results_["rank_test_score"].dtype


def test_regressor_per_step_list_targets_equal_grid_search():
    rng = np.random.RandomState(0)
    X = [rng.randn(T, 2) for T in rng.randint(3, 9, size=30)]
    y = [np.cumsum(x[:, 0]) for x in X]
    kw = {"max_epochs": 2, "batch_size": 8, "lr": 1e-2}
    sweep = ALRNNRegressorCV(Ps=(0, 2), M=M, cv=2, random_state=0, **kw).fit(X, y)
    grid = GridSearchCV(ALRNNRegressor(M=M, random_state=0, **kw), {"P": [0, 2]}, cv=2)
    grid.fit(X, y)
    np.testing.assert_allclose(
        sweep.cv_results_["split1_test_score"],
        grid.cv_results_["split1_test_score"],
        atol=1e-5,
    )
    predictions = sweep.predict(X)
    assert isinstance(predictions, list) and predictions[3].shape == y[3].shape


# ---- the estimators ----------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6, 2)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, 1, 0)
    return (
        ALRNNClassifierCV(Ps=(0, 1, 2), M=M, cv=4, max_epochs=2, random_state=0).fit(X, y),
        X,
        y,
    )


def test_results_read_by_minimal_P_refit_and_pandas(fitted):
    sweep, _X, _y = fitted
    assert minimal_P_refit(sweep.cv_results_) == sweep.best_index_
    frame = pd.DataFrame(sweep.cv_results_)
    assert list(frame["param_P"]) == [0, 1, 2] and len(frame) == 3
    assert sweep.n_splits_ == 4 and all(f"split{i}_test_score" in frame for i in range(4))


def test_answers_through_best_estimator(fitted):
    sweep, X, y = fitted
    best = sweep.best_estimator_
    assert isinstance(best, ALRNNClassifier) and best.P == sweep.P_
    assert sweep.best_params_ == {"P": sweep.P_}
    np.testing.assert_array_equal(sweep.predict(X), best.predict(X))
    np.testing.assert_array_equal(sweep.predict_proba(X), best.predict_proba(X))
    assert sweep.score(X, y) == best.score(X, y)
    np.testing.assert_array_equal(sweep.classes_, [0, 1])
    assert sweep.n_features_in_ == 2 and sweep.regimes_ is best.regimes_
    assert sweep.latent_states(X).shape == (40, 6, M)
    assert sweep.regime_codes(X).shape == (40, 6, sweep.P_)
    assert sweep.linearize().P == sweep.P_


@pytest.mark.parametrize("refit", ["minimal", "best"])
def test_refit_rule_minimal_and_best_by_hand(fitted, refit):
    sweep, _X, _y = fitted
    results = sweep.cv_results_
    chosen = clone(sweep).set_params(refit=refit)
    chosen.cv_results_ = results
    index = chosen._best_index(results)
    mean = results["mean_test_score"]
    if refit == "best":
        assert mean[index] == mean.max()
    else:
        sem = results["std_test_score"][np.argmax(mean)] / np.sqrt(4)
        within = np.flatnonzero(mean >= mean.max() - sem)
        assert results["param_P"][index] == min(results["param_P"][within])


def test_refit_best_follows_the_highest_mean_score():
    # Parity needs memory: a linear net (P=0) cannot beat P=M clearly in 2 epochs, so
    # the check is only that "best" follows the best mean score, whatever it is.
    rng = np.random.RandomState(3)
    X = rng.randn(48, 5, 1)
    y = (X[:, :, 0] > 0).sum(axis=1) % 2
    sweep = ALRNNClassifierCV(Ps=(0, M), M=M, cv=3, refit="best", max_epochs=2, random_state=0).fit(
        X, y
    )
    assert sweep.best_index_ == int(np.argmax(sweep.cv_results_["mean_test_score"]))
    assert sweep.best_score_ == sweep.cv_results_["mean_test_score"].max()


def test_list_inputs_and_a_splitter_object_are_accepted():
    rng = np.random.RandomState(1)
    X = [rng.randn(T, 3) for T in rng.randint(4, 10, size=36)]
    y = np.array([x[:, 0].sum() > 0 for x in X])
    sweep = ALRNNClassifierCV(
        Ps=(0, 2),
        M=M,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        max_epochs=2,
        random_state=0,
    ).fit(X, y)
    assert sweep.predict(X).dtype == bool and sweep.n_splits_ == 3


def test_clone_and_params_keep_training_kwargs():
    sweep = ALRNNRegressorCV(Ps=(0, 1), M=4, lr=0.01, optimizer__betas=(0.8, 0.99))
    params = sweep.get_params()
    assert params["optimizer__betas"] == (0.8, 0.99) and params["lr"] == 0.01
    copy = clone(sweep)
    assert copy.get_params()["optimizer__betas"] == (0.8, 0.99)
    copy.set_params(optimizer__eps=1e-6, Ps=(0, 2))
    assert copy.get_params()["optimizer__eps"] == 1e-6 and copy.Ps == (0, 2)


@pytest.mark.parametrize(
    "params, match",
    [
        (
            {"Ps": (0, 5)},
            r"'P' parameter of ALRNNClassifierCV must be an int in \[0, M=4\]",
        ),
        (
            {"Ps": ()},
            "'Ps' parameter of ALRNNClassifierCV must be a non-empty iterable",
        ),
        ({"Ps": (1, 1)}, "must not repeat a value"),
        (
            {"refit": "smallest"},
            r"'refit' parameter .* must be one of \['minimal', 'best'\]",
        ),
        (
            {"max_memory_mb": 0},
            "'max_memory_mb' parameter .* must be a real number > 0",
        ),
    ],
)
def test_bad_search_parameters_are_refused_at_fit(sequences, params, match):
    X, y = sequences
    with pytest.raises(ValueError, match=match):
        ALRNNClassifierCV(**{"Ps": (0, 1), "M": M, "max_epochs": 1, **params}).fit(X, y)


@pytest.mark.parametrize(
    "X_bad, y_bad, match",
    [
        (np.full((10, 5, 2), np.nan), None, "NaN or infinity"),
        (np.zeros((10, 5, 2, 1)), None, "ndim=4"),
        (None, np.zeros(11), "inconsistent numbers of samples"),
        ([np.zeros((3, 2)), np.zeros((4, 3))], np.zeros(2), "same number of features"),
    ],
)
def test_input_errors_are_those_of_the_plain_estimator(X_bad, y_bad, match):
    X = X_bad if X_bad is not None else np.zeros((10, 5, 2))
    y = y_bad if y_bad is not None else np.arange(10) % 2
    with pytest.raises(ValueError, match=match):
        ALRNNClassifierCV(Ps=(0, 1), M=M, cv=2, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=match):
        ALRNNClassifier(M=M, max_epochs=1).fit(X, y)


def test_predict_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ALRNNRegressorCV().predict(np.zeros((2, 3, 1)))


def test_memory_budget_splits_models_into_groups(sequences, capsys):
    X, y = sequences
    groups, memory_bound = plan_groups([0, 1, 2, 4], 4, 2, 7, 16, max_memory_mb=1e9)
    assert groups == [[0, 1, 2, 3]] and not memory_bound
    groups, memory_bound = plan_groups([4, 0, 2, 1], 4, 2, 7, 16, max_memory_mb=0.01)
    assert memory_bound and len(groups) == 4
    # Sorted by P (the ReLU width of a group is its largest P), sizes balanced.
    assert [k for g in groups for k in g] == [1, 3, 2, 0]
    groups, _ = plan_groups([0] * 5, 4, 2, 7, 16, max_memory_mb=0.03)
    assert sorted(map(len, groups)) == [2, 3]
    # Speed alone (a state buffer of 64 models x 64 x 201 x 72 floats) also splits.
    groups, memory_bound = plan_groups([8] * 64, 64, 2, 200, 64, max_memory_mb=1e9)
    assert len(groups) > 1 and not memory_bound
    kw = {"Ps": (0, 1), "M": M, "cv": 2, "max_epochs": 1, "random_state": 0}
    small = ALRNNClassifierCV(max_memory_mb=0.005, verbose=1, **kw).fit(X, y)
    assert "exceed max_memory_mb=0.005; training them in 4 groups" in capsys.readouterr().out
    whole = ALRNNClassifierCV(**kw).fit(X, y)
    # Other groups, other batch composition: float32 tolerances.
    np.testing.assert_allclose(
        small.cv_results_["mean_test_score"],
        whole.cv_results_["mean_test_score"],
        rtol=1e-5,
        atol=1e-6,
    )


def test_fold_without_a_class_and_a_probability_scorer_match_grid_search():
    # Class "c" lives in group 0 only, so one fold trains on two classes, the other on three.
    rng = np.random.RandomState(0)
    X = rng.randn(60, 6, 2)
    y = np.array(["a", "b"] * 30)
    y[:6] = "c"
    groups = np.repeat([0, 1], 30)
    kw = {"max_epochs": 2, "batch_size": 16, "random_state": 0}
    for scoring, cv, fold_groups in (
        (None, GroupKFold(2), groups),
        ("neg_log_loss", 3, None),
    ):
        sweep = ALRNNClassifierCV(Ps=(0, 2), M=M, cv=cv, scoring=scoring, **kw)
        sweep.fit(X, y, groups=fold_groups)
        grid = GridSearchCV(ALRNNClassifier(M=M, **kw), {"P": [0, 2]}, cv=cv, scoring=scoring)
        grid.fit(X, y, groups=fold_groups)
        for i in range(sweep.n_splits_):
            key = f"split{i}_test_score"
            np.testing.assert_allclose(sweep.cv_results_[key], grid.cv_results_[key], atol=1e-5)


def test_per_step_labels_match_grid_search():
    rng = np.random.RandomState(2)
    X = [rng.randn(T, 2) for T in rng.randint(4, 9, size=30)]
    y = [np.where(np.cumsum(x[:, 0]) > 0, "up", "down") for x in X]
    kw = {"max_epochs": 2, "batch_size": 8, "lr": 1e-2, "random_state": 0}
    sweep = ALRNNClassifierCV(Ps=(0, 2), M=M, cv=3, **kw).fit(X, y)
    grid = GridSearchCV(ALRNNClassifier(M=M, **kw), {"P": [0, 2]}, cv=KFold(3)).fit(X, y)
    np.testing.assert_allclose(
        sweep.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"], atol=1e-6
    )
    assert [p.shape for p in sweep.predict(X[:2])] == [y[0].shape, y[1].shape]


# ---- the closed parameter list and the two fit paths ------------------------------
def _plain_training_names(plain_class):
    # Model parameters are not training parameters; token input (embedding) is not swept.
    excluded = {"M", "P", "embedding", "classes", "warm_start", "torch_load_kwargs"}
    return set(plain_class().get_params(deep=False)) - excluded


@pytest.mark.parametrize(
    "cv_class, plain_class",
    [(ALRNNClassifierCV, ALRNNClassifier), (ALRNNRegressorCV, ALRNNRegressor)],
)
def test_get_params_lists_search_and_every_plain_training_parameter(cv_class, plain_class):
    search = {"Ps", "M", "cv", "scoring", "refit", "random_state", "max_memory_mb"}
    assert set(cv_class().get_params()) == search | _plain_training_names(plain_class)
    # The CV defaults are the plain estimator's (criterion None means the plain default).
    plain, swept = plain_class().get_params(deep=False), cv_class().get_params()
    for name in _plain_training_names(plain_class) - {"criterion"}:
        assert swept[name] is plain[name] or swept[name] == plain[name], name


def test_unknown_parameter_refused_at_set_params_and_fit_with_a_suggestion(sequences):
    X, y = sequences
    with pytest.raises(ValueError, match=r"Invalid parameter 'P' .*Valid parameters are"):
        ALRNNClassifierCV().set_params(P=1)
    with pytest.raises(ValueError, match="Did you mean 'max_epochs'"):
        ALRNNClassifierCV().set_params(max_epoch=3)
    with pytest.raises(ValueError, match="Did you mean 'lr'"):
        ALRNNClassifierCV(Ps=(0, 1), M=M, cv=2, lrr=0.1).fit(X, y)


def test_max_epochs_zero_keeps_the_initial_networks(sequences):
    X, y = sequences
    sweep = ALRNNClassifierCV(Ps=(0, 1), M=M, cv=2, max_epochs=0, random_state=0).fit(X, y)
    assert sweep.fit_path_ == "batched" and len(sweep.best_estimator_.history) == 0
    assert np.isfinite(sweep.cv_results_["mean_test_score"]).all()


def test_engine_unmodelled_parameter_falls_back_to_grid_search_results(sequences):
    X, y = sequences
    kwargs = {"Ps": (0, 1), "M": M, "cv": 2, "max_epochs": 1, "random_state": 0}
    batched = ALRNNClassifierCV(**kwargs, optimizer__betas=(0.8, 0.9)).fit(X, y)
    assert batched.fit_path_ == "batched"
    sweep = ALRNNClassifierCV(**kwargs, optimizer__amsgrad=True).fit(X, y)
    assert sweep.fit_path_ == "sequential"
    plain = ALRNNClassifier(M=M, max_epochs=1, random_state=0, optimizer__amsgrad=True)
    grid = GridSearchCV(plain, {"P": [0, 1]}, cv=StratifiedKFold(2)).fit(X, y)
    np.testing.assert_array_equal(
        sweep.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"]
    )


def test_fit_takes_sample_weight_none_on_both_paths_and_weights(sequences):
    X, y = sequences
    kwargs = {"Ps": (0, 1), "M": M, "cv": 2, "max_epochs": 1, "random_state": 0}
    for extra, path in [({}, "batched"), ({"optimizer": torch.optim.RMSprop}, "sequential")]:
        sweep = ALRNNClassifierCV(**kwargs, **extra).fit(X, y, sample_weight=None)
        assert sweep.fit_path_ == path
    weights = np.where(y == "up", 2.0, 1.0)
    weighted = ALRNNClassifierCV(**kwargs).fit(X, y, sample_weight=weights)
    plain = ALRNNClassifier(M=M, P=weighted.P_, max_epochs=1, random_state=0)
    plain.fit(X, y, sample_weight=weights)
    assert weighted.fit_path_ == "sequential"
    np.testing.assert_allclose(
        weighted.predict_proba(X), plain.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_ps_may_be_a_generator(sequences):
    X, y = sequences
    sweep = ALRNNClassifierCV(Ps=(P for P in (0, 2)), M=M, cv=2, max_epochs=1).fit(X, y)
    assert [params["P"] for params in sweep.cv_results_["params"]] == [0, 2]


def test_refit_best_with_every_score_nan_names_the_cause(sequences):
    X, y = sequences

    def nan_scorer(estimator, X, y):
        return float("nan")

    sweep = ALRNNClassifierCV(Ps=(0, 1), M=M, cv=2, max_epochs=1, refit="best", scoring=nan_scorer)
    with pytest.raises(ValueError, match="every candidate's mean test score is NaN"):
        sweep.fit(X, y)
