"""Conformance tests: the package's stated promises, checked literally through the public API.

The promises are those of the docs page ``docs/user_guide/contract.rst``; each test
names the part it checks. Models are tiny (small M, few epochs,
seeded) so the file stays fast; the point is the contract (names, defaults, shapes,
errors, identities), not the quality of a fit.
"""

import inspect
import json
import struct
import warnings

import joblib
import numpy as np
import pytest
import skorch
import torch
from safetensors import safe_open
from scipy.ndimage import gaussian_filter1d
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    TimeSeriesSplit,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline

import sk_alrnn
from sk_alrnn import (
    ALRNNClassifier,
    ALRNNClassifierCV,
    ALRNNForecaster,
    ALRNNRegressor,
    ALRNNRegressorCV,
)
from sk_alrnn._net._dsr_auto import free_run_status
from sk_alrnn.analysis import codes_from_states, regime_summary
from sk_alrnn.io._header import digest
from sk_alrnn.metrics import (
    make_dsr_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)
from sk_alrnn.preprocessing import SequenceScaler

FAST = {"max_epochs": 3, "lr": 1e-2, "batch_size": 16, "random_state": 0, "verbose": 0}


def _clf(**kw):
    return ALRNNClassifier(**{"M": 4, "P": 2, **FAST, **kw})


def _reg(**kw):
    return ALRNNRegressor(**{"M": 4, "P": 2, **FAST, **kw})


@pytest.fixture(scope="module")
def clf_data():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 7, 3)
    y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    return X, y


@pytest.fixture(scope="module")
def fitted_clf(clf_data):
    X, y = clf_data
    return _clf().fit(X, y)


# --------------------------------------------------------------------------- estimators


def test_estimators_are_skorch_nets_with_the_top_level_params():
    for cls in (ALRNNClassifier, ALRNNRegressor):
        est = cls()
        params = est.get_params()
        for name in ("M", "P", "random_state", "lr", "max_epochs", "batch_size"):
            assert name in params
        assert isinstance(est, skorch.NeuralNet)
    assert issubclass(ALRNNClassifier, skorch.NeuralNetClassifier)
    assert issubclass(ALRNNRegressor, skorch.NeuralNetRegressor)


@pytest.mark.parametrize("cls", [ALRNNClassifierCV, ALRNNRegressorCV])
def test_cv_signature_has_the_documented_defaults_and_keyword_only_options(cls):
    sig = inspect.signature(cls)
    expected = {
        "Ps": (0, 1, 2, 4, 8),
        "M": 16,
        "cv": 5,
        "scoring": None,
        "refit": "minimal",
        "random_state": None,
    }
    for name, default in expected.items():
        assert sig.parameters[name].default == default, name
    for name in ("cv", "scoring", "refit", "random_state"):
        assert sig.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert list(sig.parameters)[:2] == ["Ps", "M"]


def test_forecaster_signature_has_the_documented_defaults():
    sig = inspect.signature(ALRNNForecaster)
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
        "random_state": None,
        "optimizer": torch.optim.RAdam,
        "verbose": 0,
    }
    for name, default in expected.items():
        assert sig.parameters[name].default == default, name
    assert list(sig.parameters)[:2] == ["M", "P"]
    for name in list(expected)[2:]:
        assert sig.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    est = ALRNNForecaster()
    assert isinstance(est, skorch.NeuralNet)
    assert est.train_split is None
    assert set(expected) <= set(est.get_params())


def test_classifier_accepts_3d_2d_and_ragged_list_inputs(clf_data):
    X, y = clf_data
    for Xf, yf in [
        (X, y),
        (X[:, :, 0], y),
        ([x[: 4 + i % 3] for i, x in enumerate(X)], y),
    ]:
        est = _clf().fit(Xf, yf)
        F = 1 if not isinstance(Xf, list) and np.ndim(Xf) == 2 else 3
        assert est.n_features_in_ == F
        pred = est.predict(Xf)
        assert pred.shape == (40,)
        assert set(pred) <= {"up", "down"}
        proba = est.predict_proba(Xf)
        assert proba.shape == (40, 2)
        np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
        assert est.score(Xf, yf) == pytest.approx(np.mean(pred == yf))
        assert list(est.classes_) == ["down", "up"]


def test_float16_32_and_64_inputs_train_the_same_model(clf_data):
    X, y = clf_data
    p64 = _clf().fit(X, y).predict_proba(X)
    p32 = _clf().fit(X.astype(np.float32), y).predict_proba(X.astype(np.float32))
    np.testing.assert_allclose(p64, p32, atol=1e-5)
    # float16 rounds X (relative error ~5e-4), so the model is close, not equal.
    p16 = _clf().fit(X.astype(np.float16), y).predict_proba(X.astype(np.float16))
    np.testing.assert_allclose(p16, p64, atol=1e-2)


def test_predict_refuses_other_feature_counts_and_nonfinite_X(fitted_clf, clf_data):
    # Not-fitted errors: tests/test_estimators.py::test_unfitted_raises_not_fitted.
    X, y = clf_data
    with pytest.raises(ValueError, match="X has 2 features, but ALRNNClassifier is expecting 3"):
        fitted_clf.predict(X[:, :, :2])
    with pytest.raises(ValueError, match="NaN or infinity"):
        fitted_clf.predict(np.where(np.arange(X.size).reshape(X.shape) == 0, np.nan, X))


def test_regressor_predictions_have_the_shape_of_y():
    rng = np.random.RandomState(1)
    X = rng.randn(30, 6, 2)
    for y in (X[:, :, 0].sum(1), X[:, :, :].sum(1), X[:, :, :1].cumsum(1)):
        est = _reg().fit(X, y)
        assert est.predict(X).shape == y.shape
        assert isinstance(est.score(X, y), float)
    Xl = [rng.randn(t, 2) for t in (3, 5, 6, 4)]
    yl = [x[:, :1].cumsum(0) for x in Xl]
    est = _reg().fit(Xl, yl)
    pred = est.predict(Xl)
    assert isinstance(pred, list)
    assert [p.shape for p in pred] == [y.shape for y in yl]
    # 2-D X: univariate
    est = _reg().fit(X[:, :, 0], X[:, :, 0].sum(1))
    assert est.n_features_in_ == 1
    assert est.predict(X[:, :, 0]).shape == (30,)


