"""The batched sweep engine and the cross-validated estimators built on it.

What other layers may import (from ``sk_alrnn._sweep``): :class:`ALRNNClassifierCV`
and :class:`ALRNNRegressorCV` (``_cv``), :class:`ALRNNForecasterCV`
(``_forecaster_cv``).  The engine (``_engine``) and the batched search
(``_search``) are used only inside this subpackage.
"""

from ._cv import ALRNNClassifierCV, ALRNNRegressorCV
from ._forecaster_cv import ALRNNForecasterCV

__all__ = ["ALRNNClassifierCV", "ALRNNForecasterCV", "ALRNNRegressorCV"]
