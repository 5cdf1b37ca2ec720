"""ALRNNForecaster: dynamical-systems reconstruction with sparse teacher forcing (skorch).

skorch drives training: the data enter as a dataset of window starts; the
training iterator (:meth:`get_iterator`) samples starts with replacement and
cuts noisy windows; the net's own hooks set the learning rate each epoch,
stop on divergence and keep the checkpoint whose free runs best match the
data's geometry (D_stsp).  After fit everything runs in float64 numpy-facing
code (:mod:`._dsr_module`).
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.utils._available_if import available_if
from skorch import NeuralNet
from skorch.callbacks import PrintLog
from torch import nn

from ..analysis import (
    PiecewiseLinearSystem,
    codes_from_states,
    regime_summary,
)
from ..io._persistence import PersistenceMixin
from ..metrics import prediction_error, state_space_divergence
from ..nn._dsr_module import DSRModule, diverged_to_nan, lift64, run, run_last
from ..utils._trajectories import Trajectories, check_trajectories
from ..utils._validation import check_finite, check_option, check_param, check_sizes, input_error
from ._sequence import SequenceNet
from ._windows import Windows, window_loader

__all__ = ["ALRNNForecaster"]

# Checkpoint free runs: this many steps are dropped, then min(_EVAL_MAX, T_tot) scored
# (reference code: 1000 transient steps, at most 10 000 scored).
_EVAL_TRANSIENT, _EVAL_MAX = 1000, 10_000
# A free run counts as diverged once max|z| exceeds this times max(1, max|x_fit|).
_DIVERGENCE_FACTOR = 1e4


class _Diverged(FloatingPointError):
    """Training produced a non-finite loss or parameter."""


class _PrintLog(PrintLog):
    """skorch's epoch table, with an empty dstsp cell between checkpoints."""

    def table(self, row):
        return super().table({"dstsp": None, **row})


