"""Regime analysis: every quantity against an independent computation (numpy, direct iteration)."""

import numpy as np
import pytest

from sk_alrnn.analysis import (
    MARGINAL_TOL,
    PiecewiseLinearSystem,
    classify_stability,
    describe,
    dwell_times,
    find_cycles,
    fixed_points,
    format_code,
    linear_spectrum,
    pca_project,
    periods,
    regime_sequences,
    regime_spectra,
    regime_summary,
    regime_usage,
    regime_usage_over_time,
    switching_units,
    time_constants,
    transition_probabilities,
    unit_switches,
)


def random_system(M=5, P=3, F=2, seed=0, regime_codes=None):
    rng = np.random.default_rng(seed)
    return PiecewiseLinearSystem(
        a=rng.uniform(0.2, 0.9, M),
        W=rng.normal(0, 0.4, (M, M)),
        C=rng.normal(size=(M, F)),
        h=rng.normal(0, 0.3, M),
        B=rng.normal(size=(1, M)),
        b=[0.0],
        P=P,
        regime_codes=regime_codes,
    )


def one_d(a, w, h):
    """z -> a z + w relu(z) + h: a 1-D ReLU map whose answers we know by hand."""
    return PiecewiseLinearSystem(a=[a], W=[[w]], C=[[1.0]], h=[h], B=[[1.0]], b=[0.0], P=1)


def hand_jacobian(system, code):
    slope = np.r_[np.ones(system.M - system.P), np.asarray(code, float)]
    return np.diag(system.a) + system.W @ np.diag(slope)


def iterate(system, z, k, s=None):
    for _ in range(k):
        z = system.step(z, s)
    return z


# ---------------------------------------------------------------- spectra
def test_time_constants_and_periods_match_formulas():
    lam = np.array([0.5, -0.5, 1.0, 0.0, 2.0, 0.6 * np.exp(0.3j)])
    tau = time_constants(lam)
    finite = (np.abs(lam) != 1) & (lam != 0)
    np.testing.assert_allclose(tau[finite], -1 / np.log(np.abs(lam[finite])))
    assert tau[2] == np.inf and tau[3] == 0.0 and tau[4] < 0
    np.testing.assert_allclose(periods(lam), [np.inf, 2, np.inf, np.inf, np.inf, 2 * np.pi / 0.3])


def test_linear_spectrum_matches_numpy_eig():
    A = np.random.default_rng(1).normal(size=(6, 6)) / 3
    spec = linear_spectrum(A)
    np.testing.assert_allclose(
        np.sort_complex(spec.eigenvalues), np.sort_complex(np.linalg.eigvals(A))
    )
    np.testing.assert_allclose(
        A @ spec.eigenvectors, spec.eigenvectors * spec.eigenvalues, atol=1e-10
    )
    assert np.all(np.diff(np.abs(spec.eigenvalues)) <= 1e-12)  # sorted by modulus
    assert spec.spectral_radius == pytest.approx(np.max(np.abs(np.linalg.eigvals(A))))


@pytest.mark.parametrize(
    "diag, label",
    [
        ([0.9, 0.1], "stable"),
        ([1.0, 0.3], "marginal"),
        ([1.2, 0.3], "unstable"),
        ([-1.0005, 0.0], "marginal"),
    ],
)
def test_stability_label_follows_the_spectral_radius(diag, label):
    assert linear_spectrum(np.diag(diag)).stability == label


def test_rotation_is_oscillatory_and_slow():
    angle = 2 * np.pi / 8
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    spec = linear_spectrum(R)
    assert spec.oscillatory.all() and spec.slow.all() and spec.stability == "marginal"
    np.testing.assert_allclose(spec.periods, 8.0)
    assert np.all(np.isinf(spec.time_constants))


def test_regime_spectra_use_hand_built_jacobians():
    system = random_system()
    spectra = regime_spectra(system)
    assert len(spectra) == 2**system.P  # no listed regimes: all codes
    for spec in spectra:
        expected = np.linalg.eigvals(hand_jacobian(system, spec.code))
        np.testing.assert_allclose(
            np.sort_complex(spec.eigenvalues), np.sort_complex(expected), atol=1e-12
        )
    listed = random_system(regime_codes=[[1, 0, 1], [0, 0, 0]])
    assert [s.code.tolist() for s in regime_spectra(listed)] == [[True, False, True], [False] * 3]


