"""The AL-RNN for dynamical-systems reconstruction: no inputs, identity observation, a lift.

Training runs the forced recurrence in float32 on windows (:class:`DSRModule`);
everything after fit (free runs, assimilated paths, n-step predictions) runs
the same kernel in float64 on the module's weights (:func:`run`), so a
simulated trajectory equals ``linearize().simulate`` to float32 tolerance.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ._module import _diagonal_init
from ._scan import Forcing, alrnn_scan

__all__ = ["DSRModule", "DSRStack", "diverged_to_nan", "run", "run_weights"]

# n-step predictions from every observation run in chunks of about this many
# float64 state entries (64 MiB), so predict on long recordings stays bounded.
_RUN_CHUNK_FLOATS = 2**23


class DSRModule(nn.Module):
    """z_0 = [x_0; L x_0], z_t = a * u_{t-1} + W phi_P(u_{t-1}) + h, x_hat_t = z_t[:N].

    Parameters
    ----------
    n_features : int
        N, the observed variables: the first N latent units.
    M : int
        Latent units (M >= N).
    P : int
        ReLU units, the last P.
    generator : torch.Generator or None, default=None
        Draws the initial weights; None uses torch's global generator.

    Attributes
    ----------
    a : Parameter of shape (M,)
    W : Parameter of shape (M, M)
    h : Parameter of shape (M,)
    L : Parameter of shape (M - N, N)
        The lift of an observation to the hidden units.
    tf_interval, tf_alpha : int, float
        The forcing plan of :meth:`forward` (set by the estimator before training).

    Notes
    -----
    a, W and h are initialised as in :class:`~sk_alrnn.nn._module.ALRNNModule`;
    L ~ U(-1/sqrt(N), 1/sqrt(N)).
    """

    def __init__(
        self,
        n_features: int = 1,
        M: int = 20,
        P: int = 2,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.N, self.M, self.P = n_features, M, P
        bound = n_features**-0.5
        self.a = nn.Parameter(_diagonal_init(M, generator))
        self.W = nn.Parameter(0.01 * torch.randn(M, M, generator=generator))
        self.h = nn.Parameter(torch.zeros(M))
        lift = torch.empty(M - n_features, n_features)
        self.L = nn.Parameter(lift.uniform_(-bound, bound, generator=generator))
        self.tf_interval, self.tf_alpha = 1, 1.0

    def lift(self, x: Tensor) -> Tensor:
        """[x; L x] for observations x (..., N)."""
        return torch.cat([x, x @ self.L.t()], dim=-1)

    def forward(self, windows: Tensor) -> Tensor:
        """Pre-forcing states z_1..z_L (B, L, M) of windows x_0..x_L (B, L + 1, N)."""
        B, T = windows.shape[0], windows.shape[1] - 1
        forcing = Forcing(windows[:, 1:], self.tf_interval, self.tf_alpha)
        return alrnn_scan(
            self.h.expand(B, T, self.M),
            self.a,
            self.W,
            self.P,
            z0=self.lift(windows[:, 0]),
            forcing=forcing,
        )


class DSRStack(nn.Module):
    """K DSR networks trained at once as one block-diagonal AL-RNN (one kernel call).

    Network k has its own a_k, W_k, h_k, L_k and P_k ReLU units (same M and N
    for all).  The stack orders the K*M units as [observed units of every
    network, their hidden linear units, their ReLU units], so the ReLU units are
    the last sum(P_k) and the single-network kernel runs all K at once: a step
    costs one (B, K*M) matmul instead of K small ones.  Off-block weights are
    not parameters (they stay exactly 0), so each network's outputs and
    gradients are its own; the loss summed over networks gives each network
    the gradient of its own loss.

    Parameters
    ----------
    modules : sequence of DSRModule
        The K networks, with their initial weights (copied).
    Ps : sequence of int
        P of each network.

    Attributes
    ----------
    a, h : Parameter of shape (K, M)
    W : Parameter of shape (K, M, M)
    L : Parameter of shape (K, M - N, N)
    tf_interval : int
    tf_alpha : Tensor of shape (K,)
        Forcing strength of each network (set by the estimator).
    last_states : Tensor of shape (B, L, K*M) or None
        The pre-forcing states of the last training forward pass (detached),
        read by the adaptive forcing rule.
    """

    def __init__(self, modules, Ps):
        super().__init__()
        first = modules[0]
        self.N, self.M, self.K, self.Ps = first.N, first.M, len(modules), [int(p) for p in Ps]
        for name in ("a", "W", "h", "L"):
            stacked = torch.stack([getattr(m, name).detach() for m in modules]).clone()
            setattr(self, name, nn.Parameter(stacked))
        self.register_buffer("index", _stack_index(self.N, self.M, self.Ps), persistent=False)
        self.tf_interval = first.tf_interval
        self.tf_alpha = torch.ones(self.K)
        self.last_states = None

    @property
    def P_total(self) -> int:
        return sum(self.Ps)

    def assembled(self) -> dict:
        """The block-diagonal network's a (KM,), W (KM, KM) and h (KM,), differentiable."""
        KM, idx = self.K * self.M, self.index
        flat = idx.reshape(-1)
        a = self.a.new_zeros(KM).index_put((flat,), self.a.reshape(-1))
        h = self.h.new_zeros(KM).index_put((flat,), self.h.reshape(-1))
        rows = idx[:, :, None].expand(-1, -1, self.M).reshape(-1)
        cols = idx[:, None, :].expand(-1, self.M, -1).reshape(-1)
        W = self.W.new_zeros(KM, KM).index_put((rows, cols), self.W.reshape(-1))
        return {"a": a, "W": W, "h": h}

    def lift(self, x: Tensor) -> Tensor:
        """Initial states (B, K*M) of every network from observations x (B, N)."""
        hidden = torch.einsum("kjn,bn->bkj", self.L, x)
        z = torch.cat([x[:, None].expand(-1, self.K, -1), hidden], dim=-1)
        return z.new_zeros(len(x), self.K * self.M).index_copy(
            1, self.index.reshape(-1), z.reshape(len(x), -1)
        )

    def forward(self, windows: Tensor) -> Tensor:
        """Observed outputs (B, L, K, N) of every network on windows (B, L + 1, N)."""
        B, T = windows.shape[0], windows.shape[1] - 1
        w = self.assembled()
        alpha = self.tf_alpha.to(windows.dtype).repeat_interleave(self.N)
        signal = windows[:, 1:].repeat(1, 1, self.K)
        forcing = Forcing(signal, self.tf_interval, alpha)
        Z = alrnn_scan(
            w["h"].expand(B, T, -1),
            w["a"],
            w["W"],
            self.P_total,
            z0=self.lift(windows[:, 0]),
            forcing=forcing,
        )
        if self.training:
            self.last_states = Z.detach()
        return Z[..., : self.K * self.N].reshape(B, T, self.K, self.N)

    def block(self, k: int) -> DSRModule:
        """Network k as a :class:`DSRModule` (a copy of its weights)."""
        # A private generator: the initial draw is overwritten, and the global RNG stays untouched.
        module = DSRModule(self.N, self.M, self.Ps[k], generator=torch.Generator())
        with torch.no_grad():
            for name in ("a", "W", "h", "L"):
                getattr(module, name).copy_(getattr(self, name)[k])
        module.tf_interval, module.tf_alpha = self.tf_interval, float(self.tf_alpha[k])
        return module.to(self.a.device)

    def block_codes(self, states: Tensor) -> list:
        """Each network's ReLU codes (B, L, P_k) from stacked states (B, L, K*M)."""
        return [states[..., self.index[k, self.M - P :]] > 0 for k, P in enumerate(self.Ps)]