class ALRNNForecaster(PersistenceMixin, SequenceNet, NeuralNet):
    """Almost-Linear RNN for dynamical-systems reconstruction (skorch ``NeuralNet``).

    Trained on observed trajectories with sparse (or generalized) teacher
    forcing, the network becomes a generative model of the system: free runs
    reproduce the attractor, and its linear regimes are a symbolic code of it.

    Parameters
    ----------
    M : int, default=20
        Latent units (M >= N, the observed dimension).
    P : int, default=2
        ReLU units; the last P of the M.  P = 0 is fully linear.
    tf_interval : int, default=16
        tau >= 1: windows are forced at steps t = tau, 2 tau, ... < L; 1 forces
        every step, tau >= L never.
    tf_alpha : float, default=1.0
        Forcing strength in (0, 1]: 1 is hard sparse forcing, < 1 generalized
        teacher forcing with a constant alpha.
    sequence_length : int, default=200
        L, the predicted steps per window (a window holds L + 1 observations).
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to each sampled window.
    lr : float, default=1e-3
        Learning rate of the first epoch.
    lr_end : float or None, default=1e-5
        Learning rate the exponential decay reaches after ``max_epochs``
        epochs; None keeps lr constant.
    max_epochs : int, default=1000
    batch_size : int, default=16
        Windows per batch.
    batches_per_epoch : int, default=50
        An epoch is this many batches (not a pass over the data).
    max_grad_norm : float or None, default=10.0
        Gradient-norm clipping; None turns it off.
    checkpoint_interval : int or None, default=25
        Evaluate D_stsp of free runs every k epochs and after the last one,
        and keep the best; None keeps the last epoch.
    checkpoint_starts : int, default=3
        Free runs per evaluation; their median is scored.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, window sampling and noise (own generator; the
        global torch RNG is left as it was).
    optimizer : torch optimizer class, default=torch.optim.RAdam
    verbose : int, default=0
        1 prints skorch's epoch table (train_loss, and dstsp at checkpoints).
    **skorch_kwargs
        Other skorch parameters (``device``, ``callbacks``, ``warm_start``, ...).
        ``train_split`` is fixed to None.

    Attributes
    ----------
    n_features_in_ : int
        N.
    x0_ : ndarray of shape (N,)
        The first training observation (default start of :meth:`simulate`).
    best_epoch_ : int or None
        The epoch whose parameters were kept: the best checkpoint, the last
        epoch when ``checkpoint_interval`` is None, and None when no
        checkpoint had a finite D_stsp (the last epoch is kept then).
    regimes_ : RegimeSummary
        Regimes visited by ``regime_codes(X_fit)`` (assimilated paths).
    history : skorch History
        ``train_loss`` every epoch, ``dstsp`` at checkpoint epochs.
    module_ : DSRModule

    See Also
    --------
    sk_alrnn.metrics.state_space_divergence, sk_alrnn.metrics.make_dsr_scorer,
    sk_alrnn.analysis.PiecewiseLinearSystem

    Notes
    -----
    z_0 = [x_0; L x_0], z_t = a * u_{t-1} + W phi_P(u_{t-1}) + h, x_hat_t = z_t[:N],
    with u_t = [alpha x_t + (1 - alpha) z_t[:N]; z_t[N:]] at forced steps and
    u_t = z_t otherwise.  Loss: MSE of z_t[:N] (before forcing) against the
    noisy window, t = 1..L.  Learning rate of epoch e: lr (lr_end/lr)^(e/max_epochs).

    References
    ----------
    Brenner et al., "Almost-Linear RNNs Yield Highly Interpretable Symbolic
    Codes in Dynamical Systems Reconstruction", NeurIPS 2024.
    Hess et al., "Generalized Teacher Forcing for Learning Chaotic Dynamics",
    ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_roessler
    >>> X = make_roessler(n_steps=400, random_state=0)
    >>> X = (X - X.mean(0)) / X.std(0)
    >>> est = ALRNNForecaster(M=6, P=1, sequence_length=50, max_epochs=2,
    ...                       batches_per_epoch=5, random_state=0).fit(X)
    >>> est.simulate(100).shape
    (100, 3)
    >>> est.predict(X, n_steps=5).shape == X.shape
    True
    >>> est.regimes_.n_regimes <= 2
    True
    """

    # What save() writes besides the base's fitted state and the module weights.
    _persisted_attributes = ("x0_", "best_epoch_", "regimes_", "_x_scale_")

    def __init__(
        self,
        M=20,
        P=2,
        *,
        tf_interval=16,
        tf_alpha=1.0,
        sequence_length=200,
        noise=0.05,
        lr=1e-3,
        lr_end=1e-5,
        max_epochs=1000,
        batch_size=16,
        batches_per_epoch=50,
        max_grad_norm=10.0,
        checkpoint_interval=25,
        checkpoint_starts=3,
        random_state=None,
        optimizer=torch.optim.RAdam,
        verbose=0,
        module=DSRModule,
        criterion=nn.MSELoss,
        train_split=None,
        **skorch_kwargs,
    ):
        # Store only: validation happens at fit (scikit-learn convention).
        super().__init__(
            module,
            criterion=criterion,
            random_state=random_state,
            max_grad_norm=max_grad_norm,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            **skorch_kwargs,
        )
        self.M, self.P = M, P
        self.tf_interval, self.tf_alpha = tf_interval, tf_alpha
        self.sequence_length, self.noise, self.lr_end = sequence_length, noise, lr_end
        self.batches_per_epoch = batches_per_epoch
        self.checkpoint_interval, self.checkpoint_starts = (
            checkpoint_interval,
            checkpoint_starts,
        )

    # ---- validation -------------------------------------------------------------
    def _check_params(self) -> None:
        name = type(self).__name__
        real = {"target_type": numbers.Real}
        check_sizes(self.M, self.P, name)
        check_param(self.tf_interval, "tf_interval", name, min_val=1)
        check_param(
            self.tf_alpha,
            "tf_alpha",
            name,
            **real,
            min_val=0,
            max_val=1,
            include_boundaries="right",
        )
        check_param(self.sequence_length, "sequence_length", name, min_val=1)
        check_param(self.noise, "noise", name, **real, min_val=0)
        check_param(self.lr, "lr", name, **real, min_val=0, include_boundaries="neither")
        if self.lr_end is not None:
            check_param(
                self.lr_end,
                "lr_end",
                name,
                **real,
                min_val=0,
                max_val=self.lr,
                include_boundaries="right",
                bounds=f"in (0, lr={self.lr}] or None",
            )
        for param in (
            "max_epochs",
            "batch_size",
            "batches_per_epoch",
            "checkpoint_starts",
        ):
            check_param(getattr(self, param), param, name, min_val=1)
        if self.checkpoint_interval is not None:
            check_param(
                self.checkpoint_interval,
                "checkpoint_interval",
                name,
                min_val=1,
                bounds=">= 1 or None",
            )
        if self.max_grad_norm is not None:
            check_param(
                self.max_grad_norm,
                "max_grad_norm",
                name,
                **real,
                min_val=0,
                include_boundaries="neither",
                bounds="> 0 or None",
            )
        check_option(self.train_split, "train_split", name, [None])

    def _check_fit_data(self, X, y, reset: bool) -> Trajectories:
        name = type(self).__name__
        if y is not None:
            raise input_error(f"y of {name}", "be None (it learns from X alone)", type(y).__name__)
        data = check_trajectories(
            X, n_features=None if reset else self.n_features_in_, estimator_name=name
        )
        self._check_params()
        if self.M < data.n_features:
            raise input_error(
                f"The 'M' parameter of {name}",
                f"be >= N={data.n_features}, the observed features",
                self.M,
            )
        shortest = int(data.lengths.min())
        if shortest < self.sequence_length + 1:
            raise input_error(
                "Every trajectory",
                f"have at least sequence_length + 1 = {self.sequence_length + 1} steps",
                f"a shortest one of {shortest} steps",
            )
        return data

    # ---- fitting ----------------------------------------------------------------
    def fit(self, X, y=None, **fit_params):
        """Train on trajectories X (``y`` must be None); re-initialise unless ``warm_start``.

        Parameters
        ----------
        X : array of shape (T, N), (T,) or (n, T, N), or list of (T_i, N) / (T_i,) arrays
        y : None
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, y, **fit_params)

    def _fit(self, X, y, *, reset: bool, fit_params: dict, classes=None, sample_weight=None):
        # Replaces the base's _fit: trajectories, not padded sequences, and no targets.
        if sample_weight is not None:
            raise ValueError(
                f"{type(self).__name__} does not take sample_weight: every window of the "
                "trajectories is weighted alike. Got an array instead of None."
            )
        data = self._check_fit_data(X, y, reset)  # a refused fit changes nothing
        self._generator = self._fit_generator()
        try:
            if reset:
                self.n_features_in_ = data.n_features
                self.initialize()
            self._x_ref = np.concatenate(data.items)
            self._x_scale_ = float(np.abs(self._x_ref).max())
            self.module_.tf_interval, self.module_.tf_alpha = (
                self.tf_interval,
                self.tf_alpha,
            )
            NeuralNet.partial_fit(
                self, Windows(data.items, self.sequence_length), None, **fit_params
            )
        except _Diverged as exc:
            self._recover(exc)
        finally:
            del self._generator, self._x_ref
        self.x0_ = data.items[0][0].copy()
        self.regimes_ = regime_summary(self._codes(data))
        return self

    def _recover(self, exc: _Diverged) -> None:
        if self._best is None:
            raise FloatingPointError(
                f"{type(self).__name__} diverged ({exc}) before any finite checkpoint. Lower "
                f"lr (now {self.lr}), keep max_grad_norm on and standardise the data."
            ) from exc
        self._restore_best()
        warnings.warn(
            f"{type(self).__name__} diverged in epoch {len(self.history)} ({exc}); restored "
            f"the checkpoint of epoch {self.best_epoch_}.",
            RuntimeWarning,
            stacklevel=3,
        )

    # ---- skorch hooks -------------------------------------------------------------
    def initialize_module(self):
        self.module_ = self._build_module(
            n_features=self.n_features_in_, M=self.M, P=self.P, **self.get_params_for("module")
        )
        return self

    def get_default_callbacks(self):
        # The base's callbacks (clipping included), with a print_log that keeps dstsp.
        return [
            (name, _PrintLog() if name == "print_log" else cb)
            for name, cb in super().get_default_callbacks()
        ]

    def get_iterator(self, dataset, training=False):
        if not (training and isinstance(dataset, Windows)):
            return super().get_iterator(dataset, training=training)
        return window_loader(
            dataset,
            self.batch_size,
            self.batches_per_epoch,
            self.noise,
            self._generator,
        )

    def get_loss(self, y_pred, y_true, X=None, training=False):
        # The targets are the (noisy) window itself: MSE of z_t[:N] against x_t, t = 1..L.
        N = self.n_features_in_
        target = X[:, 1:].to(y_pred.device)
        loss = self.criterion_(y_pred[..., :N], target)
        if training and not torch.isfinite(loss):
            raise _Diverged(f"the training loss became {loss.item()}")
        return loss

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self._epoch_in_fit, self._best, self.best_epoch_ = 0, None, None

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train, dataset_valid, **kwargs)
        lr = self.lr
        if self.lr_end is not None:
            lr = self.lr * (self.lr_end / self.lr) ** (self._epoch_in_fit / self.max_epochs)
        for group in self.optimizer_.param_groups:
            group["lr"] = lr

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        self._epoch_in_fit += 1
        if not all(torch.isfinite(p).all() for p in self.module_.parameters()):
            raise _Diverged("a parameter became non-finite")
        last = self._epoch_in_fit == self.max_epochs
        if self.checkpoint_interval is None or not (
            last or self._epoch_in_fit % self.checkpoint_interval == 0
        ):
            return
        score = self._checkpoint_score()
        self.history.record("dstsp", score)
        if np.isfinite(score) and (self._best is None or score < self._best[0]):
            state = {k: v.detach().clone() for k, v in self.module_.state_dict().items()}
            self._best = (score, len(self.history), state)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        super().on_train_end(net, X=X, y=y, **kwargs)
        if self.checkpoint_interval is None:
            self.best_epoch_ = len(self.history)  # the last epoch is the one kept
            return
        if self._best is None:
            warnings.warn(
                f"No checkpoint of {type(self).__name__} had a finite D_stsp (every free run "
                "diverged or left the range of the data); kept the last epoch.",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        self._restore_best()

    def _restore_best(self) -> None:
        _, self.best_epoch_, state = self._best
        self.module_.load_state_dict(state)

    def _checkpoint_score(self) -> float:
        """Median D_stsp of ``checkpoint_starts`` free runs against all training data."""
        X_ref, K = self._x_ref, self.checkpoint_starts
        n_eval = min(_EVAL_MAX, len(X_ref))
        x0 = X_ref[[k * len(X_ref) // K for k in range(K)]]
        Z = run(self.module_, lift64(self.module_, x0), _EVAL_TRANSIENT + n_eval)
        runs = diverged_to_nan(Z, self._x_limit_fit)[:, _EVAL_TRANSIENT:, : self.n_features_in_]
        # A fixed seed for the GMM version's Monte-Carlo samples keeps fits deterministic.
        return float(np.median([state_space_divergence(X_ref, r, random_state=0) for r in runs]))

    # ---- inference ----------------------------------------------------------------
    def _check_n_steps(self, n_steps: Any) -> int:
        return check_param(n_steps, "n_steps", type(self).__name__, min_val=1)

    def _check_X(self, X) -> Trajectories:
        self.check_is_fitted()
        return check_trajectories(
            X, n_features=self.n_features_in_, estimator_name=type(self).__name__
        )

    def _check_points(self, x, what: str) -> np.ndarray:
        """Observations x of shape (N,) or (n, N), finite, as float64."""
        self.check_is_fitted()
        x = np.asarray(x, dtype=np.float64)
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_features_in_:
            raise input_error(
                what,
                f"have shape (N,) or (n, N) with N = {self.n_features_in_} features",
                f"shape {x.shape}",
            )
        check_finite(x, what)
        return x

    def initial_state(self, x) -> np.ndarray:
        """The lift [x; L x] of observations x (N,) or (n, N): (M,) or (n, M)."""
        x = self._check_points(x, "x")
        return lift64(self.module_, x)

    def simulate(self, n_steps: int, x0=None, *, return_latent: bool = False):
        """Free run x_hat_1..x_hat_n from z_0 = lift(x0) (``x0_`` when None).

        Returns
        -------
        X_hat : ndarray of shape (n_steps, N), or (n, n_steps, N) for x0 (n, N)
        Z : ndarray of shape (..., n_steps, M), only with ``return_latent``
            From the first step at which z is non-finite or max|z| exceeds
            1e4 * max(1, max|x_fit|), a run's rows are NaN.
        """
        self.check_is_fitted()
        n_steps = self._check_n_steps(n_steps)
        x0 = self.x0_ if x0 is None else self._check_points(x0, "x0")
        z0 = lift64(self.module_, np.atleast_2d(x0))
        Z = diverged_to_nan(run(self.module_, z0, n_steps), self._x_limit_fit)
        Z = Z[0] if x0.ndim == 1 else Z
        X_hat = Z[..., : self.n_features_in_].copy()
        return (X_hat, Z) if return_latent else X_hat

    @property
    def _x_limit_fit(self) -> float:
        return _DIVERGENCE_FACTOR * max(1.0, self._x_scale_)

    def _paths(self, data: Trajectories, tf_interval: int) -> list:
        """Pre-forcing paths z_0..z_{T-1} per trajectory, hard-forced every tf_interval steps."""
        paths = []
        for x in data.items:
            z0 = lift64(self.module_, x[:1])
            Z = run(self.module_, z0, len(x) - 1, x[None, 1:], tf_interval)[0]
            paths.append(np.concatenate([z0, Z]))
        return paths

    def latent_states(self, X, tf_interval: int = 1):
        """Pre-forcing latent path z_0..z_{T-1}, with z[:N] <- x_t before the step from t % k == 0.

        k = 1 (default) is the assimilated path :meth:`forecast` uses; k >= T
        is a free run from lift(x_0).

        Returns
        -------
        Z : ndarray of shape (T, M) or (n, T, M), or list of (T_i, M) arrays
        """
        data = self._check_X(X)
        check_param(tf_interval, "tf_interval", type(self).__name__, min_val=1)
        return data.restore(self._paths(data, tf_interval), squeeze=False)

    def regime_codes(self, X, tf_interval: int = 1):
        """``latent_states(X, tf_interval)[..., M-P:] > 0``: bool (T, P) / (n, T, P) / list."""
        data = self._check_X(X)
        check_param(tf_interval, "tf_interval", type(self).__name__, min_val=1)
        return data.restore(self._codes(data, tf_interval), squeeze=False)

    def _codes(self, data: Trajectories, tf_interval: int = 1) -> list:
        return [codes_from_states(Z, self.P) for Z in self._paths(data, tf_interval)]

    def forecast(self, context, n_steps: int):
        """Assimilate a context (hard forcing every step), then run free for ``n_steps``.

        Returns
        -------
        X_hat : ndarray of shape (n_steps, N) for one (T_c, N) context, else (n, n_steps, N)
        """
        data = self._check_X(context)
        n_steps = self._check_n_steps(n_steps)
        starts = []
        for c, Z in zip(data.items, self._paths(data, 1)):
            u = Z[-1].copy()
            u[: self.n_features_in_] = c[-1]
            starts.append(u)
        Z = diverged_to_nan(run(self.module_, np.stack(starts), n_steps), self._x_limit_fit)
        X_hat = Z[..., : self.n_features_in_]
        return X_hat[0] if data.form in ("1d", "2d") else X_hat

    def predict(self, X, n_steps: int = 1):
        """n-step forecast from each single observation: Y[t] = F^n(lift(x_t))[:N].

        Returns
        -------
        Y : same structure and shape as X; rows t >= T - n forecast past the data.
        """
        data = self._check_X(X)
        n_steps = self._check_n_steps(n_steps)
        outputs = [
            run_last(self.module_, lift64(self.module_, x), n_steps)[:, : x.shape[1]]
            for x in data.items
        ]
        return data.restore(outputs)

    def score(self, X, y=None) -> float:
        """``-prediction_error(self, X, n_steps=20)`` (greater is better); ``y`` must be None."""
        if y is not None:  # API.md: y is ignored and must be None, as at fit
            raise input_error(
                f"y of {type(self).__name__}.score",
                "be None (the targets are X itself)",
                type(y).__name__,
            )
        return -prediction_error(self, X, n_steps=20)

    def linearize(self) -> PiecewiseLinearSystem:
        """The fitted network as a piecewise-affine map (numpy, float64).

        a, W, h; C of shape (M, 0) (no inputs); B = [I_N 0]; b = 0; ``regimes``
        for the rows of ``regimes_.codes``.  z_{t+1} = J(code_t) z_t + h holds
        along :meth:`simulate`.
        """
        self.check_is_fitted(["module_", "regimes_"])
        w = {k: v.detach().cpu().double().numpy() for k, v in self.module_.named_parameters()}
        M, N = self.M, self.n_features_in_
        return PiecewiseLinearSystem(
            a=w["a"],
            W=w["W"],
            C=np.zeros((M, 0)),
            h=w["h"],
            B=np.eye(N, M),
            b=np.zeros(N),
            P=self.P,
            regime_codes=self.regimes_.codes,
        )

    # A forecaster has no class probabilities (skorch's NeuralNet defines one).
    predict_proba = available_if(lambda self: False)(NeuralNet.predict_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags
