"""Analysis of fitted AL-RNNs as piecewise-affine systems (numpy only).

The estimators hand their weights here (``linearize()``) and their regime codes
(``regimes_``); nothing here imports torch or the estimators.
"""

from ._cycles import Cycle, find_cycles, fixed_points
from ._describe import describe
from ._integrator import (
    IntegratorMode,
    Separation,
    TokenUnitRates,
    integrator_mode,
    mode_alignment,
    principal_direction,
    readout_direction,
    separation_along,
    token_unit_rates,
)
from ._projection import pca_project
from ._regimes import RegimeSummary, codes_from_states, format_code, regime_summary
from ._sharing import TaskRegimeSharing, task_regime_sharing
from ._spectral import RegimeSpectrum, linear_spectrum, periods, regime_spectra, time_constants
from ._symbolic import (
    dwell_times,
    regime_sequences,
    regime_usage,
    regime_usage_over_time,
    switching_units,
    transition_probabilities,
    unit_switches,
)
from ._system import (
    MARGINAL_TOL,
    FixedPoint,
    PiecewiseLinearSystem,
    Regime,
    classify_stability,
    eigenvalues_by_modulus,
)

__all__ = [
    "MARGINAL_TOL",
    "Cycle",
    "FixedPoint",
    "IntegratorMode",
    "PiecewiseLinearSystem",
    "Regime",
    "RegimeSpectrum",
    "RegimeSummary",
    "Separation",
    "TaskRegimeSharing",
    "TokenUnitRates",
    "classify_stability",
    "codes_from_states",
    "describe",
    "dwell_times",
    "eigenvalues_by_modulus",
    "find_cycles",
    "format_code",
    "fixed_points",
    "integrator_mode",
    "linear_spectrum",
    "mode_alignment",
    "pca_project",
    "periods",
    "principal_direction",
    "readout_direction",
    "regime_sequences",
    "regime_spectra",
    "regime_summary",
    "regime_usage",
    "regime_usage_over_time",
    "separation_along",
    "switching_units",
    "task_regime_sharing",
    "time_constants",
    "token_unit_rates",
    "transition_probabilities",
    "unit_switches",
]
