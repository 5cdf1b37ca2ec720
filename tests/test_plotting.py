"""Plots: each returns Axes and saves a non-empty file with the Agg backend."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sk_alrnn.analysis import (  # noqa: E402
    PiecewiseLinearSystem,
    regime_sequences,
    regime_spectra,
    regime_summary,
)
from sk_alrnn.plotting import (  # noqa: E402
    plot_eigenvalues,
    plot_latent_trajectory,
    plot_regime_occupancy,
    plot_transitions,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    system = PiecewiseLinearSystem(
        a=rng.uniform(0.3, 0.9, 4),
        W=rng.normal(0, 0.4, (4, 4)),
        C=rng.normal(size=(4, 1)),
        h=np.zeros(4),
        B=np.ones((1, 4)),
        b=[0.0],
        P=2,
    )
    Z = np.stack([system.simulate(rng.normal(size=(15, 1))) for _ in range(5)])
    codes = system.code_of(Z)
    summary = regime_summary(codes)
    return system, Z, summary, regime_sequences(codes, summary)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def saved(ax, tmp_path, name):
    path = tmp_path / name
    ax.figure.savefig(path)
    return path.stat().st_size > 0


def test_occupancy_bars_and_transition_image_show_the_summary(data, tmp_path):
    _, _, summary, _ = data
    ax = plot_regime_occupancy(summary)
    assert len(ax.patches) == summary.n_regimes and saved(ax, tmp_path, "occ.png")
    ax = plot_transitions(summary, n_regimes=2)
    assert ax.images[0].get_array().shape == (2, 2) and saved(ax, tmp_path, "trans.png")
    ax = plot_transitions(summary, normalize=False)
    np.testing.assert_array_equal(ax.images[0].get_array(), summary.transitions)


@pytest.mark.parametrize("n_components", [2, 3])
def test_latent_trajectory_in_2d_or_3d_has_a_legend(data, tmp_path, n_components):
    _, Z, _, seqs = data
    ax = plot_latent_trajectory(list(Z), seqs, n_components=n_components)
    assert ax.get_legend() is not None and saved(ax, tmp_path, f"traj{n_components}.png")
    with pytest.raises(ValueError, match="n_components must be 2 or 3"):
        plot_latent_trajectory(Z, n_components=4)


def test_eigenvalues_drawn_on_given_axes_one_set_per_regime(data, tmp_path):
    system, _, summary, _ = data
    _, ax = plt.subplots()
    assert plot_eigenvalues(regime_spectra(system, summary.codes), ax=ax) is ax
    assert len(ax.collections) == summary.n_regimes and saved(ax, tmp_path, "eig.png")
