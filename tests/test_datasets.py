"""Tests of sk_alrnn.datasets: shapes, documented statistics, determinism, loaders."""

import socket
import subprocess
import sys

import numpy as np
import pytest

from sk_alrnn.datasets import (
    load_digits_sequences,
    load_ucr,
    make_addition,
    make_contextual_integration,
    make_copy_memory,
    make_evidence_integration,
    make_forecasting_windows,
    make_lorenz63,
    make_roessler,
)
from sk_alrnn.datasets._tasks import _vocabulary

GENERATORS = {
    "addition": lambda rs: make_addition(50, 10, random_state=rs),
    "copy_memory": lambda rs: make_copy_memory(50, 10, noise=0.5, random_state=rs),
    "contextual": lambda rs: make_contextual_integration(50, 10, random_state=rs),
    "evidence": lambda rs: make_evidence_integration(50, 10, random_state=rs),
    "evidence_var": lambda rs: make_evidence_integration(
        50, 10, variable_length=True, random_state=rs
    ),
    "lorenz63": lambda rs: (make_lorenz63(100, t_transient=1.0, random_state=rs),),
    "roessler": lambda rs: (make_roessler(100, t_transient=5.0, random_state=rs),),
}


def _as_arrays(output):
    return [np.concatenate(a) if isinstance(a, list) else a for a in output]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generators_are_deterministic_under_a_seed(name):
    make = GENERATORS[name]
    first, again, other = (_as_arrays(make(rs)) for rs in (0, 0, 1))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, c) for a, c in zip(first, other) if a.shape == c.shape)
    from_instance = _as_arrays(make(np.random.RandomState(0)))
    for a, b in zip(first, from_instance):
        np.testing.assert_array_equal(a, b)


def test_addition_markers_targets_and_statistics():
    X, y = make_addition(n_samples=4000, n_steps=30, random_state=0)
    assert X.shape == (4000, 30, 2) and y.shape == (4000,)
    marker = X[:, :, 1]
    assert set(np.unique(marker)) == {0.0, 1.0}
    assert (marker.sum(axis=1) == 2).all()
    assert (marker[:, -1] == 0).all()
    assert ((X[:, :, 0] >= 0) & (X[:, :, 0] <= 1)).all()
    np.testing.assert_allclose(y, (X[:, :, 0] * marker).sum(axis=1))
    assert abs(y.mean() - 1.0) < 0.03 and abs(y.std() - np.sqrt(1 / 6)) < 0.03
    # every position but the last can be marked
    assert (marker[:, :-1].sum(axis=0) > 0).all()


def test_copy_memory_cue_delay_query():
    X, y = make_copy_memory(n_samples=100, n_steps=7, n_symbols=5, random_state=0)
    assert X.shape == (100, 7, 6) and y.dtype.kind == "i"
    np.testing.assert_array_equal(X[:, 0, :5].argmax(axis=1), y)
    assert (X[:, 0].sum(axis=1) == 1).all()
    assert (X[:, 1:-1] == 0).all()
    assert (X[:, -1, 5] == 1).all() and (X[:, -1, :5] == 0).all()
    assert np.bincount(y).tolist() == [20] * 5
    X, _ = make_copy_memory(n_samples=500, n_steps=12, noise=0.5, random_state=0)
    assert abs(X[:, 1:-1, :4].std() - 0.5) < 0.02 and (X[:, 1:-1, 4] == 0).all()


