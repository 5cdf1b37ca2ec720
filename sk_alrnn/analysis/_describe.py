"""A short plain-text report of what a fitted AL-RNN computes, regime by regime."""

from __future__ import annotations

import numpy as np

from ._regimes import RegimeSummary, format_code, regime_summary
from ._spectral import RegimeSpectrum, linear_spectrum
from ._symbolic import dwell_times, regime_sequences, regime_usage, switching_units
from ._system import PiecewiseLinearSystem

__all__ = ["describe"]

_MAX_LABELS = 10  # y with more distinct values is treated as continuous: no usage-by-label lines

# Every term of the report, once (printed by ``describe(..., legend=True)`` and the demo).
_LEGEND = """\
How to read this report:
  R0 [01]      regime 0 (most visited first) and its code, one digit per ReLU unit (the
               last P units, numbered from 0: z14 z15 when M=16, P=2): 1 = on, 0 = off;
               "-" is the single regime of P = 0.
  12.3%        share of the valid time steps spent in the regime.
  dwell        mean number of consecutive steps spent in the regime per visit.
  stable / marginal / unstable
               from the largest |eigenvalue| rho of the regime's Jacobian: stable if
               rho < 1 - tol, marginal if within tol of 1 (tol = {tol:g}: a memory or
               integrator, perturbations neither die nor grow within ~1/tol steps),
               unstable if rho > 1 + tol. Unstable is not a fault: a regime visited for a
               few steps (see dwell) amplifies by at most rho**dwell before the state
               leaves it, e.g. 1.05**10 = 1.6.
  lambda1      the eigenvalue of largest modulus (a+bi when complex).
  tau          its time constant -1/log|lambda1| in steps (time to shrink by a factor
               e); inf when |lambda1| = 1; grows(x): grows by e every x steps.
  slow modes   eigenvalues within tol of |lambda| = 1 (memory).
  periods      oscillation periods in steps of complex eigenvalues (2 pi / angle).
  FP real      the regime's affine map has its fixed point inside the regime (the state
               can settle there); FP virtual: the fixed point lies in another regime's
               territory, so the state is pulled toward it but switches regime first.
               (not unique): an eigenvalue near +1 gives a line of near-fixed points.
  R0 -> R1 (5x): z14-
               the most frequent switches, how often, and the units that flip:
               z14- turns unit 14 off, z14+ turns it on.
  usage by label
               share of each class's steps spent in each regime."""


def _simulate_codes(system: PiecewiseLinearSystem, X) -> list[np.ndarray]:
    """Regime codes of the system driven by each input sequence from z_0 = 0."""
    if not isinstance(X, (list, tuple)):
        X = np.asarray(X, dtype=np.float64)
        X = X[..., None] if X.ndim == 2 else X
    return [
        system.code_of(system.simulate(S=np.asarray(x, dtype=np.float64).reshape(len(x), -1)))
        for x in X
    ]


def _resolve(model, X) -> tuple[PiecewiseLinearSystem, RegimeSummary | None, list | None]:
    """(system, summary, codes) from a fitted estimator (duck-typed) or a system."""
    if isinstance(model, PiecewiseLinearSystem):
        system = model
        codes = None if X is None else _simulate_codes(system, X)
        return system, None if codes is None else regime_summary(codes), codes
    if not hasattr(model, "linearize"):
        raise TypeError(
            "describe expects a PiecewiseLinearSystem or a fitted AL-RNN estimator "
            f"(with linearize()). Got {type(model).__name__} instead."
        )
    system = model.linearize()
    if X is None:
        return system, getattr(model, "regimes_", None), None
    codes = model.regime_codes(X)
    # One (T, P) array is one sequence (a forecaster's single (T, N) trajectory);
    # (n, T, P) arrays and lists hold one array per sequence.
    codes = [codes] if isinstance(codes, np.ndarray) and codes.ndim == 2 else list(codes)
    return system, regime_summary(codes), codes


def _fmt_eig(value: complex) -> str:
    if abs(value.imag) < 1e-9:
        return f"{value.real:.3f}"
    return f"{value.real:.3f}{'+' if value.imag >= 0 else '-'}{abs(value.imag):.3f}i"