# ---------------------------------------------------------------- piecewise-affine decomposition
def test_affine_decomposition_holds_along_trajectories():
    system = random_system(M=6, P=4, seed=3)
    S = np.random.default_rng(4).normal(size=(40, 2))
    Z = system.simulate(S)
    codes = system.code_of(Z)
    for t in range(len(S) - 1):
        expected = hand_jacobian(system, codes[t]) @ Z[t] + system.C @ S[t + 1] + system.h
        np.testing.assert_allclose(Z[t + 1], expected, atol=1e-12)


# ---------------------------------------------------------------- fixed points
def test_fixed_points_real_ones_are_fixed_under_iteration():
    system = random_system(seed=5)
    s = np.array([0.3, -0.2])
    points = fixed_points(system, s=s)
    assert len(points) == 2**system.P
    for fp in points:
        J = hand_jacobian(system, fp.code)
        np.testing.assert_allclose(J @ fp.z + system.C @ s + system.h, fp.z, atol=1e-10)
        assert fp.real == bool((fp.z[system.M - system.P :] > 0).tolist() == fp.code.tolist())
        assert fp.stable == bool(np.max(np.abs(np.linalg.eigvals(J))) < 1 - MARGINAL_TOL)
        if fp.real:
            np.testing.assert_allclose(system.step(fp.z, s), fp.z, atol=1e-10)
    assert any(fp.real for fp in points)


def test_known_real_and_virtual_fixed_points():
    # z -> 0.5 z + 1: on-regime point z=2 is real; the off-regime solve gives z=2 too,
    # but z > 0 lies outside the off regime: virtual
    on, off = fixed_points(one_d(0.5, 0.0, 1.0), codes=[[True], [False]])
    assert on.z.tolist() == [2.0] and on.real and on.stable
    assert off.z.tolist() == [2.0] and not off.real
    # z -> 0.5 z - relu(z) + 1: off regime's point (2) is virtual, on regime's (2/3) is real
    on, off = fixed_points(one_d(0.5, -1.0, 1.0), codes=[[True], [False]])
    assert on.z == pytest.approx(2 / 3) and on.real and off.z == pytest.approx(2.0) and not off.real
    z = iterate(one_d(0.5, -1.0, 1.0), np.array([5.0]), 200)
    assert z == pytest.approx(2 / 3)  # the stable real one attracts


# ---------------------------------------------------------------- cycles
def test_known_unstable_two_cycle_of_tent_map():
    system = one_d(2.0, -4.0, 1.0)  # z<=0: 2z+1, z>0: -2z+1
    (cycle,) = find_cycles(system, k=2)
    assert sorted(cycle.z.ravel()) == pytest.approx([-0.2, 0.6])
    np.testing.assert_allclose(iterate(system, cycle.z[0], 2), cycle.z[0], atol=1e-12)
    np.testing.assert_allclose(system.step(cycle.z[0]), cycle.z[1], atol=1e-12)
    assert cycle.k == 2 and cycle.real and not cycle.stable
    assert cycle.eigenvalues == pytest.approx([-4.0])
    fixed = find_cycles(system, k=1)
    assert sorted(c.z.item() for c in fixed) == pytest.approx([-1.0, 1 / 3])


def test_stable_two_cycle_attracts_under_iteration():
    system = one_d(0.0, -2.0, 1.0)  # any z lands on the cycle -1 <-> 1
    (cycle,) = find_cycles(system, k=2)
    assert cycle.stable and sorted(cycle.z.ravel()) == [-1.0, 1.0]
    assert iterate(system, np.array([0.37]), 11).item() in (-1.0, 1.0)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_cycles_are_self_consistent_under_direct_iteration(k):
    system = one_d(2.0, -4.0, 1.0)
    cycles = find_cycles(system, k=k)
    assert cycles  # the tent map has cycles of every period
    for c in cycles:
        path = [c.z[0]]
        for _ in range(k):
            path.append(system.step(path[-1]))
        np.testing.assert_allclose(path[k], path[0], atol=1e-9)
        np.testing.assert_allclose(np.array(path[:k]), c.z, atol=1e-9)
        assert (system.code_of(np.array(path[:k])) == c.codes).all()
        assert len(np.unique(np.round(c.z, 9), axis=0)) == k  # minimal period k
        monodromy = np.prod([hand_jacobian(system, code) for code in c.codes])
        assert c.eigenvalues == pytest.approx([monodromy])
    starts = {tuple(np.round(np.sort(c.z.ravel()), 9)) for c in cycles}
    assert len(starts) == len(cycles)  # no cyclic shift reported twice