def test_regressor_score_is_r2():
    from sklearn.metrics import r2_score

    rng = np.random.RandomState(1)
    X = rng.randn(30, 6, 2)
    y = X[:, :, 0].sum(1)
    est = _reg().fit(X, y)
    assert est.score(X, y) == pytest.approx(r2_score(y, est.predict(X)), rel=1e-5, abs=1e-6)


def test_grid_search_cross_val_score_and_pipeline_accept_the_classifier(clf_data):
    X, y = clf_data
    gs = GridSearchCV(_clf(), {"P": [0, 2]}, cv=2).fit(X, y)
    assert gs.best_params_["P"] in (0, 2)
    scores = cross_val_score(_clf(), X, y, cv=2)
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()
    pipe = make_pipeline(SequenceScaler(), _clf()).fit(X, y)
    assert pipe.predict(X).shape == (40,)


def test_regimes_fields_have_the_documented_types_and_totals(fitted_clf, clf_data):
    X, _ = clf_data
    r = fitted_clf.regimes_
    R = r.n_regimes
    assert r.codes.dtype == bool and r.codes.shape == (R, 2)
    assert np.issubdtype(r.counts.dtype, np.integer) and r.counts.shape == (R,)
    assert r.counts.sum() == 40 * 7
    assert np.all(np.diff(r.counts) <= 0)  # most frequent first
    np.testing.assert_allclose(r.frequencies, r.counts / r.counts.sum())
    assert np.issubdtype(r.transitions.dtype, np.integer)
    assert r.transitions.shape == (R, R)
    assert r.transitions.sum() == 40 * 6
    # The summary agrees with regime_codes on all of X.
    codes = fitted_clf.regime_codes(X)
    rows = {tuple(c) for c in codes.reshape(-1, 2)}
    assert rows == {tuple(c) for c in r.codes}


def test_regimes_count_valid_steps_of_ragged_input_and_P0_has_one_regime():
    rng = np.random.RandomState(4)
    X = [rng.randn(t, 2) for t in (3, 5, 8, 2)]
    y = np.array([0, 1, 0, 1])
    est = _clf(P=0).fit(X, y)
    r = est.regimes_
    assert r.codes.shape == (1, 0) and r.codes.dtype == bool
    assert r.n_regimes == 1
    assert r.counts.tolist() == [18]
    assert r.transitions.tolist() == [[18 - 4]]
    est = _clf(P=2).fit(X, y)
    assert est.regimes_.counts.sum() == 18
    assert est.regimes_.transitions.sum() == 14
    Z = est.latent_states(X)
    assert isinstance(Z, list) and [z.shape for z in Z] == [(t, 4) for t in (3, 5, 8, 2)]
    C = est.regime_codes(X)
    assert isinstance(C, list) and [c.shape for c in C] == [(t, 2) for t in (3, 5, 8, 2)]
    assert all(c.dtype == bool for c in C)


def test_latent_states_codes_and_linearize_have_the_documented_form(fitted_clf, clf_data):
    # The decomposition z_{t+1} = J(code_t) z_t + C s_{t+1} + h, fixed points, regimes and
    # the linear readout are checked on a fitted model in tests/test_fitted_analysis.py.
    X, _ = clf_data
    Z = fitted_clf.latent_states(X)
    assert Z.shape == (40, 7, 4)
    codes = fitted_clf.regime_codes(X)
    assert codes.shape == (40, 7, 2) and codes.dtype == bool
    np.testing.assert_array_equal(codes, Z[..., 2:] > 0)
    sys = fitted_clf.linearize()
    assert sys.M == 4 and sys.P == 2
    assert sys.a.shape == (4,) and sys.W.shape == (4, 4) and sys.C.shape == (4, 3)
    assert sys.h.shape == (4,) and sys.B.shape == (2, 4) and sys.b.shape == (2,)
    # J(code) = diag(a) + W diag(1, ..., 1, code): the linear units always pass.
    J = sys.jacobian(np.array([True, False]))
    np.testing.assert_allclose(J, np.diag(sys.a) + sys.W @ np.diag([1, 1, 1, 0]), atol=1e-6)


# --------------------------------------------------------------------------- per-step


@pytest.fixture(scope="module")
def fitted_cv(clf_data):
    X, y = clf_data
    return ALRNNClassifierCV(Ps=(0, 1, 2), M=4, cv=2, **FAST).fit(X, y)


def test_cv_results_and_refit_have_the_documented_form(fitted_cv, clf_data):
    # Delegation to best_estimator_: tests/test_cv.py::test_answers_through_best_estimator;
    # the minimal rule by hand: test_cv_minimal_rule_by_hand below.
    X, y = clf_data
    cv = fitted_cv
    res = cv.cv_results_
    for key in (
        "params",
        "param_P",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "split0_test_score",
        "split1_test_score",
        "mean_fit_time",
        "std_fit_time",
        "mean_score_time",
    ):
        assert key in res, key
    assert [p["P"] for p in res["params"]] == [0, 1, 2]
    assert list(res["param_P"]) == [0, 1, 2]
    np.testing.assert_allclose(
        res["mean_test_score"], (res["split0_test_score"] + res["split1_test_score"]) / 2
    )
    assert type(cv.best_estimator_) is ALRNNClassifier
    assert cv.best_estimator_.P == cv.P_
    assert cv.best_score_ == pytest.approx(
        res["mean_test_score"][list(res["param_P"]).index(cv.P_)]
    )
    assert cv.n_features_in_ == 3
    assert list(cv.classes_) == ["down", "up"]
    assert cv.regimes_.counts.sum() == 40 * 7  # refit on all of X
    with pytest.raises(
        ValueError, match="X has 2 features, but ALRNNClassifier(CV)? is expecting 3"
    ):
        cv.predict(X[:, :, :2])


def test_regressor_cv_refits_an_alrnn_regressor(clf_data):
    # refit="best", not-fitted and input errors of the CV estimators: tests/test_cv.py.
    X, _ = clf_data
    yr = X[:, :, 0].sum(1)
    rcv = ALRNNRegressorCV(Ps=(0, 2), M=4, cv=2, **FAST).fit(X, yr)
    assert type(rcv.best_estimator_) is ALRNNRegressor
    assert rcv.predict(X).shape == (40,)
    assert rcv.best_estimator_.P == rcv.P_


