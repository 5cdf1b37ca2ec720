"""sk_alrnn: Almost-Linear RNNs as scikit-learn estimators.

An AL-RNN has M latent units of which only the last P are ReLU; the P ReLUs cut
state space into at most 2**P linear regimes, so a fitted network is exactly a
piecewise-affine dynamical system whose regimes can be listed and analysed.

The estimators are imported lazily, so the numpy-only subpackages
(``analysis``, ``datasets``, ``model_selection``) load without torch.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:  # static tools (type checkers, IDEs, docs) see the names; runtime stays lazy
    from ._net._estimators import ALRNNClassifier, ALRNNRegressor
    from ._net._forecaster import ALRNNForecaster
    from ._sweep._cv import ALRNNClassifierCV, ALRNNRegressorCV
    from ._sweep._forecaster_cv import ALRNNForecasterCV
    from .io._persistence import load

# Public name -> the private module that defines it (imported on first access,
# so ``import sk_alrnn.analysis`` does not pay for torch and skorch).
_LAZY_EXPORTS = {
    "ALRNNClassifier": "._net._estimators",
    "ALRNNRegressor": "._net._estimators",
    "ALRNNClassifierCV": "._sweep._cv",
    "ALRNNRegressorCV": "._sweep._cv",
    "ALRNNForecaster": "._net._forecaster",
    "ALRNNForecasterCV": "._sweep._forecaster_cv",
    "load": ".io._persistence",
}

__all__ = [
    "ALRNNClassifier",
    "ALRNNClassifierCV",
    "ALRNNForecaster",
    "ALRNNForecasterCV",
    "ALRNNRegressor",
    "ALRNNRegressorCV",
    "__version__",
    "load",
]


# The estimator classes register themselves with the file format when defined,
# so ``load`` needs their modules imported first.
_REGISTERING = ("._net", "._sweep")


def __getattr__(name):
    if name == "load":
        for module in _REGISTERING:
            import_module(module, __name__)
    if name in _LAZY_EXPORTS:
        return getattr(import_module(_LAZY_EXPORTS[name], __name__), name)
    raise AttributeError(f"module 'sk_alrnn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
