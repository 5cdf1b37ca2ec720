"""Plots of regime analyses and P sweeps (matplotlib, imported lazily).

Each function takes arrays or analysis results and returns the matplotlib Axes it drew on.
"""

from ._integrator import plot_integrator_projection
from ._regimes import (
    plot_eigenvalues,
    plot_latent_trajectory,
    plot_regime_occupancy,
    plot_transitions,
)
from ._sharing import plot_task_regime_sharing
from ._sweep import plot_P_sweep

__all__ = [
    "plot_P_sweep",
    "plot_eigenvalues",
    "plot_integrator_projection",
    "plot_latent_trajectory",
    "plot_regime_occupancy",
    "plot_task_regime_sharing",
    "plot_transitions",
]
