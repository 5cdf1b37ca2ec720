"""Train K AL-RNNs (every (P, fold) pair of a sweep) as one batched model.

Every parameter carries a leading model axis (a: (K, M), W: (K, M, M), ...).
At optimizer step s, model k trains on its own s-th minibatch (index arrays
given by the caller, so each model sees exactly the sequence of minibatches
it would see alone); minibatches are padded to a common size with samples of
weight zero, and a model whose minibatches have run out is left untouched.

Each model's loss is its own mean over its own minibatch, and the batched
loss is their sum, so the gradient of model k's slice is the gradient of its
own loss.  Clipping uses each model's own gradient norm and the optimizers
(:class:`_BatchedAdam`, :class:`_BatchedSGD`) keep per-model step counts, so
model k's update equals ``torch.optim.Adam`` / ``SGD`` plus skorch's
``GradientNormClipping`` on that model alone (tests/test_cv.py checks the
weights to float32 tolerance).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from ..nn import batched_scan, relu_mask, step_matrix

__all__ = ["BatchedProblem", "make_optimizer", "plan_groups", "train_batched"]

PARAM_NAMES = ("a", "W", "C", "h", "B", "b")


@dataclass
class BatchedProblem:
    """The data every model draws its minibatches from (indices refer to its rows).

    Attributes
    ----------
    values : Tensor of shape (T, n, F), float32
        Time-major, the kernel's layout (see :func:`batched_scan`).
    lengths : Tensor of shape (n,), int64
    targets : Tensor
        (n,) or, per step, (T, n) int64 class indices (classification); (n, O)
        or, per step, (T, n, O) float32 (regression).
    classification : bool
    sequence_output : bool
    """

    values: Tensor
    lengths: Tensor
    targets: Tensor
    classification: bool
    sequence_output: bool


# Groups are also kept to a state buffer X (T+1, K, B, M+P_max) of about this
# size, for speed: at (T, B, M) = (200, 64, 64), one thread, a training step
# cost 25-28 ms per model with K = 8 models (28 MiB) and 33 ms with K = 25
# (88 MiB); at (100, 64, 32) all 25 models (26 MiB) were fastest.
_STATE_BUFFER_MB = 32


def plan_groups(
    Ps: Sequence[int],
    M: int,
    n_features: int,
    n_steps: int,
    batch_size: int,
    max_memory_mb: float,
) -> tuple[list, bool]:
    """Split model indices into groups of about equal size that fit the budgets.

    A step of one model holds about B*T*(2(M+P) + 3M + F) floats (state and
    gradient buffers, drive, its gradient and the readout input); the groups
    keep that under ``max_memory_mb`` and the state buffer alone under
    ``_STATE_BUFFER_MB``.  Models are sorted by P, so a group's width M +
    max(P) stays small.  A single model larger than a budget forms a group
    of its own.

    Returns
    -------
    groups : list of lists of int
        Model indices, in training order.
    memory_bound : bool
        True when ``max_memory_mb`` (not only speed) forced the split.
    """
    order = np.argsort(np.asarray(Ps), kind="stable")
    width = M + max(Ps)
    per_model = batch_size * n_steps * (2 * width + 3 * M + n_features)
    by_memory = max(1, int(max_memory_mb * 2**20 / 4 // per_model))
    by_speed = max(1, int(_STATE_BUFFER_MB * 2**20 / 4 // (batch_size * (n_steps + 1) * width)))
    n_groups = -(-len(order) // min(by_memory, by_speed))
    groups = [group.tolist() for group in np.array_split(order, n_groups)]
    return groups, by_memory < len(order)


def _outputs(
    params: dict,
    mask: Tensor,
    P_max: int,
    X: Tensor,
    lengths: Tensor,
    sequence_output: bool,
) -> Tensor:
    """Outputs (K, B, O) or (T, K, B, O) of K models on their minibatches X (T, K, B, F)."""
    _T, K, B, _ = X.shape
    S = step_matrix(params["a"], params["W"], mask, P_max)
    readout = params["B"].transpose(1, 2)
    if sequence_output:
        Z = batched_scan(X, params["C"], params["h"], S, P_max)
        return torch.matmul(Z, readout) + params["b"][:, None, :]
    last = (lengths - 1).clamp(min=0)
    Z_last = batched_scan(X, params["C"], params["h"], S, P_max, last=last)
    return torch.baddbmm(params["b"][:, None, :], Z_last, readout)


def _losses(
    out: Tensor, y: Tensor, weight: Tensor, lengths: Tensor, problem: BatchedProblem
) -> Tensor:
    """Each model's mean loss over its own valid samples (and steps): shape (K,)."""
    if problem.classification:
        n_outputs = out.shape[-1]
        each = F.cross_entropy(out.reshape(-1, n_outputs), y.reshape(-1), reduction="none")
        each = each.view(out.shape[:-1])
    else:
        each = (out - y).square().sum(-1) / out.shape[-1]
    if problem.sequence_output:
        steps = torch.arange(out.shape[0], device=out.device)[:, None, None]
        valid = (steps < lengths) & (weight > 0)
        return (each * valid).sum((0, 2)) / valid.sum((0, 2)).clamp(min=1)
    return (each * weight).sum(1) / weight.sum(1).clamp(min=1)


