"""Torch kernels and modules: the AL-RNN recurrence, its batched form, and the modules.

What other layers may import (from ``sk_alrnn.nn``):

* the kernels: :func:`alrnn_scan` and :class:`Forcing` (``_scan``), and the
  batched form :func:`batched_scan`, :func:`relu_mask`, :func:`step_matrix`
  (``_batched_scan``); :func:`grouped_scan`, K forced networks at once
  (``_grouped_scan``);
* the modules: :class:`ALRNNModule` (``_module``) and :class:`DSRModule` with
  its numpy helpers :func:`lift64`, :func:`run`, :func:`run_weights`,
  :func:`run_last`, :func:`diverged_to_nan`, and :class:`DSRStack` (several
  DSR networks trained as one) (``_dsr_module``).
"""

from ._batched_scan import batched_scan, relu_mask, step_matrix
from ._dsr_module import (
    DSRModule,
    DSRStack,
    diverged_to_nan,
    lift64,
    run,
    run_last,
    run_weights,
)
from ._grouped_scan import grouped_scan
from ._module import ALRNNModule
from ._scan import Forcing, alrnn_scan

__all__ = [
    "ALRNNModule",
    "DSRModule",
    "DSRStack",
    "Forcing",
    "alrnn_scan",
    "batched_scan",
    "diverged_to_nan",
    "grouped_scan",
    "lift64",
    "relu_mask",
    "run",
    "run_last",
    "run_weights",
    "step_matrix",
]
