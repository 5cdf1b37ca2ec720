"""Synthetic sequence tasks that need memory or gated integration (numpy only).

Every task ends with an input-free (blank) step, or at least never puts
task-relevant information on the final step: the AL-RNN adds its input
linearly, ``z_T = ... + C s_T``, so a sequence-to-one readout of ``z_T`` could
not pass information that arrives at the last step through a ReLU unit.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state

from ..utils import RandomStateLike, check_param, input_error


def _balanced_labels(rng: np.random.RandomState, n_samples: int, n_classes: int) -> np.ndarray:
    """Labels 0..n_classes-1 in random order, class counts differing by at most one."""
    return rng.permutation(np.arange(n_samples) % n_classes)


def make_addition(
    n_samples: int = 1000, n_steps: int = 50, *, random_state: RandomStateLike = None
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the addition problem: add the two marked numbers of a sequence.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_steps : int, default=50
        Sequence length T; at least 3.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, 2)
        Feature 0: values drawn uniformly from [0, 1]. Feature 1: the marker,
        exactly two 1s per sequence, zeros elsewhere.
    y : ndarray of shape (n_samples,)
        The sum of the two marked values: in [0, 2], mean 1 and standard
        deviation sqrt(1/6) ~ 0.41 (sum of two independent U(0, 1)).

    See Also
    --------
    make_copy_memory : Recall a cue over a delay.

    Notes
    -----
    The two marked positions are distinct and drawn uniformly among the first
    ``n_steps - 1`` steps; the last step is never marked. Inputs enter the
    AL-RNN linearly, ``z_T = a * z_{T-1} + W phi_P(z_{T-1}) + C s_T + h``, so a
    sequence-to-one readout of ``z_T`` cannot gate a value that arrives at the
    very last step: the final step is a blank step for the marker (its value
    channel still carries an unmarked distractor).

    Predicting the mean, ``y = 1``, gives a mean squared error of 1/6 ~ 0.167
    (the usual baseline).

    References
    ----------
    .. [1] S. Hochreiter and J. Schmidhuber, "Long short-term memory",
       Neural Computation 9(8), 1997.
    .. [2] Q. V. Le, N. Jaitly and G. E. Hinton, "A simple way to initialize
       recurrent networks of rectified linear units", arXiv:1504.00941, 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_addition
    >>> X, y = make_addition(n_samples=200, n_steps=20, random_state=0)
    >>> X.shape, y.shape
    ((200, 20, 2), (200,))
    >>> bool((X[:, :, 1].sum(axis=1) == 2).all() and (X[:, -1, 1] == 0).all())
    True
    >>> bool(np.allclose(y, (X[:, :, 0] * X[:, :, 1]).sum(axis=1)))
    True
    """
    n = check_param(n_samples, "n_samples", "make_addition", min_val=1)
    T = check_param(n_steps, "n_steps", "make_addition", min_val=3)
    rng = check_random_state(random_state)
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.uniform(size=(n, T))
    marked = np.argsort(rng.uniform(size=(n, T - 1)), axis=1)[:, :2]
    rows = np.arange(n)[:, None]
    X[rows, marked, 1] = 1.0
    y = X[rows, marked, 0].sum(axis=1)
    return X, y


