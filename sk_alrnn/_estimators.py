"""skorch/scikit-learn estimators around :class:`ALRNNModule`.

The estimators are thin: they validate and pad inputs (``_data``), size the
module from the data, seed torch, and after fit summarise the regimes visited
(``analysis``).  Training itself is skorch's loop.
"""
from __future__ import annotations

import contextlib
import numbers
from typing import Any, Optional

import numpy as np
import torch
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, column_or_1d
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import GradientNormClipping
from skorch.utils import is_dataset, to_tensor
from torch import nn

from ._data import (
    SequenceBatch,
    as_padded,
    check_n_samples,
    check_sequence_targets,
    check_step_labels,
    check_step_weights,
    unpad,
)
from ._module import ALRNNModule
from .analysis import PiecewiseLinearSystem, RegimeSummary, codes_from_states, regime_summary

__all__ = ["ALRNNClassifier", "ALRNNRegressor"]

# Latent states are computed in chunks of about this many floats (32 MiB), so
# regimes_ / latent_states on large data never hold a huge buffer at once.
_INFERENCE_CHUNK_FLOATS = 2**23


def _check_sizes(M: Any, P: Any, estimator_name: str) -> None:
    """Raise ValueError for M < 1 or P outside [0, M] (or non-integers)."""
    if isinstance(M, bool) or not isinstance(M, numbers.Integral) or M < 1:
        raise ValueError(
            f"The 'M' parameter of {estimator_name} must be an int >= 1. Got {M!r} instead."
        )
    if isinstance(P, bool) or not isinstance(P, numbers.Integral) or not 0 <= P <= M:
        raise ValueError(
            f"The 'P' parameter of {estimator_name} must be an int in [0, M={M}]. "
            f"Got {P!r} instead."
        )


@contextlib.contextmanager
def _seeded_torch(random_state):
    """Seed torch for the block (init, shuffling) and restore the global RNG after."""
    if random_state is None:
        yield
        return
    seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _valid_steps(batch: SequenceBatch) -> np.ndarray:
    """(n, T_max) bool: True on each sequence's valid (unpadded) steps."""
    return np.arange(batch.values.shape[1]) < batch.lengths[:, None]


def _loss_weights(sample_weight, batch: SequenceBatch, sequence: bool) -> np.ndarray:
    """Validated weights, (n,) or per step (n, T_max) with 0 on padding, scaled to mean 1.

    The mean is over the weighted elements (valid steps for sequence targets), so the
    weighted loss of all-ones weights is the plain mean loss.
    """
    if sequence:
        weights = check_step_weights(sample_weight, batch)
        return (weights / weights[_valid_steps(batch)].mean()).astype(np.float32)
    weights = _check_sample_weight(sample_weight, batch.values, ensure_non_negative=True)
    return (weights / weights.mean()).astype(np.float32)


