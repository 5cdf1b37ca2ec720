"""A GridSearchCV sweep over P on a Dask cluster gives the sequential results."""

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV, cross_val_score

from sk_alrnn import ALRNNRegressor, ALRNNRegressorCV

distributed = pytest.importorskip("distributed")

# Starting two worker processes costs 3-5 s each (importing torch), so the test is
# in the slow set that CI runs (`make test-slow`).
pytestmark = pytest.mark.slow


def _search() -> GridSearchCV:
    estimator = ALRNNRegressor(M=6, max_epochs=4, lr=1e-2, random_state=0)
    return GridSearchCV(estimator, {"P": [0, 1, 2]}, cv=3)


def test_grid_search_on_local_cluster_matches_sequential():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 10, 2)
    y = np.maximum(X[:, :, 0], 0).sum(axis=1)
    sequential = _search().fit(X, y)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2)  # both up before the sweep, so both get tasks
        with parallel_config(backend="dask"), distributed.get_task_stream(client) as stream:
            on_dask = _search().fit(X, y)
    # The 3 x 3 fits really ran as tasks on the workers.
    assert len(stream.data) >= 9
    assert len({task["worker"] for task in stream.data}) == 2
    for key in ["mean_test_score", "std_test_score", "rank_test_score"] + [
        f"split{i}_test_score" for i in range(3)
    ]:
        np.testing.assert_array_equal(on_dask.cv_results_[key], sequential.cv_results_[key])
    assert on_dask.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(on_dask.predict(X), sequential.predict(X))


def test_grid_search_on_threaded_dask_workers_matches_sequential():
    """processes=False: the fits share one process, so seeding must not use global state."""
    rng = np.random.RandomState(1)
    X = rng.randn(48, 8, 2)
    y = X[:, :, 1].sum(axis=1)
    sequential = _search().fit(X, y)
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=3, processes=False, dashboard_address=None
    )
    with cluster, distributed.Client(cluster), parallel_config(backend="dask"):
        runs = [_search().fit(X, y) for _ in range(2)]
    for run in runs:
        np.testing.assert_array_equal(
            run.cv_results_["mean_test_score"],
            sequential.cv_results_["mean_test_score"],
        )


def test_cv_estimator_sweeps_in_parallel_on_dask_match_sequential():
    """ALRNNRegressorCV trains all (P, fold) models in one process; Dask spreads several sweeps."""
    rng = np.random.RandomState(2)
    X = rng.randn(60, 8, 2)
    y = np.maximum(X[:, :, 0], 0).sum(axis=1)
    estimator = ALRNNRegressorCV(Ps=(0, 2), M=6, cv=2, max_epochs=4, lr=1e-2, random_state=0)
    sequential = cross_val_score(estimator, X, y, cv=3)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, distributed.Client(cluster), parallel_config(backend="dask"):
        on_dask = cross_val_score(estimator, X, y, cv=3, n_jobs=-1)
    np.testing.assert_array_equal(on_dask, sequential)
