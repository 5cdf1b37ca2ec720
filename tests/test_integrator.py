"""Integrator measures on hand-built systems whose modes are known in closed form."""

import matplotlib
import numpy as np
import pytest

from sk_alrnn.analysis import (
    PiecewiseLinearSystem,
    integrator_mode,
    mode_alignment,
    principal_direction,
    readout_direction,
    separation_along,
    token_unit_rates,
)
from sk_alrnn.plotting import plot_integrator_projection

matplotlib.use("Agg")

# A = Q diag(0.99, 0.4) Q^T with Q the rotation by 30 degrees: the integrator mode
# (eigenvalue 0.99) points along (cos 30, sin 30), the fast one (0.4) across it.
ANGLE = np.pi / 6
LINE = np.array([np.cos(ANGLE), np.sin(ANGLE)])
ACROSS = np.array([-np.sin(ANGLE), np.cos(ANGLE)])
A_ROTATED = 0.99 * np.outer(LINE, LINE) + 0.4 * np.outer(ACROSS, ACROSS)


def _linear_system(A, B):
    """A P = 0 system whose Jacobian is exactly A: a = diag(A), W = off-diagonal part."""
    a = np.diag(A).copy()
    zeros = np.zeros(len(a))
    return PiecewiseLinearSystem(a, A - np.diag(a), np.eye(len(a)), zeros, B, np.zeros(len(B)), 0)


def test_integrator_mode_of_a_known_line_attractor():
    system = _linear_system(A_ROTATED, B=np.array([[0.0, 0.0], 2 * LINE]))
    mode = integrator_mode(system)
    assert mode.eigenvalue == pytest.approx(0.99)
    assert mode.time_constant == pytest.approx(-1 / np.log(0.99))  # 99.5 steps
    assert np.abs(mode.eigenvector @ LINE) == pytest.approx(1.0)
    assert np.linalg.norm(mode.eigenvector) == pytest.approx(1.0)
    assert mode.code.shape == (0,)
    # The readout (logit difference B[1] - B[0]) lies on the line; the fast mode is across.
    assert mode_alignment(mode.eigenvector, readout_direction(system.B)) == pytest.approx(1.0)
    assert mode_alignment(ACROSS, readout_direction(system.B)) == pytest.approx(0.0, abs=1e-12)


def test_integrator_mode_follows_the_regime_code():
    # M=2, P=1: the ReLU unit feeds itself 0.79 when on, so J(on) = diag(0.5, 0.99).
    a, W = np.array([0.5, 0.2]), np.array([[0.0, 0.0], [0.0, 0.79]])
    zeros = np.zeros(2)
    system = PiecewiseLinearSystem(
        a, W, np.eye(2), zeros, np.eye(2), zeros, 1, regime_codes=np.array([[True], [False]])
    )
    on, off = integrator_mode(system, [True]), integrator_mode(system, [False])
    assert on.eigenvalue == pytest.approx(0.99) and off.eigenvalue == pytest.approx(0.5)
    assert np.abs(on.eigenvector).tolist() == [0.0, 1.0]
    assert np.abs(off.eigenvector).tolist() == [1.0, 0.0]
    assert integrator_mode(system).code.tolist() == [True]  # the most frequent regime


def test_left_eigenvector_of_a_non_normal_matrix():
    # A = [[0.9, 0.5], [0, 0.5]]: u^T A = 0.9 u^T gives u = (1, 1.25) up to scale,
    # while the right eigenvector of 0.9 is (1, 0).
    mode = integrator_mode(np.array([[0.9, 0.5], [0.0, 0.5]]))
    assert mode.code is None and mode.eigenvalue == pytest.approx(0.9)
    np.testing.assert_allclose(np.abs(mode.eigenvector), [1.0, 0.0], atol=1e-12)
    assert mode.left_eigenvector @ mode.eigenvector > 0  # signs agree
    np.testing.assert_allclose(
        np.abs(mode.left_eigenvector), np.array([1, 1.25]) / np.hypot(1, 1.25)
    )


def test_mode_alignment_is_sign_free_and_scale_free():
    assert mode_alignment([2.0, 0.0], [-1.0, 1.0]) == pytest.approx(1 / np.sqrt(2))
    np.testing.assert_allclose(mode_alignment([0.0, 3.0], [[0.0, -5.0], [1.0, 0.0]]), [1.0, 0.0])


