"""DSR metrics against hand-computed values, brute-force versions and their edge rules."""

import numpy as np
import pytest

from sk_alrnn.metrics import (
    make_dsr_scorer,
    power_spectrum_distance,
    prediction_error,
    state_space_divergence,
)


@pytest.fixture
def cloud():
    rng = np.random.RandomState(0)
    return rng.randn(400, 2), rng.randn(300, 2) * 1.5 + 0.5


# ---- D_stsp, bins ------------------------------------------------------------------


def test_bins_hand_computed():
    # sd = 1.291, bins [-0.129, 3.129] cut in 2: {0, 1} -> bin 0, {2, 3} -> bin 1.
    X_true, X_gen = np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 0.0, 1.0, 3.0])
    alpha = 1e-5
    p = (np.array([2, 2]) + alpha) / (4 + 2 * alpha)
    q = (np.array([3, 1]) + alpha) / (4 + 2 * alpha)
    want = np.sum(p * np.log(p / q))
    got = state_space_divergence(X_true, X_gen, method="bins", n_bins=2, alpha=alpha)
    assert got == pytest.approx(want, rel=1e-12)
    assert want == pytest.approx(0.5 * np.log(0.5 / 0.75) + 0.5 * np.log(2.0), rel=1e-4)


def _brute_force_bins(X_true, X_gen, n_bins, alpha):
    """The same definition on a full n_bins^N histogram (np.histogramdd)."""
    sd = X_true.std(axis=0, ddof=1)
    edges = [
        np.linspace(lo, hi, n_bins + 1)
        for lo, hi in zip(X_true.min(0) - 0.1 * sd, X_true.max(0) + 0.1 * sd)
    ]
    h_true = np.histogramdd(X_true, bins=edges)[0]
    h_gen = np.histogramdd(X_gen, bins=edges)[0]
    p = (h_true + alpha) / (h_true.sum() + alpha * h_true.size)
    q = (h_gen + alpha) / (h_gen.sum() + alpha * h_gen.size)
    return np.sum(p * np.log(p / q))


@pytest.mark.parametrize("n_bins", [3, 7, 30])
def test_bins_closed_form_empty_bins_match_full_histogram(cloud, n_bins):
    X_true, X_gen = cloud
    got = state_space_divergence(X_true, X_gen, method="bins", n_bins=n_bins)
    assert got == pytest.approx(_brute_force_bins(X_true, X_gen, n_bins, 1e-5), rel=1e-9)


def test_bins_counts_do_not_wrap_above_uint16():
    # 70 000 points share one bin; a 16-bit count would wrap to 4 464.
    X_true = np.concatenate([np.zeros(70_000), np.linspace(0, 1, 100)])
    X_gen = np.concatenate([np.zeros(70_000), np.zeros(100)])
    got = state_space_divergence(X_true, X_gen, method="bins")
    assert got == pytest.approx(_brute_force_bins(X_true[:, None], X_gen[:, None], 30, 1e-5))
    assert got < 0.1


def test_bins_no_generated_point_inside_is_inf(cloud):
    X_true, _ = cloud
    assert state_space_divergence(X_true, X_true + 100.0, method="bins") == np.inf


# ---- D_stsp, gmm ---------------------------------------------------------------------


def test_gmm_matches_direct_formula(cloud):
    X_true, X_gen = cloud
    rng = np.random.RandomState(3)
    t = rng.randint(0, len(X_true), size=50)
    s = X_true[t] + np.sqrt(0.5) * rng.standard_normal((50, 2))

    def log_density(centres):
        sq = ((s[:, None, :] - centres[None]) ** 2).sum(-1)
        return np.log(np.mean(np.exp(-sq / (2 * 0.5)), axis=1))

    want = np.mean(log_density(X_true) - log_density(X_gen))
    got = state_space_divergence(
        X_true, X_gen, method="gmm", scaling=0.5, n_samples=50, random_state=3
    )
    assert got == pytest.approx(want, rel=1e-10)


def test_gmm_far_set_is_not_under_reported(cloud):
    # 100 sigma away every density in float32 underflows; in log space D ~ 100^2 / 2.
    X_true, _ = cloud
    got = state_space_divergence(X_true, X_true + [100.0, 0.0], method="gmm", random_state=0)
    assert got > 4000


def test_gmm_uses_first_max_T_points(cloud):
    X_true, X_gen = cloud
    full = state_space_divergence(X_true[:100], X_gen[:100], method="gmm", random_state=0)
    cut = state_space_divergence(X_true, X_gen, method="gmm", max_T=100, random_state=0)
    assert cut == full


def test_auto_switches_at_three_dimensions():
    rng = np.random.RandomState(1)
    for N, method in [(3, "bins"), (4, "gmm")]:
        A, G = rng.randn(200, N), rng.randn(200, N)
        assert state_space_divergence(A, G, random_state=0) == state_space_divergence(
            A, G, method=method, random_state=0
        )


