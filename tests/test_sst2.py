"""SST-2 loading and token input: the loader, the vocabulary, token ids through the estimators."""

import importlib.util
from collections import Counter
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_alrnn import ALRNNClassifier, ALRNNRegressor, load
from sk_alrnn.datasets import load_sst2

SST2 = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sst2"
needs_sst2 = pytest.mark.skipif(
    not (SST2 / "train.tsv").exists(),
    reason=f"SST-2 files not found at {SST2} (../shared/data/sst2 beside the repository)",
)


# ---- the loader -----------------------------------------------------------------
def _small_copy(tmp_path, n_train=300, n_dev=40):
    """The first lines of the shared files, in a folder of their own."""
    folder = tmp_path / "sst2"
    folder.mkdir()
    for name, n in [("train.tsv", n_train), ("dev.tsv", n_dev), ("test.tsv", n_dev)]:
        lines = (SST2 / name).read_text(encoding="utf-8").splitlines()[: n + 1]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _rows(path):
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [(int(line.split("\t")[0]), line.split("\t")[1]) for line in lines]


@needs_sst2
def test_loader_reads_a_slice_with_its_vocabulary(tmp_path):
    folder = _small_copy(tmp_path)
    train = load_sst2(tmp_path)  # the folder holding sst2/
    rows = _rows(folder / "train.tsv")
    assert train.target.tolist() == [label for label, _ in rows]
    assert train.sentences == [text for _, text in rows]
    # Vocabulary by hand: padding 0, unknown 1, then by count (desc), ties alphabetical.
    counts = Counter(token for _, text in rows for token in text.split())
    ranked = sorted(counts, key=lambda token: (-counts[token], token))
    assert list(train.vocabulary) == ["<pad>", "<unk>", *ranked]
    assert list(train.vocabulary.values()) == list(range(len(ranked) + 2))
    assert train.n_tokens == len(ranked) + 2
    first = rows[0][1].split()
    assert train.data[0].tolist() == [train.vocabulary[token] for token in first]
    assert all(x.dtype == np.int64 and x.min() >= 2 for x in train.data)  # all known


@needs_sst2
def test_unknown_tokens_min_count_and_max_len(tmp_path):
    folder = _small_copy(tmp_path)
    train = load_sst2(folder, min_count=2)
    counts = Counter(token for _, text in _rows(folder / "train.tsv") for token in text.split())
    assert set(train.vocabulary) - {"<pad>", "<unk>"} == {t for t, n in counts.items() if n >= 2}
    dev = load_sst2(folder, split="dev", vocabulary=train.vocabulary, max_len=5)
    for ids, text in zip(dev.data, dev.sentences):
        expected = [train.vocabulary.get(token, 1) for token in text.split()[:5]]
        assert ids.tolist() == expected
    assert any((ids == 1).any() for ids in dev.data)  # dev has words the slice never saw
    X, y = load_sst2(folder, split="test", return_X_y=True)  # builds the same vocabulary
    test = load_sst2(folder, split="test", vocabulary=train.vocabulary, min_count=99)
    assert len(X) == len(y) == len(test.data) == 40


@needs_sst2
def test_loader_reads_the_environment_variable(tmp_path, monkeypatch):
    _small_copy(tmp_path, n_train=20, n_dev=5)
    monkeypatch.setenv("SK_ALRNN_DATA", str(tmp_path))
    assert len(load_sst2(split="dev").data) == 5


@needs_sst2
def test_shared_files_have_the_documented_sizes():
    train = load_sst2(SST2, min_count=1000)
    assert len(train.target) == 67349 and train.target.sum() == 37569  # label 1 = positive
    for split, n in [("dev", 872), ("test", 1821)]:
        assert len(load_sst2(SST2, split=split, vocabulary=train.vocabulary).target) == n


def test_loader_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("SK_ALRNN_DATA", raising=False)
    with pytest.raises(ValueError, match="SK_ALRNN_DATA"):
        load_sst2()
    with pytest.raises(ValueError, match="existing sst2"):
        load_sst2(tmp_path / "nowhere")
    (tmp_path / "train.tsv").write_text("label\tsentence\n1\tgood\n")
    with pytest.raises(ValueError, match="'split'"):
        load_sst2(tmp_path, split="validation")
    with pytest.raises(ValueError, match="hold dev.tsv"):
        load_sst2(tmp_path, split="dev")
    with pytest.raises(ValueError, match="'<unk>' to 1"):
        load_sst2(tmp_path, vocabulary={"<pad>": 0, "good": 1})
    (tmp_path / "train.tsv").write_text("label\tsentence\npositive\tgood\n")
    with pytest.raises(ValueError, match="label 0 or 1"):
        load_sst2(tmp_path)


# ---- token input through the estimators ------------------------------------------
N_TOKENS = 12  # 0 padding, 1 unknown, 2-5 positive, 6-9 negative, 10-11 neutral


@pytest.fixture
def token_task():
    rng = np.random.RandomState(0)
    X = [rng.randint(1, N_TOKENS, size=rng.randint(2, 9)) for _ in range(80)]
    score = [((x >= 2) & (x <= 5)).sum() - ((x >= 6) & (x <= 9)).sum() for x in X]
    return X, np.where(np.array(score) >= 0, "pos", "neg")


