"""The AL-RNN recurrence: a fused kernel with hand-written backprop-through-time.

The recurrence (z_0 = 0, t = 1..T)::

    z_t = a * z_{t-1} + W phi_P(z_{t-1}) + d_t,     d_t = C s_t + h

is evaluated by :func:`alrnn_scan`.  The input drive ``d`` is computed by the
caller in one matmul for all steps; the kernel only runs the time loop.

Why a custom :class:`torch.autograd.Function`: a Python loop with autograd
builds thousands of tiny graph nodes (one per op per step) and the backward
walks them one by one.  Here the forward records nothing, and the backward runs
one small loop for the state gradients only; the weight gradients are then
single large matmuls over all (step, sample) pairs.

:func:`_scan_reference` is the plain autograd loop, kept as the oracle for tests.
"""
from __future__ import annotations

import contextlib

import torch
from torch import Tensor

__all__ = ["alrnn_scan"]


def _phi(z: Tensor, P: int) -> Tensor:
    """phi_P(z): identity on the first M-P units, ReLU on the last P."""
    if P == 0:
        return z
    M = z.shape[-1]
    return torch.cat([z[..., : M - P], torch.relu(z[..., M - P:])], dim=-1)


def _phi_derivative(z: Tensor, P: int) -> Tensor:
    """d phi_P / dz, elementwise: 1 on linear units, 1[z > 0] on ReLU units."""
    M = z.shape[-1]
    slope = torch.ones_like(z)
    if P:
        slope[..., M - P:] = (z[..., M - P:] > 0).to(z.dtype)
    return slope


@contextlib.contextmanager
def _flush_denormals():
    """Flush denormal floats to zero inside the recurrence only.

    Long products of contracting Jacobians underflow into denormals, which
    cost ~2x on x86 CPUs.  The user's setting is restored on exit.
    """
    # torch has no getter for the flag; probe it: with flushing on, the
    # smallest normal float32 halved becomes exactly zero.
    tiny = torch.tensor(torch.finfo(torch.float32).tiny, dtype=torch.float32)
    was_on = bool((tiny / 2) == 0)
    changed = torch.set_flush_denormal(True)
    try:
        yield
    finally:
        if changed and not was_on:
            torch.set_flush_denormal(False)


def _forward_loop(drive_tm: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Run the recurrence on time-major drive (T, B, M); returns Z (T, B, M)."""
    T, B, M = drive_tm.shape
    Z = torch.empty_like(drive_tm)
    WT = W.t()
    z = drive_tm.new_zeros(B, M)
    for t in range(T):
        u = _phi(z, P)
        # z_t = d_t + phi(z) W^T + a * z, written straight into Z[t].
        torch.addmm(drive_tm[t], u, WT, out=Z[t])
        Z[t].addcmul_(z, a)
        z = Z[t]
    return Z


def _backward_loop(grad_tm: Tensor, Z: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Total state gradients G[t] = dL/dz_{t+1} (time-major), from dL/dZ."""
    T = Z.shape[0]
    G = torch.empty_like(Z)
    # Slopes of phi at z_1..z_{T-1}; the step back from z_1 to z_0 is not needed.
    slope = _phi_derivative(Z[:-1], P) if P else None
    g = grad_tm[T - 1]
    G[T - 1] = g
    for t in range(T - 1, 0, -1):
        # dL/dz_t = grad_t + a * g_{t+1} + (g_{t+1} W) * phi'(z_t)
        back = g.mm(W)
        if slope is not None:
            back.mul_(slope[t - 1])
        back.add_(grad_tm[t - 1]).addcmul_(g, a)
        G[t - 1] = back
        g = G[t - 1]
    return G


class _ALRNNScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
        with _flush_denormals():
            Z = _forward_loop(drive.transpose(0, 1).contiguous(), a, W, P)
        ctx.save_for_backward(Z, a, W)
        ctx.P = P
        return Z.transpose(0, 1)

    @staticmethod
    def backward(ctx, grad_Z: Tensor):
        Z, a, W = ctx.saved_tensors
        P = ctx.P
        with _flush_denormals():
            G = _backward_loop(grad_Z.transpose(0, 1).contiguous(), Z, a, W, P)
        # Previous states z_0..z_{T-1} (z_0 = 0): weight grads as one matmul each.
        Z_prev = torch.cat([Z.new_zeros(1, *Z.shape[1:]), Z[:-1]])
        M = Z.shape[-1]
        G_flat = G.reshape(-1, M)
        grad_W = G_flat.t().mm(_phi(Z_prev, P).reshape(-1, M))
        grad_a = (G * Z_prev).sum(dim=(0, 1))
        return G.transpose(0, 1), grad_a, grad_W, None


def alrnn_scan(drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Latent states z_1..z_T of an AL-RNN driven by ``drive``.

    Parameters
    ----------
    drive : Tensor of shape (n_samples, n_steps, M)
        The input drive d_t = C s_t + h for every step.
    a : Tensor of shape (M,)
        Diagonal of the linear self-connection matrix A.
    W : Tensor of shape (M, M)
        Weights applied to phi_P(z).
    P : int
        Number of ReLU units (the last P of the M units).

    Returns
    -------
    Z : Tensor of shape (n_samples, n_steps, M)
        z_1..z_T, starting from z_0 = 0.  Differentiable with respect to
        ``drive``, ``a`` and ``W`` through a hand-written backward pass.

    Examples
    --------
    >>> import torch
    >>> drive = torch.randn(2, 5, 3)
    >>> a, W = torch.full((3,), 0.5), 0.1 * torch.randn(3, 3)
    >>> alrnn_scan(drive, a, W, P=1).shape
    torch.Size([2, 5, 3])
    """
    if drive.shape[1] == 0:
        return drive
    if not (drive.requires_grad or a.requires_grad or W.requires_grad):
        with torch.no_grad(), _flush_denormals():
            return _forward_loop(drive.transpose(0, 1).contiguous(), a, W, P).transpose(0, 1)
    return _ALRNNScan.apply(drive, a, W, P)


def _scan_reference(drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Plain autograd loop over time: the oracle for :func:`alrnn_scan`."""
    z = drive.new_zeros(drive.shape[0], drive.shape[2])
    states = []
    for t in range(drive.shape[1]):
        z = a * z + _phi(z, P) @ W.t() + drive[:, t]
        states.append(z)
    return torch.stack(states, dim=1)