def test_contextual_integration_labels_follow_the_selected_stream_only():
    n = 4000
    X, y = make_contextual_integration(n_samples=n, n_steps=20, random_state=0)
    assert X.shape == (n, 20, 4) and set(np.unique(y)) == {0, 1}
    context = X[:, 0, 2:].argmax(axis=1)
    assert (X[:, :-1, 2:].sum(axis=2) == 1).all()
    assert (X[:, :-1, 2:] == X[:, :1, 2:]).all()  # the cue is held during evidence
    assert (X[:, -1] == 0).all()
    assert np.bincount(context).tolist() == [n // 2, n // 2]
    selected = X[np.arange(n), :-1, context].mean(axis=1)
    distractor = X[np.arange(n), :-1, 1 - context].mean(axis=1)
    np.testing.assert_array_equal(selected > 0, y == 1)
    assert abs(np.mean((distractor > 0) == y) - 0.5) < 0.05
    assert abs(y.mean() - 0.5) < 0.05


def test_evidence_integration_labels_are_the_sign_of_summed_valence():
    X, y = make_evidence_integration(
        n_samples=3000, n_steps=15, n_features=6, vocab_size=30, random_state=0
    )
    embeddings, valence = _vocabulary(30, 6, 0)
    assert X.shape == (3000, 15, 6) and (X[:, -1] == 0).all()
    distance = ((X[:, :-1, None, :] - embeddings) ** 2).sum(axis=-1)
    tokens = distance.argmin(axis=-1)
    assert np.allclose(distance.min(axis=-1), 0)
    np.testing.assert_array_equal(valence[tokens].sum(axis=1) > 0, y == 1)
    assert abs(valence.mean()) < 1e-12 and (valence > 0).sum() in (14, 15, 16)
    assert abs(y.mean() - 0.5) < 0.05


def test_evidence_integration_vocabulary_is_shared_across_seeds():
    X0, _ = make_evidence_integration(n_samples=40, n_steps=10, vocab_size=5, random_state=0)
    X1, _ = make_evidence_integration(n_samples=40, n_steps=10, vocab_size=5, random_state=1)
    rows = lambda X: {tuple(r) for r in X[:, :-1].reshape(-1, X.shape[2])}  # noqa: E731
    assert rows(X0) == rows(X1) and len(rows(X0)) == 5


def test_evidence_integration_variable_length():
    X, y = make_evidence_integration(
        n_samples=200, n_steps=12, variable_length=True, min_steps=3, random_state=0
    )
    assert isinstance(X, list) and len(X) == 200 and y.shape == (200,)
    lengths = np.array([len(x) for x in X])
    assert lengths.min() == 3 and lengths.max() == 12
    assert all(x.shape[1] == 8 and (x[-1] == 0).all() and (x[:-1] != 0).any() for x in X)
    with pytest.raises(ValueError, match="'min_steps' parameter .* must be <= n_steps=12"):
        make_evidence_integration(n_steps=12, variable_length=True, min_steps=13)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: make_addition(n_steps=2), "'n_steps' parameter of make_addition .* int >= 3"),
        (lambda: make_copy_memory(n_samples=0), "'n_samples' .* Got 0 instead"),
        (lambda: make_copy_memory(n_symbols=1.5), "'n_symbols'"),
        (lambda: make_contextual_integration(noise=-1), "'noise' .* >= 0"),
        (lambda: make_lorenz63(dt=0), "'dt' parameter of make_lorenz63 .* real number > 0"),
        (lambda: make_forecasting_windows(np.zeros(5), window=5), "window \\+ 1 <= T"),
        (lambda: make_forecasting_windows(np.zeros((2, 2, 2)), 1), "shape \\(T,\\) or \\(T, N\\)"),
        (lambda: make_forecasting_windows([0.0, np.nan, 1.0], 1), "NaN"),
        (lambda: load_digits_sequences("columns"), "'mode' parameter"),
        (lambda: load_ucr("Coffee"), "'name' parameter of load_ucr"),
        (lambda: load_ucr("GunPoint", split="TRAIN"), "'split' parameter"),
    ],
)
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def _finite_difference_residual(traj, dt, rhs):
    derivative = (traj[2:] - traj[:-2]) / (2 * dt)
    expected = np.array([rhs(s) for s in traj[1:-1]])
    return np.abs(derivative - expected).max() / np.abs(expected).max()


def test_lorenz63_follows_its_equations_on_the_attractor():
    traj = make_lorenz63(n_steps=3000, dt=0.01, random_state=0)
    assert traj.shape == (3000, 3) and np.isfinite(traj).all()
    x, y, z = traj.T
    assert abs(x.mean()) < 3 and 20 < z.mean() < 27 and 0 < z.min() and z.max() < 50

    def rhs(s):
        return np.array([10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - 8 / 3 * s[2]])

    assert _finite_difference_residual(traj, 0.01, rhs) < 1e-2


def test_roessler_follows_its_equations_on_the_attractor():
    traj = make_roessler(n_steps=3000, dt=0.02, random_state=0)
    assert traj.shape == (3000, 3) and np.isfinite(traj).all()
    assert (traj[:, 2] > 0).all() and np.abs(traj[:, :2]).max() < 15

    def rhs(s):
        return np.array([-s[1] - s[2], s[0] + 0.2 * s[1], 0.2 + s[2] * (s[0] - 5.7)])

    assert _finite_difference_residual(traj, 0.02, rhs) < 1e-2


