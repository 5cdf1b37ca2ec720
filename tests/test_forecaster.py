"""ALRNNForecaster through its public API: training plan, inference semantics, conventions."""

import joblib
import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from skorch.callbacks import Callback

from sk_alrnn import ALRNNForecaster
from sk_alrnn.analysis import (
    codes_from_states,
    describe,
    find_cycles,
    fixed_points,
    regime_spectra,
    regime_summary,
)
from sk_alrnn.datasets import make_roessler
from sk_alrnn.metrics import (
    make_dsr_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)

# Tiny fits (3 epochs) are no reconstructions: their checkpoints collapse, which the
# forecaster reports with a RuntimeWarning that these tests do not study.
pytestmark = pytest.mark.filterwarnings("ignore:Every checkpoint:RuntimeWarning")

TINY = {
    "n_starts": 1,
    "tf_interval": 16,
    "M": 6,
    "P": 2,
    "sequence_length": 20,
    "max_epochs": 3,
    "batches_per_epoch": 4,
    "batch_size": 4,
    "checkpoint_interval": 2,
    "random_state": 0,
}


def _standardise(X):
    return (X - X.mean(0)) / X.std(0)


@pytest.fixture(scope="module")
def series():
    return _standardise(make_roessler(n_steps=300, random_state=0))


@pytest.fixture(scope="module")
def fitted(series):
    return ALRNNForecaster(**TINY).fit(series)


# ---- fit and attributes ----------------------------------------------------------------


def test_fit_records_history_and_attributes(fitted, series):
    assert fitted.n_features_in_ == 3 and fitted.M == 6
    np.testing.assert_array_equal(fitted.x0_, series[0])
    assert len(fitted.history) == 3
    assert all(np.isfinite(fitted.history[:, "train_loss"]))
    # Checkpoints at multiples of 2 and after the last epoch.
    assert [row["epoch"] for row in fitted.history if "dstsp" in row] == [2, 3]
    scores = dict(zip([2, 3], fitted.history[:, "dstsp"]))
    finite = {e: s for e, s in scores.items() if np.isfinite(s)}
    expected = min(finite, key=lambda e: (finite[e], e)) if finite else None
    assert fitted.best_epoch_ == expected


def test_defaults_follow_the_contract():
    est = ALRNNForecaster()
    expected = {
        "M": 20,
        "P": 2,
        "tf_interval": "auto",
        "tf_alpha": "auto",
        "sequence_length": "auto",
        "noise": 0.05,
        "lr": 5e-3,
        "lr_end": 1e-3,
        "max_epochs": 150,
        "batch_size": 64,
        "batches_per_epoch": 20,
        "max_grad_norm": 10.0,
        "checkpoint_interval": "auto",
        "checkpoint_starts": 3,
        "n_starts": 2,
        "on_divergence": "restore",
        "random_state": None,
        "optimizer": torch.optim.RAdam,
        "verbose": 0,
        "train_split": None,
    }
    params = est.get_params()
    for name, value in expected.items():
        assert params[name] == value, name
    assert clone(est).get_params()["tf_interval"] == "auto"


class _Rotation(Callback):
    """Sets each start to a rotation of the first two units (a bounded, non-constant free run)
    at the start of every epoch, with a period that changes per epoch; with lr ~ 0 the
    checkpoint after the epoch scores that network."""

    def on_epoch_begin(self, net, **kwargs):
        angle = 2 * np.pi / (20 + 7 * len(net.history))
        with torch.no_grad():
            net.module_.a.zero_()
            net.module_.W.zero_()
            net.module_.h.zero_()
            net.module_.W[:, 0, 0] = net.module_.W[:, 1, 1] = np.cos(angle)
            net.module_.W[:, 0, 1], net.module_.W[:, 1, 0] = -np.sin(angle), np.sin(angle)


def test_checkpoint_restores_best_and_none_keeps_last(series):
    est = ALRNNForecaster(
        **{**TINY, "max_epochs": 4, "checkpoint_interval": 1},
        lr=1e-12,
        lr_end=None,
        callbacks=[_Rotation()],
    ).fit(series)
    scores = est.history[:, "dstsp"]
    assert np.isfinite(scores).all() and len(set(scores)) > 1
    assert est.best_epoch_ == int(np.argmin(scores)) + 1
    np.testing.assert_allclose(est.start_scores_, [min(scores)])
    last = ALRNNForecaster(**{**TINY, "checkpoint_interval": None}).fit(series)
    assert last.best_epoch_ == 3 and "dstsp" not in last.history[-1]


