"""Training windows for dynamical-systems reconstruction: sampling with replacement, noise.

A window is L + 1 consecutive observations ``X_i[s : s+L+1]``; every valid pair (i, s),
0 <= s <= T_i - L - 1, is one item of :class:`Windows`.  An epoch draws
``batch_size * batches_per_epoch`` items uniformly with replacement
(:func:`window_loader`), and each batch gets fresh Gaussian noise on the whole window
(:class:`NoisyWindows`), as the reference implementation does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, RandomSampler

__all__ = ["NoisyWindows", "Windows", "window_loader"]


class Windows(Dataset):
    """Window starts into the concatenated trajectories (float32); a window is L + 1 rows.

    Parameters
    ----------
    trajectories : sequence of ndarray of shape (T_i, N)
        Each with T_i >= length + 1.
    length : int
        L, the predicted steps per window.

    Examples
    --------
    >>> import numpy as np
    >>> windows = Windows([np.zeros((5, 2)), np.zeros((4, 2))], length=2)
    >>> len(windows), windows.starts.tolist()
    (5, [0, 1, 2, 5, 6])
    """

    def __init__(self, trajectories: Sequence[np.ndarray], length: int):
        lengths = [len(x) for x in trajectories]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        starts = [off + np.arange(T - length) for off, T in zip(offsets, lengths)]
        self.data = torch.as_tensor(np.concatenate(trajectories), dtype=torch.float32)
        self.starts = torch.as_tensor(np.concatenate(starts))
        self.length = length

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, k):
        return self.starts[k]


class NoisyWindows:
    """collate_fn: the windows of a batch of starts (B, L + 1, N), plus noise * N(0, I)."""

    def __init__(self, windows: Windows, noise: float, generator: torch.Generator | None):
        self.windows, self.noise, self.generator = windows, noise, generator

    def __call__(self, starts):
        w = self.windows
        rows = torch.stack(starts)[:, None] + torch.arange(w.length + 1)
        batch = w.data[rows]
        if self.noise > 0:
            batch = batch + self.noise * torch.randn(batch.shape, generator=self.generator)
        return batch, torch.zeros(len(batch))  # skorch wants a y; the loss ignores it


def window_loader(
    windows: Windows,
    batch_size: int,
    n_batches: int,
    noise: float,
    generator: torch.Generator | None,
) -> DataLoader:
    """An epoch of ``n_batches`` batches drawn uniformly with replacement.

    The loader's own generator is ``generator`` too: it draws a base seed per
    epoch, which would otherwise advance torch's global RNG.
    """
    sampler = RandomSampler(
        windows,
        replacement=True,
        num_samples=batch_size * n_batches,
        generator=generator,
    )
    return DataLoader(
        windows,
        batch_size=batch_size,
        sampler=sampler,
        generator=generator,
        collate_fn=NoisyWindows(windows, noise, generator),
    )
