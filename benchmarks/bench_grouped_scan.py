"""The DSR stack's training step: K networks as one block-diagonal AL-RNN vs the grouped kernel.

Not a test: run by hand, e.g.::

    PYTHONPATH=. nice -n 10 python benchmarks/bench_grouped_scan.py --threads 1 --repeats 21

One training step as ``ALRNNForecaster`` runs it on a stack of K starts:
lift, forward with hard forcing every tau steps, MSE of z_t[:N] against the
window (times K, as the forecaster sums the starts' losses), backward.

- "block-diagonal": the stack before the grouped kernel, one AL-RNN of K*M
  units (units ordered [observed, hidden linear, ReLU] over all networks) run
  by :func:`~sk_alrnn.nn._scan.alrnn_scan`, assembled differentiably from the
  stacked weights at every step;
- "grouped": :class:`~sk_alrnn.nn.DSRStack` as it is now
  (:func:`~sk_alrnn.nn.grouped_scan`).

Both run on the same weights and windows, round-robin in one process; each
number is the median over ``--repeats`` rounds, so the ratio compares runs
under the same load.  Results are in the docstring of ``sk_alrnn/nn/_grouped_scan.py``.

``--fit K ...`` instead times whole fits (CPU seconds, one thread) of
``ALRNNForecaster(batch_size=64, n_starts=K, random_state=0)`` on 10 000
standardised Lorenz-63 steps; run it on two checkouts for before / after.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from sk_alrnn.nn import DSRModule, DSRStack, Forcing, alrnn_scan


def _stack_index(N: int, M: int, Ps) -> torch.Tensor:
    """(K, M) position of unit j of network k in the block-diagonal network."""
    K = len(Ps)
    if K == 1:
        return torch.arange(M)[None]
    index = torch.empty(K, M, dtype=torch.long)
    linear_at, relu_at = K * N, K * M - sum(Ps)
    for k, P in enumerate(Ps):
        index[k, :N] = k * N + torch.arange(N)
        hidden = M - N - P
        index[k, N : M - P] = linear_at + torch.arange(hidden)
        index[k, M - P :] = relu_at + torch.arange(P)
        linear_at, relu_at = linear_at + hidden, relu_at + P
    return index


def block_diagonal_forward(stack: DSRStack, index: torch.Tensor, windows: torch.Tensor):
    """Observed outputs (B, L, K, N) of the stack run as one block-diagonal AL-RNN."""
    K, M, N = stack.K, stack.M, stack.N
    B, T = windows.shape[0], windows.shape[1] - 1
    KM, flat = K * M, index.reshape(-1)
    a = stack.a.new_zeros(KM).index_put((flat,), stack.a.reshape(-1))
    h = stack.h.new_zeros(KM).index_put((flat,), stack.h.reshape(-1))
    rows = index[:, :, None].expand(-1, -1, M).reshape(-1)
    cols = index[:, None, :].expand(-1, M, -1).reshape(-1)
    W = stack.W.new_zeros(KM, KM).index_put((rows, cols), stack.W.reshape(-1))
    x0 = windows[:, 0]
    z = torch.cat([x0[:, None].expand(-1, K, -1), torch.einsum("kjn,bn->bkj", stack.L, x0)], -1)
    z0 = z.new_zeros(B, KM).index_copy(1, flat, z.reshape(B, -1))
    alpha = stack.tf_alpha.to(windows.dtype).repeat_interleave(N)
    forcing = Forcing(windows[:, 1:].repeat(1, 1, K), stack.tf_interval, alpha)
    Z = alrnn_scan(h.expand(B, T, -1), a, W, sum(stack.Ps), z0=z0, forcing=forcing)
    return Z[..., : K * N].reshape(B, T, K, N)


def _train_step(forward, stack, windows) -> None:
    stack.zero_grad(set_to_none=True)
    y = forward(windows)
    target = windows[:, 1:, None].expand_as(y)
    loss = torch.nn.functional.mse_loss(y, target) * y.shape[2]
    loss.backward()


def time_fits(starts) -> None:
    """CPU seconds of one forecaster fit per number of starts K."""
    from sk_alrnn import ALRNNForecaster
    from sk_alrnn.datasets import make_lorenz63

    X = make_lorenz63(10_000, dt=0.01, random_state=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    for K in starts:
        start = time.process_time()
        est = ALRNNForecaster(batch_size=64, n_starts=K, random_state=0).fit(X)
        seconds = time.process_time() - start
        print(f"n_starts={K}: {seconds:.1f} s CPU, start scores {est.start_scores_}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--fit", type=int, nargs="+", metavar="K")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.fit:
        time_fits(args.fit)
        return
    M, N, P, L, tau = 20, 3, 2, 100, 10
    print(f"M={M}, N={N}, P={P}, L={L}, tau={tau} (hard forcing), {args.threads} thread(s)")
    print("| B | K | block-diagonal (ms) | grouped (ms) | ratio |")
    print("|---|---|---|---|---|")
    for B in (16, 64):
        for K in (1, 2, 4, 8, 10):
            g = torch.Generator().manual_seed(K)
            modules = [DSRModule(N, M, P, generator=g) for _ in range(K)]
            stack = DSRStack(modules, [P] * K).train()
            stack.tf_interval = tau
            windows = torch.randn(B, L + 1, N, generator=g)
            index = _stack_index(N, M, stack.Ps)
            contenders = {
                "block": lambda w, s=stack, i=index: block_diagonal_forward(s, i, w),
                "grouped": stack,
            }
            times = {name: [] for name in contenders}
            for _ in range(args.repeats):
                for name, forward in contenders.items():
                    start = time.perf_counter()
                    _train_step(forward, stack, windows)
                    times[name].append(time.perf_counter() - start)
            old, new = (1e3 * statistics.median(times[k]) for k in ("block", "grouped"))
            print(f"| {B} | {K} | {old:.2f} | {new:.2f} | {old / new:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
