"""The sequence-net base (SeededNet, SequenceNet, heads): seeding, module contract, hooks."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from sk_alrnn import ALRNNClassifier, ALRNNRegressor

FAST = dict(M=8, P=2, max_epochs=6, lr=1e-2, batch_size=16, iterator_train__shuffle=True)


def _fit_predict(random_state, X, y):
    reg = ALRNNRegressor(**FAST, random_state=random_state).fit(X, y)
    return reg.predict(X)


def test_seeded_fits_in_threads_match_sequential_fits(sum_task):
    X, y = sum_task
    seeds = [0, 1, 0]
    sequential = [_fit_predict(seed, X, y) for seed in seeds]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(pool.map(lambda seed: _fit_predict(seed, X, y), seeds))
    # Threads may split torch's kernels differently: float32 tolerances across threads,
    # bit-equality for the same fit repeated in one thread.
    for expected, got in zip(sequential, concurrent):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(sequential[0], sequential[2])
    assert not np.allclose(sequential[0], sequential[1])


def test_shuffling_follows_random_state_not_the_global_rng(sum_task):
    X, y = sum_task
    torch.manual_seed(0)
    first = _fit_predict(3, X, y)
    torch.manual_seed(1)  # a different global state must not matter
    np.testing.assert_array_equal(first, _fit_predict(3, X, y))


def test_fit_and_predict_leave_the_global_torch_rng_alone(sign_task):
    X, y = sign_task
    state = torch.random.get_rng_state()
    clf = ALRNNClassifier(**FAST, random_state=0).fit(X, y)
    clf.predict_proba(X)
    clf.latent_states(X[:4])
    assert torch.equal(torch.random.get_rng_state(), state)


def test_random_state_none_follows_torch_manual_seed(sum_task):
    X, y = sum_task
    torch.manual_seed(7)
    first = _fit_predict(None, X, y)
    torch.manual_seed(7)
    np.testing.assert_array_equal(first, _fit_predict(None, X, y))


class _GRUReadout(nn.Module):
    """A module outside the AL-RNN: no ``generator`` parameter, no ``system_matrices``."""

    def __init__(self, n_features=1, n_outputs=1, sequence_output=False, M=4, P=0):
        super().__init__()
        self.M, self.P = M, P
        self.rnn = nn.GRU(n_features, M, batch_first=True)
        self.readout = nn.Linear(M, n_outputs)

    def latent_states(self, X):
        return self.rnn(X)[0]

    def forward(self, X, lengths):
        Z = self.latent_states(X)
        return self.readout(Z[torch.arange(len(Z)), lengths - 1])


def test_custom_module_is_seeded_and_linearize_says_what_is_missing(sum_task):
    X, y = sum_task
    params = dict(M=4, P=0, max_epochs=3, module=_GRUReadout)
    state = torch.random.get_rng_state()
    first = ALRNNRegressor(**params, random_state=0).fit(X, y)
    second = ALRNNRegressor(**params, random_state=0).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(first.predict(X), second.predict(X))
    assert first.regimes_.n_regimes == 1
    with pytest.raises(TypeError, match="system_matrices"):
        first.linearize()


def test_module_receives_the_documented_arguments(sum_task):
    X, y = sum_task
    seen = {}

    class Recording(_GRUReadout):
        def __init__(self, generator=None, **kwargs):
            seen.update(kwargs, generator=generator)
            super().__init__(**kwargs)

    ALRNNRegressor(M=4, P=0, max_epochs=1, module=Recording, random_state=0).fit(X, y)
    assert seen["n_features"] == 2 and seen["n_outputs"] == 1
    assert seen["sequence_output"] is False and (seen["M"], seen["P"]) == (4, 0)
    assert isinstance(seen["generator"], torch.Generator)


def test_sample_weights_in_a_batch_never_reach_the_module(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "max_epochs": 1}, random_state=0).fit(X, y)
    batch = {"X": torch.as_tensor(X[:5], dtype=torch.float32), "lengths": torch.full((5,), 10)}
    weighted = reg.infer({**batch, "sample_weight": torch.ones(5)})
    torch.testing.assert_close(weighted, reg.infer(batch))


def test_predict_on_a_dataset_goes_through_skorch_unchanged(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST, random_state=0).fit(X, y)
    dataset = clf.get_dataset(X)
    # skorch's loader (batches of batch_size) against one chunk: float32 tolerances.
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(dataset), proba, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(clf.predict(dataset), clf.classes_[proba.argmax(axis=1)])


def test_chunked_predict_equals_skorch_batches(sign_task, sum_task, monkeypatch):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST, random_state=0).fit(X, y)
    Xs, ys = sum_task
    reg = ALRNNRegressor(**FAST, random_state=0).fit(Xs, ys)
    chunked = clf.predict_proba(X), reg.predict(Xs)
    # Chunks of 7 sequences where skorch's loader uses batches of batch_size=16.
    monkeypatch.setattr(
        "sk_alrnn._net._sequence._INFERENCE_CHUNK_FLOATS", 7 * 12 * clf._inference_width()
    )
    np.testing.assert_allclose(clf.predict_proba(X), chunked[0], rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(type(clf), "_inference_width", lambda self: None)
    monkeypatch.setattr(type(reg), "_inference_width", lambda self: None)
    np.testing.assert_allclose(clf.predict_proba(X), chunked[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(reg.predict(Xs), chunked[1], rtol=1e-5, atol=1e-6)


# ---- the estimator contract of the heads ----------------------------------------------
def test_list_of_lists_targets_mean_what_the_same_array_means():
    # One rule for a list X: a list y of equal-length lists is read as np.asarray(y),
    # an (n, k) target (one k-vector per sequence), exactly like the array.
    rng = np.random.RandomState(0)
    X = [rng.randn(4, 2) for _ in range(6)]
    y_list = [[float(v) for v in rng.randn(4)] for _ in range(6)]
    kw = dict(M=4, P=1, max_epochs=2, random_state=0)
    from_list = ALRNNRegressor(**kw).fit(X, y_list).predict(X)
    from_array = ALRNNRegressor(**kw).fit(X, np.asarray(y_list)).predict(X)
    assert from_list.shape == from_array.shape == (6, 4)
    np.testing.assert_allclose(from_list, from_array, rtol=1e-5, atol=1e-6)
    # A list of numpy arrays, one per sequence, stays per-step.
    per_step = ALRNNRegressor(**kw).fit(X, [np.asarray(item) for item in y_list]).predict(X)
    assert [item.shape for item in per_step] == [(4,)] * 6


def test_regressor_score_takes_the_per_step_weights_fit_takes():
    rng = np.random.RandomState(1)
    X = rng.randn(8, 5, 2).astype(np.float32)
    y = X.cumsum(axis=1)[..., :1]  # (n, T, 1) per-step targets
    weights = rng.uniform(0.5, 2.0, size=(8, 5))
    reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, y, sample_weight=weights)
    prediction = reg.predict(X)[..., 0].ravel()
    truth, w = y[..., 0].ravel(), weights.ravel()
    mean = (w * truth).sum() / w.sum()  # weighted R^2 by hand
    expected = 1 - (w * (truth - prediction) ** 2).sum() / (w * (truth - mean) ** 2).sum()
    assert reg.score(X, y, sample_weight=weights) == pytest.approx(expected, rel=1e-4)


def test_sample_weight_message_says_what_expected_and_got():
    X, y = np.zeros((3, 4, 1)), np.arange(3.0)
    reg = ALRNNRegressor(M=2, P=1, max_epochs=1)
    match = (
        r"^sample_weight must be None, a number or a 1-D array of 3 weights "
        r"\(one per sequence\)\. Got shape \(3, 2\) instead\.$"
    )
    with pytest.raises(ValueError, match=match):
        reg.fit(X, y, sample_weight=np.ones((3, 2)))


def test_skorch_dataset_is_not_offered_and_a_custom_one_is_refused():
    assert "dataset" not in ALRNNRegressor().get_params()
    with pytest.raises(ValueError, match="'dataset' parameter of ALRNNRegressor must be left"):
        ALRNNRegressor(dataset=torch.utils.data.TensorDataset).fit(np.zeros((3, 4)), np.ones(3))


def test_after_fit_M_and_P_come_from_the_fitted_module(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(M=6, P=2, max_epochs=1, random_state=0).fit(X, y)
    clf.set_params(P=0, M=3)  # takes effect at the next fit only
    assert clf.regime_codes(X).shape[-1] == 2 and clf.latent_states(X).shape[-1] == 6
    system = clf.linearize()
    assert (system.M, system.P) == (6, 2) and system.W.shape == (6, 6)
