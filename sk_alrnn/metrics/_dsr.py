"""D_stsp, D_H and the n-step prediction error, with a scikit-learn scorer."""

from __future__ import annotations

import inspect
import numbers
from typing import Any, Callable

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.special import logsumexp
from sklearn.utils import check_random_state

from ..utils import check_finite, check_option, check_param, check_trajectories, input_error

__all__ = [
    "make_dsr_scorer",
    "power_spectrum_distance",
    "prediction_error",
    "state_space_divergence",
]

# Samples per block in the GMM version: a block's (samples x points) distance
# matrix is 256 x 10 000 floats (20 MiB), so memory stays bounded for any max_T.
_GMM_BLOCK = 256
# Most memory a metric parameter may ask for (the Gaussian kernel of `smoothing`,
# the Monte-Carlo samples of `n_samples`); larger values are refused before any
# allocation (smoothing=1e9 used to ask for 59.6 GiB, n_samples=1e9 for 7.45 GiB).
MEMORY_BUDGET = 2**30
# Beyond this magnitude a squared distance overflows float64; the GMM version
# then takes differences point by point (exact, slower) instead of |s|^2 + |c|^2 - 2 s.c.
_EXPANSION_LIMIT = 1e150


def _as_real(values: Any, name: str) -> np.ndarray:
    """``values`` as a float64 array; ValueError for complex, string, object or ragged input."""
    expected = "be a real numeric array of shape (T,) or (T, N)"
    try:
        X = np.asarray(values)
    except ValueError:  # a ragged nested list
        raise input_error(name, expected, "a ragged nested sequence") from None
    if X.dtype.kind not in "biuf":
        raise input_error(name, expected, f"dtype {X.dtype}")
    return X.astype(np.float64, copy=False)


def _check_budget(n_bytes: float, name: str, value: Any) -> None:
    if n_bytes > MEMORY_BUDGET:
        raise ValueError(
            f"{name}={value!r} needs {n_bytes / 2**30:.3g} GiB, more than the metrics' memory "
            f"budget of {MEMORY_BUDGET / 2**30:g} GiB (sk_alrnn.metrics._dsr.MEMORY_BUDGET)."
        )


def _unit_scale(X: np.ndarray) -> np.ndarray:
    """Per column, the power of two just above max |X| (1 for a zero column).

    Dividing by it is exact, and keeps std and max - min of data near 1e200
    from overflowing (D_stsp "bins" and D_H are invariant to the scale).
    """
    return np.ldexp(1.0, np.frexp(np.abs(X).max(axis=0))[1])


def _check_reference(X_true: Any) -> np.ndarray:
    """X_true as finite float64 (T, N) with T >= 2, else ValueError."""
    X = _as_real(X_true, "X_true")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise input_error("X_true", "have shape (T,) or (T, N)", f"shape {X.shape}")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise input_error("X_true", "have at least 2 steps and 1 dimension", f"shape {X.shape}")
    check_finite(X, "X_true")
    return X


def _check_generated(X_gen: Any, n_dims: int) -> np.ndarray | None:
    """X_gen as float64 (T, N); None when it is not finite (a diverged run)."""
    X = _as_real(X_gen, "X_gen")
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise input_error("X_gen", "have shape (T,) or (T, N)", f"shape {X.shape}")
    if X.shape[1] != n_dims:
        raise input_error(
            "X_gen", f"have the {n_dims} dimensions of X_true", f"{X.shape[1]} dimensions"
        )
    return X if np.isfinite(X).all() else None


def _check_number(
    value: Any, name: str, owner: str, low: float, *, strict: bool, integer: bool = False
):
    """A finite number (int if ``integer``) above ``low``, with the package's message."""
    return check_param(
        value,
        name,
        owner,
        target_type=numbers.Integral if integer else numbers.Real,
        min_val=low,
        max_val=np.inf,
        include_boundaries="neither" if strict else "left",
        bounds=f"{'>' if strict else '>='} {low} and finite",
    )


# ---- D_stsp -------------------------------------------------------------------


