"""The bad-input matrix: each malformed input or parameter gets a clear error or a correct result.

Each case is one row of ``CASES`` (id, estimators it applies to, stage, how to
break the input, expected answer).  Error rows run against an already fitted
estimator and check, besides the message, that the estimator is exactly as it
was (predictions, ``state_dict``, history length, ``regimes_``, ``classes_``).
Property tests (hypothesis) then draw shapes, dtypes, lengths and values.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.numpy import save_file
from sklearn.exceptions import NotFittedError

import sk_alrnn
from sk_alrnn import (
    ALRNNClassifier,
    ALRNNClassifierCV,
    ALRNNForecaster,
    ALRNNRegressor,
    ALRNNRegressorCV,
)
from sk_alrnn.analysis import codes_from_states, regime_summary
from sk_alrnn.contrib.tslearn import from_tslearn, to_tslearn
from sk_alrnn.io._header import digest
from sk_alrnn.preprocessing import DelayEmbedding, SequenceScaler, StridedWindows

FAST = {
    "M": 4,
    "P": 2,
    "max_epochs": 2,
    "lr": 1e-2,
    "batch_size": 16,
    "random_state": 0,
}
FAST_CV = {"Ps": (0, 2), "M": 4, "cv": 2, "max_epochs": 1, "batch_size": 16, "random_state": 0}
ESTIMATORS = {
    "clf": ALRNNClassifier,
    "reg": ALRNNRegressor,
    "clf_cv": ALRNNClassifierCV,
    "reg_cv": ALRNNRegressorCV,
}
SETTINGS = {"clf": FAST, "reg": FAST, "clf_cv": FAST_CV, "reg_cv": FAST_CV}
PLAIN = ("clf", "reg")  # the kinds with partial_fit, P and the skorch parameters
_NUMBERS = r"(numeric|numbers)"
_NONFINITE = "NaN or infinity"


def _data(kind):
    rng = np.random.RandomState(0)
    X = rng.randn(24, 6, 2)
    score = X[:, :, 0].sum(axis=1)
    y = np.where(score > 0, "up", "down") if kind.startswith("clf") else score / 3
    return X, y


@pytest.fixture(scope="module")
def fitted():
    """One fitted estimator of each kind, shared by all error cases (they must not change it)."""
    return {kind: ESTIMATORS[kind](**SETTINGS[kind]).fit(*_data(kind)) for kind in ESTIMATORS}


def _snapshot(est, X):
    net = getattr(est, "best_estimator_", est)  # a CV estimator answers through its refit
    snap = {
        "state": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
        "history": len(net.history),
        "codes": est.regimes_.codes.copy(),
        "counts": est.regimes_.counts.copy(),
        "n_features_in_": est.n_features_in_,
        "prediction": est.predict(X),
        "P": net.P,
    }
    if hasattr(est, "classes_"):
        snap["classes_"] = est.classes_.copy()
    return snap


def _assert_unchanged(before, after):
    assert before.keys() == after.keys()
    for key in before["state"]:
        assert torch.equal(before["state"][key], after["state"][key]), key
    for key in ("history", "n_features_in_", "P"):
        assert before[key] == after[key], key
    for key in ("codes", "counts", "prediction", "classes_"):
        if key in before:
            np.testing.assert_array_equal(before[key], after[key])


# ---- the matrix --------------------------------------------------------------------
@dataclass
class Case:
    """One bad (or odd) input: ``make(X, y)`` returns the call's arguments."""

    id: str
    kinds: str  # "clf", "reg" or "both"
    stage: str  # "fit", "partial_fit", "predict"
    make: Callable
    error: type | tuple | None = None  # None: the call must succeed
    match: str = ""
    check: Callable | None = None  # extra check of a successful result
    marks: list = field(default_factory=list)


def _with(X, y, **kw):
    return {"X": X, "y": y, **kw}


def _set(array, index, value):
    array = np.array(array, dtype=float)
    array[index] = value
    return array


def _ragged(X, first=None):
    items = [x[: 2 + i % 4] for i, x in enumerate(X)]
    if first is not None:
        items[0] = first
    return items


def _device_missing(device):
    if device.startswith("cuda"):
        index = int(device.split(":")[1]) if ":" in device else 0
        return index >= torch.cuda.device_count()
    return device == "mps" and not torch.backends.mps.is_available()


_X_CASES = [
    # NaN / inf anywhere in X
    Case(
        "X_nan_3d",
        "both",
        "fit",
        lambda X, y: _with(_set(X, (3, 2, 1), np.nan), y),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "X_inf_3d",
        "both",
        "fit",
        lambda X, y: _with(_set(X, (0, 0, 0), np.inf), y),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "X_neginf_2d",
        "both",
        "fit",
        lambda X, y: _with(_set(X[:, :, 0], (5, 5), -np.inf), y),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "X_nan_ragged",
        "both",
        "fit",
        lambda X, y: _with(_ragged(X, _set(X[0, :3], (2, 1), np.nan)), y),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "X_inf_ragged_1d",
        "both",
        "fit",
        lambda X, y: _with([_set(x[:, 0], -1, np.inf) for x in _ragged(X)], y),
        ValueError,
        _NONFINITE,
    ),
    # lengths and ndim
    Case(
        "X_zero_length_in_list",
        "both",
        "fit",
        lambda X, y: _with(_ragged(X, X[0, :0]), y),
        ValueError,
        "at least one step",
    ),
    Case(
        "X_ndim_0",
        "both",
        "fit",
        lambda X, y: _with(np.float64(3.0), y),
        ValueError,
        "ndim=0",
    ),
    Case(
        "X_ndim_1",
        "both",
        "fit",
        lambda X, y: _with(X[:, 0, 0], y),
        ValueError,
        "ndim=1",
    ),
    Case(
        "X_ndim_4",
        "both",
        "fit",
        lambda X, y: _with(X[..., None], y),
        ValueError,
        "ndim=4",
    ),
    Case(
        "X_empty_array",
        "both",
        "fit",
        lambda X, y: _with(X[:0], y[:0]),
        ValueError,
        "0 sample",
    ),
    Case("X_empty_list", "both", "fit", lambda X, y: _with([], y), ValueError, "empty"),
    Case(
        "X_zero_steps",
        "both",
        "fit",
        lambda X, y: _with(X[:, :0], y),
        ValueError,
        "at least 1 step",
    ),
    Case(
        "X_zero_features",
        "both",
        "fit",
        lambda X, y: _with(X[:, :, :0], y),
        ValueError,
        "1 feature",
    ),
    Case(
        "X_list_of_3d",
        "both",
        "fit",
        lambda X, y: _with([x[None] for x in X], y),
        ValueError,
        "2-D arrays",
    ),
    Case(
        "X_list_mixed_ndim",
        "both",
        "fit",
        lambda X, y: _with([X[0, :, 0]] + list(X[1:]), y),
        ValueError,
        "2-D arrays",
    ),
    Case(
        "X_list_mixed_features",
        "both",
        "fit",
        lambda X, y: _with([X[0, :, :1]] + list(X[1:]), y),
        ValueError,
        "same number of features",
    ),
    Case(
        "X_none",
        "both",
        "fit",
        lambda X, y: _with(None, y),
        ValueError,
        "X must be an array of sequences.*Got None",
    ),
    # dtypes
    Case(
        "X_numeric_strings",
        "both",
        "fit",
        lambda X, y: _with(X.astype(str), y),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "X_strings",
        "both",
        "fit",
        lambda X, y: _with(np.full(X.shape[:2], "a"), y),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "X_bytes",
        "both",
        "fit",
        lambda X, y: _with(X.astype("S8"), y),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "X_ragged_strings",
        "both",
        "fit",
        lambda X, y: _with([x.astype(str) for x in _ragged(X)], y),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "X_object_dicts",
        "both",
        "fit",
        lambda X, y: _with(np.array([[{}] * 6] * 24, dtype=object), y),
        (TypeError, ValueError),
        _NUMBERS,
    ),
    Case(
        "X_complex",
        "both",
        "fit",
        lambda X, y: _with(X.astype(complex), y),
        ValueError,
        "[Cc]omplex",
    ),
    Case(
        "X_datetime",
        "both",
        "fit",
        lambda X, y: _with(np.zeros(X.shape[:2], "datetime64[s]"), y),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "X_sparse",
        "both",
        "fit",
        lambda X, y: _with(scipy.sparse.csr_matrix(X[:, :, 0]), y),
        TypeError,
        "sparse",
    ),
    # accepted forms: a correct result
    Case("X_bool", "both", "fit", lambda X, y: _with(X > 0, y)),
    Case("X_int8", "both", "fit", lambda X, y: _with((3 * X).astype(np.int8), y)),
    Case("X_float16", "both", "fit", lambda X, y: _with(X.astype(np.float16), y)),
    Case("X_object_numbers", "both", "fit", lambda X, y: _with(X.astype(object), y)),
    Case(
        "X_pandas_2d",
        "both",
        "fit",
        lambda X, y: _with(pd.DataFrame(X[:, :, 0]), y),
        check=lambda est, X, y: np.testing.assert_array_equal(
            est.predict(pd.DataFrame(X[:, :, 0])), est.predict(X[:, :, 0])
        ),
    ),
    Case(
        "X_nested_lists",
        "both",
        "fit",
        lambda X, y: _with(X[:, :, 0].tolist(), y),
        check=lambda est, X, y: np.testing.assert_array_equal(
            est.predict(X[:, :, 0].tolist()), est.predict(X[:, :, 0])
        ),
    ),
]

