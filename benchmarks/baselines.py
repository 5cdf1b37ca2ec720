"""Recurrent baselines for the nonlinearity study: LSTM, GRU and ReLU-RNN as skorch estimators.

Not part of the package. Each baseline takes the same inputs as the AL-RNN
estimators ((n, T, F), (n, T) or a list of (T_i, F) arrays; padded with
``sk_alrnn._data.as_padded``), reads the hidden state at each sequence's last
valid step through a linear layer, and is trained the same way: Adam, the
same ``lr``, ``max_epochs`` and ``batch_size``, gradient-norm clipping 1.0,
no internal validation split, torch seeded from ``random_state``.

Parameter matching: unless ``hidden_size`` is given, the hidden size H is the
one whose total parameter count (recurrent layer + linear readout) is closest
to that of an AL-RNN with ``match_M`` latent units on the same data
(``alrnn_n_params``). For M=16, F=2 and one output this gives LSTM H=7,
GRU H=9 and ReLU-RNN H=16 (see ``python benchmarks/baselines.py``).
"""
from __future__ import annotations


import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import GradientNormClipping
from sklearn.preprocessing import LabelEncoder
from torch import nn

from sk_alrnn._data import as_padded
from sk_alrnn._estimators import _seeded_torch  # the same seeding as the AL-RNN

__all__ = [
    "RNNBaselineClassifier",
    "RNNBaselineRegressor",
    "alrnn_n_params",
    "baseline_n_params",
    "matched_hidden_size",
]

_CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "relu_rnn": nn.RNN}
_GATES = {"lstm": 4, "gru": 3, "relu_rnn": 1}


def alrnn_n_params(M: int, n_features: int, n_outputs: int) -> int:
    """Parameters of an AL-RNN: a (M), W (M*M), C (M*F), h (M), B (K*M), b (K)."""
    return M + M * M + M * n_features + M + n_outputs * M + n_outputs


def baseline_n_params(cell: str, H: int, n_features: int, n_outputs: int) -> int:
    """Parameters of one torch recurrent layer (two bias vectors) plus a linear readout."""
    g = _GATES[cell]
    return g * (H * n_features + H * H + 2 * H) + n_outputs * H + n_outputs


def matched_hidden_size(cell: str, M: int, n_features: int, n_outputs: int) -> int:
    """The H whose parameter count is closest to an AL-RNN with M units (ties: smaller H)."""
    target = alrnn_n_params(M, n_features, n_outputs)
    sizes = np.arange(1, 4 * M + 1)
    gaps = [abs(baseline_n_params(cell, int(H), n_features, n_outputs) - target) for H in sizes]
    return int(sizes[int(np.argmin(gaps))])


class RecurrentReadout(nn.Module):
    """A torch recurrent layer, read at each sequence's last valid step by a linear layer."""

    def __init__(self, cell="lstm", n_features=1, n_outputs=1, hidden_size=16):
        super().__init__()
        kwargs = {"nonlinearity": "relu"} if cell == "relu_rnn" else {}
        self.rnn = _CELLS[cell](n_features, hidden_size, batch_first=True, **kwargs)
        self.readout = nn.Linear(hidden_size, n_outputs)

    def forward(self, X, lengths):
        out, _ = self.rnn(X)
        last = (lengths.to(out.device) - 1).clamp(min=0)
        return self.readout(out[torch.arange(out.shape[0], device=out.device), last])


class _BaselineMixin:
    """Pads the input, sizes the module from the data, seeds torch, clips gradients."""

    def get_default_callbacks(self):
        return list(super().get_default_callbacks()) + [
            ("gradient_clipping", GradientNormClipping(gradient_clip_value=self.max_grad_norm))
        ]

    def initialize_module(self):
        H = self.hidden_size
        if H is None:
            H = matched_hidden_size(self.cell, self.match_M, self.n_features_in_, self._n_outputs_)
        self.hidden_size_ = H
        self.module_ = RecurrentReadout(self.cell, self.n_features_in_, self._n_outputs_, H)
        return self

    @property
    def n_params_(self) -> int:
        return sum(p.numel() for p in self.module_.parameters())

    def _net_input(self, X, n_features=None):
        batch = as_padded(X, n_features=n_features, estimator_name=type(self).__name__)
        return {"X": batch.values, "lengths": batch.lengths}, batch.n_features

    def _fit_padded(self, X, target):
        net_X, self.n_features_in_ = self._net_input(X)
        with _seeded_torch(self.random_state):
            super().fit(net_X, target)
        return self

    def _outputs(self, X):
        net_X, _ = self._net_input(X, self.n_features_in_)
        return super().predict_proba(net_X)


