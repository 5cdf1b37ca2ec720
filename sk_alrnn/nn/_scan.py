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

For dynamical-systems reconstruction the loop also takes an initial state
z_0 and a forcing plan (:class:`Forcing`): at t = tau, 2tau, ... < T the first
N units are pulled towards data before the step from t, u_t[:N] = alpha x_t +
(1 - alpha) z_t[:N], and the outputs stay the pre-forcing states z_t.  The
buffer X then holds the step inputs u_t; the few overwritten z_t[:N] are kept
in a small side buffer.  A training step of that kind (B=16, L=200, M=20,
P=2, tau=16, MSE + backward) takes 3.6 ms here against 19.2 ms for the
autograd loop, 5.3x (4.5x with tau=1; benchmarks/bench_forced_scan.py).

:func:`_scan_reference` is the plain autograd loop, kept as the oracle for tests.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["Forcing", "alrnn_scan"]


class Forcing(NamedTuple):
    """A forcing plan: pull the first N units towards ``signal`` every ``interval`` steps.

    Attributes
    ----------
    signal : Tensor of shape (n_samples, n_steps, N)
        ``signal[:, t - 1]`` is x_t, the data for z_t (aligned with the outputs).
        Only the rows of forced steps are read; no gradient flows into it.
    interval : int
        tau >= 1: the step from t is forced when t % tau == 0 and 1 <= t < T.
    alpha : float or Tensor of shape (N,)
        Strength in [0, 1]: u_t[:N] = alpha x_t + (1 - alpha) z_t[:N]; 1 is hard
        forcing.  A tensor gives each forced unit its own strength.
    """

    signal: Tensor
    interval: int
    alpha: float | Tensor = 1.0

    def steps(self, n_steps: int) -> range:
        """Forced steps t = tau, 2 tau, ... < n_steps (z_T feeds no later step)."""
        return range(self.interval, n_steps, self.interval)


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


def _forward_loop(
    drive: Tensor,
    K: Tensor,
    a_R: Tensor | None,
    P: int,
    z0: Tensor | None = None,
    forcing: Forcing | None = None,
) -> tuple[Tensor, Tensor]:
    """Extended step inputs X (T+1, B, M+P) and the overwritten states S (n_forced, B, N).

    X[t] = [relu(u_t,R), u_t] with u_t the (forced) input of the step from t
    (u_0 = z_0, 0 by default); S[k] = z_t[:N] before forcing, for the k-th
    forced step t.  ``K`` is the full transition (a_R folded in) or its first
    M columns, with ``a_R`` then applied as a separate elementwise step.
    """
    B, T, M = drive.shape
    X = drive.new_empty(T + 1, B, M + P)
    if z0 is None:
        X[0] = 0
    else:
        X[0, :, P:] = z0
        torch.clamp_min(z0[:, M - P :], 0, out=X[0, :, :P])
    X[1:, :, P:] = drive.transpose(0, 1)  # d_t; z_t accumulates on it
    KT = K.t()
    # All per-step views made up front: indexing in the loop costs ~1 µs each.
    xs = X[:, :, : K.shape[1]].unbind(0)
    zs = X[:, :, P:].unbind(0)
    pull, S = _pull_plan(X, P, forcing)
    z_R, r = X[:, :, M:].unbind(0), X[:, :, :P].unbind(0)
    for t in range(1, T + 1):
        zs[t].addmm_(xs[t - 1], KT)
        if P and a_R is not None:
            z_R[t].addcmul_(z_R[t - 1], a_R)
        if t in pull:
            z_N, x_t, saved = pull[t]
            saved.copy_(z_N)
            # alpha = 1 is a plain copy; lerp_ = alpha x + (1 - alpha) z in one op.
            # alpha may be a tensor (N,): one strength per forced unit.
            if not torch.is_tensor(forcing.alpha) and forcing.alpha == 1:
                z_N.copy_(x_t)
            else:
                z_N.lerp_(x_t, forcing.alpha)
        if P:
            torch.clamp_min(z_R[t], 0, out=r[t])
    return X, S