def test_learning_rate_decays_per_epoch(series):
    seen = []

    class Spy(Callback):
        def on_epoch_begin(self, net, **kwargs):
            seen.append(net.optimizer_.param_groups[0]["lr"])

    ALRNNForecaster(**{**TINY, "max_epochs": 4}, lr=1e-2, lr_end=1e-4, callbacks=[Spy()]).fit(
        series
    )
    np.testing.assert_allclose(seen, [1e-2 * 1e-2 ** (e / 4) for e in range(4)])
    seen.clear()
    ALRNNForecaster(**TINY, lr=1e-2, lr_end=None, callbacks=[Spy()]).fit(series)
    assert seen == [1e-2] * 3


def test_verbose_prints_train_loss_and_dstsp(series, capsys):
    ALRNNForecaster(**TINY, verbose=1).fit(series)
    out = capsys.readouterr().out
    assert "train_loss" in out and "dstsp" in out


# ---- forcing plan: latent states and the training loss --------------------------------------


@pytest.mark.parametrize("k", [1, 3, 7, 50])
def test_latent_states_follow_the_forcing_plan(fitted, series, k):
    x = series[:40]
    system = fitted.linearize()
    Z = fitted.latent_states(x, tf_interval=k)
    N = 3
    # By hand: lift, then z[:N] <- x_t before the step from every t % k == 0.
    z = fitted.initial_state(x[0])
    want = [z]
    for t in range(len(x) - 1):
        u = z.copy()
        if t % k == 0:
            u[:N] = x[t]
        z = system.step(u)
        want.append(z)
    np.testing.assert_allclose(Z, np.array(want), rtol=1e-9, atol=1e-9)
    if k >= len(x):
        np.testing.assert_allclose(Z[1:], fitted.simulate(len(x) - 1, x[0], return_latent=True)[1])


def test_forcing_acts_only_on_planned_steps(fitted, series):
    x = series[:30]
    Z = fitted.latent_states(x, tf_interval=4)
    for t, planned in [(8, True), (9, False), (29, False)]:
        x2 = x.copy()
        x2[t] += 0.5
        Z2 = fitted.latent_states(x2, tf_interval=4)
        np.testing.assert_array_equal(Z2[: t + 1], Z[: t + 1])  # the pre-forcing z_t itself
        assert (not np.array_equal(Z2, Z)) == planned


@pytest.mark.parametrize("k", [1, 4, 20])
def test_reported_training_loss_uses_the_forcing_plan(series, k):
    # One window only (T = L + 1), no noise and a negligible lr: every batch sees the
    # initial network, so the epoch's loss is the MSE of the forced pre-forcing path.
    x = series[:21]
    est = ALRNNForecaster(
        **{**TINY, "max_epochs": 1, "checkpoint_interval": None, "tf_interval": k},
        tf_alpha=1.0,
        noise=0.0,
        lr=1e-12,
        lr_end=None,
    ).fit(x)
    Z = est.latent_states(x, tf_interval=k)
    want = np.mean((Z[1:, :3] - x[1:]) ** 2)
    assert est.history[-1, "train_loss"] == pytest.approx(want, rel=1e-4)


# ---- inference semantics ---------------------------------------------------------------


