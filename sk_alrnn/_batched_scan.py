"""K AL-RNNs with different P in one recurrence: a batched kernel with hand-written BPTT.

Model k (k = 0..K-1) has its own a_k, W_k and P_k ReLU units (the last P_k of
the M units).  With P_max = max_k P_k, every model uses the same extended state

    x_t = [relu(z_t[M-P_max:]), z_t]                      (width M + P_max)

and a per-model step matrix S_k (M, M+P_max) with z_{t+1} = S_k x_t + d_{t+1}:

    S_k[:, :P_max] = W_k[:, M-P_max:] * mask_k[M-P_max:]   (ReLU columns; zero
                                                            for units linear in k)
    S_k[:, P_max:] = W_k * (1 - mask_k) + diag(a_k)         (linear columns)

where mask_k marks the ReLU units of model k.  A ReLU slot that is linear in
model k is still computed but multiplies a zero column, so one kernel serves
every P, and its gradient (dL/dx = dL/dz S_k) is zero there too.  :func:`step_matrix`
builds S_k with ordinary autograd ops, so dL/da and dL/dW follow from dL/dS.

The time loop is the single-model kernel of ``_scan.py`` with ``addmm_`` replaced
by ``baddbmm_`` over the model axis: one op per step for all K models.  Each
step costs about as much wall time as one step of one small model (measured in
benchmarks/bench_sweep.py), which is where the sweep's speed comes from.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._scan import _flush_denormals

__all__ = ["batched_scan", "relu_mask", "step_matrix"]


def relu_mask(Ps, M: int, device=None) -> Tensor:
    """Bool (K, M): True on the last P_k units of model k."""
    units = torch.arange(M, device=device)
    return units[None, :] >= (M - torch.as_tensor(list(Ps), device=device))[:, None]


def step_matrix(a: Tensor, W: Tensor, mask: Tensor, P_max: int) -> Tensor:
    """S (K, M, M+P_max) with a_k * z + W_k phi_{P_k}(z) = S_k [relu(z_R), z].

    Parameters
    ----------
    a : Tensor of shape (K, M)
    W : Tensor of shape (K, M, M)
    mask : bool Tensor of shape (K, M)
        ReLU units of each model, from :func:`relu_mask`; none may lie
        before the last ``P_max`` units.
    P_max : int
    """
    M = W.shape[-1]
    relu_cols = W[:, :, M - P_max :] * mask[:, None, M - P_max :]
    linear_cols = W * (~mask)[:, None, :] + torch.diag_embed(a)
    return torch.cat([relu_cols, linear_cols], dim=2)


def _forward_loop(drive: Tensor, S: Tensor, P_max: int) -> Tensor:
    """Extended states X (T+1, K, B, M+P_max), X[0] = 0."""
    T, K, B, M = drive.shape
    X = drive.new_empty(T + 1, K, B, M + P_max)
    X[0] = 0
    X[1:, :, :, P_max:] = drive  # d_t; z_t accumulates on it
    # A bmm into a contiguous buffer plus an add costs ~18 us per step where
    # baddbmm_ into the strided z view costs ~42 us (K=25, B=64, M=16, one thread).
    ST = S.transpose(1, 2).contiguous()
    step = drive.new_empty(K, B, M)
    # Per-step views made up front: indexing inside the loop costs ~1 us each.
    xs, zs = X.unbind(0), X[:, :, :, P_max:].unbind(0)
    z_R, r = X[:, :, :, M:].unbind(0), X[:, :, :, :P_max].unbind(0)
    for t in range(1, T + 1):
        torch.bmm(xs[t - 1], ST, out=step)
        zs[t].add_(step)
        if P_max:
            torch.clamp_min(z_R[t], 0, out=r[t])
    return X


def _backward_loop(
    grad_Z: Tensor, X: Tensor, S: Tensor, P_max: int, grad_S: Tensor | None
) -> Tensor:
    """Extended-state gradients G (T, K, B, M+P_max); G[t-1] = [dL/drelu(z_t,R), dL/dz_t].

    When ``grad_S`` is given, dL/dS_k = sum_t dL/dz_{t+1} x_t^T is accumulated
    into it step by step (x_0 = 0 drops out): ~1.2 ms per call where one einsum
    over all steps costs ~4.8 ms, because the einsum first copies both operands
    into model-major order (K=25, B=64, T=20, M=16, one thread).
    """
    T, K, B, M = grad_Z.shape
    G = X.new_empty(T, K, B, M + P_max)
    G[..., :P_max] = 0
    G[..., P_max:] = grad_Z  # direct grads; BPTT adds on them
    gx, gz, xs = G.unbind(0), G[..., P_max:].unbind(0), X.unbind(0)
    if P_max:
        # relu'(z) from r = relu(z) >= 0: sign(r) is 1 where z > 0, else 0 (one op).
        slope = X[1:T, ..., :P_max].sign().unbind(0)
        g_R, g_r = G[..., M:].unbind(0), G[..., :P_max].unbind(0)
    for t in range(T - 1, 0, -1):
        gx[t - 1].baddbmm_(gz[t], S)  # dL/dx_t += dL/dz_{t+1} S
        if grad_S is not None:
            grad_S.baddbmm_(gz[t].transpose(1, 2), xs[t])
        if P_max:
            g_R[t - 1].addcmul_(g_r[t - 1], slope[t - 1])  # through the ReLU
    return G


class _BatchedScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, drive: Tensor, S: Tensor, P_max: int) -> Tensor:
        with _flush_denormals():
            X = _forward_loop(drive, S, P_max)
        ctx.save_for_backward(X, S)
        ctx.P_max = P_max
        return X[1:, ..., P_max:]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_Z: Tensor):
        X, S = ctx.saved_tensors
        P_max = ctx.P_max
        grad_S = torch.zeros_like(S) if ctx.needs_input_grad[1] else None
        with _flush_denormals():
            G = _backward_loop(grad_Z, X, S, P_max, grad_S)
        return G[..., P_max:], grad_S, None


def batched_scan(drive: Tensor, S: Tensor, P_max: int) -> Tensor:
    """Latent states of K AL-RNNs at once.

    Parameters
    ----------
    drive : Tensor of shape (n_steps, K, n_samples, M)
        Input drive d_t = C_k s_t + h_k of every model, time-major (the
        kernel's own layout: any other order costs a strided copy of the
        whole tensor each way, measured ~3.6 ms of a ~20 ms training step).
    S : Tensor of shape (K, M, M + P_max)
        Step matrices from :func:`step_matrix`.
    P_max : int
        The largest P among the K models.

    Returns
    -------
    Z : Tensor of shape (n_steps, K, n_samples, M)
        z_1..z_T of every model from z_0 = 0, differentiable in ``drive`` and
        ``S`` through a hand-written backward pass (a view, not contiguous).

    Examples
    --------
    >>> import torch
    >>> K, M = 3, 4
    >>> a, W = torch.full((K, M), 0.5), 0.1 * torch.randn(K, M, M)
    >>> mask = relu_mask([0, 1, 4], M)
    >>> Z = batched_scan(torch.randn(5, K, 2, M), step_matrix(a, W, mask, 4), 4)
    >>> Z.shape
    torch.Size([5, 3, 2, 4])
    """
    if drive.shape[0] == 0:
        return drive
    if not (torch.is_grad_enabled() and (drive.requires_grad or S.requires_grad)):
        with torch.no_grad(), _flush_denormals():
            X = _forward_loop(drive, S, P_max)
        return X[1:, ..., P_max:]
    return _BatchedScan.apply(drive, S, P_max)


def _batched_scan_reference(
    drive: Tensor, a: Tensor, W: Tensor, mask: Tensor
) -> Tensor:
    """Plain autograd loop, phi by ``torch.where``: the oracle for :func:`batched_scan`."""
    z = torch.zeros_like(drive[0])
    states = []
    for d in drive:
        phi = torch.where(mask[:, None, :], torch.relu(z), z)
        z = a[:, None, :] * z + phi @ W.transpose(1, 2) + d
        states.append(z)
    return torch.stack(states)
