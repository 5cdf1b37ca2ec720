"""Safe model files: est.save(path) / sk_alrnn.load(path) (sk_alrnn/io/_persistence.py)."""

import json
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile

import joblib
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.numpy import save_file
from skorch.callbacks import EarlyStopping
from skorch.dataset import ValidSplit

import sk_alrnn
from sk_alrnn import ALRNNClassifier, ALRNNRegressor
from sk_alrnn.io._persistence import FORMAT_VERSION

FAST = {"M": 8, "P": 2, "max_epochs": 4, "lr": 1e-2, "random_state": 0}


def _assert_same_fitted(original, loaded, X):
    assert type(loaded) is type(original)
    expected, got = original.predict(X), loaded.predict(X)
    assert type(got) is type(expected)
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)
    if hasattr(original, "predict_proba"):
        np.testing.assert_array_equal(original.predict_proba(X), loaded.predict_proba(X))
        np.testing.assert_array_equal(original.classes_, loaded.classes_)
        assert original.classes_.dtype == loaded.classes_.dtype
    for field in ("codes", "counts", "frequencies", "transitions"):
        np.testing.assert_array_equal(
            getattr(original.regimes_, field), getattr(loaded.regimes_, field)
        )
    assert original.regimes_.n_regimes == loaded.regimes_.n_regimes
    lin_a, lin_b = original.linearize(), loaded.linearize()
    for name in ("a", "W", "C", "h", "B", "b"):
        np.testing.assert_array_equal(getattr(lin_a, name), getattr(lin_b, name))
    assert [r.code.tolist() for r in lin_a.regimes] == [r.code.tolist() for r in lin_b.regimes]
    assert loaded.get_params(deep=False) == original.get_params(deep=False)
    assert len(loaded.history) == len(original.history)
    assert loaded.module_.training == original.module_.training
    assert loaded.n_features_in_ == original.n_features_in_


@pytest.fixture
def fitted_classifier(sign_task):
    X, y = sign_task
    return ALRNNClassifier(**FAST).fit(X, y), X


def _round_trip(estimator, tmp_path):
    path = tmp_path / "model.safetensors"
    estimator.save(path)
    return sk_alrnn.load(path)


# ---- round trips -----------------------------------------------------------------
def test_classifier_string_labels_round_trip(fitted_classifier, tmp_path):
    clf, X = fitted_classifier
    _assert_same_fitted(clf, _round_trip(clf, tmp_path), X)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7]),
        np.array([0.0, 1.0]),
        np.array([False, True]),
        np.array(["down", "up"], dtype=object),
    ],
)
def test_classifier_label_types_round_trip(sign_task, tmp_path, labels):
    X, y = sign_task
    y = labels[(y == "up").astype(int)]
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 1}).fit(X, y)
    loaded = _round_trip(clf, tmp_path)
    _assert_same_fitted(clf, loaded, X)
    assert type(loaded.predict(X[:1])[0]) is type(clf.predict(X[:1])[0])


@pytest.mark.parametrize("P", [0, 2, 8])
def test_regressor_round_trip(sum_task, tmp_path, P):
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "P": P}).fit(X, np.column_stack([y, -y]))
    _assert_same_fitted(reg, _round_trip(reg, tmp_path), X)


def test_ragged_sequence_regressor_round_trip(ragged_task, tmp_path):
    X, y = ragged_task
    reg = ALRNNRegressor(**FAST).fit(X, [target[:, 0] for target in y])
    loaded = _round_trip(reg, tmp_path)
    _assert_same_fitted(reg, loaded, X)
    assert [p.shape for p in loaded.predict(X)] == [(len(x),) for x in X]


