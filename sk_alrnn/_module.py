"""The AL-RNN as a torch module: parameters, initialisation, readout."""
from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ._scan import alrnn_scan

__all__ = ["ALRNNModule"]


def _diagonal_init(M: int) -> Tensor:
    """Self-connections a: the diagonal of K = R^T R / M + I over K's top eigenvalue.

    This is the reference AL-RNN initialisation: every a_i lies in (0, 1], so
    the linear part starts stable with a spread of time constants.
    """
    R = torch.randn(M, M)
    K = R.t() @ R / M + torch.eye(M)
    return torch.diagonal(K) / torch.linalg.eigvalsh(K)[-1]


class ALRNNModule(nn.Module):
    """Almost-Linear RNN with a linear readout.

    Parameters
    ----------
    n_features : int, default=1
        Input dimension F.
    n_outputs : int, default=1
        Output dimension (number of classes or targets).
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units: the last P latent units.
    sequence_output : bool, default=False
        Read every step (sequence-to-sequence) instead of each sequence's
        last valid step (sequence-to-one).

    Attributes
    ----------
    a : Parameter of shape (M,)
        Diagonal of A.
    W : Parameter of shape (M, M)
    C : Parameter of shape (M, n_features)
    h : Parameter of shape (M,)
    B : Parameter of shape (n_outputs, M)
    b : Parameter of shape (n_outputs,)

    Notes
    -----
    z_t = a * z_{t-1} + W phi_P(z_{t-1}) + C s_t + h, z_0 = 0, and
    y_t = B z_t + b.  Initialisation: a as in :func:`_diagonal_init`,
    W ~ N(0, 0.01^2) (the network starts almost diagonal, hence stable),
    h = 0, C ~ U(-1/sqrt(F), 1/sqrt(F)) so each unit's drive has unit scale for
    standardised inputs, and B, b like ``nn.Linear``.

    Examples
    --------
    >>> import torch
    >>> module = ALRNNModule(n_features=3, n_outputs=2, M=8, P=2)
    >>> module(torch.randn(4, 10, 3), torch.tensor([10, 7, 3, 1])).shape
    torch.Size([4, 2])
    """

    def __init__(self, n_features=1, n_outputs=1, M=16, P=2, sequence_output=False):
        super().__init__()
        self.M, self.P, self.sequence_output = M, P, sequence_output
        input_bound = n_features ** -0.5
        readout = nn.Linear(M, n_outputs)
        self.a = nn.Parameter(_diagonal_init(M))
        self.W = nn.Parameter(0.01 * torch.randn(M, M))
        self.C = nn.Parameter(torch.empty(M, n_features).uniform_(-input_bound, input_bound))
        self.h = nn.Parameter(torch.zeros(M))
        self.B = nn.Parameter(readout.weight.detach().clone())
        self.b = nn.Parameter(readout.bias.detach().clone())

    def latent_states(self, X: Tensor) -> Tensor:
        """z_1..z_T for inputs X (n, T, F): a tensor (n, T, M)."""
        drive = F.linear(X, self.C, self.h)  # all steps in one matmul
        return alrnn_scan(drive, self.a, self.W, self.P)

    def forward(self, X: Tensor, lengths: Tensor) -> Tensor:
        """Outputs: (n, n_outputs), or (n, T, n_outputs) if ``sequence_output``."""
        Z = self.latent_states(X)
        if not self.sequence_output:
            last = (lengths.to(Z.device) - 1).clamp(min=0)
            Z = Z[torch.arange(Z.shape[0], device=Z.device), last]
        return F.linear(Z, self.B, self.b)
