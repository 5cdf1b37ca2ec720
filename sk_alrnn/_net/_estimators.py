"""The AL-RNN estimators: ALRNNClassifier and ALRNNRegressor, with their parameters.

Everything any sequence net needs (validation, padding, seeding, clipping,
chunked inference) lives in ``_seeded``, ``_sequence`` and ``_heads``; what
the AL-RNN adds (``M``, ``P``, ``regimes_``, latent states, regime codes,
``linearize()``) in ``_alrnn``.
"""

from __future__ import annotations

import torch
from torch import nn

from ..nn import ALRNNModule
from ._alrnn import ALRNNMixin
from ._heads import SequenceClassifier, SequenceRegressor

__all__ = ["ALRNNClassifier", "ALRNNRegressor"]


class ALRNNClassifier(ALRNNMixin, SequenceClassifier):
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
    embedding : tuple of (n_tokens, dim) or None, default=None
        Token input: X holds token ids ((n, T) int or float arrays, or a list
        of (T_i,) arrays; id 0 is padding), embedded by a (n_tokens, dim)
        table learned jointly with the network; the input term is then C
        applied to the embedded token, C is (M, dim) and the table is
        ``embedding_``.  None: X holds numbers.
    module : type, default=ALRNNModule
        The torch module; see :class:`sk_alrnn._net.SequenceNet` for what it
        must provide (and ``system_matrices()`` for :meth:`linearize`).
    criterion : type, default=torch.nn.CrossEntropyLoss
        The loss.
    random_state : int, RandomState instance or None, default=None
        Seeds a per-fit ``torch.Generator`` for the initial weights and batch
        shuffling (with ``iterator_train__shuffle=True``; off by default, as in
        skorch); torch's global RNG is not touched.  Same value, same data
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
        Show a progress bar over the epochs (epoch k of N, training loss,
        time elapsed and left) -- for long fits.
    device : str, default="cpu"
        torch device to train and predict on, e.g. ``"cuda"``; a device this
        machine does not have raises ValueError at fit.
    optimizer : type, default=torch.optim.Adam
        The torch optimizer class; ``optimizer__<name>`` sets its arguments.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights.
    **kwargs
        Any other skorch parameter (``callbacks``, ``iterator_train__shuffle``,
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
    embedding_ : ndarray of shape (n_tokens, dim)
        The learned token table (only with ``embedding``).

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
        embedding=None,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        random_state=None,
        max_grad_norm=1.0,
        optimizer=torch.optim.Adam,
        on_divergence="raise",
        train_split=None,
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
            embedding=embedding,
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
            warm_start=warm_start,
            device=device,
            progress_bar=progress_bar,
            verbose=verbose,
            **kwargs,
        )


class ALRNNRegressor(ALRNNMixin, SequenceRegressor):
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
    embedding : tuple of (n_tokens, dim) or None, default=None
        Token input: X holds token ids ((n, T) int or float arrays, or a list
        of (T_i,) arrays; id 0 is padding), embedded by a (n_tokens, dim)
        table learned jointly with the network; the input term is then C
        applied to the embedded token, C is (M, dim) and the table is
        ``embedding_``.  None: X holds numbers.
    module : type, default=ALRNNModule
        The torch module; see :class:`sk_alrnn._net.SequenceNet` for what it
        must provide (and ``system_matrices()`` for :meth:`linearize`).
    criterion : type, default=torch.nn.MSELoss
        The loss.
    random_state : int, RandomState instance or None, default=None
        Seeds a per-fit ``torch.Generator`` for the initial weights and batch
        shuffling (with ``iterator_train__shuffle=True``; off by default, as in
        skorch); torch's global RNG is not touched.  Same value, same data
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
        Show a progress bar over the epochs (epoch k of N, training loss,
        time elapsed and left) -- for long fits.
    device : str, default="cpu"
        torch device to train and predict on, e.g. ``"cuda"``; a device this
        machine does not have raises ValueError at fit.
    optimizer : type, default=torch.optim.Adam
        The torch optimizer class; ``optimizer__<name>`` sets its arguments.
    warm_start : bool, default=False
        Whether ``fit`` continues from the fitted weights.
    **kwargs
        Any other skorch parameter (``callbacks``, ``iterator_train__shuffle``,
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
    embedding_ : ndarray of shape (n_tokens, dim)
        The learned token table (only with ``embedding``).

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
        embedding=None,
        lr=3e-3,
        max_epochs=100,
        batch_size=64,
        random_state=None,
        max_grad_norm=1.0,
        optimizer=torch.optim.Adam,
        on_divergence="raise",
        train_split=None,
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
            embedding=embedding,
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
