"""Recurrence speed: AL-RNN kernel vs torch.nn.RNN(relu) vs torch.nn.LSTM on CPU.

Not a test: run by hand, e.g.::

    PYTHONPATH=. python benchmarks/bench_scan.py --threads 1
    PYTHONPATH=. python benchmarks/bench_scan.py --threads 1 --memory

Timing (a): for each shape (B, T, M) with F input features, one training step
(input projection + recurrence + sum-of-outputs loss + backward) and one
inference pass under ``torch.no_grad()``.  The three models are timed
round-robin in one process, so the ratio ours/nn.RNN compares runs made under
the same machine load; each number is the median over ``--repeats`` rounds.

Memory (c): each (model, shape, mode) runs in a fresh subprocess that builds
the model and inputs, then runs one step; the reported number is the growth of
the peak resident set size (VmHWM, reset before the step) during that step.  glibc's malloc
is pinned to a fixed mmap threshold (``MALLOC_MMAP_THRESHOLD_``) so freed large
blocks go back to the OS and RSS tracks live memory in both contenders.  The
bytes of tensors saved for backward (deduplicated by storage) are reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

import sk_alrnn.nn._scan as scan
from sk_alrnn.nn._scan import alrnn_scan

SHAPES = [(64, 200, 64), (64, 1000, 32), (256, 200, 256)]
MODELS = ["alrnn", "rnn", "lstm"]


class ALRNNCore(nn.Module):
    """Input projection d = C s + h (one matmul) followed by the AL-RNN scan."""

    def __init__(self, F: int, M: int, P: int):
        super().__init__()
        self.P = P
        self.C = nn.Linear(F, M)
        self.a = nn.Parameter(torch.full((M,), 0.9))
        self.W = nn.Parameter(torch.randn(M, M) * (0.1 / M**0.5))

    def forward(self, s):
        return alrnn_scan(self.C(s), self.a, self.W, self.P)


class TorchRNN(nn.Module):
    def __init__(self, cell, F: int, M: int):
        super().__init__()
        kwargs = {"nonlinearity": "relu"} if cell is nn.RNN else {}
        self.rnn = cell(F, M, batch_first=True, **kwargs)

    def forward(self, s):
        return self.rnn(s)[0]


def build(name: str, F: int, M: int, P: int) -> nn.Module:
    torch.manual_seed(0)
    if name == "alrnn":
        return ALRNNCore(F, M, P)
    return TorchRNN(nn.RNN if name == "rnn" else nn.LSTM, F, M)


def train_step(model: nn.Module, s):
    model.zero_grad(set_to_none=True)
    model(s).sum().backward()


def infer(model: nn.Module, s):
    with torch.no_grad():
        model(s)


def time_shape(B, T, M, F, P, repeats, models):
    """Median seconds per training step and inference pass, models interleaved."""
    torch.manual_seed(0)
    s = torch.randn(B, T, F)
    nets = {name: build(name, F, M, P) for name in models}
    times = {(name, mode): [] for name in models for mode in ("train", "infer")}
    for round_ in range(repeats + 1):  # round 0 is warm-up
        for name, net in nets.items():
            for mode, fn in (("train", train_step), ("infer", infer)):
                t0 = time.perf_counter()
                fn(net, s)
                if round_:
                    times[name, mode].append(time.perf_counter() - t0)
    return {key: statistics.median(v) for key, v in times.items()}


def saved_bytes(model: nn.Module, s) -> int:
    """Bytes of distinct storages saved for backward in one forward pass."""
    storages = {}

    def pack(t):
        st = t.untyped_storage()
        storages[st.data_ptr()] = st.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(s)
    return sum(storages.values())


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field))


def memory_child(name, mode, B, T, M, F, P):
    """Run in a fresh process: peak-RSS growth of one step, in bytes.

    The kernel's peak-RSS counter (VmHWM) is reset just before the step by
    writing 5 to /proc/self/clear_refs, so earlier peaks (import) do not hide it.
    """
    torch.manual_seed(0)
    s = torch.randn(B, T, F)
    net = build(name, F, M, P)
    (train_step if mode == "train" else infer)(net, s[:1, :2])  # page in code
    net.zero_grad(set_to_none=True)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = _status_kib("VmRSS:")
    (train_step if mode == "train" else infer)(net, s)
    out = {"rss": (_status_kib("VmHWM:") - before) * 1024}
    if mode == "train":
        out["saved"] = saved_bytes(net, s)
    print(json.dumps(out))


def memory_table(args):
    env = dict(
        os.environ,
        MALLOC_MMAP_THRESHOLD_="65536",
        MALLOC_TRIM_THRESHOLD_="65536",
        OMP_NUM_THREADS=str(args.threads),
    )
    print(f"\npeak memory growth of one step (MiB), P={args.P or 'M//4'}")
    print("shape (B,T,M)   mode   alrnn_rss  rnn_rss  ratio | alrnn_saved rnn_saved")
    for B, T, M in SHAPES:
        P = args.P if args.P is not None else M // 4
        for mode in ("train", "infer"):
            res = {}
            for name in ("alrnn", "rnn"):
                cmd = [
                    sys.executable,
                    __file__,
                    "--child",
                    json.dumps([name, mode, B, T, M, args.F, P]),
                ]
                res[name] = json.loads(subprocess.check_output(cmd, env=env))
            mib = {k: v["rss"] / 2**20 for k, v in res.items()}
            line = (
                f"({B},{T},{M})".ljust(16)
                + mode.ljust(6)
                + f"{mib['alrnn']:10.1f} {mib['rnn']:8.1f} "
                + f"{mib['alrnn'] / mib['rnn']:6.2f}"
            )
            if mode == "train":
                line += (
                    f" | {res['alrnn']['saved'] / 2**20:10.1f} {res['rnn']['saved'] / 2**20:9.1f}"
                )
            print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--F", type=int, default=8, help="input features")
    parser.add_argument(
        "--P", type=int, default=None, help="ReLU units of the AL-RNN (default M // 4)"
    )
    parser.add_argument(
        "--shapes",
        default=None,
        help="e.g. '64,200,64;256,200,256' (default: the three issue shapes)",
    )
    parser.add_argument("--no-lstm", action="store_true")
    parser.add_argument("--memory", action="store_true", help="also measure peak memory")
    parser.add_argument(
        "--fold",
        choices=["auto", "on", "off"],
        default="auto",
        help="force folding a_R into the step matmul (calibration)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.fold != "auto":
        scan._FOLD_MAX_MACS = 2**62 if args.fold == "on" else -1
    if args.child:
        return memory_child(*json.loads(args.child))
    if args.shapes:
        global SHAPES
        SHAPES = [tuple(map(int, s.split(","))) for s in args.shapes.split(";")]
    models = ["alrnn", "rnn"] + ([] if args.no_lstm else ["lstm"])
    print(
        f"torch {torch.__version__}, threads={args.threads}, F={args.F}, fold={args.fold}, "
        f"median of {args.repeats}, times in ms"
    )
    print("shape (B,T,M)   P    mode   " + " ".join(f"{m:>8}" for m in models) + "  ours/RNN")
    for B, T, M in SHAPES:
        P = args.P if args.P is not None else M // 4
        med = time_shape(B, T, M, args.F, P, args.repeats, models)
        for mode in ("train", "infer"):
            cells = " ".join(f"{1e3 * med[m, mode]:8.1f}" for m in models)
            ratio = med["alrnn", mode] / med["rnn", mode]
            print(f"({B},{T},{M})".ljust(16) + f"{P:<5}{mode:7}{cells}  {ratio:8.2f}")
    if args.memory:
        memory_table(args)


if __name__ == "__main__":
    main()
