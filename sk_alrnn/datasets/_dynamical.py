"""Chaotic flows (Lorenz-63, Roessler) and forecasting windows (numpy + scipy)."""

from __future__ import annotations

from numbers import Real
from typing import Callable

import numpy as np
from scipy.integrate import solve_ivp
from sklearn.utils import check_random_state

from ..utils import RandomStateLike, check_param


def _integrate(
    rhs: Callable[[float, np.ndarray], np.ndarray],
    x0: np.ndarray,
    n_steps: int,
    dt: float,
    t_transient: float,
) -> np.ndarray:
    """Integrate ``rhs`` from ``x0``, drop ``t_transient``, sample ``n_steps`` every ``dt``."""
    t_eval = t_transient + dt * np.arange(n_steps)
    sol = solve_ivp(
        rhs, (0.0, t_eval[-1]), x0, t_eval=t_eval, method="DOP853", rtol=1e-9, atol=1e-9
    )
    if not sol.success:  # pragma: no cover - the flows below are smooth
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    return sol.y.T


def _check_flow_args(n_steps: object, dt: object, t_transient: object, func: str) -> tuple:
    return (
        check_param(n_steps, "n_steps", func, min_val=1),
        check_param(dt, "dt", func, target_type=Real, min_val=0, include_boundaries="neither"),
        check_param(t_transient, "t_transient", func, target_type=Real, min_val=0),
    )


