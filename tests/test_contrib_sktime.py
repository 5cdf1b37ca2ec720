"""sk_alrnn.contrib.sktime: the adapters against sktime's own checks and conventions."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.utils.estimator_checks import check_estimator

from sk_alrnn import ALRNNClassifier, ALRNNRegressor
from sk_alrnn.contrib.sktime import ALRNNSktimeClassifier, ALRNNSktimeRegressor


@pytest.mark.slow  # sktime runs ~400 checks, each fitting small networks: 1-3 min on 2 cores
@pytest.mark.filterwarnings("ignore")  # the checks' own deprecation and data warnings
@pytest.mark.parametrize("adapter", [ALRNNSktimeClassifier, ALRNNSktimeRegressor])
def test_sktime_check_estimator(adapter):
    results = check_estimator(adapter, raise_exceptions=False, verbose=False)
    failed = {name: str(result)[:300] for name, result in results.items() if result != "PASSED"}
    assert len(results) > 100 and failed == {}


def test_numpy3d_is_channel_first_and_matches_the_estimator():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 2, 9)  # sktime: (n, channels, T)
    y = np.where(X[:, 1].sum(axis=1) > 0, "b", "a")
    adapter = ALRNNSktimeClassifier(M=5, P=1, max_epochs=3, random_state=0).fit(X, y)
    direct = ALRNNClassifier(M=5, P=1, max_epochs=3, random_state=0).fit(X.transpose(0, 2, 1), y)
    assert adapter.estimator_.n_features_in_ == 2
    np.testing.assert_array_equal(
        adapter.predict_proba(X), direct.predict_proba(X.transpose(0, 2, 1))
    )
    assert list(adapter.predict(X)) == list(direct.predict(X.transpose(0, 2, 1)))


def test_unequal_length_panel_through_df_list():
    rng = np.random.RandomState(0)
    lengths = rng.randint(5, 14, size=24)
    X = [pd.DataFrame(rng.randn(T, 2), columns=["c0", "c1"]) for T in lengths]
    y = np.array([float(x["c0"].sum()) for x in X])
    reg = ALRNNSktimeRegressor(M=5, P=1, max_epochs=3, random_state=0).fit(X, y)
    direct = ALRNNRegressor(M=5, P=1, max_epochs=3, random_state=0).fit(
        [x.to_numpy() for x in X], y
    )
    np.testing.assert_allclose(reg.predict(X), direct.predict([x.to_numpy() for x in X]), rtol=1e-6)


def test_adapter_parameters_reach_the_estimator():
    X = np.random.RandomState(0).randn(20, 1, 6)
    y = np.arange(20) % 2
    clf = ALRNNSktimeClassifier(M=3, P=0, max_epochs=2, net_params={"max_grad_norm": None}).fit(
        X, y
    )
    assert clf.estimator_.max_grad_norm is None and clf.estimator_.P == 0
    assert clf.get_params()["net_params"] == {"max_grad_norm": None}
