"""Lyapunov exponents against maps whose exponents are known, and against hand-built products."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_alrnn import ALRNNForecaster
from sk_alrnn.analysis import PiecewiseLinearSystem
from sk_alrnn.datasets import make_roessler
from sk_alrnn.metrics import (
    kaplan_yorke_dimension,
    lyapunov_spectrum,
    max_lyapunov_exponent,
    max_lyapunov_exponent_from_data,
)


def _system(a, W, h, P):
    M = len(a)
    return PiecewiseLinearSystem(a=a, W=W, C=np.zeros((M, 0)), h=h, B=np.eye(1, M), b=[0.0], P=P)


def _rotation(theta):
    return np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])


def _hand_path(a, W, h, P, z0, n):
    """z_1..z_n of z -> a z + W phi_P(z) + h, and the Jacobian used at each step from z_0."""
    a, W, h = np.asarray(a, float), np.asarray(W, float), np.asarray(h, float)
    M = len(a)
    z, states, jacobians = np.asarray(z0, float), [], []
    for _ in range(n):
        slope = np.r_[np.ones(M - P), (z[M - P :] > 0).astype(float)]
        jacobians.append(np.diag(a) + W * slope)
        u = z * slope  # phi_P(z): relu on the last P units
        z = a * z + W @ u + h
        states.append(z)
    return np.array(states), jacobians


# A random coupled PL map that stays bounded and switches regimes (a scaled-down W).
_RNG = np.random.RandomState(3)
_A = _RNG.uniform(0.3, 0.6, 4)
_W = _RNG.randn(4, 4) * 0.5
_H = _RNG.randn(4) * 0.5


# ---- maps with known exponents -----------------------------------------------------------


def test_linear_map_exponents_are_log_moduli_of_its_eigenvalues():
    # W = 0.95 R(0.3) (+) 0.5: eigenvalues 0.95 e^{+-0.3i} and 0.5, a normal matrix.
    W = np.zeros((3, 3))
    W[:2, :2] = 0.95 * _rotation(0.3)
    W[2, 2] = 0.5
    system = _system([0.0, 0.0, 0.0], W, [0.0, 0.0, 0.0], P=0)
    spectrum = lyapunov_spectrum(system, n_steps=4000, x0=[1.0, 1.0, 1.0], transient=0)
    np.testing.assert_allclose(spectrum, np.log([0.95, 0.95, 0.5]), atol=2e-3)


def test_tent_map_has_exponent_log_2():
    # x -> 2|x| - 1 = 4 relu(x) - 2x - 1: unit 1 is x, unit 2 a ReLU copy (same update).
    tent = _system([-2.0, 0.0], [[0.0, 4.0], [-2.0, 4.0]], [-1.0, -1.0], P=1)
    lam = max_lyapunov_exponent(tent, n_steps=2000, x0=[0.3, 0.3], transient=10)
    assert lam == pytest.approx(np.log(2), abs=2e-3)


def test_alternating_regimes_give_the_exponents_of_the_product():
    # The ReLU unit flips sign every step (r' = -r), so codes alternate 1, 0, 1, ...; with
    # x' = 0.5 x + 1.6 relu(r) the Jacobians are J(1) = [[0.5, 1.6], [0, -1]] and
    # J(0) = [[0.5, 0], [0, -1]]; their product over a period has eigenvalues 0.25 and 1,
    # so the exponents per step are 0 and (1/2) log 0.25 = log 0.5.
    a = [0.5, -1.0]
    W = [[0.0, 1.6], [0.0, 0.0]]
    system = _system(a, W, [0.0, 0.0], P=1)
    J1 = np.array([[0.5, 1.6], [0.0, -1.0]])
    J0 = np.array([[0.5, 0.0], [0.0, -1.0]])
    moduli = np.sort(np.abs(np.linalg.eigvals(J0 @ J1)))[::-1]
    spectrum = lyapunov_spectrum(system, n_steps=4000, x0=[0.2, 1.0], transient=0)
    np.testing.assert_allclose(spectrum, 0.5 * np.log(moduli), atol=2e-3)
    assert spectrum[1] == pytest.approx(np.log(0.5), abs=2e-3)


def test_spectrum_matches_a_hand_built_product_of_jacobians():
    n, z0 = 300, np.array([0.5, -0.3, 0.2, 0.1])
    Z, jacobians = _hand_path(_A, _W, _H, 2, z0, n)
    codes = Z[:, 2:] > 0
    assert len(np.unique(codes, axis=0)) > 1  # the path really switches regimes
    system = _system(_A, _W, _H, P=2)
    spectrum = lyapunov_spectrum(system, n_steps=n, x0=z0, transient=0, random_state=0)
    # The sum of all exponents is the mean log |det J_t| (|det Q| = 1 in every QR step).
    log_dets = [np.log(abs(np.linalg.det(J))) for J in jacobians]
    assert spectrum.sum() == pytest.approx(np.mean(log_dets), abs=1e-9)
    # The largest is the growth of the first frame vector under the whole product.
    v = np.linalg.qr(np.random.RandomState(0).standard_normal((4, 1)))[0][:, 0]
    log_growth = 0.0
    for J in jacobians:
        v = J @ v
        log_growth += np.log(np.linalg.norm(v))
        v /= np.linalg.norm(v)
    lam = max_lyapunov_exponent(system, n_steps=n, x0=z0, transient=0, random_state=0)
    assert lam == pytest.approx(log_growth / n, abs=1e-9)
    assert spectrum[0] >= lam - 1e-9  # the sorted first is the largest frame vector's


def test_transient_is_dropped():
    n, transient, z0 = 200, 50, np.array([0.5, -0.3, 0.2, 0.1])
    _, jacobians = _hand_path(_A, _W, _H, 2, z0, transient + n)
    system = _system(_A, _W, _H, P=2)
    spectrum = lyapunov_spectrum(system, n_steps=n, x0=z0, transient=transient)
    want = np.mean([np.log(abs(np.linalg.det(J))) for J in jacobians[transient:]])
    assert spectrum.sum() == pytest.approx(want, abs=1e-9)


def test_spectrum_is_descending_and_n_exponents_takes_the_largest():
    system = _system(_A, _W, _H, P=2)
    z0 = [0.5, -0.3, 0.2, 0.1]
    spectrum = lyapunov_spectrum(system, n_steps=500, x0=z0, random_state=1)
    assert spectrum.shape == (4,)
    assert np.all(np.diff(spectrum) <= 0)
    top2 = lyapunov_spectrum(system, n_steps=500, x0=z0, n_exponents=2, random_state=1)
    np.testing.assert_allclose(top2, spectrum[:2], atol=0.02)


# ---- a fitted forecaster -------------------------------------------------------------------


@pytest.fixture(scope="module")
def forecaster():
    X = make_roessler(n_steps=300, random_state=0)
    X = (X - X.mean(0)) / X.std(0)
    params = dict(M=6, P=2, sequence_length=20, max_epochs=2, batches_per_epoch=4)
    return ALRNNForecaster(**params, batch_size=4, checkpoint_interval=None, random_state=0).fit(X)


def test_forecaster_spectrum_is_the_product_along_its_free_run(forecaster):
    n, transient = 400, 100
    _, Z = forecaster.simulate(transient + n, return_latent=True)
    w = {k: v.detach().double().numpy() for k, v in forecaster.module_.named_parameters()}
    slope = np.c_[np.ones((len(Z), 4)), (Z[:, 4:] > 0).astype(float)]
    # simulate returns z_1..; the step from z_t uses code(z_t): steps transient .. +n-1
    # leave states transient-1 .. transient+n-2 (0-based rows of Z).
    rows = slope[transient - 1 : transient - 1 + n]
    log_dets = [np.log(abs(np.linalg.det(np.diag(w["a"]) + w["W"] * s))) for s in rows]
    spectrum = lyapunov_spectrum(forecaster, n_steps=n, transient=transient, random_state=0)
    assert spectrum.shape == (6,)
    assert spectrum.sum() == pytest.approx(np.mean(log_dets), abs=1e-6)
    lam = max_lyapunov_exponent(forecaster, n_steps=n, transient=transient, random_state=0)
    assert lam == pytest.approx(spectrum[0], abs=0.02)


def test_forecaster_x0_sets_the_start(forecaster):
    x0 = np.array([0.5, -0.5, 0.1])
    _, Z = forecaster.simulate(300, x0=x0, return_latent=True)
    w = {k: v.detach().double().numpy() for k, v in forecaster.module_.named_parameters()}
    rows = np.c_[np.ones((len(Z), 4)), (Z[:, 4:] > 0).astype(float)][99:299]
    want = np.mean([np.log(abs(np.linalg.det(np.diag(w["a"]) + w["W"] * s))) for s in rows])
    got = lyapunov_spectrum(forecaster, n_steps=200, x0=x0, transient=100).sum()
    assert got == pytest.approx(want, abs=1e-6)


def test_unfitted_forecaster_raises():
    with pytest.raises(NotFittedError):
        lyapunov_spectrum(ALRNNForecaster())


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_steps": 0}, "'n_steps' parameter of lyapunov_spectrum must be an int >= 1"),
        ({"transient": -1}, "'transient' parameter"),
        ({"n_exponents": 7}, "must be at most M=6"),
        ({"x0": np.zeros((2, 3))}, "x0 of lyapunov_spectrum must be one observation"),
    ],
)
def test_bad_arguments_say_what_was_expected(forecaster, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lyapunov_spectrum(forecaster, **kwargs)


def test_not_a_model_and_bad_latent_start_raise():
    with pytest.raises(ValueError, match="be a fitted forecaster"):
        lyapunov_spectrum("model")
    with pytest.raises(ValueError, match=r"latent state of shape \(4,\)"):
        lyapunov_spectrum(_system(_A, _W, _H, P=2), x0=[1.0, 2.0])


# ---- Kaplan-Yorke ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spectrum, want",
    [
        ([0.9, 0.0, -14.5], 2 + 0.9 / 14.5),
        ([-14.5, 0.9, 0.0], 2 + 0.9 / 14.5),  # any order
        ([0.5, -1.0, -2.0], 1 + 0.5 / 1.0),
        ([-0.1, -0.2], 0.0),
        ([0.1, 0.2], 2.0),
        ([0.0, -np.inf], 1.0),
    ],
)
def test_kaplan_yorke_dimension_by_hand(spectrum, want):
    assert kaplan_yorke_dimension(spectrum) == pytest.approx(want)


@pytest.mark.parametrize("spectrum", [[], [[0.1]], [np.nan, 0.0], [np.inf, 0.0]])
def test_kaplan_yorke_rejects_bad_spectra(spectrum):
    with pytest.raises(ValueError, match="spectrum of kaplan_yorke_dimension must be"):
        kaplan_yorke_dimension(spectrum)


# ---- from data ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def logistic():
    x = np.empty(4000)
    x[0] = 0.3
    for t in range(1, len(x)):
        x[t] = 4 * x[t - 1] * (1 - x[t - 1])
    return np.c_[x[:-1], x[1:]]


def test_from_data_finds_log_2_for_the_logistic_map(logistic):
    lam = max_lyapunov_exponent_from_data(logistic, min_separation=10, fit_range=(0, 4))
    assert lam == pytest.approx(np.log(2), rel=0.25)


def test_from_data_dt_converts_per_step_to_per_time_unit(logistic):
    kw = dict(min_separation=10, fit_range=(0, 4))
    per_step = max_lyapunov_exponent_from_data(logistic, **kw)
    assert max_lyapunov_exponent_from_data(logistic, dt=0.5, **kw) == pytest.approx(2 * per_step)


def test_from_data_a_contracting_series_is_negative():
    # x_t = 0.9^t (cos, sin) t: neighbours on the spiral converge at rate log 0.9.
    t = np.arange(400)
    X = 0.9 ** t[:, None] * np.c_[np.cos(0.7 * t), np.sin(0.7 * t)]
    lam = max_lyapunov_exponent_from_data(X, min_separation=5, fit_range=(0, 10))
    assert lam == pytest.approx(np.log(0.9), abs=1e-6)


@pytest.mark.parametrize(
    "X, kwargs, match",
    [
        (np.ones((10, 2, 2)), {}, "must have shape"),
        (np.r_[np.nan, np.ones(99)], {}, "NaN or infinity"),
        (np.random.RandomState(0).randn(50), {"min_separation": 30}, "more than"),
        (np.random.RandomState(0).randn(500), {"dt": 0.0}, "'dt' parameter"),
        (np.random.RandomState(0).randn(500), {"fit_range": (5, 5)}, "'fit_range' parameter"),
    ],
)
def test_from_data_rejects_bad_input(X, kwargs, match):
    with pytest.raises(ValueError, match=match):
        max_lyapunov_exponent_from_data(X, **kwargs)
