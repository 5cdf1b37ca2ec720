"""Cross-validate an estimator over P and tabulate the result."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from ._refit import best_index, one_se_index, standard_errors

__all__ = ["PSweepResult", "sweep_P"]


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
        The P with the highest finite mean score (a failed fit, scored NaN,
        never wins).
    minimal_P : int
        The smallest P within one standard error of the best (the refit one).
    search : GridSearchCV
        The fitted search; ``search.best_estimator_`` was refit with
        ``minimal_P`` on all the data.
    param_name : str
        The searched parameter name (``"P"`` or e.g. ``"alrnn__P"``).
    """

    table: list[dict[str, Any]]
    best_P: int
    minimal_P: int
    search: GridSearchCV
    param_name: str = "P"

    @classmethod
    def from_search(cls, search: Any, param_name: str = "P") -> PSweepResult:
        """The result of a fitted single-parameter search over P.

        Parameters
        ----------
        search : fitted GridSearchCV, ALRNNClassifierCV or ALRNNRegressorCV
            Anything with ``cv_results_``, ``best_index_`` (the chosen
            candidate) and ``best_estimator_``.
        param_name : str, default="P"
            The searched parameter.

        Returns
        -------
        result : PSweepResult
            ``n_regimes`` is filled in for the chosen row only.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import Ridge
        >>> from sklearn.model_selection import GridSearchCV
        >>> X = np.random.RandomState(0).normal(size=(40, 3))
        >>> search = GridSearchCV(Ridge(), {"alpha": [0.1, 100.0]}).fit(X, X[:, 0])
        >>> PSweepResult.from_search(search, param_name="alpha").best_P
        0.1
        """
        table = _table(search, param_name)
        chosen = search.best_index_
        table[chosen]["n_regimes"] = _n_regimes(search.best_estimator_)
        best = best_index([row["mean_score"] for row in table])
        return cls(table, table[best]["P"], table[chosen]["P"], search, param_name)

    def to_text(self) -> str:
        """The table as aligned text; the best and the chosen P are marked.

        Failed candidates (NaN scores) are marked "failed".

        Returns
        -------
        text : str
            A header line and one line per row.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import Ridge
        >>> X = np.random.RandomState(0).normal(size=(40, 3))
        >>> result = sweep_P(Ridge(), X, X[:, 0], [0.1, 100.0], param_name="alpha")
        >>> lines = result.to_text().splitlines()
        >>> lines[0].split()[:2], "chosen" in lines[1]
        (['P', 'mean_score'], True)
        """
        header = f"{'P':>4}  {'mean_score':>10}  {'std_score':>9}  {'sem_score':>9}  "
        header += f"{'fit_time_s':>10}  {'n_regimes':>9}  note"
        lines = [header]
        for row in self.table:
            n_reg = "-" if row["n_regimes"] is None else str(row["n_regimes"])
            marks = (("best", self.best_P), ("chosen", self.minimal_P))
            note = ", ".join(label for label, P in marks if row["P"] == P)
            if not np.isfinite(row["mean_score"]):
                note = "failed"
            line = (
                f"{row['P']:>4}  {row['mean_score']:>10.4f}  {row['std_score']:>9.4f}  "
                f"{row['sem_score']:>9.4f}  {row['mean_fit_time']:>10.3f}  {n_reg:>9}  {note}"
            )
            lines.append(line.rstrip())
        return "\n".join(lines)

    def plot(self, ax: Any | None = None) -> Any:
        """Plot mean score +- one standard error against P, marking the chosen P.

        Delegates to :func:`sk_alrnn.plotting.plot_P_sweep`.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None makes a new figure.

        Returns
        -------
        ax : matplotlib Axes
            The axes drawn on.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.linear_model import Ridge
        >>> X = np.random.RandomState(0).normal(size=(40, 3))
        >>> result = sweep_P(Ridge(), X, X[:, 0], [0.1, 100.0], param_name="alpha")
        >>> result.plot().get_ylabel()
        'cross-validated score'
        """
        from ..plotting import plot_P_sweep

        return plot_P_sweep(self, ax=ax)


def sweep_P(
    estimator: Any,
    X: Any,
    y: Any,
    P_values: Iterable[int],
    *,
    cv: Any = 3,
    scoring: Any = None,
    n_jobs: int | None = None,
    param_name: str = "P",
    verbose: int | bool = False,
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
        refit=partial(one_se_index, key=f"param_{param_name}"),
        verbose=int(verbose),
    ).fit(X, y)
    result = PSweepResult.from_search(search, param_name)
    if refit_all:
        for row in result.table:
            refit = clone(estimator).set_params(**{param_name: row["P"]}).fit(X, y)
            row["n_regimes"] = _n_regimes(refit)
    return result


def _table(search: GridSearchCV, param_name: str) -> list[dict[str, Any]]:
    """One row per candidate of a fitted single-parameter search."""
    res = search.cv_results_
    sem = standard_errors(res)
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


def _n_regimes(estimator: Any) -> int | None:
    """``regimes_.n_regimes`` of the (final step of the) estimator, or None."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    regimes = getattr(final, "regimes_", None)
    return None if regimes is None else int(regimes.n_regimes)
