"""sk_alrnn: Almost-Linear RNNs as scikit-learn estimators.

An AL-RNN has M latent units of which only the last P are ReLU; the P ReLUs cut
state space into at most 2**P linear regimes, so a fitted network is exactly a
piecewise-affine dynamical system whose regimes can be listed and analysed.
"""
from ._estimators import ALRNNClassifier, ALRNNRegressor

__version__ = "0.1.0"

__all__ = ["ALRNNClassifier", "ALRNNRegressor", "__version__"]
