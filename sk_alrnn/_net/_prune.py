"""Pruning a fitted AL-RNN to the nonlinearity it uses: ReLU units that never switch.

On given data, a ReLU unit j whose pre-activation z_j keeps one sign at every
state where phi is applied is not nonlinear there:

* **always on** (z_j > 0 everywhere): relu(z_j) = z_j, so the unit is linear.
  It moves into the linear block (the units are permuted so the ReLU units stay
  last): P shrinks by one, every weight is kept.
* **always off** (z_j <= 0 everywhere): relu(z_j) = 0, so its outgoing weights
  W[:, j] never act: they are set to 0, after which phi_j no longer matters and
  the unit is linear too (P shrinks).  z_j itself still evolves and is still read
  by the readout B[:, j] (and by its own a_j z_j); a state that varies cannot
  be folded into the bias b, so the unit is kept.  It is **removed** (M shrinks)
  only when nothing reads it: B[:, j] = 0 (always the case for the forecaster's
  hidden units, whose readout is [I_N 0]).  Its row of W, a_j, C[j], h_j (and
  its row of the lift L) go with it; no other unit reads z_j once W[:, j] = 0.

Both reductions are exact: the states of the surviving units are the original
ones (permuted), so predictions agree to float32 rounding (the permuted sums
round differently).  ``tol > 0`` trades exactness for more pruning: a unit
counts as always off when z_j <= tol everywhere (it then drops contributions
W[:, j] relu(z_j) with relu(z_j) <= tol) and as always on when z_j > -tol
everywhere (error |relu(z_j) - z_j| < tol); off is tested first.

The regime code of a step keeps the surviving ReLU units' entries, so the
pruned model's ``regimes_`` is the original's with those columns kept and
equal codes merged (counts and transitions summed), and each pruned Jacobian
is the original one with rows and columns permuted (and removed units
dropped).
"""

from __future__ import annotations

import copy
import numbers
from dataclasses import dataclass

import numpy as np
import torch
from scipy import sparse

from ..analysis import RegimeSummary
from ..utils import check_param, input_error


@dataclass(frozen=True)
class PrunePlan:
    """How the units of a pruned network map to the original's.

    Attributes
    ----------
    order : ndarray of shape (M',)
        Original index of each unit of the pruned network (linear units first).
    P : int
        ReLU units of the pruned network (the last P of ``order``).
    silenced : ndarray
        Original indices of the always-off units (their W column is zeroed).
    kept_codes : ndarray of shape (P',)
        Columns of the original regime codes that remain (positions in 0..P-1).
    """

    order: np.ndarray
    P: int
    silenced: np.ndarray
    kept_codes: np.ndarray


def plan_pruning(
    on: np.ndarray, off: np.ndarray, M: int, P: int, read: np.ndarray, fixed: int = 0
) -> PrunePlan:
    """Which units become linear, which are removed, and the new unit order.

    Parameters
    ----------
    on, off : bool arrays of shape (P,)
        Whether each ReLU unit is always on / always off on the data (off wins).
    M, P : int
        Sizes of the original network.
    read : bool array of shape (M,)
        Whether the readout reads each unit (any non-zero in its column of B).
    fixed : int, default=0
        The first ``fixed`` units must keep their index (the forecaster's
        observed units); when they cannot, nothing is pruned.

    Returns
    -------
    plan : PrunePlan

    Examples
    --------
    Unit 2 (first ReLU) always on, unit 3 always off and unread, unit 4 switches:

    >>> on, off = np.array([True, False, False]), np.array([False, True, False])
    >>> plan = plan_pruning(on, off, M=5, P=3, read=np.array([1, 1, 1, 0, 1], bool))
    >>> plan.order.tolist(), plan.P, plan.silenced.tolist(), plan.kept_codes.tolist()
    ([0, 1, 2, 4], 1, [3], [2])
    """
    relu = np.arange(M - P, M)
    off = np.asarray(off, bool)
    on = np.asarray(on, bool) & ~off
    removed = relu[off & ~np.asarray(read, bool)[relu]]
    newly_linear = relu[(on | off) & ~np.isin(relu, removed)]
    kept_codes = np.flatnonzero(~(on | off))
    order = np.concatenate([np.arange(M - P), newly_linear, relu[kept_codes]]).astype(np.int64)
    if fixed and not np.array_equal(order[:fixed], np.arange(fixed)):
        return PrunePlan(np.arange(M), P, np.zeros(0, np.int64), np.arange(P))
    return PrunePlan(order, len(kept_codes), relu[off], kept_codes)