def test_forecasting_windows_shift_by_one_step():
    series = np.random.RandomState(0).normal(size=(103, 3))
    X, y = make_forecasting_windows(series, window=10, stride=5)
    assert X.shape == y.shape == ((103 - 10 - 1) // 5 + 1, 10, 3)
    np.testing.assert_array_equal(y[:, :-1], X[:, 1:])
    np.testing.assert_array_equal(X[3], series[15:25])
    np.testing.assert_array_equal(y[-1, -1], series[(len(X) - 1) * 5 + 10])
    X1, y1 = make_forecasting_windows(series[:, 0], window=10)
    assert X1.shape == (93, 10, 1) and y1[-1, -1, 0] == series[-1, 0]


def test_forecasting_windows_on_a_flow():
    traj = make_lorenz63(n_steps=300, t_transient=1.0, random_state=0)
    X, y = make_forecasting_windows(traj, window=50, stride=50)
    assert X.shape == (5, 50, 3)
    np.testing.assert_array_equal(X.reshape(-1, 3), traj[:250])


@pytest.mark.parametrize("mode, shape", [("rows", (1797, 8, 8)), ("pixels", (1797, 64, 1))])
def test_digits_sequences_have_the_documented_shape_range_and_classes(mode, shape):
    X, y = load_digits_sequences(mode)
    assert X.shape == shape and y.shape == (1797,)
    assert X.min() == 0 and X.max() == 1
    assert np.bincount(y).min() >= 174 and len(np.unique(y)) == 10
    bunch = load_digits_sequences(mode, return_X_y=False)
    np.testing.assert_array_equal(bunch.data, X)
    assert bunch.mode == mode and list(bunch.target_names) == list(range(10))
    rows = load_digits_sequences("rows")[0]
    np.testing.assert_array_equal(rows.reshape(-1, 64, 1), X.reshape(-1, 64, 1))


UCR_SIZES = {  # name: (n_train, n_test, T or None if it varies, F, n_classes)
    "GunPoint": (50, 150, 150, 1, 2),
    "ItalyPowerDemand": (67, 1029, 24, 1, 2),
    "ArrowHead": (36, 175, 251, 1, 3),
    "BasicMotions": (40, 40, 100, 6, 4),
    "JapaneseVowels": (270, 370, None, 12, 9),
}


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("load_ucr tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", sorted(UCR_SIZES))
def test_load_ucr_official_splits_offline(name, no_network):
    pytest.importorskip("sktime")
    n_train, n_test, T, F, n_classes = UCR_SIZES[name]
    X_train, y_train = load_ucr(name, split="train")
    X_test, y_test = load_ucr(name, split="test")
    assert len(X_train) == len(y_train) == n_train
    assert len(X_test) == len(y_test) == n_test
    assert isinstance(y_train, np.ndarray) and len(np.unique(y_train)) == n_classes
    if T is None:
        assert isinstance(X_train, list)
        assert all(x.ndim == 2 and x.shape[1] == F and x.dtype == float for x in X_train)
        assert len({len(x) for x in X_train + X_test}) > 1
    else:
        assert X_train.shape == (n_train, T, F) and X_test.shape == (n_test, T, F)
        assert X_train.dtype == float and np.isfinite(X_train).all()


def test_load_ucr_without_split_concatenates_train_and_test():
    pytest.importorskip("sktime")
    X, y = load_ucr("ItalyPowerDemand")
    X_train, y_train = load_ucr("ItalyPowerDemand", split="train")
    assert X.shape == (67 + 1029, 24, 1)
    np.testing.assert_array_equal(X[:67], X_train)
    np.testing.assert_array_equal(y[:67], y_train)


def test_load_ucr_names_the_extra_when_sktime_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "sktime", None)
    monkeypatch.setitem(sys.modules, "sktime.datasets", None)
    with pytest.raises(ImportError, match=r"pip install sk_alrnn\[ucr\]"):
        load_ucr("GunPoint", split="train")


def test_datasets_do_not_import_torch():
    code = "import sys, sk_alrnn.datasets; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_one_task_registry_serves_the_command_line():
    from sk_alrnn import cli
    from sk_alrnn.datasets import TASKS

    parser = cli._parser()
    for name in TASKS:  # every registered task is a choice of the command line
        assert parser.parse_args(["sweep", "--task", name]).task == name
    X, y = TASKS["copy_memory"].make(12, 6, random_state=0)
    assert len(X) == len(y) == 12 and not TASKS["copy_memory"].regression
