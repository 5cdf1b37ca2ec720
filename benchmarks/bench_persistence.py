"""Safe model files: size, save/load time and round-trip identity, vs joblib.

Not a test: run by hand, e.g.::

    PYTHONPATH=. python benchmarks/bench_persistence.py --threads 1

For each configuration a model is fit once (few epochs: the weights' values do
not matter here), then saved and loaded ``--repeats`` times with ``est.save`` /
``sk_alrnn.load`` and with ``joblib.dump`` / ``joblib.load``; times are medians.
"identical" checks predict, predict_proba (classifier), regimes_ and
linearize() bit for bit after the safe round trip.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import joblib
import numpy as np
import torch

import sk_alrnn
from sk_alrnn import ALRNNClassifier, ALRNNRegressor

CONFIGS = [  # (estimator, M, P, epochs)
    ("classifier", 8, 2, 5),
    ("regressor", 8, 2, 5),
    ("classifier", 64, 8, 5),
    ("regressor", 256, 16, 5),
    ("classifier", 16, 2, 100),
]


def _fit(kind: str, M: int, P: int, epochs: int):
    rng = np.random.RandomState(0)
    X = rng.randn(60, 12, 2)
    score = X[:, :, 0].sum(axis=1)
    if kind == "classifier":
        est = ALRNNClassifier(M=M, P=P, max_epochs=epochs, random_state=0)
        return est.fit(X, np.where(score > 0, "up", "down")), X
    return ALRNNRegressor(M=M, P=P, max_epochs=epochs, random_state=0).fit(X, score), X


def _identical(a, b, X) -> bool:
    same = np.array_equal(a.predict(X), b.predict(X))
    if hasattr(a, "predict_proba"):
        same &= np.array_equal(a.predict_proba(X), b.predict_proba(X))
    same &= all(
        np.array_equal(getattr(a.regimes_, f), getattr(b.regimes_, f))
        for f in ("codes", "counts", "transitions")
    )
    la, lb = a.linearize(), b.linearize()
    return bool(
        same
        and all(
            np.array_equal(getattr(la, n), getattr(lb, n)) for n in ("a", "W", "C", "h", "B", "b")
        )
    )


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        "| estimator | M | P | epochs | safetensors bytes | joblib bytes | save ms | load ms "
        "| joblib dump ms | joblib load ms | identical |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        safe, pickled = (
            os.path.join(tmp, "m.safetensors"),
            os.path.join(tmp, "m.joblib"),
        )
        for kind, M, P, epochs in CONFIGS:
            est, X = _fit(kind, M, P, epochs)
            save = _median_time(lambda est=est: est.save(safe), args.repeats)
            load = _median_time(lambda: sk_alrnn.load(safe), args.repeats)
            dump = _median_time(lambda est=est: joblib.dump(est, pickled), args.repeats)
            jload = _median_time(lambda: joblib.load(pickled), args.repeats)
            same = _identical(est, sk_alrnn.load(safe), X)
            print(
                f"| {kind} | {M} | {P} | {epochs} | {os.path.getsize(safe)} | "
                f"{os.path.getsize(pickled)} | {1e3 * save:.1f} | {1e3 * load:.1f} | "
                f"{1e3 * dump:.1f} | {1e3 * jload:.1f} | {same} |"
            )


if __name__ == "__main__":
    main()
