"""What the sktime and aeon adapters share: panel conversion and the delegating estimator."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["_Adapter", "panel_to_sequences"]


def panel_to_sequences(X: Any):
    """Convert a panel in (n, channels, T) layout into the layout of the estimators.

    Parameters
    ----------
    X : ndarray of shape (n, channels, T), or list
        sktime's / aeon's ``numpy3D``; a list of ``(channels, T_i)`` arrays
        (aeon's ``np-list``); or a list of ``(T_i, channels)`` DataFrames
        (sktime's ``df-list``).

    Returns
    -------
    X_seq : ndarray of shape (n, T, channels), or list of (T_i, channels) arrays

    Examples
    --------
    >>> import numpy as np
    >>> panel_to_sequences(np.zeros((4, 2, 9))).shape
    (4, 9, 2)
    >>> [x.shape for x in panel_to_sequences([np.zeros((2, 5)), np.zeros((2, 7))])]
    [(5, 2), (7, 2)]
    """
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise ValueError(f"A panel array must be (n, channels, T); got shape {X.shape}.")
        return X.transpose(0, 2, 1)
    # DataFrames (df-list) are time-major already; arrays (np-list) are channel-first.
    return [item.to_numpy() if hasattr(item, "to_numpy") else np.asarray(item).T for item in X]


class _Adapter:
    """Builds and calls the wrapped scikit-learn estimator."""

    _estimator_class = None

    def __init__(
        self,
        M=16,
        P=2,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        random_state=None,
        net_params=None,
    ):
        self.M = M
        self.P = P
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.random_state = random_state
        self.net_params = net_params
        super().__init__()

    def _fit(self, X, y):
        self.estimator_ = self._estimator_class(
            M=self.M,
            P=self.P,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            random_state=self.random_state,
            **(self.net_params or {}),
        ).fit(panel_to_sequences(X), y)
        return self

    def _predict(self, X):
        return self.estimator_.predict(panel_to_sequences(X))

    @classmethod
    def get_test_params(cls, parameter_set="default"):
        """Small, seeded settings for sktime's own estimator checks."""
        return [
            {"M": 4, "P": 1, "max_epochs": 3, "lr": 1e-2, "random_state": 0},
            {"M": 3, "P": 0, "max_epochs": 2, "random_state": 1},
        ]