def state_space_divergence(
    X_true,
    X_gen,
    *,
    method: str = "auto",
    n_bins: int = 30,
    alpha: float = 1e-5,
    scaling: float = 1.0,
    max_T: int = 10_000,
    n_samples: int = 1000,
    random_state=None,
) -> float:
    """State-space divergence D_stsp: KL(true || generated) of the occupation measures.

    Parameters
    ----------
    X_true : array of shape (T,) or (T, N)
        The reference trajectory; finite, T >= 2.
    X_gen : array of shape (T', N)
        A generated trajectory (e.g. a free run after a transient).  A
        non-finite one (a diverged run) scores ``inf``.
    method : {"auto", "bins", "gmm"}, default="auto"
        "bins" (histograms) when N <= 3 under "auto", else "gmm" (30^N bins
        explode above N = 3).
    n_bins : int, default=30
        Bins per dimension ("bins").  The reference code uses 8 for its ECG (N = 5).
    alpha : float, default=1e-5
        Pseudo-count added to every bin ("bins").
    scaling : float, default=1.0
        Kernel variance sigma^2 of the Gaussian mixtures ("gmm").
    max_T : int, default=10000
        Points of each trajectory used by "gmm" (the first ``max_T``).
    n_samples : int, default=1000
        Monte-Carlo samples of the KL integral ("gmm").
    random_state : int, RandomState instance or None, default=None
        Seeds the Monte-Carlo samples ("gmm").

    Returns
    -------
    divergence : float
        >= 0 for "bins"; 0 exactly for identical inputs with either method.

    Notes
    -----
    **bins** (reference ``stsp_measure.jl``, ``binning="default"``): with
    sd_j the (ddof=1) standard deviation of X_true[:, j], the bins span
    [min_j - 0.1 sd_j, max_j + 0.1 sd_j] in n_bins equal parts; points outside
    are dropped.  With counts h (int64) and K = n_bins^N,
    p = (h_true + alpha) / (sum h_true + alpha K), q likewise, and
    D = sum_k p_k log(p_k / q_k).  The K - (occupied) empty bins share one
    value of p and q and are summed in closed form, so no n_bins^N array is
    built.  No generated point inside the bins gives ``inf``.

    **gmm**: A = X_true[:max_T], G = X_gen[:max_T], sigma = sqrt(scaling);
    samples s_i = A[t_i] + sigma eps_i (t_i uniform, eps_i standard normal);
    ``log p_i = logsumexp_t(-|s_i - A_t|^2 / (2 sigma^2)) - log|A|``, log q_i
    likewise over G; D = mean_i (log p_i - log q_i).  In log space no sample
    underflows (the reference code evaluates densities in float32 and drops
    samples whose p or q underflow to 0).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(500, 2)
    >>> state_space_divergence(X, X)
    0.0
    >>> state_space_divergence(X, X + 3.0) > state_space_divergence(X, X + 0.1)
    True
    >>> state_space_divergence(X, np.full((500, 2), np.nan))
    inf
    """
    A = _check_reference(X_true)
    method = check_option(method, "method", "state_space_divergence", ("auto", "bins", "gmm"))
    if method == "auto":
        method = "bins" if A.shape[1] <= 3 else "gmm"
    n_bins = _check_number(
        n_bins, "n_bins", "state_space_divergence", 1, strict=False, integer=True
    )
    alpha = _check_number(alpha, "alpha", "state_space_divergence", 0, strict=True)
    scaling = _check_number(scaling, "scaling", "state_space_divergence", 0, strict=True)
    max_T = _check_number(max_T, "max_T", "state_space_divergence", 2, strict=False, integer=True)
    n_samples = _check_number(
        n_samples, "n_samples", "state_space_divergence", 1, strict=False, integer=True
    )
    if n_bins > 2**53:  # bin indices are computed in float64 and stored as int64
        raise input_error(
            "The 'n_bins' parameter of state_space_divergence", "be an int in [1, 2**53]", n_bins
        )
    # The samples, their noise and two log-densities: 4 floats per sample and dimension.
    _check_budget(32.0 * n_samples * A.shape[1], "n_samples", n_samples)
    G = _check_generated(X_gen, A.shape[1])
    if G is None or len(G) == 0:
        return float("inf")
    if method == "bins":
        try:
            float(n_bins) ** A.shape[1] * alpha
        except OverflowError:
            raise ValueError(
                f"n_bins={n_bins} gives n_bins**N = {n_bins}**{A.shape[1]} bins, beyond float64; "
                "use fewer bins or method='gmm'."
            ) from None
        return _binned_divergence(A, G, n_bins, alpha)
    return _gmm_divergence(A[:max_T], G[:max_T], scaling, n_samples, random_state)


