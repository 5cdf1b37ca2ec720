"""Shared, seeded fixtures: small sequence tasks that train in seconds."""

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _single_thread_torch():
    # Two cores are shared by the test run; one torch thread keeps timings stable.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def sign_task():
    """Classify whether the first feature sums to a positive number (labels are strings)."""
    rng = np.random.RandomState(0)
    X = rng.randn(120, 12, 2)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    return X, y


@pytest.fixture
def sum_task():
    """Regress the sum of the first feature (sequence-to-one)."""
    rng = np.random.RandomState(1)
    X = rng.randn(100, 10, 2)
    return X, X[:, :, 0].sum(axis=1) / 3


@pytest.fixture
def ragged_task():
    """Variable-length sequences with per-step cumulative-sum targets."""
    rng = np.random.RandomState(2)
    X = [rng.randn(T, 2) for T in rng.randint(3, 15, size=40)]
    y = [0.3 * x[:, :1].cumsum(axis=0) for x in X]
    return X, y
