"""sk_alrnn.contrib.tslearn: NaN-padded datasets to and from lists."""

import numpy as np
import pytest

from sk_alrnn import ALRNNClassifier
from sk_alrnn.contrib.tslearn import from_tslearn, to_tslearn


def test_round_trip_keeps_every_series():
    rng = np.random.RandomState(0)
    sequences = [rng.randn(T, 2) for T in (3, 7, 5)]
    padded = to_tslearn(sequences)
    assert padded.shape == (3, 7, 2) and np.isnan(padded[0, 3:]).all()
    for back, x in zip(from_tslearn(padded), sequences):
        np.testing.assert_array_equal(back, x)


def test_inner_missing_values_are_kept_and_refused_by_the_estimators():
    X = np.array([[[1.0], [np.nan], [2.0], [np.nan]], [[1.0], [2.0], [3.0], [4.0]]])
    sequences = from_tslearn(X)
    assert [len(x) for x in sequences] == [3, 4]  # only the trailing NaN is padding
    with pytest.raises(ValueError, match="NaN"):
        ALRNNClassifier(M=4, max_epochs=1).fit(sequences, [0, 1])


def test_two_d_dataset_and_errors():
    assert [x.shape for x in from_tslearn(np.array([[1.0, np.nan], [1.0, 2.0]]))] == [
        (1, 1),
        (2, 1),
    ]
    with pytest.raises(ValueError, match="all NaN"):
        from_tslearn(np.full((2, 3, 1), np.nan))
    with pytest.raises(ValueError, match=r"\(n, T, d\)"):
        from_tslearn(np.ones(3))


def test_estimator_fits_the_converted_dataset():
    rng = np.random.RandomState(0)
    sequences = [rng.randn(T, 1) for T in rng.randint(4, 12, size=30)]
    y = np.array([int(x.sum() > 0) for x in sequences])
    clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(
        from_tslearn(to_tslearn(sequences)), y
    )
    direct = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(sequences, y)
    np.testing.assert_array_equal(clf.predict_proba(sequences), direct.predict_proba(sequences))