def _pull_plan(X: Tensor, P: int, forcing: Forcing | None) -> tuple[dict, Tensor]:
    """{t: (view z_t[:N] in X, x_t, row of S)} for the forced steps, and S itself."""
    T, B = X.shape[0] - 1, X.shape[1]
    if forcing is None:
        return {}, X.new_empty(0, B, 0)
    N = forcing.signal.shape[-1]
    steps = forcing.steps(T)
    S = X.new_empty(len(steps), B, N)
    plan = {t: (X[t, :, P : P + N], forcing.signal[:, t - 1], S[k]) for k, t in enumerate(steps)}
    return plan, S


def _backward_loop(
    grad_Z: Tensor,
    X: Tensor,
    K: Tensor,
    a_R: Tensor | None,
    P: int,
    forcing: Forcing | None,
    to_z0: bool,
) -> Tensor:
    """Extended-state gradients G (T+1, B, M+P); G[t] = [dL/drelu(u_t,R), dL/dz_t].

    Row 0 (for z_0) is only filled when ``to_z0``.  At a forced step the
    gradient reaching u_t[:N] passes into z_t[:N] scaled by (1 - alpha);
    z_t's own (pre-forcing) loss gradient passes unscaled.
    """
    B, T, M = grad_Z.shape
    G = X.new_empty(T + 1, B, M + P)
    G[:, :, :P] = 0
    G[0, :, P:] = 0
    G[1:, :, P:] = grad_Z.transpose(0, 1)  # direct grads; BPTT adds on them
    gx = G[:, :, : K.shape[1]].unbind(0)
    gz = G[:, :, P:].unbind(0)
    # relu'(u_t) for t = 0..T-1; z_T feeds no later step.
    slope = (X[:T, :, :P] > 0).to(X.dtype).unbind(0)
    g_R, g_r = G[:, :, M:].unbind(0), G[:, :, :P].unbind(0)
    pull = {}
    if forcing is not None:
        N = forcing.signal.shape[-1]
        pull = {t: (G[t, :, P : P + N], grad_Z[:, t - 1, :N]) for t in forcing.steps(T)}
    for t in range(T - 1, -1 if to_z0 else 0, -1):
        gx[t].addmm_(gz[t + 1], K)  # dL/dx_t += dL/dz_{t+1} K
        if P and a_R is not None:
            g_R[t].addcmul_(g_R[t + 1], a_R)
        if P:
            g_R[t].addcmul_(g_r[t], slope[t])  # through the ReLU
        if t in pull:
            # G holds direct + dL/du; keep direct + (1 - alpha) dL/du.
            g_N, direct = pull[t]
            g_N.lerp_(direct, forcing.alpha)
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
    def forward(
        ctx,
        drive: Tensor,
        a: Tensor,
        W: Tensor,
        P: int,
        z0: Tensor | None,
        forcing: Forcing | None,
    ) -> Tensor:
        K, a_R = _plan(drive, a, W, P)
        with _flush_denormals():
            X, S = _forward_loop(drive, K, a_R, P, z0, forcing)
        ctx.save_for_backward(X, K, a_R)
        ctx.P, ctx.forcing, ctx.has_z0 = P, forcing, z0 is not None
        return _outputs(X, S, P, forcing)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_Z: Tensor):
        X, K, a_R = ctx.saved_tensors
        P, (M, n_in) = ctx.P, K.shape
        to_z0 = ctx.has_z0 and ctx.needs_input_grad[4]
        with _flush_denormals():
            G = _backward_loop(grad_Z, X, K, a_R, P, ctx.forcing, to_z0)
        Gz = G[:, :, P:]
        grad_a = grad_W = None
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            # dL/dK = sum_t dL/dz_{t+1} x_t^T: one matmul over all (step, sample)
            # pairs; x_0 = 0 drops out unless z_0 was given.
            first = 0 if ctx.has_z0 else 1
            grad_K = X.new_zeros(M, M + P)
            torch.mm(
                Gz[first + 1 :].reshape(-1, M).t(),
                X[first:-1, :, :n_in].reshape(-1, n_in),
                out=grad_K[:, :n_in],
            )
            if a_R is not None:
                grad_K[M - P :, M:].diagonal().copy_(
                    (Gz[first + 1 :, :, M - P :] * X[first:-1, :, M:]).sum(dim=(0, 1))
                )
            grad_a, grad_W = _split_transition_grad(grad_K, P)
        grad_z0 = Gz[0] if to_z0 else None
        return Gz[1:].transpose(0, 1), grad_a, grad_W, None, grad_z0, None


