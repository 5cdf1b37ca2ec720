"""Tests of the shared-regime analysis (analysis._sharing) on hand-built regime codes."""

import numpy as np
import pytest

from sk_alrnn.analysis import TaskRegimeSharing, task_regime_sharing


def _seq(*codes):
    """A (T, P) bool sequence from strings such as "01"."""
    return np.array([[c == "1" for c in code] for code in codes], dtype=bool)


@pytest.fixture
def three_tasks():
    """a and b share the motif 11 (half of each one's time); c lives alone in 00."""
    a = [_seq("11", "11", "10", "10")] * 3
    b = [_seq("11", "11", "01", "01")] * 2
    c = [_seq("00", "00", "00", "00")] * 4
    return a + b + c, ["a"] * 3 + ["b"] * 2 + ["c"] * 4


def test_occupancy_used_and_sharing_on_known_codes(three_tasks):
    codes, tasks = three_tasks
    result = task_regime_sharing(codes, tasks)
    assert isinstance(result, TaskRegimeSharing)
    assert result.tasks.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(result.occupancy.sum(axis=1), 1.0)
    regime = {"".join("1" if v else "0" for v in code): r for r, code in enumerate(result.codes)}
    assert result.occupancy[0, regime["11"]] == 0.5 and result.occupancy[1, regime["01"]] == 0.5
    assert result.occupancy[2, regime["00"]] == 1.0
    assert result.n_tasks_per_regime[regime["11"]] == 2
    assert result.n_steps.tolist() == [12, 8, 16]
    # a and b: each spends half its time in the shared regime 11
    expected = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(result.sharing, expected)
    assert result.mean_sharing == pytest.approx(1 / 6)
    assert sorted(result.regimes_of("a").tolist()) == sorted([regime["11"], regime["10"]])


def test_same_regimes_in_other_proportions_share_fully():
    a = [_seq("0", "0", "0", "1")]
    b = [_seq("1", "1", "1", "0")]
    result = task_regime_sharing(a + b, ["a", "b"])
    np.testing.assert_allclose(result.sharing, np.ones((2, 2)))


def test_visits_below_threshold_are_not_used():
    # b visits a's regime on 1 step of 100: with threshold 0.05 that is no sharing.
    a = [_seq(*["1"] * 20)]
    b = [_seq(*(["0"] * 99 + ["1"]))]
    loose = task_regime_sharing(a + b, ["a", "b"], threshold=0.01)
    strict = task_regime_sharing(a + b, ["a", "b"], threshold=0.05)
    assert loose.sharing[0, 1] == pytest.approx((1.0 + 0.01) / 2)
    assert strict.sharing[0, 1] == 0.0
    assert strict.sharing[1, 1] == pytest.approx(0.99)  # its rare visit is left out


def test_switch_rates_name_the_units_that_flip(three_tasks):
    codes, tasks = three_tasks
    result = task_regime_sharing(codes, tasks)
    # a: 11 11 10 10 -> unit 1 flips once in 3 steps; b: unit 0 flips once; c: never
    np.testing.assert_allclose(result.switch_rates, [[0, 1 / 3], [1 / 3, 0], [0, 0]])
    assert result.switching_units("a").tolist() == [1]
    assert result.switching_units("c").tolist() == []
    with pytest.raises(ValueError, match="Unknown task 'd'"):
        result.switching_units("d")


def test_cluster_order_puts_sharing_tasks_together():
    codes = [_seq("11", "10"), _seq("00", "00"), _seq("11", "01"), _seq("00", "01")]
    result = task_regime_sharing(codes, ["a", "x", "b", "y"])
    order = result.tasks[result.cluster_order()].tolist()
    position = {t: i for i, t in enumerate(order)}
    assert abs(position["x"] - position["y"]) == 1


def test_P0_has_one_shared_regime():
    codes = [np.zeros((5, 0), bool), np.zeros((3, 0), bool)]
    result = task_regime_sharing(codes, [1, 2])
    assert result.codes.shape == (1, 0)
    np.testing.assert_allclose(result.sharing, 1.0)
    assert result.switch_rates.shape == (2, 0)


def test_array_codes_and_a_fitted_estimator_duck_typed(three_tasks):
    codes, tasks = three_tasks
    from_array = task_regime_sharing(np.stack(codes), tasks)

    class Fitted:
        def regime_codes(self, X):
            return codes[: len(X)]

    from_model = task_regime_sharing(Fitted(), tasks, X=list(range(len(codes))))
    np.testing.assert_array_equal(from_array.occupancy, from_model.occupancy)
    with pytest.raises(ValueError, match="X is required"):
        task_regime_sharing(Fitted(), tasks)
    with pytest.raises(ValueError, match="X is only used"):
        task_regime_sharing(codes, tasks, X=codes)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tasks": ["a"]}, "one label per sequence"),
        ({"threshold": 0}, "threshold must be"),
    ],
)
def test_bad_arguments_are_refused_with_their_reason(three_tasks, kwargs, match):
    codes, tasks = three_tasks
    with pytest.raises(ValueError, match=match):
        task_regime_sharing(codes, **{"tasks": tasks, **kwargs})


def test_text_summary_lists_tasks_regimes_and_units(three_tasks):
    text = task_regime_sharing(*three_tasks).to_text()
    assert "3 tasks, P=2: 4 regimes visited" in text
    assert "1 shared by >= 2 tasks" in text
    lines = {line.split()[0]: line for line in text.splitlines()[2:5]}
    assert "2 regimes" in lines["a"] and "switching ReLU units: relu1" in lines["a"]
    assert "switching ReLU units: none" in lines["c"]
    assert "sharing (tasks clustered):" in text


def test_plot_heat_map_rows_are_clustered_tasks(three_tasks, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sk_alrnn.plotting import plot_task_regime_sharing

    result = task_regime_sharing(*three_tasks)
    ax = plot_task_regime_sharing(result)
    shown = ax.images[0].get_array()
    assert shown.shape == (3, 4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == result.tasks[result.cluster_order()].tolist()
    # the first column is the regime used by most tasks: the shared motif 11
    assert ax.get_xticklabels()[0].get_text() == f"R{int(np.argmax(result.n_tasks_per_regime))}"
    ax.figure.savefig(tmp_path / "sharing.png")
    assert (tmp_path / "sharing.png").stat().st_size > 0
    plt.close("all")
