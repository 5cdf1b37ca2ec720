"""Nonlinearity study on dynamical systems: AL-RNN next-step and free-running forecasts vs P.

Each run (dataset, model, seed) is appended as one JSON line to ``--out``, so runs can
be split over processes and resumed (existing runs are skipped); ``--report`` turns the
file into markdown tables.

    PYTHONPATH=. python benchmarks/study_dsr.py --datasets lorenz63 roessler --seeds 0 1
    PYTHONPATH=. python benchmarks/study_dsr.py --report

Every series is split chronologically: the first ``1 - --test-frac`` of the steps train,
the rest test; it is standardised with the training part's mean and std. Training uses
``make_forecasting_windows`` (sequence-to-sequence, y = X one step ahead, teacher forced at
every step, as the estimator trains). On the test part:

* ``r2_1``: ``score`` on non-overlapping test windows (one-step-ahead R^2).
* ``r2_k``: free-running forecast R^2 at horizon k. From each start in the test part
  (every ``--rollout-stride`` steps; default about 200 starts) the fitted network reads a
  warm-up window of ``--window`` observed steps (``latent_states``), then runs on its own
  predictions in
  numpy via ``linearize().step(z, s)`` with s = B z + b, the previous prediction. R^2 is
  over all starts and features (``r2_score``, uniform average over features); k = 1
  equals the one-step prediction at the window's end. A rollout that overflows scores -inf.

Synthetic flows are generated with a fixed seed (``--data-seed``); the real recordings
(ECG, fMRI, EEG) are read from ``../shared/data/`` next to the repository and skipped,
with a note, when missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import r2_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _results import (  # noqa: E402
    add_run_arguments,
    append_record,
    completed,
    load_records,
    run_or_report,
)
from _results import mean_std as _ms  # noqa: E402

from sk_alrnn import ALRNNRegressor  # noqa: E402
from sk_alrnn.datasets import (  # noqa: E402
    make_forecasting_windows,
    make_lorenz63,
    make_roessler,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "study_dsr.jsonl")
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

# name -> (loader(data_seed) -> (T, N) array or None, window, training stride, description)
DATASETS = {
    "lorenz63": (
        lambda rs: make_lorenz63(5000, dt=0.01, random_state=rs),
        50,
        10,
        "Lorenz-63, 5000 steps, dt 0.01 (Lyapunov time ~110 steps)",
    ),
    "roessler": (
        lambda rs: make_roessler(5000, dt=0.05, random_state=rs),
        50,
        10,
        "Roessler, 5000 steps, dt 0.05 (one rotation ~120 steps)",
    ),
    "ecg": (lambda rs: _load("ecg.npy"), 50, 10, "ECG, 10000 x 5 (delay-embedded), shared data"),
    "fmri": (lambda rs: _load("fmri.npy"), 24, 2, "fMRI, 360 x 20 regions, shared data"),
    "eeg": (lambda rs: _load("eeg.npy"), 50, 10, "EEG, 9640 x 64 channels, shared data"),
}


def _load(name):
    path = SHARED_DATA / name
    if not path.exists():
        print(f"note: {path} is missing; skipping {name}", flush=True)
        return None
    return np.load(path).astype(np.float64)


def split_standardise(series, test_frac):
    n_train = int(round(len(series) * (1 - test_frac)))
    train, test = series[:n_train], series[n_train:]
    mean, std = train.mean(0), train.std(0)
    std[std == 0] = 1.0
    return (train - mean) / std, (test - mean) / std


def rollout_r2(est, test, window, horizons, stride):
    """Free-running R^2 at each horizon from warm-up windows of the test series."""
    H = max(horizons)
    n_possible = len(test) - window - H + 1
    stride = stride or max(1, n_possible // 200)  # about 200 starts by default
    starts = np.arange(0, n_possible, stride)
    warm = np.stack([test[s : s + window] for s in starts])
    z = est.latent_states(warm)[:, -1].astype(np.float64)
    system = est.linearize()
    preds = []
    with np.errstate(all="ignore"):
        for _ in range(H):  # step k = 1..H
            y = z @ system.B.T + system.b  # prediction of test[s + window + k - 1]
            preds.append(y)
            z = system.step(z, y)
    out = {}
    for k in horizons:
        truth = np.stack([test[s + window + k - 1] for s in starts])
        pred = preds[k - 1]
        out[k] = float(r2_score(truth, pred)) if np.isfinite(pred).all() else float("-inf")
    return out, len(starts)


def _warm_up():
    X = np.random.RandomState(0).standard_normal((8, 10, 2))
    ALRNNRegressor(M=4, P=1, max_epochs=1).fit(X[:, :-1], X[:, 1:])


def run(args):
    done = completed(args.out, ("dataset", "model", "seed"))
    P_values = sorted(set(args.P + [args.M]))
    _warm_up()
    for name in args.datasets:
        load, window, stride, _ = DATASETS[name]
        stride = args.stride or stride
        series = load(args.data_seed)
        if series is None:
            continue
        train, test = split_standardise(series, args.test_frac)
        X, y = make_forecasting_windows(train, window, stride)
        X_test, y_test = make_forecasting_windows(test, window, window)
        horizons = [k for k in args.horizons if window + k <= len(test)]
        for seed in args.seeds:
            for P in P_values:
                label = f"AL-RNN P={P}"
                if (name, label, seed) in done:
                    continue
                est = ALRNNRegressor(
                    M=args.M,
                    P=P,
                    random_state=seed,
                    max_epochs=args.epochs,
                    lr=args.lr,
                    batch_size=args.batch_size,
                )
                t0 = time.perf_counter()
                est.fit(X, y)
                fit_time = time.perf_counter() - t0
                r2_k, n_starts = rollout_r2(est, test, window, horizons, args.rollout_stride)
                rec = {
                    "dataset": name,
                    "model": label,
                    "seed": seed,
                    "M": args.M,
                    "P": P,
                    "window": window,
                    "stride": stride,
                    "n_windows": len(X),
                    "n_train_steps": len(train),
                    "n_test_steps": len(test),
                    "epochs": args.epochs,
                    "lr": args.lr,
                    "batch_size": args.batch_size,
                    "r2_1": float(est.score(X_test, y_test)),
                    "r2_k": {str(k): v for k, v in r2_k.items()},
                    "n_starts": n_starts,
                    "train_r2": float(est.score(X, y)),
                    "n_regimes": int(est.regimes_.n_regimes),
                    "fit_time": fit_time,
                }
                append_record(args.out, rec)


def report(path):
    records = load_records(path)
    lines = []
    for name, (_, _, _, desc) in DATASETS.items():
        rows = [r for r in records if r["dataset"] == name]
        if not rows:
            continue
        seeds = sorted({r["seed"] for r in rows})
        horizons = sorted({int(k) for r in rows for k in r["r2_k"]})
        r0 = rows[0]
        lines.append(f"#### {name}: {desc}\n")
        lines.append(
            f"M={r0['M']}, window {r0['window']}, {r0['n_windows']} training windows (stride "
            f"{r0['stride']}) from the first {r0['n_train_steps']} steps; test: last "
            f"{r0['n_test_steps']} steps, {r0['n_starts']} rollout starts; {r0['epochs']} epochs, "
            f"lr {r0['lr']}, batch {r0['batch_size']}. Mean ± std over seeds {seeds}.\n"
        )
        head = "| model | train R^2 | one-step test R^2 |"
        sep = "|---|---|---|"
        for k in horizons:
            head += f" free-run R^2 @{k} |"
            sep += "---|"
        head += " regimes | fit time (s) |"
        sep += "---|---|"
        lines += [head, sep]
        for P in sorted({r["P"] for r in rows}):
            cell = [r for r in rows if r["P"] == P]
            train, one_step = _ms([r["train_r2"] for r in cell]), _ms([r["r2_1"] for r in cell])
            line = f"| AL-RNN P={P} | {train} | {one_step} |"
            for k in horizons:
                line += f" {_ms([r['r2_k'][str(k)] for r in cell])} |"
            line += f" {'/'.join(str(r['n_regimes']) for r in cell)} |"
            line += f" {_ms([r['fit_time'] for r in cell], '{:.1f}')} |"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--datasets",
        nargs="+",
        default=["lorenz63", "roessler", "ecg", "fmri"],
        choices=list(DATASETS),
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    p.add_argument("--M", type=int, default=32)
    p.add_argument("--P", nargs="+", type=int, default=[0, 1, 2, 4])
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument(
        "--stride",
        type=int,
        default=None,
        help="steps between training windows (default: 10; 2 for fMRI)",
    )
    p.add_argument("--test-frac", type=float, default=0.2)
    p.add_argument("--horizons", nargs="+", type=int, default=[1, 5, 20, 50])
    p.add_argument(
        "--rollout-stride",
        type=int,
        default=None,
        help="steps between rollout starts (default: about 200 starts)",
    )
    p.add_argument("--data-seed", type=int, default=0)
    add_run_arguments(p, DEFAULT_OUT)
    run_or_report(p.parse_args(argv), run, report)


if __name__ == "__main__":
    main()
