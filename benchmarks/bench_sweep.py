"""Sweep over P: ALRNNClassifierCV (one batched fit) vs GridSearchCV(ALRNNClassifier).

Not a test: run by hand, e.g.::

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/bench_sweep.py --epochs 4

For each (n, T, M) the three searches see the same data, Ps, cv folds,
epochs, batch size, lr and random_state, and all refit the chosen P on all
data with the one-standard-error rule (GridSearchCV gets ``minimal_P_refit``
as ``refit``).  They run one after another in one process (GridSearchCV with
``n_jobs=2`` in two loky workers of one thread each, started by an untimed
warm-up); the wall time of each whole ``fit`` is the median over ``--repeats``
rounds.  Besides the times, the chosen P and the mean CV score of every P are
printed for both, to show the batched engine estimates what GridSearchCV
estimates.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
from sklearn.model_selection import GridSearchCV

from sk_alrnn import ALRNNClassifier, ALRNNClassifierCV
from sk_alrnn.model_selection import minimal_P_refit

SIZES = [(1000, 20, 16), (1000, 100, 32), (500, 200, 64)]


def make_data(n, T, F=4, seed=0):
    """Two classes: the sign of a slow drift in the first feature (as bench_fit.py)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, T, F)).astype(np.float32)
    X[:, :, 0] += np.where(y, 0.2, -0.2)[:, None] * np.linspace(0, 1, T)
    return X, y


def searches(M, args):
    common = {
        "max_epochs": args.epochs,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "random_state": 0,
    }
    Ps = tuple(args.Ps)
    plain = ALRNNClassifier(M=M, **common)
    return {
        "ALRNNClassifierCV": ALRNNClassifierCV(Ps=Ps, M=M, cv=args.cv, **common),
        "GridSearchCV n_jobs=1": GridSearchCV(
            plain, {"P": list(Ps)}, cv=args.cv, refit=minimal_P_refit, n_jobs=1
        ),
        "GridSearchCV n_jobs=2": GridSearchCV(
            plain, {"P": list(Ps)}, cv=args.cv, refit=minimal_P_refit, n_jobs=2
        ),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--Ps", type=int, nargs="+", default=[0, 1, 2, 4, 8])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--sizes", default=None, help="e.g. '1000,20,16;500,200,64'")
    parser.add_argument("--json", default=None, help="append one JSON line per size here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    sizes = (
        SIZES
        if args.sizes is None
        else [tuple(map(int, s.split(","))) for s in args.sizes.split(";")]
    )
    print(
        f"torch {torch.__version__}, 1 thread per process, epochs={args.epochs}, "
        f"batch_size={args.batch_size}, Ps={args.Ps}, cv={args.cv}, "
        f"median of {args.repeats} fits, seconds"
    )
    # Untimed warm-up: torch's first calls and the two loky workers' start-up
    # (the workers are reused by every later GridSearchCV(n_jobs=2)).
    X_small, y_small = make_data(60, 5)
    for search in searches(8, argparse.Namespace(**{**vars(args), "epochs": 1})).values():
        search.fit(X_small, y_small)
    for n, T, M in sizes:
        X, y = make_data(n, T)
        times, fitted = {}, {}
        for _ in range(args.repeats):
            for name, search in searches(M, args).items():
                start = time.perf_counter()
                fitted[name] = search.fit(X, y)
                times.setdefault(name, []).append(time.perf_counter() - start)
        med = {name: statistics.median(t) for name, t in times.items()}
        ours = med["ALRNNClassifierCV"]
        row = {
            "n": n,
            "T": T,
            "M": M,
            "epochs": args.epochs,
            "seconds": med,
            "ratio_vs_n_jobs_1": ours / med["GridSearchCV n_jobs=1"],
            "ratio_vs_n_jobs_2": ours / med["GridSearchCV n_jobs=2"],
        }
        for name, search in fitted.items():
            row[f"{name} chosen P"] = int(search.cv_results_["param_P"][search.best_index_])
            row[f"{name} mean_test_score"] = search.cv_results_["mean_test_score"].round(4).tolist()
        print(json.dumps(row))
        if args.json:
            with open(args.json, "a") as handle:
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
