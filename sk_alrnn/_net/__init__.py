"""The estimator layer: the sequence-net base, the AL-RNN estimators and the forecaster."""
