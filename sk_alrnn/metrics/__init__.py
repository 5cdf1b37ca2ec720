"""How faithful a reconstructed dynamical system is: geometry, time scales, short-term forecasts.

numpy/scipy only (no torch at import).  All metrics run in float64.  The
equations restate the reference implementation (DurstewitzLab/ALRNN-DSR,
``src/measures/``); the differences are deliberate and listed per function.

* :func:`state_space_divergence` (D_stsp): KL divergence between the
  occupation measures of the true and the generated trajectory.
* :func:`power_spectrum_distance` (D_H): Hellinger distance between their
  smoothed power spectra, per dimension.
* :func:`prediction_error`: the n-step-ahead MSE of a fitted forecaster.
* :func:`make_dsr_scorer`: any of them as a ``scoring=`` for scikit-learn.
* :func:`lyapunov_spectrum`, :func:`max_lyapunov_exponent`: the exact Lyapunov exponents of
  a fitted forecaster (from its piecewise-linear Jacobians);
  :func:`max_lyapunov_exponent_from_data` the data-side estimate (Rosenstein);
  :func:`kaplan_yorke_dimension` the attractor dimension from a spectrum.
* :func:`exact_match_score` / :func:`make_exact_match_scorer`: per-step labels scored
  by whole sequences (every counted step right), e.g. SCAN's action strings.
"""

from ._dsr import (
    make_dsr_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)
from ._lyapunov import (
    kaplan_yorke_dimension,
    lyapunov_spectrum,
    max_lyapunov_exponent,
    max_lyapunov_exponent_from_data,
)
from ._sequence import exact_match_score, make_exact_match_scorer

__all__ = [
    "exact_match_score",
    "kaplan_yorke_dimension",
    "lyapunov_spectrum",
    "make_dsr_scorer",
    "make_exact_match_scorer",
    "max_lyapunov_exponent",
    "max_lyapunov_exponent_from_data",
    "power_spectrum_distance",
    "prediction_error",
    "state_space_divergence",
]
