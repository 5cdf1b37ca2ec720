"""ALRNNForecaster: dynamical-systems reconstruction with sparse teacher forcing (skorch).

skorch drives training: the data enter as a dataset of window starts; the
training iterator (:meth:`get_iterator`) samples starts with replacement and
cuts noisy windows.  Several starts (independent initialisations) train at
at once in one grouped recurrence (:class:`~sk_alrnn.nn._dsr_module.DSRStack`);
callbacks (:mod:`._dsr_callbacks`) decay the learning rate, clip each start's
gradient, adapt the forcing strength and keep, per start, the checkpoint whose
free runs best match the data's geometry (D_stsp).  The best start becomes the
fitted network.  After fit everything runs in float64 numpy-facing code
(:mod:`sk_alrnn.nn._dsr_module`).
"""

from __future__ import annotations

import copy
import numbers
import warnings
from typing import Any

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from skorch import NeuralNet
from skorch.callbacks import LRScheduler, PrintLog
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

from ..analysis import (
    PiecewiseLinearSystem,
    codes_from_states,
    regime_summary,
)
from ..io import PersistenceMixin
from ..metrics import prediction_error
from ..nn import DSRModule, DSRStack, diverged_to_nan, lift64, run, run_last
from ..utils import (
    Trajectories,
    check_finite,
    check_option,
    check_param,
    check_sizes,
    check_trajectories,
    input_error,
)
from ._dsr_auto import auto_settings, characteristic_period
from ._dsr_callbacks import AdaptiveForcing, CheckpointSelection, ExpDecay, StackClipping
from ._seeded import SeededNet
from ._windows import Windows, window_loader

__all__ = ["ALRNNForecaster"]

# A free run counts as diverged once max|z| exceeds this times max(1, max|x_fit|).
_DIVERGENCE_FACTOR = 1e4
# Parameters that accept "auto" (chosen from the data at fit, see _dsr_auto).
_AUTO = ("tf_interval", "sequence_length", "checkpoint_interval")


class _Diverged(FloatingPointError):
    """Training produced a non-finite loss or parameter."""


class _PrintLog(PrintLog):
    """skorch's epoch table, with an empty dstsp cell between checkpoints."""

    def table(self, row):
        return super().table({"dstsp": None, "collapsed": None, **row})


