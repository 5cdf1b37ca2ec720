"""Choose the amount of nonlinearity P: the smallest P within one standard error.

numpy and scikit-learn only; matplotlib is imported inside :meth:`PSweepResult.plot`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

__all__ = ["PSweepResult", "minimal_P_refit", "sweep_P"]

_SPLIT_KEY = re.compile(r"split\d+_test_score")


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

    Notes
    -----
    SE(best) = std_test_score[best] / sqrt(n_splits), with n_splits the number
    of ``split<i>_test_score`` keys. Candidates with a NaN score, or whose
    grid does not set P, are ignored.

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
    >>> int(minimal_P_refit(cv_results))  # best 0.91, SE 0.03: P=1 scores 0.88 >= 0.88
    1
    """
    return _one_se_index(cv_results, _find_P_key(cv_results))


def _find_P_key(cv_results: Mapping[str, Any], name: str = "P") -> str:
    """The ``param_*`` key of ``cv_results`` named ``name`` or ending in ``__name``."""
    keys = [
        k
        for k in cv_results
        if k == f"param_{name}" or (k.startswith("param_") and k.endswith(f"__{name}"))
    ]
    if len(keys) != 1:
        searched = [k[len("param_"):] for k in cv_results if k.startswith("param_")]
        raise ValueError(
            f"minimal_P_refit needs exactly one searched parameter named '{name}' or "
            f"'<step>__{name}'. Got the parameters {searched} instead."
        )
    return keys[0]


def _standard_errors(cv_results: Mapping[str, Any]) -> np.ndarray:
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


def _one_se_index(cv_results: Mapping[str, Any], key: str) -> int:
    """Smallest value of ``key`` within one SE of the best mean score (see minimal_P_refit)."""
    sem = _standard_errors(cv_results)
    mean = np.asarray(cv_results["mean_test_score"], dtype=float)
    P = _param_values(cv_results, key)
    valid = np.isfinite(mean) & np.isfinite(P)
    if not valid.any():
        raise ValueError(f"No candidate has both a finite mean_test_score and a value of {key}.")
    best = np.flatnonzero(valid)[np.argmax(mean[valid])]
    eligible = valid & (mean >= mean[best] - np.nan_to_num(sem[best]))
    smallest = eligible & (P == P[eligible].min())
    return int(np.flatnonzero(smallest)[np.argmax(mean[smallest])])


