"""ALRNNSktimeForecaster: sktime's forecaster checks, fh, temporal splits and evaluate."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.model_evaluation import evaluate
from sktime.split import ExpandingWindowSplitter, temporal_train_test_split
from sktime.utils.estimator_checks import check_estimator

from sk_alrnn.contrib.sktime import ALRNNSktimeForecaster

SMALL = dict(sequence_length=10, batches_per_epoch=3, checkpoint_interval=None)


def _forecaster(**kwargs):
    params = dict(M=6, P=1, max_epochs=2, random_state=0, forecaster_params=SMALL)
    return ALRNNSktimeForecaster(**{**params, **kwargs})


def _series(n=80, columns=("a",)):
    t = np.arange(n) / 3.0
    values = np.stack([np.sin(t + k) * (k + 1) + 5 * k for k in range(len(columns))], axis=1)
    return pd.DataFrame(values, columns=list(columns))


@pytest.mark.slow  # ~700 checks of small fits: ~1.5 min on 2 cores
@pytest.mark.filterwarnings("ignore")  # the checks' own deprecation and data warnings
def test_sktime_check_estimator_passes():
    results = check_estimator(ALRNNSktimeForecaster, raise_exceptions=False, verbose=False)
    failed = {name: str(result)[:300] for name, result in results.items() if result != "PASSED"}
    assert len(results) > 300 and failed == {}


def test_fh_and_temporal_split_give_the_test_index_and_the_model_forecast():
    y = _series(columns=("a", "b"))
    y_train, y_test = temporal_train_test_split(y, test_size=8)
    adapter = _forecaster().fit(y_train)
    fh = ForecastingHorizon(y_test.index, is_relative=False)
    y_pred = adapter.predict(fh)
    assert y_pred.index.equals(y_test.index) and list(y_pred.columns) == ["a", "b"]
    # By hand: standardise with the training mean/sd, forecast, map back.
    mean, sd = y_train.to_numpy().mean(axis=0), y_train.to_numpy().std(axis=0)
    path = adapter.forecaster_.forecast((y_train.to_numpy() - mean) / sd, n_steps=8)
    np.testing.assert_allclose(y_pred.to_numpy(), path * sd + mean, rtol=1e-5, atol=1e-6)


def test_a_sparse_relative_horizon_picks_those_steps():
    y = _series()
    adapter = _forecaster().fit(y)
    full = adapter.predict(fh=np.arange(1, 7))
    some = adapter.predict(fh=[2, 6])
    np.testing.assert_allclose(some.to_numpy(), full.to_numpy()[[1, 5]], rtol=1e-5, atol=1e-6)


def test_in_sample_horizons_are_refused_with_a_clear_message():
    adapter = _forecaster().fit(_series())
    with pytest.raises(NotImplementedError, match="in-sample"):
        adapter.predict(fh=[0, 1])


def test_update_extends_the_context_without_refitting():
    y = _series(n=90)
    adapter = _forecaster().fit(y.iloc[:80])
    weights = {k: v.clone() for k, v in adapter.forecaster_.module_.state_dict().items()}
    adapter.update(y.iloc[80:], update_params=True)
    for name, value in adapter.forecaster_.module_.state_dict().items():
        assert (value == weights[name]).all(), name
    mean, sd = y.iloc[:80].to_numpy().mean(axis=0), y.iloc[:80].to_numpy().std(axis=0)
    path = adapter.forecaster_.forecast((y.to_numpy() - mean) / sd, n_steps=3)
    np.testing.assert_allclose(
        adapter.predict(fh=[1, 2, 3]).to_numpy(), path * sd + mean, rtol=1e-5, atol=1e-6
    )


def test_evaluate_runs_over_expanding_windows():
    y = _series(n=70)
    cv = ExpandingWindowSplitter(initial_window=50, step_length=8, fh=[1, 2, 3])
    scores = evaluate(_forecaster(), cv, y, strategy="update")
    assert len(scores) == 3
    assert np.isfinite(scores.filter(like="test_").to_numpy(dtype=float)).all()