# --------------------------------------------------------------------------- safe files


def _rewrite_header(src, dst, change):
    with open(src, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    inner = json.loads(header["__metadata__"]["sk_alrnn"])
    change(inner)
    header["__metadata__"]["sk_alrnn"] = json.dumps(inner)
    # As a hostile writer would: with a checksum that matches the change.
    with safe_open(src, framework="np") as handle:
        arrays = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    header["__metadata__"]["sk_alrnn_sha256"] = digest(json.dumps(inner), arrays)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + raw[8 + n :])


def test_load_refuses_a_file_whose_P_exceeds_M(fitted_clf, tmp_path):
    # Foreign files, newer formats and other tampering: tests/test_persistence.py.
    path = str(tmp_path / "m.safetensors")
    fitted_clf.save(path)
    bad = str(tmp_path / "bad.safetensors")
    _rewrite_header(path, bad, lambda h: h["state"]["params"].update(P={"t": "json", "v": 7}))
    with pytest.raises(ValueError, match=r"Inconsistent .*(\[0, M=4\]. Got 7 instead|for P=7)"):
        sk_alrnn.load(bad)


def test_sequence_scaler_standardises_3d_2d_and_list_inputs_and_inverts():
    rng = np.random.RandomState(7)
    X = 3 + 2 * rng.randn(10, 5, 2)
    sc = SequenceScaler().fit(X)
    Xt = sc.transform(X)
    assert Xt.shape == X.shape
    np.testing.assert_allclose(Xt.reshape(-1, 2).mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(Xt.reshape(-1, 2).std(0), 1, atol=1e-10)
    np.testing.assert_allclose(sc.inverse_transform(Xt), X, atol=1e-10)
    X2 = X[:, :, 0]
    Xt2 = SequenceScaler().fit_transform(X2)
    assert Xt2.shape == X2.shape
    np.testing.assert_allclose([Xt2.mean(), Xt2.std()], [0, 1], atol=1e-10)
    Xl = [rng.randn(t, 2) * 4 + 1 for t in (3, 6, 2)]
    sc = SequenceScaler().fit(Xl)
    Xtl = sc.transform(Xl)
    assert isinstance(Xtl, list) and [x.shape for x in Xtl] == [(3, 2), (6, 2), (2, 2)]
    allv = np.concatenate(Xtl)
    np.testing.assert_allclose(allv.mean(0), 0, atol=1e-10)
    np.testing.assert_allclose(allv.std(0), 1, atol=1e-10)
    back = sc.inverse_transform(Xtl)
    assert isinstance(back, list)
    for a, b in zip(back, Xl):
        np.testing.assert_allclose(a, b, atol=1e-10)


# --------------------------------------------------------------------------- forecaster

# Tiny forecaster fits (3 epochs) are no reconstructions: their checkpoints collapse,
# which the forecaster reports with a RuntimeWarning these contract tests do not study.
pytestmark = pytest.mark.filterwarnings("ignore:Every checkpoint:RuntimeWarning")

FC_FAST = {
    "n_starts": 1,
    "tf_alpha": 1.0,
    "M": 4,
    "P": 2,
    "sequence_length": 8,
    "tf_interval": 4,
    "max_epochs": 3,
    "batch_size": 4,
    "batches_per_epoch": 2,
    "checkpoint_interval": 2,
    "checkpoint_starts": 2,
    "lr": 1e-2,
    "random_state": 0,
}


def _fc(**kw):
    return ALRNNForecaster(**{**FC_FAST, **kw})


def _sine(T=60, phase=0.0):
    t = np.arange(T) * 0.3 + phase
    return np.stack([np.sin(t), np.cos(t)], axis=1)


@pytest.fixture(scope="module")
def fc():
    return _fc().fit(_sine())


def _F(sys, z):
    """The autonomous recurrence z -> a*z + W phi_P(z) + h, from linearize()."""
    code = z[sys.M - sys.P :] > 0
    return sys.jacobian(code) @ z + sys.h


def test_forecaster_fit_attributes(fc):
    X = _sine()
    assert fc.n_features_in_ == 2
    np.testing.assert_array_equal(fc.x0_, X[0])
    assert fc.x0_.shape == (2,)
    hist = fc.history
    assert len(hist) == 3
    assert all("train_loss" in row for row in hist)
    # checkpoints at every multiple of 2 and after the last epoch (3)
    assert "dstsp" in hist[1]
    assert "dstsp" in hist[-1]
    assert "dstsp" not in hist[0]
    assert fc.best_epoch_ is None or fc.best_epoch_ in (2, 3)
    r = fc.regimes_
    assert r.counts.sum() == 60 and r.transitions.sum() == 59
    assert r.codes.dtype == bool and r.codes.shape[1] == 2


def test_forecaster_input_forms(fc):
    X = _sine()
    assert fc.predict(X).shape == (60, 2)
    assert fc.predict(np.stack([X, X])).shape == (2, 60, 2)
    out = fc.predict([X[:10], X[:20]])
    assert isinstance(out, list) and [o.shape for o in out] == [(10, 2), (20, 2)]
    assert fc.latent_states(X).shape == (60, 4)
    assert fc.latent_states(np.stack([X, X])).shape == (2, 60, 4)
    ls = fc.latent_states([X[:10], X[:20]])
    assert isinstance(ls, list) and [z.shape for z in ls] == [(10, 4), (20, 4)]
    rc = fc.regime_codes(X)
    assert rc.shape == (60, 2) and rc.dtype == bool
    np.testing.assert_array_equal(rc, fc.latent_states(X)[:, 2:] > 0)
    # univariate: (T,) one trajectory and list of (T_i,)
    x1 = np.sin(np.arange(40) * 0.3)
    f1 = _fc(M=3).fit(x1)
    assert f1.n_features_in_ == 1
    assert f1.predict(x1).shape == (40,)
    assert f1.latent_states(x1).shape == (40, 3)
    outl = f1.predict([x1[:12], x1[:15]])
    assert [o.shape for o in outl] == [(12,), (15,)]
    f2 = _fc(M=3).fit([x1[:20], x1[5:30]])
    assert f2.n_features_in_ == 1
    assert f2.regimes_.counts.sum() == 45 and f2.regimes_.transitions.sum() == 43
    # dtypes
    _fc().fit(_sine().astype(np.float32))


def test_forecaster_input_errors(fc):
    X = _sine()
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        _fc().fit(bad)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        _fc().fit(bad)
    shapes = r"X must be one trajectory of shape \(n_steps, n_features\)"
    with pytest.raises(ValueError, match=shapes):
        _fc().fit(X[None, None])
    with pytest.raises(ValueError, match=shapes):
        _fc().fit(np.float64(1.0))
    with pytest.raises(ValueError, match="at least 1 step and 1 feature"):
        _fc().fit(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="at least 1 trajectory. Got an empty list"):
        _fc().fit([])
    with pytest.raises(ValueError, match="same number of features"):
        _fc().fit([X, X[:, :1]])
    with pytest.raises(ValueError, match="y of ALRNNForecaster must be None"):
        _fc().fit(X, X)
    with pytest.raises(ValueError, match=r"y of ALRNNForecaster.score must be None"):
        fc.score(X, X)
    with pytest.raises(ValueError, match="features"):
        fc.predict(np.hstack([X, X]))
    with pytest.raises(ValueError, match="features"):
        fc.latent_states(X[:, :1])
    for call in (
        lambda e: e.predict(X),
        lambda e: e.simulate(5),
        lambda e: e.forecast(X[:5], 3),
        lambda e: e.latent_states(X),
        lambda e: e.regime_codes(X),
        lambda e: e.initial_state(X[0]),
        lambda e: e.linearize(),
        lambda e: e.score(X),
    ):
        with pytest.raises(NotFittedError):
            call(_fc())


def test_forecaster_refused_fit_keeps_state():
    X = _sine()
    est = _fc().fit(X)
    before = est.simulate(20)
    with pytest.raises(ValueError, match="NaN or infinity"):
        est.fit(X * np.nan)
    with pytest.raises(ValueError, match=r"at least sequence_length \+ 1 = 9 steps"):
        est.fit(X[:5])
    np.testing.assert_array_equal(est.simulate(20), before)
    assert est.n_features_in_ == 2


@pytest.mark.parametrize(
    "params, match",
    [
        ({"M": 1}, r"'P' parameter of ALRNNForecaster must be an int in \[0, M=1\]"),
        ({"P": -1}, r"'P' parameter .* Got -1"),
        ({"P": 5}, r"'P' parameter .* Got 5"),
        ({"tf_interval": 0}, "'tf_interval' parameter .* Got 0 "),
        ({"tf_interval": 1.5}, "'tf_interval' parameter .* Got 1.5 "),
        ({"tf_alpha": 0.0}, r"'tf_alpha' parameter .* in \(0, 1\] .* Got 0.0 "),
        ({"tf_alpha": 1.5}, "'tf_alpha' parameter .* Got 1.5 "),
        ({"sequence_length": 0}, "'sequence_length' parameter .* Got 0 "),
        ({"sequence_length": 60}, r"sequence_length \+ 1 = 61 steps"),
        ({"noise": -0.1}, "'noise' parameter .* Got -0.1 "),
        ({"lr_end": 0.0}, r"'lr_end' parameter .* \(0, lr=0.01\] .* Got 0.0 "),
        ({"lr_end": -1e-5}, "'lr_end' parameter .* Got -1e-05 "),
        ({"lr_end": 1.0}, "'lr_end' parameter .* Got 1.0 "),
        ({"checkpoint_starts": 0}, "'checkpoint_starts' parameter .* Got 0 "),
    ],
)
def test_forecaster_bad_parameters_are_refused_at_fit(params, match):
    with pytest.raises(ValueError, match=match):
        _fc(**params).fit(_sine())


def test_forecaster_edge_params_are_accepted_and_train_one_epoch():
    for params in (
        {"sequence_length": 59, "tf_interval": 100},
        {"tf_alpha": 0.5, "lr_end": None, "checkpoint_interval": None},
        {"P": 0},
        {"M": 2, "P": 2},
    ):
        est = _fc(**params, max_epochs=1).fit(_sine())
        assert len(est.history) == 1 and est.n_features_in_ == 2, params


def test_initial_state_and_simulate(fc):
    X = _sine()
    z = fc.initial_state(X[0])
    assert z.shape == (4,)
    np.testing.assert_allclose(z[:2], X[0], atol=1e-6)
    Z0 = fc.initial_state(X[:3])
    assert Z0.shape == (3, 4)
    np.testing.assert_allclose(Z0[1], fc.initial_state(X[1]), atol=1e-6)
    sim = fc.simulate(7)
    assert sim.shape == (7, 2)
    np.testing.assert_allclose(sim, fc.simulate(7, X[0]), atol=1e-6)
    simn = fc.simulate(7, X[:3])
    assert simn.shape == (3, 7, 2)
    np.testing.assert_allclose(simn[2], fc.simulate(7, X[2]), atol=1e-6)
    Xh, Zh = fc.simulate(7, X[0], return_latent=True)
    assert Xh.shape == (7, 2) and Zh.shape == (7, 4)
    np.testing.assert_allclose(Zh[:, :2], Xh, atol=1e-6)
    Xn, Zn = fc.simulate(7, X[:3], return_latent=True)
    assert Xn.shape == (3, 7, 2) and Zn.shape == (3, 7, 4)
    sys = fc.linearize()
    ref = sys.simulate(n_steps=7, z0=fc.initial_state(X[0]))[:, :2]
    np.testing.assert_allclose(sim, ref, atol=1e-4)
    # excluding z_0: the first row is F(lift(x0))
    np.testing.assert_allclose(Zh[0], _F(sys, fc.initial_state(X[0])), atol=1e-5)
    for bad in (0, -1):
        match = f"'n_steps' parameter of ALRNNForecaster must be an int >= 1. Got {bad} "
        with pytest.raises(ValueError, match=match):
            fc.simulate(bad)
        with pytest.raises(ValueError, match=match):
            fc.predict(X, n_steps=bad)
        with pytest.raises(ValueError, match=match):
            fc.forecast(X[:5], bad)
    with pytest.raises(ValueError, match=r"x0 must have shape .* N = 2 .* Got shape \(3,\)"):
        fc.simulate(5, np.zeros(3))
    with pytest.raises(ValueError, match="X has 3 features, but ALRNNForecaster is expecting 2"):
        fc.forecast(np.zeros((5, 3)), 3)


def test_simulate_divergence_rows_nan():
    X = _sine()
    est = _fc(max_epochs=1).fit(X)
    with torch.no_grad():
        est.module_.a.fill_(3.0)
        est.module_.W.zero_()
        est.module_.h.zero_()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning on divergence
        out = est.simulate(30, X[:2])
    assert out.shape == (2, 30, 2)
    # |z| grows like 3^t from |x0| <= 1: the limit 1e4 is crossed by step 9 at the latest
    assert np.isnan(out[:, 10:]).all()
    first = np.argmax(np.isnan(out[0]).any(axis=1))
    assert np.isnan(out[0, first:]).all() and np.isfinite(out[0, :first]).all()


def test_forecast(fc):
    X = _sine()
    out = fc.forecast(X[:10], 5)
    assert out.shape == (5, 2)
    assert fc.forecast(np.stack([X[:10], X[5:15]]), 5).shape == (2, 5, 2)
    outl = fc.forecast([X[:10], X[:4]], 5)
    assert np.shape(outl) == (2, 5, 2)
    np.testing.assert_allclose(fc.forecast(X[:1], 6), fc.simulate(6, X[0]), atol=1e-5)
    # semantics: assimilate with hard forcing, then free run
    sys = fc.linearize()
    z = fc.initial_state(X[0])
    for t in range(1, 10):
        z = _F(sys, np.concatenate([X[t - 1], z[2:]]))
    z = np.concatenate([X[9], z[2:]])
    expect = []
    for _ in range(5):
        z = _F(sys, z)
        expect.append(z[:2])
    np.testing.assert_allclose(out, np.array(expect), atol=1e-4)


def test_latent_states_tf_interval(fc):
    X = _sine()[:20]
    sys = fc.linearize()
    Z = fc.latent_states(X)
    np.testing.assert_allclose(Z[0], fc.initial_state(X[0]), atol=1e-6)
    for t in range(1, 20):
        np.testing.assert_allclose(
            Z[t], _F(sys, np.concatenate([X[t - 1], Z[t - 1][2:]])), atol=1e-4
        )
    # k = 5: forcing only before steps from t with t % 5 == 0
    Z5 = fc.latent_states(X, tf_interval=5)
    for t in range(1, 20):
        u = Z5[t - 1]
        if (t - 1) % 5 == 0:
            u = np.concatenate([X[t - 1], u[2:]])
        np.testing.assert_allclose(Z5[t], _F(sys, u), atol=1e-4)
    # k >= T: a free run from lift(x_0)
    Zf = fc.latent_states(X, tf_interval=20)
    _, Zs = fc.simulate(19, X[0], return_latent=True)
    np.testing.assert_allclose(Zf[1:], Zs, atol=1e-4)
    np.testing.assert_array_equal(fc.regime_codes(X, tf_interval=5), Z5[:, 2:] > 0)


def test_predict_semantics_and_score(fc):
    X = _sine()
    for n in (1, 3):
        Y = fc.predict(X, n_steps=n)
        assert Y.shape == X.shape
        for t in (0, 10, 59):
            np.testing.assert_allclose(Y[t], fc.simulate(n, X[t])[-1], atol=1e-5)
    assert fc.predict(X, 1).shape == fc.predict(X).shape
    s = fc.score(X)
    assert isinstance(s, float)
    assert s == pytest.approx(-prediction_error(fc, X, n_steps=20))
    Y = fc.predict(X, 20)
    assert prediction_error(fc, X, n_steps=20) == pytest.approx(
        np.mean((Y[:-20] - X[20:]) ** 2), rel=1e-6
    )


def test_forecaster_linearize(fc):
    sys = fc.linearize()
    assert sys.C.shape == (4, 0)
    np.testing.assert_array_equal(sys.B, np.eye(2, 4))
    np.testing.assert_array_equal(sys.b, np.zeros(2))
    assert sys.M == 4 and sys.P == 2
    _, Z = fc.simulate(15, _sine()[0], return_latent=True)
    codes = Z[:, 2:] > 0
    for t in range(14):
        np.testing.assert_allclose(Z[t + 1], sys.jacobian(codes[t]) @ Z[t] + sys.h, atol=1e-4)
    assert len(sys.regimes) == fc.regimes_.n_regimes
    # free-run code counts
    rs = regime_summary([codes_from_states(Z, 2)])
    assert rs.counts.sum() == 15


def test_forecaster_reproducible_and_joblib(fc, tmp_path):
    X = _sine()
    other = _fc().fit(X)
    np.testing.assert_array_equal(other.simulate(20), fc.simulate(20))
    np.testing.assert_array_equal(other.predict(X, 2), fc.predict(X, 2))
    joblib.dump(fc, tmp_path / "f.joblib")
    back = joblib.load(tmp_path / "f.joblib")
    np.testing.assert_array_equal(back.simulate(20), fc.simulate(20))
    np.testing.assert_array_equal(back.predict(X, 2), fc.predict(X, 2))


def test_forecaster_cv_splits_a_recording():
    X = _sine(80)
    gs = GridSearchCV(
        _fc(max_epochs=1, checkpoint_interval=None),
        {"P": [0, 2]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring=make_dsr_scorer("prediction_error", n_steps=2),
    ).fit(X)
    assert gs.best_params_["P"] in (0, 2)
    scores = cross_val_score(
        _fc(max_epochs=1, checkpoint_interval=None),
        X,
        cv=KFold(2),
        scoring=make_dsr_scorer(transient=5),
    )
    assert scores.shape == (2,) and np.all(scores <= 0)


# --------------------------------------------------------------------------- metrics


def _bins_reference(X_true, X_gen, n_bins, alpha):
    X_true = np.asarray(X_true, float).reshape(len(X_true), -1)
    X_gen = np.asarray(X_gen, float).reshape(len(X_gen), -1)
    N = X_true.shape[1]
    sd = X_true.std(axis=0, ddof=1)
    lo = X_true.min(0) - 0.1 * sd
    hi = X_true.max(0) + 0.1 * sd

    def hist(X):
        b = np.floor((X - lo) / (hi - lo) * n_bins).astype(int)
        keep = np.all((b >= 0) & (b < n_bins), axis=1)
        h = np.zeros((n_bins,) * N)
        for row in b[keep]:
            h[tuple(row)] += 1
        return h.ravel()

    ht, hg = hist(X_true), hist(X_gen)
    K = n_bins**N
    p = (ht + alpha) / (ht.sum() + alpha * K)
    q = (hg + alpha) / (hg.sum() + alpha * K)
    return float(np.sum(p * np.log(p / q)))


def test_stsp_bins_formula():
    rng = np.random.RandomState(0)
    A = rng.randn(50, 2)
    G = rng.randn(40, 2) * 1.3 + 0.2
    got = state_space_divergence(A, G, method="bins", n_bins=5)
    assert got == pytest.approx(_bins_reference(A, G, 5, 1e-5), rel=1e-9)
    got = state_space_divergence(A[:, 0], G[:, 0], method="bins", n_bins=4, alpha=1e-3)
    assert got == pytest.approx(_bins_reference(A[:, 0], G[:, 0], 4, 1e-3), rel=1e-9)
    # hand-computed: X_true = [0, 1] falls in bins 0, 1; X_gen = [0, 0] in bin 0.
    a = 1e-5
    q = np.array([2 + a, a]) / (2 + 2 * a)
    expect = 0.5 * np.log(0.5 / q[0]) + 0.5 * np.log(0.5 / q[1])
    assert state_space_divergence([0.0, 1.0], [0.0, 0.0], method="bins", n_bins=2) == pytest.approx(
        expect
    )
    assert state_space_divergence(A, A) == 0.0
    assert state_space_divergence(A, A, method="gmm", random_state=3) == 0.0
    assert state_space_divergence(A, G) >= 0
    # nothing of X_gen in range
    assert state_space_divergence(A, G + 100, method="bins") == np.inf


def test_stsp_gmm_formula():
    from scipy.special import logsumexp

    rng = np.random.RandomState(1)
    A = rng.randn(30, 4)
    G = rng.randn(25, 4) + 0.5
    got = state_space_divergence(A, G, method="gmm", n_samples=200, random_state=0, scaling=2.0)
    assert np.isfinite(got)
    # Monte-Carlo estimate of KL: compare to a large-sample estimate of our own.
    rs = np.random.RandomState(123)
    sigma = np.sqrt(2.0)
    idx = rs.randint(0, 30, size=4000)
    S = A[idx] + sigma * rs.randn(4000, 4)

    def logdens(S, C):
        d = ((S[:, None, :] - C[None]) ** 2).sum(-1)
        return logsumexp(-d / (2 * sigma**2), axis=1) - np.log(len(C))

    ref = np.mean(logdens(S, A) - logdens(S, G))
    assert got == pytest.approx(ref, rel=0.25)
    again = state_space_divergence(A, G, method="gmm", n_samples=200, random_state=0, scaling=2.0)
    assert again == got  # rng from random_state
    # auto switches at N <= 3
    B3 = rng.randn(30, 3)
    assert state_space_divergence(B3, B3 + 0.3) == state_space_divergence(
        B3, B3 + 0.3, method="bins"
    )
    assert state_space_divergence(A, G, random_state=0) == state_space_divergence(
        A, G, method="gmm", random_state=0
    )
    # max_T cuts both
    assert state_space_divergence(
        A, G, method="gmm", max_T=10, random_state=0
    ) == state_space_divergence(A[:10], G[:10], method="gmm", random_state=0)


def _psd_reference(x, y, smoothing):
    T = min(len(x), len(y))
    x, y = np.asarray(x, float)[:T], np.asarray(y, float)[:T]
    x = x.reshape(T, -1)
    y = y.reshape(T, -1)
    out = []
    for j in range(x.shape[1]):
        spectra = []
        for v in (x[:, j], y[:, j]):
            u = (v - v.mean()) / v.std()
            S = np.abs(np.fft.rfft(u)) ** 2
            if smoothing:
                S = np.maximum(0, gaussian_filter1d(S, smoothing, mode="reflect", truncate=4.0))
            spectra.append(S / S.sum())
        p, q = spectra
        out.append(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))
    return np.array(out)


def test_power_spectrum_distance_formula():
    rng = np.random.RandomState(2)
    A = np.cumsum(rng.randn(100, 2), axis=0)
    G = np.cumsum(rng.randn(90, 2), axis=0)
    for smoothing in (20.0, 1.0, 0.0):
        ref = _psd_reference(A, G, smoothing)
        assert power_spectrum_distance(A, G, smoothing=smoothing) == pytest.approx(
            ref.mean(), rel=1e-7
        )
        raw = power_spectrum_distance(A, G, smoothing=smoothing, multioutput="raw_values")
        assert raw.shape == (2,)
        np.testing.assert_allclose(raw, ref, rtol=1e-7)
    assert power_spectrum_distance(A, A) == pytest.approx(0.0, abs=1e-12)
    assert power_spectrum_distance(A[:, 0], G[:, 0]) == pytest.approx(
        _psd_reference(A[:, 0], G[:, 0], 20.0)[0]
    )
    const = np.ones((50, 1))
    assert power_spectrum_distance(A[:50, :1], const) == pytest.approx(1.0)
    assert power_spectrum_distance(const, const) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="'multioutput' parameter .* Got 'nope'"):
        power_spectrum_distance(A, G, multioutput="nope")