def make_lorenz63(
    n_steps: int = 2000,
    dt: float = 0.01,
    *,
    sigma: float = 10.0,
    rho: float = 28.0,
    beta: float = 8.0 / 3.0,
    t_transient: float = 20.0,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Generate a trajectory of the Lorenz-63 system on its attractor.

    Parameters
    ----------
    n_steps : int, default=2000
        Number of samples T.
    dt : float, default=0.01
        Sampling interval (the integrator chooses its own inner steps).
    sigma, rho, beta : float, default=10, 28, 8/3
        Parameters of the flow; the defaults give the chaotic attractor.
    t_transient : float, default=20.0
        Time integrated and discarded before the first sample, so the
        trajectory starts on the attractor.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the initial condition, drawn from N(0, 1) per
        coordinate around (0, 0, 25).

    Returns
    -------
    trajectory : ndarray of shape (n_steps, 3)
        States (x, y, z) at times ``t_transient + dt * arange(n_steps)``. With
        the defaults x and y range over about [-20, 20] with mean ~0 and z over
        about [0, 50] with mean ~23.5.

    See Also
    --------
    make_roessler : Another chaotic flow.
    make_forecasting_windows : Cut a trajectory into (X, y) training windows.

    Notes
    -----
    dx/dt = sigma (y - x), dy/dt = x (rho - z) - y, dz/dt = x y - beta z.
    Integrated by ``scipy.integrate.solve_ivp`` (DOP853, rtol = atol = 1e-9).
    The largest Lyapunov exponent is about 0.9, so with ``dt=0.01`` a
    prediction error grows e-fold in roughly 110 steps.

    References
    ----------
    .. [1] E. N. Lorenz, "Deterministic nonperiodic flow", Journal of the
       Atmospheric Sciences 20(2), 1963.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_lorenz63
    >>> traj = make_lorenz63(n_steps=500, random_state=0)
    >>> traj.shape, bool(np.isfinite(traj).all()), bool((traj[:, 2] > 0).all())
    ((500, 3), True, True)
    """
    T, dt, t_transient = _check_flow_args(n_steps, dt, t_transient, "make_lorenz63")
    rng = check_random_state(random_state)
    x0 = np.array([0.0, 0.0, 25.0]) + rng.standard_normal(3)

    def rhs(t: float, s: np.ndarray) -> np.ndarray:
        x, y, z = s
        return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])

    return _integrate(rhs, x0, T, dt, t_transient)


def make_roessler(
    n_steps: int = 2000,
    dt: float = 0.05,
    *,
    a: float = 0.2,
    b: float = 0.2,
    c: float = 5.7,
    t_transient: float = 100.0,
    random_state: RandomStateLike = None,
) -> np.ndarray:
    """Generate a trajectory of the Roessler system on its attractor.

    Parameters
    ----------
    n_steps : int, default=2000
        Number of samples T.
    dt : float, default=0.05
        Sampling interval (the integrator chooses its own inner steps).
    a, b, c : float, default=0.2, 0.2, 5.7
        Parameters of the flow; the defaults give the chaotic attractor.
    t_transient : float, default=100.0
        Time integrated and discarded before the first sample.
    random_state : int, RandomState instance or None, default=None
        Seed or generator of the initial condition, drawn from N(0, 1) per
        coordinate around (1, 1, 0).

    Returns
    -------
    trajectory : ndarray of shape (n_steps, 3)
        States (x, y, z) at times ``t_transient + dt * arange(n_steps)``. With
        the defaults x and y oscillate within about [-11, 12] (period ~6 time
        units, ~120 steps); z is small except for rare spikes up to ~20.

    See Also
    --------
    make_lorenz63 : Another chaotic flow.
    make_forecasting_windows : Cut a trajectory into (X, y) training windows.

    Notes
    -----
    dx/dt = -y - z, dy/dt = x + a y, dz/dt = b + z (x - c). Integrated by
    ``scipy.integrate.solve_ivp`` (DOP853, rtol = atol = 1e-9). The flow has a
    single nonlinear term (z x), which makes it a natural target for an
    AL-RNN with few ReLU units.

    References
    ----------
    .. [1] O. E. Roessler, "An equation for continuous chaos", Physics
       Letters A 57(5), 1976.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_roessler
    >>> traj = make_roessler(n_steps=400, random_state=0)
    >>> traj.shape, bool(np.isfinite(traj).all()), bool((traj[:, 2] > 0).all())
    ((400, 3), True, True)
    """
    T, dt, t_transient = _check_flow_args(n_steps, dt, t_transient, "make_roessler")
    rng = check_random_state(random_state)
    x0 = np.array([1.0, 1.0, 0.0]) + rng.standard_normal(3)

    def rhs(t: float, s: np.ndarray) -> np.ndarray:
        x, y, z = s
        return np.array([-y - z, x + a * y, b + z * (x - c)])

    return _integrate(rhs, x0, T, dt, t_transient)


def make_forecasting_windows(
    series: np.ndarray, window: int, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a time series into windows for next-step (sequence-to-sequence) prediction.

    Parameters
    ----------
    series : array-like of shape (T,) or (T, N)
        One recording or simulated trajectory; a 1-D series is one feature.
    window : int
        Window length (steps per sample); ``window + 1 <= T``.
    stride : int, default=1
        Steps between the starts of consecutive windows (``stride = window``
        gives non-overlapping inputs).

    Returns
    -------
    X : ndarray of shape (n_windows, window, N)
        ``X[i] = series[i * stride : i * stride + window]``.
    y : ndarray of shape (n_windows, window, N)
        The same window one step ahead: ``y[i, t] = series[i * stride + t + 1]``,
        so ``y[:, :-1] == X[:, 1:]``. ``n_windows = (T - window - 1) // stride + 1``.

    See Also
    --------
    make_lorenz63, make_roessler : Trajectories to cut.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_forecasting_windows
    >>> series = np.arange(20.0).reshape(10, 2)
    >>> X, y = make_forecasting_windows(series, window=4, stride=2)
    >>> X.shape, y.shape
    ((3, 4, 2), (3, 4, 2))
    >>> bool((y[:, :-1] == X[:, 1:]).all()), X[1, 0].tolist(), y[1, -1].tolist()
    (True, [4.0, 5.0], [12.0, 13.0])
    """
    series = _as_2d_series(series)
    T = series.shape[0]
    window = check_param(window, "window", "make_forecasting_windows", min_val=1)
    stride = check_param(stride, "stride", "make_forecasting_windows", min_val=1)
    if window + 1 > T:
        raise ValueError(
            f"make_forecasting_windows needs window + 1 <= T steps; got window={window} "
            f"and a series with T={T} steps."
        )
    starts = np.arange(0, T - window, stride)
    index = starts[:, None] + np.arange(window)
    return series[index], series[index + 1]


def _as_2d_series(series: np.ndarray) -> np.ndarray:
    """A finite float array of shape (T, N) from a (T,) or (T, N) series."""
    series = np.asarray(series, dtype=float)
    if series.ndim == 1:
        series = series[:, None]
    if series.ndim != 2:
        raise ValueError(
            f"series must be an array of shape (T,) or (T, N). Got an array of shape "
            f"{series.shape} instead."
        )
    if not np.isfinite(series).all():
        raise ValueError("series contains NaN or infinity; expected finite values.")
    return series
