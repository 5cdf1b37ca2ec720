"""What every estimator family of the package honours, as a mixin for skorch nets.

:class:`SeededNet` holds the promises shared by the sequence estimators and
the forecaster, and nothing else:

* one ``torch.Generator`` per fit (``random_state``), used for the initial
  weights and for shuffling (``iterator_train__shuffle=True``), so seeded
  fits in concurrent threads are deterministic and torch's global RNG is left alone;
* a refused fit changes nothing: :meth:`SeededNet._fit_context` runs every
  check before the estimator is touched;
* gradient-norm clipping on by default, an optional progress bar;
* a NaN/inf training loss raises ``FloatingPointError`` with the likely
  cause, or (``on_divergence="restore"``) puts back the last finite weights;
* the training parameters checked in one place at fit.
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections.abc import Callable, Iterator

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch.callbacks import GradientNormClipping

from ..utils import (
    TRAINING_CONSTRAINTS,
    check_device,
    parameter_constraints,
    validate_parameter_constraints,
)
from ._callbacks import LastFiniteWeights
from ._progress import EpochProgressBar

__all__ = ["SeededNet"]


def _accepts(factory: Callable, name: str) -> bool:
    try:
        return name in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def _global_rng_from(generator: torch.Generator | None):
    """Seed torch's global RNG from ``generator`` for a block, restoring it after.

    Only for modules whose constructor takes no ``generator``: the global RNG
    is process-wide, so this path is not safe for concurrent fits in threads.
    """
    if generator is None:
        yield
        return
    seed = int(torch.randint(2**62, (1,), generator=generator))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _device_constraint(device, name: str, owner: str) -> None:
    check_device(device, owner)


def _same_value(value, default) -> bool:
    """Whether ``value`` is the default as scikit-learn's repr decides (NaN equals NaN)."""
    if value is default:
        return True
    try:
        return bool(repr(value) == repr(default))
    except Exception:  # noqa: BLE001 -- an odd object's repr: show it
        return False


