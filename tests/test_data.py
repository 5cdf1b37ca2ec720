"""Input conventions and their errors (sk_alrnn.utils: the one sequence parser)."""

import numbers

import numpy as np
import pytest
import scipy.sparse

from sk_alrnn.utils import (
    as_padded,
    check_option,
    check_param,
    check_regression_targets,
    check_sample_weight,
    check_sequence_targets,
    unpad,
)


def test_three_d_array_passes_through_as_float32():
    X = np.arange(24, dtype=np.int64).reshape(2, 4, 3)
    batch = as_padded(X)
    assert batch.values.dtype == np.float32 and batch.values.shape == (2, 4, 3)
    assert batch.lengths.tolist() == [4, 4] and not batch.ragged
    np.testing.assert_array_equal(batch.values, X)


def test_two_d_array_is_univariate():
    batch = as_padded(np.ones((5, 7)))
    assert batch.values.shape == (5, 7, 1) and batch.n_features == 1


def test_list_of_equal_rows_is_two_d_convention():
    batch = as_padded([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert batch.values.shape == (2, 3, 1) and not batch.ragged


def test_ragged_list_is_padded_and_unpadded():
    X = [np.ones((3, 2)), 2 * np.ones((5, 2))]
    batch = as_padded(X)
    assert batch.values.shape == (2, 5, 2) and batch.lengths.tolist() == [3, 5]
    assert np.all(batch.values[0, 3:] == 0)
    back = unpad(batch.values, batch)
    assert [b.shape for b in back] == [(3, 2), (5, 2)]
    univariate = as_padded([np.ones(2), np.ones(4)])
    assert univariate.ragged and univariate.values.shape == (2, 4, 1)


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.ones(4), ValueError, "Reshape your data"),
        (np.ones((2, 3, 4, 5)), ValueError, "ndim=4"),
        (np.ones((0, 3, 2)), ValueError, "0 sample"),
        (np.ones((3, 0)), ValueError, "0 feature"),
        ([], ValueError, "empty"),
        ([np.ones((3, 2)), np.ones((0, 2))], ValueError, "sequence 1 is empty"),
        ([np.ones((3, 2)), np.ones((4, 3))], ValueError, "same number of features"),
        ([np.ones((3, 2)), np.ones((4, 2, 1))], ValueError, "2-D arrays"),
        (np.array([[np.nan, 1.0]]), ValueError, "NaN or infinity"),  # trailing NaN: padding
        ([np.ones((2, 1)), np.array([[np.inf]])], ValueError, "NaN or infinity"),
        (np.ones((2, 3)) * 1j, ValueError, "Complex"),
        (np.array([["a", "b"]]), ValueError, "must hold numbers"),
        (scipy.sparse.csr_matrix(np.ones((2, 3))), TypeError, "sparse"),
    ],
)
def test_bad_inputs_say_what_is_wrong(X, error, match):
    with pytest.raises(error, match=match):
        as_padded(X)


def test_feature_count_checked_against_fit():
    with pytest.raises(ValueError, match="X has 3 features, but Est is expecting 2"):
        as_padded(np.ones((1, 4, 3)), n_features=2, estimator_name="Est")


def test_sequence_targets_are_padded_like_X():
    batch = as_padded([np.ones((2, 1)), np.ones((3, 1))])
    y = check_sequence_targets([np.ones(2), np.ones(3)], batch)
    assert y.shape == (2, 3, 1) and y[0, 2, 0] == 0
    with pytest.raises(ValueError, match="as many steps"):
        check_sequence_targets([np.ones(2), np.ones(4)], batch)
    regular = as_padded(np.ones((2, 3, 1)))
    with pytest.raises(ValueError, match="do not match"):
        check_sequence_targets(np.ones((2, 4, 1)), regular)


# ---- scalar parameters and targets: one message template ---------------------------
@pytest.mark.parametrize(
    "value, kwargs, match",
    [
        (True, {}, r"The 'k' parameter of f must be an int >= 1. Got True instead."),
        (1.5, {}, r"must be an int >= 1. Got 1.5 instead."),
        (float("nan"), {"target_type": numbers.Real}, r"must be a real number >= 1. Got nan"),
        (5, {"max_val": 4}, r"must be an int in \[1, 4\]. Got 5 instead."),
        (1, {"include_boundaries": "neither"}, r"must be an int > 1. Got 1 instead."),
    ],
)
def test_check_param_says_what_expected_and_got(value, kwargs, match):
    with pytest.raises(ValueError, match=match):
        check_param(value, "k", "f", **{"min_val": 1, **kwargs})


def test_check_option_lists_the_options():
    with pytest.raises(ValueError, match=r"must be one of \['a', 'b'\]. Got 'c' instead."):
        check_option("c", "mode", "f", ["a", "b"])


def test_regression_targets_and_sample_weights_are_checked():
    batch = as_padded(np.zeros((3, 4)))
    assert check_regression_targets(np.arange(3), batch).shape == (3, 1)
    with pytest.raises(ValueError, match=r"have shape \(n,\), \(n, k\) or \(n, T, k\)"):
        check_regression_targets(np.float64(1.0), batch)
    with pytest.raises(ValueError, match="hold numbers"):
        check_regression_targets(np.array(["a", "b", "c"]), batch)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        check_regression_targets(np.zeros(2), batch)
    assert check_sample_weight(2.0, 3).tolist() == [2.0, 2.0, 2.0]
    with pytest.raises(ValueError, match=r"1-D array of 3 weights .* Got shape \(2,\)"):
        check_sample_weight(np.ones(2), 3)


# ---- NaN-padded arrays and the one parser -------------------------------------------
def test_trailing_all_nan_steps_are_padding():
    X = np.arange(24, dtype=np.float64).reshape(2, 4, 3)
    X[0, 2:] = np.nan
    batch = as_padded(X)
    assert batch.lengths.tolist() == [2, 4] and not batch.ragged
    np.testing.assert_array_equal(batch.values[0, 2:], 0.0)
    np.testing.assert_array_equal(batch.values[1], X[1])
    assert np.isnan(X[0, 2:]).all()  # the caller's array is left alone
    unpadded = unpad(np.ones((2, 4, 1)), batch)
    assert np.isnan(unpadded[0, 2:]).all() and (unpadded[0, :2] == 1).all()


@pytest.mark.parametrize(
    "where",
    [(0, 1, slice(None)), (0, 3, 0)],  # NaN inside a sequence; NaN in one feature only
    ids=["inside", "partial-step"],
)
def test_nan_that_is_not_trailing_padding_is_an_error(where):
    X = np.ones((2, 4, 3))
    X[where] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        as_padded(X)


def test_an_all_nan_sequence_is_an_error():
    X = np.ones((2, 4, 1))
    X[1] = np.nan
    with pytest.raises(ValueError, match="sequence 1 is NaN at every step"):
        as_padded(X)


def test_every_parser_says_features_the_same_way():
    from sk_alrnn.preprocessing._sequences import check_sequences
    from sk_alrnn.utils import check_trajectories

    message = "^X has 3 features, but Est is expecting 2 features as input.$"
    X = np.ones((2, 5, 3))
    for parse in (as_padded, check_sequences, check_trajectories):
        with pytest.raises(ValueError, match=message):
            parse(X, n_features=2, estimator_name="Est")