_Y_CASES = [
    Case(
        "y_nan",
        "reg",
        "fit",
        lambda X, y: _with(X, _set(y, 4, np.nan)),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "y_inf",
        "reg",
        "fit",
        lambda X, y: _with(X, _set(y, 0, np.inf)),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "y_nan_float_labels",
        "clf",
        "fit",
        lambda X, y: _with(X, _set(y == "up", 2, np.nan)),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "y_nan_sequence_array",
        "reg",
        "fit",
        lambda X, y: _with(X, _set(X[:, :, :1], (1, 1, 0), np.nan)),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "y_inf_sequence_list",
        "reg",
        "fit",
        lambda X, y: _with(_ragged(X), [_set(x[:, :1], 0, np.inf) for x in _ragged(X)]),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "y_short",
        "both",
        "fit",
        lambda X, y: _with(X, y[:-1]),
        ValueError,
        "inconsistent numbers of samples",
    ),
    Case(
        "y_long",
        "both",
        "fit",
        lambda X, y: _with(X, np.concatenate([y, y[:1]])),
        ValueError,
        "inconsistent numbers of samples",
    ),
    Case("y_none", "both", "fit", lambda X, y: _with(X, None), ValueError, "requires y"),
    Case(
        "y_numeric_strings",
        "reg",
        "fit",
        lambda X, y: _with(X, y.astype(str)),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "y_strings",
        "reg",
        "fit",
        lambda X, y: _with(X, np.where(y > 0, "a", "b")),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "y_complex",
        "reg",
        "fit",
        lambda X, y: _with(X, y.astype(complex)),
        ValueError,
        "[Cc]omplex",
    ),
    Case(
        "y_sequence_wrong_steps",
        "reg",
        "fit",
        lambda X, y: _with(X, X[:, :-1, :1]),
        ValueError,
        "do not match",
    ),
    Case(
        "y_sequence_list_wrong_lengths",
        "reg",
        "fit",
        lambda X, y: _with(_ragged(X), [x[:-1, :1] for x in _ragged(X)]),
        ValueError,
        "as many steps",
    ),
    Case(
        "y_continuous_labels",
        "clf",
        "fit",
        lambda X, y: _with(X, X[:, 0, 0]),
        ValueError,
        "Unknown label type",
    ),
    Case(
        "y_2d_labels_wrong_steps",
        "clf",
        "fit",
        lambda X, y: _with(X, np.stack([y, y, y], axis=1)),
        ValueError,
        r"shape|1d",
    ),
    Case(
        "y_one_class",
        "clf",
        "fit",
        lambda X, y: _with(X, np.full(len(y), "only")),
        check=lambda est, X, y: np.testing.assert_array_equal(
            est.predict(X), np.full(len(X), "only")
        ),
    ),
    Case("y_pandas_series", "both", "fit", lambda X, y: _with(X, pd.Series(y))),
]

_CONTINUE_CASES = [
    Case(
        "partial_fit_unseen_label",
        "clf",
        "partial_fit",
        lambda X, y: _with(X[:4], np.array(["sideways"] * 4)),
        ValueError,
        "not seen",
    ),
    Case(
        "partial_fit_wrong_features",
        "both",
        "partial_fit",
        lambda X, y: _with(X[:, :, :1], y),
        ValueError,
        "expecting 2 features",
    ),
    Case(
        "partial_fit_sequence_switch",
        "reg",
        "partial_fit",
        lambda X, y: _with(X, X[:, :, :1]),
        ValueError,
        "switches",
    ),
    Case(
        "partial_fit_target_count",
        "reg",
        "partial_fit",
        lambda X, y: _with(X, np.column_stack([y, y])),
        ValueError,
        "y has 2 targets",
    ),
    Case(
        "predict_wrong_features",
        "both",
        "predict",
        lambda X, y: _with(X[:, :, :1], None),
        ValueError,
        "expecting 2 features",
    ),
    Case(
        "predict_nan",
        "both",
        "predict",
        lambda X, y: _with(_set(X, (1, 1, 1), np.nan), None),
        ValueError,
        _NONFINITE,
    ),
    Case(
        "predict_ndim_4",
        "both",
        "predict",
        lambda X, y: _with(X[..., None], None),
        ValueError,
        "ndim=4",
    ),
    Case(
        "predict_empty",
        "both",
        "predict",
        lambda X, y: _with(X[:0], None),
        ValueError,
        "0 sample",
    ),
    Case(
        "predict_numeric_strings",
        "both",
        "predict",
        lambda X, y: _with(X.astype(str), None),
        ValueError,
        _NUMBERS,
    ),
    Case(
        "predict_sparse",
        "both",
        "predict",
        lambda X, y: _with(scipy.sparse.csr_matrix(X[:, :, 0]), None),
        TypeError,
        "sparse",
    ),
    Case(
        "predict_zero_length_in_list",
        "both",
        "predict",
        lambda X, y: _with(_ragged(X, X[0, :0]), None),
        ValueError,
        "at least one step",
    ),
]


