"""Sequence preprocessing for Pipelines: scaling, strided windows, delay embedding.

Every transformer accepts the package's input conventions (an ``(n, T, F)``
array, an ``(n, T)`` array of univariate sequences, or a list of ``(T_i, F)``
arrays of different lengths) and answers in array or list form as it was
given.  numpy and scikit-learn only (no torch).
"""

from ._scaler import SequenceScaler
from ._windows import DelayEmbedding, StridedWindows

__all__ = ["DelayEmbedding", "SequenceScaler", "StridedWindows"]