def make_copy_memory(
    n_samples: int = 1000,
    n_steps: int = 20,
    *,
    n_symbols: int = 4,
    noise: float = 0.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate a one-symbol copy-memory (delayed recall) classification task.

    A cue symbol is shown at the first step, followed by a delay, then a query
    step at the end; the target is the cue.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_steps : int, default=20
        Sequence length T (cue + ``n_steps - 2`` delay steps + query); at least 2.
    n_symbols : int, default=4
        Number K of possible cue symbols (classes); at least 2.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the K symbol channels
        during the delay (0 gives blank delay steps).
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, n_symbols + 1)
        Step 0: the one-hot cue in channels 0..K-1. Steps 1..T-2: zeros plus
        the noise in channels 0..K-1. Step T-1: the query, channel K set to 1.
    y : ndarray of shape (n_samples,), dtype int
        The cue, in 0..K-1. Classes are balanced: their counts differ by at
        most one. Chance accuracy is 1/K.

    See Also
    --------
    make_addition : Gate and add two marked values.

    Notes
    -----
    This is the single-symbol, sequence-to-one variant of the copy-memory task
    [1]_: the information must be held over ``n_steps - 1`` updates of the
    latent state.

    References
    ----------
    .. [1] M. Arjovsky, A. Shah and Y. Bengio, "Unitary evolution recurrent
       neural networks", ICML 2016.

    Examples
    --------
    >>> from sk_alrnn.datasets import make_copy_memory
    >>> X, y = make_copy_memory(n_samples=90, n_steps=10, n_symbols=3, random_state=0)
    >>> X.shape, y.shape
    ((90, 10, 4), (90,))
    >>> bool((X[:, 0, :3].argmax(axis=1) == y).all()), np.bincount(y).tolist()
    (True, [30, 30, 30])
    """
    name = "make_copy_memory"
    n = check_param(n_samples, "n_samples", name, min_val=1)
    T = check_param(n_steps, "n_steps", name, min_val=2)
    K = check_param(n_symbols, "n_symbols", name, min_val=2)
    noise = check_param(noise, "noise", name, target_type=Real, min_val=0)
    rng = check_random_state(random_state)
    y = _balanced_labels(rng, n, K)
    X = np.zeros((n, T, K + 1))
    X[np.arange(n), 0, y] = 1.0
    X[:, 1:-1, :K] = noise * rng.standard_normal((n, T - 2, K))
    X[:, -1, K] = 1.0
    return X, y


def make_contextual_integration(
    n_samples: int = 1000,
    n_steps: int = 30,
    *,
    max_coherence: float = 0.3,
    noise: float = 1.0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate a context-dependent evidence integration task.

    Two noisy evidence streams are shown together with a context cue that
    says which of them to integrate; the target is the sign of the selected
    stream's mean. The other stream is a distractor.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_steps : int, default=30
        Sequence length T: ``n_steps - 1`` evidence steps and a final blank
        step; at least 2.
    max_coherence : float, default=0.3
        Each stream's drift (its mean) is drawn uniformly from
        [-max_coherence, max_coherence], independently per stream and sequence.
    noise : float, default=1.0
        Standard deviation of the Gaussian noise added to each stream per step.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the draws.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, 4)
        Features 0 and 1: the two streams. Features 2 and 3: the one-hot
        context (feature 2 selects stream 0, feature 3 stream 1), shown on all
        evidence steps. The last step is all zeros.
    y : ndarray of shape (n_samples,), dtype int
        1 if the mean of the selected stream over the evidence steps is
        positive, else 0. About balanced (the draws are symmetric about 0);
        independent of the distractor stream.

    See Also
    --------
    make_evidence_integration : Integrate signed token valences.

    Notes
    -----
    The label is the sign of the *observed* mean, so it is a deterministic
    function of X and perfect accuracy is possible. The two contexts are
    balanced (counts differ by at most one); the context of each sequence is
    ``X[:, 0, 2:].argmax(axis=1)``. The gating by context is multiplicative,
    which a purely linear readout of a linear RNN cannot do.

    References
    ----------
    .. [1] V. Mante, D. Sussillo, K. V. Shenoy and W. T. Newsome,
       "Context-dependent computation by recurrent dynamics in prefrontal
       cortex", Nature 503, 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.datasets import make_contextual_integration
    >>> X, y = make_contextual_integration(n_samples=100, n_steps=15, random_state=0)
    >>> X.shape, y.shape
    ((100, 15, 4), (100,))
    >>> context = X[:, 0, 2:].argmax(axis=1)
    >>> selected = X[np.arange(100), :-1, context]
    >>> bool(((selected.mean(axis=1) > 0) == y).all()), bool((X[:, -1] == 0).all())
    (True, True)
    """
    name = "make_contextual_integration"
    n = check_param(n_samples, "n_samples", name, min_val=1)
    T = check_param(n_steps, "n_steps", name, min_val=2)
    max_coherence = check_param(max_coherence, "max_coherence", name, target_type=Real, min_val=0)
    noise = check_param(noise, "noise", name, target_type=Real, min_val=0)
    rng = check_random_state(random_state)
    context = _balanced_labels(rng, n, 2)
    drift = rng.uniform(-max_coherence, max_coherence, size=(n, 1, 2))
    X = np.zeros((n, T, 4))
    X[:, :-1, :2] = drift + noise * rng.standard_normal((n, T - 1, 2))
    X[np.arange(n), :-1, 2 + context] = 1.0
    selected = X[np.arange(n), :-1, context]
    y = (selected.mean(axis=1) > 0).astype(int)
    return X, y


