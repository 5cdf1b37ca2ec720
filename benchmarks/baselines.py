"""Recurrent baselines for the nonlinearity study: LSTM, GRU and ReLU-RNN as skorch estimators.

Not part of the package. Each baseline is a subclass of the package's
sequence-net base (``sk_alrnn._net.SequenceClassifier`` /
``SequenceRegressor``), so it takes the same inputs as the AL-RNN estimators
((n, T, F), (n, T) or a list of (T_i, F) arrays), validates, pads, seeds
(one ``torch.Generator`` per fit), clips gradients and trains exactly as they
do: Adam, the same ``lr``, ``max_epochs`` and ``batch_size``, gradient-norm
clipping 1.0, no internal validation split. The module reads the hidden state
at each sequence's last valid step through a linear layer.

Parameter matching: unless ``hidden_size`` is given, the hidden size H is the
one whose total parameter count (recurrent layer + linear readout) is closest
to that of an AL-RNN with ``match_M`` latent units on the same data
(``alrnn_n_params``). For M=16, F=2 and one output this gives LSTM H=7,
GRU H=9 and ReLU-RNN H=16 (see ``python benchmarks/baselines.py``).

Token input: ``embedding=(n_tokens, dim)`` puts the same learned embedding
front-end as the AL-RNN's before the recurrent layer (X holds token ids, id 0
is padding); the hidden size is then matched on the recurrent part with
F = dim, the embedding table being the same size for every model.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sk_alrnn._net import SequenceClassifier, SequenceRegressor

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
    """A torch recurrent layer read by a linear layer (at the last valid step, or every step).

    The layers are built without drawing from torch's global RNG and then
    initialised from ``generator`` with torch's own default for both,
    U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias.
    """

    def __init__(
        self,
        cell="lstm",
        n_features=1,
        n_outputs=1,
        hidden_size=16,
        sequence_output=False,
        generator=None,
        embedding=None,
    ):
        super().__init__()
        kwargs = {"nonlinearity": "relu"} if cell == "relu_rnn" else {}
        self.sequence_output = sequence_output
        # Built on the meta device, so torch's default initialisation draws nothing.
        n_inputs = n_features if embedding is None else int(embedding[1])
        rnn = _CELLS[cell](n_inputs, hidden_size, batch_first=True, device="meta", **kwargs)
        self.rnn = rnn.to_empty(device="cpu")
        self.readout = nn.Linear(hidden_size, n_outputs, device="meta").to_empty(device="cpu")
        bound = hidden_size**-0.5
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.uniform_(-bound, bound, generator=generator)
        self.embedding = None
        if embedding is not None:  # as the AL-RNN's: N(0, 1) entries, padding row 0
            table = torch.randn(int(embedding[0]), n_inputs, generator=generator)
            table[0] = 0.0
            self.embedding = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)

    def forward(self, X, lengths):
        if self.embedding is not None:
            X = self.embedding(X[..., 0].round().long())
        out, _ = self.rnn(X)
        if not self.sequence_output:
            last = (lengths.to(out.device) - 1).clamp(min=0)
            out = out[torch.arange(out.shape[0], device=out.device), last]
        return self.readout(out)


class _BaselineMixin:
    """Cell type and hidden size (matched to an AL-RNN unless given) on the sequence-net base.

    Parameters
    ----------
    cell : {"lstm", "gru", "relu_rnn"}, default="lstm"
    hidden_size : int or None, default=None
        None: matched to an AL-RNN with ``match_M`` units (parameter count).
    match_M : int, default=16
    embedding : tuple of (n_tokens, dim) or None, default=None
        Token-id input through a learned embedding (as the AL-RNN's option).
    random_state, lr, max_epochs, batch_size, max_grad_norm, verbose, **kwargs :
        As for the AL-RNN estimators (Adam, clipping 1.0, no validation split).
    """

    def __init__(
        self, cell="lstm", hidden_size=None, match_M=16, *, embedding=None, criterion, **kwargs
    ):
        super().__init__(RecurrentReadout, criterion=criterion, **kwargs)
        self.cell, self.hidden_size, self.match_M = cell, hidden_size, match_M
        self.embedding = embedding

    def initialize_module(self):
        H = self.hidden_size
        if H is None:
            F = self.n_features_in_ if self.embedding is None else self.embedding[1]
            H = matched_hidden_size(self.cell, self.match_M, F, self._n_outputs_)
        self.hidden_size_ = H
        return super().initialize_module()

    def _module_kwargs(self):
        kwargs = {"cell": self.cell, "hidden_size": self.hidden_size_}
        if self.embedding is not None:
            kwargs["embedding"] = self.embedding
        return kwargs

    @property
    def n_params_(self) -> int:
        return sum(p.numel() for p in self.module_.parameters())


class RNNBaselineClassifier(_BaselineMixin, SequenceClassifier):
    __doc__ = (
        "LSTM / GRU / ReLU-RNN sequence classifier (cross-entropy).\n" + _BaselineMixin.__doc__
    )

    def __init__(
        self, cell="lstm", hidden_size=None, match_M=16, *, criterion=nn.CrossEntropyLoss, **kwargs
    ):
        super().__init__(cell, hidden_size, match_M, criterion=criterion, **kwargs)


class RNNBaselineRegressor(_BaselineMixin, SequenceRegressor):
    __doc__ = "LSTM / GRU / ReLU-RNN sequence regressor (MSE).\n" + _BaselineMixin.__doc__

    def __init__(
        self, cell="lstm", hidden_size=None, match_M=16, *, criterion=nn.MSELoss, **kwargs
    ):
        super().__init__(cell, hidden_size, match_M, criterion=criterion, **kwargs)


if __name__ == "__main__":  # print the matched sizes for the study's configurations
    for F, K, what in [
        (2, 1, "addition"),
        (5, 4, "copy-memory"),
        (4, 2, "contextual"),
        (8, 2, "evidence"),
        (1, 2, "UCR 2-class"),
        (1, 3, "ArrowHead"),
    ]:
        target = alrnn_n_params(16, F, K)
        sizes = {c: matched_hidden_size(c, 16, F, K) for c in _CELLS}
        counts = {c: baseline_n_params(c, H, F, K) for c, H in sizes.items()}
        print(
            f"{what:12s} F={F} K={K}: AL-RNN(M=16) {target} params; "
            + "; ".join(f"{c} H={sizes[c]} ({counts[c]})" for c in _CELLS)
        )