@dataclass
class PSweepResult:
    """Cross-validated scores of one estimator for several values of P.

    Attributes
    ----------
    table : list of dict
        One row per candidate, in the order searched, with keys ``P``,
        ``mean_score``, ``std_score``, ``sem_score`` (std / sqrt(n_splits)),
        ``mean_fit_time`` (seconds) and ``n_regimes`` (None where unknown).
        ``pandas.DataFrame(result.table)`` makes a frame of it.
    best_P : int
        The P with the highest mean score.
    minimal_P : int
        The smallest P within one standard error of the best (the refit one).
    search : GridSearchCV
        The fitted search; ``search.best_estimator_`` was refit with
        ``minimal_P`` on all the data.
    param_name : str
        The searched parameter name (``"P"`` or e.g. ``"alrnn__P"``).
    """

    table: List[Dict[str, Any]]
    best_P: int
    minimal_P: int
    search: GridSearchCV
    param_name: str = "P"

    def to_text(self) -> str:
        """The table as aligned text; the best and the chosen P are marked.

        Returns
        -------
        text : str
            A header line and one line per row.
        """
        header = f"{'P':>4}  {'mean_score':>10}  {'std_score':>9}  {'sem_score':>9}  "
        header += f"{'fit_time_s':>10}  {'n_regimes':>9}  note"
        lines = [header]
        for row in self.table:
            n_reg = "-" if row["n_regimes"] is None else str(row["n_regimes"])
            marks = (("best", self.best_P), ("chosen", self.minimal_P))
            note = ", ".join(label for label, P in marks if row["P"] == P)
            line = (
                f"{row['P']:>4}  {row['mean_score']:>10.4f}  {row['std_score']:>9.4f}  "
                f"{row['sem_score']:>9.4f}  {row['mean_fit_time']:>10.3f}  {n_reg:>9}  {note}"
            )
            lines.append(line.rstrip())
        return "\n".join(lines)

    def plot(self, ax: Optional[Any] = None) -> Any:
        """Plot mean score +- one standard error against P, marking the chosen P.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        P = [row["P"] for row in self.table]
        mean = np.array([row["mean_score"] for row in self.table])
        sem = np.array([row["sem_score"] for row in self.table])
        ax.errorbar(P, mean, yerr=sem, marker="o", capsize=3, label="mean CV score +- 1 SE")
        best = int(np.argmax(mean))
        ax.axhline(mean[best] - sem[best], color="gray", linestyle="--", label="best - 1 SE")
        ax.axvline(self.minimal_P, color="C3", linestyle=":", label=f"chosen P = {self.minimal_P}")
        ax.set_xlabel(f"{self.param_name} (number of ReLU units)")
        ax.set_ylabel("cross-validated score")
        ax.legend()
        return ax


def sweep_P(
    estimator: Any,
    X: Any,
    y: Any,
    P_values: Iterable[int],
    cv: Any = 3,
    scoring: Any = None,
    n_jobs: Optional[int] = None,
    param_name: str = "P",
    verbose: Union[int, bool] = False,
    refit_all: bool = False,
) -> PSweepResult:
    """Cross-validate an estimator over P and pick the smallest adequate P.

    Runs :class:`~sklearn.model_selection.GridSearchCV` over
    ``{param_name: P_values}`` with the one-standard-error rule of
    :func:`minimal_P_refit` as ``refit``.

    Parameters
    ----------
    estimator : estimator
        An ALRNNClassifier / ALRNNRegressor, a Pipeline containing one, or any
        scikit-learn estimator with a parameter ``param_name``.
    X, y : array-like or list
        Data as accepted by ``estimator.fit``.
    P_values : iterable of int
        Values of P to try.
    cv : int, cross-validation generator or iterable, default=3
        As in GridSearchCV.
    scoring : str or callable, default=None
        A single metric, as in GridSearchCV; None uses ``estimator.score``.
    n_jobs : int, default=None
        Parallel jobs, as in GridSearchCV.
    param_name : str, default="P"
        Name of the parameter to sweep, e.g. ``"alrnn__P"`` in a Pipeline.
    verbose : int or bool, default=False
        Verbosity of GridSearchCV.
    refit_all : bool, default=False
        If True, also refit a clone for every P on all of (X, y) to read its
        ``regimes_.n_regimes`` (one extra fit per P). If False only the
        chosen P's row has ``n_regimes`` (from ``search.best_estimator_``).

    Returns
    -------
    result : PSweepResult
        ``table``, ``best_P``, ``minimal_P``, ``search``, ``to_text()``, ``plot()``.

    See Also
    --------
    minimal_P_refit : The selection rule.

    Notes
    -----
    ``n_regimes`` is read from ``<final estimator>.regimes_.n_regimes`` and is
    None for estimators without ``regimes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sk_alrnn.model_selection import sweep_P
    >>> X = np.random.RandomState(0).normal(size=(60, 3))
    >>> y = X[:, 0] + 0.1 * X[:, 1]
    >>> result = sweep_P(Ridge(), X, y, P_values=[1.0, 10.0, 100.0], param_name="alpha")
    >>> result.minimal_P in (1.0, 10.0, 100.0), len(result.table)
    (True, 3)
    """
    P_values = list(P_values)
    search = GridSearchCV(
        estimator,
        {param_name: P_values},
        cv=cv,
        scoring=scoring,
        n_jobs=n_jobs,
        refit=partial(_one_se_index, key=f"param_{param_name}"),
        verbose=int(verbose),
    ).fit(X, y)
    table = _table(search, param_name)
    chosen = search.best_index_
    table[chosen]["n_regimes"] = _n_regimes(search.best_estimator_)
    if refit_all:
        for row in table:
            refit = clone(estimator).set_params(**{param_name: row["P"]}).fit(X, y)
            row["n_regimes"] = _n_regimes(refit)
    best = int(np.argmax([row["mean_score"] for row in table]))
    return PSweepResult(table, table[best]["P"], table[chosen]["P"], search, param_name)


def _table(search: GridSearchCV, param_name: str) -> List[Dict[str, Any]]:
    """One row per candidate of a fitted single-parameter search."""
    res = search.cv_results_
    sem = _standard_errors(res)
    return [
        {
            "P": params[param_name],
            "mean_score": float(res["mean_test_score"][i]),
            "std_score": float(res["std_test_score"][i]),
            "sem_score": float(sem[i]),
            "mean_fit_time": float(res["mean_fit_time"][i]),
            "n_regimes": None,
        }
        for i, params in enumerate(res["params"])
    ]


def _n_regimes(estimator: Any) -> Optional[int]:
    """``regimes_.n_regimes`` of the (final step of the) estimator, or None."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    regimes = getattr(final, "regimes_", None)
    return None if regimes is None else int(regimes.n_regimes)