def _vocabulary(vocab_size: int, n_features: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Token embeddings (V, F) ~ N(0, 1) and signed valences (V,) with mean 0."""
    rs = np.random.RandomState(seed)
    embeddings = rs.standard_normal((vocab_size, n_features))
    signs = rs.permutation(np.where(np.arange(vocab_size) % 2 == 0, 1.0, -1.0))
    valence = signs * rs.uniform(0.5, 1.5, size=vocab_size)
    return embeddings, valence - valence.mean()


def make_evidence_integration(
    n_samples: int = 1000,
    n_steps: int = 20,
    *,
    n_features: int = 8,
    vocab_size: int = 50,
    variable_length: bool = False,
    min_steps: int | None = None,
    vocab_seed: int = 0,
    random_state: RandomStateLike = None,
) -> tuple[np.ndarray | list[np.ndarray], np.ndarray]:
    """Generate a sentiment-like task: the sign of the summed token valences.

    A fixed vocabulary of ``vocab_size`` tokens has random embeddings and a
    signed valence each; a sequence is a string of random tokens (their
    embeddings) followed by an end-of-sequence blank, and its label says
    whether the valences add up to a positive number.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of sequences.
    n_steps : int, default=20
        Sequence length T (the maximum length if ``variable_length``),
        end-of-sequence step included; at least 2.
    n_features : int, default=8
        Embedding dimension F.
    vocab_size : int, default=50
        Number V of distinct tokens; at least 2.
    variable_length : bool, default=False
        If True, each length is drawn uniformly from [min_steps, n_steps] and
        X is a list of arrays.
    min_steps : int, default=None
        Shortest length when ``variable_length``; None means
        ``max(2, n_steps // 2)``. Ignored otherwise.
    vocab_seed : int, default=0
        Seed of the vocabulary, kept apart from ``random_state`` so that
        training and test sets drawn with different seeds share a vocabulary.
    random_state : int, RandomState instance or None, default=None
        Seed or generator for the sequences and lengths.

    Returns
    -------
    X : ndarray of shape (n_samples, n_steps, n_features) or list of ndarray
        Token embeddings, last step zeros. With ``variable_length=True`` a list
        of ``n_samples`` arrays of shape (T_i, n_features).
    y : ndarray of shape (n_samples,), dtype int
        1 if the summed valence is positive, else 0. About balanced (valences
        are centred: their mean over the vocabulary is 0).

    See Also
    --------
    make_contextual_integration : Integrate one of two streams.

    Notes
    -----
    Embeddings are N(0, 1); half the tokens have a positive valence, half a
    negative one, magnitudes uniform in [0.5, 1.5] before centring. When
    ``vocab_size > n_features + 1`` the valence is in general not a linear
    function of the embedding, so the network must learn a lexicon. The final
    blank step lets the last token pass through the nonlinearity before a
    sequence-to-one readout (inputs enter the AL-RNN linearly).

    Examples
    --------
    >>> from sk_alrnn.datasets import make_evidence_integration
    >>> X, y = make_evidence_integration(n_samples=50, n_steps=12, random_state=0)
    >>> X.shape, y.shape, bool((X[:, -1] == 0).all())
    ((50, 12, 8), (50,), True)
    >>> X, y = make_evidence_integration(
    ...     n_samples=50, n_steps=12, variable_length=True, random_state=0)
    >>> len(X), all(6 <= len(x) <= 12 and x.shape[1] == 8 for x in X)
    (50, True)
    """
    name = "make_evidence_integration"
    n = check_param(n_samples, "n_samples", name, min_val=1)
    T = check_param(n_steps, "n_steps", name, min_val=2)
    F = check_param(n_features, "n_features", name, min_val=1)
    V = check_param(vocab_size, "vocab_size", name, min_val=2)
    rng = check_random_state(random_state)
    embeddings, valence = _vocabulary(V, F, vocab_seed)
    tokens = rng.randint(V, size=(n, T - 1))
    X = np.zeros((n, T, F))
    X[:, :-1] = embeddings[tokens]
    if not variable_length:
        return X, (valence[tokens].sum(axis=1) > 0).astype(int)
    lengths = _draw_lengths(rng, n, T, min_steps, name)
    X_list = [np.concatenate([X[i, : k - 1], X[i, -1:]]) for i, k in enumerate(lengths)]
    y = np.array([valence[tokens[i, : k - 1]].sum() > 0 for i, k in enumerate(lengths)])
    return X_list, y.astype(int)


def _draw_lengths(
    rng: np.random.RandomState, n: int, n_steps: int, min_steps: int | None, func: str
) -> np.ndarray:
    """Lengths drawn uniformly from [min_steps, n_steps]."""
    if min_steps is None:
        low = max(2, n_steps // 2)
    else:
        low = check_param(min_steps, "min_steps", func, min_val=2)
    if low > n_steps:
        raise input_error(f"The 'min_steps' parameter of {func}", f"be <= n_steps={n_steps}", low)
    return rng.randint(low, n_steps + 1, size=n)
