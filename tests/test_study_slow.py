"""Headline of the nonlinearity study (benchmarks/RESULTS.md): the addition problem needs ReLUs.

A linear AL-RNN (P=0) stays near the trivial predictor (R^2 ~ 0), two ReLU units solve it.
Measured here (test set random_state=1, CPU float32, torch 2.13): P=0 R^2 0.073, P=2 R^2 0.998
(the issue quotes 0.044 and 0.990 for the same training configuration).
"""
import pytest

from sk_alrnn import ALRNNRegressor
from sk_alrnn.datasets import make_addition


@pytest.mark.slow
def test_addition_needs_relu_units():
    X, y = make_addition(n_samples=2000, n_steps=20, random_state=0)
    X_test, y_test = make_addition(n_samples=1000, n_steps=20, random_state=1)
    scores = {
        P: ALRNNRegressor(M=16, P=P, max_epochs=60, lr=3e-3, random_state=0)
        .fit(X, y)
        .score(X_test, y_test)
        for P in (0, 2)
    }
    assert scores[0] < 0.3, scores
    assert scores[2] > 0.9, scores
