"""Wall time of one GridSearchCV sweep over P: sequential, loky n_jobs=2, Dask with 2 workers.

Each backend runs in its own fresh Python process (so "cold" includes starting
the workers and importing torch in them) and does the same sweep twice: the
first call is "cold", the second "warm" (workers already up, torch imported).
The cv_results_ scores of every run are compared with the sequential ones.

    PYTHONPATH=. python benchmarks/bench_dask.py --repeats 3

The numbers are only meaningful side by side in one run: the machine they were
measured on is shared (2 cores, several developers' jobs at once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

BACKENDS = ("sequential", "loky", "dask")


def _sweep(n_jobs):
    import numpy as np
    from sklearn.model_selection import GridSearchCV

    from sk_alrnn import ALRNNRegressor
    from sk_alrnn.datasets import make_addition

    X, y = make_addition(n_samples=300, n_steps=20, random_state=0)
    search = GridSearchCV(
        ALRNNRegressor(M=16, max_epochs=30, random_state=0),
        {"P": [0, 1, 2, 4]},
        cv=3,
        n_jobs=n_jobs,
    )
    start = time.perf_counter()
    search.fit(X, y)
    return time.perf_counter() - start, np.round(search.cv_results_["mean_test_score"], 10).tolist()


def run_backend(backend: str) -> dict:
    """Two sweeps in this process; returns wall times and scores."""
    from joblib import parallel_config

    if backend == "sequential":
        runs = [_sweep(1), _sweep(1)]
    elif backend == "loky":
        with parallel_config(backend="loky"):
            runs = [_sweep(2), _sweep(2)]
    else:
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            startup = time.perf_counter() - start
            with parallel_config(backend="dask"):
                runs = [_sweep(-1), _sweep(-1)]
        runs[0] = (
            runs[0][0] + startup,
            runs[0][1],
        )  # cold includes starting the cluster
    return {
        "backend": backend,
        "cold": runs[0][0],
        "warm": runs[1][0],
        "scores": runs[0][1],
        "scores_warm": runs[1][1],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.backend:  # child process
        print(json.dumps(run_backend(args.backend)))
        return
    results = {backend: [] for backend in BACKENDS}
    for _ in range(args.repeats):
        for backend in BACKENDS:  # interleaved, so load changes hit every backend alike
            out = subprocess.run(
                [sys.executable, __file__, "--backend", backend],
                capture_output=True,
                text=True,
                check=True,
            )
            results[backend].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(json.dumps(results[backend][-1]), flush=True)  # progress, in case of a cut
    reference = results["sequential"][0]["scores"]
    print("| backend | cold sweep (s) | warm sweep (s) | same scores as n_jobs=1 |")
    print("|---|---|---|---|")
    for backend, runs in results.items():
        same = all(r["scores"] == reference and r["scores_warm"] == reference for r in runs)
        cold = statistics.median(r["cold"] for r in runs)
        warm = statistics.median(r["warm"] for r in runs)
        print(f"| {backend} | {cold:.1f} | {warm:.1f} | {same} |")
    print(f"\nmedians over {args.repeats} repeats; raw: {json.dumps(results)}")


if __name__ == "__main__":
    main()