@pytest.mark.parametrize("method", ["bins", "gmm"])
@pytest.mark.parametrize("seed", [0, 1, None])
def test_identical_inputs_score_zero(cloud, method, seed):
    X, _ = cloud
    assert state_space_divergence(X, X.copy(), method=method, random_state=seed) == 0.0


# ---- D_H ---------------------------------------------------------------------------


def test_power_spectrum_pure_tones_hand_computed():
    t = np.arange(256)
    tone = np.cos(2 * np.pi * 8 * t / 256)
    shifted = np.cos(2 * np.pi * 8 * t / 256 + 1.0)  # same spectrum
    other = np.cos(2 * np.pi * 20 * t / 256)  # disjoint spectrum
    assert power_spectrum_distance(tone, shifted, smoothing=0) == pytest.approx(0.0, abs=1e-7)
    assert power_spectrum_distance(tone, other, smoothing=0) == pytest.approx(1.0)
    half = np.cos(2 * np.pi * 8 * t / 256) + np.cos(2 * np.pi * 20 * t / 256)
    # p = delta at 8, q = half at 8 and 20: H = sqrt(1 - sqrt(1/2)).
    want = np.sqrt(1 - np.sqrt(0.5))
    assert power_spectrum_distance(tone, half, smoothing=0) == pytest.approx(want, rel=1e-6)


def test_power_spectrum_constant_dimensions_and_raw_values():
    t = np.arange(300)
    X_true = np.stack([np.sin(0.2 * t), np.ones(300)], axis=1)
    X_gen = np.stack([np.ones(300), np.ones(300)], axis=1)
    got = power_spectrum_distance(X_true, X_gen, multioutput="raw_values")
    np.testing.assert_array_equal(got, [1.0, 0.0])
    assert power_spectrum_distance(X_true, X_gen) == 0.5


def test_power_spectrum_cuts_to_common_length_and_is_zero_on_identical(cloud):
    X, _ = cloud
    assert power_spectrum_distance(X, X) == 0.0
    assert power_spectrum_distance(X, np.vstack([X, X])) == 0.0
    d = power_spectrum_distance(X, cloud[1], smoothing=1.0, multioutput="raw_values")
    assert d.shape == (2,) and ((d >= 0) & (d <= 1)).all()


# ---- diverged runs and errors ------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_generated_data_scores_worst(cloud, bad):
    X, G = cloud
    G = G.copy()
    G[5, 1] = bad
    assert state_space_divergence(X, G) == np.inf
    assert state_space_divergence(X, G, method="gmm") == np.inf
    assert power_spectrum_distance(X, G) == 1.0
    np.testing.assert_array_equal(power_spectrum_distance(X, G, multioutput="raw_values"), 1.0)


@pytest.mark.parametrize("metric", [state_space_divergence, power_spectrum_distance])
@pytest.mark.parametrize(
    "X_true, X_gen, match",
    [
        (np.array([[0.0, np.nan], [1.0, 1.0]]), np.zeros((5, 2)), "NaN"),
        (np.zeros((1, 2)), np.zeros((5, 2)), "at least 2"),
        (np.zeros((4, 3, 2)), np.zeros((5, 2)), "shape"),
        (np.zeros((4, 2)), np.zeros((5, 3)), "dimensions"),
        (np.zeros((4, 2)), np.zeros((5, 2, 1)), "shape"),
    ],
)
def test_errors(metric, X_true, X_gen, match):
    with pytest.raises(ValueError, match=match):
        metric(X_true, X_gen)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda X: state_space_divergence(X, X, method="kde"), "method"),
        (lambda X: state_space_divergence(X, X, n_bins=0), "n_bins"),
        (lambda X: state_space_divergence(X, X, alpha=0), "alpha"),
        (
            lambda X: power_spectrum_distance(X, X, multioutput="variance_weighted"),
            "multioutput",
        ),
        (lambda X: power_spectrum_distance(X, X, smoothing=-1), "smoothing"),
        (lambda X: make_dsr_scorer("r2"), "metric"),
        (lambda X: make_dsr_scorer("prediction_error", n_bins=8), "options"),
    ],
)
def test_unknown_options(cloud, call, match):
    with pytest.raises(ValueError, match=match):
        call(cloud[0])


# ---- prediction error and scorer (duck-typed estimators) -------------------------------------


class _Shift:
    """Predicts x_t + n for every observation (and runs away linearly)."""

    n_features_in_ = 1

    def predict(self, X, n_steps=1):
        return np.asarray(X, dtype=float) + n_steps

    def simulate(self, n_steps, x0=None):
        return np.asarray(x0, dtype=float) + np.arange(1, n_steps + 1)[:, None]


def test_prediction_error_pools_trajectories_and_skips_short_ones():
    X = [
        np.array([0.0, 1.0, 1.0, 1.0]),
        np.array([5.0, 5.0, 5.0]),
        np.array([9.0, 9.0]),
    ]
    # n = 2: trajectory 0 gives (0+2-1)^2, (1+2-1)^2 = 1, 4; trajectory 1 gives (5+2-5)^2 = 4;
    # trajectory 2 (T = 2 <= n) is skipped.
    assert prediction_error(_Shift(), X, n_steps=2) == pytest.approx((1 + 4 + 4) / 3)
    with pytest.raises(ValueError, match="longer than n_steps"):
        prediction_error(_Shift(), [np.zeros(2), np.zeros(3)], n_steps=3)


