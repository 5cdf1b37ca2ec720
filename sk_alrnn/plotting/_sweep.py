"""Plot of a sweep over P; matplotlib is imported inside the function."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._regimes import _axes

__all__ = ["plot_P_sweep"]


def plot_P_sweep(result: Any, ax: Any | None = None) -> Any:
    """Mean cross-validated score +- one standard error against P, marking the chosen P.

    Failed candidates (NaN scores) are left out; the dashed line is the best
    finite score minus its standard error, the threshold of the
    one-standard-error rule.

    Parameters
    ----------
    result : PSweepResult
        From :func:`sk_alrnn.model_selection.sweep_P`.
    ax : matplotlib Axes, default=None
        Axes to draw on; None makes a new figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sk_alrnn.model_selection import sweep_P
    >>> X = np.random.RandomState(0).normal(size=(40, 3))
    >>> result = sweep_P(Ridge(), X, X[:, 0], [1, 2, 4], param_name="alpha")
    >>> ax = plot_P_sweep(result)
    >>> [tick for tick in ax.get_xticks() if 1 <= tick <= 4] == [1, 2, 3, 4]
    True
    """
    from matplotlib.ticker import MaxNLocator

    ax = _axes(ax)
    rows = [row for row in result.table if np.isfinite(row["mean_score"])]
    P = np.array([row["P"] for row in rows])
    mean = np.array([row["mean_score"] for row in rows])
    sem = np.array([row["sem_score"] for row in rows])
    ax.errorbar(P, mean, yerr=sem, marker="o", capsize=3, label="mean CV score +- 1 SE")
    best = int(np.flatnonzero(P == result.best_P)[np.argmax(mean[P == result.best_P])])
    ax.axhline(mean[best] - sem[best], color="gray", linestyle="--", label="best - 1 SE")
    ax.axvline(result.minimal_P, color="C3", linestyle=":", label=f"chosen P = {result.minimal_P}")
    if all(float(value).is_integer() for value in P):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"{result.param_name} (number of ReLU units)")
    ax.set_ylabel("cross-validated score")
    ax.legend()
    return ax
