"""sk_alrnn: Almost-Linear RNNs as scikit-learn estimators."""
__version__ = "0.1.0"
