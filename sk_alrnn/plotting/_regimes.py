"""Plots of regime analyses; matplotlib is imported inside each function (optional dependency)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..analysis import (
    RegimeSpectrum,
    RegimeSummary,
    format_code,
    pca_project,
    transition_probabilities,
)

__all__ = [
    "plot_eigenvalues",
    "plot_latent_trajectory",
    "plot_regime_occupancy",
    "plot_transitions",
]


def _axes(ax, projection: str | None = None):
    """The given Axes, or a new figure's (3-D when asked)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot(projection=projection)


def _code_labels(codes: np.ndarray) -> list:
    return [f"R{i} [{format_code(code)}]" for i, code in enumerate(codes)]


def plot_regime_occupancy(summary: RegimeSummary, n_regimes: int | None = None, ax=None):
    """Bar chart of the fraction of steps spent in each regime.

    Parameters
    ----------
    summary : RegimeSummary
    n_regimes : int, optional
        Show only the most frequent ones.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sk_alrnn.analysis import regime_summary
    >>> ax = plot_regime_occupancy(regime_summary([[[1], [0], [0]]]))
    >>> len(ax.patches)
    2
    """
    ax = _axes(ax)
    n = summary.n_regimes if n_regimes is None else min(n_regimes, summary.n_regimes)
    ax.bar(np.arange(n), summary.frequencies[:n], color="C0")
    ax.set_xticks(np.arange(n), _code_labels(summary.codes[:n]), rotation=45, ha="right")
    ax.set_ylabel("fraction of steps")
    ax.set_title("Regime occupancy")
    return ax


def plot_latent_trajectory(
    states: np.ndarray | Sequence[np.ndarray],
    regimes: Sequence[np.ndarray] | None = None,
    n_components: int = 2,
    max_sequences: int = 50,
    ax=None,
):
    """Latent trajectories projected on their first 2 or 3 principal components, coloured by regime.

    Parameters
    ----------
    states : array of shape (n, T, M), or list of (T_i, M) arrays
    regimes : list of int arrays of shape (T_i,), optional
        Regime index of each step (from ``regime_sequences``); one colour each.
    n_components : {2, 3}, default=2
    max_sequences : int, default=50
        Draw at most this many sequences (the first ones); the PCA uses all.
    ax : matplotlib Axes, optional
        Must be a 3-D Axes when ``n_components=3``.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(2, 6, 3))
    >>> ax = plot_latent_trajectory(Z, [np.zeros(6, int), np.ones(6, int)])
    >>> ax.get_xlabel()  # doctest: +ELLIPSIS
    'PC1 (...% var)'
    """
    if n_components not in (2, 3):
        raise ValueError(f"n_components must be 2 or 3. Got {n_components} instead.")
    projected, explained = pca_project(states, n_components)
    ax = _axes(ax, "3d" if n_components == 3 else None)
    for i, p in enumerate(projected[:max_sequences]):
        ax.plot(*p.T, color="0.7", lw=0.6, zorder=1)
        colours = None if regimes is None else [f"C{r % 10}" if r >= 0 else "k" for r in regimes[i]]
        ax.scatter(*p.T, c=colours, s=8, zorder=2)
    if regimes is not None:
        used = np.unique(np.concatenate([np.asarray(r) for r in regimes[:max_sequences]]))
        for r in used[used >= 0]:
            ax.scatter([], [], color=f"C{r % 10}", label=f"R{r}")
        ax.legend(fontsize="small")
    labels = [f"PC{k + 1} ({100 * e:.0f}% var)" for k, e in enumerate(explained)]
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if n_components == 3:
        ax.set_zlabel(labels[2])
    ax.set_title("Latent trajectories by regime")
    return ax


def plot_eigenvalues(spectra: Sequence[RegimeSpectrum | np.ndarray], ax=None):
    """Eigenvalues of each regime in the complex plane with the unit circle.

    Parameters
    ----------
    spectra : list of RegimeSpectrum or of eigenvalue arrays
        One entry per regime, e.g. from ``regime_spectra``.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = plot_eigenvalues([np.array([1.0, 0.5]), np.array([0.3 + 0.4j, 0.3 - 0.4j])])
    >>> len(ax.collections)
    2
    """
    ax = _axes(ax)
    theta = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(theta), np.sin(theta), color="0.6", lw=0.8)
    for i, spec in enumerate(spectra):
        eig = spec.eigenvalues if isinstance(spec, RegimeSpectrum) else np.asarray(spec)
        ax.scatter(eig.real, eig.imag, color=f"C{i % 10}", s=20, label=f"R{i}", alpha=0.8)
    ax.axhline(0, color="0.85", lw=0.5, zorder=0)
    ax.axvline(0, color="0.85", lw=0.5, zorder=0)
    ax.set_aspect("equal")
    ax.set_xlabel("Re(lambda)")
    ax.set_ylabel("Im(lambda)")
    ax.legend(fontsize="small")
    ax.set_title("Eigenvalues per regime")
    return ax


def plot_transitions(
    summary: RegimeSummary, n_regimes: int | None = None, normalize: bool = True, ax=None
):
    """Heat-map of regime-to-regime transitions (row-normalised probabilities by default).

    Parameters
    ----------
    summary : RegimeSummary
    n_regimes : int, optional
        Show only the most frequent ones.
    normalize : bool, default=True
        Show Pr(next | current) instead of counts.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> from sk_alrnn.analysis import regime_summary
    >>> ax = plot_transitions(regime_summary([[[1], [0], [0]]]))
    >>> ax.images[0].get_array().shape
    (2, 2)
    """
    ax = _axes(ax)
    n = summary.n_regimes if n_regimes is None else min(n_regimes, summary.n_regimes)
    # normalise over all successors, then crop: shown rows need not sum to 1
    counts = summary.transitions_sparse
    matrix = transition_probabilities(counts) if normalize else counts
    values = matrix[:n, :n].toarray()
    image = ax.imshow(values, cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label="Pr(next | current)" if normalize else "count")
    labels = _code_labels(summary.codes[:n])
    ax.set_xticks(np.arange(n), labels, rotation=45, ha="right")
    ax.set_yticks(np.arange(n), labels)
    ax.set_xlabel("next regime")
    ax.set_ylabel("current regime")
    ax.set_title("Regime transitions")
    return ax
