"""A progress bar over epochs: epoch k of N, the training loss, time elapsed and left.

:class:`EpochBar` draws the bar (tqdm, on stderr); :class:`EpochProgressBar` is the skorch
callback that the estimators add when ``progress_bar=True`` (plain and forecaster fits),
and the batched sweep engine calls an :class:`EpochBar` once per epoch of its run.
skorch's own ``ProgressBar`` counts the batches of one epoch and starts again at every
epoch, so it never says how far the fit is.
"""

from __future__ import annotations

import math

from skorch.callbacks import Callback
from tqdm.auto import tqdm

__all__ = ["EpochBar", "EpochProgressBar"]

_FORMAT = "{desc}epoch {n_fmt}/{total_fmt} |{bar}| [{elapsed}<{remaining}{postfix}]"


class EpochBar:
    """A tqdm bar over ``n_epochs`` epochs that shows the latest loss.

    Parameters
    ----------
    n_epochs : int
        Epochs the run will take (the bar's total).
    desc : str, default=""
        Shown before the bar, e.g. the estimator's name.
    file : file-like, optional
        Where to draw; None is tqdm's default, stderr.

    Examples
    --------
    >>> import io
    >>> stream = io.StringIO()
    >>> bar = EpochBar(3, desc="fit", file=stream)
    >>> for loss in (0.9, 0.5, 0.2):
    ...     bar.update(loss)
    >>> bar.close()
    >>> "epoch 3/3" in stream.getvalue() and "loss=0.2" in stream.getvalue()
    True
    """

    def __init__(self, n_epochs: int, desc: str = "", file=None):
        self._bar = tqdm(
            total=n_epochs,
            desc=f"{desc}: " if desc else "",
            bar_format=_FORMAT,
            file=file,
            dynamic_ncols=True,
        )

    def update(self, loss: float | None = None) -> None:
        """One more epoch done; ``loss`` is its training loss (None or NaN: not shown)."""
        if loss is not None and math.isfinite(loss):
            self._bar.set_postfix_str(f"loss={loss:.4g}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        """Draw the final state and release the line."""
        self._bar.close()


class EpochProgressBar(Callback):
    """skorch callback: one :class:`EpochBar` per fit, advanced at every epoch's end.

    Parameters
    ----------
    file : file-like, optional
        Where to draw; None is tqdm's default, stderr.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn import ALRNNRegressor
    >>> X = np.random.RandomState(0).normal(size=(20, 5, 1))
    >>> y = X.sum(axis=(1, 2))
    >>> reg = ALRNNRegressor(M=4, P=1, max_epochs=2, progress_bar=True, random_state=0)
    >>> isinstance(dict(reg.fit(X, y).callbacks_)["progress_bar"], EpochProgressBar)
    True
    """

    def __init__(self, file=None):
        self.file = file

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.bar_ = EpochBar(net.max_epochs, desc=type(net).__name__, file=self.file)

    def on_epoch_end(self, net, **kwargs):
        self.bar_.update(net.history[-1].get("train_loss"))

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.bar_.close()
        self.bar_ = None  # a fitted net stays picklable (a tqdm bar holds its stream)
