"""Regime analysis of an AL-RNN trained on the addition problem.

Each sequence has two features per step: a value in [0, 1] and a marker that is
1 on exactly two steps (never the last). The target is the sum of the two
marked values. The known solution is a linear integrator (an eigenvalue near 1:
memory) fed through a gate that opens only on marked steps -- a ReLU unit
switching on. This script trains an ALRNNRegressor and lets the analysis
toolkit find both pieces, then saves the figures.

Run: ``python examples/regime_analysis_addition.py [output_dir]`` (about a
minute on a laptop CPU).
"""

import sys
from pathlib import Path

import numpy as np

from sk_alrnn import ALRNNRegressor
from sk_alrnn.analysis import (
    describe,
    find_cycles,
    fixed_points,
    regime_sequences,
    regime_spectra,
    regime_usage,
    unit_switches,
)


def make_addition_data(n, T, rng):
    """Values in [0, 1], a marker with exactly two 1s before the last step; target = marked sum."""
    values = rng.uniform(0, 1, (n, T))
    marker = np.zeros((n, T))
    for i in range(n):
        marker[i, rng.choice(T - 1, size=2, replace=False)] = 1.0
    X = np.stack([values, marker], axis=-1)
    return X, (values * marker).sum(axis=1)


def main(out_dir="regime_analysis_figures"):
    rng = np.random.default_rng(0)
    X, y = make_addition_data(2000, 20, rng)
    X_test, y_test = make_addition_data(500, 20, rng)
    reg = ALRNNRegressor(M=8, P=2, max_epochs=100, lr=3e-3, random_state=0).fit(X, y)
    print(f"test R^2 = {reg.score(X_test, y_test):.3f}\n")

    # 1. The plain-text report: regimes, occupancy, leading modes, fixed points, switches.
    print(describe(reg, X_test), "\n")

    system, summary = reg.linearize(), reg.regimes_
    codes = reg.regime_codes(X_test)
    sequences = regime_sequences(codes, summary)
    marker = X_test[:, :, 1]

    # 2. The gate: which regime is occupied on marked vs unmarked steps, and which units flip.
    steps = [np.array([r]) for r in np.concatenate(sequences)]
    groups, usage = regime_usage(steps, summary.n_regimes, labels=marker.ravel().astype(int))
    for g, row in zip(groups, usage):
        top = np.argsort(-row)[:3]
        print(f"marker={g}: " + ", ".join(f"R{r} {100 * row[r]:.0f}%" for r in top))
    flips = np.stack(unit_switches(codes))  # (n, T-1, P): +1 on, -1 off between steps t-1 and t
    marked = marker[:, 1:] == 1
    for p in range(system.P):
        f = flips[..., p]
        print(
            f"unit z{system.M - system.P + p} flips on "
            f"{100 * (f[marked] != 0).mean():.0f}% of marked steps "
            f"(off {100 * (f[marked] == -1).mean():.0f}%, on {100 * (f[marked] == 1).mean():.0f}%) "
            f"vs {100 * (f[~marked] != 0).mean():.0f}% of unmarked steps"
        )

    # 3. The integrator: the dominant regime's slowest mode and how much of it the readout sees.
    spectra = regime_spectra(system)
    main_spec = spectra[0]
    v = np.real(main_spec.eigenvectors[:, 0])
    print("\nR0 eigenvalue moduli:", np.round(np.abs(main_spec.eigenvalues), 3).tolist())
    print(
        f"R0 leading eigenvalue {main_spec.eigenvalues[0]:.4f} "
        f"(time constant {main_spec.time_constants[0]:.1f} steps; sequences have 20)"
    )
    print(
        f"readout alignment |B v| / (|B| |v|) = "
        f"{abs(system.B @ v).item() / (np.linalg.norm(system.B) * np.linalg.norm(v)):.2f}"
    )
    for i, fp in enumerate(fixed_points(system)):
        print(
            f"R{i} fixed point (s=0): {'real' if fp.real else 'virtual'}, "
            f"{'stable' if fp.stable else 'not stable'}"
        )
    n_cycles = len(find_cycles(system, k=2))
    print(f"real 2-cycles of the autonomous map among visited regimes: {n_cycles}")

    # 4. Figures.
    save_figures(reg, X_test, sequences, spectra, Path(out_dir))


def save_figures(reg, X, sequences, spectra, out_dir):
    import matplotlib

    matplotlib.use("Agg")
    from sk_alrnn.plotting import (
        plot_eigenvalues,
        plot_latent_trajectory,
        plot_regime_occupancy,
        plot_transitions,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    plots = {
        "occupancy": lambda: plot_regime_occupancy(reg.regimes_),
        "trajectories": lambda: plot_latent_trajectory(
            reg.latent_states(X), sequences, max_sequences=30
        ),
        "eigenvalues": lambda: plot_eigenvalues(spectra),
        "transitions": lambda: plot_transitions(reg.regimes_),
    }
    for name, plot in plots.items():
        ax = plot()
        ax.figure.tight_layout()
        ax.figure.savefig(out_dir / f"addition_{name}.png", dpi=100)
    print(f"figures saved in {out_dir}/")


if __name__ == "__main__":
    main(*sys.argv[1:])