def _regime_line(
    i: int, spec: RegimeSpectrum, system: PiecewiseLinearSystem, s, freq, dwell, tol: float
) -> str:
    """One row: occupancy, leading mode, time constant, slow/oscillatory modes, fixed point."""
    lead = spec.eigenvalues[0]
    tau = spec.time_constants[0]
    tau_text = "inf" if np.isinf(tau) else f"{tau:.3g}" if tau >= 0 else f"grows({-tau:.3g})"
    osc = sorted({round(float(p), 1) for p in spec.periods[spec.oscillatory]})
    fp = system.fixed_point(spec.code, s, tol=tol)
    parts = [
        f"R{i} [{format_code(spec.code)}]",
        "" if freq is None else f"{100 * freq:5.1f}%",
        "" if dwell is None else f"dwell {dwell:.3g}",
        f"{spec.stability:8s} lambda1={_fmt_eig(lead)} tau={tau_text}",
        f"slow modes={int(spec.slow.sum())}",
        f"periods={osc}" if osc else "",
        f"FP {'real' if fp.real else 'virtual'}"
        + (" (not unique)" if spec.slow[spec.eigenvalues.real > 0].any() else ""),
    ]
    return "  " + "  ".join(p for p in parts if p)


def _switch_lines(
    summary: RegimeSummary, system: PiecewiseLinearSystem, shown: int, n_top: int
) -> list[str]:
    """Most frequent moves between distinct main regimes and the units that flip."""
    moves = summary.transition_counts(shown)
    np.fill_diagonal(moves, 0)
    lines = []
    for flat in np.argsort(-moves, axis=None, kind="stable")[:n_top]:
        i, j = np.unravel_index(flat, moves.shape)
        if moves[i, j] == 0:
            break
        units = [
            f"z{system.M - system.P + p}{'+' if summary.codes[j][p] else '-'}"
            for p in switching_units(summary.codes[i], summary.codes[j])
        ]
        lines.append(f"  R{i} -> R{j} ({moves[i, j]}x): {' '.join(units)}")
    return lines


def _usage_lines(codes, summary: RegimeSummary, y, shown: int) -> list[str]:
    if any(np.ndim(label) for label in y):  # per-step labels: no one label per sequence
        return []
    y = np.asarray(y)
    if y.ndim != 1 or len(np.unique(y)) > _MAX_LABELS:
        return []
    groups, usage = regime_usage(regime_sequences(codes, summary), summary.n_regimes, labels=y)
    return [
        f"  {g!s}: " + " ".join(f"R{r} {100 * u:.0f}%" for r, u in enumerate(row[:shown]) if u > 0)
        for g, row in zip(groups, usage)
    ]


