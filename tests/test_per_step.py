"""Per-step classification and sample weights, through the public API."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score

from sk_alrnn import ALRNNClassifier, ALRNNRegressor

FAST = {"M": 8, "P": 2, "max_epochs": 12, "lr": 1e-2, "random_state": 0}


@pytest.fixture
def step_task():
    """Label every step by the sign of the running sum of feature 0 (strings)."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 10, 2)
    y = np.where(X[:, :, 0].cumsum(axis=1) > 0, "pos", "neg")
    return X, y


@pytest.fixture
def ragged_step_task():
    rng = np.random.RandomState(1)
    X = [rng.randn(T, 2) for T in rng.randint(3, 12, size=50)]
    y = [np.where(x[:, 0].cumsum() > 0, 1, 0) for x in X]
    return X, y


def test_array_form_shapes_labels_and_classes(step_task):
    X, y = step_task
    y = y.astype(object)
    y[0, 3] = "rare"  # a label seen at one step only still is a class
    clf = ALRNNClassifier(**FAST).fit(X, y)
    assert clf.classes_.tolist() == ["neg", "pos", "rare"]
    pred = clf.predict(X)
    assert pred.shape == (60, 10) and set(np.unique(pred)) <= {"neg", "pos", "rare"}
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 10, 3)
    np.testing.assert_allclose(proba.sum(axis=-1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=-1)])
    assert clf.score(X, y) == pytest.approx(np.mean(pred == y))
    assert clf.predict(X[:2]).dtype == object  # labels keep the type given to fit


def test_list_form_keeps_each_sequence_length(ragged_step_task):
    X, y = ragged_step_task
    clf = ALRNNClassifier(**FAST).fit(X, y)
    pred, proba = clf.predict(X), clf.predict_proba(X)
    assert isinstance(pred, list) and [p.shape for p in pred] == [t.shape for t in y]
    assert [p.shape for p in proba] == [(len(t), 2) for t in y]
    expected = np.mean(np.concatenate([p == t for p, t in zip(pred, y)]))
    assert clf.score(X, y) == pytest.approx(expected)