@pytest.mark.parametrize(
    "n_regimes, k, necklaces", [(2, 2, 1), (3, 2, 3), (2, 3, 2), (2, 4, 3), (3, 3, 8)]
)
def test_one_candidate_per_primitive_necklace(n_regimes, k, necklaces):
    system = random_system(M=3, P=2, seed=6)
    cycles = find_cycles(system, k=k, codes=system.all_codes()[:n_regimes], include_virtual=True)
    assert len(cycles) == necklaces


def test_random_candidate_sampling_is_seeded_and_bounded():
    system = random_system(M=4, P=4, seed=7)  # 16 regimes, 16**3 sequences
    a = find_cycles(system, k=3, include_virtual=True, max_candidates=50, random_state=0)
    b = find_cycles(system, k=3, include_virtual=True, max_candidates=50, random_state=0)
    assert 0 < len(a) <= 50 and [c.codes.tolist() for c in a] == [c.codes.tolist() for c in b]
    with pytest.raises(ValueError, match="k must be an int >= 1"):
        find_cycles(system, k=0)


# ---------------------------------------------------------------- symbolic dynamics
CODES = [
    np.array([[1, 0], [1, 0], [0, 0], [1, 1], [1, 0]], bool),
    np.array([[0, 0], [0, 0], [1, 0]], bool),
]


def test_regime_sequences_index_summary_codes():
    summary = regime_summary(CODES)
    seqs = regime_sequences(CODES, summary)
    for c, q in zip(CODES, seqs):
        np.testing.assert_array_equal(summary.codes[q], c)
    assert regime_sequences([np.array([[0, 1]], bool)], summary)[0].tolist() == [-1]


def test_transitions_and_probabilities_match_hand_count():
    summary = regime_summary(CODES)
    counts = np.zeros((summary.n_regimes,) * 2, int)
    for q in regime_sequences(CODES, summary):
        for i, j in zip(q[:-1], q[1:]):
            counts[i, j] += 1
    np.testing.assert_array_equal(summary.transitions, counts)
    probs = transition_probabilities(counts)
    np.testing.assert_allclose(probs.sum(axis=1), (counts.sum(axis=1) > 0).astype(float))
    np.testing.assert_allclose(probs[0], counts[0] / counts[0].sum())


def test_dwell_times_on_hand_made_sequences():
    dwell = dwell_times([np.array([2, 2, 0, 0, 0, 2]), np.array([1, 1, -1])], 3)
    assert [d.tolist() for d in dwell] == [[3], [2], [2, 1]]
    summary = regime_summary(CODES)
    dwell = dwell_times(regime_sequences(CODES, summary), summary.n_regimes)
    assert [d.sum() for d in dwell] == summary.counts.tolist()


def test_regime_usage_by_label_and_time():
    seqs = [np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), np.array([2, 2])]
    groups, usage = regime_usage(seqs, 3, labels=[1, 0, 1])
    assert groups.tolist() == [0, 1]
    np.testing.assert_allclose(usage, [[0.25, 0.75, 0], [2 / 6, 2 / 6, 2 / 6]])
    _, overall = regime_usage(seqs, 3)
    np.testing.assert_allclose(overall, [[0.3, 0.5, 0.2]])
    edges, by_time = regime_usage_over_time(seqs, 3, n_windows=2)
    assert edges.tolist() == [0, 2, 4]
    np.testing.assert_allclose(by_time, [[3 / 6, 1 / 6, 2 / 6], [0, 1, 0]])
    with pytest.raises(ValueError, match="labels has 2 entries"):
        regime_usage(seqs, 3, labels=[0, 1])


def test_unit_switches_attribute_every_regime_change():
    summary = regime_summary(CODES)
    for c, q, sw in zip(CODES, regime_sequences(CODES, summary), unit_switches(CODES)):
        assert sw.shape == (len(c) - 1, 2)
        np.testing.assert_array_equal(sw != 0, c[1:] != c[:-1])
        np.testing.assert_array_equal(sw.any(axis=1), q[1:] != q[:-1])
        for t in range(len(c) - 1):
            np.testing.assert_array_equal(np.flatnonzero(sw[t]), switching_units(c[t], c[t + 1]))
    assert unit_switches(CODES)[0][2].tolist() == [1, 1]


