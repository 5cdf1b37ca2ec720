"""Pruning ReLU units that never switch: exact equivalence, sizes, regimes and Jacobians."""

import numpy as np
import pytest
import torch

from sk_alrnn import ALRNNClassifier, ALRNNForecaster, ALRNNRegressor
from sk_alrnn.analysis import regime_summary

RTOL, ATOL = 1e-5, 1e-5


def _set_weights(est, **values):
    """Overwrite module parameters by hand and refresh regimes_ as fit would."""
    with torch.no_grad():
        for name, value in values.items():
            getattr(est.module_, name).copy_(
                torch.as_tensor(np.asarray(value), dtype=torch.float32)
            )


def _hand_built(est_class=ALRNNRegressor, read_off_unit=True, target=None):
    """M=4, P=3: unit 0 linear, unit 1 always on, unit 2 always off, unit 3 switches.

    Inputs are in [-1, 1]; h_1 = 5 keeps z_1 > 0 (|W| row sums and a keep the
    drive small), h_2 = -5 keeps z_2 < 0, unit 3 follows the input's sign.
    """
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (40, 12, 1))
    y = X.sum(axis=(1, 2)) if target is None else target(X)
    est = est_class(M=4, P=3, max_epochs=1, random_state=0).fit(X, y)
    W = np.array(
        [[0.0, 0.1, 0.2, 0.3], [0.1, 0.0, 0.1, -0.1], [0.2, 0.1, 0.0, 0.1], [0.1, -0.2, 0.3, 0.0]]
    )
    B = est.module_.B.detach().numpy().copy()
    B[:] = rng.uniform(0.5, 1.0, B.shape)
    if not read_off_unit:
        B[:, 2] = 0.0
    _set_weights(
        est,
        a=[0.5, 0.3, 0.3, 0.2],
        W=W,
        C=[[1.0], [0.2], [0.2], [2.0]],
        h=[0.0, 5.0, -5.0, 0.0],
        B=B,
    )
    est.regimes_ = regime_summary(est.regime_codes(X))
    return est, X, y


