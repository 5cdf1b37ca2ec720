"""MNIST-1D as a classic sequence benchmark: AL-RNN test accuracy vs P next to GRU / LSTM.

The standard split (4000 train / 1000 test, 40 steps, F=1, 10 classes) from
``sk_alrnn.datasets.load_mnist1d`` (generated offline). Each fit is one JSON line
in ``--out`` (resumable); the test accuracy is also recorded along the way at
``--checkpoints`` epochs, so one fit gives the learning curve. ``--report`` prints
the markdown table next to the published accuracies.

    PYTHONPATH=. python benchmarks/study_mnist1d.py --M 64 --P 0 2 8 64 --seeds 0 --epochs 150
    PYTHONPATH=. python benchmarks/study_mnist1d.py --report
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from skorch.callbacks import Callback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import (  # noqa: E402
    add_run_arguments,
    append_record,
    completed,
    load_records,
    run_or_report,
)
from _results import mean_std as _ms  # noqa: E402
from baselines import RNNBaselineClassifier  # noqa: E402

from sk_alrnn import ALRNNClassifier  # noqa: E402
from sk_alrnn.datasets import load_mnist1d  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "study_mnist1d.jsonl")
# Test accuracies on the standard split, Greydanus & Kobak (ICML 2024), Table 1.
PUBLISHED = {"logistic regression": 0.32, "MLP": 0.68, "CNN": 0.94, "GRU": 0.91, "human": 0.96}


class TestCurve(Callback):
    """Record the test accuracy after the given epochs in the net's history (``test_acc``)."""

    def __init__(self, X_test, y_test, epochs):
        self.X_test, self.y_test, self.epochs = X_test, y_test, set(epochs)

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) in self.epochs:
            net.history.record("test_acc", float(net.score(self.X_test, self.y_test)))


def model_specs(M: int, P_values, cells):
    """(label, factory(seed, epochs, lr, callbacks)) for every model of the study."""
    specs = []
    for P in P_values:

        def alrnn(seed, epochs, lr, callbacks, P=P):
            return ALRNNClassifier(
                M=M, P=P, random_state=seed, max_epochs=epochs, lr=lr, callbacks=callbacks
            )

        specs.append((f"AL-RNN P={P}", alrnn))
    for cell in cells:

        def base(seed, epochs, lr, callbacks, cell=cell):
            return RNNBaselineClassifier(
                cell, match_M=M, random_state=seed, max_epochs=epochs, lr=lr, callbacks=callbacks
            )

        specs.append((cell.upper(), base))
    return specs


def run(args):
    done = completed(args.out, ("model", "seed", "M", "epochs"))
    X, y = load_mnist1d("train")
    X_test, y_test = load_mnist1d("test")
    P_values = sorted(set(args.P))
    for seed in args.seeds:
        for label, factory in model_specs(args.M, P_values, args.baselines):
            if (label, seed, args.M, args.epochs) in done:
                continue
            curve = TestCurve(X_test, y_test, args.checkpoints)
            est = factory(seed, args.epochs, args.lr, [("test_curve", curve)])
            t0 = time.perf_counter()
            est.fit(X, y)
            rec = {
                "model": label,
                "seed": seed,
                "M": args.M,
                "epochs": args.epochs,
                "lr": args.lr,
                "score": float(est.score(X_test, y_test)),
                "train_score": float(est.score(X, y)),
                "fit_time": time.perf_counter() - t0,
                "curve": {str(h["epoch"]): h["test_acc"] for h in est.history if "test_acc" in h},
            }
            if hasattr(est, "regimes_"):
                rec["n_regimes"] = int(est.regimes_.n_regimes)
            else:
                rec["n_params"], rec["hidden_size"] = int(est.n_params_), int(est.hidden_size_)
            append_record(args.out, rec)


def report(path):
    records = load_records(path)
    if not records:
        return "(no results yet)"
    lines = []
    for M, epochs in sorted({(r["M"], r["epochs"]) for r in records}):
        rows = [r for r in records if r["M"] == M and r["epochs"] == epochs]
        models = sorted(
            {r["model"] for r in rows},
            key=lambda m: (not m.startswith("AL-RNN"), int(m.split("=")[1]) if "=" in m else 0),
        )
        checkpoints = sorted({int(c) for r in rows for c in r["curve"]})
        seeds = sorted({r["seed"] for r in rows})
        lines.append(
            f"M={M}, {epochs} epochs, seeds {seeds}: test accuracy (mean ± std over seeds), "
            "accuracy along training, train accuracy, fit time.\n"
        )
        head = "| model | test acc | " + " | ".join(f"@{c}" for c in checkpoints if c != epochs)
        lines.append(head + " | train acc | regimes / params | fit time (s) |")
        lines.append("|---" * (5 + sum(c != epochs for c in checkpoints)) + "|")
        for m in models:
            cell = [r for r in rows if r["model"] == m]
            curve = " | ".join(
                _ms([r["curve"].get(str(c), float("nan")) for r in cell])
                for c in checkpoints
                if c != epochs
            )
            size = (
                "/".join(str(r["n_regimes"]) for r in cell)
                if "n_regimes" in cell[0]
                else f"H={cell[0]['hidden_size']}, {cell[0]['n_params']} params"
            )
            lines.append(
                f"| {m} | {_ms([r['score'] for r in cell])} | {curve} | "
                f"{_ms([r['train_score'] for r in cell])} | {size} | "
                f"{_ms([r['fit_time'] for r in cell], '{:.0f}')} |"
            )
        lines.append("")
    lines.append(
        "Published (Greydanus & Kobak, ICML 2024, same split): "
        + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED.items())
        + "."
    )
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", nargs="+", type=int, default=[0])
    p.add_argument("--M", type=int, default=64)
    p.add_argument("--P", nargs="+", type=int, default=[0, 1, 2, 4, 8, 64])
    p.add_argument(
        "--baselines", nargs="*", default=["gru", "lstm"], choices=["gru", "lstm", "relu_rnn"]
    )
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--checkpoints", nargs="*", type=int, default=[50, 100])
    p.add_argument("--lr", type=float, default=3e-3)
    add_run_arguments(p, DEFAULT_OUT)
    run_or_report(p.parse_args(argv), run, report)


if __name__ == "__main__":
    main()