# ---------------------------------------------------------------- projection and report
def test_pca_project_matches_sklearn():
    from sklearn.decomposition import PCA

    Z = np.random.default_rng(8).normal(size=(4, 10, 5)) * [3, 2, 1, 0.5, 0.1]
    projected, explained = pca_project(Z, 3)
    pca = PCA(3).fit(Z.reshape(-1, 5))
    np.testing.assert_allclose(explained, pca.explained_variance_ratio_)
    np.testing.assert_allclose(
        np.abs(np.concatenate(projected)), np.abs(pca.transform(Z.reshape(-1, 5))), atol=1e-10
    )


class FakeEstimator:
    """Duck-typed fitted estimator: what describe() uses and nothing more."""

    def __init__(self, system, X):
        self.system = system
        self.regimes_ = regime_summary(self.regime_codes(X))

    def linearize(self):
        return PiecewiseLinearSystem(
            *(getattr(self.system, n) for n in "a W C h B b P".split()),
            regime_codes=self.regimes_.codes,
        )

    def regime_codes(self, X):
        return np.stack([self.system.code_of(self.system.simulate(x)) for x in X])


def test_describe_reports_regimes_fixed_points_and_switches(capsys):
    # z0 integrates relu(z1); z1 copies the input: one ReLU gate in front of a perfect integrator
    system = PiecewiseLinearSystem(
        a=[1.0, 0.0], W=[[0, 1], [0, 0]], C=[[0.0], [1.0]], h=[0, 0], B=[[1.0, 0]], b=[0.0], P=1
    )
    X = np.random.default_rng(9).normal(size=(6, 12, 1))
    report = describe(FakeEstimator(system, X), print_report=True)
    assert capsys.readouterr().out.strip() == report
    lines = report.splitlines()
    assert lines[0] == "AL-RNN: M=2 units (1 linear + 1 ReLU), F=1 inputs"
    assert lines[1] == "regimes: 2 of 2**1 used on 72 steps"
    assert all("marginal lambda1=1.000 tau=inf" in line for line in lines[2:4])
    assert "z1+" in report and "z1-" in report and "(not unique)" in report
    with_y = describe(FakeEstimator(system, X), X=X, y=np.r_[[0] * 3, [1] * 3])
    assert "usage by label:" in with_y and "dwell" in with_y
    assert describe(system, X=X[..., 0]).splitlines()[1] == lines[1]  # system simulated on (n, T) X
    with pytest.raises(TypeError, match="PiecewiseLinearSystem or a fitted"):
        describe(object())


def test_describe_stable_system_lists_real_stable_fixed_point():
    report = describe(one_d(0.5, -1.0, 1.0), X=np.ones((2, 5)), n_regimes=1)
    assert "stable" in report and "FP real" in report and "rarer" not in report


def _naive_summary_counts(sequences):
    """Independent recount with Python tuples and dicts."""
    from collections import Counter

    steps = Counter(tuple(row) for seq in sequences for row in seq)
    moves = Counter((tuple(a), tuple(b)) for seq in sequences for a, b in zip(seq[:-1], seq[1:]))
    return steps, moves


@pytest.mark.parametrize("P", [1, 3, 11])
def test_regime_summary_matches_naive_count(P):
    rng = np.random.RandomState(P)
    sequences = [rng.rand(T, P) > 0.7 for T in rng.randint(1, 30, size=25)]
    summary = regime_summary(sequences)
    steps, moves = _naive_summary_counts(sequences)
    assert summary.n_regimes == len(steps)
    for code, count in zip(summary.codes, summary.counts):
        assert steps[tuple(code)] == count
    for i, a in enumerate(summary.codes):
        for j, b in enumerate(summary.codes):
            assert summary.transitions[i, j] == moves[(tuple(a), tuple(b))]


