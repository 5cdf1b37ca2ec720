"""ALRNNClassifier / ALRNNRegressor through their public API."""

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_alrnn import ALRNNClassifier, ALRNNRegressor

FAST = dict(M=8, P=2, max_epochs=15, lr=1e-2, random_state=0)


# ---- classifier -------------------------------------------------------------
def test_classifier_learns_string_labels(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["down", "up"]
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(clf.predict(X)) <= {"down", "up"}
    assert clf.score(X, y) > 0.9


def test_classifier_integer_labels_multiclass():
    rng = np.random.RandomState(3)
    X = rng.randn(90, 6, 3)
    y = X[:, :, :].sum(axis=1).argmax(axis=1) + 10
    clf = ALRNNClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == [10, 11, 12]
    assert clf.predict_proba(X).shape == (90, 3)
    assert clf.predict(X).dtype == y.dtype


def test_default_parameters_are_M16_P2_silent_and_without_split(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(max_epochs=2).fit(X, y)
    assert clf.M == 16 and clf.P == 2 and clf.verbose == 0 and clf.train_split is None
    assert clf.predict(X).shape == (len(X),)


# ---- regressor ----------------------------------------------------------------
def test_regressor_sequence_to_one(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    prediction = reg.predict(X)
    assert prediction.shape == (len(X),) and prediction.dtype == np.float64
    assert reg.score(X, y) > 0.8


def test_regressor_multi_output_keeps_shape(sum_task):
    X, y = sum_task
    Y = np.column_stack([y, -y])
    reg = ALRNNRegressor(**FAST).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2)


def test_regressor_sequence_to_sequence_array(sum_task):
    X, _ = sum_task
    Y = 0.3 * X[:, :, :1].cumsum(axis=1)
    reg = ALRNNRegressor(**{**FAST, "max_epochs": 40}).fit(X, Y)
    assert reg.predict(X).shape == Y.shape
    assert reg.score(X, Y) > 0.8


def test_regressor_sequence_to_sequence_ragged(ragged_task):
    X, y = ragged_task
    reg = ALRNNRegressor(**{**FAST, "max_epochs": 60}).fit(X, y)
    prediction = reg.predict(X)
    assert isinstance(prediction, list)
    assert [p.shape for p in prediction] == [t.shape for t in y]
    assert reg.score(X, y) > 0.5


def test_ragged_readout_uses_each_sequence_last_step(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    short = [x[:4] for x in X[:5]]
    padded_alone = np.stack(short)
    np.testing.assert_allclose(reg.predict(short), reg.predict(padded_alone), rtol=1e-5)
    mixed = short + [X[5]]
    np.testing.assert_allclose(reg.predict(mixed)[:5], reg.predict(padded_alone), rtol=1e-5)


def test_two_d_X_is_read_as_one_feature(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X[:, :, 0], y)
    assert reg.n_features_in_ == 1
    np.testing.assert_allclose(reg.predict(X[:, :, 0]), reg.predict(X[:, :, :1]))


# ---- linear and full-ReLU extremes ---------------------------------------------
@pytest.mark.parametrize("P", [0, 8])
def test_P0_and_P_equal_M_give_codes_of_P_columns(sum_task, P):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "P": P}).fit(X, y)
    assert reg.regimes_.codes.shape[1] == P
    if P == 0:
        assert reg.regimes_.n_regimes == 1 and reg.regimes_.codes.shape == (1, 0)


def test_linear_rnn_is_linear_in_inputs(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "P": 0}).fit(X, y)
    Z1, Z2 = reg.latent_states(X[:3]), reg.latent_states(X[3:6])
    Z12, Z0 = reg.latent_states(X[:3] + X[3:6]), reg.latent_states(np.zeros_like(X[:3]))
    np.testing.assert_allclose(Z1 + Z2 - Z0, Z12, atol=1e-4)


