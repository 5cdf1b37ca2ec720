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


def _rows(buffer: Tensor) -> Tensor:
    """A (..., K, B, W) buffer as rows (..., K*B, W): slices of it copy fast.

    torch copies into a column slice of a 2-D row view at ~4.5 us where the
    same slice of the 3-D (K, B, W) view costs ~27 us (K=9, B=64, W=72, one
    thread); whole-buffer fills and copies gain alike.
    """
    return buffer.view(*buffer.shape[:-3], -1, buffer.shape[-1])


def _forward_loop(inputs: Tensor, C: Tensor, h: Tensor, S: Tensor, P_max: int) -> Tensor:
    """Extended states X (T+1, K, B, M+P_max), X[0] = 0."""
    T, K, B, _ = inputs.shape
    M = S.shape[1]
    X = inputs.new_empty(T + 1, K, B, M + P_max)
    X[0] = 0
    # The drive C s_t + h is added step by step (one small baddbmm each) rather
    # than precomputed for all steps: at (T, K, B, M) = (200, 9, 64, 64) the
    # (T, K, B, M) drive tensor cost ~29 ms to build and ~70 ms in backward
    # per training step, where the whole recurrence costs ~20 ms.
    ST, CT, h = (
        S.transpose(1, 2).contiguous(),
        C.transpose(1, 2).contiguous(),
        h[:, None],
    )
    step = inputs.new_empty(K, B, M)
    step_rows = step.view(K * B, M)
    # Per-step views made up front: indexing inside the loop costs ~1 us each.
    rows = _rows(X)
    xs, s = X.unbind(0), inputs.unbind(0)
    zs, z_R, r = (
        rows[..., P_max:].unbind(0),
        rows[..., M:].unbind(0),
        rows[..., :P_max].unbind(0),
    )
    for t in range(1, T + 1):
        # Into a contiguous buffer, then one copy: baddbmm_ straight into the
        # strided z view costs ~42 us where bmm + add cost ~18 (K=25, B=64, M=16).
        torch.baddbmm(h, s[t - 1], CT, out=step)
        step.baddbmm_(xs[t - 1], ST)
        zs[t].copy_(step_rows)
        if P_max:
            torch.clamp_min(z_R[t], 0, out=r[t])
    return X


def _direct_grads(grad: Tensor, X: Tensor, P_max: int, last: Tensor | None) -> Tensor:
    """G (T, K, B, M+P_max) holding dL/dz_t from the outputs; BPTT adds on it.

    ``grad`` is dL/dZ (T, K, B, M), or dL/dz at the steps ``last`` (K, B, M).
    """
    T, K, B, width = X.shape[0] - 1, *X.shape[1:]
    G = X.new_empty(T, K, B, width)
    if last is None:
        rows = _rows(G)
        rows[..., :P_max] = 0
        rows[..., P_max:] = grad.reshape(T, K * B, width - P_max)
    else:
        # One zero-fill and a scatter, where a dense dL/dZ from indexing the
        # outputs costs a fill, a scatter and a whole-buffer copy.
        G.zero_()
        G[last, torch.arange(K)[:, None], torch.arange(B), P_max:] = grad
    return G


def _pick(X: Tensor, P_max: int, last: Tensor | None) -> Tensor:
    """The kernel's output: z_1..z_T (T, K, B, M), or z at steps ``last`` + 1 (K, B, M)."""
    if last is None:
        return X[1:, ..., P_max:]
    K, B = last.shape
    return X[last + 1, torch.arange(K)[:, None], torch.arange(B), P_max:]


def _backward_loop(
    G: Tensor, X: Tensor, inputs: Tensor, S: Tensor, P_max: int, grads: dict
) -> Tensor:
    """Extended-state gradients G (T, K, B, M+P_max); G[t-1] = [dL/drelu(z_t,R), dL/dz_t].

    ``G`` comes in holding the direct gradients (:func:`_direct_grads`) and is
    completed in place.

    dL/dS_k = sum_t dL/dz_{t+1} x_t^T, dL/dC_k = sum_t dL/dz_t s_t^T and
    dL/dh_k = sum_t dL/dz_t are accumulated into ``grads["S"]``, ``grads["C"]``
    (both transposed) and ``grads["h"]`` (when present) step by step: ~1.2 ms per call where one
    einsum over all steps costs ~4.8 ms, as it first copies both operands into
    model-major order (K=25, B=64, T=20, M=16, one thread); a sum over the
    whole (T, K, B, M) gradient for dL/dh cost ~19 ms at T=200, K=9, M=64.
    """
    T, M = G.shape[0], G.shape[-1] - P_max
    G_rows = _rows(G)
    gx, gz, xs, s = G.unbind(0), G[..., P_max:].unbind(0), X.unbind(0), inputs.unbind(0)
    # Accumulated transposed: s_t^T dL/dz costs ~9 us per step where
    # (dL/dz)^T s_t costs ~190 us, x_t^T dL/dz ~170 us against ~400 us
    # (K=25, B=64, M=32, one thread): the strided dL/dz view is then the
    # right-hand operand, which the batched matmul takes without a copy.
    grad_ST, grad_CT, grad_h = grads.get("S"), grads.get("C"), grads.get("h")
    if P_max:
        # relu'(z) from r = relu(z) >= 0: sign(r) is 1 where z > 0, else 0 (one op).
        slope = _rows(X)[1:T, :, :P_max].sign().unbind(0)
        g_R, g_r = G_rows[..., M:].unbind(0), G_rows[..., :P_max].unbind(0)
    for t in range(T - 1, -1, -1):
        # gz[t] = dL/dz_{t+1} is final here.
        if grad_CT is not None:
            grad_CT.baddbmm_(s[t].transpose(1, 2), gz[t])
        if grad_h is not None:
            grad_h.add_(gz[t].sum(1))
        if t == 0:
            break
        gx[t - 1].baddbmm_(gz[t], S)  # dL/dx_t += dL/dz_{t+1} S
        if grad_ST is not None:
            grad_ST.baddbmm_(xs[t].transpose(1, 2), gz[t])
        if P_max:
            g_R[t - 1].addcmul_(g_r[t - 1], slope[t - 1])  # through the ReLU
    return G