def _param(name, value, error=ValueError, match=None, **kw):
    return Case(
        f"param_{name}={value!r}",
        "both",
        "fit",
        lambda X, y: _with(X, y, params={name: value}),
        error,
        match or f"'{name}' parameter of ALRNN(Classifier|Regressor) must be",
        **kw,
    )


def _device_case(device):
    """A device this machine lacks is refused before training (skipped where it exists)."""
    present = pytest.mark.skipif(not _device_missing(device), reason=f"{device} exists here")
    return Case(
        f"param_device={device!r}",
        "both",
        "fit",
        lambda X, y: _with(X, y, params={"device": device}),
        ValueError,
        "'device' parameter.*not available",
        marks=[present],
    )


_PARAM_CASES = [
    _param("P", -1),
    _param("P", 5),
    _param("P", "2"),
    _param("P", 1.5),
    _param("M", 0),
    _param("M", 2.5),
    _param("M", True),
    _param("lr", -1.0),
    _param("lr", 0.0),
    _param("lr", float("nan")),
    _param("lr", float("inf")),
    _param("lr", "big"),
    _param("batch_size", 0),
    _param("batch_size", -2),
    _param("batch_size", 2.5),
    _param("max_epochs", -1),
    _param("max_epochs", 2.5),
    _param("max_epochs", "10"),
    _param("max_grad_norm", -1.0),
    _param("max_grad_norm", float("nan")),
    _param("random_state", "abc", match="cannot be used to seed"),
    _param("device", "nonsense", match="'device' parameter"),
    _device_case("cuda"),
    _device_case("cuda:7"),
    _device_case("mps"),
    Case(
        "param_batch_size_full",
        "both",
        "fit",
        lambda X, y: _with(X, y, params={"batch_size": -1}),
    ),
    Case(
        "param_device_cpu_object",
        "both",
        "fit",
        lambda X, y: _with(X, y, params={"device": torch.device("cpu")}),
    ),
]


def _assert_same_as_unweighted(est, X, y):
    """Equal weights are a weighted mean of the same losses: the very same model."""
    unweighted = type(est)(**est.get_params(deep=False)).fit(X, y)
    np.testing.assert_array_equal(est.predict(X), unweighted.predict(X))


_SAMPLE_WEIGHT_CASES = [
    Case(
        "sample_weight_ones",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": np.ones(len(y))}),
        check=lambda est, X, y: _assert_same_as_unweighted(est, X, y),
    ),
    Case(
        "sample_weight_constant",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": np.full(len(y), 3.0)}),
        check=lambda est, X, y: _assert_same_as_unweighted(est, X, y),
    ),
    Case(
        "sample_weight_short",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": np.ones(len(y) - 1)}),
        ValueError,
        "sample_weight",
    ),
    Case(
        "sample_weight_negative",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": -np.ones(len(y))}),
        ValueError,
        "sample_weight",
    ),
    Case(
        "sample_weight_nan",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": _set(np.ones(len(y)), 0, np.nan)}),
        ValueError,
        "sample_weight|NaN",
    ),
    Case(
        "sample_weight_2d",
        "both",
        "fit",
        lambda X, y: _with(X, y, fit_params={"sample_weight": np.ones((len(y), 2))}),
        ValueError,
        "sample_weight",
    ),
]

CASES = _X_CASES + _Y_CASES + _CONTINUE_CASES + _PARAM_CASES + _SAMPLE_WEIGHT_CASES


def _applies(case: Case, kind: str) -> bool:
    if case.kinds not in ("both", kind.split("_")[0]):
        return False
    # The CV estimators have no partial_fit, no P and no sample_weight in fit; their own
    # parameters (Ps, cv, refit, ...) are tested with them (tests/test_cv.py).
    plain_only = case.stage == "partial_fit" or case.id.startswith(("param_", "sample_weight"))
    return kind in PLAIN or not plain_only


_PARAMS = [
    pytest.param(kind, case, id=f"{kind}-{case.id}", marks=case.marks)
    for case in CASES
    for kind in ESTIMATORS
    if _applies(case, kind)
]


def _call(est, case, X, y):
    args = case.make(X, y)
    if case.stage == "predict":
        return est.predict(args["X"])
    method = est.partial_fit if case.stage == "partial_fit" else est.fit
    return method(args["X"], args["y"], **args.get("fit_params", {}))


@pytest.mark.parametrize("kind, case", _PARAMS)
def test_bad_input_matrix(fitted, kind, case):
    X, y = _data(kind)
    # A copy: a case that wrongly succeeds must not spoil the others.
    est = copy.deepcopy(fitted[kind])
    params = case.make(X, y).get("params", {})
    if case.error is None:
        # An accepted form: a fresh fit gives a correct, finite result.
        fresh = ESTIMATORS[kind](**{**SETTINGS[kind], **params})
        assert _call(fresh, case, X, y) is fresh
        states = fresh.latent_states(case.make(X, y)["X"])
        assert all(np.isfinite(z).all() for z in states)
        if case.check is not None:
            case.check(fresh, X, y)
        return
    before = _snapshot(est, X)
    saved = {name: getattr(est, name) for name in params}
    est.set_params(**params)
    try:
        with pytest.raises(case.error) as info:
            _call(est, case, X, y)
    finally:
        est.set_params(**saved)
    message = str(info.value)
    assert re.search(case.match, message), message
    assert "torch" not in message.lower() or "device" in message, message
    _assert_unchanged(before, _snapshot(est, X))


# ---- property tests ---------------------------------------------------------------------
_PROPERTY = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_OK_DTYPES = st.sampled_from(
    [np.float16, np.float32, np.float64, np.int8, np.int64, np.uint8, np.bool_]
)
_BAD_DTYPES = st.sampled_from(
    ["U8", "S8", "complex64", "complex128", "datetime64[s]", "timedelta64[s]"]
)


@st.composite
def _sequences(draw, n_features=2, min_length=1):
    """A (n, T, F) array, a (n, T) array (F = 1) or a ragged list, with bounded finite values."""
    n = draw(st.integers(1, 5))
    form = draw(st.sampled_from(["3d", "list"] + (["2d"] if n_features == 1 else [])))
    values = st.floats(-100, 100, allow_nan=False, width=32)
    lengths = draw(st.lists(st.integers(min_length, 7), min_size=n, max_size=n))
    rng = np.random.RandomState(draw(st.integers(0, 2**16)))
    if form == "list":
        return [rng.uniform(-1, 1, (T, n_features)) * draw(values) for T in lengths]
    shape = (n, lengths[0], n_features)
    array = rng.uniform(-1, 1, shape) * draw(values)
    return array[:, :, 0] if form == "2d" else array


