"""Classifier and regressor heads for sequence nets: targets, labels and scores."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochScoring

from ..utils import (
    SequenceBatch,
    check_finite,
    check_n_samples,
    check_regression_targets,
    check_sequence_targets,
    check_step_labels,
    check_step_weights,
    check_y_present,
    is_per_sequence_list,
)
from ._sequence import SequenceNet

__all__ = ["SequenceClassifier", "SequenceRegressor"]


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
        # Per-step targets: (n, T, k), or a list of per-sequence arrays beside a list X.
        listed = batch.ragged and is_per_sequence_list(y)
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
        sample_weight : array-like or None, default=None
            Weight of each sequence, or for sequence targets of each step in
            the forms ``fit`` takes ((n, T) array or list of (T_i,) arrays;
            (n,) weighs all valid steps of a sequence alike).

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
        if sample_weight is not None:  # the forms fit takes: per step, or per sequence
            sample_weight = check_step_weights(sample_weight, batch)[valid]
        return r2_score(y_true[valid], outputs[valid], sample_weight=sample_weight)
