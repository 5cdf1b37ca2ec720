"""The dataset of the sequence nets: padded sequences, targets and loss weights."""

from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset

from ..utils import SequenceBatch, check_sample_weight, check_step_weights

__all__ = ["SequenceDataset", "loss_weights"]


class SequenceDataset(Dataset):
    """Validated, padded sequences with optional targets, as a torch Dataset.

    Item ``i`` is ``({"X": values[i], "lengths": lengths[i]}, y[i])``;
    skorch's ``infer`` passes the dict to ``module(X=..., lengths=...)``.
    Sample weights (per sequence, or per step), when given, ride along in the
    dict under ``"sample_weight"`` for ``get_loss``; the module never sees them.

    Parameters
    ----------
    batch : SequenceBatch
        Padded sequences (from :func:`sk_alrnn.utils.as_padded`).
    y : ndarray of shape (n_samples, ...) or None, default=None
        Encoded targets; None yields a placeholder 0.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_steps), or None
        Loss weights per sequence, or per step (per-step targets).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.utils import as_padded
    >>> dataset = SequenceDataset(as_padded([np.ones((2, 1)), np.ones((3, 1))]))
    >>> Xi, yi = dataset[0]
    >>> len(dataset), Xi["X"].shape, int(Xi["lengths"]), yi
    (2, (3, 1), 2, 0)
    """

    def __init__(self, batch: SequenceBatch, y=None, sample_weight=None):
        self.batch, self.y, self.sample_weight = batch, y, sample_weight

    def __len__(self) -> int:
        return len(self.batch)

    def __getitem__(self, i):
        Xi = {"X": self.batch.values[i], "lengths": self.batch.lengths[i]}
        if self.sample_weight is not None:
            Xi["sample_weight"] = self.sample_weight[i]
        return Xi, (0 if self.y is None else self.y[i])


def loss_weights(sample_weight, batch: SequenceBatch, sequence: bool) -> np.ndarray:
    """Validated loss weights scaled to mean 1: (n,), or (n, T_max) with 0 on padding.

    The mean is over the weighted elements (the valid steps for per-step
    targets), so all-ones weights reproduce the unweighted loss bit for bit.
    """
    if sequence:
        weights = check_step_weights(sample_weight, batch)
        return (weights / weights[batch.valid_mask()].mean()).astype(np.float32)
    weights = check_sample_weight(sample_weight, len(batch))
    return (weights / weights.mean()).astype(np.float32)