def _clip(grads: list, max_norm: float | None) -> None:
    """Per-model gradient-norm clipping, as ``torch.nn.utils.clip_grad_norm_`` on each model."""
    if max_norm is None:
        return
    K = grads[0].shape[0]
    squares = sum(g.reshape(K, -1).square().sum(1) for g in grads)
    coef = torch.clamp(max_norm / (squares.sqrt() + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))


class _BatchedAdam:
    """``torch.optim.Adam`` (no amsgrad) on stacked tensors, one step count per model."""

    def __init__(
        self,
        params: list,
        lr: float,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.weight_decay = weight_decay
        self.exp_avg = [torch.zeros_like(p) for p in params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in params]
        self.steps = np.zeros(params[0].shape[0])

    def step(self, grads: list, active: np.ndarray) -> None:
        beta1, beta2 = self.betas
        self.steps += active
        steps = np.maximum(self.steps, 1)
        step_size = torch.as_tensor(self.lr / (1 - beta1**steps), dtype=torch.float32)
        bc2_sqrt = torch.as_tensor(np.sqrt(1 - beta2**steps), dtype=torch.float32)
        keep = None if active.all() else torch.as_tensor(active)
        with torch.no_grad():
            for p, g, m, v in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
                shape = (-1,) + (1,) * (p.dim() - 1)
                if self.weight_decay:
                    g = g.add(p, alpha=self.weight_decay)
                new_m = m.lerp(g, 1 - beta1)
                new_v = v.mul(beta2).addcmul_(g, g, value=1 - beta2)
                denom = (new_v.sqrt() / bc2_sqrt.view(shape)).add_(self.eps)
                _assign(p, p.addcdiv(new_m * -step_size.view(shape), denom), keep, shape)
                _assign(m, new_m, keep, shape)
                _assign(v, new_v, keep, shape)


class _BatchedSGD:
    """``torch.optim.SGD`` (momentum, dampening, weight decay, nesterov) on stacked tensors."""

    def __init__(
        self,
        params: list,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ):
        self.params, self.lr, self.momentum, self.dampening = (
            params,
            lr,
            momentum,
            dampening,
        )
        self.weight_decay, self.nesterov = weight_decay, nesterov
        self.buffers = [torch.zeros_like(p) for p in params]
        self.steps = np.zeros(params[0].shape[0])

    def step(self, grads: list, active: np.ndarray) -> None:
        first = torch.as_tensor(self.steps == 0)
        self.steps += active
        keep = None if active.all() else torch.as_tensor(active)
        with torch.no_grad():
            for p, g, buf in zip(self.params, grads, self.buffers):
                shape = (-1,) + (1,) * (p.dim() - 1)
                if self.weight_decay:
                    g = g.add(p, alpha=self.weight_decay)
                if self.momentum:
                    # torch starts the buffer as a copy of the first gradient.
                    later = buf.mul(self.momentum).add_(g, alpha=1 - self.dampening)
                    new_buf = torch.where(first.view(shape), g, later)
                    _assign(buf, new_buf, keep, shape)
                    g = g.add(new_buf, alpha=self.momentum) if self.nesterov else new_buf
                _assign(p, p - self.lr * g, keep, shape)


def _assign(target: Tensor, value: Tensor, keep: Tensor | None, shape: tuple) -> None:
    """Set ``target`` to ``value`` for the active models only (all when ``keep`` is None)."""
    target.copy_(value if keep is None else torch.where(keep.view(shape), value, target))


BATCHED_OPTIMIZERS = {torch.optim.Adam: _BatchedAdam, torch.optim.SGD: _BatchedSGD}
_OPTIMIZERS = BATCHED_OPTIMIZERS  # former name, kept for existing imports


def make_optimizer(optimizer, params: list, lr: float, kwargs: dict):
    """The batched counterpart of a torch optimizer class, or ValueError."""
    if optimizer not in _OPTIMIZERS:
        supported = [cls.__name__ for cls in _OPTIMIZERS]
        raise ValueError(
            f"The sweep engine trains with torch.optim.Adam or torch.optim.SGD (batched "
            f"implementations {supported}); got optimizer={optimizer!r}. Use GridSearchCV "
            "with the plain estimator for other optimizers."
        )
    kwargs = dict(kwargs)
    lr = kwargs.pop("lr", lr)
    try:
        return _OPTIMIZERS[optimizer](params, lr, **kwargs)
    except TypeError as exc:
        raise ValueError(f"Unsupported optimizer__ parameter for the sweep engine: {exc}.") from exc


def _step_indices(schedules: Sequence[Sequence[np.ndarray]]):
    """(n_steps, K, B) indices (0 where padded) and (n_steps, K, B) bool validity."""
    n_steps = max(len(s) for s in schedules)
    B = max(len(batch) for s in schedules for batch in s)
    index = np.zeros((n_steps, len(schedules), B), dtype=np.int64)
    valid = np.zeros((n_steps, len(schedules), B), dtype=bool)
    for k, schedule in enumerate(schedules):
        for s, batch in enumerate(schedule):
            index[s, k, : len(batch)] = batch
            valid[s, k, : len(batch)] = True
    return index, valid


def train_batched(
    params: dict,
    Ps: Sequence[int],
    schedules: Sequence[Sequence[np.ndarray]],
    problem: BatchedProblem,
    *,
    optimizer=torch.optim.Adam,
    lr: float = 3e-3,
    optimizer_kwargs: dict | None = None,
    max_grad_norm: float | None = 1.0,
    log=None,
    on_epoch=None,
    n_epochs: int = 1,
) -> np.ndarray:
    """Train K models in place; return a bool (K,) array, True where a model diverged.

    Parameters
    ----------
    params : dict of str -> Tensor
        Stacked parameters ``a, W, C, h, B, b``, each with a leading model
        axis K; updated in place.
    Ps : sequence of int
        Number of ReLU units of each model.
    schedules : sequence of K sequences of int arrays
        Minibatches of each model in training order (rows of ``problem``).
    problem : BatchedProblem
    optimizer : torch.optim.Adam or torch.optim.SGD
    lr : float
    optimizer_kwargs : dict, optional
        Further optimizer arguments (``betas``, ``momentum``, ...).
    max_grad_norm : float or None
        Per-model gradient-norm clipping.
    log : callable, optional
        Called with a progress line about ten times per run.
    on_epoch : callable, optional
        Called as ``on_epoch(loss)`` after each of the ``n_epochs`` epochs of the
        run, with the mean training loss of the active models over that epoch's
        steps (a progress bar: ``EpochBar.update``).
    n_epochs : int, default=1
        Epochs the schedules hold; the longest schedule is split into this many
        equal spans of steps, the epochs of ``on_epoch``.

    Returns
    -------
    failed : ndarray of shape (K,), bool
        Models whose loss became non-finite; they stop training at that step.
    """
    leaves = [params[name].requires_grad_() for name in PARAM_NAMES]
    opt = make_optimizer(optimizer, leaves, lr, optimizer_kwargs or {})
    M, P_max = params["a"].shape[1], max(Ps)
    mask = relu_mask(Ps, M, device=params["a"].device)
    index, valid = _step_indices(schedules)
    failed = np.zeros(len(Ps), dtype=bool)
    device = params["a"].device
    start, report_every = time.perf_counter(), max(1, len(index) // 10)
    epoch_loss, epoch_steps, epochs_done = 0.0, 0, 0
    for s in range(len(index)):
        active = valid[s].any(1) & ~failed
        idx = torch.as_tensor(index[s], device=device)
        lengths = problem.lengths[idx]
        T = int(lengths[torch.as_tensor(valid[s], device=device)].max())
        weight = torch.as_tensor(valid[s] & active[:, None], dtype=torch.float32, device=device)
        out = _outputs(
            params,
            mask,
            P_max,
            problem.values[:T, idx],
            lengths,
            problem.sequence_output,
        )
        y = problem.targets[:T, idx] if problem.sequence_output else problem.targets[idx]
        losses = _losses(out, y, weight, lengths, problem)
        finite = torch.isfinite(losses).cpu().numpy()
        failed |= active & ~finite
        active &= finite
        grads = torch.autograd.grad(torch.where(torch.as_tensor(finite), losses, 0).sum(), leaves)
        _clip(grads, max_grad_norm)
        opt.step(grads, active)
        if on_epoch is not None:
            if active.any():
                epoch_loss += float(losses.detach()[torch.as_tensor(active)].mean())
                epoch_steps += 1
            while epochs_done < (s + 1) * n_epochs // len(index):
                on_epoch(epoch_loss / epoch_steps if epoch_steps else math.nan)
                epoch_loss, epoch_steps, epochs_done = 0.0, 0, epochs_done + 1
        if log is not None and (s + 1) % report_every == 0:
            mean = (
                float(losses.detach()[torch.as_tensor(active)].mean()) if active.any() else math.nan
            )
            log(
                f"step {s + 1}/{len(index)}: mean loss {mean:.4g}, "
                f"{time.perf_counter() - start:.1f} s"
            )
    for leaf in leaves:
        leaf.requires_grad_(False)
    return failed