def test_metrics_nonfinite_gen_and_errors(fc):
    rng = np.random.RandomState(3)
    A = rng.randn(40, 2)
    G = A.copy()
    G[5, 0] = np.nan
    assert state_space_divergence(A, G) == np.inf
    assert state_space_divergence(A, G, method="gmm") == np.inf
    assert power_spectrum_distance(A, G) == 1.0
    G[5, 0] = np.inf
    assert state_space_divergence(A, G) == np.inf
    assert power_spectrum_distance(A, G) == 1.0
    for bad_true, match in (
        (np.ones((1, 2)), r"X_true must have at least 2 steps .* Got shape \(1, 2\)"),
        (np.ones((0, 2)), r"X_true must have at least 2 steps .* Got shape \(0, 2\)"),
        (rng.randn(5, 2, 2), r"X_true must have shape \(T,\) or \(T, N\)"),
        (np.where(A == A[0, 0], np.nan, A), "X_true contains NaN or infinity"),
    ):
        for metric in (state_space_divergence, power_spectrum_distance):
            with pytest.raises(ValueError, match=match):
                metric(bad_true, A[:5])
    for metric in (state_space_divergence, power_spectrum_distance):
        with pytest.raises(ValueError, match="X_gen must have the 2 dimensions of X_true"):
            metric(A, A[:, :1])
        with pytest.raises(ValueError, match=r"X_gen must have shape \(T,\) or \(T, N\)"):
            metric(A, rng.randn(5, 2, 2))
    with pytest.raises(ValueError, match="'method' parameter .* Got 'nope'"):
        state_space_divergence(A, A, method="nope")
    with pytest.raises(ValueError, match="'metric' parameter of make_dsr_scorer"):
        make_dsr_scorer("nope")
    X = _sine()
    with pytest.raises(ValueError, match="longer than n_steps=20"):
        prediction_error(fc, X[:20], n_steps=20)
    with pytest.raises(ValueError, match="X has 1 features, but ALRNNForecaster is expecting 2"):
        prediction_error(fc, X[:, :1])
    # trajectories with T_i <= n are skipped
    pe = prediction_error(fc, [X, X[:5]], n_steps=5)
    assert pe == pytest.approx(prediction_error(fc, X, n_steps=5))
    # pooled over trajectories
    Y1, Y2 = fc.predict(X[:30], 5), fc.predict(X[10:50], 5)
    pooled = np.concatenate([(Y1[:-5] - X[5:30]) ** 2, (Y2[:-5] - X[15:50]) ** 2]).mean()
    assert prediction_error(fc, [X[:30], X[10:50]], n_steps=5) == pytest.approx(pooled, rel=1e-6)


