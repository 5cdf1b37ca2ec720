"""The AL-RNN estimators: what is specific to the Almost-Linear RNN.

Everything any sequence net needs (validation, padding, seeding, clipping,
chunked inference) lives in ``_seeded``, ``_sequence`` and ``_heads``; this
module adds the hyper-parameters ``M`` and ``P``, the regimes visited (``regimes_``), the
latent states and regime codes, and ``linearize()``.
"""

from __future__ import annotations

import numbers

import numpy as np
import torch
from torch import nn

from ..analysis import PiecewiseLinearSystem, RegimeSummary, codes_from_states, regime_summary
from ..io import PersistenceMixin
from ..nn import ALRNNModule
from ..utils import Interval, SequenceBatch, unpad
from ._heads import SequenceClassifier, SequenceRegressor

__all__ = ["ALRNNClassifier", "ALRNNRegressor"]


class _ALRNNMixin(PersistenceMixin):
    """M, P, regimes_ and the analysis methods, on top of a sequence-net base."""

    _persisted_attributes = ("regimes_",)
    _persisted_types = (RegimeSummary,)

    _parameter_constraints = {
        "M": [Interval(numbers.Integral, 1, None)],
        "P": [Interval(numbers.Integral, 0, "M", text="in [0, M={M}]")],
    }

    def __init__(self, M=16, P=2, *, module=ALRNNModule, criterion, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)
        self.M, self.P = M, P

    def _module_kwargs(self):
        return {"M": self.M, "P": self.P}

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Summarise the regimes visited on all of the fit's X (skorch hook)."""
        super().on_train_end(net, X=X, y=y, **kwargs)
        self.regimes_ = self._regime_summary(X.batch)

    def _inference_width(self) -> int:
        """Floats per step of a forward pass: the scan's buffer (M+P), drive, input, output."""
        module = self.module_
        return 2 * module.M + module.P + self.n_features_in_ + self._n_outputs_

    # ---- latent states and regimes --------------------------------------------
    def _state_chunks(self, batch: SequenceBatch):
        """z_1..z_T chunk by chunk, (chunk, T_max, M) numpy arrays."""
        width = self.module_.M + self.module_.P
        return self._iter_chunks(batch, lambda module, X, lengths: module.latent_states(X), width)

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
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        Z : ndarray of shape (n, T, M), or list of (T_i, M) arrays for list input
            Float32, as computed.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> reg.latent_states(X).shape
        (20, 6, 8)
        >>> [Z.shape for Z in reg.latent_states([X[0, :3], X[1]])]
        [(3, 8), (6, 8)]
        """
        batch = self._check_X(X)
        return unpad(np.concatenate(list(self._state_chunks(batch))), batch)

    def regime_codes(self, X):
        """Regime code (sign pattern of the P ReLU units) at every step.

        Parameters
        ----------
        X : array-like of shape (n, T, F) or (n, T), or list of (T_i, F) arrays
            Input sequences.

        Returns
        -------
        codes : bool ndarray of shape (n, T, P), or list of (T_i, P) arrays for list input
            ``codes[i, t]`` is ``z_t[M-P:] > 0`` for step t of sequence i.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=3, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> codes = reg.regime_codes(X)
        >>> codes.shape, codes.dtype
        ((20, 6, 3), dtype('bool'))
        >>> bool((codes == (reg.latent_states(X)[..., 5:] > 0)).all())
        True
        """
        batch = self._check_X(X)
        return unpad(self._padded_codes(batch), batch)

    def linearize(self) -> PiecewiseLinearSystem:
        """The fitted network as a piecewise-affine system (numpy, float64).

        Reads the module's ``system_matrices()`` (``a, W, C, h, B, b``), so a
        custom ``module`` must provide that method.

        Returns
        -------
        system : PiecewiseLinearSystem
            With ``a, W, C, h, B, b, M, P``, ``jacobian(code)``,
            ``fixed_point(code, s)`` and ``regimes`` (one per row of
            ``regimes_.codes``, same order).

        Raises
        ------
        TypeError
            If the module has no ``system_matrices()`` method.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_alrnn import ALRNNRegressor
        >>> X = np.random.RandomState(0).randn(20, 6, 2)
        >>> reg = ALRNNRegressor(M=8, P=2, max_epochs=2, random_state=0).fit(X, X.sum(axis=(1, 2)))
        >>> system = reg.linearize()
        >>> system.W.shape, system.C.shape, len(system.regimes) == reg.regimes_.n_regimes
        ((8, 8), (8, 2), True)
        """
        self.check_is_fitted(["module_", "regimes_"])
        system_matrices = getattr(self.module_, "system_matrices", None)
        if system_matrices is None:
            raise TypeError(
                f"linearize() needs a module with a system_matrices() method returning "
                f"a, W, C, h, B and b; {type(self.module_).__name__} has none."
            )
        matrices = {
            name: value.detach().cpu().double().numpy() for name, value in system_matrices().items()
        }
        return PiecewiseLinearSystem(**matrices, P=self.module_.P, regime_codes=self.regimes_.codes)


class ALRNNClassifier(_ALRNNMixin, SequenceClassifier):
    """Almost-Linear RNN sequence classifier (skorch ``NeuralNetClassifier``).

    Sequence-to-one for y of shape (n,): reads the latent state at each
    sequence's last valid step and maps it linearly to class logits.
    Per-step for y of shape (n, T) (the T of X) or a list of (T_i,) label
    arrays beside a list X: classifies every step, with cross-entropy over
    the valid steps; ``predict`` returns labels per step in the same form,
    ``predict_proba`` (n, T, n_classes) or a list of (T_i, n_classes), and
    ``score`` the accuracy over valid steps. ``fit(X, y, sample_weight=...)``
    weighs the loss per sequence, or per step (the form of y).

    Parameters
    ----------
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units; the last P of the M latent units.  P = 0 is a
        linear RNN, P = M a ReLU (PL)RNN.
    module : type, default=ALRNNModule
        The torch module; see :class:`sk_alrnn._net.SequenceNet` for what it
        must provide (and ``system_matrices()`` for :meth:`linearize`).
    criterion : type, default=torch.nn.CrossEntropyLoss
        The loss.
    random_state : int, RandomState instance or None, default=None
        Seeds a per-fit ``torch.Generator`` for the initial weights and batch
        shuffling; torch's global RNG is not touched.  Same value, same data
        => same predictions.
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping (skorch's ``GradientNormClipping``), so larger
        learning rates do not blow the ReLU units up; None turns it off.
    on_divergence : {"raise", "restore"}, default="raise"
        A NaN/inf training loss raises ``FloatingPointError``; with
        "restore" the weights from the end of the last finite epoch come
        back instead, with a ``RuntimeWarning``.
    lr : float, default=3e-3
        Learning rate of the optimizer (Adam by default).
    max_epochs : int, default=100
        Number of passes over the training data per ``fit``.
    batch_size : int, default=64
        Sequences per mini-batch.
    train_split : callable or None, default=None
        No internal validation split by default (all data trains); pass e.g.
        ``skorch.dataset.ValidSplit(5)`` for one.
    verbose : int, default=0
        Quiet by default; 1 prints skorch's epoch table.
    progress_bar : bool, default=False
        Show a progress bar of each epoch's batches (skorch's ``ProgressBar``)
        -- for long fits.
    device : str, default="cpu"
        torch device to train and predict on, e.g. ``"cuda"``; a device this
        machine does not have raises ValueError at fit.
    optimizer : type, default=torch.optim.Adam
        The torch optimizer class; ``optimizer__<name>`` sets its arguments.
    callbacks : list or None, default=None
        skorch callbacks, added to the defaults.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights.
    **kwargs
        Any other skorch parameter (``iterator_train__shuffle``,
        ``optimizer__weight_decay``, ``module__*``, ...).

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
        The trained torch module.

    See Also
    --------
    ALRNNRegressor : The same model for real-valued targets.
    sk_alrnn.analysis.PiecewiseLinearSystem : What :meth:`linearize` returns.

    Notes
    -----
    z_t = a * z_{t-1} + W phi_P(z_{t-1}) + C s_t + h, z_0 = 0, logits = B z_T + b
    (per step: logits_t = B z_t + b). A 2-D y whose second dimension differs
    from T raises ValueError (multi-output classification is not supported);
    an (n, 1) column is read as one label per sequence, as in scikit-learn.

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
    >>> set(clf.predict(X)) <= {"up", "down"}
    True
    >>> clf.regimes_.n_regimes <= 2 ** 2
    True

    Per-step labels: the sign of the running sum, at every step.

    >>> y_steps = np.where(X[:, :, 0].cumsum(axis=1) > 0, "up", "down")
    >>> clf = ALRNNClassifier(M=8, P=2, max_epochs=5, random_state=0).fit(X, y_steps)
    >>> clf.predict(X).shape, clf.predict_proba(X).shape
    ((60, 12), (60, 12, 2))
    >>> 0 <= clf.score(X, y_steps) <= 1
    True
    """

    def __init__(
        self,
        M=16,
        P=2,
        *,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        random_state=None,
        max_grad_norm=1.0,
        optimizer=torch.optim.Adam,
        on_divergence="raise",
        train_split=None,
        callbacks=None,
        warm_start=False,
        device="cpu",
        progress_bar=False,
        verbose=0,
        module=ALRNNModule,
        criterion=nn.CrossEntropyLoss,
        **kwargs,
    ):
        super().__init__(
            M,
            P,
            module=module,
            criterion=criterion,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            random_state=random_state,
            max_grad_norm=max_grad_norm,
            optimizer=optimizer,
            on_divergence=on_divergence,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            device=device,
            progress_bar=progress_bar,
            verbose=verbose,
            **kwargs,
        )


class ALRNNRegressor(_ALRNNMixin, SequenceRegressor):
    """Almost-Linear RNN sequence regressor (skorch ``NeuralNetRegressor``).

    Sequence-to-one for y of shape (n,) or (n, k): reads each sequence's last
    valid state.  Sequence-to-sequence for y of shape (n, T, k) or a list of
    (T_i, k) arrays: reads every step.  Mean squared error loss.

    Parameters
    ----------
    M : int, default=16
        Number of latent units.
    P : int, default=2
        Number of ReLU units; the last P of the M latent units.  P = 0 is a
        linear RNN, P = M a ReLU (PL)RNN.
    module : type, default=ALRNNModule
        The torch module; see :class:`sk_alrnn._net.SequenceNet` for what it
        must provide (and ``system_matrices()`` for :meth:`linearize`).
    criterion : type, default=torch.nn.MSELoss
        The loss.
    random_state : int, RandomState instance or None, default=None
        Seeds a per-fit ``torch.Generator`` for the initial weights and batch
        shuffling; torch's global RNG is not touched.  Same value, same data
        => same predictions.
    max_grad_norm : float or None, default=1.0
        Gradient-norm clipping (skorch's ``GradientNormClipping``), so larger
        learning rates do not blow the ReLU units up; None turns it off.
    on_divergence : {"raise", "restore"}, default="raise"
        A NaN/inf training loss raises ``FloatingPointError``; with
        "restore" the weights from the end of the last finite epoch come
        back instead, with a ``RuntimeWarning``.
    lr : float, default=3e-3
        Learning rate of the optimizer (Adam by default).
    max_epochs : int, default=100
        Number of passes over the training data per ``fit``.
    batch_size : int, default=64
        Sequences per mini-batch.
    train_split : callable or None, default=None
        No internal validation split by default (all data trains); pass e.g.
        ``skorch.dataset.ValidSplit(5)`` for one.
    verbose : int, default=0
        Quiet by default; 1 prints skorch's epoch table.
    progress_bar : bool, default=False
        Show a progress bar of each epoch's batches (skorch's ``ProgressBar``)
        -- for long fits.
    device : str, default="cpu"
        torch device to train and predict on, e.g. ``"cuda"``; a device this
        machine does not have raises ValueError at fit.
    optimizer : type, default=torch.optim.Adam
        The torch optimizer class; ``optimizer__<name>`` sets its arguments.
    callbacks : list or None, default=None
        skorch callbacks, added to the defaults.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights.
    **kwargs
        Any other skorch parameter (``iterator_train__shuffle``,
        ``optimizer__weight_decay``, ``module__*``, ...).

    Attributes
    ----------
    n_features_in_ : int
        Number of features F per step.
    regimes_ : RegimeSummary
        Regimes visited on the training data (``codes``, ``counts``,
        ``frequencies``, ``n_regimes``, ``transitions``).
    module_ : ALRNNModule
        The trained torch module.

    See Also
    --------
    ALRNNClassifier : The same model for labels.
    sk_alrnn.analysis.PiecewiseLinearSystem : What :meth:`linearize` returns.

    Notes
    -----
    z_t = a * z_{t-1} + W phi_P(z_{t-1}) + C s_t + h, z_0 = 0, y_t = B z_t + b.

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

    def __init__(
        self,
        M=16,
        P=2,
        *,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        random_state=None,
        max_grad_norm=1.0,
        optimizer=torch.optim.Adam,
        on_divergence="raise",
        train_split=None,
        callbacks=None,
        warm_start=False,
        device="cpu",
        progress_bar=False,
        verbose=0,
        module=ALRNNModule,
        criterion=nn.MSELoss,
        **kwargs,
    ):
        super().__init__(
            M,
            P,
            module=module,
            criterion=criterion,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            random_state=random_state,
            max_grad_norm=max_grad_norm,
            optimizer=optimizer,
            on_divergence=on_divergence,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            device=device,
            progress_bar=progress_bar,
            verbose=verbose,
            **kwargs,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # scikit-learn's estimator checks pass 2-D X, read here as short univariate
        # sequences; a recurrent model is not meant to match linear models there.
        tags.regressor_tags.poor_score = True
        return tags
