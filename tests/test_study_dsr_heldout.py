"""The held-out reconstruction benchmark (benchmarks/study_dsr_heldout.py): its helpers, and
the whole harness on one small system with the cheap methods (slow; needs dysts)."""

import importlib.util
import json
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "study_dsr_heldout.py"
_SPEC = importlib.util.spec_from_file_location("study_dsr_heldout", _PATH)
study = importlib.util.module_from_spec(_SPEC)
sys.modules[_SPEC.name] = study  # its dataclasses look their module up there
_SPEC.loader.exec_module(study)


def test_standardise_uses_the_training_statistics():
    train = np.array([[1.0, 10.0], [3.0, 10.0]])  # mean (2, 10), sd (1, 0 -> 1)
    test = np.array([[4.0, 12.0]])
    got_train, got_test = study.standardise(train, test)
    np.testing.assert_allclose(got_train, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(got_test, [[2.0, 2.0]])


def _record(dstsp=1.0, dh=0.1, fixed_point=False):
    return {"dstsp": dstsp, "dh": dh, "fixed_point": fixed_point}


@pytest.mark.parametrize(
    "record, ok",
    [
        (_record(), True),
        (_record(dstsp=3.5), True),  # floor 0.5 + 3
        (_record(dstsp=3.6), False),
        (_record(dh=0.16), False),
        (_record(fixed_point=True), False),
        (_record(dstsp=float("inf")), False),
    ],
)
def test_success_criterion(record, ok):
    assert study.success(record, floor_dstsp=0.5) is ok


def test_fixed_point_detection():
    t = np.linspace(0, 20, 500)
    assert study.is_fixed_point(np.c_[np.full(500, 0.3), 0.01 * np.sin(t)])
    assert not study.is_fixed_point(np.c_[np.full(500, 0.3), np.sin(t)])
    assert not study.is_fixed_point(np.full((500, 2), np.nan))  # diverged, not a fixed point


def test_lyap_error_is_relative_to_the_data_estimate():
    assert study.lyap_error({"lyap": 0.012, "lyap_data": 0.010}) == pytest.approx(0.2)
    assert study.lyap_error({"lyap": None, "lyap_data": 0.010}) is None
    assert study.lyap_error({"lyap": float("inf"), "lyap_data": 0.010}) is None


def test_var_recovers_a_linear_system_and_forecasts_it():
    A = np.array([[0.9, -0.2], [0.2, 0.9]])
    c = np.array([0.1, -0.05])
    X = np.empty((200, 2))
    X[0] = [1.0, 0.0]
    for t in range(1, 200):
        X[t] = X[t - 1] @ A + c
    data = SimpleNamespace(train=X)
    fitted = study.fit_var(data, seed=0, args=None)
    want = X[0]
    for _ in range(5):
        want = want @ A + c
    np.testing.assert_allclose(fitted.predict_n(X, 5)[0], want, atol=1e-8)
    np.testing.assert_allclose(fitted.run(X, 3), X[1:4], atol=1e-8)


def test_report_medians_and_success_from_records(tmp_path):
    base = {"N": 3, "params": {}, "lyap_true": 0.01, "lyap_data": 0.01, "settings": {}}
    rows = [
        {**base, "system": "Lorenz", "method": "floor", "seed": 0, "dstsp": 0.3, "dh": 0.04,
         "pe20": None, "fixed_point": False, "diverged": False, "lyap": 0.011, "cpu_fit": 0.0,
         "regions": None},
        {**base, "system": "Lorenz", "method": "var", "seed": 0, "dstsp": 14.0, "dh": 0.6,
         "pe20": 1.8, "fixed_point": True, "diverged": False, "lyap": None, "cpu_fit": 0.1,
         "regions": None},
        {**base, "system": "Lorenz", "method": "var", "seed": 1, "dstsp": 2.0, "dh": 0.1,
         "pe20": 1.0, "fixed_point": False, "diverged": False, "lyap": 0.02, "cpu_fit": 0.3,
         "regions": None},
    ]  # fmt: skip
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    text = study.report(str(path))
    var_row = next(line for line in text.splitlines() if line.startswith("| var |"))
    # medians over the two seeds: D_stsp 8.00, D_H 0.350, PE 1.4, error 1.00 (one finite),
    # one fixed point, none diverged, 1/2 successes, no regions, CPU 0.2
    assert "| 8.00 | 0.350 | 1.4 | 1.00 | 1 / 0 | 1/2 | - | 0.2 |" in var_row


@pytest.mark.slow
def test_harness_end_to_end_with_the_cheap_methods(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dysts warns when numba is missing
        pytest.importorskip("dysts")
    out = tmp_path / "bench.jsonl"
    argv = ["--systems", "Rossler", "--methods", "floor", "var", "--seeds", "0", "1"]
    argv += ["--n-train", "3000", "--n-test", "3000", "--out", str(out)]
    study.main(argv)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    # the floor once (it has no seed), the VAR per seed
    assert [(r["method"], r["seed"]) for r in records] == [("floor", 0), ("var", 0), ("var", 1)]
    floor, var = records[0], records[1]
    assert floor["dstsp"] < 2.0 and floor["dh"] < 0.15 and not floor["fixed_point"]
    assert floor["lyap"] > 0 and var["pe20"] > 0
    # a linear model of a chaotic flow decays to a point or spirals away: never a success
    assert not study.success(var, floor["dstsp"])
    # re-running re-runs; --resume skips what is there
    study.main(argv)
    assert len(out.read_text().splitlines()) == 6
    study.main([*argv, "--resume"])
    assert len(out.read_text().splitlines()) == 6
    assert "| floor |" in study.report(str(out))


def test_variants_are_labelled_and_listed_after_their_method():
    assert study._label("alrnn", None) == "alrnn"
    assert study._label("alrnn", "100 epochs") == "alrnn (100 epochs)"
    records = [{"method": m} for m in ("alrnn (b)", "esn", "alrnn", "floor", "alrnn (a)")]
    assert study._ordered_methods(records) == ["floor", "esn", "alrnn", "alrnn (a)", "alrnn (b)"]
