"""Tests of sk_alrnn.model_selection: the one-standard-error rule over P."""

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sk_alrnn.model_selection import PSweepResult, minimal_P_refit, select_minimal_P, sweep_P


class LeadingFeaturesRidge(RegressorMixin, BaseEstimator):
    """Ridge on the first P features: P is the model complexity. Fakes ``regimes_``."""

    def __init__(self, P=1, alpha=1e-3):
        self.P = P
        self.alpha = alpha

    def fit(self, X, y):
        self.ridge_ = Ridge(alpha=self.alpha).fit(X[:, : self.P], y)
        self.regimes_ = SimpleNamespace(n_regimes=2**self.P)
        return self

    def predict(self, X):
        return self.ridge_.predict(X[:, : self.P])


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 5))
    y = 2 * X[:, 0] + X[:, 1] + 0.01 * X[:, 2] + 0.1 * rng.normal(size=120)
    return X, y


def _cv_results(mean, std, n_splits=4, **params):
    """A hand-made cv_results_ dict."""
    results = {f"param_{k}": np.asarray(v) for k, v in params.items()}
    results["mean_test_score"] = np.asarray(mean, dtype=float)
    results["std_test_score"] = np.asarray(std, dtype=float)
    for i in range(n_splits):
        results[f"split{i}_test_score"] = np.zeros(len(mean))
    return results


@pytest.mark.parametrize(
    "cv_results, expected",
    [
        # best 0.91, SE = 0.06 / 2 = 0.03: P=1 (0.88) is within
        (_cv_results([0.5, 0.88, 0.9, 0.91], [0.02, 0.04, 0.02, 0.06], P=[0, 1, 2, 4]), 1),
        # the SE shrinks with n_splits: threshold 0.88 with 4 splits, 0.85 with 1
        (_cv_results([0.5, 0.86, 0.9, 0.91], [0.02, 0.02, 0.02, 0.06], P=[0, 1, 2, 4]), 2),
        (_cv_results([0.5, 0.86, 0.9, 0.91], [0.02, 0.02, 0.02, 0.06], 1, P=[0, 1, 2, 4]), 1),
        # unordered P values; the best itself when nothing else is close
        (_cv_results([0.7, 0.99, 0.5], [0.0, 0.0, 0.0], P=[8, 2, 0]), 1),
        # other searched parameters: smallest P within 1 SE, ties to the higher score
        (
            _cv_results(
                [0.80, 0.89, 0.90, 0.91], [0.0] * 3 + [0.04], P=[1, 1, 2, 2], alpha=[1, 10, 1, 10]
            ),
            1,
        ),
        (_cv_results([0.90, 0.895, 0.91], [0.0, 0.0, 0.04], P=[1, 1, 2], alpha=[1, 10, 1]), 0),
        # a Pipeline step prefix, and a parameter that merely contains "P"
        (_cv_results([0.9, 0.8], [0.3, 0.0], alrnn__P=[3, 1], Pmax=[1, 1]), 1),
        # NaN scores (failed fits) are ignored
        (_cv_results([np.nan, 0.8, 0.9], [0.0, 0.0, 0.0], P=[0, 1, 2]), 2),
    ],
)
def test_minimal_P_refit_on_hand_made_results(cv_results, expected):
    assert minimal_P_refit(cv_results) == expected


def test_minimal_P_refit_ignores_candidates_without_P():
    results = _cv_results([0.99, 0.8, 0.9], [0.0, 0.0, 0.0], P=[0, 1, 2])
    results["param_P"] = np.ma.MaskedArray([0, 1, 2], mask=[True, False, False])
    assert minimal_P_refit(results) == 2


@pytest.mark.parametrize(
    "cv_results, match",
    [
        (_cv_results([0.9], [0.0], alpha=[1]), r"one searched parameter named 'P'.*\['alpha'\]"),
        (_cv_results([0.9], [0.0], a__P=[1], b__P=[1]), "exactly one searched parameter"),
        (_cv_results([0.9], [0.0], n_splits=0, P=[1]), "split<i>_test_score"),
        (
            {
                "param_P": np.array([1]),
                "mean_test_acc": np.array([1.0]),
                "split0_test_acc": np.array([1.0]),
            },
            "single-metric",
        ),
    ],
)
def test_minimal_P_refit_errors(cv_results, match):
    with pytest.raises(ValueError, match=match):
        minimal_P_refit(cv_results)


def test_minimal_P_refit_in_grid_search_with_other_params(data):
    X, y = data
    grid = {"P": [1, 2, 3, 5], "alpha": [1e-3, 1.0]}
    search = GridSearchCV(LeadingFeaturesRidge(), grid, cv=KFold(4), refit=minimal_P_refit)
    search.fit(X, y)
    assert search.best_params_["P"] == 2 and search.best_estimator_.P == 2


