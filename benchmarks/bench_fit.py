"""Whole fit: ALRNNClassifier vs skorch.NeuralNetClassifier wrapping nn.RNN(relu).

Not a test: run by hand, e.g.::

    PYTHONPATH=. python benchmarks/bench_fit.py --threads 1

Both estimators see the same data, batch size, optimizer (Adam), lr, epochs,
gradient-norm clipping (ALRNNClassifier's default, added to the baseline) and
skorch's default 20% validation split; fits alternate and each time is the
median over ``--repeats`` fits.  The baseline module reads nn.RNN's output at
the last step (all sequences have the same length here).  Besides the whole
``fit`` time, the sum of skorch's per-epoch ``dur`` (training + validation
passes only) is reported: ALRNNClassifier.fit also summarises the regimes
visited on all of X after training (``regimes_``), which nn.RNN has no
counterpart for.  One untimed warm-up fit per estimator comes first.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import GradientNormClipping
from torch import nn

from sk_alrnn import ALRNNClassifier

SHAPES = [(64, 200, 64), (64, 1000, 32), (256, 200, 256)]


class LastStepRNN(nn.Module):
    """nn.RNN(relu) over (n, T, F), linear readout of the last step."""

    def __init__(self, n_features=8, hidden=64, n_classes=2):
        super().__init__()
        self.rnn = nn.RNN(n_features, hidden, nonlinearity="relu", batch_first=True)
        self.readout = nn.Linear(hidden, n_classes)

    def forward(self, X):
        return self.readout(self.rnn(X)[0][:, -1])


def make_data(n, T, F, seed=0):
    """Two classes: the sign of a slow drift in the first feature."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = rng.standard_normal((n, T, F)).astype(np.float32)
    X[:, :, 0] += np.where(y, 0.2, -0.2)[:, None] * np.linspace(0, 1, T)
    return X, y


def estimators(B, M, P, args):
    common = dict(max_epochs=args.epochs, batch_size=B, lr=args.lr, verbose=0)
    ours = ALRNNClassifier(M=M, P=P, random_state=0, **common)
    baseline = NeuralNetClassifier(
        LastStepRNN,
        module__n_features=args.F,
        module__hidden=M,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        callbacks=[GradientNormClipping(gradient_clip_value=1.0)],
        **common,
    )
    return {"alrnn": ours, "rnn": baseline}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--n-samples", type=int, default=640)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--F", type=int, default=8)
    parser.add_argument("--P", type=int, default=None, help="default M // 4")
    parser.add_argument("--shapes", default=None, help="e.g. '64,200,64;64,1000,32'")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    shapes = (
        SHAPES
        if args.shapes is None
        else [tuple(map(int, s.split(","))) for s in args.shapes.split(";")]
    )
    print(
        f"torch {torch.__version__}, threads={args.threads}, n={args.n_samples}, "
        f"epochs={args.epochs}, median of {args.repeats} fits, seconds"
    )
    print("batch,T,M        P    part      alrnn      rnn  ours/RNN")
    for B, T, M in shapes:
        P = args.P if args.P is not None else M // 4
        X, y = make_data(args.n_samples, T, args.F)
        times = {(name, part): [] for name in ("alrnn", "rnn") for part in ("fit", "epochs")}
        for round_ in range(args.repeats + 1):  # round 0 is warm-up
            for name, est in estimators(B, M, P, args).items():
                t0 = time.perf_counter()
                est.fit(X, y)
                if round_:
                    times[name, "fit"].append(time.perf_counter() - t0)
                    times[name, "epochs"].append(sum(est.history[:, "dur"]))
        med = {k: statistics.median(v) for k, v in times.items()}
        for part in ("fit", "epochs"):
            ours, theirs = med["alrnn", part], med["rnn", part]
            print(
                f"({B},{T},{M})".ljust(16) + f"{P:<5}{part:7}{ours:8.2f} {theirs:8.2f}"
                f"  {ours / theirs:8.2f}"
            )


if __name__ == "__main__":
    main()