def unit_activity(relu_states: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """(always on, always off) per ReLU unit from the pre-activations (n_steps, P)."""
    if tol == 0:  # exactly the regime code's test z > 0
        codes = relu_states > 0
        return codes.all(axis=0), ~codes.any(axis=0)
    return (relu_states > -tol).all(axis=0), (relu_states <= tol).all(axis=0)


def activity_from_regimes(regimes: RegimeSummary) -> tuple[np.ndarray, np.ndarray]:
    """(always on, always off) per ReLU unit from the distinct codes of a fit (tol = 0)."""
    return regimes.codes.all(axis=0), ~regimes.codes.any(axis=0)


def restrict_regimes(regimes: RegimeSummary, columns: np.ndarray) -> RegimeSummary:
    """The summary with only ``columns`` of each code kept and equal codes merged.

    Examples
    --------
    >>> from sk_alrnn.analysis import regime_summary
    >>> s = regime_summary([np.array([[1, 0], [1, 1], [0, 1]], bool)])
    >>> r = restrict_regimes(s, np.array([1]))
    >>> r.codes.tolist(), r.counts.tolist(), r.transitions.tolist()
    ([[True], [False]], [2, 1], [[1, 0], [1, 0]])
    """
    codes = regimes.codes[:, columns]
    unique, labels = np.unique(codes, axis=0, return_inverse=True)
    labels = labels.reshape(-1)
    counts = np.bincount(labels, weights=regimes.counts, minlength=len(unique)).astype(np.int64)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    n_old, n_new = len(labels), len(unique)
    merge = sparse.csr_array((np.ones(n_old, np.int64), (np.arange(n_old), rank[labels])))
    merge.resize((n_old, n_new))
    transitions = (merge.T @ regimes.transitions_sparse @ merge).tocsr().astype(np.int64)
    if unique.shape[1] == 0:
        unique = np.zeros((1, 0), bool)
    return RegimeSummary(
        codes=unique[order].astype(bool),
        counts=counts[order],
        frequencies=counts[order] / counts.sum(),
        n_regimes=n_new,
        transitions_sparse=sparse.csr_array(transitions),
    )


def rewrite_module(module: torch.nn.Module, plan: PrunePlan, n_fixed: int = 0) -> torch.nn.Module:
    """A copy of an AL-RNN module with the units of ``plan`` (parameters a, W, h, and C, B or L).

    The weights are only permuted, dropped or zeroed: no arithmetic, so every
    kept value is the original float32 value.
    """
    order = torch.as_tensor(plan.order)
    new = copy.deepcopy(module)
    with torch.no_grad():
        W = module.W.detach().clone()
        W[:, torch.as_tensor(plan.silenced, dtype=torch.long)] = 0.0
        values = {"a": module.a[order], "W": W[order][:, order], "h": module.h[order]}
        if hasattr(module, "C"):
            values["C"] = module.C[order]
        if hasattr(module, "B"):
            values["B"] = module.B[:, order]
        if hasattr(module, "L"):  # the lift's rows are the units after the N observed ones
            values["L"] = module.L[order[n_fixed:] - n_fixed]
    for name, value in values.items():
        setattr(new, name, torch.nn.Parameter(value.detach().clone()))
    new.M, new.P = len(plan.order), plan.P
    return new


def _pruned_copy(est, plan: PrunePlan, n_fixed: int = 0):
    """A deep copy of ``est`` with the pruned module, sizes, regimes_ and a fresh optimizer."""
    new = copy.deepcopy(est)
    new.module_ = rewrite_module(est.module_, plan, n_fixed)
    new.M, new.P = len(plan.order), plan.P
    new.regimes_ = restrict_regimes(est.regimes_, plan.kept_codes)
    if hasattr(new, "optimizer_"):  # the old optimizer holds the old parameters
        new.initialize_optimizer()
    return new


def _check_tol(est, X, tol: float) -> float:
    tol = check_param(
        tol, "tol", f"{type(est).__name__}.prune", target_type=numbers.Real, min_val=0
    )
    if X is None and tol > 0:
        raise input_error(
            f"X of {type(est).__name__}.prune",
            "be given when tol > 0 (without X the fit's regime codes are used, which "
            "only tell whether z > 0)",
            "None",
        )
    return float(tol)


def prune_sequence_net(est, X=None, *, tol: float = 0.0):
    """``prune`` of the AL-RNN classifier and regressor (see the module docstring).

    X None uses ``regimes_`` (every valid step of the fit's X); otherwise the
    latent states on X, every valid step z_1..z_T.
    """
    est.check_is_fitted(["module_", "regimes_"])
    tol = _check_tol(est, X, tol)
    M, P = est.module_.M, est.module_.P
    if X is None:
        on, off = activity_from_regimes(est.regimes_)
    else:
        states = np.concatenate([np.asarray(z).reshape(-1, M) for z in est.latent_states(X)])
        on, off = unit_activity(states[:, M - P :], tol)
    read = (est.module_.B.detach().cpu().numpy() != 0).any(axis=0)
    return _pruned_copy(est, plan_pruning(on, off, M, P, read))


def _trajectories(values) -> list[np.ndarray]:
    """A forecaster's input or output form ((T,), (T, N), (n, T, N) or a list) as 2-D arrays."""
    if isinstance(values, (list, tuple)):
        return [np.asarray(v, dtype=float).reshape(len(v), -1) for v in values]
    values = np.asarray(values, dtype=float)
    return [values.reshape(len(values), -1)] if values.ndim < 3 else list(values)


def forecaster_states(est, X) -> np.ndarray:
    """Every state at which a forecaster applies phi for ``predict(X)`` and its runs on X.

    The assimilated paths (``latent_states(X)``: ``forecast`` and ``regimes_``),
    the lifted observations (``predict(X, n_steps=1)``) and each trajectory's free
    run from its first observation for its length (``simulate``).
    """
    parts = _trajectories(est.latent_states(X))
    for x in _trajectories(X):
        parts.append(est.initial_state(x))
        if len(x) > 1:
            _, Z = est.simulate(len(x) - 1, x[0], return_latent=True)
            parts.append(Z)
    return np.concatenate(parts)


def prune_forecaster(est, X=None, *, tol: float = 0.0):
    """``prune`` of the forecaster: hidden ReLU units only, observed units stay first.

    X None uses ``regimes_`` (the assimilated training paths); with X the
    states of :func:`forecaster_states`, so ``predict(X)`` and the free runs
    from X's first observations agree too.  A removed hidden unit also loses
    its row of the lift L.  When some observed units are ReLU units
    (P > M - N) and the permutation would move them, nothing is pruned.
    """
    est.check_is_fitted(["module_", "regimes_"])
    tol = _check_tol(est, X, tol)
    M, P, N = est.module_.M, est.module_.P, est.n_features_in_
    if X is None:
        on, off = activity_from_regimes(est.regimes_)
    else:
        states = forecaster_states(est, X)
        if not np.isfinite(states).all():
            raise input_error(
                f"The free runs of {type(est).__name__}.prune on X", "stay finite", "a diverged run"
            )
        on, off = unit_activity(states[:, M - P :], tol)
    read = np.arange(M) < N  # readout [I_N 0]
    return _pruned_copy(est, plan_pruning(on, off, M, P, read, fixed=N), n_fixed=N)