def test_sweep_P_picks_the_smallest_adequate_P(data):
    X, y = data
    result = sweep_P(LeadingFeaturesRidge(), X, y, P_values=[1, 2, 3, 4, 5], cv=KFold(4))
    assert isinstance(result, PSweepResult)
    assert result.minimal_P == 2 and result.best_P in (2, 3, 4, 5)
    assert result.search.best_params_ == {"P": 2}
    assert [row["P"] for row in result.table] == [1, 2, 3, 4, 5]
    assert set(result.table[0]) == {
        "P",
        "mean_score",
        "std_score",
        "sem_score",
        "mean_fit_time",
        "n_regimes",
    }
    row = result.table[1]
    assert row["sem_score"] == pytest.approx(row["std_score"] / 2)
    assert [r["n_regimes"] for r in result.table] == [None, 4, None, None, None]
    text = result.to_text().splitlines()
    assert len(text) == 6 and text[0].split()[:3] == ["P", "mean_score", "std_score"]
    assert "chosen" in text[2] and sum("best" in line for line in text[1:]) == 1
    end = text[0].index("mean_score") + len("mean_score")  # right-aligned column
    assert all(line[end - 1].isdigit() and line[end] == " " for line in text[1:])


def test_sweep_P_refit_all_counts_regimes_through_a_pipeline(data):
    X, y = data
    pipe = Pipeline([("scale", StandardScaler()), ("model", LeadingFeaturesRidge())])
    result = sweep_P(pipe, X, y, [1, 2, 4], cv=3, param_name="model__P", refit_all=True)
    assert result.minimal_P == 2 and result.param_name == "model__P"
    assert [r["n_regimes"] for r in result.table] == [2, 4, 16]
    assert "model__P" in result.search.best_params_


def test_sweep_P_scores_follow_scoring(data):
    X, y = data
    result = sweep_P(LeadingFeaturesRidge(), X, y, [1, 2], scoring="neg_mean_squared_error")
    assert all(row["mean_score"] < 0 for row in result.table) and result.minimal_P == 2


def test_sweep_P_plot_writes_a_png(data, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = data
    result = sweep_P(LeadingFeaturesRidge(), X, y, [1, 2, 3])
    ax = result.plot()
    assert ax.get_xlabel().startswith("P")
    path = tmp_path / "sweep.png"
    ax.figure.savefig(path)
    plt.close(ax.figure)
    assert path.stat().st_size > 0
    fig, ax = plt.subplots()
    assert result.plot(ax=ax) is ax
    plt.close(fig)


def test_model_selection_does_not_import_torch():
    code = "import sys, sk_alrnn.model_selection; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings(
    "ignore::UserWarning"
)  # "One or more of the test scores are non-finite"
def test_a_failed_candidate_never_wins(data):
    X, y = data
    result = sweep_P(Ridge(), X, y, [1.0, -1.0, 10.0], param_name="alpha")  # alpha=-1 fails
    failed = result.table[1]
    assert np.isnan(failed["mean_score"])
    assert result.best_P == 1.0 and result.minimal_P == 1.0
    assert result.search.best_params_ == {"alpha": 1.0}
    lines = result.to_text().splitlines()
    assert "failed" in lines[2] and "best" not in lines[2] and "chosen" not in lines[2]
    assert "best" in lines[1] and "chosen" in lines[1]


def test_select_minimal_P_picks_the_smallest_P_within_the_margin():
    assert select_minimal_P([0, 1, 2, 4], [0.5, 0.985, 0.99, np.nan], margin=0.01) == 1
    assert select_minimal_P([0, 1, 2], [0.5, 0.985, 0.99], margin=0.0) == 2
    assert select_minimal_P([4, 2, 2], [0.9, 0.8, 0.85], margin=0.1) == 2  # tie on P: higher
    with pytest.raises(ValueError, match="finite score"):
        select_minimal_P([0, 1], [np.nan, np.nan], margin=0.1)


def test_sweep_P_takes_cv_by_keyword_only(data):
    X, y = data
    with pytest.raises(TypeError, match="4 positional arguments but 5 were given"):
        sweep_P(LeadingFeaturesRidge(), X, y, [1, 2], 3)


def test_sweep_plot_has_integer_P_ticks(data):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sk_alrnn.plotting import plot_P_sweep

    X, y = data
    result = sweep_P(LeadingFeaturesRidge(), X, y, [1, 2, 4])
    ax = plot_P_sweep(result)
    ax.figure.canvas.draw()
    ticks = [tick for tick in ax.get_xticks() if 1 <= tick <= 4]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    plt.close(ax.figure)
