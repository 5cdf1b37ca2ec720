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

from ._batched_scan import relu_mask
from ._grouped_scan import grouped_scan
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
    """K DSR networks trained at once by the grouped kernel (one batched matmul per step).

    Network k has its own a_k, W_k, h_k, L_k and P_k ReLU units (its last P_k
    units; same M and N for all), and :func:`~sk_alrnn.nn._grouped_scan.grouped_scan`
    runs all K recurrences together.  Each network's outputs and gradients are
    its own; the loss summed over networks gives each network the gradient of
    its own loss.

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
    last_states : Tensor of shape (K, L, B, M) or None
        The pre-forcing states of the last training forward pass (detached,
        the kernel's layout), read by the adaptive forcing rule.
    """

    def __init__(self, modules, Ps):
        super().__init__()
        first = modules[0]
        self.N, self.M, self.K, self.Ps = first.N, first.M, len(modules), [int(p) for p in Ps]
        for name in ("a", "W", "h", "L"):
            stacked = torch.stack([getattr(m, name).detach() for m in modules]).clone()
            setattr(self, name, nn.Parameter(stacked))
        self.tf_interval = first.tf_interval
        self.tf_alpha = torch.ones(self.K)
        self.last_states = None

    def lift(self, x: Tensor) -> Tensor:
        """Initial states z_0 = [x; L_k x] (K, B, M) of every network from observations x (B, N)."""
        return _lift_stack(self.L, x)

    def forward(self, windows: Tensor) -> Tensor:
        """Observed outputs (B, L, K, N) of every network on windows (B, L + 1, N)."""
        T = windows.shape[1] - 1
        forcing = Forcing(windows[:, 1:], self.tf_interval, self.tf_alpha.to(windows))
        z0 = self.lift(windows[:, 0])
        Z = grouped_scan(self.a, self.W, self.h, self.Ps, z0, T, forcing=forcing)
        if self.training:
            self.last_states = Z.detach()
        return Z[..., : self.N].permute(2, 1, 0, 3)

    def free_runs(self, x0: np.ndarray, n_steps: int) -> np.ndarray:
        """Observed free runs x_hat_1..x_hat_n (K, n, n_steps, N) in float64 from lift(x0).

        x0 is (n, N); every network runs from the lift of every row, unforced.
        """
        w = {name: p.detach().cpu().double() for name, p in self.named_parameters()}
        x = torch.as_tensor(np.asarray(x0, dtype=np.float64))
        with torch.no_grad():
            z0 = _lift_stack(w["L"], x)
            Z = grouped_scan(w["a"], w["W"], w["h"], self.Ps, z0, n_steps)
        return Z[..., : self.N].permute(0, 2, 1, 3).numpy()

    def slopes(self, states: Tensor) -> Tensor:
        """relu'(z) on the last max(P_k) units (K, B, L, max(P_k)) of states (K, L, B, M).

        True where z > 0 on a ReLU unit and on units that are linear in network k
        (slope 1): the diagonal of the Jacobian's phi' on those units.
        """
        P, M = max(self.Ps), self.M
        linear = ~relu_mask(self.Ps, M, device=states.device)[:, M - P :]
        return (states[..., M - P :] > 0).transpose(1, 2) | linear[:, None, None]

    def block(self, k: int) -> DSRModule:
        """Network k as a :class:`DSRModule` (a copy of its weights)."""
        # A private generator: the initial draw is overwritten, and the global RNG stays untouched.
        module = DSRModule(self.N, self.M, self.Ps[k], generator=torch.Generator())
        with torch.no_grad():
            for name in ("a", "W", "h", "L"):
                getattr(module, name).copy_(getattr(self, name)[k])
        module.tf_interval, module.tf_alpha = self.tf_interval, float(self.tf_alpha[k])
        return module.to(self.a.device)


def _lift_stack(L: Tensor, x: Tensor) -> Tensor:
    """[x; L_k x] (K, B, M) for lifts L (K, M - N, N) and observations x (B, N)."""
    hidden = torch.einsum("kjn,bn->kbj", L, x)
    return torch.cat([x.expand(len(L), -1, -1), hidden], dim=-1)


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
