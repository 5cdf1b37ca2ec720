"""Validation and input parsing shared by every layer (numpy and scikit-learn only).

What other layers may import (they import it from ``sk_alrnn.utils``, never
from a private module of this package):

* hyper-parameters and messages (``_params``): :func:`input_error`,
  :func:`check_param`, :func:`check_option`, :func:`check_sizes`,
  :func:`check_device`, :func:`check_training_params`;
* the sequence parser (``_sequences``): :func:`parse_sequences` (every input
  convention, once), :func:`check_n_features` (the one "X has N features"
  message), :class:`SequenceBatch`, :func:`as_padded`, :func:`unpad`, :func:`check_finite`,
  :func:`numeric_array`, :func:`reject_sparse`, :func:`split_list`,
  :func:`pad_items`;
* declarative parameter tables (``_constraints``): :class:`Interval`,
  :class:`Options`, :func:`parameter_constraints`,
  :func:`validate_parameter_constraints`, ``TRAINING_CONSTRAINTS``;
* targets and weights (``_targets``): ``check_*`` for labels, regression
  and per-step targets, and sample weights;
* token input (``_tokens``): :func:`check_embedding`, :func:`check_token_ids`;
* forecaster trajectories (``_trajectories``): :class:`Trajectories`,
  :func:`check_trajectories`.
"""

from ._constraints import (
    TRAINING_CONSTRAINTS,
    Interval,
    Options,
    check_training_params,
    parameter_constraints,
    validate_parameter_constraints,
)
from ._params import (
    RandomStateLike,
    check_device,
    check_option,
    check_param,
    check_sizes,
    input_error,
)
from ._sequences import (
    ParsedSequences,
    SequenceBatch,
    as_padded,
    check_finite,
    check_n_features,
    numeric_array,
    pad_items,
    parse_sequences,
    reject_sparse,
    split_list,
    unpad,
)
from ._targets import (
    check_n_samples,
    check_regression_targets,
    check_sample_weight,
    check_sequence_targets,
    check_step_labels,
    check_step_weights,
    check_y_present,
    is_per_sequence_list,
)
from ._tokens import check_embedding, check_token_ids
from ._trajectories import Trajectories, check_trajectories

__all__ = [
    "TRAINING_CONSTRAINTS",
    "Interval",
    "Options",
    "ParsedSequences",
    "RandomStateLike",
    "SequenceBatch",
    "Trajectories",
    "as_padded",
    "check_device",
    "check_embedding",
    "check_finite",
    "check_n_features",
    "check_n_samples",
    "check_option",
    "check_param",
    "check_regression_targets",
    "check_sample_weight",
    "check_sequence_targets",
    "check_sizes",
    "check_step_labels",
    "check_step_weights",
    "check_token_ids",
    "check_trajectories",
    "check_training_params",
    "check_y_present",
    "input_error",
    "is_per_sequence_list",
    "numeric_array",
    "parameter_constraints",
    "parse_sequences",
    "pad_items",
    "reject_sparse",
    "split_list",
    "unpad",
    "validate_parameter_constraints",
]
