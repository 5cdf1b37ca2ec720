"""The LSTM/GRU/ReLU-RNN baselines (benchmarks/baselines.py) stand on the package's base."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "baselines.py"
_SPEC = importlib.util.spec_from_file_location("baselines", _PATH)
baselines = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(baselines)


@pytest.mark.parametrize("cell", ["lstm", "gru", "relu_rnn"])
def test_baseline_classifier_is_seeded_and_matched(sign_task, cell):
    X, y = sign_task
    state = torch.random.get_rng_state()
    params = dict(cell=cell, max_epochs=3, lr=1e-2, random_state=0)
    first = baselines.RNNBaselineClassifier(**params).fit(X, y)
    second = baselines.RNNBaselineClassifier(**params).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert set(first.predict(X)) <= {"down", "up"}
    assert first.hidden_size_ == baselines.matched_hidden_size(cell, 16, 2, 2)
    assert first.n_params_ == baselines.baseline_n_params(cell, first.hidden_size_, 2, 2)


def test_baseline_regressor_takes_ragged_input(sum_task):
    X, y = sum_task
    reg = baselines.RNNBaselineRegressor("gru", max_epochs=2, random_state=0).fit(X, y)
    ragged = [x[:4] for x in X[:3]]
    np.testing.assert_allclose(reg.predict(ragged), reg.predict(np.stack(ragged)), rtol=1e-5)
    with pytest.raises(ValueError, match="features"):
        reg.predict(np.zeros((2, 5, 3)))
