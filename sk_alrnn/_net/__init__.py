"""The estimator layer: seeded skorch nets, the sequence heads, the AL-RNN estimators.

What other layers may import (from ``sk_alrnn._net``, never from a private
module of this package):

* :class:`SeededNet` (``_seeded``): per-fit seeding, clipping, divergence
  handling, the refused-fit guarantee -- what every estimator family honours;
* :class:`LastFiniteWeights` (``_callbacks``): the skorch callback behind
  ``on_divergence="restore"``;
* :class:`EpochBar`, :class:`EpochProgressBar` (``_progress``): the progress bar over
  epochs (``progress_bar=True``) and its skorch callback;
* :class:`SequenceNet` (``_sequence``), :class:`SequenceDataset` (``_dataset``) and the heads
  :class:`SequenceClassifier`, :class:`SequenceRegressor` (``_heads``), on
  which model-specific sequence estimators are built;
* :class:`ALRNNMixin` (``_alrnn``): what the AL-RNN adds to a sequence net;
* :class:`ALRNNClassifier`, :class:`ALRNNRegressor` (``_estimators``) and
  :class:`ALRNNForecaster` (``_forecaster``).
"""

from ._alrnn import ALRNNMixin
from ._callbacks import LastFiniteWeights
from ._dataset import SequenceDataset
from ._estimators import ALRNNClassifier, ALRNNRegressor
from ._forecaster import ALRNNForecaster
from ._heads import SequenceClassifier, SequenceRegressor
from ._progress import EpochBar, EpochProgressBar
from ._seeded import SeededNet
from ._sequence import SequenceNet

__all__ = [
    "ALRNNClassifier",
    "ALRNNMixin",
    "ALRNNForecaster",
    "ALRNNRegressor",
    "EpochBar",
    "EpochProgressBar",
    "LastFiniteWeights",
    "SeededNet",
    "SequenceClassifier",
    "SequenceDataset",
    "SequenceNet",
    "SequenceRegressor",
]
