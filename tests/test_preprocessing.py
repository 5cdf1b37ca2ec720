"""sk_alrnn.preprocessing: SequenceScaler, StridedWindows, DelayEmbedding."""

import os
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_alrnn import ALRNNClassifier, ALRNNRegressor
from sk_alrnn.preprocessing import DelayEmbedding, SequenceScaler, StridedWindows

_SEQUENCE_CONVENTION = (
    "2-D X is (n_samples, n_steps) univariate sequences, so n_features_in_ is 1 "
    "and a different number of columns is a different sequence length, not a feature error"
)
_EXPECTED_FAILURES = {
    "check_n_features_in": _SEQUENCE_CONVENTION,
    "check_n_features_in_after_fitting": _SEQUENCE_CONVENTION,
    "check_transformer_general": _SEQUENCE_CONVENTION,
}


def _expected_failed_checks(transformer):
    return _EXPECTED_FAILURES


@parametrize_with_checks(
    [SequenceScaler(), StridedWindows(width=2), DelayEmbedding(dimension=2)],
    expected_failed_checks=_expected_failed_checks,
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.fixture
def ragged():
    rng = np.random.RandomState(0)
    return [rng.randn(T, 2) * [1.0, 10.0] + [5.0, -3.0] for T in (4, 9, 6)]


# ---- SequenceScaler ------------------------------------------------------------
def test_scaler_uses_every_valid_step_of_every_sequence(ragged):
    scaler = SequenceScaler().fit(ragged)
    steps = np.concatenate(ragged)
    np.testing.assert_allclose(scaler.mean_, steps.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, steps.std(axis=0))
    assert scaler.n_steps_seen_ == 19 and scaler.n_features_in_ == 2
    np.testing.assert_allclose(np.concatenate(scaler.transform(ragged)).std(axis=0), 1.0)


def test_scaler_ignores_padding_a_padded_array_would_add(ragged):
    """Statistics of the list differ from those of its zero-padded (n, T_max, F) array."""
    padded = np.zeros((3, 9, 2))
    for i, x in enumerate(ragged):
        padded[i, : len(x)] = x
    assert not np.allclose(SequenceScaler().fit(padded).mean_, SequenceScaler().fit(ragged).mean_)


@pytest.mark.parametrize(
    "X",
    [np.random.RandomState(1).randn(5, 7, 3), np.random.RandomState(1).randn(5, 7)],
    ids=["3d", "2d"],
)
def test_scaler_keeps_array_form_and_inverts(X):
    scaler = SequenceScaler().fit(X)
    Xt = scaler.transform(X)
    assert Xt.shape == X.shape and Xt.dtype == np.float64
    np.testing.assert_allclose(scaler.inverse_transform(Xt), X)
    # Per feature over (n, T): the same numbers as StandardScaler on the stacked steps.
    F = 1 if X.ndim == 2 else X.shape[2]
    expected = StandardScaler().fit_transform(X.reshape(-1, F)).reshape(X.shape)
    np.testing.assert_allclose(Xt, expected)


def test_scaler_keeps_list_form_and_inverts(ragged):
    scaler = SequenceScaler().fit(ragged)
    Xt = scaler.transform(ragged)
    assert isinstance(Xt, list) and [x.shape for x in Xt] == [x.shape for x in ragged]
    for back, x in zip(scaler.inverse_transform(Xt), ragged):
        np.testing.assert_allclose(back, x)


def test_scaler_univariate_list_stays_one_dimensional():
    X = [np.arange(3.0), np.arange(5.0)]
    Xt = SequenceScaler().fit_transform(X)
    assert [x.shape for x in Xt] == [(3,), (5,)]


def test_scaler_preserves_float32():
    X = np.random.RandomState(0).randn(4, 6, 2).astype(np.float32)
    assert SequenceScaler().fit_transform(X).dtype == np.float32


def test_scaler_refuses_a_different_feature_count_and_nan(ragged):
    scaler = SequenceScaler().fit(ragged)
    with pytest.raises(ValueError, match="X has 3 features, but SequenceScaler is expecting 2"):
        scaler.transform(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="NaN"):
        SequenceScaler().fit([np.array([[np.nan, 1.0]])])
    with pytest.raises(ValueError, match="same number of features"):
        SequenceScaler().fit([np.ones((3, 2)), np.ones((3, 1))])


# ---- StridedWindows --------------------------------------------------------------
def _study_stack_windows(X, k):
    """benchmarks/study_ucr.py's original window function (before this module), verbatim."""
    X = np.asarray(X, dtype=np.float64)
    n, T, F = X.shape
    return X[:, : T // k * k].reshape(n, T // k, k * F)


@pytest.mark.parametrize("T, F, k", [(150, 1, 5), (24, 1, 2), (251, 1, 8), (11, 3, 4)])
def test_windows_reproduce_the_study(T, F, k):
    X = np.random.RandomState(T).randn(3, T, F)
    np.testing.assert_array_equal(
        StridedWindows(width=k).fit_transform(X), _study_stack_windows(X, k)
    )


def test_windows_with_stride_overlap():
    x = np.arange(10.0).reshape(5, 2)  # T = 5, F = 2
    out = StridedWindows(width=3, stride=1).fit_transform([x])[0]
    assert out.shape == (3, 6)
    np.testing.assert_array_equal(out[1], x[1:4].ravel())


def test_windows_two_d_input_gives_three_d():
    assert StridedWindows(width=4).fit_transform(np.ones((2, 9))).shape == (2, 2, 4)


def test_windows_refuse_short_sequences_and_bad_width():
    with pytest.raises(ValueError, match=r"at least 5 step\(s\).*shortest sequence of 3"):
        StridedWindows(width=5).fit([np.ones((3, 1)), np.ones((8, 1))])
    with pytest.raises(
        ValueError, match="The 'width' parameter of StridedWindows must be an int >= 1"
    ):
        StridedWindows(width=0).fit(np.ones((2, 4)))
    with pytest.raises(ValueError, match="'stride'"):
        StridedWindows(width=2, stride=1.5).fit(np.ones((2, 4)))


# ---- DelayEmbedding ---------------------------------------------------------------
def test_delay_embedding_convention():
    x = np.sin(np.arange(40.0))[:, None]
    d, tau = 4, 3
    E = DelayEmbedding(dimension=d, delay=tau).fit_transform([x])[0]
    span = (d - 1) * tau
    assert E.shape == (40 - span, d)
    np.testing.assert_array_equal(E[:, 0], x[span:, 0])  # newest value first
    for j in range(d):
        np.testing.assert_array_equal(E[:, j], x[span - j * tau : 40 - j * tau, 0])


def test_delay_embedding_multivariate_blocks_and_identity():
    X = np.random.RandomState(0).randn(2, 10, 3)
    E = DelayEmbedding(dimension=2, delay=2).fit_transform(X)
    assert E.shape == (2, 8, 6)
    np.testing.assert_array_equal(E[:, :, 3:], X[:, :8])  # lag-2 block
    np.testing.assert_array_equal(DelayEmbedding(dimension=1).fit_transform(X), X)


def test_delay_embedding_refuses_short_recording():
    with pytest.raises(ValueError, match=r"at least 7 step\(s\)"):
        DelayEmbedding(dimension=4, delay=2).fit([np.ones((6, 1))])


# ---- in Pipelines and searches ---------------------------------------------------
def test_pipeline_grid_search_over_window_width_and_P():
    rng = np.random.RandomState(0)
    X = rng.randn(48, 12, 1) * 3 + 1
    y = np.where(X[:, :6, 0].sum(axis=1) > X[:, 6:, 0].sum(axis=1), "a", "b")
    pipe = make_pipeline(
        SequenceScaler(),
        StridedWindows(),
        ALRNNClassifier(M=6, max_epochs=3, random_state=0),
    )
    grid = {"stridedwindows__width": [2, 3], "alrnnclassifier__P": [0, 1]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_[-1].n_features_in_ == search.best_params_["stridedwindows__width"]
    assert set(search.predict(X)) <= {"a", "b"}


def test_pipeline_with_variable_length_lists():
    rng = np.random.RandomState(0)
    X = [rng.randn(T, 1) for T in rng.randint(8, 20, size=30)]
    y = np.array([x.sum() for x in X])
    pipe = make_pipeline(
        SequenceScaler(),
        DelayEmbedding(dimension=3),
        ALRNNRegressor(M=6, P=1, max_epochs=3, random_state=0),
    ).fit(X, y)
    assert pipe[-1].n_features_in_ == 3 and pipe.predict(X).shape == (30,)


def test_pandas_dataframe_is_univariate_input():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.randn(20, 8), columns=[f"t{i}" for i in range(8)])
    y = frame.sum(axis=1).to_numpy()
    scaled = SequenceScaler().fit_transform(frame)
    assert scaled.shape == (20, 8)
    reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(frame, y)
    np.testing.assert_array_equal(reg.predict(frame), reg.predict(frame.to_numpy()))
    assert reg.n_features_in_ == 1


def test_study_ucr_uses_the_transformers():
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "benchmarks"))
    try:
        import study_ucr
    finally:
        sys.path.pop(0)
    args = type("Args", (), {"epochs": 1, "lr": 1e-3, "long_factor": 1, "M": 4})()
    pipe = study_ucr.make_model("P=1", "window", "GunPoint", 0, args)
    assert isinstance(pipe.steps[0][1], StridedWindows) and pipe.steps[0][1].width == 5
    pipe = study_ucr.make_model("P=1", "scale", "GunPoint", 0, args)
    assert isinstance(pipe.steps[0][1], SequenceScaler)