def _clf(**kwargs):
    params = dict(M=6, P=2, embedding=(N_TOKENS, 3), max_epochs=2, random_state=0)
    return ALRNNClassifier(**{**params, **kwargs})


def test_token_input_keeps_the_piecewise_affine_decomposition(token_task):
    X, y = token_task
    clf = _clf().fit(X, y)
    system, E = clf.linearize(), clf.embedding_
    assert system.C.shape == (6, 3) and E.shape == (N_TOKENS, 3)
    assert not E[0].any()  # the padding row stays zero through training
    assert clf.n_features_in_ == 1
    assert clf.regimes_.counts.sum() == sum(len(x) for x in X)
    # z_{t+1} = J(code_t) z_t + C E[token_{t+1}] + h: the input term is C on the embedded token.
    x = X[0]
    Z, codes = clf.latent_states([x])[0], clf.regime_codes([x])[0]
    for t in range(len(x) - 1):
        expected = system.jacobian(codes[t]) @ Z[t] + system.C @ E[x[t + 1]] + system.h
        np.testing.assert_allclose(Z[t + 1], expected, rtol=1e-5, atol=1e-5)


def test_int_float_list_and_array_token_input_agree(token_task):
    X, y = token_task
    clf = _clf().fit(X, y)
    equal = np.stack([x[:2] for x in X])  # (n, 2) ids: every step valid
    np.testing.assert_allclose(
        clf.predict_proba(equal), clf.predict_proba(equal.astype(np.float64)), rtol=1e-6
    )
    np.testing.assert_allclose(clf.predict_proba(equal), clf.predict_proba(list(equal)))
    # Padding inside the batch does not leak: a sequence predicts alike alone or padded.
    np.testing.assert_allclose(
        clf.predict_proba(X[:1]), clf.predict_proba(X[:5])[:1], rtol=1e-5, atol=1e-6
    )


def test_token_input_in_pipeline_gridsearch_save_load_and_joblib(token_task, tmp_path):
    X, y = token_task
    pipe = Pipeline([("ids", FunctionTransformer(lambda X: X)), ("alrnn", _clf())]).fit(X, y)
    assert set(pipe.predict(X)) <= {"neg", "pos"}
    search = GridSearchCV(_clf(), {"P": [0, 6]}, cv=2).fit(X, y)
    assert search.best_estimator_.embedding == (N_TOKENS, 3)
    clf = search.best_estimator_
    clf.save(tmp_path / "clf.safetensors")
    loaded = load(tmp_path / "clf.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.embedding_, clf.embedding_)
    assert tuple(loaded.get_params()["embedding"]) == (N_TOKENS, 3)
    joblib.dump(clf, tmp_path / "clf.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "clf.joblib").predict(X), clf.predict(X))


def test_bad_token_ids_are_refused_before_anything_changes(token_task):
    X, y = token_task
    clf = _clf().fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"whole numbers in \[0, n_tokens=12\)\. Got 12"):
        clf.fit(X[:-1] + [np.array([3, 12])], y)
    with pytest.raises(ValueError, match="Got 2.5"):
        clf.fit(X[:-1] + [np.array([2.5, 3.0])], y)
    with pytest.raises(ValueError, match="Got -1"):
        clf.predict([np.array([-1, 3])])
    with pytest.raises(ValueError, match="one token id per step"):
        _clf().fit(np.zeros((4, 3, 2)), [0, 1, 0, 1])
    np.testing.assert_array_equal(clf.predict_proba(X), before)


@pytest.mark.parametrize("embedding", [(1, 3), (12,), "big", (12, 0), (12.5, 3)])
def test_bad_embedding_parameter(token_task, embedding):
    X, y = token_task
    with pytest.raises(ValueError, match="embedding"):
        _clf(embedding=embedding).fit(X, y)


def test_no_embedding_means_numbers_and_no_table(sum_task):
    X, y = sum_task
    reg = ALRNNRegressor(M=4, P=1, max_epochs=1, random_state=0).fit(X, y)
    assert reg.embedding is None and reg.linearize().C.shape == (4, 2)
    with pytest.raises(AttributeError, match="without an embedding"):
        _ = reg.embedding_


def test_regressor_takes_token_input(token_task):
    X, _ = token_task
    target = np.array([len(x) for x in X], dtype=float)
    reg = ALRNNRegressor(M=4, P=1, embedding=(N_TOKENS, 2), max_epochs=2, random_state=0)
    assert reg.fit(X, target).predict(X).shape == (80,)


def test_baselines_take_the_same_embedding_front_end(token_task):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "baselines.py"
    spec = importlib.util.spec_from_file_location("baselines", path)
    baselines = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(baselines)
    X, y = token_task
    lstm = baselines.RNNBaselineClassifier(
        "lstm", match_M=6, embedding=(N_TOKENS, 3), max_epochs=1, random_state=0
    ).fit(X, y)
    # Matched on the recurrent part with F = dim; the table adds N_TOKENS * dim.
    H = baselines.matched_hidden_size("lstm", 6, 3, 2)
    assert lstm.hidden_size_ == H
    assert lstm.n_params_ == baselines.baseline_n_params("lstm", H, 3, 2) + N_TOKENS * 3