# ---- reproducibility, sklearn machinery ---------------------------------------------
def test_same_random_state_same_classifier_other_seed_other_classifier(sign_task):
    # The global torch RNG is checked in tests/test_base.py (whole state, fit and inference).
    X, y = sign_task
    first = ALRNNClassifier(**FAST).fit(X, y).predict_proba(X)
    second = ALRNNClassifier(**FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    other = ALRNNClassifier(**{**FAST, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.allclose(first, other)


def test_clone_and_set_params_then_fit(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST)
    cloned = clone(clf)
    assert cloned.get_params()["P"] == 2 and cloned.get_params()["M"] == 8
    cloned.set_params(P=5, M=6).fit(X, y)
    assert cloned.module_.P == 5 and cloned.regimes_.codes.shape[1] == 5
    assert cloned.linearize().M == 6


def test_grid_search_over_P_in_pipeline(sign_task):
    X, y = sign_task
    pipe = Pipeline(
        [
            ("scale", FunctionTransformer(lambda X: X / 2.0)),
            ("alrnn", ALRNNClassifier(**{**FAST, "max_epochs": 5})),
        ]
    )
    search = GridSearchCV(pipe, {"alrnn__P": [0, 1, 4]}, cv=2).fit(X, y)
    assert search.best_params_["alrnn__P"] in (0, 1, 4)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert search.predict(X).shape == (len(X),)


def test_cross_val_score_regressor(sum_task):
    X, y = sum_task
    scores = cross_val_score(ALRNNRegressor(**FAST), X, y, cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.5)


def test_joblib_round_trip(tmp_path, ragged_task):
    X, y = ragged_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    path = tmp_path / "model.joblib"
    joblib.dump(reg, path)
    loaded = joblib.load(path)
    for a, b in zip(reg.predict(X), loaded.predict(X)):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(loaded.regimes_.codes, reg.regimes_.codes)
    np.testing.assert_array_equal(loaded.regimes_.transitions, reg.regimes_.transitions)


def test_warm_start_and_partial_fit_continue_training(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "max_epochs": 3, "warm_start": True}).fit(X, y)
    reg.fit(X, y)
    assert len(reg.history) == 6
    reg.partial_fit(X, y)
    assert len(reg.history) == 9


def test_verbose_prints_epoch_table(sum_task, capsys):
    X, y = sum_task
    ALRNNRegressor(**{**FAST, "max_epochs": 2, "verbose": 1}).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    ALRNNRegressor(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert capsys.readouterr().out == ""


def test_gradient_clipping_on_by_default():
    names = [name for name, _ in ALRNNRegressor().get_default_callbacks()]
    assert "gradient_clipping" in names
    names = [name for name, _ in ALRNNRegressor(max_grad_norm=None).get_default_callbacks()]
    assert "gradient_clipping" not in names


def test_divergence_raises_clear_error(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "lr": 1e6, "max_grad_norm": None, "optimizer": torch.optim.SGD})
    with pytest.raises(FloatingPointError, match="learning rate"):
        reg.fit(X * 100, y * 1e3)


# ---- bad input ------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, match",
    [
        (dict(P=-1), r"'P' parameter of ALRNNRegressor must be an int in \[0, M=8\]. Got -1"),
        (dict(P=9), r"'P' parameter of ALRNNRegressor must be an int in \[0, M=8\]. Got 9"),
        (dict(M=0, P=0), r"'M' parameter of ALRNNRegressor must be an int >= 1. Got 0"),
    ],
)
def test_bad_sizes_raise_at_fit(sum_task, params, match):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, **params})  # construction never validates
    with pytest.raises(ValueError, match=match):
        reg.fit(X, y)


def _bad_inputs(X, y):
    X_nan, y_inf = X.copy(), y.copy()
    X_nan[0, 0, 0] = np.nan
    y_inf[3] = np.inf
    return [
        (X_nan, y, "NaN or infinity"),
        (X, y_inf, "NaN or infinity"),
        (X[:, 0, 0], y, "ndim=1"),
        (X[..., None], y, "ndim=4"),
        (X[:0], y[:0], "0 sample"),
        ([], y, "empty"),
        (X, y[:-1], "inconsistent numbers of samples"),
    ]


