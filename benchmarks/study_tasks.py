"""Nonlinearity study on synthetic tasks: AL-RNN score vs P next to LSTM, GRU and ReLU-RNN.

Each run (task, condition, model, seed) is appended as one JSON line to ``--out``, so
runs can be split over processes and resumed (existing runs are skipped);
``--report`` turns the file into markdown tables.

    PYTHONPATH=. python benchmarks/study_tasks.py --tasks addition copy --seeds 0 1 2
    PYTHONPATH=. python benchmarks/study_tasks.py --report

Conditions: ``full`` trains on ``--n-train`` sequences for ``--epochs`` epochs;
``low`` trains on the first 10% of the same training set for ``--low-epochs``
epochs (more epochs, so that the number of gradient updates stays comparable).
Test sets are fresh draws of ``--n-test`` sequences (another random_state).
Scores: R^2 (and MSE) for addition, accuracy for the classification tasks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from sklearn.metrics import mean_squared_error

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import (  # noqa: E402
    add_run_arguments,
    append_record,
    completed,
    load_records,
    run_or_report,
)
from _results import mean_std as _ms  # noqa: E402
from baselines import RNNBaselineClassifier, RNNBaselineRegressor  # noqa: E402

from sk_alrnn import ALRNNClassifier, ALRNNRegressor  # noqa: E402
from sk_alrnn.datasets import TASKS as REGISTRY  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "study_tasks.jsonl")


def _study_task(name: str, n_steps: int, description: str, **options):
    """(generator(n, random_state), is_regression, description) of a registry task."""
    task = REGISTRY[name]

    def make(n, rs):
        return task.make(n, n_steps, random_state=rs, **options)

    return make, task.regression, description


# study name -> the registry's task with this study's settings
TASKS = {
    "addition": _study_task(
        "addition",
        20,
        "addition problem, T=20, y in [0, 2] (R^2; predicting the mean gives MSE 0.167)",
    ),
    "copy": _study_task(
        "copy_memory",
        20,
        "copy-memory, T=20, 4 symbols, delay noise 0.5 (accuracy; chance 0.25)",
        n_symbols=4,
        noise=0.5,
    ),
    "contextual": _study_task(
        "contextual_integration",
        30,
        "contextual integration, T=30, max_coherence 0.3, noise 1 (accuracy; chance 0.5)",
    ),
    "evidence": _study_task(
        "evidence_integration",
        20,
        "evidence integration, T=10..20 (list input), F=8, V=50 (accuracy; chance 0.5)",
        variable_length=True,
    ),
}


def model_specs(M: int, P_values):
    """(label, factory(is_regression, seed, epochs, lr)) for every model of the study."""
    specs = []
    for P in P_values:

        def alrnn(reg, seed, epochs, lr, P=P):
            cls = ALRNNRegressor if reg else ALRNNClassifier
            return cls(M=M, P=P, random_state=seed, max_epochs=epochs, lr=lr)

        specs.append((f"AL-RNN P={P}", alrnn))
    for cell, label in [("lstm", "LSTM"), ("gru", "GRU"), ("relu_rnn", "ReLU-RNN")]:

        def base(reg, seed, epochs, lr, cell=cell):
            cls = RNNBaselineRegressor if reg else RNNBaselineClassifier
            return cls(cell, match_M=M, random_state=seed, max_epochs=epochs, lr=lr)

        specs.append((label, base))
    return specs


def _warm_up():
    """One tiny fit of each kind, so the first timed fit pays no one-off start-up cost."""
    X, y = REGISTRY["addition"].make(32, 5, random_state=0)
    ALRNNRegressor(M=4, P=1, max_epochs=1).fit(X, y)
    RNNBaselineRegressor("lstm", max_epochs=1).fit(X, y)


def run(args):
    done = completed(args.out, ("task", "condition", "model", "seed"))
    P_values = sorted(set(args.P + [args.M]))
    _warm_up()
    for seed in args.seeds:  # seeds outermost: a cut-off run still covers every task
        for task in args.tasks:
            make, reg, _ = TASKS[task]
            # Data depend on the seed too: each seed is a fresh train/test draw.
            X, y = make(args.n_train, 1000 + seed)
            X_test, y_test = make(args.n_test, 2000 + seed)
            for condition in args.conditions:
                n = args.n_train if condition == "full" else args.n_train // 10
                epochs = args.epochs if condition == "full" else args.low_epochs
                for label, factory in model_specs(args.M, P_values):
                    key = (task, condition, label, seed)
                    if key in done:
                        continue
                    est = factory(reg, seed, epochs, args.lr)
                    t0 = time.perf_counter()
                    est.fit(X[:n], y[:n])  # arrays and lists alike
                    fit_time = time.perf_counter() - t0
                    rec = {
                        "task": task,
                        "condition": condition,
                        "model": label,
                        "seed": seed,
                        "n_train": n,
                        "epochs": epochs,
                        "lr": args.lr,
                        "M": args.M,
                        "score": float(est.score(X_test, y_test)),
                        "fit_time": fit_time,
                    }
                    if reg:
                        rec["mse"] = float(mean_squared_error(y_test, est.predict(X_test)))
                    if hasattr(est, "regimes_"):
                        rec["n_regimes"] = int(est.regimes_.n_regimes)
                    else:
                        rec["n_params"] = int(est.n_params_)
                        rec["hidden_size"] = int(est.hidden_size_)
                    append_record(args.out, rec)


def report(path):
    records = load_records(path)
    lines = []
    models = []
    for r in records:
        if r["model"] not in models:
            models.append(r["model"])
    models.sort(key=lambda m: (not m.startswith("AL-RNN"), int(m.split("=")[1]) if "=" in m else 0))
    for task, (_, reg, desc) in TASKS.items():
        rows = [r for r in records if r["task"] == task]
        if not rows:
            continue
        seeds = sorted({r["seed"] for r in rows})
        n_full = next((r["n_train"] for r in rows if r["condition"] == "full"), "-")
        n_low = next((r["n_train"] for r in rows if r["condition"] == "low"), "-")
        ep = {
            c: next((r["epochs"] for r in rows if r["condition"] == c), "-")
            for c in ("full", "low")
        }
        metric = "R^2" if reg else "accuracy"
        lines.append(f"#### {task}: {desc}\n")
        lines.append(
            f"Test {metric}, mean ± std over seeds {seeds}; full: n={n_full}, "
            f"{ep['full']} epochs; low: n={n_low}, {ep['low']} epochs.\n"
        )
        head = f"| model | full {metric} | low {metric} |"
        sep = "|---|---|---|"
        if reg:
            head += " full MSE | low MSE |"
            sep += "---|---|"
        head += " fit time full (s) | regimes (full) |"
        sep += "---|---|"
        lines += [head, sep]
        for m in models:
            cell = {
                c: [r for r in rows if r["model"] == m and r["condition"] == c]
                for c in ("full", "low")
            }
            if not cell["full"] and not cell["low"]:
                continue
            full, low = cell["full"], cell["low"]
            line = f"| {m} | {_ms([r['score'] for r in full])} | {_ms([r['score'] for r in low])} |"
            if reg:
                line += f" {_ms([r['mse'] for r in full])} | {_ms([r['mse'] for r in low])} |"
            line += f" {_ms([r['fit_time'] for r in cell['full']], '{:.1f}')} |"
            regs = [r["n_regimes"] for r in cell["full"] if "n_regimes" in r]
            size = [r["hidden_size"] for r in cell["full"] if "hidden_size" in r]
            line += f" {'/'.join(map(str, regs))} |" if regs else f" H={size[0] if size else '-'} |"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", default=list(TASKS), choices=list(TASKS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--conditions", nargs="+", default=["full", "low"], choices=["full", "low"])
    p.add_argument("--M", type=int, default=16)
    p.add_argument("--P", nargs="+", type=int, default=[0, 1, 2, 4])
    p.add_argument("--n-train", type=int, default=1000)
    p.add_argument("--n-test", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--low-epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=3e-3)
    add_run_arguments(p, DEFAULT_OUT)
    run_or_report(p.parse_args(argv), run, report)


if __name__ == "__main__":
    main()
