"""SCAN as per-step classification: loading, the encoding's round trip, exact-match scoring."""

from pathlib import Path

import numpy as np
import pytest

from sk_alrnn import ALRNNClassifier
from sk_alrnn.datasets import decode_scan, encode_scan, generate_scan, load_scan
from sk_alrnn.metrics import exact_match_score, make_exact_match_scorer

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "scan"
needs_scan = pytest.mark.skipif(not SHARED.exists(), reason=f"{SHARED} is not there")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A scan folder with the first 40 training and 20 test pairs of the simple split."""
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not there")
    folder = tmp_path_factory.mktemp("scan")
    for part, n in (("train", 40), ("test", 20)):
        lines = (SHARED / f"tasks_{part}_simple.txt").read_text().splitlines()[:n]
        (folder / f"tasks_{part}_simple.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_encoding_by_hand():
    X, y, w = encode_scan(["walk left", "look"], ["I_TURN_LEFT I_WALK", "I_LOOK"])
    expected = np.zeros((5, 14), np.float32)
    expected[0, 12] = expected[1, 4] = expected[2, 13] = 1.0  # walk, left, <go>
    np.testing.assert_array_equal(X[0], expected)
    assert y[0].tolist() == ["<pad>", "<pad>", "I_TURN_LEFT", "I_WALK", "<end>"]
    assert w[0].tolist() == [0, 0, 1, 1, 1] and w[1].tolist() == [0, 1, 1]


@needs_scan
def test_round_trip_on_a_whole_split():
    scan = load_scan(SHARED, "length", subset="test")
    assert len(scan.data) == 3920
    assert decode_scan(scan.target, scan.data) == scan.actions
    assert all(
        len(x) == len(t) == len(s) for x, t, s in zip(scan.data, scan.target, scan.sample_weight)
    )
    assert scan.action_vocabulary[-1] == "<end>" and len(scan.command_vocabulary) == 13


def test_loader_subsets_and_errors(small, tmp_path):
    train = load_scan(small)
    both = load_scan(small, subset=None)
    assert len(train.data) == 40 and len(both.data) == 60
    assert both.is_test.sum() == 20 and not both.is_test[:40].any()
    X, y = load_scan(small, subset="test", return_X_y=True)
    assert len(X) == len(y) == 20
    with pytest.raises(ValueError, match="tasks_train_length.txt"):
        load_scan(small, "length")
    with pytest.raises(ValueError, match="'split'"):
        load_scan(small, "jump")
    (tmp_path / "tasks_train_simple.txt").write_text("walk => I_WALK\n")
    with pytest.raises(ValueError, match="IN:"):
        load_scan(tmp_path)


def test_exact_match_by_hand():
    y_true = [np.array(["<pad>", "A", "B", "<end>"]), np.array(["<pad>", "A", "<end>"])]
    y_pred = [np.array(["A", "A", "B", "<end>"]), np.array(["<pad>", "B", "<end>"])]
    # Sequence 0 right on its counted steps, sequence 1 wrong at step 1.
    assert exact_match_score(y_true, y_pred, ignore_label="<pad>") == 0.5
    assert exact_match_score(y_true, y_pred) == 0.0  # step 0 of sequence 0 now counts
    weights = [np.array([0, 1, 1, 1]), np.array([0, 0, 1])]
    assert exact_match_score(y_true, y_pred, sample_weight=weights) == 1.0
    with pytest.raises(ValueError, match="lengths"):
        exact_match_score(y_true, [y_pred[0]])


def test_classifier_learns_the_encoding_and_scorers_agree(small):
    scan = load_scan(small)
    clf = ALRNNClassifier(M=8, P=2, max_epochs=2, random_state=0)
    clf.fit(scan.data, scan.target, sample_weight=scan.sample_weight)
    y_pred = clf.predict(scan.data)
    counted = np.concatenate(scan.sample_weight) > 0
    right = np.concatenate(y_pred) == np.concatenate(scan.target)
    # Per-step accuracy over the action steps only, and exact match, both by hand.
    step_acc = clf.score(scan.data, scan.target, sample_weight=scan.sample_weight)
    assert step_acc == pytest.approx(right[counted].mean())
    exact = [
        (p[w > 0] == t[w > 0]).all() for p, t, w in zip(y_pred, scan.target, scan.sample_weight)
    ]
    by_hand = np.mean(exact)
    scorer = make_exact_match_scorer(ignore_label="<pad>")
    assert scorer(clf, scan.data, scan.target) == pytest.approx(by_hand)
    # Causal model: a longer zero tail (free decoding) changes none of the scored steps,
    # so decoding up to the first <end> gives the strings the exact match scores.
    long_X = encode_scan(scan.commands, n_action_steps=49)
    long_pred = clf.predict(long_X)
    for short, long in zip(y_pred, long_pred):
        np.testing.assert_array_equal(long[: len(short)], short)
    decoded = decode_scan(long_pred, long_X)
    assert [d == a for d, a in zip(decoded, scan.actions)] == exact


def test_feedback_encoding_and_greedy_generation_by_hand():
    commands, actions = ["walk twice", "turn left"], ["I_WALK I_WALK", "I_TURN_LEFT"]
    X, y, _ = encode_scan(commands, actions, feedback=True)
    assert X[0].shape == (5, 20)
    # Step 3 (second action step) carries the previous action I_WALK (column 14 + 5).
    assert X[0][3, 19] == 1.0 and X[0][3].sum() == 1.0 and X[0][2, 14:].sum() == 0.0
    assert X[0][4, 19] == 1.0  # before <end>: the second I_WALK

    prefix = {x[: len(c.split()) + 1].tobytes(): i for i, (x, c) in enumerate(zip(X, commands))}

    class Oracle:
        """Predicts the true next action, after checking the fed-back prefix."""

        def predict(self, Xs):
            out = []
            for x in Xs:
                i = next(i for key, i in prefix.items() if x.tobytes().startswith(key))
                np.testing.assert_array_equal(x, X[i][: len(x)])
                out.append(y[i][: len(x)])
            return out

    assert generate_scan(Oracle(), commands) == actions
