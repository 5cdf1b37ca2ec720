"""The bad-input matrix: each malformed input or parameter gets a clear error or a correct result.

Each case is one row of ``CASES`` (id, estimators it applies to, stage, how to
break the input, expected answer).  Error rows run against an already fitted
estimator and check, besides the message, that the estimator is exactly as it
was (predictions, ``state_dict``, history length, ``regimes_``, ``classes_``).
Property tests (hypothesis) then draw shapes, dtypes, lengths and values.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sk_alrnn import ALRNNClassifier, ALRNNClassifierCV, ALRNNRegressor, ALRNNRegressorCV

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