def test_bad_inputs_raise_and_leave_fitted_model_unchanged(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    before = reg.predict(X)
    state = {k: v.clone() for k, v in reg.module_.state_dict().items()}
    for X_bad, y_bad, match in _bad_inputs(X, y):
        with pytest.raises(ValueError, match=match):
            reg.fit(X_bad, y_bad)
    np.testing.assert_array_equal(reg.predict(X), before)
    for key, value in reg.module_.state_dict().items():
        assert torch.equal(value, state[key])


def test_wrong_feature_count_at_predict(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but ALRNNRegressor is expecting 2"):
        reg.predict(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        reg.predict(np.full((2, 5, 2), np.inf))


@pytest.mark.parametrize("cls", [ALRNNClassifier, ALRNNRegressor])
def test_unfitted_raises_not_fitted(sum_task, cls):
    X, _ = sum_task
    methods = ["predict", "latent_states", "regime_codes"]
    methods += ["predict_proba"] if cls is ALRNNClassifier else []
    for method in methods:
        with pytest.raises(NotFittedError):
            getattr(cls(), method)(X)
    with pytest.raises(NotFittedError):
        cls().linearize()


def test_regressor_has_no_predict_proba():
    assert not hasattr(ALRNNRegressor(), "predict_proba")


def test_classifier_rejects_continuous_labels(sum_task):
    X, y = sum_task
    with pytest.raises(ValueError, match="Unknown label type"):
        ALRNNClassifier(**FAST).fit(X, y)


def test_internal_validation_split_scores_on_encoded_labels(sign_task):
    from skorch.dataset import ValidSplit

    X, y = sign_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 30}, train_split=ValidSplit(4)).fit(X, y)
    assert clf.history[-1, "valid_acc"] > 0.7


@pytest.mark.parametrize("n_steps", [100, 500, 1000])
@pytest.mark.parametrize("lr", [3e-3, 1e-2])
def test_long_sequences_train_without_diverging(n_steps, lr):
    from sk_alrnn.datasets import make_addition

    X, y = make_addition(n_samples=256, n_steps=n_steps, random_state=0)
    reg = ALRNNRegressor(M=16, P=4, lr=lr, max_epochs=8, random_state=0).fit(X, y)
    losses = reg.history[:, "train_loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    assert np.isfinite(reg.latent_states(X[:32])).all()


def test_regressor_one_dimensional_sequence_targets_keep_their_shape(ragged_task):
    X, y = ragged_task
    y_flat = [target[:, 0] for target in y]
    reg = ALRNNRegressor(**FAST).fit(X, y_flat)
    assert [p.shape for p in reg.predict(X)] == [t.shape for t in y_flat]
    assert np.isfinite(reg.score(X, y_flat))


def test_partial_fit_with_classes_and_refused_changes(sign_task, sum_task):
    X, y = sign_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 2})
    clf.partial_fit(X[:10], y[:10], classes=["down", "up", "flat"])
    assert list(clf.classes_) == ["down", "flat", "up"]
    assert clf.predict_proba(X).shape == (len(X), 3)
    with pytest.raises(ValueError, match="not seen"):
        clf.partial_fit(X[:3], np.array(["sideways"] * 3))
    Xr, yr = sum_task
    reg = ALRNNRegressor(**{**FAST, "max_epochs": 2}).partial_fit(Xr, yr)
    with pytest.raises(ValueError, match="y has 2 targets"):
        reg.partial_fit(Xr, np.column_stack([yr, yr]))


def test_joblib_file_loads_in_a_fresh_process(tmp_path, sum_task):
    import subprocess
    import sys

    X, y = sum_task
    reg = ALRNNRegressor(**FAST).fit(X, y)
    model, data = tmp_path / "model.joblib", tmp_path / "X.npy"
    joblib.dump(reg, model)
    np.save(data, X)
    code = (
        "import sys, joblib, numpy as np; reg = joblib.load(sys.argv[1]); "
        "np.save(sys.argv[3], reg.predict(np.load(sys.argv[2])))"
    )
    out = tmp_path / "pred.npy"
    subprocess.run([sys.executable, "-c", code, str(model), str(data), str(out)], check=True)
    np.testing.assert_array_equal(np.load(out), reg.predict(X))


# ---- a scikit-learn face --------------------------------------------------------------
def _every_estimator_class():
    from sk_alrnn import ALRNNClassifierCV, ALRNNForecaster, ALRNNRegressorCV

    return [ALRNNClassifier, ALRNNRegressor, ALRNNClassifierCV, ALRNNRegressorCV, ALRNNForecaster]


@pytest.mark.parametrize("cls", _every_estimator_class(), ids=lambda c: c.__name__)
def test_repr_lists_only_parameters_that_differ_from_defaults(cls):
    assert repr(cls()) == f"{cls.__name__}()"
    assert repr(cls(M=5)) == f"{cls.__name__}(M=5)"


def test_repr_shows_routed_skorch_parameters():
    assert repr(ALRNNClassifier(P=3, optimizer__amsgrad=True)) == (
        "ALRNNClassifier(P=3, optimizer__amsgrad=True)"
    )


@pytest.mark.parametrize("cls", [ALRNNClassifier, ALRNNRegressor])
def test_signature_lists_the_parameters_users_set(cls):
    import inspect

    names = set(inspect.signature(cls).parameters)
    assert names >= {
        "M", "P", "lr", "max_epochs", "batch_size", "random_state", "max_grad_norm",
        "optimizer", "on_divergence", "train_split", "device", "verbose",
    }  # fmt: skip
