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

Why it is fast on CPU, where each op costs a few microseconds of dispatch:

- one state buffer X (T+1, B, M+P) holds x_t = [relu(z_t,R), z_t] for every
  step, so x_t[:M] is phi_P(z_t) (units permuted) and x_t[P:] is z_t, both
  plain slices: no ``torch.cat`` and no allocation inside the loop;
- diag(a) is folded into the step matrix K, so a step is one in-place
  ``addmm_`` (the drive is copied into X beforehand) plus one ``clamp_min``
  for the ReLU units; P = 0 is a single ``addmm_`` per step;
- the backward is the same pattern on a gradient buffer G (T, B, M+P).

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
    return torch.cat([z[..., : M - P], torch.relu(z[..., M - P :])], dim=-1)


@contextlib.contextmanager
def _flush_denormals():
    """Flush denormal floats to zero inside the recurrence only.

    Long products of contracting Jacobians underflow into denormals, which
    cost ~2x on x86 CPUs.  The user's setting is restored on exit.

    Thread safety: the flag is not process-global but lives in the calling
    thread's floating-point control register (MXCSR on x86, FPCR on ARM);
    measured with torch 2.13: a flag switched in one thread is not seen by
    another, and a new thread starts with its creator's value.  So each
    thread saves and restores only its own setting and no lock is needed; a
    shared lock with a reference count would be wrong here, as it would
    leave the flag on in every thread but the last to exit
    (tests/test_concurrency.py).
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


# Folding a_R into the step's matmul saves one elementwise op per step (and
# one per backward step) but adds B*M*P multiply-adds to each; on CPU an op
# costs a few microseconds, so folding pays below about this many
# (benchmarks/bench_scan.py --fold on/off; numbers in benchmarks/RESULTS.md).
_FOLD_MAX_MACS = 2**17


def _transition(a: Tensor, W: Tensor, P: int) -> Tensor:
    """K (M, M+P) with a * z + W phi_P(z) = K @ x for x = [relu(z_R), z_L, z_R].

    z_L are the M-P linear units, z_R the P ReLU units.  In this order
    x[:M] is phi_P(z) (permuted) and x[P:] is z itself, both contiguous, so
    the kernel reads and writes either with plain slices.
    """
    L = W.shape[0] - P
    diag_a = torch.diag(a)
    return torch.cat([W[:, L:], W[:, :L] + diag_a[:, :L], diag_a[:, L:]], dim=1)


def _split_transition_grad(grad_K: Tensor, P: int) -> tuple[Tensor, Tensor]:
    """Inverse of :func:`_transition` for gradients: dL/dK (M, M+P) -> (dL/da, dL/dW)."""
    M = grad_K.shape[0]
    L = M - P
    grad_W = torch.cat([grad_K[:, P:M], grad_K[:, :P]], dim=1)
    grad_a = torch.cat([grad_K[:L, P:M].diagonal(), grad_K[L:, M:].diagonal()])
    return grad_a, grad_W


def _forward_loop(drive: Tensor, K: Tensor, a_R: Tensor | None, P: int) -> Tensor:
    """Extended states X (T+1, B, M+P): X[t] = [relu(z_t,R), z_t], X[0] = 0.

    ``K`` is the full transition (a_R folded in) or its first M columns, with
    ``a_R`` then applied as a separate elementwise step.
    """
    B, T, M = drive.shape
    X = drive.new_empty(T + 1, B, M + P)
    X[0] = 0
    X[1:, :, P:] = drive.transpose(0, 1)  # d_t; z_t accumulates on it
    KT = K.t()
    # All per-step views made up front: indexing in the loop costs ~1 µs each.
    xs = X[:, :, : K.shape[1]].unbind(0)
    zs = X[:, :, P:].unbind(0)
    if P == 0:
        for t in range(1, T + 1):
            zs[t].addmm_(xs[t - 1], KT)
        return X
    z_R, r = X[:, :, M:].unbind(0), X[:, :, :P].unbind(0)
    for t in range(1, T + 1):
        zs[t].addmm_(xs[t - 1], KT)
        if a_R is not None:
            z_R[t].addcmul_(z_R[t - 1], a_R)
        torch.clamp_min(z_R[t], 0, out=r[t])
    return X


def _backward_loop(grad_Z: Tensor, X: Tensor, K: Tensor, a_R: Tensor | None, P: int) -> Tensor:
    """Extended-state gradients G (T, B, M+P); G[t-1] = [dL/drelu(z_t,R), dL/dz_t]."""
    B, T, M = grad_Z.shape
    G = X.new_empty(T, B, M + P)
    G[:, :, :P] = 0
    G[:, :, P:] = grad_Z.transpose(0, 1)  # direct grads; BPTT adds on them
    gx = G[:, :, : K.shape[1]].unbind(0)
    gz = G[:, :, P:].unbind(0)
    if P == 0:
        for t in range(T - 1, 0, -1):
            gx[t - 1].addmm_(gz[t], K)
        return G
    # relu'(z_t) for t = 1..T-1; z_T feeds no later step.
    slope = (X[1:T, :, :P] > 0).to(X.dtype).unbind(0)
    g_R, g_r = G[:, :, M:].unbind(0), G[:, :, :P].unbind(0)
    for t in range(T - 1, 0, -1):
        gx[t - 1].addmm_(gz[t], K)  # dL/dx_t += dL/dz_{t+1} K
        if a_R is not None:
            g_R[t - 1].addcmul_(g_R[t], a_R)
        g_R[t - 1].addcmul_(g_r[t - 1], slope[t - 1])  # through the ReLU
    return G


def _plan(drive: Tensor, a: Tensor, W: Tensor, P: int) -> tuple[Tensor, Tensor | None]:
    """The loop's matrix and, when not folded into it, the ReLU units' a_R."""
    K = _transition(a, W, P)
    B, M = drive.shape[0], W.shape[0]
    if B * M * P <= _FOLD_MAX_MACS:
        return K, None
    return K[:, :M], a[M - P :]


class _ALRNNScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
        K, a_R = _plan(drive, a, W, P)
        with _flush_denormals():
            X = _forward_loop(drive, K, a_R, P)
        ctx.save_for_backward(X, K, a_R)
        ctx.P = P
        return X[1:, :, P:].transpose(0, 1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_Z: Tensor):
        X, K, a_R = ctx.saved_tensors
        P, (M, n_in) = ctx.P, K.shape
        with _flush_denormals():
            G = _backward_loop(grad_Z, X, K, a_R, P)
        Gz = G[:, :, P:]
        grad_a = grad_W = None
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            # dL/dK = sum_t dL/dz_{t+1} x_t^T: one matmul over all (step, sample)
            # pairs; x_0 = 0 drops out.
            grad_K = X.new_zeros(M, M + P)
            torch.mm(
                Gz[1:].reshape(-1, M).t(), X[1:-1, :, :n_in].reshape(-1, n_in), out=grad_K[:, :n_in]
            )
            if a_R is not None:
                grad_K[M - P :, M:].diagonal().copy_(
                    (Gz[1:, :, M - P :] * X[1:-1, :, M:]).sum(dim=(0, 1))
                )
            grad_a, grad_W = _split_transition_grad(grad_K, P)
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

    Notes
    -----
    Z is a view into the kernel's time-major state buffer (not contiguous).
    Padded steps of variable-length batches need no mask: steps after a
    sequence's end never influence its earlier steps, and the loss gives them
    zero gradient.  Denormal floats are flushed to zero inside the loops only
    (``torch.set_flush_denormal``); the caller's setting is restored.

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
            X = _forward_loop(drive, *_plan(drive, a, W, P), P)
        return X[1:, :, P:].transpose(0, 1)
    return _ALRNNScan.apply(drive, a, W, P)


def _scan_reference(drive: Tensor, a: Tensor, W: Tensor, P: int) -> Tensor:
    """Plain autograd loop over time: the oracle for :func:`alrnn_scan`."""
    z = drive.new_zeros(drive.shape[0], drive.shape[2])
    states = []
    for t in range(drive.shape[1]):
        z = a * z + _phi(z, P) @ W.t() + drive[:, t]
        states.append(z)
    return torch.stack(states, dim=1)
