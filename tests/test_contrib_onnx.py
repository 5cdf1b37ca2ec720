"""sk_alrnn.contrib.onnx: the exported graph, run by onnxruntime, equals predict."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

ort = pytest.importorskip("onnxruntime")

from sk_alrnn import ALRNNClassifier, ALRNNRegressor  # noqa: E402
from sk_alrnn.contrib.onnx import to_onnx  # noqa: E402

FAST = {"max_epochs": 4, "lr": 1e-2, "random_state": 0}


def _task(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(40, 10, 2)
    return X, np.maximum(X[:, :, 0], 0).sum(axis=1)


def _run(estimator, X, lengths):
    session = ort.InferenceSession(to_onnx(estimator).SerializeToString())
    return session.run(None, {"X": X.astype(np.float32), "lengths": lengths.astype(np.int64)})[0]


def _padded(sequences):
    lengths = np.array([len(x) for x in sequences])
    X = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]))
    for i, x in enumerate(sequences):
        X[i, : len(x)] = x
    return X, lengths


@pytest.mark.parametrize("P", [0, 2, 6])
@pytest.mark.parametrize("T", [1, 7, 40])
def test_regressor_matches_predict_for_several_lengths(P, T):
    X, y = _task()
    reg = ALRNNRegressor(M=6, P=P, **FAST).fit(X, y)
    X_new = np.random.RandomState(T).randn(5, T, 2)
    got = _run(reg, X_new, np.full(5, T))
    np.testing.assert_allclose(got[:, 0], reg.predict(X_new), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("T", [3, 25])
def test_classifier_matches_predict_proba(T):
    X, y = _task()
    clf = ALRNNClassifier(M=6, P=2, **FAST).fit(X, np.where(y > np.median(y), "hi", "lo"))
    X_new = np.random.RandomState(T).randn(6, T, 2)
    proba = _run(clf, X_new, np.full(6, T))
    np.testing.assert_allclose(proba, clf.predict_proba(X_new), rtol=1e-5, atol=1e-6)
    labels = clf.classes_[proba.argmax(axis=1)]
    np.testing.assert_array_equal(labels, clf.predict(X_new))


def test_variable_lengths_through_padding_and_lengths():
    X, y = _task()
    reg = ALRNNRegressor(M=6, P=2, **FAST).fit(X, y)
    rng = np.random.RandomState(1)
    sequences = [rng.randn(T, 2) for T in (3, 11, 6, 1)]
    padded, lengths = _padded(sequences)
    got = _run(reg, padded, lengths)
    np.testing.assert_allclose(got[:, 0], reg.predict(sequences), rtol=1e-5, atol=1e-5)


def test_sequence_to_sequence_outputs_every_step():
    X, _ = _task()
    reg = ALRNNRegressor(M=6, P=2, **FAST).fit(X, X.cumsum(axis=1))
    X_new = np.random.RandomState(2).randn(4, 13, 2)
    got = _run(reg, X_new, np.full(4, 13))
    assert got.shape == (4, 13, 2)
    np.testing.assert_allclose(got, reg.predict(X_new), rtol=1e-5, atol=1e-5)


def test_unfitted_estimator_is_refused():
    with pytest.raises(NotFittedError):
        to_onnx(ALRNNRegressor())
