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


# The AL-RNN it is matched to (M=16, F=2, two classes) has 16 + 256 + 32 + 16 + 32 + 2 = 354
# parameters; a cell with g gate blocks and hidden size H has g (2H + H^2 + 2H) + 2H + 2:
# LSTM (g=4) H=7 -> 324 (H=8 -> 402), GRU (g=3) H=9 -> 371 (H=8 -> 306), ReLU RNN H=16 -> 354.
@pytest.mark.parametrize("cell, hidden_size, n_params", [
    ("lstm", 7, 324), ("gru", 9, 371), ("relu_rnn", 16, 354),
])  # fmt: skip
def test_baseline_classifier_is_seeded_and_has_the_matched_size(
    sign_task, cell, hidden_size, n_params
):
    X, y = sign_task
    state = torch.random.get_rng_state()
    params = dict(cell=cell, max_epochs=3, lr=1e-2, random_state=0)
    first = baselines.RNNBaselineClassifier(**params).fit(X, y)
    second = baselines.RNNBaselineClassifier(**params).fit(X, y)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    assert set(first.predict(X)) <= {"down", "up"}
    assert first.hidden_size_ == hidden_size and first.n_params_ == n_params
    assert sum(p.numel() for p in first.module_.parameters()) == n_params


def test_baseline_regressor_reads_ragged_input_like_the_array(sum_task):
    X, y = sum_task
    reg = baselines.RNNBaselineRegressor("gru", max_epochs=2, random_state=0).fit(X, y)
    ragged = [x[:4] for x in X[:3]]
    np.testing.assert_allclose(reg.predict(ragged), reg.predict(np.stack(ragged)), rtol=1e-5)
    with pytest.raises(ValueError, match="X has 3 features"):
        reg.predict(np.zeros((2, 5, 3)))