def test_parameters_round_trip_with_allowed_classes(sum_task, tmp_path):
    X, y = sum_task
    reg = ALRNNRegressor(
        **FAST,
        optimizer=torch.optim.SGD,
        optimizer__momentum=0.9,
        train_split=ValidSplit(4),
        iterator_train__shuffle=True,
        criterion=torch.nn.L1Loss,
    ).fit(X, y)
    loaded = _round_trip(reg, tmp_path)
    assert loaded.optimizer is torch.optim.SGD and loaded.criterion is torch.nn.L1Loss
    assert loaded.train_split.cv == 4 and loaded.optimizer__momentum == 0.9
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_continued_training_after_load_matches(sum_task, tmp_path):
    # The optimizer state is saved too: warm-started training continues identically.
    X, y = sum_task
    reg = ALRNNRegressor(**{**FAST, "warm_start": True}).fit(X, y)
    loaded = _round_trip(reg, tmp_path)
    reg.fit(X, y)
    loaded.fit(X, y)
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert len(loaded.history) == len(reg.history) == 8


def test_loading_leaves_torch_rng_alone(fitted_classifier, tmp_path):
    clf, _ = fitted_classifier
    path = tmp_path / "model.safetensors"
    clf.save(path)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    sk_alrnn.load(path)
    assert torch.equal(torch.rand(3), expected)


def test_file_loads_in_a_fresh_process(fitted_classifier, tmp_path):
    clf, X = fitted_classifier
    model, data, out = (
        tmp_path / "m.safetensors",
        tmp_path / "X.npy",
        tmp_path / "p.npy",
    )
    clf.save(model)
    np.save(data, X)
    code = (
        "import sys, numpy as np, sk_alrnn; est = sk_alrnn.load(sys.argv[1]); "
        "np.save(sys.argv[3], est.predict_proba(np.load(sys.argv[2])))"
    )
    subprocess.run([sys.executable, "-c", code, str(model), str(data), str(out)], check=True)
    np.testing.assert_array_equal(np.load(out), clf.predict_proba(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA to save from a GPU")
def test_saved_on_gpu_loads_on_cpu(sign_task, tmp_path):
    X, y = sign_task
    clf = ALRNNClassifier(**FAST, device="cuda").fit(X, y)
    loaded = _round_trip(clf, tmp_path)
    assert loaded.device == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-5)


# ---- refused at save time ------------------------------------------------------------
class _MyAdam(torch.optim.Adam):
    pass


@pytest.mark.parametrize(
    "params, name",
    [
        ({"callbacks": [EarlyStopping(monitor="train_loss")]}, "'callbacks'"),
        ({"optimizer": _MyAdam}, "'optimizer'"),
        ({"criterion": lambda: torch.nn.CrossEntropyLoss()}, "'criterion'"),
        ({"random_state": np.random.RandomState(0)}, "'random_state'"),
        ({"callbacks__print_log__sink": print}, "'callbacks__print_log__sink'"),
        ({"classes": [object(), object()]}, "'classes'"),
    ],
)
def test_unsafe_parameters_are_refused_at_save(sign_task, tmp_path, params, name):
    X, y = sign_task
    params = dict(params)
    classes = params.pop("classes", None)
    clf = ALRNNClassifier(**{**FAST, "max_epochs": 1, **params}).fit(X, y)
    if classes is not None:
        # Labels of arbitrary objects cannot be fit, but the parameter can be set.
        clf.set_params(classes=classes)
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"previous")
    with pytest.raises(ValueError, match=f"Cannot save {name} safely.*joblib"):
        clf.save(path)
    assert path.read_bytes() == b"previous"  # a refused save leaves the file as it was
    assert not (tmp_path / "model.safetensors.partial").exists()


def test_only_fitted_package_estimators_are_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ALRNNRegressor().save(tmp_path / "m.safetensors")

    class MyRegressor(ALRNNRegressor):
        pass

    with pytest.raises(ValueError, match="Only sk_alrnn's own estimators"):
        sk_alrnn.io._persistence.save(MyRegressor(), tmp_path / "m.safetensors")


