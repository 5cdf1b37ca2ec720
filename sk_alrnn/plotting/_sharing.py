"""Heat map of regime occupancy per task; matplotlib is imported inside the function."""

from __future__ import annotations

import numpy as np

from ..analysis import TaskRegimeSharing
from ._regimes import _axes

__all__ = ["plot_task_regime_sharing"]


def plot_task_regime_sharing(
    result: TaskRegimeSharing, n_regimes: int | None = 20, cluster: bool = True, ax=None
):
    """Heat map of each task's regime occupancy, tasks clustered by shared regimes.

    Rows are tasks (in ``result.cluster_order()`` when ``cluster``), columns
    the regimes some task uses (occupancy >= ``result.threshold``), those
    used by most tasks first; a shared motif shows as a column lit in many
    rows.

    Parameters
    ----------
    result : TaskRegimeSharing
        From :func:`sk_alrnn.analysis.task_regime_sharing`.
    n_regimes : int or None, default=20
        Show at most this many regimes (None: all used ones).
    cluster : bool, default=True
        Order tasks by average-linkage clustering of ``1 - sharing``.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.analysis import task_regime_sharing
    >>> codes = [np.array([[0], [1]], bool), np.array([[1], [1]], bool)]
    >>> ax = plot_task_regime_sharing(task_regime_sharing(codes, ["a", "b"]))
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    ax = _axes(ax)
    rows = result.cluster_order() if cluster else np.arange(len(result.tasks))
    used = np.flatnonzero(result.used.any(axis=0))
    # Most widely shared first, then the most occupied overall.
    key = np.lexsort((-result.occupancy[:, used].sum(axis=0), -result.n_tasks_per_regime[used]))
    columns = used[key][:n_regimes]
    image = ax.imshow(
        result.occupancy[np.ix_(rows, columns)], aspect="auto", cmap="viridis", vmin=0
    )
    ax.figure.colorbar(image, ax=ax, label="fraction of the task's steps")
    ax.set_yticks(np.arange(len(rows)), [str(t) for t in result.tasks[rows]])
    ax.set_xticks(np.arange(len(columns)), [f"R{r}" for r in columns], rotation=90)
    ax.set_xlabel("regime (most widely shared first)")
    ax.set_title(
        f"Regime occupancy per task (P={result.codes.shape[1]}, "
        f"mean sharing {result.mean_sharing:.2f})"
    )
    return ax
