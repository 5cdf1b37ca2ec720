"""The benchmark tasks by name: one registry for the command line and the studies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..utils import RandomStateLike
from ._mnist1d import load_mnist1d
from ._neurogym import load_neurogym
from ._tasks import (
    make_addition,
    make_contextual_integration,
    make_copy_memory,
    make_evidence_integration,
)

__all__ = ["TASKS", "Task"]

# The NeuroGym mix: one task of each Yang19 family (per-step labels).
_NEUROGYM_MIX = ("go", "anti", "dm1", "dms")


def _mnist1d(n_samples: int, n_steps: int, *, random_state: RandomStateLike = None):
    """MNIST-1D (extra [mnist1d]); its sequences always have 40 steps."""
    return load_mnist1d(n_samples=n_samples, random_state=random_state)


def _neurogym(n_samples: int, n_steps: int, *, random_state: RandomStateLike = None):
    """The NeuroGym mix (extra [neurogym]), trials shuffled: the loader returns task blocks."""
    per_task = max(1, n_samples // len(_NEUROGYM_MIX))
    X, y = load_neurogym(_NEUROGYM_MIX, per_task, random_state=random_state)
    order = np.random.RandomState(random_state).permutation(len(X))
    return [X[i] for i in order], [y[i] for i in order]


@dataclass(frozen=True)
class Task:
    """A benchmark task: how to make it, and what kind of target it has.

    Attributes
    ----------
    make : callable
        ``make(n_samples, n_steps, random_state=..., **options) -> (X, y)``.
    regression : bool
        True for real-valued targets (a regressor), False for labels.
    description : str
        One line: what the task tests.

    Examples
    --------
    >>> X, y = TASKS["addition"].make(8, 10, random_state=0)
    >>> len(X), TASKS["addition"].regression
    (8, True)
    """

    make: Callable
    regression: bool
    description: str


TASKS: dict[str, Task] = {
    "addition": Task(make_addition, True, "sum of the two marked numbers (memory, sums)"),
    "copy_memory": Task(make_copy_memory, False, "recall the first symbol after a delay (memory)"),
    "contextual_integration": Task(
        make_contextual_integration, False, "integrate the cued one of two noisy streams"
    ),
    "evidence_integration": Task(
        make_evidence_integration, False, "sign of the summed token valences (sentiment-like)"
    ),
    "mnist1d": Task(_mnist1d, False, "MNIST-1D digits, 40 steps (extra [mnist1d])"),
    "neurogym": Task(
        _neurogym,
        False,
        f"NeuroGym Yang19 mix {', '.join(_NEUROGYM_MIX)}, per-step labels (extra [neurogym])",
    ),
}
