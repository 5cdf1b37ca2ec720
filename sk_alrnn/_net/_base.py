"""A base for skorch sequence nets: what any recurrent estimator needs.

Padding and lengths enter through skorch's own ``get_dataset`` hook (a
:class:`SequenceDataset`), so skorch's ``predict_proba``, ``forward``,
internal validation split and scoring run unchanged.  Seeding uses one
``torch.Generator`` per fit (initialisation and shuffling), so seeded fits
in concurrent threads are deterministic and torch's global RNG is left alone.
Model-specific estimators (the AL-RNN in ``_estimators``, the LSTM/GRU
baselines in ``benchmarks/baselines.py``) only add hyper-parameters, module
sizing and their analysis methods.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import torch
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback, EpochScoring, GradientNormClipping
from skorch.utils import is_dataset, to_numpy, to_tensor
from torch.utils.data import Dataset

from ..utils._validation import (
    SequenceBatch,
    as_padded,
    check_device,
    check_finite,
    check_n_samples,
    check_regression_targets,
    check_sample_weight,
    check_sequence_targets,
    check_step_labels,
    check_step_weights,
    check_training_params,
    check_y_present,
    unpad,
)
from ._progress import EpochProgressBar

__all__ = ["SequenceClassifier", "SequenceDataset", "SequenceNet", "SequenceRegressor"]

# Chunked inference holds about this many floats (32 MiB) at once, so latent
# states of large data sets never need one huge buffer.
_INFERENCE_CHUNK_FLOATS = 2**23


class SequenceDataset(Dataset):
    """Validated, padded sequences with optional targets, as a torch Dataset.

    Item ``i`` is ``({"X": values[i], "lengths": lengths[i]}, y[i])``;
    skorch's ``infer`` passes the dict to ``module(X=..., lengths=...)``.
    Sample weights (per sequence, or per step), when given, ride along in the
    dict under ``"sample_weight"`` for ``get_loss``; the module never sees them.

    Parameters
    ----------
    batch : SequenceBatch
        Padded sequences (from :func:`sk_alrnn.utils._validation.as_padded`).
    y : ndarray of shape (n_samples, ...) or None, default=None
        Encoded targets; None yields a placeholder 0.
    sample_weight : ndarray of shape (n_samples,) or (n_samples, n_steps), or None
        Loss weights per sequence, or per step (per-step targets).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.utils._validation import as_padded
    >>> dataset = SequenceDataset(as_padded([np.ones((2, 1)), np.ones((3, 1))]))
    >>> Xi, yi = dataset[0]
    >>> len(dataset), Xi["X"].shape, int(Xi["lengths"]), yi
    (2, (3, 1), 2, 0)
    """

    def __init__(self, batch: SequenceBatch, y=None, sample_weight=None):
        self.batch, self.y, self.sample_weight = batch, y, sample_weight

    def __len__(self) -> int:
        return len(self.batch)

    def __getitem__(self, i):
        Xi = {"X": self.batch.values[i], "lengths": self.batch.lengths[i]}
        if self.sample_weight is not None:
            Xi["sample_weight"] = self.sample_weight[i]
        return Xi, (0 if self.y is None else self.y[i])


def _loss_weights(sample_weight, batch: SequenceBatch, sequence: bool) -> np.ndarray:
    """Validated loss weights scaled to mean 1: (n,), or (n, T_max) with 0 on padding.

    The mean is over the weighted elements (the valid steps for per-step
    targets), so all-ones weights reproduce the unweighted loss bit for bit.
    """
    if sequence:
        weights = check_step_weights(sample_weight, batch)
        return (weights / weights[batch.valid_mask()].mean()).astype(np.float32)
    weights = check_sample_weight(sample_weight, len(batch))
    return (weights / weights.mean()).astype(np.float32)


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


class _LastFiniteWeights(Callback):
    """Keeps the weights and optimizer state from the end of the last finite epoch.

    Used with ``on_divergence="restore"``; copying M*M floats per epoch is
    negligible next to the epoch itself.
    """

    def on_train_begin(self, net, **kwargs):
        self._keep(net)

    def on_epoch_end(self, net, **kwargs):
        if not all(torch.isfinite(p).all() for p in net.module_.parameters()):
            raise FloatingPointError(
                f"{type(net).__name__} diverged: the weights became NaN or infinite "
                f"(epoch {len(net.history)})."
            )
        self._keep(net)

    def _keep(self, net):
        self.epochs_ = len(net.history)
        self.module_state_ = copy.deepcopy(net.module_.state_dict())
        self.optimizer_state_ = copy.deepcopy(net.optimizer_.state_dict())


class SequenceNet:
    """Mixin for skorch nets on sequences; put it before the skorch class.

    Provides, through skorch's hooks: input validation and padding
    (``get_dataset``), a per-fit ``torch.Generator`` for initialisation and
    shuffling (``initialize_module``, ``get_params_for``), gradient-norm
    clipping (``get_default_callbacks``), loss masking of padded steps and a
    clear ``FloatingPointError`` on a non-finite loss (``get_loss``), a fit
    that refuses bad input before touching any state, and chunked inference
    (``_iter_chunks``).

    Parameters
    ----------
    module : type
        The torch module class (see "Module contract" below).
    criterion : type
        The loss, as for skorch.
    random_state : int, RandomState instance or None, default=None
        Seeds one ``torch.Generator`` per fit, used for the module's initial
        weights and for batch shuffling; torch's global RNG is not touched.
        None uses torch's global RNG (``torch.manual_seed`` applies).
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping (skorch's ``GradientNormClipping``); None
        turns it off.
    progress_bar : bool, default=False
        Show a progress bar over the epochs (epoch k of N, training loss,
        time elapsed and left; tqdm on stderr) -- for long fits.
    on_divergence : {"raise", "restore"}, default="raise"
        What a NaN/inf training loss (or weights) does: "raise" stops with a
        ``FloatingPointError``; "restore" puts back the weights and optimizer
        state from the end of the last finite epoch (the initial ones if none
        finished), drops the diverged epoch from ``history``, warns
        (``RuntimeWarning``) and finishes the fit as an interrupted one.
    optimizer, lr, max_epochs, batch_size, train_split, verbose, **kwargs
        skorch's parameters, with these defaults: Adam, 3e-3, 100, 64, None
        (no internal validation split), 0.

    Notes
    -----
    **Module contract.**  ``module`` is called with the keyword arguments
    ``n_features`` (F), ``n_outputs`` (classes or targets),
    ``sequence_output`` (bool), ``generator`` (a ``torch.Generator`` or None,
    passed only if the constructor has that parameter; otherwise the module
    is built under a seeded, restored global RNG, which is not thread-safe),
    the estimator's own ``_module_kwargs()`` and any ``module__*`` parameter.
    ``forward(X, lengths)`` takes zero-padded float32 ``X`` (n, T, F) and
    int64 ``lengths`` (n,) and returns (n, n_outputs), or (n, T, n_outputs)
    when ``sequence_output`` is True.

    **Subclass hooks.**  ``_validate_targets(y, batch, *, reset, classes)``
    returns the encoded targets and a dict of learned attributes to set (it
    must set ``_n_outputs_`` and ``_sequence_output_``); ``_check_params()``
    checks hyper-parameters at fit; ``_module_kwargs()`` adds constructor
    arguments.  skorch's own ``on_train_end(net, X=dataset)`` sees the whole
    :class:`SequenceDataset` of the fit.  While a fit runs, ``self._generator``
    is its ``torch.Generator`` (None when ``random_state`` is None), for
    subclasses that draw further random numbers (sampled windows, noise):
    drawing from it keeps seeded fits thread-safe and the global RNG untouched.
    """

    _generator: torch.Generator | None = None  # set only while a fit runs
    _sequence_output_ = False
    # Fitted attributes written by save() (besides module_, optimizer_, history).
    _persisted_attributes = ("n_features_in_", "_n_outputs_", "_sequence_output_")

    def __init__(
        self,
        module,
        *,
        criterion,
        random_state=None,
        max_grad_norm=1.0,
        progress_bar=False,
        on_divergence="raise",
        optimizer=torch.optim.Adam,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        train_split=None,
        verbose=0,
        **kwargs,
    ):
        # Store only: validation happens at fit (scikit-learn convention).
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            **kwargs,
        )
        self.random_state, self.max_grad_norm = random_state, max_grad_norm
        self.progress_bar = progress_bar
        self.on_divergence = on_divergence

    # ---- hooks for subclasses ----------------------------------------------------
    def _check_params(self) -> None:
        """Check hyper-parameters at fit; raise ValueError (none by default)."""

    def _module_kwargs(self) -> dict:
        """Model-specific constructor arguments of the module (none by default)."""
        return {}

    def _validate_targets(self, y, batch: SequenceBatch, *, reset: bool, classes=None):
        raise NotImplementedError

    # ---- fitting ---------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Initialise (unless ``warm_start``) and train on sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.
        y : array-like or list
            Targets; see the estimator's docstring.
        sample_weight : array-like of shape (n,), or of the form of per-step y, default=None
            Weights of the training loss: one per sequence, or for per-step
            targets one per step (an (n, T) array or a list of (T_i,) arrays;
            (n,) weighs all steps of a sequence alike). Non-negative, not all
            zero; only their ratios matter. None weighs everything alike.
        **fit_params : dict
            Passed on to skorch (and to the module's ``forward``).

        Returns
        -------
        self : object
            The fitted estimator.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = [np.ones((4, 2)), np.ones((6, 2))]  # two sequences of different lengths
        >>> reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, [1.0, 2.0])
        >>> reg.n_features_in_, len(reg.history)
        (2, 2)
        """
        reset = not (self.warm_start and getattr(self, "initialized_", False))
        return self._fit(X, y, reset=reset, fit_params=fit_params, sample_weight=sample_weight)

    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **fit_params):
        """Train for ``max_epochs`` more epochs; initialise only on the first call.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences, with the number of features of the first call.
        y : array-like or list
            Targets, in the convention of the first call.
        classes : array-like of shape (n_classes,) or None, default=None
            Classifiers: all labels, so later calls may bring labels this
            call lacks. Only used on the first call.
        sample_weight : array-like or None, default=None
            As for :meth:`fit`.
        **fit_params : dict
            Passed on to skorch (and to the module's ``forward``).

        Returns
        -------
        self : object
            The estimator, trained further.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNClassifier
        >>> X = np.random.RandomState(0).randn(8, 5, 2)
        >>> clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0)
        >>> clf = clf.partial_fit(X[:4], ["a", "b", "a", "b"], classes=["a", "b", "c"])
        >>> clf = clf.partial_fit(X[4:], ["c", "c", "a", "b"])  # continues training
        >>> clf.classes_.tolist(), len(clf.history)
        (['a', 'b', 'c'], 4)
        """
        reset = not getattr(self, "initialized_", False)
        return self._fit(
            X, y, reset=reset, fit_params=fit_params, classes=classes, sample_weight=sample_weight
        )

    def _fit(self, X, y, *, reset: bool, fit_params: dict, classes=None, sample_weight=None):
        fitting = self._fitting(X, y, reset=reset, classes=classes, sample_weight=sample_weight)
        with fitting as (batch, target, weights):
            dataset = SequenceDataset(batch, target, weights)
            try:
                super().partial_fit(dataset, target, **fit_params)
            except FloatingPointError as error:
                if self.on_divergence != "restore":
                    raise
                self._restore_last_finite(error)
                self.notify("on_train_end", X=dataset, y=target)  # as after an interrupt
        return self

    @contextlib.contextmanager
    def _fitting(self, X, y, *, reset: bool, classes=None, sample_weight=None):
        """Validate, seed and (if ``reset``) initialise, as a fit does before training.

        Yields ``(batch, target, weights)`` with the per-fit generator live, as
        the training loop sees it.  The sweep engine (``_cv``) uses this to set up
        each (P, fold) model exactly as its own fit would, then trains the models
        batched.
        """
        self._check_training_params()
        self._check_params()
        n_features = None if reset else self.n_features_in_
        batch = as_padded(X, n_features=n_features, estimator_name=type(self).__name__)
        target, learned = self._validate_targets(y, batch, reset=reset, classes=classes)
        sequence = learned.get("_sequence_output_", self._sequence_output_)
        weights = None if sample_weight is None else _loss_weights(sample_weight, batch, sequence)
        # Every check has passed: from here on the estimator may change.
        self._generator = self._fit_generator()
        try:
            if reset:
                self.n_features_in_ = batch.n_features
                for name, value in learned.items():
                    setattr(self, name, value)
                self.initialize()
            yield batch, target, weights
        finally:
            del self._generator

    def _check_training_params(self) -> None:
        owner = type(self).__name__
        check_training_params(
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            max_grad_norm=self.max_grad_norm,
            on_divergence=self.on_divergence,
            owner=owner,
        )
        check_device(self.device, owner)

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
            stacklevel=3,
        )

    def _fit_generator(self) -> torch.Generator | None:
        if self.random_state is None:
            return None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return torch.Generator().manual_seed(int(seed))

    # ---- skorch hooks ----------------------------------------------------------
    def initialize_module(self):
        """Build ``module_`` from the data's sizes and the per-fit generator."""
        if not hasattr(self, "n_features_in_"):
            # skorch's `net.initialize(); net.load_params(...)` recipe cannot work here:
            # the module's sizes come from the data.
            raise ValueError(
                f"{type(self).__name__}.initialize() needs the sizes that fit(X, y) reads "
                "from the data (n_features_in_, number of classes or targets). Call "
                "fit(X, y) first (then load_params(...) works), or restore a saved model "
                "with est.save(path) / sk_alrnn.load(path)."
            )
        kwargs = {
            "n_features": self.n_features_in_,
            "n_outputs": self._n_outputs_,
            "sequence_output": self._sequence_output_,
            **self._module_kwargs(),
            **self.get_params_for("module"),
        }
        self.module_ = self._build_module(**kwargs)
        return self

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

    def get_params_for(self, prefix):
        """Return skorch's parameters for ``prefix``, plus the DataLoaders' generators.

        The training loader shuffles with the per-fit generator; every loader
        draws its base seed from a private generator, so torch's global RNG
        (shared by threads) is never read when ``random_state`` is set.
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
            callbacks.append(("last_finite_weights", _LastFiniteWeights()))
        return callbacks

    def get_dataset(self, X, y=None):
        """Validate X against the fitted net into a :class:`SequenceDataset` (skorch hook).

        A torch Dataset (skorch's internal validation split) passes unchanged.
        """
        if is_dataset(X):
            return X
        return SequenceDataset(self._check_X(X), y)

    def infer(self, x, **fit_params):
        if isinstance(x, Mapping) and "sample_weight" in x:
            x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        weight = X.get("sample_weight") if isinstance(X, Mapping) else None
        if weight is not None:
            weight = to_tensor(weight, device=y_pred.device)
        if self._sequence_output_:
            # Padded steps carry no target: compare valid steps only.
            steps = torch.arange(y_pred.shape[1], device=y_pred.device)
            valid = steps < to_tensor(X["lengths"], device=y_pred.device)[:, None]
            y_pred, y_true = y_pred[valid], to_tensor(y_true, device=self.device)[valid]
            if weight is not None:
                weight = (weight if weight.ndim == 2 else weight[:, None].expand(valid.shape))[
                    valid
                ]
        if weight is None:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        else:
            loss = self._weighted_loss(y_pred, y_true, weight, X=X, training=training)
        if training and not torch.isfinite(loss):
            raise FloatingPointError(
                f"{type(self).__name__} diverged: the training loss became {loss.item()} "
                f"(epoch {len(self.history)}). Likely cause: the learning rate lr={self.lr} is "
                "too high for these sequences, so the hidden state blew up. Lower lr "
                "(e.g. lr=1e-3), keep gradient clipping on (max_grad_norm=1.0) and "
                "standardise the inputs."
            )
        return loss

    def _weighted_loss(self, y_pred, y_true, weight, *, X, training):
        """Mean over the batch's valid elements of ``weight * loss`` (per-element criterion).

        Weights are scaled at fit to mean 1 over all training elements
        (:func:`_loss_weights`): all-ones weights give exactly the unweighted
        mean loss, and a zero weight removes an element's gradient.
        """
        criterion = self.criterion_
        if not hasattr(criterion, "reduction"):
            raise ValueError(
                "sample_weight needs a criterion with a 'reduction' attribute (torch's losses); "
                f"{type(criterion).__name__} has none."
            )
        reduction, criterion.reduction = criterion.reduction, "none"
        try:
            per_element = super().get_loss(y_pred, y_true, X=X, training=training)
        finally:
            criterion.reduction = reduction
        return (per_element.reshape(len(weight), -1).mean(dim=1) * weight).mean()

    # ---- inference ---------------------------------------------------------------
    def _check_X(self, X) -> SequenceBatch:
        self.check_is_fitted()
        return as_padded(X, n_features=self.n_features_in_, estimator_name=type(self).__name__)

    def _inference_width(self) -> int | None:
        """Floats per time step a forward pass keeps alive, or None if unknown.

        When a subclass knows it, ``predict``, ``predict_proba`` and ``score``
        run in memory-bounded chunks (:meth:`_iter_chunks`) instead of
        skorch's ``batch_size`` batches.
        """
        return None

    def _module_outputs(self, X) -> tuple[np.ndarray, Dataset]:
        """Module outputs after the predict nonlinearity, and the dataset they came from.

        Neither path leaves ``module_`` in another train/eval mode than it found.
        """
        dataset = self.get_dataset(X)
        nonlin = self._get_predict_nonlinearity()
        width = self._inference_width()
        if isinstance(dataset, SequenceDataset) and width is not None:
            # One chunk pays T Python steps where skorch's loader pays T per
            # batch_size sequences, plus a per-sequence __getitem__ and collate.
            def step(module, values, lengths):
                return nonlin(module(values, lengths))

            chunks = self._iter_chunks(dataset.batch, step, width)
            return np.concatenate(list(chunks)), dataset
        was_training = self.module_.training
        try:
            outputs = nonlin(self.forward(dataset))
        finally:
            self.module_.train(was_training)  # skorch's forward leaves it in eval mode
        return to_numpy(outputs), dataset

    def _as_given(self, values: np.ndarray, dataset: Dataset):
        """Per-step ``values`` back in the input's convention (a list for list X).

        Per-sequence outputs, and outputs for a Dataset passed in directly,
        are returned as they are.
        """
        if self._sequence_output_ and isinstance(dataset, SequenceDataset):
            return unpad(values, dataset.batch)
        return values

    def _iter_chunks(self, batch: SequenceBatch, step: Callable, width: int) -> Iterator:
        """Yield ``step(module_, X, lengths)`` as numpy, chunk by chunk, without a graph.

        ``width`` is the number of floats per time step that ``step`` keeps
        alive; it sizes the chunks to about ``_INFERENCE_CHUNK_FLOATS``.
        """
        module = self.module_
        was_training = module.training
        module.eval()
        chunk = max(1, _INFERENCE_CHUNK_FLOATS // (batch.values.shape[1] * width))
        try:
            with torch.no_grad():
                for start in range(0, len(batch), chunk):
                    part = slice(start, start + chunk)
                    values = torch.as_tensor(batch.values[part], device=self.device)
                    lengths = torch.as_tensor(batch.lengths[part], device=self.device)
                    yield to_numpy(step(module, values, lengths))
        finally:
            module.train(was_training)

    # ---- scikit-learn glue -----------------------------------------------------------
    def _get_param_names(self):
        # skorch lists every attribute without a trailing underscore as a
        # parameter, including its private bookkeeping (``_params_to_validate``).
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.non_deterministic = self.random_state is None
        return tags


def _accuracy_on_encoded(net, X, y) -> float:
    """Skorch's ``valid_acc`` on the internal split, whose targets are encoded labels.

    For per-step labels, over the valid steps of the split's sequences.
    """
    predicted = net.predict_proba(X).argmax(axis=-1)
    if not net._sequence_output_:
        return accuracy_score(y, predicted)
    lengths = np.array([int(X[i][0]["lengths"]) for i in range(len(X))])
    valid = np.arange(predicted.shape[1]) < lengths[:, None]
    return accuracy_score(np.asarray(y)[valid], predicted[valid])


class SequenceClassifier(SequenceNet, NeuralNetClassifier):
    """Classifier base: one label per sequence, or one per step; labels of any type.

    y of shape (n,) is sequence-to-one (the last valid step is read); y of
    shape (n, T) or a list of (T_i,) label arrays beside a list X is
    sequence-to-sequence: every valid step is classified (cross-entropy over
    valid steps) and ``predict``/``predict_proba``/``score`` answer per step.
    ``predict`` always returns labels (of the type given to fit); the targets
    inside the training :class:`SequenceDataset` are their indices in
    ``classes_``.  See :class:`SequenceNet` for the module contract.
    """

    _persisted_attributes = ("_label_encoder_",)

    @property
    def classes_(self):
        return self._label_encoder_.classes_

    @property
    def _default_callbacks(self):
        scoring = EpochScoring(_accuracy_on_encoded, name="valid_acc", lower_is_better=False)
        return [
            (name, scoring if name == "valid_acc" else callback)
            for name, callback in super()._default_callbacks
        ]

    def _validate_targets(self, y, batch, *, reset, classes=None):
        check_y_present(y, type(self).__name__)
        steps = check_step_labels(y, batch)  # per-step labels, or None for one per sequence
        sequence = steps is not None
        if not reset and sequence != self._sequence_output_:
            raise ValueError("y switches between per-step and per-sequence labels across fits.")
        if sequence:
            labels = np.concatenate(steps)
        else:
            labels = column_or_1d(y, warn=True)
            check_n_samples(labels, batch)
        check_finite(labels, "y")
        check_classification_targets(labels)
        if not reset:
            unseen = np.setdiff1d(labels, self.classes_)
            if unseen.size:
                raise ValueError(f"y contains labels not seen at the first fit: {unseen.tolist()}.")
            return self._encode(labels, batch, sequence, self._label_encoder_), {}
        known = classes if classes is not None else self.classes
        encoder = LabelEncoder().fit(labels if known is None else np.asarray(known))
        learned = {
            "_label_encoder_": encoder,
            "_n_outputs_": len(encoder.classes_),
            "_sequence_output_": sequence,
        }
        return self._encode(labels, batch, sequence, encoder), learned

    @staticmethod
    def _encode(labels, batch: SequenceBatch, sequence: bool, encoder) -> np.ndarray:
        """Class indices, (n,) or padded like X (n, T_max) for per-step labels."""
        encoded = encoder.transform(labels).astype(np.int64)
        if not sequence:
            return encoded
        padded = np.zeros(batch.values.shape[:2], dtype=np.int64)  # padding: masked out
        padded[batch.valid_mask()] = encoded
        return padded

    def predict_proba(self, X):
        """Class probabilities, in memory-bounded chunks (see ``_module_outputs``).

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences (or a torch Dataset from ``get_dataset``).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.  For per-step labels
            (n, T, n_classes), or a list of (T_i, n_classes) arrays for list X.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNClassifier
        >>> X = np.random.RandomState(0).randn(6, 5, 2)
        >>> clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(X, list("aabbcc"))
        >>> proba = clf.predict_proba(X)
        >>> proba.shape, bool(np.allclose(proba.sum(axis=1), 1.0))
        ((6, 3), True)
        """
        proba, dataset = self._module_outputs(X)
        return self._as_given(proba, dataset)

    def predict(self, X):
        """Predicted labels, of the type given to fit.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences (or a torch Dataset from ``get_dataset``).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``classes_[argmax(predict_proba(X))]``; for per-step labels (n, T),
            or a list of (T_i,) arrays for list X.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNClassifier
        >>> X = np.random.RandomState(0).randn(6, 5, 2)
        >>> clf = ALRNNClassifier(M=4, P=1, max_epochs=2, random_state=0).fit(X, list("aabbcc"))
        >>> set(clf.predict(X)) <= {"a", "b", "c"}
        True
        """
        proba, dataset = self._module_outputs(X)  # checks fitted-ness first
        labels = self.classes_[proba.argmax(axis=-1)]
        return self._as_given(labels, dataset)

    def score(self, X, y, sample_weight=None):
        """Accuracy; for per-step labels over all valid steps.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.
        y : array-like of shape (n,); per-step: (n, T) or a list of (T_i,) arrays
            True labels, in the convention given to fit.
        sample_weight : array-like or None, default=None
            Weight of each sequence, or (per-step labels) of each step, in the
            form of y.

        Returns
        -------
        score : float
        """
        if not self._sequence_output_:
            return super().score(X, y, sample_weight=sample_weight)
        proba, dataset = self._module_outputs(X)
        batch = dataset.batch
        steps = check_step_labels(y, batch)
        if steps is None:
            raise ValueError(
                f"{type(self).__name__} was fit on per-step labels: score needs y of shape "
                f"(n, T) or a list of (T_i,) arrays. Got shape {np.shape(y)} instead."
            )
        valid = batch.valid_mask()
        if sample_weight is not None:
            sample_weight = check_step_weights(sample_weight, batch)[valid]
        y_pred = self.classes_[proba.argmax(axis=-1)][valid]
        return float(accuracy_score(np.concatenate(steps), y_pred, sample_weight=sample_weight))


class SequenceRegressor(SequenceNet, NeuralNetRegressor):
    """Regressor base: sequence-to-one (y (n,) or (n, k)) or per-step (y (n, T, k)).

    ``predict`` returns the target convention given to fit.  See
    :class:`SequenceNet` for the module contract.
    """

    _persisted_attributes = ("_squeeze_output_",)

    # A regressor has no class probabilities (skorch's NeuralNet defines one).
    predict_proba = available_if(lambda self: False)(NeuralNet.predict_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, k) is native
        return tags

    def _validate_targets(self, y, batch, *, reset, classes=None):
        check_y_present(y, type(self).__name__)
        # Per-step targets: (n, T, k), or a list of arrays beside a list of sequences.
        listed = (
            isinstance(y, (list, tuple)) and batch.ragged and all(np.ndim(item) >= 1 for item in y)
        )
        array = None if listed else np.asarray(y)
        sequence = listed or array.ndim == 3
        if not reset and sequence != self._sequence_output_:
            raise ValueError("y switches between sequence and per-sequence targets across fits.")
        if sequence:
            target = check_sequence_targets(y, batch)
            # A list of 1-D (T_i,) targets has no k axis; predict answers the same way.
            squeeze = listed and all(np.ndim(item) == 1 for item in y)
        else:
            target = check_regression_targets(array, batch)
            squeeze = array.ndim == 1
        if not reset and target.shape[-1] != self._n_outputs_:
            raise ValueError(
                f"y has {target.shape[-1]} targets, but {type(self).__name__} was fit "
                f"with {self._n_outputs_}."
            )
        learned = {
            "_sequence_output_": sequence,
            "_n_outputs_": target.shape[-1],
            "_squeeze_output_": squeeze,
        }
        return target, learned

    def predict(self, X):
        """Predictions in the target convention given to fit.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n,) or (n, k); (n, T, k) or a list of (T_i, k) arrays
            for sequence targets ((T_i,) if fit on 1-D ones). Float64.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = [np.ones((3, 1)), np.ones((5, 1))]
        >>> y = [np.arange(3.0), np.arange(5.0)]  # per-step targets
        >>> reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, y)
        >>> [prediction.shape for prediction in reg.predict(X)]
        [(3,), (5,)]
        """
        outputs, dataset = self._module_outputs(X)
        outputs = outputs.astype(np.float64)  # scikit-learn's regressors predict float64
        if self._squeeze_output_:
            outputs = outputs[..., 0]
        return self._as_given(outputs, dataset)

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions; for sequence targets over all valid steps.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.
        y : array-like or list
            True targets, in the convention given to fit.
        sample_weight : array-like of shape (n_samples,) or None, default=None
            Weight of each sequence (each of its valid steps for sequence targets).

        Returns
        -------
        score : float
            R^2 (1 is perfect; 0 is predicting the mean).

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 5, 2)
        >>> y = X[:, :, 0].cumsum(axis=1)[..., None]  # (n, T, 1): per-step targets
        >>> reg = ALRNNRegressor(M=4, P=1, max_epochs=2, random_state=0).fit(X, y)
        >>> bool(reg.score(X, y) <= 1.0)
        True
        """
        if not self._sequence_output_:
            return super().score(X, y, sample_weight=sample_weight)
        outputs, dataset = self._module_outputs(X)
        batch = dataset.batch
        y_true = check_sequence_targets(y, batch)
        valid = batch.valid_mask()
        if sample_weight is not None:
            weights = check_sample_weight(sample_weight, len(batch))
            sample_weight = np.broadcast_to(weights[:, None], valid.shape)[valid]
        return r2_score(y_true[valid], outputs[valid], sample_weight=sample_weight)
