"""Command line: ``sk-alrnn demo`` and ``sk-alrnn sweep`` (also ``python -m sk_alrnn``).

``demo`` is the README's main job: AL-RNNs with several P on the addition
problem, the held-out score per P, and the regime report of the smallest P
that solves it.  ``sweep`` cross-validates a task over P and picks the
smallest adequate P (one-standard-error rule), printing a table and saving a
plot.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import train_test_split

from ._net import ALRNNClassifier, ALRNNRegressor
from .analysis import describe
from .datasets import TASKS
from .model_selection import select_minimal_P, sweep_P

__all__ = ["main"]

_DEMO_MARGIN = 0.01  # how far below the best held-out score the chosen P may be


def _make_task(name: str, n_samples: int, n_steps: int, seed: int):
    task = TASKS[name]
    estimator_class = ALRNNRegressor if task.regression else ALRNNClassifier
    try:
        X, y = task.make(n_samples, n_steps, random_state=seed)
    except ImportError as exc:  # an optional extra (mnist1d, neurogym) is missing
        raise SystemExit(f"sk-alrnn: task {name!r} is not available: {exc}") from None
    return X, y, estimator_class


def _one_label_each(estimator_class: type, y) -> bool:
    """Regime usage by label needs a classifier with one label per sequence (not per step)."""
    return estimator_class is ALRNNClassifier and np.ndim(y[0]) == 0


def _estimator(estimator_class: type, args: argparse.Namespace, P: int):
    return estimator_class(
        M=args.M,
        P=P,
        max_epochs=args.epochs,
        lr=args.lr,
        random_state=args.seed,
        progress_bar=args.progress,
    )


def run_demo(args: argparse.Namespace, out=None) -> list[dict]:
    """Fit one AL-RNN per P on a held-out split; print scores and the chosen model's report."""
    out = out or sys.stdout
    X, y, estimator_class = _make_task(args.task, args.n_samples, args.n_steps, args.seed)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=args.seed)
    print(
        f"Task {args.task}: {len(X_train)} train / {len(X_test)} test sequences, "
        f"T={args.n_steps}, M={args.M}, {args.epochs} epochs",
        file=out,
    )
    print(f"{'P':>3}  {'test score':>10}  {'regimes':>7}  {'fit s':>6}", file=out)
    rows, models = [], {}
    for P in args.P:
        start = time.perf_counter()
        model = _estimator(estimator_class, args, P).fit(X_train, y_train)
        row = dict(
            P=P,
            score=model.score(X_test, y_test),
            n_regimes=model.regimes_.n_regimes,
            fit_time=time.perf_counter() - start,
        )
        rows.append(row)
        models[P] = model
        print(
            f"{P:>3}  {row['score']:>10.4f}  {row['n_regimes']:>7}  {row['fit_time']:>6.1f}",
            file=out,
            flush=True,
        )
    # Held-out scores carry no standard error, so a fixed margin plays its role.
    scores = [row["score"] for row in rows]
    chosen = rows[select_minimal_P(args.P, scores, margin=_DEMO_MARGIN)]["P"]
    print(f"\nSmallest P within {_DEMO_MARGIN} of the best test score: P={chosen}\n", file=out)
    print(
        describe(
            models[chosen], X_test, y_test if _one_label_each(estimator_class, y_test) else None
        ),
        file=out,
    )
    return rows


def run_sweep(args: argparse.Namespace, out=None):
    """Cross-validated sweep over P; prints the table, saves the plot if asked."""
    out = out or sys.stdout
    X, y, estimator_class = _make_task(args.task, args.n_samples, args.n_steps, args.seed)
    print(
        f"Sweeping P={args.P} on {args.task} ({len(X)} sequences, T={args.n_steps}, "
        f"{args.cv}-fold CV, {len(args.P) * args.cv} fits)",
        file=out,
        flush=True,
    )
    result = sweep_P(
        _estimator(estimator_class, args, args.P[0]),
        X,
        y,
        args.P,
        cv=args.cv,
        verbose=2,
        refit_all=False,
    )
    print(result.to_text(), file=out)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        result.plot().figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"Plot saved to {args.plot}", file=out)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sk-alrnn", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="fit AL-RNNs for several P and report the regimes")
    sweep = commands.add_parser(
        "sweep", help="cross-validated sweep over P with minimal-P selection"
    )
    for sub, defaults in (
        (demo, dict(P=[0, 1, 2, 4], n_samples=2000, epochs=60)),
        (sweep, dict(P=[0, 1, 2, 4], n_samples=1000, epochs=40)),
    ):
        sub.add_argument(
            "--task",
            choices=sorted(TASKS),
            default="addition",
            help="; ".join(f"{name}: {task.description}" for name, task in TASKS.items()),
        )
        sub.add_argument("--P", type=int, nargs="+", default=defaults["P"], help="values of P")
        sub.add_argument("--M", type=int, default=16, help="latent units")
        sub.add_argument("--n-samples", type=int, default=defaults["n_samples"])
        sub.add_argument("--n-steps", type=int, default=20)
        sub.add_argument("--epochs", type=int, default=defaults["epochs"])
        sub.add_argument("--lr", type=float, default=3e-3)
        sub.add_argument("--seed", type=int, default=0)
        sub.add_argument(
            "--progress",
            action="store_true",
            help="show a progress bar of each epoch's batches (long fits)",
        )
    sweep.add_argument("--cv", type=int, default=3)
    sweep.add_argument("--plot", default=None, help="save score vs P to this image file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sk-alrnn`` and ``python -m sk_alrnn``."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            run_demo(args)
        else:
            run_sweep(args)
    except (ValueError, TypeError) as exc:
        # A bad value (e.g. --P 9 with --M 4) is the user's to fix: one line, no traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
