"""Stretch experiment: chunked parallel-in-time evaluation of the linear (P=0) AL-RNN.

Not wired into ``alrnn_scan``; run by hand::

    PYTHONPATH=. python benchmarks/bench_parallel_lti.py --threads 1

For P = 0 the step is affine, z_t = K z_{t-1} + d_t with K = diag(a) + W.  Split
T into C chunks of length L: (1) run all chunks at once from zero state (L
steps on a batch of C*B), (2) carry the chunk-end states across chunks (C
small steps with K^L), (3) add K^j carry to step j of every chunk in one
batched matmul.  About sqrt(T) + sqrt(T) Python-level steps instead of T, at
the price of ~2x the multiply-adds and K^j rounding (not bit-identical).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch

from sk_alrnn.nn._scan import alrnn_scan


def chunked_lti(drive: torch.Tensor, K: torch.Tensor, L: int) -> torch.Tensor:
    """z_1..z_T of z_t = K z_{t-1} + d_t for drive (B, T, M), z_0 = 0."""
    B, T, M = drive.shape
    C = math.ceil(T / L)
    d = torch.nn.functional.pad(drive, (0, 0, 0, C * L - T))
    d = d.reshape(B, C, L, M).permute(2, 1, 0, 3).reshape(L, C * B, M).contiguous()
    KT = K.t()
    local = torch.empty_like(d)
    z = d.new_zeros(C * B, M)
    for j in range(L):  # (1) chunks in parallel
        z = torch.addmm(d[j], z, KT, out=local[j])
    powers = [torch.eye(M, dtype=K.dtype)]
    for _ in range(L):
        powers.append(powers[-1] @ K)
    powers = torch.stack(powers[1:])  # K^1..K^L, (L, M, M)
    ends = local[-1].reshape(C, B, M)
    carry = d.new_zeros(C, B, M)  # state entering chunk c
    KLT = powers[-1].t()
    for c in range(1, C):  # (2) carries, sequential
        carry[c] = torch.addmm(ends[c - 1], carry[c - 1], KLT)
    # (3) z = local + K^(j+1) carry for step j of each chunk, all at once.
    fix = torch.matmul(carry.reshape(1, C * B, M), powers.transpose(1, 2))
    Z = (local + fix).reshape(L, C, B, M).permute(2, 1, 0, 3).reshape(B, C * L, M)
    return Z[:, :T]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print("inference, P=0, ms (median)      loop  chunked  ratio  max|diff|/max|z|")
    for B, T, M in [(64, 1000, 32), (64, 1000, 64), (64, 4000, 32), (256, 1000, 256)]:
        torch.manual_seed(0)
        drive = torch.randn(B, T, M)
        a = torch.full((M,), 0.9)
        W = torch.randn(M, M) * (0.05 / M**0.5)
        K = torch.diag(a) + W
        L = max(1, round(T**0.5))
        times = {"loop": [], "chunked": []}
        with torch.no_grad():
            for _ in range(args.repeats):
                # Each lambda runs within this iteration, so late binding is harmless.
                for name, fn in (
                    ("loop", lambda: alrnn_scan(drive, a, W, 0)),  # noqa: B023
                    ("chunked", lambda: chunked_lti(drive, K, L)),  # noqa: B023
                ):
                    t0 = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t0)
            ref, fast = alrnn_scan(drive, a, W, 0), chunked_lti(drive, K, L)
        err = ((fast - ref).abs().max() / ref.abs().max()).item()
        loop, chunk = (1e3 * statistics.median(times[k]) for k in ("loop", "chunked"))
        print(
            f"(B,T,M)=({B},{T},{M}) L={L}".ljust(32)
            + f"{loop:8.1f} {chunk:8.1f} {chunk / loop:6.2f}  {err:.1e}"
        )


if __name__ == "__main__":
    main()