@_PROPERTY
@given(X=_sequences(), dtype=_OK_DTYPES, kind=st.sampled_from(sorted(ESTIMATORS)))
def test_valid_inputs_predict_finite_outputs_of_the_right_form(fitted, X, dtype, kind):
    est = fitted[kind]
    X = [x.astype(dtype) for x in X] if isinstance(X, list) else X.astype(dtype)
    prediction = est.predict(X)
    assert len(prediction) == len(X)
    Z = est.latent_states(X)
    assert all(np.isfinite(z).all() for z in Z)
    if isinstance(X, list):
        assert [z.shape for z in Z] == [(len(x), est.M) for x in X]


@_PROPERTY
@given(
    X=_sequences(),
    data=st.data(),
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    kind=st.sampled_from(sorted(ESTIMATORS)),
    stage=st.sampled_from(["fit", "predict"]),
)
def test_nonfinite_anywhere_is_refused(fitted, X, data, bad, kind, stage):
    est = copy.deepcopy(fitted[kind])
    items = X if isinstance(X, list) else [X]
    target = items[data.draw(st.integers(0, len(items) - 1))]
    index = tuple(data.draw(st.integers(0, size - 1)) for size in target.shape)
    target[index] = bad
    # The one non-finite value that is valid: a trailing all-NaN step of an array is padding.
    one_feature = target.ndim == 2 or target.shape[-1] == 1
    assume(
        isinstance(X, list)
        or not np.isnan(bad)
        or index[1] < target.shape[1] - 1
        or not one_feature
    )
    before = _snapshot(est, _data(kind)[0])
    y = _data(kind)[1][: len(X)]
    with pytest.raises(ValueError, match=_NONFINITE):
        est.fit(X, y) if stage == "fit" else est.predict(X)
    _assert_unchanged(before, _snapshot(est, _data(kind)[0]))


@_PROPERTY
@given(
    lengths=st.lists(st.integers(0, 5), min_size=1, max_size=6).filter(lambda ls: 0 in ls),
    kind=st.sampled_from(sorted(ESTIMATORS)),
)
def test_an_empty_sequence_anywhere_is_refused(fitted, lengths, kind):
    X = [np.ones((T, 2)) for T in lengths]
    with pytest.raises(ValueError, match="at least one step"):
        fitted[kind].predict(X)


@_PROPERTY
@given(
    shape=st.lists(st.integers(1, 3), min_size=0, max_size=5).filter(
        lambda s: len(s) not in (2, 3)
    ),
    kind=st.sampled_from(sorted(ESTIMATORS)),
)
def test_ndim_outside_2_and_3_is_refused(fitted, shape, kind):
    with pytest.raises(ValueError, match=f"ndim={len(shape)}"):
        fitted[kind].predict(np.zeros(shape))


@_PROPERTY
@given(dtype=_BAD_DTYPES, ragged=st.booleans(), kind=st.sampled_from(sorted(ESTIMATORS)))
def test_non_numeric_dtypes_are_refused(fitted, dtype, ragged, kind):
    X = np.ones((3, 4, 2)).astype(dtype)
    with pytest.raises(ValueError, match=f"{_NUMBERS}|[Cc]omplex"):
        fitted[kind].predict(list(X) if ragged else X)


@_PROPERTY
@given(M=st.integers(-2, 6), P=st.integers(-3, 9), kind=st.sampled_from(PLAIN))
def test_sizes_are_checked_before_training(M, P, kind):
    X, y = _data(kind)
    est = ESTIMATORS[kind](**{**FAST, "M": M, "P": P, "max_epochs": 1})
    if M >= 1 and 0 <= P <= M:
        assert est.fit(X[:8], y[:8]).module_.P == P
    else:
        with pytest.raises(ValueError, match=r"'[MP]' parameter"):
            est.fit(X[:8], y[:8])


@_PROPERTY
@given(
    lr=st.one_of(st.floats(max_value=0.0), st.sampled_from([np.nan, np.inf])),
    kind=st.sampled_from(PLAIN),
)
def test_non_positive_or_non_finite_learning_rates_are_refused(lr, kind):
    X, y = _data(kind)
    with pytest.raises(ValueError, match="'lr' parameter"):
        ESTIMATORS[kind](**{**FAST, "lr": lr}).fit(X[:8], y[:8])


# ==== beyond the estimators' X and y: forecaster, CV, metrics, transformers, analysis, files ====
# Each row: group, id, the call (it gets the shared context), the expected error and message.
# Rows whose call refits a fitted estimator name it in ``refits``: the test then checks that
# the refused fit left that estimator exactly as it was.
@dataclass
class Bad:
    """One bad input outside the X/y matrix above."""

    group: str
    id: str
    call: Callable
    error: type | tuple = ValueError
    match: str | None = None
    refits: str | None = None  # "forecaster", "reg_cv" or "clf_cv"
    marks: list = field(default_factory=list)


_FC_SETTINGS = {
    "M": 4, "P": 1, "max_epochs": 2, "sequence_length": 10, "batches_per_epoch": 2,
    "random_state": 0,
}  # fmt: skip


def _trajectory():
    """An oscillation of 60 steps per period in 3 coordinates (standardised scale)."""
    t = 2 * np.pi * np.arange(240) / 60
    return np.column_stack([np.sin(t), np.cos(t), np.sin(2 * t)])


@pytest.fixture(scope="module")
def context(fitted, tmp_path_factory):
    """Fitted objects and a saved model file shared by the rows (which must not change them)."""
    return make_context(fitted, tmp_path_factory.mktemp("bad_input"))


def make_context(fitted, folder):
    """The rows' shared context (also used by benchmarks/bad_input_table.py)."""
    with warnings.catch_warnings():  # two epochs reconstruct nothing; it needs to be fitted
        warnings.simplefilter("ignore", RuntimeWarning)
        forecaster = ALRNNForecaster(**_FC_SETTINGS).fit(_trajectory())
    model_file = folder / "clf.safetensors"
    fitted["clf"].save(model_file)
    return {
        "forecaster": forecaster,
        "clf": fitted["clf"],
        "reg_cv": fitted["reg_cv"],
        "clf_cv": fitted["clf_cv"],
        "system": fitted["reg"].linearize(),
        "folder": folder,
        "model_file": model_file,
        "X": _data("clf")[0],
    }


def _refit(name, change=None, **params):
    """Refit estimator ``name`` with its own data, after ``params`` and a change of the data."""

    def call(est):
        X, y = (_trajectory(), None) if name == "forecaster" else _data(name)
        X = X if change is None else change(X)
        y = y if y is None or len(y) == len(X) else y[: len(X)]
        est.set_params(**params)
        return est.fit(X) if name == "forecaster" else est.fit(X, y)

    return call


def _fc(method, *args, **kwargs):
    return lambda ctx: getattr(ctx["forecaster"], method)(*args, **kwargs)


