"""Validation of token input: the ``embedding`` hyper-parameter and token-id sequences.

The estimators take token ids in the univariate layout ((n, T) arrays or lists
of (T_i,) arrays, so one feature per step); the embedding option being set is
what makes that feature a token id rather than a number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._params import check_param, input_error
from ._sequences import SequenceBatch

__all__ = ["check_embedding", "check_token_ids"]


def check_embedding(embedding: Any, owner: str) -> tuple[int, int] | None:
    """Check the ``embedding`` hyper-parameter: None or a pair (n_tokens, dim).

    Parameters
    ----------
    embedding : object
        None (numeric input), or a tuple/list ``(n_tokens, dim)`` of ints,
        n_tokens >= 2 (padding id 0 plus at least one token), dim >= 1.
    owner : str
        The estimator's name, for the message.

    Returns
    -------
    embedding : tuple of (int, int) or None

    Examples
    --------
    >>> check_embedding([100, 16], "ALRNNClassifier")
    (100, 16)
    >>> check_embedding(None, "ALRNNClassifier") is None
    True
    """
    if embedding is None:
        return None
    if not isinstance(embedding, (tuple, list)) or len(embedding) != 2:
        raise input_error(
            f"The 'embedding' parameter of {owner}",
            "be None or a pair (n_tokens, dim) of ints",
            repr(embedding),
        )
    n_tokens = check_param(embedding[0], "embedding[0] (n_tokens)", owner, min_val=2)
    dim = check_param(embedding[1], "embedding[1] (dim)", owner, min_val=1)
    return n_tokens, dim


def check_token_ids(batch: SequenceBatch, n_tokens: int, owner: str) -> None:
    """Check that every step of ``batch`` holds one integer token id in [0, n_tokens).

    Parameters
    ----------
    batch : SequenceBatch
        The padded input (padding is 0, the padding id, so it passes).
    n_tokens : int
        Size of the embedding table.
    owner : str
        The estimator's name, for the message.

    Raises
    ------
    ValueError
        If X has more than one feature per step, or an id that is not a
        whole number in [0, n_tokens).

    Examples
    --------
    >>> from sk_alrnn.utils import as_padded
    >>> check_token_ids(as_padded([np.array([3, 1]), np.array([2])]), 4, "ALRNNClassifier")
    """
    if batch.n_features != 1:
        raise input_error(
            f"With an embedding, X given to {owner}",
            "hold one token id per step ((n, T) array or list of (T_i,) arrays)",
            f"{batch.n_features} features per step",
        )
    ids = batch.values
    bad = (ids != np.round(ids)) | (ids < 0) | (ids >= n_tokens)
    if bad.any():
        raise input_error(
            f"Token ids given to {owner}",
            f"be whole numbers in [0, n_tokens={n_tokens})",
            f"{float(ids[bad].flat[0]):g} (map unseen words to the unknown id, e.g. with "
            "load_sst2's vocabulary)",
        )