def _outputs(X: Tensor, S: Tensor, P: int, forcing: Forcing | None) -> Tensor:
    """Pre-forcing states z_1..z_T (B, T, M); a view into X when nothing was forced."""
    Z = X[1:, :, P:]
    if S.shape[0] == 0:
        return Z.transpose(0, 1)
    Z = Z.clone()
    steps = torch.tensor(list(forcing.steps(X.shape[0] - 1)), device=X.device)
    Z[steps - 1, :, : S.shape[2]] = S
    return Z.transpose(0, 1)


def alrnn_scan(
    drive: Tensor,
    a: Tensor,
    W: Tensor,
    P: int,
    *,
    z0: Tensor | None = None,
    forcing: Forcing | None = None,
) -> Tensor:
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
    z0 : Tensor of shape (n_samples, M), optional
        Initial state (zeros if None); differentiable.
    forcing : Forcing, optional
        Forcing plan for the first N units (see :class:`Forcing`).  The step
        from a forced t starts at u_t = [alpha x_t + (1 - alpha) z_t[:N]; z_t[N:]].

    Returns
    -------
    Z : Tensor of shape (n_samples, n_steps, M)
        z_1..z_T before forcing.  Differentiable with respect to ``drive``,
        ``a``, ``W`` and ``z0`` through a hand-written backward pass; the
        gradient through a forced u_t[:N] into z_t[:N] is scaled by 1 - alpha.

    Notes
    -----
    Z is a view into the kernel's time-major state buffer (not contiguous)
    when nothing is forced.
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
    >>> x = torch.randn(2, 5, 1)
    >>> Z = alrnn_scan(drive, a, W, P=1, forcing=Forcing(x, interval=2, alpha=1.0))
    >>> Z.shape
    torch.Size([2, 5, 3])
    """
    if drive.shape[1] == 0:
        return drive
    forcing = _active_plan(forcing, drive.shape[1])
    needs_grad = (
        drive.requires_grad
        or a.requires_grad
        or W.requires_grad
        or (z0 is not None and z0.requires_grad)
    )
    if not (needs_grad and torch.is_grad_enabled()):
        # Inference: same loop, no autograd node, nothing kept for backward.
        with torch.no_grad(), _flush_denormals():
            X, S = _forward_loop(drive, *_plan(drive, a, W, P), P, z0, forcing)
        return _outputs(X, S, P, forcing)
    return _ALRNNScan.apply(drive, a, W, P, z0, forcing)


def _active_plan(forcing: Forcing | None, n_steps: int) -> Forcing | None:
    """The plan with its signal detached (no gradient into data), None when no step is forced."""
    if forcing is None:
        return None
    forcing = forcing._replace(signal=forcing.signal.detach())
    return forcing if list(forcing.steps(n_steps)) else None


def _scan_reference(
    drive: Tensor,
    a: Tensor,
    W: Tensor,
    P: int,
    *,
    z0: Tensor | None = None,
    forcing: Forcing | None = None,
) -> Tensor:
    """Plain autograd loop over time: the oracle for :func:`alrnn_scan`.

    Forcing is written as ``alpha x + (1 - alpha) z`` on the first N units,
    so autograd scales the gradient into z by 1 - alpha by itself.
    """
    z = drive.new_zeros(drive.shape[0], drive.shape[2]) if z0 is None else z0
    forced = set() if forcing is None else set(forcing.steps(drive.shape[1]))
    states = []
    for t in range(drive.shape[1]):
        if t in forced:
            N, x = forcing.signal.shape[-1], forcing.signal[:, t - 1]
            z = torch.cat([forcing.alpha * x + (1 - forcing.alpha) * z[:, :N], z[:, N:]], dim=1)
        z = a * z + _phi(z, P) @ W.t() + drive[:, t]
        states.append(z)
    return torch.stack(states, dim=1)
