"""Plots of regime analyses (matplotlib, imported lazily). Each function takes arrays or
analysis results and returns the matplotlib Axes it drew on."""
from ._sharing import plot_task_regime_sharing
from ._regimes import plot_eigenvalues, plot_latent_trajectory, plot_regime_occupancy, plot_transitions

__all__ = ["plot_eigenvalues", "plot_latent_trajectory", "plot_regime_occupancy", "plot_task_regime_sharing",
           "plot_transitions"]
