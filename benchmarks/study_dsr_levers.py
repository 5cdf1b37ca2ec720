"""ALRNNForecaster with its defaults on flows the package was never tuned on, and each lever A/B.

Every fit is run (nothing is read back from earlier runs); one JSON line per fit goes to
stdout (and to ``--out`` when given).

    PYTHONPATH=. python benchmarks/study_dsr_levers.py --flows halvorsen chen --seeds 0 1
    PYTHONPATH=. python benchmarks/study_dsr_levers.py --variant hard_forcing --seeds 0
    PYTHONPATH=. python benchmarks/study_dsr_levers.py --flows roessler --P 1

Data. Each flow is integrated with scipy (DOP853, rtol = atol = 1e-9) after a transient of
50 periods, sampled at 150 steps per dominant period (the period is read from the power
spectrum of a preliminary run), 10 000 training steps; a second trajectory from a start
perturbed by 1e-3 is held out; both are standardised with the training mean and sd.
Roessler and Lorenz-63 come from ``sk_alrnn.datasets`` at their usual sampling (dt 0.05 and
0.01: about 120 and 75 steps per period), train seed 0, held-out seed 1.

Scores on the held-out trajectory: a free run of 1000 + T steps from its first point,
transient dropped: ``state_space_divergence`` (bins, n_bins=30 for N <= 3; gmm with
random_state=0 for N > 3), ``power_spectrum_distance`` (smoothing 20); ``floor``: the same
D_stsp between the held-out and the training trajectory of the true system.  ``cpu_s``:
process CPU time of the fit (one thread: torch.set_num_threads(1)).

Variants (``--variant``): ``defaults``; ``hard_forcing`` (tf_alpha=1.0: sparse hard forcing
instead of adaptive alpha); ``one_start`` (n_starts=1); ``no_collapse_check`` (checkpoints
scored by D_stsp alone, as before collapse detection: a fixed point or an out-of-range run
counts as an ordinary run).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import time

import numpy as np
import torch
from scipy.integrate import solve_ivp

from sk_alrnn import ALRNNForecaster
from sk_alrnn._net import _dsr_callbacks
from sk_alrnn.datasets import make_lorenz63, make_roessler
from sk_alrnn.metrics import power_spectrum_distance, state_space_divergence

TRANSIENT = 1000
N_TRAIN = 10_000
STEPS_PER_PERIOD = 150


def thomas(t, x, b=0.208186):
    return [np.sin(x[1]) - b * x[0], np.sin(x[2]) - b * x[1], np.sin(x[0]) - b * x[2]]


def halvorsen(t, x, a=1.89):
    return [
        -a * x[0] - 4 * x[1] - 4 * x[2] - x[1] ** 2,
        -a * x[1] - 4 * x[2] - 4 * x[0] - x[2] ** 2,
        -a * x[2] - 4 * x[0] - 4 * x[1] - x[0] ** 2,
    ]


def chen(t, x, a=35.0, b=3.0, c=28.0):
    return [a * (x[1] - x[0]), (c - a) * x[0] - x[0] * x[2] + c * x[1], x[0] * x[1] - b * x[2]]


def lorenz96(t, x, F=8.0):
    return (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + F


# name -> (right-hand side, start, time step of the preliminary run for the period)
FLOWS = {
    "thomas": (thomas, [0.1, 0.0, -0.1], 0.2),
    "halvorsen": (halvorsen, [-1.48, -1.51, 2.04], 0.02),
    "chen": (chen, [-10.0, 0.0, 37.0], 0.005),
    "lorenz96": (lorenz96, [8.01, 8.0, 8.0, 8.0, 8.0], 0.02),
}

VARIANTS = {
    "defaults": {},
    "hard_forcing": {"tf_alpha": 1.0},
    "one_start": {"n_starts": 1},
    "no_collapse_check": {},
}


def _integrate(rhs, x0, t0, n, dt):
    t = t0 + np.arange(n) * dt
    sol = solve_ivp(rhs, (0, t[-1]), x0, t_eval=t, method="DOP853", rtol=1e-9, atol=1e-9)
    return sol.y.T


def flow_data(name: str):
    """Standardised (train, held-out) trajectories of a flow at 150 steps per period."""
    if name == "roessler":
        A, B = (make_roessler(N_TRAIN, dt=0.05, random_state=s) for s in (0, 1))
    elif name == "lorenz63":
        A, B = (make_lorenz63(N_TRAIN, dt=0.01, random_state=s) for s in (0, 1))
    else:
        rhs, x0, dt0 = FLOWS[name]
        pre = _integrate(rhs, x0, 200 * dt0, 8192, dt0)
        u = (pre - pre.mean(0)) / pre.std(0)
        power = (np.abs(np.fft.rfft(u, axis=0)) ** 2).sum(1)
        period = len(u) * dt0 / (1 + np.argmax(power[1:]))
        dt = period / STEPS_PER_PERIOD
        start = pre[-1]
        A = _integrate(rhs, start, 50 * period, N_TRAIN, dt)
        B = _integrate(rhs, start + 1e-3, 50 * period + N_TRAIN * dt, N_TRAIN, dt)
    mean, sd = A.mean(0), A.std(0)
    return (A - mean) / sd, (B - mean) / sd


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _dstsp(X_true, X_gen):
    kwargs = {"method": "gmm", "random_state": 0} if X_true.shape[1] > 3 else {}
    return float(state_space_divergence(X_true, X_gen, **kwargs))


# Where a fit's time goes: cumulative time of these functions (cProfile, --profile).
PROFILED = {
    "kernel forward": ("_grouped_scan.py", "forward"),
    "kernel backward": ("_grouped_scan.py", "backward"),
    "train step (lift, kernel, loss, backward)": ("_forecaster.py", "train_step_single"),
    "checkpoints (free runs + D_stsp)": ("_dsr_callbacks.py", "evaluate"),
    "free runs of checkpoints": ("_dsr_module.py", "free_runs"),
    "adaptive alpha": ("_dsr_callbacks.py", "on_batch_end"),
    "gradient clipping": ("_dsr_callbacks.py", "on_grad_computed"),
    # includes the train step: skorch calls the optimizer with it as the closure
    "optimizer step": ("optimizer.py", "wrapper"),
    "window sampling": ("_windows.py", "__call__"),
    "whole fit": ("_forecaster.py", "_fit"),
}


def _profile_table(profiler) -> dict:
    stats = pstats.Stats(profiler).stats
    table = {}
    for label, (path, func) in PROFILED.items():
        table[label] = round(
            sum(v[3] for (f, _, fn), v in stats.items() if f.endswith(path) and fn == func), 2
        )
    return table


def fit_and_score(name, X_train, X_test, seed, variant, P, profile=False, overrides=None):
    params = {"random_state": seed, **VARIANTS[variant], **(overrides or {})}
    if P is not None:
        params["P"] = P
    est = ALRNNForecaster(**params)
    status = _dsr_callbacks.free_run_status
    if variant == "no_collapse_check":
        _dsr_callbacks.free_run_status = lambda run, lo, hi: (
            "ok" if np.isfinite(run).all() else "diverged"
        )
    profiler = cProfile.Profile() if profile else None
    start, wall = _cpu(), time.perf_counter()
    try:
        if profiler:
            profiler.enable()
        est.fit(X_train)
    finally:
        if profiler:
            profiler.disable()
        _dsr_callbacks.free_run_status = status
    cpu, wall = _cpu() - start, time.perf_counter() - wall
    run = est.simulate(TRANSIENT + len(X_test), x0=X_test[0])[TRANSIENT:]
    finite = bool(np.isfinite(run).all())
    return {
        "flow": name,
        "variant": variant,
        "overrides": overrides or {},
        "P": est.P,
        "seed": seed,
        "dstsp": _dstsp(X_test, run) if finite else float("inf"),
        "dh": float(power_spectrum_distance(X_test, run)) if finite else 1.0,
        "floor": _dstsp(X_test, X_train),
        "cpu_s": round(cpu, 1),
        "wall_s": round(wall, 1),
        "period": round(est.period_, 1),
        "tf_interval": est.tf_interval_,
        "sequence_length": est.sequence_length_,
        "tf_alpha_end": round(est.tf_alpha_, 3),
        "best_start": est.best_start_,
        "start_scores": [round(float(s), 3) for s in est.start_scores_],
        "best_epoch": est.best_epoch_,
        "collapsed_per_checkpoint": est.history[:, "collapsed"],
        **({"profile_s": _profile_table(profiler)} if profiler else {}),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", nargs="+", default=["thomas", "halvorsen", "chen", "lorenz96"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="defaults")
    parser.add_argument("--P", type=int, default=None, help="P (default: the estimator's)")
    parser.add_argument("--profile", action="store_true", help="add where the time went")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="NAME=VALUE",
        help="other estimator parameters, e.g. --set lr=5e-3 sequence_length=300",
    )
    parser.add_argument("--out", default=None, help="also append the JSON lines here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    overrides = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.set)}
    for name in args.flows:
        X_train, X_test = flow_data(name)
        for seed in args.seeds:
            record = fit_and_score(
                name, X_train, X_test, seed, args.variant, args.P, args.profile, overrides
            )
            line = json.dumps(record)
            print(line, flush=True)
            if args.out:
                with open(args.out, "a") as handle:
                    handle.write(line + "\n")


if __name__ == "__main__":
    main()
