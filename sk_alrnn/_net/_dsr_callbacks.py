"""The forecaster's training behaviour as skorch callbacks.

- :class:`ExpDecay`: the per-epoch exponential learning-rate decay, for skorch's
  ``LRScheduler`` with torch's ``LambdaLR``.
- :class:`StackClipping`: gradient-norm clipping of each network of a :class:`DSRStack`
  on its own (what ``GradientNormClipping`` does for one network).
- :class:`AdaptiveForcing`: generalized teacher forcing's adaptive alpha, per network.
- :class:`CheckpointSelection`: free runs of every network at checkpoint epochs, scored
  by D_stsp; collapsed or diverged runs are never kept; the best state per network is
  restored at the end.
"""

from __future__ import annotations

import numpy as np
import torch
from skorch.callbacks import Callback

from ..metrics import state_space_divergence
from ..nn import DSRStack
from ._dsr_auto import forcing_strength, free_run_status

__all__ = ["AdaptiveForcing", "CheckpointSelection", "ExpDecay", "StackClipping"]

# Checkpoint free runs: this many steps are dropped, then min(_EVAL_MAX, T_tot) scored
# (reference code: 1000 transient steps, at most 10 000 scored).
_EVAL_TRANSIENT, _EVAL_MAX = 1000, 10_000
# The Gaussian-mixture D_stsp (N > 3) costs O(max_T * n_samples) per call; checkpoints
# score it on at most this many points (about 0.05 s a call instead of 0.2 s).
_EVAL_GMM_MAX_T = 2_500
# The adaptive forcing rule finds the visited (network, ReLU code) pairs with a lookup
# table of every pair while there are at most this many (8 MiB), else with a sort.
_LOOKUP_MAX = 2**20


class ExpDecay:
    """lr factor of epoch e: ratio ** (e / n_epochs) (picklable, for ``LambdaLR``).

    Examples
    --------
    >>> ExpDecay(0.01, 2)(1)
    0.1
    """

    def __init__(self, ratio: float, n_epochs: int):
        self.ratio, self.n_epochs = ratio, n_epochs

    def __call__(self, epoch: int) -> float:
        return self.ratio ** (epoch / self.n_epochs)


def _stacked_parameters(net) -> list:
    return [p for p in net.module_.parameters() if p.grad is not None]