# ---- SequenceScaler: before fit, per sequence, one trajectory ---------------------------
@pytest.mark.parametrize("method", ["transform", "inverse_transform"])
def test_scaler_before_fit_raises_not_fitted(method):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        getattr(SequenceScaler(), method)(np.ones((2, 5, 3)))


def test_scaler_per_sequence_standardises_each_sequence_by_itself(ragged):
    scaler = SequenceScaler(per_sequence=True).fit(ragged[:1])
    new = [x * 10 + 5 for x in ragged]
    for x, z in zip(new, scaler.transform(new)):
        # By hand: each sequence's own per-feature mean and population sd.
        np.testing.assert_allclose(z, (x - x.mean(axis=0)) / x.std(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="cannot inverse_transform"):
        scaler.inverse_transform(new)


def test_scaler_per_sequence_gives_a_constant_feature_scale_one():
    x = np.column_stack([np.arange(5.0), np.full(5, 7.0)])
    z = SequenceScaler(per_sequence=True).fit_transform([x])[0]
    np.testing.assert_allclose(z[:, 1], 0.0)
    np.testing.assert_allclose(z[:, 0], (x[:, 0] - 2.0) / np.sqrt(2.0))


def test_scaler_on_one_trajectory_passed_as_a_list_scales_each_column():
    trajectory = np.random.RandomState(7).randn(300, 3) * [1.0, 30.0, 0.01] + [0.0, 5.0, -2.0]
    z = SequenceScaler().fit_transform([trajectory])[0]
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    same = SequenceScaler().fit_transform(trajectory[None])[0]
    np.testing.assert_array_equal(z, same)


def test_delay_embedding_points_a_bare_recording_to_the_list_form():
    x = np.arange(12.0).reshape(12, 1)
    with pytest.raises(ValueError, match=r"pass one \(T, F\) recording as \[X\]"):
        DelayEmbedding(dimension=3).fit(x)
    assert DelayEmbedding(dimension=3).fit_transform([x])[0].shape == (10, 3)