def test_prediction_error_nonfinite_is_inf():
    X = _sine()
    est = _fc(max_epochs=1).fit(X)
    with torch.no_grad():
        est.module_.a.fill_(1e20)  # overflows float64 within 20 steps
        est.module_.W.zero_()
    assert prediction_error(est, X, n_steps=20) == np.inf


def test_make_dsr_scorer_values(fc):
    X = _sine()
    sc = make_dsr_scorer("prediction_error")
    assert sc(fc, X) == pytest.approx(-prediction_error(fc, X, 20))
    assert make_dsr_scorer("prediction_error", n_steps=3)(fc, X) == pytest.approx(
        -prediction_error(fc, X, 3)
    )
    trajs = [X[:40], X[10:]]
    for name, metric in (
        ("state_space_divergence", state_space_divergence),
        ("power_spectrum_distance", power_spectrum_distance),
    ):
        got = make_dsr_scorer(name, transient=7)(fc, trajs)
        vals = [metric(x, fc.simulate(7 + len(x), x[0])[7:]) for x in trajs]
        assert got == pytest.approx(-np.mean(vals))
        got = make_dsr_scorer(name, transient=7, n_steps=25)(fc, trajs)
        vals = [metric(x, fc.simulate(7 + 25, x[0])[7:]) for x in trajs]
        assert got == pytest.approx(-np.mean(vals))
    got = make_dsr_scorer(n_bins=5, transient=3)(fc, X)
    assert got == pytest.approx(-state_space_divergence(X, fc.simulate(63, X[0])[3:], n_bins=5))