# ---- refused at load time -------------------------------------------------------------
def _read(path):
    with safe_open(str(path), framework="np") as handle:
        return (
            json.loads(handle.metadata()["sk_alrnn"]),
            {key: handle.get_tensor(key) for key in handle.keys()},  # noqa: SIM118
        )


def _write(path, header, arrays):
    save_file(arrays, str(path), metadata={"sk_alrnn": json.dumps(header)})


@pytest.fixture
def saved(fitted_classifier, tmp_path):
    path = tmp_path / "model.safetensors"
    fitted_classifier[0].save(path)
    return path


def test_newer_format_version_is_refused(saved):
    header, arrays = _read(saved)
    header["format_version"] = FORMAT_VERSION + 1
    _write(saved, header, arrays)
    with pytest.raises(ValueError, match="format version 2.*upgrade sk_alrnn"):
        sk_alrnn.load(saved)


def test_foreign_files_are_refused(tmp_path, fitted_classifier):
    joblib_file = tmp_path / "model.joblib"
    joblib.dump(fitted_classifier[0], joblib_file)
    with pytest.raises(ValueError, match="not a safetensors file"):
        sk_alrnn.load(joblib_file)
    other = tmp_path / "weights.safetensors"
    save_file({"weight": np.zeros((2, 2), np.float32)}, str(other))
    with pytest.raises(ValueError, match="no 'sk_alrnn' header"):
        sk_alrnn.load(other)
    save_file({}, str(other), metadata={"sk_alrnn": json.dumps({"format": "other"})})
    with pytest.raises(ValueError, match="format='sk_alrnn'"):
        sk_alrnn.load(other)


@pytest.mark.parametrize(
    "tamper, match",
    [
        (
            lambda h, a: a.update({"module_['W']": np.zeros((3, 3), np.float32)}),
            "header declares",
        ),
        (lambda h, a: a.pop("module_['W']"), "missing"),
        (lambda h, a: a.update({"extra": np.zeros(1, np.float32)}), "not declared"),
        (
            lambda h, a: h["state"].update({"class": "os.system"}),
            "unknown estimator class",
        ),
        (
            lambda h, a: h["state"]["params"].update(
                {"optimizer": {"t": "class", "name": "os.system"}}
            ),
            "not on the allow-list",
        ),
        (
            lambda h, a: h["state"]["fitted"].update({"__class__": {"t": "json", "v": 1}}),
            "not fitted attributes",
        ),
        (
            lambda h, a: h["state"]["params"].update({"M": {"t": "json", "v": 9}}),
            "do not fit the hyper-parameters",
        ),
        (lambda h, a: h["state"].pop("params"), "malformed"),
        (
            lambda h, a: h["state"]["params"].update(
                {
                    "torch_load_kwargs": {
                        "t": "dict",
                        "v": [["weights_only", {"t": "json", "v": False}]],
                    }
                }
            ),
            "weights_only",
        ),
        (
            lambda h, a: h["state"]["fitted"]["_label_encoder_"]["classes"].update(
                dtype="<U100000000"
            ),
            "implausibly wide",
        ),
    ],
)
def test_inconsistent_contents_are_refused(saved, tamper, match):
    header, arrays = _read(saved)
    tamper(header, arrays)
    _write(saved, header, arrays)
    with pytest.raises(ValueError, match=match):
        sk_alrnn.load(saved)


