"""Multi-task study: one AL-RNN on a mix of Yang et al. (2019) tasks, per-step classification, vs P.

Runs in the neurogym environment (``make venv-neurogym``; neurogym pins numpy==2.2.*):

    .venv-neurogym/bin/python benchmarks/study_multitask.py --M 32 --P 0 1 2 4 8 32 --seeds 0
    .venv-neurogym/bin/python benchmarks/study_multitask.py --report

One network learns all tasks at once; a one-hot rule input says which task a trial
belongs to (``load_neurogym(rule_input=True)``). Every step is classified (17 classes:
fixate or one of 16 directions) with cross-entropy; decision-period steps get weight
``--decision-weight`` (5, as the cost mask of Yang et al.), the others 1. Scores are on
fresh test trials: per-task accuracy on decision-period steps, and overall accuracy on
all steps. Baselines: GRU and LSTM (``benchmarks/baselines.py``, on the same sequence-net
base, so trained the same way), hidden size matched to the AL-RNN's parameter count. For
each AL-RNN the shared-regime analysis (``sk_alrnn.analysis.task_regime_sharing``) runs
on the test trials; with ``--figures`` the occupancy heat map of each P (first seed) is
saved there.
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
from _results import mean_std as _ms  # noqa: E402
from baselines import RNNBaselineClassifier  # noqa: E402

from sk_alrnn import ALRNNClassifier  # noqa: E402
from sk_alrnn.analysis import task_regime_sharing  # noqa: E402
from sk_alrnn.datasets import load_neurogym  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "study_multitask.jsonl")
# Two of each family: reaching (go, anti, delayed go), perceptual decisions (single,
# context-gated, multi-sensory), delayed decisions, delayed matching.
TASKS = ["go", "anti", "dlygo", "dm1", "ctxdm1", "multidm", "dlydm1", "dms"]


def model_specs(M: int, P_values, cells):
    """(label, factory(seed, epochs, lr)) for every model."""
    specs = []
    for P in P_values:

        def alrnn(seed, epochs, lr, P=P):
            return ALRNNClassifier(M=M, P=P, random_state=seed, max_epochs=epochs, lr=lr)

        specs.append((f"AL-RNN P={P}", alrnn))
    for cell in cells:

        def base(seed, epochs, lr, cell=cell):
            return RNNBaselineClassifier(
                cell, match_M=M, random_state=seed, max_epochs=epochs, lr=lr
            )

        specs.append((cell.upper(), base))
    return specs


def decision_accuracy(clf, data, task_names):
    """Per-task accuracy on decision-period steps, and accuracy on all steps."""
    y_pred = clf.predict(data.data)
    scores = {}
    for name in task_names:
        members = np.flatnonzero(data.task == name)
        hits = np.concatenate([(y_pred[i] == data.target[i])[data.decision[i]] for i in members])
        scores[name] = float(hits.mean())
    all_steps = float(np.mean(np.concatenate([p == t for p, t in zip(y_pred, data.target)])))
    return scores, all_steps


def sharing_record(clf, data, threshold, figure_path=None):
    codes = clf.regime_codes(data.data)
    result = task_regime_sharing(codes, data.task, threshold=threshold)
    # Null: the same trials with task labels shuffled, i.e. the sharing expected if regime
    # use did not depend on the task (same number of regimes, same occupancies overall).
    shuffled = np.random.RandomState(0).permutation(data.task)
    null = task_regime_sharing(codes, shuffled, threshold=threshold)
    if figure_path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from sk_alrnn.plotting import plot_task_regime_sharing

        fig, ax = plt.subplots(figsize=(8, 3.5))
        plot_task_regime_sharing(result, n_regimes=24, ax=ax)
        fig.savefig(figure_path, dpi=110, bbox_inches="tight")
        plt.close(fig)
    used = result.used.any(axis=0)
    return {
        "mean_sharing": result.mean_sharing,
        "null_sharing": null.mean_sharing,
        "n_regimes_visited": int(len(result.codes)),
        "n_regimes_used": int(used.sum()),
        "n_regimes_shared": int((result.n_tasks_per_regime >= 2).sum()),
        "regimes_per_task": dict(zip(result.tasks.tolist(), result.used.sum(axis=1).tolist())),
        "occupancy_in_used": float(np.mean((result.occupancy * result.used).sum(axis=1))),
        "mean_switch_rate": float(result.switch_rates.mean()) if result.switch_rates.size else 0.0,
        "summary": result.to_text(n_regimes=4),
    }


def run(args):
    done = completed(args.out, ("model", "seed", "M", "epochs", "n_train"))
    P_values = sorted(set(args.P + [args.M]))
    for seed in args.seeds:
        train = load_neurogym(args.tasks, args.n_train, return_X_y=False, random_state=1000 + seed)
        test = load_neurogym(args.tasks, args.n_test, return_X_y=False, random_state=2000 + seed)
        weights = [np.where(mask, args.decision_weight, 1.0) for mask in train.decision]
        for label, factory in model_specs(args.M, P_values, args.baselines):
            key = (label, seed, args.M, args.epochs, args.n_train)
            if key in done:
                continue
            clf = factory(seed, args.epochs, args.lr)
            t0 = time.perf_counter()
            clf.fit(train.data, train.target, sample_weight=weights)
            per_task, all_steps = decision_accuracy(clf, test, args.tasks)
            rec = {
                "model": label,
                "seed": seed,
                "M": args.M,
                "epochs": args.epochs,
                "n_train": args.n_train,
                "n_test": args.n_test,
                "lr": args.lr,
                "tasks": args.tasks,
                "decision_weight": args.decision_weight,
                "fit_time": time.perf_counter() - t0,
                "n_params": int(sum(p.numel() for p in clf.module_.parameters())),
                "decision_accuracy": per_task,
                "mean_decision_accuracy": float(np.mean(list(per_task.values()))),
                "step_accuracy": all_steps,
                "train_loss": float(clf.history[-1, "train_loss"]),
            }
            if hasattr(clf, "regimes_"):
                fig = None
                if args.figures and seed == args.seeds[0]:
                    os.makedirs(args.figures, exist_ok=True)
                    fig = os.path.join(args.figures, f"multitask_sharing_{label.split('=')[1]}.png")
                rec["P"] = int(label.split("=")[1])
                rec["sharing"] = sharing_record(clf, test, args.threshold, fig)
            else:
                rec["hidden_size"] = int(clf.hidden_size_)
            append_record(args.out, rec)


def _order(models):
    return sorted(
        models, key=lambda m: (not m.startswith("AL-RNN"), int(m.split("=")[1]) if "=" in m else 0)
    )


def report(path):
    records = load_records(path)
    if not records:
        return "(no results yet)"
    lines = []
    for M, epochs, n_train in sorted({(r["M"], r["epochs"], r["n_train"]) for r in records}):
        rows = [r for r in records if (r["M"], r["epochs"], r["n_train"]) == (M, epochs, n_train)]
        tasks = rows[0]["tasks"]
        seeds = sorted({r["seed"] for r in rows})
        lines.append(
            f"M={M}, {epochs} epochs, {n_train} train / {rows[0]['n_test']} test trials per "
            f"task, seeds {seeds}. Test accuracy on decision-period steps per task (mean over "
            "seeds), their mean, and accuracy on all steps.\n"
        )
        lines.append(
            "| model | params | "
            + " | ".join(tasks)
            + " | mean (decision) | all steps | fit time (s) |"
        )
        lines.append("|---" * (len(tasks) + 5) + "|")
        for m in _order({r["model"] for r in rows}):
            cell = [r for r in rows if r["model"] == m]
            accs = " | ".join(
                f"{np.mean([r['decision_accuracy'][t] for r in cell]):.2f}" for t in tasks
            )
            lines.append(
                f"| {m} | {cell[0]['n_params']} | {accs} | "
                f"{_ms([r['mean_decision_accuracy'] for r in cell])} | "
                f"{_ms([r['step_accuracy'] for r in cell])} | "
                f"{_ms([r['fit_time'] for r in cell], '{:.0f}')} |"
            )
        lines.append("")
        lines.append(
            "Shared regimes on the test trials (threshold: a task uses a regime on >= 1% of "
            "its steps): regimes visited / used by some task / shared by >= 2 tasks, mean "
            "pairwise sharing S, S with the task labels of the trials shuffled (no task "
            "structure), mean number of regimes per task, share of steps in used "
            "regimes, mean per-unit switch rate.\n"
        )
        lines.append(
            "| P | visited | used | shared | mean sharing S | S, tasks shuffled | "
            "regimes per task | steps in used | switch rate |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for m in _order({r["model"] for r in rows if "sharing" in r}):
            cell = [r["sharing"] for r in rows if r["model"] == m]
            per_task = [np.mean(list(s["regimes_per_task"].values())) for s in cell]
            lines.append(
                f"| {m.split('=')[1]} | {_ms([s['n_regimes_visited'] for s in cell], '{:.0f}')} | "
                f"{_ms([s['n_regimes_used'] for s in cell], '{:.0f}')} | "
                f"{_ms([s['n_regimes_shared'] for s in cell], '{:.0f}')} | "
                f"{_ms([s['mean_sharing'] for s in cell], '{:.2f}')} | "
                f"{_ms([s.get('null_sharing', np.nan) for s in cell], '{:.2f}')} | "
                f"{_ms(per_task, '{:.1f}')} | "
                f"{_ms([s['occupancy_in_used'] for s in cell], '{:.2f}')} | "
                f"{_ms([s['mean_switch_rate'] for s in cell], '{:.3f}')} |"
            )
        lines.append("")
    return "\n".join(lines)


def summary_figure(path, out):
    """Accuracy and sharing against P (one point per seed, mean line), baselines as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = load_records(path)
    alrnn = [r for r in records if "P" in r]
    Ps = sorted({r["P"] for r in alrnn})
    x = {P: i for i, P in enumerate(Ps)}  # P on an ordinal axis: 0, 1, 2, 4, 8, M
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    panels = [
        ("mean_decision_accuracy", "decision accuracy (task mean)", None),
        ("mean_sharing", "mean pairwise sharing S", "sharing"),
        ("n_regimes_used", "regimes used by some task", "sharing"),
    ]
    for ax, (key, label, nested) in zip(axes, panels):

        def value(r, key=key, nested=nested):
            return r[nested][key] if nested else r[key]

        ax.scatter([x[r["P"]] for r in alrnn], [value(r) for r in alrnn], color="C0", s=12)
        ax.plot(
            range(len(Ps)),
            [np.mean([value(r) for r in alrnn if r["P"] == P]) for P in Ps],
            color="C0",
            label="AL-RNN",
        )
        if key == "mean_sharing":  # the same trials with task labels shuffled
            null = [
                np.mean([r["sharing"]["null_sharing"] for r in alrnn if r["P"] == P]) for P in Ps
            ]
            ax.plot(range(len(Ps)), null, color="0.5", ls=":", label="tasks shuffled")
            ax.legend(fontsize="small")
        if nested is None:
            for i, model in enumerate(sorted({r["model"] for r in records if "P" not in r})):
                mean = np.mean([r[key] for r in records if r["model"] == model])
                ax.axhline(mean, color=f"C{i + 1}", ls="--", label=model)
            ax.legend(fontsize="small")
        ax.set_xticks(range(len(Ps)), [str(P) for P in Ps])
        ax.set_xlabel("P (ReLU units)")
        ax.set_ylabel(label)
    if any(value > 50 for value in axes[2].get_ylim()):
        axes[2].set_yscale("log")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", nargs="+", default=TASKS)
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--M", type=int, default=32)
    p.add_argument("--P", nargs="+", type=int, default=[0, 1, 2, 4, 8])
    p.add_argument("--baselines", nargs="*", default=["gru", "lstm"], choices=["gru", "lstm"])
    p.add_argument("--n-train", type=int, default=400, help="training trials per task")
    p.add_argument("--n-test", type=int, default=200, help="test trials per task")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--decision-weight", type=float, default=5.0)
    p.add_argument("--threshold", type=float, default=0.01)
    p.add_argument("--figures", default=None, help="folder for the sharing heat maps (first seed)")
    p.add_argument(
        "--summary-figure",
        default=None,
        help="with --report: also save accuracy and sharing vs P to this image",
    )
    add_run_arguments(p, DEFAULT_OUT)
    args = p.parse_args(argv)
    if args.report and args.summary_figure:
        summary_figure(args.out, args.summary_figure)
    run_or_report(args, run, report)


if __name__ == "__main__":
    main()