def test_hand_built_units_become_linear_and_predictions_agree():
    est, X, _ = _hand_built()
    Z = est.latent_states(X)
    assert (Z[..., 1] > 0).all() and (Z[..., 2] <= 0).all()  # the premise of the test
    assert (Z[..., 3] > 0).any() and (Z[..., 3] <= 0).any()
    pruned = est.prune(X)
    assert type(pruned) is ALRNNRegressor
    # Always-off unit 2 is read by B: kept as a linear unit. Order: 0, 1, 2 | 3.
    assert (pruned.M, pruned.P) == (4, 1)
    W = est.module_.W.detach().numpy()
    W_new = pruned.module_.W.detach().numpy()
    np.testing.assert_array_equal(W_new[:, 2], 0.0)
    np.testing.assert_array_equal(W_new[:, [0, 1, 3]], W[:, [0, 1, 3]])
    np.testing.assert_allclose(pruned.predict(X), est.predict(X), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(pruned.latent_states(X), Z, rtol=RTOL, atol=ATOL)
    # The original is unchanged.
    assert (est.M, est.P) == (4, 3) and est.module_.P == 3
    np.testing.assert_array_equal(est.module_.W.detach().numpy(), W)


def test_unread_always_off_unit_is_removed():
    est, X, _ = _hand_built(read_off_unit=False)
    pruned = est.prune(X)
    assert (pruned.M, pruned.P) == (3, 1)
    # Units 0, 1, 3 survive in that order.
    np.testing.assert_array_equal(
        pruned.module_.a.detach().numpy(), est.module_.a.detach().numpy()[[0, 1, 3]]
    )
    np.testing.assert_allclose(pruned.predict(X), est.predict(X), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        pruned.latent_states(X), est.latent_states(X)[..., [0, 1, 3]], rtol=RTOL, atol=ATOL
    )


def test_pruning_a_switching_unit_would_change_predictions():
    """The equivalence checks can fail: a tolerance that linearises unit 3 changes outputs."""
    est, X, _ = _hand_built()
    loose = est.prune(X, tol=10.0)
    assert loose.P == 0
    assert not np.allclose(loose.predict(X), est.predict(X), rtol=1e-3, atol=1e-3)


def test_regimes_and_jacobians_correspond():
    est, X, _ = _hand_built()
    pruned = est.prune()  # from regimes_, i.e. the fit's data
    # Only unit 3's code entry survives: the code column of the original's last unit.
    expected = regime_summary(est.regime_codes(X)[..., [2]])
    np.testing.assert_array_equal(pruned.regimes_.codes, expected.codes)
    np.testing.assert_array_equal(pruned.regimes_.counts, expected.counts)
    np.testing.assert_array_equal(pruned.regimes_.transitions, expected.transitions)
    np.testing.assert_array_equal(pruned.regime_codes(X), est.regime_codes(X)[..., [2]])
    original, system = est.linearize(), pruned.linearize()
    for regime in system.regimes:
        full_code = np.r_[True, False, regime.code]  # unit 1 on, unit 2 off
        np.testing.assert_allclose(regime.A, original.jacobian(full_code), rtol=1e-6, atol=1e-7)


def test_classifier_per_step_and_sequence_to_one():
    per_step, to_one = (lambda X: (X[:, :, 0] > 0).astype(int)), (lambda X: X.sum(axis=(1, 2)) > 0)
    for target in (per_step, to_one):
        est, X, _ = _hand_built(ALRNNClassifier, target=target)
        pruned = est.prune(X)
        assert type(pruned) is ALRNNClassifier and pruned.P == 1
        np.testing.assert_allclose(
            pruned.predict_proba(X), est.predict_proba(X), rtol=RTOL, atol=ATOL
        )
        np.testing.assert_array_equal(pruned.classes_, est.classes_)


def test_trained_model_prunes_to_an_equivalent_model():
    rng = np.random.RandomState(0)
    X = [rng.randn(int(T), 2) for T in rng.randint(5, 15, 80)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    est = ALRNNClassifier(M=10, P=10, max_epochs=20, lr=1e-2, random_state=0).fit(X, y)
    pruned = est.prune()
    codes = np.concatenate(est.regime_codes(X))
    switching = int((codes.any(axis=0) & ~codes.all(axis=0)).sum())
    assert pruned.P == switching
    np.testing.assert_allclose(pruned.predict_proba(X), est.predict_proba(X), rtol=1e-4, atol=1e-5)
    assert pruned.regimes_.n_regimes == regime_summary(pruned.regime_codes(X)).n_regimes
    # A pruned model refits like any other (fresh optimizer on its own parameters).
    pruned.partial_fit(X, y)


def test_tol_without_X_is_refused():
    est, X, _ = _hand_built()
    with pytest.raises(ValueError, match="tol > 0"):
        est.prune(tol=0.1)
    with pytest.raises(ValueError, match="tol"):
        est.prune(X, tol=-1.0)


def test_forecaster_hidden_units_pruned_and_runs_agree():
    rng = np.random.RandomState(0)
    X = 1.0 + 0.5 * np.sin(np.arange(60) / 3.0)[:, None] + 0.05 * rng.randn(60, 1)  # > 0
    est = ALRNNForecaster(
        M=5,
        P=3,
        sequence_length=10,
        max_epochs=1,
        batches_per_epoch=1,
        checkpoint_interval=None,
        random_state=0,
    ).fit(X)
    # Unit 0 observed (linear), 1 hidden linear; ReLU 2 always on (positive lift, h = 5),
    # 3 always off (negative lift, h = -5), 4 switches (driven by x - 1).
    W = np.zeros((5, 5))
    W[0, 2:] = [0.05, 0.2, 0.3]
    W[4, 0] = 1.0
    _set_weights(
        est,
        a=[0.6, 0.5, 0.3, 0.3, 0.2],
        W=W,
        h=[0.0, 0.0, 5.0, -5.0, -1.0],
        L=[[0.5], [0.5], [-0.5], [0.3]],
    )
    Z = est.latent_states(X)
    assert (Z[:, 2] > 0).all() and (Z[:, 3] <= 0).all() and 0 < (Z[:, 4] > 0).mean() < 1
    pruned = est.prune(X)
    assert type(pruned) is ALRNNForecaster
    # Unit 3 is hidden and off: removed; unit 2 linear: M 5 -> 4, P 3 -> 1.
    assert (pruned.M, pruned.P) == (4, 1)
    np.testing.assert_allclose(pruned.predict(X), est.predict(X), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(
        pruned.simulate(30, X[0]), est.simulate(30, X[0]), rtol=RTOL, atol=ATOL
    )
    np.testing.assert_allclose(
        pruned.initial_state(X[:3]), est.initial_state(X[:3])[:, [0, 1, 2, 4]], rtol=1e-6
    )