def test_readout_direction_for_one_two_and_three_outputs():
    np.testing.assert_allclose(readout_direction([[3.0, 4.0]]), [0.6, 0.8])
    np.testing.assert_allclose(readout_direction([[1.0, 1.0], [1.0, 3.0]]), [0.0, 1.0])
    direction = readout_direction([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(np.abs(direction), [1.0, 0.0], atol=1e-12)


def test_principal_direction_of_states_on_a_line():
    t = np.linspace(-1, 1, 21)
    states = [np.outer(t[:10], [3.0, 4.0]), np.outer(t[10:], [3.0, 4.0])]  # list input
    direction, explained = principal_direction(states)
    np.testing.assert_allclose(np.abs(direction), [0.6, 0.8], atol=1e-12)
    assert explained == pytest.approx(1.0)


def test_separation_along_by_hand():
    # Projections 0, 1 (class a) and 2, 3 (class b): means 0.5 and 2.5, variances 0.25.
    states = np.array([[0.0, 9.0], [1.0, -9.0], [2.0, 9.0], [3.0, 0.0]])
    sep = separation_along(states, ["a", "a", "b", "b"], [2.0, 0.0])
    assert sep.d_prime == pytest.approx(4.0) and sep.auc == pytest.approx(1.0)
    assert sep.classes.tolist() == ["a", "b"]
    # Ties count half: pairs (1>0, 1=1, 2>0, 2>1) give (1 + 0.5 + 1 + 1) / 4.
    tied = separation_along(np.array([[0.0], [1.0], [1.0], [2.0]]), [0, 1, 0, 1], [1.0])
    assert tied.auc == pytest.approx(0.875)
    reversed_ = separation_along(states, ["a", "a", "b", "b"], [-1.0, 0.0])
    assert reversed_.auc == pytest.approx(0.0) and reversed_.d_prime == pytest.approx(-4.0)


def test_an_evidence_integrator_separates_classes_along_its_mode():
    # z_{t+1} = A z_t + LINE * s_t with s = +-1 evidence: the running sum sits on the line.
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, 200)
    evidence = rng.randn(200, 30) * 0.5 + np.where(labels, 0.3, -0.3)[:, None]
    z = np.zeros((200, 2))
    for t in range(30):
        z = z @ A_ROTATED.T + evidence[:, t, None] * LINE
    mode = integrator_mode(A_ROTATED)
    along, across = (
        separation_along(z, labels, mode.eigenvector),
        separation_along(z, labels, ACROSS),
    )
    assert abs(along.auc - 0.5) > 0.45 and abs(along.d_prime) > 3
    assert across.auc == pytest.approx(0.5, abs=0.1)
    assert mode_alignment(mode.eigenvector, principal_direction(z)[0]) > 0.99


def test_token_unit_rates_by_hand():
    codes = [np.array([[0, 1], [1, 1], [1, 0]], bool), np.array([[1, 0], [0, 0]], bool)]
    tokens = [np.array([3, 2, 2]), np.array([2, 1])]
    rates = token_unit_rates(codes, tokens, n_tokens=4)
    # Token 2 occurs 3 times: unit 0 is on at all of them, unit 1 at one.
    np.testing.assert_allclose(rates.on[:, 2], [1.0, 1 / 3])
    # Steps t >= 2 with token 2: (seq 0, t=2: unit 0 turns on), (seq 0, t=3: nothing).
    np.testing.assert_allclose(rates.switch_on[:, 2], [0.5, 0.0])
    assert np.isnan(rates.on[:, 0]).all() and rates.counts.tolist() == [0, 1, 3, 1]
    assert rates.top_tokens(0, 2).tolist() == [2, 1]  # ties (rate 0) in id order, NaN last
    rare = token_unit_rates(codes, tokens, n_tokens=4, min_count=2)
    assert np.isnan(rare.on[:, 3]).all() and not np.isnan(rare.on[:, 2]).any()


def test_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match="exactly 2 classes"):
        separation_along(np.zeros((3, 2)), [0, 1, 2], [1.0, 0.0])
    with pytest.raises(ValueError, match="square"):
        integrator_mode(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="same length"):
        token_unit_rates([np.zeros((2, 1), bool)], [np.array([1])], n_tokens=3)


def test_plot_integrator_projection_draws_each_sequence():
    Z = [np.outer(np.arange(1, T + 1), LINE) for T in (3, 5, 4)]
    ax = plot_integrator_projection(Z, [0, 1, 1], LINE, max_sequences=1)
    assert len(ax.lines) == 2  # one per label
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 2.0, 3.0])