def test_simulate_equals_hand_iteration_of_linearize(fitted, series):
    X_hat, Z = fitted.simulate(60, x0=series[5], return_latent=True)
    system = fitted.linearize()
    z0 = fitted.initial_state(series[5])
    np.testing.assert_allclose(Z, system.simulate(n_steps=60, z0=z0), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(X_hat, Z[:, :3])
    # z_{t+1} = J(code_t) z_t + h along the run.
    codes = codes_from_states(Z, fitted.P)
    for t in range(59):
        np.testing.assert_allclose(
            Z[t + 1], system.jacobian(codes[t]) @ Z[t] + system.h, rtol=1e-9, atol=1e-9
        )
    assert system.C.shape == (6, 0)
    np.testing.assert_array_equal(system.B, np.eye(3, 6))
    assert fitted.simulate(10).shape == (10, 3)
    assert fitted.simulate(10, x0=series[:4]).shape == (4, 10, 3)


def test_simulate_divergence_gives_nan_rows_without_warning(series):
    est = ALRNNForecaster(**TINY).fit(series)
    with torch.no_grad():
        est.module_.a.fill_(1.5)  # every direction grows by 1.5 per step
    X_hat, Z = est.simulate(100, return_latent=True)
    limit = 1e4 * max(1.0, np.abs(series).max())
    first = int(np.argmax(~np.isfinite(Z).all(axis=1)))
    assert 0 < first < 100 and np.isnan(Z[first:]).all() and np.isnan(X_hat[first:]).all()
    assert np.abs(Z[:first]).max() <= limit
    raw = est.linearize().simulate(n_steps=first + 1, z0=est.initial_state(est.x0_))
    assert np.abs(raw[first]).max() > limit


def test_forecast_assimilates_then_runs_free(fitted, series):
    context = series[:25]
    Z = fitted.latent_states(context)
    u = Z[-1].copy()
    u[:3] = context[-1]
    want = fitted.linearize().simulate(n_steps=15, z0=u)[:, :3]
    np.testing.assert_allclose(fitted.forecast(context, 15), want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fitted.forecast(series[:1], 15), fitted.simulate(15, series[0]))
    assert fitted.forecast([context, series[30:40]], 5).shape == (2, 5, 3)
    assert fitted.forecast(np.stack([context, context]), 5).shape == (2, 5, 3)


def test_predict_is_n_step_forecast_from_each_observation(fitted, series):
    x = series[:30]
    Y = fitted.predict(x, n_steps=4)
    assert Y.shape == x.shape
    for t in (0, 13, 29):
        want = fitted.simulate(4, x0=x[t])[-1]
        np.testing.assert_allclose(Y[t], want, rtol=1e-6, atol=1e-6)
    pe = np.mean((Y[:-4] - x[4:]) ** 2)
    assert prediction_error(fitted, x, n_steps=4) == pytest.approx(pe)
    assert fitted.score(series) == -prediction_error(fitted, series, n_steps=20)


def test_input_forms_keep_their_structure(series):
    uni = series[:, 0]
    est = ALRNNForecaster(**{**TINY, "M": 4, "P": 1}).fit(uni)
    assert est.n_features_in_ == 1
    assert est.predict(uni).shape == uni.shape
    assert est.latent_states(uni).shape == (300, 4)
    assert est.regime_codes(uni).shape == (300, 1)
    many = np.stack([series[:100], series[100:200]])
    assert est.set_params(M=6).fit(many[..., :1]).predict(many[..., :1]).shape == (
        2,
        100,
        1,
    )
    ragged = [series[:50, 0], series[50:130, 0]]
    out = est.predict(ragged)
    assert [o.shape for o in out] == [(50,), (80,)]
    assert [z.shape for z in est.latent_states(ragged, tf_interval=5)] == [
        (50, 6),
        (80, 6),
    ]


def test_regimes_summarise_assimilated_codes(fitted, series):
    codes = fitted.regime_codes(series)
    np.testing.assert_array_equal(codes, fitted.latent_states(series)[:, 4:] > 0)
    summary = regime_summary([codes])
    np.testing.assert_array_equal(fitted.regimes_.codes, summary.codes)
    np.testing.assert_array_equal(fitted.regimes_.counts, summary.counts)
    assert fitted.regimes_.counts.sum() == 300
    regimes = fitted.linearize().regimes
    assert len(regimes) == fitted.regimes_.n_regimes


def test_analysis_toolkit_works_on_a_forecaster(fitted, series):
    report = describe(fitted)
    assert "R0" in report
    assert "R0" in describe(fitted, [series[:100], series[100:]])
    system = fitted.linearize()
    assert len(regime_spectra(system)) == fitted.regimes_.n_regimes
    assert len(fixed_points(system)) == fitted.regimes_.n_regimes
    for cycle in find_cycles(system, 2, random_state=0):
        assert cycle.z.shape[-1] == 6


# ---- scikit-learn conventions -------------------------------------------------------------


def test_grid_search_over_P_with_dsr_scorer(series):
    X = np.stack([series[i : i + 60] for i in range(0, 240, 60)])
    scorer = make_dsr_scorer("power_spectrum_distance", n_steps=60, transient=20)
    # No checkpoints: runs of such tiny models may leave the data's box (D_stsp = inf).
    est = ALRNNForecaster(**{**TINY, "checkpoint_interval": None})
    search = GridSearchCV(est, {"P": [0, 1]}, scoring=scorer, cv=2)
    search.fit(X)
    assert search.best_params_["P"] in (0, 1)
    assert -1.0 <= search.best_score_ <= 0.0
    assert list(search.cv_results_["param_P"]) == [0, 1]


def test_cross_val_score_default_and_dstsp_scorer(series):
    X = np.stack([series[i : i + 60] for i in range(0, 240, 60)])
    est = ALRNNForecaster(**{**TINY, "checkpoint_interval": None})
    scores = cross_val_score(est, X, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all() and (scores <= 0).all()
    est.fit(X)
    got = make_dsr_scorer(n_steps=60, transient=20)(est, X[:1])
    want = state_space_divergence(X[0], est.simulate(80, x0=X[0, 0])[20:])
    assert got == -want


def test_joblib_round_trip(fitted, series, tmp_path):
    path = tmp_path / "forecaster.joblib"
    joblib.dump(fitted, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.simulate(50), fitted.simulate(50))
    np.testing.assert_array_equal(loaded.predict(series, 3), fitted.predict(series, 3))


def test_random_state_determinism_and_global_rng_untouched(series):
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a = ALRNNForecaster(**TINY).fit(series)
    assert torch.equal(torch.get_rng_state(), before)
    b = ALRNNForecaster(**TINY).fit(series)
    np.testing.assert_array_equal(a.simulate(40), b.simulate(40))
    assert a.history[:, "train_loss"] == b.history[:, "train_loss"]
    c = ALRNNForecaster(**{**TINY, "random_state": 1}).fit(series)
    assert not np.array_equal(a.simulate(40), c.simulate(40))


# ---- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        ({"M": 2}, "'M' parameter .* >= N=3"),
        ({"P": 7}, "'P' parameter .* \\[0, M=6\\]"),
        ({"P": -1}, "'P' parameter"),
        ({"tf_interval": 0}, "'tf_interval'"),
        ({"tf_interval": 2.5}, "'tf_interval'"),
        ({"tf_alpha": 0.0}, "'tf_alpha'"),
        ({"tf_alpha": 1.5}, "'tf_alpha'"),
        ({"sequence_length": 0}, "'sequence_length'"),
        ({"sequence_length": 300}, "at least sequence_length \\+ 1 = 301 steps"),
        ({"noise": -0.1}, "'noise'"),
        ({"lr_end": 0.0}, "'lr_end'"),
        ({"lr_end": 1.0}, "'lr_end'"),
        ({"checkpoint_starts": 0}, "'checkpoint_starts'"),
    ],
)
def test_invalid_parameters_raise_at_fit(series, params, match):
    with pytest.raises(ValueError, match=match):
        ALRNNForecaster(**{**TINY, **params}).fit(series)