def test_learns_a_per_step_task(step_task):
    X, y = step_task
    clf = ALRNNClassifier(M=8, P=2, max_epochs=60, lr=1e-2, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9  # chance ~0.5: the running sum's sign is linear memory


def test_padded_label_values_do_not_matter(ragged_step_task):
    X, y = ragged_step_task
    T = max(len(x) for x in X)

    def padded(fill):
        out = np.full((len(X), T), fill)
        for i, t in enumerate(y):
            out[i, : len(t)] = t
        return out

    a = ALRNNClassifier(**FAST).fit(X, padded(0))
    b = ALRNNClassifier(**FAST).fit(X, padded(-1))  # never a class: padding is ignored
    assert b.classes_.tolist() == [0, 1]
    for pa, pb in zip(a.predict_proba(X), b.predict_proba(X)):
        np.testing.assert_array_equal(pa, pb)
    # a padded (n, T_max) y and the list form train the same model
    c = ALRNNClassifier(**FAST).fit(X, y)
    for pa, pc in zip(a.predict_proba(X), c.predict_proba(X)):
        np.testing.assert_array_equal(pa, pc)


def test_zero_step_weights_ignore_those_steps(step_task):
    X, y = step_task
    weight = np.ones(y.shape)
    weight[:, 5:] = 0.0
    scrambled = y.copy()
    scrambled[:, 5:] = np.random.RandomState(3).permutation(scrambled[:, 5:].ravel()).reshape(60, 5)
    a = ALRNNClassifier(**FAST).fit(X, y, sample_weight=weight)
    b = ALRNNClassifier(**FAST).fit(X, scrambled, sample_weight=weight)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = ALRNNClassifier(**FAST).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


def test_weights_of_ones_or_scaled_train_the_same_model(ragged_step_task):
    X, y = ragged_step_task
    plain = ALRNNClassifier(**FAST).fit(X, y).predict_proba(X)
    ones = ALRNNClassifier(**FAST).fit(X, y, sample_weight=[np.ones(len(t)) for t in y])
    rng = np.random.RandomState(0)
    w = [rng.uniform(0.5, 2, len(t)) for t in y]
    w1 = ALRNNClassifier(**FAST).fit(X, y, sample_weight=w).predict_proba(X)
    w2 = ALRNNClassifier(**FAST).fit(X, y, sample_weight=[2 * v for v in w]).predict_proba(X)
    for p, q in zip(plain, ones.predict_proba(X)):
        np.testing.assert_array_equal(p, q)
    for p, q in zip(w1, w2):
        np.testing.assert_array_equal(p, q)


def test_per_step_score_takes_per_step_weights(step_task):
    X, y = step_task
    clf = ALRNNClassifier(**FAST).fit(X, y)
    pred = clf.predict(X)
    weight = np.random.RandomState(0).uniform(size=y.shape)
    expected = accuracy_score(y.ravel(), pred.ravel(), sample_weight=weight.ravel())
    assert clf.score(X, y, sample_weight=weight) == pytest.approx(expected)
    only_wrong = (pred != y).astype(float)
    assert clf.score(X, y, sample_weight=only_wrong) == 0.0


@pytest.mark.parametrize("Estimator", [ALRNNClassifier, ALRNNRegressor])
def test_sequence_to_one_weights_ignore_zero_weighted_sequences(sign_task, Estimator):
    X, labels = sign_task
    y = labels if Estimator is ALRNNClassifier else (labels == "up").astype(float)
    weight = np.ones(len(y))
    weight[:30] = 0.0
    changed = y.copy()
    changed[:30] = changed[:30][::-1]
    a = Estimator(**FAST).fit(X, y, sample_weight=weight)
    b = Estimator(**FAST).fit(X, changed, sample_weight=weight)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    if Estimator is ALRNNClassifier:
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_column_vector_y_stays_sequence_to_one(sign_task):
    X, y = sign_task
    with pytest.warns(DataConversionWarning):
        clf = ALRNNClassifier(**{**FAST, "max_epochs": 2}).fit(X, y[:, None])
    assert clf.predict(X).shape == (len(X),)


@pytest.mark.parametrize(
    "make_y, match",
    [
        (lambda y: y[:, :7], "one column per step"),  # multi-output is not supported
        (lambda y: np.concatenate([y, y[:, :1]], axis=1), "one column per step"),
        (lambda y: y[:, :, None], "dim 3"),
    ],
)
def test_bad_per_step_targets_are_refused_and_change_nothing(step_task, make_y, match):
    X, y = step_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, make_y(y))
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert clf.classes_.tolist() == ["neg", "pos"]


def test_list_targets_must_match_lengths(ragged_step_task):
    X, y = ragged_step_task
    with pytest.raises(ValueError, match="as many steps as X"):
        ALRNNClassifier(**FAST).fit(X, [t[:-1] if len(t) > 3 else t for t in y])


@pytest.mark.parametrize(
    "make_weight, match",
    [
        (lambda y: np.ones((len(y), 3)), "one column per step"),
        (lambda y: -np.ones(y.shape), "Negative values"),
        (lambda y: np.zeros(y.shape), "non-zero"),
        (lambda y: np.full(y.shape, np.nan), "NaN"),
        (lambda y: np.ones(len(y) + 1), "sample_weight must have the form"),
    ],
)
def test_bad_step_weights_are_refused_and_change_nothing(step_task, make_weight, match):
    X, y = step_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y, sample_weight=make_weight(y))
    np.testing.assert_array_equal(clf.predict_proba(X), before)


