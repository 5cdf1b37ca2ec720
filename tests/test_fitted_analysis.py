"""The fitted analysis surface: regimes_, latent_states, regime_codes, linearize."""

import numpy as np
import pytest

from sk_alrnn import ALRNNClassifier, ALRNNRegressor

FAST = dict(M=8, P=3, max_epochs=15, lr=1e-2, random_state=0)


def _hand_jacobian(system, code):
    """diag(a) + W diag(1, ..., 1, code): the linear units always pass, ReLU units by code."""
    slope = np.r_[np.ones(system.M - system.P), np.asarray(code, float)]
    return np.diag(system.a) + system.W @ np.diag(slope)


def _hand_step(system, z):
    """One autonomous AL-RNN step in numpy: a z + W phi(z) + h, ReLU on the last P units."""
    phi = z.copy()
    phi[system.M - system.P :] = np.maximum(phi[system.M - system.P :], 0)
    return system.a * z + system.W @ phi + system.h


@pytest.fixture
def fitted_ragged(ragged_task):
    X, y = ragged_task
    return ALRNNRegressor(**FAST).fit(X, y), X


def test_latent_states_and_codes_follow_input_convention(fitted_ragged, sum_task):
    reg, X = fitted_ragged
    Z, codes = reg.latent_states(X), reg.regime_codes(X)
    assert isinstance(Z, list) and isinstance(codes, list)
    assert [z.shape for z in Z] == [(len(x), 8) for x in X]
    assert [c.shape for c in codes] == [(len(x), 3) for x in X]
    for z, c in zip(Z, codes):
        np.testing.assert_array_equal(c, z[:, -3:] > 0)
    X_array = sum_task[0]
    assert reg.latent_states(X_array[:, :, :2]).shape == (len(X_array), 10, 8)
    assert reg.regime_codes(X_array).dtype == bool


def test_regimes_summary_counts_valid_steps_only(fitted_ragged):
    reg, X = fitted_ragged
    summary = reg.regimes_
    assert summary.counts.sum() == sum(len(x) for x in X)
    assert summary.transitions.sum() == sum(len(x) - 1 for x in X)
    assert summary.n_regimes == len(summary.codes) == len(summary.counts) <= 2**3
    assert np.all(np.diff(summary.counts) <= 0)  # most frequent first
    np.testing.assert_allclose(summary.frequencies, summary.counts / summary.counts.sum())
    # Recount independently from regime_codes.
    all_codes = np.concatenate(reg.regime_codes(X))
    for code, count in zip(summary.codes, summary.counts):
        assert (all_codes == code).all(axis=1).sum() == count


def test_regimes_include_validation_part(sign_task):
    from skorch.dataset import ValidSplit

    X, y = sign_task
    clf = ALRNNClassifier(**FAST, train_split=ValidSplit(4)).fit(X, y)
    assert clf.regimes_.counts.sum() == X.shape[0] * X.shape[1]


def test_linearize_decomposition_is_exact(fitted_ragged):
    reg, X = fitted_ragged
    system = reg.linearize()
    assert (system.M, system.P) == (8, 3)
    for name, shape in dict(a=(8,), W=(8, 8), C=(8, 2), h=(8,), B=(1, 8), b=(1,)).items():
        assert getattr(system, name).shape == shape
    for x, z, codes in zip(X, reg.latent_states(X), reg.regime_codes(X)):
        # z_1 = C s_1 + h from z_0 = 0, then z_{t+1} = J(code_t) z_t + C s_{t+1} + h.
        np.testing.assert_allclose(z[0], system.C @ x[0] + system.h, atol=1e-5)
        for t in range(len(x) - 1):
            step = _hand_jacobian(system, codes[t]) @ z[t] + system.C @ x[t + 1] + system.h
            np.testing.assert_allclose(step, z[t + 1], atol=1e-4, rtol=1e-4)


def test_linearize_readout_matches_predictions(fitted_ragged):
    reg, X = fitted_ragged
    system = reg.linearize()
    for z, prediction in zip(reg.latent_states(X), reg.predict(X)):
        np.testing.assert_allclose(z @ system.B.T + system.b, prediction, atol=1e-4)


