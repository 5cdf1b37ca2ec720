"""The epoch progress bar of plain, CV and forecaster fits (sk_alrnn/_net/_progress.py)."""

import io
import pickle

import numpy as np

from sk_alrnn import ALRNNForecaster, ALRNNRegressor, ALRNNRegressorCV
from sk_alrnn._net._progress import EpochBar


def test_epoch_bar_counts_epochs_and_shows_the_last_finite_loss():
    stream = io.StringIO()
    bar = EpochBar(4, desc="run", file=stream)
    for loss in (2.0, 1.5, 0.25, float("nan")):
        bar.update(loss)
    bar.close()
    text = stream.getvalue()
    assert "run: epoch 4/4" in text
    assert "loss=0.25" in text and "nan" not in text


def test_cv_engine_shows_one_bar_over_the_epochs_of_the_batched_run(capsys):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 1)).astype(np.float32)
    y = X.sum(axis=(1, 2))
    search = ALRNNRegressorCV(
        Ps=(0, 1), M=3, cv=2, max_epochs=3, random_state=0, progress_bar=True
    ).fit(X, y)
    err = capsys.readouterr().err
    # The batched run (2 P x 2 folds) stays on the engine and shows epochs, then the refit.
    assert "ALRNNRegressorCV (4 models): epoch 3/3" in err
    assert "ALRNNRegressor: epoch 3/3" in err
    assert search.best_estimator_.progress_bar is True


def test_progress_bar_leaves_the_cv_scores_unchanged(capsys):
    rng = np.random.RandomState(1)
    X = rng.normal(size=(30, 4, 1)).astype(np.float32)
    y = X.sum(axis=(1, 2))
    common = dict(Ps=(0, 1), M=3, cv=2, max_epochs=2, random_state=0)
    quiet = ALRNNRegressorCV(**common).fit(X, y)
    shown = ALRNNRegressorCV(**common, progress_bar=True).fit(X, y)
    np.testing.assert_allclose(
        shown.cv_results_["mean_test_score"],
        quiet.cv_results_["mean_test_score"],
        rtol=1e-5,
        atol=1e-6,
    )


def test_forecaster_fit_shows_epochs(capsys):
    t = np.linspace(0, 12 * np.pi, 400)
    X = np.stack([np.sin(t), np.cos(t)], axis=1)
    fc = ALRNNForecaster(
        M=4,
        P=1,
        sequence_length=20,
        max_epochs=2,
        batches_per_epoch=2,
        checkpoint_interval=None,
        random_state=0,
        progress_bar=True,
    ).fit(X)
    assert "ALRNNForecaster: epoch 2/2" in capsys.readouterr().err
    assert fc.get_params()["progress_bar"] is True


def test_a_fitted_net_with_a_bar_pickles(sum_task, capsys):
    X, y = sum_task
    reg = ALRNNRegressor(M=4, P=1, max_epochs=1, random_state=0, progress_bar=True).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