_NAN_AT_3 = lambda X: _set(X, (3, 1), np.nan)  # noqa: E731 - a table of one-liners
_FORECASTER = [
    Bad("forecaster", "fit_nan", _refit("forecaster", _NAN_AT_3), match=_NONFINITE),
    Bad("forecaster", "fit_too_short", _refit("forecaster", lambda X: X[:5]),
        match="at least sequence_length"),
    Bad("forecaster", "fit_strings", _refit("forecaster", lambda X: X.astype(str)),
        match="must hold numbers"),
    Bad("forecaster", "fit_complex", _refit("forecaster", lambda X: X + 1j), match="[Cc]omplex"),
    Bad("forecaster", "fit_4d", _refit("forecaster", lambda X: X[None, None]),
        match="one trajectory of shape"),
    Bad("forecaster", "fit_empty_list", _refit("forecaster", lambda X: []), match="at least 1"),
    Bad("forecaster", "fit_mixed_features", _refit("forecaster", lambda X: [X, X[:, :2]]),
        match="same number of features"),
    Bad("forecaster", "param_M_0", _refit("forecaster", M=0), match="'M' parameter"),
    Bad("forecaster", "param_P_above_M", _refit("forecaster", P=5), match=r"in \[0, M=4\]"),
    Bad("forecaster", "param_lr_negative", _refit("forecaster", lr=-1.0), match="'lr' parameter"),
    Bad("forecaster", "param_tf_interval_0", _refit("forecaster", tf_interval=0),
        match="'tf_interval' parameter"),
    Bad("forecaster", "param_tf_alpha_2", _refit("forecaster", tf_alpha=2.0),
        match="'tf_alpha' parameter"),
    Bad("forecaster", "param_noise_negative", _refit("forecaster", noise=-1.0),
        match="'noise' parameter"),
    Bad("forecaster", "param_sequence_length_0", _refit("forecaster", sequence_length=0),
        match="'sequence_length' parameter"),
    Bad("forecaster", "param_checkpoint_interval_0", _refit("forecaster", checkpoint_interval=0),
        match="'checkpoint_interval' parameter"),
    Bad("forecaster", "predict_features", _fc("predict", np.ones((9, 2))), match="2 features"),
    Bad("forecaster", "predict_n_steps_0", _fc("predict", np.ones((9, 3)), n_steps=0),
        match="'n_steps' parameter"),
    Bad("forecaster", "simulate_negative", _fc("simulate", -1), match="'n_steps' parameter"),
    Bad("forecaster", "simulate_x0_shape", _fc("simulate", 5, x0=[1.0, 2.0]),
        match=r"shape \(N,\)"),
    Bad("forecaster", "simulate_x0_nan", _fc("simulate", 5, x0=[1.0, np.nan, 2.0]),
        match=_NONFINITE),
    Bad("forecaster", "forecast_empty_context", _fc("forecast", np.ones((0, 3)), 3),
        match="at least 1 step"),
    Bad("forecaster", "latent_tf_interval_0", _fc("latent_states", np.ones((9, 3)),
        tf_interval=0), match="'tf_interval' parameter"),
]  # fmt: skip

_CV = [
    Bad("cv", "one_sample_test_folds", _refit("reg_cv", lambda X: X[:4], cv=4),
        match="smallest test fold has 1 sample", refits="reg_cv"),
    Bad("cv", "Ps_above_M", _refit("reg_cv", Ps=(0, 9)), match="M=4|Ps", refits="reg_cv"),
    Bad("cv", "Ps_empty", _refit("clf_cv", Ps=()), match="Ps", refits="clf_cv"),
    Bad("cv", "cv_1", _refit("clf_cv", cv=1), match="cv|split", refits="clf_cv"),
    Bad("cv", "refit_unknown", _refit("clf_cv", refit="bogus"), match="refit",
        refits="clf_cv"),
    Bad("cv", "fit_nan", _refit("reg_cv", _NAN_AT_3), match=_NONFINITE, refits="reg_cv"),
]  # fmt: skip
for _row in _FORECASTER:
    if _row.id.startswith(("fit_", "param_")):
        _row.refits = "forecaster"


def _metric(name, *args, **kwargs):
    def call(ctx):
        from sk_alrnn import metrics

        return getattr(metrics, name)(*args, **kwargs)

    return call


_T = np.random.RandomState(1).randn(200, 2)
_METRICS = [
    Bad("metrics", "complex_reference", _metric("state_space_divergence", _T + 1j, _T),
        match="real numeric array"),
    Bad("metrics", "complex_generated", _metric("power_spectrum_distance", _T, _T + 1j),
        match="real numeric array"),
    Bad("metrics", "numeric_strings", _metric("state_space_divergence", _T.astype(str), _T),
        match="real numeric array"),
    Bad("metrics", "ragged_lists", _metric("state_space_divergence", [[1.0, 2.0], [3.0]], _T),
        match="real numeric array"),
    Bad("metrics", "three_d", _metric("state_space_divergence", _T[None], _T),
        match=r"shape \(T,\) or \(T, N\)"),
    Bad("metrics", "one_step", _metric("power_spectrum_distance", _T[:1], _T),
        match="at least 2 steps"),
    Bad("metrics", "N_mismatch", _metric("state_space_divergence", _T, _T[:, :1]),
        match="have the 2 dimensions of X_true. Got 1"),
    Bad("metrics", "nan_reference", _metric("state_space_divergence", _set(_T, 0, np.nan), _T),
        match="NaN or infinity"),
    Bad("metrics", "smoothing_1e9", _metric("power_spectrum_distance", _T, _T, smoothing=1e9),
        match="memory budget"),
    Bad("metrics", "n_samples_1e9", _metric("state_space_divergence", _T, _T, method="gmm",
        n_samples=10**9), match="memory budget"),
    Bad("metrics", "n_bins_1e20", _metric("state_space_divergence", _T, _T, n_bins=10**20),
        match=r"'n_bins' parameter .* must be an int in \[1, 2\*\*53\]"),
    Bad("metrics", "n_bins_0", _metric("state_space_divergence", _T, _T, n_bins=0),
        match="'n_bins' parameter .* must be an int >= 1"),
    Bad("metrics", "method_unknown", _metric("state_space_divergence", _T, _T, method="kde"),
        match="'method' parameter .* must be one of"),
    Bad("metrics", "multioutput_unknown", _metric("power_spectrum_distance", _T, _T,
        multioutput="mean"), match="'multioutput' parameter .* must be one of"),
    Bad("metrics", "scorer_unknown_option", _metric("make_dsr_scorer", bogus_option=1),
        match=r"unknown \['bogus_option'\]"),
    Bad("metrics", "scorer_bad_option_value", _metric("make_dsr_scorer", method="kde"),
        match="'method' parameter .* must be one of"),
    Bad("metrics", "scorer_pe_option", _metric("make_dsr_scorer", "prediction_error",
        n_bins=3), match="unknown"),
    Bad("metrics", "prediction_error_n_steps_0",
        lambda ctx: __import__("sk_alrnn.metrics").metrics.prediction_error(
            ctx["forecaster"], _trajectory(), n_steps=0),
        match="'n_steps' parameter of prediction_error"),
]  # fmt: skip


def _transformer(make, method, X, fit_X=None):
    def call(ctx):
        est = make()
        if fit_X is not None:
            est.fit(fit_X)
        return getattr(est, method)(X)

    return call