def test_describe_and_plot_transitions_read_a_summary_of_many_regimes():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sk_alrnn.plotting import plot_transitions

    rng = np.random.RandomState(1)
    summary = regime_summary([rng.rand(30, 6) > 0.5 for _ in range(4)])
    counts = summary.transitions.astype(float)
    rows = counts.sum(axis=1, keepdims=True)
    by_hand = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    np.testing.assert_allclose(transition_probabilities(summary.transitions), by_hand)
    np.testing.assert_allclose(
        transition_probabilities(summary.transitions_sparse).toarray(), by_hand
    )
    ax = plot_transitions(summary, n_regimes=5)
    assert ax.images[0].get_array().shape == (5, 5)
    system = PiecewiseLinearSystem(
        a=np.full(6, 0.5),
        W=np.zeros((6, 6)),
        C=np.ones((6, 1)),
        h=np.zeros(6),
        B=np.ones((1, 6)),
        b=[0.0],
        P=6,
        regime_codes=summary.codes,
    )

    class Fitted:  # duck-typed estimator carrying the summary
        regimes_ = summary

        def linearize(self):
            return system

    report = describe(Fitted())
    assert f"regimes: {summary.n_regimes} of 2**6 used on 120 steps" in report


# ---------------------------------------------------------------- one set of result types
def test_one_stability_rule_for_fixed_points_spectra_and_cycles():
    # |lambda| = 0.995: within MARGINAL_TOL of the unit circle, so marginal everywhere
    system = PiecewiseLinearSystem(
        a=[0.995], W=[[0.0]], C=[[1.0]], h=[0.1], B=[[1.0]], b=[0.0], P=1
    )
    code = [True]
    fp = system.fixed_point(code)
    spectrum = linear_spectrum(system.jacobian(code))
    (cycle,) = find_cycles(system, k=1)
    assert fp.stability == spectrum.stability == classify_stability([0.995]) == "marginal"
    assert fp.stable is False
    assert cycle.stability == "marginal" and not cycle.stable
    assert classify_stability([1 - 2 * MARGINAL_TOL]) == "stable"
    assert classify_stability([1 + 2 * MARGINAL_TOL]) == "unstable"


def test_eigenvalues_sorted_by_modulus_in_every_result_type():
    system = random_system(M=6, P=3, seed=2, regime_codes=[[1, 0, 1], [0, 0, 0]])
    spectra = regime_spectra(system)
    for regime, spectrum in zip(system.regimes, spectra):
        np.testing.assert_allclose(regime.eigenvalues, spectrum.eigenvalues, atol=1e-12)
        np.testing.assert_array_equal(regime.fixed_point.eigenvalues, regime.eigenvalues)
        assert np.all(np.diff(np.abs(regime.eigenvalues)) <= 1e-12)
    for cycle in find_cycles(system, k=2):
        assert np.all(np.diff(np.abs(cycle.eigenvalues)) <= 1e-12)


def test_regimes_are_computed_once():
    system = random_system(regime_codes=[[1, 0, 1], [0, 0, 0]])
    assert system.regimes is system.regimes


@pytest.mark.parametrize("n_steps, P", [(6, 2), (3000, 24)])
def test_transitions_dense_and_sparse_for_every_size(n_steps, P):
    codes = np.random.default_rng(0).random((2, n_steps, P)) > 0.5
    summary = regime_summary(codes)
    assert isinstance(summary.transitions, np.ndarray) and summary.transitions.dtype == np.int64
    assert summary.transitions.shape == (summary.n_regimes,) * 2
    assert hasattr(summary.transitions_sparse, "toarray")
    np.testing.assert_array_equal(summary.transitions_sparse.toarray(), summary.transitions)
    assert summary.transitions.sum() == 2 * (n_steps - 1)
    np.testing.assert_array_equal(summary.transition_counts(3), summary.transitions[:3, :3])


def test_format_code_writes_one_digit_per_unit_and_a_dash_for_none():
    assert format_code([True, False]) == "10" and format_code(np.zeros(0, bool)) == "-"


def test_tol_of_the_stability_rule_reaches_fixed_points_and_cycles():
    # |lambda| = 0.95: 'stable' with the default band 1e-2, 'marginal' with tol=0.1,
    # alike for the regime's spectrum, its fixed point and its 1-cycle.

    system = PiecewiseLinearSystem(
        a=[0.95], W=[[0.0]], C=np.zeros((1, 0)), h=[1.0], B=[[1.0]], b=[0.0], P=1
    )
    code = np.array([False])
    assert system.fixed_point(code).stability == "stable"
    assert linear_spectrum(system.jacobian(code), code, tol=0.1).stability == "marginal"
    assert system.fixed_point(code, tol=0.1).stability == "marginal"
    assert {fp.stability for fp in fixed_points(system, tol=0.1)} == {"marginal"}
    cycles = find_cycles(system, k=1, include_virtual=True, tol=0.1)
    assert cycles and {cycle.stability for cycle in cycles} == {"marginal"}
