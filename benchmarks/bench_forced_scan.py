"""Forced BPTT (the DSR training step's recurrence) vs a plain autograd loop, CPU.

Not a test: run by hand, e.g.::

    PYTHONPATH=. python benchmarks/bench_forced_scan.py --threads 1 --repeats 15

One training step of the recurrence as ``ALRNNForecaster`` runs it: z_0 given,
hard forcing of the first N units every ``tau`` steps, MSE on z_t[:N], backward.
Both contenders are timed round-robin in one process; each number is the median
over ``--repeats`` rounds, so the ratio compares runs under the same load.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sk_alrnn.nn._scan import Forcing, _scan_reference, alrnn_scan


def _step(scan, drive, a, W, z0, forcing, P):
    Z = scan(drive, a, W, P, z0=z0, forcing=forcing)
    loss = ((Z[..., : forcing.signal.shape[-1]] - forcing.signal) ** 2).mean()
    loss.backward()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print("| B, L, M, P, N, tau | hand-written BPTT (ms) | autograd loop (ms) | ratio |")
    print("|---|---|---|---|")
    for B, L, M, P, N, tau in [
        (16, 200, 20, 2, 3, 16),
        (16, 200, 20, 2, 3, 1),
        (16, 50, 100, 2, 5, 10),
        (16, 200, 20, 20, 3, 16),
    ]:
        g = torch.Generator().manual_seed(0)
        a = torch.full((M,), 0.9).requires_grad_()
        W = (0.1 * torch.randn(M, M, generator=g)).requires_grad_()
        h = torch.zeros(M, requires_grad=True)
        z0 = torch.randn(B, M, generator=g).requires_grad_()
        forcing = Forcing(torch.randn(B, L, N, generator=g), tau, 1.0)
        drive = h.expand(B, L, M)
        times = {"ours": [], "ref": []}
        for _ in range(args.repeats):
            for name, scan in [("ours", alrnn_scan), ("ref", _scan_reference)]:
                start = time.perf_counter()
                _step(scan, drive, a, W, z0, forcing, P)
                times[name].append(time.perf_counter() - start)
        ours, ref = (1e3 * statistics.median(times[k]) for k in ("ours", "ref"))
        print(f"| {B}, {L}, {M}, {P}, {N}, {tau} | {ours:.2f} | {ref:.2f} | {ref / ours:.1f}x |")


if __name__ == "__main__":
    main()
