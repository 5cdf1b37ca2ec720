"""Principal-component projection of latent trajectories (scikit-learn's PCA), for plots."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["pca_project"]


def pca_project(
    states: np.ndarray | Sequence[np.ndarray], n_components: int = 2
) -> tuple[list[np.ndarray], np.ndarray]:
    """Project latent states on their leading principal components.

    Parameters
    ----------
    states : array of shape (n, T, M), or list of (T_i, M) arrays
    n_components : int, default=2

    Returns
    -------
    projected : list of arrays of shape (T_i, n_components)
        One per sequence, centred on the mean state over all steps.
    explained : ndarray of shape (n_components,)
        Fraction of the variance each component explains.

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(3, 5, 4))
    >>> projected, explained = pca_project(Z, 2)
    >>> len(projected), projected[0].shape, bool(explained.sum() <= 1)
    (3, (5, 2), True)
    """
    sequences = [np.asarray(z, dtype=np.float64) for z in states]
    stacked = np.concatenate(sequences)
    k = min(n_components, *stacked.shape)
    # The full SVD solver: deterministic, and exact for the few latent dimensions here.
    pca = PCA(n_components=k, svd_solver="full").fit(stacked)
    return [pca.transform(z) for z in sequences], pca.explained_variance_ratio_
