"""The selection rule: the smallest P whose score is close enough to the best."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["minimal_P_refit", "select_minimal_P"]

_SPLIT_KEY = re.compile(r"split\d+_test_score")


def best_index(scores: Sequence[float]) -> int:
    """Index of the highest finite score; NaN scores (failed fits) never win.

    Parameters
    ----------
    scores : sequence of float
        One score per candidate.

    Returns
    -------
    index : int
        The first index of the highest finite score.

    Raises
    ------
    ValueError
        If no score is finite.

    Examples
    --------
    >>> best_index([0.5, float("nan"), 0.7])
    2
    """
    scores = np.asarray(scores, dtype=float)
    finite = np.flatnonzero(np.isfinite(scores))
    if finite.size == 0:
        raise ValueError("No candidate has a finite score: every fit failed.")
    return int(finite[np.argmax(scores[finite])])


def select_minimal_P(P_values: Sequence[float], scores: Sequence[float], *, margin: float) -> int:
    """Index of the smallest P whose score is at least the best score minus ``margin``.

    The one rule behind :func:`minimal_P_refit` (margin = one standard error
    of the best candidate) and the command-line demo (a fixed margin on
    held-out scores).

    Parameters
    ----------
    P_values : sequence of float
        The P of each candidate (NaN where a candidate has none).
    scores : sequence of float
        The score of each candidate, greater is better (NaN for a failed fit).
    margin : float
        How far below the best score a candidate may be.

    Returns
    -------
    index : int
        Among candidates with a finite score and P that are within ``margin``
        of the best, the one with the smallest P; ties (several candidates
        with that P) go to the highest score.

    Raises
    ------
    ValueError
        If no candidate has both a finite score and a P.

    Examples
    --------
    >>> select_minimal_P([0, 1, 2, 4], [0.5, 0.985, 0.99, float("nan")], margin=0.01)
    1
    """
    P = np.asarray(P_values, dtype=float)
    scores = np.asarray(scores, dtype=float)
    valid = np.isfinite(scores) & np.isfinite(P)
    if not valid.any():
        raise ValueError("No candidate has both a finite score and a value of P.")
    eligible = valid & (scores >= scores[valid].max() - margin)
    smallest = eligible & (P == P[eligible].min())
    return int(np.flatnonzero(smallest)[np.argmax(scores[smallest])])


def minimal_P_refit(cv_results: Mapping[str, Any]) -> int:
    """Index of the smallest P whose score is within one standard error of the best.

    A ``refit`` callable for :class:`~sklearn.model_selection.GridSearchCV`
    (scikit-learn's "balance model complexity and cross-validated score"
    pattern): prefer the least nonlinear AL-RNN that is not clearly worse.

    Parameters
    ----------
    cv_results : dict of numpy (masked) ndarrays
        ``GridSearchCV.cv_results_`` of a single-metric search over a
        parameter named ``P`` or ending in ``__P`` (e.g. ``alrnn__P`` in a
        Pipeline). Other parameters may be searched too.

    Returns
    -------
    best_index : int
        Index into ``cv_results``: among candidates whose ``mean_test_score``
        is at least ``best - SE(best)``, the one with the smallest P; ties
        (several candidates with that P) go to the highest mean score.

    Raises
    ------
    ValueError
        If no (or more than one) searched parameter is named P, or the
        results lack ``mean_test_score`` or the ``split<i>_test_score`` keys.

    See Also
    --------
    sweep_P : Run the search and tabulate the result.
    select_minimal_P : The rule with any margin.

    Notes
    -----
    SE(best) = std_test_score[best] / sqrt(n_splits), with n_splits the number
    of ``split<i>_test_score`` keys. Candidates with a NaN score (failed fits),
    or whose grid does not set P, never win.

    References
    ----------
    .. [1] T. Hastie, R. Tibshirani and J. Friedman, "The Elements of
       Statistical Learning", 2nd ed., Springer, 2009, section 7.10 (the
       one-standard-error rule).

    Examples
    --------
    >>> import numpy as np
    >>> from sk_alrnn.model_selection import minimal_P_refit
    >>> cv_results = {
    ...     "param_P": np.array([0, 1, 2, 4]),
    ...     "mean_test_score": np.array([0.50, 0.88, 0.90, 0.91]),
    ...     "std_test_score": np.array([0.02, 0.04, 0.02, 0.06]),
    ...     "split0_test_score": np.zeros(4), "split1_test_score": np.zeros(4),
    ...     "split2_test_score": np.zeros(4), "split3_test_score": np.zeros(4),
    ... }
    >>> minimal_P_refit(cv_results)  # best 0.91, SE 0.03: P=1 scores 0.88 >= 0.88
    1
    """
    return one_se_index(cv_results, find_P_key(cv_results))


def find_P_key(cv_results: Mapping[str, Any], name: str = "P") -> str:
    """The ``param_*`` key of ``cv_results`` named ``name`` or ending in ``__name``."""
    keys = [
        k
        for k in cv_results
        if k == f"param_{name}" or (k.startswith("param_") and k.endswith(f"__{name}"))
    ]
    if len(keys) != 1:
        searched = [k[len("param_") :] for k in cv_results if k.startswith("param_")]
        raise ValueError(
            f"minimal_P_refit needs exactly one searched parameter named '{name}' or "
            f"'<step>__{name}'. Got the parameters {searched} instead."
        )
    return keys[0]


def standard_errors(cv_results: Mapping[str, Any]) -> np.ndarray:
    """std_test_score / sqrt(n_splits), n_splits counted from the split keys."""
    n_splits = sum(bool(_SPLIT_KEY.fullmatch(k)) for k in cv_results)
    if n_splits == 0 or "mean_test_score" not in cv_results:
        raise ValueError(
            "minimal_P_refit needs single-metric cv_results with 'mean_test_score', "
            "'std_test_score' and 'split<i>_test_score' keys. Got the keys "
            f"{sorted(cv_results)} instead."
        )
    return np.asarray(cv_results["std_test_score"], dtype=float) / np.sqrt(n_splits)


def _param_values(cv_results: Mapping[str, Any], key: str) -> np.ndarray:
    """The values of a (possibly masked) ``param_*`` column as floats, NaN where unset."""
    column = cv_results[key]
    mask = np.ma.getmaskarray(column)
    data = np.ma.getdata(column)
    return np.array([np.nan if m else float(v) for v, m in zip(data, mask)])


def one_se_index(cv_results: Mapping[str, Any], key: str) -> int:
    """Smallest value of ``key`` within one SE of the best mean score (see minimal_P_refit)."""
    sem = standard_errors(cv_results)
    mean = np.asarray(cv_results["mean_test_score"], dtype=float)
    P = _param_values(cv_results, key)
    candidates = np.where(np.isfinite(P), mean, np.nan)
    if not np.isfinite(candidates).any():
        raise ValueError(f"No candidate has both a finite mean_test_score and a value of {key}.")
    best = best_index(candidates)
    return select_minimal_P(P, mean, margin=float(np.nan_to_num(sem[best])))