def test_prediction_error_non_finite_is_inf():
    class Blowup(_Shift):
        def predict(self, X, n_steps=1):
            return np.full(np.shape(X), np.inf)

    assert prediction_error(Blowup(), np.zeros(30), n_steps=20) == np.inf


def test_scorers_negate_metrics_on_free_runs():
    X = np.sin(0.3 * np.arange(200))[:, None]
    est = _Shift()
    run = est.simulate(10 + 200, x0=X[0])[10:]
    scorer = make_dsr_scorer("power_spectrum_distance", transient=10, smoothing=1.0)
    assert scorer(est, X) == -power_spectrum_distance(X, run, smoothing=1.0)
    run = est.simulate(10 + 50, x0=X[0])[10:]
    scorer = make_dsr_scorer(n_steps=50, transient=10)
    assert scorer(est, [X, X]) == -state_space_divergence(X, run)
    assert make_dsr_scorer("prediction_error", n_steps=3)(est, X) == -prediction_error(est, X, 3)


def test_option_errors_use_the_package_message():
    X = np.zeros((4, 2))
    expected = (
        r"^The 'n_bins' parameter of state_space_divergence must be an int >= 1 and finite\. "
        r"Got 0 instead\.$"
    )
    with pytest.raises(ValueError, match=expected):
        state_space_divergence(X, X, n_bins=0)
    expected = r"^X_gen must have the 2 dimensions of X_true\. Got 3 dimensions instead\.$"
    with pytest.raises(ValueError, match=expected):
        power_spectrum_distance(X, np.zeros((4, 3)))


# ---- huge magnitudes, foreign dtypes, memory budget -----------------------------------
@pytest.mark.parametrize("method", ["bins", "gmm"])
@pytest.mark.parametrize("magnitude", [1e-200, 1.0, 1e200, 1e300])
def test_identical_inputs_of_any_magnitude_score_zero(method, magnitude):
    X = np.random.RandomState(3).randn(300, 2) * magnitude
    assert state_space_divergence(X, X.copy(), method=method, random_state=0) == 0.0
    assert power_spectrum_distance(X, X.copy()) == 0.0


@pytest.mark.parametrize("magnitude", [2.0**-600, 2.0**600])
def test_bins_and_spectra_do_not_depend_on_a_power_of_two_scale(magnitude):
    # Both are invariant to scaling the data; a power of two scales exactly, so the
    # values at 1e-180 and 1e180 must equal those at magnitude 1 to the last bit.
    rng = np.random.RandomState(4)
    A, G = rng.randn(400, 2), rng.randn(400, 2) + 0.3
    expected = state_space_divergence(A, G, method="bins")
    assert 0 < expected < np.inf
    assert state_space_divergence(A * magnitude, G * magnitude, method="bins") == expected
    expected = power_spectrum_distance(A, G)
    assert power_spectrum_distance(A * magnitude, G * magnitude) == expected


def test_gmm_stays_finite_far_from_the_origin():
    rng = np.random.RandomState(5)
    A = rng.randn(200, 4)
    near = state_space_divergence(A, A + 0.5, method="gmm", random_state=0)
    # Shifting both sets changes nothing but rounding (the points are centred first).
    far = state_space_divergence(A + 1e6, A + 1e6 + 0.5, method="gmm", random_state=0)
    assert np.isfinite(near) and abs(far - near) < 1e-3 * near


@pytest.mark.parametrize(
    "bad", [np.ones((20, 2)) + 1j, np.ones((20, 2)).astype(str), np.ones((20, 2), dtype=object)]
)
def test_complex_strings_and_objects_are_refused(bad):
    for X_true, X_gen in ((bad, np.ones((20, 2))), (np.random.randn(20, 2), bad)):
        with pytest.raises(ValueError, match="real numeric array"):
            state_space_divergence(X_true, X_gen)
        with pytest.raises(ValueError, match="real numeric array"):
            power_spectrum_distance(X_true, X_gen)


@pytest.mark.parametrize(
    "call",
    [
        lambda X: power_spectrum_distance(X, X, smoothing=1e9),
        lambda X: state_space_divergence(X, X, method="gmm", n_samples=10**9),
    ],
)
def test_parameters_beyond_the_memory_budget_are_refused_before_allocating(call):
    import tracemalloc

    X = np.random.RandomState(6).randn(50, 2)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="memory budget of 1 GiB"):
            call(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_scorer_refuses_unknown_options_and_bad_values_when_made():
    with pytest.raises(ValueError, match=r"unknown \['bogus_option'\]"):
        make_dsr_scorer(bogus_option=1)
    with pytest.raises(ValueError, match="'n_bins' parameter"):
        make_dsr_scorer(n_bins=0)
    assert callable(make_dsr_scorer(method="gmm", n_samples=50, random_state=0))
