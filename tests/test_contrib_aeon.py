"""sk_alrnn.contrib.aeon: the adapters against aeon's own checks and conventions.

aeon pins an older numpy, so these tests run in their own environment:
``make test-aeon`` (``.venv-aeon``; CI runs it). Elsewhere they skip.
Measured there (aeon 1.6.0, numpy 2.3.5): all 80 checks pass (before the
reliability fix that keeps ``module_``'s train/eval mode through ``predict``,
76 of 80: ``check_non_state_changing_method`` failed).
"""

import numpy as np
import pytest

pytest.importorskip("aeon")

from aeon.testing.estimator_checking import parametrize_with_checks

from sk_alrnn import ALRNNClassifier, ALRNNRegressor
from sk_alrnn.contrib.aeon import ALRNNAeonClassifier, ALRNNAeonRegressor


@parametrize_with_checks([ALRNNAeonClassifier, ALRNNAeonRegressor])
@pytest.mark.filterwarnings("ignore")  # the checks' own data and deprecation warnings
def test_aeon_compatible_estimator(check):
    check()


def test_np_list_is_channel_first_and_matches_the_estimator():
    rng = np.random.RandomState(0)
    X = [rng.randn(2, T) for T in rng.randint(6, 14, size=30)]  # np-list: (channels, T_i)
    y = np.array([int(x[1].sum() > 0) for x in X])
    adapter = ALRNNAeonClassifier(M=5, P=1, max_epochs=3, random_state=0).fit(X, y)
    sequences = [x.T for x in X]
    direct = ALRNNClassifier(M=5, P=1, max_epochs=3, random_state=0).fit(sequences, y)
    assert adapter.estimator_.n_features_in_ == 2
    np.testing.assert_array_equal(adapter.predict_proba(X), direct.predict_proba(sequences))


def test_numpy3d_regression_matches_the_estimator():
    rng = np.random.RandomState(1)
    X = rng.randn(30, 1, 10)
    y = X[:, 0].sum(axis=1)
    adapter = ALRNNAeonRegressor(M=5, P=1, max_epochs=3, random_state=0).fit(X, y)
    direct = ALRNNRegressor(M=5, P=1, max_epochs=3, random_state=0).fit(X.transpose(0, 2, 1), y)
    np.testing.assert_allclose(adapter.predict(X), direct.predict(X.transpose(0, 2, 1)), rtol=1e-6)