class SeededNet:
    """Mixin for skorch nets: per-fit seeding, clipping, divergence handling.

    Put it before the skorch class.  Subclasses call :meth:`_fit_context`
    around their training, :meth:`_build_module` in ``initialize_module``,
    :meth:`_check_finite_loss` in ``get_loss`` and :meth:`_train` for the
    training loop itself.

    Parameters
    ----------
    module : type
        The torch module class.
    criterion : type
        The loss, as for skorch.
    random_state : int, RandomState instance or None, default=None
        Seeds one ``torch.Generator`` per fit, used for the module's initial
        weights and for batch shuffling (``iterator_train__shuffle=True``;
        off by default, as in skorch); torch's global RNG is not touched.
        None uses torch's global RNG (``torch.manual_seed`` applies).
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping (skorch's ``GradientNormClipping``); None
        turns it off.
    progress_bar : bool, default=False
        Show a progress bar over the epochs (epoch k of N, training loss,
        time elapsed and left; tqdm on stderr).
    on_divergence : {"raise", "restore"}, default="raise"
        What a NaN/inf training loss (or weights) does: "raise" stops with a
        ``FloatingPointError``; "restore" puts back the weights and optimizer
        state from the end of the last finite epoch (the initial ones if none
        finished), drops the diverged epoch from ``history``, warns
        (``RuntimeWarning``) and finishes the fit as an interrupted one.
    **kwargs
        skorch's parameters.

    Notes
    -----
    While a fit runs, ``self._generator`` is its ``torch.Generator`` (None
    when ``random_state`` is None), for subclasses that draw further random
    numbers (sampled windows, noise): drawing from it keeps seeded fits
    thread-safe and the global RNG untouched.
    """

    _generator: torch.Generator | None = None  # set only while a fit runs
    # The parameter table, checked at every fit (subclasses add their own rows).
    _parameter_constraints = {**TRAINING_CONSTRAINTS, "device": [_device_constraint]}

    def __init__(
        self,
        module,
        *,
        criterion,
        random_state=None,
        max_grad_norm=1.0,
        progress_bar=False,
        on_divergence="raise",
        **kwargs,
    ):
        # Store only: validation happens at fit (scikit-learn convention).
        super().__init__(module, criterion=criterion, **kwargs)
        self.random_state, self.max_grad_norm = random_state, max_grad_norm
        self.progress_bar = progress_bar
        self.on_divergence = on_divergence

    # ---- parameters ----------------------------------------------------------------
    def _check_params(self) -> None:
        """Check every hyper-parameter at fit (and at load); raise ValueError.

        Runs the ``_parameter_constraints`` tables of the class and its bases,
        merged; a subclass with rules a table cannot state overrides this and
        calls ``super()._check_params()``.
        """
        table = parameter_constraints(type(self))
        params = {name: getattr(self, name) for name in table}
        validate_parameter_constraints(table, params, type(self).__name__)

    # ---- fitting -------------------------------------------------------------------
    @contextlib.contextmanager
    def _fit_context(self, validate: Callable[[], object]) -> Iterator:
        """Check everything, then run the block with the per-fit generator live.

        ``validate()`` checks the data (and anything else that may refuse the
        fit) and returns what the block needs; it runs after the training and
        model parameters are checked and before the generator exists, so a
        refused fit leaves a fitted estimator exactly as it was.
        """
        self._check_params()
        checked = validate()
        # Every check has passed: from here on the estimator may change.
        self._generator = self._fit_generator()
        try:
            yield checked
        finally:
            del self._generator

    def _train(self, dataset, target, fit_params: dict) -> None:
        """Skorch's training loop on ``dataset``, honouring ``on_divergence``."""
        try:
            super().partial_fit(dataset, target, **fit_params)
        except FloatingPointError as error:
            if self.on_divergence != "restore":
                raise
            self._restore_last_finite(error)
            self.notify("on_train_end", X=dataset, y=target)  # as after an interrupt

    def _check_finite_loss(self, loss: torch.Tensor) -> None:
        """Raise ``FloatingPointError`` with the likely cause for a NaN/inf training loss."""
        if torch.isfinite(loss):
            return
        raise FloatingPointError(
            f"{type(self).__name__} diverged: the training loss became {loss.item()} "
            f"(epoch {len(self.history)}). Likely cause: the learning rate lr={self.lr} is "
            "too high for these data, so the hidden state blew up. Lower lr "
            "(e.g. lr=1e-3), keep gradient clipping on (max_grad_norm=1.0) and "
            "standardise the inputs."
        )

    def _restore_last_finite(self, error: FloatingPointError) -> None:
        kept = dict(self.callbacks_)["last_finite_weights"]
        diverged = len(self.history)
        self.module_.load_state_dict(kept.module_state_)
        self.optimizer_.load_state_dict(kept.optimizer_state_)
        del self.history_[kept.epochs_ :]
        warnings.warn(
            f"{type(self).__name__} diverged in epoch {diverged}; restored the weights and "
            f"optimizer state from the end of epoch {kept.epochs_} (on_divergence='restore'). "
            f"Cause: {error}",
            RuntimeWarning,
            stacklevel=4,
        )

    def _fit_generator(self) -> torch.Generator | None:
        if self.random_state is None:
            return None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return torch.Generator().manual_seed(int(seed))

    def _build_module(self, **kwargs):
        """Instantiate ``self.module``, its initial weights drawn from the per-fit generator.

        A module whose constructor takes no ``generator`` is built with torch's
        global RNG seeded from it (and restored after): correct, but not
        thread-safe.
        """
        if _accepts(self.module, "generator"):
            return self.module(generator=self._generator, **kwargs)
        with _global_rng_from(self._generator):
            return self.module(**kwargs)

    # ---- skorch hooks ----------------------------------------------------------
    def get_params_for(self, prefix):
        """Return skorch's parameters for ``prefix``, plus the DataLoaders' generators.

        The training loader gets the per-fit generator, which it uses when it
        shuffles (``iterator_train__shuffle=True``; skorch's default is False,
        so batches then follow the order of the data: shuffle data sorted by
        class or speaker first); every loader draws its base seed from a
        private generator, so torch's global RNG (shared by threads) is never
        read when ``random_state`` is set.
        """
        params = super().get_params_for(prefix)
        if prefix not in ("iterator_train", "iterator_valid"):
            return params
        if not _accepts(getattr(self, prefix), "generator"):
            return params  # a custom iterator without a generator: leave it as it is
        if prefix == "iterator_train" and self._generator is not None:
            params.setdefault("generator", self._generator)
        elif prefix == "iterator_valid":
            params.setdefault("generator", torch.Generator())
        return params

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.max_grad_norm is not None:
            clipping = GradientNormClipping(gradient_clip_value=self.max_grad_norm)
            callbacks.append(("gradient_clipping", clipping))
        if self.progress_bar:
            callbacks.append(("progress_bar", EpochProgressBar()))
        if self.on_divergence == "restore":
            callbacks.append(("last_finite_weights", LastFiniteWeights()))
        return callbacks

    # ---- scikit-learn glue -----------------------------------------------------------
    def _get_param_names(self):
        # skorch lists every attribute without a trailing underscore as a
        # parameter, including its private bookkeeping (``_params_to_validate``).
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags

    def __repr__(self) -> str:
        """scikit-learn's short form: the class and the parameters that differ from defaults.

        skorch prints the module's layers instead; ``print(net.module_)`` still does.
        """
        defaults = {}
        for klass in reversed(type(self).__mro__):
            init = vars(klass).get("__init__")
            if init is None:
                continue
            for name, param in inspect.signature(init).parameters.items():
                if param.default is not param.empty:
                    defaults[name] = param.default
        changed = [
            f"{name}={value!r}"
            for name, value in sorted(self.get_params(deep=False).items())
            if name not in defaults or not _same_value(value, defaults[name])
        ]
        return f"{type(self).__name__}({', '.join(changed)})"
