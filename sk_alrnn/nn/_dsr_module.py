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

__all__ = ["DSRModule", "diverged_to_nan", "run"]

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
    w = _weights64(module)
    z0 = torch.as_tensor(np.asarray(z0, dtype=np.float64))
    drive = w["h"].expand(len(z0), n_steps, module.M)
    forcing = None if signal is None else Forcing(torch.as_tensor(signal), interval, 1.0)
    with torch.no_grad():
        Z = alrnn_scan(drive, w["a"], w["W"], module.P, z0=z0, forcing=forcing)
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
