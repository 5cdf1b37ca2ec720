"""Sequence nets: padded sequences through skorch's hooks, and chunked inference.

Padding and lengths enter through skorch's own ``get_dataset`` hook (a
:class:`SequenceDataset`), so skorch's ``predict_proba``, ``forward``,
internal validation split and scoring run unchanged.  Seeding, clipping and
divergence handling come from :class:`~sk_alrnn._net._seeded.SeededNet`.
Model-specific estimators (the AL-RNN in ``_estimators``, the LSTM/GRU
baselines in ``benchmarks/baselines.py``) only add hyper-parameters, module
sizing and their analysis methods, on top of the heads in ``_heads``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

import numpy as np
import torch
from skorch.dataset import Dataset as SkorchDataset
from skorch.utils import is_dataset, to_numpy, to_tensor
from torch.utils.data import Dataset

from ..utils import (
    SequenceBatch,
    as_padded,
    input_error,
    unpad,
)
from ._dataset import SequenceDataset, loss_weights
from ._seeded import SeededNet

__all__ = ["SequenceDataset", "SequenceNet"]

_INFERENCE_CHUNK_FLOATS = 2**23


def _default_dataset_only(dataset, name: str, owner: str) -> None:
    if dataset is not SkorchDataset:
        raise input_error(
            f"The {name!r} parameter of {owner}",
            "be left at skorch's default (X always becomes a SequenceDataset)",
            repr(dataset),
        )


class SequenceNet(SeededNet):
    """Mixin for skorch nets on sequences; put it before the skorch class.

    Adds to :class:`SeededNet`, through skorch's hooks: input validation and
    padding (``get_dataset``), loss masking of padded steps and sample
    weights (``get_loss``), a fit that refuses bad input before touching any
    state (``_fitting``), and chunked inference (``_iter_chunks``).

    Parameters
    ----------
    module : type
        The torch module class (see "Module contract" below).
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

    _sequence_output_ = False
    _parameter_constraints = {"dataset": [_default_dataset_only]}
    # Fitted attributes written by save() (besides module_, optimizer_, history).
    _persisted_attributes = ("n_features_in_", "_n_outputs_", "_sequence_output_")

    def __init__(
        self,
        module,
        *,
        criterion,
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

    # ---- hooks for subclasses ----------------------------------------------------
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
            self._train(SequenceDataset(batch, target, weights), target, fit_params)
        return self

    @contextlib.contextmanager
    def _fitting(self, X, y, *, reset: bool, classes=None, sample_weight=None):
        """Validate, seed and (if ``reset``) initialise, as a fit does before training.

        Yields ``(batch, target, weights)`` with the per-fit generator live, as
        the training loop sees it.  The sweep engine (``_sweep``) uses this to set
        up each (P, fold) model exactly as its own fit would, then trains the
        models batched.
        """

        def validate():
            n_features = None if reset else self.n_features_in_
            batch = as_padded(X, n_features=n_features, estimator_name=type(self).__name__)
            target, learned = self._validate_targets(y, batch, reset=reset, classes=classes)
            sequence = learned.get("_sequence_output_", self._sequence_output_)
            weights = (
                None if sample_weight is None else loss_weights(sample_weight, batch, sequence)
            )
            return batch, target, weights, learned

        with self._fit_context(validate) as (batch, target, weights, learned):
            if reset:
                self.n_features_in_ = batch.n_features
                for name, value in learned.items():
                    setattr(self, name, value)
                self.initialize()
            yield batch, target, weights

    # ---- skorch hooks ----------------------------------------------------------
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
        if training:
            self._check_finite_loss(loss)
        return loss

    def _weighted_loss(self, y_pred, y_true, weight, *, X, training):
        """Mean over the batch's valid elements of ``weight * loss`` (per-element criterion).

        Weights are scaled at fit to mean 1 over all training elements
        (``_dataset.loss_weights``): all-ones weights give exactly the unweighted
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
        # skorch's ``dataset`` is not used: X always becomes a SequenceDataset
        # (get_dataset), so it is not offered as a parameter.
        return [name for name in super()._get_param_names() if name != "dataset"]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        return tags
