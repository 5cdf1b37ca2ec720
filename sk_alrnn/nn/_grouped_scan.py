"""K independent forced AL-RNNs in one recurrence: the DSR stack's kernel.

Network k (k = 0..K-1) has its own a_k, W_k, h_k, z_0 and P_k ReLU units (its
last P_k units; the same M for all).  The recurrence of each is that of
:func:`~sk_alrnn.nn._scan.alrnn_scan` with drive h_k, and the first N units of
every network are forced towards the same data, network k with its own
strength alpha_k.

With P_max = max_k P_k every network uses the same extended state
x_t = [relu(z_t[M-P_max:]), z_t] and a step matrix S_k (M, M+P_max) from
:func:`~sk_alrnn.nn._batched_scan.step_matrix`: a ReLU slot that is linear in
network k multiplies a zero column of S_k.  S is built from a and W with
ordinary autograd ops, so the masked entries pass no gradient to W.

Why not one block-diagonal AL-RNN of K*M units (what the stack ran before):
a step then costs a (B, K*M+P) x (K*M+P, K*M) matmul, K times the useful
multiply-adds; here a step is one batched matmul (``bmm``) on a (K, B, .)
layout plus one add, and the backward the same.  Buffers are network-major
(K, T+1, B, M+P_max), so each network's states over all steps are one
contiguous block and the weight gradient is a single batched matmul over all
(step, sample) pairs at the end.

Measured (one thread, medians of 21 round-robin rounds, on a shared 2-core
machine, benchmarks/bench_grouped_scan.py): a training step as the forecaster
runs it (lift, forward, MSE on z[:N], backward; M=20, N=3, P=2, L=100, hard
forcing tau=10), block-diagonal / grouped, in ms:

===  ==================  ===================
K    B=16                B=64
===  ==================  ===================
1    2.50 / 2.73 (0.9x)  4.84 / 5.44 (0.9x)
2    3.02 / 3.17 (1.0x)  7.00 / 7.26 (1.0x)
4    4.88 / 4.29 (1.1x)  10.9 / 8.42 (1.3x)
8    8.03 / 5.59 (1.4x)  24.2 / 15.1 (1.6x)
10   12.0 / 7.34 (1.6x)  38.3 / 20.6 (1.9x)
===  ==================  ===================

At K <= 2 the grouped step is up to 10 % slower (one more small op per step
costs more than the few wasted multiply-adds); from K = 4 on the
block-diagonal matmul's K-fold waste dominates.  Whole fits of
``ALRNNForecaster(batch_size=64, n_starts=K)`` on 10 000 Lorenz-63 steps take
31.1 s CPU at K=2 (31.5 before) and 81.5 s at K=8 (114.9 before).

:func:`_grouped_scan_reference` runs :func:`~sk_alrnn.nn._scan._scan_reference`
(the plain autograd loop) per network: the oracle for tests.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._batched_scan import relu_mask, step_matrix
from ._scan import Forcing, _active_plan, _flush_denormals, _scan_reference

__all__ = ["grouped_scan"]


def _hard(forcing: Forcing) -> bool:
    """Whether every network is hard-forced (alpha = 1): a plain copy then."""
    alpha = forcing.alpha
    return bool((alpha == 1).all()) if torch.is_tensor(alpha) else alpha == 1


def _alpha(forcing: Forcing, like: Tensor) -> Tensor:
    """The strengths as (K, 1, 1) (or a 0-d tensor) for the in-place lerps."""
    alpha = torch.as_tensor(forcing.alpha, dtype=like.dtype, device=like.device)
    return alpha.reshape(-1, 1, 1) if alpha.dim() else alpha


def _forward_loop(
    S: Tensor, h: Tensor, P: int, z0: Tensor, n_steps: int, forcing: Forcing | None
) -> tuple[Tensor, Tensor]:
    """Extended step inputs X (K, T+1, B, M+P) and the overwritten states (K, n_forced, B, N).

    X[:, t] = [relu(u_t,R), u_t] with u_t the (forced) input of the step from t.
    """
    K, M, width = S.shape
    B, T = z0.shape[1], n_steps
    X = S.new_empty(K, T + 1, B, width)
    X[:, 0, :, P:] = z0
    torch.clamp_min(z0[..., M - P :], 0, out=X[:, 0, :, :P])
    ST, h = S.transpose(1, 2).contiguous(), h[:, None]
    step = X.new_empty(K, B, M)
    # Per-step views made up front: indexing inside the loop costs ~1 us each.
    xs, zs = X.unbind(1), X[..., P:].unbind(1)
    z_R, r = X[..., M:].unbind(1), X[..., :P].unbind(1)
    steps = [] if forcing is None else list(forcing.steps(T))
    saved = X.new_empty(K, len(steps), B, 0 if forcing is None else forcing.signal.shape[-1])
    pull = {t: i for i, t in enumerate(steps)}
    hard = forcing is not None and _hard(forcing)
    alpha = None if forcing is None else _alpha(forcing, X)
    for t in range(1, T + 1):
        # bmm into a contiguous buffer, then one add: torch's fast batched
        # matmul needs a contiguous output (into the strided z_t view it loops
        # over the K networks: 23 us against 12 a step at K=8, B=16); adding h
        # here saves filling X with h first (0.14 ms a call at K=8, B=64, L=100).
        torch.bmm(xs[t - 1], ST, out=step)
        torch.add(step, h, out=zs[t])
        if t in pull:
            N, x_t = saved.shape[-1], forcing.signal[:, t - 1]
            z_N = zs[t][..., :N]
            saved[:, pull[t]] = z_N
            # lerp_ = alpha x + (1 - alpha) z in one op, alpha per network.
            z_N.copy_(x_t.expand_as(z_N)) if hard else z_N.lerp_(x_t.expand_as(z_N), alpha)
        if P:
            torch.clamp_min(z_R[t], 0, out=r[t])
    return X, saved


def _outputs(X: Tensor, saved: Tensor, P: int, forcing: Forcing | None) -> Tensor:
    """Pre-forcing states z_1..z_T (K, T, B, M); a view into X when nothing was forced."""
    Z = X[:, 1:, :, P:]
    if saved.shape[1] == 0:
        return Z
    Z = Z.clone()
    steps = torch.tensor(list(forcing.steps(X.shape[1] - 1)), device=X.device)
    Z[:, steps - 1, :, : saved.shape[-1]] = saved
    return Z


def _backward_loop(
    grad_Z: Tensor, X: Tensor, S: Tensor, P: int, forcing: Forcing | None, to_z0: bool
) -> Tensor:
    """Extended-state gradients G (K, T+1, B, M+P); G[:, t] = [dL/drelu(u_t,R), dL/dz_t].

    Row 0 (for z_0) is only filled when ``to_z0``.  At a forced step the
    gradient reaching u_t[:N] passes into z_t[:N] scaled by (1 - alpha_k);
    z_t's own (pre-forcing) loss gradient passes unscaled.
    """
    K, T, B, M = grad_Z.shape
    G = X.new_empty(K, T + 1, B, M + P)
    G[..., :P] = 0
    G[:, 0, :, P:] = 0
    G[:, 1:, :, P:] = grad_Z  # direct grads; BPTT adds on them
    gx, gz = G.unbind(1), G[..., P:].unbind(1)
    g_R, g_r = G[..., M:].unbind(1), G[..., :P].unbind(1)
    # relu'(u_t) from r = relu(u_t) >= 0: sign(r) is 1 where u_t > 0, else 0.
    slope = X[:, :T, :, :P].sign().unbind(1) if P else None
    pull, hard, alpha = {}, False, None
    if forcing is not None:
        N = forcing.signal.shape[-1]
        pull = {t: (gz[t][..., :N], grad_Z[:, t - 1, :, :N]) for t in forcing.steps(T)}
        hard, alpha = _hard(forcing), _alpha(forcing, X)
    step = G.new_empty(K, B, M + P)
    for t in range(T - 1, -1 if to_z0 else 0, -1):
        torch.bmm(gz[t + 1], S, out=step)  # contiguous output, as in the forward
        gx[t].add_(step)  # dL/dx_t += dL/dz_{t+1} S
        if P:
            g_R[t].addcmul_(g_r[t], slope[t])  # through the ReLU
        if t in pull:
            # G holds direct + dL/du; keep direct + (1 - alpha) dL/du.
            g_N, direct = pull[t]
            g_N.copy_(direct) if hard else g_N.lerp_(direct, alpha)
    return G


class _GroupedScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, S, h, z0, P: int, n_steps: int, forcing) -> Tensor:
        with _flush_denormals():
            X, saved = _forward_loop(S, h, P, z0, n_steps, forcing)
        ctx.save_for_backward(X, S)
        ctx.P, ctx.forcing = P, forcing
        return _outputs(X, saved, P, forcing)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_Z: Tensor):
        X, S = ctx.saved_tensors
        P, (K, M, width) = ctx.P, S.shape
        with _flush_denormals():
            G = _backward_loop(grad_Z, X, S, P, ctx.forcing, ctx.needs_input_grad[2])
        Gz = G[..., P:]
        grad_S = grad_h = grad_z0 = None
        if ctx.needs_input_grad[0]:
            # dL/dS_k = sum_t dL/dz_{t+1} x_t^T: one batched matmul over all
            # (step, sample) pairs of each network (both operands are views).
            grad_S = torch.bmm(
                Gz[:, 1:].reshape(K, -1, M).transpose(1, 2), X[:, :-1].reshape(K, -1, width)
            )
        if ctx.needs_input_grad[1]:
            grad_h = Gz[:, 1:].sum(dim=(1, 2))
        if ctx.needs_input_grad[2]:
            grad_z0 = Gz[:, 0]
        return grad_S, grad_h, grad_z0, None, None, None


def grouped_scan(
    a: Tensor,
    W: Tensor,
    h: Tensor,
    Ps,
    z0: Tensor,
    n_steps: int,
    *,
    forcing: Forcing | None = None,
) -> Tensor:
    """Latent states z_1..z_T of K AL-RNNs at once, each with constant drive h_k.

    z_t = a_k * u_{t-1} + W_k phi_{P_k}(u_{t-1}) + h_k for network k, with
    u_t = z_t except at forced steps (see ``forcing``).

    Parameters
    ----------
    a : Tensor of shape (K, M)
    W : Tensor of shape (K, M, M)
    h : Tensor of shape (K, M)
    Ps : sequence of int
        P_k, the ReLU units of network k (its last P_k units), 0 <= P_k <= M.
    z0 : Tensor of shape (K, n_samples, M)
        Initial states; differentiable.
    n_steps : int
        T.
    forcing : Forcing, optional
        One plan for every network: ``signal`` (n_samples, n_steps, N) and
        ``interval`` are shared; ``alpha`` is a float or a Tensor (K,), one
        strength per network.  At a forced step t the step from t starts at
        u_t = [alpha_k x_t + (1 - alpha_k) z_t[:N]; z_t[N:]].

    Returns
    -------
    Z : Tensor of shape (K, n_steps, n_samples, M)
        z_1..z_T of every network before forcing, time-major per network (the
        kernel's own layout: other orders cost strided copies of the whole
        tensor in forward and backward).  Differentiable with respect to
        ``a``, ``W``, ``h`` and ``z0`` through a hand-written backward pass.

    Examples
    --------
    >>> import torch
    >>> K, M, B = 3, 4, 2
    >>> a, W, h = torch.full((K, M), 0.5), 0.1 * torch.randn(K, M, M), torch.zeros(K, M)
    >>> z0 = torch.randn(K, B, M)
    >>> grouped_scan(a, W, h, [0, 1, 4], z0, 5).shape
    torch.Size([3, 5, 2, 4])
    >>> x = torch.randn(B, 5, 2)
    >>> forcing = Forcing(x, interval=2, alpha=torch.tensor([1.0, 0.5, 0.0]))
    >>> grouped_scan(a, W, h, [0, 1, 4], z0, 5, forcing=forcing).shape
    torch.Size([3, 5, 2, 4])
    """
    P = max(Ps)
    S = step_matrix(a, W, relu_mask(Ps, W.shape[-1], device=W.device), P)
    if n_steps == 0:
        return z0.new_empty(len(Ps), 0, z0.shape[1], W.shape[-1])
    forcing = _active_plan(forcing, n_steps)
    tensors = (S, h, z0)
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
        # Inference: same loop, no autograd node, nothing kept for backward.
        with torch.no_grad(), _flush_denormals():
            X, saved = _forward_loop(S, h, P, z0, n_steps, forcing)
        return _outputs(X, saved, P, forcing)
    return _GroupedScan.apply(S, h, z0, P, n_steps, forcing)


def _grouped_scan_reference(
    a: Tensor,
    W: Tensor,
    h: Tensor,
    Ps,
    z0: Tensor,
    n_steps: int,
    *,
    forcing: Forcing | None = None,
) -> Tensor:
    """The plain autograd loop of ``_scan.py`` per network: the oracle for :func:`grouped_scan`."""
    B, runs = z0.shape[1], []
    for k, P in enumerate(Ps):
        plan = forcing
        if forcing is not None and torch.is_tensor(forcing.alpha) and forcing.alpha.dim():
            plan = forcing._replace(alpha=forcing.alpha[k])
        drive = h[k].expand(B, n_steps, -1)
        Z = _scan_reference(drive, a[k], W[k], P, z0=z0[k], forcing=plan)
        runs.append(Z.transpose(0, 1))
    return torch.stack(runs)