def test_linearize_regimes_and_fixed_points(fitted_ragged):
    reg, _ = fitted_ragged
    system = reg.linearize()
    assert len(system.regimes) == reg.regimes_.n_regimes
    for regime, code in zip(system.regimes, reg.regimes_.codes):
        np.testing.assert_array_equal(regime.code, code)
        np.testing.assert_allclose(regime.A, _hand_jacobian(system, code))
        np.testing.assert_allclose(
            np.sort_complex(regime.eigenvalues), np.sort_complex(np.linalg.eigvals(regime.A))
        )
        fp = regime.fixed_point
        np.testing.assert_allclose(fp.z, _hand_jacobian(system, code) @ fp.z + system.h, atol=1e-8)
        assert fp.real == bool(((fp.z[-3:] > 0) == code).all())
    s = np.array([0.5, -1.0])
    fp = system.fixed_point(reg.regimes_.codes[0], s)
    np.testing.assert_allclose(
        fp.z, _hand_jacobian(system, fp.code) @ fp.z + system.C @ s + system.h, atol=1e-8
    )
    with pytest.raises(ValueError, match="P=3"):
        system.jacobian([True])


def test_real_fixed_point_is_a_fixed_point_of_the_network(fitted_ragged):
    reg, _ = fitted_ragged
    system = reg.linearize()
    real = [regime.fixed_point.z for regime in system.regimes if regime.fixed_point.real]
    assert real  # this seeded fit has real fixed points (2 of its 7 regimes)
    for z in real:
        np.testing.assert_allclose(_hand_step(system, z), z, atol=1e-8)


def test_linear_network_linearizes_to_one_regime(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "P": 0}).fit(X, y)
    system = reg.linearize()
    assert system.P == 0 and len(system.regimes) == 1
    np.testing.assert_allclose(system.jacobian([]), np.diag(system.a) + system.W, atol=1e-12)
    assert reg.regime_codes(X).shape == (len(X), X.shape[1], 0)


def test_describe_cycles_and_usage_work_on_fitted_estimators(fitted_ragged, sign_task):
    from sk_alrnn.analysis import describe, find_cycles, regime_sequences, regime_usage

    reg, X = fitted_ragged
    report = describe(reg, X)
    assert f"regimes: {reg.regimes_.n_regimes} of 2**3 used on {sum(map(len, X))} steps" in report
    system = reg.linearize()
    for cycle in find_cycles(system, k=2):  # real cycles are cycles of the network itself
        z = cycle.z[0]
        np.testing.assert_allclose(_hand_step(system, _hand_step(system, z)), z, atol=1e-8)
    Xc, yc = sign_task
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 3}).fit(Xc, yc)
    groups, usage = regime_usage(
        regime_sequences(clf.regime_codes(Xc), clf.regimes_), clf.regimes_.n_regimes, labels=yc
    )
    assert groups.tolist() == clf.classes_.tolist()
    np.testing.assert_allclose(usage.sum(axis=1), 1.0)
    assert "usage by label:" in describe(clf, Xc, yc)


def test_chunked_state_computation_matches_one_pass(fitted_ragged, monkeypatch):
    from sk_alrnn._net import _sequence

    reg, X = fitted_ragged
    whole, whole_codes = reg.latent_states(X), reg.regime_codes(X)
    monkeypatch.setattr(_sequence, "_INFERENCE_CHUNK_FLOATS", 1)  # one sequence per chunk
    for a, b in zip(whole, reg.latent_states(X)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    for a, b in zip(whole_codes, reg.regime_codes(X)):
        np.testing.assert_array_equal(a, b)


def test_describe_a_forecaster_on_one_trajectory():
    from sk_alrnn import ALRNNForecaster
    from sk_alrnn.analysis import describe

    t = np.linspace(0, 12, 120)
    X = np.stack([np.sin(t), np.cos(t)], axis=1)  # one (T, N) trajectory
    forecaster = ALRNNForecaster(
        M=4,
        P=1,
        sequence_length=10,
        max_epochs=2,
        batches_per_epoch=2,
        checkpoint_interval=None,
        random_state=0,
    ).fit(X)
    report = describe(forecaster, X)
    assert f"used on {len(X)} steps" in report
