"""Progress bar for long fits, device checks, and GPU -> CPU loading."""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sk_alrnn import ALRNNClassifier, ALRNNRegressor

FAST = {"M": 4, "P": 1, "max_epochs": 2, "batch_size": 20, "random_state": 0}


def test_progress_bar_is_a_parameter_that_shows_epochs(sum_task, capsys):
    X, y = sum_task
    reg = ALRNNRegressor(**FAST, progress_bar=True)
    assert clone(reg).get_params()["progress_bar"] is True
    reg.fit(X, y)
    shown = capsys.readouterr()
    # One bar over the fit's epochs (max_epochs=2), with the loss and the time left.
    assert "ALRNNRegressor: epoch 2/2" in shown.err
    assert "loss=" in shown.err and "<" in shown.err
    ALRNNRegressor(**FAST).fit(X, y)
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == ""


def test_progress_bar_does_not_change_the_fit(sum_task, capsys):
    X, y = sum_task
    with_bar = ALRNNRegressor(**FAST, progress_bar=True).fit(X, y).predict(X)
    without = ALRNNRegressor(**FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(with_bar, without)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_on_a_machine_without_cuda_is_a_clear_value_error(sign_task):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(
        ValueError, match="'device' parameter of ALRNNClassifier.*cuda is not available"
    ):
        clf.set_params(device="cuda").fit(X, y)
    clf.set_params(device="cpu")
    np.testing.assert_array_equal(clf.predict_proba(X), before)  # the refused fit changed nothing


@pytest.mark.parametrize("device", ["gpu", "cuda:x", 3.5])
def test_an_unknown_device_is_a_clear_value_error(sum_task, device):
    X, y = sum_task
    with pytest.raises(ValueError, match="must be a torch device such as 'cpu' or 'cuda'"):
        ALRNNRegressor(**FAST, device=device).fit(X, y)


_LOAD_ON_CPU = """
import pickle, sys, warnings
import numpy as np
import torch
assert not torch.cuda.is_available()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # skorch's DeviceWarning: CUDA requested, loading on CPU
    est = pickle.load(open(sys.argv[1], "rb"))
X = np.load(sys.argv[2])
np.save(sys.argv[3], est.predict_proba(X))
"""


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_model_trained_on_gpu_predicts_on_a_cpu_only_machine(sign_task, tmp_path):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST, device="cuda").fit(X, y)
    on_gpu = clf.predict_proba(X)
    model, data, out = (
        tmp_path / "model.pkl",
        tmp_path / "X.npy",
        tmp_path / "proba.npy",
    )
    model.write_bytes(pickle.dumps(clf))
    np.save(data, X)
    subprocess.run(  # a fresh process that sees no GPU
        [sys.executable, "-c", _LOAD_ON_CPU, str(model), str(data), str(out)],
        check=True,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )
    np.testing.assert_allclose(np.load(out), on_gpu, rtol=1e-4, atol=1e-5)
