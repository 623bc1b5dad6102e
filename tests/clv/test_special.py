"""The special functions behind the likelihoods and predictions, against mpmath at 40 digits (an independent
implementation), on grids that cover the hard regions: arguments near 1, huge and tiny parameters, removable
singularities, and the limits of the models."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from crmlab.clv._special import (
    _POLYNOMIAL_Z,
    bg_expected,
    digamma_difference,
    distinct_pairs,
    log_bg_survival,
    log_gamma_ratio,
    log_hyp2f1,
    log_nbinom_pmf,
    nbinom_sf,
    pareto_nbd_integral,
    sum_beta_geometric_survival,
    trigamma_difference,
)

mp = pytest.importorskip("mpmath")
mp.mp.dps = 40


def test_gamma_ratios_keep_their_relative_accuracy(rng):
    """Where gammaln(x + h) - gammaln(x) loses everything: x up to 1e13, h down to 1e-10 of x."""
    x = np.exp(rng.uniform(-18, 30, 300))
    h = np.exp(rng.uniform(-23, 14, 300)) * rng.choice([-1, 1], 300)
    h = np.where(x + h > 0, h, -h)
    exact = [float(mp.loggamma(mp.mpf(a) + b) - mp.loggamma(a)) for a, b in zip(x, h, strict=True)]
    np.testing.assert_allclose(log_gamma_ratio(x, h), exact, rtol=1e-13, atol=0)
    exact = [float(mp.digamma(mp.mpf(a) + b) - mp.digamma(a)) for a, b in zip(x, h, strict=True)]
    np.testing.assert_allclose(digamma_difference(x, h), exact, rtol=1e-13, atol=0)
    exact = [float(mp.polygamma(1, mp.mpf(a) + b) - mp.polygamma(1, a)) for a, b in zip(x, h, strict=True)]
    np.testing.assert_allclose(trigamma_difference(x, h), exact, rtol=1e-13, atol=0)
    assert log_gamma_ratio(1e13, 1.0) == pytest.approx(np.log(1e13), rel=1e-15)  # gammaln's difference: 0.0625 off


@pytest.mark.parametrize("x", [1e-8, 0.24, 1.0, 1.7, 11.4, 73.3, 2.5e3, 1e6, 1e13])
def test_differences_over_whole_steps_keep_their_relative_accuracy(x):
    """The purchase models' differences at their frequencies — one x, whole steps h up to 1,000 — against mpmath:
    where gammaln's and digamma's differences lose digits (h small against x: summed by the recurrence) and where
    they do not."""
    h = np.r_[0, 1, 2, 3, 5, 9, 17, 50, 120, 999, 1000].astype(float)
    for ours, reference in ((log_gamma_ratio, mp.loggamma), (digamma_difference, mp.digamma),
                            (trigamma_difference, lambda y: mp.polygamma(1, y))):
        exact = [float(reference(mp.mpf(x) + int(step)) - reference(mp.mpf(x))) for step in h]
        np.testing.assert_allclose(ours(x, h), exact, rtol=1e-13, atol=0)


def _mixture_references(r, a, b, w):
    """log 2F1(r, a; a+b; -w) and log(r w 3F2(r+1, a, 1; a+b, 2; -w)): the two BG/NBD mixtures.

    For a + b above 1e4 mpmath's hypergeometric functions go wrong (2F1(0.5, 3e4; 1.5e5; -10) comes out as
    e^17419, though it is an average of numbers below 1); there the mixtures are integrated by mpmath's
    quadrature over p ~ Beta(a, b), with break points at the mode and 2, 8 and 32 standard deviations.
    """
    if a + b <= 1e4:
        survival = mp.log(mp.hyp2f1(r, a, a + b, -w))
        expected = mp.log(r * w * mp.hyp3f2(r + 1, a, 1, a + b, 2, -w))
        return float(survival), float(expected)
    a, b, r, w = (mp.mpf(v) for v in (a, b, r, w))
    mode, sd = a / (a + b), mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    points = sorted({mp.mpf(0), mp.mpf(1), *(min(max(mode + k * sd, 0), 1) for k in (-32, -8, -2, 0, 2, 8, 32))})
    log_beta = mp.log(mp.beta(a, b))

    def average(g):
        return mp.quad(lambda p: mp.exp((a - 1) * mp.log(p) + (b - 1) * mp.log1p(-p) - log_beta) * g(p), points)

    survival = average(lambda p: (1 + p * w) ** -r)
    expected = average(lambda p: -mp.expm1(-r * mp.log1p(p * w)) / p)
    return float(mp.log(survival)), float(mp.log(expected))


# (r, a, b, w): argument z = w/(1+w) within 1e-8 of 1, a = 1 (FHL's removable singularity), large r (many
# purchases), tiny a, c - a = a + b - r negative (Euler's series would alternate), huge a and b
HARD_MIXTURES = [(0.046, 1.42, 4.58, 1694 / 0.166), (0.3, 1.0, 2.5, 40.0), (0.3, 1.0, 2.5, 1e8), (0.25, 0.8, 2.4, 1.2),
                 (850.0, 0.7, 900.0, 3.0), (2.0, 1e-3, 0.5, 1e6), (40.0, 0.5, 2.0, 0.4), (60.0, 0.3, 1.1, 5e3),
                 (0.5, 3e4, 1.2e5, 10.0), (5.0, 2e6, 2e6, 1e4), (1e-3, 2.0, 3.0, 1e12)]


@pytest.mark.parametrize("r, a, b, w", HARD_MIXTURES)
def test_bg_mixtures_in_the_hard_regions(r, a, b, w):
    survival, expected = _mixture_references(r, a, b, w)
    assert log_bg_survival(r, a, b, w) == pytest.approx(survival, rel=1e-11, abs=1e-12)
    assert np.log(bg_expected(r, a, b, w)) == pytest.approx(expected, rel=1e-11, abs=1e-12)


def test_bg_mixtures_on_a_random_grid(rng):
    r, a, b = np.exp(rng.uniform(-5, 6, (3, 60)))
    w = np.exp(rng.uniform(-12, 16, 60))
    exact = np.array([_mixture_references(*row) for row in zip(r, a, b, w, strict=True)])
    np.testing.assert_allclose(log_bg_survival(r, a, b, w), exact[:, 0], rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(np.log(bg_expected(r, a, b, w)), exact[:, 1], rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("p", [0.02, 0.4, 0.95])
def test_bg_mixtures_at_a_common_dropout_probability(p):
    """a, b = pK, (1-p)K with K = 1e13 is the limit of a dropout probability p common to all customers, where
    E[(1+pw)^-r] and E[(1-(1+pw)^-r)/p] are closed forms (the spread of p, p(1-p)/K, is far below 1e-10)."""
    r, w = np.array([0.5, 40.0, 0.2]), np.array([3.0, 0.2, 1e4])
    a, b = p * 1e13, (1 - p) * 1e13
    np.testing.assert_allclose(np.exp(log_bg_survival(r, a, b, w)), (1 + p * w) ** -r, rtol=1e-10)
    np.testing.assert_allclose(bg_expected(r, a, b, w), -np.expm1(-r * np.log1p(p * w)) / p, rtol=1e-10)


def test_log_hyp2f1_near_one_and_where_scipy_overflows(rng):
    a, b = np.exp(rng.uniform(-3, 5, (2, 80)))
    c = b + np.exp(rng.uniform(-3, 5, 80))  # c - a is negative for about half of them
    z = 1 - np.exp(-rng.uniform(0.8, 27.6, 80))  # 1 - z from 0.45 down to 1e-12
    exact = [float(mp.log(mp.hyp2f1(*row))) for row in zip(a, b, c, z, strict=True)]
    np.testing.assert_allclose(log_hyp2f1(a, b, c, z), exact, rtol=1e-12, atol=1e-12)
    # scipy.special.hyp2f1 returns inf here; the value is 1.0413e22
    args = (173.36037009232277, 5.7820557632187946, 174.36037009232277, 0.9999473185811987)
    assert log_hyp2f1(*args) == pytest.approx(float(mp.log(mp.hyp2f1(*args))), rel=1e-13)
    with pytest.raises(ValueError, match="c > b > 0"):
        log_hyp2f1(1.0, 2.0, 0.5, 0.3)


def test_negative_binomial_counts_down_to_the_poisson_limit():
    n, r, w = np.arange(30.0), 0.7, 3.0
    np.testing.assert_allclose(np.exp(log_nbinom_pmf(n, r, w)), stats.nbinom.pmf(n, r, 1 / (1 + w)), rtol=1e-12)
    np.testing.assert_allclose(nbinom_sf(n, r, w), stats.nbinom.sf(n - 1, r, 1 / (1 + w)), rtol=1e-12)
    # r = 1e15, w = 2/r: Poisson(2) to 1e-13 (n²/2r), where scipy's pmf (gammaln(n + r) - gammaln(r)) is 2% off
    np.testing.assert_allclose(np.exp(log_nbinom_pmf(n, 1e15, 2e-15)), stats.poisson.pmf(n, 2.0), rtol=1e-11)


@pytest.mark.parametrize("gamma", [0.4, 1.0, 1 + 1e-9, 3.0, 1e-3])
@pytest.mark.parametrize("delta, t", [(2.5, 7), (0.2, 300), (450.0, 5000), (1e9, 12)])
def test_sum_of_beta_geometric_survival(gamma, delta, t):
    """Σ_{k=1}^t B(γ, δ+k)/B(γ, δ), including γ = 1 (where the closed form's γ - 1 vanishes), against mpmath:
    the sum itself for short horizons, else δ/(γ-1)[1 - e^L] with L = Σ_j log1p((1-γ)/(γ+δ+j)) at 40 digits."""
    g, d = mp.mpf(gamma), mp.mpf(delta)
    if t <= 300:
        exact = mp.fsum(mp.beta(g, d + k) / mp.beta(g, d) for k in range(1, t + 1))
    elif gamma == 1:
        exact = d * (mp.digamma(d + 1 + t) - mp.digamma(d + 1))
    else:
        exact = d / (g - 1) * -mp.expm1(mp.fsum(mp.log1p((1 - g) / (g + d + j)) for j in range(t)))
    assert sum_beta_geometric_survival(gamma, delta, t) == pytest.approx(float(exact), rel=1e-12)


def _closed_form_log_j(r, alpha, s, beta, x, t_x, T):
    """log(α^r β^s J) from Fader & Hardie's (2005, note 009) closed form of J, via mpmath's hypergeometric function."""
    n = r + s + x
    if alpha >= beta:
        def f(u):
            return mp.hyp2f1(n, s + 1, n + 1, mp.mpf(alpha - beta) / (alpha + u)) / mp.power(alpha + u, n)
    else:
        def f(u):
            return mp.hyp2f1(n, r + x, n + 1, mp.mpf(beta - alpha) / (beta + u)) / mp.power(beta + u, n)
    return float(mp.log((f(t_x) - f(T)) / n * mp.power(alpha, r) * mp.power(beta, s)))


def _central_differences(params, args) -> np.ndarray:
    """d log J̃ / d(r, alpha, s, beta) by central differences with relative step 1e-4 (truncation about 1e-8;
    a smaller step drowns in the rounding of log J̃, which reaches -700 at 200 purchases), one row per parameter."""
    params = np.asarray(params, dtype="float64")
    rows = []
    for j in range(4):
        up, down = params.copy(), params.copy()
        up[j], down[j] = up[j] * (1 + 1e-4), down[j] * (1 - 1e-4)
        rows.append((pareto_nbd_integral(*up, *args)[0] - pareto_nbd_integral(*down, *args)[0]) / (2e-4 * params[j]))
    return np.array(rows)


def test_pareto_nbd_integral_matches_the_closed_form_and_its_gradient(rng):
    """Scale parameters up to e^9 apart, so that both the series (z < 0.56) and the quadrature are checked."""
    for _ in range(120):
        r, alpha, s = np.exp(rng.uniform(-2, 3, 3))
        beta = alpha * np.exp(rng.uniform(-9, 9))
        x, T = float(rng.choice([0, 1, 4, 30, 200])), rng.uniform(1, 80)
        t_x = rng.uniform(0, T) if x > 0 else 0.0
        args = [np.array([v]) for v in (x, t_x, T)]
        log_j, grad = pareto_nbd_integral(r, alpha, s, beta, *args)
        assert log_j[0] == pytest.approx(_closed_form_log_j(r, alpha, s, beta, x, t_x, T), rel=1e-12)
        np.testing.assert_allclose(grad, _central_differences([r, alpha, s, beta], args), rtol=1e-4, atol=1e-8)


def test_pareto_nbd_integral_at_a_death_rate_common_to_all():
    """s, β = μK, K with K = 1e13: the lifetime is exponential with rate μ for everyone, and J̃ is the integral
    of (α/(α+τ))^r (α+τ)^-x e^(-μτ) / K, by mpmath's quadrature (the closed form cannot be evaluated here)."""
    r, alpha, mu, x, t_x, T = 0.6, 9.0, 0.03, 3.0, 11.0, 39.0
    log_j, _ = pareto_nbd_integral(r, alpha, mu * 1e13, 1e13, np.array([x]), np.array([t_x]), np.array([T]))
    exact = mp.quad(lambda u: (alpha / (alpha + u)) ** r * (alpha + u) ** -x * mp.exp(-mu * u), [t_x, T])
    assert log_j[0] + np.log(1e13) == pytest.approx(float(mp.log(exact)), rel=1e-9)


def test_distinct_pairs_sorted_by_frequency_and_mapping_back(rng):
    x = rng.integers(0, 6, 500).astype(float)
    tau = rng.integers(0, 20, 500) / 7
    first, at = distinct_pairs(x, tau)
    assert np.all(np.diff(x[first]) >= 0)  # one contiguous run per frequency
    assert len(set(zip(x[first], tau[first], strict=True))) == len(first) == len(set(zip(x, tau, strict=True)))
    assert np.array_equal(x[first][at], x) and np.array_equal(tau[first][at], tau)


@pytest.mark.parametrize("alpha, beta", [(11.6, 8.8), (40.0, 2.0), (2.0, 40.0)])
def test_pareto_nbd_integral_on_many_rows_sharing_frequencies(rng, alpha, beta):
    """Rows summed as one polynomial per frequency, and (for the far-apart scale parameters) rows with z
    close to 1 integrated in the same call, against the closed form row by row."""
    r, s = 0.6, 0.5
    x = rng.integers(0, 12, 120).astype(float)
    T = rng.choice([20.0, 39.0, 52.0], 120)
    t_x = np.where(x > 0, np.floor(rng.uniform(0, 1, 120) * T), 0.0)  # t_x < T: J > 0
    z = abs(alpha - beta) / (max(alpha, beta) + t_x)
    if alpha != 11.6:
        assert (z < _POLYNOMIAL_Z).any() and (z >= _POLYNOMIAL_Z).any()
    log_j, grad = pareto_nbd_integral(r, alpha, s, beta, x, t_x, T)
    expected = [_closed_form_log_j(r, alpha, s, beta, *row) for row in zip(x, t_x, T, strict=True)]
    np.testing.assert_allclose(log_j, expected, rtol=1e-12)
    np.testing.assert_allclose(grad, _central_differences([r, alpha, s, beta], (x, t_x, T)), rtol=1e-5, atol=1e-8)


def test_differences_over_a_zero_step_are_exactly_zero():
    """ln Γ(x + 0) − ln Γ(x) and ψ(x + 0) − ψ(x) are 0 for every x, tiny or near 1e13 (no series is needed)."""
    x = np.array([1e-8, 0.24, 1.0, 7.5, 1e6, 1e13])
    assert np.array_equal(log_gamma_ratio(x, np.zeros_like(x)), np.zeros_like(x))
    assert np.array_equal(digamma_difference(x, np.zeros_like(x)), np.zeros_like(x))