class _Payload:
    """Unpickling this creates a directory: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def _tampered_files(saved, payload, tmp_path):
    header, arrays = _read(saved)
    # 1. The pickle payload as the header text.
    yield (
        "header",
        lambda path: save_file(arrays, str(path), metadata={"sk_alrnn": payload.decode("latin-1")}),
    )
    # 2. As a node of an unknown type where a hyper-parameter should be.
    node = {"t": "pickle", "v": payload.hex()}
    yield (
        "node",
        lambda path: _write(
            path,
            {
                **header,
                "state": {
                    **header["state"],
                    "params": {**header["state"]["params"], "lr": node},
                },
            },
            arrays,
        ),
    )
    # 3. As the bytes of a weight tensor, declared consistently in the header.
    blob = np.frombuffer(payload, dtype=np.uint8).copy()
    state = json.loads(json.dumps(header["state"]))
    declared = next(item for key, item in state["net"]["module"]["v"] if key == "W")
    declared["v"].update(dtype="|u1", shape=[blob.size])
    yield (
        "tensor",
        lambda path: _write(path, {**header, "state": state}, {**arrays, "module_['W']": blob}),
    )

    # 4. A skops-style zip archive with the payload as an embedded pickle.
    def skops(path):
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("schema.json", json.dumps({"__loader__": "ObjectNode"}))
            archive.writestr("blob.pkl", payload)

    yield "skops", skops
    # 5. A plain pickle file.
    yield "pickle", lambda path: path.write_bytes(payload)


def test_tampered_files_are_refused_and_run_nothing(saved, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    pickle.loads(payload)  # the payload is live: unpickling it creates the marker
    assert marker.is_dir()
    marker.rmdir()

    def forbidden(*args, **kwargs):
        raise AssertionError("load must not unpickle or call torch.load")

    for module, name in [
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (torch, "load"),
        (joblib, "load"),
    ]:
        monkeypatch.setattr(module, name, forbidden)
    sk_alrnn.load(saved)  # a genuine file loads with all of them disabled
    for kind, make in _tampered_files(saved, payload, tmp_path):
        path = tmp_path / f"tampered-{kind}.safetensors"
        make(path)
        with pytest.raises(ValueError):
            sk_alrnn.load(path)
        assert not marker.exists(), kind


# ---- skorch's own save_params / load_params -------------------------------------------
def test_skorch_save_params_on_fitted_estimator(fitted_classifier, tmp_path):
    clf, X = fitted_classifier
    f_params = tmp_path / "params.pt"
    clf.save_params(f_params=f_params)
    other = ALRNNClassifier(**{**FAST, "random_state": 1}).fit(X, clf.predict(X))
    other.load_params(f_params=f_params)
    np.testing.assert_array_equal(other.predict_proba(X), clf.predict_proba(X))


@pytest.mark.parametrize("cls", [ALRNNClassifier, ALRNNRegressor])
def test_initialize_before_fit_points_to_save_and_load(cls):
    with pytest.raises(ValueError, match=r"fit\(X, y\).*sk_alrnn.load"):
        cls(**FAST).initialize()


def test_file_is_small(fitted_classifier, tmp_path):
    clf, _ = fitted_classifier
    path = tmp_path / "model.safetensors"
    clf.save(path)
    # M=8, 2 classes, 4 epochs: 114 weights plus Adam moments, regimes_ and the header.
    assert os.path.getsize(path) < 16_000


def test_cv_style_fitted_state_round_trips(sum_task):
    # What a CV estimator persists (the CV estimators list these attributes):
    # GridSearchCV's cv_results_ (masked arrays, lists of dicts) and a nested best_estimator_.
    from sklearn.model_selection import GridSearchCV

    from sk_alrnn.io._persistence import _Reader, _Writer

    X, y = sum_task
    search = GridSearchCV(ALRNNRegressor(**{**FAST, "max_epochs": 1}), {"P": [0, 2]}, cv=2)
    search.fit(X, y)
    writer = _Writer()
    nodes = {
        name: writer.encode(getattr(search, name), name)
        for name in ("cv_results_", "best_estimator_", "best_score_", "best_params_")
    }
    nodes = json.loads(json.dumps(nodes))  # the header is JSON text in the file
    reader = _Reader(writer.arrays)
    back = {name: reader.decode(node, name) for name, node in nodes.items()}
    assert reader.used == set(writer.arrays)
    results = search.cv_results_
    assert back["cv_results_"].keys() == results.keys()
    for key, value in results.items():
        if isinstance(value, np.ndarray):
            assert type(back["cv_results_"][key]) is type(value)
            np.testing.assert_array_equal(back["cv_results_"][key], value)
        else:
            assert back["cv_results_"][key] == value
    assert back["best_params_"] == search.best_params_
    assert back["best_score_"] == search.best_score_
    _assert_same_fitted(search.best_estimator_, back["best_estimator_"], X)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_cv_estimators_round_trip(sign_task, sum_task, tmp_path, kind):
    from sk_alrnn import ALRNNClassifierCV, ALRNNRegressorCV

    cls, (X, y) = {
        "classifier": (ALRNNClassifierCV, sign_task),
        "regressor": (ALRNNRegressorCV, sum_task),
    }[kind]
    search = cls(Ps=(0, 2), M=6, cv=2, max_epochs=2, random_state=0).fit(X, y)
    loaded = _round_trip(search, tmp_path)
    assert type(loaded) is cls and loaded.P_ == search.P_
    assert loaded.best_score_ == search.best_score_
    for key, value in search.cv_results_.items():
        np.testing.assert_array_equal(loaded.cv_results_[key], value)
    _assert_same_fitted(search.best_estimator_, loaded.best_estimator_, X)
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.score(X, y) == search.score(X, y)


@pytest.mark.filterwarnings("ignore:Every checkpoint:RuntimeWarning")  # 3 epochs: collapsed
def test_forecaster_round_trip(tmp_path):
    from sk_alrnn import ALRNNForecaster
    from sk_alrnn.datasets import make_roessler

    X = make_roessler(n_steps=400, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    forecaster = ALRNNForecaster(
        M=8, P=1, max_epochs=3, batches_per_epoch=3, sequence_length=30,
        checkpoint_interval=2, random_state=0,
    ).fit(X)  # fmt: skip
    loaded = _round_trip(forecaster, tmp_path)
    assert type(loaded) is ALRNNForecaster and loaded.best_epoch_ == forecaster.best_epoch_
    np.testing.assert_array_equal(loaded.x0_, forecaster.x0_)
    np.testing.assert_array_equal(loaded.simulate(50), forecaster.simulate(50))
    np.testing.assert_array_equal(loaded.predict(X, n_steps=3), forecaster.predict(X, n_steps=3))
    np.testing.assert_array_equal(loaded.regimes_.codes, forecaster.regimes_.codes)
    np.testing.assert_array_equal(loaded.linearize().W, forecaster.linearize().W)
    assert loaded.score(X) == forecaster.score(X)


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    M=st.integers(1, 6),
    data=st.data(),
    labels=st.sampled_from([["a", "b"], ["x", "y", "zz"], [0, 5], [-1, 0, 1], [False, True]]),
    ragged=st.booleans(),
)
def test_round_trip_property(M, data, labels, ragged):
    P = data.draw(st.integers(0, M))
    rng = np.random.RandomState(M * 10 + P)
    lengths = rng.randint(1, 6, size=12) if ragged else np.full(12, 5)
    X = [rng.randn(T, 2) for T in lengths]
    y = np.array(labels)[np.arange(12) % len(labels)]
    clf = ALRNNClassifier(M=M, P=P, max_epochs=1, random_state=0).fit(
        X if ragged else np.stack(X), y
    )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.safetensors")
        clf.save(path)
        loaded = sk_alrnn.load(path)
    _assert_same_fitted(clf, loaded, X)


def test_cv_splitter_parameter_is_refused_by_name(sum_task, tmp_path):
    from sklearn.model_selection import KFold

    from sk_alrnn import ALRNNRegressorCV

    X, y = sum_task
    search = ALRNNRegressorCV(Ps=(0, 2), M=4, cv=KFold(2), max_epochs=1, random_state=0)
    search.fit(X, y)
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match="Cannot save 'cv' safely"):
        search.save(path)
    # The fitted model does not need the splitter: with set_params(cv=2) it saves.
    search.set_params(cv=2).save(path)
    np.testing.assert_array_equal(sk_alrnn.load(path).predict(X), search.predict(X))
