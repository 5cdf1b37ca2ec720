"""The AL-RNN as a torch module: parameters, initialisation, readout."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ._scan import alrnn_scan

__all__ = ["ALRNNModule"]


def _diagonal_init(M: int, generator: torch.Generator | None = None) -> Tensor:
    """Self-connections a: the diagonal of K = R^T R / M + I over K's top eigenvalue.

    This is the reference AL-RNN initialisation: every a_i lies in (0, 1], so
    the linear part starts stable with a spread of time constants.
    """
    R = torch.randn(M, M, generator=generator)
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
    generator : torch.Generator or None, default=None
        Draws the initial weights; None uses torch's global generator.
    embedding : tuple of (n_tokens, dim) or None, default=None
        Token input: each step's single feature is a token id in
        [0, n_tokens), looked up in a learned (n_tokens, dim) table; then
        ``n_features`` must be 1 and C is (M, dim).  Id 0 is padding (its
        row is zero and gets no gradient).

    Attributes
    ----------
    a : Parameter of shape (M,)
        Diagonal of A.
    W : Parameter of shape (M, M)
    C : Parameter of shape (M, n_features), or (M, dim) with an embedding
    h : Parameter of shape (M,)
    B : Parameter of shape (n_outputs, M)
    b : Parameter of shape (n_outputs,)
    embedding : torch.nn.Embedding or None
        The token table E (n_tokens, dim) when ``embedding`` is given.

    Notes
    -----
    z_t = a * z_{t-1} + W phi_P(z_{t-1}) + C s_t + h, z_0 = 0, and
    y_t = B z_t + b.  Initialisation: a as in :func:`_diagonal_init`,
    W ~ N(0, 0.01^2) (the network starts almost diagonal, hence stable),
    h = 0, C ~ U(-1/sqrt(F), 1/sqrt(F)) so each unit's drive has unit scale for
    standardised inputs, and B, b ~ U(-1/sqrt(M), 1/sqrt(M)) (``nn.Linear``'s
    default).  With an embedding, s_t = E[token_t]: the input term is C
    applied to the embedded token, so the piecewise-affine analysis is
    unchanged; E ~ N(0, 1) per entry, row 0 (padding) zero.

    Examples
    --------
    >>> import torch
    >>> module = ALRNNModule(n_features=3, n_outputs=2, M=8, P=2)
    >>> module(torch.randn(4, 10, 3), torch.tensor([10, 7, 3, 1])).shape
    torch.Size([4, 2])

    Token ids in, through a learned 50 x 6 embedding:

    >>> module = ALRNNModule(n_outputs=2, M=8, P=2, embedding=(50, 6))
    >>> tokens = torch.randint(1, 50, (4, 10, 1)).float()
    >>> module(tokens, torch.tensor([10, 7, 3, 1])).shape, tuple(module.C.shape)
    (torch.Size([4, 2]), (8, 6))
    """

    def __init__(
        self,
        n_features=1,
        n_outputs=1,
        M=16,
        P=2,
        sequence_output=False,
        generator=None,
        embedding=None,
    ):
        super().__init__()
        self.M, self.P, self.sequence_output = M, P, sequence_output

        def uniform(bound, *shape):
            return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound, generator=generator))

        self.a = nn.Parameter(_diagonal_init(M, generator))
        self.W = nn.Parameter(0.01 * torch.randn(M, M, generator=generator))
        n_inputs = n_features if embedding is None else int(embedding[1])
        self.C = uniform(n_inputs**-0.5, M, n_inputs)
        self.h = nn.Parameter(torch.zeros(M))
        self.B = uniform(M**-0.5, n_outputs, M)
        self.b = uniform(M**-0.5, n_outputs)
        self.embedding = None
        if embedding is not None:  # drawn last: the other weights match the plain module's
            table = torch.randn(int(embedding[0]), n_inputs, generator=generator)
            table[0] = 0.0
            self.embedding = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=0)

    def embed(self, X: Tensor) -> Tensor:
        """The input s_t of every step: X itself, or the embedded token ids.

        Parameters
        ----------
        X : Tensor of shape (n, T, F); with an embedding (n, T, 1) token ids (any dtype)

        Returns
        -------
        S : Tensor of shape (n, T, F), or (n, T, dim) with an embedding

        Examples
        --------
        >>> module = ALRNNModule(M=4, P=1, embedding=(5, 3))
        >>> S = module.embed(torch.tensor([[[0.0], [2.0]]]))
        >>> tuple(S.shape), bool((S[0, 0] == 0).all())
        ((1, 2, 3), True)
        """
        if self.embedding is None:
            return X
        return self.embedding(X[..., 0].round().long())

    def system_matrices(self) -> dict[str, Tensor]:
        """The named parameters of the piecewise-affine system, detached.

        Returns
        -------
        matrices : dict
            ``a`` (M,), ``W`` (M, M), ``C`` (M, F), ``h`` (M,), ``B`` (K, M)
            and ``b`` (K,) as tensors; the estimators' ``linearize()`` reads
            these names, never the module's parameter names.

        Examples
        --------
        >>> module = ALRNNModule(n_features=3, n_outputs=2, M=8, P=2)
        >>> {name: tuple(value.shape) for name, value in module.system_matrices().items()}
        {'a': (8,), 'W': (8, 8), 'C': (8, 3), 'h': (8,), 'B': (2, 8), 'b': (2,)}
        """
        names = ("a", "W", "C", "h", "B", "b")
        return {name: getattr(self, name).detach() for name in names}

    def latent_states(self, X: Tensor) -> Tensor:
        """Latent states z_1..z_T.

        Parameters
        ----------
        X : Tensor of shape (n, T, F)
            Input sequences, or (n, T, 1) token ids with an embedding (padded
            steps are computed too; callers drop them).

        Returns
        -------
        Z : Tensor of shape (n, T, M)

        Examples
        --------
        >>> module = ALRNNModule(n_features=3, M=8, P=2)
        >>> module.latent_states(torch.randn(4, 10, 3)).shape
        torch.Size([4, 10, 8])
        """
        drive = F.linear(self.embed(X), self.C, self.h)  # all steps in one matmul
        return alrnn_scan(drive, self.a, self.W, self.P)

    def forward(self, X: Tensor, lengths: Tensor) -> Tensor:
        """Readout of each sequence's last valid step, or of every step.

        Parameters
        ----------
        X : Tensor of shape (n, T, F)
            Zero-padded input sequences.
        lengths : Tensor of shape (n,)
            Number of valid steps of each sequence.

        Returns
        -------
        outputs : Tensor of shape (n, n_outputs), or (n, T, n_outputs) if ``sequence_output``
        """
        Z = self.latent_states(X)
        if not self.sequence_output:
            last = (lengths.to(Z.device) - 1).clamp(min=0)
            Z = Z[torch.arange(Z.shape[0], device=Z.device), last]
        return F.linear(Z, self.B, self.b)
