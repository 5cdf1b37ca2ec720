"""skorch callbacks shared by the estimator families."""

from __future__ import annotations

import copy

import torch
from skorch.callbacks import Callback

__all__ = ["LastFiniteWeights"]


class LastFiniteWeights(Callback):
    """Keeps the weights and optimizer state from the end of the last finite epoch.

    Used with ``on_divergence="restore"``: at the end of every epoch it raises
    ``FloatingPointError`` if a weight became NaN or infinite, and otherwise
    keeps a copy of the module's and the optimizer's state (``module_state_``,
    ``optimizer_state_``) and the number of epochs they belong to
    (``epochs_``).  Copying M*M floats per epoch is negligible next to the
    epoch itself.

    Examples
    --------
    >>> callback = LastFiniteWeights()
    >>> hasattr(callback, "module_state_")  # filled when training begins
    False
    """

    def on_train_begin(self, net, **kwargs):
        self._keep(net)

    def on_epoch_end(self, net, **kwargs):
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            raise FloatingPointError(
                f"{type(net).__name__} diverged: the weights became NaN or infinite "
                f"(epoch {len(net.history)})."
            )
        self._keep(net)

    def _keep(self, net):
        self.epochs_ = len(net.history)
        self.module_state_ = copy.deepcopy(net.module_.state_dict())
        self.optimizer_state_ = copy.deepcopy(net.optimizer_.state_dict())
