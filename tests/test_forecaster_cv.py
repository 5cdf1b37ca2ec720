"""ALRNNForecasterCV: one batched run equals separate fits; P chosen on held-out data."""

import numpy as np
import pytest
import torch
from sklearn.base import clone

from sk_alrnn import ALRNNForecaster, ALRNNForecasterCV, load
from sk_alrnn.datasets import make_roessler

# Tiny fits (a few epochs) are no reconstructions: their checkpoints collapse, which the
# forecaster reports with a RuntimeWarning that these tests do not study.
pytestmark = pytest.mark.filterwarnings("ignore:Every checkpoint:RuntimeWarning")

SMALL = {
    "M": 6,
    "max_epochs": 3,
    "batches_per_epoch": 4,
    "batch_size": 8,
    "n_starts": 2,
    "random_state": 0,
}


@pytest.fixture(scope="module")
def series():
    X = make_roessler(n_steps=500, random_state=0)
    return (X - X.mean(0)) / X.std(0)


@pytest.fixture(scope="module")
def search(series):
    return ALRNNForecasterCV(Ps=(0, 1, 3), **SMALL).fit(series)


def test_candidates_equal_separate_fits(search, series):
    train = series[: len(series) - int(round(0.2 * len(series)))]
    for P, candidate in zip((0, 1, 3), search.estimators_):
        alone = ALRNNForecaster(P=P, **SMALL).fit(train)
        assert candidate.best_start_ == alone.best_start_
        assert candidate.tf_interval_ == alone.tf_interval_
        np.testing.assert_allclose(candidate.start_scores_, alone.start_scores_, rtol=1e-4)
        for name, value in alone.module_.state_dict().items():
            torch.testing.assert_close(
                candidate.module_.state_dict()[name], value, rtol=1e-5, atol=1e-6
            )


def test_results_follow_grid_search_format(search):
    results = search.cv_results_
    assert results["param_P"].tolist() == [0, 1, 3]
    assert [p["P"] for p in results["params"]] == [0, 1, 3]
    splits = [results[f"split{i}_test_score"] for i in range(search.n_splits_)]
    np.testing.assert_allclose(results["mean_test_score"], np.mean(splits, axis=0))
    assert search.n_splits_ == 4 and (np.asarray(splits) <= 0).all()
    assert sorted(results["rank_test_score"])[0] == 1
    assert search.P_ in (0, 1, 3) and search.best_estimator_.P == search.P_
    assert search.best_score_ == results["mean_test_score"][search.best_index_]


def test_answers_through_best_estimator(search, series):
    best = search.best_estimator_
    np.testing.assert_array_equal(search.simulate(20), best.simulate(20))
    np.testing.assert_array_equal(search.predict(series, 2), best.predict(series, 2))
    np.testing.assert_array_equal(search.forecast(series[:30], 5), best.forecast(series[:30], 5))
    assert search.score(series) == best.score(series)
    assert search.regimes_ is best.regimes_
    np.testing.assert_array_equal(search.regime_codes(series), best.regime_codes(series))
    np.testing.assert_array_equal(search.latent_states(series), best.latent_states(series))
    np.testing.assert_array_equal(search.linearize().W, best.linearize().W)


def test_refit_best_takes_the_highest_mean(search, series):
    best = clone(search).set_params(refit="best").fit(series)
    assert best.best_index_ == int(np.argmax(best.cv_results_["mean_test_score"]))


def test_save_and_load(search, series, tmp_path):
    path = tmp_path / "cv.safetensors"
    search.save(path)
    loaded = load(path)
    assert type(loaded) is ALRNNForecasterCV and loaded.P_ == search.P_
    np.testing.assert_array_equal(loaded.simulate(30), search.simulate(30))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"Ps": (1, 1)}, "'Ps'"),
        ({"Ps": "12"}, "'Ps'"),
        ({"Ps": (7,)}, "'P' parameter"),
        ({"refit": "smallest"}, "'refit'"),
        ({"holdout": 1.0}, "'holdout'"),
        ({"n_test_runs": 0}, "'n_test_runs'"),
        ({"tf_intervall": 3}, "'tf_intervall' is not a parameter .* tf_interval"),
    ],
)
def test_invalid_parameters_raise(series, params, match):
    with pytest.raises(ValueError, match=match):
        ALRNNForecasterCV(**{"Ps": (0, 1), **SMALL, **params}).fit(series)


def test_closed_parameter_list():
    search = ALRNNForecasterCV(Ps=(0, 1), n_starts=3)
    assert search.get_params()["n_starts"] == 3 and "Ps" in search.get_params()
    with pytest.raises(ValueError, match="not a parameter"):
        search.set_params(bogus=1)
    assert clone(search).get_params()["n_starts"] == 3
