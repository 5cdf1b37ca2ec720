"""Analysis of fitted AL-RNNs as piecewise-affine systems (numpy only).

The estimators hand their weights here (``linearize()``) and their regime codes
(``regimes_``); nothing here imports torch or the estimators.
"""
from ._regimes import RegimeSummary, codes_from_states, regime_summary
from ._system import FixedPoint, PiecewiseLinearSystem, Regime

__all__ = [
    "FixedPoint",
    "PiecewiseLinearSystem",
    "Regime",
    "RegimeSummary",
    "codes_from_states",
    "regime_summary",
]