class ALRNNForecaster(PersistenceMixin, SeededNet, NeuralNet):
    """Almost-Linear RNN for dynamical-systems reconstruction (skorch ``NeuralNet``).

    Trained on observed trajectories with sparse (or generalized) teacher
    forcing, the network becomes a generative model of the system: free runs
    reproduce the attractor, and its linear regimes are a symbolic code of it.
    The defaults are meant to work without tuning on a standardised recording
    sampled at about 50-200 steps per characteristic period: the settings that
    depend on the time scale are chosen from the data (``"auto"``).

    Parameters
    ----------
    M : int, default=20
        Latent units (M >= N, the observed dimension).
    P : int, default=2
        ReLU units; the last P of the M.  P = 0 is fully linear.
    tf_interval : int or "auto", default="auto"
        tau >= 1: windows are forced at steps t = tau, 2 tau, ... < L; 1 forces
        every step, tau >= L never.  "auto": round(period / 5), with the
        period read from the data's power spectrum (see Notes).
    tf_alpha : float or "auto", default="auto"
        Forcing strength in (0, 1]: 1 is hard sparse forcing, < 1 generalized
        teacher forcing with a constant alpha.  "auto" adapts alpha to the
        Jacobians of each start during training (see Notes).
    sequence_length : int or "auto", default="auto"
        L, the predicted steps per window (a window holds L + 1 observations).
        "auto": 10 ``tf_interval_``, capped at 300 steps but at least 2
        ``tf_interval_`` (and at most the shortest trajectory's length - 1).
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to each sampled window.
    lr : float, default=5e-3
        Learning rate of the first epoch.
    lr_end : float or None, default=1e-3
        Learning rate the exponential decay reaches after ``max_epochs``
        epochs; None keeps lr constant.
    max_epochs : int, default=150
    batch_size : int, default=64
        Windows per batch.
    batches_per_epoch : int, default=20
        An epoch is this many batches (not a pass over the data).
    max_grad_norm : float or None, default=10.0
        Gradient-norm clipping, of each start on its own; None turns it off.
    checkpoint_interval : int, "auto" or None, default="auto"
        Evaluate D_stsp of free runs every k epochs and after the last one,
        and keep the best; None keeps the last epoch.  "auto": max_epochs // 15.
    checkpoint_starts : int, default=3
        Free runs per evaluation; their median is scored.
    n_starts : int, default=2
        Independent initialisations trained at once (one batched kernel);
        the start with the lowest checkpoint D_stsp is kept.
    on_divergence : {"restore", "raise"}, default="restore"
        A non-finite loss or parameter ends training; "restore" keeps the best
        checkpoint so far (with a ``RuntimeWarning``), "raise" raises
        ``FloatingPointError``.  Without a finite checkpoint both raise.
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
    period_ : float
        The characteristic period of the training data, in steps.
    tf_interval_, sequence_length_ : int
        The values used (the parameter itself when it is a number).
    checkpoint_interval_ : int or None
    tf_alpha_ : float
        The forcing strength at the end of training (the parameter when fixed).
    best_epoch_ : int or None
        The epoch whose parameters were kept: the best checkpoint, the last
        epoch when ``checkpoint_interval`` is None, and None when no
        checkpoint had a finite D_stsp (the last epoch is kept then).
    best_start_ : int
        Which of the ``n_starts`` initialisations was kept.
    start_scores_ : ndarray of shape (n_starts,)
        The best checkpoint D_stsp of each start (inf: every checkpoint of
        that start collapsed, diverged or left the data's range).
    regimes_ : RegimeSummary
        Regimes visited by ``regime_codes(X_fit)`` (assimilated paths).
    history : skorch History
        ``train_loss`` (the mean over the starts) every epoch, ``tf_alpha`` with
        adaptive forcing, ``dstsp`` (the best start's) and ``collapsed`` (how
        many starts' runs collapsed or diverged) at checkpoint epochs.
    module_ : DSRModule

    See Also
    --------
    ALRNNForecasterCV : the same, trained for several P at once, P chosen on held-out data.
    sk_alrnn.metrics.state_space_divergence, sk_alrnn.metrics.make_dsr_scorer

    Notes
    -----
    z_0 = [x_0; L x_0], z_t = a * u_{t-1} + W phi_P(u_{t-1}) + h, x_hat_t = z_t[:N],
    with u_t = [alpha x_t + (1 - alpha) z_t[:N]; z_t[N:]] at forced steps and
    u_t = z_t otherwise.  Loss: MSE of z_t[:N] (before forcing) against the
    noisy window, t = 1..L.  Learning rate of epoch e: lr (lr_end/lr)^(e/max_epochs).

    **The "auto" rule.**  The period is one over the peak frequency of the
    summed power spectrum of the standardised variables (longest trajectory);
    tf_interval = max(1, round(period / 5)), sequence_length = 10 tf_interval
    capped at max(300, 2 tf_interval) steps (a window's cost grows with its
    length), checkpoint_interval = max(1, max_epochs // 15).

    **Adaptive forcing** (``tf_alpha="auto"``).  After each batch, with
    G = the largest over the batch's windows of the geometric mean of the
    Jacobians' spectral norms ||J(code_t)|| along the window, the estimate
    alpha_est = max(0, 1 - G^(-tau)) bounds the product of Jacobian norms
    across one unforced stretch by 1; alpha rises to it at once and relaxes
    towards a lower one by 1 % per batch (Hess et al., 2023, with tau = 1).

    **Collapse detection.**  A checkpoint whose free run diverged, left the
    data's range or stopped at a fixed point is never kept; training goes on.
    A fit that ends without any usable checkpoint warns and says what to try.

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
    >>> est = ALRNNForecaster(M=6, P=1, max_epochs=2, batches_per_epoch=5,
    ...                       checkpoint_interval=None, random_state=0).fit(X)
    >>> est.simulate(100).shape
    (100, 3)
    >>> est.predict(X, n_steps=5).shape == X.shape
    True
    >>> est.sequence_length_ == min(10 * est.tf_interval_, len(X) - 1)
    True
    >>> est.regimes_.n_regimes <= 2
    True
    """

    # What save() writes besides the base's fitted state and the module weights.
    _persisted_attributes = (
        "n_features_in_",
        "x0_",
        "best_epoch_",
        "regimes_",
        "_x_scale_",
        "period_",
        "tf_interval_",
        "sequence_length_",
        "checkpoint_interval_",
        "tf_alpha_",
        "best_start_",
        "start_scores_",
    )

    def __init__(
        self,
        M=20,
        P=2,
        *,
        tf_interval="auto",
        tf_alpha="auto",
        sequence_length="auto",
        noise=0.05,
        lr=5e-3,
        lr_end=1e-3,
        max_epochs=150,
        batch_size=64,
        batches_per_epoch=20,
        max_grad_norm=10.0,
        checkpoint_interval="auto",
        checkpoint_starts=3,
        n_starts=2,
        on_divergence="restore",
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
            on_divergence=on_divergence,
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
        self.n_starts = n_starts

    # ---- validation -------------------------------------------------------------
    def _check_params(self) -> None:
        super()._check_params()  # the table every family shares (device, lr, clipping, ...)
        name = type(self).__name__
        real = {"target_type": numbers.Real}
        check_sizes(self.M, self.P, name)
        for param in _AUTO:
            value = getattr(self, param)
            if isinstance(value, str) or (param == "checkpoint_interval" and value is None):
                options = ["auto", None] if param == "checkpoint_interval" else ["auto"]
                check_option(value, param, name, options)
            else:
                check_param(value, param, name, min_val=1, bounds='>= 1 or "auto"')
        if isinstance(self.tf_alpha, str):
            check_option(self.tf_alpha, "tf_alpha", name, ["auto"])
        else:
            check_param(
                self.tf_alpha,
                "tf_alpha",
                name,
                **real,
                min_val=0,
                max_val=1,
                include_boundaries="right",
                bounds='in (0, 1] or "auto"',
            )
        check_param(self.noise, "noise", name, **real, min_val=0, max_val=np.inf)
        check_param(
            self.lr, "lr", name, **real, min_val=0, max_val=np.inf, include_boundaries="neither"
        )
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
            "n_starts",
        ):
            check_param(getattr(self, param), param, name, min_val=1)
        check_option(self.on_divergence, "on_divergence", name, ["restore", "raise"])
        check_option(self.train_split, "train_split", name, [None])

    def _check_fit_data(self, X, y, reset: bool) -> Trajectories:
        name = type(self).__name__
        if y is not None:
            raise input_error(f"y of {name}", "be None (it learns from X alone)", type(y).__name__)
        data = check_trajectories(
            X, n_features=None if reset else self.n_features_in_, estimator_name=name
        )
        if self.M < data.n_features:
            raise input_error(
                f"The 'M' parameter of {name}",
                f"be >= N={data.n_features}, the observed features",
                self.M,
            )
        shortest = int(data.lengths.min())
        if self.sequence_length != "auto" and shortest < self.sequence_length + 1:
            raise input_error(
                "Every trajectory",
                f"have at least sequence_length + 1 = {self.sequence_length + 1} steps",
                f"a shortest one of {shortest} steps",
            )
        if shortest < 2:
            raise input_error("Every trajectory", "have at least 2 steps", f"one of {shortest}")
        return data

    def _settings(self, data: Trajectories) -> dict:
        """The values the training uses: the parameters, with "auto" resolved from the data."""
        period = characteristic_period(data.items)
        tau = None if self.tf_interval == "auto" else self.tf_interval
        auto = auto_settings(period, int(data.lengths.min()), self.max_epochs, tau)
        chosen = {"period_": period}
        for param in _AUTO:
            value = getattr(self, param)
            chosen[param + "_"] = auto[param] if value == "auto" else value
        chosen["tf_alpha_"] = 1.0 if self.tf_alpha == "auto" else float(self.tf_alpha)
        return chosen

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
        reset = not (self.warm_start and getattr(self, "initialized_", False))
        return self._fit(X, y, reset=reset, fit_params=fit_params)

    def partial_fit(self, X, y=None, **fit_params):
        """Train the fitted network for ``max_epochs`` more epochs (initialise on the first call).

        Parameters
        ----------
        X : array of shape (T, N), (T,) or (n, T, N), or list of (T_i, N) / (T_i,) arrays
        y : None
        **fit_params : dict
            Passed on to skorch.

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        return self._fit(
            X, y, reset=not getattr(self, "initialized_", False), fit_params=fit_params
        )

    def _fit(self, X, y, *, reset: bool, fit_params: dict):
        validate = lambda: self._check_fit_data(X, y, reset)  # noqa: E731
        with self._fit_context(validate) as data:  # a refused fit changes nothing
            settings = self._settings(data)
            stack, checkpoints = self._train_starts(data, settings, reset, fit_params)
        self._finish(stack, checkpoints, data, settings)
        return self

    def _train_starts(self, data: Trajectories, settings: dict, reset: bool, fit_params: dict):
        """Train the stack of starts; return it and the checkpoint callback (or None).

        Runs inside :meth:`_fit_context` (the per-fit generator is live).
        """
        saved = dict(vars(self))
        self._x_ref = np.concatenate(data.items)
        self._fit_settings = settings
        try:
            try:
                if reset:
                    self.n_features_in_ = data.n_features
                    self.initialize()  # module_ is the stack of new starts
                else:
                    self._continue_in_stack()
            except BaseException:
                # Building the network failed (an unknown module__ keyword, ...): the real
                # error surfaces and the estimator is left as it was.
                vars(self).clear()
                vars(self).update(saved)
                raise
            stack = self.module_
            try:
                NeuralNet.partial_fit(
                    self, Windows(data.items, settings["sequence_length_"]), None, **fit_params
                )
            except _Diverged as exc:
                self._on_diverged(exc, stack)
        finally:
            for name in ("_x_ref", "_fit_settings"):
                vars(self).pop(name, None)
        return stack, dict(self.callbacks_).get("checkpoints")

    def _new_stack(self) -> DSRStack:
        """The starts' networks, initial weights drawn from the per-fit generator.

        Every P in ``_stack_Ps`` (the CV's candidates; [P] otherwise) gets the
        same ``n_starts`` initial networks: the draws do not depend on P, so
        each candidate starts exactly as its own fit would.
        """
        build = self.get_params_for("module")
        Ps = getattr(self, "_stack_Ps", [self.P])
        starts = [
            self._build_module(n_features=self.n_features_in_, M=self.M, P=Ps[0], **build)
            for _ in range(self.n_starts)
        ]
        return self._as_stack(starts * len(Ps), [P for P in Ps for _ in starts])

    def _as_stack(self, modules: list, Ps: list) -> DSRStack:
        stack = DSRStack(modules, Ps)
        stack.tf_interval = self._fit_settings["tf_interval_"]
        stack.tf_alpha = torch.full((stack.K,), self._fit_settings["tf_alpha_"])
        return stack.to(self.device)

    def _continue_in_stack(self) -> None:
        """Continued training (warm_start, partial_fit): the fitted network alone, as a stack.

        The optimizer and callbacks start afresh (so does the learning-rate schedule).
        """
        self.module_ = self._as_stack([self.module_], [self.module_.P])
        self.initialize_callbacks()
        self.initialize_optimizer()

    def _on_diverged(self, exc: _Diverged, stack: DSRStack) -> None:
        checkpoints = dict(self.callbacks_).get("checkpoints")
        has_best = checkpoints is not None and any(b is not None for b in checkpoints.best_)
        if not has_best or self.on_divergence == "raise":
            raise FloatingPointError(
                f"{type(self).__name__} diverged ({exc}) in epoch {len(self.history)}"
                + ("" if has_best else " before any finite checkpoint")
                + f". Lower lr (now {self.lr}), keep max_grad_norm on and standardise the data."
            ) from exc
        kept = min((b for b in checkpoints.best_ if b is not None), key=lambda b: b[:2])
        warnings.warn(
            f"{type(self).__name__} diverged in epoch {len(self.history)} ({exc}); restored "
            f"the best checkpoint (epoch {kept[1]}).",
            RuntimeWarning,
            stacklevel=4,
        )

    def _finish(
        self,
        stack: DSRStack,
        checkpoints,
        data: Trajectories,
        settings: dict,
        blocks: range | None = None,
    ) -> None:
        """Keep the best start among ``blocks`` (all) as ``module_``; set the fitted attributes."""
        blocks = range(stack.K) if blocks is None else blocks
        scores = np.full(len(blocks), np.inf)
        epochs = [len(self.history)] * len(blocks)
        if checkpoints is not None:
            for i, k in enumerate(blocks):
                if checkpoints.best_[k] is not None:
                    scores[i], epochs[i] = checkpoints.best_[k][:2]
            checkpoints.restore(stack)
        best = int(np.argmin(scores))  # the first start when none has a finite score
        self.module_ = stack.block(blocks[best])
        self.initialize_optimizer()
        for name, value in settings.items():
            setattr(self, name, value)
        self.tf_alpha_ = float(stack.tf_alpha[blocks[best]])
        self.best_start_, self.start_scores_ = best, scores
        self.best_epoch_ = epochs[best]
        if checkpoints is not None and not np.isfinite(scores[best]):
            self.best_epoch_ = None
            warnings.warn(self._collapse_message(settings), RuntimeWarning, stacklevel=3)
        self._x_scale_ = float(np.abs(np.concatenate(data.items)).max())
        self.x0_ = data.items[0][0].copy()
        self.regimes_ = regime_summary(self._codes(data))

    def _adopt(self, trainer, stack, checkpoints, data, settings: dict, blocks: range) -> None:
        """Become the fitted forecaster of ``blocks`` of a stack another forecaster trained.

        The CV trains every candidate in one stack; each candidate is then exactly
        the fit of its own forecaster (same initial weights and windows), with the
        shared run's history.
        """
        self.n_features_in_ = data.n_features
        # skorch's own initialisation; the throwaway network it builds draws from a
        # private generator, so the global RNG stays untouched.
        self._generator = torch.Generator()
        try:
            self.initialize()
        finally:
            del self._generator
        self.history_ = copy.deepcopy(trainer.history_)
        self._finish(stack, checkpoints, data, settings, blocks)

    def _collapse_message(self, settings: dict) -> str:
        return (
            f"Every checkpoint of every start of {type(self).__name__} collapsed to a fixed "
            "point, diverged or left the range of the data; kept the last epoch, which is "
            "likely no reconstruction. Try: standardised data sampled at about 50-200 steps "
            f"per period (the period found was {settings['period_']:.0f} steps), more epochs "
            f"(max_epochs={self.max_epochs}), more starts (n_starts={self.n_starts}), "
            f"another tf_interval (used {settings['tf_interval_']}), a larger M or P, or "
            "ALRNNForecasterCV to compare several P."
        )

    # ---- skorch hooks -------------------------------------------------------------
    def initialize_module(self):
        # During fit: the stack of starts; otherwise (a loaded file) one network.
        if getattr(self, "_fit_settings", None) is not None:
            self.module_ = self._new_stack()
            return self
        self.module_ = self._build_module(
            n_features=self.n_features_in_, M=self.M, P=self.P, **self.get_params_for("module")
        )
        return self

    def get_default_callbacks(self):
        # The base's callbacks without its clipping and last-finite-weights (the
        # forecaster clips each start and keeps checkpoints), plus the schedule.
        callbacks = [
            (name, _PrintLog() if name == "print_log" else cb)
            for name, cb in super().get_default_callbacks()
            if name not in ("gradient_clipping", "last_finite_weights")
        ]
        if self.max_grad_norm is not None:
            callbacks.append(("gradient_clipping", StackClipping(self.max_grad_norm)))
        if self.lr_end is not None:
            decay = ExpDecay(self.lr_end / self.lr, self.max_epochs)
            callbacks.append(
                ("lr_scheduler", LRScheduler(LambdaLR, lr_lambda=decay, event_name=None))
            )
        settings = getattr(self, "_fit_settings", None)
        if settings is None:
            return callbacks
        if self.tf_alpha == "auto":
            callbacks.append(("adaptive_forcing", AdaptiveForcing()))
        interval = settings["checkpoint_interval_"]
        if interval is not None:
            selection = CheckpointSelection(
                self._x_ref, interval, self.max_epochs, self.checkpoint_starts
            )
            callbacks.append(("checkpoints", selection))
        return callbacks

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
        # The targets are the (noisy) window itself: MSE of z_t[:N] against x_t, t = 1..L,
        # for every start (y_pred is (B, L, K, N)), summed over the starts so each gets
        # the gradient of its own loss.
        target = X[:, 1:, None].to(y_pred.device).expand_as(y_pred)
        loss = self.criterion_(y_pred, target) * y_pred.shape[2]
        if training and not torch.isfinite(loss):
            raise _Diverged(f"the training loss became {loss.item()}")
        return loss

    def train_step_single(self, batch, **fit_params):
        # Report the mean loss over the starts (the gradient came from their sum).
        step = super().train_step_single(batch, **fit_params)
        step["loss"] = step["loss"].detach() / self.module_.K
        return step

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_end(net, dataset_train, dataset_valid, **kwargs)
        if not all(torch.isfinite(p).all() for p in self.module_.parameters()):
            raise _Diverged("a parameter became non-finite")

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
        return [codes_from_states(Z, self.module_.P) for Z in self._paths(data, tf_interval)]

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
        if y is not None:  # y is ignored and must be None, as at fit
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
        M, N = self.module_.M, self.n_features_in_
        return PiecewiseLinearSystem(
            a=w["a"],
            W=w["W"],
            C=np.zeros((M, 0)),
            h=w["h"],
            B=np.eye(N, M),
            b=np.zeros(N),
            P=self.module_.P,
            regime_codes=self.regimes_.codes,
        )

    # A forecaster has no class probabilities (skorch's NeuralNet defines one).
    predict_proba = available_if(lambda self: False)(NeuralNet.predict_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.target_tags.required = False
        return tags

    def prune(self, X=None, *, tol: float = 0.0):
        """A new fitted forecaster without the hidden ReLU units that never switch (see ``_prune``).

        X None tests the assimilated training paths (``regimes_``); with X, also
        the lifted observations and the free runs from X, so ``predict(X)`` and
        ``simulate`` from X's first observations agree to float32 rounding.
        """
        from ._prune import prune_forecaster  # here: this method is the only pruning change

        return prune_forecaster(self, X, tol=tol)
