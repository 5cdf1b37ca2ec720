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


def _transition(a: Tensor, W: Tensor, P: int) -> Tensor:
    """K (M, M+P) with a * z + W phi_P(z) = K @ [z, relu(z[M-P:])].

    Folding the diagonal into the matrix makes each step one matmul: the
    first M columns act on z (diag(a) plus W's linear columns), the last P on
    the ReLU outputs.
    """
    M = W.shape[0]
    lin = W.clone()
    lin[:, M - P:] = 0
    lin.diagonal().add_(a)
    return torch.cat([lin, W[:, M - P:]], dim=1)


def _forward_loop(drive: Tensor, K: Tensor, P: int) -> Tensor:
    """Extended states X (T+1, B, M+P): X[t] = [z_t, relu(z_t[M-P:])], X[0] = 0."""
    B, T, M = drive.shape
    X = drive.new_empty(T + 1, B, M + P)
    X[0] = 0
    X[1:, :, :M] = drive.transpose(0, 1)       # d_t, then z_t accumulates on it
    KT = K.t()
    # Views made in one call each: indexing inside the loop costs ~µs per step.
    xs, zs = X.unbind(0), X[:, :, :M].unbind(0)
    if P:
        zr, rs = X[:, :, M - P:M].unbind(0), X[:, :, M:].unbind(0)
    for t in range(1, T + 1):
        zs[t].addmm_(xs[t - 1], KT)
        if P:
            torch.clamp_min(zr[t], 0, out=rs[t])
    return X


def _backward_loop(grad_Z: Tensor, X: Tensor, K: Tensor, P: int) -> Tensor:
    """Extended state gradients G (T, B, M+P); G[t-1, :, :M] = dL/dz_t."""
    B, T, M = grad_Z.shape
    G = X.new_empty(T, B, M + P)
    G[:, :, :M] = grad_Z.transpose(0, 1)       # direct grads; BPTT adds on them
    if P:
        G[:, :, M:] = 0
        # relu'(z_t) for t = 1..T-1 (z_T feeds no later step).
        slope = (X[1:T, :, M:] > 0).to(X.dtype).unbind(0)
        gr, gzr = G[:, :, M:].unbind(0), G[:, :, M - P:M].unbind(0)
    gs, gz = G.unbind(0), G[:, :, :M].unbind(0)
    for t in range(T - 1, 0, -1):
        # [dL/dz_t, dL/drelu_t] += dL/dz_{t+1} @ K, then chain the ReLU part.
        gs[t - 1].addmm_(gz[t], K)
        if P:
            gzr[t - 1].addcmul_(gr[t - 1], slope[t - 1])
    return G


class _ALRNNScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
        K = _transition(a, W, P)
        with _flush_denormals():
            X = _forward_loop(drive, K, P)
        ctx.save_for_backward(X, K)
        ctx.P = P
        return X[1:, :, :W.shape[0]].transpose(0, 1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_Z: Tensor):
        X, K = ctx.saved_tensors
        P, M = ctx.P, K.shape[0]
        with _flush_denormals():
            G = _backward_loop(grad_Z, X, K, P)
        Gz = G[:, :, :M]
        # dL/dK = sum_t dL/dz_{t+1} x_t^T over all (step, sample) pairs, x_0 = 0.
        grad_K = Gz[1:].reshape(-1, M).t().mm(X[1:-1].reshape(-1, M + P))
        grad_a = grad_K[:, :M].diagonal().clone()
        grad_W = grad_K[:, :M].clone()
        grad_W[:, M - P:] = grad_K[:, M:]
        return Gz.transpose(0, 1), grad_a, grad_W, None


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
    needs_grad = drive.requires_grad or a.requires_grad or W.requires_grad
    if not (needs_grad and torch.is_grad_enabled()):
        # Inference: same loop, no autograd node, nothing kept for backward.
        with torch.no_grad(), _flush_denormals():
            X = _forward_loop(drive, _transition(a, W, P), P)
        return X[1:, :, :W.shape[0]].transpose(0, 1)
    return _ALRNNScan.apply(drive, a, W, P)


def _scan_reference(drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Plain autograd loop over time: the oracle for :func:`alrnn_scan`."""
    z = drive.new_zeros(drive.shape[0], drive.shape[2])
    states = []
    for t in range(drive.shape[1]):
        z = a * z + _phi(z, P) @ W.t() + drive[:, t]
        states.append(z)
    return torch.stack(states, dim=1)