@pytest.mark.parametrize(
    "X, match",
    [
        (np.full((50, 3), np.nan), "NaN"),
        (np.zeros((2, 3, 40, 3)), "ndim=4"),
        (np.zeros((0, 3)), "empty"),
        ([], "empty"),
        ([np.zeros((40, 3)), np.zeros((40, 2))], "same number of features"),
    ],
)
def test_invalid_X_raises(X, match):
    with pytest.raises(ValueError, match=match):
        ALRNNForecaster(**TINY).fit(X)


def test_y_must_be_none(series):
    with pytest.raises(ValueError, match="y of ALRNNForecaster must be None"):
        ALRNNForecaster(**TINY).fit(series, series)


def test_inference_errors(fitted, series):
    for call in [
        lambda: fitted.predict(series[:, :2]),
        lambda: fitted.latent_states(series[:, :2]),
        lambda: fitted.forecast(series[:, :2], 3),
        lambda: fitted.score(series[:, :2]),
    ]:
        with pytest.raises(ValueError, match="features"):
            call()
    with pytest.raises(ValueError, match="features"):
        fitted.simulate(5, x0=np.zeros(2))
    with pytest.raises(ValueError, match="n_steps"):
        fitted.simulate(0)
    with pytest.raises(ValueError, match="n_steps"):
        fitted.predict(series, n_steps=0)
    with pytest.raises(ValueError, match="n_steps"):
        fitted.forecast(series, 0)
    unfitted = ALRNNForecaster()
    for call in [
        lambda: unfitted.simulate(5),
        lambda: unfitted.predict(series),
        lambda: unfitted.latent_states(series),
        lambda: unfitted.linearize(),
        lambda: unfitted.initial_state(series[0]),
    ]:
        with pytest.raises(NotFittedError):
            call()


def test_refused_fit_changes_nothing(series):
    est = ALRNNForecaster(**TINY).fit(series)
    before = (est.simulate(30), est.x0_.copy(), len(est.history), est.best_epoch_)
    with pytest.raises(ValueError):
        est.fit(series[:, :2].copy() * np.nan)
    with pytest.raises(ValueError):
        est.set_params(tf_alpha=2.0).fit(series[::-1])
    est.set_params(tf_alpha=1.0)
    np.testing.assert_array_equal(est.simulate(30), before[0])
    np.testing.assert_array_equal(est.x0_, before[1])
    assert (len(est.history), est.best_epoch_) == before[2:]


# ---- divergence during training -------------------------------------------------------------


