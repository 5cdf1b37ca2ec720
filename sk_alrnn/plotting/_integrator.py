"""States projected on an integrator mode, coloured by label (matplotlib imported lazily)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._regimes import _axes

__all__ = ["plot_integrator_projection"]


def plot_integrator_projection(
    states: Sequence[np.ndarray],
    labels,
    direction,
    *,
    kind: str = "trajectories",
    label_names: Sequence[str] | None = None,
    max_sequences: int | None = 200,
    ax=None,
):
    """Each sequence's states projected on one direction (e.g. an integrator mode), by label.

    An integrator shows as trajectories that drift apart step by step, one
    class up and the other down, and as final projections that separate.

    Parameters
    ----------
    states : array of shape (n, T, M), or list of (T_i, M) arrays
        Latent states, e.g. ``est.latent_states(X)``.
    labels : array-like of shape (n,)
        One label per sequence (colours, in sorted label order).
    direction : array-like of shape (M,)
        E.g. ``integrator_mode(system).eigenvector``; used at unit norm.
    kind : {"trajectories", "final"}, default="trajectories"
        Projection against the step, one line per sequence; or histograms
        of each sequence's final projection.
    label_names : list of str, optional
        Legend names per sorted label (default: the labels).
    max_sequences : int or None, default=200
        Draw at most this many trajectories per label (the first ones).
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.random.default_rng(0).normal(size=(6, 5, 3)).cumsum(axis=1)
    >>> ax = plot_integrator_projection(Z, [0, 1, 0, 1, 0, 1], [1.0, 0.0, 0.0])
    >>> len(ax.lines)
    6
    >>> ax = plot_integrator_projection(Z, [0, 1, 0, 1, 0, 1], [1.0, 0.0, 0.0], kind="final")
    >>> len(ax.get_legend().get_texts())
    2
    """
    ax = _axes(ax)
    unit = np.asarray(direction, dtype=np.float64)
    unit = unit / np.linalg.norm(unit)
    projections = [np.asarray(z, dtype=np.float64) @ unit for z in states]
    labels = np.asarray(labels)
    classes = np.unique(labels)
    names = [str(c) for c in classes] if label_names is None else list(label_names)
    colours = [f"C{i}" for i in range(len(classes))]
    for cls, name, colour in zip(classes, names, colours):
        members = np.flatnonzero(labels == cls)
        if kind == "final":
            finals = [projections[i][-1] for i in members]
            ax.hist(finals, bins=30, alpha=0.5, color=colour, label=name)
            continue
        for k, i in enumerate(members[:max_sequences]):
            steps = np.arange(1, len(projections[i]) + 1)
            ax.plot(steps, projections[i], color=colour, alpha=0.3, lw=0.8,
                    label=name if k == 0 else None)  # fmt: skip
    if kind == "final":
        ax.set_xlabel("final state on the mode")
        ax.set_ylabel("sequences")
    else:
        ax.set_xlabel("step")
        ax.set_ylabel("state on the mode")
    ax.legend()
    return ax