def describe(
    model,
    X=None,
    y=None,
    *,
    s=None,
    n_regimes: int = 4,
    tol: float = 1e-2,
    print_report: bool = False,
    legend: bool = False,
) -> str:
    """Plain-text summary of the regimes a fitted AL-RNN uses and what each one does.

    Parameters
    ----------
    model : fitted ALRNNClassifier/ALRNNRegressor or PiecewiseLinearSystem
        An estimator is used duck-typed through ``linearize()``, ``regimes_``
        and ``regime_codes(X)``.
    X : array of shape (n, T, F) or (n, T), or list of (T_i, F) arrays, optional
        Data to compute occupancy, dwell times and switches on (default: the
        estimator's ``regimes_``). A system is simulated from z_0 = 0.
    y : array of shape (n,), optional
        Class or condition labels; adds regime usage per label when there are
        at most 10 distinct values.
    s : array of shape (F,), optional
        Constant input for the fixed points (0 when None).
    n_regimes : int, default=4
        How many of the most frequent regimes to list.
    tol : float, default=1e-2
        Band around ``|lambda| = 1`` counted as marginal (slow): ``|tau| >= ~100`` steps.
    print_report : bool, default=False
        Also print the report.
    legend : bool, default=False
        Append a legend that explains every term of the report (see Notes).

    Returns
    -------
    report : str
        One line per regime: occupancy, mean dwell time, stability, leading
        eigenvalue lambda1 and its time constant ``tau = -1/log|lambda1|``, number of
        slow (``|lambda| ~ 1``) modes, oscillation periods, and whether the regime's
        fixed point is real and stable; then the main regime switches with the
        ReLU units that flip (``z7+`` turns unit 7 on). A fixed point has
        its regime's stability; with an eigenvalue near +1 it is not unique
        (a line of near-fixed points: memory).

    See Also
    --------
    regime_spectra, fixed_points, find_cycles, regime_usage

    Notes
    -----
    The terms of the report (the text that ``legend=True`` appends)::

        R0 [01]       regime 0 (the most visited first) and its code, one digit per
                      ReLU unit (the last P units, numbered from 0): 1 = on, 0 = off;
                      "-" is the single regime of P = 0.
        12.3%         share of the valid time steps spent in the regime.
        dwell         mean number of consecutive steps per visit.
        stable / marginal / unstable
                      rho = largest |eigenvalue| of the regime's Jacobian: stable if
                      rho < 1 - tol, marginal within tol of 1 (a memory or
                      integrator), unstable above 1 + tol. An unstable regime visited
                      for a few steps amplifies by at most rho**dwell before the state
                      leaves it (1.05**10 = 1.6): not a fault of the model.
        lambda1, tau  the eigenvalue of largest modulus and its time constant
                      -1/log|lambda1| (steps to shrink by e; inf at |lambda1| = 1;
                      grows(x): grows by e every x steps).
        slow modes    eigenvalues within tol of |lambda| = 1.
        periods       oscillation periods (steps) of complex eigenvalues.
        FP real / virtual
                      the regime's fixed point lies inside the regime (the state can
                      settle there) or outside it (the state is pulled toward it but
                      switches regime first); "(not unique)": an eigenvalue near +1.
        R0 -> R1 (5x): z14-
                      most frequent switches and the units that flip (z14- turns
                      unit 14 off, z14+ on).

    Examples
    --------
    >>> import numpy as np
    >>> system = PiecewiseLinearSystem(a=[1.0, 0.0], W=[[0, 1], [0, 0]], C=[[0.0], [1.0]],
    ...                                h=[0, 0], B=[[1.0, 0]], b=[0.0], P=1)
    >>> report = describe(system, X=np.array([[1.0, -1.0, 1.0, 0.0]]))
    >>> report.splitlines()[1]
    'regimes: 2 of 2**1 used on 4 steps'
    >>> "R0 -> R1" in report and "z1-" in report
    True
    >>> "FP virtual" in describe(system, legend=True)
    True
    """
    system, summary, codes = _resolve(model, X)
    F = system.C.shape[1] if system.C.ndim == 2 else 0
    lines = [
        f"AL-RNN: M={system.M} units ({system.M - system.P} linear + {system.P} ReLU), F={F} inputs"
    ]
    if summary is None:
        regime_codes, freqs, dwell = system.regime_codes, [None] * len(system.regime_codes), None
        if not len(regime_codes):
            regime_codes, freqs = system.all_codes(), [None] * 2**system.P
        lines.append(f"regimes: {len(regime_codes)} listed (no data given: no occupancy)")
    else:
        regime_codes, freqs = summary.codes, summary.frequencies
        lines.append(
            f"regimes: {summary.n_regimes} of 2**{system.P} used on {summary.counts.sum()} steps"
        )
        dwell = None
        if codes is not None:
            dwell = [
                d.mean() if d.size else np.nan
                for d in dwell_times(regime_sequences(codes, summary), summary.n_regimes)
            ]
    shown = min(n_regimes, len(regime_codes))
    for i in range(shown):
        spec = linear_spectrum(system.jacobian(regime_codes[i]), regime_codes[i], tol)
        lines.append(
            _regime_line(i, spec, system, s, freqs[i], None if dwell is None else dwell[i], tol)
        )
    if len(regime_codes) > shown:
        rest = (
            "" if summary is None else f" ({100 * summary.frequencies[shown:].sum():.1f}% of steps)"
        )
        lines.append(f"  ... {len(regime_codes) - shown} rarer regimes{rest}")
    if summary is not None and system.P:
        switches = _switch_lines(summary, system, shown, n_top=3)
        if switches:
            lines += ["switches (units that flip):"] + switches
    if y is not None and codes is not None:
        usage = _usage_lines(codes, summary, y, shown)
        if usage:
            lines += ["usage by label:"] + usage
    if legend:
        lines += ["", _LEGEND.format(tol=tol)]
    report = "\n".join(lines)
    if print_report:
        print(report)
    return report