_SEQ = np.random.RandomState(2).randn(4, 12, 3)
_TRANSFORMERS = [
    Bad("transformers", "scaler_transform_before_fit",
        _transformer(SequenceScaler, "transform", _SEQ), NotFittedError, "not fitted"),
    Bad("transformers", "scaler_inverse_before_fit",
        _transformer(SequenceScaler, "inverse_transform", _SEQ), NotFittedError, "not fitted"),
    Bad("transformers", "scaler_per_sequence_inverse",
        _transformer(lambda: SequenceScaler(per_sequence=True), "inverse_transform", _SEQ, _SEQ),
        match=r"per_sequence=True\) cannot inverse_transform"),
    Bad("transformers", "scaler_features", _transformer(SequenceScaler, "transform",
        _SEQ[:, :, :2], _SEQ), match="2 features, but SequenceScaler is expecting 3"),
    Bad("transformers", "scaler_nan", _transformer(SequenceScaler, "fit",
        _set(_SEQ, (0, 0, 0), np.nan)), match=_NONFINITE),
    Bad("transformers", "scaler_per_sequence_not_bool", _transformer(
        lambda: SequenceScaler(per_sequence="yes"), "fit", _SEQ), TypeError, match="a bool"),
    Bad("transformers", "delay_bare_T_by_1", _transformer(DelayEmbedding, "fit", _SEQ[0, :, :1]),
        match=r"pass one \(T, F\) recording as \[X\]"),
    Bad("transformers", "delay_dimension_0",
        _transformer(lambda: DelayEmbedding(dimension=0), "fit", _SEQ),
        match="'dimension' parameter"),
    Bad("transformers", "delay_too_short",
        _transformer(lambda: DelayEmbedding(dimension=5, delay=4), "fit", _SEQ),
        match="at least 17 step"),
    Bad("transformers", "windows_width_0",
        _transformer(lambda: StridedWindows(width=0), "fit", _SEQ), match="'width' parameter"),
]  # fmt: skip


def _system(method, *args, **kwargs):
    return lambda ctx: getattr(ctx["system"], method)(*args, **kwargs)


_ANALYSIS = [
    Bad("analysis", "drive_wrong_length", _system("drive", [1.0, 2.0, 3.0]),
        match=r"The input s \(F inputs\) must be a real array of shape \(2,\)"),
    Bad("analysis", "step_wrong_state", _system("step", np.zeros(3)),
        match=r"The state z \(M latent units\) must be a real array of shape \(4,\)"),
    Bad("analysis", "step_wrong_input", _system("step", np.zeros(4), np.zeros(5)),
        match=r"The input s"),
    Bad("analysis", "simulate_negative_n_steps", _system("simulate", n_steps=-1),
        match="'n_steps' parameter of PiecewiseLinearSystem.simulate"),
    Bad("analysis", "simulate_wrong_z0", _system("simulate", n_steps=3, z0=np.zeros((2, 4))),
        match=r"initial state z0 \(M latent units\) must be a real array of shape \(4,\)"),
    Bad("analysis", "simulate_wrong_S", _system("simulate", np.zeros((5, 3))),
        match=r"The inputs S .* shape \(T, 2\)"),
    Bad("analysis", "simulate_string_S", _system("simulate", np.zeros((5, 2)).astype(str)),
        match="real array"),
    Bad("analysis", "code_wrong_length", _system("jacobian", [True]),
        match="have P=2 entries"),
    Bad("analysis", "codes_P_above_M",
        lambda ctx: codes_from_states(np.zeros((5, 3)), 4), match=r"P must be an int in \[0"),
    Bad("analysis", "codes_P_negative",
        lambda ctx: codes_from_states(np.zeros((5, 3)), -1), match=r"\[0, M=3\]"),
    Bad("analysis", "regime_summary_empty", lambda ctx: regime_summary([]),
        match="at least 1 sequence"),
    Bad("analysis", "regime_summary_mixed_P",
        lambda ctx: regime_summary([np.ones((3, 2), bool), np.ones((3, 1), bool)]),
        match="one P"),
    Bad("analysis", "tslearn_empty", lambda ctx: to_tslearn([]), match="at least 1 sequence"),
    Bad("analysis", "tslearn_mixed_features",
        lambda ctx: to_tslearn([np.ones((3, 2)), np.ones((4, 1))]), match=r"d in \[1, 2\]"),
    Bad("analysis", "tslearn_strings", lambda ctx: to_tslearn([np.array(["a", "b"])]),
        match="real arrays"),
    Bad("analysis", "tslearn_all_nan", lambda ctx: from_tslearn(np.full((2, 3, 1), np.nan)),
        match="all NaN"),
]  # fmt: skip


# ---- model files -------------------------------------------------------------------------
def _parts(path):
    with safe_open(str(path), framework="np") as handle:
        arrays = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
        return json.loads(handle.metadata()["sk_alrnn"]), arrays


def _signed(path, header, arrays):
    """Write a file as a hostile writer would: consistent, with a matching checksum."""
    text = json.dumps(header)
    save_file(
        arrays, str(path), metadata={"sk_alrnn": text, "sk_alrnn_sha256": digest(text, arrays)}
    )
    return path


def _raw(path, tensors, data=b"", size=None):
    """A safetensors file written by hand; ``size`` makes it sparse (no data on disk)."""
    text = json.dumps({**tensors, "__metadata__": {"sk_alrnn": "{}"}}).encode()
    with open(path, "wb") as handle:
        handle.write(len(text).to_bytes(8, "little") + text + data)
        if size is not None:
            handle.truncate(8 + len(text) + size)
    return path


def _with_unnamed_tensor(source, path, n_bytes):
    """``source`` plus a sparse tensor of ``n_bytes`` its safetensors header declares but
    its document never names (the file size agrees, so only the names give it away)."""
    raw = source.read_bytes()
    length = int.from_bytes(raw[:8], "little")
    tensors = json.loads(raw[8 : 8 + length])
    end = max(entry["data_offsets"][1] for key, entry in tensors.items() if key != "__metadata__")
    tensors["unnamed"] = {"dtype": "U8", "shape": [n_bytes], "data_offsets": [end, end + n_bytes]}
    text = json.dumps(tensors).encode()
    with open(path, "wb") as handle:
        handle.write(len(text).to_bytes(8, "little") + text + raw[8 + length :])
        handle.truncate(8 + len(text) + end + n_bytes)
    return path


def _huge(n_bytes):
    return {"w": {"dtype": "U8", "shape": [n_bytes], "data_offsets": [0, n_bytes]}}


def _file(make, **load_kwargs):
    """A row that writes a file (``make(path, ctx)``) and loads it."""

    def call(ctx):
        path = ctx["folder"] / f"case-{len(os.listdir(ctx['folder']))}.safetensors"
        make(path, ctx)
        return sk_alrnn.load(path, **load_kwargs)

    return call


def _edited(edit):
    def make(path, ctx):
        header, arrays = _parts(ctx["model_file"])
        edit(header, arrays)
        return _signed(path, header, arrays)

    return make


def _flip_last_byte(path, ctx):
    data = bytearray(ctx["model_file"].read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))


def _three_labels(header, arrays):
    header["state"]["fitted"]["_label_encoder_"]["classes"].update(v=["a", "b", "c"], shape=[3])