def test_forecaster_float64_and_regimes_over_fit_codes(fc):
    X = _sine()
    assert fc.simulate(5).dtype == np.float64
    assert fc.predict(X).dtype == np.float64
    assert inspect.signature(fc.latent_states).parameters["tf_interval"].default == 1
    assert inspect.signature(fc.predict).parameters["n_steps"].default == 1
    ref = regime_summary([fc.regime_codes(X)])
    np.testing.assert_array_equal(fc.regimes_.codes, ref.codes)
    np.testing.assert_array_equal(fc.regimes_.counts, ref.counts)
    np.testing.assert_array_equal(fc.regimes_.transitions, ref.transitions)


@pytest.mark.parametrize("K", [1, 2])
def test_checkpoint_score_definition(K):
    X = _sine(40)
    est = _fc(max_epochs=1, checkpoint_interval=1, checkpoint_starts=K).fit(X)
    starts = [X[(k * 40) // K] for k in range(K)]
    runs = [est.simulate(1000 + 40, x0)[1000:] for x0 in starts]
    # A run that stopped at a fixed point (or left the data's range) scores inf.
    status = [free_run_status(r, X.min(0), X.max(0)) for r in runs]
    expect = np.median(
        [state_space_divergence(X, r) if ok == "ok" else np.inf for r, ok in zip(runs, status)]
    )
    assert est.history[-1, "dstsp"] == pytest.approx(expect, rel=1e-3)
    assert est.best_epoch_ == (1 if np.isfinite(expect) else None)


def test_best_epoch_is_lowest_checkpoint():
    est = _fc(max_epochs=4, checkpoint_interval=1, checkpoint_starts=1).fit(_sine())
    scores = est.history[:, "dstsp"]
    epochs = est.history[:, "epoch"]
    expect = epochs[int(np.argmin(scores))] if np.isfinite(scores).any() else None
    assert est.best_epoch_ == expect


def test_training_divergence_raises():
    with pytest.raises(FloatingPointError, match="diverged"):
        _fc(noise=1e30, checkpoint_interval=None).fit(_sine())


def test_psd_constant_true():
    const = np.ones((50, 1))
    varying = np.sin(np.arange(50) * 0.4)[:, None]
    assert power_spectrum_distance(const, varying) == pytest.approx(1.0)


def test_readouts_are_linear_in_the_state():
    rng = np.random.RandomState(8)
    Xl = [rng.randn(t, 2) for t in (3, 6, 4, 5)]
    # sequence-to-one reads each sequence's last valid step
    reg = _reg().fit(Xl, np.array([0.1, 0.5, -0.2, 0.3]))
    lin = reg.linearize()
    Z = reg.latent_states(Xl)
    expect = np.array([lin.B @ z[-1] + lin.b for z in Z]).reshape(-1)
    np.testing.assert_allclose(reg.predict(Xl).reshape(-1), expect, atol=1e-4)
    # sequence-to-sequence reads every step
    reg = _reg().fit(Xl, [x[:, :1] for x in Xl])
    lin = reg.linearize()
    for p, z in zip(reg.predict(Xl), reg.latent_states(Xl)):
        np.testing.assert_allclose(p, z @ lin.B.T + lin.b, atol=1e-4)
    # classifier: softmax of the linear readout of the last state
    X = rng.randn(20, 5, 2)
    clf = _clf().fit(X, np.arange(20) % 3)
    lin = clf.linearize()
    logits = clf.latent_states(X)[:, -1] @ lin.B.T + lin.b
    proba = np.exp(logits - logits.max(1, keepdims=True))
    proba /= proba.sum(1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), proba, atol=1e-4)
    assert clf.predict_proba(X).shape == (20, 3)


def test_forecaster_constant_lr_when_lr_end_none():
    seen = []

    class Spy(skorch.callbacks.Callback):
        def on_batch_begin(self, net, **kwargs):
            seen.append(net.optimizer_.param_groups[0]["lr"])

    _fc(lr=1e-2, lr_end=None, callbacks=[Spy()], checkpoint_interval=None).fit(_sine())
    assert seen == [1e-2] * 6
    seen.clear()
    _fc(lr=1e-2, lr_end=1e-4, callbacks=[Spy()], checkpoint_interval=None).fit(_sine())
    expect = [1e-2 * (1e-4 / 1e-2) ** (e / 3) for e in range(3)]
    np.testing.assert_allclose(seen[::2], expect, rtol=1e-9)


def test_cv_int_is_kfold_or_stratified(clf_data):
    X, y = clf_data
    a = ALRNNClassifierCV(Ps=(0, 1), M=4, cv=3, **FAST).fit(X, y)
    b = ALRNNClassifierCV(Ps=(0, 1), M=4, cv=StratifiedKFold(3), **FAST).fit(X, y)
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )
    yr = X[:, :, 0].sum(1)
    a = ALRNNRegressorCV(Ps=(0, 1), M=4, cv=3, **FAST).fit(X, yr)
    b = ALRNNRegressorCV(Ps=(0, 1), M=4, cv=KFold(3), **FAST).fit(X, yr)
    np.testing.assert_array_equal(
        a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"]
    )