class StackClipping(Callback):
    """Clip each network's gradient to norm ``max_norm`` (parameters stacked on axis 0).

    coef_k = min(1, max_norm / (||g_k|| + 1e-6)), as ``torch.nn.utils.clip_grad_norm_``
    computes for one network, so a stack of one clips exactly as skorch's
    ``GradientNormClipping`` does.
    """

    def __init__(self, max_norm: float):
        self.max_norm = max_norm

    def on_grad_computed(self, net, named_parameters, **kwargs):
        grads = [p.grad for p in _stacked_parameters(net)]
        K = grads[0].shape[0]
        squares = sum(g.reshape(K, -1).square().sum(1) for g in grads)
        coef = torch.clamp(self.max_norm / (squares.sqrt() + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.view(-1, *[1] * (g.dim() - 1)))


def jacobian_norms(a: torch.Tensor, W: torch.Tensor, slopes: torch.Tensor) -> tuple:
    """Spectral norms of J_k(c) = diag(a_k) + W_k diag([1..1, c]) for the distinct (k, c).

    Parameters
    ----------
    a : Tensor of shape (K, M)
    W : Tensor of shape (K, M, M)
    slopes : bool Tensor of shape (K, n, T, P)
        phi' on the last P units at each step of each sequence of each network
        (True on units linear in that network).

    Returns
    -------
    norms : Tensor of shape (R,)
        The norm of each distinct (network, code) pair, all in one batched
        ``matrix_norm`` call.
    index : Tensor of shape (K, n, T)
        Which of them each step has.
    """
    K, n, T, P = slopes.shape
    M = a.shape[-1]
    k, bits, index = _distinct_codes(slopes)
    phi = torch.ones(len(k), M, dtype=a.dtype, device=a.device)
    phi[:, M - P :] = bits.to(a.dtype)
    J = torch.diag_embed(a[k]) + W[k] * phi[:, None, :]
    return torch.linalg.matrix_norm(J, ord=2), index.reshape(K, n, T)


def _distinct_codes(slopes: torch.Tensor) -> tuple:
    """Distinct (network, code) pairs of ``slopes`` (K, n, T, P).

    Returns their networks (R,), codes (R, P) and the index of each step's pair.
    """
    K, P = slopes.shape[0], slopes.shape[-1]
    network = torch.arange(K, device=slopes.device)[:, None, None]
    if P + K.bit_length() > 62:  # no room in an int64: unique rows
        rows = torch.cat([network.expand(slopes.shape[:3])[..., None], slopes.long()], dim=-1)
        distinct, index = torch.unique(rows.reshape(-1, P + 1), dim=0, return_inverse=True)
        return distinct[:, 0], distinct[:, 1:].bool(), index
    # (network, code) as one integer: a 1-D unique is ~50x cheaper than
    # torch.unique(dim=0) on rows (B*L = 4800 rows per network and batch).
    weights = 2 ** torch.arange(P, device=slopes.device)
    numbers = (slopes.long() * weights).sum(-1).add_(network << P).reshape(-1)
    if (K << P) > _LOOKUP_MAX:
        distinct, index = torch.unique(numbers, return_inverse=True)
    else:
        # Mark the visited numbers and look their rank up: the same result as
        # torch.unique without its sort (0.4 against 1.2 ms at K=8, B=64, L=150).
        seen = torch.zeros(K << P, dtype=torch.bool, device=slopes.device)
        seen[numbers] = True
        distinct = seen.nonzero().squeeze(1)
        rank = torch.empty(K << P, dtype=torch.long, device=slopes.device)
        rank[distinct] = torch.arange(len(distinct), device=slopes.device)
        index = rank[numbers]
    return distinct >> P, (distinct[:, None] // weights) % 2 == 1, index


def forcing_strengths(norms: torch.Tensor, index: torch.Tensor, interval: int) -> torch.Tensor:
    """:func:`~sk_alrnn._net._dsr_auto.forcing_strength` for every network at once.

    alpha_k = max(0, 1 - exp(-tau max_i mean_t log ||J(code_{k,i,t})||)), in
    float64, from :func:`jacobian_norms`' ``norms`` (R,) and ``index`` (K, n, T).
    """
    alphas = forcing_strength(norms.double().cpu().numpy(), index.cpu().numpy(), interval)
    return torch.from_numpy(alphas)


class AdaptiveForcing(Callback):
    """Generalized teacher forcing with alpha chosen from the Jacobians, per network.

    After every training batch each network's estimate alpha_est comes from
    the rule of ``forcing_strength`` (``_dsr_auto``) on the regimes its states
    visited in that batch, for all networks at once (:func:`forcing_strengths`);
    alpha jumps up to alpha_est at once and decays towards a lower one
    geometrically: alpha <- max(alpha_est, gamma alpha + (1 - gamma) alpha_est)
    (Hess et al., ICML 2023, with their update every batch).  alpha starts at
    1 (hard forcing).  The mean over networks goes into ``history`` as
    ``tf_alpha`` each epoch.

    Parameters
    ----------
    gamma : float
        Decay per batch; 0.99 relaxes within ~100 batches (the reference's
        0.999 per 5 batches is tuned for 250 000 batches, not a few thousand).
    """

    def __init__(self, gamma: float = 0.99):
        self.gamma = gamma

    def on_train_begin(self, net, **kwargs):
        net.module_.tf_alpha = torch.ones(net.module_.K)

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        stack = net.module_
        if not training or stack.last_states is None:
            return
        with torch.no_grad():
            slopes = stack.slopes(stack.last_states)
            norms, index = jacobian_norms(stack.a, stack.W, slopes)
            est = forcing_strengths(norms, index, stack.tf_interval).cpu()
        old = stack.tf_alpha.double()
        relaxed = self.gamma * old + (1 - self.gamma) * est
        stack.tf_alpha = torch.where(est > old, est, relaxed).to(stack.tf_alpha.dtype)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("tf_alpha", float(net.module_.tf_alpha.mean()))


class CheckpointSelection(Callback):
    """Keep, per network, the parameters whose free runs best match the data (D_stsp).

    At every ``interval``-th epoch and after the last one, each network of the
    stack runs freely from ``n_starts`` rows of the training data (1000
    transient steps, then min(10 000, T_tot) scored); a run that diverged, left
    the data's range or sits at a fixed point (:func:`free_run_status`) scores
    inf, the others their D_stsp against all training data.  A network's score
    is the median over its runs; the lowest finite score so far is kept (ties
    to the earlier epoch).  ``history`` gets ``dstsp`` (the best network's
    score at that epoch) and ``collapsed`` (how many networks' median run
    was at a fixed point or diverged).

    Attributes
    ----------
    best_ : list of (score, epoch, state) or None, one per network
    """

    def __init__(self, X_ref: np.ndarray, interval: int, n_epochs: int, n_starts: int):
        self.X_ref, self.interval, self.n_epochs, self.n_starts = (
            X_ref,
            interval,
            n_epochs,
            n_starts,
        )

    def on_train_begin(self, net, **kwargs):
        self.best_ = [None] * net.module_.K
        self.epoch_ = 0
        self._lo, self._hi = self.X_ref.min(axis=0), self.X_ref.max(axis=0)

    def on_epoch_end(self, net, **kwargs):
        self.epoch_ += 1
        if not (self.epoch_ == self.n_epochs or self.epoch_ % self.interval == 0):
            return
        scores, statuses = self.evaluate(net.module_)
        net.history.record("dstsp", float(np.min(scores)))
        net.history.record("collapsed", int(sum(s != "ok" for s in statuses)))
        for k, score in enumerate(scores):
            if np.isfinite(score) and (self.best_[k] is None or score < self.best_[k][0]):
                state = {n: p.detach()[k].clone() for n, p in net.module_.named_parameters()}
                self.best_[k] = (float(score), len(net.history), state)

    def evaluate(self, stack: DSRStack) -> tuple:
        """Median D_stsp per network (inf for collapsed runs) and the median run's status."""
        X_ref, S = self.X_ref, self.n_starts
        n_eval = min(_EVAL_MAX, len(X_ref))
        x0 = X_ref[[s * len(X_ref) // S for s in range(S)]]
        runs = stack.free_runs(x0, _EVAL_TRANSIENT + n_eval)[:, :, _EVAL_TRANSIENT:]
        scores, statuses = [], []
        for k in range(stack.K):
            each = [self._score(run) for run in runs[k]]
            order = np.argsort([s for s, _ in each], kind="stable")
            median = each[order[(len(each) - 1) // 2]]
            scores.append(median[0])
            statuses.append(median[1])
        return np.array(scores), statuses

    def _score(self, run: np.ndarray) -> tuple:
        status = free_run_status(run, self._lo, self._hi)
        if status != "ok":
            return np.inf, status
        # A fixed seed for the GMM version's Monte-Carlo samples keeps fits deterministic.
        kwargs = {"max_T": _EVAL_GMM_MAX_T} if run.shape[1] > 3 else {}
        return state_space_divergence(self.X_ref, run, random_state=0, **kwargs), status

    def restore(self, stack: DSRStack) -> None:
        """Put each network's best parameters back (networks without one keep theirs)."""
        with torch.no_grad():
            for k, best in enumerate(self.best_):
                if best is not None:
                    for name, p in stack.named_parameters():
                        p[k].copy_(best[2][name])
