"""Sequence datasets for AL-RNN benchmarks: synthetic tasks, chaotic flows, real data.

numpy and scipy only (no torch). Every generator takes ``random_state``.
"""

from ._dynamical import make_forecasting_windows, make_lorenz63, make_roessler
from ._fsdd import load_fsdd
from ._mnist1d import load_mnist1d
from ._neurogym import YANG19_TASKS, load_neurogym
from ._real import load_digits_sequences, load_ucr
from ._registry import TASKS, Task
from ._scan_commands import decode_scan, encode_scan, generate_scan, load_scan
from ._sst2 import load_sst2
from ._tasks import (
    make_addition,
    make_contextual_integration,
    make_copy_memory,
    make_evidence_integration,
)

__all__ = [
    "TASKS",
    "Task",
    "YANG19_TASKS",
    "decode_scan",
    "encode_scan",
    "generate_scan",
    "load_digits_sequences",
    "load_fsdd",
    "load_mnist1d",
    "load_neurogym",
    "load_scan",
    "load_sst2",
    "load_ucr",
    "make_addition",
    "make_contextual_integration",
    "make_copy_memory",
    "make_evidence_integration",
    "make_forecasting_windows",
    "make_lorenz63",
    "make_roessler",
]
