"""Input conventions for dynamical-systems reconstruction: X -> list of (T_i, N) trajectories.

These differ from the classifier/regressor's (``_sequences``): a 2-D array is ONE
trajectory (T, N), not n univariate sequences, because the data are a
recording.  Accepted:

* ``(T, N)`` -- one trajectory;  ``(T,)`` -- one univariate trajectory;
* ``(n, T, N)`` -- n trajectories of equal length;
* a list of ``(T_i, N)`` or ``(T_i,)`` arrays -- trajectories of different lengths.

numpy only: the metrics use it too.  Every input error is a ValueError that
says what was expected and what was got, raised before any estimator state
changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._params import input_error
from ._sequences import check_finite, check_n_features, numeric_array, reject_sparse

__all__ = ["Trajectories", "check_trajectories"]


@dataclass
class Trajectories:
    """Validated trajectories and how to give outputs back in the input's form.

    Attributes
    ----------
    items : list of ndarray of shape (T_i, N), float64
    form : {"1d", "2d", "3d", "list"}
        The input's convention.
    flat : list of bool
        For list input, which items were 1-D (univariate, shape (T_i,)).
    """

    items: list[np.ndarray]
    form: str
    flat: list[bool]

    @property
    def n_features(self) -> int:
        return self.items[0].shape[1]

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(item) for item in self.items], dtype=np.int64)

    def restore(self, outputs: list[np.ndarray], *, squeeze: bool = True) -> Any:
        """Per-trajectory outputs (T_i, k) in the input's form.

        With ``squeeze``, 1-D inputs give 1-D outputs (``predict``); without,
        the feature axis stays (``latent_states``, ``regime_codes``).
        """
        if self.form == "list":
            return [o[:, 0] if squeeze and flat else o for o, flat in zip(outputs, self.flat)]
        if self.form == "3d":
            return np.stack(outputs)
        return outputs[0][:, 0] if squeeze and self.form == "1d" else outputs[0]


def check_trajectories(
    X: Any,
    *,
    n_features: int | None = None,
    estimator_name: str = "This estimator",
) -> Trajectories:
    """Validate X and return its trajectories as float64 (T_i, N) arrays.

    Parameters
    ----------
    X : array of shape (T,), (T, N) or (n, T, N), or list of (T_i, N) or (T_i,) arrays
    n_features : int, optional
        N seen at fit; a different N raises ValueError (the message says "features").
    estimator_name : str
        Used in error messages.

    Returns
    -------
    trajectories : Trajectories

    Examples
    --------
    >>> import numpy as np
    >>> traj = check_trajectories(np.zeros((50, 3)))
    >>> traj.form, len(traj.items), traj.n_features
    ('2d', 1, 3)
    >>> check_trajectories([np.zeros(4), np.zeros(6)]).lengths.tolist()
    [4, 6]
    """
    reject_sparse(X, estimator_name)
    if isinstance(X, (list, tuple)):
        if len(X) == 0:
            raise input_error("X", "hold at least 1 trajectory", "an empty list")
        arrays = [numeric_array(item, "X[i]") for item in X]
        bad = [a.ndim for a in arrays if a.ndim not in (1, 2)]
        if bad:
            raise input_error(
                "A list X",
                "hold trajectories of shape (T_i, n_features) or (T_i,)",
                f"an item with ndim={bad[0]}",
            )
        flat = [a.ndim == 1 for a in arrays]
        items, form = [a[:, None] if a.ndim == 1 else a for a in arrays], "list"
        widths = sorted({item.shape[1] for item in items})
        if len(widths) > 1:
            raise input_error("All trajectories in X", "have the same number of features", widths)
    else:
        array = numeric_array(X, "X")
        if array.ndim not in (1, 2, 3):
            raise input_error(
                "X",
                "be one trajectory of shape (n_steps, n_features) or (n_steps,), "
                "n trajectories of shape (n, n_steps, n_features), or a list of trajectories",
                f"an array with ndim={array.ndim} and shape {array.shape}",
            )
        form = {1: "1d", 2: "2d", 3: "3d"}[array.ndim]
        items = {
            1: lambda: [array[:, None]],
            2: lambda: [array],
            3: lambda: list(array),
        }[array.ndim]()
        flat = [array.ndim == 1] * len(items)
    _check_nonempty(items, X)
    items = [np.ascontiguousarray(item, dtype=np.float64) for item in items]
    for item in items:
        check_finite(item, "X")
    check_n_features(items[0].shape[1], n_features, estimator_name)
    return Trajectories(items, form, flat)


def _check_nonempty(items: list[np.ndarray], X: Any) -> None:
    shape = getattr(X, "shape", None)
    if not items:
        raise input_error("X", "hold at least 1 trajectory", f"an empty array of shape {shape}")
    for i, item in enumerate(items):
        if item.shape[0] == 0 or item.shape[1] == 0:
            raise input_error(
                "Every trajectory in X",
                "have at least 1 step and 1 feature",
                f"an empty trajectory {i} of shape {item.shape}",
            )
