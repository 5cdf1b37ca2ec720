"""Former home of the validation layer, kept so existing imports keep working.

The checks now live in :mod:`sk_alrnn.utils` (``_params``: hyper-parameters
and the message template; ``_sequences``: the sequence parser; ``_targets``:
targets and weights).  New code imports from ``sk_alrnn.utils``.
"""

from ._constraints import check_training_params
from ._params import (
    check_device,
    check_option,
    check_param,
    check_sizes,
    input_error,
)
from ._sequences import SequenceBatch, as_padded, check_finite, unpad
from ._sequences import numeric_array as _numeric_array
from ._sequences import reject_sparse as _reject_sparse
from ._sequences import split_list as _split_list
from ._targets import (
    check_n_samples,
    check_regression_targets,
    check_sample_weight,
    check_sequence_targets,
    check_step_labels,
    check_step_weights,
    check_y_present,
)

__all__ = [
    "SequenceBatch",
    "as_padded",
    "check_device",
    "check_finite",
    "check_n_samples",
    "check_option",
    "check_param",
    "check_regression_targets",
    "check_sample_weight",
    "check_sequence_targets",
    "check_sizes",
    "check_step_labels",
    "check_step_weights",
    "check_training_params",
    "check_y_present",
    "input_error",
    "unpad",
    "_numeric_array",
    "_reject_sparse",
    "_split_list",
]