class _SetA(skorch.callbacks.Callback):
    """Overwrite the diagonal a after every batch (of epoch ``epoch`` only, if given)."""

    def __init__(self, value, epoch=None):
        self.value, self.epoch = value, epoch

    def on_batch_end(self, net, **kwargs):
        if self.epoch is None or len(net.history) == self.epoch:
            with torch.no_grad():
                net.module_.a.fill_(self.value)


class _Rotate(skorch.callbacks.Callback):
    """Make the network rotate its two observed units by 0.3 per step (the data's own
    rotation) after every batch, so checkpoints have a finite D_stsp."""

    def on_batch_end(self, net, **kwargs):
        with torch.no_grad():
            for p in (net.module_.a, net.module_.W, net.module_.h):
                p.zero_()
            W = net.module_.W.view(-1, 4, 4)
            W[:, 0, 0] = W[:, 1, 1] = np.cos(0.3)
            W[:, 0, 1], W[:, 1, 0] = np.sin(0.3), -np.sin(0.3)


def test_training_divergence_restores_checkpoint():
    params = {"max_epochs": 4, "checkpoint_interval": 2, "checkpoint_starts": 1}
    with pytest.warns(RuntimeWarning, match="epoch"):
        est = _fc(**params, callbacks=[_Rotate(), _SetA(float("nan"), epoch=3)]).fit(_sine())
    assert est.best_epoch_ == 2
    assert np.isfinite(est.simulate(5)).all()
    with pytest.raises(FloatingPointError, match="diverged"):
        _fc(**params, callbacks=[_SetA(float("nan"))]).fit(_sine())


