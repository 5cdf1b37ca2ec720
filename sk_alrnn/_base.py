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
import inspect
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
from skorch.callbacks import EpochScoring, GradientNormClipping
from skorch.utils import is_dataset, to_numpy, to_tensor
from torch.utils.data import Dataset

from ._data import (
    SequenceBatch,
    as_padded,
    check_finite,
    check_n_samples,
    check_regression_targets,
    check_sample_weight,
    check_sequence_targets,
    check_y_present,
    unpad,
)

__all__ = ["SequenceClassifier", "SequenceDataset", "SequenceNet", "SequenceRegressor"]

# Chunked inference holds about this many floats (32 MiB) at once, so latent
# states of large data sets never need one huge buffer.
_INFERENCE_CHUNK_FLOATS = 2**23


class SequenceDataset(Dataset):
    """Validated, padded sequences with optional targets, as a torch Dataset.

    Item ``i`` is ``({"X": values[i], "lengths": lengths[i]}, y[i])``;
    skorch's ``infer`` passes the dict to ``module(X=..., lengths=...)``.
    Per-sequence sample weights, when given, ride along in the dict under
    ``"sample_weight"`` for ``get_loss``; the module never sees them.

    Parameters
    ----------
    batch : SequenceBatch
        Padded sequences (from :func:`sk_alrnn._data.as_padded`).
    y : ndarray of shape (n_samples, ...) or None, default=None
        Encoded targets; None yields a placeholder 0.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
        Weights per sequence.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn._data import as_padded
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
    :class:`SequenceDataset` of the fit.
    """

    _generator: torch.Generator | None = None  # set only while a fit runs
    _sequence_output_ = False

    def __init__(
        self,
        module,
        *,
        criterion,
        random_state=None,
        max_grad_norm=1.0,
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

    # ---- hooks for subclasses ----------------------------------------------------
    def _check_params(self) -> None:
        """Check hyper-parameters at fit; raise ValueError (none by default)."""

    def _module_kwargs(self) -> dict:
        """Model-specific constructor arguments of the module (none by default)."""
        return {}

    def _validate_targets(self, y, batch: SequenceBatch, *, reset: bool, classes=None):
        raise NotImplementedError

    # ---- fitting ---------------------------------------------------------------
    def fit(self, X, y, **fit_params):
        """Initialise (unless ``warm_start``) and train on sequences X and targets y.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.
        y : array-like or list
            Targets; see the estimator's docstring.
        **fit_params : dict
            Passed on to skorch (and to the module's ``forward``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        reset = not (self.warm_start and getattr(self, "initialized_", False))
        return self._fit(X, y, reset=reset, fit_params=fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
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
        **fit_params : dict
            Passed on to skorch (and to the module's ``forward``).

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        reset = not getattr(self, "initialized_", False)
        return self._fit(X, y, reset=reset, fit_params=fit_params, classes=classes)

    def _fit(self, X, y, *, reset: bool, fit_params: dict, classes=None):
        self._check_params()
        n_features = None if reset else self.n_features_in_
        batch = as_padded(X, n_features=n_features, estimator_name=type(self).__name__)
        target, learned = self._validate_targets(y, batch, reset=reset, classes=classes)
        # Every check has passed: from here on the estimator may change.
        self._generator = self._fit_generator()
        try:
            if reset:
                self.n_features_in_ = batch.n_features
                for name, value in learned.items():
                    setattr(self, name, value)
                self.initialize()
            super().partial_fit(SequenceDataset(batch, target), target, **fit_params)
        finally:
            del self._generator
        return self

    def _fit_generator(self) -> torch.Generator | None:
        if self.random_state is None:
            return None
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        return torch.Generator().manual_seed(int(seed))

    # ---- skorch hooks ----------------------------------------------------------
    def initialize_module(self):
        """Build ``module_`` from the data's sizes and the per-fit generator."""
        kwargs = {
            "n_features": self.n_features_in_,
            "n_outputs": self._n_outputs_,
            "sequence_output": self._sequence_output_,
            **self._module_kwargs(),
            **self.get_params_for("module"),
        }
        if _accepts(self.module, "generator"):
            self.module_ = self.module(generator=self._generator, **kwargs)
        else:
            with _global_rng_from(self._generator):
                self.module_ = self.module(**kwargs)
        return self

    def get_params_for(self, prefix):
        """skorch's parameters for ``prefix``, plus the DataLoaders' generators.

        The training loader shuffles with the per-fit generator; every loader
        draws its base seed from a private generator, so torch's global RNG
        (shared by threads) is never read when ``random_state`` is set.
        """
        params = super().get_params_for(prefix)
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
        return callbacks

    def get_dataset(self, X, y=None):
        """skorch hook: validate X against the fitted net into a :class:`SequenceDataset`.

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
        if self._sequence_output_:
            # Padded steps carry no target: compare valid steps only.
            steps = torch.arange(y_pred.shape[1], device=y_pred.device)
            valid = steps < to_tensor(X["lengths"], device=y_pred.device)[:, None]
            y_pred, y_true = y_pred[valid], to_tensor(y_true, device=self.device)[valid]
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if training and not torch.isfinite(loss):
            raise FloatingPointError(
                f"{type(self).__name__} diverged: the training loss became {loss.item()} "
                f"(epoch {len(self.history)}). Likely cause: the learning rate lr={self.lr} is "
                "too high for these sequences, so the hidden state blew up. Lower lr "
                "(e.g. lr=1e-3), keep gradient clipping on (max_grad_norm=1.0) and "
                "standardise the inputs."
            )
        return loss

    # ---- inference ---------------------------------------------------------------
    def _check_X(self, X) -> SequenceBatch:
        self.check_is_fitted()
        return as_padded(X, n_features=self.n_features_in_, estimator_name=type(self).__name__)

    def _module_outputs(self, X) -> tuple[np.ndarray, Dataset]:
        """Module outputs after the predict nonlinearity, and the dataset they came from."""
        dataset = self.get_dataset(X)
        outputs = self._get_predict_nonlinearity()(self.forward(dataset))
        return to_numpy(outputs), dataset

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
    """skorch's ``valid_acc`` on the internal split, whose targets are encoded labels."""
    return accuracy_score(y, net.predict_proba(X).argmax(axis=1))


class SequenceClassifier(SequenceNet, NeuralNetClassifier):
    """Sequence-to-one classifier base: labels of any type, ``classes_``.

    ``predict`` always returns labels (of the type given to fit); the targets
    inside the training :class:`SequenceDataset` are their indices in
    ``classes_``.  See :class:`SequenceNet` for the module contract.
    """

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
        y = column_or_1d(y, warn=True)
        check_n_samples(y, batch)
        check_finite(y, "y")
        check_classification_targets(y)
        if not reset:
            unseen = np.setdiff1d(y, self.classes_)
            if unseen.size:
                raise ValueError(f"y contains labels not seen at the first fit: {unseen.tolist()}.")
            return self._label_encoder_.transform(y).astype(np.int64), {}
        known = classes if classes is not None else self.classes
        encoder = LabelEncoder().fit(y if known is None else np.asarray(known))
        learned = {
            "_label_encoder_": encoder,
            "_n_outputs_": len(encoder.classes_),
            "_sequence_output_": False,
        }
        return encoder.transform(y).astype(np.int64), learned

    def predict(self, X):
        """Predicted labels, of the type given to fit.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # checks fitted-ness first
        return self.classes_[proba.argmax(axis=1)]


class SequenceRegressor(SequenceNet, NeuralNetRegressor):
    """Regressor base: sequence-to-one (y (n,) or (n, k)) or per-step (y (n, T, k)).

    ``predict`` returns the target convention given to fit.  See
    :class:`SequenceNet` for the module contract.
    """

    # A regressor has no class probabilities (skorch's NeuralNet defines one).
    predict_proba = available_if(lambda self: False)(NeuralNet.predict_proba)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, k) is native
        return tags

    def _validate_targets(self, y, batch, *, reset, classes=None):
        check_y_present(y, type(self).__name__)
        # Per-step targets: (n, T, k), or a list of arrays beside a list of sequences.
        listed = isinstance(y, (list, tuple)) and batch.ragged
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
        """
        outputs, dataset = self._module_outputs(X)
        outputs = outputs.astype(np.float64)  # scikit-learn's regressors predict float64
        if self._squeeze_output_:
            outputs = outputs[..., 0]
        if self._sequence_output_ and isinstance(dataset, SequenceDataset):
            return unpad(outputs, dataset.batch)
        return outputs

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