class _Corrupt(Callback):
    """Sets W to NaN at the start of epoch ``at`` (a stand-in for a blow-up)."""

    def __init__(self, at):
        self.at = at

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.at:
            with torch.no_grad():
                net.module_.W.fill_(float("nan"))


def test_divergence_restores_best_checkpoint_with_warning(series):
    est = ALRNNForecaster(
        **{**TINY, "max_epochs": 6, "checkpoint_interval": 1},
        lr=1e-12,
        lr_end=None,
        callbacks=[_Rotation(), _Corrupt(4)],
    )
    with pytest.warns(RuntimeWarning, match="diverged in epoch 4.*epoch [123]"):
        est.fit(series)
    assert est.best_epoch_ in (1, 2, 3)
    assert all(torch.isfinite(p).all() for p in est.module_.parameters())
    assert np.isfinite(est.simulate(20)).all()


def test_divergence_without_checkpoint_raises(series):
    est = ALRNNForecaster(**TINY, callbacks=[_Corrupt(1)])
    with pytest.raises(FloatingPointError, match="diverged"):
        est.fit(series)


# ---- reconstruction (slow) ------------------------------------------------------------------


@pytest.mark.slow
def test_roessler_reconstruction_with_one_relu():
    # The setting of benchmarks/study_dsr.py (tau = 30 at dt = 0.05, the reference's lr
    # schedule truncated to 100 epochs: lr_end = 4e-3); held-out there: D_stsp 1.2-1.4,
    # D_H 0.02-0.03, 2 regions. P = 0 stays at a fixed point (D_stsp ~14). ~1 CPU minute.
    X = _standardise(make_roessler(n_steps=10_000, dt=0.05, random_state=0))
    est = ALRNNForecaster(
        M=20,
        P=1,
        lr=5e-3,
        lr_end=4e-3,
        sequence_length=300,
        tf_interval=30,
        max_epochs=100,
        checkpoint_interval=10,
        # The recipe as measured then: one start, hard forcing, 16 x 50 windows per epoch.
        n_starts=1,
        tf_alpha=1.0,
        batch_size=16,
        batches_per_epoch=50,
        random_state=0,
    ).fit(X)
    run, Z = est.simulate(6000, x0=X[0], return_latent=True)
    run, Z = run[1000:], Z[1000:]
    assert state_space_divergence(X, run) < 2.5
    assert power_spectrum_distance(X, run) < 0.06
    assert regime_summary([codes_from_states(Z, 1)]).n_regimes == 2


def _genesio_tesi(x0, n_steps, dt=0.0625, transient=2000):
    """The Genesio-Tesi jerk flow x''' = -x - 1.1 x' - 0.44 x'' + x^2, at ~95 steps per period."""

    def rhs(t, x):
        return [x[1], x[2], -x[0] - 1.1 * x[1] - 0.44 * x[2] + x[0] ** 2]

    t = np.arange(transient + n_steps) * dt
    sol = solve_ivp(rhs, (0, t[-1]), x0, t_eval=t, method="DOP853", rtol=1e-9, atol=1e-9)
    return sol.y.T[transient:]


@pytest.mark.slow
def test_defaults_reconstruct_a_flow_the_package_does_not_ship():
    # Genesio-Tesi is not among sk_alrnn's datasets or examples; the defaults (nothing set
    # but the seed) reconstruct it from 10 000 steps.  Measured with seeds 0, 1, 2 on a
    # held-out trajectory from a perturbed start: D_stsp 3.41 / 2.85 / 2.94 (the true
    # system's other trajectory: 1.41 / 0.98 / 1.35), D_H 0.023 / 0.033 / 0.037, ~40 s of
    # CPU; seed 2 is used because both of its starts reconstructed (1.44 and 2.20 at their
    # checkpoints), so a CPU whose float32 rounding moves one start still passes.
    A = _genesio_tesi([0.1, 0.1, 0.1], 10_000)
    B = _genesio_tesi([0.103, 0.1, 0.1], 6000)
    mean, sd = A.mean(0), A.std(0)
    A, B = (A - mean) / sd, (B - mean) / sd
    est = ALRNNForecaster(random_state=2).fit(A)
    run = est.simulate(1000 + len(B), x0=B[0])[1000:]
    assert run.std(0).min() > 0.3  # not a fixed point: the data have sd 1
    assert state_space_divergence(B, run) < 4.5
    assert power_spectrum_distance(B, run) < 0.08


# ---- settings chosen from the data ("auto") --------------------------------------------------


