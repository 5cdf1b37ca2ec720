"""Tests of sk_alrnn.datasets.load_neurogym; run in the neurogym environment (make test-neurogym).

neurogym pins numpy==2.2.*, so it is absent from the main environment: these tests skip there.
"""

import random
import subprocess
import sys

import numpy as np
import pytest

from sk_alrnn.datasets import YANG19_TASKS, load_neurogym


def test_missing_extra_raises_clear_import_error():
    code = (
        "import sys; sys.modules['neurogym'] = None\n"
        "from sk_alrnn.datasets import load_neurogym\n"
        "try:\n    load_neurogym(['go'], 1)\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "sk_alrnn[neurogym]" in out.stdout


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"tasks": ["go", "nope"], "n_per_task": 1}, "'tasks' parameter"),
        ({"tasks": [], "n_per_task": 1}, "'tasks' parameter"),
        ({"tasks": ["go", "go"], "n_per_task": 1}, "twice"),
        ({"tasks": ["go"], "n_per_task": 0}, "'n_per_task' parameter"),
        ({"tasks": ["go"], "n_per_task": 1, "dt": 0}, "'dt' parameter"),
    ],
)
def test_bad_arguments_raise_before_import(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_neurogym(**kwargs)


@pytest.fixture
def neurogym():
    return pytest.importorskip("neurogym")


needs_neurogym = pytest.mark.usefixtures("neurogym")


@needs_neurogym
def test_shapes_labels_and_rule_input():
    tasks = ["go", "dm1", "dms"]
    X, y, task = load_neurogym(tasks, 6, return_task=True, random_state=0)
    assert len(X) == len(y) == len(task) == 18
    assert task.tolist() == ["go"] * 6 + ["dm1"] * 6 + ["dms"] * 6
    for x, t, name in zip(X, y, task):
        assert x.ndim == 2 and x.shape == (len(t), 33 + 3)
        assert t.dtype == np.int64 and set(np.unique(t)) <= set(range(17))
        assert t[0] == 0  # every trial starts with fixation
        rule = np.zeros(3)
        rule[tasks.index(name)] = 1
        np.testing.assert_array_equal(x[:, 33:], np.broadcast_to(rule, (len(x), 3)))
    X2, _y2 = load_neurogym(tasks, 6, rule_input=False, random_state=0)
    assert all(a.shape[1] == 33 for a in X2)
    np.testing.assert_array_equal(X2[7], X[7][:, :33])


@needs_neurogym
def test_bunch_has_decision_periods():
    data = load_neurogym(["dm1", "dms"], 4, return_X_y=False, random_state=0)
    assert data.task_names == ["dm1", "dms"] and data.task.tolist() == ["dm1"] * 4 + ["dms"] * 4
    for t, mask in zip(data.target, data.decision):
        assert mask.shape == t.shape and mask.dtype == bool
        assert mask[-1] and not mask[0]  # trials end in their decision period
        # a response other than fixation only happens in the decision period
        assert not t[~mask].any()
    assert "dm1, dms" in data.DESCR


@needs_neurogym
def test_deterministic_under_a_seed():
    X1, y1 = load_neurogym(["anti", "ctxdm1"], 5, random_state=1)
    X2, y2 = load_neurogym(["anti", "ctxdm1"], 5, random_state=1)
    X3, _ = load_neurogym(["anti", "ctxdm1"], 5, random_state=2)
    assert all((a == b).all() for a, b in zip(X1, X2))
    assert all((a == b).all() for a, b in zip(y1, y2))
    assert any(a.shape != b.shape or not (a == b).all() for a, b in zip(X1, X3))


@needs_neurogym
@pytest.mark.parametrize("name", ["dm1", "dms", "dnmc", "dlydm2"])
def test_no_duplicated_trials(name):
    X, _ = load_neurogym([name], 60, rule_input=False, random_state=0)
    assert len({x.tobytes() for x in X}) == len(X)
    # ScheduleEnvs.seed would give both modalities the same noise: trials in pairs
    # that differ only in which ring carries the stimulus. Fold the rings together.
    folded = {(x[:, 1:17] + x[:, 17:33]).round(6).tobytes() for x in X}
    assert len(folded) == len(X)


@needs_neurogym
def test_reaching_tasks_are_not_paired_across_modalities():
    # go has no input noise, only 32 distinct trials; with a shared seed, consecutive
    # trials would repeat each target direction.
    _, y = load_neurogym(["go"], 40, random_state=0)
    targets = np.array([t[-1] for t in y])
    assert (targets[0::2] != targets[1::2]).mean() > 0.5


@needs_neurogym
def test_global_rng_untouched():
    np.random.seed(7)
    random.seed(7)
    expected_np, expected_py = np.random.rand(3), random.random()
    np.random.seed(7)
    random.seed(7)
    load_neurogym(["go", "dms"], 3, random_state=0)
    load_neurogym(["dm2"], 3)
    np.testing.assert_array_equal(np.random.rand(3), expected_np)
    assert random.random() == expected_py


@needs_neurogym
def test_every_task_has_the_documented_layout():
    X, y = load_neurogym(list(YANG19_TASKS), 1, random_state=0)
    assert all(x.shape[1] == 33 + len(YANG19_TASKS) for x in X)
    assert all(t.max() <= 16 for t in y)


@pytest.mark.slow
@needs_neurogym
def test_one_alrnn_learns_a_task_mix_per_step():
    """End to end: a mix of three Yang19 tasks, per-step labels, decision steps weighted."""
    from sk_alrnn import ALRNNClassifier
    from sk_alrnn.analysis import task_regime_sharing

    tasks = ["go", "dm1", "dms"]
    train = load_neurogym(tasks, 80, return_X_y=False, random_state=0)
    test = load_neurogym(tasks, 40, return_X_y=False, random_state=1)
    weight = [np.where(mask, 5.0, 1.0) for mask in train.decision]
    clf = ALRNNClassifier(M=16, P=4, max_epochs=60, lr=1e-2, random_state=0)
    clf.fit(train.data, train.target, sample_weight=weight)
    pred = clf.predict(test.data)
    assert [p.shape for p in pred] == [t.shape for t in test.target]

    def decision_accuracy(name):
        members = np.flatnonzero(test.task == name)
        return np.mean(
            np.concatenate([(pred[i] == test.target[i])[test.decision[i]] for i in members])
        )

    # chance on a decision step is ~1/17 for go, 1/2 for dm1 and dms (measured: 1.0, 0.58, 0.84)
    assert decision_accuracy("go") > 0.9
    assert decision_accuracy("dms") > 0.65
    assert clf.score(test.data, test.target) > 0.85  # always "fixate" scores 0.79
    sharing = task_regime_sharing(clf, test.task, X=test.data)
    assert sharing.occupancy.shape == (3, len(sharing.codes))
    assert sharing.codes.shape[1] == 4 and 0 <= sharing.mean_sharing <= 1