class _BatchedScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, C, h, S, P_max: int, last) -> Tensor:
        with _flush_denormals():
            X = _forward_loop(inputs, C, h, S, P_max)
        ctx.save_for_backward(X, inputs, C, S)
        ctx.P_max, ctx.last = P_max, last
        return _pick(X, P_max, last)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out: Tensor):
        X, inputs, C, S = ctx.saved_tensors
        P_max = ctx.P_max
        wanted = dict(zip(("inputs", "C", "h", "S"), ctx.needs_input_grad))
        tensors = {"C": C.transpose(1, 2), "h": C[:, :, 0], "S": S.transpose(1, 2)}
        grads = {
            name: torch.zeros_like(t, memory_format=torch.contiguous_format)
            for name, t in tensors.items()
            if wanted[name]
        }
        with _flush_denormals():
            G = _direct_grads(grad_out, X, P_max, ctx.last)
            G = _backward_loop(G, X, inputs, S, P_max, grads)
        Gz = G[..., P_max:]
        grad_inputs = torch.matmul(Gz, C) if wanted["inputs"] else None
        grad_C, grad_S = (grads[k].transpose(1, 2) if k in grads else None for k in "CS")
        return grad_inputs, grad_C, grads.get("h"), grad_S, None, None


def batched_scan(
    inputs: Tensor, C: Tensor, h: Tensor, S: Tensor, P_max: int, last: Tensor | None = None
) -> Tensor:
    """Latent states of K AL-RNNs at once.

    Parameters
    ----------
    inputs : Tensor of shape (n_steps, K, n_samples, n_features)
        Each model's minibatch s_1..s_T, time-major (the kernel's own layout:
        any other order costs strided copies of whole tensors, measured ~3.6
        ms of a ~20 ms training step).
    C : Tensor of shape (K, M, n_features)
    h : Tensor of shape (K, M)
        Input weights and bias: the drive is d_t = C_k s_t + h_k.
    S : Tensor of shape (K, M, M + P_max)
        Step matrices from :func:`step_matrix`.
    P_max : int
        The largest P among the K models.
    last : Tensor of shape (K, n_samples), int64, optional
        Return only z at step ``last + 1`` of each sequence (its last valid
        state, for sequence-to-one outputs).

    Returns
    -------
    Z : Tensor of shape (n_steps, K, n_samples, M), or (K, n_samples, M) with ``last``
        z_1..z_T of every model from z_0 = 0, differentiable in every input
        through a hand-written backward pass (a view, not contiguous).

    Examples
    --------
    >>> import torch
    >>> K, M, F = 3, 4, 2
    >>> a, W = torch.full((K, M), 0.5), 0.1 * torch.randn(K, M, M)
    >>> C, h = torch.randn(K, M, F), torch.zeros(K, M)
    >>> S = step_matrix(a, W, relu_mask([0, 1, 4], M), 4)
    >>> batched_scan(torch.randn(5, K, 2, F), C, h, S, 4).shape
    torch.Size([5, 3, 2, 4])
    """
    if inputs.shape[0] == 0 and last is None:
        return inputs.new_empty(0, *inputs.shape[1:3], S.shape[1])
    tensors = (inputs, C, h, S)
    if not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors)):
        with torch.no_grad(), _flush_denormals():
            X = _forward_loop(*tensors, P_max)
        return _pick(X, P_max, last)
    return _BatchedScan.apply(*tensors, P_max, last)


def _batched_scan_reference(
    inputs: Tensor, C: Tensor, h: Tensor, a: Tensor, W: Tensor, mask: Tensor
) -> Tensor:
    """Plain autograd loop, phi by ``torch.where``: the oracle for :func:`batched_scan`."""
    z = inputs.new_zeros(inputs.shape[1], inputs.shape[2], W.shape[1])
    states = []
    for s in inputs:
        phi = torch.where(mask[:, None, :], torch.relu(z), z)
        z = a[:, None, :] * z + phi @ W.transpose(1, 2) + s @ C.transpose(1, 2) + h[:, None]
        states.append(z)
    return torch.stack(states)