def _bin_indices(X: np.ndarray, lo: np.ndarray, width: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index of each point per dimension, (T, N) int64; -1 marks a point outside."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.floor((X - lo) / width * n_bins)
    # A constant reference dimension has width 0: only its own value is inside (bin 0).
    scaled = np.where(width > 0, scaled, np.where(X == lo, 0.0, -1.0))
    scaled[(scaled < 0) | (scaled >= n_bins)] = -1
    return scaled.astype(np.int64)


def _binned_divergence(A: np.ndarray, G: np.ndarray, n_bins: int, alpha: float) -> float:
    # The bins are invariant to scaling both sets per dimension.
    scale = _unit_scale(A)
    A, G = A / scale, G / scale
    sd = A.std(axis=0, ddof=1)
    lo, hi = A.min(axis=0) - 0.1 * sd, A.max(axis=0) + 0.1 * sd
    idx_true, idx_gen = (_bin_indices(X, lo, hi - lo, n_bins) for X in (A, G))
    idx_true, idx_gen = (i[(i >= 0).all(axis=1)] for i in (idx_true, idx_gen))
    if len(idx_gen) == 0:
        return float("inf")
    # Occupied bins of either set, as rows; counts per row (int64, no wrap-around).
    keys, inverse = np.unique(np.vstack([idx_true, idx_gen]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    h_true = np.bincount(inverse[: len(idx_true)], minlength=len(keys))
    h_gen = np.bincount(inverse[len(idx_true) :], minlength=len(keys))
    K = float(n_bins) ** A.shape[1]
    norm_true, norm_gen = h_true.sum() + alpha * K, h_gen.sum() + alpha * K
    p, q = (h_true + alpha) / norm_true, (h_gen + alpha) / norm_gen
    occupied = float(np.sum(p * np.log(p / q)))
    p0, q0 = alpha / norm_true, alpha / norm_gen
    empty = (K - len(keys)) * p0 * np.log(p0 / q0)
    return occupied + float(empty)


def _squared_distances(samples: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(samples x centres) squared distances, overflowing to inf rather than to NaN."""
    if max(np.abs(samples).max(), np.abs(centres).max()) <= _EXPANSION_LIMIT:
        sq = (
            np.sum(samples**2, axis=1)[:, None]
            + np.sum(centres**2, axis=1)[None, :]
            - 2.0 * samples @ centres.T
        )
        return np.maximum(sq, 0.0)
    with np.errstate(over="ignore"):
        return np.stack([np.sum((centres - row) ** 2, axis=1) for row in samples])


def _log_mixture(samples: np.ndarray, centres: np.ndarray, variance: float) -> np.ndarray:
    """Log of the mean over centres of exp(-|s - c|^2 / (2 variance)), per sample."""
    sq = _squared_distances(samples, centres)
    return logsumexp(-sq / (2.0 * variance), axis=1) - np.log(len(centres))


def _gmm_divergence(A, G, scaling: float, n_samples: int, random_state) -> float:
    rng = check_random_state(random_state)
    t = rng.randint(0, len(A), size=n_samples)
    # Centred on the reference mean: the expansion loses less to cancellation.
    centre = A.mean(axis=0) if np.isfinite(A.mean(axis=0)).all() else 0.0
    A, G = A - centre, G - centre
    samples = A[t] + np.sqrt(scaling) * rng.standard_normal((n_samples, A.shape[1]))
    terms = []
    for block in np.array_split(samples, max(1, -(-n_samples // _GMM_BLOCK))):
        log_p, log_q = _log_mixture(block, A, scaling), _log_mixture(block, G, scaling)
        # Equal log-densities (even both -inf: a sample beyond float64's reach) add 0.
        with np.errstate(invalid="ignore"):
            terms.append(np.where(log_p == log_q, 0.0, log_p - log_q))
    return float(np.mean(np.concatenate(terms)))


# ---- D_H ----------------------------------------------------------------------


def power_spectrum_distance(
    X_true, X_gen, *, smoothing: float = 20.0, multioutput: str = "uniform_average"
) -> float | np.ndarray:
    """Hellinger distance D_H between the smoothed power spectra, per dimension.

    Parameters
    ----------
    X_true : array of shape (T,) or (T, N)
        The reference trajectory; finite, T >= 2.
    X_gen : array of shape (T', N)
        A generated trajectory.  Non-finite scores 1 (the worst value).
    smoothing : float, default=20.0
        Standard deviation (in frequency bins) of the Gaussian smoothing of
        the spectra; 0 skips it.  The reference code uses 1 for fMRI.
    multioutput : {"uniform_average", "raw_values"}, default="uniform_average"
        Mean over dimensions, or the N per-dimension distances.

    Returns
    -------
    distance : float or ndarray of shape (N,)
        In [0, 1]; 0 for identical inputs.

    Notes
    -----
    Both series are cut to their common length T.  Per dimension, the
    standardised series u gives ``S = |rfft(u)|^2``, smoothed with
    ``gaussian_filter1d(S, smoothing, mode="reflect", truncate=4.0)``, clipped
    at 0 and normalised to p (true) and q (generated);
    H = sqrt(sum_k (sqrt(p_k) - sqrt(q_k))^2 / 2).  A constant dimension
    scores 1 against a varying one and 0 against a constant one.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1000)
    >>> X = np.stack([np.sin(0.1 * t), np.cos(0.3 * t)], axis=1)
    >>> power_spectrum_distance(X, X)
    0.0
    >>> d = power_spectrum_distance(X, np.sin(0.5 * t)[:, None] * [1, 1], multioutput="raw_values")
    >>> d.shape, bool(((0 < d) & (d <= 1)).all())
    ((2,), True)
    """
    A = _check_reference(X_true)
    smoothing = _check_number(smoothing, "smoothing", "power_spectrum_distance", 0, strict=False)
    # gaussian_filter1d builds a kernel of 2 * ceil(4 * smoothing) + 1 floats.
    _check_budget(8.0 * (8.0 * smoothing + 1), "smoothing", smoothing)
    multioutput = check_option(
        multioutput, "multioutput", "power_spectrum_distance", ("uniform_average", "raw_values")
    )
    G = _check_generated(X_gen, A.shape[1])
    if G is None or len(G) < 2:
        distances = np.ones(A.shape[1])
    else:
        T = min(len(A), len(G))
        distances = np.array([_hellinger(A[:T, j], G[:T, j], smoothing) for j in range(A.shape[1])])
    return distances if multioutput == "raw_values" else float(distances.mean())


def _spectrum(x: np.ndarray, smoothing: float) -> np.ndarray | None:
    """Normalised smoothed power spectrum of one series; None for a constant series."""
    x = x / _unit_scale(x)
    sd = x.std()
    if sd == 0:
        return None
    S = np.abs(np.fft.rfft((x - x.mean()) / sd)) ** 2
    if smoothing > 0:
        S = np.maximum(gaussian_filter1d(S, smoothing, mode="reflect", truncate=4.0), 0.0)
    return S / S.sum()


def _hellinger(x_true: np.ndarray, x_gen: np.ndarray, smoothing: float) -> float:
    p, q = _spectrum(x_true, smoothing), _spectrum(x_gen, smoothing)
    if p is None or q is None:
        return 0.0 if p is None and q is None else 1.0
    return float(min(1.0, np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2.0)))


# ---- prediction error and scorer ---------------------------------------------------


def prediction_error(estimator, X, n_steps: int = 20) -> float:
    """Pooled n-step-ahead squared error of a fitted forecaster from each observation.

    Parameters
    ----------
    estimator : fitted ALRNNForecaster
        Anything with ``predict(X_i, n_steps)`` of the forecaster's semantics
        (``Y[t] = F^n(lift(x_t))[:N]``) and ``n_features_in_``.
    X : array of shape (T, N), (T,) or (n, T, N), or list of trajectories
    n_steps : int, default=20
        The horizon n (the reference code's ``PE_n``).

    Returns
    -------
    error : float
        The mean over every trajectory i, every t <= T_i - 1 - n and every
        dimension j of (F^n(lift(x_t))[j] - x_{t+n, j})^2; ``inf`` when a
        prediction is not finite.  Trajectories with T_i <= n are skipped.

    Examples
    --------
    >>> import numpy as np
    >>> class Persistence:  # predicts "nothing changes"
    ...     n_features_in_ = 1
    ...     def predict(self, X, n_steps=1):
    ...         return np.asarray(X, dtype=float)
    >>> prediction_error(Persistence(), np.array([0.0, 1.0, 2.0, 3.0]), n_steps=2)
    4.0
    """
    n_steps = _check_number(n_steps, "n_steps", "prediction_error", 1, strict=False, integer=True)
    trajectories = check_trajectories(
        X,
        n_features=getattr(estimator, "n_features_in_", None),
        estimator_name=type(estimator).__name__,
    )
    total, count = 0.0, 0
    for x in trajectories.items:
        if len(x) <= n_steps:
            continue
        Y = np.asarray(estimator.predict(x, n_steps=n_steps), dtype=np.float64).reshape(x.shape)
        residual = Y[:-n_steps] - x[n_steps:]
        if not np.isfinite(residual).all():
            return float("inf")
        total, count = total + float(np.sum(residual**2)), count + residual.size
    if count == 0:
        raise input_error(
            "X of prediction_error",
            f"hold a trajectory longer than n_steps={n_steps}",
            f"a longest one of {int(trajectories.lengths.max())} steps",
        )
    return total / count


_METRICS = {
    "state_space_divergence": state_space_divergence,
    "power_spectrum_distance": power_spectrum_distance,
    "prediction_error": prediction_error,
}


def _check_metric_kwargs(metric: str, metric_kwargs: dict) -> None:
    """Refuse options the metric does not take (they would make every score NaN)."""
    function = _METRICS[metric]
    parameters = inspect.signature(function).parameters
    options = [n for n, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(metric_kwargs) - set(options))
    if unknown:
        raise ValueError(
            f"make_dsr_scorer: {metric} takes the options {options or 'none'}; got the "
            f"unknown {unknown}."
        )


def make_dsr_scorer(
    metric: str = "state_space_divergence",
    *,
    n_steps: int | None = None,
    transient: int = 1000,
    **metric_kwargs,
) -> Callable:
    """A ``scoring=`` callable for GridSearchCV / cross_val_score on forecasters.

    Parameters
    ----------
    metric : {"state_space_divergence", "power_spectrum_distance", "prediction_error"}
    n_steps : int, optional
        Free-run length scored per trajectory (default: the trajectory's own
        length T_i); the horizon for "prediction_error" (default 20).
    transient : int, default=1000
        Free-run steps dropped before scoring (geometry metrics only).
    **metric_kwargs
        Passed to the metric (e.g. ``method="gmm"``, ``n_bins=8``, ``smoothing=1``).

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y=None) -> float``
        Greater is better: the negated metric.  For the geometry metrics each
        trajectory X_i gets a free run of ``transient + n`` steps from X_i[0];
        the transient is dropped, the rest is scored against X_i, and the mean
        over trajectories is negated.

    Examples
    --------
    >>> scorer = make_dsr_scorer("power_spectrum_distance", smoothing=1.0)
    >>> callable(scorer)
    True
    """
    metric = check_option(metric, "metric", "make_dsr_scorer", tuple(_METRICS))
    _check_metric_kwargs(metric, metric_kwargs)
    if n_steps is not None:
        _check_number(n_steps, "n_steps", "make_dsr_scorer", 1, strict=False, integer=True)
    transient = _check_number(
        transient, "transient", "make_dsr_scorer", 0, strict=False, integer=True
    )
    if metric == "prediction_error":

        def pe_scorer(estimator, X, y=None):
            return -prediction_error(estimator, X, 20 if n_steps is None else n_steps)

        return pe_scorer
    function = _METRICS[metric]
    # Check the options' values now, on a tiny trajectory, not inside a grid search.
    probe = np.linspace(0.0, 1.0, 8)
    function(probe, probe, **metric_kwargs)

    def geometry_scorer(estimator, X, y=None):
        trajectories = check_trajectories(
            X,
            n_features=estimator.n_features_in_,
            estimator_name=type(estimator).__name__,
        )
        values = []
        for x in trajectories.items:
            n = len(x) if n_steps is None else n_steps
            run = estimator.simulate(transient + n, x0=x[0])[transient:]
            values.append(function(x, run, **metric_kwargs))
        return -float(np.mean(values))

    return geometry_scorer
