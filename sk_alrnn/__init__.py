"""sk_alrnn: Almost-Linear RNNs as scikit-learn estimators.

An AL-RNN has M latent units of which only the last P are ReLU; the P ReLUs cut
state space into at most 2**P linear regimes, so a fitted network is exactly a
piecewise-affine dynamical system whose regimes can be listed and analysed.

The estimators are imported lazily, so the numpy-only subpackages
(``analysis``, ``datasets``, ``model_selection``) load without torch.
"""
__version__ = "0.1.0"

__all__ = ["ALRNNClassifier", "ALRNNForecaster", "ALRNNRegressor", "__version__"]

_ESTIMATORS = ("ALRNNClassifier", "ALRNNRegressor")


def __getattr__(name):
    if name in _ESTIMATORS:
        from . import _estimators

        return getattr(_estimators, name)
    if name == "ALRNNForecaster":
        from ._forecaster import ALRNNForecaster

        return ALRNNForecaster
    raise AttributeError(f"module 'sk_alrnn' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