def test_per_sequence_weights_broadcast_over_steps(step_task):
    X, y = step_task
    w = np.random.RandomState(0).uniform(0.5, 2, len(y))
    a = ALRNNClassifier(**FAST).fit(X, y, sample_weight=w)
    b = ALRNNClassifier(**FAST).fit(X, y, sample_weight=np.repeat(w[:, None], y.shape[1], axis=1))
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_switching_target_kind_across_partial_fits_is_refused(step_task):
    X, y = step_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 1}).partial_fit(X, y)
    with pytest.raises(ValueError, match="per-step and per-sequence"):
        clf.partial_fit(X, y[:, -1])
    with pytest.raises(ValueError, match="per-step labels"):
        clf.score(X, y[:, -1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.partial_fit(X, y)  # the same kind keeps training
    assert len(clf.history) == 2


def test_padded_steps_are_masked_out_of_the_loss(ragged_step_task):
    # A list of ragged sequences trains like full-length sequences whose extra steps hold
    # junk with weight 0: the recurrence is causal, and padded steps must add no loss.
    X, y = ragged_step_task
    T = max(len(x) for x in X)
    rng = np.random.RandomState(5)
    X_full, y_full, w_full = (
        rng.randn(len(X), T, 2),
        rng.randint(0, 2, (len(X), T)),
        np.zeros((len(X), T)),
    )
    for i, (x, t) in enumerate(zip(X, y)):
        X_full[i, : len(x)], y_full[i, : len(t)], w_full[i, : len(t)] = x, t, 1.0
    ragged = ALRNNClassifier(**FAST).fit(X, y)
    full = ALRNNClassifier(**FAST).fit(X_full, y_full, sample_weight=w_full)
    proba_full = full.predict_proba(X_full)
    for i, p in enumerate(ragged.predict_proba(X)):
        np.testing.assert_allclose(p, proba_full[i, : len(p)], atol=1e-4)


def test_internal_validation_split_scores_valid_steps(ragged_step_task):
    from skorch.dataset import ValidSplit

    X, y = ragged_step_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 3}, train_split=ValidSplit(5))
    clf.fit(X, y)
    accuracies = clf.history[:, "valid_acc"]
    assert len(accuracies) == 3 and all(0.0 <= a <= 1.0 for a in accuracies)
    # valid_acc is the per-step accuracy of the held-out fold (KFold(5): the first fifth)
    # on its valid steps only
    n_valid = len(X) // 5
    assert accuracies[-1] == pytest.approx(clf.score(X[:n_valid], y[:n_valid]))


def test_describe_accepts_per_step_labels_and_task_labels(ragged_step_task):
    from sk_alrnn.analysis import describe

    X, y = ragged_step_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert "usage by label" not in describe(clf, X, y)  # no single label per sequence
    groups = np.where(np.arange(len(X)) % 2 == 0, "even", "odd")
    assert "usage by label" in describe(clf, X, groups)


def test_nan_padded_array_is_read_as_variable_length_sequences():
    rng = np.random.RandomState(0)
    lengths = [3, 6, 4, 6, 5, 2]
    X_list = [rng.randn(T, 2) for T in lengths]
    X_nan = np.full((6, 6, 2), np.nan)
    for i, item in enumerate(X_list):
        X_nan[i, : len(item)] = item
    y = np.array([0, 1, 0, 1, 1, 0])
    kw = dict(M=4, P=1, max_epochs=2, random_state=0)
    from_list = ALRNNClassifier(**kw).fit(X_list, y).predict_proba(X_list)
    from_nan = ALRNNClassifier(**kw).fit(X_nan, y).predict_proba(X_nan)
    np.testing.assert_allclose(from_nan, from_list, rtol=1e-5, atol=1e-6)
    # Per-step targets beside NaN-padded X: NaN on the padded steps, in and out.
    y_steps = np.where(
        np.isnan(X_nan[..., :1]), np.nan, np.cumsum(np.nan_to_num(X_nan), 1)[..., :1]
    )
    reg = ALRNNRegressor(**kw).fit(X_nan, y_steps)
    predicted = reg.predict(X_nan)
    assert predicted.shape == (6, 6, 1)
    assert (np.isnan(predicted[..., 0]) == np.isnan(X_nan[..., 0])).all()
    list_fit = ALRNNRegressor(**kw).fit(X_list, [y_steps[i, :T] for i, T in enumerate(lengths)])
    for i, part in enumerate(list_fit.predict(X_list)):
        np.testing.assert_allclose(predicted[i, : lengths[i]], part, rtol=1e-5, atol=1e-6)