def test_no_finite_checkpoint_keeps_last_epoch():
    params = {"max_epochs": 2, "checkpoint_interval": 1, "checkpoint_starts": 1, "lr_end": None}
    with pytest.warns(RuntimeWarning):
        est = _fc(**params, lr=1e-6, callbacks=[_SetA(3.0)]).fit(_sine())
    assert est.best_epoch_ is None
    assert np.all(np.isinf(est.history[:, "dstsp"]))


def test_initial_state_is_a_linear_lift(fc):
    x = np.array([[0.3, -0.2], [0.6, -0.4]])
    Z = fc.initial_state(x)
    np.testing.assert_allclose(Z[:, :2], x, atol=1e-7)
    np.testing.assert_allclose(Z[1, 2:], 2 * Z[0, 2:], atol=1e-6)
    np.testing.assert_allclose(fc.initial_state(np.zeros(2)), np.zeros(4), atol=1e-7)


def test_cv_minimal_rule_by_hand(clf_data):
    X, y = clf_data
    cv = ALRNNClassifierCV(Ps=(2, 0, 1), M=4, cv=3, **FAST).fit(X, y)
    res = cv.cv_results_
    assert [p["P"] for p in res["params"]] == [2, 0, 1]  # GridSearchCV's order for {"P": Ps}
    mean, std = res["mean_test_score"], res["std_test_score"]
    best = int(np.argmax(mean))
    threshold = mean[best] - std[best] / np.sqrt(3)
    assert cv.P_ == min(P for P, m in zip((2, 0, 1), mean) if m >= threshold)
    assert cv.best_estimator_.P == cv.P_


def test_cv_accepts_every_training_parameter(clf_data):
    # The CV estimators' training parameters are those of the plain estimators; those the batched
    # engine does not model give GridSearchCV's own results.
    X, y = clf_data
    for name, value in {"optimizer": torch.optim.RMSprop, "callbacks": []}.items():
        cv = ALRNNClassifierCV(Ps=(0, 2), M=4, cv=2, **FAST, **{name: value}).fit(X, y)
        gs = GridSearchCV(_clf(**{name: value}), {"P": [0, 2]}, cv=StratifiedKFold(2)).fit(X, y)
        np.testing.assert_allclose(
            cv.cv_results_["mean_test_score"], gs.cv_results_["mean_test_score"]
        )
        assert getattr(cv.best_estimator_, name) == value
    reg = ALRNNRegressorCV(Ps=(0, 1), M=4, cv=2, criterion=torch.nn.L1Loss, **FAST)
    reg.fit(X, X[:, :, 0].sum(1))
    assert reg.best_estimator_.criterion is torch.nn.L1Loss
    assert set(reg.cv_results_) >= {"params", "param_P", "mean_test_score", "rank_test_score"}
