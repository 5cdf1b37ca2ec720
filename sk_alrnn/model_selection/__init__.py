"""Choose the amount of nonlinearity P: the smallest P within one standard error.

numpy and scikit-learn only; matplotlib is imported when a plot is drawn.
"""

from ._refit import minimal_P_refit, select_minimal_P
from ._sweep import PSweepResult, sweep_P

__all__ = ["PSweepResult", "minimal_P_refit", "select_minimal_P", "sweep_P"]
