"""Tests of sk_alrnn.datasets.load_mnist1d (skipped where the mnist1d extra is absent)."""

import random

import numpy as np
import pytest

from sk_alrnn.datasets import load_mnist1d

pytest.importorskip("mnist1d")


def test_standard_split_shapes_and_labels():
    X_train, y_train = load_mnist1d("train")
    X_test, y_test = load_mnist1d("test")
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert X_train.dtype == np.float64 and y_train.dtype.kind == "i"
    assert set(np.unique(y_train)) == set(range(10))
    # standardised over the whole generated set
    X = np.concatenate([X_train, X_test])
    assert abs(X.mean()) < 1e-6 and abs(X.std() - 1) < 1e-6


def test_none_split_is_train_then_test():
    X, y = load_mnist1d(n_samples=100, random_state=3)
    X_train, y_train = load_mnist1d("train", n_samples=100, random_state=3)
    X_test, _ = load_mnist1d("test", n_samples=100, random_state=3)
    np.testing.assert_array_equal(X, np.concatenate([X_train, X_test]))
    np.testing.assert_array_equal(y[:80], y_train)


def test_deterministic_under_a_seed_and_seed_matters():
    X1, y1 = load_mnist1d(n_samples=50, random_state=0)
    X2, y2 = load_mnist1d(n_samples=50, random_state=0)
    X3, _ = load_mnist1d(n_samples=50, random_state=1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)
    X4, _ = load_mnist1d(n_samples=50, random_state=np.random.RandomState(0))
    X5, _ = load_mnist1d(n_samples=50, random_state=np.random.RandomState(0))
    np.testing.assert_array_equal(X4, X5)


def test_global_rng_untouched():
    np.random.seed(123)
    random.seed(123)
    expected_np, expected_py = np.random.rand(3), random.random()
    np.random.seed(123)
    random.seed(123)
    load_mnist1d(n_samples=20, random_state=5)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)
    assert random.random() == expected_py


def test_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    load_mnist1d(n_samples=20, random_state=0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"split": "valid"}, "'split' parameter"),
        ({"n_samples": 5}, "'n_samples' parameter"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_mnist1d(**kwargs)