class _ALRNNMixin:
    """What both estimators share: validation, sizing, seeding, regime analysis.

    Sits before the skorch class in the MRO and only uses skorch's hooks
    (``initialize_module``, ``get_default_callbacks``, ``get_loss``).
    """

    _sequence_output_ = False

    def __init__(
        self,
        M=16,
        P=2,
        *,
        random_state=None,
        max_grad_norm=1.0,
        module=ALRNNModule,
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
        self.M, self.P, self.random_state, self.max_grad_norm = M, P, random_state, max_grad_norm

    # ---- skorch hooks ---------------------------------------------------
    def initialize_module(self):
        self.module_ = self.module(
            n_features=self.n_features_in_,
            n_outputs=self._n_outputs_,
            M=self.M,
            P=self.P,
            sequence_output=self._sequence_output_,
            **self.get_params_for("module"),
        )
        return self

    def get_default_callbacks(self):
        callbacks = list(super().get_default_callbacks())
        if self.max_grad_norm is not None:
            callbacks.append(
                ("gradient_clipping", GradientNormClipping(gradient_clip_value=self.max_grad_norm))
            )
        return callbacks

    def infer(self, x, **fit_params):
        # Sample weights travel in the input dict (so skorch batches them with X) but
        # are the loss's business, not the module's.
        if isinstance(x, dict) and "sample_weight" in x:
            x = {key: value for key, value in x.items() if key != "sample_weight"}
        return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        weight = X.get("sample_weight") if isinstance(X, dict) else None
        if weight is not None:
            weight = to_tensor(weight, device=y_pred.device)
        if self._sequence_output_:
            # Padded steps carry no target: compare valid steps only.
            lengths = to_tensor(X["lengths"], device=y_pred.device)
            valid = torch.arange(y_pred.shape[1], device=y_pred.device) < lengths[:, None]
            y_pred, y_true = y_pred[valid], to_tensor(y_true, device=y_pred.device)[valid]
            weight = None if weight is None else weight[valid]
        if weight is None:
            loss = super().get_loss(y_pred, y_true, X=X, training=training)
        else:
            loss = self._weighted_loss(y_pred, y_true, weight, X, training)
        if training and not torch.isfinite(loss):
            raise FloatingPointError(
                f"{type(self).__name__} diverged: the training loss became {loss.item()} "
                f"(epoch {len(self.history)}). Likely cause: the learning rate lr={self.lr} is "
                "too high for these sequences, so the ReLU units blew up. Lower lr "
                "(e.g. lr=1e-3), keep gradient clipping on (max_grad_norm=1.0) and "
                "standardise the inputs."
            )
        return loss

    def _weighted_loss(self, y_pred, y_true, weight, X, training):
        """Mean over the batch's valid elements of weight * per-element loss.

        Weights were scaled at fit to mean 1 over all training elements, so all-ones
        weights give exactly the unweighted loss and a zero weight removes an element.
        """
        criterion = self.criterion_
        if not hasattr(criterion, "reduction"):
            raise ValueError(
                f"sample_weight needs a criterion with a 'reduction' attribute (torch's losses); "
                f"{type(criterion).__name__} has none."
            )
        reduction, criterion.reduction = criterion.reduction, "none"
        try:
            per_element = super().get_loss(y_pred, y_true, X=X, training=training)
        finally:
            criterion.reduction = reduction
        return (per_element.reshape(len(weight), -1).mean(dim=1) * weight).mean()

    # ---- fitting ----------------------------------------------------------
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Initialise (unless ``warm_start``) and train on sequences X and targets y.

        Parameters
        ----------
        X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        y : targets, see the class docstring.
        sample_weight : array of shape (n,), or of the form of a per-step y, optional
            Weights of the training loss: one per sequence, or one per step
            (an (n, T) array or a list of (T_i,) arrays) for per-step targets.
            Non-negative, not all zero; only relative sizes matter.

        Returns
        -------
        self
        """
        reset = not (self.warm_start and getattr(self, "initialized_", False))
        return self._fit(X, y, reset, fit_params, sample_weight=sample_weight)

    def partial_fit(self, X, y=None, classes=None, sample_weight=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising (after the first call)."""
        reset = not getattr(self, "initialized_", False)
        return self._fit(X, y, reset, fit_params, classes, sample_weight)

    def _fit(self, X, y, reset: bool, fit_params: dict, classes=None, sample_weight=None):
        _check_sizes(self.M, self.P, type(self).__name__)
        batch = as_padded(
            X,
            n_features=None if reset else self.n_features_in_,
            estimator_name=type(self).__name__,
        )
        # The last checks before any state changes: a refused fit leaves self as it was.
        target, output_spec = self._validate_targets(y, batch, reset, classes)
        sequence = output_spec.get("_sequence_output_", self._sequence_output_)
        weights = None if sample_weight is None else _loss_weights(sample_weight, batch, sequence)
        with _seeded_torch(self.random_state):
            if reset:
                self.n_features_in_ = batch.n_features
                for name, value in output_spec.items():
                    setattr(self, name, value)
                self.initialize()
            # skorch's partial_fit runs the training loop on the padded dict input.
            super().partial_fit(self._as_net_input(batch, weights), target, **fit_params)
        self.regimes_ = self._regime_summary(batch)
        return self

    @staticmethod
    def _as_net_input(batch: SequenceBatch, weights: Optional[np.ndarray] = None) -> dict:
        net_input = {"X": batch.values, "lengths": batch.lengths}
        if weights is not None:
            net_input["sample_weight"] = weights
        return net_input

    # ---- inference --------------------------------------------------------
    def _check_X(self, X) -> SequenceBatch:
        self.check_is_fitted()
        return as_padded(X, n_features=self.n_features_in_, estimator_name=type(self).__name__)

    def _net_outputs(self, batch: SequenceBatch) -> np.ndarray:
        """Module outputs (after the predict nonlinearity) for a validated batch."""
        # skorch's own predict_proba (ours validates raw X) on the padded input.
        return NeuralNet.predict_proba(self, self._as_net_input(batch))

    def _state_chunks(self, batch: SequenceBatch):
        """z_1..z_T chunk by chunk, (chunk, T_max, M) numpy arrays, computed without a graph."""
        module = self.module_
        was_training = module.training
        module.eval()
        chunk = max(1, _INFERENCE_CHUNK_FLOATS // (batch.values.shape[1] * (module.M + module.P)))
        try:
            with torch.no_grad():
                for start in range(0, len(batch), chunk):
                    values = torch.as_tensor(batch.values[start:start + chunk])
                    yield module.latent_states(values.to(self.device)).cpu().numpy()
        finally:
            module.train(was_training)

    def _padded_states(self, batch: SequenceBatch) -> np.ndarray:
        """z_1..z_T for every sequence, (n, T_max, M)."""
        return np.concatenate(list(self._state_chunks(batch)))

    def _padded_codes(self, batch: SequenceBatch) -> np.ndarray:
        """Regime codes of every step, (n, T_max, P): only P bools per step are kept."""
        P = self.module_.P
        return np.concatenate([codes_from_states(Z, P) for Z in self._state_chunks(batch)])

    def _regime_summary(self, batch: SequenceBatch) -> RegimeSummary:
        codes = self._padded_codes(batch)
        return regime_summary([codes[i, :length] for i, length in enumerate(batch.lengths)])

    def latent_states(self, X):
        """Latent states z_1..z_T of each sequence.

        Parameters
        ----------
        X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays

        Returns
        -------
        Z : ndarray of shape (n, T, M), or list of (T_i, M) arrays for list input
        """
        batch = self._check_X(X)
        return unpad(self._padded_states(batch), batch)

    def regime_codes(self, X):
        """Regime code (sign pattern of the P ReLU units) at every step.

        Returns
        -------
        codes : bool ndarray of shape (n, T, P), or list of (T_i, P) arrays for list input
        """
        batch = self._check_X(X)
        return unpad(self._padded_codes(batch), batch)

    def linearize(self) -> PiecewiseLinearSystem:
        """The fitted network as a piecewise-affine system (numpy, float64).

        Returns
        -------
        system : PiecewiseLinearSystem
            With ``a, W, C, h, B, b, M, P``, ``jacobian(code)``,
            ``fixed_point(code, s)`` and ``regimes`` (one per row of
            ``regimes_.codes``, same order).
        """
        self.check_is_fitted(["module_", "regimes_"])
        weights = {
            name: param.detach().cpu().double().numpy()
            for name, param in self.module_.named_parameters()
        }
        return PiecewiseLinearSystem(**weights, P=self.module_.P, regime_codes=self.regimes_.codes)

    def _get_param_names(self):
        # skorch lists every public-looking attribute as a parameter, including
        # its private bookkeeping (``_params_to_validate``); parameters are public.
        return [name for name in super()._get_param_names() if not name.startswith("_")]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = False
        tags.non_deterministic = self.random_state is None
        return tags


_COMMON_PARAMETERS = """
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units; the last P of the M latent units.  P = 0 is a
        linear RNN, P = M a ReLU (PL)RNN.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation and batch shuffling (torch's global RNG
        is restored after fit).  Same value, same data => same predictions.
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping (skorch's ``GradientNormClipping``), so larger
        learning rates do not blow the ReLU units up; None turns it off.
    lr : float, default=3e-3
        Learning rate of the optimizer (Adam by default).
    max_epochs : int, default=100
    batch_size : int, default=64
    train_split : callable or None, default=None
        No internal validation split by default (all data trains); pass e.g.
        ``skorch.dataset.ValidSplit(5)`` for one.
    verbose : int, default=0
        Quiet by default; 1 prints skorch's epoch table.
    **kwargs
        Any other skorch parameter (``optimizer``, ``callbacks``, ``device``,
        ``warm_start``, ``iterator_train__shuffle``, ...).
"""


class ALRNNClassifier(_ALRNNMixin, NeuralNetClassifier):
    __doc__ = f"""Almost-Linear RNN sequence classifier (skorch ``NeuralNetClassifier``).

    Reads the latent state at each sequence's last valid step and maps it
    linearly to class logits (cross-entropy loss).

    Parameters
    ----------{_COMMON_PARAMETERS}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Labels seen at fit (any type).
    n_features_in_ : int
        Number of features F per step.
    regimes_ : RegimeSummary
        Regimes visited on the training data (``codes``, ``counts``,
        ``frequencies``, ``n_regimes``, ``transitions``).
    module_ : ALRNNModule

    See Also
    --------
    ALRNNRegressor, sk_alrnn.analysis.PiecewiseLinearSystem

    Notes
    -----
    z_t = a * z_{{t-1}} + W phi_P(z_{{t-1}}) + C s_t + h, z_0 = 0, logits = B z_T + b.

    References
    ----------
    Brenner & Koppe, "Uncovering the Computational Roles of Nonlinearity in
    Sequence Modeling Using Almost-Linear RNNs", TMLR 2026.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(60, 12, 2)
    >>> y = np.where(X[:, :, 0].sum(axis=1) > 0, "up", "down")
    >>> clf = ALRNNClassifier(M=8, P=2, max_epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (60, 2)
    >>> set(clf.predict(X)) <= {{"up", "down"}}
    True
    >>> clf.regimes_.n_regimes <= 2 ** 2
    True
    """

    def __init__(self, M=16, P=2, *, criterion=nn.CrossEntropyLoss, **kwargs):
        super().__init__(M, P, criterion=criterion, **kwargs)

    @property
    def classes_(self):
        return self._label_encoder_.classes_

    def _validate_targets(self, y, batch, reset, classes):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        steps = check_step_labels(y, batch)  # per-step labels, or None for one per sequence
        sequence = steps is not None
        if not reset and sequence != self._sequence_output_:
            raise ValueError("y switches between per-step and per-sequence labels across fits.")
        if sequence:
            labels = np.concatenate(steps)
        else:
            labels = column_or_1d(y, warn=True)
            check_n_samples(labels, batch)
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise ValueError("Input y contains NaN or infinity.")
        check_classification_targets(labels)
        if reset:
            known = classes if classes is not None else self.classes
            encoder = LabelEncoder().fit(labels if known is None else np.asarray(known))
        else:
            encoder = self._label_encoder_
        unseen = np.setdiff1d(labels, encoder.classes_)
        if unseen.size:
            where = "in the given classes" if reset else "seen at the first fit"
            raise ValueError(f"y contains labels not {where} {encoder.classes_.tolist()}: "
                             f"{unseen.tolist()}.")
        encoded = encoder.transform(labels).astype(np.int64)
        if sequence:  # padded like X; padded steps are masked out of the loss
            encoded, flat = np.zeros(batch.values.shape[:2], dtype=np.int64), encoded
            encoded[_valid_steps(batch)] = flat
        spec = {"_label_encoder_": encoder, "_n_outputs_": len(encoder.classes_),
                "_sequence_output_": sequence}
        return encoded, spec

    def check_data(self, X, y):
        pass  # labels were validated and encoded in fit; classes_ comes from the encoder

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order.

        Returns
        -------
        proba : ndarray of shape (n, n_classes); for per-step labels (n, T, n_classes),
            or a list of (T_i, n_classes) arrays for list X.
        """
        if is_dataset(X):  # skorch's own scoring on its internal validation split
            return NeuralNet.predict_proba(self, X)
        batch = self._check_X(X)
        proba = self._net_outputs(batch)
        return unpad(proba, batch) if self._sequence_output_ else proba

    def predict(self, X):
        """Predicted labels, of the type given to fit.

        Returns
        -------
        y_pred : ndarray of shape (n,); for per-step labels (n, T), or a list
            of (T_i,) arrays for list X.

        On a torch ``Dataset`` (skorch's internal validation split, whose
        targets are encoded) the class indices are returned, as skorch does.
        """
        if is_dataset(X):
            return NeuralNet.predict_proba(self, X).argmax(axis=-1)
        batch = self._check_X(X)
        labels = self.classes_[self._net_outputs(batch).argmax(axis=-1)]
        return unpad(labels, batch) if self._sequence_output_ else labels

    def score(self, X, y, sample_weight=None):
        """Accuracy; for per-step labels over all valid steps (weighted per step if given).

        Parameters
        ----------
        X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
        y : array of shape (n,); per-step: (n, T) or a list of (T_i,) arrays
        sample_weight : array of the form of y (or (n,)), optional

        Returns
        -------
        score : float
        """
        if not self._sequence_output_:
            return super().score(X, y, sample_weight=sample_weight)
        batch = self._check_X(X)
        steps = check_step_labels(y, batch)
        if steps is None:
            raise ValueError(
                f"{type(self).__name__} was fit on per-step labels: score needs y of shape "
                f"(n, T) or a list of (T_i,) arrays, got {np.shape(y)}."
            )
        valid = _valid_steps(batch)
        y_pred = self.classes_[self._net_outputs(batch).argmax(axis=-1)][valid]
        weight = None if sample_weight is None else check_step_weights(sample_weight, batch)[valid]
        return float(accuracy_score(np.concatenate(steps), y_pred, sample_weight=weight))


class ALRNNRegressor(_ALRNNMixin, NeuralNetRegressor):
    __doc__ = f"""Almost-Linear RNN sequence regressor (skorch ``NeuralNetRegressor``).

    Sequence-to-one for y of shape (n,) or (n, k): reads each sequence's last
    valid state.  Sequence-to-sequence for y of shape (n, T, k) or a list of
    (T_i, k) arrays: reads every step.  Mean squared error loss.

    Parameters
    ----------{_COMMON_PARAMETERS}
    Attributes
    ----------
    n_features_in_ : int
        Number of features F per step.
    regimes_ : RegimeSummary
        Regimes visited on the training data.
    module_ : ALRNNModule

    See Also
    --------
    ALRNNClassifier, sk_alrnn.analysis.PiecewiseLinearSystem

    Notes
    -----
    z_t = a * z_{{t-1}} + W phi_P(z_{{t-1}}) + C s_t + h, z_0 = 0, y_t = B z_t + b.

    References
    ----------
    Brenner et al., "Almost-Linear RNNs Yield Highly Interpretable Symbolic
    Codes in Dynamical Systems Reconstruction", NeurIPS 2024.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(50, 10, 2)
    >>> y = X[:, :, 0].sum(axis=1)
    >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=3, random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (50,)
    >>> reg.regimes_.n_regimes <= 2 ** 2
    True
    >>> system = reg.linearize()
    >>> system.jacobian(system.regimes[0].code).shape
    (8, 8)
    """

    def __init__(self, M=16, P=2, *, criterion=nn.MSELoss, **kwargs):
        super().__init__(M, P, criterion=criterion, **kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, k) is native
        # Tabular checks read 2-D X as short univariate sequences; a recurrent
        # model is not meant to match linear models there.
        tags.regressor_tags.poor_score = True
        return tags

    def _validate_targets(self, y, batch, reset, classes):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        # Per-step targets: (n, T, k), or a list of arrays beside a list of sequences.
        listed = isinstance(y, (list, tuple)) and batch.ragged
        target = None if listed else np.asarray(y)
        sequence = listed or target.ndim == 3
        if not reset and sequence != self._sequence_output_:
            raise ValueError("y switches between sequence and per-sequence targets across fits.")
        if sequence:
            target = check_sequence_targets(y, batch)
            # A list of 1-D (T_i,) targets has no k axis; predict answers the same way.
            squeeze = listed and all(np.ndim(item) == 1 for item in y)
            return target, {"_sequence_output_": True, "_n_outputs_": target.shape[-1],
                            "_squeeze_output_": squeeze}
        check_n_samples(target, batch)
        if target.dtype.kind not in "biuf":
            try:
                target = target.astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"{type(self).__name__} needs numeric y; got dtype {target.dtype}."
                ) from exc
        if target.ndim not in (1, 2):
            raise ValueError(f"y must have shape (n,), (n, k) or (n, T, k); got {target.shape}.")
        if not np.isfinite(target).all():
            raise ValueError("Input y contains NaN or infinity.")
        target_2d = target.reshape(len(target), -1).astype(np.float32)
        if not reset and target_2d.shape[1] != self._n_outputs_:
            raise ValueError(
                f"y has {target_2d.shape[1]} targets, but {type(self).__name__} was fit "
                f"with {self._n_outputs_}."
            )
        spec = {"_sequence_output_": False, "_n_outputs_": target_2d.shape[1], "_squeeze_output_": target.ndim == 1}
        return target_2d, spec

    # A regressor has no class probabilities (skorch's NeuralNet defines one).
    predict_proba = available_if(lambda self: False)(NeuralNet.predict_proba)

    def predict(self, X):
        """Predictions in the target convention given to fit.

        Returns
        -------
        y_pred : ndarray of shape (n,) or (n, k); (n, T, k) or a list of
            (T_i, k) arrays for sequence targets ((T_i,) if fit on 1-D ones).
        """
        if is_dataset(X):  # skorch's own scoring on its internal validation split
            return NeuralNet.predict(self, X)
        batch = self._check_X(X)
        outputs = self._net_outputs(batch)
        outputs = outputs.astype(np.float64)  # sklearn's regressors predict float64
        if self._squeeze_output_:
            outputs = outputs[..., 0]
        return unpad(outputs, batch) if self._sequence_output_ else outputs

    def score(self, X, y, sample_weight=None):
        """R^2 of the predictions; for sequence targets over all valid steps.

        ``sample_weight``: (n,), or per step (the form of y's steps) for sequence targets.
        """
        if not self._sequence_output_:
            return super().score(X, y, sample_weight=sample_weight)
        batch = self._check_X(X)
        y_true = check_sequence_targets(y, batch)
        valid = _valid_steps(batch)
        y_pred = self._net_outputs(batch)
        weight = None if sample_weight is None else check_step_weights(sample_weight, batch)[valid]
        return r2_score(y_true[valid], y_pred[valid], sample_weight=weight)