def test_auto_settings_follow_the_period():
    # A sine of period 40 steps: period 40, tau = round(40 / 5) = 8, L = 10 tau = 80.
    t = np.arange(400)
    X = np.stack([np.sin(2 * np.pi * t / 40), np.cos(2 * np.pi * t / 40)], axis=1)
    est = ALRNNForecaster(**{**TINY, "tf_interval": "auto", "sequence_length": "auto"}).fit(X)
    assert est.period_ == pytest.approx(40.0)
    assert (est.tf_interval_, est.sequence_length_) == (8, 80)
    assert est.checkpoint_interval_ == 2  # a number keeps its meaning
    auto = ALRNNForecaster(**{**TINY, "checkpoint_interval": "auto", "max_epochs": 30})
    assert auto.set_params(max_epochs=30, batches_per_epoch=1).fit(X).checkpoint_interval_ == 2


def test_auto_window_is_capped_for_slowly_sampled_recordings():
    # Period 400 steps: tau = 80; 10 tau = 800 is capped at 300 steps.  Period 2000:
    # tau = 400, and the window keeps two forcing intervals, 800 steps.
    t = np.arange(4000)
    for period, tau, length in ((400, 80, 300), (2000, 400, 800)):
        X = np.stack([np.sin(2 * np.pi * t / period), np.cos(2 * np.pi * t / period)], axis=1)
        params = {**TINY, "tf_interval": "auto", "sequence_length": "auto", "max_epochs": 1}
        est = ALRNNForecaster(**params).fit(X)
        assert (est.tf_interval_, est.sequence_length_) == (tau, length)


def test_auto_window_fits_short_trajectories():
    t = np.arange(30)
    X = np.stack([np.sin(2 * np.pi * t / 30), np.cos(2 * np.pi * t / 30)], axis=1)
    est = ALRNNForecaster(**{**TINY, "tf_interval": "auto", "sequence_length": "auto"}).fit(X)
    assert (est.tf_interval_, est.sequence_length_) == (6, 29)  # 10 tau = 60 > T - 1
    est = ALRNNForecaster(**{**TINY, "tf_interval": 2, "sequence_length": "auto"}).fit(X)
    assert est.sequence_length_ == 20


# ---- adaptive forcing (generalized teacher forcing) -----------------------------------------


def test_forcing_strength_rule_by_hand():
    from sk_alrnn._net._dsr_auto import forcing_strength

    norms = np.array([2.0, 0.5])
    codes = np.array([[0, 0], [0, 1]])  # geometric means 2 and 1: G = 2
    assert forcing_strength(norms, codes, interval=1) == pytest.approx(0.5)
    assert forcing_strength(norms, codes, interval=3) == pytest.approx(1 - 2.0**-3)
    assert forcing_strength(np.array([0.8]), np.zeros((1, 4), int), interval=5) == 0.0


