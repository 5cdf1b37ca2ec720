"""Nonlinearity study on SCAN: AL-RNN exact match vs P next to LSTM and GRU, no output feedback.

Each fit (split, model, seed) is appended as one JSON line to ``--out`` (resumable);
``--report`` prints the markdown tables.

    SK_ALRNN_DATA=../shared/data nice -n 10 python benchmarks/study_scan.py
    python benchmarks/study_scan.py --report

Encoding (``load_scan``): one-hot command words, a ``<go>`` marker, then one
zero-input step per action and one for ``<end>``, classified per step; the command
steps have weight 0.  The network never sees its own outputs (no feedback).
Training: a random ``--n-train`` pairs of the split's training file (drawn per
seed), ``--epochs`` epochs; testing on the whole test file.  Scores: exact match
(every action and the end token of a sequence right) and per-step accuracy on the
action steps.  Each AL-RNN is pruned on its training pairs (``est.prune()``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import (  # noqa: E402
    add_run_arguments,
    append_record,
    completed,
    load_records,
    run_or_report,
)
from study_fsdd import SHARED, classifier_specs, pruning_record, table  # noqa: E402
from study_tasks import _warm_up  # noqa: E402

from sk_alrnn.datasets import generate_scan, load_scan  # noqa: E402
from sk_alrnn.metrics import exact_match_score  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "study_scan.jsonl")
PAD = "<pad>"
# "-fb": the previous action is fed back (teacher forcing in training, greedy generation at test).
VARIANTS = ("simple", "simple-fb", "length", "length-fb")


def _subset(data, index) -> tuple[list, list, list]:
    return tuple([part[i] for i in index] for part in (data.data, data.target, data.sample_weight))


def _scores(est, X, y, w) -> dict:
    y_pred = est.predict(X)
    return {
        "exact": exact_match_score(y, y_pred, ignore_label=PAD),
        "step_acc": float(est.score(X, y, sample_weight=w)),
    }, y_pred


def _test_scores(est, test, feedback: bool, n_generate: int, seed: int) -> dict:
    """Exact match and per-step accuracy on the test file.

    Without feedback the encoding's zero-input steps give the free-running output
    directly (the model is causal).  With feedback the per-step accuracy is
    teacher-forced, and the exact match comes from greedy generation on its own
    outputs (``generate_scan``) on ``n_generate`` test commands drawn per seed.
    """
    scores, _ = _scores(est, test.data, test.target, test.sample_weight)
    if feedback:
        index = np.random.RandomState(2000 + seed).permutation(len(test.data))[:n_generate]
        generated = generate_scan(est, [test.commands[i] for i in index])
        scores["exact_tf"] = scores["exact"]  # teacher-forced, for comparison
        scores["exact"] = float(np.mean([g == test.actions[i] for g, i in zip(generated, index)]))
        scores["n_generated"] = len(index)
    return scores


def run(args):
    done = completed(args.out, ("split", "model", "seed"))
    P_values = sorted(set(args.P + [args.M]))
    _warm_up()  # the first timed fit pays no one-off start-up cost
    for seed in args.seeds:
        for variant in args.splits:
            split, feedback = variant.removesuffix("-fb"), variant.endswith("-fb")
            train = load_scan(args.data, split, subset="train", feedback=feedback)
            test = load_scan(args.data, split, subset="test", feedback=feedback)
            index = np.random.RandomState(1000 + seed).permutation(len(train.data))[: args.n_train]
            X, y, w = _subset(train, index)
            for label, factory in classifier_specs(args.M, P_values):
                if (variant, label, seed) in done:
                    continue
                est = factory(seed, args.epochs, args.lr)
                t0 = time.perf_counter()
                est.fit(X, y, sample_weight=w)
                fit_time = time.perf_counter() - t0
                train_scores, y_fit = _scores(est, X, y, w)
                rec = {
                    "split": variant,
                    "condition": variant,  # the report's column
                    "model": label,
                    "seed": seed,
                    "n_train": len(X),
                    "n_test": len(test.data),
                    "epochs": args.epochs,
                    "lr": args.lr,
                    "M": args.M,
                    "fit_time": fit_time,
                    **_test_scores(est, test, feedback, args.n_generate, seed),
                    "train_exact": train_scores["exact"],  # teacher-forced with feedback
                }
                if hasattr(est, "regimes_"):
                    rec["n_regimes"] = int(est.regimes_.n_regimes)
                    rec.update(pruning_record(est, X, y_fit))
                else:
                    rec["n_params"], rec["hidden_size"] = int(est.n_params_), int(est.hidden_size_)
                append_record(args.out, rec)


def args_generated(rows) -> int:
    """How many test commands the feedback variants generated (1,000 by default)."""
    return next((r["n_generated"] for r in rows if "n_generated" in r), 1000)


def report(path) -> str:
    rows = load_records(path)
    if not rows:
        return "(no records)"
    splits = [s for s in VARIANTS if any(r["split"] == s for r in rows)]
    first = rows[0]
    seeds = "; ".join(
        f"{s}: seeds {sorted({r['seed'] for r in rows if r['split'] == s})}" for s in splits
    )
    disagree = sum(r.get("prune_agree", 1.0) < 1.0 for r in rows)
    lines = [
        f"Exact match and per-step accuracy on the action steps (teacher-forced with "
        f"feedback; exact match with feedback from greedy generation on {args_generated(rows)} "
        f"test commands), mean ± std over the seeds run ({seeds}; a cell may hold fewer); "
        f"{first['n_train']} training pairs, {first['epochs']} epochs, M={first['M']}. "
        f"Fit time, regimes and P after pruning (per seed) for the {splits[0]} split. "
        f"Pruned models predicting their training pairs differently: {disagree} of "
        f"{sum('prune_agree' in r for r in rows)}.\n",
        *table(rows, splits, [("exact", "exact"), ("step acc", "step_acc")]),
        "",
        "Training-set exact match (same fits): "
        + "; ".join(
            f"{s} {m}: {np.mean([r['train_exact'] for r in rows if r['split'] == s and r['model'] == m]):.3f}"  # noqa: E501
            for s in splits
            for m in sorted({r["model"] for r in rows if r["split"] == s})
        ),
    ]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("SK_ALRNN_DATA", SHARED))
    p.add_argument("--splits", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    p.add_argument("--n-generate", type=int, default=1000)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--M", type=int, default=64)
    p.add_argument("--P", nargs="+", type=int, default=[0, 2, 8])
    p.add_argument("--n-train", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-2)
    add_run_arguments(p, DEFAULT_OUT)
    run_or_report(p.parse_args(argv), run, report)


if __name__ == "__main__":
    main()