_PLANT = {"t": "class", "name": "torch.nn.MSELoss"}
_GiB = 2**30
_FILES = [
    Bad("files", "pickle_file", _file(lambda p, c: p.write_bytes(pickle.dumps(c["X"]))),
        match="not a safetensors file"),
    Bad("files", "empty_file", _file(lambda p, c: p.write_bytes(b"")),
        match="fewer than a header"),
    Bad("files", "truncated", _file(lambda p, c: p.write_bytes(
        c["model_file"].read_bytes()[:2000])), match="the file has"),
    Bad("files", "sparse_2GiB_declared", _file(lambda p, c: _raw(p, _huge(2 * _GiB + 8),
        size=2 * _GiB + 8)), match="more than the limit"),
    Bad("files", "4KiB_declaring_2GiB", _file(lambda p, c: _raw(p, _huge(2 * _GiB),
        data=b"\0" * 4096)), match="but the file has"),
    Bad("files", "valid_plus_2GiB_undeclared", _file(lambda p, c: (p.write_bytes(
        c["model_file"].read_bytes()), os.truncate(p, p.stat().st_size + 2 * _GiB)) and None),
        match="but the file has"),
    Bad("files", "valid_plus_unnamed_1GiB_tensor", _file(lambda p, c: _with_unnamed_tensor(
        c["model_file"], p, _GiB)), match="not declared in the header"),
    Bad("files", "unknown_dtype", _file(lambda p, c: _raw(p, {"w": {
        "dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4)),
        match="dtype 'BF16'"),
    Bad("files", "size_disagrees_with_shape", _file(lambda p, c: _raw(p, {"w": {
        "dtype": "F64", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4)),
        match="declares 4 bytes for shape"),
    Bad("files", "overlapping_tensors", _file(lambda p, c: _raw(p, {
        "a": {"dtype": "U8", "shape": [4], "data_offsets": [0, 4]},
        "b": {"dtype": "U8", "shape": [4], "data_offsets": [2, 6]}}, b"\0" * 6)),
        match="without gaps or overlaps"),
    Bad("files", "checksum_mismatch", _file(_flip_last_byte), match="SHA-256"),
    Bad("files", "extra_declared_tensor", _file(_edited(
        lambda h, a: a.update(extra=np.zeros(3, np.float32)))), match="not declared"),
    Bad("files", "param___sklearn_clone__", _file(_edited(
        lambda h, a: h["state"]["params"].update(__sklearn_clone__=_PLANT))),
        match="'__sklearn_clone__'"),
    Bad("files", "param___class__", _file(_edited(
        lambda h, a: h["state"]["params"].update(__class__=_PLANT))), match="'__class__'"),
    Bad("files", "param_best_epoch_", _file(_edited(
        lambda h, a: h["state"]["params"].update(best_epoch_={"t": "json", "v": 1}))),
        match="'best_epoch_'"),
    Bad("files", "fitted_best_epoch_", _file(_edited(
        lambda h, a: h["state"]["fitted"].update(best_epoch_={"t": "json", "v": 1}))),
        match="best_epoch_"),
    Bad("files", "three_labels_two_outputs", _file(_edited(_three_labels)),
        match="3 labels for a network with 2 outputs"),
    Bad("files", "estimator_field_mismatch", _file(_edited(
        lambda h, a: h.update(estimator="ALRNNRegressor"))), match="header names"),
    Bad("files", "class_not_allowed", _file(_edited(
        lambda h, a: h["state"]["params"].update(optimizer={"t": "class", "name": "os.system"}))),
        match="not on the allow-list"),
    Bad("files", "newer_format", _file(_edited(lambda h, a: h.update(format_version=99))),
        match="upgrade sk_alrnn"),
    Bad("files", "max_bytes_exceeded", lambda ctx: sk_alrnn.load(ctx["model_file"],
        max_bytes=10), match="pass a larger max_bytes"),
    Bad("files", "load_directory", lambda ctx: sk_alrnn.load(ctx["folder"]),
        IsADirectoryError, match="is a directory; expected a model file"),
    Bad("files", "load_fifo", _file(lambda p, c: os.mkfifo(p)), match="not a regular file"),
    Bad("files", "load_missing", lambda ctx: sk_alrnn.load(ctx["folder"] / "nothing"),
        FileNotFoundError, match="nothing"),
    Bad("files", "save_to_directory", lambda ctx: ctx["clf"].save(ctx["folder"]), OSError,
        match="Cannot save the model to"),
    Bad("files", "save_to_missing_folder", lambda ctx: ctx["clf"].save(
        ctx["folder"] / "no" / "m.safetensors"), OSError, match="Cannot save the model to"),
]  # fmt: skip

_CLI = [
    Bad(
        "cli",
        "range_error",
        lambda ctx: _cli_error(["demo", "--P", "9", "--M", "4"]),
        SystemExit,
        match="2",
    ),
]


def _cli_error(argv):
    """Run the command line in-process: a range error is one line on stderr and exit code 2."""
    import contextlib
    import io

    from sk_alrnn.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main([*argv, "--n-samples", "40", "--epochs", "1"])
    lines = stderr.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sk-alrnn: error: "), lines
    raise SystemExit(code)


MORE_CASES = _FORECASTER + _CV + _METRICS + _TRANSFORMERS + _ANALYSIS + _FILES + _CLI


def _refit_snapshot(est):
    """What a refused fit must not change: weights, history, fitted arrays, predictions."""
    net = getattr(est, "best_estimator_", est)
    snap = {
        "state": {k: v.detach().clone() for k, v in net.module_.state_dict().items()},
        "history": len(net.history),
        "codes": est.regimes_.codes.copy(),
        "params": {k: v for k, v in est.get_params(deep=False).items()},
    }
    if hasattr(est, "x0_"):
        snap["x0_"], snap["simulate"] = est.x0_.copy(), est.simulate(20)
    if hasattr(est, "cv_results_"):
        snap["scores"] = est.cv_results_["mean_test_score"].copy()
        snap["P_"], snap["best"] = est.P_, id(est.best_estimator_)
    return snap


def _assert_same_snapshot(before, after):
    assert before.keys() == after.keys()
    for key in before["state"]:
        assert torch.equal(before["state"][key], after["state"][key]), key
    for key in before:
        if key not in ("state", "params"):
            np.testing.assert_array_equal(before[key], after[key], err_msg=key)


@pytest.mark.parametrize(
    "case",
    [pytest.param(case, id=f"{case.group}-{case.id}", marks=case.marks) for case in MORE_CASES],
)
def test_bad_input_beyond_the_matrix(context, case):
    if case.refits is None:
        with pytest.raises(case.error, match=case.match):
            case.call(context)
        return
    est = copy.deepcopy(context[case.refits])
    before = _refit_snapshot(est)
    params = est.get_params(deep=False)
    with pytest.raises(case.error, match=case.match):
        case.call(est)
    # Undo the row's own set_params (the user's doing, not the fit's), and only that:
    # setting skorch's module/optimizer parameters again would re-initialise the net.
    changed = {k: v for k, v in params.items() if est.get_params(deep=False)[k] is not v}
    est.set_params(**changed)
    _assert_same_snapshot(before, _refit_snapshot(est))


def test_more_case_count():
    groups = {}
    for case in MORE_CASES:
        groups[case.group] = groups.get(case.group, 0) + 1
    # Reported in the closing note; update both together.
    assert groups == {"forecaster": 22, "cv": 6, "metrics": 18, "transformers": 10,
                      "analysis": 16, "files": 26, "cli": 1}  # fmt: skip


# ---- model files under mutation (hypothesis) ------------------------------------------------
_FILE_PROPERTY = settings(
    max_examples=int(os.environ.get("SK_ALRNN_FILE_EXAMPLES", 60)),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(-3, 3), max_size=2),
)


def _json_paths(node, path=()):
    """Every place in a JSON document: dict keys and list positions."""
    yield path
    items = node.items() if type(node) is dict else enumerate(node) if type(node) is list else ()
    for key, child in items:
        yield from _json_paths(child, (*path, key))


@st.composite
def _json_edit(draw, document):
    """A copy of ``document`` with one node replaced (or removed)."""
    document = copy.deepcopy(document)
    path = draw(st.sampled_from(list(_json_paths(document))[1:]))
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and type(parent) is dict:
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(_JSON_VALUES)
    return document


@st.composite
def _tensor_edit(draw, arrays):
    """A copy of the tensors with one element changed, or one tensor resized."""
    arrays = {key: value.copy() for key, value in arrays.items()}
    key = draw(st.sampled_from(sorted(arrays)))
    value = arrays[key]
    if value.size == 0 or draw(st.booleans()):
        delta = 1 if value.size == 0 else draw(st.sampled_from([-1, 1]))
        arrays[key] = np.resize(value.reshape(-1), value.size + delta)
    else:
        flat = value.reshape(-1)
        index = draw(st.integers(0, value.size - 1))
        kind = value.dtype.kind
        new = draw(st.booleans() if kind == "b" else st.integers(-128, 127) if kind in "iu"
                   else st.floats(width=32, allow_nan=True, allow_infinity=True))  # fmt: skip
        flat[index] = np.array(new).astype(value.dtype)
    return arrays


@pytest.fixture(scope="module")
def original(context):
    """The shared model file's bytes, header and tensors, and the model's answers."""
    path = context["model_file"]
    header, arrays = _parts(path)
    clf = sk_alrnn.load(path)
    return {
        "bytes": path.read_bytes(),
        "header": header,
        "arrays": arrays,
        "proba": clf.predict_proba(context["X"]),
    }


def _loads_the_same_or_is_refused(path, original, X):
    try:
        loaded = sk_alrnn.load(path)
    except ValueError:
        return "refused"
    np.testing.assert_array_equal(loaded.predict_proba(X), original["proba"])
    return "same"


@_FILE_PROPERTY
@given(data=st.data(), kind=st.sampled_from(["byte", "truncate", "append", "prefix", "json",
                                             "tensor"]))  # fmt: skip
def test_a_damaged_file_is_refused_or_loads_the_same_model(context, original, tmp_path_factory,
                                                           data, kind):  # fmt: skip
    raw = bytearray(original["bytes"])
    path = tmp_path_factory.mktemp("damaged") / "m.safetensors"
    if kind == "byte":
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    elif kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    elif kind == "append":
        raw += data.draw(st.binary(min_size=1, max_size=16))
    elif kind == "prefix":
        raw[:8] = data.draw(st.integers(0, 2**64 - 1)).to_bytes(8, "little")
    path.write_bytes(bytes(raw))
    if kind in ("json", "tensor"):
        # Changed contents under the original checksum: what damage in transit looks like.
        header, arrays = original["header"], original["arrays"]
        if kind == "json":
            header = data.draw(_json_edit(header))
        else:
            arrays = data.draw(_tensor_edit(arrays))
        checksum = digest(json.dumps(original["header"]), original["arrays"])
        metadata = {"sk_alrnn": json.dumps(header), "sk_alrnn_sha256": checksum}
        save_file(arrays, str(path), metadata=metadata)
    _loads_the_same_or_is_refused(path, original, context["X"])


@_FILE_PROPERTY
@given(data=st.data(), kind=st.sampled_from(["json", "tensor"]))
def test_a_hostile_consistent_file_is_refused_or_loads_a_working_model(
    context, original, tmp_path_factory, data, kind
):
    # A hostile writer re-computes the checksum: the structural checks must hold alone.
    header, arrays = original["header"], original["arrays"]
    if kind == "json":
        header = data.draw(_json_edit(header))
    else:
        arrays = data.draw(_tensor_edit(arrays))
    path = _signed(tmp_path_factory.mktemp("hostile") / "m.safetensors", header, arrays)
    try:
        loaded = sk_alrnn.load(path)
    except ValueError:
        return
    assert type(loaded) is ALRNNClassifier
    X = context["X"]
    labels = loaded.predict(X)
    assert len(labels) == len(X) and set(labels) <= set(loaded.classes_)


_UNDER_A_MEMORY_LIMIT = r"""
import json, resource, sys, time
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import sk_alrnn
try:  # the limit bites: 2 GiB cannot be allocated in this process
    bytearray(2 * 2**30)
    bites = False
except MemoryError:
    bites = True
answers = {}
for name, path in json.loads(sys.argv[2]).items():
    start = time.perf_counter()
    try:
        sk_alrnn.load(path)
        answer = "loaded"
    except ValueError:
        answer = "ValueError"
    except MemoryError:
        answer = "MemoryError"
    answers[name] = [answer, time.perf_counter() - start]
print(json.dumps({"bites": bites, "answers": answers}))
"""


def test_huge_declarations_are_refused_without_the_allocation(context, tmp_path):
    import subprocess
    import sys

    valid = context["model_file"]
    files = {"valid": str(valid)}
    files["sparse_2GiB"] = str(_raw(tmp_path / "a", _huge(2 * _GiB + 8), size=2 * _GiB + 8))
    files["4KiB_declaring_3GiB"] = str(_raw(tmp_path / "b", _huge(3 * _GiB), b"\0" * 4096))
    tail = tmp_path / "c"
    tail.write_bytes(valid.read_bytes())
    os.truncate(tail, tail.stat().st_size + 2 * _GiB)  # sparse: no disk used
    files["valid_plus_2GiB_tail"] = str(tail)
    files["valid_plus_unnamed_1.25GiB"] = str(
        _with_unnamed_tensor(valid, tmp_path / "d", 5 * _GiB // 4)
    )
    limit = 3 * _GiB // 2  # importing sk_alrnn (torch included) fits in 1 GiB here
    child = subprocess.run(
        [sys.executable, "-c", _UNDER_A_MEMORY_LIMIT, str(limit), json.dumps(files)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if child.returncode != 0:
        pytest.skip(f"the child cannot run under RLIMIT_AS={limit}: {child.stderr[-300:]}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    assert result["bites"]
    answers = {name: answer for name, (answer, _) in result["answers"].items()}
    assert answers == {
        "valid": "loaded",
        "sparse_2GiB": "ValueError",
        "4KiB_declaring_3GiB": "ValueError",
        "valid_plus_2GiB_tail": "ValueError",
        "valid_plus_unnamed_1.25GiB": "ValueError",
    }
    # Refused from the header alone: milliseconds, not the 31 s a 2 GiB read took.
    assert max(seconds for name, (_, seconds) in result["answers"].items() if name != "valid") < 2