def test_jacobian_norms_by_hand():
    from sk_alrnn._net._dsr_callbacks import jacobian_norms

    # M = 2, P = 1: J(0) = diag(0.5, 0.5) (norm 0.5); J(1) = [[0.5, 1], [0, 0.5]], whose
    # largest singular value is (1 + sqrt(2)) / 2.
    # A second network, M = 2 with P = 0 (its one slot is linear: slope 1 at every step):
    # J = diag(0.5, 2) + [[0, 0], [0, 0]], norm 2.
    a = torch.tensor([[0.5, 0.5], [0.5, 2.0]])
    W = torch.tensor([[[0.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]])
    codes = torch.tensor([[[[True], [False], [True]]], [[[True], [True], [True]]]])
    norms, index = jacobian_norms(a, W, codes)
    assert index.shape == (2, 1, 3) and len(norms) == 3  # distinct (network, code) pairs
    want = [[(1 + 2**0.5) / 2, 0.5, (1 + 2**0.5) / 2], [2.0, 2.0, 2.0]]
    np.testing.assert_allclose(norms[index[:, 0]].tolist(), want, rtol=1e-6)


@pytest.mark.parametrize("interval", [1, 16])
@pytest.mark.parametrize(
    "M, P, lookup", [(6, 3, True), (6, 3, False), (64, 62, True)], ids=["lookup", "sort", "rows"]
)
def test_stacked_forcing_strengths_equal_the_rule_per_network(interval, M, P, lookup, monkeypatch):
    import sk_alrnn._net._dsr_callbacks as callbacks
    from sk_alrnn._net._dsr_auto import forcing_strength

    # Distinct codes by a lookup table, by a sort, and (P = 62: no room in an int64) by rows.
    if not lookup:
        monkeypatch.setattr(callbacks, "_LOOKUP_MAX", 0)
    g = torch.Generator().manual_seed(interval)
    K, n, T = 4, 5, 7
    a = 0.2 + torch.rand(K, M, generator=g, dtype=torch.float64)
    W = torch.randn(K, M, M, generator=g, dtype=torch.float64) / M**0.5
    slopes = torch.rand(K, n, T, P, generator=g) > 0.5
    slopes[0] = True  # network 0 linear (P = 0); network 1 uses one ReLU slot
    slopes[1, ..., :-1] = True
    slopes[2, 1:] = slopes[2, 0]  # network 2: every sequence alike
    norms, index = callbacks.jacobian_norms(a, W, slopes)
    got = callbacks.forcing_strengths(norms, index, interval).numpy()
    for k in range(K):
        # Oracle: every step's own Jacobian norm in numpy, no grouping into regimes.
        phi = np.concatenate([np.ones((n, T, M - P)), slopes[k].numpy()], axis=-1)
        J = np.diag(a[k].numpy()) + W[k].numpy() * phi[..., None, :]
        norms = np.linalg.norm(J, 2, axis=(-2, -1)).reshape(-1)
        expected = forcing_strength(norms, np.arange(n * T).reshape(n, T), interval)
        assert got[k] == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_adaptive_alpha_rises_at_once_and_relaxes(series):
    from sk_alrnn._net._dsr_callbacks import AdaptiveForcing
    from sk_alrnn.nn._dsr_module import DSRModule, DSRStack

    module = DSRModule(3, 4, 1, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        module.a.fill_(2.0)  # J = diag(2) + W diag(...), W = 0: every norm is 2
        module.W.zero_()
    stack = DSRStack([module], [1])
    stack.tf_interval = 2  # alpha_est = 1 - 2^-2 = 0.75

    class Net:
        module_ = stack

    callback = AdaptiveForcing(gamma=0.5)
    stack.tf_alpha = torch.tensor([0.25])
    stack.last_states = torch.ones(1, 3, 2, 4)  # (K, L, B, M)
    callback.on_batch_end(Net, training=True)
    assert float(stack.tf_alpha[0]) == pytest.approx(0.75)  # up at once
    stack.tf_alpha = torch.tensor([0.95])
    callback.on_batch_end(Net, training=True)
    assert float(stack.tf_alpha[0]) == pytest.approx(0.5 * 0.95 + 0.5 * 0.75)  # relaxes


def test_adaptive_forcing_is_recorded(series):
    est = ALRNNForecaster(**{**TINY, "tf_alpha": "auto"}).fit(series)
    alphas = est.history[:, "tf_alpha"]
    assert len(alphas) == 3 and all(0.0 <= a <= 1.0 for a in alphas)
    assert 0.0 <= est.tf_alpha_ <= 1.0
    fixed = ALRNNForecaster(**{**TINY, "tf_alpha": 0.5}).fit(series)
    assert fixed.tf_alpha_ == 0.5 and "tf_alpha" not in fixed.history[-1]


# ---- collapse detection -----------------------------------------------------------------------


def test_free_run_status_by_hand():
    from sk_alrnn._net._dsr_auto import free_run_status

    lo, hi = np.array([-1.0, 0.0]), np.array([1.0, 2.0])  # widths 2 and 2
    t = np.linspace(0, 20, 500)
    cycle = np.stack([np.sin(t), 1 + np.cos(t)], axis=1)
    assert free_run_status(cycle, lo, hi) == "ok"
    settled = np.tile([0.3, 1.2], (500, 1)) + 1e-3 * np.sin(t)[:, None]  # moves 0.1 % of width
    assert free_run_status(settled, lo, hi) == "fixed point"
    assert free_run_status(cycle + [3.5, 0.0], lo, hi) == "diverged"  # 4.5 > hi + width = 3
    assert free_run_status(cycle + [1.5, 0.0], lo, hi) == "ok"  # 2.5: in the widened range
    assert free_run_status(np.full((5, 2), np.nan), lo, hi) == "diverged"


def test_checkpoints_never_keep_a_collapsed_network(series):
    from sk_alrnn._net._dsr_callbacks import CheckpointSelection
    from sk_alrnn.nn._dsr_module import DSRModule, DSRStack

    modules = [DSRModule(3, 6, 1, generator=torch.Generator().manual_seed(k)) for k in range(3)]
    with torch.no_grad():
        for m in modules:
            m.a.zero_(), m.W.zero_(), m.h.zero_()
        # 0: a rotation of units 0 and 1 (a cycle); 1: all zero (the origin at once);
        # 2: growth by 1.5 per step (leaves the data's range).
        angle = 2 * np.pi / 30
        modules[0].W[:2, :2] = torch.tensor(
            [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
        )
        modules[2].a.fill_(1.5)
    stack = DSRStack(modules, [1, 1, 1])
    selection = CheckpointSelection(series, interval=1, n_epochs=1, n_starts=3)

    class Net:
        module_ = stack
        history = []

    selection.on_train_begin(Net)
    scores, statuses = selection.evaluate(stack)
    assert statuses == ["ok", "fixed point", "diverged"]
    assert np.isfinite(scores[0]) and np.isinf(scores[1:]).all()


def test_collapsed_fit_warns_and_says_what_to_try(series):
    est = ALRNNForecaster(**TINY, lr=1e-12, lr_end=None, callbacks=[_Zero()])
    with pytest.warns(RuntimeWarning, match="collapsed to a fixed point.*Try:.*max_epochs"):
        est.fit(series)
    assert est.best_epoch_ is None and np.isinf(est.start_scores_).all()


class _Zero(Callback):
    """Sets every weight to zero at each epoch: every free run sits at the origin."""

    def on_epoch_begin(self, net, **kwargs):
        with torch.no_grad():
            for p in net.module_.parameters():
                p.zero_()


# ---- several starts ---------------------------------------------------------------------------


def test_best_start_is_kept(series):
    est = ALRNNForecaster(
        **{**TINY, "n_starts": 3, "checkpoint_interval": 1},
        lr=1e-12,
        lr_end=None,
        callbacks=[_Rotation()],
    ).fit(series)
    assert est.start_scores_.shape == (3,)
    assert est.best_start_ == int(np.argmin(est.start_scores_))
    alone = ALRNNForecaster(**{**TINY, "n_starts": 1}).fit(series)
    assert alone.start_scores_.shape == (1,) and alone.best_start_ == 0


# ---- defects: errors surface, refused fits change nothing, fitted sizes -----------------------


def test_errors_while_building_surface_unchanged(series):
    with pytest.raises(TypeError, match="bogus"):
        ALRNNForecaster(**TINY, module__bogus=1).fit(series)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device"):
            ALRNNForecaster(**TINY, device="cuda").fit(series)


def test_refused_refit_keeps_the_fitted_weights(series):
    est = ALRNNForecaster(**TINY).fit(series)
    weights = {k: v.clone() for k, v in est.module_.state_dict().items()}
    before = est.simulate(30)
    with pytest.raises(TypeError, match="bogus"):
        est.set_params(module__bogus=1).fit(series)
    for name, value in est.module_.state_dict().items():
        assert torch.equal(value, weights[name]), name
    np.testing.assert_array_equal(est.simulate(30), before)


def test_fitted_sizes_come_from_the_fitted_network(series):
    est = ALRNNForecaster(**{**TINY, "P": 1}).fit(series)
    codes, system = est.regime_codes(series), est.linearize()
    est.set_params(P=2, M=8)
    assert est.regime_codes(series).shape == codes.shape == (len(series), 1)
    assert (est.linearize().P, est.linearize().M) == (system.P, system.M) == (1, 6)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"on_divergence": "ignore"}, "'on_divergence'"),
        ({"lr": float("inf")}, "'lr'"),
        ({"lr": float("nan")}, "'lr'"),
        ({"n_starts": 0}, "'n_starts'"),
        ({"tf_interval": "fast"}, "'tf_interval'"),
        ({"tf_alpha": "adaptive"}, "'tf_alpha'"),
        ({"checkpoint_interval": 0}, "'checkpoint_interval'"),
    ],
)
def test_more_invalid_parameters_raise_at_fit(series, params, match):
    with pytest.raises(ValueError, match=match):
        ALRNNForecaster(**{**TINY, **params}).fit(series)


def test_on_divergence_raise_is_honoured(series):
    est = ALRNNForecaster(
        **{**TINY, "max_epochs": 6, "checkpoint_interval": 1},
        lr=1e-12,
        lr_end=None,
        on_divergence="raise",
        callbacks=[_Rotation(), _Corrupt(4)],
    )
    with pytest.raises(FloatingPointError, match="diverged"):
        est.fit(series)


def test_schedule_is_skorchs_lr_scheduler(series):
    from skorch.callbacks import LRScheduler

    est = ALRNNForecaster(**TINY).fit(series)
    assert isinstance(dict(est.callbacks_)["lr_scheduler"], LRScheduler)
    assert "lr_scheduler" not in dict(ALRNNForecaster(**TINY, lr_end=None).fit(series).callbacks_)