def _stack_index(N: int, M: int, Ps) -> Tensor:
    """(K, M) position of unit j of network k in the stack's unit order.

    Order: observed units of every network (k*N + j), then each network's
    hidden linear units, then each network's ReLU units (the last sum(P_k)).
    """
    K = len(Ps)
    if K == 1:  # one network keeps its own order (its ReLU units may include observed ones)
        return torch.arange(M)[None]
    if max(Ps) > M - N:
        raise ValueError(
            f"Several networks train as one stack only when every P <= M - N = {M - N} "
            f"(no observed unit is a ReLU unit); got Ps={list(Ps)}. Train one start "
            "(n_starts=1) and one P at a time instead."
        )
    index = torch.empty(K, M, dtype=torch.long)
    linear_at, relu_at = K * N, K * M - sum(Ps)
    for k, P in enumerate(Ps):
        index[k, :N] = k * N + torch.arange(N)
        hidden = M - N - P
        index[k, N : M - P] = linear_at + torch.arange(hidden)
        index[k, M - P :] = relu_at + torch.arange(P)
        linear_at, relu_at = linear_at + hidden, relu_at + P
    return index


def _weights64(module: DSRModule) -> dict:
    return {name: p.detach().cpu().double() for name, p in module.named_parameters()}


def lift64(module: DSRModule, x: np.ndarray) -> np.ndarray:
    """[x; L x] in float64 for x (..., N)."""
    L = _weights64(module)["L"].numpy()
    return np.concatenate([x, x @ L.T], axis=-1)


def run(
    module: DSRModule,
    z0: np.ndarray,
    n_steps: int,
    signal: np.ndarray | None = None,
    interval: int = 1,
) -> np.ndarray:
    """z_1..z_n (n, n_steps, M) in float64 from z0 (n, M), hard-forced by ``signal``.

    ``signal`` (n, n_steps, N), when given, overwrites z_t[:N] with
    ``signal[:, t-1]`` before the step from t whenever t % interval == 0; the
    returned states are pre-forcing.
    """
    return run_weights(_weights64(module), module.P, z0, n_steps, signal, interval)


def run_weights(
    w: dict,
    P: int,
    z0: np.ndarray,
    n_steps: int,
    signal: np.ndarray | None = None,
    interval: int = 1,
) -> np.ndarray:
    """:func:`run` on weights ``w`` (``a``, ``W``, ``h`` as float64 tensors) and P."""
    z0 = torch.as_tensor(np.asarray(z0, dtype=np.float64))
    drive = w["h"].expand(len(z0), n_steps, w["W"].shape[0])
    forcing = None if signal is None else Forcing(torch.as_tensor(signal), interval, 1.0)
    with torch.no_grad():
        Z = alrnn_scan(drive, w["a"], w["W"], P, z0=z0, forcing=forcing)
    return Z.numpy()


def run_last(module: DSRModule, z0: np.ndarray, n_steps: int) -> np.ndarray:
    """z_n (n, M) from each z0 (n, M), in chunks of bounded memory."""
    chunk = max(1, _RUN_CHUNK_FLOATS // (n_steps * (module.M + module.P)))
    return np.concatenate(
        [run(module, z0[i : i + chunk], n_steps)[:, -1] for i in range(0, len(z0), chunk)]
    )


def diverged_to_nan(Z: np.ndarray, limit: float) -> np.ndarray:
    """Rows of each run (..., T, M) from its first non-finite or ``|z| > limit`` step on: NaN."""
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(Z) <= limit).all(axis=-1)  # NaN compares False: bad too
    after = np.maximum.accumulate(bad, axis=-1)
    if after.any():
        Z = Z.copy()
        Z[after] = np.nan
    return Z