_DOC_PARAMS = """
    Parameters
    ----------
    cell : {"lstm", "gru", "relu_rnn"}, default="lstm"
    hidden_size : int or None, default=None
        None: matched to an AL-RNN with ``match_M`` units (parameter count).
    match_M : int, default=16
    random_state, lr, max_epochs, batch_size, max_grad_norm, verbose :
        As for the AL-RNN estimators (Adam, clipping 1.0, no validation split).
"""


class RNNBaselineClassifier(_BaselineMixin, NeuralNetClassifier):
    __doc__ = "LSTM / GRU / ReLU-RNN sequence classifier (last valid step, cross-entropy).\n" + _DOC_PARAMS

    def __init__(self, cell="lstm", hidden_size=None, match_M=16, *, random_state=None,
                 lr=3e-3, max_epochs=100, batch_size=64, max_grad_norm=1.0, verbose=0, **kwargs):
        super().__init__(RecurrentReadout, criterion=nn.CrossEntropyLoss, optimizer=torch.optim.Adam,
                         lr=lr, max_epochs=max_epochs, batch_size=batch_size, train_split=None,
                         verbose=verbose, **kwargs)
        self.cell, self.hidden_size, self.match_M = cell, hidden_size, match_M
        self.random_state, self.max_grad_norm = random_state, max_grad_norm

    def fit(self, X, y, **fit_params):
        self._encoder_ = LabelEncoder().fit(y)
        self._n_outputs_ = len(self._encoder_.classes_)
        return self._fit_padded(X, self._encoder_.transform(y).astype(np.int64))

    @property
    def classes_(self):
        return self._encoder_.classes_

    def predict_proba(self, X):
        return self._outputs(X)

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


class RNNBaselineRegressor(_BaselineMixin, NeuralNetRegressor):
    __doc__ = "LSTM / GRU / ReLU-RNN sequence-to-one regressor (last valid step, MSE).\n" + _DOC_PARAMS

    def __init__(self, cell="lstm", hidden_size=None, match_M=16, *, random_state=None,
                 lr=3e-3, max_epochs=100, batch_size=64, max_grad_norm=1.0, verbose=0, **kwargs):
        super().__init__(RecurrentReadout, criterion=nn.MSELoss, optimizer=torch.optim.Adam,
                         lr=lr, max_epochs=max_epochs, batch_size=batch_size, train_split=None,
                         verbose=verbose, **kwargs)
        self.cell, self.hidden_size, self.match_M = cell, hidden_size, match_M
        self.random_state, self.max_grad_norm = random_state, max_grad_norm

    def fit(self, X, y, **fit_params):
        y = np.asarray(y, dtype=np.float32)
        self._y_ndim_ = y.ndim
        target = y.reshape(len(y), -1)
        self._n_outputs_ = target.shape[1]
        return self._fit_padded(X, target)

    def predict(self, X):
        out = self._outputs(X).astype(np.float64)
        return out.ravel() if self._y_ndim_ == 1 else out


if __name__ == "__main__":  # print the matched sizes for the study's configurations
    for F, K, what in [(2, 1, "addition"), (5, 4, "copy-memory"), (4, 2, "contextual"),
                       (8, 2, "evidence"), (1, 2, "UCR 2-class"), (1, 3, "ArrowHead")]:
        target = alrnn_n_params(16, F, K)
        sizes = {c: matched_hidden_size(c, 16, F, K) for c in _CELLS}
        counts = {c: baseline_n_params(c, H, F, K) for c, H in sizes.items()}
        print(f"{what:12s} F={F} K={K}: AL-RNN(M=16) {target} params; "
              + "; ".join(f"{c} H={sizes[c]} ({counts[c]})" for c in _CELLS))
