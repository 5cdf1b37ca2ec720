"""Lyapunov exponents and the Kaplan-Yorke dimension: the invariants of a reconstruction.

A fitted forecaster is a piecewise-linear map, so its Jacobian along any orbit is exact:
J(code_t) = diag(a) + W diag([1]*(M-P) + code_t), with code_t the sign pattern of the last
P units of z_t.  :func:`lyapunov_spectrum` multiplies these Jacobians along a long free run
and re-orthonormalises with a QR decomposition after every step (Benettin et al., 1980), in
float64.  For data there is no model: :func:`max_lyapunov_exponent_from_data` follows the
divergence of nearest neighbours in the recorded states (Rosenstein et al., 1993).

All exponents are **per step** (natural log).  A series sampled every ``dt`` time units has
exponents per time unit ``lambda / dt``.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from ..analysis import PiecewiseLinearSystem
from ..utils import check_finite, check_param, input_error

__all__ = [
    "kaplan_yorke_dimension",
    "lyapunov_spectrum",
    "max_lyapunov_exponent",
    "max_lyapunov_exponent_from_data",
]

# Distances from this many reference points to all points are computed at once
# (256 x 10 000 float64 = 20 MiB), so memory stays bounded for any series length.
_NEIGHBOUR_BLOCK = 256


def _free_run(model: Any, n_steps: int, x0, what: str) -> tuple[PiecewiseLinearSystem, Any]:
    """The model as a piecewise-linear system and its latent free run z_1..z_n (n, M)."""
    if isinstance(model, PiecewiseLinearSystem):
        z0 = np.zeros(model.M) if x0 is None else np.asarray(x0, dtype=np.float64)
        if z0.shape != (model.M,):
            raise input_error(f"x0 of {what}", f"be a latent state of shape ({model.M},)", z0.shape)
        check_finite(z0, "x0")
        return model, model.simulate(n_steps=n_steps, z0=z0)
    if not (hasattr(model, "linearize") and hasattr(model, "simulate")):
        raise input_error(
            f"The model given to {what}",
            "be a fitted forecaster (with linearize and simulate) or a PiecewiseLinearSystem",
            type(model).__name__,
        )
    system = model.linearize()  # raises NotFittedError before fit
    x0 = None if x0 is None else np.asarray(x0, dtype=np.float64)
    if x0 is not None and x0.ndim != 1:
        raise input_error(f"x0 of {what}", "be one observation of shape (N,)", x0.shape)
    _, Z = model.simulate(n_steps, x0=x0, return_latent=True)
    return system, Z


def lyapunov_spectrum(
    model: Any,
    n_steps: int = 10_000,
    x0=None,
    *,
    transient: int = 1000,
    n_exponents: int | None = None,
    random_state=None,
) -> np.ndarray:
    """Lyapunov exponents per step of a fitted forecaster (or a piecewise-linear map), descending.

    The free run z_1, z_2, ... starts from the lift of ``x0``; after ``transient`` steps,
    the exact Jacobians J_t = J(code(z_t)) of ``n_steps`` steps are multiplied onto an
    orthonormal frame Q (random, from ``random_state``) with Q R = J_t Q re-factored after
    every step; exponent i is mean_t log|R_t[i, i]|.  For a map that stays in one regime these
    are the log-moduli of that regime's eigenvalues.  The estimate converges as 1/n_steps
    (the initial frame's alignment costs O(1) in the sum).

    Parameters
    ----------
    model : fitted ALRNNForecaster or PiecewiseLinearSystem
        Anything with ``linearize()`` and ``simulate(n, x0, return_latent=True)`` (the
        forecaster and its CV search), or a :class:`~sk_alrnn.analysis.PiecewiseLinearSystem`
        run autonomously (its inputs are ignored).
    n_steps : int, default=10_000
        Jacobians averaged over, after the transient.
    x0 : array-like of shape (N,), optional
        First observation of the free run; None means the forecaster's ``x0_``.  For a
        PiecewiseLinearSystem, the latent state z_0 of shape (M,) (None means 0).
    transient : int, default=1000
        Steps run and discarded first, so the orbit is on the attractor.
    n_exponents : int or None, default=None
        How many of the largest exponents to compute (all M when None); 1 is the cheapest
        way to the maximal exponent (the first frame vector is the same for any value, so
        it agrees with the first entry of all M up to the finite-run error).
    random_state : int, RandomState instance or None, default=None
        Seeds the initial frame.

    Returns
    -------
    spectrum : ndarray of shape (n_exponents,)
        Exponents per step (natural log), descending; divide by the sampling interval for
        exponents per time unit.  A free run that diverges (its states become NaN, as
        ``simulate`` reports divergence) returns +inf for every exponent.

    Examples
    --------
    A map that stays in one regime: exponents are log|eigenvalues| of its Jacobian.

    >>> import numpy as np
    >>> from sk_alrnn.analysis import PiecewiseLinearSystem
    >>> system = PiecewiseLinearSystem(a=[0.5, 0.9], W=np.zeros((2, 2)), C=np.zeros((2, 0)),
    ...                                h=[0.0, 0.0], B=np.eye(2), b=[0.0, 0.0], P=0)
    >>> spectrum = lyapunov_spectrum(system, n_steps=500, x0=[1.0, 1.0], transient=0)
    >>> bool(np.allclose(spectrum, np.log([0.9, 0.5]), atol=0.01))
    True
    """
    what = "lyapunov_spectrum"
    n_steps = check_param(n_steps, "n_steps", what, min_val=1)
    transient = check_param(transient, "transient", what, min_val=0)
    system, Z = _free_run(model, transient + n_steps, x0, what)
    M = system.M
    k = M if n_exponents is None else check_param(n_exponents, "n_exponents", what, min_val=1)
    if k > M:
        raise input_error(f"The 'n_exponents' parameter of {what}", f"be at most M={M}", k)
    # simulate returns z_1..z_n; the step from z_t uses code(z_t), so the n_steps Jacobians
    # after the transient come from states transient-1 .. transient+n_steps-2, with z_0
    # (not returned) standing in for index -1.
    Z = np.asarray(Z, dtype=np.float64)
    if not np.isfinite(Z).all():
        return np.full(k, np.inf)
    # Drawn as (k, M) so the first vector is the same for any k (n_exponents=1 included).
    Q = np.linalg.qr(check_random_state(random_state).standard_normal((k, M)).T)[0]
    codes = system.code_of(Z[max(transient - 1, 0) : transient - 1 + n_steps])
    if transient == 0:  # the first step leaves z_0, whose code simulate does not return
        z0 = _latent_start(model, system, x0)
        codes = np.concatenate([system.code_of(z0)[None], codes])
    # One Jacobian per distinct regime (a free run visits few), indexed by step.
    unique, index = np.unique(codes.reshape(len(codes), -1), axis=0, return_inverse=True)
    jacobians = np.stack([system.jacobian(c) for c in unique])
    return _benettin(jacobians[index.reshape(-1)], Q)


def _latent_start(model, system: PiecewiseLinearSystem, x0) -> np.ndarray:
    if isinstance(model, PiecewiseLinearSystem):
        return np.zeros(system.M) if x0 is None else np.asarray(x0, dtype=np.float64)
    return model.initial_state(model.x0_ if x0 is None else x0)


def _benettin(jacobians: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Mean log growth of the frame Q under the product of the Jacobians, descending."""
    total = np.zeros(Q.shape[1])
    for J in jacobians:
        Q, R = np.linalg.qr(J @ Q)
        # |R_ii| = 0 (a singular Jacobian) contracts a direction completely: -inf is exact.
        with np.errstate(divide="ignore"):
            total += np.log(np.abs(np.diag(R)))
    return np.sort(total / len(jacobians))[::-1]


def max_lyapunov_exponent(
    model: Any,
    n_steps: int = 10_000,
    x0=None,
    *,
    transient: int = 1000,
    random_state=None,
) -> float:
    """The largest Lyapunov exponent per step of a fitted forecaster.

    The first entry of :func:`lyapunov_spectrum`, computed with one tangent vector.
    Positive for a chaotic reconstruction, about 0 for a limit cycle or torus, negative
    for a stable fixed point or cycle; +inf for a diverging free run.

    Parameters
    ----------
    model : fitted ALRNNForecaster or PiecewiseLinearSystem
        As for :func:`lyapunov_spectrum`.
    n_steps : int, default=10_000
        Jacobians averaged over, after the transient.
    x0 : array-like, optional
        As for :func:`lyapunov_spectrum`.
    transient : int, default=1000
        Steps run and discarded first.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial tangent vector.

    Returns
    -------
    exponent : float
        Per step (natural log); divide by the sampling interval for per time unit.

    Examples
    --------
    The tent map x -> 2|x| - 1 = 4 relu(x) - 2x - 1 doubles distances in both of its regimes,
    so its exponent is log 2; as a network, unit 1 is x and unit 2 a ReLU copy of it:

    >>> import numpy as np
    >>> from sk_alrnn.analysis import PiecewiseLinearSystem
    >>> tent = PiecewiseLinearSystem(a=[-2.0, 0.0], W=[[0.0, 4.0], [-2.0, 4.0]],
    ...                              C=np.zeros((2, 0)), h=[-1.0, -1.0], B=np.eye(1, 2),
    ...                              b=[0.0], P=1)
    >>> lam = max_lyapunov_exponent(tent, n_steps=500, x0=[0.3, 0.3], transient=0)
    >>> bool(np.isclose(lam, np.log(2), atol=0.01))
    True
    """
    spectrum = lyapunov_spectrum(
        model, n_steps, x0, transient=transient, n_exponents=1, random_state=random_state
    )
    return float(spectrum[0])


def kaplan_yorke_dimension(spectrum) -> float:
    """The Kaplan-Yorke (Lyapunov) dimension of an attractor from its Lyapunov spectrum.

    With the exponents sorted descending and S_j their partial sums, k is the largest j with
    S_j >= 0 and ``D_KY = k + S_k / |lambda_{k+1}|`` (0 when lambda_1 < 0; the number of exponents
    when every partial sum is >= 0).  Per step or per time unit gives the same dimension.

    Parameters
    ----------
    spectrum : array-like of shape (n,)
        Lyapunov exponents, in any order; finite or -inf.

    Returns
    -------
    dimension : float

    Examples
    --------
    The Lorenz-63 spectrum (0.906, 0, -14.57 per time unit) gives about 2.06:

    >>> round(kaplan_yorke_dimension([0.906, 0.0, -14.572]), 3)
    2.062
    """
    lam = np.asarray(spectrum, dtype=np.float64)
    if lam.ndim != 1 or len(lam) == 0 or np.isnan(lam).any() or np.isposinf(lam).any():
        raise input_error(
            "The spectrum of kaplan_yorke_dimension",
            "be a non-empty 1-D array of exponents without NaN or +inf",
            f"shape {lam.shape}" if lam.ndim != 1 or len(lam) == 0 else "NaN or +inf",
        )
    lam = np.sort(lam)[::-1]
    partial = np.cumsum(lam)
    k = int(np.sum(partial >= 0))  # partial sums decrease once the exponents turn negative
    if k == 0 or k == len(lam):
        return float(k)
    return float(k + partial[k - 1] / abs(lam[k]))


def _check_series(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    if X.ndim != 2 or X.shape[1] < 1:
        raise input_error(
            "X of max_lyapunov_exponent_from_data", "have shape (T,) or (T, N)", X.shape
        )
    check_finite(X, "X")
    return X


def _mean_period(X: np.ndarray) -> int:
    """Mean period in steps, 1 / the power-weighted mean frequency (Rosenstein's separation)."""
    power = (np.abs(np.fft.rfft(X - X.mean(0), axis=0)) ** 2).sum(1)
    freqs = np.fft.rfftfreq(len(X))
    return max(1, int(round(power[1:].sum() / (power[1:] * freqs[1:]).sum())))


def _nearest_neighbours(X: np.ndarray, refs: np.ndarray, n_valid: int, separation: int):
    """Nearest neighbour of each reference among 0..n_valid-1, >= ``separation`` steps away.

    The temporal exclusion puts the neighbour on another stretch of the orbit.
    """
    candidates = X[:n_valid]
    sq = (candidates**2).sum(1)
    out = np.empty(len(refs), dtype=np.int64)
    for start in range(0, len(refs), _NEIGHBOUR_BLOCK):
        block = refs[start : start + _NEIGHBOUR_BLOCK]
        d2 = sq[None, :] - 2.0 * X[block] @ candidates.T + (X[block] ** 2).sum(1)[:, None]
        close = np.abs(np.arange(n_valid)[None, :] - block[:, None]) < separation
        d2[close] = np.inf
        out[start : start + len(block)] = d2.argmin(1)
    return out


def max_lyapunov_exponent_from_data(
    X,
    *,
    dt: float = 1.0,
    min_separation: int | None = None,
    fit_range: tuple[int, int] | None = None,
    max_points: int = 2000,
) -> float:
    """Largest Lyapunov exponent estimated from a trajectory (Rosenstein's method).

    Each of up to ``max_points`` reference states x_j (evenly spaced) is paired with its
    nearest neighbour x_i that is at least ``min_separation`` steps away in time;
    ``d_j(k) = |x_{j+k} - x_{i+k}|`` is followed for k up to the end of ``fit_range``, and
    the exponent is the least-squares slope of mean_j log d_j(k) over k in ``fit_range``,
    divided by ``dt``.
    The rows of X are taken as state vectors: delay-embed a scalar recording first.  The
    first steps are skipped because the separation first turns towards the unstable
    direction (on Lorenz-63 the slope over the first half period is about twice the
    exponent, measured); the range must end before the divergence saturates at the
    attractor's size.  The estimate is rougher than the exact exponent of a fitted model
    (within about 10 % on Lorenz-63 and Roessler with 20 000 steps, measured).

    Parameters
    ----------
    X : array-like of shape (T,) or (T, N)
        A trajectory, finite; standardise it or not (the exponent is scale-free).
    dt : float, default=1.0
        Sampling interval: 1 gives the exponent per step, the interval in time units gives
        it per time unit.
    min_separation : int or None, default=None
        Temporal exclusion for neighbours, in steps.  None uses the mean period p (the
        inverse of the power-weighted mean frequency), as Rosenstein et al. suggest.
    fit_range : (int, int) or None, default=None
        First and last step k of the fit.  None uses (p // 2, 2 p).
    max_points : int, default=2000
        At most this many reference states (the cost is max_points x T distances).

    Returns
    -------
    exponent : float
        Per step when ``dt=1``, per time unit otherwise.

    Examples
    --------
    The logistic map x -> 4 x (1 - x) has exponent log 2 = 0.69 per step; its states
    (x_t, x_{t+1}) recover it roughly:

    >>> import numpy as np
    >>> x = np.empty(3000); x[0] = 0.3
    >>> for t in range(1, 3000):
    ...     x[t] = 4 * x[t - 1] * (1 - x[t - 1])
    >>> lam = max_lyapunov_exponent_from_data(np.c_[x[:-1], x[1:]], min_separation=10,
    ...                                       fit_range=(0, 5))
    >>> bool(0.5 < lam < 0.9)
    True
    """
    what = "max_lyapunov_exponent_from_data"
    X = _check_series(X)
    dt = check_param(
        dt, "dt", what, target_type=numbers.Real, min_val=0, include_boundaries="neither"
    )
    max_points = check_param(max_points, "max_points", what, min_val=1)
    period = _mean_period(X)
    sep = period if min_separation is None else min_separation
    sep = check_param(sep, "min_separation", what, min_val=1)
    first, last = _check_fit_range((period // 2, 2 * period) if fit_range is None else fit_range)
    n_valid = len(X) - last
    if n_valid <= 2 * sep + 1:
        raise input_error(
            f"X of {what}",
            f"have more than 2 * min_separation + fit_range[1] + 1 = {2 * sep + last + 1} steps",
            len(X),
        )
    refs = np.unique(np.linspace(0, n_valid - 1, min(max_points, n_valid)).astype(np.int64))
    nbrs = _nearest_neighbours(X, refs, n_valid, sep)
    steps = np.arange(first, last + 1)
    dist = np.linalg.norm(X[refs[:, None] + steps] - X[nbrs[:, None] + steps], axis=2)
    with np.errstate(divide="ignore"):
        logd = np.log(dist)
    usable = np.isfinite(logd).all(1)  # exact repeats (distance 0) carry no rate
    if not usable.any():
        raise input_error(f"X of {what}", "contain distinct neighbouring states", "only repeats")
    slope = np.polyfit(steps, logd[usable].mean(0), 1)[0]
    return float(slope / dt)


def _check_fit_range(fit_range) -> tuple[int, int]:
    ok = (
        isinstance(fit_range, (tuple, list))
        and len(fit_range) == 2
        and all(isinstance(k, numbers.Integral) and not isinstance(k, bool) for k in fit_range)
        and 0 <= fit_range[0] < fit_range[1]
    )
    if not ok:
        raise input_error(
            "The 'fit_range' parameter of max_lyapunov_exponent_from_data",
            "be two ints (first, last) with 0 <= first < last",
            repr(fit_range),
        )
    return int(fit_range[0]), int(fit_range[1])
