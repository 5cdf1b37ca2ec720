"""Rules of the forecaster's training that read the data or the model (numpy only).

- :func:`characteristic_period`: the time scale of a recording, from its power spectrum;
  :func:`auto_settings` turns it into the forcing interval, window length and
  checkpoint spacing that ``"auto"`` stands for.
- :func:`forcing_strength`: the adaptive alpha of generalized teacher forcing, from an
  upper bound on the product of the Jacobians' norms between two forced steps.
- :func:`free_run_status`: whether a free run collapsed to a fixed point or left the
  range of the data, so such a checkpoint is never kept.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "auto_settings",
    "characteristic_period",
    "forcing_strength",
    "free_run_status",
]

# The spectrum is read on at most this many steps of the longest trajectory (the
# period needs a few dozen cycles, not the whole recording).
_SPECTRUM_MAX_STEPS = 2**15
# Periods per forcing interval, and forcing intervals per window: tau = period / 5
# and L = 10 tau.  tau = period / 4 and / 4.7 are the settings the package measured
# as reconstructing Roessler (tau 30 at ~120 steps per rotation) and Lorenz-63
# (tau 16 at ~75 steps per loop), with L = 10 and 12.5 tau.  L = 3 tau (cheaper per
# batch) did worse on the Halvorsen flow: held-out D_stsp 15.5 and D_H 0.62 against
# 13.9 and 0.13 (benchmarks/study_dsr_levers.py, seed 0; neither reconstructs).
_TAU_PER_PERIOD = 1 / 5
_WINDOW_TAUS = 10
# A window's cost grows with its length, so L = 10 tau made slowly sampled recordings
# expensive: Thomas in the dysts benchmark (period 270 steps, tau 54, L 540) took 92 s of
# CPU per default fit against a median of 38 s over the 12 flows.  Windows are capped at
# this many steps, but always hold at least two forcing intervals.
_WINDOW_MAX_STEPS = 300
# Checkpoints per fit when checkpoint_interval="auto".
_CHECKPOINTS = 15


def characteristic_period(trajectories: Sequence[np.ndarray]) -> float:
    """The dominant period, in steps, of the longest trajectory's summed power spectrum.

    Each variable is centred and scaled to unit variance; the power spectra
    ``|rfft(x_j)|**2`` are summed over variables, and the period is one over
    the frequency of the largest peak (the constant term excluded).  A
    trajectory without variation has no period: the result is then its length.

    Parameters
    ----------
    trajectories : sequence of ndarray of shape (T_i, N)

    Returns
    -------
    period : float
        Steps per cycle of the dominant oscillation, in [2, T].

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1000)
    >>> x = np.stack([np.sin(2 * np.pi * t / 50), np.cos(2 * np.pi * t / 50)], axis=1)
    >>> characteristic_period([x])
    50.0
    """
    x = max(trajectories, key=len)[:_SPECTRUM_MAX_STEPS]
    x = np.asarray(x, dtype=np.float64)
    sd = x.std(axis=0)
    varying = sd > 0
    if len(x) < 4 or not varying.any():
        return float(len(x))
    u = (x[:, varying] - x[:, varying].mean(axis=0)) / sd[varying]
    power = (np.abs(np.fft.rfft(u, axis=0)) ** 2).sum(axis=1)
    peak = 1 + int(np.argmax(power[1:]))
    return float(len(x) / peak)


def auto_settings(
    period: float, shortest: int, max_epochs: int, tf_interval: int | None = None
) -> dict:
    """The values ``"auto"`` stands for, given the period (steps) and the shortest trajectory.

    tf_interval = max(1, round(period / 5)) (or the given one); sequence_length
    = 10 tf_interval, capped at 300 steps but at least 2 tf_interval, and at most
    ``shortest - 1`` (a window holds L + 1 observations); checkpoint_interval =
    max(1, max_epochs // 15).

    Examples
    --------
    >>> auto_settings(150.0, shortest=10_000, max_epochs=150)
    {'tf_interval': 30, 'sequence_length': 300, 'checkpoint_interval': 10}
    >>> auto_settings(150.0, shortest=50, max_epochs=3)["sequence_length"]
    49
    >>> auto_settings(270.0, shortest=10_000, max_epochs=150)["sequence_length"]  # tau 54
    300
    """
    tau = max(1, int(round(period * _TAU_PER_PERIOD))) if tf_interval is None else tf_interval
    window = min(_WINDOW_TAUS * tau, max(_WINDOW_MAX_STEPS, 2 * tau))
    return {
        "tf_interval": tau,
        "sequence_length": max(1, min(window, shortest - 1)),
        "checkpoint_interval": max(1, max_epochs // _CHECKPOINTS),
    }


def forcing_strength(norms: np.ndarray, codes: np.ndarray, interval: int) -> float:
    """Generalized teacher forcing's alpha from the Jacobian norms along a batch.

    With forcing every ``interval`` = tau steps, the gradient across one
    unforced stretch is bounded by (1 - alpha) times the product of the tau
    Jacobians' spectral norms.  Hess et al. (ICML 2023) bound that product
    along each training sequence by G^tau, with G the geometric mean of the
    norms along the sequence, take the largest G of the batch, and choose the
    smallest alpha that keeps the bound at 1:

        G = max_i exp(mean_t log ||J(code_{i,t})||),   alpha = max(0, 1 - G^(-tau))

    (their rule is tau = 1: alpha = max(0, 1 - 1/G)).

    Parameters
    ----------
    norms : ndarray of shape (R,)
        Spectral norm of the Jacobian of each distinct regime.
    codes : ndarray of int, shape (..., n_sequences, n_steps)
        The regime (index into ``norms``) of each step of each sequence; leading
        axes (e.g. one per network of a stack) give one alpha each.
    interval : int
        tau, the steps between forced steps.

    Returns
    -------
    alpha : float in [0, 1), or ndarray of shape ``codes.shape[:-2]``

    Examples
    --------
    >>> import numpy as np
    >>> forcing_strength(np.array([2.0, 0.5]), np.array([[0, 0], [0, 1]]), interval=1)
    0.5
    >>> forcing_strength(np.array([0.9]), np.array([[0, 0]]), interval=3)
    0.0
    """
    log_norms = np.log(np.asarray(norms, dtype=np.float64))
    growth = log_norms[np.asarray(codes)].mean(axis=-1).max(axis=-1)  # log G
    alpha = np.maximum(0.0, 1.0 - np.exp(-interval * growth))
    return float(alpha) if alpha.ndim == 0 else alpha


def free_run_status(run: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    """``"ok"``, ``"diverged"`` (non-finite or out of range) or ``"fixed point"``.

    A run left the data's range when any value lies outside [lo - w, hi + w]
    per variable, w = hi - lo (the range widened by its own width on each
    side); it sits at a fixed point when, over its last fifth, every
    variable moves by less than 1 % of the data's range.

    Parameters
    ----------
    run : ndarray of shape (T, N)
        A free run after its transient.
    lo, hi : ndarray of shape (N,)
        The data's per-variable minimum and maximum.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = np.zeros(1), np.ones(1)
    >>> free_run_status(np.full((100, 1), 0.5), lo, hi)
    'fixed point'
    >>> free_run_status(np.linspace(0, 1, 100)[:, None], lo, hi)
    'ok'
    >>> free_run_status(np.full((100, 1), 3.5), lo, hi)
    'diverged'
    """
    width = hi - lo
    if not np.isfinite(run).all() or (run < lo - width).any() or (run > hi + width).any():
        return "diverged"
    tail = run[-max(2, len(run) // 5) :]
    spread = tail.max(axis=0) - tail.min(axis=0)
    if (spread < 0.01 * np.where(width > 0, width, 1.0)).all():
        return "fixed point"
    return "ok"
